"""The warm classifier path's shortcuts give exactly what the plain forms give: decoding on the
rows that can use it, the parent >= child max over row blocks, review flags, the words' char
scores kept across batches, model batches of any size, category strings kept per pattern."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from feedback_classifier.lang.batch import LazyDocs, batch_analyzer_for
from feedback_classifier.model import enrichment
from feedback_classifier.model.decoding import _sigmoid
from feedback_classifier.model.default import EXAMPLE_SURVEY_FILE, default_model
from feedback_classifier.model.enrichment import _confidence_and_review, _parent_indices, enrich


@pytest.fixture(scope="module")
def model():
    return default_model()


def _probabilities(k: int, n: int = 3000, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    P = rng.random((n, k)) ** rng.uniform(0.5, 4, size=(n, 1))
    P[rng.random(P.shape) < 0.01] = 0.5  # ties
    return P


def _first_decode(self, P, completion, fallback, extra=0.0):
    """``_Decoding._decode`` as first written: the ratios of every row and column."""
    t = self.thresholds_
    is_child, parent = self.is_child_, self.parent_index_
    D = P >= t
    D[:, ~is_child] = False
    child_cols, parent_cols = np.flatnonzero(is_child), np.flatnonzero(~is_child)
    ratio = P / np.maximum(t, 1e-9)
    own_parent = P[:, parent_cols] >= t[parent_cols]
    for pj, fired in zip(parent_cols, own_parent.T):
        kids = child_cols[parent[child_cols] == pj]
        has_child = D[:, kids].any(axis=1) if len(kids) else np.zeros(len(P), bool)
        D[:, pj] = fired | has_child
        if len(kids) and completion < 1.0:
            best = kids[np.argmax(ratio[:, kids], axis=1)]
            promote = fired & ~has_child & (ratio[np.arange(len(P)), best] >= completion)
            D[np.flatnonzero(promote), best[promote]] = True
    leaves = self._leaf_columns()
    if fallback < 1.0 and len(leaves):
        best = leaves[np.argmax(ratio[:, leaves], axis=1)]
        take = ~D.any(axis=1) & (ratio[np.arange(len(P)), best] >= fallback)
        rows = np.flatnonzero(take)
        D[rows, best[take]] = True
        D[rows, parent[best[take]]] = True
    if extra > 0.0:
        D = self._drop_weak_extras(D, P, extra)
    return D.astype(np.int8)


@pytest.mark.parametrize("completion,fallback,extra", [(1.0, 1.0, 0.0), (0.6, 0.5, 0.0), (0.0, 0.0, 0.5), (0.9, 0.3, 0.3)])
def test_decoding_on_the_rows_that_can_use_it_equals_the_full_ratios(model, completion, fallback, extra):
    P = _probabilities(len(model.classes_))
    assert np.array_equal(model._decode(P, completion, fallback, extra), _first_decode(model, P, completion, fallback, extra))


def test_calibration_by_row_blocks_equals_the_gathered_children(model):
    logits = np.random.default_rng(1).normal(-2, 3, size=(2500, len(model.classes_)))
    logits[3, 4] = np.nan
    P = 1.0 / (1.0 + np.exp(-np.clip(logits, -40, 40)))
    for j in np.flatnonzero(~model.is_child_):
        kids = np.flatnonzero(model.is_child_ & (model.parent_index_ == j))
        if len(kids):
            P[:, j] = np.maximum(P[:, j], P[:, kids].max(axis=1))
    assert np.array_equal(model._calibrate(logits), P, equal_nan=True)
    assert np.array_equal(_sigmoid(logits[:, 0].astype(np.float32)), 1.0 / (1.0 + np.exp(-np.clip(logits[:, 0].astype(np.float32), -40, 40))), equal_nan=True)
    assert _sigmoid(np.array([3])).tolist() == (1.0 / (1.0 + np.exp(-np.clip(np.array([3]), -40, 40)))).tolist()


def test_review_flags_equal_the_where_form(model):
    P = _probabilities(len(model.classes_), seed=2)
    fired = model.predict_from_proba(P).astype(bool)
    fired[::7] = False
    confidence, review = _confidence_and_review(model, P, fired, 0.05)
    deepest = fired.copy()
    for j, p in enumerate(_parent_indices(list(model.classes_))):
        if p != j:
            deepest[:, p] &= ~fired[:, j]
    barely = (np.where(deepest, P - np.asarray(model.thresholds_), np.inf) < 0.05 - 1e-12).any(axis=1)
    assert np.array_equal(review, barely | ~fired.any(axis=1))
    assert 0 < review.mean() < 1


def _comments(n: int, start: int = 0) -> list[str]:
    survey = pd.read_csv(EXAMPLE_SURVEY_FILE, dtype=str)["comment"].dropna().drop_duplicates().tolist()
    rng = np.random.default_rng(start)
    return [" ".join(rng.choice(survey, size=int(rng.integers(1, 4)))) + f" {i}" for i in range(start, start + n)]


def test_char_scores_kept_across_batches_equal_each_batchs_product(model):
    features = model.features_
    batch = batch_analyzer_for(model.analyzer_)
    W = model.coef_[: model.n_text_features_]
    for texts in (_comments(300), _comments(300, start=150), ["Ёлки!!! 5kg", "ok", ""]):
        parts = features._parts(LazyDocs(batch.analyse(texts), punct=False, surface=True))
        assert parts.chars is not None  # the kept scores are what is tested
        kept = features.scores_from_parts(parts, W, key=model.coef_)
        plain = np.asarray(parts.Xw @ W) + np.asarray(parts.Cc @ np.asarray(parts.Vc @ W))
        assert kept.dtype == plain.dtype and np.array_equal(kept, plain)


def test_char_scores_past_the_kept_limit_are_multiplied_again(model, monkeypatch):
    from feedback_classifier.model import batch_features

    features = model.features_
    W = model.coef_[: model.n_text_features_]
    parts = features._parts(LazyDocs(batch_analyzer_for(model.analyzer_).analyse(_comments(50)), punct=False))
    kept = features.scores_from_parts(parts, W, key=model.coef_)
    monkeypatch.setattr(batch_features, "_SCORE_LIMIT", 10)
    assert parts.chars.scores(W, model.coef_) is None
    again = features._parts(LazyDocs(batch_analyzer_for(model.analyzer_).analyse(_comments(50)), punct=False))
    assert np.array_equal(features.scores_from_parts(again, W, key=model.coef_), kept)


def test_enrich_does_not_depend_on_the_batch_size(model, monkeypatch):
    texts = _comments(400) + ["", None, "N/A", "asdf", "Курьер опоздал, но деньги вернули; спасибо"]
    df = pd.DataFrame({"comment": texts})
    whole = enrich(df, model, "comment", probabilities=True)
    monkeypatch.setattr(enrichment, "_MODEL_BATCH", 37)
    assert enrich(df, model, "comment", probabilities=True).equals(whole)


def test_parts_words_are_what_str_split_counts_before_their_ends():
    from feedback_classifier.model.segments import segment_batch

    texts = _comments(300) + ["  Late again.  Rude staff  ", "   .\r\nx1y2z. a 1.2. b 3,4,5", "a b. c d.\n\ne f g"]
    pieces = segment_batch(texts).piece_arrays()
    expected = [(len(text[:a].split()), len(text[:b].split()))
                for text, own in zip(texts, pieces.lists()) for a, b in own or ()]
    assert len(expected) > 100 and [tuple(w) for w in pieces.words.tolist()] == expected
