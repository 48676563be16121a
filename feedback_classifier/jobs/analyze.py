"""The main job: classify a survey export, find the drivers, route, and report — in one call.

``analyze()`` reads the export, adds the category columns (``model.enrich``), computes
drivers when there is a score column (``insights.compute_drivers``), builds the per-team
queues (``insights.route``) and the HTML report (``render.build_report``), and writes
everything into one output folder::

    out/
      <name>.enriched.<ext>   every input row and column + categories, confidence, needs_review, evidence
      drivers.<ext>           per-category impact table (both levels), names in the report language
      queues/<team>.<ext>     one queue per owning team, review.<ext>, summary.<ext>
      report.html             self-contained report

The file is read once, ``chunksize`` rows at a time, so memory does not grow with the file:
each chunk is classified (``classify.classified_chunks``, in worker processes with ``jobs >
1``), appended to the enriched file, folded into the small table the drivers and the report
need (``DriversAccumulator``: one row per distinct categories/score/segment/period
combination), into the report's quote candidates (``QuotePool``) and spilled into the team
queues (``StreamingRouter``). The results do not depend on ``chunksize`` or ``jobs`` and
equal those of the whole table in memory.

``analyze`` returns an :class:`AnalyzeResult` (paths + the drivers and routing summary); the CLI prints it.

Its other settings are the command's options: ``freq`` is ``--period`` (week, month, quarter, year),
``score_type``/``scale`` ``--score-type``/``--scale``, ``higher_is_better=False`` ``--lower-is-better``,
``queue_format`` ``--format`` (the tables' format; None: the input's, else CSV), ``explain`` ``--evidence``,
``min_n``/``title`` ``--min-n``/``--title``; ``n_boot`` and ``seed`` are the bootstrap's (library only), and
``tone_progress`` is called as ``progress`` is while e5 reads.
"""

from __future__ import annotations


from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import pandas as pd

from feedback_classifier.errors import InputFileError
from feedback_classifier.insights.periods import period_column_or_detected
from feedback_classifier.insights.queues import kept_as_read, review_flags, with_input_copies
from feedback_classifier.insights.scores import ScoreSpec
from feedback_classifier.jobs.classify import classified_chunks
from feedback_classifier.jobs.head import chain, head_rows, read_head
from feedback_classifier.jobs.tone import taught_by_e5
from feedback_classifier.jobs.runner import check_workers
from feedback_classifier.lang import check_language, majority_language
from feedback_classifier.jobs.audit_sample import error_rates_for
from feedback_classifier.model.default import describe_model, load_model_and_taxonomy, model_info
from feedback_classifier.model.enrichment import _Options
from feedback_classifier.tableio import (
    DEFAULT_READ,
    ReadOptions,
    detect_format,
    estimate_total_rows,
    guarded_note,
    peek_table,
    require_distinct_roles,
    resolve_column,
    with_late_keys,
)
from feedback_classifier.tableio.atomic import StagedFiles, file_path, made_folder
from feedback_classifier.tableio.columns import id_columns, keep_columns
from feedback_classifier.insights.polarity import CATEGORY_SENTIMENT, COMPLAINTS_COLUMN, categories_with_polarity

_TABLE_FORMATS = ("csv", "xlsx", "jsonl")  # formats an analyst opens directly (queues, drivers)


