"""No-opinion answers called neutral, at no cost to comments that state one (issue 13 follow-up).

The bundled sentiment model judged "ok", "nothing", "-", "н/д", "нет" negative. Two rules
for comments the model judges (whole, or per category), compared with the model alone:

* ``list``: the answer is a listed filler answer in any spelling, punctuation only, or a
  mash / number (``lang.junk.is_no_opinion``, the list in ``data/no_opinion_answers.csv``);
* ``list+band``: also neutral when a comment judged whole has
  ``|log p(pos) - log p(neg)| < m`` (a calibrated neutral band);
* ``list+words``: instead, neutral when no word n-gram of a comment judged whole weighs
  more than ``m`` towards positive or negative (no evidence-bearing opinion word);
  ``list+words-cap``: the widest such ``m`` costing at most 0.5 point of dev ``whole mR``.
(``exact``: the listed answers only, without combining their words.)

Per seed, the SemEval-2016 sentences (en, ru; grouped by review) and the filler list are
split into two halves. ``m`` is chosen on the DEV half (the margin that maximises macro
recall over negative, neutral, positive: SemEval sentences with no gold opinion and the
dev half of the filler list are the neutral examples, sentences whose opinions are all
positive / all negative the others); the list rule uses only the dev half of the list.
Printed on the HELD-OUT half, mean ± sd over seeds:

* ``no-op``: SemEval sentences with no gold opinion called neutral (judged whole);
* ``filler``: held-out filler answers of the language called neutral (an answer the dev
  half does not list must be caught by spelling folding, by being made of listed answers'
  words, by the junk test or by the band);
* ``whole acc`` / ``whole mR``: opinionated sentences judged whole (gold: their overall
  polarity; mR = mean recall of positive and negative);
* ``pair acc`` / ``pair mR``: every gold opinion given its category (the
  ``bundled_sentiment.py`` protocol, neutral opinions counted in the accuracy).

Run: ``OMP_NUM_THREADS=1 python benchmarks/no_opinion.py [--seeds 5]``
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from semeval_data import data_dir  # noqa: E402

from feedback_classifier.lang import junk  # noqa: E402
from feedback_classifier.model.default_sentiment import default_sentiment_model  # noqa: E402
from feedback_classifier.model.sentiment import POLARITIES, overall_polarity, parse_opinions  # noqa: E402
from feedback_classifier.taxonomy import load_taxonomy  # noqa: E402

MARGINS = np.round(np.arange(0.0, 3.01, 0.1), 2)
EV_MARGINS = np.round(np.arange(0.0, 1.51, 0.05), 2)
NEG, NEU, POS = range(3)


def load(lang: str, taxonomy) -> dict:
    """Sentences, their review, whole gold polarity code (-1: mixed) and gold opinions."""
    df = pd.read_csv(data_dir() / f"restaurants_{lang}_train.csv", keep_default_na=False, dtype=str)
    opinions = [parse_opinions(taxonomy, c, row=i + 1, column="polarities") for i, c in enumerate(df["polarities"])]
    whole = [POLARITIES.index(o) if o in POLARITIES else -1
             for o in (overall_polarity([p for _, p in ops]) if ops else "neutral" for ops in opinions)]
    return {"text": df["text"].tolist(), "review": df["review_id"].to_numpy(), "whole": np.array(whole),
            "opinion": np.array([bool(ops) for ops in opinions]), "opinions": opinions}


def whole_scores(model, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(argmax code, |log p(pos) - log p(neg)|) of each text judged whole."""
    proba = model.predict_proba(texts, [None] * len(texts))
    gap = np.abs(np.log(proba[:, POS] + 1e-12) - np.log(proba[:, NEG] + 1e-12))
    return proba.argmax(axis=1), gap


