"""``feedback-classifier route``: one queue file per owning team, plus review and summary."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from feedback_classifier.cli import options as opt
from feedback_classifier.lang.ui import count_noun
from feedback_classifier.cli.progress import lazy_stage, progress_for
from feedback_classifier.cli.render import console, err_console, routing_table, tone_tip


def route_command(
    data: Annotated[Path, typer.Argument(
        help="Survey export, or a classified file (with a 'categories' column: no model needed).")],
    text_col: opt.TextCol,
    out_dir: Annotated[Path, typer.Option("--out-dir", "-o", help="Folder for one file per team, review and summary.")],
    model: opt.Model = None,
    trust_model: opt.TrustModel = False,
    verify_key: opt.VerifyKey = None,
    taxonomy: Annotated[Optional[str], typer.Option(
        "--taxonomy", "-t", help="Taxonomy of a classified file (default: the model's, else cx-default).")] = None,
    score_col: Annotated[Optional[str], typer.Option(
        "--score-col", help="Score column: detractors first, then lower scores.")] = None,
    score_type: opt.ScoreType = "nps",
    scale: opt.Scale = None,
    lower_is_better: opt.LowerIsBetter = False,
    fmt: opt.RouteFormat = "csv",
    keep: Annotated[Optional[list[str]], typer.Option(
        "--keep", help="Column to carry into every queue (repeat, or comma-separate). Default: id-like columns.")] = None,
    lang: opt.QueueLang = None,
    complaints_only: Annotated[bool, typer.Option(
        "--complaints-only", help="Queue complaints only (categories judged negative); leave praise out.")] = False,
    input_format: opt.InputFormat = None,
    sheet: opt.Sheet = None,
    encoding: opt.Encoding = None,
    sep: opt.Sep = None,
    skip_rows: opt.SkipRows = None,
    header_row: opt.HeaderRow = None,
    encoding_errors: opt.EncodingErrors = "strict",
    mask: opt.Mask = True,
    chunksize: opt.Chunksize = 100_000,
    tone_teacher: opt.ToneTeacher = "auto",
    quiet: opt.Quiet = False,
) -> None:
    """Send each comment to the team(s) owning its categories; uncertain ones also go to a review queue.

    Queues are most urgent first: complaints, then detractors, then lower score, then the most confident.

    Example: feedback-classifier route survey.csv --text-col comment --score-col nps --out-dir queues/ --keep response_id
    """
    from feedback_classifier.jobs import route_file

    opt.check_choice(fmt, opt.QUEUE_FORMATS, "a queue format", "--format")
    model = opt.model_for_job(model, trust_model, verify_key)
    # a long route in a nightly log said nothing for minutes: its rows are reported as classify's are
    with progress_for(err_console, quiet=quiet, description="routing", label="routed") as progress:
        result = route_file(
            data, out_dir, text_col=text_col, model=model, taxonomy=taxonomy, score_col=score_col,
            score_type=score_type, scale=scale, higher_is_better=not lower_is_better, keep=opt.split_keep(keep),
            lang=lang, fmt=fmt, mask=mask, complaints_only=complaints_only, chunksize=chunksize,
            tone_teacher=tone_teacher, tone_progress=lazy_stage(progress, "reading with e5", "read with e5"),
            progress=progress, read=opt.read_options(sheet, encoding, sep, skip_rows, encoding_errors, input_format, header_row),
        )
    for note in result.notes:
        typer.echo(note)
    if result.classified_here:
        typer.echo(f"Classified {count_noun(result.rows, 'row')}.")
    console.print(routing_table(result.routing.summary, f"Routing of {count_noun(result.rows, 'row')}", score_type))
    if result.score_issues is not None and result.score_issues.n_invalid:
        # "They are not ordered..." after the summary read as about its last sentence, the answer labels read as scores
        typer.echo(result.score_issues.summary(max_rows=5) + " Rows without a valid score are routed all the same, "
                   "after the scored ones of their queue (complaints first, as always).")
    typer.echo(f"Wrote {count_noun(len(result.paths), 'file')} to {out_dir} (summary: {result.paths['summary'].name})")
    tone_tip(tone_teacher, result.classified_here and model is None)  # the default model: the bundled sentiment model
