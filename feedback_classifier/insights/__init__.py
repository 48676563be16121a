"""Insights: scores, drivers (impact, regression, segments, trend) and routing decisions."""

from feedback_classifier.insights.accumulator import DriversAccumulator
from feedback_classifier.insights.drivers import DriversResult, compute_drivers
from feedback_classifier.insights.issues import CountedIssues, ScoreIssues
from feedback_classifier.insights.matrix import CategoryMatrix, category_matrix
from feedback_classifier.insights.periods import detect_period_column
from feedback_classifier.insights.routing import RoutingResult, is_enriched, route, write_queues
from feedback_classifier.insights.scores import (
    ScoreSpec,
    mean_interval,
    weighted_mean_interval,
    nps_interval,
    parse_scores,
    summarize_scores,
    wilson_interval,
)
from feedback_classifier.insights.streaming_router import StreamingRouter

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
    "weighted_mean_interval",
    "nps_interval",
    "parse_scores",
    "route",
    "summarize_scores",
    "wilson_interval",
    "write_queues",
]
