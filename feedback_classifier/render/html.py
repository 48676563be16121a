"""HTML building blocks of the report: escaping, numbers for humans, inline images, the CSS.

Everything the report embeds is inline (CSS, charts as ``data:`` images, so each chart's
internal ids stay isolated), and every piece of user text goes through :func:`esc`.
"""

from __future__ import annotations

import base64
import html
import math
import re
from typing import Any

CSS = """
:root{--ink:#1d2430;--muted:#5b6675;--line:#dfe3ea;--bg:#f5f7fa;--card:#fff;--neg:#c23b32;--pos:#1a7a43;--accent:#2f5fa8;--warn:#a86a00}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans","Liberation Sans",sans-serif}
header.top{background:#1f2d44;color:#fff;padding:28px 0 22px}
header.top h1{margin:0 0 4px;font-size:26px;font-weight:650;letter-spacing:-.01em}
header.top p{margin:0;color:#c9d3e3;font-size:13.5px}
.wrap{max-width:1120px;margin:0 auto;padding:0 28px}
@media (max-width:600px){.wrap{padding:0 12px}.panel{padding:12px}.card{padding:12px}header.top h1{font-size:21px}}
nav.toc{background:#fff;border-bottom:1px solid var(--line);position:sticky;top:0;z-index:2}
nav.toc .wrap{display:flex;flex-wrap:wrap;gap:4px 18px;padding-top:9px;padding-bottom:9px;font-size:13.5px}
nav.toc a{color:var(--accent);text-decoration:none}
nav.toc a:hover{text-decoration:underline}
section{margin:26px 0 10px;scroll-margin-top:4em}
/* a contents link must not land its heading under the sticky bar: below 860 px (a phone, 200% zoom)
   the bar wraps to two or three lines, so it scrolls away there instead of covering the page */
@media (max-width:860px){nav.toc{position:static}}
section>h2{font-size:20px;margin:0 0 6px;font-weight:650}
p.lead{color:var(--muted);margin:0 0 14px;max-width:860px;font-size:14px}
.panel{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:18px 20px;margin:0 0 16px}
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(200px,1fr));gap:14px;margin:0 0 16px}
.kpi{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:14px 16px}
.kpi .label{color:var(--muted);font-size:12.5px;text-transform:uppercase;letter-spacing:.04em}
.kpi .value{font-size:30px;font-weight:680;line-height:1.2;margin:4px 0 2px;font-variant-numeric:tabular-nums}
.kpi .note{color:var(--muted);font-size:12.5px}
.notice{border-left:4px solid var(--warn);background:#fff8e8;padding:10px 14px;border-radius:6px;margin:0 0 14px;font-size:14px}
.grid2{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:16px}
@media (max-width:860px){.grid2{grid-template-columns:1fr}}
figure{margin:0;overflow-x:auto}
figure img{display:block;max-width:100%;height:auto;margin:0 auto}
@media (max-width:700px){figure img{max-width:none;width:660px}}
.chart-narrow{display:none}
@media screen and (max-width:700px){.chart-wide{display:none}.chart-narrow{display:block}.chart-narrow img{width:auto;max-width:100%}}
.tscroll{overflow-x:auto;max-width:100%}
/* the boxes that scroll take keyboard focus, so the ring must show where it is */
.tscroll:focus-visible,figure:focus-visible{outline:2px solid var(--accent);outline-offset:2px}
figcaption{color:var(--muted);font-size:12.5px;margin-top:6px}
table{border-collapse:collapse;width:100%;font-size:13.5px;font-variant-numeric:tabular-nums}
th,td{padding:6px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{font-weight:600;color:var(--muted);font-size:12.5px;background:#fafbfc}
td.num,th.num{text-align:right}
/* a number never breaks; a header may: "Точность / полнота модели" and badges kept on one line pushed the
   drivers table's owner and accuracy columns ~600 px out of sight on a 1280 px screen */
td.num{white-space:nowrap}
td.list,th.list{min-width:15em}
tr.total td{font-weight:600}
.neg{color:var(--neg)}
.pos{color:var(--pos)}
.muted{color:var(--muted)}
.badge{display:inline-block;font-size:11.5px;padding:1px 8px;border-radius:9px;background:#eef2f8;color:#394760}
.badge.sig{background:#fde8e6;color:var(--neg)}
.badge.sigpos{background:#e3f4ea;color:var(--pos)}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(480px,100%),1fr));gap:16px}
.card,.panel,.kpi{min-width:0}
@media (max-width:560px){.cards{grid-template-columns:1fr}}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:16px 18px;break-inside:avoid}
.card h3{margin:0 0 2px;font-size:16.5px}
.panel h3{margin:0 0 10px;font-size:15px}
details summary{cursor:pointer;font-size:13px;margin-top:6px}
.card .stats{display:flex;flex-wrap:wrap;gap:4px 16px;color:var(--muted);font-size:13px;margin:4px 0 10px}
.card .stats b{color:var(--ink);font-variant-numeric:tabular-nums}
.card table{font-size:12.5px;margin:0 0 10px}
.quotes h4{font-size:12.5px;margin:10px 0 6px;color:var(--muted);font-weight:600;text-transform:uppercase;letter-spacing:.03em}
blockquote{margin:0 0 7px;padding:6px 10px;border-left:3px solid var(--line);background:#fafbfc;border-radius:0 6px 6px 0;font-size:13.5px;overflow-wrap:anywhere}
blockquote.det{border-left-color:var(--neg)}
blockquote.pro{border-left-color:var(--pos)}
blockquote .meta{display:block;color:var(--muted);font-size:11.5px;margin-top:2px}
.bar{display:inline-block;height:8px;border-radius:4px;background:#9fb3d1;vertical-align:middle}
footer{color:var(--muted);font-size:12.5px;padding:20px 0 40px}
/* phones: a card's subcategory table (five columns) fits without scrolling, its Praise and NPS no longer cut */
@media (max-width:600px){th,td{padding:5px 3px}table{font-size:12.5px}th{font-size:11px}.card table{font-size:12px}}
@media print{
@page{margin:12mm}
nav.toc{display:none}
body{background:#fff;font-size:11pt}
header.top{background:#fff;color:#000;padding:0 0 8px;border-bottom:2px solid #000}
header.top p{color:#333}
.wrap{max-width:none;padding:0}
.panel,.kpi,.card{border-color:#ccc;break-inside:avoid}
section>h2,h3,h4{break-after:avoid}
tr,blockquote,figure{break-inside:avoid}
.tscroll,figure{overflow:visible}
/* paper does not scroll: a wide table (the drivers' 12 columns) would lose its right-hand columns */
table{font-size:8pt;width:auto;max-width:100%}th,td{padding:3px 4px}th{font-size:7.5pt}
th.num,td.num,.badge{white-space:normal}td.list,th.list{min-width:0}th,td:not(.num){overflow-wrap:anywhere;hyphens:auto}
tr>:first-child{overflow-wrap:normal}
figure img{max-width:100%;width:auto}
.cards{grid-template-columns:1fr}
a{color:inherit;text-decoration:none}
/* paper cannot be clicked open: a folded table (the trend's numbers) prints open; a browser without
   ::details-content drops this one rule and prints it folded, as before */
details::details-content{content-visibility:visible;display:block}
}
"""


