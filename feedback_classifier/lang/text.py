"""Bilingual (English / Russian) text processing for survey comments.

The pipeline behind :func:`analyze` and :class:`TextAnalyzer`:

1. **normalise** (:func:`normalize`): NFKC, lower case, ``ё`` → ``е``, typographic
   apostrophes → ``'``, invisible format characters removed, URLs / e-mails /
   phone numbers / numbers masked to the placeholder tokens ``_url_``, ``_email_``,
   ``_phone_``, ``_num_``, text emoticons mapped to emoji (``:)`` ``)))`` → 🙂,
   ``:(`` ``(((`` → 🙁, ``:D`` → 😀), emoji folded (skin tones, variation selectors
   and keycaps dropped; a ZWJ sequence such as 👩‍💻 keeps only its first emoji),
   letter runs of 3+ squeezed to 2 (``sooooo`` → ``soo``), and mixed-script words
   (a Latin ``c`` typed inside a Russian word) repaired when every odd letter has a
   look-alike in the word's main script.
2. **tokenise** (:func:`tokenize`): one regex pass; words keep inner hyphens and
   apostrophes (``что-то``, ``wi-fi``, ``don't``); each placeholder, emoji, flag and
   punctuation mark is one token. On comment text this matches spaCy's blank en/ru
   tokenizer except that hyphenated words and ``n't`` contractions stay whole (the
   negation step splits the latter), placeholders stay whole (spaCy splits off the
   underscores: feed :func:`normalize` output to :func:`tokenize`, not to spaCy) and
   a single letter before a period is not taken for an abbreviation.
3. **lemmatise** per token *by its script*, whatever the comment's language: Latin
   words through spacy-lookups-data's English ``lemma_lookup`` table, Cyrillic words
   through ``pymorphy3`` (``parse(w)[0].normal_form``). Other scripts pass through.
4. **mark negation** so "not helpful" never looks like "helpful": a negator is kept
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

Stop words are kept (the classifier decides); ``TextAnalyzer(drop_stop_words=True)``
drops :data:`STOP_WORDS` (spaCy's lists minus the negators).

Nothing here downloads anything: both lemmatisers load installed package data, once
per process and only when first needed.
"""

from __future__ import annotations

from collections import Counter

import math
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

__all__ = [
    "PLACEHOLDERS",
    "STOP_WORDS",
    "TextAnalyzer",
    "Tokens",
    "analyze",
    "analyze_many",
    "detect_language",
    "normalize",
    "tokenize",
]

_LANGS = ("en", "ru", "und")

#: Tokens that stand for masked spans; each survives :func:`tokenize` as one token.
PLACEHOLDERS = ("_url_", "_email_", "_phone_", "_num_")

# ---------------------------------------------------------------------------
# Regular expressions (compiled once; order of application matters, see normalize)
# ---------------------------------------------------------------------------

_EMOJI_CLASS = (
    "\U0001F000-\U0001F1E5\U0001F200-\U0001FAFF"  # pictographs; 1F1E6-1F1FF are flags
    "\u2600-\u27BF\u2B05-\u2B07\u2B1B\u2B1C\u2B50\u2B55"
    "\u231A\u231B\u23E9-\u23FA\u3030\u303D\u3297\u3299"
)
_FLAG = "[\U0001F1E6-\U0001F1FF]{1,2}"

# Characters with no visible effect that split words when copied from web pages or
# messengers (soft hyphen inside "достав\xadка", zero-width spaces, BOM).
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200e\u200f\u2060\ufeff"), None)
_PRE_TRANSLATE = {
    **_INVISIBLE,
    # NFKC turns "№" into "No", which would read as the English negator "no".
    ord("№"): " # ",
    ord("\u2019"): "'",
    ord("\u2018"): "'",
    ord("\u02bc"): "'",
    ord("`"): "'",
    ord("\u00b4"): "'",
}

_PRE_TRANSLATE_RE = re.compile("[" + "".join(map(chr, _PRE_TRANSLATE)) + "]")

