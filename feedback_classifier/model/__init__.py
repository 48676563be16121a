"""The classifier: features, estimator, evaluation, model files, the default model, enrich.

Where things are: ``estimator`` holds ``FeedbackClassifier`` (fit, predict); ``inputs``
normalises its X and y; ``features`` computes its tf-idf word and char n-gram features;
``decoding`` calibrates scores, tunes thresholds and applies the parent/child rules;
``explain`` finds the words behind each label; ``embedders`` and ``static_vectors`` hold
the optional embedding blocks; ``evaluation`` scores predictions; ``persist`` and
``safe_pickle`` save and load model files; ``default`` trains and caches the bundled
model; ``enrichment`` adds the category columns to a table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from feedback_classifier._lazy import lazy_attributes

if TYPE_CHECKING:  # the names below, for readers and type checkers; at run time each loads on first use
    from feedback_classifier.model.default import EXAMPLE_SURVEY_FILE, default_model
    from feedback_classifier.model.embedders import EMBEDDINGS, E5Embedder, MiniLMEmbedder, embedding_params, require_e5
    from feedback_classifier.model.enrichment import enrich
    from feedback_classifier.model.estimator import FeedbackClassifier
    from feedback_classifier.model.evaluation import EvaluationReport, cross_validate_model, evaluate_predictions
    from feedback_classifier.model.persist import load_model, read_model_metadata, save_model
    from feedback_classifier.model.static_vectors import StaticEmbedder

# Which submodule defines each name. Importing them all here made every command pay for every
# package's dependencies (scipy.stats, matplotlib, sklearn.metrics: ~1 s of CPU) at start-up.
_LAZY = {
    "EXAMPLE_SURVEY_FILE": "default",
    "default_model": "default",
    "EMBEDDINGS": "embedders",
    "MiniLMEmbedder": "embedders",
    "E5Embedder": "embedders",
    "embedding_params": "embedders",
    "require_e5": "embedders",
    "enrich": "enrichment",
    "FeedbackClassifier": "estimator",
    "EvaluationReport": "evaluation",
    "cross_validate_model": "evaluation",
    "evaluate_predictions": "evaluation",
    "load_model": "persist",
    "read_model_metadata": "persist",
    "save_model": "persist",
    "StaticEmbedder": "static_vectors",
}

__all__ = [
    "E5Embedder",
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
    "require_e5",
    "evaluate_predictions",
    "load_model",
    "read_model_metadata",
    "save_model",
]


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, __all__)
