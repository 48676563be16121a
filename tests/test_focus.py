"""The one-topic rule (model/focus.py) computed per parent equals its first (rows, classes,
parents) form, element for element, NaN and ties included."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from feedback_classifier.model.focus import _group_max, single_topic


def _first_single_topic(P, thresholds, classes, single, ratio=0.5, children=True):
    P = np.array(P, dtype=float)
    rows = np.flatnonzero(np.asarray(single, dtype=bool))
    if not len(rows):
        return P
    parents = sorted({label[0] for label in classes})
    member = np.zeros((len(classes), len(parents)), dtype=bool)
    for j, label in enumerate(classes):
        member[j, parents.index(label[0])] = True
    R = P[rows] / np.maximum(thresholds, 1e-9)
    margin = np.where(member[None, :, :], R[:, :, None], 0.0).max(axis=1)
    best = margin.max(axis=1, keepdims=True)
    weak = (margin < ratio * best) & (best >= 1.0)
    drop = weak @ member.T
    if children:
        is_child = np.array([label[1] is not None for label in classes])
        sibling_best = np.where(member[None, :, :] & is_child[None, :, None], R[:, :, None], 0.0).max(axis=1)
        best_sibling = sibling_best @ member.T.astype(float)
        drop |= is_child[None, :] & (best_sibling >= 1.0) & (R < ratio * best_sibling)
    below = np.nextafter(thresholds, -np.inf)
    P[rows] = np.where(drop, np.minimum(P[rows], below), P[rows])
    return P


CLASSES = [("a", None), ("a", "x"), ("a", "y"), ("b", None), ("b", "z"), ("c", None)]


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 30), st.sampled_from([CLASSES, CLASSES[:3], CLASSES[3:5]]),
       st.booleans(), st.floats(0.1, 1.0))
def test_per_parent_equals_first_form(seed, n, classes, nan, ratio):
    rng = np.random.default_rng(seed)
    P = rng.choice([0.0, 0.2, 0.5, 0.6, 0.9, 1.0], size=(n, len(classes))) if seed % 2 else rng.random((n, len(classes)))
    if nan and n:
        P[rng.integers(0, n), rng.integers(0, len(classes))] = np.nan
    thresholds = rng.choice([0.3, 0.5, 0.6], size=len(classes))
    single = rng.random(n) < 0.7
    for children in (True, False):
        got = single_topic(P, thresholds, classes, single, ratio, children)
        want = _first_single_topic(P, thresholds, classes, single, ratio, children)
        assert np.array_equal(got, want, equal_nan=True)


def test_group_max_one_group_holds_every_column():
    R = np.array([[0.2, 0.1], [np.nan, 3.0]])
    assert np.array_equal(_group_max(R, np.ones((2, 1), dtype=bool)), np.array([[0.2], [np.nan]]), equal_nan=True)
