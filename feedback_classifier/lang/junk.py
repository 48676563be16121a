"""Junk answers (keyboard mashes, digits or punctuation only) and answers that state no opinion.

Junk is not feedback a human needs to read as a misclassification, so the router lists
it apart from the review queue (it would otherwise sit among the model's real misses).
No-opinion answers ("n/a", "nothing to add", "нечего сказать", "-") are neutral, whatever
the sentiment model makes of their words (``model/tones.py``).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import NamedTuple

from feedback_classifier.lang.emoji_answers import is_emoji_answer

# runs of neighbouring keys on QWERTY and ЙЦУКЕН keyboards, the usual mashes
_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "йцукенгшщзхъ", "фывапролджэ", "ячсмитьбю", "1234567890")
# every run of 3+ neighbouring keys, both directions: one set look-up per word
_KEY_RUNS = frozenset(r[a:b] for row in _ROWS for r in (row, row[::-1])
                      for a in range(len(r)) for b in range(a + 3, len(r) + 1))
_VOWELS = set("aeiouyаеёиоуыэюя")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# the first word and, if any, the first letter after it: what decides most answers, in one search
_FIRST_WORD = re.compile(r"([^\W\d_]+)(?:[\W\d_]*([^\W\d_]))?", re.UNICODE)
# a number as a spreadsheet shows a big one ("1.23E+05"): its "e" is no word
_E_NUMBER = re.compile(r"\s*[-+]?\d+(?:[.,]\d+)?[eE][-+]?\d+\s*")
# one letter, alone or with a full stop or exclamation ("A+", "5 a" say something)
_ONE_LETTER = re.compile(r"\s*[^\W\d_][\s.,!?…]*")


def is_junk(text: object) -> bool:
    """Whether a non-empty answer carries no words: only digits/punctuation, a keyboard mash,
    one letter, or letters without a vowel (an empty answer is not junk: it is no answer).

    >>> [is_junk(t) for t in ("asdf", "123", "фыва", "!!!", "qwerty 123", "sdfghj", "1.23E+05", "a", "Ъ.", "ываыва")]
    [True, True, True, True, True, True, True, True, True, True]
    >>> [is_junk(t) for t in ("ok", "Fast delivery", "все хорошо", "5 stars", "", "нет", "why", "😡😡😡", ")))")]
    [False, False, False, False, False, False, False, False, False]
    """
    if not isinstance(text, str):
        return False
    # ``enrich`` asks this of every comment: a real one is settled by its first two words (a
    # word that is no key run, and a letter after it), one regex search.
    first = _FIRST_WORD.search(text)
    if first is None:
        # digits, punctuation, emoji-free symbols only (blank: no answer; emoji alone carry tone)
        return bool(text.strip()) and not is_emoji_answer(text)
    word = first.group(1).casefold()
    if word == "e" and _E_NUMBER.fullmatch(text):
        return True
    if word in _KEY_RUNS:
        return all(w.casefold() in _KEY_RUNS for w in _WORD.findall(text, first.end(1)))
    if first.group(2) is not None:
        return False
    if len(word) == 1 and _ONE_LETTER.fullmatch(text):
        return True  # "a", "ъ", "x.": no word, yet the model gave "a" Defects and damage ("A+" is a grade)
    # one long word without a vowel ("sdfgh", "ggggggg") is a mash, short ones may be words
    return len(word) >= 5 and (not _VOWELS & set(word) or len(set(word)) == 1) or _repeated_run(word)


def _repeated_run(word: str) -> bool:
    """Whether ``word`` is a key run typed over and over ("ываыва", "asdasdasd"): a mash the
    run test misses, whose vowels pass the vowel test (the model called "ываыва" a complaint).

    >>> [_repeated_run(w) for w in ("ываыва", "asdasdas", "фывфыв", "dfgdfg", "tartar", "ывaыва", "ываы")]
    [True, True, True, True, False, False, False]
    """
    n = len(word)
    return n >= 5 and any(word[:k] in _KEY_RUNS and word == (word[:k] * (n // k + 1))[:n] for k in range(3, n // 2 + 1))


# Answers that state no opinion, both languages (one per line: the list is data, not code).
NO_OPINION_FILE = Path(__file__).resolve().parents[1] / "data" / "no_opinion_answers.csv"
# Answers longer than this are never looked up: the longest listed answer has 24 characters,
# and 40 leave room for combinations ("No further comments at this time, thanks").
_LONGEST = 40
# Punctuation, dashes and quotes an answer is compared without; brackets stay (")))", ":(" are tone).
_MARKS = ".,;:!?…-–—_*'\"«»“”„`"
_FILLER_MARKS = re.compile(r"[\s" + re.escape(_MARKS) + "]+")
_ALNUM = re.compile(r"[^\W_]+(?: [^\W_]+)*", re.UNICODE)
_lists: NoOpinionAnswers | None = None


class NoOpinionAnswers(NamedTuple):
    """The listed no-opinion answers (``answer_key`` of each); the words an answer may be
    made of (those of the answers marked ``combine``: "nothing else to add" is listed answers'
    words in another order; "ok" is not combined: "all ok" is mild praise, "not ok" a
    complaint); and the words such an answer starts with, the one-word answers ("nothing",
    "нет": "thank you" alone is no such answer, "thanks, nothing" is not caught)."""

    answers: frozenset
    words: frozenset
    core: frozenset
    starts: frozenset  # the first two words of every answer of two words or more

    @classmethod
    def of(cls, rows) -> NoOpinionAnswers:
        """The lists from ``(answer, combine)`` rows.

        >>> NoOpinionAnswers.of([("Nothing to add", True), ("OK", False)]).answers == {"nothing to add", "ok"}
        True
        """
        keyed = [(answer_key(answer), combine) for answer, combine in rows]
        return cls(frozenset(key for key, _ in keyed), frozenset(w for key, combine in keyed if combine for w in key.split()),
                   frozenset(key for key, combine in keyed if combine and key and " " not in key),
                   frozenset(tuple(key.split()[:2]) for key, _ in keyed if key.count(" ")))


def answer_key(text: str) -> str:
    """The form two spellings of one short answer share: case, "ё", punctuation, dashes and
    spacing folded away.

    >>> answer_key("  No  comment!! "), answer_key("Без комментариев..."), answer_key("Всё."), answer_key("—")
    ('no comment', 'без комментариев', 'все', '')
    """
    return _FILLER_MARKS.sub(" ", text.casefold().replace("ё", "е")).strip()


def no_opinion_answers() -> NoOpinionAnswers:
    """The listed no-opinion answers of both languages (``data/no_opinion_answers.csv``).

    >>> lists = no_opinion_answers()
    >>> {"n/a", "нечего сказать", "ok"} <= lists.answers, "nothing" in lists.words, "ok" in lists.words
    (True, True, False)
    >>> sorted(lists.core)[:4]
    ['idk', 'n/a', 'na', 'nada']
    """
    global _lists
    if _lists is None:
        with NO_OPINION_FILE.open(encoding="utf-8", newline="") as f:
            _lists = NoOpinionAnswers.of((row["answer"], row["combine"] == "yes") for row in csv.DictReader(f))
    return _lists


def is_no_opinion(text: object) -> bool:
    """Whether an answer states no opinion: a listed filler answer in any spelling
    (``answer_key``) or words of listed answers only, starting with a one-word one ("nothing
    else to add", "нечего добавить, спасибо"), punctuation only, or a keyboard mash or number (``is_junk``). Emoji and
    emoticons carry tone, so an answer with them is never one; nor is a blank one (no answer).

    >>> [is_no_opinion(t) for t in ("N/A", "Nothing else to add.", "нечего сказать!", "-", "asdf", "42")]
    [True, True, True, True, True, True]
    >>> [is_no_opinion(t) for t in ("👍", ":(", ")))", "all good", "всё ок", "not ok", "Thanks!", "no, it was late", "")]
    [False, False, False, False, False, False, False, False, False]
    """
    if not isinstance(text, str) or len(text) > _LONGEST:
        return False
    key = answer_key(text)
    if not key:
        return bool(text.strip())
    lists = no_opinion_answers()
    if key in lists.answers:
        return True
    words = key.split()
    if words[0] in lists.core and all(w in lists.words for w in words):
        return True
    if len(words) > 1 and words[0].isalpha() and words[1].isalpha() and words[0] not in _KEY_RUNS:
        return False  # what ``is_junk`` would say (two words, the first no key run), without its regexes
    return _ALNUM.fullmatch(key) is not None and is_junk(key)


def no_opinion_mask(texts: list) -> list[bool]:
    """``is_no_opinion`` of each text (what ``enrich`` asks of a chunk's distinct comments).

    >>> no_opinion_mask(["ok", "Great service", "Н/Д", "qwerty", "Nothing, thanks"])
    [True, False, True, True, True]
    """
    return [isinstance(t, str) and _states_no_opinion(t) for t in texts]


# A score written as the answer: "10/10", "9 из 10", "8 out of 10", "5 stars", «5 звёзд», "4*", "⭐⭐⭐⭐⭐", "+"
_RATING = re.compile(
    r"\s*(?:(\d{1,2}(?:[.,]5)?)\s*(?:/|из|out\s+of|of)\s*(5|10)|(\d(?:[.,]5)?)\s*(?:stars?|зв[её]зд[аы]?|\*|⭐)"
    r"|(⭐{1,5})|(\+{1,5}))\s*[.!)]*\s*",
    re.IGNORECASE,
)


def rating_answer(text: object) -> float | None:
    """The share of its scale an answer that is only a score gives (1.0 for "10/10" or "5 stars"), else None.

    >>> [rating_answer(t) for t in ("10/10", "9 из 10", "2 out of 10", "5 stars", "3 звезды", "⭐⭐⭐⭐", "+", "+++")]
    [1.0, 0.9, 0.2, 1.0, 0.6, 0.8, 1.0, 1.0]
    >>> [rating_answer(t) for t in ("10", "11/10 courier", "24/7 support", "12/10", "1 star for the courier")]
    [None, None, None, None, None]
    """
    if not isinstance(text, str) or len(text) > 24:
        return None
    found = _RATING.fullmatch(text)
    if found is None:
        return None
    scored, scale, stars, symbols = found.group(1), found.group(2), found.group(3), found.group(4)
    if found.group(5):  # "+" answers agree, approve: a Russian survey's "all fine"
        return 1.0
    if symbols:
        return len(symbols) / 5
    value, top = (float(scored.replace(",", ".")), float(scale)) if scored else (float(stars.replace(",", ".")), 5.0)
    return value / top if 0 <= value <= top else None


def names_nothing(texts: list) -> list[bool]:
    """Per text, whether it is junk (``is_junk``), states no opinion (``is_no_opinion``) or is
    emoji alone (``is_emoji_answer``): an answer that names no topic, so it gets no category and
    no place in the review queue (the router lists it apart).

    >>> names_nothing(["'+", "N/A", "asdf", "Late delivery", None, "👍"])
    [True, True, True, False, False, True]
    """
    # a score as the answer names no topic either ("10 из 10" was tagged Discounts and promotions)
    return [_names_nothing(t) or (t[:1].isdigit() or t[:1] in "⭐+") and rating_answer(t) is not None
            or not t[:1].isalpha() and is_emoji_answer(t)
            if isinstance(t, str) else False for t in texts]


# a comment's first two words are read within this many characters (the rest is never copied)
_HEAD = 48
# marks a first word may end with ("Food," "late."): none is a word character
_TRAIL = ".,!?;:…"


def _names_nothing(text: object) -> bool:
    """``is_junk(text) or is_no_opinion(text)``; most comments are settled without a regex: a
    first word of letters (but the marks ``_TRAIL`` after it) that is no key run, and a second
    word starting with a letter, is what ``is_junk``'s search would find first, and then a
    letter after it: no junk. An answer longer than ``_LONGEST`` then states no opinion either."""
    if not isinstance(text, str):
        return False
    words = text[:_HEAD].split(None, 2)
    if len(words) >= 2 and words[1][:1].isalpha():
        core = words[0].rstrip(_TRAIL)
        if core.isalpha() and core.casefold() not in _KEY_RUNS:
            return _states_no_opinion(text)
    return is_junk(text) or _states_no_opinion(text)


def _states_no_opinion(text: str) -> bool:
    """``is_no_opinion(text)``, the cheap tests first (length, then the first two words)."""
    return len(text) <= _LONGEST and _may_be_no_opinion(text) and is_no_opinion(text)


def _may_be_no_opinion(text: str) -> bool:
    """False only where ``is_no_opinion`` is False, at a fraction of its cost (``enrich`` asks
    it of every short comment; no regex): two words of letters first that start no listed
    answer, no answer made of listed words and no keyboard mash settle it.

    >>> [_may_be_no_opinion(t) for t in ("Great service", "great", "42", "Nothing, thanks", "I know", "I don't know")]
    [False, True, True, True, False, True]
    """
    words = text.casefold().replace("ё", "е").replace("'", " ").split(None, 2)
    if len(words) < 2:
        return True
    first, second = words[0].strip(_MARKS), words[1].strip(_MARKS)
    if not (first.isalpha() and second.isalpha()) or first in _KEY_RUNS:
        return True
    lists = no_opinion_answers()
    return (first, second) in lists.starts or (first in lists.core and second in lists.words)