def evidence(model, texts: list[str]) -> np.ndarray:
    """Per text judged whole, the largest |positive - negative| weight of one of its word
    n-gram features (global and local blocks): how strong its most opinionated word is."""
    delta = model.coef_[POS] - model.coef_[NEG]
    out = np.zeros(len(texts))
    for i, text in enumerate(texts):
        feats = model._features(model._analyse(text), None)
        weights = [abs(v * delta[model.vocabulary_[n]]) for n, v in feats.items()
                   if n[:2] in ("g:", "l:") and n in model.vocabulary_]
        out[i] = max(weights, default=0.0)
    return out


def apply(codes, gap, listed, margin):
    out = np.where(listed, NEU, codes)
    return out if margin is None else np.where(gap < margin, NEU, out)


def whole_mr(pred, gold) -> float:
    return float(np.mean([np.mean(pred[gold == k] == k) for k in (NEG, POS)]))


def macro3(pred, gold) -> float:
    return float(np.mean([np.mean(pred[gold == k] == k) for k in (NEG, NEU, POS) if (gold == k).any()]))


def listed_by(lists, texts) -> np.ndarray:
    """``is_no_opinion`` with ``lists`` (built from the dev half of the list) as the list."""
    saved = junk._lists
    junk._lists = lists
    try:
        return np.array(junk.no_opinion_mask(list(texts)))
    finally:
        junk._lists = saved


