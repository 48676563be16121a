"""classify: stream a table file of any size through ``enrich`` and write the result.

Memory is bounded by the chunk size; with ``jobs > 1`` chunks are classified in worker
processes and written in input order, so the output is identical to ``jobs=1``.

``classify_file``'s ``probabilities``, ``explain`` and ``review_margin`` are ``model.enrich``'s; its
``tone_progress`` is called as ``progress`` is, while e5 reads the comments (``tone_teacher``).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from feedback_classifier.errors import InputFileError, LabelError
from feedback_classifier.lang.foreign import warn_unread
from feedback_classifier.jobs.head import chain, head_language, read_head
from feedback_classifier.jobs.runner import check_workers, run_ordered
from feedback_classifier.jobs.tone import taught_by_e5
from feedback_classifier.model.enrichment import (
    _MODEL_BATCH,
    _attach,
    _classify_texts,
    _ChunkResult,
    _Options,
    _sentiment_of_given,
    names_language,
)
from feedback_classifier.tableio import DEFAULT_READ, ReadOptions
from feedback_classifier.tableio.atomic import file_path


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
    notes: list[str] = field(default_factory=list)  # e.g. the header rows of a survey export that were skipped
    lang: str = "en"  # language of the category names written
    lang_given: bool = False  # ``lang`` was the caller's (``--lang``), not the comments' majority
    lang_default: bool = False  # ``lang`` is English by default, not the comments' (the Dask engine reads no head)
    names_nothing: int = 0  # of ``needs_review``, answers naming no topic ("-", "n/a", "👍"), which route lists apart

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.elapsed if self.elapsed > 0 else float("inf")


def _with_language(chunks: Iterator[pd.DataFrame], text_col: str, lang: str | None
                   ) -> tuple[Iterator[pd.DataFrame], str]:
    """The chunks (unchanged) and the language: ``lang``, else the first 2,000 comments' majority."""
    if lang is not None:
        return chunks, lang
    head, rest = read_head(chunks, text_col)
    lang = head_language(head, text_col) if head and text_col in head[0].columns else "en"
    return chain(head, rest), lang


