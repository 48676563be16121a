"""Peak memory and speed of `feedback-classifier analyze` as the file grows.

Not a test: prints its numbers. Run from the repository root:

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/analyze_memory.py                 # 1,000,000 and 250,000 rows
    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/analyze_memory.py --rows 5000000 --jobs 2
    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/analyze_memory.py --rows 200000 --evidence

Runs use ``--no-evidence`` unless ``--evidence`` is given, to measure classification and
streaming alone; the evidence column (analyze's default) costs about as much again on
distinct comments (benchmarks/explain_speed.py measures it).

It generates a seeded survey CSV (~15-word comments mixed English/Russian drawn from the
words of the bundled examples, ~10% short or empty answers, ``nps`` 0-10, a daily ``date``
over one year, ``region``), then runs the real CLI (``analyze --score-col nps --by region``,
the date column detected) on it and on a file 4x smaller, each in its own child process, and
prints wall time, rows/s and peak RSS (``getrusage(RUSAGE_CHILDREN).ru_maxrss`` seen from a
small wrapper process per run: the largest single process of the run, workers included).
``analyze`` streams the file, so the peak should stay flat as rows grow; the target on the
2-core dev machine is < 1 GB at 5,000,000 rows.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "feedback_classifier" / "data" / "cx_default_examples.csv"
SHORT = ["ok", "good", "all fine", "nothing to add", "всё хорошо", "нормально", "спасибо", ""]
REGIONS = ["North", "South", "East", "West", "Center", "Online"]
_WORD = re.compile(r"[A-Za-z']+|[А-Яа-яЁё]+")


def generate(path: Path, rows: int, seed: int = 0, block: int = 250_000) -> None:
    """Write the survey CSV (a few seconds per million rows: numpy indices, pyarrow joins and writes)."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    examples = pd.read_csv(EXAMPLES)
    vocab = {}
    for lang in ("en", "ru"):
        words = _WORD.findall(" ".join(examples.loc[examples["lang"] == lang, "text"].dropna()).lower())
        vocab[lang] = pa.array(sorted(set(words)))
    rng = np.random.default_rng(seed)
    days = np.datetime64("2025-01-01") + np.arange(365)
    day_text = pa.array(np.datetime_as_string(days, unit="D"))
    writer = None
    try:
        for start in range(0, rows, block):
            n = min(block, rows - start)
            is_ru = rng.random(n) < 0.45
            parts = []
            for _ in range(15):
                en = pc.take(vocab["en"], pa.array(rng.integers(0, len(vocab["en"]), n)))
                ru = pc.take(vocab["ru"], pa.array(rng.integers(0, len(vocab["ru"]), n)))
                parts.append(pc.if_else(pa.array(is_ru), ru, en))
            comment = pc.binary_join_element_wise(*parts, " ")
            short = rng.random(n) < 0.10
            comment = pc.if_else(pa.array(short), pc.take(pa.array(SHORT), pa.array(rng.integers(0, len(SHORT), n))),
                                 comment)
            table = pa.table({
                "response_id": pa.array(np.char.add("r", np.arange(start, start + n).astype(str))),
                "date": pc.take(day_text, pa.array(rng.integers(0, 365, n))),
                "region": pc.take(pa.array(REGIONS), pa.array(rng.integers(0, len(REGIONS), n))),
                "nps": pa.array(rng.integers(0, 11, n)),
                "comment": comment,
            })
            if writer is None:
                writer = pacsv.CSVWriter(str(path), table.schema)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()


def run_child(args: list[str]) -> None:
    """Wrapper process: run the CLI, print its wall time and the peak RSS of its process tree."""
    start = time.perf_counter()
    proc = subprocess.run(args, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
    print(json.dumps({"rc": proc.returncode, "elapsed": elapsed, "peak_mib": peak_kib / 1024,
                      "stdout": proc.stdout[-2000:], "stderr": proc.stderr[-2000:]}))


def measure(path: Path, rows: int, out_dir: Path, jobs: int, chunksize: int, evidence: bool) -> dict:
    cli = [sys.executable, "-m", "feedback_classifier", "analyze", str(path), "--text-col", "comment",
           "--score-col", "nps", "--by", "region", "--out-dir", str(out_dir), "--quiet",
           "--jobs", str(jobs), "--chunksize", str(chunksize), "--evidence" if evidence else "--no-evidence",
           "--tone-teacher", "none"]  # e5's reading (auto with the extra) is a fixed cost, not one that grows with rows
    wrapper = subprocess.run([sys.executable, __file__, "--child", json.dumps(cli)], capture_output=True, text=True,
                             check=True)
    result = json.loads(wrapper.stdout.strip().splitlines()[-1])
    if result["rc"] != 0:
        raise SystemExit(f"analyze failed on {path}:\n{result['stdout']}\n{result['stderr']}")
    result["rows"] = rows
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--chunksize", type=int, default=50_000)
    parser.add_argument("--evidence", action="store_true",
                        help="Keep the evidence column (analyze's default).")
    parser.add_argument("--tmp", type=Path, default=None, help="Folder for the generated files (default: a temp dir).")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(json.loads(args.child))
        return

    # Train/cache the bundled default model first, so that no run pays for it.
    subprocess.run([sys.executable, "-c", "from feedback_classifier.model.default import default_model; default_model()"],
                   check=True)
    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
        tmp = Path(tmp)
        results = []
        for rows in (args.rows // 4, args.rows):
            path = tmp / f"survey_{rows}.csv"
            t0 = time.perf_counter()
            generate(path, rows)
            print(f"generated {rows:,} rows ({path.stat().st_size / 2**20:,.0f} MiB) in {time.perf_counter() - t0:.1f} s",
                  flush=True)
            res = measure(path, rows, tmp / f"out_{rows}", args.jobs, args.chunksize, args.evidence)
            results.append(res)
            print(f"analyze {rows:>10,} rows: {res['elapsed']:8.1f} s  {rows / res['elapsed']:9,.0f} rows/s  "
                  f"peak RSS {res['peak_mib']:7,.0f} MiB  (--jobs {args.jobs}, --chunksize {args.chunksize:,}, "
                  f"{'with' if args.evidence else 'no'} evidence)",
                  flush=True)
            path.unlink()
        small, big = results
        print(f"rows x{big['rows'] / small['rows']:.0f} -> peak RSS x{big['peak_mib'] / small['peak_mib']:.2f}, "
              f"time x{big['elapsed'] / small['elapsed']:.2f}")
        print("last run's summary:\n" + big["stdout"])


if __name__ == "__main__":
    main()
