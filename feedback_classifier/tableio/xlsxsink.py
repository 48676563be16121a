"""The XLSX writer: one sheet whose rows go to disk as each chunk comes, so memory holds a chunk, not the table.

openpyxl's write-only sheet writes each appended row's XML to a file at once (texts inline, no
shared-strings table to grow) and packs that file into the workbook at ``save``. The file is kept
next to the output's temp file (``.out.xlsx.XXXX.sheet.tmp``, locked while written), not in the
system temp folder: it grows with the rows (~2x the CSV), and a run killed outright leaves it where
the next write to the same output removes it (``atomic._remove_stale_temps``).

The header row is the sheet's first row, written with the first chunk. A later chunk may bring
columns the first did not have (a JSON key first used late); then the saved workbook is copied
once, streamed, with the whole header put in place of the first one (:func:`_put_header`).
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from feedback_classifier.errors import InputFileError
from feedback_classifier.tableio import xlsxfile
from feedback_classifier.tableio.atomic import hold_lock, release_lock
from feedback_classifier.tableio.cells import scalar_text

_EXCEL_MAX_CELL_CHARS = 32_767
_EXCEL_MAX_COLUMNS = 16_384


class XlsxSink:
    """Writes one sheet as chunks come; refuses what does not fit in a sheet.

    A chunk may bring columns the first did not have (a JSON key first used late): the sheet gets
    them all, empty in the rows before. Text is written as text cells, which a spreadsheet shows
    and never runs, so a formula-like text (``=1+2``, ``+44 20 7946 0958``) is kept as it is (a
    CSV output gets a ``'`` before it instead: ``neutralize_formulas``); ``text_columns`` (set by
    ``TableWriter`` from the input sheet's types) name the columns whose number-like text stays text.

    >>> import tempfile
    >>> from feedback_classifier.tableio import read_table
    >>> d = Path(tempfile.mkdtemp())
    >>> sink = XlsxSink(d / "t.tmp", d / "t.xlsx", encoding="utf-8", sep=",", gz=False, sheet_name="S")
    >>> sink.write(pd.DataFrame({"id": ["007", "9"]})); sink.write(pd.DataFrame({"id": ["=1+2"]})); sink.close()
    >>> read_table(d / "t.tmp", fmt="xlsx")["id"].tolist()
    ['007', '9', '=1+2']
    """

    def __init__(self, tmp: Path, path: Path, *, encoding: str, sep: str, gz: bool, sheet_name: str):
        self._tmp = tmp
        self.path = path
        self.sheet_name = sheet_name
        self._columns: list | None = None
        self._rows = 0
        self._sheet: _SheetFile | None = None
        self.header_names: list | None = None  # the header when it differs from the columns (TableWriter)
        self.text_columns: set = set()

    def _header(self) -> list:
        return list(self.header_names if self.header_names is not None else (self._columns or []))

    def write(self, chunk: pd.DataFrame) -> None:
        """Write ``chunk``'s rows to the sheet, or raise ``InputFileError`` (before any of them is
        written) if the sheet would outgrow Excel's limits."""
        if self._columns is None or chunk.shape[1] > len(self._columns):
            self._columns = list(chunk.columns)
        if chunk.shape[1] > _EXCEL_MAX_COLUMNS:
            raise InputFileError(
                f"{self.path}: {chunk.shape[1]:,} columns do not fit in an Excel sheet "
                f"(max {_EXCEL_MAX_COLUMNS:,}); write .csv or .parquet instead"
            )
        limit = xlsxfile.EXCEL_MAX_DATA_ROWS  # (read here: one limit for the reader and the writer)
        if self._rows + len(chunk) > limit:
            raise InputFileError(
                f"{self.path}: {self._rows + len(chunk):,} rows do not fit in an Excel sheet "
                f"(max {limit:,} data rows); write .csv or .parquet instead"
            )
        _check_cell_sizes(chunk, self._rows, self.path)
        if self._sheet is None:
            self._sheet = _SheetFile(self._tmp, self.sheet_name, self.path, self._header())
        pad = (None,) * (len(self._columns) - chunk.shape[1])
        text = [c in self.text_columns for c in chunk.columns] + [False] * len(pad)
        self._sheet.append_rows(chunk.itertuples(index=False, name=None), pad, text)
        self._rows += len(chunk)

    def close(self) -> None:
        """Finish the sheet and save the workbook to the temp file (an empty table: the header alone)."""
        if self._sheet is None:
            self._sheet = _SheetFile(self._tmp, self.sheet_name, self.path, self._header())
        sheet, self._sheet = self._sheet, None
        sheet.save(self._tmp, self._header())

    def abort(self) -> None:
        """Drop what was written: the sheet's file is removed."""
        if self._sheet is not None:
            sheet, self._sheet = self._sheet, None
            sheet.discard()


