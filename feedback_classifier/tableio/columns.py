"""Checking that a table has the columns a command needs, with a "did you mean" hint."""

from __future__ import annotations

import re

import difflib
from collections.abc import Iterable
from typing import Any

import pandas as pd

from feedback_classifier.errors import InputFileError, MissingColumnError

__all__ = ["require_columns", "require_distinct_roles", "resolve_column"]


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
    if isinstance(df_or_columns, pd.DataFrame):
        for name in wanted:
            check_formulas(df_or_columns, name, src)
    if not columns and wanted:
        raise MissingColumnError(
            f"{src}: no column {wanted[0]!r}: the file is empty (no header line, no rows); "
            "export the survey again, or check the path"
        )
    for name in wanted:
        if name in present:
            if not isinstance(df_or_columns, pd.DataFrame) or df_or_columns.columns.is_unique:
                continue
            if columns.count(name) > 1:  # df[name] is then a DataFrame: pandas' own errors
                raise InputFileError(
                    f"{src}: more than one column is named {name!r}; rename the copies (df.columns = [...]) so "
                    "that one column has that name"
                )
            continue
        names = [str(c) for c in columns]
        listed = ", ".join(repr(n) for n in names[:40])
        if len(names) > 40:
            listed += f", ... ({len(names) - 40} more)"
        suggestion = _closest(str(name), names)
        hint = f" Did you mean {suggestion!r}?" if suggestion else ""
        if isinstance(df_or_columns, pd.DataFrame):
            hint += _names_below_hint(df_or_columns, str(name))
        hint += _sheet_hint(source, str(name))
        raise MissingColumnError(f"{src}: no column {name!r}; the file has columns: {listed}.{hint}")


def _names_below_hint(df: pd.DataFrame, name: str, rows: int = 5) -> str:
    """Where the first rows hold ``name`` as a cell: the column names are lower down, under a
    title or a row of merged group headers (a spreadsheet's first row is read as the names).

    >>> df = pd.DataFrame({"Respondent": ["id", "r1"], "Unnamed: 1": ["comment", "Late"]})
    >>> _names_below_hint(df, "comment")
    " Row 1 under the header holds 'comment': the column names seem to be one row lower, under a title or merged group headers; pass --header-row 2 (library: ReadOptions(header_row=2)), or delete the row above them in the file."
    >>> _names_below_hint(pd.DataFrame({"Report": [None, "Group,,Scores", "id,comment,nps"]}), "comment")[:60]
    " Row 3 under the header holds 'comment': the column names se"
    """
    key = name.casefold().strip()
    for i in range(min(rows, len(df))):
        cells = [v for v in df.iloc[i].tolist() if isinstance(v, str)]
        if len(df.columns) == 1:  # a CSV read as one column under a one-cell title: its lines are whole rows
            cells = [c for v in cells for c in re.split(r"[,;\t|]", v)]
        if any(v.casefold().strip().strip('"') == key for v in cells):
            lower = "one row lower" if i == 0 else f"{i + 1} rows lower"
            above = "the row" if i == 0 else f"the {i + 1} rows"
            # rows counted in the file: the names read now may sit under a title already skipped
            row = int(df.attrs.get("header_row") or 1) + i + 1 + int(df.attrs.get("header_rows_skipped") or 0)
            return (f" Row {i + 1} under the header holds {name!r}: the column names seem to be {lower}, under a "
                    f"title or merged group headers; pass --header-row {row} (library: ReadOptions(header_row={row})), "
                    f"or delete {above} above them in the file.")
    return ""


def _sheet_hint(source: Any, name: str) -> str:
    """Where else a workbook has the column: exports often open with a summary sheet, and the
    first sheet is the one read unless --sheet says otherwise."""
    from pathlib import Path

    from feedback_classifier.tableio.xlsxfile import sheets_with_column

    try:
        path = Path(str(source))
        if path.suffix.lower() not in (".xlsx", ".xlsm") or not path.is_file():
            return ""
        sheets = sheets_with_column(path, name)
    except Exception:  # only a hint: a workbook that cannot be re-read must not hide the error itself
        return ""
    if not sheets:
        return ""
    listed = ", ".join(repr(s) for s in sheets)
    has = f"Sheet {listed} has" if len(sheets) == 1 else f"Sheets {listed} have"
    return f" {has} it: pass --sheet {sheets[0]!r} (library: ReadOptions(sheet=...))."


def _closest(name: str, names: list[str]) -> str | None:
    key = name.casefold().strip()
    for n in names:
        if n.casefold().strip() == key:
            return n
    folded = {n.casefold().strip(): n for n in names}
    close = difflib.get_close_matches(key, list(folded), n=1, cutoff=0.6)
    return folded[close[0]] if close else None


