"""Model files: round trip, and refusal (without unpickling) of anything that does not check out."""

import json
import pickle

import numpy as np
import pytest

from feedback_classifier.errors import ModelFileError
from feedback_classifier.model.estimator import FeedbackClassifier
from feedback_classifier.model.persist import MAGIC, load_model, read_model_metadata, save_model
from feedback_classifier.taxonomy.core import Taxonomy

TAX = Taxonomy.from_dict(
    {"name": "files", "categories": [
        {"id": "delivery", "names": {"en": "Delivery"}, "children": [{"id": "late", "names": {"en": "Late"}}]},
        {"id": "price", "names": {"en": "Price"}},
    ]}
)
OTHER_TAX = Taxonomy.from_dict({"name": "other", "categories": [{"id": "app", "names": {"en": "App"}}]})
TEXTS = ["parcel came late", "late delivery again", "too expensive", "price is high", "fine", "ok thanks"] * 3
LABELS = [[("delivery", "late")], [("delivery", "late")], [("price", None)], [("price", None)], [], []] * 3


@pytest.fixture(scope="module")
def clf():
    return FeedbackClassifier(taxonomy=TAX, cv=2).fit(TEXTS, LABELS)


class _Boom:
    """Unpickling this runs code: proves a refused file was never unpickled."""

    def __reduce__(self):
        return (_explode, ())


def _explode():
    raise AssertionError("the payload was unpickled")


def _write(path, header: dict, payload: bytes):
    path.write_bytes(MAGIC + json.dumps(header).encode() + b"\n" + payload)


def test_save_load_gives_identical_predictions(clf, tmp_path):
    path = save_model(clf, tmp_path / "m.joblib", metrics={"path_micro_f1": 0.5}, training_rows=len(TEXTS))
    loaded = load_model(path, taxonomy=TAX)
    probe = TEXTS + ["late and expensive", ""]
    np.testing.assert_array_equal(loaded.predict_proba(probe), clf.predict_proba(probe))
    assert loaded.predict_labels(probe) == clf.predict_labels(probe)
    assert loaded.classes_ == clf.classes_ and loaded.taxonomy_ == TAX


def test_metadata_is_readable_without_loading(clf, tmp_path):
    path = save_model(clf, tmp_path / "m.joblib", metrics={"path_micro_f1": 0.5}, training_rows=18)
    meta = read_model_metadata(path)
    assert meta["training_rows"] == 18 and meta["metrics"] == {"path_micro_f1": 0.5}
    assert meta["taxonomy_hash"] == TAX.hash and Taxonomy.from_dict(meta["taxonomy"]) == TAX
    assert [tuple(lab) for lab in meta["labels"]] == clf.classes_
    assert {"feedback_classifier", "scikit_learn", "numpy", "spacy"} <= set(meta["versions"])
    assert meta["trained_at"]


def test_no_temp_files_left_and_overwrite_is_atomic(clf, tmp_path):
    save_model(clf, tmp_path / "m.joblib")
    save_model(clf, tmp_path / "m.joblib")
    assert [p.name for p in tmp_path.iterdir()] == ["m.joblib"]


def test_rejects_a_file_that_is_not_a_model(tmp_path):
    other = tmp_path / "data.csv"
    other.write_text("text,labels\nhello,\n")
    with pytest.raises(ModelFileError, match="not a feedback-classifier model file"):
        load_model(other)
    with pytest.raises(ModelFileError, match="not a feedback-classifier model file"):
        read_model_metadata(other)


def test_rejects_a_plain_pickle_without_unpickling_it(tmp_path):
    path = tmp_path / "evil.joblib"
    path.write_bytes(pickle.dumps(_Boom()))
    with pytest.raises(ModelFileError, match="not a feedback-classifier model file"):
        load_model(path)


def test_rejects_a_truncated_file(clf, tmp_path):
    path = save_model(clf, tmp_path / "m.joblib")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 100])
    with pytest.raises(ModelFileError, match="truncated"):
        load_model(path)
    path.write_bytes(data[:10])
    with pytest.raises(ModelFileError, match="not a feedback-classifier model file"):
        load_model(path)


def test_rejects_an_altered_payload_without_unpickling_it(clf, tmp_path):
    path = save_model(clf, tmp_path / "m.joblib")
    header = read_model_metadata(path)
    evil = pickle.dumps(_Boom())
    header["payload_bytes"] = len(evil)  # right length, wrong checksum
    _write(path, header, evil)
    with pytest.raises(ModelFileError, match="corrupt"):
        load_model(path)


def test_rejects_another_taxonomy_naming_both(clf, tmp_path):
    path = save_model(clf, tmp_path / "m.joblib")
    with pytest.raises(ModelFileError, match="'files'.*'other'"):
        load_model(path, taxonomy=OTHER_TAX)


def test_rejects_other_sklearn_version_without_unpickling(clf, tmp_path):
    path = save_model(clf, tmp_path / "m.joblib")
    header = read_model_metadata(path)
    evil = pickle.dumps(_Boom())
    header.update(payload_bytes=len(evil))
    header["versions"]["scikit_learn"] = "0.24.2"
    _write(path, header, evil)
    with pytest.raises(ModelFileError, match="scikit-learn 0.24.2.*feedback-classifier train"):
        load_model(path)


def test_version_mismatch_escape_hatch_still_checks_the_payload(clf, tmp_path):
    good = save_model(clf, tmp_path / "good.joblib")
    header = read_model_metadata(good)
    payload = good.read_bytes().split(b"\n", 2)[2]
    header["versions"]["scikit_learn"] = "0.24.2"
    crafted = tmp_path / "crafted.joblib"
    _write(crafted, header, payload)
    with pytest.raises(ModelFileError):
        load_model(crafted)
    loaded = load_model(crafted, allow_version_mismatch=True)
    assert loaded.predict_labels(["late parcel"]) == clf.predict_labels(["late parcel"])


def test_rejects_a_newer_format(clf, tmp_path):
    path = save_model(clf, tmp_path / "m.joblib")
    header = read_model_metadata(path)
    header["format_version"] = 99
    _write(path, header, pickle.dumps(_Boom()))
    with pytest.raises(ModelFileError, match="format 99"):
        load_model(path)


def test_missing_file_is_a_model_file_error(tmp_path):
    with pytest.raises(ModelFileError, match="does not exist"):
        load_model(tmp_path / "nope.joblib")
