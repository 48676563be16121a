"""The classifier's token and bigram counts from a batch analysis's flat arrays.

``_TextFeatures._parts`` (model/features.py) needs, per batch, the distinct tokens in order of
first sight, each token's column, the known word bigrams of each comment and the surface words.
From per-comment token lists that is a dict look-up per token and per bigram string
(``" ".join`` of every adjacent pair). From a :class:`~feedback_classifier.lang.batch.Analysed`
batch it is numpy over integer arrays: the tokens' ids are the analyzer's, a bigram is the pair
key ``id1 << 32 | id2``, looked up with ``np.searchsorted`` in the model's bigrams keyed the same
way. The counts are exactly those of the per-list path (same columns, same order).
"""

from __future__ import annotations

import itertools
import threading
import weakref
from typing import NamedTuple

import numpy as np
import pandas as pd
import scipy.sparse as sp

from feedback_classifier._arrays import GrowingArray, ranges
from feedback_classifier.lang.batch import Analysed, LazyDocs

_SHIFT = 32
# Chunk ids whose char scores are kept (a row of the model's classes each, float32: ~48 MB for
# 48 classes at the bound); past it, each batch multiplies its own words' vectors again.
_SCORE_LIMIT = 250_000
_lock = threading.RLock()  # the tables grow as new words come (threads may share a model)
_TABLES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # features -> _Tables


class TokenCounts(NamedTuple):
    """What ``_TextFeatures._token_counts`` computes, as index arrays."""

    local_ids: np.ndarray  # the distinct tokens' ids, in order of first sight
    strings: list  # the analyzer's token strings (by id)
    tok_idx: np.ndarray  # each token's column (index into ``tokens``), comment after comment
    tok_len: np.ndarray  # tokens per comment
    bigram_idx: np.ndarray  # feature ids of the known bigrams, comment after comment
    bi_len: np.ndarray  # known bigrams per comment
    word_ids: np.ndarray  # each distinct token's unigram feature id, -1 if none

    @property
    def tokens(self) -> list:
        """The distinct tokens, in order of first sight (built when read: explanations only)."""
        strings = self.strings
        return [strings[i] for i in self.local_ids.tolist()]


