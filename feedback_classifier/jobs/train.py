"""train / evaluate: read a labelled table, fit or score a FeedbackClassifier, save the model."""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import clone

from feedback_classifier.errors import InputFileError, InputWarning, LabelError, warn
from feedback_classifier.lang import TextAnalyzer
from feedback_classifier.lang.normalization import comment_as_read
from feedback_classifier.jobs.labelbook import (
    leave_out_blank, leave_out_header_repeats, leave_out_skipped, names_language, parsed_labels, skipped_note,
    warn_two_spellings,
)
from feedback_classifier.jobs.runner import check_workers, run_ordered
from feedback_classifier.jobs.training_facts import training_facts
from feedback_classifier.model import (
    EvaluationReport,
    FeedbackClassifier,
    embedding_params,
    require_e5,
    save_model,
)
from feedback_classifier.model.persist import check_key, check_model_out
from feedback_classifier.jobs.train_fit import say_unconverged, train_work
from feedback_classifier.model.evaluation import CVState, cv_folds, fit_fold, score_folds
from feedback_classifier.jobs.fold_groups import fold_groups, fold_note, fold_notes  # noqa: F401 (fold_note: audit's)
from feedback_classifier.tableio import DEFAULT_READ, ReadOptions, require_columns, resolve_column
from feedback_classifier.taxonomy import Label, Taxonomy, bundled_taxonomy, infer_taxonomy, load_taxonomy, slugify


# ``sentiment_col`` value meaning "the column named 'polarities' when the table has one"
AUTO_SENTIMENT = "<auto>"


@dataclass
class LabelledData:
    """Texts and parsed labels read from a labelled table."""

    texts: list[str]
    labels: list[list[Label]]
    groups: list | None
    taxonomy: object
    taxonomy_inferred: bool
    opinions: list[list] | None = None  # per row [(label, polarity), ...] when a sentiment column was read
    #: The rows read, every column; the index is each row's position in the file.
    frame: pd.DataFrame | None = None
    #: Rows left out because the label app marked them skipped (``labelbook.leave_out_skipped``).
    skipped: int = 0


@dataclass
class TrainResult:
    """What ``train_file`` did: the model, where it went, and its cross-validated quality."""

    model: object
    path: object
    rows: int
    taxonomy_inferred: bool
    cv_report: EvaluationReport | None
    fit_seconds: float
    #: What the user should know about the training data (e.g. only one category labelled).
    notes: list[str] = field(default_factory=list)
    #: Unlabelled comments a teacher labelled for the model to learn from too (``--teacher minilm``).
    taught: int = 0
    #: The whole of ``train_file``, reading, teachers and cross-validation included.
    total_seconds: float = 0.0
    #: The tone words learned from scored comments (``--unlabelled-score-col``; ``jobs.tone.ToneWords``).
    tone: object = None


def read_labelled_table(
    data,
    *,
    text_col: str = "text",
    labels_col: str = "labels",
    taxonomy=None,
    group_col: str | None = None,
    read: ReadOptions = DEFAULT_READ,
    sentiment_col: str | None = None,
) -> LabelledData:
    """Read a labelled CSV/XLSX/... and parse its label cells (and opinion cells such as
    ``Price=negative; Service > Staff=positive`` from ``sentiment_col``).

    ``taxonomy``: a ``Taxonomy``, a bundled name (``cx-default``) or a YAML path; when
    ``None`` it is inferred from the label cells. An unknown label raises ``LabelError``
    naming the 1-based data row, the column and the closest taxonomy paths.
    ``read`` says how to read ``data`` (encoding, delimiter, sheet, header rows...). Rows the
    label app marked ``skipped`` (a ``status`` column) are left out: they were never labelled.
    ``texts`` have their HTML entities decoded (``&amp;`` -> ``&``), as ``classify`` reads comments.
    """
    df, skipped = leave_out_skipped(leave_out_header_repeats(read.table(data).reset_index(drop=True), data),
                                    source=data)
    if sentiment_col == AUTO_SENTIMENT:
        sentiment_col = "polarities" if "polarities" in df.columns else None
    text_col, labels_col, group_col, sentiment_col = (
        resolve_column(df, c, source=data) for c in (text_col, labels_col, group_col, sentiment_col))
    needed = [text_col, labels_col] + [c for c in (group_col, sentiment_col) if c]
    require_columns(df, needed, source=str(data))
    if not len(df) and not skipped:
        from feedback_classifier.tableio.columns import header_only_error

        raise header_only_error(data, "nothing to learn from or score")
    df = leave_out_blank(df, text_col, data, labels_col)
    cells = df[labels_col].tolist()
    inferred = taxonomy is None
    if taxonomy is None:
        warn_two_spellings(cells, source=data, column=labels_col)
        # first_row: the file's data rows count from 1 (it named the row above a malformed label)
        taxonomy = infer_taxonomy(cells, name=_stem(data), column=labels_col, source=str(data), first_row=1)
    elif not isinstance(taxonomy, Taxonomy):
        taxonomy = load_taxonomy(taxonomy)
    labels = parsed_labels(taxonomy, df, text_col, labels_col, data)
    # read as classify reads them: "&amp;" in a web export is "&" (the frame keeps the cells as written)
    texts = ["" if _missing(t) else comment_as_read(str(t)) for t in df[text_col].tolist()]
    groups = None if not group_col else _group_ids(df[group_col].tolist(), data, group_col)
    opinions = None
    if sentiment_col:
        from feedback_classifier.model.sentiment import parse_opinions

        opinions = [
            parse_opinions(taxonomy, cell, row=i + 1, column=sentiment_col, source=str(data))
            for i, cell in zip(df.index, df[sentiment_col].tolist())
        ]
        _warn_unlabelled_opinions(labels, opinions, df.index, taxonomy, data, labels_col, sentiment_col)
    return LabelledData(texts, labels, groups, taxonomy, inferred, opinions, df, skipped)


