"""A fitted model as JSON plus numeric arrays: a model file that can only hold data.

Unpickling runs code, and a checksum in a file's header proves only that the file was
not damaged, not who made it. So a model is stored as a tree of JSON values (numbers,
strings, lists, tagged tuples/dicts/sets) whose numeric arrays live in an ``.npz``
archive read with ``allow_pickle=False``. Loading builds nothing but JSON values, plain
numpy arrays and instances of the few classes in :func:`own_types`, looked up by
*name* (so files keep loading when modules move) and filled through their own
``__setstate__``. Anything else in a file (an unknown class, an object array, a tag
we do not know) is refused with :class:`UnsafeState`.

>>> import numpy as np
>>> data = {"w": np.arange(3.0), "pair": ("a", 1), "ids": {2: "x"}, "seen": {"b"}}
>>> back = state_from_bytes(state_to_bytes(data))
>>> back["w"].tolist(), back["pair"], back["ids"], back["seen"]
([0.0, 1.0, 2.0], ('a', 1), {2: 'x'}, {'b'})
>>> state_to_bytes({"f": print})  # doctest: +IGNORE_EXCEPTION_DETAIL
Traceback (most recent call last):
feedback_classifier.model.safe_state.UnsafeState: a model file holds data only, not builtin_function_or_method ...
"""

from __future__ import annotations

import importlib
import io
import json
import zipfile
from typing import Any

import numpy as np

__all__ = ["UnsafeState", "own_types", "state_from_bytes", "state_to_bytes"]

#: Deeper than any model; stops a crafted file from exhausting the stack.
_MAX_DEPTH = 64
#: Far above any model (the largest, `--embeddings finetune` with its network as float16, is ~45 MB);
#: stops a zip bomb.
_MAX_UNPACKED_BYTES = 2 << 30
_STATE_ENTRY = "state"


#: JSON values that decode to themselves: a list or mapping of only these is returned as parsed, with
#: no call per element (the model's vocabularies made ~95,000 calls, ~0.1 s of every start).
_SCALARS = frozenset({str, int, float, bool, type(None)})


class UnsafeState(ValueError):
    """A value cannot be stored in, or was refused while reading, a data-only model file."""


#: The project's classes a model may contain, by the name a file stores them under: their modules.
_OWN_TYPES = {
    "FeedbackClassifier": "feedback_classifier.model.estimator",
    "AspectSentiment": "feedback_classifier.model.sentiment",
    "_TextFeatures": "feedback_classifier.model.features",
    "MiniLMEmbedder": "feedback_classifier.model.embedders",
    "E5Embedder": "feedback_classifier.model.embedders",
    "StaticEmbedder": "feedback_classifier.model.static_vectors",
    "FineTunedEmbedder": "feedback_classifier.model.finetune",
    "TextAnalyzer": "feedback_classifier.lang",
    "WordVectorBlock": "feedback_classifier.model.dense_block",
}


def own_types() -> dict[str, type]:
    """The project's classes a model may contain, by the name a file stores them under.

    >>> own_types()["FeedbackClassifier"].__module__
    'feedback_classifier.model.estimator'
    """
    return {name: own_type(name) for name in _OWN_TYPES}


def own_type(name: str) -> type | None:
    """The class stored under ``name``, or None; only its module is imported (a file without
    embedders does not import the embedder modules: loading the default model is part of start-up).

    >>> own_type("TextAnalyzer").__name__, own_type("os.system")
    ('TextAnalyzer', None)
    """
    module = _OWN_TYPES.get(name)
    if module is None:
        return None
    return getattr(importlib.import_module(module), name)


