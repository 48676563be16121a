"""Drivers: the numbers analysts act on. Hand-computed examples, statsmodels cross-checks,
simulations with planted drivers (recovery + interval coverage) and with no effect (BH)."""

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.stats.multitest import multipletests
from typer.testing import CliRunner

from feedback_classifier.render.charts import (
    chart_images,
    figure_bytes,
    impact_chart,
    priority_matrix,
)
from feedback_classifier.cli import app
from feedback_classifier.insights.accumulator import DriversAccumulator
from feedback_classifier.insights.drivers import compute_drivers
from feedback_classifier.insights.matrix import category_matrix
from feedback_classifier.insights.periods import canonical_dates, parse_periods
from feedback_classifier.render.markdown import drivers_markdown
from feedback_classifier.errors import LabelError, MissingColumnError, ScoreError

# ---- a small example computed by hand -------------------------------------------------------

HAND = pd.DataFrame(
    {
        "nps": ["10", "9", "3", "8", "0", "x", "6", "10"],
        "categories": [
            "Delivery > Courier; Delivery > Tracking",  # promoter, Delivery counted once
            "Price",  # promoter
            "Delivery > Courier",  # detractor
            "",  # passive
            "Delivery > Tracking; Price",  # detractor
            "Delivery > Courier",  # invalid score: a mention, but not scored
            "",  # detractor
            "Service",  # promoter
        ],
    }
)


def row(result, level, category):
    t = result.table
    found = t[(t["level"] == level) & (t["category"] == category)]
    assert len(found) == 1, (level, category)
    return found.iloc[0]


def test_hand_computed_nps_drivers():
    res = compute_drivers(HAND, score_col="nps", min_n=3, n_boot=200)
    # valid scores: 7 (row 6 'x' is reported); promoters rows 1,2,8; passive row 4; detractors rows 3,5,7
    assert res.overall.metric == pytest.approx(0.0)  # (3 - 3) / 7
    assert res.score_issues.rows("non_numeric").tolist() == [6]
    d = row(res, "parent", "Delivery")
    assert d["mentions"] == 4  # rows 1, 3, 5, 6 (row 6 has no valid score but is a mention)
    assert d["mentions_scored"] == 3
    assert d["share"] == pytest.approx(4 / 8)
    assert d["metric_with"] == pytest.approx(100 * (1 - 2) / 3)  # rows 1,3,5: P, D, D
    assert d["metric_without"] == pytest.approx(100 * (2 - 1) / 4)  # rows 2,4,7,8: P, Pa, D, P
    assert d["impact"] == pytest.approx(0 - 25.0)  # NPS(all) - NPS(without)
    assert d["impact"] == pytest.approx(3 / 7 * (d["metric_with"] - d["metric_without"]))
    assert d["share_of_detractors"] == pytest.approx(2 / 3)  # detractors 3, 5 of 3, 5, 7
    assert d["detractor_rate_with"] == pytest.approx(2 / 3)
    assert d["detractor_rate_without"] == pytest.approx(1 / 4)
    assert d["lift"] == pytest.approx((2 / 3) / (3 / 7))
    assert not d["low_n"]
    service = row(res, "parent", "Service")  # one promoter: impact = 0 - (2 - 3) / 6 * 100
    assert service["impact"] == pytest.approx(100 / 6)
    assert service["low_n"]  # flagged, not hidden
    courier = row(res, "category", "Delivery > Courier")
    assert (courier["mentions"], courier["mentions_scored"]) == (3, 2)
    assert courier["metric_with"] == pytest.approx(0.0) and courier["impact"] == pytest.approx(0.0)
    # ranked by harm within each level, parents first
    parents = res.level("parent")
    assert parents["category"].tolist() == ["Delivery", "Price", "Service"]
    assert parents["rank"].tolist() == [1, 2, 3]
    assert res.table["level"].tolist()[:3] == ["parent"] * 3
    assert res.uncategorised == 2


def test_csat_ces_and_mean_drivers_use_their_own_metric():
    df = pd.DataFrame({"s": [5, 4, 1, 2, 5, 3], "categories": ["", "", "Wait", "Wait", "", "Wait"]})
    csat = compute_drivers(df, score_col="s", score_type="csat", min_n=1, n_boot=100)
    wait = row(csat, "parent", "Wait")
    # CSAT = % top-2-box (4-5): all 3/6 -> 50; without Wait rows 1,2,5 -> 100; impact -50
    assert csat.overall.metric == pytest.approx(50.0)
    assert wait["metric_without"] == pytest.approx(100.0) and wait["impact"] == pytest.approx(-50.0)
    assert wait["detractor_rate_with"] == pytest.approx(2 / 3)  # 1 and 2 are the bottom-2 box
    # CES with lower = less effort: a category that raises the mean is the harmful one
    ces = compute_drivers(df.assign(s=[1, 2, 7, 6, 1, 5]), score_col="s", score_type="ces",
                          higher_is_better=False, min_n=1, n_boot=100)
    w = row(ces, "parent", "Wait")
    assert ces.overall.metric == pytest.approx(22 / 6)
    assert w["impact"] == pytest.approx(22 / 6 - 4 / 3)
    assert w["detractor_rate_with"] == pytest.approx(2 / 3)  # 6 and 7 = high effort
    mean = compute_drivers(df.assign(s=[1.5, 2.25, 7.0, 6.0, 1.0, 5.5]), score_col="s", score_type="mean",
                           min_n=1, n_boot=0)
    assert row(mean, "parent", "Wait")["metric_with"] == pytest.approx(18.5 / 3)
    assert np.isnan(row(mean, "parent", "Wait")["detractor_rate_with"])  # no detractors for a plain mean


def test_lower_is_better_ranks_positive_impact_first():
    rng = np.random.default_rng(3)
    n = 400
    cats = rng.choice(["Slow", "Fine", ""], n)
    effort = np.clip(np.round(3 + 2.5 * (cats == "Slow") + rng.normal(0, 1, n)), 1, 7)
    res = compute_drivers(pd.DataFrame({"ces": effort, "categories": cats}), score_col="ces", score_type="ces",
                          higher_is_better=False, n_boot=100)
    top = res.level("parent").iloc[0]
    assert top["category"] == "Slow" and top["impact"] > 0


def test_impact_identity_and_invariants_on_random_data():
    rng = np.random.default_rng(7)
    n = 500
    df = pd.DataFrame(
        {
            "nps": rng.integers(0, 11, n),
            "categories": ["; ".join(f"P{p} > C{c}" for p, c in zip(rng.integers(0, 3, k), rng.integers(0, 3, k)))
                           for k in rng.integers(0, 4, n)],
        }
    )
    res = compute_drivers(df, score_col="nps", n_boot=0, min_n=0)
    t = res.table[res.table["mentions_scored"] < n]
    share_scored = t["mentions_scored"] / res.overall.n_scored
    np.testing.assert_allclose(t["impact"], share_scored * (t["metric_with"] - t["metric_without"]), atol=1e-9)
    # mentions computed the slow way, from the row-level matrix
    m = category_matrix(df["categories"])
    dense = m.member[m.row_cells].toarray()
    expected = dict(zip(m.names, dense.sum(axis=0)))
    for r in res.table.itertuples():
        assert r.mentions == expected[r.category] if r.level == "parent" else True


