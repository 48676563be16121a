"""Lemmatisers: English and Russian, each chosen per token by its script.

**Lemmatise** per token *by its script*, whatever the comment's language: Latin
words through spacy-lookups-data's English ``lemma_lookup`` table, Cyrillic words
through ``pymorphy3`` (``parse(w)[0].normal_form``). Other scripts pass through.

Nothing here downloads anything: both lemmatisers load installed package data, once
per process and only when first needed.
"""

from __future__ import annotations

from functools import lru_cache

from feedback_classifier.lang.detect import is_cyrillic, is_latin

__all__ = ["lemmatize", "lemmatize_en"]

_EN_LEMMAS: dict[str, str] | None = None
_MORPH = None


def _en_lemmas() -> dict[str, str]:
    """spacy-lookups-data's English ``lemma_lookup`` as a plain dict (loaded once).

    The JSON file is the one ``spacy.lookups.load_lookups("en", ["lemma_lookup"])``
    reads through the package's entry point; reading it directly gives a plain str
    dict (spaCy's ``Table`` hashes every key on lookup) and spares importing spaCy.
    """
    global _EN_LEMMAS
    if _EN_LEMMAS is None:
        try:
            data = _read_lookup_json("en", "lemma_lookup")
        except (ImportError, AttributeError, KeyError, OSError, ValueError):  # pragma: no cover
            # the data package changed its layout: fall back to spaCy's own API
            from spacy.lookups import load_lookups

            table = load_lookups("en", ["lemma_lookup"]).get_table("lemma_lookup")
            _EN_LEMMAS = _TableDict(table)
        else:
            # Keys are case-sensitive ("Deliveries" is rare); our text is lower case,
            # so an exact lower-case key wins over a lower-cased capitalised one.
            lemmas = {k.lower(): v.lower() for k, v in data.items() if k and k != k.lower()}
            lemmas.update({k: v.lower() for k, v in data.items() if k and k == k.lower()})
            _EN_LEMMAS = lemmas
    return _EN_LEMMAS


def _read_lookup_json(lang: str, table: str) -> dict[str, str]:
    import gzip
    import json

    import spacy_lookups_data

    path = getattr(spacy_lookups_data, lang)[table]
    if path.exists():
        with open(path, encoding="utf8") as fh:
            return json.load(fh)
    with gzip.open(f"{path}.gz", "rt", encoding="utf8") as fh:
        return json.load(fh)


class _TableDict(dict):
    """Fallback: dict-like ``get`` over a spaCy lookups Table."""

    def __init__(self, table):
        super().__init__()
        self._table = table

    def get(self, key, default=None):  # type: ignore[override]
        value = self._table.get(key)
        return default if value is None else value


def _morph():
    global _MORPH
    if _MORPH is None:
        import pymorphy3

        _MORPH = pymorphy3.MorphAnalyzer()
    return _MORPH


@lru_cache(maxsize=100_000)
def _ru_lemma(word: str) -> str:
    """pymorphy3's most likely normal form, with ё folded like the input.

    >>> _ru_lemma("курьеры"), _ru_lemma("стали")
    ('курьер', 'стать')
    """
    return _most_likely_normal_form(_morph(), word).replace("ё", "е")


def _most_likely_normal_form(morph, word: str) -> str:
    """``morph.parse(word)[0].normal_form``, cheaper for a new word: ``parse`` ranks the
    parses by P(tag | word), a look-up per parse (a third of its time); when every parse has
    the same normal form the ranking cannot change it, and it is skipped. The loop is
    ``MorphAnalyzer.parse``'s own (pymorphy3); without its ``_units``, ``parse`` itself."""
    units = getattr(morph, "_units", None)
    if units is None:  # pragma: no cover - another pymorphy3 layout
        return morph.parse(word)[0].normal_form
    parses: list = []
    seen: set = set()
    lower = word.lower()
    for unit, is_terminal in units:
        parses.extend(unit.parse(word, lower, seen))
        if is_terminal and parses:
            break
    if not parses:  # pragma: no cover - pymorphy3 always guesses; keep its own error
        return morph.parse(word)[0].normal_form
    first = parses[0][2]
    if morph.prob_estimator is None or all(p[2] == first for p in parses):
        return first
    return morph.prob_estimator.apply_to_parses(word, lower, parses)[0][2]


def lemmatize_en(word: str) -> str:
    """English lemma of a lower-case word (the word itself when the table has none).

    >>> lemmatize_en("deliveries"), lemmatize_en("zzz")
    ('delivery', 'zzz')
    """
    return _en_lemmas().get(word, word)


def lemmatize(word: str) -> str:
    """Lemma of one lower-case word, chosen by the script of its first letter.

    >>> lemmatize("курьеры"), lemmatize("couriers"), lemmatize("ok2")
    ('курьер', 'courier', 'ok2')
    """
    first = word[0]
    if is_cyrillic(first):
        return _ru_lemma(word)
    if is_latin(first):
        return lemmatize_en(word)
    return word
