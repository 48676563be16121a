"""Issue 13: polarity with tone words learned from scored comments (``train --unlabelled-score-col``).

SemEval-2016 restaurants, slot 3 (polarity of each gold category, as ``semeval_polarity.py``).
The scored comments are the restaurant-review sentences of ``benchmarks/restaurant_pool.py``
with their review's 1-5 rating (``rating``), read as ``--score-type csat``: 1-2 the bad end,
4-5 the good end, 3 left out. They are read by ``jobs.tone.tone_words_from_file``, the
function ``train`` uses, and no SemEval sentence is among them (the pool drops them).

Protocol: the default ``AspectSentiment`` against the same with the tone words, paired,

* repeated grouped 5-fold CV (``--repeats`` review-to-fold shuffles) on the dev 80% of the
  reviews (``semeval_data.split_held_out``): where ``jobs.tone.TONE_C`` was looked at;
* the held-out 20%, trained on the dev 80%, scored once;
* ``--official-test``: trained on the whole training file, the official test file scored once
  (``SEMEVAL2016_TEST_DIR``, as ``semeval_polarity.py``);

each with the sd of the paired difference over 200 bootstrap resamples of whole reviews.

``--bundled`` also scores what a model trained without ``--sentiment-col`` carries: the bundled
sentiment model against the same taught the tone words (``default_sentiment.bundled_sentiment``),
on every opinion of the training file and the official test file (neither model saw a SemEval
label, so nothing is held out), with the recall of positive and of negative opinions.

``--sentence-weight 0.6`` gives both models the e5 part (``sentence_tone.py``, what ``train --embeddings e5
--sentiment-col`` adds): the tone words on top of e5, the combination ``train --embeddings e5
--sentiment-col polarities --unlabelled FILE --unlabelled-score-col rating`` makes.

Run: ``OMP_NUM_THREADS=1 python benchmarks/semeval_tone.py --scored DIR [--lang en ru] [--repeats 3]
[--official-test] [--bundled] [--sentence-weight 0.6]`` (DIR: ``restaurant_pool.py``'s ``--out``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from functools import partial
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from feedback_classifier.insights import ScoreSpec  # noqa: E402
from feedback_classifier.jobs.tone import tone_words_from_file  # noqa: E402
from feedback_classifier.model.sentiment import AspectSentiment, parse_opinions  # noqa: E402
from feedback_classifier.model.sentiment_eval import _flat  # noqa: E402
from feedback_classifier.tableio import DEFAULT_READ  # noqa: E402
from feedback_classifier.taxonomy import load_taxonomy  # noqa: E402
from semeval_data import official_test_path, split_held_out  # noqa: E402
from semeval_polarity import load, repeated_cv  # noqa: E402


def paired_hits(models, texts, opinions):
    """Per gold opinion, whether each model judged it right (one boolean array per model)."""
    pair_text = [t for t, ops in zip(texts, opinions) for _ in ops]
    pair_label = [lab for ops in opinions for lab, _ in ops]
    gold = np.array([pol for ops in opinions for _, pol in ops])
    return [np.array(m.predict(pair_text, pair_label)) == gold for m in models]


def once(base_hits, tone_hits, reviews, opinions, n=200) -> dict:
    """Both accuracies (x100) and the paired difference's sd over ``n`` resamples of whole reviews."""
    pair_review = np.array([r for r, ops in zip(reviews, opinions) for _ in ops])
    rows_of = [np.flatnonzero(pair_review == r) for r in np.unique(pair_review)]
    diff = tone_hits.astype(float) - base_hits
    rng = np.random.default_rng(0)
    boot = [100 * diff[np.concatenate([rows_of[k] for k in rng.integers(0, len(rows_of), len(rows_of))])].mean()
            for _ in range(n)]
    return {"base": 100 * base_hits.mean(), "tone": 100 * tone_hits.mean(), "diff": 100 * diff.mean(),
            "sd": float(np.std(boot, ddof=1))}


def report(name: str, r: dict) -> None:
    print(f"  {name}: default {r['base']:.2f}, with tone words {r['tone']:.2f}, "
          f"paired {r['diff']:+.2f} ± {r['sd']:.2f}", flush=True)


def tone_of(lang: str, args, texts, content_grams: bool = False):
    began = time.process_time()
    tone = tone_words_from_file(args.scored / f"{lang}_restaurant_sentences.csv", "text", args.score_col,
                                ScoreSpec.make(args.score_type), labelled=texts, read=DEFAULT_READ,
                                content_grams=content_grams)
    print(f"[{lang}] {len(tone.words):,} tone words from {tone.good:,} comments at the good end and {tone.bad:,} at "
          f"the bad end ({tone.middle:,} in the middle left out) in {time.process_time() - began:.1f} CPU-s",
          flush=True)
    for note in tone.notes:
        print(f"  note: {note}", flush=True)
    return tone


