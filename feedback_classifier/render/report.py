"""The HTML report: one self-contained file an analyst can e-mail or open offline.

Everything is inline — CSS, charts (SVG as ``data:`` images, so each chart's internal ids
stay isolated), no scripts, no fonts or images from the network — so the file renders the
same on a laptop on a plane as on the intranet. Every piece of user text (comments,
column values, category names from a user's taxonomy) is HTML-escaped.

Sections: overview (responses, score with its confidence interval, share of comments
classified, comments needing review, trend over periods), top drivers (table and impact
chart with CI whiskers), priority matrix, a card per category with example comments from
detractors and promoters, segment comparison (with ``by``), routing summary, and notes on
method. Headings follow the report language (``lang.ui``); category names come from the
taxonomy in the same language. Each section has its own module; this one assembles the page.
"""

from __future__ import annotations

import datetime as _dt
import html
import os
import re
from pathlib import Path
from typing import Any

import pandas as pd

from feedback_classifier.errors import InputFileError, ScoreError
from feedback_classifier.insights import ScoreSpec
from feedback_classifier.lang import check_language
from feedback_classifier.lang.ui import ui_text
from feedback_classifier.render.categories import categories_section
from feedback_classifier.render.driver_tables import drivers_sections
from feedback_classifier.render.facts import Facts, ReportInputs, build_facts
from feedback_classifier.render.html import CSS, esc, fmt_datetime, fmt_int, fmt_num
from feedback_classifier.render.overview import overview_section
from feedback_classifier.render.segments import segments_section
from feedback_classifier.tableio import require_columns, write_file_atomic
from feedback_classifier.tableio.atomic import refuse_standard_output


def build_report(
    df: pd.DataFrame,
    taxonomy: Any,
    *,
    text_col: str,
    score_col: str | None = None,
    score_type: Any = None,
    lang: str = "en",
    drivers: Any = None,
    routing: Any = None,
    by: str | None = None,
    period_col: str | None = None,
    source: str = "",
    title: str | None = None,
    examples: int = 3,
    weight: str | None = None,
    quotes: pd.DataFrame | None = None,
    mask: bool = True,
    model_info: dict | None = None, tones: dict | None = None, survey_weight: tuple[str, str | None] | None = None,
) -> str:
    """Render the HTML report for an enriched table; returns the HTML text.

    For a file too big for memory, ``df`` may be a *reduced* table: one row per distinct
    (``categories``, score, ``by``, ``needs_review``, has-a-comment) combination with a
    frequency-weight column named by ``weight``; then ``df[text_col]`` holds True/False (the
    rows have a comment) and ``quotes`` holds the candidate rows to quote (``QuotePool``).
    The numbers are the same as for the whole table. ``survey_weight``: ``(column, None)`` of survey weights
    (blank = 0), or a reduced table's ``(weight sums, squared-weight sums)``: shares and scores weighted.

    ``df`` is ``model.enrich`` output (needs ``text_col`` and ``categories``).
    ``drivers`` is a ``insights.DriversResult`` (computed with the same score column);
    without it the report skips the drivers and matrix sections. ``routing`` is a
    ``insights.RoutingResult`` for the routing summary. ``score_type`` is a type name or a
    ``scores.ScoreSpec``; None: the one ``drivers`` was computed with, else ``nps``. ``lang`` picks headings and category names (``en``/``ru``).
    Quotes show e-mails, phone and card numbers and self-introduced names masked unless
    ``mask=False``. ``model_info`` says in the method section which model ran:
    ``{"kind": "default" | "weak" | "trained" | "given", "rows": labelled rows, "f1": CV micro-F1,
    "rare": [parent names it rarely found]}``; categories flagged often missed come from
    ``drivers``.
    ``tones``: ``{label: (complaints, praise)}``, each category's mentions judged negative /
    positive (``insights.PolarityTally.by_label``); by default counted from ``df``'s
    ``category_sentiment`` column when ``df`` is the whole table. The category cards show them,
    and without scores to split quotes by, they quote complaints and praise apart.

    >>> from feedback_classifier.taxonomy import load_taxonomy
    >>> df = pd.DataFrame({"comment": ["Courier <b>late</b>"], "nps": [3],
    ...                    "categories": ["Delivery > Courier"], "confidence": [0.9], "needs_review": [False]})
    >>> page = build_report(df, load_taxonomy("cx-default"), text_col="comment", score_col="nps")
    >>> "Courier &lt;b&gt;late&lt;/b&gt;" in page, "<b>late</b>" in page
    (True, False)
    """
    lang = check_language(lang)
    if isinstance(taxonomy, (str, os.PathLike)):  # a bundled name or YAML path, as route and compute_drivers take it
        from feedback_classifier.taxonomy import load_taxonomy

        taxonomy = load_taxonomy(taxonomy)
    needed = [text_col, "categories", *([score_col] if score_col else []), *([by] if by else []),
              *([weight] if weight else []), *[c for c in survey_weight or () if c]]
    require_columns(df, list(dict.fromkeys(needed)), source=source or "the table")
    inp = ReportInputs(
        df=df.reset_index(drop=True),
        taxonomy=taxonomy,
        text_col=text_col,
        score_col=score_col,
        spec=_report_spec(score_type, score_col, drivers),
        lang=lang,
        drivers=drivers,
        routing=routing,
        by=by,
        period_col=period_col,
        source=source,
        title=title,
        examples=examples,
        weight=weight,
        quotes=quotes,
        mask=mask,
        model_info=model_info,
        tones=tones if tones is not None or weight else _tones_of(df, taxonomy, source), survey_weight=survey_weight,
    )
    return _page(inp, _sections(inp, build_facts(inp)))


