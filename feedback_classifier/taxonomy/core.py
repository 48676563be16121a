"""Two-level category taxonomies: loading and validation, label parsing and formatting.

A taxonomy is a YAML file of parent categories, each with optional children::

    name: cx-default              # required: short name, shown in reports and model files
    version: 1                    # optional: int or text, bump it when you change categories
    languages: [en, ru]           # optional (default [en]): every category needs a name in each
    description: ...              # optional
    categories:                   # required, non-empty
      - id: service               # required: lowercase a-z, 0-9 and _, unique among its siblings
        names: {en: Service, ru: Сервис}          # required: one display name per language
        description: ...          # optional, one line
        owner: Customer Support   # optional: the team that owns it (default "unassigned")
        keywords: {en: [support, operator], ru: [поддержка, оператор]}   # optional
        children:                 # optional; children cannot have children
          - id: support_communication
            names: {en: Support communication, ru: Общение с поддержкой}
            owner: Sales          # optional: children inherit the parent's owner otherwise

A category is identified by its path: ``("service", "support_communication")``, or
``("price", None)`` for a parent alone (see ``Label``). The same child id (``quality``)
may recur under several parents.

In label cells of data files, paths are separated by ``;`` and a parent from its child
by ``>``: ``Service > Support communication; Price``. Ids and display names in any
language are accepted, case-, whitespace- and ``ё``/``е``-insensitive, and ids match
with ``_``, ``-`` or spaces (``support communication``).

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
import math
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from feedback_classifier.errors import LabelError, TaxonomyError
from feedback_classifier.tableio.tables import write_file_atomic

__all__ = [
    "Label",
    "Category",
    "Problem",
    "Taxonomy",
    "infer_taxonomy",
    "load_taxonomy",
    "bundled_taxonomy_path",
    "bundled_taxonomy_names",
    "slugify",
]

Label = tuple[str, str | None]
"""A category: ``(parent_id, child_id)``, or ``(parent_id, None)`` for a parent alone."""

DEFAULT_OWNER = "unassigned"
LABEL_SEPARATOR = ";"
PATH_SEPARATOR = ">"

_ID_RE = re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+)*$")
_LANG_RE = re.compile(r"^[a-z]{2,3}$")
_TOP_FIELDS = ("name", "version", "languages", "description", "categories")
_CATEGORY_FIELDS = ("id", "names", "description", "owner", "keywords", "children")
# Newlines separate labels too: Excel users often put one label per line in a cell.
_LABEL_SPLIT_RE = re.compile(r"[;\n\r]+")
_PARSE_CACHE_SIZE = 100_000


# --------------------------------------------------------------------------- helpers


def _norm(text: str) -> str:
    """Matching key: ids and names compare equal when they differ only in case, spacing,
    ``_``/``-``, ``ё``/``е`` or Unicode form."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")
    return " ".join(re.split(r"[\s_\-]+", text)).strip()


_TRANSLIT = str.maketrans(
    {
        "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
        "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
        "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
        "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
        "я": "ya",
    }
)


def slugify(name: str) -> str:
    """Turn a display name into a category id (Russian is transliterated).

    >>> slugify("Support communication")
    'support_communication'
    >>> slugify("Долгая доставка!")
    'dolgaya_dostavka'
    >>> slugify("STYLE_OPTIONS")
    'style_options'
    """
    text = unicodedata.normalize("NFKC", name).casefold().translate(_TRANSLIT)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "_", text).strip("_")
    return slug or "category"


def _is_missing(cell: Any) -> bool:
    if cell is None:
        return True
    if isinstance(cell, float) and math.isnan(cell):
        return True
    # pandas.NA / NaT / numpy.nan without importing pandas here
    try:
        return bool(cell != cell)  # NaN-like values are not equal to themselves
    except (TypeError, ValueError):
        return type(cell).__name__ in ("NAType", "NaTType")


def _quote(values: Iterable[str]) -> str:
    return ", ".join(f"'{v}'" for v in values)


