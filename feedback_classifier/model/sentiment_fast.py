"""Batch prediction for ``AspectSentiment``: flat arrays over the whole batch, no per-text work.

``AspectSentiment._features`` spells every feature of a (comment, category) pair as a
string and looks it up in the vocabulary: clear, and what ``fit`` uses, but far too slow
for ``classify``. ``PairScorer`` gives the same linear scores (a test checks they are
equal on thousands of varied comments) without a Python step per comment or per pair:

* every token and every surface word gets an integer id from a per-word cache, which
  holds what the features need of it (its kind for clause splitting, its global and
  local columns, whether it is a stop word, its ``!``/``?`` marks, and the summed score
  of its character n-grams);
* ``enrich`` hands over the classifier's batch analyses (``lang.batch.Analysed``): their
  token and surface-word ids map to the cache's ids through numpy arrays, so only ids
  never seen before are looked up as strings (per-comment token lists work too);
* the whole batch is then one flat array of token ids; clause boundaries, the clauses
  about each category (a maximum of aspect-word scores per clause and per pair), the
  contrast-word position cues, bigrams and block lengths are numpy operations on it;
  a pair's words are expanded only where its features need them (the clauses of pairs
  whose comment has several, the words some category x word table holds), and bigrams,
  aspect words and category x word columns are looked up as integer keys in hash tables
  (``sentiment_tables.py``);
* each block's weights go into per-segment sums of the coefficient rows
  (``np.bincount``): one pass per class for the whole batch.
"""

from __future__ import annotations

import gc
import re
from contextlib import contextmanager
from itertools import chain, repeat
from typing import NamedTuple

import numpy as np

from feedback_classifier.model.sentiment_lexicon import (
    LEXICON_NAMES,
    negation_prefixes,
    pair_lexicon_sums,
    squash,
    token_polarity,
)
from feedback_classifier.model.sentiment_tables import (
    CharGrams,
    Column,
    block_weight,
    char_grams,
    cue_flags,
    expand,
    factorize,
    PairTable,
    seg_sum,
    split_vocabulary,
    starts_of,
)

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


# Bound on the per-word caches: cleared (down to the model's own words) when full.
_MAX_WORDS = 200_000
__all__ = ["PairScorer", "char_grams", "cue_flags", "grams", "no_gc", "split_vocabulary", "token_kind"]


class Flat(NamedTuple):
    """A batch of analysed comments as flat arrays of the scorer's ids: ``tok`` (every token,
    comment after comment), ``text_of`` (each token's comment), ``surf`` / ``surf_text`` (the
    surface words' columns of ``char_sumT`` and their comments) and ``cue`` (per comment, the
    ``cue_flags`` bits of its words)."""

    tok: np.ndarray
    text_of: np.ndarray
    surf: np.ndarray
    surf_text: np.ndarray
    cue: np.ndarray
    n: int