def run_seed(seed: int, data: dict, rows: list[tuple], model, cache: dict) -> dict:
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(rows))
    fillers = [a for a, _ in rows]
    dev_fill = [fillers[i] for i in order[: len(rows) // 2]]
    test_fill = [fillers[i] for i in order[len(rows) // 2:]]
    dev_rows = [rows[i] for i in order[: len(rows) // 2]]
    lists = {"exact": junk.NoOpinionAnswers.of((a, False) for a, _ in dev_rows), "list": junk.NoOpinionAnswers.of(dev_rows)}
    out = {}
    for lang, d in data.items():
        reviews = np.unique(d["review"])
        dev_reviews = set(rng.permutation(reviews)[: len(reviews) // 2])
        dev = np.array([r in dev_reviews for r in d["review"]])
        codes, gap = cache[lang]
        listed = listed_by(lists["list"], d["text"])
        f_codes, f_gap = cache["filler"]
        f_dev = np.isin(np.array(fillers), dev_fill)
        f_listed = listed_by(lists["list"], fillers)
        # the margin: best dev macro recall over neg / neutral / pos (no-opinion sentences and dev fillers neutral)
        keep = dev & (d["whole"] >= 0)
        gold = np.concatenate([np.where(d["opinion"][keep], d["whole"][keep], NEU), np.full(f_dev.sum(), NEU)])
        best, best_ev = (max(grid, key=lambda m: (macro3(np.concatenate([
            apply(codes[keep], g[keep], listed[keep], m), apply(f_codes[f_dev], f_g[f_dev], f_listed[f_dev], m)]),
            gold), -m)) for grid, g, f_g in ((MARGINS, gap, f_gap), (EV_MARGINS, cache[lang + "-ev"], cache["filler-ev"])))
        test, f_test = ~dev, np.isin(np.array(fillers), test_fill) & (cache["filler-lang"] == lang)
        # capped: the widest band whose dev cost on opinionated sentences judged whole is <= 0.5 point of mR
        opin_dev = dev & d["opinion"] & (d["whole"] >= 0)
        base_mr = whole_mr(codes[opin_dev], d["whole"][opin_dev])
        capped = max(m for m in EV_MARGINS if whole_mr(apply(codes[opin_dev], cache[lang + "-ev"][opin_dev],
                                                             listed[opin_dev], m), d["whole"][opin_dev]) >= base_mr - 0.005)
        exact, f_exact = listed_by(lists["exact"], d["text"]), listed_by(lists["exact"], fillers)
        none, f_none = np.zeros_like(listed), np.zeros_like(f_listed)
        for rule, use, f_use, margin in (("model", none, f_none, None), ("exact", exact, f_exact, None),
                                         ("list", listed, f_listed, None), ("list+band", listed, f_listed, best),
                                         ("list+words", listed, f_listed, best_ev),
                                         ("list+words-cap", listed, f_listed, capped)):
            g, f_g = (cache[lang + "-ev"], cache["filler-ev"]) if rule.startswith("list+words") else (gap, f_gap)
            pred = apply(codes, g, use, margin)
            f_pred = apply(f_codes, f_g, f_use, margin)
            out[(lang, rule)] = _metrics(d, test, pred, f_pred[f_test], use, cache[lang + "-pairs"])
        out[(lang, "list+band")]["m"] = float(best)
        out[(lang, "list+words")]["m"] = float(best_ev)
        out[(lang, "list+words-cap")]["m"] = float(capped)
    return out


def _metrics(d, test, pred, f_pred, listed, pairs) -> dict:
    noop = test & ~d["opinion"]
    opin = test & d["opinion"] & (d["whole"] >= 0)
    out = {"no-op": np.mean(pred[noop] == NEU), "filler": np.mean(f_pred == NEU),
           "whole acc": np.mean(pred[opin] == d["whole"][opin]),
           "whole mR": np.mean([np.mean(pred[opin & (d["whole"] == k)] == k) for k in (NEG, POS)])}
    sent, p_codes, p_gold = pairs
    in_test = test[sent]
    p_pred = np.where(listed[sent], NEU, p_codes)[in_test]
    g = p_gold[in_test]
    out["pair acc"] = np.mean(p_pred == g)
    out["pair mR"] = np.mean([np.mean(p_pred[g == k] == k) for k in (NEG, POS)])
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5)
    args = ap.parse_args(argv)
    taxonomy = load_taxonomy("semeval-restaurants")
    model = default_sentiment_model()
    table = pd.read_csv(junk.NO_OPINION_FILE, dtype=str, keep_default_na=False)
    rows = list(zip(table["answer"], table["combine"] == "yes"))
    fillers = [a for a, _ in rows]
    data = {lang: load(lang, taxonomy) for lang in ("en", "ru")}
    cache = {"filler": whole_scores(model, fillers), "filler-ev": evidence(model, fillers),
             "filler-lang": table["lang"].to_numpy()}
    for lang, d in data.items():
        cache[lang] = whole_scores(model, d["text"])
        cache[lang + "-ev"] = evidence(model, d["text"])
        sent = np.array([i for i, ops in enumerate(d["opinions"]) for _ in ops])
        labels = [lab for ops in d["opinions"] for lab, _ in ops]
        gold = np.array([POLARITIES.index(p) for ops in d["opinions"] for _, p in ops])
        p_codes = model.predict_proba([d["text"][i] for i in sent], labels).argmax(axis=1)
        cache[lang + "-pairs"] = (sent, p_codes, gold)
        listed = np.array(junk.no_opinion_mask(d["text"]))
        print(f"{lang}: {len(d['text'])} sentences, {int((~d['opinion']).sum())} without an opinion, "
              f"{int(listed.sum())} matching the full list: {[t for t, x in zip(d['text'], listed) if x][:5]}")
    results = [run_seed(s, data, rows, model, cache) for s in range(args.seeds)]
    names = ["no-op", "filler", "whole acc", "whole mR", "pair acc", "pair mR"]
    print(f"held-out halves, mean ± sd over {args.seeds} seeds")
    print(f"{'':19s}" + "".join(f"{n:>15s}" for n in names) + "      m")
    for key in results[0]:
        vals = {n: np.array([r[key][n] for r in results]) for n in names}
        line = f"{key[0]} {key[1]:15s} " + "".join(f"  {vals[n].mean():.3f} ± {vals[n].std():.3f}" for n in names)
        if "m" in results[0][key]:
            line += "  " + ",".join(f"{r[key]['m']:.1f}" for r in results)
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
