"""Classify / enrich: add category columns to any survey table, from 10 rows to tens of millions.

``enrich`` works on a DataFrame in memory, 50,000 rows at a time; ``classify_file`` streams a file of any
size through it chunk by chunk (memory bounded by the chunk size) in worker processes if asked, atomically.

Added columns (in this order):

- ``categories``: predicted display paths joined by ``; `` (``Delivery > Courier; Price``),
  the same syntax the training labels use, so the column can be fed back as labels;
  a parent appears alone only when none of its children was predicted. An answer that states
  no opinion (a key mash, digits or punctuation only, "n/a", "nothing to add", "нечего
  сказать": ``lang.junk.names_nothing``) gets none.
- ``parent_categories``: the predicted parents (``Delivery; Price``).
- ``confidence``: probability of the weakest predicted category; ``1 - max probability``
  when nothing fired; empty (NaN) for empty comments, where nothing was predicted.
- ``needs_review``: true when a predicted category only just cleared its decision threshold
  (its probability is less than ``review_margin`` above it, or it was predicted by the model's
  fallback rules below it), or nothing fired on a non-empty comment, or the comment looks written in a
  language the models do not read (``lang.foreign``). Only the most specific
  predicted categories count: a parent that fired because of a confident child is not a doubt.
- ``category_sentiment``: the polarity of each predicted category, in the order of
  ``categories``: ``Delivery > Courier=negative; Price=positive`` (positive, negative or
  neutral; see ``model/sentiment.py``). From the model's own sentiment model (``train
  --sentiment-col``) or else the bundled bilingual one.
- ``sentiment``: the comment's overall polarity: ``positive``, ``negative``, ``neutral``, or
  ``mixed`` when it praises one category and complains about another; a comment without a
  category is judged as a whole; empty for empty comments, and for a comment without a category
  in a script the models have no letter of (Chinese, Arabic...).
- with ``probabilities=True``: ``p: <path>`` per category (empty for empty comments).
- with ``explain=True``: ``evidence``, e.g. ``Delivery > Delivery time: late, courier | Price: expensive``,
  each category followed by the words behind its polarity: ``Price: expensive (negative: too, expensive)``.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from feedback_classifier.errors import InputFileError, ParameterError
from feedback_classifier.lang.foreign import rows_per_language, unread_languages, warn_unread
from feedback_classifier.lang.junk import names_nothing
from feedback_classifier.lang.normalization import comment_as_read
from feedback_classifier.lang.registry import check_language
from feedback_classifier.lang.tone_only import names_no_topic
from feedback_classifier.model.evidence_cells import EXPLAIN_TOP_K, evidence_strings
from feedback_classifier.model.explain import model_terms

EVIDENCE_COLUMN = "evidence"
PROBABILITY_PREFIX = "p: "

# Probabilities are model estimates; more digits than this only add noise (and bytes) to outputs.
_DECIMALS = 4
# At most this many comments per model batch (a chunk is cut into equal batches). Much of a
# batch's work is per distinct word (its analysis, char vectors, first sight): the bigger the
# batch, the fewer distinct words per comment. 8,192 -> 25,000 (a 50,000-row chunk in two):
# -5 us per distinct comment warm (~15% of enrich), peak memory of enrich on 50,000 comments
# 510 -> 517 MB; a whole chunk at once (50,000) peaked at 572 MB for 0.5 us more. 32,768 ->
# 16,384 (a chunk in four): 1M distinct comments, --jobs 2 peak RSS summed 1,233-1,244 ->
# 1,162-1,179 MiB (each worker ~35 MiB less) for ~1.5% more CPU (docs/scaling.md).
_MODEL_BATCH = 16_384
_ENRICH_ROWS = 50_000  # enrich's rows at a time, as classify_file's chunks: memory bounded, the same output


@dataclass(frozen=True)
class _Options:
    text_col: str
    lang: str = "en"
    probabilities: bool = False
    explain: bool = False
    review_margin: float = 0.05
    given_col: str | None = None  # categories taken from this column instead of predicted
    sentiment: bool = True  # add category_sentiment and sentiment

    def __post_init__(self):
        margin = self.review_margin  # "0.1" was a bare TypeError comparing float with str
        if isinstance(margin, bool) or not isinstance(margin, (int, float, np.number)) or not 0.0 <= margin <= 1.0:
            # -1 flagged nothing, 5 everything, without a word
            raise ParameterError(f"review_margin must be between 0 and 1 (a number; CLI: --review-margin), got "
                                 f"{margin!r}")


@dataclass
class _ChunkResult:
    added: pd.DataFrame  # the added columns only, RangeIndex
    label_counts: np.ndarray  # rows per class (children imply parents)
    rows_with_categories: int
    needs_review: int
    empty_comments: int
    unread: dict[str, int] = field(default_factory=dict)  # rows per language the models do not read (lang.foreign)
    names_nothing: int = 0  # of ``needs_review``, rows whose answer names no topic ("-", "n/a", "👍": listed apart)


def enrich(
    df: pd.DataFrame,
    model: Any,
    text_col: str,
    *,
    lang: str | None = "en",
    probabilities: bool = False,
    explain: bool = False,
    review_margin: float = 0.05,
    sentiment: bool = True,
) -> pd.DataFrame:
    """Return a copy of ``df`` with category columns added (see the module docstring). ``model``: a
    fitted model, a model file, or None (the default model).

    Every input row and column is kept, in order; empty, missing or non-text comment cells
    get empty categories and ``needs_review = False``. Each distinct comment is analysed once.
    ``lang`` is the language of the category names written ("en" or "ru"), not of the comments,
    which may be mixed; None: the comments' majority language, as ``classify_file`` decides it. A
    column of ``df`` that has the name of an added column is overwritten in place (re-classifying an
    enriched file replaces the old results). ``sentiment=False`` leaves out ``category_sentiment``
    and ``sentiment`` (~15% less time).

    >>> import pandas as pd
    >>> from feedback_classifier.model.default import default_model
    >>> df = pd.DataFrame({"id": [1, 2, 3], "comment": ["The courier was two days late", None, ""]})
    >>> out = enrich(df, default_model(), "comment")
    >>> list(out.columns)  # doctest: +NORMALIZE_WHITESPACE
    ['id', 'comment', 'categories', 'parent_categories', 'confidence', 'needs_review',
     'category_sentiment', 'sentiment']
    >>> "Delivery and logistics > Delivery time" in out["categories"].iloc[0]
    True
    >>> out["sentiment"].tolist()
    ['negative', '', '']
    >>> out["categories"].iloc[1:].tolist()
    ['', '']
    """
    from feedback_classifier.tableio import require_columns

    if not isinstance(df, pd.DataFrame):  # a Series' values were listed as "the table's columns"
        raise TypeError(
            f"enrich takes a DataFrame and the name of its comment column, got {type(df).__name__}; "
            "for a list or Series of comments pass pd.DataFrame({'comment': comments}) and 'comment'."
        )
    require_columns(df, [text_col], source="the table")
    if not hasattr(model, "predict_proba"):  # a path or None, as classify_file takes it: AttributeError before
        from feedback_classifier.model.default import load_model_and_taxonomy

        model = load_model_and_taxonomy(model, None)[0]
    if lang is None:  # gave the first language's names ("Unknown language 'None'" after the check below)
        from feedback_classifier.lang import majority_language

        lang = majority_language(df[text_col])
    lang = names_language(model, lang)
    opts = _Options(text_col, lang, probabilities, explain, review_margin, sentiment=sentiment)
    column = df[text_col]  # in chunks: the analyses of 1M distinct comments held at once peaked at ~6 GB
    results = [_classify_texts(column.iloc[i : i + _ENRICH_ROWS], model, opts)
               for i in range(0, max(len(column), 1), _ENRICH_ROWS)]
    for result in results:
        warn_unread(result.unread)
    added = [result.added for result in results]
    return _attach(df, pd.concat(added, ignore_index=True) if len(added) > 1 else added[0], opts)


def names_language(model: Any, lang: str) -> str:
    """``lang`` for the category names ``model`` writes, normalised: "RU" or a typo gave English names
    without a word. One of its taxonomy's languages or one the tool reads (see ``Taxonomy.names_language``)."""
    taxonomy = getattr(model, "taxonomy_", None)
    return taxonomy.names_language(lang) if taxonomy is not None else check_language(lang)


