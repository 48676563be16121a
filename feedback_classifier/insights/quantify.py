"""Category counts and impacts corrected for the classifier's error (adjusted classify-and-count).

A classifier with recall (true-positive rate) ``tpr`` and false-positive rate ``fpr`` tags a
share ``q = tpr * p + fpr * (1 - p)`` of comments with a category whose true share is ``p``;
so ``p = (q - fpr) / (tpr - fpr)`` (Forman 2008, "Quantifying counts and costs via
classification"). A category the model often misses is under-counted and a noisy one
over-counted, and the raw difference between comments tagged and not tagged shrinks to
``(ppv - for) x`` the true one, where ``ppv`` is the share of tagged comments that truly
mention the category and ``for`` the share of untagged ones that do: impacts are understated
by the same factor.

The error rates come from labelled comments the model did not train on: the out-of-fold
predictions of cross-validation or an audited sample (:func:`error_rates_from_labels`).
Intervals are percentile intervals of a parametric bootstrap that draws the observed share
(binomial), the error rates (Beta posteriors of their validation counts, Jeffreys prior) and,
for impacts, the raw difference (normal, from its own bootstrap interval), so they carry both
the sampling and the classification uncertainty.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

#: recall under which a category is flagged "often missed: impact likely understated"
OFTEN_MISSED_RECALL = 0.6
_Z95 = 1.959963984540054


@dataclass(frozen=True)
class ErrorRates:
    """Validation counts of one category: true/false positives, false/true negatives.

    >>> r = ErrorRates(tp=40, fp=10, fn=20, tn=930)
    >>> round(r.precision, 2), round(r.recall, 3), round(r.fpr, 4)
    (0.8, 0.667, 0.0106)
    """

    tp: float
    fp: float
    fn: float
    tn: float

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else float("nan")

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else float("nan")

    @property
    def fpr(self) -> float:
        return self.fp / (self.fp + self.tn) if self.fp + self.tn else float("nan")

    def scaled(self, factor: float) -> "ErrorRates":
        """The same rates resting on ``factor`` times as many comments (wider intervals when < 1).

        >>> ErrorRates(10, 20, 30, 40).scaled(0.5)
        ErrorRates(tp=5.0, fp=10.0, fn=15.0, tn=20.0)
        """
        return ErrorRates(self.tp * factor, self.fp * factor, self.fn * factor, self.tn * factor)

    def draws(self, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
        """``n`` draws of (tpr, fpr) from their Jeffreys Beta posteriors."""
        return (rng.beta(self.tp + 0.5, self.fn + 0.5, n), rng.beta(self.fp + 0.5, self.tn + 0.5, n))


def error_rates_from_labels(true: Sequence[Iterable], predicted: Sequence[Iterable]) -> dict:
    """Per-label :class:`ErrorRates` from gold and predicted label lists of the same comments
    (an audited sample, or cross-validation's out-of-fold predictions). A child label also
    counts for its parent, so parents get rates too.

    >>> rates = error_rates_from_labels([[("delivery", "late")], [], [("price", None)]],
    ...                                 [[("delivery", None)], [("delivery", None)], [("price", None)]])
    >>> rates[("delivery", None)], rates[("delivery", "late")].recall
    (ErrorRates(tp=1, fp=1, fn=0, tn=1), 0.0)
    """
    if len(true) != len(predicted):
        raise ValueError(f"{len(true)} gold label lists but {len(predicted)} predicted ones.")

    def expand(labels) -> set:
        out = set()
        for parent, child in labels:
            out.add((parent, child))
            out.add((parent, None))
        return out

    gold = [expand(g) for g in true]
    pred = [expand(p) for p in predicted]
    n = len(gold)
    rates = {}
    for label in sorted(set().union(*gold, *pred), key=lambda lab: (lab[0], lab[1] or "")):
        tp = sum(1 for g, p in zip(gold, pred) if label in g and label in p)
        fp = sum(1 for g, p in zip(gold, pred) if label not in g and label in p)
        fn = sum(1 for g, p in zip(gold, pred) if label in g and label not in p)
        rates[label] = ErrorRates(tp=tp, fp=fp, fn=fn, tn=n - tp - fp - fn)
    return rates


def _adjusted(q: np.ndarray, tpr: np.ndarray, fpr: np.ndarray, clip: bool = True) -> np.ndarray:
    denom = tpr - fpr
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(denom > 1e-9, (q - fpr) / np.where(denom > 1e-9, denom, 1.0), q)
    return np.clip(p, 0.0, 1.0) if clip else p


@dataclass(frozen=True)
class ShareEstimate:
    """Raw (tagged) share with its binomial interval, and the error-corrected share with its.
    ``acc`` is the plain adjusted classify-and-count estimate before shrinkage."""

    raw: float
    raw_low: float
    raw_high: float
    adjusted: float
    low: float
    high: float
    acc: float = float("nan")


def shrunk_correction(raw: float, acc: float, correction_draws: np.ndarray) -> float:
    """``raw`` moved toward the adjusted estimate ``acc`` by the share of the correction that
    stands out of its own noise: weight ``max(0, 1 - 2 var / d^2)`` for a correction
    ``d = acc - raw`` whose bootstrap variance is ``var`` (a positive-part James-Stein weight,
    doubled so that a correction within ~1.4 standard deviations of zero is dropped).

    Adjusted classify-and-count divides by ``tpr - fpr``; for a rare category both rates come
    from a handful of validation comments, and the full correction then adds more error than
    it removes (on SemEval it made the shares worse than raw, whose false positives and misses
    largely cancel). A large, well-measured correction is kept almost whole. The factor 2 was
    chosen on planted data and on SemEval splits that benchmarks/quantify.py does not report.

    >>> round(shrunk_correction(0.10, 0.20, np.array([0.09, 0.1, 0.11])), 3)  # clear: kept
    0.199
    >>> round(shrunk_correction(0.10, 0.12, np.array([-0.2, 0.0, 0.2])), 4)  # noisy: dropped
    0.1
    """
    d = acc - raw
    var = float(np.var(correction_draws)) if len(correction_draws) else 0.0
    if not np.isfinite(d) or not np.isfinite(var) or d == 0:
        return raw
    return float(raw + max(0.0, 1.0 - _SHRINK * var / (d * d)) * d)


_SHRINK = 2.0


def wilson_interval(k: float, n: float, z: float = _Z95) -> tuple[float, float]:
    """Wilson score interval of a proportion ``k / n``.

    >>> [round(x, 3) for x in wilson_interval(20, 100)]
    [0.133, 0.289]
    """
    if n <= 0:
        return float("nan"), float("nan")
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(centre - half), float(centre + half)


def adjusted_share(k: float, n: float, rates: ErrorRates, *, confidence: float = 0.95, n_draws: int = 2000,
                   seed: int = 0) -> ShareEstimate:
    """The share of ``n`` comments that truly mention a category the model tagged ``k`` times.

    >>> est = adjusted_share(160, 1000, ErrorRates(tp=120, fp=40, fn=80, tn=760))
    >>> round(est.raw, 2), round(est.acc, 2), round(est.adjusted, 2), est.low < 0.2 < est.high
    (0.16, 0.2, 0.18, True)
    """
    rng = np.random.default_rng(seed)
    q = k / n if n else float("nan")
    tpr, fpr = rates.draws(rng, n_draws)
    q_draws = rng.binomial(int(round(n)), q, n_draws) / n if n else np.full(n_draws, np.nan)
    sims = _adjusted(q_draws, tpr, fpr)
    alpha = (1 - confidence) / 2
    acc = float(_adjusted(np.array([q]), np.array([rates.recall]), np.array([rates.fpr]))[0])
    # a tagged share below the false-positive rate (or above the recall) is one these rates cannot
    # produce: they do not describe this model on these comments, so the raw share stands
    consistent = rates.fpr <= q <= rates.recall
    # the correction's noise is judged before clipping: clipping to [0, 1] hides how unstable a
    # division by a small tpr - fpr is
    point = shrunk_correction(q, acc, _adjusted(q_draws, tpr, fpr, clip=False) - q_draws) if consistent else q
    raw_low, raw_high = wilson_interval(k, n)
    low, high = np.quantile(sims, [alpha, 1 - alpha])
    return ShareEstimate(q, raw_low, raw_high, point, float(min(low, point)), float(max(high, point)), acc)


def impact_factor(p: np.ndarray, tpr: np.ndarray, fpr: np.ndarray) -> np.ndarray:
    """``ppv - for``: how much a tagged-vs-untagged difference shrinks under the classifier's
    error when the true share is ``p`` (1 for a perfect classifier).

    >>> float(impact_factor(np.array([0.2]), np.array([1.0]), np.array([0.0]))[0])
    1.0
    """
    tagged = tpr * p + fpr * (1 - p)
    untagged = 1 - tagged
    with np.errstate(divide="ignore", invalid="ignore"):
        ppv = np.where(tagged > 0, tpr * p / np.where(tagged > 0, tagged, 1), 0.0)
        fo = np.where(untagged > 0, (1 - tpr) * p / np.where(untagged > 0, untagged, 1), 0.0)
    return ppv - fo


def correct_drivers(table: pd.DataFrame, rates: dict, *, n_rows: int, confidence: float = 0.95,
                    n_draws: int = 2000, seed: int = 0, correct: bool = True) -> pd.DataFrame:
    """The drivers table (``DriversResult.table``) with error-corrected columns added.

    ``rates`` maps the table's ``category`` names (or ``(level, category)``) to :class:`ErrorRates`; categories without
    rates get empty cells. Added: ``precision``, ``recall``, ``share_adjusted`` (+ ``_low``,
    ``_high``: share of all ``n_rows`` rows truly mentioning it), ``impact_adjusted`` (+ ``_low``,
    ``_high``), ``often_missed`` (recall < 0.6: the raw impact is likely understated).
    ``correct=False`` adds precision, recall and the flag only (rates measured on other kinds of
    comments describe the model roughly but do not carry over to a correction).

    >>> t = pd.DataFrame({"category": ["Delivery"], "mentions": [160], "share": [0.16],
    ...                   "impact": [-4.0], "impact_low": [-6.0], "impact_high": [-2.0]})
    >>> out = correct_drivers(t, {"Delivery": ErrorRates(tp=120, fp=40, fn=80, tn=760)}, n_rows=1000)
    >>> round(float(out["share_adjusted"][0]), 2), bool(out["often_missed"][0]), float(out["impact_adjusted"][0]) < -4
    (0.18, False, True)
    """
    rng = np.random.default_rng(seed)
    alpha = (1 - confidence) / 2
    out = table.copy()
    cols = {c: np.full(len(out), np.nan) for c in ("precision", "recall", "share_adjusted", "share_adjusted_low",
                                                    "share_adjusted_high", "impact_adjusted", "impact_adjusted_low",
                                                    "impact_adjusted_high")}
    missed = np.zeros(len(out), dtype=bool)
    levels = out["level"] if "level" in out.columns else [None] * len(out)
    for i, (level, name, k, impact, lo, hi) in enumerate(zip(levels, out["category"], out["mentions"], out["impact"],
                                                             out["impact_low"], out["impact_high"])):
        r = rates.get((level, name), rates.get(name))
        if r is None or not n_rows:
            continue
        est_seed = int(rng.integers(2**31))
        cols["precision"][i], cols["recall"][i] = r.precision, r.recall
        missed[i] = bool(r.recall < OFTEN_MISSED_RECALL)
        if not correct:
            continue
        est = adjusted_share(float(k), n_rows, r, confidence=confidence, n_draws=n_draws, seed=est_seed)
        cols["share_adjusted"][i], cols["share_adjusted_low"][i], cols["share_adjusted_high"][i] = (
            est.adjusted, est.low, est.high)
        q = float(k) / n_rows
        if q <= 0 or not np.isfinite(impact):
            continue
        # impact = q x d (d: tagged minus untagged metric); the truth is p x d / (ppv - for)
        d = impact / q
        se_d = (hi - lo) / (2 * _Z95) / q if np.isfinite(hi - lo) else 0.0
        tpr, fpr = r.draws(rng, n_draws)
        p = _adjusted(rng.binomial(n_rows, q, n_draws) / n_rows, tpr, fpr)
        factor = impact_factor(p, tpr, fpr)
        ok = factor > 0.05  # a factor near 0: the model separates nothing, no correction possible
        sims = p[ok] * rng.normal(d, se_d, n_draws)[ok] / factor[ok]
        point_p = est.adjusted
        point_factor = float(impact_factor(np.array([point_p]), np.array([r.recall]), np.array([r.fpr]))[0])
        if point_factor > 0.05 and len(sims) >= n_draws // 2:
            cols["impact_adjusted"][i] = point_p * d / point_factor
            cols["impact_adjusted_low"][i], cols["impact_adjusted_high"][i] = np.quantile(sims, [alpha, 1 - alpha])
    for name, values in cols.items():
        if correct or name in ("precision", "recall"):
            out[name] = values
    out["often_missed"] = missed
    return out


def correct_drivers_result(result, rates: dict, taxonomy, *, source: str = "", rows: int | None = None, **kwargs):
    """``result`` (a ``DriversResult``) with its table corrected by :func:`correct_drivers`;
    ``rates`` maps taxonomy labels ``(parent, child or None)`` to :class:`ErrorRates`
    (e.g. :func:`error_rates_from_labels` of an audited sample); ``source`` (``audit``, ``cv`` or
    ``default``) says where they come from and ``rows`` on how many comments (default: the
    largest count in ``rates``), for the report's note. A bare parent at the
    ``category`` level ("tagged with the parent, none of its children") gets no rates.

    >>> from feedback_classifier.insights import compute_drivers
    >>> from feedback_classifier.taxonomy import load_taxonomy
    >>> df = pd.DataFrame({"nps": [2, 3, 9, 10] * 25, "categories": ["Price", "Price", "", ""] * 25})
    >>> res = compute_drivers(df, score_col="nps", n_boot=100, taxonomy=load_taxonomy("cx-default"))
    >>> res = correct_drivers_result(res, {("price", None): ErrorRates(40, 5, 20, 135)}, load_taxonomy("cx-default"))
    >>> row = res.level("parent").set_index("category").loc["Price and value"]
    >>> round(float(row["recall"]), 2), bool(row["often_missed"])
    (0.67, False)
    """
    by_name = {}
    for level, name in zip(result.table["level"], result.table["category"]):
        try:
            labels = taxonomy.parse_labels(name)
        except Exception:  # a category name the taxonomy does not know: no rates for it
            continue
        if len(labels) == 1 and not (level == "category" and labels[0][1] is None) and labels[0] in rates:
            by_name[(level, name)] = rates[labels[0]]
    import dataclasses

    # rates from other kinds of comments (the default model's) do not carry over to a correction:
    # on the example survey they made the shares 4.5x less accurate than raw (benchmarks/quantify.py --survey)
    table = correct_drivers(result.table, by_name, n_rows=result.overall.n_rows, correct=source != "default", **kwargs)
    audit_rows = rows if rows is not None else max((int(r.tp + r.fp + r.fn + r.tn) for r in rates.values()), default=0)
    return dataclasses.replace(result, table=table, settings={**result.settings, "error_rates": len(by_name),
                                                               "audit_rows": audit_rows,
                                                               "error_source": source})


def rates_to_metrics(rates: dict) -> dict[str, list[int]]:
    """Error rates as plain data for a model file's header: ``"parent"`` or ``"parent/child"``
    to ``[tp, fp, fn, tn]``.

    >>> rates_from_metrics(rates_to_metrics({("a", "b"): ErrorRates(1, 2, 3, 4)}))
    {('a', 'b'): ErrorRates(tp=1, fp=2, fn=3, tn=4)}
    """
    return {(p if c is None else f"{p}/{c}"): [int(r.tp), int(r.fp), int(r.fn), int(r.tn)]
            for (p, c), r in rates.items()}


def rates_from_metrics(counts: dict) -> dict:
    """The inverse of :func:`rates_to_metrics`.

    >>> rates = rates_from_metrics({"delivery": (8, 2, 4, 86), "delivery/courier": (3, 1, 1, 95)})
    >>> list(rates), rates[("delivery", None)].tp
    ([('delivery', None), ('delivery', 'courier')], 8)
    """
    out = {}
    for key, (tp, fp, fn, tn) in counts.items():
        parent, _, child = key.partition("/")
        out[(parent, child or None)] = ErrorRates(tp=tp, fp=fp, fn=fn, tn=tn)
    return out
