"""drivers: read a classified table (or classify it on the fly), compute drivers, write tables and charts."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from feedback_classifier.errors import InputFileError, MissingColumnError
from feedback_classifier.insights import DriversResult
from feedback_classifier.tableio import DEFAULT_READ, ReadOptions

# Table formats the drivers can be written as; "md" is one Markdown document with every part.
OUT_FORMATS = ("csv", "tsv", "xlsx", "parquet", "jsonl", "md")


@dataclass
class DriversFileResult:
    """What :func:`drivers_file` computed and wrote."""

    drivers: DriversResult
    paths: list[Path] = field(default_factory=list)  # tables (or the Markdown document), main table first
    chart_paths: list[Path] = field(default_factory=list)
    classified_here: bool = False
    notes: list[str] = field(default_factory=list)  # one-line facts for the user (a detected date column)
    #: of the rows without any category, classified here: ``empty`` comments and answers naming ``no_topic``
    uncategorised_why: dict = field(default_factory=dict)


def drivers_file(
    data: str | Path,
    *,
    score_col: str,
    score_type: str = "nps",
    scale: Any = None,
    higher_is_better: bool = True,
    categories_col: str = "categories",
    by: str | None = None,
    period_col: str | None = None,
    freq: str = "month",
    min_n: int = 30,
    model: Any = None,
    text_col: str | None = None,
    taxonomy: Any = None,
    out: str | Path | None = None,
    charts: str | Path | None = None,
    top: int = 15,
    n_boot: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
    read: ReadOptions = DEFAULT_READ,
    audit_sample: str | Path | None = None,
    polarity: str | None = None,
    lang: str | None = None, chunksize: int = 50_000, tone_teacher: str = "auto", tone_progress: Any = None,
    weight_col: str | None = None) -> DriversFileResult:
    """Compute the drivers of a classified table; write them to ``out`` and charts to ``charts``.

    With ``text_col`` the comments are classified first (``model``, default: the bundled
    model). ``out`` ending in ``.md`` gets one Markdown document; a table format gets the
    impact table there and the regression, segments and trend next to it as
    ``<name>_regression.<ext>`` etc. ``top`` limits the categories in the charts. ``audit_sample``
    (comments the user labelled) adds precision, recall and error-corrected shares and impacts.
    ``polarity`` ("negative", "positive" or "neutral") keeps only the mentions judged so in
    the ``category_sentiment`` column (``drivers --polarity negative``: the impact of
    complaints alone). Otherwise, when the table has ``category_sentiment``, the drivers
    table gets ``complaints`` and ``praise``: each category's mentions judged negative / positive.
    ``period_col`` None looks for a date column as ``analyze`` does (said in ``notes``). ``lang``
    (default: the comments' majority language, or without ``text_col`` the category names') names
    the categories classified here and writes the charts.
    ``read``: how to read ``data``. ``tone_teacher``, ``tone_progress``: ``jobs.tone.taught_by_e5``'s (as ``analyze``).
    ``score_type``, ``scale``, ``higher_is_better``, ``categories_col``, ``by``, ``freq``, ``taxonomy``, ``n_boot``,
    ``seed``, ``confidence``: :func:`~feedback_classifier.insights.compute_drivers`'s (``--period`` is ``freq``;
    ``weight_col`` its ``survey_weight``: blank cells weigh 0, with a warning).

    The file is read once, ``chunksize`` rows at a time, into a ``DriversAccumulator`` and a ``PolarityTally``,
    as ``analyze`` does: memory does not grow with the rows, and the result is the whole table's, whatever
    ``chunksize``. Language and date column are decided on the rows holding the first 2,000 comments.

    >>> import os, tempfile, pandas as pd
    >>> d = tempfile.mkdtemp()
    >>> src = os.path.join(d, "classified.csv")
    >>> pd.DataFrame({"nps": [2, 3, 9, 10, 1, 9], "categories": ["Price", "Price", "", "", "Price", ""]}).to_csv(src)
    >>> res = drivers_file(src, score_col="nps", n_boot=0, min_n=1, out=os.path.join(d, "drivers.csv"))
    >>> [p.name for p in res.paths], res.drivers.overall.metric_name
    (['drivers.csv', 'drivers_regression.csv'], 'NPS')
    """
    from feedback_classifier.jobs.runner import check_workers
    from feedback_classifier.tableio.atomic import file_path

    # "~/drivers.csv" or "~/charts" from a notebook went to a folder named "~"
    out, charts = (None if p is None else file_path(p, what) for p, what in ((out, "out"), (charts, "charts")))
    out = _checked_out(out, data, charts)
    check_workers(1, chunksize)
    _check_settings((score_type, scale, higher_is_better), polarity, weight_col, audit_sample)
    plan = _plan(data, read, chunksize, text_col=text_col, categories_col=categories_col, score_col=score_col, by=by,
                 period_col=period_col, lang=lang, model=model, taxonomy=taxonomy, polarity=polarity,
                 tone=(tone_teacher, tone_progress), weight_col=weight_col)
    acc, tally, why = _accumulate(plan, data, freq=freq, polarity=polarity)
    result = acc.compute(score_type=score_type, scale=scale, higher_is_better=higher_is_better, by=plan.by,
                         min_n=min_n, n_boot=n_boot, seed=seed, confidence=confidence, taxonomy=plan.taxonomy,
                         source=str(data), polarity=polarity)
    result = _corrected(result, audit_sample, plan.taxonomy, plan.text_col, model, seed, acc, data)
    if tally is not None and tally.seen:  # each category's complaints and praise
        result.table = tally.apply(result.table, _matching_taxonomy(plan.taxonomy))
    naming = plan.taxonomy if plan.taxonomy is not None or lang is None else _bundled_names(result, plan.notes)
    result = _named_in(_warn_vanishing(result, data, given=plan.taxonomy is not None), naming, plan.lang)
    return _written(result, plan, out=out, charts=charts, top=top, why=why)


def _check_settings(score: tuple, polarity: str | None, weight_col: str | None, audit_sample) -> None:
    """A wrong --score-type/--scale, --polarity or --weight-col with --audit-sample: said before the file is read."""
    from feedback_classifier.insights.scores import ScoreSpec

    ScoreSpec.make(*score)
    if polarity is not None:
        from feedback_classifier.insights.polarity import check_polarity

        check_polarity(polarity)
    check_weighting(weight_col, audit_sample)


def check_weighting(weight_col: str | None, audit_sample) -> None:
    """A usage error for --audit-sample with --weight-col, before the file is read: the audit's
    error-corrected shares count each respondent once."""
    if weight_col is not None and audit_sample is not None:
        from feedback_classifier.errors import ParameterError

        raise ParameterError("--audit-sample cannot be used with --weight-col: its error-corrected shares count "
                             "each respondent once. Run without one of them.")


def _written(result: DriversResult, plan: "_Plan", *, out, charts, top: int, why: dict | None = None) -> DriversFileResult:
    """The drivers tables at ``out`` and the charts in ``charts`` (each when given), replacing the
    previous run's together or not at all: written one by one, a full disk at the trend table left
    today's impact table beside yesterday's trend, and a run without ``--by`` left yesterday's segments."""
    from feedback_classifier.tableio.atomic import StagedTargets

    paths, chart_paths = [], []
    with StagedTargets() as stage:
        if out is not None:
            paths = _write_tables(result, out, plan.attrs, stage)
            stage.retire(p for p in _output_paths(out) if p not in paths)
        if charts is not None:
            chart_paths = _write_charts(result, charts, stage, top=top, lang=plan.lang)
    return DriversFileResult(result, paths, chart_paths, classified_here=plan.text_col is not None, notes=plan.notes,
                             uncategorised_why=why or {})