class _Tables:
    """A model's vocabulary keyed by one analyzer's token ids."""

    def __init__(self, features, analysed: Analysed):
        self.strings = analysed.strings  # identity: the analyzer's tables were not reset since
        self.unigram = np.zeros(0, dtype=np.int64)
        self.spaced = np.zeros(0, dtype=bool)  # per token id: the token holds a space
        keys, feats = [], []
        token_id = analysed.source.token_id
        for gram, fid in features.word_vocab_.items():
            if gram.count(" ") == 1:
                a, b = gram.split(" ")
                keys.append((token_id(a) << _SHIFT) | token_id(b))
                feats.append(fid)
        keys = np.asarray(keys, dtype=np.int64)
        order = np.argsort(keys, kind="stable")
        self.bigram_keys, self.bigram_feats = keys[order], np.asarray(feats, dtype=np.int64)[order]
        # distinct keys: a hash index (pandas') finds a batch's ~100k pairs ~6x faster than a
        # binary search over the sorted keys
        self.bigram_index = pd.Index(self.bigram_keys)
        self._firsts = self._seconds = np.zeros(0, dtype=bool)
        # per analyzer chunk id: its char vector's place in c_ids / c_vals (length -1: not yet)
        self.c_start = np.zeros(0, dtype=np.int64)
        self.c_len = np.zeros(0, dtype=np.int64)
        self.c_sq = np.zeros(0)
        self.c_ids, self.c_vals = GrowingArray(np.int32), GrowingArray(np.float32)
        # per chunk id its char vector times a model's coefficients (``word_scores``)
        self._scores, self._scored = np.zeros((0, 0), dtype=np.float32), np.zeros(0, dtype=bool)
        self._score_key, self._score_rows = None, -1

    def char_rows(self, features, chunk_ids: np.ndarray, first: np.ndarray, chunks: list):
        """``(Vc, squared norms)`` of the chunks ``chunk_ids`` (``chunks[first[k]]`` is chunk
        ``k``'s text), each chunk's vector computed once (:func:`char_entries`)."""
        self._vectors(features, chunk_ids, first, chunks)
        return self._rows(features, chunk_ids), self.c_sq[chunk_ids]

    def _vectors(self, features, chunk_ids: np.ndarray, first: np.ndarray, chunks: list) -> None:
        """Compute the char vectors of the distinct ``chunk_ids`` not seen yet (see :meth:`char_rows`)."""
        if len(chunk_ids) and int(chunk_ids.max()) >= len(self.c_start):
            grow = int(chunk_ids.max()) + 1 - len(self.c_start)
            grow = max(grow, len(self.c_start))
            self.c_start = np.r_[self.c_start, np.zeros(grow, dtype=np.int64)]
            self.c_len = np.r_[self.c_len, np.full(grow, -1, dtype=np.int64)]
            self.c_sq = np.r_[self.c_sq, np.zeros(grow)]
        new = np.flatnonzero(self.c_len[chunk_ids] < 0)
        if len(new):  # the new words' char vectors, all at once
            ids, vals, lens, sq = char_entries(features, [chunks[k] for k in first[new].tolist()])
            cids = chunk_ids[new]
            self.c_start[cids] = self.c_ids.n + np.r_[0, np.cumsum(lens)[:-1]]
            self.c_len[cids] = lens
            self.c_sq[cids] = sq
            self.c_ids.extend(ids)
            self.c_vals.extend(vals)

    def _rows(self, features, chunk_ids: np.ndarray) -> sp.csr_matrix:
        """The char vectors of ``chunk_ids`` (computed already), one row each."""
        lens = self.c_len[chunk_ids]
        at = ranges(self.c_start[chunk_ids], lens)
        return sp.csr_matrix((self.c_vals.array[at], self.c_ids.array[at], np.r_[0, np.cumsum(lens)]),
                             shape=(len(chunk_ids), features.n_features_))

    def word_scores(self, features, analysed: Analysed, W: np.ndarray, key) -> np.ndarray | None:
        """``Vc @ W`` of every chunk id the analyzer knows (rows of chunks not met yet: 0), each
        chunk's row computed once while ``key`` and ``W``'s shape stay the same: the rows of
        the chunks of ``analysed`` are filled in first. None past ``_SCORE_LIMIT`` chunk ids."""
        cids = analysed.chunk_ids
        if len(cids):  # the vectors of chunks seen for the first time
            known = len(self.c_len)
            missing = np.flatnonzero((cids >= known) | (self.c_len[np.minimum(cids, max(known - 1, 0))] < 0)) \
                if known else np.arange(len(cids))
            if len(missing):
                distinct, at = np.unique(cids[missing], return_index=True)
                self._vectors(features, distinct, missing[at], analysed.chunks)
        if len(self.c_len) > _SCORE_LIMIT:  # too many words to keep a row each: the caller multiplies
            self._scores, self._scored, self._score_key = np.zeros((0, 0), dtype=np.float32), np.zeros(0, bool), None
            return None
        scores = self._scores
        if self._score_key is not key or scores.shape[1:] != W.shape[1:] or self._score_rows != W.shape[0]:
            scores = np.zeros((len(self.c_len), W.shape[1]), dtype=np.result_type(features.idf_, W))
            self._scored = np.zeros(len(self.c_len), dtype=bool)
            self._score_key, self._score_rows = key, W.shape[0]
        elif len(scores) < len(self.c_len):
            scores = np.r_[scores, np.zeros((len(self.c_len) - len(scores), scores.shape[1]), dtype=scores.dtype)]
            self._scored = np.r_[self._scored, np.zeros(len(self.c_len) - len(self._scored), dtype=bool)]
        new = np.unique(cids[~self._scored[cids]])
        if len(new):
            scores[new] = np.asarray(self._rows(features, new) @ W)
            self._scored[new] = True
        self._scores = scores
        return scores

    def bigram_sides(self, n_tokens: int) -> tuple[np.ndarray, np.ndarray]:
        """Per token id below ``n_tokens``: whether it is the first / the second token of a
        known bigram."""
        if len(self._firsts) < n_tokens:
            self._firsts = np.zeros(n_tokens, dtype=bool)
            self._seconds = np.zeros(n_tokens, dtype=bool)
            self._firsts[self.bigram_keys >> _SHIFT] = True
            self._seconds[self.bigram_keys & ((1 << _SHIFT) - 1)] = True
        return self._firsts, self._seconds

    def unigrams(self, vocab: dict) -> np.ndarray:
        """Unigram feature id (or -1) of every token id the analyzer knows."""
        known = len(self.unigram)
        if len(self.strings) > known:
            fresh = self.strings[known:]
            new = [vocab.get(t, -1) for t in fresh]
            self.unigram = np.concatenate([self.unigram, np.asarray(new, dtype=np.int64)])
            self.spaced = np.concatenate([self.spaced, np.fromiter((" " in t for t in fresh), dtype=bool, count=len(fresh))])
        return self.unigram


