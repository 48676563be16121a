"""XLSX output streamed as chunks come: the sink holds no rows, its sheet file grows on disk, and the workbook
reads back as one written at once, late columns, text cells and header names included."""

from __future__ import annotations

import gc
import os
import tracemalloc
import weakref
import zipfile

import pandas as pd
import pytest

from feedback_classifier.errors import InputFileError
from feedback_classifier.tableio import TableWriter, read_table
from feedback_classifier.tableio.xlsxsink import XlsxSink


def _chunk(start: int, n: int) -> pd.DataFrame:
    # object columns: their texts are Python objects that tracemalloc sees (an Arrow-backed column's are not)
    return pd.DataFrame(dtype=object, data={"id": [f"{i:06d}" for i in range(start, start + n)],
                         "comment": [f"distinct comment number {i} about the courier and the price" for i in
                                     range(start, start + n)],
                         "nps": [str(i % 11) for i in range(start, start + n)]})


def _sheet_files(folder) -> list:
    return [p for p in folder.iterdir() if p.name.endswith(".sheet.tmp")]


def test_the_sink_holds_no_chunk_and_its_sheet_file_grows_as_chunks_come(tmp_path):
    """The sink used to keep every chunk and write the sheet at close: memory grew with the rows."""
    sink = XlsxSink(tmp_path / ".o.xlsx.x.tmp", tmp_path / "o.xlsx", encoding="utf-8", sep=",", gz=False,
                    sheet_name="S")
    sizes = []
    for k in range(3):
        chunk = _chunk(k * 2_000, 2_000)
        alive = weakref.ref(chunk)
        sink.write(chunk)
        del chunk
        gc.collect()
        assert alive() is None  # the chunk is not kept
        (sheet,) = _sheet_files(tmp_path)
        sizes.append(sheet.stat().st_size)
        assert sheet.stat().st_mode & 0o077 == 0  # every comment is in it: the owner's only
    assert sizes[0] > 100_000 and sizes[1] > sizes[0] + 100_000 and sizes[2] > sizes[1] + 100_000
    sink.close()
    assert _sheet_files(tmp_path) == []
    back = read_table(tmp_path / ".o.xlsx.x.tmp", fmt="xlsx")
    assert len(back) == 6_000 and back["id"].iloc[-1] == "005999" and back["nps"].iloc[3] == "3"


def test_memory_stays_flat_as_chunks_are_written(tmp_path):
    """What Python holds after 8 chunks is what it held after 2 (each chunk holds ~0.2 MB of objects)."""
    held = []
    tracemalloc.start()
    try:
        with TableWriter(tmp_path / "o.xlsx") as w:
            for k in range(8):
                w.write(_chunk(k * 1_000, 1_000))
                gc.collect()
                held.append(tracemalloc.get_traced_memory()[0])
    finally:
        tracemalloc.stop()
    assert held[-1] - held[1] < 300_000, [h - held[1] for h in held]
    assert len(read_table(tmp_path / "o.xlsx")) == 8_000


def _late_chunks() -> list[pd.DataFrame]:
    first = pd.DataFrame({"id": ["007", "8"], "x": ["=1+2", "#N/A"]})
    first.attrs.update(original_names={"x": "x "}, native_types={"id": "text"}, sheet="Ответы")
    second = pd.DataFrame({"id": ["009"], "x": ["a\x01b"], "=SUM(A1)": ["5"]})
    third = pd.DataFrame({"id": ["10"], "late": ["0042"], "x": [" lead"], "=SUM(A1)": ["=2"]})
    return [first, second, third]


def test_late_columns_give_the_whole_header_and_read_back_as_one_chunk_would(tmp_path):
    """Columns first used in a later chunk are in the header (a copy of the saved workbook puts it in place)
    and the sheet is the very XML of the same table written in one chunk."""
    chunks = _late_chunks()
    with TableWriter(tmp_path / "chunks.xlsx") as w:
        for chunk in chunks:
            w.write(chunk)
    whole = pd.concat(chunks, ignore_index=True)[["id", "x", "=SUM(A1)", "late"]]
    whole.attrs = dict(chunks[0].attrs)
    with TableWriter(tmp_path / "whole.xlsx") as w:
        w.write(whole)
    assert sorted(os.listdir(tmp_path)) == ["chunks.xlsx", "whole.xlsx"]  # no temp file left
    with zipfile.ZipFile(tmp_path / "chunks.xlsx") as a, zipfile.ZipFile(tmp_path / "whole.xlsx") as b:
        assert a.namelist() == b.namelist()
        for name in a.namelist():
            if name != "docProps/core.xml":  # (the time it was written)
                assert a.read(name) == b.read(name), name
        sheet = a.read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet  # formula-looking texts and header names are text cells
    back = read_table(tmp_path / "chunks.xlsx")
    assert list(back.columns) == ["id", "x ", "=SUM(A1)", "late"] and back.attrs["sheet"] == "Ответы"
    assert back["id"].tolist() == ["007", "8", "009", "10"]  # text column: "8" stays text
    assert back["x "].tolist() == ["=1+2", "#N/A", "a\ufffdb", " lead"]
    assert back["late"].fillna("").tolist() == ["", "", "", "0042"]
    excel = pd.read_excel(tmp_path / "chunks.xlsx", dtype=object)
    assert list(excel.columns) == ["id", "x ", "=SUM(A1)", "late"] and excel["id"].tolist() == ["007", "8", "009", "10"]
    assert excel["=SUM(A1)"].tolist()[2:] == [5, "=2"]


def test_a_too_long_cell_in_a_later_chunk_is_one_line_and_leaves_no_file(tmp_path):
    """Rows of earlier chunks are on disk by then: the error still leaves the folder as it was."""
    target = tmp_path / "o.xlsx"
    bad = _chunk(10, 5)
    bad.loc[3, "comment"] = "x" * 40_000
    with pytest.raises(InputFileError, match=r"o\.xlsx: row 14, column 'comment': a cell has 40,000 characters"):
        with TableWriter(target) as w:
            w.write(_chunk(0, 10))
            w.write(bad)
    assert os.listdir(tmp_path) == []


def test_a_killed_runs_sheet_file_is_removed_by_the_next_write(tmp_path):
    leftover = tmp_path / ".o.xlsx.k1ll3d.sheet.tmp"
    leftover.write_text("<worksheet>")
    os.utime(leftover, (0, 0))
    with TableWriter(tmp_path / "o.xlsx") as w:
        w.write(_chunk(0, 3))
    assert os.listdir(tmp_path) == ["o.xlsx"]
