"""Charts of a drivers result: impact bars with CI whiskers and a priority matrix.

Figures are built on ``matplotlib.figure.Figure`` with the Agg canvas (never pyplot), so they
work headless, in threads and in batch jobs, and never open a window. Use
:func:`figure_bytes` / :func:`chart_images` to get PNG bytes or SVG text (the HTML report
inlines them) and :func:`write_charts` to save PNG files atomically.

>>> import pandas as pd
>>> from feedback_classifier.insights.drivers import compute_drivers
>>> df = pd.DataFrame({"nps": [10, 2, 9, 1, 8, 3], "categories": ["", "Price", "", "Price; Delivery", "Delivery", ""]})
>>> res = compute_drivers(df, score_col="nps", n_boot=50, min_n=1)
>>> figure_bytes(impact_chart(res), "png")[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
True
>>> figure_bytes(priority_matrix(res), "svg").lstrip().startswith("<?xml")
True
"""

from __future__ import annotations

import io
import os
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import ScalarFormatter

from feedback_classifier.insights import ScoreSpec
from feedback_classifier.lang import check_language
from feedback_classifier.lang.ui import ui_text
from feedback_classifier.tableio import write_file_atomic

HARM = "#c0392b"
GOOD = "#27ae60"
MUTED = "#9aa5b1"
_MAX_LABEL = 42
_NARROW_LABEL = 18  # a phone-width impact chart: the bars need half of ~3.6 inches
_MATRIX_LABEL = 24  # characters per line of a priority-matrix label (two lines at most)
_PARENT_KEPT = 10  # a long path's parent part in a bar label: enough to tell a SemEval GENERAL from another


def _short(name: str, limit: int = _MAX_LABEL) -> str:
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"


def _short_path(name: str, limit: int = _MAX_LABEL) -> str:
    """``name`` in ``limit`` characters; a 'Parent > Child' path keeps the start of the child's name.

    Cut from the end, every subcategory of one long parent read the same ("Banking: misc banking
    operations and ever…" 14 times in one chart): the parent is cut first, down to ``_PARENT_KEPT``.

    >>> _short_path("Banking: misc banking operations and everyday servicing > Card not working")
    'Banking: misc banking… > Card not working'
    >>> _short_path("Banking: misc banking operations and everyday servicing > Card not working and related enquiries")
    'Banking:… > Card not working and related…'
    >>> _short_path("Delivery > Courier")
    'Delivery > Courier'
    """
    if len(name) <= limit or " > " not in name:
        return _short(name, limit)
    parent, child = name.split(" > ", 1)
    parent = _short(parent, max(_PARENT_KEPT, limit - 3 - len(child)))
    return f"{parent} > {_short(child, max(limit - 3 - len(parent), 1))}"


def _two_lines(name: str, limit: int) -> str:
    """``name`` on at most two lines of ``limit`` characters, broken between words.

    A phone-width chart cut names at 18 characters mid-word ("Доставка и логист…", "Обслуживание клие…"):
    most category names are two or three words, so two short lines keep them whole.

    >>> _two_lines("Обслуживание клиентов", 18), _two_lines("Цена и выгода", 18)
    ('Обслуживание\\nклиентов', 'Цена и выгода')
    """
    if len(name) <= limit:
        return name
    lines = textwrap.wrap(name, limit, break_long_words=True, break_on_hyphens=False) or [name]
    if len(lines) > 2:
        lines = [lines[0], _short(" ".join(lines[1:]), limit)]
    return "\n".join(lines)


class _DecimalComma(ScalarFormatter):
    """Tick labels with a decimal comma (Russian typography); otherwise matplotlib's own choice."""

    def __call__(self, x: float, pos: int | None = None) -> str:
        return super().__call__(x, pos).replace(".", ",")


def _localise_ticks(lang: str, *axes: Any) -> None:
    if lang == "ru":
        for axis in axes:
            axis.set_major_formatter(_DecimalComma())


