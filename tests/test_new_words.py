"""Never-seen words handled a batch at once (lang/batch.py, model/batch_features.py) give exactly
what the word-by-word code gives: the per-comment analyzer's tokens, ``_token_entry``'s char
vectors (ids, float32 weights, squared norms), on real texts and random strings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback_classifier.lang import TextAnalyzer
from feedback_classifier.lang.batch import BatchAnalyzer
from feedback_classifier.lang.normalization import premask
from feedback_classifier.model.batch_features import char_entries
from feedback_classifier.model.features import _TextFeatures

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def _real_texts() -> list[str]:
    from feedback_classifier.model.default import EXAMPLE_SURVEY_FILE

    texts = pd.read_csv(EXAMPLE_SURVEY_FILE)["comment"].dropna().tolist()
    if SHARED.is_dir():
        for path in ("semeval2016/restaurants_en_train.csv", "semeval2016/restaurants_ru_train.csv",
                     "banking77/train.csv"):
            rows = pd.read_csv(SHARED / path)["text"].dropna().tolist()
            texts += rows[:: max(1, len(rows) // 1500)]  # ~1,500 of each, spread over the file
    return texts


@pytest.fixture(scope="module")
def texts():
    return _real_texts()


def _assert_entries_equal(features, words):
    ids, vals, lens, sq = char_entries(features, words)
    assert ids.dtype == np.int32 and vals.dtype == np.float32 and len(lens) == len(sq) == len(words)
    ends = np.cumsum(lens)
    for k, word in enumerate(words):
        _, want_ids, want_vals, want_sq = features._token_entry(word)
        a = ends[k] - lens[k]
        assert ids[a : ends[k]].tolist() == want_ids.tolist(), word
        assert vals[a : ends[k]].tobytes() == want_vals.tobytes(), word
        assert sq[k] == want_sq, word


def test_char_entries_real_words(texts):
    from feedback_classifier.model.default import default_model

    features = default_model().features_
    words = list(dict.fromkeys(w for t in texts for w in premask(t).split()))
    assert len(words) > (10_000 if SHARED.is_dir() else 1_000)
    _assert_entries_equal(features, words)


def test_char_entries_other_settings():
    docs = [["good", "food"], ["плохо", "ok!"], ["x"]]
    words = ["good", "goods", "плохой", "", "ok!!", "ё", "<x>"]
    for params in ({"char_ngrams": (1, 3)}, {"char_ngrams": (3, 5), "char_norm": "token"},
                   {"char_ngrams": (2, 6)}, {"char_ngrams": None}):  # (2, 6): keys cannot hold it
        _assert_entries_equal(_TextFeatures(min_df=1, **params).fit(docs), words)


_FEATURES = _TextFeatures(min_df=1).fit([["хороший", "доставка", "не_быстро"], ["good,", "food", "<b>", "👍"]])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(alphabet=st.sampled_from(list("goodfхорший<>!,_👍ё\ud800")) | st.characters(), max_size=12),
                max_size=30))
def test_char_entries_random(words):
    _assert_entries_equal(_FEATURES, words)


def test_batch_analysis_of_new_words_real_texts(texts):
    """A fresh analyzer meets every word new, many of them several times in one batch."""
    plain, punct = TextAnalyzer(), TextAnalyzer(keep_punct=True)
    batch = BatchAnalyzer(plain)
    for a in range(0, len(texts), 2_000):
        part = texts[a : a + 2_000]
        analysed = batch.analyse(part)
        got = [(list(d), d.surface) for d in analysed.docs(punct=True)]
        want = [(list(d), d.surface) for d in map(punct.analyze_with_surface, part)]
        assert got == want
        assert analysed.docs(punct=False, surface=False) == [plain(t) for t in part]


def _gram_keys_one_by_one(features, bits: int = 12):
    """``_GramKeys``' tables as its first version built them: a Python loop over each n-gram's characters."""
    lo, hi = features.char_ngrams
    vocab = features.char_vocab_
    chars = sorted({ord(ch) for gram in vocab for ch in gram})
    ok = hi * bits <= 60 and len(chars) < (1 << bits) and all(lo <= len(g) <= hi for g in vocab)
    keys, fids = [], []
    if ok:
        code = {c: i + 1 for i, c in enumerate(chars)}
        for gram, fid in vocab.items():
            key = len(gram) << 60
            for j, ch in enumerate(gram):
                key |= code[ord(ch)] << (bits * j)
            keys.append(key)
            fids.append(fid)
    return ok, chars, keys, fids


@pytest.mark.parametrize("settings_", ["default", "fitted", "too_long", "odd_chars"])
def test_gram_keys_built_at_once_equal_the_loop(settings_):
    from feedback_classifier.model.batch_features import _GramKeys
    from feedback_classifier.model.default import default_model

    if settings_ == "default":
        features = default_model().features_
    else:
        docs = [["good", "food"], ["bad", "ёж"], ["x\u0301y", "𝔘nicode", "a-b"]]
        ngrams = {"fitted": (2, 4), "too_long": (2, 6), "odd_chars": (1, 3)}[settings_]
        features = _TextFeatures(min_df=1, char_ngrams=ngrams).fit(docs)
    keys = _GramKeys(features)
    ok, chars, want_keys, want_fids = _gram_keys_one_by_one(features)
    assert keys.ok == ok and keys.alphabet.tolist() == chars
    if ok:
        assert keys.index.tolist() == want_keys and keys.fids.tolist() == want_fids
    assert settings_ != "too_long" or not ok  # 6 characters of 12 bits do not fit in 60
