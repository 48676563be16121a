"""Batch prediction for ``AspectSentiment``: flat arrays over the whole batch, no per-text work.

``AspectSentiment._features`` spells every feature of a (comment, category) pair as a
string and looks it up in the vocabulary: clear, and what ``fit`` uses, but far too slow
for ``classify``. ``PairScorer`` gives the same linear scores (a test checks they are
equal on thousands of varied comments) without a Python step per comment or per pair:

* every token and every surface word gets an integer id from a per-word cache, which
  holds what the features need of it (its kind for clause splitting, its global and
  local columns, whether it is a stop word, its ``!``/``?`` marks, and the summed score
  of its character n-grams);
* the whole batch is then one flat array of token ids; clause boundaries, the clauses
  about each category (a maximum of aspect-word scores per clause and per pair), the
  contrast-word position cues, bigrams and block lengths are numpy operations on it,
  and bigrams, aspect words and category x word columns are looked up as integer keys
  in sorted arrays;
* each block's weights go into per-segment sums of the coefficient rows
  (``np.bincount``): one pass per class for the whole batch.
"""

from __future__ import annotations

import gc
import re
from contextlib import contextmanager
from functools import lru_cache
from itertools import chain, repeat

import numpy as np
import pandas as pd
import scipy.sparse as sp

CONTRAST_WORDS = frozenset(
    "but however although though whereas except yet but still nevertheless "
    "но однако зато хотя правда впрочем а".split()
)
# A clause ends at a punctuation token (the analyzer keeps them) and starts again at a contrast word.
BOUNDARY_CHARS = frozenset(".!?;,:()-–—…")
EMOJI_RE = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf]")
# What a token does to the clauses: a word, a contrast word that opens a clause, a clause
# end, or a symbol left out (quotes, brackets' kin).
WORD, CONTRAST, END, SKIP = range(4)
# The names of the position cues (``AspectSentiment._local``) and the ``!``/``?`` cues.
POSITION_NAMES = ("after_contrast", "before_contrast", "nolocal")
CUE_NAMES = ("!", "!!", "?")


def token_kind(tok: str) -> int:
    """What a token does to the clauses (``WORD``, ``CONTRAST``, ``END`` or ``SKIP``).

    >>> [token_kind(t) for t in ("late", "but", ",", "'")] == [WORD, CONTRAST, END, SKIP]
    True
    """
    first = tok[:1]
    if not first or first in BOUNDARY_CHARS:
        return END
    if tok in CONTRAST_WORDS:
        return CONTRAST
    if first.isalnum() or first == "_" or EMOJI_RE.match(first):
        return WORD
    return SKIP


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


def cue_flags(word: str) -> int:
    """Bit 1: the word holds ``!``; bit 2: ``!!``; bit 4: ``?``.

    >>> cue_flags("late!!"), cue_flags("why?"), cue_flags("ok")
    (3, 4, 0)
    """
    return ("!" in word) | (("!!" in word) << 1) | (("?" in word) << 2)


# Bound on the per-word caches: cleared (down to the model's own words) when full.
_MAX_WORDS = 200_000
_SHIFT = np.int64(32)  # integer keys of (a, b) id pairs: a << 32 | b


class _Column:
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


class _KeyTable:
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


def _key(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a.astype(np.int64) << _SHIFT) | b.astype(np.int64)


