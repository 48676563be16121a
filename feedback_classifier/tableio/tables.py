"""Reading and writing survey tables: CSV/TSV, XLSX, Parquet and JSON Lines.

This is the only module that touches table files. Everything else works on
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
  data (empty rows between data rows are kept).
* CSV and XLSX cannot tell an empty string from a missing cell, so ``""`` reads
  back as missing; Parquet and JSONL keep ``""`` and missing apart. XLSX (XML)
  also stores a carriage return inside a cell as a plain line feed.
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
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as _dt
import difflib
import gzip
import io
import json
import math
import os
import re
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from feedback_classifier.errors import InputFileError, MissingColumnError

__all__ = [
    "EXCEL_MAX_DATA_ROWS",
    "FORMATS",
    "TableWriter",
    "detect_encoding",
    "detect_format",
    "detect_separator",
    "iter_table",
    "neutralize_formulas",
    "read_table",
    "require_columns",
    "write_table",
]

#: Canonical format names returned by :func:`detect_format`.
FORMATS = ("csv", "tsv", "xlsx", "parquet", "jsonl")

#: Excel sheets have 1,048,576 rows; one is the header.
EXCEL_MAX_DATA_ROWS = 1_048_575
_EXCEL_MAX_CELL_CHARS = 32_767
_EXCEL_MAX_COLUMNS = 16_384

_EXTENSIONS = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
}
_FMT_ALIASES = {
    "csv": "csv",
    "txt": "csv",
    "tsv": "tsv",
    "tab": "tsv",
    "xlsx": "xlsx",
    "xlsm": "xlsx",
    "excel": "xlsx",
    "parquet": "parquet",
    "pq": "parquet",
    "jsonl": "jsonl",
    "ndjson": "jsonl",
    "json": "jsonl",
}
_GZIP_OK = {"csv", "tsv", "jsonl"}
_SUPPORTED_HINT = (
    "supported: .csv .tsv .txt .xlsx .parquet .pq .jsonl .ndjson .json "
    "(and .csv.gz/.tsv.gz/.jsonl.gz); pass fmt= (CLI: --format) to choose the format explicitly"
)

_SAMPLE_BYTES = 256 * 1024
_SEP_CANDIDATES = (",", ";", "\t", "|")
_CYRILLIC_CODEPAGES = ("cp1251", "koi8_r", "cp866", "mac_cyrillic", "iso8859_5")


# --------------------------------------------------------------------------- formats


def _split_gz(path: Path) -> tuple[str, bool]:
    name = path.name.lower()
    if name.endswith(".gz"):
        return Path(name[:-3]).suffix, True
    return path.suffix.lower(), False


def detect_format(path: str | os.PathLike, fmt: str | None = None) -> str:
    """Return the table format of ``path``: one of ``csv tsv xlsx parquet jsonl``.

    The format comes from the extension (``.csv.gz`` counts as ``csv``) unless
    ``fmt`` names it explicitly (aliases such as ``excel``, ``pq``, ``ndjson`` work).

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
    """
    path = Path(path)
    if fmt is not None:
        canonical = _FMT_ALIASES.get(str(fmt).lower().lstrip("."))
        if canonical is None:
            raise InputFileError(
                f"{path}: unknown format {fmt!r}; use one of: {', '.join(FORMATS)}"
            )
        return canonical
    ext, gz = _split_gz(path)
    canonical = _EXTENSIONS.get(ext)
    if canonical is None:
        what = f"'{ext}'" if ext else "(no extension)"
        extra = " (old .xls workbooks: save them as .xlsx in Excel first)" if ext == ".xls" else ""
        raise InputFileError(f"{path}: unknown table format {what}{extra}; {_SUPPORTED_HINT}")
    if gz and canonical not in _GZIP_OK:
        raise InputFileError(
            f"{path}: gzip is supported for csv/tsv/jsonl only; decompress the {canonical} file first"
        )
    return canonical


def _is_gzip(path: Path) -> bool:
    return path.name.lower().endswith(".gz")


def _check_input(path: str | os.PathLike) -> Path:
    path = Path(path)
    if not path.exists():
        raise InputFileError(f"{path}: file not found; check the path (current directory: {Path.cwd()})")
    if path.is_dir():
        raise InputFileError(f"{path}: is a directory, not a table file; pass the path of a file inside it")
    return path


# --------------------------------------------------------------------------- sniffing

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def detect_encoding(sample: bytes, *, truncated: bool = False) -> str:
    """Guess the text encoding of ``sample`` (the first bytes of a file).

    Order: a byte-order mark; BOM-less UTF-16 (NUL-byte pattern); strict UTF-8
    (``truncated=True`` tolerates a multi-byte character cut at the end of the
    sample); charset-normalizer restricted to Cyrillic and Western code pages;
    cp1251 when nothing fits, because that is what Russian Excel writes.
    The returned name works with :func:`open` and pandas; ``utf-8-sig`` and
    ``utf-16`` consume the BOM so it never ends up in the first column name.

    >>> detect_encoding("Отзыв;Оценка".encode("cp1251"))
    'cp1251'
    >>> detect_encoding("Отзыв;Оценка".encode("utf-8"))
    'utf-8'
    >>> detect_encoding("Отзыв".encode("utf-8")[:-1], truncated=True)
    'utf-8'
    >>> detect_encoding(codecs.BOM_UTF8 + b"id")
    'utf-8-sig'
    """
    for bom, name in _BOMS:
        if sample.startswith(bom):
            return name
    guess = _bomless_utf16(sample)
    if guess:
        return guess
    try:
        # The incremental decoder with final=False accepts a character cut at the
        # end of the sample instead of calling it invalid.
        codecs.getincrementaldecoder("utf-8")("strict").decode(sample, final=not truncated)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(
        sample[:_SAMPLE_BYTES], cp_isolation=["cp1251", "koi8_r", "cp866", "cp1252"]
    ).best()
    enc = best.encoding if best is not None else None
    if enc in _CYRILLIC_CODEPAGES:
        return enc
    if enc is not None and not _looks_cyrillic(sample, "cp1251"):
        return enc
    return "cp1251"


def _bomless_utf16(sample: bytes) -> str | None:
    head = sample[:4096]
    if len(head) < 4 or b"\x00" not in head:
        return None
    even, odd = head[0::2], head[1::2]
    even_zero = even.count(0) / len(even)
    odd_zero = odd.count(0) / len(odd)
    # ASCII-heavy UTF-16 has a NUL in every other byte; binary files have NULs everywhere.
    if odd_zero > 0.3 and even_zero < 0.05:
        return "utf-16-le"
    if even_zero > 0.3 and odd_zero < 0.05:
        return "utf-16-be"
    return None


def _looks_cyrillic(sample: bytes, encoding: str) -> bool:
    text = sample.decode(encoding, errors="replace")
    non_ascii = [c for c in text if ord(c) > 127]
    if not non_ascii:
        return False
    cyr = sum(1 for c in non_ascii if "\u0400" <= c <= "\u04ff")
    return cyr / len(non_ascii) >= 0.8


def detect_separator(text: str) -> str:
    """Guess the delimiter of CSV ``text`` among ``,`` ``;`` tab and ``|``.

    Each candidate parses the first rows with real CSV quoting; the winner is the
    one whose rows most often have as many fields as the header (with at least
    two columns), then the one giving more columns. A one-column file gets a
    separator that does not occur in it, so commas inside comments cannot split it.

    >>> detect_separator("id;comment\\n1;долго, дорого\\n2;ок\\n")
    ';'
    >>> detect_separator("id\\tcomment\\n1\\ta, b\\n")
    '\\t'
    >>> detect_separator("comment\\nслишком дорого, но удобно\\n")
    '\\t'
    """
    lines = text.splitlines(keepends=True)
    if len(lines) > 1 and not text.endswith(("\n", "\r")):
        lines = lines[:-1]  # the sample may end inside a row
    sample = "".join(lines[:500])
    best: tuple[float, int, int] | None = None
    best_sep = None
    for priority, sep in enumerate(_SEP_CANDIDATES):
        try:
            rows = list(csv.reader(io.StringIO(sample), delimiter=sep, quotechar='"', strict=False))
        except csv.Error:
            continue
        rows = [r for r in rows if r]
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        body = rows[1:] or rows
        consistency = sum(1 for r in body if len(r) == width) / len(body)
        key = (consistency, width, -priority)
        if best is None or key > best:
            best, best_sep = key, sep
    if best_sep is not None:
        return best_sep
    # One column: pick a delimiter absent from the text so nothing splits.
    for sep in ("\t", "|", ";", ","):
        if sep not in sample:
            return sep
    return "\x1f"


def _read_sample(path: Path, gz: bool) -> tuple[bytes, bool]:
    opener = gzip.open if gz else open
    try:
        with opener(path, "rb") as fh:
            sample = fh.read(_SAMPLE_BYTES + 1)
    except (OSError, EOFError) as exc:
        raise InputFileError(f"{path}: cannot read the file ({exc}); check it is a complete, readable file") from None
    truncated = len(sample) > _SAMPLE_BYTES
    return sample[:_SAMPLE_BYTES], truncated


def _decode_sample(sample: bytes, encoding: str, path: Path) -> str:
    try:
        return codecs.getincrementaldecoder(encoding)("strict").decode(sample, final=False)
    except UnicodeDecodeError as exc:
        raise InputFileError(
            f"{path}: cannot decode the file as {encoding} ({exc.reason} at byte {exc.start}); "
            f"pass the right encoding=, e.g. encoding='cp1251' or 'utf-8' (CLI: --encoding)"
        ) from None
    except LookupError:
        raise InputFileError(f"{path}: unknown encoding {encoding!r}; use a name like 'utf-8' or 'cp1251'") from None


# --------------------------------------------------------------------------- text conversion


def _scalar_text(v: Any) -> str | None:
    """One cell as the text a user would type; ``None`` for missing."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, str):
        return v
    if isinstance(v, (bool, np.bool_)):
        return "True" if v else "False"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        f = float(v)
        if math.isnan(f):
            return None
        if f.is_integer() and abs(f) < 1e16:
            return str(int(f))
        return repr(f)
    if isinstance(v, (pd.Timestamp, _dt.datetime)):
        if pd.isna(v):
            return None
        if v.tzinfo is None and (v.hour, v.minute, v.second, v.microsecond) == (0, 0, 0, 0):
            return v.date().isoformat()
        return v.isoformat(sep=" ")
    if isinstance(v, (_dt.date, _dt.time)):
        return v.isoformat()
    if isinstance(v, np.datetime64):
        return _scalar_text(pd.Timestamp(v))
    if isinstance(v, (list, tuple, dict, np.ndarray)):
        if isinstance(v, np.ndarray):
            v = v.tolist()
        return json.dumps(v, ensure_ascii=False, default=str)
    if isinstance(v, bytes):
        return v.decode("utf-8", errors="replace")
    return str(v)


