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


_PLAIN = []


def _plain_morph():
    """A pymorphy3 analyzer of its own (pymorphy3 loads a dictionary per analyzer), whose DAWGs
    keep dawg_python's own ``similar_items``: the reference for the fast readers."""
    if not _PLAIN:
        import pymorphy3

        _PLAIN.append(pymorphy3.MorphAnalyzer())
    assert "similar_items" not in vars(_PLAIN[0].dictionary.words)
    return _PLAIN[0]


def _check_words(words):
    morph, plain = lemmas._morph(), _plain_morph()
    fast = lemmas._fast_words(morph._units[0][0])
    assert fast is not None  # dawg_python's layout: the inlined reader runs
    words_dawg = plain.dictionary.words
    for w in words:
        for _ in range(2):  # the second time from the payloads memoised per node
            assert fast.similar_items(w, morph.char_substitutes) == type(words_dawg).similar_items(
                words_dawg, w, plain.char_substitutes), w
        try:
            expected = plain.parse(w)[0].normal_form
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


def test_the_process_analyzer_reads_its_dawgs_fast():
    morph = lemmas._morph()
    dawgs = [morph.dictionary.words] + list(morph.dictionary.prediction_suffixes_dawgs)
    assert len(dawgs) > 1
    for dawg in dawgs:
        assert isinstance(vars(dawg)["similar_items"].__self__, lemmas._FastWords)


def _typos(words, n=3000):
    """Misspelt forms (one letter replaced, dropped or doubled) the dictionary mostly lacks:
    pymorphy3 then guesses through its prefix and suffix-prediction units."""
    import random

    rng = random.Random(7)
    letters = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
    out = set()
    for w in words:
        if len(w) > 3 and len(out) < n:
            i = rng.randrange(len(w))
            out.add(rng.choice((w[:i] + rng.choice(letters) + w[i + 1:], w[:i] + w[i + 1:], w[:i] + w[i] + w[i:])))
    return sorted(out)


def _survey_words():
    texts = pd.read_csv(EXAMPLE_SURVEY_FILE)["comment"].dropna().tolist()
    if SHARED_RU.is_file():
        texts += pd.read_csv(SHARED_RU)["text"].dropna().tolist()
    return sorted({w for t in texts for w in re.findall(r"[а-яё]+", t.lower())})


def test_unknown_words_guessed_as_pymorphy3_guesses():
    typos = _typos(_survey_words())
    assert len(typos) > 500
    _check_words(typos)


def test_fast_dawg_reader_nul_and_replaceable_letters():
    _check_words(["а\x00", "\x00", "е\x00е", "ее", "ёе", "еж", "ещё", "еще", "елка", "ёлка", "а-е"])


def test_suffix_prediction_dawgs_read_as_dawg_python_reads_them():
    morph, plain = lemmas._morph(), _plain_morph()
    ends = sorted({w[-k:] for w in _survey_words()[::3] + _typos(_survey_words(), 600) for k in range(1, 6)})
    ends += ["е", "ее", "ё", "ёе", "x", "-", "", "\x00", "е\x00"]
    for mine, theirs in zip(morph.dictionary.prediction_suffixes_dawgs, plain.dictionary.prediction_suffixes_dawgs,
                            strict=True):
        for end in ends:
            assert mine.similar_items(end, morph.char_substitutes) == type(theirs).similar_items(
                theirs, end, plain.char_substitutes), end


def test_english_lemma_table_read_back_from_the_cache_equals_the_json(tmp_path, monkeypatch):
    monkeypatch.setenv("FEEDBACK_CLASSIFIER_CACHE", str(tmp_path))
    source = lemmas._lookup_path("en", "lemma_lookup")
    want = lemmas._lower_case_keys(lemmas._read_json(source))
    assert want["deliveries"] == "delivery" and len(want) > 10_000
    built = lemmas._cached_table(source, lambda: lemmas._lower_case_keys(lemmas._read_json(source)))
    (cached,) = tmp_path.glob("lemmas-*.marshal")
    assert built == want
    assert lemmas._cached_table(source, lambda: {"not": "read"}) == want  # from the file, not rebuilt
    cached.write_bytes(b"\x00 damaged")
    assert lemmas._cached_table(source, lambda: {"re": "built"}) == {"re": "built"}
    cached.write_bytes(__import__("marshal").dumps({"a": 1}))  # not a str -> str table: rebuilt
    assert lemmas._cached_table(source, lambda: {"re": "built"}) == {"re": "built"}
    assert lemmas._cached_table(source, lambda: {"not": "read"}) == {"re": "built"}


