"""route: read a survey export, classify it unless already enriched, write the team queues."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Sequence

from feedback_classifier.errors import LabelError
from feedback_classifier.insights import RoutingResult, ScoreSpec, is_enriched
from feedback_classifier.tableio import DEFAULT_READ, ReadOptions


@dataclass
class RouteFileResult:
    """What :func:`route_file` wrote: the routing result, paths, and whether it classified."""

    routing: RoutingResult
    paths: dict[str, Path]
    rows: int
    classified_here: bool
    lang: str
    #: the score column's missing and invalid values (``ScoreIssues``; None without a score column)
    score_issues: Any = None
    #: one-line facts worth telling the user (the sentiment model taught the file's tone words)
    notes: list = field(default_factory=list)


def route_file(
    data: str | Path,
    out_dir: str | Path,
    *,
    text_col: str,
    model: Any = None,
    taxonomy: Any = None,
    score_col: str | None = None,
    score_type: str | ScoreSpec = "nps",
    scale: Any = None,
    higher_is_better: bool = True,
    keep: Sequence[str] | None = None,
    lang: str | None = None,
    fmt: str = "csv",
    read: ReadOptions = DEFAULT_READ,
    mask: bool = True,
    complaints_only: bool = False,
    chunksize: int = 100_000,
    tone_teacher: str = "auto", tone_progress: Any = None,
    progress: Any = None,
) -> RouteFileResult:
    """Read a survey export, classify it unless it is already enriched, route and write queues.

    An enriched file (one with a ``categories`` column, e.g. from ``classify``) needs no
    model; its taxonomy is ``taxonomy``, else the model's, else ``cx-default``. A plain export
    is classified with ``model`` (default: the bundled model). ``lang`` None picks the majority
    language of the first 2,000 comments. Queues show personal data masked unless ``mask=False``.
    ``score_type``, ``scale``, ``higher_is_better``: the score, as ``analyze`` reads it (a CES where 7 is
    the most effort: ``higher_is_better=False``, its worst scores first).
    ``keep``: columns every queue carries (None: the id-like ones, as ``analyze`` carries them).
    ``read``: how to read ``data`` (format, sheet, encoding, delimiter, header rows); ``fmt``: the
    queues' format. A plain export's comments are judged by the bundled sentiment model taught their tone
    words first, as ``analyze`` does (``tone_teacher``, ``tone_progress``: ``jobs.tone.taught_by_e5``'s;
    said in ``notes``): complaints lead the queues. ``progress(rows_done, rows_total_estimate)`` is called
    after each chunk, as ``classify_file`` calls it.

    The file is read once, ``chunksize`` rows at a time (each classified when the file is not
    enriched), and spilled into the queues by a ``StreamingRouter``, as ``analyze`` does: memory
    does not grow with the rows, and the files equal ``write_queues(route(whole_table))``. So the
    returned ``routing`` has the summary, and empty ``queues``/``review`` frames with the queue
    columns: the rows are in the files (``paths``). Chunks of 100,000 rows, not 50,000 as elsewhere: each
    chunk spills every team's rows in ~2,000 small pieces (one per urgency bucket), and halving their
    number took the CPU from +13-20% to +5% of the whole table's (~100 MiB more at the peak: README).

    >>> # route_file("survey_classified.csv", "queues/", text_col="comment", score_col="nps")
    """
    from feedback_classifier.insights import DriversAccumulator, StreamingRouter
    from feedback_classifier.insights.queues import output_dir
    from feedback_classifier.jobs.runner import check_workers
    from feedback_classifier.tableio.atomic import file_path, made_folder

    check_workers(1, chunksize)
    out_dir = file_path(out_dir, "out_dir")  # "~/queues" from a notebook went to a folder named "~"
    spec = score_type if isinstance(score_type, ScoreSpec) else ScoreSpec.make(score_type, scale, higher_is_better)
    fmt, out = output_dir(out_dir, fmt, create=False)  # a wrong format before the file is read
    plan = _plan(data, read, chunksize, text_col=text_col, score_col=score_col, keep=keep, lang=lang, model=model,
                 taxonomy=taxonomy, tone=(tone_teacher, tone_progress))
    with made_folder(out):  # the spill files go there: the same disk as the queues
        router = StreamingRouter(plan.tax, text_col=plan.text_col, score_col=plan.score_col, score_type=spec,
                                 keep=plan.keep, lang=plan.lang, source=str(data), tmp_dir=out, mask=mask,
                                 complaints_only=complaints_only)
        scores = DriversAccumulator([plan.score_col], score_col=plan.score_col) if plan.score_col else None
        try:
            _refuse_overwriting(router, out, fmt, data)  # before the file is read: a long run failed only at its end
            texts = _spill(plan, router, scores, data, progress, read)
            _refuse_overwriting(router, out, fmt, data)  # and teams a label named that the taxonomy lacks
            issues = scores.score_issues(spec) if scores is not None else None
            # a score column without one valid score counted 0 detractors in every queue: unknown, as analyze says
            scored = issues is None or issues.n_valid > 0 or not issues.n_rows
            result, paths = router.finish(out, fmt=fmt, detractors_known=scored)
        finally:
            router.cleanup()
    _say_why_empty(plan, router.rows, texts, data)
    return RouteFileResult(routing=result, paths=paths, rows=router.rows, classified_here=plan.classified_here,
                           lang=plan.lang, score_issues=issues, notes=plan.notes)


def _say_why_empty(plan, rows: int, texts: int, data) -> None:
    """A note in ``plan.notes`` when every queue is empty for a reason of the input's: a table of
    zeros with no word why (classify and analyze say both)."""
    from feedback_classifier.tableio.columns import empty_text_note, warn_header_only

    if not rows:
        warn_header_only(data)
    elif plan.classified_here and not texts:  # the likely wrong --text-col, and the columns with text
        plan.notes.append(empty_text_note(plan.first, plan.text_col))


@dataclass
class _Plan:
    """What the first chunks decide (columns, language, model) and the chunks to route."""

    chunks: Iterator[Any]
    text_col: str
    score_col: str | None
    keep: list[str]
    lang: str
    tax: Any
    classified_here: bool
    has_review: bool  # the file's own needs_review: its 'categories' come from classify
    notes: list = field(default_factory=list)
    assumed: bool = False  # cx-default taken for a classified file: neither --taxonomy nor --model said
    first: Any = None  # the first chunk, to name the columns with text when --text-col is empty throughout


def assumed_taxonomy_error(exc: LabelError) -> LabelError:
    """``exc`` (a category of a classified file unknown to cx-default, assumed) with the fix that
    applies: its message said to fix the cell or add the category to cx-default. A ``category_sentiment``
    cell with no polarity is not a taxonomy's doing: ``exc`` as it is."""
    if hasattr(exc, "polarity_cell"):
        return exc
    said = str(exc).split(" Closest known:")[0].split(" Fix the cell")[0]  # (not: add it to cx-default)
    error = LabelError(f"{said} Without --taxonomy or --model the file is read as classified with cx-default: "
                       "pass the taxonomy it was classified with (--taxonomy FILE) or the --model that classified it.")
    error.__dict__.update(exc.__dict__)  # (its row, column and label)
    return error


