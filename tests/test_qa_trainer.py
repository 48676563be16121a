"""QA as a data scientist training their own model through the CLI (labels from Banking77-like
intents in a two-level taxonomy, SemEval-style polarities)."""

from __future__ import annotations

import time

from typer.testing import CliRunner

from feedback_classifier.cli.main import app

runner = CliRunner()


def _slow_after_first(state, item):
    if item:
        time.sleep(60)
    return item


def test_a_run_stopped_early_ends_its_running_workers_at_once():
    """`train --jobs 2` stopped by SIGTERM waited for the folds its workers were fitting (19.6 s on
    2,653 rows against 0.8 s with --jobs 1; minutes on 20,000) before exiting 143."""
    from feedback_classifier.jobs.runner import run_ordered

    results = run_ordered(_slow_after_first, None, [0, 1, 2], jobs=2)
    assert next(results) == (0, 0)
    began = time.monotonic()
    results.close()  # what an exception in the consumer (Terminated, KeyboardInterrupt) does
    assert time.monotonic() - began < 10


def test_ctrl_c_is_one_line_saying_so(tmp_path, monkeypatch):
    """Ctrl-C during `train` ended with exit code 130 and nothing on stderr, though the README says
    a run stopped with Ctrl-C or SIGTERM ends with one line saying so (SIGTERM's was there)."""
    import feedback_classifier.jobs as jobs

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(jobs, "train_file", interrupted)
    data = tmp_path / "labels.csv"
    data.write_text("text,labels\nmy card has not arrived,Cards > Card arrival\nfee charged,Fees\n", encoding="utf-8")
    result = runner.invoke(app, ["train", str(data), "--out", str(tmp_path / "m.joblib")])
    assert result.exit_code == 130
    from feedback_classifier.cli.main import INTERRUPTED

    assert result.stderr.strip() == INTERRUPTED
    assert not (tmp_path / "m.joblib").exists()


_CARDS = ["my card has not arrived yet", "where is my new card", "card still not delivered"]
_FEES = ["why was I charged a fee", "there is an extra fee on my statement", "fee for the transfer"]


def _labelled(tmp_path, blank: int):
    rows = ["text,labels"]
    for i in range(4):
        rows += [f"{t} {i},Cards > Card arrival" for t in _CARDS] + [f"{t} {i},Fees" for t in _FEES]
    rows += [f"how do I open a savings account {i}," for i in range(blank)]
    path = tmp_path / "labels.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_rows_without_a_label_are_said_with_what_train_does_with_them(tmp_path):
    """A labels file filled in half-way trained its blank rows as comments about nothing, without a
    word (Banking77 messages, two thirds blank: cross-validated micro-F1 0.38 instead of 0.88)."""
    data = _labelled(tmp_path, blank=12)
    result = runner.invoke(app, ["train", str(data), "--cv", "0", "--out", str(tmp_path / "m.joblib")])
    assert result.exit_code == 0, result.output
    assert ("12 of 36 rows (33%) have no label in 'labels': the model learns them as comments about none of the "
            "categories") in " ".join(result.stderr.split())
    full = runner.invoke(app, ["train", str(_labelled(tmp_path, blank=0)), "--cv", "0",
                               "--out", str(tmp_path / "m2.joblib")])
    assert full.exit_code == 0 and "no label" not in full.stderr


def test_labels_joined_by_a_comma_are_said_when_the_taxonomy_is_inferred(tmp_path):
    """'Cards, Fees' in one cell is an error with --taxonomy, but `taxonomy infer` and `train` without
    one made it a category of its own, with the one comment as its only example, without a word."""
    data = _labelled(tmp_path, blank=0)
    data.write_text(data.read_text(encoding="utf-8") + "card fee twice,\"Cards > Card arrival, Fees\"\n",
                    encoding="utf-8")
    said = ("1 label in 'labels' is other categories joined by ',' (first: row 25, 'Cards > Card arrival, Fees'), "
            "each inferred as a category of its own; separate labels with ';' (e.g. 'Cards > Card arrival; Fees')")
    inferred = runner.invoke(app, ["taxonomy", "infer", str(data), "-o", str(tmp_path / "t.yaml")])
    assert inferred.exit_code == 0, inferred.output
    assert said in " ".join(inferred.stderr.split())
    trained = runner.invoke(app, ["train", str(data), "--cv", "0", "--out", str(tmp_path / "m.joblib")])
    assert trained.exit_code == 0, trained.output
    assert " ".join(trained.stderr.split()).count(said) == 1