def test_taxonomy_names_are_matched_in_any_language_and_unmentioned_categories_listed():
    from feedback_classifier.taxonomy import load_taxonomy

    tax = load_taxonomy("cx-default")
    df = pd.DataFrame({"nps": [2, 9, 10], "categories": ["доставка и логистика > КУРЬЕР; Price", "PRICE", ""]})
    res = compute_drivers(df, score_col="nps", taxonomy=tax, min_n=1, n_boot=50)
    courier = tax.display_name(("delivery", "courier"))
    assert row(res, "category", courier)["mentions"] == 1
    assert row(res, "parent", tax.display_name(("price", None)))["mentions"] == 2
    assert len(res.level("parent")) == len(tax.parents)  # all parents, mentioned or not
    assert row(res, "parent", tax.display_name(("store", None)))["mentions"] == 0
    with pytest.raises(LabelError, match="row 2"):
        compute_drivers(df.assign(categories=["Price", "Teleportation", ""]), score_col="nps", taxonomy=tax)


def test_input_mistakes_get_specific_errors():
    with pytest.raises(MissingColumnError, match="no column 'NPS'.*'nps', 'categories'"):
        compute_drivers(HAND, score_col="NPS")
    with pytest.raises(LabelError, match="row 2, column 'categories'"):
        compute_drivers(HAND.assign(categories=["", "> Courier"] + [""] * 6), score_col="nps")
    with pytest.raises(ScoreError, match="no valid NPS"):
        compute_drivers(HAND.assign(nps="?"), score_col="nps")
    with pytest.raises(ScoreError, match="Unknown period"):
        compute_drivers(HAND.assign(d="2024-01-01"), score_col="nps", period_col="d", freq="fortnight")


# ---- key-driver regression against statsmodels ----------------------------------------------


def _random_survey(n, n_cat, seed, effects=None):
    rng = np.random.default_rng(seed)
    X = rng.random((n, n_cat)) < rng.uniform(0.05, 0.3, n_cat)
    effects = np.zeros(n_cat) if effects is None else np.asarray(effects)
    shift = np.clip(X @ effects, 0, 0.6)
    u = rng.random(n)
    nps = np.where(u < 0.5 - shift, rng.integers(9, 11, n),
                   np.where(u < 0.65, rng.integers(0, 7, n), rng.integers(7, 9, n)))
    cells = ["; ".join(f"Topic {j:02d}" for j in np.flatnonzero(r)) for r in X]
    return pd.DataFrame({"nps": nps, "categories": cells}), X