def _plan(data, read, chunksize, *, text_col, score_col, keep, lang, model, taxonomy, tone=("none", None)) -> _Plan:
    """The columns, language and taxonomy from the first chunks, checked before the rest is read;
    the chunks, classified one at a time unless the file is enriched (the sentiment taught as ``tone``,
    ``(teacher, progress)``, says)."""
    from feedback_classifier.jobs.head import chain, head_language, read_head
    from feedback_classifier.model.default import load_model_and_taxonomy
    from feedback_classifier.tableio import (peek_table, require_columns, require_distinct_roles, resolve_column,
                                             with_late_keys)
    from feedback_classifier.tableio.columns import id_columns, keep_columns
    from feedback_classifier.taxonomy import bundled_taxonomy_path, load_taxonomy

    first, chunks = peek_table(read.chunks(data, chunksize=chunksize))
    keep = keep_columns(keep, first.columns)  # ('id,region', but not 'Сумма, руб.', is two columns)
    first, chunks = with_late_keys(first, chunks, data, [text_col, score_col, *(keep or ())], read)
    text_col, score_col = (resolve_column(first, c, source=data) for c in (text_col, score_col))
    require_distinct_roles({"--text-col": text_col, "--score-col": score_col}, source=data)
    # none given: the id-like columns, as analyze carries them (a queue row must reach its customer)
    keep = (id_columns(first.columns, exclude=(text_col, score_col)) if keep is None
            else [resolve_column(first, c, source=data) for c in keep])
    require_columns(first, [text_col] + [c for c in (score_col,) if c] + list(keep), source=str(data))
    head, chunks = read_head(chunks, text_col)
    lang = head_language(head, text_col) if lang is None else str(lang).strip().lower()  # checked by the router
    chunks = chain(head, chunks)
    classified_here, notes = not is_enriched(first.columns), []
    if classified_here:
        from feedback_classifier.insights.queues import kept_as_read
        from feedback_classifier.jobs.tone import taught_by_e5

        from feedback_classifier.insights.queues import owner_teams

        _warn_coded(first.columns, data)
        clf, tax = load_model_and_taxonomy(model, taxonomy)
        owner_teams(tax)  # a team the queues cannot hold is refused before e5 reads for a minute
        clf, note = taught_by_e5(clf, data, text_col, read, tone[0], True, tone[1])
        notes += [note] if note else []
        # the input's own confidence/needs_review, kept under their '(input)' names: enrich replaces them
        renamed, keep = kept_as_read(first.columns, keep, exclude=(text_col, score_col), source=str(data))
        chunks = (_classified(chunk, renamed, clf, text_col, lang) for chunk in chunks)
    elif model is not None:  # only for its taxonomy: the categories are already there
        _, tax = load_model_and_taxonomy(model, taxonomy)
    else:
        tax = taxonomy if hasattr(taxonomy, "labels") else load_taxonomy(taxonomy or bundled_taxonomy_path("cx-default"))
    return _Plan(chunks, text_col, score_col, keep, lang, tax, classified_here, "needs_review" in first.columns, notes,
                 assumed=not classified_here and model is None and taxonomy is None, first=first)


