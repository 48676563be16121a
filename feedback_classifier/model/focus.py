"""One topic per one-clause comment, unless the model is nearly as sure of a second one.

The bundled default model learned from ~2,000 short examples, so a word it saw under two
categories ("account", "charge", "exchange") often carries a comment past two parents' thresholds
at once. A comment of one sentence or clause ("Why was I charged for my transfer?") rarely names
two topics: there the weaker parent is kept only when its margin over its threshold is at least
``ratio`` times the strongest parent's. Comments of several parts are left alone: their parts are
scored one by one (``model/segments.py``) and each part may name its own topic.

Chosen with ``benchmarks/real_comments.py`` on the dev halves only (mean over 3 training seeds):
``ratio`` 0.5 raises the precision of predicted parents by 1.0-1.4 points on every set, costs
Banking77 1.5 points of accuracy and SemEval < 0.2, and the example survey gains 0.003 path
micro-F1; 0.7-1.0 cost more accuracy than they add precision.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

SINGLE_TOPIC_RATIO = 0.5
SINGLE_TOPIC_CHILDREN = True


def single_topic(P: np.ndarray, thresholds: np.ndarray, classes: Sequence[tuple], single: Sequence[bool],
                 ratio: float = SINGLE_TOPIC_RATIO, children: bool = SINGLE_TOPIC_CHILDREN) -> np.ndarray:
    """``P`` with, in the ``single`` (one-clause) comments, every parent whose margin (its own or its
    best child's probability over threshold) is below ``ratio`` times the best parent's pushed under
    its threshold, its children with it.

    >>> classes = [("delivery", None), ("delivery", "courier"), ("price", None)]
    >>> P = np.array([[0.9, 0.9, 0.6], [0.9, 0.9, 0.6]])
    >>> out = single_topic(P, np.array([0.5, 0.5, 0.5]), classes, [True, False], ratio=0.8)
    >>> (out >= 0.5).tolist()  # price (margin 1.2 < 0.8 x 1.8) drops in the one-clause comment only
    [[True, True, False], [True, True, True]]
    """
    P = np.array(P, dtype=float)
    rows = np.flatnonzero(np.asarray(single, dtype=bool))
    if not len(rows):
        return P
    parents = sorted({label[0] for label in classes})
    member = np.zeros((len(classes), len(parents)), dtype=bool)  # class column -> its parent
    for j, label in enumerate(classes):
        member[j, parents.index(label[0])] = True
    own = member.argmax(axis=1)  # each class's parent: member.T's rows pick it alone
    Pr = P[rows]
    R = Pr / np.maximum(thresholds, 1e-9)
    margin = _group_max(R, member)  # (rows, parents)
    best = margin.max(axis=1, keepdims=True)
    weak = (margin < ratio * best) & (best >= 1.0)  # only where some parent fires at all
    drop = weak[:, own]  # (rows, classes): columns of the weaker parents (weak @ member.T)
    if children:  # and, under one parent, the weaker children ("delivery was 3 days late": time, not cost)
        is_child = np.array([label[1] is not None for label in classes])
        sibling_best = _group_max(R, member & is_child[:, None])
        # (rows, classes): best child of own parent (sibling_best @ member.T, exactly: x * 1 + 0 * y
        # ... is x while every y is finite)
        finite = np.isfinite(sibling_best).all()
        best_sibling = sibling_best[:, own] if finite else sibling_best @ member.T.astype(float)
        drop |= is_child[None, :] & (best_sibling >= 1.0) & (R < ratio * best_sibling)
    below = np.nextafter(thresholds, -np.inf)
    P[rows] = np.where(drop, np.minimum(Pr, below), Pr)
    return P


def _group_max(R: np.ndarray, member: np.ndarray) -> np.ndarray:
    """``np.where(member[None], R[:, :, None], 0.0).max(axis=1)``: per row and group (a column
    of ``member``), the largest ``R`` of the group's columns, and 0.0 when some column is out of
    the group; one reduction per group instead of a (rows, classes, groups) array.

    >>> _group_max(np.array([[0.2, 1.5, 0.7]]), np.array([[True, False], [True, False], [False, True]]))
    array([[1.5, 0.7]])
    """
    out = np.zeros((R.shape[0], member.shape[1]))
    for k in range(member.shape[1]):
        cols = np.flatnonzero(member[:, k]).tolist()
        if cols:
            # column by column (a max over a few columns of each row is a slow reduction)
            top = R[:, cols[0]].copy()
            for c in cols[1:]:
                np.maximum(top, R[:, c], out=top)
            out[:, k] = top if len(cols) == member.shape[0] else np.maximum(top, 0.0)
    return out


def bare_topic_parents(P: np.ndarray, thresholds: np.ndarray, classes: Sequence[tuple], texts: Sequence,
                       taxonomy, completion: float = 1.0) -> np.ndarray:
    """``P`` (changed in place) with, in each one-word answer that only names a topic ("price", "app",
    «доставка»: ``lang.bare_topics``), every child but the one whose own name or keyword the word is
    pushed under ``completion`` times its threshold (the decoding's child completion then finds none
    to add), and the parent of a child that had fired kept at its threshold at least.

    The bundled default model read "price" as Value for money and Price changes, "app" as Account
    and login and «доставка» as Delivery cost: the word's examples under one child, not anything the
    customer said, and each such answer counted in that child's share and drivers.

    >>> from feedback_classifier.taxonomy import load_taxonomy
    >>> classes = [("price", None), ("price", "value_for_money"), ("delivery", None), ("delivery", "courier")]
    >>> P = np.array([[0.6, 0.6, 0.0, 0.0], [0.0, 0.0, 0.9, 0.9], [0.6, 0.6, 0.0, 0.0]])
    >>> out = bare_topic_parents(P, np.full(4, 0.5), classes, ["Price", "couriers", "good price"], load_taxonomy("cx-default"))
    >>> (out >= 0.5).astype(int).tolist()
    [[1, 0, 0, 0], [0, 0, 1, 1], [1, 1, 0, 0]]
    """
    from feedback_classifier.lang.bare_topics import bare_word

    rows = [(i, w) for i, w in enumerate(map(bare_word, texts)) if w is not None]
    if not rows:
        return P
    owners = _child_words(taxonomy, tuple(classes))
    parent_of = {j: classes.index((classes[j][0], None)) for j in owners if (classes[j][0], None) in classes}
    cap = np.nextafter(thresholds * min(completion, 1.0), -np.inf)
    for i, word in rows:
        own = [j for j, words in owners.items() if word in words]
        for j in owners:
            if own != [j]:
                if P[i, j] >= thresholds[j] and j in parent_of:  # the topic stays: its parent, if only at its threshold
                    P[i, parent_of[j]] = max(P[i, parent_of[j]], thresholds[parent_of[j]])
                P[i, j] = min(P[i, j], cap[j])
    return P


_CHILD_WORDS: dict[tuple, dict[int, frozenset]] = {}


def _child_words(taxonomy, classes: tuple) -> dict[int, frozenset]:
    """Class column of each child -> the lemmas of its one-word names and keywords (once per taxonomy)."""
    from feedback_classifier.lang.lemmas import lemmatize

    key = (taxonomy.hash, classes)
    if key not in _CHILD_WORDS:
        found = {}
        for j, label in enumerate(classes):
            if label[1] is None:
                continue
            words = [*taxonomy.keywords(label), *(taxonomy.display_name(label, lang).rsplit(" > ", 1)[-1]
                                                   for lang in taxonomy.languages)]
            found[j] = frozenset(lemmatize(w.casefold().replace("ё", "е")) for w in words if len(w.split()) == 1)
        _CHILD_WORDS[key] = found
    return _CHILD_WORDS[key]