class _Encoder:
    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}
        self.own = {cls: name for name, cls in own_types().items()}

    def array(self, value: np.ndarray) -> dict:
        if value.dtype.hasobject:
            return {"$objarray": [self.encode(v, 1) for v in value.ravel().tolist()], "shape": list(value.shape)}
        key = f"a{len(self.arrays)}"
        self.arrays[key] = value
        return {"$array": key}

    def encode(self, value: Any, depth: int = 0) -> Any:  # noqa: C901 - one branch per stored type
        if depth > _MAX_DEPTH:
            raise UnsafeState("the model's data is nested too deeply to store")
        d = depth + 1
        if value is None or isinstance(value, (bool, int, float, str)) and type(value) in (bool, int, float, str):
            return value
        if isinstance(value, list) and type(value) is list:
            return [self.encode(v, d) for v in value]
        if type(value) is tuple:
            return {"$tuple": [self.encode(v, d) for v in value]}
        if type(value) in (set, frozenset):
            return {"$" + type(value).__name__: [self.encode(v, d) for v in sorted(value, key=repr)]}
        if type(value) is dict:
            if all(type(k) is str and not k.startswith("$") for k in value):
                return {k: self.encode(v, d) for k, v in value.items()}
            return {"$items": [[self.encode(k, d), self.encode(v, d)] for k, v in value.items()]}
        if isinstance(value, np.ndarray):
            return self.array(value)
        if isinstance(value, np.generic):
            return {"$scalar": value.dtype.str, "value": value.item()}
        if isinstance(value, np.dtype):
            return {"$dtype": value.str}
        if type(value).__name__ == "Taxonomy" and hasattr(value, "to_dict"):
            return {"$taxonomy": self.encode(value.to_dict(), d)}
        if _is_sparse(value):
            csr = value.tocsr()
            return {"$csr": [self.array(csr.data), self.array(csr.indices), self.array(csr.indptr)],
                    "shape": list(csr.shape)}
        name = self.own.get(type(value))
        if name is None:
            if type(value).__module__.startswith("feedback_classifier"):  # a class added to the library
                raise UnsafeState(f"{type(value).__name__} is not in own_types() of model/safe_state.py; add it there")
            raise UnsafeState(
                f"a model file holds data only, not {type(value).__name__} ({value!r:.60}); "
                "build the classifier from the library's own parts (e.g. the default analyzer) to save it"
            )
        state = value.__getstate__() if hasattr(value, "__getstate__") else value.__dict__
        return {"$object": name, "state": self.encode(state, d)}


def _is_sparse(value: Any) -> bool:
    try:
        import scipy.sparse as sp
    except ImportError:  # pragma: no cover - scipy comes with scikit-learn
        return False
    return sp.issparse(value)


def state_to_bytes(value: Any, *, compress: bool = True) -> bytes:
    """``value`` (a fitted model or plain data) as the bytes of an ``.npz`` archive.

    ``compress=False`` stores the entries as they are: about 1.6x the bytes for the default model,
    read in half the time (its weight matrix, ~8 MB of float32, shrinks only by a third).

    >>> data = {"w": np.arange(4.0)}
    >>> [state_from_bytes(state_to_bytes(data, compress=c))["w"].tolist() for c in (True, False)]
    [[0.0, 1.0, 2.0, 3.0], [0.0, 1.0, 2.0, 3.0]]
    """
    enc = _Encoder()
    tree = enc.encode(value)
    text = json.dumps(tree, ensure_ascii=False, allow_nan=True, separators=(",", ":")).encode("utf-8")
    buffer = io.BytesIO()
    save = np.savez_compressed if compress else np.savez
    save(buffer, **{_STATE_ENTRY: np.frombuffer(text, dtype=np.uint8)}, **enc.arrays)
    return buffer.getvalue()