@dataclass
class AnalyzeResult:
    """What ``analyze`` wrote and found.

    ``notes`` are one-line facts worth telling the user (a detected period column, the
    chosen language, invalid scores...). ``drivers`` is None without usable scores.
    """

    out_dir: Path
    enriched_path: Path
    report_path: Path
    drivers_path: Path | None
    queue_paths: dict[str, Path]
    rows: int
    comments: int
    classified: int
    needs_review: int
    lang: str
    period_col: str | None
    enriched: pd.DataFrame | None  # None: the enriched table is in enriched_path (analyze streams it)
    routing: Any
    drivers: Any = None
    notes: list[str] = field(default_factory=list)
    taxonomy: Any = None
    model_info: dict = field(default_factory=dict)  # which model ran, as the report's method section says

    def category_name(self, name: str) -> str:
        """A drivers-table category name (English path) in the result's language."""
        if self.taxonomy is None or self.lang == "en":
            return name
        try:
            return self.taxonomy.display_name(self.taxonomy.parse_label(name), self.lang)
        except Exception:  # not a path of this taxonomy: show it as it is
            return name

    @property
    def overall(self):
        """The overall score summary (``scores.ScoreSummary``) or None."""
        return getattr(self.drivers, "overall", None)

    def top_negative_drivers(self, n: int = 3, level: str = "parent") -> pd.DataFrame:
        """The ``n`` most harmful categories that are actually mentioned (may be fewer)."""
        if self.drivers is None:
            return pd.DataFrame()
        from feedback_classifier.insights import ScoreSpec

        table = self.drivers.level(level)
        harmful = ScoreSpec.from_settings(self.drivers.settings).is_harmful(table["impact"])
        return table[(table["mentions"] > 0) & harmful].head(n).reset_index(drop=True)


def _enriched_name(data: Path, fmt: str) -> str:
    name = data.name
    for suffix in (".gz",):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    stem = name.rsplit(".", 1)[0] if "." in name else name
    ext = {"tsv": "tsv", "csv": "csv", "xlsx": "xlsx", "parquet": "parquet", "jsonl": "jsonl"}.get(fmt, fmt)
    return f"{stem}.enriched.{ext}"


def analyze(
    data: str | Path,
    *,
    text_col: str,
    out_dir: str | Path,
    score_col: str | None = None,
    model: Any = None,
    taxonomy: Any = None,
    by: str | None = None,
    period_col: str | None = None,
    freq: str = "month",
    lang: str | None = None,
    score_type: str = "nps",
    scale: Any = None,
    higher_is_better: bool = True,
    keep: Sequence[str] | None = None,
    read: ReadOptions = DEFAULT_READ,
    queue_format: str | None = None,
    explain: bool = True,
    min_n: int = 30,
    n_boot: int = 1000,
    seed: int = 0,
    title: str | None = None,
    chunksize: int = 50_000,
    jobs: int = 1,
    progress: Callable[[int, int | None], None] | None = None,
    mask: bool = True, mask_pii: bool = False,
    audit_sample: str | Path | None = None, weight_col: str | None = None,
    tone_teacher: str = "auto", tone_progress: Callable[[int, int | None], None] | None = None,
) -> AnalyzeResult:
    """Classify → drivers → route → report for one survey export; write it all into ``out_dir``.

    ``model``: a model file (or fitted classifier); None uses the bundled default model with the ``cx-default``
    taxonomy. ``lang`` (``en``/``ru``) sets category names and report headings; None picks the majority language of
    the first 2,000 comments. ``period_col`` None looks for a date column (e.g. ``submitted_at``) in the same first
    rows and says so in ``notes``. ``keep`` lists columns to carry into the queues; None carries id-like columns and
    the ``by``/period columns. The file is read once, ``chunksize`` rows at a time (see the module docstring),
    classified in ``jobs`` worker processes when > 1; ``progress(rows_done, estimated_total)`` is called after every
    chunk. ``mask``/``mask_pii``: personal data in quotes and queues / in the enriched table. ``audit_sample``: see
    ``error_rates_for``. ``read``: ``data``'s. ``tone_teacher``: ``taught_by_e5``. ``weight_col``: ``drivers_file``'s.

    >>> from feedback_classifier.model.default import EXAMPLE_SURVEY_FILE
    >>> res = analyze(EXAMPLE_SURVEY_FILE, text_col="comment", score_col="nps", out_dir="out")  # doctest: +SKIP
    >>> res.report_path  # doctest: +SKIP
    PosixPath('out/report.html')
    """
    data, out = file_path(data), file_path(out_dir, "out_dir")
    spec = ScoreSpec.make(score_type, scale, higher_is_better)  # bad settings fail before any work
    _check_run_settings(lang, chunksize, jobs, weight_col, audit_sample)
    first, chunks = peek_table(read.chunks(data, chunksize=chunksize))
    names = [text_col, score_col, by, period_col, weight_col, *(keep_columns(keep, first.columns) or ())]
    first, chunks = with_late_keys(first, chunks, data, names, read)
    text_col, score_col, by, period_col, weight_col, *kept = (resolve_column(first, c, source=data) for c in names)
    require_distinct_roles({"--text-col": text_col, "--score-col": score_col, "--by": by, "--period-col": period_col,
                            "--weight-col": weight_col}, source=data)
    head, chunks = read_head(chunks, text_col)
    plan = _plan(head, data=data, text_col=text_col, score_col=score_col, by=by, period_col=period_col,
                 keep=None if keep is None else kept, lang=lang, model=model, taxonomy=taxonomy, weight_col=weight_col)
    in_fmt = detect_format(data, read.fmt, option="--input-format")
    table_fmt = queue_format or (in_fmt if in_fmt in _TABLE_FORMATS else "csv")
    _refuse_overwriting(data, out, plan.tax, in_fmt, table_fmt)  # (and a team the queues cannot hold) before e5 reads
    _teach_tone(plan, data, text_col, read, tone_teacher, tone_progress)
    rates, rates_source = error_rates_for(audit_sample, plan.tax, text_col=text_col, model=model, clf=plan.clf,
                                          bundled=plan.model_info.get("kind") == "default", notes=plan.notes)
    with made_folder(out):
        sinks = _Sinks.open(plan, spec, data=data, out=out, text_col=text_col, score_col=score_col, by=by, freq=freq,
                            mask=mask, mask_pii=mask_pii)
        total = estimate_total_rows(data, read.fmt) if progress is not None else None
        try:
            with StagedFiles(out) as stage:  # all outputs replace yesterday's together or none do (no half-way run)
                enriched = classified_chunks((with_input_copies(c, plan.copied) for c in chain(head, chunks)),
                                             plan.clf, _Options(text_col, plan.lang, explain=explain), jobs=jobs,
                                             source=str(data), command="analyze")
                written = sinks.consume(enriched, stage.path(_enriched_name(data, in_fmt)), in_fmt, progress, total)
                plan.notes += [note for note in [guarded_note(sinks.guarded_cells, stage.shown(written))] if note]
                return _finish(sinks, stage, enriched_path=stage.shown(written), data=data, plan=plan, spec=spec,
                               score_col=score_col, by=by, table_fmt=table_fmt, min_n=min_n, n_boot=n_boot, seed=seed,
                               title=title, text_col=text_col, mask=mask, rates=rates, rates_source=rates_source)
        finally:
            sinks.router.cleanup()


