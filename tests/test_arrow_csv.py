"""Arrow's CSV reader (``tableio.arrowcsv``) gives exactly pandas' frames, or hands over to
pandas: on generated files of quotes, line ends, blank lines, ragged rows, BOMs and NUL
bytes, and on the files the other tests read, the chunks (values, dtypes, columns) and the
errors are the same either way."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback_classifier.errors import InputFileError
from feedback_classifier.tableio import csvfile, iter_table
from feedback_classifier.tableio import arrowcsv

# generated files with short rows: the warning they give is tested in test_qa_inputs.py
pytestmark = pytest.mark.filterwarnings("ignore::feedback_classifier.errors.InputWarning")

PIECES = ["a", "b", "я", "1", "", " ", ",", ";", '"', '""', "\n", "\r\n", "\r", "\t", "\x00", "\ufeff", "'", "=1"]


def _read(path: Path, chunksize, arrow: bool, monkeypatch) -> tuple[list[pd.DataFrame] | None, str | None]:
    with monkeypatch.context() as m:
        if not arrow:
            m.setattr(csvfile, "_arrow_reads", lambda *a: False)
        try:
            return list(iter_table(path, chunksize=chunksize)), None
        except InputFileError as exc:
            return None, str(exc)


def _same(path: Path, monkeypatch, chunksizes=(None, 1, 3)) -> None:
    for chunksize in chunksizes:
        fast, fast_error = _read(path, chunksize, True, monkeypatch)
        slow, slow_error = _read(path, chunksize, False, monkeypatch)
        if chunksize and fast_error is None and slow_error and "Buffer overflow caught" in slow_error:
            # pandas' C parser fails some small-chunk reads of files it reads whole (a pandas
            # bug, e.g. b"a,b\n\r," in chunks of 1); Arrow reads them as pandas reads them whole
            whole, _ = _read(path, None, False, monkeypatch)
            pd.testing.assert_frame_equal(pd.concat(fast, ignore_index=True), pd.concat(whole, ignore_index=True))
            continue
        assert fast_error == slow_error, path.read_bytes()
        if slow is None:
            continue
        assert len(fast) == len(slow), path.read_bytes()
        for a, b in zip(fast, slow):
            pd.testing.assert_frame_equal(a, b)
            assert list(a.columns) == list(b.columns) and a.attrs == b.attrs


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=40).map("".join),
       st.sampled_from(["a,b\n", "a\n", "x,y,z\r\n", "\ufeffa,b\n", "a;b\n", "a,a\n", "a,\n"]))
def test_generated_files_read_the_same_with_arrow_and_pandas(tmp_path, monkeypatch, body, header):
    path = tmp_path / "t.csv"
    path.write_bytes((header + body).encode("utf-8"))
    _same(path, monkeypatch)


@pytest.mark.parametrize("raw", [
    b'a,b\n1,"open\n2,3\n',  # a quote left open to the end of the file: pandas' error
    b'a,b\n1,"open',
    b'a,b\n1,2\n3,4\n5,"x\n\n',
    b'a,b\n1,2\n3,4,5\n',  # more cells than the header, after a whole chunk
    b'a,b\n1,2\n3\n4,5\n',  # fewer: pandas fills them in
    b'a,b\n\n1,2\n\n',
    b'a,b\n1,2\n\xff\xfe,3\n',  # not UTF-8
    b'a,b\n',  # no rows
    b'a,b',
    b'a,b\r1,2\r3,"x\ry"\r',
    b'a,b\n\r,',  # pandas' chunked read fails (its whole read does not): Arrow reads it whole
])
def test_edge_files_read_the_same(tmp_path, monkeypatch, raw):
    path = tmp_path / "t.csv"
    path.write_bytes(raw)
    _same(path, monkeypatch, chunksizes=(None, 1, 2))


def test_the_bundled_and_test_data_files_read_the_same(monkeypatch):
    root = Path(__file__).resolve().parents[1]
    files = sorted(p for p in root.glob("**/*.csv") if ".git" not in p.parts and p.stat().st_size < 5_000_000)
    assert len(files) > 5
    for path in files:
        _same(path, monkeypatch, chunksizes=(None, 7))


def test_a_cell_longer_than_a_block_is_read_by_pandas(tmp_path, monkeypatch):
    monkeypatch.setattr(arrowcsv, "BLOCK_SIZE", 64)
    path = tmp_path / "t.csv"
    path.write_bytes(b"a,b\n1," + b'"' + b"x, " * 100 + b'"\n2,3\n')
    _same(path, monkeypatch)


def test_a_comment_longer_than_the_default_block_reads_the_same(tmp_path, monkeypatch):
    # blocks are small (256 kB, for memory): a long pasted comment past a few chunks hands the
    # rest of the file to pandas, no row lost or repeated
    long_cell = "слово, word " * (arrowcsv.BLOCK_SIZE // 10)
    rows = [f'{i},"short {i}"' for i in range(20)] + [f'20,"{long_cell}"'] + [f"{i},x" for i in range(21, 30)]
    path = tmp_path / "t.csv"
    path.write_text("id,comment\n" + "\n".join(rows) + "\n", encoding="utf-8")
    _same(path, monkeypatch, chunksizes=(7,))


def test_arrow_reads_a_plain_survey_export(tmp_path, monkeypatch):
    # the fast path is taken (not a silent fallback every time): pandas' reader is not called
    path = tmp_path / "t.csv"
    path.write_bytes("id,comment\n1,\"Дорого, но быстро\"\n2,\n".encode())
    monkeypatch.setattr(csvfile, "_guarded_csv", lambda *a, **k: pytest.fail("pandas read the file"))
    frames = list(iter_table(path, chunksize=1))
    assert [f["comment"].iloc[0] for f in frames[:1]] == ["Дорого, но быстро"]
    assert frames[1]["comment"].isna().all() and [f["id"].iloc[0] for f in frames] == ["1", "2"]
