"""The whitespace chunks of normalised comments, a whole batch at once with Arrow's kernels.

``BatchAnalyzer`` needs, per comment, ``premask(text).split()``: the chunks it looks up in its
per-chunk table. In Python that is a ``premask`` call (several guards and ``lower``) and a
``str.split`` per comment, one string object per word. Most comments need nothing of
``premask`` but lower case, ``ё`` → ``е`` and the number mask: for those (the *admitted*
comments, see :data:`_ADMITTED`) Arrow's C kernels lower-case the batch, mask numbers, split at
whitespace and dictionary-encode the chunks, so that only a batch's distinct chunks become
Python strings. The other comments keep the Python path (the caller's).

A comment is admitted when every character is in :data:`_ADMITTED` and its text, read
case-blind, holds no ``://``, ``www.``, ``ftp``, dot before a top-level domain or phone-like
digit run. An admitted character is one on which ``premask`` of the character alone is its
lower case with ``ё`` → ``е``, Arrow's ``utf8_lower`` equals ``str.lower``, that NFKC keeps
and composes with nothing before it (no marks, no second halves of canonical pairs), none of
premask's translated or invisible characters, ``@``, the backtick, a digit but ``0-9``,
whitespace but ASCII's (``str.split`` also splits at ``\\x1c``-``\\x1f``, ``\\x85``, NBSP...)
or ``Σ`` (its lower case depends on the next letter). On such a text every step of
``premask`` but lower case, ``ё``, the emoticons and the number mask is the identity, lower
case maps character by character, and the emoticons and the number mask (``\\d`` is
``[0-9]`` there; the emoticons' look-arounds read whitespace as an edge) never cross
whitespace: so they are done once per distinct chunk (emoticons by premask's own regex, in
Python: few chunks hold one), and a text's chunks are those of its pieces cut at whitespace,
which is how comment parts get their runs of chunks.
"""

from __future__ import annotations

import itertools
import re
import threading
import unicodedata
from typing import NamedTuple

import numpy as np

from feedback_classifier._arrays import ranges
from feedback_classifier.lang.normalization import (
    _DIGIT_RE,
    _EMOTICON_RE,
    _PHONE_HINT_RE,
    _TLD_RE,
    _emoticon_to_emoji,
    premask,
)
from feedback_classifier.lang.normalization import _NUM_RE as _PY_NUM_RE

__all__ = ["Chunked", "Pieces", "split_batch"]

# Code point ranges (hex, inclusive) of the admitted characters (module docstring); a test
# recomputes them from the conditions over U+0000-U+052F, U+2010-U+205F, U+20A0-U+20CF,
# U+2100-U+2BFF and U+1F000-U+1FAFF (tests/test_chunking.py).
_ADMITTED = (
    "9-d 20-3f 41-5f 61-7e a1-a7 a9 ab-ac ae b0-b1 b6-b7 bb bf-12f 131 134-13e 141-148 "
    "14a-17e 180-1c3 1cd-1f0 1f4-2af 2b9-2bb 2bd-2d7 2de-2df 2e5-2ff 370-373 375-377 37b-37d 37f "
    "386 388-38a 38c 38e-3a1 3a4-3cf 3d7-3ef 3f3 3f6-3f8 3fa-482 48a-52f 2010 2012-2016 201a-2023 "
    "2027 2030-2032 2035 2038-203b 203d 203f-2046 204a-2056 2058-205e 20a0-20a7 20a9-20c0 2104 "
    "2108 2114 2117-2118 211e-211f 2123 2125 2127 2129 212e 2132 213a 2141-2144 214a-214f "
    "2183-2184 218a-218b 2190-222b 222e 2231-2328 232b-2426 2440-244a 2500-2775 2794-2a0b "
    "2a0d-2a73 2a77-2adb 2add-2b73 2b76-2b95 2b97-2bff 1f000-1f02b 1f030-1f093 1f0a0-1f0ae "
    "1f0b1-1f0bf 1f0c1-1f0cf 1f0d1-1f0f5 1f10d-1f10f 1f12f 1f150-1f169 1f16d-1f18f 1f191-1f1ad "
    "1f1e6-1f1ff 1f260-1f265 1f300-1f3fa 1f400-1f6d7 1f6dd-1f6ec 1f6f0-1f6fc 1f700-1f773 "
    "1f780-1f7d8 1f7e0-1f7eb 1f7f0 1f800-1f80b 1f810-1f847 1f850-1f859 1f860-1f887 1f890-1f8ad "
    "1f8b0-1f8b1 1f900-1fa53 1fa60-1fa6d 1fa70-1fa74 1fa78-1fa7c 1fa80-1fa86 1fa90-1faac "
    "1fab0-1faba 1fac0-1fac5 1fad0-1fad9 1fae0-1fae7 1faf0-1faf6"
)
_TLDS = "com|ru|net|org|io|info|biz|su|рф|ua|by|kz|uk|de|me|app|shop|store|online|co"
# What premask would mask or map beyond lower case, read case-blind on the text as it comes (the
# admitted characters whose lower case is a letter of these are that letter's two cases): a
# superset of premask's own tests (no look-arounds; the phone hint's \s is ASCII whitespace
# here), so a text that passes needs none of those steps.
_LOWER_BAD_RE = (r"(?i:://|www\.|ftp|\.(?:" + _TLDS
                 + r")|[0-9][0-9\t\n\x0b\x0c\r ().+-]{5,}[0-9])")
