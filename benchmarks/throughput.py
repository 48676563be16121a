"""Throughput and memory of `feedback-classifier classify` on a large mixed en/ru export.

Not a test: prints its numbers. Run from the repository root:

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/throughput.py              # 1,000,000 rows
    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/throughput.py --rows 5000000 --runs jobs1
    OMP_NUM_THREADS=1 python benchmarks/throughput.py --runs jobs1,jobs2 --repeat 3   # medians, interleaved

It generates a survey export (seeded; ~15-word comments mixed English/Russian built from
the words of the bundled examples, ~10% repeated short answers, plus score, date and
segment columns), then runs, each in its own child process so peak memory is per run:

- ``pandas``: plain ``pd.read_csv`` + ``to_csv`` of the same file (the I/O floor);
- ``io``: our streaming ``iter_table`` + ``TableWriter`` without the model (classify's I/O);
- ``jobs1`` / ``jobs2``: the real CLI, ``classify --jobs 1`` / ``--jobs 2``.

For each: wall time and rows/s of an unmonitored run, peak memory from a second, monitored
run of the same command (sum of PSS over the process tree, i.e. shared pages counted once,
sampled every 50 ms with psutil when installed; otherwise the largest process's RSS from
getrusage: sampling costs CPU that a two-core run would pay in its time), and the ratio of its
time to the pandas floor. Targets on the 2-core dev machine: >= 30,000 rows/s with --jobs 1,
--jobs 2 >= 1.6x --jobs 1, peak RSS < 1 GB at 5,000,000 rows.
"""

from __future__ import annotations

import argparse
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

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "feedback_classifier" / "data" / "cx_default_examples.csv"
SHORT_ANSWERS = ["ok", "good", "all fine", "nothing to add", "-", "всё хорошо", "нормально", "спасибо", "n/a", ""]
SEGMENTS = np.array(["retail", "online", "b2b", "marketplace"])

_WORD_RE = re.compile(r"[A-Za-z']+|[А-Яа-яЁё]+")


def generate(path: Path, rows: int, seed: int = 0, block: int = 500_000) -> None:
    """Write a synthetic survey CSV of ``rows`` rows (seeded, a few seconds per million rows)."""
    examples = pd.read_csv(EXAMPLES)
    vocab = {}
    for lang in ("en", "ru"):
        words = _WORD_RE.findall(" ".join(examples.loc[examples["lang"] == lang, "text"].dropna()).lower())
        vocab[lang] = np.array(sorted(set(words)))
    rng = np.random.default_rng(seed)
    start_day = np.datetime64("2025-01-01")
    writer = None  # pyarrow's CSV writer: several times faster than DataFrame.to_csv
    for offset in range(0, rows, block):
        n = min(block, rows - offset)
        lang_is_ru = rng.random(n) < 0.4
        lengths = np.clip(rng.normal(15, 5, n).round().astype(int), 3, 30)
        # Comments are word salad from the examples' vocabulary: realistic token statistics
        # and category words, and (unlike real data) almost no exact duplicates: a worst case.
        # All words are drawn at once; a row is then a slice of one flat list.
        row_of_word = np.repeat(np.arange(n), lengths)
        ru_word = lang_is_ru[row_of_word]
        words = np.empty(len(row_of_word), dtype=object)
        for lang, mask in (("ru", ru_word), ("en", ~ru_word)):
            words[mask] = vocab[lang][rng.integers(0, len(vocab[lang]), int(mask.sum()))]
        flat = words.tolist()
        ends = np.cumsum(lengths).tolist()
        starts = [0] + ends[:-1]
        comments = [" ".join(flat[a:b]) for a, b in zip(starts, ends)]
        short = rng.random(n) < 0.10
        picks = rng.integers(0, len(SHORT_ANSWERS), n)
        comments = [SHORT_ANSWERS[p] if s else c for c, s, p in zip(comments, short, picks)]
        frame = pd.DataFrame(
            {
                "response_id": np.arange(offset, offset + n) + 1_000_000,
                "date": (start_day + rng.integers(0, 365, n).astype("timedelta64[D]")).astype(str),
                "segment": SEGMENTS[rng.integers(0, len(SEGMENTS), n)],
                "nps": rng.integers(0, 11, n),
                "comment": comments,
            }
        )
        table = pa.Table.from_pandas(frame, preserve_index=False)
        if writer is None:
            writer = pacsv.CSVWriter(str(path), table.schema, write_options=pacsv.WriteOptions(quoting_style="needed"))
        writer.write_table(table)
    if writer is not None:
        writer.close()


