"""The report's overview: headline tiles, notices about the data, and the trend over periods."""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from feedback_classifier.insights.issues import CountedIssues
from feedback_classifier.insights.queues import mostly_review
from feedback_classifier.insights.scale_check import all_detractors_hint
from feedback_classifier.insights.scores import parse_scores, summarize_scores
from feedback_classifier.lang.ui import ui_text
from feedback_classifier.render.facts import Facts, ReportInputs
from feedback_classifier.render.html import esc, fmt_int, fmt_num, fmt_pct, fmt_period, kpi, svg_img


def _overall(inp: ReportInputs, facts: Facts):
    """The overall score summary: the drivers' own when given, else computed here."""
    overall = getattr(inp.drivers, "overall", None)
    if overall is not None:
        return overall
    if not facts.has_scores:
        return None
    parsed = parse_scores(inp.df[inp.score_col], inp.spec, column=inp.score_col,
                          weights=None if facts.w is None else facts.w.astype(float))
    if facts.w is not None:
        parsed.issues = CountedIssues.from_weighted(parsed.issues, facts.w.astype(float))
        return summarize_scores(parsed, 0.95, weights=facts.w.astype(float))
    return summarize_scores(parsed)


def _tiles(inp: ReportInputs, facts: Facts, n_comments: int, n_classified: int) -> str:
    lang, spec = inp.lang, inp.spec
    tiles = [kpi(ui_text(lang, "responses"), fmt_int(facts.n, lang), ui_text(lang, "with_comment", n=fmt_int(n_comments, lang)))]
    overall = _overall(inp, facts)
    if overall is not None:
        digits = spec.value_digits
        value_class = ""
        if spec.score_type == "nps":  # only NPS has a meaningful zero
            value_class = "neg" if overall.metric < 0 else "pos" if overall.metric > 0 else ""
        value = fmt_num(overall.metric, digits, lang) + spec.unit
        note = ui_text(lang, "ci", low=fmt_num(overall.ci_low, digits, lang), high=fmt_num(overall.ci_high, digits, lang))
        note += " · " + ui_text(lang, "scored_note", n=fmt_int(overall.n_scored, lang))
        tiles.append(kpi(ui_text(lang, f"metric.{spec.score_type}"), value, note, value_class))
    share = n_classified / n_comments if n_comments else math.nan
    note = ui_text(lang, "classified_note", n=fmt_int(n_classified, lang), total=fmt_int(n_comments, lang))
    junk = _listed_apart(inp)
    if junk:  # an optional question's "-" and "n/a" lower the share: 49% read as a model missing half
        note += ui_text(lang, "classified_junk", n=fmt_int(junk, lang))
    tiles.append(kpi(ui_text(lang, "classified"), fmt_pct(share, lang), note))
    if "needs_review" in inp.df.columns:
        tiles.append(kpi(ui_text(lang, "needs_review"), fmt_int(facts.count(facts.review), lang), ui_text(lang, "needs_review_note")))
    else:  # categories coded elsewhere: "0, low confidence or nothing detected" claimed a check nobody ran
        tiles.append(kpi(ui_text(lang, "needs_review"), "—", ui_text(lang, "needs_review_unknown")))
    return f'<div class="kpis">{"".join(tiles)}</div>'


def _listed_apart(inp: ReportInputs) -> int:
    """How many comments the routing lists apart as naming no topic (its ``junk`` row), 0 without routing."""
    summary = getattr(inp.routing, "summary", None)
    if summary is None or "team" not in getattr(summary, "columns", ()):
        return 0
    return int(summary.loc[summary["team"] == "junk", "comments"].sum())


