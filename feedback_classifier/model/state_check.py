"""The fitted state of a loaded model, checked once at load time: types, shapes, dtypes, ranges.

A model file's checksum proves it was not damaged, not that nobody edited it: a hand edit with the
checksum recomputed loads whatever the file holds. Prediction indexes arrays by one another
(classes by weight columns, vocabulary ids by idf and weight rows, word-table rows by vectors), so a
value of the wrong type or length would fail deep inside numpy with a traceback, hang (a word n-gram
length of 10**20) or allocate terabytes (a vocabulary id of 2**40). Checking here, in one place,
turns every such edit into one line saying which value is wrong; the checks are linear passes over
the arrays and vocabularies (~5 ms for the bundled default model, ~45 ms to load).

>>> check_fitted(object())  # doctest: +IGNORE_EXCEPTION_DETAIL
Traceback (most recent call last):
feedback_classifier.model.state_check.BadState: classes_ is missing
"""

from __future__ import annotations

from typing import Any

import numpy as np

from feedback_classifier.model.state_values import (  # noqa: F401
    _KIND_NAMES,
    BadState,
    _array,
    _choice,
    _get,
    _instance,
    _number,
)

__all__ = ["BadState", "check_fitted"]

#: Longest word n-gram and char n-gram a model may use; far above any trained one (2 and 5), low enough
#: that a hand-edited length cannot make prediction loop for ever.
_MAX_WORD_NGRAM = 10
_MAX_CHAR_NGRAM = 30
_POLARITIES = frozenset({"negative", "neutral", "positive", "conflict"})


def _vocabulary(obj: Any, name: str, where: str, lo: int, hi: int) -> dict:
    """``obj.name``: words to feature ids in ``[lo, hi)``."""
    vocab = _instance(obj, name, where, dict)
    if not all(type(k) is str for k in vocab) or not all(type(v) is int for v in vocab.values()):
        raise BadState(f"{where}{name} must map words to whole numbers")
    if vocab:
        try:
            ids = np.fromiter(vocab.values(), dtype=np.int64, count=len(vocab))
        except OverflowError:  # beyond 64 bits: out of range whatever the bounds
            ids = np.array([-1])
        if ids.min() < lo or ids.max() >= hi:
            raise BadState(f"{where}{name} holds feature ids outside {lo}..{hi - 1}")
    return vocab


def _label(value: Any) -> bool:
    return (type(value) is tuple and len(value) == 2 and type(value[0]) is str
            and (value[1] is None or type(value[1]) is str))


def _sentiment_category(value: Any) -> bool:
    # AspectSentiment fitted through the library takes any category value; a name is the common other one
    return _label(value) or type(value) is str


def check_fitted(model: Any) -> None:
    """Raise :class:`BadState` unless ``model`` (a loaded ``FeedbackClassifier``) holds what prediction needs."""
    classes = _get(model, "classes_", "")
    if not isinstance(classes, list) or not classes or not all(map(_label, classes)):
        raise BadState("classes_ must be a non-empty list of (category, subcategory or null) pairs")
    k = len(classes)
    if len(set(classes)) != k:
        raise BadState("classes_ names a category twice")
    from feedback_classifier.taxonomy import Taxonomy

    taxonomy = _instance(model, "taxonomy_", "", Taxonomy)
    unknown = [c for c in classes if c not in taxonomy]
    if unknown:
        raise BadState(f"classes_ names {unknown[0]!r}, which is not in the model's taxonomy {taxonomy.name!r}")
    _check_hierarchy(model, classes)
    for name in ("intercept_", "thresholds_"):
        _array(model, name, "", "f", (k,), finite=True)
    for name in ("child_completion_", "fallback_ratio_", "extra_ratio_"):
        _number(model, name, "", 0.0, 1e6)
    n_text = _check_features(_get(model, "features_", ""))
    if _number(model, "n_text_features_", "", integer=True) != n_text:
        raise BadState(f"n_text_features_ is {model.n_text_features_}, but features_ has {n_text} features")
    from feedback_classifier.model.dense_block import WordVectorBlock

    dense = _instance(model, "dense_", "", WordVectorBlock, optional=True)
    rows = n_text + (_check_dense(dense) if dense is not None else 0)
    coef = _array(model, "coef_", "", "f", (None, k), finite=True)
    embedded = _check_embedder(model)
    if coef.shape[0] != rows + embedded:
        of_embedder = f" ({embedded} of them embedder_'s columns)" if model.embedder_ is not None else ""
        raise BadState(f"coef_ has {coef.shape[0]} rows, but the model's features make {rows + embedded}{of_embedder}")
    _check_analyzer(_get(model, "analyzer_", ""), "analyzer_.")
    for name in ("keyword_min_ratio_", "single_topic_ratio_", "keyword_trust_"):
        if hasattr(model, name):
            _number(model, name, "", 0.0, 1e6)
    from feedback_classifier.model.sentiment import AspectSentiment

    if hasattr(model, "sentiment_") and _instance(model, "sentiment_", "", AspectSentiment, optional=True):
        _check_sentiment(model.sentiment_, "sentiment_.")


