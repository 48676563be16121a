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
