"""Complaints and praise: the categories of each comment with a given polarity.

Reads the ``category_sentiment`` column ``classify`` writes (``Delivery > Courier=negative;
Price=positive``), so drivers and routing can work on complaints alone or praise alone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from feedback_classifier.errors import InputFileError, LabelError

POLARITY_CHOICES = ("negative", "positive", "neutral")
CATEGORY_SENTIMENT = "category_sentiment"
# the categories a row complains about, as drivers --polarity negative names its counted column
COMPLAINTS_COLUMN = "categories (negative)"


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
                             source: str | None = None, first_row: int = 1, row_numbers=None) -> pd.Series:
    """Per row, the categories judged ``polarity`` (``; ``-joined, in their order; empty when none).
    ``first_row``: the file's row number of the first cell (a chunk's), for error messages;
    ``row_numbers``: each cell's, when they are not consecutive (distinct cells).

    >>> s = pd.Series(["Delivery > Courier=negative; Price=positive", "", None, "Price=negative"])
    >>> categories_with_polarity(s, "negative").tolist()
    ['Delivery > Courier', '', '', 'Price']
    >>> categories_with_polarity(pd.Series(["Price = Negative"]), "negative").tolist()
    ['Price']
    """
    check_polarity(polarity)
    codes, uniques = pd.factorize(cells.astype(object).where(cells.notna(), ""))
    rows = np.arange(first_row, first_row + len(codes)) if row_numbers is None else np.asarray(row_numbers)
    kept = [_kept(cell, polarity, column, source, codes, k, rows) for k, cell in enumerate(uniques)]
    lookup = pd.array(kept + [""], dtype="str")
    return pd.Series(lookup[codes], index=cells.index, name=cells.name)


def _kept(cell: str, polarity: str, column: str, source: str | None, codes, k: int, rows: np.ndarray) -> str:
    out = []
    for item in str(cell).split(";"):
        item = item.strip()
        if not item:
            continue
        name, eq, pol = item.rpartition("=")
        pol = pol.strip().lower()  # "=Negative" typed by hand: the report's quotes read it, so must the counts
        if not eq or pol not in POLARITY_CHOICES:
            row = int(rows[int((codes == k).argmax())])
            where = f"{source}: " if source else ""
            error = LabelError(
                f"{where}row {row}, column {column!r}: {item!r} is not 'Category=polarity' "
                f"(polarity one of {', '.join(POLARITY_CHOICES)}); fix the cell, or re-run classify to rebuild the "
                "column."
            )
            error.row, error.column, error.polarity_cell = row, column, item  # type: ignore[attr-defined]
            raise error
        if pol == polarity:
            out.append(name.strip())
    return "; ".join(out)


def complaint_labels(cells: pd.Series, taxonomy, *, source: str | None = None, first_row: int = 1) -> list[frozenset]:
    """Per row, the taxonomy labels judged ``negative`` (complaints), read in any language;
    ``first_row`` as in :func:`categories_with_polarity`.

    >>> from feedback_classifier.taxonomy import load_taxonomy
    >>> complaint_labels(pd.Series(["Price and value=negative; Service=positive", None]), load_taxonomy("cx-default"))
    [frozenset({('price', None)}), frozenset()]
    """
    names = categories_with_polarity(cells, "negative", source=source, first_row=first_row)
    cache: dict[str, frozenset] = {}
    out = []
    for i, cell in enumerate(names.tolist()):
        labels = cache.get(cell)
        if labels is None:
            labels = cache[cell] = frozenset(
                taxonomy.parse_label(n.strip(), row=i + first_row, column=CATEGORY_SENTIMENT, source=source)
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
    """Complaints and praise per category, counted chunk by chunk (``analyze`` and ``drivers`` stream them).

    A chunk only counts its distinct cells (and keeps the first row of each); they are parsed once,
    when the counts are first asked for: an export repeats the same few thousand cells, and
    parsing them again in every chunk cost more than reading the file. A bad cell is an error
    then, naming its first row as on the whole column.

    >>> tally = PolarityTally()
    >>> tally.add(pd.Series(["Price=negative", "Price=positive"]))
    >>> tally.add(pd.Series(["Price=negative"]), first_row=3)
    >>> dict(tally.counts["complaints"]), dict(tally.counts["praise"])
    ({('parent', 'Price'): 2, ('category', 'Price'): 2}, {('parent', 'Price'): 1, ('category', 'Price'): 1})
    """

    COLUMNS = {"complaints": "negative", "praise": "positive"}

    def __init__(self, *, taxonomy=None, source: str | None = None):
        self.taxonomy = taxonomy
        self.source = source
        self.seen = False
        self._cells: dict = {}  # distinct cell -> [rows holding it, its first row]
        self._counts: dict | None = None

    def add(self, cells: pd.Series, first_row: int = 1) -> None:
        """Count one chunk of a ``category_sentiment`` column whose first cell is the file's row ``first_row``."""
        self.seen = True
        self._counts = None
        codes, uniques = pd.factorize(cells.astype(object).where(cells.notna(), ""))
        rows = np.bincount(codes, minlength=len(uniques))
        _, firsts = np.unique(codes, return_index=True)
        for cell, n, first in zip(uniques.tolist(), rows.tolist(), firsts.tolist()):
            have = self._cells.get(cell)
            if have is None:
                self._cells[cell] = [n, first_row + first]
            else:
                have[0] += n

    @property
    def counts(self) -> dict:
        """``{"complaints": Counter, "praise": Counter}`` of rows per ``(level, category)``."""
        if self._counts is None:
            self._counts = self._tally()
        return self._counts

    def _tally(self) -> dict:
        from collections import Counter

        from feedback_classifier.insights.matrix import category_matrix

        cells = pd.Series(list(self._cells), dtype=object)  # in the order of their first rows
        weights = np.array([n for n, _ in self._cells.values()], dtype=np.int64)
        firsts = np.array([first for _, first in self._cells.values()], dtype=np.int64)
        counts = {}
        for column, polarity in self.COLUMNS.items():
            names = categories_with_polarity(cells, polarity, source=self.source, row_numbers=firsts)
            m = category_matrix(names, taxonomy=self.taxonomy, column=CATEGORY_SENTIMENT, source=self.source,
                                row_numbers=firsts)
            rows_per_cell = np.bincount(m.row_cells, weights=weights, minlength=m.member.shape[0])
            totals = np.asarray(m.member.T @ rows_per_cell).ravel()
            counts[column] = Counter()
            for level, name, count in zip(m.levels, m.names, totals):
                counts[column][(level, name)] += int(round(count))
        return counts

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

    def apply(self, table: pd.DataFrame, taxonomy=None) -> pd.DataFrame:
        """``table`` with a ``complaints`` and a ``praise`` column. A category named otherwise in the table
        than in ``category_sentiment`` (categories given as ids, ``delivery > courier``, to ``classify
        --categories-col``, which names them in its own column) is matched through ``taxonomy`` (default
        the tally's): by name alone every count was 0.

        >>> from feedback_classifier.taxonomy import load_taxonomy
        >>> tally = PolarityTally()
        >>> tally.add(pd.Series(["Delivery and logistics > Courier=negative"]))
        >>> table = pd.DataFrame({"level": ["parent", "category"], "category": ["delivery", "delivery > courier"]})
        >>> tally.apply(table, load_taxonomy("cx-default"))["complaints"].tolist()
        [1, 1]
        """
        taxonomy = taxonomy if taxonomy is not None else self.taxonomy
        out = table.copy()
        for column, counts in self.counts.items():
            by_label = _keyed_by_label(counts, taxonomy)
            out[column] = [counts[(lv, name)] if (lv, name) in counts else by_label.get((lv, _label(taxonomy, name)), 0)
                           for lv, name in zip(out["level"], out["category"])]
        return out


