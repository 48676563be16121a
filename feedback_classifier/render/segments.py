"""The report's segment comparison (with ``by``): responses, score with its interval and the most
mentioned categories per segment, then the impact of the top categories in each segment."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from feedback_classifier.insights import mean_interval, nps_interval, weighted_mean_interval, wilson_interval
from feedback_classifier.lang.ui import ui_text
from feedback_classifier.render.driver_tables import display, low_n_badge, min_n_of, table_labels
from feedback_classifier.render.facts import Facts, ReportInputs
from feedback_classifier.render.html import esc, fmt_int, fmt_num, fmt_pct


def _segment_values(inp: ReportInputs, facts: Facts, max_segments: int) -> tuple[pd.Series, pd.Series]:
    """Each row's segment and the rows per segment, largest first; past ``max_segments`` the
    smallest segments are pooled as "other"."""
    none = ui_text(inp.lang, "none")
    values = inp.df[inp.by].astype("string").fillna(none).str.strip().replace("", none)

    def value_counts(v: pd.Series) -> pd.Series:
        if facts.w is None:
            return v.value_counts()
        return pd.Series(facts.w, index=v.index).groupby(v, sort=False).sum().sort_values(ascending=False)

    counts = value_counts(values)
    if len(counts) > max_segments:
        keep = set(counts.index[: max_segments - 1])
        values = values.where(values.isin(keep), ui_text(inp.lang, "other"))
        counts = value_counts(values)
    return values, counts


def _score_cells(inp: ReportInputs, facts: Facts, mask: np.ndarray) -> str:
    """The segment's metric and its interval, computed the way the overall one is; a segment with fewer
    scores than the drivers' ``min_n`` is marked a rough figure (NPS −100 from 3 answers is not a finding)."""
    spec, lang = inp.spec, inp.lang
    v = facts.scores[mask & facts.valid]
    wv = np.ones(len(v), dtype=np.int64) if facts.w is None else facts.w[mask & facts.valid]
    if facts.sw is not None:
        m, lo, hi, n_eff = _weighted_score(spec, v, facts.sw[mask & facts.valid], facts.sw2[mask & facts.valid])
    elif spec.score_type == "nps":
        pro, det = int(wv[v >= 9].sum()), int(wv[v <= 6].sum())
        m, lo, hi = nps_interval(pro, int(wv.sum()) - pro - det, det)
    elif spec.score_type == "csat":
        m, lo, hi = (100 * x for x in wilson_interval(float(wv[spec.top_box(v)].sum()), int(wv.sum())))
    elif facts.w is None:
        m, lo, hi = mean_interval(v)
    else:
        m, lo, hi = weighted_mean_interval(v, wv)
    digits = spec.value_digits
    n = wv.sum() if facts.sw is None else n_eff  # with survey weights, "rough" reads Kish's effective n
    rough = low_n_badge(inp) if 0 < n < min_n_of(inp) else ""
    return (
        f"<td class=\"num\">{fmt_num(m, digits, lang)}{rough}</td>"
        f"<td class=\"num muted\">{fmt_num(lo, digits, lang)} … {fmt_num(hi, digits, lang)}</td>"
    )


def _weighted_score(spec, v: np.ndarray, sw: np.ndarray, sw2: np.ndarray) -> tuple[float, float, float, float]:
    """A segment's survey-weighted metric, its interval on Kish's effective n (as ``drivers --weight-col``'s
    segments), and that n."""
    from feedback_classifier.insights.survey import kish_n

    total = float(sw.sum())
    n_eff = kish_n(total, float(sw2.sum()))
    if total <= 0:
        return math.nan, math.nan, math.nan, 0.0
    e = sw * (n_eff / total)  # weights adding up to n_eff: the usual intervals then read n_eff respondents
    if spec.score_type == "nps":
        pro, det = float(e[v >= 9].sum()), float(e[v <= 6].sum())
        return (*nps_interval(pro, n_eff - pro - det, det), n_eff)
    if spec.score_type == "csat":
        return (*(100 * x for x in wilson_interval(float(e[spec.top_box(v)].sum()), n_eff)), n_eff)
    return (*weighted_mean_interval(v, e), n_eff)


