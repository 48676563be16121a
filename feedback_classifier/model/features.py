"""Features of ``FeedbackClassifier``: word n-gram tf-idf and per-word char n-grams.

``_TextFeatures`` turns token lists into sparse rows; its ``_parts`` keeps the char
block in factored form (docs x distinct words, words x char n-grams), so a linear
score's char part is computed once per distinct word of a batch and explanations can
credit each n-gram to the words that contain it.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Sequence
import numpy as np
import scipy.sparse as sp

from feedback_classifier.model import batch_features

_CACHE_LIMIT = 300_000  # distinct tokens kept in the per-token feature cache


class _Parts:
    """A batch's features in factored form (see ``_TextFeatures._parts``). ``Cc`` and ``Vc`` may
    be left to ``chars`` (a :class:`~.batch_features.SurfaceChars`), built only when read: a
    linear score's char part comes from per-word scores kept across batches instead."""

    __slots__ = ("Xw", "Cw", "V", "_tokens", "word_ids", "_Cc", "_Vc", "chars")

    def __init__(self, Xw, Cw, V, tokens, word_ids, Cc=None, Vc=None, chars=None):
        self.Xw: sp.csr_matrix = Xw  # docs x features, word n-gram columns only
        self.Cw: sp.csr_matrix | None = Cw  # docs x distinct tokens of the batch (None when V is)
        self.V: sp.csr_matrix | None = V  # distinct tokens x features: their char n-grams (None unless asked for)
        self._tokens = tokens  # the distinct tokens, in column order of Cw (a list or _Tokens)
        self.word_ids: np.ndarray = word_ids  # each distinct token's unigram feature id, -1 if not in the vocabulary
        self._Cc, self._Vc, self.chars = Cc, Vc, chars

    @property
    def tokens(self) -> list[str]:
        """The distinct tokens, in column order of ``Cw`` (a list made when first read)."""
        if not isinstance(self._tokens, list):
            self._tokens = list(self._tokens)
        return self._tokens

    @property
    def Cc(self) -> sp.csr_matrix:
        """Docs x distinct char units (the tokens, or their surface forms), weighted."""
        if self._Cc is None:
            self._Cc, self._Vc = self.chars.local()
        return self._Cc

    @property
    def Vc(self) -> sp.csr_matrix:
        """Distinct char units x features: the char block is ``Cc @ Vc``."""
        if self._Vc is None:
            self._Cc, self._Vc = self.chars.local()
        return self._Vc


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
        end = len(padded) + 1
        # one comprehension, not a generator per n: this runs once per new word form
        return [padded[i : i + n] for n in range(lo, hi + 1) for i in range(end - n)]

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
        analysed = batch_features.usable(self, docs)
        counts = batch_features.token_counts(self, analysed) if analysed is not None else None
        if counts is None:
            local, C, B, tok_len = self._token_counts(docs)
        else:  # a batch analysis: the same counts from its flat arrays
            local, tok_len = _Tokens(counts), counts.tok_len
            C = _count_matrix(counts.tok_idx, tok_len, len(local))
            B = _count_matrix(counts.bigram_idx, counts.bi_len, self.n_features_)
        n_feat = self.n_features_
        surface = getattr(self, "char_surface_", False)
        # with surface char units only explanations need the tokens' own char n-grams
        own_chars = token_chars or not surface
        entries = [self._token_entry(t) for t in list(local)] if own_chars else None
        if entries is None:
            word_ids = counts.word_ids if counts is not None else np.fromiter(
                map(self.word_vocab_.get, local, itertools.repeat(-1)), dtype=np.int64, count=len(local))
        else:
            word_ids = np.fromiter((e[0] for e in entries), dtype=np.int64, count=len(local))
        Xw = self._word_block(C, B, word_ids)
        Cw = None
        if own_chars:
            Cw = sp.csr_matrix(sp.diags((1.0 / np.sqrt(np.maximum(tok_len, 1))).astype(np.float32)) @ C)
        if surface and counts is not None and getattr(self, "char_norm", "token") == "doc":
            # the char block stays factored per word (built if read): scores read kept word scores
            V = _char_matrix(entries, n_feat) if token_chars else None
            return _Parts(Xw, Cw, V, local, word_ids, chars=batch_features.SurfaceChars(self, analysed))
        if surface:
            Cu, Vc, sq, c_len = self._surface_counts(docs, analysed if counts is not None else None)
            V = _char_matrix(entries, n_feat) if token_chars else None
        else:
            Cu, sq, c_len = C, _squares(entries), tok_len
            Vc = V = _char_matrix(entries, n_feat)
        Cc = self._char_weights(Cu, sq, c_len, Cw, shared=not surface)
        return _Parts(Xw, Cw, V, local, word_ids, Cc, Vc)

    def _token_counts(self, docs: Sequence[Sequence[str]]):
        """``(tokens, C, B, tokens per doc)``: the batch's distinct tokens in order of first
        sight, their doc x token counts ``C`` and the doc x feature counts ``B`` of the
        known word n-grams longer than one word."""
        # Python work per comment: one dict look-up per token and per bigram.
        local = _indexer()
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
        C = _count_matrix(tok_idx, tok_len, len(local))
        B = _count_matrix(bigram_idx, bi_len, self.n_features_)
        return local, C, B, tok_len

    def _word_block(self, C: sp.csr_matrix, B: sp.csr_matrix, word_ids: np.ndarray) -> sp.csr_matrix:
        """Sublinear tf-idf of the word n-grams, each row L2-normalised."""
        has_word = word_ids >= 0
        U = _count_matrix(word_ids[has_word], has_word, self.n_features_)  # token -> its unigram column
        Xw = sp.csr_matrix(C @ U + B)
        Xw.sum_duplicates()
        Xw.data = (1.0 + np.log(Xw.data)) * self.idf_[Xw.indices]
        row_nnz = np.diff(Xw.indptr)
        rows = np.repeat(np.arange(C.shape[0]), row_nnz)
        norms = np.sqrt(np.bincount(rows, weights=Xw.data.astype(np.float64) ** 2, minlength=C.shape[0]))
        Xw.data = (Xw.data / np.repeat(np.where(norms > 0, norms, 1.0), row_nnz)).astype(np.float32)
        return Xw

    def _surface_counts(self, docs: Sequence[Sequence[str]], analysed=None):
        """``(Cu, Vc, squared norms of Vc's rows, units per doc)`` of the surface words, the
        char units (a doc without them falls back to its tokens); from the arrays of
        ``analysed`` when given."""
        if analysed is not None:
            c_idx, c_len, Vc, sq = batch_features.surface_chars(self, analysed)
            return _count_matrix(c_idx, c_len, Vc.shape[0]), Vc, sq, c_len
        local_c = _indexer()
        unit_lists = [getattr(tokens, "surface", tokens) for tokens in docs]
        c_idx = list(map(local_c.__getitem__, itertools.chain.from_iterable(unit_lists)))
        c_len = np.fromiter(map(len, unit_lists), dtype=np.int64, count=len(docs))
        c_entries = [self._token_entry(t) for t in local_c]
        Vc = _char_matrix(c_entries, self.n_features_)
        return _count_matrix(c_idx, c_len, len(c_entries)), Vc, _squares(c_entries), c_len

    def _char_weights(self, Cu, sq, c_len, Cw, *, shared: bool) -> sp.csr_matrix:
        """``Cc``: each doc's weight of each char unit (see the class docstring; ``sq``: the
        units' squared char-vector norms). ``shared``: ``Cu`` is also the word block's count
        matrix, so it is not scaled in place."""
        if getattr(self, "char_norm", "token") == "doc":
            total = Cu @ sq
            cweight = np.where(total > 0, self.char_weight / np.sqrt(np.where(total > 0, total, 1.0)), 0.0)
            Cc = Cu.copy() if shared else Cu
            Cc.data *= np.repeat(cweight, c_len).astype(np.float32)
            return Cc
        if shared:
            return Cw
        cweight = 1.0 / np.sqrt(np.maximum(c_len, 1))
        return sp.csr_matrix(sp.diags(cweight.astype(np.float32)) @ Cu)

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
    def scores_from_parts(parts: _Parts, W: np.ndarray, key=None) -> np.ndarray:
        """``Xw @ W + Cc @ (Vc @ W)``; ``key``: an object that stays the same while ``W`` does
        (the model's coefficient array), so that the words' char scores ``Vc @ W`` are kept
        from batch to batch (the same numbers: each row of a product is its own sum)."""
        chars = None
        if parts.chars is not None and parts._Cc is None and key is not None:
            chars = parts.chars.scores(W, key)
        if chars is None:
            chars = np.asarray(parts.Cc @ np.asarray(parts.Vc @ W))
        return np.asarray(parts.Xw @ W) + chars


