"""Which column of a survey export holds the response dates."""

from __future__ import annotations

import re
from typing import Sequence

import pandas as pd

# Column names that usually hold a response date; values are still checked before use.
_DATE_NAME = re.compile(
    r"(^|_|\b)(date|datetime|time|timestamp|submitted|created|answered|completed|period|day|month|дата|время)",
    re.IGNORECASE,
)
_DATE_VALUE = re.compile(r"^\s*(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}/\d{1,2}/\d{1,2})")


def detect_period_column(df: pd.DataFrame, *, exclude: Sequence[str] = (), sample: int = 500) -> str | None:
    """A column that holds response dates: a date-like name *and* values that read as dates,
    or, failing that, any text column whose values are mostly dates. None when there is none.

    >>> detect_period_column(pd.DataFrame({"id": [1, 2], "submitted_at": ["2024-01-05", "2024-02-11"]}))
    'submitted_at'
    """
    def looks_like_dates(column: str) -> bool:
        values = df[column]
        if pd.api.types.is_datetime64_any_dtype(values.dtype):
            return True
        if pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype):
            return False
        text = values.dropna().astype(str).str.strip()
        text = text[text != ""].head(sample)
        if not len(text):
            return False
        shaped = text.str.match(_DATE_VALUE).mean()
        if shaped < 0.9:
            return False
        parsed = pd.to_datetime(text, errors="coerce", format="mixed", dayfirst=False)
        return bool(parsed.notna().mean() >= 0.9)

    candidates = [c for c in df.columns if c not in set(exclude)]
    named = [c for c in candidates if _DATE_NAME.search(str(c))]
    for column in named + [c for c in candidates if c not in named]:
        try:
            if looks_like_dates(column):
                return column
        except (TypeError, ValueError):
            continue
    return None
