"""Answer labels of a satisfaction scale, which survey platforms export in place of its numbers.

Google Forms, SurveyMonkey ("Actual answer text") and Qualtrics ("Use choice text") write a CSAT
answer as its label: ``Very satisfied``, ``Somewhat dissatisfied``, «Скорее доволен». Each is one
point of a 5-point scale, so it is read as that point, and the run says which labels it read.
Only the labels of one known scale are read, only for a 5-point CSAT, and only when every text
cell of the column is one of them: anything else (``Excellent``, a 7-point scale's labels) stays
"not a number", with the fix in the message.
"""

from __future__ import annotations

import math
import re
from typing import Any

__all__ = ["read_labels"]

# position on the scale, 0 the worst answer; English as SurveyMonkey, Qualtrics and Google Forms
# templates write them, Russian in both genders
_POINTS = {
    0: ("very dissatisfied", "extremely dissatisfied", "completely dissatisfied", "очень недоволен",
        "очень недовольна", "совершенно недоволен", "совершенно недовольна", "совсем не доволен", "совсем не довольна"),
    1: ("dissatisfied", "somewhat dissatisfied", "slightly dissatisfied", "недоволен", "недовольна",
        "скорее недоволен", "скорее недовольна", "скорее не доволен", "скорее не довольна"),
    2: ("neither satisfied nor dissatisfied", "neither satisfied or dissatisfied", "neutral", "нейтрально",
        "ни то ни другое", "ни доволен, ни недоволен", "ни довольна, ни недовольна"),
    3: ("satisfied", "somewhat satisfied", "slightly satisfied", "доволен", "довольна", "скорее доволен",
        "скорее довольна"),
    4: ("very satisfied", "extremely satisfied", "completely satisfied", "очень доволен", "очень довольна",
        "полностью доволен", "полностью довольна", "совершенно доволен", "совершенно довольна"),
}
_LABELS = {label: point for point, labels in _POINTS.items() for label in labels}


def _key(value: Any) -> str:
    """A label as looked up: case, ё, runs of spaces, a leading point number and end punctuation aside."""
    text = " ".join(str(value).casefold().replace("ё", "е").replace("–", "-").split())
    text = text.replace("ни то, ни другое", "ни то ни другое")
    return re.sub(r"[\s.!]+$", "", text)


def _five_point_csat(spec: Any) -> bool:
    return spec.score_type == "csat" and spec.scale is not None and spec.scale[1] - spec.scale[0] == 4


def read_labels(parsed: list[tuple[float, str | None]], uniques: list, spec: Any) -> tuple[list, str]:
    """``parsed`` (one ``(number, problem)`` per distinct cell in ``uniques``) with the satisfaction
    labels read as their scale points, and a line saying what was read; or, when the column holds
    only words (answer labels this module cannot read, or a CSAT's read as another score type),
    ``parsed`` as it is and a line saying how to fix it; else ``(parsed, "")``.

    >>> from feedback_classifier.insights.scores import ScoreSpec
    >>> cells = ["Very satisfied", "somewhat dissatisfied", "5", "Нейтрально"]
    >>> parsed = [(math.nan, "non_numeric"), (math.nan, "non_numeric"), (5.0, None), (math.nan, "non_numeric")]
    >>> values, note = read_labels(parsed, cells, ScoreSpec.make("csat"))
    >>> [v for v, _ in values], note
    ([5.0, 2.0, 5.0, 3.0], "Read 3 answer labels as CSAT points: 'Very satisfied' = 5, 'somewhat dissatisfied' = 2, 'Нейтрально' = 3.")
    >>> read_labels(parsed[:2], cells[:2], ScoreSpec.make("nps"))[1][:72]
    'The cells are answer labels, not numbers: they read as a 5-point CSAT wi'
    >>> read_labels([(math.nan, "non_numeric")], ["Excellent"], ScoreSpec.make("csat"))[1][:60]
    'The cells are answer labels, not numbers: export the survey '
    """
    text = [i for i, (_, problem) in enumerate(parsed) if problem == "non_numeric"]
    if not text:
        return parsed, ""
    known = all(_key(uniques[i]) in _LABELS for i in text)  # one unknown word: not this scale's labels
    if known and _five_point_csat(spec):
        low, high = spec.scale
        out, read = list(parsed), []
        for i in text:
            point = _LABELS[_key(uniques[i])]
            value = low + point if spec.higher_is_better else high - point
            out[i] = (float(value), None)
            read.append(f"{str(uniques[i]).strip()!r} = {value:g}")
        return out, f"Read {len(read)} answer label{'s' * (len(read) != 1)} as CSAT points: {', '.join(read)}."
    words = [str(uniques[i]) for i in text]
    if len(text) < len(parsed) - sum(p == "missing" for _, p in parsed) or len(words) > 11 \
            or any(re.search(r"\d", w) or len(w) > 60 for w in words):
        return parsed, ""  # numbers beside them, or free text: the usual messages say it
    if known:
        return parsed, ("The cells are answer labels, not numbers: they read as a 5-point CSAT with "
                        "--score-type csat (Very dissatisfied = 1 ... Very satisfied = 5).")
    return parsed, ("The cells are answer labels, not numbers: export the survey with numeric values (Qualtrics: "
                    "'Use numeric values'; SurveyMonkey: 'Numerical value'), or recode the labels to their numbers "
                    "in a copy of the file.")
