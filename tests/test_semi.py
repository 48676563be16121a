"""model.semi: self-training on the pool's unlabelled comments with class-balanced pseudo-labels."""

from __future__ import annotations

import numpy as np

from feedback_classifier.model import FeedbackClassifier
from feedback_classifier.model.semi import fit_self_trained, pseudo_labels

TOPICS = {
    ("delivery", None): ["the courier was late", "parcel arrived late", "late delivery again", "courier came late",
                         "delivery was slow", "slow courier"],
    ("price", None): ["too expensive", "prices are high", "expensive prices", "price too high",
                      "so expensive", "high price"],
    ("staff", None): ["rude staff", "the staff were rude", "staff ignored me", "rude cashier",
                      "unfriendly staff", "staff rude again"],
}
TEXTS = [t for texts in TOPICS.values() for t in texts]
LABELS = [[label] for label, texts in TOPICS.items() for _ in texts]


def fitted():
    return FeedbackClassifier(analyzer=str.split, cv=2, random_state=0).fit(TEXTS, LABELS)


def test_pseudo_labels_take_the_same_number_per_category_surest_first():
    clf = fitted()
    pool = ["late courier late delivery", "courier", "expensive high price", "rude staff rude", "staff"]
    rows, labels = pseudo_labels(clf, pool, 3)
    assert sorted(labs[0] for labs in labels) == [("delivery", None), ("price", None), ("staff", None)]
    P = clf.predict_proba(pool)
    for row, labs in zip(rows, labels):  # each category's surest comment, not its weaker one
        j = clf.classes_.index(labs[0])
        same = [i for i in range(len(pool)) if clf.predict_labels([pool[i]])[0] == labs]
        assert P[row, j] == max(P[i, j] for i in same)


def test_firm_pseudo_labels_skip_comments_only_the_fallback_rule_labels():
    clf = fitted()
    pool = ["the courier was late again", "weather"]
    P = clf.predict_proba(pool)
    D = clf.predict_from_proba(P).astype(bool)
    fallback = [i for i in range(len(pool)) if D[i].any() and (P[i][D[i]] < clf.thresholds_[D[i]]).any()]
    rows, _ = pseudo_labels(clf, pool, 10, firm=True)
    assert not set(rows) & set(fallback)
    assert set(pseudo_labels(clf, pool, 10)[0]) >= set(rows)


def test_no_pseudo_labels_is_the_plain_classifier():
    plain = fitted()
    semi = fit_self_trained(TEXTS, LABELS, ["late courier again"], share=0.0, analyzer=str.split, cv=2, random_state=0)
    assert np.array_equal(plain.coef_, semi.coef_) and np.array_equal(plain.thresholds_, semi.thresholds_)


def test_labelled_texts_in_the_pool_are_never_pseudo_labelled():
    # the pool holds only labelled comments: nothing to add, the plain classifier again
    semi = fit_self_trained(TEXTS, LABELS, TEXTS, analyzer=str.split, cv=2, random_state=0)
    assert np.array_equal(fitted().coef_, semi.coef_)


def test_self_training_learns_a_word_only_the_pool_uses():
    pool = [f"the courier was late with my {w}" for w in ("parcel", "box", "order")] * 2 + \
           [f"rude staff at the {w} counter" for w in ("parcel", "box", "order")]
    plain, semi = fitted(), fit_self_trained(TEXTS, LABELS, pool, share=2.0, analyzer=str.split, cv=2, random_state=0)
    j = plain.classes_.index(("delivery", None))
    probe = ["my box"]  # "box" is in no labelled comment
    assert semi.predict_proba(probe)[0, j] > plain.predict_proba(probe)[0, j]
