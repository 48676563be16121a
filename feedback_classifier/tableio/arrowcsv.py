"""The fast way to read a plain UTF-8 CSV: Arrow's CSV reader, giving exactly pandas' frames.

pandas' C parser builds a Python string per cell and then an Arrow string column from them
(~1.7 us a row of a five-column survey export, the largest part of reading); Arrow's reader
fills the string columns directly, ~4x faster. ``csvfile.iter_csv`` takes this path only for
what it provably reads the same way: a UTF-8 file, not gzipped, every cell as text, no Excel
``sep=`` line, a header of distinct non-empty names. Everything else Arrow could read
differently makes it stop and hand over to pandas, which then reads the file from the first
row not yet yielded (``arrow_frames``' ``fallback``), so the rows, their values and the errors
are pandas' own:

* a row with more or fewer cells than the header, a line of spaces, bytes that are not UTF-8,
  a cell longer than a block: Arrow raises, pandas decides (fills in missing cells, which
  ``csvfile`` then warns of; names the line);
* a quoted cell still open at the end of the file (pandas: "EOF inside string"; Arrow keeps
  it): a sentinel row is read after the file's last byte, and is only whole when no quote
  was left open;
* a file without rows: pandas gives the empty frame.

Quoting (doubled quotes, quotes inside unquoted cells, text after a closing quote), line ends
(``\\n``, ``\\r\\n``, ``\\r``, inside quotes too), blank lines, empty and quoted empty cells
(missing), a BOM and NUL bytes read the same both ways (``tests/test_arrow_csv.py`` compares
the two readers on generated files).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd

# Bytes per block Arrow parses at once (a row must fit in one, else pandas reads the rest of the
# file). Peak memory grows with it well past the blocks themselves (reading the 1M-row, 200 MB
# benchmark file alone: 4 MB blocks 420 MB RSS, 1 MB 226, 256 kB 177 = pandas' reader), at no
# measurable CPU cost down to 256 kB (docs/scaling.md).
BLOCK_SIZE = 1 << 18
# The first cell of the sentinel row: a control character no survey export writes as a cell.
_MARK = "\x01"


class _Fallback(Exception):
    """Arrow may read this file differently from pandas: pandas reads it."""


def arrow_frames(path: Path, sep: str, chunksize: int | None, fallback: Callable[[], Iterator[pd.DataFrame]]
                 ) -> Iterator[pd.DataFrame]:
    """Frames of ``chunksize`` rows (all rows when None) of the UTF-8 CSV ``path``, every cell
    text and empty cells missing, as ``pd.read_csv(dtype=str, keep_default_na=False,
    na_values=[""], skip_blank_lines=False)`` reads them; where Arrow could read the file
    differently, the rest comes from ``fallback()`` (pandas' frames of the whole file, in the
    same chunks), from the first row not yet yielded.

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "s.csv"
    >>> _ = p.write_bytes(b'id,comment\\n1,"Late, again"\\n2,\\n3,ok\\n')
    >>> [f["comment"].tolist() for f in arrow_frames(p, ",", 2, lambda: iter([]))]
    [['Late, again', nan], ['ok']]
    """
    done = 0
    try:
        for frame in _frames(path, sep, chunksize):
            done += len(frame)
            yield frame
        return
    except Exception:  # noqa: BLE001  (_Fallback, or any error of Arrow's: pandas reads the file, and reports)
        pass
    for frame in fallback():
        if done and done >= len(frame):  # already yielded (chunks of equal size: whole frames)
            done -= len(frame)
            continue
        yield frame.iloc[done:] if done else frame
        done = 0


def _frames(path: Path, sep: str, chunksize: int | None) -> Iterator[pd.DataFrame]:
    import pyarrow as pa

    batches, rows, total = [], 0, 0
    for batch in _batches(path, sep):
        batches.append(batch)
        rows += batch.num_rows
        while chunksize is not None and rows >= chunksize:
            table = pa.Table.from_batches(batches)
            yield _to_pandas(table.slice(0, chunksize))
            total += chunksize
            rest = table.slice(chunksize)
            batches, rows = rest.to_batches(), rest.num_rows
    if total + rows == 0:
        raise _Fallback  # no rows: pandas' empty frame
    if rows:
        yield _to_pandas(pa.Table.from_batches(batches))


def _batches(path: Path, sep: str):
    """Arrow's record batches of the file's rows, the sentinel row checked and left out."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    names = _header(path, sep)
    with path.open("rb") as f:
        f.seek(-1, io.SEEK_END)
        ends_line = f.read(1) in (b"\n", b"\r")
    sentinel = ("" if ends_line else "\n") + _MARK + sep * (len(names) - 1) + "\n"
    with path.open("rb") as raw:
        stream = io.BufferedReader(_Appended(raw, sentinel.encode("utf-8")), buffer_size=BLOCK_SIZE)
        reader = pcsv.open_csv(
            stream,
            read_options=pcsv.ReadOptions(use_threads=False, block_size=BLOCK_SIZE),
            parse_options=pcsv.ParseOptions(delimiter=sep, quote_char='"', double_quote=True, escape_char=False,
                                             newlines_in_values=True, ignore_empty_lines=False),
            convert_options=pcsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                strings_can_be_null=True, null_values=[""],
                                                quoted_strings_can_be_null=True),
        )
        if reader.schema.names != names:
            raise _Fallback
        held = None  # the last batch is held back: it ends with the sentinel row
        for batch in reader:
            if batch.num_rows == 0:
                continue
            if held is not None:
                yield held
            held = batch
    if held is None or not _is_sentinel(held.slice(held.num_rows - 1)):
        raise _Fallback  # a quote left open swallowed the sentinel
    if held.num_rows > 1:
        yield held.slice(0, held.num_rows - 1)


def _header(path: Path, sep: str) -> list[str]:
    """The column names as Arrow reads them; distinct and non-empty, or pandas reads the file
    (it renames a repeated name ``x.1`` and an empty one ``Unnamed: 2``)."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    # Arrow's own file, not a Python one: the reader reads ahead on a thread of its own, and is
    # left before the end here (or fails at once on a file with no header); a read of a Python
    # file still in flight then waits for the GIL, and at interpreter exit that thread hung the
    # process or aborted it ("terminate called without an active exception")
    with pa.OSFile(str(path), "rb") as f:
        reader = pcsv.open_csv(
            f, read_options=pcsv.ReadOptions(use_threads=False, block_size=1 << 16),
            parse_options=pcsv.ParseOptions(delimiter=sep, newlines_in_values=True, ignore_empty_lines=False))
        names = reader.schema.names
    if len(set(names)) != len(names) or not all(names) or any(n.startswith("\ufeff") for n in names):
        raise _Fallback
    return names


def _is_sentinel(last) -> bool:
    row = last.to_pylist()[0]
    values = list(row.values())
    return values[0] == _MARK and all(v is None for v in values[1:])


class _Appended(io.RawIOBase):
    """A binary file followed by ``tail``."""

    def __init__(self, f, tail: bytes):
        self.f, self.tail = f, tail

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        n = self.f.readinto(b)
        if n:
            return n
        k = min(len(b), len(self.tail))
        b[:k] = self.tail[:k]
        self.tail = self.tail[k:]
        return k


def _to_pandas(table) -> pd.DataFrame:
    """The frame pandas' reader gives: ``str`` columns (missing: NaN), a RangeIndex."""
    import pyarrow as pa

    dtype = pd.StringDtype(na_value=np.nan)
    return table.to_pandas(types_mapper={pa.string(): dtype, pa.large_string(): dtype}.get)
