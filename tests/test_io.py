"""Table I/O: what a user relies on when feeding survey exports in and getting files out."""

from __future__ import annotations

import codecs
import datetime as dt
import gzip
import json
import os

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback_classifier.errors import InputFileError, MissingColumnError
from feedback_classifier.tableio import (
    TableWriter,
    detect_encoding,
    detect_format,
    iter_table,
    neutralize_formulas,
    read_table,
    require_columns,
    write_table,
)
from feedback_classifier.tableio import encoding as sniffing
from feedback_classifier.tableio.formulas import unguard_formulas
from feedback_classifier.tableio import xlsxfile

ROWS = [
    ["id", "comment", "nps", "phone"],
    ["007", "Курьер опоздал на два часа, упаковка мятая", "3", "+79161234567"],
    ["008", "Всё отлично; спасибо!", "10", ""],
    ["009", "", "", "8 (916) 123-45-67"],
    ["010", 'Цена "кусается", но качество хорошее', "7", "NA"],
]


def _csv_text(sep: str) -> str:
    lines = []
    for row in ROWS:
        cells = []
        for cell in row:
            if any(ch in cell for ch in (sep, '"', ",", ";")):
                cell = '"' + cell.replace('"', '""') + '"'
            cells.append(cell)
        lines.append(sep.join(cells))
    return "\r\n".join(lines) + "\r\n"


def _encode(text: str, encoding: str) -> bytes:
    if encoding == "utf-16-be-bom":
        return codecs.BOM_UTF16_BE + text.encode("utf-16-be")
    return text.encode(encoding)  # "utf-16" writes a little-endian BOM, "utf-8-sig" a UTF-8 BOM


def _assert_rows(df: pd.DataFrame) -> None:
    assert list(df.columns) == ROWS[0]
    assert len(df) == len(ROWS) - 1
    for i, row in enumerate(ROWS[1:]):
        got = [None if pd.isna(v) else v for v in df.iloc[i].tolist()]
        assert got == [v if v != "" else None for v in row]


# ---------------------------------------------------------------- sniffing


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1251", "utf-16", "utf-16-be-bom"])
@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_csv_encoding_and_delimiter_are_sniffed(tmp_path, encoding, sep):
    path = tmp_path / "survey.csv"
    path.write_bytes(_encode(_csv_text(sep), encoding))
    df = read_table(path)
    _assert_rows(df)
    # Text by default: ids and phone numbers are not mangled, "NA" stays text.
    assert df["id"].tolist()[0] == "007"
    assert df["phone"].iloc[0] == "+79161234567"
    assert df["phone"].iloc[3] == "NA"
    assert all(isinstance(dtype, pd.StringDtype) for dtype in df.dtypes)


def test_cp1251_and_utf8_russian_files_both_decode_correctly(tmp_path):
    text = "отзыв;оценка\nМенеджер не перезвонил, жду неделю;2\nБыстро и вежливо;9\n"
    (tmp_path / "win.csv").write_bytes(text.encode("cp1251"))
    (tmp_path / "utf.csv").write_bytes(text.encode("utf-8"))
    for name in ("win.csv", "utf.csv"):
        df = read_table(tmp_path / name)
        assert df.columns.tolist() == ["отзыв", "оценка"]
        assert df["отзыв"].tolist() == ["Менеджер не перезвонил, жду неделю", "Быстро и вежливо"]


def test_utf8_sample_cut_inside_a_multibyte_char_is_still_utf8(tmp_path, monkeypatch):
    text = "comment\n" + "Ждём доставку слишком долго\n" * 50
    raw = text.encode("utf-8")
    cut = len("comment\n".encode()) + 1  # second byte of the first Cyrillic letter
    assert raw[cut - 1] >= 0xC0  # the sample ends after a lead byte: a cut character
    assert detect_encoding(raw[:cut], truncated=True) == "utf-8"
    monkeypatch.setattr(sniffing, "_SAMPLE_BYTES", cut)
    path = tmp_path / "long.csv"
    path.write_bytes(raw)
    df = read_table(path)
    assert len(df) == 50 and df["comment"].iloc[0] == "Ждём доставку слишком долго"


def test_explicit_encoding_and_sep_override_sniffing(tmp_path):
    path = tmp_path / "odd.txt"
    path.write_bytes("a|b;c\n1|2;3\n".encode("cp1251"))
    assert read_table(path, sep=";").columns.tolist() == ["a|b", "c"]
    assert read_table(path, sep="|").columns.tolist() == ["a", "b;c"]
    latin = tmp_path / "latin.csv"
    latin.write_bytes("name\nJosé\n".encode("latin-1"))
    assert read_table(latin, encoding="latin-1")["name"].tolist() == ["José"]


def test_wrong_explicit_encoding_is_a_clear_error(tmp_path):
    path = tmp_path / "win.csv"
    path.write_bytes("отзыв\nплохо\n".encode("cp1251"))
    with pytest.raises(InputFileError, match=r"win\.csv.*utf-8.*encoding="):
        read_table(path, encoding="utf-8")


def test_one_column_file_with_commas_in_comments_is_not_split(tmp_path):
    path = tmp_path / "comments.csv"
    path.write_text("comment\nдорого, долго, грубо\nнормально\nfast, cheap\n", encoding="utf-8")
    df = read_table(path)
    assert df["comment"].tolist() == ["дорого, долго, грубо", "нормально", "fast, cheap"]


def test_blank_and_empty_rows_are_kept(tmp_path):
    path = tmp_path / "gaps.csv"
    path.write_text("id,comment\n1,хорошо\n,\n\n4,плохо\n", encoding="utf-8")
    df = read_table(path)
    assert len(df) == 4
    assert df["id"].tolist()[3] == "4" and df.iloc[1:3].isna().all().all()


