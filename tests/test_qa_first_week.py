"""A support lead's and a nightly batch job's first week: defects found by opening the team queues
in Excel in a Russian locale and by running the commands on a new export every day.

Each test runs a command through CliRunner on a tiny file written here and fails on the code
before its fix.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from feedback_classifier.cli import app
from feedback_classifier.tableio import read_table

runner = CliRunner()

ROWS = [
    ("101", "Курьер опоздал на два часа, ужасно", "2", "Москва"),
    ("102", "Списали деньги дважды, верните", "1", "Казань"),
    ("103", "Отличная поддержка, быстро ответили", "10", "Москва"),
    ("104", "Дорого, но качество хорошее", "7", "Казань"),
]


def _semicolon_export(tmp_path: Path) -> Path:
    """A survey export as Excel in a Russian locale saves it: ';' separated, cp1251."""
    path = tmp_path / "выгрузка.csv"
    lines = ["id;comment;nps;region"] + [";".join(row) for row in ROWS]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1251"))
    return path


def _jsonl_export(tmp_path: Path) -> Path:
    """A JSON Lines export with numeric ids and scores and a nested object per row."""
    path = tmp_path / "export.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for rid, text, nps, region in ROWS:
            fh.write(json.dumps({"id": int(rid), "comment": text, "nps": int(nps), "meta": {"region": region}},
                                ensure_ascii=False) + "\n")
    return path


def _header(path: Path) -> str:
    return path.read_text(encoding="utf-8-sig").splitlines()[0]


# --------------------------------------------------------------------------- queues follow the input's layout

@pytest.mark.parametrize("command", ["route", "analyze"])
def test_queues_and_summary_of_a_semicolon_export_are_semicolon_files(tmp_path: Path, command: str):
    # Excel in a Russian locale splits a CSV at ';': the enriched copy kept the export's ';' but the
    # team queues and the summary a support lead opens were ',' files, one column each
    src = _semicolon_export(tmp_path)
    out = tmp_path / "out"
    args = ([command, str(src), "--text-col", "comment", "--score-col", "nps", "--keep", "id", "--out-dir", str(out)]
            + (["--quiet"] if command == "analyze" else []))
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    queues = out if command == "route" else out / "queues"
    files = sorted(queues.glob("*.csv"))
    assert len(files) >= 4
    for path in files:
        assert ";" in _header(path) and "," not in _header(path), (path.name, _header(path))
    summary = pd.read_csv(queues / "summary.csv", sep=";", encoding="utf-8-sig")
    assert list(summary.columns) == ["team", "name", "file", "comments", "detractors", "review"]
    billing = pd.read_csv(queues / "billing.csv", sep=";", encoding="utf-8-sig", dtype=str)
    assert billing["id"].tolist() == ["102"] and billing["comment"].tolist() == ["Списали деньги дважды, верните"]
    if command == "analyze":
        assert _header(out / "drivers.csv").startswith("level;rank;category;")


def test_drivers_tables_of_a_semicolon_export_are_semicolon_files(tmp_path: Path):
    src = _semicolon_export(tmp_path)
    out = tmp_path / "drivers.csv"
    result = runner.invoke(app, ["drivers", str(src), "--text-col", "comment", "--score-col", "nps", "--by", "region",
                                 "--min-n", "1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    for path in [out, tmp_path / "drivers_segments.csv", tmp_path / "drivers_regression.csv"]:
        assert path.exists() and _header(path).count(";") >= 3 and "," not in _header(path), _header(path)


@pytest.mark.parametrize("command", ["route", "analyze"])
def test_jsonl_queues_keep_the_exports_numbers_and_nested_values(tmp_path: Path, command: str):
    # the enriched JSON Lines kept "nps": 2 and "id": 101; the queues wrote "nps": "2", "id": "101"
    # and the nested object as a string of JSON, which a script reading the queue cannot compare
    src = _jsonl_export(tmp_path)
    out = tmp_path / "out"
    args = [command, str(src), "--text-col", "comment", "--score-col", "nps", "--keep", "id,meta",
            "--out-dir", str(out)] + (["--quiet"] if command == "analyze" else ["--format", "jsonl"])
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    queues = out if command == "route" else out / "queues"
    rows = [json.loads(line) for line in (queues / "billing.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(r["id"], r["nps"], r["meta"]) for r in rows] == [(102, 1, {"region": "Казань"})]
    assert isinstance(rows[0]["confidence"], float) and rows[0]["needs_review"] in (True, False)


# --------------------------------------------------------------------------- values inside JSON objects

def test_by_and_keep_reach_a_value_inside_a_json_object(tmp_path: Path):
    # {"meta": {"region": "EU"}}: `--by meta.region` was "no column 'meta.region'", and `--by meta`
    # compared segments named by the whole object's JSON text
    src = _jsonl_export(tmp_path)
    out = tmp_path / "out"
    result = runner.invoke(app, ["analyze", str(src), "--text-col", "comment", "--score-col", "nps", "--by",
                                 "meta.region", "--min-n", "1", "--chunksize", "3", "--out-dir", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    billing = [json.loads(line) for line in (out / "queues" / "billing.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["meta.region"] for r in billing] == ["Казань"]
    # the enriched copy has the export's keys only: the object stays one object
    enriched = [json.loads(line) for line in (out / "export.enriched.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["meta"] for r in enriched] == [{"region": row[3]} for row in ROWS]
    assert not any("meta.region" in r for r in enriched)
    drivers = tmp_path / "drivers.csv"
    result = runner.invoke(app, ["drivers", str(src), "--text-col", "comment", "--score-col", "nps", "--by",
                                 "meta.region", "--min-n", "1", "--out", str(drivers)])
    assert result.exit_code == 0, result.output
    segments = pd.read_csv(tmp_path / "drivers_segments.csv", encoding="utf-8-sig")
    assert set(segments["segment"]) == {"Москва", "Казань"}


def test_a_key_inside_an_object_first_seen_in_a_later_chunk_leaves_the_copy_as_it_was(tmp_path: Path):
    src = tmp_path / "export.jsonl"
    records = [{"id": 1, "comment": "Курьер опоздал", "meta": {"a": 0}}, {"id": 2, "comment": "Дорого", "meta": {"a": 1}},
               {"id": 3, "comment": "Грубый оператор", "meta": {"a": 2, "b": {"c": True}}}]
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["classify", str(src), "--text-col", "comment", "--chunksize", "1", "--quiet",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    written = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [{k: r[k] for k in ("id", "comment", "meta")} for r in written] == records
    assert all(set(r) == set(written[0]) for r in written) and "meta.a" not in written[0]


def test_a_top_level_key_first_used_in_a_later_chunk_is_kept_in_a_json_lines_copy(tmp_path: Path):
    # an export's optional field ("region") that its first rows leave out: the copy used to stop at
    # the chunk that first had it; one object per line can take a key more
    src = tmp_path / "export.jsonl"  # past the rows read first to look at the columns (a few thousand)
    records = [{"id": i, "comment": "Курьер опоздал" if i % 2 else "Дорого"} for i in range(3000)]
    records[-1].update(region="EU", nps=4)
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["classify", str(src), "--text-col", "comment", "--chunksize", "1000", "--quiet",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    written = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in written] == list(range(3000)) and "region" not in written[0]
    assert written[-1]["region"] == "EU" and written[-1]["nps"] == 4  # a number stays a number


@pytest.mark.parametrize("name", ["out.csv", "out.csv.gz", "out.xlsx", "out.parquet"])
def test_a_top_level_key_first_used_in_a_later_chunk_is_kept_in_a_fixed_column_copy(tmp_path: Path, name):
    # CSV, Excel and Parquet fix their columns with the first rows; the copy used to stop with "a later
    # chunk has column(s) 'region'": now the column is added, empty in the rows before it was used
    src = tmp_path / "export.jsonl"
    records = [{"id": i, "comment": 'Курьер опоздал, "снова"\nи грубил' if i % 2 else "Дорого; очень"}
               for i in range(3000)]
    records[1500]["region"] = "EU"
    records[-1].update(region="US", nps=4)
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    out = tmp_path / name
    result = runner.invoke(app, ["classify", str(src), "--text-col", "comment", "--chunksize", "1000", "--quiet",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    written = read_table(out, as_text=True)
    assert len(written) == 3000 and written["id"].tolist() == [str(i) for i in range(3000)]
    assert written["comment"].tolist() == [r["comment"] for r in records]
    assert list(written.columns[-2:]) == ["region", "nps"]
    region = written["region"].fillna("").tolist()
    assert region[1500] == "EU" and region[-1] == "US" and set(region[:1500]) == {""}
    assert written["nps"].fillna("").tolist()[-1] in ("4", "4.0") and written["categories"].notna().all()
    assert {p.name for p in tmp_path.iterdir()} == {src.name, name}  # no segment or temp file left


# --------------------------------------------------------------------------- an extension that lies

def test_a_workbook_saved_as_csv_is_read_as_a_workbook_and_said(tmp_path: Path):
    # a survey tool's "CSV download" that is really XLSX, or a workbook renamed by hand: it was
    # "looks like a binary file ... export the survey as CSV or XLSX", though it is an XLSX
    src = tmp_path / "export.csv"
    pd.DataFrame({"id": ["1", "2"], "comment": ["Курьер опоздал", "Дорого"], "nps": [2, 6]}).to_excel(
        tmp_path / "real.xlsx", index=False)
    src.write_bytes((tmp_path / "real.xlsx").read_bytes())
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["classify", str(src), "--text-col", "comment", "--quiet", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "is an XLSX workbook, not CSV text as its name says; read as XLSX (rename it to .xlsx)" in result.output
    written = pd.read_csv(out, dtype=str, encoding="utf-8-sig")
    assert written["comment"].tolist() == ["Курьер опоздал", "Дорого"] and written["nps"].tolist() == ["2", "6"]


def test_csv_text_saved_as_xlsx_is_read_as_csv_and_an_old_xls_names_the_fix(tmp_path: Path):
    src = tmp_path / "export.xlsx"
    src.write_bytes("id;comment;nps\n1;Курьер опоздал;2\n".encode("cp1251"))
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["classify", str(src), "--text-col", "comment", "--quiet", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "is CSV text, not an XLSX workbook" in result.output
    assert pd.read_csv(out, sep=";", dtype=str, encoding="utf-8-sig")["comment"].tolist() == ["Курьер опоздал"]
    old = tmp_path / "old.csv"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    result = runner.invoke(app, ["classify", str(old), "--text-col", "comment", "--quiet", "--out", str(out)])
    assert result.exit_code == 1 and result.output.strip().splitlines() == [
        f"Error: {old}: is an old Excel 97-2003 (.xls) workbook; open it in Excel and save it as .xlsx (or export CSV)"]


# --------------------------------------------------------------------------- an output that would replace the input

def _error_lines(result) -> list[str]:
    return [line for line in result.output.strip().splitlines() if not line.startswith("Warning: ")]


@pytest.mark.parametrize("command", ["drivers", "route", "analyze", "report"])
def test_an_output_that_would_replace_the_input_is_one_error_and_the_input_is_kept(tmp_path: Path, command: str):
    # `drivers export.csv --out export.csv`, an export named summary.csv routed into its own folder,
    # one named drivers.csv analysed into its own folder: the export was replaced by a table made
    # from it without a word (classify already refused its own --out)
    name = {"drivers": "export.csv", "route": "summary.csv", "analyze": "drivers.csv", "report": "export.csv"}[command]
    src = tmp_path / name
    src.write_bytes(_semicolon_export(tmp_path).read_bytes())
    before = src.read_bytes()
    where = {"drivers": ["--out", str(src)], "route": ["--out-dir", str(tmp_path)],
             "analyze": ["--out-dir", str(tmp_path), "--quiet"], "report": ["--out", str(src)]}[command]
    result = runner.invoke(app, [command, str(src), "--text-col", "comment", "--score-col", "nps", *where])
    assert result.exit_code == 1, result.output
    assert _error_lines(result) == [f"Error: {src}: the output would overwrite the input file; "
                                    + {"drivers": "choose another --out path.", "route": "choose another --out-dir.",
                                       "analyze": "choose another --out-dir, or rename the input.",
                                       "report": "choose another --out path."}[command]]
    assert src.read_bytes() == before


# --------------------------------------------------------------------------- a nightly run killed outright

def test_the_queue_spill_folder_of_a_killed_run_is_removed_by_the_next_run(tmp_path: Path):
    # `kill -9` (or a power cut) during analyze left out/fc-queues-*/ with the spilled queue rows
    # (comments, ids) in the output folder for good; the temp files of the outputs were already
    # removed by a later run once stale (tableio/atomic.py)
    import os

    src = _semicolon_export(tmp_path)
    out = tmp_path / "out"
    dead = out / "fc-queues-k1ll3d"
    dead.mkdir(parents=True)
    (dead / "b00000.arrows").write_bytes(b"spilled comments")
    for path in (dead / "b00000.arrows", dead):
        os.utime(path, (0, 0))
    live = out / "fc-queues-l1v3"
    live.mkdir()
    (live / "b00000.arrows").write_bytes(b"a run writing now")
    from feedback_classifier.tableio.atomic import hold_lock, release_lock

    lock = hold_lock(live)  # as a live run holds its spill folder (where locks work; else its age keeps it)
    try:
        result = runner.invoke(app, ["analyze", str(src), "--text-col", "comment", "--out-dir", str(out), "--quiet"])
    finally:
        release_lock(lock)
    assert result.exit_code == 0, result.output
    assert not dead.exists() and live.exists()
    assert sorted(p.name for p in out.iterdir()) == ["fc-queues-l1v3", "queues", "report.html", "выгрузка.enriched.csv"]


# --------------------------------------------------------------------------- idempotent reruns

def test_a_rerun_on_the_same_export_writes_the_same_bytes(tmp_path: Path, monkeypatch):
    # the report's charts had random SVG element ids: every nightly rerun wrote a different
    # report.html for the same data, so "did anything change?" could not be told by a checksum;
    # its generation time is pinned by $SOURCE_DATE_EPOCH (the runs could straddle a minute)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764892800")
    src = _semicolon_export(tmp_path)
    outs = [tmp_path / "run1", tmp_path / "run2"]
    for out in outs:
        result = runner.invoke(app, ["analyze", str(src), "--text-col", "comment", "--score-col", "nps", "--min-n", "1",
                                     "--out-dir", str(out), "--quiet"])
        assert result.exit_code == 0, result.output
    files = sorted(p.relative_to(outs[0]) for p in outs[0].rglob("*") if p.is_file())
    assert "data:image/svg+xml" in (outs[0] / "report.html").read_text(encoding="utf-8")  # it has charts
    changed = [str(f) for f in files if (outs[0] / f).read_bytes() != (outs[1] / f).read_bytes()]
    assert changed == []


# --------------------------------------------------------------------------- complaints only

def test_complaints_only_on_a_file_classified_without_sentiment_names_the_option_to_drop(tmp_path: Path):
    # the error said "classify the file again with this version", but it was classified with this
    # version, with --no-sentiment: doing as told gave the same error again
    src = _semicolon_export(tmp_path)
    classified = tmp_path / "classified.csv"
    result = runner.invoke(app, ["classify", str(src), "--text-col", "comment", "--no-sentiment", "--quiet",
                                 "--out", str(classified)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["route", str(classified), "--text-col", "comment", "--complaints-only",
                                 "--out-dir", str(tmp_path / "queues")])
    assert result.exit_code == 1
    assert _error_lines(result) == [
        f"Error: {classified}: --complaints-only needs the 'category_sentiment' column, the polarity of each "
        "category; route the plain export (it is classified with polarity), or classify the file again without "
        "--no-sentiment (a file from an older version has no polarity either)."]
    # what it says works
    result = runner.invoke(app, ["route", str(src), "--text-col", "comment", "--complaints-only",
                                 "--out-dir", str(tmp_path / "queues")])
    assert result.exit_code == 0, result.output
    billing = pd.read_csv(tmp_path / "queues" / "billing.csv", sep=";", encoding="utf-8-sig", dtype=str)
    assert billing["comment"].tolist() == ["Списали деньги дважды, верните"] and billing["complaint"].tolist() == ["True"]


# --------------------------------------------------------------------------- a kept column named like a queue column

@pytest.mark.parametrize("command", ["route", "analyze"])
def test_kept_columns_named_like_the_queues_own_keep_their_values(tmp_path: Path, command: str):
    # an export's own `row` and `complaint` columns, kept with --keep, were overwritten by the queue's
    # row number and complaint flag: the ticket id and the complaint text were gone from the queue
    src = tmp_path / "export.csv"
    src.write_text("row;comment;nps;complaint\nA-17;Курьер опоздал на два часа, ужасно;2;жалоба на курьера\n"
                   "B-18;Списали деньги дважды, верните;1;жалоба на оплату\n", encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, [command, str(src), "--text-col", "comment", "--score-col", "nps", "--keep",
                                 "row,complaint", "--out-dir", str(out)] + (["--quiet"] if command == "analyze" else []))
    assert result.exit_code == 0, result.output
    assert ("Warning: " f"{src}: the queues have columns of their own named like kept columns of the input, so these "
            "are kept as: 'row' as 'row (input)', 'complaint' as 'complaint (input)'") in result.output
    queue = pd.read_csv((out if command == "route" else out / "queues") / "billing.csv", sep=";",
                        encoding="utf-8-sig", dtype=str)
    assert queue[["row", "row (input)", "complaint (input)", "complaint"]].values.tolist() == [
        ["2", "B-18", "жалоба на оплату", "True"]]


# --------------------------------------------------------------------------- an export's own 'categories' column

def test_route_on_an_export_with_its_own_categories_column_says_how_to_have_it_classified(tmp_path: Path):
    # a helpdesk export's own 'categories' (its tags) made route skip classifying and stop at the first
    # tag that is not a category of the taxonomy, with "fix the cell or add it to the taxonomy"
    src = tmp_path / "tickets.csv"
    src.write_text("id;comment;categories\n1;Курьер опоздал на два часа;Доставка\n", encoding="utf-8")
    result = runner.invoke(app, ["route", str(src), "--text-col", "comment", "--out-dir", str(tmp_path / "q")])
    assert result.exit_code == 1
    (line,) = _error_lines(result)
    assert line.startswith(f"Error: Unknown label 'Доставка' in row 1, column 'categories' of {src}")
    assert line.endswith("This 'categories' column is not from classify (the file has no 'needs_review'), yet route "
                         "takes it as the comments' categories: to have the comments classified instead, rename that "
                         "column in the file.")
    # a file from classify with a label the taxonomy lacks keeps the plain message
    src.write_text("id;comment;categories;needs_review\n1;Курьер опоздал;Доставка;False\n", encoding="utf-8")
    result = runner.invoke(app, ["route", str(src), "--text-col", "comment", "--out-dir", str(tmp_path / "q")])
    assert result.exit_code == 1 and "rename that column" not in result.output


# --------------------------------------------------------------------------- a run stopped half-way

@pytest.mark.parametrize("command", ["route", "analyze"])
def test_a_run_stopped_while_writing_the_queues_leaves_yesterdays_queues_whole(tmp_path: Path, command: str,
                                                                               monkeypatch):
    # Ctrl-C (or a full disk) while the queues were written left the first teams' queues from today
    # and the rest from yesterday, each file whole (atomic) but the set mixed, and nothing said so
    from feedback_classifier.tableio import writing

    src = _semicolon_export(tmp_path)
    out = tmp_path / "out"
    args = [command, str(src), "--text-col", "comment", "--score-col", "nps", "--out-dir", str(out)]
    args += ["--quiet"] if command == "analyze" else []
    assert runner.invoke(app, args).exit_code == 0
    queues = out if command == "route" else out / "queues"
    yesterday = {p.name: p.read_bytes() for p in queues.iterdir()}
    src.write_bytes(src.read_bytes().replace("Курьер опоздал".encode("cp1251"), "Курьер снова опоздал".encode("cp1251")))
    close, closed = writing.TableWriter.close, []

    def interrupted(self):
        if self.path.name in yesterday:  # a queue file (written to a staging folder, or in place before)
            if len(closed) == 5:
                raise KeyboardInterrupt
            closed.append(self.path)
        return close(self)

    monkeypatch.setattr(writing.TableWriter, "close", interrupted)
    result = runner.invoke(app, args)
    assert isinstance(result.exception, KeyboardInterrupt) or result.exit_code != 0
    assert {p.name: p.read_bytes() for p in queues.iterdir()} == yesterday
    monkeypatch.undo()
    assert runner.invoke(app, args).exit_code == 0
    assert "Курьер снова опоздал" in (queues / "logistics.csv").read_text(encoding="utf-8-sig")
    assert sorted(p.name for p in queues.iterdir()) == sorted(yesterday)


# --------------------------------------------------------------------------- numbers Excel in a ';' locale reads as numbers

def test_a_semicolon_exports_outputs_have_decimal_commas_and_read_back(tmp_path: Path):
    # Excel in a Russian locale read confidence '0.9718' as text and a lift of '1.12' as the date
    # 1 December: the ';' files kept the locale's separator but not its decimal comma
    src = _semicolon_export(tmp_path)
    out = tmp_path / "out"
    result = runner.invoke(app, ["analyze", str(src), "--text-col", "comment", "--score-col", "nps", "--min-n", "1",
                                 "--out-dir", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    enriched = pd.read_csv(out / "выгрузка.enriched.csv", sep=";", encoding="utf-8-sig", dtype=str)
    assert enriched["confidence"].str.fullmatch(r"[01](,\d+)?").all(), enriched["confidence"].tolist()
    assert enriched["nps"].tolist() == [row[2] for row in ROWS]  # the input's own cells as they were
    drivers = pd.read_csv(out / "drivers.csv", sep=";", encoding="utf-8-sig", dtype=str)
    assert drivers["share"].str.contains(",").any() and not drivers["share"].str.contains(r"\.").any()
    # the enriched file routed again reads its own confidence: the same queues in the same order
    result = runner.invoke(app, ["route", str(out / "выгрузка.enriched.csv"), "--text-col", "comment", "--score-col",
                                 "nps", "--keep", "id", "--out-dir", str(tmp_path / "again")])
    assert result.exit_code == 0, result.output
    for name in ("billing.csv", "logistics.csv", "review.csv"):
        assert (tmp_path / "again" / name).read_bytes() == (out / "queues" / name).read_bytes(), name
    # a ',' export's outputs keep the decimal point
    plain = tmp_path / "plain.csv"
    plain.write_text("id,comment\n1,Курьер опоздал на два часа\n", encoding="utf-8")
    result = runner.invoke(app, ["classify", str(plain), "--text-col", "comment", "--quiet",
                                 "--out", str(tmp_path / "plain_out.csv")])
    assert pd.read_csv(tmp_path / "plain_out.csv", dtype=str)["confidence"].str.fullmatch(r"[01](\.\d+)?").all()


# --------------------------------------------------------------------------- an output that is the input

@pytest.mark.parametrize("command", [
    ["train", "{f}", "--out", "{f}", "--cv", "2"],
    ["train", "{f}", "--no-labels", "--taxonomy", "cx-default", "--out", "{f}"],
    ["suggest", "{f}", "--text-col", "text", "--n", "2", "--out", "{f}"],
    ["suggest", "{other}", "--text-col", "text", "--labelled", "{f}", "--n", "2", "--out", "{f}"],
    ["audit", "{f}", "--out", "{f}"],
])
def test_train_suggest_and_audit_refuse_to_write_over_their_input(tmp_path: Path, command):
    # train saved its model over the labelled CSV, suggest its batch over the labels or the pool, audit
    # its suspects over the labels: the user's own file was gone, and each said it had succeeded
    f, other = tmp_path / "labels.csv", tmp_path / "pool.csv"
    for path in (f, other):
        pd.DataFrame({"text": ["late courier", "rude staff", "too expensive"] * 4,
                      "labels": ["Delivery", "Service", "Price"] * 4}).to_csv(path, index=False)
    before = f.read_bytes()
    result = runner.invoke(app, [a.format(f=f, other=other) for a in command])
    assert result.exit_code == 1 and "would overwrite the input file" in result.output, result.output
    assert f.read_bytes() == before


def test_the_label_app_refuses_labels_written_into_its_pool(tmp_path: Path):
    from feedback_classifier.errors import InputFileError
    from feedback_classifier.jobs.label_app import LabelSession

    pool = tmp_path / "pool.csv"
    pd.DataFrame({"comment": ["late courier", "rude staff"], "region": ["EU", "US"]}).to_csv(pool, index=False)
    with pytest.raises(InputFileError, match="give --labels a file of its own"):
        LabelSession(pool, tmp_path / "." / "pool.csv", text_col="comment", taxonomy="cx-default")
