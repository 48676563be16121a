"""The report's drivers and priority-matrix sections: impact chart, drivers tables, key-driver
regression, priority matrix; and the drivers table with names in the report language."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import pandas as pd

from feedback_classifier.lang.ui import ui_text
from feedback_classifier.render import charts
from feedback_classifier.render.facts import ReportInputs
from feedback_classifier.render.html import chart_img, esc, fmt_int, fmt_num, fmt_pct


def translate_drivers_table(table: pd.DataFrame, taxonomy: Any, lang: str) -> pd.DataFrame:
    """The drivers table with ``category``/``parent`` names in ``lang`` (as the report shows them).

    >>> from feedback_classifier.taxonomy import load_taxonomy
    >>> table = pd.DataFrame({"category": ["Price and value", "(missing)"], "parent": ["Price and value", ""]})
    >>> translate_drivers_table(table, load_taxonomy("cx-default"), "ru")["category"].tolist()
    ['Цена и выгода', '(missing)']
    >>> translate_drivers_table(pd.DataFrame({"category": ["Цена и выгода"]}), load_taxonomy("cx-default"), "en")
              category
    0  Price and value
    """
    if not len(table):
        return table
    out = table.copy()
    cache: dict[str, str] = {}

    def name(value: Any) -> Any:
        if not isinstance(value, str) or not value:
            return value
        if value not in cache:
            try:
                cache[value] = taxonomy.display_name(taxonomy.parse_label(value), lang)
            except Exception:  # not a taxonomy path: keep as is
                cache[value] = value
        return cache[value]

    for column in ("category", "parent"):
        if column in out.columns:
            out[column] = out[column].map(name)
    return out


def table_labels(inp: ReportInputs, table: pd.DataFrame) -> list:
    """Taxonomy labels of a drivers table's rows (None for a name the taxonomy lacks).

    At level ``category`` a bare parent name means "the parent without any child"; it has no
    card of its own, so it maps to None there.
    """
    out = []
    for level, name in zip(table["level"], table["category"]):
        label = _parsed(inp, name)
        if label is not None and level == "category" and label[1] is None:
            label = None
        out.append(label)
    return out


def _parsed(inp: ReportInputs, name):
    """The taxonomy label a table row names, or None for a name from another taxonomy."""
    try:
        return inp.taxonomy.parse_label(str(name))
    except Exception:  # shown as written, without a label
        return None


def _owner(inp: ReportInputs, label, name) -> str:
    """The team owning a row's category; a bare parent at level ``category`` ("the parent without any
    child", no label of its own) is its parent's team, where routing sends those comments."""
    label = label if label is not None else _parsed(inp, name)
    return inp.taxonomy.team_name(inp.taxonomy.owner(label), inp.lang) if label is not None else ""


def display(inp: ReportInputs, label, fallback: str) -> str:
    """A label's name in the report language, or ``fallback`` for a row without a label.

    A bare parent at level ``category`` has no label of its own (no card) but is still a taxonomy
    name: shown as written, it came out in the model's language (English) on a Russian page.
    """
    label = label if label is not None else _parsed(inp, fallback)
    return inp.taxonomy.display_name(label, inp.lang) if label is not None else str(fallback)