def _tables(features, analysed: Analysed) -> _Tables:
    with _lock:
        found = _TABLES.get(features)
        if found is None or found.strings is not analysed.strings:
            found = _TABLES[features] = _Tables(features, analysed)
        return found


def usable(features, docs) -> Analysed | None:
    """The analysis behind ``docs`` when the counts can come from its arrays, else None: the
    docs must be a batch analysis without punctuation, with surface words when the model takes
    char n-grams from them, and the model's word n-grams at most bigrams."""
    if not isinstance(docs, LazyDocs) or docs.punct or getattr(features, "word_ngrams", 1) > 2:
        return None
    if getattr(features, "char_surface_", False) and not docs.surface:
        return None
    return docs.analysed


def token_counts(features, analysed: Analysed) -> TokenCounts | None:
    """The counts of the analysis's tokens without punctuation (see the module docstring), or
    None when a token holds a space (then a bigram string is ambiguous: the caller joins strings).
    """
    keep = ~analysed.punct
    ids = analysed.ids[keep]
    cum = np.r_[0, np.cumsum(keep, dtype=np.int64)]
    bounds = cum[analysed.starts]
    tok_len = np.diff(bounds)
    local_ids, tok_idx, _ = _first_sight(ids)
    with _lock:
        tables = _tables(features, analysed)
        unigram = tables.unigrams(features.word_vocab_)
        if tables.spaced[local_ids].any():
            return None
        word_ids = unigram[local_ids]
        firsts, seconds = tables.bigram_sides(len(unigram))
    n = len(tok_len)
    if getattr(features, "word_ngrams", 1) >= 2 and len(ids) > 1:
        doc = np.repeat(np.arange(n), tok_len)
        same = doc[:-1] == doc[1:]  # a pair inside one comment
        # only pairs whose both tokens start / end some known bigram are looked up
        at = np.flatnonzero(same & firsts[ids[:-1]] & seconds[ids[1:]])
        keys = (ids[at] << _SHIFT) | ids[at + 1]
        pos = tables.bigram_index.get_indexer(keys)
        hit = pos >= 0
        bigram_idx = tables.bigram_feats[pos[hit]]
        bi_len = np.bincount(doc[at[hit]], minlength=n)
    else:
        bigram_idx, bi_len = np.zeros(0, dtype=np.int64), np.zeros(n, dtype=np.int64)
    return TokenCounts(local_ids, analysed.strings, tok_idx, tok_len, bigram_idx, bi_len, word_ids)


def surface_chars(features, analysed: Analysed) -> tuple[np.ndarray, np.ndarray, sp.csr_matrix, np.ndarray]:
    """``(each surface word's index into the distinct ones, words per comment, the distinct
    words' char vectors Vc, their squared norms)``: what ``_TextFeatures._surface_counts`` and
    ``_char_matrix`` compute, with each word's char vector kept per analyzer chunk id."""
    local_ids, idx, first = _first_sight(analysed.chunk_ids)
    with _lock:
        Vc, sq = _tables(features, analysed).char_rows(features, local_ids, first, analysed.chunks)
    return idx, np.diff(analysed.chunk_starts), Vc, sq