def _percent(value: float, lang: str) -> str:
    text = f"{value:.0%}" if round(value * 100) == value * 100 else f"{value:.1%}"
    return text.replace(".", ",") if lang == "ru" else text


def _context(result: Any, lang: str = "en") -> tuple[str, ScoreSpec, float, int]:
    """(metric name on an axis, score spec, confidence, min_n) from a result's settings."""
    settings = getattr(result, "settings", {}) or {}
    spec = ScoreSpec.from_settings(settings)
    metric = ui_text(lang, f"chart.metric.{spec.score_type}")
    return metric, spec, float(settings.get("confidence", 0.95)), int(settings.get("min_n", 30))


def _titled(result: Any, title: str, lang: str) -> str:
    """A default title saying which mentions were counted (``DriversResult.titled``)."""
    return result.titled(title, lang) if hasattr(result, "titled") else title


def _rows(result: Any, level: str) -> pd.DataFrame:
    """The drivers rows of ``level`` from a DriversResult or its ``table`` DataFrame."""
    if isinstance(result, pd.DataFrame):  # a DataFrame's "level" column would shadow .level()
        return result[result["level"] == level]
    return result.level(level)


def _new_figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _empty(fig: Figure, lang: str) -> Figure:
    ax = fig.axes[0]
    ax.text(0.5, 0.5, ui_text(lang, "chart.empty"), ha="center", va="center", transform=ax.transAxes)
    ax.set_axis_off()
    return fig


def _bar_labels(table: pd.DataFrame, low_n: np.ndarray, narrow: bool, lang: str) -> list[str]:
    """Each bar's category name and mention count (marked when under ``min_n``)."""
    # n is the mentions count the drivers table and the cards show (the same number everywhere)
    counts = table["mentions"] if "mentions" in table.columns else table["mentions_scored"]
    return [
        (_two_lines(str(name), _NARROW_LABEL) if narrow else _short_path(str(name)))
        + ui_text(lang, "chart.n_low" if small else "chart.n", n=int(n))
        for name, n, small in zip(table["category"], counts, low_n)
    ]