class PairScorer:
    """Linear scores of (comment, category) pairs for a fitted ``AspectSentiment``."""

    def __init__(self, model):
        self.model = model
        tables = split_vocabulary(model.vocabulary_, _categories(model))
        self.tables = tables
        W = np.ascontiguousarray(model.coef_.T)
        self.zero = len(W)  # the row of W0 that stands for "no column"
        self.W0 = np.vstack([W, np.zeros((1, W.shape[1]))])
        self.W0T = np.ascontiguousarray(self.W0.T)  # what ``seg_sum`` gathers from
        self.n_classes = W.shape[1]
        self.g, self.loc = tables.get("g:", {}), tables.get("l:", {})
        self.char_grams = CharGrams(tables.get("G:", {}))
        # the lexicon features' columns (``sentiment_lexicon``) and the lexicon itself
        self.lex_cols = np.array([model.vocabulary_.get(name, self.zero) for name in LEXICON_NAMES])
        self.lexicon = (getattr(model, "lexicon_", None) or {}) if model.lexicon_weight > 0 else {}
        self.neg_prefixes = negation_prefixes()
        self.n_fixed = None
        self._reset_words(first=True)
        self._tables_of_pairs()
        self.cats: dict = {}  # category -> its row of category_info
        self.category_info = np.zeros((0, 3), dtype=np.int64)

    # ---- per-word caches
    def _reset_words(self, first: bool = False) -> None:
        if first:
            self.word_ids: dict[str, int] = {}
            self.kind, self.keep = Column(np.int8), Column(np.bool_)
            self.gcol, self.lcol = Column(np.int64, self.zero), Column(np.int64, self.zero)
            self.flags = Column(np.int8)
            self.lean = Column(np.float64)
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
        self.char_sumT = np.zeros((self.n_classes, 0))  # transposed (``seg_sum``)
        self.char_count = np.zeros(0)
        self.surface_flags = np.zeros(0, dtype=np.int8)
        # batch analyses' token and surface-word ids -> the ids above (``_flat_of_batches``)
        self._batch_strings = None

    def _add_words(self, words: list[str]) -> np.ndarray:
        """Ids of new tokens, their attributes filled in."""
        start = len(self.word_ids)
        ids = self.word_ids
        ids.update(zip(words, range(start, start + len(words))))
        m, g, loc, zero = self.model, self.g, self.loc, self.zero
        self.kind.put(start, [token_kind(w) for w in words])
        if self.n_fixed is not None:  # a word seen later is in no key table
            self.aspect_bits.put(start, np.zeros(len(words), dtype=np.int64))
            self.cross_bits.put(start, np.zeros(len(words), dtype=np.int64))
        self.keep.put(start, [bool(m._gram_words([w])) for w in words])
        self.flags.put(start, [cue_flags(w) for w in words])
        if self.lexicon:  # (read only then)
            self.lean.put(start, [token_polarity(w, self.lexicon, self.neg_prefixes) for w in words])
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
            codes, fresh = factorize([tokens[i] for i in new.tolist()])
            out[new] = self._add_words(fresh)[codes]
        return out

    def _surface_ids(self, words: list[str]) -> np.ndarray:
        """Columns of the surface words in ``char_sumT``; the new words' rows computed at once (``CharGrams``)."""
        out = np.fromiter(map(self.surface_ids.get, words, repeat(-1)), dtype=np.int64, count=len(words))
        new = np.flatnonzero(out < 0)
        if len(new):
            codes, fresh = factorize([words[i] for i in new.tolist()])
            start = len(self.surface_ids)
            self.surface_ids.update(zip(fresh, range(start, start + len(fresh))))
            out[new] = start + codes
            sums, counts, flags = self.char_grams.sums(fresh, self.W0T)
            self.char_sumT = np.hstack([self.char_sumT, sums.T])
            self.char_count = np.concatenate([self.char_count, counts])
            self.surface_flags = np.concatenate([self.surface_flags, flags])
        return out

    def _tables_of_pairs(self) -> None:
        """Key tables of bigrams, aspect words and category x word columns (ids of the
        model's own words, which stay fixed)."""
        ids = self.word_ids
        # one table of both blocks' bigrams: a (word, word) pair is looked up once, each block
        # reading its own column (``self.zero``: not a bigram of that block)
        bigrams: dict = {}
        for k, table in enumerate((self.g, self.loc)):
            for name, j in table.items():
                parts = name.split(" ")
                if len(parts) == 2:
                    bigrams.setdefault((ids[parts[0]], ids[parts[1]]), [self.zero, self.zero])[k] = j
        self.bigrams = PairTable(bigrams, np.array(list(bigrams.values()), dtype=np.int64).reshape(-1, 2))
        self.aspect_index = {}
        aspect = {}
        for cat, words in (self.model.aspect_words_ or {}).items():
            if words:
                a = self.aspect_index[cat] = len(self.aspect_index)
                aspect.update({(a, ids[w]): s for w, s in words.items()})
        self.aspect = PairTable(aspect)
        self.cross_index = {}
        cross = {}
        for prefix, table in self.tables.items():
            if prefix.endswith("|") and not prefix.startswith("c="):
                c = self.cross_index[prefix] = len(self.cross_index)
                cross.update({(c, ids[w]): j for w, j in table.items()})
        self.cross = PairTable(cross)
        # which categories' tables hold each word (bit ``category_bit(c)``): a comment's words
        # are looked up only where a table of one of its pairs' categories holds them
        for name, keys in (("aspect_bits", aspect), ("cross_bits", cross)):
            column = Column(np.int64, 0)
            column.put(0, np.zeros(len(ids), dtype=np.int64))
            cats = np.fromiter((c for c, _ in keys), dtype=np.int64, count=len(keys))
            np.bitwise_or.at(column.data, np.fromiter((w for _, w in keys), dtype=np.int64, count=len(keys)),
                             category_bit(cats))
            setattr(self, name, column)

    def category_rows(self, categories) -> np.ndarray:
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
    def scores(self, analysed, owner, categories=None, *, rows=None, batches: bool = False) -> np.ndarray:
        """``(n_pairs, n_classes)`` decision scores (intercept included) of the pairs
        ``(analysed[owner[k]], categories[k])``; ``analysed`` holds analyser outputs, or with
        ``batches`` is a list of batch analyses (``lang.batch.Analysed``, comment after comment).
        ``rows``: the pairs' ``category_rows`` instead of their categories."""
        with no_gc():
            if len(self.word_ids) + len(self.surface_ids) >= _MAX_WORDS:  # between batches only
                self._reset_words()
            flat = self._flat_of_batches(analysed) if batches else self._flat_of_docs(analysed)
            if rows is None:
                rows = self.category_rows(categories)
            return _Batch(self, flat, np.asarray(owner, dtype=np.int64), rows).scores()

    def _flat_of_docs(self, analysed) -> Flat:
        """``Flat`` of one analysis per comment (``analyze_with_surface``'s or a plain token list)."""
        n = len(analysed)
        lengths = np.fromiter(map(len, analysed), dtype=np.int64, count=n)
        tok = self._token_ids(list(chain.from_iterable(analysed)))
        surfaces = [getattr(a, "surface", None) for a in analysed]
        text_of = np.repeat(np.arange(n), lengths)
        plain = None in surfaces
        if plain:  # a plain analyzer: cues from the tokens, surface = its words
            surfaces = [[t for t in a if t[:1] not in BOUNDARY_CHARS] for a in analysed]
        surf_len = np.fromiter(map(len, surfaces), dtype=np.int64, count=n)
        surf = self._surface_ids(list(chain.from_iterable(surfaces)))
        surf_text = np.repeat(np.arange(n), surf_len)
        if plain:
            flags, flag_text = self.flags.data[tok], text_of
        else:
            flags, flag_text = self.surface_flags[surf], surf_text
        return Flat(tok, text_of, surf, surf_text, _cue_bits(flags, flag_text, n), n)

    def _flat_of_batches(self, batches) -> Flat:
        """``Flat`` of batch analyses: their token and surface-word ids go through id maps
        (a numpy look-up), so only ids never seen before reach the per-word dicts."""
        toks, surfs, lengths, surf_lengths = [], [], [], []
        for a in batches:
            if a.strings is not self._batch_strings:  # another analyzer, or its tables were reset
                self._batch_strings = a.strings
                self._token_map, self._chunk_map = Column(np.int64, -1), Column(np.int64, -1)
            toks.append(_mapped(self._token_map, a.ids, lambda at, _: self._token_ids([a.strings[i] for i in at])))
            surfs.append(_mapped(self._chunk_map, a.chunk_ids, lambda _, first: self._surface_ids(
                [a.chunks[i] for i in first])))
            lengths.append(np.diff(a.starts))
            surf_lengths.append(np.diff(a.chunk_starts))
        n = int(sum(map(len, lengths)))
        tok, surf = _concat(toks), _concat(surfs)
        text_of = np.repeat(np.arange(n), _concat(lengths))
        surf_text = np.repeat(np.arange(n), _concat(surf_lengths))
        return Flat(tok, text_of, surf, surf_text, _cue_bits(self.surface_flags[surf], surf_text, n), n)


