"""Survey-platform exports fed in as downloaded: the QA defects of a CX analyst's real files.

Each test builds a small file the way a platform writes it and runs the command an analyst
would, checking that every row and value is read as written or a line says what was not.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from feedback_classifier.cli import app
from feedback_classifier.insights.scores import ScoreSpec, parse_scores

runner = CliRunner()

_CSAT_LABELS = ["Very dissatisfied", "Dissatisfied", "Neither satisfied nor dissatisfied", "Satisfied", "Very satisfied"]


def test_csat_answer_labels_as_google_forms_and_surveymonkey_export_them_are_read_as_scale_points():
    cells = pd.Series(_CSAT_LABELS + ["Somewhat satisfied", "Очень доволен", "скорее недовольна", "", "4"], dtype="str")
    parsed = parse_scores(cells, ScoreSpec.make("csat"), column="How satisfied were you?")
    assert parsed.values[:8].tolist() == [1.0, 2.0, 3.0, 4.0, 5.0, 4.0, 5.0, 2.0]
    assert parsed.values[9] == 4.0 and parsed.issues.counts() == {"missing": 1, "non_numeric": 0, "out_of_range": 0,
                                                                  "not_integer": 0}
    assert "'Very satisfied' = 5" in parsed.issues.hint  # said, not silent
    # a "lower is better" CSAT has its best answer at the low end
    flipped = parse_scores(pd.Series(["Very satisfied", "Very dissatisfied"]), ScoreSpec.make("csat", higher_is_better=False))
    assert flipped.values.tolist() == [1.0, 5.0]


def test_labels_of_an_unknown_scale_stay_invalid_and_say_how_to_fix_it():
    spec = ScoreSpec.make("csat")
    unknown = parse_scores(pd.Series(["Excellent", "Good", "Poor"] * 5), spec, column="rating")
    assert not unknown.valid.any() and "numeric values" in unknown.issues.hint
    # one word the scale does not have: nothing is guessed
    mixed = parse_scores(pd.Series(["Very satisfied", "Satisfied", "Meh"]), spec)
    assert np.isnan(mixed.values).all()
    # the known labels under the default score type (NPS) are not NPS points: the fix is named
    nps = parse_scores(pd.Series(_CSAT_LABELS * 3), ScoreSpec.make("nps"), column="q")
    assert not nps.valid.any() and "--score-type csat" in nps.issues.hint


def test_drivers_on_a_csat_column_of_answer_labels_gives_the_top_two_box_share(tmp_path):
    rows = [("The courier was late", "Very dissatisfied"), ("Too expensive", "Dissatisfied"),
            ("Support never answers", "Neither satisfied nor dissatisfied"), ("Great app", "Satisfied"),
            ("Fast delivery", "Very satisfied")] * 8
    path = tmp_path / "google_forms.csv"
    pd.DataFrame({"Timestamp": ["1/5/2024 10:22:33"] * len(rows), "Why?": [r[0] for r in rows],
                  "How satisfied were you?": [r[1] for r in rows],
                  "categories": ["Delivery", "Price", "Service", "App", "Delivery"] * 8}).to_csv(path, index=False)
    result = runner.invoke(app, ["drivers", str(path), "--score-col", "How satisfied were you?", "--score-type", "csat",
                                 "--boot", "50"])
    assert result.exit_code == 0, result.output
    assert "Read 5 answer labels as CSAT points" in " ".join(result.output.split())
    assert "CSAT (% top-2-box) 40.0%" in result.output  # 16 of 40 answers are Satisfied or Very satisfied
    assert "from 40 valid scores of 40 rows" in result.output
