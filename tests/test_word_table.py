"""The shipped word table and the zero-shot evidence built on it (model/word_table.py)."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

from feedback_classifier.lang import TextAnalyzer
from feedback_classifier.model.word_table import (
    Prototypes,
    WordTable,
    ZeroShot,
    load_word_table,
    taxonomy_phrases,
    word_table_path,
)
from feedback_classifier.taxonomy import load_taxonomy

CLASSES = [("delivery", None), ("delivery", "courier"), ("delivery", "late"), ("price", None)]


def _toy_table() -> WordTable:
    words = ["courier", "driver", "late", "slow", "price", "expensive", "thanks"]
    vectors = np.array([[1, 0, 0, 0], [0.9, 0.1, 0, 0], [0.6, 0.8, 0, 0], [0.6, 0.7, 0, 0],
                        [0, 0, 1, 0], [0, 0, 0.95, 0.1], [0, 0, 0, 1]], dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return WordTable(words, vectors, np.full(len(words), 1e-5))


def _toy_zero_shot(**kwargs) -> ZeroShot:
    phrases = [["courier", "late"], ["courier"], ["late"], ["price", "expensive"], ["thanks"]]  # last: none
    return ZeroShot(Prototypes(_toy_table(), TextAnalyzer(lang="en"), phrases), CLASSES, **kwargs)


def test_negated_words_count_as_their_word_and_unknown_words_are_skipped():
    table = _toy_table()
    a = table.embed([["not_courier", "zzz"]])
    b = table.embed([["courier"]])
    assert np.allclose(a, b)
    assert not table.embed([["zzz"]]).any()


def test_zero_shot_lifts_the_nearest_parent_and_its_nearest_child_only_where_nothing_fired():
    zs = _toy_zero_shot(min_sim=0.3, margin=0.0)
    thresholds = np.full(len(CLASSES), 0.5)
    P = np.array([[0.1, 0.1, 0.1, 0.1],    # nothing fired: the driver words lift delivery > courier
                  [0.1, 0.1, 0.1, 0.9],    # price already fired: left alone (fallback)
                  [0.1, 0.1, 0.1, 0.1]])   # "thanks" is nearest to "no category": nothing lifted
    out = zs.lift(P, ["the driver", "the driver", "thanks"], thresholds)
    assert out[0].tolist() == [0.5, 0.5, 0.1, 0.1]
    assert out[1].tolist() == P[1].tolist()
    assert out[2].tolist() == P[2].tolist()
    both = _toy_zero_shot(min_sim=0.3, margin=0.0, fallback=False).lift(P, ["the driver"] * 3, thresholds)
    assert both[1, 0] == 0.5


def test_taxonomy_phrases_give_a_parent_its_childrens_words_and_examples():
    tax = load_taxonomy("cx-default")
    classes = [("delivery", None), ("delivery", "courier")]
    phrases = taxonomy_phrases(tax, classes, [("he threw the box", [("delivery", "courier")])])
    assert "he threw the box" in phrases[0] and "he threw the box" in phrases[1]
    assert set(tax.keywords(("delivery", "courier"))) <= set(phrases[0])


@pytest.mark.skipif(word_table_path() is None, reason="this install ships no word table")
def test_shipped_table_is_small_safe_and_bilingual():
    path = word_table_path()
    assert path.stat().st_size < 5_000_000
    with zipfile.ZipFile(path) as z:  # plain arrays: nothing to unpickle
        assert sorted(z.namelist()) == ["freq.npy", "vectors.npy"]
    meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    table = load_word_table()
    assert table.vectors.shape == (len(meta["words"]), meta["dims"])
    v = table.vectors
    # a Russian word sits nearer its English translation than an unrelated English word
    assert v[table.index["курьер"]] @ v[table.index["courier"]] > v[table.index["курьер"]] @ v[table.index["weather"]]


@pytest.mark.skipif(word_table_path() is None, reason="this install ships no word table")
def test_cold_start_weak_labels_from_prototypes_fill_only_comments_no_keyword_names():
    from feedback_classifier.model.keywords import KeywordMatcher
    from feedback_classifier.model.weak import _with_zero_shot_labels, weak_labels

    tax = load_taxonomy("cx-default")
    matcher = KeywordMatcher(tax)
    texts = ["the courier was late", "my parcel never arrived", "thanks", "спасибо"]
    weak = weak_labels(matcher, texts)
    assert weak[1:] == [[], [], []]
    out = _with_zero_shot_labels(tax, matcher, texts, weak, 0.2)
    assert out[0] == weak[0]
    assert [label[0] for label in out[1]] == ["delivery"]
    assert out[2] == out[3] == []


def test_zero_shot_lifts_only_a_parent_the_model_gives_some_weight():
    zs = _toy_zero_shot(min_sim=0.3, margin=0.0, agree=0.5)
    thresholds = np.full(len(CLASSES), 0.5)
    # both comments are nearest to delivery; only the second one's model probability agrees
    P = np.array([[0.1, 0.1, 0.1, 0.1], [0.3, 0.1, 0.1, 0.1]])
    out = zs.lift(P, ["the driver", "the driver"], thresholds)
    assert out[0].tolist() == P[0].tolist()
    assert out[1, 0] == 0.5


@pytest.mark.skipif(word_table_path() is None, reason="this install ships no word table")
def test_weak_labels_give_a_parent_the_keywords_name_its_nearest_child():
    from feedback_classifier.model.keywords import KeywordMatcher
    from feedback_classifier.model.weak import _with_zero_shot_labels, weak_labels

    tax = load_taxonomy("cx-default")
    matcher = KeywordMatcher(tax)
    texts = ["the parcel came two weeks after the promised date", "lovely weather today"]
    weak = weak_labels(matcher, texts)
    assert weak[0] == []  # one phrase of a parent with children: not enough on its own
    labels = _with_zero_shot_labels(tax, matcher, texts, weak, min_sim=0.9)
    assert labels[0] and labels[0][0][0] == "delivery" and labels[0][0][1] is not None
    assert labels[1] == []  # no keyword, and no parent that near: nothing


def _lift_one_text_at_a_time(zs, P, texts, thresholds, token_lists):
    """The lift as first written: every comment nothing fired for embedded from its token list."""
    rows = np.flatnonzero(~(P >= thresholds).any(axis=1))
    cols = zs.parent_cols
    allowed = P[rows][:, cols] >= zs.agree * thresholds[cols]
    col, child = zs.nearest([texts[i] for i in rows], [list(token_lists[i]) for i in rows], allowed)
    P = P.copy()
    for c in (col, child):
        r, c2 = rows[c >= 0], c[c >= 0]
        P[r, c2] = np.maximum(P[r, c2], thresholds[c2])
    return P


def test_lift_from_the_batch_arrays_equals_token_lists():
    import pandas as pd

    from feedback_classifier.lang.batch import LazyDocs, batch_analyzer_for
    from feedback_classifier.model.default import EXAMPLE_SURVEY_FILE, default_model
    from feedback_classifier.model.word_table import zero_shot_for

    model = default_model()
    zs = zero_shot_for(model)
    if zs is None:
        pytest.skip("no shipped word table")
    texts = pd.read_csv(EXAMPLE_SURVEY_FILE)["comment"].dropna().tolist()
    texts += ["not the courier", "НЕ курьер!!", "", "?!", "не_курьер zzz"] + [t[::-1] for t in texts[:200]]
    docs = LazyDocs(batch_analyzer_for(model.analyzer_).analyse(texts), punct=False)
    thresholds = np.asarray(model.thresholds_, dtype=float)
    P = model.predict_proba(texts)
    want = _lift_one_text_at_a_time(zs, P, texts, thresholds, docs)
    assert (want != P).any()  # the lift changed some comments
    assert np.array_equal(zs.lift(P, texts, thresholds, token_lists=docs), want)
    assert np.array_equal(zs.lift(P, texts, thresholds, token_lists=list(docs)), want)
    assert np.array_equal(zs.prototypes.table.embed(list(docs)),
                          zs.prototypes.table.embed_analysed(docs.analysed, np.arange(len(texts))))
