"""analyze end to end (library and CLI), route and report commands, on a tiny in-file survey.

The classifier is a tiny model trained here in a few seconds; the CLI tests use it as the
"bundled default" by patching ``defaults.default_model``, so no test trains the real one.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from feedback_classifier.cli import app
from feedback_classifier.errors import MissingColumnError
from feedback_classifier.tableio import read_table
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
    from feedback_classifier.model.estimator import FeedbackClassifier

    texts = [t for t, _ in TRAIN] * 2
    labels = [y for _, y in TRAIN] * 2
    return FeedbackClassifier(taxonomy=load_taxonomy("cx-default")).fit(texts, labels)


@pytest.fixture
def as_default(monkeypatch, tiny_model):
    import feedback_classifier.model.default as defaults

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
    from feedback_classifier.jobs.analyze import analyze

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
    from feedback_classifier.jobs.analyze import analyze

    res = analyze(survey_csv, text_col="comment", out_dir=tmp_path / "out", model=tiny_model)
    assert res.drivers is None and res.drivers_path is None
    page = res.report_path.read_text(encoding="utf-8")
    assert 'id="categories"' in page and 'id="drivers"' not in page
    assert "--score-col" in page  # tells the user how to get drivers


def test_analyze_with_empty_score_column(tmp_path, tiny_model):
    from feedback_classifier.jobs.analyze import analyze

    df = survey(20)
    df["nps"] = ""
    path = tmp_path / "s.csv"
    df.to_csv(path, index=False)
    res = analyze(path, text_col="comment", score_col="nps", out_dir=tmp_path / "out", model=tiny_model)
    assert res.drivers is None
    assert any("No valid NPS" in note for note in res.notes)
    assert len(read_table(res.enriched_path)) == 20


def test_analyze_missing_column_is_a_clear_error(tmp_path, survey_csv, tiny_model):
    from feedback_classifier.jobs.analyze import analyze

    with pytest.raises(MissingColumnError, match="feedback"):
        analyze(survey_csv, text_col="feedback", out_dir=tmp_path / "out", model=tiny_model)


def test_majority_language_and_period_detection():
    from feedback_classifier.insights.periods import detect_period_column
    from feedback_classifier.lang import majority_language

    assert majority_language(["Курьер опоздал", "Очень дорого", "late"]) == "ru"
    assert majority_language(["", None]) == "en"
    df = pd.DataFrame({"nps": [1, 2], "when": ["05.01.2024", "11.02.2024"], "note": ["a", "b"]})
    assert detect_period_column(df) == "when"
    assert detect_period_column(df[["nps", "note"]]) is None


def test_cli_analyze_and_report_without_scores_promise_no_trend(tmp_path, survey_csv, as_default):
    # the trend is the score over time: without a score column the report has none, yet analyze said
    # "Trend: using 'submitted_at' as the date column", and a --period-col the user named (Twitter
    # airline tweets' tweet_created) was dropped without a word, in analyze and in report alike
    base = ["--text-col", "comment", "--lang", "en"]
    result = runner.invoke(app, ["analyze", str(survey_csv), *base, "--out-dir", str(tmp_path / "a")])
    assert result.exit_code == 0, result.output
    assert "Trend: using" not in result.output and "Trend" not in (tmp_path / "a" / "report.html").read_text()
    named = ["--period-col", "submitted_at"]
    result = runner.invoke(app, ["analyze", str(survey_csv), *base, *named, "--out-dir", str(tmp_path / "b")])
    assert result.exit_code == 0, result.output
    assert "Trend: none without a score column (--period-col 'submitted_at' is not used" in result.output
    enriched = next((tmp_path / "b").glob("*.enriched.csv"))
    result = runner.invoke(app, ["report", str(enriched), *base, *named, "--out", str(tmp_path / "r.html")])
    assert result.exit_code == 0, result.output
    assert "Trend: none without a score column (--period-col 'submitted_at' is not used" in result.output


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
    # the queue files it lists are the ones written (junk.csv was left out of the line)
    written = {p.stem for p in (out / "queues").iterdir()}
    assert {"review", "junk", "summary"} <= written
    assert f"({len(written) - 3} teams + review + junk + summary)" in result.output


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
    from feedback_classifier.model.enrichment import enrich

    enriched_path = tmp_path / "enriched.xlsx"
    from feedback_classifier.tableio import write_table

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
    from feedback_classifier.model.enrichment import enrich
    from feedback_classifier.tableio import write_table

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


# ---- streaming: results do not depend on the chunk size and equal the in-memory pipeline ------



def _report_text(path):
    """The report without its generation time and embedded chart images."""
    page = path.read_text(encoding="utf-8")
    page = re.sub(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", "<time>", page)
    return re.sub(r'src="data:[^"]*"', 'src=""', page)


def _messy_survey(n=120):
    df = survey(n, seed=3)
    df["nps"] = df["nps"].astype(str)
    df.loc[[2, 40, 77], "nps"] = ["", "x", "11"]
    df.loc[[5, 60], "submitted_at"] = ["", "someday"]
    return df


def test_analyze_results_do_not_depend_on_chunksize_or_jobs(tmp_path, tiny_model):
    from feedback_classifier.jobs.analyze import analyze

    path = tmp_path / "survey.csv"
    _messy_survey().to_csv(path, index=False)
    runs = {}
    for name, kw in {"one": dict(chunksize=10_000), "small": dict(chunksize=7),
                     "jobs": dict(chunksize=25, jobs=2)}.items():
        runs[name] = analyze(path, text_col="comment", score_col="nps", out_dir=tmp_path / name, model=tiny_model,
                             by="region", n_boot=100, **kw)
    ref = runs["one"]
    for name, res in runs.items():
        assert res.enriched_path.read_bytes() == ref.enriched_path.read_bytes(), name
        assert res.drivers_path.read_bytes() == ref.drivers_path.read_bytes(), name
        assert set(res.queue_paths) == set(ref.queue_paths)
        for queue, qpath in ref.queue_paths.items():
            assert res.queue_paths[queue].read_bytes() == qpath.read_bytes(), (name, queue)
        assert _report_text(res.report_path) == _report_text(ref.report_path), name
        assert (res.rows, res.comments, res.classified, res.needs_review) == (
            ref.rows, ref.comments, ref.classified, ref.needs_review)
        assert res.notes == ref.notes
    assert ref.rows == 120 and any("3 rows have no valid score" in n for n in ref.notes)
    assert not list((tmp_path / "small").glob("fc-queues-*"))  # spill files are gone


def test_streamed_analyze_equals_the_in_memory_pipeline(tmp_path, tiny_model):
    from feedback_classifier.jobs.analyze import analyze
    from feedback_classifier.model.enrichment import enrich
    from feedback_classifier.insights.drivers import compute_drivers
    from feedback_classifier.render.report import build_report, write_report
    from feedback_classifier.insights.routing import route, write_queues

    df = _messy_survey()
    path = tmp_path / "survey.csv"
    df.to_csv(path, index=False)
    res = analyze(path, text_col="comment", score_col="nps", out_dir=tmp_path / "s", model=tiny_model, by="region",
                  n_boot=200, chunksize=9)

    tax = load_taxonomy("cx-default")
    enriched = enrich(read_table(path), tiny_model, "comment", lang="en", explain=True)
    from feedback_classifier.tableio import write_table

    assert res.enriched_path.read_bytes() == write_table(enriched, tmp_path / "mem.enriched.csv").read_bytes()
    drivers = compute_drivers(enriched, score_col="nps", by="region", period_col="submitted_at", n_boot=200,
                              taxonomy=tax, source=str(path))
    from feedback_classifier.insights.polarity import add_polarity_counts

    drivers.table = add_polarity_counts(drivers.table, enriched["category_sentiment"], taxonomy=tax)
    for name in ("table", "regression", "segments", "trend"):
        pd.testing.assert_frame_equal(getattr(res.drivers, name), getattr(drivers, name), check_exact=False,
                                      rtol=1e-9, atol=1e-9, obj=name)
    assert res.drivers.score_issues.summary() == drivers.score_issues.summary()
    assert res.drivers.date_issues.summary() == drivers.date_issues.summary()
    routing = route(enriched, tax, text_col="comment", score_col="nps", keep=["response_id", "region", "submitted_at"],
                    source=str(path))
    expected = write_queues(routing, tmp_path / "mem_queues", fmt="csv")
    for queue, qpath in expected.items():
        assert res.queue_paths[queue].read_bytes() == qpath.read_bytes(), queue
    page = build_report(enriched, tax, text_col="comment", score_col="nps", drivers=drivers, routing=routing,
                        by="region", period_col="submitted_at", source=str(path), model_info=res.model_info)
    assert res.model_info["kind"] == "given"
    mem_report = write_report(page, tmp_path / "mem.html")
    assert _report_text(res.report_path) == _report_text(mem_report)


def test_streamed_analyze_without_scores_equals_the_in_memory_report(tmp_path, tiny_model):
    # no score column: the cards count complaints and praise and quote them apart, streamed or not
    from feedback_classifier.jobs.analyze import analyze
    from feedback_classifier.insights.routing import route
    from feedback_classifier.model.enrichment import enrich
    from feedback_classifier.render.report import build_report, write_report

    path = tmp_path / "survey.csv"
    _messy_survey().drop(columns="nps").to_csv(path, index=False)
    res = analyze(path, text_col="comment", out_dir=tmp_path / "s", model=tiny_model, chunksize=9)
    tax = load_taxonomy("cx-default")
    enriched = enrich(read_table(path), tiny_model, "comment", lang="en", explain=True)
    routing = route(enriched, tax, text_col="comment", keep=[c for c in enriched.columns if c in
                                                              ("response_id", "region", "submitted_at")],
                    source=str(path))
    page = build_report(enriched, tax, text_col="comment", routing=routing, source=str(path),
                        model_info=res.model_info)
    streamed = _report_text(res.report_path)
    assert "Complaints:" in streamed and "<h4>Praise</h4>" in streamed
    assert streamed == _report_text(write_report(page, tmp_path / "mem.html"))


def test_cli_analyze_progress_lines_jobs_and_quiet(tmp_path, survey_csv, as_default):
    base = ["analyze", str(survey_csv), "--text-col", "comment", "--score-col", "nps", "--chunksize", "30"]
    result = runner.invoke(app, base + ["--out-dir", str(tmp_path / "a")])
    assert result.exit_code == 0, result.output
    assert re.search(r"analyzed 80 / 80 rows \([\d,]+ rows/s\)", result.output)  # not a terminal: plain lines
    quiet = runner.invoke(app, base + ["--out-dir", str(tmp_path / "b"), "--quiet", "--jobs", "2"])
    assert quiet.exit_code == 0, quiet.output
    assert "rows/s" not in quiet.output and "Rows: 80" in quiet.output
    assert (tmp_path / "a" / "survey.enriched.csv").read_bytes() == (tmp_path / "b" / "survey.enriched.csv").read_bytes()
    plain = runner.invoke(app, base + ["--out-dir", str(tmp_path / "c"), "--quiet", "--no-evidence"])
    assert plain.exit_code == 0, plain.output
    assert "evidence" in read_table(tmp_path / "a" / "survey.enriched.csv").columns
    assert "evidence" not in read_table(tmp_path / "c" / "survey.enriched.csv").columns


def test_analyze_progress_ends_with_the_exact_row_count(tmp_path, survey_csv, tiny_model, monkeypatch):
    # 5,560 tweets ended on "analyzed 5,560 / ~6,114 rows (..., ETA 0:02)": the size estimate, read as rows
    # lost; classify already made a last call with the exact count, analyze made none
    import sys

    from feedback_classifier.jobs.analyze import analyze

    job = sys.modules["feedback_classifier.jobs.analyze"]  # the package's ``analyze`` is the function
    monkeypatch.setattr(job, "estimate_total_rows", lambda *a, **k: 88)  # a guess from the file's size

    calls = []
    analyze(survey_csv, text_col="comment", out_dir=tmp_path / "out", model=tiny_model, chunksize=30,
            progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (80, 80)


def test_cli_analyze_without_a_score_promises_no_trend(tmp_path, survey_csv, as_default):
    # tweets with a date column and no score: the console said "Trend: using 'date' as the date column",
    # and the report had no trend anywhere (the trend is the score's)
    result = runner.invoke(app, ["analyze", str(survey_csv), "--text-col", "comment", "--out-dir",
                                 str(tmp_path / "out"), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "Trend:" not in result.output
    assert "submitted_at" in read_table(tmp_path / "out" / "queues" / "review.csv").columns


def test_a_failed_run_leaves_the_previous_outputs_all_as_they_were(tmp_path):
    # a nightly run that stopped at its queues (a comment too long for an Excel cell) had already replaced
    # the enriched file and drivers: today's beside yesterday's queues and report, and the message named
    # a hidden staging folder
    src, out = tmp_path / "nightly.csv", tmp_path / "out"
    df = survey(60)
    df.to_csv(src, index=False)
    args = ["analyze", str(src), "--text-col", "comment", "--score-col", "nps", "--out-dir", str(out),
            "--format", "xlsx", "--quiet"]
    assert runner.invoke(app, args).exit_code == 0
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert {"report.html", "drivers.xlsx", "nightly.enriched.csv"} <= {str(p) for p in before}
    df.loc[3, "comment"] = "очень долго ждали курьера " * 1500  # > 32,767 characters
    df.to_csv(src, index=False)
    result = runner.invoke(app, args)
    assert result.exit_code == 1 and "32,767" in result.output, result.output
    assert ".staged-" not in result.output and str(out / "queues") in result.output.replace("\n", "")
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before  # nothing replaced, nothing left behind


def _need_review_tile(page: str) -> int:
    return int(re.search(r'Need review</div><div class="value">([\d,]+)<', page).group(1).replace(",", ""))


def test_report_rebuilt_from_the_enriched_file_counts_review_as_analyze(tmp_path, as_default):
    # junk answers ("asdf", "n/a") are flagged needs_review by the model but listed apart in junk.csv:
    # the overview's "Need review" is the review queue's size in both reports
    df = survey()
    df.loc[::5, "comment"] = ["asdf", "n/a", "???", "qwerty"] * (len(df.loc[::5]) // 4)
    df.to_csv(tmp_path / "s.csv", index=False)
    out = tmp_path / "out"
    cols = ["--text-col", "comment", "--score-col", "nps", "--lang", "en"]
    result = runner.invoke(app, ["analyze", str(tmp_path / "s.csv"), "--out-dir", str(out), *cols])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["report", str(out / "s.enriched.csv"), "--out", str(tmp_path / "r.html"), *cols])
    assert result.exit_code == 0, result.output
    flagged = read_table(out / "s.enriched.csv")["needs_review"].astype(str).str.lower().eq("true").sum()
    review, junk = len(read_table(out / "queues" / "review.csv")), len(read_table(out / "queues" / "junk.csv"))
    assert junk and flagged > review  # else the test could not tell the two counts apart
    analyzed = _need_review_tile((out / "report.html").read_text(encoding="utf-8"))
    rebuilt = _need_review_tile((tmp_path / "r.html").read_text(encoding="utf-8"))
    assert analyzed == rebuilt == review


def test_without_a_score_column_the_report_says_so_and_shows_no_detractor_counts(tmp_path):
    # every team showed 0 detractors, and "How to read this report" explained NPS, impact and significance
    survey().drop(columns=["nps"]).to_csv(tmp_path / "s.csv", index=False)
    out = tmp_path / "out"
    result = runner.invoke(app, ["analyze", str(tmp_path / "s.csv"), "--text-col", "comment", "--out-dir", str(out),
                                 "--lang", "en", "--quiet"])
    assert result.exit_code == 0, result.output
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "no score column" in page and "Benjamini" not in page
    assert read_table(out / "queues" / "summary.csv")["detractors"].isna().all()


def test_report_with_the_model_file_says_how_it_was_validated_as_analyze_does(tmp_path, as_default):
    # report rebuilt from an enriched file knew nothing of the model: no method line, no error rates
    labelled = pd.DataFrame({"comment": [t for t, _ in TRAIN] * 3,
                             "labels": ["; ".join(f"{p} > {c}" if c else p for p, c in y) for _, y in TRAIN] * 3})
    labelled.to_csv(tmp_path / "labelled.csv", index=False)
    model = tmp_path / "m.json"
    result = runner.invoke(app, ["train", str(tmp_path / "labelled.csv"), "--text-col", "comment",
                                 "--taxonomy", "cx-default", "--cv", "3", "--out", str(model)])
    assert result.exit_code == 0, result.output
    survey().to_csv(tmp_path / "s.csv", index=False)
    cols = ["--text-col", "comment", "--score-col", "nps", "--lang", "en"]
    result = runner.invoke(app, ["analyze", str(tmp_path / "s.csv"), "--out-dir", str(tmp_path / "out"),
                                 "--model", str(model), *cols])
    assert result.exit_code == 0, result.output
    enriched = tmp_path / "out" / "s.enriched.csv"
    result = runner.invoke(app, ["report", str(enriched), "--out", str(tmp_path / "r.html"), "--model", str(model),
                                 *cols])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert f"Model: trained on {len(labelled)} labelled comments; cross-validated micro-F1" in page
    assert "bundled default model" not in page and "assumed" not in result.output
    # the drivers table carries the model's cross-validated recall, as analyze's does
    recall = re.findall(r"recall", (tmp_path / "out" / "report.html").read_text(encoding="utf-8"))
    assert recall and len(re.findall(r"recall", page)) == len(recall)
    # without --model the bundled default model is assumed, and the command says so
    result = runner.invoke(app, ["report", str(enriched), "--out", str(tmp_path / "r2.html"), *cols])
    assert result.exit_code == 0, result.output
    assert "assumed" in result.output and "--model" in result.output
    assert "Model: the bundled default model" in (tmp_path / "r2.html").read_text(encoding="utf-8")


def test_a_json_key_first_used_after_the_first_chunk_can_be_named_by_by_and_keep(tmp_path, as_default):
    # exports leave a key out while it is empty: 'region' appears only in the second half of the file,
    # after the first chunk, which is where analyze checked the names it was given
    import json

    df = survey()
    lines = [{k: v for k, v in row.items() if not (k == "region" and i < 40)}
             for i, row in enumerate(df.to_dict("records"))]
    path = tmp_path / "s.jsonl"
    path.write_text("".join(json.dumps(r, default=int) + "\n" for r in lines), encoding="utf-8")
    cols = ["--text-col", "comment", "--score-col", "nps", "--lang", "en", "--chunksize", "16"]
    result = runner.invoke(app, ["analyze", str(path), "--out-dir", str(tmp_path / "out"), "--by", "region",
                                 "--keep", "region", *cols])
    assert result.exit_code == 0, result.output
    enriched = read_table(tmp_path / "out" / "s.enriched.jsonl")
    assert len(enriched) == len(df) and enriched["region"].isna().sum() == 40
    assert enriched["region"].tolist()[40:] == df["region"].tolist()[40:]
    queue = read_table(tmp_path / "out" / "queues" / "junk.jsonl")  # "great thanks", a tone alone (review is empty)
    assert "region" in queue.columns
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert 'id="segments"' in page and "North" in page
    # a name the file never uses is still the one-line error
    result = runner.invoke(app, ["analyze", str(path), "--out-dir", str(tmp_path / "o2"), "--by", "regoin", *cols])
    assert result.exit_code == 1 and "no column 'regoin'" in result.output


@pytest.mark.parametrize("jobs", [1, 2])
def test_analyze_keeps_the_inputs_own_confidence_under_its_input_name(tmp_path, tiny_model, jobs):
    # analyze --keep confidence: the queues' 'confidence (input)' showed the model's confidence (the
    # classifier replaces the input's column in each chunk), the input's own values lost without a word
    import warnings

    from feedback_classifier.errors import InputWarning
    from feedback_classifier.jobs import analyze

    src = tmp_path / "survey.csv"
    df = survey(40)
    df["confidence"] = ["high", "low"] * 20
    df["needs_review"] = ["yes"] * 40
    df.to_csv(src, index=False)
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        res = analyze(src, text_col="comment", score_col="nps", out_dir=tmp_path / "out", model=tiny_model,
                      keep=["response_id", "confidence", "needs_review"], chunksize=7, jobs=jobs, n_boot=10)
    queues = pd.concat([pd.read_csv(p, encoding="utf-8-sig") for t, p in res.queue_paths.items()
                        if t != "summary" and pd.read_csv(p, encoding="utf-8-sig").size], ignore_index=True)
    by_id = dict(zip(df["response_id"], df["confidence"]))
    assert len(queues) and queues["confidence (input)"].tolist() == queues["response_id"].map(by_id).tolist()
    assert set(queues["needs_review (input)"]) == {"yes"}
    assert pd.api.types.is_float_dtype(queues["confidence"])  # the model's, under the queue's own name
    renamed = [str(w.message) for w in said if issubclass(w.category, InputWarning) and "(input)" in str(w.message)]
    assert len(renamed) == 1 and "'confidence' as 'confidence (input)'" in renamed[0], renamed


def test_report_gives_the_models_cross_validated_micro_f1_as_train_prints_it():
    # train and analyze printed "cross-validated micro-F1 0.703", the report's method section "0.70"
    from feedback_classifier.render.report import ReportInputs, model_lines
    from feedback_classifier.taxonomy import load_taxonomy

    for lang, expected in (("en", "micro-F1 0.703."), ("ru", "micro-F1 на кросс-валидации 0,703.")):
        inp = ReportInputs(df=None, taxonomy=load_taxonomy("cx-default"), text_col="c", lang=lang,
                           model_info={"kind": "trained", "rows": 2000, "f1": 0.7032474804031354})
        assert expected in model_lines(inp)[0]


def test_analyze_prints_ces_impacts_with_the_decimals_of_the_drivers_table(tmp_path, as_default):
    # "Delivery and logistics: -0.5 pts" for a CES impact drivers.csv had as -0.45
    df = pd.DataFrame({"comment": ["Courier late"] * 20 + ["great thanks"] * 20, "ces": [4, 5] * 10 + [5] * 20})
    df.to_csv(tmp_path / "s.csv", index=False)
    result = runner.invoke(app, ["analyze", str(tmp_path / "s.csv"), "--text-col", "comment", "--score-col", "ces",
                                 "--score-type", "ces", "--out-dir", str(tmp_path / "out"), "--lang", "en"])
    assert result.exit_code == 0, result.output
    drivers = read_table(tmp_path / "out" / "drivers.csv")
    row = drivers[(drivers["level"] == "parent") & (drivers["category"] == "Delivery and logistics")].iloc[0]
    assert float(row["impact"]) == pytest.approx(-0.25)
    assert f"Delivery and logistics: {float(row['impact']):+.2f} pts" in result.output, result.output


def test_analyze_heads_a_lower_is_better_score_s_drivers_as_harmful(tmp_path, as_default):
    # "Top negative drivers: Delivery and logistics +0.45 pts": right for a CES where 7 is the most
    # effort, but read as a contradiction; the heading now says the impacts raise a lower-is-better score
    df = pd.DataFrame({"comment": ["Courier late"] * 20 + ["great thanks"] * 20, "ces": [6, 7] * 10 + [2] * 20})
    df.to_csv(tmp_path / "s.csv", index=False)
    result = runner.invoke(app, ["analyze", str(tmp_path / "s.csv"), "--text-col", "comment", "--score-col", "ces",
                                 "--score-type", "ces", "--scale", "1-7", "--lower-is-better",
                                 "--out-dir", str(tmp_path / "out"), "--lang", "en", "--tone-teacher", "none"])
    assert result.exit_code == 0, result.output
    assert "Top harmful drivers (each raises CES, where lower is better):" in result.output
    assert "Top negative drivers" not in result.output


def test_analyze_says_how_many_flagged_comments_are_junk_so_the_enriched_flags_add_up(tmp_path, as_default):
    # "Rows: 2,400 (... 405 need review)" while the enriched needs_review column had 488 True rows:
    # the 83 junk answers are flagged there but listed apart (queues/junk.csv)
    df = pd.DataFrame({"comment": ["Courier late", "asdf", "фыва", "great thanks", "Слишком дорого"] * 4,
                       "nps": [3, 5, 6, 10, 2] * 4})
    df.to_csv(tmp_path / "s.csv", index=False)
    out = tmp_path / "out"
    result = runner.invoke(app, ["analyze", str(tmp_path / "s.csv"), "--text-col", "comment", "--score-col", "nps",
                                 "--out-dir", str(out), "--lang", "en"])
    assert result.exit_code == 0, result.output
    flagged = int(read_table(next(out.glob("*.enriched.csv")))["needs_review"].astype(str).eq("True").sum())
    review, junk = len(read_table(out / "queues" / "review.csv")), len(read_table(out / "queues" / "junk.csv"))
    assert junk == 12 and flagged == review + junk  # "asdf", "фыва" and "great thanks" (a tone alone), 4 each
    assert f"{review:,} need review, {junk:,} answers naming no topic listed apart)" in result.output, result.output


def test_analyze_and_classify_say_what_to_do_when_most_comments_need_review(tmp_path, as_default):
    # 4,620 of 5,560 bank/telecom tweets needed review with the bundled model, and nothing said what to do
    topical = ["Courier late", "Слишком дорого"]
    off_topic = [f"We talked about the weather in town number {i}" for i in range(6)]
    for name, comments, hint in (("on.csv", topical * 5, False), ("off.csv", off_topic + topical, True)):
        pd.DataFrame({"comment": comments}).to_csv(tmp_path / name, index=False)
        for command in (["analyze", "--out-dir", str(tmp_path / f"{name}.out")],
                        ["classify", "--out", str(tmp_path / f"{name}.classified.csv")]):
            result = runner.invoke(app, [command[0], str(tmp_path / name), "--text-col", "comment", *command[1:]])
            assert result.exit_code == 0, result.output
            assert ("Most comments need review" in result.output) == hint, result.output
    assert "feedback-classifier suggest" in result.output


def test_classify_and_analyze_say_how_many_cells_the_formula_guard_changed(tmp_path, as_default):
    # 14,177 of 14,640 airline tweets start with "@" and got a leading "'" in the CSV output, unsaid
    pd.DataFrame({"comment": ["@united lost my bag", "=1+2", "fine", "-5"]}).to_csv(tmp_path / "t.csv", index=False)
    for command, out in (("classify", ["--out", str(tmp_path / "c.csv")]), ("analyze", ["--out-dir", str(tmp_path / "a")]),
                         ("classify", ["--out", str(tmp_path / "c.jsonl")])):
        result = runner.invoke(app, [command, str(tmp_path / "t.csv"), "--text-col", "comment", *out])
        assert result.exit_code == 0, result.output
        said = "2 text cells start with =, +, -, @, tab or CR, so they got a leading '" in result.output
        assert said == out[-1].endswith(("c.csv", "a")), result.output


def test_analyze_says_when_a_top_negative_driver_s_interval_includes_0(tmp_path, as_default):
    # "Top negative drivers: ... -1.8 pts (95% CI -4.5 to +0.8)" read as a finding; the segments' first
    # drivers already said "CI includes 0"
    df = pd.DataFrame({"comment": ["Courier late"] * 20 + ["great thanks"] * 20,
                       "nps": [0, 10] * 10 + [0, 10] * 9 + [10, 10]})
    df.to_csv(tmp_path / "s.csv", index=False)
    result = runner.invoke(app, ["analyze", str(tmp_path / "s.csv"), "--text-col", "comment", "--score-col", "nps",
                                 "--out-dir", str(tmp_path / "out"), "--lang", "en", "--tone-teacher", "none"])
    assert result.exit_code == 0, result.output
    drivers = read_table(tmp_path / "out" / "drivers.csv")
    row = drivers[(drivers["level"] == "parent") & (drivers["category"] == "Delivery and logistics")].iloc[0]
    assert float(row["impact_low"]) < 0 < float(row["impact_high"]) and float(row["impact"]) < 0
    [line] = [ln for ln in result.output.splitlines() if "Delivery and logistics:" in ln]
    assert line.endswith("; CI includes 0")
