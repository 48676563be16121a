"""Comments written in a language the models do not read.

``detect.detect_language`` counts Latin against Cyrillic letters, so a Ukrainian or Kazakh comment
counts as Russian, a Spanish or German one, or Russian typed in Latin letters ("kurer opozdal"),
as English, and Chinese as no language at all. The models read only English and Russian: on such
comments their categories and polarity are guesses (a German "Der Kurier kam zu spät" came out a
courier *praise*, the Chinese "很好，谢谢", "very good, thanks", a complaint), so ``classify`` puts
them in review and says how many there are.

The checks are cheap on purpose (``classify`` reads tens of thousands of comments a second):
letters of other scripts, the letters Russian lacks (Ukrainian і ї є ґ, Kazakh ә қ ө ...), and
function words no English or Russian comment uses. A comment is only called foreign on evidence:
one Ukrainian city name inside a Russian sentence, or one Spanish dish in an English one, is not.
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np

__all__ = ["LANGUAGE_NAMES", "OTHER_SCRIPTS", "may_be_unread", "rows_per_language", "unread_language", "unread_languages", "warn_unread"]

LANGUAGE_NAMES = {
    "uk": "Ukrainian", "kk": "Kazakh", "be": "Belarusian", "sr": "Serbian or Macedonian",
    "zh": "Chinese", "ja": "Japanese", "ko": "Korean", "ar": "Arabic", "he": "Hebrew", "el": "Greek",
    "ka": "Georgian", "hy": "Armenian", "th": "Thai", "hi": "Hindi", "other": "another script",
    "es": "Spanish", "de": "German", "fr": "French", "it": "Italian", "pt": "Portuguese", "pl": "Polish",
    "tr": "Turkish", "lv": "Latvian", "lt": "Lithuanian", "et": "Estonian", "ru-Latn": "Russian in Latin letters",
}  # fmt: skip

# Scripts no model here has a single word of: (first, last code point, language).
_SCRIPTS = (
    (0x0370, 0x03FF, "el"), (0x0530, 0x058F, "hy"), (0x0590, 0x05FF, "he"), (0x0600, 0x06FF, "ar"),
    (0x0750, 0x077F, "ar"), (0x0900, 0x097F, "hi"), (0x0E00, 0x0E7F, "th"), (0x10A0, 0x10FF, "ka"),
    (0x1100, 0x11FF, "ko"), (0x3040, 0x30FF, "ja"), (0x3400, 0x4DBF, "zh"), (0x4E00, 0x9FFF, "zh"),
    (0xAC00, 0xD7AF, "ko"), (0xF900, 0xFAFF, "zh"), (0x0530, 0x11FF, "other"),
)  # fmt: skip
#: Languages told by their script alone: the models read none of their letters.
OTHER_SCRIPTS = frozenset(code for *_, code in _SCRIPTS) | {"other"}

# Cyrillic letters Russian does not use, by the language that does (Kazakh's first: it also has і).
_CYRILLIC_MARKS = (
    ("kk", frozenset("әғқңөұүһӘҒҚҢӨҰҮҺ")), ("be", frozenset("ўЎ")), ("sr", frozenset("ђјљњћџѓќѕЂЈЉЊЋЏЃЌЅ")),
    ("uk", frozenset("іїєґІЇЄҐ")),
)  # fmt: skip
_UKRAINIAN_WORDS = frozenset(
    "дякую дуже був була було але якщо який яка яке це вже ще щоб мені немає тільки чому також треба можна швидко довго "
    "замовлення".split()
)
_UKRAINIAN_BYTES = frozenset(word.encode() for word in _UKRAINIAN_WORDS)
_MARK_CODES = np.array(sorted(ord(ch) for _, marks in _CYRILLIC_MARKS for ch in marks), dtype=np.uint32)
_SHORT_CYRILLIC = 60  # Cyrillic letters: about ten words
_CYRILLIC_WORD = re.compile(r"[\u0400-\u04ff'’ʼ]+")

# Function words (and thanks) of Latin-script languages, none of them an English word.
_LATIN_WORDS = {
    "es": "el los las y que del es muy pero con por para una estaba está esta fue gracias bueno buena malo mala "
          "nada más mucho tarde llegó comida servicio pedido aplicación",
    "de": "der das und ist sehr nicht mit zu ich ein eine den dem auf für kam aber wir sie danke gut schlecht "
          "nichts immer noch essen wurde spät bestellung",
    "fr": "le les et est très pas avec je une des du pour mais ce c'est il nous merci trop rien livraison "
          "commande était",
    "it": "il della che è molto con una sono ma grazie tutto ordine consegna",
    "pt": "os que é muito não com por para uma mas obrigado obrigada pedido entrega foi",
    "pl": "nie się jest że bardzo ale dziękuję jak już zamówienie dostawa było był",
    "tr": "ve bir çok değil için ama teşekkürler teşekkür ederim sipariş geldi",
    "lv": "un ir ļoti nav paldies ar kas pasūtījums piegāde bija",
    "lt": "ir yra labai ačiū su kad užsakymas pristatymas buvo",
    "et": "ja ei väga aga mul aitäh oli tellimus kohale kõik hea halb",
    "ru-Latn": "vse vsyo vsio ochen ochen' spasibo spasiba ploho plokho horosho khorosho xorosho normalno "
               "kurer kurier' opozdal opozdali opozdanie dostavka dostavki dostavku dostavili zakaz zakaza zakazal "
               "zakazala prilozhenie prilojenie prilozheniye eto bylo byl byla uzhe uzhas uzhasno otlichno tolko "
               "chto shto kogda esli nado nichego pochemu kak luchshe huzhe bystro dolgo medlenno dorogo deshevo "
               "podderzhka podderzhki kachestvo tovar menya mne rabotaet vremya dengi deneg tseny ceny znayu znaju "
               "prishel prishla prishlo",
}  # fmt: skip
_LATIN_LANG: dict[str, list[str]] = {}
for _code, _words in _LATIN_WORDS.items():
    for _word in _words.split():
        _LATIN_LANG.setdefault(_word, []).append(_code)
_FOREIGN_LATIN_BYTES = frozenset(word.encode() for word in _LATIN_LANG)
_ENGLISH = frozenset(
    "the a an and or but is are was were be been am to of in on at for with from by it its this that these i my "
    "me we our you your they their he she his her not no very so too just have has had do did does can could "
    "would will get got all more good bad great thanks thank please there what when why how if as one out up"
    .split()
)
_OTHERS_WORDS = _FOREIGN_LATIN_BYTES | _UKRAINIAN_BYTES
# a letter of another script (``_other_script``) or one Russian does not use (``_CYRILLIC_MARKS``)
_OTHERS_LETTER = re.compile(
    "[\u0370-\u03ff\u0530-\u11ff\u3040-\u9fff\uac00-\ud7af\uf900-\ufaff"
    + "".join(sorted(ch for _, marks in _CYRILLIC_MARKS for ch in marks)) + "]"
)
_SEPARATOR = "\x01"
# ASCII punctuation, digits and symbols split words (an apostrophe stays; bytes of other characters are kept)
_ASCII_SPACES = bytes(c if c >= 0x80 or chr(c).isalpha() or chr(c) in "'\x01" else 0x20 for c in range(256))
_LATIN_WORD = re.compile(r"[a-z\u00c0-\u024f]+(?:['’][a-z]+)?")


def unread_language(text: str) -> str:
    """The code (:data:`LANGUAGE_NAMES`) of the language ``text`` looks written in when it is
    neither English nor Russian; "" when it is one of them, or has too few letters to tell.

    >>> [unread_language(t) for t in ["快递太慢了", "Дякую, дуже швидко", "Курьер кешікті, өте нашар"]]
    ['zh', 'uk', 'kk']
    >>> [unread_language(t) for t in ["Der Kurier kam zu spät", "kurer opozdal, vse ploho", "Ok 👍"]]
    ['de', 'ru-Latn', '']
    >>> [unread_language(t) for t in ["Курьер привёз в Київ вовремя", "Great paella con mariscos"]]
    ['', '']
    """
    return unread_languages([text])[0]


def unread_languages(texts: list[str], analyses: list | None = None) -> list[str]:
    """:func:`unread_language` of each text. Letters are counted for all texts at once, and only
    texts with a letter or word of another language are looked at word by word (English and
    Russian comments cost ~1-2 us each).

    ``analyses``: the texts' batch analyses, in order (``lang.batch.Analysed``, as the classifier
    made them). Then only texts with a word that :func:`may_be_unread` are read again, and their
    words cost a look-up each (a word is asked about once, when first seen): the check on every
    text cost ~10% of ``classify``. The words are the normalised ones the models read, so a foreign
    word inside a link or e-mail address (masked there) is no evidence.
    """
    if not texts:
        return []
    candidates = _candidates(analyses, len(texts))
    if candidates is not None:
        out = [""] * len(texts)
        rows = np.flatnonzero(candidates).tolist()
        for i, lang in zip(rows, unread_languages([texts[i] for i in rows])):
            out[i] = lang
        return out
    out = [""] * len(texts)
    # most comments are plain ASCII (str.isascii is a flag CPython keeps): no letter of another script
    # or of Cyrillic, so they go straight to the word check; the rest have their letters counted
    ascii_ = np.fromiter(map(str.isascii, texts), dtype=bool, count=len(texts))
    rest = np.flatnonzero(~ascii_)
    latin_rows = np.flatnonzero(ascii_)
    if len(rest):
        latin_rows = np.sort(np.concatenate([latin_rows, rest[_not_ascii(texts, rest, out)]]))
    found = _with_word([texts[i] for i in latin_rows.tolist()], _FOREIGN_LATIN_BYTES)
    for i in latin_rows[found].tolist():
        out[i] = _latin_language(_LATIN_WORD.findall(texts[i].lower()))
    return out


def may_be_unread(chunks: list[str]) -> np.ndarray:
    """Per word of a comment as analysed (a whitespace-free chunk, punctuation and all): whether it has a
    letter or is a word that could make :func:`unread_language` call its comment foreign. A comment
    without such a word is English or Russian to it.

    >>> may_be_unread(["courier", "late!", "gracias,", "дякую", "є", "курьер", "快递"]).tolist()
    [False, False, True, True, True, False, True]
    """
    out = _with_word(chunks, _OTHERS_WORDS)
    for k, chunk in enumerate(chunks):
        if not chunk.isascii() and _OTHERS_LETTER.search(chunk):
            out[k] = True
    return out


def _candidates(analyses: list | None, n: int) -> np.ndarray | None:
    """Which of ``n`` texts have a word that :func:`may_be_unread`, from their batch analyses; None
    when there are none or they no longer match the analyzer's tables."""
    if not analyses or sum(a.n_docs for a in analyses) != n:
        return None
    out = []
    for analysed in analyses:
        flags = analysed.source.chunk_flags(analysed, "unread language", may_be_unread)
        if flags is None:
            return None
        seen = np.r_[0, np.cumsum(flags)]
        out.append(seen[analysed.chunk_starts[1:]] > seen[analysed.chunk_starts[:-1]])
    return np.concatenate(out)


