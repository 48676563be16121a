"""Normalising and tokenising comments: the first two steps of the text pipeline.

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

The later steps (lemmatising, negation marking) are in ``lemmas`` and ``analyzer``.
"""

from __future__ import annotations

import html
import re
from html.entities import html5
import unicodedata
from typing import Any

from feedback_classifier.lang.detect import is_cyrillic, to_text
from feedback_classifier.lang.registry import LANGUAGES

__all__ = ["PLACEHOLDERS", "check_lang", "comment_as_read", "decode_entities", "drop_invisible", "normalize", "shown_text",
           "tokenize"]

# "und" is what detect_language says of text without letters; callers may pass it back.
_LANG_ARGS = (*LANGUAGES, "und")

#: Tokens that stand for masked spans; each survives :func:`tokenize` as one token.
PLACEHOLDERS = ("_url_", "_email_", "_phone_", "_num_")

# a whole entity only (named, decimal or hex, ending in ";"): "R&D" and "&notice" are text, not entities
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def decode_entities(text: str) -> str:
    """``text`` with its HTML entities read as the characters they stand for.

    Comments exported from web pages and APIs (tweets, help-desk tickets) often come HTML-escaped
    (``lost &amp; found``, ``&lt;3``; some twice: ``&amp;raquo;``); the report escapes what it
    shows, so left as they are they would read ``&amp;`` on the page, and the classifier would
    split ``&amp;`` at its ``;`` into two clauses around a word ``amp``. Only whole entities are
    decoded, twice at most.

    >>> decode_entities("lost &amp; found &lt;3 &#8212; &amp;raquo; R&D &notice &notes;")
    'lost & found <3 \u2014 \xbb R&D &notice &notes;'

    Their line breaks, written as tags (``<br>``, ``<br/>``, ``<p>``), are read as line breaks:
    on the page and in the label app they read as markup, and the classifier took ``br`` for a
    word glued to its neighbours' clauses.

    >>> decode_entities("Late<br>rude courier<BR />&lt;br&gt;bye</p><p>x")
    'Late\\nrude courier\\n\\nbye\\n\\nx'
    """
    for _ in range(2):
        if "&" not in text:
            break
        text = _ENTITY.sub(_entity, text)
    if "<" in text:
        text = _BREAK_TAG.sub("\n", text)
    return text


def comment_as_read(text: str) -> str:
    r"""``text`` as classify, train and the report read it: HTML entities and line-break tags decoded
    (:func:`decode_entities`) and, in a reply by e-mail, what the customer did not write left out:
    quoted lines (``> ...``) and the ``On ... wrote:`` line over them, a ``--`` signature and a
    ``Sent from my iPhone`` line. The quoted message (often the survey's own invitation) had given
    a reply its categories ("> previous message" Spam and too many messages); a comment that is
    nothing but such lines is read whole.

    >>> comment_as_read("On Mon, Support wrote:\n> Rate our manager\nThe app keeps crashing.\n--\nJohn\n"
    ...                 "Sent from my iPhone")
    'The app keeps crashing.'
    >>> comment_as_read("> 2 hours\n>2 hours of waiting")
    '> 2 hours\n>2 hours of waiting'
    """
    text = decode_entities(text)
    if "\n" not in text and "\r" not in text:
        return text
    lines = text.splitlines()
    kept: list[str] = []
    for i, line in enumerate(lines):
        bare = line.strip()
        if bare == "--" and kept and len(lines) - i <= _SIGNATURE_LINES:
            break
        quoted = _QUOTED.match(line) is not None
        attribution = _WROTE.search(bare) and i + 1 < len(lines) and _QUOTED.match(lines[i + 1])
        if quoted or attribution or _SENT_FROM.match(bare):
            continue
        kept.append(line)
    if len(kept) == len(lines) or not any(k.strip() for k in kept):
        return text
    return "\n".join(kept).strip()


# "> " and a word, as mail clients quote (">2 hours", "> 2 hours" are the customer's "more than two hours")
_QUOTED = re.compile(r"\s*>+(?:[ \t]*$|[ \t]+(?=[^\s\d]))")
_SENT_FROM = re.compile(r"(?:sent from my|get outlook for|отправлено (?:с|из)) ", re.IGNORECASE)
_WROTE = re.compile(r"(?:wrote|написал|написала|пишет):$", re.IGNORECASE)
# a signature is a few lines: a "--" with a long text under it is the customer's own separator
_SIGNATURE_LINES = 8


