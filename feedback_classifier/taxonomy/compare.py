"""What changed between two versions of a taxonomy, category by category (``taxonomy diff``).

A taxonomy changes every few months: categories added, retired, renamed, moved, given to another
team, keywords tuned. Before a new file replaces the old one, the questions are which categories
changed and whether last quarter's labels still read (a retired or moved path needs an alias).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from feedback_classifier.errors import LabelError
from feedback_classifier.taxonomy.history import flat_categories
from feedback_classifier.taxonomy.labels import Label


@dataclass
class TaxonomyDiff:
    """``added``: (label, name) of the new taxonomy's own categories; ``removed``: (label, name, what its
    labels now read as in the new one, or None: an error); ``changed``: (name, what changed) for the
    categories both have; ``general``: the name, version and languages when they differ."""

    general: list[str] = field(default_factory=list)
    added: list[tuple[Label, str]] = field(default_factory=list)
    removed: list[tuple[Label, str, str | None]] = field(default_factory=list)
    changed: list[tuple[str, list[str]]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.general or self.added or self.removed or self.changed)


def compare_taxonomies(old, new, lang: str | None = None) -> TaxonomyDiff:
    """How ``new`` differs from ``old``, categories named in ``lang`` (each taxonomy's first language when
    it lacks it).

    >>> from feedback_classifier.taxonomy import Taxonomy
    >>> old = Taxonomy.from_dict({"name": "t", "categories": [
    ...     {"id": "delivery", "names": {"en": "Delivery"}, "owner": "Logistics", "keywords": {"en": ["late"]},
    ...      "children": [{"id": "tracking", "names": {"en": "Order tracking"}}]},
    ...     {"id": "app", "names": {"en": "App"}}]})
    >>> d = old.to_dict(); d["categories"][0]["owner"] = "Couriers"; d["categories"][0]["keywords"]["en"] += ["slow"]
    >>> d["categories"][1]["children"] = [dict(d["categories"][0].pop("children")[0], aliases=["Delivery > Order tracking"])]
    >>> diff = compare_taxonomies(old, Taxonomy.from_dict(d))
    >>> diff.added, diff.removed
    ([(('app', 'tracking'), 'App > Order tracking')], [(('delivery', 'tracking'), 'Delivery > Order tracking', 'App > Order tracking')])
    >>> diff.changed
    [('Delivery', ["owner 'Logistics' → 'Couriers'", 'keywords (en) +slow'])]
    """
    old_lang, new_lang = _lang(old, lang), _lang(new, lang)
    diff = TaxonomyDiff(general=_general(old, new))
    old_flat, new_flat = flat_categories(old.to_dict()), flat_categories(new.to_dict())
    old_labels, new_labels = {p: _label(p) for p in old_flat}, {p: _label(p) for p in new_flat}
    for path, label in new_labels.items():
        if path not in old_flat:
            diff.added.append((label, new.display_name(label, new_lang)))
    for path, label in old_labels.items():
        name = old.display_name(label, old_lang)
        if path not in new_flat:
            diff.removed.append((label, name, _read_as(new, old, label, new_lang)))
            continue
        changes = _changes(old_flat[path], new_flat[path])
        owners = (old.owner(label), new.owner(label))
        parents = (old.owner((label[0], None)), new.owner((label[0], None)))
        if owners[0] != owners[1] and (label[1] is None or owners != parents):  # not said again for each child
            changes.insert(0, f"owner '{owners[0]}' → '{owners[1]}'")
        if changes:
            diff.changed.append((name, changes))
    return diff


def _label(path: str) -> Label:
    parent, _, child = path.partition("/")
    return (parent, child or None)


def _lang(tax, lang: str | None) -> str:
    return lang if lang in tax.languages else tax.languages[0]


def _general(old, new) -> list[str]:
    return [f"{what} {getattr(old, what)!r} → {getattr(new, what)!r}" for what in ("name", "version", "languages")
            if getattr(old, what) != getattr(new, what)]


def _read_as(new, old, label: Label, lang: str) -> str | None:
    """What a label of a retired path reads as in ``new`` (its aliases), tried in each of old's languages."""
    for old_lang in old.languages:
        try:
            found = new.parse_label(old.display_name(label, old_lang))
        except LabelError:
            continue
        return new.display_name(found, lang)
    return None


def _changes(before: dict, after: dict) -> list[str]:
    """Each field of one category that differs (the owner is compared apart: a child inherits its parent's)."""
    said = []
    for key in dict.fromkeys([*before, *after]):
        a, b = before.get(key), after.get(key)
        if a == b or key in ("id", "owner"):
            continue
        if key == "names":
            said += [f"name ({lang}) {(a or {}).get(lang)!r} → {(b or {}).get(lang)!r}"
                     for lang in dict.fromkeys([*(a or {}), *(b or {})]) if (a or {}).get(lang) != (b or {}).get(lang)]
        elif key == "keywords":
            said += [f"keywords ({lang}) {_plus_minus((a or {}).get(lang) or [], (b or {}).get(lang) or [])}"
                     for lang in dict.fromkeys([*(a or {}), *(b or {})])
                     if set((a or {}).get(lang) or []) != set((b or {}).get(lang) or [])]
        elif key == "aliases":
            said.append(f"aliases {_plus_minus(a or [], b or [])}")
        else:
            said.append(f"{key} changed")
    return said


def _plus_minus(before, after) -> str:
    return " ".join([f"+{w}" for w in after if w not in before] + [f"-{w}" for w in before if w not in after])
