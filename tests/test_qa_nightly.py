"""A nightly batch job's round trips: an export goes through ``classify`` and every input value
must come out as it went in (ids, nested values, numbers, times), whatever the formats.

Each test fails on the code before its fix.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from typer.testing import CliRunner

from feedback_classifier.cli import app
from feedback_classifier.tableio import read_table

runner = CliRunner()


def _typed_parquet(path: Path) -> Path:
    pq.write_table(pa.table({
        "customer_id": pa.array([9007199254740993, None, -5], pa.int64()),
        "meta": pa.array([{"x": 1, "y": [1, 2]}, None, {"x": 3, "y": []}]),
        "comment": ["Courier was late", "", "Цена высокая"],
    }), path)
    return path


def test_parquet_integers_with_a_gap_and_nested_values_are_read_as_written(tmp_path):
    df = read_table(_typed_parquet(tmp_path / "in.parquet"))
    assert df["customer_id"].tolist()[::2] == ["9007199254740993", "-5"]
    assert [json.loads(v) for v in df["meta"].tolist()[::2]] == [{"x": 1, "y": [1, 2]}, {"x": 3, "y": []}]


def test_parquet_ids_with_a_gap_keep_their_digits_and_type_through_classify(tmp_path):
    src = _typed_parquet(tmp_path / "in.parquet")
    for ext in ("parquet", "jsonl", "csv"):
        out = tmp_path / f"out.{ext}"
        result = runner.invoke(app, ["classify", str(src), "--text-col", "comment", "--out", str(out), "--quiet"])
        assert result.exit_code == 0, result.output
    assert pq.read_table(tmp_path / "out.parquet").column("customer_id").to_pylist() == [9007199254740993, None, -5]
    lines = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [line["customer_id"] for line in lines] == [9007199254740993, None, -5]
    assert [line["meta"] for line in lines] == [{"x": 1, "y": [1, 2]}, None, {"x": 3, "y": []}]
    assert "9007199254740993," in (tmp_path / "out.csv").read_text(encoding="utf-8-sig")


def test_jsonl_output_keeps_every_digit_of_a_float_and_of_a_time(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text('{"x": 0.30000000000000004, "comment": "Courier late"}\n{"x": 1.5, "comment": "ok"}\n',
                   encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["classify", str(src), "--text-col", "comment", "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["x"] for line in out.read_text(encoding="utf-8").splitlines()] == [0.30000000000000004, 1.5]

    at = dt.datetime(2026, 6, 1, 23, 59, 59, 123456, tzinfo=dt.timezone.utc)
    pq.write_table(pa.table({"at": pa.array([at, None], pa.timestamp("us", tz="UTC")),
                             "comment": ["Courier late", "ok"]}), tmp_path / "in.parquet")
    result = runner.invoke(app, ["classify", str(tmp_path / "in.parquet"), "--text-col", "comment",
                                 "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["at"] for line in lines] == ["2026-06-01T23:59:59.123456Z", None]


def test_a_gzipped_output_is_the_same_bytes_on_a_rerun_and_names_itself(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("id,comment\n007,Courier late\n", encoding="utf-8")
    outs = []
    for ext in ("csv.gz", "jsonl.gz"):
        out = tmp_path / f"out.{ext}"
        for _ in range(2):
            result = runner.invoke(app, ["classify", str(src), "--text-col", "comment", "--out", str(out), "--quiet"])
            assert result.exit_code == 0, result.output
            outs.append(out.read_bytes())
        # gzip's header: flags, then a 4-byte time; the original name follows when FNAME is set
        assert outs[-1][4:8] == b"\0\0\0\0"
        assert outs[-1][10:].startswith(f"out.{ext[:-3]}\0".encode())
    assert outs[0] == outs[1] and outs[2] == outs[3]


def test_a_json_id_past_64_bits_is_written_to_parquet_as_text_not_a_traceback(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": 12345678901234567890, "n": 7, "comment": "Courier late"}\n'
                   '{"id": 1, "n": null, "comment": "ok"}\n', encoding="utf-8")
    out = tmp_path / "out.parquet"
    result = runner.invoke(app, ["classify", str(src), "--text-col", "comment", "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    table = pq.read_table(out)
    assert table.column("id").to_pylist() == ["12345678901234567890", "1"]
    assert table.column("n").to_pylist() == [7, None]  # the other columns keep their type


def test_a_json_output_is_one_json_array_however_many_chunks(tmp_path):
    import pandas as pd

    from feedback_classifier.tableio import TableWriter

    out = tmp_path / "out.json"
    with TableWriter(out) as w:
        w.write(pd.DataFrame({"id": ["007"], "text": ["line one\nline two"]}))
        w.write(pd.DataFrame({"id": ["008", "009"], "text": ["b", "c"]}))
    assert [r["id"] for r in json.loads(out.read_text(encoding="utf-8"))] == ["007", "008", "009"]
    assert read_table(out)["text"].tolist() == ["line one\nline two", "b", "c"]
    with TableWriter(out) as w:
        w.write(pd.DataFrame({"id": []}, dtype="str"))
    assert json.loads(out.read_text(encoding="utf-8")) == []
    with TableWriter(tmp_path / "out.jsonl") as w:  # JSON Lines stays one object per line
        w.write(pd.DataFrame({"id": ["007", "008"]}))
    assert (tmp_path / "out.jsonl").read_text(encoding="utf-8") == '{"id":"007"}\n{"id":"008"}\n'


def test_a_short_utf8_file_with_a_damaged_line_is_said_not_read_as_cp1251(tmp_path):
    from feedback_classifier.tableio.encoding import invalid_utf8_lines

    path = tmp_path / "in.csv"
    path.write_bytes("id,comment\n1,Курьер опоздал\n".encode() + b"2,\xff bad \xe9 bytes\n" + b"3,ok\n")
    assert invalid_utf8_lines(path, False) == ([3], 1)
    result = runner.invoke(app, ["classify", str(path), "--text-col", "comment", "--out", str(tmp_path / "o.csv")])
    assert result.exit_code == 1  # not read as cp1251, which turned 'Курьер' into 'РљСѓСЂСЊРµСЂ'
    assert "on 1 line (line 3)" in result.output


def test_an_output_that_is_a_symlink_updates_the_file_it_points_to(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("id,comment\n007,Courier late\n", encoding="utf-8")
    (tmp_path / "share").mkdir()
    target = tmp_path / "share" / "2026-12-07.csv"
    target.write_text("yesterday\n", encoding="utf-8")
    link = tmp_path / "latest.csv"
    link.symlink_to(target)
    result = runner.invoke(app, ["classify", str(src), "--text-col", "comment", "--out", str(link), "--quiet"])
    assert result.exit_code == 0, result.output
    assert link.is_symlink()
    assert target.read_text(encoding="utf-8-sig").startswith("id,comment,categories")
    assert sorted(p.name for p in target.parent.iterdir()) == ["2026-12-07.csv"]


def test_a_log_lines_speed_and_eta_leave_out_the_e5_stage_run_before_it(monkeypatch):
    import io

    from feedback_classifier.cli import progress as progress_module

    clock = [0.0]
    monkeypatch.setattr(progress_module.time, "perf_counter", lambda: clock[0])
    buf = io.StringIO()
    main = progress_module.LogLineProgress(stream=buf, interval=0, label="analyzed")
    reading = main.stage("reading with e5", "read with e5")
    reading(0, 2000)
    clock[0] = 120.0  # e5 reads for two minutes
    reading(2000, 2000)
    clock[0] = 130.0  # then 50,000 rows classified in 10 s
    main(50_000, 300_000)
    assert buf.getvalue().splitlines()[-1] == "analyzed 50,000 / ~300,000 rows (5,000 rows/s, ETA 0:50)"


def test_a_retry_seconds_after_a_kill_9_removes_the_killed_runs_temp_file(tmp_path):
    import os

    import pytest

    fcntl = pytest.importorskip("fcntl")
    src = tmp_path / "in.csv"
    src.write_text("id,comment\n007,Courier late\n", encoding="utf-8")
    dead = tmp_path / ".out.csv.k1ll3d.tmp"
    dead.write_text("half a table, written a second ago")
    just_made = tmp_path / ".out.csv.n3w.tmp"  # made by a live writer that has not locked it yet
    just_made.write_bytes(b"")
    live = tmp_path / ".out.csv.l1ve.tmp"
    live.write_text("being written")
    lock = os.open(live, os.O_RDONLY)
    fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        result = runner.invoke(app, ["classify", str(src), "--text-col", "comment",
                                     "--out", str(tmp_path / "out.csv"), "--quiet"])
    finally:
        os.close(lock)
    assert result.exit_code == 0, result.output
    assert not dead.exists()
    assert just_made.exists() and live.exists()


def test_a_named_pipe_as_input_is_one_line_not_a_hang(tmp_path):
    import os
    import subprocess
    import sys

    import pytest

    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes here")
    fifo = tmp_path / "survey.csv"
    os.mkfifo(fifo)  # nobody writes: opening it to read would wait forever
    done = subprocess.run(
        [sys.executable, "-m", "feedback_classifier", "classify", str(fifo), "--text-col", "comment",
         "--out", str(tmp_path / "out.csv")], capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"Error: {fifo}: is a pipe or device, not a file; the input is read more than once, so save it to a "
        "file first (a .csv.gz or .jsonl.gz is read as it is)"]


def test_route_reports_its_rows_in_a_log_line_and_is_silent_with_quiet(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("id,comment,nps\n" + "".join(f"{i},Courier late again {i},{i % 11}\n" for i in range(30)),
                   encoding="utf-8")
    base = ["route", str(src), "--text-col", "comment", "--score-col", "nps", "--tone-teacher", "none"]
    loud = runner.invoke(app, [*base, "--out-dir", str(tmp_path / "a")])
    quiet = runner.invoke(app, [*base, "--out-dir", str(tmp_path / "b"), "--quiet"])
    assert loud.exit_code == quiet.exit_code == 0, loud.output
    assert loud.stderr.splitlines()[-1].startswith("routed 30 / 30 rows (")  # stderr is not a terminal here
    assert quiet.stderr == ""
    assert (tmp_path / "a" / "logistics.csv").read_bytes() == (tmp_path / "b" / "logistics.csv").read_bytes()


def test_sheet_on_a_csv_names_the_cli_option(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("id,comment\n1,late\n", encoding="utf-8")
    result = runner.invoke(app, ["classify", str(src), "--text-col", "comment", "--sheet", "Answers",
                                 "--out", str(tmp_path / "o.csv")])
    assert result.exit_code == 1
    assert "--sheet (library: sheet=) applies to XLSX files only" in result.stderr


def test_parquet_decimals_and_times_keep_their_types_through_classify(tmp_path):
    import decimal

    src = tmp_path / "in.parquet"
    pq.write_table(pa.table({
        "amount": pa.array([decimal.Decimal("1.10"), None, decimal.Decimal("-0.01")], pa.decimal128(10, 2)),
        "at": pa.array([dt.time(12, 30, 1, 5), None, dt.time(0, 0)], pa.time64("us")),
        "comment": ["Courier late", "ok", "Too expensive"],
    }), src)
    out = tmp_path / "out.parquet"
    result = runner.invoke(app, ["classify", str(src), "--text-col", "comment", "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    table = pq.read_table(out)
    assert table.schema.field("amount").type == pa.decimal128(10, 2)
    assert table.schema.field("at").type == pa.time64("us")
    assert table.column("amount").to_pylist() == [decimal.Decimal("1.10"), None, decimal.Decimal("-0.01")]
    assert table.column("at").to_pylist() == [dt.time(12, 30, 1, 5), None, dt.time(0, 0)]
    jsonl = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["classify", str(src), "--text-col", "comment", "--out", str(jsonl), "--quiet"])
    assert result.exit_code == 0, result.output
    assert json.loads(jsonl.read_text(encoding="utf-8").splitlines()[0])["amount"] == "1.10"  # as before: text


def test_a_large_file_s_headline_interval_shows_the_digit_that_tells_its_bounds_apart():
    # analyze on 300,000 answers printed "NPS -45 (95% CI -45 to -45)": the rounding hid the interval
    import numpy as np
    import pandas as pd

    from feedback_classifier.cli.render import metric_line
    from feedback_classifier.insights import compute_drivers

    rng = np.random.default_rng(0)
    n = 300_000
    df = pd.DataFrame({"nps": rng.choice([0, 5, 8, 10], n, p=[0.55, 0.1, 0.25, 0.1]),
                       "categories": rng.choice(["Service", ""], n)})
    drivers = compute_drivers(df, score_col="nps", n_boot=0)
    line = metric_line(drivers)
    low, high = line.split("95% CI ")[1].split(",")[0].split(" to ")
    assert low != high and "." in low, line
    small = compute_drivers(df.head(200), score_col="nps", n_boot=0)
    assert "." not in metric_line(small).split("(")[0], metric_line(small)  # whole points when they tell


def test_more_jobs_than_cpus_is_a_warning(tmp_path, monkeypatch):
    # --jobs 64 on a 2-core machine started 64 processes, each with its own copy of the model, unsaid
    import os

    import pytest

    from feedback_classifier.errors import InputWarning
    from feedback_classifier.jobs.runner import check_workers

    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    with pytest.warns(InputWarning, match="--jobs 3 is more than this machine's 2 CPUs"):
        check_workers(3)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_workers(2)  # as many as the CPUs: nothing to say
    (tmp_path / "in.csv").write_text("comment\nlate courier\nrude staff\n", encoding="utf-8")
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    result = CliRunner().invoke(app, ["classify", str(tmp_path / "in.csv"), "--text-col", "comment", "--out",
                                      str(tmp_path / "out.csv"), "--jobs", "2", "--quiet"], terminal_width=400)
    assert result.exit_code == 0, result.output
    assert "Warning: --jobs 2 is more than this machine's 1 CPU:" in result.output
