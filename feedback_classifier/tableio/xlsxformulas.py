"""Formula cells of an XLSX sheet that have no stored result, so their value cannot be read.

The reader takes each formula cell's stored result (``data_only``): a workbook saved by Excel or
LibreOffice has them. One written by a script (openpyxl, pandas' ``to_excel`` of a text starting
with ``=``) and never opened in a spreadsheet has the formulas only, and those cells would read as
empty: the user's value lost without a word. This module finds them (the sheet's XML: a formula
with no value, or an empty one that is not a text result), so the reader keeps the formula text
instead and says so, and a command that needs such a column stops with the fix. XlsxWriter (pandas'
other Excel engine) stores ``0`` as every formula's result instead, and marks the workbook for a full
recalculation on opening (``fullCalcOnLoad``): in such a workbook a stored ``0`` is taken for that
placeholder, since reading it as the value would put a made-up zero into a score column.

A cheap byte search over the sheet settles that most sheets (no formulas, or formulas with
results) have none; only a sheet where it matches is parsed cell by cell.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

__all__ = ["FIX", "cell_ref", "formulas_topic", "uncomputed_formulas"]

#: What the user does about it (every message says it).
FIX = "open and save the file in Excel or LibreOffice so the results are stored, or export to CSV"

# a formula element followed by no value or an empty one, then the cell's end
_MAYBE = re.compile(
    rb"<(?:\w+:)?f\b[^>]*?(?:/>|>[^<]*</(?:\w+:)?f>)\s*(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>"
)
# the same with XlsxWriter's placeholder result, looked for only in a workbook marked for recalculation
_PLACEHOLDER = re.compile(
    rb"<(?:\w+:)?f\b[^>]*?(?:/>|>[^<]*</(?:\w+:)?f>)\s*<(?:\w+:)?v>0</(?:\w+:)?v>\s*</(?:\w+:)?c>"
)
_CALC_ON_LOAD = re.compile(rb"<(?:\w+:)?calcPr\b[^>]*\bfullCalcOnLoad=\"(?:1|true)\"")
_BLOCK = 1 << 20
_OVERLAP = 1 << 16  # longer than any formula element (Excel: 8,192 characters)


def uncomputed_formulas(path: Path, part: str | None) -> list[tuple[int, int, str]]:
    """``(row, column, formula)`` (1-based sheet row and column, ``=...``) of every formula cell
    of the sheet stored at ``part`` inside the workbook that has no stored result.

    >>> import tempfile, openpyxl
    >>> p = Path(tempfile.mkdtemp()) / "f.xlsx"
    >>> wb = openpyxl.Workbook(); ws = wb.active
    >>> ws.append(["id", "nps"]); ws.append([1, "=2*4"]); ws.append([2, 7]); wb.save(p)
    >>> uncomputed_formulas(p, "xl/worksheets/sheet1.xml")
    [(2, 2, '=2*4')]
    """
    if part is None:
        return []
    try:
        with zipfile.ZipFile(path) as zf:
            placeholders = _recalculates_on_load(zf)
            if not _may_have(zf, part, placeholders):
                return []
            with zf.open(part) as f:
                return _scan(f, placeholders)
    except (KeyError, zipfile.BadZipFile, ElementTree.ParseError, OSError):
        return []  # the reader itself has read the sheet; a part it cannot find here has no say


def _recalculates_on_load(zf: zipfile.ZipFile) -> bool:
    try:
        return bool(_CALC_ON_LOAD.search(zf.read("xl/workbook.xml")))
    except KeyError:
        return False


def _may_have(zf: zipfile.ZipFile, part: str, placeholders: bool) -> bool:
    tail, tags = b"", None
    with zf.open(part) as f:
        while block := f.read(_BLOCK):
            text = tail + block
            if tags is None:  # elements are written "<f>", or "<x:f>" where the document uses a prefix
                tags = (b":f>", b":f ", b":f/") if b":worksheet" in block[:4096] else (b"<f",)
            # most sheets have no formula element at all: a fast substring search settles it
            if any(tag in text for tag in tags) and (
                    _MAYBE.search(text) or (placeholders and _PLACEHOLDER.search(text))):
                return True
            tail = block[-_OVERLAP:]
    return False


def _scan(f, placeholders: bool) -> list[tuple[int, int, str]]:
    found: list[tuple[int, int, str]] = []
    shared: dict[str, tuple[str, str]] = {}  # a shared formula's id -> (its text, the cell it is written in)
    row = col = 0
    for event, el in ElementTree.iterparse(f, events=("start", "end")):
        tag = el.tag.rpartition("}")[2]
        if event == "start":
            if tag == "row":
                row, col = int(el.get("r") or row + 1), 0
            continue
        if tag == "row":
            el.clear()  # a big sheet is not kept in memory
        if tag != "c":
            continue
        ref = el.get("r")
        col = _column(ref) if ref else col + 1
        formula = _child(el, "f")
        if formula is None:
            continue
        value = _child(el, "v")
        stored = value is not None and value.text
        if placeholders and stored == "0" and el.get("t") in (None, "n"):
            stored = None  # XlsxWriter's stand-in for a result nothing has computed
        if stored or el.get("t") in ("str", "inlineStr"):
            continue  # a result is stored (an empty text result is a result)
        found.append((row, col, _text(formula, shared, ref or cell_ref(row, col))))
    return found


def _text(formula, shared: dict[str, tuple[str, str]], ref: str) -> str:
    text = formula.text or ""
    if formula.get("t") == "shared":
        si = formula.get("si") or ""
        if text:
            shared[si] = (text, ref)
        elif si in shared:
            from openpyxl.formula.translate import Translator

            master, origin = shared[si]
            return Translator("=" + master, origin=origin).translate_formula(ref)
    return "=" + text


def _child(el, name: str):
    for child in el:
        if child.tag.rpartition("}")[2] == name:
            return child
    return None


def _column(ref: str) -> int:
    """
    >>> _column("B7"), _column("AA10")
    (2, 27)
    """
    n = 0
    for ch in ref:
        if not ch.isalpha():
            break
        n = n * 26 + ord(ch.upper()) - 64
    return n


def cell_ref(row: int, col: int) -> str:
    """The spreadsheet name of the cell at 1-based ``row`` and ``col``.

    >>> cell_ref(3, 28)
    'AB3'
    """
    letters = ""
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row}"


def formulas_topic(path, sheet) -> str:
    """What the warning about a sheet's formulas and an error about one of them share
    (``InputWarning.topic``): the CLI prints the error alone."""
    return f"formulas without results: {path} / {sheet}"