def _warn_unlabelled_opinions(labels: list, opinions: list, rows, taxonomy, data, labels_col: str,
                              sentiment_col: str) -> None:
    """An ``InputWarning`` when opinions name a category their row's labels lack (how many rows,
    the first row and category). Polarity is scored given the gold categories, and such an opinion
    is learned and scored all the same: a typo'd category or a label left out changes the score
    silently. A parent is in the labels when one of its children is."""
    bad = []
    for i, labs, ops in zip(rows, labels, opinions):  # i: the row's position in the file
        given = set(labs) | {(p, None) for p, _ in labs}
        missing = [label for label, _ in ops if label not in given]
        if missing:
            bad.append((i + 1, missing[0]))
    if bad:
        row, label = bad[0]
        rows = f"{len(bad):,} rows have" if len(bad) > 1 else "1 row has"
        warn(InputWarning(
            f"{data}: {rows} an opinion in '{sentiment_col}' about a category not in its '{labels_col}' (first: row "
            f"{row}, {taxonomy.format_labels([label])!r}); the opinion is still learned and scored, so add the "
            f"category to '{labels_col}' or remove the opinion"))


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
    read: ReadOptions = DEFAULT_READ,
    sign_key: bytes | None = None,
    sentiment_col: str | None = None,
    jobs: int = 1,
    teacher: str = "none",
    unlabelled=None,
    unlabelled_text_col: str | None = None,
    unlabelled_score_col: str | None = None,
    score_type: str = "nps",
    scale: str | None = None,
    higher_is_better: bool = True, progress=None,
) -> TrainResult:
    """Train a FeedbackClassifier on a labelled table, cross-validate it, save it to ``out``.

    ``cv`` folds (grouped by ``group_col`` when given) measure the model before the final fit on
    all rows (``cv < 2``: no measurement). The taxonomy (given or inferred) and the metrics go in the model file's header. ``embeddings`` adds sentence vectors (``embedding_params``: MiniLM's, the
    ``embeddings`` extra to train; or ``"e5"``, multilingual-e5-small's, read to predict too). With ``sentiment_col`` (cells such as ``Price=negative;
    Service > Staff=positive``) the model also learns each category's polarity (``model.sentiment_``,
    an ``AspectSentiment``) and the metrics include its cross-validated polarity accuracy given the
    gold categories. ``unlabelled_score_col`` (the scores of ``unlabelled``'s comments, read as
    ``score_type``/``scale``/``higher_is_better``) teaches that model the comments' tone words
    (``jobs.tone``), or without ``sentiment_col`` the bundled one, which the model then carries. The header's ``training`` says which file and settings made the model (``jobs.training_facts``).
    ``jobs`` worker processes fit the folds and the final model side by side (the same results as ``jobs=1``). ``read`` says how to read ``data`` (encoding, delimiter...); ``progress(done, total)`` as each fit ends.

    >>> import tempfile, os, pandas as pd
    >>> d = tempfile.mkdtemp()
    >>> pd.DataFrame({"text": ["late courier", "rude staff"] * 6,
    ...               "labels": ["Delivery", "Service > Staff"] * 6}).to_csv(f"{d}/l.csv", index=False)
    >>> r = train_file(f"{d}/l.csv", f"{d}/m.joblib", cv=2)
    >>> r.rows, r.taxonomy_inferred, r.model.predict_labels(["rude staff"])
    (12, True, [[('service', 'staff')]])
    """
    began = time.perf_counter()
    _check_settings(jobs, params)
    if sign_key is not None:
        check_key(sign_key)  # before the training, not after it
    check_model_out(out, [data, unlabelled])
    table = read_labelled_table(data, text_col=text_col, labels_col=labels_col, taxonomy=taxonomy,
                                group_col=group_col, read=read, sentiment_col=sentiment_col)
    _check_trainable(table, data, labels_col, sentiment_col)
    if cv >= 2:
        check_folds(table, data, text_col, group_col)
    params = {**embedding_params(embeddings), **(params or {})}
    if embeddings == "e5":  # a missing package is a one-line error now, not after the reading
        require_e5()
        params["embedder"].adapted(table.texts)  # read once here, not by each fold's process (--jobs)
    tone, taught = _from_unlabelled(teacher, params, table, unlabelled, unlabelled_text_col or text_col,
                                    unlabelled_score_col, (score_type, scale, higher_is_better), read)
    estimator = FeedbackClassifier(taxonomy=table.taxonomy, **params)
    model, fit_seconds, report = _fit_and_cross_validate(estimator, table, cv, jobs, taught, progress)
    metrics = report.summary() if report is not None else {}
    if taught is not None:
        metrics["unlabelled_comments"] = float(len(taught[0]))
    if table.opinions is not None:
        metrics.update(_train_sentiment(model, table, cv, data, sentiment_col, taught, tone))
        if report is not None:
            report.extra.update({k: v for k, v in metrics.items() if k.startswith("polarity")})
    elif tone is not None:
        metrics.update(_bundled_with_tone(model, tone))
    metrics.update(_category_errors(table, report))
    facts = training_facts(data, cv=cv, embeddings=embeddings, teacher=teacher, unlabelled=unlabelled, text_col=text_col,
                           labels_col=labels_col, sentiment_col=sentiment_col, group_col=group_col,
                           table=table, unlabelled_score_col=unlabelled_score_col)
    path = save_model(model, out, metrics=metrics, training_rows=len(table.texts), sign_key=sign_key, training=facts)
    notes = (([skipped_note(data, table.skipped)] if table.skipped else []) + (tone.notes if tone else [])
             + _label_notes(table, data, labels_col) + fold_notes(report, cv, group_col, table, list(facts.values())))
    return TrainResult(model, path, len(table.texts), table.taxonomy_inferred, report, fit_seconds, notes,
                       0 if taught is None else len(taught[0]),
                       time.perf_counter() - began, tone)


