"""One language decision: without --lang, classify, route and analyze name categories in the
same language (the majority of the first 2,000 comments)."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from feedback_classifier.cli import app
from feedback_classifier.lang import majority_language


def test_majority_language_reads_the_first_comments():
    texts = ["Курьер опоздал"] * 3 + ["Great service"] * 5
    assert majority_language(texts, sample=3) == "ru" and majority_language(texts) == "en"


def test_same_category_names_in_classify_route_and_analyze(tmp_path):
    data = tmp_path / "survey.csv"
    pd.DataFrame({
        "comment": ["Курьер опоздал на два часа", "Слишком дорого", "The courier was late", "Доставка долгая"],
        "nps": [2, 5, 3, 4],
    }).to_csv(data, index=False)
    runner = CliRunner()
    out = tmp_path / "classified.csv"
    assert runner.invoke(app, ["classify", str(data), "--text-col", "comment", "-o", str(out), "-q"]).exit_code == 0
    classified = pd.read_csv(out, keep_default_na=False)["categories"]
    result = runner.invoke(app, ["analyze", str(data), "--text-col", "comment", "--score-col", "nps",
                                 "-o", str(tmp_path / "a"), "-q"])
    assert result.exit_code == 0, result.output
    analyzed = pd.read_csv(tmp_path / "a" / "survey.enriched.csv", keep_default_na=False)["categories"]
    assert classified.tolist() == analyzed.tolist()
    assert any("Доставка" in c for c in classified)  # Russian: most comments are
    assert runner.invoke(app, ["route", str(data), "--text-col", "comment", "-o", str(tmp_path / "q")]).exit_code == 0
    routed = pd.read_csv(tmp_path / "q" / "logistics.csv", keep_default_na=False)["categories"]
    assert all("Доставка" in c for c in routed)


def test_classify_says_the_language_came_from_lang_when_it_did(tmp_path):
    data = tmp_path / "survey.csv"
    pd.DataFrame({"comment": ["The courier was late", "Too expensive", "Rude staff"]}).to_csv(data, index=False)
    runner = CliRunner()
    forced = runner.invoke(app, ["classify", str(data), "--text-col", "comment", "--lang", "ru",
                                 "-o", str(tmp_path / "ru.csv")])
    assert forced.exit_code == 0, forced.output
    assert "Category names in ru (--lang)." in forced.output and "most comments" not in forced.output
    found = runner.invoke(app, ["classify", str(data), "--text-col", "comment", "-o", str(tmp_path / "en.csv")])
    assert "Category names in en (most comments are in it; use --lang to change)." in found.output


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(list("aZ @`[{ÀÿĀɏɐЀӿԀжЖ1!é\u0301\ud800😀ǅİ")) | st.characters(),
                        max_size=12), max_size=20))
def test_the_batch_language_count_is_detect_language_text_by_text(texts):
    from feedback_classifier.lang.detect import _languages, detect_language

    assert _languages(texts) == [detect_language(t) for t in texts]