def test_rows_with_more_fields_than_the_header_are_an_error_not_a_shift(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("id;comment\n1;a;x\n2;b;y\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"bad\.csv.*more fields than the header.*sep="):
        read_table(path)
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("id,comment\n1,a\n2,b,c\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"ragged\.csv.*line 3"):
        read_table(ragged)


def test_invalid_utf8_after_the_sample_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(sniffing, "_SAMPLE_BYTES", 64)
    path = tmp_path / "mixed.csv"
    path.write_bytes(("comment\n" + "ok row\n" * 20).encode() + "плохо\n".encode("cp1251"))
    with pytest.raises(InputFileError, match=r"mixed\.csv.*encoding="):
        read_table(path)


# ---------------------------------------------------------------- other formats


def _workbook(path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Summary"
    ws.append(["note"])
    ws.append(["not the data"])
    data = wb.create_sheet("Ответы")
    data.append(["id", "comment", "nps", "date", None])
    data.append(["007", "Долго ждал", 3, dt.datetime(2024, 1, 5), None])
    data.append([8, None, 9.5, dt.datetime(2024, 1, 6, 14, 30), None])
    data.append([None, None, None, None, None])  # an empty row between data rows
    data.append([10, "ok", 10, None, None])
    data.append([None, None, None, None, None])  # trailing: formatting leftovers, not data
    wb.save(path)


def test_xlsx_first_named_and_indexed_sheet(tmp_path):
    path = tmp_path / "book.xlsx"
    _workbook(path)
    assert read_table(path).to_dict("list") == {"note": ["not the data"]}
    df = read_table(path, sheet="Ответы")
    assert df.columns.tolist() == ["id", "comment", "nps", "date"]
    assert df["id"].tolist()[:2] == ["007", "8"]
    assert df["nps"].tolist()[:2] == ["3", "9.5"]
    assert df["date"].tolist()[:2] == ["2024-01-05", "2024-01-06 14:30:00"]
    assert len(df) == 4 and df.iloc[2].isna().all()
    assert read_table(path, sheet=1).equals(df)


def test_xlsx_unknown_sheet_lists_the_sheets(tmp_path):
    path = tmp_path / "book.xlsx"
    _workbook(path)
    with pytest.raises(InputFileError, match=r"no sheet named 'Answers'.*'Summary', 'Ответы'"):
        read_table(path, sheet="Answers")


def test_parquet_is_read_as_text_by_default_and_native_on_request(tmp_path):
    path = tmp_path / "t.parquet"
    pd.DataFrame({"id": ["007", "008"], "nps": [9, 10], "score": [1.5, np.nan]}).to_parquet(path)
    df = read_table(path)
    assert df.to_dict("list") == {"id": ["007", "008"], "nps": ["9", "10"], "score": ["1.5", np.nan]} or (
        df["nps"].tolist() == ["9", "10"] and df["score"].iloc[0] == "1.5" and pd.isna(df["score"].iloc[1])
    )
    native = read_table(path, as_text=False)
    assert native["nps"].dtype == np.int64


def test_jsonl_values_become_exact_text(tmp_path):
    path = tmp_path / "t.jsonl"
    lines = [
        {"id": "007", "nps": 9, "comment": "Быстро"},
        {"id": "008", "nps": 7.5, "tags": ["a", "b"]},
        {"id": "009", "nps": None, "comment": ""},
    ]
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n\n", encoding="utf-8")
    df = read_table(path)
    assert df.columns.tolist() == ["id", "nps", "comment", "tags"]
    assert df["nps"].tolist()[:2] == ["9", "7.5"] and pd.isna(df["nps"].iloc[2])
    assert df["tags"].iloc[1] == '["a", "b"]'
    assert df["comment"].iloc[2] == ""  # JSON keeps "" apart from missing
    assert pd.isna(df["comment"].iloc[1])


def test_json_array_file(tmp_path):
    path = tmp_path / "t.json"
    path.write_text('[{"a": "x"}, {"a": "y", "b": 1}]', encoding="utf-8")
    assert read_table(path).fillna("-").to_dict("list") == {"a": ["x", "y"], "b": ["-", "1"]}


def test_jsonl_bad_line_reports_its_line_number(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text('{"a": 1}\n{"a": 2}\n{"a": 3,,}\n', encoding="utf-8")
    with pytest.raises(InputFileError, match=r"t\.jsonl: line 3 is not valid JSON"):
        read_table(path)
    path.write_text('{"a": 1}\n[1, 2]\n', encoding="utf-8")
    with pytest.raises(InputFileError, match=r"line 2 is a JSON list, not an object"):
        list(iter_table(path))


# ---------------------------------------------------------------- chunks


def _sample_frame(n: int = 23) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [f"{i:03d}" for i in range(n)],
            "comment": [("Очень долго, " * (i % 3)) + f"row {i}" if i % 5 else None for i in range(n)],
            "nps": [str(i % 11) if i % 4 else None for i in range(n)],
        }
    )


@pytest.mark.parametrize("ext", ["csv", "tsv", "xlsx", "parquet", "jsonl", "csv.gz", "jsonl.gz"])
def test_chunked_reading_equals_whole_reading(tmp_path, ext):
    path = write_table(_sample_frame(), tmp_path / f"t.{ext}")
    whole = read_table(path)
    chunks = list(iter_table(path, chunksize=5))
    assert [len(c) for c in chunks] == [5, 5, 5, 5, 3]
    pd.testing.assert_frame_equal(pd.concat(chunks), whole)


def test_iter_table_on_a_header_only_file_yields_one_empty_frame_with_columns(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("id,comment\n", encoding="utf-8")
    chunks = list(iter_table(path, chunksize=10))
    assert len(chunks) == 1 and chunks[0].columns.tolist() == ["id", "comment"] and chunks[0].empty


# ---------------------------------------------------------------- writing


@pytest.mark.parametrize("ext", ["csv", "tsv", "xlsx", "parquet", "jsonl", "csv.gz", "jsonl.gz"])
def test_round_trip_keeps_columns_order_and_values(tmp_path, ext):
    df = _sample_frame()
    df["ещё колонка"] = ["пусто"] * len(df)
    back = read_table(write_table(df, tmp_path / f"out.{ext}"))
    pd.testing.assert_frame_equal(back, df, check_dtype=False)
    assert list(tmp_path.iterdir()) == [tmp_path / f"out.{ext}"]  # no temp files left behind


def test_csv_is_written_as_utf8_with_bom_unless_told_otherwise(tmp_path):
    df = pd.DataFrame({"отзыв": ["дорого"]})
    raw = write_table(df, tmp_path / "a.csv").read_bytes()
    assert raw.startswith(codecs.BOM_UTF8) and raw[3:].decode() == "отзыв\r\nдорого\r\n"
    raw = write_table(df, tmp_path / "b.csv", encoding="cp1251", sep=";").read_bytes()
    assert raw.decode("cp1251") == "отзыв\r\nдорого\r\n"
    assert read_table(tmp_path / "b.csv")["отзыв"].tolist() == ["дорого"]


def test_failed_write_keeps_the_old_file_and_leaves_no_temp(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old content\n", encoding="utf-8")
    with pytest.raises(RuntimeError):
        with TableWriter(target) as w:
            w.write(_sample_frame())
            raise RuntimeError("classification crashed half way")
    assert target.read_text(encoding="utf-8") == "old content\n"
    assert os.listdir(tmp_path) == ["out.csv"]


@pytest.mark.parametrize("ext", ["parquet", "xlsx", "jsonl"])
def test_failed_write_in_each_format_leaves_no_temp(tmp_path, ext):
    target = tmp_path / f"out.{ext}"
    with pytest.raises(RuntimeError):
        with TableWriter(target) as w:
            w.write(_sample_frame())
            raise RuntimeError("boom")
    assert os.listdir(tmp_path) == []


def test_xlsx_row_limit_is_a_clear_error_and_no_file(tmp_path, monkeypatch):
    monkeypatch.setattr(xlsxfile, "EXCEL_MAX_DATA_ROWS", 10)
    target = tmp_path / "big.xlsx"
    with pytest.raises(InputFileError, match=r"do not fit in an Excel sheet.*csv or \.parquet"):
        with TableWriter(target) as w:
            w.write(_sample_frame(8))
            w.write(_sample_frame(8))
    assert os.listdir(tmp_path) == []


def test_streamed_parquet_casts_later_chunks_to_the_first_schema(tmp_path):
    target = tmp_path / "s.parquet"
    with TableWriter(target) as w:
        w.write(pd.DataFrame({"id": ["1", "2"], "categories": [None, None]}))
        w.write(pd.DataFrame({"categories": ["Price", None], "id": ["3", "4"]}))  # other order
        w.write(pd.DataFrame({"id": ["5"]}))  # missing column written empty
    df = read_table(target)
    assert df["id"].tolist() == ["1", "2", "3", "4", "5"]
    assert df["categories"].fillna("").tolist() == ["", "", "Price", "", ""]


@pytest.mark.parametrize("name", ["s.csv", "s.csv.gz", "s.xlsx", "s.parquet"])
def test_streamed_chunks_with_new_columns_widen_every_format(tmp_path, name):
    # a JSON key first used late: the columns grow twice; rows before keep their cells, the new
    # columns are empty there; a cell with the separator, a quote or a line break survives the rewrite
    tricky = ["x;y,z", "line\nbreak\nagain", '"quoted"', "", "Ёлка"]
    with TableWriter(tmp_path / name, sep=";" if name.startswith("s.csv") else None) as w:
        w.write(pd.DataFrame({"a": tricky}))
        w.write(pd.DataFrame({"a": ["2"], "b": ["x"]}))
        w.write(pd.DataFrame({"a": ["3"], "b": ["y"], "c": ["z"]}))
        w.write(pd.DataFrame({"a": ["4"]}))
    back = read_table(tmp_path / name, as_text=True).fillna("")
    assert list(back.columns) == ["a", "b", "c"]
    assert back["a"].tolist() == [*tricky, "2", "3", "4"]
    assert back["b"].tolist() == [""] * 5 + ["x", "y", ""] and back["c"].tolist() == [""] * 6 + ["z", ""]
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no segment left behind
    if name == "s.csv":
        data = (tmp_path / name).read_bytes()
        assert data.startswith(codecs.BOM_UTF8) and data.count(codecs.BOM_UTF8) == 1
        assert data.splitlines()[0] == codecs.BOM_UTF8 + b"a;b;c"


def test_parquet_keeps_object_fields_and_decimals_that_first_appear_late(tmp_path):
    # a JSON object's field first used in a later chunk was dropped without a word (the struct type was
    # the first chunk's), and whole numbers that later had decimals stopped the copy with a message that
    # named no column
    target = tmp_path / "s.parquet"
    with TableWriter(target) as w:
        w.write(pd.DataFrame({"meta": [{"region": "EU"}], "amount": [1], "note": [None]}))
        w.write(pd.DataFrame({"meta": [{"region": "US", "tier": "gold"}], "amount": [2.5], "note": [None]}))
        w.write(pd.DataFrame({"meta": [None], "amount": [None], "note": ["x"]}))
    import pyarrow.parquet as pq

    table = pq.read_table(target).to_pylist()
    assert [r["meta"] for r in table] == [{"region": "EU", "tier": None}, {"region": "US", "tier": "gold"}, None]
    assert [r["amount"] for r in table] == [1.0, 2.5, None] and [r["note"] for r in table] == [None, None, "x"]
    with pytest.raises(InputFileError, match=r"column 'amount' holds .* values in a later part"):
        with TableWriter(tmp_path / "t.parquet") as w:
            w.write(pd.DataFrame({"amount": [1]}))
            w.write(pd.DataFrame({"amount": [[1, 2]]}))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.parquet"]


def test_a_failed_widened_csv_leaves_nothing(tmp_path):
    with pytest.raises(RuntimeError):
        with TableWriter(tmp_path / "s.csv") as w:
            w.write(pd.DataFrame({"a": ["1"]}))
            w.write(pd.DataFrame({"a": ["2"], "extra": ["x"]}))
            raise RuntimeError("the job failed")
    assert list(tmp_path.iterdir()) == []
    assert os.listdir(tmp_path) == []


DANGEROUS = ["=HYPERLINK(\"http://evil\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


@pytest.mark.parametrize("ext", ["csv", "xlsx"])
def test_csv_neutralises_formula_cells_and_xlsx_writes_them_as_text_cells(tmp_path, ext):
    df = pd.DataFrame({"comment": DANGEROUS + ["-5", "-", "fine", "#N/A"], "delta": range(-5, 5)})
    back = read_table(write_table(df, tmp_path / f"out.{ext}"))
    if ext == "csv":  # a spreadsheet opening a CSV runs '=...': marked with a ' in the file, read without it
        raw = pd.read_csv(tmp_path / "out.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
        assert raw["comment"].tolist() == ["'" + v for v in DANGEROUS] + ["-5", "-", "fine", "#N/A"]
        expected = DANGEROUS + ["-5", "-", "fine", "#N/A"]
    else:  # an XLSX text cell never runs: the text is kept; XML turns a stored CR into LF (documented)
        expected = [v.replace("\r", "\n") for v in DANGEROUS] + ["-5", "-", "fine", "#N/A"]
    assert back["comment"].tolist() == expected
    assert back["delta"].tolist()[0] == "-5"
    if ext == "xlsx":
        from openpyxl import load_workbook

        ws = load_workbook(tmp_path / "out.xlsx").active
        assert [c.data_type for c in ws["A"][1:7]] + [ws["A10"].data_type] == ["s"] * 7  # no formula, no error cell
        assert all(cell.data_type != "f" for row in ws.iter_rows() for cell in row)
        assert ws["B2"].value == -5 and ws["A8"].value == -5  # numbers stay numbers


@pytest.mark.parametrize("ext", ["parquet", "jsonl"])
def test_parquet_and_jsonl_keep_formula_like_text(tmp_path, ext):
    df = pd.DataFrame({"comment": DANGEROUS})
    back = read_table(write_table(df, tmp_path / f"out.{ext}"))
    assert back["comment"].tolist() == DANGEROUS


def test_xlsx_keeps_ids_as_text_and_plain_numbers_as_numbers(tmp_path):
    from openpyxl import load_workbook

    df = pd.DataFrame({"id": ["007", "12"], "nps": ["9", "1.50"], "ctrl": ["a\x01b", None]})
    write_table(df, tmp_path / "o.xlsx")
    ws = load_workbook(tmp_path / "o.xlsx").active
    assert [ws["A2"].value, ws["A3"].value, ws["B2"].value, ws["B3"].value] == ["007", 12, 9, "1.50"]
    assert ws["C2"].value == "a\ufffdb"  # control characters Excel refuses are made visible


# ---------------------------------------------------------------- errors


def test_require_columns_names_the_missing_column_and_suggests(tmp_path):
    df = pd.DataFrame(columns=["Response ID", "Comment", "NPS"])
    require_columns(df, ["Comment", "NPS"], source="s.csv")
    with pytest.raises(MissingColumnError) as err:
        require_columns(df, ["Comment", "coment"], source="s.csv")
    msg = str(err.value)
    assert "s.csv" in msg and "'coment'" in msg
    assert "'Response ID', 'Comment', 'NPS'" in msg and "Did you mean 'Comment'?" in msg
    with pytest.raises(MissingColumnError, match=r"no column 'score'.*'a', 'b'\.$"):
        require_columns(["a", "b"], "score", source="x.xlsx")


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(InputFileError, match=r"nope\.csv: file not found"):
        read_table(tmp_path / "nope.csv")
    with pytest.raises(InputFileError, match=r"is a directory"):
        iter_table(tmp_path)  # raised at the call, not at the first next()


def test_unknown_extension_lists_formats_and_the_override(tmp_path):
    path = tmp_path / "data.dat"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"unknown table format '\.dat'.*\.csv.*\.parquet.*fmt="):
        read_table(path)
    assert read_table(path, fmt="csv").columns.tolist() == ["a", "b"]
    with pytest.raises(InputFileError, match=r"save them as \.xlsx"):
        detect_format("old.xls")


@pytest.mark.parametrize(
    ("name", "content", "pattern"),
    [
        # (CSV text named .xlsx is read as CSV: tests/test_qa_first_week.py)
        ("fake.xlsx", b"PK\x03\x04 a cut zip", r"fake\.xlsx: not a readable XLSX workbook"),
        ("fake.parquet", b"PAR1 not really", r"fake\.parquet: not a valid Parquet file"),
        ("cut.csv.gz", gzip.compress(b"id,comment\n1,a\n" * 50)[:40], r"cut\.csv\.gz: cannot read"),
    ],
)
def test_corrupt_files_are_input_errors(tmp_path, name, content, pattern):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputFileError, match=pattern):
        read_table(path)


def test_detect_format():
    assert detect_format("a.TSV") == "tsv"
    assert detect_format("a.pq") == "parquet"
    assert detect_format("a.ndjson") == "jsonl"
    assert detect_format("a.csv.gz") == "csv"
    assert detect_format("anything", fmt="Excel") == "xlsx"
    with pytest.raises(InputFileError, match="gzip"):
        detect_format("a.xlsx.gz")
    with pytest.raises(InputFileError, match="unknown format 'sav'"):
        detect_format("a.csv", fmt="sav")


def test_write_into_missing_directory_is_a_clear_error(tmp_path):
    with pytest.raises(InputFileError, match=r"directory .* does not exist"):
        write_table(pd.DataFrame({"a": ["1"]}), tmp_path / "no" / "out.csv")


# ---------------------------------------------------------------- invariants

_cells = st.one_of(
    st.just(""),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12),
    st.sampled_from(['"', '""', ",", ";", "\t", "\n", "\r\n", "\r", " ", "a,b", 'x"y', "=1", "-", "Ж\nЖ"]),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(_cells, _cells), min_size=0, max_size=12))
def test_csv_round_trip_keeps_row_count_and_order(tmp_path, rows):
    df = pd.DataFrame(
        {"n": [str(i) for i in range(len(rows))], "a": [r[0] for r in rows], "b": [r[1] for r in rows]}
    )
    path = tmp_path / "hyp.csv"
    write_table(df, path)
    back = read_table(path)
    assert len(back) == len(df)
    assert back["n"].tolist() == df["n"].tolist()
    expected = unguard_formulas(neutralize_formulas(df))[0]  # (the guard's ' is written, then read without)
    for col in ("a", "b"):
        want = [v if v != "" else None for v in expected[col].tolist()]
        got = [None if pd.isna(v) else v for v in back[col].tolist()]
        assert got == want


def test_cli_style_separator_names_and_explicit_utf8_with_bom(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(codecs.BOM_UTF8 + "id\tотзыв\n1\tок\n".encode())
    for sep in ("\\t", "tab", "\t"):
        df = read_table(path, sep=sep, encoding="utf-8")
        assert df.columns.tolist() == ["id", "отзыв"]  # the BOM does not stick to "id"
    with pytest.raises(InputFileError, match="one character"):
        read_table(path, sep="::")


def test_parquet_output_stores_mixed_object_columns_as_text_and_floats_exactly(tmp_path):
    df = pd.DataFrame({"mixed": pd.Series(["a", 5, None], dtype=object), "p": [0.123456789012345, 1.0, 2.5]})
    back = read_table(write_table(df, tmp_path / "m.parquet"))
    assert back["mixed"].tolist()[:2] == ["a", "5"] and pd.isna(back["mixed"].iloc[2])
    back_json = read_table(write_table(df, tmp_path / "m.jsonl"), as_text=False)
    assert back_json["p"].tolist() == df["p"].tolist()


def test_bomless_utf16_is_recognised(tmp_path):
    path = tmp_path / "u16.csv"
    path.write_bytes("id;отзыв\n1;долго\n".encode("utf-16-le"))
    assert read_table(path).to_dict("list") == {"id": ["1"], "отзыв": ["долго"]}


_CELL = st.one_of(
    st.none(),
    st.text(alphabet=st.sampled_from(list('ab ,;\t"\r\n\'=-ёЖ😀|')), max_size=8),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(st.tuples(_CELL, _CELL, st.floats(allow_infinity=False) | st.sampled_from([0.0, -0.0, 0.5, 1e-05,
                                                                                          float("nan"), 0.1234]),
                            st.integers(-10**12, 10**12), st.booleans()),
                  min_size=1, max_size=12),
    sep=st.sampled_from([",", ";", "\t", "|"]),
)
def test_fast_csv_writer_writes_the_bytes_pandas_writes(tmp_path, rows, sep):
    # TableWriter renders CSV with Arrow kernels for speed; every cell must come out exactly
    # as pandas' csv-module writer would put it (quoting, doubled quotes, NaN, floats, bools).
    a, b, f, i, flag = zip(*rows)
    df = pd.DataFrame({
        "text": pd.array(a, dtype="str"), "other, col": pd.array(b, dtype="str"),
        "score": np.array(f, dtype=float), "n": np.array(i, dtype=np.int64), "flag": np.array(flag),
    })
    out = tmp_path / "fast.csv"
    with TableWriter(out, sep=sep) as w:
        w.write(df.iloc[: len(df) // 2])
        w.write(df.iloc[len(df) // 2 :])
    expected = neutralize_formulas(df).to_csv(None, index=False, sep=sep, lineterminator="\r\n")
    assert out.read_bytes() == codecs.BOM_UTF8 + expected.encode("utf-8")


def test_csv_in_another_encoding_and_unusual_column_types_still_write_correctly(tmp_path):
    df = pd.DataFrame({
        "comment": pd.array(["Доставка, опоздала", None], dtype="str"),
        "when": pd.to_datetime(["2025-01-02", "2025-02-03"]),  # not handled by the fast path
    })
    out = tmp_path / "win.csv"
    with TableWriter(out, encoding="cp1251") as w:
        w.write(df)
        w.write(df[["comment", "when"]].assign(when=pd.NaT))
    text = out.read_bytes().decode("cp1251")
    assert text == ('comment,when\r\n"Доставка, опоздала",2025-01-02\r\n,2025-02-03\r\n'
                    '"Доставка, опоздала",\r\n,\r\n')
    cp = tmp_path / "fast_cp1251.csv"
    with TableWriter(cp, encoding="cp1251") as w:
        w.write(pd.DataFrame({"a": pd.array(["ё, Ж", "x"], dtype="str"), "b": [1, 2]}))
    assert cp.read_bytes().decode("cp1251") == 'a,b\r\n"ё, Ж",1\r\nx,2\r\n'


# ---- outputs the system refuses, and temp files left by killed runs


def test_an_output_folder_that_cannot_be_written_is_a_one_line_error(tmp_path, monkeypatch):
    import errno
    import tempfile as _tempfile

    from feedback_classifier.errors import InputFileError
    from feedback_classifier.tableio import write_file_atomic, write_table

    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    # Root (as in CI) may write anywhere, so the refusal is simulated where the temp file is made.
    monkeypatch.setattr(_tempfile, "mkstemp", refuse)
    df = pd.DataFrame({"a": ["1"]})
    for write in (lambda p: write_table(df, p), lambda p: write_file_atomic(p, "x")):
        with pytest.raises(InputFileError) as info:
            write(tmp_path / "out.csv")
        message = str(info.value)
        assert "\n" not in message and "Permission denied" in message and "out.csv" in message
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_while_writing_is_a_one_line_error_and_leaves_no_temp_file(tmp_path, monkeypatch):
    import errno

    from feedback_classifier.errors import InputFileError
    from feedback_classifier.tableio import TableWriter
    from feedback_classifier.tableio import csvfile

    def full(self, chunk):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(csvfile.CsvSink, "write", full)
    (tmp_path / "out.csv").write_text("old,content\n")
    with pytest.raises(InputFileError, match="No space left on device"):
        with TableWriter(tmp_path / "out.csv") as writer:
            writer.write(pd.DataFrame({"a": ["1"]}))
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]
    assert (tmp_path / "out.csv").read_text() == "old,content\n"  # the previous output survives


def test_the_cli_reports_an_unwritable_output_in_one_line(tmp_path, monkeypatch):
    import errno
    import tempfile as _tempfile

    from typer.testing import CliRunner

    from feedback_classifier.cli import app

    src = tmp_path / "in.csv"
    src.write_text("comment\nThe courier was late\n", encoding="utf-8")

    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(_tempfile, "mkstemp", refuse)
    result = CliRunner().invoke(app, ["taxonomy", "infer", str(src), "--labels-col", "comment", "-o", str(tmp_path / "t.yaml")])
    assert result.exit_code == 1
    assert "Traceback" not in result.output and "Permission denied" in result.output


def test_stale_temp_files_of_killed_runs_are_removed_by_the_next_write(tmp_path):
    import os

    from feedback_classifier.tableio import write_table

    from feedback_classifier.tableio.atomic import hold_lock, release_lock

    stale = tmp_path / ".out.csv.k1ll3d.tmp"
    live = tmp_path / ".out.csv.running.tmp"  # another writer's, touched just now: left alone
    other = tmp_path / ".other.csv.k1ll3d.tmp"
    for p in (stale, live, other):
        p.write_text("half a table")
    os.utime(stale, (0, 0))
    os.utime(other, (0, 0))
    lock = hold_lock(live)  # as a live writer holds its temp (where locks work; else its age keeps it)
    try:
        write_table(pd.DataFrame({"a": ["1"]}), tmp_path / "out.csv")
    finally:
        release_lock(lock)
    assert not stale.exists() and live.exists() and other.exists()


@pytest.mark.parametrize("name", ["empty.csv", "empty.xlsx", "empty.parquet", "empty.jsonl"])
def test_an_empty_file_says_it_is_empty(tmp_path, name):
    from feedback_classifier.tableio import read_table

    path = tmp_path / name
    path.write_bytes(b"")
    with pytest.raises(InputFileError, match=r"the file is empty \(0 bytes\)"):
        read_table(path)


@pytest.mark.parametrize("content", [b"\xef\xbb\xbf", b"\xef\xbb\xbf\r\n", b" \n\n", b"\xff\xfe\n\x00"])
@pytest.mark.parametrize("name", ["empty.csv", "empty.jsonl"])
def test_a_file_of_only_a_bom_or_whitespace_is_an_empty_file(tmp_path, name, content):
    # what Excel saves for an empty sheet: read as a 0-byte file is, never handed to Arrow's reader
    from feedback_classifier.tableio import is_empty_file, iter_table

    path = tmp_path / name
    path.write_bytes(content)
    assert is_empty_file(path)
    with pytest.raises(InputFileError, match=r"the file is empty \(only a byte-order mark or whitespace"):
        iter_table(path)


_EXIT_SCRIPT = """
import sys
from pathlib import Path
import pandas as pd
from feedback_classifier.errors import InputFileError
from feedback_classifier.tableio import read_table
from feedback_classifier.tableio.arrowcsv import arrow_frames
d = Path(sys.argv[1])
try:
    read_table(d / "bom.csv")
except InputFileError:
    pass
for name in ("bom.csv", "bomhead.csv", "head.csv"):  # Arrow's reader itself, the emptiness check bypassed
    list(arrow_frames(d / name, ",", None, lambda: iter([pd.DataFrame()])))
print("ok")
"""


@pytest.mark.slow
def test_reading_a_bom_only_or_header_only_csv_never_hangs_or_aborts_the_process(tmp_path):
    # Arrow's reader on a Python file left a read in flight when it failed (no header) or was left
    # early: at exit that thread hung the process or aborted it, a few runs in a hundred
    import subprocess
    import sys

    (tmp_path / "bom.csv").write_bytes(b"\xef\xbb\xbf")
    (tmp_path / "bomhead.csv").write_bytes(b"\xef\xbb\xbfa")
    (tmp_path / "head.csv").write_bytes(b"a,b\n")
    (tmp_path / "run.py").write_text(_EXIT_SCRIPT, encoding="utf-8")
    for _ in range(60):  # the race lost ~2 runs in 100
        done = subprocess.run([sys.executable, str(tmp_path / "run.py"), str(tmp_path)], capture_output=True,
                              check=False, text=True, timeout=60)
        assert (done.returncode, done.stdout.strip()) == (0, "ok"), done.stderr[-500:]


def test_xlsx_copy_of_a_sheet_keeps_its_text_cells_and_sheet_name(tmp_path):
    # every cell stored as text: a zip code and a score that read as numbers, a phone starting with '+'
    from openpyxl import Workbook, load_workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Ответы"
    for row in [("zip", "phone", "nps", "n"), ("00123", "+7 912 345-67-89", "3", 1), ("10001", "+44 20 7946 0958", "10", 2)]:
        ws.append(row)
    wb.save(tmp_path / "in.xlsx")
    df = read_table(tmp_path / "in.xlsx")
    df["added"] = ["9", "1.5"]  # a column of this run's: no type recorded, plain numbers become numbers as before
    out = load_workbook(write_table(df, tmp_path / "out.xlsx"))
    assert out.sheetnames == ["Ответы"]
    cells = [[(c.value, c.data_type) for c in row] for row in out.active.iter_rows(min_row=2)]
    assert cells == [[("00123", "s"), ("+7 912 345-67-89", "s"), ("3", "s"), (1, "n"), (9, "n")],
                     [("10001", "s"), ("+44 20 7946 0958", "s"), ("10", "s"), (2, "n"), (1.5, "n")]]


@pytest.mark.parametrize("out_name", ["out.jsonl", "out.parquet"])
def test_a_json_field_without_a_value_in_the_first_rows_keeps_its_type_however_the_file_is_chunked(
        tmp_path, out_name):
    # 'score' and 'meta' have their first values in row 3: read in chunks of 2 (or past the first rows
    # read), a JSON Lines copy wrote 7 as "7" and the object as a JSON string, and a Parquet copy
    # stopped on the type (text so far); read whole, both kept their types
    from typer.testing import CliRunner

    from feedback_classifier.cli import app

    src = tmp_path / "in.jsonl"
    src.write_text('{"id":1,"comment":"late delivery"}\n{"id":2,"comment":"rude staff"}\n'
                   '{"id":3,"comment":"too expensive","score":7,"meta":{"a":1}}\n'
                   '{"id":4,"comment":"ok","score":8.5}\n', encoding="utf-8")
    outs = []
    for chunks in ("2", "50000"):
        out = tmp_path / chunks / out_name
        out.parent.mkdir()
        result = CliRunner().invoke(app, ["classify", str(src), "--text-col", "comment", "--out", str(out),
                                          "--chunksize", chunks, "--quiet", "--no-sentiment"])
        assert result.exit_code == 0, result.output
        outs.append(out)
    if out_name.endswith(".jsonl"):
        rows = [[json.loads(line) for line in p.read_text(encoding="utf-8").splitlines()] for p in outs]
        assert [r["score"] for r in rows[0]] == [None, None, 7, 8.5] == [r["score"] for r in rows[1]]
        assert [r["meta"] for r in rows[0]] == [None, None, {"a": 1}, None] == [r["meta"] for r in rows[1]]
    else:
        import pyarrow.parquet as pq

        schemas = [pq.read_schema(p) for p in outs]
        assert schemas[0].field("score").type == schemas[1].field("score").type
        assert schemas[0].field("meta").type == schemas[1].field("meta").type
        assert pq.read_table(outs[0]).column("score").to_pylist() == [None, None, 7, 8.5]


@pytest.mark.parametrize("ext", ["csv", "xlsx"])
def test_column_names_from_the_input_are_guarded_like_its_cells(tmp_path, ext):
    names = ["=HYPERLINK(\"http://evil\")", "+cmd|' /C calc'!A0", "@SUM(A1)", "-5", "comment"]
    df = pd.DataFrame([["x"] * len(names)], columns=names)
    out = write_table(df, tmp_path / f"out.{ext}")
    if ext == "csv":
        header = out.read_text(encoding="utf-8-sig").splitlines()[0]
        assert header.startswith("\"'=HYPERLINK(\"\"http://evil\"\")\",'+cmd|' /C calc'!A0,'@SUM(A1),-5,comment")
    else:
        from openpyxl import load_workbook

        ws = load_workbook(out).active
        assert [c.value for c in ws[1]] == names and all(c.data_type == "s" for c in ws[1])


def _bomb_xlsx(path, rows: int) -> None:
    """A workbook whose sheet repeats one row ``rows`` times: a few kB naming a lot of XML."""
    import zipfile

    base = path.with_name("base.xlsx")
    pd.DataFrame({"comment": ["late"]}).to_excel(base, index=False)
    with zipfile.ZipFile(base) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                zout.writestr(info, zin.read(info))
                continue
            head = zin.read(info).decode().split("<sheetData>")[0]
            row = b'<row><c t="inlineStr"><is><t>late delivery again</t></is></c></row>'
            with zout.open(info.filename, "w") as f:
                f.write((head + '<sheetData><row><c t="inlineStr"><is><t>comment</t></is></c></row>').encode())
                for _ in range(rows // 1000):
                    f.write(row * 1000)
                f.write(b"</sheetData></worksheet>")


def test_a_zip_bomb_workbook_is_one_error_before_it_fills_the_memory(tmp_path, monkeypatch):
    from feedback_classifier.tableio import xlsxfile

    path = tmp_path / "bomb.xlsx"
    _bomb_xlsx(path, 20_000)  # 1.3 MB of XML in ~10 kB
    monkeypatch.setattr(xlsxfile, "_BOMB_BYTES", 2**20)  # (the real limit, 256 MB, scaled down)
    with pytest.raises(InputFileError, match=r"sheet1\.xml would unpack to .*zip bomb"):
        read_table(path)
    # a sheet longer than Excel's is stopped as it is read, whatever its packing
    monkeypatch.setattr(xlsxfile, "_BOMB_BYTES", 2**40)
    monkeypatch.setattr(xlsxfile, "EXCEL_MAX_DATA_ROWS", 5_000)
    with pytest.raises(InputFileError, match=r"more than 5,001 rows, more than an Excel sheet holds"):
        read_table(path)


def test_a_categorical_text_column_is_guarded_in_csv_like_any_text(tmp_path):
    df = pd.DataFrame({"region": pd.Categorical(['=HYPERLINK("http://evil")', "EU", '=HYPERLINK("http://evil")']),
                       "n": [1, 2, 3]})
    write_table(df, tmp_path / "out.csv")
    raw = pd.read_csv(tmp_path / "out.csv", dtype=str, encoding="utf-8-sig")
    assert raw["region"].tolist() == ["'=HYPERLINK(\"http://evil\")", "EU", "'=HYPERLINK(\"http://evil\")"]


def test_western_text_whose_odd_bytes_read_as_cyrillic_shreds_is_not_read_as_russian(tmp_path):
    # Zomato's 10,000 English reviews (UTF-8 emoji mangled into a single-byte code page) were read as cp1251:
    # 1,262 reviews got Cyrillic shreds ("I‰ЫЄve", "ЩчЌ") in the quotes and the language counts
    shreds = [bytes([0xD9, 0xF7, 0x8C]), bytes([0xFC, 0x8F]), bytes([0xDB, 0xAA]), bytes([0x9D, 0x8C])]
    rows = [b"Place %d,The food was great I%sve been here twice %s loved it,5" % (i, shreds[i % 4], shreds[i % 4])
            for i in range(40)]
    (tmp_path / "reviews.csv").write_bytes(b"\r\n".join([b"Restaurant,Review,Rating", *rows]) + b"\r\n")
    assert detect_encoding((tmp_path / "reviews.csv").read_bytes()) == "mac_roman"  # 0x8F is undefined in cp1252
    review = read_table(tmp_path / "reviews.csv")["Review"]
    assert len(review) == 40 and not review.str.contains("[\u0400-\u04ff]").any()
    # Russian and Ukrainian in cp1251 stay Cyrillic, short answers included
    for text in ("Курьер опоздал;5\nВсё хорошо;10\n", "Да;Нет\nДа;Да\n", "Привіт, їжа була смачна, дякую\n"):
        assert detect_encoding(text.encode("cp1251")) == "cp1251"


def test_the_formula_guard_a_csv_writer_added_is_read_without_it(tmp_path):
    """classify's CSV puts ' before '=HYPERLINK(...)' and '@support...'; read back (route, report,
    classify again) the ' stayed part of the text, so an XLSX queue showed "'@support your courier..."."""
    import warnings

    from typer.testing import CliRunner

    from feedback_classifier.cli import app
    from feedback_classifier.errors import InputWarning

    src = tmp_path / "in.csv"
    comments = ['=HYPERLINK("http://x")', "@support your courier lost my parcel", "'quoted", "-5", "ok"]
    pd.DataFrame({"id": ["1", "2", "3", "4", "5"], "comment": comments}).to_csv(src, index=False)
    runner = CliRunner()
    first = runner.invoke(app, ["classify", str(src), "--text-col", "comment", "--out", str(tmp_path / "c.csv"),
                                "--tone-teacher", "none"])
    assert first.exit_code == 0, first.output
    with pytest.warns(InputWarning, match="2 text cells start with the ' a CSV writer puts"):
        assert read_table(tmp_path / "c.csv")["comment"].tolist() == comments
    again = runner.invoke(app, ["classify", str(tmp_path / "c.csv"), "--text-col", "comment",
                                "--out", str(tmp_path / "c2.csv"), "--tone-teacher", "none"])
    assert again.exit_code == 0, again.output
    written = [(tmp_path / n).read_text(encoding="utf-8-sig").splitlines() for n in ("c.csv", "c2.csv")]
    assert [line.split(",")[:2] for line in written[0]] == [line.split(",")[:2] for line in written[1]]
    routed = runner.invoke(app, ["route", str(tmp_path / "c.csv"), "--text-col", "comment", "--out-dir",
                                 str(tmp_path / "q"), "--format", "xlsx"])
    assert routed.exit_code == 0, routed.output
    queued = pd.concat([pd.read_excel(p, dtype=str) for p in (tmp_path / "q").glob("*.xlsx") if p.stem != "summary"])
    assert set(queued["comment"]) <= set(comments) and "@support your courier lost my parcel" in set(queued["comment"])
    with warnings.catch_warnings():  # a file no guard wrote reads as it is, silently
        warnings.simplefilter("error", InputWarning)
        assert read_table(src)["comment"].tolist() == comments
