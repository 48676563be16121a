"""Per-category statistics from sufficient statistics: mentions, metric with/without, leave-out
impact and its bootstrap interval.

Rows are first summed per group of rows sharing a categories cell (and segment or period),
so every statistic costs the number of distinct groups, not rows; see ``drivers.py`` for
the definitions and why the bootstrap on these sums is exact.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import sparse

from feedback_classifier.insights.scale_check import within_scale

if TYPE_CHECKING:
    from feedback_classifier.insights.scores import ScoreSpec

# Up to this many distinct y values the bootstrap draws exact multinomial cells; beyond it the
# (rows x values) counts would cost more than the normal approximation of cell sums.
MAX_EXACT_VALUES = 64


def score_values(y: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None, str]:
    """The distinct values of y and each valid row's index into them, when few enough for the
    exact bootstrap (else None, None), and the name of the bootstrap that will run.

    >>> values, ykey, kind = score_values(np.array([100.0, -100.0, 0.0, 100.0]), np.array([True, True, False, True]))
    >>> values.tolist(), ykey.tolist(), kind.split()[0]
    ([-100.0, 100.0], [1, 0, 1], 'exact')
    """
    distinct = np.unique(y[valid])
    if len(distinct) <= MAX_EXACT_VALUES:
        values = distinct.astype(float)
        return values, np.searchsorted(values, y[valid]), "exact multinomial over (mentions, score value) cells"
    return None, None, "binomial split with normal approximation of cell sums"


@dataclass
class GroupSums:
    """Sums per group of rows sharing a categories cell (and segment/period when cut)."""

    cell: np.ndarray  # (G,) distinct-cell index of each group
    rows: np.ndarray  # (G,) all rows
    n: np.ndarray  # (G,) rows with a valid score
    s1: np.ndarray  # (G,) sum of y
    s2: np.ndarray  # (G,) sum of y^2
    det: np.ndarray  # (G,) detractors
    counts: np.ndarray | None  # (G, K) rows per distinct y value (exact bootstrap), or None
    # With survey weights the sums above are weighted, and these hold what intervals and base sizes
    # need: rows and scored rows as counted, and sums of w^2, w^2 y, w^2 y^2 over the scored rows.
    survey: dict[str, np.ndarray] | None = None

    def subset(self, mask: np.ndarray) -> "GroupSums":
        """The groups where ``mask`` is true (one segment or period)."""
        return GroupSums(self.cell[mask], self.rows[mask], self.n[mask], self.s1[mask], self.s2[mask],
                         self.det[mask], None if self.counts is None else self.counts[mask],
                         None if self.survey is None else {k: v[mask] for k, v in self.survey.items()})

    def effective(self) -> "GroupSums":
        """These sums with survey weights rescaled to add up to Kish's effective n over the scored
        rows, so the intervals computed from them are those of n_eff respondents; every point estimate
        (a ratio of weighted sums) is unchanged. Without survey weights: these sums.

        >>> g = GroupSums(np.zeros(2), np.array([3.0, 1.0]), np.array([3.0, 1.0]), np.array([0.0, 100.0]),
        ...               np.array([0.0, 10000.0]), np.zeros(2), None, {"w2": np.array([3.0, 1.0])})
        >>> float(g.effective().n.sum()), g.effective().metric() == g.metric()   # weights 1, 1, 1, 1
        (4.0, True)
        """
        if self.survey is None:
            return self
        total, total2 = self.n.sum(), self.survey["w2"].sum()
        f = total / total2 if total2 > 0 else 1.0
        return GroupSums(self.cell, self.rows * f, self.n * f, self.s1 * f, self.s2 * f, self.det * f,
                         None if self.counts is None else self.counts * f, self.survey)

    def sizes(self) -> tuple[int, int]:
        """(rows, scored rows) as counted in the file, whether or not the sums are weighted."""
        if self.survey is None:
            return int(self.rows.sum()), int(self.n.sum())
        return int(self.survey["rows"].sum()), int(self.survey["n"].sum())

    def metric(self) -> float:
        """The metric of the scored rows: every metric is the mean of y (see ``scores.py``)."""
        return float(self.s1.sum() / self.n.sum())

    def metric_interval(self, spec: ScoreSpec, confidence: float = 0.95) -> tuple[float, float]:
        """The metric's interval by the method of the headline and the segments (``summarize_scores``):
        NPS adjusted-Wald, CSAT Wilson, a mean's t-interval within the scale; NaN without scores.

        A plain t-interval of NPS's +100/0/-100 values runs far past -100..100 for a few scores
        (three gave -320 to 254), and is a zero-width 100 to 100 for two promoters.

        >>> from feedback_classifier.insights.scores import ScoreSpec
        >>> g = GroupSums(np.zeros(1), np.array([3]), np.array([3]), np.array([-100.0]), np.array([30000.0]),
        ...               np.zeros(1), None)   # one promoter, two detractors
        >>> [round(v, 1) for v in g.metric_interval(ScoreSpec.make("nps"))]
        [-84.7, 51.3]
        >>> g = GroupSums(np.zeros(1), np.array([4]), np.array([4]), np.array([10.0]), np.array([30.0]),
        ...               np.zeros(1), None)
        >>> [round(v, 3) for v in g.metric_interval(ScoreSpec.make("mean"))]
        [0.446, 4.554]
        """
        from feedback_classifier.insights.scores import nps_interval, wilson_interval

        n, s1, s2 = float(self.n.sum()), float(self.s1.sum()), float(self.s2.sum())
        if n <= 0:
            return float("nan"), float("nan")
        if spec.score_type == "nps":  # y is +100/0/-100: s1 counts promoters - detractors, s2 both
            both, diff = s2 / 10_000.0, s1 / 100.0
            pro, det = (both + diff) / 2, (both - diff) / 2
            if self.survey is None:  # whole respondents; weighted ones are fractions of Kish's n
                pro, det, n = round(pro), round(det), round(n)
            _, low, high = nps_interval(pro, n - pro - det, det, confidence)
            return low, high
        if spec.score_type == "csat":  # y is 100 for the top box, else 0
            _, low, high = wilson_interval(s1 / 100.0, n, confidence)
            return 100 * low, 100 * high
        from scipy import stats as sps

        if n < 2:
            return float("nan"), float("nan")
        mean = s1 / n
        sd = math.sqrt(max(s2 - n * mean * mean, 0.0) / (n - 1))
        half = float(sps.t.ppf(0.5 + confidence / 2, n - 1)) * sd / math.sqrt(n)
        return within_scale(spec.scale, mean - half, mean + half)


def aggregate(
    row_cells: np.ndarray, n_cells: int, y: np.ndarray, valid: np.ndarray, det: np.ndarray,
    ykey: np.ndarray | None, n_values: int, extra: np.ndarray | None = None, w: np.ndarray | None = None,
    sw: np.ndarray | None = None, sw2: np.ndarray | None = None,
) -> tuple[GroupSums, np.ndarray | None]:
    """Group rows by (extra, cell); returns the sums and each group's ``extra`` code.

    ``w`` are frequency weights (a row stands for ``w`` identical respondents); None = 1 each.
    ``sw``/``sw2``: each row's sum of survey weights and of their squares (``insights.survey``):
    the sums are then weighted by them, and ``survey`` keeps the counts and squared-weight sums.

    >>> y = np.array([100.0, -100.0, 0.0])
    >>> agg, _ = aggregate(np.array([0, 1, 1]), 2, y, np.array([True, True, True]), y < 0, None, 0)
    >>> agg.n.tolist(), agg.s1.tolist(), agg.det.tolist()
    ([1.0, 2.0], [100.0, -100.0], [0.0, 1.0])
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
    survey = None
    if sw is not None:
        survey = _survey_sums(group, g_valid, n_groups, y_valid, valid, w, sw2)
        w = sw
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
    return GroupSums(cell_of_group, rows, n, s1, s2, d, counts, survey), extra_of_group


