"""XLSX workbooks: one sheet read in chunks as its XML is parsed (the writer is ``xlsxsink``).

Rows after the last non-empty row of a sheet are dropped: Excel leaves formatted-but-empty
rows there and they are not data (empty rows between data rows are kept). Formula cells
read as their stored result; a formula without one (a workbook written by a script and never
opened in a spreadsheet) reads as its formula text, with an ``InputWarning``, and a command that
needs its column stops (``xlsxformulas``). XML stores a carriage return inside a cell as a line feed.
"""

from __future__ import annotations

import difflib
import io
import itertools
import math
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from feedback_classifier.errors import InputFileError, InputWarning, warn
from feedback_classifier.tableio.cells import cell_kinds, scalar_text
from feedback_classifier.tableio.titlerows import LOOK_ROWS as _LEAD_LOOK, lead_rows, warn_lead, without_totals
from feedback_classifier.tableio.xlsxformulas import FIX, cell_ref, formulas_topic, uncomputed_formulas

__all__ = ["EXCEL_MAX_DATA_ROWS"]

#: Excel sheets have 1,048,576 rows; one is the header.
EXCEL_MAX_DATA_ROWS = 1_048_575

# --------------------------------------------------------------------------- reading

#: Rows whose cells are Python objects at a time (a chunk is made of frames of this many rows, its
#: text columns compact): the objects of 50,000 rows of comments left ~100 MB of RSS behind.
_BLOCK_ROWS = 8_192


def iter_xlsx(
    path: Path, kind: str, chunksize: int | None, *, sheet: str | int | None, encoding: Any, sep: Any, as_text: bool,
    encoding_errors: str = "strict", header_row: int | None = None,
) -> Iterator[pd.DataFrame]:
    """Chunks of at most ``chunksize`` data rows of one sheet, made as openpyxl parses the sheet, so
    memory holds one chunk (and the workbook's shared strings), not the sheet; ``chunksize=None``: the
    whole sheet as one frame. ``encoding``/``encoding_errors``/``sep`` do not apply. An unreadable
    workbook or an unknown sheet raises here; a damaged sheet raises while iterating.

    >>> import tempfile, openpyxl
    >>> p = Path(tempfile.mkdtemp()) / "s.xlsx"
    >>> wb = openpyxl.Workbook()
    >>> for row in (["id", "nps"], ["007", 9], [], ["008", None], [], [None, None]): wb.active.append(row)
    >>> wb.save(p)
    >>> [c["id"].tolist() for c in iter_xlsx(p, "xlsx", 2, sheet=None, encoding=None, sep=None, as_text=True)]
    [['007', nan], ['008']]
    """
    wb = _open_workbook(path)
    try:
        ws = _pick_sheet(wb, path, sheet)
        # Some writers store a wrong sheet size, and read-only mode trusts it: too
        # small cuts data off silently, too large pads phantom rows. Re-measure.
        ws.reset_dimensions()
        formulas = uncomputed_formulas(path, getattr(ws, "_worksheet_path", None))  # (read-only sheets know their part)
    except BaseException:
        _close(wb)
        raise
    return _frames(wb, ws, path, chunksize, as_text, formulas, header_row)


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
    spreadsheet packs to (a few kB naming gigabytes of rows): openpyxl reads the shared strings whole,
    so they would fill the memory, and a sheet would take hours to stream. The sizes are the
    archive's own (zipfile never unpacks past them)."""
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
    from openpyxl.utils.exceptions import InvalidFileException

    from feedback_classifier.tableio.xlsxstrings import open_workbook_read_only

    try:
        # openpyxl refuses a workbook by its name alone: one named .csv (tableio.formats.format_by_content)
        # is handed over as bytes. data_only: formula cells give their cached value, never the formula text.
        source = path if Path(path).suffix.lower() in (".xlsx", ".xlsm") else io.BytesIO(Path(path).read_bytes())
        _refuse_zip_bomb(source, path)
        return open_workbook_read_only(source)  # (its texts in a temporary file: xlsxstrings)
    except InputFileError:
        raise
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, EOFError) as exc:
        raise InputFileError(
            f"{path}: not a readable XLSX workbook ({type(exc).__name__}: {exc}); "
            "open it in Excel and save it as .xlsx again, or export CSV"
        ) from None


def _close(wb) -> None:
    """Close the workbook and remove its shared strings' temporary file."""
    wb.close()
    strings = getattr(wb, "shared_strings", None)
    if hasattr(strings, "close"):
        strings.close()


def sheets_with_column(path: Path, name: str) -> list[str]:
    """The sheets of a workbook whose first row has a cell ``name`` (for a missing-column hint)."""
    wb = _open_workbook(path)
    try:
        found = []
        for ws in wb.worksheets:
            head = list(ws.iter_rows(max_row=_LEAD_LOOK, values_only=True))
            first = head[lead_rows(head)] if head else ()
            if any(c is not None and str(c).strip() == name for c in first):
                found.append(ws.title)
        return found
    finally:
        _close(wb)


