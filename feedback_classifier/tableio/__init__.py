"""Table I/O: read and write survey exports in every supported format, atomically."""

from feedback_classifier.tableio.rowcount import estimate_total_rows
from feedback_classifier.tableio.tables import (
    TableWriter,
    detect_format,
    iter_table,
    read_table,
    require_columns,
    write_file_atomic,
    write_table,
)

__all__ = [
    "TableWriter",
    "detect_format",
    "estimate_total_rows",
    "iter_table",
    "read_table",
    "require_columns",
    "write_file_atomic",
    "write_table",
]
