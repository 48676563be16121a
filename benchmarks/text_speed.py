"""Throughput of text analysis (normalise + tokenise + lemmatise + negation).

Target: >= 30,000 comments/s on one core for ~15-word mixed en/ru comments.

Run:  OMP_NUM_THREADS=1 python benchmarks/text_speed.py [--n 100000] [--seed 7]

The corpus is generated from word pools with a fixed seed (half English, half
Russian, a few URLs / numbers / emoji / negations / typos), never from research data.
Printed: one-off lemmatiser load time, cold-cache pass (every cache empty), warm
passes (best of 3), and the ratio to a trivial ``str.lower().split()`` baseline timed
in the same run, since absolute numbers swing on this shared machine.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

EN_WORDS = """
the a my our your this that it they we i you he she courier delivery deliveries order orders
package packages parcel box boxes app website site page checkout payment card refund refunds
return returns support agent agents manager managers staff price prices discount discounts
bonus bonuses points store shop queue queues item items product products quality size sizes
colour phone call calls email emails notification notifications tracking number account login
password search filter filters cart promo code codes customer service was were is are be been
has have had did does do will would could should arrived arrives arriving delivered delivering
came comes took takes waited waiting wait ordered ordering paid paying charged charging
cancelled returned refunded broke broken damaged crushed missing wrong late early fast slow
quick rude polite helpful unhelpful friendly kind nice great good bad terrible awful excellent
amazing expensive cheap overpriced confusing easy hard simple clean dirty long short again
always never still already very really so too quite extremely absolutely totally days hours
minutes week weeks time times twice today yesterday and but or because when after before
with without for to from at in on of about than then also just only even however though
loved love liked like hate hated recommend recommended disappointed happy satisfied annoyed
""".split()
RU_WORDS = """
я мы вы они он она курьер курьера курьеру курьеры курьеров доставка доставки доставку доставкой
заказ заказа заказу заказы заказов посылка посылку посылки коробка коробку товар товара товары
товаров приложение приложения приложении сайт сайта сайте оплата оплаты оплату карта карты
возврат возврата возвраты деньги денег поддержка поддержки поддержку оператор оператора менеджер
менеджера сотрудник сотрудники сотрудников цена цены цену скидка скидки скидку бонусы бонусов
баллы баллов магазин магазина магазине очередь очереди очередью качество качества размер
размера телефон звонок звонки письмо письма уведомления уведомлений трекинг номер аккаунт вход
пароль поиск фильтры корзина корзину промокод промокода клиент клиента сервис сервиса был была
было были будет доставили доставил доставила привезли привез пришел пришла пришло ждал ждала
ждали ждать заказал заказала заказали оплатил оплатила списали вернули вернул отменили сломан
сломанный разбитый повреждена помятая пропал пропала неправильный поздно рано быстро медленно
грубый грубо вежливый вежливо вежливая полезный приветливый хороший хорошо плохо ужасно отлично
прекрасно дорого дешево дорогой дешевый удобно неудобно сложно просто чисто грязно долго опять
всегда никогда еще уже очень слишком совсем дней часа часов минут неделю недели раз дважды сегодня
вчера и но или потому когда после до с без для к от в на о про чем потом также только даже
однако понравилось нравится люблю ненавижу рекомендую советую разочарован доволен довольна рада
""".split()
EXTRAS = [
    "не", "не", "нет", "not", "don't", "didn't", "never", "no", "!!!", ",", ",", ".", ".", "?",
    "5", "10", "2024", "👍", "😡", "🙏🏻", ":)", "))", "https://shop.example.com/order/123",
    "support@shop.ru", "+7 (912) 345-67-89", "ооочень", "sooo", "Ёлки", "ВООБЩЕ",
]  # fmt: skip


def make_corpus(n: int, seed: int) -> list[str]:
    """``n`` comments of 8-22 tokens (mean ~15), alternating English and Russian."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        pool = EN_WORDS if i % 2 == 0 else RU_WORDS
        words = []
        for _ in range(rng.randint(8, 22)):
            if rng.random() < 0.08:
                words.append(rng.choice(EXTRAS))
            else:
                w = rng.choice(pool)
                if rng.random() < 0.1:
                    w = w.capitalize()
                words.append(w)
        out.append(" ".join(words))
    return out


def _rate(fn, texts) -> tuple[float, float]:
    gc.collect()
    t0 = time.perf_counter()
    fn(texts)
    dt = time.perf_counter() - t0
    return len(texts) / dt, dt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    texts = make_corpus(args.n, args.seed)
    n_words = sum(len(t.split()) for t in texts) / len(texts)
    print(f"corpus: {len(texts):,} comments, {n_words:.1f} whitespace words/comment (seed {args.seed})")

    t0 = time.perf_counter()
    from feedback_classifier import text as T

    T._en_lemmas()
    T._morph()
    print(f"lemmatiser load (import spaCy lookups + pymorphy3, once per process): {time.perf_counter() - t0:.2f} s")

    def baseline(ts):
        return [s.lower().split() for s in ts]

    def run(analyzer):
        return lambda ts: [analyzer(t) for t in ts]

    base = max(_rate(baseline, texts)[0] for _ in range(args.repeats))

    T._ru_lemma.cache_clear()
    cold_an = T.TextAnalyzer()
    cold, cold_dt = _rate(run(cold_an), texts)
    print(f"cold caches (first pass, {len(cold_an._entries):,} distinct tokens): {cold:,.0f} comments/s ({cold_dt:.2f} s)")

    warm_an = T.TextAnalyzer()
    warm_an(texts[0])
    warm = max(_rate(run(warm_an), texts)[0] for _ in range(args.repeats))
    norm = max(_rate(lambda ts: [T.normalize(t) for t in ts], texts)[0] for _ in range(args.repeats))
    many = max(_rate(T.analyze_many, texts)[0] for _ in range(args.repeats))
    print(f"warm TextAnalyzer:     {warm:,.0f} comments/s  (best of {args.repeats})")
    print(f"analyze_many:          {many:,.0f} comments/s")
    print(f"normalize only:        {norm:,.0f} comments/s")
    print(f"baseline lower().split(): {base:,.0f} comments/s  -> analyzer is {base / warm:.1f}x slower than baseline")
    target = 30_000
    verdict = "MET" if warm >= target else "MISSED"
    print(f"target {target:,} comments/s warm: {verdict} ({warm / target:.2f}x target)")


if __name__ == "__main__":
    main()
