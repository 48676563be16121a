"""Unpickling restricted to the types a model file may hold.

A model file's header checksum catches corruption, not tampering: anyone can put a
hostile pickle behind a copied header and recompute the checksum. So the payload is
read by an unpickler that resolves only an explicit allow-list of globals. A payload
that names anything else (``os.system``, ``builtins.eval``, ``subprocess.Popen``...)
is refused before that global is ever called.

The project's own classes are looked up by *name*, not by module path, so model files
keep loading when modules move.

>>> import pickle, os
>>> loads_restricted(pickle.dumps({"a": [1, 2.5, "x"]}))
{'a': [1, 2.5, 'x']}
>>> loads_restricted(pickle.dumps(os.system))  # doctest: +IGNORE_EXCEPTION_DETAIL
Traceback (most recent call last):
feedback_classifier.model.safe_pickle.ForbiddenGlobal: posix.system
"""

from __future__ import annotations

import io
import pickle
from typing import Any

# Third-party globals that plain numpy/scipy data needs. Each is a type or a pure
# constructor: calling it with any arguments builds data, it cannot run code.
_THIRD_PARTY = frozenset(
    {
        ("numpy", "dtype"),
        ("numpy", "ndarray"),
        ("numpy.core.multiarray", "scalar"),
        ("numpy._core.multiarray", "scalar"),
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("joblib.numpy_pickle", "NumpyArrayWrapper"),
        ("scipy.sparse._csr", "csr_matrix"),
        ("scipy.sparse._csc", "csc_matrix"),
        ("scipy.sparse._coo", "coo_matrix"),
        ("builtins", "set"),
        ("builtins", "frozenset"),
        ("builtins", "slice"),
        ("builtins", "complex"),
        ("collections", "OrderedDict"),
    }
)


class ForbiddenGlobal(pickle.UnpicklingError):
    """A payload named a global outside the allow-list."""


def _own_globals() -> dict[str, Any]:
    """The project's types an old pickled model may name: those a data-only model file may hold,
    plus the taxonomy's pickle constructor."""
    from feedback_classifier.model.safe_state import own_types
    from feedback_classifier.taxonomy.taxonomy import _rebuild

    return {**own_types(), "_rebuild": _rebuild}


def find_allowed(module: str, name: str) -> Any:
    """Resolve one global of a payload, or raise ``ForbiddenGlobal``."""
    if module == "feedback_classifier" or module.startswith("feedback_classifier."):
        own = _own_globals()
        if name in own:
            return own[name]
    elif (module, name) in _THIRD_PARTY:
        return pickle.Unpickler.find_class(_PLAIN, module, name)
    raise ForbiddenGlobal(f"{module}.{name}")


_PLAIN = pickle.Unpickler(io.BytesIO(b""))


class _Restricted(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        return find_allowed(module, name)


def loads_restricted(data: bytes) -> Any:
    """``pickle.loads`` that resolves only allow-listed globals."""
    return _Restricted(io.BytesIO(data)).load()


def joblib_load_restricted(payload: bytes) -> Any:
    """``joblib.load`` of an in-memory payload with the same restriction.

    joblib routes the nested pickles of object arrays through the outer unpickler's
    ``find_class``, so they are restricted too.
    """
    from joblib.numpy_pickle import NumpyUnpickler
    from joblib.numpy_pickle_utils import _validate_fileobject_and_memmap

    with _validate_fileobject_and_memmap(io.BytesIO(payload), "", None) as (fobj, _):
        unpickler = NumpyUnpickler("", fobj, ensure_native_byte_order=True)
        # joblib's unpickler is the pure-Python one, whose find_class can be replaced
        # per instance (joblib does the same for nested object arrays).
        unpickler.find_class = find_allowed  # type: ignore[method-assign]
        return unpickler.load()
