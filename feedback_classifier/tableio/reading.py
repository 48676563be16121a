"""Reading survey tables whole or in chunks; the rules they keep are in the package docstring.

Each format's reader is in its own module (``csvfile``, ``jsonlfile``, ``parquetfile``,
``xlsxfile``) and found through the registry in ``formats``.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from feedback_classifier.errors import InputFileError
from feedback_classifier.tableio.compressed import refuse_compressed_input
from feedback_classifier.tableio.encoding import BOMS, ENCODING_ERRORS
from feedback_classifier.tableio.exports import HEAD_ROWS, ExportLayout, detect_layout
from feedback_classifier.tableio.formats import REGISTRY, detect_format, format_by_content

__all__ = ["DEFAULT_READ", "ReadOptions", "check_input_file", "is_empty_file", "iter_table", "peek_table", "read_table"]

# A file longer than this is not looked at for being blank (a blank one is a few bytes).
_BLANK_LIMIT = 1 << 16


def is_empty_file(path: str | os.PathLike) -> bool:
    """Whether the file at ``path`` holds no data: 0 bytes, or only a byte-order mark and
    whitespace (Excel saves an empty sheet as a 3-byte UTF-8 BOM). Every reader treats such a
    file as a 0-byte one; Arrow's CSV reader must never see it (a reader failing on an empty
    body leaves a read of the file in flight: the process could hang or abort at exit).

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "e.csv"
    >>> _ = p.write_bytes(b"\\xef\\xbb\\xbf\\r\\n ")
    >>> is_empty_file(p), is_empty_file(p.with_name("missing.csv"))
    (True, False)
    """
    path = Path(path)
    if not path.is_file() or path.stat().st_size > _BLANK_LIMIT:
        return False
    data = path.read_bytes()
    for bom, encoding in BOMS:
        if data.startswith(bom):  # (each of these codecs reads its BOM and drops it)
            return not data.decode(encoding, errors="replace").strip()
    return not data.strip()


def check_input_file(path: str | os.PathLike) -> Path:
    """``path`` as a ``Path`` once it is known to be a readable table file by its name and kind alone (no
    parse): for a command to call before a slow start (the default model's first build took 12-20 s before
    `classify -` or a mistyped path was told so). Readers check this themselves."""
    path = _check_input(path)
    refuse_compressed_input(path)
    return path


def _check_input(path: str | os.PathLike) -> Path:
    from feedback_classifier.tableio.atomic import file_path

    path = file_path(path)
    if str(path) == "-" and not path.exists():
        # by Unix habit `cat x.csv | feedback-classifier classify - ...`: "file not found" read as a bug
        raise InputFileError("-: reading standard input is not supported (the input is read more than once); save "
                             "it to a file first and pass its path (a .csv.gz or .jsonl.gz is read as it is)")
    if not path.exists():
        raise InputFileError(f"{path}: file not found; check the path (current directory: {Path.cwd()})")
    if path.is_dir():
        raise InputFileError(f"{path}: is a directory, not a table file; pass the path of a file inside it")
    if not path.is_file():
        # a pipe (`<(zcat x.csv.gz)`, a named pipe) can be read once, but its encoding, size and rows are
        # each read in a pass of their own: the second pass found it empty, or waited forever on a FIFO
        raise InputFileError(
            f"{path}: is a pipe or device, not a file; the input is read more than once, so save it to a "
            "file first (a .csv.gz or .jsonl.gz is read as it is)"
        )
    _refuse_lock_file(path)
    if is_empty_file(path):
        what = "0 bytes" if path.stat().st_size == 0 else "only a byte-order mark or whitespace, no data"
        raise InputFileError(f"{path}: the file is empty ({what}); export the survey again, or check the path")
    return path


# Excel's owner file (~$name.xlsx, ~165 bytes) and LibreOffice's (.~lock.name.xlsx#) sit beside a workbook
# while it is open; picked by a file dialog or a glob they were read as a one-column CSV of binary junk.
_LOCK_SIZE_LIMIT = 4096


def _refuse_lock_file(path: Path) -> None:
    """Raise :class:`InputFileError` for an office program's lock file, naming the file it locks.

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "~$отзывы.xlsx"
    >>> _ = p.write_bytes(b"\x07Analyst" + b" " * 47)
    >>> _refuse_lock_file(p)
    Traceback (most recent call last):
    ...
    feedback_classifier.errors.InputFileError: ...~$отзывы.xlsx: is the lock file Excel keeps while 'отзывы.xlsx' is open, not a table; pass 'отзывы.xlsx' itself (it can be read while open in Excel)
    """
    name = path.name
    if name.startswith("~$"):
        locked, program = name[2:], "Excel"
    elif name.startswith(".~lock.") and name.endswith("#"):
        locked, program = name[len(".~lock."):-1], "LibreOffice"
    else:
        return
    if not locked or path.stat().st_size > _LOCK_SIZE_LIMIT:
        return
    with open(path, "rb") as f:
        if f.read(2) == b"PK":  # a real workbook someone named this way
            return
    raise InputFileError(
        f"{path}: is the lock file {program} keeps while {locked!r} is open, not a table; pass {locked!r} "
        f"itself (it can be read while open in {program})"
    )


def read_table(
    path: str | os.PathLike,
    *,
    fmt: str | None = None,
    sheet: str | int | None = None,
    encoding: str | None = None,
    sep: str | None = None,
    as_text: bool = True,
    skip_rows: int | None = None,
    encoding_errors: str = "strict",
    header_row: int | None = None,
) -> pd.DataFrame:
    """Read a whole table file into one DataFrame (see the module doc for the rules).

    ``sheet`` picks an XLSX sheet by name or 0-based index (default: the first).
    ``encoding`` and ``sep`` override sniffing for CSV/TSV/TXT. Survey-platform
    exports (Qualtrics, SurveyMonkey) lose their extra header rows; ``skip_rows=N``
    says there are N of them under the column names (0: none). The frame's
    ``attrs["column_labels"]`` keeps what they said (question texts, Qualtrics ids).
    ``header_row=N`` (CSV, XLSX) says the column names are on row N of the file or
    sheet (1-based; a CSV's physical lines): the rows above are not read. By default
    a report's title and blank rows above them are found (``titlerows``).

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "survey.csv"
    >>> _ = p.write_bytes("id;comment;nps\\n007;Дорого, но быстро;9\\n008;;\\n".encode("cp1251"))
    >>> df = read_table(p)
    >>> df["id"].tolist(), df["comment"].iloc[0], df["nps"].tolist()
    (['007', '008'], 'Дорого, но быстро', ['9', nan])
    """
    chunks = list(
        iter_table(path, chunksize=None, fmt=fmt, sheet=sheet, encoding=encoding, sep=sep, as_text=as_text,
                   skip_rows=skip_rows, encoding_errors=encoding_errors, header_row=header_row)
    )
    if len(chunks) == 1:
        return chunks[0]
    df = pd.concat(chunks, ignore_index=True)
    df.attrs = dict(chunks[0].attrs)
    return df


def iter_table(
    path: str | os.PathLike,
    *,
    chunksize: int | None = 100_000,
    fmt: str | None = None,
    sheet: str | int | None = None,
    encoding: str | None = None,
    sep: str | None = None,
    as_text: bool = True,
    skip_rows: int | None = None,
    encoding_errors: str = "strict",
    header_row: int | None = None,
) -> Iterator[pd.DataFrame]:
    """Read a table file as DataFrames of at most ``chunksize`` rows.

    Always yields at least one frame (an empty one with the columns when the file
    has no rows). Each chunk has a fresh ``RangeIndex`` continuing the previous
    one, so ``pd.concat(chunks)`` equals :func:`read_table`. File problems
    (missing file, unknown extension, unknown sheet...) raise
    :class:`InputFileError` at the call, not at the first ``next()``; problems
    deep inside the file raise it while iterating.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "big.jsonl"
    >>> _ = p.write_text("".join(f'{{"id": {i}}}\\n' for i in range(5)))
    >>> [len(c) for c in iter_table(p, chunksize=2)]
    [2, 2, 1]
    """
    if chunksize is not None and chunksize < 1:
        raise ValueError("chunksize must be a positive number of rows")
    if skip_rows is not None and (isinstance(skip_rows, bool) or not isinstance(skip_rows, int) or skip_rows < 0):
        raise InputFileError(
            f"skip_rows must be a whole number of rows, 0 or more (CLI: --skip-rows), not {skip_rows!r}"
        )
    if header_row is not None and (isinstance(header_row, bool) or not isinstance(header_row, int) or header_row < 1):
        raise InputFileError(
            f"header_row must be the row number of the column names, 1 or more (CLI: --header-row), not {header_row!r}"
        )
    if encoding_errors not in ENCODING_ERRORS:
        raise InputFileError(
            f"encoding_errors {encoding_errors!r} is unknown; use one of: {', '.join(ENCODING_ERRORS)} "
            "(CLI: --encoding-errors)"
        )
    # before the format: --input-format csv on an .xz had been read as binary junk
    path = check_input_file(path)
    kind = detect_format(path, fmt, option="--input-format")
    if fmt is None:  # an extension that lies (a workbook saved as .csv) is told by the first bytes
        kind = format_by_content(path, kind)
    spec = REGISTRY[kind]
    if sheet is not None and not spec.has_sheets:
        raise InputFileError(f"{path}: --sheet (library: sheet=) applies to XLSX files only, this is a {kind} file")
    if header_row is not None and kind not in ("csv", "tsv", "xlsx"):
        raise InputFileError(f"{path}: --header-row (library: header_row=) applies to CSV/TSV and XLSX files only, "
                             f"this is a {kind} file")
    # (the JSON Lines and Parquet readers take no header_row)
    extra = {"header_row": header_row} if header_row is not None else {}
    chunks = spec.reader(path, kind, chunksize, sheet=sheet, encoding=encoding, sep=sep, as_text=as_text,
                         encoding_errors=encoding_errors, **extra)
    if kind in ("csv", "tsv"):
        chunks = _without_trailing_empty_rows(chunks)
    chunks = _renumber(_without_header_rows(chunks, path, skip_rows, chunksize, detect=as_text))
    return _noting_repeated_header(chunks, path) if kind in ("csv", "tsv") else chunks


def _noting_repeated_header(chunks: Iterator[pd.DataFrame], path: Path) -> Iterator[pd.DataFrame]:
    """The chunks as they are, with a warning at the end naming rows that repeat the column names.

    `cat jan.csv feb.csv > q1.csv` (or two .csv.gz files) leaves February's header line as a data row:
    its comment ("comment") was classified and its score ("nps") only named by `drivers`.

    >>> import warnings
    >>> frames = [pd.DataFrame({"id": ["1", "id"], "comment": ["Late", "comment"]})]
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = list(_noting_repeated_header(iter(frames), Path("q1.csv")))
    >>> str(caught[0].message)  # doctest: +ELLIPSIS
    'q1.csv: row 2 repeats the column names (files joined with cat?): read as a data row; join ...or drop the row'
    """
    from feedback_classifier.errors import InputWarning, warn

    rows: list[int] = []
    for df in chunks:
        names = [str(c).strip() for c in df.columns]
        if len(names) >= 2 and len(df):
            same = np.ones(len(df), dtype=bool)
            for i, name in enumerate(names):
                same &= df.iloc[:, i].astype(object).fillna("").astype(str).str.strip().to_numpy() == name
                if not same.any():
                    break
            rows.extend(int(x) + 1 for x in df.index[same])
        yield df
    if rows:
        shown = ", ".join(map(str, rows[:5])) + (f" and {len(rows) - 5} more" if len(rows) > 5 else "")
        many = "s" if len(rows) > 1 else ""
        warn(InputWarning(f"{path}: row{many} {shown} repeat{'' if many else 's'} the column names (files joined "
                          "with cat?): read as a data row; join exports keeping one header, e.g. "
                          "`tail -n +2 feb.csv >> q1.csv`, or drop the row"))


def _without_trailing_empty_rows(chunks: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    """The chunks without the rows of empty cells after the last row with a value.

    Excel saves the formatted-but-empty rows under a table as lines of separators (``;;;;``): an XLSX
    reader drops them, but the same sheet saved as CSV counted them as responses (4 "responses" for 2,
    half of them without a comment). Empty rows between rows with values are kept. A run of empty rows
    is held back until a row with a value follows it, so a chunk may come out shorter.

    >>> frames = [pd.DataFrame({"a": ["1", None]}), pd.DataFrame({"a": [None, "2", None]}), pd.DataFrame({"a": [None]})]
    >>> [c["a"].fillna("").tolist() for c in _without_trailing_empty_rows(iter(frames))]
    [['1'], ['', '', '2']]
    """
    held: pd.DataFrame | None = None
    shown = False
    last_frame = None
    for df in chunks:
        last_frame = df
        if held is not None:
            df = pd.concat([held, df], ignore_index=True)
            held = None
        filled = np.flatnonzero(~df.isna().all(axis=1).to_numpy()) if len(df.columns) else np.arange(len(df))
        cut = int(filled[-1]) + 1 if len(filled) else 0
        if cut < len(df):
            held = df.iloc[cut:]
        if cut:
            shown = True
            yield df.iloc[:cut]
    if not shown and last_frame is not None:  # every caller gets at least one frame with the columns
        yield last_frame.iloc[:0]


@dataclass(frozen=True)
class ReadOptions:
    """How to read a user's input table: the reader settings every job takes as one ``read=``.

    The fields are :func:`read_table`'s: ``fmt`` (the format when the extension does not
    tell), ``sheet``, ``encoding``, ``sep``, ``skip_rows``, ``encoding_errors`` and ``header_row``.
    The CLI builds one from its ``--input-format``/``--sheet``/``--encoding``/``--sep``/``--skip-rows``/
    ``--encoding-errors``/``--header-row`` options; a new reader setting is a new field here, and every job
    that reads a user's table gets it. Frozen: one value can be shared and used as a default.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "survey.txt"
    >>> _ = p.write_bytes("id|comment\\n1|Дорого\\n".encode("cp1251"))
    >>> read = ReadOptions(fmt="csv", encoding="cp1251", sep="|")
    >>> read.table(p)["comment"].tolist(), [len(c) for c in read.chunks(p, chunksize=1)]
    (['Дорого'], [1])
    """

    fmt: str | None = None
    sheet: str | int | None = None
    encoding: str | None = None
    sep: str | None = None
    skip_rows: int | None = None
    encoding_errors: str = "strict"
    header_row: int | None = None

    def table(self, path: str | os.PathLike) -> pd.DataFrame:
        """The whole table at ``path``, read with these options (see :func:`read_table`)."""
        return read_table(path, **asdict(self))

    def chunks(self, path: str | os.PathLike, *, chunksize: int | None) -> Iterator[pd.DataFrame]:
        """The table at ``path`` in chunks of ``chunksize`` rows (see :func:`iter_table`)."""
        return iter_table(path, chunksize=chunksize, **asdict(self))


#: The jobs' default ``read=``: everything told by the file itself (format from the extension,
#: encoding and delimiter sniffed, survey-export header rows detected).
DEFAULT_READ = ReadOptions()


def peek_table(chunks: Iterator[pd.DataFrame]) -> tuple[pd.DataFrame, Iterator[pd.DataFrame]]:
    """(the first chunk, all the chunks again): to look at the columns before streaming the rest.

    >>> import itertools
    >>> first, again = peek_table(iter([pd.DataFrame({"a": [1]}), pd.DataFrame({"a": [2]})]))
    >>> list(first.columns), [len(c) for c in again]
    (['a'], [1, 1])
    """
    chunks = iter(chunks)
    first = next(chunks, None)
    if first is None:
        return pd.DataFrame(), iter([pd.DataFrame()])
    return first, itertools.chain([first], chunks)


def with_late_keys(first: pd.DataFrame, chunks: Iterator[pd.DataFrame], path: str | os.PathLike,
                   names: list, read: "ReadOptions") -> tuple[pd.DataFrame, Iterator[pd.DataFrame]]:
    r"""``peek_table``'s (first chunk, chunks) with every column in ``names`` that a JSON file only
    uses after its first chunk (a key that exports leave out while it is empty, or a question
    added later) added to the chunks before it as an empty column: JSON's missing value, as the
    reader gives every chunk after the key's first use. Other names and formats are unchanged,
    so a misspelt name still gets ``require_columns``' error.

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "late.jsonl"
    >>> _ = p.write_text('{"c": "a"}\n{"c": "b"}\n{"c": "d", "region": "EU"}\n', encoding="utf-8")
    >>> first, chunks = peek_table(iter_table(p, chunksize=2))
    >>> first, chunks = with_late_keys(first, chunks, p, ["c", "region", "typo"], DEFAULT_READ)
    >>> [c["region"].fillna("-").tolist() for c in chunks]
    [['-', '-'], ['EU']]
    """
    from feedback_classifier.tableio.formats import detect_format

    missing = [n for n in dict.fromkeys(names) if n and n not in first.columns]
    if not missing or detect_format(path, read.fmt) != "jsonl":
        return first, chunks
    from feedback_classifier.tableio.jsonlfile import keys_in_file

    late = keys_in_file(Path(path), missing, read.encoding)
    if not late:
        return first, chunks

    def widened(chunk: pd.DataFrame) -> pd.DataFrame:
        absent = [n for n in late if n not in chunk.columns]
        if absent:
            chunk = chunk.assign(**{n: pd.Series([None] * len(chunk), index=chunk.index, dtype=object) for n in absent})
        return chunk

    first = widened(first)
    return first, (widened(c) for c in chunks)


def _without_header_rows(
    gen: Iterator[pd.DataFrame], path: Path, skip_rows: int | None, chunksize: int | None, *, detect: bool
) -> Iterator[pd.DataFrame]:
    """The chunks with a survey platform's extra header rows dropped and its labels in ``attrs``."""
    head: list[pd.DataFrame] = []
    for df in gen:
        head.append(df)
        if sum(len(d) for d in head) >= HEAD_ROWS:
            break
    if not head:
        return
    first = head[0] if len(head) == 1 else pd.concat(head, ignore_index=True)
    header = head[0].attrs.get("header")
    if detect or skip_rows:
        layout = detect_layout(first, skip_rows)
    else:
        layout = ExportLayout()
    if layout.skip > len(first):
        raise InputFileError(
            f"{path}: skip_rows={layout.skip} (CLI: --skip-rows) but the table has only {len(first)} row(s) "
            "under the column names; pass a smaller number"
        )
    attrs = {"export_platform": layout.platform, "header_rows_skipped": layout.skip,
             "column_labels": layout.labels, "duplicate_columns": _duplicates(first.columns, header)}
    renamed = _renamed(first.columns, header, layout.rename)
    if renamed:  # the names as the file has them, for the writers (tableio.writing)
        attrs["original_names"] = renamed
    if head[0].attrs.get("sep"):  # a delimited file's separator, for a CSV copy of it (tableio.writing)
        attrs["input_sep"] = _copy_sep(first, head[0].attrs["sep"])
    # a typed format's non-text columns, for the writers (cells.restore_types); a column without a
    # value in the first piece read is typed by the first piece that has one
    native = {k: v for h in reversed(head) for k, v in (h.attrs.get("native_types") or {}).items()}
    if native:
        attrs["native_types"] = {layout.rename.get(k, k): v for k, v in native.items()}
    nested = head[-1].attrs.get("nested_fields")
    if nested:  # columns of the values inside JSON objects, which the writers leave out
        attrs["nested_fields"] = nested
    if head[0].attrs.get("header_row"):  # the file's row of the column names (tableio.columns' hints)
        attrs["header_row"] = head[0].attrs["header_row"]
    if head[0].attrs.get("sheet"):  # a workbook's sheet: an XLSX copy keeps its name (tableio.writing)
        attrs["sheet"] = head[0].attrs["sheet"]
    formulas = head[0].attrs.get("uncomputed_formulas")
    if formulas:  # XLSX formula cells without a stored result, by column (xlsxformulas)
        attrs["uncomputed_formulas"] = {layout.rename.get(k, k): v for k, v in formulas.items()}
    first = first.iloc[layout.skip:]
    step = chunksize or max(len(first), 1)
    for start in range(0, max(len(first), 1), step):  # an empty table still yields its columns
        yield _tidy(first.iloc[start : start + step].copy(), layout, attrs)
    known = set(first.columns)
    head = first = None  # (the first chunk is not held while the rest are read)
    for df in gen:
        yield _tidy(df, layout, attrs, known)


