"""The tables and flat-array helpers of the sentiment batch scorer (``sentiment_fast``).

Integer keys for (category, word) and (word, word) pairs looked up as whole arrays, growing
per-word columns, the character n-grams of many words at once, and per-segment sums of
coefficient rows: the pieces ``PairScorer`` is built from, kept apart so the scorer itself
reads as the feature definitions it reproduces.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
import scipy.sparse as sp

@lru_cache(maxsize=100_000)
def char_grams(word: str, low: int = 2, high: int = 5) -> tuple[str, ...]:
    """Character 2- to 5-grams of a word padded with spaces (``char_wb``).

    >>> char_grams("ok")
    (' o', 'ok', 'k ', ' ok', 'ok ', ' ok ')
    """
    s = f" {word} "
    return tuple(s[i:i + n] for n in range(low, high + 1) for i in range(len(s) - n + 1))


def cue_flags(word: str) -> int:
    """Bit 1: the word holds ``!``; bit 2: ``!!``; bit 4: ``?``.

    >>> cue_flags("late!!"), cue_flags("why?"), cue_flags("ok")
    (3, 4, 0)
    """
    return ("!" in word) | (("!!" in word) << 1) | (("?" in word) << 2)





class Column:
    """A growing 1-D numpy array (capacity doubles)."""

    def __init__(self, dtype, fill=0):
        self.data = np.full(1024, fill, dtype=dtype)
        self.fill = fill

    def put(self, start: int, values) -> None:
        end = start + len(values)
        if end > len(self.data):
            grown = np.full(max(end, 2 * len(self.data)), self.fill, dtype=self.data.dtype)
            grown[:len(self.data)] = self.data
            self.data = grown
        self.data[start:end] = values


class KeyTable:
    """Integer keys -> integer values (or floats), looked up as whole arrays (a hash
    table: pandas' index engine, several times faster than a binary search here)."""

    def __init__(self, pairs: dict):
        self.index = pd.Index(np.fromiter(pairs.keys(), dtype=np.int64, count=len(pairs)))
        values = np.array(list(pairs.values())) if pairs else np.zeros(0, dtype=np.int64)
        # a last value for the position -1 of a missing key: ``values[pos]`` is always defined
        self.values = np.append(values, 0)

    def find(self, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(hit mask, positions)`` of ``query`` in the table."""
        pos = self.index.get_indexer(query)
        return pos >= 0, pos


class PairTable:
    """``(a, b)`` id pairs -> values, looked up as whole arrays of ``a`` and ``b`` ids (``>= 0``).
    Each side's ids are numbered densely and a matrix holds the positions: three gathers
    instead of hashing ``a << 32 | b`` keys (a model's category x word and bigram tables have
    a few hundred to a few thousand ids a side; past ``_DENSE_MAX`` cells, hashed keys).

    >>> t = PairTable({(3, 7): 10, (5, 7): 20})
    >>> hit, pos = t.find(np.array([3, 5, 3, 0, 99]), np.array([7, 7, 8, 7, 7]))
    >>> hit.tolist(), t.values[pos[hit]].tolist()
    ([True, True, False, False, False], [10, 20])
    """

    _DENSE_MAX = 1 << 26

    def __init__(self, pairs: dict, values=None):
        n = len(pairs)
        a = np.fromiter((k[0] for k in pairs), dtype=np.int64, count=n)
        b = np.fromiter((k[1] for k in pairs), dtype=np.int64, count=n)
        values = np.array(list(pairs.values())) if values is None else np.asarray(values)
        if not n:
            values = np.zeros((0,) + values.shape[1:], dtype=np.int64)
        # a last value for the position -1 of a missing pair: ``values[pos]`` is always defined
        self.values = np.concatenate([values, np.zeros((1,) + values.shape[1:], dtype=values.dtype)])
        ua, ra = np.unique(a, return_inverse=True)
        ub, rb = np.unique(b, return_inverse=True)
        self.keys = None
        if (len(ua) + 1) * (len(ub) + 1) > self._DENSE_MAX:
            self.keys = KeyTable(dict(zip(((a << 32) | b).tolist(), range(n))))
            return
        # id -> its row (column); ids past the last one -> the last row (column), which is empty
        self.n_cols = len(ub) + 1
        self.rows = np.full(int(a.max(initial=-1)) + 2, len(ua), dtype=np.int32)
        self.rows[ua] = np.arange(len(ua))
        self.cols = np.full(int(b.max(initial=-1)) + 2, len(ub), dtype=np.int32)
        self.cols[ub] = np.arange(len(ub))
        self.pos = np.full((len(ua) + 1) * self.n_cols, -1, dtype=np.int32)
        self.pos[ra.ravel() * self.n_cols + rb.ravel()] = np.arange(n)

    def find(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(hit mask, positions)`` of the pairs ``(a[k], b[k])`` in the table."""
        if self.keys is not None:
            return self.keys.find((np.asarray(a, dtype=np.int64) << 32) | b)
        cell = self.rows.take(a, mode="clip")
        cell *= self.n_cols
        cell += self.cols.take(b, mode="clip")
        pos = self.pos.take(cell)
        return pos >= 0, pos

    def hits(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(indices k of the pairs found, their positions)``: ``find`` for callers that keep
        only the pairs found (an index array and ``take``: a boolean mask over a large array
        selects several times slower).

        >>> PairTable({(3, 7): 10}).hits(np.array([0, 3]), np.array([7, 7]))[0].tolist()
        [1]
        """
        hit, pos = self.find(a, b)
        where = np.flatnonzero(hit)
        return where, pos.take(where)


class CharGrams:
    """The character n-grams of many words at once (``char_grams``, each looked up in the
    ``G:`` table) as integer keys: each character of the table's n-grams has a 12-bit code
    (0 for any other character, so an n-gram holding one is never found), an n-gram the
    codes of its characters and its length."""

    BITS = 12

    def __init__(self, table: dict[str, int]):
        chars = sorted({ord(ch) for gram in table for ch in gram})
        self.alphabet = np.array(chars, dtype=np.int64)
        self.ok = len(chars) < (1 << self.BITS) and all(2 <= len(g) <= 5 for g in table)
        self.table = table
        keys = {}
        if self.ok:
            code = {c: i + 1 for i, c in enumerate(chars)}
            for gram, j in table.items():
                key = len(gram) << 60
                for k, ch in enumerate(gram):
                    key |= code[ord(ch)] << (self.BITS * k)
                keys[key] = j
        self.keys = KeyTable(keys)

    def sums(self, words: list[str], W0T: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per word: the summed coefficient rows (``W0T``: transposed) of its n-grams in the table, its number of
        n-grams, and its ``cue_flags``."""
        lens = np.fromiter(map(len, words), dtype=np.int64, count=len(words)) + 2
        counts = sum(np.maximum(lens - n + 1, 0) for n in range(2, 6))
        if not self.ok:  # a table this encoding cannot hold: one word at a time
            rows = [[j for j in map(self.table.get, char_grams(w)) if j is not None] for w in words]
            flags = np.array([cue_flags(w) for w in words], dtype=np.int8)
            return np.asarray(rows_matrix(rows, W0T.shape[1] - 1) @ W0T[:, :-1].T), counts, flags
        text = "".join([f" {w} " for w in words])
        cp = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)
        where = np.minimum(np.searchsorted(self.alphabet, cp), max(len(self.alphabet) - 1, 0))
        code = np.where(self.alphabet[where] == cp, where + 1, 0) if len(self.alphabet) else np.zeros_like(cp)
        word = np.repeat(np.arange(len(words)), lens)
        room = np.repeat(lens, lens) - (np.arange(len(cp)) - np.repeat(starts_of(lens), lens))  # chars left
        rows, owners = [], []
        packed = code.copy()  # the n characters from each position on, 12 bits each
        for n in range(2, 6):
            packed[:-(n - 1)] |= code[n - 1:] << (self.BITS * (n - 1))
            at = np.flatnonzero(room >= n)
            hit, pos = self.keys.find(packed[at] | (n << 60))
            rows.append(self.keys.values[pos[hit]])
            owners.append(word[at[hit]])
        sums = seg_sum(W0T, np.concatenate(rows), np.concatenate(owners), len(words))
        bang, ask = cp == 33, cp == 63
        double = np.zeros(len(cp), dtype=bool)
        double[:-1] = bang[:-1] & bang[1:]
        flags = ((np.bincount(word, bang, len(words)) > 0) | ((np.bincount(word, double, len(words)) > 0) << 1)
                 | ((np.bincount(word, ask, len(words)) > 0) << 2))
        return sums, counts, flags.astype(np.int8)


def factorize(words: list[str]) -> tuple[np.ndarray, list[str]]:
    """``(codes, distinct words)``: ``words[i] == distinct[codes[i]]``, first-seen order.

    >>> factorize(["b", "a", "b"])
    (array([0, 1, 0]), ['b', 'a'])
    """
    codes, distinct = pd.factorize(np.array(words, dtype=object))
    return codes.astype(np.int64), distinct.tolist()


def seg_sum(WT: np.ndarray, rows: np.ndarray, seg: np.ndarray, n: int) -> np.ndarray:
    """``(n, classes)``: per segment, the sum of the table rows ``rows``; ``WT`` is the table
    transposed (one contiguous row per class: each class gathers its column contiguously,
    2-3x faster than gathering whole rows and reading their strided columns).

    >>> seg_sum(np.eye(2), np.array([0, 1, 1]), np.array([0, 0, 1]), 2).tolist()
    [[1.0, 1.0], [0.0, 1.0]]
    """
    out = np.empty((n, len(WT)))
    for k in range(len(WT)):  # (an empty bincount would be of integers: assigned, not stacked)
        out[:, k] = np.bincount(seg, weights=WT[k][rows], minlength=n)
    return out


def starts_of(n_per: np.ndarray) -> np.ndarray:
    """Where each run starts, given the runs' lengths.

    >>> starts_of(np.array([2, 0, 3])).tolist()
    [0, 2, 2]
    """
    return np.cumsum(n_per) - n_per


def expand(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenated ``arange(start, start + length)`` for every pair of the arrays.

    >>> expand(np.array([10, 3]), np.array([2, 1])).tolist()
    [10, 11, 3]
    """
    # (each run's start minus where it lands, repeated, plus the landing places)
    out = np.repeat(np.asarray(starts, dtype=np.int64) - starts_of(lengths), lengths)
    out += np.arange(len(out))
    return out


def block_weight(weight: float, count: np.ndarray) -> np.ndarray:
    """``weight / sqrt(count)``; 0 for empty blocks.

    >>> block_weight(2.0, np.array([4, 0])).tolist()
    [1.0, 0.0]
    """
    count = np.asarray(count, dtype=np.float64)
    return np.divide(weight, np.sqrt(count), out=np.zeros_like(count), where=count > 0)


def rows_matrix(rows: list[list[int]], n_cols: int) -> sp.csr_matrix:
    """A 0/1-count matrix with one row per list of column ids (repeats add up).

    >>> rows_matrix([[0, 0], [1]], 2).toarray().tolist()
    [[2.0, 0.0], [0.0, 1.0]]
    """
    indptr = np.cumsum([0] + [len(r) for r in rows])
    indices = np.fromiter((j for r in rows for j in r), dtype=np.int64, count=int(indptr[-1]))
    return sp.csr_matrix((np.ones(len(indices)), indices, indptr), shape=(len(rows), n_cols))


def split_vocabulary(vocabulary: dict[str, int], categories=None) -> dict[str, dict[str, int]]:
    """``{prefix: {name: column}}`` of the feature names ``AspectSentiment._features`` builds.

    A category x word name is split after ``repr(category) + "|"`` for one of
    ``categories`` when given (a category's repr may itself hold ``|``).

    >>> split_vocabulary({"g:late": 0, "G:la": 1, "c='delivery'": 2, "'delivery'|late": 3})
    {'g:': {'late': 0}, 'G:': {'la': 1}, "c='delivery'": {'': 2}, "'delivery'|": {'late': 3}}
    """
    prefixes = {repr(c) + "|" for c in categories} if categories is not None else None
    priors = {"c=" + repr(c) for c in categories} if categories is not None else None
    tables: dict[str, dict[str, int]] = {}
    for key, j in vocabulary.items():
        if key.startswith(("g:", "l:", "G:")):
            tables.setdefault(key[:2], {})[key[2:]] = j
        elif (key in priors) if priors is not None else key.startswith("c="):
            tables.setdefault(key, {})[""] = j
        else:
            cut = key.find("|")
            while prefixes is not None and cut >= 0 and key[:cut + 1] not in prefixes:
                cut = key.find("|", cut + 1)
            if cut < 0:
                cut = key.find("|")
            tables.setdefault(key[:cut + 1], {})[key[cut + 1:]] = j
    return tables