def impact_chart(result: Any, *, level: str = "parent", top: int = 15, title: str | None = None,
                 lang: str = "en", width: float = 8.0) -> Figure:
    """Horizontal bars of leave-out impact per category (most harmful on top) with CI whiskers.

    ``width`` is in inches; under 5 the labels are cut shorter so the bars keep room (the
    report's phone version of the chart).

    ``result`` is a ``DriversResult`` (or its ``table``); ``level`` is "parent" or "category", and
    its first ``top`` rows in the drivers' order (most harmful first) are drawn. Categories under the drivers' ``min_n`` scored mentions
    are drawn hatched and pale, and marked in the label.
    Every text of the chart (axis, notes, default title) is in ``lang`` ("en" or "ru").

    >>> import pandas as pd
    >>> from feedback_classifier.insights import compute_drivers
    >>> df = pd.DataFrame({"nps": [9, 2, 10, 3], "categories": ["", "Price > Too expensive", "", "Price"]})
    >>> drivers = compute_drivers(df, score_col="nps", min_n=1, n_boot=100)
    >>> [t.get_text() for t in impact_chart(drivers).axes[0].get_yticklabels()]
    ['Price  (n=2)']
    """
    lang = check_language(lang)
    metric, spec, confidence, min_n = _context(result, lang)
    table = _rows(result, level)
    table = table.head(top).iloc[::-1]  # matplotlib draws the first bar at the bottom
    narrow = width < 5
    # a phone's labels take two lines: each bar gets the room of two
    fig = _new_figure(width, max(2.5, (0.5 if narrow else 0.38) * len(table) + 1.4))
    ax = fig.add_subplot()
    if table.empty:
        return _empty(fig, lang)
    impact = table["impact"].to_numpy(dtype=float)
    low = table["impact_low"].to_numpy(dtype=float)
    high = table["impact_high"].to_numpy(dtype=float)
    low_n = table["low_n"].to_numpy(dtype=bool)
    harmful = spec.is_harmful(impact)
    has_ci = np.isfinite(low) & np.isfinite(high)
    # Pale when the interval includes zero: the sign of a small impact is not established.
    clear = has_ci & ((low > 0) | (high < 0))
    colors = [HARM if bad else GOOD for bad in harmful]
    y = np.arange(len(table))
    bars = ax.barh(y, impact, color=colors, edgecolor=colors, linewidth=0.8)
    for bar, small, sure in zip(bars, low_n, clear | ~has_ci):
        if not sure:
            bar.set_alpha(0.35)
        if small:
            bar.set_hatch("///")
            bar.set_facecolor("white")
    if has_ci.any():
        err = np.vstack([np.clip(impact - low, 0, None), np.clip(high - impact, 0, None)])
        ax.errorbar(impact[has_ci], y[has_ci], xerr=err[:, has_ci], fmt="none", ecolor="#333333",
                    elinewidth=1, capsize=3)
    ax.set_yticks(y, _bar_labels(table, low_n, narrow, lang))
    ax.axvline(0, color="#333333", linewidth=0.8)
    _localise_ticks(lang, ax.xaxis)
    xlabel = ui_text(lang, "chart.impact_axis", metric=metric)
    if has_ci.any():
        xlabel += ui_text(lang, "chart.ci", confidence=_percent(confidence, lang))
    key = f"chart.impact_title_{'parent' if level == 'parent' else 'category'}"
    title = title or _titled(result, ui_text(lang, key, metric=metric), lang)
    wrap = int(width * 11)  # characters per line of the notes that fit the drawing's width
    # over the whole figure, not the axes: the category labels take half the width, and a title
    # centred on the bars alone ran off the picture's right edge ("... by parent cat")
    fig.suptitle(textwrap.fill(title, int(width * 8.5)), fontsize=ax.title.get_fontsize())
    ax.grid(axis="x", alpha=0.3)
    notes = []
    if has_ci.any() and not clear[has_ci].all():
        notes.append(ui_text(lang, "chart.pale"))
    if low_n.any():
        notes.append(ui_text(lang, "chart.hatched", min_n=min_n))
    lines = [xlabel] + (["(" + "; ".join(notes) + ")"] if notes else [])
    text = "\n".join(textwrap.fill(line, wrap) for line in lines)
    if width >= 5:
        fig.supxlabel(text, fontsize=ax.xaxis.label.get_fontsize())
    else:  # narrow: right-aligned under the bars, so the text runs left over the labels' space
        ax.set_xlabel(text, loc="right")
    return fig


def _matrix_names(names: list[str]) -> list[str]:
    """Short point labels: the child part of 'Parent > Child' when that is unambiguous, at most
    two lines of ``_MATRIX_LABEL`` characters."""
    children = [n.rsplit(">", 1)[-1].strip() for n in names]
    counts = pd.Series(children).value_counts()
    out = []
    for full, child in zip(names, children):
        name = child if counts[child] == 1 else full
        lines = textwrap.wrap(name, _MATRIX_LABEL, break_long_words=True) or [name]
        if len(lines) > 2:
            lines = [lines[0], _short(" ".join(lines[1:]), _MATRIX_LABEL)]
        out.append("\n".join(lines))
    return out


def _label_order(share: np.ndarray, impact: np.ndarray, clear: np.ndarray, label_top: int) -> list[int]:
    """Which points get a label, most important first: points whose interval excludes zero,
    then the top ``label_top`` by a mix of |impact| and share (both scaled to 0..1)."""
    weight = np.abs(impact) / max(float(np.abs(impact).max()), 1e-9) + share / max(float(share.max()), 1e-9)
    weight = np.where(np.isfinite(weight), weight, 0.0)
    ranked = sorted(range(len(share)), key=lambda i: (-weight[i], i))
    chosen = set(ranked[:label_top]) | {i for i in range(len(share)) if clear[i]}
    return [i for i in ranked if i in chosen]


