"""The XLSX sheet's rows built column by column (tableio/xlsxcells.py) are the very XML openpyxl wrote cell by
cell before, for columns of every type (generated), and read back as what was written."""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from feedback_classifier.errors import InputFileError
from feedback_classifier.tableio import TableWriter, read_table
from feedback_classifier.tableio.cells import scalar_text
from feedback_classifier.tableio.xlsxcells import rows_xml

# openpyxl's illegal characters, and U+FFFE/U+FFFF, which openpyxl wrote as they were (a workbook no reader opens)
_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]|[\ufffe\uffff]")
_NUMBER = re.compile(r"^-?(0|[1-9]\d{0,14})(\.\d{1,15})?$")


def _oracle_value(v, ws, as_text):
    """A cell as xlsxsink gave it to openpyxl before (its ``_xlsx_cell``, kept here as the reference)."""
    from openpyxl.cell import WriteOnlyCell

    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, str):
        if not as_text and _NUMBER.match(v):
            num = int(v) if "." not in v else float(v)
            if scalar_text(num) == v and float(f"{num:.16g}") == num:  # (main wrote 17 digits as 16)
                return num
        text = _ILLEGAL.sub("\ufffd", v)
    elif isinstance(v, (bool, np.bool_)):
        return bool(v)
    elif isinstance(v, (int, np.integer)):
        if int(float(f"{int(v):.16g}")) == int(v):
            return int(v)
        text = str(int(v))  # (openpyxl would write it as the nearest double: another number)
    elif isinstance(v, (float, np.floating)):
        return None if math.isnan(v) else float(v)
    elif isinstance(v, pd.Timestamp):
        return (v.tz_localize(None) if v.tzinfo else v).to_pydatetime()
    elif isinstance(v, (dt.date, dt.time)):
        return v.replace(tzinfo=None) if isinstance(v, dt.datetime) else v
    else:
        text = _ILLEGAL.sub("\ufffd", scalar_text(v))
    cell = WriteOnlyCell(ws, text)
    cell.data_type = "s"  # (never a formula or an error cell)
    return cell


def _openpyxl_rows(df: pd.DataFrame, text: list[bool]) -> str:
    """The rows openpyxl's write-only sheet writes for ``df`` cell by cell (from row 1)."""
    from openpyxl import Workbook

    ws = Workbook(write_only=True).create_sheet()
    for row in df.itertuples(index=False, name=None):
        ws.append([_oracle_value(v, ws, t) for v, t in zip(row, text)])
    if not len(df):
        ws.append([])
    ws.close()
    xml = ws._writer.read().decode()
    ws._writer.cleanup()
    return xml[xml.index("<sheetData>") + len("<sheetData>"):xml.index("</sheetData>")]


def _our_rows(df: pd.DataFrame, text: list[bool]) -> str:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    ws = Workbook(write_only=True).create_sheet()
    samples = {"datetime": dt.datetime(2000, 1, 1), "date": dt.date(2000, 1, 1), "time": dt.time()}
    xml = rows_xml(df, 1, text, Path("o.xlsx"), lambda kind: WriteOnlyCell(ws, samples[kind]).style_id)
    return "".join(xml.to_pylist()) if len(df) else '<row r="1"></row>'


_texts = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=30),
    st.text(st.sampled_from(" \t\r\n\x0b\x1f\x85\xa0\u2028\u3000a&<>\"'=#"), max_size=8),
    st.from_regex(r"-?(0|[1-9][0-9]{0,14})(\.[0-9]{1,15})?", fullmatch=True),
    st.sampled_from(["=1+2", "#N/A", "#REF!", "-0", "1.50", "007", "12.000000000000002", "9.45"]),
    st.text(st.sampled_from("ab &\x01"), min_size=200, max_size=3_000),
)
_datetimes = st.datetimes(dt.datetime(1700, 1, 1), dt.datetime(2250, 12, 31))
_values = {
    "text": st.one_of(st.none(), _texts),
    "float": st.one_of(st.none(), st.floats(width=64), st.floats(-1e20, 1e20)),
    "int": st.integers(-2**63, 2**63 - 1),
    "Int64": st.one_of(st.none(), st.integers(-2**63, 2**63 - 1)),
    "bool": st.booleans(),
    "boolean": st.one_of(st.none(), st.booleans()),
    "datetime": st.one_of(st.none(), _datetimes),
    "tz": st.one_of(st.none(), _datetimes),
    "mixed": st.one_of(st.none(), _texts, st.floats(), st.integers(-2**70, 2**70), st.booleans(), _datetimes,
                       st.dates(), st.times(), st.lists(st.integers(), max_size=2)),
}


def _column(kind: str, values: list) -> pd.Series:
    if kind == "text":
        return pd.Series(values, dtype="str")
    if kind in ("float", "mixed"):
        return pd.Series(values, dtype=float if kind == "float" else object)
    if kind in ("int", "bool"):
        return pd.Series(values, dtype=np.int64 if kind == "int" else bool)
    if kind in ("Int64", "boolean"):
        return pd.Series(pd.array(values, dtype=kind))
    s = pd.Series(pd.to_datetime(values))
    return s.dt.tz_localize("UTC").dt.tz_convert("Asia/Kolkata") if kind == "tz" else s