def _check_settings(jobs: int, params: dict | None) -> None:
    """Refuse ``jobs`` below 1, and a key of ``params`` that is not a ``FeedbackClassifier``
    parameter, before the table is read: a typo raised TypeError "__init__() got an unexpected
    keyword argument" after it (``taxonomy`` too: "got multiple values")."""
    from difflib import get_close_matches

    from feedback_classifier.errors import ParameterError
    from feedback_classifier.model.estimator import FeedbackClassifier as Estimator  # the class, whatever wraps it

    check_workers(jobs)
    valid = [name for name in Estimator._get_param_names() if name != "taxonomy"]
    for key in params or {}:
        if key not in valid:
            near = get_close_matches(str(key), valid, n=1)
            hint = (" (pass taxonomy= to train_file)" if key == "taxonomy"
                    else f"; did you mean {near[0]!r}?" if near else "")
            raise ParameterError(f"params: {key!r} is not a FeedbackClassifier parameter{hint}. "
                                 f"Valid: {', '.join(valid)}.")


def _group_ids(cells: list, data, group_col: str) -> list[str]:
    """The fold group of every row: its id in ``group_col``; a row without one is a group of its
    own (one blank id shared by them all would put every such row in one fold), said in an
    ``InputWarning`` with how many rows and the first."""
    blank = [i for i, g in enumerate(cells) if _missing(g) or not str(g).strip()]
    if blank:
        rows = f"{len(blank):,} rows have" if len(blank) > 1 else "1 row has"
        warn(InputWarning(
            f"{data}: {rows} no id in '{group_col}' (first: row {blank[0] + 1}); each of them is a group of its "
            "own in the cross-validation folds"))
    own = set(blank)  # the NUL keeps their groups apart from every id a table can hold
    # "r1 " from a hand-edited cell is review r1: as two groups its rows sat in different folds
    return [f"\0row {i + 1}" if i in own else str(g).strip() for i, g in enumerate(cells)]


