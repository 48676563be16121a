"""Rendering: the HTML report, charts and Markdown tables, in every language of ``lang.ui``.

``report`` assembles the page from one module per section (``overview``, ``driver_tables``,
``categories``, ``segments``); ``facts`` holds what they all draw from, ``quotes`` picks the
comments to quote, ``html`` the escaping, number formats and CSS; ``charts`` draws the drivers
charts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from feedback_classifier._lazy import lazy_attributes

if TYPE_CHECKING:  # the names below, for readers and type checkers; at run time each loads on first use
    from feedback_classifier.render.charts import (
        chart_images,
        figure_bytes,
        impact_chart,
        priority_matrix,
        write_charts,
    )
    from feedback_classifier.render.driver_tables import translate_drivers_table
    from feedback_classifier.render.quotes import QuotePool, quote_candidates
    from feedback_classifier.render.report import build_report, write_report

# Which submodule defines each name. Importing them all here made every command pay for every
# package's dependencies (scipy.stats, matplotlib, sklearn.metrics: ~1 s of CPU) at start-up.
_LAZY = {
    "chart_images": "charts",
    "figure_bytes": "charts",
    "impact_chart": "charts",
    "priority_matrix": "charts",
    "write_charts": "charts",
    "translate_drivers_table": "driver_tables",
    "QuotePool": "quotes",
    "quote_candidates": "quotes",
    "build_report": "report",
    "write_report": "report",
}

__all__ = [
    "QuotePool",
    "build_report",
    "chart_images",
    "figure_bytes",
    "impact_chart",
    "priority_matrix",
    "quote_candidates",
    "translate_drivers_table",
    "write_charts",
    "write_report",
]


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, __all__)
