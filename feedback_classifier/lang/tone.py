"""A small bilingual tone check (praise vs complaint) for choosing report quotes.

Not a sentiment model: a few dozen English and Russian word stems, each +1 or -1, flipped by
a negator up to two words before ("not good", "не понравилось"). It only has to keep a
complaint from being quoted as praise when the table has no ``sentiment`` column.
"""

from __future__ import annotations

import re
from functools import lru_cache

from feedback_classifier.lang.negation import NEGATORS

# stems, matched at the start of a word: "excellen" covers excellent/excellence
_POSITIVE = (
    "good", "great", "excellen", "perfect", "love", "like", "nice", "fast", "quick", "friendl", "polite", "helpful",
    "happy", "satisf", "recommend", "thank", "amazing", "awesome", "best", "easy", "convenient", "fine",
    "хорош", "отличн", "прекрасн", "замечательн", "нрав", "понрав", "быстр", "вежлив", "доброжелат", "приятн",
    "удобн", "спасиб", "рекоменд", "довол", "лучш", "супер", "класс", "молодц", "оператив", "аккуратн",
    "wonderful", "fantastic", "appreciat", "impress", "outstanding", "superb", "delight",
    "благодар", "восторг", "шикарн", "великолепн", "чудесн",
)
_NEGATIVE = (
    "bad", "terrible", "awful", "horrible", "worst", "slow", "late", "rude", "broken", "damag", "never", "wrong",
    "poor", "disappoint", "problem", "issue", "error", "bug", "crash", "expensive", "overpriced", "refund", "lost",
    "missing", "complain", "hate", "unhelpful", "charged twice", "wast", "useless", "cold",
    "плох", "ужас", "отврат", "медлен", "долг", "опозд", "груб", "сломан", "поврежд", "ошиб", "проблем", "дорог",
    "потерял", "не приш", "не достав", "жалоб", "разочаров", "хуж", "бесполез", "холодн", "невежлив", "обман",
    "задерж", "глюч", "вылет", "не работ",
    # requests to put something right and things that vanish are complaints ("Баллы сгорают. Исправьте!")
    "fix", "expire", "исправ", "сгор", "пропада",
    # common service complaints the stems above missed (a delayed or cancelled order, a stuck customer)
    "delay", "cancel", "stuck", "strand", "dirty", "nasty", "frustrat", "annoy", "ridiculous", "unacceptable",
    "pathetic", "glitch", "disgust", "atrocious",
    "отмени", "отмена", "отменен", "отменён", "застрял", "грязн", "бесит", "раздраж", "возмут", "безобраз", "кошмар",
    # colloquial complaints of real tweets that were quoted as praise («валить со сраного МТС… Хороший и
    # дешевый 4g»: "хорош" outweighed them); none starts a praise word ("сран" is not "страна", "сразу")
    "scam", "fraud", "sucks", "shame", "сран", "говн", "отстой", "задолба", "надоел", "позор", "хамств", "хамск",
    "хамил", "хамят", "хамит", "мошенн", "украл", "обокрал", "лохотрон",
    "for nothing", "за ничего",  # "thanks for nothing"
)
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)
_PHRASES = tuple(p for p in _NEGATIVE if " " in p)
_NEG_WORDS = set(NEGATORS) | {"don't", "didn't", "doesn't", "isn't", "wasn't", "won't", "can't", "cannot"}


_NEG_STEMS = tuple(p for p in _NEGATIVE if " " not in p)
_THANKS = ("thank", "спасиб", "благодар")


@lru_cache(maxsize=65536)
def _polarity(word: str) -> int:
    # negative stems first: "unhelpful" must not count as "helpful" (str.startswith takes the
    # whole tuple at C speed; a report's quote picking reads thousands of comments)
    if word.startswith(_NEG_STEMS):
        return -1
    if word.startswith(_POSITIVE):
        return 1
    return 0


def tone_score(text: object) -> int:
    """Praise minus complaint words of ``text`` (negated words count the other way).

    >>> [tone_score(t) for t in ("Great, fast delivery", "Not good at all", "Курьер опоздал, грубый")]
    [2, -1, -2]
    >>> [tone_score(t) for t in ("Всё понравилось, спасибо", "не понравилось", "order 15")]
    [2, -1, 0]
    >>> tone_score("Собираюсь валить со сраного МТС, сраный номер. Что нужно - хороший 4g")
    -1
    >>> [tone_score(t) for t in ("Thanks for nothing", "Thank you for wasting my time", "Спасибо, всё быстро")]
    [-1, -1, 2]
    """
    if not isinstance(text, str):
        return 0
    lower = text.casefold()
    negative = sum(lower.count(p) for p in _PHRASES)
    positive = thanks = 0
    words = _WORD.findall(lower)
    for i, word in enumerate(words):
        polarity = _polarity(word)
        if polarity and any(w in _NEG_WORDS for w in words[max(0, i - 2):i]):
            polarity = -polarity
        if polarity > 0:
            positive += 1
            thanks += word.startswith(_THANKS)
        elif polarity < 0:
            negative += 1
    # beside a complaint, thanks are sarcasm or politeness, not praise ("Thank you for wasting my time",
    # "Great, another delay. Thanks a lot": quoted as praise from airline tweets)
    return positive - (thanks if negative else 0) - negative
