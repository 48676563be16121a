"""Sentiment cells (``Price=negative; Service > Staff=positive``) read into opinions."""

from __future__ import annotations

POLARITIES = ("negative", "neutral", "positive")
#: ``conflict`` in a training or gold cell is read as two opinions, one positive and one negative.
CONFLICT = "conflict"


def parse_opinions(taxonomy, cell, *, row=None, column: str | None = None, source: str | None = None) -> list:
    """``[(label, polarity), ...]`` of a sentiment cell such as ``Price=negative; Service > Staff=positive``.

    Every opinion is kept, in order, even the same category twice with different polarities;
    ``conflict`` becomes two opinions, one positive and one negative. An unknown category or
    polarity raises ``LabelError`` naming the row, column and fix.

    >>> from feedback_classifier.taxonomy import load_taxonomy
    >>> parse_opinions(load_taxonomy("cx-default"), "Price=negative; Service > Staff politeness=conflict")
    [(('price', None), 'negative'), (('service', 'staff_politeness'), 'positive'), (('service', 'staff_politeness'), 'negative')]
    """
    from feedback_classifier.errors import LabelError
    from feedback_classifier.taxonomy.labels import WRONG_SEPARATORS, cell_items, is_missing

    if is_missing(cell):
        return []
    out = []
    for item in cell_items(cell):
        item = item.strip()
        if not item:
            continue
        path, eq, polarity = item.rpartition("=")
        polarity = polarity.strip().lower()
        if not eq or polarity not in POLARITIES + (CONFLICT,):
            raise LabelError(_polarity_error(item, polarity if eq else None, row, column, source))
        if not path.strip():
            raise LabelError(f"{_where(item, row, column, source)} names no category before '=': "
                             "write 'Category=positive'.")
        if "=" in path:  # two opinions glued by something other than ';' ("A=positive, B=negative", "；")
            glue = next((sep for sep in WRONG_SEPARATORS if sep in path), None)
            raise LabelError(f"{_where(item, row, column, source)} holds more than one opinion: separate them with "
                             f"';'" + (f", not '{glue}'." if glue else "."))
        label = taxonomy.parse_label(path.strip(), row=row, column=column, source=source)
        if polarity == CONFLICT:
            out += [(label, "positive"), (label, "negative")]
        else:
            out.append((label, polarity))
    return out


def _polarity_error(item: str, polarity: str | None, row, column, source) -> str:
    """What is wrong with an opinion's polarity (``None``: it has no ``=``), and the closest one.

    >>> _polarity_error("Price=neg", "neg", 2, "polarities", None)
    "Opinion 'Price=neg' in row 2, column 'polarities': 'neg' is not a polarity: did you mean 'negative'? Write one of negative, neutral, positive, conflict."
    """
    import difflib

    known = POLARITIES + (CONFLICT,)
    choices = ", ".join(known)
    if not polarity:
        return f"{_where(item, row, column, source)} needs a polarity: write 'Category=positive' (one of {choices})."
    bare = polarity.strip(".!,; ")
    guess = ([_SYNONYMS[bare]] if bare in _SYNONYMS else [k for k in known if bare and k.startswith(bare[:3])]
             or difflib.get_close_matches(bare, known, 1))
    hint = f": did you mean '{guess[0]}'?" if guess else "."
    return f"{_where(item, row, column, source)}: '{polarity}' is not a polarity{hint} Write one of {choices}."


# words people write for a polarity, to the one they mean
_SYNONYMS = {"mixed": CONFLICT, "good": "positive", "bad": "negative", "praise": "positive",
             "complaint": "negative", "pos": "positive", "neg": "negative", "neu": "neutral"}


def _where(item: str, row, column: str | None, source: str | None) -> str:
    """An opinion as an error names it: its file, the opinion, its row and column (when known)."""
    return ((f"{source}: " if source else "") + f"Opinion {item!r}" + (f" in row {row}" if row is not None else "")
            + (f", column {column!r}" if column else ""))
