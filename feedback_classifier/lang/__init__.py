"""Languages: the registry of languages, detection, normalisation, tokenising and lemmatising.

Where things are: ``registry`` holds one entry per language (code, names, decimal mark,
negation cues); ``detect`` tells scripts and languages apart; ``normalization`` normalises
and tokenises; ``lemmas`` lemmatises; ``negation`` holds negation cues and stop words;
``analyzer`` puts them together as :class:`TextAnalyzer`.
"""

from feedback_classifier.lang.analyzer import TextAnalyzer, Tokens, analyze_text, analyze_texts
from feedback_classifier.lang.detect import detect_language, majority_language
from feedback_classifier.lang.normalization import PLACEHOLDERS, normalize, tokenize
from feedback_classifier.lang.registry import LANGUAGES, Language, check_language, get_language

__all__ = [
    "LANGUAGES",
    "PLACEHOLDERS",
    "Language",
    "TextAnalyzer",
    "Tokens",
    "analyze_text",
    "analyze_texts",
    "check_language",
    "detect_language",
    "get_language",
    "majority_language",
    "normalize",
    "tokenize",
]


def __getattr__(name: str):  # lazy: STOP_WORDS imports spaCy (~1 s), so only on first use
    if name == "STOP_WORDS":
        from feedback_classifier.lang.negation import stop_words

        return stop_words()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
