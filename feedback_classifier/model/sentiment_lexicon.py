"""Prior knowledge for ``AspectSentiment``: the bundled praise/complaint lexicon as features.

A few thousand training opinions cannot teach every praise or complaint word, and on
SemEval-2016 a model that only learns word weights from the training data falls behind a
plain TF-IDF baseline on reviews it never saw. ``data/sentiment_lexicon.csv`` (common
praise and complaint words, English and Russian, written for the bundled sentiment model:
never tuned on SemEval) says how a word leans before any training. Per (comment,
category) pair, four features read it (``LEXICON_NAMES``):

* ``P:g+`` / ``P:g-``: how many praise / complaint words the whole comment holds;
* ``P:l+`` / ``P:l-``: the same in the clauses about the category (``AspectSentiment._local``),

each ``weight * log(1 + count)`` (the first praise word says more than the fifth). A word
the analyzer marks as negated (``not_good``, ``не_вкусный``) counts for the other side.
Worth +2.0 points (en) and +1.5 (ru) of repeated grouped CV on the SemEval-2016 development
reviews, paired over 3 repeats (``benchmarks/semeval_polarity.py``); a lexicon widened by the
shipped word table's neighbours (+0.1 en), the word table's mean vectors as features (-0.4 en),
distance-weighted lexicon words around the aspect word (+0.0 en) and class weights did not help.

``lexicon_features`` spells them for ``fit``; ``pair_lexicon_sums`` computes the same
sums for a whole batch of pairs from flat arrays (``sentiment_fast.PairScorer``).
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

import numpy as np

#: The feature names, in the order of ``pair_lexicon_sums``' columns.
LEXICON_NAMES = ("P:g+", "P:g-", "P:l+", "P:l-")
LEXICON_FILE = Path(__file__).resolve().parents[1] / "data" / "sentiment_lexicon.csv"
_SIGN = {"positive": 1.0, "negative": -1.0}


@lru_cache(maxsize=1)
def negation_prefixes() -> tuple[str, ...]:
    """The prefixes the analyzer puts on a negated word, every language's.

    >>> "not_" in negation_prefixes() and "не_" in negation_prefixes()
    True
    """
    from feedback_classifier.lang.registry import REGISTRY

    return tuple(sorted({lang.negation_prefix for lang in REGISTRY.values() if lang.negation_prefix}))


def lexicon_table(analyzer) -> dict[str, float]:
    """``{token: +1.0 or -1.0}``: each one-word entry of the lexicon file as ``analyzer``
    spells it (its lemma for the project's analyzer), praise +1, complaint -1.

    >>> table = lexicon_table(str.split)
    >>> table["good"], table["terrible"]
    (1.0, -1.0)
    """
    import csv

    table: dict[str, float] = {}
    with LEXICON_FILE.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            sign = _SIGN.get(row["polarity"].strip())
            tokens = [t for t in analyzer(row["word"].strip()) if t[:1].isalnum() or t[:1] == "_" or t[:1] >= "\u2600"]
            if sign is not None and len(tokens) == 1:
                table[tokens[0]] = sign
    return table


def token_polarity(token: str, table: dict[str, float], prefixes: tuple[str, ...]) -> float:
    """The lexicon's lean of one token: its entry, or the opposite of the negated word's.

    >>> token_polarity("not_good", {"good": 1.0}, ("not_",)), token_polarity("food", {"good": 1.0}, ("not_",))
    (-1.0, 0.0)
    """
    value = table.get(token)
    if value is not None:
        return value
    for prefix in prefixes:
        if token.startswith(prefix):
            return -table.get(token[len(prefix):], 0.0)
    return 0.0


def squash(count):
    """``log(1 + count)``: what a feature's value grows with (numbers or arrays).

    >>> squash(0.0), round(squash(1.0), 3)
    (0.0, 0.693)
    """
    return np.log1p(count) if isinstance(count, np.ndarray) else math.log1p(count)


def lexicon_features(out: dict[str, float], tokens: list[str], local: list[str], lean, weight: float) -> None:
    """Add the four ``LEXICON_NAMES`` features of a pair to ``out`` (``lean(token)``: its
    ``token_polarity``); zero counts add nothing (their value would be 0).

    >>> out = {}
    >>> lexicon_features(out, ["good", "food", "not_good"], ["good"], {"good": 1.0, "not_good": -1.0}.get, 1.0)
    >>> sorted((k, round(v, 3)) for k, v in out.items())
    [('P:g+', 0.693), ('P:g-', 0.693), ('P:l+', 0.693)]
    """
    for (pos_name, neg_name), words in ((LEXICON_NAMES[:2], tokens), (LEXICON_NAMES[2:], local)):
        pos = neg = 0.0
        for t in words:
            v = lean(t) or 0.0
            if v > 0:
                pos += v
            elif v < 0:
                neg -= v
        if pos:
            out[pos_name] = weight * squash(pos)
        if neg:
            out[neg_name] = weight * squash(neg)


def pair_lexicon_sums(lean: np.ndarray, word_text: np.ndarray, word_clause: np.ndarray, n_texts: int,
                      n_clauses: int, owner: np.ndarray, chosen_clause: np.ndarray, chosen_pair: np.ndarray,
                      local_pairs: np.ndarray) -> np.ndarray:
    """``(n_pairs, 4)`` counts behind ``LEXICON_NAMES`` for a batch: ``lean`` per word (its
    comment ``word_text``, its clause ``word_clause``); a pair's global counts are its
    comment's (``owner``); its local counts are its comment's too except for ``local_pairs``,
    whose local words are the clauses ``chosen_clause`` of ``chosen_pair``.

    >>> lean = np.array([1.0, -1.0, 1.0])   # one comment, two clauses: "good, bad good"
    >>> pair_lexicon_sums(lean, np.zeros(3, int), np.array([0, 1, 1]), 1, 2, np.array([0, 0]),
    ...                   np.array([1]), np.array([1]), np.array([1])).tolist()
    [[2.0, 1.0, 2.0, 1.0], [2.0, 1.0, 1.0, 1.0]]
    """
    pos, neg = np.maximum(lean, 0.0), np.maximum(-lean, 0.0)
    per_text = np.stack([np.bincount(word_text, pos, n_texts), np.bincount(word_text, neg, n_texts)], axis=1)
    out = np.hstack([per_text[owner], per_text[owner]])
    if len(local_pairs):
        n_pairs = len(owner)
        for k, side in ((2, pos), (3, neg)):
            per_clause = np.bincount(word_clause, side, n_clauses)
            local = np.bincount(chosen_pair, per_clause[chosen_clause], n_pairs)
            out[local_pairs, k] = local[local_pairs]
    return out
