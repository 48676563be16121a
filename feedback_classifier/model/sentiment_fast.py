"""Batch prediction for ``AspectSentiment``: one sparse matrix per batch, one product.

``AspectSentiment._features`` spells every feature of a (comment, category) pair as a
string and looks it up in the vocabulary: clear, and what ``fit`` uses, but far too slow
for ``classify``. ``PairScorer`` gives the same linear scores (a test checks they are
equal) from caches that only grow with the *words* seen:

* a comment's global block is looked up once per distinct comment, its local block
  once per distinct choice of clauses, and the category blocks once per pair;
* the character n-grams of a surface word are reduced once, at first sight, to their
  summed score (three numbers) and stored as one row of a growing table;
* every block becomes entries ``(row, column, weight / sqrt(block length))`` of two
  sparse matrices, rows = pairs, columns = the vocabulary and the word table; the
  scores are then two sparse products.
"""

from __future__ import annotations

import gc
import math
from collections import defaultdict
from functools import lru_cache

import numpy as np
import scipy.sparse as sp

def grams(tokens: list[str]) -> list[str]:
    """Unigrams and bigrams.

    >>> grams(["not", "fast", "enough"])
    ['not', 'fast', 'enough', 'not fast', 'fast enough']
    """
    return tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:])]


@lru_cache(maxsize=100_000)
def char_grams(word: str, low: int = 2, high: int = 5) -> tuple[str, ...]:
    """Character 2- to 5-grams of a word padded with spaces (``char_wb``).

    >>> char_grams("ok")
    (' o', 'ok', 'k ', ' ok', 'ok ', ' ok ')
    """
    s = f" {word} "
    return tuple(s[i:i + n] for n in range(low, high + 1) for i in range(len(s) - n + 1))


# Bound on the per-word caches: a plain dict cleared when full (a survey repeats its words).
_MAX_WORDS = 200_000


class PairScorer:
    """Linear scores of (comment, category) pairs for a fitted ``AspectSentiment``."""

    def __init__(self, model):
        self.model = model
        self.tables = split_vocabulary(model.vocabulary_)
        self.W = np.ascontiguousarray(model.coef_.T)
        self.char_rows: dict[str, int] = {}  # surface word -> row of char_table
        self.char_table = np.zeros((0, self.W.shape[1]))
        self.char_count = np.zeros(0)  # n-grams of each row's word
        # A comment of one clause has the same names in its global and local blocks (and the
        # same block length): one look-up of their weighted sum, in rows after W's, does both.
        g, loc = self.tables.get("g:", {}), self.tables.get("l:", {})
        names = list(dict.fromkeys(list(g) + list(loc)))
        zero = np.zeros((1, self.W.shape[1]))
        W0 = np.vstack([self.W, zero])
        pick = np.array([g.get(n, len(self.W)) for n in names], dtype=np.int64)
        both = model.global_weight * W0[pick]
        pick = np.array([loc.get(n, len(self.W)) for n in names], dtype=np.int64)
        both += model.local_weight * W0[pick]
        self.whole = {n: len(self.W) + i for i, n in enumerate(names)}
        self.base = np.vstack([self.W, both.reshape(-1, self.W.shape[1])])

    def _char_rows(self, surface: list[str], pending: list) -> list[int]:
        """Table rows of the surface words; a new word's n-gram columns go to ``pending``
        (its row is filled after the loop) and its n-gram count to ``char_count``."""
        rows = list(map(self.char_rows.get, surface))
        if None in rows:
            cache, table = self.char_rows, self.tables.get("G:", {})
            for i, row in enumerate(rows):
                if row is None:
                    word = surface[i]
                    row = cache.get(word)  # the same new word twice in one comment
                    if row is None:
                        grams = char_grams(word)
                        row = cache[word] = len(self.char_table) + len(pending)
                        pending.append([j for j in map(table.get, grams) if j is not None])
                        self.new_counts.append(len(grams))
                    rows[i] = row
        return rows

    def scores(self, analysed, owner, categories) -> np.ndarray:
        """``(n_pairs, n_classes)`` decision scores (intercept included) of the pairs
        ``(analysed[owner[k]], categories[k])``; ``analysed`` holds analyser outputs."""
        # The loop allocates many small lists and no cycles; with the large caches alive the
        # cyclic collector's passes would cost about a third of the time (measured).
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return self._scores(analysed, owner, categories)
        finally:
            if was_enabled:
                gc.enable()

    def _scores(self, analysed, owner, categories) -> np.ndarray:
        if len(self.char_rows) >= _MAX_WORDS:  # between batches only: rows of this batch stay valid
            self.char_rows.clear()
            self.char_table = np.zeros((0, self.W.shape[1]))
            self.char_count = np.zeros(0)
        self.new_counts: list[int] = []
        m = self.model
        text_block, pair_block, char_block = _Entries(), _Entries(), _Entries()
        pending: list[list[int]] = []
        entries = [self._text_entry(m, a, t, text_block, char_block, pending) for t, a in enumerate(analysed)]
        for k, (t, cat) in enumerate(zip(owner.tolist(), categories)):
            self._pair(m, entries[t], cat, k, pair_block)
        out = np.asarray(pair_block.matrix(len(categories), self.W.shape[0]) @ self.W)
        per = np.asarray(text_block.matrix(len(entries), len(self.base)) @ self.base)
        if pending:  # the new words' n-gram sums, all in one product
            self.char_table = np.vstack([self.char_table, np.asarray(_rows_matrix(pending, self.W.shape[0]) @ self.W)])
            self.char_count = np.concatenate([self.char_count, self.new_counts])
        if char_block.rows:
            # the block's length: each comment's words' n-grams, counted in one product
            C = char_block.matrix(len(entries), len(self.char_table))
            total = np.asarray(C @ self.char_count)
            scale = np.divide(m.char_weight, np.sqrt(total), out=np.zeros_like(total), where=total > 0)
            per += np.asarray(C @ self.char_table) * scale[:, None]
        return out + per[owner] + m.intercept_

    def _text_entry(self, m, analysed, t, text_block, char_block, pending):
        """The global blocks of one distinct text (into ``text_block``)."""
        clauses, cues, surface = m._from_analysis(analysed)
        names = grams(m._gram_words([w for c in clauses for w in c])) + cues
        single = len(clauses) == 1
        if single:  # the local block too (see __init__); _pair leaves it out
            text_block.add(t, self.whole, names, 1.0)
        else:
            text_block.add(t, self.tables.get("g:", {}), names, m.global_weight)
        if m.char_weight > 0 and surface:
            char_block.add_rows(t, self._char_rows(surface, pending), 1.0)
        return clauses, cues, single, {}

    def _pair(self, m, entry, cat, k, block) -> None:
        """The local, category x local and category blocks of one pair (into ``block``)."""
        clauses, cues, single, locals_ = entry
        chosen, position = m._local(clauses, cat)
        key = (tuple(chosen), tuple(position))
        local = locals_.get(key)
        if local is None:
            words = [w for i in chosen for w in clauses[i]]
            local = locals_[key] = (words + position, grams(m._gram_words(words)) + position + cues)
        words, names = local
        tables = self.tables
        if not single:
            block.add(k, tables.get("l:", {}), names, m.local_weight)
        key = repr(cat)
        cat_tab = tables.get(key + "|")
        if cat_tab is not None:
            block.add(k, cat_tab, words, m.cross_weight)
        prior = tables.get("c=" + key)
        if prior is not None:
            block.add_rows(k, [prior[""]], 1.0)


