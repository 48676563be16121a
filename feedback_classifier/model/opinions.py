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
    from feedback_classifier.taxonomy.labels import cell_items, is_missing

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
            raise LabelError(f"{_where(item, row, column, source)} needs a polarity: write 'Category=positive' "
                             f"(one of {', '.join(POLARITIES + (CONFLICT,))}).")
        if not path.strip():
            raise LabelError(f"{_where(item, row, column, source)} names no category before '=': "
                             "write 'Category=positive'.")
        label = taxonomy.parse_label(path.strip(), row=row, column=column, source=source)
        if polarity == CONFLICT:
            out += [(label, "positive"), (label, "negative")]
        else:
            out.append((label, polarity))
    return out


def _where(item: str, row, column: str | None, source: str | None) -> str:
    """An opinion as an error names it: its file, the opinion, its row and column (when known)."""
    return ((f"{source}: " if source else "") + f"Opinion {item!r}" + (f" in row {row}" if row is not None else "")
            + (f", column {column!r}" if column else ""))
