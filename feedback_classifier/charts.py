"""Charts of a drivers result: impact bars with CI whiskers and a priority matrix.

Figures are built on ``matplotlib.figure.Figure`` with the Agg canvas (never pyplot), so they
work headless, in threads and in batch jobs, and never open a window. Use
:func:`figure_bytes` / :func:`chart_images` to get PNG bytes or SVG text (the HTML report
inlines them) and :func:`write_charts` to save PNG files atomically.

>>> import pandas as pd
>>> from feedback_classifier.drivers import compute_drivers
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
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

HARM = "#c0392b"
GOOD = "#27ae60"
MUTED = "#9aa5b1"
_MAX_LABEL = 42


def _short(name: str) -> str:
    return name if len(name) <= _MAX_LABEL else name[: _MAX_LABEL - 1] + "…"


def _context(result: Any) -> tuple[str, float, float, int]:
    settings = getattr(result, "settings", {}) or {}
    metric = settings.get("metric", "metric")
    kind = settings.get("score_type", "nps")
    orientation = 1.0 if (kind in ("nps", "csat") or settings.get("higher_is_better", True)) else -1.0
    return metric, orientation, float(settings.get("confidence", 0.95)), int(settings.get("min_n", 30))


def _new_figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def impact_chart(result: Any, *, level: str = "parent", top: int = 15, title: str | None = None) -> Figure:
    """Horizontal bars of leave-out impact per category (most harmful on top) with CI whiskers.

    Categories under ``min_n`` scored mentions are drawn hatched and pale, and marked in the label.
    """
    metric, orientation, confidence, min_n = _context(result)
    table = result.level(level) if hasattr(result, "level") else result[result["level"] == level]
    table = table.head(top).iloc[::-1]  # matplotlib draws the first bar at the bottom
    fig = _new_figure(8.0, max(2.5, 0.38 * len(table) + 1.4))
    ax = fig.add_subplot()
    if table.empty:
        ax.text(0.5, 0.5, "No categories mentioned", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    impact = table["impact"].to_numpy(dtype=float)
    low = table["impact_low"].to_numpy(dtype=float)
    high = table["impact_high"].to_numpy(dtype=float)
    low_n = table["low_n"].to_numpy(dtype=bool)
    harmful = impact * orientation < 0
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
    labels = [
        _short(name) + (f"  (n={n}, low)" if small else f"  (n={n})")
        for name, n, small in zip(table["category"], table["mentions_scored"], low_n)
    ]
    ax.set_yticks(y, labels)
    ax.axvline(0, color="#333333", linewidth=0.8)
    ci_text = f", {confidence:.0%} CI" if has_ci.any() else ""
    ax.set_xlabel(f"Impact on {metric}, points{ci_text}")
    ax.set_title(title or f"What moves {metric}: leave-out impact by {'parent category' if level == 'parent' else 'category'}")
    ax.grid(axis="x", alpha=0.3)
    notes = []
    if has_ci.any() and not clear[has_ci].all():
        notes.append("pale: interval includes 0")
    if low_n.any():
        notes.append(f"hatched: fewer than {min_n} scored mentions")
    if notes:
        ax.set_xlabel(ax.get_xlabel() + "\n(" + "; ".join(notes) + ")")
    return fig


def priority_matrix(result: Any, *, level: str = "parent", label_top: int = 12, title: str | None = None) -> Figure:
    """Share of comments (x) against impact (y): frequent and harmful categories are fixed first."""
    metric, orientation, _, min_n = _context(result)
    table = result.level(level) if hasattr(result, "level") else result[result["level"] == level]
    table = table[table["mentions"] > 0]
    fig = _new_figure(8.0, 6.0)
    ax = fig.add_subplot()
    if table.empty:
        ax.text(0.5, 0.5, "No categories mentioned", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    share = 100 * table["share"].to_numpy(dtype=float)
    impact = table["impact"].to_numpy(dtype=float)
    low_n = table["low_n"].to_numpy(dtype=bool)
    harmful = impact * orientation < 0
    sizes = 30 + 400 * table["mentions"].to_numpy(dtype=float) / max(1.0, float(table["mentions"].max()))
    colors = [MUTED if small else (HARM if bad else GOOD) for small, bad in zip(low_n, harmful)]
    ax.scatter(share, impact, s=sizes, c=colors, alpha=0.75, edgecolors="#333333", linewidths=0.5)
    ax.axhline(0, color="#333333", linewidth=0.8)
    ax.axvline(float(np.median(share)), color="#999999", linewidth=0.8, linestyle="--")
    order = np.argsort(-np.abs(impact))[:label_top]
    for i in order:
        ax.annotate(_short(str(table["category"].iloc[i])), (share[i], impact[i]), xytext=(4, 4),
                    textcoords="offset points", fontsize=8)
    corner = "bottom right" if orientation > 0 else "top right"
    ax.set_xlabel(f"Share of comments mentioning it, %\n({corner} = frequent and harmful: fix first)")
    ax.margins(x=0.15, y=0.12)
    ax.set_ylabel(f"Impact on {metric}, points")
    ax.set_title(title or f"Priority matrix ({'parent categories' if level == 'parent' else 'categories'}; "
                          f"grey = fewer than {min_n} scored mentions)")
    ax.grid(alpha=0.3)
    return fig


def figure_bytes(fig: Figure, fmt: str = "png", *, dpi: int = 120) -> bytes | str:
    """PNG bytes (``fmt="png"``) or SVG text (``fmt="svg"``) of a figure."""
    fmt = fmt.lower()
    if fmt not in ("png", "svg"):
        raise ValueError(f"Unsupported chart format {fmt!r}: use 'png' or 'svg'.")
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, dpi=dpi, metadata={"Software": None} if fmt == "png" else {"Date": None})
    data = buf.getvalue()
    return data.decode("utf-8") if fmt == "svg" else data


def chart_images(result: Any, *, fmt: str = "png", levels: tuple[str, ...] = ("parent", "category"),
                 top: int = 15) -> dict[str, bytes | str]:
    """All drivers charts as ``{file stem: PNG bytes or SVG text}``, e.g. for an HTML report.

    Stems: ``impact_parent``, ``priority_parent``, ``impact_category``, ``priority_category``.
    """
    images: dict[str, bytes | str] = {}
    for level in levels:
        images[f"impact_{level}"] = figure_bytes(impact_chart(result, level=level, top=top), fmt)
        images[f"priority_{level}"] = figure_bytes(priority_matrix(result, level=level), fmt)
    return images


def write_charts(result: Any, directory: str | os.PathLike, *, fmt: str = "png", top: int = 15) -> list[Path]:
    """Write the drivers charts into ``directory`` (created if needed), each file atomically."""
    out_dir = Path(directory)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for stem, data in chart_images(result, fmt=fmt, top=top).items():
        target = out_dir / f"{stem}.{fmt}"
        payload = data.encode("utf-8") if isinstance(data, str) else data
        fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=f".{stem}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(payload)
            os.chmod(tmp, 0o644)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        written.append(target)
    return written


def chart_frame(result: Any, level: str = "parent") -> pd.DataFrame:
    """The rows a chart of ``level`` draws (for captions and alt text)."""
    return result.level(level)[["category", "share", "impact", "impact_low", "impact_high", "low_n"]]
