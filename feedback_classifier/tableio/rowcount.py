"""Row-count estimates, so a long run's progress can show a total and an ETA.

The jobs report progress through a plain callback ``progress(rows_done, rows_total)``
(``rows_total`` comes from here, an estimate that may be ``None``); they never print.
The CLI's ``progress`` module renders it.
"""

from __future__ import annotations

from pathlib import Path

# Large enough that a few long comments do not skew the average, small enough to stay instant.
_SAMPLE_BYTES = 1 << 20


def estimate_total_rows(path: str | Path, fmt: str | None = None) -> int | None:
    """Estimate the number of data rows in a table file without reading it all.

    Exact for Parquet (footer metadata) and XLSX (sheet dimensions, first sheet);
    for CSV/TSV/JSONL an estimate from the file size and the line density of the
    first megabyte, good enough for an ETA. Returns ``None`` when unknown.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "t.csv")
    >>> _ = open(p, "w").write("a,b\\n" + "1,2\\n" * 1000)
    >>> estimate_total_rows(p)
    1000
    """
    from feedback_classifier.tableio.formats import detect_format

    path = Path(path)
    try:
        kind = detect_format(path, fmt, option="--input-format")
        if kind == "parquet":
            return _parquet_rows(path)
        if kind == "xlsx":
            return _xlsx_rows(path)
        if path.suffix.lower() == ".gz":  # compressed bytes say little about the row count
            return None
        return _text_rows(path, has_header=kind != "jsonl")
    except Exception:  # an estimate must never break a run; the bar just has no total
        return None


def _parquet_rows(path: Path) -> int:
    import pyarrow.dataset as ds

    return ds.dataset(str(path), format="parquet").count_rows()


def _xlsx_rows(path: Path) -> int | None:
    from feedback_classifier.tableio.xlsxstrings import open_workbook_read_only

    wb = open_workbook_read_only(path, strings=False)  # (openpyxl's own would read every text of the workbook)
    try:
        ws = wb.worksheets[0]
        rows = ws.max_row
        # Many writers (pandas/openpyxl streaming among them) leave the sheet unsized: count
        # the row tags of the sheet's XML instead, without building any cells.
        sheet_xml = getattr(ws, "_worksheet_path", None)
    finally:
        wb.close()
    if rows is None and sheet_xml:
        rows = _count_xml_rows(path, sheet_xml)
    return None if rows is None else max(rows - 1, 0)


def _count_xml_rows(path: Path, member: str) -> int:
    import re
    import zipfile

    pattern = re.compile(rb"<(?:\w+:)?row[\s>/]")
    count, tail = 0, b""
    with zipfile.ZipFile(path) as zf, zf.open(member) as fh:
        while block := fh.read(_SAMPLE_BYTES):
            data = tail + block
            count += len(pattern.findall(data))
            # keep a short tail so a tag split across reads is seen once, in the next round
            cut = max(len(data) - 8, 0)
            count -= len(pattern.findall(data[cut:]))
            tail = data[cut:]
    return count + len(pattern.findall(tail))


def _text_rows(path: Path, *, has_header: bool) -> int | None:
    size = path.stat().st_size
    if size == 0:
        return 0
    with open(path, "rb") as fh:
        sample = fh.read(_SAMPLE_BYTES)
    lines = sample.count(b"\n")
    if len(sample) == size:  # the whole file: count exactly, allowing a missing final newline
        lines += 0 if sample.endswith(b"\n") else 1
        return max(lines - int(has_header), 0)
    if lines == 0:
        return None
    return max(int(round(size * lines / len(sample))) - int(has_header), 0)
