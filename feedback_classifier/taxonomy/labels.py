"""Labels and the text of label cells: the ``Label`` type, separators and matching keys.

A category is identified by its path: ``("service", "support_communication")``, or
``("price", None)`` for a parent alone. The same child id (``quality``) may recur under
several parents.

In label cells of data files, paths are separated by ``;`` and a parent from its child
by ``>``: ``Service > Support communication; Price``. Ids and display names in any
language are accepted, case-, whitespace- and ``ё``/``е``-insensitive, and ids match
with ``_``, ``-`` or spaces (``support communication``).

>>> cell_items("Service > Support communication; Price")
['Service > Support communication', ' Price']
>>> match_key("Support-Communication") == match_key("support communication")
True
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from typing import Any

__all__ = ["Label", "LABEL_SEPARATOR", "OPINION_RE", "PATH_SEPARATOR", "WRONG_SEPARATORS", "cell_items", "deepest_labels", "is_missing", "label_location", "match_key",
           "opinion_message", "slugify"]

Label = tuple[str, str | None]
"""A category: ``(parent_id, child_id)``, or ``(parent_id, None)`` for a parent alone."""


def deepest_labels(labels: list) -> list:
    """The deepest of ``labels``: children, and parents none of whose children is among them (anything
    that is not a ``(parent, child)`` pair, such as a plain name, is kept).

    >>> deepest_labels([("a", None), ("a", "x"), ("b", None)])
    [('a', 'x'), ('b', None)]
    """
    with_child = {lab[0] for lab in labels if _is_pair(lab) and lab[1] is not None}
    return [lab for lab in labels if not (_is_pair(lab) and lab[1] is None and lab[0] in with_child)]


def _is_pair(label: Any) -> bool:
    return isinstance(label, tuple) and len(label) == 2


LABEL_SEPARATOR = ";"
PATH_SEPARATOR = ">"
#: What people separate labels (or opinions) with instead of ";", the full-width ones too: named in the
#: errors a cell glued with one of them gets.
WRONG_SEPARATORS = (",", "|", "/", "；", "，")

#: "Courier=negative": the opinion syntax of a sentiment column (--sentiment-col), named as such when a
#: cell of it lands in a label column.
OPINION_RE = re.compile(r"(.*\S)\s*=\s*(positive|negative|neutral|conflict)\s*", re.IGNORECASE)


def opinion_message(text: str, location: str, category: str) -> str:
    """The error for an opinion cell read as a label; ``location``: " in row 3, column 'codes'" or "".

    >>> opinion_message("price=negative", "", "Price and value")[:58]
    "Label 'price=negative' is an opinion (a category with its "
    """
    polarity = OPINION_RE.fullmatch(text).group(2)  # type: ignore[union-attr]
    return (f"Label '{text}'{location} is an opinion (a category with its polarity, '={polarity}'), as a "
            f"sentiment column writes them; this column takes categories alone, such as '{category}': give "
            "the column of categories here, and opinions to --sentiment-col.")


# Newlines separate labels too: Excel users often put one label per line in a cell.
_LABEL_SPLIT_RE = re.compile(r"[;\n\r]+")

_TRANSLIT = str.maketrans(
    {
        "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
        "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
        "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
        "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
        "я": "ya",
    }
)


def shown_label(label: str, limit: int = 60) -> str:
    """A bad label as an error message quotes it: personal data masked, a long cell cut (the comment
    column given as the labels one put whole comments, phone numbers and all, in the message).

    >>> shown_label("Service > Suport"), shown_label("Курьер нахамил, звоните мне +7 (912) 345-67-89")
    ('Service > Suport', 'Курьер нахамил, звоните мне [phone]')
    """
    from feedback_classifier.lang.pii import mask_pii

    label = mask_pii(label)
    return label if len(label) <= limit else label[: limit - 1] + "…"


def label_location(row: Any, column: str | None, source: str | None) -> str:
    """Where a label was read, for its error message.

    >>> label_location(3, "labels", "labels.csv"), label_location(None, None, None)
    (" in row 3, column 'labels' of labels.csv", '')
    """
    where = [f"row {row}"] * (row is not None) + [f"column '{column}'"] * (column is not None)
    where += [f"of {source}"] * (source is not None)
    return (" in " + ", ".join(where[:2]) + (" " + where[2] if len(where) > 2 else "")) if where else ""


def match_key(text: str) -> str:
    """Matching key: ids and names compare equal when they differ only in case, spacing,
    ``_``/``-``, ``ё``/``е`` or Unicode form.

    >>> match_key("  Ёмкость_ТАРЫ ")
    'емкость тары'
    """
    text = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")
    return " ".join(re.split(r"[\s_\-]+", text)).strip()


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


def is_missing(cell: Any) -> bool:
    """True for an empty cell: None, NaN, ``pandas.NA`` or ``NaT``.

    >>> is_missing(None), is_missing(float("nan")), is_missing(""), is_missing("Price")
    (True, True, False, False)
    """
    if cell is None:
        return True
    if isinstance(cell, float) and math.isnan(cell):
        return True
    # pandas.NA / NaT / numpy.nan without importing pandas here
    try:
        return bool(cell != cell)  # NaN-like values are not equal to themselves
    except (TypeError, ValueError):
        return type(cell).__name__ in ("NAType", "NaTType")


def cell_items(cell: Any) -> list[str]:
    """The label paths of a non-missing cell, unstripped and possibly blank.

    Text is split at ``;`` and newlines; a list of paths (from JSON/Parquet) is taken as is, and
    so is a JSON list written as text (a JSON Lines file's ``"labels": ["Price"]`` is read as text).

    >>> cell_items("Price;\\nDelivery > Courier")
    ['Price', 'Delivery > Courier']
    >>> cell_items(["Price", None]), cell_items('["Service > Staff", "Price"]')
    (['Price'], ['Service > Staff', 'Price'])
    """
    if isinstance(cell, (list, tuple)) or type(cell).__name__ == "ndarray":
        return [str(x) for x in cell if not is_missing(x)]
    text = str(cell)
    if text[:1] == "[" and text.rstrip()[-1:] == "]":
        try:
            items = json.loads(text)
        except ValueError:
            items = None
        if isinstance(items, list) and all(isinstance(x, str) or x is None for x in items):
            return [x for x in items if x is not None]
    return _LABEL_SPLIT_RE.split(text)