def _label(taxonomy, name):
    """``name``'s taxonomy label, None when there is no taxonomy or it does not read the name."""
    if taxonomy is None or not isinstance(name, str):
        return None
    try:
        return taxonomy.parse_label(name)
    except (LabelError, ValueError):
        return None


def _keyed_by_label(counts, taxonomy) -> dict:
    keyed: dict = {}
    for (level, name), n in counts.items():
        label = _label(taxonomy, name)
        if label is not None:
            keyed[(level, label)] = keyed.get((level, label), 0) + n
    return keyed


def sentiment_column_for(categories_col: str, columns) -> str:
    """The polarity column that goes with ``categories_col``: its name with ``categories`` read as
    ``category_sentiment`` when the table has that column (``liked_categories`` ->
    ``liked_category_sentiment``: a survey's second open question, classified with its columns renamed
    so as not to be replaced), else ``category_sentiment``.

    >>> sentiment_column_for("liked_categories", ["liked_categories", "liked_category_sentiment", "category_sentiment"])
    'liked_category_sentiment'
    >>> sentiment_column_for("codes", ["codes", "category_sentiment"])
    'category_sentiment'
    """
    if categories_col != "categories" and "categories" in categories_col:
        paired = categories_col.replace("categories", CATEGORY_SENTIMENT, 1)
        if paired in set(columns):
            return paired
    return CATEGORY_SENTIMENT


def require_paired(categories: pd.Series, sentiments: pd.Series, *, source=None, first_row: int = 1) -> None:
    """An ``InputFileError`` when ``sentiments`` (a ``category_sentiment`` column) was not written for
    ``categories`` (another ``--categories-col``): a row has categories in one and none in the other.
    ``drivers --categories-col liked_categories --polarity positive`` had counted the praise of the
    file's other question, its categories unread, without a word.

    >>> codes = pd.Series(["Price", "", "Delivery"], name="codes")
    >>> require_paired(codes, pd.Series(["Price=negative", "", "Delivery=positive"], name="category_sentiment"))
    >>> require_paired(codes, pd.Series(["", "Price=negative", "Delivery=positive"], name="category_sentiment"))
    Traceback (most recent call last):
    ...
    feedback_classifier.errors.InputFileError: row 1 has categories in 'codes' ('Price') but none in 'category_sentiment' (2 such rows): the polarities were written for another categories column. Name the polarities classify wrote with 'codes' after them (liked_categories -> liked_category_sentiment), or leave out --polarity.
    """
    has = categories.fillna("").astype(str).str.strip() != ""
    judged = sentiments.fillna("").astype(str).str.strip() != ""
    odd = np.flatnonzero((has != judged).to_numpy())
    if not odd.size:
        return
    k = int(odd[0])
    full, empty = (categories, sentiments) if has.iloc[k] else (sentiments, categories)
    where = f"{source}: " if source else ""
    raise InputFileError(
        f"{where}row {first_row + k} has categories in {full.name!r} ({full.iloc[k]!r}) but none in {empty.name!r} "
        f"({odd.size} such row{'s' if odd.size != 1 else ''}): the polarities were written for another categories "
        f"column. Name the polarities classify wrote with {categories.name!r} after them (liked_categories -> "
        "liked_category_sentiment), or leave out --polarity.")
