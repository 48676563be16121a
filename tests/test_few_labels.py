"""What makes the classifier learn more from few labels: decoding over every leaf, weak extra
labels dropped on single-label data, thresholds shrunk toward the shared one, the prototype prior."""

import numpy as np
import pytest

from feedback_classifier.model.estimator import FeedbackClassifier
from feedback_classifier.model.word_table import word_table_path
from feedback_classifier.taxonomy import Taxonomy

FLAT = Taxonomy.from_dict({"name": "flat", "categories": [
    {"id": "delivery", "names": {"en": "Delivery"}, "keywords": {"en": ["courier", "parcel"]}},
    {"id": "price", "names": {"en": "Price"}, "keywords": {"en": ["expensive"]}},
    {"id": "app", "names": {"en": "App"}},
]})
ROWS = [
    ("the parcel came late", "delivery"), ("courier lost my parcel", "delivery"), ("slow courier", "delivery"),
    ("way too expensive", "price"), ("prices went up again", "price"), ("expensive fees", "price"),
    ("the app crashes", "app"), ("app login broken", "app"), ("the app freezes", "app"),
] * 3


@pytest.fixture(scope="module")
def flat():
    texts = [t for t, _ in ROWS]
    return FeedbackClassifier(taxonomy=FLAT, cv=3).fit(texts, [[(c, None)] for _, c in ROWS])


def test_fallback_gives_a_flat_taxonomys_top_category_to_a_comment_with_none(flat):
    # a flat taxonomy's leaves are its parents: the fallback used to look at children only
    flat.thresholds_ = np.full(3, 0.9)
    P = np.array([[0.2, 0.5, 0.1], [0.1, 0.1, 0.95]])
    assert flat._decode(P, 1.0, 0.0).tolist() == [[0, 1, 0], [0, 0, 1]]
    assert flat._decode(P, 1.0, 1.0).tolist() == [[0, 0, 0], [0, 0, 1]]  # off: as before


def test_weak_extra_labels_are_dropped_only_when_asked(flat):
    flat.thresholds_ = np.full(3, 0.2)
    P = np.array([[0.9, 0.3, 0.1], [0.6, 0.5, 0.1]])
    assert flat._decode(P, 1.0, 1.0, extra=0.5).tolist() == [[1, 0, 0], [1, 1, 0]]
    assert flat._decode(P, 1.0, 1.0).tolist() == [[1, 1, 0], [1, 1, 0]]


def test_extras_are_tuned_only_where_labelled_comments_rarely_carry_two(flat):
    assert flat._rarely_several(np.array([[1, 0], [0, 1], [1, 0]]))
    assert not flat._rarely_several(np.array([[1, 1], [0, 1], [1, 0]]))


def test_thresholds_of_classes_with_few_positives_move_toward_the_shared_one(flat):
    G = np.zeros((40, 3), bool)
    G[:30, 0] = True  # 30 positives
    G[30:32, 1] = True  # 2
    flat.threshold_prior = 10.0
    t = flat._shrunk(np.array([0.8, 0.8, 0.8]), 0.4, G)
    assert t[2] == pytest.approx(0.4) and t[1] == pytest.approx(0.4 + 0.4 * 2 / 12)
    assert t[1] < t[0] < 0.8
    flat.threshold_prior = 0.0
    assert flat._shrunk(np.array([0.8, 0.8, 0.8]), 0.4, G).tolist() == [0.8, 0.8, 0.8]


@pytest.mark.skipif(word_table_path() is None, reason="this install has no word table")
def test_prototype_prior_scores_a_comment_by_its_categorys_name_and_keywords(flat):
    flat.prototype_prior = 1.0
    block = flat._prototype_block(flat.coef_.shape[0])
    docs = flat._analyze(["my package was delivered by a courier", "it is far too costly"])
    X = flat.features_.transform(docs)
    import scipy.sparse as sp

    S = sp.hstack([X, sp.csr_matrix(flat.dense_.transform(docs))], format="csr") @ block
    assert S[0].argmax() == 0 and S[1].argmax() == 1
    assert np.abs(S).max() <= 1.0 + 1e-6  # cosines at prior 1


def test_old_model_state_loads_with_the_new_priors_off(flat):
    state = flat.__getstate__()
    for key in ("threshold_prior", "prototype_prior", "extra_ratio_", "calibration_pool"):
        state.pop(key)
    old = FeedbackClassifier.__new__(FeedbackClassifier)
    old.__setstate__(state)
    assert (old.threshold_prior, old.prototype_prior, old.extra_ratio_, old.calibration_pool) == (0.0, 0.0, 0.0, 0.0)
    assert old.predict(["slow courier"]).tolist() == flat.predict(["slow courier"]).tolist()


# many categories, a handful of labels each, as a labelling loop's first few hundred: the words
# of each category appear in its labelled comments only
MANY = [(f"w{c}a w{c}b w{c}{i} filler", f"c{c}") for c in range(12) for i in range(3 if c % 2 else 5)]


def _many(pool: float) -> FeedbackClassifier:
    tax = Taxonomy.from_dict({"name": "many", "categories": [{"id": f"c{c}", "names": {"en": f"Topic {c}"}} for c in range(12)]})
    return FeedbackClassifier(taxonomy=tax, cv=3, analyzer=str.split, word_vectors=0.0,
                              calibration_pool=pool).fit([t for t, _ in MANY], [[(c, None)] for _, c in MANY])


def test_few_label_categories_keep_comparable_scores_with_pooled_calibration():
    # with calibrators of their own, categories with 3 labels and those with 5 are scored on
    # different scales; a new comment with one category's words must still rank it first
    tests = [f"w{c}a w{c}b" for c in range(12)]
    truth = np.arange(12)
    pooled, own = _many(20.0), _many(0.0)
    assert (pooled.predict_proba(tests).argmax(axis=1) == truth).all()
    spread = lambda m: np.ptp(m.predict_proba(tests).max(axis=1))  # noqa: E731
    assert spread(pooled) < spread(own)



def test_pooled_calibrators_leave_well_labelled_classes_alone_and_sample_big_files(monkeypatch):
    from feedback_classifier.model import decoding

    rng = np.random.default_rng(0)
    Y = (rng.random((400, 2)) < 0.5).astype(int)
    oof = rng.normal(size=(400, 2)) + 2 * Y
    cal = np.array([[1.0, 0.0, -1.0], [0.0, 1.0, -1.0]])
    own = [np.array([0]), np.array([1])]
    # ~200 positives each: at pool 1 a class keeps > 99% of its own calibrator, so nothing is fitted
    assert decoding.pooled_calibrators(cal, oof, Y, 1.0, own) is cal
    monkeypatch.setattr(decoding, "_POOL_PAIRS", 100)  # a file too big to pool whole: a sample of rows
    out = decoding.pooled_calibrators(cal, oof, Y, 1000.0, own)
    assert np.isfinite(out).all() and out[0, 1] == out[1, 0] == 0.0 and out[0, 0] > 0
