"""The drivers result as a Markdown document (``drivers --out drivers.md``).

Tables are rounded for reading; the CSV keeps full precision. Values and impacts carry one
decimal more than ``ScoreSpec.value_digits`` / ``impact_digits``: this document is read by
analysts comparing close categories side by side, not glanced at like the HTML report.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from feedback_classifier.insights.drivers import DriversResult
from feedback_classifier.insights.matrix import LEVELS
from feedback_classifier.lang.ui import count_noun

_TITLES = {"parent": "Parent categories", "category": "Categories"}


def _md(text: Any) -> str:
    """Text from the data (a segment, a category, a title) as Markdown shows it and never runs: no
    HTML tag (``<`` as ``&lt;``), no link (``[``/``]`` escaped), one line.

    >>> _md("<img src=x onerror=alert(1)> [x](javascript:alert(2))")
    '&lt;img src=x onerror=alert(1)> \\\\[x\\\\](javascript:alert(2))'
    """
    # backslashes first: a value's "\" before the table's "\|" made "\\|", an escaped backslash and a cell border
    text = str(text).replace("\\", "\\\\")
    return " ".join(text.replace("<", "&lt;").replace("[", "\\[").replace("]", "\\]").splitlines())


def _md_table(frame: pd.DataFrame) -> str:
    def cell(v: Any) -> str:
        text = "" if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) else str(v)
        return _md(text).replace("|", "\\|")

    head = "| " + " | ".join(cell(c) for c in frame.columns) + " |"
    rule = "|" + "|".join("---:" if pd.api.types.is_numeric_dtype(frame[c]) else "---" for c in frame.columns) + "|"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *body])


def _fmt(v: Any, digits: int = 1) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return ""
    return f"{v:.{digits}f}"


def _readable(table: pd.DataFrame, digits: int, impact_digits: int, spec: Any, conf: str = "95%") -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "rank": table["rank"].astype("Int64"),
            "category": table["category"],
            "mentions": table["mentions"].astype(int),
            "share %": [_fmt(100 * v) for v in table["share"]],
            "with": [_fmt(v, digits) for v in table["metric_with"]],
            "without": [_fmt(v, digits) for v in table["metric_without"]],
            "impact": [_fmt(v, impact_digits) for v in table["impact"]],
            f"{conf} CI": [
                f"{_fmt(lo, impact_digits)} to {_fmt(hi, impact_digits)}" if math.isfinite(lo) else ""
                for lo, hi in zip(table["impact_low"], table["impact_high"])
            ],
        }
    )
    if spec.has_detractors:
        # CSAT's and CES's bottom boxes are not "detractors" (an NPS word), as the terminal table says
        rate = {"csat": "dissatisfied rate %", "ces": "high-effort rate %"}.get(spec.score_type, "detractor rate %")
        out[rate] = [_fmt(100 * v) for v in table["detractor_rate_with"]]
        out["lift"] = [_fmt(v, 2) for v in table["lift"]]
    out["note"] = ["low n" if flag else "" for flag in table["low_n"]]
    return out


def _overview(result: DriversResult, digits: int) -> list[str]:
    """Title, the overall metric with its interval, bad values and how to read impact."""
    s = result.settings
    o = result.overall
    conf = f"{s['confidence']:.0%}"
    unit = result.spec.unit
    lines = [f"# {_md(result.titled(f'Drivers of {o.metric_name}'))}", ""]
    lines.append(
        f"**{o.metric_name} {_fmt(o.metric, digits)}{unit}** ({conf} CI {_fmt(o.ci_low, digits)} to "
        f"{_fmt(o.ci_high, digits)}) from {count_noun(o.n_scored, 'valid score')} in column `{s['score_col']}` "
        f"({count_noun(o.n_rows, 'row')}; {count_noun(result.uncategorised, 'row')} {result.uncategorised_lack})."
    )
    if o.promoters is not None:
        lines.append(f"Promoters {o.promoters:,}, passives {o.passives:,}, detractors {o.detractors:,}.")
    if weighting := result.weighting():
        lines += ["", _md(weighting)]
    lines += ["", result.score_issues.summary(max_rows=20)]
    if result.date_issues is not None:
        lines += ["", result.date_issues.summary(max_rows=20)]
    lines += [
        "",
        f"Impact = {o.metric_name} of all scored comments minus {o.metric_name} of those that do not mention the "
        f"category (points; negative = pulls the score down"
        + ("). " if result.spec.harm_sign < 0 else ", which is better here: lower is better, positive = harmful). ")
        + (f"{conf} intervals: bootstrap over respondents ({s['n_boot']} replicates, {s['bootstrap']}). "
           if s["n_boot"] else "No bootstrap intervals (n_boot = 0). ")
        + f"`low n` = fewer than {s['min_n']} scored answers mention the category, or fewer than {s['min_n']} do not"
        + (" (Kish's effective n, `n_effective`, with the survey weights)." if s.get("survey_weights") else "."),
    ]
    return lines


def _regression_section(result: DriversResult, impact_digits: int) -> list[str]:
    s = result.settings
    conf = f"{s['confidence']:.0%}"
    reg = result.regression[result.regression["category"] != "(intercept)"]
    lines = [
        "",
        "## Key-driver regression",
        "",
        f"OLS of the per-respondent {result.overall.metric_name} value on all categories of a level at once "
        f"({s['cov_type']} robust standard errors); p-values adjusted with Benjamini-Hochberg per level.",
    ]
    for level in LEVELS:
        # most harmful first, as the tables above (a CES where lower is better: its largest coefficient)
        r = reg[reg["level"] == level]
        r = r.assign(_harm=r["coef"] * result.spec.harm_sign).sort_values("_harm", ascending=False, na_position="last",
                                                                         kind="stable")
        frame = pd.DataFrame(
            {
                "category": r["category"],
                "coef": [_fmt(v, impact_digits) for v in r["coef"]],
                f"{conf} CI": [f"{_fmt(a, impact_digits)} to {_fmt(b, impact_digits)}" if math.isfinite(a) else ""
                               for a, b in zip(r["ci_low"], r["ci_high"])],
                "p (BH)": [f"{v:.3g}" if math.isfinite(v) else "" for v in r["p_adjusted"]],
                "significant": ["yes" if v else "" for v in r["significant"]],
                "note": [n or ("low n" if low else "") for n, low in zip(r["note"], r["low_n"])],
            }
        )
        lines += ["", f"### {_TITLES[level]}", "", _md_table(frame)]
    return lines


def _trend_section(result: DriversResult, digits: int, impact_digits: int) -> list[str]:
    tr = result.trend[result.trend["level"] == "parent"]
    # dropna=False: a period without answers keeps its (empty) column, as the periods' table above lists it
    wide = tr.pivot_table(index="category", columns="period", values="impact", sort=False, aggfunc="first",
                          dropna=False)
    wide = wide.map(lambda v: _fmt(v, impact_digits)).reset_index()
    per = tr.drop_duplicates("period")
    periods = pd.DataFrame({"period": per["period"], "rows": per["period_rows"], "scored": per["period_scored"],
                            result.overall.metric_name: [_fmt(v, digits) for v in per["period_metric"]]})
    return [
        "",
        f"## Trend by {result.settings['freq']}",
        "",
        _md_table(periods),
        "",
        "Impact per period (parent categories):",
        "",
        _md_table(wide),
    ]


def drivers_markdown(result: DriversResult, *, top: int | None = None) -> str:
    """The whole result as a Markdown document (tables rounded for reading; CSV keeps full precision).

    >>> from feedback_classifier.insights.drivers import compute_drivers
    >>> df = pd.DataFrame({"nps": [10, 2, 9, 1], "categories": ["", "Price", "", "Price"]})
    >>> print(drivers_markdown(compute_drivers(df, score_col="nps", n_boot=0)).splitlines()[0])
    # Drivers of NPS
    """
    spec = result.spec
    digits, impact_digits = spec.value_digits + 1, spec.impact_digits + 1
    lines = _overview(result, digits)
    for level in LEVELS:
        t = result.level(level)
        if top is not None:
            t = t.head(top)
        lines += ["", f"## {_TITLES[level]}", "", _md_table(_readable(t, digits, impact_digits, spec,
                                                                          f"{result.settings['confidence']:.0%}"))]
    lines += _regression_section(result, impact_digits)
    if result.segments is not None:
        wide = result.segments_wide("impact", level="parent")
        for c in wide.columns[2:]:
            wide[c] = [_fmt(v, impact_digits) for v in wide[c]]
        lines += ["", f"## Impact by {_md(result.settings['by'])} (parent categories)", "",
                  _md_table(wide.drop(columns="level"))]
    if result.trend is not None and len(result.trend):
        lines += _trend_section(result, digits, impact_digits)
    return "\n".join(lines) + "\n"
