"""The hostile-input catalogue: messy and malicious inputs a new user will feed the CLI.

Every case runs a real command through CliRunner and must end in one of two ways: it works
(and the case checks the output is right), or it stops with exit code 1 and a one-line
``Error: ...`` (a second line only for a hint) that matches the case's pattern. Never a
traceback, never a temp file left beside an output, and nothing a model file carries is run.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import pickle
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pandas as pd
import pytest
from typer.testing import CliRunner

from feedback_classifier.cli import app
from feedback_classifier.model.persist import MAGIC, read_model_metadata

runner = CliRunner()
DATA = Path(__file__).parent / "data"
EXPORTS = DATA / "exports"
OLD_MODEL = DATA / "model_v0_1_0.fcmodel"
CSV_HEAD = "id,comment,nps\n"
ROWS = ["1,The courier was two hours late,3\n", "2,Friendly staff and fast delivery,10\n", "3,Too expensive,6\n"]


@dataclass
class Case:
    """``build(tmp)`` writes the inputs and returns the command line; ``error`` is None when the
    command must work (then ``check(tmp, output)`` looks at what it made) or a regex of the error."""

    id: str
    build: Callable[[Path], list[str]]
    error: str | None = None
    check: Callable[[Path, str], None] | None = None
    #: The error lists several problems, one "  - ..." line each (taxonomy validation reports them all at once).
    listing: bool = False
    #: 1 for a mistake in the input, 2 for one on the command line (a bad choice of an option).
    code: int = 1


def _write(tmp: Path, name: str, data: bytes | str, encoding: str = "utf-8") -> str:
    path = tmp / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return str(path)


def _classify(name: str, data: bytes | str, *extra: str, encoding: str = "utf-8", text_col: str = "comment"):
    def build(tmp: Path) -> list[str]:
        return ["classify", _write(tmp, name, data, encoding), "--text-col", text_col,
                "--out", str(tmp / "out" / "classified.csv"), "-q", *extra]

    return build


def _read_out(tmp: Path) -> pd.DataFrame:
    """The classified CSV, read with its separator: a ';' or '|' separated input keeps its own."""
    path = tmp / "out" / "classified.csv"
    header = path.read_text(encoding="utf-8-sig").split("\n", 1)[0]
    sep = max((",", ";", "|"), key=header.count)
    return pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False)


def _rows_out(n: int, column: str = "comment", first: str | None = None):
    def check(tmp: Path, output: str) -> None:
        df = _read_out(tmp)
        assert len(df) == n, output
        assert "categories" in df.columns
        if first is not None:
            assert df[column].iloc[0] == first
    return check


def _said(text: str):
    def check(tmp: Path, output: str) -> None:
        assert text in output, output
    return check


RU = "id;comment;nps\n1;Курьер опоздал на два часа;3\n2;Очень дорого но быстро;8\n"
GOOD = CSV_HEAD + "".join(ROWS)

# ---- encodings
ENCODINGS = [
    Case("utf8", _classify("s.csv", GOOD), check=_rows_out(3)),
    Case("utf8-bom", _classify("s.csv", "\ufeff" + GOOD), check=_rows_out(3)),
    Case("cp1251-semicolon", _classify("s.csv", RU, encoding="cp1251"),
         check=_rows_out(2, first="Курьер опоздал на два часа")),
    Case("koi8-r", _classify("s.csv", RU, encoding="koi8_r"), check=_rows_out(2, first="Курьер опоздал на два часа")),
    Case("utf-16", _classify("s.csv", RU, encoding="utf-16"), check=_rows_out(2, first="Курьер опоздал на два часа")),
    Case("utf-16-le-no-bom", _classify("s.csv", RU, encoding="utf-16-le"),
         check=_rows_out(2, first="Курьер опоздал на два часа")),
    Case("utf8-bad-byte-near-top", _classify("s.csv", RU.encode()[:30] + b"\xff" + RU.encode()[31:]),
         error=r"UTF-8 text with invalid bytes on 1 line \(line 2\).*--encoding-errors replace"),
    Case("utf8-bom-bad-byte-near-top",  # the BOM says UTF-8: not "pass encoding='cp1251'", no line
         _classify("s.csv", b"\xef\xbb\xbf" + RU.encode()[:30] + b"\xff" + RU.encode()[31:]),
         error=r"UTF-8 text with an invalid byte sequence \(line 2\).*--encoding-errors replace"),
    Case("utf8-bad-byte-replaced", _classify("s.csv", RU.encode()[:30] + b"\xff" + RU.encode()[31:],
                                             "--encoding-errors", "replace"), check=_rows_out(2)),
    Case("cp1252-western-text",  # every Western letter is a Cyrillic one in cp1251: "Zьrich", "spдt"
         _classify("s.csv", "id,comment\n" + "".join(f"{i},Lieferung kam zu spät aus Zürich im café\n" for i in range(30)),
                   encoding="cp1252"),
         check=_rows_out(30, first="Lieferung kam zu spät aus Zürich im café")),
    Case("unknown-encoding-name", _classify("s.csv", GOOD, "--encoding", "klingon"), error="unknown encoding"),
    Case("wrong-encoding-given", _classify("s.csv", RU, "--encoding", "utf-8", encoding="cp1251"),
         error="cannot decode the file as utf-8"),
    Case("binary-file-named-csv", _classify("s.csv", bytes(range(256)) * 40), error="binary file"),
    Case("nul-bytes-in-cells", _classify("s.csv", CSV_HEAD + "1,late\x00 courier,3\n"), check=_rows_out(1)),
    Case("gzip-csv", lambda tmp: ["classify", _write(tmp, "s.csv.gz", gzip.compress(GOOD.encode())), "--text-col",
                                  "comment", "--out", str(tmp / "out" / "classified.csv"), "-q"], check=_rows_out(3)),
    Case("corrupt-gzip", _classify("s.csv.gz", b"\x1f\x8b\x08\x00garbage"), error="cannot read the file"),
]

# ---- delimiters
DELIMITERS = [
    Case("semicolon", _classify("s.csv", GOOD.replace(",", ";")), check=_rows_out(3)),
    Case("tab-in-csv", _classify("s.csv", GOOD.replace(",", "\t")), check=_rows_out(3)),
    Case("pipe", _classify("s.csv", GOOD.replace(",", "|")), check=_rows_out(3)),
    Case("tsv-extension", _classify("s.tsv", GOOD.replace(",", "\t")), check=_rows_out(3)),
    Case("explicit-sep", _classify("s.csv", GOOD.replace(",", ";"), "--sep", ";"), check=_rows_out(3)),
    Case("sep-two-chars", _classify("s.csv", GOOD, "--sep", "ab"), error="one character"),
    Case("commas-inside-quotes", _classify("s.csv", CSV_HEAD + '1,"late, rude, expensive",3\n'),
         check=_rows_out(1, first="late, rude, expensive")),
    Case("excel-sep-line", _classify("s.csv", "sep=;\n" + GOOD.replace(",", ";")), check=_rows_out(3)),
    Case("one-column-with-commas", _classify("s.csv", "comment\nslow, expensive, rude\n"),
         check=_rows_out(1, first="slow, expensive, rude")),
]

# ---- structure
STRUCTURE = [
    Case("ragged-row-too-many-fields", _classify("s.csv", CSV_HEAD + "1,late,3\n2,rude,4,extra,fields\n"),
         error="malformed CSV|more fields than the header"),
    Case("short-row", _classify("s.csv", CSV_HEAD + "1,late\n"), check=_rows_out(1)),
    Case("embedded-newlines", _classify("s.csv", CSV_HEAD + '1,"line one\nline two",3\n'),
         check=_rows_out(1, first="line one\nline two")),
    Case("header-only", _classify("s.csv", CSV_HEAD), check=_rows_out(0)),
    Case("empty-file", _classify("s.csv", b""), error="empty \\(0 bytes\\)"),
    Case("blank-lines-kept", _classify("s.csv", CSV_HEAD + "1,late,3\n\n2,rude,4\n"), check=_rows_out(3)),
    # ("Comment " is found: case and spaces aside, one column has that name)
    Case("missing-text-column", _classify("s.csv", GOOD, text_col="Comments"), error="no column 'Comments'.*comment"),
    Case("duplicate-column-names", _classify("s.csv", "id,comment,comment\n1,a,b\n"),
         error="2 columns are named 'comment'"),
    Case("input-is-directory", lambda tmp: ["classify", str(tmp), "--text-col", "c", "--out", str(tmp / "o.csv")],
         error="is a directory"),
    Case("input-missing", lambda tmp: ["classify", str(tmp / "nope.csv"), "--text-col", "c", "--out",
                                       str(tmp / "o.csv")], error="file not found"),
    Case("unknown-extension", _classify("s.dat", GOOD), error="unknown table format"),
    Case("old-xls", _classify("s.xls", b"\xd0\xcf\x11\xe0" + b"\x00" * 100), error="save them as .xlsx"),
    Case("corrupt-xlsx", _classify("s.xlsx", b"PK\x03\x04 not really a zip"), error="not a readable XLSX"),
    Case("xlsx-unknown-sheet", lambda tmp: _xlsx_args(tmp, "--sheet", "Sheet9"), error="no sheet named 'Sheet9'"),
    Case("xlsx-ok", lambda tmp: _xlsx_args(tmp, comment="rude"), check=_rows_out(2)),
    Case("jsonl-bad-line", _classify("s.jsonl", '{"comment": "late"}\n{"comment": late}\n'),
         error="line 2 is not valid JSON"),
    Case("json-array", _classify("s.json", json.dumps([{"comment": "late"}, {"comment": "rude"}])), check=_rows_out(2)),
    Case("jsonl-not-objects", _classify("s.jsonl", "[1, 2]\n[3, 4]\n"), error="not valid JSON|not an object"),
    Case("corrupt-parquet", _classify("s.parquet", b"PAR1 broken PAR1"), error="s\\.parquet"),
    Case("unclosed-quote", _classify("s.csv", CSV_HEAD + '1,"never closed,3\n2,ok,4\n'),
         error="malformed CSV|EOF|quote"),
]

# ---- content
CONTENT = [
    Case("big-cell", _classify("s.csv", CSV_HEAD + "1," + "slow delivery " * 20_000 + ",3\n"), check=_rows_out(1)),
    Case("emoji-and-mixed-scripts", _classify("s.csv", CSV_HEAD + "1,Доставка 🚚 late again 😡,2\n"),
         check=_rows_out(1, first="Доставка 🚚 late again 😡")),
    Case("whitespace-only-comments", _classify("s.csv", CSV_HEAD + "1,   ,3\n2,\t,4\n"), check=_rows_out(2)),
    Case("html-in-comments", _classify("s.csv", CSV_HEAD + '1,"<script>alert(1)</script> late",3\n'),
         check=_rows_out(1, first="<script>alert(1)</script> late")),
    Case("na-like-text-kept", _classify("s.csv", CSV_HEAD + "1,None,3\n2,NA,4\n3,null,5\n"),
         check=_rows_out(3, first="None")),
    Case("ids-keep-leading-zeros", _classify("s.csv", CSV_HEAD + "007,late,3\n"), check=lambda tmp, out: _id_kept(tmp)),
]


def _id_kept(tmp: Path) -> None:
    assert pd.read_csv(tmp / "out" / "classified.csv", dtype=str)["id"].tolist() == ["007"]


def _mkdir(path: Path) -> str:
    path.mkdir()
    return str(path)


def _xlsx_args(tmp: Path, *extra: str, comment: str = "=HYPERLINK(\"http://x\")") -> list[str]:
    path = tmp / "s.xlsx"
    # pandas' to_excel writes a text starting with "=" as a formula, without a stored result
    pd.DataFrame({"id": ["1", "2"], "comment": ["late", comment]}).to_excel(path, index=False)
    return ["classify", str(path), "--text-col", "comment", "--out", str(tmp / "out" / "classified.csv"), "-q", *extra]


# ---- scores (analyze)


def _analyze(data: str, *extra: str, score_col: str = "nps"):
    def build(tmp: Path) -> list[str]:
        return ["analyze", _write(tmp, "s.csv", data), "--text-col", "comment", "--score-col", score_col,
                "--out-dir", str(tmp / "out"), "-q", *extra]
    return build


SCORES = [
    Case("junk-scores-kept-and-counted", _analyze(CSV_HEAD + "1,late,abc\n2,great,10\n3,rude,11\n4,ok,-1\n"),
         check=_said("3 rows have no valid score in 'nps'")),
    Case("one-junk-score-in-the-singular", _analyze(CSV_HEAD + "1,late,abc\n2,great,10\n3,rude,2\n"),
         check=_said("1 row has no valid score in 'nps'")),
    Case("all-scores-missing", _analyze(CSV_HEAD + "1,late,\n2,great,\n"), check=_said("no valid scores in 'nps'")),
    Case("score-column-missing", _analyze(GOOD, score_col="score"), error="no column 'score'"),
    Case("decimal-comma-scores", _analyze("id;comment;nps\n1;late;3,0\n2;great;9,0\n", "--score-type", "mean",
                                          "--scale", "0-10"), check=_said("Rows: 2")),
    Case("bad-scale", _analyze(GOOD, "--score-type", "csat", "--scale", "5-1"), error="scale"),
    Case("unknown-score-type", _analyze(GOOD, "--score-type", "happiness"), error="happiness", code=2),
]

# ---- taxonomies


def _taxonomy(text: bytes | str, command: str = "validate"):
    def build(tmp: Path) -> list[str]:
        return ["taxonomy", command, _write(tmp, "t.yaml", text)]
    return build


TAXONOMIES = [
    Case("taxonomy-every-mistake", lambda tmp: ["taxonomy", "validate", str(DATA / "taxonomy_invalid.yaml")],
         error="taxonomy_invalid.yaml.*11 problems", listing=True),
    Case("taxonomy-not-yaml", _taxonomy("name: [unclosed\n  - {"), error="t.yaml"),
    Case("taxonomy-empty", _taxonomy(""), error="t.yaml"),
    Case("taxonomy-binary", _taxonomy(bytes(range(256))), error="t.yaml"),
    Case("taxonomy-python-tag", _taxonomy("!!python/object/apply:os.system ['mkdir pwned-by-yaml']\n"),
         error="t.yaml", check=None),
    Case("taxonomy-missing-file", lambda tmp: ["taxonomy", "validate", str(tmp / "none.yaml")], error="none.yaml"),
    Case("taxonomy-duplicate-ids", _taxonomy("name: t\nlanguages: [en]\ncategories:\n  - id: a\n    names: {en: A}\n"
                                             "  - id: a\n    names: {en: B}\n"), error="duplicate id 'a'", listing=True),
]

# ---- labels (train)


def _train(data: str, *extra: str):
    def build(tmp: Path) -> list[str]:
        return ["train", _write(tmp, "l.csv", data), "--text-col", "text", "--labels-col", "labels", "--cv", "0",
                "--out", str(tmp / "out" / "m.fcmodel"), *extra]
    return build


LABELLED = "text,labels\n" + "late courier,Delivery\nrude staff,Service > Staff\n" * 4
LABELS = [
    Case("labels-unknown-category", _train("text,labels\nlate,Teleportation\n", "--taxonomy", "cx-default"),
         error="Teleportation.*row 1"),
    Case("labels-none-at-all", _train("text,labels\nlate,\nrude,\n"), error="No labels found"),
    Case("labels-malformed-path", _train("text,labels\nlate,Delivery >> > Late\n", "--taxonomy", "cx-default"),
         error="row 1"),
    Case("labels-single-category-warns", _train("text,labels\n" + "late courier,Delivery\nslow,Delivery\n" * 3),
         check=_said("Warning: every label in 'labels' is under one category")),
    Case("labels-missing-column", _train("text,label\nlate,Delivery\n"), error="no column 'labels'.*'label'"),
    Case("labels-ok", _train(LABELLED), check=lambda tmp, out: read_model_metadata(tmp / "out" / "m.fcmodel")),
]

# ---- model files


class _RunsCode:
    def __init__(self, marker: str):
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def _with_model(make: Callable[[Path], Path], *extra: str):
    def build(tmp: Path) -> list[str]:
        return ["classify", _write(tmp, "s.csv", GOOD), "--text-col", "comment", "--model", str(make(tmp)),
                "--out", str(tmp / "out" / "classified.csv"), "-q", *extra]
    return build


def _forged(tmp: Path, payload: bytes, *, format_version: int = 1) -> Path:
    header = read_model_metadata(OLD_MODEL)
    header.update(format_version=format_version, payload_bytes=len(payload),
                  payload_sha256=hashlib.sha256(payload).hexdigest())
    path = tmp / "forged.fcmodel"
    path.write_bytes(MAGIC + json.dumps(header).encode() + b"\n" + payload)
    return path


def _no_marker(tmp: Path, output: str) -> None:
    assert not (tmp / "pwned").exists()


MODELS = [
    Case("model-not-a-model", _with_model(lambda tmp: Path(_write(tmp, "m.fcmodel", GOOD))),
         error="not a feedback-classifier model file"),
    Case("model-truncated", _with_model(lambda tmp: Path(_write(tmp, "m.fcmodel", OLD_MODEL.read_bytes()[:-500]))),
         error="old-format model file|truncated"),
    Case("model-missing", _with_model(lambda tmp: tmp / "nope.fcmodel"), error="model file not found|does not exist"),
    Case("model-is-directory", _with_model(lambda tmp: tmp), error="directory"),
    Case("model-old-format-refused", _with_model(lambda tmp: OLD_MODEL), error="old-format model file.*--trust-model"),
    Case("model-old-format-trusted", _with_model(lambda tmp: OLD_MODEL, "--trust-model"), check=_rows_out(3)),
    Case("model-forged-pickle-old-header", _with_model(lambda tmp: _forged(tmp, pickle.dumps(_RunsCode(
        str(tmp / "pwned")))), "--trust-model"), error="refused", check=_no_marker),
    Case("model-forged-pickle-new-header", _with_model(lambda tmp: _forged(tmp, pickle.dumps(_RunsCode(
        str(tmp / "pwned"))), format_version=2)), error="refused", check=_no_marker),
    Case("model-newer-format", _with_model(lambda tmp: _forged(tmp, b"x", format_version=99)), error="format 99"),
    Case("model-for-other-taxonomy", lambda tmp: ["analyze", _write(tmp, "s.csv", GOOD), "--text-col", "comment",
                                                  "--model", str(OLD_MODEL), "--trust-model", "--taxonomy",
                                                  "semeval-restaurants", "--out-dir", str(tmp / "out"), "-q"],
         error="taxonomy"),
]

# ---- outputs


OUTPUTS = [
    Case("out-parent-is-a-file", lambda tmp: ["classify", _write(tmp, "s.csv", GOOD), "--text-col", "comment",
                                              "--out", str(Path(_write(tmp, "f", "x")) / "o.csv"), "-q"],
         error="f"),
    Case("out-is-a-directory", lambda tmp: ["classify", _write(tmp, "s.csv", GOOD), "--text-col", "comment",
                                            "--out", _mkdir(tmp / "taken.csv"), "-q"], error="taken.csv"),
    Case("out-same-as-input", lambda tmp: ["classify", _write(tmp, "s.csv", GOOD), "--text-col", "comment",
                                           "--out", str(tmp / "s.csv"), "-q"], error="overwrite the input"),
    Case("out-unknown-extension", lambda tmp: ["classify", _write(tmp, "s.csv", GOOD), "--text-col", "comment",
                                               "--out", str(tmp / "o.dat"), "-q"], error="unknown table format"),
    Case("out-dir-is-a-file", lambda tmp: ["analyze", _write(tmp, "s.csv", GOOD), "--text-col", "comment",
                                           "--out-dir", _write(tmp, "taken", "x"), "-q"], error="taken"),
]

# ---- formula injection


def _formulas_neutralised(tmp: Path, output: str) -> None:
    df = pd.read_csv(tmp / "out" / "classified.csv", dtype=str, keep_default_na=False)
    assert df["comment"].tolist() == ["'=cmd|' /C calc'!A0", "'@SUM(1+1)", "-5"]


FORMULAS = [
    Case("formula-injection-csv", _classify("s.csv", CSV_HEAD + "1,\"=cmd|' /C calc'!A0\",3\n2,@SUM(1+1),4\n3,-5,5\n"),
         check=_formulas_neutralised),
    Case("formula-injection-xlsx-out", lambda tmp: ["classify", _write(tmp, "s.csv", CSV_HEAD + "1,=1+2,3\n"),
                                                    "--text-col", "comment", "--out", str(tmp / "out" / "o.xlsx"),
                                                    "-q"],
         check=lambda tmp, out: _xlsx_cell_is_text(tmp / "out" / "o.xlsx")),
    # read as empty before: the comment lost without a word (tests/test_qa_inputs.py)
    Case("formula-in-xlsx-input-without-a-result", lambda tmp: _xlsx_args(tmp),
         error=r"cell B3, column 'comment': the formula =HYPERLINK\(\"http://x\"\) has no stored result"),
]


def _xlsx_cell_is_text(path: Path) -> None:
    from openpyxl import load_workbook

    ws = load_workbook(path).active
    assert ws["B2"].value == "=1+2" and ws["B2"].data_type == "s"  # a text cell: shown, never run


# ---- crash safety


def _stale_temp(tmp: Path) -> list[str]:
    out = tmp / "out"
    stale = out / ".classified.csv.abc123.tmp"
    stale.write_text("half a file from a killed run")
    os.utime(stale, (1, 1))  # untouched for decades: its run is long dead
    return ["classify", _write(tmp, "s.csv", GOOD), "--text-col", "comment", "--out", str(out / "classified.csv"),
            "-q"]


def _old_output_survives_a_failed_run(tmp: Path) -> list[str]:
    out = tmp / "out"
    (out / "classified.csv").write_text("previous result\n")
    # the second row has too many fields: the run fails after the first chunk was written
    return ["classify", _write(tmp, "s.csv", CSV_HEAD + "1,late,3\n" * 5 + "2,a,b,c,d\n"), "--text-col", "comment",
            "--out", str(out / "classified.csv"), "--chunksize", "2", "-q"]


CRASH = [
    Case("stale-temp-of-killed-run-removed", _stale_temp, check=_rows_out(3)),
    Case("failed-run-keeps-previous-output", _old_output_survives_a_failed_run, error="fields",
         check=lambda tmp, out: _previous(tmp)),
]


def _previous(tmp: Path) -> None:
    assert (tmp / "out" / "classified.csv").read_text() == "previous result\n"


# ---- survey-platform exports


SURVEYMONKEY = ("Respondent ID,Collector ID,What is the main reason for your score?\n,,Open-Ended Response\n"
                "114,431,The courier was late\n115,431,Friendly staff\n")
EXPORT_CASES = [
    Case("qualtrics-real-by-question-text", lambda tmp: ["classify", str(EXPORTS / "qualtrics_sample.csv"),
                                                         "--text-col", "This is a free text question.", "--out",
                                                         str(tmp / "out" / "classified.csv"), "-q"],
         check=_rows_out(1, column="Q2", first="Hello World!")),
    Case("qualtrics-real-by-qid", lambda tmp: ["classify", str(EXPORTS / "qualtrics_sample.csv"), "--text-col",
                                               "QID2", "--out", str(tmp / "out" / "classified.csv"), "-q"],
         check=_rows_out(1, column="Q2", first="Hello World!")),
    Case("qualtrics-legacy-real", lambda tmp: ["classify", str(EXPORTS / "qualtrics_sample_legacy.csv"),
                                               "--text-col", "Q2", "--out", str(tmp / "out" / "classified.csv"),
                                               "-q"], check=_rows_out(1, column="Q2", first="Hello World!")),
    Case("surveymonkey-two-header-rows", _classify("sm.csv", SURVEYMONKEY,
                                                   text_col="What is the main reason for your score?"),
         check=_rows_out(2, column="What is the main reason for your score?", first="The courier was late")),
    Case("skip-rows-for-other-tools", _classify("s.csv", "id,comment\nID,Your comment\n1,late\n", "--skip-rows", "1"),
         check=_rows_out(1, first="late")),
    Case("skip-rows-too-many", _classify("s.csv", GOOD, "--skip-rows", "10"), error="skip-rows"),
]

CASES = (ENCODINGS + DELIMITERS + STRUCTURE + CONTENT + SCORES + TAXONOMIES + LABELS + MODELS + OUTPUTS + FORMULAS
         + CRASH + EXPORT_CASES)


def test_the_catalogue_is_big_and_covers_every_kind():
    assert len(CASES) >= 60
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_input(case: Case, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # anything a hostile file manages to create lands here, where it is checked
    (tmp_path / "out").mkdir()
    args = case.build(tmp_path)
    result = runner.invoke(app, args)
    output = result.output
    assert "Traceback" not in output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{case.id}: {type(result.exception).__name__}: {result.exception}") from result.exception
    if case.error is None:
        assert result.exit_code == 0, output
    else:
        assert result.exit_code == case.code, output
        lines = output.strip().splitlines()
        errors = [i for i, line in enumerate(lines) if line.startswith("Error: ")]
        assert len(errors) == 1, output
        rest = lines[errors[0] + 1:]
        if case.listing:
            assert rest and all(line.startswith("  - ") for line in rest), output
        else:
            assert len(rest) <= 1, f"more than one line and a hint:\n{output}"
        assert re.search(case.error, output[output.index("Error: "):], re.S), output
    if case.check is not None:
        case.check(tmp_path, output)
    leftovers = [p for p in tmp_path.rglob("*.tmp")]
    assert not leftovers, leftovers
    assert not (tmp_path / "pwned").exists() and not (tmp_path / "pwned-by-yaml").exists()


@pytest.mark.slow
def test_kill_9_during_classify_leaves_the_previous_output(tmp_path):
    """A real SIGKILL mid-run: the old output is untouched and only a temp file is left (removed by a later
    run once it is stale, see tableio/atomic.py)."""
    import signal
    import subprocess
    import sys
    import time

    src = tmp_path / "big.csv"
    src.write_text(CSV_HEAD + "".join(f"{i},The courier was late again and support never answered {i},3\n"
                                      for i in range(200_000)), encoding="utf-8")
    out = tmp_path / "classified.csv"
    out.write_text("previous result\n")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "feedback_classifier", "classify", str(src), "--text-col",
                             "comment", "--out", str(out), "--chunksize", "5000", "-q"],
                            cwd=Path(__file__).parent.parent, env=env)
    deadline = time.time() + 120
    while not list(tmp_path.glob(".classified.csv.*.tmp")) and time.time() < deadline and proc.poll() is None:
        time.sleep(0.1)
    time.sleep(1.0)  # let it write a few chunks
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert out.read_text() == "previous result\n"