@pytest.mark.parametrize("cov_type", ["HC3", "HC1", "HC0", "nonrobust"])
def test_regression_equals_statsmodels_ols(cov_type):
    df, _ = _random_survey(600, 6, seed=11)
    df["nps"] = df["nps"].astype(object)
    df.loc[[3, 50], "nps"] = ["", "12"]  # invalid scores are left out of the fit
    res = compute_drivers(df, score_col="nps", n_boot=0, cov_type=cov_type)
    reg = res.regression[res.regression["level"] == "parent"].set_index("category")
    m = category_matrix(df["categories"])
    cols = m.columns("parent")
    keep = ~df.index.isin([3, 50])
    X = pd.DataFrame(m.member[m.row_cells][:, cols].toarray()[keep], columns=[m.names[c] for c in cols])
    y = np.select([df["nps"][keep].astype(int) >= 9, df["nps"][keep].astype(int) >= 7], [100.0, 0.0], -100.0)
    fit = sm.OLS(y, sm.add_constant(X)).fit(cov_type=cov_type)
    names = ["(intercept)"] + list(X.columns)
    np.testing.assert_allclose(reg.loc[names, "coef"], fit.params.values, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(reg.loc[names, "se"], fit.bse.values, rtol=1e-8)
    np.testing.assert_allclose(reg.loc[names, "p_value"], fit.pvalues.values, rtol=1e-6, atol=1e-12)
    ci = fit.conf_int()
    np.testing.assert_allclose(reg.loc[names, "ci_low"], ci[0].values, rtol=1e-8)
    bh = multipletests(fit.pvalues.values[1:], method="fdr_bh")[1]
    np.testing.assert_allclose(reg.loc[names[1:], "p_adjusted"], bh, rtol=1e-9)
    fit_row = res.regression_fit.set_index("level").loc["parent"]
    assert fit_row["r_squared"] == pytest.approx(fit.rsquared)


def test_rare_and_collinear_categories_are_reported_not_estimated():
    df, _ = _random_survey(300, 3, seed=5)
    df["categories"] = df["categories"].where(df.index != 0, "Topic 00; Once")
    twins = df["categories"].str.contains("Topic 01")
    df.loc[twins, "categories"] = df.loc[twins, "categories"] + "; Twin"
    reg = compute_drivers(df, score_col="nps", n_boot=0).regression.set_index(["level", "category"])
    assert "fewer than 2" in reg.loc[("parent", "Once"), "note"]
    assert np.isnan(reg.loc[("parent", "Once"), "coef"])
    # Topic 01 and Twin always come together: only one of them can be estimated
    notes = reg.loc[[("parent", "Topic 01"), ("parent", "Twin")], "note"].tolist()
    assert sum("collinear" in n for n in notes) == 1


# ---- bootstrap ------------------------------------------------------------------------------


def _naive_bootstrap(y, mention, n_boot, seed):
    rng = np.random.default_rng(seed)
    n = len(y)
    reps = np.empty(n_boot)
    for b in range(n_boot):
        idx = rng.integers(0, n, n)
        yy, mm = y[idx], mention[idx]
        reps[b] = yy.mean() - yy[~mm].mean()
    return np.quantile(reps, [0.025, 0.975])


@pytest.mark.parametrize("score_type", ["nps", "mean"])
def test_sufficient_statistics_bootstrap_matches_resampling_rows(score_type):
    rng = np.random.default_rng(2)
    n = 800
    mention = rng.random(n) < 0.3
    if score_type == "nps":
        score = np.where(mention, rng.integers(0, 9, n), rng.integers(4, 11, n))
        y = np.select([score >= 9, score >= 7], [100.0, 0.0], -100.0)
    else:  # continuous: the normal-approximation path
        score = np.where(mention, rng.normal(5, 2, n), rng.normal(6, 1.5, n)).round(3)
        y = score
    df = pd.DataFrame({"s": score, "categories": np.where(mention, "Issue", "")})
    res = compute_drivers(df, score_col="s", score_type=score_type, n_boot=4000, seed=1)
    assert ("exact" in res.settings["bootstrap"]) == (score_type == "nps")
    got = row(res, "parent", "Issue")
    ref_low, ref_high = _naive_bootstrap(y, mention, 4000, seed=9)
    width = ref_high - ref_low
    assert got["impact_low"] == pytest.approx(ref_low, abs=0.08 * width)
    assert got["impact_high"] == pytest.approx(ref_high, abs=0.08 * width)
    assert got["impact_low"] < got["impact"] < got["impact_high"]
    again = compute_drivers(df, score_col="s", score_type=score_type, n_boot=4000, seed=1)
    assert row(again, "parent", "Issue")["impact_low"] == got["impact_low"]  # seeded: reproducible


# ---- simulations ----------------------------------------------------------------------------

PLANTED = {0: 0.25, 1: 0.15, 2: 0.12}  # category -> probability moved from promoter to detractor


def _planted_survey(n, seed):
    """Independent categories; mentioning j moves PLANTED[j] from promoters to detractors, so
    E[y | j] - E[y | not j] = -200 * delta_j and the true leave-out impact is p_j * (-200 delta_j)."""
    rng = np.random.default_rng(seed)
    prevalence = np.array([0.2, 0.15, 0.25, 0.3, 0.2, 0.1, 0.15, 0.25])
    X = rng.random((n, len(prevalence))) < prevalence
    shift = sum(X[:, j] * d for j, d in PLANTED.items())
    u = rng.random(n)
    p_pro, p_det = 0.55 - shift, 0.15 + shift
    nps = np.where(u < p_pro, 10, np.where(u < p_pro + p_det, 3, 8))
    cells = ["; ".join(f"Area {j} > Issue {j}" for j in np.flatnonzero(r)) for r in X]
    truth = {f"Area {j}": prevalence[j] * (-200 * d) for j, d in PLANTED.items()}
    return pd.DataFrame({"nps": nps, "categories": cells}), truth


def test_planted_drivers_are_found_ranked_first_and_covered_by_their_intervals():
    covered, total = 0, 0
    for seed in range(30):
        df, truth = _planted_survey(2500, seed)
        res = compute_drivers(df, score_col="nps", n_boot=300, seed=seed)
        parents = res.level("parent")
        assert set(parents["category"].head(3)) == set(truth), seed
        reg = res.regression[(res.regression["level"] == "parent") & res.regression["significant"]]
        assert set(truth) <= set(reg["category"]), seed
        for name, true_impact in truth.items():
            r = parents[parents["category"] == name].iloc[0]
            covered += r["impact_low"] <= true_impact <= r["impact_high"]
            total += 1
    # 90 nominal-95% intervals: expect ~85.5 covered; < 79 would mean real under-coverage
    assert covered / total >= 0.88, (covered, total)


def test_with_no_real_effect_bh_keeps_false_discoveries_near_five_percent():
    any_discovery, raw_rejections, tests = 0, 0, 0
    for seed in range(60):
        df, _ = _random_survey(1200, 15, seed=100 + seed)
        reg = compute_drivers(df, score_col="nps", n_boot=0).regression
        reg = reg[(reg["level"] == "parent") & (reg["category"] != "(intercept)")]
        any_discovery += bool(reg["significant"].any())
        raw_rejections += int((reg["p_value"] < 0.05).sum())
        tests += len(reg)
    # every discovery is false here, so FDR = share of datasets with any discovery (<= 5% under BH)
    assert any_discovery <= 8, any_discovery  # Binomial(60, 0.05): P(> 8) < 0.5%
    assert 0.025 <= raw_rejections / tests <= 0.08  # the unadjusted p-values are calibrated


# ---- cuts -----------------------------------------------------------------------------------


def test_segments_repeat_the_analysis_per_segment():
    df, _ = _planted_survey(900, 1)
    df["region"] = np.where(np.arange(900) % 3 == 0, "North", "South")
    df.loc[5, "region"] = None
    res = compute_drivers(df, score_col="nps", by="region", n_boot=100, min_n=10)
    seg = res.segments
    assert set(seg["segment"]) == {"North", "South", "(missing)"}
    north = compute_drivers(df[df["region"] == "North"], score_col="nps", n_boot=0, min_n=10)
    got = seg[(seg["segment"] == "North") & (seg["level"] == "parent")].set_index("category")
    exp = north.level("parent").set_index("category")
    np.testing.assert_allclose(got.loc[exp.index, "impact"], exp["impact"])
    np.testing.assert_allclose(got.loc[exp.index, "metric_with"], exp["metric_with"])
    assert got["segment_metric"].iloc[0] == pytest.approx(north.overall.metric)
    wide = res.segments_wide("impact")
    assert {"North", "South", "(missing)"} <= set(wide.columns)
    assert len(wide) == len(res.table)


def test_trend_by_month_and_unreadable_dates_reported_with_rows_kept():
    df, _ = _planted_survey(600, 2)
    df["date"] = np.where(np.arange(600) % 2 == 0, "2024-01-15", "2024-02-03")
    df.loc[[4, 9], "date"] = ["not a date", ""]
    res = compute_drivers(df, score_col="nps", period_col="date", freq="month", n_boot=50)
    assert res.date_issues.rows("unparseable").tolist() == [5]
    assert res.date_issues.rows("missing").tolist() == [10]
    assert res.overall.n_scored == 600  # bad dates do not drop rows from the overall analysis
    tr = res.trend
    assert sorted(tr["period"].unique()) == ["2024-01", "2024-02"]
    jan = df[df["date"] == "2024-01-15"]
    exp = compute_drivers(jan, score_col="nps", n_boot=0).level("parent").set_index("category")
    got = tr[(tr["period"] == "2024-01") & (tr["level"] == "parent")].set_index("category")
    np.testing.assert_allclose(got.loc[exp.index, "impact"], exp["impact"])
    np.testing.assert_allclose(got.loc[exp.index, "share"], exp["share"])
    assert set(tr["period_rows"]) == {299, 299} | {len(jan)}


def test_periods_parse_common_date_spellings():
    codes, periods, issues = parse_periods(pd.Series(["2024-03-31", "31.03.2024", "2024-04-01T10:00:00Z"]),
                                           "quarter")
    assert issues.n_invalid == 0
    assert [str(p) for p in periods] == ["2024Q1", "2024Q2"]
    assert codes.tolist() == [0, 0, 1]


# ---- output ---------------------------------------------------------------------------------


def test_markdown_and_charts_render():
    res = compute_drivers(HAND, score_col="nps", min_n=3, n_boot=100)
    md = drivers_markdown(res)
    assert md.startswith("# Drivers of NPS")
    assert "| 1 | Delivery | 4 |" in md and "low n" in md and "not a number (row 6" in md
    assert figure_bytes(impact_chart(res), "png")[:4] == b"\x89PNG"
    assert "<svg" in figure_bytes(priority_matrix(res, level="category"), "svg")
    assert set(chart_images(res, fmt="svg")) == {"impact_parent", "priority_parent", "impact_category",
                                                  "priority_category"}


runner = CliRunner()


@pytest.fixture
def survey_csv(tmp_path):
    df, _ = _planted_survey(400, 4)
    df["nps"] = df["nps"].astype(str)
    df.loc[7, "nps"] = "8.5"
    df["region"] = np.where(np.arange(400) % 2 == 0, "N", "S")
    path = tmp_path / "survey.csv"
    df.to_csv(path, index=False)
    return path


def test_cli_drivers_prints_ranked_table_overall_and_score_problems(survey_csv):
    result = runner.invoke(app, ["drivers", str(survey_csv), "--score-col", "nps", "--boot", "200"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "NPS " in out and "95% CI" in out and "399 valid scores of 400 rows" in out
    assert "Area 0" in out and "impact" in out
    assert "not a whole number (row 8" in out


def test_cli_drivers_writes_csv_md_and_charts(survey_csv, tmp_path):
    out = tmp_path / "drivers.csv"
    result = runner.invoke(app, ["drivers", str(survey_csv), "--score-col", "nps", "--boot", "100", "--by", "region",
                                 "--out", str(out), "--charts", str(tmp_path / "charts")])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out, encoding="utf-8-sig")
    assert list(table.columns[:4]) == ["level", "rank", "category", "parent"]
    assert table.iloc[0]["category"] == "Area 0"
    assert (tmp_path / "drivers_regression.csv").exists() and (tmp_path / "drivers_segments.csv").exists()
    pngs = sorted(p.name for p in (tmp_path / "charts").glob("*.png"))
    assert pngs == ["impact_category.png", "impact_parent.png", "priority_category.png", "priority_parent.png"]
    assert all((tmp_path / "charts" / p).read_bytes()[:4] == b"\x89PNG" for p in pngs)
    md = tmp_path / "drivers.md"
    result = runner.invoke(app, ["drivers", str(survey_csv), "--score-col", "nps", "--boot", "50", "--out", str(md)])
    assert result.exit_code == 0, result.output
    assert md.read_text(encoding="utf-8").startswith("# Drivers of NPS")
    assert not list(tmp_path.glob(".*.tmp"))  # atomic writes leave no temp files


def test_cli_drivers_by_a_segment_prints_each_segments_first_driver_and_names_only_files_written(
        survey_csv, tmp_path):
    # without --out it pointed to "the output file" for impact per segment, and wrote none
    result = runner.invoke(app, ["drivers", str(survey_csv), "--score-col", "nps", "--boot", "50", "--by", "region"])
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "Segments by 'region': 2" in out and "first driver" in out
    assert "│ N " in result.output and "│ S " in result.output and "Area 0" in out
    assert "output file" not in out and "add --out drivers.csv to write it (to drivers_segments.csv)" in out
    assert not list(tmp_path.glob("*_segments*"))
    result = runner.invoke(app, ["drivers", str(survey_csv), "--score-col", "nps", "--boot", "50", "--by", "region",
                                 "--out", str(tmp_path / "d.csv")])
    assert result.exit_code == 0, result.output
    assert f"see{tmp_path / 'd_segments.csv'}." in "".join(result.output.split())  # rich may wrap the path
    assert (tmp_path / "d_segments.csv").exists()


def test_cli_drivers_bad_score_column_exits_1_listing_the_columns(survey_csv):
    result = runner.invoke(app, ["drivers", str(survey_csv), "--score-col", "score"])
    assert result.exit_code == 1
    assert "no column 'score'" in result.output and "'nps', 'categories', 'region'" in result.output
    assert "Traceback" not in result.output


def test_cli_drivers_without_categories_suggests_classifying(tmp_path):
    path = tmp_path / "raw.csv"
    pd.DataFrame({"nps": [1, 9], "comment": ["slow", "ok"]}).to_csv(path, index=False)
    result = runner.invoke(app, ["drivers", str(path), "--score-col", "nps"])
    assert result.exit_code == 1
    assert "no column 'categories'" in result.output and "--text-col" in result.output


def test_cli_drivers_classifies_on_the_fly_with_text_col(tmp_path, monkeypatch):
    import feedback_classifier.model.enrichment as classify_mod
    import feedback_classifier.model.default as defaults_mod

    class Stub:
        taxonomy_ = None

    calls = {}

    def fake_enrich(df, model, text_col, **kwargs):
        calls["text_col"] = text_col
        return df.assign(categories=np.where(df[text_col].str.contains("late"), "Delivery > Delivery time", ""))

    monkeypatch.setattr(defaults_mod, "default_model", lambda: Stub())
    monkeypatch.setattr(classify_mod, "enrich", fake_enrich)
    path = tmp_path / "raw.csv"
    pd.DataFrame({"nps": [1, 2, 9, 10, 3, 9], "comment": ["late", "late again", "ok", "great", "late", "fine"]}).to_csv(
        path, index=False)
    result = runner.invoke(app, ["drivers", str(path), "--score-col", "nps", "--text-col", "comment", "--min-n", "1"])
    assert result.exit_code == 0, result.output
    assert calls == {"text_col": "comment"} and "Delivery" in result.output
    missing = runner.invoke(app, ["drivers", str(path), "--score-col", "nps", "--text-col", "comment",
                                  "--model", str(tmp_path / "nope.model")])
    assert missing.exit_code == 1 and "model file not found" in missing.output


GOLDEN = Path(__file__).parent / "golden" / "drivers_hand.md"


def test_markdown_output_matches_golden_file():
    """The Markdown an analyst reads for the hand-computed example (no bootstrap: RNG-free).
    Regenerate after an intended change with UPDATE_GOLDEN=1."""
    md = drivers_markdown(compute_drivers(HAND, score_col="nps", min_n=3, n_boot=0))
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(md, encoding="utf-8")
    assert md == GOLDEN.read_text(encoding="utf-8")


# ---- frequency weights and streaming (big files are reduced to distinct rows first) ---------


_KEYS = ["categories", "score", "region", "date"]


def _mixed_survey(n, seed, score_type):
    """Raw rows with repeated combinations, bad scores and bad dates, dates with times."""
    rng = np.random.default_rng(seed)
    cells = np.array(["", "Price", "Delivery > Courier", "Delivery > Courier; Price", "Delivery > Tracking",
                      "Service > Staff", "Service", "delivery > courier; Service > Staff"], dtype=object)
    if score_type == "mean":
        score = np.round(rng.normal(5, 2, n), 3).astype(str).astype(object)
    elif score_type == "csat":
        score = rng.integers(1, 6, n).astype(str).astype(object)
    else:
        score = rng.integers(0, 11, n).astype(str).astype(object)
    score[rng.random(n) < 0.03] = "x"
    score[rng.random(n) < 0.03] = None
    days = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 200, n), unit="D")
    date = (days + pd.to_timedelta(rng.integers(0, 86400, n), unit="s")).strftime("%Y-%m-%d %H:%M:%S").to_numpy(object)
    date[rng.random(n) < 0.02] = "someday"
    date[rng.random(n) < 0.02] = None
    date[rng.random(n) < 0.05] = "15.03.2024 10:00"
    return pd.DataFrame({
        "categories": rng.choice(cells, n, p=[0.3, 0.2, 0.1, 0.1, 0.1, 0.1, 0.05, 0.05]),
        "score": pd.array(score, dtype="str"),
        "region": rng.choice(["N", "S", "E", None], n, p=[0.4, 0.3, 0.25, 0.05]),
        "date": pd.array(date, dtype="str"),
    })


