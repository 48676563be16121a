"""XLSX workbooks: one sheet read whole, and the writer (buffered, saved at close).

Rows after the last non-empty row of a sheet are dropped: Excel leaves formatted-but-empty
rows there and they are not data (empty rows between data rows are kept). Formula cells
read as their stored result; a formula without one (a workbook written by a script and never
opened in a spreadsheet) reads as its formula text, with an ``InputWarning``, and a command that
needs its column stops (``xlsxformulas``). XML stores a carriage return inside a cell as a line feed.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import io
import math
import re
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from feedback_classifier.errors import InputFileError, InputWarning
from feedback_classifier.tableio.cells import cell_kinds, scalar_text
from feedback_classifier.tableio.xlsxformulas import FIX, cell_ref, formulas_topic, uncomputed_formulas

__all__ = ["EXCEL_MAX_DATA_ROWS"]

#: Excel sheets have 1,048,576 rows; one is the header.
EXCEL_MAX_DATA_ROWS = 1_048_575
_EXCEL_MAX_CELL_CHARS = 32_767
_EXCEL_MAX_COLUMNS = 16_384

# --------------------------------------------------------------------------- reading


def iter_xlsx(
    path: Path, kind: str, chunksize: int | None, *, sheet: str | int | None, encoding: Any, sep: Any, as_text: bool,
    encoding_errors: str = "strict",
) -> Iterator[pd.DataFrame]:
    """Chunks of one sheet of a workbook, read whole first (``encoding``/``encoding_errors``/``sep`` do not apply)."""
    df = _read_xlsx(path, sheet, as_text)
    return _slices(df, chunksize, path)


def _slices(df: pd.DataFrame, chunksize: int | None, path: Path) -> Iterator[pd.DataFrame]:
    if chunksize is None or len(df) <= chunksize:
        yield df
    else:
        for start in range(0, len(df), chunksize):
            yield df.iloc[start : start + chunksize].copy()
    # said once the whole sheet is read; a command that stops on such a column says it in its error
    note = formulas_note(df, path)
    if note:
        warnings.warn(InputWarning(note, topic=formulas_topic(path, df.attrs.get("sheet"))), stacklevel=2)


def formulas_note(df: pd.DataFrame, path: Path) -> str | None:
    """The warning for formula cells read as their formula text (``df.attrs``), or None.

    >>> df = pd.DataFrame(columns=["total"])
    >>> df.attrs.update(sheet="S", uncomputed_formulas={"total": (3, "D2", "=B2+C2")})
    >>> formulas_note(df, "a.xlsx")
    "a.xlsx, sheet 'S': 3 formula cells have no stored result and were read as their formula text: column 'total' (first: cell D2, =B2+C2); open and save the file in Excel or LibreOffice so the results are stored, or export to CSV"
    """
    found = df.attrs.get("uncomputed_formulas") or {}
    if not found:
        return None
    total = sum(n for n, _, _ in found.values())
    cells = f"{total:,} formula cells have" if total > 1 else "1 formula cell has"
    where = "; ".join(f"column {name!r} (first: cell {ref}, {formula})" for name, (_, ref, formula) in found.items())
    return (f"{path}, sheet {df.attrs.get('sheet')!r}: {cells} no stored result and were read as their formula "
            f"text: {where}; {FIX}")


#: a workbook part bigger than this unpacked, and packed more than ``_BOMB_RATIO`` times, is refused
_BOMB_BYTES = 256 * 2**20
_BOMB_RATIO = 100


def _refuse_zip_bomb(source, path: Path) -> None:
    """Raise ``InputFileError`` when a part of the workbook would unpack to far more than any
    spreadsheet packs to (a few kB naming gigabytes of rows): its sheet is read whole, so it would
    fill the memory. The sizes are the archive's own (zipfile never unpacks past them)."""
    with zipfile.ZipFile(source) as zf:
        for info in zf.infolist():
            if info.file_size > _BOMB_BYTES and info.file_size > _BOMB_RATIO * max(info.compress_size, 1):
                raise InputFileError(
                    f"{path}: its part {info.filename} would unpack to {info.file_size / 2**20:,.0f} MB from "
                    f"{info.compress_size / 2**10:,.0f} kB, more than {_BOMB_RATIO} times, which no real workbook "
                    "does (a zip bomb?); if the file is genuine, export it as CSV and read that")
    if hasattr(source, "seek"):
        source.seek(0)


