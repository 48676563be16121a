"""Key-driver regression: one OLS of y on all categories of a level at once, from group sums.

A coefficient reads as metric points associated with mentioning a category, the other
categories held fixed; p-values are adjusted with Benjamini-Hochberg within a level.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse, stats

from feedback_classifier.insights.matrix import LEVELS, CategoryMatrix
from feedback_classifier.insights.stats import GroupSums, few_answers

COV_TYPES = ("HC3", "HC1", "HC0", "nonrobust")


def key_driver_regression(
    agg: GroupSums, cmat: CategoryMatrix, *, cov_type: str, confidence: float, min_n: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The coefficients of every level and one fit line per level (``regression``, ``regression_fit``).

    >>> from feedback_classifier.insights.matrix import category_matrix
    >>> from feedback_classifier.insights.stats import aggregate
    >>> cmat = category_matrix(["A", "A", "", "", "B", "B"])
    >>> y = np.array([-100.0, 0.0, 100.0, 100.0, 0.0, 100.0])
    >>> agg, _ = aggregate(cmat.row_cells, cmat.member.shape[0], y, np.ones(6, bool), y < 0, None, 0)
    >>> reg, fit = key_driver_regression(agg, cmat, cov_type="HC3", confidence=0.95, min_n=2)
    >>> [round(c, 6) for c in reg.loc[reg["level"] == "parent", "coef"]]   # intercept, A, B
    [100.0, -150.0, -50.0]
    """
    frames, fits = [], []
    for level in LEVELS:
        frame, fit = _regression(agg, cmat, level, cov_type=cov_type, confidence=confidence, min_n=min_n)
        frames.append(frame)
        fits.append(fit)
    return pd.concat(frames, ignore_index=True), pd.DataFrame(fits)


def _ols_grouped(
    X: sparse.csr_matrix, w: np.ndarray, s1: np.ndarray, s2: np.ndarray, cov_type: str, survey: dict | None = None,
) -> tuple[np.ndarray, np.ndarray, float, float]:
    """OLS of row-level y on X from per-group sums (rows in a group share a design row).

    ``X`` (G, p) sparse, includes the intercept; ``w`` rows per group, ``s1``/``s2`` sums of y
    and y^2. Exactly equivalent to fitting the expanded rows: the residual sum of squares of a
    group is s2 - 2 f s1 + w f^2 for its fitted value f, and every respondent of a group has the
    same leverage. Returns (beta, cov, r_squared, dof_resid).

    ``survey`` (sums of squared survey weights per group, ``aggregate``): ``w``/``s1``/``s2`` are weighted
    sums, the fit is weighted least squares, and its covariance the linearisation (sandwich) estimator of
    design-weighted regression: meat sum w_i^2 e_i^2 x_i x_i', scaled by n / (n - p) on the answers counted.
    """
    if survey is not None:
        return _wls_survey(X, w, s1, s2, survey)
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
        if cov_type == "HC3":
            undefined = _pinned_by_one_row(X, A_inv, h)
            cov[undefined, :] = np.nan
            cov[:, undefined] = np.nan
        if cov_type == "HC1":
            cov = cov * (n / dof)
    return beta, cov, r2, dof


def _wls_survey(X: sparse.csr_matrix, w: np.ndarray, s1: np.ndarray, s2: np.ndarray,
                survey: dict) -> tuple[np.ndarray, np.ndarray, float, float]:
    """``_ols_grouped`` with survey weights: (beta, cov, r_squared, dof_resid)."""
    X = sparse.csr_matrix(X)
    A_inv = np.linalg.inv(np.asarray((X.T @ X.multiply(w[:, None])).todense()))
    beta = A_inv @ np.asarray(X.T @ s1).ravel()
    f = np.asarray(X @ beta).ravel()
    rss = np.clip(s2 - 2 * f * s1 + w * f**2, 0.0, None).sum()
    tss = s2.sum() - s1.sum() ** 2 / w.sum()
    squared = np.clip(survey["w2y2"] - 2 * f * survey["w2y"] + f**2 * survey["w2"], 0.0, None)
    meat = np.asarray((X.T @ X.multiply(squared[:, None])).todense())
    n, p = survey["n"].sum(), X.shape[1]
    dof = n - p
    cov = A_inv @ meat @ A_inv * (n / dof if dof > 0 else np.nan)
    return beta, cov, (1 - rss / tss if tss > 0 else np.nan), dof


