"""report: rebuild the HTML report from an enriched file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from feedback_classifier.errors import InputFileError, LabelError
from feedback_classifier.jobs.drivers import check_weighting, warn_blank_weights
from feedback_classifier.render import build_report, write_report
from feedback_classifier.render.report import check_report_out
from feedback_classifier.tableio import DEFAULT_READ, ReadOptions


@dataclass
class ReportFileResult:
    """What :func:`report_file` wrote."""

    path: Path
    rows: int
    lang: str
    drivers: Any
    period_col: str | None
    notes: list


def report_file(
    data: str | Path,
    out: str | Path,
    *,
    text_col: str,
    score_col: str | None = None,
    taxonomy: Any = None,
    model: Any = None,
    audit_sample: str | Path | None = None,
    score_type: str = "nps",
    scale: Any = None,
    higher_is_better: bool = True,
    by: str | None = None,
    period_col: str | None = None,
    freq: str = "month",
    lang: str | None = None,
    title: str | None = None,
    read: ReadOptions = DEFAULT_READ,
    min_n: int = 30,
    n_boot: int = 1000,
    mask: bool = True, weight_col: str | None = None,
) -> ReportFileResult:
    """Rebuild the HTML report from an enriched file (``classify``/``analyze`` output).

    Computes drivers (when there are valid scores) and the routing summary, then writes one
    self-contained HTML file. ``lang`` None picks the comments' majority language;
    ``period_col`` None looks for a date column. ``mask`` False shows personal data in quotes.
    ``read``: how to read ``data`` (format, sheet, encoding, delimiter, header rows). As the command's options:
    ``score_type``, ``scale``, ``higher_is_better=False`` (``--lower-is-better``), ``by``, ``freq`` (``--period``) and
    ``title``; ``min_n`` and ``n_boot`` are the drivers' (as :func:`~feedback_classifier.insights.compute_drivers`).

    ``model``: the model file that classified ``data``: its taxonomy, its cross-validated error rates
    correct the drivers and the method section says how it was validated, as ``analyze`` does.
    Without one: ``taxonomy`` (default ``cx-default``: the bundled default model is assumed, said in
    ``notes``). ``audit_sample``: see :func:`~feedback_classifier.jobs.audit_sample.error_rates_for`.
    ``weight_col``: survey weights, as ``drivers --weight-col`` (the error-rate corrections are then left out).

    >>> # report_file("out/survey.enriched.csv", "report.html", text_col="comment", score_col="nps")
    """
    from feedback_classifier.insights import ScoreSpec, route
    from feedback_classifier.insights.periods import period_column_or_detected
    from feedback_classifier.lang import majority_language
    from feedback_classifier.tableio import refuse_overwriting_input
    from feedback_classifier.tableio.atomic import file_path

    out = file_path(out, "out")  # "~/report.html" from a notebook went to a folder named "~"
    spec = ScoreSpec.make(score_type, scale, higher_is_better)
    refuse_overwriting_input([check_report_out(out)], data, fix="choose another --out path.")
    check_weighting(weight_col, audit_sample)
    df = read.table(data)
    text_col, score_col, by, period_col, weight_col = _columns(df, data, text_col, score_col, by, period_col,
                                                               weight_col)
    _require_categorised_rows(df, text_col, data)
    notes: list[str] = []
    tax, info, rates = _model_facts(model, taxonomy, audit_sample, text_col, notes)
    if lang is None:
        lang = majority_language(df[text_col])
        notes.append(f"Language: {lang} (most comments are in it; use --lang to change)")
    period_col = period_column_or_detected(df, period_col, exclude=[text_col, score_col, by, weight_col], notes=notes,
                                           scored=bool(score_col))
    try:
        drivers = _drivers(df, spec, tax, score_col=score_col, by=by, period_col=period_col, freq=freq, min_n=min_n,
                           n_boot=n_boot, source=str(data), notes=notes, weight_col=weight_col)
        routing = route(df, tax, text_col=text_col, score_col=score_col if drivers is not None else None,
                        score_type=spec, lang=lang, source=str(data), mask=mask)
    except LabelError as exc:
        _raise_for_taxonomy(exc, assumed=model is None and taxonomy is None)
    if drivers is not None and rates[0] and weight_col is None:  # the rates correct counts, not weighted shares
        from feedback_classifier.insights.quantify import correct_drivers_result

        drivers = correct_drivers_result(drivers, rates[0], tax, **rates[1])
    page = build_report(
        df, tax, text_col=text_col, score_col=score_col if drivers is not None else None, score_type=spec,
        lang=lang, drivers=drivers, routing=routing, by=by, period_col=period_col if drivers is not None else None,
        source=str(data), title=title, mask=mask, model_info=info,
        survey_weight=None if weight_col is None else (weight_col, None),
    )
    path = write_report(page, out)
    return ReportFileResult(path=path, rows=len(df), lang=lang, drivers=drivers, period_col=period_col, notes=notes)


def _raise_for_taxonomy(exc: LabelError, *, assumed: bool) -> NoReturn:
    """``exc``, with the fix for a file classified with another taxonomy when cx-default was assumed."""
    from feedback_classifier.jobs.route import assumed_taxonomy_error

    raise (assumed_taxonomy_error(exc) if assumed else exc) from None


def _require_categorised_rows(df, text_col: str, data) -> None:
    """Categories a route can read, and a warning for a header with no rows (the page is written all the same)."""
    from feedback_classifier.insights.routing import require_categories_of
    from feedback_classifier.tableio.columns import warn_header_only

    require_categories_of(df, text_col, source=data)
    if not len(df):
        warn_header_only(data)


def _require_categories(df, data) -> None:
    if "categories" in df.columns:
        return
    if "category_sentiment" in df.columns:
        # `classify --categories-col` judged given categories and left them in their own column: "not
        # classified yet, run classify" sent the user back to the command they had just run
        raise InputFileError(f"{data}: has 'category_sentiment' but no 'categories' column: its categories were "
                             "given to `classify --categories-col`, which leaves them in their own column; rename "
                             "that column 'categories' for the report to read them.")
    from feedback_classifier.insights.routing import prefixed_categories

    prefixed = prefixed_categories(df.columns)
    if prefixed:  # "not classified yet" sent a user of classify --prefix back to classify
        raise InputFileError(f"{data}: has no 'categories' column, only {', '.join(map(repr, prefixed))} "
                             "(classify --prefix): report reads 'categories'; classify the question without --prefix "
                             "for the report, or rename its columns without the prefix.")
    raise InputFileError(f"{data}: has no 'categories' column, so it is not classified yet; run "
                         "`feedback-classifier classify` on it first, or use `feedback-classifier analyze`.")


def _model_facts(model, taxonomy, audit_sample, text_col, notes):
    """The taxonomy, the report's ``model_info`` and the error rates (with their source) of the
    model that classified the file: ``model`` when given, else the bundled default model when the
    taxonomy is ``cx-default`` (assumed, and said in ``notes``), else none known."""
    from feedback_classifier.jobs.audit_sample import error_rates_for
    from feedback_classifier.model.default import DEFAULT_TAXONOMY, load_model_and_taxonomy, model_info
    from feedback_classifier.taxonomy import bundled_taxonomy, bundled_taxonomy_path, load_taxonomy
    from feedback_classifier.taxonomy.history import same_but_aliases

    if model is not None:
        clf, tax = load_model_and_taxonomy(model, taxonomy)
        info = model_info(model, clf)
        return tax, info, error_rates_for(audit_sample, tax, text_col=text_col, model=model, clf=clf, notes=notes)
    tax = taxonomy if hasattr(taxonomy, "labels") else load_taxonomy(taxonomy or bundled_taxonomy_path(DEFAULT_TAXONOMY))
    bundled = same_but_aliases(tax, bundled_taxonomy(DEFAULT_TAXONOMY))
    if bundled:
        notes.append("Model: the bundled default model is assumed to have classified the file (give --model M "
                     "if another model did)")
    # the file's sentiment column came from wherever it was classified (analyze teaches the bundled
    # sentiment model with e5 first, classify does not): say what is known, not a guess
    info = {"kind": "default", "sentiment_assumed": True} if bundled else {}
    return tax, info, error_rates_for(audit_sample, tax, text_col=text_col, bundled=bundled, notes=notes)


def _columns(df, data, text_col, score_col, by, period_col, weight_col):
    """The options' columns as ``df`` names them, each in the file and playing one role (survey weights checked)."""
    from feedback_classifier.tableio import require_columns, require_distinct_roles, resolve_column

    text_col, score_col, by, period_col, weight_col = (resolve_column(df, c, source=data)
                                                       for c in (text_col, score_col, by, period_col, weight_col))
    require_distinct_roles({"--text-col": text_col, "--score-col": score_col, "--by": by, "--period-col": period_col,
                            "--weight-col": weight_col}, source=data)
    _require_categories(df, data)
    require_columns(df, [text_col] + [c for c in (score_col, by, period_col, weight_col) if c], source=str(data))
    if weight_col is not None:  # a bad cell before any work, blank ones said whether or not there are scores
        from feedback_classifier.insights.survey import read_weights

        warn_blank_weights(read_weights(df[weight_col], weight_col, source=str(data))[1], len(df), weight_col, data)
    return text_col, score_col, by, period_col, weight_col