def _not_ascii(texts: list[str], rows: np.ndarray, out: list[str]) -> np.ndarray:
    """Of ``texts[rows]`` (none plain ASCII): sets ``out`` for those in another script or a Cyrillic
    language other than Russian, and returns which of ``rows`` are mostly Latin letters (for the word
    check). Letters are counted for all of them at once."""
    chosen = [texts[i] for i in rows.tolist()]
    lengths = np.fromiter(map(len, chosen), dtype=np.int64, count=len(chosen))
    starts = np.cumsum(lengths) - lengths
    cp = np.frombuffer("".join(chosen).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)

    def per_text(mask: np.ndarray) -> np.ndarray:
        return np.where(lengths > 0, np.add.reduceat(np.append(mask, False), starts, dtype=np.int64), 0)

    is_cyrillic = (cp >= 0x400) & (cp <= 0x4FF)
    cyrillic = per_text(is_cyrillic)
    upper = cp & ~np.uint32(0x20)
    latin = per_text(((upper >= 0x41) & (upper <= 0x5A)) | ((cp >= 0xC0) & (cp <= 0x24F)))
    other = per_text(_other_script(cp))
    marks = per_text(is_cyrillic & np.isin(cp, _MARK_CODES))
    for k in np.flatnonzero(other > latin + cyrillic).tolist():
        out[rows[k]] = _script_of(chosen[k])
    read = other <= latin + cyrillic
    ks = np.flatnonzero(read & (cyrillic > 0) & (cyrillic >= latin))
    # Ukrainian words without і, ї, є or ґ are looked for in short comments only: a longer Ukrainian
    # one has one of those letters (і alone is "and"), and the word check is most of the cost here
    short = ks[(marks[ks] == 0) & (cyrillic[ks] <= _SHORT_CYRILLIC)]
    asked = marks[ks] > 0
    asked[np.searchsorted(ks, short)] = _with_word([chosen[k] for k in short.tolist()], _UKRAINIAN_BYTES)
    for k in ks[asked].tolist():
        out[rows[k]] = _cyrillic_language(chosen[k])
    return read & (latin > cyrillic)


