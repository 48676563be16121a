"""Report quotes: praise under promoters, complaints under detractors, near-duplicates once,
personal data masked unless asked not to."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from feedback_classifier.lang.tone import tone_score
from feedback_classifier.render import build_report
from feedback_classifier.taxonomy import load_taxonomy

CAT = "Delivery and logistics > Courier"


@pytest.fixture(scope="module")
def tax():
    return load_taxonomy("cx-default")


def _quotes(page: str, css: str) -> list[str]:
    return re.findall(rf'<blockquote class="{css}"(?: lang="\w+")?>(.*?)<span', page)


def _page(tax, rows, **kwargs) -> str:
    df = pd.DataFrame(rows, columns=["comment", "nps"])
    df["categories"] = CAT
    df["confidence"] = 0.9
    df["needs_review"] = False
    for column, values in kwargs.pop("extra", {}).items():
        df[column] = values
    return build_report(df, tax, text_col="comment", score_col="nps", **kwargs)


def test_praise_under_promoters_and_complaints_under_detractors(tax):
    page = _page(tax, [("The courier was rude and late", 10), ("Courier was great, thank you", 9),
                       ("Courier was very late", 1), ("Courier lovely, really nice", 2)])
    assert _quotes(page, "pro") == ["Courier was great, thank you"]
    assert _quotes(page, "det") == ["Courier was very late"]


def test_category_sentiment_column_decides_the_tone(tax):
    # the word check would call both praise; the per-category sentiment says the first is a complaint
    page = _page(tax, [("Courier great but", 10), ("Courier great", 9)],
                 extra={"category_sentiment": [f"{CAT}=negative", f"{CAT}=positive"]})
    assert _quotes(page, "pro") == ["Courier great"]


def test_near_duplicates_are_quoted_once(tax):
    rows = [("Все вежливые и доброжелательные.", 10), ("Все вежливые и доброжелательные! Спасибо!", 10),
            ("Ну что сказать, все вежливые и доброжелательные", 9), ("Курьер приехал вовремя, отлично", 9)]
    assert len(_quotes(_page(tax, rows, lang="ru"), "pro")) == 2


def test_personal_data_masked_in_quotes_unless_no_mask(tax):
    rows = [("Courier never came, write to me at jo@example.com or +44 7700 900123", 0)]
    assert "jo@example.com" not in _page(tax, rows) and "[email]" in _page(tax, rows)
    assert "jo@example.com" in _page(tax, rows, mask=False)


def test_html_escaped_exports_are_quoted_as_written(tax):
    # SentiRuEval tweets come HTML-escaped (64 of 5,560: "&lt;=", "--&gt;", once twice "&amp;raquo;");
    # the report escaped them again and showed "&lt;= В том же кабинете..." to the reader
    rows = [("&lt;= Courier was late &amp; rude, &amp;raquo;AT&T&amp;laquo; &notes;", 1)]
    quote = _quotes(_page(tax, rows), "det")[0]
    assert quote == "&lt;= Courier was late &amp; rude, »AT&amp;T« &amp;notes;"  # read once, escaped once


def test_complaint_counts_of_the_bundled_sentiment_model_carry_a_caveat(tax):
    # 72% of SentiRuEval's neutral tweets were counted as complaints ("Жалоб: 980" on one card) and the
    # report said nothing of it; a model trained with --sentiment-col, or no sentiment column, has no caveat
    rows = [("Курьер опоздал", 2), ("Курьер молодец", 10)]
    extra = {"category_sentiment": [f"{CAT}=negative", f"{CAT}=positive"]}
    caveat = "Жалобы и похвалу определяет встроенная модель тональности"
    assert caveat in _page(tax, rows, lang="ru", extra=extra, model_info={"kind": "default"})
    assert "Complaints and praise come from the bundled sentiment model" in _page(
        tax, rows, extra=extra, model_info={"kind": "trained", "rows": 500, "f1": 0.7, "bundled_sentiment": True})
    taught = {"kind": "trained", "rows": 500, "f1": 0.7, "bundled_sentiment": True, "sentiment_from_scores": True}
    page = _page(tax, rows, extra=extra, model_info=taught)  # train --unlabelled-score-col without --sentiment-col
    assert "bundled sentiment model taught the words of your comments" in page
    assert "not trained on your comments" not in page
    own = {"kind": "trained", "rows": 500, "f1": 0.7, "bundled_sentiment": False}
    assert caveat not in _page(tax, rows, lang="ru", extra=extra, model_info=own)
    assert caveat not in _page(tax, rows, lang="ru", model_info={"kind": "default"})  # no counts shown


@pytest.mark.parametrize("text, sign", [("not bad at all", 1), ("didn't like it", -1), ("не понравилось", -1),
                                        ("всё отлично", 1), ("Courier was late", -1), ("Order 15", 0)])
def test_tone_sign(text, sign):
    assert (tone_score(text) > 0) - (tone_score(text) < 0) == sign


def test_card_numbers_name_their_base(tax):
    page = _page(tax, [("Courier late", 2), ("Courier great", 10), ("ok", 9)])
    assert re.search(r"\(\d+(\.\d+)?% of comments\)", page)
    assert re.search(r"\(overall −?\d", page)
    assert "Owner: Logistics</span>" in page
    ru = _page(tax, [("Курьер опоздал", 2), ("Курьер молодец", 10), ("ok", 9)], lang="ru")
    assert "Ответственный: Логистика</span>" in ru and "Logistics" not in ru  # team names translated


def test_a_sentiment_the_word_check_contradicts_is_quoted_under_neither_side(tax):
    # the sentiment model read "быстро" (fast) as praise; the request to fix it says complaint
    page = _page(tax, [("Баллы быстро сгорают. Исправьте!", 10), ("Курьер приехал вовремя, спасибо", 9),
                       ("Курьер опоздал", 1)],
                 extra={"category_sentiment": [f"{CAT}=positive", f"{CAT}=positive", f"{CAT}=negative"]})
    assert _quotes(page, "pro") == ["Курьер приехал вовремя, спасибо"]
    assert "Исправьте" not in page


def test_without_scores_cards_count_and_quote_complaints_and_praise_apart(tax):
    df = pd.DataFrame({"comment": ["Courier late again", "Courier lovely", "Courier rude", "Courier fine"],
                       "categories": CAT, "confidence": 0.9, "needs_review": False,
                       "category_sentiment": [f"{CAT}=negative", f"{CAT}=positive", f"{CAT}=negative", f"{CAT}=neutral"]})
    page = build_report(df, tax, text_col="comment")
    assert '<span>Complaints: <b class="neg">2</b> · Praise: <b class="pos">1</b></span>' in page  # the parent
    assert '<td>Courier</td><td class="num">4</td><td class="num neg">2</td><td class="num pos">1</td>' in page
    assert "<h4>Complaints</h4>" in page and "<h4>Praise</h4>" in page and "<h4>Examples</h4>" not in page
    # a neutral mention may stand under either heading; a judged one only under its own
    assert set(_quotes(page, "det")) - {"Courier fine"} == {"Courier late again", "Courier rude"}
    assert set(_quotes(page, "pro")) - {"Courier fine"} == {"Courier lovely"}
    ru = build_report(df, tax, text_col="comment", lang="ru")
    assert "<h4>Жалобы</h4>" in ru and 'Жалоб: <b class="neg">2</b>' in ru
    plain = build_report(df.drop(columns="category_sentiment"), tax, text_col="comment")
    assert "<h4>Examples</h4>" in plain and "Complaints" not in plain  # no judged tone: as before


def test_without_scores_a_quote_s_words_must_back_its_judged_tone(tax):
    # no score backs a tone-only quote: sarcasm judged praise, and a question judged a complaint, stay out
    df = pd.DataFrame({"comment": ["Courier: thank you for wasting my time", "Courier was lovely and polite",
                                   "Where is the courier now?", "Courier was rude"],
                       "categories": CAT, "confidence": 0.9, "needs_review": False,
                       "category_sentiment": [f"{CAT}=positive", f"{CAT}=positive", f"{CAT}=negative",
                                              f"{CAT}=negative"]})
    page = build_report(df, tax, text_col="comment")
    assert _quotes(page, "pro") == ["Courier was lovely and polite"]
    assert _quotes(page, "det") == ["Courier was rude"]
    assert 'Complaints: <b class="neg">2</b> · Praise: <b class="pos">2</b>' in page  # the counts are the model's


@pytest.mark.parametrize("nps", [["n/a"] * 8, [str(i) for i in (0, 3, 9, 10, 5, 1, 8, 10)]])
def test_streamed_quote_candidates_equal_the_whole_table_s_with_or_without_valid_scores(tax, nps):
    from feedback_classifier.render.quotes import QuotePool, quote_candidates

    sentiment = ["negative", "positive", "negative", "positive", "neutral", "negative", "positive", "negative"]
    df = pd.DataFrame({"comment": ["Courier late", "Courier lovely", "Courier rude again", "Courier great",
                                   "Courier came", "Courier lost it", "Courier kind and fast", "Courier slow"],
                       "categories": CAT, "nps": nps, "confidence": 0.9,
                       "category_sentiment": [f"{CAT}={s}" for s in sentiment]})
    pool = QuotePool(tax, text_col="comment", score_col="nps", examples=1)
    for start in range(0, len(df), 3):
        pool.add(df.iloc[start:start + 3])
    whole = quote_candidates(df, tax, text_col="comment", score_col="nps", examples=1)
    assert set(whole) <= set(pool.frame().index)
