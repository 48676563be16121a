"""Drivers: which categories (pain points) move NPS / CSAT / CES, by how much, how sure we are.

``compute_drivers(df, score_col=...)`` joins a ``categories`` column (display paths
``Parent > Child`` joined by ``; `` as ``classify`` writes them) to a score column and returns
a :class:`DriversResult`. Without a taxonomy the parent of a path is the text before ``>``;
with one, names are matched in any language/case and every taxonomy category is listed (also
those nobody mentioned).

Definitions (every metric is the mean of a per-respondent value y, see ``scores.py``:
NPS y = +100/0/-100, CSAT y = 100 x top-2-box, CES and ``mean`` y = the score):

* A comment *mentions* a parent when any of its paths has that parent; it counts once however
  many children fire. At level ``category`` each distinct path is its own row; a bare parent
  name there (``Service``) means "tagged with the parent but none of its children".
* Rows whose score is missing or invalid are kept: they count in ``mentions`` and ``share``
  but not in anything computed from scores (``*_scored``, metrics, impact, regression).
* ``impact`` (leave-out impact, metric points) = metric(all scored) - metric(scored comments
  that do not mention the category): how many points the category costs (or adds) - the
  change in the overall metric if the comments mentioning it were not there. It equals
  ``share_scored x (metric_with - metric_without)``. Negative = the category pulls the score
  down (for CES/``mean`` with ``higher_is_better=False`` a *positive* impact is harmful, and
  ranking follows that).
* ``impact_low``/``impact_high``: percentile bootstrap interval over respondents. Resampling
  respondents is done on sufficient statistics: each respondent is a cell (mentions the
  category?, value of y), so a bootstrap sample is one multinomial draw over those cells, drawn
  for all categories and replicates at once. This is **exact** (identical in distribution to
  resampling rows) whenever y takes at most 64 distinct values: always for NPS (3), CSAT (2),
  CES and any integer scale. For a ``mean`` score with more distinct values, the number of
  mentioning respondents is still drawn exactly (binomial) but each cell's sum is drawn from a
  normal with the cell's mean and variance (a central-limit approximation, fine for cells of
  more than ~30 respondents; ``settings["bootstrap"]`` says which one ran).
* Key-driver regression: one OLS per level of y on all category indicators jointly (plus an
  intercept), so a coefficient reads as metric points (NPS points, CSAT %-points, CES units)
  associated with mentioning the category, other categories held fixed. Computed exactly from
  per-pattern sums (rows with the same categories share a design row); standard errors are
  heteroskedasticity-robust HC3 by default (``nonrobust``, ``HC0``, ``HC1`` available), with
  normal-based 95% intervals and p-values like statsmodels' robust fits, and
  Benjamini-Hochberg adjusted p-values across the categories of a level. A category with fewer
  than 2 scored mentions, or collinear with others, is not estimated; one that a single answer fixes
  (leverage 1: HC3 is undefined) is not tested (``note`` says why).

Columns of ``DriversResult.table`` (one row per category and level; ranked within a level by
harm, most negative impact first):

``level`` parent|category, ``rank``, ``category``, ``parent``, ``mentions`` (rows mentioning it,
any score), ``mentions_scored`` (of those, rows with a valid score), ``share`` (mentions / all
rows), ``share_of_detractors`` (detractors mentioning it / all detractors), ``metric_with`` /
``metric_without`` (metric among scored comments that do / do not mention it),
``impact``, ``impact_low``, ``impact_high``, ``detractor_rate_with`` / ``detractor_rate_without``
(fractions), ``lift`` (detractor_rate_with / overall detractor rate), ``low_n``
(mentions_scored < min_n: read with care, never hidden).

``regression``: ``level, category, parent, coef, se, ci_low, ci_high, p_value, p_adjusted,
significant, mentions_scored, low_n, note`` (one ``(intercept)`` row per level, not adjusted).
``regression_fit``: ``level, n, terms, r_squared, cov_type``.
``segments`` (``by=``): ``segment, segment_rows, segment_scored, segment_metric`` + the table
columns, per segment; ``result.segments_wide("impact")`` pivots it to one column per segment.
``trend`` (``period_col=``): ``period, period_start, period_rows, period_scored, period_metric,
period_ci_low, period_ci_high`` (the headline's interval method on the period's scores)
+ ``level, category, parent, mentions, mentions_scored, share, metric_with, metric_without,
impact, impact_low, impact_high, low_n``. Dates that cannot be read are reported in
``date_issues`` (rows kept everywhere else).

>>> df = pd.DataFrame({
...     "nps": [10, 9, 3, 2, 8, 0, 10, 6],
...     "categories": ["", "Price", "Delivery > Courier", "Delivery > Courier; Delivery > Tracking",
...                    "Price", "Delivery > Tracking; Price", "", "Delivery > Tracking"],
... })
>>> res = compute_drivers(df, score_col="nps", min_n=2, n_boot=200)
>>> round(res.overall.metric, 1)            # 3 promoters, 1 passive, 4 detractors of 8
-12.5
>>> top = res.table.iloc[0]
>>> top["category"], int(top["mentions"]), float(top["impact"])   # 4/8 x (-100 - 75)
('Delivery', 4, -87.5)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from feedback_classifier.errors import InputFileError, ScoreError
from feedback_classifier.insights.issues import CountedIssues, ScoreIssues
from feedback_classifier.insights.matrix import LEVELS, CategoryMatrix, category_matrix
from feedback_classifier.insights.periods import check_freq, parse_periods, period_label
from feedback_classifier.insights.regression import COV_TYPES, key_driver_regression
from feedback_classifier.insights.scores import ParsedScores, ScoreSpec, ScoreSummary, parse_scores, summarize_scores
from feedback_classifier.insights.stats import GroupSums, aggregate, category_stats, score_values

MISSING_SEGMENT = "(missing)"

TABLE_COLUMNS = [
    "level", "rank", "category", "parent", "mentions", "mentions_scored", "share", "share_of_detractors",
    "metric_with", "metric_without", "impact", "impact_low", "impact_high",
    "detractor_rate_with", "detractor_rate_without", "lift", "low_n",
]
TREND_CATEGORY_COLUMNS = [
    "level", "category", "parent", "mentions", "mentions_scored", "share", "metric_with",
    "metric_without", "impact", "impact_low", "impact_high", "low_n",
]
TREND_PERIOD_COLUMNS = ["period", "period_start", "period_rows", "period_scored", "period_metric", "period_ci_low",
                        "period_ci_high"]


@dataclass
class DriversResult:
    """Everything ``compute_drivers`` found; see the module docstring for the columns."""

    overall: ScoreSummary
    table: pd.DataFrame
    regression: pd.DataFrame
    segments: pd.DataFrame | None
    trend: pd.DataFrame | None
    score_issues: ScoreIssues
    settings: dict[str, Any] = field(default_factory=dict)
    regression_fit: pd.DataFrame | None = None
    date_issues: ScoreIssues | None = None
    uncategorised: int = 0

    @property
    def spec(self) -> ScoreSpec:
        """The score's rules (harmful direction, decimals) as recorded in ``settings``.

        >>> df = pd.DataFrame({"ces": [2, 6, 5, 1], "categories": ["", "Login", "Login", ""]})
        >>> compute_drivers(df, score_col="ces", score_type="ces", n_boot=0).spec.impact_digits
        2
        """
        return ScoreSpec.from_settings(self.settings)

    @property
    def uncategorised_lack(self) -> str:
        """What the ``uncategorised`` rows lack: any category, or with ``drivers --polarity`` (whose
        categories are mentions of one polarity) such a mention.

        >>> DriversResult(None, None, None, None, None, None, {"polarity": "positive"}).uncategorised_lack
        'without praise'
        """
        return {"negative": "without a complaint", "positive": "without praise",
                "neutral": "without a neutral mention"}.get(self.settings.get("polarity"), "without any category")

    def titled(self, title: str, lang: str = "en") -> str:
        """``title`` saying which mentions were counted when only one polarity was
        (``settings["polarity"]``, ``drivers --polarity negative``): "complaints only".

        >>> df = pd.DataFrame({"nps": [10, 2], "categories": ["", "Price"]})
        >>> result = compute_drivers(df, score_col="nps", n_boot=0)
        >>> result.titled("Drivers of NPS")
        'Drivers of NPS'
        >>> result.settings["polarity"] = "negative"
        >>> result.titled("Drivers of NPS"), result.titled("Что влияет на NPS", "ru")
        ('Drivers of NPS: complaints only', 'Что влияет на NPS: только жалобы')
        """
        counted = self.counted(lang)
        return f"{title}: {counted}" if counted else title

    def weighting(self) -> str | None:
        """How survey weights were used (``--weight-col``), in one sentence; None without them."""
        weights = self.settings.get("survey_weights")
        if not weights:
            return None
        return (f"Weighted by column '{weights['column']}' (survey weights): shares, {self.overall.metric_name} "
                "and impacts are weighted; intervals "
                f"and 'low n' use Kish's effective sample size (n_eff {weights['n_effective']:,.1f}), the "
                "regression's errors a survey-weighted HC1 sandwich.")

    def counted(self, lang: str = "en") -> str | None:
        """Which mentions were counted ("complaints only"), or None when all were."""
        from feedback_classifier.lang.ui import ui_text

        polarity = self.settings.get("polarity")
        return ui_text(lang, f"polarity.{polarity}") if polarity else None

    def level(self, level: str = "parent") -> pd.DataFrame:
        """The ranked table of one level: ``"parent"`` or ``"category"`` (every category, children too).

        >>> df = pd.DataFrame({"nps": [10, 2], "categories": ["", "Price > Too expensive"]})
        >>> compute_drivers(df, score_col="nps", n_boot=0).level("child")
        Traceback (most recent call last):
        ...
        ValueError: Unknown level 'child': use one of 'parent', 'category'.
        """
        return self.table[self.table["level"] == _checked_level(level)].reset_index(drop=True)

    def segments_wide(self, value: str = "impact", level: str | None = None) -> pd.DataFrame | None:
        """One row per category, one column per segment, cells = ``value`` (e.g. impact, share).

        >>> df = pd.DataFrame({"nps": [10, 2, 9, 1], "categories": ["", "Price", "", "Price"],
        ...                    "region": ["N", "N", "S", "S"]})
        >>> compute_drivers(df, score_col="nps", by="region", n_boot=0).segments_wide().columns.tolist()
        ['level', 'category', 'N', 'S']
        """
        if self.segments is None:
            return None
        if value not in self.segments.columns or value in ("level", "category", "segment"):
            # a typo raised a bare KeyError
            raise ValueError(f"Unknown value {value!r}: use a column of the segments table, e.g. 'impact', 'share'.")
        seg = self.segments[self.segments["category"].notna()]  # (a segment's row in a file without categories)
        seg = seg if level is None else seg[seg["level"] == _checked_level(level)]
        segments = list(dict.fromkeys(seg["segment"]))
        wide = seg.set_index(["level", "category", "segment"])[value].unstack("segment")
        wide = wide[segments]
        wide.columns = [str(c) for c in wide.columns]
        wide = wide.reset_index()
        order = {lv: i for i, lv in enumerate(LEVELS)}
        overall = self.table.set_index(["level", "category"])["rank"].fillna(10**9)
        wide["_o"] = [order.get(lv, 9) for lv in wide["level"]]
        wide["_r"] = [overall.get((lv, c), 10**9) for lv, c in zip(wide["level"], wide["category"])]
        return wide.sort_values(["_o", "_r"]).drop(columns=["_o", "_r"]).reset_index(drop=True)

def _checked_level(level: str) -> str:
    """``level`` when it is a level of the tables (a typo gave an empty table, silently)."""
    if level not in LEVELS:
        raise ValueError(f"Unknown level {level!r}: use one of {', '.join(map(repr, LEVELS))}.")
    return level


@dataclass
class _Scored:
    """Each row's y (0 where the score is invalid), validity, detractor flag and frequency
    weight, with the distinct y values the exact bootstrap draws over (None: too many)."""

    cmat: CategoryMatrix
    y: np.ndarray
    valid: np.ndarray
    det: np.ndarray
    w: np.ndarray | None
    values: np.ndarray | None
    ykey: np.ndarray | None
    sw: np.ndarray | None = None  # survey weights (sums per row) and sums of their squares, or None
    sw2: np.ndarray | None = None

    def sums(self, extra: np.ndarray | None = None, keep: np.ndarray | None = None
             ) -> tuple[GroupSums, np.ndarray | None]:
        """Group sums per categories cell (and ``extra`` code) of all rows, or of the ``keep`` rows."""
        n_cells = self.cmat.member.shape[0]
        n_values = 0 if self.values is None else len(self.values)
        if keep is None:
            return aggregate(self.cmat.row_cells, n_cells, self.y, self.valid, self.det, self.ykey, n_values,
                             extra=extra, w=self.w, sw=self.sw, sw2=self.sw2)
        ykey = None if self.ykey is None else np.searchsorted(self.values, self.y[keep][self.valid[keep]])
        kept = [None if a is None else a[keep] for a in (self.w, self.sw, self.sw2)]
        return aggregate(self.cmat.row_cells[keep], n_cells, self.y[keep], self.valid[keep], self.det[keep], ykey,
                         n_values, extra=extra, w=kept[0], sw=kept[1], sw2=kept[2])


def _finish_table(stats_frame: pd.DataFrame, cmat: CategoryMatrix, spec: ScoreSpec,
                  praise: bool = False) -> pd.DataFrame:
    """Name the rows and rank them within a level, most harmful impact first (``praise``: most
    helpful first); categories nobody mentioned are listed last, without a rank (there is nothing
    to rank them by)."""
    frame = stats_frame.copy()
    frame.insert(0, "level", cmat.levels)
    frame.insert(1, "category", cmat.names)
    frame.insert(2, "parent", cmat.parents)
    frame["_lvl"] = frame["level"].map({lv: i for i, lv in enumerate(LEVELS)})
    frame["_harm"] = frame["impact"] * spec.harm_sign * (-1 if praise else 1)
    frame["_none"] = frame["mentions"] <= 0
    frame = frame.sort_values(["_lvl", "_none", "_harm", "mentions"], ascending=[True, True, False, False],
                              na_position="last", kind="stable")
    rank = frame.groupby("_lvl").cumcount() + 1
    frame["rank"] = rank.astype("Int64").where(~frame["_none"])
    return frame.drop(columns=["_lvl", "_harm", "_none"])[_with_effective(TABLE_COLUMNS, frame)].reset_index(drop=True)


def _with_effective(columns: list[str], frame: pd.DataFrame) -> list[str]:
    """``columns``, with ``n_effective`` after ``mentions_scored`` when the statistics are survey-weighted."""
    if "n_effective" not in frame.columns:
        return columns
    at = columns.index("mentions_scored") + 1
    return columns[:at] + ["n_effective"] + columns[at:]


def _settings(spec: ScoreSpec, *, polarity: str | None, survey: dict | None = None, **given: Any) -> dict[str, Any]:
    """``DriversResult.settings``: how the result was computed (``polarity`` only when given: every
    output's title and table file then say which mentions were counted, ``DriversResult.titled``;
    ``survey_weights`` only with them, so unweighted outputs stay as they were)."""
    settings = {"score_col": given.pop("score_col"), "score_type": spec.score_type, "scale": spec.scale,
                "higher_is_better": spec.higher_is_better, "metric": spec.metric_name, **given}
    if polarity is not None:
        settings["polarity"] = polarity
    if survey is not None:
        settings["survey_weights"] = survey
    return settings


def _survey_settings(survey: tuple | None, overall: ScoreSummary) -> dict | None:
    """What the output says of the survey weights: column, method, Kish's n, blank cells."""
    if survey is None:
        return None
    return {"column": survey[2], "method": "Kish effective sample size", "n_effective": overall.n_effective,
            "blank": survey[3]}