_NUM_RE = r"[0-9]+(?:[.,][0-9]+)*"  # _PY_NUM_RE where the only digits are 0-9
# A chunk that may hold an emoticon (each one holds this): normalised by premask's own regex.
_EMOTICON_HINT = r"[:;=]-?[()d]|\)\)|\(\("


def admitted_ranges() -> list[tuple[int, int]]:
    """The admitted code point ranges, ``(first, last)``.

    >>> admitted_ranges()[:3]
    [(9, 13), (32, 63), (65, 95)]
    """
    out = []
    for item in _ADMITTED.split():
        a, _, b = item.partition("-")
        out.append((int(a, 16), int(b or a, 16)))
    return out


class _Kernels:
    """The regex patterns and the check, made once per process, that Arrow lower-cases every
    admitted character as Python does (else the fast path stays off)."""

    _lock = threading.Lock()
    _made: _Kernels | None = None

    def __init__(self):
        import pyarrow as pa
        import pyarrow.compute as pc

        self.pa, self.pc = pa, pc
        ranges = admitted_ranges()
        cls = "".join(f"\\x{{{a:x}}}" if a == b else f"\\x{{{a:x}}}-\\x{{{b:x}}}" for a, b in ranges)
        self.bad = "[^" + cls + "]|" + _LOWER_BAD_RE
        chars = "".join(chr(c) for a, b in ranges for c in range(a, b + 1))
        self.usable = pc.utf8_lower(pa.array([chars])).to_pylist()[0] == chars.lower()

    @classmethod
    def get(cls) -> _Kernels:
        with cls._lock:
            if cls._made is None:
                cls._made = cls()
            return cls._made


class Chunked(NamedTuple):
    """:func:`split_batch`'s result: the admitted texts ``fast`` (indices), their chunks as
    ``pool[at[k]]`` (``pool``: the distinct chunks), ``counts[j]`` chunks of text ``fast[j]``;
    with pieces, ``spans`` (rows ``(first, end)``, relative to the text's first chunk) are the
    pieces' runs of chunks and ``piece_counts[j]`` their number per admitted text."""

    fast: np.ndarray
    pool: list
    at: np.ndarray
    counts: np.ndarray
    spans: np.ndarray
    piece_counts: np.ndarray


def _none() -> Chunked:
    empty = np.zeros(0, dtype=np.int64)
    return Chunked(empty, [], empty, empty, np.zeros((0, 2), dtype=np.int64), empty)


