"""Bilingual text processing: what the classifier and analysts rely on."""

import math
import pickle

import joblib
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import feedback_classifier.lang as lang_pkg
from feedback_classifier.lang import (
    PLACEHOLDERS,
    TextAnalyzer,
    analyze_text,
    analyze_texts,
    detect_language,
    normalize,
    tokenize,
)

# ---------------------------------------------------------------- language detection


@pytest.mark.parametrize(
    ("comment", "lang"),
    [
        ("The courier was late and rude", "en"),
        ("Курьер опоздал и нагрубил", "ru"),
        ("Заказ через app пришёл поздно, tracking не работал", "ru"),  # majority script
        ("Great app, but доставка slow", "en"),
        ("", "und"),
        ("   ", "und"),
        ("12345 67 !!! 👍", "und"),
        (None, "und"),
        (float("nan"), "und"),
        (42, "und"),
    ],
)
def test_detect_language(comment, lang):
    assert detect_language(comment) == lang


def test_explicit_lang_breaks_ties_for_mixed_script_words():
    # Latin "c" + Cyrillic "о": one letter of each script is a tie
    word = "c\u043e"
    assert normalize(word, lang="en") == "co"
    assert normalize(word, lang="ru") == "\u0441\u043e"
    # otherwise the word's majority script wins: Latin c inside "cпасибо"
    assert normalize("cпасибо", lang="en") == "спасибо"
    assert analyze_text("cпасибо") == ["спасибо"]


# ---------------------------------------------------------------- normalisation


def test_yo_and_case_are_folded():
    assert normalize("ЁЖИК Ещё ВСЁ") == "ежик еще все"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("see https://shop.example.com/a?b=1, thanks", "see _url_ , thanks"),
        ("зайдите на www.shop.ru/help.", "зайдите на _url_ ."),
        ("ozon.ru is better", "_url_ is better"),
        ("write to support@shop.ru or ivan.petrov+x@mail.example.com", "write to _email_ or _email_"),
        ("звоните +7 (912) 345-67-89", "звоните _phone_"),
        ("call 8-800-555-35-35 now", "call _phone_ now"),
        ("us line 555-123-4567", "us line _phone_"),
        # each phone form, and numbers that are no phone (the cheap pre-check must let them through / not)
        ("call (912) 345-67-89 today", "call _phone_ today"),
        ("доб. 345-67-89", "доб. _phone_"),
        ("uk +44 20 7946 0958", "uk _phone_"),
        ("paid 20 then 35, 2 days", "paid _num_ then _num_ , _num_ days"),
        ("ok :-( but :D", "ok 🙁 but 😀"),
        ("спасибо))) (( жаль", "спасибо 🙂 🙁 жаль"),
        ("a(b) c:d", "a(b) c:d"),
        ("waited 3 days and paid 1,500.50", "waited _num_ days and paid _num_"),
        ("ждал 5дней", "ждал _num_ дней"),
        ("заказ № 123", "заказ # _num_"),  # "№" must not turn into the negator "no"
        ("12.05.2024", "_num_"),
    ],
)
def test_masks(raw, expected):
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("sooooo goooood", "soo good"),
        ("ооочень долгооо", "оочень долгоо"),
        ("too good", "too good"),  # runs of two are real spelling
        ("!!!!!", "!!!!!"),  # only letters are squeezed
    ],
)
def test_squeeze_repeated_letters(raw, expected):
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("👍🏽 👍🏿 👍", "👍 👍 👍"),  # skin tones folded
        ("❤️ ❤", "❤ ❤"),  # variation selector folded
        ("👩🏽\u200d💻 rocks", "👩 rocks"),  # ZWJ sequence folds to its head
        ("спасибо)))", "спасибо 🙂"),
        ("ужас((( :-(", "ужас 🙁 🙁"),
        ("ok :) :D", "ok 🙂 😀"),
    ],
)
def test_emoji_folding(raw, expected):
    assert normalize(raw) == expected


def test_each_emoji_is_one_token():
    assert analyze_text("great👍👍🏼app🇷🇺") == ["great", "👍", "👍", "app", "🇷🇺"]


def test_placeholders_survive_tokenisation_as_one_token():
    for placeholder in PLACEHOLDERS:
        assert tokenize(f"a {placeholder}, b") == ["a", placeholder, ",", "b"]
        assert analyze_text(f"x{placeholder}y") == ["x", placeholder, "y"] or placeholder in analyze_text(f"x {placeholder} y")


