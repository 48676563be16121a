"""Which script a character is in and which language a comment is written in.

Detection counts letters: Latin ones for English, Cyrillic ones for Russian.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

from feedback_classifier.lang.registry import LANGUAGES

__all__ = ["detect_language", "is_cyrillic", "is_latin", "majority_language", "to_text"]

_LATIN_RE = re.compile(r"[A-Za-z\u00c0-\u024f]")
_CYRILLIC_RE = re.compile(r"[\u0400-\u04ff]")


def is_cyrillic(ch: str) -> bool:
    """Whether the character ``ch`` is a Cyrillic letter (or sign).

    >>> is_cyrillic("ж"), is_cyrillic("z")
    (True, False)
    """
    return "\u0400" <= ch <= "\u04ff"


def is_latin(ch: str) -> bool:
    """Whether the lower-case character ``ch`` is a Latin letter, accented ones included.

    >>> is_latin("é"), is_latin("ж")
    (True, False)
    """
    return ("a" <= ch <= "z") or ("\u00c0" <= ch <= "\u024f" and ch.isalpha())


def to_text(text: Any) -> str:
    """Return ``text`` as a string: None/NaN/NA → "", other scalars → ``str()``.

    >>> to_text(None), to_text(float("nan")), to_text(5), to_text(b"ok")
    ('', '', '5', 'ok')
    """
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
    s = to_text(text)
    if not s:
        return "und"
    cyr = len(_CYRILLIC_RE.findall(s))
    lat = len(_LATIN_RE.findall(s))
    if cyr == 0 and lat == 0:
        return "und"
    return "ru" if cyr >= lat else "en"


def majority_language(texts: Iterable[Any], *, sample: int = 2000, default: str = "en") -> str:
    """The most common language (a code in :data:`LANGUAGES`) among the first ``sample`` comments;
    ``default`` on a tie or none. The first comments, not a random sample: a streamed file knows
    them before the rest, so every command decides the same way on the same data.

    >>> majority_language(["Курьер опоздал", "Всё отлично, спасибо", "Great service"])
    'ru'
    """
    import pandas as pd

    series = pd.Series(texts, dtype="string").dropna().str.strip()
    series = series[series != ""]
    series = series.iloc[:sample]
    counts = Counter(_languages(series.tolist()))
    counts.pop("und", None)
    if not counts:
        return default
    (top, n_top), *rest = counts.most_common()
    if rest and rest[0][1] == n_top:
        return default
    return top if top in LANGUAGES else default


def _languages(texts: list[str]) -> list[str]:
    """``detect_language`` of each text, the letters of all texts counted at once as numpy
    arrays of code points (the same character classes; ~10x faster than two ``findall``
    per text).

    >>> _languages(["Courier was late", "Курьер опоздал", "12 !!", "é ж", ""])
    ['en', 'ru', 'und', 'ru', 'und']
    """
    import numpy as np

    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    starts = np.cumsum(lengths) - lengths
    cp = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)

    def per_text(mask: np.ndarray) -> np.ndarray:  # (a last False: every start indexes the mask)
        counts = np.add.reduceat(np.append(mask, False), starts, dtype=np.int64) if len(starts) else starts
        return np.where(lengths > 0, counts, 0)

    cyr = per_text((cp >= 0x400) & (cp <= 0x4FF))
    upper = cp & ~np.uint32(0x20)  # A-Z and a-z in one range
    lat = per_text(((upper >= 0x41) & (upper <= 0x5A)) | ((cp >= 0xC0) & (cp <= 0x24F)))
    codes = np.where((cyr == 0) & (lat == 0), 0, np.where(cyr >= lat, 1, 2))
    return np.array(["und", "ru", "en"], dtype=object)[codes].tolist()
