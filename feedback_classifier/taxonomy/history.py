"""A taxonomy's earlier versions: the former paths its ``aliases`` list, and what two versions differ in.

A taxonomy changes every few months. A category renamed in place keeps its old name as an alias
(``aliases: [Courier]``); a subcategory moved to another parent, or retired into a parent, keeps its
old *path* (``aliases: [Delivery > Order tracking]``), so that last quarter's classified files and
labels still read with the new file. A name alone cannot say that: ``Delivery`` still exists and
``Order tracking`` is now under another parent.

>>> from feedback_classifier.taxonomy import Taxonomy
>>> tax = Taxonomy.from_dict({"name": "t", "categories": [
...     {"id": "delivery", "names": {"en": "Delivery"}},
...     {"id": "app", "names": {"en": "App"}, "children": [
...         {"id": "tracking", "names": {"en": "Order tracking"}, "aliases": ["Delivery > Order tracking"]}]}]})
>>> tax.parse_labels("Delivery > Order tracking; Delivery")
[('app', 'tracking'), ('delivery', None)]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from feedback_classifier.errors import LabelError

from feedback_classifier.taxonomy.category import Category
from feedback_classifier.taxonomy.labels import (
    LABEL_SEPARATOR, PATH_SEPARATOR, Label, cell_items, match_key, shown_label,
)

__all__ = ["alias_hint", "flat_categories", "former_path_problems", "former_paths", "naming_other_unknowns",
           "parse_cells", "same_but_aliases"]


def _former(alias: str) -> tuple[str, str] | None:
    """``("Delivery", "Order tracking")`` for a path alias, None for a plain name."""
    if PATH_SEPARATOR not in alias:
        return None
    parent, _, child = alias.partition(PATH_SEPARATOR)
    return parent.strip(), child.strip()


def _listed(categories: Sequence[Category]):
    """Each category's label, the category and its display path parts, parents first."""
    for parent in categories:
        yield (parent.id, None), parent, (parent,)
        for child in parent.children:
            yield (parent.id, child.id), child, (parent, child)


def former_paths(categories: Sequence[Category], parent_keys: dict[str, str]) -> dict[tuple[str, str], Label]:
    """The path aliases as ``(old parent, child key)`` -> the category they now mean. The old parent is
    its id while it exists (so its name in any language finds it), else its name's key; the child is
    found by the alias or the category's own id and names, so one alias serves every language
    ('Delivery > Order tracking' also reads 'Доставка > Отслеживание заказа')."""
    out: dict[tuple[str, str], Label] = {}
    for label, cat, _ in _listed(categories):
        for alias in cat.aliases:
            former = _former(alias)
            if former is not None:
                parent = parent_keys.get(match_key(former[0]), match_key(former[0]))
                for child in (former[1], *((cat.id, *cat.names.values()) if label[1] else ())):
                    out.setdefault((parent, match_key(child)), label)
    return out


def former_path_problems(categories: Sequence[Category]) -> list[tuple[str, str]]:
    """``(problem, category)`` for aliases no label cell could ever match: a ';' in one (cells are
    split there), a path of other than two parts, a path the taxonomy still has, one claimed twice.
    Such an alias was accepted and then silently matched nothing."""
    live: dict[tuple[str, str], str] = {}
    for label, cat, parts in _listed(categories):
        if len(parts) == 2:
            for p in (parts[0].id, *parts[0].names.values(), *parts[0].aliases):
                for c in (cat.id, *cat.names.values()):
                    live[(match_key(p), match_key(c))] = "/".join(label)  # type: ignore[arg-type]
    problems: list[tuple[str, str]] = []
    claimed: dict[tuple[str, str], str] = {}
    for label, cat, _ in _listed(categories):
        where = "/".join(x for x in label if x)
        for alias in cat.aliases:
            former = _former(alias)
            if LABEL_SEPARATOR in alias:
                problems.append((f"alias '{alias}' has a ';', which separates labels in a cell: "
                                 "list each former name as its own alias", where))
            elif former is not None and (not all(former) or PATH_SEPARATOR in former[1]):
                problems.append((f"alias '{alias}' is not a former path: write it 'Old parent > Old child'", where))
            elif former is not None:
                key = (match_key(former[0]), match_key(former[1]))
                if key in live:
                    problems.append((f"alias '{alias}' is still the path of '{live[key]}', so it would never "
                                     "be read as this category: remove it, or rename that category", where))
                elif claimed.setdefault(key, where) != where:
                    problems.append((f"alias '{alias}' is also an alias of '{claimed[key]}', so an old label "
                                     "could mean either: keep it under one of them", where))
    return problems