def _write_charts(result: DriversResult, charts, stage, *, top: int, lang: str) -> list[Path]:
    from feedback_classifier.render.charts import chart_images, charts_folder
    from feedback_classifier.tableio import write_file_atomic

    folder, written = charts_folder(charts), []
    for stem, data in chart_images(result, fmt="png", top=top, lang=lang).items():
        write_file_atomic(stage.path(folder / f"{stem}.png"), data)
        written.append(folder / f"{stem}.png")
    return written


@dataclass
class _Plan:
    """What the first chunks decide (columns, language, model) and the chunks to fold in."""

    chunks: Iterator[Any]  # DataFrames
    attrs: dict  # the input's separator, for the output tables
    text_col: str | None
    categories_col: str
    score_col: str
    by: str | None
    period_col: str | None
    lang: str
    taxonomy: Any
    notes: list[str]
    weight_col: str | None = None


def _plan(data, read, chunksize, *, text_col, categories_col, score_col, by, period_col, lang, model, taxonomy,
          polarity, tone=("none", None), weight_col=None) -> _Plan:
    """The columns, language and model from the first chunks, checked before the rest is read;
    the chunks (classified on the fly with ``text_col``, the sentiment taught as ``tone`` says)."""
    import pandas as pd

    from feedback_classifier.jobs.head import chain, head_rows, read_head
    from feedback_classifier.tableio import peek_table, require_columns, resolve_column, with_late_keys

    names = [text_col, score_col, by, period_col, None if text_col else categories_col, weight_col]
    first, chunks = with_late_keys(*peek_table(read.chunks(data, chunksize=chunksize)), data, names, read)
    counted = text_col if text_col is not None else categories_col  # the head: rows of its first 2,000 cells
    head, chunks = read_head(chunks, counted)
    whole = pd.concat(head, ignore_index=True) if len(head) > 1 else head[0]
    head_frame = head_rows(whole, counted) if counted in whole.columns else whole
    text_col, score_col, by, period_col, notes = _columns(first, head_frame, data, text_col=text_col,
                                                          categories_col=categories_col, score_col=score_col, by=by,
                                                          period_col=period_col, weight_col=weight_col)
    weight_col = resolve_column(first, weight_col, source=data)
    rows = chain(head, chunks)
    if text_col is not None:
        # checked before classifying: the error lists the file's own columns, not the added ones
        require_columns(first, [c for c in (score_col, by, period_col, weight_col) if c is not None], source=data)
        lang = _language(head_frame, text_col, lang, notes)
        _warn_reclassified(first, categories_col, data)
        rows, model_taxonomy = _classify(first, rows, data, text_col, model, lang, read=read, tone=tone,
                                         notes=notes, taxonomy=taxonomy)
        categories_col, taxonomy = "categories", taxonomy or model_taxonomy
    else:
        _require_column(first, categories_col, data, fix=(
            "Classify the comments first (`feedback-classifier classify`), pass --text-col COL to classify on the "
            "fly, or --categories-col COL for categories in another column (a file from `classify "
            "--categories-col` keeps them in the column it was given)."))
        lang = _language(head_frame, categories_col, lang, None)
        if polarity is not None:
            _require_polarity(first, data, categories_col)
        _check_roles(first, data, score_col=score_col, categories_col=categories_col, by=by, period_col=period_col,
                     weight_col=weight_col)
    return _Plan(rows, dict(first.attrs), text_col, categories_col, score_col, by, period_col, lang, taxonomy, notes,
                 weight_col)


