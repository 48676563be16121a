"""CSV and TSV: the reader (sniffed encoding and delimiter, every cell text) and the writer.

A CSV is read with pandas' C parser, every cell as text and only an empty cell as missing;
blank lines become all-missing rows. A row with fewer cells than the header is kept, its
missing cells empty, and an ``InputWarning`` says how many such rows there are (exports
that trim trailing empty cells write them; a wrong delimiter guess shows up this way too).
It is written UTF-8 with a BOM by default, because without the BOM Excel opens a UTF-8 CSV
as cp1251/cp1252 and Cyrillic turns into mojibake.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import gzip
import io
import re
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from feedback_classifier.errors import InputFileError, InputWarning, warn
from feedback_classifier.tableio.encoding import (
    check_guess,
    decode_sample,
    detect_encoding,
    detect_separator,
    is_gzip,
    normalize_sep,
    open_text_output,
    invalid_utf8_lines,
    read_sample,
)
from feedback_classifier.tableio.formulas import neutralize_formulas, neutralize_names, unguard_formulas
from feedback_classifier.tableio.titlerows import is_totals_row, lead_text_lines, warn_lead, without_totals_frame

# --------------------------------------------------------------------------- reading


def _csv_options(
    path: Path, kind: str, encoding: str | None, sep: str | None, errors: str, header_row: int | None = None
) -> tuple[str, str, list[str], int]:
    """(encoding, delimiter, the header as written, lines to skip before the header); ``header_row``:
    the line of the column names as the user counts them (1-based), else it is found."""
    gz = is_gzip(path)
    sample, truncated = read_sample(path, gz)
    if encoding is None:
        encoding = check_guess(path, gz, detect_encoding(sample, truncated=truncated), errors=errors)
    elif sample.startswith(codecs.BOM_UTF8) and _codec_name(encoding, path) == "utf-8":
        encoding = "utf-8-sig"  # otherwise the BOM sticks to the first column name
    text = decode_sample(sample, encoding, path, errors=errors)
    sep = normalize_sep(sep, path)
    if header_row is not None:
        return _at_header_row(path, kind, encoding, sep, text.lstrip("\ufeff"), header_row)
    hint = _EXCEL_SEP_LINE.match(text.lstrip("\ufeff"))
    if hint:  # Excel's "sep=;" first line names the delimiter and is not the header
        text = text.lstrip("\ufeff")[hint.end():]
        sep = sep or hint.group(1)
    lead, lead_sep = lead_text_lines(text, sep, detect_separator)
    if lead:  # a title and blank lines above the column names (tableio.titlerows)
        lines = text.splitlines(keepends=True)
        warn_lead(path, [_raw_header(line, lead_sep) for line in lines[:lead]], above=1 if hint else 0)
        text, sep = "".join(lines[lead:]), lead_sep
    if sep is None:
        sep = detect_separator(text)
        if kind == "tsv" and "\t" in text.split("\n", 1)[0]:
            sep = "\t"
    return encoding, sep, _raw_header(text, sep), (1 if hint else 0) + lead


_EXCEL_SEP_LINE = re.compile(r"sep=(.)\r?\n")


def _at_header_row(path: Path, kind: str, encoding: str, sep: str | None, text: str, header_row: int
                   ) -> tuple[str, str, list[str], int]:
    """``_csv_options``' answer for column names the user says are on line ``header_row``."""
    lines = text.splitlines(keepends=True)
    if header_row > len(lines):
        raise InputFileError(f"{path}: --header-row {header_row} (library: header_row=) but the file has "
                             f"{len(lines)} line(s) (in its first 256 kB); pass the line that holds the column names")
    hint = _EXCEL_SEP_LINE.match(text)
    rest = "".join(lines[header_row - 1:])
    sep = sep or (hint.group(1) if hint and header_row > 1 else None) or detect_separator(rest)
    if kind == "tsv" and "\t" in lines[header_row - 1]:
        sep = "\t"
    return encoding, sep, _raw_header(rest, sep), header_row - 1


def _codec_name(encoding: str, path: Path) -> str:
    """The codec's canonical name; a misspelt ``--encoding`` is the one-line error a file without a BOM gets
    (on a file with one, as Excel writes UTF-8, it was a LookupError traceback)."""
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise InputFileError(f"{path}: unknown encoding {encoding!r}; use a name like 'utf-8' or 'cp1251'") from None


