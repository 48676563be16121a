"""Survey-platform exports fed in as downloaded: the QA defects of a CX analyst's real files.

Each test builds a small file the way a platform writes it and runs the command an analyst
would, checking that every row and value is read as written or a line says what was not.
"""

from __future__ import annotations

import warnings

import numpy as np
import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from feedback_classifier.cli import app
from feedback_classifier.errors import InputWarning
from feedback_classifier.insights.scores import ScoreSpec, parse_scores

runner = CliRunner()

_CSAT_LABELS = ["Very dissatisfied", "Dissatisfied", "Neither satisfied nor dissatisfied", "Satisfied", "Very satisfied"]


def test_csat_answer_labels_as_google_forms_and_surveymonkey_export_them_are_read_as_scale_points():
    cells = pd.Series(_CSAT_LABELS + ["Somewhat satisfied", "Очень доволен", "скорее недовольна", "", "4"], dtype="str")
    parsed = parse_scores(cells, ScoreSpec.make("csat"), column="How satisfied were you?")
    assert parsed.values[:8].tolist() == [1.0, 2.0, 3.0, 4.0, 5.0, 4.0, 5.0, 2.0]
    assert parsed.values[9] == 4.0 and parsed.issues.counts() == {"missing": 1, "non_numeric": 0, "out_of_range": 0,
                                                                  "not_integer": 0}
    assert "'Very satisfied' = 5" in parsed.issues.hint  # said, not silent
    # a "lower is better" CSAT has its best answer at the low end
    flipped = parse_scores(pd.Series(["Very satisfied", "Very dissatisfied"]), ScoreSpec.make("csat", higher_is_better=False))
    assert flipped.values.tolist() == [1.0, 5.0]


def test_labels_of_an_unknown_scale_stay_invalid_and_say_how_to_fix_it():
    spec = ScoreSpec.make("csat")
    unknown = parse_scores(pd.Series(["Excellent", "Good", "Poor"] * 5), spec, column="rating")
    assert not unknown.valid.any() and "numeric values" in unknown.issues.hint
    # one word the scale does not have: nothing is guessed
    mixed = parse_scores(pd.Series(["Very satisfied", "Satisfied", "Meh"]), spec)
    assert np.isnan(mixed.values).all()
    # Qualtrics' Q1_NPS_GROUP passed as the score: the column to pass is named
    groups = parse_scores(pd.Series(["Promoter", "Passive", "Detractor"] * 5), ScoreSpec.make("nps"), column="Q1_NPS_GROUP")
    assert not groups.valid.any() and "NPS groups, not scores" in groups.issues.hint
    # the known labels under the default score type (NPS) are not NPS points: the fix is named
    nps = parse_scores(pd.Series(_CSAT_LABELS * 3), ScoreSpec.make("nps"), column="q")
    assert not nps.valid.any() and "--score-type csat" in nps.issues.hint


def test_ces_answer_labels_of_agreement_and_of_ease_are_read_as_their_points():
    agreement = ["Strongly disagree", "Disagree", "Somewhat disagree", "Neither agree nor disagree", "Somewhat agree",
                 "Agree", "Strongly agree"]
    parsed = parse_scores(pd.Series(agreement), ScoreSpec.make("ces"), column="CES")
    assert parsed.values.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0] and "'Strongly agree' = 7" in parsed.issues.hint
    # 7 = most effort: agreeing that it was easy is the low end
    effort = parse_scores(pd.Series(["Strongly agree", "Strongly disagree"]), ScoreSpec.make("ces", higher_is_better=False))
    assert effort.values.tolist() == [1.0, 7.0]
    ease = parse_scores(pd.Series(["Very difficult", "Очень легко", "Скорее сложно"]), ScoreSpec.make("ces", "1-5"))
    assert ease.values.tolist() == [1.0, 5.0, 2.0]
    # the 7-point labels on the default 1-5 CSAT are no CSAT answers: said, with the score type that reads them
    wrong = parse_scores(pd.Series(agreement), ScoreSpec.make("csat"))
    assert not wrong.valid.any() and "a 7-point CES with --score-type ces" in wrong.issues.hint


