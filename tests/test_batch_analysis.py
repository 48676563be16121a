"""The batch analyzer (lang/batch.py) gives exactly the per-comment analyzer's tokens."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback_classifier.lang import TextAnalyzer
from feedback_classifier.lang.batch import BatchAnalyzer, batch_analyzer_for

CORPUS = [
    "The courier was NOT polite!", "Курьеры не доставили заказ!!!", "", "   ", None, float("nan"), 42,
    "don't like it; ok,but no", "not the a an very good", "не не не the very good", "nor cheap, nor fast",
    "Не очень-то и хотелось :) www.shop.ru 8 800 555-35-35", "I wasn't happy... NOT at all 👍🏽",
    "cпасибо зa доставку", "isn't, wasn't, can't won't", "no issues", "нет проблем", "№5 не пришёл",
    "Приложение не работает,\nкурьеры грубят", "never   ever again!!!", "не  - очень хорошо", "a\u200bb c\u00add",
    "Обслуживанием НЕ довольны!!!", "it's not the best, but not bad", "😀😀 :( ((", "_url_ _foo_ __",
]
SETTINGS = [{}, {"keep_negator": False}, {"drop_stop_words": True}, {"lang": "ru"}]


def _check(texts, **params):
    plain, punct = TextAnalyzer(**params), TextAnalyzer(**params, keep_punct=True)
    analysed = BatchAnalyzer(plain).analyse(texts)
    with_punct, without = analysed.docs(punct=True), analysed.docs(punct=False)
    for text, a, b in zip(texts, with_punct, without, strict=True):
        want_a, want_b = punct.analyze_with_surface(text), plain.analyze_with_surface(text)
        assert (list(a), a.surface) == (list(want_a), want_a.surface), text
        assert (list(b), b.surface) == (list(want_b), want_b.surface), text
    assert analysed.docs(punct=False, surface=False) == [plain(t) for t in texts]


@pytest.mark.parametrize("params", SETTINGS)
def test_batch_equals_per_comment_analyzer(params):
    _check(CORPUS, **params)
    _check(CORPUS[::-1] * 2, **params)  # warm tables, other order
    _check([], **params)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(alphabet=st.sampled_from(list("ab нетnot,.!;:)( 'ёЁ-_5👍\n")) | st.characters(),
                        max_size=40), max_size=8))
def test_batch_equals_per_comment_analyzer_random(texts):
    _check(texts)


def test_shared_per_settings():
    assert batch_analyzer_for(TextAnalyzer()) is batch_analyzer_for(TextAnalyzer(keep_punct=True))
    assert batch_analyzer_for(TextAnalyzer()) is not batch_analyzer_for(TextAnalyzer(keep_negator=False))


def test_same_after_reset(monkeypatch):
    from feedback_classifier.lang import batch

    monkeypatch.setattr(batch, "_MAX_CHUNKS", 3)
    analyzer = BatchAnalyzer(TextAnalyzer())
    for _ in range(3):
        got = analyzer.analyse(CORPUS).docs(punct=False, surface=False)
        assert got == [TextAnalyzer()(t) for t in CORPUS]
