"""A classifier for a taxonomy without labelled comments: weak supervision, then self-training.

1. **Weak labels.** The taxonomy's keywords and names (``model.keywords``) label the user's
   own comments that clearly name a category: a child's own phrase, or two phrases of a parent.
   Keywords are surer of the parent than of the child, so where they name a parent but no child
   (a parent's two phrases, or only one), the shipped word table (``model.word_table``) picks the
   parent's child nearest to the comment; a comment no keyword names gets the category it is
   clearly nearest to, if any. The keyword phrases, the category names and descriptions themselves are added as short
   examples, so a category no comment names yet is still learnable.
2. **First model.** A ``FeedbackClassifier`` is trained on those weakly labelled comments (and
   copies of them without the matched keywords), with no unmatched comments as negatives.
3. **Self-training.** The first model labels every comment; a comment keeps its keyword
   labels and gains the categories the model is confident about (probability at least
   ``confidence``), and the final model is trained on that. It learns the words that occur
   with the keywords in the user's own comments, which the keywords alone never match.

The model's ``keyword_rules_`` is set: ``enrich`` also lets clear keyword matches through.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import numpy as np

from feedback_classifier.model.estimator import FeedbackClassifier
from feedback_classifier.model.keywords import KeywordMatcher

# Unmatched comments in the first model's training, as "no category", per weakly labelled one.
# None (0.0) was best on SemEval-2016 en/ru (split 0): many unmatched comments are about a
# category in words its keywords miss, and as negatives they teach the model to ignore those.
# The final model sees every comment, its "no category" ones included.
_NEGATIVE_SHARE = 0.0
# 0.6 instead: en path micro-F1 -1.3 points, ru -0.5 (benchmarks/cold_start.py, 2 splits).
CONFIDENCE = 0.8
# Comments no keyword names get a weak label from the word table's prototypes when one parent
# is this close and this far ahead of the others and of "no category" (None: keywords only).
# Chosen with benchmarks/cold_start.py (2 repeated grouped splits, en + ru path micro-F1): None
# 0.380 / 0.445, 0.3 0.366 / 0.455, 0.2 0.382 / 0.465.
ZERO_SHOT_MIN_SIM = 0.2
ZERO_SHOT_MARGIN = 0.05
_SEED = 0


def taxonomy_examples(taxonomy) -> tuple[list[str], list[list]]:
    """Short examples the taxonomy itself gives: each keyword, name and description, labelled
    with its category.

    >>> from feedback_classifier.taxonomy import load_taxonomy
    >>> texts, labels = taxonomy_examples(load_taxonomy("cx-default"))
    >>> [labels[i] for i, t in enumerate(texts) if t == "courier"]
    [[('delivery', None)], [('delivery', 'courier')]]
    """
    texts, labels = [], []
    for label in taxonomy.labels:
        phrases = list(taxonomy.keywords(label))
        phrases += [taxonomy.short_name(label, lang) for lang in taxonomy.languages]
        description = taxonomy.description_of(label)
        if description:
            phrases.append(description)
        for phrase in dict.fromkeys(p.strip() for p in phrases if p and p.strip()):
            texts.append(phrase)
            labels.append([label])
    return texts, labels


def weak_labels(matcher: KeywordMatcher, texts: Sequence[str]) -> list[list]:
    """Per comment, the categories its keywords clearly name (deepest labels, as ``y``).

    >>> from feedback_classifier.taxonomy import load_taxonomy
    >>> m = KeywordMatcher(load_taxonomy("cx-default"))
    >>> weak_labels(m, ["the courier was late", "nice weather"])
    [[('delivery', 'courier')], []]
    """
    has_children = {label[0] for label in matcher.taxonomy.labels if label[1] is not None}
    out = []
    for hits in matcher.match(texts):
        children = [label for label in hits if label[1] is not None]
        with_child = {label[0] for label in children}
        # a parent with children needs two of its own phrases (its words are the general ones)
        parents = [
            label for label, phrases in hits.items()
            if label[1] is None and label[0] not in with_child
            and (len(phrases) >= 2 or label[0] not in has_children)
        ]
        out.append(sorted(children + parents, key=str))
    return out


def fit_without_labels(taxonomy, texts: Sequence[str], *, confidence: float = CONFIDENCE,
                       params: dict | None = None,
                       zero_shot_min_sim: float | None = ZERO_SHOT_MIN_SIM) -> tuple[FeedbackClassifier, dict]:
    """Train a classifier for ``taxonomy`` from its keywords and the unlabelled ``texts``.

    Returns ``(model, info)``; ``info`` has ``weak`` (comments labelled by keywords),
    ``zero_shot`` (comments labelled by the word table's prototypes), ``self_trained`` (comments the first model added labels to) and ``examples`` (the
    taxonomy's own phrases used).

    >>> from feedback_classifier.taxonomy import load_taxonomy
    >>> texts = ["the courier was late again", "courier lost my parcel", "prices are too high",
    ...          "too expensive for what it is", "nice weather today", "ok"] * 4
    >>> model, info = fit_without_labels(load_taxonomy("cx-default"), texts, params={"cv": 2})
    >>> model.keyword_rules_, info["weak"] > 0
    (True, True)
    """
    texts = [t for t in texts if isinstance(t, str) and t.strip()]
    matcher = KeywordMatcher(taxonomy)
    weak = weak_labels(matcher, texts)
    n_keyword = sum(bool(y) for y in weak)
    if zero_shot_min_sim is not None:
        weak = _with_zero_shot_labels(taxonomy, matcher, texts, weak, zero_shot_min_sim)
    ex_texts, ex_labels = taxonomy_examples(taxonomy)
    labelled = [(t, y) for t, y in zip(texts, weak) if y]
    unmatched = [t for t, y in zip(texts, weak) if not y]
    rng = random.Random(_SEED)
    rng.shuffle(unmatched)
    negatives = unmatched[: int(len(labelled) * _NEGATIVE_SHARE)]
    # No prototype prior here: without the stacked calibrator it is not weighed against the
    # weak labels, and it cost cold start 2.4 points (en) on the SemEval splits of
    # benchmarks/cold_start.py (0.453 -> 0.429 path micro-F1; ru 0.516 -> 0.511).
    # (keyword_rules off: keyword_rules_ below gives this model the matcher at its own share)
    params = {"stacking": False, "min_df": 1, "prototype_prior": 0.0, "calibration_pool": 0.0, "keyword_rules": False,
              **(params or {})}
    # The same comments without their matched keywords teach the words around them, which
    # is what lets the model find comments that use none of the keywords.
    masked = [(_without_keywords(matcher, t), y) for t, y in labelled]
    masked = [(t, y) for t, y in masked if t.strip()]
    first = FeedbackClassifier(taxonomy=taxonomy, **params).fit(
        ex_texts + [t for t, _ in labelled + masked] + negatives,
        ex_labels + [y for _, y in labelled + masked] + [[] for _ in negatives],
    )
    # Self-training: confident predictions on every comment join its keyword labels.
    P = first.predict_proba(texts)
    confident = first.predict_from_proba(np.where(P >= confidence, P, 0.0))
    final_labels, added = [], 0
    for i, y in enumerate(weak):
        labels = set(y) | {first.classes_[j] for j in np.flatnonzero(confident[i]) if first.classes_[j][1]}
        added += bool(labels - set(y))
        final_labels.append(sorted(labels, key=str))
    model = FeedbackClassifier(taxonomy=taxonomy, **params).fit(ex_texts + texts, ex_labels + final_labels)
    model.keyword_rules_ = True
    return model, {"weak": n_keyword, "zero_shot": len(labelled) - n_keyword,
                   "self_trained": added, "examples": len(ex_texts)}


def _with_zero_shot_labels(taxonomy, matcher, texts, weak, min_sim: float) -> list[list]:
    """``weak`` completed with the shipped word table (model/word_table.py): where the keywords name
    a parent but no child (one phrase of it, or a parent label alone), the parent's child nearest to
    the comment; where they name nothing, the category the comment is clearly nearest to (its
    nearest child if it has children). Unchanged when this install has no word table.

    Keywords are right about the parent far more often than about the child: on SemEval-2016
    (all training sentences, the semeval-restaurants taxonomy) these weak labels reach micro-F1
    0.419 (en) / 0.467 (ru) against 0.331 / 0.418 when only comments with no keyword at all got
    a word-table label."""
    from feedback_classifier.model.word_table import Prototypes, ZeroShot, load_word_table, taxonomy_phrases
    from feedback_classifier.model.word_table import NO_CATEGORY_PHRASES

    table = load_word_table()
    if table is None or not texts:
        return weak
    classes = list(taxonomy.labels)
    phrases = taxonomy_phrases(taxonomy, classes) + [list(NO_CATEGORY_PHRASES)]
    zs = ZeroShot(Prototypes(table, matcher.analyzer, phrases), classes, min_sim=min_sim, margin=ZERO_SHOT_MARGIN,
                  agree=0.0)
    token_lists = [matcher.analyzer(t) for t in texts]
    S = zs.prototypes.similarities(texts, token_lists)
    kids = {p: [j for j, c in enumerate(classes) if c[0] == p and c[1] is not None] for p in {c[0] for c in classes}}
    parent_col = {classes[j][0]: j for j in zs.parent_cols}

    def nearest_child(i, parent):
        return classes[max(kids[parent], key=lambda j: S[i, j])] if kids[parent] else classes[parent_col[parent]]

    out, todo = [], []
    for i, labels in enumerate(weak):
        if labels:  # a parent named alone gets its nearest child
            labels = [nearest_child(i, label[0]) if label[1] is None else label for label in labels]
        else:  # one phrase of a parent (not enough on its own): the nearest of the named parents
            named = {label[0] for label in matcher.match_tokens(token_lists[i], texts[i])}
            if named:
                labels = [nearest_child(i, max(named, key=lambda p: S[i, parent_col[p]]))]
            else:
                todo.append(i)
        out.append(sorted(set(labels), key=str))
    if todo:
        col, child = zs.nearest([texts[i] for i in todo], [token_lists[i] for i in todo])
        for i, p, c in zip(todo, col, child):
            if p >= 0:
                out[i] = [classes[c if c >= 0 else p]]
    return out


def _without_keywords(matcher: KeywordMatcher, text: str) -> str:
    """``text`` without the words that any of its matched keyword phrases is made of."""
    matched = {tok for phrases in matcher.match_tokens(matcher.analyzer(text), text).values() for p in phrases
               for tok in matcher.analyzer(p)}
    return " ".join(w for w in text.split() if not set(matcher.analyzer(w)) & matched)


def caught_by_category(model, texts: Sequence[str], examples: int = 2) -> list[tuple]:
    """``[(label, comments caught, [example comments])]`` for every class of ``model``, as
    ``enrich`` would tag ``texts`` (parts and keyword rules included), most caught first.

    >>> from feedback_classifier.model.default import default_model
    >>> rows = caught_by_category(default_model(), ["the courier was rude", "too expensive"])
    >>> [(label, n) for label, n, _ in rows if label == ("delivery", "courier")]
    [(('delivery', 'courier'), 1)]
    """
    from feedback_classifier.model.segments import combined_proba, uses_parts

    texts = [t for t in texts if isinstance(t, str) and t.strip()]
    parts = uses_parts(model)
    P = combined_proba(model, texts, matcher=parts.matcher if parts else None)
    fired = np.asarray(model.predict_from_proba(P), dtype=bool)
    rows = []
    for j, label in enumerate(model.classes_):
        hit = np.flatnonzero(fired[:, j])
        rows.append((label, len(hit), [texts[i] for i in hit[:examples]]))
    return sorted(rows, key=lambda r: -r[1])
