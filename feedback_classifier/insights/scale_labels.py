"""Answer labels of a rating scale, which survey platforms export in place of its numbers.

Google Forms, SurveyMonkey ("Actual answer text") and Qualtrics ("Use choice text") write a CSAT
or CES answer as its label: ``Very satisfied``, ``Somewhat dissatisfied``, «Скорее доволен»,
``Strongly agree``. Each is one point of its scale, so it is read as that point, and the run says
which labels it read. Only the labels of a known scale of the score type's length are read (a
5-point CSAT; a 7-point CES of agreement with "it was easy", or a 5-point one of ease), and only
when every text cell of the column is one of them: anything else (``Excellent``) stays "not a
number", with the fix in the message.
"""

from __future__ import annotations

import math
import re
from typing import Any

__all__ = ["read_labels"]

# each scale's labels by point, 0 the worst answer; English as SurveyMonkey, Qualtrics and Google
# Forms templates write them, Russian in both genders
_SATISFACTION_5 = (
    ("very dissatisfied", "extremely dissatisfied", "completely dissatisfied", "очень недоволен", "очень недовольна",
     "совершенно недоволен", "совершенно недовольна", "совсем не доволен", "совсем не довольна"),
    ("dissatisfied", "somewhat dissatisfied", "slightly dissatisfied", "недоволен", "недовольна", "скорее недоволен",
     "скорее недовольна", "скорее не доволен", "скорее не довольна"),
    ("neither satisfied nor dissatisfied", "neither satisfied or dissatisfied", "neutral", "нейтрально",
     "ни то ни другое", "ни доволен, ни недоволен", "ни довольна, ни недовольна"),
    ("satisfied", "somewhat satisfied", "slightly satisfied", "доволен", "довольна", "скорее доволен", "скорее довольна"),
    ("very satisfied", "extremely satisfied", "completely satisfied", "очень доволен", "очень довольна",
     "полностью доволен", "полностью довольна", "совершенно доволен", "совершенно довольна"),
)
# CES 2.0: "The company made it easy for me to handle my issue", agreement on 1-7
_AGREEMENT_7 = (
    ("strongly disagree", "полностью не согласен", "полностью не согласна", "совершенно не согласен",
     "совершенно не согласна"),
    ("disagree", "не согласен", "не согласна"),
    ("somewhat disagree", "slightly disagree", "скорее не согласен", "скорее не согласна"),
    ("neither agree nor disagree", "neither agree or disagree", "neutral", "нейтрально", "ни то ни другое"),
    ("somewhat agree", "slightly agree", "скорее согласен", "скорее согласна"),
    ("agree", "согласен", "согласна"),
    ("strongly agree", "полностью согласен", "полностью согласна", "совершенно согласен", "совершенно согласна"),
)
_EASE_5 = (
    ("very difficult", "extremely difficult", "очень сложно", "очень трудно"),
    ("difficult", "somewhat difficult", "сложно", "трудно", "скорее сложно", "скорее трудно"),
    ("neither easy nor difficult", "neither easy or difficult", "neutral", "нейтрально", "ни то ни другое"),
    ("easy", "somewhat easy", "легко", "просто", "скорее легко", "скорее просто"),
    ("very easy", "extremely easy", "очень легко", "очень просто"),
)
_SCALES = {("csat", 5): ("a 5-point CSAT", "--score-type csat", _SATISFACTION_5),
           ("ces", 7): ("a 7-point CES", "--score-type ces", _AGREEMENT_7),
           ("ces", 5): ("a 5-point CES", "--score-type ces --scale 1-5", _EASE_5)}
# what Qualtrics' NPS_GROUP columns and hand-made sheets write in place of the score
_NPS_GROUPS = {"promoter", "promoters", "passive", "passives", "detractor", "detractors", "промоутер", "промоутеры",
               "нейтрал", "нейтралы", "критик", "критики"}
_LABELS = {key: {label: point for point, labels in enumerate(table) for label in labels}
           for key, (_, _, table) in _SCALES.items()}


def _key(value: Any) -> str:
    """A label as looked up: case, ё, runs of spaces and end punctuation aside."""
    text = " ".join(str(value).casefold().replace("ё", "е").replace("–", "-").split())
    text = text.replace("ни то, ни другое", "ни то ни другое")
    return re.sub(r"[\s.!]+$", "", text)