@st.composite
def _frames(draw):
    n = draw(st.integers(0, 12))
    kinds = draw(st.lists(st.sampled_from(sorted(_values)), min_size=1, max_size=5))
    columns = {f"c{i}": _column(kind, draw(st.lists(_values[kind], min_size=n, max_size=n)))
               for i, kind in enumerate(kinds)}
    return pd.DataFrame(columns), draw(st.lists(st.booleans(), min_size=len(kinds), max_size=len(kinds)))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(_frames())
def test_rows_are_the_xml_openpyxl_wrote_cell_by_cell(case):
    df, text = case
    assert _our_rows(df, text) == _openpyxl_rows(df, text)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.none(), _texts), min_size=1, max_size=30), st.booleans())
@example(["12.000000000000002", "9.45", "0.1"], False)
def test_texts_read_back_as_written(tmp_path_factory, texts, as_text):
    """Control characters read back as U+FFFD, a carriage return as a line feed (XML), a plain number's text as
    itself; nothing else changes, whatever the text. (main wrote "12.000000000000002" as the number 12: a
    cell holds 16 digits, so a text of 17 is now a text cell.)"""
    path = tmp_path_factory.mktemp("x") / "o.xlsx"
    df = pd.DataFrame({"i": range(len(texts)), "t": pd.Series(texts, dtype="str")})  # (no row empty: none dropped)
    if as_text:
        df.attrs["native_types"] = {"t": "text"}
    with TableWriter(path) as w:
        w.write(df)
    expected = [None if t is None or t == "" else
                _ILLEGAL.sub("\ufffd", t.replace("\r\n", "\n").replace("\r", "\n")) for t in texts]
    back = read_table(path)["t"]
    assert [None if pd.isna(v) else v for v in back] == expected


def test_a_too_long_json_cell_is_one_line_not_cut(tmp_path):
    """A nested value's JSON text longer than a cell holds: main's openpyxl cut it to 32,767 characters without a
    word; now it is refused like a long text, naming the row and column, and no file is left."""
    df = pd.DataFrame({"m": pd.Series([1, {"note": "x" * 40_000}], dtype=object)})
    message = r"o\.xlsx: row 2, column 'm': a cell has 40,0\d\d characters, more than Excel's 32,767; write \.csv"
    with pytest.raises(InputFileError, match=message), TableWriter(tmp_path / "o.xlsx") as w:
        w.write(df)
    assert list(tmp_path.iterdir()) == []


def test_half_a_surrogate_pair_reads_back_as_a_replacement(tmp_path):
    """Text decoded with errors="surrogateescape" can hold half a UTF-16 pair: main wrote it as a character
    reference, a workbook no reader opens (ParseError); now it is U+FFFD, as a control character is."""
    df = pd.DataFrame({"a": pd.Series(["x\udc80y", "ok"], dtype=object)})
    with TableWriter(tmp_path / "o.xlsx") as w:
        w.write(df)
    assert read_table(tmp_path / "o.xlsx")["a"].tolist() == ["x\ufffdy", "ok"]


def test_the_workbook_copied_for_a_late_header_is_owner_only(tmp_path, monkeypatch):
    """A late column's header is put in a copy of the saved workbook: that copy holds every comment, so it is
    0600 like the output's temp file and the sheet's (main left it to the umask: 0644)."""
    from feedback_classifier.tableio import xlsxsink

    modes = []
    real = xlsxsink._put_header
    monkeypatch.setattr(xlsxsink, "_put_header", lambda src, *a: (modes.append(src.stat().st_mode & 0o777), real(src, *a)))
    with TableWriter(tmp_path / "o.xlsx") as w:
        w.write(pd.DataFrame({"a": ["x"]}))
        w.write(pd.DataFrame({"a": ["y"], "late": ["z"]}))
    assert modes == [0o600]
    assert list(read_table(tmp_path / "o.xlsx").columns) == ["a", "late"]


def test_integers_no_double_holds_are_written_as_their_digits():
    # a number cell is read back as a double: 2**53 + 1 or a 17-digit order id would come back changed
    df = pd.DataFrame({"id": np.array([9007199254740993, 12345678901234567, 10**17, 42], dtype=np.int64)})
    xml = _our_rows(df, [False])
    assert "<t>9007199254740993</t>" in xml and "<t>12345678901234567</t>" in xml
    assert "<v>1e+17</v>" in xml and "<v>42</v>" in xml


@pytest.mark.parametrize("dtype", ["str", object])
def test_the_non_characters_xml_forbids_read_back_as_a_replacement(tmp_path, dtype):
    """A respondent's U+FFFE or U+FFFF (XML 1.0 allows neither) went into the sheet as it was, so one hostile
    comment made the whole enriched workbook unreadable (ParseError: not well-formed); now each is U+FFFD, as a
    control character is, in a column of text, a column of mixed values and the header."""
    df = pd.DataFrame({"bad\uffffname": pd.Series(["a\ufffeb", "c\uffff", "ok"], dtype=dtype), "n": [1, 2, 3]})
    with TableWriter(tmp_path / "o.xlsx") as w:
        w.write(df)
    back = read_table(tmp_path / "o.xlsx")
    assert list(back.columns) == ["bad\ufffdname", "n"]
    assert back.iloc[:, 0].tolist() == ["a\ufffdb", "c\ufffd", "ok"]
