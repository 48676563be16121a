"""Throughput of text analysis (normalise + tokenise + lemmatise + negation).

Target: >= 30,000 comments/s on one core for ~15-word mixed en/ru comments.

Run:  OMP_NUM_THREADS=1 python benchmarks/text_speed.py [--n 100000] [--seed 7] [--repeats 5]

The corpus is generated from word pools with a fixed seed (half English, half
Russian, a few URLs / numbers / emoji / negations / typos), never from research data.
Printed: one-off lemmatiser load time, cold-cache pass (every cache empty), warm
passes (best of N), and the cost ratio to a trivial ``str.lower().split()`` baseline
timed in interleaved rounds of the same run, since absolute numbers swing on this
shared machine. Rates use CPU time of this process (``time.process_time``).
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


PUNCT = [",", ",", ".", ".", "!", "!!!", "?", ")"]
NEGATORS = ["не", "не", "нет", "без", "not", "don't", "didn't", "never", "no"]
SPECIALS = [
    "5", "10", "2024", "👍", "😡", "🙏🏻", ":)", "https://shop.example.com/order/123",
    "support@shop.ru", "+7 (912) 345-67-89", "ооочень", "sooo", "Ёлки", "ВООБЩЕ",
]  # fmt: skip


def _typo(word: str, rng: random.Random) -> str:
    """A keyboard slip (drop, double or swap a letter) to give the vocabulary a long tail."""
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    op = rng.randrange(3)
    if op == 0:
        return word[:i] + word[i + 1 :]
    if op == 1:
        return word[:i] + word[i] + word[i:]
    return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]


def make_corpus(n: int, seed: int) -> list[str]:
    """``n`` comments of 8-22 words (mean ~15), alternating English and Russian.

    Punctuation sticks to the word before it as people type it; ~4% of words carry
    a typo, ~2% are negators, ~3% are numbers / emoji / URLs / e-mails / phones.
    """
    rng = random.Random(seed)
    out = []
    for i in range(n):
        pool = EN_WORDS if i % 2 == 0 else RU_WORDS
        negs = NEGATORS[4:] if i % 2 == 0 else NEGATORS[:4]
        words = []
        for _ in range(rng.randint(8, 22)):
            r = rng.random()
            if r < 0.02:
                words.append(rng.choice(negs))
                continue
            if r < 0.05:
                words.append(rng.choice(SPECIALS))
                continue
            w = rng.choice(pool)
            if r < 0.09:
                w = _typo(w, rng)
            if rng.random() < 0.1:
                w = w.capitalize()
            if rng.random() < 0.12:
                w += rng.choice(PUNCT)
            words.append(w)
        out.append(" ".join(words))
    return out


def _rate(fn, texts) -> tuple[float, float]:
    """Comments per CPU-second of this process (other helpers' load inflates wall time)."""
    gc.collect()
    t0 = time.process_time()
    fn(texts)
    dt = time.process_time() - t0
    return len(texts) / dt, dt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    texts = make_corpus(args.n, args.seed)
    n_words = sum(len(t.split()) for t in texts) / len(texts)
    print(f"corpus: {len(texts):,} comments, {n_words:.1f} whitespace words/comment (seed {args.seed})")
    print(f"load average now: {os.getloadavg()[0]:.2f} (2 cores; rates are per CPU-second of this process)")

    t0 = time.perf_counter()
    from feedback_classifier import lang as T
    from feedback_classifier.lang import lemmas

    lemmas._en_lemmas()
    lemmas._morph()
    print(f"lemmatiser load (en lemma_lookup JSON + pymorphy3, once per process): {time.perf_counter() - t0:.2f} s wall")

    def baseline(ts):
        return [s.lower().split() for s in ts]

    def run(analyzer):
        return lambda ts: [analyzer(t) for t in ts]

    # cold: every cache empty (token/chunk caches and pymorphy3's lru_cache)
    lemmas._ru_lemma.cache_clear()
    cold_an = T.TextAnalyzer()
    cold, cold_dt = _rate(run(cold_an), texts)
    print(
        f"cold caches, first pass:  {cold:,.0f} comments/s ({cold_dt:.2f} s; "
        f"{len(cold_an._entries):,} distinct tokens, {len(cold_an._chunks):,} distinct chunks)"
    )

    # warm: interleave baseline and analyzer rounds so both see the same machine load
    warm_an = T.TextAnalyzer()
    run(warm_an)(texts)
    ratios, warm_rates, base_rates = [], [], []
    for _ in range(args.repeats):
        b = _rate(baseline, texts)[0]
        w = _rate(run(warm_an), texts)[0]
        base_rates.append(b)
        warm_rates.append(w)
        ratios.append(b / w)
    ratios.sort()
    norm = max(_rate(lambda ts: [T.normalize(t) for t in ts], texts)[0] for _ in range(2))
    many = max(_rate(T.analyze_texts, texts)[0] for _ in range(2))
    warm = max(warm_rates)
    print(f"warm TextAnalyzer:        {warm:,.0f} comments/s (best of {args.repeats}; median {sorted(warm_rates)[len(warm_rates) // 2]:,.0f})")
    print(f"analyze_texts:            {many:,.0f} comments/s")
    print(f"normalize() alone:        {norm:,.0f} comments/s (public string form, not the analyzer's path)")
    print(f"baseline lower().split(): {max(base_rates):,.0f} comments/s")
    print(f"analyzer / baseline cost: median {ratios[len(ratios) // 2]:.1f}x (range {ratios[0]:.1f}-{ratios[-1]:.1f}x)")
    target = 30_000
    verdict = "MET" if warm >= target else "MISSED"
    print(f"target {target:,} comments/s warm, one core: {verdict} ({warm / target:.2f}x target)")


if __name__ == "__main__":
    main()