def _teach_tone(plan: _Plan, data: Path, text_col: str, read: ReadOptions, teacher: str, progress) -> None:
    """Where ``taught_by_e5`` teaches (``teacher`` e5, or auto with the extra), the plan's classifier carries the
    bundled sentiment model taught the file's tone words, and its notes and the report's model facts say so."""
    before = plan.clf
    plan.clf, note = taught_by_e5(plan.clf, data, text_col, read, teacher, True, progress)
    if note is not None:
        plan.notes.append(note)
    if plan.clf is not before:
        plan.model_info.update(bundled_sentiment=True, sentiment_from_e5=True)


def _refuse_overwriting(data: Path, out: Path, tax: Any, in_fmt: str, table_fmt: str) -> None:
    """A one-line error before any work when an output would replace the input (an export named
    drivers.csv in the output folder, or in its queues/ folder named like a team's queue)."""
    from feedback_classifier.insights.queues import owner_teams, queue_file_names
    from feedback_classifier.tableio import refuse_overwriting_input

    queues = queue_file_names(owner_teams(tax), table_fmt.lower()).values()
    outputs = [out / _enriched_name(data, in_fmt), out / f"drivers.{table_fmt}", out / "report.html",
               *(out / "queues" / name for name in queues)]
    refuse_overwriting_input(outputs, data, fix="choose another --out-dir, or rename the input.")


def _check_run_settings(lang: str | None, chunksize: int, jobs: int, weight_col: str | None = None,
                        audit_sample: Any = None) -> None:
    from feedback_classifier.jobs.drivers import check_weighting

    if lang is not None:
        check_language(lang)
    check_workers(jobs, chunksize)
    check_weighting(weight_col, audit_sample)


