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

A comment that praises one thing and blames another ("decor is nice though service can be spotty")
has one vector for both, and half of the remaining errors were such comments. So the regression also
reads, per pair, e5's vector of the clauses about the pair's category (``category_texts``: the clauses
the word model finds the category's words in, split as written at punctuation and before "but", "но"
and the like) beside the comment's: 768 columns. A comment with one category reads itself twice (one
e5 reading). Dev CV, the same 2 shuffles: en 86.2 -> 86.6, ru 84.9 -> 85.1; reading the clauses for
single-category comments too was worse (en 86.4), and so was the category's name put before the comment
(86.0). Models saved before this have 384 columns and read the comment only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Sequence

import numpy as np

from feedback_classifier.model.sentiment_fast import CONTRAST_WORDS
from feedback_classifier.taxonomy.labels import deepest_labels

#: The e5 part's share of each pair's probabilities, and its regression's C (module docstring).
SENTENCE_WEIGHT = 0.6
SENTENCE_C = 10.0
#: e5's vector length: the comment's columns, then (newer models) its category's clauses'.
E5_DIM = 384
_CLAUSE_END = re.compile(r"[.!?;,:()\u2026\u2013\u2014]+|\s-+\s|(?=\b(?:{})\b)".format(
    "|".join(sorted(CONTRAST_WORDS, key=len, reverse=True))), re.IGNORECASE)


def written_clauses(text: str) -> list[str]:
    """``text``'s clauses as written: split at the punctuation that ends a clause and before a contrast
    word, as ``AspectSentiment`` splits its tokens (kept: the contrast word, dropped: the punctuation).

    >>> written_clauses("Decor is nice, though service can be spotty!")
    ['Decor is nice', 'though service can be spotty']
    >>> written_clauses("Еда вкусная, но официант хамил")
    ['Еда вкусная', 'но официант хамил']
    """
    return [p for p in (c.strip() for c in _CLAUSE_END.split(text) if c) if any(ch.isalnum() for ch in p)] or [text]


def category_texts(model, texts: Sequence[str], owner: Sequence[int], categories: Sequence[Hashable]) -> list[str]:
    """What e5 reads for each pair ``k`` (comment ``texts[owner[k]]``, category ``categories[k]``) beside
    the comment: in a comment with several categories among its pairs, the clauses ``model`` (a fitted
    ``AspectSentiment``) finds the category's words in, joined; otherwise, or when those are all of
    them, the comment.

    >>> from feedback_classifier.model.sentiment import AspectSentiment
    >>> m = AspectSentiment(analyzer=str.split, aspect_words={"decor": ["decor"], "service": ["service"]})
    >>> m = m.fit(["nice decor", "spotty service"] * 3, ["decor", "service"] * 3, ["positive", "negative"] * 3)
    >>> category_texts(m, ["nice decor, though spotty service", "nice decor"], [0, 0, 1], ["decor", "service", "decor"])
    ['nice decor', 'though spotty service', 'nice decor']
    """
    owner = np.asarray(owner, dtype=np.int64)
    per_comment: dict[int, list] = {}
    for o, c in zip(owner.tolist(), categories):
        per_comment.setdefault(o, []).append(c)
    # (a parent beside one of its own children is one category)
    several = {o for o, cats in per_comment.items()
               if len(deepest_labels([c for c in dict.fromkeys(cats) if c is not None])) > 1}
    clauses: dict[int, tuple[list[str], list[list[str]]]] = {}
    out = []
    for o, c in zip(owner.tolist(), categories):
        text = texts[o]
        if o not in several:
            out.append(text)
            continue
        if o not in clauses:
            written = written_clauses(text)
            clauses[o] = written, [[t for part in model._analyse(w)[0] for t in part] for w in written]
        written, tokens = clauses[o]
        chosen = model._local(tokens, c)[0] if len(written) > 1 else [0]
        out.append(text if len(chosen) == len(written) else ", ".join(written[i] for i in chosen))
    return out


def fit_sentence_tone(texts: Sequence[str], y: np.ndarray, n_classes: int, category_text: Sequence[str]
                      ) -> tuple[np.ndarray, np.ndarray]:
    """``(coef, intercept)`` of a logistic regression of the polarity codes ``y`` (indexes into the
    ``n_classes`` polarities) on the e5 vectors of ``texts`` (one per opinion) and of ``category_text``
    (``category_texts``'s, one per opinion), both read once and cached on disk like any training
    comment's. A polarity no opinion has gets an intercept of -30."""
    from sklearn.linear_model import LogisticRegression

    from feedback_classifier.model.embedders import require_e5
    from feedback_classifier.model.teacher import teacher_vectors

    require_e5()
    X = np.hstack([teacher_vectors(texts), teacher_vectors(category_text)])  # (a repeated text is read once)
    present = np.unique(y)
    coef = np.zeros((n_classes, X.shape[1]), dtype=np.float32)
    intercept = np.full(n_classes, -30.0)
    lr = LogisticRegression(C=SENTENCE_C, max_iter=3000).fit(X, y)
    rows = lr.coef_ if len(present) > 2 else np.vstack([-lr.coef_[0] / 2, lr.coef_[0] / 2])
    icpt = lr.intercept_ if len(present) > 2 else np.array([-lr.intercept_[0] / 2, lr.intercept_[0] / 2])
    coef[present], intercept[present] = rows, icpt
    return coef, intercept


def sentence_scores(texts: Sequence[str] | None, model, owner: np.ndarray,
                    categories: Sequence[Hashable] | Callable[[], Sequence[Hashable]]) -> np.ndarray:
    """The e5 part's scores (pairs x polarities) of ``model`` (an ``AspectSentiment`` with
    ``sentence_coef_``) for pair ``k``: comment ``texts[owner[k]]``, category ``categories[k]`` (or
    ``categories()``'s), from the vectors the category model read (``E5Embedder``'s recent ones) and,
    for a comment with several categories, its clauses' (``category_texts``)."""
    if texts is None:
        raise ValueError("this sentiment model also reads each comment with e5 (train --embeddings e5): "
                         "pass the comments' texts")
    from feedback_classifier.model.embedders import E5Embedder

    read, coef = E5Embedder(), model.sentence_coef_
    texts = list(texts)
    scores = (read(texts) @ coef[:, :E5_DIM].T)[owner] + model.sentence_intercept_
    if coef.shape[1] > E5_DIM:
        cats = categories() if callable(categories) else categories
        scores += read(category_texts(model, texts, owner, cats)) @ coef[:, E5_DIM:].T
    return scores