def _drivers_table_html(inp: ReportInputs, table: pd.DataFrame, limit: int) -> str:
    lang, spec = inp.lang, inp.spec
    metric = ui_text(lang, f"metric.{spec.score_type}")
    digits = spec.value_digits
    mentioned = table[table["mentions"] > 0]
    table = mentioned.head(limit)
    if not len(table):
        return ""
    labels = table_labels(inp, table)
    split = "complaints" in table.columns  # each category's mentions split into complaints and praise
    split_head = (f"<th class=\"num\">{esc(ui_text(lang, 'complaints'))}</th>"
                  f"<th class=\"num\">{esc(ui_text(lang, 'praise'))}</th>") if split else ""
    # the impact and its interval first: on a laptop or a phone the rest scrolls sideways, the headline must not
    head = (
        f"<tr><th>#</th><th>{esc(ui_text(lang, 'category'))}</th>"
        f"<th class=\"num\">{esc(ui_text(lang, 'impact'))}</th><th class=\"num\">{esc(ui_text(lang, 'impact_ci'))}</th>"
        f"<th class=\"num\">{esc(ui_text(lang, 'mentions'))}</th>{split_head}"
        f"<th class=\"num\">{esc(ui_text(lang, 'share_of_all'))}</th>"
        f"<th class=\"num\">{esc(ui_text(lang, 'metric_with', metric=metric))}</th>"
        f"<th class=\"num\">{esc(ui_text(lang, 'metric_without', metric=metric))}</th>"
        f"<th>{esc(ui_text(lang, 'owner'))}</th>"
        + _error_head(inp, table) + "</tr>"
    )
    low_n_mark = low_n_badge(inp)
    rows = []
    for position, ((_, r), label) in enumerate(zip(table.iterrows(), labels), start=1):
        impact, low, high = float(r["impact"]), float(r["impact_low"]), float(r["impact_high"])
        cls = ""
        if not math.isnan(low) and not math.isnan(high) and (low > 0 or high < 0):  # the sign is established
            cls = "neg" if spec.is_harmful(impact) else "pos"
        low_n = low_n_mark if bool(r.get("low_n", False)) else ""
        if in_every_answer(r):  # its impact and interval are dashes: say why
            low_n += f' <span class="badge">{esc(ui_text(lang, "in_every_answer"))}</span>'
        if bool(r.get("often_missed", False)):
            low_n += f' <span class="badge">{esc(ui_text(lang, "often_missed"))}</span>'
        owner = _owner(inp, label, r["category"])
        rows.append(
            f"<tr><td class=\"muted\">{position}</td><td>{esc(display(inp, label, r['category']))}{low_n}</td>"
            f"<td class=\"num {cls}\"><b>{fmt_num(impact, spec.impact_digits, lang, signed=True)}</b></td>"
            f"<td class=\"num muted\">{fmt_num(low, spec.impact_digits, lang)} … {fmt_num(high, spec.impact_digits, lang)}</td>"
            f"<td class=\"num\">{fmt_int(r['mentions'], lang)}</td>"
            + (f"<td class=\"num neg\">{fmt_int(r['complaints'], lang)}</td>"
               f"<td class=\"num pos\">{fmt_int(r['praise'], lang)}</td>" if split else "")
            + f"<td class=\"num\">{fmt_pct(r['share'], lang)}</td>"
            f"<td class=\"num\">{fmt_num(r['metric_with'], digits, lang)}</td>"
            f"<td class=\"num\">{fmt_num(r['metric_without'], digits, lang)}</td>"
            f"<td class=\"muted\">{esc(owner)}</td>"
            + _error_cells(inp, table, r) + "</tr>"
        )
    return f"<table>{head}{''.join(rows)}</table>{cut_note(lang, len(table), len(mentioned))}"


def cut_note(lang: str, shown: int, total: int) -> str:
    """Under a table cut to its first rows: a page showing 12 of 29 subcategories without saying so
    let a reader take the missing ones for categories nobody mentioned."""
    if shown >= total:
        return ""
    return f'<p class="muted">{esc(ui_text(lang, "table_cut", shown=fmt_int(shown, lang), total=fmt_int(total, lang)))}</p>'


def _has_error_rates(table: pd.DataFrame) -> bool:
    return "recall" in table.columns and bool(table["recall"].notna().any())


def _corrected(table: pd.DataFrame) -> bool:
    return "share_adjusted" in table.columns and bool(table["share_adjusted"].notna().any())


def _error_head(inp: ReportInputs, table: pd.DataFrame) -> str:
    """Headers of the model's precision/recall and, when they were corrected, the corrected columns."""
    if not _has_error_rates(table):
        return ""
    keys = ("model_pr", "share_corrected", "impact_corrected") if _corrected(table) else ("model_pr",)
    return "".join(f'<th class="num">{esc(ui_text(inp.lang, key))}</th>' for key in keys)


