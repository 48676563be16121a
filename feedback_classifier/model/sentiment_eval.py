"""How well a sentiment model judges polarities: the SemEval-2016 slot-3 protocol and joint F1.

* **Polarity accuracy given the gold categories** (slot 3): one judgement per gold opinion
  ``(comment, category, polarity)``; the model is told the comment and the category and
  predicts the polarity. A comment saying two things about one category has two gold
  opinions, so at most one of them can be matched when they disagree.
* **Joint (category, polarity) micro-F1**: per comment, the set of predicted
  ``(category, polarity)`` pairs (predicted categories, their predicted polarities) against
  the gold set.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def polarity_metrics(sentiment, texts: Sequence[str], gold: Sequence[list], predicted_labels=None) -> dict:
    """``{"polarity_accuracy", "polarity_opinions"}`` and, with ``predicted_labels`` (one label
    list per text), ``joint_micro_f1``. ``gold``: per text, ``[(label, polarity), ...]``.

    >>> from feedback_classifier.model.sentiment import AspectSentiment
    >>> m = AspectSentiment(analyzer=str.split).fit(["good", "bad"] * 3, ["x"] * 6, ["positive", "negative"] * 3)
    >>> polarity_metrics(m, ["good", "bad"], [[("x", "positive")], [("x", "positive")]], [["x"], []])
    {'polarity_opinions': 2, 'polarity_accuracy': 0.5, 'joint_micro_f1': 0.6666666666666666}
    """
    pair_text = [t for t, ops in zip(texts, gold) for _ in ops]
    pair_label = [lab for ops in gold for lab, _ in ops]
    truth = np.array([pol for ops in gold for _, pol in ops])
    out: dict = {"polarity_opinions": len(truth)}
    guess = np.array(sentiment.predict(pair_text, pair_label)) if pair_text else np.array([])
    out["polarity_accuracy"] = float(np.mean(guess == truth)) if len(truth) else float("nan")
    if predicted_labels is not None:
        out["joint_micro_f1"] = _joint_f1(sentiment, texts, gold, predicted_labels)
    return out


def _joint_f1(sentiment, texts, gold, predicted_labels) -> float:
    pair_text = [t for t, labs in zip(texts, predicted_labels) for _ in labs]
    pair_label = [lab for labs in predicted_labels for lab in labs]
    polarity = iter(sentiment.predict(pair_text, pair_label) if pair_text else [])
    tp = n_pred = n_gold = 0
    for labs, ops in zip(predicted_labels, gold):
        pred = {(lab, next(polarity)) for lab in labs}
        truth = set(ops)
        tp += len(pred & truth)
        n_pred += len(pred)
        n_gold += len(truth)
    return 2 * tp / (n_pred + n_gold) if n_pred + n_gold else 0.0


def cross_validate_polarity(make, texts, opinions, groups=None, cv: int = 5, seed: int = 0) -> dict:
    """Polarity accuracy given gold categories, out of fold: ``make()`` builds a fresh
    ``AspectSentiment``; folds group ``groups`` (whole reviews stay together). Returns
    ``{"polarity_accuracy", "polarity_accuracy_sd", "polarity_opinions"}`` (the sd is over folds).
    """
    from sklearn.model_selection import GroupKFold, KFold

    rows = [i for i, ops in enumerate(opinions) if ops]
    if groups is not None:
        g = np.array([groups[i] for i in rows], dtype=object)
        n = min(cv, len(set(g)))
        splits = GroupKFold(n).split(rows, groups=g) if n >= 2 else []
    else:
        n = min(cv, len(rows))
        splits = KFold(n, shuffle=True, random_state=seed).split(rows) if n >= 2 else []
    hits, per_fold = [], []
    for train_idx, test_idx in splits:
        tr = [rows[i] for i in train_idx]
        te = [rows[i] for i in test_idx]
        model = make().fit(*_flat(texts, opinions, tr))
        acc = polarity_metrics(model, [texts[i] for i in te], [opinions[i] for i in te])
        per_fold.append(acc["polarity_accuracy"])
        hits.append(acc["polarity_accuracy"] * acc["polarity_opinions"])
    total = sum(len(opinions[i]) for i in rows)
    return {
        "polarity_accuracy": float(sum(hits) / total) if per_fold else float("nan"),
        # the sample sd (ddof=1), as train prints the categories' fold sd beside it: np.std's population
        # sd read 0.032 where the same folds' sample sd is 0.036 (SemEval English, 5 folds)
        "polarity_accuracy_sd": float(np.std(per_fold, ddof=1)) if len(per_fold) > 1 else 0.0 if per_fold else float("nan"),
        "polarity_opinions": total,
    }


def _flat(texts, opinions, rows):
    """``(texts, labels, polarities)`` of every opinion of ``rows``, for ``AspectSentiment.fit``."""
    t, lab, pol = [], [], []
    for i in rows:
        for label, polarity in opinions[i]:
            t.append(texts[i])
            lab.append(label)
            pol.append(polarity)
    return t, lab, pol