def split_batch(texts: list, pieces: Pieces | list | None = None) -> Chunked:
    """``premask(text).split()`` of the admitted ``texts`` (strings; module docstring), and the
    runs of those chunks that the given pieces hold (``pieces``: the ``(start, end)`` offsets of
    some pieces of the texts, each next to whitespace or an edge, as ``BatchAnalyzer.analyse``
    takes them: :class:`Pieces` or per text None or a list of pairs).

    >>> c = split_batch(["Ёлки, 3 DAYS late. Rude", "Ok:) www.shop.ru", ""], [[(0, 18), (19, 23)], None, None])
    >>> c.fast.tolist(), [c.pool[k] for k in c.at], c.counts.tolist()
    ([0, 2], ['елки,', '_num_', 'days', 'late.', 'rude'], [5, 0])
    >>> [split_batch(["ok:) да))) 5"]).pool[k] for k in split_batch(["ok:) да))) 5"]).at]
    ['ok:)', 'да', '🙂', '_num_']
    >>> c.spans.tolist(), c.piece_counts.tolist()
    ([[0, 4], [4, 5]], [2, 0])
    """
    k = _Kernels.get()
    if not texts or not k.usable:
        return _none()
    pa, pc = k.pa, k.pc
    try:
        arr = pa.array(texts, type=pa.large_string())
    except (pa.ArrowException, UnicodeError):  # lone surrogates: the Python path reads them
        return _none()
    fast = np.flatnonzero(~np.asarray(pc.match_substring_regex(arr, k.bad), dtype=bool))
    if not len(fast):
        return _none()
    if len(fast) < len(texts):
        arr = arr.take(pa.array(fast))
    pieces = pieces if pieces is None or isinstance(pieces, Pieces) else Pieces.of(pieces)
    if pieces is not None and pieces.words is not None and len(pieces.spans):
        found = _by_words(k, arr, fast, pieces.take(fast))
        if found is not None:
            return found
    counts, cuts = _cuts(pieces, fast)
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset : arr.offset + len(arr) + 1]
    bounds, first_unit = _unit_bounds(arr, offsets, counts, cuts)
    units = pa.LargeStringArray.from_buffers(len(bounds) - 1, pa.py_buffer(bounds), arr.buffers()[2])
    lists = pc.ascii_split_whitespace(units)
    encoded = lists.flatten().dictionary_encode()
    # lower case, ё and the number mask are local to a chunk: done once per distinct chunk
    pool, start, length = _normalised(k, encoded.dictionary)
    at = np.asarray(encoded.indices, dtype=np.int64)
    lens = length[at]
    words = np.r_[0, np.cumsum(lens)][np.asarray(lists.offsets, dtype=np.int64)]
    at = start[at] if (lens == 1).all() else ranges(start[at], lens)
    text_words = words[first_unit]
    spans = np.zeros((0, 2), dtype=np.int64)
    if len(cuts):
        owner = np.repeat(np.arange(len(fast)), counts)
        unit = first_unit[:-1][owner] + 1 + 2 * (np.arange(len(owner)) - np.repeat(np.cumsum(counts) - counts, counts))
        spans = np.stack([words[unit], words[unit + 1]], axis=1) - text_words[:-1][owner, None]
    return Chunked(fast, pool, at, np.diff(text_words), spans, counts)


def _by_words(k: _Kernels, arr, fast: np.ndarray, pieces: Pieces) -> Chunked | None:
    """:func:`split_batch` of the admitted texts ``arr`` when the pieces' words are known
    (``Pieces.words``): each text split whole, a piece's run of chunks read from its words'
    (admitted text has only ASCII whitespace, where both str.split and Arrow cut). None if a
    piece's words run past its text's."""
    pc = k.pc
    lists = pc.ascii_split_whitespace(arr)
    first = np.asarray(lists.offsets, dtype=np.int64)  # each text's first raw chunk
    owner = np.repeat(np.arange(len(fast)), pieces.counts)
    encoded = lists.flatten().dictionary_encode()
    at = np.asarray(encoded.indices, dtype=np.int64)
    # Arrow gives an empty first chunk for a text starting with whitespace (str.split none)
    empty = np.asarray(pc.binary_length(encoded.dictionary)) == 0
    lead = empty[at[np.minimum(first[:-1], max(len(at) - 1, 0))]] if len(at) else np.zeros(len(fast), dtype=bool)
    words = pieces.words + lead[owner][:, None]
    if len(owner) and (words[:, 1] > (first[1:] - first[:-1])[owner]).any():
        return None
    pool, start, length = _normalised(k, encoded.dictionary)
    lens = length[at]
    chunk_at = np.r_[0, np.cumsum(lens)]  # raw chunk -> its first chunk after normalising
    at = start[at] if (lens == 1).all() else ranges(start[at], lens)
    text_words = chunk_at[first]
    spans = chunk_at[first[owner][:, None] + words] - text_words[owner][:, None]
    return Chunked(fast, pool, at, np.diff(text_words), spans.reshape(-1, 2), pieces.counts)