def test_drivers_on_a_csat_column_of_answer_labels_gives_the_top_two_box_share(tmp_path):
    rows = [("The courier was late", "Very dissatisfied"), ("Too expensive", "Dissatisfied"),
            ("Support never answers", "Neither satisfied nor dissatisfied"), ("Great app", "Satisfied"),
            ("Fast delivery", "Very satisfied")] * 8
    path = tmp_path / "google_forms.csv"
    pd.DataFrame({"Timestamp": ["1/5/2024 10:22:33"] * len(rows), "Why?": [r[0] for r in rows],
                  "How satisfied were you?": [r[1] for r in rows],
                  "categories": ["Delivery", "Price", "Service", "App", "Delivery"] * 8}).to_csv(path, index=False)
    result = runner.invoke(app, ["drivers", str(path), "--score-col", "How satisfied were you?", "--score-type", "csat",
                                 "--boot", "50"])
    assert result.exit_code == 0, result.output
    assert "Read 5 answer labels as CSAT points" in " ".join(result.output.split())
    assert "CSAT (% top-2-box) 40.0%" in result.output  # 16 of 40 answers are Satisfied or Very satisfied
    assert "from 40 valid scores of 40 rows" in result.output


# --------------------------------------------------------------------------- rows above the column names


def _anketolog_csv(path):
    lines = ["Анкетолог: опрос удовлетворённости клиентов", "Выгрузка от 01.09.2024", "",
             "№ анкеты;Дата заполнения;Оценка;Комментарий", "1;07.03.2024;9;Курьер опоздал, но вежливый",
             "2;08.03.2024;8,5;Дорого", "3;09.03.2024;3;"]
    path.write_bytes("\r\n".join(lines).encode("cp1251") + b"\r\n")
    return path


def test_a_csv_with_a_title_above_the_column_names_is_read_from_its_header_with_a_warning(tmp_path):
    from feedback_classifier.tableio import read_table

    path = _anketolog_csv(tmp_path / "anketolog.csv")
    with pytest.warns(InputWarning, match=r"column names from line 4; the 3 lines above them were skipped as a title"):
        df = read_table(path)
    assert list(df.columns) == ["№ анкеты", "Дата заполнения", "Оценка", "Комментарий"]
    assert df.values.tolist() == [["1", "07.03.2024", "9", "Курьер опоздал, но вежливый"],
                                  ["2", "08.03.2024", "8,5", "Дорого"], ["3", "09.03.2024", "3", np.nan]]
    # blank lines above the header read as an empty file before
    blank = tmp_path / "blank_top.csv"
    blank.write_text("\n\nid,comment,nps\nr1,late,3\n", encoding="utf-8")
    with pytest.warns(InputWarning, match="skipped"):
        assert read_table(blank).values.tolist() == [["r1", "late", "3"]]


