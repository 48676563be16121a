"""Saving and loading trained classifiers: a checked header, then data that cannot run code.

A model file is three parts::

    FEEDBACK-CLASSIFIER-MODEL\\n          magic line
    {"format_version": 2, ...}\\n          one line of JSON metadata (the header)
    <npz payload>                          the model as JSON + numeric arrays (model/safe_state.py)

The header records the format version, the package, scikit-learn, numpy, scipy and
spaCy versions, the taxonomy (as a dict) and its hash, the label list, the number of
training rows, the training date, cross-validated metrics, and the payload's length
and SHA-256 (which catch a damaged or truncated file, not a forged one). The payload
is never unpickled: loading it can only build numbers, strings, arrays and the
library's own model classes, so a crafted file cannot run code.

Files of format 1 (saved before this format existed) hold a pickle. They load only with
``trusted=True`` (CLI: ``--trust-model``), still through an allow-listed unpickler
(model/safe_pickle.py), and ``save_model`` turns them into format 2.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import hmac
import io
import json
import math
import os
import weakref
from pathlib import Path
from typing import Any

from feedback_classifier.errors import ModelFileError
from feedback_classifier.model.base import check_is_fitted
from feedback_classifier.model.file_versions import (also_written, from_later_release, major_minor, newer_writer,
                                                     runtime_versions, written_by)
from feedback_classifier.model.safe_pickle import ForbiddenGlobal, joblib_load_restricted
from feedback_classifier.model.safe_state import UnsafeState, state_from_bytes, state_to_bytes
from feedback_classifier.model.state_check import BadState, check_fitted
from feedback_classifier.tableio import write_file_atomic

MAGIC = b"FEEDBACK-CLASSIFIER-MODEL\n"
FORMAT_VERSION = 2
#: The pickled format of earlier versions: loaded only when the caller trusts the file.
PICKLE_FORMAT = 1
_MAX_HEADER_BYTES = 64 * 1024 * 1024
# header of each classifier load_model returned: `--verify-key` and `--trust-model` hand jobs the loaded
# classifier, not its path, and without this its rows, scores and error rates were lost to them
_HEADERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def save_model(
    clf, path, *, metrics: dict | None = None, training_rows: int | None = None, sign_key: bytes | None = None,
    compress: bool = True, training: dict | None = None,
) -> Path:
    """Write a fitted classifier to ``path`` atomically (temp file + rename).

    ``metrics`` (e.g. cross-validated F1 scores) and ``training_rows`` are stored in
    the header so ``read_model_metadata`` can show them without loading the model.
    ``sign_key`` adds an HMAC-SHA256 signature of the header (which holds the payload's
    SHA-256), checked by ``load_model(..., verify_key=)``: only holders of the key can make
    a file that passes. ``compress=False`` writes a larger file that loads faster (the
    default model's cache, read by every command that uses it). ``training`` (plain data: the labelled
    file's name and SHA-256, its columns, the settings ``train`` was given) is stored as the header's
    ``training``, so a model in a registry says what it was made from. ``path`` may also be a binary
    file object (``io.BytesIO``, an open ``"wb"`` file): the model is written to it and it is returned.

    >>> from feedback_classifier.model.estimator import FeedbackClassifier
    >>> clf = FeedbackClassifier(cv=2).fit(
    ...     ["late courier", "rude staff"] * 4, [[("delivery", None)], [("service", None)]] * 4)
    >>> import tempfile, os
    >>> p = save_model(clf, os.path.join(tempfile.mkdtemp(), "m.joblib"), training_rows=8)
    >>> read_model_metadata(p)["training_rows"]
    8
    >>> load_model(p).predict_labels(["late courier"]) == clf.predict_labels(["late courier"])
    True
    """
    if not callable(getattr(clf, "predict_labels", None)):  # an AspectSentiment raised "no attribute 'taxonomy_'"
        raise TypeError(f"save_model saves a FeedbackClassifier (its categories and taxonomy), got "
                        f"{type(clf).__name__}; to keep an AspectSentiment, set it as a fitted classifier's sentiment_ and save that.")
    check_is_fitted(clf, "classes_")
    target = _source(path)
    path = _shown(target)
    try:
        payload = state_to_bytes(clf, compress=compress)
    except UnsafeState as exc:
        raise ModelFileError(f"cannot save the model to {path}: {exc}") from None
    taxonomy = clf.taxonomy_
    header = {
        "format_version": FORMAT_VERSION,
        "versions": runtime_versions(),
        "model_class": type(clf).__name__,
        "taxonomy_name": taxonomy.name,
        "taxonomy_hash": taxonomy.hash,
        "taxonomy": taxonomy.to_dict(),
        "labels": [list(label) for label in clf.classes_],
        "thresholds": [float(t) for t in clf.thresholds_],
        "training_rows": training_rows,
        "training": training or {},
        "trained_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "metrics": metrics or {},
        "payload_bytes": len(payload),
        "payload_sha256": hashlib.sha256(payload).hexdigest(),
    }
    if sign_key is not None:
        header["signature"] = _signature(header, sign_key)
    line = json.dumps(header, ensure_ascii=False, sort_keys=True, default=_jsonable).encode("utf-8")
    if not isinstance(target, Path):
        target.write(MAGIC + line + b"\n" + payload)
        return target
    write_file_atomic(target, MAGIC + line + b"\n" + payload, make_parents=True)
    return target


def check_key(key: Any) -> bytes:
    """``key`` once it is a usable signing key: bytes, not empty (a path or text raised hmac's TypeError).

    >>> check_key("keys/model.key")  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    feedback_classifier.errors.ModelFileError: the signing key must be bytes, got a str ...
    """
    if not isinstance(key, (bytes, bytearray)):
        raise ModelFileError(f"the signing key must be bytes, got a {type(key).__name__}; read a key file with "
                             "read_key(path) (the CLI's --sign-key/--verify-key KEYFILE do)")
    if not key:
        raise ModelFileError("the signing key is empty; use a key file with at least 16 random bytes")
    return bytes(key)


def _signature(header: dict, key: bytes) -> str:
    key = check_key(key)
    unsigned = {k: v for k, v in header.items() if k != "signature"}
    text = json.dumps(unsigned, ensure_ascii=False, sort_keys=True, default=_jsonable).encode("utf-8")
    return "hmac-sha256:" + hmac.new(key, text, hashlib.sha256).hexdigest()


def read_key(path) -> bytes:
    """The bytes of a key file (a trailing newline dropped), for ``sign_key=``/``verify_key=``.

    >>> read_key("no-such-key")  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    feedback_classifier.errors.ModelFileError: key file no-such-key not found ...
    """
    path = Path(path)
    try:
        key = path.read_bytes().rstrip(b"\r\n")
    except FileNotFoundError:
        raise ModelFileError(
            f"key file {path} not found; create one, e.g. `head -c 32 /dev/urandom > {path}`"
        ) from None
    except OSError as exc:
        raise ModelFileError(f"key file {path} cannot be read ({exc.strerror})") from None
    if len(key) < 16:
        raise ModelFileError(f"key file {path} holds {len(key)} bytes; use at least 16 random bytes")
    return key


def _check_signature(header: dict, path: Path, key: bytes) -> None:
    given = header.get("signature")
    if not isinstance(given, str):
        raise ModelFileError(f"{path} is not signed; a signing key was given, so only models made with "
                             "`feedback-classifier train --sign-key KEYFILE` load")
    if not hmac.compare_digest(given, _signature(header, key)):
        raise ModelFileError(f"{path} was refused: its signature does not match the key (made with another key, "
                             "or altered since); nothing in it was loaded")


def _jsonable(value: Any):
    try:
        import numpy as np

        if isinstance(value, np.generic):
            return value.item()
        if isinstance(value, np.ndarray):
            return value.tolist()
    except ImportError:  # pragma: no cover
        pass
    raise TypeError(f"cannot store {type(value).__name__} in a model header")


def _source(path):
    """``path`` as a ``Path``, or a file object as it is: a pipeline keeps models in object stores
    through ``io.BytesIO``, which ``Path()`` refused with a bare ``TypeError``."""
    if hasattr(path, "read") or hasattr(path, "write"):
        return path
    return Path(path).expanduser()  # "~/models/m.fcmodel" was saved under a folder named "~"


def _shown(source) -> Path:
    """How messages name a model file: its path, or a file object's ``name`` (a BytesIO has none)."""
    if isinstance(source, Path):
        return source
    return Path(str(getattr(source, "name", "") or f"the {type(source).__name__} given"))


def _not_ours(path: Path, why: str) -> ModelFileError:
    return ModelFileError(
        f"{path} is not a feedback-classifier model file ({why}); "
        "make one with `feedback-classifier train DATA --out models/NAME.joblib`."
    )


def _read_header(fh, path: Path) -> tuple[dict, int]:
    magic = fh.read(len(MAGIC))
    if magic != MAGIC:
        if magic[:1] == b"\x80":  # a pickle (pickle.dump, joblib.dump): the user's own, never unpickled here
            raise ModelFileError(f"{path} is a pickle, not a feedback-classifier model file (never unpickled): a model "
                                 "you pickled yourself loads with pickle or joblib if you trust the file; "
                                 "save_model(model, path) makes a model file of it.")
        raise _not_ours(path, "no model header at the start")
    line = fh.readline(_MAX_HEADER_BYTES)
    if not line.endswith(b"\n"):
        raise _not_ours(path, "the header is cut off or corrupt")
    try:
        header = json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _not_ours(path, "the header is corrupt") from None
    if not isinstance(header, dict) or "format_version" not in header:
        raise _not_ours(path, "the header is corrupt")
    _check_header_facts(header, path)
    return header, len(MAGIC) + len(line)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)


def _check_header_facts(header: dict, path: Path) -> None:
    """The header's facts that commands show (training rows, cross-validated metrics, per-category error
    counts) have the types ``train`` writes: a hand-edited header is one error here, not a traceback
    where ``classify`` prints them."""
    rows = header.get("training_rows")
    if rows is not None and (isinstance(rows, bool) or not isinstance(rows, int) or rows < 0):
        raise _edited(path, f"training_rows is {str(rows)[:40]!r}, not a count of rows")
    metrics = header.get("metrics")
    if metrics is None:
        return
    if not isinstance(metrics, dict):
        raise _edited(path, f"metrics is a {type(metrics).__name__}, not a mapping")
    for name, value in metrics.items():
        if name == "category_errors":
            if not isinstance(value, dict) or not all(
                    isinstance(counts, list) and len(counts) == 4
                    and all(type(n) is int and n >= 0 for n in counts) for counts in value.values()):
                raise _edited(path, "metrics.category_errors must map categories to 4 counts (tp, fp, fn, tn)")
        elif not _is_number(value):
            raise _edited(path, f"metrics.{name} is {str(value)[:40]!r}, not a number")


def _edited(path: Path, why: str) -> ModelFileError:
    return ModelFileError(
        f"{path} is damaged or was edited: {why}; copy the file again or retrain with `feedback-classifier train ...`."
    )


def loaded_model_metadata(model) -> dict | None:
    """The header of the file ``load_model`` read ``model`` from (as checked then), or None for a
    classifier that did not come from a model file.

    >>> loaded_model_metadata(object()) is None
    True
    """
    try:
        return _HEADERS.get(model)
    except TypeError:  # not weak-referenceable: not a loaded model
        return None


def metadata_of(model) -> dict | None:
    """A model file's header from its path, or from the classifier ``load_model`` made of it;
    None for anything else (a classifier fitted in this process, the bundled default)."""
    if isinstance(model, (str, os.PathLike)):
        return read_model_metadata(model)
    return loaded_model_metadata(model)


def read_model_metadata(path) -> dict:
    """The header of a model file (versions, taxonomy, labels, metrics...), without unpickling.

    Raises ``ModelFileError`` if the file is missing or not a model file.

    >>> read_model_metadata("README.md")  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    feedback_classifier.errors.ModelFileError: README.md is not a feedback-classifier model file ...
    """
    source = _source(path)
    with _open_model_file(source) as fh:
        header, _ = _read_header(fh, _shown(source))
    return header


@contextlib.contextmanager
def _open_model_file(path):
    """Open a model file for reading, turning a wrong path into a ModelFileError. A file object is
    read from where it stands and left open: it is the caller's."""
    if not isinstance(path, Path):
        if not isinstance(path.read(0), bytes):
            raise ModelFileError(f"{_shown(path)} is open as text; open the model file in binary mode ('rb').")
        yield path if path.seekable() else io.BytesIO(path.read())
        return
    try:
        fh = path.open("rb")
    except FileNotFoundError:
        raise ModelFileError(f"Model file {path} does not exist; check the path.") from None
    except IsADirectoryError:
        raise ModelFileError(f"Model path {path} is a directory; pass a .joblib model file.") from None
    with fh:
        yield fh


def check_model_metadata(
    header: dict, path, *, taxonomy=None, allow_version_mismatch: bool = False, trusted: bool = False
) -> None:
    """Raise ``ModelFileError`` when a model with this header must not be loaded here."""
    path = Path(path)
    fmt = header.get("format_version")
    if not isinstance(fmt, int) or fmt > FORMAT_VERSION or fmt < 1:
        from feedback_classifier import __version__

        writer, newer = written_by(header), newer_writer(header)
        raise ModelFileError(
            f"{path} uses model file format {fmt!r}{f' ({writer})' if writer else ''}, which this "
            f"feedback-classifier {__version__} (format {FORMAT_VERSION}) cannot read; upgrade feedback-classifier"
            f"{f' to {newer} or later' if newer else ''} (pip install -U feedback-classifier) or retrain the "
            "model with `feedback-classifier train ...`."
        )
    if fmt == PICKLE_FORMAT:
        _check_pickle_allowed(header, path, trusted=trusted, allow_version_mismatch=allow_version_mismatch)
    if taxonomy is not None and header.get("taxonomy_hash") != taxonomy.hash and not _aliases_only(header, taxonomy):
        raise ModelFileError(
            f"{path} was trained for taxonomy {header.get('taxonomy_name')!r} "
            f"(hash {str(header.get('taxonomy_hash'))[:12]}) but taxonomy {taxonomy.name!r} "
            f"(hash {taxonomy.hash[:12]}) was given{_differing(header.get('taxonomy'), taxonomy)}; use the taxonomy "
            "the model was trained with or retrain the model with `feedback-classifier train ... --taxonomy FILE`."
        )


def _aliases_only(header: dict, given) -> bool:
    """Whether ``given`` differs from the header's taxonomy in aliases alone (``same_but_aliases``)."""
    from feedback_classifier.taxonomy import Taxonomy
    from feedback_classifier.taxonomy.history import same_but_aliases

    try:
        return same_but_aliases(given, Taxonomy.from_dict(header.get("taxonomy")))
    except Exception:  # a header without a readable taxonomy: the hashes decide
        return False


def _differing(model_taxonomy: Any, given) -> str:
    """``differing_note`` for the header's taxonomy (plain data), '' when it does not read."""
    from feedback_classifier.taxonomy import Taxonomy

    try:
        model_tax = Taxonomy.from_dict(model_taxonomy)
    except Exception:  # a header without a readable taxonomy: the hashes say enough
        return ""
    return differing_note(given, model_tax)


def differing_note(given, model_taxonomy) -> str:
    """`` (the given one differs in: owner of 'security', ...)``: an edit of one owner looked like a
    foreign taxonomy (two hashes, nothing said of what changed). Owners decide only where comments
    go, which route and report read from a classified file: that way is said when only they differ."""
    found = given.differences(model_taxonomy, names=("the given one", "the model's"))
    if not found:
        return ""
    hint = ("; to route by new owners, classify with the model, then give route or report the classified "
            "file and --taxonomy FILE") if all(item.startswith("owner of ") for item in found) else ""
    return f" (the given one differs in: {', '.join(found)}{hint})"


def _check_pickle_allowed(header: dict, path: Path, *, trusted: bool, allow_version_mismatch: bool) -> None:
    if not trusted:
        raise ModelFileError(
            f"{path} is an old-format model file (format 1, a pickle{also_written(written_by(header))}): loading one can run "
            "code hidden in it, so it is not loaded unless you trust where it came from; if you or your team "
            "made it, pass --trust-model (library: trusted=True), or retrain it with `feedback-classifier train`."
        )
    saved = header.get("versions") or {}
    here = runtime_versions()
    if not allow_version_mismatch:
        for key, package, part in (("scikit_learn", "scikit-learn", major_minor), ("numpy", "numpy", _major)):
            if part(saved.get(key)) != part(here[key]):
                raise ModelFileError(
                    f"{path} was trained with {package} {saved.get(key)} but {here[key]} is installed; "
                    f"pickled models only load reliably with the same {package} version. Retrain it with "
                    "`feedback-classifier train DATA --out MODEL` (or pass allow_version_mismatch=True "
                    "to load it at your own risk)."
                )


def _major(version: str | None) -> tuple[str, ...] | None:
    return tuple(version.split(".")[:1]) if version else None


_TABLE_SUFFIXES = {".csv", ".tsv", ".txt", ".xlsx", ".xls", ".parquet", ".jsonl", ".ndjson", ".json", ".yaml", ".yml"}


def check_model_out(path, inputs) -> None:
    """Refuse, before any training, a model path that is one of ``inputs``, an existing table or
    taxonomy that is no model file (`train --out labels2.csv` replaced a labels file with the model,
    without a word), ``-`` or a folder.

    >>> import tempfile
    >>> table = Path(tempfile.mkdtemp()) / "labels2.csv"
    >>> _ = table.write_text("text,labels\\n")
    >>> check_model_out(table, [])
    Traceback (most recent call last):
    ...
    feedback_classifier.errors.ModelFileError: ...labels2.csv: the file exists and is not a model file (a .csv table?); choose another --out path for the model, e.g. models/my.joblib.
    """
    from feedback_classifier.tableio.atomic import refuse_overwriting_inputs

    if str(path) == "-":  # found only once the model was trained (minutes, with cross-validation)
        raise ModelFileError("-: writing to standard output is not supported; give --out a file path for the "
                             "model, e.g. models/my.joblib.")
    path = Path(path)
    if path.is_dir():
        raise ModelFileError(f"{path}: is a directory; give --out a file name for the model, e.g. "
                             f"{path / 'my.joblib'}.")
    refuse_overwriting_inputs([path], inputs, fix="choose another --out path for the model.")
    if path.suffix.lower() in _TABLE_SUFFIXES and path.is_file() and path.stat().st_size:
        with open(path, "rb") as fh:
            if fh.read(len(MAGIC)) != MAGIC:
                raise ModelFileError(f"{path}: the file exists and is not a model file (a {path.suffix} table?); "
                                     "choose another --out path for the model, e.g. models/my.joblib.")


def load_model(
    path, taxonomy=None, *, allow_version_mismatch: bool = False, trusted: bool = False, verify_key: bytes | None = None
):
    """Load a classifier saved by ``save_model``, after checking its header.

    ``taxonomy``: when given, the model must have been trained for exactly this
    taxonomy (same hash, or only its aliases differ). The payload is read only when the magic line, the format,
    the taxonomy and the payload's length and SHA-256 all check out, and it is read
    as data: nothing in a model file can run code. A model file of the old pickled
    format (1) is refused unless ``trusted=True``; ``allow_version_mismatch`` applies
    to those files only (data files do not depend on library versions). With ``verify_key``
    the file must carry a signature made with that key (``save_model(..., sign_key=)``). ``path`` may
    be a binary file object, read from where it stands (``seek(0)`` a ``BytesIO`` just written).

    >>> load_model("README.md")  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    feedback_classifier.errors.ModelFileError: README.md is not a feedback-classifier model file ...
    """
    source = _source(path)
    path = _shown(source)
    with _open_model_file(source) as fh:
        header, _ = _read_header(fh, path)
        if verify_key is not None:
            _check_signature(header, path, verify_key)
        check_model_metadata(
            header, path, taxonomy=taxonomy, allow_version_mismatch=allow_version_mismatch, trusted=trusted
        )
        expected = header.get("payload_bytes")
        if isinstance(expected, bool) or not isinstance(expected, int) or expected < 0:
            raise _not_ours(path, f"its header gives the model data's size as {str(expected)[:40]!r}, not a byte count")
        # never more than the file holds: a header claiming terabytes must not be allocated
        here = fh.tell()
        available = fh.seek(0, os.SEEK_END) - here  # a file object's size is not its fstat
        fh.seek(here)
        payload = fh.read(min(expected, max(available, 0)) + 1)
    if len(payload) != expected:
        raise ModelFileError(
            f"{path} is truncated or corrupt: the model data is {len(payload)} bytes, the header says "
            f"{expected}; copy the file again or retrain with `feedback-classifier train ...`."
        )
    if hashlib.sha256(payload).hexdigest() != header.get("payload_sha256"):
        raise ModelFileError(
            f"{path} is corrupt: its model data does not match the checksum in its header; "
            "copy the file again or retrain with `feedback-classifier train ...`."
        )
    if header["format_version"] == PICKLE_FORMAT:
        model = _load_pickled(payload, path)
    else:
        try:
            model = state_from_bytes(payload)
        except UnsafeState as exc:
            raise from_later_release(path, header, str(exc)) or ModelFileError(
                f"{path} was refused: {exc} (the file may have been tampered with; nothing in it was run); "
                "use a model you or your team trained with `feedback-classifier train`."
            ) from None
        except Exception as exc:  # a state our classes cannot take: crafted, damaged or from a later release
            why = f"its model data cannot be read: {type(exc).__name__}"
            raise from_later_release(path, header, why) or _not_ours(path, why) from None
    from feedback_classifier.model.estimator import FeedbackClassifier

    if not isinstance(model, FeedbackClassifier):
        raise _not_ours(path, f"it holds a {type(model).__name__}, not a FeedbackClassifier")
    try:
        check_fitted(model)
    except BadState as exc:
        raise from_later_release(path, header, str(exc)) or _edited(path, str(exc)) from None
    if header.get("taxonomy_hash") != model.taxonomy_.hash:
        # the taxonomy check above read the header: a model whose own taxonomy is another passed it
        raise _edited(path, f"its header is for taxonomy {str(header.get('taxonomy_name'))[:40]!r}, its model data "
                            f"for {model.taxonomy_.name!r}")
    _HEADERS[model] = header
    return model


def _load_pickled(payload: bytes, path: Path):
    try:
        return joblib_load_restricted(payload)
    except ForbiddenGlobal as exc:
        raise ModelFileError(
            f"{path} was refused: its model data asks to load {exc}, which a feedback-classifier "
            "model never contains (the file may have been tampered with); nothing in it was run. "
            "Use a model you or your team trained with `feedback-classifier train`."
        ) from None
    except Exception as exc:  # a payload that passed the checksum but is not a model we can read
        raise _not_ours(path, f"its model data cannot be read: {type(exc).__name__}") from None
