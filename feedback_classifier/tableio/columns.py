"""Checking that a table has the columns a command needs, with a "did you mean" hint."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

import pandas as pd

from feedback_classifier.errors import MissingColumnError

__all__ = ["require_columns"]


def require_columns(df_or_columns: pd.DataFrame | Iterable, needed: str | Iterable[str], *, source: Any) -> None:
    """Raise :class:`MissingColumnError` unless every column in ``needed`` exists.

    The message names the missing column, lists the columns the file has and
    suggests the closest name (case and spacing differences first).

    >>> require_columns(["id", "Comment"], "comment", source="survey.csv")
    Traceback (most recent call last):
    ...
    feedback_classifier.errors.MissingColumnError: survey.csv: no column 'comment'; the file has columns: 'id', 'Comment'. Did you mean 'Comment'?
    >>> require_columns(pd.DataFrame(columns=["id", "nps"]), ["id", "nps"], source="x.csv")
    """
    columns = list(df_or_columns.columns) if isinstance(df_or_columns, pd.DataFrame) else list(df_or_columns)
    wanted = [needed] if isinstance(needed, str) else list(needed)
    present = set(columns)
    src = str(source) if source is not None else "the table"
    for name in wanted:
        if name in present:
            continue
        names = [str(c) for c in columns]
        listed = ", ".join(repr(n) for n in names[:40])
        if len(names) > 40:
            listed += f", ... ({len(names) - 40} more)"
        if not names:
            listed = "(none)"
        suggestion = _closest(str(name), names)
        hint = f" Did you mean {suggestion!r}?" if suggestion else ""
        raise MissingColumnError(f"{src}: no column {name!r}; the file has columns: {listed}.{hint}")


def _closest(name: str, names: list[str]) -> str | None:
    key = name.casefold().strip()
    for n in names:
        if n.casefold().strip() == key:
            return n
    folded = {n.casefold().strip(): n for n in names}
    close = difflib.get_close_matches(key, list(folded), n=1, cutoff=0.6)
    return folded[close[0]] if close else None
