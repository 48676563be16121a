"""A robustness tester's sweep with degenerate but legal inputs: header-only files, every comment
empty, a score column with no valid value, one row, one label.

Each test fails on the code before its fix.
"""

from __future__ import annotations

import pandas as pd
from typer.testing import CliRunner

from feedback_classifier.cli import app

runner = CliRunner()


def test_route_with_a_score_column_of_no_valid_score_counts_detractors_as_unknown(tmp_path):
    """Every 'nps' cell empty: route wrote 0 detractors for every queue (summary.csv and the table),
    a count it cannot know; analyze leaves it empty, as route does without --score-col."""
    data = tmp_path / "survey.csv"
    data.write_text("response_id,comment,nps,categories,confidence,needs_review\n"
                    "1,The courier was late,,Delivery and logistics > Delivery time,0.9,False\n"
                    "2,Too expensive,,Price and value,0.8,False\n", encoding="utf-8")
    out = tmp_path / "queues"
    result = runner.invoke(app, ["route", str(data), "--text-col", "comment", "--score-col", "nps",
                                 "--out-dir", str(out)])
    assert result.exit_code == 0, result.output
    summary = pd.read_csv(out / "summary.csv", encoding="utf-8-sig")
    assert summary["detractors"].isna().all(), summary
    assert "│          0 │" not in result.output
    assert "nps" in pd.read_csv(out / "logistics.csv", encoding="utf-8-sig").columns  # the column is kept


def test_route_of_a_file_whose_comments_are_all_empty_says_why_every_queue_is_empty(tmp_path):
    """Every comment blank: route printed a table of zeros and nothing else, where classify and
    analyze say the text column is empty and name the columns with text."""
    data = tmp_path / "survey.csv"
    data.write_text("response_id,q1,why,nps\n"
                    "1,,The courier was late again today,3\n"
                    "2,,Prices went up far too much this year,9\n", encoding="utf-8")
    result = runner.invoke(app, ["route", str(data), "--text-col", "q1", "--score-col", "nps",
                                 "--out-dir", str(tmp_path / "queues"), "--tone-teacher", "none"])
    assert result.exit_code == 0, result.output
    assert "Every row's 'q1' is empty" in result.output
    assert "'why'" in result.output
