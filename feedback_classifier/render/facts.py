"""What every report section draws from: the inputs, and the per-row facts computed once.

A report may be built from a *reduced* table (one row per distinct combination, with a
frequency weight, as streaming ``analyze`` builds it): :class:`Facts` counts and averages with
those weights, so every number equals the one of the whole table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from feedback_classifier.insights import category_matrix, parse_scores
from feedback_classifier.insights.polarity import CATEGORY_SENTIMENT, COMPLAINTS_COLUMN, categories_with_polarity
from feedback_classifier.insights.queues import review_flags
from feedback_classifier.tableio.cells import numbers


@dataclass
class ReportInputs:
    """Everything the report draws from; built by :func:`~feedback_classifier.render.build_report`."""

    df: pd.DataFrame
    taxonomy: Any
    text_col: str
    score_col: str | None = None
    spec: Any = None
    lang: str = "en"
    drivers: Any = None
    routing: Any = None
    by: str | None = None
    period_col: str | None = None
    source: str = ""
    title: str | None = None
    examples: int = 3
    weight: str | None = None  # df is a reduced table: a row stands for `weight` rows (see build_report)
    # survey weights (see build_report): the column of weights, and a reduced table's sums of their squares
    survey_weight: tuple[str, str | None] | None = None
    quotes: pd.DataFrame | None = None  # candidate rows for the quotes when df is reduced
    quote_view: Any = None  # (ReportInputs, Facts) of ``quotes``, built once
    quote_texts: Any = None  # ``df[text_col]`` as strings, "" for missing: read by every quote pick, made once
    mask: bool = True  # quotes show personal data masked (lang.pii)
    model_info: dict | None = None  # which model ran and how it was validated (see build_report)
    tones: dict | None = None  # {label: (complaints, praise)} from ``category_sentiment`` (see build_report)
    quoted: set = field(default_factory=set)  # positions quoted so far, in the quote source's rows

    def __post_init__(self):
        # examples="3" (from a config) was a TypeError from deep in the quotes; -1 quoted none without a word
        if isinstance(self.examples, bool) or not isinstance(self.examples, (int, np.integer)) or self.examples < 0:
            from feedback_classifier.errors import ParameterError

            raise ParameterError(f"examples must be a whole number of quotes per category, 0 or more; "
                                 f"got {self.examples!r}.")


@dataclass
class Facts:
    """What every section needs, computed once."""

    n: int
    has_comment: np.ndarray
    review: np.ndarray
    labels: list
    matrix: np.ndarray
    scores: np.ndarray | None  # NaN where missing/invalid; None when no score column
    valid: np.ndarray
    y: np.ndarray | None  # per-respondent metric value (mean of y = metric)
    detractor: np.ndarray
    top_box: np.ndarray
    confidence: np.ndarray
    n_invalid: int
    w: np.ndarray | None = None  # frequency weights of a reduced table; None = one row each
    complaints: np.ndarray | None = None  # like ``matrix``, the mentions judged complaints (None: not known)
    # survey weights per row (a reduced table's sums) and of their squares: shares and metrics are weighted by
    # them, counts stay rows (None: no survey weights)
    sw: np.ndarray | None = None
    sw2: np.ndarray | None = None

    @property
    def size(self) -> int:
        return len(self.has_comment)

    @property
    def has_scores(self) -> bool:
        return self.scores is not None and bool(self.valid.any())

    def count(self, mask: np.ndarray) -> int:
        """Rows where ``mask`` holds (weighted)."""
        return int(mask.sum()) if self.w is None else int(self.w[mask].sum())

    def weighed(self, mask: np.ndarray) -> float:
        """What ``mask``'s rows weigh: their survey weights when there are some, else ``count``."""
        return self.count(mask) if self.sw is None else float(self.sw[mask].sum())

    def per_label_weighed(self, mask: np.ndarray | None = None) -> np.ndarray:
        """``per_label``, each row counted by its survey weight when there are some (shares of the population)."""
        if self.sw is None:
            return self.per_label(mask)
        matrix = self.matrix if mask is None else self.matrix[mask]
        return (self.sw if mask is None else self.sw[mask]) @ matrix

    def per_label(self, mask: np.ndarray | None = None) -> np.ndarray:
        """Rows per label column (weighted), among ``mask`` rows."""
        matrix = self.matrix if mask is None else self.matrix[mask]
        if self.w is None:
            return matrix.sum(axis=0)
        w = self.w if mask is None else self.w[mask]
        return w @ matrix

    def metric(self, mask: np.ndarray) -> float:
        if self.y is None:
            return math.nan
        m = mask & self.valid
        if not m.any():
            return math.nan
        if self.w is None and self.sw is None:
            return float(self.y[m].mean())
        w = (self.w if self.sw is None else self.sw)[m]
        return float((self.y[m] * w).sum() / w.sum()) if w.sum() > 0 else math.nan


