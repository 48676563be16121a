"""Keyword matching, multi-topic comments (parts), and the cold start without labels (train --no-labels,
analyze --taxonomy without --model), on tiny in-file corpora."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from feedback_classifier.cli import app
from feedback_classifier.model import load_model
from feedback_classifier.model.keywords import KeywordMatcher
from feedback_classifier.model.segments import combined_proba, split_segments
from feedback_classifier.model.weak import fit_without_labels, weak_labels
from feedback_classifier.taxonomy import Taxonomy, load_taxonomy

runner = CliRunner()

SHOP_YAML = """\
name: my-shop
version: 1
languages: [en, ru]
categories:
  - id: delivery
    names: {en: Delivery, ru: Доставка}
    description: How fast and how well orders arrive.
    keywords:
      en: [delivery, courier, parcel, arrived late]
      ru: [доставка, курьер, посылка, опоздать]
  - id: staff
    names: {en: Staff, ru: Персонал}
    keywords:
      en: [staff, rude, cashier, impolite]
      ru: [персонал, грубый, кассир, хамить]
  - id: price
    names: {en: Price, ru: Цена}
    keywords:
      en: [price, expensive, overpriced]
      ru: [цена, дорого, дорогой]
  - id: returns
    names: {en: Returns, ru: Возвраты}
    keywords:
      en: [refund, return]
      ru: [возврат]
