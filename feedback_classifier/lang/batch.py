"""Analyse a whole batch of comments at once: flat token arrays instead of per-comment lists.

:class:`BatchAnalyzer` gives, for a list of comments, exactly what
``TextAnalyzer(keep_punct=True).analyze_with_surface`` gives for each (the stream the sentiment
model reads) and, from the same pass, exactly what the plain ``TextAnalyzer()`` gives (the
classifier's stream: the same tokens without punctuation). One analysis serves every consumer.

Why a batch: the per-comment analyzer walks every token in Python to carry the negation state.
Here the Python work is one dict look-up per whitespace chunk (``"good,"``, ``"заказ"``); the
chunk's entries (lemma, negator, skippable word, punctuation) come from a per-chunk table, and
negation scope, the negated tokens and the per-comment offsets are computed with numpy over the
batch's flat arrays (cumulative maxima of negator and scope-ending positions).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from feedback_classifier._arrays import GrowingArray, ranges
from feedback_classifier.lang.analyzer import (
    _DROP,
    _NEG,
    _OTHER,
    _PUNCT,
    _SKIP,
    _WORD,
    TextAnalyzer,
    Tokens,
)
from feedback_classifier.lang.chunking import Pieces, chunked
from feedback_classifier.lang.detect import to_text
from feedback_classifier.lang.lemmas import forget_prefetched, prefetch_lemmas
from feedback_classifier.lang.negation import NEG_WINDOW
from feedback_classifier.lang.normalization import MIXED_RE, TOKEN_RE, check_lang

__all__ = ["Analysed", "BatchAnalyzer", "LazyDocs", "batch_analyzer_for"]

# Tables are dropped and rebuilt past this many distinct chunks (about 80 MB at the bound; the
# classifier keeps its words' char scores for the first 250,000: ~48 MB, model/batch_features.py).
_MAX_CHUNKS = 500_000
_PREFIX_BITS = 4  # negation prefixes ("not_", "не_") are few: 4 bits of a pair key


class Analysed(NamedTuple):
    """A batch's analysis as flat arrays; ``ids[starts[i]:starts[i + 1]]`` are comment ``i``'s
    token ids (punctuation kept), ``strings[id]`` their text, ``punct`` marks the punctuation
    tokens, ``chunks[chunk_starts[i]:chunk_starts[i + 1]]`` are its surface words."""

    ids: np.ndarray
    starts: np.ndarray
    punct: np.ndarray
    strings: list
    chunks: list
    chunk_starts: np.ndarray
    chunk_ids: np.ndarray  # each surface word's id in the analyzer's chunk table
    source: Any  # the BatchAnalyzer (its ``token_id`` registers a token string)
    # with ``analyse(pieces=...)``: ``(spans, counts)``, the given pieces' runs of ``chunks``
    # (rows ``(first, end)``, comment after comment) and the number of them per comment (0 for a
    # comment analysed whole: its pieces' words cannot be told from its own)
    pieces: Any = None
    trace: Any = None  # with pieces: a _Trace, to cut the pieces' analyses out of this one

    @property
    def n_docs(self) -> int:
        """The number of comments."""
        return len(self.starts) - 1

    def slice(self, a: int, b: int) -> Analysed:
        """The analysis of comments ``a`` to ``b - 1``."""
        s, e = int(self.starts[a]), int(self.starts[b])
        cs, ce = int(self.chunk_starts[a]), int(self.chunk_starts[b])
        return Analysed(self.ids[s:e], self.starts[a : b + 1] - s, self.punct[s:e], self.strings,
                        _window(self.chunks, cs, ce), self.chunk_starts[a : b + 1] - cs, self.chunk_ids[cs:ce], self.source,
                        _slice_pieces(self.pieces, a, b, cs))

    def doc(self, i: int, punct: bool, surface: bool = True):
        """Comment ``i``'s tokens, as one item of :meth:`docs`."""
        s, e = int(self.starts[i]), int(self.starts[i + 1])
        ids = self.ids[s:e] if punct else self.ids[s:e][~self.punct[s:e]]
        strings = self.strings
        tokens = [strings[k] for k in ids.tolist()]
        if not surface:
            return tokens
        return Tokens.of(tokens, self.chunks[int(self.chunk_starts[i]) : int(self.chunk_starts[i + 1])])

    def docs(self, punct: bool, surface: bool = True) -> list:
        """Per comment, its tokens (with or without punctuation) as a :class:`Tokens` list
        carrying the surface words (a plain list without ``surface``)."""
        ids, starts = self.ids, self.starts
        if not punct:
            keep = ~self.punct
            ids = ids[keep]
            starts = np.r_[0, np.cumsum(_lengths(keep, self.starts))]
        strings = self.strings
        flat = [strings[i] for i in ids.tolist()]
        bounds = starts.tolist()
        if not surface:
            return [flat[a:b] for a, b in itertools.pairwise(bounds)]
        chunks, cb = _as_list(self.chunks), self.chunk_starts.tolist()
        of = Tokens.of
        return [of(flat[a:b], chunks[c:d]) for a, b, c, d in zip(bounds, bounds[1:], cb, cb[1:])]