class _Decoder:
    def __init__(self, archive) -> None:
        self.archive = archive

    def array(self, key: Any) -> np.ndarray:
        if not isinstance(key, str) or key == _STATE_ENTRY or key not in self.archive.files:
            raise UnsafeState(f"the model's data names an array {key!r} the file does not have")
        return self.archive[key]  # allow_pickle=False: an object array is refused by numpy

    def decode(self, node: Any, depth: int = 0) -> Any:  # noqa: C901 - one branch per stored type
        if depth > _MAX_DEPTH:
            raise UnsafeState("the model's data is nested too deeply")
        d = depth + 1
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):
            if all(type(v) in _SCALARS for v in node):  # fast path: the JSON list is already the value
                return node
            return [self.decode(v, d) for v in node]
        if not isinstance(node, dict):
            raise UnsafeState(f"unexpected {type(node).__name__} in the model's data")
        tags = [k for k in node if k.startswith("$")]
        if not tags:
            if all(type(v) in _SCALARS for v in node.values()):  # fast path: vocabularies (~12,000 words)
                return node
            return {k: self.decode(v, d) for k, v in node.items()}
        tag = tags[0]
        body = node[tag]
        if tag == "$tuple":
            return tuple(self.decode(v, d) for v in _list(body))
        if tag in ("$set", "$frozenset"):
            items = (self.decode(v, d) for v in _list(body))
            return set(items) if tag == "$set" else frozenset(items)
        if tag == "$items":
            if all(type(p) is list and len(p) == 2 and type(p[0]) in _SCALARS and type(p[1]) in _SCALARS
                   for p in _list(body)):  # fast path: the character n-gram vocabulary (~30,000 pairs)
                return dict(body)
            return {self.decode(k, d): self.decode(v, d) for k, v in (_pair(p) for p in _list(body))}
        if tag == "$array":
            return self.array(body)
        if tag == "$objarray":
            values = np.empty(len(_list(body)), dtype=object)
            values[:] = [self.decode(v, d) for v in body]
            return values.reshape([int(s) for s in _list(node.get("shape"))])
        if tag == "$scalar":
            return _dtype(body).type(node.get("value"))
        if tag == "$dtype":
            return _dtype(body)
        if tag == "$taxonomy":
            from feedback_classifier.taxonomy import Taxonomy

            return Taxonomy.from_dict(self.decode(body, d))
        if tag == "$csr":
            import scipy.sparse as sp

            data, indices, indptr = (self.array(_array_key(p)) for p in _list(body))
            return sp.csr_matrix((data, indices, indptr), shape=tuple(int(s) for s in _list(node.get("shape"))))
        if tag == "$object":
            return self.instance(body, node.get("state"), d)
        raise UnsafeState(f"unknown entry {tag!r} in the model's data")

    def instance(self, name: Any, state: Any, depth: int) -> Any:
        cls = own_type(name) if isinstance(name, str) else None
        if cls is None:
            raise UnsafeState(f"the model's data asks for a {name!r}, which a feedback-classifier model never holds")
        state = self.decode(state, depth)
        if not isinstance(state, dict):
            raise UnsafeState(f"the stored state of {name} is not a mapping")
        obj = cls.__new__(cls)
        if hasattr(obj, "__setstate__"):
            obj.__setstate__(state)
        else:  # pragma: no cover - every class in own_types() defines __setstate__
            obj.__dict__.update(state)
        return obj


def _list(value: Any) -> list:
    if not isinstance(value, list):
        raise UnsafeState("malformed model data: a list was expected")
    return value


def _pair(value: Any) -> list:
    if not isinstance(value, list) or len(value) != 2:
        raise UnsafeState("malformed model data: a key/value pair was expected")
    return value


def _array_key(node: Any) -> Any:
    if not isinstance(node, dict) or "$array" not in node:
        raise UnsafeState("malformed model data: an array was expected")
    return node["$array"]


def _dtype(text: Any) -> np.dtype:
    try:
        dtype = np.dtype(str(text))
    except TypeError:
        raise UnsafeState(f"unknown number type {text!r} in the model's data") from None
    if dtype.hasobject or dtype.kind not in "biufcUSM":
        raise UnsafeState(f"number type {text!r} is not allowed in a model file")
    return dtype


def state_from_bytes(data: bytes) -> Any:
    """The value stored by :func:`state_to_bytes`; refuses anything but known data types."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            unpacked = sum(info.file_size for info in zf.infolist())
        if unpacked > _MAX_UNPACKED_BYTES:
            raise UnsafeState(f"the model data would unpack to {unpacked / 2**30:.1f} GB, more than any model")
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            if _STATE_ENTRY not in archive.files:
                raise UnsafeState("the model data has no state entry")
            raw = archive[_STATE_ENTRY]
            if raw.dtype != np.uint8:
                raise UnsafeState("the model's state entry is not text")
            tree = json.loads(raw.tobytes().decode("utf-8"))
            return _Decoder(archive).decode(tree)
    except (zipfile.BadZipFile, EOFError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UnsafeState(f"the model data is not a readable archive ({type(exc).__name__})") from None
    except ValueError as exc:
        if isinstance(exc, UnsafeState):
            raise
        # numpy refuses object arrays (allow_pickle=False) and malformed .npy entries with ValueError
        raise UnsafeState(f"the model data holds something other than plain numbers ({exc})") from None