# Why a pair of roles cannot share a column, where the one-line "pick another" needs a reason.
_ROLE_CLASH = {
    frozenset(("--by", "--period-col")): "the trend already follows that column period by period: "
                                         "give --by a segment column such as region",
}


def require_distinct_roles(roles: dict[str, str | None], *, source: Any) -> None:
    """Raise :class:`InputFileError` when two options (``roles``: option -> resolved column,
    None when not given) name the same column.

    Every pair is nonsense or breaks a command: comments as scores or dates, a segment per
    comment or per score value (where the score cannot move), or a segment per raw timestamp
    next to a trend over the same column's periods.

    >>> require_distinct_roles({"--text-col": "comment", "--score-col": "nps", "--by": None}, source="x.csv")
    >>> require_distinct_roles({"--text-col": "nps", "--score-col": "nps"}, source="x.csv")
    Traceback (most recent call last):
    ...
    feedback_classifier.errors.InputFileError: x.csv: --text-col and --score-col both name the column 'nps'; a column can play one of these roles only: pick another for one of them
    """
    seen: dict[str, str] = {}
    for option, column in roles.items():
        if column is None:
            continue
        if column in seen:
            pair = (seen[column], option)
            why = _ROLE_CLASH.get(frozenset(pair), "a column can play one of these roles only: pick another for one "
                                                    "of them")
            src = str(source) if source is not None else "the table"
            raise InputFileError(f"{src}: {pair[0]} and {pair[1]} both name the column {column!r}; {why}")
        seen[column] = option


def _loose(name: str) -> str:
    """A column name or question text as matched: case, runs of spaces or line breaks and ё/е aside
    (Russian writers and keyboards drop the dots of ё: «Отзыв о приёме» typed as «Отзыв о приеме»).

    >>> _loose("Отзыв о  ПРИЁМЕ ") == _loose("отзыв о приеме")
    True
    """
    return " ".join(name.casefold().replace("ё", "е").split())


def argv_text(name: Any) -> Any:
    """``name`` as typed, when it came from the command line under an ASCII locale (``LC_ALL=C
    PYTHONUTF8=0``): Python then hands over each UTF-8 byte of ``--text-col комментарий`` as a
    surrogate, and no Cyrillic column matched. Names without such bytes are returned as they are.

    >>> argv_text("отзыв".encode().decode("ascii", "surrogateescape")), argv_text("comment")
    ('отзыв', 'comment')
    """
    if not isinstance(name, str) or not any("\udc80" <= ch <= "\udcff" for ch in name):
        return name
    try:
        return name.encode("utf-8", "surrogateescape").decode("utf-8")
    except UnicodeError:  # bytes that are not UTF-8 either: the name stays as it came
        return name


def resolve_column(df: pd.DataFrame, name: str | None, *, source: Any) -> str | None:
    """The column ``name`` means in ``df``: the column of that name, else the one whose question
    text or Qualtrics question id (kept by the reader in ``df.attrs["column_labels"]``) it is, else the
    one column whose name it is up to case, spaces and ё/е (``comment`` for a header ``Comment  ``; a question
    text's line breaks count as spaces).

    A name the file repeats is an error (the reader had to rename the copies); a name that
    matches nothing is returned as it is, for :func:`require_columns` to report.

    >>> df = pd.DataFrame(columns=["Q1", "Q2"])
    >>> df.attrs["column_labels"] = {"Q2": ("What could we do better?", "QID2_TEXT", "QID2")}
    >>> resolve_column(df, "QID2", source="x.csv"), resolve_column(df, "what could we do better?", source="x.csv")
    ('Q2', 'Q2')
    >>> resolve_column(pd.DataFrame(columns=["Comment  ", "NPS"]), "comment", source="x.csv")
    'Comment  '
    >>> df.attrs["duplicate_columns"] = {"Q1": ["Q1", "Q1.1"]}
    >>> resolve_column(df, "Q1", source="x.csv")
    Traceback (most recent call last):
    ...
    feedback_classifier.errors.MissingColumnError: x.csv: 2 columns are named 'Q1' (read as 'Q1', 'Q1.1'); pass one of those names, or rename the columns in the file so each name is used once
    """
    if name is None:
        return None
    src = str(source) if source is not None else "the table"
    name = argv_text(name)
    if not str(name).strip():
        _refuse_blank_name(df, name, src)
    duplicates = df.attrs.get("duplicate_columns") or {}
    if name in duplicates:
        names = duplicates[name]
        raise MissingColumnError(
            f"{src}: {len(names)} columns are named {name!r} (read as {', '.join(repr(n) for n in names)}); "
            "pass one of those names, or rename the columns in the file so each name is used once"
        )
    if name in df.columns:
        check_formulas(df, name, src)
        return name
    key = _loose(name)
    labels = df.attrs.get("column_labels") or {}
    matches = [col for col, names in labels.items() if any(_loose(n) == key for n in names)]
    if not matches:  # the header as exported ("Comment  ", "NPS"): case and spaces aside, one column
        matches = [col for col in df.columns if isinstance(col, str) and _loose(col) == key]
        matches = matches if len(matches) == 1 else []
    if len(matches) > 1:
        raise MissingColumnError(
            f"{src}: {name!r} is the question of {len(matches)} columns ({', '.join(repr(m) for m in matches)}); "
            "pass one of those column names"
        )
    if matches:
        check_formulas(df, matches[0], src)
        return matches[0]
    if _names_below_hint(df, name):
        require_columns(df, [name], source=source)  # the names are lower down: its error says where
    return name