def _attach(df: pd.DataFrame, added: pd.DataFrame, opts: _Options, *, copy: bool = True) -> pd.DataFrame:
    if opts.text_col in added.columns:
        raise InputFileError(
            f"The text column {opts.text_col!r} has the name of a column classify adds; "
            "rename it (e.g. to 'comment') and try again."
        )
    out = df.copy() if copy else df
    existing = [c for c in added.columns if c in out.columns]
    for col in existing:
        # keep the added column's dtype: as a bare array an empty frame's string column became
        # object, the meta the Dask engine builds its Parquet schema from (ArrowInvalid on write)
        out[col] = pd.Series(added[col].to_numpy(), index=out.index, dtype=added[col].dtype)
    new = added.drop(columns=existing)
    if new.shape[1]:
        new.index = out.index  # positional: the input index may be anything, even duplicated
        out = pd.concat([out, new], axis=1)
        # concat drops them: write_table(enrich(read_table(f))) lost the input's ';', header and types
        out.attrs = dict(df.attrs)
    return out


def _is_comment(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


# While a chunk is classified, the collector runs after this many new container objects instead
# of 700: the chunk's own lists survive young collections anyway, and each older collection walks
# them all again (~3 us per distinct comment); memory held by the chunk's cycles stays bounded.
_CHUNK_GC_THRESHOLD = 50_000


@contextmanager
def _objects_frozen():
    """Leave the objects alive now (the model, its tables, the per-word caches: hundreds of
    thousands) out of the garbage collector's passes while a chunk is classified: the chunk
    allocates many short-lived lists, and each full collection would walk them all again
    (~10% of the CPU time of ``enrich`` on distinct comments). They return to the collector
    after the chunk; collections of the chunk's own objects still run, less often."""
    thresholds = gc.get_threshold()
    gc.freeze()
    if thresholds[0]:  # 0: automatic collection is off, and stays off
        gc.set_threshold(max(thresholds[0], _CHUNK_GC_THRESHOLD), *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def _classify_texts(column: pd.Series, model: Any, opts: _Options) -> _ChunkResult:
    """The work for one chunk: predictions for the distinct non-empty comments, spread to all rows."""
    with _objects_frozen():
        return _classify_values(column, model, opts)


def _classify_values(column: pd.Series, model: Any, opts: _Options) -> _ChunkResult:
    values = column.to_numpy(dtype=object)
    n = len(values)
    is_comment = np.fromiter((_is_comment(v) for v in values), dtype=bool, count=n)
    # Survey exports repeat comments a lot ("ok", "good", copy-pasted templates): analyse each once.
    codes, uniques = pd.factorize(values[is_comment])
    # web exports (tweets, tickets) come HTML-escaped: "&amp;" would be cut at its ";" into two clauses
    # around a word "amp"; the model reads what the customer wrote (the table keeps the cell as it is)
    uniques = [comment_as_read(u) for u in uniques]
    proba, fired, explained, analysed = _predict_uniques(model, uniques, opts)
    any_fired = fired.any(axis=1)
    u_conf, u_review = _confidence_and_review(model, proba, fired, opts.review_margin)
    unread = np.array(unread_languages(uniques, analysed), dtype=object)
    u_review |= unread != ""  # a guess in a language the model cannot read is not a decision
    # Many comments share the same category pattern: its labels, strings and sentiment pairs
    # are worked out once per distinct 0/1 row, for the category columns and the tones alike.
    patterns, pattern_of_unique = _unique_rows(fired)
    pattern_labels, cat_lookup, parent_lookup = _pattern_strings(model, patterns, opts.lang)
    # Row -> pattern index, with one extra "empty" pattern (the last) for non-comments.
    row_pattern = np.full(n, len(cat_lookup) - 1, dtype=np.int64)
    row_pattern[is_comment] = pattern_of_unique[codes]
    confidence = np.full(n, np.nan)
    confidence[is_comment] = np.round(u_conf[codes], _DECIMALS)
    review = np.zeros(n, dtype=bool)
    review[is_comment] = u_review[codes]
    tones = None
    if opts.sentiment:
        shared = analysed if _sentiment_reads_analysis(model) else None
        tones = _tones(model, uniques, pattern_labels, pattern_of_unique, opts, shared)

    columns: dict[str, Any] = {
        # each distinct string converted once, then spread (per row: ~0.6 us a column)
        "categories": pd.array(cat_lookup, dtype="str").take(row_pattern),
        "parent_categories": pd.array(parent_lookup, dtype="str").take(row_pattern),
        "confidence": confidence,
        "needs_review": review,
    }
    columns.update(_spread_tones(tones, codes, is_comment))
    _unsaid_where_unread(columns, unread, any_fired, codes, is_comment)
    if opts.probabilities:
        full = np.full((n, len(model.classes_)), np.nan)
        full[is_comment] = np.round(proba[codes], _DECIMALS)
        for j, label in enumerate(model.classes_):
            columns[PROBABILITY_PREFIX + model.taxonomy_.display_name(label, opts.lang)] = full[:, j]
    if opts.explain:
        labels_of = [pattern_labels[k] for k in pattern_of_unique.tolist()]
        strings, row_unique = evidence_strings(model, uniques, labels_of, codes, n, is_comment, opts.lang, explained,
                                               tones)
        columns[EVIDENCE_COLUMN] = pd.array(strings, dtype="str").take(row_unique)

    rows_per_unique = np.bincount(codes, minlength=len(uniques))
    # flagged for having no category, yet no model miss: the router lists them apart from review
    blank = np.flatnonzero(u_review & ~any_fired)
    blank = blank[np.array(names_no_topic([uniques[i] for i in blank.tolist()]), dtype=bool)]
    return _ChunkResult(
        added=pd.DataFrame(columns),
        # (einsum: the same integer sums, ~6x faster than numpy's integer matmul)
        label_counts=np.einsum("i,ij->j", rows_per_unique, fired.astype(np.int64)),
        rows_with_categories=int(rows_per_unique[any_fired].sum()),
        needs_review=int(review.sum()),
        empty_comments=int(n - is_comment.sum()),
        unread=rows_per_language(unread, rows_per_unique),
        names_nothing=int(rows_per_unique[blank].sum()),
    )


def _unsaid_where_unread(columns: dict, unread: np.ndarray, any_fired: np.ndarray, codes: np.ndarray,
                         is_comment: np.ndarray) -> None:
    """No overall ``sentiment`` for a comment in a script the models have no letter of and no category
    in: its polarity came from the model's prior alone ("很好，谢谢", "very good, thanks", was a complaint)."""
    from feedback_classifier.lang.foreign import OTHER_SCRIPTS
    from feedback_classifier.model.tones import SENTIMENT_COLUMN

    if SENTIMENT_COLUMN not in columns or not len(unread):
        return
    blind = np.isin(unread, list(OTHER_SCRIPTS)) & ~any_fired
    if blind.any():
        rows = np.zeros(len(is_comment), dtype=bool)
        rows[is_comment] = blind[codes]
        columns[SENTIMENT_COLUMN][rows] = ""


def _predict_uniques(model: Any, uniques: list[str], opts: _Options):
    """``(proba, fired, evidence, analysed)`` of the distinct comments; evidence is None unless
    the model computed it along with the probabilities; analysed: the classifier's batch analyses
    of the comments, in order (None when it has none)."""
    if not uniques:
        k = len(model.classes_)
        return np.zeros((0, k)), np.zeros((0, k), dtype=bool), None, None
    explained = None
    analysed: list | None = []
    if opts.explain and hasattr(model, "predict_proba_and_explain"):
        # one analysis and feature pass gives both the probabilities and the evidence
        proba, explained = _predict_proba_batched(model, uniques, with_evidence=True, analysed=analysed)
    else:
        proba = _predict_proba_batched(model, uniques, analysed=analysed)
    if sum(a.n_docs for a in analysed) != len(uniques):
        analysed = None
    fired = _decide(model, proba)
    # A key mash, a bare number or a filler answer names no topic, whatever a model's intercepts
    # say ("0" had been tagged as discounts, "Nothing to report" as support contact); the router
    # lists key mashes apart as junk. (asked only of comments something fired for: the answer
    # cannot change the others)
    asked = np.flatnonzero(fired.any(axis=1))
    nothing = np.array(names_nothing([uniques[i] for i in asked.tolist()]), dtype=bool)
    if getattr(model, "keyword_rules_", False) and len(asked):
        # "TERRIBLE", "good", «плохо» alone: a model no labels taught found their topic nearest to a
        # description or in its examples' words (Defects and damage, Quality, Packaging); one trained on
        # labels may have learned a general category for them (SemEval's "Awesome" is RESTAURANT > GENERAL)
        from feedback_classifier.lang.tone_only import tone_only_mask

        nothing |= np.array(tone_only_mask([uniques[i] for i in asked.tolist()]), dtype=bool)
    fired[asked[nothing]] = False
    return proba, fired, explained, analysed


def predict_as_classified(model: Any, texts: list[str]) -> list[list]:
    """Each text's deepest labels as ``classify`` tags it: its sentences and clauses scored with the
    whole (``combined_proba``), keyword rules, the no-opinion check. ``model.predict_labels``
    scores the whole text only, so ``evaluate`` reported a micro-F1 that no classified file had.

    >>> from feedback_classifier.model.default import default_model
    >>> predict_as_classified(default_model(), ["The courier was rude.", "Nothing to add", ""])[1:]
    [[], []]
    """
    if not hasattr(model, "classes_"):  # a classifier of the caller's own: its labels, as it gives them
        return model.predict_labels(texts)
    keep = [i for i, t in enumerate(texts) if _is_comment(t)]
    codes, uniques = pd.factorize(pd.Series([texts[i] for i in keep], dtype=object))
    texts_read = [comment_as_read(u) for u in uniques]  # as classify reads them
    _, fired, _, _ = _predict_uniques(model, texts_read, _Options(text_col="", sentiment=False))
    labels_of = _row_labels(model, fired)
    out: list[list] = [[] for _ in texts]
    for i, code in zip(keep, codes.tolist()):
        out[i] = list(labels_of[code])
    return out


def _confidence_and_review(model: Any, proba: np.ndarray, fired: np.ndarray, margin: float):
    """Per distinct comment: the ``confidence`` and ``needs_review`` values (module docstring)."""
    thresholds = np.asarray(model.thresholds_, dtype=float)
    any_fired = fired.any(axis=1)
    weakest = np.where(fired, proba, np.inf).min(axis=1, initial=np.inf)
    top = proba.max(axis=1, initial=0.0)
    confidence = np.where(any_fired, weakest, 1.0 - top)
    # Judge only the deepest predicted labels: a parent is switched on by its child, so its own
    # probability being near (or under) the parent threshold says nothing about doubt. Checking
    # rejected labels too flagged ~70% of a real survey (with 48 categories one is always near).
    deepest = fired.copy()
    pairs = [(j, p) for j, p in enumerate(_parent_indices(list(model.classes_))) if p != j]
    for start in range(0, len(deepest), 4096):  # column by column over blocks that stay in the cache
        block, fired_block = deepest[start : start + 4096], fired[start : start + 4096]
        for j, p in pairs:
            block[:, p] &= ~fired_block[:, j]
    # (a label not kept as deepest is never "barely": what np.where(deepest, margin, inf) < ... says)
    barely = (deepest & (proba - thresholds < margin - 1e-12)).any(axis=1)
    return confidence, barely | ~any_fired


def _pattern_strings(model: Any, patterns: np.ndarray, lang: str) -> tuple[list, np.ndarray, np.ndarray]:
    """``(labels, categories lookup, parents lookup)`` of the distinct 0/1 rows ``patterns``: each
    row's labels (parents dropped under a child) and :func:`_category_strings`' lookups.

    >>> from feedback_classifier.model.default import default_model
    >>> model = default_model()
    >>> row = np.zeros((1, len(model.classes_)), dtype=bool)
    >>> row[0, :2] = True
    >>> labels, categories, parents = _pattern_strings(model, row, "en")
    >>> labels == [[model.classes_[1]]], categories[-1], parents[0] == model.taxonomy_.display_name(model.classes_[0])
    (True, '', True)
    """
    labels = _row_labels(model, patterns)
    return (labels, *_category_strings(model, patterns, labels, lang))


def _row_labels(model: Any, rows: np.ndarray) -> list[list]:
    """Each 0/1 row's labels over ``model.classes_``, a parent dropped under its child."""
    classes = list(model.classes_)
    return [_collapse([classes[j] for j in np.flatnonzero(row)]) for row in rows]


def _category_strings(model: Any, patterns: np.ndarray, pattern_labels: list, lang: str):
    """``(categories per pattern, parents per pattern)`` of the distinct 0/1 rows ``patterns``
    (``pattern_labels``: their labels, parents dropped under a child); both lookups end with an
    empty string, the pattern of rows without a comment."""
    from feedback_classifier.taxonomy.labels import LABEL_SEPARATOR

    classes = list(model.classes_)
    parents_idx = _parent_indices(classes)
    # each label's path once (``format_labels`` joins them), the parents of all patterns at once
    paths: dict = {}
    for label in classes:
        paths.setdefault(label, _format(model.taxonomy_, [label], lang))
    join = f"{LABEL_SEPARATOR} ".join
    cat_strings = [join([paths[lab] if lab in paths else _format(model.taxonomy_, [lab], lang) for lab in labels])
                   for labels in pattern_labels]
    has_parent = np.zeros((len(patterns), len(classes)), dtype=bool)
    rows, cols = np.nonzero(patterns)
    has_parent[rows, np.asarray(parents_idx, dtype=np.int64)[cols]] = True
    rows, cols = np.nonzero(has_parent)  # row by row, parents in class order (as sorted before)
    parent_paths = np.array([paths[c] for c in classes], dtype=object)[cols].tolist()
    ends = np.cumsum(np.bincount(rows, minlength=len(patterns))).tolist()
    parent_strings = [join(parent_paths[a:b]) for a, b in zip([0] + ends[:-1], ends)]
    return np.array(cat_strings + [""], dtype=object), np.array(parent_strings + [""], dtype=object)


def _predict_proba_batched(model: Any, texts: list[str], *, with_evidence: bool = False, analysed=None):
    """Probabilities (and evidence) of ``texts``; with ``analysed`` (a list), each batch's
    analysis (``lang.batch.Analysed``) is appended to it for the sentiment model."""
    # Batches of at most _MODEL_BATCH bound the feature matrices' memory whatever --chunksize
    # is; equal ones leave no small last batch (it would cost as many distinct words as a full one).
    from feedback_classifier.lang.batch import LazyDocs
    from feedback_classifier.model.segments import combined_proba, segment_batch, uses_parts

    parts = uses_parts(model)
    batch_analyzer = _batch_analyzer(model) if parts else None
    probas, evidence = [], []
    n_batches = max(1, -(-len(texts) // _MODEL_BATCH))
    size = max(1, -(-len(texts) // n_batches))
    for i in range(0, len(texts), size):
        batch = texts[i : i + size]
        if parts:
            docs, segments = None, segment_batch(batch)
            if batch_analyzer is not None:  # one analysis for the classifier and the sentiment model
                # and, piece by piece, for the comments' parts (model/segments.py)
                analysis = batch_analyzer.analyse(batch, pieces=segments.piece_arrays())
                docs = LazyDocs(analysis, punct=False, surface=getattr(model.features_, "char_surface_", False))
                if analysed is not None:  # read as flat arrays by the sentiment scorer
                    analysed.append(analysis)
            # each sentence / clause of a long comment is scored too (model/segments.py)
            result = combined_proba(model, batch, matcher=parts.matcher, with_evidence=with_evidence,
                                    top_k=EXPLAIN_TOP_K, docs=docs, segments=segments)
            proba, explained = result if with_evidence else (result, [])
            evidence.extend(explained)
        elif with_evidence:
            proba, explained = model.predict_proba_and_explain(batch, top_k=EXPLAIN_TOP_K, **model_terms(model))
            evidence.extend(explained)
        else:
            proba = model.predict_proba(batch)
        probas.append(np.asarray(proba, dtype=float))
    proba = probas[0] if len(probas) == 1 else np.vstack(probas)
    return (proba, evidence) if with_evidence else proba


def _batch_analyzer(model: Any):
    """The shared batch analyzer of a model that analyses with a ``TextAnalyzer``, else None."""
    from feedback_classifier.lang.batch import batch_analyzer_for

    if not hasattr(model, "_proba_of_docs"):
        return None
    return batch_analyzer_for(getattr(model, "analyzer_", None))


def _sentiment_reads_analysis(model: Any) -> bool:
    """Whether the sentiment model takes the comments as the classifier's batch analysis gives
    them (its analyzer is the classifier's keeping punctuation) instead of analysing again."""
    from feedback_classifier.lang.batch import batch_analyzer_for
    from feedback_classifier.model.tones import sentiment_model_of

    sentiment = sentiment_model_of(model)
    if not hasattr(sentiment, "predict_pairs_analysed") or getattr(sentiment, "analyzer", None) is not None:
        return False
    own = sentiment._analyzer()
    shared = batch_analyzer_for(own)
    return own.keep_punct and shared is not None and shared is _batch_analyzer(model)


def _decide(model: Any, proba: np.ndarray) -> np.ndarray:
    """0/1 decisions from probabilities without analysing the texts a second time.

    Uses the model's own rule (``predict_from_proba``) when it exposes one, so the output
    always matches ``model.predict``; otherwise thresholds plus child => parent.
    """
    rule = getattr(model, "predict_from_proba", None)
    if rule is not None:
        return np.asarray(rule(proba), dtype=bool)
    fired = proba >= np.asarray(model.thresholds_, dtype=float)
    parents_idx = _parent_indices(list(model.classes_))
    for j, p in enumerate(parents_idx):
        if p != j:
            fired[:, p] |= fired[:, j]
    return fired


def _parent_indices(classes: list) -> list[int]:
    """Index of each class's parent class (itself for parents)."""
    position = {label: i for i, label in enumerate(classes)}
    return [position.get((parent, None), i) for i, (parent, _child) in enumerate(classes)]


def _unique_rows(fired: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if fired.shape[0] == 0:
        return np.zeros((0, fired.shape[1]), dtype=bool), np.zeros(0, dtype=np.int64)
    packed = np.packbits(fired, axis=1)
    keys = np.ascontiguousarray(packed).view(np.dtype((np.void, packed.shape[1]))).ravel()
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    return fired[first], inverse.ravel()


def _collapse(labels: list) -> list:
    """Drop a parent when one of its children is listed: ``Delivery > Courier`` already says Delivery."""
    with_child = {p for p, c in labels if c is not None}
    return [(p, c) for p, c in labels if c is not None or p not in with_child]


def _format(taxonomy: Any, labels: list, lang: str) -> str:
    return taxonomy.format_labels(labels, lang=lang) if labels else ""


def _tones(model, uniques: list[str], pattern_labels: list, pattern_of: np.ndarray, opts: _Options, analysed=None):
    """Sentiment of the distinct comments' predicted categories (in the order of ``categories``):
    comment ``i``'s are ``pattern_labels[pattern_of[i]]``; ``analysed``: the classifier's batch
    analyses of the comments (``lang.batch.Analysed``, in order), when at hand."""
    from feedback_classifier.model.tones import pattern_tones, sentiment_model_of

    return pattern_tones(sentiment_model_of(model), model.taxonomy_, uniques, pattern_labels, pattern_of,
                         lang=opts.lang, explain=opts.explain, batches=analysed)


def _spread_tones(tones, codes, is_comment) -> dict:
    from feedback_classifier.model.tones import spread_tones

    return spread_tones(tones, codes, is_comment)


def _sentiment_of_given(frame: pd.DataFrame, model: Any, opts: _Options) -> _ChunkResult:
    """The work for one chunk when the categories are given (``opts.given_col``): only the
    sentiment columns, each category's polarity in the cell's order; nothing is predicted.
    An unknown category raises ``LabelError`` naming its 1-based data row."""
    texts = frame[opts.text_col].to_numpy(dtype=object)
    cells = frame[opts.given_col].to_numpy(dtype=object)
    taxonomy = model.taxonomy_
    rows = _row_numbers(frame.index)
    labels = [
        taxonomy.parse_labels(cell, row=row, column=opts.given_col) if _is_comment(text) else []
        for text, cell, row in zip(texts, cells, rows)
    ]
    is_comment = np.fromiter((_is_comment(v) for v in texts), dtype=bool, count=len(texts))
    keys = [(t, tuple(labs)) for t, labs, ok in zip(texts, labels, is_comment) if ok]
    codes, uniques = pd.factorize(pd.Series(keys, dtype=object)) if keys else (np.zeros(0, np.int64), [])
    uniques = list(uniques)
    from feedback_classifier.model.tones import comment_tones, sentiment_model_of

    tones = comment_tones(sentiment_model_of(model), taxonomy, [comment_as_read(u[0]) for u in uniques],
                          [list(u[1]) for u in uniques], lang=opts.lang)
    position = {label: j for j, label in enumerate(model.classes_)}
    counts = np.zeros(len(model.classes_), dtype=np.int64)
    for labs in labels:
        for lab in labs:
            if lab in position:
                counts[position[lab]] += 1
    return _ChunkResult(
        added=pd.DataFrame(_spread_tones(tones, np.asarray(codes), is_comment)),
        label_counts=counts,
        rows_with_categories=sum(1 for labs in labels if labs),
        needs_review=0,
        empty_comments=int(len(texts) - is_comment.sum()),
    )


def _row_numbers(index: pd.Index) -> list:
    """1-based data row numbers of a chunk read by ``iter_table`` (its index counts rows from 0)."""
    if pd.api.types.is_integer_dtype(index):
        return [int(i) + 1 for i in index]
    return list(range(1, len(index) + 1))
