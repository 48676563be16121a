"""The HTML report: one self-contained file an analyst can e-mail or open offline.

Everything is inline — CSS, charts (SVG as ``data:`` images, so each chart's internal ids
stay isolated), no scripts, no fonts or images from the network — so the file renders the
same on a laptop on a plane as on the intranet. Every piece of user text (comments,
column values, category names from a user's taxonomy) is HTML-escaped.

Sections: overview (responses, score with its confidence interval, share of comments
classified, comments needing review, trend over periods), top drivers (table and impact
chart with CI whiskers), priority matrix, a card per category with example comments from
detractors and promoters, segment comparison (with ``by``), routing summary, and notes on
method. Headings follow the report language (``en``/``ru``); category names come from the
taxonomy in the same language.
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from feedback_classifier.errors import InputFileError
from feedback_classifier.tableio.tables import write_file_atomic

LANGUAGES = ("en", "ru")

# Section ids are stable anchors: tests and scripts/render_report.py look for them.
SECTION_IDS = ("overview", "drivers", "matrix", "categories", "segments", "routing", "method")

UI: dict[str, dict[str, str]] = {
    "en": {
        "title": "Customer feedback report",
        "generated": "Generated {date} from {source}",
        "taxonomy": "Taxonomy",
        "overview": "Overview",
        "responses": "Responses",
        "with_comment": "{n} with a comment",
        "classified": "Comments classified",
        "classified_note": "{n} of {total} comments got at least one category",
        "needs_review": "Need review",
        "needs_review_note": "low confidence or nothing detected",
        "ci": "95% CI {low} to {high}",
        "scored_note": "{n} valid scores",
        "invalid_scores": "{n} score cells were empty or invalid and are left out of score statistics.",
        "trend": "Trend by {period}",
        "trend_table": "Trend table",
        "period": "Period",
        "no_scores": "No valid scores in this data: the report shows what customers talk about, not what drives the score. Give a score column (--score-col) to see drivers.",
        "no_categories": "No categories were found in these comments. Check that the text column holds the comments and the model fits the taxonomy and language.",
        "tiny": "Only {n} scored responses: intervals are wide and most differences are not significant. Treat the numbers as directions, not findings.",
        "drivers": "What drives {metric}",
        "drivers_lead": "Impact = how many points {metric} would change if the comments about a category were not there (negative = the category pulls the score down). Whiskers and ranges are 95% confidence intervals.",
        "category": "Category",
        "mentions": "Mentions",
        "share": "Share",
        "metric_with": "{metric} with",
        "metric_without": "{metric} without",
        "impact": "Impact, pts",
        "impact_ci": "95% CI",
        "significant": "Significant",
        "yes": "yes",
        "no": "no",
        "owner": "Owner",
        "top_negative": "Top negative drivers",
        "matrix": "Priority matrix",
        "matrix_lead": "Frequent and harmful categories (to the right, on the harmful side of the zero line) come first; rare but harmful ones are worth watching.",
        "regression": "Key-driver regression",
        "categories": "Categories",
        "categories_lead": "Each card shows how often a category comes up, its score, and what customers actually wrote.",
        "from_detractors": "From {detractors}",
        "from_promoters": "From promoters",
        "from_top_box": "From satisfied customers",
        "examples": "Examples",
        "no_examples": "No comments in this group.",
        "subcategory": "Subcategory",
        "segments": "Segments by {by}",
        "segment": "Segment",
        "top_issue": "Most mentioned",
        "routing": "Routing",
        "routing_lead": "Comments sent to each owning team; uncertain ones also go to the review queue.",
        "team": "Team",
        "comments": "Comments",
        "review": "Review",
        "review_queue": "review queue",
        "method": "How to read this report",
        "method_text": "Categories come from an automatic classifier; each comment can have several. {metric} is computed over valid scores only. Confidence intervals: adjusted Wald for NPS, Wilson for shares, t for means. Impact is leave-out: {metric} of everyone minus {metric} of respondents who did not mention the category. Significance is after a Benjamini-Hochberg correction across categories.",
        "nav": "Contents",
        "score": "Score",
        "none": "—",
        "other": "other",
        "n_resp": "n",
    },
    "ru": {
        "title": "Отчёт по отзывам клиентов",
        "generated": "Создан {date} по файлу {source}",
        "taxonomy": "Таксономия",
        "overview": "Обзор",
        "responses": "Ответов",
        "with_comment": "{n} с комментарием",
        "classified": "Комментарии с категориями",
        "classified_note": "{n} из {total} комментариев получили хотя бы одну категорию",
        "needs_review": "Нужна проверка",
        "needs_review_note": "низкая уверенность или ничего не найдено",
        "ci": "95% ДИ от {low} до {high}",
        "scored_note": "{n} корректных оценок",
        "invalid_scores": "{n} ячеек с оценкой пусты или некорректны и не учитываются в расчёте оценки.",
        "trend": "Динамика по {period}",
        "trend_table": "Таблица динамики",
        "period": "Период",
        "no_scores": "В данных нет корректных оценок: отчёт показывает, о чём пишут клиенты, но не что влияет на оценку. Укажите колонку с оценкой (--score-col), чтобы увидеть драйверы.",
        "no_categories": "В комментариях не найдено ни одной категории. Проверьте, что текстовая колонка содержит комментарии, а модель подходит к таксономии и языку.",
        "tiny": "Всего {n} ответов с оценкой: интервалы широкие, большинство различий незначимы. Считайте цифры ориентиром, а не выводом.",
        "drivers": "Что влияет на {metric}",
        "drivers_lead": "Влияние — на сколько пунктов изменился бы {metric}, если бы комментариев этой категории не было (минус — категория тянет оценку вниз). Усы и диапазоны — 95% доверительные интервалы.",
        "category": "Категория",
        "mentions": "Упоминаний",
        "share": "Доля",
        "metric_with": "{metric} с категорией",
        "metric_without": "{metric} без неё",
        "impact": "Влияние, п.",
        "impact_ci": "95% ДИ",
        "significant": "Значимо",
        "yes": "да",
        "no": "нет",
        "owner": "Ответственный",
        "top_negative": "Главные негативные драйверы",
        "matrix": "Матрица приоритетов",
        "matrix_lead": "Частые и вредные категории (справа, по вредную сторону от нулевой линии) — в первую очередь; редкие, но вредные — под наблюдение.",
        "regression": "Регрессия ключевых драйверов",
        "categories": "Категории",
        "categories_lead": "Для каждой категории: как часто о ней пишут, её оценка и что именно написали клиенты.",
        "from_detractors": "Пишут {detractors}",
        "from_promoters": "Пишут промоутеры",
        "from_top_box": "Пишут довольные клиенты",
        "examples": "Примеры",
        "no_examples": "Нет комментариев в этой группе.",
        "subcategory": "Подкатегория",
        "segments": "Сегменты по {by}",
        "segment": "Сегмент",
        "top_issue": "Чаще всего",
        "routing": "Маршрутизация",
        "routing_lead": "Комментарии, отправленные ответственным командам; неуверенные также попадают в очередь на проверку.",
        "team": "Команда",
        "comments": "Комментариев",
        "review": "На проверку",
        "review_queue": "очередь на проверку",
        "method": "Как читать отчёт",
        "method_text": "Категории назначены автоматическим классификатором; у комментария может быть несколько категорий. {metric} считается только по корректным оценкам. Доверительные интервалы: скорректированный Вальд для NPS, Уилсон для долей, t-интервал для средних. Влияние — разница между {metric} всех ответов и {metric} ответов без этой категории. Значимость — с поправкой Бенджамини–Хохберга по всем категориям.",
        "nav": "Содержание",
        "score": "Оценка",
        "none": "—",
        "other": "другое",
        "n_resp": "n",
    },
}

_DETRACTOR_WORDS = {
    "en": {"detractors": "detractors", "dissatisfied": "dissatisfied customers", "high effort": "high-effort customers"},
    "ru": {"detractors": "критики", "dissatisfied": "недовольные клиенты", "high effort": "клиенты с высоким усилием"},
}
_METRIC_NAMES = {
    "en": {"nps": "NPS", "csat": "CSAT", "ces": "CES", "mean": "mean score"},
    "ru": {"nps": "NPS", "csat": "CSAT", "ces": "CES", "mean": "средняя оценка"},
}

CSS = """
:root{--ink:#1d2430;--muted:#5b6675;--line:#dfe3ea;--bg:#f5f7fa;--card:#fff;--neg:#c23b32;--pos:#1f8a4c;--accent:#2f5fa8;--warn:#a86a00}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans","Liberation Sans",sans-serif}
header.top{background:#1f2d44;color:#fff;padding:28px 0 22px}
header.top h1{margin:0 0 4px;font-size:26px;font-weight:650;letter-spacing:-.01em}
header.top p{margin:0;color:#c9d3e3;font-size:13.5px}
.wrap{max-width:1120px;margin:0 auto;padding:0 28px}
nav.toc{background:#fff;border-bottom:1px solid var(--line);position:sticky;top:0;z-index:2}
nav.toc .wrap{display:flex;flex-wrap:wrap;gap:4px 18px;padding-top:9px;padding-bottom:9px;font-size:13.5px}
nav.toc a{color:var(--accent);text-decoration:none}
nav.toc a:hover{text-decoration:underline}
section{margin:26px 0 10px}
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
figure{margin:0}
figure img{display:block;max-width:100%;height:auto;margin:0 auto}
figcaption{color:var(--muted);font-size:12.5px;margin-top:6px}
table{border-collapse:collapse;width:100%;font-size:13.5px;font-variant-numeric:tabular-nums}
th,td{padding:6px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{font-weight:600;color:var(--muted);font-size:12.5px;background:#fafbfc}
td.num,th.num{text-align:right;white-space:nowrap}
tr.total td{font-weight:600}
.neg{color:var(--neg)}
.pos{color:var(--pos)}
.muted{color:var(--muted)}
.badge{display:inline-block;font-size:11.5px;padding:1px 8px;border-radius:999px;background:#eef2f8;color:#394760;white-space:nowrap}
.badge.sig{background:#fde8e6;color:var(--neg)}
.badge.sigpos{background:#e3f4ea;color:var(--pos)}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(480px,1fr));gap:16px}
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
@media print{nav.toc{display:none}body{background:#fff}.panel,.kpi,.card{border-color:#ccc}}
"""


@dataclass
class ReportInputs:
    """Everything the report draws from; built by :func:`build_report` callers."""

    df: pd.DataFrame
    taxonomy: Any
    text_col: str
    score_col: str | None = None
    spec: Any = None
    lang: str = "en"
    drivers: Any = None
    routing: Any = None
    by: str | None = None
    period_col: str | None = None
    source: str = ""
    title: str | None = None
    examples: int = 3
    weight: str | None = None  # df is a reduced table: a row stands for `weight` rows (see build_report)
    quotes: pd.DataFrame | None = None  # candidate rows for the quotes when df is reduced
    quote_view: Any = None  # (ReportInputs, _Facts) of ``quotes``, built once


# ---------------------------------------------------------------------------- small helpers


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
    sign = "−" if x < 0 and float(text.replace("\u202f", "").replace(",", ".") or 0) != 0 else ""
    if signed and not sign and x > 0:
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


def svg_img(svg: str | bytes, alt: str, css_class: str = "") -> str:
    """An SVG chart as an ``<img>`` with a ``data:`` URI (self-contained, ids isolated)."""
    data = svg.encode("utf-8") if isinstance(svg, str) else svg
    uri = "data:image/svg+xml;base64," + base64.b64encode(data).decode("ascii")
    cls = f' class="{esc(css_class)}"' if css_class else ""
    return f'<img{cls} src="{uri}" alt="{esc(alt)}">'


def png_img(png: bytes, alt: str) -> str:
    """A PNG chart as an ``<img>`` with a ``data:`` URI."""
    uri = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    return f'<img src="{uri}" alt="{esc(alt)}">'


def chart_img(chart: Any, alt: str) -> str:
    """Embed whatever a chart function returned: SVG text, PNG bytes, or a matplotlib figure."""
    if chart is None:
        return ""
    if isinstance(chart, bytes):
        return png_img(chart, alt) if chart[:8] == b"\x89PNG\r\n\x1a\n" else svg_img(chart, alt)
    if isinstance(chart, str):
        return svg_img(chart, alt)
    if hasattr(chart, "savefig"):  # a matplotlib Figure
        import io as _io

        import matplotlib.pyplot as plt

        buffer = _io.BytesIO()
        chart.savefig(buffer, format="svg", bbox_inches="tight")
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


def write_report(html_text: str, path: str | os.PathLike) -> Path:
    """Write the report atomically (temp file next to it, then rename)."""
    target = Path(path)
    if target.is_dir():
        raise InputFileError(f"{target}: is a directory; give a file name for the report, e.g. {target / 'report.html'}")
    return write_file_atomic(target, html_text)


def label_matrix(categories: pd.Series, taxonomy: Any, *, source: str = "the table") -> tuple[list, np.ndarray]:
    """Rows x taxonomy labels membership (a child marks its parent too).

    >>> from feedback_classifier.taxonomy.core import load_taxonomy
    >>> tax = load_taxonomy("cx-default")
    >>> labels, m = label_matrix(pd.Series(["Delivery > Courier", ""]), tax)
    >>> int(m[:, labels.index(("delivery", None))].sum()), m.shape[0]
    (1, 2)
    """
    labels = list(taxonomy.labels)
    index = {label: i for i, label in enumerate(labels)}
    cells = categories.astype("string").fillna("")
    codes, uniques = pd.factorize(cells)
    unique_rows = np.zeros((len(uniques), len(labels)), dtype=bool)
    for u, cell in enumerate(uniques):
        if not str(cell).strip():
            continue
        first_row = int(np.flatnonzero(codes == u)[0]) + 1
        for label in taxonomy.parse_labels(cell, row=first_row, column="categories", source=source):
            unique_rows[u, index[label]] = True
            unique_rows[u, index[taxonomy.parent_of(label)]] = True
    matrix = unique_rows[codes] if len(uniques) else np.zeros((len(cells), len(labels)), dtype=bool)
    return labels, matrix


def _t(lang: str, key: str, **kwargs: Any) -> str:
    text = UI.get(lang, UI["en"])[key]
    return text.format(**kwargs) if kwargs else text


def _metric_name(spec: Any, lang: str) -> str:
    return _METRIC_NAMES[lang].get(getattr(spec, "score_type", "nps"), "NPS")


def _detractor_words(spec: Any, lang: str) -> str:
    return _DETRACTOR_WORDS[lang].get(getattr(spec, "detractor_name", "detractors"), _DETRACTOR_WORDS[lang]["detractors"])


def _is_comment(values: pd.Series) -> np.ndarray:
    text = values.astype("string").fillna("").str.strip()
    return (text != "").to_numpy(dtype=bool)


def _needs_review(df: pd.DataFrame) -> np.ndarray:
    if "needs_review" not in df.columns:
        return np.zeros(len(df), dtype=bool)
    values = df["needs_review"]
    if values.dtype == bool:
        return values.to_numpy()
    text = values.astype("string").str.strip().str.lower()
    return text.isin(["true", "1", "yes", "y", "t", "1.0"]).fillna(False).to_numpy(dtype=bool)


# ---------------------------------------------------------------------------- the report


@dataclass
class _Facts:
    """What every section needs, computed once."""

    n: int
    has_comment: np.ndarray
    review: np.ndarray
    labels: list
    matrix: np.ndarray
    scores: np.ndarray | None  # NaN where missing/invalid; None when no score column
    valid: np.ndarray
    y: np.ndarray | None  # per-respondent metric value (mean of y = metric)
    detractor: np.ndarray
    top_box: np.ndarray
    confidence: np.ndarray
    n_invalid: int
    w: np.ndarray | None = None  # frequency weights of a reduced table; None = one row each

    @property
    def size(self) -> int:
        return len(self.has_comment)

    @property
    def has_scores(self) -> bool:
        return self.scores is not None and bool(self.valid.any())

    def count(self, mask: np.ndarray) -> int:
        """Rows where ``mask`` holds (weighted)."""
        return int(mask.sum()) if self.w is None else int(self.w[mask].sum())

    def per_label(self, mask: np.ndarray | None = None) -> np.ndarray:
        """Rows per label column (weighted), among ``mask`` rows."""
        matrix = self.matrix if mask is None else self.matrix[mask]
        if self.w is None:
            return matrix.sum(axis=0)
        w = self.w if mask is None else self.w[mask]
        return w @ matrix

    def metric(self, mask: np.ndarray) -> float:
        if self.y is None:
            return math.nan
        m = mask & self.valid
        if not m.any():
            return math.nan
        if self.w is None:
            return float(self.y[m].mean())
        w = self.w[m]
        return float((self.y[m] * w).sum() / w.sum()) if w.sum() > 0 else math.nan


def _facts(inp: ReportInputs) -> _Facts:
    from feedback_classifier.insights.scores import parse_scores

    df = inp.df
    n = len(df)
    w = None if inp.weight is None else df[inp.weight].to_numpy(dtype=np.int64)
    labels, matrix = label_matrix(df["categories"], inp.taxonomy, source=inp.source or "the table") if "categories" in df.columns else (list(inp.taxonomy.labels), np.zeros((n, len(inp.taxonomy.labels)), dtype=bool))
    confidence = (
        pd.to_numeric(df["confidence"], errors="coerce").to_numpy(dtype=float)
        if "confidence" in df.columns
        else np.full(n, np.nan)
    )
    scores = y = None
    valid = detractor = top_box = np.zeros(n, dtype=bool)
    n_invalid = 0
    if inp.score_col:
        parsed = parse_scores(df[inp.score_col], inp.spec, column=inp.score_col)
        scores, valid = parsed.values, parsed.valid if w is None else parsed.valid & (w > 0)
        n_invalid = int((~valid).sum()) if w is None else int(w[~valid].sum())
        y = inp.spec.metric_values(scores)
        det = inp.spec.detractor(scores)
        detractor = (np.asarray(det, dtype=bool) if det is not None else np.zeros(n, dtype=bool)) & valid
        top_box = np.asarray(inp.spec.top_box(scores), dtype=bool) & valid
    return _Facts(
        n=n if w is None else int(w.sum()),
        has_comment=_is_comment(df[inp.text_col]) if w is None else df[inp.text_col].to_numpy(dtype=bool),
        review=_needs_review(df),
        labels=labels,
        matrix=matrix,
        scores=scores,
        valid=valid,
        y=y,
        detractor=detractor,
        top_box=top_box,
        confidence=confidence,
        n_invalid=n_invalid,
        w=w,
    )


def build_report(
    df: pd.DataFrame,
    taxonomy: Any,
    *,
    text_col: str,
    score_col: str | None = None,
    score_type: Any = "nps",
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
) -> str:
    """Render the HTML report for an enriched table; returns the HTML text.

    For a file too big for memory, ``df`` may be a *reduced* table: one row per distinct
    (``categories``, score, ``by``, ``needs_review``, has-a-comment) combination with a
    frequency-weight column named by ``weight``; then ``df[text_col]`` holds True/False (the
    rows have a comment) and ``quotes`` holds the candidate rows to quote (``QuotePool``).
    The numbers are the same as for the whole table.

    ``df`` is ``classify.enrich`` output (needs ``text_col`` and ``categories``).
    ``drivers`` is a ``drivers.DriversResult`` (computed with the same score column);
    without it the report skips the drivers and matrix sections. ``routing`` is a
    ``routing.RoutingResult`` for the routing summary. ``score_type`` is a type name or a
    ``scores.ScoreSpec``. ``lang`` picks headings and category names (``en``/``ru``).

    >>> from feedback_classifier.taxonomy.core import load_taxonomy
    >>> df = pd.DataFrame({"comment": ["Courier <b>late</b>"], "nps": [3],
    ...                    "categories": ["Delivery > Courier"], "confidence": [0.9], "needs_review": [False]})
    >>> page = build_report(df, load_taxonomy("cx-default"), text_col="comment", score_col="nps")
    >>> "Courier &lt;b&gt;late&lt;/b&gt;" in page, "<b>late</b>" in page
    (True, False)
    """
    from feedback_classifier.tableio.tables import require_columns
    from feedback_classifier.insights.scores import ScoreSpec

    if lang not in LANGUAGES:
        raise InputFileError(f"Unknown report language {lang!r}: use one of {', '.join(LANGUAGES)}.")
    needed = [text_col, "categories", *([score_col] if score_col else []), *([by] if by else []),
              *([weight] if weight else [])]
    require_columns(df, list(dict.fromkeys(needed)), source=source or "the table")
    spec = score_type if isinstance(score_type, ScoreSpec) else ScoreSpec.make(score_type)
    inp = ReportInputs(
        df=df.reset_index(drop=True),
        taxonomy=taxonomy,
        text_col=text_col,
        score_col=score_col,
        spec=spec,
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
    )
    facts = _facts(inp)
    sections: list[tuple[str, str, str]] = []  # (id, nav title, html)
    sections.append(("overview", _t(lang, "overview"), _overview(inp, facts)))
    if facts.has_scores and facts.matrix.any():
        drivers_html, matrix_html = _drivers_sections(inp, facts)
        if drivers_html:
            sections.append(("drivers", _t(lang, "drivers", metric=_metric_name(spec, lang)), drivers_html))
        if matrix_html:
            sections.append(("matrix", _t(lang, "matrix"), matrix_html))
    sections.append(("categories", _t(lang, "categories"), _categories(inp, facts)))
    if by:
        sections.append(("segments", _t(lang, "segments", by=by), _segments(inp, facts)))
    if routing is not None:
        sections.append(("routing", _t(lang, "routing"), _routing(inp, facts)))
    sections.append(("method", _t(lang, "method"), _method(inp)))
    return _page(inp, sections)


def _page(inp: ReportInputs, sections: list[tuple[str, str, str]]) -> str:
    lang = inp.lang
    title = inp.title or _t(lang, "title")
    date = _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    subtitle = _t(lang, "generated", date=date, source=Path(inp.source).name if inp.source else "DataFrame")
    subtitle += f" · {_t(lang, 'taxonomy')}: {inp.taxonomy.name}"
    nav = "".join(f'<a href="#{sid}">{esc(name)}</a>' for sid, name, _ in sections)
    body = "\n".join(
        f'<section id="{sid}">\n<h2>{esc(name)}</h2>\n{content}\n</section>' for sid, name, content in sections
    )
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
<nav class="toc" aria-label="{esc(_t(lang, 'nav'))}"><div class="wrap">{nav}</div></nav>
<main class="wrap">
{body}
</main>
<footer class="wrap">feedback-classifier · {esc(date)}</footer>
</body>
</html>
"""


def _kpi(label: str, value: str, note: str = "", value_class: str = "") -> str:
    cls = f' class="value {value_class}"' if value_class else ' class="value"'
    return f'<div class="kpi"><div class="label">{esc(label)}</div><div{cls}>{esc(value)}</div><div class="note">{esc(note)}</div></div>'


def _overall(inp: ReportInputs, facts: _Facts):
    from feedback_classifier.insights.scores import parse_scores, summarize_scores

    overall = getattr(inp.drivers, "overall", None)
    if overall is not None:
        return overall
    if not facts.has_scores:
        return None
    parsed = parse_scores(inp.df[inp.score_col], inp.spec, column=inp.score_col)
    if facts.w is not None:
        from feedback_classifier.insights.drivers import CountedIssues

        parsed.issues = CountedIssues.from_weighted(parsed.issues, facts.w.astype(float))
        return summarize_scores(parsed, 0.95, weights=facts.w.astype(float))
    return summarize_scores(parsed)


def _overview(inp: ReportInputs, facts: _Facts) -> str:
    lang, spec = inp.lang, inp.spec
    n_comments = facts.count(facts.has_comment)
    n_classified = facts.count(facts.matrix.any(axis=1) & facts.has_comment)
    tiles = [_kpi(_t(lang, "responses"), fmt_int(facts.n, lang), _t(lang, "with_comment", n=fmt_int(n_comments, lang)))]
    overall = _overall(inp, facts)
    if overall is not None:
        digits = 1 if spec.score_type in ("ces", "mean") else 0
        value_class = ""
        if spec.score_type == "nps":
            value_class = "neg" if overall.metric < 0 else "pos" if overall.metric > 0 else ""
        value = fmt_num(overall.metric, digits, lang) + ("%" if spec.score_type == "csat" else "")
        note = _t(lang, "ci", low=fmt_num(overall.ci_low, digits, lang), high=fmt_num(overall.ci_high, digits, lang))
        note += " · " + _t(lang, "scored_note", n=fmt_int(overall.n_scored, lang))
        tiles.append(_kpi(_metric_name(spec, lang), value, note, value_class))
    share = n_classified / n_comments if n_comments else math.nan
    tiles.append(
        _kpi(
            _t(lang, "classified"),
            fmt_pct(share, lang),
            _t(lang, "classified_note", n=fmt_int(n_classified, lang), total=fmt_int(n_comments, lang)),
        )
    )
    tiles.append(_kpi(_t(lang, "needs_review"), fmt_int(facts.count(facts.review), lang), _t(lang, "needs_review_note")))
    parts = [f'<div class="kpis">{"".join(tiles)}</div>']
    if inp.score_col and not facts.has_scores:
        parts.append(f'<p class="notice">{esc(_t(lang, "no_scores"))}</p>')
    elif inp.score_col and facts.n_invalid:
        parts.append(f'<p class="notice">{esc(_t(lang, "invalid_scores", n=fmt_int(facts.n_invalid, lang)))}</p>')
    if not inp.score_col:
        parts.append(f'<p class="notice">{esc(_t(lang, "no_scores"))}</p>')
    if facts.has_scores and facts.count(facts.valid) < 100:
        parts.append(f'<p class="notice">{esc(_t(lang, "tiny", n=fmt_int(facts.count(facts.valid), lang)))}</p>')
    if n_comments and not n_classified:
        parts.append(f'<p class="notice">{esc(_t(lang, "no_categories"))}</p>')
    trend = _trend(inp, facts)
    if trend:
        parts.append(trend)
    return "\n".join(parts)


def _score_text(inp: ReportInputs, value: float) -> str:
    if value is None or math.isnan(value):
        return ""
    return f"{_t(inp.lang, 'score')} {fmt_num(value, 0 if inp.spec.integer_scale else 1, inp.lang)}"


def _pick_quotes(inp: ReportInputs, facts: _Facts, rows: np.ndarray, worst_first: bool) -> list[int]:
    """Positions of up to ``inp.examples`` distinct comments from ``rows``: extreme scores first,
    then the comments most focused on one category (fewest parents), then most confident, then
    the earliest row."""
    if not len(rows):
        return []
    scores = facts.scores[rows] if facts.scores is not None else np.zeros(len(rows))
    # worst first = lowest first when higher is better; best first = the opposite
    if worst_first != inp.spec.higher_is_better:
        scores = -scores
    parents = np.array([i for i, label in enumerate(facts.labels) if label[1] is None])
    focus = facts.matrix[np.ix_(rows, parents)].sum(axis=1)
    conf = np.nan_to_num(facts.confidence[rows], nan=0.0)
    order = np.lexsort((rows, -conf, focus, np.nan_to_num(scores, nan=np.inf)))
    texts = inp.df[inp.text_col].astype("string").fillna("")
    seen: set[str] = set()
    picked = []
    for position in rows[order]:
        text = truncate(texts.iloc[position])
        key = text.casefold()
        if not text or key in seen:
            continue
        seen.add(key)
        picked.append(int(position))
        if len(picked) >= inp.examples:
            break
    return picked


def _quotes(inp: ReportInputs, facts: _Facts, rows: np.ndarray, column: int, css: str, worst_first: bool) -> str:
    """Up to ``inp.examples`` distinct comments from ``rows`` (see :func:`_pick_quotes`)."""
    picked = _pick_quotes(inp, facts, rows, worst_first)
    if not picked:
        return f'<p class="muted">{esc(_t(inp.lang, "no_examples"))}</p>'
    texts = inp.df[inp.text_col].astype("string").fillna("")
    children = [i for i, label in enumerate(facts.labels) if label[0] == facts.labels[column][0] and label[1] is not None]
    out = []
    for position in picked:
        text = truncate(texts.iloc[position])
        child_names = [
            inp.taxonomy.short_name(facts.labels[i], inp.lang) for i in children if facts.matrix[position, i]
        ]
        meta = [m for m in (_score_text(inp, facts.scores[position]) if facts.scores is not None else "", ", ".join(child_names)) if m]
        meta_html = f'<span class="meta">{esc(" · ".join(meta))}</span>' if meta else ""
        out.append(f'<blockquote class="{css}">{esc(text)}{meta_html}</blockquote>')
    return "".join(out)


def _quote_source(inp: ReportInputs, facts: _Facts) -> tuple[ReportInputs, _Facts]:
    """Where quotes come from: the table itself, or the candidate rows of a reduced table."""
    if inp.quotes is None:
        return inp, facts
    if inp.quote_view is None:
        import dataclasses

        qinp = dataclasses.replace(inp, df=inp.quotes.reset_index(drop=True), weight=None, quotes=None)
        inp.quote_view = (qinp, _facts(qinp))
    return inp.quote_view


def quote_candidates(df: pd.DataFrame, taxonomy: Any, *, text_col: str, score_col: str | None = None,
                     score_type: Any = "nps", examples: int = 3, source: str = "") -> np.ndarray:
    """Positions of the rows of ``df`` that the report could quote (sorted).

    For every parent category and each kind of quote (detractors, promoters/top box, any) the
    report shows the first ``examples`` distinct comments in a fixed order; a row that is not
    among them in its own chunk can never be among them in the whole file. So the quotes of a
    streamed file are exact when the report gets the union of each chunk's candidates
    (reduced again as chunks come: see :class:`QuotePool`).
    """
    from feedback_classifier.insights.scores import ScoreSpec

    spec = score_type if isinstance(score_type, ScoreSpec) else ScoreSpec.make(score_type)
    inp = ReportInputs(df=df.reset_index(drop=True), taxonomy=taxonomy, text_col=text_col, score_col=score_col,
                       spec=spec, source=source, examples=examples)
    facts = _facts(inp)
    keep: set[int] = set()
    for i, label in enumerate(facts.labels):
        if label[1] is not None:
            continue
        rows_in = np.flatnonzero(facts.matrix[:, i])
        if not len(rows_in):
            continue
        keep.update(_pick_quotes(inp, facts, rows_in, True))
        if facts.scores is not None:
            keep.update(_pick_quotes(inp, facts, rows_in[facts.detractor[rows_in]], True))
            keep.update(_pick_quotes(inp, facts, rows_in[facts.top_box[rows_in]], False))
    return np.array(sorted(keep), dtype=np.int64)


class QuotePool:
    """The few rows of a streamed file the report may quote, kept across chunks (bounded:
    at most 3 x ``examples`` rows per parent category).

    >>> # pool = QuotePool(tax, text_col="comment", score_col="nps"); pool.add(chunk) ...; pool.frame()
    """

    def __init__(self, taxonomy: Any, *, text_col: str, score_col: str | None = None, score_type: Any = "nps",
                 examples: int = 3, source: str = ""):
        self.taxonomy = taxonomy
        self.columns = [c for c in dict.fromkeys([text_col, "categories", score_col, "confidence"]) if c]
        self.kwargs = dict(text_col=text_col, score_col=score_col, score_type=score_type, examples=examples,
                           source=source)
        self._pool: pd.DataFrame | None = None

    def add(self, chunk: pd.DataFrame) -> None:
        part = chunk[[c for c in self.columns if c in chunk.columns]]
        part = part.iloc[quote_candidates(part, self.taxonomy, **self.kwargs)]
        pool = part if self._pool is None else pd.concat([self._pool, part])
        self._pool = pool.iloc[quote_candidates(pool, self.taxonomy, **self.kwargs)]

    def frame(self) -> pd.DataFrame:
        """The candidate rows in file order (the index is the row's position in the file)."""
        return self._pool if self._pool is not None else pd.DataFrame(columns=self.columns)


def _driver_lookup(inp: ReportInputs) -> dict:
    """label -> drivers row (as a dict) when a drivers table is available."""
    table = getattr(inp.drivers, "table", None)
    if table is None or not len(table):
        return {}
    return {label: row for label, row in zip(_table_labels(inp, table), table.to_dict("records")) if label is not None}


def _categories(inp: ReportInputs, facts: _Facts) -> str:
    lang, tax = inp.lang, inp.taxonomy
    n_comments = max(facts.count(facts.has_comment), 1)
    mentions = facts.per_label()
    parents = [i for i, label in enumerate(facts.labels) if label[1] is None and mentions[i] > 0]
    if not parents:
        return f'<p class="notice">{esc(_t(lang, "no_categories"))}</p>'
    drivers = _driver_lookup(inp)
    overall_metric = facts.metric(np.ones(facts.size, dtype=bool))

    def impact_of(i: int) -> float:
        row = drivers.get(facts.labels[i])
        return float(row.get("impact", math.nan)) if row else math.nan

    if facts.has_scores:
        # most harmful first: lowest metric among mentioners relative to overall, weighted by reach
        def key(i: int):
            impact = impact_of(i)
            if math.isnan(impact):
                impact = (facts.metric(facts.matrix[:, i]) - overall_metric) * mentions[i] / max(facts.n, 1)
            return (np.nan_to_num(impact, nan=0.0), -mentions[i])

        parents.sort(key=key)
        if not inp.spec.higher_is_better:
            parents.reverse()
    else:
        parents.sort(key=lambda i: -mentions[i])
    metric = _metric_name(inp.spec, lang)
    digits = 1 if inp.spec.score_type in ("ces", "mean") else 0
    cards = []
    for i in parents:
        label = facts.labels[i]
        qinp, qfacts = _quote_source(inp, facts)
        rows_in = np.flatnonzero(qfacts.matrix[:, i])
        stats = [f"{esc(_t(lang, 'mentions'))}: <b>{fmt_int(mentions[i], lang)}</b> ({fmt_pct(mentions[i] / n_comments, lang)})"]
        if facts.has_scores:
            m = facts.metric(facts.matrix[:, i])
            cls = ' class="neg"' if m < overall_metric else ' class="pos"'
            if not inp.spec.higher_is_better:
                cls = ' class="pos"' if m < overall_metric else ' class="neg"'
            stats.append(f"{esc(metric)}: <b{cls}>{fmt_num(m, digits, lang)}</b> <span class=\"muted\">({fmt_num(overall_metric, digits, lang)})</span>")
            impact = impact_of(i)
            if not math.isnan(impact):
                stats.append(f"{esc(_t(lang, 'impact'))}: <b>{fmt_num(impact, 1, lang, signed=True)}</b>")
        children = [j for j, lab in enumerate(facts.labels) if lab[0] == label[0] and lab[1] is not None and mentions[j] > 0]
        child_table = ""
        if children:
            children.sort(key=lambda j: -mentions[j])
            head = f"<tr><th>{esc(_t(lang, 'subcategory'))}</th><th class=\"num\">{esc(_t(lang, 'mentions'))}</th>"
            if facts.has_scores:
                head += f"<th class=\"num\">{esc(metric)}</th>"
            head += f"<th>{esc(_t(lang, 'owner'))}</th></tr>"
            body = []
            for j in children:
                cells = f"<td>{esc(tax.short_name(facts.labels[j], lang))}</td><td class=\"num\">{fmt_int(mentions[j], lang)}</td>"
                if facts.has_scores:
                    cells += f"<td class=\"num\">{fmt_num(facts.metric(facts.matrix[:, j]), digits, lang)}</td>"
                owner = tax.owner(facts.labels[j])
                cells += f"<td>{esc(owner) if owner != tax.owner(label) else ''}</td>"
                body.append(f"<tr>{cells}</tr>")
            child_table = f"<table>{head}{''.join(body)}</table>"
        if facts.has_scores and inp.spec.has_detractors:
            bad = rows_in[qfacts.detractor[rows_in]]
            good = rows_in[qfacts.top_box[rows_in]]
            good_title = _t(lang, "from_promoters") if inp.spec.score_type == "nps" else _t(lang, "from_top_box")
            quotes = (
                f'<div class="quotes"><h4>{esc(_t(lang, "from_detractors", detractors=_detractor_words(inp.spec, lang)))}</h4>'
                f"{_quotes(qinp, qfacts, bad, i, 'det', True)}"
                f"<h4>{esc(good_title)}</h4>{_quotes(qinp, qfacts, good, i, 'pro', False)}</div>"
            )
        else:
            quotes = f'<div class="quotes"><h4>{esc(_t(lang, "examples"))}</h4>{_quotes(qinp, qfacts, rows_in, i, "", True)}</div>'
        cards.append(
            f'<article class="card" id="cat-{esc(label[0])}"><h3>{esc(tax.display_name(label, lang))}</h3>'
            f'<span class="badge">{esc(_t(lang, "owner"))}: {esc(tax.owner(label))}</span>'
            f'<div class="stats">{" · ".join(stats)}</div>{child_table}{quotes}</article>'
        )
    return f'<p class="lead">{esc(_t(lang, "categories_lead"))}</p><div class="cards">{"".join(cards)}</div>'


def _segments(inp: ReportInputs, facts: _Facts, max_segments: int = 15) -> str:
    from feedback_classifier.insights.scores import nps_interval, wilson_interval, mean_interval

    lang, spec = inp.lang, inp.spec
    values = inp.df[inp.by].astype("string").fillna(_t(lang, "none")).str.strip().replace("", _t(lang, "none"))

    def value_counts(v: pd.Series) -> pd.Series:
        if facts.w is None:
            return v.value_counts()
        return pd.Series(facts.w, index=v.index).groupby(v, sort=False).sum().sort_values(ascending=False)

    counts = value_counts(values)
    if len(counts) > max_segments:
        keep = set(counts.index[: max_segments - 1])
        values = values.where(values.isin(keep), _t(lang, "other"))
        counts = value_counts(values)
    parents = [i for i, label in enumerate(facts.labels) if label[1] is None]
    metric = _metric_name(spec, lang)
    digits = 1 if spec.score_type in ("ces", "mean") else 0
    head = f"<tr><th>{esc(_t(lang, 'segment'))}</th><th class=\"num\">{esc(_t(lang, 'responses'))}</th>"
    if facts.has_scores:
        head += f"<th class=\"num\">{esc(metric)}</th><th class=\"num\">{esc(_t(lang, 'impact_ci'))}</th>"
    head += f"<th>{esc(_t(lang, 'top_issue'))}</th></tr>"
    rows = []
    for segment, count in counts.items():
        mask = (values == segment).to_numpy()
        cells = f"<td>{esc(segment)}</td><td class=\"num\">{fmt_int(count, lang)}</td>"
        if facts.has_scores:
            v = facts.scores[mask & facts.valid]
            wv = np.ones(len(v), dtype=np.int64) if facts.w is None else facts.w[mask & facts.valid]
            if spec.score_type == "nps":
                pro, det = int(wv[v >= 9].sum()), int(wv[v <= 6].sum())
                m, lo, hi = nps_interval(pro, int(wv.sum()) - pro - det, det)
            elif spec.score_type == "csat":
                m, lo, hi = (100 * x for x in wilson_interval(float(wv[spec.top_box(v)].sum()), int(wv.sum())))
            elif facts.w is None:
                m, lo, hi = mean_interval(v)
            else:
                m, lo, hi = _weighted_mean_interval(v, wv)
            cells += (
                f"<td class=\"num\">{fmt_num(m, digits, lang)}</td>"
                f"<td class=\"num muted\">{fmt_num(lo, digits, lang)} … {fmt_num(hi, digits, lang)}</td>"
            )
        seg_comments = max(facts.count(facts.has_comment & mask), 1)
        shares = facts.per_label(mask)[parents] / seg_comments
        top = [k for k in np.argsort(-shares, kind="stable")[:3] if shares[k] > 0]
        issue = ", ".join(
            f"{inp.taxonomy.display_name(facts.labels[parents[k]], lang)} {fmt_pct(shares[k], lang)}" for k in top
        )
        cells += f"<td>{esc(issue) or esc(_t(lang, 'none'))}</td>"
        rows.append(f"<tr>{cells}</tr>")
    extra = _segment_drivers(inp)
    return f'<div class="panel"><table>{head}{"".join(rows)}</table></div>{extra}'


def _weighted_mean_interval(v: np.ndarray, w: np.ndarray, confidence: float = 0.95) -> tuple[float, float, float]:
    """``scores.mean_interval`` of frequency-weighted values (the same as on the expanded values)."""
    from scipy import stats

    n = float(w.sum())
    if n == 0:
        return (math.nan, math.nan, math.nan)
    mean = float((w * v).sum() / n)
    if n < 2:
        return (mean, math.nan, math.nan)
    sd = math.sqrt(float((w * (v - mean) ** 2).sum()) / (n - 1))
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * sd / math.sqrt(n))
    return (mean, mean - half, mean + half)


def _routing(inp: ReportInputs, facts: _Facts) -> str:
    lang = inp.lang
    summary = inp.routing.summary
    rows = []
    for record in summary.to_dict("records"):
        team = record["team"]
        name = _t(lang, "review_queue") if team == "review" else team
        cls = ' class="total"' if team == "review" else ""
        rows.append(
            f"<tr{cls}><td>{esc(name)}</td><td class=\"num\">{fmt_int(record['comments'], lang)}</td>"
            f"<td class=\"num\">{fmt_int(record['detractors'], lang)}</td><td class=\"num\">{fmt_int(record['review'], lang)}</td></tr>"
        )
    head = (
        f"<tr><th>{esc(_t(lang, 'team'))}</th><th class=\"num\">{esc(_t(lang, 'comments'))}</th>"
        f"<th class=\"num\">{esc(_detractor_words(inp.spec, lang).capitalize())}</th><th class=\"num\">{esc(_t(lang, 'review'))}</th></tr>"
    )
    return f'<p class="lead">{esc(_t(lang, "routing_lead"))}</p><div class="panel"><table>{head}{"".join(rows)}</table></div>'


def _method(inp: ReportInputs) -> str:
    return f'<p class="lead">{esc(_t(inp.lang, "method_text", metric=_metric_name(inp.spec, inp.lang)))}</p>'


# ---------------------------------------------------------------------------- drivers


def _table_labels(inp: ReportInputs, table: pd.DataFrame) -> list:
    """Taxonomy labels of a drivers table's rows (None for a name the taxonomy lacks).

    At level ``category`` a bare parent name means "the parent without any child"; it has no
    card of its own, so it maps to None there.
    """
    out = []
    for level, name in zip(table["level"], table["category"]):
        try:
            label = inp.taxonomy.parse_label(str(name))
        except Exception:  # a name from another taxonomy: show it, but it has no label
            label = None
        if label is not None and level == "category" and label[1] is None:
            label = None
        out.append(label)
    return out


def _display(inp: ReportInputs, label, fallback: str) -> str:
    return inp.taxonomy.display_name(label, inp.lang) if label is not None else str(fallback)


def _drivers_table_html(inp: ReportInputs, table: pd.DataFrame, limit: int) -> str:
    lang, spec = inp.lang, inp.spec
    metric = _metric_name(spec, lang)
    digits = 1 if spec.score_type in ("ces", "mean") else 0
    harmful = -1.0 if (spec.score_type in ("nps", "csat") or spec.higher_is_better) else 1.0
    table = table[table["mentions"] > 0].head(limit)
    if not len(table):
        return ""
    labels = _table_labels(inp, table)
    head = (
        f"<tr><th>#</th><th>{esc(_t(lang, 'category'))}</th><th>{esc(_t(lang, 'owner'))}</th>"
        f"<th class=\"num\">{esc(_t(lang, 'mentions'))}</th><th class=\"num\">{esc(_t(lang, 'share'))}</th>"
        f"<th class=\"num\">{esc(_t(lang, 'metric_with', metric=metric))}</th>"
        f"<th class=\"num\">{esc(_t(lang, 'metric_without', metric=metric))}</th>"
        f"<th class=\"num\">{esc(_t(lang, 'impact'))}</th><th class=\"num\">{esc(_t(lang, 'impact_ci'))}</th></tr>"
    )
    rows = []
    for position, ((_, r), label) in enumerate(zip(table.iterrows(), labels), start=1):
        impact, low, high = float(r["impact"]), float(r["impact_low"]), float(r["impact_high"])
        cls = ""
        if not math.isnan(low) and not math.isnan(high) and (low > 0 or high < 0):
            cls = "neg" if impact * harmful > 0 else "pos"
        low_n = ' <span class="badge">low n</span>' if bool(r.get("low_n", False)) else ""
        owner = inp.taxonomy.owner(label) if label is not None else ""
        rows.append(
            f"<tr><td class=\"muted\">{position}</td><td>{esc(_display(inp, label, r['category']))}{low_n}</td>"
            f"<td class=\"muted\">{esc(owner)}</td>"
            f"<td class=\"num\">{fmt_int(r['mentions'], lang)}</td><td class=\"num\">{fmt_pct(r['share'], lang)}</td>"
            f"<td class=\"num\">{fmt_num(r['metric_with'], digits, lang)}</td>"
            f"<td class=\"num\">{fmt_num(r['metric_without'], digits, lang)}</td>"
            f"<td class=\"num {cls}\"><b>{fmt_num(impact, 1, lang, signed=True)}</b></td>"
            f"<td class=\"num muted\">{fmt_num(low, 1, lang)} … {fmt_num(high, 1, lang)}</td></tr>"
        )
    return f"<table>{head}{''.join(rows)}</table>"


def _regression_html(inp: ReportInputs, regression: pd.DataFrame | None, limit: int = 10) -> str:
    if regression is None or not len(regression):
        return ""
    lang = inp.lang
    reg = regression[(regression["level"] == "parent") & (regression["category"] != "(intercept)")]
    reg = reg[reg["coef"].notna()].sort_values("coef").head(limit)
    if not len(reg):
        return ""
    labels = _table_labels(inp, reg)
    head = (
        f"<tr><th>{esc(_t(lang, 'category'))}</th><th class=\"num\">coef</th><th class=\"num\">{esc(_t(lang, 'impact_ci'))}</th>"
        f"<th class=\"num\">p (BH)</th><th>{esc(_t(lang, 'significant'))}</th></tr>"
    )
    rows = []
    for (_, r), label in zip(reg.iterrows(), labels):
        sig = bool(r["significant"])
        badge = (
            f'<span class="badge {"sig" if r["coef"] < 0 else "sigpos"}">{esc(_t(lang, "yes"))}</span>'
            if sig
            else f'<span class="muted">{esc(_t(lang, "no"))}</span>'
        )
        rows.append(
            f"<tr><td>{esc(_display(inp, label, r['category']))}</td><td class=\"num\">{fmt_num(r['coef'], 1, lang, signed=True)}</td>"
            f"<td class=\"num muted\">{fmt_num(r['ci_low'], 1, lang)} … {fmt_num(r['ci_high'], 1, lang)}</td>"
            f"<td class=\"num\">{fmt_num(r['p_adjusted'], 3, lang)}</td><td>{badge}</td></tr>"
        )
    return f"<h3>{esc(_t(lang, 'regression'))}</h3><table>{head}{''.join(rows)}</table>"


def _trend_svg(periods: Sequence[str], values: Sequence[float], counts: Sequence[int], lang: str, digits: int) -> str:
    """A small line chart of the metric per period (hand-drawn SVG: crisp at any zoom)."""
    width, height, left, right, top, bottom = 720, 180, 44, 16, 18, 34
    xs_n = len(periods)
    vals = np.asarray(values, dtype=float)
    finite = vals[np.isfinite(vals)]
    if not len(finite):
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
    points = [(x(i), y(v)) for i, v in enumerate(vals) if np.isfinite(v)]
    if len(points) > 1:
        path = " ".join(f"{'M' if k == 0 else 'L'}{px:.1f},{py:.1f}" for k, (px, py) in enumerate(points))
        parts.append(f'<path d="{path}" fill="none" stroke="#2f5fa8" stroke-width="2"/>')
    step = max(1, math.ceil(xs_n / 12))
    for i, (period, v, n) in enumerate(zip(periods, vals, counts)):
        if i % step == 0 or i == xs_n - 1:
            parts.append(f'<text x="{x(i):.1f}" y="{height - 12}" text-anchor="middle" fill="#5b6675">{esc(period)}</text>')
        if np.isfinite(v):
            parts.append(
                f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3.5" fill="#2f5fa8"><title>{esc(period)}: '
                f'{esc(fmt_num(v, digits, lang))} (n={int(n)})</title></circle>'
            )
            if xs_n <= 12:
                parts.append(f'<text x="{x(i):.1f}" y="{y(v) - 8:.1f}" text-anchor="middle" fill="#1d2430">{esc(fmt_num(v, digits, lang))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _trend(inp: ReportInputs, facts: _Facts) -> str:
    trend = getattr(inp.drivers, "trend", None)
    if trend is None or not len(trend) or not inp.period_col:
        return ""
    lang = inp.lang
    per = trend.drop_duplicates("period")[["period", "period_rows", "period_scored", "period_metric"]]
    if len(per) < 2:
        return ""
    digits = 1 if inp.spec.score_type in ("ces", "mean") else 0
    metric = _metric_name(inp.spec, lang)
    svg = _trend_svg(per["period"].astype(str).tolist(), per["period_metric"].tolist(), per["period_scored"].tolist(), lang, digits)
    if not svg:
        return ""
    title = _t(lang, "trend", period=inp.period_col)
    rows = "".join(
        f"<tr><td>{esc(p)}</td><td class=\"num\">{fmt_int(n, lang)}</td><td class=\"num\">{fmt_num(m, digits, lang)}</td></tr>"
        for p, n, m in zip(per["period"], per["period_scored"], per["period_metric"])
    )
    table = (
        f"<details><summary class=\"muted\">{esc(_t(lang, 'trend_table'))}</summary><table><tr><th>{esc(_t(lang, 'period'))}</th>"
        f"<th class=\"num\">{esc(_t(lang, 'n_resp'))}</th><th class=\"num\">{esc(metric)}</th></tr>{rows}</table></details>"
    )
    return (
        f'<div class="panel"><h3 style="margin:0 0 8px;font-size:15px">{esc(title)} · {esc(metric)}</h3>'
        f'<figure>{svg_img(svg, title)}</figure>{table}</div>'
    )


def _segment_drivers(inp: ReportInputs) -> str:
    """Impact of the top categories in each segment (from drivers.segments), as a compact grid."""
    drivers = inp.drivers
    if drivers is None or getattr(drivers, "segments", None) is None:
        return ""
    wide = drivers.segments_wide("impact", level="parent")
    if wide is None or not len(wide):
        return ""
    lang = inp.lang
    top = drivers.level("parent")
    top = top[top["mentions"] > 0].head(8)["category"].tolist()
    wide = wide[wide["category"].isin(top)]
    segments = [c for c in wide.columns if c not in ("level", "category")][:15]
    if not len(wide) or not segments:
        return ""
    labels = _table_labels(inp, wide)
    head = f"<tr><th>{esc(_t(lang, 'category'))}</th>" + "".join(f'<th class="num">{esc(s)}</th>' for s in segments) + "</tr>"
    harmful = -1.0 if (inp.spec.score_type in ("nps", "csat") or inp.spec.higher_is_better) else 1.0
    rows = []
    for (_, r), label in zip(wide.iterrows(), labels):
        cells = []
        for s in segments:
            v = float(r[s])
            shade = ""
            if np.isfinite(v) and v != 0:
                strength = min(abs(v) / 15.0, 1.0) * 0.55
                colour = "194,59,50" if v * harmful > 0 else "31,138,76"
                shade = f' style="background:rgba({colour},{strength:.2f})"'
            cells.append(f'<td class="num"{shade}>{fmt_num(v, 1, lang, signed=True)}</td>')
        rows.append(f"<tr><td>{esc(_display(inp, label, r['category']))}</td>{''.join(cells)}</tr>")
    return f'<div class="panel"><h3>{esc(_t(lang, "impact"))}</h3><table>{head}{"".join(rows)}</table></div>'


def _chart_result(inp: ReportInputs):
    """The drivers result with mentioned categories only, names in the report language."""
    import dataclasses


    table = inp.drivers.table
    table = translate_drivers_table(table[table["mentions"] > 0].reset_index(drop=True), inp.taxonomy, inp.lang)
    return dataclasses.replace(inp.drivers, table=table)


def _impact_chart(inp: ReportInputs, table: pd.DataFrame) -> str:
    from feedback_classifier.render import charts

    metric = _metric_name(inp.spec, inp.lang)
    title = _t(inp.lang, "drivers", metric=metric)
    # the chart's own title (in the report language) says more than the section heading
    fig = charts.impact_chart(_chart_result(inp), level="parent", top=15, lang=inp.lang)
    return chart_img(charts.figure_bytes(fig, "svg"), title)


def _matrix_chart(inp: ReportInputs, table: pd.DataFrame) -> str:
    from feedback_classifier.render import charts

    title = _t(inp.lang, "matrix")
    fig = charts.priority_matrix(_chart_result(inp), level="parent", lang=inp.lang)
    return chart_img(charts.figure_bytes(fig, "svg"), title)


def _drivers_sections(inp: ReportInputs, facts: _Facts) -> tuple[str, str]:
    drivers = inp.drivers
    if drivers is None:
        return "", ""
    lang, metric = inp.lang, _metric_name(inp.spec, inp.lang)
    parent = drivers.level("parent")
    parent = parent[parent["mentions"] > 0]
    if not len(parent):
        return "", ""
    child = drivers.level("category")
    chart = _impact_chart(inp, parent)
    parts = [f'<p class="lead">{esc(_t(lang, "drivers_lead", metric=metric))}</p>']
    if chart:
        parts.append(f'<div class="panel"><figure>{chart}</figure></div>')
    parts.append(f'<div class="panel">{_drivers_table_html(inp, parent, 15)}</div>')
    child_table = _drivers_table_html(inp, child, 12)
    if child_table:
        parts.append(f'<div class="panel"><h3>{esc(_t(lang, "subcategory"))}</h3>{child_table}</div>')
    regression = _regression_html(inp, getattr(drivers, "regression", None))
    if regression:
        parts.append(f'<div class="panel">{regression}</div>')
    matrix = _matrix_chart(inp, parent)
    matrix_html = (
        f'<p class="lead">{esc(_t(lang, "matrix_lead"))}</p><div class="panel"><figure>{matrix}</figure></div>' if matrix else ""
    )
    return "\n".join(parts), matrix_html


def translate_drivers_table(table: pd.DataFrame, taxonomy: Any, lang: str) -> pd.DataFrame:
    """The drivers table with ``category``/``parent`` names in ``lang`` (as the report shows them)."""
    if lang == "en" or not len(table):
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
