"""Insights: scores, drivers (impact, regression, segments, trend) and routing decisions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from feedback_classifier._lazy import lazy_attributes

if TYPE_CHECKING:  # the names below, for readers and type checkers; at run time each loads on first use
    from feedback_classifier.insights.accumulator import DriversAccumulator
    from feedback_classifier.insights.drivers import DriversResult, compute_drivers
    from feedback_classifier.insights.issues import CountedIssues, ScoreIssues
    from feedback_classifier.insights.matrix import CategoryMatrix, category_matrix
    from feedback_classifier.insights.periods import detect_period_column
    from feedback_classifier.insights.routing import RoutingResult, is_enriched, route, write_queues
    from feedback_classifier.insights.scores import (
        ScoreSpec,
        mean_interval,
        nps_interval,
        parse_scores,
        summarize_scores,
        weighted_mean_interval,
        wilson_interval,
    )
    from feedback_classifier.insights.streaming_router import StreamingRouter

# Which submodule defines each name. Importing them all here made every command pay for every
# package's dependencies (scipy.stats, matplotlib, sklearn.metrics: ~1 s of CPU) at start-up.
_LAZY = {
    "DriversAccumulator": "accumulator",
    "DriversResult": "drivers",
    "compute_drivers": "drivers",
    "CountedIssues": "issues",
    "ScoreIssues": "issues",
    "CategoryMatrix": "matrix",
    "category_matrix": "matrix",
    "detect_period_column": "periods",
    "RoutingResult": "routing",
    "is_enriched": "routing",
    "route": "routing",
    "write_queues": "routing",
    "ScoreSpec": "scores",
    "mean_interval": "scores",
    "weighted_mean_interval": "scores",
    "nps_interval": "scores",
    "parse_scores": "scores",
    "summarize_scores": "scores",
    "wilson_interval": "scores",
    "StreamingRouter": "streaming_router",
}

__all__ = [
    "CategoryMatrix",
    "CountedIssues",
    "DriversAccumulator",
    "DriversResult",
    "RoutingResult",
    "ScoreIssues",
    "ScoreSpec",
    "StreamingRouter",
    "category_matrix",
    "compute_drivers",
    "detect_period_column",
    "is_enriched",
    "mean_interval",
    "nps_interval",
    "parse_scores",
    "route",
    "summarize_scores",
    "weighted_mean_interval",
    "wilson_interval",
    "write_queues",
]


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, __all__)
