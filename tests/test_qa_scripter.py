"""A scripter's QA sweep: the CLI as a shell script, cron job or CI step runs it (exit codes, what goes
to stdout and stderr, bad paths found before the work, messages that name only options that exist).

Each test fails on the code before its fix.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from feedback_classifier.cli import app

runner = CliRunner()

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
