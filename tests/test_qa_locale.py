"""A Russian/European analyst on Windows with Excel in a non-English locale: defects found by running
the commands on files as such an Excel saves them (cp1251 or UTF-16 text, ";" or tab between cells,
decimal commas, dd.mm.yyyy dates, day numbers of cells saved without their date format).

Each test runs a command through CliRunner on a tiny file written here and fails on the code
before its fix.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from feedback_classifier.cli import app

runner = CliRunner()

_CATS = ["Delivery and logistics", "Price and value", "", ""]


def _coded(path: Path, dates: list[str]) -> Path:
    lines = ["id;Дата;nps;categories"]
    lines += [f"{i:05d};{d};{i % 11};{_CATS[i % 4]}" for i, d in enumerate(dates)]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1251"))
    return path


def test_a_date_column_of_excel_day_numbers_is_found_for_the_trend(tmp_path: Path):
    # A 'Дата' column saved to CSV without its date format holds Excel's day numbers only; read
    # when named by --period-col, but never detected: the trend was left out without a word.
    path = _coded(tmp_path / "опрос.csv", [str(46000 + 3 * i) for i in range(30)])
    result = runner.invoke(app, ["drivers", str(path), "--score-col", "nps", "--out", str(tmp_path / "d.csv")])
    assert result.exit_code == 0, result.output
    assert "Trend: using 'Дата' as the date column" in result.output
    trend = pd.read_csv(tmp_path / "d_trend.csv", sep=";").drop_duplicates("period")
    assert trend["period"].tolist() == ["2025-12", "2026-01", "2026-02", "2026-03"]


def test_a_number_column_without_a_date_name_is_still_not_taken_for_dates(tmp_path: Path):
    # ids and amounts of five digits are not dates unless the column's name says so
    path = tmp_path / "coded.csv"
    pd.DataFrame({"order": [46000 + i for i in range(30)], "nps": [i % 11 for i in range(30)],
                  "categories": [_CATS[i % 4] for i in range(30)]}).to_csv(path, index=False)
    result = runner.invoke(app, ["drivers", str(path), "--score-col", "nps", "--out", str(tmp_path / "d.csv")])
    assert result.exit_code == 0, result.output
    assert "Trend:" not in result.output and not (tmp_path / "d_trend.csv").exists()


def test_excel_day_numbers_with_a_decimal_comma_are_dates(tmp_path: Path):
    # A Russian Excel saves a date and time without its format as '46000,58333' (its decimal
    # comma): every row was "not a date", so the trend was empty.
    path = _coded(tmp_path / "опрос.csv", [f"{46000 + 3 * i},58333" for i in range(30)])
    result = runner.invoke(app, ["drivers", str(path), "--score-col", "nps", "--period-col", "Дата",
                                 "--out", str(tmp_path / "d.csv")])
    assert result.exit_code == 0, result.output
    assert "all 30 rows have a valid date" in result.output
    trend = pd.read_csv(tmp_path / "d_trend.csv", sep=";").drop_duplicates("period")
    assert trend["period"].tolist() == ["2025-12", "2026-01", "2026-02", "2026-03"]
    assert trend["period_rows"].sum() == 30


def _unicode_text(path: Path, scores: list[str]) -> Path:
    # Excel's "Unicode text": UTF-16 with a BOM, tabs between cells, numbers as the locale shows them
    lines = ["id\tnps\tcategories"] + [f"{i:03d}\t{s}\t{_CATS[i % 4]}" for i, s in enumerate(scores)]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-16"))
    return path


def test_a_csv_copy_of_a_decimal_comma_unicode_text_export_opens_in_that_excel(tmp_path: Path):
    # Its CSV outputs were ',' separated with '0.97' decimals: Excel in a decimal-comma locale
    # (Russia, most of Europe) splits a CSV at ';' and opened them as one column.
    path = _unicode_text(tmp_path / "опрос.txt", ["8,5", "4,0", "10", "7,5"] * 8)
    out = tmp_path / "drivers.csv"
    result = runner.invoke(app, ["drivers", str(path), "--score-col", "nps", "--score-type", "mean",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    header, first = out.read_text(encoding="utf-8-sig").splitlines()[:2]
    assert header.startswith("level;rank;category;")
    assert "," in first.split(";")[6]  # the share, with the locale's decimal comma


def test_a_unicode_text_export_with_decimal_points_still_gets_commas(tmp_path: Path):
    path = _unicode_text(tmp_path / "survey.txt", ["8.5", "4.0", "10", "7.5"] * 8)
    out = tmp_path / "drivers.csv"
    result = runner.invoke(app, ["drivers", str(path), "--score-col", "nps", "--score-type", "mean",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8-sig").startswith("level,rank,category,")


def test_excel_month_name_formats_are_read_as_their_dates(tmp_path: Path):
    # Excel's "mmm-yy" cell saved to CSV: 'Dec-26' was read by pandas as 26 December of the year 1,
    # which wrapped round to 1755 (a trend from 1754 to 1755); a Russian Excel's 'дек.26' and
    # '07.дек.26' were "not a date".
    dates = ["Dec-26", "Jan-27", "дек.26", "07.дек.26", "7-Dec-2026", "14.янв.2027"] * 5
    path = _coded(tmp_path / "опрос.csv", dates)
    result = runner.invoke(app, ["drivers", str(path), "--score-col", "nps", "--out", str(tmp_path / "d.csv")])
    assert result.exit_code == 0, result.output
    assert "Trend: using 'Дата' as the date column" in result.output
    assert "all 30 rows have a valid date" in result.output
    trend = pd.read_csv(tmp_path / "d_trend.csv", sep=";").drop_duplicates("period")
    assert trend["period"].tolist() == ["2026-12", "2027-01"]
    assert trend["period_rows"].tolist() == [20, 10]


def test_a_date_no_timestamp_can_hold_is_not_a_date_rather_than_another_century(tmp_path: Path):
    path = _coded(tmp_path / "опрос.csv", ["0001-01-05"] + ["05.12.2026"] * 9)
    result = runner.invoke(app, ["drivers", str(path), "--score-col", "nps", "--period-col", "Дата",
                                 "--out", str(tmp_path / "d.csv")])
    assert result.exit_code == 0, result.output
    assert "1 not a date (row 1: '0001-01-05')" in " ".join(result.output.split())
    trend = pd.read_csv(tmp_path / "d_trend.csv", sep=";").drop_duplicates("period")
    assert trend["period"].tolist() == ["2026-12"]


def test_an_xlsx_copy_of_a_decimal_comma_csv_has_its_scores_as_numbers(tmp_path: Path):
    # '8,5' was written as a text cell next to '10' as a number cell: Excel's AVERAGE and pivot
    # tables over the score column skipped every decimal score without a sign.
    import openpyxl

    lines = ["id;Дата;Оценка;categories"] + [f"{i:05d};05.12.2026;{s};{_CATS[i % 4]}"
                                             for i, s in enumerate(["8,5", "4,0", "10", "7"] * 8)]
    path = tmp_path / "опрос.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1251"))
    out = tmp_path / "опрос.enriched.xlsx"
    from feedback_classifier.tableio import TableWriter, read_table

    with TableWriter(out) as writer:  # as classify, route and analyze write an XLSX copy
        writer.write(read_table(path))
    ws = openpyxl.load_workbook(out).active
    assert [c.value for c in ws["C"][1:5]] == [8.5, 4, 10, 7]
    assert [c.value for c in ws["A"][1:3]] == ["00000", "00001"]  # ids stay text


def test_text_scores_with_a_decimal_comma_beside_number_cells_are_read(tmp_path: Path):
    # A workbook's score column of number cells (read as '8.5') and cells stored as text in a
    # decimal-comma Excel ('3,0'): the text ones were "not a number" (dot decimals in the column),
    # so every 3 was left out and the mean read 9.13 instead of 7.70.
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["id", "Оценка", "categories"])
    for i in range(20):
        ws.append([f"{i:04d}", [8.5, "9", 10, "3,0"][i % 4], _CATS[i % 4]])
    path = tmp_path / "опрос.xlsx"
    wb.save(path)
    result = runner.invoke(app, ["drivers", str(path), "--score-col", "Оценка", "--score-type", "mean",
                                 "--out", str(tmp_path / "d.csv")])
    assert result.exit_code == 0, result.output
    assert "all 20 rows have a valid score" in result.output
    assert "mean score 7.62" in result.output


def test_a_comma_that_could_be_thousands_beside_dot_decimals_is_still_not_guessed():
    from feedback_classifier.insights.scores import ScoreSpec, parse_scores

    parsed = parse_scores(pd.Series(["8.5", "1,234", "3,0"]), ScoreSpec.make("mean", "0-10000"), column="x")
    assert parsed.values[0] == 8.5 and parsed.values[2] == 3.0
    assert parsed.issues.counts()["non_numeric"] == 1


def test_a_title_row_excel_padded_with_separators_is_skipped(tmp_path: Path):
    # Excel saves a sheet with a title in A1 above a 4-column table as 'Отчёт по опросу;;;': the
    # padded title was taken for the header (an error naming --header-row), an unpadded one was skipped.
    lines = ["sep=;", "Отчёт по опросу;;;", "Выгружено 07.12.2026 14:05;;;", ";;;", "id;Дата;Оценка;categories"]
    lines += [f"{i:04d};{i % 28 + 1:02d}.12.2026;{['8,5', '4', '10'][i % 3]};{_CATS[i % 4]}" for i in range(30)]
    path = tmp_path / "опрос.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1251"))
    result = runner.invoke(app, ["drivers", str(path), "--score-col", "Оценка", "--score-type", "mean",
                                 "--out", str(tmp_path / "d.csv")])
    assert result.exit_code == 0, result.output
    assert "the 3 lines above them were skipped as a title" in " ".join(result.output.split())
    assert "from 30 valid scores of 30 rows" in result.output


def test_slash_dates_of_a_semicolon_csv_with_nothing_to_tell_are_day_first(tmp_path: Path):
    # A French, Spanish or Italian Excel writes ';' between cells and dates day first ('01/10/2026'
    # is 1 October); a week's export with no day above 12 was read month first: three months of
    # answers spread over January to December. No month-first locale's Excel writes ';'.
    dates = [f"{d:02d}/{m:02d}/2026" for m in (10, 11, 12) for d in range(1, 13)]
    path = _coded(tmp_path / "enquête.csv", dates)
    result = runner.invoke(app, ["drivers", str(path), "--score-col", "nps", "--out", str(tmp_path / "d.csv")])
    assert result.exit_code == 0, result.output
    assert "were read day first (the file is ';' separated" in " ".join(result.output.split())
    trend = pd.read_csv(tmp_path / "d_trend.csv", sep=";").drop_duplicates("period")
    assert trend["period"].tolist() == ["2026-10", "2026-11", "2026-12"]
    report = tmp_path / "report.html"
    result = runner.invoke(app, ["report", str(path), "--text-col", "categories", "--score-col", "nps",
                                 "--out", str(report)])
    assert result.exit_code == 0, result.output
    html = report.read_text(encoding="utf-8")
    assert "2026-10" in html and "2026-01" not in html


def test_slash_dates_of_a_comma_csv_are_still_month_first():
    from feedback_classifier.insights.periods import parse_periods

    _, periods, issues = parse_periods(pd.Series(["01/10/2026", "02/11/2026"]), "month")
    assert [str(p) for p in periods] == ["2026-01", "2026-02"] and "read month first (US)" in issues.hint
    _, periods, _ = parse_periods(pd.Series(["01/10/2026", "02/11/2026", "03/25/2026"]), "month", dayfirst=True)
    assert [str(p) for p in periods] == ["2026-01", "2026-02", "2026-03"]  # the dates' own evidence wins
