"""route: read a survey export, classify it unless already enriched, write the team queues."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from feedback_classifier.errors import LabelError
from feedback_classifier.insights import RoutingResult, ScoreSpec, is_enriched, route, write_queues
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


def route_file(
    data: str | Path,
    out_dir: str | Path,
    *,
    text_col: str,
    model: Any = None,
    taxonomy: Any = None,
    score_col: str | None = None,
    score_type: str | ScoreSpec = "nps",
    keep: Sequence[str] = (),
    lang: str | None = None,
    fmt: str = "csv",
    read: ReadOptions = DEFAULT_READ,
    mask: bool = True,
    complaints_only: bool = False,
) -> RouteFileResult:
    """Read a survey export, classify it unless it is already enriched, route and write queues.

    An enriched file (one with a ``categories`` column, e.g. from ``classify``) needs no
    model; its taxonomy is ``taxonomy``, else the model's, else ``cx-default``. A plain export
    is classified with ``model`` (default: the bundled model). ``lang`` None picks the
    comments' majority language. Queues show personal data masked unless ``mask=False``.
    ``read``: how to read ``data`` (format, sheet, encoding, delimiter, header rows); ``fmt``: the
    queues' format.

    >>> # route_file("survey_classified.csv", "queues/", text_col="comment", score_col="nps")
    """
    from feedback_classifier.lang import majority_language
    from feedback_classifier.model.default import load_model_and_taxonomy
    from feedback_classifier.tableio import require_columns, require_distinct_roles, resolve_column
    from feedback_classifier.taxonomy import load_taxonomy

    df = read.table(data)
    text_col, score_col = (resolve_column(df, c, source=data) for c in (text_col, score_col))
    require_distinct_roles({"--text-col": text_col, "--score-col": score_col}, source=data)
    keep = [resolve_column(df, c, source=data) for c in ([keep] if isinstance(keep, str) else keep)]
    require_columns(df, [text_col] + [c for c in (score_col,) if c] + list(keep), source=str(data))
    lang = majority_language(df[text_col]) if lang is None else str(lang).strip().lower()  # checked by enrich, route
    classified_here = not is_enriched(df.columns)
    if classified_here:
        from feedback_classifier.model import enrich

        clf, tax = load_model_and_taxonomy(model, taxonomy)
        attrs = df.attrs
        from feedback_classifier.insights.queues import kept_as_read, with_input_copies

        # the input's own confidence/needs_review, kept under their '(input)' names: enrich replaces them
        renamed, keep = kept_as_read(df.columns, keep, exclude=(text_col, score_col), source=str(data))
        df = with_input_copies(df, renamed)
        df = enrich(df, clf, text_col, lang=lang)
        df.attrs = {**attrs, **df.attrs}  # the input's separator and types, for the queue files
    elif model is not None:  # only for its taxonomy: the categories are already there
        _, tax = load_model_and_taxonomy(model, taxonomy)
    else:
        tax = taxonomy if hasattr(taxonomy, "labels") else load_taxonomy(taxonomy or "cx-default")
    try:
        result = route(df, tax, text_col=text_col, score_col=score_col, score_type=score_type, keep=keep,
                       lang=lang, source=str(data), mask=mask, complaints_only=complaints_only)
    except LabelError as exc:
        if classified_here or "needs_review" in df.columns:
            raise
        # an export's own 'categories' (tags of a helpdesk, a survey tool's topics) is read as classify's
        raise LabelError(f"{exc} This 'categories' column is not from classify (the file has no 'needs_review'), "
                         "yet route takes it as the comments' categories: to have the comments classified "
                         "instead, rename that column in the file.") from None
    from feedback_classifier.insights.queues import queue_file_names
    from feedback_classifier.tableio import refuse_overwriting_input

    names = queue_file_names(list(result.queues), fmt.lower().lstrip("."))
    refuse_overwriting_input([Path(out_dir) / n for n in names.values()], data, fix="choose another --out-dir.")
    paths = write_queues(result, out_dir, fmt=fmt)
    issues = None
    if score_col:
        from feedback_classifier.insights import parse_scores

        spec = score_type if isinstance(score_type, ScoreSpec) else ScoreSpec.make(score_type)
        issues = parse_scores(df[score_col], spec, column=score_col).issues
    return RouteFileResult(routing=result, paths=paths, rows=len(df), classified_here=classified_here, lang=lang,
                           score_issues=issues)

