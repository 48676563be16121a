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
    header["format_version"] = 1
    _write(path, header, evil)
    with pytest.raises(ModelFileError, match="scikit-learn 0.24.2.*feedback-classifier train"):
        load_model(path, trusted=True)


def test_version_mismatch_escape_hatch_still_checks_the_payload(tmp_path):
    old = DATA / "model_v0_1_0.fcmodel"
    header = read_model_metadata(old)
    payload = old.read_bytes().split(b"\n", 2)[2]
    header["versions"]["scikit_learn"] = "0.24.2"
    crafted = tmp_path / "crafted.joblib"
    _write(crafted, header, payload)
    with pytest.raises(ModelFileError):
        load_model(crafted, trusted=True)
    loaded = load_model(crafted, allow_version_mismatch=True, trusted=True)
    reference = load_model(old, trusted=True)
    assert loaded.predict_labels(["late parcel"]) == reference.predict_labels(["late parcel"])


def test_data_files_do_not_depend_on_library_versions(clf, tmp_path):
    path = save_model(clf, tmp_path / "m.joblib")
    header = read_model_metadata(path)
    payload = path.read_bytes().split(b"\n", 2)[2]
    header["versions"]["scikit_learn"] = "0.24.2"
    _write(path, header, payload)
    assert load_model(path).predict_labels(["late parcel"]) == clf.predict_labels(["late parcel"])


def test_an_old_model_converts_to_the_data_format(tmp_path):
    old = load_model(DATA / "model_v0_1_0.fcmodel", trusted=True)
    new = load_model(save_model(old, tmp_path / "m.fcmodel"))
    probe = ["courier was late", "дорого и долго", ""]
    np.testing.assert_array_equal(new.predict_proba(probe), old.predict_proba(probe))
    assert read_model_metadata(tmp_path / "m.fcmodel")["format_version"] == 2


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

    with pytest.raises(ModelFileError, match="old-format model file.*--trust-model"):
        load_model(DATA / "model_v0_1_0.fcmodel")
    clf = load_model(DATA / "model_v0_1_0.fcmodel", trusted=True)
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
    with pytest.raises(ModelFileError, match="old-format"):
        load_model(_forged(tmp_path, buffer.getvalue()))
    with pytest.raises(ModelFileError, match="posix.mkdir|refused"):
        load_model(_forged(tmp_path, buffer.getvalue()), trusted=True)
    assert not marker.exists()


def test_a_forged_plain_pickle_with_eval_is_refused(tmp_path):
    import pickle

    from feedback_classifier.errors import ModelFileError
    from feedback_classifier.model.persist import load_model

    class Evil:
        def __reduce__(self):
            return (eval, ("__import__('os').mkdir('should-not-exist')",))

    with pytest.raises(ModelFileError, match="builtins.eval"):
        load_model(_forged(tmp_path, pickle.dumps(Evil())), trusted=True)
    assert not Path("should-not-exist").exists()


# ---- the data format: forged archives build nothing but data


def _forged_v2(tmp_path, clf, payload: bytes) -> Path:
    import hashlib

    good = save_model(clf, tmp_path / "good.fcmodel")
    header = read_model_metadata(good)
    header["payload_bytes"] = len(payload)
    header["payload_sha256"] = hashlib.sha256(payload).hexdigest()
    path = tmp_path / "forged.fcmodel"
    _write(path, header, payload)
    return path


def _npz(state, **arrays) -> bytes:
    import io as _io

    buffer = _io.BytesIO()
    text = json.dumps(state).encode()
    np.savez(buffer, state=np.frombuffer(text, dtype=np.uint8), **arrays)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "state, arrays, message",
    [
        ({"$object": "system", "state": {}}, {}, "asks for a 'system'"),
        ({"$object": "FeedbackClassifier", "state": {"$object": "Popen", "state": {}}}, {}, "'Popen'"),
        ({"$array": "a0"}, {"a0": np.array([_Boom()], dtype=object)}, "refused"),
        ({"$array": "missing"}, {}, "does not have"),
        ({"$scalar": "O", "value": 1}, {}, "not allowed"),
        ({"$reduce": ["os", "system"]}, {}, "unknown entry"),
        ([1, 2, 3], {}, "not a FeedbackClassifier"),
    ],
)
def test_a_forged_data_file_builds_nothing_but_data(clf, tmp_path, state, arrays, message):
    path = _forged_v2(tmp_path, clf, _npz(state, **arrays))
    with pytest.raises(ModelFileError, match=message):
        load_model(path)


