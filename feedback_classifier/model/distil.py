"""A fast model taught by a slow one, through the user's own unlabelled comments.

``train --teacher minilm --unlabelled comments.csv``: MiniLM fine-tuned on the labels (the
``--embeddings finetune`` model, the most accurate one, which needs torch to predict) labels the
user's unlabelled comments, and the saved model, the usual tf-idf one, is trained on the labelled
comments plus those. It predicts as fast as a model trained on the labels alone, without torch,
and it has seen the words and phrasings of thousands more comments, read by a model that knows
what the words around them mean.

Why through comments and not through the teacher's parameters: a fine-tuned network's gain over
tf-idf is in how it reads words in context; distilled into a word table it keeps only what tf-idf
already learns from the labels (README, issue 17). Labelled comments carry that reading over as
it is. Self-training (the tf-idf model labelling the comments itself) does not: it only repeats
what the model already knows (SemEval-2016 Russian held-out reviews, 11,231 restaurant sentences:
-0.5 micro-F1).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: At most this many unlabelled comments are read by the teacher (a fixed random sample of
#: bigger files): the teacher reads ~100 comments per second and core, and the fast model's
#: fit grows with its rows.
UNLABELLED_MAX = 40_000


def unlabelled_sample(comments: Sequence[str], labelled: Sequence[str], limit: int = UNLABELLED_MAX,
                      seed: int = 0) -> list[str]:
    """The comments a teacher labels: non-blank, each text once, none that is labelled already
    (its own label wins), at most ``limit`` of them (a fixed random sample, kept in file order).

    >>> unlabelled_sample(["late again", "", "late again", "rude staff", "ok"], ["ok"])
    ['late again', 'rude staff']
    >>> len(unlabelled_sample([f"comment {i}" for i in range(10)], [], limit=3))
    3
    """
    seen = set(labelled)
    out = []
    for text in comments:
        if text.strip() and text not in seen:
            seen.add(text)
            out.append(text)
    if len(out) > limit:
        keep = np.sort(np.random.default_rng(seed).choice(len(out), limit, replace=False))
        out = [out[i] for i in keep]
    return out


def teacher_labels(teacher, texts: Sequence[str], labels: Sequence[list], groups, comments: Sequence[str]):
    """``(labels, teacher)``: ``teacher`` (an unfitted estimator, e.g. the ``--embeddings finetune``
    ``FeedbackClassifier``) fitted on the labelled ``texts`` and the labels it gives each of ``comments``.

    >>> from feedback_classifier.model.estimator import FeedbackClassifier
    >>> texts = ["rude staff", "slow delivery", "rude waiter", "late courier"] * 5
    >>> y = [[("service", None)], [("delivery", None)]] * 10
    >>> found, _ = teacher_labels(FeedbackClassifier(analyzer=str.split, cv=2), texts, y, None,
    ...                           ["rude staff again", "late delivery"])
    >>> found
    [[('service', None)], [('delivery', None)]]
    """
    fitted = teacher.fit(list(texts), list(labels), groups=groups)
    return fitted.predict_labels(list(comments)), fitted


def taught_groups(groups, n: int):
    """Group ids for ``n`` taught comments next to the labelled rows' ``groups``: each comment its own
    group (``None`` when the labelled rows have no groups: plain folds then).

    >>> taught_groups(["r1", "r1"], 2).tolist()
    ['r1', 'r1', 'unlabelled:0', 'unlabelled:1']
    >>> taught_groups(None, 2) is None
    True
    """
    if groups is None:
        return None
    return np.concatenate([np.asarray(groups, dtype=object),
                           np.array([f"unlabelled:{i}" for i in range(n)], dtype=object)])
