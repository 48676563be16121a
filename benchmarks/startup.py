"""Start-up cost of the command line: a 10-row ``classify`` and ``--help``, against a baseline checkout.

Target (issue #17): a 10-row classify under ~1.2 s wall on an idle core, any command's ``--help``
under 0.5 s, outputs identical.

Run:  OMP_NUM_THREADS=1 python benchmarks/startup.py [--baseline /work/wt/integ] [--repeats 5]

Each command runs in a fresh ``python -m feedback_classifier`` process, once to warm up (the
first run with new code trains and caches the default model and the derived tables), then
``--repeats`` times alternating between this checkout and the baseline, so both see the same
machine load. Printed per command and checkout: best CPU seconds (user + sys of the child, from
``os.wait4``), best wall seconds, peak RSS, and the CPU ratio to the baseline; CPU is the number to
trust on a shared machine, wall only on an idle one. Both checkouts share the user cache
(``FEEDBACK_CLASSIFIER_CACHE`` if set) and a bytecode cache under the temp dir
(``PYTHONPYCACHEPREFIX``: nothing is written into either checkout), as an installed package would
have its ``.pyc`` files. The classify outputs of the two checkouts are compared byte for byte.
``--imports N`` adds, per checkout, the N packages whose import costs the 10-row classify most
(``-X importtime``, self time summed per top-level package, milliseconds; the tool's overhead
inflates them), so what is left to cut is in the same output.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
SURVEY = HERE / "feedback_classifier" / "data" / "example_survey.csv"


def _commands(tiny: Path, out: Path) -> dict[str, list[str]]:
    return {
        "classify 10 rows": ["classify", str(tiny), "--text-col", "comment", "--out", str(out)],
        "classify --help": ["classify", "--help"],
        "analyze --help": ["analyze", "--help"],
        "--help": ["--help"],
    }


def _run(checkout: Path, args: list[str], env: dict) -> tuple[float, float, float]:
    """(CPU s, wall s, peak RSS MB) of one ``python -m feedback_classifier ARGS`` in ``checkout``."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "feedback_classifier", *args], cwd=checkout,
                            env={**env, "PYTHONPATH": str(checkout)}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode() if proc.stderr else ""
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{checkout}: {' '.join(args)} failed:\n{err}")
    return usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss / 1024


def _import_costs(checkout: Path, args: list[str], env: dict) -> dict[str, float]:
    """Milliseconds of import (self time) per top-level package of one run, from ``-X importtime``."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "feedback_classifier", *args], cwd=checkout,
                          env={**env, "PYTHONPATH": str(checkout)}, capture_output=True, text=True, check=True)
    costs: dict[str, float] = {}
    for line in proc.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+\d+ \| +(\S+)", line)
        if match:
            name = match.group(2).split(".")[0]
            costs[name] = costs.get(name, 0.0) + int(match.group(1)) / 1000
    return costs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", type=Path, default=Path("/work/wt/integ"), help="checkout to compare with")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--imports", type=int, default=0, help="list the N costliest imported packages of the classify")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="fc-startup-"))
    tiny = work / "tiny.csv"
    tiny.write_text("".join(SURVEY.read_text(encoding="utf-8").splitlines(keepends=True)[:11]), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", PYTHONPYCACHEPREFIX=str(work / "pycache"))
    checkouts = {"this": HERE, "baseline": args.baseline.resolve()}
    best: dict[tuple[str, str], list[float]] = {}
    for name, checkout in checkouts.items():  # warm-up: caches and bytecode
        for label, cmd in _commands(tiny, work / f"{name}.csv").items():
            _run(checkout, cmd, env)
    for _ in range(args.repeats):
        for name, checkout in checkouts.items():
            for label, cmd in _commands(tiny, work / f"{name}.csv").items():
                cpu, wall, rss = _run(checkout, cmd, env)
                old = best.get((label, name), [float("inf"), float("inf"), 0.0])
                best[(label, name)] = [min(old[0], cpu), min(old[1], wall), max(old[2], rss)]
    print(f"best of {args.repeats}; this = {HERE}, baseline = {checkouts['baseline']}")
    print(f"{'command':<18} {'checkout':<9} {'CPU s':>6} {'wall s':>7} {'RSS MB':>7} {'CPU vs baseline':>16}")
    for label in _commands(tiny, work):
        base_cpu = best[(label, "baseline")][0]
        for name in checkouts:
            cpu, wall, rss = best[(label, name)]
            print(f"{label:<18} {name:<9} {cpu:6.2f} {wall:7.2f} {rss:7.0f} {cpu / base_cpu:15.2f}x")
    same = (work / "this.csv").read_bytes() == (work / "baseline.csv").read_bytes()
    print(f"classify outputs identical: {same}")
    for name, checkout in checkouts.items() if args.imports else ():
        costs = _import_costs(checkout, _commands(tiny, work / f"{name}.csv")["classify 10 rows"], env)
        top = sorted(costs.items(), key=lambda kv: -kv[1])[: args.imports]
        print(f"{name} imports ({sum(costs.values()):.0f} ms in all): " + ", ".join(f"{k} {v:.0f}" for k, v in top))


if __name__ == "__main__":
    main()
