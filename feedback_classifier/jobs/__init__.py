"""Jobs: the file-in / file-out functions behind each command (read, compute, write atomically)."""

from feedback_classifier.jobs.analyze import AnalyzeResult, analyze
from feedback_classifier.jobs.classify import ClassifySummary, classify_file
from feedback_classifier.jobs.report import ReportFileResult, report_file
from feedback_classifier.jobs.route import RouteFileResult, route_file

__all__ = [
    "AnalyzeResult",
    "ClassifySummary",
    "ReportFileResult",
    "RouteFileResult",
    "analyze",
    "classify_file",
    "report_file",
    "route_file",
]
