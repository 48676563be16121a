"""Streaming drivers: reduce a table read in chunks to the distinct rows ``compute_drivers`` needs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from feedback_classifier.insights.issues import CountedIssues
from feedback_classifier.insights.periods import canonical_dates, check_freq, parse_periods
from feedback_classifier.insights.scores import ScoreSpec, parse_scores

if TYPE_CHECKING:
    from feedback_classifier.insights.drivers import DriversResult

ISSUE_ROWS_KEPT = 50  # first row numbers kept per kind of bad score/date (messages show at most 20)


class DriversAccumulator:
    """Reduce a table streamed in chunks to one row per distinct combination of ``columns``
    with a frequency weight, for :func:`compute_drivers` (``weight=``) and the report.

    Rows that share the categories cell, the score cell, the segment and the period are
    interchangeable for every drivers statistic, so the reduced table gives exactly the same
    result as the whole file while its size depends on the number of distinct combinations,
    not on the number of rows. Date cells are first mapped to their period
    (:func:`canonical_dates`) so that daily dates or timestamps do not multiply the
    combinations. With a ``period_col`` the trend gets its own reduced table (categories, score,
    period) and the rest one without the period, so segments and periods add up instead of
    multiplying; ``compute`` runs ``compute_drivers`` on each and takes the trend from the
    second (same seed: the same numbers as one call on the whole table). Groups keep the order
    in which they first appear, so the result does not depend on the chunk size. The first row
    numbers of every distinct score and date cell are kept, so bad values are still reported
    with their (first) row numbers.

    >>> acc = DriversAccumulator(["categories", "nps"], score_col="nps")
    >>> acc.add(pd.DataFrame({"categories": ["Price", "", "Price"], "nps": ["3", "9", "3"]}))
    >>> acc.add(pd.DataFrame({"categories": ["Price"], "nps": ["3"]}))
    >>> acc.table().values.tolist()
    [['Price', '3', 3], ['', '9', 1]]
    """

    WEIGHT = "weight"
    SURVEY = ("survey_weight", "survey_weight2")  # with ``weight_col``: sums of the weights and of their squares

    def __init__(self, columns: list[str], *, score_col: str | None = None, period_col: str | None = None,
                 freq: str = "month", categories_col: str = "categories", rows_kept: int = ISSUE_ROWS_KEPT,
                 weight_col: str | None = None, source: str | None = None):
        check_freq(freq)
        self.columns = list(dict.fromkeys(columns))
        # survey weights are summed per group, not a key: raking gives every respondent a weight of their own
        self.weight_col, self.source = weight_col, source
        self.blank_weights = 0
        self.categories_col = categories_col
        # name -> key columns of each reduced table
        self._keys = {"main": [c for c in self.columns if c != period_col]}
        if period_col is not None:
            self._keys["trend"] = [c for c in self.columns if c in (categories_col, score_col, period_col)]
        self.score_col = score_col
        self.period_col = period_col
        self.freq = freq
        self.rows_kept = rows_kept
        self.rows = 0
        self._uniques: dict[str, list] = {c: [] for c in self.columns}
        self._lookup: dict[str, dict] = {c: {} for c in self.columns}
        self._dtypes: dict[str, Any] = {}
        self._groups: dict[str, pd.DataFrame] = {}
        self._first_rows: dict[str, dict[int, np.ndarray]] = {
            c: {} for c in (score_col, period_col) if c is not None
        }
        self._cell_rows: list[int] = []  # first row of each distinct categories cell, for bad names
        # the input's CSV separator: a ';' file's slash dates are day first (periods.parse_periods)
        self._input_sep: str | None = None

    def _codes(self, column: str, values: pd.Series) -> np.ndarray:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        lookup, known = self._lookup[column], self._uniques[column]
        mapping = np.empty(len(uniques), dtype=np.int64)
        for i, value in enumerate(uniques.tolist() if hasattr(uniques, "tolist") else list(uniques)):
            code = lookup.get(value)
            if code is None:
                code = lookup[value] = len(known)
                known.append(value)
            mapping[i] = code
        return np.where(codes < 0, -1, mapping[np.where(codes < 0, 0, codes)] if len(mapping) else -1)

    def add(self, chunk: pd.DataFrame) -> None:
        """Fold one chunk in (chunks in file order: row numbers count on from the last chunk)."""
        from feedback_classifier.tableio import require_columns

        require_columns(list(chunk.columns), self.columns + ([self.weight_col] if self.weight_col else []),
                        source=self.source or "the chunk")  # was a bare KeyError
        n = len(chunk)
        if not self.rows:
            self._input_sep = chunk.attrs.get("input_sep")
        coded = {}
        for column in self.columns:
            values = chunk[column]
            if column == self.period_col:
                values = canonical_dates(values, self.freq)
            self._dtypes.setdefault(column, values.dtype)
            known = len(self._uniques[column])
            coded[column] = self._codes(column, values)
            if column == self.categories_col:
                new, first = np.unique(coded[column], return_index=True)
                self._cell_rows += (self.rows + 1 + first[new >= known]).tolist()
        for column, seen in self._first_rows.items():
            codes = coded[column]
            rows = pd.Series(np.arange(self.rows + 1, self.rows + n + 1, dtype=np.int64))
            firsts = rows.groupby(codes).head(self.rows_kept)
            for code, group in firsts.groupby(codes[firsts.index.to_numpy()]):
                have = seen.get(code)
                if have is None:
                    seen[code] = group.to_numpy()
                elif len(have) < self.rows_kept:
                    seen[code] = np.concatenate([have, group.to_numpy()])[: self.rows_kept]
        summed = {self.WEIGHT: np.ones(n, dtype=np.int64)}
        if self.weight_col is not None:
            from feedback_classifier.insights.survey import read_weights

            sw, blank = read_weights(chunk[self.weight_col], self.weight_col, source=self.source,
                                     first_row=self.rows + 1)
            self.blank_weights += blank
            summed.update(zip(self.SURVEY, (sw, sw * sw)))
        for name, keys in self._keys.items():
            frame = pd.DataFrame({c: coded[c] for c in keys})
            for column, values in summed.items():
                frame[column] = values
            parts = [self._groups[name], frame] if name in self._groups else [frame]
            merged = pd.concat(parts, ignore_index=True)
            self._groups[name] = merged.groupby(keys, sort=False, dropna=False)[list(summed)].sum().reset_index()
        self.rows += n

    def __len__(self) -> int:
        """Rows held in the reduced tables."""
        return sum(len(g) for g in self._groups.values())

    def table(self, name: str = "main") -> pd.DataFrame:
        """A reduced table: its key columns (cells as written; dates mapped to periods) + ``weight``.
        ``main`` has every column but the period; ``trend`` has categories, score and period."""
        keys = self._keys[name]
        groups = self._groups.get(name)
        if groups is None:
            groups = pd.DataFrame({**{c: np.empty(0, dtype=np.int64) for c in keys},
                                   self.WEIGHT: np.empty(0, dtype=np.int64)})
        out = {}
        for column in keys:
            codes = groups[column].to_numpy()
            values = np.array(self._uniques[column] + [None], dtype=object)[np.where(codes < 0, -1, codes)]
            series = pd.Series(values, dtype=object)
            dtype = self._dtypes.get(column)
            out[column] = series.astype(dtype) if dtype is not None and dtype != object else series
        out[self.WEIGHT] = groups[self.WEIGHT].to_numpy(dtype=np.int64)
        if self.weight_col is not None:
            for column in self.SURVEY:
                out[column] = groups[column].to_numpy(dtype=float) if column in groups else np.empty(0)
        table = pd.DataFrame(out)
        if self._input_sep:
            table.attrs["input_sep"] = self._input_sep
        if self.weight_col is not None:
            table.attrs.update(blank_weights=self.blank_weights, weight_col=self.weight_col)
        return table

    def first_rows(self, column: str, kinds_of_uniques: np.ndarray, kinds: list[str]) -> dict[str, np.ndarray]:
        """First row numbers per problem kind, given the kind index of every distinct cell (-1 = fine;
        the last entry is the missing cell)."""
        seen = self._first_rows[column]
        out = {}
        for k, kind in enumerate(kinds):
            picked = [seen[code] for code in seen if kinds_of_uniques[code] == k]
            rows = np.sort(np.concatenate(picked)) if picked else np.empty(0, dtype=np.int64)
            out[kind] = rows[: self.rows_kept]
        return out

    def compute(self, **kwargs: Any) -> DriversResult:
        """``compute_drivers`` on the reduced table (same keyword arguments, ``score_col`` etc.
        as given to the accumulator); bad scores/dates carry their first row numbers."""
        # imported here: the drivers bring scipy.stats (~0.5 s), which `route` (score issues only) never needs
        from feedback_classifier.insights.drivers import compute_drivers

        common = dict(weight=self.WEIGHT, score_col=self.score_col, categories_col=self.categories_col, freq=self.freq,
                      issue_rows=lambda issues, spec: self._with_rows(issues, self.score_col, spec))
        if self.weight_col is not None:
            common.update(survey_weight=self.SURVEY[0], survey_weight2=self.SURVEY[1])
        result = compute_drivers(self.table("main"), **common, **kwargs, row_numbers=self._row_numbers("main"))
        if self.period_col is not None:
            by_free = {k: v for k, v in kwargs.items() if k != "by"}
            trend = compute_drivers(self.table("trend"), period_col=self.period_col, **common, **by_free,
                                    row_numbers=self._row_numbers("trend"))
            result.trend = trend.trend
            result.date_issues = self._with_rows(trend.date_issues, self.period_col)
            result.settings["period_col"] = self.period_col
        result.settings["weight"] = None
        return result

    def score_issues(self, spec: ScoreSpec) -> CountedIssues:
        """The missing and invalid cells of the score column, counted, with their first row numbers
        (as ``parse_scores`` on the whole column reports them; ``route`` says them).

        >>> acc = DriversAccumulator(["nps"], score_col="nps")
        >>> acc.add(pd.DataFrame({"nps": ["9", "x", ""]}))
        >>> acc.add(pd.DataFrame({"nps": ["x"]}))
        >>> acc.score_issues(ScoreSpec.make("nps")).summary()
        "Column 'nps': 1 of 4 rows have a valid score; 3 left out of score statistics (rows kept): 1 missing (row 3); 2 not a number (rows 2, 4: 'x')."
        """
        table = self.table()
        w = table[self.WEIGHT].to_numpy(dtype=float)
        issues = CountedIssues.from_weighted(parse_scores(table[self.score_col], spec, column=self.score_col,
                                                          weights=w).issues, w)
        return self._with_rows(issues, self.score_col, spec)

    def _row_numbers(self, name: str) -> np.ndarray | None:
        """The file's first row of the categories cell of each row of a reduced table: a bad
        category name's error names the first row holding it, as on the whole table."""
        groups = self._groups.get(name)
        if groups is None or self.categories_col not in self.columns:
            return None
        codes = groups[self.categories_col].to_numpy()
        rows = np.array(self._cell_rows + [0], dtype=np.int64)  # a missing cell (-1) names no category
        return rows[np.where(codes < 0, -1, codes)]

    def _with_rows(self, issues: CountedIssues, column: str, spec: ScoreSpec | None = None) -> CountedIssues:
        """``issues`` with the first row numbers of each kind: scores when ``spec`` is given, else dates."""
        uniques = pd.Series(self._uniques[column] + [None], dtype=object)
        dtype = self._dtypes.get(column)
        if dtype is not None and dtype != object:
            uniques = uniques.astype(dtype)
        if spec is not None:
            problems = parse_scores(uniques, spec, column=column).issues.problem_rows
        else:
            problems = parse_periods(uniques, self.freq, column=column, dayfirst=self._input_sep == ";")[2].problem_rows
        kinds = list(problems)
        kind_of = np.full(len(uniques), -1, dtype=np.int64)
        for k, kind in enumerate(kinds):
            kind_of[problems[kind] - 1] = k
        rows = self.first_rows(column, kind_of, kinds)  # code -1 (a missing cell) is the trailing entry
        return CountedIssues(column=issues.column, n_rows=issues.n_rows, problem_rows=rows,
                             examples=issues.examples, what=issues.what, hint=issues.hint,
                             text_values=issues.text_values, totals=issues.totals)
