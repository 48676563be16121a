"""A new user's first hour: defects found by trying the README's commands on real-looking files.

Each test runs a command through CliRunner on a tiny file written here and checks the rule the
README states for it (a one-line error naming the file, row, column, value and the fix).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from feedback_classifier.cli import app

runner = CliRunner()
SURVEY = pd.DataFrame({
    "id": ["r1", "r2", "r3", "r4"],
    "comment": ["The courier was late", "Too expensive", "Support never answers", "Great app, love it"],
    "nps": [3, 2, 4, 10],
})


def _error_line(result) -> str:
    """The one error line of a failed command (and that it is the only line: no traceback)."""
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    # the progress bar's last state is on stderr too
    lines = [line for line in result.output.splitlines() if line.strip() and not line.startswith("classified ")]
    assert len(lines) == 1, result.output
    return lines[0]


def test_xlsx_column_on_another_sheet_names_the_sheet(tmp_path: Path):
    # Exports often open with a summary sheet: the column the user asked for is on the second one.
    path = tmp_path / "export.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"survey": ["Q3 CX"]}).to_excel(writer, sheet_name="Info", index=False)
        SURVEY.to_excel(writer, sheet_name="Responses", index=False)
    result = runner.invoke(app, ["classify", str(path), "--text-col", "comment", "--no-sentiment",
                                 "--out", str(tmp_path / "out.csv")])
    line = _error_line(result)
    assert "'comment'" in line and "Responses" in line and "--sheet" in line
    assert not (tmp_path / "out.csv").exists()


def test_unknown_label_in_categories_col_names_the_file(tmp_path: Path):
    path = tmp_path / "coded.csv"
    coded = SURVEY.assign(codes=["Delivery and logistics", "Nonexistent > Cat", "", ""])
    coded.to_csv(path, index=False)
    result = runner.invoke(app, ["classify", str(path), "--text-col", "comment", "--categories-col", "codes",
                                 "--out", str(tmp_path / "out.csv")])
    line = _error_line(result)
    assert str(path) in line and "row 2" in line and "'codes'" in line and "Nonexistent > Cat" in line


def test_drivers_without_a_valid_score_names_the_file(tmp_path: Path):
    path = tmp_path / "classified.csv"
    SURVEY.assign(nps=["great", "bad", "ok", "fine"], categories=["Price and value", "", "", ""]).to_csv(path, index=False)
    result = runner.invoke(app, ["drivers", str(path), "--score-col", "nps", "--out", str(tmp_path / "d.csv")])
    line = _error_line(result)
    assert str(path) in line and "'nps'" in line and "'great'" in line


def test_no_opinion_answers_are_not_sent_to_review(tmp_path: Path):
    # "n/a" and "нет" state no opinion: the model gives them no category on purpose, so a human
    # has nothing to check; they are listed with the junk answers, not in the review queue.
    path = tmp_path / "survey.csv"
    SURVEY.assign(comment=["The courier was late", "n/a", "нет", "Nothing to add"]).to_csv(path, index=False)
    out = tmp_path / "queues"
    result = runner.invoke(app, ["route", str(path), "--text-col", "comment", "--score-col", "nps",
                                 "--out-dir", str(out), "--keep", "id"])
    assert result.exit_code == 0, result.output
    review = pd.read_csv(out / "review.csv", dtype=str, keep_default_na=False)
    junk = pd.read_csv(out / "junk.csv", dtype=str, keep_default_na=False)
    assert set(review["id"]) & {"r2", "r3", "r4"} == set()
    assert {"r2", "r3", "r4"} <= set(junk["id"])
    summary = pd.read_csv(out / "summary.csv", dtype=str, keep_default_na=False).set_index("team")
    assert summary.loc["review", "comments"] == str(len(review))


def test_xlsx_output_with_an_oversized_cell_is_one_line_naming_row_and_column(tmp_path: Path):
    # Excel holds 32,767 characters per cell; a pasted e-mail thread can be longer. The error came
    # right, but openpyxl's half-written sheet then printed a traceback when it was collected
    # (at exit: only a real process shows it).
    path = tmp_path / "survey.csv"
    SURVEY.assign(comment=["fine", "late courier " * 3000, "ok", "bad"]).to_csv(path, index=False)
    out = tmp_path / "out.xlsx"
    result = runner.invoke(app, ["classify", str(path), "--text-col", "comment", "--no-sentiment", "--out", str(out)])
    line = _error_line(result)
    assert "row 2" in line and "'comment'" in line and ".csv" in line
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    proc = subprocess.run([sys.executable, "-m", "feedback_classifier", "classify", str(path), "--text-col", "comment",
                           "--no-sentiment", "--out", str(out)], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == [path]


def test_suggest_labels_file_with_another_text_column_says_how_to_fix(tmp_path: Path):
    # suggest has no option for the labels file's own text column: it must use the pool's name.
    pool = tmp_path / "pool.csv"
    SURVEY.to_csv(pool, index=False)
    labels = tmp_path / "labels.csv"
    pd.DataFrame({"text": ["Courier late"], "labels": ["Delivery and logistics"]}).to_csv(labels, index=False)
    result = runner.invoke(app, ["suggest", str(pool), "--text-col", "comment", "--labelled", str(labels),
                                 "--labels-col", "labels", "--n", "2", "--out", str(tmp_path / "batch.csv")])
    line = _error_line(result)
    assert str(labels) in line and "'comment'" in line and "rename" in line and "--text-col" in line


def test_unquoted_delimiter_in_a_comment_says_to_quote_it(tmp_path: Path):
    # the usual cause of "Expected 3 fields, saw 4" is a comment with a comma written without quotes
    path = tmp_path / "survey.csv"
    path.write_text("id,comment,nps\n1,Courier late,3\n2,Too expensive, really,5\n", encoding="utf-8")
    result = runner.invoke(app, ["classify", str(path), "--text-col", "comment", "--no-sentiment",
                                 "--out", str(tmp_path / "out.csv")])
    line = _error_line(result)
    assert str(path) in line and "line 3" in line and "quotes" in line


def test_drivers_missing_score_column_lists_the_files_own_columns(tmp_path: Path):
    # with --text-col the comments are classified first; the error listed the added columns as
    # if the file had them
    path = tmp_path / "survey.csv"
    SURVEY[["id", "comment"]].to_csv(path, index=False)
    result = runner.invoke(app, ["drivers", str(path), "--text-col", "comment", "--score-col", "nps",
                                 "--out", str(tmp_path / "d.csv")])
    line = _error_line(result)
    assert "'nps'" in line and "'comment'" in line and "categories" not in line


def test_drivers_on_a_header_only_file_says_it_has_no_rows(tmp_path: Path):
    path = tmp_path / "classified.csv"
    path.write_text("comment,nps,categories\n", encoding="utf-8")
    result = runner.invoke(app, ["drivers", str(path), "--score-col", "nps", "--out", str(tmp_path / "d.csv")])
    line = _error_line(result)
    assert str(path) in line and "no data rows" in line and "all 0 rows" not in line


def test_a_file_with_only_a_bom_or_blank_lines_is_called_empty(tmp_path: Path):
    # Excel's "CSV UTF-8" of an empty sheet is just the byte-order mark
    path = tmp_path / "survey.csv"
    path.write_bytes(b"\xef\xbb\xbf\r\n")
    result = runner.invoke(app, ["classify", str(path), "--text-col", "comment", "--no-sentiment",
                                 "--out", str(tmp_path / "out.csv")])
    line = _error_line(result)
    assert str(path) in line and "empty" in line and "(none)" not in line


def test_route_reports_scores_it_cannot_read(tmp_path: Path):
    # queues order detractors first: a score that is not one is left out of that silently before
    path = tmp_path / "survey.csv"
    SURVEY.assign(nps=["3", "abc", "11", "10"]).to_csv(path, index=False)
    result = runner.invoke(app, ["route", str(path), "--text-col", "comment", "--score-col", "nps",
                                 "--out-dir", str(tmp_path / "queues")])
    assert result.exit_code == 0, result.output
    assert "'abc'" in result.output and "'11'" in result.output and "row 2" in result.output


def test_out_naming_a_directory_says_to_name_a_file(tmp_path: Path):
    path = tmp_path / "survey.csv"
    SURVEY.to_csv(path, index=False)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    result = runner.invoke(app, ["classify", str(path), "--text-col", "comment", "--no-sentiment", "--out", str(out_dir)])
    line = _error_line(result)
    assert "is a directory" in line and str(out_dir / "survey.csv") in line


def test_analyze_names_the_score_values_it_cannot_read(tmp_path: Path):
    path = tmp_path / "survey.csv"
    SURVEY.assign(nps=["great", "bad", "ok", "fine"]).to_csv(path, index=False)
    result = runner.invoke(app, ["analyze", str(path), "--text-col", "comment", "--score-col", "nps",
                                 "--out-dir", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "'great'" in result.output and "'bad'" in result.output
