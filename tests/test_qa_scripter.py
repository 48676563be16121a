"""A scripter's QA sweep: the CLI as a shell script, cron job or CI step runs it (exit codes, what goes
to stdout and stderr, bad paths found before the work, messages that name only options that exist).

Each test fails on the code before its fix.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from feedback_classifier.cli import app

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]


def _env() -> dict[str, str]:
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    return env

LABELS = "comment,labels\n" + "".join(
    f"{text} {i},{label}\n" for i in range(6)
    for text, label in (("The courier was late", "Delivery and logistics"), ("Too expensive", "Price and value")))


def _labels(tmp_path: Path) -> Path:
    path = tmp_path / "labels.csv"
    path.write_text(LABELS, encoding="utf-8")
    return path


def _no_work(*args, **kwargs):
    raise AssertionError("the input was read before the output path was checked")


@pytest.mark.parametrize("out, said", [
    ("-", "writing to standard output is not supported"),
    ("suspects", "name the output with one of these extensions"),
    ("nowhere/suspects.csv", "output directory nowhere does not exist"),
])
@pytest.mark.parametrize("command", ["audit", "suggest"])
def test_audit_and_suggest_refuse_a_bad_out_before_the_work(tmp_path, monkeypatch, command, out, said):
    """`audit` fitted its out-of-fold models (a minute on 600 labels, more with e5) and `suggest` its
    ranker before finding that `--out` could not be written; `-` and a name without an extension
    were 'unknown table format ... pass fmt= (CLI: --format)', an option neither command has."""
    monkeypatch.setattr("feedback_classifier.jobs.audit.read_labelled_table", _no_work)
    monkeypatch.setattr("feedback_classifier.jobs.suggest.open_pool", _no_work)
    labels = _labels(tmp_path)
    monkeypatch.chdir(tmp_path)
    args = ([command, str(labels), "--text-col", "comment", "--out", out]
            + (["--labels-col", "labels", "--embeddings", "none", "--quiet"] if command == "audit" else []))
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    assert said in result.output
    assert "--format" not in result.output
    assert not (tmp_path / out).exists() or out == "-"


@pytest.mark.parametrize("out, said", [("-", "writing to standard output is not supported"),
                                       ("models", "is a directory")])
@pytest.mark.parametrize("no_labels", [False, True])
def test_train_refuses_a_bad_out_before_training(tmp_path, monkeypatch, out, said, no_labels):
    """`train --out -` or `--out models` (the folder) trained the model, cross-validation included,
    and only then stopped: '(e.g. out.csv)' for a model file, or 'is a directory'."""
    monkeypatch.setattr("feedback_classifier.jobs.train.read_labelled_table", _no_work)
    monkeypatch.setattr("feedback_classifier.jobs.train.read_table", _no_work, raising=False)
    labels = _labels(tmp_path)
    (tmp_path / "models").mkdir()
    monkeypatch.chdir(tmp_path)
    args = ["train", str(labels), "--text-col", "comment", "--out", out]
    args += ["--no-labels", "--taxonomy", "cx-default"] if no_labels else ["--labels-col", "labels"]
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    assert said in result.output and "models/my.joblib" in result.output
    assert "AssertionError" not in result.output


CLASSIFIED = ("id,comment,nps,categories,category_sentiment\n"
              "1,The courier was late,2,Delivery and logistics,Delivery and logistics=negative\n"
              "2,Too expensive,6,Price and value,Price and value=negative\n")


@pytest.mark.parametrize("out, said", [("-", "(e.g. report.html)"),
                                       ("nowhere/report.html", "output directory nowhere does not exist")])
def test_report_refuses_a_bad_out_before_the_work(tmp_path, monkeypatch, out, said):
    """`report --out -` built the whole page and then said to give '(e.g. out.csv)'; a missing folder
    was found after the drivers' bootstrap too."""
    monkeypatch.setattr("feedback_classifier.jobs.report.build_report", _no_work)
    data = tmp_path / "classified.csv"
    data.write_text(CLASSIFIED, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["report", str(data), "--text-col", "comment", "--score-col", "nps", "--out", out])
    assert result.exit_code == 1, result.output
    assert said in result.output and "AssertionError" not in result.output


