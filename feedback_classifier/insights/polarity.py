"""Complaints and praise: the categories of each comment with a given polarity.

Reads the ``category_sentiment`` column ``classify`` writes (``Delivery > Courier=negative;
Price=positive``), so drivers and routing can work on complaints alone or praise alone.
"""

from __future__ import annotations

import pandas as pd

from feedback_classifier.errors import InputFileError, LabelError

POLARITY_CHOICES = ("negative", "positive", "neutral")
CATEGORY_SENTIMENT = "category_sentiment"


def check_polarity(polarity: str) -> str:
    """``polarity`` once it is one of ``POLARITY_CHOICES``; else the one-line ``InputFileError``
    the other settings give (it was a plain ValueError).

    >>> check_polarity("neg")
    Traceback (most recent call last):
    ...
    feedback_classifier.errors.InputFileError: --polarity must be one of negative, positive, neutral, got 'neg'.
    """
    if polarity not in POLARITY_CHOICES:
        raise InputFileError(f"--polarity must be one of {', '.join(POLARITY_CHOICES)}, got {polarity!r}.")
    return polarity


def categories_with_polarity(cells: pd.Series, polarity: str, *, column: str = CATEGORY_SENTIMENT,
                             source: str | None = None) -> pd.Series:
    """Per row, the categories judged ``polarity`` (``; ``-joined, in their order; empty when none).

    >>> s = pd.Series(["Delivery > Courier=negative; Price=positive", "", None, "Price=negative"])
    >>> categories_with_polarity(s, "negative").tolist()
    ['Delivery > Courier', '', '', 'Price']
    """
    check_polarity(polarity)
    codes, uniques = pd.factorize(cells.astype(object).where(cells.notna(), ""))
    kept = [_kept(cell, polarity, column, source, cells, codes, k) for k, cell in enumerate(uniques)]
    lookup = pd.array(kept + [""], dtype="str")
    return pd.Series(lookup[codes], index=cells.index, name=cells.name)


def _kept(cell: str, polarity: str, column: str, source: str | None, cells, codes, k: int) -> str:
    out = []
    for item in str(cell).split(";"):
        item = item.strip()
        if not item:
            continue
        name, eq, pol = item.rpartition("=")
        if not eq or pol.strip() not in POLARITY_CHOICES:
            row = int((codes == k).argmax()) + 1
            where = f"{source}: " if source else ""
            raise LabelError(
                f"{where}row {row}, column {column!r}: {item!r} is not 'Category=polarity' "
                f"(polarity one of {', '.join(POLARITY_CHOICES)}); re-run classify to rebuild the column."
            )
        if pol.strip() == polarity:
            out.append(name.strip())
    return "; ".join(out)


def complaint_labels(cells: pd.Series, taxonomy, *, source: str | None = None) -> list[frozenset]:
    """Per row, the taxonomy labels judged ``negative`` (complaints), read in any language.

    >>> from feedback_classifier.taxonomy import load_taxonomy
    >>> complaint_labels(pd.Series(["Price and value=negative; Service=positive", None]), load_taxonomy("cx-default"))
    [frozenset({('price', None)}), frozenset()]
    """
    names = categories_with_polarity(cells, "negative", source=source)
    cache: dict[str, frozenset] = {}
    out = []
    for i, cell in enumerate(names.tolist()):
        labels = cache.get(cell)
        if labels is None:
            labels = cache[cell] = frozenset(
                taxonomy.parse_label(n.strip(), row=i + 1, column=CATEGORY_SENTIMENT, source=source)
                for n in cell.split(";") if n.strip()
            )
        out.append(labels)
    return out


def add_polarity_counts(table: pd.DataFrame, cells: pd.Series, *, taxonomy=None, source: str | None = None) -> pd.DataFrame:
    """``table`` (a drivers table: ``level``, ``category``) with ``complaints`` and ``praise``:
    the rows whose mention of the category was judged negative / positive (a parent counts a
    row once, whichever of its children were judged so).

    >>> t = pd.DataFrame({"level": ["parent", "category"], "category": ["Price", "Delivery > Courier"]})
    >>> s = pd.Series(["Price=negative; Delivery > Courier=positive", "Price=positive", "Price=negative"])
    >>> add_polarity_counts(t, s)[["category", "complaints", "praise"]].values.tolist()
    [['Price', 2, 1], ['Delivery > Courier', 0, 1]]
    """
    tally = PolarityTally(taxonomy=taxonomy, source=source)
    tally.add(cells)
    return tally.apply(table)


class PolarityTally:
    """Complaints and praise per category, counted chunk by chunk (``analyze`` streams them)."""

    COLUMNS = {"complaints": "negative", "praise": "positive"}

    def __init__(self, *, taxonomy=None, source: str | None = None):
        from collections import Counter

        self.taxonomy = taxonomy
        self.source = source
        self.counts = {column: Counter() for column in self.COLUMNS}
        self.seen = False

    def add(self, cells: pd.Series) -> None:
        """Count one chunk of a ``category_sentiment`` column."""
        import numpy as np

        from feedback_classifier.insights.matrix import category_matrix

        self.seen = True
        for column, polarity in self.COLUMNS.items():
            names = categories_with_polarity(cells, polarity, source=self.source)
            m = category_matrix(names, taxonomy=self.taxonomy, column=CATEGORY_SENTIMENT, source=self.source)
            rows_per_cell = np.bincount(m.row_cells, minlength=m.member.shape[0])
            totals = np.asarray(m.member.T @ rows_per_cell).ravel()
            for level, name, count in zip(m.levels, m.names, totals):
                self.counts[column][(level, name)] += int(count)

    def by_label(self) -> dict:
        """``{taxonomy label: (complaints, praise)}`` of every category counted (needs the
        ``taxonomy``); a parent counts a row once, whichever of its children were judged so.

        >>> from feedback_classifier.taxonomy import load_taxonomy
        >>> tally = PolarityTally(taxonomy=load_taxonomy("cx-default"))
        >>> tally.add(pd.Series(["Delivery > Courier=negative; Price=positive", "Delivery > Courier=negative"]))
        >>> counts = tally.by_label()
        >>> counts[("delivery", None)], counts[("delivery", "courier")], counts[("price", None)]
        ((2, 0), (2, 0), (0, 1))
        """
        out: dict = {}
        for k, counts in enumerate(self.counts.values()):
            for (level, name), n in counts.items():
                label = self.taxonomy.parse_label(name)
                if level == "category" and label[1] is None:
                    continue  # "the parent without any child": the parent's own row counts it
                out.setdefault(label, [0, 0])[k] += n
        return {label: tuple(pair) for label, pair in out.items()}

    def apply(self, table: pd.DataFrame) -> pd.DataFrame:
        """``table`` with a ``complaints`` and a ``praise`` column."""
        out = table.copy()
        for column, counts in self.counts.items():
            out[column] = [counts.get((lv, name), 0) for lv, name in zip(out["level"], out["category"])]
        return out