def _warn_reclassified(first, categories_col: str, data) -> None:
    """An ``InputWarning`` when a classified file gets --text-col: its categories (perhaps corrected
    by hand) would otherwise be replaced by the model's without a word, as classify says it does."""
    from feedback_classifier.errors import InputWarning, warn

    if categories_col in first.columns:
        warn(InputWarning(
            f"{data}: the file already has a {categories_col!r} column, but --text-col classifies the comments "
            f"anew and the drivers use the new categories, not those (leave out --text-col to use them)"))


def _warn_vanishing(result: DriversResult, data, *, given: bool = False) -> DriversResult:
    """``result``, with an ``InputWarning`` when frequent categories stop or start between the trend's
    periods: in a file joined from exports classified with two taxonomy versions, a renamed category was
    two half-trends."""
    from feedback_classifier.errors import InputWarning, warn
    from feedback_classifier.insights.periods import vanishing_categories

    stopped, started = vanishing_categories(result.trend) if result.trend is not None else ([], [])
    # a parent mentioned alone is in the trend at both levels: 'Service' was named twice in one warning
    stopped, started = _one_per_name(stopped), _one_per_name(started)
    if not stopped:
        return result
    said = [f"'{c}' has no mention after {p}" for _, c, p in stopped[:3]]
    said += [f"'{c}' none before {p}" for _, c, p in started[:3]]
    more = len(stopped) + len(started) - len(said)
    fix = ("If the file joins exports classified with different taxonomy versions, pass --taxonomy with the new one, "
           "its categories' former names or paths under 'aliases', so that each is counted as one over the whole trend.")
    if not given and _bundled_renames(stopped, started):
        fix = ("The bundled cx-default reads the former and the new names as one category each (its 'aliases': "
               "'Service' is now 'Customer service'): pass --taxonomy cx-default to count each once over the whole "
               "trend.")
    warn(InputWarning(
        f"{data}: categories change between the trend's periods: {', '.join(said)}"
        f"{f' (and {more} more)' if more else ''}. {fix}"))
    return result


