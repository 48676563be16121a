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
from feedback_classifier.tableio.cells import arrow_kinds, frame_to_text


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
            yield _as_text(df, pf) if as_text else df
    except (pa.ArrowException, OSError) as exc:
        raise InputFileError(f"{path}: corrupt Parquet data ({exc}); re-export the file") from None
    if not emitted:
        df = pf.schema_arrow.empty_table().to_pandas()
        yield _as_text(df, pf) if as_text else df


def _as_text(df: pd.DataFrame, pf) -> pd.DataFrame:
    """Every cell as text, each column's Parquet type kept for the writers (``cells.restore_types``)."""
    out = frame_to_text(df)
    out.attrs["native_types"] = arrow_kinds(pf.schema_arrow)
    return out


class ParquetSink:
    """Writes chunks as row groups of one Parquet file with the first chunk's schema.

    A chunk with columns the schema lacks (a JSON key first used late) widens it: the row groups
    written so far are copied into a new file with those columns null, then writing goes on.
    """

    def __init__(self, tmp: Path, path: Path, *, encoding: str, sep: str, gz: bool, sheet_name: str):
        self._tmp = tmp
        self.path = path
        self._pq_writer = None
        self._pq_schema = None

    def write(self, chunk: pd.DataFrame) -> None:
        """Append ``chunk`` as a row group, cast to the schema of the first chunk."""
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
                    chunk.isetitem(i, frame_to_text(chunk.iloc[:, [i]]).iloc[:, 0])
            table = pa.Table.from_pandas(chunk, preserve_index=False)
        if self._pq_writer is None:
            # A column that is all-null in the first chunk has no type yet; text is
            # what it almost always holds later (comments, categories).
            fields = [
                pa.field(f.name, pa.large_string()) if pa.types.is_null(f.type) else f for f in table.schema
            ]
            self._pq_schema = pa.schema(fields, metadata=table.schema.metadata)
            table = table.cast(self._pq_schema)
            self._pq_writer = pq.ParquetWriter(self._tmp, self._pq_schema)
        else:
            if len(table.schema) > len(self._pq_schema):
                self._widen(table.schema)
            try:
                table = table.cast(self._pq_schema)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
                raise InputFileError(
                    f"{self.path}: a later chunk does not fit the Parquet schema of the first chunk ({exc}); "
                    "make the column types consistent (e.g. read with as_text=True)"
                ) from None
        self._pq_writer.write_table(table)

    def _widen(self, schema) -> None:
        """Re-open the file with ``schema``'s extra columns added (null in the rows already written)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        extra = [pa.field(f.name, pa.large_string()) if pa.types.is_null(f.type) else f
                 for f in schema if f.name not in self._pq_schema.names]
        wider = pa.schema([*self._pq_schema, *extra], metadata=schema.metadata)
        self._pq_writer.close()
        before = self._tmp.with_name(f"{self._tmp.name}.narrow")
        self._tmp.replace(before)
        try:
            self._pq_writer = pq.ParquetWriter(self._tmp, wider)
            old = pq.ParquetFile(before)
            for i in range(old.num_row_groups):
                group = old.read_row_group(i)
                for f in extra:
                    group = group.append_column(f, pa.nulls(len(group), f.type))
                self._pq_writer.write_table(group.cast(wider))
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
