"""Few labels, many unlabelled comments: self-training with class-balanced pseudo-labels.

The labelling loop has a few hundred labels and a pool of thousands of unlabelled comments
from the same survey. ``fit_self_trained`` trains a ``FeedbackClassifier`` on the labels, lets
it label the pool, and trains again on the labels plus the pool comments it is surest about:

* **Class-balanced.** Each predicted category (the comment's likeliest predicted deepest
  label) offers at most the same number of pseudo-labelled comments, so the categories the
  model already predicts everywhere do not drown the rare ones.
* **Few.** ``share`` pseudo-labelled comments per real label in all: the model learns the
  words that go with its categories in the user's own comments, not its own mistakes at scale.
* **Surest first.** Within a category the comments whose weakest predicted category is the
  most probable come first.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from feedback_classifier.model.estimator import FeedbackClassifier


def pseudo_labels(clf: FeedbackClassifier, pool: Sequence[str], budget: int,
                  firm: bool = False) -> tuple[list[int], list[list]]:
    """``(rows, labels)``: up to ``budget`` rows of ``pool`` with the deepest labels ``clf``
    predicts for them, the same number per predicted category (the surest first).

    >>> texts = ["rude staff", "slow delivery", "rude waiter", "late courier"] * 5
    >>> y = [[("service", None)], [("delivery", None)]] * 10
    >>> clf = FeedbackClassifier(analyzer=str.split, cv=2).fit(texts, y)
    >>> rows, labels = pseudo_labels(clf, ["rude staff again", "slow delivery again"], 2)
    >>> sorted(rows), sorted(lab[0][0] for lab in labels)
    ([0, 1], ['delivery', 'service'])
    """
    if budget < 1 or not len(pool):
        return [], []
    P = clf.predict_proba(list(pool))
    D = clf.predict_from_proba(P).astype(bool)
    has = D.any(axis=1)
    conf = np.where(has, np.where(D, P, np.inf).min(axis=1), 0.0)
    # the likeliest predicted class stands for the comment's category when counting quotas
    primary = np.where(D, P, -np.inf).argmax(axis=1)
    keep = has
    if firm:  # every predicted category past its own threshold, none by the fallback rule
        keep = has & ~(D & (P < np.asarray(clf.thresholds_))).any(axis=1)
    ok = np.flatnonzero(keep)
    queues = {c: ok[primary[ok] == c] for c in np.unique(primary[ok])}
    queues = {c: q[np.argsort(-conf[q], kind="stable")] for c, q in queues.items()}
    rows: list[int] = []
    depth = 0
    while len(rows) < budget and any(len(q) > depth for q in queues.values()):
        # round robin over the categories: equal shares, the surest of each first
        rows += [int(q[depth]) for _, q in sorted(queues.items()) if len(q) > depth][: budget - len(rows)]
        depth += 1
    return rows, [clf._paths(D[i]) for i in rows]


def fit_self_trained(texts: Sequence[str], labels: Sequence[list], pool: Sequence[str], *,
                     share: float = 1.0, firm: bool = False, **params) -> FeedbackClassifier:
    """A ``FeedbackClassifier(**params)`` trained on ``texts``/``labels`` and then once more on
    them plus ``share`` x len(texts) pseudo-labelled ``pool`` comments (see ``pseudo_labels``).
    The pool may hold the labelled texts; they are never pseudo-labelled. (Tried on the tuning
    splits and dropped, each weaker on at least one data set: a minimum confidence of 0.5 or 0.7,
    two rounds, at most 20% of the pool; deciding the pseudo-labels on the pool's probabilities
    smoothed over a k-nearest-neighbour graph (label spreading), see ``jobs/suggest.py``.)

    >>> texts = ["rude staff", "slow delivery", "rude waiter", "late courier"] * 5
    >>> y = [[("service", None)], [("delivery", None)]] * 10
    >>> pool = ["rude staff again", "slow delivery again", "rude staff"]
    >>> clf = fit_self_trained(texts, y, pool, analyzer=str.split, cv=2)
    >>> clf.predict_labels(["rude staff again"])
    [[('service', None)]]
    """
    texts, labels = list(texts), list(labels)
    clf = FeedbackClassifier(**params).fit(texts, labels)
    known = set(texts)
    rest = [t for t in dict.fromkeys(pool) if t not in known]
    rows, pseudo = pseudo_labels(clf, rest, int(round(min(share * len(texts), len(rest)))), firm)
    if not rows:
        return clf
    return FeedbackClassifier(**params).fit(texts + [rest[i] for i in rows], labels + pseudo)
