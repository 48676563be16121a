"""A nightly batch job's QA sweep: the commands run unattended (cron, Airflow) on survey exports,
stopped by SIGTERM when they overrun, retried soon after, their outputs piped or checksummed.

Each test fails on the code before its fix.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from feedback_classifier.cli import app

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]

SURVEY = (
    "id,comment,nps\n"
    "1,Курьер опоздал на два часа,2\n"
    "2,The refund is still missing after a month,1\n"
    "3,Great support and fast answers,10\n"
    "4,Дорого,6\n"
)


def _survey(tmp_path: Path) -> Path:
    path = tmp_path / "survey.csv"
    path.write_text(SURVEY, encoding="utf-8")
    return path


def _env() -> dict[str, str]:
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    return env


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SIGTERM and /proc as on Linux")
def test_sigterm_mid_run_removes_the_temp_file_and_ends_the_workers(tmp_path):
    """SIGTERM (a scheduler's timeout) ended the process on the spot: the output's temp file stayed
    next to the output for 6 hours and the --jobs workers waited for work forever, orphaned."""
    out = tmp_path / "out.csv"
    out.write_text("yesterday\n")
    script = textwrap.dedent(f"""
        import multiprocessing, operator, os, signal, sys, time
        from pathlib import Path
        from feedback_classifier.cli.main import _stop_cleanly_on_sigterm
        from feedback_classifier.jobs.runner import run_ordered
        from feedback_classifier.tableio.atomic import AtomicTarget

        _stop_cleanly_on_sigterm()
        target = AtomicTarget(Path({str(out)!r}))
        try:
            for i, (_, result) in enumerate(run_ordered(operator.add, 1, iter(range(10**9)), jobs=2)):
                if i == 3:
                    print(" ".join(str(p.pid) for p in multiprocessing.active_children()), flush=True)
                    os.kill(os.getpid(), signal.SIGTERM)
                    time.sleep(30)
        except BaseException:
            target.discard()
            raise
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=_env(), timeout=60, check=False)
    assert proc.returncode == 143, proc.stderr
    workers = [int(p) for p in proc.stdout.split()]
    assert len(workers) == 2
    deadline = time.time() + 10
    while any(_alive(p) for p in workers) and time.time() < deadline:
        time.sleep(0.05)
    assert not any(_alive(p) for p in workers)
    assert out.read_text() == "yesterday\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SIGTERM and /proc as on Linux")
def test_sigterm_to_the_cli_keeps_yesterdays_output_and_leaves_nothing_behind(tmp_path):
    """The same through the command a cron job runs: exit code 143, one line saying so."""
    data = tmp_path / "big.csv"
    words = ["courier", "late", "refund", "price", "support", "курьер", "дорого", "app", "crash", "ok"]
    lines = ["id,comment"] + [f"{i},{words[i % 10]} {words[i // 10 % 10]} {words[i // 100 % 10]} {i}"
                               for i in range(150_000)]
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    out.write_text("yesterday\n")
    proc = subprocess.Popen([sys.executable, "-m", "feedback_classifier", "classify", str(data), "--text-col",
                             "comment", "--out", str(out), "--jobs", "2", "--chunksize", "2000"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=_env())
    deadline = time.time() + 60
    while not list(tmp_path.glob(".out.csv.*.tmp")) and time.time() < deadline:
        time.sleep(0.01)
    time.sleep(1.0)
    proc.terminate()
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert "Stopped by SIGTERM" in err and "Traceback" not in err
    assert out.read_text() == "yesterday\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.csv", "out.csv"]


def test_out_dash_is_refused_instead_of_writing_a_file_named_dash(tmp_path, monkeypatch):
    """`--out - --format csv` wrote a file named '-' and printed the summary on stdout, which the
    next command in the pipe read as the table."""
    data = _survey(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["classify", str(data), "--text-col", "comment", "--out", "-", "--format", "csv"])
    assert result.exit_code == 1
    assert "writing to standard output is not supported" in result.output
    assert not (tmp_path / "-").exists()
    result = runner.invoke(app, ["analyze", str(data), "--text-col", "comment", "--out-dir", "-", "-q"])
    assert result.exit_code == 1 and not (tmp_path / "-").exists()


def test_full_disk_while_spilling_the_queues_is_a_one_line_error(tmp_path, monkeypatch):
    """analyze spills the team queues to disk as it reads; a full disk there was an OSError traceback."""
    from feedback_classifier.insights import streaming_router

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(streaming_router, "open", full_disk, raising=False)
    out = tmp_path / "out"
    result = runner.invoke(app, ["analyze", str(_survey(tmp_path)), "--text-col", "comment", "--score-col", "nps",
                                 "--out-dir", str(out), "-q"])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)
    assert "No space left on device" in result.output and "Traceback" not in result.output
    assert not out.exists()  # nothing staged or spilled stays behind, nor the folder the run made for them


