"""One fit of ``train`` (the final model or a cross-validation fold), with scikit-learn's
convergence warnings turned into one line for the user; and the groups the measuring folds keep together."""

from __future__ import annotations

import time
import warnings

import numpy as np
from sklearn.base import clone

from feedback_classifier.errors import InputWarning, warn
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
        warn(InputWarning(
            f"{count:,} of the solver runs fitting the model stopped at their iteration limit before converging: "
            "the model is saved and predicts, but the weights of the categories concerned are the solver's last "
            "step, not its optimum."))


