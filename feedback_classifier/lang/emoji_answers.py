"""Answers made of emoji (or text emoticons) alone: "👍", "😡😡😡", "🔥🔥", ")))".

An optional open question gets many of them. They name no topic, yet they are not junk: the
customer said how they feel. The sentiment model learned a couple of dozen emoji from its
lexicon and reads every other one by its prior, a complaint ("🔥", "🙏", "👏", "✅" were
negative), so the polarity of such an answer is read here, from the table below: an emoji
not in it, or praise and complaint emoji together, is neutral.
"""

from __future__ import annotations

import re

from feedback_classifier.lang.normalization import (
    _EMOJI_CLASS,
    _EMOJI_FOLD_RE,
    _EMOTICON_RE,
    _FLAG,
    _emoticon_to_emoji,
)

# Emoji whose tone needs no context; skin tones and variation selectors are folded away first.
_POSITIVE = frozenset(
    "👍👌👏🙌🙏💪🤝✅✔☑💯🔥⭐🌟✨🎉🥳🏆🥇💖💗💓💞💕💘💝❤♥🧡💛💚💙💜🤍🤎🖤😀😃😄😁😆😊🙂☺😇🥰😍🤩😘😗😙😚😋😎🤗😌👑🆗🆒🆙🌹💐"
)
_NEGATIVE = frozenset(
    "👎❌✖❎⛔🚫💩🤮🤢😡😠🤬👿💢😤😒🙄😞😔😟😕🙁☹😣😖😫😩😢😥😰😨😱😭😪💔🤦🤡🐌🆘"
)
_EMOJI = re.compile(f"[{_EMOJI_CLASS}]|{_FLAG}")
# what may stand between emoji without making the answer a written one (a number says nothing beside
# them: "10 🔥" is a promoter's fire, not a complaint; a score alone is ``lang.junk.rating_answer``'s)
_FILLER = re.compile(r"[\s\d.,;:!?…\-–—*'\"«»()/+%]*")


def emoji_answer_polarity(text: object) -> str | None:
    """The polarity of an answer of emoji or text emoticons alone, numbers aside (``positive``,
    ``negative``, ``neutral``), or None when it holds a letter or no emoji at all.

    >>> [emoji_answer_polarity(t) for t in ("👍", "🔥🔥", "😡😡😡", "👍🏻!", ")))", ":(", "🚚", "👍👎", "❤️", "10 🔥")]
    ['positive', 'positive', 'negative', 'positive', 'positive', 'negative', 'neutral', 'neutral', 'positive', 'positive']
    >>> [emoji_answer_polarity(t) for t in ("ok 👍", "10", "-", "", None, "(((")]
    [None, None, None, None, None, 'negative']
    """
    if not isinstance(text, str) or len(text) > 64 or not text.strip():
        return None
    if any(c.isalpha() for c in text):
        return None
    folded = _folded(text)
    found = _EMOJI.findall(folded)
    if not found or _FILLER.fullmatch(_EMOJI.sub("", folded)) is None:
        return None
    good = sum(e in _POSITIVE for e in found)
    bad = sum(e in _NEGATIVE for e in found)
    if good and not bad:
        return "positive"
    if bad and not good:
        return "negative"
    return "neutral"


def is_emoji_answer(text: object) -> bool:
    """Whether ``text`` is emoji or emoticons alone, numbers aside (``emoji_answer_polarity`` is not None).

    >>> is_emoji_answer("🙂"), is_emoji_answer("-"), is_emoji_answer("Great 🙂")
    (True, False, False)
    """
    return emoji_answer_polarity(text) is not None


def without_emoji(text: str) -> tuple[str, bool]:
    """``(text with its emoji and emoticons taken out, whether it had any)``.

    >>> without_emoji("ok 👍🏻"), without_emoji("Нет :("), without_emoji("late")
    (('ok ', True), ('Нет   ', True), ('late', False))
    """
    folded = _folded(text)
    rest = _EMOJI.sub("", folded)
    return rest, len(rest) != len(folded)


def _folded(text: str) -> str:
    """``text`` with its emoticons as emoji, skin tones, variation selectors and joiners folded away."""
    if ":" in text or ";" in text or "=" in text or "))" in text or "((" in text:  # every emoticon has one
        text = _EMOTICON_RE.sub(_emoticon_to_emoji, text)
    return _EMOJI_FOLD_RE.sub("", text).replace("\u200d", "")
