"""``feedback-classifier classify``: add category columns to every row of an export."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from feedback_classifier.cli import options as opt
from feedback_classifier.cli.progress import progress_for
from feedback_classifier.cli.render import classify_summary, err_console

OLD_SPELLINGS = {"--explain": "--evidence", "--out-format": "--format"}


def classify_command(
    data: Annotated[Path, typer.Argument(
        help="Survey export: CSV/TSV, XLSX, Parquet or JSONL (a Parquet directory with --engine dask).")],
    text_col: opt.TextCol,
    out: Annotated[Path, typer.Option(
        "--out", "-o", help="Output file; its extension sets the format (.csv, .xlsx, .parquet, .jsonl).")],
    model: opt.Model = None,
    fmt: Annotated[Optional[str], typer.Option(
        "--format", help=f"Output format when the extension does not tell: {opt.TABLE_FORMATS}.")] = None,
    input_format: opt.InputFormat = None,
    sheet: opt.Sheet = None,
    encoding: opt.Encoding = None,
    sep: opt.Sep = None,
    lang: Annotated[str, typer.Option("--lang", help="Language of the category names written, one of the model "
                                                     "taxonomy's (en, ru for the bundled model).")] = "en",
    probabilities: Annotated[bool, typer.Option(
        "--probabilities", help="Add a 'p: <category>' column per category.")] = False,
    evidence: opt.Evidence = False,
    review_margin: Annotated[float, typer.Option(
        "--review-margin", min=0.0, max=1.0,
        help="Flag for review when a predicted category's probability is less than this above its threshold.")] = 0.05,
    jobs: opt.Jobs = 1,
    chunksize: opt.Chunksize = 50_000,
    quiet: opt.Quiet = False,
    engine: Annotated[str, typer.Option(
        "--engine", help="pandas (files, streaming) or dask (Parquet datasets, clusters).")] = "pandas",
    scheduler: Annotated[Optional[str], typer.Option(
        "--scheduler", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (default: a local cluster).")] = None,
) -> None:
    """Add category columns (categories, parent_categories, confidence, needs_review) to every row of a survey export.

    Every row and column is kept, in order. Files of any size are streamed in chunks.

    Example: feedback-classifier classify survey.csv --text-col comment --out survey_classified.csv --jobs 2
    """
    from feedback_classifier.jobs import classify_file
    from feedback_classifier.model.default import describe_model, load_model_and_taxonomy

    opt.check_choice(engine, ("pandas", "dask"), "an engine", "--engine")
    if scheduler is not None and engine != "dask":
        raise typer.BadParameter("--scheduler needs --engine dask", param_hint="--scheduler")
    clf, tax = load_model_and_taxonomy(model, None)
    languages = tuple(getattr(tax, "languages", ("en",)))
    if lang not in languages:
        raise typer.BadParameter(
            f"'{lang}' is not a language of the model's taxonomy ({', '.join(languages)})", param_hint="--lang"
        )
    settings = dict(model=clf, text_col=text_col, lang=lang, probabilities=probabilities, explain=evidence,
                    review_margin=review_margin)
    if engine == "dask":
        from feedback_classifier.jobs.dask_engine import classify_parquet_dataset

        summary = classify_parquet_dataset(data, out, scheduler=scheduler, workers=jobs, **settings)
    else:
        in_fmt, out_fmt = opt.split_formats(data, input_format, fmt)
        with progress_for(err_console, quiet=quiet, description="classifying", label="classified") as progress:
            summary = classify_file(data, out, fmt=in_fmt, out_fmt=out_fmt, sheet=sheet, encoding=encoding, sep=sep,
                                    chunksize=chunksize, jobs=jobs, progress=progress, **settings)
    classify_summary(summary)
    if not quiet:
        typer.echo(f"Model: {describe_model(model, clf)}")
