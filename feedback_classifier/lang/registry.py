"""The languages the tool speaks: one entry per language, the single place to add one.

>>> LANGUAGES
('en', 'ru')
>>> check_language("RU")
'ru'
"""

from __future__ import annotations

from feedback_classifier.errors import FeedbackClassifierError

LANGUAGES: tuple[str, ...] = ("en", "ru")


class UnknownLanguageError(FeedbackClassifierError, ValueError):
    """A language code the tool has no entry for."""


def check_language(code: str) -> str:
    """``code`` normalised (``"RU"`` -> ``"ru"``), or ``UnknownLanguageError`` naming the choices."""
    norm = str(code).strip().lower()
    if norm not in LANGUAGES:
        raise UnknownLanguageError(f"Unknown language '{code}': use one of {', '.join(LANGUAGES)}.")
    return norm
