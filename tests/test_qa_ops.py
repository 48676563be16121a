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
