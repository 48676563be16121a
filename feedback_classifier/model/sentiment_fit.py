"""What ``AspectSentiment.fit`` learns besides its regression: aspect words and tone words.

* **Aspect words** (``aspect_words``): per category, the words that signal it, which pick
  the clauses about the category.
* **Tone words** (``fit_tone_words``): a comment's score says how its writer felt, so
  comments with scores but no polarity labels (an export's NPS or CSAT column beside each
  comment) teach which words praise and which complain *in this domain*. A logistic
  regression tells the comments at the good end of the scale from those at the bad end on
  the same global n-gram block ``AspectSentiment`` uses; its weights are the tone words.
  ``fit`` then adds two features to every labelled opinion, the tone words' sum over the
  comment's global block and over the category's local block (``add_tone``), and once
  the regression is fitted folds them back into the n-gram weights (``fold_tone``): the
  fitted model has the usual features only, so prediction is unchanged and costs the same.
  SemEval-2016 English restaurants with 32,330 Zomato review sentences scored by their
  review's rating: see the README's polarity rows.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Hashable, Sequence

import numpy as np

#: The two features ``add_tone`` adds (folded away by ``fold_tone``): tone over the global and the local block.
TONE_NAMES = ("T:g", "T:l")
_TONE_BLOCKS = (("g:", TONE_NAMES[0]), ("l:", TONE_NAMES[1]))


def aspect_words(cache: dict, texts: Sequence[str], categories: Sequence[Hashable]) -> dict:
    """Per category, the words that signal it: smoothed log-odds of the word in comments
    with the category against comments without it, kept when clearly positive. ``cache``:
    each text's analysis (its first item the tokens per clause).

    >>> cache = {t: ([t.split()], [], []) for t in ("late courier", "courier lost it", "rude staff", "staff was ok")}
    >>> texts = list(cache) * 2
    >>> aspect_words(cache, texts, ["delivery", "delivery", "staff", "staff"] * 2)["delivery"]
    {'courier': 1.6094379124341005}
    """
    cats_of: dict[str, set] = defaultdict(set)
    for t, c in zip(texts, categories):
        if c is not None:
            cats_of[t].add(c)
    words_of = {t: set(w for clause in cache[t][0] for w in clause) for t in cache}
    n = len(words_of)
    df = Counter(w for ws in words_of.values() for w in ws)
    out = {}
    # sorted, not in set order: that follows string hashing, which differs per process, so the same
    # training wrote model files whose bytes differed run to run
    for cat in sorted({c for cs in cats_of.values() for c in cs}, key=repr):
        with_cat = [t for t in words_of if cat in cats_of.get(t, ())]
        n_c = len(with_cat)
        dfc = Counter(w for t in with_cat for w in words_of[t])
        scores = {}
        for w, k in sorted(dfc.items()):
            if k < 2:
                continue
            inside = (k + 0.5) / (n_c + 1.0)
            outside = (df[w] - k + 0.5) / (n - n_c + 1.0)
            s = math.log(inside / outside)
            if s > 1.0:
                scores[w] = s
        out[cat] = scores
    return out


def fit_tone_words(blocks: Sequence[dict], positive: Sequence[bool], *, C: float = 1.0, min_count: int = 2
                   ) -> dict[str, float]:
    """``{n-gram: weight}``: a class-balanced logistic regression of ``positive`` (the comment's
    score at the good end of its scale) against the bad end, on each comment's global block
    (``blocks[i]``: its ``g:`` features as ``AspectSentiment._features`` makes them). N-grams in
    fewer than ``min_count`` comments are left out; both ends need comments.

    >>> blocks = [{"g:great": 1.0}, {"g:awful": 1.0}, {"g:great": 0.7, "g:food": 0.7}, {"g:awful": 0.7, "g:food": 0.7}]
    >>> w = fit_tone_words(blocks, [True, False, True, False], C=10.0)
    >>> w["great"] > 0 > w["awful"], abs(w["food"]) < 1e-6
    (True, True)
    """
    from sklearn.linear_model import LogisticRegression

    y = np.asarray(positive, dtype=bool)
    if y.all() or not y.any():
        raise ValueError("tone words need comments at both ends of the score scale")
    counts = Counter(k for b in blocks for k in b if k.startswith("g:"))
    vocab = {k: j for j, k in enumerate(k for k, c in counts.items() if c >= min_count)}
    X = feature_matrix(blocks, vocab)
    lr = LogisticRegression(C=C, class_weight="balanced", max_iter=2000).fit(X, y)
    return {k[2:]: float(w) for k, w in zip(vocab, lr.coef_[0]) if w != 0.0}


def feature_matrix(feats: Sequence[dict], vocabulary: dict[str, int]):
    """The sparse matrix of named features (``feats[i]``: row ``i``'s ``{name: value}``), one column
    per ``vocabulary`` name; names it lacks are left out.

    >>> feature_matrix([{"a": 1.0, "zz": 2.0}, {"b": 0.5}], {"a": 0, "b": 1}).toarray().tolist()
    [[1.0, 0.0], [0.0, 0.5]]
    """
    import scipy.sparse as sp

    indptr, indices, values = [0], [], []
    for f in feats:
        for name, v in f.items():
            j = vocabulary.get(name)
            if j is not None:
                indices.append(j)
                values.append(v)
        indptr.append(len(indices))
    return sp.csr_matrix((values, indices, indptr), shape=(len(feats), len(vocabulary)))


def add_tone(feats: Sequence[dict], tone_words: dict[str, float]) -> None:
    """Add ``TONE_NAMES`` to each pair's features: the tone words' weights summed over its global
    and its local n-gram block (each name's value in the block times its word's weight).

    >>> f = [{"g:great": 0.5, "g:food": 0.5, "l:great": 1.0, "c=x": 1.0}]
    >>> add_tone(f, {"great": 2.0})
    >>> f[0]["T:g"], f[0]["T:l"]
    (1.0, 2.0)
    """
    get = tone_words.get
    for f in feats:
        sums = {name: 0.0 for _, name in _TONE_BLOCKS}
        for key, v in f.items():
            for prefix, name in _TONE_BLOCKS:
                if key.startswith(prefix):
                    sums[name] += v * get(key[2:], 0.0)
        for name, s in sums.items():
            if s:
                f[name] = s


def fold_tone(vocabulary: dict[str, int], coef: np.ndarray, tone_words: dict[str, float]
              ) -> tuple[dict[str, int], np.ndarray]:
    """``(vocabulary, coef)`` without ``TONE_NAMES``: each class's weight on a tone feature moved
    onto the n-grams behind it (``coef[c, g:w] += coef[c, T:g] * tone_words[w]``, the same for the
    local block), n-grams the vocabulary lacks added. Scores are unchanged on every pair, since the
    tone features are linear in the n-gram features (``add_tone``).

    >>> vocab = {"g:food": 0, "T:g": 1, "c=x": 2}
    >>> v, c = fold_tone(vocab, np.array([[1.0, 2.0, 0.0]]), {"great": 0.5, "food": -1.0})
    >>> sorted(v.items(), key=lambda kv: kv[1]), c.tolist()
    ([('g:food', 0), ('c=x', 1), ('g:great', 2)], [[-1.0, 0.0, 1.0]])
    """
    # a tone column no class weighs (one polarity in the training data) adds no n-grams
    tone_cols = {name: vocabulary[name] for _, name in _TONE_BLOCKS if name in vocabulary}
    tone_cols = {name: j for name, j in tone_cols.items() if np.any(coef[:, j])}
    keep = [j for k, j in sorted(vocabulary.items(), key=lambda kv: kv[1]) if k not in TONE_NAMES]
    names = {j: k for k, j in vocabulary.items()}
    out_vocab = {names[j]: i for i, j in enumerate(keep)}
    added = []
    for prefix, name in _TONE_BLOCKS:
        if name in tone_cols:
            for w in tone_words:
                if prefix + w not in out_vocab:
                    out_vocab[prefix + w] = len(keep) + len(added)
                    added.append(prefix + w)
    out = np.zeros((coef.shape[0], len(out_vocab)))
    out[:, :len(keep)] = coef[:, keep]
    for prefix, name in _TONE_BLOCKS:
        if name in tone_cols:
            cols = np.array([out_vocab[prefix + w] for w in tone_words], dtype=np.int64)
            weights = np.fromiter(tone_words.values(), dtype=float, count=len(tone_words))
            out[:, cols] += np.outer(coef[:, tone_cols[name]], weights)
    return out_vocab, out



def parent_columns(vocabulary: dict[str, int], coef: np.ndarray, aspect: dict, categories: Sequence[Hashable]
                   ) -> tuple[dict[str, int], np.ndarray, list]:
    """``(vocabulary, coef, parents)``: each parent ``(name, None)`` that no opinion of ``categories``
    names but some of its children's do gets a prior column (``c=``) of its own, its children's weighted
    by their opinions, and the union of their ``aspect`` words (``aspect`` is updated in place).
    Without it a parent given by hand or predicted alone is judged as no category at all.
    ``parents``: the parents given a prior.

    Their category x word columns too were no better: a model trained on SemEval-2016's subcategories
    (words only), judged on parents whose opinions in a sentence agree, dev grouped CV / held-out
    reviews: none en 80.7 / 83.9, ru 82.8 / 83.0; priors and aspect words en 82.6 / 83.4, ru 83.5 / 84.5;
    with the category x word columns too en 81.9 / 82.6, ru 83.2 / 84.8.

    >>> vocab = {"c=('a', 'x')": 0, "('a', 'x')|late": 1, "c=('a', 'y')": 2, "g:late": 3}
    >>> aspect = {("a", "x"): {"courier": 1.0}, ("a", "y"): {"box": 2.0}}
    >>> v, c, parents = parent_columns(vocab, np.array([[3.0, 1.0, 1.0, 5.0]]), aspect, [("a", "x")] * 3 + [("a", "y")])
    >>> parents, float(c[0, v["c=('a', None)"]]), len(v), aspect[("a", None)]
    ([('a', None)], 2.5, 5, {'courier': 1.0, 'box': 2.0})
    """
    named = set(categories)
    counts = Counter(c for c in categories if isinstance(c, tuple) and len(c) == 2 and c[1] is not None
                     and (c[0], None) not in named)
    children: dict = defaultdict(dict)
    for child, n in counts.items():
        children[(child[0], None)][child] = n
    columns = []
    for parent, kids in children.items():
        total = sum(kids.values())
        prior = np.zeros(coef.shape[0])
        words = aspect.setdefault(parent, {})
        for child, n in kids.items():
            j = vocabulary.get("c=" + repr(child))
            if j is not None:
                prior += n / total * coef[:, j]
            for w, s in aspect.get(child, {}).items():
                words[w] = max(words.get(w, 0.0), s)
        columns.append(prior)
    if not columns:
        return vocabulary, coef, []
    parents = list(children)
    out = {**vocabulary, **{"c=" + repr(p): len(vocabulary) + k for k, p in enumerate(parents)}}
    return out, np.hstack([coef, np.array(columns).T]), sorted(parents, key=repr)