def overview_section(inp: ReportInputs, facts: Facts) -> str:
    """Tiles (responses, score with its interval, share classified, needing review), notices
    about what the data cannot show, and the trend when there are periods."""
    lang = inp.lang
    n_comments = facts.count(facts.has_comment)
    n_classified = facts.count(facts.matrix.any(axis=1) & facts.has_comment)
    notices = []
    if inp.score_col and not facts.has_scores:  # it was given: "give a score column" sent the reader in circles
        notices.append(ui_text(lang, "no_valid_scores", column=inp.score_col))
    elif inp.score_col and facts.n_invalid:
        notices.append(ui_text(lang, "invalid_scores", n=fmt_int(facts.n_invalid, lang)))
    if not inp.score_col:
        notices.append(ui_text(lang, "no_scores"))
    if facts.has_scores and all_detractors_hint(inp.spec, facts.scores[facts.valid], weights=(
            None if facts.w is None else facts.w[facts.valid])):
        valid = facts.scores[facts.valid]
        notices.append(ui_text(lang, "nps_scale", low=fmt_num(valid.min(), 0, lang), high=fmt_num(valid.max(), 0, lang)))
    if facts.has_scores and facts.count(facts.valid) < 100:
        notices.append(ui_text(lang, "tiny", n=fmt_int(facts.count(facts.valid), lang)))
    if n_comments and not n_classified:
        notices.append(ui_text(lang, "no_categories"))
    elif mostly_review(facts.count(facts.review), n_comments):  # the tile's count, junk left out
        share = fmt_pct(facts.count(facts.review) / n_comments, lang)
        # "train a model on your labels" told a user whose model was trained on theirs to do what they had done
        trained = (inp.model_info or {}).get("kind") == "trained"
        notices.append(ui_text(lang, "mostly_review_trained" if trained else "mostly_review", share=share))
    parts = [_tiles(inp, facts, n_comments, n_classified)]
    parts += [f'<p class="notice">{esc(text)}</p>' for text in notices]
    trend = _trend(inp)
    if trend:
        parts.append(trend)
    return "\n".join(parts)