def test_tokenize_keeps_hyphenated_words_and_splits_punctuation():
    assert tokenize("что-то wi-fi, (ok)!") == ["что-то", "wi-fi", ",", "(", "ok", ")", "!"]


def test_soft_hyphen_and_decomposed_letters_do_not_split_words():
    decomposed_i_kratkoe = "и\u0306"
    assert analyze_text("достав\u00adка") == ["доставка"]
    assert analyze_text(f"мо{decomposed_i_kratkoe} заказ") == ["мой", "заказ"]


# ---------------------------------------------------------------- lemmatisation


@pytest.mark.parametrize(
    ("word", "lemma"),
    [("deliveries", "delivery"), ("was", "be"), ("couriers", "courier"), ("ordered", "order")],
)
def test_english_lemmas(word, lemma):
    assert analyze_text(word) == [lemma]


@pytest.mark.parametrize(
    ("word", "lemma"),
    [("доставили", "доставить"), ("курьеры", "курьер"), ("заказов", "заказ"), ("привезли", "привезти")],
)
def test_russian_lemmas(word, lemma):
    assert analyze_text(word) == [lemma]


def test_english_lemmas_are_spacy_lookups_lemma_lookup():
    from spacy.lookups import load_lookups

    table = load_lookups("en", ["lemma_lookup"]).get_table("lemma_lookup")
    for word in ["deliveries", "was", "better", "arrived", "boxes", "children", "took"]:
        assert analyze_text(word) == [table.get(word, word)]


def test_unknown_language_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown language 'de'"):
        analyze_text("hallo", lang="de")


def test_lemmatiser_chosen_per_token_by_script():
    # Latin words inside Russian text still get English lemmas, and vice versa
    assert analyze_text("курьеры привезли boxes") == ["курьер", "привезти", "box"]
    assert analyze_text("the deliveries курьеров", lang="en") == ["the", "delivery", "курьер"]


def test_english_clitics():
    assert analyze_text("they're rude, it's the courier's fault") == ["they", "be", "rude", "it", "the", "courier", "fault"]


# ---------------------------------------------------------------- negation


@pytest.mark.parametrize(
    ("negated", "plain", "marked"),
    [
        ("приложение не работает", "приложение работает", "не_работать"),
        ("доставка без проблем", "доставка проблем", "не_проблема"),
        ("нет ответа от поддержки", "ответа от поддержки", "не_ответ"),
        ("ни разу не опоздали", "опоздали", "не_опоздать"),
        ("the agent was not helpful", "the agent was helpful", "not_helpful"),
        ("not very good", "very good", "not_good"),
        ("it doesn't work", "it works", "not_work"),
        ("it dont work", "it works", "not_work"),
        ("courier never came", "courier came", "not_come"),
        ("I can't log in", "I log in", "not_log"),
        ("no response at all", "response", "not_response"),
        ("delivered without a receipt", "delivered a receipt", "not_receipt"),
    ],
)
def test_negation_marks_the_next_content_word(negated, plain, marked):
    neg, pos = analyze_text(negated), analyze_text(plain)
    assert marked in neg
    assert marked not in pos
    assert set(neg) != set(pos)
    assert marked.split("_", 1)[1] in pos  # the plain lemma is what got marked


def test_negation_scope_ends_at_punctuation_and_after_one_word():
    assert analyze_text("no, the courier was polite") == ["no", "the", "courier", "be", "polite"]
    assert analyze_text("не работает приложение") == ["не", "не_работать", "приложение"]


def test_negation_passes_over_a_few_function_words_but_not_conjunctions():
    assert analyze_text("not at all helpful") == ["not", "at", "all", "not_helpful"]
    assert analyze_text("не в восторге") == ["не", "в", "не_восторг"]
    assert analyze_text("not fast but cheap") == ["not", "not_fast", "but", "cheap"]
    assert analyze_text("не, а быстро") == ["не", "а", "быстро"]
    # the window is three function words: the negation lapses before "store"
    assert "not_store" not in analyze_text("not to be at the store")


def test_bare_negator_can_be_dropped():
    assert TextAnalyzer(keep_negator=False)("не работает") == ["не_работать"]
    assert TextAnalyzer(keep_negator=False)("didn't arrive") == ["do", "not_arrive"]