@dataclass
class _Plan:
    """What the first rows decide: model, taxonomy, language, date column, queue columns."""

    clf: Any
    tax: Any
    lang: str
    period_col: str | None
    keep: list[str]
    notes: list[str]
    model_info: dict = field(default_factory=dict)
    empty_note: str | None = None  # said at the end if the text column is empty in the whole file
    layout: dict = field(default_factory=dict)  # the input's separator: drivers.csv of a ';' export is ';' too
    copied: list = field(default_factory=list)  # kept columns copied under their '(input)' name (kept_as_read)
    weight_col: str | None = None  # survey weights (--weight-col): the drivers and the report's shares weigh them


def _plan(head: list[pd.DataFrame], *, data: Path, text_col: str, score_col: str | None, by: str | None,
          period_col: str | None, keep: Sequence[str] | None, lang: str | None, model: Any, taxonomy: Any,
          weight_col: str | None = None) -> _Plan:
    from feedback_classifier.tableio import export_note, input_layout, require_columns
    from feedback_classifier.tableio.columns import empty_text_note

    columns = list(head[0].columns)
    needed = [text_col] + [c for c in (score_col, by, period_col, weight_col) if c]
    require_columns(columns, list(dict.fromkeys(needed)), source=str(data))
    if keep:
        require_columns(columns, list(keep), source=str(data))
    first = head_rows(pd.concat(head, ignore_index=True) if len(head) > 1 else head[0], text_col)
    notes = [note for note in [export_note(head[0])] if note]  # header rows skipped: said, not silent
    clf, tax = _model_for(model, taxonomy, first[text_col], notes)
    if lang is None:
        lang = majority_language(first[text_col])
        notes.append(f"Language: {lang} (most comments are in it; use --lang to change)")
    lang = check_language(lang)
    if lang not in getattr(tax, "languages", (lang,)):
        raise InputFileError(
            f"Taxonomy '{tax.name}' has no names in {lang!r} (it has {', '.join(tax.languages)}): pick one with --lang."
        )
    period_col = period_column_or_detected(first, period_col, exclude=[text_col, score_col, by, weight_col],
                                           notes=notes, scored=bool(score_col))
    if keep is None:
        keep = id_columns(columns, exclude=(text_col, score_col))
        keep += [c for c in (by, period_col) if c and c not in keep and c not in (text_col, score_col)]
    # the input's own confidence/needs_review, kept under their '(input)' names: classifying replaces them
    copied, keep = kept_as_read(columns, list(keep), exclude=(text_col, score_col), source=str(data))
    plan = _Plan(clf, tax, lang, period_col, keep, notes, model_info(model, clf),
                 layout=input_layout(head[0].attrs, types=False), copied=copied, weight_col=weight_col)
    if not first[text_col].fillna("").astype(str).str.strip().any():  # the first rows hint at the wrong column
        plan.empty_note = empty_text_note(first, text_col)
    return plan


def _model_for(model: Any, taxonomy: Any, comments: pd.Series, notes: list[str]):
    """The classifier and taxonomy to run: a model given, the bundled default, or, for a taxonomy
    of the user's without a model, one trained without labels on the first comments."""
    from feedback_classifier.model.default import DEFAULT_TAXONOMY
    from feedback_classifier.model.weak import fit_without_labels
    from feedback_classifier.taxonomy import Taxonomy, bundled_taxonomy, load_taxonomy
    from feedback_classifier.taxonomy.history import same_but_aliases

    tax = None if taxonomy is None else taxonomy if isinstance(taxonomy, Taxonomy) else load_taxonomy(taxonomy)
    if model is not None or tax is None or same_but_aliases(tax, bundled_taxonomy(DEFAULT_TAXONOMY)):
        clf, tax = load_model_and_taxonomy(model, tax)
        notes.append(f"Model: {describe_model(model, clf)}")
        return clf, tax
    texts = [t for t in comments.tolist() if isinstance(t, str) and t.strip()]
    clf, info = fit_without_labels(tax, texts)
    notes.append(f"Model: no --model for taxonomy '{tax.name}', so one was trained without labels on its keywords "
                 f"and the first {len(texts):,} comments ({info['weak']:,} labelled by keywords); "
                 "train one on labelled comments for better results")
    return clf, tax