def _report_spec(score_type: Any, score_col: str | None, drivers: Any) -> ScoreSpec:
    """The score's rules for the page, the same as ``drivers``': drivers of a CSAT column reported with the
    default ``nps`` headed the page "NPS -100 ... run again with --score-type csat" over a CSAT drivers table,
    and drivers of another column sat under this one's score without a word."""
    spec = None if score_type is None else score_type if isinstance(score_type, ScoreSpec) else ScoreSpec.make(score_type)
    settings = getattr(drivers, "settings", None) or {}
    if not settings:
        return spec or ScoreSpec.make("nps")
    if score_col is not None and settings.get("score_col") not in (None, score_col):
        raise ScoreError(f"drivers were computed on score column {settings['score_col']!r}, not {score_col!r}: "
                         "pass the same score_col to compute_drivers and build_report.")
    theirs = ScoreSpec.from_settings(settings)
    if spec is not None and spec != theirs:
        raise ScoreError(f"drivers were computed as {theirs.score_type} (scale {theirs.scale}), the report is asked for "
                         f"{spec.score_type} (scale {spec.scale}): leave score_type out to report theirs.")
    return theirs


def _tones_of(df: pd.DataFrame, taxonomy: Any, source: str) -> dict | None:
    """Complaints and praise per category from the table's ``category_sentiment`` (None without it)."""
    if "category_sentiment" not in df.columns:
        return None
    from feedback_classifier.insights.polarity import PolarityTally

    tally = PolarityTally(taxonomy=taxonomy, source=source or None)
    tally.add(df["category_sentiment"])
    return tally.by_label()


def _sections(inp: ReportInputs, facts: Facts) -> list[tuple[str, str, str]]:
    """(anchor id, heading, html) of each section the data supports, in reading order.

    The ids are stable anchors: tests and scripts/render_report.py look for them.
    """
    lang = inp.lang
    sections = [("overview", ui_text(lang, "overview"), overview_section(inp, facts))]
    if facts.has_scores and facts.matrix.any():
        drivers_html, matrix_html = drivers_sections(inp)
        if drivers_html:
            metric = ui_text(lang, f"metric.{inp.spec.score_type}")
            sections.append(("drivers", ui_text(lang, "drivers", metric=metric), drivers_html))
        if matrix_html:
            sections.append(("matrix", ui_text(lang, "matrix"), matrix_html))
    sections.append(("categories", ui_text(lang, "categories"), categories_section(inp, facts)))
    if inp.by:
        sections.append(("segments", ui_text(lang, "segments", by=inp.by), segments_section(inp, facts)))
    if inp.routing is not None:
        sections.append(("routing", ui_text(lang, "routing"), _routing(inp)))
    sections.append(("method", ui_text(lang, "method"), _method(inp, facts)))
    return sections


def _generated_at() -> _dt.datetime:
    """Now, or ``$SOURCE_DATE_EPOCH`` (UTC seconds, the reproducible-builds convention) when set:
    a nightly job that wants the same bytes for the same data pins it, and a checksum then tells
    whether anything changed.

    >>> import os
    >>> os.environ["SOURCE_DATE_EPOCH"] = "0"; _generated_at().year; del os.environ["SOURCE_DATE_EPOCH"]
    1970
    """
    import os

    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return _dt.datetime.fromtimestamp(int(epoch), tz=_dt.timezone.utc)
    return _dt.datetime.now().astimezone()