def trend_svg(periods: Sequence[str], values: Sequence[float], counts: Sequence[int], lang: str, digits: int,
              lows: Sequence[float] | None = None, highs: Sequence[float] | None = None) -> str:
    """A small line chart of the metric per period with its 95% interval (whiskers) and the
    number of scores under each point (hand-drawn SVG: crisp at any zoom).

    >>> svg = trend_svg(["2024-01", "2024-02"], [10.0, -5.0], [40, 38], "en", 0, [0.0, -15.0], [20.0, 5.0])
    >>> svg.startswith("<svg"), "<title>2024-02: −5 (95% CI −15 … 5, n=38)</title>" in svg, "n=40" in svg
    (True, True, True)
    >>> gap = trend_svg(["2024-01", "2024-02", "2024-03", "2024-04"], [1.0, float("nan"), 3.0, 4.0], [9, 0, 9, 9], "en", 0)
    >>> gap.split('<path d="')[1].split('"')[0].count("M")  # two pieces: the empty February breaks the line
    2
    """
    width, height, left, right, top, bottom = 720, 200, 44, 16, 18, 50
    xs_n = len(periods)
    vals = np.asarray(values, dtype=float)
    lows_a = np.asarray(lows if lows is not None else vals, dtype=float)
    highs_a = np.asarray(highs if highs is not None else vals, dtype=float)
    finite = np.concatenate([a[np.isfinite(a)] for a in (vals, lows_a, highs_a)])
    if not np.isfinite(vals).any():
        return ""
    lo, hi = float(finite.min()), float(finite.max())
    pad = max((hi - lo) * 0.15, 1.0)
    lo, hi = lo - pad, hi + pad
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(i: int) -> float:
        return left + (plot_w * (i + 0.5) / xs_n)

    def y(v: float) -> float:
        return top + plot_h * (1 - (v - lo) / (hi - lo))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'font-family="system-ui,Segoe UI,Arial,sans-serif" font-size="11">',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    for tick in np.linspace(lo + pad, hi - pad, 3) if hi - lo > 2 * pad else [lo + pad]:
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#e6e9ef"/>')
        parts.append(f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" fill="#5b6675">{esc(fmt_num(tick, digits, lang))}</text>')
    if lo < 0 < hi:
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(0):.1f}" y2="{y(0):.1f}" stroke="#9aa4b2" stroke-dasharray="3 3"/>')
    # the line breaks at a period without scores (a month with no answers is a gap, not a straight join)
    path = " ".join(f"{'L' if i and np.isfinite(vals[i - 1]) else 'M'}{x(i):.1f},{y(v):.1f}"
                    for i, v in enumerate(vals) if np.isfinite(v))
    if "L" in path:
        parts.append(f'<path d="{path}" fill="none" stroke="#2f5fa8" stroke-width="2"/>')
    step = max(1, math.ceil(xs_n / 12))
    for i, (period, v, n, a, b) in enumerate(zip(periods, vals, counts, lows_a, highs_a)):
        # the last period always; a regular one only a full step before it, or the two labels overlap
        if i == xs_n - 1 or (i % step == 0 and xs_n - 1 - i >= step):
            parts.append(f'<text x="{x(i):.1f}" y="{height - 28}" text-anchor="middle" fill="#5b6675">{esc(period)}</text>')
            parts.append(f'<text x="{x(i):.1f}" y="{height - 12}" text-anchor="middle" fill="#5b6675">n={fmt_int(n, lang)}</text>')
        if not np.isfinite(v):
            continue
        ci = ""
        if np.isfinite(a) and np.isfinite(b) and lows is not None:
            parts.append(f'<line x1="{x(i):.1f}" x2="{x(i):.1f}" y1="{y(a):.1f}" y2="{y(b):.1f}" stroke="#9fb3d1" '
                         f'stroke-width="6" stroke-linecap="round"/>')
            ci = f"{ui_text(lang, 'impact_ci')} {fmt_num(a, digits, lang)} … {fmt_num(b, digits, lang)}, "
        parts.append(
            f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3.5" fill="#2f5fa8"><title>{esc(period)}: '
            f'{esc(fmt_num(v, digits, lang))} ({esc(ci)}n={int(n)})</title></circle>'
        )
        if xs_n <= 12:
            parts.append(f'<text x="{x(i) + 7:.1f}" y="{y(v) - 6:.1f}" fill="#1d2430">{esc(fmt_num(v, digits, lang))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _trend(inp: ReportInputs) -> str:
    trend = getattr(inp.drivers, "trend", None)
    if trend is None or not len(trend) or not inp.period_col:
        return ""
    lang = inp.lang
    per = trend.drop_duplicates("period")
    if "period_ci_low" not in per.columns:  # a trend table from an older release
        per = per.assign(period_ci_low=np.nan, period_ci_high=np.nan)
    if len(per) < 2:  # the console said the date column was used: a report without a trend must say why
        title = ui_text(lang, "trend", period=inp.period_col)
        return (f'<div class="panel"><h3 style="margin:0 0 8px;font-size:15px">{esc(title)}</h3><p class="muted">'
                f'{esc(ui_text(lang, "trend_one_period", period=fmt_period(per["period"].iloc[0], lang)))}</p></div>')
    digits = inp.spec.value_digits
    metric = ui_text(lang, f"metric.{inp.spec.score_type}")
    svg = trend_svg([fmt_period(p, lang) for p in per["period"]], per["period_metric"].tolist(), per["period_scored"].tolist(), lang,
                    digits, per["period_ci_low"].tolist(), per["period_ci_high"].tolist())
    if not svg:
        return ""
    title = ui_text(lang, "trend", period=inp.period_col)
    rows = "".join(
        f"<tr><td>{esc(fmt_period(p, lang))}</td><td class=\"num\">{fmt_int(n, lang)}</td><td class=\"num\">{fmt_num(m, digits, lang)}</td>"
        f"<td class=\"num muted\">{fmt_num(a, digits, lang)} … {fmt_num(b, digits, lang)}</td></tr>"
        for p, n, m, a, b in zip(per["period"], per["period_scored"], per["period_metric"], per["period_ci_low"],
                                 per["period_ci_high"])
    )
    table = (
        f"<details><summary class=\"muted\">{esc(ui_text(lang, 'trend_table'))}</summary><table><tr><th>{esc(ui_text(lang, 'period'))}</th>"
        f"<th class=\"num\">{esc(ui_text(lang, 'n_resp'))}</th><th class=\"num\">{esc(metric)}</th>"
        f"<th class=\"num\">{esc(ui_text(lang, 'impact_ci'))}</th></tr>{rows}</table></details>"
    )
    return (
        f'<div class="panel"><h3 style="margin:0 0 8px;font-size:15px">{esc(title)} · {esc(metric)}</h3>'
        f'<figure>{svg_img(svg, title)}</figure>{table}</div>'
    )