def _assert_same_result(a, b):
    for name in ("table", "regression", "regression_fit", "segments", "trend"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=False, rtol=1e-9, atol=1e-9,
                                      obj=name)
    for field in ("metric", "ci_low", "ci_high", "n_rows", "n_scored", "n_invalid", "mean", "mean_low", "mean_high",
                  "top_box_share", "detractor_share", "promoters", "detractors"):
        x, y = getattr(a.overall, field), getattr(b.overall, field)
        assert (x == pytest.approx(y, rel=1e-12, nan_ok=True)) if x is not None else y is None, field
    assert a.score_issues.counts() == b.score_issues.counts()
    assert a.date_issues.counts() == b.date_issues.counts()
    assert a.uncategorised == b.uncategorised


@pytest.mark.parametrize("score_type", ["nps", "csat", "mean"])
def test_weighted_aggregate_gives_the_same_drivers_as_raw_rows(score_type):
    df = _mixed_survey(900, 4, score_type)
    df["date"] = df["date"].str[:10]  # daily dates: rows repeat
    if score_type == "mean":
        df["score"] = df["score"].str[:3]  # 5.8: still > 64 distinct values (normal-approximation bootstrap)
    kw = dict(score_col="score", score_type=score_type, by="region", period_col="date", min_n=5, n_boot=200, seed=7)
    raw = compute_drivers(df, **kw)
    agg = df.groupby(_KEYS, sort=False, dropna=False).size().reset_index(name="w")
    assert len(agg) < len(df) and agg["w"].sum() == len(df)
    weighted = compute_drivers(agg, weight="w", **kw)
    _assert_same_result(raw, weighted)
    # bootstrap intervals are drawn from the same counts: the same numbers, not just close
    np.testing.assert_array_equal(raw.table["impact_low"].isna(), weighted.table["impact_low"].isna())
    assert weighted.score_issues.summary().startswith(raw.score_issues.summary().split(":")[0])


