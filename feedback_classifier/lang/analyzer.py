"""The text analyzer: raw comment → lemma tokens with negation marks, for the classifier.

The pipeline behind :func:`analyze_text` and :class:`TextAnalyzer`: normalise
(``normalization``), tokenise, lemmatise each token by its script (``lemmas``) and mark
negation (``negation``). Caches keyed by whitespace chunk make a warm analyzer skip most
of that work for the words a survey repeats.

Stop words are kept (the classifier decides); ``TextAnalyzer(drop_stop_words=True)``
drops :data:`STOP_WORDS` (spaCy's lists minus the negators).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any

from feedback_classifier.lang.detect import is_latin, to_text
from feedback_classifier.lang.lemmas import lemmatize, lemmatize_en
from feedback_classifier.lang.negation import (
    EN_CLITICS,
    EN_NEG_PREFIX,
    EN_NT_NOAPOS,
    EN_NT_STEMS,
    NEG_END,
    NEG_SKIP,
    NEG_WINDOW,
    NEGATORS,
    stop_words,
)
from feedback_classifier.lang.normalization import MIXED_RE, PLACEHOLDERS, TOKEN_RE, check_lang, fix_word, premask

__all__ = ["TextAnalyzer", "Tokens", "analyze_text", "analyze_texts"]

# Cache entry kinds (first element of an entry tuple)
_WORD = 0  # (kind, lemma): may take a pending negation prefix
_NEG = 1  # (kind, tokens_to_emit, prefix): starts a negation scope
_SKIP = 2  # (kind, tokens): emitted, keeps a pending negation
_OTHER = 3  # (kind, token): emitted, ends a pending negation
_PUNCT = 4  # (kind,): not emitted, ends a pending negation
_DROP = 5  # (kind,): not emitted (stop word), keeps a pending negation


class TextAnalyzer:
    """Picklable callable: raw comment → list of lemma tokens with negation marks.

    Usable as ``TfidfVectorizer(analyzer=TextAnalyzer())``. Only the parameters are
    pickled; the per-token cache and the lemmatisers are rebuilt lazily after
    unpickling, so a saved model stays small.

    Parameters
    ----------
    lang : a code in ``LANGUAGES`` or None
        Comment language when known for every text; None detects per comment.
    keep_negator : bool
        Also emit the bare negator (``not``, ``не``) besides the marked word.
    drop_stop_words : bool
        Drop :data:`STOP_WORDS` (never the negators).
    keep_punct : bool
        Emit punctuation tokens too (they are dropped by default).
    max_cache : int
        Bound on each per-token / per-chunk cache (a plain dict, cleared when full;
        about 50 MB for all of them at the default bound).

    >>> TextAnalyzer()("The courier was NOT polite")
    ['the', 'courier', 'be', 'not', 'not_polite']
    >>> TextAnalyzer()("Курьеры не доставили заказ!!!")
    ['курьер', 'не', 'не_доставить', 'заказ']
    """

    def __init__(
        self,
        lang: str | None = None,
        keep_negator: bool = True,
        drop_stop_words: bool = False,
        keep_punct: bool = False,
        max_cache: int = 100_000,
    ):
        check_lang(lang)  # TextAnalyzer(lang="de") analysed every comment by script, without a word
        self.lang = lang
        self.keep_negator = keep_negator
        self.drop_stop_words = drop_stop_words
        self.keep_punct = keep_punct
        self.max_cache = max_cache
        self._entries: dict[str, tuple] = {}  # raw token -> entry (see kinds above)
        self._chunks: dict[str, tuple] = {}  # whitespace chunk -> entries of its tokens
        self._fast: dict[str, str] = {}  # whitespace chunk -> its one output ("" = none)

    # -- pickling: parameters only -------------------------------------------------
    _PARAMS = ("lang", "keep_negator", "drop_stop_words", "keep_punct", "max_cache")

    def __getstate__(self) -> dict:
        return {name: getattr(self, name) for name in self._PARAMS}

    def __setstate__(self, state: dict) -> None:
        self.__init__(**state)

    def get_params(self, deep: bool = True) -> dict:
        return self.__getstate__()

    def __repr__(self) -> str:
        defaults = TextAnalyzer.__init__.__defaults__
        args = [
            f"{n}={getattr(self, n)!r}"
            for n, d in zip(self._PARAMS, defaults, strict=True)
            if getattr(self, n) != d
        ]
        return f"TextAnalyzer({', '.join(args)})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self.__getstate__() == other.__getstate__()

    def __hash__(self) -> int:
        return hash(tuple(self.__getstate__().values()))

    # -- per-token classification ------------------------------------------------
    def _entry(self, raw: str, lang: str | None) -> tuple:
        """Classify one normalised token (see the entry kinds above)."""
        first = raw[0]
        if first == "_" and raw in PLACEHOLDERS:
            return (_OTHER, raw)
        if not first.isalpha():
            if first.isdigit():
                return (_OTHER, "_num_")
            if unicodedata.category(first) in ("So", "Sk") and len(raw) <= 2:
                return (_OTHER, raw)  # emoji / flag / symbol
            return (_OTHER, raw) if self.keep_punct else (_PUNCT,)
        tok = fix_word(raw, lang)
        prefix = NEGATORS.get(tok)
        if prefix is not None:
            # "nor" negates like "not" and reads as "not" to the classifier
            return (_NEG, ("not",) if tok == "nor" else (tok,), prefix)
        if tok in EN_NT_NOAPOS:
            return (_NEG, (EN_NT_NOAPOS[tok], "not"), EN_NEG_PREFIX)
        if "'" in tok and is_latin(tok[0]):
            if tok.endswith("n't"):
                stem = tok[:-3]
                verb = (EN_NT_STEMS.get(stem) or lemmatize_en(stem)) if stem else None
                return (_NEG, (verb, "not") if verb else ("not",), EN_NEG_PREFIX)
            head, _, tail = tok.partition("'")
            clitic = EN_CLITICS.get("'" + tail, "")
            if clitic != "" and head:
                lemma = lemmatize_en(head)
                if not clitic:
                    return self._word_entry(lemma)
                return (_SKIP, (lemma, clitic))
        return self._word_entry(lemmatize(tok))

    def _word_entry(self, lemma: str) -> tuple:
        if self.drop_stop_words and lemma in stop_words():
            return (_DROP,)
        if lemma in NEG_SKIP:
            return (_SKIP, (lemma,))
        if lemma in NEG_END:
            return (_OTHER, lemma)
        return (_WORD, lemma)

    def _remember_chunk(self, chunk: str, chunk_entries: list[tuple]) -> None:
        """Cache a whitespace chunk's single output when it needs no negation state."""
        outputs = []
        for entry in chunk_entries:
            kind = entry[0]
            if kind == _WORD or kind == _OTHER:
                outputs.append(entry[1])
            elif kind == _SKIP:
                outputs.extend(entry[1])
            elif kind == _NEG:
                # negators stay out of the fast table on purpose: their absence
                # sends the comment down the path that tracks negation
                return
        if len(outputs) <= 1:
            if len(self._fast) >= self.max_cache:
                self._fast.clear()
            self._fast[chunk] = outputs[0] if outputs else ""

    # -- the analyzer ----------------------------------------------------------------
    def __call__(self, text: Any, lang: str | None = None) -> list[str]:
        if lang is not None:
            check_lang(lang)
        if text.__class__ is not str:
            text = to_text(text)
        if not text:
            return []
        chunks = premask(text).split()
        # Fast path: each whitespace chunk ("good," or "заказ") seen before, none a
        # negator, each giving one output or none: no tokenising, no state.
        out = list(map(self._fast.get, chunks))
        if None not in out:
            return list(filter(None, out)) if "" in out else out
        return self._slow(chunks, lang or self.lang)

    def analyze_with_surface(self, text: Any, lang: str | None = None) -> "Tokens":
        """``self(text, lang)`` as a :class:`Tokens` list that also carries the comment's
        words as written (``.surface``): the whitespace-separated chunks of the
        normalised text, punctuation attached, not lemmatised (and, unlike
        :func:`normalize`, letter runs not squeezed nor mixed scripts repaired: a
        regex pass per comment that would cost more than it brings).

        They keep what lemmas fold away (Russian case endings, aspect, diminutives,
        adverb vs adjective, "!" and "?") for character n-grams; they cost no second
        analysis. The two lists are not aligned position by position.

        >>> t = TextAnalyzer().analyze_with_surface("Обслуживанием НЕ довольны!!!")
        >>> list(t), t.surface
        (['обслуживание', 'не', 'не_довольный'], ['обслуживанием', 'не', 'довольны!!!'])
        """
        if lang is not None:
            check_lang(lang)
        if text.__class__ is not str:
            text = to_text(text)
        if not text:
            return Tokens.of((), [])
        s = premask(text)
        chunks = s.split()
        out = list(map(self._fast.get, chunks))
        if None in out:
            out = self._slow(chunks, lang or self.lang)
        elif "" in out:
            out = list(filter(None, out))
        return Tokens.of(out, chunks)

    def _chunk_entries(self, chunk: str, lang: str | None) -> tuple:
        """Entries of the tokens of one whitespace chunk, cached when lang-independent."""
        entries = self._entries
        result = []
        cacheable = True
        for tok in TOKEN_RE.findall(chunk):
            entry = entries.get(tok)
            if entry is None:
                entry = self._entry(tok, lang)
                # lang only matters for a word mixing scripts: don't cache those
                if MIXED_RE.search(tok):
                    cacheable = False
                else:
                    if len(entries) >= self.max_cache:
                        entries.clear()
                    entries[tok] = entry
            result.append(entry)
        result = tuple(result)
        if cacheable:
            if len(self._chunks) >= self.max_cache:
                self._chunks.clear()
            self._chunks[chunk] = result
            self._remember_chunk(chunk, result)
        return result

    def _slow(self, chunks: list[str], lang: str | None) -> list[str]:
        """Analyse with negation tracking (comments with a negator or new chunks)."""
        known = self._chunks
        out: list[str] = []
        append = out.append
        prefix = None
        window = 0  # function words the pending negation may still pass over
        keep_neg = self.keep_negator
        fast = self._fast
        for chunk in chunks:
            if prefix is None:
                # No negation pending: a chunk of the fast table (no negator, one output or
                # none) is its output, whatever its entries' kinds.
                single = fast.get(chunk)
                if single is not None:
                    if single:
                        append(single)
                    continue
            chunk_entries = known.get(chunk)
            if chunk_entries is None:
                chunk_entries = self._chunk_entries(chunk, lang)
            for entry in chunk_entries:
                kind = entry[0]
                if kind == _WORD:
                    if prefix is None:
                        append(entry[1])
                    else:
                        append(prefix + entry[1])
                        prefix = None
                elif kind == _NEG:
                    emitted = entry[1]
                    if keep_neg:
                        out.extend(emitted)
                    elif len(emitted) > 1:
                        out.extend(emitted[:-1])
                    prefix = entry[2]
                    window = NEG_WINDOW
                elif kind == _SKIP:
                    out.extend(entry[1])
                    if prefix is not None:
                        window -= 1
                        if window < 0:
                            prefix = None
                elif kind == _OTHER:
                    append(entry[1])
                    prefix = None
                elif kind == _PUNCT:
                    prefix = None
        return out

    def analyze_many(self, texts: Iterable[Any], langs: Iterable[str | None] | None = None) -> list[list[str]]:
        """Analyse many comments; ``langs`` gives one language (or None) per text."""
        if isinstance(texts, str):  # its characters were analysed as comments
            raise TypeError(f"texts must be a list of comments, not one string: pass [{texts[:40]!r}].")
        if langs is None:
            return [self(t) for t in texts]
        texts = list(texts)
        langs = list(langs)
        if len(langs) != len(texts):
            raise ValueError(f"langs has {len(langs)} items but texts has {len(texts)}; give one language per text")
        return [self(t, lang) for t, lang in zip(texts, langs, strict=True)]