def measure(cmd: list[str], *, monitor: bool = True) -> dict:
    """Run ``cmd``; return wall seconds, CPU seconds, peak memory of the whole process tree, stdout.

    ``monitor=False`` skips the 50 ms memory sampling: reading every process's PSS costs
    CPU, which a run using both cores (``--jobs 2``) pays and a one-core run does not (it
    made ``--jobs 2`` look 1.55x instead of 1.75x faster), so timed runs go unmonitored.
    """
    psutil = None
    if monitor:
        try:
            import psutil
        except ImportError:
            pass
    usage_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    before = usage_before.ru_maxrss
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    peak_tree = 0
    if psutil is not None:
        root = psutil.Process(proc.pid)
        while proc.poll() is None:
            try:
                procs = [root] + root.children(recursive=True)
                total = 0
                for p in procs:
                    try:
                        total += _memory(p)
                    except psutil.Error:
                        pass
                peak_tree = max(peak_tree, total)
            except psutil.Error:
                pass
            time.sleep(0.05)
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{err}")
    # ru_maxrss of children is the largest single process so far (KiB on Linux); it only
    # says something new when it grew, so it is a fallback, not the main number.
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    max_single = usage.ru_maxrss * 1024
    # CPU seconds of the whole tree (reaped workers included): on a shared machine wall time
    # also measures the neighbours, CPU time shows the work the run itself did.
    cpu = (usage.ru_utime + usage.ru_stime) - (usage_before.ru_utime + usage_before.ru_stime)
    return {
        "wall": wall,
        "cpu": cpu,
        "peak_rss": peak_tree or max_single,
        "max_single_rss": max_single if max_single > before * 1024 else None,
        "stdout": out,
        "stderr": err,
    }


def _memory(p) -> int:
    """PSS where the OS reports it: forked workers share the parent's pages, and summing
    their RSS would count the model once per process."""
    try:
        return p.memory_full_info().pss
    except (AttributeError, Exception):
        return p.memory_info().rss


PANDAS_FLOOR = """
import sys, pandas as pd
df = pd.read_csv(sys.argv[1])
df.to_csv(sys.argv[2], index=False)
"""

IO_ONLY = """
import sys
from feedback_classifier.tableio import iter_table, TableWriter
with TableWriter(sys.argv[2]) as w:
    for chunk in iter_table(sys.argv[1], chunksize=int(sys.argv[3])):
        w.write(chunk)
"""