def test_taxonomy_infer_to_standard_output_names_its_own_option(tmp_path, monkeypatch):
    """`taxonomy infer -o -` said to give '--out a path (e.g. out.csv)': the option is --output, a YAML file."""
    labels = _labels(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["taxonomy", "infer", str(labels), "--labels-col", "labels", "-o", "-"])
    assert result.exit_code == 1, result.output
    assert "give --output a path (e.g. taxonomies/mine.yaml)" in result.output
    assert not (tmp_path / "-").exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a closed descriptor as a POSIX shell makes it")
@pytest.mark.parametrize("closed", [">&-", "2>&-"])
def test_a_closed_stdout_or_stderr_does_not_kill_the_run(tmp_path, closed):
    """`classify ... >&-` (a job started with stdout closed) died on import with an AttributeError
    traceback ('NoneType' object has no attribute 'isatty'), before reading its input."""
    data = _labels(tmp_path)
    out = tmp_path / "out.csv"
    command = (f'"{sys.executable}" -m feedback_classifier taxonomy show cx-default {closed} && '
               f'"{sys.executable}" -m feedback_classifier classify "{data}" --text-col comment --out "{out}" '
               f'--tone-teacher none -q {closed}')
    done = subprocess.run(["sh", "-c", command], capture_output=True, text=True, env=_env(), timeout=300)
    assert done.returncode == 0, done.stderr + done.stdout
    assert "Traceback" not in done.stderr
    assert out.exists()


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_stdout_on_a_full_disk_is_one_error_line(tmp_path):
    """A cron log on a full disk (here /dev/full): the table was written, then printing the summary
    ended in a 40-line OSError traceback that reads as a bug in the tool."""
    data = _labels(tmp_path)
    out = tmp_path / "out.csv"
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "feedback_classifier", "classify", str(data), "--text-col",
                               "comment", "--out", str(out), "--tone-teacher", "none", "-q"],
                              stdout=full, stderr=subprocess.PIPE, text=True, env=_env(), timeout=300)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("Error: No space left on device")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="an ASCII C locale as on Linux")
def test_cyrillic_arguments_under_an_ascii_locale_get_their_error_line(tmp_path):
    """Under `LC_ALL=C PYTHONUTF8=0` (the README's ASCII locale) argv's Cyrillic bytes arrive as
    surrogates; stderr, made UTF-8 with a strict error handler, could not print the error naming them:
    Python's fatal 'lost sys.stderr' and a dump of the exception object instead of the Error line."""
    data = tmp_path / "опрос с пробелом.csv"
    data.write_text("id,comment\n1,курьер опоздал\n", encoding="utf-8")
    env = dict(_env(), LC_ALL="C", LANG="C", PYTHONUTF8="0", PYTHONCOERCECLOCALE="0")
    done = subprocess.run([sys.executable, "-m", "feedback_classifier", "classify", data.name, "--text-col",
                           "комментарий", "--out", "выход.csv", "-q"], cwd=tmp_path, capture_output=True, env=env,
                          timeout=300)
    err = done.stderr.decode("utf-8", "replace")
    assert done.returncode == 1, err
    assert "lost sys.stderr" not in err and "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("Error: ") and "no column" in err


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="an ASCII C locale as on Linux")
def test_cyrillic_column_names_are_found_under_an_ascii_locale(tmp_path):
    """Under `LC_ALL=C PYTHONUTF8=0` `--text-col комментарий` reached the code as surrogates and matched no
    column ('no column ...; the file has columns: 'комментарий''), and `train` with Cyrillic names died
    writing the model's header (UnicodeEncodeError traceback) after training."""
    (tmp_path / "опрос.csv").write_text("комментарий,x\nкурьер опоздал,1\n", encoding="utf-8")
    (tmp_path / "метки.csv").write_text(LABELS.replace("comment,labels", "отзыв,метки"), encoding="utf-8")
    env = dict(_env(), LC_ALL="C", LANG="C", PYTHONUTF8="0", PYTHONCOERCECLOCALE="0")
    cli = [sys.executable, "-m", "feedback_classifier"]
    for args in (["classify", "опрос.csv", "--text-col", "комментарий", "--out", "выход.csv", "-q",
                  "--tone-teacher", "none"],
                 ["train", "метки.csv", "--text-col", "отзыв", "--labels-col", "метки", "--cv", "0",
                  "--out", "модель.joblib"]):
        done = subprocess.run(cli + args, cwd=tmp_path, capture_output=True, env=env, timeout=300)
        assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    assert (tmp_path / "выход.csv").exists() and (tmp_path / "модель.joblib").exists()
