"""An enterprise taxonomy of hundreds of categories: what the label app, the report and the CLI do at that size."""

from __future__ import annotations

import numpy as np
import pandas as pd
import yaml

from tests.test_label_app import browser_only, press, served_page, ticked_names, wait_for
from feedback_classifier.jobs.label_app import LabelSession


def big_taxonomy(path, parents: int = 12, children: int = 10):
    cats = [{"id": f"p{p}", "names": {"en": f"Area {p}", "ru": f"Область {p}"}, "owner": f"Team {p}",
             "children": [{"id": f"c{c}", "names": {"en": f"Topic {p}.{c}", "ru": f"Тема {p}.{c}"}}
                          for c in range(children)]} for p in range(parents)]
    path.write_text(yaml.safe_dump({"name": "big", "version": 1, "languages": ["en", "ru"], "categories": cats},
                                   allow_unicode=True), encoding="utf-8")
    return path


@browser_only
def test_the_label_app_s_number_keys_reach_every_category_and_its_hint_says_how_far(tmp_path):
    # the hint said 1…99 whatever the taxonomy: with 132 categories the last 33 seemed out of the keys' reach
    pd.DataFrame({"comment": ["Card did not arrive", "The food was cold"]}).to_csv(tmp_path / "pool.csv", index=False)
    s = LabelSession(tmp_path / "pool.csv", tmp_path / "labels.csv", text_col="comment", lang="en",
                     taxonomy=str(big_taxonomy(tmp_path / "big.yaml")))
    n = len(s.state()["categories"])
    assert n == 132
    with served_page(s) as driver:
        hint = driver.find_element("id", "keys").text
        assert hint.startswith(f"1…{n} ")
        press(driver, "1", "2", "5")
        wait_for(driver, lambda d: ticked_names(d))
        assert ticked_names(driver) == [s.state()["categories"][124]["name"]]


def test_a_category_chart_tells_the_subcategories_of_one_long_parent_apart():
    # cut from the end, all 14 children of a long parent read "Banking: misc banking operations and ever…"
    from feedback_classifier.render.charts import _bar_labels

    parent = "Banking: misc banking operations and everyday servicing"
    names = [f"{parent} > {c}" for c in ("Card not working", "Contactless not working", "Refund not showing up")]
    table = pd.DataFrame({"category": names, "mentions": [40, 50, 60]})
    labels = _bar_labels(table, np.zeros(3, bool), narrow=False, lang="en")
    assert len(set(labels)) == 3
    assert all(c.split()[0] in label for c, label in zip(("Card", "Contactless", "Refund"), labels))


def test_train_says_in_one_line_how_many_solver_runs_did_not_converge(tmp_path, monkeypatch):
    # scikit-learn's ConvergenceWarning reached the terminal as a source path and a line of code each time
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from typer.testing import CliRunner

    from feedback_classifier.cli import app
    from tests.test_qa_trainer import _labelled

    fit = LogisticRegression.fit

    def unconverged(self, *args, **kwargs):
        warnings.warn("Liblinear failed to converge, increase the number of iterations.", ConvergenceWarning)
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(LogisticRegression, "fit", unconverged)
    result = CliRunner().invoke(app, ["train", str(_labelled(tmp_path, blank=0)), "--cv", "2",
                                      "--out", str(tmp_path / "m.joblib")])
    assert result.exit_code == 0, result.output
    assert "ConvergenceWarning" not in result.output and "warnings.warn" not in result.output
    lines = [line for line in result.stderr.splitlines() if "iteration limit" in line]
    assert len(lines) == 1 and lines[0].startswith("Warning: ") and (tmp_path / "m.joblib").exists()
