"""XLSX input read in chunks as the sheet is parsed: the same frames as one read of the whole sheet,
every row kept, the same one-line errors, and memory that holds a chunk, not the sheet."""

from __future__ import annotations

import datetime as dt
import re
import tracemalloc
import warnings
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from feedback_classifier.cli import app
from feedback_classifier.errors import InputFileError, InputWarning
from feedback_classifier.tableio import TableWriter, iter_table, read_table, xlsxfile

runner = CliRunner()


def _mixed_workbook(path: Path) -> Path:
    """Ids with leading zeros, numbers stored as text, dates with and without a time, booleans, empty
    cells and rows, a repeated and an empty header name, formatted-but-empty rows at the end."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Ответы"
    ws.append(["id", "comment", "nps", "date", "ok", "zip", "Q", None, "Q"])
    ws.append(["007", "Курьер опоздал", 9, dt.datetime(2025, 1, 2), True, "10001", "a", None, 1])
    ws.append([None, "", 7.5, dt.datetime(2025, 1, 3, 10, 30), False, "02134", None, None, "x"])
    ws.append([])
    ws.append(["008", "Too expensive", None, dt.date(2025, 1, 4), None, None, None, "note", 2.0])
    for i in range(9, 40):
        ws.append([f"{i:03d}", f"comment {i}", i % 11, dt.datetime(2025, 2, 1 + i % 28), i % 2 == 0, f"0{i}"])
    ws.append([None] * 4)
    for r in range(50, 55):  # formatted-but-empty rows at the end are not data
        ws.cell(row=r, column=1).number_format = "0.00"
    wb.save(path)
    return path


def _frames_equal(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))
    assert a.attrs == b.attrs


@pytest.mark.parametrize("block", [3, 8_192])
@pytest.mark.parametrize("chunksize", [1, 2, 3, 7, 100])
def test_chunks_add_up_to_the_whole_sheet_cell_for_cell(tmp_path, monkeypatch, chunksize, block):
    monkeypatch.setattr(xlsxfile, "_BLOCK_ROWS", block)  # a chunk is made of frames of this many rows
    path = _mixed_workbook(tmp_path / "s.xlsx")
    whole = read_table(path)
    assert whole["id"].iloc[:5].fillna("").tolist() == ["007", "", "", "008", "009"]  # leading zeros stay
    assert whole["zip"].iloc[1] == "02134" and whole["nps"].iloc[:2].tolist() == ["9", "7.5"]
    assert whole["date"].iloc[:4].fillna("").tolist() == ["2025-01-02", "2025-01-03 10:30:00", "", "2025-01-04"]
    assert whole["ok"].iloc[:2].tolist() == ["True", "False"]
    assert list(whole.columns) == ["id", "comment", "nps", "date", "ok", "zip", "Q", "Unnamed: 7", "Q.1"]
    assert whole["Q.1"].iloc[:4].fillna("").tolist() == ["1", "x", "", "2"]
    assert len(whole) == 35 and whole.iloc[2].isna().all()  # the empty row between data rows is kept
    assert set(whole.dtypes) == {pd.StringDtype(na_value=float("nan"))}
    assert whole.attrs["native_types"] == {
        "id": "text", "comment": "text", "date": "datetime", "ok": "bool", "zip": "text", "Q": "text",
        "Unnamed: 7": "text"}
    chunks = list(iter_table(path, chunksize=chunksize))
    assert all(len(c) <= chunksize for c in chunks) and sum(map(len, chunks)) == 35
    joined = pd.concat(chunks)
    pd.testing.assert_frame_equal(joined, whole)
    assert [c.index[0] for c in chunks] == list(range(0, 35, chunksize))


def test_a_sheet_read_whole_in_blocks_is_the_sheet_read_at_once(tmp_path, monkeypatch):
    path = _mixed_workbook(tmp_path / "s.xlsx")
    at_once = read_table(path)
    raw_at_once = read_table(path, as_text=False)
    monkeypatch.setattr(xlsxfile, "_BLOCK_ROWS", 4)  # (50,000 rows a block, scaled down)
    _frames_equal(read_table(path), at_once)  # a column's type is agreed by every block that has a value
    _frames_equal(read_table(path, as_text=False), raw_at_once)
    assert raw_at_once["nps"].dtype == "float64" and raw_at_once["date"].dtype.kind == "M"


def _damage_the_end(path: Path, rows: int) -> Path:
    """The workbook with its last row's number cell made unreadable."""
    with zipfile.ZipFile(path) as zf:
        parts = {name: zf.read(name) for name in zf.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    last = sheet.rindex(f'<c r="B{rows + 1}"')
    tail = re.sub(r"<v>[^<]*</v>", "<v>not a number</v>", sheet[last:], count=1)
    parts["xl/worksheets/sheet1.xml"] = (sheet[:last] + tail).encode()
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


def test_the_first_chunk_comes_before_the_rest_of_the_sheet_is_parsed(tmp_path):
    path = tmp_path / "s.xlsx"
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("S")
    ws.append(["comment", "nps"])
    for i in range(300):
        ws.append([f"comment {i}", i % 11])
    wb.save(path)
    _damage_the_end(path, 300)
    chunks = iter_table(path, chunksize=100)  # the whole sheet was parsed here before
    first = next(chunks)
    assert first["comment"].tolist()[:2] == ["comment 0", "comment 1"] and len(first) == 100
    with pytest.raises(InputFileError, match=r"s\.xlsx: corrupt sheet data .*re-save the workbook in Excel"):
        list(chunks)
    # a file or sheet mistake is still said at the call, before any chunk
    with pytest.raises(InputFileError, match="no sheet named 'Sheet2'"):
        iter_table(path, sheet="Sheet2")


def test_a_column_first_filled_far_down_is_kept_in_its_row(tmp_path):
    path = tmp_path / "s.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["comment"])
    for i in range(30):
        ws.append([f"c{i}"])
    ws.cell(row=27, column=3).value = "kept"  # no header over it, first used in the third chunk
    wb.save(path)
    out = tmp_path / "out.csv"
    with TableWriter(out) as w:
        for chunk in iter_table(path, chunksize=10):
            w.write(chunk.assign(categories="x"))
    back = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert len(back) == 30 and back["comment"].tolist() == [f"c{i}" for i in range(30)]
    assert back["Unnamed: 2"].tolist() == [""] * 25 + ["kept"] + [""] * 4
    assert read_table(path)["Unnamed: 2"].fillna("").tolist() == back["Unnamed: 2"].tolist()


def test_a_formula_far_down_stops_classify_before_anything_is_written(tmp_path):
    path = tmp_path / "s.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Responses"
    ws.append(["id", "comment"])
    for i in range(60):
        ws.append([i, "=CONCAT(\"Too \",\"late\")" if i == 55 else f"comment {i}"])
    wb.save(path)
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["classify", str(path), "--text-col", "comment", "--no-sentiment", "--chunksize", "10",
                                 "--out", str(out)])
    assert result.exit_code == 1
    assert "cell B57, column 'comment': the formula =CONCAT" in result.output
    assert not out.exists()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert sum(map(len, iter_table(path, chunksize=10))) == 60
    said = [str(w.message) for w in caught if issubclass(w.category, InputWarning)]
    assert [m.count("formula cell has no stored result") for m in said] == [1]


