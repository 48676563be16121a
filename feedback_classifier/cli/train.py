"""``feedback-classifier train`` and ``evaluate``: your own model, and how good it is."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from feedback_classifier.cli import options as opt
from feedback_classifier.cli.render import (
    caught_table,
    confusions_table,
    console,
    metrics_table,
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
        help="Add English MiniLM vectors (needs the 'embeddings' extra to train): 'static' = distilled token "
             "vectors, fast, predicts without the extra; 'context' = the same fitted to the training comments' "
             "contexts (most accurate fast model); 'minilm' = full sentence model, slow, needs the extra to predict too.",
    )] = "none",
    no_labels: Annotated[bool, typer.Option(
        "--no-labels",
        help="No labelled comments: learn from the --taxonomy's keywords, names and descriptions and from "
             "the file's own comments (weak labels, then self-training); prints what each category caught.",
    )] = False,
) -> None:
    """Train a classifier on labelled comments, report cross-validated F1 and save it.

    Example: feedback-classifier train labelled.csv --text-col comment --labels-col labels --taxonomy cx-default --out models/cx.joblib

    Without labels: feedback-classifier train comments.csv --text-col comment --taxonomy my.yaml --no-labels --out models/my.joblib
    """
    from feedback_classifier.jobs import train_file
    from feedback_classifier.model import EMBEDDINGS

    if no_labels:
        _train_without_labels(data, out, text_col, taxonomy)
        return

    if embeddings not in EMBEDDINGS:
        raise typer.BadParameter(f"'{embeddings}' is not one of {', '.join(EMBEDDINGS)}", param_hint="--embeddings")
    result = train_file(data, out, text_col=text_col, labels_col=labels_col, taxonomy=taxonomy,
                        group_col=group_col, cv=cv, embeddings=embeddings)
    tax = result.model.taxonomy_
    how = "inferred from the labels" if result.taxonomy_inferred else "given"
    typer.echo(f"Trained on {result.rows:,} rows in {result.fit_seconds:.1f} s; taxonomy '{tax.name}' ({how}), "
               f"{len(result.model.classes_)} categories.")
    if result.cv_report is not None:
        r = result.cv_report
        console.print(metrics_table(r, f"{r.extra['cv_folds']}-fold cross-validated metrics"))
        typer.echo(f"Cross-validated micro-F1: {r.path_micro_f1:.3f} (full path), {r.parent_micro_f1:.3f} (parent); "
                   f"macro-F1: {r.path_macro_f1:.3f} (full path), {r.parent_macro_f1:.3f} (parent)")
    typer.echo(f"Saved model to {result.path}")


def _train_without_labels(data: Path, out: Path, text_col: str, taxonomy: Optional[str]) -> None:
    from feedback_classifier.jobs import train_without_labels_file

    if taxonomy is None:
        raise typer.BadParameter("--no-labels needs --taxonomy: its keywords are what the model starts from",
                                 param_hint="--taxonomy")
    result = train_without_labels_file(data, out, text_col=text_col, taxonomy=taxonomy)
    tax = result.model.taxonomy_
    typer.echo(f"Trained without labels on {result.rows:,} comments in {result.fit_seconds:.1f} s; taxonomy "
               f"'{tax.name}': {result.weak:,} comments labelled by keywords, {result.self_trained:,} more by "
               "self-training. Not validated against labels: check the examples below.")
    console.print(caught_table(result.caught, tax, result.rows))
    typer.echo(f"Saved model to {result.path}")


def evaluate_command(
    data: LabelledData,
    model: Annotated[Path, typer.Option("--model", "-m", help="Model file from `train`.")],
    text_col: opt.TextCol = "text",
    labels_col: Annotated[str, typer.Option("--labels-col", help="Column with the gold labels.")] = "labels",
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON instead of tables.")] = False,
) -> None:
    """Score a model on labelled comments: micro/macro F1, per-category table, confusions.

    Example: feedback-classifier evaluate holdout.csv --model models/cx.joblib --text-col comment --labels-col labels
    """
    import json

    from feedback_classifier.jobs import evaluate_file

    report = evaluate_file(data, model, text_col=text_col, labels_col=labels_col)
    if as_json:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return
    console.print(metrics_table(report, f"{report.n_rows:,} rows"))
    console.print(per_category_table(report))
    if len(report.confused_pairs):
        console.print(confusions_table(report))
