"""Rendering: the HTML report, charts and Markdown tables, in every language of ``lang.ui``.

``report`` assembles the page from one module per section (``overview``, ``driver_tables``,
``categories``, ``segments``); ``facts`` holds what they all draw from, ``quotes`` picks the
comments to quote, ``html`` the escaping, number formats and CSS; ``charts`` draws the drivers
charts.
"""

from feedback_classifier.render.charts import chart_images, figure_bytes, impact_chart, priority_matrix, write_charts
from feedback_classifier.render.driver_tables import translate_drivers_table
from feedback_classifier.render.quotes import QuotePool, quote_candidates
from feedback_classifier.render.report import build_report, write_report

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