def _raw_header(text: str, sep: str) -> list[str]:
    """The column names as the file spells them (pandas renames a repeated name ``name.1``)."""
    try:
        first = next(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=sep, quotechar='"', strict=False), [])
    except csv.Error:
        return []
    return [c for c in first]


def iter_csv(
    path: Path, kind: str, chunksize: int | None, *, sheet: Any, encoding: str | None, sep: str | None, as_text: bool,
    encoding_errors: str = "strict", header_row: int | None = None,
) -> Iterator[pd.DataFrame]:
    """Chunks of a CSV/TSV file (``sheet`` does not apply); sniffing errors raise at the call.

    ``encoding_errors="replace"`` reads bytes that are not valid in the encoding as U+FFFD;
    by default they are an error naming the lines.
    """
    encoding, sep, header, skip_lines = _csv_options(path, kind, encoding, sep, encoding_errors, header_row)
    kwargs: dict[str, Any] = dict(
        sep=sep,
        encoding=encoding,
        encoding_errors=encoding_errors,
        skiprows=skip_lines,
        skip_blank_lines=False,
        keep_default_na=False,
        na_values=[""],
        compression="gzip" if is_gzip(path) else None,
        engine="c",
        quotechar='"',
    )
    if as_text:
        kwargs["dtype"] = str
    if as_text and _arrow_reads(path, encoding, sep, skip_lines):
        from feedback_classifier.tableio.arrowcsv import arrow_frames

        frames = arrow_frames(path, sep, chunksize, lambda: _guarded_csv(path, encoding, sep, chunksize, kwargs))
    else:
        frames = _guarded_csv(path, encoding, sep, chunksize, kwargs)
    if as_text and _ends_with_totals(path, encoding, sep):  # a report's "Итого" line (tableio.titlerows)
        frames = without_totals_frame(frames, path)
    return _with_header(frames, header, sep, path, skip_lines + 1, unguard=as_text)


_TAIL_BYTES = 64 * 1024


def _ends_with_totals(path: Path, encoding: str, sep: str) -> bool:
    """Whether the last line with a value of a CSV may be a totals row ("Итого;;7,6"): its last
    bytes are looked at, so only such a file's chunks are held back to drop it. A gzipped file's
    end cannot be reached without reading it all, so its chunks are always held back."""
    if is_gzip(path):
        return True
    codec = codecs.lookup(encoding).name
    width = 4 if codec.startswith("utf-32") else 2 if codec.startswith("utf-16") else 1
    with open(path, "rb") as fh:
        bom = fh.read(4)
        start = max(0, path.stat().st_size - _TAIL_BYTES)
        fh.seek(start - start % width)  # a wide encoding's tail cut between its code units
        tail = fh.read()
    if codec in ("utf-16", "utf-32"):  # the byte order is said once, by the file's BOM
        codec += "-be" if bom.startswith((b"\xfe\xff", b"\x00\x00\xfe\xff")) else "-le"
    text = tail.decode(codec, errors="replace")
    lines = [line for line in text.splitlines() if line.strip().strip(sep).strip()]
    return bool(lines) and is_totals_row(_raw_header(lines[-1].lstrip("\ufeff"), sep))


def _arrow_reads(path: Path, encoding: str, sep: str, skip_lines: int) -> bool:
    """Whether Arrow's reader may read the file (``tableio.arrowcsv``): UTF-8, not gzipped, a
    one-character delimiter other than the quote, no Excel ``sep=`` line."""
    return (codecs.lookup(encoding).name in ("utf-8", "utf-8-sig") and not is_gzip(path) and len(sep) == 1
            and sep not in '"\r\n' and not skip_lines)


