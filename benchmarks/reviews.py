"""Multi-topic comments: a sentence-trained model on whole reviews, whole text only vs whole + parts.

Not a test: prints its numbers. Run from the repository root:

    OMP_NUM_THREADS=1 python benchmarks/reviews.py [--data ../shared/data] [--repeats 3]

SemEval-2016 restaurants (en, ru; see ../shared/README.md; research use, read from outside the
project). Reviews are split in two at random (seeded): a ``FeedbackClassifier`` with the
``semeval-restaurants`` taxonomy is trained on one half's *sentences*; the other half's
reviews are joined into one text each (gold labels = the union of its sentences' labels), the
long multi-topic comments a survey gets. Scored: micro-F1 over (review, category) pairs with the
whole text only (``predict_labels``) and as ``enrich`` runs the model (every sentence / clause
scored too, ``model.segments.combined_proba``). Mean and spread over ``--repeats`` splits.
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

import numpy as np
import pandas as pd

from feedback_classifier.model import FeedbackClassifier
from feedback_classifier.model.evaluation import evaluate_predictions
from feedback_classifier.model.segments import combined_proba
from feedback_classifier.taxonomy import load_taxonomy


def one_split(df: pd.DataFrame, tax, seed: int) -> dict[str, float]:
    reviews = df["review_id"].unique()
    learn = set(np.random.default_rng(seed).choice(reviews, size=len(reviews) // 2, replace=False))
    train, test = df[df["review_id"].isin(learn)], df[~df["review_id"].isin(learn)]
    model = FeedbackClassifier(taxonomy=tax).fit(
        train["text"].tolist(), [tax.parse_labels(c) for c in train["labels"]], groups=train["review_id"].tolist())
    texts, gold = [], []
    for _, group in test.groupby("review_id", sort=False):
        texts.append(" ".join(group["text"]))
        gold.append(sorted({label for cell in group["labels"] for label in tax.parse_labels(cell)}, key=str))
    whole = evaluate_predictions(gold, model.predict_labels(texts), tax)
    fired = model.predict_from_proba(combined_proba(model, texts))
    parts = evaluate_predictions(gold, [[model.classes_[j] for j in np.flatnonzero(r)] for r in fired], tax)
    return {"whole": whole.path_micro_f1, "parts": parts.path_micro_f1,
            "whole_recall": whole.path_micro_recall, "parts_recall": parts.path_micro_recall}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    tax = load_taxonomy(ROOT / "taxonomies" / "semeval-restaurants.yaml")
    for lang in ("en", "ru"):
        df = pd.read_csv(args.data / "semeval2016" / f"restaurants_{lang}_train.csv", dtype=str).fillna("")
        runs = [one_split(df, tax, seed) for seed in range(args.repeats)]
        for key in ("whole", "parts"):
            f1 = np.array([r[key] for r in runs])
            recall = np.array([r[key + "_recall"] for r in runs])
            print(f"{lang} reviews, {key:5}: path micro-F1 {f1.mean():.3f} (sd {f1.std():.3f}), "
                  f"recall {recall.mean():.3f}", flush=True)


if __name__ == "__main__":
    main()