class SurfaceChars:
    """The char block of a batch analysis's comments (docs x features: each comment's surface
    words' char vectors, weighted as ``_TextFeatures._char_weights`` does with
    ``char_norm="doc"``), kept factored per analyzer chunk id. Its part of a linear score is the
    comments' weighted sums of their words' kept scores (:meth:`scores`): the same sums in the
    same order as ``Cc @ (Vc @ W)`` over the batch's distinct words, without building ``Vc`` or
    multiplying it again for words met in earlier batches."""

    def __init__(self, features, analysed: Analysed):
        self.features, self.analysed = features, analysed

    def local(self) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        """``(Cc, Vc)`` over the batch's distinct words, as ``_TextFeatures._parts`` gives them."""
        f = self.features
        c_idx, c_len, Vc, sq = surface_chars(f, self.analysed)
        return f._char_weights(_ones(c_idx, c_len, Vc.shape[0]), sq, c_len, None, shared=False), Vc

    def scores(self, W: np.ndarray, key) -> np.ndarray | None:
        """``Cc @ (Vc @ W)`` (see the class docstring; ``key``: as ``scores_from_parts`` takes
        it); None when the analyzer knows too many words to keep their scores."""
        f, analysed = self.features, self.analysed
        with _lock:
            tables = _tables(f, analysed)
            table = tables.word_scores(f, analysed, W, key)
            if table is None:
                return None
            c_len = np.diff(analysed.chunk_starts)
            Cu = _ones(analysed.chunk_ids, c_len, len(table))
            sq = tables.c_sq[: len(table)]
        Cc = f._char_weights(Cu, sq, c_len, None, shared=False)
        return np.asarray(Cc @ table)


def _ones(indices: np.ndarray, lengths: np.ndarray, n_cols: int) -> sp.csr_matrix:
    """Rows of ones: row ``r`` holds the next ``lengths[r]`` of ``indices`` (as
    ``features._count_matrix``)."""
    return sp.csr_matrix((np.ones(len(indices), dtype=np.float32), np.asarray(indices, dtype=np.int32),
                          np.r_[0, np.cumsum(lengths)]), shape=(len(lengths), n_cols))