def test_ordinary_and_one_column_csvs_keep_their_first_line_as_the_header(tmp_path):
    from feedback_classifier.tableio import read_table

    one = tmp_path / "one.csv"
    one.write_text("comment\nlate\nslow, dear, bad\nok\n", encoding="utf-8")
    # comments with unquoted commas under a one-word header are no table under a title
    free = tmp_path / "free.csv"
    free.write_text("comment\nlate, slow, bad\nno, never, again\nok\ntoo dear, sadly\nfine\n", encoding="utf-8")
    plain = tmp_path / "plain.csv"
    plain.write_text("id,comment\n1,late\n", encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error", InputWarning)
        assert read_table(one)["comment"].tolist() == ["late", "slow, dear, bad", "ok"]
        assert list(read_table(plain).columns) == ["id", "comment"]
        assert read_table(free)["comment"].tolist()[:2] == ["late, slow, bad", "no, never, again"]
        # (the case of test_hostile_inputs: one comment with two commas under its header)
        few = tmp_path / "few.csv"
        few.write_text("comment\nslow, expensive, rude\nawful, late, broken\n", encoding="utf-8")
        assert read_table(few)["comment"].tolist() == ["slow, expensive, rude", "awful, late, broken"]


def _report_workbook(path, *, summary_first=True):
    wb = openpyxl.Workbook()
    if summary_first:
        wb.active.title = "Summary"
        wb.active.append(["Customer feedback — summary"])
        ws = wb.create_sheet("Responses")
    else:
        ws = wb.active
    ws["A1"] = "Customer Feedback Export"
    ws.merge_cells("A1:D1")
    ws["A2"] = "Generated 2024-09-01"
    ws.append([])
    ws.append(["Survey ID", "Response Date", "Likelihood to Recommend", "Comments"])
    ws.append([900001, None, 3, "The courier was late"])
    ws.append([900002, None, 10, "Great app"])
    ws["B5"].value = 45358.5
    wb.save(path)
    return path


def test_a_workbook_report_with_a_title_and_blank_rows_above_the_header_is_read_from_the_header(tmp_path):
    from feedback_classifier.tableio import read_table

    path = _report_workbook(tmp_path / "medallia.xlsx", summary_first=False)
    with pytest.warns(InputWarning, match=r"sheet 'Sheet': read the column names from row 4; the 3 rows above"):
        df = read_table(path)
    assert list(df.columns) == ["Survey ID", "Response Date", "Likelihood to Recommend", "Comments"]
    assert df["Comments"].tolist() == ["The courier was late", "Great app"]
    assert df["Likelihood to Recommend"].tolist() == ["3", "10"]


def test_classify_a_report_workbook_points_at_its_responses_sheet_and_reads_it(tmp_path):
    path = _report_workbook(tmp_path / "medallia.xlsx")
    result = runner.invoke(app, ["classify", str(path), "--text-col", "Comments", "--out", str(tmp_path / "o.csv"),
                                 "--tone-teacher", "none"])
    assert result.exit_code == 1
    assert "Sheet 'Responses' has it: pass --sheet 'Responses'" in " ".join(result.output.split())
    result = runner.invoke(app, ["classify", str(path), "--sheet", "Responses", "--text-col", "Comments",
                                 "--out", str(tmp_path / "o.csv"), "--tone-teacher", "none"])
    assert result.exit_code == 0, result.output
    out = pd.read_csv(tmp_path / "o.csv", encoding="utf-8-sig", dtype=str)
    assert out["Comments"].tolist() == ["The courier was late", "Great app"] and len(out) == 2
    assert "read the column names from row 4" in " ".join(result.output.split())


def test_a_totals_row_under_a_workbooks_responses_is_not_counted_as_a_respondent(tmp_path):
    path = tmp_path / "medallia.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Responses"
    ws.append(["Survey ID", "Region", "Rating", "Comments"])
    for i, (rating, comment) in enumerate([(2, "Courier was late"), (5, "Great app"), (4, "Fine"), (1, "Too expensive")]):
        ws.append([900001 + i, "EU", rating, comment])
    ws.append(["Total", None, 3, 4])  # a report's =AVERAGE() and =COUNTA() results
    wb.save(path)
    from feedback_classifier.tableio import read_table

    with pytest.warns(InputWarning, match=r"the last row \(row 6: 'Total', 3, 4\) is a totals row, not a response"):
        assert read_table(path)["Survey ID"].tolist() == ["900001", "900002", "900003", "900004"]
    classified = tmp_path / "classified.xlsx"  # (categories given: drivers needs no model)
    wb = openpyxl.load_workbook(path)
    for row, category in zip(wb.active.iter_rows(), ["categories", "Delivery", "App", "", "Price"]):
        row[-1].offset(column=1).value = category or None
    wb.save(classified)
    result = runner.invoke(app, ["drivers", str(classified), "--score-col", "Rating", "--score-type", "mean",
                                 "--scale", "1-5", "--boot", "50"])
    assert result.exit_code == 0, result.output
    # the mean of the 4 responses, not of 5 rows with the report's average as one more score
    assert "mean score 3.0" in result.output and "from 4 valid scores of 4 rows" in result.output

    assert "is a totals row, not a response" in " ".join(result.output.split())
    # a last response whose first cell happens to say "Total" has text in it: it stays
    plain = tmp_path / "plain.xlsx"
    wb = openpyxl.Workbook()
    for row in (["comment", "nps"], ["late", 3], ["Total mess", 1], ["Total", "never again"]):
        wb.active.append(row)
    wb.save(plain)
    with warnings.catch_warnings():
        warnings.simplefilter("error", InputWarning)
        assert len(read_table(plain)) == 3


def test_a_totals_line_at_the_end_of_a_russian_excel_csv_is_not_a_score(tmp_path):
    from feedback_classifier.tableio import iter_table

    path = tmp_path / "excel.csv"
    lines = ["№;Оценка;Комментарий", "1;9;Курьер вежливый", "2;6,5;Дорого", "3;7;Долго", "Итого;7,5;", ";;", ";;"]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1251"))
    with pytest.warns(InputWarning, match=r"last row with values \(row 4: 'Итого', '7,5'\) is a totals row"):
        chunks = list(iter_table(path, chunksize=2))
    df = pd.concat(chunks, ignore_index=True)
    # the ';;' lines after it are not read either: rows of empty cells after the last response, as in a workbook
    assert df["№"].fillna("").tolist() == ["1", "2", "3"]
    classified = [lines[0] + ";categories"] + [line + ";Price" for line in lines[1:4]] + ["Итого;7,5;;"]
    (tmp_path / "classified.csv").write_bytes(("\r\n".join(classified) + "\r\n").encode("cp1251"))
    result = runner.invoke(app, ["drivers", str(tmp_path / "classified.csv"), "--score-col", "Оценка", "--score-type",
                                 "mean", "--scale", "0-10", "--boot", "50"])
    assert result.exit_code == 0, result.output
    # the report's average is not one more respondent
    assert "mean score 7.50" in result.output and "from 3 valid scores of 3 rows" in result.output


def test_a_last_response_is_never_taken_for_a_totals_row(tmp_path):
    from feedback_classifier.tableio import read_table

    path = tmp_path / "survey.csv"
    path.write_text("comment,nps\nlate,3\nTotal,10\nTotal mess,1\n", encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error", InputWarning)
        assert read_table(path)["comment"].tolist() == ["late", "Total", "Total mess"]
    for last in ("Average", "Среднее", "Sum"):  # a whole comment: "mediocre"
        path.write_text(f"comment,csat\nlate,3\n{last},3\n", encoding="utf-8")
        with warnings.catch_warnings():
            warnings.simplefilter("error", InputWarning)
            assert read_table(path)["comment"].tolist() == ["late", last]


def test_the_warning_counts_excels_sep_line_in_the_line_of_the_column_names(tmp_path):
    from feedback_classifier.tableio import read_table

    path = tmp_path / "excel.csv"
    path.write_bytes("sep=;\r\nОтчёт\r\n\r\nid;comment;nps\r\n1;late;3\r\n".encode("cp1251"))
    with pytest.warns(InputWarning, match="read the column names from line 4"):
        assert read_table(path).values.tolist() == [["1", "late", "3"]]


def test_merged_group_headers_above_the_names_are_pointed_at_with_header_row(tmp_path):
    path = tmp_path / "export.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Respondent", None, "Scores"])
    ws.merge_cells("A1:B1")
    ws.append(["id", "comment", "nps"])
    ws.append(["r1", "The courier was late", 3])
    ws.append(["r2", "Great app", 10])
    wb.save(path)
    out = tmp_path / "o.csv"
    result = runner.invoke(app, ["classify", str(path), "--text-col", "comment", "--out", str(out), "--tone-teacher", "none"])
    assert result.exit_code == 1 and "pass --header-row 2" in " ".join(result.output.split())
    result = runner.invoke(app, ["classify", str(path), "--text-col", "comment", "--header-row", "2", "--out", str(out),
                                 "--tone-teacher", "none"])
    assert result.exit_code == 0, result.output
    assert pd.read_csv(out, encoding="utf-8-sig", dtype=str)["id"].tolist() == ["r1", "r2"]
    # a CSV's lines likewise; the row number counts the title lines already found and skipped
    csv_path = tmp_path / "export.csv"
    csv_path.write_text("Report\n\nRespondent,,Scores\nid,comment,nps\nr1,late,3\nr2,ok,9\nr3,bad,1\n", encoding="utf-8")
    result = runner.invoke(app, ["classify", str(csv_path), "--text-col", "comment", "--out", str(out),
                                 "--tone-teacher", "none"])
    assert result.exit_code == 1 and "pass --header-row 4" in " ".join(result.output.split())
    from feedback_classifier.tableio import ReadOptions

    assert ReadOptions(header_row=4).table(csv_path)["comment"].tolist() == ["late", "ok", "bad"]
    result = runner.invoke(app, ["classify", str(tmp_path / "x.jsonl"), "--text-col", "c", "--header-row", "2",
                                 "--out", str(out)])
    assert result.exit_code != 0


