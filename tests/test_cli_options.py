"""One spelling per option across commands; the replaced spellings still work, with a note on stderr."""

from __future__ import annotations

import pandas as pd
from test_analyze import as_default, survey, tiny_model  # noqa: F401  (as_default and tiny_model are fixtures)
from typer.testing import CliRunner

from feedback_classifier.cli import app

runner = CliRunner()


def _run(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_classify_explain_and_out_format_are_old_spellings_of_evidence_and_format(tmp_path, as_default):
    src = tmp_path / "survey.csv"
    survey(30).to_csv(src, index=False)
    new = _run("classify", src, "--text-col", "comment", "--out", tmp_path / "new.out", "--format", "csv",
               "--evidence", "--quiet")
    old = _run("classify", src, "--text-col", "comment", "--out", tmp_path / "old.out", "--out-format=csv",
               "--explain", "--quiet")
    assert new.exit_code == old.exit_code == 0, old.output
    assert new.stderr == ""
    assert "--explain is deprecated; use --evidence" in old.stderr
    assert "--out-format is deprecated; use --format" in old.stderr
    assert (tmp_path / "new.out").read_bytes() == (tmp_path / "old.out").read_bytes()
    assert "evidence" in pd.read_csv(tmp_path / "new.out").columns


def test_format_still_names_the_input_format_where_the_extension_does_not(tmp_path, as_default):
    src = tmp_path / "survey.export"
    survey(30).to_csv(src, index=False)
    old = _run("classify", src, "--text-col", "comment", "--out", tmp_path / "old.csv", "--format", "csv", "--quiet")
    new = _run("classify", src, "--text-col", "comment", "--out", tmp_path / "new.csv", "--input-format", "csv",
               "--quiet")
    assert old.exit_code == new.exit_code == 0, old.output
    assert "--format for the input format is deprecated; use --input-format" in old.stderr
    assert (tmp_path / "old.csv").read_bytes() == (tmp_path / "new.csv").read_bytes()


def test_an_old_command_line_giving_input_and_output_formats_keeps_both(tmp_path, as_default):
    """`--format tsv --out-format csv` was classify's input and output format: the rename of --out-format
    made it two --format, the TSV was read as CSV and the output format was lost ("unknown table format")."""
    src = tmp_path / "survey.export"
    survey(30).to_csv(src, index=False, sep="\t")
    old = _run("classify", src, "--text-col", "comment", "--out", tmp_path / "old.out", "--format", "tsv",
               "--out-format", "csv", "--quiet")
    new = _run("classify", src, "--text-col", "comment", "--out", tmp_path / "new.out", "--input-format", "tsv",
               "--format", "csv", "--quiet")
    assert old.exit_code == new.exit_code == 0, old.output
    assert "--format for the input format is deprecated; use --input-format" in old.stderr
    assert (tmp_path / "old.out").read_bytes() == (tmp_path / "new.out").read_bytes()
    queues = _run("analyze", src, "--text-col", "comment", "--score-col", "nps", "--out-dir", tmp_path / "out",
                  "--format=tsv", "--queue-format", "jsonl", "--quiet")
    assert queues.exit_code == 0, queues.output
    assert (tmp_path / "out" / "queues" / "summary.jsonl").exists()


def test_analyze_queue_format_is_an_old_spelling_of_format(tmp_path, as_default):
    src = tmp_path / "survey.csv"
    survey(40).to_csv(src, index=False)
    result = _run("analyze", src, "--text-col", "comment", "--score-col", "nps", "--out-dir", tmp_path / "out",
                  "--queue-format", "jsonl", "--quiet")
    assert result.exit_code == 0, result.output
    assert "--queue-format is deprecated; use --format" in result.stderr
    assert (tmp_path / "out" / "drivers.jsonl").exists() and (tmp_path / "out" / "queues" / "summary.jsonl").exists()
    assert (tmp_path / "out" / "survey.enriched.csv").exists()  # the enriched table keeps the input's format


def test_drivers_freq_is_an_old_spelling_of_period(tmp_path):
    df = pd.DataFrame({
        "nps": [0, 2, 9, 10, 3, 9, 8, 1] * 5,
        "categories": ["Price", "Price > Too expensive", "", "", "Delivery", "", "Delivery", "Price"] * 5,
        "submitted_at": pd.date_range("2024-01-01", periods=40, freq="5D").strftime("%Y-%m-%d"),
    })
    src = tmp_path / "classified.export"
    df.to_csv(src, index=False)
    args = ["drivers", src, "--input-format", "csv", "--score-col", "nps", "--period-col", "submitted_at",
            "--boot", "0", "--min-n", "1"]
    new = _run(*args, "--period", "quarter", "--out", tmp_path / "new.csv")
    old = _run(*args, "--freq", "quarter", "--out", tmp_path / "old.csv")
    assert new.exit_code == old.exit_code == 0, old.output
    assert "--freq is deprecated; use --period" in old.stderr and "deprecated" not in new.stderr
    assert (tmp_path / "new_trend.csv").read_bytes() == (tmp_path / "old_trend.csv").read_bytes()
    assert "2024-Q1" in (tmp_path / "new_trend.csv").read_text(encoding="utf-8-sig")


def test_route_and_report_read_an_input_format_the_extension_does_not_tell(tmp_path, as_default):
    src = tmp_path / "survey.export"
    survey(40).to_csv(src, index=False)
    routed = _run("route", src, "--input-format", "csv", "--text-col", "comment", "--out-dir", tmp_path / "q")
    assert routed.exit_code == 0, routed.output
    assert (tmp_path / "q" / "summary.csv").exists()
    missing = _run("report", src, "--input-format", "csv", "--text-col", "comment", "--out", tmp_path / "r.html")
    assert missing.exit_code == 1 and "no 'categories' column" in missing.output


def test_an_unknown_language_is_a_usage_error_naming_the_choices(tmp_path):
    result = _run("route", tmp_path / "any.csv", "--text-col", "comment", "--out-dir", tmp_path, "--lang", "de")
    assert result.exit_code == 2
    assert "Unknown language 'de': use one of en, ru." in result.output


def test_every_job_reading_a_users_table_takes_its_reading_options_as_one_read():
    import inspect

    from feedback_classifier import jobs
    from feedback_classifier.tableio import ReadOptions

    old = {"sheet", "encoding", "sep", "skip_rows", "encoding_errors", "read_options", "in_fmt"}
    for name in ("analyze", "classify_file", "drivers_file", "report_file", "route_file", "train_file",
                 "train_without_labels_file", "evaluate_file", "infer_taxonomy_file"):
        params = inspect.signature(getattr(jobs, name)).parameters
        assert params["read"].default == ReadOptions(), name
        assert not old & set(params), (name, old & set(params))


def test_the_reading_options_reach_the_job(tmp_path, as_default):
    # no extension that tells, a delimiter sniffing does not try, one extra header row: each option must arrive
    src = tmp_path / "survey.export"
    src.write_text("comment~nps\nHow was it?~Score\n" + "".join(f"late courier {i}~{i % 11}\n" for i in range(20)),
                   encoding="utf-8")
    result = _run("classify", src, "--text-col", "comment", "--out", tmp_path / "out.csv", "--input-format", "csv",
                  "--sep", "~", "--skip-rows", "1", "--quiet")
    assert result.exit_code == 0, result.output
    out = pd.read_csv(tmp_path / "out.csv", encoding="utf-8-sig")
    assert len(out) == 20 and out["comment"].iloc[0] == "late courier 0"


def test_every_command_reading_a_users_table_takes_input_format():
    # the README: "--input-format the input's" in every command; train, evaluate and taxonomy infer lacked it
    import typer.main

    root = typer.main.get_command(app)
    for path in (["classify"], ["analyze"], ["route"], ["report"], ["drivers"], ["train"], ["evaluate"],
                 ["suggest"], ["label"], ["audit"], ["taxonomy", "infer"]):
        command = root
        for name in path:
            command = command.commands[name]
        assert "--input-format" in {o for p in command.params for o in p.opts}, path


def test_train_evaluate_and_infer_read_a_file_whose_extension_does_not_tell(tmp_path):
    from test_analyze import TRAIN

    src = tmp_path / "labelled.export"
    rows = [(t, "; ".join(f"{p} > {c}" for p, c in y)) for t, y in TRAIN] * 2
    pd.DataFrame(rows, columns=["text", "labels"]).to_csv(src, index=False)
    model = tmp_path / "m.joblib"
    unknown = _run("train", src, "--out", model, "--taxonomy", "cx-default", "--cv", "0")
    assert unknown.exit_code == 1 and "(CLI: --input-format)" in unknown.output, unknown.output
    trained = _run("train", src, "--out", model, "--taxonomy", "cx-default", "--cv", "0", "--input-format", "csv")
    assert trained.exit_code == 0, trained.output
    scored = _run("evaluate", src, "--model", model, "--input-format", "csv", "--json")
    assert scored.exit_code == 0, scored.output
    assert '"rows": 36' in scored.stdout
    inferred = _run("taxonomy", "infer", src, "-o", tmp_path / "t.yaml", "--input-format", "csv")
    assert inferred.exit_code == 0, inferred.output
    assert (tmp_path / "t.yaml").exists()


def test_an_unknown_output_extension_names_format_and_an_unknown_input_one_input_format(tmp_path, as_default):
    src = tmp_path / "survey.csv"
    survey(10).to_csv(src, index=False)
    out = _run("classify", src, "--text-col", "comment", "--out", tmp_path / "out.dat", "--quiet")
    assert out.exit_code == 1 and "(CLI: --format)" in out.output, out.output
    src.rename(tmp_path / "survey.dat")
    inp = _run("classify", tmp_path / "survey.dat", "--text-col", "comment", "--out", tmp_path / "o.csv", "--quiet")
    assert inp.exit_code == 1 and "(CLI: --input-format)" in inp.output, inp.output


def test_an_unknown_period_or_score_type_is_a_usage_error_in_every_command(tmp_path):
    # the README: a bad choice is one `Error: ...` line saying where the help is, exit code 2; these were
    # exit 1 after reading the file (analyze, drivers, route), or ignored (report --period)
    src = tmp_path / "classified.csv"
    pd.DataFrame({"comment": ["late"] * 4, "categories": ["Delivery"] * 4, "nps": [1, 9, 10, 3]}).to_csv(src, index=False)
    common = {"analyze": ["--text-col", "comment", "--out-dir", tmp_path / "a"],
              "drivers": ["--score-col", "nps"],
              "report": ["--text-col", "comment", "--out", tmp_path / "r.html"],
              "route": ["--text-col", "comment", "--out-dir", tmp_path / "q", "--score-col", "nps"]}
    for command, args in common.items():
        options = [("--score-type", "foo")] + ([("--period", "fortnight")] if command != "route" else [])
        for option, value in options:
            result = _run(command, src, *args, option, value)
            assert result.exit_code == 2, (command, option, result.output)
            assert f"Invalid value for {option}: '{value}' is not a" in result.output
            assert f"{command} --help" in result.output
    assert not (tmp_path / "r.html").exists()
