"""The report's category cards: how often each category comes up, its complaints and praise, its
score, its subcategories and what customers wrote (from detractors and from promoters / satisfied
customers; without scores, complaints and praise as the comments' tone was judged)."""

from __future__ import annotations

import math

import numpy as np

from feedback_classifier.lang.ui import ui_text
from feedback_classifier.render.driver_tables import table_labels
from feedback_classifier.render.facts import Facts, ReportInputs
from feedback_classifier.render.html import esc, fmt_int, fmt_num, fmt_pct
from feedback_classifier.render.quotes import quote_source, quotes_html


def _impacts(inp: ReportInputs) -> dict:
    """label -> impact from the drivers table, when there is one."""
    table = getattr(inp.drivers, "table", None)
    if table is None or not len(table):
        return {}
    return {
        label: float(row.get("impact", math.nan))
        for label, row in zip(table_labels(inp, table), table.to_dict("records"))
        if label is not None
    }


def _card_order(inp: ReportInputs, facts: Facts, parents: list[int], mentions: np.ndarray, impacts: dict) -> list[int]:
    """Most harmful first when there are scores, else most mentioned first."""
    if not facts.has_scores:
        return sorted(parents, key=lambda i: -mentions[i])
    overall = facts.metric(np.ones(facts.size, dtype=bool))

    def key(i: int):
        impact = impacts.get(facts.labels[i], math.nan)
        if math.isnan(impact):  # no drivers row: the gap to overall, weighted by reach
            impact = (facts.metric(facts.matrix[:, i]) - overall) * mentions[i] / max(facts.n, 1)
        return (np.nan_to_num(impact, nan=0.0), -mentions[i])

    ordered = sorted(parents, key=key)
    # sorted from the most negative impact: reversed where a positive impact is the harmful one
    return ordered[::-1] if inp.spec.is_harmful(1.0) else ordered


def _stats(inp: ReportInputs, facts: Facts, i: int, mentions: np.ndarray, impacts: dict) -> str:
    lang, spec = inp.lang, inp.spec
    # with survey weights a share of the weighted comments, the mentions still counted
    comments = facts.weighed(facts.has_comment)
    share = ui_text(lang, "of_comments", pct=fmt_pct(facts.per_label_weighed()[i] / comments if comments else 0.0, lang))
    stats = [f"{esc(ui_text(lang, 'mentions'))}: <b>{fmt_int(mentions[i], lang)}</b> ({esc(share)})"]
    tones = (inp.tones or {}).get(facts.labels[i])
    if tones is not None:
        stats.append(f"{esc(ui_text(lang, 'complaints'))}: <b class=\"neg\">{fmt_int(tones[0], lang)}</b> · "
                     f"{esc(ui_text(lang, 'praise'))}: <b class=\"pos\">{fmt_int(tones[1], lang)}</b>")
    if facts.has_scores:
        overall = facts.metric(np.ones(facts.size, dtype=bool))
        m = facts.metric(facts.matrix[:, i])
        cls = ' class="neg"' if spec.is_harmful(m - overall) else ' class="pos"'
        digits, metric = spec.value_digits, ui_text(lang, f"metric.{spec.score_type}")
        # with the metric's unit, as the overview tile gives it (CSAT 30%, not 30)
        whole = ui_text(lang, "overall_value", value=fmt_num(overall, digits, lang) + spec.unit)
        stats.append(f"{esc(metric)}: <b{cls}>{fmt_num(m, digits, lang)}{spec.unit}</b> "
                     f"<span class=\"muted\">({esc(whole)})</span>")
        impact = impacts.get(facts.labels[i], math.nan)
        if not math.isnan(impact):
            stats.append(f"{esc(ui_text(lang, 'impact'))}: <b>{fmt_num(impact, spec.impact_digits, lang, signed=True)}</b>")
        if facts.complaints is not None and facts.count(facts.complaints[:, i] & facts.valid):
            # a mostly praised category lifts the score as a whole; its complaints alone may still pull it down
            without = facts.metric(~facts.complaints[:, i])
            stats.append(f"{esc(ui_text(lang, 'impact_complaints'))}: "
                         f"<b>{fmt_num(overall - without, spec.impact_digits, lang, signed=True)}</b>")
    # one flex item per stat: a stat never breaks across lines (the gap between items separates them)
    return "".join(f"<span>{stat}</span>" for stat in stats)


def _child_table(inp: ReportInputs, facts: Facts, i: int, mentions: np.ndarray) -> str:
    lang, tax, label = inp.lang, inp.taxonomy, facts.labels[i]
    children = [j for j, lab in enumerate(facts.labels) if lab[0] == label[0] and lab[1] is not None and mentions[j] > 0]
    if not children:
        return ""
    children.sort(key=lambda j: -mentions[j])
    head = f"<tr><th>{esc(ui_text(lang, 'subcategory'))}</th><th class=\"num\">{esc(ui_text(lang, 'mentions'))}</th>"
    tones = inp.tones or {}
    if tones:  # each subcategory's complaints and praise
        head += "".join(f"<th class=\"num\">{esc(ui_text(lang, key))}</th>" for key in ("complaints", "praise"))
    if facts.has_scores:
        head += f"<th class=\"num\">{esc(ui_text(lang, f'metric.{inp.spec.score_type}'))}</th>"
    # the card's badge names its owner; a column only when some subcategory goes to another team
    other_owner = any(tax.owner(facts.labels[j]) != tax.owner(label) for j in children)
    head += f"<th>{esc(ui_text(lang, 'owner'))}</th></tr>" if other_owner else "</tr>"
    body = []
    for j in children:
        cells = f"<td>{esc(tax.short_name(facts.labels[j], lang))}</td><td class=\"num\">{fmt_int(mentions[j], lang)}</td>"
        if tones:
            counts = tones.get(facts.labels[j], (0, 0))
            cells += (f"<td class=\"num neg\">{fmt_int(counts[0], lang)}</td>"
                      f"<td class=\"num pos\">{fmt_int(counts[1], lang)}</td>")
        if facts.has_scores:
            cells += f"<td class=\"num\">{fmt_num(facts.metric(facts.matrix[:, j]), inp.spec.value_digits, lang)}</td>"
        if other_owner:
            cells += f"<td>{esc(tax.team_name(tax.owner(facts.labels[j]), lang))}</td>"
        body.append(f"<tr>{cells}</tr>")
    return f"<table>{head}{''.join(body)}</table>"