def _normalised(k: _Kernels, raw) -> tuple[list, np.ndarray, np.ndarray]:
    """``(pool, start, length)``: distinct raw chunk ``e`` is, normalised, the chunks
    ``pool[start[e]:start[e] + length[e]]`` (none for an empty one, several where the number
    mask or an emoticon splits it: ``"5kg"`` is ``_num_``, ``kg``)."""
    pa, pc = k.pa, k.pc
    low = pc.replace_substring(pc.utf8_lower(raw), "ё", "е")
    start = np.arange(len(low), dtype=np.int64)
    length = (np.asarray(pc.binary_length(low)) > 0).astype(np.int64)
    emoticon = np.asarray(pc.match_substring_regex(low, _EMOTICON_HINT), dtype=bool)
    digit = np.asarray(pc.match_substring_regex(low, "[0-9]"), dtype=bool) & ~emoticon
    pool = low.to_pylist()
    if digit.any():
        masked = pc.ascii_split_whitespace(pc.replace_substring_regex(low.filter(pa.array(digit)), _NUM_RE, " _num_ "))
        flat = masked.flatten()
        kept = np.asarray(pc.binary_length(flat)) > 0
        cum = np.r_[0, np.cumsum(kept)]
        bounds = cum[np.asarray(masked.offsets, dtype=np.int64)]
        start[digit] = len(pool) + bounds[:-1]
        length[digit] = np.diff(bounds)
        pool += flat.filter(pa.array(kept)).to_pylist()
    for e in np.flatnonzero(emoticon).tolist():  # few distinct chunks: premask's own steps
        words = _EMOTICON_RE.sub(_emoticon_to_emoji, pool[e])
        words = _PY_NUM_RE.sub(" _num_ ", words).split() if _DIGIT_RE.search(words) else words.split()
        start[e], length[e] = len(pool), len(words)
        pool += words
    return pool, start, length


class Pieces(NamedTuple):
    """Pieces of a batch's texts as arrays (what ``BatchAnalyzer.analyse`` also takes as a list):
    ``counts[i]`` pieces of text ``i`` (0: none given) and their ``(start, end)`` rows in
    ``spans``, text after text.

    >>> Pieces.of([[(0, 4), (5, 9)], None]).counts.tolist(), Pieces.of([None, [[1, 2]]]).lists()
    ([2, 0], [None, [[1, 2]]])
    """

    counts: np.ndarray
    spans: np.ndarray
    # optional: per piece its whitespace-separated words (first, end), counted from its text's
    # first, as str.split of the raw text counts them (what the caller found with the offsets)
    words: np.ndarray | None = None

    @classmethod
    def of(cls, pieces: list) -> Pieces:
        """The arrays of a list of per-text pieces (None or ``(start, end)`` pairs)."""
        counts = np.fromiter((0 if p is None else len(p) for p in pieces), dtype=np.int64, count=len(pieces))
        flat = itertools.chain.from_iterable(itertools.chain.from_iterable(p for p in pieces if p))
        return cls(counts, np.fromiter(flat, dtype=np.int64, count=2 * int(counts.sum())).reshape(-1, 2))

    def take(self, rows: np.ndarray) -> Pieces:
        """The pieces of texts ``rows``."""
        first = np.cumsum(self.counts) - self.counts
        at = ranges(first[rows], self.counts[rows])
        return Pieces(self.counts[rows], self.spans[at], None if self.words is None else self.words[at])

    def lists(self) -> list:
        """Per text None or its pieces as ``[start, end]`` lists."""
        spans, bounds = self.spans.tolist(), np.r_[0, np.cumsum(self.counts)].tolist()
        return [spans[a:b] or None for a, b in zip(bounds, bounds[1:])]