def _check_hierarchy(model: Any, classes: list) -> None:
    """``is_child_`` and ``parent_index_`` agree with ``classes_``: a child's parent is its category."""
    k = len(classes)
    is_child = _array(model, "is_child_", "", "b", (k,))
    parent = _array(model, "parent_index_", "", "iu", (k,))
    if not np.array_equal(is_child, [c[1] is not None for c in classes]):
        raise BadState("is_child_ does not match classes_ (which of them are subcategories)")
    if len(parent) and (parent.min() < 0 or parent.max() >= k):
        raise BadState(f"parent_index_ holds positions outside 0..{k - 1}")
    for j, (category, child) in enumerate(classes):
        if classes[int(parent[j])] != ((category, None) if child is not None else classes[j]):
            raise BadState(f"parent_index_ gives {classes[j]!r} the parent {classes[int(parent[j])]!r}")
    if hasattr(model, "_positive_seen_"):
        _array(model, "_positive_seen_", "", "b", (k,))


def _check_features(features: Any) -> int:
    """The number of text features of a valid ``features_``."""
    from feedback_classifier.model.features import _TextFeatures

    where = "features_."
    if not isinstance(features, _TextFeatures):
        raise BadState(f"features_ must be a _TextFeatures, got {type(features).__name__}")
    _number(features, "word_ngrams", where, 1, _MAX_WORD_NGRAM, integer=True)
    chars = _get(features, "char_ngrams", where)
    if chars:
        if (not isinstance(chars, (tuple, list)) or len(chars) != 2
                or not all(type(n) is int and 1 <= n <= _MAX_CHAR_NGRAM for n in chars) or chars[0] > chars[1]):
            raise BadState(f"{where}char_ngrams must be null or two lengths (shortest, longest) from 1 to "
                           f"{_MAX_CHAR_NGRAM}, got {chars!r:.40}")
    elif chars is not None and chars != () and chars != []:
        raise BadState(f"{where}char_ngrams must be null or two lengths, got {chars!r:.40}")
    _number(features, "char_weight", where)
    _choice(features, "char_norm", where, ("doc", "token"))
    _choice(features, "char_surface_", where, (True, False))
    n_word = _number(features, "n_word_", where, 0, integer=True)
    n_all = _number(features, "n_features_", where, n_word, integer=True)
    _array(features, "idf_", where, "f", (n_all,), finite=True)
    _vocabulary(features, "word_vocab_", where, 0, n_word)
    _vocabulary(features, "char_vocab_", where, n_word, n_all)
    return int(n_all)