def _bundled_renames(stopped: list[tuple], started: list[tuple]) -> bool:
    """Whether the bundled cx-default reads a stopped and a started category as one: a file joining exports
    of two releases, before and after one of its categories was renamed, needs no taxonomy of the user's own."""
    from feedback_classifier.errors import LabelError
    from feedback_classifier.model.default import DEFAULT_TAXONOMY
    from feedback_classifier.taxonomy import bundled_taxonomy

    tax = bundled_taxonomy(DEFAULT_TAXONOMY)
    try:
        before = {tuple(tax.parse_labels(name)) for _, name, _ in stopped}
        after = {tuple(tax.parse_labels(name)) for _, name, _ in started}
    except LabelError:  # a category cx-default does not have: the user's own taxonomy
        return False
    return bool(before & after)


def _one_per_name(found: list[tuple]) -> list[tuple]:
    """``(level, category, period)`` items, the first of each category name only.

    >>> _one_per_name([("parent", "Service", "Q1"), ("category", "Service", "Q1"), ("category", "Service > Staff", "Q1")])
    [('parent', 'Service', 'Q1'), ('category', 'Service > Staff', 'Q1')]
    """
    seen: set = set()
    return [item for item in found if not (item[1] in seen or seen.add(item[1]))]


def _accumulate(plan: _Plan, data, *, freq: str, polarity: str | None):
    """Every chunk folded into a ``DriversAccumulator`` (one row per distinct categories, score,
    segment and period) and, unless one polarity is counted, a ``PolarityTally`` (complaints and
    praise per category, when the table has ``category_sentiment``)."""
    from feedback_classifier.insights import DriversAccumulator
    from feedback_classifier.insights.polarity import PolarityTally, categories_with_polarity

    counted = plan.categories_col if polarity is None else f"categories ({polarity})"
    keys = [counted] + [c for c in (plan.score_col, plan.by, plan.period_col) if c is not None]
    acc = DriversAccumulator(keys, score_col=plan.score_col, period_col=plan.period_col, freq=freq,
                             categories_col=counted, weight_col=plan.weight_col, source=str(data))
    tally = PolarityTally(taxonomy=plan.taxonomy, source=str(data)) if polarity is None else None
    why = {"empty": 0, "no_topic": 0} if plan.text_col is not None and polarity is None else {}
    for chunk in plan.chunks:
        if why:
            _tally_uncategorised(why, chunk, plan.text_col, plan.categories_col)
        first_row = acc.rows + 1
        judged = _judged(chunk, plan.categories_col, data, first_row, strict=polarity is not None)
        if polarity is not None:
            chunk[counted] = categories_with_polarity(chunk[judged], polarity, source=str(data),
                                                      first_row=first_row)
        elif tally is not None and judged is None:
            tally = None  # none, or another question's: no complaints or praise rather than some rows' of them
        elif tally is not None:
            tally.add(chunk[judged], first_row=first_row)
        acc.add(chunk)
    return acc, tally, why


