"""Score parsing and overall intervals: what an analyst relies on when a score column is messy."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from feedback_classifier.errors import ScoreError
from feedback_classifier.insights.scores import (
    ScoreSpec,
    mean_interval,
    nps_interval,
    parse_scale,
    parse_scores,
    summarize_scores,
    wilson_interval,
)

NPS = ScoreSpec.make("nps")


def test_common_spellings_of_a_score_read_as_the_same_number():
    parsed = parse_scores(pd.Series(["9", "9.0", " 9 ", "9\u00a0", 9, 9.0, "+9"], dtype=object), NPS, column="nps")
    assert parsed.values.tolist() == [9.0] * 7
    assert parsed.valid.all()
    assert parsed.issues.n_invalid == 0


def test_decimal_comma_is_read_when_the_file_uses_decimal_commas():
    parsed = parse_scores(pd.Series(["9,0", "7,0", "10"], dtype="string"), NPS, column="nps")
    assert parsed.values.tolist() == [9.0, 7.0, 10.0]
    # beside dot decimals a comma that could be thousands is ambiguous: reported, not guessed; one
    # that cannot ("9,0": a decimal-comma Excel's text cell beside a workbook's number cells) is read
    mixed = parse_scores(pd.Series(["9,0", "8.0", "1,234"], dtype="string"), ScoreSpec.make("mean"), column="nps")
    assert mixed.issues.rows("non_numeric").tolist() == [3]
    assert mixed.values[:2].tolist() == [9.0, 8.0]
    assert parse_scores(pd.Series(["4,5"]), ScoreSpec.make("mean"), column="m", decimal=",").values[0] == 4.5


def test_bad_scores_are_counted_with_their_row_numbers_and_kept():
    cells = ["10", "8.5", "", "n/a", "eleven", "11", "-1", None, "6", "7"]
    parsed = parse_scores(pd.Series(cells, dtype=object), NPS, column="nps")
    assert len(parsed.values) == len(cells)  # every row is kept
    assert parsed.issues.counts() == {"missing": 3, "non_numeric": 1, "out_of_range": 2, "not_integer": 1}
    # row numbers are 1-based data rows (row 1 = first row under the header)
    assert parsed.issues.rows("not_integer").tolist() == [2]
    assert parsed.issues.rows("missing").tolist() == [3, 4, 8]
    assert parsed.issues.rows("non_numeric").tolist() == [5]
    assert parsed.issues.rows("out_of_range").tolist() == [6, 7]
    assert parsed.issues.rows().tolist() == [2, 3, 4, 5, 6, 7, 8]
    assert parsed.valid.tolist() == [True, False, False, False, False, False, False, False, True, True]
    assert np.isnan(parsed.values[~parsed.valid]).all()
    summary = parsed.issues.summary()
    assert "3 of 10 rows have a valid score" in summary and "'eleven'" in summary and "row 2" in summary
    frame = parsed.issues.to_frame()
    assert frame.set_index("problem")["count"].to_dict() == {
        "missing": 3, "not a number": 1, "outside the scale": 2, "not a whole number": 1,
    }


def test_numeric_columns_take_the_fast_path_with_the_same_rules():
    parsed = parse_scores(pd.Series([10.0, np.nan, 8.5, 12.0, np.inf]), NPS, column="nps")
    assert parsed.issues.counts() == {"missing": 1, "non_numeric": 1, "out_of_range": 1, "not_integer": 1}
    assert parsed.issues.rows("non_numeric").tolist() == [5]


def test_mean_scores_accept_fractions_and_respect_an_optional_scale():
    parsed = parse_scores(pd.Series(["4.5", "2.25", "7"]), ScoreSpec.make("mean", "1-5"), column="m")
    assert parsed.values[:2].tolist() == [4.5, 2.25]
    assert parsed.issues.rows("out_of_range").tolist() == [3]
    assert parse_scores(pd.Series([1e6]), ScoreSpec.make("mean"), column="m").valid.all()


def test_nps_arithmetic_and_adjusted_wald_interval_by_hand():
    # 5 promoters (9, 10), 3 passives (7, 8), 2 detractors (0..6) of 10 -> NPS = 50% - 20% = 30
    scores = [9, 10, 10, 9, 9, 7, 8, 8, 6, 0]
    summary = summarize_scores(parse_scores(scores, NPS, column="nps"))
    assert (summary.promoters, summary.passives, summary.detractors) == (5, 3, 2)
    assert summary.metric == pytest.approx(30.0)
    # adjusted Wald: n' = 13, p' = 5.75/13, d' = 2.75/13, centre p'-d' = 3/13
    n_adj, p, d = 13, 5.75 / 13, 2.75 / 13
    se = math.sqrt((p + d - (p - d) ** 2) / n_adj)
    z = stats.norm.ppf(0.975)
    assert summary.ci_low == pytest.approx(100 * (3 / 13 - z * se))
    assert summary.ci_high == pytest.approx(100 * (3 / 13 + z * se))
    assert nps_interval(0, 0, 0)[0] != nps_interval(0, 0, 0)[0]  # NaN for no respondents
    lo, hi = nps_interval(100, 0, 0)[1:]
    assert hi == 100.0 and lo < 100.0  # clipped, still an interval


def test_wilson_and_t_intervals_match_reference_implementations():
    for k, n in [(0, 10), (3, 10), (97, 100), (500, 1000)]:
        share, low, high = wilson_interval(k, n)
        ref = proportion_confint(k, n, alpha=0.05, method="wilson")
        assert share == k / n
        assert (low, high) == pytest.approx(ref, abs=1e-12)
    values = np.array([1.0, 2.0, 2.0, 5.0, 4.0])
    mean, low, high = mean_interval(values)
    ref = stats.t.interval(0.95, len(values) - 1, loc=values.mean(), scale=stats.sem(values))
    assert mean == pytest.approx(2.8) and (low, high) == pytest.approx(ref)


def test_csat_is_top_two_box_share_with_mean_alongside():
    # scale 1-5: 4 and 5 are the top-2 box, 1 and 2 dissatisfied
    summary = summarize_scores(parse_scores([5, 4, 3, 2, 1, 5, 4, 4], ScoreSpec.make("csat"), column="csat"))
    assert summary.metric == pytest.approx(100 * 5 / 8)
    assert summary.mean == pytest.approx(28 / 8)
    assert summary.detractor_share == pytest.approx(2 / 8)
    ref = proportion_confint(5, 8, method="wilson")
    assert (summary.ci_low, summary.ci_high) == pytest.approx((100 * ref[0], 100 * ref[1]))


def test_ces_direction_decides_which_end_is_good():
    easy_high = ScoreSpec.make("ces")  # 1-7, 7 = easiest
    easy_low = ScoreSpec.make("ces", higher_is_better=False)  # 7 = most effort
    s = np.array([1.0, 2.0, 6.0, 7.0])
    assert easy_high.detractor(s).tolist() == [True, True, False, False]
    assert easy_low.detractor(s).tolist() == [False, False, True, True]
    assert easy_low.top_box_values() == [1.0, 2.0]
    summary = summarize_scores(parse_scores([1, 2, 6, 7, 7], ScoreSpec.make("ces"), column="ces"))
    assert summary.metric == pytest.approx(23 / 5)  # CES metric is the mean score
    values = np.array([1.0, 2.0, 6.0, 7.0, 7.0])
    ref = stats.t.interval(0.95, 4, loc=values.mean(), scale=stats.sem(values))
    assert ref[1] > 7  # the t-interval runs past the scale; the headline, as a segment's, stops at its end
    assert (summary.ci_low, summary.ci_high) == pytest.approx((ref[0], 7.0))


@pytest.mark.parametrize(
    "kind, scale, message",
    [
        ("promoter", None, "Unknown score type"),
        ("nps", "1-5", "NPS is defined on 0-10"),
        ("csat", "5-1", "low end must be below"),
        ("csat", "one to five", "Cannot read scale"),
        ("ces", "1.5-7", "whole-number ends"),
    ],
)
def test_invalid_score_settings_raise_a_clear_error(kind, scale, message):
    with pytest.raises(ScoreError, match=message):
        ScoreSpec.make(kind, scale)


def test_scales_read_in_the_usual_spellings():
    assert parse_scale("1-5") == parse_scale("1..5") == parse_scale("1 to 5") == parse_scale((1, 5)) == (1.0, 5.0)
    assert parse_scale("0–10") == (0.0, 10.0)


def test_a_column_without_any_valid_score_is_a_user_error():
    parsed = parse_scores(["great", "", None], NPS, column="comment")
    with pytest.raises(ScoreError, match="Column 'comment' has no valid NPS score"):
        summarize_scores(parsed)


def test_a_million_text_scores_parse_fast_enough_for_the_drivers_target():
    # not a timing assertion (benchmarks/ hold those): checks the distinct-value path gives
    # the same answer as parsing cell by cell on a large column
    rng = np.random.default_rng(0)
    raw = rng.integers(-1, 12, 200_000).astype(str).astype(object)
    raw[::97] = "x"
    parsed = parse_scores(pd.Series(raw, dtype="string"), NPS, column="nps")
    ints = np.array([int(v) if v != "x" else -99 for v in raw])
    expected_valid = (ints >= 0) & (ints <= 10)
    assert (parsed.valid == expected_valid).all()
    assert (parsed.values[expected_valid] == ints[expected_valid]).all()