class PairScorer:
    """Linear scores of (comment, category) pairs for a fitted ``AspectSentiment``."""

    def __init__(self, model):
        self.model = model
        tables = split_vocabulary(model.vocabulary_, _categories(model))
        self.tables = tables
        W = np.ascontiguousarray(model.coef_.T)
        self.zero = len(W)  # the row of W0 that stands for "no column"
        self.W0 = np.vstack([W, np.zeros((1, W.shape[1]))])
        self.n_classes = W.shape[1]
        self.g, self.loc = tables.get("g:", {}), tables.get("l:", {})
        self.char_grams = _CharGrams(tables.get("G:", {}))
        self.n_fixed = None
        self._reset_words(first=True)
        self._tables_of_pairs()
        self.cats: dict = {}  # category -> its row of category_info
        self.category_info = np.zeros((0, 3), dtype=np.int64)

    # ---- per-word caches
    def _reset_words(self, first: bool = False) -> None:
        if first:
            self.word_ids: dict[str, int] = {}
            self.kind, self.keep = _Column(np.int8), _Column(np.bool_)
            self.gcol, self.lcol = _Column(np.int64, self.zero), _Column(np.int64, self.zero)
            self.flags = _Column(np.int8)
            names = list(CUE_NAMES + POSITION_NAMES)
            for key in list(self.g) + list(self.loc):
                names += key.split(" ")
            for prefix, table in self.tables.items():
                if prefix != "G:":
                    names += list(table)
            for words in (self.model.aspect_words_ or {}).values():
                names += list(words)
            self._add_words(list(dict.fromkeys(names)))
            self.n_fixed = len(self.word_ids)
        else:  # keep the model's own words (their ids are in the key tables)
            self.word_ids = dict(zip(list(self.word_ids)[:self.n_fixed], range(self.n_fixed)))
        self.surface_ids: dict[str, int] = {}
        self.char_sum = np.zeros((0, self.n_classes))
        self.char_count = np.zeros(0)
        self.surface_flags = np.zeros(0, dtype=np.int8)

    def _add_words(self, words: list[str]) -> np.ndarray:
        """Ids of new tokens, their attributes filled in."""
        start = len(self.word_ids)
        ids = self.word_ids
        ids.update(zip(words, range(start, start + len(words))))
        m, g, loc, zero = self.model, self.g, self.loc, self.zero
        self.kind.put(start, [token_kind(w) for w in words])
        if self.n_fixed is not None:  # a word seen later is in no key table
            self.in_aspect.put(start, np.zeros(len(words), dtype=bool))
            self.in_cross.put(start, np.zeros(len(words), dtype=bool))
        self.keep.put(start, [bool(m._gram_words([w])) for w in words])
        self.flags.put(start, [cue_flags(w) for w in words])
        if self.n_fixed is None:  # the model's own words; a word seen later has no column
            self.gcol.put(start, [g.get(w, zero) for w in words])
            self.lcol.put(start, [loc.get(w, zero) for w in words])
        else:
            self.gcol.put(start, np.full(len(words), zero))
            self.lcol.put(start, np.full(len(words), zero))
        return np.arange(start, len(ids), dtype=np.int64)

    def _token_ids(self, tokens: list[str]) -> np.ndarray:
        out = np.fromiter(map(self.word_ids.get, tokens, repeat(-1)), dtype=np.int64, count=len(tokens))
        new = np.flatnonzero(out < 0)
        if len(new):
            codes, fresh = _factorize([tokens[i] for i in new.tolist()])
            out[new] = self._add_words(fresh)[codes]
        return out

    def _surface_ids(self, words: list[str]) -> np.ndarray:
        """Rows of the surface words in ``char_sum``; the new words' rows computed at once (``_CharGrams``)."""
        out = np.fromiter(map(self.surface_ids.get, words, repeat(-1)), dtype=np.int64, count=len(words))
        new = np.flatnonzero(out < 0)
        if len(new):
            codes, fresh = _factorize([words[i] for i in new.tolist()])
            start = len(self.surface_ids)
            self.surface_ids.update(zip(fresh, range(start, start + len(fresh))))
            out[new] = start + codes
            sums, counts, flags = self.char_grams.sums(fresh, self.W0)
            self.char_sum = np.vstack([self.char_sum, sums])
            self.char_count = np.concatenate([self.char_count, counts])
            self.surface_flags = np.concatenate([self.surface_flags, flags])
        return out

    def _tables_of_pairs(self) -> None:
        """Key tables of bigrams, aspect words and category x word columns (ids of the
        model's own words, which stay fixed)."""
        ids = self.word_ids
        bigrams = {}
        for prefix, table in (("g", self.g), ("l", self.loc)):
            keys = {}
            for name, j in table.items():
                parts = name.split(" ")
                if len(parts) == 2:
                    keys[(ids[parts[0]] << 32) | ids[parts[1]]] = j
            bigrams[prefix] = _KeyTable(keys)
        self.g_bigrams, self.l_bigrams = bigrams["g"], bigrams["l"]
        self.aspect_index = {}
        aspect = {}
        for cat, words in (self.model.aspect_words_ or {}).items():
            if words:
                a = self.aspect_index[cat] = len(self.aspect_index)
                aspect.update({(a << 32) | ids[w]: s for w, s in words.items()})
        self.aspect = _KeyTable(aspect)
        self.cross_index = {}
        cross = {}
        for prefix, table in self.tables.items():
            if prefix.endswith("|") and not prefix.startswith("c="):
                c = self.cross_index[prefix] = len(self.cross_index)
                cross.update({(c << 32) | ids[w]: j for w, j in table.items()})
        self.cross = _KeyTable(cross)
        # which words can be found at all: most of a comment's words need no look-up
        for name, keys in (("in_aspect", aspect), ("in_cross", cross)):
            column = _Column(np.bool_, False)
            column.put(0, np.zeros(len(ids), dtype=bool))
            column.data[np.fromiter(keys, dtype=np.int64, count=len(keys)) & 0xFFFFFFFF] = True
            setattr(self, name, column)

    def _category_rows(self, categories) -> np.ndarray:
        """Rows of ``category_info`` (aspect index, cross index, prior row) per category."""
        get = self.cats.get
        rows = np.fromiter(map(get, categories, repeat(-1)), dtype=np.int64, count=len(categories))
        if (rows < 0).any():
            for cat in dict.fromkeys(c for c, r in zip(categories, rows.tolist()) if r < 0):
                key = repr(cat)
                aspect = self.aspect_index.get(cat, -1) if cat is not None else -1
                prior = self.tables.get("c=" + key, {}).get("", self.zero)
                self.cats[cat] = len(self.category_info)
                info = [aspect, self.cross_index.get(key + "|", -1), prior]
                self.category_info = np.vstack([self.category_info, np.array([info], dtype=np.int64)])
            rows = np.fromiter(map(get, categories), dtype=np.int64, count=len(categories))
        return rows

    # ---- scoring
    def scores(self, analysed, owner, categories) -> np.ndarray:
        """``(n_pairs, n_classes)`` decision scores (intercept included) of the pairs
        ``(analysed[owner[k]], categories[k])``; ``analysed`` holds analyser outputs."""
        with no_gc():
            if len(self.word_ids) + len(self.surface_ids) >= _MAX_WORDS:  # between batches only
                self._reset_words()
            return _Batch(self, analysed, np.asarray(owner, dtype=np.int64), categories).scores()


