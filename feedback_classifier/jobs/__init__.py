"""Jobs: the file-in / file-out functions behind each command (read, compute, write atomically)."""

from feedback_classifier.jobs.analyze import AnalyzeResult, analyze
from feedback_classifier.jobs.classify import ClassifySummary, classify_file
from feedback_classifier.jobs.drivers import DriversFileResult, drivers_file
from feedback_classifier.jobs.report import ReportFileResult, report_file
from feedback_classifier.jobs.route import RouteFileResult, route_file
from feedback_classifier.jobs.taxonomy import InferredTaxonomy, infer_taxonomy_file
from feedback_classifier.jobs.train import (
    ColdStartResult,
    TrainResult,
    evaluate_file,
    train_file,
    train_without_labels_file,
)

__all__ = [
    "AnalyzeResult",
    "ColdStartResult",
    "ClassifySummary",
    "DriversFileResult",
    "InferredTaxonomy",
    "ReportFileResult",
    "RouteFileResult",
    "TrainResult",
    "analyze",
    "classify_file",
    "drivers_file",
    "infer_taxonomy_file",
    "evaluate_file",
    "report_file",
    "route_file",
    "train_file",
    "train_without_labels_file",
]
