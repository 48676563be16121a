"""Library-user QA: the estimator inside scikit-learn's tools, inputs a notebook passes, jobs' errors."""

from __future__ import annotations

import numpy as np
import pytest

from feedback_classifier.model import FeedbackClassifier

TEXTS = ["rude staff", "slow delivery", "rude and slow", "nice staff", "late courier", "cheap price"] * 6
Y = [[("service", "staff")], [("delivery", None)], [("service", "staff"), ("delivery", None)],
     [("service", None)], [("delivery", None)], [("price", None)]] * 6
GROUPS = [i // 3 for i in range(len(TEXTS))]


def test_cross_val_score_and_grid_search_score_label_lists_without_a_named_scorer():
    from sklearn.model_selection import GridSearchCV, GroupKFold, cross_val_score

    clf = FeedbackClassifier(analyzer=str.split, cv=2)
    scores = cross_val_score(clf, TEXTS, Y, groups=GROUPS, cv=GroupKFold(3))
    assert np.isfinite(scores).all() and (scores > 0.5).all()
    search = GridSearchCV(clf, {"C": [1.0, 4.0]}, cv=GroupKFold(2)).fit(TEXTS, Y, groups=GROUPS)
    assert np.isfinite(search.best_score_)
    fitted = FeedbackClassifier(analyzer=str.split, cv=2).fit(TEXTS, Y)
    assert fitted.score(TEXTS, Y) == pytest.approx(1.0)