def _first_sight(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(distinct ids in order of first sight, each item's index into them, the position of
    each distinct id's first occurrence)``: O(n) passes over a table as long as the largest id
    (the analyzer's ids are dense), no sort."""
    if len(ids) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    n = len(ids)
    first = np.full(int(ids.max()) + 1, n, dtype=np.int64)
    np.minimum.at(first, ids, np.arange(n))
    positions = np.flatnonzero(first[ids] == np.arange(n))
    distinct = ids[positions]
    rank = first  # reused: each distinct id's rank
    rank[distinct] = np.arange(len(distinct))
    return distinct, rank[ids], positions


class _GramKeys:
    """A model's char n-grams as integer keys, so that the n-grams of many words are looked up
    with one ``np.searchsorted`` per length: each character of the vocabulary's n-grams has a
    ``BITS``-bit code (0 for any other character, so an n-gram holding one is never found), an
    n-gram the codes of its characters and its length in the top bits."""

    BITS = 12

    def __init__(self, features):
        self.lo, self.hi = features.char_ngrams
        vocab = features.char_vocab_
        # all n-grams at once (a Python loop over a vocabulary's characters took ~0.1 s of every
        # process's first batch): their characters as code points, each one's place in its n-gram
        grams = list(vocab)
        lens = np.fromiter(map(len, grams), dtype=np.int64, count=len(grams))
        cp = np.frombuffer("".join(grams).encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)
        self.alphabet = np.unique(cp)  # the distinct characters, ascending
        self.ok = bool(self.hi * self.BITS <= 60 and len(self.alphabet) < (1 << self.BITS)
                       and ((lens >= self.lo) & (lens <= self.hi)).all())
        keys = np.zeros(len(grams) if self.ok else 0, dtype=np.int64)
        fids = np.fromiter(vocab.values(), dtype=np.int64, count=len(grams)) if self.ok else np.zeros(0, np.int64)
        if self.ok and len(grams):
            starts = np.cumsum(lens) - lens
            place = np.arange(len(cp), dtype=np.int64) - np.repeat(starts, lens)
            shifted = (np.searchsorted(self.alphabet, cp) + 1) << (self.BITS * place)
            # each character's code in bits of its own: the sum of an n-gram's is their bitwise or
            keys = np.add.reduceat(shifted, starts) | (lens << 60)
        # distinct n-grams have distinct keys: a hash index (pandas') finds many keys several
        # times faster than a binary search over the sorted ones
        self.index, self.fids = pd.Index(keys), fids

    def grams(self, words: list) -> tuple[np.ndarray, np.ndarray]:
        """``(word index, feature id)`` of every n-gram of the padded ``<word>`` in the vocabulary
        (as ``_TextFeatures._char_grams`` lists them, repeats included, in no particular order)."""
        lens = np.fromiter(map(len, words), dtype=np.int64, count=len(words)) + 2
        text = "".join([f"<{w}>" for w in words])
        cp = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)
        alphabet = self.alphabet
        where = np.minimum(np.searchsorted(alphabet, cp), max(len(alphabet) - 1, 0))
        code = np.where(alphabet[where] == cp, where + 1, 0) if len(alphabet) else np.zeros_like(cp)
        word = np.repeat(np.arange(len(words)), lens)
        room = np.repeat(np.cumsum(lens), lens) - np.arange(len(cp))  # characters left in the word
        packed, owners, found = code.copy(), [], []
        for n in range(1, self.hi + 1):
            if n > 1:
                packed[: -(n - 1)] |= code[n - 1 :] << (self.BITS * (n - 1))
            if n < self.lo or not len(self.fids):
                continue
            at = np.flatnonzero(room >= n)
            pos = self.index.get_indexer(packed[at] | (n << 60))
            hit = pos >= 0
            owners.append(word[at[hit]])
            found.append(self.fids[pos[hit]])
        if not found:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        return np.concatenate(owners), np.concatenate(found)


_GRAM_KEYS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # features -> _GramKeys


def char_entries(features, words: list) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(char feature ids, their weights, count per word, squared norm per word)`` of ``words``
    (flat, word after word): each word's ``features._token_entry`` char part, element for
    element, with the n-grams of all the words found at once (:class:`_GramKeys`) instead of a
    Python set per word. Models whose n-grams the keys cannot hold go word by word.

    >>> from feedback_classifier.model.features import _TextFeatures
    >>> f = _TextFeatures(min_df=1).fit([["good", "food"], ["bad"]])
    >>> ids, vals, lens, sq = char_entries(f, ["good", "goods", "xyz"])
    >>> lens.tolist(), ids[14:24].tolist() == f._token_entry("goods")[1].tolist(), sq.tolist()[2]
    ([14, 10, 0], True, 0.0)
    """
    n = len(words)
    keys = None
    if features.char_ngrams:
        with _lock:
            keys = _GRAM_KEYS.get(features)
            if keys is None:
                keys = _GRAM_KEYS[features] = _GramKeys(features)
    if keys is None or not keys.ok:
        entries = [features._token_entry(w) for w in words]
        lens = np.fromiter((len(e[1]) for e in entries), dtype=np.int64, count=n)
        return (np.concatenate([np.zeros(0, np.int32)] + [e[1] for e in entries]),
                np.concatenate([np.zeros(0, np.float32)] + [e[2] for e in entries]), lens,
                np.fromiter((e[3] for e in entries), dtype=np.float64, count=n))
    owners, fids = keys.grams(words)
    width = np.int64(features.n_features_)
    distinct = np.sort(owners * width + fids)  # word after word, ids ascending
    distinct = distinct[np.r_[True, distinct[1:] != distinct[:-1]]] if len(distinct) else distinct
    ids = (distinct % width).astype(np.int32)
    lens = np.bincount(distinct // width, minlength=n).astype(np.int64)
    idf = features.idf_
    if features.char_norm == "token":
        vals, sq = [], np.zeros(n)
        for k, (a, b) in enumerate(itertools.pairwise(np.r_[0, np.cumsum(lens)].tolist())):
            if a == b:
                vals.append(idf[:0])
                continue
            # as _token_entry computes them (a fresh array, BLAS's dot): the same float32 sums
            v = idf[ids[a:b]]
            s = float(np.dot(v, v))
            vals.append((v / np.sqrt(s)).astype(np.float32))
            sq[k] = 1.0
        return ids, np.concatenate([np.zeros(0, np.float32)] + vals), lens, sq
    # the weights are the idf values themselves: gathered at once; only the squared norm is
    # per word, BLAS's float32 dot of a fresh array holding the word's weights, as
    # _token_entry computes it (a sum in another order could differ in the last bit)
    vals = idf[ids]
    sq = np.zeros(n)
    dot = np.dot
    bounds = np.r_[0, np.cumsum(lens)].tolist()
    for k in np.flatnonzero(lens).tolist():
        v = vals[bounds[k] : bounds[k + 1]].copy()
        sq[k] = dot(v, v)
    return ids, vals, lens, sq
