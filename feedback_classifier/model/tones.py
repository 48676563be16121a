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
    ``explain`` the evidence suffix of each label (`` (negative: late, but)``)."""

    cells: list[str]
    overall: list[str]
    cues: list[dict] = field(default_factory=list)


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
    ``analysed``: each comment as the sentiment model's analyzer reads it (``enrich`` has it from
    the classifier's analysis), so the comments are not analysed again.

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
    from feedback_classifier.model.sentiment import overall_polarity

    # one batch for every pair of the chunk (a comment without labels is judged whole: None)
    asked = [list(labs) if labs else [None] for labs in labels]
    if analysed is not None:
        polarity = sentiment.predict_pairs_analysed(analysed, asked)
    else:
        polarity = sentiment.predict_pairs(uniques, asked)
    per_comment = [list(zip(labs, pols)) for labs, pols in zip(asked, polarity)]
    cells, overall, cues = [], [], []
    for i, pairs in enumerate(per_comment):
        judged = [(lab, pol) for lab, pol in pairs if lab is not None]
        cells.append("; ".join(f"{taxonomy.display_name(lab, lang)}={pol}" for lab, pol in judged))
        overall.append(overall_polarity([pol for _, pol in judged]) if judged else pairs[0][1])
        if explain:
            cues.append({lab: _cue_text(sentiment, uniques[i], lab, pol) for lab, pol in judged})
    return Tones(cells, overall, cues)


def _cue_text(sentiment, text: str, label, polarity: str) -> str:
    words = sentiment.cues(text, label, polarity)
    return f" ({polarity}: {', '.join(words)})" if words else f" ({polarity})"


def spread_tones(tones: Tones | None, codes: np.ndarray, is_comment: np.ndarray) -> dict[str, Any]:
    """The two columns for every row of the chunk (empty for rows without a comment)."""
    if tones is None:
        return {}
    n = len(is_comment)
    out = {}
    for name, values in ((CATEGORY_SENTIMENT_COLUMN, tones.cells), (SENTIMENT_COLUMN, tones.overall)):
        lookup = np.array(list(values) + [""], dtype=object)
        row = np.full(n, len(values), dtype=np.int64)
        row[is_comment] = codes
        out[name] = pd.array(lookup[row], dtype="str")
    return out