# --------------------------------------------------------------------------- problems


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a taxonomy definition, with where it is."""

    message: str
    source: str | None = None
    line: int | None = None
    category: str | None = None  # "service/support_communication" or "categories[3]"
    field: str | None = None

    def __str__(self) -> str:
        where = []
        if self.source:
            where.append(self.source + (f":{self.line}" if self.line else ""))
        elif self.line:
            where.append(f"line {self.line}")
        if self.category:
            where.append(f"category {self.category}")
        if self.field:
            where.append(f"field '{self.field}'")
        return (", ".join(where) + ": " if where else "") + self.message


def _raise_problems(problems: list[Problem], source: str | None) -> None:
    what = f"Invalid taxonomy {source}" if source else "Invalid taxonomy"
    lines = [f"{what} ({len(problems)} problem{'s' if len(problems) != 1 else ''}):"]
    # In file order, so users can fix them top to bottom.
    problems = sorted(problems, key=lambda p: p.line or 0)
    lines += [f"  - {p}" for p in problems]
    error = TaxonomyError("\n".join(lines))
    error.problems = list(problems)  # type: ignore[attr-defined]
    raise error


# --------------------------------------------------------------------------- YAML with line numbers


class _LinedDict(dict):
    """A mapping loaded from YAML that remembers where it and its keys were."""

    line: int | None = None
    key_lines: dict
    duplicate_keys: list


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_lined_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _LinedDict:
    loader.flatten_mapping(node)
    mapping = _LinedDict()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    # PyYAML keeps the last of two equal keys silently; a repeated `names:` is a typo to report.
    mapping.duplicate_keys = []
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            key = str(key)
        line = key_node.start_mark.line + 1
        if key in mapping:
            mapping.duplicate_keys.append((key, line))
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[key] = line
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_lined_mapping)


def _line_of(mapping: Any, key: str | None = None) -> int | None:
    if not isinstance(mapping, _LinedDict):
        return None
    if key is not None and key in mapping.key_lines:
        return mapping.key_lines[key]
    return mapping.line


class _FlowDumper(yaml.SafeDumper):
    pass


class _FlowMap(dict):
    pass


class _FlowList(list):
    pass


_FlowDumper.add_representer(
    _FlowMap, lambda d, v: d.represent_mapping("tag:yaml.org,2002:map", v.items(), flow_style=True)
)
_FlowDumper.add_representer(
    _FlowList, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True)
)


# --------------------------------------------------------------------------- categories


@dataclass(frozen=True)
class Category:
    """One validated category. ``owner`` is None when a child inherits its parent's."""

    id: str
    names: Mapping[str, str]
    description: str = ""
    owner: str | None = None
    keywords: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    children: tuple["Category", ...] = ()

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id, "names": dict(self.names)}
        if self.description:
            d["description"] = self.description
        if self.owner is not None:
            d["owner"] = self.owner
        if any(self.keywords.values()):
            d["keywords"] = {lang: list(words) for lang, words in self.keywords.items()}
        if self.children:
            d["children"] = [child.to_dict() for child in self.children]
        return d


