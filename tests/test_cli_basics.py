from typer.testing import CliRunner

from feedback_classifier import __version__
from feedback_classifier.cli import app

runner = CliRunner()


def test_version_prints_package_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


def test_no_arguments_shows_help():
    result = runner.invoke(app, [])
    assert "Usage" in result.output


def test_console_counts_of_one_take_the_singular(tmp_path):
    # "1 mentions", "1 rows without any category", "Wrote 1 charts": count phrases printed the plural for 1
    import pandas as pd
    from typer.testing import CliRunner

    from feedback_classifier.cli import app
    from feedback_classifier.cli.render import analyze_summary, taxonomy_counts
    from feedback_classifier.insights.drivers import compute_drivers
    from feedback_classifier.taxonomy import load_taxonomy

    src = tmp_path / "c.csv"
    pd.DataFrame({"nps": [1, 10], "categories": ["Price", ""]}).to_csv(src, index=False)
    md = tmp_path / "d.md"
    result = CliRunner().invoke(app, ["drivers", str(src), "--score-col", "nps", "--boot", "0", "--min-n", "1",
                                      "--out", str(md)], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "from 2 valid scores of 2 rows; 1 row without any category." in result.output
    assert "(2 rows; 1 row without any category)" in md.read_text(encoding="utf-8")
    assert "Column 'nps': all 2 rows have a valid score." in result.output

    class Result:  # what analyze_summary reads of an AnalyzeResult
        notes, rows, comments, classified, needs_review = [], 1, 1, 1, 0
        drivers = compute_drivers(pd.DataFrame({"nps": [1, 10], "categories": ["Price", ""]}), score_col="nps",
                                  n_boot=0, min_n=1)
        enriched_path = report_path = drivers_path = out_dir = tmp_path
        routing = type("R", (), {"queues": {"Pricing": None},
                                 "summary": pd.DataFrame({"team": ["junk"], "comments": [1]})})()

        def top_negative_drivers(self, n):
            return self.drivers.level("parent").head(n)

        def category_name(self, name):
            return name

    import contextlib
    import io

    out = io.StringIO()  # analyze_summary echoes its lines
    with contextlib.redirect_stdout(out):
        analyze_summary(Result())
    printed = out.getvalue()
    assert "1 answer naming no topic listed apart" in printed and "1 mention\n" in printed and "(1 team + review" in printed and "2 scores)" in printed, printed
    assert taxonomy_counts(load_taxonomy("cx-default")).endswith("children")


def test_the_drivers_markdown_shows_segment_names_and_titles_as_text_never_html_or_links(tmp_path):
    import pandas as pd

    src = tmp_path / "c.csv"
    evil = ["<img src=x onerror=alert(1)>", "[click](javascript:alert(2))"]
    pd.DataFrame({"nps": [1, 10, 5, 9] * 10, "categories": ["Price", "", "Delivery", "Price"] * 10,
                  "<b>region</b>": evil * 20}).to_csv(src, index=False)
    md = tmp_path / "d.md"
    result = CliRunner().invoke(app, ["drivers", str(src), "--score-col", "nps", "--by", "<b>region</b>", "--boot", "0",
                                      "--min-n", "1", "--out", str(md)], terminal_width=200)
    assert result.exit_code == 0, result.output
    text = md.read_text(encoding="utf-8")
    assert "<img" not in text and "<b>" not in text and "](javascript:" not in text.replace("\\](", "")
    assert "&lt;img src=x onerror=alert(1)>" in text and "\\[click\\](javascript:alert(2))" in text
    assert "## Impact by &lt;b>region&lt;/b> (parent categories)" in text


def test_an_input_cell_s_terminal_escapes_are_shown_not_run_in_errors_and_warnings(tmp_path):
    """Errors and warnings quote cells: a hostile respondent's ESC sequences (retitle the window, clear the line,
    or an OSC left open that swallows the rest of the message) reached the terminal as they were."""
    esc = "\x1b]0;pwned\x07\x1b[2K\x1b[2J\rX"
    labels = tmp_path / "l.csv"
    labels.write_text("text,labels\n" + f'late courier,Delivery\nrude staff,"{esc}"\n' * 3, encoding="utf-8")
    bad = CliRunner().invoke(app, ["train", str(labels), "--taxonomy", "cx-default", "--out", str(tmp_path / "m.fcmodel")])
    assert bad.exit_code == 1 and "Unknown label" in bad.output
    assert "\x1b" not in bad.output and "\x07" not in bad.output and "\\x1b]0" in bad.output
    data = tmp_path / "s.csv"
    data.write_text(f'comment,nps,when\nlate courier,3,"{esc}"\nrude staff,9,2024-01-02\n', encoding="utf-8")
    warned = CliRunner().invoke(app, ["drivers", str(data), "--text-col", "comment", "--score-col", "nps",
                                      "--period-col", "when", "--tone-teacher", "none", "--out", str(tmp_path / "d.csv")])
    assert "when" in warned.output and "\\x1b[2K" in warned.output, warned.output
    assert not any(c in warned.output for c in "\x1b\x07\r"), warned.output


def test_segment_values_are_shown_as_written_not_read_as_rich_markup(tmp_path):
    """`drivers --by` printed each segment value as rich markup: a segment named '[/bold]' ended the run with
    a MarkupError traceback, '[link=...]' made a terminal link, and ESC sequences reached the terminal."""
    import pandas as pd

    from pathlib import Path

    survey = Path(__file__).resolve().parents[1] / "feedback_classifier" / "data" / "example_survey.csv"
    df = pd.read_csv(survey, dtype=str, keep_default_na=False).head(200)
    values = ["[/bold]", "[link=https://evil.example]click[/link]", "Kazan\x1b[2J"]
    df["region"] = [values[i % 3] for i in range(len(df))]
    df.to_csv(tmp_path / "s.csv", index=False)
    result = CliRunner().invoke(app, ["drivers", str(tmp_path / "s.csv"), "--text-col", "comment", "--score-col", "nps",
                                      "--by", "region", "--tone-teacher", "none", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "[/bold]" in result.output and "[link=https://evil.example]click[/link]" in result.output
    assert "Kazan\\x1b[2J" in result.output and "\x1b" not in result.output