def shown_text(text: str) -> str:
    r"""``text`` as the labeller and the report's reader should read it: as classify reads it (:func:`comment_as_read`, as the
    report quotes it) and with old Mac line ends (a lone ``\r``) as line breaks,
    which a browser draws as nothing ("line two\rline three" read "line twoline three"). Only shown:
    the labels file keeps the comment as written.

    A direction override (U+202D, U+202E) is left out too: in an English or Russian comment it is noise
    or a prank, and the page drew "\u202eThe courier was rude" as "edur saw reiruoc ehT".

    >>> shown_text("late &amp; rude<br>bye\r\nok\rthanks \u202eok")
    'late & rude\nbye\nok\nthanks ok'
    """
    return comment_as_read(text).replace("\r\n", "\n").replace("\r", "\n").translate(_OVERRIDES)


_OVERRIDES = dict.fromkeys((0x202D, 0x202E), None)


# only the tags that stand for a line break: "<3", "<script>" or "a<b" are what the comment says
_BREAK_TAG = re.compile(r"<(?:br|/?p|/div)\s*/?>", re.IGNORECASE)


def _entity(match: re.Match) -> str:
    ref = match.group(0)
    if ref[1] == "#":
        return html.unescape(ref)
    # the whole name or nothing: html.unescape reads "&notes;" as "¬es;" (the legacy "&not")
    return html5.get(ref[1:], ref)


# Regular expressions (compiled once; order of application matters, see normalize)

_EMOJI_CLASS = (
    "\U0001F000-\U0001F1E5\U0001F200-\U0001FAFF"  # pictographs; 1F1E6-1F1FF are flags
    "\u2600-\u27BF\u2B05-\u2B07\u2B1B\u2B1C\u2B50\u2B55"
    "\u231A\u231B\u23E9-\u23FA\u3030\u303D\u3297\u3299"
)
_FLAG = "[\U0001F1E6-\U0001F1FF]{1,2}"

# Characters with no visible effect that split words when copied from web pages or
# messengers (soft hyphen inside "достав\xadка", zero-width spaces, BOM, the direction marks,
# embeddings and isolates that chat apps and RTL editors put around names and pasted text).
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u061c\u180e\u200b\u200c\u200e\u200f\u202a\u202b\u202c\u202d"
                                   "\u202e\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff"), None)


def drop_invisible(text: str) -> str:
    """``text`` without the invisible characters that split its words (as :func:`normalize` reads it).

    >>> drop_invisible("Ку\u2068рьер опо\u00adздал")
    'Курьер опоздал'
    """
    return text.translate(_INVISIBLE)


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
# Every phone form of _PHONE_RE holds such a span (7+ digits, or "+" and 2+, with separators):
# a cheap scan that spares the costly one on most comments with a number.
_PHONE_HINT_RE = re.compile(r"\d[\d\s().+-]{5,}\d")
# ":)" ";-)" "=)" and Russian-style "))" smile; ":(" "((" frown; ":D" grin.
_EMOTICON_RE = re.compile(r"(?<![\w:;=])[:;=]-?(?:(\)+)|(\(+)|(d+)(?!\w))|(\){2,})|(\({2,})")
_SQUEEZE_RE = re.compile(r"([^\W\d_])\1{2,}")
# A Latin letter touching a Cyrillic one (either order) marks a mixed-script word.
MIXED_RE = re.compile(r"[a-z][\u0430-\u044f]|[\u0430-\u044f][a-z]")
_WORD_RE = re.compile(r"[^\W\d_]+(?:['-][^\W\d_]+)*")
TOKEN_RE = re.compile(
    r"_(?:url|email|phone|num)_"
    r"|[^\W\d_]+(?:['-][^\W\d_]+)*"
    r"|\d+"
    f"|{_FLAG}"
    f"|[{_EMOJI_CLASS}]"
    r"|[^\w\s]"
)


def _emoticon_to_emoji(m: re.Match) -> str:
    if m.group(1) or m.group(4):
        return " 🙂 "
    if m.group(2) or m.group(5):
        return " 🙁 "
    return " 😀 "


# Look-alike letters after lower-casing (upper-case B, H, M, T look like в, н, м, т).
_LAT_TO_CYR = str.maketrans("aceopxykbhmt", "асеорхукв\u043dмт")
_CYR_TO_LAT = str.maketrans("асеорхукв\u043dмт", "aceopxykbhmt")