def check_folds(table: LabelledData, data, text_col: str, group_col: str | None, *,
                instead: str = "pass --cv 0 to train without measuring the model") -> None:
    """A ``LabelError`` when the rows cannot be split into two cross-validation folds (a one-row file,
    one value in the group column): said with the file, the column and the fix (``instead``: the
    command's way to do without folds), not a traceback."""
    n = len(table.texts)
    if n < 2:
        raise LabelError(
            f"{data}: cross-validation needs at least 2 rows in '{text_col}', the file has {n}; label more rows, "
            f"or {instead}"
        )
    if table.groups is not None and len(set(table.groups)) < 2:
        raise LabelError(
            f"{data}: cross-validation grouped by '{group_col}' needs at least 2 distinct values in it, every row "
            f"has {table.groups[0]!r}; leave out --group-col, or {instead}"
        )


_TEACHERS = ("none", "e5", "minilm")


def _category_errors(table: LabelledData, report) -> dict:
    """The out-of-fold confusion counts per category (``{"category_errors": ...}``; none without a
    cross-validation): what ``analyze`` and ``drivers`` correct shares with."""
    if report is None or report.predictions is None:
        return {}
    from feedback_classifier.insights.quantify import error_rates_from_labels, rates_to_metrics

    return {"category_errors": rates_to_metrics(error_rates_from_labels(table.labels, report.predictions))}


def _from_unlabelled(teacher: str, params: dict, table: LabelledData, unlabelled, text_col: str,
                     score_col: str | None, score: tuple, read: ReadOptions):
    """``(tone, taught)``: what the unlabelled comments teach, through their scores (``_prepare_tone``)
    and through a teacher (``_prepare_teacher``); each None when not asked for."""
    tone = _prepare_tone(table, unlabelled, text_col, score_col, score, read)
    # the scores read the unlabelled comments already; the teacher reads them only when asked to
    read_by_teacher = unlabelled if tone is None or teacher == "minilm" else None
    return tone, _prepare_teacher(teacher, params, table, read_by_teacher, text_col, read)


def _prepare_tone(table: LabelledData, unlabelled, text_col: str, score_col: str | None, score: tuple,
                  read: ReadOptions):
    """The tone words of ``unlabelled``'s scored comments (``jobs.tone``), or None without ``score_col``."""
    if score_col is None:
        return None
    if unlabelled is None:
        raise InputFileError("unlabelled_score_col is the score column of the unlabelled comments: pass --unlabelled FILE")
    from feedback_classifier.insights import ScoreSpec
    from feedback_classifier.jobs.tone import tone_words_from_file

    # without opinions of its own the model carries the bundled sentiment model, whose n-grams leave stop words out
    return tone_words_from_file(unlabelled, text_col, score_col, ScoreSpec.make(*score), labelled=table.texts,
                                read=read, content_grams=table.opinions is None)


def _bundled_with_tone(model, tone) -> dict:
    """Without ``--sentiment-col``: ``model.sentiment_`` is the bundled sentiment model taught the tone
    words of the scored comments (``default_sentiment.bundled_sentiment``), not the bundled one itself."""
    from feedback_classifier.model.default_sentiment import bundled_sentiment

    model.sentiment_ = bundled_sentiment(tone_words=tone.words)
    return {"tone_comments_good": float(tone.good), "tone_comments_bad": float(tone.bad), "sentiment_from_scores": 1.0}