def _open_workbook(path: Path):
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        # openpyxl refuses a workbook by its name alone: one named .csv (tableio.formats.format_by_content)
        # is handed over as bytes. data_only: formula cells give their cached value, never the formula text.
        source = path if Path(path).suffix.lower() in (".xlsx", ".xlsm") else io.BytesIO(Path(path).read_bytes())
        _refuse_zip_bomb(source, path)
        return load_workbook(source, read_only=True, data_only=True)
    except InputFileError:
        raise
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, EOFError) as exc:
        raise InputFileError(
            f"{path}: not a readable XLSX workbook ({type(exc).__name__}: {exc}); "
            "open it in Excel and save it as .xlsx again, or export CSV"
        ) from None


def sheets_with_column(path: Path, name: str) -> list[str]:
    """The sheets of a workbook whose first row has a cell ``name`` (for a missing-column hint)."""
    wb = _open_workbook(path)
    try:
        found = []
        for ws in wb.worksheets:
            first = next(ws.iter_rows(max_row=1, values_only=True), ())
            if any(c is not None and str(c).strip() == name for c in first):
                found.append(ws.title)
        return found
    finally:
        wb.close()


def _read_xlsx(path: Path, sheet: str | int | None, as_text: bool) -> pd.DataFrame:
    wb = _open_workbook(path)
    try:
        names = wb.sheetnames
        if sheet is None:
            ws = wb.worksheets[0]
        elif isinstance(sheet, int) and not isinstance(sheet, bool):
            if not 0 <= sheet < len(names):
                raise InputFileError(
                    f"{path}: no sheet number {sheet} (0-based); the workbook has {len(names)} sheet(s): "
                    + ", ".join(repr(n) for n in names)
                )
            ws = wb[names[sheet]]
        elif sheet in names:
            ws = wb[sheet]
        else:
            close = difflib.get_close_matches(str(sheet), names, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise InputFileError(
                f"{path}: no sheet named {sheet!r}; the workbook has sheets: "
                + ", ".join(repr(n) for n in names)
                + f".{hint} Pass one of them with sheet= (CLI: --sheet)"
            )
        try:
            # Some writers store a wrong sheet size, and read-only mode trusts it: too
            # small cuts data off silently, too large pads phantom rows. Re-measure.
            ws.reset_dimensions()
            rows = []
            for r in ws.iter_rows(values_only=True):
                rows.append(list(r))
                if len(rows) > EXCEL_MAX_DATA_ROWS + 1:  # (the sheet is read whole: stop before the memory fills)
                    raise InputFileError(
                        f"{path}, sheet {ws.title!r}: more than {EXCEL_MAX_DATA_ROWS + 1:,} rows, more than an Excel "
                        "sheet holds (a damaged or forged file?); export it as CSV and read that")
        except InputFileError:
            raise
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
            raise InputFileError(f"{path}: corrupt sheet data ({exc}); re-save the workbook in Excel") from None
        title, part = ws.title, getattr(ws, "_worksheet_path", None)  # openpyxl's read-only sheets know their part
    finally:
        wb.close()
    formulas = _formula_texts(rows, uncomputed_formulas(path, part))
    df = _rows_to_frame(rows, as_text)
    df.attrs["sheet"] = title
    if formulas:
        names = list(df.columns)
        df.attrs["uncomputed_formulas"] = {
            names[col]: (len(cells), *cells[0]) for col, cells in sorted(formulas.items()) if col < len(names)}
    return df


def _formula_texts(rows: list[list], cells: list[tuple[int, int, str]]) -> dict[int, list[tuple[str, str]]]:
    """Puts each formula without a stored result into its cell as text (it read as empty, or as
    XlsxWriter's placeholder 0); returns the data cells so filled by 0-based column: ``[(cell name, formula), ...]``."""
    filled: dict[int, list[tuple[str, str]]] = {}
    for row, col, formula in cells:
        if row > len(rows):
            continue
        cells_of_row = rows[row - 1]
        if len(cells_of_row) < col:
            cells_of_row.extend([None] * (col - len(cells_of_row)))
        if cells_of_row[col - 1] in (None, 0):
            cells_of_row[col - 1] = formula
            if row > 1:  # the header's own cells name the columns
                filled.setdefault(col - 1, []).append((cell_ref(row, col), formula))
    return filled


def _rows_to_frame(rows: list[list], as_text: bool) -> pd.DataFrame:
    # Excel keeps formatted-but-empty rows/columns at the end of a sheet; they are not data.
    while rows and all(v is None or v == "" for v in rows[-1]):
        rows.pop()
    if not rows:
        return pd.DataFrame()
    width = max(len(r) for r in rows)
    for r in rows:
        if len(r) < width:
            r.extend([None] * (width - len(r)))
    while width > 0 and all(r[width - 1] is None for r in rows):
        width -= 1
    header = [scalar_text(v) for v in rows[0][:width]]
    names = _unique_names([h if h not in (None, "") else f"Unnamed: {i}" for i, h in enumerate(header)])
    body = [r[:width] for r in rows[1:]]
    columns = list(zip(*body)) if body else [()] * width
    data = {}
    for i, col in enumerate(columns):
        if as_text:
            data[i] = pd.Series([scalar_text(v) for v in col], dtype="str")
        else:
            data[i] = pd.Series(list(col), dtype=object).infer_objects()
    df = pd.DataFrame(data, index=pd.RangeIndex(len(body)))
    df.columns = names
    df.attrs["header"] = [h or "" for h in header]
    if as_text:  # the writers give these columns their type back (cells.restore_types)
        df.attrs["native_types"] = cell_kinds(dict(enumerate(columns)), names)
    return df


def _unique_names(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        if n in seen:
            seen[n] += 1
            new = f"{n}.{seen[n]}"
            while new in seen:
                seen[n] += 1
                new = f"{n}.{seen[n]}"
            seen[new] = 0
            out.append(new)
        else:
            seen[n] = 0
            out.append(n)
    return out


# --------------------------------------------------------------------------- writing


class XlsxSink:
    """Buffers chunks and writes one sheet at close; refuses what does not fit in a sheet.

    A chunk may bring columns the first did not have (a JSON key first used late): the sheet gets
    them all, empty in the rows before. Text is written as text cells, which a spreadsheet shows
    and never runs, so a formula-like text (``=1+2``, ``+44 20 7946 0958``) is kept as it is (a
    CSV output gets a ``'`` before it instead: ``neutralize_formulas``); ``text_columns`` (set by
    ``TableWriter`` from the input sheet's types) name the columns whose number-like text stays text.
    """

    def __init__(self, tmp: Path, path: Path, *, encoding: str, sep: str, gz: bool, sheet_name: str):
        self._tmp = tmp
        self.path = path
        self.sheet_name = sheet_name
        self._columns: list | None = None
        self._rows = 0
        self._buffer: list[pd.DataFrame] = []
        self.header_names: list | None = None  # the header when it differs from the columns (TableWriter)
        self.text_columns: set = set()

    def write(self, chunk: pd.DataFrame) -> None:
        """Buffer ``chunk``, or raise ``InputFileError`` if the sheet would outgrow Excel's limits."""
        if self._columns is None or chunk.shape[1] > len(self._columns):
            self._columns = list(chunk.columns)
        if chunk.shape[1] > _EXCEL_MAX_COLUMNS:
            raise InputFileError(
                f"{self.path}: {chunk.shape[1]:,} columns do not fit in an Excel sheet "
                f"(max {_EXCEL_MAX_COLUMNS:,}); write .csv or .parquet instead"
            )
        if self._rows + len(chunk) > EXCEL_MAX_DATA_ROWS:
            raise InputFileError(
                f"{self.path}: {self._rows + len(chunk):,} rows do not fit in an Excel sheet "
                f"(max {EXCEL_MAX_DATA_ROWS:,} data rows); write .csv or .parquet instead"
            )
        _check_cell_sizes(chunk, self._rows, self.path)
        self._buffer.append(chunk)
        self._rows += len(chunk)

    def close(self) -> None:
        """Write the workbook with every buffered row."""
        from openpyxl import Workbook
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        wb = Workbook(write_only=True)
        ws = wb.create_sheet(title=self.sheet_name)
        names = self.header_names if self.header_names is not None else (self._columns or [])
        # header cells come from the input too: text cells, never a formula (``=...``) or an error
        ws.append([_xlsx_cell(scalar_text(c), ILLEGAL_CHARACTERS_RE, self.path, ws, as_text=True) for c in names])
        try:
            for chunk in self._buffer:
                pad = (None,) * (len(self._columns or ()) - chunk.shape[1])
                text = [c in self.text_columns for c in chunk.columns] + [False] * len(pad)
                for row in chunk.itertuples(index=False, name=None):
                    ws.append([_xlsx_cell(v, ILLEGAL_CHARACTERS_RE, self.path, ws, as_text=t)
                               for v, t in zip(row + pad, text)])
        except BaseException:
            # finish the half-written sheet now: collected later, it writes to a closed file and
            # prints a traceback under the one-line error
            ws.close()
            raise
        wb.save(self._tmp)

    def abort(self) -> None:
        """Drop the buffered rows."""
        self._buffer = []


def _check_cell_sizes(chunk: pd.DataFrame, rows_before: int, path: Path) -> None:
    """Raise ``InputFileError`` naming the first text cell longer than an Excel cell holds
    (1-based data row of the output, column), before any of the workbook is written."""
    for col in chunk.columns:
        values = chunk[col]
        if values.dtype != object and not pd.api.types.is_string_dtype(values):
            continue
        lengths = values.map(lambda v: len(v) if isinstance(v, str) else 0).to_numpy()
        over = np.flatnonzero(lengths > _EXCEL_MAX_CELL_CHARS)
        if len(over):
            i = int(over[0])
            raise InputFileError(
                f"{path}: row {rows_before + i + 1:,}, column {scalar_text(col)!r}: a cell has {int(lengths[i]):,} "
                f"characters, more than Excel's {_EXCEL_MAX_CELL_CHARS:,}; write .csv or .parquet instead"
            )


_XLSX_NUMBER = re.compile(r"^-?(0|[1-9]\d{0,14})(\.\d{1,15})?$")


def _xlsx_cell(v: Any, illegal: re.Pattern, path: Path, ws: Any, *, as_text: bool = False) -> Any:
    """The value (or cell of the write-only sheet ``ws``) to write for ``v``; ``as_text``: a text stays
    text even when it reads as a number."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, str):
        if not as_text and _XLSX_NUMBER.match(v):
            num: float | int = int(v) if "." not in v else float(v)
            if scalar_text(num) == v:
                return num
        if len(v) > _EXCEL_MAX_CELL_CHARS:
            raise InputFileError(
                f"{path}: a cell has {len(v):,} characters, more than Excel's {_EXCEL_MAX_CELL_CHARS:,}; "
                "write .csv or .parquet instead"
            )
        # openpyxl refuses control characters; a visible replacement beats a crash.
        return _text_cell(illegal.sub("\ufffd", v), ws)
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return None if math.isnan(v) else float(v)
    if isinstance(v, pd.Timestamp):
        return None if pd.isna(v) else (v.tz_localize(None) if v.tzinfo else v).to_pydatetime()
    if isinstance(v, _dt.datetime) and v.tzinfo is not None:
        return v.replace(tzinfo=None)
    if isinstance(v, (_dt.date, _dt.time, _dt.datetime)):
        return v
    text = scalar_text(v)
    return None if text is None else _text_cell(illegal.sub("\ufffd", text), ws)


# the texts openpyxl writes as error cells (openpyxl.cell.cell.ERROR_CODES; not imported at start-up)
_ERROR_TEXTS = frozenset(("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"))


def _text_cell(text: str, ws: Any) -> Any:
    """``text`` as openpyxl writes a text cell; a cell typed as text where openpyxl would make
    ``=...`` a formula or ``#N/A`` an error cell.

    >>> from openpyxl import Workbook
    >>> ws = Workbook(write_only=True).create_sheet()
    >>> _text_cell("fine", ws), _text_cell("=1+2", ws).data_type, _text_cell("#N/A", ws).data_type
    ('fine', 's', 's')
    """
    if not ((len(text) > 1 and text[0] == "=") or text in _ERROR_TEXTS):
        return text
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(ws, text)
    cell.data_type = "s"
    return cell