def alias_hint(text: str, parent_keys: dict[str, str]) -> str:
    """Which alias would read the unknown label ``text``: its parent's old name when the parent is
    unknown (a renamed parent: one alias serves all its subcategories), else its old path (a
    subcategory moved to another parent or retired into one).

    >>> alias_hint("Shop > Staff", {"store": "store"})
    " (here its parent: add 'Shop' to the aliases of the parent it became)"
    >>> alias_hint("Store > Queues", {"store": "store"})
    ", one moved to another parent or retired into one its old path (aliases: ['Store > Queues'])"
    """
    parts = [p.strip() for p in text.split(PATH_SEPARATOR)]
    if len(parts) != 2:
        return ""
    if match_key(parts[0]) not in parent_keys:
        return f" (here its parent: add '{parts[0]}' to the aliases of the parent it became)"
    return f", one moved to another parent or retired into one its old path (aliases: ['{parts[0]} > {parts[1]}'])"


def naming_other_unknowns(error: LabelError, taxonomy, candidates: Iterable[tuple[str, Callable[[], int]]],
                          limit: int = 5) -> LabelError:
    """``error`` (the first unknown label of a file) naming the file's other labels ``taxonomy`` does not
    read either, ``candidates`` being ``(label, its row when asked)`` in file order. After a taxonomy
    change each run named one old label, so a quarter's renames took a run per alias to add.

    >>> from feedback_classifier.taxonomy import load_taxonomy
    >>> tax = load_taxonomy("cx-default")
    >>> first = LabelError("Unknown label 'Shop'.")
    >>> first.label = "Shop"
    >>> error = naming_other_unknowns(first, tax,
    ...     [("Price", lambda: 3), ("shop", lambda: 4), ("Care", lambda: 9), ("care", lambda: 12)])
    >>> str(error)
    "Unknown label 'Shop'. Not in the taxonomy either: 'Care' (row 9)."
    """
    def key(label: str) -> str:
        return " > ".join(match_key(p) for p in label.split(PATH_SEPARATOR))

    seen = {key(error.label)} if isinstance(getattr(error, "label", None), str) else set()
    shown: list[str] = []
    more = 0
    for label, row in candidates:
        if key(label) in seen:
            continue
        seen.add(key(label))
        try:
            taxonomy.parse_label(label)
        except LabelError:
            if len(shown) < limit:
                shown.append(f"'{shown_label(label)}' (row {row()})")
            else:
                more += 1
    if shown:
        error.args = (f"{error.args[0]} Not in the taxonomy either: {', '.join(shown)}"
                      f"{f' and {more} more' if more else ''}.",)
    return error


def parse_cells(taxonomy, cells: Sequence, rows: Sequence[int], *, column: str | None,
                source: str | None) -> list[list[Label]]:
    """Each cell's labels (``rows``: the file's row of each); the first unknown label is an error that
    names the file's other unknown labels too (:func:`naming_other_unknowns`).

    >>> from feedback_classifier.taxonomy import load_taxonomy
    >>> parse_cells(load_taxonomy("cx-default"), ["Price", "Shop; Price", "Care"], [2, 3, 4], column="labels",
    ...             source=None)
    Traceback (most recent call last):
    ...
    feedback_classifier.errors.LabelError: Unknown label 'Shop' in row 3, ... either: 'Care' (row 4).
    """
    out = []
    for k, (cell, row) in enumerate(zip(cells, rows)):
        try:
            out.append(taxonomy.parse_labels(cell, row=row, column=column, source=source))
        except LabelError as error:
            later = ((item.strip(), lambda r=r: r) for c, r in zip(cells[k:], rows[k:]) if isinstance(c, str)
                     for item in cell_items(c) if item.strip())
            raise naming_other_unknowns(error, taxonomy, later) from None
    return out


def same_but_aliases(given, model_taxonomy) -> bool:
    """Whether ``given`` is ``model_taxonomy`` with other aliases (and team names): former names only
    read files, a model never sees them, so adding one after training needs no new model. Refused,
    the old labels of last quarter's file had to wait for a retrain.

    >>> from feedback_classifier.taxonomy import Taxonomy, load_taxonomy
    >>> tax = load_taxonomy("cx-default")
    >>> d = tax.to_dict(); d["categories"][0]["aliases"] = ["Goods"]
    >>> same_but_aliases(Taxonomy.from_dict(d), tax)
    True
    >>> d["categories"][0]["owner"] = "QA"
    >>> same_but_aliases(Taxonomy.from_dict(d), tax)
    False
    """
    def bare(taxonomy) -> dict:
        d = taxonomy.to_dict()
        d.pop("teams", None)
        for parent in d["categories"]:
            parent.pop("aliases", None)
            for child in parent.get("children", []):
                child.pop("aliases", None)
        return d

    return given.hash == model_taxonomy.hash or bare(given) == bare(model_taxonomy)


def flat_categories(definition: dict) -> dict[str, dict]:
    """Each category of a ``to_dict()`` by its path (``parent`` or ``parent/child``), without children."""
    flat = {}
    for parent in definition["categories"]:
        flat[parent["id"]] = {k: v for k, v in parent.items() if k != "children"}
        for child in parent.get("children", []):
            flat[f"{parent['id']}/{child['id']}"] = child
    return flat