def _is_text_dtype(dtype) -> bool:
    return isinstance(dtype, pd.StringDtype)


def _frame_to_text(df: pd.DataFrame) -> pd.DataFrame:
    out = {}
    for i, col in enumerate(df.columns):
        s = df.iloc[:, i]
        if _is_text_dtype(s.dtype):
            out[i] = s.astype("str") if s.dtype != "str" else s
        elif pd.api.types.is_integer_dtype(s.dtype) and not s.hasnans:
            out[i] = s.astype(np.int64).astype("str")
        else:
            out[i] = pd.Series([_scalar_text(v) for v in s.tolist()], index=s.index, dtype="str")
    res = pd.DataFrame(out, index=df.index)
    res.columns = df.columns
    return res


# --------------------------------------------------------------------------- reading


def read_table(
    path: str | os.PathLike,
    *,
    fmt: str | None = None,
    sheet: str | int | None = None,
    encoding: str | None = None,
    sep: str | None = None,
    as_text: bool = True,
) -> pd.DataFrame:
    """Read a whole table file into one DataFrame (see the module doc for the rules).

    ``sheet`` picks an XLSX sheet by name or 0-based index (default: the first).
    ``encoding`` and ``sep`` override sniffing for CSV/TSV/TXT.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "survey.csv"
    >>> _ = p.write_bytes("id;comment;nps\\n007;Дорого, но быстро;9\\n008;;\\n".encode("cp1251"))
    >>> df = read_table(p)
    >>> df["id"].tolist(), df["comment"].iloc[0], df["nps"].tolist()
    (['007', '008'], 'Дорого, но быстро', ['9', nan])
    """
    chunks = list(
        iter_table(path, chunksize=None, fmt=fmt, sheet=sheet, encoding=encoding, sep=sep, as_text=as_text)
    )
    if len(chunks) == 1:
        return chunks[0]
    return pd.concat(chunks, ignore_index=True)


