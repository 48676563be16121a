"""Inferring a taxonomy from the label cells of a labelled data file, for users who have none.

>>> infer_taxonomy(["Price; Delivery > Late courier"]).labels
[('delivery', None), ('delivery', 'late_courier'), ('price', None)]
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from feedback_classifier.errors import InputWarning, LabelError, TaxonomyError, warn
from feedback_classifier.lang import LANGUAGES
from feedback_classifier.lang.freetext import SENTENCE_WORDS, free_text
from feedback_classifier.taxonomy.category import DEFAULT_OWNER
from feedback_classifier.taxonomy.labels import (
    OPINION_RE,
    PATH_SEPARATOR,
    WRONG_SEPARATORS,
    cell_items,
    is_missing,
    match_key,
    opinion_message,
    shown_label,
    slugify,
)
from feedback_classifier.taxonomy.taxonomy import Taxonomy

__all__ = ["infer_taxonomy"]

# Spellings of each name, keyed by its matching key: {parent: Counter}, {parent: {child: Counter}}.
_Spellings = tuple[dict[str, Counter], dict[str, dict[str, Counter]]]


def infer_taxonomy(
    cells: Iterable[Any],
    name: str = "inferred",
    *,
    languages: Sequence[str] = LANGUAGES,
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
    if isinstance(cells, str):  # its characters were read as cells: "Malformed label '>' in row 5"
        raise TypeError(f"infer_taxonomy takes a list or column of label cells, not one string: pass [{cells!r}].")
    cells = list(cells)  # read twice: once for the names, once for labels joined by a wrong separator
    parents, children = _count_spellings(cells, column, source, first_row)
    if not parents:
        where = f" in column '{column}'" if column else ""
        raise TaxonomyError(
            f"No labels found{where}{' of ' + source if source else ''}: every cell is empty. "
            "Pick the column that holds labels like 'Parent > Child; Parent'."
        )
    _refuse_free_text(parents, children, column, source)
    langs = list(languages)
    taxonomy = Taxonomy.from_dict(
        {"name": name, "version": 1, "languages": langs, "categories": _categories(parents, children, langs, owner)},
        source=source,
    )
    _warn_joined(taxonomy, cells, column, source, first_row)
    return taxonomy


def _warn_joined(taxonomy: Taxonomy, cells: list, column: str | None, source: str | None, first_row: int) -> None:
    """An ``InputWarning`` for label items that are other categories of the file joined by ',', '|'...
    ('Cards, Fees'): with a given taxonomy such a cell is an error, inferred it silently became a
    category of its own, with the one comment as its only example."""
    found = [(row, item.strip()) for row, cell in enumerate(cells, start=first_row) if not is_missing(cell)
             for item in cell_items(cell) if any(sep in item for sep in WRONG_SEPARATORS)
             and taxonomy._joined_by(item.strip()) is not None]
    if not found:
        return
    row, item = found[0]
    sep = taxonomy._joined_by(item)
    where = f" in '{column}'" if column else ""
    labels = f"{len(found):,} labels{where} are" if len(found) > 1 else f"1 label{where} is"
    warn(InputWarning(
        f"{source or 'labels'}: {labels} other categories joined by '{sep}' (first: row {row}, {item!r}), each "
        f"inferred as a category of its own; separate labels with ';' "
        f"(e.g. '{'; '.join(p.strip() for p in item.split(sep))}')."))


def _refuse_free_text(parents: dict[str, Counter], children: dict[str, dict[str, Counter]],
                      column: str | None, source: str | None) -> None:
    """A ``TaxonomyError`` when most label names are sentences: the comment column given as the labels
    one trained a model on every comment as a category of its own (331 of them, after minutes), and
    wrote the comments, phone numbers and all, into the model file as category names."""
    names = [n for counter in parents.values() for n in counter]
    names += [n for kids in children.values() for counter in kids.values() for n in counter]
    sentences = free_text(names)
    if not sentences:
        return
    where = f"Column '{column}'" if column else "The label column"
    raise TaxonomyError(
        f"{where}{' of ' + source if source else ''} holds sentences, not labels: {len(sentences):,} of "
        f"{len(set(names)):,} distinct labels are {SENTENCE_WORDS} words or more or end a sentence (e.g. "
        f"'{shown_label(sentences[0])}'). Is it the comment column? Give the column of labels like "
        "'Parent > Child; Parent' as the labels column, the comments as the text column.")


def _count_spellings(cells: Iterable[Any], column: str | None, source: str | None, first_row: int) -> _Spellings:
    parents: dict[str, Counter] = {}
    children: dict[str, dict[str, Counter]] = {}
    for row, cell in enumerate(cells, start=first_row):
        if is_missing(cell):
            continue
        for item in cell_items(cell):
            if not item.strip():
                continue
            opinion = OPINION_RE.fullmatch(item.strip())
            if opinion is not None:  # else "courier=negative" became a category of its own, without a word
                raise _located(opinion_message(item.strip(), " in " + _where(row, column, source),
                                               opinion.group(1).strip()), item.strip(), row, column)
            parts = [" ".join(p.split()) for p in item.split(PATH_SEPARATOR)]
            if len(parts) > 2 or not parts[0]:
                raise _malformed(item.strip(), row, column, source)
            pkey = match_key(parts[0])
            parents.setdefault(pkey, Counter())[parts[0]] += 1
            kids = children.setdefault(pkey, {})
            if len(parts) == 2 and parts[1]:
                kids.setdefault(match_key(parts[1]), Counter())[parts[1]] += 1
    return parents, children


def _malformed(label: str, row: int, column: str | None, source: str | None) -> LabelError:
    return _located(f"Malformed label '{label}' in {_where(row, column, source)}: write 'Parent > Child' or "
                    "'Parent' (two levels, parent first).", label, row, column)


def _where(row: int, column: str | None, source: str | None) -> str:
    return ", ".join(
        x for x in (f"row {row}", f"column '{column}'" if column else "", f"of {source}" if source else "") if x
    )


def _located(message: str, label: str, row: int, column: str | None) -> LabelError:
    error = LabelError(message)
    error.row, error.column, error.label = row, column, label  # type: ignore[attr-defined]
    return error


def _categories(parents: dict[str, Counter], children: dict[str, dict[str, Counter]],
                langs: list[str], owner: str) -> list[dict[str, Any]]:
    """The ``categories`` of a definition: every name in every language, owner on parents."""
    parent_keys, parent_names = _named(parents)
    parent_ids = _unique_ids(parent_keys, parent_names)
    categories = []
    for pkey in parent_keys:
        kid_keys, kid_names = _named(children[pkey])
        kid_ids = _unique_ids(kid_keys, kid_names)
        category: dict[str, Any] = {
            "id": parent_ids[pkey],
            "names": {lang: parent_names[pkey] for lang in langs},
            "owner": owner,
        }
        if kid_keys:
            category["children"] = [
                {"id": kid_ids[k], "names": {lang: kid_names[k] for lang in langs}} for k in kid_keys
            ]
        categories.append(category)
    return categories


def _named(spellings: dict[str, Counter]) -> tuple[list[str], dict[str, str]]:
    """The keys in name order (not row order, which must not matter) and each one's name."""
    # Most common spelling; ties go to the code-point-smallest (capitalised sorts first),
    # not to the first seen, so the result does not depend on row order.
    names = {key: min(counter, key=lambda s: (-counter[s], s)) for key, counter in spellings.items()}
    return sorted(names, key=lambda k: (k, names[k])), names


def _unique_ids(keys: list[str], names: dict[str, str]) -> dict[str, str]:
    """Slugified ids, numbered from ``_2`` where two names slugify alike."""
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
