"""analyze end to end (library and CLI), route and report commands, on a tiny in-file survey.

The classifier is a tiny model trained here in a few seconds; the CLI tests use it as the
"bundled default" by patching ``defaults.default_model``, so no test trains the real one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from feedback_classifier.cli import app
from feedback_classifier.errors import MissingColumnError
from feedback_classifier.io import read_table
from feedback_classifier.taxonomy import load_taxonomy

runner = CliRunner()

TRAIN = [
    ("The courier was late again", [("delivery", "delivery_time")]),
    ("Delivery took two weeks, too slow", [("delivery", "delivery_time")]),
    ("Parcel came late", [("delivery", "delivery_time")]),
    ("late delivery as usual", [("delivery", "delivery_time")]),
    ("Курьер опоздал на два часа", [("delivery", "delivery_time")]),
    ("Way too expensive for what it is", [("price", "too_expensive")]),
    ("Prices are too high", [("price", "too_expensive")]),
    ("expensive, found it cheaper elsewhere", [("price", "too_expensive")]),
    ("Слишком дорого", [("price", "too_expensive")]),
    ("Support agent was rude", [("service", "staff_politeness")]),
    ("rude operator on the phone", [("service", "staff_politeness")]),
    ("The staff were impolite", [("service", "staff_politeness")]),
    ("App crashes at checkout", [("digital", "bugs")]),
    ("the website keeps crashing", [("digital", "bugs")]),
    ("app bug, it freezes", [("digital", "bugs")]),
    ("Great, thanks", []),
    ("all good", []),
    ("nothing to add", []),
]

COMMENTS = [
    "Courier late",
    "way too expensive",
    "rude support staff",
    "app crashes",
    "great thanks",
    "",
    "late parcel and too expensive",
    "Курьер опоздал",
]


@pytest.fixture(scope="module")
def tiny_model():
    from feedback_classifier.model import FeedbackClassifier

    texts = [t for t, _ in TRAIN] * 2
    labels = [y for _, y in TRAIN] * 2
    return FeedbackClassifier(taxonomy=load_taxonomy("cx-default")).fit(texts, labels)


@pytest.fixture
def as_default(monkeypatch, tiny_model):
    import feedback_classifier.defaults as defaults

    monkeypatch.setattr(defaults, "default_model", lambda: tiny_model)
    return tiny_model


def survey(n: int = 80, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "response_id": [f"r{i:03d}" for i in range(n)],
            "submitted_at": pd.date_range("2024-01-01", periods=n, freq="4D").strftime("%Y-%m-%d"),
            "region": rng.choice(["North", "South"], n),
            "nps": rng.integers(0, 11, n),
            "comment": rng.choice(COMMENTS, n),
        }
    )


@pytest.fixture
def survey_csv(tmp_path):
    path = tmp_path / "survey.csv"
    survey().to_csv(path, index=False)
    return path


def test_analyze_writes_everything_and_keeps_every_row(tmp_path, survey_csv, tiny_model):
    from feedback_classifier.analyze import analyze

    res = analyze(survey_csv, text_col="comment", score_col="nps", out_dir=tmp_path / "out", model=tiny_model,
                  by="region", n_boot=100)
    enriched = read_table(res.enriched_path)
    assert len(enriched) == 80
    assert enriched["response_id"].tolist() == survey()["response_id"].tolist()
    assert {"categories", "confidence", "needs_review"} <= set(enriched.columns)
    assert res.enriched_path.suffix == ".csv" and res.drivers_path.exists() and res.report_path.exists()
    assert (tmp_path / "out" / "queues" / "logistics.csv").exists()
    assert (tmp_path / "out" / "queues" / "review.csv").exists()
    # auto-detected trend column and id column carried into the queues
    assert res.period_col == "submitted_at"
    assert any("submitted_at" in note for note in res.notes)
    assert "response_id" in read_table(res.queue_paths["Logistics"]).columns
    page = res.report_path.read_text(encoding="utf-8")
    for section in ("overview", "drivers", "categories", "segments", "routing"):
        assert f'id="{section}"' in page
    assert res.overall is not None and -100 <= res.overall.metric <= 100


def test_analyze_without_scores_still_reports(tmp_path, survey_csv, tiny_model):
    from feedback_classifier.analyze import analyze

    res = analyze(survey_csv, text_col="comment", out_dir=tmp_path / "out", model=tiny_model)
    assert res.drivers is None and res.drivers_path is None
    page = res.report_path.read_text(encoding="utf-8")
    assert 'id="categories"' in page and 'id="drivers"' not in page
    assert "--score-col" in page  # tells the user how to get drivers


def test_analyze_with_empty_score_column(tmp_path, tiny_model):
    from feedback_classifier.analyze import analyze

    df = survey(20)
    df["nps"] = ""
    path = tmp_path / "s.csv"
    df.to_csv(path, index=False)
    res = analyze(path, text_col="comment", score_col="nps", out_dir=tmp_path / "out", model=tiny_model)
    assert res.drivers is None
    assert any("No valid NPS" in note for note in res.notes)
    assert len(read_table(res.enriched_path)) == 20


def test_analyze_missing_column_is_a_clear_error(tmp_path, survey_csv, tiny_model):
    from feedback_classifier.analyze import analyze

    with pytest.raises(MissingColumnError, match="feedback"):
        analyze(survey_csv, text_col="feedback", out_dir=tmp_path / "out", model=tiny_model)


def test_majority_language_and_period_detection():
    from feedback_classifier.analyze import detect_period_column, majority_language

    assert majority_language(["Курьер опоздал", "Очень дорого", "late"]) == "ru"
    assert majority_language(["", None]) == "en"
    df = pd.DataFrame({"nps": [1, 2], "when": ["05.01.2024", "11.02.2024"], "note": ["a", "b"]})
    assert detect_period_column(df) == "when"
    assert detect_period_column(df[["nps", "note"]]) is None


def test_cli_analyze(tmp_path, survey_csv, as_default):
    out = tmp_path / "out"
    result = runner.invoke(app, ["analyze", str(survey_csv), "--text-col", "comment", "--score-col", "nps",
                                 "--out-dir", str(out), "--by", "region"])
    assert result.exit_code == 0, result.output
    assert "Rows: 80" in result.output
    assert "NPS" in result.output and "95% CI" in result.output
    assert "Top negative drivers" in result.output
    assert "Trend: using 'submitted_at'" in result.output
    assert str(out / "report.html") in result.output
    assert len(read_table(next(out.glob("*.enriched.csv")))) == 80


def test_cli_analyze_russian(tmp_path, survey_csv, as_default):
    out = tmp_path / "out"
    result = runner.invoke(app, ["analyze", str(survey_csv), "--text-col", "comment", "--score-col", "nps",
                                 "--out-dir", str(out), "--lang", "ru"])
    assert result.exit_code == 0, result.output
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "Обзор" in page and "Категории" in page
    drivers = read_table(out / "drivers.csv")
    assert "Доставка" in " ".join(drivers["category"].astype(str))


def test_cli_analyze_bad_column_exits_1(tmp_path, survey_csv, as_default):
    result = runner.invoke(app, ["analyze", str(survey_csv), "--text-col", "text", "--out-dir", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "Error:" in result.output and "text" in result.output
    assert "Traceback" not in result.output


def test_cli_route_plain_and_enriched(tmp_path, survey_csv, as_default):
    result = runner.invoke(app, ["route", str(survey_csv), "--text-col", "comment", "--score-col", "nps",
                                 "--out-dir", str(tmp_path / "q"), "--keep", "response_id,region"])
    assert result.exit_code == 0, result.output
    assert "Classified 80 rows" in result.output and "Logistics" in result.output and "review" in result.output
    queue = read_table(tmp_path / "q" / "logistics.csv")
    assert {"response_id", "region", "comment", "categories", "nps", "confidence"} <= set(queue.columns)
    scores = pd.to_numeric(queue["nps"])
    detractor = (scores <= 6).tolist()
    assert detractor == sorted(detractor, reverse=True) and any(detractor)  # detractors first

    # an already-classified file needs no model and gives the same queues
    from feedback_classifier.classify import enrich

    enriched_path = tmp_path / "enriched.xlsx"
    from feedback_classifier.io import write_table

    write_table(enrich(survey(), as_default, "comment"), enriched_path)
    result = runner.invoke(app, ["route", str(enriched_path), "--text-col", "comment", "--score-col", "nps",
                                 "--out-dir", str(tmp_path / "q2"), "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    assert "Classified" not in result.output
    again = read_table(tmp_path / "q2" / "logistics.jsonl")
    assert again["comment"].tolist() == queue["comment"].tolist()
    summary = read_table(tmp_path / "q2" / "summary.jsonl")
    assert "review" in summary["team"].tolist()


def test_cli_report_from_enriched(tmp_path, as_default):
    from feedback_classifier.classify import enrich
    from feedback_classifier.io import write_table

    path = write_table(enrich(survey(), as_default, "comment"), tmp_path / "enriched.csv")
    result = runner.invoke(app, ["report", str(path), "--text-col", "comment", "--score-col", "nps",
                                 "--out", str(tmp_path / "r.html"), "--lang", "ru", "--by", "region"])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "Что влияет на NPS" in page and 'id="segments"' in page


def test_cli_report_needs_a_classified_file(tmp_path, survey_csv):
    result = runner.invoke(app, ["report", str(survey_csv), "--text-col", "comment", "--out", str(tmp_path / "r.html")])
    assert result.exit_code == 1
    assert "categories" in result.output and "classify" in result.output
