"""The CLI's small known gaps, closed by a maintainer: one ``--quiet`` on every command, header-only
exports treated alike, ``evaluate`` recognising its training rows re-saved, the cache folder's size
and pruning, ``taxonomy diff``.

Each test fails on the code before its fix.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from feedback_classifier.cli import app

runner = CliRunner()

LABELS = "comment,labels\n" + "".join(
    f"{text} {i},{label}\n" for i in range(6)
    for text, label in (("The courier was late", "Delivery"), ("Too expensive", "Price"),
                        ("The operator was rude", "Service")))


def _labels(tmp_path: Path) -> Path:
    path = tmp_path / "labels.csv"
    path.write_text(LABELS, encoding="utf-8")
    return path


def _commands(group, prefix=()):
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            yield from _commands(command, prefix + (name,))
        else:
            yield prefix + (name,), command


def test_every_command_takes_quiet_and_q():
    """A script passing one `-q` to every step: `train`, `suggest`, `report`, `evaluate`, `label` and the
    `taxonomy` commands refused it ("No such option: -q"), exit 2, where classify, analyze, route,
    drivers and audit took it."""
    missing = [" ".join(path) for path, command in _commands(typer.main.get_command(app))
               if not any({"--quiet", "-q"} <= set(p.opts) for p in command.params)]
    assert missing == []


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("trained")
    labels = _labels(tmp)
    result = runner.invoke(app, ["train", str(labels), "--text-col", "comment", "--out", str(tmp / "m.fcmodel"),
                                 "--cv", "2"])
    assert result.exit_code == 0, result.output
    assert "Fitted 1 of 3 models" in result.stderr  # the progress -q silences
    return labels, tmp / "m.fcmodel"


def test_train_quiet_silences_the_fit_progress_not_the_results(trained, tmp_path):
    labels, _ = trained
    result = runner.invoke(app, ["train", str(labels), "--text-col", "comment", "--out", str(tmp_path / "m.fcmodel"),
                                 "--cv", "2", "-q"])
    assert result.exit_code == 0, result.output
    assert "Fitted" not in result.stderr
    assert "Cross-validated micro-F1" in result.stdout and "Saved model to" in result.stdout


def test_evaluate_quiet_keeps_the_warning_that_matters(trained):
    labels, model = trained
    result = runner.invoke(app, ["evaluate", str(labels), "--model", str(model), "--text-col", "comment", "-q"])
    assert result.exit_code == 0, result.output
    assert "Warning:" in result.stderr and "trained on" in result.stderr
    assert "micro-F1" in result.stdout


def test_suggest_report_and_taxonomy_take_quiet(trained, tmp_path):
    labels, model = trained
    suggest = runner.invoke(app, ["suggest", str(labels), "--text-col", "comment", "--model", str(model), "--n", "3",
                                  "--out", str(tmp_path / "batch.csv"), "-q"])
    assert suggest.exit_code == 0, suggest.output
    assert suggest.stderr == "" and "Suggested 3" in suggest.stdout
    classified = tmp_path / "c.csv"
    assert runner.invoke(app, ["classify", str(labels), "--text-col", "comment", "--model", str(model),
                               "--out", str(classified), "-q"]).exit_code == 0
    report = runner.invoke(app, ["report", str(classified), "--text-col", "comment", "--model", str(model),
                                 "--out", str(tmp_path / "r.html"), "-q"])
    assert report.exit_code == 0, report.output
    assert "Wrote" in report.stdout and report.stderr == ""
    shown = runner.invoke(app, ["taxonomy", "show", "cx-default", "-q"])
    assert shown.exit_code == 0 and "Delivery" in shown.stdout


def test_quiet_silences_the_default_model_build_note(monkeypatch):
    """The default model's first-build note is said by a library hook, outside the command's code:
    `-q` left it in a nightly log."""
    import importlib

    main = importlib.import_module("feedback_classifier.cli.main")

    def building(*args, **kwargs):
        main._building_default_model()
        return ""

    monkeypatch.setattr("feedback_classifier.cli.taxonomy.taxonomy_tree", building)
    assert "Building the bundled default model" in runner.invoke(app, ["taxonomy", "show", "cx-default"]).stderr
    assert runner.invoke(app, ["taxonomy", "show", "cx-default", "-q"]).stderr == ""


HEADER_ONLY = "id,comment,labels,nps\n"


def test_a_header_only_export_is_written_header_only_with_a_warning(trained, tmp_path):
    """Commands writing a row per input row write the header alone and say so on stderr, where
    `-q` keeps it: `report` and `suggest` said nothing ('Wrote report.html (0 rows)', 'Suggested 0
    of 0'), `analyze` without --score-col neither, and classify and route said it among the results."""
    _, model = trained
    data = tmp_path / "export.csv"
    data.write_text(HEADER_ONLY, encoding="utf-8")
    classified = tmp_path / "classified.csv"
    runs = {
        "classify": ["--text-col", "comment", "--model", str(model), "--out", str(classified)],
        "route": ["--text-col", "comment", "--model", str(model), "--out-dir", str(tmp_path / "r")],
        "analyze": ["--text-col", "comment", "--model", str(model), "--out-dir", str(tmp_path / "a")],
        "suggest": ["--text-col", "comment", "--model", str(model), "--out", str(tmp_path / "batch.csv")],
    }
    for command, args in runs.items():
        result = runner.invoke(app, [command, str(data), *args, "-q"])
        assert result.exit_code == 0, (command, result.output)
        assert "Warning:" in result.stderr and "has no data rows (only a header)" in result.stderr, (command, result.stderr)
    assert (tmp_path / "batch.csv").read_text(encoding="utf-8-sig").startswith("id,comment,labels,nps,suggested_labels")
    report = runner.invoke(app, ["report", str(classified), "--text-col", "comment", "--score-col", "nps",
                                 "--model", str(model), "--out", str(tmp_path / "r.html"), "-q"])
    assert report.exit_code == 0, report.output
    assert "has no data rows (only a header)" in report.stderr
    assert "No valid NPS scores" not in report.output  # the wrong fix: the column is right, the rows absent


@pytest.mark.parametrize("command", ["train", "evaluate", "audit", "taxonomy infer", "label", "drivers"])
def test_a_header_only_export_is_one_error_where_nothing_can_be_computed(trained, tmp_path, monkeypatch, command):
    """train, audit and taxonomy infer said 'No labels found in column 'labels' ...: Pick the column that
    holds labels', evaluate 'pass the column with your categories as --labels-col': the wrong fix for an
    export that came out empty; label opened an empty page."""
    class StopAtOnce:  # a label app that would open stops at once (no server left running)
        server_port = 9

        def serve_forever(self):
            raise KeyboardInterrupt

        def server_close(self):
            pass

    monkeypatch.setattr("feedback_classifier.jobs.label_app.make_server", lambda *a, **k: StopAtOnce())
    _, model = trained
    data = tmp_path / "export.csv"
    data.write_text(HEADER_ONLY, encoding="utf-8")
    args = {"train": ["--text-col", "comment", "--out", str(tmp_path / "m.fcmodel")],
            "evaluate": ["--text-col", "comment", "--model", str(model)],
            "audit": ["--text-col", "comment", "--out", str(tmp_path / "s.csv"), "--embeddings", "none"],
            "taxonomy infer": ["-o", str(tmp_path / "t.yaml")],
            "label": ["--text-col", "comment", "--labels", str(tmp_path / "l.csv"), "--model", str(model)],
            "drivers": ["--score-col", "nps", "--categories-col", "labels"]}[command]
    result = runner.invoke(app, [*command.split(), str(data), *args, "-q"])
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error:") and "no data rows (only a header)" in lines[0], lines
    assert "--labels-col" not in lines[0] and "Pick the column" not in lines[0]


def test_evaluate_knows_its_training_rows_re_saved_by_excel(tmp_path):
    """`evaluate` warned of scoring the training file only when its bytes were the same: the same rows
    saved by Excel (cp1251, `;`, CRLF, columns moved, a column added, rows sorted) scored as new comments."""
    import pandas as pd

    from feedback_classifier.model.persist import read_model_metadata

    labels = tmp_path / "labels.csv"
    labels.write_text(LABELS + "".join(f"Курьер опоздал {i},Delivery\n" for i in range(4)), encoding="utf-8")
    model = tmp_path / "m.fcmodel"
    trained = runner.invoke(app, ["train", str(labels), "--text-col", "comment", "--out", str(model), "--cv", "0", "-q"])
    assert trained.exit_code == 0, trained.output
    training = read_model_metadata(model)["training"]
    assert "Курьер" not in str(training) and "courier" not in str(training)  # a hash, no comment
    df = pd.read_csv(labels).iloc[::-1]
    df.insert(0, "Owner", "me")
    resaved = tmp_path / "labels_excel.csv"
    df[["Owner", "labels", "comment"]].to_csv(resaved, sep=";", index=False, encoding="cp1251", lineterminator="\r\n")
    result = runner.invoke(app, ["evaluate", str(resaved), "--model", str(model), "--text-col", "comment", "-q"])
    assert result.exit_code == 0, result.output
    said = " ".join(result.stderr.split())
    assert "holds the same comments and labels as the file the model was trained on (labels.csv)" in said
    assert "(its training file)" in result.stdout
    fewer = tmp_path / "fewer.csv"
    df.iloc[1:].to_csv(fewer, index=False)  # other rows: new comments as far as anyone can tell from one hash
    other = runner.invoke(app, ["evaluate", str(fewer), "--model", str(model), "--text-col", "comment", "-q"])
    assert other.exit_code == 0 and "trained on" not in other.stderr


def _aged(path: Path, days: float) -> Path:
    import os
    import time

    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_bytes(b"x" * 1000)
    when = time.time() - days * 86_400
    os.utime(path, (when, when))
    return path


def test_cache_info_and_clear_prune_only_the_caches_own_unused_files(tmp_path, monkeypatch):
    """The cache folder grew with every taxonomy, file taught by e5 and package version, and nothing
    showed or pruned it."""
    import os

    cache = tmp_path / "cache"
    monkeypatch.setenv("FEEDBACK_CLASSIFIER_CACHE", str(cache))
    old = _aged(cache / "keywords-0123456789abcdef.npz", 40)
    recent = _aged(cache / "cx-default-0123456789abcdef.joblib", 1)
    old_vectors = _aged(cache / "teacher-e5" / "0.3.0-0123456789abcdef.npz", 90)
    dead = _aged(cache / "lemmas-0123456789abcdef.marshal.999999999.partial", 40)  # a killed run's temp file
    live = _aged(cache / f"sentiment-0123456789abcdef.npz.{os.getpid()}.partial", 40)  # a run writing it now
    foreign = _aged(cache / "my-notes.txt", 400)  # a cache variable pointed at a folder of the user's
    outside = _aged(tmp_path / "elsewhere" / "keep.npz", 400)
    (cache / "matplotlib").symlink_to(tmp_path / "elsewhere", target_is_directory=True)

    info = runner.invoke(app, ["cache", "info"])
    assert info.exit_code == 0, info.output
    assert str(cache) in info.stdout and "4.9 kB in 5 files" in info.stdout
    assert "keywords" in info.stdout and "teacher-e5" in info.stdout and "my-notes" not in info.stdout

    pruned = runner.invoke(app, ["cache", "clear", "--older-than", "30"])
    assert pruned.exit_code == 0, pruned.output
    assert "Removed 3 files" in pruned.stdout and "kept 1 file" in pruned.stdout, pruned.stdout
    assert not old.exists() and not old_vectors.exists() and not dead.exists()
    assert recent.exists() and live.exists() and foreign.exists() and outside.exists()

    everything = runner.invoke(app, ["cache", "clear", "-q"])
    assert everything.exit_code == 0 and "Removed 1 file" in everything.stdout
    assert not recent.exists() and live.exists() and foreign.exists() and outside.exists()


def test_a_cache_file_cleared_under_a_reader_is_built_again(tmp_path, monkeypatch):
    import numpy as np

    from feedback_classifier.jobs.cache import clear_cache
    from feedback_classifier.model.cache import cached_arrays

    monkeypatch.setenv("FEEDBACK_CLASSIFIER_CACHE", str(tmp_path))
    built = []

    def build():
        built.append(1)
        return {"x": np.arange(3)}

    cached_arrays("demo", "0123456789abcdef", build)
    assert clear_cache().removed == 1
    assert cached_arrays("demo", "0123456789abcdef", build)["x"].tolist() == [0, 1, 2] and len(built) == 2


def test_taxonomy_diff_says_what_changed_and_whether_old_labels_still_read(tmp_path):
    """`taxonomy` could show one taxonomy but not compare two: before a new quarter's file replaced the
    old one, nothing said which categories changed or which of last quarter's labels would stop reading."""
    import yaml

    from feedback_classifier.taxonomy import load_taxonomy

    old = load_taxonomy("semeval-restaurants")
    d = old.to_dict()
    d["version"] = 2
    food = next(c for c in d["categories"] if c["id"] == "food")
    food["owner"] = "Chef team"
    prices = food["children"].pop(next(i for i, c in enumerate(food["children"]) if c["id"] == "prices"))
    restaurant = next(c for c in d["categories"] if c["id"] == "restaurant")
    restaurant["children"].append(dict(prices, id="food_prices", names={"en": "Food prices", "ru": "Цены на еду"},
                                       aliases=[old.display_name(("food", "prices"))]))
    drinks = next(c for c in d["categories"] if c["id"] == "drinks")
    drinks["children"].pop()
    new = tmp_path / "new.yaml"
    new.write_text(yaml.safe_dump(d, allow_unicode=True, sort_keys=False), encoding="utf-8")

    result = runner.invoke(app, ["taxonomy", "diff", "semeval-restaurants", str(new)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].endswith("1 added, 2 removed, 1 changed"), lines
    assert f"- {old.display_name(('food', 'prices'))} (its labels now read as" in result.stdout
    assert "its labels are now an error" in result.stdout
    assert any(line.startswith("~ ") and "owner" in line and "Chef team" in line for line in lines)
    assert sum("Chef team" in line for line in lines) == 1  # said for the parent, not again for each child
    same = runner.invoke(app, ["taxonomy", "diff", "semeval-restaurants", "semeval-restaurants", "-q"])
    assert same.exit_code == 0 and "(no differences)" in same.stdout
