"""CPU of picking the report's quotes in a streamed `analyze` (``render.QuotePool``), against another checkout.

    OMP_NUM_THREADS=1 python benchmarks/quote_speed.py [--data ENRICHED.csv --text-col C --score-col S]
        [--copies 10] [--baseline DIR] [--repeats 3]

By default the bundled example survey's enriched golden file (2,400 rows, NPS), copied ``--copies``
times with each copy's comments made distinct (" #k" appended), fed in chunks of 5,000 rows; best CPU
seconds of ``--repeats`` passes, each checkout in a fresh process. ``--data`` another enriched file
(e.g. one `classify` wrote, without ``--score-col`` for a file with no scores).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "tests" / "golden" / "example_survey" / "analyze" / "example_survey.enriched.csv"


def measure(data: str, text_col: str, score_col: str | None, copies: int, repeats: int) -> dict:
    """Best CPU seconds of feeding the table to a ``QuotePool`` in chunks of 5,000 rows."""
    import pandas as pd

    from feedback_classifier.render.quotes import QuotePool
    from feedback_classifier.taxonomy import load_taxonomy

    df = pd.read_csv(data)
    if copies > 1:
        df = pd.concat([df.assign(**{text_col: df[text_col].astype(str) + f" #{k}"}) for k in range(copies)],
                       ignore_index=True)
    tax = load_taxonomy("cx-default")
    best, kept = float("inf"), 0
    for _ in range(repeats):
        pool = QuotePool(tax, text_col=text_col, score_col=score_col)
        start = time.process_time()
        for first in range(0, len(df), 5000):
            pool.add(df.iloc[first:first + 5000])
        best, kept = min(best, time.process_time() - start), len(pool.frame())
    return {"rows": len(df), "cpu_s": round(best, 3), "candidates": kept}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(DEFAULT))
    ap.add_argument("--text-col", default="comment")
    ap.add_argument("--score-col", default="nps", help="'' for a file without scores")
    ap.add_argument("--copies", type=int, default=10)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--baseline", default=None, help="another checkout, measured in the same run")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    score_col = args.score_col or None
    if args.child:
        print(json.dumps(measure(args.data, args.text_col, score_col, args.copies, args.repeats)))
        return 0
    for root in [ROOT] + ([Path(args.baseline)] if args.baseline else []):
        cmd = [sys.executable, str(Path(__file__).resolve()), "--child", "--data", args.data, "--text-col",
               args.text_col, "--score-col", args.score_col, "--copies", str(args.copies), "--repeats",
               str(args.repeats)]
        env = {**os.environ, "PYTHONPATH": str(root), "OMP_NUM_THREADS": "1"}
        out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
        print(f"{root}: {json.loads(out)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
