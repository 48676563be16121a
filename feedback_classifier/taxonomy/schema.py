"""The taxonomy file format: reading and writing its YAML, and validating a definition.

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
        aliases: [Customer care]  # optional: former names (or 'Old parent > Child' paths) label cells may still use
        children:                 # optional; children cannot have children
          - id: support_communication
            names: {en: Support communication, ru: Общение с поддержкой}
            owner: Sales          # optional: children inherit the parent's owner otherwise

Every problem of a definition is collected, with its file, line, category and field,
and raised together in one ``TaxonomyError``:

>>> validate_definition({"name": "t", "categories": [{"id": "a", "names": {"en": "A"}}]}, None).languages
('en',)
>>> validate_definition({"name": "t", "languages": ["en"], "categories": [{"id": "a"}]}, "t.yaml")
Traceback (most recent call last):
...
feedback_classifier.errors.TaxonomyError: Invalid taxonomy t.yaml (1 problem):
  - t.yaml, category a, field 'names': missing names (give one per language: en)
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple, NoReturn

import yaml

from feedback_classifier.errors import TaxonomyError
from feedback_classifier.taxonomy.category import Category
from feedback_classifier.taxonomy.history import former_path_problems
from feedback_classifier.taxonomy.labels import LABEL_SEPARATOR, PATH_SEPARATOR, match_key, slugify
from feedback_classifier.taxonomy.yaml_limits import kind, load_bounded, shown, where_not_utf8, yaml_hint

__all__ = ["Definition", "Problem", "read_definition", "to_yaml", "validate_definition"]

_ID_RE = re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+)*$")
_LANG_RE = re.compile(r"^[a-z]{2,3}$")
# a YAML "\e" is ESC: a name, owner or title holding control characters ran them in the terminal summaries
_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f]")
_TOP_FIELDS = ("name", "version", "languages", "description", "teams", "categories")
_CATEGORY_FIELDS = ("id", "names", "description", "owner", "keywords", "aliases", "children")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a taxonomy definition, with where it is.

    >>> str(Problem("missing id", "t.yaml", 7, "categories[2]", "id"))
    "t.yaml:7, category categories[2], field 'id': missing id"
    """

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


def _raise_problems(problems: list[Problem], source: str | None) -> NoReturn:
    what = f"Invalid taxonomy {source}" if source else "Invalid taxonomy"
    lines = [f"{what} ({len(problems)} problem{'s' if len(problems) != 1 else ''}):"]
    problems = sorted(problems, key=lambda p: p.line or 0)  # in file order, to be fixed top to bottom
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


