"""Numbers a CX analyst checks by hand before showing them: hand-made files, answers computed here."""

import pandas as pd
from typer.testing import CliRunner

from feedback_classifier.cli import app
from feedback_classifier.insights.periods import parse_periods

runner = CliRunner()


def test_dotted_dates_stay_day_first_next_to_us_slash_dates():
    # one column merged from a Russian export (dd.mm.yyyy) and a US one (mm/dd/yyyy)
    values = pd.Series(["05.02.2024", "10.03.2024", "03/25/2024", "02/04/2024", "2024-01-15"])
    codes, periods, issues = parse_periods(values, "month")
    assert issues.n_invalid == 0
    assert [str(periods[c]) for c in codes] == ["2024-02", "2024-03", "2024-03", "2024-02", "2024-01"]


def test_drivers_trend_of_a_mixed_date_column_counts_each_month_right(tmp_path):
    src = tmp_path / "mixed.csv"
    pd.DataFrame({
        "nps": [10, 0, 9, 3, 10, 8],
        "categories": ["", "Price", "", "Price", "", ""],
        "submitted_at": ["2024-01-15", "05.02.2024", "02/20/2024", "10.03.2024", "03/25/2024", "2024-03-01"],
    }).to_csv(src, index=False)
    out = tmp_path / "d.csv"
    res = runner.invoke(app, ["drivers", str(src), "--score-col", "nps", "--min-n", "1", "--out", str(out)])
    assert res.exit_code == 0, res.output
    trend = pd.read_csv(tmp_path / "d_trend.csv").drop_duplicates("period")
    assert trend.set_index("period")["period_rows"].to_dict() == {"2024-01": 1, "2024-02": 2, "2024-03": 3}


def test_drivers_text_col_on_a_classified_file_says_its_categories_are_not_used(tmp_path, monkeypatch):
    import numpy as np

    import feedback_classifier.model.default as defaults_mod
    import feedback_classifier.model.enrichment as classify_mod

    class Stub:
        taxonomy_ = None

    def fake_enrich(df, model, text_col, **kwargs):
        return df.assign(categories=np.where(df[text_col].str.contains("late"), "Delivery > Delivery time", ""))

    monkeypatch.setattr(defaults_mod, "default_model", lambda: Stub())
    monkeypatch.setattr(classify_mod, "enrich", fake_enrich)
    path = tmp_path / "classified.csv"
    pd.DataFrame({"nps": [1, 2, 9, 10], "comment": ["late", "late again", "ok", "great"],
                  "categories": ["Price", "Price", "", ""]}).to_csv(path, index=False)  # corrected by hand
    res = runner.invoke(app, ["drivers", str(path), "--score-col", "nps", "--text-col", "comment", "--min-n", "1"])
    assert res.exit_code == 0, res.output
    assert "already has a 'categories' column" in res.output and "leave out --text-col" in res.output
    plain = runner.invoke(app, ["drivers", str(path), "--score-col", "nps", "--min-n", "1"])
    assert plain.exit_code == 0 and "Price" in plain.output and "already has" not in plain.output


def test_lower_is_better_drivers_say_positive_is_harmful_in_the_legend_lead_and_markdown():
    import numpy as np

    from feedback_classifier.insights.drivers import compute_drivers
    from feedback_classifier.insights.scores import ScoreSpec
    from feedback_classifier.render import build_report
    from feedback_classifier.render.charts import priority_matrix
    from feedback_classifier.render.markdown import drivers_markdown
    from feedback_classifier.taxonomy import load_taxonomy

    rng = np.random.default_rng(0)
    n = 400
    cats = rng.choice(["Delivery and logistics > Delivery time", "Store / branch experience > Store staff", ""], n)
    # CES where 7 = most effort: late deliveries cost effort, good staff saves it
    ces = np.where(cats == "Delivery and logistics > Delivery time", rng.integers(5, 8, n),
                   np.where(cats == "", rng.integers(2, 6, n), rng.integers(1, 3, n)))
    df = pd.DataFrame({"ces": ces, "categories": cats, "comment": ["c"] * n})
    res = compute_drivers(df, score_col="ces", score_type="ces", higher_is_better=False, n_boot=200)
    legend = [t.get_text() for t in priority_matrix(res).legends[0].get_texts()]
    assert "raises CES (mean) (worse)" in legend and "lowers CES (mean) (better)" in legend
    assert not any("pulls" in t or "lifts" in t for t in legend)
    assert "positive = harmful" in drivers_markdown(res)
    page = build_report(df, load_taxonomy("cx-default"), text_col="comment", score_col="ces",
                        score_type=ScoreSpec.make("ces", None, False), drivers=res)
    assert "a positive impact is the harmful one" in page and "negative = the category pulls" not in page
    nps = compute_drivers(df.assign(nps=10 - ces), score_col="nps", n_boot=0)
    assert "pulls NPS down" in [t.get_text() for t in priority_matrix(nps).legends[0].get_texts()]


def test_a_one_answer_segment_is_not_said_to_have_nothing_pulling_it_down(tmp_path):
    src = tmp_path / "seg.csv"
    pd.DataFrame({
        "nps": [10, 2, 0, 9, 7, 3],
        "categories": ["Price", "Price", "Delivery", "", "Delivery", "Price"],
        "segment": ["North", "North", "North", "South", "South", "East"],  # East: one detractor, about Price
    }).to_csv(src, index=False)
    res = runner.invoke(app, ["drivers", str(src), "--score-col", "nps", "--by", "segment", "--min-n", "1"],
                        terminal_width=250)
    assert res.exit_code == 0, res.output
    east = next(line for line in res.output.splitlines() if "East" in line)
    assert "every scored answer mentions Price" in east and "pulls it down" not in east


def test_segment_notes_of_a_lower_is_better_score_point_the_harmful_way(tmp_path):
    src = tmp_path / "ces.csv"
    # CES, 7 = most effort; North has no category at all, so its note is the "none" one
    pd.DataFrame({
        "ces": [7, 6, 1, 1, 3, 4],
        "categories": ["Price", "Price", "Price", "", "", ""],
        "category_sentiment": ["Price=negative", "Price=negative", "Price=positive", "", "", ""],
        "segment": ["South", "South", "South", "North", "North", "North"],
    }).to_csv(src, index=False)
    base = ["drivers", str(src), "--score-col", "ces", "--score-type", "ces", "--lower-is-better", "--by", "segment",
            "--min-n", "1"]
    notes = {}
    for polarity in ("negative", "positive"):
        res = runner.invoke(app, base + ["--polarity", polarity], terminal_width=250)
        assert res.exit_code == 0, res.output
        notes[polarity] = next(line for line in res.output.splitlines() if "North" in line)
    assert "pulls it up" in notes["negative"]  # a complaint raises the effort score
    assert "pulls it down" in notes["positive"]  # praise lowers it


def test_a_mean_score_s_headline_interval_stays_on_its_scale_like_a_segment_s():
    from feedback_classifier.insights.drivers import compute_drivers

    df = pd.DataFrame({"ces": [7, 7, 6], "categories": ["A", "", ""], "submitted_at": ["2024-01-05"] * 3})
    res = compute_drivers(df, score_col="ces", score_type="ces", period_col="submitted_at", n_boot=0)
    o = res.overall
    assert 1 <= o.ci_low and o.ci_high == 7.0 and o.mean_high == 7.0  # a t-interval ran to 8.1 on a 1-7 scale
    assert res.trend["period_ci_high"].iloc[0] == o.ci_high  # the same rows as one period: the same interval
