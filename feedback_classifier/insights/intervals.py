"""Confidence intervals of the score metrics: NPS (adjusted Wald), a share (Wilson), a mean and a
weighted mean (Student's t). ``insights.scores`` summarises a column with them."""

from __future__ import annotations

import math

import numpy as np

from feedback_classifier.errors import ScoreError

__all__ = ["mean_interval", "nps_interval", "weighted_mean_interval", "wilson_interval"]


def _z(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise ScoreError(f"Confidence must be between 0 and 1 (e.g. 0.95), got {confidence}.")
    from scipy import stats  # here, not at the top: scipy.stats costs ~0.3 s of every start
    return float(stats.norm.ppf(0.5 + confidence / 2))


def nps_interval(promoters: int, passives: int, detractors: int, confidence: float = 0.95) -> tuple[float, float, float]:
    """NPS in points with the adjusted-Wald interval (Rocks 2016, The American Statistician).

    The interval adds 3/4 of a respondent to promoters and to detractors (n + 3 overall) and
    uses the trinomial variance of p - d; it has close to nominal coverage even for small n
    and extreme scores. Returns ``(nps, low, high)``, clipped to -100..100 and widened to hold
    the NPS itself: the shifted centre leaves it out for a few extreme scores (one detractor:
    -100 with -98..48), which reads as a wrong number.

    >>> [round(v, 1) for v in nps_interval(50, 30, 20)]   # n = 100
    [30.0, 14.1, 44.2]
    >>> [round(v, 1) for v in nps_interval(0, 0, 1)]
    [-100.0, -100.0, 48.5]
    """
    if min(promoters, passives, detractors) < 0:  # a negative count gave NaN or a wrong interval, silently
        raise ScoreError(f"NPS counts cannot be negative: promoters={promoters}, passives={passives}, "
                         f"detractors={detractors}.")
    n = promoters + passives + detractors
    if n == 0:
        return (math.nan, math.nan, math.nan)
    z = _z(confidence)
    nps = 100.0 * (promoters - detractors) / n
    n_adj = n + 3.0
    p = (promoters + 0.75) / n_adj
    d = (detractors + 0.75) / n_adj
    centre = p - d
    se = math.sqrt(max(p + d - centre**2, 0.0) / n_adj)
    return (nps, min(nps, max(-100.0, 100 * (centre - z * se))), max(nps, min(100.0, 100 * (centre + z * se))))


def wilson_interval(k: float, n: float, confidence: float = 0.95) -> tuple[float, float, float]:
    """Share ``k/n`` with its Wilson score interval, all as fractions 0..1.

    >>> [round(v, 4) for v in wilson_interval(8, 10)]
    [0.8, 0.4902, 0.9433]
    """
    if k < 0 or k > n + 1e-9 * abs(n):  # was "ValueError: math domain error" (the slack: sums of float weights)
        raise ScoreError(f"A share needs 0 <= k <= n, got k={k}, n={n}.")
    if n <= 0:
        return (math.nan, math.nan, math.nan)
    z = _z(confidence)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (p, max(0.0, centre - half), min(1.0, centre + half))


def mean_interval(values: np.ndarray, confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean with its t-interval (NaN bounds for fewer than 2 values).

    >>> [round(v, 3) for v in mean_interval(np.array([1.0, 2.0, 3.0, 4.0]))]
    [2.5, 0.446, 4.554]
    """
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    n = len(v)
    if n == 0:
        return (math.nan, math.nan, math.nan)
    mean = float(v.mean())
    if n < 2:
        return (mean, math.nan, math.nan)
    _z(confidence)
    from scipy import stats  # here, not at the top: scipy.stats costs ~0.3 s of every start
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * v.std(ddof=1) / math.sqrt(n))
    return (mean, mean - half, mean + half)


def weighted_mean_interval(v: np.ndarray, w: np.ndarray, confidence: float = 0.95) -> tuple[float, float, float]:
    """``mean_interval`` of frequency-weighted values: the same as on the values expanded by ``w``.

    >>> v = np.array([1.0, 2.0, 4.0])
    >>> np.allclose(weighted_mean_interval(v, np.array([2, 1, 1])), mean_interval(np.array([1.0, 1.0, 2.0, 4.0])))
    True
    >>> weighted_mean_interval(v, np.zeros(3))
    (nan, nan, nan)
    """
    total = float(w.sum())
    if total == 0:
        return (math.nan, math.nan, math.nan)
    mean = float((w * v).sum() / total)
    if total < 2:
        return (mean, math.nan, math.nan)
    sd = math.sqrt(float((w * (v - mean) ** 2).sum()) / (total - 1))
    from scipy import stats  # here, not at the top: scipy.stats costs ~0.3 s of every start
    half = float(stats.t.ppf(0.5 + confidence / 2, total - 1) * sd / math.sqrt(total))
    return (mean, mean - half, mean + half)
