"""Answers that only name a topic: "price", «цена», "delivery", «доставка и упаковка».

An optional open question gets many. They name what the customer had in mind, not how they
felt about it, yet the sentiment model gave each the lean its word has in its examples
("delivery" praise, «доставка» a complaint, "price" both at once, under two subcategories).
They keep their category and are neutral (``model/tones.py``). Only plain topic nouns are
listed: words that carry a complaint alone ("delay", "spam", "queues", "bugs") are not.
"""

from __future__ import annotations

from feedback_classifier.lang.junk import answer_key

_TOPICS_EN = (
    "price prices pricing cost costs delivery deliveries shipping shipment courier couriers driver packaging package "
    "packages parcel parcels order orders tracking app application website site web support service services staff "
    "personnel manager managers operator operators quality product products goods assortment range selection refund "
    "refunds return returns exchange warranty payment payments billing invoice bonus bonuses loyalty discount "
    "discounts promo promos promotions store shop branch checkout search account login notifications communication"
)
_TOPICS_RU = (
    "цена цены цене ценник ценники стоимость доставка доставки курьер курьеры курьера упаковка заказ заказы "
    "отслеживание приложение сайт поддержка сервис обслуживание персонал менеджер менеджеры оператор операторы "
    "качество товар товары ассортимент выбор возврат возвраты обмен гарантия оплата платеж платежи бонусы бонус "
    "скидки скидка акции акция промокод промокоды магазин отделение поиск аккаунт уведомления"
)
TOPIC_WORDS = frozenset((_TOPICS_EN + " " + _TOPICS_RU).split())
# words that may join two topics without saying anything of them
_JOINERS = frozenset({"and", "or", "и", "или", "&", "/", "+"})
# an answer longer than this is a sentence, not a list of topics
_LONGEST = 40


def is_bare_topic(text: object) -> bool:
    """Whether an answer is one to three topic nouns and nothing else (case, "ё", punctuation
    but "!" folded away: "PRICE!!!" shouts, so it keeps the model's reading).

    >>> [is_bare_topic(t) for t in ("price", "Цена.", "delivery", "доставка и упаковка", "Price, quality")]
    [True, True, True, True, True]
    >>> [is_bare_topic(t) for t in ("high price", "дорогая доставка", "PRICE!!!", "delay", "", None, "ok")]
    [False, False, False, False, False, False, False]
    """
    if not isinstance(text, str) or len(text) > _LONGEST or "!" in text:
        return False
    # most answers are settled by their first word, without a regex
    first = text.split(None, 1)[0].strip(".,;:?…-–—_*'\"«»“”„`/&+").casefold().replace("ё", "е") if text.strip() else ""
    if first.isalpha() and first not in TOPIC_WORDS and first not in _JOINERS:
        return False  # answer_key's first word would be this one
    words = [w for w in answer_key(text).replace("/", " / ").split() if w not in _JOINERS]
    return 0 < len(words) <= 3 and all(w in TOPIC_WORDS for w in words)


def bare_topic_mask(texts: list) -> list[bool]:
    """``is_bare_topic`` of each text, the cheap length test first (``enrich`` asks it of every comment).

    >>> bare_topic_mask(["цена", "The courier was late and rude", "app"])
    [True, False, True]
    """
    return [isinstance(t, str) and len(t) <= _LONGEST and is_bare_topic(t) for t in texts]


def bare_word(text: object) -> str | None:
    """The lemma of an answer that is one topic noun and nothing else, else None.

    >>> [bare_word(t) for t in ("Prices.", "курьера", "app", "price, quality", "high price", 3)]
    ['price', 'курьер', 'app', None, None, None]
    """
    if not isinstance(text, str) or len(text) > _LONGEST or not is_bare_topic(text):
        return None
    words = answer_key(text).split()
    if len(words) != 1:
        return None
    from feedback_classifier.lang.lemmas import lemmatize

    return lemmatize(words[0])