def _tally_uncategorised(why: dict, chunk, text_col: str, categories_col: str) -> None:
    """Add the chunk's rows without a category to ``why``: those with no comment and those whose answer
    names no topic ("-", "n/a", "👍", "TERRIBLE"). An optional question leaves half of them so, and every one is a
    respondent in each share and in each category's "without" group: the analyst is told how many."""
    from feedback_classifier.lang.tone_only import names_no_topic

    bare = chunk[categories_col].astype("string").fillna("").str.strip().eq("").to_numpy(dtype=bool)
    texts = chunk[text_col].astype("string").fillna("").str.strip()[bare]
    empty = texts.eq("").to_numpy(dtype=bool)
    why["empty"] += int(empty.sum())
    said = texts[~empty].tolist()
    why["no_topic"] += sum(names_no_topic(said))


def warn_blank_weights(blank: int, rows: int, column: str, data) -> None:
    """An ``InputWarning`` counting the blank weight cells: those rows weigh 0, so they count in the
    mentions but in no weighted number (a typo'd export would otherwise lose them without a word)."""
    from feedback_classifier.errors import InputWarning, warn

    if blank:
        warn(InputWarning(
            f"{data}: {blank:,} of {rows:,} rows have no weight in column {column!r}: they "
            "weigh 0 (counted in mentions, left out of every weighted share, metric and interval). Fill them in "
            "if they are respondents of the weighted sample."))


def _judged(chunk, categories_col: str, data, first_row: int, *, strict: bool) -> str | None:
    """The chunk's polarity column for ``categories_col`` (None: none, or one written for other categories,
    with a warning; an error when ``strict``, as --polarity counts nothing else)."""
    from feedback_classifier.errors import InputFileError, InputWarning, warn
    from feedback_classifier.insights.polarity import require_paired, sentiment_column_for

    judged = sentiment_column_for(categories_col, chunk.columns)
    if judged not in chunk.columns:
        return None
    if categories_col != "categories":  # classify writes both: only another --categories-col can be unpaired
        try:
            require_paired(chunk[categories_col], chunk[judged], source=data, first_row=first_row)
        except InputFileError as exc:
            if strict:
                raise
            warn(InputWarning(f"{exc} The complaints and praise columns are left out."))
            return None
    return judged


def _columns(first, head, data, *, text_col, categories_col, score_col, by, period_col, weight_col=None):
    """(text, score, segment, date) columns as the options name them in ``first`` (by name or question
    text), once no two options name the same column, and notes for the user: the date column is
    detected in the ``head`` rows when not given, and said."""
    from feedback_classifier.insights.periods import period_column_or_detected
    from feedback_classifier.tableio import require_distinct_roles, resolve_column

    text_col, score_col, by, period_col, weight_col = (resolve_column(first, c, source=data)
                                                       for c in (text_col, score_col, by, period_col, weight_col))
    # with --text-col the categories come from classifying it, not from --categories-col
    require_distinct_roles({"--text-col": text_col, "--categories-col": None if text_col else categories_col,
                            "--score-col": score_col, "--by": by, "--period-col": period_col,
                            "--weight-col": weight_col}, source=data)
    notes: list[str] = []
    period_col = period_column_or_detected(head, period_col, exclude=[text_col, categories_col, score_col, by,
                                                                      weight_col], notes=notes)
    return text_col, score_col, by, period_col, notes