def test_classify_output_does_not_depend_on_the_chunk_size(tmp_path):
    path = _mixed_workbook(tmp_path / "s.xlsx")
    outs = []
    for chunksize in ("4", "1000"):
        out = tmp_path / f"out{chunksize}.csv"
        result = runner.invoke(app, ["classify", str(path), "--text-col", "comment", "--quiet", "--chunksize", chunksize,
                                     "--out", str(out)])
        assert result.exit_code == 0, result.output
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    back = pd.read_csv(tmp_path / "out4.csv", dtype=str, keep_default_na=False)
    assert len(back) == 35 and back["id"].tolist()[:4] == ["007", "", "", "008"]
    assert outs[0].decode("utf-8-sig").startswith("id,comment,nps,date,ok,zip,Q,,Q,")  # the header as written


def test_the_first_chunk_is_made_from_its_own_rows_not_the_sheet(tmp_path, monkeypatch):
    from openpyxl.worksheet._reader import WorkSheetParser

    path = tmp_path / "big.xlsx"
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("S")
    ws.append(["id", "comment"])
    for i in range(3_000):
        ws.append([i, f"comment {i}"])
    wb.save(path)
    parsed = []
    parse_row = WorkSheetParser.parse_row
    monkeypatch.setattr(WorkSheetParser, "parse_row", lambda self, row: parsed.append(1) or parse_row(self, row))
    chunks = iter_table(path, chunksize=100)
    assert len(next(chunks)) == 100
    assert len(parsed) <= 101 + 3  # the header, the chunk, the rows a survey export's header rows are looked for in
    assert sum(map(len, chunks)) == 2_900 and len(parsed) == 3_001  # (the whole sheet was parsed at once before)