def _overlaps(box: tuple[float, float, float, float], boxes: list[tuple[float, float, float, float]]) -> bool:
    x0, y0, x1, y1 = box
    return any(x0 < b[2] and b[0] < x1 and y0 < b[3] and b[1] < y1 for b in boxes)


def _place_labels(fig: Figure, ax: Any, xs: np.ndarray, ys: np.ndarray, sizes: np.ndarray,
                  order: list[int], texts: list[str], fontsize: float = 8.0) -> tuple[list[Any], list[int]]:
    """Greedy, deterministic placement of point labels (in priority order) at the first of a few
    candidate spots around each point that overlaps no placed label, no marker and stays inside
    the axes; farther spots get a thin leader line. Returns (the annotations, indices left unlabelled)."""
    fig.draw_without_rendering()  # fixes the constrained layout and the autoscaled limits
    renderer = fig.canvas.get_renderer()
    px_per_pt = fig.dpi / 72.0
    pts = ax.transData.transform(np.column_stack([xs, ys]))
    radius = np.sqrt(sizes) / 2 * px_per_pt  # scatter sizes are areas in pt^2
    frame = ax.get_window_extent(renderer)
    pad = 2 * px_per_pt
    obstacles = [(x - r, y - r, x + r, y + r) for (x, y), r in zip(pts, radius)]
    placed: list[tuple[float, float, float, float]] = []
    missed, annotations = [], []
    for i in order:
        probe = ax.text(0, 0, texts[i], fontsize=fontsize, linespacing=1.0)
        bb = probe.get_window_extent(renderer)
        probe.remove()
        w, h = bb.width, bb.height
        x, y = pts[i]
        spot = None
        for ring, extra in enumerate((0.0, 10.0, 22.0)):
            gap = radius[i] + (3.0 + extra) * px_per_pt
            diag = gap * 0.71
            # (anchor dx, dy in pixels, horizontal alignment, vertical alignment)
            for dx, dy, ha, va in ((gap, 0, "left", "center"), (-gap, 0, "right", "center"),
                                   (diag, diag, "left", "bottom"), (-diag, diag, "right", "bottom"),
                                   (diag, -diag, "left", "top"), (-diag, -diag, "right", "top"),
                                   (0, gap, "center", "bottom"), (0, -gap, "center", "top")):
                ax_x, ax_y = x + dx, y + dy
                x0 = ax_x - (0 if ha == "left" else w if ha == "right" else w / 2)
                y0 = ax_y - (0 if va == "bottom" else h if va == "top" else h / 2)
                box = (x0 - pad, y0 - pad, x0 + w + pad, y0 + h + pad)
                inside = frame.x0 <= box[0] and box[2] <= frame.x1 and frame.y0 <= box[1] and box[3] <= frame.y1
                if inside and not _overlaps(box, placed) and not _overlaps(box, obstacles):
                    spot = (dx, dy, ha, va, ring, box)
                    break
            if spot:
                break
        if spot is None:
            missed.append(i)
            continue
        dx, dy, ha, va, ring, box = spot
        placed.append(box)
        arrow = {"arrowstyle": "-", "color": "#777777", "linewidth": 0.6, "shrinkA": 0, "shrinkB": radius[i] / px_per_pt}
        annotations.append(ax.annotate(texts[i], (xs[i], ys[i]), xytext=(dx / px_per_pt, dy / px_per_pt), textcoords="offset points",
                    ha=ha, va=va, fontsize=fontsize, linespacing=1.0, color="#1d2430",
                    arrowprops=arrow if ring > 0 else None))
    return annotations, missed