def _corrected(result, audit_sample, taxonomy, text_col, model, seed, acc=None, data=None):
    """The drivers corrected for the model's errors: from an audited sample, else from the error
    rates a model file from `train` carries; unchanged without either, and with survey weights (the
    rates correct counts of respondents, not weighted shares: a warning counts their blank weights)."""
    if acc is not None and acc.weight_col is not None:
        warn_blank_weights(acc.blank_weights, acc.rows, acc.weight_col, data)
        return result
    from feedback_classifier.insights.quantify import correct_drivers_result
    from feedback_classifier.jobs.audit_sample import model_error_rates, sample_error_rates
    from feedback_classifier.taxonomy import bundled_taxonomy_path, load_taxonomy

    tax = taxonomy if hasattr(taxonomy, "labels") else load_taxonomy(taxonomy or bundled_taxonomy_path("cx-default"))
    if audit_sample is not None:
        rates = sample_error_rates(audit_sample, tax, text_col=text_col, model=model)
    else:
        rates = model_error_rates(model)
    return correct_drivers_result(result, rates, tax, seed=seed) if rates else result


def _language(df, column: str, lang: str | None, notes: list[str] | None) -> str:
    """``lang``, else the majority language of ``column`` (the comments, or the category names
    classify wrote in theirs), said in ``notes`` when given."""
    from feedback_classifier.lang import majority_language

    if lang is not None:
        return lang
    lang = majority_language(df[column])
    if notes is not None:
        notes.append(f"Category names in {lang} (most comments are in it; use --lang to change)")
    return lang


def _bundled_names(result: DriversResult, notes: list[str]) -> Any:
    """The bundled taxonomy when it knows every category name of a classified file read without
    ``--taxonomy`` (the bundled model's output, in any language), so that ``--lang`` can name them;
    else None, with a note that ``--lang`` needs the file's taxonomy to rename its categories."""
    from feedback_classifier.errors import FeedbackClassifierError
    from feedback_classifier.model.default import DEFAULT_TAXONOMY
    from feedback_classifier.taxonomy import bundled_taxonomy

    tax = bundled_taxonomy(DEFAULT_TAXONOMY)
    names = set(result.table["category"]) | set(result.table["parent"]) if len(result.table) else set()
    try:
        for name in names:
            if isinstance(name, str) and name:
                tax.parse_label(name)
    except FeedbackClassifierError:
        notes.append("Category names as the file writes them: pass --taxonomy (the file's taxonomy) for --lang "
                     "to name them in another language.")
        return None
    return tax


def _matching_taxonomy(taxonomy: Any):
    """The taxonomy that matches the categories' names with ``category_sentiment``'s: the file's, else the
    bundled one (a name it does not read is matched as written)."""
    from feedback_classifier.taxonomy import bundled_taxonomy, load_taxonomy

    if taxonomy is None:
        return bundled_taxonomy("cx-default")
    return taxonomy if hasattr(taxonomy, "labels") else load_taxonomy(taxonomy)


def _named_in(result: DriversResult, taxonomy: Any, lang: str) -> DriversResult:
    """``result`` with the taxonomy's category names in ``lang`` in every table (the terminal, the
    files and the charts show them); as it was without a taxonomy (the names are the file's own)."""
    if taxonomy is None:
        return result
    from feedback_classifier.render import translate_drivers_table
    from feedback_classifier.taxonomy import load_taxonomy

    tax = taxonomy if hasattr(taxonomy, "labels") else load_taxonomy(taxonomy)
    for part in ("table", "regression", "segments", "trend"):
        table = getattr(result, part, None)
        if table is not None:
            setattr(result, part, translate_drivers_table(table, tax, lang))
    return result