def _check_arguments(confidence: float, cov_type: str, min_n: int, n_boot: int, freq: str, seed: Any = 0) -> None:
    if not 0 < confidence < 1:
        raise ScoreError(f"Confidence must be between 0 and 1 (e.g. 0.95), got {confidence}.")
    if cov_type not in COV_TYPES:
        raise ScoreError(f"Unknown covariance type '{cov_type}': use one of {', '.join(COV_TYPES)}.")
    for name, value in (("min_n", min_n), ("n_boot", n_boot)):  # "100" and 10.5 were bare TypeErrors
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            raise ScoreError(f"min_n and n_boot must be whole numbers, zero or positive; got {name}={value!r}.")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
        raise ScoreError(f"seed must be a whole number >= 0 (or None for a fresh one each run), got {seed!r}.")
    check_freq(freq)


def _mentions_of(df: pd.DataFrame, polarity: str, categories_col: str, weight: str | None,
                 source: str | None) -> tuple[pd.DataFrame, str]:
    """The table and the column of the categories judged ``polarity`` in each row, read from an
    enriched table's ``category_sentiment``: ``polarity`` only titled the result, and
    ``compute_drivers(enriched, polarity="negative")`` counted praise as complaints. A reduced table
    (``weight``: ``DriversAccumulator``'s, as ``drivers --polarity`` builds it) holds them already."""
    from feedback_classifier.errors import MissingColumnError
    from feedback_classifier.insights.polarity import CATEGORY_SENTIMENT, categories_with_polarity, check_polarity

    check_polarity(polarity)
    if weight is not None:
        return df, categories_col
    if CATEGORY_SENTIMENT not in df.columns:
        raise MissingColumnError(
            f"{source or 'the table'}: polarity={polarity!r} counts the mentions judged {polarity} in its "
            f"'{CATEGORY_SENTIMENT}' column, which it does not have; enrich it with sentiment=True")
    counted = f"{categories_col} ({polarity})"
    mentions = categories_with_polarity(df[CATEGORY_SENTIMENT], polarity, source=source)
    return df.assign(**{counted: mentions}), counted


