"""The classifier: features, estimator, evaluation, model files, the default model, enrich.

Where things are: ``estimator`` holds ``FeedbackClassifier`` (fit, predict); ``inputs``
normalises its X and y; ``features`` computes its tf-idf word and char n-gram features;
``decoding`` calibrates scores, tunes thresholds and applies the parent/child rules;
``explain`` finds the words behind each label; ``embedders`` and ``static_vectors`` hold
the optional embedding blocks; ``evaluation`` scores predictions; ``persist`` and
``safe_pickle`` save and load model files; ``default`` trains and caches the bundled
model; ``enrichment`` adds the category columns to a table.
"""

from feedback_classifier.model.default import EXAMPLE_SURVEY_FILE, default_model
from feedback_classifier.model.embedders import EMBEDDINGS, MiniLMEmbedder, embedding_params
from feedback_classifier.model.enrichment import enrich
from feedback_classifier.model.estimator import FeedbackClassifier
from feedback_classifier.model.evaluation import EvaluationReport, cross_validate_model, evaluate_predictions
from feedback_classifier.model.persist import load_model, read_model_metadata, save_model
from feedback_classifier.model.static_vectors import StaticEmbedder

__all__ = [
    "EMBEDDINGS",
    "EXAMPLE_SURVEY_FILE",
    "EvaluationReport",
    "FeedbackClassifier",
    "MiniLMEmbedder",
    "StaticEmbedder",
    "cross_validate_model",
    "default_model",
    "embedding_params",
    "enrich",
    "evaluate_predictions",
    "load_model",
    "read_model_metadata",
    "save_model",
]