# Skin tones, variation selectors, keycap and tag characters carry no meaning for
# us; a ZWJ plus the following emoji is dropped so a ZWJ sequence folds to its head.
_EMOJI_FOLD_RE = re.compile(
    "[\U0001F3FB-\U0001F3FF\uFE0E\uFE0F\u20E3\U000E0020-\U000E007F]"
    f"|\u200d(?:[{_EMOJI_CLASS}]|{_FLAG})?"
)
_URL_RE = re.compile(r"(?:https?://|ftp://|www\.)[^\s<>\"']*[^\s<>\"'.,;:!?)\]}]")
_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}")
_DOMAIN_RE = re.compile(
    r"(?<![\w@.-])(?:[a-z0-9-]+\.)+"
    r"(?:com|ru|net|org|io|info|biz|su|рф|ua|by|kz|uk|de|me|app|shop|store|online|co)"
    r"(?![\w-])(?:/[^\s<>\"']*[^\s<>\"'.,;:!?)\]}])?"
)
_PHONE_RE = re.compile(
    r"(?<![\w+])(?:"
    r"\+\d[\d\s().-]{6,}\d"  # international: +7 912 345-67-89, +44 20 7946 0958
    r"|\d[\s.-]?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{2}[\s.-]?\d{2}"  # 8 (800) 555-35-35
    r"|\(?\d{3,4}\)?[\s.-]?\d{3}[\s.-]?\d{2}[\s.-]?\d{2}"  # (912) 345-67-89
    r"|\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}"  # 555-123-4567
    r"|\d{3}-\d{2}-\d{2}"  # local 345-67-89
    r")(?!\w)"
)
_NUM_RE = re.compile(r"\d+(?:[.,]\d+)*")
_DIGIT_RE = re.compile(r"[0-9]")  # other digits still become _num_ via the tokenizer
_HIGH_RE = re.compile("[\u200d-\U0010ffff]")
_TLD_RE = re.compile(r"\.(?:com|ru|net|org|io|info|biz|su|рф|ua|by|kz|uk|de|me|app|shop|store|online|co)(?![\w-])")
_EMOTICON_HINT_RE = re.compile(r"[:;=()]")
# ":)" ";-)" "=)" and Russian-style "))" smile; ":(" "((" frown; ":D" grin.
_EMOTICON_RE = re.compile(r"(?<![\w:;=])[:;=]-?(?:(\)+)|(\(+)|(d+)(?!\w))|(\){2,})|(\({2,})")
_SQUEEZE_RE = re.compile(r"([^\W\d_])\1{2,}")
# A Latin letter touching a Cyrillic one (either order) marks a mixed-script word.
_MIXED_RE = re.compile(r"[a-z][\u0430-\u044f]|[\u0430-\u044f][a-z]")
_WORD_RE = re.compile(r"[^\W\d_]+(?:['-][^\W\d_]+)*")
_TOKEN_RE = re.compile(
    r"_(?:url|email|phone|num)_"
    r"|[^\W\d_]+(?:['-][^\W\d_]+)*"
    r"|\d+"
    f"|{_FLAG}"
    f"|[{_EMOJI_CLASS}]"
    r"|[^\w\s]"
)
_LATIN_RE = re.compile(r"[A-Za-z\u00c0-\u024f]")
_CYRILLIC_RE = re.compile(r"[\u0400-\u04ff]")


def _emoticon_to_emoji(m: re.Match) -> str:
    if m.group(1) or m.group(4):
        return " 🙂 "
    if m.group(2) or m.group(5):
        return " 🙁 "
    return " 😀 "


# Look-alike letters after lower-casing (upper-case B, H, M, T look like в, н, м, т).
_LAT_TO_CYR = str.maketrans("aceopxykbhmt", "асеорхукв\u043dмт")
_CYR_TO_LAT = str.maketrans("асеорхукв\u043dмт", "aceopxykbhmt")


def _is_cyrillic(ch: str) -> bool:
    return "\u0400" <= ch <= "\u04ff"


def _is_latin(ch: str) -> bool:
    return ("a" <= ch <= "z") or ("\u00c0" <= ch <= "\u024f" and ch.isalpha())


# ---------------------------------------------------------------------------
# Language detection
# ---------------------------------------------------------------------------


def _to_text(text: Any) -> str:
    """Return ``text`` as a string: None/NaN/NA → "", other scalars → ``str()``."""
    if isinstance(text, str):
        return text
    if text is None:
        return ""
    if isinstance(text, float) and math.isnan(text):
        return ""
    try:  # pandas.NA / NaT / numpy.nan without importing pandas
        if text != text:  # noqa: PLR0124  (NaN-like)
            return ""
    except (TypeError, ValueError):
        return ""
    if isinstance(text, bytes):
        return text.decode("utf-8", errors="replace")
    return str(text)


