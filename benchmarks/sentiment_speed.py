"""What per-category sentiment adds to in-process ``classify`` time (issue 13).

Budget: the sentiment columns add at most 25% to ``enrich`` time on distinct comments
(``classify --jobs 1`` must reach 30,000 comments/s as a whole).

Comments: every distinct sentence of the shared SemEval-2016 restaurant files (en, ru) and
Banking77 (en): real text nobody on the project wrote, ~20,000 distinct comments, in
chunks of ``--chunk`` rows as ``classify`` reads them. The bundled default model and the
bundled sentiment model are warmed on the first chunk (a one-off cost per process, printed
apart); then, in the same run and interleaved, ``--rounds`` passes with and without
sentiment over the other chunks. Printed: comments/s of each (best round, CPU time of this
process) and the ratio; the model's own caches stay as warm as they would be in a long
``classify`` run (words repeat across chunks, comments do not).

Run: ``OMP_NUM_THREADS=1 python benchmarks/sentiment_speed.py [--rounds 3] [--chunk 5000]``
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import pandas as pd  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from feedback_classifier.model.default import default_model  # noqa: E402
from feedback_classifier.model.enrichment import enrich  # noqa: E402

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def comments() -> list[str]:
    texts: list[str] = []
    for lang in ("en", "ru"):
        texts += pd.read_csv(SHARED / "semeval2016" / f"restaurants_{lang}_train.csv", dtype=str)["text"].tolist()
    for split in ("train", "test"):
        texts += pd.read_csv(SHARED / "banking77" / f"{split}.csv", dtype=str)["text"].tolist()
    # A fixed shuffle so each chunk mixes the sources, as a survey mixes topics.
    return pd.Series(list(dict.fromkeys(t for t in texts if isinstance(t, str)))).sample(frac=1.0, random_state=13).tolist()


def timed(model, chunks, sentiment: bool) -> float:
    start = time.process_time()
    for chunk in chunks:
        enrich(chunk, model, text_col="text", sentiment=sentiment)
    return time.process_time() - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--chunk", type=int, default=5000)
    args = parser.parse_args(argv)
    texts = comments()
    frames = [pd.DataFrame({"text": texts[i:i + args.chunk]}) for i in range(0, len(texts), args.chunk)]
    warm, rest = frames[0], frames[1:]
    n = sum(len(f) for f in rest)
    model = default_model()
    start = time.process_time()
    enrich(warm, model, text_col="text", sentiment=True)
    print(f"warm-up on {len(warm):,} comments (models trained or loaded, first caches): "
          f"{time.process_time() - start:.2f} s", flush=True)
    without, with_ = [], []
    for _ in range(args.rounds):
        without.append(timed(model, rest, sentiment=False))
        with_.append(timed(model, rest, sentiment=True))
    a, b = min(without), min(with_)
    print(f"{n:,} distinct comments, best of {args.rounds} rounds (CPU s of this process):")
    print(f"  without sentiment: {n / a:,.0f} comments/s ({a:.2f} s)")
    print(f"  with sentiment:    {n / b:,.0f} comments/s ({b:.2f} s)")
    print(f"  sentiment adds {100 * (b / a - 1):.1f}% to enrich time (budget <= 25%)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
