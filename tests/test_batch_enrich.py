"""``enrich`` through the batch analysis (lang/batch.py, model/batch_features.py) gives exactly
what the per-comment path gives: categories, confidence, needs_review, probabilities, evidence."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

from feedback_classifier.lang import TextAnalyzer
from feedback_classifier.model.default import default_model
from feedback_classifier.model.enrichment import enrich

WORDS = (
    "the courier was late delivery took forever not never very good bad rude staff support refund app "
    "crashes login price too expensive cheap box damaged missing part hotline waiting minutes weeks "
    "курьер опоздал доставка не очень хорошо плохо грубый персонал поддержка возврат приложение "
    "вылетает цена дорого дёшево коробка мятая нет деталь ждал минут недели но и а also but however "
    "зато хотя Courier DELIVERY Ёлки isn't don't wasn't cannot www.shop.ru 8-800-555-35-35 :) (( 👍 № "
).split()
PUNCT = ["", "", "", ",", ".", "!", "?", "!!!", ";", " -", "...", "\n"]


class _PerText(TextAnalyzer):
    """The same analysis, but not a ``TextAnalyzer`` itself: the per-comment path."""


def _texts(n: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        words = [str(rng.choice(WORDS)) + str(rng.choice(PUNCT)) for _ in range(int(rng.integers(1, 25)))]
        out.append(" ".join(words))
    return out + ["", "ok", "Не доставили. Никто не пришёл; поддержка молчит, но деньги вернули"]


def _per_text_model():
    model = copy.deepcopy(default_model())
    model.analyzer_ = _PerText(**model.analyzer_.get_params())
    return model


@pytest.mark.parametrize("explain,n", [(False, 2000), (True, 150)])
def test_batch_path_equals_per_text_path(explain, n):
    df = pd.DataFrame({"comment": _texts(n, seed=n)})
    fast = enrich(df, default_model(), "comment", probabilities=True, explain=explain)
    slow = enrich(df, _per_text_model(), "comment", probabilities=True, explain=explain)
    pd.testing.assert_frame_equal(fast, slow)


def test_sentiment_gets_the_shared_analysis(monkeypatch):
    """The interface to the sentiment scorer: ``pattern_polarities(batches, ...)`` gets the
    classifier's batch analyses, whose comments are, in order, exactly each distinct comment's
    ``_analyzer().analyze_with_surface(text)``."""
    from feedback_classifier.model.sentiment import AspectSentiment

    seen = {}
    real = AspectSentiment.pattern_polarities

    def pattern_polarities(self, analysed, patterns, pattern_of, **kwargs):
        seen["analysed"], seen["batches"] = analysed, kwargs.get("batches")
        return real(self, analysed, patterns, pattern_of, **kwargs)

    monkeypatch.setattr(AspectSentiment, "pattern_polarities", pattern_polarities)
    texts = _texts(200, seed=1)
    out = enrich(pd.DataFrame({"comment": texts}), default_model(), "comment")
    uniques = list(dict.fromkeys(t for t in texts if t.strip()))
    want = TextAnalyzer(keep_punct=True)
    assert seen["batches"] is True
    got = [doc for batch in seen["analysed"] for doc in batch.docs(punct=True)]
    assert len(got) == len(uniques)
    for text, doc in zip(uniques, got):
        expected = want.analyze_with_surface(text)
        assert (list(doc), doc.surface) == (list(expected), expected.surface)
    assert set(out["sentiment"]) <= {"positive", "negative", "neutral", "mixed", ""}


def test_tables_rebuilt_after_the_analyzer_resets(monkeypatch):
    """Past its bound the analyzer drops its tables (new token ids): the model's id-keyed
    tables follow, and the results stay those of the per-comment path."""
    from feedback_classifier.lang import batch

    monkeypatch.setattr(batch, "_MAX_CHUNKS", 50)
    df = pd.DataFrame({"comment": _texts(300, seed=7)})
    slow = enrich(df, _per_text_model(), "comment", probabilities=True)
    for _ in range(2):  # several resets (each model batch analyses more than 50 new chunks)
        pd.testing.assert_frame_equal(enrich(df, default_model(), "comment", probabilities=True), slow)


def test_collector_settings_restored_after_a_chunk():
    import gc

    import pandas as pd

    from feedback_classifier.model.default import default_model
    from feedback_classifier.model.enrichment import _CHUNK_GC_THRESHOLD, _objects_frozen, enrich

    before = gc.get_threshold()
    with _objects_frozen():
        assert gc.get_threshold()[0] >= _CHUNK_GC_THRESHOLD and gc.get_freeze_count() > 0
    enrich(pd.DataFrame({"c": ["Late delivery", "ok"]}), default_model(), "c")
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_category_strings_equal_the_label_by_label_formatting():
    # the per-pattern strings of enrich, built label path by label path and parents at once,
    # equal formatting each pattern's labels and sorted parents on its own
    from feedback_classifier.model.default import default_model
    from feedback_classifier.model.enrichment import _category_strings, _collapse, _parent_indices

    model = default_model()
    classes = list(model.classes_)
    rng = np.random.default_rng(7)
    patterns = rng.random((300, len(classes))) < rng.choice([0.02, 0.1, 0.4], size=(300, 1))
    patterns[:3] = False  # comments without a category
    labels = [_collapse([classes[j] for j in np.flatnonzero(row)]) for row in patterns]
    parents_idx = _parent_indices(classes)
    for lang in ("en", "ru"):
        cats, parents = _category_strings(model, patterns, labels, lang)
        fmt = model.taxonomy_.format_labels
        assert cats.tolist() == [fmt(labs, lang=lang) if labs else "" for labs in labels] + [""]
        assert parents.tolist() == [
            fmt([classes[p] for p in sorted({parents_idx[j] for j in np.flatnonzero(row)})], lang=lang)
            for row in patterns] + [""]