def iter_table(
    path: str | os.PathLike,
    *,
    chunksize: int | None = 100_000,
    fmt: str | None = None,
    sheet: str | int | None = None,
    encoding: str | None = None,
    sep: str | None = None,
    as_text: bool = True,
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
    path = _check_input(path)
    kind = detect_format(path, fmt)
    if sheet is not None and kind != "xlsx":
        raise InputFileError(f"{path}: sheet= applies to XLSX files only, this is a {kind} file")
    if kind in ("csv", "tsv"):
        gen = _iter_csv(path, kind, chunksize, encoding, sep, as_text)
    elif kind == "jsonl":
        gen = _iter_jsonl(path, chunksize, encoding, as_text)
    elif kind == "parquet":
        gen = _iter_parquet(path, chunksize, as_text)
    else:
        gen = _iter_xlsx(path, chunksize, sheet, as_text)
    return _renumber(gen)


def _renumber(gen: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    start = 0
    for df in gen:
        df.index = pd.RangeIndex(start, start + len(df))
        start += len(df)
        yield df


# ---- CSV


def _csv_options(path: Path, kind: str, encoding: str | None, sep: str | None) -> tuple[str, str]:
    gz = _is_gzip(path)
    sample, truncated = _read_sample(path, gz)
    if encoding is None:
        encoding = detect_encoding(sample, truncated=truncated)
    elif sample.startswith(codecs.BOM_UTF8) and codecs.lookup(encoding).name == "utf-8":
        encoding = "utf-8-sig"  # otherwise the BOM sticks to the first column name
    text = _decode_sample(sample, encoding, path)
    sep = _normalize_sep(sep, path)
    if sep is None:
        sep = detect_separator(text)
        if kind == "tsv" and "\t" in text.split("\n", 1)[0]:
            sep = "\t"
    return encoding, sep


def _normalize_sep(sep: str | None, path: Path) -> str | None:
    if sep is None:
        return None
    # Shells and CLI options hand over a tab as the two characters "\t".
    named = {"\\t": "\t", "tab": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}
    sep = named.get(sep.lower(), sep) if len(sep) > 1 else sep
    if len(sep) != 1:
        raise InputFileError(f"{path}: the separator must be one character (or 'tab'), got {sep!r}")
    return sep


def _iter_csv(path, kind, chunksize, encoding, sep, as_text) -> Iterator[pd.DataFrame]:
    encoding, sep = _csv_options(path, kind, encoding, sep)
    kwargs: dict[str, Any] = dict(
        sep=sep,
        encoding=encoding,
        skip_blank_lines=False,
        keep_default_na=False,
        na_values=[""],
        compression="gzip" if _is_gzip(path) else None,
        engine="c",
        quotechar='"',
    )
    if as_text:
        kwargs["dtype"] = str
    return _guarded_csv(path, encoding, sep, chunksize, kwargs)


def _sep_name(sep: str) -> str:
    return {"\t": "tab", ",": "','", ";": "';'", "|": "'|'"}.get(sep, repr(sep))


def _guarded_csv(path, encoding, sep, chunksize, kwargs) -> Iterator[pd.DataFrame]:
    hint = (
        f"(read as {encoding}, delimiter {_sep_name(sep)}); if that is wrong pass encoding=/sep= "
        f"(CLI: --encoding/--sep)"
    )
    try:
        if chunksize is None:
            frames = [pd.read_csv(path, **kwargs)]
        else:
            frames = None
        seen = False
        with contextlib.ExitStack() as stack:
            if frames is None:
                frames = stack.enter_context(pd.read_csv(path, chunksize=chunksize, **kwargs))
            for df in frames:
                if not isinstance(df.index, pd.RangeIndex):
                    # pandas silently turns the first column into the index in this case.
                    raise InputFileError(
                        f"{path}: rows have more fields than the header {hint}; "
                        "every row needs as many separators as the header line"
                    )
                if not seen and len(df.columns) and str(df.columns[0]).startswith("\ufeff"):
                    df = df.rename(columns={df.columns[0]: str(df.columns[0]).lstrip("\ufeff")})
                seen = True
                yield df
        if not seen:
            yield pd.DataFrame()
    except pd.errors.EmptyDataError:
        yield pd.DataFrame()
    except pd.errors.ParserError as exc:
        raise InputFileError(f"{path}: malformed CSV: {exc} {hint}") from None
    except UnicodeDecodeError as exc:
        raise InputFileError(
            f"{path}: not valid {encoding} ({exc.reason} at byte {exc.start} of the decoded stream); "
            "the start of the file looked like that encoding but later bytes do not; "
            "pass the real encoding=, e.g. encoding='cp1251' (CLI: --encoding)"
        ) from None
    except (OSError, EOFError, zipfile.BadZipFile) as exc:
        raise InputFileError(f"{path}: cannot read the file ({exc}); check it is complete and not corrupt") from None


# ---- JSON Lines


def _iter_jsonl(path, chunksize, encoding, as_text) -> Iterator[pd.DataFrame]:
    gz = _is_gzip(path)
    sample, truncated = _read_sample(path, gz)
    if encoding is None:
        encoding = detect_encoding(sample, truncated=truncated)
    head = _decode_sample(sample, encoding, path).lstrip("\ufeff \t\r\n")
    if head.startswith("["):
        return _iter_json_array(path, gz, encoding, chunksize, as_text)
    return _iter_json_lines(path, gz, encoding, chunksize, as_text)


def _records_frame(records: list[dict], columns: dict, as_text: bool) -> pd.DataFrame:
    cols = list(columns)
    if not as_text:
        return pd.DataFrame.from_records(records, columns=cols) if records else pd.DataFrame(columns=cols)
    data = {c: [None] * len(records) for c in cols}
    for i, rec in enumerate(records):
        for k, v in rec.items():
            data[k][i] = v if type(v) is str else _scalar_text(v)
    return pd.DataFrame({c: pd.Series(vals, dtype="str") for c, vals in data.items()}, columns=cols)


def _iter_json_lines(path, gz, encoding, chunksize, as_text) -> Iterator[pd.DataFrame]:
    opener = gzip.open if gz else open
    columns: dict = {}
    records: list[dict] = []
    emitted = False
    try:
        with opener(path, "rt", encoding=encoding, newline="") as fh:
            for lineno, line in enumerate(fh, start=1):
                if lineno == 1:
                    line = line.lstrip("\ufeff")
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputFileError(
                        f"{path}: line {lineno} is not valid JSON ({exc.msg}, column {exc.colno}); "
                        'each line must be one JSON object like {"comment": "..."}; fix or remove that line'
                    ) from None
                if not isinstance(obj, dict):
                    raise InputFileError(
                        f"{path}: line {lineno} is a JSON {type(obj).__name__}, not an object; "
                        'each line must be one JSON object like {"comment": "..."}'
                    )
                for k in obj:
                    if k not in columns:
                        columns[k] = None
                records.append(obj)
                if chunksize is not None and len(records) >= chunksize:
                    yield _records_frame(records, columns, as_text)
                    emitted = True
                    records = []
    except UnicodeDecodeError as exc:
        raise InputFileError(
            f"{path}: not valid {encoding} ({exc.reason}); pass the real encoding= (CLI: --encoding)"
        ) from None
    except (OSError, EOFError) as exc:
        raise InputFileError(f"{path}: cannot read the file ({exc}); check it is complete and not corrupt") from None
    if records or not emitted:
        yield _records_frame(records, columns, as_text)


def _iter_json_array(path, gz, encoding, chunksize, as_text) -> Iterator[pd.DataFrame]:
    opener = gzip.open if gz else open
    try:
        with opener(path, "rt", encoding=encoding) as fh:
            data = json.load(fh)
    except json.JSONDecodeError as exc:
        raise InputFileError(
            f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}); "
            "expected JSON Lines (one object per line) or an array of objects"
        ) from None
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise InputFileError(f"{path}: cannot read the file ({exc}); check it and its encoding") from None
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise InputFileError(f"{path}: a JSON file must be an array of objects or JSON Lines (one object per line)")
    columns: dict = {}
    for rec in data:
        for k in rec:
            columns.setdefault(k, None)
    step = chunksize or max(len(data), 1)
    for start in range(0, max(len(data), 1), step):
        yield _records_frame(data[start : start + step], columns, as_text)