def _check_columns(df: pd.DataFrame, source: str | None, **roles: str | None) -> None:
    """Each column a role names is in ``df``, once, and no two roles share one (``by`` the categories
    column gave a segment per category cell, ``score_col`` it the scores as categories)."""
    from feedback_classifier.tableio import require_columns, require_distinct_roles

    require_columns(df, [c for c in roles.values() if c is not None], source=source or "the table")
    require_distinct_roles(roles, source=source)


def _parse(values: pd.Series, spec: ScoreSpec, column: str, w: np.ndarray | None,
           confidence: float, source: str | None = None, issue_rows=None,
           survey: tuple | None = None) -> tuple[ParsedScores, ScoreSummary]:
    """The parsed score column (bad values counted with their weights, their row numbers given by
    ``issue_rows`` when the rows are a reduced table's) and the overall metric (``survey``: weighted by
    those weights, ``_survey_weights``); a column without one valid score is an error naming ``source`` and those rows."""
    from feedback_classifier.insights.survey import check_some_weight, weighted_summary

    parsed = parse_scores(values, spec, column=column, weights=w)
    if w is not None:
        parsed.issues = CountedIssues.from_weighted(parsed.issues, w)
    if issue_rows is not None:
        parsed.issues = issue_rows(parsed.issues, spec)
    try:
        if survey is None:
            return parsed, summarize_scores(parsed, confidence, weights=w)
        sw, sw2, column_name, _ = survey
        rows = np.ones(len(sw)) if w is None else w
        if parsed.valid.any():
            check_some_weight(float(sw[parsed.valid].sum()), column_name, int(rows[parsed.valid].sum()))
        return parsed, weighted_summary(parsed, sw, sw2, rows, confidence)
    except ScoreError as exc:
        if source is None:
            raise
        raise ScoreError(f"{source}: {exc}") from None


