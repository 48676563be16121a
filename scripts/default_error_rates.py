"""Measure the bundled default model's per-parent precision and recall on real, human-coded
comments and write them to ``feedback_classifier/data/default_error_rates.json``.

The report shows each category's precision and recall and flags the often-missed ones (with
an audited sample or a trained model's cross-validation it also corrects shares and impacts;
rates measured on other domains, as these are, are shown but never used to correct: on the
example survey they made shares worse, see ``benchmarks/quantify.py --survey``). For the
bundled default model, cross-validation on its own hand-written examples would be optimistic
(they are clean and were written for it), so its error rates are measured here instead, on public
comments nobody on the project wrote, coded by people, with each code mapped to the
cx-default parent that should catch it (the mappings, sources and licences are in
``benchmarks/real_comments.py``):

- Banking77 (English bank-support messages; CC BY 4.0), train + test: the messages whose
  intent maps to a parent; for the parents that mapping covers (payment, price, returns,
  delivery, digital).
- SemEval-2016 restaurant reviews, English and Russian (research use), every sentence (one
  with no mapped aspect is a negative): for service, price, product and store.

A parent's counts are summed over the sets that cover it. Parents no set covers (e.g.
communication, loyalty) and every child category get no estimate: the report then shows no
correction for them. The numbers are rough (other domains, a mapping of someone else's codes),
so the stored counts are scaled down to at most ``--effective-rows`` comments: their Beta
intervals are then as wide as an audit of that many comments would give, not as narrow as
thousands of rows from another domain would suggest. Precision and recall are unchanged by
the scaling.

Re-run after the default model changes (the file names the model it measured):

    OMP_NUM_THREADS=1 PYTHONPATH=. python scripts/default_error_rates.py [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import pandas as pd  # noqa: E402

OUT = ROOT / "feedback_classifier" / "data" / "default_error_rates.json"


def _sets(data: Path) -> dict[str, tuple[pd.DataFrame, list[str]]]:
    """Each set's comments with their gold parents, and the parents its mapping can judge."""
    from real_comments import BANKING77_TO_CX, SEMEVAL_TO_CX

    frames = []
    for split in ("train", "test"):
        df = pd.read_csv(data / "banking77" / f"{split}.csv")
        parent_of = {intent: parent for parent, intents in BANKING77_TO_CX.items() for intent in intents}
        df["gold"] = [{parent_of[c]} if c in parent_of else set() for c in df["category"]]
        frames.append(df[df["gold"].map(bool)][["text", "gold"]])
    sets = {"Banking77 support messages (en)": (pd.concat(frames, ignore_index=True), sorted(BANKING77_TO_CX))}
    for lang in ("en", "ru"):
        df = pd.read_csv(data / "semeval2016" / f"restaurants_{lang}_train.csv", dtype=str).fillna("")
        df["gold"] = [{SEMEVAL_TO_CX[x] for x in cell.split("; ") if x in SEMEVAL_TO_CX} for cell in df["labels"]]
        sets[f"SemEval-2016 restaurant reviews ({lang})"] = (df[["text", "gold"]], sorted(set(SEMEVAL_TO_CX.values())))
    return sets


def measure(data: Path) -> tuple[dict[str, list[int]], dict[str, list[str]], dict[str, int]]:
    """Summed [tp, fp, fn, tn] per parent, the sets each parent was measured on, each set's size."""
    from real_comments import default_model_parents

    counts: dict[str, list[int]] = {}
    sources: dict[str, list[str]] = {}
    sizes: dict[str, int] = {}
    for name, (df, parents) in _sets(data).items():
        gold = df["gold"].tolist()
        predicted = default_model_parents(df["text"].astype(str).tolist())
        print(f"{name}: {len(gold):,} comments")
        sizes[name] = len(gold)
        for parent in parents:
            c = counts.setdefault(parent, [0, 0, 0, 0])
            for g, p in zip(gold, predicted):
                if parent in p:
                    c[0 if parent in g else 1] += 1
                else:
                    c[2 if parent in g else 3] += 1
            sources.setdefault(parent, []).append(name)
    return counts, sources, sizes


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--effective-rows", type=int, default=400)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    from feedback_classifier.model import default_model
    from feedback_classifier.model.default import describe_model

    counts, sources, sizes = measure(args.data)
    parents = {}
    print(f"\n{'parent':<10} {'rows':>6} {'precision':>9} {'recall':>7}  measured on")
    for parent, (tp, fp, fn, tn) in sorted(counts.items()):
        n = tp + fp + fn + tn
        scale = min(1.0, args.effective_rows / n)
        parents[parent] = {"tp": round(tp * scale, 2), "fp": round(fp * scale, 2), "fn": round(fn * scale, 2),
                           "tn": round(tn * scale, 2), "measured": [tp, fp, fn, tn], "sets": sources[parent]}
        precision = tp / (tp + fp) if tp + fp else float("nan")
        recall = tp / (tp + fn) if tp + fn else float("nan")
        print(f"{parent:<10} {n:6,d} {precision:9.2f} {recall:7.2f}  {'; '.join(sources[parent])}")
    model = default_model()
    doc = {
        "about": "Rough per-parent error rates of the bundled default model, measured on real human-coded "
                 "comments from other domains mapped to cx-default parents; written by "
                 "scripts/default_error_rates.py (see its docstring). Counts tp/fp/fn/tn are scaled to at most "
                 f"{args.effective_rows} comments; 'measured' holds the unscaled counts.",
        "measured_on": date.today().isoformat(),
        "model": describe_model(None, model),
        "taxonomy_hash": model.taxonomy_.hash,
        "effective_rows": args.effective_rows,
        "sets": sizes,
        "parents": parents,
    }
    args.out.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"\nwrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}; "
          f"no estimate (no real set covers them): "
          f"{', '.join(p for p, _ in model.taxonomy_.parents if p not in parents)}; children: none")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