def _matrix_legend(fig: Figure, spec: ScoreSpec, lang: str, metric: str, min_n: int, harmful: np.ndarray,
                   low_n: np.ndarray, unsure: np.ndarray) -> None:
    """A legend for the colours (and the median line) below the plot, where it can cover nothing."""
    # lower is better (CES as effort): the harmful points raise the score, and the legend must say so
    bad, good = ("chart.harmful", "chart.helpful") if spec.is_harmful(-1.0) else ("chart.harmful_up", "chart.helpful_down")
    handles = [Line2D([], [], marker="o", linestyle="", markersize=8, markerfacecolor=c, markeredgecolor="#333333",
                      markeredgewidth=0.5, alpha=0.75, label=t)
               for c, t, shown in ((HARM, ui_text(lang, bad, metric=metric), (harmful & ~low_n).any()),
                                   (GOOD, ui_text(lang, good, metric=metric), (~harmful & ~low_n).any()),
                                   (MUTED, ui_text(lang, "chart.low_n", min_n=min_n), low_n.any())) if shown]
    if unsure.any():
        handles.append(Line2D([], [], marker="o", linestyle="", markersize=8, markerfacecolor=HARM, alpha=0.35,
                              markeredgecolor="#333333", markeredgewidth=0.5, label=ui_text(lang, "chart.pale")))
    handles.append(Line2D([], [], color="#999999", linewidth=0.8, linestyle="--", label=ui_text(lang, "chart.median")))
    one_row = sum(len(h.get_label()) for h in handles) <= 80
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles) if one_row else -(-len(handles) // 2),
               fontsize=8, frameon=False,
               handletextpad=0.3, columnspacing=1.2)


