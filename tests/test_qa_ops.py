"""An ops engineer's QA sweep: the commands as a cron job or an Airflow task sees them (exit codes,
stderr, stopped runs, pipes, full disks, locked-down home folders).

Each test fails on the code before its fix.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from feedback_classifier.cli import app

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]

SURVEY = (
    "id,comment,nps,submitted_at\n"
    "1,Курьер опоздал на два часа,2,2024-01-03\n"
    "2,The refund is still missing after a month,1,2024-01-09\n"
    "3,Great support and fast answers,10,2024-02-01\n"
    "4,Дорого,6,2024-02-11\n"
)


def _survey(tmp_path: Path) -> Path:
    path = tmp_path / "survey.csv"
    path.write_text(SURVEY, encoding="utf-8")
    return path


def _env() -> dict[str, str]:
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    return env


def test_ctrl_c_says_it_stopped_the_run_with_exit_code_130(tmp_path, monkeypatch):
    """Ctrl-C (SIGINT) ended with exit code 130 and not a word, where the README promises one line
    (SIGTERM has one): a log showed a failed run and nothing about why."""
    from feedback_classifier import jobs

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(jobs, "classify_file", interrupted)
    result = runner.invoke(app, ["classify", str(_survey(tmp_path)), "--text-col", "comment",
                                 "--out", str(tmp_path / "out.csv"), "-q"])
    assert result.exit_code == 130
    assert "Stopped by Ctrl-C (SIGINT)" in result.output
    assert "Traceback" not in result.output


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="signals as on Linux")
def test_sigint_to_the_cli_prints_one_line_and_leaves_nothing_behind(tmp_path):
    data = tmp_path / "big.csv"
    words = ["courier", "late", "refund", "price", "support", "курьер", "дорого", "app", "crash", "ok"]
    lines = ["id,comment"] + [f"{i},{words[i % 10]} {words[i // 10 % 10]} {words[i // 100 % 10]} {i}"
                               for i in range(150_000)]
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    out.write_text("yesterday\n")
    # a new session: SIGINT reaches the command as a terminal's Ctrl-C does, not ignored as in a background job
    proc = subprocess.Popen([sys.executable, "-m", "feedback_classifier", "classify", str(data), "--text-col",
                             "comment", "--out", str(out), "--chunksize", "2000"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=_env(),
                            start_new_session=True)
    deadline = time.time() + 60
    while not list(tmp_path.glob(".out.csv.*.tmp")) and time.time() < deadline:
        time.sleep(0.01)
    time.sleep(1.0)
    os.killpg(proc.pid, 2)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Stopped by Ctrl-C" in err and "Traceback" not in err
    assert out.read_text() == "yesterday\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.csv", "out.csv"]


def _classified(tmp_path: Path) -> Path:
    path = tmp_path / "classified.csv"
    rows = ["id,comment,nps,submitted_at,region,categories,category_sentiment"]
    cats = ["Delivery and logistics", "Price and value", "Customer service", ""]
    for i in range(80):
        cat = cats[i % 4]
        sentiment = f"{cat}=negative" if cat and i % 3 else (f"{cat}=positive" if cat else "")
        rows.append(f"{i},comment {i},{i % 11},2024-0{1 + i % 3}-1{i % 9},{'north' if i % 2 else 'south'},"
                    f"{cat},{sentiment}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_drivers_failing_half_way_keeps_every_previous_table(tmp_path, monkeypatch):
    """drivers wrote its tables one by one: a full disk at the trend table left today's impact and
    regression tables beside yesterday's trend, where the README promises a failed run leaves the
    previous outputs as they were."""
    import errno

    from feedback_classifier import tableio
    from feedback_classifier.tableio.atomic import unwritable_error

    data = _classified(tmp_path)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    for name in ("drivers.csv", "drivers_regression.csv", "drivers_trend.csv"):
        (out_dir / name).write_text("yesterday\n")
    real_write = tableio.write_table

    def disk_fills_at_the_trend(table, path, **kwargs):
        if "_trend" in Path(path).name:
            raise unwritable_error(Path(path), OSError(errno.ENOSPC, "No space left on device"))
        return real_write(table, path, **kwargs)

    monkeypatch.setattr(tableio, "write_table", disk_fills_at_the_trend)
    result = runner.invoke(app, ["drivers", str(data), "--score-col", "nps", "--out", str(out_dir / "drivers.csv"),
                                 "--period-col", "submitted_at", "--charts", str(tmp_path / "charts")])
    assert result.exit_code == 1, result.output
    assert "No space left on device" in result.output and f"{out_dir}{os.sep}drivers_trend.csv" in result.output
    assert {p.name: p.read_text() for p in out_dir.iterdir()} == {
        "drivers.csv": "yesterday\n", "drivers_regression.csv": "yesterday\n", "drivers_trend.csv": "yesterday\n"}
    assert not (tmp_path / "charts").exists()


def test_a_failed_drivers_run_leaves_no_empty_charts_folder(tmp_path):
    """The --charts folder was made before any work, so a run that stopped on its input (here a
    misspelt score column) left an empty folder that a nightly job took for today's charts."""
    data = _classified(tmp_path)
    charts = tmp_path / "reports" / "charts"
    result = runner.invoke(app, ["drivers", str(data), "--score-col", "npss", "--charts", str(charts)])
    assert result.exit_code == 1, result.output
    assert not (tmp_path / "reports").exists()
    (tmp_path / "taken").write_text("a file")
    result = runner.invoke(app, ["drivers", str(data), "--score-col", "nps", "--charts", str(tmp_path / "taken" / "c")])
    assert result.exit_code == 1 and "is a file" in result.output, result.output
    result = runner.invoke(app, ["drivers", str(data), "--score-col", "nps", "--charts", str(charts)])
    assert result.exit_code == 0, result.output
    assert sorted(p.suffix for p in charts.iterdir()) == [".png"] * len(list(charts.iterdir())) != []


