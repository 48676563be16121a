"""The sentiment columns of ``enrich``: each category's polarity and the comment's overall one.

Kept apart from ``enrichment.py`` (which decides categories) so either can change alone;
``enrich`` calls ``comment_tones`` once per chunk on its distinct comments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

CATEGORY_SENTIMENT_COLUMN = "category_sentiment"
SENTIMENT_COLUMN = "sentiment"


@dataclass
class Tones:
    """Per distinct comment: ``category_sentiment`` cell, overall ``sentiment``, and with
    ``explain`` the evidence suffix of each label (`` (negative: late, but)``). A chunk repeats
    a few hundred distinct (cell, overall) values: they are kept once each (``cell_values``,
    ``overall_values``) with each comment's index into them (``index``), and columns of
    rows are spread from them (``spread_tones``) without a string per row.

    >>> t = Tones(["a=negative", ""], ["negative", "positive"], np.array([1, 0, 0]))
    >>> t.cells, t.overall
    (['', 'a=negative', 'a=negative'], ['positive', 'negative', 'negative'])
    """

    cell_values: list[str]
    overall_values: list[str]
    index: np.ndarray
    cues: list[dict] = field(default_factory=list)

    @property
    def cells(self) -> list[str]:
        """The ``category_sentiment`` cell of each distinct comment."""
        return np.array(self.cell_values, dtype=object)[self.index].tolist()

    @property
    def overall(self) -> list[str]:
        """The overall ``sentiment`` of each distinct comment."""
        return np.array(self.overall_values, dtype=object)[self.index].tolist()


def sentiment_model_of(model: Any):
    """The model's own sentiment model (``train --sentiment-col``), else the bundled one.

    >>> type(sentiment_model_of(object())).__name__
    'AspectSentiment'
    """
    own = getattr(model, "sentiment_", None)
    if own is not None:
        return own
    from feedback_classifier.model.default_sentiment import default_sentiment_model

    return default_sentiment_model()


def comment_tones(sentiment, taxonomy, uniques: list[str], labels: list[list], *, lang: str = "en",
                  explain: bool = False, analysed: list | None = None) -> Tones:
    """Polarity of every (comment, label) pair in ``labels`` (one list per comment, in the
    order to write) and of each comment overall; a comment without labels is judged whole.
    ``analysed``: the comments' analyses when the caller already has them (what
    ``AspectSentiment.predict_pairs_analysed`` takes), so they are not analysed again.

    >>> from feedback_classifier.taxonomy import load_taxonomy
    >>> from feedback_classifier.model.default_sentiment import default_sentiment_model
    >>> t = comment_tones(default_sentiment_model(), load_taxonomy("cx-default"),
    ...                   ["Fast delivery but the box was crushed", "great"],
    ...                   [[("delivery", "delivery_time"), ("delivery", "packaging")], []])
    >>> t.cells
    ['Delivery and logistics > Delivery time=positive; Delivery and logistics > Packaging=negative', '']
    >>> t.overall
    ['mixed', 'positive']
    """
    index: dict[tuple, int] = {}
    pattern_of = np.fromiter((index.setdefault(tuple(labs), len(index)) for labs in labels), dtype=np.int64,
                             count=len(labels))
    return pattern_tones(sentiment, taxonomy, uniques, [list(p) for p in index], pattern_of, lang=lang,
                         explain=explain, analysed=analysed)


def pattern_tones(sentiment, taxonomy, uniques: list[str], patterns: list[list], pattern_of: np.ndarray, *,
                  lang: str = "en", explain: bool = False, analysed: list | None = None, batches: list | None = None
                  ) -> Tones:
    """``comment_tones`` with comment ``i``'s labels given as ``patterns[pattern_of[i]]``
    (what ``enrich`` has: a chunk repeats a few hundred category patterns, so labels and
    cells are handled per pattern). ``batches``: the classifier's batch analyses of the
    comments in order (``lang.batch.Analysed``), read as flat arrays.

    >>> from feedback_classifier.taxonomy import load_taxonomy
    >>> from feedback_classifier.model.default_sentiment import default_sentiment_model
    >>> t = pattern_tones(default_sentiment_model(), load_taxonomy("cx-default"), ["Slow delivery", "great", "N/A"],
    ...                   [[("delivery", "delivery_time")], []], np.array([0, 1, 1]))
    >>> t.cells, t.overall
    (['Delivery and logistics > Delivery time=negative', '', ''], ['negative', 'positive', 'neutral'])
    """
    # a comment without labels is judged whole (None)
    asked = [list(labs) if len(labs) else [None] for labs in patterns]
    pattern_of = np.asarray(pattern_of, dtype=np.int64)
    # (the texts: a model that also reads the comments with e5 needs them, model/sentence_tone.py)
    if batches is not None:
        codes, sizes = sentiment.pattern_polarities(batches, asked, pattern_of, batches=True, texts=uniques)
    elif analysed is not None:
        codes, sizes = sentiment.pattern_polarities(analysed, asked, pattern_of, texts=uniques)
    elif _batch_analyzer(sentiment) is not None:  # analysed as a batch: flat arrays, same tokens
        batcher = _batch_analyzer(sentiment)
        batches = [batcher.analyse(uniques[i:i + _BATCH]) for i in range(0, len(uniques), _BATCH)]
        codes, sizes = sentiment.pattern_polarities(batches, asked, pattern_of, batches=True, texts=uniques)
    else:
        docs, owner = sentiment._analyse_distinct(uniques)
        codes, sizes = sentiment.pattern_polarities(docs, asked, pattern_of, analysis_of=owner, texts=uniques)
    quiet = _no_opinion(uniques, sizes)
    if quiet is not None:
        from feedback_classifier.model.sentiment import POLARITIES

        codes = np.where(quiet, POLARITIES.index("neutral"), codes)
    codes = _rated(uniques, sizes, _emoji_toned(uniques, sizes, codes))
    cells, overall, index = _cells(taxonomy, lang, asked, pattern_of, codes, sizes)
    cues = _cues(sentiment, uniques, asked, pattern_of, codes, sizes, analysed, batches) if explain else []
    return Tones(cells, overall, index, cues)


def _no_opinion(uniques: list[str], sizes: np.ndarray) -> np.ndarray | None:
    """Per pair, whether its comment states no opinion (``lang.junk.is_no_opinion``: "n/a",
    "nothing", "-", "нечего сказать"), or None when no comment does. The sentiment model never
    learned that such answers are neutral ("ok", "нет" read as complaints); a rule on the
    text holds whatever model and analysis path scored them, and costs no accuracy on
    comments that do state an opinion (benchmarks/no_opinion.py). So is an answer that only names a
    topic ("price", «доставка»: ``lang.bare_topics``), which the model gave its word's lean."""
    from feedback_classifier.lang.bare_topics import bare_topic_mask
    from feedback_classifier.lang.junk import no_opinion_mask

    quiet = np.fromiter(no_opinion_mask(uniques), dtype=bool, count=len(uniques))
    quiet |= np.fromiter(bare_topic_mask(uniques), dtype=bool, count=len(uniques))
    if not quiet.any():
        return None
    return np.repeat(quiet, sizes)


