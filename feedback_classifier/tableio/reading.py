"""Reading survey tables whole or in chunks; the rules they keep are in the package docstring.

Each format's reader is in its own module (``csvfile``, ``jsonlfile``, ``parquetfile``,
``xlsxfile``) and found through the registry in ``formats``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from feedback_classifier.errors import InputFileError
from feedback_classifier.tableio.formats import REGISTRY, detect_format

__all__ = ["iter_table", "read_table"]


def _check_input(path: str | os.PathLike) -> Path:
    path = Path(path)
    if not path.exists():
        raise InputFileError(f"{path}: file not found; check the path (current directory: {Path.cwd()})")
    if path.is_dir():
        raise InputFileError(f"{path}: is a directory, not a table file; pass the path of a file inside it")
    if path.stat().st_size == 0:
        raise InputFileError(f"{path}: the file is empty (0 bytes); export the survey again, or check the path")
    return path


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
    spec = REGISTRY[kind]
    if sheet is not None and not spec.has_sheets:
        raise InputFileError(f"{path}: sheet= applies to XLSX files only, this is a {kind} file")
    return _renumber(spec.reader(path, kind, chunksize, sheet=sheet, encoding=encoding, sep=sep, as_text=as_text))


def _renumber(gen: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    start = 0
    for df in gen:
        df.index = pd.RangeIndex(start, start + len(df))
        start += len(df)
        yield df
