"""The word-table block of trained models (model/dense_block.py)."""

import numpy as np
import pytest

from feedback_classifier.model import dense_block, word_table
from feedback_classifier.model.dense_block import WordVectorBlock
from feedback_classifier.model.estimator import FeedbackClassifier
from feedback_classifier.model.persist import load_model, save_model
from feedback_classifier.model.word_table import WordTable
from feedback_classifier.taxonomy import Taxonomy

TAX = Taxonomy.from_dict(
    {"name": "dense", "categories": [
        {"id": "delivery", "names": {"en": "Delivery"}, "children": [{"id": "late", "names": {"en": "Late"}}]},
        {"id": "price", "names": {"en": "Price"}},
    ]}
)
TEXTS = ["parcel came late", "late delivery again", "too expensive", "price is high", "fine", "ok thanks",
         "the courier was late", "costs too much money"] * 3
LABELS = [[("delivery", "late")], [("delivery", "late")], [("price", None)], [("price", None)], [], [],
          [("delivery", "late")], [("price", None)]] * 3
needs_table = pytest.mark.skipif(word_table.word_table_path() is None, reason="no shipped word table")


@needs_table
def test_the_block_is_part_of_the_model_by_default_and_can_be_left_out():
    with_block = FeedbackClassifier(taxonomy=TAX, cv=2).fit(TEXTS, LABELS)
    without = FeedbackClassifier(taxonomy=TAX, cv=2, word_vectors=0.0).fit(TEXTS, LABELS)
    dims = with_block.dense_.n_features
    assert without.dense_ is None and without.coef_.shape[0] == without.n_text_features_
    assert with_block.coef_.shape[0] == with_block.n_text_features_ + dims
    assert np.abs(with_block.coef_[with_block.n_text_features_:]).sum() > 0


@needs_table
def test_words_no_training_comment_used_still_count():
    # "pricey", "cost", "дорого" are in no training comment: only the table links them to price
    probe = ["so pricey", "дорого"]
    # (the prototype prior, which also reads the table, off: this is the block's own evidence)
    with_block = FeedbackClassifier(taxonomy=TAX, cv=2, word_vectors=2.0, prototype_prior=0.0).fit(TEXTS, LABELS)
    without = FeedbackClassifier(taxonomy=TAX, cv=2, word_vectors=0.0).fit(TEXTS, LABELS)
    classes = with_block.classes_
    col = classes.index(("price", None))
    assert (with_block.predict_proba(probe)[:, col] > without.predict_proba(probe)[:, col]).all()


@needs_table
@pytest.mark.parametrize("pool", ["mean", "mean+max"])
def test_a_saved_model_keeps_its_table_and_predicts_the_same(tmp_path, monkeypatch, pool):
    clf = FeedbackClassifier(taxonomy=TAX, cv=2, word_vectors_pool=pool).fit(TEXTS, LABELS)
    path = save_model(clf, tmp_path / "m.fcmodel", metrics={}, training_rows=len(TEXTS))
    # a later install without (or with another) table: the model file carries its own copy
    monkeypatch.setattr(dense_block, "load_word_table", lambda: None)
    loaded = load_model(path, taxonomy=TAX)
    probe = TEXTS + ["courier late and too expensive", "", "курьер опоздал"]
    np.testing.assert_array_equal(loaded.predict_proba(probe), clf.predict_proba(probe))
    P, _ = loaded.predict_proba_and_explain(probe)
    np.testing.assert_allclose(P, clf.predict_proba(probe), rtol=1e-6)


def test_block_rows_are_unit_means_of_known_words_with_negations_folded():
    table = WordTable(["late", "courier", "tasty"], np.eye(3, dtype=np.float16), np.full(3, 1e-5))
    block = WordVectorBlock(pool="mean+max").fit(table=table)
    rows = block.transform([["late", "late", "courier"], ["не_tasty", "xyz"], []])
    assert rows.shape == (3, 6)
    np.testing.assert_allclose(np.linalg.norm(rows[:, :3], axis=1), [1, 1, 0], atol=1e-6)
    np.testing.assert_allclose(rows[0, 3:], [2 ** -0.5, 2 ** -0.5, 0], atol=1e-6)  # max: each word once
    assert rows[0, 0] > rows[0, 1]  # mean: "late" twice
    assert rows[1, 2] == pytest.approx(1.0)


def test_unknown_pool_is_refused():
    with pytest.raises(ValueError, match="pool"):
        WordVectorBlock(pool="median")


def test_induce_gives_missing_training_words_a_vector_from_their_contexts():
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(40)]
    vectors = rng.normal(size=(40, 4)).astype(np.float16)
    table = WordTable(words, vectors, np.full(40, 1e-5))
    # "zz" (not in the table) always appears with w1 and w2
    docs = [["zz", "w1", "w2"]] * 3 + [[words[i], words[(i + 1) % 40]] for i in range(40)] * 2
    block = WordVectorBlock(induce=2).fit(docs, table=table)
    assert block.words_[-1] == "zz" and len(block.words_) == 41
    zz = block.transform([["zz"]])[0]
    assert np.linalg.norm(zz) == pytest.approx(1.0, abs=1e-3)
    plain = WordVectorBlock().fit(docs, table=table)
    assert not plain.transform([["zz"]]).any()  # without induce: unknown, a zero row


@needs_table
def test_scores_without_the_analysis_analyse_again_and_agree():
    clf = FeedbackClassifier(taxonomy=TAX, cv=2).fit(TEXTS, LABELS)
    texts = ["courier late", "дорого и долго", ""]
    docs = clf._analyze(texts)
    parts = clf.features_._parts(docs)
    np.testing.assert_array_equal(clf._scores(parts, texts), clf._scores(parts, texts, docs))
