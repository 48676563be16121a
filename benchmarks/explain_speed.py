"""Speed of the evidence column: ``enrich(..., explain=True)`` against plain ``enrich``.

Not a test: prints its numbers. Run from the repository root:

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/explain_speed.py
    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/explain_speed.py --rows 20000 --distinct 20000

Two inputs, both classified with the bundled default model (``cx-default``):

- ``survey``: the bundled example survey's comments repeated to ``--rows`` rows (real
  comments, ~1,800 distinct: enrich analyses each distinct comment once per chunk);
- ``distinct``: ``--distinct`` distinct generated ~15-word comments (words of the bundled
  examples, English or Russian, seeded), the worst case for per-comment work.

For each: rows/s without and with evidence and their ratio, measured in the same process.
Target: >= 10,000 comments/s with evidence on the distinct ~15-word comments.
"""

from __future__ import annotations

import argparse
import os
import re
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "feedback_classifier" / "data"
_WORD_RE = re.compile(r"[A-Za-z']+|[А-Яа-яЁё]+")


def distinct_comments(n: int, words: int = 15, seed: int = 0) -> list[str]:
    examples = pd.read_csv(DATA / "cx_default_examples.csv")
    rng = np.random.default_rng(seed)
    vocab = {
        lang: np.array(sorted(set(_WORD_RE.findall(" ".join(examples.loc[examples["lang"] == lang, "text"].dropna()).lower()))))
        for lang in ("en", "ru")
    }
    out: set[str] = set()
    while len(out) < n:
        v = vocab["en" if rng.random() < 0.6 else "ru"]
        out.add(" ".join(rng.choice(v, size=words)))
    return sorted(out)


def rate(fn, rows: int, repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return rows / best


def main() -> None:
    from feedback_classifier.model.enrichment import enrich
    from feedback_classifier.model.default import default_model

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000, help="rows of the repeated example survey")
    parser.add_argument("--distinct", type=int, default=20_000, help="distinct generated comments")
    args = parser.parse_args()

    model = default_model()
    survey = pd.read_csv(DATA / "example_survey.csv", dtype=str)
    comments = survey["comment"].tolist()
    survey_df = pd.DataFrame({"comment": (comments * (args.rows // len(comments) + 1))[: args.rows]})
    distinct_df = pd.DataFrame({"comment": distinct_comments(args.distinct)})
    enrich(distinct_df.head(2000), model, "comment", explain=True)  # warm the token caches

    print(f"{'input':<10} {'rows':>8} {'plain rows/s':>13} {'evidence rows/s':>16} {'ratio':>6}")
    for name, df in (("survey", survey_df), ("distinct", distinct_df)):
        plain = rate(lambda df=df: enrich(df, model, "comment"), len(df))
        evidence = rate(lambda df=df: enrich(df, model, "comment", explain=True), len(df))
        print(f"{name:<10} {len(df):>8} {plain:>13,.0f} {evidence:>16,.0f} {evidence / plain:>6.2f}")


if __name__ == "__main__":
    main()
