"""CPU µs per row of the steps of `classify` around the model: reading the CSV, the language of
the first 2,000 comments, the sentiment columns, the category strings and writing the CSV.

Not a test: prints its numbers. Each checkout runs in its own child process (this one, and with
``--baseline DIR`` another, alternated ``--rounds`` times); each child reads the file in chunks
of 50,000 rows, classifies them once (the model's tables and per-word caches warm, as in a long
run), then ``--passes`` times: reads the file (``iter_table``), decides the language
(``head_language``), classifies the chunks (timing ``enrich``'s ``_tones`` and
``_category_strings`` inside, and the whole chunk) and writes the result (``TableWriter``);
the best pass of each step is printed per row. Outputs of the two checkouts are compared byte
for byte. Default data: ``distinct_speed.py``'s 100,000 distinct comments (``--data``; make it
with ``python benchmarks/distinct_speed.py --rows 100000 --runs pandas --workdir DIR``).

Run: ``OMP_NUM_THREADS=1 python benchmarks/io_speed.py --data DIR/distinct_100000.csv
--baseline /work/main [--rounds 3]``
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[1]
STEPS = ("read", "language", "_tones", "_category_strings", "chunk", "write")


def child(root: Path, data: Path, passes: int, out: Path) -> None:
    """One checkout's numbers, printed as ``step=us`` pairs."""
    sys.path.insert(0, str(root))
    import importlib

    jobs_classify = importlib.import_module("feedback_classifier.jobs.classify")
    from feedback_classifier.jobs.head import head_language, read_head
    from feedback_classifier.model import enrichment
    from feedback_classifier.model.default import default_model
    from feedback_classifier.model.enrichment import _Options
    from feedback_classifier.tableio import TableWriter, iter_table

    spent: dict[str, float] = {}

    def timed(name, fn):
        def run(*args, **kwargs):
            start = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0.0) + time.process_time() - start
        return run

    for name in ("_tones", "_category_strings"):
        setattr(enrichment, name, timed(name, getattr(enrichment, name)))
    jobs_classify._classify_texts = timed("chunk", enrichment._classify_texts)
    model, opts = default_model(), _Options("comment", "en")
    chunks = list(iter_table(data, chunksize=50_000))
    rows = sum(map(len, chunks))
    list(jobs_classify.classified_chunks([c.copy() for c in chunks], model, opts))  # warm
    best: dict[str, float] = {}
    for _ in range(passes):
        spent.clear()
        start = time.process_time()
        chunks = list(iter_table(data, chunksize=50_000))
        spent["read"] = time.process_time() - start
        start = time.process_time()
        head, _ = read_head(iter(chunks), "comment")
        head_language(head, "comment")
        spent["language"] = time.process_time() - start
        done = [c for c, _ in jobs_classify.classified_chunks([c.copy() for c in chunks], model, opts)]
        start = time.process_time()
        with TableWriter(out) as writer:
            for frame in done:
                writer.write(frame)
        spent["write"] = time.process_time() - start
        for name, value in spent.items():
            best[name] = min(best.get(name, float("inf")), value)
    print(" ".join(f"{name}={best[name] / rows * 1e6:.3f}" for name in STEPS if name in best))


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        child(Path(argv[1]), Path(argv[2]), int(argv[3]), Path(argv[4]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "ds" / "distinct_100000.csv")
    parser.add_argument("--baseline", type=Path, default=None, help="another checkout, alternated with this one")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--passes", type=int, default=2, help="passes per child; the best is kept")
    args = parser.parse_args(argv)
    roots = [("this", ROOT)] + ([("baseline", args.baseline.resolve())] if args.baseline else [])
    with tempfile.TemporaryDirectory(prefix="fc-io-") as tmp:
        for _ in range(args.rounds):
            outs = []
            for name, root in roots:
                out = Path(tmp) / f"{name}.csv"
                result = subprocess.run([sys.executable, __file__, "--child", str(root), str(args.data),
                                         str(args.passes), str(out)], capture_output=True, text=True, check=True)
                print(f"{name:>8} ({root}): CPU µs per row, best of {args.passes}: {result.stdout.strip()}", flush=True)
                outs.append(out.read_bytes())
            if len(outs) == 2:
                print(f"{'':>10}outputs identical: {outs[0] == outs[1]}")
    print(f"load={os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
