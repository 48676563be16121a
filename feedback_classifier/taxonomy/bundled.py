"""The taxonomies shipped with the package, and loading a taxonomy by bundled name or path.

>>> load_taxonomy("semeval-restaurants") is load_taxonomy(bundled_taxonomy_path("semeval-restaurants"))
True
"""

from __future__ import annotations

import os
from pathlib import Path

from feedback_classifier.errors import TaxonomyError
from feedback_classifier.taxonomy.taxonomy import Taxonomy

__all__ = ["bundled_taxonomy", "bundled_taxonomy_names", "bundled_taxonomy_path", "load_taxonomy"]


def _bundled_dirs() -> list[Path]:
    package = Path(__file__).resolve().parents[1]
    # Wheel layout first (taxonomies/ is force-included into the package), then a source checkout.
    return [package / "taxonomies", package.parent / "taxonomies"]


def bundled_taxonomy_names() -> list[str]:
    """Names of the taxonomies shipped with the package.

    >>> {"cx-default", "semeval-restaurants"} <= set(bundled_taxonomy_names())
    True
    """
    names: set[str] = set()
    for d in _bundled_dirs():
        if d.is_dir():
            names.update(p.stem for p in d.glob("*.yaml"))
    return sorted(names)


def bundled_taxonomy_path(name: str) -> Path:
    """Path of a bundled taxonomy by name (``cx-default``); TaxonomyError if unknown.

    >>> bundled_taxonomy_path("cx-default").name
    'cx-default.yaml'
    """
    stem = name[:-5] if name.endswith(".yaml") else name
    for d in _bundled_dirs():
        candidate = d / f"{stem}.yaml"
        if candidate.is_file():
            return candidate
    raise TaxonomyError(
        f"Unknown taxonomy '{name}': not a file and not a bundled taxonomy "
        f"(bundled: {', '.join(bundled_taxonomy_names()) or 'none found'}). "
        "Pass the path of a YAML file or one of those names."
    )


_cache: dict[tuple[str, int, int], Taxonomy] = {}


def bundled_taxonomy(name: str) -> Taxonomy:
    """The bundled taxonomy ``name``, whatever the current folder holds. The library's own look-ups of
    ``cx-default`` went through :func:`load_taxonomy`, where a file of that name in the current folder
    wins: ``drivers`` run next to a file called ``cx-default`` stopped, or named categories by it.

    >>> bundled_taxonomy("cx-default") is load_taxonomy(bundled_taxonomy_path("cx-default"))
    True
    """
    return load_taxonomy(bundled_taxonomy_path(name))


def load_taxonomy(name_or_path: "str | os.PathLike | Taxonomy") -> Taxonomy:
    """Load a taxonomy by bundled name (``cx-default``) or from a YAML path.

    A path that exists wins over a bundled name; a name that looks like a path
    (has a ``/`` or ends in ``.yaml``/``.yml``) must exist.

    >>> load_taxonomy("cx-default").name
    'cx-default'
    >>> load_taxonomy("no-such-taxonomy")
    Traceback (most recent call last):
    ...
    feedback_classifier.errors.TaxonomyError: Unknown taxonomy 'no-such-taxonomy': ...
    """
    if isinstance(name_or_path, Taxonomy):
        return name_or_path
    if not isinstance(name_or_path, (str, os.PathLike)):  # None: "expected str, bytes or os.PathLike object"
        raise TypeError(f"load_taxonomy takes a bundled name ({', '.join(bundled_taxonomy_names())}), a YAML "
                        f"path or a Taxonomy, got {type(name_or_path).__name__}.")
    text = os.fspath(name_or_path)
    path = Path(text)
    looks_like_path = isinstance(name_or_path, os.PathLike) or path.suffix in (".yaml", ".yml") or (
        os.sep in text or "/" in text
    )
    if not path.is_file():
        if looks_like_path:
            raise TaxonomyError(
                f"Taxonomy file {text} {'is a folder' if path.is_dir() else 'does not exist'}. Check the path, or use "
                "a bundled taxonomy "
                f"({', '.join(bundled_taxonomy_names())})."
            )
        path = bundled_taxonomy_path(text)
    # Taxonomies are immutable, so repeated loads of an unchanged file can share one object.
    stat = path.stat()
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    tax = _cache.get(key)
    if tax is None:
        tax = Taxonomy.load(path)
        _cache[key] = tax
    return tax