_COMMENT_KEY, _REVIEW_KEY = "__has_comment__", "__needs_review__"


@dataclass
class _Sinks:
    """Where each enriched chunk goes besides the enriched file: the small table the drivers
    and the report need (one row per distinct categories/score/segment/period combination),
    the report's quote candidates and the team queues (spilled to disk)."""

    acc: Any
    pool: Any
    router: Any
    keys: list[str]
    text_col: str
    mask_pii: bool = False
    counts: list[int] = field(default_factory=lambda: [0, 0, 0, 0])  # rows, comments, classified, needs review
    polarity: Any = None  # insights.PolarityTally: complaints and praise per category
    guarded_cells: int = 0  # enriched CSV cells the formula guard changed

    @classmethod
    def open(cls, plan: _Plan, spec: Any, *, data: Path, out: Path, text_col: str, score_col: str | None,
             by: str | None, freq: str, mask: bool = True, mask_pii: bool = False) -> "_Sinks":
        from feedback_classifier.insights import DriversAccumulator, StreamingRouter
        from feedback_classifier.render import QuotePool

        keys = ["categories"] + [c for c in (score_col, by, plan.period_col) if c]
        # with scores, the report's cards give each category's complaints' impact: which categories were complaints
        extra = [COMPLAINTS_COLUMN] if score_col else []
        acc = DriversAccumulator(keys + extra + [_COMMENT_KEY, _REVIEW_KEY], score_col=score_col,
                                 period_col=plan.period_col, freq=freq, weight_col=plan.weight_col, source=str(data))
        pool = QuotePool(plan.tax, text_col=text_col, score_col=score_col, score_type=spec, source=str(data))
        router = StreamingRouter(plan.tax, text_col=text_col, score_col=score_col, score_type=spec, keep=plan.keep,
                                 lang=plan.lang, source=str(data), tmp_dir=out, mask=mask)
        from feedback_classifier.insights.polarity import PolarityTally

        return cls(acc, pool, router, keys, text_col, mask_pii,
                   polarity=PolarityTally(taxonomy=plan.tax, source=str(data)))

    def consume(self, enriched_chunks: Iterator[tuple[pd.DataFrame, Any]], path: Path, fmt: str,
                progress: Callable[[int, int | None], None] | None, total: int | None) -> Path:
        """Write every chunk to the enriched file at ``path`` and fold it into the sinks."""
        from feedback_classifier.tableio import TableWriter

        with TableWriter(path, fmt=fmt) as writer:
            for enriched, _ in enriched_chunks:
                if self.mask_pii:
                    from feedback_classifier.lang.pii import mask_pii_table

                    enriched = mask_pii_table(enriched, self.text_col)
                writer.write(enriched)
                self.add(enriched)
                if progress is not None:
                    rows = self.counts[0]
                    progress(rows, max(total, rows) if total is not None else None)
            if progress is not None:  # the exact count: the last chunk's line may show the size estimate
                progress(self.counts[0], self.counts[0])
        self.guarded_cells = writer.guarded_cells
        return Path(writer.path)

    def add(self, enriched: pd.DataFrame) -> None:
        has_comment = (enriched[self.text_col].astype("string").fillna("").str.strip() != "").to_numpy(bool)
        # junk answers go to their own list, not to review: the counts agree with the queues
        review = review_flags(enriched, self.text_col)
        tagged = (enriched["categories"].astype("string").fillna("").str.strip() != "").to_numpy(bool)
        reduced = {c: enriched[c] for c in self.keys}
        if COMPLAINTS_COLUMN in self.acc.columns:
            reduced[COMPLAINTS_COLUMN] = (categories_with_polarity(enriched[CATEGORY_SENTIMENT], "negative")
                                          if CATEGORY_SENTIMENT in enriched.columns else "")
        reduced[_COMMENT_KEY] = has_comment
        reduced[_REVIEW_KEY] = review
        if self.acc.weight_col is not None:  # summed per group by the accumulator, not one of its keys
            reduced[self.acc.weight_col] = enriched[self.acc.weight_col]
        frame = pd.DataFrame(reduced, index=enriched.index)
        frame.attrs["input_sep"] = enriched.attrs.get("input_sep")  # (its dates' day-first hint)
        self.acc.add(frame)
        self.pool.add(enriched)
        self.router.add(enriched)
        if "category_sentiment" in enriched.columns:
            self.polarity.add(enriched["category_sentiment"])
        for i, n in enumerate((len(enriched), has_comment.sum(), (tagged & has_comment).sum(), review.sum())):
            self.counts[i] += int(n)


