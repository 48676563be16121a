"""The word table fitted to a teacher's reading of the training comments (``train --teacher e5``).

The shipped table (``word_table.py``) embeds each lemma alone, so it knows little of what a word
means in restaurant or survey talk, and nothing of words it lacks ("waiter", "официант"). A
teacher (multilingual-e5-small, ``teacher.py``) reads whole comments far better but far too slowly
for ``classify``. Here every lemma of the training comments gets a vector such that a comment's
SIF-weighted mean of its lemmas' vectors approximates the teacher's vector of that comment
(centred, reduced by PCA to ``dims``): a ridge regression from the bag of lemmas to the teacher's
space, pulled toward the shipped table mapped into that space (so words the training comments
never used, and rare ones, keep the generic knowledge). Prediction stays a table look-up
(``WordVectorBlock``).

The rows of the training comments themselves would be fitted almost exactly and look far better to
the classifier than any new comment's; so the classifier trains on cross-fitted rows (each comment's
row from a table fitted without its fold), and only the deployed block uses all comments.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from feedback_classifier.model.dense_block import WordVectorBlock


def _key(tok: str) -> str:
    # "not_tasty": the topic is the word's (as WordVectorBlock's look-up does)
    return tok.split("_", 1)[1] if "_" in tok else tok


class _Bag:
    """The training comments as SIF-weighted means over a vocabulary: the shipped table's words
    first (rows as in ``base``), then training lemmas it lacks."""

    def __init__(self, base: WordVectorBlock, docs: Sequence[Sequence[str]]):
        words = list(base.words_)
        index = {w: i for i, w in enumerate(words)}
        sif = list(base.sif_)
        rare = float(np.max(base.sif_)) if len(base.sif_) else 1.0
        rows, cols = [], []
        for d, tokens in enumerate(docs):
            for tok in tokens:
                j = base._row(tok)
                if j < 0:
                    key = _key(tok)
                    j = index.get(key, -1)
                    if j < 0:
                        j = index[key] = len(words)
                        words.append(key)
                        sif.append(rare)  # unseen in the table's corpus: rare, a near-full weight
                rows.append(d)
                cols.append(j)
        self.words = words
        self.n_table = len(base.words_)
        self.sif = np.asarray(sif, dtype=np.float32)
        B = sp.csr_matrix((self.sif[cols], (rows, cols)), shape=(len(docs), len(words)), dtype=np.float64)
        B.sum_duplicates()
        sums = np.asarray(B.sum(axis=1)).ravel()
        self.B = sp.diags(1.0 / np.where(sums > 0, sums, 1.0)) @ B  # SIF means


TAUGHT_LIMIT = 4000  # comments the teacher reads per fit: their kernel is a dense square (128 MB here)


def taught_rows(n: int, limit: int | None = None) -> np.ndarray:
    """Which of ``n`` training comments the teacher reads: all, or a fixed random ``limit`` of them.

    >>> taught_rows(3).tolist(), len(taught_rows(10, limit=4)), taught_rows(10, 4).tolist() == taught_rows(10, 4).tolist()
    ([0, 1, 2], 4, True)
    """
    limit = TAUGHT_LIMIT if limit is None else limit
    if n <= limit:
        return np.arange(n)
    return np.sort(np.random.default_rng(0).choice(n, limit, replace=False))


def fit_adapted(base: WordVectorBlock, docs, T: np.ndarray, folds, *, dims: int = 96, ridge: float = 0.1,
                weight: float = 1.0, keep_table: bool = True, cross_fit: bool = True,
                taught: np.ndarray | None = None) -> tuple[WordVectorBlock, np.ndarray]:
    """``(block, rows)``: the adapted block fitted on all ``docs`` and the training comments' rows,
    each from a block fitted without its fold of ``folds`` (``[(train_idx, test_idx), ...]``).

    ``T``: the teacher's vectors of the comments; ``ridge``: the pull toward the mapped shipped table
    (relative to the mean diagonal of the comments' kernel); ``keep_table``: the shipped table's
    columns stay beside the fitted ones (one block, normalised as a whole); ``cross_fit=False``: the
    training rows from the deployed block instead (fitted on them: too good, see the module docstring);
    ``taught``: the comments ``T`` belongs to (``taught_rows``; default: all), the only ones fitted on.

    >>> rng = np.random.default_rng(0)
    >>> base = WordVectorBlock().fit(table=_demo_table())
    >>> docs = [["good", "food"], ["rude", "waiter"], ["good", "waiter"], ["tasty", "food"]] * 5
    >>> T = rng.normal(size=(20, 8)); T[1::4] += 3
    >>> folds = [(np.arange(20)[np.arange(20) % 2 != k], np.arange(20)[np.arange(20) % 2 == k]) for k in (0, 1)]
    >>> block, rows = fit_adapted(base, docs, T, folds, dims=4)  # 4 shipped columns + 4 fitted
    >>> rows.shape, block.n_features, "waiter" in block.words_
    ((20, 8), 8, True)
    """
    bag = _Bag(base, docs)
    T = np.asarray(T, dtype=np.float64)
    mean = T.mean(axis=0)
    _, _, Vt = np.linalg.svd(T - mean, full_matrices=False)
    target = (T - mean) @ Vt[:dims].T
    taught = np.arange(len(docs)) if taught is None else np.asarray(taught)
    Bt = bag.B[taught]
    K = (Bt @ Bt.T).toarray()
    lam = ridge * float(np.mean(np.diag(K)))
    position = np.full(len(docs), -1)
    position[taught] = np.arange(len(taught))
    rows = np.zeros((len(docs), target.shape[1]), dtype=np.float32)
    for train_idx, test_idx in folds if cross_fit else ():
        fold = position[np.asarray(train_idx)]
        V = _solve(bag, base, Bt, K, target, fold[fold >= 0], lam)
        rows[test_idx] = bag.B[test_idx] @ V
    V = _solve(bag, base, Bt, K, target, np.arange(len(taught)), lam)
    if not cross_fit:
        rows = np.asarray(bag.B @ V, dtype=np.float32)
    if keep_table:
        W0 = np.zeros((len(bag.words), base.vectors_.shape[1]))
        W0[: bag.n_table] = base._vectors32
        # each part about unit length before the whole row is normalised
        s0, s1 = _mean_norm(bag.B @ W0), _mean_norm(bag.B @ V)
        rows = np.hstack([bag.B @ W0 / s0, rows / s1])
        V = np.hstack([W0 / s0, V / s1])
    block = WordVectorBlock(weight=weight).from_arrays(bag.words, V.astype(np.float16), bag.sif)
    return block, _unit(rows, weight)



def fit_teacher_block(clf, texts, docs, folds) -> tuple[WordVectorBlock, np.ndarray]:
    """``(block, training rows)``: the word-table block of the classifier ``clf`` (its
    ``dense_``) refitted to its ``teacher``'s vectors of ``texts``, with ``clf``'s
    ``teacher_*`` settings; the training rows cross-fitted over ``folds``."""
    from feedback_classifier.model.teacher import TEACHERS, teacher_vectors

    if clf.teacher not in TEACHERS:
        raise ValueError(f"teacher must be one of {TEACHERS} or None, got {clf.teacher!r}.")
    taught = taught_rows(len(texts))
    T = teacher_vectors([texts[i] for i in taught])
    return fit_adapted(clf.dense_, docs, T, folds, dims=clf.teacher_dims, ridge=clf.teacher_ridge,
                       weight=clf.word_vectors, keep_table=clf.teacher_keep_table,
                       cross_fit=clf.teacher_cross_fit, taught=taught)

def _solve(bag: _Bag, base: WordVectorBlock, Bt, K: np.ndarray, target: np.ndarray, idx: np.ndarray,
           lam: float) -> np.ndarray:
    """Word vectors: the shipped table mapped into the target space (least squares over the
    comments ``idx``), plus the ridge correction that brings those comments' means to their targets
    (solved in the dual: one Cholesky of the comments' kernel, as there are fewer comments than
    words)."""
    from scipy.linalg import cho_factor, cho_solve

    B = Bt[idx]
    W0 = base._vectors32.astype(np.float64)
    X = B[:, : bag.n_table] @ W0
    A = np.linalg.solve(X.T @ X + np.eye(X.shape[1]) * 1e-3 * len(idx), X.T @ target[idx])
    V = np.zeros((len(bag.words), target.shape[1]))
    V[: bag.n_table] = W0 @ A
    residual = target[idx] - B @ V
    alpha = cho_solve(cho_factor(K[np.ix_(idx, idx)] + lam * np.eye(len(idx))), residual)
    V += np.asarray(B.T @ alpha)
    return V


def _mean_norm(E) -> float:
    return float(np.mean(np.linalg.norm(np.asarray(E), axis=1))) or 1.0


def _unit(E: np.ndarray, length: float) -> np.ndarray:
    norms = np.linalg.norm(E, axis=1, keepdims=True)
    return (E * (length / np.where(norms > 0, norms, 1.0))).astype(np.float32)


def _demo_table():
    from feedback_classifier.model.word_table import WordTable

    words = ["good", "food", "tasty", "rude"]
    return WordTable(words, np.eye(4, dtype=np.float16), np.full(4, 1e-5))