def bundled(lang: str, args, taxonomy) -> None:
    """The bundled sentiment model as is and taught the tone words, on every opinion it never saw."""
    from feedback_classifier.model.default_sentiment import bundled_sentiment

    texts, opinions, groups = load(lang, taxonomy)
    tone = tone_of(lang, args, texts, content_grams=True)
    models = [bundled_sentiment(), bundled_sentiment(tone_words=tone.words)]
    sets = [("training file, all opinions", texts, opinions, groups)]
    path = official_test_path(lang)
    if args.official_test and path.exists():
        test = pd.read_csv(path, keep_default_na=False, dtype=str)
        sets.append(("official test", test["text"].tolist(), [
            parse_opinions(taxonomy, c, row=i + 1, column="polarities") for i, c in enumerate(test["polarities"])],
            test["review_id"].to_numpy()))
    for name, t, ops, reviews in sets:
        hits = paired_hits(models, t, ops)
        gold = np.array([pol for o in ops for _, pol in o])
        report(f"bundled model, {name} ({len(gold):,} opinions)", once(*hits, list(reviews), ops))
        recall = [f"{p} {100 * h[gold == p].mean():.1f}" for h in hits for p in ("positive", "negative")]
        print(f"    recall: default {recall[0]} / {recall[1]}; with tone words {recall[2]} / {recall[3]}", flush=True)
        pairs = [(text, label) for text, o in zip(t, ops) for label, _ in o]
        called = [100 * np.mean(np.array(m.predict([a for a, _ in pairs], [b for _, b in pairs])) == "negative")
                  for m in models]
        print(f"    opinions called complaints: default {called[0]:.1f}%, with tone words {called[1]:.1f}%, "
              f"gold {100 * np.mean(gold == 'negative'):.1f}%", flush=True)


def run(lang: str, args, taxonomy) -> None:
    texts, opinions, groups = load(lang, taxonomy)
    tone = tone_of(lang, args, texts)
    dev, held = split_held_out(groups)
    plain = partial(AspectSentiment, sentence_weight=args.sentence_weight)
    with_tone = partial(plain, tone_words=tone.words)
    base = repeated_cv(plain, texts, opinions, groups, dev, 5, args.repeats)
    ours = repeated_cv(with_tone, texts, opinions, groups, dev, 5, args.repeats)
    d = ours - base
    print(f"  dev repeated grouped CV ({args.repeats} shuffles): default {base.mean():.2f}, with tone words "
          f"{ours.mean():.2f}, paired {d.mean():+.2f} (per shuffle {', '.join(f'{x:+.2f}' for x in d)})", flush=True)
    models = [make().fit(*_flat(texts, opinions, dev)) for make in (plain, with_tone)]
    held_ops = [opinions[i] for i in held]
    hits = paired_hits(models, [texts[i] for i in held], held_ops)
    report(f"held-out 20% ({len(held)} sentences), once", once(*hits, groups[held], held_ops))
    if args.official_test:
        official(lang, taxonomy, texts, opinions, plain, with_tone)
    if args.whole_file_cv:
        every = np.arange(len(texts))
        base, ours = (repeated_cv(m, texts, opinions, groups, every, 5, args.repeats) for m in (plain, with_tone))
        print(f"  whole-file repeated grouped CV (every review, {args.repeats} shuffles): default {base.mean():.2f}, "
              f"with tone words {ours.mean():.2f}, paired {(ours - base).mean():+.2f}", flush=True)


def official(lang, taxonomy, texts, opinions, plain, with_tone) -> None:
    path = official_test_path(lang)
    if not path.exists():
        print(f"  no official test file at {path}: skipped", flush=True)
        return
    test = pd.read_csv(path, keep_default_na=False, dtype=str)
    t_ops = [parse_opinions(taxonomy, c, row=i + 1, column="polarities") for i, c in enumerate(test["polarities"])]
    rows = np.arange(len(texts))
    models = [make().fit(*_flat(texts, opinions, rows)) for make in (plain, with_tone)]
    hits = paired_hits(models, test["text"].tolist(), t_ops)
    report(f"official test ({test['review_id'].nunique()} reviews), once", once(*hits, test["review_id"].tolist(), t_ops))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scored", type=Path, required=True,
                        help="folder with <lang>_restaurant_sentences.csv (benchmarks/restaurant_pool.py --out)")
    parser.add_argument("--lang", nargs="+", default=["en", "ru"])
    parser.add_argument("--score-col", default="rating")
    parser.add_argument("--score-type", default="csat")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--official-test", action="store_true")
    parser.add_argument("--bundled", action="store_true", help="also the bundled sentiment model with tone words")
    parser.add_argument("--whole-file-cv", action="store_true",
                        help="also repeated grouped CV over every review of the training file (none held out)")
    parser.add_argument("--sentence-weight", type=float, default=0.0,
                        help="both models with the e5 part at this weight (0.6: train --embeddings e5's)")
    args = parser.parse_args(argv)
    taxonomy = load_taxonomy("semeval-restaurants")
    for lang in args.lang:
        if args.bundled:
            bundled(lang, args, taxonomy)
        run(lang, args, taxonomy)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
