"""The batch chunks by Arrow's kernels (lang/chunking.py) are exactly ``premask(text).split()``,
and the pieces' runs of them exactly each piece's own ``premask(piece).split()``."""

from __future__ import annotations

import unicodedata

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from feedback_classifier.lang import chunking as C
from feedback_classifier.lang.chunking import chunked as _chunked
from feedback_classifier.lang.normalization import _PRE_TRANSLATE, premask
from feedback_classifier.model import segments as S
from tests.test_batch_analysis import CORPUS
from tests.test_segments_shared import (
    HARD,
    SHARED,
    _joined,
    _joined_each_separator,
    _shared_texts,
)

_CANDIDATES = [(0x0, 0x52F), (0x2010, 0x205F), (0x20A0, 0x20CF), (0x2100, 0x2BFF), (0x1F000, 0x1FAFF)]


def _composition_seconds() -> set[int]:
    out = set()
    for i in range(0x110000):
        d = unicodedata.decomposition(chr(i))
        if d and not d.startswith("<") and len(d.split()) == 2:
            out.add(int(d.split()[1], 16))
    return out


def _admissible(c: str, seconds: set[int]) -> bool:
    o = ord(c)
    if c in "`@" or o in _PRE_TRANSLATE or o in seconds or o == 0x3A3:
        return False
    if c.isspace():
        return c in "\t\n\x0b\x0c\r "
    cat = unicodedata.category(c)
    if cat[0] in "CM" or cat in ("Zl", "Zp"):
        return False
    if c.isdigit() or c.isdecimal() or c.isnumeric():
        return "0" <= c <= "9"
    return (unicodedata.normalize("NFKC", c) == c and len(c.lower()) == 1
            and premask(c) == c.lower().replace("ё", "е"))


def test_admitted_ranges_follow_from_the_conditions():
    pa = pytest.importorskip("pyarrow")
    import pyarrow.compute as pc

    seconds = _composition_seconds()
    chars = [chr(i) for a, b in _CANDIDATES for i in range(a, b + 1) if _admissible(chr(i), seconds)]
    lowered = pc.utf8_lower(pa.array(chars)).to_pylist()
    chars = [c for c, low in zip(chars, lowered) if low == c.lower()]  # Arrow's lower case as Python's
    got = [chr(i) for a, b in C.admitted_ranges() for i in range(a, b + 1)]
    assert got == chars
    assert C._Kernels.get().usable


def _check(texts: list, pieces: list | None = None) -> int:
    """The chunks (Arrow's for admitted texts, else Python's) equal ``premask(text).split()``; each
    piece's run equals ``premask(piece).split()`` (``pieces``: lists, or ``Pieces`` arrays, which
    may carry the pieces' words). Returns how many texts Arrow's kernels split."""
    given = pieces
    if isinstance(pieces, C.Pieces):
        pieces = pieces.lists()
    pool, at, starts, marks = _chunked(texts, given)
    chunks = [pool[k] for k in at.tolist()]
    assert [chunks[a:b] for a, b in zip(starts.tolist(), starts[1:].tolist())] == [premask(t).split() for t in texts]
    if pieces is not None:
        spans, counts = marks
        first = np.r_[0, np.cumsum(counts)]
        for i, (text, own) in enumerate(zip(texts, pieces)):
            c = int(counts[i])
            assert c in (0, len(own or ()))
            for (a, b), (s, e) in zip(own or (), spans[first[i] : first[i] + c].tolist()):
                assert chunks[s:e] == premask(text[a:b]).split()
    return len(C.split_batch(texts, given).fast)


def _pieces_of(texts):
    return S.segment_batch(texts).pieces()


def _piece_arrays_of(texts):
    """The pieces as ``enrich`` passes them: arrays carrying each piece's words."""
    pieces = S.segment_batch(texts).piece_arrays()
    assert pieces.words is not None or not len(pieces.spans)
    return pieces


def test_chunks_of_fixed_hard_texts():
    pool = [t for t in CORPUS + HARD if isinstance(t, str)]
    texts = pool + _joined(np.random.default_rng(5), pool, 400)
    assert _check(texts) > 150
    assert _check(texts, _pieces_of(texts)) > 150
    assert _check(texts, _piece_arrays_of(texts)) > 150
    assert _check(texts[:40]) and _check([]) == 0


_ODD = list("ab нетNOT,.!?;:=)(-_'ёЁΣς5٣１²…’`@+\u0301\u00a0\u3000\x0b\x0c\x1c\x1f\x85\u2028👍🏽\u200d\n\r\t") + [
    "İ", "ǅ", "ẞ", "Ⱥ", "K", "ﬁ", "ſ", "12.5", "3,000", "8 800 555 35 35", ":-)", "=D", "www.", ".ru", "ftp", "рф"]


_PLAIN = list("ab нетNOTЁё,.!?)(-_'ς5 \n\t\x0b") + ["12.5", "3,000", "2 3 4", "Σ", "kg", "👍", "ДА"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(st.sampled_from(_ODD), max_size=40).map("".join) | st.text(max_size=40)
                | st.lists(st.sampled_from(_PLAIN), max_size=40).map("".join), max_size=10))
@example(["Ок))) 5((( хорошо. ну)) ( a ) 7))8", "x:) y)) z", ":) ;-( =D :( a:) :DD 5:) =)2 :dx ;d. (:", "Ёлки 12 ПАЛКИ. Ok 3.5 kg  \t x",
          "ΣΑΣ ΟΔΟΣ. ok fine", "Ⱥb c. d e", "a\x1cb c. d e f"])
def test_chunks_of_random_texts(texts):
    _check(texts)
    _check(texts, _pieces_of(texts))
    _check(texts, _piece_arrays_of(texts))


def test_surrogates_take_the_python_path():
    texts = ["ok \ud800 fine. good food", "Fine. Good"]
    assert C.split_batch(texts).fast.tolist() == []
    _check(texts, _pieces_of(texts))


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared research data not available")
def test_chunks_of_real_sentences_alone_and_joined():
    # SemEval-2016 en + ru and Banking77 sentences, and comments joined from them as exports hold them
    texts = _shared_texts()
    assert _check(texts) > 0.85 * len(texts)
    joined = _joined_each_separator(texts, seed=6, fewest=1, per_separator=400)
    assert _check(joined, _pieces_of(joined)) > 0.8 * len(joined)
    assert _check(joined, _piece_arrays_of(joined)) > 0.8 * len(joined)