def _error_cells(inp: ReportInputs, table: pd.DataFrame, r: pd.Series) -> str:
    if not _has_error_rates(table):
        return ""
    lang, n = inp.lang, 3 if _corrected(table) else 1
    if math.isnan(float(r["recall"])):
        return '<td class="num muted">—</td>' * n
    pr = f"<td class=\"num\">{fmt_pct(r['precision'], lang)} / {fmt_pct(r['recall'], lang)}</td>"
    if n == 1:
        return pr
    d = inp.spec.impact_digits  # CES +0.12, NPS -6.9: as the drivers table and the terminal give them
    impact = (f"{fmt_num(r['impact_adjusted'], d, lang, signed=True)} <span class=\"muted\">"
              f"({fmt_num(r['impact_adjusted_low'], d, lang)} … {fmt_num(r['impact_adjusted_high'], d, lang)})</span>"
              if not math.isnan(float(r["impact_adjusted"])) else "—")
    return (
        pr + f"<td class=\"num\">{fmt_pct(r['share_adjusted'], lang)} <span class=\"muted\">"
        f"({fmt_pct(r['share_adjusted_low'], lang)} … {fmt_pct(r['share_adjusted_high'], lang)})</span></td>"
        f"<td class=\"num\">{impact}</td>"
    )


def in_every_answer(r) -> bool:
    """Whether every scored answer mentions the category of drivers row ``r``: it has no "without"
    group, so no impact, which a table would otherwise show as blanks with no word why."""
    return (float(r["mentions_scored"]) > 0 and not math.isfinite(float(r["impact"]))
            and not math.isfinite(float(r["metric_without"])))


def min_n_of(inp: ReportInputs) -> int:
    """The drivers' ``min_n``: below it a figure is marked a rough one."""
    return int((getattr(inp.drivers, "settings", None) or {}).get("min_n", 30))


def low_n_badge(inp: ReportInputs) -> str:
    """The "low n" mark of a figure resting on fewer scored mentions (or scores) than the drivers' ``min_n``."""
    lang, min_n = inp.lang, min_n_of(inp)
    return (f' <span class="badge" title="{esc(ui_text(lang, "low_n_title", min_n=fmt_int(min_n, lang)))}">'
            f'{esc(ui_text(lang, "low_n"))}</span>')


def _regression_html(inp: ReportInputs, regression: pd.DataFrame | None, limit: int = 10) -> str:
    if regression is None or not len(regression):
        return ""
    lang = inp.lang
    reg = regression[(regression["level"] == "parent") & (regression["category"] != "(intercept)")]
    # most harmful first, as the drivers table ranks them: sorted by the coefficient alone, a CES where lower is
    # better listed its harms last and the cut to ``limit`` rows dropped them first
    reg = reg[reg["coef"].notna()]
    reg = reg.assign(_harm=reg["coef"] * inp.spec.harm_sign).sort_values("_harm", ascending=False, kind="stable")
    total = len(reg)
    reg = reg.head(limit)
    if not len(reg):
        return ""
    labels = table_labels(inp, reg)
    head = (
        f"<tr><th>{esc(ui_text(lang, 'category'))}</th><th class=\"num\">{esc(ui_text(lang, 'reg.coef'))}</th>"
        f"<th class=\"num\">{esc(ui_text(lang, 'impact_ci'))}</th>"
        f"<th class=\"num\">{esc(ui_text(lang, 'reg.p'))}</th><th>{esc(ui_text(lang, 'significant'))}</th></tr>"
    )
    rows, d = [], inp.spec.impact_digits
    for (_, r), label in zip(reg.iterrows(), labels):
        sig = bool(r["significant"])
        badge = (
            f'<span class="badge {"sig" if inp.spec.is_harmful(r["coef"]) else "sigpos"}">{esc(ui_text(lang, "yes"))}</span>'
            if sig
            else f'<span class="muted">{esc(ui_text(lang, "no"))}</span>'
        )
        low_n = low_n_badge(inp) if bool(r.get("low_n", False)) else ""  # (the CSV said so; the page did not)
        rows.append(
            f"<tr><td>{esc(display(inp, label, r['category']))}{low_n}</td>"
            f"<td class=\"num\">{fmt_num(r['coef'], d, lang, signed=True)}</td>"
            f"<td class=\"num muted\">{fmt_num(r['ci_low'], d, lang)} … {fmt_num(r['ci_high'], d, lang)}</td>"
            f"<td class=\"num\">{esc(_p_value(r['p_adjusted'], lang))}</td><td>{badge}</td></tr>"
        )
    # the coefficients (-39 for a category whose impact is -0.6) read as a contradiction without this
    lead = ui_text(lang, "regression_lead", metric=ui_text(lang, f"metric.{inp.spec.score_type}"))
    return (f"<h3>{esc(ui_text(lang, 'regression'))}</h3><p class=\"muted\">{esc(lead)}</p>"
            f"<table>{head}{''.join(rows)}</table>{cut_note(lang, len(reg), total)}")


