"""Is the classifier's confidence calibrated on comments it never saw?

    OMP_NUM_THREADS=1 python benchmarks/calibration.py [--data banking77 semeval-en semeval-ru] [--seeds 2]
    AIRLINE_TWEETS=Tweets.csv OMP_NUM_THREADS=1 python benchmarks/calibration.py --data airline

``classify`` writes ``confidence`` (the probability of the weakest predicted category) and, with
``--probabilities``, a ``p: <category>`` column per category; the README calls them calibrated. This
checks that on held-out test splits of real human-coded comments (the data sets and splits of
``labelling.py``: Banking77's own test split, with a seeded sample of 3,000 of its training messages
to learn from; SemEval-2016 restaurant sentences, a quarter of the reviews held out; airline complaint
tweets, a quarter by tweet id), for the model ``train`` makes (``FeedbackClassifier`` defaults), against
a plain baseline in the same run: tf-idf (word 1-2 grams) and a one-vs-rest logistic regression, whose
probabilities are the usual reference for "calibrated out of the box".

Printed per data set and seed:

* **pairs**: every (comment, category) pair, a parent true when a child is: expected calibration error
  (ECE, 10 equal-width bins weighted by their pairs), the same over pairs with p >= 0.1 (the near-zero
  mass otherwise hides the rest), and the Brier score;
* **predicted**: the categories the model predicts, binned by their probability: mean probability
  against the share that is right (a user reading ``confidence`` 0.8 expects 8 in 10 right);
* the same table for the baseline's pairs at p >= 0.5 (its own decisions).

Nothing here is tuned: the test splits are only scored. ``--tune`` scores a split of the training
data instead (``labelling.py``'s tuning splits), where any change to the calibration is chosen.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from labelling import _data  # noqa: E402

from feedback_classifier.jobs.audit import label_matrix  # noqa: E402
from feedback_classifier.model import FeedbackClassifier  # noqa: E402

EDGES = np.linspace(0.0, 1.0, 11)
TABLE = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0001)


def ece(p: np.ndarray, y: np.ndarray) -> float:
    """Expected calibration error over 10 equal-width bins (weighted by their counts)."""
    if len(p) == 0:
        return float("nan")
    bins = np.clip(np.digitize(p, EDGES[1:-1]), 0, 9)
    total = 0.0
    for b in range(10):
        m = bins == b
        if m.any():
            total += m.sum() * abs(p[m].mean() - y[m].mean())
    return total / len(p)


def reliability(p: np.ndarray, y: np.ndarray) -> str:
    """'0.5-0.6: p 0.55 right 0.61 (n 120)' lines for the predicted pairs."""
    out = []
    for lo, hi in zip(TABLE[:-1], TABLE[1:]):
        m = (p >= lo) & (p < hi)
        if m.sum():
            out.append(f"    {lo:.1f}-{min(hi, 1.0):.1f}: mean p {p[m].mean():.3f}, right {y[m].mean():.3f} (n {m.sum()})")
    return "\n".join(out)


def baseline_proba(texts, Y, test_texts) -> np.ndarray:
    """tf-idf word 1-2 grams + one logistic regression per class (sklearn defaults)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    X, Xt = vec.fit_transform(texts), vec.transform(test_texts)
    P = np.zeros((len(test_texts), Y.shape[1]))
    for j in range(Y.shape[1]):
        if Y[:, j].min() == Y[:, j].max():
            P[:, j] = Y[0, j]
            continue
        P[:, j] = LogisticRegression(max_iter=2000).fit(X, Y[:, j]).predict_proba(Xt)[:, 1]
    return P


def summary(name: str, P: np.ndarray, Yt: np.ndarray, decided: np.ndarray) -> str:
    p, y = P.ravel(), Yt.ravel()
    wide = p >= 0.1
    brier = float(np.mean((p - y) ** 2))
    d = decided.ravel().astype(bool)
    return (
        f"  {name}: pairs ECE {ece(p, y):.4f}, ECE at p >= 0.1 {ece(p[wide], y[wide]):.4f} (n {wide.sum()}), "
        f"Brier {brier:.4f}; predicted pairs: mean p {p[d].mean():.3f}, right {y[d].mean():.3f} (n {d.sum()})\n"
        + reliability(p[d], y[d])
    )


def run(data: str, seed: int, tune: bool = False) -> None:
    tax, texts, labels, test_texts, test_labels = _data(data, tune)
    if data == "banking77":  # 10,003 messages take ~5 CPU-minutes to learn; 3,000 tell the same
        pick = np.random.default_rng(seed).permutation(len(texts))[:3000]
        texts, labels = [texts[i] for i in pick], [labels[i] for i in pick]
    clf = FeedbackClassifier(taxonomy=tax, random_state=seed).fit(texts, labels)
    P = clf.predict_proba(test_texts)
    Yt = label_matrix(test_labels, clf.classes_)
    print(f"{data}, seed {seed}: {len(texts):,} training comments, {len(test_texts):,} test comments, "
          f"{len(clf.classes_)} categories")
    print(summary("model", P, Yt, clf.predict_from_proba(P)))
    B = baseline_proba(texts, label_matrix(labels, clf.classes_), test_texts)
    print(summary("tf-idf + logistic regression", B, Yt, B >= 0.5), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", nargs="+", default=["banking77", "semeval-en", "semeval-ru"],
                        choices=["banking77", "semeval-en", "semeval-ru", "airline"])
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--tune", action="store_true", help="score a split of the training data (the test split unread)")
    args = parser.parse_args()
    for data in args.data:
        for seed in range(args.seeds):
            run(data, seed, args.tune)


if __name__ == "__main__":
    main()