def _scale_of(spec: Any) -> tuple | None:
    """The ``_SCALES`` key of ``spec`` (a ``ScoreSpec``): its score type and number of points."""
    if spec.scale is None or spec.score_type not in ("csat", "ces"):
        return None
    return (spec.score_type, int(spec.scale[1] - spec.scale[0]) + 1)


def read_labels(parsed: list[tuple[float, str | None]], uniques: list, spec: Any) -> tuple[list, str]:
    """``parsed`` (one ``(number, problem)`` per distinct cell in ``uniques``) with the answer labels
    of ``spec``'s scale read as their points, and a line saying what was read; or, when the column
    holds only words (labels this module cannot read, or a known scale's under another score type),
    ``parsed`` as it is and a line saying how to fix it; else ``(parsed, "")``.

    >>> from feedback_classifier.insights.scores import ScoreSpec
    >>> cells = ["Very satisfied", "somewhat dissatisfied", "5", "Нейтрально"]
    >>> parsed = [(math.nan, "non_numeric"), (math.nan, "non_numeric"), (5.0, None), (math.nan, "non_numeric")]
    >>> values, note = read_labels(parsed, cells, ScoreSpec.make("csat"))
    >>> [v for v, _ in values], note
    ([5.0, 2.0, 5.0, 3.0], "Read 3 answer labels as CSAT points: 'Very satisfied' = 5, 'somewhat dissatisfied' = 2, 'Нейтрально' = 3.")
    >>> read_labels(parsed[:2], cells[:2], ScoreSpec.make("nps"))[1][:72]
    'The cells are answer labels, not numbers: they read as a 5-point CSAT wi'
    >>> read_labels([(math.nan, "non_numeric")] * 2, ["Strongly agree", "Disagree"], ScoreSpec.make("ces"))[1]
    "Read 2 answer labels as CES points: 'Strongly agree' = 7, 'Disagree' = 2."
    >>> read_labels([(math.nan, "non_numeric")] * 2, ["Promoter", "Detractor"], ScoreSpec.make("nps"))[1][:45]
    'The cells are NPS groups, not scores: pass th'
    >>> read_labels([(math.nan, "non_numeric")], ["Excellent"], ScoreSpec.make("csat"))[1][:60]
    'The cells are answer labels, not numbers: export the survey '
    """
    text = [i for i, (_, problem) in enumerate(parsed) if problem == "non_numeric"]
    if not text:
        return parsed, ""
    keys = [_key(uniques[i]) for i in text]
    scale = _scale_of(spec)
    if scale in _LABELS and all(k in _LABELS[scale] for k in keys):  # one unknown word: not this scale's labels
        low, high = spec.scale
        out, read = list(parsed), []
        for i, key in zip(text, keys, strict=True):
            point = _LABELS[scale][key]
            value = low + point if spec.higher_is_better else high - point
            out[i] = (float(value), None)
            read.append(f"{str(uniques[i]).strip()!r} = {value:g}")
        what = spec.score_type.upper()
        return out, f"Read {len(read)} answer label{'s' * (len(read) != 1)} as {what} points: {', '.join(read)}."
    words = [str(uniques[i]) for i in text]
    if len(text) < len(parsed) - sum(p == "missing" for _, p in parsed) or len(words) > 11 \
            or any(re.search(r"\d", w) or len(w) > 60 for w in words):
        return parsed, ""  # numbers beside them, or free text: the usual messages say it
    if all(k in _NPS_GROUPS for k in keys):
        return parsed, ("The cells are NPS groups, not scores: pass the column with the 0-10 answers (in a Qualtrics "
                        "export the question's column without _NPS_GROUP).")
    fits = [(name, option, table) for key, (name, option, table) in _SCALES.items()
            if all(k in _LABELS[key] for k in keys)]
    if fits:
        name, option, table = fits[0]
        return parsed, (f"The cells are answer labels, not numbers: they read as {name} with {option} "
                        f"({table[0][0].capitalize()} = 1 ... {table[-1][0].capitalize()} = {len(table)}).")
    return parsed, ("The cells are answer labels, not numbers: export the survey with numeric values (Qualtrics: "
                    "'Use numeric values'; SurveyMonkey: 'Numerical value'), or recode the labels to their numbers "
                    "in a copy of the file.")