def label_matrix(categories: pd.Series, taxonomy: Any, *, source: str) -> np.ndarray:
    """Rows x ``taxonomy.labels`` membership, where a child marks its parent too.

    It is insights' :func:`category_matrix` with its columns put in label order: a parent
    label takes the parent-level column, a child label its path column.

    >>> from feedback_classifier.taxonomy import load_taxonomy
    >>> tax = load_taxonomy("cx-default")
    >>> m = label_matrix(pd.Series(["Delivery > Courier", ""]), tax, source="the table")
    >>> m[:, tax.labels.index(("delivery", None))].tolist(), m.shape == (2, len(tax.labels))
    ([True, False], True)
    """
    cells = category_matrix(categories, taxonomy=taxonomy, source=source)
    column = {(level, name): i for i, (level, name) in enumerate(zip(cells.levels, cells.names))}
    order = [column["parent" if label[1] is None else "category", taxonomy.display_name(label)]
             for label in taxonomy.labels]
    per_cell = cells.member[:, order].toarray().astype(bool)
    return per_cell[cells.row_cells]


def _is_comment(values: pd.Series) -> np.ndarray:
    text = values.astype("string").fillna("").str.strip()
    return (text != "").to_numpy(dtype=bool)


def build_facts(inp: ReportInputs) -> Facts:
    """The per-row facts of ``inp.df`` (weighted by ``inp.weight`` when the table is reduced)."""
    df, tax = inp.df, inp.taxonomy
    n = len(df)
    w = None if inp.weight is None else df[inp.weight].to_numpy(dtype=np.int64)
    matrix = (
        label_matrix(df["categories"], tax, source=inp.source or "the table")
        if "categories" in df.columns
        else np.zeros((n, len(tax.labels)), dtype=bool)
    )
    confidence = (
        numbers(df["confidence"])  # a ';' file's decimal comma too
        if "confidence" in df.columns
        else np.full(n, np.nan)
    )
    scores = y = None
    valid = detractor = top_box = np.zeros(n, dtype=bool)
    n_invalid = 0
    if inp.score_col:
        parsed = parse_scores(df[inp.score_col], inp.spec, column=inp.score_col)
        scores, valid = parsed.values, parsed.valid if w is None else parsed.valid & (w > 0)
        n_invalid = int((~valid).sum()) if w is None else int(w[~valid].sum())
        y = inp.spec.metric_values(scores)
        det = inp.spec.detractor(scores)
        detractor = (np.asarray(det, dtype=bool) if det is not None else np.zeros(n, dtype=bool)) & valid
        top_box = np.asarray(inp.spec.top_box(scores), dtype=bool) & valid
    return Facts(
        n=n if w is None else int(w.sum()),
        has_comment=_is_comment(df[inp.text_col]) if w is None else df[inp.text_col].to_numpy(dtype=bool),
        # junk answers are listed apart from the review queue (the routing table's count too)
        review=review_flags(df, inp.text_col if w is None else None),
        labels=list(tax.labels),
        matrix=matrix,
        scores=scores,
        valid=valid,
        y=y,
        detractor=detractor,
        top_box=top_box,
        confidence=confidence,
        n_invalid=n_invalid,
        w=w,
        complaints=_complaints(inp) if inp.score_col else None,
        **_survey_weights(inp),
    )


def _survey_weights(inp: ReportInputs) -> dict[str, np.ndarray]:
    """``Facts``' ``sw`` and ``sw2`` from ``inp.survey_weight``: a reduced table's sums as they are, a whole
    table's weight column read and checked (a bad cell is ``read_weights``' error)."""
    if inp.survey_weight is None:
        return {}
    column, squares = inp.survey_weight
    if squares is not None:
        return {"sw": inp.df[column].to_numpy(dtype=float), "sw2": inp.df[squares].to_numpy(dtype=float)}
    from feedback_classifier.insights.survey import read_weights

    sw, _ = read_weights(inp.df[column], column, source=inp.source or None)
    return {"sw": sw, "sw2": sw * sw}


def _complaints(inp: ReportInputs) -> np.ndarray | None:
    """Rows x labels, the mentions judged complaints: from a reduced table's ``COMPLAINTS_COLUMN``
    (analyze keeps it) or a whole table's ``category_sentiment``; None when neither is there."""
    df, source = inp.df, inp.source or "the table"
    if COMPLAINTS_COLUMN in df.columns:
        cells = df[COMPLAINTS_COLUMN]
    elif CATEGORY_SENTIMENT in df.columns and inp.weight is None:
        cells = categories_with_polarity(df[CATEGORY_SENTIMENT], "negative", source=source, first_row=2)
    else:
        return None
    return label_matrix(cells, inp.taxonomy, source=source)