def test_slash_dates_that_read_either_way_say_they_were_read_month_first(tmp_path):
    from feedback_classifier.insights.periods import parse_periods

    # a UK Google Forms export of 12 days in March: read month first, it spans a year
    uk = pd.Series([f"{d:02d}/03/2024 10:05:00" for d in range(1, 13)])
    _, periods, issues = parse_periods(uk, "month")
    assert len(periods) == 12 and "could be day or month first and were read month first" in issues.hint
    us = pd.Series(["3/7/2024 17:20:58", "3/21/2024 09:00:00"])  # a day above 12 tells: nothing to say
    assert parse_periods(us, "month")[2].hint == ""
    path = tmp_path / "forms.csv"
    pd.DataFrame({"Timestamp": uk, "nps": ["3", "9"] * 6, "categories": ["Delivery", "App"] * 6}).to_csv(path, index=False)
    result = runner.invoke(app, ["drivers", str(path), "--score-col", "nps", "--boot", "20"])
    assert result.exit_code == 0, result.output
    assert "read month first (US)" in " ".join(result.output.split())


def test_the_totals_warning_counts_its_row_across_chunks(tmp_path):
    # Arrow's chunks each start their index at 0: the row was named by its place in its own chunk
    from feedback_classifier.tableio import iter_table

    path = tmp_path / "report.csv"
    path.write_text("id,comment,nps\n" + "".join(f"{i},late,{i % 10}\n" for i in range(1, 6)) + "Total,,4.5\n",
                    encoding="utf-8")
    with pytest.warns(InputWarning, match=r"\(row 6: 'Total', '4.5'\)"):
        assert sum(len(f) for f in iter_table(path, chunksize=2)) == 5


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32", "gzip"])
def test_a_totals_row_is_skipped_in_utf16_and_gzipped_csvs_too(tmp_path, encoding):
    """Excel's "Unicode text" is UTF-16 and exports are often gzipped: their end was not looked at,
    so the report's totals line counted as one more respondent there."""
    import gzip

    from feedback_classifier.tableio import iter_table

    path = tmp_path / ("report.csv.gz" if encoding == "gzip" else "report.csv")
    # over 64 kB with an odd number of bytes before the tail, so the tail's cut lands mid code unit
    body = "id\tcomment\tnps\n" + "".join(f"{i}\t{'о' * (i % 7)}late\t{i % 10}\n" for i in range(1, 4001))
    text = body + "Итого\t\t4,5\n\t\t\n"
    if encoding == "gzip":
        path.write_bytes(gzip.compress(text.encode("utf-8")))
    else:
        path.write_bytes(text.encode(encoding))
    with pytest.warns(InputWarning, match=r"\(row 4001: 'Итого', '4,5'\)"):
        chunks = list(iter_table(path, chunksize=1000))
    df = pd.concat(chunks, ignore_index=True)
    # (the blank line after it is not read either: empty rows under the last response are not responses)
    assert len(df) == 4000 and df["id"].iloc[-1] == "4000"