def _survey_sums(group: np.ndarray, g_valid: np.ndarray, n_groups: int, y_valid: np.ndarray, valid: np.ndarray,
                 w: np.ndarray | None, sw2: np.ndarray) -> dict[str, np.ndarray]:
    """Per group: rows and scored rows as counted (``w`` frequency weights, None = 1 each) and the
    sums of w^2, w^2 y and w^2 y^2 over the scored rows (Kish's n, the regression's robust errors)."""
    q = sw2[valid]
    return {
        "rows": np.bincount(group, weights=w, minlength=n_groups).astype(float),
        "n": np.bincount(g_valid, weights=None if w is None else w[valid], minlength=n_groups).astype(float),
        "w2": np.bincount(g_valid, weights=q, minlength=n_groups),
        "w2y": np.bincount(g_valid, weights=q * y_valid, minlength=n_groups),
        "w2y2": np.bincount(g_valid, weights=q * y_valid * y_valid, minlength=n_groups),
    }


def few_answers(n_with: np.ndarray, n_without: np.ndarray, min_n: int) -> np.ndarray:
    """``low_n``: under ``min_n`` scored answers with the category, or some but under ``min_n``
    without it. An impact (or a coefficient) contrasts the two groups, so it is as rough as the
    smaller one: a category in 95 of 100 answers had 79% coverage of its 95% interval, unflagged.
    (None without it: no impact is estimated, and the tables say so.)

    >>> few_answers(np.array([3, 95, 50, 100]), np.array([97, 5, 50, 0]), 30).tolist()
    [True, True, False, False]
    """
    return (n_with < min_n) | ((n_without > 0) & (n_without < min_n))