def _as_excel_saves(path: Path) -> Path:
    """The workbook with its texts in the shared-strings table, as Excel saves them (openpyxl writes
    every text inline in the sheet)."""
    with zipfile.ZipFile(path) as zf:
        parts = {name: zf.read(name) for name in zf.namelist()}
    order: dict[bytes, int] = {}

    def shared(m: re.Match) -> bytes:
        index = order.setdefault(m.group(3), len(order))
        return b"<c " + m.group(1) + b't="s"' + m.group(2) + b"><v>%d</v></c>" % index

    inline = re.compile(rb'<c ([^>]*?)t="inlineStr"([^>]*)><is>(<t[^>]*>.*?</t>|<t[^>]*/>)</is></c>', re.S)
    parts["xl/worksheets/sheet1.xml"] = inline.sub(shared, parts["xl/worksheets/sheet1.xml"])
    parts["xl/sharedStrings.xml"] = (b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                                     + b"".join(b"<si>" + t + b"</si>" for t in order) + b"</sst>")
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(b"</Types>", (
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        b'spreadsheetml.sharedStrings+xml"/></Types>'))
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(b"</Relationships>", (
        b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
        b'Target="sharedStrings.xml" Id="rIdS"/></Relationships>'))
    out = path.with_name(path.stem + "_shared.xlsx")
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return out


def test_a_workbook_with_shared_strings_reads_the_same_texts(tmp_path):
    path = _mixed_workbook(tmp_path / "s.xlsx")
    ws_texts = openpyxl.load_workbook(path)
    ws_texts.active.append(["  spaced  ", "a & b <c>", "", "line\nbreak", "Дорого"])
    ws_texts.save(path)
    shared = _as_excel_saves(path)
    assert b"sharedStrings" in zipfile.ZipFile(shared).read("[Content_Types].xml")
    _frames_equal(read_table(shared), read_table(path))
    for a, b in zip(iter_table(shared, chunksize=4), iter_table(path, chunksize=4), strict=True):
        _frames_equal(a, b)


def test_reading_in_chunks_holds_a_chunk_of_texts_not_the_workbooks_texts(tmp_path):
    path = tmp_path / "long.xlsx"
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("S")
    ws.append(["comment"])
    for i in range(3_000):
        ws.append([f"{i:05d} " + "the courier was late again and the box was torn " * 80])  # 3,000 x ~4 kB
    wb.save(path)
    shared = _as_excel_saves(path)
    tracemalloc.start()
    try:
        rows = sum(len(c) for c in iter_table(shared, chunksize=100))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert rows == 3_000
    assert peak < 6 * 2**20, peak  # 2.3 MB; the workbook's 12 MB of texts were held as Python strings before (12.6)
