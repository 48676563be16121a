"""The Russian lemma skips pymorphy3's tag ranking only where it cannot matter, and reads pymorphy3's
word DAWG exactly as dawg_python does (lang/lemmas.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedback_classifier.lang import lemmas
from feedback_classifier.model.default import EXAMPLE_SURVEY_FILE


def test_most_likely_normal_form_is_parse_first():
    data = EXAMPLE_SURVEY_FILE.parent
    texts = pd.read_csv(EXAMPLE_SURVEY_FILE)["comment"].dropna().tolist()
    for name in ("cx_default_examples.csv", "sentiment_examples.csv"):
        frame = pd.read_csv(data / name)
        texts += frame[frame.columns[0]].dropna().astype(str).tolist()
    words = sorted({w for t in texts for w in re.findall(r"[а-яё]+(?:-[а-яё]+)*", t.lower())})
    words += ["стали", "мыла", "печь", "косой", "три", "дорогой", "уже", "ёж", "зззыкх", "кот-то"]
    assert len(words) > 1000
    morph = lemmas._morph()
    ambiguous = 0
    for w in words:
        parses = morph.parse(w)
        ambiguous += len({p.normal_form for p in parses}) > 1
        assert lemmas._most_likely_normal_form(morph, w) == parses[0].normal_form, w
    assert ambiguous > 20  # the ranked branch is exercised too


SHARED_RU = Path(__file__).resolve().parents[2] / "shared" / "data" / "semeval2016" / "restaurants_ru_train.csv"


def _check_words(words):
    morph = lemmas._morph()
    fast = lemmas._fast_words(morph._units[0][0])
    assert fast is not None  # dawg_python's layout: the inlined reader runs
    for w in words:
        assert fast.similar_items(w, morph.char_substitutes) == morph.dictionary.words.similar_items(
            w, morph.char_substitutes), w
        try:
            expected = morph.parse(w)[0].normal_form
        except ValueError:  # pymorphy3's own failure on a letter without a Unicode name
            with pytest.raises(ValueError):
                lemmas._most_likely_normal_form(morph, w)
            assert lemmas._ru_lemma(w) == w.replace("ё", "е")  # the word itself, not an error
            continue
        assert lemmas._most_likely_normal_form(morph, w) == expected, w


@pytest.mark.skipif(not SHARED_RU.is_file(), reason="../shared research data not available")
def test_fast_dawg_reader_on_real_words():
    texts = pd.read_csv(SHARED_RU)["text"].dropna().tolist()
    words = sorted({w for t in texts for w in re.findall(r"[а-яё]+(?:-[а-яё]+)*", t.lower())})
    assert len(words) > 5000
    _check_words(words)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("аеёиокнлстмрвдя-")), min_size=1, max_size=12)
       | st.tuples(st.sampled_from(list("аеёжщъ")), st.text(max_size=8)).map("".join))
def test_fast_dawg_reader_random(word):
    _check_words([word.lower()])  # as lemmatize() calls it: a word starting with a Cyrillic letter


def test_a_letter_without_a_unicode_name_does_not_stop_lemmatising():
    # pymorphy3 raised ValueError from unicodedata.name() here, and classify stopped on the file
    assert lemmas._ru_lemma("а-\U00017000") == "а-\U00017000"
