"""Score columns whose values say the score type is wrong even though every value is in range.

A 1-5 star rating read as NPS (the default score type) fits inside 0-10, so nothing is out of
range; but every score is a detractor, NPS is -100 and no category can move it. That is said
with what to pass instead, never silently reported as NPS -100.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_MISMATCH_MIN = 30  # valid scores from which "every one is a detractor" means a wrong score type, not a bad month


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
    valid = np.asarray(valid, dtype=float)
    n = valid.size if weights is None else float(np.sum(weights))
    if spec.score_type != "nps" or not valid.size or n < _MISMATCH_MIN or valid.max() > 6:
        return ""
    low, high = float(valid.min()), float(valid.max())
    scale = "" if low >= 1 and high <= 5 else f" --scale {low:g}-{high:g}"
    return (f"The valid scores in '{column}' run {low:g}-{high:g}: on NPS's 0-10 every one is a detractor "
            f"(NPS -100, no drivers). If it is a rating such as 1-5 stars, pass --score-type csat{scale} "
            "(or --score-type mean).")
