"""``feedback-classifier evaluate``'s job: a saved model scored on a labelled table."""

from __future__ import annotations

from feedback_classifier.errors import LabelError
from feedback_classifier.jobs.labelbook import names_language
from feedback_classifier.jobs.train import AUTO_SENTIMENT, _check_opinions, read_labelled_table
from feedback_classifier.model import EvaluationReport, evaluate_predictions, load_model
from feedback_classifier.tableio import DEFAULT_READ, ReadOptions


def evaluate_file(
    data, model_path, *, text_col: str = "text", labels_col: str = "labels", sentiment_col: str | None = None,
    read: ReadOptions = DEFAULT_READ, lang: str | None = None,
) -> EvaluationReport:
    """Score a saved model (a model file, or a fitted classifier) on a labelled table (labels parsed
    with the model's taxonomy; categories named in ``lang``, default the comments' majority language).

    With ``sentiment_col`` (or a column named ``polarities``) ``extra`` also holds the
    polarity accuracy given the gold categories (SemEval-2016 slot 3: one judgement per
    gold opinion) and the joint (category, polarity) micro-F1; see ``model/sentiment_eval.py``.
    ``read`` says how to read ``data`` (encoding, delimiter, sheet...).
    """
    from feedback_classifier.model.enrichment import _collapse, predict_as_classified
    from feedback_classifier.model.sentiment_eval import polarity_metrics
    from feedback_classifier.model.tones import sentiment_model_of

    model = model_path if hasattr(model_path, "predict_labels") else load_model(model_path)
    table = read_labelled_table(data, text_col=text_col, labels_col=labels_col, taxonomy=model.taxonomy_,
                                sentiment_col=sentiment_col or AUTO_SENTIMENT, read=read)
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