def detect_language(text: Any) -> str:
    """Return ``"en"``, ``"ru"`` or ``"und"`` by counting Latin vs Cyrillic letters.

    The majority script wins, so a Russian comment naming English brands stays
    Russian. A tie goes to ``"ru"`` (brand names in Latin inside Russian text are far
    more common than the reverse). No Latin or Cyrillic letters → ``"und"``.

    >>> detect_language("Courier was late again")
    'en'
    >>> detect_language("Курьер опоздал, заказ через iPhone")
    'ru'
    >>> detect_language("12345 !!!"), detect_language(None)
    ('und', 'und')
    """
    s = _to_text(text)
    if not s:
        return "und"
    cyr = len(_CYRILLIC_RE.findall(s))
    lat = len(_LATIN_RE.findall(s))
    if cyr == 0 and lat == 0:
        return "und"
    return "ru" if cyr >= lat else "en"


# ---------------------------------------------------------------------------
# Normalisation
# ---------------------------------------------------------------------------


def _repair_mixed_word(word: str, lang: str | None) -> str:
    """Rewrite a word mixing Latin and Cyrillic letters into one script if possible."""
    cyr = sum(1 for c in word if _is_cyrillic(c))
    lat = sum(1 for c in word if "a" <= c <= "z")
    if cyr == 0 or lat == 0:
        return word
    if cyr != lat:
        targets = ("ru", "en") if cyr > lat else ("en", "ru")
    else:
        targets = ("en", "ru") if lang == "en" else ("ru", "en")
    for target in targets:
        fixed = word.translate(_LAT_TO_CYR if target == "ru" else _CYR_TO_LAT)
        if target == "ru" and not any("a" <= c <= "z" for c in fixed):
            return fixed
        if target == "en" and not any(_is_cyrillic(c) for c in fixed):
            return fixed
    return word


def _premask(s: str) -> str:
    """The whole-string part of normalisation (everything but per-word repairs).

    Each step is guarded by a cheap test so that the common comment, which has no
    URL, digit or emoticon, pays only for the tests.
    """
    if s.isascii():
        if "`" in s:
            s = s.replace("`", "'")
    else:
        if _PRE_TRANSLATE_RE.search(s):
            s = s.translate(_PRE_TRANSLATE)
        s = unicodedata.normalize("NFKC", s)
        if _HIGH_RE.search(s):  # Cyrillic and Latin text has nothing to fold
            s = _EMOJI_FOLD_RE.sub("", s).replace("\u200d", "")
    s = s.lower()
    if "ё" in s:
        s = s.replace("ё", "е")
    if "://" in s or "www." in s or "ftp" in s:
        s = _URL_RE.sub(" _url_ ", s)
    if "@" in s:
        s = _EMAIL_RE.sub(" _email_ ", s)
    if "." in s and _TLD_RE.search(s):
        s = _DOMAIN_RE.sub(" _url_ ", s)
    if _EMOTICON_HINT_RE.search(s):
        s = _EMOTICON_RE.sub(_emoticon_to_emoji, s)
    if _DIGIT_RE.search(s):
        s = _PHONE_RE.sub(" _phone_ ", s)
        s = _NUM_RE.sub(" _num_ ", s)
    return s


def _fix_word(word: str, lang: str | None = None) -> str:
    """Per-word repairs: squeeze letter runs of 3+ to 2, fix mixed Latin/Cyrillic."""
    if _SQUEEZE_RE.search(word):
        word = _SQUEEZE_RE.sub(r"\1\1", word)
    if _MIXED_RE.search(word):
        word = _repair_mixed_word(word, lang)
    return word


def normalize(text: Any, lang: str | None = None) -> str:
    """Normalise one comment to a lower-case string with masked spans.

    ``lang`` (``"en"``/``"ru"``), when given, wins over detection where the comment
    language matters: choosing the script of a word typed half in Latin, half in
    Cyrillic when both are equally plausible. None/NaN give ``""``; numbers are
    masked like any number in text.

    >>> normalize("Ёлки!!! Call +7 (912) 345-67-89 or mail a.b@shop.ru, see https://shop.ru/x")
    'елки!!! call _phone_ or mail _email_ , see _url_'
    >>> normalize("Sooooo slooow, ждали ооочень долго 3 дня :)")
    'soo sloow, ждали оочень долго _num_ дня 🙂'
    >>> normalize("👍🏽 ok")
    '👍 ok'
    """
    if lang is not None and lang not in _LANGS:
        raise ValueError(f"unknown language {lang!r}: use 'en', 'ru' or None to detect it")
    s = _to_text(text)
    if not s:
        return ""
    s = _premask(s)
    if _SQUEEZE_RE.search(s) or _MIXED_RE.search(s):
        s = _WORD_RE.sub(lambda m: _fix_word(m.group(), lang), s)
    # Masks are padded with spaces so they never glue to neighbours; collapse them.
    return " ".join(s.split())


