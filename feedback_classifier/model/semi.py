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
import scipy.sparse as sp

from feedback_classifier.model.estimator import FeedbackClassifier

_CHUNK = 2048  # rows of the similarity matrix computed at once


def pseudo_labels(clf: FeedbackClassifier, pool: Sequence[str], budget: int,
                  firm: bool = False, P: np.ndarray | None = None,
                  check: np.ndarray | None = None) -> tuple[list[int], list[list]]:
    """``(rows, labels)``: up to ``budget`` rows of ``pool`` with the deepest labels ``clf``
    predicts for them, the same number per predicted category (the surest first). ``P``: the
    pool's probabilities to decide on instead of ``clf.predict_proba(pool)`` (``smoothed_proba``);
    ``check``: other probabilities of the pool, only rows where they decide the same labels are taken.

    >>> texts = ["rude staff", "slow delivery", "rude waiter", "late courier"] * 5
    >>> y = [[("service", None)], [("delivery", None)]] * 10
    >>> clf = FeedbackClassifier(analyzer=str.split, cv=2).fit(texts, y)
    >>> rows, labels = pseudo_labels(clf, ["rude staff again", "slow delivery again"], 2)
    >>> sorted(rows), sorted(lab[0][0] for lab in labels)
    ([0, 1], ['delivery', 'service'])
    """
    if budget < 1 or not len(pool):
        return [], []
    P = clf.predict_proba(list(pool)) if P is None else np.asarray(P, dtype=float)
    D = clf.predict_from_proba(P).astype(bool)
    has = D.any(axis=1)
    conf = np.where(has, np.where(D, P, np.inf).min(axis=1), 0.0)
    # the likeliest predicted class stands for the comment's category when counting quotas
    primary = np.where(D, P, -np.inf).argmax(axis=1)
    keep = has
    if firm:  # every predicted category past its own threshold, none by the fallback rule
        keep = has & ~(D & (P < np.asarray(clf.thresholds_))).any(axis=1)
    if check is not None:
        keep = keep & (clf.predict_from_proba(np.asarray(check, dtype=float)).astype(bool) == D).all(axis=1)
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


def neighbour_graph(Z: np.ndarray, k: int = 10) -> sp.csr_matrix:
    """Row-normalised ``(n, n)`` weights of each row's ``k`` nearest other rows of ``Z`` (unit
    rows; cosine weights, negatives dropped). A row with no positive neighbour has none.

    >>> Z = np.array([[1.0, 0.0], [0.99, 0.14], [0.0, 1.0]])
    >>> neighbour_graph(Z, k=1).toarray().round(2).tolist()
    [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    """
    n = len(Z)
    k = max(0, min(k, n - 1))
    rows, cols, vals = [], [], []
    for start in range(0, n if k else 0, _CHUNK):
        S = Z[start:start + _CHUNK] @ Z.T
        S[np.arange(len(S)), np.arange(start, start + len(S))] = -np.inf  # not its own neighbour
        top = np.argpartition(-S, k - 1, axis=1)[:, :k]
        rows.append(np.repeat(np.arange(start, start + len(S)), k))
        cols.append(top.ravel())
        vals.append(np.take_along_axis(S, top, axis=1).ravel())
    if not rows:
        return sp.csr_matrix((n, n))
    W = sp.csr_matrix((np.clip(np.concatenate(vals), 0, None), (np.concatenate(rows), np.concatenate(cols))),
                      shape=(n, n))
    W.eliminate_zeros()
    return sp.diags(1.0 / np.maximum(np.asarray(W.sum(axis=1)).ravel(), 1e-12)) @ W