class LazyDocs(Sequence):
    """``analysed.docs(punct, surface)`` built only when read: the classifier's features read
    the flat arrays of ``analysed`` instead (``model/batch_features.py``), and the few
    comments another step looks at one by one are built alone.

    >>> docs = LazyDocs(BatchAnalyzer(TextAnalyzer()).analyse(["not good!", "slow"]), punct=False)
    >>> len(docs), docs[0], docs[0].surface, list(docs[1:])
    (2, ['not', 'not_good'], ['not', 'good!'], [['slow']])
    """

    def __init__(self, analysed: Analysed, punct: bool, surface: bool = True):
        self.analysed, self.punct, self.surface = analysed, punct, surface
        self._docs: list | None = None

    def __len__(self) -> int:
        return self.analysed.n_docs

    def _all(self) -> list:
        if self._docs is None:
            self._docs = self.analysed.docs(self.punct, self.surface)
        return self._docs

    def __getitem__(self, i):
        if isinstance(i, slice):
            a, b, step = i.indices(len(self))
            if step != 1 or self._docs is not None:
                return self._all()[i]
            return LazyDocs(self.analysed.slice(a, max(a, b)), self.punct, self.surface)
        if self._docs is not None:
            return self._docs[i]
        n = len(self)
        if not -n <= i < n:
            raise IndexError(i)
        return self.analysed.doc(i % n, self.punct, self.surface)

    def __iter__(self):
        return iter(self._all())


