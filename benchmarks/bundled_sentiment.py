"""Positive and negative recall of the bundled sentiment model (issue 13: praise read as complaints).

The bundled model (``model/default_sentiment.py``) is trained from hand-written examples
only, so two sets nobody tunes it on judge a change to those examples:

* every positive and negative opinion of the shared SemEval-2016 restaurant files (en, ru;
  real reviews the bundled model never saw), given the gold category;
* the hidden truth of the bundled example survey (``scripts/make_example_survey.py``,
  regenerated into a temporary folder), given the true categories.

Printed per set: recall of positive and of negative opinions, their mean (macro recall: a
change that only moves the model's default towards one polarity trades one for the other
and leaves it flat) and, for SemEval, the ROC AUC of ``log p(pos) - log p(neg)`` (how well
the model ranks, whatever its default). ``--extra FILE`` also trains on candidate example
rows (same columns as ``data/sentiment_examples.csv``) and prints both models in the same
run. Keep a candidate only if macro recall rises on SemEval en AND ru AND the survey.

Run: ``OMP_NUM_THREADS=1 python benchmarks/bundled_sentiment.py [--extra benchmarks/sentiment_candidates.csv]``
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
import semeval_polarity  # noqa: E402
from feedback_classifier.model import default_sentiment  # noqa: E402
from feedback_classifier.taxonomy import load_taxonomy  # noqa: E402


def train(extra: Path | None, tmp: Path):
    """The bundled model, trained on the bundled examples plus ``extra``'s rows."""
    if extra is None:
        return default_sentiment._train()
    rows = pd.concat([pd.read_csv(default_sentiment.SENTIMENT_EXAMPLES_FILE, dtype=str, keep_default_na=False),
                      pd.read_csv(extra, dtype=str, keep_default_na=False)])
    path = tmp / "examples.csv"
    rows.to_csv(path, index=False)
    saved = default_sentiment.SENTIMENT_EXAMPLES_FILE
    default_sentiment.SENTIMENT_EXAMPLES_FILE = path
    try:
        return default_sentiment._train()
    finally:
        default_sentiment.SENTIMENT_EXAMPLES_FILE = saved


def semeval_pairs(lang: str):
    texts, opinions, _ = semeval_polarity.load(lang, load_taxonomy("semeval-restaurants"))
    pairs = [(t, label, pol) for t, ops in zip(texts, opinions) for label, pol in ops
             if pol in ("positive", "negative")]
    return [p[0] for p in pairs], [p[1] for p in pairs], np.array([p[2] for p in pairs])


def survey_pairs(tmp: Path):
    survey, truth = tmp / "survey.csv", tmp / "truth.csv"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "make_example_survey.py"), "--out", str(survey),
                    "--truth", str(truth)], check=True, capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    df = pd.read_csv(survey).merge(pd.read_csv(truth), on="response_id")
    texts, labels, gold = [], [], []
    for comment, labs, sent in zip(df["comment"], df["true_labels"], df["true_sentiment"]):
        if not isinstance(sent, str):
            continue
        signs = {m[:-1]: m[-1] for m in sent.split()}
        for lab in labs.split(";"):
            parent, child = (x.strip() for x in lab.split(">"))
            if child in signs:
                texts.append(comment)
                labels.append((parent, child))
                gold.append("positive" if signs[child] == "+" else "negative")
    return texts, labels, np.array(gold)


def scores(model, texts, labels, gold) -> dict:
    from sklearn.metrics import roc_auc_score

    proba = model.predict_proba(texts, labels)
    classes = list(model.classes_)
    pred = np.array(classes)[proba.argmax(axis=1)]
    pos, neg = gold == "positive", gold == "negative"
    out = {"pos": float(np.mean(pred[pos] == "positive")), "neg": float(np.mean(pred[neg] == "negative"))}
    out["macro"] = (out["pos"] + out["neg"]) / 2
    margin = np.log(proba[:, classes.index("positive")] + 1e-12) - np.log(proba[:, classes.index("negative")] + 1e-12)
    out["auc"] = float(roc_auc_score(pos, margin))
    out["n"] = f"{pos.sum()}+/{neg.sum()}-"
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--extra", type=Path, default=None, help="candidate example rows to add (CSV)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        sets = {f"semeval-{lang}": semeval_pairs(lang) for lang in ("en", "ru")}
        sets["survey"] = survey_pairs(tmp)
        models = {"bundled": train(None, tmp)}
        if args.extra is not None:
            models[f"+{args.extra.name}"] = train(args.extra, tmp)
        for name, data in sets.items():
            for tag, model in models.items():
                s = scores(model, *data)
                print(f"{name:11s} {tag:32s} pos {s['pos']:.3f} neg {s['neg']:.3f} macro {s['macro']:.3f} "
                      f"auc {s['auc']:.3f} ({s['n']})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
