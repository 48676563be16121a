"""A dense feature block of ``FeedbackClassifier``: the comment's words in the shipped word table.

The tf-idf blocks know only the words of the training comments; a comment that says the same
thing in words no training comment used gets nothing from them. The shipped en+ru word table
(``word_table.py``: e5-small distilled into one 96-dimensional vector per lemma, both languages
in one space) places "опоздал" near "late" and "tasty" near "delicious", so the SIF-weighted
mean of a comment's word vectors (Arora et al. 2017) gives every trained model some evidence
from words it never saw, and from the other language.

``WordVectorBlock`` holds a copy of the table (float16, as shipped: ~2.5 MB in the model file),
so a saved model predicts the same whatever table a later install ships. Prediction costs one
dict look-up per token (cached per token, negated lemmas fall back to their word) and one
sparse x dense product per batch: a few percent of the tf-idf model's time.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from feedback_classifier.model.word_table import WordTable, load_word_table

_CACHE_LIMIT = 300_000  # distinct tokens kept in the token -> table row cache


class WordVectorBlock:
    """``transform(docs)``: ``(n_docs, dims)`` unit SIF-weighted mean word vectors x ``weight``.

    ``fit`` takes the shipped table (``load_word_table``) unless one is given; a comment with
    no word in the table gets a zero row.

    >>> table = WordTable(["late", "courier", "tasty"], np.eye(3, dtype=np.float16), np.full(3, 1e-5))
    >>> block = WordVectorBlock(weight=2.0).fit(table=table)
    >>> block.transform([["courier", "be", "late"], ["not_tasty"], ["xyz"]]).astype(float).round(2).tolist()
    [[1.41, 1.41, 0.0], [0.0, 0.0, 2.0], [0.0, 0.0, 0.0]]
    """

    def __init__(self, weight: float = 1.0, pool: str = "mean", induce: int = 0):
        if pool not in ("mean", "mean+max"):
            raise ValueError(f"pool must be 'mean' or 'mean+max', got {pool!r}")
        self.weight = weight
        self.pool = pool
        self.induce = induce

    def fit(self, docs=None, table: WordTable | None = None) -> "WordVectorBlock":
        """Take the table's vectors and SIF weights; with ``induce`` > 0, also give the words of
        ``docs`` missing from the table (in at least ``induce`` docs) a vector from their contexts."""
        table = table if table is not None else load_word_table()
        if table is None:
            raise ValueError("this install has no word table (models/word_table.npz)")
        words = sorted(table.index, key=table.index.get)
        self.words_ = words
        self.vectors_ = np.asarray(table.vectors, dtype=np.float16)
        self.sif_ = np.asarray(table.weights, dtype=np.float32)
        self._prepare()
        if self.induce and docs:
            self._induce(docs)
        return self

    def from_arrays(self, words: Sequence[str], vectors: np.ndarray, sif: np.ndarray) -> "WordVectorBlock":
        """Take the given vectors (float16) and SIF weights of ``words`` instead of the shipped table's
        (a table fitted to a teacher, ``adapted_table.py``)."""
        self.words_ = list(words)
        self.vectors_ = np.asarray(vectors, dtype=np.float16)
        self.sif_ = np.asarray(sif, dtype=np.float32)
        self._prepare()
        return self

    def _induce(self, docs) -> None:
        """A la carte vectors (Khodak et al. 2018): a missing word's vector is ``A`` times the mean
        of its contexts' table vectors, ``A`` fitted (ridge) so that it maps the table's own words'
        context means to their vectors. Domain words a generic table lacks ("waiter", "официант")
        then sit near the words they are used with; only the training texts are read, no labels."""
        n_known = len(self.words_)
        vocab: dict[str, int] = {}
        pairs = []  # (doc, word id) of distinct words per doc
        for d, tokens in enumerate(docs):
            for tok in set(tokens):
                row = self._row(tok)
                key = self.words_[row] if row >= 0 else tok
                pairs.append((d, vocab.setdefault(key, len(vocab))))
        ctx = self._mean(docs, unit=False)  # (n_docs, dims) SIF sums of the table's words
        d_idx, w_idx = np.array(pairs, dtype=np.int64).T if pairs else (np.zeros(0, int), np.zeros(0, int))
        M = sp.csr_matrix((np.ones(len(pairs), np.float32), (w_idx, d_idx)), shape=(len(vocab), len(docs)))
        df = np.asarray(M.sum(axis=1)).ravel()
        U = np.asarray(M @ ctx) / np.maximum(df, 1)[:, None]
        names = sorted(vocab, key=vocab.get)
        rows = np.array([self._rows.get(w, -1) for w in names])
        train = (rows >= 0) & (df >= self.induce)
        new = (rows < 0) & (df >= self.induce) & np.array(["_" not in w for w in names])
        if train.sum() < 2 * ctx.shape[1] or not new.any():
            return
        X, Y = U[train], self._vectors32[rows[train]]
        A = np.linalg.solve(X.T @ X + np.eye(X.shape[1]) * len(X) * 1e-3, X.T @ Y)
        V = _unit(U[new] @ A, 1.0)
        self.words_ = self.words_ + [names[i] for i in np.flatnonzero(new)]
        self.vectors_ = np.vstack([self.vectors_, V.astype(np.float16)])
        # unseen in the table's corpus: rare, so a near-full SIF weight
        self.sif_ = np.r_[self.sif_, np.full(int(new.sum()), self.sif_.max(), dtype=np.float32)]
        self._prepare()
        assert len(self.words_) == len(self.vectors_) >= n_known

    @property
    def n_features(self) -> int:
        return int(self.vectors_.shape[1]) * (2 if self.pool == "mean+max" else 1)

    def _prepare(self) -> None:
        self._rows = {w: i for i, w in enumerate(self.words_)}
        self._vectors32 = self.vectors_.astype(np.float32)
        self._cache = _RowCache(self._rows)

    def _row(self, tok: str) -> int:
        return self._cache[tok]

    def transform(self, docs: Sequence[Sequence[str]]) -> np.ndarray:
        """The block's rows for token lists (float32)."""
        return self._mean(docs, unit=True)

    def _mean(self, docs: Sequence[Sequence[str]], unit: bool) -> np.ndarray:
        # one C-level dict look-up per token; a token not seen before is resolved by __missing__
        lens = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
        rows = np.fromiter(map(self._cache.__getitem__, itertools.chain.from_iterable(docs)), dtype=np.int64,
                           count=int(lens.sum()))
        known = rows >= 0
        doc_of = np.repeat(np.arange(len(docs)), lens)[known]
        rows = rows[known]
        # doc_of is sorted: the CSR arrays directly (a repeated word is two entries, which the
        # product sums), no COO sort
        indptr = np.r_[0, np.cumsum(np.bincount(doc_of, minlength=len(docs)))]
        W = sp.csr_matrix((self.sif_[rows], rows, indptr), shape=(len(docs), len(self.words_)))
        E = np.asarray(W @ self._vectors32, dtype=np.float32)
        if not unit:
            return E
        E = _unit(E, self.weight)
        if self.pool == "mean+max":
            E = np.hstack([E, _unit(self._max_pool(rows, doc_of, len(docs)), self.weight)])
        return E

    def _max_pool(self, rows: np.ndarray, doc_of: np.ndarray, n_docs: int) -> np.ndarray:
        """Each dimension's largest value over a doc's known words (zeros without any)."""
        out = np.zeros((n_docs, self._vectors32.shape[1]), dtype=np.float32)
        if len(rows):
            starts = np.r_[0, np.flatnonzero(np.diff(doc_of)) + 1]
            out[doc_of[starts]] = np.maximum.reduceat(self._vectors32[rows], starts, axis=0)
        return out

    def prototype_columns(self, phrase_docs: Sequence[Sequence[Sequence[str]]]) -> np.ndarray:
        """``(n_features, k)`` weights whose product with ``transform``'s rows is each comment's
        cosine with each class's prototype: the unit mean of the class's phrases (token lists
        ``phrase_docs[j]``) embedded alone, so a long keyword list does not drown the name. A class
        with no phrase in the table gets a zero column.

        >>> table = WordTable(["late", "courier", "tasty"], np.eye(3, dtype=np.float16), np.full(3, 1e-5))
        >>> block = WordVectorBlock(weight=2.0).fit(table=table)
        >>> cols = block.prototype_columns([[["late"], ["courier"]], [["tasty"]], [["xyz"]]])
        >>> (block.transform([["courier", "be", "late"]]) @ cols).round(2).tolist()
        [[1.0, 0.0, 0.0]]
        """
        dims = self._vectors32.shape[1]
        out = np.zeros((self.n_features, len(phrase_docs)), dtype=np.float64)
        for j, docs in enumerate(phrase_docs):
            docs = [d for d in docs if d]
            if docs:
                out[:dims, j] = _unit(self._mean(docs, unit=False), 1.0).mean(axis=0)
        out[:dims] = _unit(out[:dims].T, 1.0 / self.weight).T  # transform's rows have length weight
        return out

    def __getstate__(self):
        # the caches are rebuilt by _prepare; the table copy is what makes a model file self-contained
        keys = ("weight", "pool", "induce", "words_", "vectors_", "sif_")
        return {k: self.__dict__[k] for k in keys}

    def __setstate__(self, state):
        state.setdefault("induce", 0)
        self.__dict__.update(state)
        self._prepare()


class _RowCache(dict):
    """token -> table row (-1: not in the table), filled at first sight of a token."""

    def __init__(self, rows: dict[str, int]):
        super().__init__()
        self.rows = rows

    def __missing__(self, tok: str) -> int:
        row = self.rows.get(tok, -1)
        if row < 0 and "_" in tok:  # "not_tasty", "не_вкусный": the topic is the word's
            row = self.rows.get(tok.split("_", 1)[1], -1)
        if len(self) >= _CACHE_LIMIT:
            self.clear()
        self[tok] = row
        return row


def _unit(E: np.ndarray, length: float) -> np.ndarray:
    norms = np.linalg.norm(E, axis=1, keepdims=True)
    return E * (np.float32(length) / np.where(norms > 0, norms, 1.0))