def _pick_sheet(wb, path: Path, sheet: str | int | None):
    names = wb.sheetnames
    if sheet is None:
        return wb.worksheets[0]
    if isinstance(sheet, int) and not isinstance(sheet, bool):
        if not 0 <= sheet < len(names):
            raise InputFileError(
                f"{path}: no sheet number {sheet} (0-based); the workbook has {len(names)} sheet(s): "
                + ", ".join(repr(n) for n in names)
            )
        return wb[names[sheet]]
    if sheet in names:
        return wb[sheet]
    close = difflib.get_close_matches(str(sheet), names, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise InputFileError(
        f"{path}: no sheet named {sheet!r}; the workbook has sheets: "
        + ", ".join(repr(n) for n in names)
        + f".{hint} Pass one of them with sheet= (CLI: --sheet)"
    )


def _frames(wb, ws, path: Path, chunksize: int | None, as_text: bool,
            formulas: list[tuple[int, int, str]], header_row: int | None = None) -> Iterator[pd.DataFrame]:
    """The sheet's frames: the header row names the columns; rows after the last one with a value
    are left out (see the module doc); every other row is kept, empty ones too."""
    try:
        rows = without_totals(_kept_rows(_sheet_rows(ws, path, formulas)), path, ws.title)
        head = list(itertools.islice(rows, max(_LEAD_LOOK, header_row or 0)))
        if header_row is not None and header_row > len(head):
            raise InputFileError(f"{path}, sheet {ws.title!r}: --header-row {header_row} (library: header_row=) but "
                                 f"the sheet has {len(head)} row(s) with values; pass the row of the column names")
        lead = header_row - 1 if header_row is not None else lead_rows(head)  # (tableio.titlerows)
        if lead and header_row is None:
            warn_lead(path, head[:lead], "row", ws.title)
        rows = itertools.chain(head[lead:], rows)
        header = next(rows, None)
        if header is None:  # an empty sheet
            df = pd.DataFrame()
            df.attrs["sheet"] = ws.title
            yield df
            return
        sheet = _SheetColumns(header, [f for f in formulas if f[0] > lead], ws.title, header_row=lead + 1)
        yielded = False
        for df in _chunks(rows, chunksize, sheet, as_text):
            yielded = True
            yield df
        if not yielded:  # a header alone: the columns, no rows
            yield sheet.frame([], as_text)
        # said once the whole sheet is read; a command that stops on such a column says it in its error
        whole = pd.DataFrame()
        whole.attrs.update(sheet.attrs())
        note = formulas_note(whole, path)
        if note:
            warn(InputWarning(note, topic=formulas_topic(path, ws.title)))
    finally:
        _close(wb)


def _sheet_rows(ws, path: Path, formulas: list[tuple[int, int, str]]) -> Iterator[tuple | list]:
    """Every row of the sheet, formula cells without a stored result holding their formula."""
    by_row: dict[int, list[tuple[int, str]]] = {}
    for row, col, formula in formulas:
        by_row.setdefault(row, []).append((col, formula))
    cells = ws.iter_rows(values_only=True)
    n = 0
    while True:
        try:
            r = next(cells, None)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
            raise InputFileError(f"{path}: corrupt sheet data ({exc}); re-save the workbook in Excel") from None
        if r is None:
            return
        n += 1
        if n > EXCEL_MAX_DATA_ROWS + 1:  # no sheet is longer: a forged one would never end
            raise InputFileError(
                f"{path}, sheet {ws.title!r}: more than {EXCEL_MAX_DATA_ROWS + 1:,} rows, more than an Excel "
                "sheet holds (a damaged or forged file?); export it as CSV and read that")
        row = list(r) if n in by_row else r
        for col, formula in by_row.get(n, ()):
            if len(row) < col:
                row.extend([None] * (col - len(row)))
            if row[col - 1] in (None, 0):  # it read as empty, or as XlsxWriter's placeholder 0
                row[col - 1] = formula
        yield row


def _kept_rows(rows: Iterator[list]) -> Iterator[list]:
    """The rows up to the last one with a value: a run of empty rows is held back (as ``()`` when
    every cell is None, a few bytes each) until a row with a value follows it."""
    held: list = []
    for r in rows:
        if all(v is None or v == "" for v in r):
            held.append(r if "" in r else ())
            continue
        if held:
            yield from held
            held = []
        yield r


def _chunks(rows: Iterator, chunksize: int | None, sheet: _SheetColumns, as_text: bool) -> Iterator[pd.DataFrame]:
    """Frames of ``chunksize`` rows (None: all), each made from blocks of ``_BLOCK_ROWS`` rows: a row's
    cells are Python objects only until its block is a frame, whatever the chunk size."""
    while True:
        blocks: list[pd.DataFrame] | None = []
        want = chunksize or math.inf
        while want:
            batch: list | None = list(itertools.islice(rows, min(want, _BLOCK_ROWS)))
            if not batch:
                break
            want -= len(batch)
            blocks.append(sheet.frame(batch, as_text))
        if not blocks:
            return
        df = _joined(blocks, sheet, as_text)
        blocks = batch = None  # (not held while the chunk is worked on)
        yield df


class _SheetColumns:
    """A sheet's columns as its rows come: the header row's and every row's cells up to the last one
    with a value, named by the header row (``Unnamed: 3`` where it is empty, ``Q.1`` where it repeats).
    A row read later with a value further right adds columns, empty in the chunks before, as a JSON
    key first used late does (``TableWriter`` adds them); a sheet read in one chunk has them all."""

    def __init__(self, header: list, formulas: list[tuple[int, int, str]], title: str, header_row: int = 1):
        self._header = header
        self._title = title
        self._header_row = header_row
        # formula cells become their formula text, so their columns are the sheet's from the start
        self.width = max([_last_value(header), *(col for _, col, _ in formulas)])
        filled: dict[int, list[tuple[str, str]]] = {}
        for row, col, formula in formulas:
            if row > header_row:  # the header's own cells name the columns
                filled.setdefault(col - 1, []).append((cell_ref(row, col), formula))
        self._formulas = filled
        self._name()

    def _name(self) -> None:
        texts = [scalar_text(v) for v in self._header[: self.width]]
        texts += [None] * (self.width - len(texts))
        self.names = _unique_names([h if h not in (None, "") else f"Unnamed: {i}" for i, h in enumerate(texts)])
        self._texts = [h or "" for h in texts]

    def attrs(self) -> dict:
        """The sheet's name, header row as written and formula cells without a stored result by column."""
        attrs: dict = {"sheet": self._title, "header": list(self._texts), "header_row": self._header_row}
        if self._formulas:
            attrs["uncomputed_formulas"] = {
                self.names[col]: (len(cells), *cells[0]) for col, cells in sorted(self._formulas.items())}
        return attrs

    def frame(self, rows: list, as_text: bool) -> pd.DataFrame:
        """``rows`` as a frame: text columns (``as_text``, their cells' types in ``attrs["native_types"]``)
        or each column's inferred type."""
        width = max([self.width, *(_last_value(r) for r in rows if len(r) > self.width)])
        if width > self.width:
            self.width = width
            self._name()
        body = [r[:width] if len(r) >= width else [*r, *([None] * (width - len(r)))] for r in rows]
        columns = list(zip(*body)) if body else [()] * width
        data = {}
        for i, col in enumerate(columns):
            if as_text:
                data[i] = pd.Series([scalar_text(v) for v in col], dtype="str")
            else:
                data[i] = pd.Series(list(col), dtype=object).infer_objects()
        df = pd.DataFrame(data, index=pd.RangeIndex(len(body)))
        df.columns = self.names
        df.attrs.update(self.attrs())
        if as_text:  # the writers give these columns their type back (cells.restore_types)
            df.attrs["native_types"] = cell_kinds(dict(enumerate(columns)), self.names)
        return df


def _last_value(row) -> int:
    """How many cells of ``row`` there are up to its last one that is not None.

    >>> _last_value(["a", None, "", None]), _last_value(())
    (3, 0)
    """
    n = len(row)
    while n and row[n - 1] is None:
        n -= 1
    return n


def _joined(frames: list[pd.DataFrame], sheet: _SheetColumns, as_text: bool) -> pd.DataFrame:
    """The blocks of a chunk (or of the whole sheet) as one frame, typed as if made at once: a column is typed
    (``native_types``) when every block with a value in it agrees, and a block without a column
    read further down has it empty."""
    if len(frames) <= 1:
        return frames[0] if frames else sheet.frame([], as_text)
    votes: dict[str, set] = {}
    for i, df in enumerate(frames):
        own = df.attrs.get("native_types") or {}
        for name in df.columns:
            if name in own or (as_text and (df[name].fillna("") != "").any()):
                votes.setdefault(name, set()).add(own.get(name))
        missing = [n for n in sheet.names if n not in df.columns]
        if missing:
            frames[i] = df.assign(**{n: pd.Series([None] * len(df), dtype="str" if as_text else object)
                                     for n in missing})[sheet.names]
    df = pd.concat(frames, ignore_index=True)
    if not as_text:  # a column typed differently by two blocks: typed as a whole, as in one block
        for i, name in enumerate(df.columns):
            if len({f[name].dtype for f in frames}) > 1:
                df.isetitem(i, pd.Series(df[name].tolist(), dtype=object).infer_objects())
    df.attrs = sheet.attrs()
    if as_text:
        df.attrs["native_types"] = {n: next(iter(k)) for n, k in votes.items() if len(k) == 1 and None not in k}
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