def category_bit(categories: np.ndarray) -> np.ndarray:
    """The bit of each category index in a word's ``aspect_bits`` / ``cross_bits`` (indices past
    62 share the last bit: a filter may let more words through, never fewer).

    >>> category_bit(np.array([0, 3, 70])).tolist()
    [1, 8, 4611686018427387904]
    """
    return np.left_shift(np.int64(1), np.minimum(categories, 62).astype(np.int64))


def _concat(arrays: list) -> np.ndarray:
    return np.concatenate(arrays) if arrays else np.zeros(0, dtype=np.int64)


def _mapped(table: Column, keys: np.ndarray, new_ids) -> np.ndarray:
    """``table[keys]``, the keys never seen first given ids by ``new_ids(distinct new keys, the
    position in keys of each one's first occurrence)``.

    >>> t = Column(np.int64, -1)
    >>> _mapped(t, np.array([5, 3, 5]), lambda fresh, first: [10 * k + p for k, p in zip(fresh, first)]).tolist()
    [50, 31, 50]
    """
    keys = np.asarray(keys, dtype=np.int64)
    if len(keys) and keys.max() >= len(table.data):
        table.put(int(keys.max()), [-1])  # grows, filling with -1
    out = table.data[keys]
    new = np.flatnonzero(out < 0)
    if len(new):
        # every occurrence of a new key is among ``new``; the keys are dense ids (the table is
        # as long as the largest), so each one's first position is a scatter, not a sort
        fresh_keys = keys[new]
        first = np.full(int(fresh_keys.max()) + 1, len(keys), dtype=np.int64)
        np.minimum.at(first, fresh_keys, new)
        fresh = np.flatnonzero(first < len(keys))  # ascending, as np.unique gives them
        table.data[fresh] = new_ids(fresh.tolist(), first[fresh].tolist())
        out = table.data[keys]
    return out