# ---------------------------------------------------------------------------
# Tokenisation
# ---------------------------------------------------------------------------


def tokenize(text: Any) -> list[str]:
    """Split text into word, number, placeholder, emoji and punctuation tokens.

    No normalisation happens here (use :func:`normalize` first, as :func:`analyze`
    does); whitespace never appears inside a token.

    >>> tokenize("не работает, don't know _url_ 👍!")
    ['не', 'работает', ',', "don't", 'know', '_url_', '👍', '!']
    """
    return _TOKEN_RE.findall(_to_text(text))


# ---------------------------------------------------------------------------
# Lemmatisers (module-level, loaded once per process, lazily)
# ---------------------------------------------------------------------------

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
    """pymorphy3's most likely normal form, with ё folded like the input."""
    return _morph().parse(word)[0].normal_form.replace("ё", "е")


def _en_lemma(word: str) -> str:
    return _en_lemmas().get(word, word)


def _lemma(word: str) -> str:
    """Lemma of one lower-case word, chosen by the script of its first letter."""
    first = word[0]
    if _is_cyrillic(first):
        return _ru_lemma(word)
    if _is_latin(first):
        return _en_lemma(word)
    return word


# ---------------------------------------------------------------------------
# Negation and stop words
# ---------------------------------------------------------------------------