# A number with a decimal mark that cannot be a thousands separator (not 3 digits after it)
_COMMA_DECIMAL = r"^[+-]?\d+,(?:\d{1,2}|\d{4,})$"
_POINT_DECIMAL = r"^[+-]?\d+\.(?:\d{1,2}|\d{4,})$"
_SEP_LOOK = 500


def _copy_sep(first: pd.DataFrame, sep: str) -> str:
    """The separator a CSV copy of a delimited file is written with: the file's own, but ``;`` for
    a tab-separated one whose numbers have a decimal comma (Excel's "Unicode text" in Russia or
    most of Europe): Excel there splits a CSV at ``;``, so a copy written with ``,`` (the
    default for a tab input's ``.csv`` output) opened as one column.

    >>> _copy_sep(pd.DataFrame({"a": ["8,5", "10", "x"]}, dtype="str"), chr(9))
    ';'
    >>> _copy_sep(pd.DataFrame({"a": ["8,5", "1.5"], "b": ["1,234", "x"]}, dtype="str"), chr(9))
    '\\t'
    """
    if sep != "\t":
        return sep
    comma = point = 0
    for i in range(first.shape[1]):
        values = first.iloc[:_SEP_LOOK, i]
        if not pd.api.types.is_string_dtype(values.dtype):
            continue
        values = values.dropna().astype(str).str.strip()
        comma += int(values.str.match(_COMMA_DECIMAL).sum())
        point += int(values.str.match(_POINT_DECIMAL).sum())
    return ";" if comma and not point else sep