def _cuts(pieces: Pieces | None, fast: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per admitted text its number of pieces, and all the pieces' offsets flat (two each)."""
    if pieces is None:
        return np.zeros(len(fast), dtype=np.int64), np.zeros(0, dtype=np.int64)
    mine = pieces.take(fast)
    return mine.counts, mine.spans.ravel()


def _unit_bounds(low, offsets: np.ndarray, counts: np.ndarray, cuts: np.ndarray):
    """Byte offsets of the units (each text cut at its pieces' offsets: before the first piece,
    the piece, up to the next, ..., after the last) and each text's first unit (and the end)."""
    n = len(offsets) - 1
    first_unit = np.arange(n + 1, dtype=np.int64)
    first_unit[1:] += 2 * np.cumsum(counts)
    if not len(cuts):
        return offsets.copy(), first_unit
    owner = np.repeat(np.arange(n), 2 * counts)
    data = np.frombuffer(low.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    if len(data) and data.max() >= 0x80:  # code point offsets -> byte offsets
        starts = np.r_[np.flatnonzero((data & 0xC0) != 0x80) + offsets[0], offsets[-1]]
        base = np.searchsorted(starts, offsets[:-1])
        at = starts[base[owner] + cuts]
    else:
        at = offsets[:-1][owner] + cuts
    bounds = np.empty(first_unit[-1] + 1, dtype=np.int64)
    is_cut = np.ones(len(bounds), dtype=bool)
    is_cut[first_unit] = False
    bounds[first_unit] = offsets
    bounds[is_cut] = at
    return bounds, first_unit


# Outside these (ASCII but the backtick, Latin-1 but the soft hyphen and the acute accent,
# Latin but the modifier apostrophe, Greek, Cyrillic, dashes), characters premask may translate, fold or drop, or decimal
# digits other than 0-9: such a text is not read piecewise (a cheap, conservative test).
_NOT_LOCAL_RE = re.compile(r"[^\x00-\x5f\x61-\x7f\u00a0-\u00ac\u00ae-\u00b3\u00b5-\u02bb\u02bd-\u04ff\u2010-\u2015]")


def _piecewise(text: str) -> bool:
    """Whether ``premask`` of ``text`` equals its pieces' ``premask`` joined by the (whitespace)
    separators, for any pieces split at whitespace. Every step of ``premask`` is local to
    whitespace-free runs (character maps, NFKC: whitespace never composes; masks whose matches
    hold no whitespace and whose look-arounds treat whitespace as a string's edge; lower case:
    the final sigma looks past no whitespace; the emoji fold of a text with dashes changes
    nothing) except three, excluded here: the phone mask (a phone number may hold spaces: no
    text where even the raw characters hint at one; masks and case only break such runs), the
    digit guard of the number mask (``[0-9]``, while numbers are any decimal digits: no other
    digits) and characters that NFKC, the invisible-character removal or the emoji fold would
    change (they could join or make digits)."""
    if not text.isascii() and (_NOT_LOCAL_RE.search(text) or not unicodedata.is_normalized("NFKC", text)):
        return False
    return _DIGIT_RE.search(text) is None or _PHONE_HINT_RE.search(text) is None


def chunked(texts: list, pieces: Pieces | list | None):
    """``(pool, at, chunk_starts, marks)``: the texts' chunks after ``premask`` as ``pool[at[k]]``,
    each text's first chunk, and with ``pieces`` the ``(spans, counts)`` of ``Analysed.pieces``.
    Admitted texts are split by Arrow's kernels (:func:`split_batch`), the others by
    ``premask`` and ``str.split`` (piece by piece where :func:`_piecewise` holds)."""
    if pieces is not None and not isinstance(pieces, Pieces):
        pieces = Pieces.of(pieces)
    fast = split_batch(texts, pieces)
    n = len(texts)
    slow = np.ones(n, dtype=bool)
    slow[fast.fast] = False
    slow_at = np.flatnonzero(slow)
    if len(slow_at) and pieces is not None:
        splits, rel, slow_pieces = _split_pieces([texts[i] for i in slow_at.tolist()], pieces.take(slow_at).lists())
    else:
        splits, rel, slow_pieces = [premask(texts[i]).split() for i in slow_at.tolist()], [], []
    counts = np.zeros(n, dtype=np.int64)
    counts[fast.fast] = fast.counts
    counts[slow_at] = np.fromiter(map(len, splits), dtype=np.int64, count=len(splits))
    chunk_starts = np.r_[0, np.cumsum(counts)]
    pool = fast.pool
    at = np.empty(int(chunk_starts[-1]), dtype=np.int64)
    from_slow = np.repeat(slow, counts)
    at[~from_slow] = fast.at
    at[from_slow] = np.arange(len(pool), len(pool) + int(from_slow.sum()))
    if len(slow_at):
        pool = pool + list(itertools.chain.from_iterable(splits))
    if pieces is None:
        return pool, at, chunk_starts, None
    per = np.zeros(n, dtype=np.int64)
    per[fast.fast] = fast.piece_counts
    per[slow_at] = slow_pieces
    owners = np.r_[np.repeat(fast.fast, fast.piece_counts), np.repeat(slow_at, slow_pieces)]
    order = np.argsort(owners, kind="stable")
    rel = np.concatenate([fast.spans, np.asarray(rel, dtype=np.int64).reshape(-1, 2)])[order]
    return pool, at, chunk_starts, (rel + chunk_starts[owners[order]][:, None], per)


def _split_pieces(texts: list, pieces: list) -> tuple[list, list, list]:
    """Each text's words after ``premask``, the given pieces' word offsets (relative to the
    text's first word, flat) and their number per text (see :meth:`BatchAnalyzer.analyse`)."""
    splits, rel, counts = [], [], []
    for text, spans in zip(texts, pieces):
        words = None if spans is None else _piece_words(text, spans)
        if words is None:
            splits.append(premask(text).split())
            counts.append(0)
            continue
        flat: list = []
        for k, own in enumerate(words):
            if k % 2:  # a piece (between the runs of text around the pieces)
                rel.append(len(flat))
                rel.append(len(flat) + len(own))
            flat += own
        splits.append(flat)
        counts.append(len(spans))
    return splits, rel, counts


def _piece_words(text: str, spans: list) -> list | None:
    """The words of ``premask`` of the text before the first piece, the first piece, the text
    up to the next piece, ... the text after the last one (``spans``: the pieces' ``(a, b)``),
    whose concatenation is the words of ``premask(text)``; None when that is not provably so
    (:func:`_piecewise`)."""
    if not _piecewise(text):
        return None
    cuts = [0]
    for a, b in spans:
        cuts += (a, b)
    cuts.append(len(text))
    # Common case: premask only lower-cases (and maybe masks numbers): one pass over the whole
    # text, cut at the same offsets (each character maps to one, so offsets are kept).
    s = text.replace("`", "'") if "`" in text else text  # only an ASCII text gets here with one
    s = s.lower()
    if "ё" in s:
        s = s.replace("ё", "е")
    if (len(s) != len(text) or "://" in s or "www." in s or "ftp" in s or "@" in s or ":" in s or ";" in s
            or "=" in s or "))" in s or "((" in s or ("." in s and _TLD_RE.search(s))):
        # the text between two pieces is mostly the separator alone: whitespace, no words
        return [premask(text[a:b]).split() if a < b and not text[a:b].isspace() else []
                for a, b in zip(cuts, cuts[1:])]
    if _DIGIT_RE.search(s):
        sub = _PY_NUM_RE.sub
        return [sub(" _num_ ", s[a:b]).split() for a, b in zip(cuts, cuts[1:])]
    return [s[a:b].split() for a, b in zip(cuts, cuts[1:])]
