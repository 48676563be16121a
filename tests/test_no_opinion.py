"""Answers that state no opinion ("n/a", "nothing", "-", "нечего сказать") are neutral, overall
and per category, in every path that scores comments (issue 13 follow-up)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from feedback_classifier.cli import app
from feedback_classifier.lang.batch import BatchAnalyzer
from feedback_classifier.lang.junk import (
    NO_OPINION_FILE,
    answer_key,
    is_no_opinion,
    no_opinion_answers,
    no_opinion_mask,
)
from feedback_classifier.model.default import EXAMPLE_SURVEY_FILE
from feedback_classifier.model.default_sentiment import default_sentiment_model
from feedback_classifier.model.sentiment import POLARITIES, overall_polarity
from feedback_classifier.model.tones import comment_tones, pattern_tones
from feedback_classifier.taxonomy import load_taxonomy

runner = CliRunner()
CX = load_taxonomy("cx-default")
PRICE = ("price", None)
DELIVERY = ("delivery", "delivery_time")

# what survey exports are full of: spelled every which way
FILLERS = ["ok", "OK.", "Okay!", "nothing", "Nothing.", "NOTHING to add", "nothing else to add, thanks", "-", "—",
           "...", "n/a", "N/A", "na", "no", "No!", "none", "No comment", "no comments.", "idk", "Not sure",
           "нет", "Нет.", "НЕТ!", "н/д", "Н/Д", "нечего сказать", "Нечего добавить", "без комментариев",
           "Без коментариев", "ничего", "Ничё", "всё", "Всё.", "нет, спасибо", "Не знаю", "затрудняюсь ответить",
           "Больше комментариев нет.", "Больше нечего добавить", "Добавить нечего", "Больше ничего",
           "asdf", "фыва", "42"]
# opinions, however short, and answers whose tone is in an emoji or emoticon
OPINIONS = ["too expensive", "not ok", "all good", "всё ок", "Всё отлично", "no, the courier was late",
            "Нет, доставка опоздала", "nothing works", "ничего не работает", "👍", "😡", ":(", ")))", "Thanks!",
            "слишком дорого", "great", "Курьер больше не приходил", "Больше всего понравилась доставка"]


def test_filler_answers_in_any_spelling_state_no_opinion_and_opinions_do_not():
    assert [t for t in FILLERS if not is_no_opinion(t)] == []
    assert [t for t in OPINIONS if is_no_opinion(t)] == []
    assert not is_no_opinion("") and not is_no_opinion(None) and not is_no_opinion("nothing " * 10)


def test_the_list_is_data_in_both_languages_without_duplicate_spellings():
    table = pd.read_csv(NO_OPINION_FILE, dtype=str, keep_default_na=False)
    assert list(table.columns) == ["answer", "lang", "combine"]
    assert set(table["lang"]) == {"en", "ru"} and set(table["combine"]) == {"yes", "no"}
    assert len(table) >= 100
    keys = [answer_key(a) for a in table["answer"] if answer_key(a)]
    assert len(keys) == len(set(keys)), [k for k in keys if keys.count(k) > 1]
    assert "ok" not in no_opinion_answers().words  # "all ok" is mild praise, "not ok" a complaint
    assert [a for a in table["answer"] if not is_no_opinion(a)] == []


PIECES = ["no", "No", "nothing", "NOTHING", "ok", "not", "to", "add", "нет", "Нет", "ничего", "всё", "все", "н/д",
          "n/a", "qwerty", "фыва", "asdf", "ggggg", "10", "0", "great", "плохо", "👍", ":(", ")))", "-", "—", ".", "...",
          ",", "!", "?", " ", "  ", "\n", "'", "Ё", "ё", "İ", "ß", "_", "/", "don't", "спасибо", "thanks"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(PIECES), max_size=8).map(" ".join)
                | st.lists(st.sampled_from(PIECES), max_size=8).map("".join) | st.text(max_size=20), max_size=20))
def test_the_fast_mask_equals_the_rule_one_answer_at_a_time(texts):
    assert no_opinion_mask(texts) == [is_no_opinion(t) for t in texts]


def test_the_fast_mask_equals_the_rule_on_real_comments():
    survey = pd.read_csv(EXAMPLE_SURVEY_FILE, dtype=str, keep_default_na=False)["comment"].tolist()
    texts = survey + FILLERS + OPINIONS + [t.upper() for t in FILLERS] + [t + "!!" for t in survey[:300]]
    mask = no_opinion_mask(texts)
    assert mask == [is_no_opinion(t) for t in texts] and 50 < sum(mask) < len(texts) / 5


@pytest.fixture(scope="module")
def bundled():
    return default_sentiment_model()


def _texts():
    survey = list(dict.fromkeys(pd.read_csv(EXAMPLE_SURVEY_FILE, dtype=str)["comment"].dropna()))[:120]
    return FILLERS + OPINIONS + survey


def _labels(texts, seed=0):
    pool = [None, *CX.labels]
    rng = np.random.default_rng(seed)
    out = []
    for _ in texts:
        labs = [pool[j] for j in rng.choice(len(pool), size=rng.integers(0, 3), replace=False)]
        out.append([lab for lab in labs if lab is not None])
    return out


def _named_feature_tones(model, texts, labels):
    """The reference: each pair scored from its named features (``_features`` @ ``coef_``), a
    comment without labels judged whole, and the no-opinion rule on the text."""
    analyse = model._analyzer().analyze_with_surface
    cells, overall = [], []
    for text, labs in zip(texts, labels):
        asked = labs or [None]
        feats = [model._features(model._from_analysis(analyse(text)), lab) for lab in asked]
        codes = (np.asarray(model._matrix(feats) @ model.coef_.T) + model.intercept_).argmax(axis=1)
        pols = ["neutral" if is_no_opinion(text) else POLARITIES[c] for c in codes]
        cells.append("; ".join(f"{CX.display_name(lab, 'en')}={p}" for lab, p in zip(labs, pols)))
        overall.append(overall_polarity(pols) if labs else pols[0])
    return cells, overall


def test_every_scoring_path_equals_the_named_features_with_fillers_neutral(bundled):
    texts = _texts()
    labels = _labels(texts)
    expected = _named_feature_tones(bundled, texts, labels)
    analyser = bundled._analyzer()
    batches = [BatchAnalyzer(analyser).analyse(texts[i:i + 17]) for i in range(0, len(texts), 17)]
    index: dict = {}
    pattern_of = np.array([index.setdefault(tuple(labs), len(index)) for labs in labels])
    patterns = [list(p) for p in index]
    paths = {
        "texts": comment_tones(bundled, CX, texts, labels),
        "analysed": comment_tones(bundled, CX, texts, labels,
                                  analysed=[analyser.analyze_with_surface(t) for t in texts]),
        "batches": pattern_tones(bundled, CX, texts, patterns, pattern_of, batches=batches),
    }
    for name, got in paths.items():
        assert (got.cells, got.overall) == expected, name
    quiet = [i for i, t in enumerate(texts) if is_no_opinion(t)]
    assert {expected[1][i] for i in quiet} == {"neutral"}
    assert all("=neutral" in expected[0][i] for i in quiet if labels[i])
    assert "negative" in {expected[1][i] for i in range(len(texts)) if i not in quiet}


def test_fillers_with_an_explanation_are_neutral_too(bundled):
    got = comment_tones(bundled, CX, ["н/д", "Delivery was slow"], [[DELIVERY], [DELIVERY]], explain=True)
    assert got.cells == ["Delivery and logistics > Delivery time=neutral",
                         "Delivery and logistics > Delivery time=negative"]
    assert got.overall == ["neutral", "negative"]


def test_classify_calls_a_survey_of_fillers_neutral_and_keeps_the_opinions(tmp_path):
    src, dst = tmp_path / "survey.csv", tmp_path / "out.csv"
    comments = ["ok", "nothing", "-", "н/д", "нет", "n/a", "No comment", "нечего сказать", "Без комментариев.",
                "The courier was late and rude", "Ужасная доставка, курьер опоздал", "Great prices, love it"]
    pd.DataFrame({"comment": comments}).to_csv(src, index=False)
    result = runner.invoke(app, ["classify", str(src), "--text-col", "comment", "--out", str(dst)])
    assert result.exit_code == 0, result.output
    out = pd.read_csv(dst, keep_default_na=False)
    assert out["sentiment"].tolist()[:9] == ["neutral"] * 9
    assert out["sentiment"].tolist()[9:] == ["negative", "negative", "positive"]
    assert all(cell == "" or cell.endswith("=neutral") for cell in out["category_sentiment"][:9])


def test_drivers_polarity_negative_no_longer_counts_fillers(tmp_path):
    src, classified = tmp_path / "survey.csv", tmp_path / "classified.csv"
    comments = ["нет", "n/a", "Nothing to add.", "ok", "-", "Нечего сказать",
                "way too expensive", "слишком дорого", "great prices", "cheap and good value"]
    pd.DataFrame({"comment": comments, "nps": [2, 3, 1, 4, 2, 3, 1, 2, 9, 10],
                  "topic": ["Price and value"] * len(comments)}).to_csv(src, index=False)
    result = runner.invoke(app, ["classify", str(src), "--text-col", "comment", "--categories-col", "topic",
                                 "--out", str(classified)])
    assert result.exit_code == 0, result.output
    cells = pd.read_csv(classified, keep_default_na=False)["category_sentiment"].tolist()
    assert cells == ["Price and value=neutral"] * 6 + ["Price and value=negative"] * 2 + ["Price and value=positive"] * 2
    result = runner.invoke(app, ["drivers", str(classified), "--score-col", "nps", "--categories-col", "topic",
                                 "--polarity", "negative", "--boot", "0", "--min-n", "1", "--out",
                                 str(tmp_path / "d.csv")])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "d.csv")
    assert set(table.query("category == 'Price and value'")["mentions"]) == {2}  # parent and category rows


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(PIECES), max_size=12).map(" ".join)
                | st.lists(st.sampled_from(PIECES + ["x" * 30, "qwerty" * 9]), max_size=12).map("".join)
                | st.text(max_size=60), max_size=20))
def test_names_nothing_equals_junk_or_no_opinion_one_answer_at_a_time(texts):
    from feedback_classifier.lang.emoji_answers import is_emoji_answer
    from feedback_classifier.lang.junk import is_junk, names_nothing

    assert names_nothing(texts) == [is_junk(t) or is_no_opinion(t) or is_emoji_answer(t) for t in texts]


def test_names_nothing_equals_junk_or_no_opinion_on_real_comments():
    from feedback_classifier.lang.emoji_answers import is_emoji_answer
    from feedback_classifier.lang.junk import is_junk, names_nothing

    survey = pd.read_csv(EXAMPLE_SURVEY_FILE, dtype=str, keep_default_na=False)["comment"].tolist()
    texts = (survey + FILLERS + OPINIONS + [t.upper() for t in FILLERS] + [t + "!!" for t in survey[:300]]
             + ["qwerty asdf " * 5, "asdf " + "x" * 60, "sdfghjkl " * 6, "  " + survey[0], None, 42, ""])
    found = names_nothing(texts)
    assert found == [is_junk(t) or is_no_opinion(t) or is_emoji_answer(t) for t in texts] and 50 < sum(found) < len(texts) / 5