def priority_matrix(result: Any, *, level: str = "parent", label_top: int = 12, title: str | None = None,
                    lang: str = "en") -> Figure:
    """Share of comments (x) against impact (y): frequent and harmful categories are fixed first.

    Every point is drawn; labels go to the points that matter most (interval excludes zero, then
    the ``label_top`` largest by |impact| and share) and are placed so they never overlap each
    other or a marker; a note says how many points were left unlabelled. Texts are in ``lang``.
    ``result`` and ``level`` are as for :func:`impact_chart`.

    >>> import pandas as pd
    >>> from feedback_classifier.insights import compute_drivers
    >>> df = pd.DataFrame({"nps": [9, 2, 10, 3], "categories": ["", "Price > Too expensive", "", "Price"]})
    >>> drivers = compute_drivers(df, score_col="nps", min_n=1, n_boot=100)
    >>> [t.get_text() for t in priority_matrix(drivers).axes[0].texts]
    ['Price']
    """
    lang = check_language(lang)
    metric, spec, _, min_n = _context(result, lang)
    table = _rows(result, level)
    table = table[table["mentions"] > 0]
    fig = _new_figure(8.0, 6.0)
    ax = fig.add_subplot()
    if table.empty:
        return _empty(fig, lang)
    share = 100 * table["share"].to_numpy(dtype=float)
    impact = table["impact"].to_numpy(dtype=float)
    low_n = table["low_n"].to_numpy(dtype=bool)
    low = table["impact_low"].to_numpy(dtype=float)
    high = table["impact_high"].to_numpy(dtype=float)
    clear = ~low_n & np.isfinite(low) & np.isfinite(high) & ((low > 0) | (high < 0))
    harmful = spec.is_harmful(impact)
    sizes = 30 + 400 * table["mentions"].to_numpy(dtype=float) / max(1.0, float(table["mentions"].max()))
    colors = [MUTED if small else (HARM if bad else GOOD) for small, bad in zip(low_n, harmful)]
    plotted = np.isfinite(share) & np.isfinite(impact)
    # As in the impact chart: pale when the interval includes zero (the sign is not established).
    unsure = ~low_n & ~clear
    alphas = np.where(unsure, 0.35, 0.75)
    ax.scatter(share, impact, s=sizes, c=colors, alpha=alphas, edgecolors="#333333", linewidths=0.5, zorder=3)
    ax.axhline(0, color="#333333", linewidth=0.8)
    ax.axvline(float(np.median(share)), color="#999999", linewidth=0.8, linestyle="--",
               label=ui_text(lang, "chart.median"))
    ax.margins(x=0.15, y=0.12)
    _localise_ticks(lang, ax.xaxis, ax.yaxis)
    # harmful points sit on the side of the zero line where the impact hurts
    corner = "chart.fix_first_bottom" if spec.is_harmful(-1.0) else "chart.fix_first_top"
    ax.set_xlabel(ui_text(lang, "chart.share_axis") + "\n(" + ui_text(lang, corner) + ")")
    ax.set_ylabel(ui_text(lang, "chart.impact_axis", metric=metric))
    key = f"chart.matrix_title_{'parent' if level == 'parent' else 'category'}"
    ax.set_title(title or _titled(result, ui_text(lang, key), lang))
    ax.grid(alpha=0.3)
    _matrix_legend(fig, spec, lang, metric, min_n, harmful, low_n, unsure)
    names = _matrix_names([str(c) for c in table["category"]])
    order = [i for i in _label_order(np.where(plotted, share, 0), np.where(plotted, impact, 0), clear, label_top)
             if plotted[i]]
    xlabel, n_points = ax.get_xlabel(), int(plotted.sum())

    def note(k: int) -> str:
        return xlabel + ("\n" + ui_text(lang, "chart.unlabelled", k=k, n=n_points) if k else "")

    # The note sits under the x label, outside the plot, so it covers no point. It is set before
    # placing the labels because it changes the layout; if labels that did not fit add the note
    # afterwards, the labels are placed again for the final layout.
    ax.set_xlabel(note(n_points - len(order)))
    annotations, missed = _place_labels(fig, ax, share, impact, sizes, order, names)
    if missed and len(order) == n_points:
        ax.set_xlabel(note(len(missed)))
        for annotation in annotations:
            annotation.remove()
        annotations, missed = _place_labels(fig, ax, share, impact, sizes, order, names)
    ax.set_xlabel(note(n_points - len(order) + len(missed)))
    # The layout is final (the labels sit inside the axes): keep it instead of solving it again on save.
    fig.set_layout_engine("none")
    return fig


#: Salt of the SVG element ids (matplotlib's ``svg.hashsalt``): ids from the drawing, not at random.
SVG_SALT = "feedback-classifier"


def figure_bytes(fig: Figure, fmt: str = "png", *, dpi: int = 120) -> bytes | str:
    """PNG bytes (``fmt="png"``) or SVG text (``fmt="svg"``) of a figure; the same figure gives the
    same bytes every time (a nightly report that did not change is the same file).

    >>> from matplotlib.figure import Figure
    >>> fig = Figure(); _ = fig.add_subplot().plot([1, 2])
    >>> png = figure_bytes(fig)
    >>> png[:4], png == figure_bytes(fig), figure_bytes(fig, "svg").startswith("<?xml")
    (b'\x89PNG', True, True)
    """
    fmt = fmt.lower()
    if fmt not in ("png", "svg"):
        raise ValueError(f"Unsupported chart format {fmt!r}: use 'png' or 'svg'.")
    import matplotlib

    buf = io.BytesIO()
    # SVG element ids are random unless salted: the same data would give a different report each run
    with matplotlib.rc_context({"svg.hashsalt": SVG_SALT}):
        fig.savefig(buf, format=fmt, dpi=dpi, metadata={"Software": None} if fmt == "png" else {"Date": None})
    data = buf.getvalue()
    return data.decode("utf-8") if fmt == "svg" else data