class _SheetFile:
    """An openpyxl write-only workbook whose one sheet's XML is written to ``<tmp>.sheet.tmp`` as rows come."""

    def __init__(self, tmp: Path, title: str, path: Path, header: list):
        from openpyxl import Workbook
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
        from openpyxl.worksheet._writer import ALL_TEMP_FILES, WorksheetWriter

        self.path = path
        self._illegal = ILLEGAL_CHARACTERS_RE
        self.file = Path(tmp).with_suffix(".sheet.tmp")
        self.header = list(header)
        # owner-only, as the output's temp file (mkstemp): it holds every comment; the name is the output
        # temp's, itself unique, so one already there is an error
        os.close(os.open(self.file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        self._lock = hold_lock(self.file)
        self.ws = None
        try:
            self._wb = Workbook(write_only=True)
            self.ws = self._wb.create_sheet(title=title)
            # openpyxl would put the sheet's file in the system temp folder; its writer takes a path, and
            # removes it (at save, or at exit) only when listed in ALL_TEMP_FILES
            ALL_TEMP_FILES.append(str(self.file))
            self.ws._writer = WorksheetWriter(self.ws, out=str(self.file))
            self.ws._writer.write_top()
            self.ws.append(_header_cells(self.header, self._illegal, path, self.ws))
        except BaseException:
            self.discard()
            raise

    def append_rows(self, rows, pad: tuple, text: list[bool]) -> None:
        """Append each row (a tuple of values, ``pad`` after it; ``text``: the columns whose text stays text)."""
        ws, illegal, path = self.ws, self._illegal, self.path
        for row in rows:
            ws.append([_xlsx_cell(v, illegal, path, ws, as_text=t) for v, t in zip(row + pad, text)])

    def save(self, target: Path, header: list) -> None:
        """Finish the sheet and write the workbook to ``target``, with ``header`` as its first row when it
        grew after the first chunk; the sheet's file is removed in any case."""
        try:
            if header == self.header:
                self._wb.save(target)
                return
            cells = _header_cells(header, self._illegal, self.path, self.ws)  # (a too long name raises here)
            part = self.file.with_suffix(".part.tmp")
            try:
                self._wb.save(part)
                _put_header(part, target, self.ws.path.lstrip("/"), _row_xml(cells))
            finally:
                part.unlink(missing_ok=True)
        finally:
            self.discard()

    def discard(self) -> None:
        """Close the sheet (collected half-written later, it would write to a closed file and print a
        traceback under the one-line error) and remove its file."""
        from openpyxl.worksheet._writer import ALL_TEMP_FILES

        try:
            if self.ws is not None and not self.ws.closed:
                self.ws.close()
        except Exception:  # noqa: BLE001 (a row that failed half-way: the file goes anyway)
            pass
        self.file.unlink(missing_ok=True)
        if str(self.file) in ALL_TEMP_FILES:
            ALL_TEMP_FILES.remove(str(self.file))
        self._lock = release_lock(self._lock)


def _header_cells(names: list, illegal: re.Pattern, path: Path, ws: Any) -> list:
    """The header row's cells: names come from the input too, so text cells, never a formula (``=...``)
    or an error."""
    return [_xlsx_cell(scalar_text(c), illegal, path, ws, as_text=True) for c in names]


def _row_xml(cells: list) -> bytes:
    """``cells`` as openpyxl writes them as a sheet's first row (``<row r="1">...</row>``).

    >>> _row_xml(["id", "note "])
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c><c r="B1" t="inlineStr"><is><t xml:space="preserve">note </t></is></c></row>'
    """
    from openpyxl import Workbook

    ws = Workbook(write_only=True).create_sheet()
    ws.append(cells)
    ws.close()
    try:
        xml = ws._writer.read()
    finally:
        ws._writer.cleanup()
    return _FIRST_ROW.search(xml).group(0)


# a sheet's first row: its start tag, then its cells up to its end tag (texts cannot hold '<'), or an empty row
_FIRST_ROW = re.compile(rb"<row\b[^>]*?(?:/>|>.*?</row>)", re.S)


def _put_header(src: Path, dst: Path, sheet_part: str, row: bytes) -> None:
    """Copy the workbook ``src`` to ``dst`` with the first row of ``sheet_part`` replaced by ``row``,
    streamed: the sheet is read until its first row ends, then copied in blocks."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            copy = zipfile.ZipInfo(info.filename, info.date_time)
            copy.compress_type, copy.external_attr = info.compress_type, info.external_attr
            copy.file_size = info.file_size  # (so a sheet past 2 GiB is written as ZIP64, as openpyxl does)
            with zin.open(info) as fin, zout.open(copy, "w") as fout:
                if info.filename == sheet_part:
                    head = b""
                    while not (found := _FIRST_ROW.search(head)):
                        block = fin.read(1 << 16)
                        if not block:
                            raise ValueError(f"{sheet_part}: no header row")  # (openpyxl always writes one)
                        head += block
                    fout.write(head[:found.start()] + row + head[found.end():])
                shutil.copyfileobj(fin, fout, 1 << 20)


def _check_cell_sizes(chunk: pd.DataFrame, rows_before: int, path: Path) -> None:
    """Raise ``InputFileError`` naming the first text cell longer than an Excel cell holds
    (1-based data row of the output, column), before any of the chunk is written."""
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
