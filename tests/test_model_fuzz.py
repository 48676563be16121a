"""Hand-edited model files: every edit either loads a working model or is one ModelFileError line.

A model file's checksum catches damage, not edits: anyone can change its JSON state or arrays and
recompute the checksum. These tests do what such an edit does (delete keys, change a value's type,
an array's shape or dtype, empty arrays, NaN, huge or negative numbers, class lists that do not match
the weights, unknown class names, a cut-off state) with the checksum recomputed, then load and
predict, and run ``classify`` on a sample. Whatever the edit, the outcome is a working model or one
line naming the file: never another exception, never a traceback.

The default run tries a fixed, seeded set of edits in a few seconds; ``-m slow`` tries thousands.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import math
import random
import signal
import traceback
from pathlib import Path

import numpy as np
import pytest

from feedback_classifier.errors import FeedbackClassifierError
from feedback_classifier.model.persist import MAGIC, load_model

TRAIN_ROWS = [
    ("late courier", "Delivery", "Delivery=negative"),
    ("parcel late again", "Delivery", "Delivery=negative"),
    ("too expensive", "Price", "Price=negative"),
    ("price is fair", "Price", "Price=positive"),
    ("rude staff at the desk", "Service > Staff", "Service > Staff=negative"),
    ("staff was friendly", "Service > Staff", "Service > Staff=positive"),
    ("fast delivery and fair price", "Delivery; Price", "Delivery=positive; Price=positive"),
    ("support answered quickly", "Service", "Service=positive"),
] * 4
TEXTS = ["late courier", "the staff was rude and the price too high", "", "неизвестное слово 123", "!!!"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    """A tiny model as ``train`` makes it: cross-validated metrics in the header, a sentiment model inside."""
    from typer.testing import CliRunner

    from feedback_classifier.cli.main import app

    folder = tmp_path_factory.mktemp("fuzzmodel")
    data = folder / "train.csv"
    lines = ["text,labels,sentiment"] + [",".join(f'"{cell}"' for cell in row) for row in TRAIN_ROWS]
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["train", str(data), "--cv", "2", "--sentiment-col", "sentiment",
                                      "--out", str(folder / "m.fcmodel")])
    assert result.exit_code == 0, result.output
    return folder / "m.fcmodel"


# ---- the file's parts, and writing them back with the checksum recomputed


def split_model(path: Path) -> tuple[dict, dict, dict[str, np.ndarray]]:
    """``(header, state tree, arrays)`` of a data-format model file."""
    raw = path.read_bytes()
    _, header_line, payload = raw.split(b"\n", 2)
    with np.load(io.BytesIO(payload), allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    tree = json.loads(arrays.pop("state").tobytes().decode("utf-8"))
    return json.loads(header_line), tree, arrays


def write_model(out: Path, header: dict, tree, arrays: dict, *, state_bytes: bytes | None = None,
                cut: int | None = None) -> Path:
    """The parts back as a model file whose checksum matches, as a hand edit followed by re-signing."""
    text = state_bytes if state_bytes is not None else json.dumps(tree, ensure_ascii=False).encode("utf-8")
    buffer = io.BytesIO()
    np.savez(buffer, state=np.frombuffer(text, dtype=np.uint8), **arrays)
    payload = buffer.getvalue()[:cut] if cut is not None else buffer.getvalue()
    header = dict(header, payload_bytes=len(payload), payload_sha256=hashlib.sha256(payload).hexdigest())
    out.write_bytes(MAGIC + json.dumps(header, ensure_ascii=False).encode("utf-8") + b"\n" + payload)
    return out


# ---- where an edit can go


def _slots(node, path=(), depth=0):
    """``(path, value)`` of the nodes an edit can replace or delete; of a long list or mapping (a
    vocabulary, the word table's words) only the first two and the last entries."""
    yield path, node
    if depth > 12:
        return
    if isinstance(node, dict):
        keys = list(node)
        if len(keys) > 60:
            keys = keys[:2] + keys[-1:]
        for key in keys:
            yield from _slots(node[key], path + (key,), depth + 1)
    elif isinstance(node, list):
        idx = list(range(len(node)))
        if len(idx) > 12:
            idx = idx[:2] + idx[-1:]
        for i in idx:
            yield from _slots(node[i], path + (i,), depth + 1)


def _get(tree, path):
    for key in path:
        tree = tree[key]
    return tree


def _set(tree, path, value):
    _get(tree, path[:-1])[path[-1]] = value


ODD_VALUES = [None, 0, -1, 1, 10**20, -(10**20), 2**63, 0.5, -2.5, math.nan, math.inf, -math.inf, "", "x",
              "FeedbackClassifier", [], {}, [1, 2], ["a", None], {"a": 1}, True, False,
              {"$tuple": []}, {"$tuple": ["x", None]}, {"$array": "a0"}, {"$scalar": "<f8", "value": math.nan},
              {"$items": []}, {"$set": [1]}, {"$object": "TextAnalyzer", "state": {}},
              {"$object": "WordVectorBlock", "state": {}}, {"$object": "NoSuchEstimator", "state": {}},
              {"$taxonomy": {}}, {"$csr": [], "shape": [1, 1]}, {"$dtype": "<f4"}]


def _odd_array(rng: random.Random, a: np.ndarray) -> tuple[np.ndarray, str]:
    """``a`` with its shape, dtype or values changed as an editor of the arrays would."""
    how = rng.choice(["ravel", "drop_last", "drop_col", "transpose", "add_dim", "empty", "empty2d", "scalar",
                      "dtype", "nan", "inf", "huge", "negative", "strings", "bool", "complex"])
    if how == "ravel":
        return a.ravel(), how
    if how == "drop_last":
        return a[:-1], how
    if how == "drop_col":
        return (a[..., :-1] if a.ndim > 1 else a[1:]), how
    if how == "transpose":
        return a.T.copy(), how
    if how == "add_dim":
        return a[None], how
    if how == "empty":
        return np.zeros(0, dtype=a.dtype), how
    if how == "empty2d":
        return np.zeros((0, 0), dtype=a.dtype), how
    if how == "scalar":
        return np.array(a.ravel()[0] if a.size else 0), how
    if how == "dtype":
        dtype = rng.choice([np.int8, np.int64, np.uint64, np.float16, np.float32, np.float64])
        with np.errstate(all="ignore"):
            return a.astype(dtype) if a.dtype.kind in "biuf" else np.zeros(a.shape, dtype), how
    if how in ("nan", "inf") and a.dtype.kind == "f" and a.size:
        b = a.copy()
        b.flat[rng.randrange(b.size)] = np.nan if how == "nan" else -np.inf
        return b, how
    if how in ("huge", "negative") and a.dtype.kind in "iu" and a.size:
        b = a.copy()
        b.flat[rng.randrange(b.size)] = np.iinfo(a.dtype).max if how == "huge" else (-1 if a.dtype.kind == "i" else 0)
        return b, how
    if how == "strings":
        return np.array(["x"] * max(a.size, 1)), how
    if how == "bool":
        return np.ones(a.shape, dtype=bool), how
    if how == "complex":
        return np.ones(a.shape, dtype=np.complex64), how
    return np.full(a.shape, 1e30, dtype=np.float64), "huge_float"


def mutate(rng: random.Random, header: dict, tree, arrays: dict) -> tuple[dict, object, dict, dict, str]:
    """One hand edit: ``(header, tree, arrays, write_options, description)``."""
    header, tree, arrays = copy.deepcopy(header), copy.deepcopy(tree), dict(arrays)
    kind = rng.choice(["delete", "retype", "retype", "array", "array", "classes", "object", "index", "header",
                       "truncate", "swap"])
    slots = [(p, v) for p, v in _slots(tree) if p]
    if kind == "delete":
        candidates = [(p, v) for p, v in slots if isinstance(_get(tree, p[:-1]), dict) and not str(p[-1]).startswith("$")]
        path, _ = rng.choice(candidates)
        del _get(tree, path[:-1])[path[-1]]
        return header, tree, arrays, {}, f"delete {_show(path)}"
    if kind == "retype":
        path, _ = rng.choice(slots)
        value = copy.deepcopy(rng.choice(ODD_VALUES))
        _set(tree, path, value)
        return header, tree, arrays, {}, f"set {_show(path)} = {json.dumps(value)[:40]}"
    if kind == "array":
        key = rng.choice(sorted(arrays))
        arrays[key], how = _odd_array(rng, arrays[key])
        return header, tree, arrays, {}, f"array {_array_name(tree, key)} {how}"
    if kind == "classes":
        return _edit_classes(rng, header, tree, arrays)
    if kind == "object":
        objects = [p for p, v in slots if isinstance(v, dict) and "$object" in v]
        path = rng.choice(objects)
        name = rng.choice(["NoSuchEstimator", "TextAnalyzer", "WordVectorBlock", "_TextFeatures", "AspectSentiment",
                           "FeedbackClassifier", "StaticEmbedder", "MiniLMEmbedder", "FineTunedEmbedder"])
        _get(tree, path)["$object"] = name
        return header, tree, arrays, {}, f"object {_show(path)} -> {name}"
    if kind == "index":  # a vocabulary's feature number
        vocabs = [p for p, v in slots if isinstance(v, dict) and v and all(type(x) is int for x in v.values())]
        path = rng.choice(vocabs)
        vocab = _get(tree, path)
        word = rng.choice(list(vocab))
        vocab[word] = rng.choice([-1, -(10**6), 10**6, 2**40, 2.5, "x", None])
        return header, tree, arrays, {}, f"index {_show(path)}[{word!r}] = {vocab[word]!r}"
    if kind == "header":
        key = rng.choice(["metrics", "training_rows", "labels", "thresholds", "taxonomy", "taxonomy_name",
                          "trained_at", "versions", "model_class", "metrics.category_errors", "metrics.path_micro_f1",
                          "metrics.parent_micro_f1", "metrics.unlabelled_comments", "metrics.trained_without_labels"])
        value = copy.deepcopy(rng.choice(ODD_VALUES + [{"delivery": "x"}, {"delivery": [1, 2]}]))
        if key.startswith("metrics."):
            header["metrics"][key.split(".", 1)[1]] = value
        else:
            header[key] = value
        return header, tree, arrays, {}, f"header {key} = {json.dumps(value)[:40]}"
    if kind == "truncate":
        text = json.dumps(tree).encode("utf-8")
        if rng.random() < 0.5:
            return header, tree, arrays, {"state_bytes": text[: rng.randrange(len(text))]}, "truncate state"
        return header, tree, arrays, {"cut": -rng.randrange(1, 4000)}, "truncate payload"
    # swap two arrays' entries: every array in the right place, but the wrong one
    a, b = rng.sample(sorted(arrays), 2)
    arrays[a], arrays[b] = arrays[b], arrays[a]
    return header, tree, arrays, {}, f"swap {_array_name(tree, a)} {_array_name(tree, b)}"


def _edit_classes(rng, header, tree, arrays):
    owner = rng.choice(["state", ("state", "sentiment_", "state")])
    node = tree["state"] if owner == "state" else tree["state"]["sentiment_"]["state"]
    key = "classes_" if owner == "state" else "categories_"
    classes = node[key]
    how = rng.choice(["drop", "duplicate", "unknown", "strings", "add", "reverse", "child_unknown_parent"])
    if how == "drop":
        classes.pop(rng.randrange(len(classes)))
    elif how == "duplicate":
        classes.append(copy.deepcopy(classes[0]))
    elif how == "unknown":
        classes[rng.randrange(len(classes))] = {"$tuple": ["nosuch", None]}
    elif how == "strings":
        node[key] = [c["$tuple"][0] for c in classes]
    elif how == "add":
        classes.append({"$tuple": ["nosuch", None]})
    elif how == "reverse":
        classes.reverse()
    else:
        classes[rng.randrange(len(classes))] = {"$tuple": ["nosuch", "staff"]}
    return header, tree, arrays, {}, f"{key} {how}"


def _show(path) -> str:
    return ".".join(str(p) for p in path if p not in ("state", "$tuple"))[:80]


def _array_name(tree, key: str) -> str:
    for path, value in _slots(tree):
        if isinstance(value, dict) and value.get("$array") == key:
            return _show(path)
    return key


# ---- what counts as a crash


class _Hang(Exception):
    pass


def _alarm(signum, frame):
    raise _Hang()


def crash_kind(exc: BaseException) -> str:
    """Exception type and the innermost frame of the library: one kind of crash."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "feedback_classifier" in f.filename]
    where = f"{Path(frames[-1].filename).name}:{frames[-1].name}" if frames else "?"
    return f"{type(exc).__name__} in {where}"


def check_library(path: Path, seconds: int = 20, finite: bool = False) -> str | None:
    """None when the edited file loads and predicts or is refused in one line naming it; else the crash
    (``finite``: NaN or infinite probabilities count as one, \"nan output\")."""
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(seconds)
    try:
        model = load_model(path)
        labels = model.predict_labels(TEXTS)
        proba = model.predict_proba(TEXTS)
        assert len(labels) == len(TEXTS) and proba.shape == (len(TEXTS), len(model.classes_))
        if finite and not np.isfinite(proba).all():
            return "nan output"
    except FeedbackClassifierError as exc:
        message = str(exc)
        if "\n" in message.strip() or str(path) not in message:
            return f"unclear error: {message[:200]}"
        return None
    except _Hang:
        return "hang"
    except Exception as exc:  # noqa: BLE001 - any other exception is the bug this test looks for
        return crash_kind(exc)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    return None


def check_cli(path: Path, data: Path, out: Path) -> str | None:
    """None when ``classify --model path`` works or exits 1 with one ``Error:`` line; else what happened."""
    from typer.testing import CliRunner

    from feedback_classifier.cli.main import app

    result = CliRunner().invoke(app, ["classify", str(data), "--text-col", "text", "--model", str(path), "--out", str(out),
                                      "--probabilities", "--evidence"])
    if result.exit_code == 0:
        return None
    if result.exit_code == 1 and (result.exception is None or isinstance(result.exception, SystemExit)):
        lines = [line for line in result.output.splitlines() if line.strip()]
        errors = [line for line in lines if line.startswith("Error:")]
        if len(errors) == 1 and "Traceback" not in result.output:
            return None
        return f"cli output: {result.output[-300:]}"
    return crash_kind(result.exception) if result.exception else f"exit {result.exit_code}"


def run_fuzz(trained: Path, tmp: Path, *, seed: int, count: int, cli_every: int = 0, edit=None,
             finite: bool = False) -> dict[str, list[str]]:
    """``count`` seeded edits of ``trained``; the crashes found, each kind with the edits that caused it.
    ``edit``: ``(rng, header, tree, arrays) -> (header, tree, arrays, write options, what)`` (default
    :func:`mutate`); ``finite``: NaN probabilities count as a crash (see :func:`check_library`)."""
    header, tree, arrays = split_model(trained)
    data = tmp / "survey.csv"
    data.write_text("text\nlate courier\nrude staff\n\n", encoding="utf-8")
    rng = random.Random(seed)
    crashes: dict[str, list[str]] = {}
    for i in range(count):
        h, t, a, options, what = (edit or mutate)(rng, header, tree, arrays)
        path = write_model(tmp / f"edited{i % 2}.fcmodel", h, t, a, **options)
        found = check_library(path, finite=finite)
        if found is None and cli_every and i % cli_every == 0:
            found = check_cli(path, data, tmp / "out.csv")
            found = found and "cli: " + found
        if found is not None:
            crashes.setdefault(found, []).append(what)
    return crashes


def test_an_unedited_file_passes_the_harness(trained, tmp_path):
    header, tree, arrays = split_model(trained)
    path = write_model(tmp_path / "same.fcmodel", header, tree, arrays)
    assert check_library(path) is None
    data = tmp_path / "survey.csv"
    data.write_text("text\nlate courier\n", encoding="utf-8")
    assert check_cli(path, data, tmp_path / "out.csv") is None


# One edit per kind of failure the fuzzing found before load_model checked the state: a traceback at
# prediction, "double free or corruption" or a segfault (a word id out of range), a MemoryError (an id of
# 2**40), or silently wrong output (NaN probabilities and no labels; a parent and its child both given).
EDITS = {
    "classes_ longer than the weights": lambda h, t, a: t["state"]["classes_"].append({"$tuple": ["price", None]}),
    "a word id past the features": lambda h, t, a: t["state"]["features_"]["state"]["word_vocab_"].update(late=10**6),
    "a word id that is not a number": lambda h, t, a: t["state"]["features_"]["state"]["word_vocab_"].update(late="x"),
    "a char id of 2**40 (terabytes)": lambda h, t, a: t["state"]["features_"]["state"]["char_vocab_"].update(
        {"<la": 2**40}),
    "char n-grams of any length": lambda h, t, a: t["state"]["features_"]["state"].update(
        char_ngrams={"$tuple": [2, 10**7]}),
    "another class in a slot": lambda h, t, a: t["state"]["dense_"].update({"$object": "MiniLMEmbedder"}),
    "a key deleted": lambda h, t, a: t["state"].pop("child_completion_"),
    "a number that is a mapping": lambda h, t, a: t["state"].update(intercept_={}),
    "weights of the wrong shape": lambda h, t, a: a.update({_key(t, "coef_"): a[_key(t, "coef_")].T.copy()}),
    "parent positions as booleans": lambda h, t, a: a.update({_key(t, "parent_index_"): np.ones(4, dtype=bool)}),
    "NaN in the word table": lambda h, t, a: a[_key(t, "dense_", "state", "sif_")].__setitem__(0, np.nan),
    "a subcategory whose parent is another": lambda h, t, a: a[_key(t, "parent_index_")].__setitem__(3, 0),
}
HEADER_EDITS = {
    "metrics that are text": lambda h: h["metrics"].update(path_micro_f1="high"),
    "error counts that are not 4 numbers": lambda h: h["metrics"].update(category_errors={"price": ["x", None]}),
    "training rows that are not a count": lambda h: h.update(training_rows={"$dtype": "<f4"}),
}


def _key(tree, *path) -> str:
    node = tree["state"]
    for name in path:
        node = node[name]
    return node["$array"]


@pytest.mark.parametrize("edit", list(EDITS))
def test_each_kind_of_edit_that_crashed_is_one_error_line(trained, tmp_path, edit):
    header, tree, arrays = split_model(trained)
    arrays = {k: v.copy() for k, v in arrays.items()}
    EDITS[edit](header, tree, arrays)
    path = write_model(tmp_path / "edited.fcmodel", header, tree, arrays)
    with pytest.raises(FeedbackClassifierError, match="was edited"):
        load_model(path)


@pytest.mark.parametrize("edit", list(HEADER_EDITS))
def test_each_kind_of_header_edit_that_crashed_classify_is_one_error_line(trained, tmp_path, edit):
    header, tree, arrays = split_model(trained)
    HEADER_EDITS[edit](header)
    path = write_model(tmp_path / "edited.fcmodel", header, tree, arrays)
    data = tmp_path / "survey.csv"
    data.write_text("text\nlate courier\n", encoding="utf-8")
    assert check_cli(path, data, tmp_path / "out.csv") is None
    with pytest.raises(FeedbackClassifierError, match="was edited"):
        load_model(path)


def test_hand_edited_model_files_load_or_fail_in_one_line(trained, tmp_path):
    crashes = run_fuzz(trained, tmp_path, seed=0, count=60, cli_every=6)
    assert not crashes, json.dumps(crashes, indent=1, ensure_ascii=False)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(1, 6))
def test_many_hand_edited_model_files_load_or_fail_in_one_line(trained, tmp_path, seed):
    crashes = run_fuzz(trained, tmp_path, seed=seed, count=600, cli_every=20)
    assert not crashes, json.dumps(crashes, indent=1, ensure_ascii=False)