def _finish(sinks: _Sinks, stage: StagedFiles, *, enriched_path: Path, data, plan: _Plan, spec, score_col, by,
            table_fmt, min_n, n_boot, seed, title, text_col, mask=True, rates=None, rates_source=None) -> AnalyzeResult:
    """After the pass over the file: drivers, queues and report from what the pass kept, all written
    into ``stage`` (the output folder's, committed by the caller)."""
    from feedback_classifier.render import build_report, write_report
    from feedback_classifier.tableio import write_table

    tax, lang, notes, period_col = plan.tax, plan.lang, plan.notes, plan.period_col
    if plan.empty_note and sinks.counts[0] and not sinks.counts[1]:
        notes.append(plan.empty_note)
    if not sinks.counts[0]:  # without --score-col a header-only export went unsaid
        from feedback_classifier.tableio.columns import warn_header_only

        warn_header_only(data)
    reduced = sinks.acc.table()
    rare = _rarely_found(reduced, tax, lang, comments=sinks.counts[1], weight=sinks.acc.WEIGHT)
    plan.model_info["rare"] = rare
    if rare:
        notes.append(f"Rarely found (under {_RARE_SHARE:.1%} of comments; check them before trusting their numbers): "
                     f"{', '.join(rare)}")
    drivers = _drivers(sinks.acc, reduced, spec, score_col=score_col, by=by, period_col=period_col, min_n=min_n,
                       n_boot=n_boot, seed=seed, tax=tax, data=data, notes=notes)
    if drivers is not None and sinks.polarity.seen:
        drivers.table = sinks.polarity.apply(drivers.table)  # each category's complaints and praise
    if plan.weight_col is not None:  # error rates correct counts of respondents, not weighted shares
        from feedback_classifier.jobs.drivers import warn_blank_weights

        warn_blank_weights(sinks.acc.blank_weights, sinks.acc.rows, plan.weight_col, data)
        rates = None
    if drivers is not None and rates:
        from feedback_classifier.insights.quantify import correct_drivers_result

        drivers = correct_drivers_result(drivers, rates, tax, seed=seed, **(rates_source or {}))
    drivers_path = None
    # yesterday's drivers table in another --format, or from a run with a score when today's has none, was
    # left beside today's report as if current (the queues of another format were already removed)
    stage.retire([f"drivers.{fmt}" for fmt in _TABLE_FORMATS])
    if drivers is not None:
        from feedback_classifier.render import translate_drivers_table  # matplotlib: only when drivers are written

        table = translate_drivers_table(drivers.table, tax, lang)
        table.attrs.update(plan.layout)
        drivers_path = stage.shown(write_table(table, stage.path(f"drivers.{table_fmt}"), fmt=table_fmt))

    out = stage.folder
    routing, queue_paths = sinks.router.finish(out / "queues", fmt=table_fmt, with_scores=drivers is not None,
                                               stage=stage)

    page = build_report(
        reduced.rename(columns={_COMMENT_KEY: text_col, _REVIEW_KEY: "needs_review"}), tax, text_col=text_col,
        score_col=score_col if drivers is not None else None, score_type=spec, lang=lang, drivers=drivers,
        routing=routing, by=by, period_col=period_col if drivers is not None else None, source=str(data),
        title=title, weight=sinks.acc.WEIGHT, quotes=sinks.pool.frame(), mask=mask, model_info=plan.model_info,
        tones=sinks.polarity.by_label() if sinks.polarity.seen else None,
        survey_weight=None if plan.weight_col is None else sinks.acc.SURVEY,
    )
    report_path = stage.shown(write_report(page, stage.path("report.html")))

    rows, comments, classified, needs_review = sinks.counts
    return AnalyzeResult(
        out_dir=out,
        enriched_path=enriched_path,
        report_path=report_path,
        drivers_path=Path(drivers_path) if drivers_path else None,
        queue_paths=queue_paths,
        rows=rows,
        comments=comments,
        classified=classified,
        needs_review=needs_review,
        lang=lang,
        period_col=period_col,
        enriched=None,
        routing=routing,
        drivers=drivers,
        notes=notes,
        taxonomy=tax,
        model_info=plan.model_info,
    )