def _scroll_boxes(body: str, lang: str) -> str:
    """Wrap every table in a box that scrolls sideways on a phone instead of widening the page.

    A box that scrolls must take focus, or a keyboard user can never reach its hidden columns
    (WCAG 2.1.1); each is named after the heading above it, since identical names make a screen
    reader's list of regions useless. Comment text is escaped, so these tags are the report's own.

    >>> out = _scroll_boxes("<h3>Drivers</h3><table></table><figure></figure>", "en")
    >>> out[16:], 'aria-label="Drivers · Table (scrolls sideways' in out
    ('<div class="tscroll" tabindex="0" role="region" aria-label="..."><table></table></div><figure tabindex="0"></figure>', True)
    """
    what = ui_text(lang, "scroll_region")
    parts, heading, last = [], "", 0
    for m in re.finditer(r"<(h[1-6])\b[^>]*>(.*?)</\1>|<table>", body, re.S):
        parts.append(body[last:m.end() if m.group(1) else m.start()])
        last = m.end()
        if m.group(1):
            heading = html.unescape(re.sub(r"<[^>]+>", "", m.group(2))).strip()
            continue
        name = esc(f"{heading} · {what}" if heading else what)
        parts.append(f'<div class="tscroll" tabindex="0" role="region" aria-label="{name}"><table>')
    parts.append(body[last:])
    body = "".join(parts).replace("</table>", "</table></div>")
    return body.replace("<figure>", '<figure tabindex="0">')


