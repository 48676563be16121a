"""``feedback-classifier drivers``: which categories move the score, with intervals, by segment and over time."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Annotated, Optional

import typer

from feedback_classifier.cli import options as opt
from feedback_classifier.lang.ui import count_noun
from feedback_classifier.cli.progress import lazy_progress
from feedback_classifier.cli.render import drivers_summary, err_console, tone_tip

OLD_SPELLINGS = {"--freq": "--period"}


def _check_arguments(out: Path | None, polarity: str | None, model: Path | None, text_col: str | None) -> None:
    """Usage errors (exit code 2) before any file is read."""
    from feedback_classifier.jobs.drivers import OUT_FORMATS

    if out is not None and out.suffix.lower().lstrip(".") not in OUT_FORMATS:
        raise typer.BadParameter(f"'{out.name}': use a .csv, .xlsx, .parquet, .jsonl or .md file", param_hint="--out")
    if polarity is not None:
        opt.check_choice(polarity, ("negative", "positive", "neutral"), "a polarity", "--polarity")
    if model is not None and text_col is None:
        raise typer.BadParameter("--model needs --text-col (the comment column to classify)", param_hint="--text-col")


def drivers_command(
    data: Annotated[Path, typer.Argument(help="Table with a categories column (from `classify`) and a score column: "
                                              "CSV/TSV, XLSX, Parquet or JSONL.")],
    score_col: Annotated[str, typer.Option("--score-col", help="Column with the scores (e.g. nps).")],
    score_type: opt.ScoreType = "nps",
    scale: opt.Scale = None,
    lower_is_better: opt.LowerIsBetter = False,
    categories_col: Annotated[str, typer.Option(
        "--categories-col", help="Column with the categories ('Parent > Child; Parent').")] = "categories",
    by: opt.By = None,
    period_col: opt.PeriodCol = None,
    period: opt.Period = "month",
    min_n: opt.MinN = 30,
    weight_col: opt.WeightCol = None,
    model: Annotated[Optional[Path], typer.Option(
        "--model", "-m", help="Classify on the fly with this model file (needs --text-col).")] = None,
    trust_model: opt.TrustModel = False,
    verify_key: opt.VerifyKey = None,
    text_col: Annotated[Optional[str], typer.Option(
        "--text-col", help="Comment column to classify on the fly (default model unless --model).")] = None,
    taxonomy: Annotated[Optional[str], typer.Option(
        "--taxonomy", "-t", help="Taxonomy (bundled name or YAML path) to match category names against.")] = None,
    out: Annotated[Optional[Path], typer.Option(
        "--out", "-o", help="Write the table: .csv/.xlsx/.parquet/.jsonl (regression, segments, trend go to "
                            "<name>_regression.<ext> etc.) or .md (one document).")] = None,
    charts: Annotated[Optional[Path], typer.Option(
        "--charts", help="Folder for PNG charts (impact bars, priority matrix).")] = None,
    top: Annotated[int, typer.Option("--top", min=1, help="Rows shown per table in the terminal.")] = 15,
    n_boot: Annotated[int, typer.Option(
        "--boot", min=0, help="Bootstrap replicates for the impact intervals (0 = none).")] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the bootstrap.")] = 0,
    confidence: Annotated[float, typer.Option(
        "--confidence", min=0.5, max=0.999, help="Confidence level of the intervals.")] = 0.95,
    polarity: Annotated[Optional[str], typer.Option(
        "--polarity", help="Count only the mentions of this polarity (negative, positive, neutral) from the "
                           "category_sentiment column: --polarity negative gives the impact of complaints alone.")] = None,
    input_format: opt.InputFormat = None,
    sheet: opt.Sheet = None,
    encoding: opt.Encoding = None,
    sep: opt.Sep = None,
    skip_rows: opt.SkipRows = None,
    header_row: opt.HeaderRow = None,
    encoding_errors: opt.EncodingErrors = "strict",
    audit_sample: opt.AuditSample = None,
    lang: opt.DriversLang = None,
    chunksize: opt.Chunksize = 50_000,
    tone_teacher: opt.ToneTeacher = "auto",
    quiet: opt.Quiet = False,
) -> None:
    """Show which categories drive NPS/CSAT/CES: impact with confidence intervals, key-driver regression, segments, trend.

    Example: feedback-classifier drivers survey_classified.csv --score-col nps --by region --out drivers.xlsx --charts charts/
    """
    from feedback_classifier.jobs.drivers import drivers_file

    _check_arguments(out, polarity, model, text_col)
    model = opt.model_for_job(model, trust_model, verify_key)
    # --text-col reads comments with e5 first (a minute of progress lines in a log): as classify's, silenced by --quiet
    shown = nullcontext() if quiet else lazy_progress(err_console, description="reading with e5", label="read with e5")
    with shown as reading:
        result = drivers_file(
            data, score_col=score_col, score_type=score_type, scale=scale, higher_is_better=not lower_is_better,
            categories_col=categories_col, by=by, period_col=period_col, freq=period, min_n=min_n, model=model,
            text_col=text_col, taxonomy=taxonomy, out=out, charts=charts, top=top, n_boot=n_boot, seed=seed,
            confidence=confidence, polarity=polarity, audit_sample=audit_sample, lang=lang, chunksize=chunksize,
            read=opt.read_options(sheet, encoding, sep, skip_rows, encoding_errors, input_format, header_row),
            tone_teacher=tone_teacher, tone_progress=reading, weight_col=weight_col,
        )
    for note in result.notes:
        typer.echo(note)
    segments_file = next((p for p in result.paths if p.stem.endswith("_segments") or p.suffix == ".md"), None)
    drivers_summary(result.drivers, by=by, top=top, confidence=confidence, segments_file=segments_file,
                    why=result.uncategorised_why)
    if result.paths:
        typer.echo("Wrote " + ", ".join(str(p) for p in result.paths))
    if charts is not None:
        typer.echo(f"Wrote {count_noun(len(result.chart_paths), 'chart')} to {charts}")
    tone_tip(tone_teacher, text_col is not None and model is None)  # the default model: the bundled sentiment model