def _refuse_blank_name(df: pd.DataFrame, name: str, src: str) -> None:
    """An empty column name (``--score-col ''``, a shell variable that was not set) is never a column:
    callers that test ``if score_col`` took it for no column at all and went on without the scores, or
    looked it up later and crashed. A header's unnamed column has a name of the reader's to give instead.

    >>> _refuse_blank_name(pd.DataFrame(columns=["id", "Unnamed: 1"]), "", "x.csv")
    Traceback (most recent call last):
    ...
    feedback_classifier.errors.MissingColumnError: x.csv: a column name given is empty (''); a column with no name in the header is read as 'Unnamed: 1': pass that name
    """
    unnamed = [str(c) for c in df.columns if str(c).startswith("Unnamed: ")]
    hint = (f"a column with no name in the header is read as {unnamed[0]!r}: pass that name" if unnamed else
            "pass one of the file's columns: " + ", ".join(repr(str(c)) for c in list(df.columns)[:20]))
    raise MissingColumnError(f"{src}: a column name given is empty ({name!r}); {hint}")


def check_formulas(df: pd.DataFrame, name: str, source: Any) -> None:
    """Raise :class:`InputFileError` if column ``name`` has XLSX formula cells without a stored
    result (the reader keeps them in ``df.attrs["uncomputed_formulas"]``): a command cannot use
    a value the file does not hold.

    >>> df = pd.DataFrame(columns=["nps"])
    >>> df.attrs.update(sheet="Responses", uncomputed_formulas={"nps": (4, "C2", "=A2*2")})
    >>> check_formulas(df, "nps", "survey.xlsx")
    Traceback (most recent call last):
    ...
    feedback_classifier.errors.InputFileError: survey.xlsx, sheet 'Responses', cell C2, column 'nps': the formula =A2*2 has no stored result (nor have 3 more cells of the column), so its value cannot be read; open and save the file in Excel or LibreOffice so the results are stored, or export to CSV
    """
    found = (df.attrs.get("uncomputed_formulas") or {}).get(name)
    if not found:
        return
    from feedback_classifier.tableio.xlsxformulas import FIX, formulas_topic

    count, ref, formula = found
    more = f" (nor have {count - 1:,} more cells of the column)" if count > 1 else ""
    error = InputFileError(
        f"{source}, sheet {df.attrs.get('sheet')!r}, cell {ref}, column {name!r}: the formula {formula} has no "
        f"stored result{more}, so its value cannot be read; {FIX}"
    )
    error.topic = formulas_topic(source, df.attrs.get("sheet"))
    raise error


def text_columns(df: pd.DataFrame, *, besides: str | None = None, limit: int = 3) -> list[str]:
    """Columns of ``df`` that hold free text (most cells have letters, 15+ characters on average),
    longest first: what to suggest when the chosen text column turns out empty.

    >>> df = pd.DataFrame({"id": ["1", "2"], "q1": ["", ""], "why": ["The courier was late", "Too expensive here"]})
    >>> text_columns(df, besides="q1")
    ['why']
    """
    found = []
    for col in df.columns:
        if col == besides or not (pd.api.types.is_object_dtype(df[col]) or pd.api.types.is_string_dtype(df[col])):
            continue
        cells = df[col].dropna().astype(str).str.strip()
        wordy = cells.str.contains(r"[^\W\d_]", regex=True)
        if len(cells) and wordy.mean() >= 0.5 and cells[wordy].str.len().mean() >= 15:
            found.append((cells[wordy].str.len().mean(), str(col)))
    return [col for _, col in sorted(found, key=lambda t: -t[0])[:limit]]


def empty_text_note(df: pd.DataFrame, text_col: str) -> str:
    """What to tell a user whose text column is empty in every row: the usual cause is the
    wrong ``--text-col``, so name the columns of ``df`` (the first rows) that hold text.

    >>> empty_text_note(pd.DataFrame({"Q1": ["", ""], "Q2": ["The courier was late", "Too expensive here"]}), "Q1")
    "Every row's 'Q1' is empty, so nothing was classified: is --text-col the column with the answers? Columns with text: 'Q2'"
    """
    others = text_columns(df, besides=text_col)
    return (f"Every row's '{text_col}' is empty, so nothing was classified: is --text-col the column with the "
            "answers?" + (" Columns with text: " + ", ".join(repr(c) for c in others) if others else ""))