"""

COMMENTS = [
    "The courier was two hours late", "my parcel arrived late again", "delivery is slow, waited a week",
    "Курьер опоздал на час", "посылку везли две недели", "the cashier was rude to me", "rude staff at the till",
    "Кассир нахамил", "персонал грубый", "prices are way too expensive", "overpriced for what you get",
    "Очень дорого", "цены кусаются", "ok", "nothing to add", "all fine", "thanks",
] * 3


@pytest.fixture(scope="module")
def shop_taxonomy(tmp_path_factory) -> Taxonomy:
    path = tmp_path_factory.mktemp("tax") / "shop.yaml"
    path.write_text(SHOP_YAML, encoding="utf-8")
    return Taxonomy.load(path)


def test_keywords_match_lemmas_inflections_and_respect_negation():
    matcher = KeywordMatcher(load_taxonomy("cx-default"))
    hits = matcher.match(["Couriers were rude", "не хватает деталей в коробке", "It works fine", "It does not work"])
    assert ("delivery", "courier") in hits[0]
    assert ("product", "defects") in hits[1]  # "не хватать деталь", inflected in the comment
    assert ("product", "defects") not in hits[2]
    assert "does not work" in hits[3][("product", "defects")]
    # a child's phrase also counts for its parent
    assert hits[0][("delivery", None)]


def test_split_segments_examples():
    assert split_segments("Short one") == []
    assert split_segments("Delivery was late. The support never answered") == [
        "Delivery was late.", "The support never answered"]
    assert split_segments("Доставка долгая; кассир хамит") == ["Доставка долгая", "кассир хамит"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", " ", ".", ",", ";", "!", "?", "\n", "but ", "но ", "word "]), max_size=40))
def test_segments_are_pieces_of_the_comment(pieces):
    text = "".join(pieces)
    parts = split_segments(text)
    assert len(parts) != 1
    for part in parts:
        assert part in text and len(part.split()) >= 2


def test_parts_raise_a_comment_to_its_best_part_and_name_the_first_one():
    from feedback_classifier.model.segments import _score_parts, segment_batch

    class Table:  # probabilities looked up per text: the whole and each part
        table = {"Good food. Slow service. Slow service": [0.2, 0.5], "Good food.": [0.9, 0.1],
                 "Slow service.": [0.1, 0.7], "Slow service": [0.1, 0.7], "one part": [0.3, 0.3]}

        def predict_proba(self, texts):
            return np.array([self.table[t] for t in texts])

    texts = ["one part", "Good food. Slow service. Slow service"]
    P = Table().predict_proba(texts)
    parts, best = _score_parts(Table(), segment_batch(texts), P, with_evidence=True)
    assert list(parts) == ["Good food.", "Slow service.", "Slow service"]
    assert P.tolist() == [[0.3, 0.3], [0.9, 0.7]]
    assert best.tolist() == [[-1, -1], [0, 1]]  # ties between parts: the first one


def test_multi_topic_complaint_gets_every_topic():
    from feedback_classifier.model.default import default_model
    from feedback_classifier.model.segments import uses_parts

    model = default_model()
    text = ("Where do I start… The washing machine arrived a week late, nobody came to install it. "
            "I called the hotline and waited 35 minutes. The refund is still missing after 3 weeks")
    whole = {model.classes_[j][0] for j in np.flatnonzero(model.predict([text])[0])}
    P, evidence = combined_proba(model, [text], matcher=uses_parts(model).matcher, with_evidence=True)
    parents = {model.classes_[j][0] for j in np.flatnonzero(model.predict_from_proba(P)[0])}
    assert {"delivery", "service", "returns"} <= parents
    assert parents >= whole  # the parts only add (the whole alone finds these three since the bigger example set)
    assert any('in "' in w for words in evidence[0].values() for w in words)  # the evidence names the part


def test_weak_labels_need_a_clear_match(shop_taxonomy):
    matcher = KeywordMatcher(shop_taxonomy)
    assert weak_labels(matcher, ["the courier", "nice day", "rude cashier, too expensive"]) == [
        [("delivery", None)], [], [("price", None), ("staff", None)]]


def test_fit_without_labels_finds_more_than_its_keywords(shop_taxonomy):
    model, info = fit_without_labels(shop_taxonomy, COMMENTS, params={"cv": 3})
    assert info["weak"] > 0 and model.keyword_rules_
    predicted = model.predict_labels(["the courier was late", "everything fine", "кассир грубый"])
    assert ("delivery", None) in predicted[0]
    assert predicted[1] == []
    assert ("staff", None) in predicted[2]


def test_train_no_labels_cli(tmp_path, shop_taxonomy):
    data = tmp_path / "comments.csv"
    pd.DataFrame({"comment": COMMENTS}).to_csv(data, index=False)
    tax = tmp_path / "shop.yaml"
    tax.write_text(SHOP_YAML, encoding="utf-8")
    out = tmp_path / "m.joblib"
    res = runner.invoke(app, ["train", str(data), "--text-col", "comment", "--taxonomy", str(tax),
                              "--no-labels", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "labelled by keywords" in res.output and "Delivery" in res.output
    model = load_model(out)
    assert model.keyword_rules_ and model.taxonomy_.name == "my-shop"
    # --no-labels without a taxonomy: a one-line usage error, no traceback
    res = runner.invoke(app, ["train", str(data), "--text-col", "comment", "--no-labels", "--out", str(out)])
    assert res.exit_code != 0 and "--taxonomy" in res.output and "Traceback" not in res.output


def test_train_no_labels_reads_the_file_with_the_reading_options(tmp_path):
    # --no-labels took --skip-rows/--sep/... but read the file without them until they became one `read=`
    data = tmp_path / "comments.csv"
    pd.DataFrame({"comment": ["What did you think of us?"] + COMMENTS}).to_csv(data, index=False)
    tax = tmp_path / "shop.yaml"
    tax.write_text(SHOP_YAML, encoding="utf-8")
    res = runner.invoke(app, ["train", str(data), "--text-col", "comment", "--taxonomy", str(tax), "--no-labels",
                              "--skip-rows", "1", "--out", str(tmp_path / "m.joblib")])
    assert res.exit_code == 0, res.output
    assert f"Trained without labels on {sum(bool(c.strip()) for c in COMMENTS):,} comments" in res.output


def test_analyze_with_taxonomy_and_no_model_trains_one(tmp_path):
    data = tmp_path / "survey.csv"
    pd.DataFrame({"id": range(len(COMMENTS)), "comment": COMMENTS,
                  "nps": [i % 11 for i in range(len(COMMENTS))]}).to_csv(data, index=False)
    tax = tmp_path / "shop.yaml"
    tax.write_text(SHOP_YAML, encoding="utf-8")
    res = runner.invoke(app, ["analyze", str(data), "--text-col", "comment", "--score-col", "nps",
                              "--taxonomy", str(tax), "--out-dir", str(tmp_path / "out"), "--lang", "en"])
    assert res.exit_code == 0, res.output
    assert "trained without labels" in res.output
    rare = [line for line in res.output.splitlines() if line.startswith("Rarely found")]
    assert len(rare) == 1 and "Returns" in rare[0] and "Delivery" not in rare[0]
    enriched = pd.read_csv(tmp_path / "out" / "survey.enriched.csv")
    assert enriched["categories"].fillna("").str.contains("Delivery").any()
