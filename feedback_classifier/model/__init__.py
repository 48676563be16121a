"""The classifier: features, estimator, evaluation, model files, the default model, enrich."""

from feedback_classifier.model.default import EXAMPLE_SURVEY_FILE, default_model
from feedback_classifier.model.enrichment import enrich
from feedback_classifier.model.estimator import FeedbackClassifier, MiniLMEmbedder
from feedback_classifier.model.evaluation import cross_validate_model, evaluate_predictions
from feedback_classifier.model.persist import load_model, read_model_metadata, save_model
from feedback_classifier.model.static_vectors import StaticEmbedder

__all__ = [
    "EXAMPLE_SURVEY_FILE",
    "FeedbackClassifier",
    "MiniLMEmbedder",
    "StaticEmbedder",
    "cross_validate_model",
    "default_model",
    "enrich",
    "evaluate_predictions",
    "load_model",
    "read_model_metadata",
    "save_model",
]
