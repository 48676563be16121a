"""A survey analyst's QA sweep of a questionnaire with several open questions ("What did you like?",
"What should we improve?") and several scores (NPS, CSAT, CES): each question classified in its own pass,
then analysed, routed and reported.

Each test fails on the code before its fix.
"""

from __future__ import annotations

import warnings

import pandas as pd
from typer.testing import CliRunner

from feedback_classifier.cli import app

runner = CliRunner()

# classified from 'liked' (classify --text-col liked): rows 2 and 4 have no 'improve' answer
CLASSIFIED_FROM_LIKED = (
    "respondent_id,nps,liked,improve,categories,confidence,needs_review\n"
    "C1,9,The courier was very fast,Cheaper prices please,Delivery and logistics > Courier,0.9,False\n"
    "C2,10,Friendly staff in the shop,,Store / branch experience,0.8,False\n"
    "C3,3,,The app keeps crashing,,1.0,False\n"
    "C4,8,Great prices,,Price and value,0.9,False\n"
)


def test_route_refuses_categories_made_from_another_question(tmp_path):
    """route on a file classified from 'liked' but given --text-col improve took the 'liked' categories as
    the 'improve' comments' own: "Cheaper prices please" went to Logistics as a courier comment, with no
    word said; report quoted the improve answers under the liked answers' categories the same way."""
    data = tmp_path / "liked.csv"
    data.write_text(CLASSIFIED_FROM_LIKED, encoding="utf-8")
    out = tmp_path / "queues"
    result = runner.invoke(app, ["route", str(data), "--text-col", "improve", "--score-col", "nps",
                                 "--out-dir", str(out), "--quiet"])
    assert result.exit_code == 1, result.output
    assert "row 2 has categories ('Store / branch experience') but its 'improve' is empty (2 such rows)" \
        in result.output
    assert "--text-col improve" in result.output and "Traceback" not in result.output
    assert not out.exists() or not any(out.iterdir())

    report = runner.invoke(app, ["report", str(data), "--text-col", "improve", "--score-col", "nps",
                                 "--out", str(tmp_path / "r.html")])
    assert report.exit_code == 1, report.output
    assert "its 'improve' is empty" in report.output and not (tmp_path / "r.html").exists()

    # the question it was classified from routes and reports as before
    ok = runner.invoke(app, ["route", str(data), "--text-col", "liked", "--score-col", "nps",
                             "--out-dir", str(out), "--quiet"])
    assert ok.exit_code == 0, ok.output
    assert pd.read_csv(out / "logistics.csv", encoding="utf-8-sig")["respondent_id"].tolist() == ["C1"]


def test_analyze_warning_names_no_option_analyze_lacks(tmp_path):
    """analyze on a file already classified from another question said "pass --categories-col categories to
    keep its categories", an option analyze does not have (Error: No such option)."""
    from feedback_classifier.jobs.classify import classified_chunks
    from feedback_classifier.model.default import default_model
    from feedback_classifier.model.enrichment import _Options

    chunk = pd.DataFrame({"improve": ["Too expensive"], "categories": ["Delivery and logistics"]})
    for command, hinted in (("analyze", False), ("classify", True)):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            list(classified_chunks([chunk.copy()], default_model(), _Options("improve"), command=command))
        said = [str(w.message) for w in caught if "already has column(s)" in str(w.message)]
        assert len(said) == 1 and f"which {command} writes" in said[0]
        assert ("--categories-col" in said[0]) is hinted