def header_only_note(source: Any) -> str:
    """What to tell a user whose input has a header and no rows: every output is empty, and a note
    about its scores or comments ("check --score-col") would send them to the wrong fix.

    >>> header_only_note("survey.csv")
    'survey.csv has no data rows (only a header), so every output is empty: export the survey again with its responses.'
    """
    return f"{source} has no data rows (only a header), so every output is empty: export the survey again with its responses."


def warn_header_only(source: Any) -> None:
    """An ``InputWarning`` (``Warning:`` on stderr) for a header with no rows, from a command that still
    writes its outputs, with a header only: an export that came out empty is an upstream failure a
    nightly job must see in its log, and a note among the results was dropped by ``--quiet``."""
    from feedback_classifier.errors import InputWarning, warn

    warn(InputWarning(header_only_note(source)))


def header_only_error(source: Any, nothing: str) -> InputFileError:
    """The error of a command that computes from the rows (train, evaluate, audit, infer) on a header
    with no rows: 'no labels in column labels' sent users to the wrong column.

    >>> str(header_only_error("labels.csv", "nothing to train on"))
    'labels.csv has no data rows (only a header), so there is nothing to train on: export the file again with its rows.'
    """
    return InputFileError(f"{source} has no data rows (only a header), so there is {nothing}: export the file again "
                          "with its rows.")


def warn_replaced(existing: Iterable[Any], written: Iterable[str], *, source: Any, command: str, fix: str = "") -> None:
    """An ``InputWarning`` when an input already has columns ``command`` writes: the output holds
    the new values in them, which would otherwise go unsaid.

    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn_replaced(["id", "confidence"], ["suggested_labels", "confidence"], source="pool.csv", command="suggest")
    >>> print(caught[0].message)
    pool.csv: the input already has column(s) 'confidence', which suggest writes; the output has the new values in them (rename those columns in the input to keep both)
    """
    from feedback_classifier.errors import InputWarning, warn

    clash = [c for c in written if c in set(existing)]
    if clash:
        warn(InputWarning(
            f"{source}: the input already has column(s) {', '.join(map(repr, clash))}, which {command} writes; "
            f"the output has the new values in them (rename those columns in the input to keep both{fix})"))


_ID_NAME = re.compile(r"(^id$|_id$|^id_|\bid\b|\bид\b|\bномер\b|№|идентификатор)", re.IGNORECASE)
#: a phone number is how to reach a customer, not which response it is (and personal data)
_NOT_ID = re.compile(r"телефон|phone", re.IGNORECASE)
#: camelCase ids, case as written: Qualtrics' ``ResponseId``, ``CustomerID`` (not "paid", "valid")
_CAMEL_ID = re.compile(r"[a-z](Id|ID)$")


def id_columns(columns: Iterable, *, exclude: Iterable = ()) -> list:
    """The columns named like a respondent's id (``id``, ``response_id``, ``ID клиента``...), in order:
    what the queues carry when no ``--keep`` says, so that a team can reach the customer.

    >>> id_columns(["response_id", "comment", "Id", "idea", "nps"], exclude=["comment"])
    ['response_id', 'Id']
    >>> id_columns(["ResponseId", "CustomerID", "ИД клиента", "paid", "valid", "Android"])
    ['ResponseId', 'CustomerID', 'ИД клиента']
    >>> id_columns(["Номер", "Номер заказа", "№ анкеты", "Номер телефона", "Номинал", "Оценка NPS"])
    ['Номер', 'Номер заказа', '№ анкеты']
    """
    skip = set(exclude)
    return [c for c in columns if (_ID_NAME.search(str(c)) or _CAMEL_ID.search(str(c)))
            and not _NOT_ID.search(str(c)) and c not in skip]


def keep_columns(keep, columns: Iterable) -> list | None:
    """``--keep`` as columns: each item, or the comma-separated names in it (``"id, region"``), unless
    the item names a column as it is: exports name columns with commas (``Сумма, руб.``), which
    splitting made impossible to keep. One string is one item; None stays None (the default columns).

    >>> keep_columns(["id, region", "Сумма, руб.", "channel"], ["id", "region", "Сумма, руб.", "channel"])
    ['id', 'region', 'Сумма, руб.', 'channel']
    >>> keep_columns("id", ["id"]), keep_columns(None, ["id"])
    (['id'], None)
    """
    if keep is None:
        return None
    names = {str(c) for c in columns}
    items = [keep] if isinstance(keep, str) else list(keep)
    return [part for item in items
            for part in ([item] if str(item) in names or "," not in str(item)
                         else [p.strip() for p in str(item).split(",") if p.strip()])]
