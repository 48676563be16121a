"""Coverage of `drivers --weight-col`'s 95% intervals over simulated weighted surveys.

A population of 400,000 respondents in two strata (A 70%, B 30%; B mentions Delivery more and scores
lower; Delivery and Price lower the score) is sampled with B oversampled to half the sample, so the
design weights are 1.4 (A) and 0.6 (B), each times a lognormal raking noise (sd 0.3 on the log). The
true values are the population's. For each simulated survey the weighted overall metric's interval
(Kish's effective n) and both categories' impact intervals (bootstrap on Kish's n) are checked for
covering the truth; the same intervals ignoring the weights are shown for contrast.

    OMP_NUM_THREADS=1 python benchmarks/survey_weights_coverage.py [--score-type nps|csat|mean] [--surveys 400] [--n 400]
"""

from __future__ import annotations

import argparse
import os
import warnings

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from feedback_classifier.insights import compute_drivers  # noqa: E402


def draw(stratum: np.ndarray, rng: np.random.Generator, score_type: str) -> tuple[np.ndarray, np.ndarray]:
    size = len(stratum)
    delivery = rng.random(size) < np.where(stratum == 1, 0.35, 0.15)
    price = rng.random(size) < 0.2
    base = np.where(stratum == 1, 6.5, 8.0) - 2.5 * delivery - 1.0 * price + rng.normal(0, 2.2, size)
    if score_type == "mean":  # a continuous score: the impact bootstrap's normal approximation of cell sums
        scores = base
    else:
        scores = np.clip(np.round(base / 2), 1, 5) if score_type == "csat" else np.clip(np.round(base), 0, 10)
    cats = np.where(delivery & price, "Delivery; Price", np.where(delivery, "Delivery", np.where(price, "Price", "")))
    return scores, cats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--score-type", default="nps", choices=["nps", "csat", "mean"])
    parser.add_argument("--surveys", type=int, default=400)
    parser.add_argument("--n", type=int, default=400, help="respondents per survey")
    parser.add_argument("--boot", type=int, default=400)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    rng = np.random.default_rng(12345)
    stratum = (rng.random(400_000) < 0.3).astype(int)
    scores, cats = draw(stratum, rng, args.score_type)
    truth = compute_drivers(pd.DataFrame({"s": scores, "categories": cats}), score_col="s",
                            score_type=args.score_type, n_boot=0)
    impacts = truth.level("parent").set_index("category")["impact"]
    a, b = np.flatnonzero(stratum == 0), np.flatnonzero(stratum == 1)
    hits = {"weighted": np.zeros(3), "ignoring the weights": np.zeros(3)}
    for r in range(args.surveys):
        idx = np.concatenate([rng.choice(a, args.n // 2), rng.choice(b, args.n // 2)])
        weight = np.where(stratum[idx] == 0, 1.4, 0.6) * rng.lognormal(0, 0.3, len(idx))
        df = pd.DataFrame({"s": scores[idx], "categories": cats[idx], "weight": weight})
        for name, col in (("weighted", "weight"), ("ignoring the weights", None)):
            res = compute_drivers(df, score_col="s", score_type=args.score_type, survey_weight=col,
                                  n_boot=args.boot, seed=r, min_n=0)
            table = res.level("parent").set_index("category")
            hits[name] += [res.overall.ci_low <= truth.overall.metric <= res.overall.ci_high] + [
                table.loc[c, "impact_low"] <= impacts[c] <= table.loc[c, "impact_high"] for c in ("Delivery", "Price")]
    print(f"{args.score_type}, {args.surveys} surveys of {args.n}: true {truth.overall.metric:.2f}, "
          f"impacts Delivery {impacts['Delivery']:.2f}, Price {impacts['Price']:.2f}")
    for name, hit in hits.items():
        print(f"  coverage {name}: metric {hit[0] / args.surveys:.3f}, Delivery impact {hit[1] / args.surveys:.3f}, "
              f"Price impact {hit[2] / args.surveys:.3f}")


if __name__ == "__main__":
    main()
