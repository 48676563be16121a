"""The first rows of a streamed file, where the language and the date column are decided.

Every command decides the comments' language the same way, on the rows holding the first
2,000 comments (``lang.majority_language``), so the same data gets the same category names
from classify, analyze, route and report whatever the chunk size.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np
import pandas as pd

HEAD_COMMENTS = 2000  # language and date column are decided on the rows holding the first 2,000 comments


def read_head(chunks: Iterator[pd.DataFrame], text_col: str) -> tuple[list[pd.DataFrame], Iterator[pd.DataFrame]]:
    """The first chunks, up to the one holding the 2,000th comment (or the whole file)."""
    head: list[pd.DataFrame] = []
    seen = 0
    for chunk in chunks:
        head.append(chunk)
        if text_col in chunk.columns:
            seen += int((chunk[text_col].astype("string").fillna("").str.strip() != "").sum())
        else:
            break  # the missing column is reported by the caller
        if seen >= HEAD_COMMENTS:
            break
    return head, chunks


def head_rows(df: pd.DataFrame, text_col: str) -> pd.DataFrame:
    """The rows up to the 2,000th comment: the same rows whatever the chunk size."""
    has = (df[text_col].astype("string").fillna("").str.strip() != "").to_numpy()
    positions = np.flatnonzero(has)
    if len(positions) >= HEAD_COMMENTS:
        return df.iloc[: positions[HEAD_COMMENTS - 1] + 1]
    return df


def chain(head: list[pd.DataFrame], rest: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    while head:
        yield head.pop(0)  # let go of each head chunk once it is processed
    yield from rest


def head_language(head: list[pd.DataFrame], text_col: str) -> str:
    """The majority language of the first 2,000 comments of ``head`` (see :func:`read_head`).

    >>> head_language([pd.DataFrame({"c": ["Курьер опоздал", "Всё хорошо", "Fine"]})], "c")
    'ru'
    """
    from feedback_classifier.lang import majority_language

    first = head_rows(pd.concat(head, ignore_index=True) if len(head) > 1 else head[0], text_col)
    return majority_language(first[text_col])