def _with_word(texts: list[str], words: frozenset[bytes]) -> np.ndarray:
    """Whether each text has one of ``words`` (lower case, UTF-8). All texts are lowered, encoded and
    split at once (C string methods on bytes): a regex per text cost English comments ~2-4 us each.
    The few words found are then looked up with ``bytes.find``, not token by token in Python."""
    joined = f" {_SEPARATOR} ".join(texts).lower().encode("utf-8", "surrogatepass").translate(_ASCII_SPACES)
    found = words.intersection(joined.split())
    out = np.zeros(len(texts), dtype=bool)
    if not found:
        return out
    joined = b" " + joined + b" "  # every word has a space on both sides: " word " finds each
    separators = np.flatnonzero(np.frombuffer(joined, dtype=np.uint8) == 1)
    for word in found:
        needle, at = b" " + word + b" ", joined.find(b" " + word + b" ")
        while at >= 0:
            out[np.searchsorted(separators, at)] = True
            at = joined.find(needle, at + 1)
    return out


def _other_script(cp: np.ndarray) -> np.ndarray:
    """Whether each code point is a letter of a script in :data:`_SCRIPTS` (or between them)."""
    return (((cp >= 0x370) & (cp < 0x400)) | ((cp >= 0x530) & (cp <= 0x11FF)) | ((cp >= 0x3040) & (cp <= 0x9FFF))
            | ((cp >= 0xAC00) & (cp <= 0xD7AF)) | ((cp >= 0xF900) & (cp <= 0xFAFF)))