def _survey_weights(df: pd.DataFrame, column: str | None, squares: str | None,
                    source: str | None) -> tuple[np.ndarray, np.ndarray, str, int] | None:
    """(weights, squared weights, column, blank cells) of a survey-weight column, or None without one.
    ``squares`` names a reduced table's sums of squared weights (``DriversAccumulator``), whose
    weights were read and checked chunk by chunk."""
    from feedback_classifier.insights.survey import read_weights

    if column is None:
        return None
    if squares is not None:
        return (df[column].to_numpy(dtype=float), df[squares].to_numpy(dtype=float),
                df.attrs.get("weight_col", column), int(df.attrs.get("blank_weights", 0)))
    sw, blank = read_weights(df[column], column, source=source)
    return sw, sw * sw, column, blank


def _scored_rows(parsed: ParsedScores, cmat: CategoryMatrix, w: np.ndarray | None,
                 survey: tuple | None = None) -> tuple[_Scored, str]:
    """Per-row y of the parsed scores, and the name of the bootstrap the score's values allow."""
    spec = parsed.spec
    valid = parsed.valid
    y = np.where(valid, spec.metric_values(parsed.values), 0.0)
    det_flags = spec.detractor(parsed.values)
    det = np.zeros(len(y), dtype=bool) if det_flags is None else (det_flags & valid)
    values, ykey, bootstrap_kind = score_values(y, valid)
    sw, sw2 = (None, None) if survey is None else survey[:2]
    return _Scored(cmat, y, valid, det, w, values, ykey, sw, sw2), bootstrap_kind