def _prepare_teacher(teacher: str, params: dict, table: LabelledData, unlabelled, text_col: str,
                     read: ReadOptions) -> tuple[list, list] | None:
    """``--teacher``: ``"e5"`` adds itself to the estimator's ``params`` (its vectors read here once:
    the folds and forked workers then find them in memory); ``"minilm"`` returns the comments it
    taught and their labels (``_taught_comments``)."""
    if teacher not in _TEACHERS:  # "bert" trained a model without any teacher, without a word
        raise InputFileError(f"teacher must be one of {', '.join(_TEACHERS)}, not {teacher!r}")
    if unlabelled is not None and teacher != "minilm":  # its comments were never read, without a word
        raise InputFileError("unlabelled comments are read by teacher='minilm' or with unlabelled_score_col; pass one, "
                             "or leave unlabelled out")
    if teacher == "e5":
        from feedback_classifier.model.adapted_table import taught_rows
        from feedback_classifier.model.teacher import teacher_vectors

        params["teacher"] = teacher
        teacher_vectors([table.texts[i] for i in taught_rows(len(table.texts))])
    if teacher != "minilm":
        return None
    if "embedder" in params and not hasattr(params["embedder"], "adapted"):
        raise InputFileError("--teacher minilm trains a model that predicts without torch; --embeddings minilm or "
                         "finetune would need it again")
    return _taught_comments(table, unlabelled, text_col, read)


def _taught_comments(table: LabelledData, data, text_col: str, read: ReadOptions) -> tuple[list, list]:
    """``(comments, labels)``: the unlabelled table's comments (``distil.unlabelled_sample``) with the
    labels MiniLM fine-tuned on ``table`` gives them (``train --teacher minilm``)."""
    from feedback_classifier.model.distil import teacher_labels, unlabelled_sample

    if data is None:
        raise LabelError("--teacher minilm needs --unlabelled FILE: the comments it labels for the model to learn from")
    comments = unlabelled_sample(_read_comments(data, text_col, read), table.texts)
    if not comments:
        raise LabelError(f"{data}: column '{text_col}' has no comments that are not in the labelled file; "
                         "give a file of your unlabelled comments to --unlabelled")
    teacher = FeedbackClassifier(taxonomy=table.taxonomy, **embedding_params("finetune"))
    groups = None if table.groups is None else np.asarray(table.groups)
    labels, _ = teacher_labels(teacher, table.texts, table.labels, groups, comments)
    return comments, labels


def _read_comments(data, text_col: str, read: ReadOptions) -> list[str]:
    """The non-blank cells of ``text_col`` in the table ``data`` (``LabelError`` when there are none)."""
    df = read.table(data)
    text_col = resolve_column(df, text_col, source=data)
    require_columns(df, [text_col], source=str(data))
    texts = [t for t in ("" if _missing(v) else str(v) for v in df[text_col].tolist()) if t.strip()]
    if not texts:
        raise LabelError(f"{data}: column '{text_col}' has no comments to learn from.")
    return texts


def _fit_and_cross_validate(estimator, table: LabelledData, cv: int, jobs: int, taught=None, progress=None):
    """``(model, fit_seconds, report)``: the model fitted on every row, and the
    ``cv``-fold report (``None`` when ``cv < 2``), fitted in ``jobs`` processes; ``taught``
    (``(comments, labels)``) is added to every fit's rows and scored by no fold."""
    state = CVState(estimator, table.texts, table.labels,
                    None if table.groups is None else np.asarray(table.groups), taught)
    folds = cv_folds(replace(state, groups=fold_groups(table.texts, state.groups)), cv) if cv >= 2 else []
    if hasattr(getattr(estimator, "embedder", None), "fitted_to_labels"):
        return _fit_reusing_fine_tunes(state, folds)
    if getattr(estimator, "embedder", None) is not None and not hasattr(estimator.embedder, "adapted"):
        jobs = 1  # a full sentence model (torch) is not worth copying into every worker
    jobs = max(1, min(jobs, len(folds) + 1))
    if jobs > 1:
        warm_analyzer(estimator.analyzer, state.training_rows()[0])
    # the full fit first: the longest task, so the folds fill the other workers around it
    results = []
    for _, result in run_ordered(train_work, state, [None, *folds], jobs=jobs):
        results.append(result)
        if progress is not None:
            progress(len(results), len(folds) + 1)
    model, fit_seconds, unconverged = results[0]
    say_unconverged(unconverged)
    report = score_folds(state, folds, results[1:]) if folds else None
    if report is not None and taught is not None:  # the teacher saw every labelled row, the scored ones too
        report.extra["teacher_saw_scored_rows"] = True
    return model, fit_seconds, report


