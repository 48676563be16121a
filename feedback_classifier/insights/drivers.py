"""Drivers: which categories (pain points) move NPS / CSAT / CES, by how much, how sure we are.

``compute_drivers(df, score_col=...)`` joins a ``categories`` column (display paths
``Parent > Child`` joined by ``; `` as ``classify`` writes them) to a score column and returns
a :class:`DriversResult`. Without a taxonomy the parent of a path is the text before ``>``;
with one, names are matched in any language/case and every taxonomy category is listed (also
those nobody mentioned).

Definitions (every metric is the mean of a per-respondent value y, see ``scores.py``:
NPS y = +100/0/-100, CSAT y = 100 x top-2-box, CES and ``mean`` y = the score):

* A comment *mentions* a parent when any of its paths has that parent; it counts once however
  many children fire. At level ``category`` each distinct path is its own row; a bare parent
  name there (``Service``) means "tagged with the parent but none of its children".
* Rows whose score is missing or invalid are kept: they count in ``mentions`` and ``share``
  but not in anything computed from scores (``*_scored``, metrics, impact, regression).
* ``impact`` (leave-out impact, metric points) = metric(all scored) - metric(scored comments
  that do not mention the category): how many points the category costs (or adds) - the
  change in the overall metric if the comments mentioning it were not there. It equals
  ``share_scored x (metric_with - metric_without)``. Negative = the category pulls the score
  down (for CES/``mean`` with ``higher_is_better=False`` a *positive* impact is harmful, and
  ranking follows that).
* ``impact_low``/``impact_high``: percentile bootstrap interval over respondents. Resampling
  respondents is done on sufficient statistics: each respondent is a cell (mentions the
  category?, value of y), so a bootstrap sample is one multinomial draw over those cells, drawn
  for all categories and replicates at once. This is **exact** (identical in distribution to
  resampling rows) whenever y takes at most 64 distinct values: always for NPS (3), CSAT (2),
  CES and any integer scale. For a ``mean`` score with more distinct values, the number of
  mentioning respondents is still drawn exactly (binomial) but each cell's sum is drawn from a
  normal with the cell's mean and variance (a central-limit approximation, fine for cells of
  more than ~30 respondents; ``settings["bootstrap"]`` says which one ran).
* Key-driver regression: one OLS per level of y on all category indicators jointly (plus an
  intercept), so a coefficient reads as metric points (NPS points, CSAT %-points, CES units)
  associated with mentioning the category, other categories held fixed. Computed exactly from
  per-pattern sums (rows with the same categories share a design row); standard errors are
  heteroskedasticity-robust HC3 by default (``nonrobust``, ``HC0``, ``HC1`` available), with
  normal-based 95% intervals and p-values like statsmodels' robust fits, and
  Benjamini-Hochberg adjusted p-values across the categories of a level. A category with fewer
  than 2 scored mentions, or collinear with others, is not estimated (``note`` says why).

Columns of ``DriversResult.table`` (one row per category and level; ranked within a level by
harm, most negative impact first):

``level`` parent|category, ``rank``, ``category``, ``parent``, ``mentions`` (rows mentioning it,
any score), ``mentions_scored`` (of those, rows with a valid score), ``share`` (mentions / all
rows), ``share_of_detractors`` (detractors mentioning it / all detractors), ``metric_with`` /
``metric_without`` (metric among scored comments that do / do not mention it),
``impact``, ``impact_low``, ``impact_high``, ``detractor_rate_with`` / ``detractor_rate_without``
(fractions), ``lift`` (detractor_rate_with / overall detractor rate), ``low_n``
(mentions_scored < min_n: read with care, never hidden).

``regression``: ``level, category, parent, coef, se, ci_low, ci_high, p_value, p_adjusted,
significant, mentions_scored, low_n, note`` (one ``(intercept)`` row per level, not adjusted).
``regression_fit``: ``level, n, terms, r_squared, cov_type``.
``segments`` (``by=``): ``segment, segment_rows, segment_scored, segment_metric`` + the table
columns, per segment; ``result.segments_wide("impact")`` pivots it to one column per segment.
``trend`` (``period_col=``): ``period, period_start, period_rows, period_scored, period_metric``
+ ``level, category, parent, mentions, mentions_scored, share, metric_with, metric_without,
impact, impact_low, impact_high, low_n``. Dates that cannot be read are reported in
``date_issues`` (rows kept everywhere else).

>>> df = pd.DataFrame({
...     "nps": [10, 9, 3, 2, 8, 0, 10, 6],
...     "categories": ["", "Price", "Delivery > Courier", "Delivery > Courier; Delivery > Tracking",
...                    "Price", "Delivery > Tracking; Price", "", "Delivery > Tracking"],
... })
>>> res = compute_drivers(df, score_col="nps", min_n=2, n_boot=200)
>>> round(res.overall.metric, 1)            # 3 promoters, 1 passive, 4 detractors of 8
-12.5
>>> top = res.table.iloc[0]
>>> top["category"], int(top["mentions"]), float(top["impact"])   # 4/8 x (-100 - 75)
('Delivery', 4, -87.5)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy import sparse, stats

from feedback_classifier.errors import LabelError, ScoreError
from feedback_classifier.insights.scores import (
    ISSUE_LABELS,
    ParsedScores,
    ScoreIssues,
    ScoreSpec,
    ScoreSummary,
    parse_scores,
    summarize_scores,
)

LEVELS = ("parent", "category")
FREQS = {"month": "M", "quarter": "Q", "week": "W-SUN", "year": "Y"}
MAX_EXACT_VALUES = 64
COV_TYPES = ("HC3", "HC1", "HC0", "nonrobust")
_SPLIT = re.compile(r"[;\n\r]+")
MISSING_SEGMENT = "(missing)"

TABLE_COLUMNS = [
    "level", "rank", "category", "parent", "mentions", "mentions_scored", "share", "share_of_detractors",
    "metric_with", "metric_without", "impact", "impact_low", "impact_high",
    "detractor_rate_with", "detractor_rate_without", "lift", "low_n",
]
REGRESSION_COLUMNS = [
    "level", "category", "parent", "coef", "se", "ci_low", "ci_high", "p_value", "p_adjusted",
    "significant", "mentions_scored", "low_n", "note",
]
TREND_CATEGORY_COLUMNS = [
    "level", "category", "parent", "mentions", "mentions_scored", "share", "metric_with",
    "metric_without", "impact", "impact_low", "impact_high", "low_n",
]


# ---- categories column -> indicator matrix


@dataclass
class CategoryMatrix:
    """Indicator matrix of a categories column, stored per distinct cell.

    ``member`` is a 0/1 sparse matrix (distinct cells x categories): row g says which
    categories cell g mentions; ``row_cells`` maps each table row to its distinct cell, so the
    full (rows x categories) matrix is ``member[row_cells]`` without ever being built.
    """

    names: list[str]
    levels: list[str]
    parents: list[str]
    member: sparse.csr_matrix
    row_cells: np.ndarray

    def columns(self, level: str) -> np.ndarray:
        return np.array([i for i, lv in enumerate(self.levels) if lv == level], dtype=np.int64)


def _as_cells(values: pd.Series) -> pd.Series:
    """List-valued cells (Parquet/JSONL) become ``; ``-joined strings so they can be factorised."""
    if values.dtype == object:
        sample = values.dropna().head(50)
        if any(isinstance(v, (list, tuple, np.ndarray)) for v in sample):
            return values.map(
                lambda v: "; ".join(str(x) for x in v) if isinstance(v, (list, tuple, np.ndarray)) else v
            )
    return values


def category_matrix(
    values: pd.Series | list, *, taxonomy: Any = None, column: str = "categories", source: str | None = None
) -> CategoryMatrix:
    """Parse a categories column into parent- and path-level indicators.

    Each distinct cell is parsed once, so a million rows with a few thousand distinct
    category combinations parse in well under a second.

    >>> m = category_matrix(pd.Series(["Delivery > Courier; Delivery > Tracking", "price", None]))
    >>> m.names, m.levels
    (['Delivery', 'price', 'Delivery > Courier', 'Delivery > Tracking', 'price'], ['parent', 'parent', 'category', 'category', 'category'])
    >>> m.member[m.row_cells].toarray().astype(int).tolist()   # Delivery counted once in row 1
    [[1, 0, 1, 1, 0], [0, 1, 0, 0, 1], [0, 0, 0, 0, 0]]
    """
    series = _as_cells(values if isinstance(values, pd.Series) else pd.Series(values, dtype=object))
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    n_cells = len(uniques) + 1  # the last cell is "missing": no categories
    codes = np.where(codes < 0, n_cells - 1, codes).astype(np.int64)

    # Split every distinct cell at once, then parse each distinct path once.
    texts = pa.array([str(u) for u in uniques], type=pa.string())
    pieces = pc.split_pattern_regex(texts, r"[;\n\r]+")
    piece_cell = np.asarray(pc.list_parent_indices(pieces), dtype=np.int64)
    encoded = pc.utf8_trim_whitespace(pc.list_flatten(pieces)).dictionary_encode()
    piece_item = np.asarray(encoded.indices, dtype=np.int64)
    items = encoded.dictionary.to_pylist()

    def first_row(item_index: int) -> int:
        cell = piece_cell[np.flatnonzero(piece_item == item_index)[0]]
        return int(np.flatnonzero(codes == cell)[0]) + 1

    item_parent = np.full(len(items), -1, dtype=np.int64)  # -1: empty piece (e.g. "A;;B")
    item_path = np.full(len(items), -1, dtype=np.int64)
    if taxonomy is not None:
        if isinstance(taxonomy, str) or hasattr(taxonomy, "__fspath__"):
            from feedback_classifier.taxonomy.core import load_taxonomy

            taxonomy = load_taxonomy(taxonomy)
        labels = list(taxonomy.labels)
        parent_labels = [lb for lb in labels if lb[1] is None]
        names = [taxonomy.display_name(lb) for lb in parent_labels]
        levels = ["parent"] * len(parent_labels)
        parents = list(names)
        parent_col = {lb[0]: i for i, lb in enumerate(parent_labels)}
        path_col = {}
        for lb in labels:
            path_col[tuple(lb)] = len(names)
            names.append(taxonomy.display_name(lb))
            levels.append("category")
            parents.append(taxonomy.display_name((lb[0], None)))
        for i, item in enumerate(items):
            if not item:
                continue
            try:
                lb = taxonomy.parse_label(item, column=column, source=source)
            except LabelError:
                taxonomy.parse_label(item, row=first_row(i), column=column, source=source)
                raise
            item_parent[i] = parent_col[lb[0]]
            item_path[i] = path_col[tuple(lb)]
    else:
        parent_keys: dict[str, int] = {}
        parent_names: list[str] = []
        path_keys: dict[tuple[str, str], int] = {}
        path_names: list[str] = []
        path_parent: list[int] = []
        for i, item in enumerate(items):
            if not item:
                continue
            head, _, tail = item.partition(">")
            parent = " ".join(head.split())
            child = " ".join(tail.split())
            if not parent:
                where = f" of {source}" if source else ""
                raise LabelError(
                    f"Malformed category '{item}' in row {first_row(i)}, column '{column}'{where}: "
                    "nothing before '>'. Write 'Parent > Child' or 'Parent', separated by ';'."
                )
            pkey = parent.casefold()
            if pkey not in parent_keys:
                parent_keys[pkey] = len(parent_names)
                parent_names.append(parent)
            key = (pkey, child.casefold())
            if key not in path_keys:
                path_keys[key] = len(path_names)
                shown = parent_names[parent_keys[pkey]]
                path_names.append(f"{shown} > {child}" if child else shown)
                path_parent.append(parent_keys[pkey])
            item_parent[i] = parent_keys[pkey]
            item_path[i] = path_keys[key]
        n_parents = len(parent_names)
        names = parent_names + path_names
        levels = ["parent"] * n_parents + ["category"] * len(path_names)
        parents = parent_names + [parent_names[p] for p in path_parent]
        item_path = np.where(item_path >= 0, item_path + n_parents, -1)

    used = item_parent[piece_item] >= 0
    cells_used = piece_cell[used]
    rows_idx = np.concatenate([cells_used, cells_used])
    cols_idx = np.concatenate([item_parent[piece_item][used], item_path[piece_item][used]])
    member = sparse.csr_matrix(
        (np.ones(len(rows_idx)), (rows_idx, cols_idx)),
        shape=(n_cells, len(names)),
    )
    member.sum_duplicates()
    member.data[:] = 1.0  # a parent counts once however many of its children fire
    return CategoryMatrix(names=names, levels=levels, parents=parents, member=member, row_cells=codes)


# ---- aggregation to sufficient statistics


@dataclass
class _Agg:
    """Sums per group of rows sharing a categories cell (and segment/period when cut)."""

    cell: np.ndarray  # (G,) distinct-cell index of each group
    rows: np.ndarray  # (G,) all rows
    n: np.ndarray  # (G,) rows with a valid score
    s1: np.ndarray  # (G,) sum of y
    s2: np.ndarray  # (G,) sum of y^2
    det: np.ndarray  # (G,) detractors
    counts: np.ndarray | None  # (G, K) rows per distinct y value (exact bootstrap), or None

    def subset(self, mask: np.ndarray) -> "_Agg":
        return _Agg(self.cell[mask], self.rows[mask], self.n[mask], self.s1[mask], self.s2[mask],
                    self.det[mask], None if self.counts is None else self.counts[mask])


def _aggregate(
    row_cells: np.ndarray, n_cells: int, y: np.ndarray, valid: np.ndarray, det: np.ndarray,
    ykey: np.ndarray | None, n_values: int, extra: np.ndarray | None = None, w: np.ndarray | None = None,
) -> tuple[_Agg, np.ndarray | None]:
    """Group rows by (extra, cell); returns the sums and each group's ``extra`` code.

    ``w`` are frequency weights (a row stands for ``w`` identical respondents); None = 1 each.
    """
    if extra is None:
        group = row_cells
        n_groups = n_cells
        cell_of_group = np.arange(n_cells)
        extra_of_group = None
    else:
        combined = extra.astype(np.int64) * n_cells + row_cells
        uniq, group = np.unique(combined, return_inverse=True)
        n_groups = len(uniq)
        cell_of_group = uniq % n_cells
        extra_of_group = uniq // n_cells
    g_valid = group[valid]
    y_valid = y[valid]
    if w is None:
        rows = np.bincount(group, minlength=n_groups).astype(float)
        n = np.bincount(g_valid, minlength=n_groups).astype(float)
        s1 = np.bincount(g_valid, weights=y_valid, minlength=n_groups)
        s2 = np.bincount(g_valid, weights=y_valid * y_valid, minlength=n_groups)
        d = np.bincount(g_valid, weights=det[valid].astype(float), minlength=n_groups)
        w_valid = None
    else:
        w_valid = w[valid]
        rows = np.bincount(group, weights=w, minlength=n_groups)
        n = np.bincount(g_valid, weights=w_valid, minlength=n_groups)
        s1 = np.bincount(g_valid, weights=w_valid * y_valid, minlength=n_groups)
        s2 = np.bincount(g_valid, weights=w_valid * y_valid * y_valid, minlength=n_groups)
        d = np.bincount(g_valid, weights=w_valid * det[valid], minlength=n_groups)
    counts = None
    if ykey is not None:
        counts = np.bincount(g_valid * n_values + ykey, weights=w_valid,
                             minlength=n_groups * n_values).reshape(n_groups, n_values)
        counts = counts.astype(float)
    return _Agg(cell_of_group, rows, n, s1, s2, d, counts), extra_of_group


# ---- per-category statistics


def _category_stats(
    agg: _Agg, member: sparse.csr_matrix, values: np.ndarray | None, *, orientation: float, has_det: bool,
    min_n: int, n_boot: int, rng: np.random.Generator, confidence: float,
) -> pd.DataFrame:
    """Mentions, metric with/without, detractor rates, leave-out impact (+ bootstrap CI) per column."""
    mt = member[agg.cell].T.tocsr()  # (C, G)
    total_rows = agg.rows.sum()
    N = agg.n.sum()
    S = agg.s1.sum()
    D = agg.det.sum()
    mentions = mt @ agg.rows
    n1 = mt @ agg.n
    n0 = N - n1
    s1_with = mt @ agg.s1
    d_with = mt @ agg.det
    with np.errstate(invalid="ignore", divide="ignore"):
        metric_with = np.where(n1 > 0, s1_with / n1, np.nan)
        metric_without = np.where(n0 > 0, (S - s1_with) / n0, np.nan)
        metric_all = S / N if N > 0 else np.nan
        impact = metric_all - metric_without
        impact = np.where(n1 == 0, 0.0, impact)  # nobody mentions it: leaving it out changes nothing
        share = mentions / total_rows if total_rows > 0 else np.full(len(mentions), np.nan)
        if has_det:
            rate_with = np.where(n1 > 0, d_with / n1, np.nan)
            rate_without = np.where(n0 > 0, (D - d_with) / n0, np.nan)
            share_det = d_with / D if D > 0 else np.full(len(n1), np.nan)
            lift = rate_with / (D / N) if D > 0 else np.full(len(n1), np.nan)
        else:
            rate_with = rate_without = share_det = lift = np.full(len(n1), np.nan)
    low, high = _bootstrap(agg, mt, values, n1, s1_with, N, S, n_boot, rng, confidence)
    return pd.DataFrame(
        {
            "mentions": mentions.astype(np.int64),
            "mentions_scored": n1.astype(np.int64),
            "share": share,
            "share_of_detractors": share_det,
            "metric_with": metric_with,
            "metric_without": metric_without,
            "impact": impact,
            "impact_low": low,
            "impact_high": high,
            "detractor_rate_with": rate_with,
            "detractor_rate_without": rate_without,
            "lift": lift,
            "low_n": n1 < min_n,
        }
    )


def _bootstrap(
    agg: _Agg, mt: sparse.csr_matrix, values: np.ndarray | None, n1: np.ndarray, s1_with: np.ndarray,
    N: float, S: float, n_boot: int, rng: np.random.Generator, confidence: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Percentile bootstrap interval of the leave-out impact for every column at once."""
    C = mt.shape[0]
    low = np.full(C, np.nan)
    high = np.full(C, np.nan)
    if n_boot <= 0 or N < 2:
        return low, high
    alpha = 1 - confidence
    n_int = int(round(N))
    if agg.counts is not None and values is not None:
        with_counts = mt @ agg.counts  # (C, K)
        total = agg.counts.sum(axis=0)  # (K,)
        cells = np.concatenate([with_counts, total[None, :] - with_counts], axis=1)
        cells = np.clip(cells, 0, None)
        probs = cells / cells.sum(axis=1, keepdims=True)
        K = len(values)
        chunk = max(1, int(4_000_000 // max(1, n_boot * 2 * K)))
        for start in range(0, C, chunk):
            stop = min(C, start + chunk)
            draws = rng.multinomial(n_int, probs[start:stop], size=(n_boot, stop - start)).astype(float)
            sum_all = draws[..., :K] @ values + draws[..., K:] @ values
            n_wo = draws[..., K:].sum(axis=-1)
            with np.errstate(invalid="ignore", divide="ignore"):
                reps = sum_all / n_int - (draws[..., K:] @ values) / n_wo
            low[start:stop], high[start:stop] = _percentiles(reps, alpha)
    else:
        # Continuous y: the split of respondents is exact (binomial); each cell's sum is drawn
        # from a normal with the cell's mean and variance (CLT approximation).
        s2_with = mt @ agg.s2
        S2 = agg.s2.sum()
        n0 = N - n1
        with np.errstate(invalid="ignore", divide="ignore"):
            mu1 = np.where(n1 > 0, s1_with / n1, 0.0)
            mu0 = np.where(n0 > 0, (S - s1_with) / n0, 0.0)
            var1 = np.clip(np.where(n1 > 0, s2_with / n1 - mu1**2, 0.0), 0, None)
            var0 = np.clip(np.where(n0 > 0, (S2 - s2_with) / n0 - mu0**2, 0.0), 0, None)
        b1 = rng.binomial(n_int, np.clip(n1 / N, 0, 1), size=(n_boot, C)).astype(float)
        b0 = n_int - b1
        sum1 = b1 * mu1 + np.sqrt(b1 * var1) * rng.standard_normal((n_boot, C))
        sum0 = b0 * mu0 + np.sqrt(b0 * var0) * rng.standard_normal((n_boot, C))
        with np.errstate(invalid="ignore", divide="ignore"):
            reps = (sum1 + sum0) / n_int - sum0 / b0
        low, high = _percentiles(reps, alpha)
    none = n1 == 0
    low[none] = 0.0
    high[none] = 0.0
    return low, high


def _percentiles(reps: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    ok = np.isfinite(reps)
    if ok.all():
        q = np.quantile(reps, [alpha / 2, 1 - alpha / 2], axis=0)
    else:
        with np.errstate(invalid="ignore"):
            q = np.nanquantile(np.where(ok, reps, np.nan), [alpha / 2, 1 - alpha / 2], axis=0)
    return q[0], q[1]


# ---- key-driver regression


def _ols_grouped(
    X: sparse.csr_matrix, w: np.ndarray, s1: np.ndarray, s2: np.ndarray, cov_type: str
) -> tuple[np.ndarray, np.ndarray, float, float]:
    """OLS of row-level y on X from per-group sums (rows in a group share a design row).

    ``X`` (G, p) sparse, includes the intercept; ``w`` rows per group, ``s1``/``s2`` sums of y
    and y^2. Exactly equivalent to fitting the expanded rows: the residual sum of squares of a
    group is s2 - 2 f s1 + w f^2 for its fitted value f, and every respondent of a group has the
    same leverage. Returns (beta, cov, r_squared, dof_resid).
    """
    X = sparse.csr_matrix(X)
    A = np.asarray((X.T @ X.multiply(w[:, None])).todense())
    A_inv = np.linalg.inv(A)
    beta = A_inv @ np.asarray(X.T @ s1).ravel()
    fitted = np.asarray(X @ beta).ravel()
    rss_g = np.clip(s2 - 2 * fitted * s1 + w * fitted**2, 0.0, None)
    n = w.sum()
    p = X.shape[1]
    rss = rss_g.sum()
    tss = s2.sum() - s1.sum() ** 2 / n
    r2 = 1 - rss / tss if tss > 0 else np.nan
    dof = n - p
    if cov_type == "nonrobust":
        cov = A_inv * (rss / dof)
    else:
        if cov_type == "HC3":
            h = np.empty(X.shape[0])
            step = 65536
            for start in range(0, X.shape[0], step):
                block = X[start:start + step]
                h[start:start + step] = np.asarray(block.multiply(block @ A_inv).sum(axis=1)).ravel()
            rss_g = rss_g / np.clip(1 - h, 1e-12, None) ** 2
        meat = np.asarray((X.T @ X.multiply(rss_g[:, None])).todense())
        cov = A_inv @ meat @ A_inv
        if cov_type == "HC1":
            cov = cov * (n / dof)
    return beta, cov, r2, dof


def _independent_columns(A: np.ndarray, candidates: list[int]) -> list[int]:
    """Greedy pick of columns (after the intercept at 0) that keep the Gram matrix full rank."""
    everything = [0] + candidates
    sub = A[np.ix_(everything, everything)]
    d = np.sqrt(np.diag(sub))
    if np.linalg.matrix_rank(sub / np.outer(d, d), tol=1e-9) == len(everything):
        return candidates
    keep = [0]
    for j in candidates:
        trial = keep + [j]
        sub = A[np.ix_(trial, trial)]
        d = np.sqrt(np.diag(sub))
        if np.linalg.matrix_rank(sub / np.outer(d, d), tol=1e-9) == len(trial):
            keep = trial
    return keep[1:]


def _regression(
    agg: _Agg, cmat: CategoryMatrix, level: str, *, cov_type: str, confidence: float, min_n: int,
) -> tuple[pd.DataFrame, dict]:
    cols = cmat.columns(level)
    used = agg.n > 0
    w = agg.n[used]
    s1 = agg.s1[used]
    s2 = agg.s2[used]
    Xc = cmat.member[agg.cell[used]][:, cols].tocsr()
    n_scored_mentions = np.asarray(Xc.T @ w).ravel()
    X = sparse.hstack([sparse.csr_matrix(np.ones((len(w), 1))), Xc], format="csc")
    notes = [""] * len(cols)
    candidates = []
    for j in range(len(cols)):
        if n_scored_mentions[j] < 2:
            notes[j] = "not estimated: fewer than 2 scored mentions"
        else:
            candidates.append(j + 1)
    A = np.asarray((X.T @ X.multiply(w[:, None])).todense())
    keep = _independent_columns(A, candidates) if candidates else []
    for j in set(candidates) - set(keep):
        notes[j - 1] = "not estimated: collinear with other categories (always mentioned together)"
    coef = np.full(len(cols) + 1, np.nan)
    se = np.full(len(cols) + 1, np.nan)
    fit = {"level": level, "n": int(w.sum()), "terms": len(keep), "r_squared": np.nan, "cov_type": cov_type}
    idx = [0] + keep
    if w.sum() > len(idx):
        beta, cov, r2, dof = _ols_grouped(X[:, idx].tocsr(), w, s1, s2, cov_type)
        coef[idx] = beta
        se[idx] = np.sqrt(np.clip(np.diag(cov), 0, None))
        fit["r_squared"] = r2
    else:
        dof = 1.0
    with np.errstate(invalid="ignore", divide="ignore"):
        tstat = coef / se
    if cov_type == "nonrobust":
        crit = stats.t.ppf(0.5 + confidence / 2, dof)
        p = 2 * stats.t.sf(np.abs(tstat), dof)
    else:
        crit = stats.norm.ppf(0.5 + confidence / 2)
        p = 2 * stats.norm.sf(np.abs(tstat))
    p_adj = np.full(len(p), np.nan)
    tested = np.array(keep, dtype=np.int64)
    if len(tested):
        p_adj[tested] = _bh(p[tested])
    names = ["(intercept)"] + [cmat.names[c] for c in cols]
    parents = [""] + [cmat.parents[c] for c in cols]
    mentions = np.concatenate([[w.sum()], n_scored_mentions]).astype(np.int64)
    frame = pd.DataFrame(
        {
            "level": level,
            "category": names,
            "parent": parents,
            "coef": coef,
            "se": se,
            "ci_low": coef - crit * se,
            "ci_high": coef + crit * se,
            "p_value": p,
            "p_adjusted": p_adj,
            "significant": p_adj < (1 - confidence),
            "mentions_scored": mentions,
            "low_n": np.concatenate([[False], n_scored_mentions < min_n]),
            "note": [""] + notes,
        }
    )
    return frame, fit


def _bh(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (statsmodels' ``fdr_bh``)."""
    from statsmodels.stats.multitest import multipletests

    return multipletests(p, method="fdr_bh")[1]


# ---- dates


def parse_periods(values: pd.Series, freq: str, *, column: str = "date") -> tuple[np.ndarray, list, ScoreIssues]:
    """Map a date column to period codes; unreadable dates are reported (code -1), rows kept.

    Distinct values are parsed once: ISO dates first (offsets converted to UTC), then pandas'
    per-value ``mixed`` parser, day-first when the column's dd/mm dates say so (31.03.2024).
    Returns (codes, period list, issues).

    >>> codes, periods, issues = parse_periods(pd.Series(["2024-01-05", "2024-02-01", "soon", None]), "month")
    >>> codes.tolist(), [str(p) for p in periods], issues.counts()
    ([0, 1, -1, -1], ['2024-01', '2024-02'], {'missing': 1, 'unparseable': 1})
    """
    if freq not in FREQS:
        raise ScoreError(f"Unknown period '{freq}': use one of {', '.join(FREQS)}.")
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    n = len(series)
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        stamps = pd.DatetimeIndex(series)
        missing = np.asarray(stamps.isna())
        bad = np.zeros(n, dtype=bool)
    else:
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        texts = pd.Index([str(u).strip() for u in uniques], dtype=object)
        # utc=True so that a mix of offsets ("...Z", "+03:00") and naive stamps is allowed
        parsed = pd.to_datetime(texts, errors="coerce", format="ISO8601", utc=True).tz_convert(None)
        retry = parsed.isna() & (texts != "")
        if retry.any():
            with np.errstate(all="ignore"):
                import warnings

                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    again = pd.to_datetime(texts[retry], errors="coerce", format="mixed", dayfirst=_dayfirst(texts[retry]),
                                           utc=True).tz_convert(None)
            parsed = parsed.to_series().reset_index(drop=True)
            parsed[np.flatnonzero(retry)] = again
            parsed = pd.DatetimeIndex(parsed)
        if getattr(parsed, "tz", None) is not None:
            parsed = parsed.tz_convert(None)
        empty = np.array([t == "" for t in texts], dtype=bool)
        u_missing = np.append(empty, True)
        u_bad = np.append(np.asarray(parsed.isna()) & ~empty, False)
        stamps = pd.DatetimeIndex(np.append(parsed.to_numpy(dtype="datetime64[ns]"), np.datetime64("NaT")))
        idx = np.where(codes < 0, len(uniques), codes)
        missing = u_missing[idx]
        bad = u_bad[idx]
        stamps = stamps[idx]
    if getattr(stamps, "tz", None) is not None:
        stamps = stamps.tz_convert(None)
    periods = stamps.to_period(FREQS[freq])
    ok = ~(missing | bad)
    pcodes, puniques = pd.factorize(periods[ok], sort=True)
    out = np.full(n, -1, dtype=np.int64)
    out[ok] = pcodes
    issues = ScoreIssues(
        column=column,
        n_rows=n,
        problem_rows={"missing": np.flatnonzero(missing) + 1, "unparseable": np.flatnonzero(bad) + 1},
        examples={"unparseable": [str(v) for v in pd.unique(series.to_numpy()[bad])[:5]]},
        what="date",
    )
    return out, list(puniques), issues


def _dayfirst(texts: pd.Index) -> bool:
    """Read 03/04/2024 as 3 April when the column's slash/dot dates are day-first somewhere
    (a first number above 12) and never month-first (a second number above 12)."""
    first = texts.str.extract(r"^\s*(\d{1,2})[./-](\d{1,2})[./-]\d{2,4}")
    a = pd.to_numeric(first[0], errors="coerce")
    b = pd.to_numeric(first[1], errors="coerce")
    if (b > 12).any():
        return False
    return bool((a > 12).any()) or bool(texts.str.contains(r"^\s*\d{1,2}\.\d{1,2}\.\d{2,4}", regex=True).any())


def _period_label(period: pd.Period, freq: str) -> str:
    if freq == "week":
        return period.start_time.strftime("%Y-%m-%d")
    if freq == "quarter":
        return f"{period.year}-Q{period.quarter}"
    return str(period)


# ---- result


@dataclass
class DriversResult:
    """Everything ``compute_drivers`` found; see the module docstring for the columns."""

    overall: ScoreSummary
    table: pd.DataFrame
    regression: pd.DataFrame
    segments: pd.DataFrame | None
    trend: pd.DataFrame | None
    score_issues: ScoreIssues
    settings: dict[str, Any] = field(default_factory=dict)
    regression_fit: pd.DataFrame | None = None
    date_issues: ScoreIssues | None = None
    uncategorised: int = 0

    def level(self, level: str = "parent") -> pd.DataFrame:
        """The ranked table of one level."""
        return self.table[self.table["level"] == level].reset_index(drop=True)

    def segments_wide(self, value: str = "impact", level: str | None = None) -> pd.DataFrame | None:
        """One row per category, one column per segment, cells = ``value`` (e.g. impact, share).

        >>> df = pd.DataFrame({"nps": [10, 2, 9, 1], "categories": ["", "Price", "", "Price"],
        ...                    "region": ["N", "N", "S", "S"]})
        >>> compute_drivers(df, score_col="nps", by="region", n_boot=0).segments_wide().columns.tolist()
        ['level', 'category', 'N', 'S']
        """
        if self.segments is None:
            return None
        seg = self.segments if level is None else self.segments[self.segments["level"] == level]
        segments = list(dict.fromkeys(seg["segment"]))
        wide = seg.set_index(["level", "category", "segment"])[value].unstack("segment")
        wide = wide[segments]
        wide.columns = [str(c) for c in wide.columns]
        wide = wide.reset_index()
        order = {lv: i for i, lv in enumerate(LEVELS)}
        overall = self.table.set_index(["level", "category"])["rank"]
        wide["_o"] = [order.get(lv, 9) for lv in wide["level"]]
        wide["_r"] = [overall.get((lv, c), 10**9) for lv, c in zip(wide["level"], wide["category"])]
        return wide.sort_values(["_o", "_r"]).drop(columns=["_o", "_r"]).reset_index(drop=True)


def _finish_table(stats_frame: pd.DataFrame, cmat: CategoryMatrix, orientation: float) -> pd.DataFrame:
    frame = stats_frame.copy()
    frame.insert(0, "level", cmat.levels)
    frame.insert(1, "category", cmat.names)
    frame.insert(2, "parent", cmat.parents)
    frame["_lvl"] = frame["level"].map({lv: i for i, lv in enumerate(LEVELS)})
    frame["_harm"] = frame["impact"] * orientation
    frame = frame.sort_values(["_lvl", "_harm", "mentions"], ascending=[True, True, False], na_position="last",
                              kind="stable")
    frame["rank"] = frame.groupby("_lvl").cumcount() + 1
    return frame.drop(columns=["_lvl", "_harm"])[TABLE_COLUMNS].reset_index(drop=True)


def compute_drivers(
    df: pd.DataFrame,
    *,
    score_col: str,
    score_type: str = "nps",
    categories_col: str = "categories",
    by: str | None = None,
    period_col: str | None = None,
    freq: str = "month",
    min_n: int = 30,
    scale: Any = None,
    higher_is_better: bool = True,
    n_boot: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
    taxonomy: Any = None,
    cov_type: str = "HC3",
    source: str | None = None,
    weight: str | None = None,
) -> DriversResult:
    """Which categories drive the score: impact with bootstrap CIs, key-driver regression, cuts.

    ``df`` keeps all its rows: invalid scores and dates are reported in ``score_issues`` /
    ``date_issues`` and only left out of what needs them. ``taxonomy`` (a ``Taxonomy`` or a
    bundled name/path) is optional. ``source`` (a file name) only serves error messages.
    The library never prints; see the module docstring for definitions and columns.

    ``weight`` names a column of frequency weights (whole numbers >= 0): a row stands for that
    many identical respondents. Every statistic is the same as on the expanded table (rows
    sharing categories, score, segment and period are interchangeable for all of them), so a
    big file can be reduced to ``groupby([...]).size()`` first (see :class:`DriversAccumulator`).
    With weights, ``score_issues``/``date_issues`` are :class:`CountedIssues`: exact counts,
    row numbers only where known.

    >>> df = pd.DataFrame({"nps": [9, 2, 10, 3], "categories": ["", "Price > Too expensive", "", "Price"]})
    >>> res = compute_drivers(df, score_col="nps", min_n=1, n_boot=100)
    >>> res.level("parent")[["category", "mentions", "metric_with", "metric_without", "impact"]].values.tolist()
    [['Price', 2, -100.0, 100.0, -100.0]]
    """
    from feedback_classifier.tableio.tables import require_columns

    if not 0 < confidence < 1:
        raise ScoreError(f"Confidence must be between 0 and 1 (e.g. 0.95), got {confidence}.")
    if cov_type not in COV_TYPES:
        raise ScoreError(f"Unknown covariance type '{cov_type}': use one of {', '.join(COV_TYPES)}.")
    if min_n < 0 or n_boot < 0:
        raise ScoreError("min_n and n_boot must be zero or positive.")
    if freq not in FREQS:
        raise ScoreError(f"Unknown period '{freq}': use one of {', '.join(FREQS)}.")
    needed = [score_col, categories_col] + [c for c in (by, period_col, weight) if c is not None]
    require_columns(df, needed, source=source or "the table")

    spec = ScoreSpec.make(score_type, scale, higher_is_better)
    w = None if weight is None else _frequency_weights(df[weight], weight, source)
    parsed: ParsedScores = parse_scores(df[score_col], spec, column=score_col)
    if w is None:
        overall = summarize_scores(parsed, confidence)
    else:
        parsed.issues = CountedIssues.from_weighted(parsed.issues, w)
        overall = summarize_scores(parsed, confidence, weights=w)
    cmat = category_matrix(df[categories_col], taxonomy=taxonomy, column=categories_col, source=source)
    n_cells = cmat.member.shape[0]
    orientation = 1.0 if (spec.score_type in ("nps", "csat") or spec.higher_is_better) else -1.0

    valid = parsed.valid
    y = np.where(valid, spec.metric_values(parsed.values), 0.0)
    det_flags = spec.detractor(parsed.values)
    det = np.zeros(len(y), dtype=bool) if det_flags is None else (det_flags & valid)
    distinct = np.unique(y[valid])
    if len(distinct) <= MAX_EXACT_VALUES:
        values = distinct.astype(float)
        ykey = np.searchsorted(values, y[valid])
        bootstrap_kind = "exact multinomial over (mentions, score value) cells"
    else:
        values, ykey = None, None
        bootstrap_kind = "binomial split with normal approximation of cell sums"
    n_values = 0 if values is None else len(values)

    root = np.random.SeedSequence(seed)
    seeds = iter(root.spawn(4))
    common = dict(orientation=orientation, has_det=spec.has_detractors, min_n=min_n, n_boot=n_boot,
                  confidence=confidence)

    agg, _ = _aggregate(cmat.row_cells, n_cells, y, valid, det, ykey, n_values, w=w)
    table_stats = _category_stats(agg, cmat.member, values, rng=np.random.default_rng(next(seeds)), **common)
    table = _finish_table(table_stats, cmat, orientation)

    reg_frames, fits = [], []
    for level in LEVELS:
        frame, fit = _regression(agg, cmat, level, cov_type=cov_type, confidence=confidence, min_n=min_n)
        reg_frames.append(frame)
        fits.append(fit)
    regression = pd.concat(reg_frames, ignore_index=True)
    regression_fit = pd.DataFrame(fits)

    segments = None
    rng_seg = np.random.default_rng(next(seeds))
    if by is not None:
        seg_values = df[by]
        seg_codes, seg_uniques = pd.factorize(seg_values.astype("string").str.strip().replace("", pd.NA),
                                              use_na_sentinel=True)
        labels = [str(u) for u in seg_uniques] + [MISSING_SEGMENT]
        seg_codes = np.where(seg_codes < 0, len(seg_uniques), seg_codes)
        seg_agg, seg_of_group = _aggregate(cmat.row_cells, n_cells, y, valid, det, ykey, n_values, extra=seg_codes,
                                           w=w)
        rows_per_seg = np.bincount(seg_codes, weights=w, minlength=len(labels))
        order = [i for i in np.argsort(-rows_per_seg, kind="stable") if rows_per_seg[i] > 0]
        frames = []
        for s in order:
            sub = seg_agg.subset(seg_of_group == s)
            st = _finish_table(_category_stats(sub, cmat.member, values, rng=rng_seg, **common), cmat, orientation)
            n_sc = sub.n.sum()
            st.insert(0, "segment", labels[s])
            st.insert(1, "segment_rows", int(sub.rows.sum()))
            st.insert(2, "segment_scored", int(n_sc))
            st.insert(3, "segment_metric", _metric_from_sums(sub, spec) if n_sc > 0 else np.nan)
            frames.append(st)
        segments = pd.concat(frames, ignore_index=True)

    trend = None
    date_issues = None
    if period_col is not None:
        pcodes, periods, date_issues = parse_periods(df[period_col], freq, column=period_col)
        if w is not None:
            date_issues = CountedIssues.from_weighted(date_issues, w)
        ok = pcodes >= 0
        rng_tr = np.random.default_rng(next(seeds))
        frames = []
        if ok.any():
            tr_agg, p_of_group = _aggregate(cmat.row_cells[ok], n_cells, y[ok], valid[ok], det[ok],
                                            None if ykey is None else np.searchsorted(values, y[ok][valid[ok]]),
                                            n_values, extra=pcodes[ok], w=None if w is None else w[ok])
            for pi, period in enumerate(periods):
                sub = tr_agg.subset(p_of_group == pi)
                st = _category_stats(sub, cmat.member, values, rng=rng_tr, **common)
                st.insert(0, "level", cmat.levels)
                st.insert(1, "category", cmat.names)
                st.insert(2, "parent", cmat.parents)
                st = st[TREND_CATEGORY_COLUMNS]
                n_sc = sub.n.sum()
                st.insert(0, "period", _period_label(period, freq))
                st.insert(1, "period_start", period.start_time.date().isoformat())
                st.insert(2, "period_rows", int(sub.rows.sum()))
                st.insert(3, "period_scored", int(n_sc))
                st.insert(4, "period_metric", _metric_from_sums(sub, spec) if n_sc > 0 else np.nan)
                frames.append(st)
        columns = ["period", "period_start", "period_rows", "period_scored", "period_metric"] + TREND_CATEGORY_COLUMNS
        trend = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
        if frames:
            lvl = trend["level"].map({lv: i for i, lv in enumerate(LEVELS)})
            rank = table.set_index(["level", "category"])["rank"]
            trend["_r"] = [rank.get((lv, c), 10**9) for lv, c in zip(trend["level"], trend["category"])]
            trend["_l"] = lvl
            trend = trend.sort_values(["_l", "_r", "period"], kind="stable").drop(columns=["_l", "_r"])
            trend = trend.reset_index(drop=True)

    no_category = np.asarray(cmat.member.sum(axis=1)).ravel() == 0
    uncategorised = int(no_category[cmat.row_cells].sum() if w is None else w[no_category[cmat.row_cells]].sum())
    settings = {
        "score_col": score_col, "score_type": spec.score_type, "scale": spec.scale,
        "higher_is_better": spec.higher_is_better, "metric": spec.metric_name, "categories_col": categories_col,
        "by": by, "period_col": period_col, "freq": freq, "min_n": min_n, "n_boot": n_boot, "seed": seed,
        "confidence": confidence, "cov_type": cov_type, "bootstrap": bootstrap_kind,
        "taxonomy": getattr(taxonomy, "name", taxonomy), "weight": weight,
    }
    return DriversResult(
        overall=overall, table=table, regression=regression, segments=segments, trend=trend,
        score_issues=parsed.issues, settings=settings, regression_fit=regression_fit,
        date_issues=date_issues, uncategorised=uncategorised,
    )


def _frequency_weights(values: pd.Series, column: str, source: str | None) -> np.ndarray:
    """A weight column as float64; whole numbers >= 0 only (a row stands for w respondents)."""
    w = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(w) | (w < 0) | (w != np.round(w))
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        where = f" of {source}" if source else ""
        raise ScoreError(
            f"Weight column '{column}'{where}, row {first + 1}: {values.iloc[first]!r} is not a whole number >= 0; "
            "frequency weights count identical respondents (e.g. the size of a groupby)."
        )
    return w


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
                   what=issues.what, totals=totals)

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
             "examples": ", ".join(repr(e) for e in self.examples.get(kind, []))}
            for kind, n in self.totals.items() if n
        ]
        return pd.DataFrame(records, columns=["column", "problem", "count", "rows", "examples"])

    def summary(self, max_rows: int = 10) -> str:
        if self.n_invalid == 0:
            return f"Column '{self.column}': all {self.n_rows:,} rows have a valid {self.what}."
        parts = []
        for kind, n in self.totals.items():
            if not n:
                continue
            shown = self._shown(kind, max_rows, ", ...")
            where = f" ({'row' if n == 1 else 'rows'} {shown}" if shown else " ("
            examples = self.examples.get(kind) or []
            example_text = ", ".join(repr(e) for e in examples) if examples and kind != "missing" else ""
            if shown:
                text = where + (f": {example_text}" if example_text else "") + ")"
            else:
                text = f" ({example_text})" if example_text else ""
            parts.append(f"{n:,} {ISSUE_LABELS.get(kind, kind)}{text}")
        return (
            f"Column '{self.column}': {self.n_valid:,} of {self.n_rows:,} rows have a valid {self.what}; "
            f"{self.n_invalid:,} left out of {'the trend' if self.what == 'date' else 'score statistics'} "
            "(rows kept): " + "; ".join(parts) + "."
        )


def _metric_from_sums(agg: _Agg, spec: ScoreSpec) -> float:
    return float(agg.s1.sum() / agg.n.sum())


# ---- Markdown rendering (for --out drivers.md)


def _md_table(frame: pd.DataFrame) -> str:
    def cell(v: Any) -> str:
        text = "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
        return text.replace("|", "\\|").replace("\n", " ")

    head = "| " + " | ".join(cell(c) for c in frame.columns) + " |"
    rule = "|" + "|".join("---:" if pd.api.types.is_numeric_dtype(frame[c]) else "---" for c in frame.columns) + "|"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *body])