def compute_drivers(
    df: pd.DataFrame,
    *,
    score_col: str,
    score_type: str = "nps",
    categories_col: str = "categories",
    by: str | None = None,
    period_col: str | None = None,
    freq: str = "month",
    min_n: int = 30,
    scale: Any = None,
    higher_is_better: bool = True,
    n_boot: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
    taxonomy: Any = None, cov_type: str = "HC3", source: str | None = None, weight: str | None = None,
    row_numbers: np.ndarray | None = None, issue_rows: Any = None, polarity: str | None = None,
    survey_weight: str | None = None, survey_weight2: str | None = None) -> DriversResult:
    """Which categories drive the score: impact with bootstrap CIs, key-driver regression, cuts.

    ``df`` keeps all its rows: invalid scores and dates are reported in ``score_issues`` /
    ``date_issues`` and only left out of what needs them. ``taxonomy`` (a ``Taxonomy`` or a
    bundled name/path) is optional. ``source`` (a file name) only serves error messages.
    The library never prints; see the module docstring for definitions and columns.

    ``weight`` names a column of frequency weights (whole numbers >= 0): a row stands for that
    many identical respondents. Every statistic is the same as on the expanded table (rows
    sharing categories, score, segment and period are interchangeable for all of them), so a
    big file can be reduced to ``groupby([...]).size()`` first (see :class:`DriversAccumulator`).
    With weights, ``score_issues``/``date_issues`` are :class:`CountedIssues`: exact counts,
    row numbers only where known: ``row_numbers`` (the file's row each row stands for) name bad category
    names' rows, ``issue_rows(issues, spec)`` gives the score issues theirs (:class:`DriversAccumulator`).
    ``polarity``: count only the mentions judged so in ``category_sentiment`` (``drivers --polarity``; with
    ``weight``, ``categories_col`` holds them already); praise ranks most helpful first.
    ``survey_weight``: a column of survey weights (``drivers --weight-col``; ``insights.survey`` says how they
    count), ``survey_weight2`` a reduced table's sums of their squares.

    >>> df = pd.DataFrame({"nps": [9, 2, 10, 3], "categories": ["", "Price > Too expensive", "", "Price"]})
    >>> res = compute_drivers(df, score_col="nps", min_n=1, n_boot=100)
    >>> res.level("parent")[["category", "mentions", "metric_with", "metric_without", "impact"]].values.tolist()
    [['Price', 2, -100.0, 100.0, -100.0]]
    """
    _check_arguments(confidence, cov_type, min_n, n_boot, freq, seed)
    _check_columns(df, source, score_col=score_col, categories_col=categories_col, by=by, period_col=period_col,
                   weight=weight, survey_weight=survey_weight)
    if polarity is not None:
        df, categories_col = _mentions_of(df, polarity, categories_col, weight, source)
    spec = ScoreSpec.make(score_type, scale, higher_is_better)
    w = None if weight is None else _frequency_weights(df[weight], weight, source)
    survey = _survey_weights(df, survey_weight, survey_weight2, source)
    parsed, overall = _parse(df[score_col], spec, score_col, w, confidence, source, issue_rows, survey)
    cmat = category_matrix(df[categories_col], taxonomy=taxonomy, column=categories_col, source=source,
                           row_numbers=row_numbers)
    scored, bootstrap_kind = _scored_rows(parsed, cmat, w, survey)
    # One independent stream each for the table, segments and trend: adding a cut never
    # changes the intervals of the others.
    rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(3)]
    stats_args = dict(has_det=spec.has_detractors, min_n=min_n, n_boot=n_boot, confidence=confidence)
    agg, _ = scored.sums()
    praise = polarity == "positive"
    table = _finish_table(category_stats(agg, cmat.member, scored.values, rng=rngs[0], **stats_args), cmat, spec,
                          praise)
    regression, regression_fit = key_driver_regression(agg, cmat, cov_type=cov_type, confidence=confidence,
                                                       min_n=min_n)
    segments = None if by is None else _segments(df[by], scored, spec, rngs[1], stats_args, praise)
    trend = date_issues = None
    if period_col is not None:
        trend, date_issues = _trend(df[period_col], period_col, freq, scored, spec, table, rngs[2],
                                     stats_args, dayfirst=df.attrs.get("input_sep") == ";")
    no_category = np.asarray(cmat.member.sum(axis=1)).ravel() == 0
    uncategorised = int(no_category[cmat.row_cells].sum() if w is None else w[no_category[cmat.row_cells]].sum())
    settings = _settings(spec, score_col=score_col, categories_col=categories_col, by=by, period_col=period_col,
                         freq=freq, min_n=min_n, n_boot=n_boot, seed=seed, confidence=confidence, cov_type=cov_type,
                         bootstrap=bootstrap_kind, taxonomy=getattr(taxonomy, "name", taxonomy), weight=weight,
                         polarity=polarity, survey=_survey_settings(survey, overall))
    return DriversResult(
        overall=overall, table=table, regression=regression, segments=segments, trend=trend,
        score_issues=parsed.issues, settings=settings, regression_fit=regression_fit,
        date_issues=date_issues, uncategorised=uncategorised,
    )