def _rows_matrix(rows: list[list[int]], n_cols: int) -> sp.csr_matrix:
    """A 0/1-count matrix with one row per list of column ids (repeats add up)."""
    indptr = np.cumsum([0] + [len(r) for r in rows])
    indices = np.fromiter((j for r in rows for j in r), dtype=np.int64, count=int(indptr[-1]))
    return sp.csr_matrix((np.ones(len(indices)), indices, indptr), shape=(len(rows), n_cols))


class _Entries:
    """COO entries of a sparse matrix, filled block by block."""

    def __init__(self):
        self.rows: list[int] = []
        self.cols: list[int] = []
        self.vals: list[float] = []

    def add(self, row: int, table: dict, names: list[str], weight: float) -> None:
        """One block: ``names`` looked up in ``table``, each worth ``weight / sqrt(len(names))``."""
        if not names or weight <= 0:
            return
        ids = [j for j in map(table.get, names) if j is not None]
        if ids:
            self.add_rows(row, ids, weight / math.sqrt(len(names)))

    def add_rows(self, row: int, ids: list[int], value: float) -> None:
        self.rows.extend([row] * len(ids))
        self.cols.extend(ids)
        self.vals.extend([value] * len(ids))

    def matrix(self, n_rows: int, n_cols: int) -> sp.csr_matrix:
        return sp.csr_matrix((self.vals, (self.rows, self.cols)), shape=(n_rows, n_cols))


def split_vocabulary(vocabulary: dict[str, int]) -> dict[str, dict[str, int]]:
    """``{prefix: {name: column}}`` of the feature names ``AspectSentiment._features`` builds.

    >>> split_vocabulary({"g:late": 0, "G:la": 1, "c='delivery'": 2, "'delivery'|late": 3})
    {'g:': {'late': 0}, 'G:': {'la': 1}, "c='delivery'": {'': 2}, "'delivery'|": {'late': 3}}
    """
    tables: dict[str, dict[str, int]] = defaultdict(dict)
    for key, j in vocabulary.items():
        if key.startswith(("g:", "l:", "G:")):
            tables[key[:2]][key[2:]] = j
        elif key.startswith("c="):
            tables[key][""] = j
        else:
            prefix, _, name = key.partition("|")
            tables[prefix + "|"][name] = j
    return dict(tables)