def _fmt(v: Any, digits: int = 1) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return ""
    return f"{v:.{digits}f}"


def _readable(table: pd.DataFrame, digits: int, has_det: bool) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "rank": table["rank"].astype(int),
            "category": table["category"],
            "mentions": table["mentions"].astype(int),
            "share %": [_fmt(100 * v) for v in table["share"]],
            "with": [_fmt(v, digits) for v in table["metric_with"]],
            "without": [_fmt(v, digits) for v in table["metric_without"]],
            "impact": [_fmt(v, digits + 1) for v in table["impact"]],
            "95% CI": [
                f"{_fmt(lo, digits + 1)} to {_fmt(hi, digits + 1)}" if math.isfinite(lo) else ""
                for lo, hi in zip(table["impact_low"], table["impact_high"])
            ],
        }
    )
    if has_det:
        out["detractor rate %"] = [_fmt(100 * v) for v in table["detractor_rate_with"]]
        out["lift"] = [_fmt(v, 2) for v in table["lift"]]
    out["note"] = ["low n" if flag else "" for flag in table["low_n"]]
    return out


def drivers_markdown(result: DriversResult, *, top: int | None = None) -> str:
    """The whole result as a Markdown document (tables rounded for reading; CSV keeps full precision).

    >>> df = pd.DataFrame({"nps": [10, 2, 9, 1], "categories": ["", "Price", "", "Price"]})
    >>> print(drivers_markdown(compute_drivers(df, score_col="nps", n_boot=0)).splitlines()[0])
    # Drivers of NPS
    """
    s = result.settings
    o = result.overall
    digits = 2 if s["score_type"] in ("ces", "mean") else 1
    conf = f"{s['confidence']:.0%}"
    unit = "%" if s["score_type"] == "csat" else ""
    lines = [f"# Drivers of {o.metric_name}", ""]
    lines.append(
        f"**{o.metric_name} {_fmt(o.metric, digits)}{unit}** ({conf} CI {_fmt(o.ci_low, digits)} to "
        f"{_fmt(o.ci_high, digits)}) from {o.n_scored:,} valid scores in column `{s['score_col']}` "
        f"({o.n_rows:,} rows; {result.uncategorised:,} rows without any category)."
    )
    if o.promoters is not None:
        lines.append(f"Promoters {o.promoters:,}, passives {o.passives:,}, detractors {o.detractors:,}.")
    lines += ["", result.score_issues.summary(max_rows=20)]
    if result.date_issues is not None:
        lines += ["", result.date_issues.summary(max_rows=20)]
    lines += [
        "",
        f"Impact = {o.metric_name} of all scored comments minus {o.metric_name} of those that do not mention the "
        f"category (points; negative = pulls the score down). "
        + (f"{conf} intervals: bootstrap over respondents ({s['n_boot']} replicates, {s['bootstrap']}). "
           if s["n_boot"] else "No bootstrap intervals (n_boot = 0). ")
        + f"`low n` = fewer than {s['min_n']} scored mentions.",
    ]
    has_det = s["score_type"] != "mean"
    for level, title in (("parent", "Parent categories"), ("category", "Categories")):
        t = result.level(level)
        if top is not None:
            t = t.head(top)
        lines += ["", f"## {title}", "", _md_table(_readable(t, digits, has_det))]
    reg = result.regression[result.regression["category"] != "(intercept)"]
    lines += [
        "",
        "## Key-driver regression",
        "",
        f"OLS of the per-respondent {o.metric_name} value on all categories of a level at once "
        f"({s['cov_type']} robust standard errors); p-values adjusted with Benjamini-Hochberg per level.",
    ]
    for level in LEVELS:
        r = reg[reg["level"] == level].sort_values("coef", na_position="last")
        frame = pd.DataFrame(
            {
                "category": r["category"],
                "coef": [_fmt(v, digits + 1) for v in r["coef"]],
                f"{conf} CI": [f"{_fmt(a, digits + 1)} to {_fmt(b, digits + 1)}" if math.isfinite(a) else ""
                               for a, b in zip(r["ci_low"], r["ci_high"])],
                "p (BH)": [f"{v:.3g}" if math.isfinite(v) else "" for v in r["p_adjusted"]],
                "significant": ["yes" if v else "" for v in r["significant"]],
                "note": [n or ("low n" if low else "") for n, low in zip(r["note"], r["low_n"])],
            }
        )
        lines += ["", f"### {'Parent categories' if level == 'parent' else 'Categories'}", "", _md_table(frame)]
    if result.segments is not None:
        wide = result.segments_wide("impact", level="parent")
        for c in wide.columns[2:]:
            wide[c] = [_fmt(v, digits + 1) for v in wide[c]]
        lines += ["", f"## Impact by {s['by']} (parent categories)", "", _md_table(wide.drop(columns="level"))]
    if result.trend is not None and len(result.trend):
        tr = result.trend[result.trend["level"] == "parent"]
        wide = tr.pivot_table(index="category", columns="period", values="impact", sort=False, aggfunc="first")
        wide = wide.map(lambda v: _fmt(v, digits + 1)).reset_index()
        per = tr.drop_duplicates("period")
        lines += [
            "",
            f"## Trend by {s['freq']}",
            "",
            _md_table(pd.DataFrame({"period": per["period"], "rows": per["period_rows"],
                                    "scored": per["period_scored"],
                                    o.metric_name: [_fmt(v, digits) for v in per["period_metric"]]})),
            "",
            "Impact per period (parent categories):",
            "",
            _md_table(wide),
        ]
    return "\n".join(lines) + "\n"


