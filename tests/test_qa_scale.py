"""QA as a data engineer running the nightly job on big exports (millions of rows, --jobs 2,
interrupted runs, full disks)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

# A worker terminated while it was sending a result leaves half a message in the result pipe: the
# pool's manager thread then waits for the rest forever. Simulated here by writing that half
# message from the parent, which shares the pipe with the workers.
_HALF_SENT_RESULT = textwrap.dedent("""
    import os, signal, struct, time
    from concurrent.futures import ProcessPoolExecutor
    import feedback_classifier.jobs.runner as runner

    class HalfSent(ProcessPoolExecutor):
        def submit(self, *args, **kwargs):
            future = super().submit(*args, **kwargs)
            if not getattr(self, "_half_sent", False):
                self._half_sent = True
                os.write(self._result_queue._writer.fileno(), struct.pack("!i", 1 << 20) + b"x" * 10)
            return future

    runner.ProcessPoolExecutor = HalfSent

    def slow(state, item):
        time.sleep(30)
        return item

    def ctrl_c(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGALRM, ctrl_c)
    signal.alarm(3)
    try:
        next(runner.run_ordered(slow, None, range(10), jobs=2))
    except KeyboardInterrupt:
        print("stopped")
""")


def test_a_run_stopped_while_a_worker_was_sending_its_result_does_not_hang():
    """`classify --jobs 2` of a 1,000,000-row CSV sent SIGINT mid-run hung for good (workers
    zombies, the parent in `pool.shutdown`): a worker had been terminated half-way through
    sending its chunk's result, and the pool's manager thread waited for the rest of it."""
    done = subprocess.run([sys.executable, "-c", _HALF_SENT_RESULT], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "stopped"


def test_a_cut_parquet_export_names_the_cli_option_not_the_library_argument(tmp_path):
    """A nightly Parquet export cut short (the copy stopped half-way) said "check the file is
    complete or pass the right fmt=": `fmt=` is the library's argument, no option of the CLI."""
    import pandas as pd
    from typer.testing import CliRunner

    from feedback_classifier.cli.main import app

    whole = tmp_path / "whole.parquet"
    pd.DataFrame({"comment": [f"delivery was late {i}" for i in range(200)]}).to_parquet(whole)
    cut = tmp_path / "export.parquet"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    result = CliRunner().invoke(app, ["classify", str(cut), "--text-col", "comment", "--out", str(tmp_path / "o.csv")])
    assert result.exit_code == 1
    assert "not a valid Parquet file" in result.stderr
    assert "--input-format" in result.stderr
    assert not (tmp_path / "o.csv").exists()


@pytest.mark.tone_teacher
def test_route_on_a_header_only_export_does_not_print_scikit_learns_error(tmp_path, monkeypatch):
    """A nightly export with no responses (a holiday) routed with the default --tone-teacher auto
    printed "not taught this file's words: Found array with 0 sample(s) (shape=(0, 384)) while a
    minimum of 1 is required by LogisticRegression..": e5 was asked to read zero comments."""
    from typer.testing import CliRunner

    from feedback_classifier.cli.main import app
    from feedback_classifier.model import e5_tone

    def e5_reading(texts, progress=None, *, store=True):  # what e5's reader does with no comments
        raise ValueError("Found array with 0 sample(s) (shape=(0, 384)) while a minimum of 1 is required by "
                         "LogisticRegression.")

    monkeypatch.setattr("feedback_classifier.jobs.tone.e5_installed", lambda: True)
    monkeypatch.setattr(e5_tone, "e5_positive", e5_reading)

    data = tmp_path / "export.csv"
    data.write_text("response_id,nps,comment\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["route", str(data), "--text-col", "comment", "--score-col", "nps",
                                      "--out-dir", str(tmp_path / "queues"), "--quiet"])
    assert result.exit_code == 0, result.output
    said = result.stdout + result.stderr
    assert "Found array" not in said and "LogisticRegression" not in said
    assert "no data rows" in said


def test_no_comments_for_tone_words_is_said_without_reading_them(monkeypatch):
    from feedback_classifier.model import e5_tone

    def must_not_read(*args, **kwargs):
        raise AssertionError("e5 was asked to read no comments")

    monkeypatch.setattr(e5_tone, "e5_positive", must_not_read)
    with pytest.raises(ValueError, match="there are no non-blank comments to learn from"):
        e5_tone.e5_tone_words([], 1.0)