def esc(value: Any) -> str:
    """HTML-escape any value (quotes too, so it is safe inside attributes).

    >>> esc('<script>alert("x")</script>')
    '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return html.escape(str(value), quote=True)


def fmt_num(value: Any, digits: int = 1, lang: str = "en", signed: bool = False) -> str:
    """A number for humans: thousands separated, decimal comma in Russian, '—' for NaN.

    >>> fmt_num(12345.678, 1), fmt_num(-3.25, 1, "ru"), fmt_num(4.0, 1, signed=True)
    ('12,345.7', '−3,2', '+4.0')
    >>> fmt_num(0.018, 1, signed=True), fmt_num(-0.019, 1, signed=True), fmt_num(-1234.5, 1)
    ('0.0', '0.0', '−1,234.5')
    """
    try:
        x = float(value)
    except (TypeError, ValueError):
        return "—"
    if math.isnan(x):
        return "—"
    text = f"{abs(x):,.{digits}f}"
    if lang == "ru":
        text = text.replace(",", "\u202f").replace(".", ",")
    # no sign on what rounds to zero: "+0.0" beside "0.0" read as a lift where the other was none
    shown_zero = not any(c in "123456789" for c in text)
    sign = "−" if x < 0 and not shown_zero else ""
    if signed and x > 0 and not shown_zero:
        sign = "+"
    return sign + text


def fmt_int(value: Any, lang: str = "en") -> str:
    """An integer count with thousands separators.

    >>> fmt_int(1234567), fmt_int(1234567, "ru")
    ('1,234,567', '1\u202f234\u202f567')
    """
    return fmt_num(value, 0, lang)


def fmt_pct(share: Any, lang: str = "en", digits: int = 0) -> str:
    """A 0..1 share as a percentage.

    >>> fmt_pct(0.256), fmt_pct(0.256, "ru", 1)
    ('26%', '25,6%')
    """
    text = fmt_num(float(share) * 100 if share is not None else float("nan"), digits, lang)
    return text if text == "—" else text + "%"


_PERIOD = re.compile(r"(\d{4})-(?:(\d{2})(?:-(\d{2}))?|Q([1-4]))")


def fmt_period(label: Any, lang: str = "en") -> str:
    """A trend period's name for people: the drivers table's ISO ``2024-02`` (month), ``2024-02-05``
    (a week by its first day) and ``2024-Q1`` as a Russian reader writes them.

    >>> fmt_period("2024-02", "ru"), fmt_period("2024-02-05", "ru"), fmt_period("2024-Q1", "ru"), fmt_period("2024-02")
    ('02.2024', '05.02.2024', '1 кв. 2024', '2024-02')
    """
    text = str(label)
    m = _PERIOD.fullmatch(text)
    if lang != "ru" or m is None:
        return text
    year, month, day, quarter = m.groups()
    if quarter:
        return f"{quarter} кв. {year}"
    return f"{day}.{month}.{year}" if day else f"{month}.{year}"


def fmt_datetime(stamp: Any, lang: str = "en") -> str:
    """A date and time as the page's language writes it (Russian: ``07.12.2026 19:25``), with its
    offset from UTC when it has one: a nightly job's server clock and its reader's differ.

    >>> import datetime as dt
    >>> fmt_datetime(dt.datetime(2026, 12, 7, 19, 25, tzinfo=dt.timezone.utc))
    '2026-12-07 19:25 UTC'
    >>> fmt_datetime(dt.datetime(2026, 12, 7, 22, 25, tzinfo=dt.timezone(dt.timedelta(hours=3))), "ru")
    '07.12.2026 22:25 UTC+03:00'
    """
    text = stamp.strftime("%d.%m.%Y %H:%M" if lang == "ru" else "%Y-%m-%d %H:%M")
    offset = stamp.utcoffset() if hasattr(stamp, "utcoffset") else None
    if offset is None:
        return text
    if not offset:
        return f"{text} UTC"
    sign, minutes = ("+" if offset.total_seconds() >= 0 else "-"), int(abs(offset.total_seconds()) // 60)
    return f"{text} UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def svg_img(svg: str | bytes, alt: str, css_class: str = "") -> str:
    """An SVG chart as an ``<img>`` with a ``data:`` URI (self-contained, ids isolated).

    >>> svg_img("<svg/>", 'a "chart"')
    '<img src="data:image/svg+xml;base64,PHN2Zy8+" alt="a &quot;chart&quot;">'
    """
    data = svg.encode("utf-8") if isinstance(svg, str) else svg
    uri = "data:image/svg+xml;base64," + base64.b64encode(data).decode("ascii")
    cls = f' class="{esc(css_class)}"' if css_class else ""
    return f'<img{cls} src="{uri}" alt="{esc(alt)}">'


def png_img(png: bytes, alt: str) -> str:
    """A PNG chart as an ``<img>`` with a ``data:`` URI.

    >>> png_img(b"\\x89PNG", "chart")
    '<img src="data:image/png;base64,iVBORw==" alt="chart">'
    """
    uri = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    return f'<img src="{uri}" alt="{esc(alt)}">'


def chart_img(chart: Any, alt: str) -> str:
    """Embed whatever a chart function returned: SVG text, PNG bytes, or a matplotlib figure.

    >>> chart_img("<svg/>", "chart") == svg_img("<svg/>", "chart"), chart_img(None, "chart")
    (True, '')
    """
    if chart is None:
        return ""
    if isinstance(chart, bytes):
        return png_img(chart, alt) if chart[:8] == b"\x89PNG\r\n\x1a\n" else svg_img(chart, alt)
    if isinstance(chart, str):
        return svg_img(chart, alt)
    if hasattr(chart, "savefig"):  # a matplotlib Figure
        import io as _io

        import matplotlib.pyplot as plt

        from feedback_classifier.render.charts import SVG_SALT

        buffer = _io.BytesIO()
        with plt.rc_context({"svg.hashsalt": SVG_SALT}):  # ids from the drawing: the same chart, the same text
            chart.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
        plt.close(chart)
        return svg_img(buffer.getvalue(), alt)
    raise TypeError(f"Cannot embed a chart of type {type(chart).__name__}")


def truncate(text: str, limit: int = 280) -> str:
    """Shorten long comments on a word boundary.

    >>> truncate("one two three", 8)
    'one two…'
    """
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] or text[:limit]
    return cut.rstrip(",.;:") + "…"


def kpi(label: str, value: str, note: str = "", value_class: str = "") -> str:
    """A headline tile: label, big value, small note.

    >>> kpi("NPS", "12", "n = 40", "pos")
    '<div class="kpi"><div class="label">NPS</div><div class="value pos">12</div><div class="note">n = 40</div></div>'
    """
    cls = f' class="value {value_class}"' if value_class else ' class="value"'
    return f'<div class="kpi"><div class="label">{esc(label)}</div><div{cls}>{esc(value)}</div><div class="note">{esc(note)}</div></div>'