def prepare_model(workdir: Path) -> Path:
    """The default model, freshly trained from the bundled examples and saved where the CLI
    runs load it (training time is not measured). Trained rather than taken from the
    default-model cache so a benchmark never measures a stale cached model."""
    from feedback_classifier.model.default import train_default_model
    from feedback_classifier.model.persist import save_model

    path = workdir / "model.joblib"
    model, rows = train_default_model()
    save_model(model, path, training_rows=rows)
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--chunksize", type=int, default=50_000)
    parser.add_argument("--runs", default="pandas,io,jobs1,jobs2", help="comma-separated subset of pandas,io,jobs1,jobs2")
    parser.add_argument("--out-format", default="csv", choices=["csv", "parquet"])
    parser.add_argument("--workdir", type=Path, default=None, help="keep generated files here (default: a temp dir)")
    parser.add_argument("--model", type=Path, default=None,
                        help="classify with this model file (e.g. one from `train --embeddings static`) "
                             "instead of a freshly trained default model")
    parser.add_argument("--no-memory", action="store_true",
                        help="skip the separate monitored run that measures peak memory (timed runs are never monitored)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run the list this many times, interleaved, and report medians (noisy machines)")
    args = parser.parse_args(argv)
    runs = [r.strip() for r in args.runs.split(",") if r.strip()]

    tmp = tempfile.TemporaryDirectory(prefix="fc-bench-") if args.workdir is None else None
    workdir = Path(tmp.name) if tmp else args.workdir
    workdir.mkdir(parents=True, exist_ok=True)
    data = workdir / f"survey_{args.rows}.csv"
    if not data.exists():
        t = time.perf_counter()
        generate(data, args.rows)
        print(f"generated {args.rows:,} rows ({data.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t:.1f} s")
    model = args.model or (prepare_model(workdir) if any(r.startswith("jobs") for r in runs) else None)

    trials: dict[str, list[dict]] = {run: [] for run in runs}
    py = sys.executable
    for run in runs * args.repeat:
        out = workdir / f"out_{run}.{args.out_format}"
        if run == "pandas":
            cmd = [py, "-c", PANDAS_FLOOR, str(data), str(workdir / "out_pandas.csv")]
        elif run == "io":
            cmd = [py, "-c", IO_ONLY, str(data), str(out), str(args.chunksize)]
        elif run.startswith("jobs"):
            cmd = [py, "-m", "feedback_classifier", "classify", str(data), "--text-col", "comment",
                   "--out", str(out), "--model", str(model), "--jobs", run[4:], "--chunksize", str(args.chunksize),
                   "--quiet"]
        else:
            raise SystemExit(f"unknown run {run!r}")
        r = measure(cmd, monitor=False)
        m = re.search(r"\(([\d,]+) rows/s\)", r["stdout"])
        r["inner_rate"] = float(m.group(1).replace(",", "")) if m else None
        if len(trials[run]) == 0 and not args.no_memory:  # memory: one separate, monitored run
            r["peak_rss"] = measure(cmd)["peak_rss"]
        else:
            r["peak_rss"] = trials[run][0]["peak_rss"] if trials[run] else r["peak_rss"]
        trials[run].append(r)
        inner = f", {r['inner_rate']:,.0f} rows/s inside the run" if r["inner_rate"] else ""
        print(f"{run:>7}: {r['wall']:7.1f} s wall, {r['cpu']:7.1f} s CPU  {args.rows / r['wall']:>9,.0f} rows/s  "
              f"peak {r['peak_rss'] / 2**20:6.0f} MiB{inner}", flush=True)
        out.unlink(missing_ok=True)

    # the median trial of each run (by wall time); with --repeat 1, the only one
    results = {run: sorted(rs, key=lambda r: r["wall"])[(len(rs) - 1) // 2] for run, rs in trials.items()}
    print()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"rows={args.rows:,} chunksize={args.chunksize:,} out={args.out_format} cpus={os.cpu_count()} "
          f"repeat={args.repeat} (medians) model={model.name if model else '-'} "
          f"load average at the end={load:.2f} (other work on the machine slows the parallel runs)")
    floor = results.get("pandas")
    for run, r in results.items():
        ratio = f"  {r['wall'] / floor['wall']:.2f}x pandas floor time" if floor else ""
        print(f"  {run:>7}: {args.rows / r['wall']:>9,.0f} rows/s  peak {r['peak_rss'] / 2**20:6.0f} MiB{ratio}")
    if "jobs1" in results and "jobs2" in results:
        speedup = results["jobs1"]["wall"] / results["jobs2"]["wall"]
        print(f"  --jobs 2 speed-up over --jobs 1: {speedup:.2f}x (target >= 1.6x)")
        if args.repeat > 1:
            pairs = [a["wall"] / b["wall"] for a, b in zip(trials["jobs1"], trials["jobs2"])]
            print(f"  speed-up of each interleaved pair: {', '.join(f'{x:.2f}x' for x in pairs)}")
    if "jobs1" in results:
        rate = args.rows / results["jobs1"]["wall"]
        print(f"  --jobs 1: {rate:,.0f} rows/s end to end (target >= 30,000)")
    if tmp:
        tmp.cleanup()


if __name__ == "__main__":
    main()
