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


def _everyone_complains_of_delivery(tmp_path):
    rows = [f"{i},The courier was late,{score},Delivery and logistics,0.9,False" for i, score in
            enumerate([0, 3, 6, 7, 8, 9, 10, 10, 2, 9], start=1)]
    data = tmp_path / "classified.csv"
    data.write_text("response_id,comment,nps,categories,confidence,needs_review\n" + "\n".join(rows) + "\n",
                    encoding="utf-8")
    return data


def test_drivers_says_why_a_category_in_every_answer_has_no_impact(tmp_path, monkeypatch):
    """One category in every scored answer: its 'without' and impact cells were blank, its note empty,
    and analyze said 'Top negative drivers: none found' with no word that nothing could be compared."""
    from feedback_classifier.cli import render

    monkeypatch.setattr(render.console, "width", 250)  # the note in one piece, not wrapped in its cell
    data = _everyone_complains_of_delivery(tmp_path)
    result = runner.invoke(app, ["drivers", str(data), "--score-col", "nps", "--out", str(tmp_path / "d.csv")])
    assert result.exit_code == 0, result.output
    assert "in every scored answer: nothing to compare it with" in result.output


def test_the_report_says_why_a_category_in_every_answer_has_no_impact(tmp_path):
    """The report's drivers table showed '— — … —' for such a category, with no word why."""
    data = _everyone_complains_of_delivery(tmp_path)
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["report", str(data), "--text-col", "comment", "--score-col", "nps",
                                 "--out", str(out), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "in every scored answer: nothing to compare it with" in out.read_text(encoding="utf-8")


def test_analyze_says_why_no_driver_is_found_when_one_category_is_in_every_answer(tmp_path):
    data = tmp_path / "survey.csv"
    data.write_text("response_id,comment,nps\n" + "".join(f"{i},The parcel was damaged,{i % 11}\n" for i in range(40)),
                    encoding="utf-8")
    result = runner.invoke(app, ["analyze", str(data), "--text-col", "comment", "--score-col", "nps", "--out-dir",
                                 str(tmp_path / "out"), "--tone-teacher", "none", "--lang", "en", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "is in every scored answer, so there is nothing to compare it with" in result.output


def test_an_empty_column_name_is_one_line_error_in_every_command(tmp_path):
    """``--score-col ''`` (an unset shell variable): classify and analyze ended in a KeyError traceback,
    route and audit took it for no column and went on without the scores or groups, suggest without ids."""
    data = tmp_path / "survey.csv"
    data.write_text("id,,comment,nps\n1,x,The courier was late,3\n2,y,Too expensive,9\n", encoding="utf-8")
    labels = tmp_path / "labels.csv"
    labels.write_text("text,labels,review\n" + "".join(f"comment {i},{'Price' if i % 2 else 'Delivery'},r{i}\n"
                                                        for i in range(12)), encoding="utf-8")
    runs = {
        "classify": ["classify", str(data), "--text-col", "", "--out", str(tmp_path / "c.csv")],
        "analyze": ["analyze", str(data), "--text-col", "comment", "--score-col", "", "--out-dir",
                    str(tmp_path / "a"), "--tone-teacher", "none"],
        "analyze --by": ["analyze", str(data), "--text-col", "comment", "--by", " ", "--out-dir",
                         str(tmp_path / "b"), "--tone-teacher", "none"],
        "route": ["route", str(data), "--text-col", "comment", "--score-col", "", "--out-dir", str(tmp_path / "r"),
                  "--tone-teacher", "none"],
        "audit": ["audit", str(labels), "--text-col", "text", "--labels-col", "labels", "--group-col", "",
                  "--folds", "2", "--embeddings", "none", "--out", str(tmp_path / "s.csv")],
        "suggest": ["suggest", str(data), "--text-col", "comment", "--id-col", "", "--out", str(tmp_path / "g.csv")],
    }
    for name, args in runs.items():
        result = runner.invoke(app, args)
        assert result.exit_code == 1, (name, result.output, result.exception)
        said = result.output
        assert "Traceback" not in said and ("no column ''" in said or "is empty" in said), (name, said)
    assert "'Unnamed: 1'" in runner.invoke(app, runs["analyze --by"]).output  # the name of the unnamed column
    assert not any(p.exists() for p in (tmp_path / "c.csv", tmp_path / "r", tmp_path / "s.csv", tmp_path / "g.csv"))


def test_a_mean_of_one_score_has_no_interval_rather_than_nan(tmp_path):
    """``--score-type mean`` on one scored row printed "mean score 10.00 (95% CI nan to nan)"."""
    data = tmp_path / "classified.csv"
    data.write_text("comment,score,categories,confidence,needs_review\n"
                    "The courier was late,4,Delivery and logistics,0.9,False\n", encoding="utf-8")
    result = runner.invoke(app, ["drivers", str(data), "--score-col", "score", "--score-type", "mean",
                                 "--out", str(tmp_path / "d.csv")])
    assert result.exit_code == 0, result.output
    assert "nan" not in result.output
    assert "(no 95% CI) from 1 valid score" in result.output


def test_a_header_without_rows_is_said_by_classify_analyze_and_route(tmp_path):
    """A header and no rows: classify and route printed '0 rows' and no reason, analyze said
    'No valid NPS scores in 'nps': drivers skipped (check --score-col and --score-type)', the wrong fix."""
    data = tmp_path / "survey.csv"
    data.write_text("id,comment,nps\n", encoding="utf-8")
    runs = [["classify", str(data), "--text-col", "comment", "--out", str(tmp_path / "c.csv")],
            ["analyze", str(data), "--text-col", "comment", "--score-col", "nps", "--out-dir", str(tmp_path / "a"),
             "--tone-teacher", "none"],
            ["route", str(data), "--text-col", "comment", "--score-col", "nps", "--out-dir", str(tmp_path / "r"),
             "--tone-teacher", "none"]]
    for args in runs:
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        assert "has no data rows (only a header)" in result.output, (args[0], result.output)
        assert "check --score-col" not in result.output


def test_label_says_why_a_pool_of_empty_or_repeated_comments_leaves_nothing_to_label(tmp_path, monkeypatch):
    """A 4-row pool whose comments are all empty: 'Labelling 0 comments' and a page with nothing on it,
    no word why (suggest says 'Left out of the pool: 4 empty.')."""
    import feedback_classifier.jobs.label_app as label_app

    class StopAtOnce:
        server_port = 9

        def serve_forever(self):
            raise KeyboardInterrupt

        def server_close(self):
            pass

    monkeypatch.setattr(label_app, "make_server", lambda session, port: StopAtOnce())
    pool = tmp_path / "pool.csv"
    pool.write_text("id,comment\n1,\n2,\n3,Too expensive\n4,Too expensive\n", encoding="utf-8")
    result = runner.invoke(app, ["label", str(pool), "--text-col", "comment", "--labels", str(tmp_path / "l.csv")])
    assert result.exit_code == 0, result.output
    assert "Labelling 1 comment" in result.output
    assert "Left out of the pool: 2 empty, 1 repeating a comment above." in result.output


def test_audit_of_three_rows_does_not_ask_for_fewer_than_two_folds(tmp_path):
    """3 labelled rows with --folds 2: 'label more rows or pass a smaller --folds', yet --folds 1 is refused."""
    labels = tmp_path / "labels.csv"
    labels.write_text("text,labels\nThe courier was late,Delivery\nToo expensive,Price\nRude staff,Customer service\n",
                      encoding="utf-8")
    result = runner.invoke(app, ["audit", str(labels), "--text-col", "text", "--labels-col", "labels", "--folds", "2",
                                 "--embeddings", "none", "--out", str(tmp_path / "s.csv")])
    assert result.exit_code == 1, result.output
    assert "smaller --folds" not in result.output
    assert "got 3; label more rows (2 folds is the fewest)" in result.output


def test_the_report_says_why_it_has_no_trend_when_every_date_is_in_one_period(tmp_path):
    """A date column whose every value is one day: the console said 'Trend: using submitted_at', the report
    left the trend out with no word why."""
    rows = [f"{i},2024-01-01,The courier was late,{i % 11},Delivery and logistics,0.9,False" for i in range(12)]
    data = tmp_path / "classified.csv"
    data.write_text("id,submitted_at,comment,nps,categories,confidence,needs_review\n" + "\n".join(rows) + "\n",
                    encoding="utf-8")
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["report", str(data), "--text-col", "comment", "--score-col", "nps",
                                 "--period-col", "submitted_at", "--out", str(out), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "falls in one period" in out.read_text(encoding="utf-8")
