"""``feedback-classifier analyze``: classify, drivers, queues and report in one go."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from feedback_classifier.cli import options as opt
from feedback_classifier.cli.progress import lazy_stage, progress_for
from feedback_classifier.cli.render import analyze_summary, err_console, tone_tip

OLD_SPELLINGS = {"--queue-format": "--format"}
#: --format named the input format before the output option took its name
OLD_DISPLACED = {"--format": "--input-format"}


def analyze_command(
    data: Annotated[Path, typer.Argument(help="Survey export: CSV/TSV, XLSX, Parquet or JSONL.")],
    text_col: opt.TextCol,
    out_dir: Annotated[Path, typer.Option(
        "--out-dir", "-o", help="Folder for the enriched table, drivers, queues and report.html.")],
    score_col: opt.ScoreCol = None,
    model: opt.Model = None,
    trust_model: opt.TrustModel = False,
    verify_key: opt.VerifyKey = None,
    taxonomy: opt.Taxonomy = None,
    by: opt.By = None,
    period_col: opt.PeriodCol = None,
    period: opt.Period = "month",
    lang: opt.Lang = None,
    score_type: opt.ScoreType = "nps",
    scale: opt.Scale = None,
    lower_is_better: opt.LowerIsBetter = False,
    keep: opt.Keep = None,
    fmt: opt.QueueFormat = None,
    input_format: opt.InputFormat = None,
    sheet: opt.Sheet = None,
    encoding: opt.Encoding = None,
    sep: opt.Sep = None,
    skip_rows: opt.SkipRows = None,
    header_row: opt.HeaderRow = None,
    encoding_errors: opt.EncodingErrors = "strict",
    title: opt.Title = None,
    min_n: opt.MinN = 30,
    jobs: opt.Jobs = 1,
    chunksize: opt.Chunksize = 50_000,
    quiet: opt.Quiet = False,
    evidence: opt.Evidence = True,
    mask: opt.Mask = True,
    mask_pii: opt.MaskPii = False,
    audit_sample: opt.AuditSample = None,
    weight_col: opt.WeightCol = None,
    tone_teacher: opt.ToneTeacher = "auto",
) -> None:
    """Classify, find what drives the score, route to teams and write an HTML report — in one go.

    Streams the file: memory depends on --chunksize, not on the number of rows. The enriched
    table keeps the input's format; --format sets the drivers' and queues' (default: like the input).

    Example: feedback-classifier analyze survey.csv --text-col comment --score-col nps --out-dir out/ --by region
    """
    from feedback_classifier.jobs.analyze import analyze

    in_fmt, out_fmt = opt.split_formats(data, input_format, fmt)
    # a bad choice is a usage error (exit 2) before any work, as route's --format: it was exit 1, after e5's minute
    opt.check_choice(None if out_fmt is None else out_fmt.lower().lstrip("."), opt.QUEUE_FORMATS, "a queue format",
                     "--format")
    model = opt.model_for_job(model, trust_model, verify_key)
    with progress_for(err_console, quiet=quiet, description="analyzing", label="analyzed") as progress:
        result = analyze(
            data, text_col=text_col, out_dir=out_dir, score_col=score_col, model=model, taxonomy=taxonomy, by=by,
            period_col=period_col, freq=period, lang=lang, score_type=score_type, scale=scale,
            higher_is_better=not lower_is_better, keep=opt.split_keep(keep),
            read=opt.read_options(sheet, encoding, sep, skip_rows, encoding_errors, in_fmt, header_row), queue_format=out_fmt,
            title=title, min_n=min_n, jobs=jobs, chunksize=chunksize, explain=evidence, progress=progress,
            mask=mask, mask_pii=mask_pii, audit_sample=audit_sample, tone_teacher=tone_teacher, weight_col=weight_col,
            tone_progress=lazy_stage(progress, "reading with e5", "read with e5"),
        )
    analyze_summary(result, score_col=score_col)
    info = result.model_info  # the bundled sentiment model, as it is (not taught by scores)
    tone_tip(tone_teacher, info.get("kind") == "default"
             or bool(info.get("bundled_sentiment") and not info.get("sentiment_from_scores")))