class _Validator:
    """Collects every problem of a taxonomy definition instead of stopping at the first."""

    def __init__(self, source: str | None):
        self.source = source
        self.problems: list[Problem] = []

    def add(self, message: str, *, line=None, category=None, field=None) -> None:
        self.problems.append(Problem(message, self.source, line, category, field))

    def check_keys(self, mapping: Mapping, allowed: Sequence[str], *, category=None) -> None:
        for key, line in getattr(mapping, "duplicate_keys", []):
            self.add(f"'{key}' is given twice; keep one", line=line, category=category, field=str(key))
        for key in mapping:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1)
                hint = f"did you mean '{close[0]}'?" if close else f"allowed fields: {', '.join(allowed)}"
                self.add(
                    f"unknown field '{key}' ({hint})",
                    line=_line_of(mapping, key),
                    category=category,
                    field=str(key),
                )

    def text(self, mapping: Mapping, key: str, *, required: bool, category=None, what=None) -> str | None:
        value = mapping.get(key)
        if value is None:
            if required:
                self.add(f"missing {what or key}", line=_line_of(mapping), category=category, field=key)
            return None
        if not isinstance(value, str) or not value.strip():
            kind = "empty text" if isinstance(value, str) else f"{type(value).__name__} {value!r}"
            self.add(
                f"must be non-empty text, got {kind}; put it in quotes if YAML reads it as a number or yes/no",
                line=_line_of(mapping, key),
                category=category,
                field=key,
            )
            return None
        return " ".join(value.split())

    def languages(self, data: Mapping) -> tuple[str, ...]:
        value = data.get("languages", ["en"])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            self.add(
                "must be a non-empty list of language codes such as [en, ru]",
                line=_line_of(data, "languages"),
                field="languages",
            )
            return ("en",)
        langs: list[str] = []
        for lang in value:
            if not _LANG_RE.match(lang):
                self.add(
                    f"'{lang}' is not a language code (use lowercase codes such as en, ru)",
                    line=_line_of(data, "languages"),
                    field="languages",
                )
            elif lang in langs:
                self.add(f"'{lang}' is listed twice", line=_line_of(data, "languages"), field="languages")
            else:
                langs.append(lang)
        return tuple(langs) or ("en",)

    def category(self, raw: Any, where: str, langs: tuple[str, ...], *, is_child: bool) -> Category | None:
        if not isinstance(raw, Mapping):
            self.add(
                f"each category must be a mapping with id, names, ...; got {type(raw).__name__} {raw!r}",
                category=where,
            )
            return None
        cat_id = raw.get("id")
        label = where
        if isinstance(cat_id, str) and cat_id.strip():
            label = f"{where.rsplit('/', 1)[0]}/{cat_id}" if is_child else cat_id
        self.check_keys(raw, _CATEGORY_FIELDS, category=label)

        ok = True
        if cat_id is None:
            self.add("missing id", line=_line_of(raw), category=label, field="id")
            ok = False
        elif not isinstance(cat_id, str):
            self.add(
                f"id must be text, got {type(cat_id).__name__} {cat_id!r}; quote it",
                line=_line_of(raw, "id"),
                category=label,
                field="id",
            )
            ok = False
        elif not _ID_RE.match(cat_id):
            self.add(
                f"id '{cat_id}' must be lowercase letters, digits and single underscores "
                f"(e.g. '{slugify(cat_id)}')",
                line=_line_of(raw, "id"),
                category=label,
                field="id",
            )
            ok = False

        names: dict[str, str] = {}
        raw_names = raw.get("names")
        if raw_names is None:
            self.add(
                f"missing names (give one per language: {', '.join(langs)})",
                line=_line_of(raw),
                category=label,
                field="names",
            )
            ok = False
        elif not isinstance(raw_names, Mapping):
            self.add(
                f"names must be a mapping of language to name, e.g. {{{langs[0]}: ...}}; "
                f"got {type(raw_names).__name__}",
                line=_line_of(raw, "names"),
                category=label,
                field="names",
            )
            ok = False
        else:
            for key, line in getattr(raw_names, "duplicate_keys", []):
                self.add(f"'{key}' is given twice; keep one", line=line, category=label, field=f"names.{key}")
            for lang in raw_names:
                if lang not in langs:
                    self.add(
                        f"language '{lang}' is not in the taxonomy's languages [{', '.join(langs)}]; "
                        "add it there or remove this name",
                        line=_line_of(raw_names, lang),
                        category=label,
                        field=f"names.{lang}",
                    )
                    ok = False
            for lang in langs:
                if lang not in raw_names:
                    self.add(
                        f"missing name in '{lang}'",
                        line=_line_of(raw, "names"),
                        category=label,
                        field=f"names.{lang}",
                    )
                    ok = False
                    continue
                name = self.text(raw_names, lang, required=True, category=label)
                if name is None:
                    ok = False
                elif LABEL_SEPARATOR in name or PATH_SEPARATOR in name:
                    self.add(
                        f"name '{name}' must not contain '{LABEL_SEPARATOR}' or '{PATH_SEPARATOR}' "
                        "(they separate labels in data files)",
                        line=_line_of(raw_names, lang),
                        category=label,
                        field=f"names.{lang}",
                    )
                    ok = False
                else:
                    names[lang] = name

        description = self.text(raw, "description", required=False, category=label) or ""
        owner = self.text(raw, "owner", required=False, category=label)
        if raw.get("owner") is not None and owner is None:
            ok = False

        keywords: dict[str, tuple[str, ...]] = {}
        raw_kw = raw.get("keywords")
        if raw_kw is not None:
            if not isinstance(raw_kw, Mapping):
                self.add(
                    f"keywords must be a mapping of language to a list of words, e.g. "
                    f"{{{langs[0]}: [word, phrase]}}; got {type(raw_kw).__name__}",
                    line=_line_of(raw, "keywords"),
                    category=label,
                    field="keywords",
                )
                ok = False
            else:
                for lang, words in raw_kw.items():
                    where_kw = f"keywords.{lang}"
                    if lang not in langs:
                        self.add(
                            f"language '{lang}' is not in the taxonomy's languages [{', '.join(langs)}]",
                            line=_line_of(raw_kw, lang),
                            category=label,
                            field=where_kw,
                        )
                        ok = False
                        continue
                    if words is None:
                        words = []
                    if not isinstance(words, list) or not all(
                        isinstance(w, str) and w.strip() for w in words
                    ):
                        self.add(
                            "must be a list of non-empty texts (quote numbers and yes/no)",
                            line=_line_of(raw_kw, lang),
                            category=label,
                            field=where_kw,
                        )
                        ok = False
                        continue
                    seen: dict[str, str] = {}
                    for word in words:
                        seen.setdefault(" ".join(word.split()).casefold(), " ".join(word.split()))
                    keywords[lang] = tuple(seen.values())

        children: list[Category] = []
        raw_children = raw.get("children")
        if raw_children is not None:
            if is_child:
                self.add(
                    "a child category cannot have children: taxonomies have two levels",
                    line=_line_of(raw, "children"),
                    category=label,
                    field="children",
                )
                ok = False
            elif not isinstance(raw_children, list):
                self.add(
                    f"children must be a list of categories, got {type(raw_children).__name__}",
                    line=_line_of(raw, "children"),
                    category=label,
                    field="children",
                )
                ok = False
            else:
                parent_where = label
                built = [
                    self.category(child, f"{parent_where}/children[{i}]", langs, is_child=True)
                    for i, child in enumerate(raw_children)
                ]
                ok = ok and all(c is not None for c in built)
                children = [c for c in built if c is not None]
                self.unique(raw_children, parent=parent_where)

        if not ok:
            return None
        return Category(
            id=cat_id,
            names=MappingProxyType(names),
            description=description,
            owner=owner,
            keywords=MappingProxyType(keywords),
            children=tuple(children),
        )

    def unique(self, raws: list, *, parent: str | None) -> None:
        """Ids must be unique among siblings, and no two siblings may share a name or id
        under the matching rules, or a label cell could mean either. Works on the raw
        entries so a duplicate is reported even when one of the pair has other problems."""
        seen_ids: set[str] = set()
        keys: dict[str, str] = {}
        for raw in raws:
            if not isinstance(raw, Mapping) or not isinstance(raw.get("id"), str):
                continue
            cat_id = raw["id"]
            where = f"{parent}/{cat_id}" if parent else cat_id
            if cat_id in seen_ids:
                self.add(
                    f"duplicate id '{cat_id}'" + (f" under '{parent}'" if parent else " among parents")
                    + "; ids must be unique among siblings",
                    line=_line_of(raw, "id"),
                    category=where,
                    field="id",
                )
                continue
            seen_ids.add(cat_id)
            names = raw.get("names")
            texts = [cat_id] + (
                [n for n in names.values() if isinstance(n, str)] if isinstance(names, Mapping) else []
            )
            for text in dict.fromkeys(texts):
                key = _norm(text)
                other = keys.get(key)
                if other is not None and other != cat_id:
                    self.add(
                        f"'{text}' matches both '{other}' and '{cat_id}', so a label could mean either; "
                        "rename one",
                        line=_line_of(raw, "names"),
                        category=where,
                        field="names",
                    )
                keys.setdefault(key, cat_id)


