"""A new user's first hour, second round: defects found by running the README's commands on a
fresh export (cp1251 CSV, XLSX, JSON Lines, odd score and date cells, tiny segments).

Each test runs a command through CliRunner on a tiny file written here and fails on the code
before its fix.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from feedback_classifier.cli import app

runner = CliRunner()


def test_trend_intervals_of_small_periods_stay_within_the_nps_range(tmp_path: Path):
    # Weekly trends of a small survey have periods of two or three scores; a t-interval of the
    # +100/0/-100 values gave NPS intervals like -320 to 254, or 100 to 100 for two promoters.
    path = tmp_path / "coded.csv"
    pd.DataFrame({
        "date": ["2026-11-02", "2026-11-03", "2026-11-04", "2026-11-10", "2026-11-11"],
        "nps": [10, 3, 0, 9, 10],
        "categories": ["Delivery and logistics", "Price and value", "", "Delivery and logistics", ""],
    }).to_csv(path, index=False)
    out = tmp_path / "drivers.csv"
    result = runner.invoke(app, ["drivers", str(path), "--score-col", "nps", "--period-col", "date",
                                 "--period", "week", "--out", str(out)])
    assert result.exit_code == 0, result.output
    trend = pd.read_csv(tmp_path / "drivers_trend.csv").drop_duplicates("period")
    assert trend["period_scored"].tolist() == [3, 2]
    assert (trend["period_ci_low"] >= -100).all() and (trend["period_ci_high"] <= 100).all(), trend
    assert (trend["period_ci_high"] - trend["period_ci_low"] > 10).all(), trend


def test_jsonl_and_parquet_outputs_keep_the_inputs_numbers_booleans_and_nested_values(tmp_path: Path):
    # Every cell is read as text; written back to a typed format, "nps": 9 came out as "9",
    # true as "True" and a nested object as a string of JSON: a silent change of the user's data.
    import json

    path = tmp_path / "export.jsonl"
    rows = [{"id": 1, "nps": 9, "vip": True, "meta": {"region": "Kazan"}, "comment": "The courier was late"},
            {"id": 2, "nps": None, "vip": False, "meta": None, "comment": "Too expensive"}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["classify", str(path), "--text-col", "comment", "--no-sentiment", "--jobs", "2",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    written = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [{k: r[k] for k in rows[0]} for r in written] == rows

    typed = tmp_path / "export.parquet"
    pd.DataFrame({"id": [1, 2], "nps": [9.5, None], "vip": [True, False], "comment": ["Late", "Dear"],
                  "at": pd.to_datetime(["2026-12-05 10:00", "2026-12-06 00:00"])}).to_parquet(typed)
    result = runner.invoke(app, ["classify", str(typed), "--text-col", "comment", "--no-sentiment",
                                 "--out", str(tmp_path / "out.parquet")])
    assert result.exit_code == 0, result.output
    back = pd.read_parquet(tmp_path / "out.parquet")
    assert back["id"].tolist() == [1, 2] and back["vip"].tolist() == [True, False]
    assert back["nps"].iloc[0] == 9.5 and pd.isna(back["nps"].iloc[1])
    assert back["at"].tolist() == list(pd.to_datetime(["2026-12-05 10:00", "2026-12-06 00:00"]))


def _error_line(result) -> str:
    """The one error line of a failed command (no traceback)."""
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit), result.exception  # CliRunner keeps an uncaught error here
    lines = [line for line in result.output.splitlines() if line.strip() and not line.startswith("Warning:")]
    assert len(lines) == 1, result.output
    return lines[0]


def test_train_on_one_labelled_row_or_one_group_is_one_error_line_with_the_fix(tmp_path: Path):
    # A first try on a tiny file: cross-validation could not split it and the user got a traceback.
    one = tmp_path / "one.csv"
    pd.DataFrame({"text": ["The courier was late"], "labels": ["Delivery"]}).to_csv(one, index=False)
    result = runner.invoke(app, ["train", str(one), "--text-col", "text", "--labels-col", "labels",
                                 "--out", str(tmp_path / "m.fcmodel")])
    line = _error_line(result)
    assert str(one) in line and "2 rows" in line and "--cv 0" in line
    assert not (tmp_path / "m.fcmodel").exists()
    result = runner.invoke(app, ["train", str(one), "--text-col", "text", "--labels-col", "labels", "--cv", "0",
                                 "--out", str(tmp_path / "m.fcmodel")])
    assert result.exit_code == 0, result.output

    grouped = tmp_path / "grouped.csv"
    pd.DataFrame({"text": ["The courier was late", "Too expensive", "Rude staff"],
                  "labels": ["Delivery", "Price", "Service"], "customer": ["c1"] * 3}).to_csv(grouped, index=False)
    result = runner.invoke(app, ["train", str(grouped), "--text-col", "text", "--labels-col", "labels",
                                 "--group-col", "customer", "--out", str(tmp_path / "g.fcmodel")])
    line = _error_line(result)
    assert str(grouped) in line and "'customer'" in line and "'c1'" in line and "--group-col" in line


def test_excel_serial_dates_in_a_csv_are_read_as_dates_for_the_trend(tmp_path: Path):
    # A date column saved to CSV without its date format holds Excel's day numbers (46000 =
    # 2025-12-09); they were all "not a date", so the trend of such a file was empty.
    path = tmp_path / "coded.csv"
    pd.DataFrame({
        "answered": ["46000", "46001.5", "05.01.2026", "2026-01-20", "12345", "soon"],
        "nps": [3, 9, 10, 2, 8, 7],
        "categories": ["Delivery and logistics", "", "Price and value", "", "", ""],
    }).to_csv(path, index=False)
    result = runner.invoke(app, ["drivers", str(path), "--score-col", "nps", "--period-col", "answered",
                                 "--out", str(tmp_path / "drivers.csv")])
    assert result.exit_code == 0, result.output
    trend = pd.read_csv(tmp_path / "drivers_trend.csv").drop_duplicates("period")
    assert trend["period"].tolist() == ["2025-12", "2026-01"]
    assert trend["period_rows"].tolist() == [2, 2]
    # a number far from today's dates is still not taken for one, and is said with its row
    assert "2 not a date (rows 5, 6: '12345', 'soon')" in " ".join(result.output.split())


def test_an_nps_interval_always_holds_the_nps_it_is_given_with(tmp_path: Path):
    # The adjusted-Wald centre is pulled toward 0: one detractor printed "NPS -100.0 (95% CI -98.5
    # to 48.5)", and a one-row segment of the report the same: an interval that misses its own number.
    path = tmp_path / "coded.csv"
    pd.DataFrame({"categories": ["Delivery and logistics", "Price and value", ""], "nps": [3, 10, 9],
                  "region": ["Samara", "Kazan", "Kazan"]}).to_csv(path, index=False)
    result = runner.invoke(app, ["drivers", str(path), "--score-col", "nps", "--by", "region",
                                 "--out", str(tmp_path / "drivers.csv")])
    assert result.exit_code == 0, result.output
    one = tmp_path / "one.csv"
    pd.read_csv(path).head(1).to_csv(one, index=False)
    result = runner.invoke(app, ["drivers", str(one), "--score-col", "nps", "--out", str(tmp_path / "d1.csv")])
    assert result.exit_code == 0, result.output
    assert "NPS -100.0 (95% CI -100.0 to 48.5)" in result.output
    report = tmp_path / "report.html"
    result = runner.invoke(app, ["report", str(path), "--text-col", "categories", "--score-col", "nps",
                                 "--by", "region", "--out", str(report)])
    assert result.exit_code == 0, result.output
    html = report.read_text(encoding="utf-8")
    assert "−100 … 48" in html  # Samara: one detractor


def test_evaluate_on_a_column_without_labels_says_so_instead_of_scoring_zero(tmp_path: Path):
    # A wrong --labels-col (or a holdout not labelled yet) printed micro-F1 0.000 for every level:
    # a model that looks useless, when there was nothing to compare it with.
    labelled = tmp_path / "labelled.csv"
    pd.DataFrame({"text": ["The courier was late", "Too expensive", "late again", "so pricey"],
                  "labels": ["Delivery", "Price", "Delivery", "Price"], "notes": ""}).to_csv(labelled, index=False)
    model = tmp_path / "m.fcmodel"
    result = runner.invoke(app, ["train", str(labelled), "--text-col", "text", "--labels-col", "labels",
                                 "--cv", "0", "--out", str(model)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["evaluate", str(labelled), "--model", str(model), "--text-col", "text",
                                 "--labels-col", "notes"])
    line = _error_line(result)
    assert str(labelled) in line and "'notes'" in line and "--labels-col" in line


def test_xlsx_output_keeps_the_inputs_date_and_boolean_cells(tmp_path: Path):
    # Read as text, an Excel date came back as the text '2026-12-05 10:30:00' (Excel's date filters and
    # sorting no longer see a date) and TRUE as the text 'True'.
    import datetime as dt

    from openpyxl import Workbook, load_workbook

    path = tmp_path / "export.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.append(["answered", "vip", "nps", "comment"])
    ws.append([dt.datetime(2026, 12, 5, 10, 30), True, 9, "The courier was late"])
    ws.append([dt.datetime(2026, 12, 6), False, 3, "Too expensive"])
    wb.save(path)
    out = tmp_path / "classified.xlsx"
    result = runner.invoke(app, ["classify", str(path), "--text-col", "comment", "--no-sentiment", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(load_workbook(out).active.iter_rows(min_row=2, max_col=3, values_only=True))
    assert rows == [(dt.datetime(2026, 12, 5, 10, 30), True, 9), (dt.datetime(2026, 12, 6), False, 3)]


def test_a_date_named_column_with_a_few_odd_dates_still_gives_the_trend(tmp_path: Path):
    # One odd cell in eight ('46000', a date Excel saved without its format) made the 'дата' column
    # "not dates" (90% needed), and the report's trend disappeared without a word.
    path = tmp_path / "coded.csv"
    pd.DataFrame({
        "дата": ["05.11.2026", "06.11.2026", "2026-11-20", "46000", "01.12.2026", "03.12.2026", "2026-12-05", "7.12.2026"],
        "nps": [9, 3, 10, 6, 8, 2, 10, 9],
        "categories": ["Delivery and logistics", "Price and value", "", "", "Delivery and logistics", "", "", ""],
    }).to_csv(path, index=False)
    report = tmp_path / "report.html"
    result = runner.invoke(app, ["report", str(path), "--text-col", "categories", "--score-col", "nps",
                                 "--out", str(report)])
    assert result.exit_code == 0, result.output
    assert "Trend: using 'дата' as the date column" in result.output
    html = report.read_text(encoding="utf-8")
    assert "2026-11" in html and "2026-12" in html


def test_a_damaged_model_file_is_one_error_line(tmp_path: Path):
    # A flipped byte in an array's .npy header made numpy's three-line message part of the error:
    # a "one-line" error over three lines (tests/test_fuzz.py found it with a saved example).
    import hashlib
    import json

    from feedback_classifier.model.estimator import FeedbackClassifier
    from feedback_classifier.model.persist import MAGIC, read_model_metadata, save_model
    from feedback_classifier.taxonomy import Taxonomy

    tax = Taxonomy.from_dict({"name": "fuzz", "categories": [{"id": "delivery", "names": {"en": "Delivery"}},
                                                             {"id": "price", "names": {"en": "Price"}}]})
    texts = ["late courier", "parcel late again", "too expensive", "price is high"] * 3
    labels = [[("delivery", None)], [("delivery", None)], [("price", None)], [("price", None)]] * 3
    saved = save_model(FeedbackClassifier(taxonomy=tax, cv=2).fit(texts, labels), tmp_path / "m.fcmodel")
    payload = bytearray(saved.read_bytes().split(b"\n", 2)[2])
    payload[167] ^= 1
    header = read_model_metadata(saved)
    header.update(payload_bytes=len(payload), payload_sha256=hashlib.sha256(payload).hexdigest())
    forged = tmp_path / "forged.fcmodel"
    forged.write_bytes(MAGIC + json.dumps(header).encode() + b"\n" + bytes(payload))
    survey = tmp_path / "survey.csv"
    pd.DataFrame({"comment": ["late courier"]}).to_csv(survey, index=False)
    result = runner.invoke(app, ["classify", str(survey), "--text-col", "comment", "--model", str(forged),
                                 "--out", str(tmp_path / "out.csv")])
    line = _error_line(result)
    assert str(forged) in line and "refused" in line
