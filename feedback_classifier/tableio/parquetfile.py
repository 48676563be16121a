"""Parquet: read batch by batch, written with the first chunk's schema.

Parquet keeps types and ``""`` vs missing exactly; reading with ``as_text=True`` still turns
every cell into text so that all formats read alike.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from feedback_classifier.errors import InputFileError
from feedback_classifier.tableio.cells import arrow_kinds, frame_to_text, nullable_int


def iter_parquet(
    path: Path, kind: str, chunksize: int | None, *, sheet: Any, encoding: Any, sep: Any, as_text: bool,
    encoding_errors: str = "strict",
) -> Iterator[pd.DataFrame]:
    """Chunks of a Parquet file, batch by batch (``sheet``/``encoding``/``encoding_errors``/``sep`` do not apply)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise InputFileError(
            f"{path}: not a valid Parquet file ({exc}); check the file is complete (a copy "
            "cut short, a download stopped) or pass the right fmt= (CLI: --input-format)"
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
            df = _to_pandas(table)
            emitted = True
            yield _as_text(df, pf) if as_text else df
    except (pa.ArrowException, OSError) as exc:
        raise InputFileError(f"{path}: corrupt Parquet data ({exc}); re-export the file") from None
    if not emitted:
        df = _to_pandas(pf.schema_arrow.empty_table())
        yield _as_text(df, pf) if as_text else df


def _to_pandas(table) -> pd.DataFrame:
    """``table`` as a frame whose cells hold the file's values: pandas' own conversion turns an integer
    column with a gap into floats (an id ``9007199254740993`` read back as ``...992``) and a nested
    value's inner integers into floats and its lists into numpy arrays (``{"y": [1, 2]}`` as ``[1 2]``)."""
    import pyarrow as pa

    df = table.to_pandas()
    for i, field in enumerate(table.schema):
        column = table.column(i)
        if pa.types.is_integer(field.type) and column.null_count:
            df.isetitem(i, column.to_pandas(types_mapper=nullable_int).set_axis(df.index))
        elif pa.types.is_nested(field.type):
            df.isetitem(i, pd.Series(column.to_pylist(), index=df.index, dtype=object))
    return df


def _as_text(df: pd.DataFrame, pf) -> pd.DataFrame:
    """Every cell as text, each column's Parquet type kept for the writers (``cells.restore_types``)."""
    out = frame_to_text(df)
    out.attrs["native_types"] = arrow_kinds(pf.schema_arrow)
    return out


def _mergeable(a, b) -> bool:
    import pyarrow as pa

    try:
        pa.unify_schemas([pa.schema([("x", a)]), pa.schema([("x", b)])], promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return False
    return True


def _arrow_errors() -> tuple:
    """The errors of a column Arrow cannot type (pyarrow is imported only when a Parquet file is)."""
    import pyarrow as pa

    return (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError)


def _has_arrow_type(column: pd.Series) -> bool:
    import pyarrow as pa

    try:
        pa.array(column, from_pandas=True)
    except _arrow_errors():
        return False
    return True


class ParquetSink:
    """Writes chunks as row groups of one Parquet file with the first chunk's schema.

    A chunk the schema cannot hold as it is (a JSON key or object field first used late, whole numbers
    that later have decimals) widens it: the row groups written so far are copied into a new file with
    the new columns and fields null, then writing goes on.
    """

    def __init__(self, tmp: Path, path: Path, *, encoding: str, sep: str, gz: bool, sheet_name: str):
        self._tmp = tmp
        self.path = path
        self._pq_writer = None
        self._pq_schema = None
        self._untyped: set[str] = set()  # columns with no value so far: written as text, any type later

    def write(self, chunk: pd.DataFrame) -> None:
        """Append ``chunk`` as a row group, cast to the schema of the first chunk."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            table = pa.Table.from_pandas(chunk, preserve_index=False)
        except _arrow_errors():
            # An object column mixing types (numbers and text) or holding a whole number past 64 bits
            # (a JSON id) has no Parquet type; store such columns as text rather than refuse the file.
            chunk = chunk.copy()
            for i in range(chunk.shape[1]):
                if chunk.iloc[:, i].dtype == object and not _has_arrow_type(chunk.iloc[:, i]):
                    chunk.isetitem(i, frame_to_text(chunk.iloc[:, [i]]).iloc[:, 0])
            table = pa.Table.from_pandas(chunk, preserve_index=False)
        if self._pq_writer is None:
            # A column that is all-null in the first chunk has no type yet; text is
            # what it almost always holds later (comments, categories).
            fields = [
                pa.field(f.name, pa.large_string()) if pa.types.is_null(f.type) else f for f in table.schema
            ]
            self._pq_schema = pa.schema(fields, metadata=table.schema.metadata)
            self._untyped = {f.name for f in table.schema if pa.types.is_null(f.type)}
            table = table.cast(self._pq_schema)
            self._pq_writer = pq.ParquetWriter(self._tmp, self._pq_schema)
        else:
            wider, typed_now = self._unified(table)
            if not wider.equals(self._pq_schema):
                self._widen(wider, typed_now)
            table = table.cast(self._pq_schema)
        self._pq_writer.write_table(table)

    def _unified(self, table):
        """The file's schema grown to hold ``table`` too: new columns at the end (empty ones as text),
        struct fields a later JSON object adds, an integer column that turns fractional as float, a
        column without a value so far typed by the first chunk with one; and the names of those."""
        import pyarrow as pa

        old = dict(zip(self._pq_schema.names, self._pq_schema.types))
        # a column with no value in this chunk (all None or NaN) says nothing of its type: the file's,
        # or text when it is new
        fields = [pa.field(f.name, old.get(f.name, pa.large_string())) if col.null_count == len(col) else f
                  for f, col in zip(table.schema, table.columns)]
        typed_now = {f.name for f, col in zip(table.schema, table.columns)
                     if f.name in self._untyped and col.null_count < len(col)}
        base = self._pq_schema
        for name in typed_now:  # text stays the large_string an empty first chunk gave it
            found = table.schema.field(name)
            if not pa.types.is_string(found.type):
                base = base.set(base.get_field_index(name), found)
        self._untyped -= typed_now
        try:
            wider = pa.unify_schemas([base, pa.schema(fields)], promote_options="permissive")
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            name, kind = next(((f.name, f.type) for f in fields if f.name in old and not _mergeable(old[f.name], f.type)),
                              ("?", "?"))
            raise InputFileError(
                f"{self.path}: column '{name}' holds {kind} values in a later part of the input but "
                f"{old.get(name, '?')} before, and a Parquet column has one type; write a .csv or .jsonl copy, "
                "or make the column's values one type in the input"
            ) from None
        return wider.with_metadata(table.schema.metadata), typed_now

    def _widen(self, wider, typed_now=frozenset()) -> None:
        """Re-open the file with the ``wider`` schema, copying the row groups written so far into it
        (new columns and struct fields null there)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        self._pq_writer.close()
        before = self._tmp.with_name(f"{self._tmp.name}.narrow")
        self._tmp.replace(before)
        try:
            self._pq_writer = pq.ParquetWriter(self._tmp, wider)
            old = pq.ParquetFile(before)
            for i in range(old.num_row_groups):
                group = old.read_row_group(i)
                for field in wider:
                    if field.name not in group.column_names:
                        group = group.append_column(field, pa.nulls(len(group), field.type))
                    elif field.name in typed_now:  # no value there: nulls of the type found later
                        group = group.set_column(group.column_names.index(field.name), field,
                                                 pa.nulls(len(group), field.type))
                self._pq_writer.write_table(group.select(wider.names).cast(wider))
            old.close()
        finally:
            before.unlink(missing_ok=True)
        self._pq_schema = wider

    def close(self) -> None:
        """Finish the file (an empty table when nothing was written)."""
        if self._pq_writer is None:
            import pyarrow as pa
            import pyarrow.parquet as pq

            pq.write_table(pa.table({}), self._tmp)
        else:
            self._pq_writer.close()
            self._pq_writer = None

    def abort(self) -> None:
        """Release the file without caring whether it is complete."""
        if self._pq_writer is not None:
            with contextlib.suppress(Exception):  # the temp file is being thrown away anyway
                self._pq_writer.close()
            self._pq_writer = None
