"""The languages the tool speaks: one entry per language, the single place to add one.

Each entry holds what the rest of the package needs to know about a language: its code,
its name in English and in itself, the decimal mark its UI writes, and the words that
negate what follows (the text analyzer marks the next content word with the prefix).

>>> LANGUAGES
('en', 'ru')
>>> check_language("RU")
'ru'
>>> get_language("ru").decimal_mark, get_language("en").native_name
(',', 'English')
"""

from __future__ import annotations

from dataclasses import dataclass

from feedback_classifier.errors import FeedbackClassifierError

__all__ = ["LANGUAGES", "REGISTRY", "Language", "UnknownLanguageError", "check_language", "get_language"]


@dataclass(frozen=True)
class Language:
    """Facts about one language.

    >>> lang = get_language("ru")
    >>> lang.native_name, lang.decimal_mark, "не" in lang.negators
    ('Русский', ',', True)
    """

    code: str
    english_name: str
    native_name: str
    #: Decimal mark in numbers shown to users ("8.5" / "8,5").
    decimal_mark: str
    #: Words that negate the next content word ("not helpful", "не работает").
    negators: frozenset[str]
    #: Prefix that marks a negated word (``not_helpful``, ``не_работать``).
    negation_prefix: str


REGISTRY: dict[str, Language] = {
    lang.code: lang
    for lang in (
        Language(
            "en", "English", "English", ".",
            frozenset({"not", "no", "never", "without", "nor"}), "not_",
        ),
        Language(
            "ru", "Russian", "Русский", ",",
            frozenset({"не", "нет", "нету", "ни", "без", "безо"}), "не_",
        ),
    )
}  # fmt: skip

LANGUAGES: tuple[str, ...] = tuple(REGISTRY)


class UnknownLanguageError(FeedbackClassifierError, ValueError):
    """A language code the tool has no entry for."""


def check_language(code: str) -> str:
    """``code`` normalised (``"RU"`` -> ``"ru"``), or ``UnknownLanguageError`` naming the choices.

    >>> check_language(" En ")
    'en'
    >>> check_language("de")
    Traceback (most recent call last):
    ...
    feedback_classifier.lang.registry.UnknownLanguageError: Unknown language 'de': use one of en, ru.
    """
    norm = str(code).strip().lower()
    if norm not in REGISTRY:
        raise UnknownLanguageError(f"Unknown language '{code}': use one of {', '.join(LANGUAGES)}.")
    return norm


def get_language(code: str) -> Language:
    """The registry entry for ``code`` (any case), or ``UnknownLanguageError``.

    >>> get_language("RU").english_name
    'Russian'
    """
    return REGISTRY[check_language(code)]
