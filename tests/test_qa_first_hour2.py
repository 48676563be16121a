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
