"""``feedback-classifier report``: rebuild the HTML report from a classified file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from feedback_classifier.cli import options as opt
from feedback_classifier.lang.ui import count_noun
from feedback_classifier.cli.render import metric_line


def report_command(
    data: Annotated[Path, typer.Argument(
        help="A classified file (output of classify or analyze, with a 'categories' column).")],
    text_col: opt.TextCol,
    out: Annotated[Path, typer.Option("--out", "-o", help="HTML file to write.")] = Path("report.html"),
    score_col: opt.ScoreCol = None,
    taxonomy: Annotated[Optional[str], typer.Option(
        "--taxonomy", "-t", help="Taxonomy the file was classified with (default: the model's, else cx-default).")] = None,
    model: Annotated[Optional[Path], typer.Option(
        "--model", "-m", help="Model file that classified the file: the report says how it was validated and "
                              "corrects the drivers for its cross-validated errors, as analyze does.")] = None,
    trust_model: opt.TrustModel = False,
    verify_key: opt.VerifyKey = None,
    audit_sample: opt.AuditSample = None,
    by: opt.By = None,
    period_col: opt.PeriodCol = None,
    period: opt.Period = "month",
    lang: opt.Lang = None,
    score_type: opt.ScoreType = "nps",
    scale: opt.Scale = None,
    lower_is_better: opt.LowerIsBetter = False,
    title: opt.Title = None,
    input_format: opt.InputFormat = None,
    sheet: opt.Sheet = None,
    encoding: opt.Encoding = None,
    sep: opt.Sep = None,
    skip_rows: opt.SkipRows = None,
    header_row: opt.HeaderRow = None,
    encoding_errors: opt.EncodingErrors = "strict",
    mask: opt.Mask = True,
    weight_col: opt.WeightCol = None,
    quiet: opt.Quiet = False,
) -> None:
    """Rebuild the self-contained HTML report from a classified file.

    Example: feedback-classifier report out/survey.enriched.csv --text-col comment --score-col nps --out report.html
    """
    from feedback_classifier.jobs import report_file

    result = report_file(
        data, out, text_col=text_col, score_col=score_col, taxonomy=taxonomy, score_type=score_type, scale=scale,
        model=opt.model_for_job(model, trust_model, verify_key), audit_sample=audit_sample,
        higher_is_better=not lower_is_better, by=by, period_col=period_col, freq=period, lang=lang,
        title=title, mask=mask, read=opt.read_options(sheet, encoding, sep, skip_rows, encoding_errors, input_format, header_row),
        weight_col=weight_col,
    )
    for note in result.notes:
        typer.echo(note)
    if result.drivers is not None:
        typer.echo(metric_line(result.drivers))
        if weighting := result.drivers.weighting():
            typer.echo(weighting)
    typer.echo(f"Wrote {result.path} ({count_noun(result.rows, 'row')})")