def _segments(values: pd.Series, scored: _Scored, spec: ScoreSpec, rng: np.random.Generator,
              stats_args: dict, praise: bool = False) -> pd.DataFrame:
    """The drivers table of every segment, largest segment first; blank cells form their own."""
    _refuse_free_text(values)
    cmat = scored.cmat
    # sorted: segments of one size come in name order, not in the rows' (and so draw the same bootstrap samples)
    seg_codes, seg_uniques = pd.factorize(values.astype("string").str.strip().replace("", pd.NA),
                                          use_na_sentinel=True, sort=True)
    labels = [str(u) for u in seg_uniques] + [MISSING_SEGMENT]
    seg_codes = np.where(seg_codes < 0, len(seg_uniques), seg_codes)
    seg_agg, seg_of_group = scored.sums(extra=seg_codes)
    rows_per_seg = np.bincount(seg_codes, weights=scored.w, minlength=len(labels))
    order = [i for i in np.argsort(-rows_per_seg, kind="stable") if rows_per_seg[i] > 0]
    frames = []
    for s in order:
        sub = seg_agg.subset(seg_of_group == s)
        st = _finish_table(category_stats(sub, cmat.member, scored.values, rng=rng, **stats_args), cmat, spec,
                           praise)
        n_rows, n_sc = sub.sizes()
        if st.empty:  # a file without any category: the segment's size and score are still worth a row
            st = pd.DataFrame({column: [np.nan] for column in st.columns})
        st.insert(0, "segment", labels[s])
        st.insert(1, "segment_rows", n_rows)
        st.insert(2, "segment_scored", n_sc)
        st.insert(3, "segment_metric", sub.metric() if sub.n.sum() > 0 else np.nan)
        frames.append(st)
    return pd.concat(frames, ignore_index=True)