def test_an_option_given_twice_is_refused_not_the_last_one_kept(tmp_path):
    """`drivers --score-col nps --score-col csat` analysed the CSAT column as NPS (NPS -100, every answer a
    detractor) and `classify --text-col liked --text-col improve` classified 'improve' alone: click keeps the
    last of two values without a word, where the analyst asked for both columns."""
    data = tmp_path / "liked.csv"
    data.write_text(CLASSIFIED_FROM_LIKED, encoding="utf-8")
    out = tmp_path / "d.csv"
    result = runner.invoke(app, ["drivers", str(data), "--score-col", "nps", "--score-col=improve", "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "--score-col given twice ('nps', then 'improve'): it takes one column" in result.output
    assert "run the command once per column" in result.output and "feedback-classifier drivers --help" in result.output
    assert not out.exists()
    result = runner.invoke(app, ["classify", str(data), "--text-col", "liked", "-o", str(out), "--text-col", "improve",
                                 "--out", str(tmp_path / "e.csv")])
    assert result.exit_code == 2 and "--text-col given twice ('liked', then 'improve')" in result.output
    # flags and options that take several values are not one-value options
    result = runner.invoke(app, ["classify", str(data), "--text-col", "liked", "--out", str(out), "-q", "--quiet"])
    assert result.exit_code == 0, result.output


# both questions classified: the first pass's columns renamed with a 'liked_' prefix, the second's as classify
# wrote them; the 'liked' praise is Store staff, the 'improve' complaints Delivery and Price
TWO_PASSES = (
    "respondent_id,nps,liked,improve,liked_categories,liked_category_sentiment,categories,category_sentiment\n"
    "C1,9,Friendly staff,Deliver faster,Store / branch experience > Store staff,"
    "Store / branch experience > Store staff=positive,Delivery and logistics,Delivery and logistics=negative\n"
    "C2,10,Friendly staff,,Store / branch experience > Store staff,"
    "Store / branch experience > Store staff=positive,,\n"
    "C3,2,,Too expensive,,,Price and value,Price and value=negative\n"
    "C4,3,,Late again,,,Delivery and logistics,Delivery and logistics=negative\n"
)


def test_drivers_polarity_reads_the_polarities_of_its_categories_col(tmp_path):
    """`drivers --categories-col liked_categories --polarity positive` counted the praise in 'category_sentiment',
    the other question's, and never read 'liked_categories': its table held the 'improve' answers'
    categories under "praise only", without a word."""
    data = tmp_path / "both.csv"
    data.write_text(TWO_PASSES, encoding="utf-8")
    out = tmp_path / "d.csv"
    args = ["drivers", str(data), "--score-col", "nps", "--categories-col", "liked_categories", "--min-n", "1",
            "--boot", "0", "--out", str(out)]
    result = runner.invoke(app, args + ["--polarity", "positive"])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out, encoding="utf-8-sig")
    assert table.loc[table["level"] == "parent", "category"].tolist() == ["Store / branch experience"]
    assert table["mentions"].tolist() == [2, 2]

    # without --polarity, the complaints and praise columns are the liked answers' too
    assert runner.invoke(app, args).exit_code == 0
    table = pd.read_csv(out, encoding="utf-8-sig")
    assert table[["category", "complaints", "praise"]].values.tolist()[0] == ["Store / branch experience", 0, 2]

    # no polarity column of its own: an error naming the row, not the other question's counted
    pd.read_csv(data).drop(columns=["liked_category_sentiment"]).to_csv(data, index=False)
    result = runner.invoke(app, args + ["--polarity", "positive"])
    assert result.exit_code == 1, result.output
    assert "row 2 has categories in 'liked_categories'" in result.output
    assert "liked_categories -> liked_category_sentiment" in result.output


def test_classify_prefix_keeps_both_questions_columns(tmp_path):
    """Classifying the second open question from the first one's output replaced every column of the first
    (categories, category_sentiment...): no option named the added columns otherwise. --prefix does."""
    data = tmp_path / "survey.csv"
    pd.DataFrame({"id": ["1", "2", "3"], "nps": [9, 2, 3],
                  "liked": ["Friendly staff", "", "Fast delivery"],
                  "improve": ["", "Too expensive", "The app keeps crashing"]}).to_csv(data, index=False)
    first, second = tmp_path / "liked.csv", tmp_path / "both.csv"
    result = runner.invoke(app, ["classify", str(data), "--text-col", "liked", "--prefix", "liked_", "--out",
                                 str(first), "--quiet", "--lang", "en", "--tone-teacher", "none"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["classify", str(first), "--text-col", "improve", "--prefix", "improve_", "--out",
                                 str(second), "--quiet", "--lang", "en", "--tone-teacher", "none"])
    assert result.exit_code == 0, result.output
    assert "already has column" not in result.output
    before, both = pd.read_csv(first, dtype=str, encoding="utf-8-sig"), pd.read_csv(second, dtype=str, encoding="utf-8-sig")
    assert both.columns.tolist() == before.columns.tolist() + [
        "improve_categories", "improve_parent_categories", "improve_confidence", "improve_needs_review",
        "improve_category_sentiment", "improve_sentiment"]
    pd.testing.assert_frame_equal(both[before.columns], before)
    assert both["improve_categories"].isna().tolist() == [True, False, False]
    assert both["liked_categories"].isna().tolist() == [False, True, False]
    # without --prefix the warning says how to keep both
    result = runner.invoke(app, ["classify", str(first), "--text-col", "improve", "--prefix", "liked_", "--out",
                                 str(tmp_path / "x.csv"), "--quiet", "--tone-teacher", "none"])
    assert "already has column(s) 'liked_categories'" in result.output and "--prefix" in result.output


def test_report_and_route_name_the_prefixed_categories(tmp_path):
    """report on a file from classify --prefix said it was "not classified yet; run classify", and route
    classified it anew without a word."""
    data = tmp_path / "both.csv"
    pd.read_csv(pd.io.common.StringIO(TWO_PASSES)).rename(
        columns={"categories": "improve_categories", "category_sentiment": "improve_category_sentiment"}
    ).to_csv(data, index=False)
    result = runner.invoke(app, ["report", str(data), "--text-col", "improve", "--out", str(tmp_path / "r.html")])
    assert result.exit_code == 1, result.output
    assert "only 'liked_categories', 'improve_categories' (classify --prefix)" in result.output
    assert "not classified yet" not in result.output
    result = runner.invoke(app, ["route", str(data), "--text-col", "improve", "--out-dir", str(tmp_path / "q"),
                                 "--quiet", "--tone-teacher", "none"])
    assert result.exit_code == 0, result.output
    assert "(classify --prefix) but no 'categories' column, so its comments are classified anew" in result.output


def test_survey_weights_are_refused_with_a_plain_value_and_why():
    """compute_drivers(weight=...) on a survey's design weights said "np.float64(1.485) is not a whole number"
    (numpy's repr, not the cell) and not that such weights are unsupported."""
    import pytest

    from feedback_classifier.errors import ScoreError
    from feedback_classifier.insights import compute_drivers

    df = pd.DataFrame({"nps": [9, 2], "categories": ["Price", ""], "weight": [1.0, 1.485]})
    with pytest.raises(ScoreError) as caught:
        compute_drivers(df, score_col="nps", weight="weight", n_boot=0)
    said = str(caught.value)
    assert "row 2: 1.485 is not a whole number" in said and "np.float64" not in said
    assert "Survey (design) weights such as 1.485 are not supported" in said
