"""Peak memory and wall time of `classify` on a large XLSX input, this checkout against another.

Not a test: prints its numbers. Run from the repository root:

    OMP_NUM_THREADS=1 python benchmarks/xlsx_memory.py --baseline /path/to/main/checkout --rows 200000

It writes a seeded workbook (openpyxl ``write_only``: ``response_id``, ``date``, ``region``, ``nps`` and
a ``comment`` of 15 words drawn from the bundled examples' vocabulary, every comment distinct; then
its texts moved into the shared-strings table, as Excel and XlsxWriter store them), then
runs ``classify --jobs 1`` on it under this checkout and under ``--baseline``, alternately
(``--repeat`` rounds), each in a fresh process measured by ``peak_rss.measure`` (peak RSS and PSS
summed over the process tree, sampled every 0.1 s; wall and CPU time), and says whether the two
CSV outputs are byte-identical. ``--format csv`` runs the same rows from a CSV file instead, for
comparison with the other readers.

``--out-format xlsx`` writes the output as a workbook instead, to measure the XLSX *writer*
(``--format csv --out-format xlsx``: CSV in, XLSX out). Two workbooks differ in their creation
time, so they are compared part by part, every part but ``docProps/core.xml`` byte for byte:

    OMP_NUM_THREADS=1 python benchmarks/xlsx_memory.py --baseline /work/main --rows 300000 --format csv --out-format xlsx
"""

from __future__ import annotations

import argparse
import filecmp
import os
import re
import sys
import tempfile
import time
import zipfile
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from analyze_memory import _WORD, EXAMPLES, REGIONS  # noqa: E402
from peak_rss import measure, report  # noqa: E402


def rows(n: int, seed: int = 0):
    """The survey rows: ``[response_id, date, region, nps, comment]``, comments distinct."""
    import pandas as pd

    examples = pd.read_csv(EXAMPLES)
    vocab = sorted(set(_WORD.findall(" ".join(examples["text"].dropna()).lower())))
    rng = np.random.default_rng(seed)
    seen: set[str] = set()
    for i in range(n):
        while True:
            comment = " ".join(vocab[j] for j in rng.integers(0, len(vocab), 15))
            if comment not in seen:
                break
        seen.add(comment)
        yield [f"r{i}", f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}", REGIONS[i % len(REGIONS)], int(i % 11), comment]


def generate(path: Path, n: int) -> None:
    """Write the workbook (openpyxl ``write_only``: rows go straight to the file) or, for ``.csv``, a CSV."""
    header = ["response_id", "date", "region", "nps", "comment"]
    if path.suffix == ".csv":
        import csv

        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(header)
            w.writerows(rows(n))
        return
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Responses")
    ws.append(header)
    for row in rows(n):
        ws.append(row)
    inline = path.with_name(path.stem + "_inline.xlsx")
    wb.save(inline)
    with_shared_strings(inline, path)


_INLINE = re.compile(rb'<c ([^>]*?)t="inlineStr"([^>]*)><is>(<t[^>]*>.*?</t>|<t[^>]*/>)</is></c>', re.S)
_CT = (b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.'
       b'spreadsheetml.sharedStrings+xml"/></Types>')
_REL = (b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
        b'Target="sharedStrings.xml" Id="rIdStrings"/></Relationships>')


def with_shared_strings(src: Path, dst: Path) -> None:
    """``src`` (openpyxl writes every text inline in the sheet) as Excel saves it: each distinct text once
    in ``xl/sharedStrings.xml``, cells pointing at it. The sheet is rewritten in pieces of whole rows."""
    index: dict[bytes, int] = {}
    order: list[bytes] = []

    def shared(m: re.Match) -> bytes:
        text = m.group(3)
        if text not in index:
            index[text] = len(order)
            order.append(text)
        return b'<c ' + m.group(1) + b't="s"' + m.group(2) + b'><v>%d</v></c>' % index[text]

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename.startswith("xl/worksheets/sheet"):
                with zin.open(info) as f, zout.open(info.filename, "w") as out:
                    tail = b""
                    while block := f.read(1 << 22):
                        data = tail + block
                        cut = data.rfind(b"</row>") + len(b"</row>") if b"</row>" in data else 0
                        out.write(_INLINE.sub(shared, data[:cut]))
                        tail = data[cut:]
                    out.write(_INLINE.sub(shared, tail))
                continue
            data = zin.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", _CT)
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", _REL)
            zout.writestr(info, data)
        with zout.open("xl/sharedStrings.xml", "w") as out:
            out.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" '
                      b'uniqueCount="%d">' % (len(order), len(order)))
            for text in order:
                out.write(b"<si>" + text + b"</si>")
            out.write(b"</sst>")


def same_output(a: Path, b: Path) -> bool:
    """CSV: byte for byte; XLSX: every part but ``docProps/core.xml`` (the time it was written), streamed."""
    if a.suffix != ".xlsx":
        return filecmp.cmp(a, b, shallow=False)
    with zipfile.ZipFile(a) as za, zipfile.ZipFile(b) as zb:
        if za.namelist() != zb.namelist():
            return False
        for name in za.namelist():
            if name == "docProps/core.xml":
                continue
            with za.open(name) as fa, zb.open(name) as fb:
                while True:
                    x, y = fa.read(1 << 20), fb.read(1 << 20)
                    if x != y:
                        return False
                    if not x:
                        break
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--baseline", required=True, help="the other checkout (e.g. main), run alternately")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--format", choices=("xlsx", "xlsx-inline", "csv"), default="xlsx",
                        help="xlsx: texts in the shared-strings table, as Excel saves; xlsx-inline: as openpyxl writes")
    parser.add_argument("--out-format", choices=("csv", "xlsx"), default="csv",
                        help="the output's format: xlsx measures the XLSX writer")
    parser.add_argument("--tmp", type=Path, default=None, help="folder for the files (default: a temp dir)")
    args = parser.parse_args()
    tmp = args.tmp or Path(tempfile.mkdtemp(prefix="xlsx_memory_"))
    tmp.mkdir(parents=True, exist_ok=True)
    data = tmp / f"survey_{args.rows}.{args.format.replace('xlsx-inline', 'xlsx')}"
    if args.format == "xlsx-inline":
        data = data.with_name(data.stem + "_inline.xlsx")
    if not data.exists():
        started = time.perf_counter()
        generate(data.with_name(data.name.replace("_inline", "")), args.rows)
        print(f"wrote {data} ({data.stat().st_size / 2**20:.1f} MiB) in {time.perf_counter() - started:.1f} s",
              flush=True)
    roots = [("this", str(Path(__file__).resolve().parents[1])), ("base", os.path.abspath(args.baseline))]
    for _ in range(args.repeat):
        walls, outs = {}, {}
        for name, root in roots:
            out = tmp / f"out_{name}.{args.out_format}"
            cmd = [sys.executable, "-m", "feedback_classifier", "classify", str(data), "--text-col", "comment",
                   "--jobs", "1", "--out", str(out)]
            r = measure(cmd, root)
            walls[name], outs[name] = r["wall"], out
            print(report(name, r), flush=True)
        print(f"  wall this/base: {walls['this'] / walls['base']:.2f}; outputs identical: "
              f"{same_output(outs['this'], outs['base'])}", flush=True)


if __name__ == "__main__":
    main()
