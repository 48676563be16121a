"""The batch scorer (``sentiment_fast.PairScorer``) gives the scores of the named features
``AspectSentiment`` is fitted on, for every kind of comment: real sentences, the bundled
survey, and generated strings with emoji, mixed scripts, punctuation runs, contrast words
and empty clauses; through both analyzer paths (``analyze_with_surface`` and a plain one)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback_classifier.model import sentiment_fast
from feedback_classifier.model.default import EXAMPLE_SURVEY_FILE
from feedback_classifier.model.default_sentiment import default_sentiment_model
from feedback_classifier.model.sentiment import AspectSentiment
from feedback_classifier.model.sentiment_fast import PairScorer
from feedback_classifier.taxonomy import load_taxonomy

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
LABELS = [None, ("no", "such_category")] + list(load_taxonomy("cx-default").labels)

# pieces the generated comments are made of: what splits clauses, what marks cues, what the
# analyzer folds (negators, emoticons, numbers, URLs), and scripts it does not know
PIECES = ["but", "но", "а", "however", "зато", "not", "не", "never", "very", "очень", "delivery", "доставка",
          "courier", "курьер", "price", "цена", "late", "опоздал", "good", "хороший", "!", "!!", "?", "?!", "...",
          ",", ";", "—", "(", ")", "'", '"', ":)", "))", "👍", "😡", "🙂🙂", "！", "？", "‼", "ö", "ß", "東京",
          "cпасибо", "deliveryдоставка", "123", "8 800 555-35-35", "www.shop.ru/?q=1", "a@b.co", "_", "-", ""]


def _slow_scores(model, analysed, texts_of_pairs, cats):
    X = model._matrix([model._features(model._from_analysis(analysed[t]), c) for t, c in zip(texts_of_pairs, cats)])
    return np.asarray(X @ model.coef_.T) + model.intercept_


def _check(model, texts, cats_per_text, scorer=None):
    """Fast and named-feature scores agree on every (text, category) pair."""
    analyzer = model._analyzer()
    analyse = getattr(analyzer, "analyze_with_surface", analyzer)
    analysed = [analyse(t) for t in texts]
    owner = np.repeat(np.arange(len(texts)), [len(c) for c in cats_per_text])
    cats = [c for cs in cats_per_text for c in cs]
    fast = (scorer or PairScorer(model)).scores(analysed, owner, cats)
    slow = _slow_scores(model, analysed, owner, cats)
    worst = np.abs(fast - slow).max(axis=1, initial=0.0)
    assert worst.max(initial=0.0) < 1e-9, [(texts[owner[k]], cats[k]) for k in np.flatnonzero(worst >= 1e-9)[:3]]


def _check_batches(model, texts, cats_per_text, scorer=None, size=5):
    """Scores from batch analyses (``lang.batch.Analysed``, several per call, as ``enrich``
    sends them) equal the named features' and the per-comment path's."""
    from feedback_classifier.lang.batch import BatchAnalyzer

    batcher = BatchAnalyzer(model._analyzer())
    batches = [batcher.analyse(texts[i:i + size]) for i in range(0, len(texts), size)]
    owner = np.repeat(np.arange(len(texts)), [len(c) for c in cats_per_text])
    cats = [c for cs in cats_per_text for c in cs]
    scorer = scorer or PairScorer(model)
    fast = scorer.scores(batches, owner, cats, batches=True)
    docs = [doc for b in batches for doc in b.docs(punct=True)]
    np.testing.assert_array_equal(fast, PairScorer(model).scores(docs, owner, cats))
    slow = _slow_scores(model, docs, owner, cats)
    assert np.abs(fast - slow).max(initial=0.0) < 1e-9


def _categories(n, seed=0):
    rng = np.random.default_rng(seed)
    return [[LABELS[j] for j in rng.choice(len(LABELS), size=rng.integers(1, 4), replace=False)] for _ in range(n)]


@pytest.fixture(scope="module")
def bundled():
    return default_sentiment_model()


@pytest.fixture(scope="module")
def lexical():
    # the bundled model's data with the lexicon features on (the bundled model itself has them off)
    from feedback_classifier.model.default_sentiment import SENTIMENT_EXAMPLES_FILE, taxonomy_aspect_words
    from feedback_classifier.model.sentiment import parse_opinions

    taxonomy = load_taxonomy("cx-default")
    df = pd.read_csv(SENTIMENT_EXAMPLES_FILE, dtype=str, keep_default_na=False)
    pairs = [(t, lab, pol) for t, cell in zip(df["text"], df["polarities"]) for lab, pol in parse_opinions(taxonomy, cell)]
    model = AspectSentiment(aspect_words=taxonomy_aspect_words(taxonomy), lexicon_weight=1.3).fit(*zip(*pairs))
    assert model.lexicon_ and any(name.startswith("P:") for name in model.vocabulary_)
    model.fit_pairs_ = list(zip(*pairs))
    return model


@pytest.fixture(scope="module")
def toned(lexical):
    # tone words from the bundled survey's NPS (train --unlabelled-score-col), folded into the n-gram weights
    from feedback_classifier.insights import ScoreSpec
    from feedback_classifier.jobs.tone import tone_words_from_file
    from feedback_classifier.tableio import DEFAULT_READ

    tone = tone_words_from_file(EXAMPLE_SURVEY_FILE, "comment", "nps", ScoreSpec.make("nps"), read=DEFAULT_READ)
    pairs = lexical.fit_pairs_
    model = AspectSentiment(aspect_words=lexical.aspect_words, lexicon_weight=1.3, tone_words=tone.words).fit(*pairs)
    assert not any(name.startswith("T:") for name in model.vocabulary_)
    assert len(model.vocabulary_) > len(lexical.vocabulary_)  # tone words the opinions never had
    return model


@pytest.fixture(scope="module")
def plain():
    # a plain analyzer (no surface words): cues from its tokens, the character block from its words
    texts = ["great food, but rude staff!", "the delivery was late", "cheap? yes", "courier polite"] * 3
    cats = [("delivery", "courier"), ("price", None), None, ("delivery", "courier")] * 3
    pols = ["negative", "negative", "positive", "positive"] * 3
    aspect = {("delivery", "courier"): ["courier", "staff"], ("price", None): ["cheap"]}
    return AspectSentiment(analyzer=str.split, C=3, char_weight=0.5, aspect_words=aspect).fit(texts, cats, pols)


def test_the_bundled_survey_scores_equal_the_named_features(bundled, lexical, toned):
    texts = list(dict.fromkeys(pd.read_csv(EXAMPLE_SURVEY_FILE, dtype=str)["comment"].dropna()))
    for model in (bundled, lexical, toned):
        _check(model, texts, _categories(len(texts)))
        _check_batches(model, texts, _categories(len(texts), seed=1), size=300)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.sampled_from(PIECES), max_size=14).map(" ".join)
                | st.lists(st.sampled_from(PIECES), max_size=8).map("".join)
                | st.text(max_size=30), min_size=1, max_size=12))
def test_generated_comments_score_equal_the_named_features(bundled, plain, lexical, texts):
    cats = _categories(len(texts), seed=len(texts))
    _check(bundled, texts, cats)
    _check(plain, texts, cats)
    _check(lexical, texts, cats)
    _check_batches(bundled, texts, cats)
    _check_batches(lexical, texts, cats)


@pytest.mark.parametrize("which", ["bundled", "lexical"])
def test_scores_stay_equal_when_the_word_caches_are_cleared_between_batches(which, request, monkeypatch):
    model = request.getfixturevalue(which)
    monkeypatch.setattr(sentiment_fast, "_MAX_WORDS", 50)
    scorer = PairScorer(model)
    texts = ["Курьер опоздал, но цена хорошая!!", "Fast delivery 👍 but the app crashes?", "ok", "",
             "not good, but the courier was never rude", "не вкусно и не дешево, зато быстро"]
    for batch in (texts, texts[::-1], [t + " again" for t in texts]):
        _check(model, batch, _categories(len(batch), seed=3), scorer)
    assert len(scorer.word_ids) < scorer.n_fixed + 50
    for batch in (texts, texts[::-1], [t + " again" for t in texts]):  # and the batch analyses' id maps
        _check_batches(model, batch, _categories(len(batch), seed=4), scorer, size=2)
    assert len(scorer.word_ids) < scorer.n_fixed + 50


def test_batch_analyses_score_equal_after_the_analyzer_resets(bundled, monkeypatch):
    # the analyzer drops its tables past its bound: token and chunk ids start again
    from feedback_classifier.lang import batch

    monkeypatch.setattr(batch, "_MAX_CHUNKS", 8)
    scorer = PairScorer(bundled)
    texts = ["Курьер опоздал, но цена хорошая!!", "Fast delivery 👍 but the app crashes?", "ok", "",
             "не доставили заказ", "the refund never came"]
    for seed in range(3):
        _check_batches(bundled, texts[seed:] + texts[:seed], _categories(len(texts), seed=seed), scorer, size=2)


def test_the_same_category_twice_and_a_comment_without_categories():
    model = AspectSentiment(analyzer=str.split, C=3).fit(["good x", "bad x", "good y, but bad x"] * 2,
                                                         ["x", "x", "y"] * 2, ["positive", "negative"] * 3)
    _check(model, ["good y , but bad x", "x"], [["x", "x", "y"], []])


@pytest.mark.slow
@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared research data not available")
@pytest.mark.parametrize("which", ["bundled", "lexical"])
def test_real_sentences_score_equal_the_named_features(which, request):
    # SemEval-2016 restaurants (en, ru) and Banking77: ~13,000 sentences nobody here wrote
    texts = []
    for lang in ("en", "ru"):
        texts += pd.read_csv(SHARED / "semeval2016" / f"restaurants_{lang}_train.csv", dtype=str)["text"].tolist()
    texts += pd.read_csv(SHARED / "banking77" / "test.csv", dtype=str)["text"].tolist()
    texts = list(dict.fromkeys(t for t in texts if isinstance(t, str)))
    bundled = request.getfixturevalue(which)
    scorer = PairScorer(bundled)
    for start in range(0, len(texts), 4096):  # batches, as enrich sends them: the caches carry over
        batch = texts[start:start + 4096]
        _check(bundled, batch, _categories(len(batch), seed=start), scorer)
    batch_scorer = PairScorer(bundled)
    for start in range(0, len(texts), 4096):
        batch = texts[start:start + 4096]
        _check_batches(bundled, batch, _categories(len(batch), seed=start + 1), batch_scorer, size=1024)


def test_character_ngrams_one_word_at_a_time_give_the_same_scores(bundled):
    # the path for a character table the 12-bit codes cannot hold
    scorer = PairScorer(bundled)
    scorer.char_grams.ok = False
    texts = ["Курьер опоздал!!", "Fast delivery 👍 but the app crashes?", "東京 ok"]
    _check(bundled, texts, _categories(len(texts)), scorer)


def _naive_tones(model, taxonomy, texts, labels):
    """``category_sentiment`` and ``sentiment`` spelled out pair by pair (``predict``; an answer
    that states no opinion, such as "Nothing to report.", neutral: ``lang.junk.is_no_opinion``; one
    that is only a score, "10/10" or "+", its score's polarity: ``lang.junk.rating_answer``)."""
    from feedback_classifier.lang.junk import is_no_opinion, rating_answer
    from feedback_classifier.model.sentiment import overall_polarity

    cells, overall = [], []
    for text, labs in zip(texts, labels):
        share = rating_answer(text)
        rated = None if share is None else "positive" if share >= 0.8 else "negative" if share <= 0.5 else "neutral"
        fixed = rated or ("neutral" if is_no_opinion(text) else None)
        if not labs:
            cells.append("")
            overall.append(fixed or model.predict([text], [None])[0])
            continue
        pols = [fixed] * len(labs) if fixed else model.predict([text] * len(labs), labs)
        cells.append("; ".join(f"{taxonomy.display_name(lab, 'en')}={p}" for lab, p in zip(labs, pols)))
        overall.append(overall_polarity(pols))
    return cells, overall


@pytest.mark.parametrize("width", [3, 40])
def test_tones_per_pattern_equal_the_pairs_one_by_one(bundled, width):
    # width 40: polarity keys too wide for one integer (the tuple path); labels repeat
    from feedback_classifier.model.tones import comment_tones

    taxonomy = load_taxonomy("cx-default")
    labels_pool = list(taxonomy.labels)
    texts = list(dict.fromkeys(pd.read_csv(EXAMPLE_SURVEY_FILE, dtype=str)["comment"].dropna()))[:150]
    rng = np.random.default_rng(width)
    labels = [[labels_pool[j] for j in rng.choice(len(labels_pool), size=rng.integers(0, width))] for _ in texts]
    labels[1::7] = [labels[0]] * len(labels[1::7])  # patterns shared by several comments
    got = comment_tones(bundled, taxonomy, texts, labels)
    assert (got.cells, got.overall) == _naive_tones(bundled, taxonomy, texts, labels)


def test_scores_are_the_same_with_hashed_pair_tables(bundled, monkeypatch):
    # tables too large for a dense matrix of positions fall back to hashed keys: same scores
    from feedback_classifier.model import sentiment_tables

    texts = ["Курьер опоздал, но цена хорошая!!", "Fast delivery 👍 but the app crashes?", "ok",
             "not good, but the courier was never rude", "не вкусно и не дешево, зато быстро"]
    dense = _pair_scores(bundled, texts, seed=5)
    monkeypatch.setattr(sentiment_tables.PairTable, "_DENSE_MAX", 1)
    hashed = PairScorer(bundled)
    assert hashed.cross.keys is not None and hashed.aspect.keys is not None
    np.testing.assert_array_equal(_pair_scores(bundled, texts, seed=5), dense)


def _pair_scores(bundled, texts, seed):
    """PairScorer's scores of random categories of each text (the same categories for a seed)."""
    cats = _categories(len(texts), seed=seed)
    owner = np.repeat(np.arange(len(texts)), [len(c) for c in cats])
    analyse = bundled._analyzer().analyze_with_surface
    return PairScorer(bundled).scores([analyse(t) for t in texts], owner, [c for cs in cats for c in cs])


def test_scores_are_the_same_when_categories_share_a_table_bit(bundled, monkeypatch):
    # past 62 categories the per-word table bits are shared: the filter lets more words
    # through (here all categories share one bit), the scores do not change
    texts = ["Курьер опоздал, но цена хорошая!!", "Fast delivery 👍 but the app crashes?",
             "not good, but the courier was never rude", "не вкусно и не дешево, зато быстро"]
    own = _pair_scores(bundled, texts, seed=6)
    monkeypatch.setattr(sentiment_fast, "category_bit", lambda c: np.ones(len(c), dtype=np.int64))
    np.testing.assert_array_equal(_pair_scores(bundled, texts, seed=6), own)
