"""Is the bundled default model's confidence calibrated on real comments nobody here wrote?

    OMP_NUM_THREADS=1 python benchmarks/default_calibration.py [--split heldout|dev]

``benchmarks/calibration.py`` checks the models ``train`` makes, on test splits of their own
domain. This checks what ``classify`` writes with the bundled default model (``enrich``: parts,
keyword and zero-shot lifts, the single-topic rule) on the held-out halves of
``real_comments.py``'s sets (Banking77, SemEval-2016 en / ru mapped to cx-default parents). Only
parents have gold there, so it scores parents: every (comment, parent) pair's ``p: <parent>``
(ECE over all pairs and over those at p >= 0.1), and the predicted parents binned by their
probability (mean probability against the share that is a gold parent), overall and per parent. A predicted parent the
mapping has no code for counts as wrong (Banking77 leaves unclear intents out, and SemEval's
RESTAURANT and FOOD > STYLE_OPTIONS are not mapped), so the share right is a lower bound. Not
tuned on: it only reads.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
from calibration import ece, reliability  # noqa: E402
from real_comments import banking77, semeval  # noqa: E402


def score(name: str, df: pd.DataFrame, model) -> None:
    from feedback_classifier.model import enrich

    out = enrich(pd.DataFrame({"t": df["text"].astype(str).tolist()}), model, "t", probabilities=True,
                 lang="en", sentiment=False)
    tax, gold = model.taxonomy_, df["gold"].tolist()
    predicted = [{label[0] for label in tax.parse_labels(cell)} if cell else set() for cell in out["parent_categories"]]
    P, Y, D = [], [], []
    for label in model.classes_:
        if label[1] is not None:
            continue
        P.append(out["p: " + tax.display_name(label, "en")].to_numpy(float))
        Y.append(np.array([label[0] in g for g in gold], float))
        D.append(np.array([label[0] in s for s in predicted]))
    p, y, d = np.concatenate(P), np.concatenate(Y), np.concatenate(D)
    wide = p >= 0.1
    print(f"{name}: {len(df):,} comments; (comment, parent) pairs ECE {ece(p, y):.3f}, at p >= 0.1 "
          f"{ece(p[wide], y[wide]):.3f} (n {wide.sum()}); predicted parents ECE {ece(p[d], y[d]):.3f}, "
          f"mean p {p[d].mean():.3f}, right {y[d].mean():.3f} (n {d.sum()})")
    print(reliability(p[d], y[d]))
    parents = [label for label in model.classes_ if label[1] is None]
    for label, pj, yj, dj in zip(parents, P, Y, D):
        if dj.sum() >= 20 and yj.any():  # a parent the set has gold for, predicted often enough to bin
            print(f"    {tax.display_name(label, 'en')}: predicted ECE {ece(pj[dj], yj[dj]):.3f}, mean p "
                  f"{pj[dj].mean():.3f}, right {yj[dj].mean():.3f} (n {dj.sum()})")
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=HERE.parents[1] / "shared" / "data")
    parser.add_argument("--split", choices=["dev", "heldout"], default="heldout")
    args = parser.parse_args()
    from feedback_classifier.model import default_model

    model = default_model()
    score("banking77 (en)", banking77(args.data, args.split), model)
    score("semeval restaurants (en)", semeval(args.data, "en", args.split), model)
    score("semeval restaurants (ru)", semeval(args.data, "ru", args.split), model)


if __name__ == "__main__":
    main()
