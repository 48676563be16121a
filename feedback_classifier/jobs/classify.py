"""classify: stream a table file of any size through ``enrich`` and write the result.

Memory is bounded by the chunk size; with ``jobs > 1`` chunks are classified in worker
processes and written in input order, so the output is identical to ``jobs=1``.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from feedback_classifier.errors import InputFileError
from feedback_classifier.model.enrichment import _attach, _classify_texts, _ChunkResult, _Options

@dataclass(frozen=True)
class ClassifySummary:
    """What ``classify_file`` did, for the CLI summary and for batch-job logs."""

    input: Path
    output: Path
    rows: int
    rows_with_categories: int
    needs_review: int
    empty_comments: int
    elapsed: float
    jobs: int
    category_counts: dict[str, int] = field(default_factory=dict)  # display path -> rows, most frequent first

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.elapsed if self.elapsed > 0 else float("inf")


def classify_file(
    input: str | Path,
    output: str | Path,
    *,
    model: Any,
    text_col: str,
    fmt: str | None = None,
    out_fmt: str | None = None,
    sheet: str | int | None = None,
    encoding: str | None = None,
    sep: str | None = None,
    chunksize: int = 50_000,
    jobs: int = 1,
    lang: str = "en",
    probabilities: bool = False,
    explain: bool = False,
    review_margin: float = 0.05,
    progress: Callable[[int, int | None], None] | None = None,
) -> ClassifySummary:
    """Classify a table file of any size into ``output``; return a ``ClassifySummary``.

    Reads ``chunksize`` rows at a time, so memory stays bounded whatever the file size.
    With ``jobs > 1`` chunks are classified in that many worker processes (the model is sent
    to each worker once) and written in input order: the output is byte-identical to
    ``jobs=1``. The output appears only when complete (atomic rename). ``progress`` is
    called after each written chunk as ``progress(rows_done, estimated_total_or_None)``.

    >>> import os, tempfile, pandas as pd
    >>> from feedback_classifier.model.default import default_model
    >>> d = tempfile.mkdtemp()
    >>> src, dst = os.path.join(d, "in.csv"), os.path.join(d, "out.csv")
    >>> pd.DataFrame({"id": [1, 2], "comment": ["Support never answered my emails", ""]}).to_csv(src, index=False)
    >>> summary = classify_file(src, dst, model=default_model(), text_col="comment")
    >>> summary.rows, summary.empty_comments
    (2, 1)
    >>> pd.read_csv(dst).columns.tolist()[:3]
    ['id', 'comment', 'categories']
    """
    from feedback_classifier.tableio import tables as io
    from feedback_classifier.tableio.rowcount import estimate_total_rows

    input, output = Path(input), Path(output)
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    if chunksize < 1:
        raise ValueError(f"chunksize must be at least 1, got {chunksize}")
    if output.exists() and input.exists() and output.resolve() == input.resolve():
        raise InputFileError(f"{output}: the output would overwrite the input file; choose another --out path.")
    opts = _Options(text_col, lang, probabilities, explain, review_margin)
    total = estimate_total_rows(input, fmt) if progress is not None else None

    start = time.perf_counter()
    rows = with_categories = review = empty = 0
    label_counts = np.zeros(len(model.classes_), dtype=np.int64)
    chunks = io.iter_table(input, chunksize=chunksize, fmt=fmt, sheet=sheet, encoding=encoding, sep=sep)
    with io.TableWriter(output, fmt=out_fmt) as writer:
        for chunk, result in _chunk_results(chunks, model, opts, jobs, source=str(input)):
            writer.write(_attach(chunk, result.added, opts, copy=False))  # the chunk is ours to extend
            rows += len(chunk)
            with_categories += result.rows_with_categories
            review += result.needs_review
            empty += result.empty_comments
            label_counts += result.label_counts
            if progress is not None:
                progress(rows, max(total, rows) if total is not None else None)
    if progress is not None:
        progress(rows, rows)

    taxonomy = model.taxonomy_
    counts = {
        taxonomy.display_name(label, lang): int(c)
        for label, c in sorted(zip(model.classes_, label_counts), key=lambda lc: -lc[1])
        if c > 0
    }
    return ClassifySummary(
        input=input,
        output=output,
        rows=rows,
        rows_with_categories=with_categories,
        needs_review=review,
        empty_comments=empty,
        elapsed=time.perf_counter() - start,
        jobs=jobs,
        category_counts=counts,
    )


def _checked(chunks: Iterable[pd.DataFrame], opts: _Options, source: str):
    from feedback_classifier.tableio.tables import require_columns

    for i, chunk in enumerate(chunks):
        if i == 0:
            require_columns(chunk, [opts.text_col], source=source)
        yield chunk


def _chunk_results(chunks, model, opts: _Options, jobs: int, source: str):
    """Yield ``(chunk, _ChunkResult)`` in input order, classifying in ``jobs`` processes."""
    chunks = _checked(chunks, opts, source)
    if jobs == 1:
        for chunk in chunks:
            yield chunk, _classify_texts(chunk[opts.text_col], model, opts)
        return

    # Two chunks per worker in flight keeps every worker busy while the main process reads and
    # writes, and bounds memory: at most 2*jobs chunks (and their results) are held at once.
    max_in_flight = 2 * jobs
    pool = ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(model, opts))
    pending: deque = deque()
    try:
        for chunk in chunks:
            # The column travels as is (Arrow-backed strings pickle as buffers); the worker converts it.
            pending.append((chunk, pool.submit(_work, chunk[opts.text_col])))
            if len(pending) >= max_in_flight:
                done_chunk, future = pending.popleft()
                yield done_chunk, future.result()
        while pending:
            done_chunk, future = pending.popleft()
            yield done_chunk, future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


_WORKER: dict[str, Any] = {}


def _init_worker(model: Any, opts: _Options) -> None:
    # Runs once per worker process: the model crosses the process boundary once, not per chunk.
    _WORKER["model"] = model
    _WORKER["opts"] = opts


def _work(column: pd.Series) -> _ChunkResult:
    return _classify_texts(column, _WORKER["model"], _WORKER["opts"])
