"""Answers that say how the customer feels and nothing about what: "TERRIBLE", "all good",
«ужаааас», «всё отлично», "👍", "😡😡😡".

They name no topic, so a category the model gives them is invented from the word's place in its
examples ("terrible" was Defects and damage, "good" Product quality, «плохо» Packaging, "awful"
Website usability); and they are no model miss for the review queue either. Their tone is
real: the sentiment columns keep it. Only general praise and complaint words are listed here:
"slow", "expensive", "rude", «дорого» name their topic and keep it.
"""

from __future__ import annotations

import re

from feedback_classifier.lang.emoji_answers import is_emoji_answer, without_emoji
from feedback_classifier.lang.junk import answer_key, names_nothing, no_opinion_answers

_GENERAL_EN = (
    "good great excellent perfect fine nice amazing awesome wonderful fantastic brilliant superb outstanding "
    "lovely cool super best love loved satisfied happy ok okay bad terrible awful horrible poor worst disgusting "
    "disappointing disappointed unacceptable pathetic useless rubbish crap meh hate hated unhappy dissatisfied"
)
_GENERAL_RU = (
    "хорошо отлично прекрасно замечательно великолепно супер класс классно круто здорово шикарно отличный "
    "хороший нормально норм ок окей доволен довольна довольны плохо ужасно ужас кошмар отвратительно отстой "
    "печально разочарован разочарована недоволен недовольна"
)
GENERAL_OPINION = frozenset((_GENERAL_EN + " " + _GENERAL_RU).split())
# words that only strengthen or spread the tone ("so bad", "all good", «всё очень плохо»)
_INTENSIFIERS = frozenset(
    "very so really just all everything totally absolutely pretty too quite это очень так просто всё все "
    "всем вообще совсем полный полностью".replace("ё", "е").split()
)
# thanks alone is praise of nothing in particular
_THANKS = frozenset({"thanks", "thank", "you", "thx", "спасибо", "благодарю"})
_LONGEST = 40
_SQUEEZE = re.compile(r"([^\W\d_])\1{2,}")


def _known(word: str) -> str | None:
    """``word`` as listed, its letters typed three times or more ("sooooo", «ужаааас») read once or twice."""
    if word in GENERAL_OPINION or word in _INTENSIFIERS:
        return word
    if _SQUEEZE.search(word) is None:
        return None
    for form in (_SQUEEZE.sub(r"\1", word), _SQUEEZE.sub(r"\1\1", word)):
        if form in GENERAL_OPINION or form in _INTENSIFIERS:
            return form
    return None


def is_tone_only(text: object) -> bool:
    """Whether an answer is general praise or complaint words alone (with words that strengthen
    them) or emoji alone: a tone and no topic.

    >>> [is_tone_only(t) for t in ("TERRIBLE", "all good", "Всё отлично!", "ужаааас", "sooooo bad", "👍", "meh")]
    [True, True, True, True, True, True, True]
    >>> [is_tone_only(t) for t in ("ok 👍", "Нет 👎", "n/a 😡", "спасибо", "10 🔥", "Thank you!")]
    [True, True, True, True, True, True]
    >>> [is_tone_only(t) for t in ("slow", "too expensive", "good delivery", "not good", "very", "", None, "-", "😡 доставка")]
    [False, False, False, False, False, False, False, False, False]
    """
    if not isinstance(text, str) or len(text) > _LONGEST:
        return False
    if not text[:1].isalpha():
        if is_emoji_answer(text):
            return True
    elif not _may_be(text):
        return False
    rest, toned = without_emoji(text)
    words = answer_key(rest).split()
    if not (toned or words) or len(words) > 4:
        return False
    fillers = no_opinion_answers().answers
    forms = [_known(w) or (w if w in _THANKS or w in fillers else None) for w in words]
    return all(forms) and (toned or any(f in GENERAL_OPINION or f in _THANKS for f in forms))


def _may_be(text: str) -> bool:
    """False only where ``is_tone_only`` is False, without a regex (``enrich`` asks it of every short
    comment): a first word no list holds ("Courier was late")."""
    first = text.split(None, 1)[0].strip(_TRIM).casefold().replace("ё", "е")
    return bool(_known(first)) or first in _THANKS or first in no_opinion_answers().answers or not first.isalpha()


# what a first word may carry around it ("Great!", "ok,", "«Супер»")
_TRIM = ".,;:!?…-–—_*'\"«»“”„`()"


def tone_only_mask(texts: list) -> list[bool]:
    """``is_tone_only`` of each text.

    >>> tone_only_mask(["great", "Great courier", "🔥"])
    [True, False, True]
    """
    return [is_tone_only(t) for t in texts]


def names_no_topic(texts: list) -> list[bool]:
    """Per answer, whether it names no topic: junk, no opinion or emoji alone (``lang.junk.names_nothing``),
    or general praise or complaint words alone (:func:`is_tone_only`). What ``classify``'s summary and
    ``drivers``' headline count among the answers without a category.

    >>> names_no_topic(["-", "TERRIBLE", "👍", "Courier late", ""])
    [True, True, True, False, False]
    """
    return [nothing or is_tone_only(t) for nothing, t in zip(names_nothing(texts), texts)]