def check_lang(lang: str | None) -> None:
    """Raise ``ValueError`` unless ``lang`` is a known language code, ``"und"`` or None.

    >>> check_lang("ru")
    >>> check_lang("de")
    Traceback (most recent call last):
    ...
    ValueError: unknown language 'de': use 'en', 'ru' or None to detect it
    """
    if lang is not None and lang not in _LANG_ARGS:
        raise ValueError(f"unknown language {lang!r}: use {', '.join(map(repr, LANGUAGES))} or None to detect it")


def _repair_mixed_word(word: str, lang: str | None) -> str:
    """Rewrite a word mixing Latin and Cyrillic letters into one script if possible."""
    cyr = sum(1 for c in word if is_cyrillic(c))
    lat = sum(1 for c in word if "a" <= c <= "z")
    if cyr == 0 or lat == 0:
        return word
    # Targets are scripts (Cyrillic "ru", Latin "en"): the look-alike tables map only these two.
    if cyr != lat:
        targets = ("ru", "en") if cyr > lat else ("en", "ru")
    else:
        targets = ("en", "ru") if lang == "en" else ("ru", "en")
    for target in targets:
        fixed = word.translate(_LAT_TO_CYR if target == "ru" else _CYR_TO_LAT)
        if target == "ru" and not any("a" <= c <= "z" for c in fixed):
            return fixed
        if target == "en" and not any(is_cyrillic(c) for c in fixed):
            return fixed
    return word


def premask(s: str) -> str:
    """The whole-string part of normalisation (everything but per-word repairs).

    >>> premask("Ёлки :) www.shop.ru 8 800 555-35-35")
    'елки  🙂   _url_   _phone_ '

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
    if ":" in s or ";" in s or "=" in s or "))" in s or "((" in s:  # every emoticon has one
        s = _EMOTICON_RE.sub(_emoticon_to_emoji, s)
    if _DIGIT_RE.search(s):
        if _PHONE_HINT_RE.search(s):
            s = _PHONE_RE.sub(" _phone_ ", s)
        s = _NUM_RE.sub(" _num_ ", s)
    return s


def fix_word(word: str, lang: str | None = None) -> str:
    """Per-word repairs: squeeze letter runs of 3+ to 2, fix mixed Latin/Cyrillic.

    >>> fix_word("дооолго"), fix_word("cпасибо")
    ('доолго', 'спасибо')
    """
    if _SQUEEZE_RE.search(word):
        word = _SQUEEZE_RE.sub(r"\1\1", word)
    if MIXED_RE.search(word):
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
    check_lang(lang)
    s = to_text(text)
    if not s:
        return ""
    s = premask(s)
    if _SQUEEZE_RE.search(s) or MIXED_RE.search(s):
        s = _WORD_RE.sub(lambda m: fix_word(m.group(), lang), s)
    # Masks are padded with spaces so they never glue to neighbours; collapse them.
    return " ".join(s.split())


def tokenize(text: Any) -> list[str]:
    """Split text into word, number, placeholder, emoji and punctuation tokens.

    No normalisation happens here (use :func:`normalize` first, as :func:`analyze_text`
    does); whitespace never appears inside a token.

    >>> tokenize("не работает, don't know _url_ 👍!")
    ['не', 'работает', ',', "don't", 'know', '_url_', '👍', '!']
    """
    return TOKEN_RE.findall(to_text(text))


# what a spreadsheet-safe CSV puts a "'" before (``tableio``'s formula guard)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def text_key(text) -> str:
    """The key two comments share when they are "the same text": trimmed, spaces collapsed,
    case folded; the ``'`` a spreadsheet-safe CSV puts before ``=``/``-``/... is ignored.

    >>> text_key("  Late   COURIER ") == text_key("late courier"), text_key("'-5 stars") == text_key("-5 stars")
    (True, True)
    """
    if not isinstance(text, str):
        try:
            missing = text is None or bool(text != text)  # NaN
        except TypeError:  # pd.NA: its comparisons are NA
            missing = True
        if missing:
            return ""
        text = str(text)
    s = " ".join(text.split()).casefold()
    if s[:1] == "'" and s[1:2] in _FORMULA_START:
        s = s[1:]
    return s
