"""Score columns whose values say the score type is wrong even though every value is in range.

A 1-5 star rating read as NPS (the default score type) fits inside 0-10, so nothing is out of
range; but every score is a detractor, NPS is -100 and no category can move it. That is said
with what to pass instead, never silently reported as NPS -100.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_MISMATCH_MIN = 30  # valid scores from which "every one is a detractor" means a wrong score type, not a bad month


def _seen(valid: np.ndarray, weights: np.ndarray | None) -> tuple[np.ndarray, float]:
    """The values some row has, and how many rows they stand for (``weights``: a reduced table's)."""
    valid = np.asarray(valid, dtype=float)
    if weights is None:
        return valid, valid.size
    weights = np.asarray(weights, dtype=float)
    return valid[weights > 0], float(np.sum(weights[weights > 0]))


def all_detractors_hint(spec: Any, valid: np.ndarray, column: str = "score", weights: np.ndarray | None = None) -> str:
    """What to pass when every valid score of an NPS column (``spec``: a ``ScoreSpec``) is a
    detractor (0-6); empty otherwise. ``weights``: the rows each value stands for (a reduced table).

    >>> from feedback_classifier.insights.scores import ScoreSpec
    >>> all_detractors_hint(ScoreSpec.make("nps"), np.array([1.0, 5.0] * 20), "Rating")[:71]
    "The valid scores in 'Rating' run 1-5: on NPS's 0-10 every one is a detr"
    >>> all_detractors_hint(ScoreSpec.make("nps"), np.array([1.0, 9.0] * 20)), all_detractors_hint(ScoreSpec.make("csat"), np.ones(40))
    ('', '')
    >>> bool(all_detractors_hint(ScoreSpec.make("nps"), np.array([1.0, 5.0]), weights=np.array([20, 20])))
    True
    """
    valid, n = _seen(valid, weights)
    if spec.score_type != "nps" or not valid.size or n < _MISMATCH_MIN or valid.max() > 6:
        return ""
    low, high = float(valid.min()), float(valid.max())
    scale = "" if low >= 1 and high <= 5 else f" --scale {low:g}-{high:g}"
    return (f"The valid scores in '{column}' run {low:g}-{high:g}: on NPS's 0-10 every one is a detractor "
            f"(NPS -100, no drivers). If it is a rating such as 1-5 stars, pass --score-type csat{scale} "
            "(or --score-type mean).")


def unused_top_hint(spec: Any, valid: np.ndarray, column: str = "score", weights: np.ndarray | None = None) -> str:
    """What to pass when no valid score of a CSAT or CES column reaches the two highest points of its
    scale (a 1-5 CES read on the default 1-7): its top box (or, lower being better, its high-effort
    box) is then 0% for every category, which reads as a finding; empty otherwise.

    >>> from feedback_classifier.insights.scores import ScoreSpec
    >>> unused_top_hint(ScoreSpec.make("ces"), np.array([1.0, 5.0] * 20), "ces")
    "The valid scores in 'ces' run 1-5: none reaches 6-7, the top of the 1-7 scale, so its top box is 0%. If the scale is 1-5, pass --scale 1-5."
    >>> unused_top_hint(ScoreSpec.make("ces"), np.array([1.0, 6.0] * 20)), unused_top_hint(ScoreSpec.make("ces"), np.ones(4))
    ('', '')
    """
    valid, n = _seen(valid, weights)
    if spec.score_type not in ("csat", "ces") or not valid.size or n < _MISMATCH_MIN:
        return ""
    low, high = spec.scale
    if valid.max() > high - 2:
        return ""
    box = "top box" if spec.higher_is_better else "high-effort box" if spec.score_type == "ces" else "bottom box"
    seen = f"{valid.min():g}-{valid.max():g}"
    return (f"The valid scores in '{column}' run {seen}: none reaches {high - 1:g}-{high:g}, the top of the "
            f"{low:g}-{high:g} scale, so its {box} is 0%. If the scale is {low:g}-{valid.max():g}, pass "
            f"--scale {low:g}-{valid.max():g}.")


def half_point_hint(spec: Any, fractional: np.ndarray) -> str:
    """What to pass when a CSAT or CES column holds scores between its points (``fractional``):
    review sites' half stars (3.5) are left out of a top-2-box, which is right for a survey's
    typo but loses every half-star review of a site's export. Empty for NPS (0-10 has no half
    points) and when there are none.

    >>> from feedback_classifier.insights.scores import ScoreSpec
    >>> half_point_hint(ScoreSpec.make("csat"), np.array([3.5, 4.5]))
    "Scores between the scale's points (3.5, 4.5) are not CSAT answers; if the scale has half points, pass --score-type mean --scale 1-5 to keep them (the mean rating)."
    """
    if spec.score_type not in ("csat", "ces") or not len(fractional):
        return ""
    seen = ", ".join(f"{v:g}" for v in list(dict.fromkeys(np.asarray(fractional, dtype=float).tolist()))[:3])
    low, high = spec.scale
    return (f"Scores between the scale's points ({seen}) are not {spec.score_type.upper()} answers; if the scale has "
            f"half points, pass --score-type mean --scale {low:g}-{high:g} to keep them (the mean rating).")


def within_scale(scale: Any, low: float, high: float) -> tuple[float, float]:
    """An interval of mean scores cut to the ``scale`` (None: as it is): a t interval on a few
    scores runs past the ends (CES 6.7 [5.2, 8.1] on 1-7), which no mean can reach.

    >>> within_scale((1.0, 7.0), 5.2, 8.1), within_scale(None, 5.2, 8.1)
    ((5.2, 7.0), (5.2, 8.1))
    """
    if scale is None:
        return low, high
    return max(low, scale[0]), min(high, scale[1])


_MOSTLY_INVALID = 0.25  # below this share of valid scores among the given cells, the column is not a score column
_MOSTLY_INVALID_MIN = 10  # given cells from which the share says so, and distinct words that make a column text


def mostly_invalid(issues: Any, score_type: str) -> str:
    """The error when fewer than a quarter of a score column's non-empty cells are valid scores
    (``issues``: its ``ScoreIssues``) and the rest are text (many distinct values: the comments passed as
    ``--score-col``) or out of the scale (NPS read as a 1-5 CSAT): either would otherwise give a
    confident metric of a few stray numbers and impacts of 0. Empty when the column holds mostly
    scores, too few cells to say, or one or two words in place of a score ("Not asked" where the
    question was not shown: the few scores left are real).

    >>> from feedback_classifier.insights.issues import ScoreIssues
    >>> issues = ScoreIssues("comment", 40, {"non_numeric": np.arange(1, 38), "missing": np.array([40])}, {},
    ...                      text_values=37)
    >>> mostly_invalid(issues, "nps")[:77]
    "Column 'comment': only 2 of 39 non-empty cells are valid NPS scores, so it is"
    >>> mostly_invalid(ScoreIssues("nps", 40, {"missing": np.arange(1, 38)}, {}), "nps")
    ''
    >>> mostly_invalid(ScoreIssues("nps", 40, {"non_numeric": np.arange(1, 38)}, {}, text_values=1), "nps")
    ''
    """
    counts = issues.counts()
    given = issues.n_rows - counts.get("missing", 0)
    if given < _MOSTLY_INVALID_MIN or issues.n_valid >= _MOSTLY_INVALID * given:
        return ""
    if counts.get("out_of_range", 0) < counts.get("non_numeric", 0) and issues.text_values < _MOSTLY_INVALID_MIN:
        return ""
    return (f"Column '{issues.column}': only {issues.n_valid:,} of {given:,} non-empty cells are valid "
            f"{score_type.upper()} scores, so it is not read as a score column ({issues.summary(max_rows=5)}) "
            "Check --score-col and --score-type/--scale.")