def test_accumulated_chunks_equal_raw_rows_including_first_bad_rows():
    df = _mixed_survey(500, 9, "nps")
    kw = dict(by="region", min_n=5, n_boot=100, seed=1, score_type="nps")
    raw = compute_drivers(df, score_col="score", period_col="date", freq="month", **kw)
    results = []
    for size in (7, 500):
        acc = DriversAccumulator(_KEYS, score_col="score", period_col="date", freq="month")
        for start in range(0, len(df), size):
            acc.add(df.iloc[start:start + size])
        assert acc.rows == 500 and len(acc.table("main")) < 500 and len(acc.table("trend")) < 500
        results.append(acc.compute(**kw))
    for res in results:
        _assert_same_result(raw, res)
        assert res.score_issues.summary() == raw.score_issues.summary()
        assert res.date_issues.summary() == raw.date_issues.summary()
        assert res.score_issues.to_frame().equals(raw.score_issues.to_frame())
    pd.testing.assert_frame_equal(results[0].table, results[1].table)  # chunk size changes nothing, exactly


def test_canonical_dates_keep_periods_and_day_first_reading():
    values = pd.Series(["2024-01-31T23:30:00-02:00", "2024-02-10", "03/04/2024 10:15", "31/12/2024", "", None, "bad"])
    for freq in ("week", "month", "quarter", "year"):
        a = parse_periods(values, freq)
        b = parse_periods(canonical_dates(values, freq), freq)
        assert a[0].tolist() == b[0].tolist() and [str(p) for p in a[1]] == [str(p) for p in b[1]]
        assert a[2].counts() == b[2].counts()