def _page(inp: ReportInputs, sections: list[tuple[str, str, str]]) -> str:
    lang = inp.lang
    title = inp.title or ui_text(lang, "title")
    date = fmt_datetime(_generated_at(), lang)
    subtitle = ui_text(lang, "generated", date=date, source=Path(inp.source).name if inp.source else "DataFrame")
    subtitle += f" · {ui_text(lang, 'taxonomy')}: {inp.taxonomy.name}"
    nav = "".join(f'<a href="#{sid}">{esc(name)}</a>' for sid, name, _ in sections)
    body = "\n".join(
        f'<section id="{sid}">\n<h2>{esc(name)}</h2>\n{content}\n</section>' for sid, name, content in sections
    )
    body = _scroll_boxes(body, lang)
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="feedback-classifier">
<title>{esc(title)}</title>
<style>{CSS}</style>
</head>
<body>
<header class="top"><div class="wrap"><h1>{esc(title)}</h1><p>{esc(subtitle)}</p></div></header>
<nav class="toc" aria-label="{esc(ui_text(lang, 'nav'))}"><div class="wrap">{nav}</div></nav>
<main class="wrap">
{body}
</main>
<footer class="wrap">feedback-classifier · {esc(date)}</footer>
</body>
</html>
"""


def _routing(inp: ReportInputs) -> str:
    lang = inp.lang
    summary = inp.routing.summary
    # without a score every team's detractors are unknown: a column of dashes headed "Detractors" says nothing
    scored = bool(summary["detractors"].notna().any())
    flagged = "needs_review" in inp.df.columns  # else nothing says which comments need review: dashes, not zeros
    rows = []
    for record in summary.to_dict("records"):
        team = record["team"]
        name = {"review": ui_text(lang, "review_queue"), "junk": ui_text(lang, "junk_queue")}.get(
            team, inp.taxonomy.team_name(team, lang))
        cls = ' class="total"' if team in ("review", "junk") else ""
        unknown = team == "review" and not flagged
        detractors = '—' if unknown or pd.isna(record['detractors']) else fmt_int(record['detractors'], lang)
        comments = '—' if unknown else fmt_int(record['comments'], lang)
        rows.append(
            f"<tr{cls}><td>{esc(name)}</td><td class=\"num\">{comments}</td>"
            + (f"<td class=\"num\">{detractors}</td>" if scored else "")
            # junk is set apart from review, whatever the model's flag on it said
            + f"<td class=\"num\">{'—' if team == 'junk' or not flagged else fmt_int(record['review'], lang)}</td></tr>"
        )
    detractors = ui_text(lang, f"detractors.{inp.spec.score_type}").capitalize()
    head = (
        f"<tr><th>{esc(ui_text(lang, 'team'))}</th><th class=\"num\">{esc(ui_text(lang, 'comments'))}</th>"
        + (f"<th class=\"num\">{esc(detractors)}</th>" if scored else "")
        + f"<th class=\"num\">{esc(ui_text(lang, 'review'))}</th></tr>"
    )
    return f'<p class="lead">{esc(ui_text(lang, "routing_lead"))}</p><div class="panel"><table>{head}{"".join(rows)}</table></div>'


def _method(inp: ReportInputs, facts: Facts) -> str:
    lang = inp.lang
    metric = ui_text(lang, f"metric.{inp.spec.score_type}")
    # without scores the page has no score, impact or significance to explain
    key = "method_text" if inp.score_col and inp.drivers is not None else "method_text_unscored"
    if inp.score_col and not facts.has_scores:  # "the file has no score column" denied the one it was given
        key = "method_text_no_valid_scores"
    text = ui_text(lang, key, metric=metric, column=inp.score_col or "")
    parts = [f'<p class="lead">{esc(text)}</p>']
    if inp.survey_weight is not None:  # the drivers' n_eff is their scored answers'; without scores, every row's
        from feedback_classifier.insights.survey import kish_n

        weights = getattr(inp.drivers, "settings", {}).get("survey_weights") or {
            "column": inp.df.attrs.get("weight_col", inp.survey_weight[0]),  # a reduced table's: the user's name
            "n_effective": kish_n(facts.sw.sum(), facts.sw2.sum())}
        # without scores only shares are weighted: no score, impact or regression to speak of
        said = ui_text(lang, "method_weighted" if key == "method_text" else "method_weighted_unscored", column=weights["column"], metric=metric,
                       n=fmt_num(weights["n_effective"], 1, lang))
        parts.append(f"<p>{esc(said)}</p>")
    parts += [f"<p>{esc(line)}</p>" for line in model_lines(inp)]
    return "".join(parts)


def model_lines(inp: ReportInputs) -> list[str]:
    """Sentences on which model ran, how it was validated and which categories it rarely finds
    or often misses (from ``model_info`` and the drivers' error rates).

    >>> from feedback_classifier.taxonomy import load_taxonomy
    >>> inp = ReportInputs(df=None, taxonomy=load_taxonomy("cx-default"), text_col="c",
    ...                    model_info={"kind": "trained", "rows": 1200, "f1": 0.712, "rare": ["Loyalty"]})
    >>> model_lines(inp)
    ['Model: trained on 1,200 labelled comments; cross-validated micro-F1 0.712.', 'Rarely found (under 0.5% of comments; check them before trusting their numbers): Loyalty.']
    >>> inp.model_info["taught"] = 30000
    >>> model_lines(inp)[1]
    'It also learned from 30,000 unlabelled comments labelled by a teacher that saw every labelled one, so the cross-validated figure is optimistic.'
    """
    info, lang = inp.model_info or {}, inp.lang
    lines = []
    kind = info.get("kind")
    if kind == "trained":
        # three decimals, as `train`, `evaluate` and analyze's "Model:" line print it (0.70 read as another figure)
        f1 = info.get("f1")
        key = "model.trained" if f1 is not None else "model.trained_no_cv"
        lines.append(ui_text(lang, key, n=fmt_int(info.get("rows") or 0, lang), f1=fmt_num(f1, 3, lang)))
        if info.get("taught"):  # train --teacher minilm: its folds were taught by a teacher that saw them
            lines.append(ui_text(lang, "model.taught", n=fmt_int(info["taught"], lang)))
    elif kind in ("default", "weak", "given"):
        lines.append(ui_text(lang, f"model.{kind}"))
    if info.get("rare"):
        lines.append(ui_text(lang, "model.rare", names=", ".join(info["rare"])))
    # the cards count complaints and praise: say how far the bundled sentiment model's counts go
    if inp.tones is not None and info.get("bundled_sentiment", kind in ("default", "weak")):
        key = ("model.sentiment_assumed" if info.get("sentiment_assumed") else "model.sentiment_e5"
               if info.get("sentiment_from_e5") else "model.sentiment_scores" if info.get("sentiment_from_scores")
               else "model.sentiment_bundled")
        lines.append(ui_text(lang, key))
    table = getattr(inp.drivers, "table", None)
    if table is not None and "often_missed" in table.columns:
        missed = table[(table["level"] == "parent") & table["often_missed"].astype(bool)]
        if len(missed):
            names = [inp.taxonomy.display_name(label, lang) for label in _labels(inp, missed["category"])]
            lines.append(ui_text(lang, "model.often_missed", names=", ".join(names)))
    return lines


def _labels(inp: ReportInputs, names) -> list:
    out = []
    for name in names:
        try:
            out += inp.taxonomy.parse_labels(name)[:1]
        except Exception:  # a name the taxonomy does not know (a user's table): skip it
            continue
    return out


def write_report(html_text: str, path: str | os.PathLike) -> Path:
    """Write the report atomically (temp file next to it, then rename).

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     write_report("<!DOCTYPE html>", Path(folder) / "report.html").read_text()
    '<!DOCTYPE html>'
    """
    return write_file_atomic(check_report_out(path), html_text)


def check_report_out(path: str | os.PathLike) -> Path:
    """``path`` as a ``Path``, once it is known the report can be written there: not ``-``, not a folder,
    in a folder that exists. ``report`` checks it before its work, which found these only at the end.

    >>> check_report_out("-")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    feedback_classifier.errors.InputFileError: -: writing to standard output is not supported; give --out a path (e.g. report.html) ...
    """
    target = Path(path)
    refuse_standard_output(target, example="report.html")
    if target.is_dir():
        raise InputFileError(f"{target}: is a directory; give a file name for the report, e.g. {target / 'report.html'}")
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise InputFileError(f"{target}: output directory {parent} does not exist; create it first")
    return target
