"""Warm `enrich` CPU time per comment, this checkout against another one, in alternated processes.

Not a test: prints its numbers. Run from the repository root:

    OMP_NUM_THREADS=1 python benchmarks/warm_ab.py --baseline /work/wt/base --rounds 3

Each round starts one child process per checkout (the order alternates from round to round).
A child loads the bundled default model, reads the first ``--rows`` comments of ``--data`` (a
file of distinct comments made by ``benchmarks/distinct_speed.py --workdir DIR``), runs
``enrich`` on them once (lazy tables, every word's per-word caches: the warm state of a long
run) and then three times without and three times with the sentiment columns, keeping the
least CPU time of each (``time.process_time``). It prints µs per comment and a hash of the
warm-up's output, so that a change that alters outputs shows. The classifier's own share is
the run without sentiment (it still includes the columns' assembly, not the CSV reading and
writing).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[1]


def _child(root: str, data: str, rows: int) -> None:
    sys.path.insert(0, root)
    import pandas as pd

    from feedback_classifier.model.default import default_model
    from feedback_classifier.model.enrichment import enrich

    model = default_model()
    df = pd.read_csv(data, nrows=rows)
    out = enrich(df, model, "comment")  # warm-up: every word of these comments cached
    digest = hashlib.md5(out.to_csv(index=False).encode()).hexdigest()[:10]
    best = {False: float("inf"), True: float("inf")}
    for sentiment in (False, True) * 3:
        start = time.process_time()
        enrich(df, model, "comment", sentiment=sentiment)
        best[sentiment] = min(best[sentiment], time.process_time() - start)
    print(f"{1e6 * best[False] / len(df):.2f} {1e6 * best[True] / len(df):.2f} {digest}")


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        _child(argv[1], argv[2], int(argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--baseline", type=Path, required=True, help="the other checkout (e.g. the main branch)")
    parser.add_argument("--data", type=Path, default=Path("/tmp/ds/distinct_100000.csv"))
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    roots = [("this", ROOT), ("base", args.baseline.resolve())]
    got: dict[str, list] = {name: [] for name, _ in roots}
    for r in range(args.rounds):
        for name, root in roots if r % 2 == 0 else roots[::-1]:
            env = {**os.environ, "PYTHONPATH": str(root)}
            cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(root), str(args.data), str(args.rows)]
            out = subprocess.run(cmd, env=env, cwd=root, check=True, capture_output=True, text=True).stdout.split()
            got[name].append((float(out[0]), float(out[1]), out[2]))
            print(f"  round {r + 1} @{name}: {out[0]} µs/comment without sentiment, {out[1]} with (output {out[2]})",
                  flush=True)
    for name, runs in got.items():
        plain, full = [x[0] for x in runs], [x[1] for x in runs]
        print(f"{name}: without sentiment {min(plain):.2f}-{max(plain):.2f} µs/comment, with {min(full):.2f}-{max(full):.2f}; "
              f"outputs {sorted({x[2] for x in runs})}")
    this, base = got["this"], got["base"]
    for k, what in ((0, "without sentiment"), (1, "with sentiment")):
        a, b = min(x[k] for x in this), min(x[k] for x in base)
        print(f"best {what}: {a:.2f} vs {b:.2f} µs/comment: {b - a:.2f} µs less, {b / a:.2f}x")
    print(f"load {os.getloadavg()[0]:.2f}; outputs identical: {len({x[2] for x in this + base}) == 1}")


if __name__ == "__main__":
    main()
