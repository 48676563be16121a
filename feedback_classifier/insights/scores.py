"""Score columns: parse NPS / CSAT / CES / any numeric score, report bad values, summarise.

A score column is read leniently but never silently: ``9``, ``9.0``, ``"9"``, ``" 9 "`` and
``"9,0"`` (decimal comma) all read as 9; anything that is missing, not a number, outside the
scale or (for rating scales) not a whole number is *reported* with its row numbers and left out
of score statistics. The row itself is kept: its comment still counts as a mention.

Row numbers count data rows from 1 (row 1 = the first row under the header), the same convention as the rest of
the package; in a spreadsheet with one header line that is spreadsheet row N + 1.

Score types and what each one measures (``ScoreSpec``):

=========  ===========  ==========================================  ===========================
type       scale        metric (a mean of a per-respondent value y)  "detractor"
=========  ===========  ==========================================  ===========================
``nps``    0-10 fixed   NPS = % promoters (9-10) - % detractors     0-6
                        (0-6), points -100..100; y = +100/0/-100
``csat``   1-5 default  % top-2-box (satisfied), y = 100 or 0        bottom-2-box (dissatisfied)
``ces``    1-7 default  mean score, y = score                       bottom-2-box on the
                                                                    "easy" direction
``mean``   optional     mean score, y = score                       none
=========  ===========  ==========================================  ===========================

``higher_is_better=False`` (CES where 7 = most effort, or any "lower is better" score) flips
which end is the top box and which the bottom box. NPS, CSAT and CES scores must be whole
numbers (a respondent ticks one box); ``mean`` takes any finite number.

Because every metric is the mean of y, "metric with/without a category" and the leave-out
impact in ``drivers.py`` work the same way for all score types.

>>> spec = ScoreSpec.make("nps")
>>> parsed = parse_scores(["10", " 9 ", "6", "8.5", "", "abc", 7, "11"], spec, column="nps")
>>> parsed.values.tolist()[:3], int(parsed.valid.sum())
([10.0, 9.0, 6.0], 4)
>>> parsed.issues.counts()
{'missing': 1, 'non_numeric': 1, 'out_of_range': 1, 'not_integer': 1}
>>> parsed.issues.rows("not_integer").tolist()
[4]
>>> round(summarize_scores(parsed).metric, 1)   # 2 promoters, 1 passive, 1 detractor of 4
25.0

Survey platforms may export the choice text of the scale's ends: its number is the answer.

>>> parse_scores(["10 - Extremely likely", "0 = Not at all likely", "8-9", "5 stars"], spec).values.tolist()
[10.0, 0.0, nan, 5.0]
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Iterable

import numpy as np
import pandas as pd

from feedback_classifier.errors import ScoreError
from feedback_classifier.insights.intervals import mean_interval, nps_interval, weighted_mean_interval, wilson_interval
from feedback_classifier.insights.issues import ScoreIssues
from feedback_classifier.insights import scale_check
from feedback_classifier.insights.scale_check import all_detractors_hint, half_point_hint, mostly_invalid, within_scale
from feedback_classifier.insights.scale_labels import read_labels

SCORE_TYPES = ("nps", "csat", "ces", "mean")
DEFAULT_SCALES: dict[str, tuple[float, float] | None] = {
    "nps": (0.0, 10.0),
    "csat": (1.0, 5.0),
    "ces": (1.0, 7.0),
    "mean": None,
}
ISSUE_KINDS = ("missing", "non_numeric", "out_of_range", "not_integer")
# Spellings of "no answer" that are missing values, not typos.
_MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "none", "null", "-", "--", "—", "#n/a", "н/д"})
# How parse_scores tells a decimal comma ("8,5") from a dot decimal ("8.5"); streaming readers share it.
COMMA_DECIMAL = re.compile(r"^[+-]?\d+,\d+$")
# The comma cells a column with dot decimals leaves unread: only these could be thousands ("1,234");
# "3,0" or "8,5" cannot (an XLSX's number cells read as "8.5" next to its text cells typed "3,0" in a
# decimal-comma Excel: those were "not a number")
THOUSANDS_COMMA = re.compile(r"^[+-]?\d{1,3},\d{3}$")
DOT_DECIMAL = re.compile(r"^[+-]?\d*\.\d+$")
# A scale point with its label, as survey platforms export the choice text: "10 - Extremely likely",
# "0 = Not at all likely", "5 (Very satisfied)", "10 – Обязательно" (spaces already removed): the
# number is the answer. A digit right after the separator ("8-9") is a range, not a label.
_LABELLED_POINT = re.compile(r"^([+-]?\d+)(?:[-–—:=(])?(?=[^\W\d_])")
_SCALE_RE = re.compile(
    r"^\s*([+-]?\d+(?:[.,]\d+)?)\s*(?:-|–|—|\.\.|:|to)\s*([+-]?\d+(?:[.,]\d+)?)\s*$", re.IGNORECASE
)


def parse_scale(text: str | Iterable[float] | None) -> tuple[float, float] | None:
    """Read a scale such as ``"1-5"``, ``"0..10"``, ``"1 to 7"`` or ``(1, 5)``.

    >>> parse_scale("1-5"), parse_scale("0..10"), parse_scale((1, 7))
    ((1.0, 5.0), (0.0, 10.0), (1.0, 7.0))
    """
    if text is None:
        return None
    if isinstance(text, str):
        match = _SCALE_RE.match(text)
        if not match:
            raise ScoreError(f"Cannot read scale '{text}': write it as LOW-HIGH, e.g. --scale 1-5.")
        low, high = (float(g.replace(",", ".")) for g in match.groups())
    else:
        try:
            low, high = (float(v) for v in text)
        except (TypeError, ValueError):
            raise ScoreError(f"Cannot read scale {text!r}: give two numbers (low, high), e.g. (1, 5).") from None
    if not (math.isfinite(low) and math.isfinite(high)) or low >= high:
        raise ScoreError(f"Invalid scale {low:g}-{high:g}: the low end must be below the high end, e.g. 1-5.")
    return (low, high)


@dataclass(frozen=True)
class ScoreSpec:
    """What a score column holds and how it is summarised. Build it with ``ScoreSpec.make``.

    >>> spec = ScoreSpec.make("ces", "1-7", higher_is_better=False)
    >>> spec.scale, spec.value_digits
    ((1.0, 7.0), 1)
    """

    score_type: str
    scale: tuple[float, float] | None
    higher_is_better: bool = True

    @classmethod
    def make(cls, score_type: str = "nps", scale: Any = None, higher_is_better: bool = True) -> "ScoreSpec":
        """Validate the settings and fill in the default scale.

        >>> ScoreSpec.make("csat")
        ScoreSpec(score_type='csat', scale=(1.0, 5.0), higher_is_better=True)
        >>> ScoreSpec.make("ces", "1-7", higher_is_better=False).top_box_values()
        [1.0, 2.0]
        """
        kind = str(score_type).strip().lower()
        if kind not in SCORE_TYPES:
            raise ScoreError(f"Unknown score type '{score_type}': use one of {', '.join(SCORE_TYPES)}.")
        parsed = parse_scale(scale)
        if kind == "nps":
            if parsed is not None and parsed != (0.0, 10.0):
                raise ScoreError(
                    f"NPS is defined on 0-10, not {parsed[0]:g}-{parsed[1]:g}: drop --scale, or use "
                    "--score-type csat/mean for other scales."
                )
            if not higher_is_better:
                raise ScoreError("NPS always has 10 as the best score: drop the 'lower is better' setting.")
            parsed = (0.0, 10.0)
        elif parsed is None:
            parsed = DEFAULT_SCALES[kind]
        if kind in ("csat", "ces") and parsed is not None:
            if parsed[0] != int(parsed[0]) or parsed[1] != int(parsed[1]) or parsed[1] - parsed[0] < 2:
                raise ScoreError(
                    f"A {kind.upper()} scale needs whole-number ends at least 2 apart, got "
                    f"{parsed[0]:g}-{parsed[1]:g}."
                )
        return cls(kind, parsed, bool(higher_is_better))

    @classmethod
    def from_settings(cls, settings: dict) -> "ScoreSpec":
        """The spec recorded in a result's ``settings`` (``score_type``, ``scale``, ``higher_is_better``).

        >>> ScoreSpec.from_settings({"score_type": "ces", "scale": [1, 7], "higher_is_better": False}).higher_is_better
        False
        """
        scale = settings.get("scale")
        return cls.make(
            settings.get("score_type", "nps"),
            tuple(scale) if scale is not None else None,
            bool(settings.get("higher_is_better", True)),
        )

    @property
    def value_digits(self) -> int:
        """Decimal places for the metric itself (NPS 20, CSAT 81%, CES 3.4).

        >>> ScoreSpec.make("nps").value_digits, ScoreSpec.make("ces").value_digits
        (0, 1)
        """
        return 1 if self.score_type in ("ces", "mean") else 0

    @property
    def impact_digits(self) -> int:
        """Decimal places for differences and impacts (NPS -6.9 points, CES +0.12)."""
        return self.value_digits + 1

    @property
    def unit(self) -> str:
        """Suffix of the metric's value: ``%`` for CSAT's top-2-box share, else nothing."""
        return "%" if self.score_type == "csat" else ""

    @property
    def harm_sign(self) -> float:
        """The sign of a harmful impact (metric with the category minus without): -1.0 where a
        lower metric hurts, +1.0 where a higher one does.

        NPS and CSAT metrics count the good end of the scale (promoters, top-2-box, flipped for a
        lower-is-better CSAT), so lower is always worse; a CES or ``mean`` metric is the raw mean,
        which hurts when it moves away from the better end.

        >>> ScoreSpec.make("csat", higher_is_better=False).harm_sign, ScoreSpec.make("ces", higher_is_better=False).harm_sign
        (-1.0, 1.0)
        """
        return -1.0 if self.score_type in ("nps", "csat") or self.higher_is_better else 1.0

    def is_harmful(self, impact: Any) -> Any:
        """Where an impact (metric with the category minus without) hurts satisfaction.

        >>> ScoreSpec.make("nps").is_harmful(np.array([-2.0, 1.0])).tolist()
        [True, False]
        >>> bool(ScoreSpec.make("ces", higher_is_better=False).is_harmful(0.3))
        True
        """
        return np.asarray(impact, dtype=float) * self.harm_sign > 0

    @property
    def integer_scale(self) -> bool:
        """Rating scales (NPS, CSAT, CES) only take whole numbers."""
        return self.score_type in ("nps", "csat", "ces")

    @property
    def has_detractors(self) -> bool:
        return self.score_type != "mean"

    @property
    def metric_name(self) -> str:
        return {
            "nps": "NPS",
            "csat": "CSAT (% top-2-box)",
            "ces": "CES (mean)",
            "mean": "mean score",
        }[self.score_type]

    def scale_hint(self, low: float, high: float, whole: bool) -> str:
        """What to pass when scores fall outside the scale: the numbers read run ``low``-``high``
        (``whole``: all whole numbers). Each score type's reading of a foreign range lives here.

        >>> ScoreSpec.make("csat").scale_hint(0, 10, True)
        'The values run 0-10, like 0-10 NPS: pass --score-type nps (or --scale 0-10 if this is CSAT on 0-10).'
        >>> ScoreSpec.make("csat").scale_hint(1, 7, True)
        'The values run 1-7: if that is the scale, pass --scale 1-7.'
        >>> ScoreSpec.make("csat").scale_hint(1, 10, True)
        'The values run 1-10, like 0-10 NPS: pass --score-type nps (or --scale 1-10 if this is CSAT on 1-10).'
        >>> ScoreSpec.make("nps").scale_hint(0, 100, True)
        "The values run 0-100, not NPS's 0-10: for another scale pass --score-type csat, ces or mean with --scale 0-100."
        """
        values = f"{low:g}-{high:g}"
        if self.score_type == "nps":
            return (f"The values run {values}, not NPS's 0-10: for another scale pass --score-type csat, ces or mean "
                    f"with --scale {values}.")
        if whole and 0 <= low and high <= 10 and (high >= 9 or low == 0):
            ten = "0-10" if low == 0 else "1-10"  # a 1-10 rating told 0-10 had only its 1s in the bottom two boxes
            return (f"The values run {values}, like 0-10 NPS: pass --score-type nps (or --scale {ten} if this is "
                    f"{self.score_type.upper()} on {ten}).")
        return f"The values run {values}: if that is the scale, pass --scale {values}."

    def top_box_values(self) -> list[float]:
        """The two best scale points (CSAT/CES)."""
        low, high = self.scale  # type: ignore[misc]
        return [high - 1, high] if self.higher_is_better else [low, low + 1]

    def metric_values(self, scores: np.ndarray) -> np.ndarray:
        """Per-respondent value y whose mean is the metric (NaN stays NaN)."""
        s = np.asarray(scores, dtype=float)
        if self.score_type == "nps":
            return np.where(s >= 9, 100.0, np.where(s >= 7, 0.0, -100.0)) + s * 0.0
        if self.score_type == "csat":
            return self.top_box(s) * 100.0 + s * 0.0
        return s.copy()

    def top_box(self, scores: np.ndarray) -> np.ndarray:
        s = np.asarray(scores, dtype=float)
        if self.score_type == "nps":
            return s >= 9
        # a mean score without a scale: the two best values seen (the report's satisfied customers)
        low, high = self.scale or (np.nanmin(s, initial=np.inf), np.nanmax(s, initial=-np.inf))
        return s >= high - 1 if self.higher_is_better else s <= low + 1

    def detractor(self, scores: np.ndarray) -> np.ndarray | None:
        """Boolean detractor flag (False where the score is NaN); None for ``mean``."""
        s = np.asarray(scores, dtype=float)
        if self.score_type == "nps":
            return s <= 6
        if self.score_type == "mean":
            return None
        low, high = self.scale  # type: ignore[misc]
        return s <= low + 1 if self.higher_is_better else s >= high - 1


_HINT_SHARE = 0.1  # share of the readable scores out of range from which the scale looks wrong


@dataclass
class ParsedScores:
    """A parsed score column: ``values`` (float, NaN where invalid), ``valid`` mask, ``issues``."""

    values: np.ndarray
    valid: np.ndarray
    issues: ScoreIssues
    spec: ScoreSpec


# group spaces and the invisible characters of a cell pasted from the web ("\u200b10", "8\ufeff" were no number)
_NOT_IN_A_NUMBER = dict.fromkeys(map(ord, " \u00a0\u2007\u2009\u202f\u200b\u200c\u200d\u200e\u200f\u2060\ufeff"
                                         "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"), None)


def _parse_unique(raw: Any, decimal: str | None) -> tuple[float, str | None]:
    """(number, None) or (nan, problem kind) for one distinct cell value."""
    if raw is None or (isinstance(raw, float) and math.isnan(raw)) or raw is pd.NA or raw is pd.NaT:
        return math.nan, "missing"
    if isinstance(raw, (bool, np.bool_)):
        return math.nan, "non_numeric"
    if isinstance(raw, (int, float, np.integer, np.floating)):
        value = float(raw)
        return (value, None) if math.isfinite(value) else (math.nan, "non_numeric")
    text = str(raw).translate(_NOT_IN_A_NUMBER).strip()
    if text.lower() in _MISSING_TOKENS:
        return math.nan, "missing"
    if COMMA_DECIMAL.match(text) and (decimal == "," or not THOUSANDS_COMMA.match(text)):
        text = text.replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        labelled = _LABELLED_POINT.match(text)
        if not labelled:
            return math.nan, "non_numeric"
        value = float(labelled.group(1))
    return (value, None) if math.isfinite(value) else (math.nan, "non_numeric")


def parse_scores(values: Any, spec: ScoreSpec | str, *, column: str = "score", decimal: str | None = None,
                 weights: np.ndarray | None = None) -> ParsedScores:
    """Parse a score column into floats; bad values are reported, not dropped. ``weights``: the rows
    each value stands for (a reduced table's), which the hints of another scale weigh. ``spec``: a
    ``ScoreSpec`` or a score type name (``"nps"``), as ``compute_drivers`` takes it.

    ``decimal``: ``","`` or ``"."``; by default a comma is read as the decimal mark
    (``"8,0"``) unless the column also holds dot decimals (``"8.5"``), in which case the
    comma values that could be thousands (``"1,234"``) are reported as not a number rather than guessed.

    Distinct values are parsed once and mapped back, so a 1M-row text column of scores
    parses in a fraction of a second.

    >>> p = parse_scores(pd.Series(["9,0", "7", "4"]), ScoreSpec.make("csat", "1-5"), column="csat")
    >>> p.values.tolist(), p.issues.counts()["out_of_range"]
    ([nan, nan, 4.0], 2)
    """
    if isinstance(spec, str):  # parse_scores(values, "nps") was an AttributeError: 'str' has no 'scale'
        spec = ScoreSpec.make(spec)
    if not isinstance(values, pd.Series) and not pd.api.types.is_list_like(values):  # None parsed as no rows
        raise ScoreError(f"Column {column!r}: no scores given ({values!r}); pass its values (a Series, list or array).")
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    n = len(series)
    kinds_per_row: np.ndarray  # int8 code per row: -1 ok, else index into ISSUE_KINDS
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        x = series.to_numpy(dtype=float, na_value=np.nan)
        kinds_per_row = np.where(np.isnan(x), 0, -1).astype(np.int8)
        kinds_per_row[np.isinf(x)] = 1
        x = np.where(np.isfinite(x), x, np.nan)
        raw_for_examples, labels_note = None, ""
    else:
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        uniques_list = list(uniques)
        if decimal is None:
            as_text = [str(u).strip() for u in uniques_list if isinstance(u, str)]
            has_dot = any(DOT_DECIMAL.match(t) for t in as_text)
            decimal = "." if has_dot else ","
        parsed, labels_note = read_labels([_parse_unique(u, decimal) for u in uniques_list], uniques_list, spec)
        u_values = np.array([p[0] for p in parsed] + [np.nan], dtype=float)
        u_kinds = np.array([-1 if p[1] is None else ISSUE_KINDS.index(p[1]) for p in parsed] + [0], dtype=np.int8)
        x = u_values[codes]  # code -1 (missing) picks the trailing NaN / "missing"
        kinds_per_row = u_kinds[codes]
        raw_for_examples = (codes, uniques_list)

    ok = kinds_per_row < 0
    hint, weights = labels_note, None if weights is None else np.asarray(weights, dtype=float)
    if spec.scale is not None:
        low, high = spec.scale
        out = ok & ((x < low) | (x > high))
        kinds_per_row[out] = ISSUE_KINDS.index("out_of_range")
        numbers = x[ok]
        # a wrong --score-type or --scale puts many values out: say which fits; a few strays ('11') are typos
        w = np.ones(len(x)) if weights is None else weights
        if out.any() and w[out].sum() >= _HINT_SHARE * w[ok].sum():
            hint = spec.scale_hint(float(numbers.min()), float(numbers.max()), bool((numbers == np.round(numbers)).all()))
        ok &= ~out
    if spec.integer_scale:
        frac = ok & (x != np.round(x))
        kinds_per_row[frac], hint = ISSUE_KINDS.index("not_integer"), hint or half_point_hint(spec, x[frac])
        ok &= ~frac
    x = np.where(ok, x, np.nan)
    w_ok = None if weights is None else weights[ok]
    hint = hint or all_detractors_hint(spec, x[ok], column, w_ok) or scale_check.unused_top_hint(spec, x[ok], column, w_ok)

    problem_rows: dict[str, np.ndarray] = {}
    examples: dict[str, list[str]] = {}
    if not ok.all():
        for k, kind in enumerate(ISSUE_KINDS):
            positions = np.flatnonzero(kinds_per_row == k)
            problem_rows[kind] = positions + 1
            if len(positions) and kind != "missing":
                examples[kind] = _examples(series, positions, raw_for_examples)
    problem_rows.update({kind: np.empty(0, dtype=np.int64) for kind in ISSUE_KINDS if kind not in problem_rows})
    issues = ScoreIssues(column=column, n_rows=n, problem_rows=problem_rows, examples=examples, hint=hint,
                         text_values=0 if raw_for_examples is None else sum(p[1] == "non_numeric" for p in parsed))
    return ParsedScores(values=x, valid=ok, issues=issues, spec=spec)


def _examples(series: pd.Series, positions: np.ndarray, raw: tuple | None, limit: int = 5) -> list[str]:
    """Up to ``limit`` distinct offending values, as the user wrote them."""
    if raw is not None:
        codes, uniques = raw
        distinct = pd.unique(codes[positions])[:limit]
        return [str(uniques[c]) for c in distinct if c >= 0]
    values = pd.unique(series.to_numpy()[positions])[:limit]
    return [f"{v:g}" if isinstance(v, (float, np.floating)) else str(v) for v in values]


# ---- intervals


@dataclass
class ScoreSummary:
    """The overall metric of a score column with its confidence interval.

    ``metric`` is NPS points, CSAT % top-2-box, or a mean (CES, ``mean``), with ``ci_low``/
    ``ci_high`` (adjusted Wald for NPS, Wilson for the CSAT share, t for means). Shares are
    fractions 0..1. Fields that do not apply to the score type are NaN.
    """

    score_type: str
    metric_name: str
    metric: float
    ci_low: float
    ci_high: float
    confidence: float
    n_rows: int
    n_scored: int
    n_invalid: int
    mean: float = math.nan
    mean_low: float = math.nan
    mean_high: float = math.nan
    top_box_share: float = math.nan
    top_box_low: float = math.nan
    top_box_high: float = math.nan
    detractor_share: float = math.nan
    detractor_low: float = math.nan
    detractor_high: float = math.nan
    promoters: int | None = None
    passives: int | None = None
    detractors: int | None = None
    scale: tuple[float, float] | None = None
    higher_is_better: bool = True
    n_effective: float = math.nan  # Kish's, with survey weights (``insights.survey``)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def summarize_scores(
    parsed: ParsedScores, confidence: float = 0.95, weights: np.ndarray | None = None, effective: bool = False
) -> ScoreSummary:
    """Overall metric with a confidence interval for a parsed score column.

    ``weights`` are frequency weights (a row standing for that many identical respondents,
    as in the reduced tables streaming ``analyze`` builds): the numbers equal those of the
    expanded rows. ``effective``: the weights are survey weights scaled to Kish's effective n
    (``insights.survey.weighted_summary``), so counts are fractional and kept so.

    >>> s = summarize_scores(parse_scores([5, 4, 4, 2, 1], ScoreSpec.make("csat"), column="csat"))
    >>> s.metric, s.mean
    (60.0, 3.2)
    >>> summarize_scores(parse_scores([5, 4, 2, 1], ScoreSpec.make("csat"), column="csat"), weights=np.array([1, 2, 1, 1])).mean
    3.2
    """
    spec = parsed.spec
    w = np.ones(len(parsed.values)) if weights is None else np.asarray(weights, dtype=float)
    keep = parsed.valid & (w > 0)
    v, wv = parsed.values[keep], w[keep]
    count = float if effective else int  # int() of a fractional effective count moved the NPS itself
    n = count(wv.sum())
    if n == 0 and len(parsed.values) == 0:
        raise ScoreError(f"Column '{parsed.issues.column}': the table has no data rows (only a header); "
                         "export the survey again with its responses.")
    if n == 0:
        raise ScoreError(f"Column '{parsed.issues.column}' has no valid {spec.score_type.upper()} score "
                         f"({parsed.issues.summary(max_rows=5)}) Check --score-col and --score-type/--scale.")
    if message := mostly_invalid(parsed.issues, spec.score_type):
        raise ScoreError(message)
    mean, mean_low, mean_high = (mean_interval(v, confidence) if weights is None
                                 else weighted_mean_interval(v, wv, confidence))
    mean_low, mean_high = within_scale(spec.scale, mean_low, mean_high)  # as the segments' and periods'
    if spec.scale is not None:
        top_share, top_low, top_high = wilson_interval(float(wv[spec.top_box(v)].sum()), n, confidence)
    else:  # a plain mean without a scale has no top box
        top_share = top_low = top_high = math.nan
    det = spec.detractor(v)
    if det is not None:
        det_share, det_low, det_high = wilson_interval(float(wv[det].sum()), n, confidence)
    else:
        det_share = det_low = det_high = math.nan
    common = dict(
        score_type=spec.score_type,
        metric_name=spec.metric_name,
        confidence=confidence,
        n_rows=parsed.issues.n_rows,
        n_scored=n,
        n_invalid=parsed.issues.n_invalid,
        mean=mean,
        mean_low=mean_low,
        mean_high=mean_high,
        top_box_share=top_share,
        top_box_low=top_low,
        top_box_high=top_high,
        detractor_share=det_share,
        detractor_low=det_low,
        detractor_high=det_high,
        scale=spec.scale,
        higher_is_better=spec.higher_is_better,
    )
    if spec.score_type == "nps":
        pro = count(wv[v >= 9].sum())
        detr = count(wv[v <= 6].sum())
        metric, low, high = nps_interval(pro, n - pro - detr, detr, confidence)
        return ScoreSummary(metric=metric, ci_low=low, ci_high=high, promoters=pro, passives=n - pro - detr,
                            detractors=detr, **common)
    if spec.score_type == "csat":
        return ScoreSummary(metric=100 * top_share, ci_low=100 * top_low, ci_high=100 * top_high, **common)
    return ScoreSummary(metric=mean, ci_low=mean_low, ci_high=mean_high, **common)
