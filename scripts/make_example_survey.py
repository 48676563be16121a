"""Generate feedback_classifier/data/example_survey.csv, the example survey export used by the README.

    python scripts/make_example_survey.py                       # rewrites the bundled file
    python scripts/make_example_survey.py --out out.csv --truth truth.csv

Deterministic: a fixed seed and only the standard library's ``random.Random``, so the same
Python gives byte-identical output (tests/test_bundled_data.py checks this).

The comments are built from a hand-written pool of complaint/praise clauses per category
(``PHRASES`` below, English and Russian, written separately from the training examples in
``cx_default_examples.csv``), combined into 1-3 clause comments, plus hand-written standalone
comments (``STANDALONE``), generic no-topic remarks, and junk. ``--truth`` writes the hidden
ground truth (``response_id, true_labels, true_sentiment``) for evaluating the classifier and
the drivers analysis; the bundled CSV itself carries no labels.

Planted structure (machine-readable copy in ``PLANTED``; tests check the generated data has it,
and an analysis of this file should find it):

* Columns: response_id, submitted_at (2024-01-01 .. 2024-08-31, ~8 months), region, channel
  (web, app, store, call centre), nps (0-10; ~1% missing or invalid: "", "n/a", "11", "-1"),
  comment.
* Language follows region: Moscow, St Petersburg, Kazan, Novosibirsk, Yekaterinburg write ~93%
  Russian; London, Manchester, Dublin, Berlin, Amsterdam ~93% English; about 50/50 overall.
* NPS drivers: nps = round(9.0 + sum of topic effects + N(0, 1.3)) clipped to 0..10, where each
  mentioned topic adds its effect (``EFFECTS``). Strongest detractor drivers:
  Returns > Refund delay (complaint) -3.5, Delivery > Delivery time (complaint) -3.0,
  Payment > Payment failures -2.5, Service > Response speed (complaint) -2.0, Defects -2.0,
  Billing errors -2.0, Bugs -1.5. Prices are only mildly negative: Too expensive -1.0 (close to
  the average complaint, so its raw with/without NPS gap is small; the regression sees it).
  Spam and advertising barely matter (-0.3). Praise pushes up: Staff politeness +1.5,
  Store staff +1.5, Staff competence +1.2, fast delivery +1.0, quality +1.0; other praise +0.8,
  other complaints -1.2.
* Trend: app release 5.0 on 2024-05-06. From then to the end of June, Website and app > Bugs
  and errors gets 6x the topic weight in the app channel (2x on the web); in July 2.5x in the
  app; baseline in August. Measured (seed below): bug mentions in app responses ~2-4% a month
  in Jan-Apr, 13% in May, 24% in June, 10% in July, 5% in August; all channels 2-3% -> 8-10%.
* Segment: Kazan changed its delivery contractor: Delivery time gets 4x the topic weight there
  (all months) and 92% of those mentions are complaints (75% elsewhere). Measured: ~20% of
  Kazan responses mention delivery time vs ~10% elsewhere, with a much lower NPS.
* Channel: store respondents talk about Store / branch topics (5x) and rarely about the
  website/app (0.15x); web/app respondents rarely about the store (0.2x); call-centre
  respondents talk about Support communication and Response speed 3x as often.
* Junk: ~5% empty comments, ~2.5% junk ("-", "нет", "...", "asdf", numbers, "???"), ~7%
  generic remarks with no category, ~1% with a URL, e-mail or phone number, a few very long
  comments (5-8 sentences), emoji, some all-lowercase/no punctuation, a few ALL CAPS.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
from datetime import datetime, timedelta
from pathlib import Path

SEED = 20240906
N_RESPONSES = 2400
START = datetime(2024, 1, 1)
END = datetime(2024, 9, 1)  # exclusive
RELEASE = datetime(2024, 5, 6)  # app 5.0: the bug spike starts here
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "feedback_classifier" / "data" / "example_survey.csv"
COLUMNS = ["response_id", "submitted_at", "region", "channel", "nps", "comment"]

PARENT_OF = {
    "quality": "product", "defects": "product", "assortment": "product", "description_mismatch": "product",
    "too_expensive": "price", "value_for_money": "price", "price_changes": "price",
    "support_communication": "service", "manager_interaction": "service", "staff_competence": "service",
    "staff_politeness": "service", "response_speed": "service",
    "delivery_time": "delivery", "courier": "delivery", "packaging": "delivery", "tracking": "delivery",
    "delivery_cost": "delivery",
    "return_process": "returns", "refund_delay": "returns", "exchange_warranty": "returns",
    "usability": "digital", "bugs": "digital", "search": "digital", "checkout": "digital",
    "account_login": "digital",
    "payment_methods": "payment", "payment_failures": "payment", "billing_errors": "payment",
    "spam": "communication", "order_notifications": "communication", "advertising": "communication",
    "bonus_program": "loyalty", "discounts_promotions": "loyalty", "promo_codes": "loyalty",
    "queues": "store", "cleanliness_atmosphere": "store", "location_hours": "store", "store_staff": "store",
}
STORE_TOPICS = {c for c, p in PARENT_OF.items() if p == "store"}
DIGITAL_TOPICS = {c for c, p in PARENT_OF.items() if p == "digital"}

# How often each topic comes up (relative weight) and the share of mentions that are complaints.
WEIGHT = {
    "delivery_time": 10, "courier": 4, "packaging": 3, "tracking": 3, "delivery_cost": 3,
    "quality": 7, "defects": 4, "assortment": 4, "description_mismatch": 3,
    "too_expensive": 7, "value_for_money": 4, "price_changes": 3,
    "support_communication": 5, "manager_interaction": 1.5, "staff_competence": 3,
    "staff_politeness": 5, "response_speed": 4,
    "return_process": 3, "refund_delay": 4, "exchange_warranty": 2,
    "usability": 3, "bugs": 3, "search": 2, "checkout": 2, "account_login": 2,
    "payment_methods": 2, "payment_failures": 3, "billing_errors": 2,
    "spam": 3, "order_notifications": 2, "advertising": 1.5,
    "bonus_program": 3, "discounts_promotions": 3, "promo_codes": 2,
    "queues": 3, "cleanliness_atmosphere": 2, "location_hours": 2, "store_staff": 3,
}
P_COMPLAINT = {
    "delivery_time": 0.75, "courier": 0.6, "packaging": 0.7, "tracking": 0.8, "delivery_cost": 0.85,
    "quality": 0.45, "defects": 1.0, "assortment": 0.7, "description_mismatch": 1.0,
    "too_expensive": 1.0, "value_for_money": 0.4, "price_changes": 1.0,
    "support_communication": 0.6, "manager_interaction": 0.5, "staff_competence": 0.5,
    "staff_politeness": 0.25, "response_speed": 0.75,
    "return_process": 0.55, "refund_delay": 0.9, "exchange_warranty": 0.7,
    "usability": 0.55, "bugs": 1.0, "search": 0.7, "checkout": 0.6, "account_login": 1.0,
    "payment_methods": 0.6, "payment_failures": 1.0, "billing_errors": 1.0,
    "spam": 1.0, "order_notifications": 0.6, "advertising": 1.0,
    "bonus_program": 0.55, "discounts_promotions": 0.4, "promo_codes": 0.6,
    "queues": 0.85, "cleanliness_atmosphere": 0.4, "location_hours": 0.6, "store_staff": 0.35,
}
# NPS points added when a topic is mentioned as a complaint ("-") or as praise ("+").
EFFECTS = {
    ("refund_delay", "-"): -3.5, ("delivery_time", "-"): -3.0, ("payment_failures", "-"): -2.5,
    ("response_speed", "-"): -2.0, ("defects", "-"): -2.0, ("billing_errors", "-"): -2.0,
    ("bugs", "-"): -1.5, ("too_expensive", "-"): -1.0, ("spam", "-"): -0.3, ("advertising", "-"): -0.3,
    ("staff_politeness", "+"): 1.5, ("store_staff", "+"): 1.5, ("staff_competence", "+"): 1.2,
    ("delivery_time", "+"): 1.0, ("quality", "+"): 1.0,
}
DEFAULT_EFFECT = {"-": -1.2, "+": 0.8}
NPS_BASE, NPS_NOISE = 9.0, 1.3

REGIONS = {  # region: (weight, share of Russian comments)
    "Moscow": (22, 0.93), "St Petersburg": (12, 0.93), "Kazan": (9, 0.93), "Novosibirsk": (5, 0.93),
    "Yekaterinburg": (5, 0.93), "London": (17, 0.07), "Manchester": (8, 0.07), "Dublin": (5, 0.07),
    "Berlin": (10, 0.07), "Amsterdam": (7, 0.07),
}
CHANNELS = {"web": 30, "app": 35, "store": 25, "call centre": 10}

PLANTED = {
    "strong_negative_drivers": ["refund_delay", "delivery_time", "payment_failures"],
    "mild_negative_drivers": ["too_expensive"],
    "positive_drivers": ["staff_politeness", "store_staff"],
    "trend": {"topic": "bugs", "channel": "app", "spike_months": ["2024-05", "2024-06"],
              "baseline_months": ["2024-01", "2024-02", "2024-03", "2024-04"], "weight_factor": 6.0},
    "segment": {"topic": "delivery_time", "column": "region", "value": "Kazan", "weight_factor": 4.0},
    "channel": {"store": "store topics x5, digital x0.15", "call centre": "support_communication, response_speed x3"},
}


def topic_weights(channel: str, region: str, when: datetime) -> dict[str, float]:
    """Topic weights for one respondent: the planted trend, segment and channel effects live here."""
    w = dict(WEIGHT)
    for topic in STORE_TOPICS:
        w[topic] *= 5.0 if channel == "store" else (1.0 if channel == "call centre" else 0.2)
    if channel == "store":
        for topic in DIGITAL_TOPICS:
            w[topic] *= 0.15
    if channel == "call centre":
        w["support_communication"] *= 3.0
        w["response_speed"] *= 3.0
    if RELEASE <= when < datetime(2024, 7, 1):
        w["bugs"] *= 6.0 if channel == "app" else (2.0 if channel == "web" else 1.0)
    elif when.month == 7 and channel == "app":
        w["bugs"] *= 2.5
    if region == "Kazan":
        w["delivery_time"] *= 4.0
    return w


def p_complaint(topic: str, region: str) -> float:
    if topic == "delivery_time" and region == "Kazan":
        return 0.92
    return P_COMPLAINT[topic]


# Hand-written clauses per (topic, sentiment, language). Written for this generator, not taken
# from the training examples.
PHRASES_TEXT = """
[quality -]
en: the quality is not what it used to be
en: the material feels cheap
en: my trainers started peeling after a month
en: the bread was stale by the next morning
en: the fruit was overripe and mushy
ru: качество стало хуже
ru: материал какой-то дешёвый
ru: кроссовки начали отклеиваться через месяц
ru: хлеб на следующий день уже чёрствый
ru: фрукты перезрелые и мятые
[quality +]
en: the quality is really good
en: everything I bought lasts for years
en: the produce is always fresh
ru: качество очень хорошее
ru: вещи носятся годами
ru: продукты всегда свежие
[defects -]
en: the item arrived broken
en: the toaster stopped working after two weeks
en: there was a big scratch on the table top
en: a part was missing from the box
ru: товар пришёл сломанным
ru: тостер сломался через две недели
ru: на столешнице большая царапина
ru: в коробке не хватало детали
[assortment -]
en: half the things I wanted were out of stock
en: the choice of sizes is poor
en: you stopped selling my favourite brand
ru: половины нужного не было в наличии
ru: выбор размеров скудный
ru: пропал мой любимый бренд
[assortment +]
en: the range is great
en: I always find what I need
ru: ассортимент отличный
ru: всегда нахожу что нужно
[description_mismatch -]
en: the colour was nothing like the photo
en: the size chart on the site is wrong
en: the specs in the listing were incorrect
ru: цвет совсем не как на фотографии
ru: таблица размеров на сайте врёт
ru: характеристики в карточке товара неверные
[too_expensive -]
en: prices are too high
en: it's cheaper on the marketplaces
en: I can't afford to shop here often
en: everything is overpriced
ru: цены слишком высокие
ru: на маркетплейсах дешевле
ru: часто у вас закупаться не получается, дорого
ru: всё переоценено
[value_for_money -]
en: not worth the money
en: for that price I expected more
ru: переплата, оно того не стоит
ru: за такие деньги ждала большего
[value_for_money +]
en: good value for money
en: fair prices for what you get
ru: хорошее соотношение цены и качества
ru: цены честные за такое качество
[price_changes -]
en: prices keep going up
en: the price at the till was higher than on the shelf
en: the price changed while the item was in my basket
ru: цены всё время растут
ru: на кассе пробили дороже чем на ценнике
ru: пока товар лежал в корзине, цена изменилась
[support_communication -]
en: support gave me a scripted answer that didn't help
en: I had to explain my problem to three different agents
en: the chatbot is useless
en: nobody called me back as promised
ru: в поддержке ответили шаблоном, не помогло
ru: пришлось трём операторам объяснять одно и то же
ru: чат-бот бесполезный
ru: обещали перезвонить и пропали
[support_communication +]
en: support sorted my problem out quickly
en: the support agent was really helpful
ru: поддержка быстро решила мой вопрос
ru: оператор очень помог
[manager_interaction -]
en: our manager doesn't keep his promises
en: the sales manager was very pushy
ru: менеджер не выполняет обещания
ru: менеджер слишком навязчивый
[manager_interaction +]
en: our account manager is great
en: the manager helped us choose the right option
ru: наш менеджер молодец
ru: менеджер помог подобрать подходящий вариант
[staff_competence -]
en: none of the staff could answer basic questions about the products
en: the consultant gave me wrong advice
ru: сотрудники не разбираются в товаре
ru: консультант дал неверный совет
[staff_competence +]
en: the staff really know what they're talking about
en: got expert advice
ru: сотрудники хорошо разбираются
ru: получила грамотную консультацию
[staff_politeness -]
en: the operator was rude
en: the staff were unfriendly
ru: оператор нагрубил
ru: персонал неприветливый
[staff_politeness +]
en: the staff were lovely
en: everyone was very polite and friendly
en: the girl who served me was so kind
en: really nice people
ru: сотрудники очень приятные
ru: все вежливые и доброжелательные
ru: девушка, которая меня обслуживала, просто чудо
ru: очень милые люди
[response_speed -]
en: I waited ages for a reply
en: I was on hold for 40 minutes
en: my ticket has been open for two weeks
en: support takes days to answer
ru: ответа пришлось ждать очень долго
ru: висела на линии 40 минут
ru: обращение висит уже две недели
ru: поддержка отвечает по несколько дней
[response_speed +]
en: support answered within minutes
en: quick response to my question
ru: поддержка ответила за пару минут
ru: на вопрос ответили быстро
[delivery_time -]
en: the delivery was three days late
en: my order arrived a week after the promised date
en: the courier came hours outside the delivery window
en: I'm still waiting for my parcel
en: delivery took forever
en: the order was delayed twice
ru: доставка опоздала на три дня
ru: заказ привезли через неделю после обещанной даты
ru: курьер приехал не в своё окно, на несколько часов позже
ru: до сих пор жду посылку
ru: доставка шла целую вечность
ru: заказ два раза переносили
ru: привезли с опозданием
[delivery_time +]
en: delivery was super fast
en: got my order the next day
en: arrived earlier than expected
ru: доставили очень быстро
ru: заказ пришёл на следующий день
ru: привезли раньше срока
[courier -]
en: the courier was rude
en: the driver left the parcel outside without ringing
en: the courier refused to carry it upstairs
ru: курьер был груб
ru: курьер оставил посылку под дверью и не позвонил
ru: курьер отказался поднимать на этаж
[courier +]
en: the courier was very polite
en: the driver was friendly and careful
ru: курьер очень вежливый
ru: курьер был аккуратен и всё время улыбался
[packaging -]
en: the box was crushed
en: the packaging was torn
en: way too much plastic in the packaging
ru: коробка была смята
ru: упаковка порвана
ru: в упаковке один пластик, зачем столько
[packaging +]
en: everything was packed carefully
ru: всё аккуратно упаковано
[tracking -]
en: the tracking hasn't updated for days
en: the tracking link just gives an error
ru: трекинг не обновляется несколько дней
ru: ссылка на отслеживание не работает
[tracking +]
en: tracking the courier on the map is handy
ru: удобно следить за курьером на карте
[delivery_cost -]
en: you charge far too much for delivery
en: the free delivery threshold is too high
ru: за доставку дерут слишком много
ru: до бесплатной доставки приходится набирать слишком много
[delivery_cost +]
en: free delivery is a big plus
ru: бесплатная доставка - большой плюс
[return_process -]
en: returning something is a real hassle
en: they refused to take back my return
en: the return form is too complicated
ru: вернуть товар - целая морока
ru: отказались принять возврат
ru: бланк возврата слишком сложный
[return_process +]
en: returns are quick and easy
en: returning the jacket took two minutes
ru: возврат быстрый и простой
ru: куртку вернула за две минуты
[refund_delay -]
en: I'm still waiting for my refund
en: the refund has taken over a month
en: my money still hasn't come back
en: they promised a refund in 5 days and it's been three weeks
en: the refund went missing
ru: до сих пор жду возврат денег
ru: деньги возвращают уже больше месяца
ru: деньги так и не вернули
ru: обещали вернуть за 5 дней, прошло три недели
ru: возврат средств куда-то потерялся
[refund_delay +]
en: the refund came through quickly
ru: деньги вернули быстро
[exchange_warranty -]
en: the warranty repair took two months
en: they refused my warranty claim
en: they wouldn't exchange it for a different size
ru: по гарантии чинили целых два месяца
ru: в гарантийном обслуживании отказали
ru: не захотели обменять на другой размер
[exchange_warranty +]
en: swapping it under warranty was easy
ru: по гарантии поменяли без проблем
[usability -]
en: the app is confusing
en: the website is hard to navigate
en: the new design is worse than the old one
ru: приложение неудобное
ru: на сайте сложно ориентироваться
ru: новый дизайн хуже старого
[usability +]
en: the app is easy to use
en: the website is clear and simple
ru: приложением удобно пользоваться
ru: сайт понятный и простой
[bugs -]
en: the app keeps crashing
en: the app freezes since the last update
en: the app crashes when I open my basket
en: the new version of the app is full of bugs
en: I get an error every time I try to place an order in the app
en: the website keeps throwing errors
ru: приложение постоянно вылетает
ru: после обновления приложение зависает
ru: приложение вылетает, когда открываю корзину
ru: новая версия приложения вся в багах
ru: при оформлении в приложении каждый раз ошибка
ru: сайт постоянно выдаёт ошибки
[search -]
en: the search never finds what I type
en: the search results have nothing to do with what I searched for
ru: поиск не находит то что ищу
ru: поиск выдаёт ерунду
[search +]
en: the search works really well
ru: поиск работает отлично
[checkout -]
en: checkout has far too many steps
en: I couldn't change the address at checkout
ru: оформление заказа растянуто на кучу шагов
ru: при оформлении нельзя поменять адрес
[checkout +]
en: checkout takes seconds
ru: оформить заказ можно за секунды
[account_login -]
en: I can't log into my account
en: the login code never arrives
en: the app logs me out all the time
ru: не могу войти в личный кабинет
ru: код для входа не приходит
ru: приложение постоянно разлогинивает
[payment_methods -]
en: please add more payment options
en: you no longer accept cash on delivery
ru: добавьте больше способов оплаты
ru: убрали оплату наличными при получении
[payment_methods +]
en: paying in instalments is really convenient
ru: оплата частями очень удобна
[payment_failures -]
en: my card payment failed three times
en: the payment failed but I was charged
en: the payment page kept loading forever
en: the card terminal wasn't working
ru: оплата картой три раза не прошла
ru: оплата не прошла, а деньги списали
ru: на странице оплаты всё крутится и крутится
ru: не работал терминал
[billing_errors -]
en: I was charged twice for one order
en: my invoice had the wrong details
en: I was billed for something I never received
ru: списали дважды за один заказ
ru: в счёте неправильные реквизиты
ru: списали деньги за то, что я не получила
[spam -]
en: you send way too many emails
en: I keep getting SMS even after unsubscribing
en: the push notifications are constant
ru: слишком много рассылок
ru: смс приходят даже после отписки
ru: пуш-уведомления достали
[order_notifications -]
en: I never got a notification that my order was ready
en: no email confirmation for my order
ru: не пришло уведомление, что заказ готов
ru: подтверждение заказа не пришло
[order_notifications +]
en: the order updates by SMS are very useful
ru: смс о статусе заказа очень удобные
[advertising -]
en: the advertised offer didn't exist in the store
en: your ads are everywhere and annoying
ru: акции из рекламы в магазине не оказалось
ru: реклама везде, надоела
[bonus_program -]
en: my loyalty points weren't credited
en: the points expire too quickly
en: the new bonus rules are worse
ru: не начислили бонусы
ru: баллы быстро сгорают
ru: новые правила бонусной программы хуже
[bonus_program +]
en: the loyalty points really add up
en: love the cashback in points
ru: бонусы реально копятся
ru: нравится кэшбэк баллами
[discounts_promotions -]
en: the discounts are fake
en: the promotion wasn't applied at the till
ru: скидки ненастоящие
ru: акция на кассе не применилась
[discounts_promotions +]
en: great deals and discounts
en: the weekly offers are really good
ru: отличные скидки и акции
ru: хорошие акции недели
[promo_codes -]
en: the promo code didn't work
en: the promo code expired before I could use it
ru: промокод почему-то не применился
ru: промокод сгорел раньше, чем я успела им воспользоваться
[promo_codes +]
en: the welcome promo code was a nice touch
ru: приветственный промокод - приятный бонус
[queues -]
en: the queues at the tills are huge
en: only one till was open
en: I waited half an hour at the pickup point
ru: очереди на кассах огромные
ru: работала всего одна касса
ru: в пункте выдачи ждала полчаса
[queues +]
en: no queue at all
ru: очередей нет
[cleanliness_atmosphere -]
en: the store was dirty
en: the music in the store is far too loud
ru: в магазине грязно
ru: музыка в зале слишком громкая
[cleanliness_atmosphere +]
en: the store is clean and pleasant
en: nice atmosphere in the shop
ru: в магазине чисто и приятно
ru: атмосфера в магазине приятная
[location_hours -]
en: the store closes too early
en: there is no parking near the store
ru: магазин рано закрывается
ru: у магазина негде припарковаться
[location_hours +]
en: the store is very convenient to get to
ru: магазин очень удобно расположен
[store_staff -]
en: the staff in the store ignored me
en: the cashier was rude
ru: продавцы меня игнорировали
ru: кассирша была со мной груба
[store_staff +]
en: the shop assistant was super helpful
en: the store staff went out of their way to help
en: the cashier was lovely
ru: продавец-консультант очень помог
ru: сотрудники магазина сделали всё, чтобы помочь
ru: кассир очень приятная
"""

# Standalone comments written whole: (language, topics as "topic-" / "topic+", text).
STANDALONE = [
    ("en", "delivery_time- response_speed-", "Ordered a birthday present two weeks in advance. It arrived four days after the party, and my three emails to customer service are still unanswered."),
    ("en", "refund_delay- support_communication-", "Sent the blender back on the 4th of March. Every time I call I hear 'the refund is being processed'. It's May."),
    ("en", "staff_politeness+ store_staff+", "Shoutout to Priya at the Camden store, she spent 20 minutes helping my dad choose a phone and was so patient with him"),
    ("en", "bugs- checkout-", "the new app is a disaster. crashed 3 times before I managed to pay"),
    ("en", "too_expensive- quality+", "Pricey but the stuff lasts, so I keep coming back"),
    ("en", "payment_failures- billing_errors-", "Payment 'failed', so I paid again. Now I've been charged twice and the first order went through anyway."),
    ("en", "queues- store_staff-", "Queue to the door on a Saturday and two members of staff stacking shelves instead of opening a till"),
    ("en", "courier+ delivery_time+", "Driver came early, called ahead and was really friendly. Perfect."),
    ("en", "bonus_program- account_login-", "After the app update my loyalty account shows zero points. I had over 2,000."),
    ("en", "spam-", "I get an email from you every single day. I'll unsubscribe if this continues."),
    ("en", "defects- exchange_warranty-", "Second dishwasher in a year with the same leak, and the warranty service says 'wait for the part' for the third week"),
    ("en", "return_process+ refund_delay+", "Return was painless and the money was back on my card before I got home"),
    ("en", "description_mismatch-", "The 'solid oak' table is veneer on chipboard. Come on."),
    ("en", "price_changes- discounts_promotions-", "The 'Black Friday' price was what it cost in September. You just raised it in October."),
    ("en", "staff_competence+ manager_interaction+", "Our rep really understands what a small café needs, saved us a lot on the coffee machine lease"),
    ("en", "search- usability-", "Typing 'phone case' gives me washing machines. The filters reset every time I go back a page."),
    ("en", "delivery_cost-", "£6.99 delivery on a £10 order is taking the mick"),
    ("en", "order_notifications-", "No one told me the order was split in two. I thought half of it was lost."),
    ("en", "cleanliness_atmosphere+ location_hours+", "Lovely new store by the station, bright, tidy and open till midnight"),
    ("en", "advertising-", "The ad says 'delivery in 30 minutes'. Never once has it been 30 minutes."),
    ("en", "promo_codes-", "SAVE20 from your newsletter: 'code not valid'. Why send it then?"),
    ("en", "packaging- defects-", "The mirror came wrapped in one sheet of paper. You can guess how it arrived."),
    ("en", "tracking- delivery_time-", "Tracking said 'out for delivery' for three days in a row, then the parcel went back to the depot"),
    ("en", "payment_methods+", "Being able to split the payment into three was what made me buy the sofa here"),
    ("ru", "delivery_time- response_speed-", "Заказывала подарок на день рождения за две недели. Привезли через четыре дня после праздника, на три письма в поддержку ответа нет до сих пор."),
    ("ru", "refund_delay- support_communication-", "Вернула блендер 4 марта. Звоню - говорят «возврат в обработке». На дворе май."),
    ("ru", "staff_politeness+ store_staff+", "Огромное спасибо Алине из магазина на Ленина, 20 минут помогала папе выбрать телефон и ни разу не показала раздражения"),
    ("ru", "bugs- checkout-", "новое приложение - катастрофа. три раза вылетело, пока я смогла оплатить"),
    ("ru", "too_expensive- quality+", "Дорого, но вещи служат долго, поэтому возвращаюсь"),
    ("ru", "payment_failures- billing_errors-", "Оплата якобы не прошла, я оплатила ещё раз. В итоге списали дважды, а первый заказ тоже оформился."),
    ("ru", "queues- store_staff-", "В субботу очередь до входа, а два сотрудника раскладывают товар вместо того чтобы открыть кассу"),
    ("ru", "courier+ delivery_time+", "Курьер приехал даже раньше, позвонил заранее, очень приятный. Идеально"),
    ("ru", "bonus_program- account_login-", "После обновления приложения в личном кабинете ноль бонусов. А было больше двух тысяч."),
    ("ru", "spam-", "Каждый день письмо от вас. Ещё немного и отпишусь."),
    ("ru", "defects- exchange_warranty-", "Вторая посудомойка за год с той же течью, а гарантийный сервис третью неделю «ждёт запчасть»"),
    ("ru", "return_process+ refund_delay+", "Возврат оформили за пять минут, деньги пришли на карту раньше, чем я доехала до дома"),
    ("ru", "description_mismatch-", "«Массив дуба» оказался шпоном на ДСП. Ну как так"),
    ("ru", "price_changes- discounts_promotions-", "Цена в чёрную пятницу такая же, как в сентябре. Просто в октябре вы её подняли."),
    ("ru", "staff_competence+ manager_interaction+", "Наш менеджер реально понимает, что нужно маленькой кофейне, помог сэкономить на аренде кофемашины"),
    ("ru", "search- usability-", "Пишу «чехол для телефона» - показывает стиральные машины. Фильтры слетают при возврате на страницу назад."),
    ("ru", "delivery_cost-", "Доставка 499 рублей при заказе на 600 - это перебор"),
    ("ru", "order_notifications-", "Никто не сказал, что заказ разбили на две части. Думала, половина потерялась."),
    ("ru", "cleanliness_atmosphere+ location_hours+", "Новый магазин у вокзала - светло, чисто и работает до полуночи"),
    ("ru", "advertising-", "В рекламе «доставка за 30 минут». Ни разу не было 30 минут."),
    ("ru", "promo_codes-", "Промокод из рассылки - «код недействителен». Зачем тогда присылать?"),
    ("ru", "packaging- defects-", "Зеркало завернули в один лист бумаги. Догадайтесь, в каком виде оно приехало."),
    ("ru", "tracking- delivery_time-", "Три дня статус «передан курьеру», а потом посылка уехала обратно на склад"),
    ("ru", "payment_methods+", "Возможность оплатить диван частями и решила дело в вашу пользу"),
]

# Long complaints (a few respondents write essays).
LONG = [
    ("en", "delivery_time- courier- support_communication- refund_delay-",
     "Where do I start. I ordered a washing machine on the 2nd with delivery promised for the 5th. On the 5th nobody came and nobody called. "
     "On the 6th I called your hotline and after 35 minutes on hold I was told the delivery had been moved to the 9th because of 'high demand'. "
     "On the 9th the courier finally arrived at 11pm, refused to bring it up to the 4th floor and left it in the entrance. "
     "I cancelled the installation and asked for that part of the money back, and three weeks later I am still waiting. "
     "I have been your customer for 8 years and this is the last time I order anything large from you."),
    ("ru", "delivery_time- courier- support_communication- refund_delay-",
     "С чего бы начать. Заказала стиральную машину 2 числа, доставку обещали 5-го. Пятого никто не приехал и не позвонил. "
     "Шестого позвонила на горячую линию, 35 минут ожидания, и мне сообщают, что доставку перенесли на 9-е «из-за большой загрузки». "
     "Девятого курьер приехал в 11 вечера, отказался поднимать на 4 этаж и оставил машину в подъезде. "
     "От установки я отказалась и попросила вернуть за неё деньги - прошло три недели, денег нет. "
     "Я ваш клиент 8 лет, и это последний раз, когда я заказываю у вас что-то крупное."),
    ("en", "bugs- account_login- bonus_program- support_communication-",
     "Since the update in May the app is unusable for me. First it kept logging me out, then it stopped accepting my password altogether. "
     "When I finally got in through the website my points balance was gone. Support asked me to reinstall the app, send screenshots, reinstall again. "
     "I did all of that. Nothing. I'm honestly baffled how a release like this got out of the door."),
    ("ru", "bugs- account_login- bonus_program- support_communication-",
     "После майского обновления приложением невозможно пользоваться. Сначала постоянно выкидывало из аккаунта, потом вообще перестал подходить пароль. "
     "Когда наконец зашла через сайт - баллов нет. Поддержка попросила переустановить приложение, прислать скриншоты, ещё раз переустановить. "
     "Всё сделала. Ноль результата. Как такое обновление вообще выпустили?"),
]

GENERIC = {
    "en": ["everything's fine really", "no particular comments", "happy overall", "nothing comes to mind",
           "all as usual", "good experience, nothing to flag", "I have nothing to complain about",
           "fine thanks", "it was alright", "been a customer for years, no issues", "no further comments",
           "nothing to report"],
    "ru": ["всё в порядке", "особых замечаний нет", "в целом довольна", "ничего не приходит в голову",
           "всё как всегда", "нормальный опыт, ничего особенного", "жаловаться не на что", "всё норм, спасибо",
           "было неплохо", "давно у вас покупаю, всё устраивает", "больше комментариев нет", "ничего сказать не могу"],
}
JUNK = ["-", "нет", "...", "asdf", "123", "0", "10", "???", ".", "фыва", "qwerty", "+", "--", "5", "ъ", "нет.", "no"]
PII = {
    "en": [" You can call me on +44 7700 900123.", " My email is j.smith@example.com if you need it.",
           " Photos here: https://imgur.com/a/Xk2p9Qz", " order no. 4471-2290, call 020 7946 0958"],
    "ru": [" Мой телефон +7 916 555-12-34, перезвоните.", " Пишите на anna.k@example.ru",
           " Фото тут: https://disk.yandex.ru/i/aB3dE5fG", " заказ 77812-04, тел 8 (843) 555-01-01"],
}
CONNECT = {  # "-" / "+": joining a complaint / praise clause that follows one of the other sentiment
    "en": {"same": [", ", " and ", ". ", ", also "], "-": [" but ", ", but ", ". However, ", ", although "],
           "+": [" but ", ", but ", ". On the plus side, ", ", although "]},
    "ru": {"same": [", ", " и ", ". ", ", а ещё "], "-": [", но ", ". Но ", ", однако "],
           "+": [", но ", ". Зато ", ", зато ", ", хотя "]},
}
OPENERS = {"en": ["Honestly, ", "Well, ", "Last time ", "So, "],
           "ru": ["Честно говоря, ", "Ну что сказать, ", "В последний раз ", "Короче, "]}
CLOSERS = {
    "en": {"-": [" Please sort it out.", " Very disappointed.", " Fix this!", " Not impressed.", " Not good enough."],
           "+": [" Keep it up!", " Thanks!", " Will order again.", " Great job."]},
    "ru": {"-": [" Разберитесь уже.", " Очень разочарована.", " Исправьте!", " Не впечатлило.", " Так не годится."],
           "+": [" Так держать!", " Спасибо!", " Буду заказывать ещё.", " Молодцы."]},
}
EMOJI = {"-": ["😡", "🤬", "😤", "👎", "😞"], "+": ["👍", "😊", "❤️", "🙏", "🔥"]}


def parse_phrases(text: str) -> dict[tuple[str, str], dict[str, list[str]]]:
    phrases: dict[tuple[str, str], dict[str, list[str]]] = {}
    key = None
    for line in text.strip().splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("["):
            topic, sign = line.strip("[]").split()
            key = (topic, sign)
            phrases[key] = {"en": [], "ru": []}
        else:
            lang, phrase = line.split(":", 1)
            phrases[key][lang].append(phrase.strip())
    return phrases


PHRASES = parse_phrases(PHRASES_TEXT)


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def effect(topic: str, sign: str) -> float:
    return EFFECTS.get((topic, sign), DEFAULT_EFFECT[sign])


def _pick_topics(rng: random.Random, weights: dict[str, float], k: int) -> list[str]:
    chosen: list[str] = []
    pool = dict(weights)
    for _ in range(k):
        names = list(pool)
        topic = rng.choices(names, weights=[pool[n] for n in names])[0]
        chosen.append(topic)
        del pool[topic]
    return chosen


def _compose(rng: random.Random, lang: str, mentions: list[tuple[str, str]]) -> str:
    clauses = [rng.choice(PHRASES[(t, s)][lang]) for t, s in mentions]
    text = ""
    if rng.random() < 0.15:
        text = rng.choice(OPENERS[lang]) + clauses[0]
    else:
        text = _cap(clauses[0])
    for (prev, cur), clause in zip(zip(mentions, mentions[1:]), clauses[1:]):
        kind = cur[1] if prev[1] != cur[1] else "same"
        joiner = rng.choice(CONNECT[lang][kind])
        text += joiner + (_cap(clause) if joiner.endswith(". ") else clause)
    net = sum(effect(t, s) for t, s in mentions)
    mood = "-" if net < 0 else "+"
    end = rng.choice([".", ".", "", "!"] if mood == "+" else [".", ".", "", "!", "!!!"])
    text += end
    if end and rng.random() < 0.15:
        text += rng.choice(CLOSERS[lang][mood])
    return text


def _style(rng: random.Random, text: str, mood: str) -> str:
    r = rng.random()
    if r < 0.12:
        text = text.lower().rstrip(".!")
    elif r < 0.13 and mood == "-":
        text = text.upper()
    if rng.random() < 0.05:
        text += " " + rng.choice(EMOJI[mood])
    return text


def generate(n: int = N_RESPONSES, seed: int = SEED) -> list[dict]:
    """Return the survey rows (dicts with COLUMNS plus hidden ``_labels`` / ``_sentiment``)."""
    rng = random.Random(seed)
    span = (END - START).total_seconds()
    stamps = sorted(START + timedelta(seconds=rng.randrange(int(span))) for _ in range(n))
    regions, rweights = list(REGIONS), [REGIONS[r][0] for r in REGIONS]
    channels, cweights = list(CHANNELS), list(CHANNELS.values())
    rows = []
    for i, when in enumerate(stamps):
        region = rng.choices(regions, weights=rweights)[0]
        channel = rng.choices(channels, weights=cweights)[0]
        lang = "ru" if rng.random() < REGIONS[region][1] else "en"
        mentions: list[tuple[str, str]] = []
        kind = rng.random()
        if kind < 0.05:
            comment = ""
        elif kind < 0.075:
            comment = rng.choice(JUNK)
        elif kind < 0.145:
            comment = _cap(rng.choice(GENERIC[lang])) + rng.choice(["", ".", "!"])
        elif kind < 0.175:
            # comments about the buggy release only make sense after it
            pool = [s for s in STANDALONE if s[0] == lang and (when >= RELEASE or "bugs" not in s[1])]
            _, tags, comment = rng.choice(pool)
            mentions = [(t[:-1], t[-1]) for t in tags.split()]
        elif kind < 0.178:
            pool = [s for s in LONG if s[0] == lang and (when >= RELEASE or "bugs" not in s[1])]
            _, tags, comment = rng.choice(pool)
            mentions = [(t[:-1], t[-1]) for t in tags.split()]
        else:
            k = rng.choices([1, 2, 3, 5], weights=[64, 26, 9, 1])[0]
            topics = _pick_topics(rng, topic_weights(channel, region, when), k)
            for t in topics:
                sign = "-" if rng.random() < p_complaint(t, region) else "+"
                if (t, sign) not in PHRASES:
                    sign = "-" if sign == "+" else "+"
                mentions.append((t, sign))
            comment = _compose(rng, lang, mentions)
            net = sum(effect(t, s) for t, s in mentions)
            comment = _style(rng, comment, "-" if net < 0 else "+")
        if comment and mentions and rng.random() < 0.01:
            comment += rng.choice(PII[lang])
        latent = NPS_BASE + sum(effect(t, s) for t, s in mentions) + rng.gauss(0.0, NPS_NOISE)
        nps = str(min(10, max(0, int(latent + 0.5) if latent >= 0 else 0)))
        r = rng.random()
        if r < 0.004:
            nps = ""
        elif r < 0.007:
            nps = "n/a"
        elif r < 0.009:
            nps = "11"
        elif r < 0.010:
            nps = "-1"
        rows.append({
            "response_id": f"R{240001 + i}",
            "submitted_at": when.strftime("%Y-%m-%d %H:%M:%S"),
            "region": region,
            "channel": channel,
            "nps": nps,
            "comment": comment,
            "_labels": sorted({t for t, _ in mentions}),
            "_sentiment": " ".join(f"{t}{s}" for t, s in mentions),
        })
    return rows


def to_csv(rows: list[dict], columns: list[str]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row[c] for c in columns])
    return buf.getvalue()


def truth_rows(rows: list[dict]) -> list[dict]:
    """Hidden ground truth: labels as ``parent > child`` ids joined by ``; `` (parse with the taxonomy)."""
    return [{"response_id": r["response_id"],
             "true_labels": "; ".join(f"{PARENT_OF[t]} > {t}" for t in r["_labels"]),
             "true_sentiment": r["_sentiment"]} for r in rows]


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(text.encode("utf-8"))
    tmp.replace(path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the survey CSV")
    parser.add_argument("--truth", type=Path, default=None, help="also write the hidden ground truth here")
    parser.add_argument("-n", type=int, default=N_RESPONSES, help="number of responses")
    args = parser.parse_args(argv)
    rows = generate(args.n)
    write(args.out, to_csv(rows, COLUMNS))
    if args.truth is not None:
        write(args.truth, to_csv(truth_rows(rows), ["response_id", "true_labels", "true_sentiment"]))


if __name__ == "__main__":
    main()
