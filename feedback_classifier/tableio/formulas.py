"""Formula safety: text cells a spreadsheet would run as a formula get a leading ``'``.

CSV output goes through :func:`neutralize_formulas`: a spreadsheet opening a CSV runs a cell
starting with ``=``. XLSX output needs no mark: its text cells are written typed as text
(``xlsxfile``), and a spreadsheet never runs a text cell, so their text is kept exactly, as in
Parquet and JSONL, which nothing opens as a spreadsheet.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from feedback_classifier.tableio.cells import is_text_dtype

__all__ = ["guarded_note", "neutralize_formulas", "neutralize_names", "unguard_formulas"]

_FORMULA_CHARS = "=+-@\t\r"
_FORMULA_START = re.compile(r"^[=+\-@\t\r]")
_SAFE_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$|^-+$")


def _needs_quote(v: Any) -> bool:
    return isinstance(v, str) and bool(_FORMULA_START.match(v)) and not _SAFE_NUMBER.match(v)


def neutralize_names(names) -> list[str]:
    """A CSV header's cells (column names, which come from the input too) with the same guard as
    the text cells under them.

    >>> neutralize_names(["id", '=HYPERLINK("http://x")', "-5", 3])
    ['id', '\\'=HYPERLINK("http://x")', '-5', '3']
    """
    return ["'" + str(c) if _needs_quote(str(c)) else str(c) for c in names]


_FORMULA_BYTES = np.zeros(256, dtype=bool)
_FORMULA_BYTES[[ord(c) for c in _FORMULA_CHARS]] = True


_GUARD_BYTES = np.zeros(256, dtype=bool)
_GUARD_BYTES[ord("'")] = True


def _starts_with_formula_char(s: pd.Series, table: np.ndarray = _FORMULA_BYTES) -> np.ndarray:
    """Per cell of a text column, whether it starts with one of ``_FORMULA_CHARS`` (or of the ASCII
    characters ``table`` holds; missing: False). An Arrow-backed column is read in place: each cell's
    first byte, found through the offsets (the characters are ASCII, so a first byte is one only as
    a first character).

    >>> _starts_with_formula_char(pd.Series(["=1", "", None, "ok", "-", "é"], dtype="str")).tolist()
    [True, False, False, False, True, False]
    """
    if getattr(s.dtype, "storage", None) != "pyarrow":
        chars = [chr(b) for b in np.flatnonzero(table)]
        return s.str[:1].isin(chars).to_numpy(dtype=bool, na_value=False)
    import pyarrow as pa

    arr = pa.array(s.array)
    parts = []
    for chunk in arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]:
        width = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
        _, offsets_buf, data_buf = chunk.buffers()
        offsets = np.frombuffer(offsets_buf, dtype=width)[chunk.offset:chunk.offset + len(chunk) + 1]
        starts, filled = offsets[:-1], offsets[1:] > offsets[:-1]
        if chunk.null_count:  # (a missing cell's bytes, if any, are not its text)
            filled &= chunk.is_valid().to_numpy(zero_copy_only=False)
        if data_buf is None or not filled.any():
            parts.append(np.zeros(len(chunk), dtype=bool))
            continue
        data = np.frombuffer(data_buf, dtype=np.uint8)
        first = data[np.where(filled, starts, 0)]
        parts.append(filled & table[first])
    return np.concatenate(parts) if parts else np.zeros(0, dtype=bool)


def _prefixed(s: pd.Series, mask: np.ndarray, values: list[str]) -> pd.Series:
    """An Arrow-backed text column with ``values`` put in the cells where ``mask`` holds: one Arrow
    kernel (pandas' masked assignment costs ~8 ms per 50,000 rows)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(s.array)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    fixed = pa.array(values, type=arr.type)
    return pd.Series(type(s.array)(pc.replace_with_mask(arr, pa.array(mask), fixed), dtype=s.dtype),
                     index=s.index, name=s.name)


def neutralize_formulas(df: pd.DataFrame, counts: list[int] | None = None) -> pd.DataFrame:
    """Return a copy of ``df`` whose text cells a spreadsheet would run as a formula start with ``'``;
    ``counts``, when given, gets the number of cells changed appended (the CLI says it: a changed cell
    must not go unsaid).

    Only text cells change: a cell starting with ``=``, ``+``, ``-``, ``@``, tab or
    CR gets a leading apostrophe, unless it is a plain number (``-5``, ``+7``) or
    only dashes (``-``, a common "no comment"). Number columns are untouched.

    >>> df = pd.DataFrame({"c": ["=HYPERLINK(\\"http://x\\")", "-5", "- slow", "ok"], "n": [-1, 2, 3, 4]})
    >>> neutralize_formulas(df)["c"].tolist()
    ['\\'=HYPERLINK("http://x")', '-5', "'- slow", 'ok']
    >>> counts = []
    >>> neutralize_formulas(pd.DataFrame({"k": pd.Categorical(["=1+2", "ok", "=1+2"])}), counts)["k"].tolist(), counts
    (["'=1+2", 'ok', "'=1+2"], [2])
    """
    # (a shallow copy: copy-on-write keeps ``df`` as it was when a column is replaced below)
    out = df.copy(deep=False)
    changed = 0
    for i in range(out.shape[1]):
        s = out.iloc[:, i]
        if isinstance(s.dtype, pd.CategoricalDtype):
            if not any(_needs_quote(c) for c in s.cat.categories):
                continue
            s = s.astype(object)  # (its cells are checked below; the written text is the same)
        if not (is_text_dtype(s.dtype) or s.dtype == object):
            continue
        if is_text_dtype(s.dtype):
            # Cheap vectorised pre-filter on the first character; the exact rule runs
            # only on the few candidates.
            candidates = _starts_with_formula_char(s)
            if not candidates.any():
                continue
            mask = candidates.copy()
            idx = np.flatnonzero(candidates)
            values = s.iloc[idx].tolist()
            mask[idx] = [_needs_quote(v) for v in values]
        else:
            mask = np.fromiter((_needs_quote(v) for v in s.tolist()), dtype=bool, count=len(s))
        if mask.any():
            changed += int(mask.sum())
            if getattr(s.dtype, "storage", None) == "pyarrow":
                new = _prefixed(s, mask, ["'" + v for v, m in zip(values, mask[idx]) if m])
            elif is_text_dtype(s.dtype):
                new = s.copy()
                new[mask] = "'" + s[mask]
            else:
                new = s.copy()
                new[mask] = ["'" + v for v in s[mask].tolist()]
            out.isetitem(i, new)
    if counts is not None:
        counts.append(changed)
    return out


def unguard_formulas(df: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """``df`` (a CSV's text cells) without the formula guard's ``'`` (:func:`neutralize_formulas`),
    and how many cells had it. A spreadsheet saves a CSV without it, so a cell such as
    ``'=HYPERLINK(...)`` or ``'@support`` was written by a guard, this tool's or another's. Read
    with it, a classified file sent on to an XLSX, JSON or Parquet output, a queue or a quote carried
    the ``'`` as text; a CSV output puts it back.

    >>> out, n = unguard_formulas(pd.DataFrame({"c": ["'=1+2", "'-5", "'- slow", "'quoted", "ok"]}, dtype="str"))
    >>> out["c"].tolist(), n
    (['=1+2', "'-5", '- slow', "'quoted", 'ok'], 2)
    """
    out, changed = df, 0
    for i in range(df.shape[1]):
        s = df.iloc[:, i]
        if not is_text_dtype(s.dtype):
            continue
        idx = np.flatnonzero(_starts_with_formula_char(s, _GUARD_BYTES))
        if not len(idx):
            continue
        values = s.iloc[idx].tolist()
        keep = np.array([_needs_quote(v[1:]) for v in values], dtype=bool)
        if not keep.any():
            continue
        mask = np.zeros(len(s), dtype=bool)
        mask[idx[keep]] = True
        unguarded = [v[1:] for v, k in zip(values, keep) if k]
        if getattr(s.dtype, "storage", None) == "pyarrow":
            new = _prefixed(s, mask, unguarded)
        else:
            new = s.copy()
            new[mask] = unguarded
        out = out.copy(deep=False) if out is df else out
        out.isetitem(i, new)
        changed += len(unguarded)
    return out, changed


def guarded_note(cells: int, path) -> str | None:
    """What the CLI says when a CSV output's cells got the formula guard's ``'``.

    >>> guarded_note(14171, "out.csv")
    "out.csv: 14,171 text cells start with =, +, -, @, tab or CR, so they got a leading ' that keeps spreadsheets from running them as formulas (an XLSX, Parquet or JSON Lines output keeps them as written)"
    >>> guarded_note(0, "out.csv") is None
    True
    """
    if not cells:
        return None
    return (f"{path}: {cells:,} text cells start with =, +, -, @, tab or CR, so they got a leading ' that keeps "
            "spreadsheets from running them as formulas (an XLSX, Parquet or JSON Lines output keeps them as written)")
