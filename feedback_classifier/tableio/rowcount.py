"""Progress reporting for long classification runs.

The library reports progress through a plain callback ``progress(rows_done, rows_total)``
(``rows_total`` is an estimate and may be ``None``); it never prints. The renderers here
are what the CLI plugs into that callback: a rich progress bar on a terminal, periodic
plain log lines on stderr otherwise (batch jobs, CI logs, redirected output).
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

ProgressCallback = Callable[[int, int | None], None]

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
    from feedback_classifier.tableio.tables import detect_format

    path = Path(path)
    try:
        kind = detect_format(path, fmt)
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
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
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


class LogLineProgress:
    """Progress callback writing a plain line to a stream at most every ``interval`` seconds.

    For non-terminal stderr (batch jobs): no control characters, one line per update.

    >>> import io
    >>> buf = io.StringIO()
    >>> log = LogLineProgress(stream=buf, interval=0)
    >>> log(500, 1000)
    >>> "500 / ~1,000 rows" in buf.getvalue()
    True
    """

    def __init__(self, stream: TextIO | None = None, interval: float = 5.0, label: str = "classified"):
        self.stream = stream if stream is not None else sys.stderr
        self.interval = interval
        self.label = label
        self._start = time.perf_counter()
        self._last = -math.inf
        self._last_rows = -1  # the final "done" call repeats the last chunk's count: print it once

    def __call__(self, rows_done: int, rows_total: int | None) -> None:
        now = time.perf_counter()
        finished = rows_total is not None and rows_done >= rows_total
        if rows_done == self._last_rows or (now - self._last < self.interval and not finished):
            return
        self._last, self._last_rows = now, rows_done
        elapsed = max(now - self._start, 1e-9)
        rate = rows_done / elapsed
        total = f" / ~{rows_total:,}" if rows_total else ""
        eta = ""
        if rows_total and rate > 0 and rows_total > rows_done:
            eta = f", ETA {_format_seconds((rows_total - rows_done) / rate)}"
        print(f"{self.label} {rows_done:,}{total} rows ({rate:,.0f} rows/s{eta})", file=self.stream, flush=True)


class RichProgress:
    """Context manager giving a progress callback that drives a rich progress bar.

    Shows rows done / estimated total, rows/s and ETA. The estimate is raised when the
    file turns out longer than guessed, so the bar never overflows.
    """

    def __init__(self, description: str = "classifying", console=None):
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._progress = Progress(
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]} rows/s"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self._task = self._progress.add_task(description, total=None, rate="-")
        self._start = time.perf_counter()

    def __enter__(self) -> RichProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc) -> None:
        self._progress.stop()

    def __call__(self, rows_done: int, rows_total: int | None) -> None:
        total = None if rows_total is None else max(rows_total, rows_done)
        rate = rows_done / max(time.perf_counter() - self._start, 1e-9)
        self._progress.update(self._task, completed=rows_done, total=total, rate=f"{rate:,.0f}")


def _format_seconds(seconds: float) -> str:
    seconds = int(round(seconds))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