def _with_header(frames: Iterator[pd.DataFrame], header: list[str], sep: str, path: Path, line: int = 1,
                 unguard: bool = False) -> Iterator[pd.DataFrame]:
    merged: list[tuple[int, str, int, str]] = []
    start, unguarded = 1, 0
    for df in frames:
        if unguard:  # (a text read: the cells as a spreadsheet shows them, tableio.formulas)
            df, n = unguard_formulas(df)
            unguarded += n
        df.attrs["sep"] = sep  # a CSV copy of the file keeps it (tableio.writing)
        df.attrs["header_row"] = line  # (where a missing column's hint counts from: tableio.columns)
        if len(header) == len(df.columns):
            df.attrs["header"] = header
        merged += [(start + pos, *rest) for pos, *rest in merged_rows(df, sep)]
        start += len(df)
        yield df
    if unguarded:
        warn(InputWarning(
            f"{path}: {unguarded:,} text cells start with the ' a CSV writer puts before =, +, -, @ so that "
            "spreadsheets do not run them as formulas; they were read without it (a CSV output puts it back)"
        ))
    if merged:
        row, column, breaks, first = merged[0]
        more = f" ({len(merged) - 1:,} more cells like it)" if len(merged) > 1 else ""
        warn(InputWarning(
            f"{path}: row {row:,}'s cell in column {column!r} runs over {breaks} more line{'s' * (breaks > 1)} "
            f"that read as rows of their own ({first!r}){more}: a double quote left open in it merged the rows "
            "after it into one; close the quote, or double it (\"\") if it is part of the text, and rerun"
        ))


def merged_rows(df: pd.DataFrame, sep: str) -> list[tuple[int, str, int, str]]:
    """(position, column, line breaks, first row-like line) of each text cell that swallowed rows.

    A quote opened by mistake (``2,"Late,3``) runs to the next quote in the file, and both
    pandas and Arrow read the lines between as that one cell. Those lines still read as rows:
    as many fields as the header, the first shaped like the first column's values (digits,
    letters and punctuation in the same order). A comment's own line breaks rarely do.

    >>> df = pd.DataFrame({"id": ["1", "2"], "comment": ["ok", "Late,3\\n3,Rude,2\\n4,ok"], "nps": ["9", "5"]})
    >>> merged_rows(df, ",")
    [(1, 'comment', 2, '3,Rude,2')]
    >>> merged_rows(df.assign(comment=["ok", "Late,\\nrude, slow, cold"]), ",")
    []
    """
    width = df.shape[1]
    ids = df.iloc[:, 0].dropna() if width > 1 else ()
    if not len(ids):
        return []
    shape = _shape(str(ids.iloc[0]))
    found = []
    for column in df.columns:
        cells = df[column]
        if not (pd.api.types.is_object_dtype(cells) or pd.api.types.is_string_dtype(cells)):
            continue
        broken = cells.str.contains("\n", regex=False, na=False).to_numpy(dtype=bool)
        for pos in np.flatnonzero(broken):
            lines = str(cells.iat[pos]).splitlines()
            rows = [line for line in lines[1:] if _reads_as_row(line, sep, width, shape)]
            if rows:
                found.append((int(pos), str(column), len(lines) - 1, rows[0]))
    return found


def _shape(value: str) -> str:
    return re.sub(r"[^\W\d_]+", "a", re.sub(r"\d+", "9", value.strip()))


def _reads_as_row(line: str, sep: str, width: int, shape: str) -> bool:
    fields = next(csv.reader([line], delimiter=sep, quotechar='"', strict=False), [])
    return len(fields) == width and bool(fields[0].strip()) and _shape(fields[0]) == shape


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
        seen = maybe_short = False
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
                # pandas fills a short row's missing cells silently; only a row whose last cell is
                # empty can be one, so the file is re-read for them only then
                maybe_short = maybe_short or (df.shape[1] > 1 and bool(df.iloc[:, -1].isna().any()))
                yield df
        if not seen:
            yield pd.DataFrame()
        elif maybe_short:
            _warn_short_rows(path, encoding, sep, kwargs)
    except pd.errors.EmptyDataError:
        yield pd.DataFrame()
    except pd.errors.ParserError as exc:
        if "fields in line" in str(exc):
            # more cells than the header: nearly always a comment holding the delimiter unquoted
            hint += ", or put each cell that holds the delimiter in double quotes"
        raise InputFileError(f"{path}: malformed CSV: {_one_line(exc)} {hint}") from None
    except UnicodeDecodeError as exc:
        where = ""
        if codecs.lookup(encoding).name == "utf-8":
            lines, total = invalid_utf8_lines(path, is_gzip(path))
            where = f" on line {', '.join(map(str, lines))}{', ...' if total > len(lines) else ''}" if lines else ""
        raise InputFileError(
            f"{path}: not valid {encoding}{where} ({exc.reason}); the start of the file looked like that encoding "
            "but later bytes do not; pass the real encoding, e.g. --encoding cp1251 (library: encoding=), "
            "or --encoding-errors replace to read the bad bytes as '\ufffd'"
        ) from None
    except (OSError, EOFError, zipfile.BadZipFile) as exc:
        raise InputFileError(f"{path}: cannot read the file ({exc}); check it is complete and not corrupt") from None