def classify_file(
    input: str | Path,
    output: str | Path,
    *,
    model: Any = None,
    text_col: str,
    out_fmt: str | None = None,
    read: ReadOptions = DEFAULT_READ,
    chunksize: int = 50_000,
    jobs: int = 1,
    lang: str | None = None,
    probabilities: bool = False,
    explain: bool = False,
    review_margin: float = 0.05,
    categories_col: str | None = None,
    sentiment: bool = True,
    progress: Callable[[int, int | None], None] | None = None,
    tone_teacher: str = "none", tone_progress: Callable[[int, int | None], None] | None = None, prefix: str = "",
    mask_pii: bool = False,
) -> ClassifySummary:
    """Classify a table file of any size into ``output``; return a ``ClassifySummary``.

    Reads ``chunksize`` rows at a time (bounded memory). ``jobs > 1`` worker processes (the model sent to each
    once) give output byte-identical to ``jobs=1``, written only when complete (atomic rename). ``progress(rows_done,
    total_or_None)`` after each written chunk. ``lang`` None: the majority language of the first 2,000 comments (as
    analyze, route and report decide it; ``summary.lang`` says which). ``categories_col``: categories read from that
    column (label syntax), only their sentiment added. ``sentiment=False``: no sentiment columns (faster). ``read``:
    how to read ``input``; ``out_fmt``: the output's format when its extension does not tell. ``model``: a fitted
    classifier, a model file's path, or None for the default model. ``tone_teacher="e5"``: ``taught_by_e5`` first
    (more: module). ``prefix``: before every added column's name (a second question's pass keeps the first's).
    ``mask_pii``: personal data in the comment column and the evidence masked in the output (``lang.pii``).

    >>> import os, tempfile, pandas as pd
    >>> from feedback_classifier.model.default import default_model
    >>> src, dst = (os.path.join(d, name) for d in [tempfile.mkdtemp()] for name in ("in.csv", "out.csv"))
    >>> pd.DataFrame({"id": [1, 2], "comment": ["Support never answered my emails", ""]}).to_csv(src, index=False)
    >>> summary = classify_file(src, dst, model=default_model(), text_col="comment")
    >>> summary.rows, summary.empty_comments
    (2, 1)
    >>> pd.read_csv(dst).columns.tolist()[:3]
    ['id', 'comment', 'categories']
    """
    from feedback_classifier.tableio import (TableWriter, estimate_total_rows, export_note, guarded_note, peek_table,
                                             require_distinct_roles, resolve_column, with_late_keys)
    input, output = file_path(input), file_path(output, "the output")
    model = _checked_settings(input, output, model, jobs=jobs, chunksize=chunksize, categories_col=categories_col,
                              sentiment=sentiment, described=(probabilities, explain))
    model, tone_note = taught_by_e5(model, input, text_col, read, tone_teacher, sentiment, tone_progress)
    total = estimate_total_rows(input, read.fmt) if progress is not None else None
    start, tally = time.perf_counter(), _Tally(np.zeros(len(model.classes_), dtype=np.int64))
    first, chunks = with_late_keys(*peek_table(read.chunks(input, chunksize=chunksize)), input,
                                   [text_col, categories_col], read)  # a late JSON key; a question as name
    text_col = resolve_column(first, text_col, source=input)
    require_distinct_roles({"--text-col": text_col, "--categories-col": categories_col}, source=input)
    lang_given = lang is not None
    chunks, lang = _with_language(chunks, text_col, lang)
    lang = names_language(model, lang)  # "RU" -> "ru"
    opts = _Options(text_col, lang, probabilities, explain, review_margin, categories_col, sentiment)
    try:
        with TableWriter(output, fmt=out_fmt) as writer:
            for enriched, result in classified_chunks(chunks, model, opts, jobs=jobs, source=str(input), prefix=prefix):
                enriched = _masked(enriched, text_col, prefix) if mask_pii else enriched
                writer.write(enriched)
                tally.add(len(enriched), result)
                if progress is not None:
                    progress(tally.rows, max(total, tally.rows) if total is not None else None)
        guarded = guarded_note(writer.guarded_cells, output)
    except LabelError as exc:
        # a bad cell of --categories-col: the enrichment sees one chunk, not which file it came from
        raise LabelError(f"{input}: {exc}") from None
    if progress is not None:
        progress(tally.rows, tally.rows)

    return ClassifySummary(
        input=input, output=output, rows=tally.rows, rows_with_categories=tally.with_categories,
        needs_review=tally.needs_review, empty_comments=tally.empty, elapsed=time.perf_counter() - start,
        names_nothing=tally.names_nothing, jobs=jobs, category_counts=_category_counts(model, tally.label_counts, lang),
        notes=[note for note in [export_note(first), _empty_note(first, text_col, tally, input), guarded, tone_note] if note],
        lang=lang, lang_given=lang_given,
    )


def _masked(enriched: pd.DataFrame, text_col: str, prefix: str) -> pd.DataFrame:
    from feedback_classifier.lang.pii import mask_pii_table

    return mask_pii_table(enriched, text_col, evidence_col=f"{prefix}evidence")


def _empty_note(first: pd.DataFrame, text_col: str, tally: _Tally, source: Any) -> str | None:
    from feedback_classifier.tableio.columns import empty_text_note, warn_header_only

    if not tally.rows:  # "0 rows" alone left the user to guess whether the file or the run was wrong
        warn_header_only(source)
        return None
    return empty_text_note(first, text_col) if tally.empty == tally.rows else None


def _category_counts(model: Any, label_counts: np.ndarray, lang: str) -> dict[str, int]:
    """Rows per predicted category (display path in ``lang``), most frequent first."""
    taxonomy = model.taxonomy_
    ranked = sorted(zip(model.classes_, label_counts), key=lambda lc: -lc[1])
    return {taxonomy.display_name(label, lang): int(c) for label, c in ranked if c > 0}


