"""Names of a package that load their submodule on first use (PEP 562).

The packages' ``__init__`` used to import every submodule, so every command paid for every
package's dependencies (scipy.stats, matplotlib, sklearn.metrics: ~1 s of CPU) at start-up.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping, Sequence


def lazy_attributes(package: str, where: Mapping[str, str], names: Sequence[str]) -> tuple[Callable, Callable]:
    """``(__getattr__, __dir__)`` for ``package``: ``where`` maps each name to its submodule.

    >>> from feedback_classifier.model import enrich
    >>> enrich.__module__
    'feedback_classifier.model.enrichment'
    >>> import feedback_classifier.render as render
    >>> render.no_such_name
    Traceback (most recent call last):
    ...
    AttributeError: module 'feedback_classifier.render' has no attribute 'no_such_name'
    """

    def __getattr__(name: str):
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        vars(sys.modules[package])[name] = value  # later lookups skip this function
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(names))

    return __getattr__, __dir__