def _warn_short_rows(path: Path, encoding: str, sep: str, kwargs: dict[str, Any]) -> None:
    """An ``InputWarning`` naming how many rows have fewer cells than the header, and the first."""
    count, first = short_rows(path, encoding, sep, skip_lines=kwargs["skiprows"], errors=kwargs["encoding_errors"])
    if count:
        rows = f"{count:,} rows have" if count > 1 else "1 row has"
        where = f"first: row {first:,}" if count > 1 else f"row {first:,}"
        their = "their" if count > 1 else "its"
        warn(InputWarning(
            f"{path}: {rows} fewer cells than the header ({where}); {their} missing cells were read as empty"
        ))


def short_rows(path: Path, encoding: str, sep: str, *, skip_lines: int = 0, errors: str = "strict"
               ) -> tuple[int, int | None]:
    """(how many data rows have fewer cells than the header, the 1-based number of the first).

    A blank line is not counted: it is read as an empty row on purpose (see the module doc).

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "s.csv"
    >>> _ = p.write_text('id,comment,nps\\n1,"late,\\nagain",3\\n2,ok\\n\\n4\\n5,,\\n', encoding="utf-8")
    >>> short_rows(p, "utf-8", ",")
    (2, 2)
    """
    opener = gzip.open if is_gzip(path) else open
    count, first = 0, None
    with opener(path, "rt", encoding=encoding, errors=errors, newline="") as f:
        reader = csv.reader(f, delimiter=sep, quotechar='"', strict=False)
        for _ in range(skip_lines):
            next(reader, None)
        width = len(next(reader, ()))
        for row, n in enumerate(map(len, reader), start=1):
            if 0 < n < width:
                count += 1
                first = first or row
    return count, first


def _one_line(exc: Exception) -> str:
    """pandas' parser messages end in a newline and sometimes span lines: one line for the CLI.

    >>> _one_line(ValueError("Error tokenizing data. C error: Expected 2 fields in line 3, saw 3\\n"))
    'Error tokenizing data. C error: Expected 2 fields in line 3, saw 3'
    """
    return " ".join(str(exc).split())


# --------------------------------------------------------------------------- writing

# CRLF (RFC 4180, what Excel writes) also makes the csv module quote cells holding a
# lone "\r"; with "\n" such a cell would split the row.
_CSV_EOL = "\r\n"