def segments_section(inp: ReportInputs, facts: Facts, max_segments: int = 15) -> str:
    """A row per segment (score and interval when there are scores, top 3 categories), then the
    per-segment impact grid when the drivers have segments."""
    lang = inp.lang
    values, counts = _segment_values(inp, facts, max_segments)
    if list(counts.index) == [ui_text(lang, "none")]:  # one row headed "—" left the reader to guess why
        return f'<p class="notice">{esc(ui_text(lang, "segments_empty", by=inp.by))}</p>'
    parents = [i for i, label in enumerate(facts.labels) if label[1] is None]
    head = f"<tr><th>{esc(ui_text(lang, 'segment'))}</th><th class=\"num\">{esc(ui_text(lang, 'responses'))}</th>"
    if facts.has_scores:
        metric = ui_text(lang, f"metric.{inp.spec.score_type}")
        head += f"<th class=\"num\">{esc(metric)}</th><th class=\"num\">{esc(ui_text(lang, 'impact_ci'))}</th>"
    head += f"<th class=\"list\">{esc(ui_text(lang, 'top_issue'))}</th></tr>"
    rows = []
    for segment, count in counts.items():
        mask = (values == segment).to_numpy()
        cells = f"<td>{esc(segment)}</td><td class=\"num\">{fmt_int(count, lang)}</td>"
        if facts.has_scores:
            cells += _score_cells(inp, facts, mask)
        seg_comments = facts.weighed(facts.has_comment & mask)
        shares = facts.per_label_weighed(mask)[parents] / (seg_comments or 1)
        top = [k for k in np.argsort(-shares, kind="stable")[:3] if shares[k] > 0]
        issue = ", ".join(
            f"{inp.taxonomy.display_name(facts.labels[parents[k]], lang)} {fmt_pct(shares[k], lang)}" for k in top
        )
        cells += f"<td class=\"list\">{esc(issue) or esc(ui_text(lang, 'none'))}</td>"
        rows.append(f"<tr>{cells}</tr>")
    shown = [str(c) for c in counts.index]
    return f'<div class="panel"><table>{head}{"".join(rows)}</table></div>{_segment_drivers(inp, shown)}'


_GRID_ROWS = 12  # parent categories in the grid; more are said in its note


def _segment_drivers(inp: ReportInputs, shown: list[str]) -> str:
    """Impact of the parent categories in each segment the table above shows (from drivers.segments),
    as a compact grid: every mentioned parent up to ``_GRID_ROWS`` (in the overall order), "—" where a
    segment has no mention of it."""
    drivers = inp.drivers
    if drivers is None or getattr(drivers, "segments", None) is None:
        return ""
    wide = drivers.segments_wide("impact", level="parent")
    if wide is None or not len(wide):
        return ""
    lang = inp.lang
    top = drivers.level("parent")
    mentioned = top[top["mentions"] > 0]["category"].tolist()
    wide = wide[wide["category"].isin(mentioned[:_GRID_ROWS])]
    # the segments of the table above, in its order (its "other" pools segments the grid has no column for)
    segments = [c for c in shown if c in wide.columns]
    if not len(wide) or not segments:
        return ""
    clear = _clear_cells(drivers, wide, segments)
    mentions = _grid(drivers, wide, segments, "mentions")
    labels = table_labels(inp, wide)
    head = f"<tr><th>{esc(ui_text(lang, 'category'))}</th>" + "".join(f'<th class="num">{esc(s)}</th>' for s in segments) + "</tr>"
    rows = []
    for i, ((_, r), label) in enumerate(zip(wide.iterrows(), labels)):
        cells = []
        for j, s in enumerate(segments):
            v = float(r[s]) if mentions[i, j] > 0 else np.nan  # not mentioned there: no impact to show
            shade = ' class="num muted"'
            if np.isfinite(v) and v != 0 and clear[i, j]:
                strength = min(abs(v) / 15.0, 1.0) * 0.55
                colour = "194,59,50" if inp.spec.is_harmful(v) else "31,138,76"
                shade = f' class="num" style="background:rgba({colour},{strength:.2f})"'
            cells.append(f'<td{shade}>{fmt_num(v, inp.spec.impact_digits, lang, signed=True)}</td>')
        rows.append(f"<tr><td>{esc(display(inp, label, r['category']))}</td>{''.join(cells)}</tr>")
    note = ui_text(lang, "segment_grid_note", n=fmt_int(min_n_of(inp), lang))
    if len(mentioned) > _GRID_ROWS:
        note += " " + ui_text(lang, "segment_grid_more", n=fmt_int(len(mentioned) - _GRID_ROWS, lang))
    return (f'<div class="panel"><h3>{esc(ui_text(lang, "impact"))}</h3><table>{head}{"".join(rows)}</table>'
            f'<p class="muted">{esc(note)}</p></div>')


def _clear_cells(drivers, wide: pd.DataFrame, segments: list[str]) -> np.ndarray:
    """Which cells of the grid are findings: enough scored mentions in the segment and an interval
    that excludes 0. With a hundred reviews per segment most impacts rest on a few mentions; shading
    those like the rest read as differences between segments that the data cannot show."""
    low, high, low_n = (_grid(drivers, wide, segments, v) for v in ("impact_low", "impact_high", "low_n"))
    with np.errstate(invalid="ignore"):
        return (low_n == 0) & ((low > 0) | (high < 0))


def _grid(drivers, wide: pd.DataFrame, segments: list[str], value: str) -> np.ndarray:
    """``value`` of the segments table in the grid's rows and columns (NaN where a segment lacks it)."""
    table = drivers.segments_wide(value, level="parent").set_index(["level", "category"])
    return table.reindex(wide.set_index(["level", "category"]).index)[segments].to_numpy(dtype=float)
