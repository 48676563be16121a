"""Sentiment per category: AspectSentiment, opinion cells, enrich's columns, train/evaluate/classify."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from feedback_classifier.cli import app
from feedback_classifier.errors import LabelError
from feedback_classifier.model.default import default_model
from feedback_classifier.model.enrichment import enrich
from feedback_classifier.model.persist import load_model, read_model_metadata
from feedback_classifier.model.sentiment import AspectSentiment, overall_polarity, parse_opinions
from feedback_classifier.taxonomy import load_taxonomy

runner = CliRunner()
CX = load_taxonomy("cx-default")

# (text, labels, opinions): each row praises or blames delivery and/or price, some both at once
ROWS = [
    ("the courier was late", "Delivery", "Delivery=negative"),
    ("fast delivery, thank you", "Delivery", "Delivery=positive"),
    ("delivery was quick", "Delivery", "Delivery=positive"),
    ("slow delivery again", "Delivery", "Delivery=negative"),
    ("too expensive", "Price", "Price=negative"),
    ("great price", "Price", "Price=positive"),
    ("cheap and good value", "Price", "Price=positive"),
    ("prices are a rip off", "Price", "Price=negative"),
    ("fast delivery but too expensive", "Delivery; Price", "Delivery=positive; Price=negative"),
    ("great price but slow delivery", "Delivery; Price", "Price=positive; Delivery=negative"),
]


@pytest.fixture
def opinions_csv(tmp_path):
    path = tmp_path / "opinions.csv"
    rows = [(t, lab, ops, f"r{i % 7}") for i, (t, lab, ops) in enumerate(ROWS * 4)]
    pd.DataFrame(rows, columns=["comment", "labels", "polarities", "review"]).to_csv(path, index=False)
    return path


def test_each_category_of_a_mixed_comment_gets_its_own_polarity():
    # The clause choice is under test; the character block reads the whole comment and needs
    # more than these ten comments to help, so it is off here.
    model = AspectSentiment(C=10, char_weight=0.0).fit(*_opinions(ROWS * 3))
    assert model.predict(["quick delivery but a rip off"] * 2, ["Delivery", "Price"]) == ["positive", "negative"]
    assert model.predict(["nice price, but the courier was late"] * 2, ["Price", "Delivery"]) == [
        "positive", "negative"]


def _opinions(rows):
    texts, cats, pols = [], [], []
    for text, _, cell in rows:
        for item in cell.split("; "):
            cat, pol = item.split("=")
            texts.append(text)
            cats.append(cat)
            pols.append(pol)
    return texts, cats, pols


@pytest.mark.parametrize("char_weight, content_grams", [(0.0, False), (0.7, False), (0.7, True)])
def test_batch_scores_equal_the_named_features_of_fit(char_weight, content_grams):
    # PairScorer predicts from caches; it must give exactly what the features fit on give,
    # also for unseen words, repeated comments, unknown categories and the whole comment (None).
    model = AspectSentiment(C=3, char_weight=char_weight, content_grams=content_grams).fit(*_opinions(ROWS * 2))
    texts = ["fast delivery, but too expensive!!", "great price but slow delivery", "Курьер опоздал, но цена хорошая?",
             "fast delivery, but too expensive!!", "nothing about it", "the price is fine"]
    cats = ["Delivery", "Price", "Delivery", "Price", None, "Unknown"]
    fast = model.predict_proba(texts, cats)
    slow = model._matrix([model._features(model._analyse(t), c) for t, c in zip(texts, cats)]) @ model.coef_.T
    slow = np.exp(slow + model.intercept_)
    assert np.allclose(fast, slow / slow.sum(axis=1, keepdims=True))
    # a second batch reuses the word caches and still agrees
    assert np.allclose(model.predict_proba(texts[::-1], cats[::-1]), fast[::-1])


def test_content_grams_leave_stop_words_out_of_the_word_ngrams_only():
    model = AspectSentiment(analyzer=str.split, content_grams=True).fit(
        ["the delivery was fast", "the delivery was slow but cheap"], ["Delivery"] * 2, ["positive", "negative"])
    names = model._features(model._analyse("the delivery was never slow but cheap"), "Delivery")
    assert "g:delivery" in names and "g:never" in names and "g:but" in names
    assert "g:the" not in names and "g:was" not in names and "g:delivery never" in names
    # the category x local block and the character n-grams still see every word
    assert "'Delivery'|the" in names
    plain = AspectSentiment(analyzer=str.split).fit(["the delivery was fast", "slow"], ["Delivery"] * 2,
                                                     ["positive", "negative"])
    assert "g:the" in plain._features(plain._analyse("the delivery"), "Delivery")


def test_predict_pairs_gives_one_list_per_text_in_its_categories_order():
    model = AspectSentiment(C=10, char_weight=0.0).fit(*_opinions(ROWS * 3))
    got = model.predict_pairs(["quick delivery but a rip off", "great price", "ok"],
                              [["Price", "Delivery"], ["Price"], []])
    assert got == [["negative", "positive"], ["positive"], []]
    assert model.predict_pairs([], []) == []


def test_opinion_cells_keep_every_opinion_and_read_conflict_as_both():
    assert parse_opinions(CX, "Price=negative; Price=positive") == [(("price", None), "negative"),
                                                                  (("price", None), "positive")]
    assert parse_opinions(CX, "Delivery > Courier=CONFLICT") == [(("delivery", "courier"), "positive"),
                                                                (("delivery", "courier"), "negative")]
    assert parse_opinions(CX, float("nan")) == []


@pytest.mark.parametrize("cell", ["Price", "Price=great", "Pryce=negative"])
def test_a_bad_opinion_cell_is_a_one_line_error_naming_the_row(cell):
    with pytest.raises(LabelError, match="row 4") as err:
        parse_opinions(CX, cell, row=4, column="polarities")
    assert "\n" not in str(err.value)


@given(st.lists(st.sampled_from(["positive", "negative", "neutral"]), max_size=6))
def test_overall_polarity_is_mixed_exactly_when_praise_and_complaint_meet(polarities):
    overall = overall_polarity(polarities)
    both = "positive" in polarities and "negative" in polarities
    assert (overall == "mixed") == both
    if not both:
        assert overall in set(polarities) | {"neutral"}


def test_enrich_gives_one_polarity_per_category_in_the_order_of_categories():
    df = pd.DataFrame({"c": ["The courier was rude but delivery was fast", "Too expensive", "ok", None,
                             "Поддержка не отвечает, а цены растут"]})
    out = enrich(df, default_model(), "c")
    for cats, tones, overall in zip(out["categories"], out["category_sentiment"], out["sentiment"]):
        names = [x for x in cats.split("; ") if x]
        judged = [x.rsplit("=", 1) for x in tones.split("; ") if x]
        assert [name for name, _ in judged] == names
        assert all(pol in ("positive", "negative", "neutral") for _, pol in judged)
        if judged:
            assert overall == overall_polarity([pol for _, pol in judged])
    assert out["sentiment"].iloc[3] == "" and out["category_sentiment"].iloc[3] == ""
    assert out["sentiment"].iloc[1] == "negative"


def test_evidence_names_the_words_behind_a_polarity():
    out = enrich(pd.DataFrame({"c": ["The courier was two days late"]}), default_model(), "c", explain=True)
    assert "(negative" in out["evidence"].iloc[0]


def test_evidence_cites_an_emoji_only_for_the_polarity_it_leans_to():
    # "Support :(" judged positive cited the frown as a reason for praise
    m = AspectSentiment(analyzer=str.split).fit(["good 😊", "bad 😡", "fine 😊", "awful 😡"] * 3, ["x"] * 12,
                                                ["positive", "negative"] * 6)
    assert "😡" in m.cues("bad 😡", "x", "negative") and "😡" not in m.cues("good 😡", "x", "positive")
    assert "😊" in m.cues("good 😊", "x", "positive")


def test_train_with_sentiment_col_learns_polarities_and_evaluate_scores_them(opinions_csv, tmp_path):
    model_path = tmp_path / "m.fcmodel"
    result = runner.invoke(app, ["train", str(opinions_csv), "--text-col", "comment", "--group-col", "review",
                                 "--sentiment-col", "polarities", "--cv", "2", "--out", str(model_path)])
    assert result.exit_code == 0, result.output
    assert "polarity accuracy" in result.output
    assert 0.0 <= read_model_metadata(model_path)["metrics"]["polarity_accuracy"] <= 1.0
    model = load_model(model_path)
    assert model.sentiment_.predict(["fast delivery but too expensive"] * 2,
                                    [("delivery", None), ("price", None)]) == ["positive", "negative"]
    result = runner.invoke(app, ["evaluate", str(opinions_csv), "--model", str(model_path), "--text-col", "comment",
                                 "--json"])
    assert result.exit_code == 0, result.output
    import json

    report = json.loads(result.stdout)  # stderr: the training-file warning
    assert report["polarity_opinions"] == 12 * 4
    assert report["polarity_accuracy"] > 0.8 and 0.0 < report["joint_micro_f1"] <= 1.0


def test_evaluate_scores_joint_f1_on_the_rows_coded_for_polarity(opinions_csv, tmp_path):
    # a labelled row with an empty polarity cell counted its right categories as wrong (category, polarity)
    # pairs; a polarity column with no opinions printed "nan" and wrote NaN into --json, which is not JSON
    import json

    model_path = tmp_path / "m.fcmodel"
    assert runner.invoke(app, ["train", str(opinions_csv), "--text-col", "comment", "--sentiment-col", "polarities",
                               "--cv", "2", "--out", str(model_path)]).exit_code == 0
    df = pd.read_csv(opinions_csv, keep_default_na=False)
    full = json.loads(runner.invoke(app, ["evaluate", str(opinions_csv), "--model", str(model_path),
                                          "--text-col", "comment", "--json"]).stdout)
    part = df.copy()
    part.loc[part.index[-12:], "polarities"] = ""  # the last 12 rows labelled, not coded for polarity
    part.to_csv(src := tmp_path / "part.csv", index=False)
    coded = df.iloc[:-12]
    coded.to_csv(tmp_path / "coded.csv", index=False)
    run = lambda path: runner.invoke(app, ["evaluate", str(path), "--model", str(model_path),  # noqa: E731
                                           "--text-col", "comment", "--json"])
    # (.stdout: both files hold the training file's comments and labels, and evaluate warns so on stderr)
    got, want = json.loads(run(src).stdout), json.loads(run(tmp_path / "coded.csv").stdout)
    assert got["joint_micro_f1"] == want["joint_micro_f1"] and got["polarity_opinions"] == want["polarity_opinions"]
    assert got["polarity_uncoded_rows"] == 12 and full["joint_micro_f1"] > 0
    shown = runner.invoke(app, ["evaluate", str(src), "--model", str(model_path), "--text-col", "comment"])
    assert "12 labelled rows with no polarities left out" in shown.output
    df.assign(polarities="").to_csv(src, index=False)
    found = run(src)  # found by its name and empty: no polarity metrics, valid JSON
    assert found.exit_code == 0 and "polarity_accuracy" not in json.loads(found.stdout)
    named = runner.invoke(app, ["evaluate", str(src), "--model", str(model_path), "--text-col", "comment",
                                "--sentiment-col", "polarities"])
    assert named.exit_code == 1 and "has no opinions" in named.output and "Traceback" not in named.output


def test_train_says_what_it_leaves_unused_a_polarities_column_and_the_bundled_taxonomy(tmp_path):
    # the label app's labels file trained into an inferred taxonomy without a word (route then had one team,
    # "unassigned"); a polarities column was ignored without --sentiment-col, which evaluate reads by default
    path = tmp_path / "labels.csv"
    pd.DataFrame({"comment": ["late again", "too pricey", "rude staff", "fast courier"] * 4,
                  "labels": ["Delivery and logistics > Delivery time", "Price and value > Too expensive",
                             "Customer service > Staff politeness", "Delivery and logistics > Courier"] * 4,
                  "polarities": ["Delivery and logistics > Delivery time=negative", "", "", ""] * 4}
                 ).to_csv(path, index=False)
    result = runner.invoke(app, ["train", str(path), "--text-col", "comment", "--cv", "2",
                                 "--out", str(tmp_path / "m")], terminal_width=300)
    assert result.exit_code == 0, result.output
    assert "pass --sentiment-col polarities" in result.output
    assert "pass --taxonomy cx-default to keep its teams" in result.output
    result = runner.invoke(app, ["train", str(path), "--text-col", "comment", "--cv", "2", "--taxonomy", "cx-default",
                                 "--out", str(tmp_path / "m")], terminal_width=300)
    assert result.exit_code == 0 and "--taxonomy cx-default to keep" not in result.output


def test_train_on_opinions_of_one_side_only_says_so(tmp_path):
    # a complaints-only coded file gave a model that calls everything negative, with CV accuracy 1.000
    path = tmp_path / "neg.csv"
    pd.DataFrame({"text": ["late again", "too pricey", "rude staff", "fine"] * 3,
                  "labels": ["Delivery", "Price", "Service", "Price"] * 3,
                  "polarities": ["Delivery=negative", "Price=negative", "Service=negative", "Price=neutral"] * 3}
                 ).to_csv(path, index=False)
    result = runner.invoke(app, ["train", str(path), "--sentiment-col", "polarities", "--cv", "2",
                                 "--out", str(tmp_path / "m")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "is negative and neutral" in result.output and "train without --sentiment-col" in result.output
    assert not (tmp_path / "m").exists()


def test_train_with_a_bad_sentiment_cell_fails_cleanly(tmp_path):
    path = tmp_path / "bad.csv"
    pd.DataFrame({"text": ["late", "cheap"] * 3, "labels": ["Delivery", "Price"] * 3,
                  "polarities": ["Delivery=negative", "Price=good"] * 3}).to_csv(path, index=False)
    result = runner.invoke(app, ["train", str(path), "--sentiment-col", "polarities", "--out", str(tmp_path / "m")])
    assert result.exit_code == 1
    assert "row 2" in result.output and "Traceback" not in result.output


def test_an_opinion_about_a_category_not_in_the_rows_labels_is_a_warning_naming_row_and_category(
        opinions_csv, tmp_path):
    # polarity is scored given the gold categories: an opinion outside them changed the score unsaid
    df = pd.read_csv(opinions_csv)
    df.loc[[3, 5], "polarities"] = df.loc[[3, 5], "polarities"] + "; Price=negative"
    df.loc[[3, 5], "labels"] = "Delivery"
    df.to_csv(tmp_path / "extra.csv", index=False)
    said = "2 rows have an opinion in 'polarities' about a category not in its 'labels' (first: row 4, 'Price')"
    model_path = tmp_path / "m.fcmodel"
    result = runner.invoke(app, ["train", str(tmp_path / "extra.csv"), "--text-col", "comment", "--sentiment-col",
                                 "polarities", "--cv", "2", "--out", str(model_path)])
    assert result.exit_code == 0, result.output
    assert said in " ".join(result.output.split())
    result = runner.invoke(app, ["evaluate", str(tmp_path / "extra.csv"), "--model", str(model_path), "--text-col",
                                 "comment"])
    assert result.exit_code == 0 and said in " ".join(result.output.split())
    result = runner.invoke(app, ["evaluate", str(opinions_csv), "--model", str(model_path), "--text-col", "comment"])
    assert result.exit_code == 0 and "not in its 'labels'" not in result.output


def test_classify_with_given_categories_adds_only_their_sentiment(tmp_path):
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    pd.DataFrame({"id": [1, 2, 3], "text": ["Fast delivery but the box was crushed", "", "Way too expensive"],
                  "coded": ["Delivery > Packaging; Delivery > Delivery time", "Price", "Price"]}).to_csv(src, index=False)
    result = runner.invoke(app, ["classify", str(src), "--text-col", "text", "--categories-col", "coded",
                                 "--out", str(dst)])
    assert result.exit_code == 0, result.output
    out = pd.read_csv(dst, keep_default_na=False)
    assert list(out.columns) == ["id", "text", "coded", "category_sentiment", "sentiment"]
    first = [x.rsplit("=", 1)[0] for x in out["category_sentiment"][0].split("; ")]
    assert first == ["Delivery and logistics > Packaging", "Delivery and logistics > Delivery time"]
    assert out["category_sentiment"][1] == "" and out["sentiment"][2] == "negative"


def test_classify_with_an_unknown_given_category_names_the_row(tmp_path):
    src = tmp_path / "in.csv"
    pd.DataFrame({"text": ["fine", "late"], "coded": ["Price", "Delivery > Curier"]}).to_csv(src, index=False)
    result = runner.invoke(app, ["classify", str(src), "--text-col", "text", "--categories-col", "coded",
                                 "--out", str(tmp_path / "o.csv"), "--quiet"])
    assert result.exit_code == 1
    assert "row 2" in result.output and "Traceback" not in result.output



@pytest.mark.parametrize("flag", ["--evidence", "--probabilities"])
def test_given_categories_refuse_options_they_would_drop(tmp_path, flag):
    # they describe predicted categories; with given ones they were silently left out
    src = tmp_path / "in.csv"
    pd.DataFrame({"text": ["late"], "coded": ["Delivery"]}).to_csv(src, index=False)
    result = runner.invoke(app, ["classify", str(src), "--text-col", "text", "--categories-col", "coded", flag,
                                 "--out", str(tmp_path / "o.csv")])
    assert result.exit_code == 2 and flag in result.output and "Traceback" not in result.output  # a usage error
    assert not (tmp_path / "o.csv").exists()


def test_no_sentiment_leaves_the_sentiment_columns_out(tmp_path):
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    pd.DataFrame({"text": ["late courier", "too expensive"]}).to_csv(src, index=False)
    result = runner.invoke(app, ["classify", str(src), "--text-col", "text", "--no-sentiment", "--out", str(dst)])
    assert result.exit_code == 0, result.output
    assert "sentiment" not in pd.read_csv(dst).columns and "category_sentiment" not in pd.read_csv(dst).columns


def test_drivers_polarity_negative_counts_complaints_only(tmp_path):
    src = tmp_path / "c.csv"
    pd.DataFrame({"nps": [1, 2, 9, 10, 3, 9],
                  "categories": ["Price and value"] * 4 + ["", ""],
                  "category_sentiment": ["Price and value=negative", "Price and value=negative",
                                         "Price and value=positive", "Price and value=positive", "", ""]}).to_csv(
        src, index=False)
    result = runner.invoke(app, ["drivers", str(src), "--score-col", "nps", "--polarity", "negative", "--boot", "0",
                                 "--min-n", "1", "--out", str(tmp_path / "d.csv")])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "d.csv")
    price = table[table["category"] == "Price and value"].iloc[0]
    assert price["mentions"] == 2
    split = runner.invoke(app, ["drivers", str(src), "--score-col", "nps", "--boot", "0", "--min-n", "1",
                                "--out", str(tmp_path / "all.csv")])
    assert split.exit_code == 0, split.output
    row = pd.read_csv(tmp_path / "all.csv").query("category == 'Price and value'").iloc[0]
    assert (row["mentions"], row["complaints"], row["praise"]) == (4, 2, 2)
    missing = runner.invoke(app, ["drivers", str(src), "--score-col", "nps", "--polarity", "positive",
                                  "--categories-col", "categories", "--boot", "0"])
    assert missing.exit_code == 0
    pd.DataFrame({"nps": [1], "categories": ["Price and value"]}).to_csv(tmp_path / "old.csv", index=False)
    old = runner.invoke(app, ["drivers", str(tmp_path / "old.csv"), "--score-col", "nps", "--polarity", "negative"])
    assert old.exit_code == 1 and "category_sentiment" in old.output


def test_route_puts_complaints_first_and_complaints_only_leaves_praise_out(tmp_path):
    src = tmp_path / "c.csv"
    pd.DataFrame({"comment": ["cheap, love it", "way too expensive", "fair price"], "nps": [3, 9, 2],
                  "categories": ["Price and value"] * 3, "confidence": [0.9] * 3, "needs_review": [False] * 3,
                  "category_sentiment": ["Price and value=positive", "Price and value=negative",
                                         "Price and value=positive"]}).to_csv(src, index=False)
    result = runner.invoke(app, ["route", str(src), "--text-col", "comment", "--score-col", "nps",
                                 "--out-dir", str(tmp_path / "q")])
    assert result.exit_code == 0, result.output
    queue = pd.read_csv(tmp_path / "q" / "pricing.csv")
    assert queue["comment"].tolist()[0] == "way too expensive" and queue["complaint"].tolist() == [True, False, False]
    result = runner.invoke(app, ["route", str(src), "--text-col", "comment", "--score-col", "nps",
                                 "--complaints-only", "--out-dir", str(tmp_path / "q2")])
    assert result.exit_code == 0, result.output
    assert pd.read_csv(tmp_path / "q2" / "pricing.csv")["comment"].tolist() == ["way too expensive"]


def test_predict_pairs_analysed_takes_the_shared_analysis_and_gives_what_predict_pairs_gives():
    from feedback_classifier.lang import TextAnalyzer

    model = AspectSentiment(C=10, char_weight=0.7).fit(*_opinions(ROWS * 3))
    texts = ["quick delivery but a rip off!!", "great price?", "ok", ""]
    cats = [["Price", "Delivery"], ["Price", None], [], ["Delivery"]]
    analyser = TextAnalyzer(keep_punct=True)
    analysed = [analyser.analyze_with_surface(t) for t in texts]
    assert model.predict_pairs_analysed(analysed, cats) == model.predict_pairs(texts, cats)
    assert model.predict_pairs_analysed([], []) == []


def test_the_lexicon_features_count_praise_and_complaint_words_per_clause_with_negation_flipped():
    from feedback_classifier.model.sentiment_lexicon import LEXICON_NAMES

    model = AspectSentiment(C=3, lexicon_weight=1.0).fit(*_opinions(ROWS * 2))
    feats = model._features(model._analyse("the delivery was not good, but the price is great and fair"), "Price")
    counts = {name: round(math.expm1(feats.get(name, 0.0)), 9) for name in LEXICON_NAMES}
    # global: "great", "fair" praise, "not good" a complaint; the price's clause: the praise only
    assert counts == {"P:g+": 2.0, "P:g-": 1.0, "P:l+": 2.0, "P:l-": 0.0}
    off = AspectSentiment(C=3, lexicon_weight=0.0).fit(*_opinions(ROWS * 2))
    assert off.lexicon_ is None and not any(n.startswith("P:") for n in off.vocabulary_)


def test_the_lexicon_lets_words_the_training_data_never_had_decide():
    # opinions that never say "awful" or "excellent": the lexicon knows them, the words alone do not
    texts = ["the soup arrived", "we had soup", "the waiter came", "good soup", "nice soup", "bad soup", "poor soup"]
    pols = ["neutral"] * 3 + ["positive"] * 2 + ["negative"] * 2
    unseen = (["an awful meal", "an excellent meal"], ["Food", "Food"])
    model = AspectSentiment(C=10, lexicon_weight=2.0, char_weight=0.0).fit(texts * 2, ["Food"] * 14, pols * 2)
    assert model.predict(*unseen) == ["negative", "positive"]
    off = AspectSentiment(C=10, lexicon_weight=0.0, char_weight=0.0).fit(texts * 2, ["Food"] * 14, pols * 2)
    assert off.predict(*unseen) == ["neutral", "neutral"]


def test_evidence_names_the_lexicon_words_of_the_polarity_in_the_category_clauses():
    texts = ["the soup arrived", "we had soup", "good soup", "nice soup", "bad soup", "poor soup"] * 2
    pols = ["neutral", "neutral", "positive", "positive", "negative", "negative"] * 2
    model = AspectSentiment(C=10, lexicon_weight=2.0, char_weight=0.0).fit(texts, ["Food"] * 12, pols)
    # "awful" and "excellent" were never in training: only the lexicon knows them
    assert "awful" in model.cues("an awful meal", "Food", "negative")
    cues = model.cues("the meal was not excellent", "Food", "negative")
    assert "not excellent" in cues and "excellent" not in cues
    off = AspectSentiment(C=10, lexicon_weight=0.0, char_weight=0.0).fit(texts, ["Food"] * 12, pols)
    assert "awful" not in off.cues("an awful meal", "Food", "negative")


def test_a_parent_no_opinion_named_is_judged_as_its_children():
    # Trained on subcategories only, a model still has to judge a parent given by hand (classify
    # --categories-col) or predicted alone: it takes its children's prior, weighted by their opinions,
    # and their aspect words, so "Service" leans as its children do instead of ignoring the category.
    service_slow, service_rude, food = ("service", "speed"), ("service", "politeness"), ("food", "quality")
    rows = ([("slow service", service_slow, "negative")] * 4 + [("rude waiter", service_rude, "negative")] * 4
            + [("quick service", service_slow, "positive"), ("tasty food", food, "positive")]
            + [("fresh food", food, "positive")] * 6)
    texts, cats, pols = map(list, zip(*rows))
    model = AspectSentiment(C=10, char_weight=0.0).fit(texts * 3, cats * 3, pols * 3)
    assert ("service", None) in model.categories_ and ("food", None) in model.categories_
    assert model.predict(["we came on tuesday"] * 2, [("service", None), ("food", None)]) == ["negative", "positive"]
    # a parent's words are its children's: the clause about the waiter is the one judged
    assert model.predict(["fresh food, but a rude waiter"], [("service", None)]) == ["negative"]
    assert ("service", None) not in AspectSentiment(C=10, parent_priors=False).fit(texts, cats, pols).categories_
    # the fast batch path agrees with the named features of fit
    pairs = model.predict_pairs(["we came on tuesday", "fresh food, but a rude waiter"],
                                [[("service", None), ("food", None)], [("service", None), ("food", None)]])
    assert pairs == [["negative", "positive"], ["negative", "positive"]]
    # a parent named in the training data keeps its own columns
    named = AspectSentiment(C=10, char_weight=0.0).fit(texts + ["awful service"], cats + [("service", None)],
                                                       pols + ["negative"])
    assert named.categories_.count(("service", None)) == 1


@pytest.mark.parametrize("cell,said", [
    ("Price=neg", "'neg' is not a polarity: did you mean 'negative'?"),
    ("Price=mixed", "did you mean 'conflict'?"),
    ("Price=positive.", "did you mean 'positive'?"),
    ("Price", "needs a polarity"),
    ("Price=negative；Delivery=positive", "holds more than one opinion: separate them with ';', not '；'"),
])
def test_a_mistyped_opinion_says_what_was_meant(cell, said):
    # "=neg", "=mixed", "=positive." all said "needs a polarity"; a full-width ； said only "3 levels"
    from feedback_classifier.errors import LabelError
    from feedback_classifier.taxonomy import load_taxonomy

    with pytest.raises(LabelError, match=re.escape(said)):
        parse_opinions(load_taxonomy("cx-default"), cell, row=2, column="polarities")


def test_json_lines_labels_written_as_lists_are_read(tmp_path):
    # {"labels": ["SERVICE > GENERAL"]} gave "Invalid taxonomy ... 'SERVICE' matches both 'service' and 'service_2'"
    import json

    rows = [("Rude waiter", ["Service"], ["Service=negative"]), ("Great food", ["Food"], ["Food=positive"]),
            ("Rude staff again", ["Service"], ["Service=negative"]), ("Tasty food, kind staff", ["Food", "Service"],
                                                                      ["Food=positive", "Service=positive"])] * 3
    (src := tmp_path / "l.jsonl").write_text("".join(
        json.dumps({"text": t, "labels": labs, "polarities": pols}) + "\n" for t, labs, pols in rows), encoding="utf-8")
    result = runner.invoke(app, ["train", str(src), "--sentiment-col", "polarities", "--cv", "2",
                                 "--out", str(tmp_path / "m")])
    assert result.exit_code == 0, result.output
    assert {parent for parent, _ in load_model(tmp_path / "m").taxonomy_.labels} == {"food", "service"}
