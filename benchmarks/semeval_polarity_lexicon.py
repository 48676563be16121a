"""Would a general English valence lexicon (VADER's, MIT) help per-category polarity? (issue 13)

``AspectSentiment``'s lexicon features read the bundled praise/complaint list
(``data/sentiment_lexicon.csv``, ~380 words). VADER's lexicon (Hutto & Gilbert 2014, ~7,500
rated words, MIT; in the ``vaderSentiment`` package: ``pip download vaderSentiment --no-deps``
and unzip, or pass any file of ``word<TAB>valence`` lines) knows many more words. Here its
one-word entries are lemmatised, added where the bundled list has no entry, and weighed
``sign`` (+-1) or ``scaled`` (valence / 2), entries with |valence| < ``thr`` dropped.

Protocol: every variant against the bundled list alone by repeated grouped CV on the dev 80%
of the reviews (paired repeat by repeat); ``--once MODE:THR`` scores that one variant once
on the held-out 20% and on the official test (``$SEMEVAL2016_TEST_DIR``), paired against the
bundled list (difference ± sd over 200 bootstrap resamples of reviews).

Run: ``OMP_NUM_THREADS=1 python benchmarks/semeval_polarity_lexicon.py --vader vader_lexicon.txt
--lang en --variants scaled:0.5 sign:0.5 --repeats 5`` then ``... --once scaled:0.5``.
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
import semeval_polarity as sp  # noqa: E402
from semeval_data import official_test_path, split_held_out  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import feedback_classifier.model.sentiment as sentiment  # noqa: E402
from feedback_classifier.model.sentiment import parse_opinions  # noqa: E402
from feedback_classifier.model.sentiment_eval import _flat  # noqa: E402
from feedback_classifier.taxonomy import load_taxonomy  # noqa: E402

BUNDLED = sentiment.lexicon_table
SETTING = {"en": (10.0, 1.0, 1.0), "ru": (10.0, 1.0, 2.0)}  # the chosen defaults (semeval_polarity.py)


def read_vader(path) -> dict[str, float]:
    out = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) >= 2:
            out[parts[0]] = float(parts[1])
    return out


def widened(vader: dict[str, float], mode: str, thr: float):
    """A ``lexicon_table`` replacement: the bundled table plus VADER's lemmatised entries."""
    def table(analyzer):
        lean: dict[str, list[float]] = {}
        for word, v in vader.items():
            tokens = [t for t in analyzer(word) if t[:1].isalnum()]
            if abs(v) >= thr and len(tokens) == 1:
                lean.setdefault(tokens[0], []).append(v)
        out = {t: (float(np.sign(np.mean(vs))) if mode == "sign" else float(np.clip(np.mean(vs) / 2, -2, 2)))
               for t, vs in lean.items()}
        out.update(BUNDLED(analyzer))  # the bundled list wins where both have a word
        return out
    return table


def use(table) -> None:
    sentiment.lexicon_table = table


def hits(model, texts, opinions) -> np.ndarray:
    pairs = [(t, lab) for t, ops in zip(texts, opinions) for lab, _ in ops]
    gold = np.array([pol for ops in opinions for _, pol in ops])
    return np.array(model.predict([t for t, _ in pairs], [lab for _, lab in pairs])) == gold


def paired(h0, h1, reviews, opinions, n=200) -> str:
    rev = np.array([r for r, ops in zip(reviews, opinions) for _ in ops])
    keys = np.unique(rev)
    rows = {k: np.flatnonzero(rev == k) for k in keys}
    rng = np.random.default_rng(0)
    d = []
    for _ in range(n):
        idx = np.concatenate([rows[keys[k]] for k in rng.integers(0, len(keys), len(keys))])
        d.append(100 * (h1[idx].mean() - h0[idx].mean()))
    return (f"bundled {100 * h0.mean():.2f}, widened {100 * h1.mean():.2f}, "
            f"paired {np.mean(d):+.2f} ± {np.std(d, ddof=1):.2f}")


def cv(lang, vader, variants, repeats, data) -> None:
    texts, opinions, groups, dev = data
    first = None
    for name in ["bundled"] + variants:
        use(BUNDLED if name == "bundled" else widened(vader, *_variant(name)))
        s = sp.repeated_cv(lambda: sp.make_model(SETTING[lang]), texts, opinions, groups, dev, 5, repeats)
        first = s if first is None else first
        d = s - first
        print(f"[{lang}] {name}: CV {s.mean():.2f} (sd {s.std():.2f}); paired {d.mean():+.2f} "
              f"(min {d.min():+.2f}, max {d.max():+.2f})", flush=True)


def once(lang, vader, name, taxonomy, data) -> None:
    texts, opinions, groups, dev = data
    held = np.setdiff1d(np.arange(len(texts)), dev)

    def fit(rows, table):
        use(table)
        return sp.make_model(SETTING[lang]).fit(*_flat(texts, opinions, rows))

    table = widened(vader, *_variant(name))
    ht, ho = [texts[i] for i in held], [opinions[i] for i in held]
    h0, h1 = (hits(fit(dev, t), ht, ho) for t in (BUNDLED, table))
    print(f"[{lang}] {name}, held-out ({len(held)} sentences): {paired(h0, h1, groups[held], ho)}", flush=True)
    path = official_test_path(lang)
    if path.exists():
        test = pd.read_csv(path, keep_default_na=False, dtype=str)
        tops = [parse_opinions(taxonomy, c, row=i + 1, column="polarities") for i, c in enumerate(test["polarities"])]
        every = np.arange(len(texts))
        h0, h1 = (hits(fit(every, t), test["text"].tolist(), tops) for t in (BUNDLED, table))
        print(f"[{lang}] {name}, official test: {paired(h0, h1, test['review_id'].to_numpy(), tops)}", flush=True)


def _variant(name: str) -> tuple[str, float]:
    mode, thr = name.split(":")
    return mode, float(thr)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vader", required=True, help="VADER's vader_lexicon.txt (word<TAB>valence...)")
    parser.add_argument("--lang", nargs="+", default=["en", "ru"])
    parser.add_argument("--variants", nargs="+", default=["scaled:0.5", "sign:0.5"])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--once", metavar="MODE:THR", help="score this variant once (held-out, official test)")
    args = parser.parse_args(argv)
    vader = read_vader(args.vader)
    taxonomy = load_taxonomy("semeval-restaurants")
    for lang in args.lang:
        texts, opinions, groups = sp.load(lang, taxonomy)
        dev, _ = split_held_out(groups)
        data = (texts, opinions, groups, dev)
        if args.once:
            once(lang, vader, args.once, taxonomy, data)
        else:
            cv(lang, vader, args.variants, args.repeats, data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
