"""Insights: scores, drivers (impact, regression, segments, trend) and routing decisions."""

from feedback_classifier.insights.drivers import DriversResult, category_matrix, compute_drivers
from feedback_classifier.insights.routing import RoutingResult, route, write_queues
from feedback_classifier.insights.scores import ScoreSpec, parse_scores

__all__ = [
    "DriversResult",
    "RoutingResult",
    "ScoreSpec",
    "category_matrix",
    "compute_drivers",
    "parse_scores",
    "route",
    "write_queues",
]