def _lengths(mask: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Number of true items of ``mask`` in each range ``[starts[i], starts[i + 1])``."""
    cum = np.r_[0, np.cumsum(mask, dtype=np.int64)]
    return cum[starts[1:]] - cum[starts[:-1]]


class BatchAnalyzer:
    """The analysis of :class:`TextAnalyzer` for batches of comments (see the module docstring).

    ``analyzer`` gives the settings (``lang``, ``keep_negator``, ``drop_stop_words``); its
    ``keep_punct`` does not matter: both streams come out of :meth:`analyse`.

    >>> b = BatchAnalyzer(TextAnalyzer())
    >>> a = b.analyse(["The courier was NOT polite!", "", "Курьеры не доставили заказ"])
    >>> [list(d) for d in a.docs(punct=True)]
    [['the', 'courier', 'be', 'not', 'not_polite', '!'], [], ['курьер', 'не', 'не_доставить', 'заказ']]
    >>> a.docs(punct=False)[0], a.docs(punct=False)[0].surface
    (['the', 'courier', 'be', 'not', 'not_polite'], ['the', 'courier', 'was', 'not', 'polite!'])
    """

    def __init__(self, analyzer: TextAnalyzer):
        params = analyzer.get_params()
        params["keep_punct"] = True
        self.lang = params["lang"]
        self._entry_of = TextAnalyzer(**params)._entry  # what a token is, as the analyzer says
        self._plain_entry_of = TextAnalyzer(**{**params, "keep_punct": False})._entry
        self.keep_negator = params["keep_negator"]
        self._lock = threading.Lock()
        self._reset()

    def _reset(self) -> None:
        self.strings: list[str] = []  # token id -> token
        self._ids: dict[str, int] = {}
        self._prefixes: list[int] = []  # negation prefix index -> its token id ("not_")
        self._entries: dict[Any, int] = {}  # raw token (or (token, lang)) -> entry id
        # per entry: kind, its outputs (start and length in _outs), negation prefix index, punctuation
        self._kind, self._out_start, self._out_len = GrowingArray(), GrowingArray(), GrowingArray()
        self._prefix, self._punct, self._outs = GrowingArray(), GrowingArray(), GrowingArray()
        self._chunk_ids: dict[Any, int] = {}  # chunk (or (chunk, lang)) -> chunk id
        self._c_start, self._c_len, self._c_entries = GrowingArray(), GrowingArray(), GrowingArray()
        self._negated: dict[int, int] = {}  # (lemma id, prefix) key -> token id of prefix + lemma
        self._pending_outs: list[int] = []  # the outputs of a batch's new entries, before one extend
        self._chunk_flags: dict[str, GrowingArray] = {}  # name -> per chunk id: -1 not asked yet, else 0/1

    def chunk_flags(self, analysed: Analysed, name: str, flag) -> np.ndarray | None:
        """Per surface word of ``analysed``, ``flag`` of its chunk, asked once per distinct chunk of the
        tables (until they are rebuilt): ``flag`` takes a list of chunks and returns a bool per chunk.
        A property of words then costs a look-up per word, however many comments repeat them. None when
        the tables were rebuilt since ``analysed`` (its chunk ids no longer match).

        >>> b = BatchAnalyzer(TextAnalyzer())
        >>> a = b.analyse(["Late again", "again LATE!"])
        >>> b.chunk_flags(a, "late", lambda chunks: [c.startswith("late") for c in chunks]).tolist()
        [True, False, False, True]
        """
        with self._lock:
            if analysed.strings is not self.strings:
                return None
            table = self._chunk_flags.setdefault(name, GrowingArray(np.int8))
            if table.n < self._c_start.n:
                table.extend(np.full(self._c_start.n - table.n, -1, dtype=np.int8))
            cids = analysed.chunk_ids
            values = table.array[cids]
            unknown = np.flatnonzero(values < 0)
            if len(unknown):
                asked, first = np.unique(cids[unknown], return_index=True)
                chunks = analysed.chunks
                table.data[asked] = np.asarray(flag([chunks[k] for k in unknown[first].tolist()]), dtype=bool)
                values = table.array[cids]
            return values > 0

    def token_id(self, token: str) -> int:
        """The id of a token string (registered if new): feature tables key on these ids."""
        with self._lock:
            return self._id(token)

    def _id(self, token: str) -> int:
        found = self._ids.get(token)
        if found is None:
            found = self._ids[token] = len(self.strings)
            self.strings.append(token)
        return found

    def _entry(self, raw: str, lang: str | None, rows: list) -> int:
        """The entry id of one token of a chunk (new ones classified as the analyzer does, their
        table rows appended to ``rows``: kind, outputs' start, their number, prefix, punctuation)."""
        key = (raw, lang) if MIXED_RE.search(raw) else raw  # lang matters only for mixed scripts
        found = self._entries.get(key)
        if found is not None:
            return found
        entry = self._entry_of(raw, lang)
        kind, outs, prefix, punct = entry[0], (), -1, 0
        if kind == _WORD or kind == _OTHER:
            outs = (entry[1],)
            # the analyzer without punctuation drops it (before lemmatising: no second lemma)
            punct = int(kind == _OTHER and self._plain_entry_of(raw, lang)[0] == _PUNCT)
        elif kind == _SKIP:
            outs = entry[1]
        elif kind == _NEG:
            outs = entry[1] if self.keep_negator else entry[1][:-1]
            pid = self._id(entry[2])
            if pid not in self._prefixes:
                self._prefixes.append(pid)
            prefix = self._prefixes.index(pid)
            if prefix >= 1 << _PREFIX_BITS:
                raise ValueError("too many negation prefixes")
        elif kind != _DROP:
            raise ValueError(f"unexpected analyzer entry {entry!r}")
        found = self._entries[key] = self._kind.n + len(rows) // 5
        rows += (kind, self._outs.n + len(self._pending_outs), len(outs), prefix, punct)
        self._pending_outs += [self._id(t) for t in outs]
        return found

    def _chunks(self, chunks: list, lang: str | None) -> list:
        """The chunk ids of whitespace chunks not in the table yet (distinct), registered with
        their new entries in one extend of each table per batch."""
        rows: list = []
        self._pending_outs = []
        starts, lens, flat = [], [], []
        n_chunks, n_entries = self._c_start.n, self._c_entries.n
        get = self._chunk_ids.get
        ids = [get(chunk) for chunk in chunks]
        new = [k for k, found in enumerate(ids) if found is None and get((chunks[k], lang)) is None]
        for k, found in enumerate(ids):
            if found is None:
                ids[k] = get((chunks[k], lang))
        tokens = [TOKEN_RE.findall(chunks[k]) for k in new]
        # the new words' dictionary look-ups at once (the chunks are distinct: registering one
        # cannot change another's look-up, so they are registered in order after it)
        prefetch_lemmas([tok for toks in tokens for tok in toks if tok not in self._entries])
        try:
            for k, toks in zip(new, tokens):
                entries = [self._entry(tok, lang, rows) for tok in toks]
                key = (chunks[k], lang) if any(MIXED_RE.search(tok) for tok in toks) else chunks[k]
                ids[k] = self._chunk_ids[key] = n_chunks + len(starts)
                starts.append(n_entries + len(flat))
                lens.append(len(entries))
                flat += entries
        finally:
            forget_prefetched()
        if rows:
            table = np.asarray(rows, dtype=np.int64).reshape(-1, 5)
            for column, array in zip(table.T, (self._kind, self._out_start, self._out_len, self._prefix, self._punct)):
                array.extend(column)
            self._outs.extend(self._pending_outs)
        self._c_start.extend(starts)
        self._c_len.extend(lens)
        self._c_entries.extend(flat)
        return ids

    def analyse(self, texts: list, lang: str | None = None, pieces: Pieces | list | None = None) -> Analysed:
        """The analysis of ``texts`` (any values: non-strings are read as the analyzer does).

        ``pieces`` (optional, one item per text, or the same as :class:`~.chunking.Pieces`
        arrays): None, or the ``(start, end)`` offsets of some pieces of the text, in order, each starting and ending next to whitespace or the text's
        edge (the caller makes sure); such a text is normalised piece by piece (and the text
        between them) where that provably gives its normalised text's words (see
        :func:`_piecewise`), and ``pieces`` of the result tells each piece's words, so that the
        pieces' own analyses come from this one (:meth:`parts_of`).

        >>> b = BatchAnalyzer(TextAnalyzer())
        >>> a = b.analyse(["Late again. Ok. Rude staff", "Late again; rude"], pieces=[[(0, 11), (16, 26)], None])
        >>> a.pieces[0].tolist(), a.pieces[1].tolist()
        ([[0, 2], [3, 5]], [2, 0])
        """
        if lang is not None:
            check_lang(lang)
        with self._lock:  # the tables grow as new words come (threads may share an analyzer)
            return self._analyse(texts, lang or self.lang, pieces)

    def _analyse(self, texts: list, lang: str | None, pieces: Pieces | list | None = None) -> Analysed:
        if len(self._chunk_ids) > _MAX_CHUNKS:
            self._reset()
        texts = [t if t.__class__ is str else to_text(t) for t in texts]
        if lang != self.lang:  # parts are analysed in the default language
            pieces = None
        pool, at, chunk_starts, marks = chunked(texts, pieces)
        get = self._chunk_ids.get
        pool_ids = np.fromiter(map(get, pool, itertools.repeat(-1)), dtype=np.int64, count=len(pool))
        cids = pool_ids[at]
        new = np.flatnonzero(cids < 0)
        if len(new):  # new chunks (or lang-dependent ones): each distinct one registered once
            fresh = [pool[k] for k in at[new].tolist()]
            distinct = list(dict.fromkeys(fresh))  # in order of first sight, as ids are given
            ids = dict(zip(distinct, self._chunks(distinct, lang)))
            cids[new] = np.fromiter(map(ids.__getitem__, fresh), dtype=np.int64, count=len(fresh))
        return self._of_chunks(_Chunks(pool, at), chunk_starts, cids, marks)

    def _of_chunks(self, chunks: list, chunk_starts: np.ndarray, cids: np.ndarray, marks=None) -> Analysed:
        """The analysis of comments made of the known chunks ``cids`` (texts ``chunks``)."""
        c_len = self._c_len.array[cids]
        entries = self._c_entries.array[ranges(self._c_start.array[cids], c_len)]
        entry_at = np.r_[0, np.cumsum(c_len)]
        ids, starts, punct, trace = self._outputs(entries, entry_at[chunk_starts])
        trace = None if marks is None else _Trace(entry_at, *trace)
        return Analysed(ids, starts, punct, self.strings, chunks, chunk_starts, cids, self, marks, trace)

    def parts_of(self, analysed: Analysed, others: Analysed | None = None,
                 other_at: np.ndarray | None = None) -> Analysed | None:
        """The analysis of the pieces given to :meth:`analyse` (``analysed.pieces``), each a run
        of its comment's chunks. The analyser walks a comment's chunks alone (negation never
        crosses comments), so this is exactly the analysis of the pieces' texts: cut out of
        ``analysed`` (:func:`_cut_outputs`). ``others``: more comments analysed separately,
        placed at rows ``other_at`` of the result. None when the tables were rebuilt since (the
        ids no longer match).

        >>> b = BatchAnalyzer(TextAnalyzer())
        >>> a = b.analyse(["Not late. Good food", "Not\\ngood at all"], pieces=[[(0, 9), (10, 19)], [(0, 3), (4, 15)]])
        >>> [list(d) for d in b.parts_of(a).docs(punct=False)]
        [['not', 'not_late'], ['good', 'food'], ['not'], ['good', 'at', 'all']]
        """
        spans = analysed.pieces[0]
        lens = spans[:, 1] - spans[:, 0]
        at = ranges(spans[:, 0], lens)
        pool, pool_at = _pool_at(analysed.chunks)
        at, cids = pool_at[at], analysed.chunk_ids[at]
        cut = None if analysed.trace is None else _cut_outputs(analysed, spans)
        if others is not None and others.n_docs:
            if others.strings is not analysed.strings:
                return None
            rows = np.zeros(len(spans) + others.n_docs, dtype=bool)
            rows[other_at] = True
            other_pool, other_pool_at = _pool_at(others.chunks)
            at, _ = _merge_rows(rows, lens, at, np.diff(others.chunk_starts), len(pool) + other_pool_at)
            cids, lens = _merge_rows(rows, lens, cids, np.diff(others.chunk_starts), others.chunk_ids)
            pool = pool + other_pool
            if cut is not None:
                ids, out_lens = _merge_rows(rows, cut[1], cut[0], np.diff(others.starts), others.ids)
                punct, _ = _merge_rows(rows, cut[1], cut[2], np.diff(others.starts), others.punct)
                cut = ids, out_lens, punct
        with self._lock:
            if analysed.strings is not self.strings:
                return None
            if cut is None:
                return self._of_chunks(_Chunks(pool, at), np.r_[0, np.cumsum(lens)], cids)
            ids, out_lens, punct = cut
            return Analysed(ids, np.r_[0, np.cumsum(out_lens)], punct, self.strings, _Chunks(pool, at),
                            np.r_[0, np.cumsum(lens)], cids, self)

    def _outputs(self, entries: np.ndarray, entry_starts: np.ndarray):
        """``(token ids, per-comment offsets, punctuation marks, (each entry's first output,
        the negated outputs, their ids before negation, their negators' entries))`` of the
        comments' entries."""
        kind = self._kind.array[entries]
        out_len = self._out_len.array[entries]
        ids = self._outs.array[ranges(self._out_start.array[entries], out_len)]
        punct = np.repeat(self._punct.array[entries].astype(bool), out_len)
        out_at = np.r_[0, np.cumsum(out_len)]
        starts = out_at[entry_starts]
        negated, neg_at = _negated(kind, entry_starts)
        where = out_at[negated + 1] - 1  # a word entry has one output
        plain = ids[where]
        if len(negated):
            keys = (plain << _PREFIX_BITS) | self._prefix.array[entries[neg_at]]
            ids[where] = self._negated_ids(keys)
        return ids, starts, punct, (out_at, where, plain, neg_at)

    def _negated_ids(self, keys: np.ndarray) -> np.ndarray:
        """Token ids of ``prefix + lemma`` for ``(lemma id << bits) | prefix`` keys."""
        uniq, inverse = np.unique(keys, return_inverse=True)
        table = self._negated
        out = np.empty(len(uniq), dtype=np.int64)
        for k, key in enumerate(uniq.tolist()):
            found = table.get(key)
            if found is None:
                prefix = self.strings[self._prefixes[key & ((1 << _PREFIX_BITS) - 1)]]
                found = table[key] = self._id(prefix + self.strings[key >> _PREFIX_BITS])
            out[k] = found
        return out[inverse.ravel()]


_SHARED: dict[tuple, BatchAnalyzer] = {}
_SHARED_LOCK = threading.Lock()


def batch_analyzer_for(analyzer: Any) -> BatchAnalyzer | None:
    """The process's shared :class:`BatchAnalyzer` with ``analyzer``'s settings (one for the
    classifier's and the sentiment model's analyzers when only ``keep_punct`` differs), or
    None when ``analyzer`` is not a :class:`TextAnalyzer` (a user's own callable).

    >>> batch_analyzer_for(TextAnalyzer()) is batch_analyzer_for(TextAnalyzer(keep_punct=True))
    True
    >>> batch_analyzer_for(str.split) is None
    True
    """
    if type(analyzer) is not TextAnalyzer:
        return None
    key = tuple(sorted((k, v) for k, v in analyzer.get_params().items() if k != "keep_punct"))
    with _SHARED_LOCK:
        found = _SHARED.get(key)
        if found is None:
            found = _SHARED[key] = BatchAnalyzer(analyzer)
    return found


class _Chunks(Sequence):
    """``[pool[k] for k in at]``, read only where needed (the words of a batch, read by index
    mostly for their first sight: ``pool`` holds each distinct word once, as Arrow's kernels give
    them, and a list of them all would cost more than their analysis)."""

    def __init__(self, pool: list, at: np.ndarray):
        self.pool, self.at = pool, at

    def __len__(self) -> int:
        return len(self.at)

    def __getitem__(self, i):
        if isinstance(i, slice):
            pool = self.pool
            return [pool[k] for k in self.at[i].tolist()]
        return self.pool[int(self.at[i])]

    def __iter__(self):
        return iter(_as_list(self))


def _as_list(chunks) -> list:
    """``chunks`` (a list or :class:`_Chunks`) as a list."""
    if isinstance(chunks, _Chunks):
        return list(map(chunks.pool.__getitem__, chunks.at.tolist()))
    return chunks


def _pool_at(chunks) -> tuple[list, np.ndarray]:
    """``(pool, at)`` with ``chunks[k] == pool[at[k]]``."""
    if isinstance(chunks, _Chunks):
        return chunks.pool, chunks.at
    return list(chunks), np.arange(len(chunks), dtype=np.int64)


def _window(chunks, a: int, b: int):
    """``chunks[a:b]``, without building the list for :class:`_Chunks`."""
    return _Chunks(chunks.pool, chunks.at[a:b]) if isinstance(chunks, _Chunks) else chunks[a:b]


class _Trace(NamedTuple):
    """Where each chunk's entries (``entry_at``, one more at the end) and each entry's outputs
    (``out_at``) start in an analysis, and its negated outputs: their positions, their ids
    before negation and the entries of their negators."""

    entry_at: np.ndarray
    out_at: np.ndarray
    negated: np.ndarray
    plain: np.ndarray
    negator: np.ndarray


def _cut_outputs(analysed: Analysed, spans: np.ndarray):
    """``(token ids, their number per piece, punctuation marks)`` of the pieces (runs of
    chunks ``spans``) of ``analysed``: its outputs over each piece's entries, except that a
    word negated by a negator before its piece is not negated in the piece alone. Within a
    piece nothing else differs: a word's negation depends only on what lies between it and the
    last negator before it."""
    tr = analysed.trace
    first, end = tr.entry_at[spans[:, 0]], tr.entry_at[spans[:, 1]]
    o0, o1 = tr.out_at[first], tr.out_at[end]
    lens = o1 - o0
    take = ranges(o0, lens)
    ids, punct = analysed.ids[take], analysed.punct[take]
    if len(tr.negated) and len(spans):
        k = np.maximum(np.searchsorted(o0, tr.negated, side="right") - 1, 0)  # the piece holding it, if any
        fix = (o0[k] <= tr.negated) & (tr.negated < o1[k]) & (tr.negator < first[k])
        ids[(np.cumsum(lens) - lens)[k[fix]] + tr.negated[fix] - o0[k[fix]]] = tr.plain[fix]
    return ids, lens, punct


def _merge_rows(rows: np.ndarray, lens: np.ndarray, values: np.ndarray, other_lens: np.ndarray,
                other_values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows of ``lens[i]`` values each and rows of ``other_lens[j]`` each, the latter placed
    where ``rows`` is true: ``(the values in row order, the number per row)``."""
    all_lens = np.zeros(len(rows), dtype=np.int64)
    all_lens[~rows], all_lens[rows] = lens, other_lens
    mine = np.repeat(~rows, all_lens)
    out = np.empty(len(mine), dtype=values.dtype)
    out[mine], out[~mine] = values, other_values
    return out, all_lens


def _slice_pieces(pieces, a: int, b: int, chunk_offset: int):
    """``Analysed.pieces`` of comments ``a`` to ``b - 1``."""
    if pieces is None:
        return None
    spans, counts = pieces
    first = np.r_[0, np.cumsum(counts)]
    return spans[first[a] : first[b]] - chunk_offset, counts[a:b]


def _negated(kind: np.ndarray, doc_starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the word entries a negator marks and of the negator marking each.

    As ``TextAnalyzer`` walks: a negator opens a scope that the next word takes; a word, a
    clause word or punctuation (``_OTHER``) ends it; more than ``NEG_WINDOW`` skippable words
    ("the", "very") end it too; a dropped stop word does nothing.
    """
    m = len(kind)
    if m == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    pos = np.arange(m, dtype=np.int64)
    last_neg = np.maximum.accumulate(np.where(kind == _NEG, pos, -1))
    is_word = kind == _WORD
    ends = np.maximum.accumulate(np.where(is_word | (kind == _OTHER), pos, -1))
    ends_before = np.r_[-1, ends[:-1]]
    skips = np.cumsum(kind == _SKIP)
    doc_start = np.repeat(doc_starts[:-1], np.diff(doc_starts))
    safe = np.maximum(last_neg, 0)
    hit = (is_word & (last_neg >= doc_start) & (ends_before < last_neg)
           & (skips - skips[safe] <= NEG_WINDOW))
    at = np.flatnonzero(hit)
    return at, last_neg[at]
