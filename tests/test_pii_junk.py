"""Personal data masked in queues (not in the enriched table), junk answers listed apart from
the review queue."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedback_classifier.insights.routing import route
from feedback_classifier.lang.junk import is_junk
from feedback_classifier.lang.pii import mask_pii
from feedback_classifier.taxonomy import load_taxonomy


@pytest.mark.parametrize("text, hidden", [
    ("mail me at john.doe+x@example.co.uk please", "john.doe"),
    ("позвоните 8 912 345-67-89 вечером", "345-67-89"),
    ("call +44 20 7946 0958", "7946"),
    ("card 4111-1111-1111-1111 charged", "1111"),
    ("card 4111111111111111", "4111"),
    ("my name is Peter Smith and the courier was late", "Peter"),
    ("Меня зовут Ольга, курьер опоздал", "Ольга"),
])
def test_pii_is_masked(text, hidden):
    assert hidden not in mask_pii(text)


@pytest.mark.parametrize("text", [
    "Order 12345 came late", "9 out of 10", "paid 1 500 руб", "Delivery in 2-3 days", "my name is not important",
    "Курьер опоздал на 40 минут",
])
def test_ordinary_text_is_kept(text):
    assert mask_pii(text) == text


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(whitelist_categories=("Ll", "Lu", "Zs")), max_size=60))
def test_text_without_digits_or_cues_is_unchanged(text):
    # letters and spaces alone are never personal data unless a name cue precedes them
    cues = ("name", "зовут", "имя", "regards", "sincerely", "уважением")
    if not any(cue in text.lower() for cue in cues):
        assert mask_pii(text) == text


@settings(max_examples=100, deadline=None)
@given(st.emails())
def test_any_email_is_masked(email):
    assert "@" not in mask_pii(f"contact {email} now")


@pytest.mark.parametrize("text", ["asdf", "123", "фыва", "qwerty", "...", "йцукен", "0000000", "ggggggg",
                                  "1e5", "1.23E+05", "2,5e-3"])
def test_junk(text):
    assert is_junk(text)


@pytest.mark.parametrize("text", ["ok", "Late again", "всё норм", "no", "5 stars", "", "   ", "спасибо", "A+",
                                  "E-mail", "1e5 stars"])
def test_not_junk(text):
    assert not is_junk(text)


def test_route_masks_queues_and_lists_junk_apart():
    tax = load_taxonomy("cx-default")
    df = pd.DataFrame({
        "comment": ["Courier late, call me +7 912 345 67 89", "asdf", "123", "what?"],
        "nps": [2, 5, 5, 5],
        "categories": ["Delivery and logistics > Courier", "", "", ""],
        "confidence": [0.9, 0.1, 0.1, 0.1],
        "needs_review": [False, True, True, True],
    })
    result = route(df, tax, text_col="comment", score_col="nps")
    assert result.queues["Logistics"]["comment"].tolist() == ["Courier late, call me [phone]"]
    assert result.review["comment"].tolist() == ["what?"]
    assert sorted(result.junk["comment"].tolist()) == ["123", "asdf"]
    summary = result.summary.set_index("team")
    assert summary.loc["junk", "comments"] == 2 and summary.loc["review", "comments"] == 1
    kept = route(df, tax, text_col="comment", score_col="nps", mask=False)
    assert kept.queues["Logistics"]["comment"].tolist() == [df["comment"][0]]
    assert df["comment"][0].endswith("89")  # the input table itself is never altered


def test_first_build_of_the_default_model_is_announced(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from feedback_classifier.cli import app
    from feedback_classifier.model import default
    from feedback_classifier.model.estimator import FeedbackClassifier

    tax = load_taxonomy("cx-default")
    texts = ["courier late", "too expensive", "courier was late again", "prices too expensive"] * 3
    labels = [[("delivery", None)], [("price", None)]] * 6

    def tiny_model():  # the library's own analyzer: model files hold data only, not functions
        return FeedbackClassifier(taxonomy=tax, cv=2, min_df=1).fit(texts, labels), len(texts)

    monkeypatch.setenv("FEEDBACK_CLASSIFIER_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(default, "train_default_model", tiny_model)
    data = tmp_path / "survey.csv"
    pd.DataFrame({"comment": ["courier late", "asdf"]}).to_csv(data, index=False)
    args = ["classify", str(data), "--text-col", "comment", "--out", str(tmp_path / "out.csv")]
    first = CliRunner().invoke(app, args)  # (--quiet silences it: tests/test_qa_cligaps.py)
    assert first.exit_code == 0, first.output
    assert "Building the bundled default model" in first.output
    second = CliRunner().invoke(app, args)  # cached now: no message
    assert second.exit_code == 0 and "Building" not in second.output


def test_analyze_counts_junk_apart_from_the_comments_needing_review(tmp_path):
    from feedback_classifier.jobs.analyze import analyze
    from feedback_classifier.model.estimator import FeedbackClassifier

    tax = load_taxonomy("cx-default")
    texts = ["courier late", "too expensive", "courier was late again", "prices too expensive"] * 3
    labels = [[("delivery", None)], [("price", None)]] * 6
    model = FeedbackClassifier(taxonomy=tax, cv=2, min_df=1).fit(texts, labels)
    data = tmp_path / "survey.csv"
    pd.DataFrame({"comment": ["courier late", "asdf", "123", "what is this", "too expensive"] * 8,
                  "nps": [2, 5, 5, 5, 9] * 8}).to_csv(data, index=False)
    res = analyze(data, text_col="comment", score_col="nps", out_dir=tmp_path / "out", model=model, n_boot=50)
    summary = res.routing.summary.set_index("team")
    assert summary.loc["junk", "comments"] == 16
    assert res.needs_review == summary.loc["review", "comments"]  # the tile and the review queue agree
    # the routing table's last row is the junk list: it has no review count
    junk_row = res.report_path.read_text(encoding="utf-8").split('<tr class="total">')[-1].split("</tr>")[0]
    assert junk_row.endswith('<td class="num">—</td>')


def test_junk_answers_get_no_category_from_the_default_model():
    # the bundled default model had tagged "0" as a discount and "qwerty" as the store's atmosphere
    from feedback_classifier.model.default import default_model
    from feedback_classifier.model.enrichment import enrich

    frame = pd.DataFrame({"c": ["0", "qwerty", "'+", "фыва", "The courier was two days late"]})
    out = enrich(frame, default_model(), "c")
    assert out["categories"].tolist()[:4] == [""] * 4
    assert "Delivery" in out["categories"].iloc[4]
    assert len(out) == len(frame)


def test_filler_answers_get_no_category_from_the_default_model():
    # "Nothing to report" had been tagged support contact, "Ничего сказать не могу" account and login
    from feedback_classifier.model.default import default_model
    from feedback_classifier.model.enrichment import enrich

    texts = ["Nothing to report.", "Ничего сказать не могу", "нет", "n/a", "No complaints about the courier"]
    out = enrich(pd.DataFrame({"c": texts}), default_model(), "c")
    assert out["categories"].tolist()[:4] == [""] * 4
    assert "Delivery" in out["categories"].iloc[4]  # not a listed answer: a topic is named


def _first_is_junk(text) -> bool:
    """``is_junk`` as first written (a generator of casefolded words, rows scanned per word), and
    since then a number in E notation ("1.23E+05"), one letter alone ("a", "ъ.") and one key run typed
    over and over ("ываыва") are junk too, and emoji alone ("😡😡😡") are not: they carry tone."""
    from feedback_classifier.lang.emoji_answers import is_emoji_answer
    import re

    rows = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "йцукенгшщзхъ", "фывапролджэ", "ячсмитьбю", "1234567890")

    def key_run(word):
        return len(word) >= 3 and any(word in row or word in row[::-1] for row in rows)

    if not isinstance(text, str) or not text.strip():
        return False
    if re.fullmatch(r"\s*[-+]?\d+(?:[.,]\d+)?[eE][-+]?\d+\s*", text):
        return True
    words = (m.group().casefold() for m in re.finditer(r"[^\W\d_]+", text))
    first = next(words, None)
    if first is None:
        return not is_emoji_answer(text)
    if key_run(first):
        return all(key_run(w) for w in words)
    if next(words, None) is not None:
        return False
    if len(first) == 1 and re.fullmatch(r"\s*[^\W\d_][\s.,!?…]*", text):
        return True  # one letter alone, added later ("a" had been Defects and damage)
    if any(key_run(first[:k]) and first == (first[:k] * len(first))[:len(first)] for k in range(3, len(first) // 2 + 1)):
        return True  # "ываыва", added later (a complaint to the model)
    return len(first) >= 5 and (not set("aeiouyаеёиоуыэюя") & set(first) or len(set(first)) == 1)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(["qwe", "QWERTY", "ЙЦУК", "фыва", "ewq", "asdf", "the", "sdfgh", "ggggg", "Ёж",
                                 "ß", "\u212a", "ok", "12", " ", "\t", "!", "_", "x", "ǅ"]), max_size=6).map("".join)
       | st.text(max_size=20) | st.none() | st.integers())
def test_is_junk_as_first_written(text):
    assert is_junk(text) == _first_is_junk(text)


@pytest.mark.parametrize("text", [
    "заказ №123456789 так и не пришёл", "Order #123456789 arrived broken", "номер заказа: 123456789",
    "order number 123456789 is missing", "трек-номер 800123456789", "Заказ 123456789 опоздал",
])
def test_order_numbers_are_not_phones(text):
    # an order number is nobody's personal data and support needs it: it was masked as [phone]
    assert mask_pii(text) == text


@pytest.mark.parametrize("text, masked", [
    ("Заказ №123456789, звоните +7 912 345-67-89", "Заказ №123456789, звоните [phone]"),
    ("order #123456789, call me on 8 (912) 345-67-89", "order #123456789, call me on [phone]"),
    ("Order 123456789: my phone +44 20 7946 0958", "Order 123456789: my phone [phone]"),
    ("мой заказ 123, телефон 89123456789", "мой заказ 123, телефон [phone]"),
    ("тел. № 89123456789", "тел. № [phone]"),
    ("заказ: +7 912 345 67 89", "заказ: [phone]"),
    ("заказ № 4111 1111 1111 1111", "заказ № [card]"),
])
def test_phones_beside_order_numbers_are_still_masked(text, masked):
    assert mask_pii(text) == masked


def test_analyze_mask_pii_masks_the_evidence_that_quotes_and_cites_the_comment(tmp_path):
    """--mask-pii masked the comment column, but the evidence column beside it cited "Ivan" and
    quoted the comment's sentence with the name and the card number as written."""
    from typer.testing import CliRunner

    from feedback_classifier.cli import app

    path = tmp_path / "survey.csv"
    pd.DataFrame({"comment": ["My name is Ivan Petrov, the courier was rude. Card 4276 1234 5678 9012 was charged",
                              "Меня зовут Анна Смирнова. Курьер опоздал на два часа"],
                  "nps": [2, 3]}).to_csv(path, index=False)
    result = CliRunner().invoke(app, ["analyze", str(path), "--text-col", "comment", "--score-col", "nps",
                                      "--out-dir", str(tmp_path / "out"), "--mask-pii", "--tone-teacher", "none"])
    assert result.exit_code == 0, result.output
    written = "".join(p.read_text(encoding="utf-8-sig") for p in (tmp_path / "out").rglob("*.csv"))
    enriched = pd.read_csv(tmp_path / "out" / "survey.enriched.csv", encoding="utf-8-sig")
    assert enriched["evidence"].str.len().gt(0).all() and "[name]" in enriched["evidence"][0]
    for leaked in ("Ivan", "Petrov", "4276", "Анна", "Смирнова"):
        assert leaked not in written