# ---- Parquet


def _iter_parquet(path, chunksize, as_text) -> Iterator[pd.DataFrame]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise InputFileError(
            f"{path}: not a valid Parquet file ({exc}); check the file is complete or pass the right fmt="
        ) from None
    return _parquet_batches(path, pf, chunksize, as_text)


def _parquet_batches(path, pf, chunksize, as_text) -> Iterator[pd.DataFrame]:
    import pyarrow as pa

    emitted = False
    try:
        if chunksize is None:
            tables = [pf.read()]
        else:
            tables = (pa.Table.from_batches([b]) for b in pf.iter_batches(batch_size=chunksize))
        for table in tables:
            df = table.to_pandas()
            emitted = True
            yield _frame_to_text(df) if as_text else df
    except (pa.ArrowException, OSError) as exc:
        raise InputFileError(f"{path}: corrupt Parquet data ({exc}); re-export the file") from None
    if not emitted:
        df = pf.schema_arrow.empty_table().to_pandas()
        yield _frame_to_text(df) if as_text else df


# ---- XLSX


def _iter_xlsx(path, chunksize, sheet, as_text) -> Iterator[pd.DataFrame]:
    df = _read_xlsx(path, sheet, as_text)
    return _slices(df, chunksize)


def _slices(df: pd.DataFrame, chunksize: int | None) -> Iterator[pd.DataFrame]:
    if chunksize is None or len(df) <= chunksize:
        yield df
        return
    for start in range(0, len(df), chunksize):
        yield df.iloc[start : start + chunksize].copy()


