"""The user cache directory and the tables derived once and reused by every later process.

Several things a command needs at start are pure functions of the package's code, its library
versions and bundled files: the default model, the bundled sentiment model, the zero-shot
prototypes, the taxonomy keyword index. Deriving them costs seconds (mostly lemmatising phrases),
loading them milliseconds. Each is stored under a key hashing everything it depends on
(:func:`code_digest` plus its own inputs), as plain ``.npz`` arrays read with
``allow_pickle=False``: a cache file holds data only, and a changed input is a new key, so a stale
file is never read. An unreadable file is rebuilt; an unwritable cache only costs the next process
the rebuild.

Cache location: ``$FEEDBACK_CLASSIFIER_CACHE`` if set, else
``$XDG_CACHE_HOME/feedback-classifier`` (default ``~/.cache/feedback-classifier``).
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import sys
import zipfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from feedback_classifier._paths import cache_dir, write_cache_file

if TYPE_CHECKING:
    import numpy as np

_PACKAGE_DIR = Path(__file__).resolve().parents[1]
_digest_memo: list[str] = []

# What np.load raises on a cache file that is missing or damaged: a truncated .npz (a full disk, a
# killed copy) is not a zip at all, and zipfile's BadZipFile is neither an OSError nor a ValueError,
# so it stopped every command with a traceback instead of the table being built again.
DAMAGED_NPZ = (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile)


def _version(package: str) -> str:
    """``package``'s installed version: from its ``<name>-<version>.dist-info`` directory's
    name when there is one (``metadata.version`` parses the whole METADATA file with the email
    parser, ~1 ms a package at every start), else as ``metadata.version`` finds it.

    >>> _version("numpy") == metadata.version("numpy"), _version("no-such-package")
    (True, 'none')
    """
    found = _dist_info_versions().get(_normalised(package))
    if found is not None:
        return found
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "none"


def _normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


@functools.cache
def _dist_info_versions() -> dict[str, str]:
    """Normalised project name -> version of the ``*.dist-info`` directories on ``sys.path``, the
    first one of a name winning as in ``importlib.metadata`` (which searches the same path)."""
    versions: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            stem = name[: -len(".dist-info")]
            if name.endswith(".dist-info") and stem.count("-") == 1:
                project, version = stem.split("-")
                versions.setdefault(_normalised(project), version)
    return versions


#: the subpackages whose code the cached tables are made by (model/ imports nothing else of the package
#: but the top-level modules; tests/test_architecture.py keeps the layers from importing upwards)
_TABLE_PACKAGES = ("model", "lang", "taxonomy", "tableio")


def code_digest() -> str:
    """A hash of the package version, the libraries a model depends on and the source of
    ``model/``, ``lang/``, ``taxonomy/``, ``tableio/`` and ``_arrays.py`` (computed once per process: none
    of them change while it runs).

    The package version alone misses edits made in a source checkout, and a table made by
    older code can differ from what the current code would make.

    >>> len(code_digest())
    64
    """
    if _digest_memo:
        return _digest_memo[0]
    from feedback_classifier import __version__

    digest = hashlib.sha256()
    # spaCy: its stop-word lists shape the sentiment model; the dictionaries: every Russian lemma
    # PyYAML and pandas: the bundled taxonomy and example files the tables are built from are read with them
    libraries = ("scikit-learn", "numpy", "scipy", "joblib", "pymorphy3", "pymorphy3-dicts-ru", "spacy",
                 "spacy-lookups-data", "pyyaml", "pandas")
    for part in (__version__, *(_version(p) for p in libraries)):
        digest.update(part.encode() + b"\0")
    # taxonomy/ parses the taxonomy the default model is built from, tableio/ reads its example files
    # and model/ computes with _arrays.py: an edit to any of them in a source checkout kept serving
    # tables the old code had made (_paths, _lazy and errors.py shape no table)
    sources = [[_PACKAGE_DIR / "_arrays.py"], *((_PACKAGE_DIR / p).glob("*.py") for p in _TABLE_PACKAGES)]
    for source in sorted(path for found in sources for path in found):
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    _digest_memo.append(digest.hexdigest())
    return _digest_memo[0]


def table_key(*parts: str | bytes) -> str:
    """A short hash of :func:`code_digest` and ``parts`` (texts, or file contents as bytes).

    >>> table_key("a") == table_key("a") != table_key("b")
    True
    """
    digest = hashlib.sha256(code_digest().encode())
    for part in parts:
        digest.update((part.encode() if isinstance(part, str) else part) + b"\0")
    return digest.hexdigest()[:16]


def cached_arrays(name: str, key: str, build: Callable[[], dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """The arrays ``build()`` returns, read from ``<cache>/<name>-<key>.npz`` when a process made
    them before; otherwise built and written there (atomically) for the next one.

    >>> import tempfile, numpy as np; os.environ["FEEDBACK_CLASSIFIER_CACHE"] = tempfile.mkdtemp()
    >>> cached_arrays("demo", "k1", lambda: {"x": np.arange(3)})["x"].tolist()
    [0, 1, 2]
    >>> cached_arrays("demo", "k1", lambda: {"x": np.zeros(1)})["x"].tolist()  # read back, not rebuilt
    [0, 1, 2]
    >>> del os.environ["FEEDBACK_CLASSIFIER_CACHE"]
    """
    import numpy as np  # here: `--help` reaches this module (model/default.py) and needs no numpy

    path = cache_dir() / f"{name}-{key}.npz"
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except DAMAGED_NPZ:
        pass  # missing or damaged: build it again
    arrays = build()
    # a read-only or full cache costs the next process a rebuild, nothing else
    write_cache_file(path, lambda fh: np.savez(fh, **arrays))
    return arrays