def test_train_says_how_far_it_is_as_each_fit_ends(tmp_path):
    """`train` on 20,000 rows printed nothing for tens of minutes, as if it hung."""
    data = _labelled(tmp_path, blank=0)
    result = runner.invoke(app, ["train", str(data), "--cv", "2", "--out", str(tmp_path / "m.joblib")])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("Fitted")]
    assert [line.split(" min")[0].rsplit(";", 1)[0] for line in lines] == [
        f"Fitted {i} of 3 models (the final one and 2 cross-validation folds" for i in (1, 2, 3)]


def test_evaluate_with_another_files_model_says_so_not_fix_the_cell(tmp_path):
    """`evaluate` on restaurant labels with the bank model said "Unknown label 'FOOD' ... Closest known:
    'Fees', ... Fix the cell, or add the category to the taxonomy", sending the user to edit a file that
    was fine; a real typo among the model's own labels is still named as before."""
    model = tmp_path / "bank.joblib"
    trained = runner.invoke(app, ["train", str(_labelled(tmp_path, blank=0)), "--cv", "0", "--out", str(model)])
    assert trained.exit_code == 0, trained.output
    other = tmp_path / "restaurants.csv"
    other.write_text("text,labels\nthe soup was cold,FOOD > QUALITY\nrude waiter,SERVICE\n", encoding="utf-8")
    result = runner.invoke(app, ["evaluate", str(other), "--model", str(model)])
    assert result.exit_code == 1
    assert "none of the labels in 'labels' is a category of" in result.stderr
    assert "(first: row 1, 'FOOD > QUALITY';" in result.stderr and "pass the --model trained on these labels" in result.stderr
    typo = tmp_path / "typo.csv"
    typo.write_text("text,labels\ncard late,Cards > Card arival\nfee,Fees\n", encoding="utf-8")
    result = runner.invoke(app, ["evaluate", str(typo), "--model", str(model)])
    assert result.exit_code == 1 and "Unknown label 'Cards > Card arival'" in result.stderr


def test_more_folds_than_rows_is_said(tmp_path):
    """`--cv 30` (for --cv 3) on 24 rows fitted 24 one-row folds without a word; fewer groups than
    folds was already said."""
    result = runner.invoke(app, ["train", str(_labelled(tmp_path, blank=0)), "--cv", "30",
                                 "--out", str(tmp_path / "m.joblib")])
    assert result.exit_code == 0, result.output
    assert "Only 24 rows: 24 folds of one row each instead of 30." in result.stderr


def test_train_does_not_replace_a_table_with_the_model(tmp_path):
    """`train labels.csv --out labels2.csv` (a slip for --out m.joblib) replaced the other labels file
    with the binary model file, without a word; an earlier model at --out is still replaced."""
    data = _labelled(tmp_path, blank=0)
    other = tmp_path / "labels2.csv"
    other.write_text("text,labels\nmy pin is blocked,Cards > PIN\n", encoding="utf-8")
    result = runner.invoke(app, ["train", str(data), "--cv", "0", "--out", str(other)])
    assert result.exit_code == 1
    assert "labels2.csv: the file exists and is not a model file" in result.stderr
    assert other.read_text(encoding="utf-8") == "text,labels\nmy pin is blocked,Cards > PIN\n"
    model = tmp_path / "m.joblib"
    for _ in range(2):
        again = runner.invoke(app, ["train", str(data), "--cv", "0", "--out", str(model)])
        assert again.exit_code == 0, again.output
