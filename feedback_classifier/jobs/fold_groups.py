"""What ``train``'s cross-validation folds hold: fewer folds than asked, an id column it should group by, repeated rows."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

#: words of a column name that say its value names who or what wrote several rows
_ID_WORDS = {"id", "ids", "review", "customer", "respondent", "response", "user", "client", "session", "ticket",
             "conversation", "thread", "account", "author"}


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
        # 3 or more ids: a column of two survey waves or two sites is no review id to fold by
        if len(counts) >= 3 and shared >= max(2, 0.1 * len(frame)):
            return (f"Warning: '{col}' repeats its ids ({shared:,} of {len(frame):,} rows share theirs with another "
                    "row); without --group-col the cross-validation puts rows of one id in both the training and "
                    "the scored folds, so its figures are optimistic for new ones. If those rows belong together "
                    f"(one review, one customer), pass --group-col {col}.")
    return None


def repeated_rows(frame: pd.DataFrame | None) -> tuple[int, int, int] | None:
    """``(repeats, first_row, its_copy_row)`` (1-based file rows) of the rows equal to an earlier row
    in every column, as an export appended twice or overlapping exports joined make them; None when none.

    >>> repeated_rows(pd.DataFrame({"text": ["a", "b", "a", "a"], "labels": ["X", "Y", "X", "X"]}))
    (2, 1, 3)
    >>> repeated_rows(pd.DataFrame({"id": [1, 2], "text": ["a", "a"]})) is None
    True
    """
    if frame is None or not len(frame):
        return None
    cells = frame.astype(str)
    copies = cells.duplicated(keep="first")
    if not copies.any():
        return None
    at = int(copies.to_numpy().argmax())
    first = int((cells == cells.iloc[at]).all(axis=1).to_numpy().argmax())
    row = (lambda k: int(frame.index[k]) + 1) if pd.api.types.is_integer_dtype(frame.index) else (lambda k: k + 1)
    return int(copies.sum()), row(first), row(at)


def repeated_rows_note(frame: pd.DataFrame | None, data, scored: str) -> str | None:
    """A ``Warning:`` line naming rows that repeat an earlier row in every column: ``scored`` says what
    the copies do to the figures (``train``: a fold learns one copy and scores the other; ``evaluate``:
    each counts again). A file joined from overlapping exports had no word said of it."""
    found = repeated_rows(frame)
    if found is None:
        return None
    n, first, copy = found
    rows = f"{n:,} rows repeat" if n > 1 else "1 row repeats"
    return (f"Warning: {data}: {rows} an earlier row in every column (first: row {copy}, a copy of row {first}); "
            f"{scored}. If the file was joined from overlapping exports, keep one copy of each row.")


def fold_note(used: int, asked: int, group_col: str | None) -> str | None:
    """What to tell the user when grouped cross-validation fits fewer folds than asked (a
    group never spans folds, so there are at most as many folds as groups); ``None`` otherwise.

    >>> fold_note(3, 5, "review")
    "Only 3 distinct values in 'review': 3 folds instead of 5 (a group's rows stay in one fold)."
    """
    if used >= asked:
        return None
    if not group_col:  # --cv 50 for --cv 5 on 300 rows silently fitted 300 one-row folds
        return f"Only {used} rows: {used} folds of one row each instead of {asked}."
    return (f"Only {used} distinct values in '{group_col}': {used} folds instead of {asked} "
            "(a group's rows stay in one fold).")


def fold_groups(texts: list, groups):
    """The groups ``train``'s cross-validation folds keep together: ``groups`` (``--group-col``) when
    given, else the rows of one comment, so that no fold is scored on a comment it was trained on
    (``None`` when no comment repeats, or when all do: plain shuffled folds, as before). Only the
    measurement's folds: the model's own calibration folds are left as they were.

    >>> fold_groups(["Too slow", "too  slow", "fine"], None).tolist()
    [0, 0, 1]
    >>> fold_groups(["a", "b"], None) is None
    True
    """
    if groups is not None:
        return groups
    keys = [" ".join(str(t).split()).casefold() for t in texts]
    first: dict = {}
    ids = [first.setdefault(k, len(first)) for k in keys]
    return None if len(first) in (len(keys), 1) else np.asarray(ids)


def repeats_note(texts: list, groups, cv: int) -> list[str]:
    """What ``train`` says when ``fold_groups`` kept copies of a comment in one fold: 214 of 420 rows
    of a SaaS labels file repeated another row's comment word for word and, scored on copies of the
    comments they were trained on, the folds said micro-F1 0.989 (0.904 with copies kept together, case and spacing ignored)."""
    if groups is not None or cv < 2:
        return []
    kept = fold_groups(texts, None)
    if kept is None:
        return []
    distinct = len(set(kept.tolist()))
    folds = f"; {distinct} folds instead of {cv}" if distinct < cv else ""
    return [f"{len(texts) - distinct:,} of {len(texts):,} rows repeat another row's comment: the cross-validation "
            f"keeps each comment's rows in one fold (scored on copies of comments they were trained on, the folds "
            f"would overstate the model){folds}. --group-col sets the folds' groups instead."]


def fold_notes(report, cv: int, group_col: str | None, table, used: list) -> list[str]:
    """``train``'s notes on its folds (``report`` the cross-validation's, None without one): fewer than
    asked, an id column left ungrouped (``used``: the values of the training settings, the columns
    ``train`` reads among them, which are no candidates), copies of a comment kept in one fold."""
    if report is None:
        return []
    repeats = repeats_note(table.texts, table.groups, cv)
    folds = report.extra["cv_folds"]
    # without --group-col, fewer folds than rows come from copies kept together, which repeats_note says
    fewer = None if not group_col and report.n_rows > folds else fold_note(folds, cv, group_col)
    notes = [fewer, None if group_col else ungrouped_note(table.frame, used)]
    return [note for note in notes if note] + repeats
