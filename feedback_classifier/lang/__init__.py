"""Languages: detection, normalisation, tokenising and lemmatising English and Russian text."""

from feedback_classifier.lang.text import TextAnalyzer, detect_language, normalize, tokenize

__all__ = ["TextAnalyzer", "detect_language", "normalize", "tokenize"]
