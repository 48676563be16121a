"""One fit of ``train`` (the final model or a cross-validation fold), with scikit-learn's
convergence warnings turned into one line for the user; and the groups the measuring folds keep together."""

from __future__ import annotations

import time
import warnings

import numpy as np
from sklearn.base import clone

from feedback_classifier.errors import InputWarning
from feedback_classifier.model.evaluation import CVState, fit_fold


def train_work(state: CVState, fold):
    """One task of ``train``: a cross-validation fold, or (``fold is None``) the model fitted on all
    rows with its fit time and how many of its solver runs stopped at their iteration limit."""
    from sklearn.exceptions import ConvergenceWarning

    # scikit-learn's own warning printed a source path and a line of code per category, mid-run (a
    # 5,000-row, 291-category training file: several of them); the final fit's are counted instead
    # and a fold's dropped (fold models only score, the final model's count says the same)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        start = time.perf_counter()
        if fold is None:
            texts, labels, groups = state.training_rows()
            result = clone(state.estimator).fit(texts, labels, groups=groups)
        else:
            result = fit_fold(state, fold)
    unconverged = sum(issubclass(w.category, ConvergenceWarning) for w in caught)
    for w in caught:
        if not issubclass(w.category, ConvergenceWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return result if fold is not None else (result, time.perf_counter() - start, unconverged)


def say_unconverged(count: int) -> None:
    if count:
        warnings.warn(InputWarning(
            f"{count:,} of the solver runs fitting the model stopped at their iteration limit before converging: "
            "the model is saved and predicts, but the weights of the categories concerned are the solver's last "
            "step, not its optimum."))


def fold_groups(texts: list, groups):
    """The groups ``train``'s cross-validation folds keep together: ``groups`` (``--group-col``) when
    given, else the rows of one comment, so that no fold is scored on a comment it was trained on
    (``None`` when no comment repeats, or when all do: plain shuffled folds, as before). Only the
    measurement's folds: the model's own calibration folds are left as they were.

    >>> fold_groups(["Too slow", "too  slow", "fine"], None).tolist()
    [0, 0, 1]
    >>> fold_groups(["a", "b"], None) is None
    True
    """
    if groups is not None:
        return groups
    keys = [" ".join(str(t).split()).casefold() for t in texts]
    first: dict = {}
    ids = [first.setdefault(k, len(first)) for k in keys]
    return None if len(first) in (len(keys), 1) else np.asarray(ids)


def repeats_note(texts: list, groups, cv: int) -> list[str]:
    """What ``train`` says when ``fold_groups`` kept copies of a comment in one fold: 214 of 420 rows
    of a SaaS labels file repeated another row's comment word for word and, scored on copies of the
    comments they were trained on, the folds said micro-F1 0.989 (0.904 with copies kept together, case and spacing ignored)."""
    if groups is not None or cv < 2:
        return []
    kept = fold_groups(texts, None)
    if kept is None:
        return []
    distinct = len(set(kept.tolist()))
    folds = f"; {distinct} folds instead of {cv}" if distinct < cv else ""
    return [f"{len(texts) - distinct:,} of {len(texts):,} rows repeat another row's comment: the cross-validation "
            f"keeps each comment's rows in one fold (scored on copies of comments they were trained on, the folds "
            f"would overstate the model){folds}. --group-col sets the folds' groups instead."]
