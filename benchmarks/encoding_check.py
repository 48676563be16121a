"""Benchmark: what checking a guessed encoding on the whole file costs.

A cp1251 (or other single-byte) guess is checked against the first 64 MB of the file and
evenly spaced blocks of the rest (tableio/encoding.py ``check_guess``), so a UTF-8 file with a
damaged byte is never read as cp1251. This prints the check's time against, in the same run,
``pandas.read_csv`` of the same file with the encoding given (the baseline) and the whole
``read_table`` (sniffing + check + parse). Target: ``read_table`` within 1.5x of the baseline.
Measured on the 2-core dev machine, 50 MB: check 0.60 s = 33% of the baseline's 1.79 s;
read_table 1.71 s = 0.95x (its parser is faster than the baseline's, which hides the check).

    OMP_NUM_THREADS=1 python benchmarks/encoding_check.py [--mb 50]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pandas as pd

from feedback_classifier.tableio import read_table
from feedback_classifier.tableio.encoding import check_guess

ROWS = ["Курьер опоздал на два часа, заказ холодный", "Очень дорого но быстро", "Приложение зависает",
        "Вежливый оператор, спасибо"]


def make_file(folder: Path, mb: int) -> Path:
    path = folder / "survey_cp1251.csv"
    line_block = "".join(f"{i};{ROWS[i % len(ROWS)]};{i % 11}\n" for i in range(10_000)).encode("cp1251")
    with open(path, "wb") as fh:
        fh.write("id;comment;nps\n".encode("cp1251"))
        while fh.tell() < mb * 1024 * 1024:
            fh.write(line_block)
    return path


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = make_file(Path(tmp), args.mb)
        size = path.stat().st_size / 2**20
        base = timed(lambda: pd.read_csv(path, sep=";", encoding="cp1251", dtype=str, keep_default_na=False))
        check = timed(lambda: check_guess(path, False, "cp1251"))
        whole = timed(lambda: read_table(path))
    print(f"file: {size:.0f} MB cp1251")
    print(f"pandas.read_csv, encoding given (baseline): {base:.2f} s")
    print(f"check_guess on the whole file:              {check:.2f} s  ({check / base:.0%} of the baseline)")
    print(f"read_table (sniff + check + parse):         {whole:.2f} s  ({whole / base:.2f}x the baseline)")


if __name__ == "__main__":
    main()