# --------------------------------------------------------------------------- taxonomy


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
        "_by_label", "_labels", "_parent_keys", "_child_keys", "_hash", "_canonical", "_parse_cache",
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
    ):
        # Callers normally go through from_dict(), which validates; this builds the indexes.
        set_ = object.__setattr__
        set_(self, "_name", name)
        set_(self, "_version", version)
        set_(self, "_languages", tuple(languages))
        set_(self, "_description", description)
        set_(self, "_categories", tuple(categories))
        set_(self, "_source", source)
        by_label: dict[Label, tuple[Category, Category | None]] = {}
        parent_keys: dict[str, str] = {}
        child_keys: dict[str, dict[str, str]] = {}
        for parent in self._categories:
            by_label[(parent.id, None)] = (parent, None)
            for text in (parent.id, *parent.names.values()):
                parent_keys.setdefault(_norm(text), parent.id)
            keys: dict[str, str] = {}
            for child in parent.children:
                by_label[(parent.id, child.id)] = (parent, child)
                for text in (child.id, *child.names.values()):
                    keys.setdefault(_norm(text), child.id)
            child_keys[parent.id] = keys
        set_(self, "_by_label", by_label)
        set_(self, "_labels", tuple(by_label))
        set_(self, "_parent_keys", parent_keys)
        set_(self, "_child_keys", child_keys)
        set_(self, "_parse_cache", {})
        canonical = json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        set_(self, "_canonical", canonical)
        set_(self, "_hash", hashlib.sha256(canonical.encode("utf-8")).hexdigest())

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
        v = _Validator(src)
        if not isinstance(data, Mapping):
            v.add(
                f"the top level must be a mapping with name and categories, got {type(data).__name__}"
                if data is not None
                else "the file is empty; it needs name and categories"
            )
            _raise_problems(v.problems, src)
        v.check_keys(data, _TOP_FIELDS)
        name = v.text(data, "name", required=True, what="taxonomy name (e.g. name: my-taxonomy)")
        version = data.get("version", 1)
        if not isinstance(version, (int, str)) or isinstance(version, bool):
            v.add(
                f"version must be a number or text, got {type(version).__name__}",
                line=_line_of(data, "version"),
                field="version",
            )
        description = v.text(data, "description", required=False) or ""
        langs = v.languages(data)
        raw_cats = data.get("categories")
        categories: list[Category] = []
        if raw_cats is None or raw_cats == []:
            v.add(
                "the taxonomy has no categories; add a 'categories:' list",
                line=_line_of(data, "categories") or _line_of(data),
                field="categories",
            )
        elif not isinstance(raw_cats, list):
            v.add(
                f"categories must be a list, got {type(raw_cats).__name__}",
                line=_line_of(data, "categories"),
                field="categories",
            )
        else:
            built = [v.category(raw, f"categories[{i}]", langs, is_child=False) for i, raw in enumerate(raw_cats)]
            categories = [c for c in built if c is not None]
            v.unique(raw_cats, parent=None)
        if v.problems:
            _raise_problems(v.problems, src)
        return cls(
            name=name,  # type: ignore[arg-type]
            categories=categories,
            version=version,
            languages=langs,
            description=description,
            source=src,
        )

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Taxonomy":
        """Load and validate a taxonomy YAML file.

        >>> Taxonomy.load(bundled_taxonomy_path("semeval-restaurants")).name
        'semeval-restaurants'
        """
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise TaxonomyError(f"Taxonomy file {path} does not exist; check the path") from None
        except IsADirectoryError:
            raise TaxonomyError(f"Taxonomy path {path} is a directory; pass a .yaml file") from None
        except UnicodeDecodeError as exc:
            raise TaxonomyError(
                f"Taxonomy file {path} is not UTF-8 text (byte {exc.start}); save it as UTF-8"
            ) from None
        try:
            data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else None
            problem = Problem(
                f"not valid YAML: {exc.problem or exc}" + (f" ({exc.context})" if exc.context else ""),
                str(path),
                line,
            )
            _raise_problems([problem], str(path))
        except yaml.YAMLError as exc:
            _raise_problems([Problem(f"not valid YAML: {exc}", str(path))], str(path))
        return cls.from_dict(data, source=path)

    def to_dict(self) -> dict[str, Any]:
        """The definition as plain data; ``Taxonomy.from_dict(t.to_dict()) == t``."""
        d: dict[str, Any] = {"name": self._name, "version": self._version, "languages": list(self._languages)}
        if self._description:
            d["description"] = self._description
        d["categories"] = [c.to_dict() for c in self._categories]
        return d

    def dump(self, path: str | os.PathLike, *, header: str | None = None) -> Path:
        """Write the taxonomy as YAML, atomically (a temp file renamed over ``path``).

        >>> import tempfile, pathlib
        >>> out = pathlib.Path(tempfile.mkdtemp()) / "t.yaml"
        >>> tax = load_taxonomy("semeval-restaurants")
        >>> Taxonomy.load(tax.dump(out)) == tax
        True
        """
        path = Path(path)
        data = self.to_dict()
        data["languages"] = _FlowList(data["languages"])
        for cat in data["categories"]:
            for c in [cat, *cat.get("children", [])]:
                c["names"] = _FlowMap(c["names"])
                if "keywords" in c:
                    c["keywords"] = {k: _FlowList(v) for k, v in c["keywords"].items()}
        body = yaml.dump(data, Dumper=_FlowDumper, allow_unicode=True, sort_keys=False, width=110)
        if header:
            body = "".join(f"# {line}\n" if line else "#\n" for line in header.splitlines()) + body
        write_file_atomic(path, body, make_parents=True)
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

        >>> load_taxonomy("semeval-restaurants").children("drinks")
        [('drinks', 'prices'), ('drinks', 'quality'), ('drinks', 'style_options')]
        """
        parent_id = parent[0] if isinstance(parent, tuple) else parent
        cat, _ = self._get((parent_id, None))
        return [(cat.id, child.id) for child in cat.children]

    def parent_of(self, label: Label) -> Label:
        """``(p, c) -> (p, None)``; a parent maps to itself.

        >>> load_taxonomy("cx-default").parent_of(("delivery", "courier"))
        ('delivery', None)
        """
        parent, _ = self._get(label)
        return (parent.id, None)

    def _get(self, label: Label) -> tuple[Category, Category | None]:
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

        >>> tax = load_taxonomy("cx-default")
        >>> tax.display_name(("service", "support_communication"))
        'Service > Support communication'
        >>> tax.display_name(("price", None), lang="ru")
        'Цена и выгода'
        """
        return self._path(label, lang)

    def short_name(self, label: Label, lang: str = "en") -> str:
        """The category's own name, without its parent.

        >>> load_taxonomy("cx-default").short_name(("delivery", "courier"))
        'Courier'
        """
        parent, child = self._get(label)
        return self._name_in(child or parent, lang)

    def description_of(self, label: Label) -> str:
        """The category's one-line description ('' when none)."""
        parent, child = self._get(label)
        return (child or parent).description

    def owner(self, label: Label) -> str:
        """The owning team; children inherit their parent's owner unless they set one.

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

        >>> load_taxonomy("cx-default").parse_label("ДОСТАВКА И ЛОГИСТИКА >  курьер")
        ('delivery', 'courier')
        """
        parts = [" ".join(p.split()) for p in text.split(PATH_SEPARATOR)]
        if len(parts) > 2:
            self._label_error(
                text, row, column, source,
                f"has {len(parts)} levels but taxonomies have two (Parent > Child)",
            )
        if not parts[0]:
            self._label_error(text, row, column, source, "has no parent before '>'")
        parent_id = self._parent_keys.get(_norm(parts[0]))
        if parent_id is None:
            self._label_error(text, row, column, source, "is not in the taxonomy")
        if len(parts) == 1 or not parts[1]:
            # "Service >" is read as the parent alone: a trailing separator is a common slip.
            return (parent_id, None)  # type: ignore[return-value]
        child_id = self._child_keys[parent_id].get(_norm(parts[1]))  # type: ignore[index]
        if child_id is None:
            self._label_error(text, row, column, source, "is not in the taxonomy")
        return (parent_id, child_id)  # type: ignore[return-value]

    def parse_labels(self, cell: Any, *, row: Any = None, column: str | None = None,
                     source: str | None = None) -> list[Label]:
        """Parse a label cell into labels, in order, without duplicates.

        ``row``, ``column`` and ``source`` (file) only serve the error message.
        Empty, None and NaN cells give ``[]``; a list of paths (from JSON/Parquet) works too.

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
        if _is_missing(cell):
            return []
        if isinstance(cell, str):
            # Label columns repeat a few cells many times; only successful parses are cached,
            # so every bad cell still gets its own row in the error.
            cached = self._parse_cache.get(cell)
            if cached is None:
                cached = tuple(self._parse_items(_LABEL_SPLIT_RE.split(cell), row, column, source))
                if len(self._parse_cache) < _PARSE_CACHE_SIZE:
                    self._parse_cache[cell] = cached
            return list(cached)
        if isinstance(cell, (list, tuple)) or type(cell).__name__ == "ndarray":
            items = [str(x) for x in cell if not _is_missing(x)]
        else:
            items = _LABEL_SPLIT_RE.split(str(cell))
        return self._parse_items(items, row, column, source)

    def _parse_items(self, items: Iterable[str], row: Any, column: str | None, source: str | None) -> list[Label]:
        out: dict[Label, None] = {}
        for item in items:
            if item.strip():
                out[self.parse_label(item.strip(), row=row, column=column, source=source)] = None
        return list(out)

    def format_labels(self, labels: Iterable[Label], lang: str = "en") -> str:
        """Format labels as a cell: display paths joined by ``; ``.

        >>> load_taxonomy("cx-default").format_labels([("service", "support_communication"), ("price", None)])
        'Service > Support communication; Price and value'
        """
        return f"{LABEL_SEPARATOR} ".join(self._path(tuple(label), lang) for label in labels)  # type: ignore[arg-type]

    def _label_error(self, text: str, row: Any, column: str | None, source: str | None, why: str) -> None:
        where = []
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column '{column}'")
        if source is not None:
            where.append(f"of {source}")
        location = (" in " + ", ".join(where[:2]) + (" " + where[2] if len(where) > 2 else "")) if where else ""
        if why == "is not in the taxonomy":
            suggestions = self.closest_paths(text)
            close = f" Closest known: {_quote(suggestions)}." if suggestions else ""
            message = (
                f"Unknown label '{text}'{location}: not a category of taxonomy '{self._name}'.{close} "
                "Fix the cell, or add the category to the taxonomy "
                "(labels are 'Parent > Child' paths separated by ';', by id or name)."
            )
        else:
            message = f"Malformed label '{text}'{location}: it {why}. Write 'Parent > Child' or 'Parent'."
        error = LabelError(message)
        error.row, error.column, error.label = row, column, text  # type: ignore[attr-defined]
        raise error

    def closest_paths(self, text: str, n: int = 3) -> list[str]:
        """Known display paths closest to ``text`` (difflib over ids and names in every language).

        >>> load_taxonomy("cx-default").closest_paths("Delivery > Curier", n=1)
        ['Delivery and logistics > Courier']
        """
        query = " > ".join(_norm(p) for p in text.split(PATH_SEPARATOR))
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
                key = " > ".join(_norm(t) for t in texts if t)
                candidates.setdefault(key, shown)
        matches = difflib.get_close_matches(query, list(candidates), n=n * 4, cutoff=0.4)
        return list(dict.fromkeys(candidates[m] for m in matches))[:n]


def _rebuild(data: dict, source: str | None) -> Taxonomy:
    return Taxonomy.from_dict(data, source=source)




# --------------------------------------------------------------------------- inference


def infer_taxonomy(
    cells: Iterable[Any],
    name: str = "inferred",
    *,
    languages: Sequence[str] = ("en", "ru"),
    owner: str = DEFAULT_OWNER,
    column: str | None = None,
    source: str | None = None,
    first_row: int = 0,
) -> Taxonomy:
    """Build a taxonomy from label cells when the user has none.

    Parents and children come from the ``Parent > Child`` paths; ids are slugified from the
    names; names are kept as written (the most common spelling) for every language; every
    parent gets ``owner``. Names that differ only in case or spacing are one category.
    Parents and children are sorted by name, so row order does not change the result.
    ``column``, ``source`` and ``first_row`` (the number of the first cell's row) only
    serve error messages.

    >>> tax = infer_taxonomy(["FOOD > QUALITY; SERVICE", "food > prices", None, ""])
    >>> tax.labels
    [('food', None), ('food', 'prices'), ('food', 'quality'), ('service', None)]
    >>> tax.display_name(("food", "quality"), lang="ru")
    'FOOD > QUALITY'
    """
    spellings: dict[str, Counter] = {}
    children: dict[str, dict[str, Counter]] = {}
    order: dict[str, int] = {}
    for row, cell in enumerate(cells, start=first_row):
        if _is_missing(cell):
            continue
        items = (
            [str(x) for x in cell if not _is_missing(x)]
            if isinstance(cell, (list, tuple)) or type(cell).__name__ == "ndarray"
            else _LABEL_SPLIT_RE.split(str(cell))
        )
        for item in items:
            if not item.strip():
                continue
            parts = [" ".join(p.split()) for p in item.split(PATH_SEPARATOR)]
            where = ", ".join(
                x for x in (f"row {row}", f"column '{column}'" if column else "", f"of {source}" if source else "") if x
            )
            if len(parts) > 2 or not parts[0]:
                error = LabelError(
                    f"Malformed label '{item.strip()}' in {where}: write 'Parent > Child' or 'Parent' "
                    f"(two levels, parent first)."
                )
                error.row, error.column, error.label = row, column, item.strip()  # type: ignore[attr-defined]
                raise error
            pkey = _norm(parts[0])
            spellings.setdefault(pkey, Counter())[parts[0]] += 1
            order.setdefault(pkey, len(order))
            kids = children.setdefault(pkey, {})
            if len(parts) == 2 and parts[1]:
                kids.setdefault(_norm(parts[1]), Counter())[parts[1]] += 1
    if not spellings:
        where = f" in column '{column}'" if column else ""
        raise TaxonomyError(
            f"No labels found{where}{' of ' + source if source else ''}: every cell is empty. "
            "Pick the column that holds labels like 'Parent > Child; Parent'."
        )

    def best(counter: Counter) -> str:
        # Most common spelling; ties go to the code-point-smallest (capitalised sorts first),
        # not to the first seen, so the result does not depend on row order.
        return min(counter, key=lambda s: (-counter[s], s))

    def unique_ids(keys: list[str], names: dict[str, str]) -> dict[str, str]:
        ids: dict[str, str] = {}
        used: set[str] = set()
        for key in keys:
            base = slugify(names[key])
            cid, n = base, 2
            while cid in used:
                cid, n = f"{base}_{n}", n + 1
            used.add(cid)
            ids[key] = cid
        return ids

    langs = list(languages)
    parent_names = {k: best(c) for k, c in spellings.items()}
    parent_keys = sorted(parent_names, key=lambda k: (k, parent_names[k]))
    parent_ids = unique_ids(parent_keys, parent_names)
    categories = []
    for pkey in parent_keys:
        kid_names = {k: best(c) for k, c in children[pkey].items()}
        kid_keys = sorted(kid_names, key=lambda k: (k, kid_names[k]))
        kid_ids = unique_ids(kid_keys, kid_names)
        categories.append(
            {
                "id": parent_ids[pkey],
                "names": {lang: parent_names[pkey] for lang in langs},
                "owner": owner,
                **(
                    {"children": [{"id": kid_ids[k], "names": {lang: kid_names[k] for lang in langs}} for k in kid_keys]}
                    if kid_keys
                    else {}
                ),
            }
        )
    return Taxonomy.from_dict(
        {"name": name, "version": 1, "languages": langs, "categories": categories},
        source=source,
    )


# --------------------------------------------------------------------------- bundled taxonomies


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
    text = os.fspath(name_or_path)
    path = Path(text)
    looks_like_path = isinstance(name_or_path, os.PathLike) or path.suffix in (".yaml", ".yml") or (
        os.sep in text or "/" in text
    )
    if not path.is_file():
        if looks_like_path:
            raise TaxonomyError(
                f"Taxonomy file {text} does not exist. Check the path, or use a bundled taxonomy "
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