def _cue_bits(flags: np.ndarray, text_of: np.ndarray, n: int) -> np.ndarray:
    """Per comment, the OR of its words' ``cue_flags``."""
    on = np.flatnonzero(flags)
    flags, text_of = flags.take(on), text_of.take(on)
    return sum(((np.bincount(text_of, (flags & bit) != 0, n) > 0) * bit).astype(np.int8) for bit in (1, 2, 4))


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


class _Batch:
    """One batch of pairs, as flat arrays (see the module docstring)."""

    def __init__(self, scorer: PairScorer, flat: Flat, owner: np.ndarray, rows: np.ndarray):
        self.s, self.m = scorer, scorer.model
        self.n = flat.n
        self.owner = owner
        self.n_pairs = len(owner)
        self.tok, self.text_of, self.surf, self.surf_text, self.cue = flat[:5]
        self._clauses()
        info = scorer.category_info[rows]
        self.aspect, self.cross, self.prior = info[:, 0], info[:, 1], info[:, 2]

    def _clauses(self) -> None:
        """Words (tokens that go in a clause), their clause ids, and each clause's text."""
        s = self.s
        kind = s.kind.data[self.tok]
        wpos = np.flatnonzero(kind <= CONTRAST)
        self.wid, self.wtext = self.tok[wpos], self.text_of[wpos]
        self.nw = np.bincount(self.wtext, minlength=self.n)
        contrast = kind[wpos] == CONTRAST
        ends = np.cumsum(kind == END)[wpos]
        new = np.ones(len(wpos), dtype=bool)
        new[1:] = (self.wtext[1:] != self.wtext[:-1]) | contrast[1:] | (ends[1:] != ends[:-1])
        self.clause = np.cumsum(new) - 1
        self.clause_start = np.flatnonzero(new)  # each clause's first word
        self.clause_len = np.diff(np.append(self.clause_start, len(wpos)))
        self.clause_contrast = contrast.take(self.clause_start)
        self.n_clauses = np.bincount(self.wtext.take(self.clause_start), minlength=self.n)
        self.first_clause = starts_of(self.n_clauses)

    def _grams(self, ids: np.ndarray, seg: np.ndarray, n: int, blocks: tuple[str, ...]
               ) -> tuple[list[np.ndarray], np.ndarray]:
        """Per segment and per block (``"g"`` global, ``"l"`` local): the summed rows of the
        unigram and bigram names of its gram words (``ids`` in order, already filtered); and
        their number (the same in every block)."""
        s = self.s
        same = np.flatnonzero(seg[1:] == seg[:-1])
        where, pos = s.bigrams.hits(ids.take(same), ids.take(same + 1))
        found, key_seg = s.bigrams.values[pos], seg.take(same.take(where) + 1)
        sums = []
        for block in blocks:
            k, col = (1, s.lcol) if block == "l" else (0, s.gcol)
            out = seg_sum(s.W0T, col.data[ids], seg, n)
            on = found[:, k] != s.zero  # the bigrams of this block
            if on.any():
                out += seg_sum(s.W0T, found[on, k], key_seg[on], n)
            sums.append(out)
        count = np.bincount(seg, minlength=n)
        return sums, count + np.maximum(count - 1, 0)

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
        # the comment's global and local n-grams are the same words: one pass for both blocks
        kept = np.flatnonzero(keep)
        (gsum, lsum), gcount = self._grams(self.wid.take(kept), self.wtext.take(kept), self.n, ("g", "l"))
        text_local = lsum, gcount
        csum, ccount = self._cue_sums(local=False)
        gcount = gcount + ccount
        if m.global_weight > 0:
            per_text += (gsum + csum) * block_weight(m.global_weight, gcount)[:, None]
        if m.char_weight > 0 and len(self.surf):
            total = np.bincount(self.surf_text, weights=s.char_count[self.surf], minlength=self.n)
            chars = seg_sum(s.char_sumT, self.surf, self.surf_text, self.n)
            per_text += chars * block_weight(m.char_weight, total)[:, None]
        out = per_text[self.owner] + s.W0[self.prior] + m.intercept_
        out += self._local_blocks(keep, text_local)
        return out

    def _local_blocks(self, keep: np.ndarray, text_local: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        """The local and category x local blocks of every pair. A pair's local words are its
        comment's words but for the pairs ``_choose`` asks about: there they are the chosen
        clauses' words, expanded only where needed (part-comment pairs' local n-grams, and
        words in some category x word table). ``text_local``: each comment's local n-gram sums
        and counts."""
        s, m, owner, n_pairs = self.s, self.m, self.owner, self.n_pairs
        asked = np.flatnonzero((self.aspect >= 0) & (self.n_clauses[owner] > 1))
        qc, qp, chosen, flag = self._choose(asked)
        npos = flag.sum(axis=0)
        n_local = self.nw[owner]
        if len(asked):
            got = np.bincount(qp[chosen], weights=self.clause_len[qc[chosen]], minlength=n_pairs)
            n_local[asked] = got[asked].astype(np.int64)
        part = np.zeros(n_pairs, dtype=bool)
        part[qp[~chosen]] = True  # pairs whose local words are not all their comment's words
        pos_ids = [s.word_ids[name] for name in POSITION_NAMES]
        out = np.zeros((n_pairs, s.n_classes))
        csum, ccount = self._cue_sums(local=True)
        if m.local_weight > 0:
            lsum, lcount = text_local  # each comment's local n-grams (``scores``)
            pos_l = flag.T.astype(np.float64) @ s.W0[s.lcol.data[pos_ids]]
            ssum, scount = lsum[owner], lcount[owner]
            if part.any():
                sel = chosen & part[qp]
                words = expand(self.clause_start[qc[sel]], self.clause_len[qc[sel]])
                pair = np.repeat(qp[sel], self.clause_len[qc[sel]])
                kept = np.flatnonzero(keep.take(words))
                (psum,), pcount = self._grams(self.wid.take(words.take(kept)), pair.take(kept), n_pairs, ("l",))
                ssum[part], scount[part] = psum[part], pcount[part]
            total = ssum + pos_l + csum[owner]
            out += total * block_weight(m.local_weight, scount + npos + ccount[owner])[:, None]
        if m.cross_weight > 0:
            pair, pos = self._cross_hits(asked, qc, chosen)
            xsum = seg_sum(s.W0T, s.cross.values[pos], pair, n_pairs)
            for k, word in enumerate(pos_ids):
                on = flag[k] & (self.cross >= 0)
                hit, pos = s.cross.find(self.cross[on], np.full(on.sum(), word))
                idx = np.flatnonzero(on)[hit]
                xsum[idx] += s.W0[s.cross.values[pos[hit]]]
            out += xsum * block_weight(m.cross_weight, n_local + npos)[:, None]
        if s.lexicon:
            counts = pair_lexicon_sums(s.lean.data[self.wid], self.wtext, self.clause, self.n, len(self.clause_start),
                                       owner, qc[chosen], qp[chosen], asked)
            out += (m.lexicon_weight * squash(counts)) @ s.W0[s.lex_cols]
        return out

    def _words_of_pairs(self, pairs: np.ndarray, word_bits: np.ndarray, categories: np.ndarray
                        ) -> tuple[np.ndarray, np.ndarray]:
        """``(word positions, pair)`` of the words of each of ``pairs``' comments that a table of
        one of the comment's ``pairs``' categories holds (``word_bits``: per word id, the
        ``category_bit`` of each table holding it; ``categories``: the pairs' categories), pair
        after pair, words in order: every word the pair's own table holds, and a few more."""
        text_bits = np.zeros(self.n, dtype=np.int64)
        np.bitwise_or.at(text_bits, self.owner[pairs], category_bit(categories))
        cand = np.flatnonzero(word_bits.take(self.wid) & text_bits.take(self.wtext))
        n_cand = np.bincount(self.wtext[cand], minlength=self.n)
        per = n_cand[self.owner[pairs]]
        return cand[expand(starts_of(n_cand)[self.owner[pairs]], per)], np.repeat(pairs, per)

    def _clause_slot(self, first_slot: np.ndarray, pair: np.ndarray, words: np.ndarray) -> np.ndarray:
        """Each word's (pair, clause) position in ``_choose``'s arrays (``first_slot``: a pair's first)."""
        return first_slot[pair] + self.clause[words] - self.first_clause[self.owner[pair]]

    def _cross_hits(self, asked: np.ndarray, qc: np.ndarray, chosen: np.ndarray):
        """``(pair, position in the cross table)`` of every pair's local words that its category
        x word table holds, pair after pair, words in order. (Looked up first, then checked
        against the chosen clauses: far fewer words are found than asked.)"""
        s = self.s
        pairs = np.flatnonzero(self.cross >= 0)
        words, pair = self._words_of_pairs(pairs, s.cross_bits.data, self.cross[pairs])
        where, pos = s.cross.hits(self.cross.take(pair), self.wid.take(words))
        words, pair = words.take(where), pair.take(where)
        if len(asked):
            slot = np.full(self.n_pairs, -1)
            slot[asked] = starts_of(self.n_clauses[self.owner[asked]])
            on = np.flatnonzero(slot[pair] >= 0)
            ok = np.ones(len(words), dtype=bool)
            ok[on] = chosen[self._clause_slot(slot, pair[on], words[on])]
            ok = np.flatnonzero(ok)
            pair, pos = pair.take(ok), pos.take(ok)
        return pair, pos

    def _choose(self, asked: np.ndarray):
        """The clauses about the category of each ``asked`` pair (``AspectSentiment._local``)
        and the position cues of every pair: ``(clause ids, their pair, chosen mask, (3,
        n_pairs) flags of POSITION_NAMES)``, one entry per clause of each asked pair."""
        s, owner = self.s, self.owner
        flag = np.zeros((len(POSITION_NAMES), self.n_pairs), dtype=bool)
        nc = self.n_clauses[owner[asked]]
        qc, qp = expand(self.first_clause[owner[asked]], nc), np.repeat(asked, nc)
        if not len(asked):
            return qc, qp, np.ones(0, dtype=bool), flag
        first_slot = np.full(self.n_pairs, -1)
        first_slot[asked] = slots = starts_of(nc)
        # each clause's score: its strongest aspect word (0 without one)
        words, pair = self._words_of_pairs(asked, s.aspect_bits.data, self.aspect[asked])
        where, pos = s.aspect.hits(self.aspect.take(pair), self.wid.take(words))
        c_score = np.zeros(len(qc))
        np.maximum.at(c_score, self._clause_slot(first_slot, pair.take(where), words.take(where)), s.aspect.values[pos])
        best = np.maximum.reduceat(c_score, slots)
        found = best > 0
        chosen = (c_score == np.repeat(best, nc)) | ~np.repeat(found, nc)
        flag[2, asked[~found]] = True  # nolocal
        pick = chosen & np.repeat(found, nc)
        first = np.minimum.reduceat(np.where(pick, qc, np.iinfo(np.int64).max), slots)
        last = np.maximum.reduceat(np.where(pick, qc, -1), slots)
        with_local = last >= 0
        flag[0, asked[with_local]] = self.clause_contrast[first[with_local]]
        nxt = last[with_local] + 1
        inside = nxt < (self.first_clause + self.n_clauses)[owner[asked[with_local]]]
        flag[1, asked[with_local][inside]] = self.clause_contrast[nxt[inside]]
        return qc, qp, chosen, flag
