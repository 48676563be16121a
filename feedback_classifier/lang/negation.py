"""Negation cues and stop words: what the analyzer needs to mark "not helpful" apart from "helpful".

**Mark negation** so "not helpful" never looks like "helpful": a negator is kept
as a bare token (``not`` / ``не``; it is a useful feature by itself) and the next
content word is emitted *instead of* its plain lemma with a prefix: ``not_`` for
English negators (not, no, never, without, cannot, nor, and every ``n't`` form
with or without the apostrophe: don't, dont, can't, won't, isn't...), ``не_`` for
Russian ones (не, нет, нету, ни, без, безо). Up to three function words in
between (articles, pronouns, prepositions, intensifiers, be/have/get, быть) are
kept and passed over (``not very good`` → ``not very not_good``; ``не было
проблем`` → ``не быть не_проблема``; ``не в восторге`` → ``не в не_восторг``).
Punctuation, numbers, placeholders, emoji and conjunctions (and, but, и, но, а...)
end the scope. Contractions emit their verb and ``not``: ``didn't arrive`` →
``do not not_arrive``.

:func:`stop_words` reads spaCy's lists on first call, because importing spaCy costs ~1 s
(``feedback_classifier.lang.STOP_WORDS`` is the same set, read lazily).
"""

from __future__ import annotations

from pathlib import Path

from feedback_classifier.lang.registry import REGISTRY

__all__ = ["NEGATORS", "stop_words"]

#: Each negator (every language's, from the registry) to the prefix it puts on the negated word.
NEGATORS = {word: lang.negation_prefix for lang in REGISTRY.values() for word in lang.negators}
#: The prefix English "n't" contractions negate with.
EN_NEG_PREFIX = REGISTRY["en"].negation_prefix
# "n't" forms, with and without the apostrophe, to the verb they negate.
EN_NT_STEMS = {
    "do": "do", "does": "do", "did": "do", "is": "be", "are": "be", "was": "be",
    "were": "be", "ai": "be", "have": "have", "has": "have", "had": "have",
    "could": "could", "would": "would", "should": "should", "must": "must",
    "need": "need", "might": "might", "ca": "can", "wo": "will", "sha": "shall",
    "dare": "dare",
}  # fmt: skip
EN_NT_NOAPOS = {
    stem + "nt": lemma for stem, lemma in EN_NT_STEMS.items() if stem not in {"ca", "wo", "sha", "ai", "dare"}
}
EN_NT_NOAPOS.update({"cant": "can", "wont": "will", "aint": "be", "cannot": "can"})
EN_CLITICS = {"'re": "be", "'m": "be", "'ve": "have", "'ll": "will", "'s": None, "'d": None}
# Function words (by lemma) between a negator and the word it negates: they are
# emitted as usual and the negation passes over them to the next content word
# ("not at all helpful" -> not_helpful, "не в восторге" -> не_восторг), at most
# NEG_WINDOW of them, so a negator never reaches far into the sentence.
NEG_SKIP = frozenset(
    """
    a an the this that these those my your his her its our their me you him them us it i we they
    he she one very really so too quite even at all much any some just yet always ever entirely
    completely fully particularly totally be have get to for of in on with about from by as up
    anything anyone anybody again
    очень так совсем особо особенно слишком то бы же уж ли вообще даже всегда совершенно полностью
    быть еще весь сильно раз я ты он она оно мы вы они мой твой наш ваш свой себя это этот тот
    такой сам в во на с со к ко по о об обо у за из от до для при про через над под
    """.split()
)
NEG_WINDOW = 3
# Conjunctions start a new clause: they end a pending negation instead of taking it.
NEG_END = frozenset("and but or nor yet however whereas while и но а или однако зато хотя".split()) - {"nor", "yet"}

_STOP_WORDS: frozenset[str] | None = None


def stop_words() -> frozenset[str]:
    """spaCy's English and Russian stop words minus the negators (read at first call).

    >>> "the" in stop_words(), "не" in stop_words()
    (True, False)
    """
    global _STOP_WORDS
    if _STOP_WORDS is None:
        en_stop, ru_stop = _spacy_stop_words("en"), _spacy_stop_words("ru")
        negators = set(NEGATORS) | {"cannot", "n't", "nothing", "none", "nobody"}
        words = {w.lower().replace("ё", "е") for w in (en_stop | ru_stop)}
        _STOP_WORDS = frozenset(words - negators)
    return _STOP_WORDS


def __getattr__(name: str):  # lazy module attribute: importing spaCy costs ~1 s
    if name == "STOP_WORDS":
        return stop_words()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _spacy_stop_words(code: str) -> set[str]:
    """spaCy's stop-word list for ``code``, read from its own file without importing spaCy: the list
    is a plain module, but ``import spacy.lang.en.stop_words`` runs spaCy's ``__init__`` (~0.6 s of
    CPU on every command start)."""
    import importlib.util

    spec = importlib.util.find_spec("spacy")  # finds the package without running it
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("spaCy is required for its stop-word lists")
    path = Path(list(spec.submodule_search_locations)[0]) / "lang" / code / "stop_words.py"
    loader = importlib.util.spec_from_file_location(f"_feedback_classifier_stop_words_{code}", path)
    module = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(module)
    return set(module.STOP_WORDS)
