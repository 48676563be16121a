"""Peak memory of one command over its process tree: RSS summed, PSS summed, and each process's peaks.

Not a test: prints its numbers. Samples every 0.1 s (so a spike shorter than that can be
missed; ``/usr/bin/time -f %M`` gives the exact peak RSS of the largest single process). Run from
anywhere; ``--root`` picks the checkout whose package the command imports (the command runs
in that directory, so give it absolute paths):

    python benchmarks/peak_rss.py --root . -- python -m feedback_classifier classify \\
        big.csv --text-col comment --out /tmp/out.csv --jobs 2

Two sums, sampled at the same instants:

- **RSS summed** counts a page once per process that maps it: the pages ``--jobs`` workers share
  with the parent they were forked from (copy-on-write: the interpreter, numpy, the model's
  arrays) and the read-only mapped files (shared libraries) count two or three times;
- **PSS summed** (``Pss`` of ``/proc/PID/smaps_rollup``, Linux only) splits each shared page
  between the processes sharing it, so the sum over the tree is the memory the tree really costs
  the machine. The README's memory target is judged on it; the RSS sum stays as an upper bound.

With ``--baseline DIR`` the same command runs alternately under ``--root`` and ``DIR``
(``--repeat`` rounds, a ``{root}`` in the command is replaced by each run's root, so that the two
runs can write different outputs), and the outputs named after ``--out`` are compared byte for byte.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import resource
import subprocess
import time
from pathlib import Path

import psutil


def _pss(pid: int) -> int | None:
    """Bytes of the process's proportional set size, or None where smaps_rollup is missing."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def measure(command: list[str], root: str) -> dict:
    """Run ``command`` with ``root`` first on PYTHONPATH; its peak memory (bytes) and times."""
    env = dict(os.environ, PYTHONPATH=os.path.abspath(root), OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    started = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    # run in the root: ``python -m`` puts the working directory before PYTHONPATH
    proc = subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    root_proc = psutil.Process(proc.pid)
    peak = {"rss": 0, "pss": 0}
    each: dict[int, dict[str, int]] = {}
    while proc.poll() is None:
        try:
            tree = [root_proc, *root_proc.children(recursive=True)]
            rss = {p.pid: p.memory_info().rss for p in tree}
        except psutil.Error:  # a worker ended between listing and reading it
            continue
        pss = {pid: _pss(pid) or 0 for pid in rss}
        peak["rss"] = max(peak["rss"], sum(rss.values()))
        peak["pss"] = max(peak["pss"], sum(pss.values()))
        for pid in rss:
            mine = each.setdefault(pid, {"rss": 0, "pss": 0})
            mine["rss"] = max(mine["rss"], rss[pid])
            mine["pss"] = max(mine["pss"], pss[pid])
        time.sleep(0.1)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    user, system = after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime
    return {**peak, "each": list(each.values()), "wall": time.perf_counter() - started, "user": user,
            "system": system, "exit": proc.returncode}


def report(name: str, r: dict) -> str:
    """One line: both sums, each process's peaks (MiB), wall and CPU seconds of the whole tree."""
    rss = " + ".join(f"{p['rss'] >> 20}" for p in r["each"])
    pss = " + ".join(f"{p['pss'] >> 20}" for p in r["each"])
    return (f"{name}: peak PSS {r['pss'] >> 20} MiB summed ({pss} per process), peak RSS {r['rss'] >> 20} MiB "
            f"summed ({rss}), {r['wall']:.1f} s wall, {r['user'] + r['system']:.1f} s CPU ({r['user']:.1f} user + "
            f"{r['system']:.1f} system), exit {r['exit']}")


def _out_path(command: list[str]) -> str | None:
    for flag in ("--out", "-o"):
        if flag in command[:-1]:
            return command[command.index(flag) + 1]
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=".", help="checkout put first on PYTHONPATH")
    parser.add_argument("--baseline", default=None, help="another checkout, run alternately with --root")
    parser.add_argument("--repeat", type=int, default=1, help="rounds (each: this root, then the baseline)")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command, after --")
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    roots = [("this", args.root)] + ([("base", args.baseline)] if args.baseline else [])
    for _ in range(args.repeat):
        outs = []
        for name, root in roots:
            tag = Path(root).resolve().name
            cmd = [c.replace("{root}", tag) for c in command]
            print(report(name, measure(cmd, root)), flush=True)
            outs.append(_out_path(cmd))
        if len(outs) == 2 and all(outs) and outs[0] != outs[1]:
            print(f"  outputs identical: {filecmp.cmp(outs[0], outs[1], shallow=False)}", flush=True)


if __name__ == "__main__":
    main()