def _check_dense(dense: Any) -> int:
    """The number of columns of a valid word-table block."""
    where = "dense_."
    _number(dense, "weight", where)
    pool = _choice(dense, "pool", where, ("mean", "mean+max"))
    words = _instance(dense, "words_", where, list)
    if not all(type(w) is str for w in words):
        raise BadState(f"{where}words_ must be a list of words")
    vectors = _array(dense, "vectors_", where, "f", (len(words), None), finite=True)
    _array(dense, "sif_", where, "f", (len(words),), finite=True)
    if vectors.shape[1] < 1:
        raise BadState(f"{where}vectors_ has no columns")
    return int(vectors.shape[1]) * (2 if pool == "mean+max" else 1)


def _check_embedder(model: Any) -> int:
    """The number of columns the model's stored embedder adds (0 without one); see ``embedder_check``."""
    from feedback_classifier.model.embedder_check import check_embedder

    embedder = _get(model, "embedder_", "")
    if embedder is None:
        return 0
    _number(model, "embedding_weight", "")
    return check_embedder(embedder, "embedder_.")


def _check_analyzer(analyzer: Any, where: str) -> None:
    from feedback_classifier.lang import TextAnalyzer

    if not isinstance(analyzer, TextAnalyzer):
        raise BadState(f"{where[:-1]} must be a TextAnalyzer, got {type(analyzer).__name__}")
    for name in ("keep_negator", "drop_stop_words", "keep_punct"):
        _choice(analyzer, name, where, (True, False))
    _number(analyzer, "max_cache", where, 0, integer=True)


def _check_sentiment(model: Any, where: str) -> None:
    from feedback_classifier.model.safe_state import own_type

    classes = _array(model, "classes_", where, "U", (None,))
    if not len(classes) or not set(classes.tolist()) <= _POLARITIES:
        raise BadState(f"{where}classes_ must be polarities ({', '.join(sorted(_POLARITIES))})")
    coef = _array(model, "coef_", where, "f", (len(classes), None), finite=True)
    _array(model, "intercept_", where, "f", (len(classes),), finite=True)
    _vocabulary(model, "vocabulary_", where, 0, coef.shape[1])
    categories = _instance(model, "categories_", where, list)
    if not all(map(_sentiment_category, categories)):
        raise BadState(f"{where}categories_ must be a list of (category, subcategory or null) pairs or names")
    aspects = _instance(model, "aspect_words_", where, dict)
    if not all(_sentiment_category(c) and isinstance(w, dict) and all(type(x) is str and isinstance(v, (int, float))
                                                          and not isinstance(v, bool) for x, v in w.items())
               for c, w in aspects.items()):
        raise BadState(f"{where}aspect_words_ must map categories to {{word: weight}}")
    lexicon = _get(model, "lexicon_", where)
    if lexicon is not None and not (isinstance(lexicon, dict) and all(
            type(x) is str and isinstance(v, (int, float)) and not isinstance(v, bool) for x, v in lexicon.items())):
        raise BadState(f"{where}lexicon_ must map words to numbers")
    _instance(model, "analyzer", where, own_type("TextAnalyzer"), optional=True)
    for name in ("lexicon_weight", "char_weight", "local_weight", "cross_weight", "global_weight"):
        _number(model, name, where)
    _number(model, "sentence_weight", where, 0.0, 1.0)
    if _get(model, "sentence_coef_", where) is not None:  # the e5 part (model/sentence_tone.py)
        # the comment's e5 columns, then (models since stop 42) its category's clauses'
        from feedback_classifier.model.sentence_tone import E5_DIM

        shape = getattr(_get(model, "sentence_coef_", where), "shape", ())
        wide = len(shape) == 2 and shape[1] == 2 * E5_DIM
        _array(model, "sentence_coef_", where, "f", (len(classes), 2 * E5_DIM if wide else E5_DIM), finite=True)
        _array(model, "sentence_intercept_", where, "f", (len(classes),), finite=True)
    _choice(model, "content_grams", where, (True, False))
    _choice(model, "parent_priors", where, (True, False))