def test_stop_words_are_kept_by_default_and_droppable():
    assert "the" in analyze_text("the courier")
    dropped = TextAnalyzer(drop_stop_words=True)("the courier was not on time и он не пришел")
    assert "the" not in dropped and "и" not in dropped
    assert "not" in dropped and "не" in dropped  # negators are never stop words
    assert "not" not in lang_pkg.STOP_WORDS and "не" not in lang_pkg.STOP_WORDS


# ---------------------------------------------------------------- robustness


@pytest.mark.parametrize("value", [None, float("nan"), math.nan, ""])
def test_missing_values_give_no_tokens(value):
    assert analyze_text(value) == []
    assert TextAnalyzer()(value) == []
    assert normalize(value) == ""


def test_pandas_missing_values_give_no_tokens():
    pd = pytest.importorskip("pandas")
    assert analyze_text(pd.NA) == []
    assert analyze_texts(pd.Series(["fine", None, pd.NA], dtype="string")) == [["fine"], [], []]


@pytest.mark.parametrize("value", [5, 3.5, -1, 10**20])
def test_numbers_do_not_crash(value):
    assert analyze_text(value) == ["_num_"] or all(t in {"_num_", "-"} for t in analyze_text(value))


def test_analyze_many_with_langs():
    assert analyze_texts(["couriers", "курьеры"], langs=["en", None]) == [["courier"], ["курьер"]]
    with pytest.raises(ValueError, match="one language per text"):
        analyze_texts(["a", "b"], langs=["en"])


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.text(alphabet=st.characters(codec="utf-8")), st.none(), st.floats(), st.integers()))
def test_analyze_never_crashes_and_returns_clean_tokens(value):
    tokens = analyze_text(value)
    assert isinstance(tokens, list)
    for token in tokens:
        assert isinstance(token, str) and token
        assert not any(ch.isspace() for ch in token)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="абвгдеёжзийклмнопрстуфхцчшщъыьэюяabcdefghijklmnopqrstuvwxyz' -.,!?()0123456789"))
def test_cached_and_fresh_analyzers_agree(value):
    # the fast path (warm caches) must give what the first, slow pass gave
    warm = TextAnalyzer()
    first = warm(value)
    assert warm(value) == first == TextAnalyzer()(value)


def test_negation_tracking_with_warm_caches_matches_a_fresh_analyzer():
    # Comments with a negator take the negation-tracking path, which uses the per-chunk
    # tables a warm analyzer has filled: its output must be the fresh analyzer's.
    texts = [
        "The courier was not polite, the box was fine and the app is not bad",
        "Курьер не приехал вовремя, но коробка целая. Приложение не работает!",
        "don't like it. never again, no refund and not even a call",
        "it's not the price, it's the very slow delivery; not happy 🙁",
    ]
    warm = TextAnalyzer()
    for text in texts:  # fill the tables with every chunk, negators included
        warm(text.replace("not ", "").replace("не ", ""))
        warm(text)
    for text in texts + [t.upper() for t in texts]:
        fresh = TextAnalyzer()
        assert warm(text) == fresh(text)
        assert warm.analyze_with_surface(text).surface == fresh.analyze_with_surface(text).surface


# ---------------------------------------------------------------- pickling / sklearn


def test_text_analyzer_pickle_round_trip_is_small_and_identical():
    analyzer = TextAnalyzer(keep_negator=False)
    comments = ["Курьеры не доставили заказ", "The app isn't working :(", None]
    before = [analyzer(c) for c in comments]  # fills the caches
    blob = pickle.dumps(analyzer)
    assert len(blob) < 500  # caches are never pickled
    restored = pickle.loads(blob)
    assert restored == analyzer
    assert [restored(c) for c in comments] == before


def test_text_analyzer_inside_tfidf_vectorizer(tmp_path):
    from sklearn.base import clone
    from sklearn.feature_extraction.text import TfidfVectorizer

    docs = ["приложение не работает", "приложение работает отлично", "not helpful at all", "very helpful staff"]
    vec = TfidfVectorizer(analyzer=TextAnalyzer()).fit(docs)
    vocab = vec.vocabulary_
    assert {"не_работать", "работать", "not_helpful", "helpful"} <= set(vocab)
    path = tmp_path / "vec.joblib"
    joblib.dump(vec, path)
    loaded = joblib.load(path)
    assert (loaded.transform(docs) != vec.transform(docs)).nnz == 0
    assert clone(vec).fit(docs).vocabulary_ == vocab
