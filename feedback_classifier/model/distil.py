"""A fast model taught by a slow one, through the user's own unlabelled comments.

``train --teacher minilm --unlabelled comments.csv``: MiniLM fine-tuned on the labels (the
``--embeddings finetune`` model, the most accurate one, and the slowest: a network per comment) labels the
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
    (its own label wins), "the same text" as ``lang.normalization.text_key`` says (other spacing or
    case: a labelled comment's copy taught its label twice, once from the teacher). At most ``limit``
    of them: past it those of smallest seeded hash of the text, so the same whatever the order of
    the rows; kept in file order.

    >>> unlabelled_sample(["late again", "", "Late  again", "rude staff", "OK"], ["ok"])
    ['late again', 'rude staff']
    >>> a = unlabelled_sample([f"comment {i}" for i in range(10)], [], limit=3)
    >>> len(a), sorted(a) == sorted(unlabelled_sample([f"comment {i}" for i in range(9, -1, -1)], [], limit=3))
    (3, True)
    """
    import hashlib

    from feedback_classifier.lang.normalization import text_key

    seen = {text_key(t) for t in labelled}
    out, keys = [], []
    for text in comments:
        key = text_key(text)
        if key and key not in seen:
            seen.add(key)
            out.append(text)
            keys.append(key)
    if len(out) > limit:
        prefix = str(seed).encode() + b"\0"
        digests = [hashlib.blake2b(prefix + k.encode("utf-8", "surrogatepass"), digest_size=8).digest() for k in keys]
        keep = sorted(sorted(range(len(out)), key=digests.__getitem__)[:limit])
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


# ---- the polarity of each category, taught the same way (``train --sentiment-col ... --teacher minilm``)

#: The pair teacher's fine-tune: MiniLM reads "category [SEP] comment" and gives the polarity. 4 epochs
#: were chosen by repeated grouped CV on the SemEval-2016 English dev reviews (README, issue 13);
#: 96 word pieces hold a category name and a survey comment.
PAIR_TEACHER = {"epochs": 4, "lr": 8e-5, "head_lr": 2e-3, "max_length": 96, "batch_size": 16}


def pair_inputs(texts: Sequence[str], names: Sequence[str]) -> list[str]:
    """The pair teacher's input: the category's name and the comment, as a BERT sentence pair.

    >>> pair_inputs(["cold soup"], ["Food > Quality"])
    ['Food > Quality [SEP] cold soup']
    """
    return [f"{name} [SEP] {text}" for text, name in zip(texts, names)]


def taught_opinions(texts: Sequence[str], categories: Sequence, polarities: Sequence[str],
                    comments: Sequence[str], comment_labels: Sequence[list], name):
    """``(texts, categories, polarities)``: each category the category teacher gave a taught comment,
    with the polarity a MiniLM pair classifier fine-tuned on the labelled opinions (``texts``,
    ``categories``, ``polarities``, as ``AspectSentiment.fit`` takes them) gives it. ``name(category)``
    is what the teacher reads for a category. Needs the 'embeddings' extra."""
    from feedback_classifier.model.sentiment import POLARITIES

    pairs = [(c, lab) for c, labs in zip(comments, comment_labels) for lab in labs]
    if not pairs:
        return [], [], []
    index: dict = {}
    of = [index.setdefault((t, c), len(index)) for t, c in zip(texts, categories)]
    Y = np.zeros((len(index), len(POLARITIES)), dtype=np.float32)
    Y[of, [POLARITIES.index(p) for p in polarities]] = 1.0  # disagreeing opinions of one pair: two ones
    train = pair_inputs([t for t, _ in index], [name(c) for _, c in index])
    scores = _pair_fine_tune(train, Y, pair_inputs([c for c, _ in pairs], [name(lab) for _, lab in pairs]))
    return [c for c, _ in pairs], [lab for _, lab in pairs], [POLARITIES[j] for j in np.argmax(scores, axis=1)]


def _pair_fine_tune(inputs: list[str], Y: np.ndarray, score_inputs: list[str]) -> np.ndarray:
    """The polarity scores (columns in ``POLARITIES`` order) of ``score_inputs`` by a pair classifier
    fine-tuned on ``inputs`` and their polarity matrix ``Y``."""
    from feedback_classifier.model.finetune import _import_extra, fine_tune, predict

    torch = _import_extra()[0]
    out = []
    fine_tune(inputs, Y, **PAIR_TEACHER, on_epoch=lambda epoch, net: out.append(
        predict(net, score_inputs, PAIR_TEACHER["max_length"], 64, torch)) if epoch == PAIR_TEACHER["epochs"] else None)
    return out[-1]


def with_opinions(texts: Sequence[str], categories: Sequence, polarities: Sequence[str], **params):
    """A ``make`` for ``sentiment_eval.cross_validate_polarity``: every fold's ``AspectSentiment``
    (``params``: its settings) also trains on these (taught) opinions.

    >>> make = with_opinions(["bad food"], ["food"], ["negative"])
    >>> make().fit(["good food"], ["food"], ["positive"]).predict(["bad food"], ["food"])
    ['negative']
    """
    from feedback_classifier.model.sentiment import AspectSentiment

    class _Taught:
        def fit(self, t, c, p):
            return AspectSentiment(**params).fit(list(t) + list(texts), list(c) + list(categories),
                                         list(p) + list(polarities))

    return _Taught