def _csv_body(df: pd.DataFrame, sep: str, decimal: str = "."):
    """The CSV rows of ``df`` as UTF-8 bytes (a bytes-like Arrow buffer), exactly as ``df.to_csv(header=False, index=False,
    lineterminator="\\r\\n")`` writes them, or None when a column type is not handled here.

    pandas' writer goes through the csv module cell by cell and was ~85% of the CPU of
    streaming a survey export through ``classify`` (4 s per million rows, most of the main
    process's share under ``--jobs 2``); Arrow's compute kernels build the same bytes
    ~20x faster. Quoting follows the csv module's QUOTE_MINIMAL: a cell is quoted when it
    holds the separator, a quote or a line break, with quotes doubled. Float columns get
    ``decimal`` as their decimal mark (``to_csv(decimal=...)``).

    >>> bytes(_csv_body(pd.DataFrame({"a": pd.array(["x", 'say "hi", ok', None], dtype="str"), "b": [1.5, float("nan"), 2.0]}), ","))
    b'x,1.5\\r\\n"say ""hi"", ok",\\r\\n,2.0\\r\\n'
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if df.shape[1] < 2 or not len(df):
        return None  # a lone empty cell is written as "" by the csv module: leave such frames to pandas

    def scalar(value: str):  # the join kernels want every argument of one string type
        return pa.scalar(value, pa.large_string())

    q, empty = scalar('"'), scalar("")
    marks = list(dict.fromkeys(sep + '"\r\n'))
    special = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in marks) + "]"
    cells = []
    for i in range(df.shape[1]):
        s = df.iloc[:, i]
        dtype = s.dtype
        if isinstance(dtype, pd.StringDtype):
            arr = pa.array(s.array)  # Arrow-backed str columns: no copy
            if isinstance(arr, pa.ChunkedArray):
                arr = arr.combine_chunks()
            arr = pc.fill_null(pc.cast(arr, pa.large_string()), "")
            # most columns (ids, dates, categories) hold no character that needs quotes: a
            # byte search of the whole column settles that without the per-cell regex
            if _holds_any(arr, marks):
                quote = pc.match_substring_regex(arr, special)
                if pc.any(quote).as_py():
                    quoted = pc.binary_join_element_wise(q, pc.replace_substring(arr, '"', '""'), q, empty)
                    arr = pc.if_else(quote, quoted, arr)
        elif dtype == bool:
            arr = pc.if_else(pa.array(s.to_numpy()), scalar("True"), scalar("False"))
        elif dtype.kind in "iu" and isinstance(dtype, np.dtype):
            arr = pa.array(s.to_numpy().astype(str), type=pa.large_string())
        elif isinstance(dtype, np.dtype) and dtype.kind == "f":
            # numpy's float -> text is ~0.7 us a value; probability and confidence columns repeat
            # few values (4 decimals), so each distinct bit pattern (-0.0 is not 0.0) is written once
            values = np.ascontiguousarray(s.to_numpy())
            inverse = None
            if values.dtype.itemsize in (2, 4, 8):
                bits, inverse = np.unique(values.view(f"i{values.dtype.itemsize}"), return_inverse=True)
                values = bits.view(values.dtype)
            text = values.astype(str).astype(object)
            if decimal != ".":
                text = np.array([t.replace(".", decimal) for t in text], dtype=object)
            text[np.isnan(values)] = ""
            arr = pa.array(text, type=pa.large_string())
            if inverse is not None:
                arr = arr.take(pa.array(inverse.ravel()))
        else:
            return None
        cells.append(arr)
    # the line end goes on the last cell (short, as a rule) instead of on the joined rows
    cells[-1] = pc.binary_join_element_wise(cells[-1], scalar(_CSV_EOL), empty)
    rows = pc.binary_join_element_wise(*cells, scalar(sep))
    offsets = np.frombuffer(rows.buffers()[1], dtype=np.int64)[rows.offset : rows.offset + len(rows) + 1]
    start, stop = int(offsets[0]), int(offsets[-1])
    return rows.buffers()[2][start:stop]  # just these rows, written from Arrow's memory (no copy)


def _holds_any(arr, chars: list[str]) -> bool:
    """Whether any cell of the (large) string array ``arr`` holds one of the ASCII ``chars``.

    >>> import pyarrow as pa
    >>> _holds_any(pa.array(["ab", "c,d"], pa.large_string()), [","]), _holds_any(pa.array(["ab"], pa.large_string()), [","])
    (True, False)
    """
    _, offsets_buf, data_buf = arr.buffers()
    if data_buf is None or not len(arr):
        return False
    offsets = np.frombuffer(offsets_buf, dtype=np.int64)[arr.offset:arr.offset + len(arr) + 1]
    data = data_buf[int(offsets[0]):int(offsets[-1])].to_pybytes()  # (a copy: bytes.find is memchr)
    return any(data.find(c.encode()) >= 0 for c in chars)


class CsvSink:
    """Appends chunks to a CSV/TSV file: the header with the first chunk, formula-like text neutralised.

    A chunk with more columns than the header (a JSON key first used late in the input) starts a new
    segment file; at close the header gets every column and the earlier rows are padded with empty
    cells, so the rows written before stay as they were and no column is lost.
    """

    def __init__(self, tmp: Path, path: Path, *, encoding: str, sep: str, gz: bool, sheet_name: str):
        self.encoding = encoding
        self.sep = sep
        self._tmp, self._gz, self._path = tmp, gz, path
        self._fh = open_text_output(tmp, encoding, gz, path)
        self._header_done = False
        self._width = 0
        self._names: list = []
        self._segments: list[Path] = []  # the rows before each widening, as written
        self.header_names: list | None = None  # the header when it differs from the columns (TableWriter)
        self.decimal = "."  # the decimal mark of float columns (TableWriter: ',' in a ';' file)
        self.guarded: list[int] = []  # per chunk, the cells the formula guard changed

    def write(self, chunk: pd.DataFrame) -> None:
        """Append the rows of ``chunk`` (the header too, the first time)."""
        chunk = neutralize_formulas(chunk, self.guarded)
        names = list(self.header_names if self.header_names is not None else chunk.columns)
        if self._header_done and chunk.shape[1] > self._width:
            self._widen()
        self._width, self._names = chunk.shape[1], names
        if not self._header_done:
            # the csv module is what pandas uses too: same header quoting either way
            header = io.StringIO()
            names = self.header_names if self.header_names is not None else chunk.columns
            csv.writer(header, delimiter=self.sep, lineterminator=_CSV_EOL).writerow(neutralize_names(names))
            self._fh.write(header.getvalue())
        data = _csv_body(chunk, self.sep, self.decimal)
        if data is None:
            chunk.to_csv(self._fh, index=False, header=False, sep=self.sep, lineterminator=_CSV_EOL,
                         decimal=self.decimal)
        elif codecs.lookup(self.encoding).name in ("utf-8", "utf-8-sig"):  # the BOM went out with the header
            self._fh.flush()
            self._fh.buffer.write(data)
        else:
            self._fh.write(data.to_pybytes().decode("utf-8"))
        self._header_done = True

    def _widen(self) -> None:
        """Close the rows written so far as a segment and go on in a new one (plain text, no BOM)."""
        self._fh.close()
        segment = self._tmp.with_name(f"{self._tmp.name}.part{len(self._segments)}")
        if not self._segments:
            self._tmp.replace(segment)  # the header and the first rows, as they were written
        else:
            self._current.replace(segment)
        self._segments.append(segment)
        self._current = self._tmp.with_name(f"{self._tmp.name}.part-next")
        self._fh = open(self._current, "w", encoding=_plain(self.encoding), newline="")

    def close(self) -> None:
        """Flush and close the file (joining the segments when the columns grew)."""
        self._fh.close()
        if not self._segments:
            return
        limit = csv.field_size_limit(2**31 - 1)  # a long comment is one cell, however long
        try:
            with open_text_output(self._tmp, self.encoding, self._gz, self._path) as out:
                writer = csv.writer(out, delimiter=self.sep, lineterminator=_CSV_EOL)
                writer.writerow(neutralize_names(self._names))
                for k, segment in enumerate(self._segments):
                    encoding = self.encoding if k == 0 else _plain(self.encoding)
                    with _open_segment(segment, encoding, self._gz and k == 0) as fh:
                        rows = csv.reader(fh, delimiter=self.sep)
                        if k == 0:
                            next(rows, None)  # the first, shorter header
                        pad = [""] * len(self._names)
                        for row in rows:
                            writer.writerow(row + pad[len(row):])
                with open(self._current, encoding=_plain(self.encoding), newline="") as fh:
                    shutil.copyfileobj(fh, out)
        finally:
            csv.field_size_limit(limit)
            self._remove_segments()

    def _remove_segments(self) -> None:
        for segment in self._segments:
            segment.unlink(missing_ok=True)
        if self._segments:
            self._current.unlink(missing_ok=True)

    def abort(self) -> None:
        """Release the file without caring whether it is complete."""
        with contextlib.suppress(Exception):  # the temp file is being thrown away anyway
            self._fh.close()
        self._remove_segments()


def _plain(encoding: str) -> str:
    """The encoding of a segment after the first: a BOM only starts the whole file."""
    return "utf-8" if codecs.lookup(encoding).name == "utf-8-sig" else encoding


def _open_segment(path: Path, encoding: str, gz: bool):
    if gz:
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding=encoding, newline="")
    return open(path, encoding=encoding, newline="")