def test_a_pickle_behind_a_data_format_header_is_never_unpickled(clf, tmp_path):
    marker = tmp_path / "pwned"
    path = _forged_v2(tmp_path, clf, pickle.dumps(_RunsCode(str(marker))))
    with pytest.raises(ModelFileError, match="refused"):
        load_model(path, trusted=True)
    assert not marker.exists()


def test_a_model_with_a_function_inside_cannot_be_saved(tmp_path):
    clf = FeedbackClassifier(taxonomy=TAX, analyzer=str.split, cv=2).fit(TEXTS, LABELS)
    with pytest.raises(ModelFileError, match="data only"):
        save_model(clf, tmp_path / "m.fcmodel")
    assert not list(tmp_path.iterdir())


def test_the_payload_is_a_plain_npz_without_pickles(clf, tmp_path):
    import io as _io

    path = save_model(clf, tmp_path / "m.fcmodel")
    payload = path.read_bytes().split(b"\n", 2)[2]
    with np.load(_io.BytesIO(payload), allow_pickle=False) as archive:
        assert "state" in archive.files
        for name in archive.files:
            assert not archive[name].dtype.hasobject


# ---- signed model files


def test_signed_models_load_only_with_the_right_key(clf, tmp_path):
    key, other = b"k" * 32, b"x" * 32
    path = save_model(clf, tmp_path / "m.fcmodel", sign_key=key)
    assert load_model(path, verify_key=key).predict_labels(["late"]) == clf.predict_labels(["late"])
    assert load_model(path).classes_ == clf.classes_  # a signature does not stop unverified loading
    with pytest.raises(ModelFileError, match="signature does not match"):
        load_model(path, verify_key=other)
    with pytest.raises(ModelFileError, match="not signed"):
        load_model(save_model(clf, tmp_path / "plain.fcmodel"), verify_key=key)
    header = read_model_metadata(path)
    header["training_rows"] = 10**6  # any edit of the header (or, through its checksum, the payload) breaks it
    _write(path, header, path.read_bytes().split(b"\n", 2)[2])
    with pytest.raises(ModelFileError, match="signature does not match"):
        load_model(path, verify_key=key)


def test_cli_sign_and_verify(tmp_path):
    from typer.testing import CliRunner

    from feedback_classifier.cli import app

    runner = CliRunner()
    data = tmp_path / "l.csv"
    data.write_text("text,labels\n" + "late courier,Delivery\nrude staff,Service\n" * 4, encoding="utf-8")
    key, wrong = tmp_path / "team.key", tmp_path / "wrong.key"
    key.write_bytes(os.urandom(32))
    wrong.write_bytes(os.urandom(32))
    model = tmp_path / "m.fcmodel"
    trained = runner.invoke(app, ["train", str(data), "--cv", "0", "--out", str(model), "--sign-key", str(key)])
    assert trained.exit_code == 0, trained.output
    ok = runner.invoke(app, ["evaluate", str(data), "--model", str(model), "--verify-key", str(key), "--json"])
    assert ok.exit_code == 0, ok.output
    bad = runner.invoke(app, ["evaluate", str(data), "--model", str(model), "--verify-key", str(wrong)])
    assert bad.exit_code == 1 and "signature does not match" in bad.output
    short = tmp_path / "short.key"
    short.write_bytes(b"abc")
    weak = runner.invoke(app, ["train", str(data), "--cv", "0", "--out", str(model), "--sign-key", str(short)])
    assert weak.exit_code == 1 and "at least 16" in weak.output