def _rated(uniques: list[str], sizes: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """``codes`` with each answer that is only a score ("10/10", "5 stars", «2 из 10», "+": ``lang.junk.rating_answer``)
    given the polarity of its score: the sentiment model read "10/10", "5 stars" and "+" as complaints."""
    from feedback_classifier.lang.junk import rating_answer

    shares = [rating_answer(t) if t[:1].isdigit() or t[:1] in "⭐+" else None for t in uniques]
    # a 5-point scale's 4 and 5, a 10-point one's 8-10 are praise; 1-2 and 0-5 complaints (as CSAT's boxes)
    return _overridden(codes, sizes, [None if share is None else "positive" if share >= 0.8
                                      else "negative" if share <= 0.5 else "neutral" for share in shares])


def _emoji_toned(uniques: list[str], sizes: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """``codes`` with each answer of emoji alone given their tone (``lang.emoji_answers``): the
    sentiment model read the emoji its lexicon lacks by its prior ("🔥🔥", "🙏", "✅" were complaints)."""
    from feedback_classifier.lang.emoji_answers import emoji_answer_polarity

    # a written answer starts with a letter: only the others are asked (no regex on most)
    return _overridden(codes, sizes, [None if t[:1].isalpha() else emoji_answer_polarity(t) for t in uniques])


def _overridden(codes: np.ndarray, sizes: np.ndarray, polarities: list) -> np.ndarray:
    """``codes`` (per pair) with each comment's pairs set to its polarity in ``polarities`` (one per
    distinct comment, None: the model's codes kept)."""
    from feedback_classifier.model.sentiment import POLARITIES

    if all(polarity is None for polarity in polarities):
        return codes
    fixed = np.array([-1 if polarity is None else POLARITIES.index(polarity) for polarity in polarities], dtype=np.int64)
    fixed = np.repeat(fixed, sizes)
    return np.where(fixed >= 0, fixed, codes)


# Comments per batch analysis when the comments come as texts (bounds the flat arrays' memory).
_BATCH = 8192


def _batch_analyzer(sentiment):
    """The shared ``lang.batch.BatchAnalyzer`` giving exactly what the sentiment model's own
    analyzer gives (``analyze_with_surface``, punctuation kept), or None for another analyzer."""
    from feedback_classifier.lang import TextAnalyzer
    from feedback_classifier.lang.batch import batch_analyzer_for

    own = sentiment._analyzer()
    if type(own) is not TextAnalyzer or not own.keep_punct:
        return None
    return batch_analyzer_for(own)


def _cues(sentiment, uniques, asked, pattern_of, codes, sizes, analysed, batches) -> list[dict]:
    """Per comment, ``{label: evidence suffix}`` (``explain``)."""
    from feedback_classifier.model.sentiment import POLARITIES

    names = np.array(POLARITIES, dtype=object)[codes].tolist()
    ends = np.cumsum(sizes).tolist()
    docs = _BatchDocs(batches) if batches is not None else analysed
    analyser = sentiment._analyzer()
    analyse = getattr(analyser, "analyze_with_surface", analyser)
    out = []
    for i, (p, end, size) in enumerate(zip(pattern_of.tolist(), ends, sizes.tolist())):
        labs = asked[p]
        if labs[0] is None:  # judged whole: no label to explain
            out.append({})
            continue
        tokens = docs[i] if docs is not None else analyse(uniques[i])  # once per comment
        out.append({lab: _cue_text(sentiment, uniques[i], lab, pol, tokens)
                    for lab, pol in zip(labs, names[end - size:end]) if lab is not None})
    return out


class _BatchDocs:
    """Comment ``i``'s analysis (``Tokens`` with punctuation) out of a list of batch analyses."""

    def __init__(self, batches: list):
        self.batches = batches
        self.ends = np.cumsum([a.n_docs for a in batches])

    def __getitem__(self, i: int):
        b = int(np.searchsorted(self.ends, i, side="right"))
        first = int(self.ends[b - 1]) if b else 0
        return self.batches[b].doc(i - first, punct=True)


def _cells(taxonomy, lang: str, asked: list[list], pattern_of: np.ndarray, codes: np.ndarray, sizes: np.ndarray
           ) -> tuple[list[str], list[str], np.ndarray]:
    """``(cells, overall polarities, each comment's index into them)``: the ``category_sentiment``
    cell and overall polarity are built once per distinct (category pattern, polarities) key:
    a chunk repeats a few hundred of them."""
    from feedback_classifier.model.sentiment import POLARITIES, overall_polarity

    if len(pattern_of) == 0:
        return [], [], np.zeros(0, dtype=np.int64)
    combos, inverse = _distinct_keys(asked, pattern_of, codes, sizes)
    names: dict = {}
    cells, overall = [], []
    for p, pols in combos:
        judged = [(lab, POLARITIES[c]) for lab, c in zip(asked[p], pols) if lab is not None]
        for lab, _ in judged:
            if lab not in names:
                names[lab] = taxonomy.display_name(lab, lang)
        cells.append("; ".join(f"{names[lab]}={pol}" for lab, pol in judged))
        overall.append(overall_polarity([pol for _, pol in judged]) if judged else POLARITIES[pols[0]])
    return cells, overall, inverse


def _distinct_keys(asked: list[list], pattern_of: np.ndarray, codes: np.ndarray, sizes: np.ndarray):
    """``([(pattern, polarity codes), ...], each comment's index in that list)``. The key is
    one integer, the pattern then the codes in base 3, computed in numpy; tuples when a
    comment has too many pairs for an int64."""
    width = int(sizes.max())
    starts = np.cumsum(sizes) - sizes
    if width > 36 or len(asked) * 3.0 ** width >= 2.0 ** 62:
        ends = (starts + sizes).tolist()
        keys = [(p, *codes[e - k:e].tolist()) for p, e, k in zip(pattern_of.tolist(), ends, sizes.tolist())]
        distinct: dict = {}
        inverse = np.array([distinct.setdefault(key, len(distinct)) for key in keys], dtype=np.int64)
        return [(key[0], list(key[1:])) for key in distinct], inverse
    span = 3 ** width
    place = np.arange(len(codes)) - np.repeat(starts, sizes)  # each pair's place in its comment
    code = np.add.reduceat(codes.astype(np.int64) * 3 ** place, starts)
    uniq, inverse = np.unique(pattern_of * span + code, return_inverse=True)
    combos = []
    for key in uniq.tolist():
        p, code = divmod(key, span)
        combos.append((p, [code // 3 ** j % 3 for j in range(len(asked[p]))]))
    return combos, np.asarray(inverse).ravel()


def _cue_text(sentiment, text: str, label, polarity: str, analysed=None) -> str:
    words = sentiment.cues(text, label, polarity, analysed=analysed)
    return f" ({polarity}: {', '.join(words)})" if words else f" ({polarity})"


def spread_tones(tones: Tones | None, codes: np.ndarray, is_comment: np.ndarray) -> dict[str, Any]:
    """The two columns for every row of the chunk (empty for rows without a comment): each
    distinct value converted to a string column once, then taken per row (a string per
    row cost ~0.6 us a column).

    >>> t = Tones(["a=negative"], ["negative"], np.array([0]))
    >>> {k: v.tolist() for k, v in spread_tones(t, np.array([0]), np.array([False, True])).items()}
    {'category_sentiment': ['', 'a=negative'], 'sentiment': ['', 'negative']}
    """
    if tones is None:
        return {}
    n = len(is_comment)
    out = {}
    for name, values in ((CATEGORY_SENTIMENT_COLUMN, tones.cell_values), (SENTIMENT_COLUMN, tones.overall_values)):
        row = np.full(n, len(values), dtype=np.int64)
        row[is_comment] = tones.index[codes]
        out[name] = pd.array(list(values) + [""], dtype="str").take(row)
    return out
