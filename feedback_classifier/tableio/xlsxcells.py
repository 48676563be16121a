"""A chunk's rows as sheet XML, column by column, byte for byte what openpyxl's write-only sheet writes.

openpyxl builds a cell object and an XML element per cell: ~13 CPU-s per 100,000 rows of a survey
export. Here each column becomes the XML of its cells at once (Arrow's string kernels: escaping,
illegal characters, ``xml:space``; numbers formatted as openpyxl's ``"%.16g"``) and a row is its
cells joined. Columns of no single type (an object column mixing numbers and text, dates as
``datetime.date``) take a per-cell path that gives the same bytes. A cell is written as
``<c r="B7"`` + a *body*: its type, style and value; a missing value has no cell.

What a value becomes (as ``xlsxsink`` wrote it through openpyxl): text is a text cell (never a
formula or an error cell); text that is a plain number (``"9"``, ``"-1.5"``) a number when reading
it back gives the same text, unless its column is a text column; control characters openpyxl
refuses become U+FFFD; booleans, numbers; datetimes (time zone dropped: the wall time), dates and
times Excel serial numbers with openpyxl's number formats (``yyyy-mm-dd h:mm:ss``, ``yyyy-mm-dd``,
``h:mm:ss``); anything else its text (``cells.scalar_text``).
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from feedback_classifier.errors import InputFileError
from feedback_classifier.tableio.cells import scalar_text

__all__ = ["DATE_KINDS", "EXCEL_MAX_CELL_CHARS", "header_xml", "rows_xml"]

EXCEL_MAX_CELL_CHARS = 32_767

# what openpyxl refuses in a text (openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE): a visible replacement beats a crash;
# and U+FFFE/U+FFFF, which openpyxl lets through but XML forbids: one comment holding them made the whole
# workbook unreadable (openpyxl and any XML parser stop at it)
_ILLEGAL = "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\ufffe\uffff]"
_SPECIAL = _ILLEGAL[:-1] + "&<>]"  # (and what XML escapes)
# and, in the per-cell path only (Arrow holds no such text), half a UTF-16 pair, which no XML may hold (main
# wrote it as a character reference: a workbook no reader opens)
_ILLEGAL_RE = re.compile(_ILLEGAL[:-1] + "\ud800-\udfff]")
# str.strip()'s whitespace: openpyxl marks a text that has it at an end (and is not all of it) xml:space="preserve"
_SPACE = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in map(chr, range(0x3001)) if c.isspace()) + "]"
_ENDS_IN_SPACE = f"^{_SPACE}|{_SPACE}$"
_ALL_SPACE = f"^{_SPACE}*$"
_G16 = "%.16g"  # how openpyxl writes a number (compat.strings.safe_string)
_NUMBER = "^-?(0|[1-9][0-9]{0,14})(\\.[0-9]{1,15})?$"
_NUMBER_RE = re.compile(_NUMBER)
# the texts openpyxl would write as error cells (openpyxl.cell.cell.ERROR_CODES): here always text cells
_ERROR_TEXTS = frozenset(("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"))

#: cell kinds with a number format, in openpyxl's formats (cell.cell.TIME_FORMATS); each gets a style id
DATE_KINDS = ("datetime", "date", "time")
_EPOCH = _dt.datetime(1899, 12, 30)
_EPOCH_DAYS_1970 = 25_569  # 1899-12-30 to 1970-01-01
_US_PER_DAY = 86_400_000_000

_EMPTY_TEXT = ' t="inlineStr" />'  # (an empty text is a cell, openpyxl writes it so)
_NO_VALUE = ' t="n"><v /></c>'  # (an infinite number: openpyxl writes no value)

StyleOf = Callable[[str], int]


def rows_xml(chunk: pd.DataFrame, first_row: int, text: list[bool], path: Path, style_of: StyleOf) -> pa.Array:
    """Each row of ``chunk`` as ``<row r="N">...</row>`` (a string array; rows numbered from ``first_row``;
    columns after the chunk's have no cells); ``text[i]``: column ``i``'s number-like text stays text;
    ``style_of(kind)``: the style id of a date kind, asked in the order openpyxl meets them (row by row).

    >>> df = pd.DataFrame({"a": ["x", "9", None], "b": [1.5, float("nan"), 2.0]})
    >>> rows_xml(df, 2, [False, False], Path("o.xlsx"), None).to_pylist()[:2]
    ['<row r="2"><c r="A2" t="inlineStr"><is><t>x</t></is></c><c r="B2" t="n"><v>1.5</v></c></row>', '<row r="3"><c r="A3" t="n"><v>9</v></c></row>']
    """
    from openpyxl.utils import get_column_letter

    n = len(chunk)
    numbers = pc.cast(pa.array(np.arange(first_row, first_row + n)), pa.large_string())
    bodies = []
    for i in range(chunk.shape[1]):
        try:
            bodies.append(_column_bodies(chunk.iloc[:, i], text[i], path))
        except _TooLong as exc:
            where = f"row {first_row - 1 + exc.row:,}, column {scalar_text(chunk.columns[i])!r}: "
            raise _too_long(path, exc.length, where) from None
    firsts = sorted((first, i, kind) for i, (_, dates) in enumerate(bodies) for kind, first in dates.items())
    styles = {(i, kind): style_of(kind) for _, i, kind in firsts}  # (registered in openpyxl's order)
    cells = []
    for i, (body, dates) in enumerate(bodies):
        if body is None:
            continue
        for kind in dates:
            body = pc.replace_substring(body, f"\0{kind}\0", f' s="{styles[i, kind]}"', max_replacements=1)
        cells.append(_join(f'<c r="{get_column_letter(i + 1)}', numbers, '"', body, ""))
    joined = (_join(*cells, "", null_handling="replace") if cells
              else pa.array([""] * n, pa.large_string()))
    return _join('<row r="', numbers, '">', joined, "</row>", "")


def _arrow(s: pd.Series, type_: pa.DataType | None) -> pa.Array:
    """A column as one Arrow array (a pandas column backed by Arrow may hold several chunks)."""
    values = pa.array(s, type=type_, from_pandas=True)
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def _join(*parts: Any, null_handling: str = "emit_null") -> pa.Array:
    """Arrow's element-wise concatenation of string arrays and literals (the last part: the separator)."""
    parts = [pa.scalar(p, pa.large_string()) if isinstance(p, str) else p.cast(pa.large_string()) for p in parts]
    return pc.binary_join_element_wise(*parts, null_handling=null_handling, null_replacement="")


def _if_else(cond: pa.Array, yes: Any, no: Any) -> pa.Array:
    """``pc.if_else`` over large strings (literals as large-string scalars)."""
    yes, no = (pa.scalar(v, pa.large_string()) if isinstance(v, str) else v for v in (yes, no))
    return pc.if_else(cond, yes, no)


def _column_bodies(s: pd.Series, as_text: bool, path: Path) -> tuple[pa.Array | None, dict[str, int]]:
    """The bodies of a column's cells (null: no cell) and, per date kind in it, its first row. A date
    cell's body holds ``\\0kind\\0`` where its style attribute goes (``rows_xml`` puts the id in)."""
    dtype = s.dtype
    if pd.api.types.is_bool_dtype(dtype):
        values = _arrow(s, pa.bool_())
        return _if_else(values, ' t="b"><v>1</v></c>', ' t="b"><v>0</v></c>'), {}
    if pd.api.types.is_integer_dtype(dtype):
        values = _arrow(s, None)
        top = pc.max(pc.abs(values.cast(pa.float64(), safe=False))).as_py()
        if top is None or top < 2**53:  # (past that, some are not a double: the per-cell path)
            return _number_bodies(pc.cast(values, pa.large_string())), {}
    elif pd.api.types.is_float_dtype(dtype) and not isinstance(dtype, pd.CategoricalDtype):
        return _float_bodies(s.to_numpy(dtype=float, na_value=np.nan)), {}
    elif pd.api.types.is_datetime64_any_dtype(dtype):
        try:
            return _datetime_bodies(s)
        except (OverflowError, ValueError):  # (past pandas' nanosecond range: the per-cell path)
            pass
    elif (pd.api.types.is_string_dtype(dtype) and not isinstance(dtype, pd.CategoricalDtype)
          and pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty")):
        try:
            values = _arrow(s, pa.large_string())
        except (pa.ArrowException, UnicodeError):  # (a lone surrogate: the per-cell path says so)
            values = None
        if values is not None:
            return _text_bodies(values, as_text), {}
    return _cell_bodies(s.tolist(), as_text, path)


def _number_bodies(texts: pa.Array) -> pa.Array:
    return _join(' t="n"><v>', texts, "</v></c>", "")


def _float_bodies(values: np.ndarray) -> pa.Array:
    finite = np.isfinite(values)
    texts = [_G16 % v for v in values[finite].tolist()]  # (openpyxl's format: compat.strings.safe_string)
    out = np.full(len(values), None, dtype=object)
    out[finite] = texts
    bodies = _number_bodies(pa.array(out, pa.large_string()))
    if np.isinf(values).any():
        bodies = _if_else(pa.array(np.isinf(values)), _NO_VALUE, bodies)
    return bodies


def _datetime_bodies(s: pd.Series) -> tuple[pa.Array, dict[str, int]]:
    """Excel serial days, as openpyxl's ``utils.datetime.to_excel`` computes them from a ``datetime``
    (pandas' nanoseconds dropped, as ``Timestamp.to_pydatetime`` does; a time zone dropped: its wall time)."""
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        s = s.dt.tz_localize(None)
    ns = s.to_numpy(dtype="datetime64[ns]")
    missing = np.isnat(ns)
    us = ns.view(np.int64)[~missing] // 1_000
    days = us // _US_PER_DAY + _EPOCH_DAYS_1970
    days -= (days > 0) & (days <= 60)  # (Excel's 1900-02-29: openpyxl shifts the days before it)
    in_day = us % _US_PER_DAY
    fraction = ((in_day // 1_000_000).astype(float) + (in_day % 1_000_000).astype(float) / 10**6) / 86_400
    out = np.full(len(ns), None, dtype=object)
    out[~missing] = [_G16 % v for v in (days.astype(float) + fraction).tolist()]
    bodies = _join("\0datetime\0", ' t="n"><v>', pa.array(out, pa.large_string()), "</v></c>",
                                         "")
    return bodies, ({"datetime": int(np.argmin(missing))} if not missing.all() else {})


def _text_bodies(values: pa.Array, as_text: bool) -> pa.Array:
    """Text cells (and, unless ``as_text``, number cells for plain-number texts)."""
    special = pc.fill_null(pc.match_substring_regex(values, _SPECIAL), False)
    escaped = values
    if pc.any(special).as_py():  # (the few texts with a control character, '&', '<' or '>': changed alone)
        subset = pc.replace_substring_regex(pc.filter(values, special), _ILLEGAL, "\ufffd")
        values = pc.replace_with_mask(values, special, subset)
        for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
            subset = pc.replace_substring(subset, char, entity)
        escaped = pc.replace_with_mask(values, special, subset)
    preserve = _edge_spaces(values)
    head = _if_else(preserve, ' t="inlineStr"><is><t xml:space="preserve">', ' t="inlineStr"><is><t>')
    bodies = _join(head, escaped, "</t></is></c>", "")
    bodies = _if_else(pc.equal(values, ""), _EMPTY_TEXT, bodies)
    if as_text:
        return bodies
    number = pc.fill_null(pc.match_substring_regex(values, _NUMBER), False)
    if not pc.any(number).as_py():
        return bodies
    # a whole number's text is its own "%.16g" ("-0" reads back as "0": text); a decimal is a number only if it
    # reads back the same ("1.50" does not): those few in Python, each distinct text once
    decimal = pc.and_kleene(number, pc.match_substring(values, "."))
    whole = pc.and_kleene(pc.and_not_kleene(number, decimal), pc.not_equal(values, "-0"))
    numbers = pc.if_else(whole, values, pa.scalar(None, pa.large_string()))
    if pc.any(decimal).as_py():
        found = np.flatnonzero(decimal.to_numpy(zero_copy_only=False))
        texts = {v: _number_text(v) for v in pc.unique(values.take(pa.array(found))).to_pylist()}
        decimals = np.full(len(values), None, dtype=object)
        decimals[found] = [texts[v] for v in values.take(pa.array(found)).to_pylist()]
        numbers = pc.coalesce(numbers, pa.array(decimals, pa.large_string()))
    return _if_else(pc.is_valid(numbers), _number_bodies(numbers), bodies)


# the bytes a str.strip() whitespace character starts with (UTF-8): the ASCII ones and the leads of the others
_ASCII_SPACE = np.zeros(256, dtype=bool)
_ASCII_SPACE[[ord(c) for c in map(chr, range(128)) if c.isspace()]] = True
_SPACE_LEAD = _ASCII_SPACE.copy()
_SPACE_LEAD[[c.encode()[0] for c in map(chr, range(128, 0x3001)) if c.isspace()]] = True
_MULTI_LEADS = sorted({c.encode()[0] for c in map(chr, range(128, 0x3001)) if c.isspace()})


def _edge_spaces(values: pa.Array) -> pa.Array:
    """Whether each text has whitespace (``str.strip()``'s) at an end and is not all whitespace: openpyxl's
    ``xml:space="preserve"``. The bytes at each end, read from the array's buffers, rule out most texts; the
    regular expressions decide the rest.

    >>> _edge_spaces(pa.array(["a ", " ", "b", "\u3000c", "d\xa0", "", None], pa.large_string())).to_pylist()
    [True, False, False, True, True, False, False]
    """
    n = len(values)
    data = values.buffers()[2]
    if n == 0 or data is None or data.size == 0:
        return pa.array(np.zeros(n, dtype=bool))
    b = np.frombuffer(data, dtype=np.uint8)
    offsets = np.frombuffer(values.buffers()[1], dtype=np.int64)[values.offset:values.offset + n + 1]
    start, end = offsets[:-1], offsets[1:]
    last = b[np.maximum(end - 1, 0)]
    # (a short text's "bytes before its end" may be another text's: that only makes it a candidate)
    maybe = (end > start) & (_SPACE_LEAD[b[np.minimum(start, len(b) - 1)]] | _ASCII_SPACE[last]
                             | np.isin(b[np.maximum(end - 2, 0)], _MULTI_LEADS)
                             | np.isin(b[np.maximum(end - 3, 0)], _MULTI_LEADS))
    found = np.flatnonzero(maybe)
    out = np.zeros(n, dtype=bool)
    if len(found):
        sub = values.take(pa.array(found))
        exact = pc.and_(pc.match_substring_regex(sub, _ENDS_IN_SPACE), pc.invert(pc.match_substring_regex(sub, _ALL_SPACE)))
        out[found] = pc.fill_null(exact, False).to_numpy(zero_copy_only=False)
    return pa.array(out)


def _number_text(v: str) -> str | None:
    """The number cell's value of a plain-number text (openpyxl's 16 digits), or None when it stays text: it
    would not read back as the same text ("-0", "1.50"; "12.000000000000002" needs 17 digits: its cell would
    read back as 12).

    >>> [_number_text(v) for v in ("12", "-0", "1.5", "1.50", "9.45", "12.000000000000002")]
    ['12', None, '1.5', None, '9.449999999999999', None]
    """
    num: float | int = int(v) if "." not in v else float(v)
    written = _G16 % num
    return written if scalar_text(num) == v and float(written) == num else None


def _cell_bodies(values: list, as_text: bool, path: Path) -> tuple[pa.Array, dict[str, int]]:
    """Bodies of a column of mixed values, cell by cell; the first row of each date kind."""
    firsts: dict[str, int] = {}
    bodies = []
    for row, v in enumerate(values):
        try:
            body = _cell_body(v, as_text, path)
        except _TooLong as exc:  # (a dict's or list's JSON text, say: the sink checked only the texts)
            raise _TooLong(exc.length, row) from None
        if body is not None and body.startswith("\0"):
            firsts.setdefault(body[1:body.index("\0", 1)], row)
        bodies.append(body)
    return pa.array(bodies, pa.large_string()), firsts


def _cell_body(v: Any, as_text: bool, path: Path) -> str | None:
    """One cell's body (see the module doc), or None for no cell."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, str):
        return _text_body(v, as_text, path)
    if isinstance(v, (bool, np.bool_)):
        return ' t="b"><v>1</v></c>' if v else ' t="b"><v>0</v></c>'
    if isinstance(v, (int, np.integer)):
        written = _G16 % int(v)
        if int(float(written)) == int(v):
            return f' t="n"><v>{written}</v></c>'
        # a 17-digit id, say: no double holds it, so a number cell would change it; its digits as text
        return _text_body(str(int(v)), True, path)
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return None if math.isnan(f) else _NO_VALUE if math.isinf(f) else f' t="n"><v>{_G16 % f}</v></c>'
    if isinstance(v, pd.Timestamp):
        v = (v.tz_localize(None) if v.tzinfo else v).to_pydatetime(warn=False)
    if isinstance(v, (_dt.datetime, _dt.date, _dt.time)):
        from openpyxl.utils.datetime import to_excel

        if isinstance(v, (_dt.datetime, _dt.time)) and v.tzinfo is not None:
            v = v.replace(tzinfo=None)
        kind = "datetime" if isinstance(v, _dt.datetime) else "date" if isinstance(v, _dt.date) else "time"
        return f'\0{kind}\0 t="n"><v>{_G16 % to_excel(v)}</v></c>'
    text = scalar_text(v)
    return None if text is None else _text_body(text, True, path)


class _TooLong(Exception):
    """A text longer than an Excel cell holds (``length``; ``row``: 0-based in its column, once known)."""

    def __init__(self, length: int, row: int = 0):
        super().__init__(length, row)
        self.length, self.row = length, row


def _too_long(path: Path, length: int, where: str = "") -> InputFileError:
    return InputFileError(f"{path}: {where}a cell has {length:,} characters, more than Excel's "
                          f"{EXCEL_MAX_CELL_CHARS:,}; write .csv or .parquet instead")


def _text_body(v: str, as_text: bool, path: Path) -> str:
    if not as_text and _NUMBER_RE.match(v) and (number := _number_text(v)) is not None:
        return f' t="n"><v>{number}</v></c>'
    if len(v) > EXCEL_MAX_CELL_CHARS:
        raise _TooLong(len(v))
    v = _ILLEGAL_RE.sub("\ufffd", v)
    if v == "":
        return _EMPTY_TEXT
    stripped = v.strip()
    head = ' t="inlineStr"><is><t xml:space="preserve">' if stripped and v != stripped else ' t="inlineStr"><is><t>'
    return head + v.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") + "</t></is></c>"


def header_xml(names: list, path: Path) -> str:
    """The header row: names come from the input too, so text cells, never a formula or an error.

    >>> header_xml(["id", "note ", None, 3, "=x"], Path("o.xlsx"))
    '<row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c><c r="B1" t="inlineStr"><is><t xml:space="preserve">note </t></is></c><c r="D1" t="inlineStr"><is><t>3</t></is></c><c r="E1" t="inlineStr"><is><t>=x</t></is></c></row>'
    """
    from openpyxl.utils import get_column_letter

    cells = []
    for i, name in enumerate(names):
        text = scalar_text(name)
        if text is None:
            continue
        try:
            cells.append(f'<c r="{get_column_letter(i + 1)}1"' + _text_body(text, True, path))
        except _TooLong as exc:
            raise _too_long(path, exc.length) from None
    return '<row r="1">' + "".join(cells) + "</row>"