class _Tokens:
    """The distinct tokens of a batch analysis's counts (``batch_features.TokenCounts``),
    made into strings only when read (explanations): ``len`` needs none."""

    def __init__(self, counts):
        self.counts = counts

    def __len__(self) -> int:
        return len(self.counts.local_ids)

    def __iter__(self):
        return iter(self.counts.tokens)


def _indexer() -> defaultdict:
    """A dict that gives each new key the next index (0, 1, ...) at its first look-up."""
    index: defaultdict = defaultdict()
    index.default_factory = index.__len__
    return index


def _squares(entries) -> np.ndarray:
    """The squared norms of token entries' char vectors."""
    return np.fromiter((e[3] for e in entries), dtype=np.float64, count=len(entries))


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


def _count_matrix(indices, lengths: np.ndarray, n_cols: int) -> sp.csr_matrix:
    """Rows of ones: row ``r`` holds the next ``lengths[r]`` of ``indices``."""
    return sp.csr_matrix(
        (np.ones(len(indices), dtype=np.float32), np.asarray(indices, dtype=np.int32), np.r_[0, np.cumsum(lengths)]),
        shape=(len(lengths), n_cols),
    )


def nb_ratios(X, Y) -> np.ndarray:
    """Per class, each feature's log ratio of its (smoothed) document frequency among
    the positives to that among the negatives, shape ``(n_classes, n_features)``:
    one sparse product for all classes instead of two column sums per class.

    >>> R = nb_ratios(sp.csr_matrix([[1.0, 0.0], [0.0, 1.0]]), np.array([[1], [0]]))
    >>> bool(R[0, 0] > 0 > R[0, 1])
    True
    """
    present = X.copy()
    present.data[:] = 1.0
    Yf = np.asarray(Y, dtype=np.float64)
    pos = np.asarray(present.T @ Yf).T + 1.0
    neg = np.asarray(present.sum(axis=0)).ravel()[None, :] - pos + 2.0
    return np.log((pos / pos.sum(axis=1, keepdims=True)) / (neg / neg.sum(axis=1, keepdims=True)))