_RARE_SHARE = 0.005


def _rarely_found(reduced: pd.DataFrame, tax: Any, lang: str, *, comments: int, weight: str) -> list[str]:
    """The parents the model tagged on fewer than ``_RARE_SHARE`` of the comments: with a model not
    trained on the user's labels, often categories it cannot see rather than ones nobody mentions."""
    if not comments or "categories" not in reduced:
        return []
    counts = dict.fromkeys((p for p, _ in tax.parents), 0.0)
    cells = reduced["categories"].astype("string").fillna("")
    for cell, w in zip(cells.tolist(), reduced[weight].tolist()):
        if not cell:
            continue
        for parent in {label[0] for label in tax.parse_labels(cell)}:
            counts[parent] = counts.get(parent, 0.0) + w
    return [tax.display_name((p, None), lang) for p, n in counts.items() if n < _RARE_SHARE * comments]


def _drivers(acc, reduced, spec, *, score_col, by, period_col, min_n, n_boot, seed, tax, data, notes):
    """The drivers from the accumulated table, or None without usable scores (said in ``notes``)."""
    from feedback_classifier.insights import parse_scores

    if not score_col:
        return None
    # each row of the reduced table is many: its hints weigh them
    parsed = parse_scores(reduced[score_col], spec, column=score_col,
                          weights=reduced[acc.WEIGHT].to_numpy(dtype=float))
    valid = parsed.valid & (reduced[acc.WEIGHT] > 0).to_numpy()
    # the reduced table has lost the rows' numbers, not their values: show a few of those
    bad = [repr(e) for kind, examples in parsed.issues.examples.items() if kind != "missing" for e in examples][:5]
    values = f", e.g. {', '.join(bad)}" if bad else ""
    if not valid.any() and not len(reduced):
        return None  # no rows, said once by _finish: not "check --score-col", the column is right
    if not valid.any():
        notes.append(
            f"No valid {spec.score_type.upper()} scores in '{score_col}'{values}: drivers skipped "
            "(check --score-col and --score-type)" + (f". {parsed.issues.hint}" if parsed.issues.hint else "")
        )
        return None
    drivers = acc.compute(
        score_type=spec.score_type, scale=spec.scale, higher_is_better=spec.higher_is_better, by=by,
        min_n=min_n, n_boot=n_boot, seed=seed, taxonomy=tax, source=str(data),
    )
    issues = drivers.score_issues
    if issues.n_invalid:
        # each kind with its first rows and values, as `drivers` says it: 'Like' in row 7602 is fixable
        details = f": {issues.details(5)}" if hasattr(issues, "details") else values
        notes.append(
            f"{_rows_have(issues.n_invalid)} no valid score in '{score_col}' (kept, left out of score statistics)"
            f"{details}" + (f". {parsed.issues.hint}" if parsed.issues.hint else "")
        )
    elif parsed.issues.hint:  # every score valid, yet of another score type (a 1-5 rating read as NPS)
        notes.append(parsed.issues.hint)
    date_issues = getattr(drivers, "date_issues", None)
    if date_issues is not None and date_issues.n_invalid:
        seen = ", ".join(repr(e) for e in date_issues.examples.get("unparseable", [])[:3])
        notes.append(f"{_rows_have(date_issues.n_invalid)} no readable date in '{period_col}'"
                     + (f", e.g. {seen}" if seen else "") + " (left out of the trend)")
    if date_issues is not None and date_issues.hint:  # (dates read one way of two: the user must know)
        notes.append(date_issues.hint)
    return drivers


def _rows_have(n: int) -> str:
    """
    >>> _rows_have(1), _rows_have(1200)
    ('1 row has', '1,200 rows have')
    """
    return f"{n:,} row has" if n == 1 else f"{n:,} rows have"