def test_drivers_rerun_without_by_removes_the_previous_runs_segments_table(tmp_path):
    """A nightly run that dropped --by (or lost its date column) left yesterday's segments (or trend)
    table next to today's impact table, read as today's."""
    data = _classified(tmp_path)
    out = tmp_path / "drivers.csv"
    first = runner.invoke(app, ["drivers", str(data), "--score-col", "nps", "--out", str(out), "--by", "region",
                                "--charts", str(tmp_path / "charts")])
    assert first.exit_code == 0, first.output
    assert (tmp_path / "drivers_segments.csv").exists() and (tmp_path / "drivers_trend.csv").exists()
    second = runner.invoke(app, ["drivers", str(data), "--score-col", "nps", "--out", str(out),
                                 "--period-col", "submitted_at"])
    assert second.exit_code == 0, second.output
    assert not (tmp_path / "drivers_segments.csv").exists()
    assert (tmp_path / "drivers_trend.csv").exists() and (tmp_path / "drivers_regression.csv").exists()
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_drivers_out_through_a_symbolic_link_replaces_the_file_it_points_to(tmp_path):
    data = _classified(tmp_path)
    shared = tmp_path / "share"
    shared.mkdir()
    (shared / "2026-12-07.csv").write_text("yesterday\n")
    link = tmp_path / "latest.csv"
    link.symlink_to(shared / "2026-12-07.csv")
    result = runner.invoke(app, ["drivers", str(data), "--score-col", "nps", "--out", str(link)])
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and "category" in (shared / "2026-12-07.csv").read_text(encoding="utf-8-sig")
    assert (tmp_path / "latest_regression.csv").exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pipes as on Linux")
@pytest.mark.parametrize("args", [["taxonomy", "show", "cx-default"], ["--version"], ["drivers", "{data}", "--score-col",
                                  "nps", "--out", "{out}"]])
