"""The categories column as a label matrix: the one place that reads ``Parent > Child; ...`` cells.

Every statistic of the drivers works on this matrix, so how a cell is split, how a name is
matched (with a taxonomy: in any language or case; without one: the text before ``>`` is the
parent) and how often a parent counts (once per comment) is decided here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy import sparse

from feedback_classifier.errors import LabelError

LEVELS = ("parent", "category")


@dataclass
class CategoryMatrix:
    """Indicator matrix of a categories column, stored per distinct cell.

    ``member`` is a 0/1 sparse matrix (distinct cells x categories): row g says which
    categories cell g mentions; ``row_cells`` maps each table row to its distinct cell, so the
    full (rows x categories) matrix is ``member[row_cells]`` without ever being built.

    >>> m = category_matrix(["A > x; B", "B", "A > x; B"])
    >>> list(zip(m.names, m.levels)), m.row_cells.tolist()
    ([('A', 'parent'), ('B', 'parent'), ('A > x', 'category'), ('B', 'category')], [0, 1, 0])
    >>> m.member[m.row_cells].toarray().astype(int).tolist()
    [[1, 1, 1, 1], [0, 1, 0, 1], [1, 1, 1, 1]]
    """

    names: list[str]
    levels: list[str]
    parents: list[str]
    member: sparse.csr_matrix
    row_cells: np.ndarray

    def columns(self, level: str) -> np.ndarray:
        """Column numbers of one level (``parent`` or ``category``).

        >>> category_matrix(["A > x; B"]).columns("category").tolist()
        [2, 3]
        """
        return np.array([i for i, lv in enumerate(self.levels) if lv == level], dtype=np.int64)


@dataclass
class _Pieces:
    """Every distinct cell split into trimmed pieces; each distinct piece (item) is parsed once."""

    row_cells: np.ndarray  # distinct cell of each row; the last cell is "missing": no categories
    n_cells: int
    piece_cell: np.ndarray  # cell of each piece
    piece_item: np.ndarray  # item of each piece
    items: list[str]
    row_numbers: np.ndarray | None = None  # the file's row number of each row (a reduced table's rows)

    def first_row(self, item_index: int) -> int:
        """The first table row (from 1) holding an item, for error messages."""
        cell = self.piece_cell[np.flatnonzero(self.piece_item == item_index)[0]]
        position = int(np.flatnonzero(self.row_cells == cell)[0])
        return position + 1 if self.row_numbers is None else int(self.row_numbers[position])


@dataclass
class _Columns:
    """The matrix columns and, per item, its parent column and path column (-1: empty piece)."""

    names: list[str]
    levels: list[str]
    parents: list[str]
    item_parent: np.ndarray
    item_path: np.ndarray


def _as_cells(values: pd.Series) -> pd.Series:
    """List-valued cells (Parquet/JSONL) become ``; ``-joined strings so they can be factorised."""
    if values.dtype == object:
        sample = values.dropna().head(50)
        if any(isinstance(v, (list, tuple, np.ndarray)) for v in sample):
            return values.map(
                lambda v: "; ".join(str(x) for x in v) if isinstance(v, (list, tuple, np.ndarray)) else v
            )
    return values


def _split(series: pd.Series) -> _Pieces:
    """Split every distinct cell at once (Arrow), so a million rows cost their distinct cells."""
    codes, uniques = pd.factorize(_as_cells(series), use_na_sentinel=True)
    n_cells = len(uniques) + 1
    codes = np.where(codes < 0, n_cells - 1, codes).astype(np.int64)
    texts = pa.array([str(u) for u in uniques], type=pa.string())
    pieces = pc.split_pattern_regex(texts, r"[;\n\r]+")
    encoded = pc.utf8_trim_whitespace(pc.list_flatten(pieces)).dictionary_encode()
    return _Pieces(
        row_cells=codes,
        n_cells=n_cells,
        piece_cell=np.asarray(pc.list_parent_indices(pieces), dtype=np.int64),
        piece_item=np.asarray(encoded.indices, dtype=np.int64),
        items=encoded.dictionary.to_pylist(),
    )


def _taxonomy_columns(taxonomy: Any, items: list[str], first_row: Callable[[int], int], column: str,
                      source: str | None) -> _Columns:
    """Every category of the taxonomy is a column (also those nobody mentioned); names are
    matched in any of its languages."""
    if isinstance(taxonomy, str) or hasattr(taxonomy, "__fspath__"):
        from feedback_classifier.taxonomy import load_taxonomy

        taxonomy = load_taxonomy(taxonomy)
    labels = list(taxonomy.labels)
    parent_labels = [lb for lb in labels if lb[1] is None]
    names = [taxonomy.display_name(lb) for lb in parent_labels]
    levels = ["parent"] * len(parent_labels)
    parents = list(names)
    parent_col = {lb[0]: i for i, lb in enumerate(parent_labels)}
    path_col = {}
    for lb in labels:
        path_col[tuple(lb)] = len(names)
        names.append(taxonomy.display_name(lb))
        levels.append("category")
        parents.append(taxonomy.display_name((lb[0], None)))
    item_parent = np.full(len(items), -1, dtype=np.int64)
    item_path = np.full(len(items), -1, dtype=np.int64)
    for i, item in enumerate(items):
        if not item:
            continue
        try:
            lb = taxonomy.parse_label(item, column=column, source=source)
        except LabelError:
            # parse again only to name the row: finding it costs a scan, worth it on failure alone
            try:
                taxonomy.parse_label(item, row=first_row(i), column=column, source=source)
            except LabelError as error:
                from feedback_classifier.taxonomy.history import naming_other_unknowns

                later = ((items[j], lambda j=j: first_row(j)) for j in range(i + 1, len(items)) if items[j])
                raise naming_other_unknowns(error, taxonomy, later) from None
        item_parent[i] = parent_col[lb[0]]
        item_path[i] = path_col[tuple(lb)]
    return _Columns(names, levels, parents, item_parent, item_path)


def _free_columns(items: list[str], first_row: Callable[[int], int], column: str, source: str | None) -> _Columns:
    """Without a taxonomy the parent is the text before ``>``; names match ignoring case and
    spacing, shown as first written."""
    parent_keys: dict[str, int] = {}
    parent_names: list[str] = []
    path_keys: dict[tuple[str, str], int] = {}
    path_names: list[str] = []
    path_parent: list[int] = []
    item_parent = np.full(len(items), -1, dtype=np.int64)
    item_path = np.full(len(items), -1, dtype=np.int64)
    for i, item in enumerate(items):
        if not item:
            continue
        head, _, tail = item.partition(">")
        parent = " ".join(head.split())
        child = " ".join(tail.split())
        if not parent:
            where = f" of {source}" if source else ""
            raise LabelError(
                f"Malformed category '{item}' in row {first_row(i)}, column '{column}'{where}: "
                "nothing before '>'. Write 'Parent > Child' or 'Parent', separated by ';'."
            )
        pkey = parent.casefold()
        if pkey not in parent_keys:
            parent_keys[pkey] = len(parent_names)
            parent_names.append(parent)
        key = (pkey, child.casefold())
        if key not in path_keys:
            path_keys[key] = len(path_names)
            shown = parent_names[parent_keys[pkey]]
            path_names.append(f"{shown} > {child}" if child else shown)
            path_parent.append(parent_keys[pkey])
        item_parent[i] = parent_keys[pkey]
        item_path[i] = path_keys[key]
    # Columns in name order, not in the order the rows first name them: the regression's rows, which of
    # two collinear categories it leaves out and the order of tied ranks changed when the rows were shuffled.
    parent_order = sorted(range(len(parent_names)), key=lambda p: (parent_names[p].casefold(), parent_names[p]))
    parent_rank = np.append(np.argsort(parent_order), -1).astype(np.int64)  # [-1]: an empty piece
    path_order = sorted(range(len(path_names)), key=lambda q: (parent_rank[path_parent[q]], path_names[q].casefold(),
                                                               path_names[q]))
    path_rank = np.append(np.argsort(path_order), -1 - len(parent_names)).astype(np.int64)
    n_parents = len(parent_names)
    return _Columns(
        names=[parent_names[p] for p in parent_order] + [path_names[q] for q in path_order],
        levels=["parent"] * n_parents + ["category"] * len(path_names),
        parents=[parent_names[p] for p in parent_order] + [parent_names[path_parent[q]] for q in path_order],
        item_parent=parent_rank[item_parent],
        item_path=path_rank[item_path] + n_parents,
    )


def category_matrix(
    values: pd.Series | list, *, taxonomy: Any = None, column: str = "categories", source: str | None = None,
    row_numbers: np.ndarray | None = None,
) -> CategoryMatrix:
    """Parse a categories column into parent- and path-level indicators.

    ``row_numbers``: the file's row number of each value, for error messages (default 1, 2, ...):
    a chunk's rows count on from the chunks before it, a reduced table's row stands for the first
    row of its cell. The first row holding a bad name is named as long as ``row_numbers`` grow
    with the position of each distinct cell's first row (as they do in both).

    Each distinct cell is parsed once, so a million rows with a few thousand distinct
    category combinations parse in well under a second.

    >>> m = category_matrix(pd.Series(["Delivery > Courier; Delivery > Tracking", "price", None]))
    >>> m.names, m.levels
    (['Delivery', 'price', 'Delivery > Courier', 'Delivery > Tracking', 'price'], ['parent', 'parent', 'category', 'category', 'category'])
    >>> m.member[m.row_cells].toarray().astype(int).tolist()   # Delivery counted once in row 1
    [[1, 0, 1, 1, 0], [0, 1, 0, 0, 1], [0, 0, 0, 0, 0]]
    """
    series = values if isinstance(values, pd.Series) else pd.Series(values, dtype=object)
    pieces = _split(series)
    pieces.row_numbers = row_numbers
    if taxonomy is not None:
        cols = _taxonomy_columns(taxonomy, pieces.items, pieces.first_row, column, source)
    else:
        cols = _free_columns(pieces.items, pieces.first_row, column, source)
    used = cols.item_parent[pieces.piece_item] >= 0
    cells_used = pieces.piece_cell[used]
    rows_idx = np.concatenate([cells_used, cells_used])
    cols_idx = np.concatenate([cols.item_parent[pieces.piece_item][used], cols.item_path[pieces.piece_item][used]])
    member = sparse.csr_matrix(
        (np.ones(len(rows_idx)), (rows_idx, cols_idx)),
        shape=(pieces.n_cells, len(cols.names)),
    )
    member.sum_duplicates()
    member.data[:] = 1.0  # a parent counts once however many of its children fire
    return CategoryMatrix(names=cols.names, levels=cols.levels, parents=cols.parents, member=member,
                          row_cells=pieces.row_cells)
