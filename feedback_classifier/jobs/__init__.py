"""Jobs: the file-in / file-out functions behind each command (read, compute, write atomically)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from feedback_classifier._lazy import lazy_attributes
from feedback_classifier.jobs.analyze import AnalyzeResult, analyze

if TYPE_CHECKING:  # the names below, for readers and type checkers; at run time each loads on first use
    from feedback_classifier.jobs.classify import ClassifySummary, classify_file
    from feedback_classifier.jobs.drivers import DriversFileResult, drivers_file
    from feedback_classifier.jobs.report import ReportFileResult, report_file
    from feedback_classifier.jobs.route import RouteFileResult, route_file
    from feedback_classifier.jobs.taxonomy import InferredTaxonomy, infer_taxonomy_file
    from feedback_classifier.jobs.evaluate import evaluate_file
    from feedback_classifier.jobs.train import (
        ColdStartResult,
        TrainResult,
        train_file,
        train_without_labels_file,
    )

# Which submodule defines each name. Importing them all here made every command pay for every
# package's dependencies (scipy.stats, matplotlib, sklearn.metrics: ~1 s of CPU) at start-up.
_LAZY = {
    "ClassifySummary": "classify",
    "classify_file": "classify",
    "DriversFileResult": "drivers",
    "drivers_file": "drivers",
    "ReportFileResult": "report",
    "report_file": "report",
    "RouteFileResult": "route",
    "route_file": "route",
    "InferredTaxonomy": "taxonomy",
    "infer_taxonomy_file": "taxonomy",
    "ColdStartResult": "train",
    "TrainResult": "train",
    "evaluate_file": "evaluate",
    "train_file": "train",
    "train_without_labels_file": "train",
}

__all__ = [
    "AnalyzeResult",
    "ClassifySummary",
    "ColdStartResult",
    "DriversFileResult",
    "InferredTaxonomy",
    "ReportFileResult",
    "RouteFileResult",
    "TrainResult",
    "analyze",
    "classify_file",
    "drivers_file",
    "evaluate_file",
    "infer_taxonomy_file",
    "report_file",
    "route_file",
    "train_file",
    "train_without_labels_file",
]


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, __all__)
