"""``feedback-classifier classify``: add category columns to every row of an export."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from feedback_classifier.cli import options as opt
from feedback_classifier.cli.progress import lazy_stage, progress_for
from feedback_classifier.cli.render import classify_summary, err_console, trained_model

OLD_SPELLINGS = {"--explain": "--evidence", "--out-format": "--format"}
#: --format named the input format before the output option took its name
OLD_DISPLACED = {"--format": "--input-format"}


def classify_command(
    data: Annotated[Path, typer.Argument(
        help="Survey export: CSV/TSV, XLSX, Parquet or JSONL (a Parquet directory with --engine dask).")],
    text_col: opt.TextCol,
    out: Annotated[Path, typer.Option(
        "--out", "-o", help="Output file; its extension sets the format (.csv, .xlsx, .parquet, .jsonl).")],
    model: opt.Model = None,
    trust_model: opt.TrustModel = False,
    verify_key: opt.VerifyKey = None,
    fmt: Annotated[Optional[str], typer.Option(
        "--format", help=f"Output format when the extension does not tell: {opt.TABLE_FORMATS}.")] = None,
    input_format: opt.InputFormat = None,
    sheet: opt.Sheet = None,
    encoding: opt.Encoding = None,
    sep: opt.Sep = None,
    skip_rows: opt.SkipRows = None, header_row: opt.HeaderRow = None,
    encoding_errors: opt.EncodingErrors = "strict",
    lang: Annotated[Optional[str], typer.Option(
        "--lang", help="Language of the category names written, one of the model taxonomy's (en, ru for the bundled "
                       "model; default: the comments' majority language, as analyze, route and report pick it; "
                       "English with --engine dask).")] = None,
    probabilities: Annotated[bool, typer.Option(
        "--probabilities", help="Add a 'p: <category>' column per category.")] = False,
    evidence: opt.Evidence = False, mask_pii: opt.ClassifyMaskPii = False,
    review_margin: Annotated[float, typer.Option(
        "--review-margin", min=0.0, max=1.0,
        help="Flag for review when a predicted category's probability is less than this above its threshold.")] = 0.05,
    categories_col: Annotated[Optional[str], typer.Option(
        "--categories-col",
        help="Take the categories from this column (label syntax 'Service > Staff; Price', coded by hand or another "
             "tool) instead of predicting them; adds only category_sentiment (in the column's order) and sentiment.")] = None,
    sentiment: Annotated[bool, typer.Option(
        "--sentiment/--no-sentiment",
        help="Add category_sentiment (each category's polarity) and sentiment (the comment's: positive, negative, "
             "neutral or mixed); --no-sentiment saves the ~15% of the time they take.")] = True,
    prefix: opt.Prefix = "",
    jobs: opt.Jobs = 1,
    chunksize: opt.Chunksize = 50_000,
    quiet: opt.Quiet = False,
    tone_teacher: opt.ToneTeacher = "none",
    engine: Annotated[str, typer.Option(
        "--engine", help="pandas (files, streaming) or dask (Parquet datasets, clusters).")] = "pandas",
    scheduler: Annotated[Optional[str], typer.Option(
        "--scheduler", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (default: a local cluster).")] = None,
) -> None:
    """Add category columns (categories, parent_categories, confidence, needs_review, category_sentiment, sentiment) to every row of a survey export.

    Every row and column is kept, in order. Files of any size are streamed in chunks.

    Example: feedback-classifier classify survey.csv --text-col comment --out survey_classified.csv --jobs 2
    """
    from feedback_classifier.jobs import classify_file
    from feedback_classifier.model.default import describe_model, load_model_and_taxonomy

    _check_engine(engine, scheduler, prefix, mask_pii, paths=(data, out))
    clf, tax = load_model_and_taxonomy(opt.model_for_job(model, trust_model, verify_key), None)
    languages = tuple(getattr(tax, "languages", ("en",)))
    if lang is not None and lang not in languages:
        raise typer.BadParameter(f"'{lang}' is not a language of the model's taxonomy ({', '.join(languages)})",
                                 param_hint="--lang")
    settings = dict(model=clf, text_col=text_col, lang=lang, probabilities=probabilities, explain=evidence,
                    review_margin=review_margin)
    settings.update(_sentiment_settings(sentiment, categories_col, engine, tone_teacher, settings))
    if engine == "dask":
        from feedback_classifier.jobs.dask_engine import classify_parquet_dataset

        # a dataset on a cluster is not read ahead for its language: English unless --lang says
        summary = classify_parquet_dataset(data, out, scheduler=scheduler, workers=jobs, **settings)
    else:
        in_fmt, out_fmt = opt.split_formats(data, input_format, fmt)
        with progress_for(err_console, quiet=quiet, description="classifying", label="classified") as progress:
            reading = lazy_stage(progress, "reading with e5", "read with e5")
            summary = classify_file(data, out, out_fmt=out_fmt,
                                    read=opt.read_options(sheet, encoding, sep, skip_rows, encoding_errors, in_fmt, header_row),
                                    chunksize=chunksize, jobs=jobs, progress=progress, tone_progress=reading,
                                    prefix=prefix, mask_pii=mask_pii, **settings)
    classify_summary(summary, trained=trained_model(model, clf))
    if not quiet:
        typer.echo(f"Model: {describe_model(model, clf)}")
    _often_missed(model, tax, summary.lang, categories_col)  # under-counted categories: a note on the results


def _check_engine(engine: str, scheduler: Optional[str], prefix: str, mask_pii: bool = False,
                  paths: tuple[Path, Path] | None = None) -> None:
    opt.check_choice(engine, ("pandas", "dask"), "an engine", "--engine")
    if paths is not None and engine != "dask":  # (a dataset folder is the dask engine's input)
        from feedback_classifier.tableio.atomic import refuse_standard_output
        from feedback_classifier.tableio.reading import check_input_file

        # before the model: its first build (12-20 s) had come before "-: reading standard input is not supported"
        check_input_file(paths[0])
        refuse_standard_output(paths[1])
    if prefix and engine == "dask":
        raise typer.BadParameter("--prefix needs --engine pandas", param_hint="--prefix")
    if mask_pii and engine == "dask":
        raise typer.BadParameter("--mask-pii needs --engine pandas", param_hint="--mask-pii")
    if scheduler is not None and engine != "dask":
        raise typer.BadParameter("--scheduler needs --engine dask", param_hint="--scheduler")


def _often_missed(model, tax, lang: str, categories_col: Optional[str] = None) -> None:
    """Which categories the model rarely finds (recall under 60%), named in ``lang`` like the
    rest of the output, and how that is known; nothing when the categories were given, not found."""
    from feedback_classifier.jobs.audit_sample import often_missed

    if categories_col is not None:
        return

    names, source = often_missed(model if isinstance(model, (str, Path)) else None, tax, lang)
    if names:
        where = ("rough recall on real comments of other domains; label some of yours and pass --audit-sample to "
                 "analyze/drivers" if source == "default" else "cross-validated recall")
        typer.echo(f"Often missed ({where}): {', '.join(names)}")


def _sentiment_settings(sentiment: bool, categories_col: Optional[str], engine: str, tone_teacher: str,
                        given: dict) -> dict:
    """``classify_file`` settings of --no-sentiment / --categories-col / --tone-teacher (pandas engine only),
    checked against the ``given`` ones (--probabilities and --evidence describe predicted categories)."""
    described = "--probabilities" if given["probabilities"] else "--evidence" if given["explain"] else None
    if categories_col is not None and not sentiment:
        raise typer.BadParameter("--categories-col only adds sentiment; drop --no-sentiment", param_hint="--no-sentiment")
    if categories_col is not None and described:  # a usage error (exit 2), as --no-sentiment's
        raise typer.BadParameter(f"--categories-col only adds sentiment: {described} describes predicted categories; "
                                 f"drop {described}, or drop --categories-col to predict them", param_hint=described)
    settings = {"sentiment": False} if not sentiment else {}
    if categories_col is not None:
        settings["categories_col"] = categories_col
    if tone_teacher != "none":
        settings["tone_teacher"] = tone_teacher
    if settings and engine == "dask":
        raise typer.BadParameter("needs --engine pandas", param_hint="--categories-col / --no-sentiment / --tone-teacher")
    return settings