def smoothed_proba(P: np.ndarray, Y: np.ndarray, W: sp.csr_matrix, alpha: float = 0.5,
                   steps: int = 10) -> np.ndarray:
    """The pool's probabilities ``P`` spread over the neighbour graph ``W`` (Zhou et al. 2004's
    label spreading, the model's own probabilities as the prior): ``W``'s first ``len(Y)`` rows
    are the labelled comments, clamped to their labels ``Y``, the rest the pool, each pool
    row ``(1 - alpha) x`` its own probabilities ``+ alpha x`` its neighbours' mean, ``steps``
    times. A comment the model is unsure of takes what its labelled or confident neighbours say.

    >>> W = neighbour_graph(np.array([[1.0, 0.0], [0.99, 0.14], [0.0, 1.0]]), k=1)
    >>> smoothed_proba(np.array([[0.2], [0.9]]), np.array([[1.0]]), W).round(2).tolist()
    [[0.6], [0.75]]
    """
    m = len(Y)
    F = np.vstack([Y, P]).astype(float)
    Wp = W[m:]
    for _ in range(steps):
        F[m:] = (1 - alpha) * P + alpha * (Wp @ F)
    return F[m:]


def _label_matrix(clf: FeedbackClassifier, labels: Sequence[list]) -> np.ndarray:
    """0/1 rows over ``clf.classes_``: each label and its parent."""
    index = {c: j for j, c in enumerate(clf.classes_)}
    Y = np.zeros((len(labels), len(index)))
    for i, labs in enumerate(labels):
        for p, c in labs:
            for lab in ((p, c), (p, None)):
                if lab in index:
                    Y[i, index[lab]] = 1.0
    return Y


def _topics(texts: list[str]) -> np.ndarray:
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    X = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=2).fit_transform(texts)
    Z = TruncatedSVD(min(100, X.shape[1] - 1), random_state=0).fit_transform(X).astype(np.float32)
    return Z / np.maximum(np.linalg.norm(Z, axis=1, keepdims=True), 1e-12)


def _pool_proba(clf: FeedbackClassifier, texts: list[str], labels: list, rest: list[str],
                smooth: float, neighbours: int, topics: bool = False) -> np.ndarray:
    """The pool's probabilities, spread over the word-table neighbour graph of labelled + pool
    comments when ``smooth`` > 0 and the model has the word-table block."""
    docs = clf._analyze(rest)
    P = clf._proba_of_docs(docs, rest)
    dense = getattr(clf, "dense_", None)
    if not smooth or dense is None:
        return P
    Z = np.vstack([dense.transform(clf._analyze(texts)), dense.transform(docs)]).astype(np.float32)
    Z /= np.maximum(np.linalg.norm(Z, axis=1, keepdims=True), 1e-12)
    if topics:
        Z = np.hstack([Z, _topics(list(texts) + list(rest))]) / np.sqrt(2.0)
    return smoothed_proba(P, _label_matrix(clf, labels), neighbour_graph(Z, neighbours), smooth)


def fit_self_trained(texts: Sequence[str], labels: Sequence[list], pool: Sequence[str], *,
                     share: float = 1.0, firm: bool = False, smooth: float = 0.0, neighbours: int = 10,
                     agree: bool = False, topics: bool = False, **params) -> FeedbackClassifier:
    """A ``FeedbackClassifier(**params)`` trained on ``texts``/``labels`` and then once more on
    them plus ``share`` x len(texts) pseudo-labelled ``pool`` comments (see ``pseudo_labels``).
    The pool may hold the labelled texts; they are never pseudo-labelled. (Tried on the tuning
    splits and dropped, each weaker on at least one data set: a minimum confidence of 0.5 or 0.7,
    two rounds, at most 20% of the pool.)

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
    budget = int(round(min(share * len(texts), len(rest))))
    P = _pool_proba(clf, texts, labels, rest, smooth, neighbours, topics) if budget >= 1 and rest else None
    check = None
    if agree and P is not None:  # the model's own decisions, kept where the smoothed ones agree
        P, check = clf.predict_proba(rest), P
    rows, pseudo = pseudo_labels(clf, rest, budget, firm, P, check)
    if not rows:
        return clf
    return FeedbackClassifier(**params).fit(texts + [rest[i] for i in rows], labels + pseudo)