def _checked_settings(input: Path, output: Path, model: Any, *, jobs: int, chunksize: int,
                      categories_col: str | None = None, sentiment: bool = True,
                      described: tuple[bool, bool] = (False, False)) -> Any:
    """The fitted classifier ``model`` names (a model file's path, None: the bundled default; as analyze and
    route_file take it: a path raised AttributeError 'str' object has no attribute 'classes_'), once the
    settings are checked."""
    from feedback_classifier.model.default import load_model_and_taxonomy

    if categories_col is not None and not sentiment:
        raise InputFileError("--categories-col only adds sentiment: it cannot be combined with --no-sentiment.")
    # --probabilities and --evidence (``described``) describe predicted categories
    asked = [flag for flag, on in zip(("--probabilities", "--evidence"), described) if on]
    if categories_col is not None and asked:
        raise InputFileError(f"--categories-col only adds sentiment: {asked[0]} describes predicted categories; "
                             f"drop {asked[0]}, or drop --categories-col to predict them.")
    check_workers(jobs, chunksize)
    from feedback_classifier.tableio.atomic import refuse_standard_output

    refuse_standard_output(output)  # (before the format: "-" has no extension, and --format then wrote "-")
    if output.exists() and input.exists() and output.resolve() == input.resolve():
        raise InputFileError(f"{output}: the output would overwrite the input file; choose another --out path.")
    return load_model_and_taxonomy(model, None)[0]


@dataclass
class _Tally:
    label_counts: np.ndarray
    rows: int = 0
    with_categories: int = 0
    needs_review: int = 0
    empty: int = 0
    names_nothing: int = 0

    def add(self, rows: int, result: _ChunkResult) -> None:
        self.rows += rows
        self.with_categories += result.rows_with_categories
        self.needs_review += result.needs_review
        self.empty += result.empty_comments
        self.names_nothing += result.names_nothing
        self.label_counts += result.label_counts


def classified_chunks(
    chunks: Iterable[pd.DataFrame], model: Any, opts: _Options, *, jobs: int = 1, source: str = "the table",
    command: str = "classify", prefix: str = "",
) -> Iterator[tuple[pd.DataFrame, _ChunkResult]]:
    """Yield ``(chunk with the category columns, _ChunkResult)`` in input order. ``command`` (the one
    running) names it in the warning about input columns it replaces; ``prefix`` goes before the added columns' names.

    The work runs in ``jobs`` processes (the model is sent to each once); the chunk itself
    never leaves this process, only its text column does. Each chunk is extended in place:
    the caller hands over chunks it does not keep.

    >>> from feedback_classifier.model.default import default_model
    >>> chunk = pd.DataFrame({"comment": ["Too expensive", ""]})
    >>> [(list(c.columns)[:2], r.empty_comments)
    ...  for c, r in classified_chunks([chunk], default_model(), _Options("comment"))]
    [(['comment', 'categories'], 1)]
    """
    checked = _checked(chunks, [c for c in (opts.text_col, opts.given_col) if c], source)
    state = (model, opts)
    payload = _text_column(opts.text_col) if opts.given_col is None else _text_and_given(opts)
    if jobs > 1:
        checked = _warmed(checked, state, payload)
    if jobs == 1:
        for chunk, result in run_ordered(_classify_column, state, checked, payload=payload):
            warn_unread(result.unread)
            yield _attached(chunk, result.added, opts, source, command, prefix), result
        return
    # Each chunk goes to the workers in at least one piece per worker: with a file of three chunks
    # both of two workers stay busy to the end instead of one idling while the other does the last.
    done: list[_ChunkResult] = []
    pieces = _pieces(checked, jobs)
    for (chunk, start, stop, last), result in run_ordered(
        _classify_column, state, pieces, jobs=jobs, payload=lambda p: payload(p[0]).iloc[p[1] : p[2]]
    ):
        done.append(result)
        if last:
            merged = _merge(done)
            done = []
            warn_unread(merged.unread)
            yield _attached(chunk, merged.added, opts, source, command, prefix), merged


def _attached(chunk: pd.DataFrame, added: pd.DataFrame, opts: _Options, source: str,
              command: str = "classify", prefix: str = "") -> pd.DataFrame:
    """The chunk with the added columns; its ``attrs`` kept (the input's own column names, for
    the writer). Columns of the input that classify writes are replaced, and that is said (the
    same warning for every chunk: Python's warnings and the CLI show it once)."""
    from feedback_classifier.tableio.columns import warn_replaced

    attrs = chunk.attrs
    if prefix:
        added = added.rename(columns=lambda name: f"{prefix}{name}")
    # only classify has --categories-col: analyze's warning sent users to an option it lacks
    keep_given = command == "classify" and "categories" in chunk.columns and "categories" in added.columns
    fix = ", or pass --prefix (--prefix improve_) to add the new ones under other names" if command == "classify" else ""
    warn_replaced(chunk.columns, added.columns, source=source, command=command,
                  fix=fix + (", or --categories-col categories to keep its categories" if keep_given else ""))
    out = _attach(chunk, added, opts, copy=False)
    out.attrs = attrs
    return out