def _p_value(p: float, lang: str) -> str:
    """A p-value to three decimals; one that rounds to 0.000 as "<0.001": no test proves a p of 0.

    >>> _p_value(2.3e-78, "en"), _p_value(0.0153, "en"), _p_value(2.3e-78, "ru")
    ('<0.001', '0.015', '<0,001')
    """
    return "<" + fmt_num(0.001, 3, lang) if p < 0.0005 else fmt_num(p, 3, lang)


def _chart_result(inp: ReportInputs):
    """The drivers result with mentioned categories only, names in the report language."""
    table = inp.drivers.table
    table = translate_drivers_table(table[table["mentions"] > 0].reset_index(drop=True), inp.taxonomy, inp.lang)
    return dataclasses.replace(inp.drivers, table=table)


def _impact_chart(inp: ReportInputs) -> str:
    title = ui_text(inp.lang, "drivers", metric=ui_text(inp.lang, f"metric.{inp.spec.score_type}"))
    # the chart's own title (in the report language) says more than the section heading
    result = _chart_result(inp)
    wide = charts.impact_chart(result, level="parent", top=15, lang=inp.lang)
    # A phone gets its own narrower drawing: the wide one scrolled in its box showed only labels.
    narrow = charts.impact_chart(result, level="parent", top=15, lang=inp.lang, width=3.6)
    return (f'<span class="chart-wide">{chart_img(charts.figure_bytes(wide, "svg"), title)}</span>'
            f'<span class="chart-narrow">{chart_img(charts.figure_bytes(narrow, "svg"), title)}</span>')


def _matrix_chart(inp: ReportInputs) -> str:
    fig = charts.priority_matrix(_chart_result(inp), level="parent", lang=inp.lang)
    return chart_img(charts.figure_bytes(fig, "svg"), ui_text(inp.lang, "matrix"))


def drivers_sections(inp: ReportInputs) -> tuple[str, str]:
    """The drivers section and the priority-matrix section ('' for one with nothing to show)."""
    drivers = inp.drivers
    if drivers is None:
        return "", ""
    lang, metric = inp.lang, ui_text(inp.lang, f"metric.{inp.spec.score_type}")
    parent = drivers.level("parent")
    parent = parent[parent["mentions"] > 0]
    if not len(parent):
        return "", ""
    chart = _impact_chart(inp)
    lead = "drivers_lead" if inp.spec.harm_sign < 0 else "drivers_lead_lower"
    parts = [f'<p class="lead">{esc(ui_text(lang, lead, metric=metric))}</p>']
    n_audit = drivers.settings.get("audit_rows")
    if _has_error_rates(parent) and n_audit:
        key = "error_note_default" if drivers.settings.get("error_source") == "default" else "error_note"
        parts.append(f'<p class="muted">{esc(ui_text(lang, key, n=fmt_int(n_audit, lang)))}</p>')
    if chart:
        parts.append(f'<div class="panel"><figure>{chart}</figure></div>')
    parts.append(f'<div class="panel">{_drivers_table_html(inp, parent, 15)}</div>')
    child_table = _drivers_table_html(inp, drivers.level("category"), 12)
    if child_table:
        parts.append(f'<div class="panel"><h3>{esc(ui_text(lang, "subcategory"))}</h3>{child_table}</div>')
    regression = _regression_html(inp, getattr(drivers, "regression", None))
    if regression:
        parts.append(f'<div class="panel">{regression}</div>')
    matrix = _matrix_chart(inp)
    matrix_html = (
        f'<p class="lead">{esc(ui_text(lang, "matrix_lead"))}</p><div class="panel"><figure>{matrix}</figure></div>' if matrix else ""
    )
    return "\n".join(parts), matrix_html
