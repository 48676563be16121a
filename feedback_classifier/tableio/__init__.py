"""Table I/O: read and write survey exports (CSV/TSV, XLSX, Parquet, JSON Lines), atomically.

This is the only package that touches table files. Everything else works on
DataFrames. The rules it keeps:

* **Text in, text out.** By default every cell is read as text (pandas ``str``
  dtype, which is the default string dtype in pandas 3), so ids like ``007`` and
  phone numbers are never turned into numbers. Missing cells are ``NaN``
  (``pd.isna`` is true); *only an empty cell* counts as missing: ``"NA"``,
  ``"null"`` or ``"None"`` stay text, because a comment saying "None" is data.
  Modules that need numbers (scores) parse them from the text. Pass
  ``as_text=False`` to get each format's native types instead.
* **No row is ever dropped.** Blank lines inside a CSV become all-missing rows;
  JSON Lines skips only lines that are blank (they are not records). XLSX is
  the one exception: rows *after the last non-empty row* of a sheet are
  dropped, because Excel leaves formatted-but-empty rows there and they are not
  data (empty rows between data rows are kept). Rows *above* the header that are
  blank or hold a report's one-cell title are not data either (``titlerows``): they
  are skipped with an ``errors.InputWarning`` naming them, as is the last row with
  values of a workbook or CSV when it is a report's totals row ("Total" and numbers only).
* CSV and XLSX cannot tell an empty string from a missing cell, so ``""`` reads
  back as missing; Parquet and JSONL keep ``""`` and missing apart. XLSX (XML)
  also stores a carriage return inside a cell as a plain line feed.
* **Nothing is changed silently**: a CSV row with fewer cells than the header is
  kept (its missing cells empty) and an ``errors.InputWarning`` says how many
  and which is first; an XLSX formula without a stored result (a workbook
  written by a script, never opened in a spreadsheet) reads as its formula
  text with a warning, and a command needing its column stops with the fix.
* **Encoding and delimiter are sniffed** for CSV-like files (BOM, then strict
  UTF-8, then a restricted charset-normalizer guess with cp1251 as the Cyrillic
  fallback; delimiter among ``,`` ``;`` tab ``|``). ``encoding=`` / ``sep=``
  override the guess.
* **Writes are atomic**: a temp file in the target directory, renamed over the
  target only when complete; on failure the temp file is removed and an old file
  at the target is left untouched.
* **CSV/XLSX output is safe to open in a spreadsheet**: text cells that a
  spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``,
  tab or CR) get a leading ``'``. Plain numbers such as ``-5`` and dash-only
  cells are left alone. Parquet/JSONL keep text exactly.
* **CSV output is UTF-8 with a BOM** by default: without the BOM, Excel opens a
  UTF-8 CSV as cp1251/cp1252 and Cyrillic turns into mojibake. Other readers
  (pandas, Python's ``utf-8-sig``, most databases) skip the BOM. Pass
  ``encoding="utf-8"`` for a BOM-less file.

Where things are: ``formats`` holds the registry of formats (one entry each: extensions,
reader, writer); ``csvfile``, ``jsonlfile``, ``parquetfile`` and ``xlsxfile`` read and
write one format each; ``reading`` and ``writing`` are the format-independent entry
points; ``encoding`` sniffs encodings and delimiters; ``cells`` turns values into text;
``formulas`` neutralises formula-like cells; ``atomic`` does atomic writes; ``columns``
checks required columns.
"""

from feedback_classifier.tableio.atomic import refuse_overwriting_input, write_file_atomic
from feedback_classifier.tableio.columns import require_columns, require_distinct_roles, resolve_column
from feedback_classifier.tableio.encoding import detect_encoding, detect_separator
from feedback_classifier.tableio.exports import export_note
from feedback_classifier.tableio.formats import FORMATS, detect_format
from feedback_classifier.tableio.formulas import guarded_note, neutralize_formulas
from feedback_classifier.tableio.reading import (
    DEFAULT_READ,
    ReadOptions,
    is_empty_file,
    iter_table,
    peek_table,
    read_table,
    with_late_keys,
)
from feedback_classifier.tableio.rowcount import estimate_total_rows
from feedback_classifier.tableio.writing import TableWriter, input_layout, write_table
from feedback_classifier.tableio.xlsxfile import EXCEL_MAX_DATA_ROWS

__all__ = [
    "DEFAULT_READ",
    "EXCEL_MAX_DATA_ROWS",
    "FORMATS",
    "ReadOptions",
    "TableWriter",
    "detect_encoding",
    "detect_format",
    "detect_separator",
    "estimate_total_rows",
    "export_note",
    "input_layout",
    "is_empty_file",
    "iter_table",
    "guarded_note",
    "neutralize_formulas",
    "peek_table",
    "with_late_keys",
    "read_table",
    "refuse_overwriting_input",
    "require_columns",
    "require_distinct_roles",
    "resolve_column",
    "write_file_atomic",
    "write_table",
]
