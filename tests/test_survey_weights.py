"""drivers --weight-col: survey (raking) weights. Every weighted number against a numpy recomputation,
the regression against statsmodels' WLS, intervals on Kish's effective n (coverage by simulation:
benchmarks/survey_weights_coverage.py), and the errors a bad weight column gets."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from typer.testing import CliRunner

from feedback_classifier.cli import app
from feedback_classifier.errors import InputFileError, ScoreError
from feedback_classifier.insights.drivers import compute_drivers

runner = CliRunner()
CATS = ["", "Price", "Delivery > Courier", "Price; Delivery > Tracking", "Service"]


def _survey(n=600, seed=1):
    rng = np.random.default_rng(seed)
    weights = rng.uniform(0.2, 5, n)
    weights[:10] = 0
    return pd.DataFrame({
        "categories": rng.choice(CATS, n),
        "nps": rng.integers(0, 11, n),
        "weight": weights,
        "region": rng.choice(["North", "South"], n),
        "submitted_at": rng.choice(["2024-01-15", "2024-02-15", "2024-03-15"], n),
    })


def _mentions(cats: pd.Series, parent: str) -> np.ndarray:
    return np.array([any(p.split(">")[0].strip() == parent for p in c.split("; ") if p) for c in cats])


def _nps_values(nps) -> np.ndarray:
    nps = np.asarray(nps)
    return np.where(nps >= 9, 100.0, np.where(nps <= 6, -100.0, 0.0))


def test_weighted_shares_metrics_impacts_and_effective_n_match_numpy():
    df = _survey()
    res = compute_drivers(df, score_col="nps", survey_weight="weight", n_boot=200, min_n=30)
    w, y = df["weight"].to_numpy(), _nps_values(df["nps"])
    assert res.overall.metric == pytest.approx(np.average(y, weights=w))
    assert res.overall.n_effective == pytest.approx(w.sum() ** 2 / (w**2).sum())
    assert res.overall.n_scored == len(df)  # weight-0 rows are still rows with a valid score
    table = res.level("parent").set_index("category")
    for parent in ("Price", "Delivery", "Service"):
        m = _mentions(df["categories"], parent)
        row = table.loc[parent]
        assert row["mentions"] == m.sum()  # respondents, as counted
        assert row["share"] == pytest.approx(w[m].sum() / w.sum())
        assert row["metric_with"] == pytest.approx(np.average(y[m], weights=w[m]))
        assert row["metric_without"] == pytest.approx(np.average(y[~m], weights=w[~m]))
        assert row["impact"] == pytest.approx(np.average(y, weights=w) - np.average(y[~m], weights=w[~m]))
        assert row["n_effective"] == pytest.approx(w[m].sum() ** 2 / (w[m] ** 2).sum())
        assert row["impact_low"] < row["impact"] < row["impact_high"]
    assert res.settings["survey_weights"]["method"] == "Kish effective sample size"


def test_weighted_regression_matches_statsmodels_wls_with_hc1():
    df = _survey()
    res = compute_drivers(df, score_col="nps", survey_weight="weight", n_boot=0)
    reg = res.regression[res.regression["level"] == "parent"]
    X = np.column_stack([np.ones(len(df))] + [_mentions(df["categories"], c) for c in reg["category"].iloc[1:]])
    fit = sm.WLS(_nps_values(df["nps"]), X.astype(float), weights=df["weight"]).fit(cov_type="HC1")
    np.testing.assert_allclose(reg["coef"], fit.params, rtol=1e-9)
    np.testing.assert_allclose(reg["se"], fit.bse, rtol=1e-9)
    assert set(res.regression_fit["cov_type"]) == {"HC1 (survey weights)"}


def test_weighted_segments_and_trend_match_numpy():
    df = _survey()
    res = compute_drivers(df, score_col="nps", survey_weight="weight", by="region", period_col="submitted_at",
                          n_boot=0)
    w, y = df["weight"].to_numpy(), _nps_values(df["nps"])
    for segment, seg in res.segments.groupby("segment"):
        k = (df["region"] == segment).to_numpy()
        assert seg["segment_rows"].iloc[0] == k.sum()
        assert seg["segment_metric"].iloc[0] == pytest.approx(np.average(y[k], weights=w[k]))
    for period, per in res.trend.groupby("period"):
        k = df["submitted_at"].str.startswith(period).to_numpy()
        assert per["period_rows"].iloc[0] == k.sum()
        assert per["period_metric"].iloc[0] == pytest.approx(np.average(y[k], weights=w[k]))
        assert per["period_ci_low"].iloc[0] < per["period_metric"].iloc[0] < per["period_ci_high"].iloc[0]


def test_equal_weights_give_the_unweighted_numbers_and_intervals():
    df = _survey()
    df["weight"] = 2.0
    weighted = compute_drivers(df, score_col="nps", survey_weight="weight", n_boot=0, by="region")
    plain = compute_drivers(df, score_col="nps", n_boot=0, by="region")
    assert weighted.overall.ci_low == pytest.approx(plain.overall.ci_low)
    assert weighted.overall.ci_high == pytest.approx(plain.overall.ci_high)
    columns = ["share", "metric_with", "impact", "low_n"]
    pd.testing.assert_frame_equal(weighted.table[columns], plain.table[columns])


def test_low_n_reads_the_effective_n_not_the_rows():
    # 40 mentions, but one respondent carries almost all their weight: Kish's n is ~1.3, not 40
    rng = np.random.default_rng(0)
    n = 400
    df = pd.DataFrame({"categories": [""] * (n - 40) + ["Price"] * 40, "nps": rng.integers(0, 11, n),
                       "weight": [1.0] * (n - 40) + [40.0] + [0.2] * 39})
    table = compute_drivers(df, score_col="nps", survey_weight="weight", n_boot=0, min_n=30).level("parent")
    row = table.set_index("category").loc["Price"]
    assert row["mentions_scored"] == 40 and row["n_effective"] < 2
    assert bool(row["low_n"])


@pytest.mark.parametrize("bad, shown", [("heavy", "'heavy'"), ("-0.4", "'-0.4'"), ("NaN", "'NaN'"),
                                        ("#N/A", "'#N/A'"), ("inf", "'inf'")])
def test_a_bad_weight_is_a_one_line_error_naming_file_row_column_value(tmp_path, bad, shown):
    df = _survey(50)
    df["weight"] = df["weight"].astype(str)
    df.loc[6, "weight"] = bad
    src = tmp_path / "weighted.csv"
    df.to_csv(src, index=False)
    result = runner.invoke(app, ["drivers", str(src), "--score-col", "nps", "--weight-col", "weight", "--boot", "0"])
    assert result.exit_code == 1
    message = result.output.strip().splitlines()[-1]
    assert "Traceback" not in result.output
    assert f"weighted.csv, row 7, column 'weight': {shown} is not a survey weight" in message
    assert "leave it blank" in message


def test_all_zero_weights_are_an_error_that_names_the_column(tmp_path):
    df = _survey(50)
    df["weight"] = 0
    src = tmp_path / "weighted.csv"
    df.to_csv(src, index=False)
    result = runner.invoke(app, ["drivers", str(src), "--score-col", "nps", "--weight-col", "weight"])
    assert result.exit_code == 1
    assert "column 'weight' gives every one of the 50 rows with a valid score weight 0" in result.output
    with pytest.raises(ScoreError):
        compute_drivers(df, score_col="nps", survey_weight="weight")
    with pytest.raises(InputFileError):
        compute_drivers(df.assign(weight=["x"] * 50), score_col="nps", survey_weight="weight")


def test_blank_weights_weigh_zero_with_a_warning_counting_them(tmp_path):
    df = _survey(200)
    df["weight"] = df["weight"].round(3).astype(str)
    df.loc[[3, 8, 20], "weight"] = ""
    src = tmp_path / "weighted.csv"
    df.to_csv(src, index=False)
    out = tmp_path / "d.csv"
    result = runner.invoke(app, ["drivers", str(src), "--score-col", "nps", "--weight-col", "weight", "--boot", "0",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "3 of 200 rows have no weight in column 'weight': they weigh 0" in result.output
    assert "Kish's effective sample size" in " ".join(result.output.split())
    table = pd.read_csv(out)
    w = pd.to_numeric(df["weight"].replace("", "0")).to_numpy()
    m = _mentions(df["categories"], "Price")
    row = table[(table["level"] == "parent") & (table["category"] == "Price")].iloc[0]
    assert row["mentions"] == m.sum()
    assert row["share"] == pytest.approx(w[m].sum() / w.sum(), rel=1e-9)


def test_weighted_results_do_not_depend_on_the_chunk_size(tmp_path):
    df = _survey(500)
    src = tmp_path / "weighted.csv"
    df.to_csv(src, index=False)
    tables = []
    for chunksize in ("37", "50000"):
        out = tmp_path / f"d{chunksize}.csv"
        result = runner.invoke(app, ["drivers", str(src), "--score-col", "nps", "--weight-col", "weight", "--boot",
                                     "200", "--by", "region", "--out", str(out), "--chunksize", chunksize])
        assert result.exit_code == 0, result.output
        tables.append(pd.read_csv(out))
    pd.testing.assert_frame_equal(tables[0], tables[1], rtol=1e-9)


def test_weight_col_with_audit_sample_is_a_usage_error(tmp_path):
    src = tmp_path / "weighted.csv"
    _survey(20).to_csv(src, index=False)
    result = runner.invoke(app, ["drivers", str(src), "--score-col", "nps", "--weight-col", "weight",
                                 "--audit-sample", str(src)])
    assert result.exit_code != 0
    assert "--audit-sample cannot be used with --weight-col" in result.output


def test_markdown_says_how_the_weights_count_and_low_n_reads_the_effective_n(tmp_path):
    src = tmp_path / "weighted.csv"
    _survey(300).to_csv(src, index=False)
    out = tmp_path / "drivers.md"
    result = runner.invoke(app, ["drivers", str(src), "--score-col", "nps", "--weight-col", "weight", "--boot", "0",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "Weighted by column 'weight' (survey weights)" in text
    assert "Kish's effective sample size (n_eff " in text
    assert "(Kish's effective n, `n_effective`, with the survey weights)." in text


def _comments(df: pd.DataFrame) -> pd.DataFrame:
    words = {"": "ok", "Price": "too expensive, prices keep rising", "Delivery > Courier": "the courier was rude",
             "Price; Delivery > Tracking": "expensive and the tracking never updates", "Service": "support never answered"}
    return df.assign(comment=df["categories"].map(words))


def _shown(number: float) -> str:
    return f"{round(number):d}".replace("-", "\u2212")


def test_report_weighs_segment_scores_and_category_shares_and_says_so(tmp_path):
    df = _comments(_survey(400))
    src = tmp_path / "classified.csv"
    df.to_csv(src, index=False)
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["report", str(src), "--text-col", "comment", "--score-col", "nps", "--by", "region",
                                 "--weight-col", "weight", "--out", str(out), "--lang", "en"])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert "Weighted by the survey weights in column &#x27;weight&#x27;" in html
    w, y, nps = df["weight"].to_numpy(), _nps_values(df["nps"]), df["nps"].to_numpy(float)
    k = (df["region"] == "North").to_numpy()
    metric = np.average(y[k], weights=w[k])
    assert round(metric) != round(y[k].mean())  # the test tells weighted from unweighted
    e = w[k] * (w[k].sum() / (w[k] ** 2).sum())  # weights adding up to Kish's n
    from feedback_classifier.insights import nps_interval

    pro, det = e[nps[k] >= 9].sum(), e[nps[k] <= 6].sum()
    _, low, high = nps_interval(pro, e.sum() - pro - det, det)
    row = (f'<td>North</td><td class="num">{k.sum()}</td><td class="num">{_shown(metric)}</td>'
           f'<td class="num muted">{_shown(low)} … {_shown(high)}</td>')
    assert row in html
    price = _mentions(df["categories"], "Price")
    assert f"Mentions: <b>{price.sum()}</b> ({round(100 * w[price].sum() / w.sum())}% of comments)" in html


def test_analyze_weighs_its_drivers_and_report_like_drivers(tmp_path):
    df = _comments(_survey(300)).drop(columns=["categories"])
    df.loc[[4, 9], "weight"] = np.nan  # blank cells
    src = tmp_path / "survey.csv"
    df.to_csv(src, index=False)
    out = tmp_path / "out"
    result = runner.invoke(app, ["analyze", str(src), "--text-col", "comment", "--score-col", "nps", "--weight-col",
                                 "weight", "--out-dir", str(out), "--tone-teacher", "none", "--quiet", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "2 of 300 rows have no weight in column 'weight'" in result.output
    assert "Kish's effective sample size" in " ".join(result.output.split())
    enriched = pd.read_csv(next(out.glob("*.enriched.csv")), keep_default_na=False)
    drivers = pd.read_csv(out / "drivers.csv")
    w = df["weight"].fillna(0).to_numpy()
    y = _nps_values(df["nps"])
    row = drivers[drivers["level"] == "parent"].iloc[0]
    m = np.array([row["category"] in [p.strip() for p in c.split(";")] for c in enriched["parent_categories"]])
    assert row["share"] == pytest.approx(w[m].sum() / w.sum())
    assert row["impact"] == pytest.approx(np.average(y, weights=w) - np.average(y[~m], weights=w[~m]))
    assert row["n_effective"] == pytest.approx(w[m].sum() ** 2 / (w[m] ** 2).sum())
    assert "Weighted by the survey weights" in (out / "report.html").read_text(encoding="utf-8")


def test_report_weighted_without_a_score_does_not_speak_of_scores_impacts_or_regression(tmp_path):
    # report --weight-col without --score-col said "shares, NPS, impacts and segment scores are
    # weighted ... the regression's errors a survey-weighted HC1 sandwich": only shares are
    src = tmp_path / "classified.csv"
    _comments(_survey(200)).drop(columns="nps").to_csv(src, index=False)
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["report", str(src), "--text-col", "comment", "--weight-col", "weight",
                                 "--out", str(out), "--lang", "en"])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert "Weighted by the survey weights in column &#x27;weight&#x27;: shares are weighted" in html
    assert "impacts" not in html and "regression" not in html and "HC1" not in html
