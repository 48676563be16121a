"""Classification quality: micro/macro F1 at parent and path level, per category, confusions.

Two levels are scored:

* **parent**: each comment's set of parents (a child label counts for its parent);
* **path**: each comment's set of deepest labels, compared exactly. ``("food",
  "quality")`` matches only ``("food", "quality")``; a parent alone ``("food", None)``
  is its own path and matches only a parent-only gold label. This is the SemEval
  aspect-category metric when every gold label is a full path: a parent-only
  prediction there is simply wrong (it names no ``ENTITY#ATTRIBUTE`` pair).

Micro-F1 pools every (comment, category) decision; macro-F1 averages the per-category
F1 over categories that occur in the gold labels or the predictions.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from feedback_classifier.errors import LabelError
from feedback_classifier.model.distil import taught_groups
from feedback_classifier.model.inputs import _group_ids
from feedback_classifier.taxonomy import Label


@dataclass
class EvaluationReport:
    """Scores of predicted labels against gold labels (see the module docstring).

    >>> r = evaluate_predictions([[("food", "quality")], [("service", None)]], [[("food", "quality")], []])
    >>> r.n_rows, r.path_micro_recall, r.per_category[["category", "level", "recall"]].values.tolist()[:2]
    (2, 0.5, [['food', 'parent', 1.0], ['service', 'parent', 0.0]])
    >>> r.per_category["precision"].tolist()[:2]  # service never predicted: its precision is undefined
    [1.0, nan]
    """

    n_rows: int
    parent_micro_f1: float
    parent_macro_f1: float
    path_micro_f1: float
    path_macro_f1: float
    path_micro_precision: float
    path_micro_recall: float
    per_category: pd.DataFrame = field(repr=False)
    """One row per category: ``category`` (display path), ``level`` ("parent": any label
    under that parent; "path": that exact label), ``precision`` (NaN when never predicted),
    ``recall`` (NaN when never in the gold labels), ``f1``, ``support`` (gold count),
    ``predicted`` (predicted count)."""
    confused_pairs: pd.DataFrame = field(repr=False)
    """``true``, ``predicted``, ``count``: a path predicted on comments whose gold had
    another path (and not the predicted one) while missing the true one; most frequent first."""
    extra: dict = field(default_factory=dict)
    predictions: list | None = field(default=None, repr=False)
    """The predicted label lists scored (set by ``cross_validate_model``: out-of-fold)."""

    def summary(self) -> dict:
        """The headline numbers as a flat dict (for model headers and JSON output)."""
        out = {
            "rows": self.n_rows,
            "parent_micro_f1": self.parent_micro_f1,
            "parent_macro_f1": self.parent_macro_f1,
            "path_micro_f1": self.path_micro_f1,
            "path_macro_f1": self.path_macro_f1,
            "path_micro_precision": self.path_micro_precision,
            "path_micro_recall": self.path_micro_recall,
        }
        out.update(self.extra)
        return out

    def to_dict(self) -> dict:
        """Everything, JSON-serialisable."""
        out = self.summary()
        # NaN (an undefined precision or recall) is not JSON: null says "undefined" to every reader
        out["per_category"] = [{k: (None if isinstance(v, float) and v != v else v) for k, v in row.items()}
                               for row in self.per_category.to_dict(orient="records")]
        out["confused_pairs"] = self.confused_pairs.to_dict(orient="records")
        return out


def _deepest(labels) -> set[Label]:
    labels = {(p, c) for p, c in labels}
    with_child = {p for p, c in labels if c is not None}
    return {lab for lab in labels if lab[1] is not None or lab[0] not in with_child}


def _prf(tp: int, n_pred: int, n_gold: int) -> tuple[float, float, float]:
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_gold if n_gold else 0.0
    f1 = 2 * tp / (n_pred + n_gold) if n_pred + n_gold else 0.0
    return precision, recall, f1


def _category_prf(tp: int, n_pred: int, n_gold: int) -> tuple[float, float, float]:
    """``_prf`` of one category, with the precision of a category never predicted and the recall of one
    never in the gold labels NaN: undefined, not 0 (a 0.000 read as "always wrong" or "misses them all"
    for a category with nothing to be wrong or to miss about). F1 stays 0 there, as macro-F1 counts it.

    >>> _category_prf(0, 0, 3), _category_prf(0, 2, 0)
    ((nan, 0.0, 0.0), (0.0, nan, 0.0))
    """
    precision, recall, f1 = _prf(tp, n_pred, n_gold)
    return (precision if n_pred else float("nan")), (recall if n_gold else float("nan")), f1


def _level_stats(gold: list[set], pred: list[set]):
    tp, n_gold, n_pred = Counter(), Counter(), Counter()
    for g, p in zip(gold, pred):
        n_gold.update(g)
        n_pred.update(p)
        tp.update(g & p)
    micro = _prf(sum(tp.values()), sum(n_pred.values()), sum(n_gold.values()))
    cats = set(n_gold) | set(n_pred)
    per = {c: _category_prf(tp[c], n_pred[c], n_gold[c]) + (n_gold[c], n_pred[c]) for c in cats}
    macro = float(np.mean([v[2] for v in per.values()])) if per else 0.0
    return micro, macro, per


def _label_rows(rows, name: str) -> list[list[Label]]:
    """``rows`` as lists of ``(parent_id, child_id or None)`` labels. ``predict``'s 0/1 matrix or label
    strings raised "cannot unpack non-iterable numpy.int64 object" / "too many values to unpack".

    >>> _label_rows(np.array([[1, 0]]), "y_pred")
    Traceback (most recent call last):
    ...
    feedback_classifier.errors.LabelError: y_pred row 1: np.int64(1) is not a (parent_id, child_id or None) label; pass predict_labels(X) (not predict(X)), or parse label cells with Taxonomy.parse_labels.
    """
    out = []
    for i, row in enumerate(rows):
        labels = [] if row is None else list(row)
        for label in labels:
            if not (isinstance(label, tuple) and len(label) == 2 and isinstance(label[0], str)):
                raise LabelError(
                    f"{name} row {i + 1}: {label!r} is not a (parent_id, child_id or None) label; pass "
                    "predict_labels(X) (not predict(X)), or parse label cells with Taxonomy.parse_labels."
                )
        out.append(labels)
    return out


def evaluate_predictions(
    y_true: Sequence[Sequence[Label]], y_pred: Sequence[Sequence[Label]], taxonomy=None, *, top_confusions: int = 10,
    lang: str = "en",
) -> EvaluationReport:
    """Score predicted label lists against gold label lists (categories named in ``lang``).

    >>> gold = [[("food", "quality")], [("service", None)], []]
    >>> pred = [[("food", "quality"), ("service", None)], [("service", "staff")], []]
    >>> r = evaluate_predictions(gold, pred)
    >>> round(r.parent_micro_f1, 3), round(r.path_micro_f1, 3)
    (0.8, 0.4)
    """
    y_true, y_pred = _label_rows(y_true, "y_true"), _label_rows(y_pred, "y_pred")
    if len(y_true) != len(y_pred):
        raise ValueError(f"y_true has {len(y_true)} rows but y_pred has {len(y_pred)}.")
    gold_paths = [_deepest(g) for g in y_true]
    pred_paths = [_deepest(p) for p in y_pred]
    gold_parents = [{(p, None) for p, _ in g} for g in gold_paths]
    pred_parents = [{(p, None) for p, _ in g} for g in pred_paths]
    (pp, pr, pf), p_macro, p_per = _level_stats(gold_parents, pred_parents)
    (lp, lr, lf), l_macro, l_per = _level_stats(gold_paths, pred_paths)

    order = {lab: i for i, lab in enumerate(taxonomy.labels)} if taxonomy is not None else {}

    def name(label: Label) -> str:
        if taxonomy is not None and label in order:
            return taxonomy.display_name(label, lang)
        return label[0] if label[1] is None else f"{label[0]} > {label[1]}"

    def sort_key(label: Label):
        return (order.get(label, len(order)), label[0], label[1] or "")

    rows = []
    for level, per in (("parent", p_per), ("path", l_per)):
        for lab in sorted(per, key=sort_key):
            precision, recall, f1, support, predicted = per[lab]
            rows.append(
                {
                    "category": name(lab),
                    "level": level,
                    "precision": precision,
                    "recall": recall,
                    "f1": f1,
                    "support": int(support),
                    "predicted": int(predicted),
                }
            )
    per_category = pd.DataFrame(
        rows, columns=["category", "level", "precision", "recall", "f1", "support", "predicted"]
    )

    confusions: Counter = Counter()
    for g, p in zip(gold_paths, pred_paths):
        missed, extra = g - p, p - g
        for t in missed:
            for q in extra:
                confusions[(t, q)] += 1
    top = sorted(confusions.items(), key=lambda kv: (-kv[1], sort_key(kv[0][0]), sort_key(kv[0][1])))
    confused = pd.DataFrame(
        [{"true": name(t), "predicted": name(q), "count": c} for (t, q), c in top[:top_confusions]],
        columns=["true", "predicted", "count"],
    )
    return EvaluationReport(
        n_rows=len(y_true),
        parent_micro_f1=pf,
        parent_macro_f1=p_macro,
        path_micro_f1=lf,
        path_macro_f1=l_macro,
        path_micro_precision=lp,
        path_micro_recall=lr,
        per_category=per_category,
        confused_pairs=confused,
    )


def cross_validate_model(
    estimator,
    texts: Sequence[str],
    labels: Sequence[Sequence[Label]],
    *,
    groups=None,
    cv: int = 5,
    random_state: int = 0,
    fold_map=None,
) -> EvaluationReport:
    """Out-of-fold predictions of ``estimator`` (cloned per fold), scored.

    Folds are ``GroupKFold`` when ``groups`` are given (related comments stay in one
    fold), else shuffled ``KFold``. ``extra`` of the report holds ``cv_folds`` and the
    mean fit time per fold in seconds. ``fold_map(work, state, folds)`` (default: a
    plain loop) yields ``work(state, fold)`` for each fold in order; ``jobs.train``
    passes the jobs' process-pool runner so folds fit in parallel.

    >>> from feedback_classifier.model.estimator import FeedbackClassifier
    >>> texts = ["late courier", "rude staff", "courier late again", "staff rude again"] * 3
    >>> y = [[("delivery", None)], [("service", None)]] * 6
    >>> r = cross_validate_model(FeedbackClassifier(analyzer=str.split, cv=2), texts, y, cv=3)
    >>> r.extra["cv_folds"], r.n_rows
    (3, 12)
    """
    state = CVState(estimator, list(texts), [list(lab) for lab in labels], _group_ids(groups))
    folds = cv_folds(state, cv, random_state)
    fold_map = fold_map or (lambda work, st, items: (work(st, item) for item in items))
    return score_folds(state, folds, list(fold_map(fit_fold, state, folds)))


@dataclass
class CVState:
    """What every cross-validation fold needs (crosses to each worker process once)."""

    estimator: object
    texts: list
    labels: list
    groups: np.ndarray | None
    #: ``(texts, labels)`` every fit also trains on and no fold scores: comments a teacher labelled
    #: (``model/distil.py``)
    taught: tuple | None = None

    def training_rows(self, idx=None) -> tuple[list, list, np.ndarray | None]:
        """``(texts, labels, groups)`` a fit on rows ``idx`` (all when ``None``) trains on: those
        rows, then the taught comments, each in its own group.

        >>> s = CVState(None, ["a", "b"], [[1], [2]], np.array(["r", "s"]), taught=(["c"], [[3]]))
        >>> s.training_rows(np.array([1]))
        (['b', 'c'], [[2], [3]], array(['s', 'unlabelled:0'], dtype=object))
        """
        idx = range(len(self.texts)) if idx is None else idx
        texts, labels = [self.texts[i] for i in idx], [self.labels[i] for i in idx]
        groups = None if self.groups is None else self.groups[np.asarray(idx, dtype=int)]
        if self.taught is None:
            return texts, labels, groups
        return texts + list(self.taught[0]), labels + list(self.taught[1]), taught_groups(groups, len(self.taught[0]))


def cv_folds(state: CVState, cv: int, random_state: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """``(train_idx, test_idx)`` per fold: grouped when ``state.groups`` is set.

    >>> state = CVState(None, ["a", "b", "c", "d"], [[], [], [], []], np.array([1, 1, 2, 2]))
    >>> sorted(sorted(test.tolist()) for _, test in cv_folds(state, cv=5))  # 2 groups: 2 folds
    [[0, 1], [2, 3]]
    """
    from sklearn.model_selection import GroupKFold, KFold

    n = len(state.texts)
    if n != len(state.labels):
        raise ValueError(f"{n} texts but {len(state.labels)} label lists.")
    if state.groups is not None:
        n_splits = min(cv, len(np.unique(state.groups)))
        if n_splits < 2:
            raise ValueError("Cross-validation needs at least 2 distinct groups.")
        return list(GroupKFold(n_splits=n_splits).split(np.zeros(n), groups=state.groups))
    n_splits = min(cv, n)
    if n_splits < 2:
        raise ValueError("Cross-validation needs at least 2 rows.")
    return list(KFold(n_splits=n_splits, shuffle=True, random_state=random_state).split(np.zeros(n)))


def fit_fold(state: CVState, fold) -> tuple[list, float]:
    """Fit a clone of the estimator on one fold's training rows: its predicted labels
    for the fold's test rows and the fit time in seconds (a module-level function, so
    process-pool workers can run it). ``score_folds`` turns the list of them into the report.

    >>> from feedback_classifier.model.estimator import FeedbackClassifier
    >>> texts = ["late courier", "rude staff", "courier late again", "staff rude again"] * 3
    >>> y = [[("delivery", None)], [("service", None)]] * 6
    >>> state = CVState(FeedbackClassifier(analyzer=str.split, cv=2), texts, y, None)
    >>> folds = cv_folds(state, cv=3)
    >>> report = score_folds(state, folds, [fit_fold(state, fold) for fold in folds])
    >>> report.path_micro_f1, report.extra["cv_folds"]
    (1.0, 3)
    """
    import time

    from sklearn.base import clone

    train_idx, test_idx = fold
    model = clone(state.estimator)
    start = time.perf_counter()
    texts, labels, groups = state.training_rows(train_idx)
    model.fit(texts, labels, groups=groups)
    seconds = time.perf_counter() - start
    return model.predict_labels([state.texts[i] for i in test_idx]), seconds


def score_folds(state: CVState, folds, results) -> EvaluationReport:
    """The report of out-of-fold predictions ``results`` (``fit_fold``'s, one per fold)."""
    predicted: list[list[Label]] = [[] for _ in state.texts]
    fold_f1, fold_parent_f1 = [], []
    for (_, test_idx), (labs, _) in zip(folds, results):
        for i, lab in zip(test_idx, labs):
            predicted[i] = lab
        fold = evaluate_predictions([state.labels[i] for i in test_idx], labs)
        fold_f1.append(fold.path_micro_f1)
        fold_parent_f1.append(fold.parent_micro_f1)
    taxonomy = getattr(state.estimator, "taxonomy", None)
    report = evaluate_predictions(state.labels, predicted, taxonomy)
    report.extra.update({
        "cv_folds": len(folds),
        "fit_seconds_per_fold": float(np.mean([sec for _, sec in results])),
        # how much the score moves between folds: the spread to quote next to it
        "path_micro_f1_fold_sd": float(np.std(fold_f1, ddof=1)) if len(fold_f1) > 1 else 0.0,
        "parent_micro_f1_fold_sd": float(np.std(fold_parent_f1, ddof=1)) if len(fold_parent_f1) > 1 else 0.0,
    })
    report.predictions = predicted
    return report