def _pinned_by_one_row(X: sparse.csr_matrix, A_inv: np.ndarray, h: np.ndarray) -> np.ndarray:
    """The coefficients that a row of leverage 1 moves. That row is fitted exactly whatever its score, so
    its HC3 term is 0 / 0: rounding made it ~1e-20 / 1e-24, and six answers gave standard errors of 0.02
    points, p = 0 and three categories "significant" (statsmodels gives inf). Such a coefficient is untested.

    >>> X = sparse.csr_matrix(np.array([[1.0, 0.0], [1.0, 0.0], [1.0, 1.0]]))
    >>> A_inv = np.linalg.inv((X.T @ X).toarray())
    >>> _pinned_by_one_row(X, A_inv, np.array([0.5, 0.5, 1.0])).tolist()
    [False, True]
    """
    one = np.flatnonzero(h > 1 - 1e-8)
    if not len(one):
        return np.zeros(X.shape[1], dtype=bool)
    moves = np.abs(A_inv @ X[one].toarray().T)  # (p, rows): how each such row's score moves each coefficient
    return (moves > 1e-9 * moves.max(axis=0, keepdims=True)).any(axis=1)


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
    agg: GroupSums, cmat: CategoryMatrix, level: str, *, cov_type: str, confidence: float, min_n: int,
) -> tuple[pd.DataFrame, dict]:
    cols = cmat.columns(level)
    used = agg.n > 0
    w = agg.n[used]
    s1 = agg.s1[used]
    s2 = agg.s2[used]
    Xc = cmat.member[agg.cell[used]][:, cols].tocsr()
    survey = None if agg.survey is None else {k: v[used] for k, v in agg.survey.items()}
    if survey is not None:  # a design-weighted fit has no HC3 leverage per respondent: the survey sandwich is HC1's
        cov_type = "HC1"
    counts = w if survey is None else survey["n"]  # answers as counted, whatever their weights
    n_scored_mentions = np.asarray(Xc.T @ counts).ravel()
    X = sparse.hstack([sparse.csr_matrix(np.ones((len(w), 1))), Xc], format="csc")
    notes = [""] * len(cols)
    candidates = []
    # Coefficients compare with the respondents who mention none of the categories: with (almost)
    # none of those, the intercept rests on a few rows naming two categories and every coefficient
    # came out "significant" at -50 points for categories whose impact was -3.
    baseline = counts[np.asarray(Xc.sum(axis=1)).ravel() == 0].sum()
    for j in range(len(cols)):
        if n_scored_mentions[j] < 2:
            notes[j] = "not estimated: fewer than 2 scored mentions"
        elif baseline < 2:
            notes[j] = "not estimated: fewer than 2 scored comments mention no category, so none to compare with"
        else:
            candidates.append(j + 1)
    A = np.asarray((X.T @ X.multiply(w[:, None])).todense())
    keep = _independent_columns(A, candidates) if candidates else []
    for j in set(candidates) - set(keep):
        notes[j - 1] = "not estimated: collinear with other categories (always mentioned together)"
    coef = np.full(len(cols) + 1, np.nan)
    se = np.full(len(cols) + 1, np.nan)
    fit = {"level": level, "n": int(counts.sum()), "terms": len(keep), "r_squared": np.nan,
           "cov_type": cov_type if survey is None else "HC1 (survey weights)"}
    idx = [0] + keep
    if counts.sum() > len(idx):
        beta, cov, r2, dof = _ols_grouped(X[:, idx].tocsr(), w, s1, s2, cov_type, survey)
        coef[idx] = beta
        se[idx] = np.sqrt(np.clip(np.diag(cov), 0, None))
        for j in (j for j in keep if np.isnan(se[j])):
            notes[j - 1] = "not tested: one answer alone fixes it (leverage 1), so its robust error is undefined"
        fit["r_squared"] = r2
    else:
        dof = 1.0
    with np.errstate(invalid="ignore", divide="ignore"):
        tstat = np.where(se > 0, coef / se, np.nan)  # (no spread at all: nothing to test, not p = 0)
    if cov_type == "nonrobust":
        crit = stats.t.ppf(0.5 + confidence / 2, dof)
        p = 2 * stats.t.sf(np.abs(tstat), dof)
    else:
        crit = stats.norm.ppf(0.5 + confidence / 2)
        p = 2 * stats.norm.sf(np.abs(tstat))
    p_adj = np.full(len(p), np.nan)
    tested = np.array([j for j in keep if np.isfinite(p[j])], dtype=np.int64)
    if len(tested):
        p_adj[tested] = _bh(p[tested])
    names = ["(intercept)"] + [cmat.names[c] for c in cols]
    parents = [""] + [cmat.parents[c] for c in cols]
    mentions = np.concatenate([[counts.sum()], n_scored_mentions]).astype(np.int64)
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
            "low_n": np.concatenate([[False], _few(Xc, w, counts, survey, min_n)]),
            "note": [""] + notes,
        }
    )
    return frame, fit


def _few(Xc: sparse.csr_matrix, w: np.ndarray, counts: np.ndarray, survey: dict | None, min_n: int) -> np.ndarray:
    """``low_n`` per category: on the answers with and without it, Kish's effective n with survey weights."""
    if survey is None:
        with_it = np.asarray(Xc.T @ counts).ravel()
        return few_answers(with_it, counts.sum() - with_it, min_n)
    from feedback_classifier.insights.survey import kish_n

    n_with, q_with = np.asarray(Xc.T @ w).ravel(), np.asarray(Xc.T @ survey["w2"]).ravel()
    n_without = w.sum() - n_with
    without = np.where(n_without > 1e-9 * w.sum(), kish_n(n_without, survey["w2"].sum() - q_with), 0.0)
    return few_answers(kish_n(n_with, q_with), without, min_n)


def _bh(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (statsmodels' ``fdr_bh``)."""
    from statsmodels.stats.multitest import multipletests

    return multipletests(p, method="fdr_bh")[1]