def _check_prefetched(words):
    """A batch's words looked up at once (``prefetch``) give what one look-up per word gives."""
    morph, plain = lemmas._morph(), _plain_morph()
    fast = lemmas._fast_words(morph._units[0][0])
    words_dawg = plain.dictionary.words
    want = [type(words_dawg).similar_items(words_dawg, w, plain.char_substitutes) for w in words]
    for memo in ("cold", "warm"):
        if memo == "cold":
            fast._memo.clear()
        fast.prefetch(words, morph.char_substitutes)
        assert [fast.similar_items(w, morph.char_substitutes) for w in words] == want
        fast.forget()
        assert not fast._ahead
    fast.prefetch(words, {})  # other replacements: the prefetched results are not theirs
    assert [fast.similar_items(w, morph.char_substitutes) for w in words] == want
    fast.forget()


def test_prefetched_lookups_equal_one_by_one_on_real_and_odd_words():
    words = _survey_words() + _typos(_survey_words(), 1000)
    words += ["а\x00", "е\x00е", "ее", "ёе", "еж", "ещё", "еще", "елка", "ёлка", "а-е", "еееее", "x", "е", "ё", ""]
    assert len(words) > (1500 if SHARED_RU.is_file() else 1000)  # ../shared adds the SemEval words
    _check_prefetched(words + words[:50])  # repeated words too


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(list("аеёиокнлстмрвдя-")), min_size=1, max_size=12), max_size=6))
def test_prefetched_lookups_random(words):
    _check_prefetched([w.lower() for w in words])


def test_prefetch_lemmas_changes_no_lemma():
    words = _survey_words()[:3000] + _typos(_survey_words(), 300)
    lemmas._ru_lemma.cache_clear()
    one_by_one = [lemmas.lemmatize(w) for w in words]
    lemmas._ru_lemma.cache_clear()
    lemmas.prefetch_lemmas(words + ["good", "", "123"])
    assert [lemmas.lemmatize(w) for w in words] == one_by_one
    lemmas.forget_prefetched()
    assert not lemmas._fast_words(lemmas._morph()._units[0][0])._ahead


def test_a_stretched_word_costs_nothing(tmp_path):
    # «Супееее...ер» with 24 е: the batch look-up listed every е/ё spelling (2^24) and ran out of memory in
    # classify, suggest and label. In a child process with 1.5 GB of address space, as a guard.
    import subprocess
    import sys

    code = (
        "import resource; resource.setrlimit(resource.RLIMIT_AS, (1_500_000_000, 1_500_000_000))\n"
        "from feedback_classifier.lang import lemmas\n"
        "words = ['суп' + 'е' * 24 + 'р', 'н' + 'е' * 30 + 'т', 'ещё']\n"
        "lemmas.prefetch_lemmas(words)\n"
        "print([lemmas.lemmatize(w) for w in words])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-500:]
    assert "'ещё'" in done.stdout or "'еще'" in done.stdout


def test_latest_is_not_late():
    """spacy-lookups-data sends "latest" to "late": "The latest update is great" was a delivery-time complaint,
    its evidence "negative: latest"."""
    import pandas as pd

    from feedback_classifier.lang.lemmas import lemmatize_en
    from feedback_classifier.model.default import default_model
    from feedback_classifier.model.enrichment import enrich

    assert lemmatize_en("latest") == "latest" and lemmatize_en("later") == "late"
    out = enrich(pd.DataFrame({"c": ["The latest update is great", "The courier was late"]}), default_model(), "c")
    assert out["sentiment"].tolist() == ["positive", "negative"]
