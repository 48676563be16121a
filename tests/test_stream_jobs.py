"""`drivers` and `route` read their input in chunks and fold it in, like `analyze`: the same
outputs as the whole table in memory, whatever the chunk size, and errors still name the
file's rows."""

from __future__ import annotations

import filecmp

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback_classifier.errors import LabelError, ScoreError
from feedback_classifier.tableio import ReadOptions

from test_analyze import tiny_model  # noqa: F401  (a fixture)

CATS = ["Delivery and logistics > Delivery time", "Price and value", "Service",
        "Delivery and logistics > Delivery time; Price and value", ""]
SENTIMENT = {"Delivery and logistics > Delivery time": "negative", "Price and value": "positive", "Service": "neutral"}


def _export(n: int, seed: int = 0) -> pd.DataFrame:
    """A classified export: categories, their polarity, a score with a few bad cells, segment, date."""
    rng = np.random.default_rng(seed)
    cats = [CATS[i] for i in rng.integers(0, len(CATS), n)]
    sentiment = ["; ".join(f"{c}={SENTIMENT[c]}" for c in cell.split("; ") if c) for cell in cats]
    nps = rng.integers(0, 11, n).astype(str).astype(object)
    nps[rng.random(n) < 0.1] = ""
    nps[rng.random(n) < 0.05] = "n/a"
    return pd.DataFrame({
        "id": np.arange(n) + 100, "comment": [f"comment {i} about the courier" for i in range(n)],
        "categories": cats, "category_sentiment": sentiment, "nps": nps,
        "confidence": rng.random(n).round(3), "needs_review": rng.random(n) < 0.2,
        "region": rng.choice(["N", "S", ""], n), "submitted_at": [f"2025-0{1 + i % 3}-1{i % 10}" for i in range(n)],
    })


def _no_whole_table(monkeypatch):
    """The jobs must not read the whole table (it cost gigabytes on a 10M-row export)."""
    def whole(self, path):
        raise AssertionError("read the whole table")

    monkeypatch.setattr(ReadOptions, "table", whole)


@pytest.mark.parametrize("options", [
    {}, {"by": "region"}, {"polarity": "negative"}, {"score_type": "csat", "scale": "0-10"},
    {"score_type": "mean", "scale": "0-10"}, {"score_type": "ces", "scale": "0-10", "higher_is_better": False},
    {"by": "region", "period_col": "submitted_at", "freq": "week"},
])
def test_drivers_file_in_small_chunks_equals_the_whole_table(tmp_path, monkeypatch, options):
    from feedback_classifier.insights import compute_drivers
    from feedback_classifier.insights.polarity import add_polarity_counts, categories_with_polarity
    from feedback_classifier.jobs.drivers import drivers_file

    df = _export(60)
    src = tmp_path / "classified.csv"
    df.to_csv(src, index=False)
    _no_whole_table(monkeypatch)
    results = {}
    for chunksize in (7, 100):
        out = tmp_path / f"drivers_{chunksize}.csv"
        results[chunksize] = drivers_file(src, score_col="nps", min_n=1, n_boot=50, out=out, chunksize=chunksize,
                                          **options)
    for small, big in zip(results[7].paths, results[100].paths):
        assert filecmp.cmp(small, big, shallow=False), small.name
    # and main's way: compute_drivers on the whole table, then complaints and praise
    whole = pd.read_csv(src, dtype=str, keep_default_na=False)
    categories_col = "categories"
    if options.get("polarity"):
        whole["kept"] = categories_with_polarity(whole["category_sentiment"], options["polarity"])
        categories_col = "kept"
    kwargs = {k: v for k, v in options.items() if k != "polarity"}
    kwargs.setdefault("period_col", "submitted_at")  # found by the date detection
    expected = compute_drivers(whole, score_col="nps", categories_col=categories_col, min_n=1, n_boot=50, **kwargs)
    if not options.get("polarity"):
        expected.table = add_polarity_counts(expected.table, whole["category_sentiment"])
    got = results[7].drivers
    pd.testing.assert_frame_equal(got.table, expected.table)
    pd.testing.assert_frame_equal(got.regression, expected.regression)
    pd.testing.assert_frame_equal(got.trend, expected.trend)
    if "by" in options:
        pd.testing.assert_frame_equal(got.segments, expected.segments)
    assert got.score_issues.summary() == expected.score_issues.summary()
    assert got.date_issues.summary() == expected.date_issues.summary()


