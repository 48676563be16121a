"""train / evaluate: read a labelled table, fit or score a FeedbackClassifier, save the model."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from feedback_classifier.errors import LabelError
from feedback_classifier.model import (
    EvaluationReport,
    FeedbackClassifier,
    cross_validate_model,
    embedding_params,
    evaluate_predictions,
    load_model,
    save_model,
)
from feedback_classifier.tableio import read_table, require_columns
from feedback_classifier.taxonomy import Label, Taxonomy, infer_taxonomy, load_taxonomy, slugify


@dataclass
class LabelledData:
    """Texts and parsed labels read from a labelled table."""

    texts: list[str]
    labels: list[list[Label]]
    groups: list | None
    taxonomy: object
    taxonomy_inferred: bool


@dataclass
class TrainResult:
    """What ``train_file`` did: the model, where it went, and its cross-validated quality."""

    model: object
    path: object
    rows: int
    taxonomy_inferred: bool
    cv_report: EvaluationReport | None
    fit_seconds: float


def read_labelled_table(
    data,
    *,
    text_col: str = "text",
    labels_col: str = "labels",
    taxonomy=None,
    group_col: str | None = None,
) -> LabelledData:
    """Read a labelled CSV/XLSX/... and parse its label cells.

    ``taxonomy``: a ``Taxonomy``, a bundled name (``cx-default``) or a YAML path; when
    ``None`` it is inferred from the label cells. An unknown label raises ``LabelError``
    naming the 1-based data row, the column and the closest taxonomy paths.
    """
    df = read_table(data)
    needed = [text_col, labels_col] + ([group_col] if group_col else [])
    require_columns(df, needed, source=str(data))
    cells = df[labels_col].tolist()
    inferred = taxonomy is None
    if taxonomy is None:
        taxonomy = infer_taxonomy(cells, name=_stem(data), column=labels_col, source=str(data))
    elif not isinstance(taxonomy, Taxonomy):
        taxonomy = load_taxonomy(taxonomy)
    labels = [
        taxonomy.parse_labels(cell, row=i + 1, column=labels_col, source=str(data)) for i, cell in enumerate(cells)
    ]
    texts = ["" if _missing(t) else str(t) for t in df[text_col].tolist()]
    groups = None
    if group_col:
        groups = ["" if _missing(g) else str(g) for g in df[group_col].tolist()]
    return LabelledData(texts, labels, groups, taxonomy, inferred)


def train_file(
    data,
    out,
    *,
    text_col: str = "text",
    labels_col: str = "labels",
    taxonomy=None,
    group_col: str | None = None,
    cv: int = 5,
    params: dict | None = None,
    embeddings: str = "none",
) -> TrainResult:
    """Train a FeedbackClassifier on a labelled table, cross-validate it, save it to ``out``.

    ``cv`` folds (grouped by ``group_col`` when given) measure the model before the
    final fit on all rows; ``cv < 2`` skips the measurement. The taxonomy (given or
    inferred) and the metrics are stored in the model file's header. ``embeddings``
    adds English vectors from MiniLM to the features (needs the ``embeddings`` extra to
    train): ``"static"`` (token vectors distilled once, stored in the model, fast to
    predict without torch), ``"context"`` (the same vectors fitted to the training
    texts' contexts: more accurate, as fast to predict) or ``"minilm"`` (full sentence
    embeddings: a few hundred comments/s, the extra needed to predict too); see
    ``embedding_params``.

    >>> import tempfile, os, pandas as pd
    >>> d = tempfile.mkdtemp()
    >>> pd.DataFrame({"text": ["late courier", "rude staff"] * 6,
    ...               "labels": ["Delivery", "Service > Staff"] * 6}).to_csv(f"{d}/l.csv", index=False)
    >>> r = train_file(f"{d}/l.csv", f"{d}/m.joblib", cv=2)
    >>> r.rows, r.taxonomy_inferred, r.model.predict_labels(["rude staff"])
    (12, True, [[('service', 'staff')]])
    """
    table = read_labelled_table(
        data, text_col=text_col, labels_col=labels_col, taxonomy=taxonomy, group_col=group_col
    )
    if not any(table.labels):
        raise LabelError(f"{data}: column '{labels_col}' has no labels; label some rows to train on.")
    params = {**embedding_params(embeddings), **(params or {})}
    estimator = FeedbackClassifier(taxonomy=table.taxonomy, **params)
    report = None
    if cv >= 2:
        report = cross_validate_model(estimator, table.texts, table.labels, groups=table.groups, cv=cv)
    start = time.perf_counter()
    model = estimator.fit(table.texts, table.labels, groups=table.groups)
    fit_seconds = time.perf_counter() - start
    metrics = report.summary() if report is not None else {}
    if report is not None and report.predictions is not None:
        from feedback_classifier.insights.quantify import error_rates_from_labels, rates_to_metrics

        # out-of-fold confusion counts per category: what analyze/drivers correct shares with
        metrics["category_errors"] = rates_to_metrics(error_rates_from_labels(table.labels, report.predictions))
    path = save_model(model, out, metrics=metrics, training_rows=len(table.texts))
    return TrainResult(model, path, len(table.texts), table.taxonomy_inferred, report, fit_seconds)


def evaluate_file(data, model_path, *, text_col: str = "text", labels_col: str = "labels") -> EvaluationReport:
    """Score a saved model on a labelled table (labels parsed with the model's taxonomy)."""
    model = load_model(model_path)
    table = read_labelled_table(data, text_col=text_col, labels_col=labels_col, taxonomy=model.taxonomy_)
    predicted = model.predict_labels(table.texts)
    return evaluate_predictions(table.labels, predicted, model.taxonomy_)


def _missing(value) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _stem(path) -> str:
    return slugify(Path(str(path)).stem) or "inferred"
