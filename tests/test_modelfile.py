"""Model files: round trip, and refusal (without unpickling) of anything that does not check out."""

import json
import os
import pickle
from pathlib import Path

import numpy as np
import pytest

from feedback_classifier.errors import ModelFileError
from feedback_classifier.model.estimator import FeedbackClassifier
from feedback_classifier.model.persist import MAGIC, load_model, read_model_metadata, save_model
from feedback_classifier.taxonomy import Taxonomy

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


# ---- files saved by earlier versions, and files that try to run code

DATA = Path(__file__).parent / "data"


def test_a_model_saved_by_version_0_1_0_loads_and_predicts_the_same():
    """Saved before the package was split into subpackages: class paths in it no longer exist."""
    import json

    from feedback_classifier.model.persist import load_model

    clf = load_model(DATA / "model_v0_1_0.fcmodel")
    saved = json.loads((DATA / "model_v0_1_0.predictions.json").read_text(encoding="utf-8"))
    np.testing.assert_allclose(clf.predict_proba(saved["texts"]), np.array(saved["proba"]), atol=1e-8)
    assert clf.predict(saved["texts"]).tolist() == saved["pred"]


def _forged(tmp_path, payload: bytes) -> Path:
    """A real model's header with ``payload`` behind it and the checksum recomputed, as an attacker would."""
    import hashlib
    import json

    from feedback_classifier.model.persist import MAGIC, read_model_metadata

    header = read_model_metadata(DATA / "model_v0_1_0.fcmodel")
    header["payload_bytes"] = len(payload)
    header["payload_sha256"] = hashlib.sha256(payload).hexdigest()
    path = tmp_path / "forged.joblib"
    path.write_bytes(MAGIC + json.dumps(header).encode() + b"\n" + payload)
    return path


class _RunsCode:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


@pytest.mark.parametrize("compress", [0, 3])
def test_a_forged_model_file_is_refused_before_its_code_runs(tmp_path, compress):
    import io as _io

    import joblib

    from feedback_classifier.errors import ModelFileError
    from feedback_classifier.model.persist import load_model

    marker = tmp_path / "pwned"
    buffer = _io.BytesIO()
    joblib.dump(_RunsCode(str(marker)), buffer, compress=compress)
    with pytest.raises(ModelFileError, match="posix.mkdir|refused"):
        load_model(_forged(tmp_path, buffer.getvalue()))
    assert not marker.exists()


def test_a_forged_plain_pickle_with_eval_is_refused(tmp_path):
    import pickle

    from feedback_classifier.errors import ModelFileError
    from feedback_classifier.model.persist import load_model

    class Evil:
        def __reduce__(self):
            return (eval, ("__import__('os').mkdir('should-not-exist')",))

    with pytest.raises(ModelFileError, match="builtins.eval"):
        load_model(_forged(tmp_path, pickle.dumps(Evil())))
    assert not Path("should-not-exist").exists()
