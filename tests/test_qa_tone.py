"""A bilingual support lead's sweep: telling complaints from praise in a mixed English/Russian export,
through classify --categories-col, drivers --polarity, route --complaints-only, report and evaluate.

Each test runs the command (CliRunner) or the library call on a tiny file written here and fails on
the code before its fix.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from typer.testing import CliRunner

from feedback_classifier.cli import app
from feedback_classifier.errors import LabelError
from feedback_classifier.taxonomy import load_taxonomy

runner = CliRunner()


def _one_line_error(result, *wanted: str) -> str:
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    for text in wanted:
        assert text in lines[0], lines[0]
    return lines[0]


def test_an_opinion_in_a_label_column_is_named_as_one():
    # "Unknown label 'delivery > courier=negative' ... Closest known: ..." sent the user to the taxonomy,
    # when the cell was right but in the wrong column (the sentiment column given as the categories)
    tax = load_taxonomy("cx-default")
    with pytest.raises(LabelError) as info:
        tax.parse_labels("delivery > courier=negative; price", row=3, column="codes", source="coded.csv")
    message = str(info.value)
    assert "opinion" in message and "'=negative'" in message and "--sentiment-col" in message
    assert "'Delivery and logistics > Courier'" in message and "row 3" in message
    assert "add the category to the taxonomy" not in message
    with pytest.raises(LabelError, match="opinion"):
        tax.parse_labels("Доставка и логистика > Курьер = Positive", row=1)


def test_cli_classify_categories_col_given_opinions_says_so(tmp_path):
    src = tmp_path / "coded.csv"
    pd.DataFrame({"text": ["Курьер нахамил", "Great prices"],
                  "polarities": ["delivery > courier=negative", "price=positive"]}).to_csv(src, index=False)
    result = runner.invoke(app, ["classify", str(src), "--text-col", "text", "--categories-col", "polarities",
                                 "--out", str(tmp_path / "out.csv"), "--quiet"])
    _one_line_error(result, "coded.csv", "is an opinion", "--sentiment-col")


def test_cli_train_with_the_opinions_as_labels_is_an_error_not_a_taxonomy_of_opinions(tmp_path):
    # without --taxonomy, 'delivery > courier=negative' was inferred as a category of its own: a model of 77
    # "categories" such as 'courier=negative' was saved without a word
    src = tmp_path / "labelled.csv"
    pd.DataFrame({"text": ["Курьер нахамил", "Great prices", "Slow delivery"] * 4,
                  "labels": ["delivery > courier", "price", "delivery"] * 4,
                  "polarities": ["delivery > courier=negative", "price=positive", "delivery=negative"] * 4,
                  }).to_csv(src, index=False)
    out = tmp_path / "m.joblib"
    result = runner.invoke(app, ["train", str(src), "--text-col", "text", "--labels-col", "polarities",
                                 "--out", str(out)])
    _one_line_error(result, "row 1", "column 'polarities'", "is an opinion", "--sentiment-col")
    assert not out.exists()


def _coded_with_sentiment(tmp_path):
    """What `classify --categories-col codes` writes: the given categories stay in 'codes'."""
    src = tmp_path / "coded.csv"
    pd.DataFrame({"id": ["a", "b", "c"], "comment": ["Курьер нахамил", "Great prices", "Slow delivery"],
                  "nps": [1, 10, 3], "codes": ["delivery > courier", "price", "delivery"]}).to_csv(src, index=False)
    out = tmp_path / "coded_sentiment.csv"
    result = runner.invoke(app, ["classify", str(src), "--text-col", "comment", "--categories-col", "codes",
                                 "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    return out


def test_report_and_drivers_on_a_categories_col_output_say_where_its_categories_are(tmp_path):
    # "has no 'categories' column, so it is not classified yet; run classify" named the command just run
    coded = _coded_with_sentiment(tmp_path)
    result = runner.invoke(app, ["report", str(coded), "--text-col", "comment", "--score-col", "nps",
                                 "--out", str(tmp_path / "r.html")])
    line = _one_line_error(result, "category_sentiment", "--categories-col", "rename that column 'categories'")
    assert "not classified yet" not in line
    result = runner.invoke(app, ["drivers", str(coded), "--score-col", "nps", "--polarity", "negative",
                                 "--out", str(tmp_path / "d.csv")])
    _one_line_error(result, "--categories-col COL")
    result = runner.invoke(app, ["drivers", str(coded), "--score-col", "nps", "--polarity", "negative",
                                 "--categories-col", "codes", "--out", str(tmp_path / "d.csv")])
    assert result.exit_code == 0, result.output
    counted = pd.read_csv(tmp_path / "d.csv").set_index(["level", "category"])["mentions"]
    assert counted[("parent", "Delivery and logistics")] == 2 and ("parent", "Price and value") not in counted.index


def test_route_warns_that_a_categories_col_output_is_classified_anew(tmp_path):
    coded = _coded_with_sentiment(tmp_path)
    result = runner.invoke(app, ["route", str(coded), "--text-col", "comment", "--score-col", "nps",
                                 "--out-dir", str(tmp_path / "q"), "--complaints-only", "--tone-teacher", "none"])
    assert result.exit_code == 0, result.output
    assert "Warning:" in result.output and "classified anew" in result.output, result.output


def _hand_corrected(tmp_path, corrected: str):
    """A classified file whose first row's polarity a support lead corrected by hand to ``corrected``."""
    src = tmp_path / "classified.csv"
    pd.DataFrame({
        "id": ["a", "b", "c", "d"],
        "comment": ["The courier was not rude at all", "Slow delivery", "Great prices", "Курьер нахамил"],
        "nps": [9, 2, 10, 1],
        "categories": ["Delivery and logistics > Courier", "Delivery and logistics > Delivery time",
                       "Price and value", "Delivery and logistics > Courier"],
        "confidence": [0.9] * 4, "needs_review": [False] * 4,
        "category_sentiment": [corrected, "Delivery and logistics > Delivery time = negative",
                               "Price and value=positive", "Delivery and logistics > Courier=negative"],
        "sentiment": ["positive", "negative", "positive", "negative"],
    }).to_csv(src, index=False)
    return src


