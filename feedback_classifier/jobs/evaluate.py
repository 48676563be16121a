"""``feedback-classifier evaluate``'s job: a saved model scored on a labelled table."""

from __future__ import annotations

import os

from feedback_classifier.errors import InputWarning, LabelError, warn
from feedback_classifier.jobs.fold_groups import repeated_rows_note
from feedback_classifier.jobs.labelbook import names_language
from feedback_classifier.jobs.train import AUTO_SENTIMENT, _check_opinions, read_labelled_table
from feedback_classifier.model import EvaluationReport, evaluate_predictions, load_model
from feedback_classifier.tableio import DEFAULT_READ, ReadOptions
from feedback_classifier.taxonomy.labels import cell_items, is_missing


def evaluate_file(
    data, model_path, *, text_col: str = "text", labels_col: str = "labels", sentiment_col: str | None = None,
    read: ReadOptions = DEFAULT_READ, lang: str | None = None,
) -> EvaluationReport:
    """Score a saved model (a model file, or a fitted classifier) on a labelled table (labels parsed
    with the model's taxonomy; categories named in ``lang``, default the comments' majority language).

    With ``sentiment_col`` (or a column named ``polarities``) ``extra`` also holds the
    polarity accuracy given the gold categories (SemEval-2016 slot 3: one judgement per
    gold opinion) and the joint (category, polarity) micro-F1; see ``model/sentiment_eval.py``.
    ``read`` says how to read ``data`` (encoding, delimiter, sheet...). ``text_col`` and ``labels_col``
    name the comment and label columns; ``model_path`` may be a fitted model instead of a file.

    >>> import os, tempfile, pandas as pd
    >>> from feedback_classifier.model import default_model
    >>> src = os.path.join(tempfile.mkdtemp(), "gold.csv")
    >>> pd.DataFrame({"text": ["The courier was two days late", "Way too expensive for what it is"],
    ...               "labels": ["Delivery and logistics > Delivery time", "Price and value > Too expensive"]}
    ...              ).to_csv(src, index=False)
    >>> report = evaluate_file(src, default_model())
    >>> report.n_rows, report.parent_micro_f1
    (2, 1.0)
    """
    from feedback_classifier.model.enrichment import _collapse, predict_as_classified
    from feedback_classifier.model.sentiment_eval import polarity_metrics
    from feedback_classifier.model.tones import sentiment_model_of

    model = model_path if hasattr(model_path, "predict_labels") else load_model(model_path)
    try:
        table = read_labelled_table(data, text_col=text_col, labels_col=labels_col, taxonomy=model.taxonomy_,
                                    sentiment_col=sentiment_col or AUTO_SENTIMENT, read=read)
    except LabelError as exc:
        _refuse_another_models_labels(exc, data, labels_col, model, model_path, read)
        if getattr(exc, "label", None) is None or getattr(exc, "column", None) != labels_col:
            raise
        if model.taxonomy_._paths_of_child(str(exc.label).strip()):
            raise  # a subcategory without its parent: the error names its paths, the model knows them
        # "add the category to the taxonomy" cannot be done to a trained model: a holdout with a category
        # the few labels so far never named stopped evaluate with no way on
        hinted = LabelError(
            f"{str(exc).rstrip('.')}. If it is no typo, the model never learned it (a taxonomy inferred from "
            "training labels has only the categories they name): train with --taxonomy listing every category, "
            "or leave the rows with it out of the evaluation file.")
        hinted.__dict__.update(exc.__dict__)  # (the row, column and label, for library callers)
        raise hinted from None
    if not any(table.labels):  # every F1 would be 0 (nothing to find): a wrong column, not a bad model
        raise LabelError(
            f"{data}: column '{labels_col}' has no labels in any of its {len(table.labels):,} rows, so there is "
            "nothing to score the model against; pass the column with your categories as --labels-col"
        )
    # scored as `classify` tags the comments (their parts too), not on the whole text alone
    predicted = predict_as_classified(model, list(table.texts))
    report = evaluate_predictions(table.labels, predicted, model.taxonomy_,
                                  lang=names_language(table.texts, model.taxonomy_, lang))
    if table.skipped:
        report.extra["skipped_rows"] = table.skipped
    report.extra.update(_against_training(report, model_path, model))
    if _is_training_file(data, model, table):
        report.extra["scored_training_file"] = True
    repeated = repeated_rows_note(table.frame, data, "each copy is scored again, so its comments weigh double")
    if repeated:
        warn(InputWarning(repeated.removeprefix("Warning: ")))
    if table.opinions is not None and not any(table.opinions):
        if sentiment_col is not None:  # (a 'polarities' column found by its name and left empty says nothing)
            _check_opinions(table.opinions, data, sentiment_col, both_sides=False)
    elif table.opinions is not None:
        # a labelled row whose polarity cell is empty was not coded for polarity: the joint F1 would count
        # every category predicted there as a wrong (category, polarity) pair
        coded = [i for i, (labs, ops) in enumerate(zip(table.labels, table.opinions)) if ops or not labs]
        deepest = [_collapse(list(predicted[i])) for i in coded]
        report.extra.update(polarity_metrics(sentiment_model_of(model), [table.texts[i] for i in coded],
                                             [table.opinions[i] for i in coded], deepest))
        if len(coded) < len(table.labels):
            report.extra["polarity_uncoded_rows"] = len(table.labels) - len(coded)
    return report