# ---- streaming: reduce a big table to the distinct rows compute_drivers needs

ISSUE_ROWS_KEPT = 50  # first row numbers kept per kind of bad score/date (messages show at most 20)
_NON_ISO_TIME = re.compile(
    r"^(\s*\d{1,2}[./-]\d{1,2}[./-]\d{2,4})[ T]+\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:\s*[AaPp]\.?[Mm]\.?)?\s*$"
)


def canonical_dates(values: pd.Series, freq: str) -> pd.Series:
    """Date cells rewritten so that many cells fall in one period without changing any result.

    A cell that reads as an ISO date/time becomes the ISO date of its period's first day
    (``2024-03-17T10:22:05+03:00`` -> ``2024-03-01`` by month), which ``parse_periods`` reads
    back into the same period; a non-ISO date with a time keeps only its date part (the period
    and the day-first decision depend on the date part alone). Anything else is left as
    written, so unreadable dates are still reported as the user wrote them.

    >>> canonical_dates(pd.Series(["2024-03-17 10:22", "17.03.2024 10:22", "soon", None]), "month").tolist()
    ['2024-03-01', '17.03.2024', 'soon', nan]
    """
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return series
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    if not len(uniques):
        return series
    texts = pd.Index([str(u).strip() for u in uniques], dtype=object)
    parsed = pd.to_datetime(texts, errors="coerce", format="ISO8601", utc=True).tz_convert(None)
    out = np.array(list(uniques), dtype=object)
    ok = np.asarray(parsed.notna())
    if ok.any():
        starts = parsed[ok].to_period(FREQS[freq]).start_time.strftime("%Y-%m-%d")
        out[ok] = np.asarray(starts, dtype=object)
    for i in np.flatnonzero(~ok):
        match = _NON_ISO_TIME.match(texts[i])
        if match:
            out[i] = match.group(1).strip()
    result = pd.Series(out[np.where(codes < 0, 0, codes)], index=series.index, dtype=object)
    result[codes < 0] = None
    return result.astype(series.dtype) if series.dtype != object else result


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

    def __init__(self, columns: list[str], *, score_col: str | None = None, period_col: str | None = None,
                 freq: str = "month", categories_col: str = "categories", rows_kept: int = ISSUE_ROWS_KEPT):
        if freq not in FREQS:
            raise ScoreError(f"Unknown period '{freq}': use one of {', '.join(FREQS)}.")
        self.columns = list(dict.fromkeys(columns))
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
        n = len(chunk)
        coded = {}
        for column in self.columns:
            values = chunk[column]
            if column == self.period_col:
                values = canonical_dates(values, self.freq)
            self._dtypes.setdefault(column, values.dtype)
            coded[column] = self._codes(column, values)
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
        for name, keys in self._keys.items():
            frame = pd.DataFrame({c: coded[c] for c in keys})
            frame[self.WEIGHT] = np.ones(n, dtype=np.int64)
            parts = [self._groups[name], frame] if name in self._groups else [frame]
            merged = pd.concat(parts, ignore_index=True)
            self._groups[name] = merged.groupby(keys, sort=False, dropna=False)[self.WEIGHT].sum().reset_index()
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
        return pd.DataFrame(out)

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
        common = dict(weight=self.WEIGHT, score_col=self.score_col, categories_col=self.categories_col, freq=self.freq)
        result = compute_drivers(self.table("main"), **common, **kwargs)
        result.score_issues = self._with_rows(result.score_issues, self.score_col, "score", kwargs)
        if self.period_col is not None:
            by_free = {k: v for k, v in kwargs.items() if k != "by"}
            trend = compute_drivers(self.table("trend"), period_col=self.period_col, **common, **by_free)
            result.trend = trend.trend
            result.date_issues = self._with_rows(trend.date_issues, self.period_col, "date", kwargs)
            result.settings["period_col"] = self.period_col
        result.settings["weight"] = None
        return result

    def _with_rows(self, issues: "CountedIssues", column: str, what: str, kwargs: dict) -> "CountedIssues":
        uniques = pd.Series(self._uniques[column] + [None], dtype=object)
        dtype = self._dtypes.get(column)
        if dtype is not None and dtype != object:
            uniques = uniques.astype(dtype)
        if what == "score":
            spec = ScoreSpec.make(kwargs.get("score_type", "nps"), kwargs.get("scale"),
                                  kwargs.get("higher_is_better", True))
            problems = parse_scores(uniques, spec, column=column).issues.problem_rows
        else:
            problems = parse_periods(uniques, self.freq, column=column)[2].problem_rows
        kinds = list(problems)
        kind_of = np.full(len(uniques), -1, dtype=np.int64)
        for k, kind in enumerate(kinds):
            kind_of[problems[kind] - 1] = k
        rows = self.first_rows(column, kind_of, kinds)  # code -1 (a missing cell) is the trailing entry
        return CountedIssues(column=issues.column, n_rows=issues.n_rows, problem_rows=rows,
                             examples=issues.examples, what=issues.what, totals=issues.totals)