def test_suggest_and_label_check_a_signed_model_too(tmp_path):
    """A team that signs its models could not check them in `suggest` and `label` (no --verify-key there), so an
    altered model pre-ticked the labels analysts accept with Enter; now both refuse it as every other command does."""
    from typer.testing import CliRunner

    from feedback_classifier.cli import app

    runner = CliRunner()
    data = tmp_path / "l.csv"
    data.write_text("text,labels\n" + "late courier,Delivery\nrude staff,Service\n" * 4, encoding="utf-8")
    pool = tmp_path / "pool.csv"
    pool.write_text("text\nthe courier was late\nstaff were rude\nparcel lost\n", encoding="utf-8")
    key, wrong = tmp_path / "team.key", tmp_path / "wrong.key"
    key.write_bytes(os.urandom(32))
    wrong.write_bytes(os.urandom(32))
    model = tmp_path / "m.fcmodel"
    assert runner.invoke(app, ["train", str(data), "--cv", "0", "--out", str(model), "--sign-key", str(key)]).exit_code == 0
    suggest = ["suggest", str(pool), "--model", str(model), "--n", "2", "--out", str(tmp_path / "batch.csv")]
    ok = runner.invoke(app, [*suggest, "--verify-key", str(key)])
    assert ok.exit_code == 0 and (tmp_path / "batch.csv").exists(), ok.output
    label = ["label", str(pool), "--labels", str(tmp_path / "labels.csv"), "--model", str(model), "--port", "0"]
    for command in ([*suggest, "--verify-key", str(wrong)], [*label, "--verify-key", str(wrong)]):
        bad = runner.invoke(app, command)
        assert bad.exit_code == 1 and "signature does not match" in bad.output, (command[0], bad.output)
    assert not (tmp_path / "labels.csv").exists()


def test_a_payload_that_would_unpack_to_gigabytes_is_refused(clf, tmp_path, monkeypatch):
    import feedback_classifier.model.safe_state as safe_state

    path = save_model(clf, tmp_path / "m.fcmodel")
    monkeypatch.setattr(safe_state, "_MAX_UNPACKED_BYTES", 1000)  # as a zip bomb would exceed the real limit
    with pytest.raises(ModelFileError, match="would unpack to"):
        load_model(path)


@pytest.mark.parametrize("size", [10**13, 2**62, "3", -1, True, None, 1.5])
def test_a_header_claiming_a_huge_or_odd_payload_size_is_one_error_not_an_allocation(tmp_path, size):
    path = tmp_path / "m.joblib"
    _write(path, {"format_version": 2, "payload_bytes": size, "payload_sha256": "0" * 64}, b"abc")
    with pytest.raises(ModelFileError, match="m.joblib"):
        load_model(path)


def test_a_taxonomy_edited_since_training_is_refused_naming_what_changed(clf, tmp_path):
    # one owner moved: the error gave two hashes and nothing else, as for a foreign taxonomy
    from feedback_classifier.model.default import load_model_and_taxonomy

    path = save_model(clf, tmp_path / "m.joblib")
    edited = TAX.to_dict()
    edited["categories"][0]["owner"] = "Couriers"
    moved = Taxonomy.from_dict(edited)
    with pytest.raises(ModelFileError, match=r"differs in: owner of 'delivery'; to route by new owners, classify"):
        load_model(path, taxonomy=moved)
    with pytest.raises(ModelFileError, match=r"differs in: owner of 'delivery'; to route"):
        load_model_and_taxonomy(clf, moved)
    del edited["categories"][0]["children"]
    with pytest.raises(ModelFileError, match=r"differs in: owner of 'delivery', 'delivery/late' only in the model's\)"):
        load_model(path, taxonomy=Taxonomy.from_dict(edited))


def test_a_header_for_another_taxonomy_than_the_model_data_is_refused(clf, tmp_path):
    # load_model(taxonomy=) checked the header's hash: a file with another model's data under it
    # (checksum updated) passed as a model of TAX and classified with OTHER_TAX's categories
    import hashlib

    mine = save_model(clf, tmp_path / "mine.joblib").read_bytes()
    other = FeedbackClassifier(taxonomy=OTHER_TAX, cv=2).fit(TEXTS, [[("app", None)], []] * 9)
    theirs = save_model(other, tmp_path / "theirs.joblib").read_bytes()
    header = json.loads(mine[len(MAGIC):mine.index(b"\n", len(MAGIC))])
    payload = theirs[theirs.index(b"\n", len(MAGIC)) + 1:]
    header.update(payload_bytes=len(payload), payload_sha256=hashlib.sha256(payload).hexdigest())
    _write(tmp_path / "mixed.joblib", header, payload)
    with pytest.raises(ModelFileError, match="header is for taxonomy 'files', its model data for 'other'"):
        load_model(tmp_path / "mixed.joblib", taxonomy=TAX)


