"""Rows around a report's table that are not responses: a title, an export date and blank rows
above the column names, a totals row under the last response.

Spreadsheet reports (Medallia, Anketolog, Excel "Save as CSV" of a formatted report) open with a
title in one cell and a blank row or two before the header. Read as it is, the title becomes the
only column name and every real column a nameless one (a CSV cannot even be parsed: its title
line has one field, its rows many). So leading rows that are blank or hold one cell are skipped
when a row with at least ``_MIN_HEADER`` named cells follows within ``_MAX_LEAD`` rows, and an
``InputWarning`` says which row the names were read from and what was above them. Leading blank
rows alone are always skipped: a blank row is never a header. The last row with values whose first
cell says "Total" («Итого») and whose other cells are all numbers is skipped with a warning too.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Iterator, Sequence
from typing import Any

from feedback_classifier.errors import InputWarning, warn

__all__ = ["LOOK_ROWS", "is_totals_row", "lead_rows", "lead_text_lines", "warn_lead", "without_totals",
           "without_totals_frame"]

_MAX_LEAD = 10  # rows above the header looked at: reports have a title and a blank row or two
_MIN_HEADER = 3  # named cells of the row taken as the header under a title (a title has one)
_EVEN_SHARE = 0.9  # of the rows under a header found under a title that have its width
_EVEN_ROWS = 3  # rows of its width under a header whose title has no blank line under it
#: the first rows a reader hands to ``lead_rows``: the header, the row under it and the rows above
LOOK_ROWS = _MAX_LEAD + 2


def _filled(row: Sequence[Any]) -> list[str]:
    return [str(v).strip() for v in row if v is not None and str(v).strip() != ""]


def lead_rows(rows: Sequence[Sequence[Any]]) -> int:
    """How many of the first ``rows`` (cell values) are above the header: 0 for an ordinary table.

    >>> lead_rows([["Feedback export"], [], ["id", "comment", "nps"], ["r1", "late", 3]])
    2
    >>> lead_rows([[None, None], [None, ""], ["id", "comment"], ["r1", "late"]])
    2
    >>> lead_rows([["comment"], ["late"], ["slow", "dear", "bad"], ["ok"]]), lead_rows([["id", "comment", "nps"]])
    (0, 0)
    """
    rows = list(rows[:LOOK_ROWS])
    blank = 0
    while blank < min(len(rows), _MAX_LEAD) and not _filled(rows[blank]):
        blank += 1
    k = blank
    while k < min(len(rows), _MAX_LEAD + 1) and len(_filled(rows[k])) <= 1:
        k += 1
    if k == blank or k >= len(rows):
        return blank  # the first row with cells is the header (a one-column table's too)
    titles = sum(1 for r in rows[blank:k] if _filled(r))
    header, below = len(_filled(rows[k])), (len(_filled(rows[k + 1])) if k + 1 < len(rows) else None)
    # a title is a line or three; a wide row under many one-cell rows is a one-column table's stray
    # value, and a header has rows under it
    if titles > 3 or header < _MIN_HEADER or below is None or below < 2:
        return blank
    return k


def lead_text_lines(text: str, sep: str | None, detect) -> tuple[int, str | None]:
    """(lines above the header of CSV ``text``, the delimiter of the lines from the header on),
    or ``(0, None)``; ``detect`` guesses a delimiter from text (``encoding.detect_separator``)
    when ``sep`` is None.

    >>> from feedback_classifier.tableio.encoding import detect_separator
    >>> lead_text_lines("Анкетолог: опрос\\r\\n\\r\\nid;comment;nps\\r\\n1;долго, дорого;3\\r\\n", None, detect_separator)
    (2, ';')
    >>> lead_text_lines("id,comment\\n1,late\\n", None, detect_separator)
    (0, None)
    >>> lead_text_lines("Отчёт;;\\r\\n;;\\r\\nid;comment;nps\\r\\n1;долго;3\\r\\n", None, detect_separator)
    (2, ';')

    A one-column file of comments whose commas are not quoted is no table under a title:

    >>> lead_text_lines("comment\\nlate, slow, bad\\nno, never, again\\nok\\ntoo dear, sadly\\nfine\\n", None, detect_separator)
    (0, None)
    """
    lines = text.splitlines(keepends=True)[:LOOK_ROWS + 500]  # (the delimiter is told by 500 lines)
    # filled cells, not cells: Excel pads a title row to the table's width ("Отчёт;;;")
    if not lines or len(_filled(_split(lines[0], sep or detect(text)))) >= 2:
        return 0, None  # the first line already has the columns (the usual file): nothing to look for
    for k in range(1, min(_MAX_LEAD, len(lines) - 1) + 1):
        found = sep or detect("".join(lines[k:]))
        if lead_rows([_split(line, found) for line in lines[:LOOK_ROWS]]) != k:
            continue
        # a comment with two unquoted commas under a one-word header looks like a header under a title:
        # a report leaves a blank line under its title, or has many rows as wide as its header
        rows = _even("".join(lines[k:]), found)
        if rows >= _EVEN_ROWS or (rows and any(not _filled(_split(line, found)) for line in lines[:k])):
            return k, found
    return 0, None


def _even(text: str, sep: str, rows: int = 200) -> int:
    """How many rows are under the header of ``text`` when nearly all of them have its number of
    cells, as a table's do (free text with unquoted commas does not), else 0."""
    try:
        parsed = [r for r in itertools.islice(csv.reader(io.StringIO(text), delimiter=sep, quotechar='"', strict=False),
                                              rows + 1) if any(c.strip() for c in r)]
    except csv.Error:
        return 0
    body = parsed[1:-1] if len(parsed) > 2 else parsed[1:]  # (the sample may end inside its last row)
    even = body and sum(len(r) == len(parsed[0]) for r in body) >= _EVEN_SHARE * len(body)
    return len(parsed) - 1 if even else 0