def test_drivers_file_classifies_chunk_by_chunk_like_the_whole_table(tmp_path, monkeypatch, tiny_model):
    from feedback_classifier.insights import compute_drivers
    from feedback_classifier.model.enrichment import enrich
    from feedback_classifier.jobs.drivers import drivers_file

    df = _export(40).drop(columns=["categories", "category_sentiment", "confidence", "needs_review"])
    df["comment"] = ["The courier was late again", "Prices are too high", "", "ok"] * 10
    src = tmp_path / "plain.csv"
    df.to_csv(src, index=False)
    _no_whole_table(monkeypatch)
    got = drivers_file(src, score_col="nps", text_col="comment", model=tiny_model, min_n=1, n_boot=20, chunksize=6)
    whole = enrich(pd.read_csv(src, dtype=str, keep_default_na=False), tiny_model, "comment", lang="en")
    expected = compute_drivers(whole, score_col="nps", period_col="submitted_at", min_n=1, n_boot=20,
                               taxonomy=tiny_model.taxonomy_)
    pd.testing.assert_frame_equal(got.drivers.table.drop(columns=["complaints", "praise"]), expected.table)
    assert got.classified_here and got.notes[0].startswith("Trend: using 'submitted_at'")


def test_drivers_errors_name_the_files_rows_in_a_later_chunk(tmp_path):
    from feedback_classifier.insights import compute_drivers
    from feedback_classifier.jobs.drivers import drivers_file

    df = _export(20)
    df.loc[13, "categories"] = "Price and value; Teleportation"  # not in the taxonomy
    df.loc[16, "categories"] = "Teleportation"
    src = tmp_path / "bad_label.csv"
    df.to_csv(src, index=False)
    with pytest.raises(LabelError, match=r"row 14\b"):
        drivers_file(src, score_col="nps", taxonomy="cx-default", n_boot=0, chunksize=4)

    df = _export(20)
    df.loc[9, "category_sentiment"] = "Price and value:negative"  # no '='
    src = tmp_path / "bad_sentiment.csv"
    df.to_csv(src, index=False)
    for polarity in (None, "negative"):
        with pytest.raises(LabelError, match=r"row 10\b"):
            drivers_file(src, score_col="nps", n_boot=0, chunksize=4, polarity=polarity)

    df = _export(9)
    df["nps"] = ["", "x", "", "", "", "", "y", "", "x"]
    src = tmp_path / "no_scores.csv"
    df.to_csv(src, index=False)
    with pytest.raises(ScoreError) as err:
        drivers_file(src, score_col="nps", n_boot=0, chunksize=2)
    assert "(rows 2, 7, 9: 'x', 'y')" in str(err.value) and "missing (rows 1, 3, 4, 5, 6, ...)" in str(err.value)
    with pytest.raises(ScoreError) as whole:  # main's message, from the whole table
        compute_drivers(pd.read_csv(src, dtype=str, keep_default_na=False), score_col="nps", n_boot=0,
                        source=str(src))
    assert str(err.value) == str(whole.value)


@pytest.mark.slow  # ~20 s: 20 files, each read whole and in chunks
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n=st.integers(1, 40), seed=st.integers(0, 10**6), chunksize=st.integers(1, 12))
def test_drivers_result_does_not_depend_on_the_chunk_size(tmp_path_factory, n, seed, chunksize):
    from feedback_classifier.jobs.drivers import drivers_file

    src = tmp_path_factory.mktemp("d") / "classified.csv"
    _export(n, seed).to_csv(src, index=False)
    try:
        whole = drivers_file(src, score_col="nps", by="region", min_n=1, n_boot=30, chunksize=10**6).drivers
    except ScoreError:  # no valid score at all: the same error in chunks
        with pytest.raises(ScoreError):
            drivers_file(src, score_col="nps", by="region", min_n=1, n_boot=30, chunksize=chunksize)
        return
    chunked = drivers_file(src, score_col="nps", by="region", min_n=1, n_boot=30, chunksize=chunksize).drivers
    for part in ("table", "regression", "segments", "trend"):
        pd.testing.assert_frame_equal(getattr(chunked, part), getattr(whole, part))


