"""How far a model trained on labels trusts its taxonomy's keywords.

A user who wrote good keywords and then labelled a few hundred comments used to get a model that
ignored the keywords: on a SaaS taxonomy with ~9 distinct sentences per category it scored 0.23
held-out micro-F1 against the keyword matcher's 0.89, because new comments used words no
labelled comment had. ``fit`` now also chooses, on its own out-of-fold probabilities (the
internal cross-validation that tunes thresholds, grouped as that one is), how much a clear
keyword match (a child's keyword, or two of a parent's) may lift a category to its decision
threshold: where the model gives it at least ``ratio`` times that threshold. The ratio maximising
out-of-fold path micro-F1 is kept as ``keyword_trust_``; none when no ratio beats the model alone
(then the model is left as it was). ``enrich`` (classify, analyze, evaluate, explain) applies it
in ``segments.combined_proba``; ``predict`` and ``predict_proba`` stay the model alone.

The lift matches every keyword on the comment's lemmas (not only those the model's vocabulary
holds: the words a few hundred labels never used are the point) and leaves out the word table's
zero-shot lift that the bundled and ``--no-labels`` models add, which nothing here tuned.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# Shares of a category's threshold its probability must reach for a keyword to lift it; 0: any
# keyword match names the category. A short grid: each costs one decoding of the training rows.
RATIOS = (0.0, 0.1, 0.2, 0.35, 0.5, 0.8)
# A ratio is kept only when it beats the model alone by this much out-of-fold micro-F1 (one more
# right tag in ~1,000), so a taxonomy whose keywords add nothing leaves the model as it was.
MIN_GAIN = 1e-3


def keyword_matrix(model, texts: Sequence[str], docs=None) -> np.ndarray:
    """``(n, n_classes)`` bool: the classes whose keywords clearly name each comment
    (``keywords.keyword_hits``; ``docs``: the texts as the model's analyzer read them)."""
    from feedback_classifier.model.keywords import keyword_hits, taxonomy_matcher

    matcher = taxonomy_matcher(model.taxonomy_)
    same = docs is not None and getattr(matcher, "analyzer", None) == getattr(model, "analyzer_", None)
    K = np.zeros((len(texts), len(model.classes_)), dtype=bool)
    for i, by_class in enumerate(keyword_hits(matcher, texts, model.classes_, token_lists=docs if same else None)):
        K[i, list(by_class)] = True
    return K


def lift(P: np.ndarray, K: np.ndarray, thresholds: np.ndarray, ratio: float) -> np.ndarray:
    """``P`` with each keyword-named class raised to its threshold where ``P`` is at least
    ``ratio`` times it (a new array).

    >>> lift(np.array([[0.1, 0.3]]), np.array([[True, True]]), np.array([0.5, 0.5]), 0.5).tolist()
    [[0.1, 0.5]]
    """
    raise_ = K & (P >= ratio * thresholds)
    return np.where(raise_, np.maximum(P, thresholds), P)


def tune_keyword_trust(model, texts: Sequence[str], docs, P: np.ndarray, G: np.ndarray) -> None:
    """Set ``model.keyword_trust_`` (see the module docstring) from the out-of-fold probabilities
    ``P`` and the path targets ``G`` of the training ``texts``; remove it when no ratio helps."""
    model.__dict__.pop("keyword_trust_", None)
    if not getattr(model, "keyword_rules", True) or not any(model.taxonomy_.keywords(label) for label in model.classes_):
        return
    K = keyword_matrix(model, texts, docs)
    if not K.any():
        return
    thresholds = np.asarray(model.thresholds_, dtype=float)

    def score(Q: np.ndarray) -> float:
        from feedback_classifier.model.decoding import _micro_f1_matrix

        D = model._decode(Q, model.child_completion_, model.fallback_ratio_, model.extra_ratio_)
        return _micro_f1_matrix(G, model._path_matrix(D))

    alone = score(P)
    scores = [score(model.parents_at_least_children(lift(P, K, thresholds, r))) for r in RATIOS]
    best = len(RATIOS) - 1 - int(np.argmax(scores[::-1]))  # of equals, the highest ratio: the fewest lifts
    if scores[best] >= alone + MIN_GAIN:
        model.keyword_trust_ = float(RATIOS[best])