def _script_of(text: str) -> str:
    """The language of the commonest other script's letters in ``text``."""
    counts: Counter = Counter()
    for ch in text:
        code = ord(ch)
        for first, last, lang in _SCRIPTS:
            if first <= code <= last:
                counts[lang] += 1
                break
    # Japanese writes kanji too: any kana makes it Japanese
    return "ja" if counts["ja"] else counts.most_common(1)[0][0] if counts else "other"


def _cyrillic_language(text: str) -> str:
    words = _CYRILLIC_WORD.findall(text)
    if not words:
        return ""
    marked: Counter = Counter()
    for word in words:
        lowered = word.lower()
        letters = set(word)
        lang = next((code for code, marks in _CYRILLIC_MARKS if letters & marks), None)
        if lang is None and lowered in _UKRAINIAN_WORDS:
            lang = "uk"
        if lang is not None:
            marked[lang] += 1
    for code in ("kk", "be"):  # both write і too: their words with it alone are theirs
        if marked[code] and marked["uk"]:
            marked[code] += marked.pop("uk")
    return _decided(marked, len(words))


def _latin_language(words: list[str]) -> str:
    english = sum(word in _ENGLISH for word in words)
    marked: Counter = Counter()
    for word in words:
        for lang in _LATIN_LANG.get(word, ()):
            marked[lang] += 1 if len(word) > 2 else 0.5  # "ar", "ir", "el" also abbreviate English words
    if not marked or max(marked.values()) <= english:
        return ""
    return _decided(marked, len(words))


def _decided(marked: Counter, n_words: int) -> str:
    """The language with the most marked words, when they are two or more, or a third of the words
    (a one-word "Дякую!" or "Gracias"): a single name or dish in a longer comment decides nothing."""
    if not marked:
        return ""
    (lang, n), *rest = marked.most_common()
    if rest and rest[0][1] == n:
        return ""
    return lang if n >= 2 or n * 3 >= n_words else ""


def rows_per_language(unread: np.ndarray, rows_per_unique: np.ndarray) -> dict[str, int]:
    """Rows per language code of ``unread`` (one code per distinct comment, "" when read)."""
    found = unread != ""
    if not found.any():
        return {}
    out: dict[str, int] = {}
    for lang, rows in zip(unread[found].tolist(), rows_per_unique[found].tolist()):
        out[lang] = out.get(lang, 0) + int(rows)
    return out


def warn_unread(unread: dict[str, int]) -> None:
    """An ``InputWarning`` per language of ``unread`` (rows per language code): the same line for
    every chunk, so the CLI says each language once."""
    from feedback_classifier.errors import InputWarning, warn

    for lang in sorted(unread):
        said = ("get no sentiment unless a category was found in them" if lang in OTHER_SCRIPTS
                else "their categories and sentiment are guesses")
        warn(InputWarning(
            f"comments that look written in {LANGUAGE_NAMES.get(lang, lang)} are marked needs_review and {said}: "
            "the model reads only English and Russian in Cyrillic letters (README: Known limits)."))
