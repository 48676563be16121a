"""QA as an ML engineer signing off a model's quality numbers: `evaluate` and `train`'s
cross-validated report recomputed with scikit-learn, on tiny files whose answer is known."""

from __future__ import annotations

from typer.testing import CliRunner

from feedback_classifier.cli.main import app

runner = CliRunner()

_CARDS = ["my card has not arrived yet", "where is my new card", "card still not delivered"]
_FEES = ["why was I charged a fee", "there is an extra fee on my statement", "fee for the transfer"]


def _labelled(tmp_path, name: str = "labels.csv"):
    rows = ["text,labels"]
    for i in range(4):
        rows += [f"{t} {i},Cards > Card arrival" for t in _CARDS] + [f"{t} {i},Fees" for t in _FEES]
    path = tmp_path / name
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_evaluate_on_the_models_own_training_file_warns(tmp_path):
    """`evaluate` on the file the model was trained on printed micro-F1 0.92 (SemEval English, 1,616
    rows; 0.72 on reviews it never saw) as if it measured the model, without a word."""
    data, model = _labelled(tmp_path), tmp_path / "m.joblib"
    trained = runner.invoke(app, ["train", str(data), "--cv", "0", "--out", str(model)])
    assert trained.exit_code == 0, trained.output
    result = runner.invoke(app, ["evaluate", str(data), "--model", str(model)])
    assert result.exit_code == 0, result.output
    assert "is the file the model was trained on (labels.csv)" in " ".join(result.stderr.split())
    assert "24 rows (its training file)" in result.stdout
    as_json = runner.invoke(app, ["evaluate", str(data), "--model", str(model), "--json"])
    assert '"scored_training_file": true' in as_json.stdout
    other = _labelled(tmp_path, "holdout.csv")
    other.write_text(other.read_text(encoding="utf-8") + "card never came,Cards > Card arrival\n", encoding="utf-8")
    fresh = runner.invoke(app, ["evaluate", str(other), "--model", str(model)])
    assert fresh.exit_code == 0 and "trained on" not in fresh.stderr and "scored_training_file" not in fresh.stdout