# Rows of the first chunk the main process classifies (and drops) before the workers fork.
_WARM_ROWS = 2_000


def _warmed(chunks: Iterator[pd.DataFrame], state: tuple[Any, _Options], payload: Callable[[pd.DataFrame], Any]
            ) -> Iterator[pd.DataFrame]:
    """The chunks, unchanged, after the first ``_WARM_ROWS`` rows were classified here.

    What a process builds at its first rows (the bundled sentiment model, the lemmatisers'
    dictionaries, the keyword and word-vector tables, the commonest words' caches: ~0.2 CPU-s
    and ~50 MiB) is then built once, before the pool forks, and the workers share its pages
    instead of each building its own. The results are dropped: caches change speed, not output.
    """
    first = next(chunks, None)
    if first is None:
        return iter(())
    _classify_column(state, payload(first).iloc[:_WARM_ROWS])
    return chain([first], chunks)


# A chunk is cut for the workers only into pieces at least this long (per-batch overheads).
_MIN_PIECE = 2_000
# ... and at most this long: a worker holds a whole piece's analyses (for the sentiment scorer)
# and temporaries, so a piece of one model batch bounds a worker's memory whatever --chunksize is.
_MAX_PIECE = _MODEL_BATCH


def _pieces(chunks: Iterable[pd.DataFrame], jobs: int) -> Iterator[tuple[pd.DataFrame, int, int, bool]]:
    """``(chunk, start row, stop row, last piece of the chunk)``: at least ``jobs`` pieces per
    chunk, none over ``_MAX_PIECE`` rows (nor under ``_MIN_PIECE`` unless the chunk is).

    >>> frame = pd.DataFrame({"c": range(50_000)})
    >>> [(a, b, last) for _, a, b, last in _pieces([frame], 2)]
    [(0, 12500, False), (12500, 25000, False), (25000, 37500, False), (37500, 50000, True)]
    """
    for chunk in chunks:
        n = len(chunk)
        count = max(1, min(max(jobs, -(-n // _MAX_PIECE)), n // _MIN_PIECE))
        cuts = np.linspace(0, n, count + 1).round().astype(int).tolist()
        for k, (start, stop) in enumerate(zip(cuts, cuts[1:])):
            yield chunk, start, stop, k == len(cuts) - 2


def _merge(results: list[_ChunkResult]) -> _ChunkResult:
    """The result of a chunk from the results of its pieces, in order."""
    if len(results) == 1:
        return results[0]
    return _ChunkResult(
        added=pd.concat([r.added for r in results], ignore_index=True),
        label_counts=sum(r.label_counts for r in results),
        rows_with_categories=sum(r.rows_with_categories for r in results),
        needs_review=sum(r.needs_review for r in results),
        empty_comments=sum(r.empty_comments for r in results),
        names_nothing=sum(r.names_nothing for r in results),
        unread=dict(sum((Counter(r.unread) for r in results), Counter())),
    )


def _checked(chunks: Iterable[pd.DataFrame], columns: list[str], source: str) -> Iterator[pd.DataFrame]:
    from feedback_classifier.tableio import require_columns

    for i, chunk in enumerate(chunks):
        if i == 0:
            require_columns(chunk, columns, source=source)
        yield chunk


def _text_column(text_col: str) -> Callable[[pd.DataFrame], pd.Series]:
    # The column travels as is (Arrow-backed strings pickle as buffers); the worker converts it.
    return lambda chunk: chunk[text_col]


def _text_and_given(opts: _Options) -> Callable[[pd.DataFrame], pd.DataFrame]:
    return lambda chunk: chunk[[opts.text_col, opts.given_col]]


def _classify_column(state: tuple[Any, _Options], column: pd.Series | pd.DataFrame) -> _ChunkResult:
    model, opts = state
    if opts.given_col is not None:
        return _sentiment_of_given(column, model, opts)
    return _classify_texts(column, model, opts)
