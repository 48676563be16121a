"""Writing survey tables atomically, whole (:func:`write_table`) or streamed (:class:`TableWriter`).

Each format's writer ("sink") is in its own module and found through the registry in
``formats``; this module adds what every format shares: atomic replacement of the target,
the same columns in every chunk, the row count, and the input's own column names.

A table read from a file whose header repeats a name or leaves one empty has columns the
reader renamed (``Q.1``, ``Unnamed: 4``: a DataFrame needs distinct names); its
``attrs["original_names"]`` keeps the names as written, and the writers put those back in the
output's header. CSV, TSV and XLSX hold any header. JSON Lines and Parquet get the empty names
back, but cannot hold one name twice (a JSON object keeps the last of two equal keys, and
pandas/Arrow refuse them): there the repeated names stay as read (``Q.1``) and an
``InputWarning`` says so. Likewise ``attrs["native_types"]`` (a JSON Lines or Parquet input's
numbers, booleans, dates, nested values, an XLSX input's booleans and dates, read as text)
gives those columns their types back in JSON Lines, Parquet and XLSX output, and
``attrs["input_sep"]`` a CSV copy of a ``;`` or ``|`` separated file its separator: Excel
splits a CSV at the list separator of the user's locale (``;`` in most of Europe and Russia),
so a file that came as ``;`` and went back as ``,`` would open as one column. A ``;`` file's
float columns (confidence, probabilities, the drivers' figures) get that locale's decimal comma
too; the input's own cells are written as they were read, but in an XLSX copy its decimal-comma
numbers are number cells (``cells.point_decimals``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from feedback_classifier.errors import InputFileError, InputWarning, warn
from feedback_classifier.tableio.atomic import AtomicTarget, file_path, refuse_standard_output, unwritable_error
from feedback_classifier.tableio.cells import TEXT_KIND, point_decimals, restore_types
from feedback_classifier.tableio.compressed import refuse_compressed_output
from feedback_classifier.tableio.encoding import is_gzip, normalize_sep
from feedback_classifier.tableio.formats import GZIP_FORMATS, REGISTRY, detect_format

__all__ = ["TableWriter", "check_output_table", "input_layout", "write_table"]

_FORMAT_NAMES = {"jsonl": "JSON Lines", "parquet": "Parquet"}
# Formats whose cells have types: a column read from a typed input gets its type back there.
#: how Arrow names its nested types (``cells.arrow_kinds``)
_ARROW_NESTED = ("struct<", "list<", "large_list<", "fixed_size_list<", "map<")
_TYPED_FORMATS = ("jsonl", "parquet", "xlsx")
# Input separators a CSV output keeps when no separator is asked for (a tab goes to .tsv, not .csv).
_KEPT_SEPS = (";", "|")


def input_layout(attrs: dict, *, types: bool = True) -> dict:
    """The attrs of a table read from a file that tell a writer how to write what comes of it:
    the input's CSV separator and (with ``types``) its columns' native types (see the module doc).

    A table made from the input (a team queue, the drivers, a summary) has lost the input's attrs;
    giving it these makes a ``;`` export's queues ``;`` files too, and a JSON Lines export's queue
    numbers numbers. Without ``types`` only the separator: a table whose columns are not the input's.

    >>> input_layout({"input_sep": ";", "native_types": {"nps": "number"}, "sheet": "S"})
    {'input_sep': ';', 'native_types': {'nps': 'number'}}
    >>> input_layout({"input_sep": ";", "native_types": {"nps": "number"}}, types=False)
    {'input_sep': ';'}
    """
    keys = ("input_sep", "native_types") if types else ("input_sep",)
    return {k: attrs[k] for k in keys if attrs.get(k)}


def check_output_table(path: str | os.PathLike) -> None:
    """An ``InputFileError`` now for an output table ``path`` that could only fail to be written:
    ``-``, a name without a table extension, a folder, a folder that does not exist. A command that
    writes its table after minutes of fitting (``audit``, ``suggest``) otherwise did all that work and
    then stopped on the path, and a nightly job lost its run to a typo.

    >>> import tempfile
    >>> check_output_table(Path(tempfile.mkdtemp()) / "suspects.csv")
    >>> check_output_table("no/such/folder/suspects.csv")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    feedback_classifier.errors.InputFileError: no/such/folder/suspects.csv: output directory no/such/folder does not exist; create it first
    """
    refuse_standard_output(path)
    path = file_path(path, "the output")
    if path.is_dir():
        raise InputFileError(f"{path}: is a directory; give a file name for the output")
    detect_format(path, option=None)
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InputFileError(f"{path}: output directory {parent} does not exist; create it first")


def write_table(
    df: pd.DataFrame,
    path: str | os.PathLike,
    *,
    fmt: str | None = None,
    encoding: str | None = None,
    sep: str | None = None,
    sheet_name: str | None = None,
) -> Path:
    """Write ``df`` to ``path`` atomically, keeping every column and the row order; named index levels
    (``set_index("response_id")``) are written as the first columns, an unnamed index is not.

    The format comes from the extension (or ``fmt``). CSV is UTF-8 with a BOM and
    ``,`` unless ``encoding``/``sep`` say otherwise (``sep=";"`` suits Russian
    Excel); TSV uses tab. CSV neutralises formula-like text cells (see
    :func:`neutralize_formulas`); XLSX writes text as text cells, which never run as
    a formula, so they are kept as they are. In XLSX a text cell that is a plain number
    (``"9"``, ``"-1.5"``) is written as a number when reading it back gives the
    same text, so ids like ``"007"`` stay text, unless the column came from a sheet that
    stored it as text (``attrs["native_types"]``). The sheet is ``sheet_name``, else the
    input's (``attrs["sheet"]``) when ``df`` was read from a workbook, else ``Sheet1``.
    Returns the path written.

    >>> import codecs, tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "out.csv"
    >>> df = pd.DataFrame({"id": ["007"], "comment": ["=1+1"]})
    >>> raw = write_table(df, out).read_bytes()
    >>> raw[:3] == codecs.BOM_UTF8, raw[3:].decode().splitlines()
    (True, ['id,comment', "007,'=1+1"])
    """
    with TableWriter(path, fmt=fmt, encoding=encoding, sep=sep, sheet_name=sheet_name) as writer:
        writer.write(df)
    return writer.path


def _check_distinct_names(columns: pd.Index, path: Path, fmt: str) -> None:
    """A frame with a repeated column name goes to CSV as it is; XLSX, JSON Lines and Parquet writers
    failed on it with pandas' or Arrow's own error (an ``AttributeError`` for XLSX)."""
    if fmt == "csv" or columns.is_unique:
        return
    repeated = list(dict.fromkeys(columns[columns.duplicated()]))
    raise InputFileError(
        f"{path}: the table has more than one column named {', '.join(map(repr, repeated))}; "
        f"{_FORMAT_NAMES.get(fmt, fmt.upper())} output needs distinct names: rename them "
        "(df.columns = [...]) or write .csv, which keeps the header as it is"
    )


def _named_index_as_columns(df):
    """``df`` with its named index levels as leading columns, as pandas' own writers keep them: a
    notebook's ``set_index("response_id")`` had its ids left out of the file. An unnamed level is row
    positions, and a level also kept as a column (``drop=False``) would repeat it: both are left out.

    >>> _named_index_as_columns(pd.DataFrame({"a": [1]}, index=pd.Index(["R1"], name="id"))).columns.tolist()
    ['id', 'a']
    """
    if not isinstance(df, pd.DataFrame):
        return df  # _align names the wrong type
    named = [name for name in df.index.names if name is not None and name not in df.columns]
    if not named:
        return df
    return df.reset_index(level=named).reset_index(drop=True)


class TableWriter:
    """Stream DataFrame chunks into one table file, atomically.

    Use as a context manager: the target appears (or is replaced) only when the
    ``with`` block ends without an exception; otherwise the temp file is removed
    and an existing file at ``path`` is untouched. A chunk may order the columns
    differently, lack some (written empty) or bring new ones (added at the end, empty in the
    rows before: a JSON key first used late).
    CSV/TSV/JSONL chunks are appended as they come; Parquet uses the first
    chunk's schema (all-null columns in it are typed as text) and casts later
    chunks to it; XLSX rows go to disk as they come too (the workbook is packed at close), and XLSX
    refuses more than :data:`EXCEL_MAX_DATA_ROWS` rows.

    >>> import tempfile, pathlib
    >>> from feedback_classifier.tableio import read_table
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "out.parquet"
    >>> with TableWriter(out) as w:
    ...     w.write(pd.DataFrame({"a": ["x", "y"]}))
    ...     w.write(pd.DataFrame({"a": ["z"]}))
    >>> read_table(out)["a"].tolist(), w.rows_written
    (['x', 'y', 'z'], 3)
    """

    def __init__(
        self,
        path: str | os.PathLike,
        fmt: str | None = None,
        *,
        encoding: str | None = None,
        sep: str | None = None,
        sheet_name: str | None = None,
    ):
        self.path = file_path(path, "the output")
        refuse_compressed_output(self.path)  # with --format given, an out.csv.xz had been plain CSV
        self.fmt = detect_format(self.path, fmt)
        self._spec = REGISTRY[self.fmt]
        self.gzip = is_gzip(self.path)
        if self.gzip and not self._spec.gzip_ok:
            raise InputFileError(f"{self.path}: gzip output is supported for {'/'.join(GZIP_FORMATS)} only")
        self.encoding = encoding or self._spec.encoding
        self.sep = normalize_sep(sep, self.path) or self._spec.sep
        self._sep_given = sep is not None
        self.sheet_name = sheet_name
        self.columns: list | None = None
        self._renames: dict = {}
        self._native: dict = {}
        self.rows_written = 0
        self._target: AtomicTarget | None = None
        self._sink = None
        self._comma_numbers = False
        self._closed = False

    # -- lifecycle
    def __enter__(self) -> TableWriter:
        self._open()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    def _open(self) -> None:
        if self._target is not None:
            return
        if self._closed:
            raise ValueError("TableWriter is closed")
        self._target = AtomicTarget(self.path)  # early, so an unwritable path fails before any work

    def _start_sink(self, attrs: dict) -> None:
        """The format's sink, made with the first chunk in hand (its separator may come from the input)."""
        kept = attrs.get("input_sep")
        if self.fmt == "csv" and not self._sep_given and kept in _KEPT_SEPS:
            self.sep = kept
        # a workbook's copy keeps its sheet's name ("Ответы", not "Sheet1")
        sheet_name = self.sheet_name or attrs.get("sheet") or "Sheet1"
        self._sink = self._spec.sink(
            self._target.tmp, self.path, encoding=self.encoding, sep=self.sep, gz=self.gzip, sheet_name=str(sheet_name)
        )
        # a ';' file's numbers have the decimal comma of the Excel that wrote it (see cells.point_decimals)
        self._comma_numbers = self.fmt == "xlsx" and kept == ";"
        if self.fmt == "csv" and not self._sep_given and kept == ";" and hasattr(self._sink, "decimal"):
            # Excel where ';' separates a CSV (Russia, most of Europe) reads '0.97' as text and '1.12' as
            # a date: the same dialect's decimal comma makes the numbers numbers
            self._sink.decimal = ","

    def write(self, chunk: pd.DataFrame) -> None:
        """Append ``chunk`` (a DataFrame) to the output; its named index levels are its first columns."""
        chunk = _named_index_as_columns(chunk)
        self._open()
        if self._sink is None:
            self._start_sink(chunk.attrs)
        nested = [c for c in chunk.attrs.get("nested_fields", ()) if c in chunk.columns]
        if nested:  # a JSON object's values read as columns too: the output has the input's keys only
            chunk = chunk.drop(columns=nested)
        first = self.columns is None
        chunk = self._align(chunk)
        if first:
            self._restore_names(chunk.attrs.get("original_names") or {})
            if self.fmt in _TYPED_FORMATS:
                self._native = self._kinds(chunk.attrs.get("native_types") or {})
        elif self.fmt == "jsonl":
            # a column the first chunk had no value in (an optional JSON field) takes the type of the
            # chunk that has one: each line is its own object (a Parquet schema is fixed by then)
            kinds = self._kinds(chunk.attrs.get("native_types") or {})
            self._native.update({c: k for c, k in kinds.items() if c not in self._native and c in chunk.columns})
        if self._native:
            chunk = restore_types(chunk, self._native)
            if hasattr(self._sink, "text_columns"):  # an XLSX sheet's text columns stay text cells
                self._sink.text_columns = {c for c, kind in self._native.items() if kind == TEXT_KIND}
        if self._comma_numbers:
            chunk = point_decimals(chunk, {c for c, kind in self._native.items() if kind == TEXT_KIND})
        if self._renames:
            chunk = chunk.rename(columns=self._renames)
        try:
            self._sink.write(chunk)
        except OSError as exc:  # a full disk or a revoked permission: the user's to fix, in one line
            self.abort()
            raise unwritable_error(self.path, exc) from None
        except BaseException:
            self.abort()
            raise
        self.rows_written += len(chunk)

    def _kinds(self, kinds: dict) -> dict:
        """The input's column types as this output restores them: a Parquet list or struct, read as its
        JSON text, is a JSON value again in JSON Lines (Parquet output keeps it as that text)."""
        if self.fmt != "jsonl":
            return dict(kinds)
        return {c: "json" if str(k).startswith(_ARROW_NESTED) else k for c, k in kinds.items()}

    def _align(self, chunk: pd.DataFrame) -> pd.DataFrame:
        if not isinstance(chunk, pd.DataFrame):
            raise TypeError(f"TableWriter.write expects a DataFrame, got {type(chunk).__name__}")
        if self.columns is None:
            _check_distinct_names(chunk.columns, self.path, self.fmt)
            self.columns = list(chunk.columns)
            return chunk
        if list(chunk.columns) == self.columns:
            return chunk
        extra = [c for c in chunk.columns if c not in self.columns]
        if extra:
            # a key an export first uses after the first chunk (an optional field): every sink adds the
            # column, empty in the rows before (CSV and Parquet rewrite those rows once at that point)
            self.columns += extra
            if getattr(self._sink, "header_names", None) is not None:
                self._sink.header_names = [*self._sink.header_names, *map(str, extra)]
            kinds = self._kinds(chunk.attrs.get("native_types") or {})
            self._native.update({c: kinds[c] for c in extra if c in kinds and self.fmt in _TYPED_FORMATS})
        return chunk.reindex(columns=self.columns)

    def _restore_names(self, original: dict[str, str]) -> None:
        """The input's own column names for the output's header (see the module doc)."""
        self._renames = {}
        if not original:
            return
        names = [original.get(str(c), c) for c in self.columns]
        if hasattr(self._sink, "header_names"):  # a sink whose header holds any names (CSV, XLSX)
            self._sink.header_names = names
            return
        counts: dict = {}
        for name in names:
            counts[name] = counts.get(name, 0) + 1
        self._renames = {c: n for c, n in zip(self.columns, names, strict=True) if n != c and counts[n] == 1}
        kept = [c for c, n in zip(self.columns, names, strict=True) if n != c and counts[n] > 1]
        if kept:
            listed = ", ".join(f"{c!r} (named {original[str(c)]!r} in the input)" for c in kept)
            warn(InputWarning(
                f"{self.path}: {_FORMAT_NAMES.get(self.fmt, self.fmt)} cannot hold one column name twice, so these columns keep the "
                f"names they were read with: {listed}; write .csv or .xlsx to keep the input's header as it was"
            ))

    @property
    def guarded_cells(self) -> int:
        """Text cells a CSV output's formula guard changed so far (``formulas.guarded_note`` says it)."""
        return sum(getattr(self._sink, "guarded", ()))

    def close(self) -> Path:
        """Finish the file and move it into place (called by ``with``)."""
        if self._closed:
            return self.path
        self._open()
        if self._sink is None:  # nothing was written: an empty file of the format
            self._start_sink({})
        try:
            self._sink.close()
            self._target.commit()
        except OSError as exc:
            self.abort()
            raise unwritable_error(self.path, exc) from None
        except BaseException:
            self.abort()
            raise
        self._closed = True
        return self.path

    def abort(self) -> None:
        """Drop everything written so far; the target path is left as it was."""
        if self._closed:
            return
        self._closed = True
        if self._sink is not None:
            self._sink.abort()
        if self._target is not None:
            self._target.discard()
