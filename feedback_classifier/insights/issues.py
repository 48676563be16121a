"""Bad values of a column (scores or dates): what is wrong, how often, in which rows.

Rows with a bad value are kept everywhere else; these objects only say what was left out of
score statistics (or the trend) and why, with row numbers counted from 1 under the header.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

ISSUE_LABELS = {
    "missing": "missing",
    "non_numeric": "not a number",
    "out_of_range": "outside the scale",
    "not_integer": "not a whole number",
    "unparseable": "not a date",
}


@dataclass
class ScoreIssues:
    """Bad values of one column (scores or dates): counts, 1-based data row numbers, examples.

    >>> issues = ScoreIssues("nps", 4, {"non_numeric": np.array([2]), "out_of_range": np.array([3, 4])})
    >>> issues.n_valid, issues.counts()
    (1, {'non_numeric': 1, 'out_of_range': 2})
    """

    column: str
    n_rows: int
    problem_rows: dict[str, np.ndarray] = field(default_factory=dict)
    examples: dict[str, list[str]] = field(default_factory=dict)
    what: str = "score"
    hint: str = ""  # what to pass instead, when the values fit another score type or scale (ScoreSpec.scale_hint)
    text_values: int = 0  # distinct values that are not numbers: many in a column of text, one in "Not asked"s

    @property
    def n_invalid(self) -> int:
        return int(sum(len(r) for r in self.problem_rows.values()))

    @property
    def n_valid(self) -> int:
        return self.n_rows - self.n_invalid

    def counts(self) -> dict[str, int]:
        return {kind: int(len(rows)) for kind, rows in self.problem_rows.items()}

    def rows(self, kind: str | None = None) -> np.ndarray:
        """1-based data row numbers with a problem of ``kind`` (all kinds when None), sorted."""
        if kind is not None:
            return self.problem_rows.get(kind, np.empty(0, dtype=np.int64))
        if not self.problem_rows:
            return np.empty(0, dtype=np.int64)
        return np.sort(np.concatenate(list(self.problem_rows.values())))

    def to_frame(self, max_rows: int = 20) -> pd.DataFrame:
        """One line per kind of problem: ``column, problem, count, rows, examples``."""
        records = []
        for kind, rows in self.problem_rows.items():
            if len(rows) == 0:
                continue
            shown = ", ".join(str(r) for r in rows[:max_rows]) + (" ..." if len(rows) > max_rows else "")
            records.append(
                {
                    "column": self.column,
                    "problem": ISSUE_LABELS.get(kind, kind),
                    "count": int(len(rows)),
                    "rows": shown,
                    "examples": ", ".join(repr(_quoted(e)) for e in self.examples.get(kind, [])),
                }
            )
        return pd.DataFrame(records, columns=["column", "problem", "count", "rows", "examples"])

    def summary(self, max_rows: int = 10) -> str:
        """One human-readable paragraph, e.g. for the CLI.

        >>> ScoreIssues("nps", 3, {"missing": np.array([3]), "non_numeric": np.array([2])},
        ...             {"non_numeric": ["x"]}).summary()
        "Column 'nps': 1 of 3 rows have a valid score; 2 left out of score statistics (rows kept): 1 missing (row 3); 1 not a number (row 2: 'x')."
        """
        if self.n_invalid == 0:
            return _all_valid(self.column, self.n_rows, self.what) + (f" {self.hint}" if self.hint else "")
        parts = []
        for kind, rows in self.problem_rows.items():
            if len(rows) == 0:
                continue
            shown = ", ".join(str(r) for r in rows[:max_rows]) + (", ..." if len(rows) > max_rows else "")
            label = "row" if len(rows) == 1 else "rows"
            examples = self.examples.get(kind) or []
            example_text = f": {', '.join(repr(_quoted(e)) for e in examples)}" if examples and kind != "missing" else ""
            parts.append(f"{len(rows):,} {ISSUE_LABELS.get(kind, kind)} ({label} {shown}{example_text})")
        return (
            f"Column '{self.column}': {self.n_valid:,} of {self.n_rows:,} rows have a valid {self.what}; "
            f"{self.n_invalid:,} left out of {'the trend' if self.what == 'date' else 'score statistics'} "
            "(rows kept): " + "; ".join(parts) + "." + (f" {self.hint}" if self.hint else "")
        )


@dataclass
class CountedIssues(ScoreIssues):
    """Bad values of a frequency-weighted or streamed column: exact counts per kind in ``totals``.

    ``problem_rows`` holds the *first* row numbers of each kind only (or none when they are
    unknown, as in an aggregated table); counts, ``n_invalid`` and the texts use ``totals``.

    >>> base = ScoreIssues("nps", 3, {"missing": np.array([2])}, {})
    >>> CountedIssues.from_weighted(base, np.array([1.0, 5.0, 1.0])).counts()
    {'missing': 5}
    """

    totals: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_weighted(cls, issues: ScoreIssues, w: np.ndarray) -> "CountedIssues":
        totals = {kind: int(w[rows - 1].sum()) for kind, rows in issues.problem_rows.items()}
        empty = {kind: np.empty(0, dtype=np.int64) for kind in issues.problem_rows}
        return cls(column=issues.column, n_rows=int(w.sum()), problem_rows=empty, examples=dict(issues.examples),
                   what=issues.what, hint=issues.hint, text_values=issues.text_values, totals=totals)

    @property
    def n_invalid(self) -> int:
        return int(sum(self.totals.values()))

    def counts(self) -> dict[str, int]:
        return {kind: int(n) for kind, n in self.totals.items()}

    def _shown(self, kind: str, max_rows: int, sep: str) -> str:
        rows = self.problem_rows.get(kind, np.empty(0, dtype=np.int64))
        if not len(rows):
            return ""
        more = self.totals.get(kind, 0) > min(len(rows), max_rows)
        return ", ".join(str(r) for r in rows[:max_rows]) + (sep if more else "")

    def to_frame(self, max_rows: int = 20) -> pd.DataFrame:
        records = [
            {"column": self.column, "problem": ISSUE_LABELS.get(kind, kind), "count": int(n),
             "rows": self._shown(kind, max_rows, " ..."),
             "examples": ", ".join(repr(_quoted(e)) for e in self.examples.get(kind, []))}
            for kind, n in self.totals.items() if n
        ]
        return pd.DataFrame(records, columns=["column", "problem", "count", "rows", "examples"])

    def summary(self, max_rows: int = 10) -> str:
        if self.n_invalid == 0:
            return _all_valid(self.column, self.n_rows, self.what) + (f" {self.hint}" if self.hint else "")
        return (
            f"Column '{self.column}': {self.n_valid:,} of {self.n_rows:,} rows have a valid {self.what}; "
            f"{self.n_invalid:,} left out of {'the trend' if self.what == 'date' else 'score statistics'} "
            "(rows kept): " + self.details(max_rows) + "." + (f" {self.hint}" if self.hint else "")
        )

    def details(self, max_rows: int = 10) -> str:
        """Each kind of problem with its count, first rows and values, e.g.
        ``1 not a number (row 7602: 'Like'); 144 not a whole number (rows 976, ...: '3.5')``."""
        parts = []
        for kind, n in self.totals.items():
            if not n:
                continue
            shown = self._shown(kind, max_rows, ", ...")
            where = f" ({'row' if n == 1 else 'rows'} {shown}" if shown else " ("
            examples = self.examples.get(kind) or []
            example_text = ", ".join(repr(_quoted(e)) for e in examples) if examples and kind != "missing" else ""
            if shown:
                text = where + (f": {example_text}" if example_text else "") + ")"
            else:
                text = f" ({example_text})" if example_text else ""
            parts.append(f"{n:,} {ISSUE_LABELS.get(kind, kind)}{text}")
        return "; ".join(parts)


def _quoted(value: str, limit: int = 40) -> str:
    """A bad cell as a message shows it. A comment column passed as the score or date column by
    mistake put whole comments, phone numbers and all, into the error and so into batch logs.

    >>> _quoted("Like"), _quoted("Курьер нахамил, звоните мне +7 (912) 345-67-89, срочно!!!")
    ('Like', 'Курьер нахамил, звоните мне [phone], ср…')
    """
    from feedback_classifier.lang.pii import mask_pii

    value = mask_pii(str(value))
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _all_valid(column: str, n_rows: int, what: str) -> str:
    """
    >>> _all_valid("nps", 1, "score"), _all_valid("nps", 1200, "score")
    ("Column 'nps': its one row has a valid score.", "Column 'nps': all 1,200 rows have a valid score.")
    """
    rows = "its one row has" if n_rows == 1 else f"all {n_rows:,} rows have"  # "all 1 rows have"
    return f"Column '{column}': {rows} a valid {what}."
