"""A bilingual support lead's sweep: telling complaints from praise in a mixed English/Russian export,
through classify --categories-col, drivers --polarity, route --complaints-only, report and evaluate.

Each test runs the command (CliRunner) or the library call on a tiny file written here and fails on
the code before its fix.
"""

from __future__ import annotations

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