def _refuse_free_text(values: pd.Series) -> None:
    """An ``InputFileError`` for a segment column of comments (--by given the comment column): each comment
    became a segment, and the segments table and the console carried the comments, phone numbers and all."""
    from feedback_classifier.lang.freetext import free_text
    from feedback_classifier.lang.pii import mask_pii

    distinct = values.dropna().astype(str).str.strip().unique()
    sentences = free_text(v for v in distinct if v)
    if sentences:
        example = mask_pii(sentences[0])
        raise InputFileError(
            f"Column '{values.name}' holds comments, not segments: {len(sentences):,} of its {len(distinct):,} distinct "
            f"values read as sentences (e.g. '{example[:40]}{'…' if len(example) > 40 else ''}'). Give --by a column "
            "such as region or channel.")


def _trend(values: pd.Series, column: str, freq: str, scored: _Scored, spec: ScoreSpec, table: pd.DataFrame,
           rng: np.random.Generator, stats_args: dict, dayfirst: bool = False) -> tuple[pd.DataFrame, ScoreIssues]:
    """Per-period statistics in the order of the overall ranking, and the dates that could not be read
    (``dayfirst``: the table came from a ``;`` CSV, whose slash dates are day first: ``parse_periods``)."""
    cmat = scored.cmat
    pcodes, periods, date_issues = parse_periods(values, freq, column=column, dayfirst=dayfirst)
    if scored.w is not None:
        date_issues = CountedIssues.from_weighted(date_issues, scored.w)
    ok = pcodes >= 0
    if not ok.any():
        return pd.DataFrame(columns=TREND_PERIOD_COLUMNS + TREND_CATEGORY_COLUMNS), date_issues
    tr_agg, p_of_group = scored.sums(extra=pcodes[ok], keep=ok)
    frames = []
    for pi, period in enumerate(periods):
        sub = tr_agg.subset(p_of_group == pi)
        st = category_stats(sub, cmat.member, scored.values, rng=rng, **stats_args)
        st.insert(0, "level", cmat.levels)
        st.insert(1, "category", cmat.names)
        st.insert(2, "parent", cmat.parents)
        st = st[_with_effective(TREND_CATEGORY_COLUMNS, st)]
        n_rows, n_sc = sub.sizes()
        st.insert(0, "period", period_label(period, freq))
        st.insert(1, "period_start", period.start_time.date().isoformat())
        st.insert(2, "period_rows", n_rows)
        st.insert(3, "period_scored", n_sc)
        st.insert(4, "period_metric", sub.metric() if sub.n.sum() > 0 else np.nan)
        low, high = sub.effective().metric_interval(spec, stats_args["confidence"])
        st.insert(5, "period_ci_low", low)
        st.insert(6, "period_ci_high", high)
        frames.append(st)
    trend = pd.concat(frames, ignore_index=True)
    rank = table.set_index(["level", "category"])["rank"].fillna(10**9)
    trend["_r"] = [rank.get((lv, c), 10**9) for lv, c in zip(trend["level"], trend["category"])]
    trend["_l"] = trend["level"].map({lv: i for i, lv in enumerate(LEVELS)})
    trend = trend.sort_values(["_l", "_r", "period"], kind="stable").drop(columns=["_l", "_r"])
    return trend.reset_index(drop=True), date_issues


def _shown(value) -> str:
    """A cell as a user wrote it: numpy's scalars print as ``np.float64(1.485)`` under repr."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def _frequency_weights(values: pd.Series, column: str, source: str | None) -> np.ndarray:
    """A weight column as float64; whole numbers >= 0 only (a row stands for w respondents)."""
    w = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(w) | (w < 0) | (w != np.round(w))
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        where = f" of {source}" if source else ""
        raise ScoreError(
            f"Weight column '{column}'{where}, row {first + 1}: {_shown(values.iloc[first])} is not a whole number "
            ">= 0; frequency weights count identical respondents (e.g. the size of a groupby). Survey (design) "
            "weights such as 1.485 are not supported: their intervals need another method, and rounding them would "
            "change every number."
        )
    return w
