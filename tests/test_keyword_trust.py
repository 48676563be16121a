"""A model trained on labels uses its taxonomy's keywords (model/keyword_trust.py): a user who wrote good
keywords and then labelled a few hundred comments got a model that ignored them (SaaS: 0.23 held-out
micro-F1 against the keyword matcher's 0.89)."""

from __future__ import annotations

import numpy as np
from typer.testing import CliRunner

from feedback_classifier.cli.main import app
from feedback_classifier.model import FeedbackClassifier
from feedback_classifier.model.persist import load_model, save_model
from feedback_classifier.model.segments import combined_proba, uses_parts
from feedback_classifier.taxonomy import load_taxonomy

_TAXONOMY = """\
name: saas-kw
version: 1
languages: [en]
categories:
  - id: billing
    names: {en: Billing}
    children:
      - id: invoices
        names: {en: Invoices}
        keywords: {en: [invoice, vat, receipt, statement, tax, paperwork, billing document]}
      - id: pricing
        names: {en: Pricing}
        keywords: {en: [price, expensive, cost, cheap, discount, pricey, overpriced]}
  - id: support
    names: {en: Support}
    keywords: {en: [support, ticket, agent, helpdesk, reply, answer, hotline]}
"""
# each keyword in one comment only: out of fold, the model has not seen it, the keyword has
_ROWS = {
    "Billing > Invoices": ["the invoice shows the wrong address", "please add our vat number", "we never got a receipt",
                           "the monthly statement is missing", "tax is counted twice", "the paperwork arrives late"],
    "Billing > Pricing": ["the price went up again", "far too expensive for us", "the cost per seat is high",
                          "a cheap plan would help", "we want a discount", "everything is so pricey now"],
    "Support": ["support never called back", "my ticket is still open", "the agent was rude",
                "the helpdesk is closed on weekends", "no reply for a week", "nobody would answer the phone"],
}
# "statement" is an Invoices keyword; the words around it are Support's
_NEW = "the statement was rude"


def _data(tmp_path):
    (tmp_path / "saas.yaml").write_text(_TAXONOMY, encoding="utf-8")
    tax = load_taxonomy(tmp_path / "saas.yaml")
    texts = [t for rows in _ROWS.values() for t in rows]
    labels = [tax.parse_labels(cell) for cell, rows in _ROWS.items() for _ in rows]
    return tax, texts, labels


def _classified(model, texts):
    P = combined_proba(model, texts, matcher=uses_parts(model).matcher)
    return [model._paths(row) for row in model.predict_from_proba(P)]


def test_a_trained_model_lets_a_keyword_name_a_category_and_keeps_it_saved(tmp_path):
    tax, texts, labels = _data(tmp_path)
    model = FeedbackClassifier(taxonomy=tax, cv=3).fit(texts, labels)
    assert 0.0 <= model.keyword_trust_ < 1.0  # chosen out of fold: the keywords helped there
    assert ("billing", "invoices") not in model.predict_labels([_NEW])[0]  # predict: the model alone
    assert ("billing", "invoices") in _classified(model, [_NEW])[0]
    saved = save_model(model, tmp_path / "m.joblib")
    loaded = load_model(saved)
    assert loaded.keyword_trust_ == model.keyword_trust_
    assert ("billing", "invoices") in _classified(loaded, [_NEW])[0]
    _P, evidence = combined_proba(loaded, [_NEW], matcher=uses_parts(loaded).matcher, with_evidence=True)
    assert "statement" in str(evidence[0])


def test_keyword_rules_off_leaves_the_model_as_it_was(tmp_path):
    tax, texts, labels = _data(tmp_path)
    model = FeedbackClassifier(taxonomy=tax, cv=3, keyword_rules=False).fit(texts, labels)
    assert not hasattr(model, "keyword_trust_") and uses_parts(model).matcher is None
    with_rules = FeedbackClassifier(taxonomy=tax, cv=3).fit(texts, labels)
    assert np.array_equal(model.coef_, with_rules.coef_)  # the same weights: the trust only comes after
    assert ("billing", "invoices") not in _classified(model, [_NEW])[0]


def test_train_then_classify_gives_the_category_a_keyword_names(tmp_path):
    runner = CliRunner()
    _data(tmp_path)
    rows = ["text,labels"] + [f"{t},{cell}" for cell, ts in _ROWS.items() for t in ts]
    (tmp_path / "labels.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    model = tmp_path / "m.joblib"
    result = runner.invoke(app, ["train", str(tmp_path / "labels.csv"), "--taxonomy", str(tmp_path / "saas.yaml"),
                                 "--cv", "3", "--out", str(model)])
    assert result.exit_code == 0, result.output
    assert "Keywords: classify, analyze and evaluate also give a category its keywords clearly name" in result.output
    (tmp_path / "new.csv").write_text(f"text\n{_NEW}\n", encoding="utf-8")
    result = runner.invoke(app, ["classify", str(tmp_path / "new.csv"), "--text-col", "text", "--model", str(model), "--lang", "en",
                                 "--out", str(tmp_path / "out.csv"), "--no-sentiment"])
    assert result.exit_code == 0, result.output
    assert "Invoices" in (tmp_path / "out.csv").read_text(encoding="utf-8")


def test_keywords_the_vocabulary_lacks_are_found_as_the_matcher_finds_them(tmp_path):
    """Prediction finds keywords from the features where it can and on the batch's token ids where the
    model's vocabulary lacks them (a few hundred labels never used most keywords twice)."""
    from feedback_classifier.model.keyword_trust import keyword_matrix, outside_keywords
    from feedback_classifier.model.keywords import keyword_hits
    from feedback_classifier.model.segments import _vocabulary_keywords

    tax, texts, labels = _data(tmp_path)
    model = FeedbackClassifier(taxonomy=tax, cv=3).fit(texts, labels)
    new = ["the billing document is late", "billing for the document", "called the hotline, then the hotline again",
           "the statement and the receipt", "our billing team lost the document", "nothing to say"]
    matcher = uses_parts(model).matcher
    docs = model._analyze(new)
    Xw = model.features_._parts(docs).Xw
    outside = outside_keywords(model, matcher)
    assert {"statement", "hotline"} <= outside.word_set and ("bill", "document") in outside.pairs
    K = _vocabulary_keywords(model, matcher).clear(Xw, outside.counts(docs))
    rows = outside.candidates(Xw, docs)
    for i, by_class in zip(rows, keyword_hits(matcher, [new[i] for i in rows], model.classes_)):
        K[i, list(by_class)] = True
    assert np.array_equal(K, keyword_matrix(model, new))


def test_a_model_refitted_in_place_matches_keywords_on_its_new_vocabulary(tmp_path):
    """The keyword tables are cached per model object: after a second fit of the same estimator on other
    comments, classifying raised 'matmul: dimension mismatch' (the first fit's vocabulary)."""
    tax, texts, labels = _data(tmp_path)
    clf = FeedbackClassifier(taxonomy=tax, cv=3)
    clf.fit(texts[6:] + ["we pay too much", "an invoice is wrong"] * 3,
            labels[6:] + [[("billing", "pricing")], [("billing", "invoices")]] * 3)
    new = [_NEW, "the receipt is wrong", "tax statement"]
    _classified(clf, new)
    clf.fit(texts, labels)
    assert _classified(clf, new) == _classified(FeedbackClassifier(taxonomy=tax, cv=3).fit(texts, labels), new)