def category_stats(
    agg: GroupSums, member: sparse.csr_matrix, values: np.ndarray | None, *, has_det: bool,
    min_n: int, n_boot: int, rng: np.random.Generator, confidence: float,
) -> pd.DataFrame:
    """Mentions, metric with/without, detractor rates, leave-out impact (+ bootstrap CI) per column.

    >>> y = np.array([100.0, -100.0, 0.0])
    >>> agg, _ = aggregate(np.array([0, 1, 1]), 2, y, np.ones(3, bool), y < 0, None, 0)
    >>> member = sparse.csr_matrix(np.array([[0.0], [1.0]]))   # cell 1 mentions the one category
    >>> st = category_stats(agg, member, None, has_det=True, min_n=1, n_boot=0, rng=None, confidence=0.95)
    >>> st[["mentions", "metric_with", "metric_without", "impact"]].values.tolist()
    [[2.0, -50.0, 100.0, -100.0]]
    """
    mt = member[agg.cell].T.tocsr()  # (C, G)
    weighted, agg = agg, agg.effective()
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
        # nobody mentions it: leaving it out changes nothing (and with no score at all, there is nothing to change)
        impact = np.where(n1 == 0, 0.0 if N > 0 else np.nan, impact)
        share = mentions / total_rows if total_rows > 0 else np.full(len(mentions), np.nan)
        if has_det:
            rate_with = np.where(n1 > 0, d_with / n1, np.nan)
            rate_without = np.where(n0 > 0, (D - d_with) / n0, np.nan)
            share_det = d_with / D if D > 0 else np.full(len(n1), np.nan)
            lift = rate_with / (D / N) if D > 0 else np.full(len(n1), np.nan)
        else:
            rate_with = rate_without = share_det = lift = np.full(len(n1), np.nan)
    low, high = _bootstrap(agg, mt, values, n1, s1_with, N, S, n_boot, rng, confidence)
    counted, low_n = mentions, few_answers(n1, n0, min_n)
    if weighted.survey is not None:
        counted, n1, low_n, n_eff = _survey_bases(weighted, mt, min_n)
    frame = pd.DataFrame(
        {
            "mentions": counted.astype(np.int64),
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
            "low_n": low_n,
        }
    )
    if weighted.survey is not None:
        frame.insert(2, "n_effective", n_eff)
    return frame