def _drivers(df, spec, tax, *, score_col, by, period_col, freq, min_n, n_boot, source, notes, weight_col=None):
    """The drivers of a classified table (with complaints and praise when it has their column),
    or None without valid scores (said in ``notes``)."""
    from feedback_classifier.insights import compute_drivers, parse_scores

    if not score_col or not len(df):  # no rows: said once, as such ("no valid scores" sent users to --score-col)
        return None
    if not parse_scores(df[score_col], spec, column=score_col).valid.any():
        notes.append(f"No valid {spec.score_type.upper()} scores in '{score_col}': the report has no drivers")
        return None
    drivers = compute_drivers(
        df, score_col=score_col, score_type=spec.score_type, scale=spec.scale, higher_is_better=spec.higher_is_better,
        by=by, period_col=period_col, freq=freq, min_n=min_n, n_boot=n_boot, taxonomy=tax, source=source,
        survey_weight=weight_col,
    )
    # as analyze and drivers say them: a 1-7 CSAT read on 1-5 lost 60% of its scores (the 6s and 7s) without a word
    for issues in (drivers.score_issues, drivers.date_issues):
        if issues is not None and (issues.n_invalid or issues.hint):
            notes.append(issues.summary(max_rows=5))
    if "category_sentiment" in df.columns:
        from feedback_classifier.insights.polarity import add_polarity_counts

        drivers.table = add_polarity_counts(drivers.table, df["category_sentiment"], taxonomy=tax, source=source)
    return drivers
