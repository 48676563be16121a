"""Survey (design) weights: a weight column read and checked, and Kish's effective sample size.

A raked or post-stratified weight says how many people of the population a respondent stands
for; it is not a count of identical answers. Point estimates (shares, NPS, CSAT, means, impacts)
are weighted means. Their intervals use Kish's effective sample size n_eff = (sum w)^2 / sum w^2:
the weights are rescaled so that they add up to n_eff (``GroupSums.effective``), and the usual
intervals and the multinomial bootstrap then run on n_eff respondents drawn from the weighted
distribution. That is the design effect of unequal weights, 1 + CV(w)^2; it assumes the weights
are unrelated to the answers within a group, as Kish's formula does (``benchmarks/survey_weights_coverage.py``
measures the coverage by simulation; ``tests/test_survey_weights.py`` checks the numbers against numpy).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import pandas as pd

from feedback_classifier.errors import InputFileError, ScoreError

METHOD = "Kish effective sample size"

_NOT_IN_A_NUMBER = dict.fromkeys(map(ord, " \u00a0\u2007\u2009\u202f\u200b\u200c\u200d\u200e\u200f\u2060\ufeff"), None)


def _weight_of(raw: Any) -> float | None:
    """A cell's weight; NaN for a blank cell; None when it is not a number."""
    if raw is None or raw is pd.NA or (isinstance(raw, float) and math.isnan(raw)):
        return math.nan
    if isinstance(raw, (bool, np.bool_)):
        return None
    if isinstance(raw, (int, float, np.integer, np.floating)):
        return float(raw)
    text = str(raw).translate(_NOT_IN_A_NUMBER).strip()
    if not text:  # a raking tool leaves out-of-scope respondents without a weight; "NaN" or "#N/A" is a failed one
        return math.nan
    if text.count(",") == 1 and "." not in text:  # "1,485" from a Russian or German spreadsheet
        text = text.replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        return None
    return value if not math.isnan(value) else None  # "NaN" written out: a weight that failed, not a blank


def read_weights(values: pd.Series, column: str, *, source: str | None = None,
                 first_row: int = 1) -> tuple[np.ndarray, int]:
    """The weights of ``values`` as floats, blank cells as 0, and how many cells were blank.

    A cell that is text, negative, infinite or "nan" written out is an ``InputFileError`` naming the
    file, the row (``first_row`` is the number of the first value's row) and the value.

    >>> w, blank = read_weights(pd.Series(["1.5", "", "0,8", None, "0"]), "weight")
    >>> w.tolist(), blank
    ([1.5, 0.0, 0.8, 0.0, 0.0], 2)
    >>> read_weights(pd.Series(["1.2", "-0.5"]), "weight", source="s.csv", first_row=10)
    Traceback (most recent call last):
    ...
    feedback_classifier.errors.InputFileError: s.csv, row 11, column 'weight': '-0.5' is not a survey weight (a number >= 0). Fix the cell, or leave it blank to give the row weight 0 (counted in a warning).
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    parsed = [_weight_of(u) for u in uniques]
    bad_unique = np.array([p is None or (not math.isnan(p) and (p < 0 or math.isinf(p))) for p in parsed] + [False])
    bad = bad_unique[codes]
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raw = values.iloc[k]
        shown = repr(raw.item() if isinstance(raw, np.generic) else raw)
        where = f"{source}, " if source else ""
        raise InputFileError(
            f"{where}row {first_row + k}, column {column!r}: {shown} is not a survey weight (a number >= 0). "
            "Fix the cell, or leave it blank to give the row weight 0 (counted in a warning).")
    numbers = np.array([math.nan if p is None else p for p in parsed] + [math.nan], dtype=float)[codes]
    blank = np.isnan(numbers)
    return np.where(blank, 0.0, numbers), int(blank.sum())


def check_some_weight(total: float, column: str, rows: int, source: str | None = None) -> None:
    """A ``ScoreError`` when no scored row has a weight above 0: every weighted number would be 0 / 0.

    >>> check_some_weight(0.0, "weight", 3, "s.csv")
    Traceback (most recent call last):
    ...
    feedback_classifier.errors.ScoreError: s.csv: column 'weight' gives every one of the 3 rows with a valid score weight 0 (or blank): there is nothing to weigh. Check --weight-col names the weight column.
    """
    if not total > 0:
        where = f"{source}: " if source else ""
        raise ScoreError(
            f"{where}column {column!r} gives every one of the {rows:,} rows with a valid score weight 0 (or blank): "
            "there is nothing to weigh. Check --weight-col names the weight column.")


def kish_n(w_sum: Any, w2_sum: Any) -> Any:
    """Kish's effective sample size (sum w)^2 / sum w^2 (0 where there is no weight).

    >>> kish_n(4.0, 4.0), round(kish_n(4.0, 10.0), 3)   # four weights of 1; 1, 1, 1 and 1 (sum 4) vs 0.5, 0.5, 1, 2
    (4.0, 1.6)
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(np.asarray(w2_sum) > 0, np.asarray(w_sum, dtype=float) ** 2 / np.asarray(w2_sum, dtype=float), 0.0)
    return float(out) if np.ndim(out) == 0 else out


def weighted_summary(parsed: Any, w: np.ndarray, w2: np.ndarray, rows: np.ndarray, confidence: float) -> Any:
    """``summarize_scores`` of design-weighted scores: the weighted metric, its interval on Kish's
    effective n. ``w``/``w2``: each row's sum of weights and of squared weights, ``rows`` the rows it
    stands for (1 each unless the table is reduced). ``n_scored`` stays the rows with a valid score (weight 0 too);
    promoters/passives/detractors are left out (they would be weighted, not people).
    """
    from feedback_classifier.insights.scores import summarize_scores

    keep = parsed.valid
    total, total2 = float(w[keep].sum()), float(w2[keep].sum())
    n_eff = kish_n(total, total2)
    scaled = w * (n_eff / total) if total > 0 else w
    summary = summarize_scores(parsed, confidence, weights=scaled, effective=True)
    return dataclasses.replace(summary, n_scored=int(rows[keep].sum()), promoters=None, passives=None,
                               detractors=None, n_effective=n_eff)
