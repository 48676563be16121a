"""Typed reads of a loaded model's attributes for the load-time checks (``state_check``, ``embedder_check``):
each returns the value or raises :class:`BadState` naming it.

>>> _number(type("M", (), {"alpha": "x"})(), "alpha", "m.")  # doctest: +IGNORE_EXCEPTION_DETAIL
Traceback (most recent call last):
feedback_classifier.model.state_values.BadState: m.alpha must be a finite number, got 'x'
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

_MISSING = object()
_KIND_NAMES = {"f": "floats", "b": "booleans", "iu": "integers", "U": "strings"}


class BadState(ValueError):
    """A loaded model's fitted state is not what prediction needs (says which value and why)."""


def _get(obj: Any, name: str, where: str) -> Any:
    value = getattr(obj, name, _MISSING)
    if value is _MISSING:
        raise BadState(f"{where}{name} is missing")
    return value


def _array(obj: Any, name: str, where: str, kind: str, shape: tuple, finite: bool = False) -> np.ndarray:
    """``obj.name`` as an array of ``kind`` (numpy kind letters) with ``shape`` (``None``: any length)."""
    value = _get(obj, name, where)
    if not isinstance(value, np.ndarray) or value.dtype.kind not in kind:
        got = f"{value.dtype} array" if isinstance(value, np.ndarray) else type(value).__name__
        raise BadState(f"{where}{name} must be an array of {_KIND_NAMES.get(kind, kind)}, got {got}")
    if value.ndim != len(shape) or any(want is not None and got != want for got, want in zip(value.shape, shape)):
        want = "(" + ", ".join("any" if s is None else str(s) for s in shape) + ")"
        raise BadState(f"{where}{name} has shape {value.shape}, expected {want}")
    if finite and value.dtype.kind == "f" and not np.isfinite(value).all():
        raise BadState(f"{where}{name} holds NaN or infinite values")
    return value


def _number(obj: Any, name: str, where: str, lo: float = -math.inf, hi: float = math.inf,
            integer: bool = False) -> Any:
    value = _get(obj, name, where)
    numeric = (int, np.integer) if integer else (int, float, np.integer, np.floating)
    if (isinstance(value, (bool, np.bool_)) or not isinstance(value, numeric) or not lo <= value <= hi
            or not math.isfinite(value)):
        span = f" between {lo} and {hi}" if math.isfinite(lo) or math.isfinite(hi) else ""
        raise BadState(f"{where}{name} must be {'a whole' if integer else 'a finite'} number{span}, got {value!r:.40}")
    return value


def _choice(obj: Any, name: str, where: str, options: tuple) -> Any:
    value = _get(obj, name, where)
    if not any(value is o or type(value) is type(o) and value == o for o in options):
        raise BadState(f"{where}{name} must be one of {', '.join(map(repr, options))}, got {value!r:.40}")
    return value


def _instance(obj: Any, name: str, where: str, cls: type | tuple, optional: bool = False) -> Any:
    value = _get(obj, name, where)
    if (value is None and optional) or isinstance(value, cls):
        return value
    names = " or ".join(c.__name__ for c in (cls if isinstance(cls, tuple) else (cls,)))
    raise BadState(f"{where}{name} must be {names}{' or null' if optional else ''}, got {type(value).__name__}")