# ---- files from other releases: an upgrading (or downgrading) user is told which version wrote them


def test_this_release_is_told_from_the_0_1_0_builds_by_its_version():
    """Every build before this one, with model file formats 1 and 2, called itself 0.1.0: `--version`, the
    version a model file records and the version `pip install -U` compares could not tell them apart."""
    from feedback_classifier import __version__
    from feedback_classifier.model.file_versions import release_numbers

    assert release_numbers(__version__) > release_numbers(read_model_metadata(DATA / "model_v0_1_0.fcmodel")["versions"]["feedback_classifier"])


def test_the_old_format_refusal_names_the_version_and_date_that_wrote_the_file():
    with pytest.raises(ModelFileError, match=r"format 1, a pickle, written by feedback-classifier 0\.1\.0 on \d{4}-"):
        load_model(DATA / "model_v0_1_0.fcmodel")


def test_a_later_format_names_the_release_to_upgrade_to(clf, tmp_path):
    path = save_model(clf, tmp_path / "m.joblib")
    raw = path.read_bytes()[len(MAGIC):]
    line, payload = raw.split(b"\n", 1)
    header = json.loads(line)
    header["format_version"], header["versions"]["feedback_classifier"] = 3, "9.1.0"
    _write(path, header, payload)
    with pytest.raises(ModelFileError, match=r"format 3 \(written by feedback-classifier 9\.1\.0 on .*upgrade "
                                             r"feedback-classifier to 9\.1\.0 or later"):
        load_model(path)


def test_model_data_of_a_later_release_is_an_upgrade_not_tampering(clf, tmp_path):
    """A class a later release added (the 2026-12-04 build read today's files as 'may have been tampered
    with'): the error names the release that wrote the file and says to upgrade."""
    import hashlib
    import io

    path = save_model(clf, tmp_path / "m.joblib")
    line, payload = path.read_bytes()[len(MAGIC):].split(b"\n", 1)
    header = json.loads(line)
    with np.load(io.BytesIO(payload), allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    state = arrays["state"].tobytes()
    arrays["state"] = np.frombuffer(state.replace(b'"FeedbackClassifier"', b'"FeedbackClassifierOfTomorrow"', 1), np.uint8)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    forged = buffer.getvalue()
    assert b"OfTomorrow" in arrays["state"].tobytes()
    header["payload_bytes"], header["payload_sha256"] = len(forged), hashlib.sha256(forged).hexdigest()
    _write(path, header, forged)
    with pytest.raises(ModelFileError, match="tampered"):
        load_model(path)  # written by this very release: a class it does not know is no upgrade
    header["versions"]["feedback_classifier"] = "9.1.0"
    _write(path, header, forged)
    with pytest.raises(ModelFileError, match=r"written by feedback-classifier 9\.1\.0 on .*, a later release than "
                                             r".*upgrade feedback-classifier to 9\.1\.0 or later") as caught:
        load_model(path)
    assert "tampered" not in str(caught.value)


def test_a_renamed_category_of_the_same_taxonomy_is_called_another_version_of_it(clf):
    """A model trained on last month's cx-default ('Service') given today's ('Customer service'): the error
    read "trained on taxonomy 'cx-default', not on 'cx-default'"."""
    from feedback_classifier.model.default import load_model_and_taxonomy

    renamed = TAX.to_dict()
    renamed["categories"][1]["names"] = {"en": "Price and value"}
    with pytest.raises(ModelFileError, match=r"trained on another version of taxonomy 'files' \(the given one differs "
                                             r"in: names of 'price'\): drop --taxonomy .* retrain") as caught:
        load_model_and_taxonomy(clf, Taxonomy.from_dict(renamed))
    assert "not on 'files'" not in str(caught.value)
