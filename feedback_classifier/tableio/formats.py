"""The table formats, one registry entry each: adding a format is one entry here.

An entry names the format, the file extensions and ``fmt=`` aliases that select it, the
function that reads it in chunks, the sink that writes it, and what it accepts (gzip,
sheets, a delimiter, a text encoding). :func:`detect_format` reads only this registry.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from feedback_classifier.errors import InputFileError
from feedback_classifier.tableio.compressed import (
    compression_by_name,
    is_workbook,
    refuse_compressed_input,
    refuse_compressed_output,
)
from feedback_classifier.tableio.csvfile import CsvSink, iter_csv
from feedback_classifier.tableio.jsonlfile import JsonlSink, iter_jsonl
from feedback_classifier.tableio.parquetfile import ParquetSink, iter_parquet
from feedback_classifier.tableio.xlsxfile import iter_xlsx
from feedback_classifier.tableio.xlsxsink import XlsxSink

__all__ = ["FORMATS", "GZIP_FORMATS", "REGISTRY", "TableFormat", "detect_format", "format_by_content"]


@dataclass(frozen=True)
class TableFormat:
    """One table format.

    ``reader(path, name, chunksize, *, sheet, encoding, sep, as_text)`` returns an iterator
    of DataFrames; ``sink(tmp, path, *, encoding, sep, gz, sheet_name)`` gives an object
    with ``write(chunk)``, ``close()`` and ``abort()`` that fills the temp file ``tmp``.
    """

    name: str
    extensions: tuple[str, ...]
    reader: Callable[..., Iterator[pd.DataFrame]]
    sink: Callable[..., object]
    aliases: tuple[str, ...] = ()
    gzip_ok: bool = False
    has_sheets: bool = False
    #: Delimiter written by default (text formats with columns).
    sep: str = ","
    #: Text encoding written by default.
    encoding: str = "utf-8"


REGISTRY: dict[str, TableFormat] = {
    f.name: f
    for f in (
        TableFormat("csv", (".csv", ".txt"), iter_csv, CsvSink, gzip_ok=True, encoding="utf-8-sig"),
        TableFormat("tsv", (".tsv", ".tab"), iter_csv, CsvSink, gzip_ok=True, sep="\t", encoding="utf-8-sig"),
        TableFormat("xlsx", (".xlsx", ".xlsm"), iter_xlsx, XlsxSink, aliases=("excel",), has_sheets=True),
        TableFormat("parquet", (".parquet", ".pq"), iter_parquet, ParquetSink),
        TableFormat("jsonl", (".jsonl", ".ndjson", ".json"), iter_jsonl, JsonlSink, gzip_ok=True),
    )
}

#: Canonical format names returned by :func:`detect_format`.
FORMATS = tuple(REGISTRY)
#: Formats that may be gzip-compressed (``.csv.gz``).
GZIP_FORMATS = tuple(f.name for f in REGISTRY.values() if f.gzip_ok)

_BY_EXTENSION = {ext: f.name for f in REGISTRY.values() for ext in f.extensions}
_BY_ALIAS = {
    alias: f.name
    for f in REGISTRY.values()
    for alias in (f.name, *(ext.lstrip(".") for ext in f.extensions), *f.aliases)
}
_SUPPORTED_HINT = (
    "supported: "
    + " ".join(_BY_EXTENSION)
    + " (and "
    + "/".join(f"{ext}.gz" for f in REGISTRY.values() if f.gzip_ok for ext in f.extensions[:1])
    + ")"
)


def _split_gz(path: Path) -> tuple[str, bool]:
    name = path.name.lower()
    if name.endswith(".gz"):
        return Path(name[:-3]).suffix, True
    return path.suffix.lower(), False


def detect_format(path: str | os.PathLike, fmt: str | None = None, *, option: str | None = "--format") -> str:
    """Return the table format of ``path``: one of ``csv tsv xlsx parquet jsonl``.

    The format comes from the extension (``.csv.gz`` counts as ``csv``) unless
    ``fmt`` names it explicitly (aliases such as ``excel``, ``pq``, ``ndjson`` work).
    ``option`` is the command-line option that sets it, named in the error for an unknown
    extension: ``--format`` for an output, ``--input-format`` for an input, None for an output of a
    command with no such option (``suggest``, ``audit``: the extension is the only way to say it).

    >>> detect_format("survey.CSV")
    'csv'
    >>> detect_format("export.jsonl.gz")
    'jsonl'
    >>> detect_format("dump.dat", fmt="parquet")
    'parquet'
    >>> detect_format("old.xls")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    feedback_classifier.errors.InputFileError: old.xls: unknown table format '.xls'...
    >>> detect_format("export.dat", option="--input-format")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    feedback_classifier.errors.InputFileError: export.dat: ...; pass fmt= (CLI: --input-format) to choose the format explicitly
    """
    path = Path(path)
    if fmt is not None:
        canonical = _BY_ALIAS.get(str(fmt).lower().lstrip("."))
        if canonical is None:
            raise InputFileError(
                f"{path}: unknown format {fmt!r}; use one of: {', '.join(FORMATS)}"
            )
        return canonical
    ext, gz = _split_gz(path)
    canonical = _BY_EXTENSION.get(ext)
    if canonical is None and not ext and path.is_dir():
        raise InputFileError(f"{path}: is a directory; name a file in it, e.g. {path / 'survey.csv'}")
    if canonical is None and compression_by_name(path):
        if option != "--input-format":
            refuse_compressed_output(path)
        elif path.is_file():
            refuse_compressed_input(path)
    if canonical is None:
        what = f"'{ext}'" if ext else "(no extension)"
        extra = " (old .xls workbooks: save them as .xlsx in Excel first)" if ext == ".xls" else ""
        fix = (f"pass fmt= (CLI: {option}) to choose the format explicitly" if option
               else "name the output with one of these extensions")
        raise InputFileError(f"{path}: unknown table format {what}{extra}; {_SUPPORTED_HINT}; {fix}")
    if gz and not REGISTRY[canonical].gzip_ok:
        raise InputFileError(
            f"{path}: gzip is supported for {'/'.join(GZIP_FORMATS)} only; "
            f"decompress the {canonical} file first"
        )
    return canonical


_ZIP, _OLE2, _PARQUET = b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"PAR1"
_TEXT_FORMATS = ("csv", "tsv", "jsonl")


def format_by_content(path: Path, kind: str) -> str:
    """The format of the file at ``path`` whose extension says ``kind``, by its first bytes: a
    workbook or a Parquet file named ``.csv`` (a download saved under the wrong name, an export
    tool's "CSV" that is really XLSX) is read as what it is, with an ``InputWarning`` saying so;
    an ``.xlsx`` holding text is read as CSV. An old ``.xls`` workbook under any name is an error
    naming the fix, as is a workbook named ``.xlsx`` that is neither.

    >>> import tempfile, pathlib, warnings
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "export.xlsx"
    >>> _ = p.write_text("id,comment\\n1,Late\\n")
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     format_by_content(p, "xlsx"), str(caught[0].message)  # doctest: +ELLIPSIS
    ('csv', '...export.xlsx: is CSV text, not an XLSX workbook as its name says; read as CSV (rename it to .csv)')
    """
    from feedback_classifier.errors import InputWarning, warn

    if path.name.lower().endswith(".gz") or kind not in (*_TEXT_FORMATS, "xlsx"):
        return kind
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
    except OSError:  # the reader says what is wrong with the file
        return kind
    if head.startswith(_OLE2):
        raise InputFileError(f"{path}: is an old Excel 97-2003 (.xls) workbook; open it in Excel and save it as "
                             ".xlsx (or export CSV)")
    actual = kind
    if kind in _TEXT_FORMATS and head.startswith(_ZIP) and is_workbook(path):
        actual = "xlsx"
    elif kind in _TEXT_FORMATS and head.startswith(_PARQUET):
        actual = "parquet"
    elif kind == "xlsx" and head and not head.startswith(_ZIP) and b"\x00" not in head and not head.startswith(b"<"):
        actual = "csv"
    if actual != kind:
        names = {"csv": "CSV text", "tsv": "TSV text", "jsonl": "JSON Lines", "xlsx": "an XLSX workbook",
                 "parquet": "a Parquet file"}
        ext = REGISTRY[actual].extensions[0]
        warn(InputWarning(
            f"{path}: is {names[actual]}, not {names[kind]} as its name says; read as "
            f"{actual.upper() if actual != 'parquet' else 'Parquet'} (rename it to {ext})"))
    return actual

