"""A user's first hour with hostile-but-realistic inputs and command lines: the QA defects.

Each test runs a command through CliRunner and checks that nothing is silent and nothing is a
traceback or a boxed panel: one plain line naming the file, row, column, value and the fix.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from feedback_classifier.cli import app

runner = CliRunner()
SURVEY = pd.DataFrame({
    "id": ["r1", "r2", "r3", "r4"],
    "comment": ["The courier was late", "Too expensive", "Support never answers", "Great app, love it"],
    "nps": [3, 2, 4, 10],
})


def _lines(result) -> list[str]:
    return [line for line in result.output.splitlines() if line.strip() and not line.startswith("classified ")]


# --------------------------------------------------------------------------- usage errors

COMMANDS = [
    ["classify"], ["analyze"], ["route"], ["report"], ["drivers"], ["train"], ["evaluate"], ["suggest"],
    ["label"], ["audit"], ["taxonomy", "validate"], ["taxonomy", "show"], ["taxonomy", "infer"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_an_unknown_option_is_one_plain_line_with_exit_code_2(command):
    result = runner.invoke(app, [*command, "--no-such-option"])
    assert result.exit_code == 2
    lines = _lines(result)
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: No such option: --no-such-option")
    assert f"{' '.join(command)} --help'" in lines[0]
    assert not set("╭╮╰╯│─") & set(result.output)


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_missing_argument_is_one_plain_line_with_exit_code_2(command):
    result = runner.invoke(app, command)
    assert result.exit_code == 2
    lines = _lines(result)
    assert len(lines) == 1 and lines[0].startswith("Error: Missing "), result.output
    assert not set("╭╮╰╯│─") & set(result.output)


def test_an_unknown_command_and_a_bad_choice_are_one_plain_line(tmp_path: Path):
    unknown = runner.invoke(app, ["clasify", "x.csv"])
    assert unknown.exit_code == 2 and _lines(unknown) == [
        "Error: No such command 'clasify'. Did you mean 'classify'? Try 'feedback-classifier --help'."]
    path = tmp_path / "survey.csv"
    SURVEY.to_csv(path, index=False)
    bad = runner.invoke(app, ["route", str(path), "--text-col", "comment", "--out-dir", str(tmp_path / "q"),
                              "--encoding-errors", "ignore"])
    assert bad.exit_code == 2
    lines = _lines(bad)
    assert len(lines) == 1 and "'ignore'" in lines[0] and "--encoding-errors" in lines[0], bad.output
    assert lines[0].startswith("Error: ") and lines[0].endswith("Try 'feedback-classifier route --help'.")
    engine = runner.invoke(app, ["classify", str(path), "--text-col", "comment", "--out", str(tmp_path / "o.csv"),
                                 "--engine", "spark"])
    assert engine.exit_code == 2 and len(_lines(engine)) == 1 and "'spark' is not an engine" in engine.output


def test_help_and_no_arguments_still_show_the_help():
    assert runner.invoke(app, ["classify", "--help"]).exit_code == 0
    bare = runner.invoke(app, [])
    assert bare.exit_code == 2 and "Usage" in bare.output and "Error" not in bare.output


# --------------------------------------------------------------------------- short CSV rows

@pytest.mark.parametrize("encoding,sep", [("utf-8", ","), ("cp1251", ";")])
def test_rows_with_fewer_cells_than_the_header_are_kept_and_said(tmp_path: Path, encoding, sep):
    # some exporters trim a row's trailing empty cells: the row is kept, and the user is told
    path = tmp_path / "survey.csv"
    rows = ["id,comment,nps,region", "1,Курьер опоздал,3,north", "2,Too expensive", "3,Support never answers,4,",
            "4,\"Great app,\nlove it\",10,south", "5,ok", "", "7,fine,9,west"]
    path.write_bytes("\r\n".join(rows).replace(",", sep).encode(encoding) + b"\r\n")
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["classify", str(path), "--text-col", "comment", "--no-sentiment", "--quiet",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    warning = [line for line in _lines(result) if line.startswith("Warning:")]
    assert warning == [f"Warning: {path}: 2 rows have fewer cells than the header (first: row 2); "
                       "their missing cells were read as empty"]
    written = pd.read_csv(out, sep=sep, dtype=str, keep_default_na=False)  # the input's separator is kept
    assert written["id"].tolist() == ["1", "2", "3", "4", "5", "", "7"]
    assert written["nps"].tolist()[:2] == ["3", ""]


def test_a_well_formed_file_with_empty_last_cells_gives_no_warning(tmp_path: Path):
    path = tmp_path / "survey.csv"
    SURVEY.assign(region=["north", "", "", None]).to_csv(path, index=False, sep=";", encoding="cp1251")
    result = runner.invoke(app, ["classify", str(path), "--text-col", "comment", "--no-sentiment", "--quiet",
                                 "--out", str(tmp_path / "out.csv")])
    assert result.exit_code == 0 and "Warning" not in result.output, result.output


def test_a_short_row_warning_comes_before_the_error_line(tmp_path: Path):
    path = tmp_path / "survey.csv"
    path.write_text("id,comment,nps\n1,late,3\n2,ok\n", encoding="utf-8")
    result = runner.invoke(app, ["drivers", str(path), "--score-col", "nps", "--out", str(tmp_path / "d.csv")])
    assert result.exit_code == 1
    lines = _lines(result)
    assert lines[0].startswith(f"Warning: {path}: 1 row has fewer cells than the header (row 2); its missing")
    assert lines[-1].startswith("Error: ") and len(lines) == 2


@pytest.mark.parametrize("encoding,sep", [("utf-8", ","), ("cp1251", ";"), ("utf-8", "\t")])
def test_rows_merged_by_a_quote_left_open_are_said(tmp_path: Path, encoding, sep):
    # the quote opened in row 2 closes only in row 4: pandas and Arrow read rows 2-4 as one row
    # and the file's 5 rows as 3; the user must hear which row swallowed which lines
    path = tmp_path / "survey.csv"
    rows = ["id,comment,nps", "1,Great service,10", '2,"Delivery was late,3', "3,Support never answered,2",
            '4,"Price too high" she said,5', "5,Fine,8"]
    path.write_bytes("\n".join(rows).replace(",", sep).encode(encoding) + b"\n")
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["classify", str(path), "--text-col", "comment", "--no-sentiment", "--quiet",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    warning = [line for line in _lines(result) if line.startswith("Warning:")]
    assert len(warning) == 1, result.output
    assert f"Warning: {path}: row 2's cell in column 'comment' runs over 2 more lines that read as rows of their own" \
        in warning[0]
    assert repr("3" + sep + "Support never answered" + sep + "2") in warning[0]
    assert "quote" in warning[0]


def test_multi_line_comments_that_are_not_rows_give_no_warning(tmp_path: Path):
    # a legitimate multi-line comment, even one with commas in its lines, is not a merged row
    path = tmp_path / "survey.csv"
    path.write_text('id,comment,nps\n1,"Late again,\nrude, slow, and cold\n2, 3 times",3\n2,ok,9\n',
                    encoding="utf-8")
    result = runner.invoke(app, ["classify", str(path), "--text-col", "comment", "--no-sentiment", "--quiet",
                                 "--out", str(tmp_path / "out.csv")])
    assert result.exit_code == 0 and "Warning" not in result.output, result.output


# --------------------------------------------------------------------------- XLSX formulas without results

def _formula_workbook(path: Path, *, stored: dict[str, str] | None = None) -> Path:
    """A workbook as a script writes it (openpyxl: formulas, no results); ``stored`` puts results
    in, cell by cell, as Excel would save them (``{"D2": "6"}``; ``""`` an empty text result)."""
    import zipfile

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Responses"
    ws.append(["id", "comment", "nps", "total"])
    ws.append(["r1", "The courier was late", 3, "=C2*2"])
    ws.append(["r2", '=CONCAT("Too ","expensive")', "=4+5", "=C3*2"])
    ws.append(["r3", "Support never answers", 4, "=C4*2"])
    wb.save(path)
    if stored:
        with zipfile.ZipFile(path) as zf:
            parts = {name: zf.read(name) for name in zf.namelist()}
        xml = parts["xl/worksheets/sheet1.xml"].decode()
        for ref, value in stored.items():
            head, _, tail = xml.partition(f'<c r="{ref}">')
            formula, _, rest = tail.partition("<v />")
            kind = ' t="str"' if not value.replace(".", "").isdigit() else ""
            xml = f'{head}<c r="{ref}"{kind}>{formula}<v>{value}</v>{rest}'
        parts["xl/worksheets/sheet1.xml"] = xml.encode()
        with zipfile.ZipFile(path, "w") as zf:
            for name, data in parts.items():
                zf.writestr(name, data)
    return path


def test_a_formula_without_a_stored_result_in_the_text_column_is_one_error_line(tmp_path: Path):
    path = _formula_workbook(tmp_path / "survey.xlsx")
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["classify", str(path), "--text-col", "comment", "--no-sentiment", "--out", str(out)])
    assert result.exit_code == 1
    assert _lines(result) == [
        f"Error: {path}, sheet 'Responses', cell B3, column 'comment': the formula =CONCAT(\"Too \",\"expensive\") has "
        "no stored result, so its value cannot be read; open and save the file in Excel or LibreOffice so the "
        "results are stored, or export to CSV"], result.output
    assert not out.exists()


def test_a_formula_without_a_result_in_the_score_column_stops_drivers(tmp_path: Path):
    path = _formula_workbook(tmp_path / "survey.xlsx")
    result = runner.invoke(app, ["drivers", str(path), "--text-col", "id", "--score-col", "nps",
                                 "--out", str(tmp_path / "d.csv")])
    assert result.exit_code == 1
    [error] = _lines(result)  # the warning about the sheet's formulas would say the same again
    assert error.startswith(f"Error: {path}, sheet 'Responses', cell C3, column 'nps': the formula =4+5 has no")
    assert "open and save the file in Excel or LibreOffice" in error


def test_formulas_without_results_in_other_columns_are_kept_as_text_and_said(tmp_path: Path):
    path = _formula_workbook(tmp_path / "survey.xlsx", stored={"B3": "Too expensive", "C3": "9"})
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["classify", str(path), "--text-col", "comment", "--no-sentiment", "--quiet",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert [line for line in _lines(result) if line.startswith("Warning")] == [
        f"Warning: {path}, sheet 'Responses': 3 formula cells have no stored result and were read as their formula "
        "text: column 'total' (first: cell D2, =C2*2); open and save the file in Excel or LibreOffice so the results "
        "are stored, or export to CSV"]
    written = pd.read_json(out, lines=True, dtype=False)
    assert written["total"].tolist() == ["=C2*2", "=C3*2", "=C4*2"]
    assert written["comment"][1] == "Too expensive" and str(written["nps"][1]) == "9"


def _without_recalculation_mark(path: Path) -> Path:
    """The workbook as Excel saves it: no request to recalculate every formula on opening."""
    import zipfile

    with zipfile.ZipFile(path) as zf:
        parts = {name: zf.read(name) for name in zf.namelist()}
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(b' fullCalcOnLoad="1"', b"")
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


def test_an_xlsxwriter_placeholder_zero_is_not_read_as_a_score(tmp_path: Path):
    # XlsxWriter stores 0 as every formula's result and asks for a recalculation on opening
    path = _formula_workbook(tmp_path / "survey.xlsx", stored={"B3": "Too expensive", "C3": "0", "D2": "0",
                                                               "D3": "0", "D4": "0"})
    result = runner.invoke(app, ["drivers", str(path), "--text-col", "id", "--score-col", "nps",
                                 "--out", str(tmp_path / "d.csv")])
    assert result.exit_code == 1
    [error] = _lines(result)
    assert error.startswith(f"Error: {path}, sheet 'Responses', cell C3, column 'nps': the formula =4+5 has no")
    # saved by Excel (no recalculation mark), the same 0 is a computed result
    _without_recalculation_mark(path)
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["classify", str(path), "--text-col", "comment", "--no-sentiment", "--quiet",
                                 "--out", str(out)])
    assert result.exit_code == 0 and "Warning" not in result.output, result.output
    written = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert written["nps"][1] == "0" and written["total"].tolist() == ["0", "0", "0"]


def test_a_workbook_saved_with_its_results_reads_them_without_a_word(tmp_path: Path):
    # an empty text result (=IF(...,"",...)) is a result too
    path = _formula_workbook(tmp_path / "survey.xlsx", stored={"B3": "Too expensive", "C3": "9", "D2": "6",
                                                               "D3": "", "D4": "8"})
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["classify", str(path), "--text-col", "comment", "--no-sentiment", "--quiet",
                                 "--out", str(out)])
    assert result.exit_code == 0 and "Warning" not in result.output, result.output
    written = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert written["total"].tolist() == ["6", "", "8"]


# --------------------------------------------------------------------------- score type vs the values

def _scored(tmp_path: Path, scores: list[int]) -> Path:
    path = tmp_path / "classified.csv"
    n = len(scores)
    pd.DataFrame({"comment": (["The courier was late", "Too expensive", "Great app"] * n)[:n], "nps": scores,
                  "categories": (["Delivery and logistics", "Price and value", ""] * n)[:n]}).to_csv(path, index=False)
    return path


def test_csat_on_0_to_10_scores_suggests_nps(tmp_path: Path):
    path = _scored(tmp_path, [0, 3, 5, 7, 8, 9, 10, 4, 2, 6] * 4)
    result = runner.invoke(app, ["drivers", str(path), "--score-col", "nps", "--score-type", "csat",
                                 "--out", str(tmp_path / "d.csv")])
    assert result.exit_code == 0, result.output
    flat = " ".join(result.output.split())
    assert "The values run 0-10, like 0-10 NPS: pass --score-type nps" in flat


def test_ces_without_one_valid_score_says_the_values_look_like_nps(tmp_path: Path):
    path = _scored(tmp_path, [8, 9, 10, 9] * 5)
    result = runner.invoke(app, ["drivers", str(path), "--score-col", "nps", "--score-type", "ces",
                                 "--out", str(tmp_path / "d.csv")])
    assert result.exit_code == 1
    [line] = _lines(result)
    assert line.startswith("Error: ") and "has no valid CES score" in line
    assert "The values run 8-10, like 0-10 NPS: pass --score-type nps" in line


def test_a_few_stray_scores_get_no_scale_hint(tmp_path: Path):
    # 2 typos ('11', '-1') among 60 NPS scores are typos, not a sign of another scale
    path = _scored(tmp_path, [0, 3, 5, 7, 8, 9, 10, 4, 2, 6] * 6 + [11, -1])
    result = runner.invoke(app, ["drivers", str(path), "--score-col", "nps", "--out", str(tmp_path / "d.csv")])
    assert result.exit_code == 0, result.output
    flat = " ".join(result.output.split())
    assert "60 valid scores of 62 rows" in flat and "The values run" not in flat

def test_analyze_and_route_say_which_score_type_fits(tmp_path: Path):
    path = _scored(tmp_path, [0, 3, 5, 7, 8, 9, 10, 4, 2, 6] * 4)
    analyzed = runner.invoke(app, ["analyze", str(path), "--text-col", "comment", "--score-col", "nps",
                                   "--score-type", "csat", "--out-dir", str(tmp_path / "out"), "--quiet"])
    assert analyzed.exit_code == 0, analyzed.output
    assert "like 0-10 NPS: pass --score-type nps" in " ".join(analyzed.output.split())
    nps_on_100 = _scored(tmp_path, [0, 50, 100, 75] * 5)
    routed = runner.invoke(app, ["route", str(nps_on_100), "--text-col", "comment", "--score-col", "nps",
                                 "--out-dir", str(tmp_path / "q")])
    assert routed.exit_code == 0, routed.output
    assert "not NPS's 0-10: for another scale pass --score-type csat, ces or mean with --scale 0-100" in " ".join(
        routed.output.split())


# --------------------------------------------------------------------------- repeated, empty and clashing names

def _repeated_names(tmp_path: Path) -> Path:
    path = tmp_path / "survey.csv"
    path.write_text("id,comment,Q,Q,,nps\n1,The courier was late,a,b,x,3\n2,Too expensive,c,d,y,9\n", encoding="utf-8")
    return path


def _classify_to(path: Path, out: Path, *extra: str):
    return runner.invoke(app, ["classify", str(path), "--text-col", "comment", "--no-sentiment", "--quiet",
                               "--out", str(out), *extra])


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_csv_and_xlsx_outputs_keep_the_inputs_repeated_and_empty_column_names(tmp_path: Path, jobs):
    import openpyxl

    path = _repeated_names(tmp_path)
    result = _classify_to(path, tmp_path / "out.csv", "--jobs", jobs)
    assert result.exit_code == 0 and "Warning" not in result.output, result.output
    header = (tmp_path / "out.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.startswith("id,comment,Q,Q,,nps,categories,")
    assert _classify_to(path, tmp_path / "out.xlsx").exit_code == 0
    first = [c.value for c in next(openpyxl.load_workbook(tmp_path / "out.xlsx").active.iter_rows())]
    assert first[:7] == ["id", "comment", "Q", "Q", None, "nps", "categories"]


@pytest.mark.parametrize("ext", ["jsonl", "parquet"])
def test_jsonl_and_parquet_restore_empty_names_and_say_which_repeated_ones_they_cannot(tmp_path: Path, ext):
    from feedback_classifier.tableio import read_table

    path = _repeated_names(tmp_path)
    out = tmp_path / f"out.{ext}"
    result = _classify_to(path, out)
    assert result.exit_code == 0, result.output
    [warning] = [line for line in _lines(result) if line.startswith("Warning")]
    assert warning.startswith(f"Warning: {out}: ") and "cannot hold one column name twice" in warning
    assert "'Q.1' (named 'Q' in the input)" in warning and ".csv or .xlsx" in warning
    written = read_table(out)
    assert list(written.columns)[:6] == ["id", "comment", "Q", "Q.1", "", "nps"]
    assert written["Q.1"].tolist() == ["b", "d"] and written[""].tolist() == ["x", "y"]


def test_input_columns_named_like_the_added_ones_are_replaced_and_said(tmp_path: Path):
    path = tmp_path / "survey.csv"
    SURVEY.assign(categories=["mine"] * 4, sentiment=["pos"] * 4).to_csv(path, index=False)
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["classify", str(path), "--text-col", "comment", "--quiet", "--out", str(out)])
    assert result.exit_code == 0, result.output
    [warning] = [line for line in _lines(result) if line.startswith("Warning")]
    assert warning == (f"Warning: {path}: the input already has column(s) 'categories', 'sentiment', which classify "
                       "writes; the output has the new values in them (rename those columns in the input to keep both, "
                       "or pass --prefix (--prefix improve_) to add the new ones under other names, "
                       "or --categories-col categories to keep its categories)")
    written = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(written.columns).count("categories") == 1 and "mine" not in set(written["categories"])


# --------------------------------------------------------------------------- first-hour pass: other commands

def test_a_sheet_with_merged_group_headers_above_the_names_says_where_the_names_are(tmp_path: Path):
    import openpyxl

    path = tmp_path / "export.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Respondent", None, "Scores"])
    ws.merge_cells("A1:B1")
    ws.append(["id", "comment", "nps"])
    for row in SURVEY.itertuples(index=False):
        ws.append(list(row))
    wb.save(path)
    for args in (["route", str(path), "--text-col", "comment", "--score-col", "nps", "--out-dir", str(tmp_path / "q")],
                 ["drivers", str(path), "--score-col", "nps", "--out", str(tmp_path / "d.csv")]):
        result = runner.invoke(app, args)
        assert result.exit_code == 1
        [line] = _lines(result)
        assert "Row 1 under the header holds" in line and "one row lower" in line and "delete the row above" in line


def test_suggest_label_and_audit_take_the_reading_options_their_errors_point_to(tmp_path: Path):
    # the missing-column error says "pass --sheet 'Responses'": the labelling commands had no --sheet
    from feedback_classifier.jobs.label_app import LabelSession
    from feedback_classifier.tableio import ReadOptions

    path = tmp_path / "export.xlsx"
    labelled = SURVEY.assign(labels=["Delivery and logistics", "Price and value", "Customer service", ""] * 1)
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"survey": ["Q3 CX"]}).to_excel(writer, sheet_name="Info", index=False)
        pd.concat([labelled] * 3, ignore_index=True).to_excel(writer, sheet_name="Responses", index=False)
    missing = runner.invoke(app, ["suggest", str(path), "--text-col", "comment", "--out", str(tmp_path / "b.csv")])
    assert missing.exit_code == 1 and "pass --sheet 'Responses'" in missing.output
    suggested = runner.invoke(app, ["suggest", str(path), "--text-col", "comment", "--n", "2", "--sheet", "Responses",
                                    "--out", str(tmp_path / "b.csv")])
    assert suggested.exit_code == 0, suggested.output
    audited = runner.invoke(app, ["audit", str(path), "--text-col", "comment", "--folds", "2", "--sheet", "Responses",
                                  "--out", str(tmp_path / "a.csv")])
    assert audited.exit_code == 0, audited.output
    assert len(pd.read_csv(tmp_path / "a.csv")) == 12
    semicolons = tmp_path / "pool.txt"
    semicolons.write_bytes("id~comment\r\n1~Курьер опоздал\r\n2~Дорого\r\n".encode("cp1251"))
    session = LabelSession(semicolons, tmp_path / "labels.csv", text_col="comment",
                           read=ReadOptions(fmt="csv", encoding="cp1251", sep="~"))
    assert session.texts == ["Курьер опоздал", "Дорого"]
    helps = [runner.invoke(app, [command, "--help"]).output for command in ("suggest", "label", "audit")]
    assert all("--encoding" in h and "--sep" in h and "--sheet" in h and "--input-format" in h for h in helps)


def test_scale_ends_exported_with_their_labels_are_read_as_their_numbers(tmp_path: Path):
    # "choice text" exports label the ends of the NPS scale: left out, they dropped every 0 and 10
    path = tmp_path / "classified.csv"
    pd.DataFrame({"comment": ["The courier was late", "Too expensive", "Great app", "Support slow"] * 10,
                  "nps": ["0 - Not at all likely", "7", "10 - Extremely likely", "9"] * 10,
                  "categories": ["Delivery and logistics", "Price and value", "", "Customer service"] * 10,
                  }).to_csv(path, index=False)
    result = runner.invoke(app, ["drivers", str(path), "--score-col", "nps", "--out", str(tmp_path / "d.csv")])
    assert result.exit_code == 0, result.output
    flat = " ".join(result.output.split())
    assert "all 40 rows have a valid score" in flat and "NPS 25.0" in flat


def test_formulas_without_results_are_found_in_a_sheet_written_with_a_namespace_prefix(tmp_path: Path):
    # some .NET writers spell every element <x:c>, <x:f>, <x:v>
    import re
    import zipfile

    from feedback_classifier.tableio.xlsxformulas import uncomputed_formulas

    path = _formula_workbook(tmp_path / "survey.xlsx", stored={"D2": "6"})
    with zipfile.ZipFile(path) as zf:
        parts = {name: zf.read(name) for name in zf.namelist()}
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    xml = re.sub(r"<(/?)(?!\?)([a-zA-Z]+)", r"<\1x:\2", xml).replace('xmlns="', 'xmlns:x="')
    parts["xl/worksheets/sheet1.xml"] = xml.encode()
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    assert uncomputed_formulas(path, "xl/worksheets/sheet1.xml") == [
        (3, 2, '=CONCAT("Too ","expensive")'), (3, 3, "=4+5"), (3, 4, "=C3*2"), (4, 4, "=C4*2")]


# --------------------------------------------------------------------------- the input's separator kept

@pytest.mark.parametrize("sep, kept", [(";", ";"), ("|", "|"), (",", ","), ("\t", ",")])
def test_a_csv_copy_keeps_a_semicolon_or_pipe_separator(tmp_path: Path, sep: str, kept: str):
    # Excel splits a CSV at the locale's list separator (';' in Russia): a ';' export that came
    # back ',' separated would open as one column
    text = sep.join(["id", "comment", "nps"]) + "\n" + sep.join(["1", '"Курьер опоздал, грубил"', "3"]) + "\n"
    src = tmp_path / "survey.csv"
    src.write_bytes(text.encode("cp1251"))
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["classify", str(src), "--text-col", "comment", "--quiet", "--out", str(out)])
    assert result.exit_code == 0, result.output
    header = out.read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.split(kept)[:4] == ["id", "comment", "nps", "categories"]
    written = pd.read_csv(out, sep=kept, dtype=str)
    assert written["comment"].tolist() == ["Курьер опоздал, грубил"] and written["nps"].tolist() == ["3"]
    # other formats, and other tables than the input's copy, are as before
    result = runner.invoke(app, ["classify", str(src), "--text-col", "comment", "--quiet",
                                 "--out", str(tmp_path / "out.tsv")])
    assert (tmp_path / "out.tsv").read_text(encoding="utf-8-sig").startswith("id\tcomment\tnps\t")


def test_an_empty_text_column_says_which_columns_hold_text(tmp_path: Path):
    # the usual cause of "0 with categories, every comment empty" is the wrong --text-col
    src = tmp_path / "survey.csv"
    pd.DataFrame({"id": ["1", "2", "3"], "Q1": ["", "", ""],
                  "Q2": ["The courier was two hours late", "Too expensive for what it is", "Support never answers"],
                  "nps": ["3", "6", "2"]}).to_csv(src, index=False)
    result = runner.invoke(app, ["classify", str(src), "--text-col", "Q1", "--out", str(tmp_path / "out.csv")])
    assert result.exit_code == 0, result.output
    assert ("Every row's 'Q1' is empty, so nothing was classified: is --text-col the column with the answers? "
            "Columns with text: 'Q2'") in _lines(result), result.output
    result = runner.invoke(app, ["classify", str(src), "--text-col", "Q2", "--out", str(tmp_path / "out.csv")])
    assert "is empty" not in result.output
    result = runner.invoke(app, ["analyze", str(src), "--text-col", "Q1", "--score-col", "nps",
                                 "--out-dir", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert ("Every row's 'Q1' is empty, so nothing was classified: is --text-col the column with the answers? "
            "Columns with text: 'Q2'") in _lines(result), result.output


def test_the_drivers_table_names_csat_and_ces_bottom_boxes_not_detractors(tmp_path: Path):
    # a 1-5 rating's drivers table said "detr. rate": detractors are NPS's word
    path = _scored(tmp_path, [1, 2, 3, 4, 5] * 12)
    for score_type, header in (("csat", "dissat. rate"), ("ces", "high-effort rate"), ("nps", "detr. rate")):
        args = ["--score-type", score_type, "--scale", "1-5"] if score_type != "nps" else []
        result = runner.invoke(app, ["drivers", str(path), "--score-col", "nps", *args, "--out",
                                     str(tmp_path / f"{score_type}.csv")], terminal_width=200)
        assert result.exit_code == 0, result.output
        assert header in result.output and (score_type == "nps" or "detr." not in result.output), result.output


def test_a_few_stray_scores_in_a_reduced_table_get_no_other_scale_hint():
    # route reads scores as a table of distinct values with the rows each stands for: two typed '11'
    # among 298 valid NPS answers were 1 value in 11, and it said "pass --scale 2-11"
    import numpy as np

    from feedback_classifier.insights.scores import ScoreSpec, parse_scores

    values = pd.Series([str(v) for v in range(2, 12)])  # 2..10, then the stray 11
    few = parse_scores(values, ScoreSpec.make("nps"), column="nps", weights=np.append(np.full(9, 33.0), 2.0))
    assert few.issues.counts()["out_of_range"] == 1 and not few.issues.hint
    many = parse_scores(values, ScoreSpec.make("nps"), column="nps", weights=np.append(np.full(9, 3.0), 20.0))
    assert "pass --score-type csat, ces or mean" in many.issues.hint
    assert "pass --score-type csat" in parse_scores(values, ScoreSpec.make("nps"), column="nps").issues.hint