def test_stdout_closed_early_exits_141_not_the_input_error_code(tmp_path, args):
    """`feedback-classifier ... | head -1`: the reader gone, click and rich exited with 1, the code of an
    input error, though the outputs were complete; a cron job with pipefail read a bad input."""
    out = tmp_path / "drivers.csv"
    args = [a.format(data=_classified(tmp_path), out=out) for a in args]
    proc = subprocess.Popen([sys.executable, "-m", "feedback_classifier", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=_env())
    proc.stdout.close()  # the reader is gone before the first line
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141, err
    assert "Traceback" not in err and "Error" not in err
    if "drivers" in args:
        assert out.exists()


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="uids as on Unix")
def test_no_home_folder_at_all_gets_a_private_cache_not_a_traceback(tmp_path, monkeypatch):
    """A container run as an arbitrary uid has no HOME and no passwd entry: every command stopped with
    'RuntimeError: Could not determine home directory' (a traceback) while looking for the cache."""
    import pwd
    import tempfile

    from feedback_classifier import _paths

    def no_such_user(uid):
        raise KeyError(f"getpwuid(): uid not found: {uid}")

    for name in ("HOME", "FEEDBACK_CLASSIFIER_CACHE", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(pwd, "getpwuid", no_such_user)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    _paths._homeless_cache.cache_clear()
    try:
        own = _paths.cache_dir()
        assert own == tmp_path / f"feedback-classifier-{os.getuid()}"
        assert own.is_dir() and own.stat().st_mode & 0o777 == 0o700
        assert _paths.cache_dir() == own
        own.chmod(0o777)  # a folder anyone can write to (another user's, or planted): not used
        _paths._homeless_cache.cache_clear()
        private = _paths.cache_dir()
        assert private != own and private.parent == tmp_path and private.is_dir()
    finally:
        _paths._homeless_cache.cache_clear()


def test_read_only_home_draws_charts_without_matplotlibs_own_warnings(tmp_path):
    """With a home matplotlib cannot write (read-only, or HOME a file: a locked-down service account),
    every run that drew a chart printed two lines of matplotlib's own (a temporary cache directory,
    'set the MPLCONFIGDIR environment variable') into the job's log, and rebuilt its font cache."""
    home = tmp_path / "home"
    home.write_text("not a folder\n")  # as unwritable as a read-only mount, for root too
    env = _env()
    for name in ("MPLCONFIGDIR", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        env.pop(name, None)
    env.update(HOME=str(home), FEEDBACK_CLASSIFIER_CACHE=str(tmp_path / "cache"))
    proc = subprocess.run([sys.executable, "-m", "feedback_classifier", "drivers", str(_classified(tmp_path)),
                           "--score-col", "nps", "--out", str(tmp_path / "drivers.csv"), "--charts",
                           str(tmp_path / "charts")], capture_output=True, text=True, env=env, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "Matplotlib" not in proc.stderr and "MPLCONFIGDIR" not in proc.stderr, proc.stderr
    assert list((tmp_path / "charts").glob("*.png"))


def test_drivers_has_quiet_for_its_e5_progress_lines(tmp_path, monkeypatch):
    """drivers --text-col reads comments with e5 first (tone-teacher auto), with a progress line every
    5 s in a cron log, and unlike classify, analyze and route it had no --quiet to turn them off."""
    from feedback_classifier.errors import InputFileError
    from feedback_classifier.jobs import drivers as drivers_job

    def reads_with_e5(data, *, tone_progress=None, **kwargs):
        if tone_progress is not None:
            tone_progress(2000, 2000)
        raise InputFileError("stop here")

    monkeypatch.setattr(drivers_job, "drivers_file", reads_with_e5)
    args = ["drivers", str(_survey(tmp_path)), "--score-col", "nps", "--text-col", "comment"]
    loud = runner.invoke(app, args)
    assert "read with e5 2,000" in loud.output
    quiet = runner.invoke(app, [*args, "--quiet"])
    assert quiet.exit_code == 1, quiet.output
    assert "read with e5" not in quiet.output and "Error: stop here" in quiet.output


@pytest.mark.parametrize("command", ["audit", "suggest", "drivers"])
def test_help_of_commands_without_a_report_or_a_model_says_what_they_do(command):
    """audit, suggest and drivers shared --lang's help with analyze ("Language of category names and the
    report"), though none writes a report, and audit, which takes no --model, said its taxonomy defaults
    to "the model's" where it is inferred from the labels."""
    result = runner.invoke(app, [command, "--help"], env={"COLUMNS": "300"})
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "and the report" not in text
    if command == "audit":
        assert "default: the model's" not in text and "inferred from the labels" in text


@pytest.mark.parametrize("locale_env, readable", [
    ({"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0"}, True),  # ASCII: written as UTF-8, as click's own lines
    ({"PYTHONIOENCODING": "latin-1"}, False),  # a legacy single-byte locale: '?' for what it cannot hold
])
def test_russian_tables_under_an_ascii_or_legacy_locale_are_printed_not_a_traceback(locale_env, readable):
    """rich printed the taxonomy tree and the drivers tables in the stream's locale encoding: under an
    ASCII locale with UTF-8 mode off, or ISO-8859-1, a UnicodeEncodeError traceback (exit 1) after the
    outputs were written, while click's lines of the same run came out as UTF-8."""
    env = _env()
    env.pop("PYTHONIOENCODING", None)
    env.update(locale_env)
    proc = subprocess.run([sys.executable, "-m", "feedback_classifier", "taxonomy", "show", "cx-default", "--lang",
                           "ru"], capture_output=True, env=env, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    assert b"Traceback" not in proc.stderr
    assert ("Качество товара" in proc.stdout.decode("utf-8")) == readable


def test_input_dash_says_standard_input_is_not_read_rather_than_file_not_found(tmp_path, monkeypatch):
    """`cat survey.csv | feedback-classifier classify - ...` (Unix habit) said '-: file not found', as if
    the tool had mistaken the path; --out - already says standard output is not supported."""
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["classify", "-", "--text-col", "comment", "--out", "out.csv"], input=SURVEY)
    assert result.exit_code == 1
    assert "reading standard input is not supported" in result.output and "file not found" not in result.output


def test_analyze_rerun_in_another_format_or_without_scores_removes_yesterdays_drivers_table(tmp_path):
    """analyze removed the queues of an earlier run in another --format, but not its drivers table:
    drivers.xlsx from yesterday's --format xlsx run (or drivers.csv from a run with --score-col, when
    today's has none) stayed beside today's report, read as today's."""
    data = _survey(tmp_path)
    out = tmp_path / "out"
    base = ["analyze", str(data), "--text-col", "comment", "--out-dir", str(out), "-q", "--tone-teacher", "none"]
    first = runner.invoke(app, [*base, "--score-col", "nps", "--format", "xlsx"])
    assert first.exit_code == 0, first.output
    assert (out / "drivers.xlsx").exists()
    second = runner.invoke(app, [*base, "--score-col", "nps"])
    assert second.exit_code == 0, second.output
    assert (out / "drivers.csv").exists() and not (out / "drivers.xlsx").exists()
    third = runner.invoke(app, base)  # no score column today: no drivers table at all
    assert third.exit_code == 0, third.output
    assert not list(out.glob("drivers.*"))


def test_analyze_stopped_on_its_first_run_leaves_no_empty_out_dir(tmp_path, monkeypatch):
    """analyze makes --out-dir before it reads the file: a first run stopped (SIGTERM, Ctrl-C) or failed
    half-way left an empty out/ (and its new parents), which a scheduler's check for the folder took for
    a finished run. A folder that was there before stays."""
    import importlib

    analyze_job = importlib.import_module("feedback_classifier.jobs.analyze")  # (jobs.analyze is the function)

    def stopped(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(analyze_job, "classified_chunks", stopped)
    data = _survey(tmp_path)
    out = tmp_path / "runs" / "today"
    result = runner.invoke(app, ["analyze", str(data), "--text-col", "comment", "--out-dir", str(out), "-q",
                                 "--tone-teacher", "none"])
    assert result.exit_code == 130, result.output
    assert not (tmp_path / "runs").exists()
    out.mkdir(parents=True)
    (out / "report.html").write_text("yesterday")
    again = runner.invoke(app, ["analyze", str(data), "--text-col", "comment", "--out-dir", str(out), "-q",
                                "--tone-teacher", "none"])
    assert again.exit_code == 130
    assert sorted(p.name for p in out.iterdir()) == ["report.html"]


def test_route_stopped_on_its_first_run_leaves_no_empty_out_dir(tmp_path, monkeypatch):
    """The same for route, which makes --out-dir for its spill files before it reads the file."""
    import importlib

    route_job = importlib.import_module("feedback_classifier.jobs.route")

    def stopped(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(route_job, "_spill", stopped)
    out = tmp_path / "queues" / "today"
    result = runner.invoke(app, ["route", str(_survey(tmp_path)), "--text-col", "comment", "--out-dir", str(out),
                                 "-q", "--tone-teacher", "none"])
    assert result.exit_code == 130, result.output
    assert not (tmp_path / "queues").exists()


def test_misspelt_encoding_on_a_file_with_a_bom_is_a_one_line_error(tmp_path):
    """`--encoding utf8sig` (a typo) on a UTF-8 file with a BOM, as Excel saves CSV, was a LookupError
    traceback; on a file without a BOM it was already 'unknown encoding'."""
    data = tmp_path / "excel.csv"
    data.write_bytes("\ufeffid,comment\n1,Курьер опоздал\n".encode("utf-8"))
    result = runner.invoke(app, ["classify", str(data), "--text-col", "comment", "--out", str(tmp_path / "o.csv"),
                                 "--encoding", "utf8sigg", "-q"])
    assert result.exit_code == 1, result.output
    assert "unknown encoding 'utf8sigg'" in result.output
    assert not isinstance(result.exception, LookupError)


def test_analyze_bad_format_is_a_usage_error_like_routes(tmp_path):
    """`analyze --format pdf` was exit 1 (an input error) after the model loaded and e5 read the comments,
    where `route --format pdf` is exit 2 at once, as the README says of every bad choice."""
    base = [str(_survey(tmp_path)), "--text-col", "comment", "--out-dir", str(tmp_path / "out"), "-q"]
    for command in ("analyze", "route"):
        result = runner.invoke(app, [command, *base, "--format", "pdf"])
        assert result.exit_code == 2, (command, result.output)
        assert "'pdf' is not a queue format" in result.output
    assert not (tmp_path / "out").exists()
    upper = runner.invoke(app, ["analyze", *base, "--format", "XLSX", "--tone-teacher", "none"])
    assert upper.exit_code == 0, upper.output