def warm_analyzer(analyzer, texts) -> None:
    """Lemmatise every word of ``texts`` once, with ``analyzer`` (None: the default one), before
    worker processes fork: they inherit the lemma caches instead of each filling its own."""
    analyzer = analyzer if analyzer is not None else TextAnalyzer()
    for text in texts:
        analyzer(text)


def _fit_reusing_fine_tunes(state: CVState, folds):
    """``_fit_and_cross_validate`` for an embedder fine-tuned on the labels (``--embeddings finetune``):
    its fit already fine-tuned one network per internal fold, so the report's folds take every row's
    out-of-fold probabilities from those instead of fine-tuning 5 x 6 more (the same folds when ``cv``
    equals the model's, 5 by default; the stacker's training rows then carry probabilities from
    networks that saw the scored fold, as in common stacking practice)."""
    model, fit_seconds, unconverged = train_work(state, None)
    say_unconverged(unconverged)
    if not folds:
        return model, fit_seconds, None
    reused = CVState(clone(state.estimator).set_params(embedder=model.embedder_.out_of_fold()),
                     state.texts, state.labels, state.groups)
    return model, fit_seconds, score_folds(reused, folds, [fit_fold(reused, fold) for fold in folds])


def _label_notes(table: LabelledData, data, labels_col: str) -> list[str]:
    from feedback_classifier.jobs.labelbook import few_labels_note, resolve_taxonomy, unlabelled_categories_note
    from feedback_classifier.model.default import DEFAULT_TAXONOMY

    notes = [] if table.taxonomy_inferred else unlabelled_categories_note(table.taxonomy, table.labels)
    notes += few_labels_note(table.taxonomy, table.labels)
    parents = {label[0] for row in table.labels for label in row}
    if len(parents) == 1:
        notes.append(f"Warning: every label in '{labels_col}' is under one category ({next(iter(parents))!r}), so "
                     "the model can only tell that category from none; label examples of the other categories too.")
    none = sum(1 for row in table.labels if not row)
    if none:
        # a file labelled half-way trained its unlabelled half as "about nothing" without a word
        # (Banking77 rows, two thirds blank: micro-F1 0.38 instead of 0.88)
        notes.append(f"{none:,} of {len(table.labels):,} rows ({none / len(table.labels):.0%}) have no label in "
                     f"'{labels_col}': the model learns them as comments about none of the categories. Leave rows "
                     "not labelled yet out of the file (or mark them 'skipped' in a 'status' column).")
    frame = table.frame if table.frame is not None else pd.DataFrame()
    polarities = frame["polarities"].astype("string").str.strip().fillna("") if "polarities" in frame else None
    if table.opinions is None and polarities is not None and polarities.ne("").any():
        notes.append("Column 'polarities' was not read: pass --sentiment-col polarities to learn each category's "
                     "polarity from it (evaluate scores against it by default).")
    if table.taxonomy_inferred and labels_col in frame.columns:
        bundled = bundled_taxonomy(DEFAULT_TAXONOMY)  # the label app's and suggest's taxonomy when none is given
        with warnings.catch_warnings():  # reading the table said it already (infer_taxonomy's warning)
            warnings.filterwarnings("ignore", ".*other categories joined by", InputWarning)
            same = resolve_taxonomy(None, frame[labels_col].tolist(), known=bundled, source=str(data),
                                    column=labels_col) is bundled
        if same:
            notes.append(f"Every label in '{labels_col}' is a {DEFAULT_TAXONOMY} category (as the label app writes "
                         f"them): pass --taxonomy {DEFAULT_TAXONOMY} to keep its teams, keywords and names in both "
                         "languages; the taxonomy inferred from the labels has none of them.")
    return notes


def _check_trainable(table: LabelledData, data, labels_col: str, sentiment_col: str | None) -> None:
    """A ``LabelError`` before any training when the table has nothing to learn from."""
    if not any(table.labels):
        raise LabelError(f"{data}: column '{labels_col}' has no labels; label some rows to train on.")
    if table.opinions is not None:
        _check_opinions(table.opinions, data, sentiment_col)


