"""An optional open question: a third to a half of the answers are non-answers, emoji, one word
or a typo ("-", "n/a", "👍", "😡😡😡", "цена", "delivry late"). What each gets, and where it goes."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from feedback_classifier.cli import app
from feedback_classifier.lang.junk import is_junk, names_nothing

runner = CliRunner()


def _survey(tmp_path, comments, scores):
    src = tmp_path / "survey.csv"
    pd.DataFrame({"id": range(1, len(comments) + 1), "nps": scores, "comment": comments}).to_csv(src, index=False)
    return src


def test_emoji_alone_get_their_obvious_polarity_no_topic_and_are_no_junk(tmp_path):
    comments = ["🔥🔥", "🙏", "👏👏", "✅", "♥", "👍🏻", "😡😡😡", "🤬", "😭", "🚚", "😂", "👍👎", ")))", "(((",
                "The courier was late"]
    src, dst = _survey(tmp_path, comments, [10, 9, 10, 9, 9, 10, 0, 1, 2, 7, 8, 6, 9, 3, 2]), tmp_path / "out.csv"
    result = runner.invoke(app, ["classify", str(src), "--text-col", "comment", "--out", str(dst),
                                 "--tone-teacher", "none"])
    assert result.exit_code == 0, result.output
    out = pd.read_csv(dst, keep_default_na=False)
    assert out["sentiment"].tolist()[:14] == ["positive"] * 6 + ["negative"] * 3 + ["neutral"] * 3 + [
        "positive", "negative"]
    assert out["categories"].tolist()[:14] == [""] * 14
    assert not any(is_junk(t) for t in comments[:14]) and all(names_nothing(comments[:14]))


def test_route_flags_an_emoji_complaint_listed_apart_as_a_complaint(tmp_path):
    src = _survey(tmp_path, ["😡😡😡", "👍", "-", "asdf", "Courier was rude"], [0, 10, 0, 0, 0])
    result = runner.invoke(app, ["route", str(src), "--text-col", "comment", "--score-col", "nps", "--keep", "id",
                                 "--out-dir", str(tmp_path / "q"), "--tone-teacher", "none"])
    assert result.exit_code == 0, result.output
    junk = pd.read_csv(tmp_path / "q" / "junk.csv", keep_default_na=False)
    flags = dict(zip(junk["comment"], junk["complaint"].astype(str)))
    assert flags == {"😡😡😡": "True", "👍": "False", "-": "False", "asdf": "False"}
    assert junk["comment"].iloc[0] == "😡😡😡"  # complaints first


def test_classify_does_not_call_a_survey_of_non_answers_mostly_unsure(tmp_path):
    # 8 of 12 answers name nothing: the model is not unsure, there is nothing to classify
    comments = ["-", "n/a", "нет", "👍", "no comment", ".", "ничего", "asdf",
                "The courier was late", "Too expensive", "Курьер опоздал", "App keeps crashing"]
    src, dst = _survey(tmp_path, comments, [5] * 12), tmp_path / "out.csv"
    result = runner.invoke(app, ["classify", str(src), "--text-col", "comment", "--out", str(dst),
                                 "--tone-teacher", "none"])
    assert result.exit_code == 0, result.output
    flagged = pd.read_csv(dst, keep_default_na=False)["needs_review"].astype(str).eq("True").sum()
    assert f"{flagged} to review (8 of them answers naming no topic" in result.output, result.output
    assert "Most comments need review" not in result.output


def test_a_bare_topic_word_keeps_its_topic_and_gets_no_invented_polarity(tmp_path):
    # "price" and «цена» were praise and complaint at once (mixed), "delivery" praise, «доставка» a complaint
    comments = ["price", "цена", "delivery", "доставка", "Courier.", "price and quality", "too expensive",
                "доставка опоздала"]
    src, dst = _survey(tmp_path, comments, [5] * 8), tmp_path / "out.csv"
    result = runner.invoke(app, ["classify", str(src), "--text-col", "comment", "--out", str(dst),
                                 "--tone-teacher", "none"])
    assert result.exit_code == 0, result.output
    out = pd.read_csv(dst, keep_default_na=False)
    assert all(out["categories"][:6]), out[["comment", "categories"]]
    assert out["sentiment"].tolist() == ["neutral"] * 6 + ["negative", "negative"]
    for cell in out["category_sentiment"][:6]:
        assert all(pair.endswith("=neutral") for pair in cell.split("; ")), cell


def test_a_one_word_topic_gets_its_parent_or_the_child_it_names_not_an_invented_subcategory(tmp_path):
    # "price" was Value for money and Price changes, "app" Account and login, «доставка» Delivery
    # cost: counted in those subcategories' shares and drivers though the answer names only the topic
    comments = ["price", "app", "delivery", "доставка", "цена", "Prices.", "courier", "Курьер", "too expensive"]
    src, dst = _survey(tmp_path, comments, [5] * 9), tmp_path / "out.csv"
    result = runner.invoke(app, ["classify", str(src), "--text-col", "comment", "--out", str(dst), "--lang", "en",
                                 "--tone-teacher", "none", "-q"])
    assert result.exit_code == 0, result.output
    out = pd.read_csv(dst, keep_default_na=False)
    assert out["categories"].tolist()[:6] == ["Price and value", "Website and app", "Delivery and logistics",
                                              "Delivery and logistics", "Price and value", "Price and value"]
    # the one child whose own name or keyword the word is keeps it; a phrase keeps its subcategory
    assert out["categories"].tolist()[6:] == ["Delivery and logistics > Courier"] * 2 + [
        "Price and value > Too expensive"]


def test_a_key_run_typed_over_and_over_is_junk_not_a_complaint(tmp_path):
    comments = ["ываыва", "asdasd", "фывфывфыв", "Delivery was late"]
    assert [is_junk(t) for t in comments] == [True, True, True, False]
    src, dst = _survey(tmp_path, comments, [5] * 4), tmp_path / "out.csv"
    result = runner.invoke(app, ["classify", str(src), "--text-col", "comment", "--out", str(dst),
                                 "--tone-teacher", "none"])
    assert result.exit_code == 0, result.output
    assert pd.read_csv(dst, keep_default_na=False)["sentiment"].tolist() == ["neutral"] * 3 + ["negative"]


def test_praise_or_complaint_words_alone_get_no_invented_topic_from_the_bundled_model(tmp_path):
    # "TERRIBLE" was Defects and damage ([nearest to its description]), "good" Product quality (not to
    # review), "awful" Website usability, «плохо» Packaging, "meh" Quality
    comments = ["TERRIBLE", "good", "awful", "плохо", "meh", "all good", "Всё отлично!", "too expensive",
                "курьер опоздал"]
    src, dst = _survey(tmp_path, comments, [5] * 9), tmp_path / "out.csv"
    result = runner.invoke(app, ["classify", str(src), "--text-col", "comment", "--out", str(dst),
                                 "--tone-teacher", "none"])
    assert result.exit_code == 0, result.output
    out = pd.read_csv(dst, keep_default_na=False)
    assert out["categories"].tolist()[:7] == [""] * 7 and all(out["categories"][7:])
    assert out["sentiment"].tolist()[:5] == ["negative", "positive", "negative", "negative", "negative"]
    assert out["needs_review"].astype(str).tolist()[:7] == ["True"] * 7  # no category: a human may still look


def test_a_model_trained_on_labels_keeps_the_general_category_it_learned_for_praise_alone(monkeypatch):
    import numpy as np

    from feedback_classifier.model import enrichment

    class Taught:  # a model trained on labels: no keyword rules; it gives "Awesome" its general category
        classes_ = ("general",)
        thresholds_ = (0.5,)

    monkeypatch.setattr(enrichment, "_predict_proba_batched", lambda model, texts, **kw: np.full((len(texts), 1), 0.9))
    monkeypatch.setattr(enrichment, "_decide", lambda model, proba: proba >= 0.5)
    opts = enrichment._Options(text_col="", sentiment=False)
    _, fired, _, _ = enrichment._predict_uniques(Taught(), ["Awesome", "n/a"], opts)
    Taught.keyword_rules_ = True  # the bundled default model, or one trained without labels
    _, untaught, _, _ = enrichment._predict_uniques(Taught(), ["Awesome", "n/a"], opts)
    assert fired[:, 0].tolist() == [True, False] and untaught[:, 0].tolist() == [False, False]


def test_drivers_says_how_many_uncategorised_rows_are_blank_or_name_no_topic(tmp_path):
    comments = ["", "", "-", "n/a", "👍", "TERRIBLE", "Courier was late", "Курьер опоздал", "Too expensive",
                "Great prices"]
    src = _survey(tmp_path, comments, [5, 6, 7, 8, 10, 0, 2, 3, 4, 9])
    result = runner.invoke(app, ["drivers", str(src), "--text-col", "comment", "--score-col", "nps", "--boot", "0",
                                 "--min-n", "1", "--tone-teacher", "none"])
    assert result.exit_code == 0, result.output
    assert "6 rows without any category" in result.output, result.output
    assert "Of those, 2 rows with an empty comment and 4 answers naming no topic" in " ".join(result.output.split())


def test_the_report_says_how_many_comments_name_no_topic_beside_the_share_classified(tmp_path):
    # "Comments classified 49%" with half the answers "-" and "n/a" read as a model missing half
    comments = ["-", "n/a", "нет", "👍", "Courier was late", "Too expensive", "Курьер опоздал", ""]
    src = _survey(tmp_path, comments, [5, 6, 7, 10, 2, 3, 1, 8])
    for lang, said in (("en", "; 4 answers name no topic"), ("ru", "; 4 ответа без темы")):
        out = tmp_path / lang
        result = runner.invoke(app, ["analyze", str(src), "--text-col", "comment", "--score-col", "nps",
                                     "--out-dir", str(out), "--tone-teacher", "none", "--lang", lang])
        assert result.exit_code == 0, result.output
        assert said in (out / "report.html").read_text(encoding="utf-8")


def test_praise_or_complaint_alone_is_listed_apart_not_sent_to_review(tmp_path):
    # the review queue of an optional question was TERRIBLE, ужаааас, всё ок, EXCELLENT, good, bad: nothing to tag
    comments = ["TERRIBLE", "ужаааас", "всё ок", "EXCELLENT", "-", "We talked about the weather in town today"]
    src = _survey(tmp_path, comments, [0, 1, 9, 10, 5, 6])
    result = runner.invoke(app, ["route", str(src), "--text-col", "comment", "--score-col", "nps", "--keep", "id",
                                 "--out-dir", str(tmp_path / "q"), "--tone-teacher", "none"])
    assert result.exit_code == 0, result.output
    junk = pd.read_csv(tmp_path / "q" / "junk.csv", keep_default_na=False)
    review = pd.read_csv(tmp_path / "q" / "review.csv", keep_default_na=False)
    assert set(junk["comment"]) == set(comments[:5]) and set(review["comment"]) <= {comments[5]}
    flags = dict(zip(junk["comment"], junk["complaint"].astype(str)))
    assert flags["TERRIBLE"] == flags["ужаааас"] == "True" and flags["EXCELLENT"] == flags["-"] == "False"
    classified = runner.invoke(app, ["classify", str(src), "--text-col", "comment", "--out", str(tmp_path / "c.csv"),
                                     "--tone-teacher", "none"])
    assert "(5 of them answers naming no topic" in classified.output, classified.output


def test_emoji_beside_a_number_or_a_filler_word_is_a_tone_with_no_topic(tmp_path):
    # "10 🔥" was a complaint in the junk list; "Нет 👎" got Assortment and availability; "ok 👍", "Thanks!"
    # went to review
    comments = ["10 🔥", "Нет 👎", "ok 👍", "n/a 😡", "Thanks!", "спасибо", "😡 доставка"]
    src = _survey(tmp_path, comments, [10, 2, 9, 1, 9, 10, 0])
    result = runner.invoke(app, ["route", str(src), "--text-col", "comment", "--score-col", "nps", "--keep", "id",
                                 "--out-dir", str(tmp_path / "q"), "--tone-teacher", "none"])
    assert result.exit_code == 0, result.output
    junk = pd.read_csv(tmp_path / "q" / "junk.csv", keep_default_na=False)
    assert set(junk["comment"]) == set(comments[:6])
    assert dict(zip(junk["comment"], junk["complaint"].astype(str)))["Нет 👎"] == "True"
    assert set(junk["categories"]) == {""}
    result = runner.invoke(app, ["classify", str(src), "--text-col", "comment", "--out", str(tmp_path / "c.csv"),
                                 "--tone-teacher", "none"])
    out = pd.read_csv(tmp_path / "c.csv", keep_default_na=False)
    assert out["sentiment"].tolist()[:2] == ["positive", "negative"] and out["categories"].iloc[6]


_PIECES = ["price", "Цена", "доставка", "и", "and", "/", "-", "!", ",", ".", "👍", "😡", "ok", "Ok!", "TERRIBLE",
           "sooooo", "bad", "спасибо", "thanks", "нет", "n/a", "courier", "late", "всё", "очень", " ", "10", "«",
           "ok-ok", "ß", "Great!!", "Thank you", "no comment", "İ", ":)", "))"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=6).map(" ".join)
       | st.lists(st.sampled_from(_PIECES), min_size=1, max_size=6).map("".join) | st.text(max_size=30))
def test_the_first_word_shortcuts_equal_the_rules_read_whole(text):
    from feedback_classifier.lang import bare_topics, tone_only
    from feedback_classifier.lang.junk import answer_key, no_opinion_answers

    words = [w for w in answer_key(text).replace("/", " / ").split() if w not in bare_topics._JOINERS]
    bare = len(text) <= 40 and "!" not in text and 0 < len(words) <= 3 and all(
        w in bare_topics.TOPIC_WORDS for w in words)
    assert bare_topics.is_bare_topic(text) == bare
    rest, toned = tone_only.without_emoji(text)
    words = answer_key(rest).split()
    forms = [tone_only._known(w) or (w if w in tone_only._THANKS or w in no_opinion_answers().answers else None)
             for w in words]
    whole = len(text) <= 40 and (not text[:1].isalpha() and tone_only.is_emoji_answer(text) or (
        bool(toned or words) and len(words) <= 4 and all(forms)
        and bool(toned or any(f in tone_only.GENERAL_OPINION or f in tone_only._THANKS for f in forms))))
    assert tone_only.is_tone_only(text) == whole
