"""The XLSX writer alone: CPU and wall time of writing a 200,000-row table of every column type, this checkout
against another, with a CSV output of the same frame for scale; the two workbooks compared part by part and read back.

Not a test: prints its numbers. Run from the repository root:

    OMP_NUM_THREADS=1 python benchmarks/xlsx_writer.py --baseline /work/main [--rows 200000] [--repeat 2]

Each run is a fresh process (``PYTHONPATH`` the checkout) that builds the seeded frame (:func:`frame`: texts
with XML metacharacters, control characters, edge spaces, long texts, number-like texts in a text column and
not, formula- and error-looking texts, missing cells; floats with NaN and infinities; integers, nullable
integers, booleans, nullable booleans; datetimes, time-zone datetimes, ``datetime.date`` cells; a column of
mixed Python values) and writes it with ``TableWriter`` in chunks of 50,000 rows, once to ``.xlsx`` and once to
``.csv``, timing each (``time.process_time``: CPU of the writer only, the frame built before). The checkouts
alternate ``--repeat`` times. Then every part of the two workbooks but ``docProps/core.xml`` (the time it was
written) is compared byte for byte, and both are read back with ``pandas.read_excel`` and the project's
``read_table`` (text and typed) and compared.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

CHUNK = 50_000


def frame(n: int, seed: int = 0):
    """The table: one column per kind of cell the writer meets (see the module doc)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    words = np.array(["courier", "late", "price", "good", "app", "crash", "refund", "&", "<b>", "a>b", "ok",
                      "доставка", "быстро", "'quote'", '"dq"', "tab\there", "line\nbreak", "ctl\x01", "€", "😀"])
    comments = [" ".join(words[rng.integers(0, len(words), 15)]) for _ in range(n)]
    for i in range(0, n, 997):
        comments[i] = " lead and trail " if i % 2 else "x" * 5_000 + " long"
    ids = [f"{i:06d}" if i % 3 else str(i) for i in range(n)]
    when = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(-10**9, 10**9, n), unit="s")
    mixed = np.array([1, "x", 2.5, True, None, dt.date(2024, 2, 29), "007", "=1+2", "#N/A", {"a": [1]}],
                     dtype=object)[rng.integers(0, 10, n)]
    df = pd.DataFrame({
        "response_id": pd.Series(ids, dtype="str"),
        "code": pd.Series(ids, dtype="str"),  # (number-like text that stays text: a text column)
        "nps": pd.Series([str(i % 11) for i in range(n)], dtype="str"),
        "score": pd.Series(np.where(rng.random(n) < 0.5, np.round(rng.random(n) * 10, 2).astype(str), "1.50"),
                           dtype="str"),
        "comment": pd.Series(comments, dtype="str"),
        "formula": pd.Series(np.where(rng.random(n) < 0.5, "=SUM(A1:A9)", "#REF!"), dtype="str"),
        "confidence": rng.random(n),
        "ratio": np.where(rng.random(n) < 0.01, np.inf, rng.normal(0, 1e6, n)),
        "count": rng.integers(-5, 10**6, n),
        "maybe_count": pd.array(np.where(rng.random(n) < 0.2, None, rng.integers(0, 10, n)), dtype="Int64"),
        "needs_review": rng.random(n) < 0.3,
        "flag": pd.array(np.where(rng.random(n) < 0.2, None, rng.random(n) < 0.5), dtype="boolean"),
        "submitted_at": when,
        "submitted_tz": when.tz_localize("UTC").tz_convert("America/New_York"),
        "day": pd.Series([d.date() for d in when], dtype=object),
        "mixed": mixed,
    })
    df.loc[::7, "comment"] = None
    df.loc[::11, ["confidence", "submitted_at", "day"]] = None
    df.attrs.update(native_types={"code": "text"}, sheet="Responses")
    return df


def child(out: str, rows: int) -> None:
    """In the checkout under test: write the frame to ``out`` (.xlsx and .csv), print the times as JSON."""
    from feedback_classifier.tableio import TableWriter

    df = frame(rows)
    result = {}
    for ext in ("xlsx", "csv"):
        cpu, wall = time.process_time(), time.perf_counter()
        with TableWriter(Path(f"{out}.{ext}")) as w:
            for start in range(0, len(df), CHUNK):
                chunk = df.iloc[start:start + CHUNK]
                chunk.attrs = df.attrs
                w.write(chunk)
        result[ext] = {"cpu": time.process_time() - cpu, "wall": time.perf_counter() - wall,
                       "mib": Path(f"{out}.{ext}").stat().st_size / 2**20}
    print(json.dumps(result))


def same_parts(a: Path, b: Path) -> list[str]:
    """The parts of two workbooks that differ (``docProps/core.xml``, the time written, left out)."""
    with zipfile.ZipFile(a) as za, zipfile.ZipFile(b) as zb:
        if za.namelist() != zb.namelist():
            return ["(part list)"]
        return [n for n in za.namelist() if n != "docProps/core.xml" and za.read(n) != zb.read(n)]


def read_back(a: Path, b: Path) -> dict[str, bool]:
    """Whether the two workbooks read back equal: pandas.read_excel, read_table as text and typed."""
    import pandas as pd

    from feedback_classifier.tableio import read_table

    out = {}
    for name, read in (("read_excel", lambda p: pd.read_excel(p, dtype=object)),
                       ("read_table text", lambda p: read_table(p)),
                       ("read_table typed", lambda p: read_table(p, as_text=False))):
        x, y = read(a), read(b)
        out[name] = x.equals(y) and x.attrs.get("native_types") == y.attrs.get("native_types")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--baseline", required=True, help="the other checkout (e.g. main), run alternately")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.rows)
        return
    tmp = Path(tempfile.mkdtemp(prefix="xlsx_writer_"))
    roots = [("this", str(Path(__file__).resolve().parents[1])), ("base", os.path.abspath(args.baseline))]
    for _ in range(args.repeat):
        for name, root in roots:
            env = dict(os.environ, PYTHONPATH=root)
            done = subprocess.run([sys.executable, __file__, "--rows", str(args.rows), "--baseline", root,
                                   "--child", str(tmp / name)], env=env, cwd=root, capture_output=True, text=True, check=False)
            if done.returncode:
                sys.exit(f"{name}: {done.stderr}")
            r = json.loads(done.stdout.splitlines()[-1])
            x, c = r["xlsx"], r["csv"]
            print(f"{name}: xlsx {x['cpu']:.2f} CPU-s ({x['wall']:.2f} s wall, {x['mib']:.1f} MiB); "
                  f"csv {c['cpu']:.2f} CPU-s ({c['wall']:.2f} s wall, {c['mib']:.1f} MiB); "
                  f"xlsx/csv {x['cpu'] / c['cpu']:.2f}x", flush=True)
    differ = same_parts(tmp / "this.xlsx", tmp / "base.xlsx")
    print(f"workbook parts that differ (but docProps/core.xml): {differ or 'none'}")
    print(f"read back equal: {read_back(tmp / 'this.xlsx', tmp / 'base.xlsx')}")


if __name__ == "__main__":
    main()