def _open_workbook(path: Path):
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        # data_only: formula cells give their cached value, never the formula text.
        return load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, EOFError) as exc:
        raise InputFileError(
            f"{path}: not a readable XLSX workbook ({type(exc).__name__}: {exc}); "
            "open it in Excel and save it as .xlsx again, or export CSV"
        ) from None


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
            rows = [list(r) for r in ws.iter_rows(values_only=True)]
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
            raise InputFileError(f"{path}: corrupt sheet data ({exc}); re-save the workbook in Excel") from None
    finally:
        wb.close()
    return _rows_to_frame(rows, as_text)


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
    header = [_scalar_text(v) for v in rows[0][:width]]
    names = _unique_names([h if h not in (None, "") else f"Unnamed: {i}" for i, h in enumerate(header)])
    body = [r[:width] for r in rows[1:]]
    columns = list(zip(*body)) if body else [()] * width
    data = {}
    for i, col in enumerate(columns):
        if as_text:
            data[i] = pd.Series([_scalar_text(v) for v in col], dtype="str")
        else:
            data[i] = pd.Series(list(col), dtype=object).infer_objects()
    df = pd.DataFrame(data, index=pd.RangeIndex(len(body)))
    df.columns = names
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


# --------------------------------------------------------------------------- formula safety

_FORMULA_CHARS = "=+-@\t\r"
_FORMULA_START = re.compile(r"^[=+\-@\t\r]")
_SAFE_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$|^-+$")


def _needs_quote(v: Any) -> bool:
    return isinstance(v, str) and bool(_FORMULA_START.match(v)) and not _SAFE_NUMBER.match(v)