def test_a_polarity_corrected_by_hand_in_any_case_counts_as_the_quotes_read_it(tmp_path):
    # "=Positive" stopped drivers, route and report ("re-run classify", which undoes the correction), while
    # the report's quotes read it
    src = _hand_corrected(tmp_path, "Delivery and logistics > Courier=Positive")
    result = runner.invoke(app, ["drivers", str(src), "--score-col", "nps", "--polarity", "negative",
                                 "--out", str(tmp_path / "d.csv")])
    assert result.exit_code == 0, result.output
    counted = pd.read_csv(tmp_path / "d.csv").set_index(["level", "category"])["mentions"]
    assert counted[("category", "Delivery and logistics > Courier")] == 1  # the corrected row is praise now
    assert counted[("category", "Delivery and logistics > Delivery time")] == 1
    result = runner.invoke(app, ["route", str(src), "--text-col", "comment", "--score-col", "nps",
                                 "--out-dir", str(tmp_path / "q"), "--complaints-only"])
    assert result.exit_code == 0, result.output
    queue = pd.read_csv(tmp_path / "q" / "logistics.csv")
    assert sorted(queue["id"]) == ["b", "d"]


def test_a_polarity_typo_is_not_blamed_on_the_taxonomy(tmp_path):
    # route and report added "Without --taxonomy or --model the file is read as classified with cx-default:
    # pass the taxonomy it was classified with" to an error about the polarity
    src = _hand_corrected(tmp_path, "Delivery and logistics > Courier=postive")
    for args in (["route", str(src), "--text-col", "comment", "--score-col", "nps", "--out-dir", str(tmp_path / "q"),
                  "--complaints-only"],
                 ["report", str(src), "--text-col", "comment", "--score-col", "nps", "--out", str(tmp_path / "r.html")]):
        line = _one_line_error(runner.invoke(app, args), "row 1,", "'Delivery and logistics > Courier=postive'",
                               "fix the cell")
        assert "--taxonomy" not in line


def _mixed_within_one_parent(tmp_path, first: str, second: str):
    """A promoter praising one delivery subcategory and blaming another, entries in the given order."""
    cats = "Delivery and logistics > Delivery time; Delivery and logistics > Packaging"
    src = tmp_path / "classified.csv"
    pd.DataFrame({
        "comment": ["Delivery was fast but the package was torn", "Slow delivery", "Courier was lovely"],
        "nps": [10, 1, 10],
        "categories": [cats, "Delivery and logistics > Delivery time", "Delivery and logistics > Courier"],
        "confidence": [0.9] * 3, "needs_review": [False] * 3,
        "category_sentiment": [f"{first}; {second}", "Delivery and logistics > Delivery time=negative",
                               "Delivery and logistics > Courier=positive"],
        "sentiment": ["mixed", "negative", "positive"],
    }).to_csv(src, index=False)
    return src


