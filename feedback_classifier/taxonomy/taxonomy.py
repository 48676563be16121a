"""The ``Taxonomy``: an immutable, validated two-level taxonomy, and label cells read and written with it.

>>> from feedback_classifier.taxonomy import load_taxonomy
>>> tax = load_taxonomy("cx-default")
>>> tax.parse_labels("Service > Support communication; price")
[('service', 'support_communication'), ('price', None)]
>>> tax.format_labels([("delivery", "courier")], lang="ru")
'Доставка и логистика > Курьер'
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from feedback_classifier.errors import LabelError
from feedback_classifier.tableio import write_file_atomic
from feedback_classifier.taxonomy.category import DEFAULT_OWNER, Category
from feedback_classifier.taxonomy.labels import (
    LABEL_SEPARATOR,
    OPINION_RE,
    PATH_SEPARATOR,
    WRONG_SEPARATORS,
    Label,
    cell_items,
    is_missing,
    label_location,
    match_key,
    opinion_message,
    shown_label,
)
from feedback_classifier.taxonomy.history import alias_hint, flat_categories, former_paths
from feedback_classifier.taxonomy.schema import read_definition, to_yaml, validate_definition

__all__ = ["Taxonomy"]

_PARSE_CACHE_SIZE = 100_000


def _quote(values: Iterable[str]) -> str:
    return ", ".join(f"'{v}'" for v in values)


class Taxonomy:
    """An immutable, validated two-level taxonomy.

    Build one with ``Taxonomy.load(path)``, ``Taxonomy.from_dict(d)``, ``load_taxonomy(name)``
    or ``infer_taxonomy(cells)``.

    >>> tax = Taxonomy.from_dict({"name": "demo", "categories": [
    ...     {"id": "price", "names": {"en": "Price"}, "owner": "Pricing",
    ...      "children": [{"id": "too_expensive", "names": {"en": "Too expensive"}}]}]})
    >>> tax.labels
    [('price', None), ('price', 'too_expensive')]
    >>> tax.owner(("price", "too_expensive"))
    'Pricing'
    """

    __slots__ = (
        "_name", "_version", "_languages", "_description", "_categories", "_source",
        "_by_label", "_labels", "_parent_keys", "_child_keys", "_former", "_hash", "_canonical", "_parse_cache",
        "_teams",
    )

    def __init__(
        self,
        name: str,
        categories: Sequence[Category],
        *,
        version: int | str | None = 1,
        languages: Sequence[str] = ("en",),
        description: str = "",
        source: str | None = None,
        teams: Mapping[str, Mapping[str, str]] | None = None,
    ):
        # Callers normally go through from_dict(), which validates; this builds the indexes.
        set_ = object.__setattr__
        set_(self, "_name", name)
        set_(self, "_version", version)
        set_(self, "_languages", tuple(languages))
        set_(self, "_description", description)
        set_(self, "_categories", tuple(categories))
        set_(self, "_source", source)
        set_(self, "_teams", {team: dict(names) for team, names in (teams or {}).items()})
        by_label: dict[Label, tuple[Category, Category | None]] = {}
        parent_keys: dict[str, str] = {}
        child_keys: dict[str, dict[str, str]] = {}
        for parent in self._categories:
            by_label[(parent.id, None)] = (parent, None)
            for text in (parent.id, *parent.names.values(), *parent.aliases):
                parent_keys.setdefault(match_key(text), parent.id)
            keys: dict[str, str] = {}
            for child in parent.children:
                by_label[(parent.id, child.id)] = (parent, child)
                for text in (child.id, *child.names.values(), *child.aliases):
                    keys.setdefault(match_key(text), child.id)
            child_keys[parent.id] = keys
        set_(self, "_by_label", by_label)
        set_(self, "_labels", tuple(by_label))
        set_(self, "_parent_keys", parent_keys)
        set_(self, "_child_keys", child_keys)
        set_(self, "_former", former_paths(self._categories, parent_keys))
        set_(self, "_parse_cache", {})
        canonical = json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        set_(self, "_canonical", canonical)
        # team display names do not change what a model learns: they stay out of the hash, so
        # translating them keeps existing model files valid for the taxonomy
        content = {k: v for k, v in self.to_dict().items() if k != "teams"}
        content_json = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        set_(self, "_hash", hashlib.sha256(content_json.encode("utf-8")).hexdigest())

    def __setattr__(self, key, value):
        raise AttributeError("Taxonomy is immutable; build a new one with Taxonomy.from_dict()")

    def __delattr__(self, key):
        raise AttributeError("Taxonomy is immutable")

    def __reduce__(self):
        # Slots + a blocking __setattr__ defeat default pickling; rebuild from content instead.
        return (_rebuild, (self.to_dict(), self._source))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Taxonomy) and other._canonical == self._canonical

    def __hash__(self) -> int:
        return hash(self._hash)

    def __repr__(self) -> str:
        return (
            f"Taxonomy(name={self._name!r}, parents={len(self._categories)}, "
            f"children={len(self._labels) - len(self._categories)}, hash={self._hash[:12]!r})"
        )

    def __len__(self) -> int:
        return len(self._labels)

    def __contains__(self, label: object) -> bool:
        try:
            return tuple(label) in self._by_label  # type: ignore[arg-type]
        except TypeError:
            return False

    # ---- construction

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str | os.PathLike | None = None) -> "Taxonomy":
        """Validate a taxonomy definition (as loaded from YAML) and build it.

        Every problem is collected and raised together in one ``TaxonomyError``
        (its ``problems`` attribute lists them).

        >>> Taxonomy.from_dict({"name": "t", "categories": [{"id": "a", "names": {"en": "A"}}]}).labels
        [('a', None)]
        >>> Taxonomy.from_dict({"name": "t", "categories": [{"id": "a", "nmes": {"en": "A"}}]})
        Traceback (most recent call last):
        ...
        feedback_classifier.errors.TaxonomyError: Invalid taxonomy (2 problems):
          - category a, field 'nmes': unknown field 'nmes' (did you mean 'names'?)
          - category a, field 'names': missing names (give one per language: en)
        """
        src = str(source) if source is not None else None
        definition = validate_definition(data, src)
        return cls(
            name=definition.name,
            categories=definition.categories,
            version=definition.version,
            languages=definition.languages,
            description=definition.description,
            source=src,
            teams=definition.teams,
        )

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Taxonomy":
        """Load and validate a taxonomy YAML file.

        >>> from feedback_classifier.taxonomy import bundled_taxonomy_path
        >>> Taxonomy.load(bundled_taxonomy_path("semeval-restaurants")).name
        'semeval-restaurants'
        """
        return cls.from_dict(read_definition(path), source=Path(path))

    def to_dict(self) -> dict[str, Any]:
        """The definition as plain data; ``Taxonomy.from_dict(t.to_dict()) == t``."""
        d: dict[str, Any] = {"name": self._name, "version": self._version, "languages": list(self._languages)}
        if self._description:
            d["description"] = self._description
        if self._teams:
            d["teams"] = {team: dict(names) for team, names in self._teams.items()}
        d["categories"] = [c.to_dict() for c in self._categories]
        return d

    def dump(self, path: str | os.PathLike, *, header: str | None = None) -> Path:
        """Write the taxonomy as YAML, atomically (a temp file renamed over ``path``).

        >>> import tempfile, pathlib
        >>> from feedback_classifier.taxonomy import load_taxonomy
        >>> out = pathlib.Path(tempfile.mkdtemp()) / "t.yaml"
        >>> tax = load_taxonomy("semeval-restaurants")
        >>> Taxonomy.load(tax.dump(out)) == tax
        True
        """
        path = Path(path)
        write_file_atomic(path, to_yaml(self.to_dict(), header), make_parents=True)
        return path

    # ---- properties

    @property
    def name(self) -> str:
        return self._name

    @property
    def version(self) -> int | str | None:
        return self._version

    @property
    def languages(self) -> tuple[str, ...]:
        return self._languages

    @property
    def description(self) -> str:
        return self._description

    def names_language(self, lang: str) -> str:
        """``lang`` for category names, normalised (``"RU"`` -> ``"ru"``): one of the taxonomy's languages,
        or one the tool reads (names fall back to the first language); else ``UnknownLanguageError``
        (an unknown code gave the first language's names without a word).

        >>> from feedback_classifier.taxonomy import load_taxonomy
        >>> load_taxonomy("cx-default").names_language(" RU ")
        'ru'
        >>> load_taxonomy("cx-default").names_language("de")
        Traceback (most recent call last):
        ...
        feedback_classifier.lang.registry.UnknownLanguageError: Unknown language 'de': use one of en, ru.
        """
        from feedback_classifier.lang.registry import LANGUAGES, UnknownLanguageError

        norm = str(lang).strip().lower()
        known = tuple(dict.fromkeys((*self._languages, *LANGUAGES)))
        if norm not in known:
            raise UnknownLanguageError(f"Unknown language '{lang}': use one of {', '.join(known)}.")
        return norm

    @property
    def source(self) -> str | None:
        """The file it was loaded from, if any."""
        return self._source

    @property
    def hash(self) -> str:
        """sha256 hex of the canonical JSON of the content: stable across runs and
        processes, independent of YAML formatting and comments."""
        return self._hash

    @property
    def labels(self) -> list[Label]:
        """Each parent ``(p, None)`` followed by its children ``(p, c)``, in file order."""
        return list(self._labels)

    @property
    def parents(self) -> list[Label]:
        """The parent labels ``(p, None)`` in file order."""
        return [(c.id, None) for c in self._categories]

    @property
    def owners(self) -> list[str]:
        """Distinct owner teams, in order of first appearance."""
        return list(dict.fromkeys(self.owner(label) for label in self._labels))

    def children(self, parent: str | Label) -> list[Label]:
        """Child labels of a parent (given as id or label).

        >>> from feedback_classifier.taxonomy import load_taxonomy
        >>> load_taxonomy("semeval-restaurants").children("drinks")
        [('drinks', 'prices'), ('drinks', 'quality'), ('drinks', 'style_options')]
        """
        parent_id = parent[0] if isinstance(parent, tuple) else parent
        cat, _ = self._get((parent_id, None))
        return [(cat.id, child.id) for child in cat.children]

    def parent_of(self, label: Label) -> Label:
        """``(p, c) -> (p, None)``; a parent maps to itself.

        >>> from feedback_classifier.taxonomy import load_taxonomy
        >>> load_taxonomy("cx-default").parent_of(("delivery", "courier"))
        ('delivery', None)
        """
        parent, _ = self._get(label)
        return (parent.id, None)

    def _get(self, label: Label) -> tuple[Category, Category | None]:
        if isinstance(label, str):  # "'food' is not a category ... Closest: 'food'" did not say what was wrong
            example = (label, None) if (label, None) in self._by_label else ("parent_id", None)
            raise LabelError(
                f"{label!r} is text, not a label: labels are (parent_id, child_id or None) pairs such as "
                f"{example!r}; Taxonomy.parse_label reads a name or 'Parent > Child' path."
            )
        try:
            return self._by_label[tuple(label)]  # type: ignore[index]
        except (KeyError, TypeError):
            known = [self._path(lbl, "en") for lbl in self._labels]
            close = difflib.get_close_matches(
                " > ".join(str(x) for x in label if x) if isinstance(label, tuple) else str(label),
                [" > ".join(x for x in lbl if x) for lbl in self._labels],
                n=3,
            )
            hint = f" Closest: {_quote(close)}." if close else f" Known: {_quote(known[:5])}..."
            raise LabelError(f"{label!r} is not a category of taxonomy '{self._name}'.{hint}") from None

    def _path(self, label: Label, lang: str) -> str:
        parent, child = self._get(label)
        return " > ".join(self._name_in(c, lang) for c in (parent, child) if c is not None)

    def _name_in(self, cat: Category, lang: str) -> str:
        return cat.names.get(lang) or cat.names[self._languages[0]]

    def display_name(self, label: Label, lang: str = "en") -> str:
        """The full path in a language (falls back to the first language).

        >>> from feedback_classifier.taxonomy import load_taxonomy
        >>> tax = load_taxonomy("cx-default")
        >>> tax.display_name(("service", "support_communication"))
        'Customer service > Support communication'
        >>> tax.display_name(("price", None), lang="ru")
        'Цена и выгода'
        """
        return self._path(label, lang)

    def short_name(self, label: Label, lang: str = "en") -> str:
        """The category's own name, without its parent.

        >>> from feedback_classifier.taxonomy import load_taxonomy
        >>> load_taxonomy("cx-default").short_name(("delivery", "courier"))
        'Courier'
        """
        parent, child = self._get(label)
        return self._name_in(child or parent, lang)

    def description_of(self, label: Label) -> str:
        """The category's one-line description ('' when none)."""
        parent, child = self._get(label)
        return (child or parent).description

    def team_name(self, team: str, lang: str) -> str:
        """An owner team's name in ``lang`` (the taxonomy's ``teams`` section), else as written.

        >>> from feedback_classifier.taxonomy import load_taxonomy
        >>> tax = load_taxonomy("cx-default")
        >>> tax.team_name("Logistics", "ru"), tax.team_name("Logistics", "en"), tax.team_name("Nobody", "ru")
        ('Логистика', 'Logistics', 'Nobody')
        >>> tax.team_name("unassigned", "ru")
        'без ответственного'
        """
        named = self._teams.get(team, {}).get(lang)
        if named is None and team == DEFAULT_OWNER:  # the queue of parents without an owner: a word of ours
            from feedback_classifier.lang.registry import LANGUAGES
            from feedback_classifier.lang.ui import ui_text

            named = ui_text(lang, "queue.unassigned") if lang in LANGUAGES else None  # (a taxonomy's own language)
        return named or team

    def differences(
        self, other: "Taxonomy", limit: int = 3, names: tuple[str, str] = ("this one", "the other")
    ) -> list[str]:
        """What differs from ``other``, at most ``limit`` items and a count of the rest, for an error
        that refuses one for the other; ``names`` call the two in "only in ..." items.

        >>> from feedback_classifier.taxonomy import load_taxonomy
        >>> tax = load_taxonomy("semeval-restaurants")
        >>> d = tax.to_dict(); d["categories"][0]["owner"] = "Kitchen"; del d["categories"][1]["children"][0]
        >>> Taxonomy.from_dict(d).differences(tax)
        ["owner of 'restaurant'", "'food/prices' only in the other"]
        """
        mine, theirs = self.to_dict(), other.to_dict()
        found = [f"the {key}" for key in ("name", "version", "languages") if mine.get(key) != theirs.get(key)]
        flat_mine, flat_theirs = flat_categories(mine), flat_categories(theirs)
        for path in dict.fromkeys([*flat_theirs, *flat_mine]):
            if path not in flat_mine:
                found.append(f"'{path}' only in {names[1]}")
            elif path not in flat_theirs:
                found.append(f"'{path}' only in {names[0]}")
            else:
                a, b = flat_mine[path], flat_theirs[path]
                found += [f"{key} of '{path}'" for key in dict.fromkeys([*b, *a]) if a.get(key) != b.get(key)]
        return found[:limit] + ([f"{len(found) - limit} more"] if len(found) > limit else [])

    def unnamed_teams(self) -> tuple[list[str], list[str]]:
        """Owners the ``teams`` section leaves out (shown as written in every language), and teams it
        names that own no category: usually one typo on either side. Both empty without the section.

        >>> from feedback_classifier.taxonomy import Taxonomy
        >>> Taxonomy.from_dict({"name": "t", "languages": ["en", "ru"], "teams": {"Fraud desk": {"ru": "Антифрод"}},
        ...     "categories": [{"id": "a", "names": {"en": "A", "ru": "А"}, "owner": "Frud desk"}]}).unnamed_teams()
        (['Frud desk'], ['Fraud desk'])
        """
        if not self._teams:
            return [], []
        owners = [team for team in self.owners if team != DEFAULT_OWNER]
        return [t for t in owners if t not in self._teams], [t for t in self._teams if t not in owners]

    def owner(self, label: Label) -> str:
        """The owning team; children inherit their parent's owner unless they set one.

        >>> from feedback_classifier.taxonomy import load_taxonomy
        >>> tax = load_taxonomy("cx-default")
        >>> tax.owner(("service", "manager_interaction")), tax.owner(("service", "response_speed"))
        ('Sales', 'Customer Support')
        """
        parent, child = self._get(label)
        if child is not None and child.owner:
            return child.owner
        return parent.owner or DEFAULT_OWNER

    def keywords(self, label: Label, lang: str | None = None) -> list[str]:
        """The category's own keywords in one language, or in all when ``lang`` is None.

        >>> from feedback_classifier.taxonomy import load_taxonomy
        >>> "courier" in load_taxonomy("cx-default").keywords(("delivery", "courier"), "en")
        True
        """
        parent, child = self._get(label)
        cat = child or parent
        if lang is not None:
            return list(cat.keywords.get(lang, ()))
        return list(dict.fromkeys(w for words in cat.keywords.values() for w in words))

    # ---- label cells

    def parse_label(self, text: str, *, row: Any = None, column: str | None = None,
                    source: str | None = None) -> Label:
        """Parse one path such as ``Service > Support communication`` or ``price``.

        >>> from feedback_classifier.taxonomy import load_taxonomy
        >>> load_taxonomy("cx-default").parse_label("ДОСТАВКА И ЛОГИСТИКА >  курьер")
        ('delivery', 'courier')
        """
        if not isinstance(text, str):  # None raised AttributeError: 'NoneType' object has no attribute 'split'
            self._label_error(repr(text), row, column, source, "is not text (parse_labels reads any cell)")
        parts = [" ".join(p.split()) for p in text.split(PATH_SEPARATOR)]
        if len(parts) > 2:
            # "A > B, C > D" is two labels joined the wrong way more often than a deeper path
            joined = next((sep for sep in WRONG_SEPARATORS if sep in text), None)
            hint = f"; separate labels with ';', not '{joined}'" if joined else ""
            self._label_error(text, row, column, source,
                              f"has {len(parts)} levels but taxonomies have two (Parent > Child){hint}")
        if not parts[0]:
            self._label_error(text, row, column, source, "has no parent before '>'")
        parent_id = self._parent_keys.get(match_key(parts[0]))
        if parent_id is not None and (len(parts) == 1 or not parts[1]):
            # "Service >" is read as the parent alone: a trailing separator is a common slip.
            return (parent_id, None)
        child_id = self._child_keys[parent_id].get(match_key(parts[1])) if parent_id is not None else None
        if child_id is None:  # a subcategory moved or retired since keeps its old path under 'aliases'
            former = (parent_id or match_key(parts[0]), match_key(parts[-1]))
            moved = self._former.get(former) if len(parts) == 2 else None
            return moved or self._label_error(text, row, column, source, "is not in the taxonomy")
        return (parent_id, child_id)  # type: ignore[return-value]

    def parse_labels(self, cell: Any, *, row: Any = None, column: str | None = None,
                     source: str | None = None) -> list[Label]:
        """Parse a label cell into labels, in order, without duplicates.

        ``row``, ``column`` and ``source`` (file) only serve the error message.
        Empty, None and NaN cells give ``[]``; a list of paths (from JSON/Parquet) works too.

        >>> from feedback_classifier.taxonomy import load_taxonomy
        >>> tax = load_taxonomy("cx-default")
        >>> tax.parse_labels("Service > Support communication; Price")
        [('service', 'support_communication'), ('price', None)]
        >>> tax.parse_labels("обслуживание > ВЕЖЛИВОСТЬ ПЕРСОНАЛА;  Delivery > delivery-time; Price")
        [('service', 'staff_politeness'), ('delivery', 'delivery_time'), ('price', None)]
        >>> tax.parse_labels(float("nan"))
        []
        >>> tax.parse_labels("Service > Suport", row=7, column="labels")
        Traceback (most recent call last):
        ...
        feedback_classifier.errors.LabelError: Unknown label 'Service > Suport' in row 7, column 'labels': ...
        """
        if is_missing(cell):
            return []
        if isinstance(cell, str):
            # Label columns repeat a few cells many times; only successful parses are cached,
            # so every bad cell still gets its own row in the error.
            cached = self._parse_cache.get(cell)
            if cached is None:
                cached = tuple(self._parse_items(cell_items(cell), row, column, source))
                if len(self._parse_cache) < _PARSE_CACHE_SIZE:
                    self._parse_cache[cell] = cached
            return list(cached)
        return self._parse_items(cell_items(cell), row, column, source)

    def _parse_items(self, items: Iterable[str], row: Any, column: str | None, source: str | None) -> list[Label]:
        out: dict[Label, None] = {}
        for item in items:
            if item.strip():
                out[self.parse_label(item.strip(), row=row, column=column, source=source)] = None
        return list(out)

    def format_labels(self, labels: Iterable[Label], lang: str = "en") -> str:
        """Format labels as a cell: display paths joined by ``; ``.

        >>> from feedback_classifier.taxonomy import load_taxonomy
        >>> load_taxonomy("cx-default").format_labels([("service", "support_communication"), ("price", None)])
        'Customer service > Support communication; Price and value'
        """
        return f"{LABEL_SEPARATOR} ".join(self._path(tuple(label), lang) for label in labels)  # type: ignore[arg-type]

    def _label_error(self, label: str, row: Any, column: str | None, source: str | None, why: str) -> None:
        location = label_location(row, column, source)
        text = shown_label(label)
        joined = self._joined_by(label) if why == "is not in the taxonomy" else None
        opinion = OPINION_RE.fullmatch(label) if why == "is not in the taxonomy" else None
        if opinion is not None:  # a sentiment column's cell given as categories: "Unknown label" hid that
            close = self.closest_paths(opinion.group(1))
            message = opinion_message(text, location, close[0] if close else opinion.group(1).strip())
        elif joined is not None:
            message = (f"Unknown label '{text}'{location}: these are labels of taxonomy '{self._name}' joined by "
                       f"'{joined}'; separate labels with ';' (e.g. '{'; '.join(p.strip() for p in text.split(joined))}').")
        elif why == "is not in the taxonomy":
            # a child's name alone, which may recur under several parents: every path it can mean
            paths = self._paths_of_child(label)
            # 'Delivery > Order tracking' after the subcategory moved to another parent: its new path
            moved = self._paths_of_child(label.split(PATH_SEPARATOR)[-1]) if PATH_SEPARATOR in label else []
            suggestions = paths or moved or self.closest_paths(label)
            close = f" Closest known: {_quote(suggestions)}." if suggestions else ""
            alone = " on its own (a subcategory is written with its parent, 'Parent > Child')" if paths else ""
            message = (
                f"Unknown label '{text}'{location}: not a category of taxonomy '{self._name}'{alone}.{close} "
                "Fix the cell, or add the category to the taxonomy; a category renamed since keeps its old name "
                f"under 'aliases'{alias_hint(text, self._parent_keys)} (labels are 'Parent > Child' paths separated "
                "by ';', by id or name)."
            )
        else:
            message = f"Malformed label '{text}'{location}: it {why}. Write 'Parent > Child' or 'Parent'."
        error = LabelError(message)
        error.row, error.column, error.label = row, column, label  # type: ignore[attr-defined]
        raise error

    def _paths_of_child(self, text: str) -> list[str]:
        """The paths of the children named ``text`` (one name may recur under several parents)."""
        lang = "ru" if re.search("[а-яё]", text, re.IGNORECASE) and "ru" in self._languages else self._languages[0]
        key = match_key(text)
        return [self._path((p, keys[key]), lang) for p, keys in self._child_keys.items() if key in keys]

    def _joined_by(self, text: str) -> str | None:
        """The wrong separator (',', '|'...) that splits ``text`` into known labels, if one does: with
        two levels ('Cards > Card delivery, Transfers') the cell was only called an unknown label."""
        for sep in WRONG_SEPARATORS:
            pieces = [piece.strip() for piece in text.split(sep)]
            if len(pieces) > 1 and all(pieces):
                try:
                    for piece in pieces:
                        self.parse_label(piece)
                except LabelError:
                    continue
                return sep
        return None

    def closest_paths(self, text: str, n: int = 3) -> list[str]:
        """Known display paths closest to ``text`` (difflib over ids and names in every language).

        >>> from feedback_classifier.taxonomy import load_taxonomy
        >>> load_taxonomy("cx-default").closest_paths("Delivery > Curier", n=1)
        ['Delivery and logistics > Courier']
        """
        query = " > ".join(match_key(p) for p in text.split(PATH_SEPARATOR))
        # Show suggestions in the language the user wrote in.
        cyrillic = bool(re.search("[а-яё]", text, re.IGNORECASE))
        lang = "ru" if cyrillic and "ru" in self._languages else self._languages[0]
        candidates: dict[str, str] = {}
        for label in self._labels:
            parent, child = self._by_label[label]
            shown = self._path(label, lang)
            for texts in [(parent.id, child.id if child else None)] + [
                (parent.names[lg], child.names[lg] if child else None) for lg in self._languages
            ]:
                key = " > ".join(match_key(t) for t in texts if t)
                candidates.setdefault(key, shown)
                if texts[1]:  # a subcategory named alone ("Courier") is suggested its path
                    candidates.setdefault(match_key(texts[1]), shown)
        matches = difflib.get_close_matches(query, list(candidates), n=n * 4, cutoff=0.4)
        return list(dict.fromkeys(candidates[m] for m in matches))[:n]


# Model files store a taxonomy as a call to this function, found by its name when loaded
# (model/safe_pickle.py): files saved by earlier versions need the name to stay.
def _rebuild(data: dict, source: str | None) -> Taxonomy:
    return Taxonomy.from_dict(data, source=source)
