"""Languages: detection, normalisation, tokenising and lemmatising English and Russian text."""

from feedback_classifier.lang.registry import LANGUAGES, check_language
from feedback_classifier.lang.text import TextAnalyzer, detect_language, majority_language, normalize, tokenize

__all__ = ["LANGUAGES", "TextAnalyzer", "check_language", "detect_language", "majority_language", "normalize", "tokenize"]
