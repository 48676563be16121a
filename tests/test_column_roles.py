"""One column given two roles (--text-col, --score-col, --by, --period-col, --categories-col) is a
one-line error before any work or output, the same in every command that takes them."""

from __future__ import annotations

import pytest
from test_analyze import as_default, survey, tiny_model  # noqa: F401  (as_default and tiny_model are fixtures)
from typer.testing import CliRunner

from feedback_classifier.cli import app

runner = CliRunner()


def _run(*args):
    return runner.invoke(app, [str(a) for a in args])


def _one_line_error(result, first: str, second: str, column: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert f"{first} and {second} both name the column '{column}'" in lines[0]


@pytest.mark.parametrize("roles, clash", [
    (["--text-col", "comment", "--score-col", "nps", "--by", "comment"], ("--text-col", "--by", "comment")),
    (["--text-col", "nps", "--score-col", "nps"], ("--text-col", "--score-col", "nps")),
    (["--text-col", "comment", "--score-col", "nps", "--period-col", "nps"], ("--score-col", "--period-col", "nps")),
    (["--text-col", "comment", "--score-col", "nps", "--by", "submitted_at", "--period-col", "submitted_at"],
     ("--by", "--period-col", "submitted_at")),
])
def test_analyze_refuses_a_column_in_two_roles_before_writing_anything(tmp_path, as_default, roles, clash):
    src = tmp_path / "survey.csv"
    survey(40).to_csv(src, index=False)
    result = _run("analyze", src, *roles, "--out-dir", tmp_path / "out", "--quiet")
    _one_line_error(result, *clash)
    assert not (tmp_path / "out").exists()


def test_by_and_period_col_on_one_column_says_why(tmp_path, as_default):
    src = tmp_path / "survey.csv"
    survey(40).to_csv(src, index=False)
    result = _run("drivers", src, "--text-col", "comment", "--score-col", "nps", "--by", "submitted_at",
                  "--period-col", "submitted_at")
    _one_line_error(result, "--by", "--period-col", "submitted_at")
    assert "the trend already follows that column period by period" in result.stderr


def test_drivers_route_classify_and_report_share_the_check(tmp_path, as_default):
    src = tmp_path / "survey.csv"
    data = survey(40)
    data.assign(categories="").to_csv(src, index=False)
    _one_line_error(_run("drivers", src, "--score-col", "nps", "--by", "nps"), "--score-col", "--by", "nps")
    _one_line_error(_run("drivers", src, "--score-col", "nps", "--categories-col", "nps"),
                    "--categories-col", "--score-col", "nps")
    _one_line_error(_run("route", src, "--text-col", "nps", "--score-col", "nps", "--out-dir", tmp_path / "q"),
                    "--text-col", "--score-col", "nps")
    assert not (tmp_path / "q").exists()
    _one_line_error(_run("classify", src, "--text-col", "comment", "--categories-col", "comment",
                         "--out", tmp_path / "c.csv", "--quiet"), "--text-col", "--categories-col", "comment")
    assert not (tmp_path / "c.csv").exists()
    _one_line_error(_run("report", src, "--text-col", "comment", "--score-col", "nps", "--by", "submitted_at",
                         "--period-col", "submitted_at", "--out", tmp_path / "r.html"), "--by", "--period-col",
                    "submitted_at")
    assert not (tmp_path / "r.html").exists()


def test_label_port_out_of_range_is_a_usage_error(tmp_path):
    src = tmp_path / "pool.csv"
    src.write_text("text\nslow delivery\n", encoding="utf-8")
    result = _run("label", src, "--labels", tmp_path / "labels.csv", "--port", "70000")
    assert result.exit_code == 2, result.output
    assert "--port" in result.stderr and "65535" in result.stderr
    assert "Traceback" not in result.output and not isinstance(result.exception, OverflowError)


def test_a_header_differing_in_case_or_spaces_is_found(tmp_path):
    # "--text-col comment" on an export whose header is "Comment  " was "no column 'comment'"
    import pandas as pd

    pd.DataFrame({"Comment  ": ["The courier was late", "Great prices"], "NPS": [2, 9]}).to_csv(
        src := tmp_path / "in.csv", index=False)
    result = CliRunner().invoke(app, ["classify", str(src), "--text-col", "comment", "--out", str(tmp_path / "o.csv")])
    assert result.exit_code == 0, result.output
    out = pd.read_csv(tmp_path / "o.csv", encoding="utf-8-sig")
    assert list(out.columns[:2]) == ["Comment  ", "NPS"] and out["categories"].iloc[0].startswith("Delivery")