def _split(line: str, sep: str) -> list[str]:
    try:
        return next(csv.reader(io.StringIO(line), delimiter=sep, quotechar='"', strict=False), [])
    except csv.Error:
        return [line]


def warn_lead(path: Any, skipped: Sequence[Sequence[Any]], where: str = "line", sheet: str | None = None,
              above: int = 0) -> None:
    """Say that the ``skipped`` rows above the header were not read as data (``above``: lines before
    them that are not theirs to name, such as Excel's ``sep=;``).

    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn_lead("a.csv", [["Опрос клиентов"], []])
    >>> print(caught[0].message)
    a.csv: read the column names from line 3; the 2 lines above them were skipped as a title, not data ('Опрос клиентов')
    """
    titles = [" ".join(_filled(r))[:80] for r in skipped if _filled(r)]
    place = f"{path}, sheet {sheet!r}" if sheet else f"{path}"
    n = len(skipped)
    lines = f"{where} above them was" if n == 1 else f"{n} {where}s above them were"
    what = f"as a title, not data ({', '.join(repr(t) for t in titles[:3])})" if titles else "(blank)"
    warn(InputWarning(
        f"{place}: read the column names from {where} {above + n + 1}; the {lines} skipped {what}"))


# A report's totals row under the responses: "Total", "Grand total", "Итого", "Всего:" in its first cell
# ("Average", «Среднее» and "Sum" are left out: a respondent's whole comment can be one of them)
_TOTALS = re.compile(r"^(?:(?:grand\s+)?totals?|итого|всего)$", re.IGNORECASE)
# a number as a CSV holds a formula's result: "300", "7,6", "-2.5", "85%", "1 234"
_NUMBER = re.compile(r"^\s*[+-]?\d[\d\s\u00a0]*([.,]\d+)?\s*%?\s*$")


def is_totals_row(row: Sequence[Any]) -> bool:
    """Whether ``row`` (a sheet's cell values) is a report's totals line: its first cell a totals
    word and every other cell a number (a formula's result). A response always has text in it.

    >>> is_totals_row(["Total", None, 7.73, 300]), is_totals_row(["Итого:", 12]), is_totals_row(["Total", "late"])
    (True, True, False)
    >>> is_totals_row([900001, "Total"]), is_totals_row(["Total"]), is_totals_row(["Итого", "", "7,6", "300"])
    (False, False, True)
    >>> is_totals_row(["Total mess", 1]), is_totals_row(["Grand Total:", 12])
    (False, True)
    """
    cells = [v for v in row if v is not None and v != ""]
    if len(cells) < 2 or not isinstance(cells[0], str) or not _TOTALS.match(cells[0].strip().rstrip(":").strip()):
        return False
    return all((isinstance(v, (int, float)) and not isinstance(v, bool)) or (isinstance(v, str) and _NUMBER.match(v))
               for v in cells[1:])


def without_totals(rows: Iterator[Sequence[Any]], path: Any, sheet: str) -> Iterator[Sequence[Any]]:
    """``rows`` (a sheet's, from its first row) without a totals line at the very end, which a
    warning names: it is the report's sum, and read as a response it adds a respondent whose
    "score" is the average (a valid one on a mean or decimal scale) and whose comment is a count.
    Each row is passed on one row late, so only the last one is held.
    """
    last, number = None, 0
    for row in rows:
        if last is not None:
            yield last
        last, number = row, number + 1
    if last is None:
        return
    if number > 1 and is_totals_row(last):
        shown = ", ".join(repr(v) for v in last if v is not None and v != "")
        warn(InputWarning(
            f"{path}, sheet {sheet!r}: the last row (row {number}: {shown}) is a totals row, not a response; it was "
            "skipped"))
        return
    yield last


def _filled_rows(df: Any) -> Any:
    """Positions of the rows of ``df`` (text cells) with a value."""
    filled = df.notna() & (df.astype(str).apply(lambda c: c.str.strip()) != "")
    return filled.any(axis=1).to_numpy().nonzero()[0]


def without_totals_frame(frames: Iterator[Any], path: Any) -> Iterator[Any]:
    """A CSV's chunks (DataFrames of text) without its totals row: the last row that has a value,
    when it is one (blank rows after it stay, as a CSV's blank rows do). The chunks from the last
    one with a value on are held back until the next one with a value comes. Call it for a file
    whose end holds such a row, or whose end cannot be looked at first (a gzipped CSV): a chunk is
    checked only for a cell that is not missing, a cell's text only in the last chunks."""
    held: list = []
    before = 0  # rows of the chunks passed on (a chunk's index need not count from the file's start)
    for df in frames:
        if held and df.notna().to_numpy().any():
            before += sum(map(len, held))
            yield from held
            held = []
        held.append(df)
    if not held:
        return
    last, rows = held[0], _filled_rows(held[0])
    if len(rows) and is_totals_row(last.iloc[rows[-1]].tolist()):
        shown = ", ".join(repr(v) for v in last.iloc[rows[-1]].tolist() if isinstance(v, str) and v.strip())
        warn(InputWarning(f"{path}: the last row with values (row {before + rows[-1] + 1}: {shown}) is a totals "
                          "row, not a response; it was skipped"))
        held[0] = last.drop(index=last.index[rows[-1]])
    yield from held
