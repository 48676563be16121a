"""Labelling loop benchmarks on real, human-coded public comments (Banking77, SemEval-2016, airline complaints).

    python benchmarks/labelling.py suggest [--seeds 3] [--data semeval-en] [--oracle 6] [--learners plain,semi]
    AIRLINE_TWEETS=Tweets.csv python benchmarks/labelling.py suggest --data airline   # see airline()
    python benchmarks/labelling.py audit [--seeds 3] [--data airline] [--tune] [--audit-repeats 1,3]
                                                         # audit finds changed labels
    python benchmarks/labelling.py speed [--n-labels 500]   # suggest and the label app on a 100,000-comment pool
    python benchmarks/labelling.py retrain               # CPU of the loop's retrain vs a plain fit
    python benchmarks/labelling.py suggest --tune --learners semi,variant --variant '{"share": 4}' --quick
                                                         # the loop's model with other settings, paired
    python benchmarks/labelling.py learner --tune [--data semeval-en] [--settings '{"prototype_prior": 0}']
                                                         # the learner alone on random 300 / 600 labels
    python benchmarks/labelling.py learner --data airline --settings '{"embeddings": "e5"}'
                                                         # ... and train --embeddings e5 against it

Data: ``../shared/data`` (Banking77: customer messages to a bank, 77 intents coded by people,
its own train/test split; SemEval-2016 restaurant review sentences, multi-label aspect
categories, grouped by review). Nothing here tunes anything: the test split is only scored.

* suggest: pool = Banking77 train (or SemEval's training reviews). A cold start, as a new user
  has: no labels file, so the first 50 come from ``suggest``'s cold start; then batches of 50,
  the model retrained after each (the label app retrains every few dozen labels, so rounds are
  what users get; one batch of 300 would waste what the first labels teach) up to 300. Random
  sampling draws 300 and 600. ``balanced_300`` is a reference, not a strategy: 300 random rows
  spread evenly over the true classes (it needs the answers), i.e. roughly the best a
  class-balancing order could do. ``--oracle TRIES`` adds another upper bound: each round of 50
  picks, out of suggest's batch and TRIES-1 random ones, the batch whose model scores best on the
  test answers (peeking; no real order can do that). Micro-F1 on the test set, the same estimator
  (``FeedbackClassifier`` defaults, as ``train``) for every row set. Target: suggested-300 >= random-600.
  ``--learners plain,semi`` (the default): the whole comparison once with that plain learner and once
  with the loop's self-trained one (``suggest.train_loop_model``, fed the unlabelled pool), which then
  also drives suggest's rounds; ``semi:random_600_uncapped`` lifts its cap on real + pseudo rows.
  ``--tune`` scores on a split of the training data instead (SemEval: 25% of the non-test reviews,
  grouped by review); that is where suggest's rule was chosen.
* audit: 10% of the labelled rows of a sample of up to 3,000 rows get one label changed to another
  random category; the share of changed rows among ``audit``'s top 10% (random order: 10%) with 1
  and with 3 (the default) shuffles of the folds, against a plain out-of-fold logistic regression
  (tf-idf) ranked by 1 - p(given label) (one-vs-rest, the weakest given label, for multi-label sets).
  ``--tune``: the sample is drawn from the tuning part (where the number of shuffles was chosen);
  ``--held-out``: from the test split, which no choice looked at; else from the training split.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"

from feedback_classifier.jobs.labelbook import LabelBook  # noqa: E402
from feedback_classifier.jobs.suggest import build_ranker, rank_texts, train_loop_model  # noqa: E402
from feedback_classifier.taxonomy.labels import deepest_labels  # noqa: E402
from feedback_classifier.model import FeedbackClassifier, embedding_params, evaluate_predictions  # noqa: E402
from feedback_classifier.taxonomy import infer_taxonomy  # noqa: E402

BATCH = 50


def banking77():
    train = pd.read_csv(DATA / "banking77" / "train.csv")
    test = pd.read_csv(DATA / "banking77" / "test.csv")
    tax = infer_taxonomy(sorted(set(train.category)), name="banking77")
    y_train = [tax.parse_labels(c) for c in train.category]
    y_test = [tax.parse_labels(c) for c in test.category]
    return tax, train.text.tolist(), y_train, test.text.tolist(), y_test


def semeval(lang: str, tune: bool = False):
    """SemEval-2016 restaurants: 25% of the reviews held out as the test set (sentences of a review
    stay together). ``tune``: the test reviews are dropped and 25% of the other reviews score instead."""
    df = pd.read_csv(DATA / "semeval2016" / f"restaurants_{lang}_train.csv")
    tax = infer_taxonomy(df.labels.dropna().tolist(), name=f"semeval-{lang}")
    reviews = np.random.default_rng(7).permutation(np.array(sorted(set(df.review_id.astype(str)))))
    test_reviews = set(reviews[: len(reviews) // 4])
    if tune:
        df = df[~df.review_id.astype(str).isin(test_reviews)]
        rest = reviews[len(reviews) // 4:]
        test_reviews = set(np.random.default_rng(99).permutation(rest)[: len(rest) // 4])
    is_test = df.review_id.astype(str).isin(test_reviews).to_numpy()
    y = [tax.parse_labels(c) for c in df.labels]
    texts = df.text.astype(str).tolist()
    pick = lambda mask: ([t for t, m in zip(texts, mask) if m], [v for v, m in zip(y, mask) if m])  # noqa: E731
    return (tax, *pick(~is_test), *pick(is_test))


def airline(tune: bool = False):
    """Twitter US Airline Sentiment's complaints (``$AIRLINE_TWEETS``: its ``Tweets.csv``; Figure
    Eight / Kaggle, CC BY-NC-SA 4.0; a copy in the GitHub repository AyushDhatwalia/Twitter-Airline-Sentiment):
    the negative tweets whose reason crowd workers coded with confidence >= 0.6 (9 reasons, e.g.
    "Late Flight", "Lost Luggage"; "Can't Tell" left out), one text once; 25% by a hash of the
    tweet id as the test set (``tune``: those dropped, 25% of the rest scores instead)."""
    import hashlib
    import os

    df = pd.read_csv(os.environ["AIRLINE_TWEETS"], dtype={"tweet_id": str})
    df = df[(df.airline_sentiment == "negative") & (df.negativereason_confidence >= 0.6)
            & (df.negativereason != "Can't Tell")].drop_duplicates("text")
    tax = infer_taxonomy(sorted(set(df.negativereason)), name="airline-complaints")
    bucket = df.tweet_id.map(lambda s: int(hashlib.md5(s.encode()).hexdigest(), 16) % 16).to_numpy()
    is_test = bucket < 4
    if tune:
        df, bucket = df[~is_test], bucket[~is_test]
        is_test = bucket < 7  # 3 of the other 12 buckets: a quarter of them
    y = [tax.parse_labels(c) for c in df.negativereason]
    texts = df.text.astype(str).tolist()
    pick = lambda mask: ([t for t, m in zip(texts, mask) if m], [v for v, m in zip(y, mask) if m])  # noqa: E731
    return (tax, *pick(~is_test), *pick(is_test))


def micro_f1(tax, texts, labels, test_texts, test_labels, seed, pool=None, max_rows=None, loop=None,
             **params) -> float:
    """Test micro-F1 of the plain learner (``FeedbackClassifier``, as ``train``) or, given the
    ``pool``'s texts, of the labelling loop's self-trained one (``suggest.train_loop_model``;
    ``max_rows`` overrides its cap on real + pseudo-labelled rows)."""
    if pool is not None:
        clf = train_loop_model(texts, labels, tax, pool, seed=seed, **({"max_rows": max_rows} if max_rows else {}),
                               **(loop or {}))
    else:
        if "embeddings" in params:  # (``--settings '{"embeddings": "e5"}'``: what ``train --embeddings e5`` adds)
            params = {**embedding_params(params["embeddings"]), **{k: v for k, v in params.items() if k != "embeddings"}}
        clf = FeedbackClassifier(taxonomy=tax, cv=3, random_state=seed, **params).fit(texts, labels)
    return evaluate_predictions(test_labels, clf.predict_labels(test_texts), tax).path_micro_f1


def active_run(tax, texts, labels, start: list[int], budget: int, seed: int, semi: bool = False,
               loop: dict | None = None, batch: int = BATCH) -> list[int]:
    chosen = list(start)  # empty: a cold start
    while len(chosen) < budget:
        book = LabelBook(pd.DataFrame(), [texts[i] for i in chosen], [labels[i] for i in chosen])
        taken = set(chosen)
        rest = [i for i in range(len(texts)) if i not in taken]
        ranker = build_ranker(book, tax, seed=seed, pool=[texts[i] for i in rest] if semi else None, loop=loop)
        picked, _ = rank_texts(ranker, [texts[i] for i in rest], min(batch, budget - len(chosen)),
                               book.texts, seed=seed)
        chosen += [rest[i] for i in picked]
    return chosen


def peek_oracle(tax, texts, labels, test_texts, test_labels, budget: int, seed: int, tries: int) -> list[int]:
    """Not a strategy, an upper bound: 50 random rows, then each round of 50 the batch, out of
    ``suggest``'s own and ``tries - 1`` random ones, whose model scores best on the TEST answers.
    If even this stays below random 600, no order of this kind gets there."""
    rng = np.random.default_rng(1000 + seed)
    chosen = list(rng.permutation(len(texts))[:BATCH])
    while len(chosen) < budget:
        taken = set(chosen)
        rest = np.array([i for i in range(len(texts)) if i not in taken])
        k = min(BATCH, budget - len(chosen))
        book = LabelBook(pd.DataFrame(), [texts[i] for i in chosen], [labels[i] for i in chosen])
        picked, _ = rank_texts(build_ranker(book, tax, seed=seed), [texts[i] for i in rest], k, book.texts, seed=seed)
        batches = [[int(rest[i]) for i in picked]] + [list(rng.choice(rest, k, replace=False)) for _ in range(tries - 1)]
        scored = [(micro_f1(tax, [texts[i] for i in chosen + b], [labels[i] for i in chosen + b],
                            test_texts, test_labels, seed), j) for j, b in enumerate(batches)]
        chosen += batches[max(scored)[1]]
    return chosen


def _data(data: str, tune: bool):
    """``(taxonomy, texts, labels, test_texts, test_labels)``; with ``tune`` the test part is a
    split of the training data (the test split is not read)."""
    if data == "airline":
        return airline(tune)
    if data != "banking77":  # tuning: a split of the training reviews (grouped), the test reviews unseen
        tax, texts, labels, test_texts, test_labels = semeval(data.split("-")[1], tune)
    else:
        tax, texts, labels, test_texts, test_labels = banking77()
    if tune and data == "banking77":  # choices are made on a split of train; the test split is only scored at the end
        cut = np.random.default_rng(99).permutation(len(texts))
        valid, keep = cut[: len(texts) // 5], cut[len(texts) // 5:]
        test_texts, test_labels = [texts[i] for i in valid], [labels[i] for i in valid]
        texts, labels = [texts[i] for i in keep], [labels[i] for i in keep]
    return tax, texts, labels, test_texts, test_labels


def bench_learner(seeds: int, tune: bool = False, data: str = "banking77", settings: str = "{}") -> None:
    """The learner alone: micro-F1 of random 300 and 600 labels with the defaults and with
    ``settings`` (JSON of FeedbackClassifier parameters), the same rows and seeds, paired."""
    import json

    tax, texts, labels, test_texts, test_labels = _data(data, tune)
    params = json.loads(settings)
    rows = []
    for seed in range(seeds):
        order = np.random.default_rng(seed).permutation(len(texts))
        row = {}
        for n in (300, 600):
            pick = order[:n]
            args = ([texts[i] for i in pick], [labels[i] for i in pick], test_texts, test_labels, seed)
            row[f"default_{n}"] = micro_f1(tax, *args)
            row[f"settings_{n}"] = micro_f1(tax, *args, **params)
        print(f"seed {seed}: " + "  ".join(f"{k} {v:.3f}" for k, v in row.items()), flush=True)
        rows.append(row)
    df = pd.DataFrame(rows)
    print(f"{data} {'tuning split of train' if tune else 'test'} micro-F1, settings {params}, mean ± sd over seeds:")
    for n in (300, 600):
        d = df[f"settings_{n}"] - df[f"default_{n}"]
        print(f"  {n} labels: default {df[f'default_{n}'].mean():.3f}  settings {df[f'settings_{n}'].mean():.3f}  "
              f"paired difference {d.mean():+.3f} ± {d.std(ddof=1) if len(d) > 1 else 0:.3f}")


def bench_suggest(seeds: int, tune: bool = False, data: str = "banking77", oracle: int = 0,
                  learners: str = "plain,semi", variant: str = "{}", quick: bool = False,
                  first_seed: int = 0, batches: str = "50", ranker: str = "{}") -> None:
    """Each learner (``plain``: ``train``'s classifier; ``semi``: the loop's self-trained one, fed
    the pool; ``variant``: the loop's model with ``variant``'s settings, JSON of
    ``train_loop_model`` keywords) drives suggest's rounds and scores every arm, all in the same
    run and seeds. ``quick``: only suggested 300, random 300 and random 600. ``batches``: the round
    sizes of suggest's arms (``20,50``: the label app's default retraining every 20 labels too).
    ``ranker``: JSON of ``train_loop_model`` keywords for the model that ranks suggest's rounds
    only (the arms are still scored by the learner's own model)."""
    import json

    tax, texts, labels, test_texts, test_labels = _data(data, tune)
    rows = []
    for seed in range(first_seed, first_seed + seeds):
        order = np.random.default_rng(seed).permutation(len(texts))
        f = {}
        for learner in learners.split(","):
            start = time.perf_counter()
            semi = learner in ("semi", "variant")
            pool = texts if semi else None
            loop = json.loads(variant) if learner == "variant" else None
            score = lambda rows: micro_f1(tax, [texts[i] for i in rows], [labels[i] for i in rows],  # noqa: E731
                                          test_texts, test_labels, seed, pool=pool, loop=loop)
            for b in map(int, batches.split(",")):
                f[f"{learner}:suggest_300" + ("" if b == BATCH else f"_b{b}")] = score(
                    active_run(tax, texts, labels, [], 300, seed, semi, {**(loop or {}), **json.loads(ranker)},
                               batch=b))
            f[f"{learner}:random_300"] = score(order[:300])
            f[f"{learner}:random_600"] = score(order[:600])
            if not quick:
                f[f"{learner}:balanced_300"] = score(_balanced(labels, order, 300))
            if learner == "semi" and not quick:  # the cap on real + pseudo rows (for speed) gives 600 labels fewer
                f["semi:random_600_uncapped"] = micro_f1(tax, [texts[i] for i in order[:600]],
                                                         [labels[i] for i in order[:600]], test_texts,
                                                         test_labels, seed, pool=pool, max_rows=1800)
            if oracle and not semi:
                peek = peek_oracle(tax, texts, labels, test_texts, test_labels, 300, seed, oracle)
                f["peek_oracle_300"] = score(peek)
            print(f"seed {seed} {learner}: " + "  ".join(f"{k.split(':')[-1]} {v:.3f}" for k, v in f.items()
                                                         if k.startswith(learner))
                  + f"  ({time.perf_counter() - start:.0f} s)", flush=True)
        rows.append(f)
    df = pd.DataFrame(rows)
    print(f"{data} {'tuning split of train' if tune else 'test'} micro-F1, mean ± sd over {seeds} seeds"
          + (f", variant {variant}" if "variant" in learners else "") + ":")
    for col in df:
        print(f"  {col:20s} {df[col].mean():.3f} ± {df[col].std(ddof=1) if len(df) > 1 else 0:.3f}")
    if "variant" in learners.split(",") and "semi" in learners.split(","):
        for arm in ("suggest_300", "random_300", "random_600"):
            d = df[f"variant:{arm}"] - df[f"semi:{arm}"]
            print(f"  variant - semi, {arm}: {d.mean():+.3f} ± {d.std(ddof=1) if len(d) > 1 else 0:.3f}")
    for learner in learners.split(","):
        ok = df[f"{learner}:suggest_300"].mean() >= df[f"{learner}:random_600"].mean()
        print(f"{learner}: target suggested-300 >= random-600: {'met' if ok else 'NOT met'}")


def _balanced(labels, order, budget: int) -> list[int]:
    """``budget`` rows in ``order``, taking each true label set in turn (round robin)."""
    queues: dict = {}
    for i in order:
        queues.setdefault(tuple(labels[i]), []).append(int(i))
    out, depth = [], 0
    while len(out) < budget and any(len(q) > depth for q in queues.values()):
        out += [q[depth] for _, q in sorted(queues.items()) if len(q) > depth]
        depth += 1
    return out[:budget]


def _noisy(labels, classes, rate, rng):
    """``rate`` of the rows with a label get one of their labels changed to another category they
    do not have (a single-label row: its label; a row given no category keeps it)."""
    y = [list(lab) for lab in labels]
    labelled = np.flatnonzero([bool(lab) for lab in y])
    changed = rng.choice(labelled, int(round(rate * len(y))), replace=False)
    leaves = deepest_labels(classes)
    for i in changed:
        j = rng.integers(len(y[i])) if len(y[i]) > 1 else 0  # (no draw for one label: the old samples)
        others = [c for c in leaves if c not in y[i]]
        y[i][j] = others[rng.integers(len(others))]
    flag = np.zeros(len(y), dtype=bool)
    flag[changed] = True
    return y, flag


def _top_share(score, flag) -> float:
    top = np.argsort(-score, kind="stable")[: len(score) // 10]
    return flag[top].sum() / flag.sum()


def _lr_baseline(texts, y, classes, seed) -> np.ndarray:
    """1 - p(given label) of a plain out-of-fold tf-idf logistic regression (multinomial; for
    rows with several labels or none, one-vs-rest: 1 - the weakest given label's p, or the
    strongest p for a row given none)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import KFold, StratifiedKFold, cross_val_predict
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import make_pipeline

    vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    if all(len(lab) == 1 for lab in y):
        target = np.array([classes.index(lab[0]) for lab in y])
        pipe = make_pipeline(vec, LogisticRegression(C=10, max_iter=1000))
        folds = StratifiedKFold(5, shuffle=True, random_state=seed)
        P = cross_val_predict(pipe, texts, target, cv=folds, method="predict_proba")
        return 1.0 - P[np.arange(len(target)), target]
    leaves = sorted({lab for labs in y for lab in labs}, key=repr)
    Y = np.array([[lab in labs for lab in leaves] for labs in y], dtype=int)
    pipe = make_pipeline(vec, OneVsRestClassifier(LogisticRegression(C=10, max_iter=1000)))
    P = cross_val_predict(pipe, texts, Y, cv=KFold(5, shuffle=True, random_state=seed), method="predict_proba")
    given = Y.astype(bool)
    weakest = np.where(given, P, np.inf).min(axis=1)
    return np.where(given.any(axis=1), 1.0 - weakest, P.max(axis=1))


def bench_audit(seeds: int, tune: bool = False, n: int = 3000, data: str = "banking77", repeats: str = "1,3",
                held_out: bool = False, embeddings: str = "none") -> None:
    """Samples of ``n`` rows of the training split (``tune``: of its tuning part) with 10% of the
    labelled rows' labels changed (``_noisy``): the share of the changed rows among ``audit``'s top
    10% with each number of fold shuffles in ``repeats``, and of a plain OOF logistic regression,
    on the same samples. ``held_out``: the samples are drawn from the test split instead, which no
    choice looked at. ``embeddings="minilm"``: also the last number of shuffles with MiniLM sentence
    vectors beside the model (``audit --embeddings minilm``; the ``embeddings`` extra)."""
    from feedback_classifier.jobs.audit import _embedder, label_matrix, out_of_fold, suspicion_scores

    tax, texts, labels, test_texts, test_labels = _data(data, tune)
    if held_out:
        texts, labels = test_texts, test_labels
    classes = list(tax.labels)
    counts = [int(r) for r in repeats.split(",")]
    runs = [(r, None) for r in counts] + ([(counts[-1], _embedder(embeddings))] if embeddings != "none" else [])
    rows = []
    for seed in range(seeds):
        rng = np.random.default_rng(100 + seed)
        sample = rng.choice(len(texts), min(n, len(texts)), replace=False)
        t = [texts[i] for i in sample]
        y, flag = _noisy([labels[i] for i in sample], classes, 0.10, rng)
        row = []
        for r, embedder in runs:
            start = time.process_time()
            P, _, cls, _, _, _ = out_of_fold(t, y, tax, folds=5, seed=seed, repeats=r, embedder=embedder)
            row.append(_top_share(suspicion_scores(P, label_matrix(y, cls), cls), flag))
            what = f"{r} shuffle(s)" + (f" + {embeddings}" if embedder is not None else "")
            print(f"seed {seed}, {what}: audit top-10% holds {row[-1]:.1%} of changed labels "
                  f"({time.process_time() - start:.0f} CPU-s)", flush=True)
        row.append(_top_share(_lr_baseline(t, y, classes, seed), flag))
        print(f"seed {seed}: plain OOF LR {row[-1]:.1%}", flush=True)
        rows.append(row)
    a = np.array(rows)
    sd = a.std(axis=0, ddof=1) if len(a) > 1 else np.zeros(a.shape[1])
    split = "test split" if held_out else "tuning split" if tune else "training split"
    print(f"{data} {split}, samples of {len(t):,}, labels of 10% of the rows "
          f"changed; share of changed rows in the top 10% (mean ± sd over {seeds} samples; random order: 10%):")
    for j, r in enumerate(counts):
        paired = f", paired to 1 shuffle {100 * (a[:, j] - a[:, 0]).mean():+.1f} points" if j and counts[0] == 1 else ""
        print(f"  audit, {r} shuffle(s) of the folds: {a[:, j].mean():.1%} ± {sd[j]:.1%}{paired}")
    if len(runs) > len(counts):
        j = len(counts)
        print(f"  audit --embeddings {embeddings}, {counts[-1]} shuffle(s): {a[:, j].mean():.1%} ± {sd[j]:.1%}, paired to "
              f"the same without {100 * (a[:, j] - a[:, j - 1]).mean():+.1f} points")
    print(f"  plain OOF LR 1-p(given): {a[:, -1].mean():.1%} ± {sd[-1]:.1%}")
    for j, what in enumerate(["--embeddings none"] + ([f"--embeddings {embeddings}"] if len(runs) > len(counts) else [])):
        share = a[:, len(counts) - 1 + j].mean()  # (audit's default, auto, is e5 when the teacher extra is installed)
        print(f"target >= 70% (audit {what}, {counts[-1]} shuffles): {'met' if share >= 0.70 else 'NOT met'}")


def bench_speed(n_pool: int = 100_000, n_labels: int = 1000) -> None:
    import json
    import tempfile
    import threading
    import urllib.request

    from feedback_classifier.jobs.label_app import LabelSession, make_server
    from feedback_classifier.jobs.suggest import suggest_file

    tax, texts, labels, test_texts, _ = banking77()
    rng = np.random.default_rng(0)
    every = texts + test_texts
    # distinct comments: two real messages joined (Banking77 alone has ~13,000)
    a, b = rng.integers(len(every), size=(2, n_pool))
    pool = pd.DataFrame({"id": [f"c{i}" for i in range(n_pool)],
                         "comment": [f"{every[i]} {every[j]}" for i, j in zip(a, b)]})
    work = Path(tempfile.mkdtemp())
    pool.to_csv(work / "pool.csv", index=False)
    picked = rng.choice(len(texts), n_labels, replace=False)
    pd.DataFrame({"comment": [texts[i] for i in picked],
                  "labels": [tax.format_labels(labels[i]) for i in picked]}).to_csv(work / "labels.csv", index=False)
    start = time.perf_counter()
    r = suggest_file(work / "pool.csv", work / "batch.csv", text_col="comment", labelled=work / "labels.csv", n=50)
    took = time.perf_counter() - start
    print(f"suggest: {n_pool:,}-comment pool, {n_labels:,} labels, n=50: {took:.1f} s end to end "
          f"(read, train, score, pick, write; ranker: {r.ranker}); target < 30 s: {'met' if took < 30 else 'NOT met'}")

    start = time.perf_counter()
    LabelSession(work / "pool.csv", work / "labels.csv", text_col="comment", retrain_every=10**9)
    ranked = time.perf_counter() - start
    start = time.perf_counter()
    session = LabelSession(work / "pool.csv", work / "labels.csv", text_col="comment", retrain_every=10**9,
                           background=True)  # as `label` opens it
    opened = time.perf_counter() - start
    server = make_server(session, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    state = json.loads(urllib.request.urlopen(url + "/api/state").read())
    times = {"while the suggestions are prepared": [], "after": []}
    for phase, runs in times.items():
        if phase == "after":
            session.wait_ready()
            ready = time.perf_counter() - start
        for _ in range(10 if phase != "after" else 30):
            body = json.dumps({"row": state["item"]["row"], "labels": state["item"]["ticked"]}).encode()
            req = urllib.request.Request(url + "/api/decide", body, {"Content-Type": "application/json"})
            t0 = time.perf_counter()
            state = json.loads(urllib.request.urlopen(req).read())
            runs.append(time.perf_counter() - t0)
    server.shutdown()
    print(f"label app start-up on the same files: first comment ready after {opened:.1f} s, as `label` opens it "
          f"(its suggestions after {ready:.1f} s, built in the background); "
          f"a session that ranks before it opens: {ranked:.1f} s")
    for phase, runs in times.items():
        ms = np.array(runs) * 1000
        print(f"label app: decision saved + next comment over HTTP, {phase}: median {np.median(ms):.0f} ms, "
              f"max {ms.max():.0f} ms over {len(ms)} decisions ({n_labels:,}+ rows in the labels file); "
              f"target < 100 ms: {'met' if np.median(ms) < 100 else 'NOT met'}")


def bench_retrain(sizes: str = "100,300,600,1000", n_pool: int = 20_000) -> None:
    """CPU seconds of the loop's retrain (``train_loop_model``, self-trained on a pool of ``n_pool``
    distinct comments) against ``train``'s plain fit on the same labels, Banking77."""
    tax, texts, labels, test_texts, _ = banking77()
    rng = np.random.default_rng(0)
    every = texts + test_texts
    a, b = rng.integers(len(every), size=(2, n_pool))
    pool = [f"{every[i]} {every[j]}" for i, j in zip(a, b)]  # distinct comments, as bench_speed's pool
    for n in map(int, sizes.split(",")):
        pick = rng.choice(len(texts), n, replace=False)
        t, y = [texts[i] for i in pick], [labels[i] for i in pick]
        c0 = time.process_time()
        FeedbackClassifier(taxonomy=tax, cv=3, random_state=0).fit(t, y)
        c1 = time.process_time()
        train_loop_model(t, y, tax, pool)
        c2 = time.process_time()
        print(f"{n} labels: plain fit {c1 - c0:.1f} s CPU, loop model (self-trained on a {n_pool:,} pool) "
              f"{c2 - c1:.1f} s CPU, {(c2 - c1) / (c1 - c0):.1f}x", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["suggest", "audit", "speed", "learner", "retrain"])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--tune", action="store_true", help="score on a split of train, not on test")
    parser.add_argument("--data", default="banking77", choices=["banking77", "semeval-en", "semeval-ru", "airline"],
                        help="suggest: the data set")
    parser.add_argument("--oracle", type=int, default=0, metavar="TRIES",
                        help="suggest: also an upper bound that picks each batch of 50 (suggest's + TRIES-1 random) "
                             "by its test score (0 = off)")
    parser.add_argument("--ranker", default="{}", help="suggest: JSON of train_loop_model keywords for the "
                        "model that ranks the rounds only, e.g. '{\"calibration_pool\": 0}'")
    parser.add_argument("--learners", default="plain,semi",
                        help="suggest: the learners compared (plain = train's classifier, semi = the loop's "
                             "self-trained one, variant = the loop's with --variant's settings)")
    parser.add_argument("--settings", default="{}", help="learner: JSON of FeedbackClassifier parameters "
                        "compared with the defaults, e.g. '{\"prototype_prior\": 0}'; \"embeddings\": NAME adds "
                        "what train --embeddings NAME does")
    parser.add_argument("--variant", default="{}", help="suggest: JSON of train_loop_model keywords for the "
                        "'variant' learner, e.g. '{\"smooth\": 0.5}'")
    parser.add_argument("--quick", action="store_true", help="suggest: only suggested 300, random 300 and 600")
    parser.add_argument("--first-seed", type=int, default=0, help="suggest: the first seed")
    parser.add_argument("--embeddings", default="none", help="audit: also with these sentence vectors (e5 or minilm)")
    parser.add_argument("--held-out", action="store_true", help="audit: samples from the test split")
    parser.add_argument("--n-labels", type=int, default=1000, help="speed: labelled rows beside the 100,000-comment pool")
    parser.add_argument("--audit-repeats", default="1,3", help="audit: numbers of fold shuffles to compare")
    parser.add_argument("--batches", default="50", help="suggest: round sizes of suggest's arms, e.g. 20,50")
    args = parser.parse_args()
    extra = {"suggest": {"data": args.data, "oracle": args.oracle, "learners": args.learners,
                         "variant": args.variant, "quick": args.quick, "first_seed": args.first_seed,
                         "batches": args.batches, "ranker": args.ranker},
             "learner": {"data": args.data, "settings": args.settings},
             "audit": {"data": args.data, "repeats": args.audit_repeats, "held_out": args.held_out,
                       "embeddings": args.embeddings},
             "speed": {"n_labels": args.n_labels}}.get(args.what, {})
    {"suggest": bench_suggest, "audit": bench_audit, "speed": bench_speed, "learner": bench_learner,
     "retrain": bench_retrain}[args.what](
        *([args.seeds] if args.what not in ("speed", "retrain") else []),
        **({"tune": True} if args.tune else {}), **extra)


if __name__ == "__main__":
    main()
