"""Rendering: the HTML report, charts and Markdown tables, in English and Russian."""

from feedback_classifier.render.charts import impact_chart, priority_matrix, write_charts
from feedback_classifier.render.report import build_report, write_report

__all__ = ["build_report", "impact_chart", "priority_matrix", "write_charts", "write_report"]