def _classify(first, chunks, data, text_col: str, model: Any, lang: str = "en", *, read: ReadOptions = DEFAULT_READ,
              tone=("none", None), notes: list | None = None, taxonomy: Any = None):
    """The chunks with classify's columns added, one at a time, and the model's taxonomy; the model's
    sentiment taught first as ``tone`` (``(teacher, progress)``) says, with its line in ``notes``.
    A ``taxonomy`` given must be the model's (else its categories were read against the wrong one)."""
    from feedback_classifier.jobs.tone import taught_by_e5
    from feedback_classifier.model.default import load_model_and_taxonomy
    # Looked up in its module at call time, so a test can stand in a stub classifier there.
    from feedback_classifier.model import enrichment
    from feedback_classifier.tableio import require_columns

    require_columns(first, [text_col], source=data)
    clf, tax = load_model_and_taxonomy(model, taxonomy)
    clf, note = taught_by_e5(clf, data, text_col, read, tone[0], True, tone[1])
    if note is not None and notes is not None:
        notes.append(note)
    return (enrichment.enrich(chunk, clf, text_col, lang=lang) for chunk in chunks), tax


def _checked_out(out: str | Path | None, data: str | Path, charts: str | Path | None = None) -> Path | None:
    """``out`` as a path, once it is known to be writable without replacing the input ``data``;
    the ``charts`` folder checked (a file there is an error before any work, not after the table is
    written) but not made: a run that fails on its input left an empty folder behind."""
    from feedback_classifier.tableio import refuse_overwriting_input

    if charts is not None:
        from feedback_classifier.render.charts import charts_folder

        charts_folder(charts, create=False)

    out = Path(out) if out is not None else None
    if out is not None and not out.parent.is_dir():
        raise InputFileError(f"{out}: output directory {out.parent} does not exist; create it first.")
    if out is not None:
        refuse_overwriting_input(_output_paths(out), data, fix="choose another --out path.")
    return out


def _require_polarity(first, data, categories_col: str) -> None:
    from feedback_classifier.insights.polarity import sentiment_column_for

    _require_column(first, sentiment_column_for(categories_col, first.columns), data, fix=(
        "--polarity needs the polarity of each category: classify the comments with this version "
        "(it adds category_sentiment), or pass --text-col COL to classify on the fly."))


def _check_roles(first, data, **roles: str | None) -> None:
    """The score, segment and date columns are in the file (``compute_drivers``' check, before the pass)."""
    from feedback_classifier.tableio import require_columns

    require_columns(first, [c for c in roles.values() if c is not None], source=str(data))


def _require_column(df, column: str, data, *, fix: str) -> None:
    """``require_columns``' one-line error, followed by ``fix``: how to get that column (it differs by column)."""
    from feedback_classifier.tableio import require_columns

    try:
        require_columns(df, [column], source=data)
    except MissingColumnError as exc:
        raise MissingColumnError(f"{exc} {fix}") from None


def _write_tables(result: DriversResult, out: Path, attrs: dict, stage) -> list[Path]:
    """The drivers tables at ``out`` and beside it, written into ``stage`` (a ``StagedTargets``); a
    CSV keeps the separator of the input (``attrs``)."""
    from feedback_classifier.render.markdown import drivers_markdown
    from feedback_classifier.tableio import input_layout, write_file_atomic, write_table

    if out.suffix.lower() == ".md":
        write_file_atomic(stage.path(out), drivers_markdown(result))
        return [out]
    parts = {"regression": result.regression, "segments": result.segments, "trend": result.trend}
    layout = input_layout(attrs, types=False)
    written = []
    for path, table in [(out, result.table), *((_sibling(out, p), t) for p, t in parts.items() if t is not None)]:
        table = table.copy()
        if result.counted():  # the file says which mentions it counted, as the titles do
            table.insert(0, "counted", result.counted())
        table.attrs.update(layout)
        write_table(table, stage.path(path))
        written.append(path)
    return written


def _output_paths(out: Path) -> list[Path]:
    """Every file ``_write_tables`` may write for ``out``."""
    if out.suffix.lower() == ".md":
        return [out]
    return [out, *(_sibling(out, part) for part in ("regression", "segments", "trend"))]


def _sibling(out: Path, part: str) -> Path:
    return out.with_name(f"{out.stem}_{part}{out.suffix}")