def _tidy(df: pd.DataFrame, layout: ExportLayout, attrs: dict, known: set | None = None) -> pd.DataFrame:
    # the values inside JSON objects seen so far (jsonlfile): a later chunk may have found more
    nested = list(dict.fromkeys([*attrs.get("nested_fields", ()), *df.attrs.get("nested_fields", ())]))
    own = df.attrs.get("native_types") or {}
    if layout.rename:
        df = df.rename(columns=layout.rename)
    df.attrs = dict(attrs)
    if nested:
        df.attrs["nested_fields"] = nested
    # a key first used after the first chunk (an optional JSON field) is typed by the chunk that has
    # it, and so is a column the first chunk has without a value (no type yet); the first chunk's
    # typed columns keep the first chunk's types, so no column changes type half-way
    typed = attrs.get("native_types") or {}
    late = {layout.rename.get(k, k): v for k, v in own.items()
            if known is not None and (layout.rename.get(k, k) not in known or layout.rename.get(k, k) not in typed)}
    if late:
        df.attrs["native_types"] = {**attrs.get("native_types", {}), **late}
    return df


def _duplicates(columns, header: list[str] | None) -> dict[str, list[str]]:
    """Names the file repeats, each with the names the columns were given (``x``, ``x.1``...)."""
    if not header or len(header) != len(columns):
        return {}
    groups: dict[str, list[str]] = {}
    for raw, name in zip(header, columns, strict=True):
        groups.setdefault(str(raw).lstrip("\ufeff"), []).append(str(name))
    return {raw: names for raw, names in groups.items() if len(names) > 1 and raw}


def _renamed(columns, header: list[str] | None, layout_rename: dict) -> dict[str, str]:
    """The columns the reader had to rename (a repeated name ``x.1``, an empty one ``Unnamed: 2``),
    each with its name in the file.

    >>> _renamed(["Q", "Q.1", "Unnamed: 2"], ["Q", "Q", ""], {})
    {'Q.1': 'Q', 'Unnamed: 2': ''}
    """
    if not header or len(header) != len(columns):
        return {}
    return {str(name): str(raw).lstrip("\ufeff") for raw, name in zip(header, columns, strict=True)
            if str(raw).lstrip("\ufeff") != str(name) and name not in layout_rename}


def _renumber(gen: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    start = 0
    for df in gen:
        df.index = pd.RangeIndex(start, start + len(df))
        start += len(df)
        yield df