def _warn_coded(columns, data) -> None:
    """An ``InputWarning`` for a file from ``classify --categories-col``: its given categories and their
    polarities would otherwise be replaced by the model's without a word (the queues' complaints too)."""
    from feedback_classifier.errors import InputWarning, warn

    from feedback_classifier.insights.routing import prefixed_categories

    prefixed = prefixed_categories(columns)
    if prefixed:
        warn(InputWarning(
            f"{data}: the file has {', '.join(map(repr, prefixed))} (classify --prefix) but no 'categories' column, "
            "so its comments are classified anew; rename that question's columns without the prefix to route by "
            "its categories"))
    elif "category_sentiment" in columns:
        warn(InputWarning(
            f"{data}: the file has 'category_sentiment' but no 'categories' column (categories given to `classify "
            "--categories-col` stay in their own column), so its comments are classified anew and the queues follow "
            "the model's categories and complaints, not the file's; rename that column 'categories' to route by "
            "them"))


def _classified(chunk, renamed, clf, text_col: str, lang: str):
    """One chunk with classify's columns, the input's own kept copies and layout (separator, types)."""
    from feedback_classifier.insights.queues import with_input_copies
    # Looked up in its module at call time, so a test can stand in a stub classifier there.
    from feedback_classifier.model import enrichment

    attrs = chunk.attrs
    enriched = enrichment.enrich(with_input_copies(chunk, renamed), clf, text_col, lang=lang)
    enriched.attrs = {**attrs, **enriched.attrs}  # the input's separator and types, for the queue files
    return enriched


def _refuse_overwriting(router, out: Path, fmt: str, data) -> None:
    from feedback_classifier.insights.queues import queue_file_names
    from feedback_classifier.tableio import refuse_overwriting_input

    names = queue_file_names(router.teams, fmt)
    refuse_overwriting_input([out / n for n in names.values()], data, fix="choose another --out-dir.")


def _spill(plan: _Plan, router, scores, data, progress=None, read=DEFAULT_READ) -> int:
    """Every chunk into the router's spill files (and its scores into ``scores``, for their issues);
    returns how many rows have a non-blank comment."""
    from feedback_classifier.insights.routing import require_categories_of
    from feedback_classifier.tableio import estimate_total_rows

    total = estimate_total_rows(data, read.fmt) if progress is not None else None
    rows = texts = 0
    try:
        for chunk in plan.chunks:
            if not plan.classified_here:
                require_categories_of(chunk, plan.text_col, source=data, first_row=rows + 1)
            if scores is not None:
                scores.add(chunk)
            router.add(chunk)
            texts += int(chunk[plan.text_col].fillna("").astype(str).str.strip().astype(bool).sum())
            rows += len(chunk)
            if progress is not None:
                progress(rows, max(total, rows) if total is not None else None)
        if progress is not None:
            progress(rows, rows)
        return texts
    except LabelError as exc:
        if plan.assumed and plan.has_review:
            raise assumed_taxonomy_error(exc) from None
        if plan.classified_here or plan.has_review:
            raise
        # an export's own 'categories' (tags of a helpdesk, a survey tool's topics) is read as classify's
        raise LabelError(f"{exc} This 'categories' column is not from classify (the file has no 'needs_review'), "
                         "yet route takes it as the comments' categories: to have the comments classified "
                         "instead, rename that column in the file.") from None
