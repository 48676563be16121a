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

    def __init__(self, weight: float = 1.0, pool: str = "mean"):
        if pool not in ("mean", "mean+max"):
            raise ValueError(f"pool must be 'mean' or 'mean+max', got {pool!r}")
        self.weight = weight
        self.pool = pool

    def fit(self, docs=None, table: WordTable | None = None) -> "WordVectorBlock":
        """Take the table's vectors and SIF weights (``docs`` are not needed: the table is fixed)."""
        table = table if table is not None else load_word_table()
        if table is None:
            raise ValueError("this install has no word table (models/word_table.npz)")
        words = sorted(table.index, key=table.index.get)
        self.words_ = words
        self.vectors_ = np.asarray(table.vectors, dtype=np.float16)
        self.sif_ = np.asarray(table.weights, dtype=np.float32)
        self._prepare()
        return self

    @property
    def n_features(self) -> int:
        return int(self.vectors_.shape[1]) * (2 if self.pool == "mean+max" else 1)

    def _prepare(self) -> None:
        self._rows = {w: i for i, w in enumerate(self.words_)}
        self._vectors32 = self.vectors_.astype(np.float32)
        self._cache: dict[str, int] = {}

    def _row(self, tok: str) -> int:
        row = self._rows.get(tok, -1)
        if row < 0 and "_" in tok:  # "not_tasty", "не_вкусный": the topic is the word's
            row = self._rows.get(tok.split("_", 1)[1], -1)
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[tok] = row
        return row

    def transform(self, docs: Sequence[Sequence[str]]) -> np.ndarray:
        """The block's rows for token lists (float32)."""
        cache, row_of = self._cache, self._row
        lens = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
        rows = np.fromiter(
            (r if r is not None else row_of(t) for t in itertools.chain.from_iterable(docs)
             for r in (cache.get(t),)),
            dtype=np.int64, count=int(lens.sum()),
        )
        known = rows >= 0
        doc_of = np.repeat(np.arange(len(docs)), lens)[known]
        rows = rows[known]
        W = sp.csr_matrix((self.sif_[rows], (doc_of, rows)), shape=(len(docs), len(self.words_)))
        E = _unit(np.asarray(W @ self._vectors32, dtype=np.float32), self.weight)
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

    def __getstate__(self):
        return {"weight": self.weight, "pool": self.pool, "words_": self.words_, "vectors_": self.vectors_, "sif_": self.sif_}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._prepare()


def _unit(E: np.ndarray, length: float) -> np.ndarray:
    norms = np.linalg.norm(E, axis=1, keepdims=True)
    return E * (np.float32(length) / np.where(norms > 0, norms, 1.0))