@pytest.mark.parametrize("cov_type", ["HC3", "HC1", "HC0", "nonrobust"])
def test_weighted_regression_equals_statsmodels_on_the_expanded_rows(cov_type):
    rng = np.random.default_rng(5)
    cells = ["Topic A", "Topic B", "Topic A; Topic C", "", "Topic C", "Topic B; Topic C"]
    agg = pd.DataFrame({"categories": rng.choice(cells, 80), "nps": rng.integers(0, 11, 80).astype(str),
                        "w": rng.integers(0, 9, 80)})
    res = compute_drivers(agg, score_col="nps", weight="w", n_boot=0, cov_type=cov_type)
    reg = res.regression[res.regression["level"] == "parent"].set_index("category")
    expanded = agg.loc[agg.index.repeat(agg["w"])].reset_index(drop=True)
    X = pd.DataFrame({t: expanded["categories"].str.contains(t).astype(float) for t in ["Topic A", "Topic B", "Topic C"]})
    s = expanded["nps"].astype(int)
    y = np.select([s >= 9, s >= 7], [100.0, 0.0], -100.0)
    fit = sm.OLS(y, sm.add_constant(X)).fit(cov_type=cov_type)
    names = ["(intercept)"] + list(X.columns)
    np.testing.assert_allclose(reg.loc[names, "coef"], fit.params.values, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(reg.loc[names, "se"], fit.bse.values, rtol=1e-8)
    # WLS with the weights as frequency weights gives the same coefficients on the short table
    wls = sm.WLS(np.select([agg["nps"].astype(int) >= 9, agg["nps"].astype(int) >= 7], [100.0, 0.0], -100.0),
                 sm.add_constant(pd.DataFrame({t: agg["categories"].str.contains(t).astype(float)
                                               for t in ["Topic A", "Topic B", "Topic C"]})),
                 weights=agg["w"]).fit()
    np.testing.assert_allclose(reg.loc[names, "coef"], wls.params.values, rtol=1e-9, atol=1e-9)
    assert res.overall.n_scored == len(expanded)


def test_bad_weights_are_refused_with_the_row():
    df = pd.DataFrame({"nps": ["9", "3"], "categories": ["Price", ""], "w": ["2", "1.5"]})
    with pytest.raises(ScoreError, match=r"Weight column 'w'.*row 2.*1\.5"):
        compute_drivers(df, score_col="nps", weight="w")


def test_categories_nobody_mentioned_are_listed_last_without_a_rank():
    from feedback_classifier.taxonomy import load_taxonomy

    df = pd.DataFrame({"nps": [0, 1, 9, 10, 8] * 8, "categories": ["Price", "Price", "", "Delivery", ""] * 8})
    table = compute_drivers(df, score_col="nps", taxonomy=load_taxonomy("cx-default"), n_boot=0).level("parent")
    mentioned = table[table["mentions"] > 0]
    assert mentioned["rank"].tolist() == [1, 2]
    assert table[table["mentions"] == 0]["rank"].isna().all()
    assert list(table.index[: len(mentioned)]) == list(mentioned.index)  # unranked ones come after


def test_drivers_detects_the_date_column_like_analyze(tmp_path):
    # its --period-col help says "default: detected"; it used to leave the trend out unless given
    src = tmp_path / "classified.csv"
    pd.DataFrame({"submitted_at": ["2024-01-05", "2024-01-20", "2024-02-03", "2024-02-17", "2024-03-01", "2024-03-09"],
                  "nps": [2, 9, 3, 10, 1, 9],
                  "categories": ["Price", "", "Price", "", "Price", ""]}).to_csv(src, index=False)
    result = runner.invoke(app, ["drivers", str(src), "--score-col", "nps", "--boot", "0", "--min-n", "1",
                                 "--out", str(tmp_path / "drivers.csv")])
    assert result.exit_code == 0, result.output
    assert "Trend: using 'submitted_at' as the date column (set --period-col to change)" in result.stdout
    assert (tmp_path / "drivers_trend.csv").exists()
    assert sorted(pd.read_csv(tmp_path / "drivers_trend.csv")["period"].unique()) == ["2024-01", "2024-02", "2024-03"]


def test_a_category_every_scored_row_mentions_gets_no_interval_and_no_numpy_warning():
    # a tiny file where every comment names one category: its bootstrap has no "without" side, and
    # numpy's "All-NaN slice encountered" leaked onto the terminal of `analyze`
    import warnings

    df = pd.DataFrame({"nps": [1, 2, 9, 10], "categories": ["Delivery"] * 3 + ["Delivery; Price"]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = compute_drivers(df, score_col="nps", n_boot=50, min_n=1)
    rows = result.table[result.table["category"] == "Delivery"]
    assert len(rows) and rows["impact_low"].isna().all() and rows["impact_high"].isna().all()


def test_drivers_of_one_polarity_say_so_in_every_output(tmp_path):
    # drivers --polarity negative counted complaints only, but the terminal tables, the .md document,
    # the table files and the charts were titled as if every mention had been counted
    from feedback_classifier.render.charts import impact_chart, priority_matrix

    src = tmp_path / "classified.csv"
    sentiment = ["Price=negative", "Price=negative", "Price=positive", "Delivery=negative", "", "Delivery=positive"]
    pd.DataFrame({"nps": [1, 2, 9, 3, 8, 10], "categories": [c.split("=")[0] for c in sentiment],
                  "category_sentiment": sentiment, "region": ["N", "S"] * 3}).to_csv(src, index=False)
    md = tmp_path / "d.md"
    result = CliRunner().invoke(app, ["drivers", str(src), "--score-col", "nps", "--polarity", "negative",
                                      "--boot", "0", "--min-n", "1", "--by", "region", "--out", str(md)],
                                terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "Parent categories: impact on NPS: complaints only" in result.output
    assert "Categories: impact on NPS: complaints only" in result.output
    assert "and their first driver: complaints only" in " ".join(result.output.split())  # a wrapped title
    assert md.read_text(encoding="utf-8").splitlines()[0] == "# Drivers of NPS: complaints only"
    result = CliRunner().invoke(app, ["drivers", str(src), "--score-col", "nps", "--polarity", "positive",
                                      "--boot", "0", "--min-n", "1", "--by", "region", "--out",
                                      str(tmp_path / "d.csv")])
    assert result.exit_code == 0, result.output
    for name in ("d.csv", "d_regression.csv", "d_segments.csv"):
        table = pd.read_csv(tmp_path / name)
        assert table.columns[0] == "counted" and set(table["counted"]) == {"praise only"}, name

    from feedback_classifier.jobs.drivers import drivers_file

    res = drivers_file(src, score_col="nps", polarity="negative", n_boot=0, min_n=1).drivers
    assert impact_chart(res).get_suptitle().replace("\n", " ").endswith(": complaints only")
    assert priority_matrix(res, lang="ru").axes[0].get_title().endswith(": только жалобы")
    plain = drivers_file(src, score_col="nps", n_boot=0, min_n=1).drivers
    assert ":" not in impact_chart(plain).get_suptitle().split("What moves NPS:")[-1]
    assert drivers_markdown(plain).splitlines()[0] == "# Drivers of NPS"


def test_the_same_respondents_get_the_same_impact_interval_wherever_they_appear(tmp_path):
    # Delivery and its only named child Courier cover the same 14 rows: the table showed
    # -30.83 [-63.33, 0.79] for one and [-62.73, -1.67] for the other, and `report` on the same
    # file (the whole taxonomy's categories as columns) gave a third interval
    rows = ([("Delivery and logistics > Courier", s) for s in (0, 1, 2, 3, 4, 5, 6, 7, 9, 10)]
            + [("Price and value > Too expensive", s) for s in (10, 10, 10, 9, 8, 7, 6, 0)]
            + [("", s) for s in (10, 10, 10, 10, 9, 8, 7, 5)])
    df = pd.DataFrame({"categories": [c for c, _ in rows], "nps": [s for _, s in rows],
                       "region": ["N", "S"] * (len(rows) // 2)})
    path = tmp_path / "coded.csv"
    df.to_csv(path, index=False)
    tables = []
    for extra in ([], ["--taxonomy", "cx-default"]):
        out = tmp_path / f"d{len(extra)}.csv"
        result = CliRunner().invoke(app, ["drivers", str(path), "--score-col", "nps", "--min-n", "1", "--by", "region",
                                          "--out", str(out), *extra])
        assert result.exit_code == 0, result.output
        tables.append(pd.read_csv(out).set_index(["level", "category"]))
    cols = ["impact", "impact_low", "impact_high"]
    first = tables[0][cols]
    pd.testing.assert_frame_equal(first, tables[1].loc[first.index, cols])
    parent, child = first.loc[("parent", "Delivery and logistics")], first.loc[("category", "Delivery and logistics > Courier")]
    assert parent.tolist() == child.tolist() and parent["impact_low"] < parent["impact"] < parent["impact_high"]
    seg = pd.read_csv(tmp_path / "d0_segments.csv").set_index(["segment", "level", "category"])
    assert (seg.loc[("N", "parent", "Delivery and logistics"), cols].tolist()
            == seg.loc[("N", "category", "Delivery and logistics > Courier"), cols].tolist())


@pytest.mark.parametrize("score_type", ["nps", "mean"])
def test_impact_intervals_do_not_depend_on_row_order(score_type):
    # the bootstrap drew every category from one random stream in table order: shuffling the rows of
    # an export moved interval ends (by up to 0.19 NPS points); each interval now has its own stream
    rng = np.random.default_rng(5)
    n = 400
    df = pd.DataFrame({"score": rng.integers(0, 11, n),
                       "categories": rng.choice(["Price", "Delivery > Courier", "Price; Delivery", ""], n),
                       "region": rng.choice(["North", "South", "East"], n)})
    kw = {"score_col": "score", "score_type": score_type, "n_boot": 200, "by": "region", "min_n": 10}
    if score_type == "mean":
        kw["scale"] = (0, 10)
    a = compute_drivers(df, **kw)
    b = compute_drivers(df.sample(frac=1, random_state=1).reset_index(drop=True), **kw)
    cols = ["impact", "impact_low", "impact_high"]
    for x, y in ((a.table, b.table), (a.segments, b.segments)):
        keys = [c for c in ("segment", "level", "category") if c in x.columns]
        pd.testing.assert_frame_equal(x.set_index(keys).sort_index()[cols], y.set_index(keys).sort_index()[cols])


def test_dates_with_a_dotted_time_read_and_their_column_is_found():
    # Excel in locales whose time separator is "." (Finnish, Danish, Italian...) writes "24-02-2015 11.35";
    # the Twitter US Airline export's tweet_created is all like that: no date read, no trend, no column found
    from feedback_classifier.insights.periods import detect_period_column, parse_periods

    values = pd.Series(["24-02-2015 11.35", "16-02-2015 23.36", "05.12.2026 9.05.59", "2015-03-01 07.10", "11.35"])
    codes, periods, issues = parse_periods(values, "month")
    assert [str(p) for p in periods] == ["2015-02", "2015-03", "2026-12"]
    assert codes.tolist() == [0, 0, 2, 1, -1] and issues.examples["unparseable"] == ["11.35"]
    frame = pd.DataFrame({"text": ["a", "b"], "tweet_created": ["24-02-2015 11.35", "16-02-2015 23.36"]})
    assert detect_period_column(frame) == "tweet_created"
    # a streamed run keeps one date per day, not one per minute, as for "24-02-2015 11:35"
    assert canonical_dates(values, "month").tolist() == ["24-02-2015", "16-02-2015", "05.12.2026", "2015-03-01", "11.35"]


def test_praise_drivers_rank_the_most_helpful_first(tmp_path):
    # drivers --polarity positive ranked praise as complaints are ranked, lowest impact first: the strongest
    # praise driver came last (cut from the top-N tables), no segment had a "first driver", and the
    # rows without praise were called rows "without any category"
    src = tmp_path / "classified.csv"
    sentiment = (["Delivery=positive"] * 6 + ["Price=positive"] * 3 + ["Price=negative"] * 3
                 + ["Delivery=negative"] * 3 + [""] * 6)
    nps = [10, 9, 10, 9, 10, 10] + [6, 7, 5] + [2, 3, 1] + [4, 3, 2] + [5, 6, 7, 8, 4, 5]
    pd.DataFrame({"nps": nps, "categories": [c.split("=")[0] for c in sentiment], "category_sentiment": sentiment,
                  "region": ["N", "S", "N"] * 7}).to_csv(src, index=False)
    from feedback_classifier.jobs.drivers import drivers_file

    praise = drivers_file(src, score_col="nps", polarity="positive", n_boot=0, min_n=1, by="region").drivers
    parents = praise.level("parent")
    assert parents["category"].tolist()[:2] == ["Delivery", "Price"] and parents["impact"].is_monotonic_decreasing
    complaints = drivers_file(src, score_col="nps", polarity="negative", n_boot=0, min_n=1).drivers.level("parent")
    assert complaints["impact"].is_monotonic_increasing  # (complaints: the most harmful first, as before)
    result = CliRunner().invoke(app, ["drivers", str(src), "--score-col", "nps", "--polarity", "positive",
                                      "--boot", "0", "--min-n", "1", "--by", "region"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "pulls it" not in result.output and "rows without praise" in result.output
    segment_rows = [line for line in result.output.splitlines() if line.strip().startswith(("│ N ", "│ S "))]
    assert segment_rows and all("Delivery" in line for line in segment_rows)


def test_drivers_lang_names_a_classified_file_s_categories_without_taxonomy(tmp_path):
    # --lang was ignored unless --taxonomy was given too: tables and charts kept the file's language
    src = tmp_path / "c.csv"
    pd.DataFrame({"nps": [1, 10, 3, 9] * 5, "categories": ["Price and value", "Service", "Цена и выгода", ""] * 5}
                 ).to_csv(src, index=False)
    out = tmp_path / "d.csv"
    base = ["drivers", str(src), "--score-col", "nps", "--boot", "0", "--min-n", "1", "--out", str(out)]
    result = CliRunner().invoke(app, base + ["--lang", "ru"])
    assert result.exit_code == 0, result.output
    names = set(pd.read_csv(out)["category"])
    assert {"Цена и выгода", "Обслуживание клиентов"} <= names and "Price and value" not in names
    result = CliRunner().invoke(app, base + ["--lang", "en"])
    assert result.exit_code == 0, result.output
    assert {"Price and value", "Customer service"} <= set(pd.read_csv(out)["category"])
    # names the bundled taxonomy does not know stay as written, and the note says what --lang needs
    pd.DataFrame({"nps": [1, 10] * 5, "categories": ["Billing woes", "Price and value"] * 5}).to_csv(src, index=False)
    result = CliRunner().invoke(app, base + ["--lang", "ru"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert set(pd.read_csv(out)["category"]) == {"Billing woes", "Price and value"}
    assert "pass --taxonomy" in result.output


@pytest.mark.parametrize("command", ["drivers", "report"])
def test_a_column_of_few_scores_is_an_error_not_a_confident_metric(tmp_path, command):
    # --score-col comment gave "NPS -9.1 from 11 valid scores of 2,400 rows" and impacts of 0.00;
    # an NPS column read as a 1-5 CSAT dropped 90% of the scores with no word in the console
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"comment": [f"comment {i}" for i in range(62)], "note": [f"n{i}" for i in range(60)] + ["5", "9"],
                       "nps": rng.integers(0, 11, 62), "categories": ["Price", "Service"] * 31})
    df.to_csv(src := tmp_path / "c.csv", index=False)
    out = ["--out", str(tmp_path / ("d.csv" if command == "drivers" else "r.html"))]
    extra = ["--boot", "0"] if command == "drivers" else ["--text-col", "comment"]
    result = CliRunner().invoke(app, [command, str(src), "--score-col", "note", *extra, *out], terminal_width=300)
    assert result.exit_code == 1, result.output
    assert "only 2 of 62 non-empty cells are valid NPS scores" in result.output and "Traceback" not in result.output
    df["nps"] = [0, 6, 7, 8, 9, 10, 10, 9] * 7 + [3, 4, 5, 6, 9, 10]  # mostly 6-10, as NPS answers run
    df.to_csv(src, index=False)
    result = CliRunner().invoke(app, [command, str(src), "--score-col", "nps", "--score-type", "csat", *extra, *out],
                                terminal_width=300)
    assert result.exit_code == 1, result.output
    assert "valid CSAT scores" in result.output and "--score-type" in result.output
    # "Not asked" where the question was not shown: the few scores there are real, and are read as before
    df["nps"] = ["Not asked"] * 50 + [str(v) for v in range(11)] + ["9"]
    df.to_csv(src, index=False)
    result = CliRunner().invoke(app, [command, str(src), "--score-col", "nps", *extra, *out], terminal_width=300)
    assert result.exit_code == 0, result.output


def test_the_trend_shows_a_month_without_answers_as_a_gap():
    # months with no answers were left out, and the report's line joined February to April as if adjacent
    df = pd.DataFrame({"nps": np.random.default_rng(0).integers(0, 11, 120), "categories": ["Price", "Service", ""] * 40,
                       "d": ["2024-01-05"] * 40 + ["2024-02-05"] * 40 + ["2024-05-05"] * 40})
    trend = compute_drivers(df, score_col="nps", period_col="d", n_boot=20, min_n=1).trend
    per = trend.drop_duplicates("period").set_index("period")
    assert per.index.tolist() == ["2024-01", "2024-02", "2024-03", "2024-04", "2024-05"]
    assert per.loc["2024-03", "period_rows"] == 0 and np.isnan(per.loc["2024-03", "period_metric"])
    empty = trend[trend["period"] == "2024-04"]
    assert empty["mentions"].eq(0).all() and empty["impact"].isna().all()  # no score: no impact, not 0
    # a stray date years away does not list empty decades
    df.loc[0, "d"] = "1999-01-01"
    assert compute_drivers(df, score_col="nps", period_col="d", n_boot=0, min_n=1).trend["period"].nunique() == 4


@pytest.mark.parametrize("kind,polarity,first", [("nps", None, "Price"), ("nps", "positive", "Service"),
                                                 ("ces", None, "Price")])
def test_the_key_driver_line_lists_in_the_tables_order(tmp_path, kind, polarity, first):
    # with --polarity positive the line listed the weakest praise first; a CES where 7 is the most effort listed
    # the category that lowers effort first
    rng = np.random.default_rng(0)
    n = 400
    price, service = rng.random(n) < 0.4, rng.random(n) < 0.4
    base = rng.normal(0, 1, n) - 2.5 * price + 1.5 * service
    if kind == "nps":
        score = np.clip(np.round(7 + 2 * base), 0, 10).astype(int)
    else:  # effort: higher is worse
        score = np.clip(np.round(4 - base), 1, 7).astype(int)
    cats = ["; ".join(c for c, on in (("Price", p), ("Service", s)) if on) for p, s in zip(price, service)]
    sentiment = ["; ".join(f"{c}=positive" for c in cell.split("; ") if c) for cell in cats]
    pd.DataFrame({"score": score, "categories": cats, "category_sentiment": sentiment}).to_csv(
        src := tmp_path / "c.csv", index=False)
    args = ["drivers", str(src), "--score-col", "score", "--boot", "0", "--min-n", "1"]
    args += ["--score-type", "ces", "--lower-is-better"] if kind == "ces" else []
    args += ["--polarity", polarity] if polarity else []
    result = CliRunner().invoke(app, args, terminal_width=300)
    assert result.exit_code == 0, result.output
    line = next(li for li in result.output.splitlines() if li.startswith("Key-driver regression"))
    assert line.split(": ", 1)[1].startswith(first), line


def test_drivers_text_col_refuses_a_model_of_another_taxonomy(tmp_path):
    # the comments were classified with the model, then read against --taxonomy: the error blamed
    # an 'Unknown label' in a 'categories' column the input does not have
    from feedback_classifier.model import FeedbackClassifier, save_model

    texts = ["the parcel arrived late", "delivery took weeks", "prices are too high", "way too expensive"] * 3
    labels = [[("delivery", None)], [("delivery", None)], [("price", None)], [("price", None)]] * 3
    model = save_model(FeedbackClassifier(cv=2).fit(texts, labels), tmp_path / "m.joblib")
    data = tmp_path / "s.csv"
    pd.DataFrame({"comment": ["late parcel", "too expensive"], "nps": [3, 9]}).to_csv(data, index=False)
    result = runner.invoke(app, ["drivers", str(data), "--score-col", "nps", "--text-col", "comment", "--model",
                                 str(model), "--taxonomy", "semeval-restaurants", "--tone-teacher", "none"],
                           terminal_width=300)
    assert result.exit_code == 1, result.output
    assert "was trained for taxonomy" in result.output and "'semeval-restaurants'" in result.output
    assert "Unknown label" not in result.output


def test_regression_needs_comments_without_a_category_to_compare_with():
    # every comment names a category, three of them two: the intercept rested on those three and
    # each category came out "significant" at about -50 points where its impact was -3
    rng = np.random.default_rng(3)
    cats = [["A", "B", "C", "D"][i % 4] for i in range(157)]
    cats[:3] = ["A; B", "B; C", "C; D"]
    df = pd.DataFrame({"categories": cats, "nps": rng.integers(0, 11, len(cats))})
    reg = compute_drivers(df, score_col="nps", n_boot=0).regression
    terms = reg[reg["category"] != "(intercept)"]
    assert terms["coef"].isna().all() and not terms["significant"].any()
    assert terms["note"].str.contains("mention no category").all()
    with_baseline = compute_drivers(df.assign(categories=cats[:150] + [""] * 7), score_col="nps", n_boot=0).regression
    assert with_baseline.loc[with_baseline["category"] != "(intercept)", "coef"].notna().all()


def test_regression_of_scores_without_spread_is_not_significant(tmp_path):
    # all detractors: standard errors of 0 gave p = 0, and "Transfers -0.0" was a significant driver
    df = pd.DataFrame({"categories": ["A", "A", "A", "", "", ""], "nps": [3, 3, 3, 3, 3, 3]})
    reg = compute_drivers(df, score_col="nps", n_boot=0, min_n=1).regression
    assert not reg["significant"].any() and reg["p_adjusted"].isna().all()
    path = tmp_path / "c.csv"
    df.to_csv(path, index=False)
    out = runner.invoke(app, ["drivers", str(path), "--score-col", "nps", "--min-n", "1"], terminal_width=300)
    assert out.exit_code == 0, out.output
    assert "Key-driver regression (parent level): no category significant" in out.output


def test_a_backslash_in_a_value_does_not_shift_the_markdown_table_s_columns():
    """A segment named `a\\|b` (a respondent's free-text segment) was written `a\\\\|b`: Markdown reads `\\\\` as a
    backslash and the `|` as a cell border, so every cell after it moved one column right."""
    from feedback_classifier.render.markdown import _md_table

    table = _md_table(pd.DataFrame({"segment": ["a\\|b", "c\\"], "n": [1, 2]})).splitlines()
    # a cell border is a "|" after an even number of backslashes
    borders = [len(re.findall(r"(?<!\\)(?:\\\\)*\|", line)) for line in table]
    assert borders == [3, 3, 3, 3], table


def test_drivers_on_a_file_without_categories_says_so_and_still_lists_the_segments(tmp_path):
    """A file nobody classified printed two empty tables, "no category significant" (read as a
    finding) and a segments table of 0 segments, though each segment's size and NPS were known."""
    path = tmp_path / "survey.csv"
    pd.DataFrame({"nps": [1, 9, 10, 3, 8, 2] * 5, "region": ["N", "S", "E"] * 10,
                  "categories": [""] * 30}).to_csv(path, index=False)
    result = CliRunner().invoke(app, ["drivers", str(path), "--score-col", "nps", "--by", "region",
                                      "--out", str(tmp_path / "d.csv")], terminal_width=200)
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "Nothing to rank: all 30 rows are without any category" in out and "--categories-col" in out
    assert "Key-driver regression" not in out and "Segments by 'region': 3" in out
    segments = pd.read_csv(tmp_path / "d_segments.csv", encoding="utf-8-sig")
    assert segments[["segment", "segment_rows", "segment_metric"]].values.tolist() == [
        ["E", 10, 0.0], ["N", 10, -100.0], ["S", 10, 50.0]]  # segments of one size in name order
    df = pd.read_csv(path, keep_default_na=False)
    assert compute_drivers(df, score_col="nps", by="region", n_boot=0).segments_wide().empty
