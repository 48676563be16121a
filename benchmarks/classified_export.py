"""A classified survey export of N rows for the memory benchmarks of ``drivers`` and ``route``.

Not a test: writes a file. ``distinct_speed.py``'s distinct comments (``--distinct`` of them,
with response_id, date, segment, nps) are classified once with the bundled model, then the
classified rows are repeated with new response ids (and the same date, segment and score
mix) up to ``--rows``. Run from the repository root:

    OMP_NUM_THREADS=1 python benchmarks/classified_export.py --rows 1000000 --out /tmp/classified_1M.csv

Then, e.g.: ``python benchmarks/peak_rss.py --root . --baseline DIR -- python -m feedback_classifier
drivers /tmp/classified_1M.csv --score-col nps --out /tmp/{root}.csv``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import pandas as pd


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--distinct", type=int, default=1_000_000, help="distinct comments classified")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    from distinct_speed import generate

    with tempfile.TemporaryDirectory() as tmp:
        plain, classified = Path(tmp) / "plain.csv", Path(tmp) / "classified.csv"
        generate(plain, min(args.distinct, args.rows))
        subprocess.run([sys.executable, "-m", "feedback_classifier", "classify", str(plain), "--text-col", "comment",
                        "--out", str(classified), "--quiet"], check=True)
        base = pd.read_csv(classified, dtype=str, keep_default_na=False)
    first = True
    with open(args.out, "w", encoding="utf-8", newline="") as fh:
        for start in range(0, args.rows, len(base)):
            part = base.iloc[: args.rows - start].copy()
            part["response_id"] = range(1_000_000 + start, 1_000_000 + start + len(part))
            part.to_csv(fh, index=False, header=first)
            first = False
    print(f"wrote {args.rows:,} rows to {args.out}")


if __name__ == "__main__":
    main()