def _survey_bases(agg: GroupSums, mt: sparse.csr_matrix, min_n: int
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """With survey weights: mentions and scored mentions as counted, ``low_n`` on Kish's effective n
    with and without the category (a weight of 5 makes 30 answers count as fewer), and the effective
    n of the scored mentions."""
    from feedback_classifier.insights.survey import kish_n

    survey = agg.survey
    n_with, q_with = mt @ agg.n, mt @ survey["w2"]
    eff_with = kish_n(n_with, q_with)
    n_without = agg.n.sum() - n_with
    # (a category every weighted answer mentions leaves a rounding residue, not an answer, without it)
    eff_without = np.where(n_without > 1e-9 * agg.n.sum(), kish_n(n_without, survey["w2"].sum() - q_with), 0.0)
    return mt @ survey["rows"], mt @ survey["n"], few_answers(eff_with, eff_without, min_n), eff_with


def _bootstrap(
    agg: GroupSums, mt: sparse.csr_matrix, values: np.ndarray | None, n1: np.ndarray, s1_with: np.ndarray,
    N: float, S: float, n_boot: int, rng: np.random.Generator, confidence: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Percentile bootstrap interval of the leave-out impact for every column.

    Each column's replicates are drawn from a generator seeded by ``rng`` and the column's own
    sufficient statistics, so two columns of the same respondents (a parent and its only child
    named) get the same interval, whatever the table's other columns (a drivers table with or
    without the whole taxonomy's categories, analyze's and report's alike).
    """
    C = mt.shape[0]
    low = np.full(C, np.nan)
    high = np.full(C, np.nan)
    if n_boot <= 0 or N < 2:
        return low, high
    alpha = 1 - confidence
    n_int = int(round(N))
    base = int(rng.integers(2**63))
    if agg.counts is not None and values is not None:
        with_counts = mt @ agg.counts  # (C, K)
        total = agg.counts.sum(axis=0)  # (K,)
        cells = np.clip(np.concatenate([with_counts, total[None, :] - with_counts], axis=1), 0, None)
        K = len(values)

        def replicates(c: int, gen: np.random.Generator) -> np.ndarray:
            draws = gen.multinomial(n_int, cells[c] / cells[c].sum(), size=n_boot).astype(float)
            with np.errstate(invalid="ignore", divide="ignore"):
                return (draws @ np.concatenate([values, values])) / n_int - (draws[:, K:] @ values) / draws[:, K:].sum(1)

        keys = cells
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

        def replicates(c: int, gen: np.random.Generator) -> np.ndarray:
            b1 = gen.binomial(n_int, min(max(n1[c] / N, 0.0), 1.0), size=n_boot).astype(float)
            b0 = n_int - b1
            sum1 = b1 * mu1[c] + np.sqrt(b1 * var1[c]) * gen.standard_normal(n_boot)
            sum0 = b0 * mu0[c] + np.sqrt(b0 * var0[c]) * gen.standard_normal(n_boot)
            with np.errstate(invalid="ignore", divide="ignore"):
                return (sum1 + sum0) / n_int - sum0 / b0

        keys = np.column_stack([n1, s1_with, s2_with])
    if agg.survey is not None:  # weighted sums differ in their last bits with the order rows were summed (--chunksize)
        keys = np.array([[float(f"{v:.10g}") for v in row] for row in np.asarray(keys, dtype=float)]).reshape(
            np.shape(keys))
    done: dict[bytes, tuple[float, float]] = {}
    for c in range(C):
        key = np.ascontiguousarray(keys[c], dtype=float).tobytes()
        if key not in done:
            digest = int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "little")
            reps = replicates(c, np.random.default_rng([base, digest]))
            lo, hi = _percentiles(reps[:, None], alpha)
            done[key] = (float(lo[0]), float(hi[0]))
        low[c], high[c] = done[key]
    none = n1 == 0
    low[none] = 0.0
    high[none] = 0.0
    return low, high


def _percentiles(reps: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Each column's percentile interval over its finite replicates; NaN for a column with none (a
    category every scored row mentions has no "without" group) and no numpy warning about it.

    >>> low, high = _percentiles(np.array([[1.0, np.nan], [3.0, np.nan]]), 0.5)
    >>> low.tolist(), high.tolist()
    ([1.5, nan], [2.5, nan])
    """
    ok = np.isfinite(reps)
    if ok.all():
        q = np.quantile(reps, [alpha / 2, 1 - alpha / 2], axis=0)
    else:
        # numpy's "All-NaN slice encountered" RuntimeWarning reached the user's terminal (the CLI
        # printed it above the drivers table): columns without a finite replicate are skipped
        some = ok.any(axis=0)
        q = np.full((2, reps.shape[1]), np.nan)
        if some.any():
            q[:, some] = np.nanquantile(np.where(ok, reps, np.nan)[:, some], [alpha / 2, 1 - alpha / 2], axis=0)
    return q[0], q[1]
