"""The cold start (``train --no-labels``) against the keyword matcher it starts from.

Not a test: prints its numbers. Run from the repository root:

    OMP_NUM_THREADS=1 python benchmarks/cold_start.py [--data ../shared/data] [--repeats 3]

A user taxonomy with keywords (``taxonomies/semeval-restaurants.yaml``) and the SemEval-2016
restaurant sentences (en, ru; see ../shared/README.md; research use, read from outside the
project) with their labels hidden. Reviews are split in two at random (seeded, grouped by
``review_id``): the model learns without labels from one half's sentences, and both it and the
keyword matcher alone (the categories whose keywords clearly occur, ``model.weak.weak_labels``)
are scored on the other half's true labels: micro-F1 over (sentence, category) pairs, full path
and parent. Repeated over ``--repeats`` splits; mean and spread are printed.

Every setting of the cold start was chosen on these splits of the training files. The number no
decision looked at: ``--official-test`` learns without labels from a whole training file and scores
once on the official SemEval-2016 test split (``benchmarks/semeval_test_data.py`` writes it; English
only, no Russian gold file was found), keyword matcher in the same run.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's package, not another installed copy
sys.path.insert(0, str(ROOT / "benchmarks"))

import numpy as np
import pandas as pd

from feedback_classifier.model.evaluation import evaluate_predictions
from feedback_classifier.model.keywords import KeywordMatcher
from feedback_classifier.model import segments
from feedback_classifier.model.segments import combined_proba
from feedback_classifier.model.weak import fit_without_labels, weak_labels
from feedback_classifier.taxonomy import load_taxonomy


WEAK_DEFAULT = object()


def one_split(df: pd.DataFrame, tax, seed: int, weak_min_sim=WEAK_DEFAULT) -> dict[str, tuple[float, float]]:
    reviews = df["review_id"].unique()
    rng = np.random.default_rng(seed)
    learn = set(rng.choice(reviews, size=len(reviews) // 2, replace=False))
    train, test = df[df["review_id"].isin(learn)], df[~df["review_id"].isin(learn)]
    gold = [tax.parse_labels(c) for c in test["labels"]]
    texts = test["text"].tolist()
    matcher = KeywordMatcher(tax)
    kw = evaluate_predictions(gold, weak_labels(matcher, texts), tax)
    kwargs = {} if weak_min_sim is WEAK_DEFAULT else {"zero_shot_min_sim": weak_min_sim}
    model, _ = fit_without_labels(tax, train["text"].tolist(), **kwargs)
    out = {"keywords only": (kw.path_micro_f1, kw.parent_micro_f1)}
    for name, zero_shot in (("--no-labels", True), ("  no word table", False)):
        segments.USE_ZERO_SHOT = zero_shot
        fired = model.predict_from_proba(combined_proba(model, texts, matcher=matcher))
        pred = [[model.classes_[j] for j in np.flatnonzero(row)] for row in fired]
        cold = evaluate_predictions(gold, pred, tax)
        out[name] = (cold.path_micro_f1, cold.parent_micro_f1)
    segments.USE_ZERO_SHOT = True
    return out


def official_test(tax, lang: str, train: pd.DataFrame) -> None:
    """Learn without labels from the whole training file, score once on the official test split."""
    from semeval_data import official_test_path

    path = official_test_path(lang)
    if not path.exists():
        print(f"{lang}  official test: {path} not found (see benchmarks/semeval_test_data.py)")
        return
    test = pd.read_csv(path, dtype=str).fillna("")
    gold, texts = [tax.parse_labels(c) for c in test["labels"]], test["text"].tolist()
    matcher = KeywordMatcher(tax)
    kw = evaluate_predictions(gold, weak_labels(matcher, texts), tax)
    model, _ = fit_without_labels(tax, train["text"].tolist())
    fired = model.predict_from_proba(combined_proba(model, texts, matcher=matcher))
    cold = evaluate_predictions(gold, [[model.classes_[j] for j in np.flatnonzero(r)] for r in fired], tax)
    print(f"{lang}  official test ({len(texts)} sentences, never used for a decision): --no-labels path micro-F1 "
          f"{cold.path_micro_f1:.3f}, keywords only {kw.path_micro_f1:.3f} ({100 * (cold.path_micro_f1 - kw.path_micro_f1):+.1f}); "
          f"parent {cold.parent_micro_f1:.3f} vs {kw.parent_micro_f1:.3f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--weak-min-sim", type=float, default=None,
                        help="zero-shot weak labels at this similarity (default: the library's; <0: none)")
    parser.add_argument("--official-test", action="store_true",
                        help="also learn from the whole training file and score on the official test split")
    args = parser.parse_args()
    weak = WEAK_DEFAULT if args.weak_min_sim is None else (None if args.weak_min_sim < 0 else args.weak_min_sim)
    tax = load_taxonomy(ROOT / "taxonomies" / "semeval-restaurants.yaml")
    for lang in ("en", "ru"):
        df = pd.read_csv(args.data / "semeval2016" / f"restaurants_{lang}_train.csv", dtype=str).fillna("")
        if args.official_test:
            official_test(tax, lang, df)
        runs = [one_split(df, tax, seed, weak) for seed in range(args.repeats)]
        for name in runs[0]:
            path = np.array([r[name][0] for r in runs])
            parent = np.array([r[name][1] for r in runs])
            print(f"{lang}  {name:14} path micro-F1 {path.mean():.3f} (sd {path.std():.3f})   "
                  f"parent micro-F1 {parent.mean():.3f} (sd {parent.std():.3f})", flush=True)


if __name__ == "__main__":
    main()
