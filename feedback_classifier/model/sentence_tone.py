"""A comment's tone as e5 reads it whole, blended into each of its categories' polarities.

``AspectSentiment`` judges each (comment, category) pair from words: its n-grams, the clauses
about the category, a lexicon. Most of its errors on SemEval-2016 English are single-category
sentences whose overall tone it misreads ("nothing special", "less than impressed"), which a
sentence model reads well. With ``AspectSentiment(sentence_weight=w)`` (what ``train --embeddings e5
--sentiment-col`` makes) a multinomial logistic regression on multilingual-e5-small's vector of the
comment (the same vector the category model reads, so no second reading) gives each pair
probabilities too, and the pair's are ``(1 - w) * words' + w * e5's``.

Chosen on the SemEval-2016 dev reviews only (grouped 5-fold CV, 2 review-to-fold shuffles, the
held-out reviews and the official test untouched): w 0.5 / 0.6 / 0.7 / 0.8 / 1 with C 1 and 10;
C 10 and w 0.6 had the best mean over both languages: en 82.5 -> 86.2, ru 82.6 -> 84.9.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: The e5 part's share of each pair's probabilities, and its regression's C (module docstring).
SENTENCE_WEIGHT = 0.6
SENTENCE_C = 10.0


def fit_sentence_tone(texts: Sequence[str], y: np.ndarray, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """``(coef, intercept)`` of a logistic regression of the polarity codes ``y`` (indexes into the
    ``n_classes`` polarities) on the e5 vectors of ``texts`` (one per opinion; read once, cached on
    disk like any training comment's). A polarity no opinion has gets an intercept of -30."""
    from sklearn.linear_model import LogisticRegression

    from feedback_classifier.model.embedders import require_e5
    from feedback_classifier.model.teacher import teacher_vectors

    require_e5()
    X = teacher_vectors(texts)  # (a repeated text is read once)
    present = np.unique(y)
    coef = np.zeros((n_classes, X.shape[1]), dtype=np.float32)
    intercept = np.full(n_classes, -30.0)
    lr = LogisticRegression(C=SENTENCE_C, max_iter=3000).fit(X, y)
    rows = lr.coef_ if len(present) > 2 else np.vstack([-lr.coef_[0] / 2, lr.coef_[0] / 2])
    icpt = lr.intercept_ if len(present) > 2 else np.array([-lr.intercept_[0] / 2, lr.intercept_[0] / 2])
    coef[present], intercept[present] = rows, icpt
    return coef, intercept


def sentence_scores(texts: Sequence[str] | None, model) -> np.ndarray:
    """The e5 part's scores (texts x polarities) of ``model`` (an ``AspectSentiment`` with
    ``sentence_coef_``), from the vectors the category model read (``E5Embedder``'s recent ones)."""
    if texts is None:
        raise ValueError("this sentiment model also reads each comment with e5 (train --embeddings e5): "
                         "pass the comments' texts")
    from feedback_classifier.model.embedders import E5Embedder

    return E5Embedder()(list(texts)) @ model.sentence_coef_.T + model.sentence_intercept_