def _check_opinions(opinions: list, data, sentiment_col: str, *, both_sides: bool = True) -> None:
    """A ``LabelError`` when the opinions cannot teach (or score) polarities: none, or with ``both_sides``
    all of one side (a model of complaints alone calls every mention a complaint, and its CV accuracy is 100%)."""
    sides = {polarity for ops in opinions for _, polarity in ops}
    if not sides:
        raise LabelError(f"{data}: column '{sentiment_col}' has no opinions; write cells like 'Price=negative', "
                         "or drop --sentiment-col.")
    if both_sides and len(sides - {"neutral"}) < 2:
        raise LabelError(f"{data}: every opinion in column '{sentiment_col}' is {' and '.join(sorted(sides))}: a "
                         "polarity model needs complaints and praise; label some of the other side, or train "
                         "without --sentiment-col (the bundled sentiment model then judges them).")


def _train_sentiment(model, table: LabelledData, cv: int, data, sentiment_col: str, taught=None, tone=None) -> dict:
    """Fit ``model.sentiment_`` on the table's opinions (and, with ``taught`` comments, on the opinions
    the pair teacher gives their categories: ``distil.taught_opinions``; with ``tone``, a
    ``jobs.tone.ToneWords``, with its words); its CV accuracy when ``cv >= 2``."""
    from functools import partial
    from feedback_classifier.model.embedders import E5Embedder
    from feedback_classifier.model.sentence_tone import SENTENCE_WEIGHT
    from feedback_classifier.model.sentiment import AspectSentiment
    from feedback_classifier.model.sentiment_eval import _flat, cross_validate_polarity

    gold = _flat(table.texts, table.opinions, [i for i, ops in enumerate(table.opinions) if ops])
    params = {} if tone is None else {"tone_words": tone.words}
    if isinstance(model.embedder_, E5Embedder):  # its e5 vectors are read anyway: the polarities use them too
        params["sentence_weight"] = SENTENCE_WEIGHT
    make, extra = partial(AspectSentiment, **params), ([], [], [])
    if taught is not None:
        from feedback_classifier.model.distil import taught_opinions, with_opinions

        extra = taught_opinions(*gold, *taught, name=table.taxonomy.display_name)
        make = with_opinions(*extra, **params)
    metrics = {}
    if cv >= 2:
        metrics = cross_validate_polarity(make, table.texts, table.opinions,
                                          groups=fold_groups(table.texts, table.groups), cv=cv)
    if tone is not None:
        metrics.update(tone_comments_good=float(tone.good), tone_comments_bad=float(tone.bad))
    model.sentiment_ = AspectSentiment(**params).fit(*(a + b for a, b in zip(gold, extra)))
    return metrics


@dataclass
class ColdStartResult:
    """What ``train_without_labels_file`` did: the model, where it went, what it caught."""

    model: object
    path: object
    rows: int
    weak: int
    self_trained: int
    caught: list
    fit_seconds: float
    lang: str = "en"  # the comments' language: the one to name the categories in


def train_without_labels_file(data, out, *, text_col: str = "text", taxonomy,
                              read: ReadOptions = DEFAULT_READ) -> ColdStartResult:
    """Train a model for ``taxonomy`` with no labelled comments (``train --no-labels``): weak
    labels from its keywords on the file's comments, then self-training (``model.weak``).

    ``caught`` lists per category how many of the file's comments it tags, with examples.
    ``read`` says how to read ``data`` (encoding, delimiter, sheet, header rows...).

    >>> import tempfile, pandas as pd
    >>> d = tempfile.mkdtemp()
    >>> pd.DataFrame({"comment": ["the courier was late", "prices are too high", "ok"] * 8}).to_csv(
    ...     f"{d}/c.csv", index=False)
    >>> r = train_without_labels_file(f"{d}/c.csv", f"{d}/m.joblib", text_col="comment", taxonomy="cx-default")
    >>> r.rows, r.weak > 0, r.caught[0][1] > 0
    (24, True, True)
    """
    from feedback_classifier.model.weak import caught_by_category, fit_without_labels

    check_model_out(out, [data])
    texts = _read_comments(data, text_col, read)
    taxonomy = taxonomy if isinstance(taxonomy, Taxonomy) else load_taxonomy(taxonomy)
    start = time.perf_counter()
    model, info = fit_without_labels(taxonomy, texts)
    fit_seconds = time.perf_counter() - start
    path = save_model(model, out, metrics={"trained_without_labels": 1.0}, training_rows=len(texts))
    return ColdStartResult(model, path, len(texts), info["weak"], info["self_trained"],
                           caught_by_category(model, texts), fit_seconds, names_language(texts, taxonomy))


def _missing(value) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _stem(path) -> str:
    return slugify(Path(str(path)).stem) or "inferred"
