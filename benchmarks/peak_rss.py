"""Peak memory of one command: RSS summed over its process tree, and each process's own peak.

Not a test: prints its numbers. Samples every 0.1 s with psutil (so a spike shorter than that
can be missed; ``/usr/bin/time -f %M`` gives the exact peak of the largest single process).
Run from anywhere; ``--root`` picks the checkout whose package the command imports:

    python benchmarks/peak_rss.py --root . -- python -m feedback_classifier classify \\
        big.csv --text-col comment --out /tmp/out.csv --jobs 2
"""

from __future__ import annotations

import argparse
import os
import subprocess
import time

import psutil


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=".", help="checkout put first on PYTHONPATH")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command, after --")
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    env = dict(os.environ, PYTHONPATH=os.path.abspath(args.root), OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    started = time.perf_counter()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    root, total, each = psutil.Process(proc.pid), 0, {}
    while proc.poll() is None:
        try:
            tree = [root, *root.children(recursive=True)]
            rss = {p.pid: p.memory_info().rss for p in tree}
        except psutil.Error:  # a worker ended between listing and reading it
            continue
        total = max(total, sum(rss.values()))
        for pid, value in rss.items():
            each[pid] = max(each.get(pid, 0), value)
        time.sleep(0.1)
    per = " + ".join(f"{v >> 20}" for v in each.values())
    print(f"peak RSS {total >> 20} MiB summed ({per} MiB per process), "
          f"{time.perf_counter() - started:.1f} s wall, exit {proc.returncode}")


if __name__ == "__main__":
    main()