@pytest.mark.filterwarnings("ignore:.*kept as. 'confidence' as")  # said once per run; not what is tested
@pytest.mark.parametrize("complaints_only", [False, True])
def test_route_file_in_small_chunks_writes_the_whole_tables_queues(tmp_path, monkeypatch, complaints_only):
    from feedback_classifier.insights import parse_scores, route, write_queues
    from feedback_classifier.insights.scores import ScoreSpec
    from feedback_classifier.jobs import route_file

    df = _export(50)
    src = tmp_path / "classified.csv"
    df.to_csv(src, index=False)
    _no_whole_table(monkeypatch)
    result = route_file(src, tmp_path / "q", text_col="comment", score_col="nps", keep=["id", "confidence"],
                        complaints_only=complaints_only, chunksize=6)
    whole = pd.read_csv(src, dtype=str, keep_default_na=False)
    expected = write_queues(route(whole, "cx-default", text_col="comment", score_col="nps",
                                  keep=["id", "confidence"], complaints_only=complaints_only), tmp_path / "whole")
    assert set(result.paths) == set(expected)
    for name, path in expected.items():
        assert filecmp.cmp(result.paths[name], path, shallow=False), name
    assert result.rows == 50 and not result.classified_here
    issues = parse_scores(whole["nps"], ScoreSpec.make("nps"), column="nps").issues
    assert result.score_issues.summary(max_rows=5) == issues.summary(max_rows=5)


@pytest.mark.filterwarnings("ignore:.*kept as. 'confidence' as")
def test_route_file_classifies_chunk_by_chunk_like_the_whole_table(tmp_path, monkeypatch, tiny_model):
    from feedback_classifier.insights import route, write_queues
    from feedback_classifier.model.enrichment import enrich
    from feedback_classifier.jobs import route_file

    df = _export(30).drop(columns=["categories", "category_sentiment", "needs_review"])
    df["comment"] = ["The courier was late again, call me at +7 916 123-45-67", "Prices are too high", "asdf"] * 10
    src = tmp_path / "plain.csv"
    df.to_csv(src, index=False)
    _no_whole_table(monkeypatch)
    result = route_file(src, tmp_path / "q", text_col="comment", score_col="nps", model=tiny_model,
                        keep=["id", "confidence"], chunksize=4)
    whole = pd.read_csv(src, dtype=str, keep_default_na=False)
    whole["confidence (input)"] = whole["confidence"]
    whole = enrich(whole, tiny_model, "comment", lang="en")
    expected = write_queues(route(whole, tiny_model.taxonomy_, text_col="comment", score_col="nps",
                                  keep=["id", "confidence (input)"]), tmp_path / "whole")
    for name, path in expected.items():
        assert filecmp.cmp(result.paths[name], path, shallow=False), name
    assert result.classified_here


def test_route_errors_name_the_files_rows_in_a_later_chunk(tmp_path):
    from feedback_classifier.jobs import route_file

    df = _export(20)
    df.loc[11, "category_sentiment"] = "Price and value:negative"
    src = tmp_path / "bad.csv"
    df.to_csv(src, index=False)
    with pytest.raises(LabelError, match=r"row 12\b"):
        route_file(src, tmp_path / "q", text_col="comment", chunksize=3)
    df = _export(20).drop(columns=["needs_review"])
    df.loc[17, "categories"] = "Teleportation"
    df.to_csv(src, index=False)
    with pytest.raises(LabelError, match=r"row 18\b.*not from classify"):
        route_file(src, tmp_path / "q", text_col="comment", chunksize=3)


def test_cli_chunksize_reaches_drivers_and_route(tmp_path):
    # --chunksize, as analyze and classify have it: memory follows it, the outputs do not
    from typer.testing import CliRunner

    from feedback_classifier.cli import app

    src = tmp_path / "export.csv"
    _export(60).to_csv(src, index=False)
    runner = CliRunner()
    outs = {}
    for size in ("7", "1000"):
        d = tmp_path / size
        d.mkdir()
        drivers = runner.invoke(app, ["drivers", str(src), "--score-col", "nps", "--boot", "20", "--min-n", "1",
                                      "--out", str(d / "drivers.csv"), "--chunksize", size])
        assert drivers.exit_code == 0, drivers.output
        route = runner.invoke(app, ["route", str(src), "--text-col", "comment", "--score-col", "nps",
                                    "--out-dir", str(d / "queues"), "--chunksize", size])
        assert route.exit_code == 0, route.output
        outs[size] = d
    assert (outs["7"] / "drivers.csv").read_bytes() == (outs["1000"] / "drivers.csv").read_bytes()
    names = sorted(p.name for p in (outs["7"] / "queues").iterdir())
    assert names == sorted(p.name for p in (outs["1000"] / "queues").iterdir())
    for name in names:
        assert (outs["7"] / "queues" / name).read_bytes() == (outs["1000"] / "queues" / name).read_bytes(), name
    bad = runner.invoke(app, ["drivers", str(src), "--score-col", "nps", "--chunksize", "0"])
    assert bad.exit_code != 0 and "--chunksize" in bad.output
