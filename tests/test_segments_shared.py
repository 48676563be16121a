"""Comment parts analysed from their comment's own analysis (model/segments.py, lang/batch.py):
exactly the analysis, and the probabilities, of the parts' texts read alone."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from feedback_classifier.lang import TextAnalyzer
from feedback_classifier.lang.batch import LazyDocs, batch_analyzer_for
from feedback_classifier.model import segments as S
from tests.test_batch_analysis import CORPUS

HARD = [
    "Call +7 912. 345 67 89 now please", "Cost 12. 345 678 90 fine ok", "Ёлки палки. Всё ПЛОХО!!! Не\nдоволен",
    "ΣΑΣ ΟΔΟΣ. ΟΔΟΣ ΣΑΣ", "www.shop.ru is bad. Email me a@b.com ok", "Not\ngood at all really", "не\nпонравилось там",
    "١٢٣ ok. 456 yes fine", "１２３ ok. ４５６ yes fine", "Wait… what happened. Rude staff", "It's fine :)  really. ok",
    "a № 5 b. c d e", "Foo\u00a0bar. Baz qux\u3000quux", "Late!!  Rude staff;  bad food\n\nno refund ever",
    "x \u0301y z. a b c", "don`t go. it’s bad ok", "not. good at all", "İstanbul trip. Was FINE", "12.5 kg. 3,000 rub ok",
    "site.com. is down again. ok fine", "a:) b. c ;) d", "wasn't\ngood, but fine really", "x\u200b1 2. 3\u200b4 56 7",
    "Came at 3pm. Left 5min later", "x1y2z. a 1.2. b 3,4,5", "ok 12. fine 7 days. 10/10 would (2) go", "а1б 2. в3 г",
]
SEPS = [". ", "! ", "\n", "? ", ".  ", " \n ", ".\r\n", "; ", ", but "]


def _joined(rng, pool, n):
    return [rng.choice(SEPS).join(rng.choice(pool) for _ in range(rng.integers(1, 4))) for _ in range(n)]


def _check_analysis(texts):
    """Piece by piece == whole; each part's run of it == the part's own analysis."""
    batch = batch_analyzer_for(TextAnalyzer())
    segs = S.segment_texts(texts)
    whole, ref = batch.analyse(texts, pieces=[s.pieces for s in segs]), batch.analyse(texts)
    assert [(list(d), d.surface) for d in whole.docs(punct=True)] == [(list(d), d.surface) for d in ref.docs(punct=True)]
    parts = [p for seg, n in zip(segs, whole.pieces[1].tolist()) if n for p in seg.parts]
    if parts:
        got = batch.parts_of(whole).docs(punct=True)
        want = batch.analyse(parts).docs(punct=True)
        assert [(list(d), d.surface) for d in got] == [(list(d), d.surface) for d in want]
    return len(parts)


def test_piecewise_analysis_corpus():
    pool = [t for t in CORPUS + HARD if isinstance(t, str)]
    assert _check_analysis(_joined(np.random.default_rng(0), pool, 400)) > 100  # the shared path ran


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(alphabet=st.sampled_from(list("ab нетnot,.!?;:)( 'ёЁΣ-_5٣１²…’`@+\u0301\u00a0👍\n\r")) |
                        st.characters(), max_size=60), max_size=8))
def test_piecewise_analysis_random(texts):
    _check_analysis(texts)


@pytest.fixture(scope="module")
def model():
    from feedback_classifier.model.default import default_model

    return default_model()


def test_parts_probabilities_identical(model):
    from feedback_classifier.model.default import EXAMPLE_SURVEY_FILE

    texts = pd.read_csv(EXAMPLE_SURVEY_FILE)["comment"].dropna().tolist()
    texts += _joined(np.random.default_rng(1), texts + HARD, 300)
    segs = S.segment_batch(texts)
    batch = batch_analyzer_for(model.analyzer_)
    analysed = batch.analyse(texts, pieces=segs.pieces())
    assert (analysed.pieces[1] > 0).sum() > 100
    docs = LazyDocs(analysed, punct=False, surface=model.features_.char_surface_)
    seg_texts = [p for t in texts for p in _first_segments(t).parts]
    assert list(segs.all_parts()) == seg_texts
    assert np.array_equal(S._parts_proba(model, segs, segs.all_parts(), docs), model.predict_proba(seg_texts))
    matcher = S.uses_parts(model).matcher
    got = S.combined_proba(model, texts, matcher=matcher, with_evidence=True, docs=docs, segments=segs)
    want = S.combined_proba(model, texts, matcher=matcher, with_evidence=True)
    assert np.array_equal(got[0], want[0]) and got[1] == want[1]


# The split as first written (model/segments.py states the faster form matches the same).
_PLAIN_SPLIT_RE = __import__("re").compile(
    r"(?<=[.!?…])\s+|[;\n\r]+|[,–—-]\s+(?=(?:but|however|also|plus|and also|and then|though|"
    r"но|однако|зато|а также|а ещё|а еще|и ещё|и еще|плюс|хотя|к тому же)\b)",
    __import__("re").IGNORECASE,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list("ab .!?…;,–—-\n\r\t\u3000") + ["but", "Но", "а ещё", "к тому же", "also"]),
                max_size=40).map("".join) | st.text(max_size=40))
@example("Late.  \t Rude;\n; staff, but ok - и ещё x… y!\r\n\r\nz")
def test_split_regex_as_first_written(text):
    assert S._SPLIT_RE.split(text) == _PLAIN_SPLIT_RE.split(text)
    assert _SPLIT_KEEP_RE.split(text)[0::2] == _PLAIN_SPLIT_RE.split(text)


# The split one comment at a time, as written before segment_batch read the whole batch at once.
_SPLIT_KEEP_RE = __import__("re").compile(f"({S._SPLIT_RE.pattern})", __import__("re").IGNORECASE)


def _first_segments(text) -> S.Segments:
    if not isinstance(text, str) or len(text) < 12:
        return S.Segments([], None, [])
    bits = _SPLIT_KEEP_RE.split(text)
    parts, keep = [], []
    for k, piece in enumerate(bits[0::2]):
        part = piece.strip()
        if part and len(part.split()) >= 2:
            parts.append(part)
            keep.append(k)
    if len(parts) <= 1:
        return S.Segments([], None, [])
    if not all(sep.isspace() for sep in bits[1::2]):
        return S.Segments(parts, None, keep)
    starts = [0, *__import__("itertools").accumulate(map(len, bits))][0::2]
    return S.Segments(parts, [(starts[k], starts[k] + len(bits[2 * k])) for k in keep], keep)


def _check_batch_split(texts):
    batch = S.segment_batch(texts)
    want = [_first_segments(t) for t in texts]
    assert S.segment_texts(texts) == want
    assert batch.pieces() == [None if w.pieces is None else [list(p) for p in w.pieces] for w in want]
    assert list(batch.all_parts()) == [p for w in want for p in w.parts]
    assert (batch.counts == 0).tolist() == [not w.parts for w in want]


_SPACES = [chr(c) for c in range(0x110000) if chr(c).isspace()]


def test_whitespace_table():
    assert all(ord(c) < S._WIDE for c in _SPACES)  # the table covers every whitespace character
    assert [chr(c) for c in np.flatnonzero(S._class_table() & S._SPACE)] == _SPACES
    # the regex's \s is str.isspace: the split and the word counts agree on what a space is
    assert [c for c in map(chr, range(0x3100)) if __import__("re").fullmatch(r"\s", c)] == _SPACES


def test_topic_letters_table():
    # the first letters of the words after a comma or dash, as the regex's IGNORECASE reads them
    words = S._SPLIT_RE.pattern.split("(?=(?:")[1].split(")")[0].split("|")
    first = __import__("re").compile("[" + "".join(w[0] for w in words) + "]", __import__("re").I).match
    table = S._class_table()
    assert [c for c in range(S._WIDE) if table[c] & S._TOPIC] == [c for c in range(S._WIDE) if first(chr(c))]
    assert not any(first(chr(c)) for c in range(S._WIDE, 0x110000))
    assert not table[S._WIDE]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(list("ab .!?…;,–—-\n\r\t\u3000\x00\x1c\u2028xBHК") +
                                ["but", "Но", "а ещё", "к тому же", "also", "ALSO", " however", ", but ", ". ", ";\n;"]),
                max_size=50).map("".join) | st.text(max_size=50))
@example(". \n;x;;\n\r- but. ;\n ,  Однако;")
def test_separators_as_finditer(text):
    joined = text.replace("\x00", "") + "\x00" + text
    u = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    cls = S._class_table()[np.minimum(u, S._WIDE)]
    space = (cls & S._SPACE).astype(bool)
    starts = np.flatnonzero(space[:-1] & ~space[1:]) + 1
    want = [x for m in S._SPLIT_RE.finditer(joined) for x in m.span()]
    assert S._separators(joined, cls, space, starts).tolist() == want


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(list("ab .!?…;,–—-\n\r\t\u3000\x00\x1c\u2028\ud800x") +
                                         ["but", "Но", "а ещё", "к тому же", "also", " however", ", but ", ". "]),
                         max_size=30).map("".join) | st.text(max_size=40) | st.none() | st.integers(), max_size=12))
@example(["Late.  \t Rude;\n; staff, but ok - и ещё x… y!\r\n\r\nz", "a b. c d. e", "x y;z w;; q r"])
def test_batch_split_as_one_at_a_time(texts):
    _check_batch_split(texts)


def test_batch_split_shared_texts():
    pool = [t for t in CORPUS + HARD if isinstance(t, str)]
    texts = pool + _joined(np.random.default_rng(2), pool, 2000)
    _check_batch_split(texts)
    assert sum(bool(_first_segments(t).parts) for t in texts) > 1000


def test_slice_keeps_the_pieces():
    texts = ["Late again. Rude staff", "ok", "Not late. Good food. Cold soup", "x; y z"]
    batch = batch_analyzer_for(TextAnalyzer())
    pieces = S.segment_batch(texts).pieces()
    got = batch.analyse(texts, pieces=pieces).slice(1, 4).pieces
    want = batch.analyse(texts[1:4], pieces=pieces[1:4]).pieces
    assert got[0].tolist() == want[0].tolist() and got[1].tolist() == want[1].tolist() == [0, 3, 0]


SHARED = __import__("pathlib").Path(__file__).resolve().parents[2] / "shared" / "data"


def _shared_texts() -> list[str]:
    texts = []
    for lang in ("en", "ru"):
        texts += pd.read_csv(SHARED / "semeval2016" / f"restaurants_{lang}_train.csv", dtype=str)["text"].tolist()
    texts += pd.read_csv(SHARED / "banking77" / "test.csv", dtype=str)["text"].tolist()
    return list(dict.fromkeys(t for t in texts if isinstance(t, str)))


def _joined_each_separator(texts: list[str], seed: int, fewest: int, per_separator: int) -> list[str]:
    """Comments of ``fewest``-3 random ``texts`` joined by each separator, as exports hold them."""
    rng = np.random.default_rng(seed)
    pool = np.array(texts, dtype=object)
    return [sep.join(pool[rng.integers(0, len(pool), rng.integers(fewest, 4))])
            for sep in SEPS + [" "] for _ in range(per_separator)]


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared research data not available")
def test_batch_split_real_sentences_joined():
    # SemEval-2016 en + ru and Banking77 sentences, alone and joined 1-3 per comment as in exports
    texts = _shared_texts()
    _check_batch_split(texts + _joined_each_separator(texts, seed=3, fewest=1, per_separator=800))


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared research data not available")
def test_piecewise_analysis_real_sentences_joined():
    # as test_batch_split_real_sentences_joined: each part's run of its comment's analysis is its own
    assert _check_analysis(_joined_each_separator(_shared_texts(), seed=4, fewest=2, per_separator=300)) > 2000


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared research data not available")
def test_junk_test_on_real_sentences_as_first_written():
    from feedback_classifier.lang.junk import is_junk
    from tests.test_pii_junk import _first_is_junk

    texts = _shared_texts() + [t.split()[0] for t in _shared_texts()[::7]]  # one-word answers too
    assert [is_junk(t) for t in texts] == [_first_is_junk(t) for t in texts]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(1, 6), min_size=1, max_size=30), st.integers(0, 2**32 - 1))
@example([70, 2, 1], 0)
def test_segment_reduce_as_reduceat(lengths, seed):
    rng = np.random.default_rng(seed)
    lengths = np.asarray(lengths)
    starts = np.r_[0, np.cumsum(lengths)[:-1]]
    values = rng.random((int(lengths.sum()), 5))
    values[rng.random(values.shape) < 0.2] = np.nan
    values[rng.random(values.shape) < 0.1] = 0.5  # ties
    for ufunc, v in ((np.fmax, values), (np.minimum, rng.integers(0, 4, values.shape))):
        assert np.array_equal(S._segment_reduce(ufunc, v, starts, lengths), ufunc.reduceat(v, starts, axis=0),
                              equal_nan=v.dtype.kind == "f")