def neutralize_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``df`` whose text cells a spreadsheet would run as a formula start with ``'``.

    Only text cells change: a cell starting with ``=``, ``+``, ``-``, ``@``, tab or
    CR gets a leading apostrophe, unless it is a plain number (``-5``, ``+7``) or
    only dashes (``-``, a common "no comment"). Number columns are untouched.

    >>> df = pd.DataFrame({"c": ["=HYPERLINK(\\"http://x\\")", "-5", "- slow", "ok"], "n": [-1, 2, 3, 4]})
    >>> neutralize_formulas(df)["c"].tolist()
    ['\\'=HYPERLINK("http://x")', '-5', "'- slow", 'ok']
    """
    out = df.copy()
    for i in range(out.shape[1]):
        s = out.iloc[:, i]
        if not (_is_text_dtype(s.dtype) or s.dtype == object):
            continue
        if _is_text_dtype(s.dtype):
            # Cheap vectorised pre-filter on the first character; the exact rule runs
            # only on the few candidates.
            candidates = s.str[:1].isin(list(_FORMULA_CHARS)).to_numpy(dtype=bool, na_value=False)
            if not candidates.any():
                continue
            mask = candidates.copy()
            idx = np.flatnonzero(candidates)
            values = s.iloc[idx].tolist()
            mask[idx] = [_needs_quote(v) for v in values]
        else:
            mask = np.fromiter((_needs_quote(v) for v in s.tolist()), dtype=bool, count=len(s))
        if mask.any():
            if _is_text_dtype(s.dtype):
                new = s.copy()
                new[mask] = "'" + s[mask]
            else:
                new = s.copy()
                new[mask] = ["'" + v for v in s[mask].tolist()]
            out.isetitem(i, new)
    return out


# --------------------------------------------------------------------------- writing

# CRLF (RFC 4180, what Excel writes) also makes the csv module quote cells holding a
# lone "\r"; with "\n" such a cell would split the row.
_CSV_EOL = "\r\n"


def _csv_body(df: pd.DataFrame, sep: str) -> bytes | None:
    """The CSV rows of ``df`` as UTF-8 bytes, exactly as ``df.to_csv(header=False, index=False,
    lineterminator="\\r\\n")`` writes them, or None when a column type is not handled here.

    pandas' writer goes through the csv module cell by cell and was ~85% of the CPU of
    streaming a survey export through ``classify`` (4 s per million rows, most of the main
    process's share under ``--jobs 2``); Arrow's compute kernels build the same bytes
    ~20x faster. Quoting follows the csv module's QUOTE_MINIMAL: a cell is quoted when it
    holds the separator, a quote or a line break, with quotes doubled.

    >>> _csv_body(pd.DataFrame({"a": pd.array(["x", 'say "hi", ok', None], dtype="str"), "b": [1.5, float("nan"), 2.0]}), ",")
    b'x,1.5\\r\\n"say ""hi"", ok",\\r\\n,2.0\\r\\n'
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if df.shape[1] < 2 or not len(df):
        return None  # a lone empty cell is written as "" by the csv module: leave such frames to pandas

    def scalar(value: str):  # the join kernels want every argument of one string type
        return pa.scalar(value, pa.large_string())

    q, empty = scalar('"'), scalar("")
    special = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in dict.fromkeys(sep + '"\r\n')) + "]"
    cells = []
    for i in range(df.shape[1]):
        s = df.iloc[:, i]
        dtype = s.dtype
        if isinstance(dtype, pd.StringDtype):
            arr = pa.array(s.array)  # Arrow-backed str columns: no copy
            if isinstance(arr, pa.ChunkedArray):
                arr = arr.combine_chunks()
            arr = pc.fill_null(pc.cast(arr, pa.large_string()), "")
            quote = pc.match_substring_regex(arr, special)
            if pc.any(quote).as_py():
                quoted = pc.binary_join_element_wise(q, pc.replace_substring(arr, '"', '""'), q, empty)
                arr = pc.if_else(quote, quoted, arr)
        elif dtype == bool or (dtype.kind in "iu" and isinstance(dtype, np.dtype)):
            arr = pa.array(s.to_numpy().astype(str), type=pa.large_string())
        elif isinstance(dtype, np.dtype) and dtype.kind == "f":
            values = s.to_numpy()
            text = values.astype(str).astype(object)
            text[np.isnan(values)] = ""
            arr = pa.array(text, type=pa.large_string())
        else:
            return None
        cells.append(arr)
    rows = pc.binary_join_element_wise(pc.binary_join_element_wise(*cells, scalar(sep)), scalar(_CSV_EOL), empty)
    offsets = np.frombuffer(rows.buffers()[1], dtype=np.int64)[rows.offset : rows.offset + len(rows) + 1]
    start, stop = int(offsets[0]), int(offsets[-1])
    return rows.buffers()[2][start:stop].to_pybytes()  # one copy, of just these rows


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class _AtomicTarget:
    """A temp file next to ``path`` that replaces ``path`` only on commit."""

    def __init__(self, path: Path):
        self.path = path
        parent = path.parent if str(path.parent) else Path(".")
        if path.is_dir():
            raise InputFileError(f"{path}: is a directory; give a file name for the output")
        if not parent.is_dir():
            raise InputFileError(f"{path}: output directory {parent} does not exist; create it first")
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
        os.close(fd)
        self.tmp = Path(tmp)

    def commit(self) -> None:
        try:
            mode = self.path.stat().st_mode & 0o777
        except FileNotFoundError:
            mode = 0o666 & ~_current_umask()
        os.chmod(self.tmp, mode)
        with open(self.tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(self.tmp, self.path)

    def discard(self) -> None:
        try:
            self.tmp.unlink()
        except FileNotFoundError:
            pass


def write_file_atomic(path: str | os.PathLike, data: bytes | str, *, make_parents: bool = False) -> Path:
    """Write ``data`` (bytes, or text as UTF-8) to ``path`` atomically: a temp file next to it,
    fsynced, then renamed over it. The one writer every non-table output goes through.

    An existing file keeps its permissions. Without ``make_parents`` a missing folder is an
    ``InputFileError`` (a typo in an output path should not silently create directories).

    >>> import tempfile, os
    >>> p = write_file_atomic(os.path.join(tempfile.mkdtemp(), "a", "note.txt"), "привет", make_parents=True)
    >>> p.read_text(encoding="utf-8")
    'привет'
    """
    path = Path(path)
    if make_parents and str(path.parent):
        path.parent.mkdir(parents=True, exist_ok=True)
    target = _AtomicTarget(path)
    try:
        with open(target.tmp, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        target.commit()
    except BaseException:
        target.discard()
        raise
    return path


def write_table(
    df: pd.DataFrame,
    path: str | os.PathLike,
    *,
    fmt: str | None = None,
    encoding: str | None = None,
    sep: str | None = None,
    sheet_name: str = "Sheet1",
) -> Path:
    """Write ``df`` to ``path`` atomically, keeping every column and the row order.

    The format comes from the extension (or ``fmt``). CSV is UTF-8 with a BOM and
    ``,`` unless ``encoding``/``sep`` say otherwise (``sep=";"`` suits Russian
    Excel); TSV uses tab. CSV/XLSX neutralise formula-like text cells (see
    :func:`neutralize_formulas`); in XLSX a text cell that is a plain number
    (``"9"``, ``"-1.5"``) is written as a number when reading it back gives the
    same text, so ids like ``"007"`` stay text. Returns the path written.

    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "out.csv"
    >>> df = pd.DataFrame({"id": ["007"], "comment": ["=1+1"]})
    >>> raw = write_table(df, out).read_bytes()
    >>> raw[:3] == codecs.BOM_UTF8, raw[3:].decode().splitlines()
    (True, ['id,comment', "007,'=1+1"])
    """
    with TableWriter(path, fmt=fmt, encoding=encoding, sep=sep, sheet_name=sheet_name) as writer:
        writer.write(df)
    return Path(path)


class TableWriter:
    """Stream DataFrame chunks into one table file, atomically.

    Use as a context manager: the target appears (or is replaced) only when the
    ``with`` block ends without an exception; otherwise the temp file is removed
    and an existing file at ``path`` is untouched. Every chunk must have the
    first chunk's columns (order may differ; missing ones are written empty).
    CSV/TSV/JSONL chunks are appended as they come; Parquet uses the first
    chunk's schema (all-null columns in it are typed as text) and casts later
    chunks to it; XLSX is buffered and written at close, and refuses more than
    :data:`EXCEL_MAX_DATA_ROWS` rows.

    >>> import tempfile, pathlib
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
        sheet_name: str = "Sheet1",
    ):
        self.path = Path(path)
        self.fmt = detect_format(self.path, fmt)
        self.gzip = _is_gzip(self.path)
        if self.gzip and self.fmt not in _GZIP_OK:
            raise InputFileError(f"{self.path}: gzip output is supported for csv/tsv/jsonl only")
        self.encoding = encoding or ("utf-8-sig" if self.fmt in ("csv", "tsv") else "utf-8")
        self.sep = _normalize_sep(sep, self.path) or ("\t" if self.fmt == "tsv" else ",")
        self.sheet_name = sheet_name
        self.columns: list | None = None
        self.rows_written = 0
        self._target: _AtomicTarget | None = None
        self._fh = None
        self._pq_writer = None
        self._pq_schema = None
        self._buffer: list[pd.DataFrame] = []
        self._closed = False
        self._header_done = False

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
        self._target = _AtomicTarget(self.path)
        if self.fmt in ("csv", "tsv", "jsonl"):
            if self.gzip:
                raw = gzip.open(self._target.tmp, "wb")
                self._fh = io.TextIOWrapper(raw, encoding=self.encoding, newline="")
            else:
                self._fh = open(self._target.tmp, "w", encoding=self.encoding, newline="")

    def write(self, chunk: pd.DataFrame) -> None:
        """Append ``chunk`` (a DataFrame) to the output."""
        self._open()
        chunk = self._align(chunk)
        try:
            if self.fmt in ("csv", "tsv"):
                self._write_csv(neutralize_formulas(chunk))
                self._header_done = True
            elif self.fmt == "jsonl":
                if len(chunk):
                    text = chunk.to_json(
                        orient="records", lines=True, force_ascii=False, date_format="iso",
                        double_precision=15, default_handler=str,
                    )
                    self._fh.write(text if text.endswith("\n") else text + "\n")
            elif self.fmt == "parquet":
                self._write_parquet(chunk)
            else:
                if len(self.columns or ()) > _EXCEL_MAX_COLUMNS:
                    raise InputFileError(
                        f"{self.path}: {len(self.columns):,} columns do not fit in an Excel sheet "
                        f"(max {_EXCEL_MAX_COLUMNS:,}); write .csv or .parquet instead"
                    )
                if self.rows_written + len(chunk) > EXCEL_MAX_DATA_ROWS:
                    raise InputFileError(
                        f"{self.path}: {self.rows_written + len(chunk):,} rows do not fit in an Excel sheet "
                        f"(max {EXCEL_MAX_DATA_ROWS:,} data rows); write .csv or .parquet instead"
                    )
                self._buffer.append(chunk)
        except BaseException:
            self.abort()
            raise
        self.rows_written += len(chunk)

    def _write_csv(self, chunk: pd.DataFrame) -> None:
        if not self._header_done:
            # the csv module is what pandas uses too: same header quoting either way
            header = io.StringIO()
            csv.writer(header, delimiter=self.sep, lineterminator=_CSV_EOL).writerow([str(c) for c in chunk.columns])
            self._fh.write(header.getvalue())
        data = _csv_body(chunk, self.sep)
        if data is None:
            chunk.to_csv(self._fh, index=False, header=False, sep=self.sep, lineterminator=_CSV_EOL)
        elif codecs.lookup(self.encoding).name in ("utf-8", "utf-8-sig"):  # the BOM went out with the header
            self._fh.flush()
            self._fh.buffer.write(data)
        else:
            self._fh.write(data.decode("utf-8"))

    def _align(self, chunk: pd.DataFrame) -> pd.DataFrame:
        if not isinstance(chunk, pd.DataFrame):
            raise TypeError(f"TableWriter.write expects a DataFrame, got {type(chunk).__name__}")
        if self.columns is None:
            self.columns = list(chunk.columns)
            return chunk
        if list(chunk.columns) == self.columns:
            return chunk
        extra = [c for c in chunk.columns if c not in self.columns]
        if extra:
            self.abort()
            raise InputFileError(
                f"{self.path}: a later chunk has column(s) {', '.join(map(repr, extra))} that the first chunk "
                "did not have; a streamed table needs the same columns in every chunk "
                "(read the input whole, or make sure the first rows have every key)"
            )
        return chunk.reindex(columns=self.columns)

    def _write_parquet(self, chunk: pd.DataFrame) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            table = pa.Table.from_pandas(chunk, preserve_index=False)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            # An object column mixing types (e.g. numbers and text) has no Parquet type;
            # store such columns as text rather than refuse the whole file.
            chunk = chunk.copy()
            for i in range(chunk.shape[1]):
                if chunk.iloc[:, i].dtype == object:
                    chunk.isetitem(i, _frame_to_text(chunk.iloc[:, [i]]).iloc[:, 0])
            table = pa.Table.from_pandas(chunk, preserve_index=False)
        if self._pq_writer is None:
            # A column that is all-null in the first chunk has no type yet; text is
            # what it almost always holds later (comments, categories).
            fields = [
                pa.field(f.name, pa.large_string()) if pa.types.is_null(f.type) else f for f in table.schema
            ]
            self._pq_schema = pa.schema(fields, metadata=table.schema.metadata)
            table = table.cast(self._pq_schema)
            self._pq_writer = pq.ParquetWriter(self._target.tmp, self._pq_schema)
        else:
            try:
                table = table.cast(self._pq_schema)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
                raise InputFileError(
                    f"{self.path}: a later chunk does not fit the Parquet schema of the first chunk ({exc}); "
                    "make the column types consistent (e.g. read with as_text=True)"
                ) from None
        self._pq_writer.write_table(table)

    def _write_xlsx(self) -> None:
        from openpyxl import Workbook
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        wb = Workbook(write_only=True)
        ws = wb.create_sheet(title=self.sheet_name)
        ws.append([_scalar_text(c) for c in (self.columns or [])])
        for chunk in self._buffer:
            safe = neutralize_formulas(chunk)
            for row in safe.itertuples(index=False, name=None):
                ws.append([_xlsx_cell(v, ILLEGAL_CHARACTERS_RE, self.path) for v in row])
        wb.save(self._target.tmp)

    def close(self) -> Path:
        """Finish the file and move it into place (called by ``with``)."""
        if self._closed:
            return self.path
        self._open()
        try:
            if self._fh is not None:
                self._fh.close()
                self._fh = None
            if self.fmt == "parquet":
                if self._pq_writer is None:
                    import pyarrow as pa
                    import pyarrow.parquet as pq

                    pq.write_table(pa.table({}), self._target.tmp)
                else:
                    self._pq_writer.close()
                    self._pq_writer = None
            elif self.fmt == "xlsx":
                self._write_xlsx()
            self._target.commit()
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
        for closer in (self._fh, self._pq_writer):
            if closer is not None:
                try:
                    closer.close()
                except Exception:  # the temp file is being thrown away anyway
                    pass
        self._fh = self._pq_writer = None
        self._buffer = []
        if self._target is not None:
            self._target.discard()


_XLSX_NUMBER = re.compile(r"^-?(0|[1-9]\d{0,14})(\.\d{1,15})?$")


def _xlsx_cell(v: Any, illegal: re.Pattern, path: Path) -> Any:
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, str):
        if _XLSX_NUMBER.match(v):
            num: float | int = int(v) if "." not in v else float(v)
            if _scalar_text(num) == v:
                return num
        if len(v) > _EXCEL_MAX_CELL_CHARS:
            raise InputFileError(
                f"{path}: a cell has {len(v):,} characters, more than Excel's {_EXCEL_MAX_CELL_CHARS:,}; "
                "write .csv or .parquet instead"
            )
        # openpyxl refuses control characters; a visible replacement beats a crash.
        return illegal.sub("\ufffd", v)
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
    text = _scalar_text(v)
    return None if text is None else illegal.sub("\ufffd", text)


# --------------------------------------------------------------------------- columns


def require_columns(df_or_columns: pd.DataFrame | Iterable, needed: str | Iterable[str], *, source: Any) -> None:
    """Raise :class:`MissingColumnError` unless every column in ``needed`` exists.

    The message names the missing column, lists the columns the file has and
    suggests the closest name (case and spacing differences first).

    >>> require_columns(["id", "Comment"], "comment", source="survey.csv")
    Traceback (most recent call last):
    ...
    feedback_classifier.errors.MissingColumnError: survey.csv: no column 'comment'; the file has columns: 'id', 'Comment'. Did you mean 'Comment'?
    >>> require_columns(pd.DataFrame(columns=["id", "nps"]), ["id", "nps"], source="x.csv")
    """
    columns = list(df_or_columns.columns) if isinstance(df_or_columns, pd.DataFrame) else list(df_or_columns)
    wanted = [needed] if isinstance(needed, str) else list(needed)
    present = set(columns)
    src = str(source) if source is not None else "the table"
    for name in wanted:
        if name in present:
            continue
        names = [str(c) for c in columns]
        listed = ", ".join(repr(n) for n in names[:40])
        if len(names) > 40:
            listed += f", ... ({len(names) - 40} more)"
        if not names:
            listed = "(none)"
        suggestion = _closest(str(name), names)
        hint = f" Did you mean {suggestion!r}?" if suggestion else ""
        raise MissingColumnError(f"{src}: no column {name!r}; the file has columns: {listed}.{hint}")


def _closest(name: str, names: list[str]) -> str | None:
    key = name.casefold().strip()
    for n in names:
        if n.casefold().strip() == key:
            return n
    folded = {n.casefold().strip(): n for n in names}
    close = difflib.get_close_matches(key, list(folded), n=1, cutoff=0.6)
    return folded[close[0]] if close else None