def read_definition(path: str | os.PathLike) -> Any:
    """The YAML of a taxonomy file, its mappings remembering their lines for ``validate_definition``.

    >>> read_definition("no/such.yaml")
    Traceback (most recent call last):
    ...
    feedback_classifier.errors.TaxonomyError: Taxonomy file no/such.yaml does not exist; check the path
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise TaxonomyError(f"Taxonomy file {path} does not exist; check the path") from None
    except IsADirectoryError:
        raise TaxonomyError(f"Taxonomy path {path} is a directory; pass a .yaml file") from None
    except UnicodeDecodeError as exc:
        raise TaxonomyError(f"Taxonomy file {path} is not UTF-8 text ({where_not_utf8(path, exc.start)}); "
                            "save it as UTF-8") from None
    try:
        return load_bounded(text, _LineLoader)  # (a SafeLoader subclass)
    except ValueError as exc:  # aliases that expand to billions of values, or nesting too deep
        _raise_problems([Problem(f"refused: {exc}", str(path))], str(path))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = Problem(
            f"not valid YAML: {exc.problem or exc}" + (f" ({exc.context})" if exc.context else "") + yaml_hint(exc),
            str(path),
            line,
        )
        _raise_problems([problem], str(path))
    except yaml.YAMLError as exc:
        _raise_problems([Problem(f"not valid YAML: {exc}", str(path))], str(path))


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


def to_yaml(data: dict[str, Any], header: str | None = None) -> str:
    """A definition (``Taxonomy.to_dict()``) as YAML, names and keywords on one line each.

    >>> print(to_yaml({"name": "t", "languages": ["en"], "categories": [{"id": "a", "names": {"en": "A"}}]},
    ...               header="made by hand"), end="")
    # made by hand
    name: t
    languages: [en]
    categories:
    - id: a
      names: {en: A}
    """
    def flow(cat: dict[str, Any]) -> dict[str, Any]:
        cat = dict(cat, names=_FlowMap(cat["names"]))
        if "keywords" in cat:
            cat["keywords"] = {k: _FlowList(v) for k, v in cat["keywords"].items()}
        if "children" in cat:
            cat["children"] = [flow(child) for child in cat["children"]]
        return cat

    data = dict(data, languages=_FlowList(data["languages"]), categories=[flow(c) for c in data["categories"]])
    body = yaml.dump(data, Dumper=_FlowDumper, allow_unicode=True, sort_keys=False, width=110)
    if header:
        body = "".join(f"# {line}\n" if line else "#\n" for line in header.splitlines()) + body
    return body


# --------------------------------------------------------------------------- validation


class Definition(NamedTuple):
    """A validated definition: what ``Taxonomy`` is built from."""

    name: str
    version: int | str
    languages: tuple[str, ...]
    description: str
    categories: list[Category]
    teams: dict = {}  # owner team -> {language: display name}


def validate_definition(data: Any, source: str | None) -> Definition:
    """Validate a definition as loaded from YAML; ``TaxonomyError`` lists every problem (see above)."""
    v = _Validator(source)
    if not isinstance(data, Mapping):
        v.add(
            f"the top level must be a mapping with name and categories, got {kind(data)}"
            if data is not None
            else "the file is empty; it needs name and categories"
        )
        _raise_problems(v.problems, source)
    v.check_keys(data, _TOP_FIELDS)
    name = v.text(data, "name", required=True, what="taxonomy name (e.g. name: my-taxonomy)")
    version = v.version(data)
    description = v.text(data, "description", required=False) or ""
    langs = v.languages(data)
    categories = v.categories(data, langs)
    v.problems += [Problem(problem, source, None, category, "aliases")
                   for problem, category in former_path_problems(categories)]
    teams = v.teams(data, langs)
    if v.problems:
        _raise_problems(v.problems, source)
    return Definition(name, version, langs, description, categories, teams)  # type: ignore[arg-type]


def _category_label(raw: Mapping, where: str, is_child: bool) -> str:
    """How problems name a category: its path when its id is usable, else its position."""
    cat_id = raw.get("id")
    if isinstance(cat_id, str) and cat_id.strip():
        return f"{where.rsplit('/', 1)[0]}/{cat_id}" if is_child else cat_id
    return where


class _Validator:
    """Collects every problem of a taxonomy definition instead of stopping at the first."""

    def __init__(self, source: str | None):
        self.source = source
        self.problems: list[Problem] = []

    def add(self, message: str, *, line=None, category=None, field=None) -> None:
        self.problems.append(Problem(message, self.source, line, category, field))

    def check_keys(self, mapping: Mapping, allowed: Sequence[str], *, category=None) -> None:
        self.duplicates(mapping, category=category)
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

    def duplicates(self, mapping: Mapping, *, category=None, prefix: str = "") -> None:
        for key, line in getattr(mapping, "duplicate_keys", []):
            self.add(f"'{key}' is given twice; keep one", line=line, category=category, field=f"{prefix}{key}")

    def text(self, mapping: Mapping, key: str, *, required: bool, category=None, what=None,
             field: str | None = None) -> str | None:
        value = mapping.get(key)
        if value is None:
            if required:
                self.add(f"missing {what or key}", line=_line_of(mapping), category=category, field=field or key)
            return None
        if not isinstance(value, str) or not value.strip():
            got = "empty text" if isinstance(value, str) else f"{kind(value)} {shown(value)}"
            hint = "" if isinstance(value, str) else "; put it in quotes if YAML reads it as a number or yes/no"
            self.add(
                f"must be non-empty text, got {got}{hint}",
                line=_line_of(mapping, key),
                category=category,
                field=field or key,  # (a name's field is 'names.en', not 'en')
            )
            return None
        return " ".join(_CONTROL_RE.sub(" ", value).split())

    # ---- top level

    def version(self, data: Mapping) -> Any:
        version = data.get("version", 1)
        if not isinstance(version, (int, str)) or isinstance(version, bool):
            self.add(
                f"version must be a number or text, got {kind(version)}",
                line=_line_of(data, "version"),
                field="version",
            )
        return version

    def teams(self, data: Mapping, langs: tuple[str, ...]) -> dict[str, dict[str, str]]:
        """``teams: {Logistics: {ru: Логистика}}``: owner teams' names per language (optional)."""
        value = data.get("teams") or {}
        where = dict(line=_line_of(data, "teams"), field="teams")
        if not isinstance(value, Mapping):
            self.add("must map each owner team to its names, e.g. {Logistics: {ru: Логистика}}", **where)
            return {}
        teams: dict[str, dict[str, str]] = {}
        for team, names in value.items():
            if not isinstance(names, Mapping) or not all(
                    isinstance(k, str) and isinstance(n, str) and n.strip() for k, n in names.items()):
                self.add(f"team '{team}': give its names as {{language: name}}, e.g. {{ru: Логистика}}", **where)
                continue
            unknown = [k for k in names if k not in langs]
            if unknown:
                self.add(f"team '{team}': '{unknown[0]}' is not one of the languages ({', '.join(langs)})", **where)
                continue
            teams[str(team)] = {k: " ".join(n.split()) for k, n in names.items()}
        return teams

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

    def categories(self, data: Mapping, langs: tuple[str, ...]) -> list[Category]:
        raw_cats = data.get("categories")
        if raw_cats is None or raw_cats == []:
            self.add(
                "the taxonomy has no categories; add a 'categories:' list",
                line=_line_of(data, "categories") or _line_of(data),
                field="categories",
            )
            return []
        if not isinstance(raw_cats, list):
            self.add(
                f"categories must be a list, got {kind(raw_cats)}: start each category with '- ' (- id: ...)",
                line=_line_of(data, "categories"),
                field="categories",
            )
            return []
        at = _line_of(data, "categories")  # (a text in the list has no line of its own)
        built = [self.category(raw, f"categories[{i}]", langs, is_child=False, line=at) for i, raw in enumerate(raw_cats)]
        self.unique(raw_cats, parent=None)
        return [c for c in built if c is not None]

    # ---- one category

    def category(self, raw: Any, where: str, langs: tuple[str, ...], *, is_child: bool, line=None) -> Category | None:
        """The category, or None when it has a problem (``validate_definition`` then raises them all)."""
        if not isinstance(raw, Mapping):
            self.add(
                f"each category must be a mapping with id, names, ...; got {kind(raw)} {shown(raw)} (under the list "
                f"that starts here: write '- id: ...' and its names on the lines below)", category=where, line=line,
            )
            return None
        before = len(self.problems)
        label = _category_label(raw, where, is_child)
        self.check_keys(raw, _CATEGORY_FIELDS, category=label)
        self.category_id(raw, label)
        names = self.names(raw, label, langs)
        description = self.text(raw, "description", required=False, category=label) or ""
        owner = self.text(raw, "owner", required=False, category=label)
        keywords = self.keywords(raw, label, langs)
        aliases = self.aliases(raw, label)
        children = self.children(raw, label, langs, is_child=is_child)
        if len(self.problems) > before:
            return None
        return Category(
            id=raw["id"],
            names=MappingProxyType(names),
            description=description,
            owner=owner,
            keywords=MappingProxyType(keywords),
            aliases=aliases,
            children=tuple(children),
        )

    def category_id(self, raw: Mapping, label: str) -> None:
        cat_id = raw.get("id")
        if cat_id is None:
            self.add("missing id", line=_line_of(raw), category=label, field="id")
        elif not isinstance(cat_id, str):
            self.add(
                f"id must be text, got {kind(cat_id)} {shown(cat_id)}; quote it",
                line=_line_of(raw, "id"),
                category=label,
                field="id",
            )
        elif not _ID_RE.match(cat_id):
            self.add(
                f"id '{cat_id}' must be lowercase letters, digits and single underscores "
                f"(e.g. '{slugify(cat_id)}')",
                line=_line_of(raw, "id"),
                category=label,
                field="id",
            )

    def names(self, raw: Mapping, label: str, langs: tuple[str, ...]) -> dict[str, str]:
        """One display name per language of the taxonomy, and none in another."""
        raw_names = raw.get("names")
        if raw_names is None:
            self.add(
                f"missing names (give one per language: {', '.join(langs)})",
                line=_line_of(raw),
                category=label,
                field="names",
            )
            return {}
        if not isinstance(raw_names, Mapping):
            self.add(
                f"names must be a mapping of language to name, e.g. {{{langs[0]}: ...}}; "
                f"got {kind(raw_names)}",
                line=_line_of(raw, "names"),
                category=label,
                field="names",
            )
            return {}
        self.duplicates(raw_names, category=label, prefix="names.")
        for lang in raw_names:
            if lang not in langs:
                self.add(
                    f"language '{lang}' is not in the taxonomy's languages [{', '.join(langs)}]; "
                    "add it there or remove this name",
                    line=_line_of(raw_names, lang),
                    category=label,
                    field=f"names.{lang}",
                )
        names: dict[str, str] = {}
        for lang in langs:
            name = self.name(raw, raw_names, lang, label)
            if name is not None:
                names[lang] = name
        return names

    def name(self, raw: Mapping, raw_names: Mapping, lang: str, label: str) -> str | None:
        if lang not in raw_names:
            self.add(f"missing name in '{lang}'", line=_line_of(raw, "names"), category=label, field=f"names.{lang}")
            return None
        name = self.text(raw_names, lang, required=True, category=label, field=f"names.{lang}")
        if name is not None and (LABEL_SEPARATOR in name or PATH_SEPARATOR in name):
            self.add(
                f"name '{name}' must not contain '{LABEL_SEPARATOR}' or '{PATH_SEPARATOR}' "
                "(they separate labels in data files)",
                line=_line_of(raw_names, lang),
                category=label,
                field=f"names.{lang}",
            )
            return None
        return name

    def keywords(self, raw: Mapping, label: str, langs: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
        """Keywords per language of the taxonomy, each once (case and spacing aside)."""
        raw_kw = raw.get("keywords")
        if raw_kw is None:
            return {}
        if not isinstance(raw_kw, Mapping):
            self.add(
                f"keywords must be a mapping of language to a list of words, e.g. "
                f"{{{langs[0]}: [word, phrase]}}; got {kind(raw_kw)}",
                line=_line_of(raw, "keywords"),
                category=label,
                field="keywords",
            )
            return {}
        keywords: dict[str, tuple[str, ...]] = {}
        for lang, words in raw_kw.items():
            problem = None
            if lang not in langs:
                problem = f"language '{lang}' is not in the taxonomy's languages [{', '.join(langs)}]"
            elif words is not None and (
                not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words)
            ):
                problem = "must be a list of non-empty texts (quote numbers and yes/no)"
            if problem:
                self.add(problem, line=_line_of(raw_kw, lang), category=label, field=f"keywords.{lang}")
                continue
            seen: dict[str, str] = {}
            for word in words or []:
                seen.setdefault(" ".join(word.split()).casefold(), " ".join(word.split()))
            keywords[lang] = tuple(seen.values())
        return keywords

    def aliases(self, raw: Mapping, label: str) -> tuple[str, ...]:
        """Former names (a renamed category's old label cells keep parsing)."""
        words = raw.get("aliases") or []
        if not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words):
            self.add("aliases must be a list of names, e.g. [Service]", line=_line_of(raw, "aliases"),
                     category=label, field="aliases")
            return ()
        return tuple(dict.fromkeys(" ".join(w.split()) for w in words))

    def children(self, raw: Mapping, label: str, langs: tuple[str, ...], *, is_child: bool) -> list[Category]:
        raw_children = raw.get("children")
        if raw_children is None:
            return []
        if is_child or not isinstance(raw_children, list):
            self.add(
                "a child category cannot have children: taxonomies have two levels"
                if is_child
                else f"children must be a list, got {kind(raw_children)}: start each child with '- ' (- id: ...)",
                line=_line_of(raw, "children"),
                category=label,
                field="children",
            )
            return []
        at = _line_of(raw, "children")
        built = [self.category(child, f"{label}/children[{i}]", langs, is_child=True, line=at)
                 for i, child in enumerate(raw_children)]
        self.unique(raw_children, parent=label)
        return [c for c in built if c is not None]

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
            ) + [a for a in (raw.get("aliases") or []) if isinstance(a, str)]
            for text in dict.fromkeys(texts):
                key = match_key(text)
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
