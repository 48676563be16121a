"""Polarity of a parent category given alone, by a model trained on subcategories (SemEval-2016).

A user's model is often trained on subcategories only, yet it judges parents: a parent given by hand
(``classify --categories-col``, e.g. "SERVICE") or predicted without a child. ``AspectSentiment``
then gives each parent no training opinion names its children's prior and aspect words
(``parent_priors``, ``sentiment_fit.parent_columns``); without them the parent is judged as no
category at all. Here every SemEval sentence whose opinions about one parent agree makes one
(sentence, parent) judgement, scored by accuracy, for the words-only model (the shipped setting)
with and without ``parent_priors``, in the same folds: grouped 5-fold CV on the development 80% of
the reviews over ``--repeats`` review-to-fold shuffles, then trained on that 80% and scored once on
the held-out 20% (``semeval_data.split_held_out``), the paired difference there ± its sd over
200 bootstrap resamples of the held-out reviews.

Run: ``OMP_NUM_THREADS=1 python benchmarks/semeval_parent_polarity.py [--lang en ru] [--repeats 3]``
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from feedback_classifier.model.sentiment import AspectSentiment  # noqa: E402
from feedback_classifier.model.sentiment_eval import _flat  # noqa: E402
from feedback_classifier.taxonomy import load_taxonomy  # noqa: E402
from semeval_data import fold_ids, split_held_out  # noqa: E402
from semeval_polarity import load  # noqa: E402


def parent_judgements(texts, opinions, groups, rows):
    """``(texts, parents, gold, reviews)``: one per sentence of ``rows`` and parent whose opinions agree."""
    out = ([], [], [], [])
    for i in rows:
        by: dict = {}
        for (parent, _), polarity in opinions[i]:
            by.setdefault(parent, set()).add(polarity)
        for parent, polarities in by.items():
            if len(polarities) == 1:
                for part, value in zip(out, (texts[i], (parent, None), next(iter(polarities)), groups[i])):
                    part.append(value)
    return out


def right(texts, opinions, groups, train, test, parent_priors: bool) -> tuple[np.ndarray, np.ndarray]:
    """Whether each parent judgement of ``test`` is right, and its review."""
    model = AspectSentiment(parent_priors=parent_priors).fit(*_flat(texts, opinions, train))
    t, parents, gold, reviews = parent_judgements(texts, opinions, groups, test)
    return np.array(model.predict(t, parents)) == np.array(gold), np.array(reviews)


def review_bootstrap_sd(diff: np.ndarray, reviews: np.ndarray, n: int = 200, seed: int = 0) -> float:
    """Sd, over ``n`` resamples of the reviews, of the mean of ``diff`` (one value per judgement)."""
    rng = np.random.default_rng(seed)
    codes, uniques = pd.factorize(reviews)
    sums, counts = np.bincount(codes, weights=diff), np.bincount(codes)
    picks = rng.integers(0, len(uniques), size=(n, len(uniques)))
    return float(np.std(sums[picks].sum(1) / counts[picks].sum(1)))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", nargs="+", default=["en", "ru"])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    taxonomy = load_taxonomy("semeval-restaurants")
    for lang in args.lang:
        texts, opinions, groups = load(lang, taxonomy)
        dev, held = split_held_out(groups)
        scored = {}
        for priors in (False, True):
            per_repeat = []
            for repeat in range(args.repeats):
                fold = fold_ids(groups[dev], 5, repeat + 1)
                ok = np.concatenate([right(texts, opinions, groups, dev[fold != k], dev[fold == k], priors)[0]
                                     for k in range(5)])
                per_repeat.append(100 * ok.mean())
            scored[priors] = right(texts, opinions, groups, dev, held, priors)
            print(f"[{lang}] parent_priors={priors!s:5}  dev CV {np.mean(per_repeat):.2f} "
                  f"(per shuffle {', '.join(f'{p:.2f}' for p in per_repeat)}), held-out "
                  f"{100 * scored[priors][0].mean():.2f} ({len(scored[priors][0])} judgements)", flush=True)
        diff = scored[True][0].astype(float) - scored[False][0]
        print(f"[{lang}] held-out, with - without: {100 * diff.mean():+.2f} "
              f"± {100 * review_bootstrap_sd(diff, scored[True][1]):.2f} (sd over 200 resamples of its reviews)",
              flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