def test_a_killed_runs_leftovers_go_at_the_next_run_not_six_hours_later(tmp_path):
    """A run killed outright (SIGKILL, OOM) leaves its temp file, staged queues and spill folder (with
    the comments) in the output folder; a retry an hour later kept them: only 6-hour-old ones went."""
    data = _survey(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    hour_ago = time.time() - 3600
    dead = [out / ".classified.csv.k1ll3d.tmp", out / ".staged-k1ll3d", out / "fc-queues-k1ll3d"]
    dead[0].write_text("half a table")
    for folder in dead[1:]:
        folder.mkdir()
        (folder / "b00000.arrows").write_text("comments")
        os.utime(folder / "b00000.arrows", (hour_ago, hour_ago))
    live = out / ".classified.csv.l1ve.tmp"  # another process's write in progress: kept
    live.write_text("being written")
    for path in [*dead, live]:
        os.utime(path, (hour_ago, hour_ago))
    lock = os.open(live, os.O_RDONLY)
    fcntl = pytest.importorskip("fcntl")
    fcntl.flock(lock, fcntl.LOCK_EX)  # as a live writer holds its temp file
    try:
        result = runner.invoke(app, ["analyze", str(data), "--text-col", "comment", "--score-col", "nps",
                                     "--out-dir", str(out), "-q"])
        assert result.exit_code == 0, result.output
        result = runner.invoke(app, ["classify", str(data), "--text-col", "comment", "--out",
                                     str(out / "classified.csv"), "-q"])
        assert result.exit_code == 0, result.output
    finally:
        os.close(lock)
    assert [p.name for p in dead if p.exists()] == []
    assert live.exists()


def test_a_malformed_source_date_epoch_is_one_line_before_any_work(tmp_path):
    """SOURCE_DATE_EPOCH='abc' failed in numpy.f2py (imported by scipy) with a traceback once the
    model loaded, or was ignored by the report, which then never had the same bytes twice."""
    out = tmp_path / "out"
    result = runner.invoke(app, ["analyze", str(_survey(tmp_path)), "--text-col", "comment", "--out-dir", str(out),
                                 "-q"], env={"SOURCE_DATE_EPOCH": "2026-12-05"})
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [(
        "Error: SOURCE_DATE_EPOCH='2026-12-05' is not a time in whole seconds since 1970-01-01 UTC; "
        "set it to e.g. the output of `date +%s`, or unset it")]
    assert not out.exists()


def test_a_blank_source_date_epoch_means_unset():
    """`SOURCE_DATE_EPOCH=` (blank) made every command fail importing scipy: numpy.f2py runs int('')."""
    env = dict(_env(), SOURCE_DATE_EPOCH="")
    code = "import feedback_classifier, numpy.f2py, os; print(os.environ.get('SOURCE_DATE_EPOCH'))"
    proc = subprocess.run([sys.executable, "-c", code],
                          capture_output=True, text=True, env=env, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "None"


def _killed_worker(state, payload):
    os._exit(137)  # as the out-of-memory killer ends a process: no exception, no clean-up


def test_a_worker_killed_mid_run_is_one_line_not_a_traceback(tmp_path):
    """A --jobs worker killed by the OOM killer ended the command with BrokenProcessPool's traceback."""
    from feedback_classifier.errors import FeedbackClassifierError
    from feedback_classifier.jobs.runner import run_ordered

    with pytest.raises(FeedbackClassifierError, match="worker process of --jobs 2 ended abruptly.*fewer --jobs"):
        list(run_ordered(_killed_worker, None, range(4), jobs=2))


def test_a_default_model_that_cannot_be_cached_is_said(tmp_path, monkeypatch):
    """With a read-only home or $FEEDBACK_CLASSIFIER_CACHE every run trained the default model again
    (17 s measured, against 1.5 s cached) while saying 'first run only ... later runs load it from the cache'."""
    from feedback_classifier.errors import InputWarning
    from feedback_classifier.model import default as default_module

    model = default_module.default_model()  # the real one, from the real cache, reused as the "trained" one
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    monkeypatch.setattr(default_module, "default_model_path", lambda: blocked / "cx-default.joblib")
    monkeypatch.setattr(default_module, "train_default_model", lambda: (model, 10))
    monkeypatch.setattr(default_module, "_loaded", {})
    with pytest.warns(InputWarning, match="could not be cached in .*not-a-folder.*FEEDBACK_CLASSIFIER_CACHE"):
        assert default_module.default_model() is model


def test_charts_path_that_is_a_file_is_one_line_before_any_output(tmp_path):
    """`drivers --charts X` with X a file was a FileExistsError traceback, after the drivers table
    had already replaced yesterday's."""
    data = tmp_path / "classified.csv"
    data.write_text("nps,categories\n2,Price and value\n9,\n1,Price and value\n10,\n", encoding="utf-8")
    out = tmp_path / "drivers.csv"
    result = runner.invoke(app, ["drivers", str(data), "--score-col", "nps", "--out", str(out),
                                 "--charts", str(data), "--min-n", "1"])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)
    assert "--charts needs a folder" in result.output
    assert not out.exists()


def test_out_dash_without_format_says_standard_output_is_not_supported(tmp_path):
    # the first error was "unknown table format (no extension)... pass --format": doing so then
    # gave the real reason
    data = _survey(tmp_path)
    result = runner.invoke(app, ["classify", str(data), "--text-col", "comment", "--out", "-"], terminal_width=300)
    assert result.exit_code == 1
    assert "writing to standard output is not supported" in result.output and "--format" not in result.output