def chart_images(result: Any, *, fmt: str = "png", levels: tuple[str, ...] = ("parent", "category"),
                 top: int = 15, lang: str = "en") -> dict[str, bytes | str]:
    """All drivers charts as ``{file stem: PNG bytes or SVG text}``, e.g. for an HTML report.

    Stems: ``impact_parent``, ``priority_parent``, ``impact_category``, ``priority_category``.
    Chart texts are in ``lang``; category names are drawn as they are in ``result``. ``fmt``, ``top``
    and ``levels`` say which images and how (:func:`figure_bytes`, :func:`impact_chart`).

    >>> import pandas as pd
    >>> from feedback_classifier.insights import compute_drivers
    >>> df = pd.DataFrame({"nps": [9, 2, 10, 3], "categories": ["", "Price > Too expensive", "", "Price"]})
    >>> drivers = compute_drivers(df, score_col="nps", min_n=1, n_boot=100)
    >>> sorted(chart_images(drivers, levels=("parent",)))
    ['impact_parent', 'priority_parent']
    """
    images: dict[str, bytes | str] = {}
    for level in levels:
        images[f"impact_{level}"] = figure_bytes(impact_chart(result, level=level, top=top, lang=lang), fmt)
        images[f"priority_{level}"] = figure_bytes(priority_matrix(result, level=level, lang=lang), fmt)
    return images


def charts_folder(directory: str | os.PathLike, *, create: bool = True) -> Path:
    """``directory``, created if needed; a path that is a file or cannot be made is an ``InputFileError``
    (it was a ``FileExistsError`` traceback, after the drivers table had been written). With
    ``create=False`` it is only checked, so a run that fails later leaves no empty folder behind.

    >>> import tempfile
    >>> f = Path(tempfile.mkdtemp()) / "survey.csv"; _ = f.write_text("id")
    >>> charts_folder(f)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    feedback_classifier.errors.InputFileError: ...survey.csv: --charts needs a folder, and this is a file; ...
    >>> charts_folder(f.parent / "charts" / "june", create=False).exists()
    False
    """
    from feedback_classifier.errors import InputFileError
    from feedback_classifier.tableio.atomic import unwritable_error

    out_dir = Path(directory)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputFileError(f"{out_dir}: --charts needs a folder, and this is a file; give a folder such as charts/")
    if not create:
        existing = next(p for p in (out_dir.absolute(), *out_dir.absolute().parents) if p.exists())
        if not existing.is_dir():
            raise InputFileError(f"{out_dir}: --charts needs a folder, and {existing} is a file; give a folder "
                                 "such as charts/")
        if not os.access(existing, os.W_OK | os.X_OK):
            raise unwritable_error(out_dir, PermissionError(13, "Permission denied"))
        return out_dir
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise unwritable_error(out_dir, exc) from None
    return out_dir


def write_charts(result: Any, directory: str | os.PathLike, *, fmt: str = "png", top: int = 15,
                 lang: str = "en") -> list[Path]:
    """Write the drivers charts into ``directory`` (created if needed), each file atomically: the
    images of :func:`chart_images` (``fmt``, ``top``, ``lang``) of ``result``, a ``DriversResult``.

    >>> import pandas as pd, tempfile
    >>> from feedback_classifier.insights import compute_drivers
    >>> df = pd.DataFrame({"nps": [9, 2, 10, 3], "categories": ["", "Price > Too expensive", "", "Price"]})
    >>> drivers = compute_drivers(df, score_col="nps", min_n=1, n_boot=100)
    >>> [p.name for p in write_charts(drivers, tempfile.mkdtemp(), fmt="svg")]  # doctest: +NORMALIZE_WHITESPACE
    ['impact_parent.svg', 'priority_parent.svg', 'impact_category.svg', 'priority_category.svg']
    """
    out_dir = charts_folder(directory)
    written = []
    for stem, data in chart_images(result, fmt=fmt, top=top, lang=lang).items():
        target = out_dir / f"{stem}.{fmt}"
        written.append(write_file_atomic(target, data))
    return written