@pytest.mark.parametrize("order", ["time first", "packaging first"])
def test_report_praise_quotes_name_only_the_subcategories_praised(tmp_path, order):
    # the parent's tone was its first entry's: in one order the comment was praise of delivery tagged
    # "Delivery time, Packaging" (Packaging judged a complaint), in the other it was not quoted at all
    praised, blamed = "Delivery and logistics > Delivery time=positive", "Delivery and logistics > Packaging=negative"
    src = _mixed_within_one_parent(tmp_path, *((praised, blamed) if order == "time first" else (blamed, praised)))
    out = tmp_path / "r.html"
    result = runner.invoke(app, ["report", str(src), "--text-col", "comment", "--score-col", "nps", "--out", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    quote = re.search(r'<blockquote class="(\w+)">Delivery was fast but the package was torn'
                      r'<span class="meta">([^<]*)</span>', page)
    assert quote is not None and quote.group(1) == "pro", page
    assert quote.group(2) == "Score 10 · Delivery time"


def test_drivers_counts_complaints_and_praise_of_categories_given_as_ids(tmp_path):
    # categories given to classify --categories-col as ids ('delivery > courier') and category_sentiment's
    # display names ('Delivery and logistics > Courier') were matched by name: every count was 0
    src = tmp_path / "coded.csv"
    pd.DataFrame({"comment": ["Slow delivery, rude courier", "Courier rude", "Delivery bad", "Nice prices"],
                  "nps": [1, 2, 3, 10],
                  "codes": ["delivery; delivery > courier", "delivery > courier", "delivery", "price"],
                  }).to_csv(src, index=False)
    coded = tmp_path / "coded_sentiment.csv"
    result = runner.invoke(app, ["classify", str(src), "--text-col", "comment", "--categories-col", "codes",
                                 "--out", str(coded), "--quiet"])
    assert result.exit_code == 0, result.output
    judged = pd.read_csv(coded)["category_sentiment"].str.count("=negative").sum()
    assert judged >= 3, pd.read_csv(coded)
    result = runner.invoke(app, ["drivers", str(coded), "--score-col", "nps", "--categories-col", "codes",
                                 "--min-n", "1", "--out", str(tmp_path / "d.csv")])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "d.csv").set_index(["level", "category"])
    cells = pd.read_csv(coded)["category_sentiment"]  # the recount: rows with an entry of that polarity
    assert table.loc[("parent", "delivery"), "complaints"] == cells.str.contains("Delivery and logistics[^;]*=negative").sum()
    assert table.loc[("category", "delivery > courier"), "complaints"] == cells.str.contains("Courier=negative").sum()
    assert table.loc[("parent", "price"), "praise"] == cells.str.contains("Price and value=positive").sum() == 1


def test_complaints_only_keeps_a_complaint_without_a_category_for_review(tmp_path):
    # "Worst experience ever" (no category, judged negative as a whole, needs review) was no complaint:
    # --complaints-only left it out of every file
    src = tmp_path / "classified.csv"
    pd.DataFrame({
        "id": ["a", "b", "c", "d"],
        "comment": ["Worst experience ever 😡😡", "Absolutely love this shop!!!", "Курьер нахамил", "Хорошо"],
        "nps": [0, 10, 1, 9],
        "categories": ["", "", "Delivery and logistics > Courier", ""],
        "confidence": [0.96, 0.83, 0.99, 0.9], "needs_review": [True, True, False, True],
        "category_sentiment": ["", "", "Delivery and logistics > Courier=negative", ""],
        "sentiment": ["negative", "positive", "negative", "positive"],
    }).to_csv(src, index=False)
    result = runner.invoke(app, ["route", str(src), "--text-col", "comment", "--score-col", "nps",
                                 "--out-dir", str(tmp_path / "q"), "--complaints-only"])
    assert result.exit_code == 0, result.output
    review = pd.read_csv(tmp_path / "q" / "review.csv")
    assert review["id"].tolist() == ["a"] and review["complaint"].tolist() == [True]
    assert pd.read_csv(tmp_path / "q" / "logistics.csv")["id"].tolist() == ["c"]