_EN_NEG_PREFIX = "not_"
_RU_NEG_PREFIX = "не_"
_EN_NEGATORS = {"not", "no", "never", "without", "nor"}
_RU_NEGATORS = {"не", "нет", "нету", "ни", "без", "безо"}
# "n't" forms, with and without the apostrophe, to the verb they negate.
_EN_NT_STEMS = {
    "do": "do", "does": "do", "did": "do", "is": "be", "are": "be", "was": "be",
    "were": "be", "ai": "be", "have": "have", "has": "have", "had": "have",
    "could": "could", "would": "would", "should": "should", "must": "must",
    "need": "need", "might": "might", "ca": "can", "wo": "will", "sha": "shall",
    "dare": "dare",
}  # fmt: skip
_EN_NT_NOAPOS = {
    stem + "nt": lemma for stem, lemma in _EN_NT_STEMS.items() if stem not in {"ca", "wo", "sha", "ai", "dare"}
}
_EN_NT_NOAPOS.update({"cant": "can", "wont": "will", "aint": "be", "cannot": "can"})
_EN_CLITICS = {"'re": "be", "'m": "be", "'ve": "have", "'ll": "will", "'s": None, "'d": None}
# Function words (by lemma) between a negator and the word it negates: they are
# emitted as usual and the negation passes over them to the next content word
# ("not at all helpful" -> not_helpful, "не в восторге" -> не_восторг), at most
# _NEG_WINDOW of them, so a negator never reaches far into the sentence.
_NEG_SKIP = frozenset(
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
_NEG_WINDOW = 3
# Conjunctions start a new clause: they end a pending negation instead of taking it.
_NEG_END = frozenset("and but or nor yet however whereas while и но а или однако зато хотя".split()) - {"nor", "yet"}

_STOP_WORDS: frozenset[str] | None = None


def _stop_words() -> frozenset[str]:
    global _STOP_WORDS
    if _STOP_WORDS is None:
        from spacy.lang.en.stop_words import STOP_WORDS as en_stop
        from spacy.lang.ru.stop_words import STOP_WORDS as ru_stop

        negators = _EN_NEGATORS | _RU_NEGATORS | {"cannot", "n't", "nothing", "none", "nobody"}
        words = {w.lower().replace("ё", "е") for w in (en_stop | ru_stop)}
        _STOP_WORDS = frozenset(words - negators)
    return _STOP_WORDS


def __getattr__(name: str):  # lazy module attribute: importing spaCy costs ~1 s
    if name == "STOP_WORDS":
        return _stop_words()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
    lang : "en", "ru" or None
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
        tok = _fix_word(raw, lang)
        if tok in _EN_NEGATORS:
            return (_NEG, ("not",) if tok in {"not", "nor"} else (tok,), _EN_NEG_PREFIX)
        if tok in _RU_NEGATORS:
            return (_NEG, (tok,), _RU_NEG_PREFIX)
        if tok in _EN_NT_NOAPOS:
            return (_NEG, (_EN_NT_NOAPOS[tok], "not"), _EN_NEG_PREFIX)
        if "'" in tok and _is_latin(tok[0]):
            if tok.endswith("n't"):
                stem = tok[:-3]
                verb = (_EN_NT_STEMS.get(stem) or _en_lemma(stem)) if stem else None
                return (_NEG, (verb, "not") if verb else ("not",), _EN_NEG_PREFIX)
            head, _, tail = tok.partition("'")
            clitic = _EN_CLITICS.get("'" + tail, "")
            if clitic != "" and head:
                lemma = _en_lemma(head)
                if not clitic:
                    return self._word_entry(lemma)
                return (_SKIP, (lemma, clitic))
        return self._word_entry(_lemma(tok))

    def _word_entry(self, lemma: str) -> tuple:
        if self.drop_stop_words and lemma in _stop_words():
            return (_DROP,)
        if lemma in _NEG_SKIP:
            return (_SKIP, (lemma,))
        if lemma in _NEG_END:
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
        if lang is not None and lang not in _LANGS:
            raise ValueError(f"unknown language {lang!r}: use 'en', 'ru' or None to detect it")
        if text.__class__ is not str:
            text = _to_text(text)
        if not text:
            return []
        chunks = _premask(text).split()
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
        if lang is not None and lang not in _LANGS:
            raise ValueError(f"unknown language {lang!r}: use 'en', 'ru' or None to detect it")
        if text.__class__ is not str:
            text = _to_text(text)
        if not text:
            return Tokens.of((), [])
        s = _premask(text)
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
        for tok in _TOKEN_RE.findall(chunk):
            entry = entries.get(tok)
            if entry is None:
                entry = self._entry(tok, lang)
                # lang only matters for a word mixing scripts: don't cache those
                if _MIXED_RE.search(tok):
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
        for chunk in chunks:
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
                    window = _NEG_WINDOW
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
        if langs is None:
            return [self(t) for t in texts]
        texts = list(texts)
        langs = list(langs)
        if len(langs) != len(texts):
            raise ValueError(f"langs has {len(langs)} items but texts has {len(texts)}; give one language per text")
        return [self(t, lang) for t, lang in zip(texts, langs, strict=True)]


class Tokens(list):
    """A comment's tokens (lemmas) that also carries its surface words in ``surface``
    (see :meth:`TextAnalyzer.analyze_with_surface`)."""

    __slots__ = ("surface",)

    @classmethod
    def of(cls, tokens: Iterable[str], surface: list[str]) -> "Tokens":
        """``tokens`` carrying ``surface`` (no Python-level ``__init__``: built per comment)."""
        out = cls(tokens)
        out.surface = surface
        return out


_DEFAULT = TextAnalyzer()


def analyze(text: Any, lang: str | None = None) -> list[str]:
    """Normalise, tokenise, lemmatise and negation-mark one comment.

    >>> analyze("Deliveries were not helpful 👍")
    ['delivery', 'be', 'not', 'not_helpful', '👍']
    >>> analyze("Приложение не работает, курьеры грубят")
    ['приложение', 'не', 'не_работать', 'курьер', 'грубить']
    >>> analyze(None), analyze(float("nan"))
    ([], [])
    """
    return _DEFAULT(text, lang)


def analyze_many(texts: Iterable[Any], langs: Iterable[str | None] | None = None) -> list[list[str]]:
    """Analyse many comments with the shared default analyzer.

    >>> analyze_many(["no issues", "нет проблем"])
    [['no', 'not_issue'], ['нет', 'не_проблема']]
    """
    return _DEFAULT.analyze_many(texts, langs)


def majority_language(texts: "Iterable[Any]", *, sample: int = 2000, default: str = "en") -> str:
    """The most common language (``en``/``ru``) among the comments; ``default`` on a tie or none.

    >>> majority_language(["Курьер опоздал", "Всё отлично, спасибо", "Great service"])
    'ru'
    """
    import pandas as pd

    series = pd.Series(texts, dtype="string").dropna().str.strip()
    series = series[series != ""]
    if len(series) > sample:
        series = series.sample(sample, random_state=0)
    counts = Counter(detect_language(t) for t in series.tolist())
    counts.pop("und", None)
    if not counts:
        return default
    (top, n_top), *rest = counts.most_common()
    if rest and rest[0][1] == n_top:
        return default
    return top if top in ("en", "ru") else default
