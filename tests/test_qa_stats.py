"""A statistician's audit of the drivers numbers: hand-made surveys whose truth is known here."""

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from feedback_classifier.cli import app

runner = CliRunner()


def _survey(tmp_path, n=120, seed=0):
    rng = np.random.default_rng(seed)
    cats = rng.choice(["Delivery > Late", "Price", "", ""], n)
    nps = np.where(cats == "Delivery > Late", rng.integers(0, 7, n), rng.integers(6, 11, n))
    path = tmp_path / "survey.csv"
    pd.DataFrame({"nps": nps, "categories": cats, "region": rng.choice(["North", "South"], n)}).to_csv(path, index=False)
    return path


def test_drivers_tables_name_the_confidence_level_asked_for(tmp_path):
    # --confidence 0.8 printed its 80% intervals under "impact [95% CI]" in the terminal and the Markdown
    path = _survey(tmp_path)
    out = tmp_path / "d.md"
    res = runner.invoke(app, ["drivers", str(path), "--score-col", "nps", "--by", "region", "--min-n", "1",
                              "--confidence", "0.8", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "80% CI" in res.output and "95%" not in res.output
    doc = out.read_text(encoding="utf-8")
    assert "| 80% CI |" in doc and "95%" not in doc


def test_drivers_markdown_does_not_call_a_csat_or_ces_bottom_box_detractors(tmp_path):
    rng = np.random.default_rng(1)
    path = tmp_path / "ces.csv"
    pd.DataFrame({"ces": rng.integers(1, 8, 60), "categories": rng.choice(["Forms", ""], 60)}).to_csv(path, index=False)
    for score_type, heading in (("ces", "high-effort rate %"), ("csat", "dissatisfied rate %")):
        out = tmp_path / f"{score_type}.md"
        args = ["drivers", str(path), "--score-col", "ces", "--score-type", score_type, "--scale", "1-7",
                "--min-n", "1", "--out", str(out)]
        res = runner.invoke(app, args)
        assert res.exit_code == 0, res.output
        doc = out.read_text(encoding="utf-8")
        assert heading in doc and "detractor rate" not in doc


def _lower_is_better_ces(n=300, seed=2):
    rng = np.random.default_rng(seed)
    parents = ["Delivery and logistics", "Price and value", "Customer service", "Product quality", ""]
    cats = rng.choice(parents, n)
    # 1 = no effort: Delivery adds effort (harmful, a positive coefficient), Product quality takes it away
    ces = np.clip(3 + rng.integers(-1, 2, n) + 3 * (cats == parents[0]) - 2 * (cats == parents[3]), 1, 7)
    return pd.DataFrame({"comment": ["x"] * n, "ces": ces, "categories": cats})


def test_report_regression_lists_a_lower_is_better_score_s_harms_first_and_in_red():
    # sorted by the coefficient, a CES where lower is better listed Delivery (+3, harmful) last with a green
    # "yes", and a taxonomy of more than 10 parents would have cut it from the table
    from feedback_classifier.insights.drivers import compute_drivers
    from feedback_classifier.render import build_report
    from feedback_classifier.taxonomy import load_taxonomy

    tax, df = load_taxonomy("cx-default"), _lower_is_better_ces()
    drivers = compute_drivers(df, score_col="ces", score_type="ces", higher_is_better=False, taxonomy=tax,
                              n_boot=50, min_n=1)
    page = build_report(df, tax, text_col="comment", score_col="ces", drivers=drivers)
    regression = page[page.index("Key-driver regression"):].split("</table>")[0]
    rows = regression.split("<tr>")[2:]
    assert "Delivery and logistics" in rows[0] and 'class="badge sig"' in rows[0]
    assert "Product quality" in rows[-1] and 'class="badge sigpos"' in rows[-1]


def test_drivers_markdown_regression_lists_a_lower_is_better_score_s_harms_first(tmp_path):
    path = tmp_path / "ces.csv"
    _lower_is_better_ces().to_csv(path, index=False)
    out = tmp_path / "d.md"
    res = runner.invoke(app, ["drivers", str(path), "--score-col", "ces", "--score-type", "ces", "--lower-is-better",
                              "--min-n", "1", "--boot", "50", "--out", str(out)])
    assert res.exit_code == 0, res.output
    section = out.read_text(encoding="utf-8").split("### Parent categories")[1]
    names = [line.split("|")[1].strip() for line in section.splitlines() if line.startswith("| ") and "coef" not in line]
    assert names[0] == "Delivery and logistics" and names[-1] == "Product quality"


def test_regression_does_not_call_coefficients_fixed_by_one_answer_significant():
    # six answers, three of them the only ones of their pair of categories: each has leverage 1 and is
    # fitted exactly, so HC3's term is 0 / 0; rounding made the standard errors 0.02 points, p = 0 and
    # every category "significant" (statsmodels' HC3 gives an infinite error)
    from feedback_classifier.insights.drivers import compute_drivers

    df = pd.DataFrame({"nps": [8, 5, 6, 0, 6, 5], "categories": ["C; D", "B; D", "", "B; C", "", ""]})
    reg = compute_drivers(df, score_col="nps", min_n=1, n_boot=0).regression
    terms = reg[(reg["level"] == "parent") & (reg["category"] != "(intercept)")]
    assert not terms["significant"].any()
    assert terms["se"].isna().all() and terms["note"].str.contains("leverage 1").all()


def test_regression_errors_are_unchanged_without_an_answer_of_leverage_1():
    import statsmodels.api as sm

    from feedback_classifier.insights.drivers import compute_drivers

    rng = np.random.default_rng(4)
    member = rng.random((80, 3)) < 0.3
    nps = rng.integers(0, 11, 80)
    cats = ["; ".join(c for c, m in zip("ABC", row) if m) for row in member]
    reg = compute_drivers(pd.DataFrame({"nps": nps, "categories": cats}), score_col="nps", min_n=1, n_boot=0).regression
    y = np.where(nps >= 9, 100.0, np.where(nps >= 7, 0.0, -100.0))
    fit = sm.OLS(y, sm.add_constant(member.astype(float))).fit(cov_type="HC3")
    ours = reg[reg["level"] == "parent"].set_index("category").loc[["(intercept)", "A", "B", "C"], "se"]
    assert np.allclose(ours.to_numpy(), fit.bse, rtol=1e-6)


def test_a_1_to_10_csat_read_on_1_5_is_told_its_own_scale(tmp_path):
    # the hint said "--scale 0-10": followed, a 1-10 rating's bottom two boxes were 0-1, so only the 1s were
    # dissatisfied (rate 10% here instead of 20%)
    path = tmp_path / "csat.csv"
    pd.DataFrame({"csat": list(range(1, 11)) * 6, "categories": ["Price", ""] * 30}).to_csv(path, index=False)
    res = runner.invoke(app, ["drivers", str(path), "--score-col", "csat", "--score-type", "csat", "--min-n", "1"])
    assert res.exit_code == 0, res.output
    assert "--scale 1-10 if this is CSAT on 1-10" in " ".join(res.output.split())


def test_report_regression_gives_a_tiny_p_value_as_below_0_001_not_0_000():
    from feedback_classifier.insights.drivers import compute_drivers
    from feedback_classifier.render import build_report
    from feedback_classifier.taxonomy import load_taxonomy

    tax, df = load_taxonomy("cx-default"), _lower_is_better_ces()
    drivers = compute_drivers(df, score_col="ces", score_type="ces", higher_is_better=False, taxonomy=tax,
                              n_boot=50, min_n=1)
    page = build_report(df, tax, text_col="comment", score_col="ces", drivers=drivers)
    regression = page[page.index("Key-driver regression"):].split("</table>")[0]
    assert "&lt;0.001" in regression and ">0.000<" not in regression


def test_report_says_which_scores_it_left_out_and_which_scale_fits(tmp_path):
    # a 1-7 CSAT read on the default 1-5: report printed "CSAT 57% (607 scores)" and nothing about the
    # 893 sixes and sevens it left out, where analyze and drivers name them and the scale to pass
    path = tmp_path / "classified.csv"
    pd.DataFrame({"comment": ["x"] * 70, "csat": list(range(1, 8)) * 10,
                  "categories": ["Price and value", ""] * 35,
                  "submitted_at": ["2025-01-05"] * 69 + ["not a date"]}).to_csv(path, index=False)
    res = runner.invoke(app, ["report", str(path), "--text-col", "comment", "--score-col", "csat", "--score-type", "csat",
                              "--period-col", "submitted_at", "--out", str(tmp_path / "r.html")])
    assert res.exit_code == 0, res.output
    flat = " ".join(res.output.split())
    assert "20 outside the scale" in flat and "pass --scale 1-7" in flat
    assert "Column 'submitted_at': 69 of 70 rows have a valid date" in flat


def test_a_1_to_5_ces_read_on_the_default_1_7_is_told_its_top_box_is_empty(tmp_path):
    # CES 1-5 where 5 is the most effort, --scale forgotten: every category's "high-effort rate" was 0%
    # (6-7 on the default 1-7) without a word, though half the answers mentioning Forms were 4s and 5s
    rng = np.random.default_rng(1)
    forms = rng.random(300) < 0.5
    path = tmp_path / "ces.csv"
    pd.DataFrame({"ces": np.clip(rng.integers(1, 4, 300) + 2 * forms, 1, 5),
                  "categories": np.where(forms, "Forms", "")}).to_csv(path, index=False)
    res = runner.invoke(app, ["drivers", str(path), "--score-col", "ces", "--score-type", "ces", "--lower-is-better",
                              "--min-n", "1"])
    assert res.exit_code == 0, res.output
    flat = " ".join(res.output.split())
    assert "none reaches 6-7, the top of the 1-7 scale, so its high-effort box is 0%" in flat
    assert "pass --scale 1-5" in flat
    fixed = runner.invoke(app, ["drivers", str(path), "--score-col", "ces", "--score-type", "ces", "--lower-is-better",
                                "--scale", "1-5", "--min-n", "1"])
    assert fixed.exit_code == 0 and "none reaches" not in fixed.output


def test_drivers_markdown_impact_per_period_keeps_a_month_without_answers(tmp_path):
    # the periods' table listed March with 0 rows, the impact table beside it skipped March's column
    path = tmp_path / "s.csv"
    pd.DataFrame({"nps": [0, 10, 9, 2, 10, 3] * 3, "categories": ["Price", "", ""] * 6,
                  "submitted_at": ["2025-01-10"] * 6 + ["2025-02-10"] * 6 + ["2025-04-10"] * 6}).to_csv(path, index=False)
    out = tmp_path / "d.md"
    res = runner.invoke(app, ["drivers", str(path), "--score-col", "nps", "--min-n", "1", "--boot", "50", "--out", str(out)])
    assert res.exit_code == 0, res.output
    impact_table = out.read_text(encoding="utf-8").split("Impact per period (parent categories):")[1]
    assert "| category | 2025-01 | 2025-02 | 2025-03 | 2025-04 |" in impact_table


def test_drivers_without_bootstrap_promise_no_interval_in_the_headers(tmp_path):
    path = _survey(tmp_path)
    res = runner.invoke(app, ["drivers", str(path), "--score-col", "nps", "--by", "region", "--min-n", "1", "--boot", "0"])
    assert res.exit_code == 0, res.output
    assert "impact [" not in res.output and " impact " in res.output


def test_a_category_in_nearly_every_answer_is_flagged_low_n(tmp_path):
    # its impact contrasts 95 answers with 5: a 95% interval covered the truth 79% of the time
    # (simulated), yet only categories with few mentions were flagged
    from feedback_classifier.insights import compute_drivers

    rng = np.random.default_rng(0)
    cats = ["Delivery; Price"] * 5 + ["Delivery"] * 90 + ["Price"] * 5
    df = pd.DataFrame({"categories": cats, "nps": rng.integers(0, 11, len(cats))})
    res = compute_drivers(df, score_col="nps", n_boot=50, min_n=30)
    flags = res.level("parent").set_index("category")["low_n"]
    assert flags["Delivery"] and flags["Price"]  # 95 with, 5 without; 10 with
    reg = res.regression[res.regression["level"] == "parent"].set_index("category")
    assert reg.loc["Delivery", "low_n"]
    src = tmp_path / "s.csv"
    df.to_csv(src, index=False)
    out = CliRunner().invoke(app, ["drivers", str(src), "--score-col", "nps", "--out", str(tmp_path / "d.csv")])
    assert out.exit_code == 0, out.output
    assert "few without it" in out.output