class Tokens(list):
    """A comment's tokens (lemmas) that also carries its surface words in ``surface``
    (see :meth:`TextAnalyzer.analyze_with_surface`).

    >>> tokens = Tokens.of(["courier", "be", "late"], ["courier", "was", "late"])
    >>> tokens[1], tokens.surface[1]
    ('be', 'was')
    """

    __slots__ = ("surface",)

    @classmethod
    def of(cls, tokens: Iterable[str], surface: list[str]) -> "Tokens":
        """``tokens`` carrying ``surface`` (no Python-level ``__init__``: built per comment)."""
        out = cls(tokens)
        out.surface = surface
        return out


_DEFAULT = TextAnalyzer()


def analyze_text(text: Any, lang: str | None = None) -> list[str]:
    """Normalise, tokenise, lemmatise and negation-mark one comment.

    >>> analyze_text("Deliveries were not helpful 👍")
    ['delivery', 'be', 'not', 'not_helpful', '👍']
    >>> analyze_text("Приложение не работает, курьеры грубят")
    ['приложение', 'не', 'не_работать', 'курьер', 'грубить']
    >>> analyze_text(None), analyze_text(float("nan"))
    ([], [])
    """
    return _DEFAULT(text, lang)


def analyze_texts(texts: Iterable[Any], langs: Iterable[str | None] | None = None) -> list[list[str]]:
    """Analyse many comments with the shared default analyzer.

    >>> analyze_texts(["no issues", "нет проблем"])
    [['no', 'not_issue'], ['нет', 'не_проблема']]
    """
    return _DEFAULT.analyze_many(texts, langs)
