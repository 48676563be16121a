"""Junk answers: keyboard mashes ("asdf", "фыва", "qwerty"), digits or punctuation only.

They are not feedback a human needs to read as a misclassification, so the router lists
them apart from the review queue (they would otherwise sit among the model's real misses).
"""

from __future__ import annotations

import re

# runs of neighbouring keys on QWERTY and ЙЦУКЕН keyboards, the usual mashes
_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "йцукенгшщзхъ", "фывапролджэ", "ячсмитьбю", "1234567890")
# every run of 3+ neighbouring keys, both directions: one set look-up per word
_KEY_RUNS = frozenset(r[a:b] for row in _ROWS for r in (row, row[::-1])
                      for a in range(len(r)) for b in range(a + 3, len(r) + 1))
_VOWELS = set("aeiouyаеёиоуыэюя")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def _is_key_run(word: str) -> bool:
    """A word of 3+ letters typed along one keyboard row (either direction).

    >>> [_is_key_run(w) for w in ("qwe", "ewq", "qw", "qwr", "лдж")]
    [True, True, False, False, True]
    """
    return word in _KEY_RUNS


def is_junk(text: object) -> bool:
    """Whether a non-empty answer carries no words: only digits/punctuation, a keyboard mash,
    or letters without a vowel (an empty answer is not junk: it is no answer).

    >>> [is_junk(t) for t in ("asdf", "123", "фыва", "!!!", "qwerty 123", "sdfghj")]
    [True, True, True, True, True, True]
    >>> [is_junk(t) for t in ("ok", "Fast delivery", "все хорошо", "5 stars", "", "нет", "why")]
    [False, False, False, False, False, False, False]
    """
    if not isinstance(text, str):
        return False
    # ``enrich`` asks this of every comment: a real one is settled by its first two words (a
    # word that is no key run, and another word after it), two regex searches.
    first = _WORD.search(text)
    if first is None:
        return bool(text.strip())  # digits, punctuation, emoji-free symbols only (blank: no answer)
    word = first.group().casefold()
    if word in _KEY_RUNS:
        return all(w.casefold() in _KEY_RUNS for w in _WORD.findall(text, first.end()))
    if _WORD.search(text, first.end()) is not None:
        return False
    # one long word without a vowel ("sdfgh", "ggggggg") is a mash, short ones may be words
    return len(word) >= 5 and (not _VOWELS & set(word) or len(set(word)) == 1)
