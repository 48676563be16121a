"""Survey-platform exports: extra header rows under the column names, and question texts as labels.

Platforms write more than one header row, and reading those rows as data turns question
texts into "comments" and "invalid scores":

* **Qualtrics** (CSV, TSV, XLSX): row 1 the column names (``Q1``, ``Q2_1``, ``ResponseId``),
  row 2 the question texts, row 3 ``{"ImportId":"QID1_TEXT"}``. The legacy format has
  ``V1``, ``V2``... names, then a row of names and question texts.
* **SurveyMonkey**: row 1 the question texts, blank over the second and later sub-columns of
  a question; row 2 ``Response`` / ``Open-Ended Response`` or the sub-option's label.
* **Google Forms** (``Timestamp`` first) and **Typeform** (``#`` first, ``Submit Date (UTC)``)
  have one header row of question texts: nothing to skip, only recognised.

The extra rows are dropped and what they said is kept as labels, so a column can be named by
its column name, its question text or its Qualtrics question id (see ``columns.resolve_column``).
Anything else with extra header rows: ``skip_rows=N`` (CLI ``--skip-rows N``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import pandas as pd

__all__ = ["ExportLayout", "detect_layout", "export_note"]

#: Rows of the first chunk that detection looks at.
HEAD_ROWS = 3
_IMPORT_ID = re.compile(r'^\s*\{\s*"ImportId"\s*:')
_SM_ANSWER_LABELS = {"response", "open-ended response", "other (please specify)"}


@dataclass(frozen=True)
class ExportLayout:
    """What the top of a table is: which platform wrote it, how many rows under the column
    names are headers, names for unnamed sub-columns, and each column's other names."""

    platform: str | None = None
    skip: int = 0
    rename: dict[str, str] = field(default_factory=dict)
    labels: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def describe(self) -> str:
        """One phrase for messages, e.g. ``a Qualtrics export (2 header rows skipped)``."""
        names = {"qualtrics": "Qualtrics", "qualtrics-legacy": "Qualtrics (legacy)", "surveymonkey": "SurveyMonkey",
                 "google-forms": "Google Forms", "typeform": "Typeform"}
        what = f"a {names[self.platform]} export" if self.platform else "a table"
        return f"{what} ({self.skip} header row{'s' * (self.skip != 1)} skipped)" if self.skip else what


def export_note(df: pd.DataFrame) -> str | None:
    """One line for the user when the reader skipped header rows (read from ``df.attrs``), else None.

    >>> df = pd.DataFrame(columns=["Q1"])
    >>> df.attrs.update(export_platform="qualtrics", header_rows_skipped=2)
    >>> export_note(df)
    'Read as a Qualtrics export (2 header rows skipped): columns also answer to their question texts and ids'
    >>> export_note(pd.DataFrame())
    """
    skipped = df.attrs.get("header_rows_skipped") or 0
    if not skipped:
        return None
    layout = ExportLayout(df.attrs.get("export_platform"), skipped)
    what = layout.describe()
    if layout.platform is None:
        return f"Skipped {skipped} header row{'s' * (skipped != 1)} under the column names (--skip-rows)"
    extra = " and ids" if layout.platform.startswith("qualtrics") and layout.platform != "qualtrics-legacy" else ""
    return f"Read as {what}: columns also answer to their question texts{extra}"


def _text(value) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value).strip()


def detect_layout(head: pd.DataFrame, skip_rows: int | None = None) -> ExportLayout:
    """The layout of a table from its column names and first rows (cells as text).

    ``skip_rows`` given: exactly that many rows under the column names are header rows
    (the second one, when there are two or more, is taken as question texts' labels
    only if the table looks like a Qualtrics export).

    >>> head = pd.DataFrame({"ResponseId": ["Response ID", '{"ImportId":"_recordId"}', "R_1"],
    ...                      "Q2": ["Any comments?", '{"ImportId":"QID2_TEXT"}', "Great"]})
    >>> layout = detect_layout(head)
    >>> layout.platform, layout.skip, layout.labels["Q2"]
    ('qualtrics', 2, ('Any comments?', 'QID2_TEXT', 'QID2'))
    >>> detect_layout(pd.DataFrame({"id": ["1"], "comment": ["ok"]}))
    ExportLayout(platform=None, skip=0, rename={}, labels={})
    """
    columns = [str(c) for c in head.columns]
    rows = [[_text(v) for v in head.iloc[i].tolist()] for i in range(min(len(head), HEAD_ROWS))]
    layout = _qualtrics(columns, rows) or _surveymonkey(columns, rows) or _one_header_row(columns)
    if skip_rows is None:
        return layout
    if skip_rows == layout.skip:
        return layout
    return ExportLayout(platform=None, skip=skip_rows)


def _qualtrics(columns: list[str], rows: list[list[str]]) -> ExportLayout | None:
    if len(rows) >= 2:
        ids = [cell for cell in rows[1] if cell]
        if ids and sum(bool(_IMPORT_ID.match(c)) for c in ids) >= max(1, len(ids) // 2):
            labels = {}
            for col, question, raw in zip(columns, rows[0], rows[1], strict=True):
                names = [question] if question and question != col else []
                qid = _import_id(raw)
                if qid:
                    names.append(qid)
                    base, _, suffix = qid.partition("_")
                    # QID2_TEXT is question 2's answer, QID3_1 an item of question 3; QID2_TEXT_...Topics
                    # and the like are Text iQ columns about an answer, not the answer
                    if suffix == "TEXT" or re.fullmatch(r"\d+(_\d+)*", suffix):
                        names.append(base)
                labels[col] = tuple(dict.fromkeys(n for n in names if n and n != col))
            return ExportLayout("qualtrics", 2, labels={c: n for c, n in labels.items() if n})
    if rows and columns[:2] == ["V1", "V2"] and "ResponseID" in rows[0]:
        labels = {col: (q,) for col, q in zip(columns, rows[0], strict=True) if q and q != col}
        return ExportLayout("qualtrics-legacy", 1, labels=labels)
    return None


def _import_id(cell: str) -> str | None:
    if not _IMPORT_ID.match(cell):
        return None
    try:
        value = json.loads(cell).get("ImportId")
    except (ValueError, AttributeError):
        return None
    return str(value) if value else None


def _surveymonkey(columns: list[str], rows: list[list[str]]) -> ExportLayout | None:
    folded = [c.casefold() for c in columns]
    if not rows or "respondent id" not in folded or rows[0][folded.index("respondent id")]:
        return None
    answers = [c.casefold() for c in rows[0] if c]
    if not answers or not any(a in _SM_ANSWER_LABELS for a in answers):
        return None
    rename, labels, question = {}, {}, None
    for col, sub in zip(columns, rows[0], strict=True):
        blank = col.startswith("Unnamed: ")
        if not blank:
            question = col
        if not sub or sub.casefold() in _SM_ANSWER_LABELS:
            continue
        if blank and question:
            rename[col] = f"{question} - {sub}"
            labels[rename[col]] = (sub,)
        elif not blank:  # the first sub-column of a multi-part question
            labels[col] = (sub,)
    return ExportLayout("surveymonkey", 1, rename=rename, labels=labels)


def _one_header_row(columns: list[str]) -> ExportLayout:
    folded = [c.casefold() for c in columns]
    if folded and folded[0] in ("timestamp", "отметка времени"):
        return ExportLayout("google-forms")
    if folded and folded[0] == "#" and any(c.startswith(("submit date", "network id")) for c in folded):
        return ExportLayout("typeform")
    return ExportLayout()