def _against_training(report: EvaluationReport, model_path, model) -> dict:
    """What the report's command should add: ``never_given``, the categories the file labels that the
    model gave no row (name and gold count), and ``cv_path_micro_f1``, the model's own cross-validated
    figure, when ``train`` measured one. A SaaS model cross-validated at 0.989 scored 0.229 on 200
    held-out comments and never gave 4 of its 9 subcategories; evaluate's tables showed the zeros,
    and nothing compared them with what train had said."""
    from feedback_classifier.model.default import model_facts

    per = report.per_category
    never = per[(per["support"] > 0) & (per["predicted"] == 0)]
    out: dict = {"never_given": [[name, int(n)] for name, n in zip(never["category"], never["support"])]}
    facts = model_facts(model_path, model)
    metrics = facts.get("metrics") or {}
    if facts["kind"] == "trained" and isinstance(metrics.get("path_micro_f1"), (int, float)):
        out["cv_path_micro_f1"] = float(metrics["path_micro_f1"])
    return out


def _is_training_file(data, model, table) -> bool:
    """True, with an ``InputWarning``, when ``data`` holds the very rows ``model`` was trained on: the
    same (comment, labels) rows in any order and layout (the header's ``content_sha256``; only the
    file's bytes for a model trained before it), so the training file re-saved by Excel counts too. Its
    scores then say how well the model remembers its labels, not how well it labels new comments
    (SemEval English, a model's own 1,616 training rows: micro-F1 0.92 against 0.72 on reviews it never
    saw), and they were printed with no word of it."""
    from feedback_classifier.jobs.training_facts import content_sha256, file_sha256
    from feedback_classifier.model.persist import metadata_of

    training = (metadata_of(model) or {}).get("training")
    if not isinstance(training, dict):
        return False
    same_rows = bool(training.get("content_sha256")) and content_sha256(table.texts, table.labels) == training[
        "content_sha256"]
    same_bytes = (isinstance(data, (str, os.PathLike)) and bool(training.get("data_sha256"))
                  and file_sha256(data) == training["data_sha256"])
    if not (same_rows or same_bytes):
        return False
    what = "is" if same_bytes else "holds the same comments and labels as"
    warn(InputWarning(
        f"{data} {what} the file the model was trained on ({training.get('data', 'the same rows')}): these scores say "
        "how well it remembers its own labels, not how well it labels comments it never saw. Evaluate it on "
        "labelled comments left out of training, or read train's cross-validated figures"))
    return True


def _refuse_another_models_labels(exc: LabelError, data, labels_col: str, model, model_path, read: ReadOptions) -> None:
    """A ``LabelError`` saying the model is not the one for these labels when no label of the file is
    a category of its taxonomy: 'Unknown label ... Fix the cell, or add the category to the taxonomy'
    (with unrelated 'closest' categories) sent the user to fix a file that was fine."""
    if getattr(exc, "label", None) is None or getattr(exc, "column", None) != labels_col:
        return
    taxonomy = model.taxonomy_
    frame = read.table(data)  # read again only on this error path
    cells = frame[labels_col].tolist() if labels_col in frame else []
    for cell in cells:
        for item in cell_items(cell) if not is_missing(cell) else []:
            try:
                taxonomy.parse_label(item.strip())
                return  # some labels are the model's: the error names a real typo
            except LabelError:
                # a subcategory named without its parent ('Courier') is the model's too: the error says
                # to write 'Parent > Child', where "none of the labels is a category" sent users to another model
                if taxonomy._paths_of_child(item.strip()):
                    return
    known = "; ".join(taxonomy.display_name(label) for label in taxonomy.labels[:3])
    name = model_path if not hasattr(model_path, "predict_labels") else "the model"
    raise LabelError(
        f"{data}: none of the labels in '{labels_col}' is a category of {name}'s taxonomy '{taxonomy.name}' "
        f"(first: row {exc.row}, {exc.label!r}; the model's categories are e.g. {known}): evaluate it on labels "
        "of its own categories, or pass the --model trained on these labels") from None