class _CharGrams:
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
        self.keys = _KeyTable(keys)

    def sums(self, words: list[str], W0: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per word: the summed ``W0`` rows of its n-grams in the table, its number of
        n-grams, and its ``cue_flags``."""
        lens = np.fromiter(map(len, words), dtype=np.int64, count=len(words)) + 2
        counts = sum(np.maximum(lens - n + 1, 0) for n in range(2, 6))
        if not self.ok:  # a table this encoding cannot hold: one word at a time
            rows = [[j for j in map(self.table.get, char_grams(w)) if j is not None] for w in words]
            flags = np.array([cue_flags(w) for w in words], dtype=np.int8)
            return np.asarray(_rows_matrix(rows, len(W0) - 1) @ W0[:-1]), counts, flags
        text = "".join([f" {w} " for w in words])
        cp = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)
        where = np.minimum(np.searchsorted(self.alphabet, cp), max(len(self.alphabet) - 1, 0))
        code = np.where(self.alphabet[where] == cp, where + 1, 0) if len(self.alphabet) else np.zeros_like(cp)
        word = np.repeat(np.arange(len(words)), lens)
        room = np.repeat(lens, lens) - (np.arange(len(cp)) - np.repeat(_starts(lens), lens))  # chars left
        rows, owners = [], []
        packed = code.copy()  # the n characters from each position on, 12 bits each
        for n in range(2, 6):
            packed[:-(n - 1)] |= code[n - 1:] << (self.BITS * (n - 1))
            at = np.flatnonzero(room >= n)
            hit, pos = self.keys.find(packed[at] | (n << 60))
            rows.append(self.keys.values[pos[hit]])
            owners.append(word[at[hit]])
        sums = _seg_sum(W0, np.concatenate(rows), np.concatenate(owners), len(words))
        bang, ask = cp == 33, cp == 63
        double = np.zeros(len(cp), dtype=bool)
        double[:-1] = bang[:-1] & bang[1:]
        flags = ((np.bincount(word, bang, len(words)) > 0) | ((np.bincount(word, double, len(words)) > 0) << 1)
                 | ((np.bincount(word, ask, len(words)) > 0) << 2))
        return sums, counts, flags.astype(np.int8)


def _factorize(words: list[str]) -> tuple[np.ndarray, list[str]]:
    """``(codes, distinct words)``: ``words[i] == distinct[codes[i]]``, first-seen order."""
    codes, distinct = pd.factorize(np.array(words, dtype=object))
    return codes.astype(np.int64), distinct.tolist()


@contextmanager
def no_gc():
    """The cyclic garbage collector off for a batch: it allocates lists and no cycles, and
    with a large heap alive (models, caches, the chunk's analyses) a full pass of the
    collector triggered inside costs more than the batch's own work (measured)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _categories(model) -> list:
    return list(getattr(model, "categories_", [])) + [None]


def _seg_sum(W0: np.ndarray, rows: np.ndarray, seg: np.ndarray, n: int, weights=None) -> np.ndarray:
    """``(n, classes)``: per segment, the sum of ``W0[rows]`` (times ``weights``)."""
    picked = W0[rows]
    if weights is not None:
        picked = picked * weights[:, None]
    out = np.empty((n, W0.shape[1]))
    for k in range(W0.shape[1]):  # (an empty bincount would be of integers: assigned, not stacked)
        out[:, k] = np.bincount(seg, weights=picked[:, k], minlength=n)
    return out


def _starts(n_per: np.ndarray) -> np.ndarray:
    return np.cumsum(n_per) - n_per


def _expand(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenated ``arange(start, start + length)`` for every pair of the arrays."""
    total = int(lengths.sum())
    offsets = np.arange(total) - np.repeat(_starts(lengths), lengths)
    return np.repeat(starts, lengths) + offsets


class _Batch:
    """One batch of pairs, as flat arrays (see the module docstring)."""

    def __init__(self, scorer: PairScorer, analysed, owner: np.ndarray, categories):
        self.s, self.m = scorer, scorer.model
        self.n = len(analysed)
        self.owner = owner
        self.n_pairs = len(owner)
        self._tokens(analysed)
        self._clauses()
        rows = scorer._category_rows(categories)
        info = scorer.category_info[rows]
        self.aspect, self.cross, self.prior = info[:, 0], info[:, 1], info[:, 2]

    def _tokens(self, analysed) -> None:
        s = self.s
        lengths = np.fromiter(map(len, analysed), dtype=np.int64, count=self.n)
        tok = s._token_ids(list(chain.from_iterable(analysed)))
        surfaces = [getattr(a, "surface", None) for a in analysed]
        text_of = np.repeat(np.arange(self.n), lengths)
        plain = None in surfaces
        if plain:  # a plain analyzer: cues from the tokens, surface = its words
            surfaces = [[t for t in a if t[:1] not in BOUNDARY_CHARS] for a in analysed]
        surf_len = np.fromiter(map(len, surfaces), dtype=np.int64, count=self.n)
        surf = s._surface_ids(list(chain.from_iterable(surfaces)))
        self.surf, self.surf_text = surf, np.repeat(np.arange(self.n), surf_len)
        if plain:
            flags, flag_text = s.flags.data[tok], text_of
        else:
            flags, flag_text = s.surface_flags[surf], self.surf_text
        on = flags != 0
        flags, flag_text = flags[on], flag_text[on]
        self.cue = sum(((np.bincount(flag_text, (flags & bit) != 0, self.n) > 0) * bit).astype(np.int8)
                       for bit in (1, 2, 4))
        self.tok, self.text_of = tok, text_of

    def _clauses(self) -> None:
        """Words (tokens that go in a clause), their clause ids, and each clause's text."""
        s = self.s
        kind = s.kind.data[self.tok]
        wpos = np.flatnonzero(kind <= CONTRAST)
        self.wid, self.wtext = self.tok[wpos], self.text_of[wpos]
        self.nw = np.bincount(self.wtext, minlength=self.n)
        self.wstart = _starts(self.nw)
        contrast = kind[wpos] == CONTRAST
        ends = np.cumsum(kind == END)[wpos]
        new = np.ones(len(wpos), dtype=bool)
        new[1:] = (self.wtext[1:] != self.wtext[:-1]) | contrast[1:] | (ends[1:] != ends[:-1])
        self.clause = np.cumsum(new) - 1
        self.clause_contrast = contrast[new]
        self.n_clauses = np.bincount(self.wtext[new], minlength=self.n)
        self.first_clause = _starts(self.n_clauses)

    def _grams(self, ids: np.ndarray, seg: np.ndarray, n: int, local: bool) -> tuple[np.ndarray, np.ndarray]:
        """Per segment: the summed rows of the unigram and bigram names of its gram words
        (``ids`` in order, already filtered) and their number."""
        s = self.s
        cols = (s.lcol if local else s.gcol).data[ids]
        out = _seg_sum(s.W0, cols, seg, n)
        same = seg[1:] == seg[:-1]
        hit, pos = (s.l_bigrams if local else s.g_bigrams).find(_key(ids[:-1][same], ids[1:][same]))
        if hit.any():
            out += _seg_sum(s.W0, (s.l_bigrams if local else s.g_bigrams).values[pos[hit]], seg[1:][same][hit], n)
        count = np.bincount(seg, minlength=n)
        return out, count + np.maximum(count - 1, 0)

    def _cue_sums(self, local: bool) -> tuple[np.ndarray, np.ndarray]:
        """Per text: the summed rows of its ``!``/``?`` cue names and their number."""
        s = self.s
        col = s.lcol if local else s.gcol
        ids = s.word_ids
        bang = np.where(self.cue & 2, col.data[ids["!!"]], col.data[ids["!"]])
        rows = np.stack([np.where(self.cue & 1, bang, s.zero), np.where(self.cue & 4, col.data[ids["?"]], s.zero)])
        count = (self.cue & 1 != 0).astype(np.int64) + (self.cue & 4 != 0)
        return s.W0[rows[0]] + s.W0[rows[1]], count

    def scores(self) -> np.ndarray:
        s, m = self.s, self.m
        keep = s.keep.data[self.wid]
        per_text = np.zeros((self.n, s.n_classes))
        gsum, gcount = self._grams(self.wid[keep], self.wtext[keep], self.n, local=False)
        csum, ccount = self._cue_sums(local=False)
        gcount = gcount + ccount
        if m.global_weight > 0:
            per_text += (gsum + csum) * _block_weight(m.global_weight, gcount)[:, None]
        if m.char_weight > 0 and len(self.surf):
            total = np.bincount(self.surf_text, weights=s.char_count[self.surf], minlength=self.n)
            chars = _seg_sum(s.char_sum, self.surf, self.surf_text, self.n)
            per_text += chars * _block_weight(m.char_weight, total)[:, None]
        out = per_text[self.owner] + s.W0[self.prior] + m.intercept_
        out += self._local_blocks(keep)
        return out

    def _local_blocks(self, keep: np.ndarray) -> np.ndarray:
        """The local and category x local blocks of every pair."""
        s, m, owner = self.s, self.m, self.owner
        # every pair's words, in order (the category x local block needs each one)
        e_word = _expand(self.wstart[owner], self.nw[owner])
        e_pair = np.repeat(np.arange(self.n_pairs), self.nw[owner])
        local, flag = self._choose(e_word, e_pair)
        npos = flag.sum(axis=0)
        pos_ids = [s.word_ids[name] for name in POSITION_NAMES]
        out = np.zeros((self.n_pairs, s.n_classes))
        csum, ccount = self._cue_sums(local=True)
        if m.local_weight > 0:
            whole = np.ones(self.n_pairs, dtype=bool)
            whole[e_pair[~local]] = False  # a pair whose local words are all its comment's words
            lsum, lcount = self._grams(self.wid[keep], self.wtext[keep], self.n, local=True)
            pos_l = flag.T.astype(np.float64) @ s.W0[s.lcol.data[pos_ids]]
            ssum, scount = lsum[owner], lcount[owner]
            part = ~whole
            if part.any():
                chosen = local & keep[e_word] & part[e_pair]
                psum, pcount = self._grams(self.wid[e_word[chosen]], e_pair[chosen], self.n_pairs, local=True)
                ssum[part], scount[part] = psum[part], pcount[part]
            total = ssum + pos_l + csum[owner]
            out += total * _block_weight(m.local_weight, scount + npos + ccount[owner])[:, None]
        if m.cross_weight > 0:
            pick = local & (self.cross[e_pair] >= 0) & s.in_cross.data[self.wid[e_word]]
            hit, pos = s.cross.find(_key(self.cross[e_pair[pick]], self.wid[e_word[pick]]))
            xsum = _seg_sum(s.W0, s.cross.values[pos[hit]], e_pair[pick][hit], self.n_pairs)
            for k, word in enumerate(pos_ids):
                on = flag[k] & (self.cross >= 0)
                hit, pos = s.cross.find(_key(self.cross[on], np.full(on.sum(), word)))
                idx = np.flatnonzero(on)[hit]
                xsum[idx] += s.W0[s.cross.values[pos[hit]]]
            count = np.bincount(e_pair[local], minlength=self.n_pairs) + npos
            out += xsum * _block_weight(m.cross_weight, count)[:, None]
        return out

    def _choose(self, e_word: np.ndarray, e_pair: np.ndarray):
        """Which of each pair's words are local (``AspectSentiment._local``), and its
        position cues: ``(local mask, (3, n_pairs) flags of POSITION_NAMES)``."""
        s, owner = self.s, self.owner
        local = np.ones(len(e_word), dtype=bool)
        flag = np.zeros((len(POSITION_NAMES), self.n_pairs), dtype=bool)
        asked = (self.aspect >= 0) & (self.n_clauses[owner] > 1)
        if asked.any():
            on = asked[e_pair]
            qw, qp = e_word[on], e_pair[on]
            score = np.zeros(len(qw))
            maybe = np.flatnonzero(s.in_aspect.data[self.wid[qw]])
            hit, pos = s.aspect.find(_key(self.aspect[qp[maybe]], self.wid[qw[maybe]]))
            score[maybe[hit]] = s.aspect.values[pos[hit]]
            # one segment per (pair, clause): words are in order, clause ids increase
            clause = self.clause[qw]
            new = np.ones(len(qw), dtype=bool)
            new[1:] = (qp[1:] != qp[:-1]) | (clause[1:] != clause[:-1])
            starts = np.flatnonzero(new)
            c_score = np.maximum.reduceat(score, starts)
            c_pair, c_id = qp[starts], clause[starts]
            p_new = np.ones(len(starts), dtype=bool)
            p_new[1:] = c_pair[1:] != c_pair[:-1]
            best = np.maximum.reduceat(c_score, np.flatnonzero(p_new))[np.cumsum(p_new) - 1]
            found = best > 0
            chosen = (c_score == best) | ~found
            local[np.flatnonzero(on)] = chosen[np.cumsum(new) - 1]
            flag[2, c_pair[p_new][~found[p_new]]] = True  # nolocal
            pick = chosen & found
            p_starts = np.flatnonzero(p_new)
            first = np.full(self.n_pairs, np.iinfo(np.int64).max)
            first[c_pair[p_starts]] = np.minimum.reduceat(np.where(pick, c_id, first[0]), p_starts)
            last = np.full(self.n_pairs, -1)
            last[c_pair[p_starts]] = np.maximum.reduceat(np.where(pick, c_id, -1), p_starts)
            with_local = np.flatnonzero(last >= 0)
            flag[0, with_local] = self.clause_contrast[first[with_local]]
            nxt = last[with_local] + 1
            inside = nxt < (self.first_clause + self.n_clauses)[owner[with_local]]
            flag[1, with_local[inside]] = self.clause_contrast[nxt[inside]]
        return local, flag


def _block_weight(weight: float, count: np.ndarray) -> np.ndarray:
    """``weight / sqrt(count)``; 0 for empty blocks."""
    count = np.asarray(count, dtype=np.float64)
    return np.divide(weight, np.sqrt(count), out=np.zeros_like(count), where=count > 0)


def _rows_matrix(rows: list[list[int]], n_cols: int) -> sp.csr_matrix:
    """A 0/1-count matrix with one row per list of column ids (repeats add up)."""
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