def _card_quotes(inp: ReportInputs, facts: Facts, i: int) -> str:
    lang, spec = inp.lang, inp.spec
    qinp, qfacts = quote_source(inp, facts)
    rows_in = np.flatnonzero(qfacts.matrix[:, i])
    if not (facts.has_scores and spec.has_detractors):
        if inp.tones is None:  # no judged tone to split by
            return (f'<div class="quotes"><h4>{esc(ui_text(lang, "examples"))}</h4>'
                    f'{quotes_html(qinp, qfacts, rows_in, i, "", True)}</div>')
        # no scores to split by: complaints and praise by the comments' judged tone, where their words agree
        complaints, praise = inp.tones.get(facts.labels[i], (0, 0))
        return (f'<div class="quotes"><h4>{esc(ui_text(lang, "quotes_complaints"))}</h4>'
                f"{quotes_html(qinp, qfacts, rows_in, i, 'det', True, tone=-1, agree=True, group=complaints)}"
                f'<h4>{esc(ui_text(lang, "quotes_praise"))}</h4>'
                f"{quotes_html(qinp, qfacts, rows_in, i, 'pro', False, tone=1, agree=True, group=praise)}</div>")
    bad = rows_in[qfacts.detractor[rows_in]]
    good = rows_in[qfacts.top_box[rows_in]]
    # counted in the whole table: a streamed report's quote pool holds only the rows it might quote
    mentioned = facts.matrix[:, i]
    n_bad, n_good = facts.count(mentioned & facts.detractor), facts.count(mentioned & facts.top_box)
    good_title = ui_text(lang, "from_promoters") if spec.score_type == "nps" else ui_text(lang, "from_top_box")
    # promoters' quotes are praise the words back: the sentiment model taught by scores leans to the writer's
    # score, and "Prices keep rising!" with a 10, judged positive, was quoted as promoters' praise
    detractors = ui_text(lang, f"detractors.{spec.score_type}")
    praise = quotes_html(qinp, qfacts, good, i, "pro", False, tone=1, agree="judged", group=n_good)
    return (
        f'<div class="quotes"><h4>{esc(ui_text(lang, "from_detractors", detractors=detractors))}</h4>'
        f"{quotes_html(qinp, qfacts, bad, i, 'det', True, tone=-1, group=n_bad)}"
        f"<h4>{esc(good_title)}</h4>{praise}</div>"
    )


def categories_section(inp: ReportInputs, facts: Facts) -> str:
    """A card per mentioned parent category, most harmful (or most mentioned) first."""
    lang, tax = inp.lang, inp.taxonomy
    mentions = facts.per_label()
    parents = [i for i, label in enumerate(facts.labels) if label[1] is None and mentions[i] > 0]
    if not parents:
        return f'<p class="notice">{esc(ui_text(lang, "no_categories"))}</p>'
    impacts = _impacts(inp)
    cards = []
    for i in _card_order(inp, facts, parents, mentions, impacts):
        label = facts.labels[i]
        cards.append(
            f'<article class="card" id="cat-{esc(label[0])}"><h3>{esc(tax.display_name(label, lang))}</h3>'
            f'<span class="badge">{esc(ui_text(lang, "owner"))}: {esc(tax.team_name(tax.owner(label), lang))}</span>'
            f'<div class="stats">{_stats(inp, facts, i, mentions, impacts)}</div>'
            f"{_child_table(inp, facts, i, mentions)}{_card_quotes(inp, facts, i)}</article>"
        )
    lead = ui_text(lang, "categories_lead" if facts.has_scores else "categories_lead_unscored")
    return f'<p class="lead">{esc(lead)}</p>{_both_note(inp, facts, parents, mentions)}<div class="cards">{"".join(cards)}</div>'


def _both_note(inp: ReportInputs, facts: Facts, parents: list[int], mentions: np.ndarray) -> str:
    """Why a card's complaints and praise can add up to more than its mentions (350 + 183 under 525
    mentions read as a counting error): a comment blaming one subcategory and praising another is both."""
    tones = inp.tones or {}
    over = [inp.taxonomy.display_name(facts.labels[i], inp.lang) for i in parents
            if sum(tones.get(facts.labels[i], (0, 0))) > mentions[i]]
    if not over:
        return ""
    return f'<p class="muted">{esc(ui_text(inp.lang, "tones_overlap", names=", ".join(over)))}</p>'
