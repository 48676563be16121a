"""The XLSX writer: one sheet whose rows go to disk as each chunk comes, so memory holds a chunk, not the table.

Each chunk's rows become the sheet's XML column by column (``xlsxcells``: the very bytes openpyxl's
write-only sheet wrote cell by cell, ~10x cheaper) and go to a file at once (texts inline, no
shared-strings table to grow); an openpyxl write-only workbook makes the rest of the workbook (styles,
the date formats' style ids, the sheet's name) and packs that file into it at ``save``. The file is kept
next to the output's temp file (``.out.xlsx.XXXX.sheet.tmp``, locked while written), not in the
system temp folder: it grows with the rows (~2x the CSV), and a run killed outright leaves it where
the next write to the same output removes it (``atomic._remove_stale_temps``).

The header row is the sheet's first row, written with the first chunk. A later chunk may bring
columns the first did not have (a JSON key first used late); then the saved workbook is copied
once, streamed, with the whole header put in place of the first one (:func:`_put_header`).
"""

from __future__ import annotations

import datetime as _dt
import functools
import io
import os
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from feedback_classifier.errors import InputFileError
from feedback_classifier.tableio import xlsxfile
from feedback_classifier.tableio.atomic import hold_lock, release_lock
from feedback_classifier.tableio.cells import scalar_text
from feedback_classifier.tableio.xlsxcells import (
    EXCEL_MAX_CELL_CHARS as _EXCEL_MAX_CELL_CHARS,
)
from feedback_classifier.tableio.xlsxcells import header_xml, rows_xml

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
        text = [c in self.text_columns for c in chunk.columns]
        self._sheet.append(chunk, text)
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
    """One sheet's XML written to ``<tmp>.sheet.tmp`` as rows come (``xlsxcells``: a chunk's rows built column by
    column); an openpyxl write-only workbook holds the rest (styles, sheet name, parts) and packs the file at save."""

    def __init__(self, tmp: Path, title: str, path: Path, header: list):
        from openpyxl import Workbook
        from openpyxl.worksheet._writer import ALL_TEMP_FILES

        self.path = path
        self.file = Path(tmp).with_suffix(".sheet.tmp")
        self.header = list(header)
        self.rows = 0
        self._out = None
        self._styles: dict[str, int] = {}
        # owner-only, as the output's temp file (mkstemp): it holds every comment; the name is the output
        # temp's, itself unique, so one already there is an error
        os.close(os.open(self.file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        self._lock = hold_lock(self.file)
        ALL_TEMP_FILES.append(str(self.file))  # (openpyxl removes the files listed there at exit)
        try:
            self._wb = Workbook(write_only=True)
            self.ws = self._wb.create_sheet(title=title)
            top, self._tail = _sheet_frame()
            self._out = open(self.file, "wb")  # noqa: SIM115 (open across chunks, closed by save/discard)
            self._out.write(top + header_xml(self.header, path).encode())
        except BaseException:
            self.discard()
            raise

    def append(self, chunk: pd.DataFrame, text: list[bool]) -> None:
        """Append ``chunk``'s rows (``text``: the columns whose text stays text; a column past the chunk's has
        no cells), :data:`SLICE_ROWS` at a time. A cell that fails (a nested value's text too long for a cell)
        raises with rows of the chunk written: ``TableWriter`` then removes the sheet and its output."""
        for start in range(0, len(chunk), SLICE_ROWS):
            xml = rows_xml(chunk.iloc[start:start + SLICE_ROWS], self.rows + 2, text, self.path, self._style_of)
            _write_strings(self._out, xml)
            self.rows += min(SLICE_ROWS, len(chunk) - start)

    def _style_of(self, kind: str) -> int:
        """The workbook's style id of a date kind's number format, registered as openpyxl does at the first
        cell of the kind (the ids in styles.xml follow that order)."""
        if kind not in self._styles:
            from openpyxl.cell import WriteOnlyCell

            self._styles[kind] = WriteOnlyCell(self.ws, _DATE_SAMPLES[kind]).style_id
        return self._styles[kind]

    def save(self, target: Path, header: list) -> None:
        """Finish the sheet and write the workbook to ``target``, with ``header`` as its first row when it
        grew after the first chunk; the sheet's file is removed in any case."""
        try:
            row = _row_xml(header, self.path) if header != self.header else None  # (a too long name raises here)
            out, self._out = self._out, None
            with out:
                out.write(self._tail)
            if row is None:
                _save_workbook(self._wb, self.ws, self.file, target)
                return
            part = self.file.with_suffix(".part.tmp")
            lock = None
            try:
                os.close(os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))  # (every comment: owner-only)
                lock = hold_lock(part)  # a temp with content nobody holds is a killed run's (atomic)
                _save_workbook(self._wb, self.ws, self.file, part)
                _put_header(part, target, self.ws.path.lstrip("/"), row)
            finally:
                part.unlink(missing_ok=True)
                release_lock(lock)
        finally:
            self.discard()

    def discard(self) -> None:
        """Close and remove the sheet's file."""
        from openpyxl.worksheet._writer import ALL_TEMP_FILES

        if self._out is not None:
            out, self._out = self._out, None
            out.close()
        self.file.unlink(missing_ok=True)
        if str(self.file) in ALL_TEMP_FILES:
            ALL_TEMP_FILES.remove(str(self.file))
        self._lock = release_lock(self._lock)


#: rows made into XML at a time: each column's cells, the rows and their parts are a few copies of the slice's
#: text (a whole 50,000-row chunk at once: +35-80 MiB peak PSS for `classify` to XLSX on 300,000 rows)
SLICE_ROWS = 8_192

_DATE_SAMPLES = {"datetime": _dt.datetime(2000, 1, 1), "date": _dt.date(2000, 1, 1), "time": _dt.time()}

#: zlib level of the workbook's parts. Excel reads any deflate level. The 103 MiB sheet of 200,000 survey rows:
#: level 6 (openpyxl's, zlib's default) 1.75 CPU-s, 14.8 MiB; 3: 0.80 s, 16.5 MiB; 2: 0.57 s, 18.7 MiB; 1: 0.54 s,
#: 20.1 MiB. Packing at 6 cost more than making the rows: 2 keeps most of the size for a third of the time.
DEFLATE_LEVEL = 2


@functools.lru_cache(maxsize=1)
def _sheet_frame() -> tuple[bytes, bytes]:
    """What openpyxl's write-only sheet writes before its rows (up to ``<sheetData>``) and after them."""
    from openpyxl import Workbook
    from openpyxl.worksheet._writer import WorksheetWriter

    ws = Workbook(write_only=True).create_sheet()
    ws._writer = WorksheetWriter(ws, out=io.BytesIO())
    ws._writer.write_top()
    ws.append([])
    ws.close()
    xml = ws._writer.read()
    start, end = xml.index(b"<sheetData>") + len(b"<sheetData>"), xml.index(b"</sheetData>")
    return xml[:start], xml[end:]


def _save_workbook(wb: Any, ws: Any, sheet: Path, target: Path) -> None:
    """openpyxl's ``save_workbook``, with ``sheet`` as the write-only sheet's XML, deflated at :data:`DEFLATE_LEVEL`."""
    from openpyxl.worksheet._writer import ALL_TEMP_FILES, WorksheetWriter
    from openpyxl.writer.excel import ExcelWriter

    writer = WorksheetWriter(ws, out=io.BytesIO())  # (what packing reads from a closed write-only sheet)
    writer.xf.close()
    writer.out = str(sheet)
    if str(sheet) not in ALL_TEMP_FILES:
        ALL_TEMP_FILES.append(str(sheet))  # (its cleanup, after packing, removes the file and this entry)
    ws._writer = writer
    ws._WriteOnlyWorksheet__saved = True  # (closed: packed as it is)
    stamp = source_date()
    wb.properties.modified = stamp or _dt.datetime.now(tz=_dt.UTC).replace(tzinfo=None)
    if stamp is not None:
        wb.properties.created = stamp
    archive = _StampedZip(target, "w", zipfile.ZIP_DEFLATED, allowZip64=True, compresslevel=DEFLATE_LEVEL)
    archive.stamp = None if stamp is None else stamp.timetuple()[:6]
    ExcelWriter(wb, archive).save()


def source_date() -> _dt.datetime | None:
    """``$SOURCE_DATE_EPOCH`` (the reproducible-builds convention) as a naive UTC time, else ``None``. A
    workbook holds its creation time (in its properties and in each part's zip entry), so the same command
    twice wrote different bytes, and an audit comparing checksums could not tell an unchanged output.

    >>> os.environ["SOURCE_DATE_EPOCH"] = "1700000000"; source_date().isoformat()
    '2023-11-14T22:13:20'
    >>> del os.environ["SOURCE_DATE_EPOCH"]; source_date() is None
    True
    """
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    try:
        # a zip entry cannot be dated before 1980
        return _dt.datetime.fromtimestamp(max(int(value), 315532800), tz=_dt.UTC).replace(tzinfo=None)
    except (ValueError, OverflowError, OSError):
        return None


class _StampedZip(zipfile.ZipFile):
    """A ``ZipFile`` dating every entry ``stamp`` (a ``date_time`` tuple) when set, as zipfile's own ``writestr``
    and ``write`` would otherwise (openpyxl packs a workbook with those two)."""

    stamp: tuple | None = None

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        if self.stamp is not None and isinstance(zinfo_or_arcname, str):
            info = zipfile.ZipInfo(zinfo_or_arcname, self.stamp)
            info.compress_type, info._compresslevel = self.compression, self.compresslevel
            info.external_attr = 0o600 << 16  # (as zipfile gives a named entry)
            zinfo_or_arcname = info
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        if self.stamp is None:
            return super().write(filename, arcname, compress_type, compresslevel)
        info = zipfile.ZipInfo.from_file(filename, arcname)
        info.date_time = self.stamp
        info.compress_type = self.compression if compress_type is None else compress_type
        info._compresslevel = self.compresslevel if compresslevel is None else compresslevel
        with open(filename, "rb") as src, self.open(info, "w") as dest:
            shutil.copyfileobj(src, dest, 1 << 20)
        return None


def _write_strings(out: Any, strings: pa.Array) -> None:
    """Write an Arrow string array's values one after another, straight from its data buffer."""
    strings = pc.fill_null(strings, "") if strings.null_count else strings
    offsets = np.frombuffer(strings.buffers()[1], dtype=np.int64)[strings.offset:strings.offset + len(strings) + 1]
    if len(offsets) > 1:
        out.write(memoryview(strings.buffers()[2])[int(offsets[0]):int(offsets[-1])])


def _row_xml(names: list, path: Path = Path("output.xlsx")) -> bytes:
    """The header row as openpyxl writes a sheet's first row (``<row r="1">...</row>``).

    >>> _row_xml(["id", "note "])
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c><c r="B1" t="inlineStr"><is><t xml:space="preserve">note </t></is></c></row>'
    """
    return header_xml(names, path).encode()


# a sheet's first row: its start tag, then its cells up to its end tag (texts cannot hold '<'), or an empty row
_FIRST_ROW = re.compile(rb"<row\b[^>]*?(?:/>|>.*?</row>)", re.DOTALL)


def _put_header(src: Path, dst: Path, sheet_part: str, row: bytes) -> None:
    """Copy the workbook ``src`` to ``dst`` with the first row of ``sheet_part`` replaced by ``row``,
    streamed: the sheet is read until its first row ends, then copied in blocks."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", compresslevel=DEFLATE_LEVEL) as zout:
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
        if isinstance(values.dtype, pd.StringDtype):  # (Arrow's kernel, not a Python call per cell)
            lengths = values.str.len().fillna(0).to_numpy(dtype=np.int64)
        else:
            lengths = values.map(lambda v: len(v) if isinstance(v, str) else 0).to_numpy()
        over = np.flatnonzero(lengths > _EXCEL_MAX_CELL_CHARS)
        if len(over):
            i = int(over[0])
            raise InputFileError(
                f"{path}: row {rows_before + i + 1:,}, column {scalar_text(col)!r}: a cell has {int(lengths[i]):,} "
                f"characters, more than Excel's {_EXCEL_MAX_CELL_CHARS:,}; write .csv or .parquet instead"
            )
