"""From base scores to decisions: calibration, thresholds and the parent/child decoding.

The ``FeedbackClassifier`` module docstring describes the rules; ``_Decoding`` holds
them for the estimator, reading its ``stacking`` parameters and its fitted
``classes_``, ``is_child_``, ``parent_index_`` and ``thresholds_``.
"""

from __future__ import annotations

import numpy as np

from feedback_classifier.taxonomy import Label


def _sigmoid(z):
    """``1 / (1 + exp(-clip(z, -40, 40)))``, the same operations in one buffer (no temporaries).

    >>> _sigmoid(np.array([0.0, 100.0])).tolist()
    [0.5, 1.0]
    """
    out = np.clip(z, -40, 40)
    if not isinstance(out, np.ndarray) or out.dtype.kind != "f":
        return 1.0 / (1.0 + np.exp(-out))
    np.negative(out, out=out)
    np.exp(out, out=out)
    out += 1.0
    return np.divide(1.0, out, out=out)


def _fit_calibrator(scores: np.ndarray, y: np.ndarray, C: float = 1e4) -> np.ndarray:
    """Platt scaling with Platt's target smoothing; returns weights (w..., b)."""
    n_pos = int(y.sum())
    n_neg = len(y) - n_pos
    if n_pos == 0 or n_neg == 0:
        return np.r_[np.zeros(scores.shape[1]), 20.0 if n_neg == 0 else -20.0]
    t = np.where(y == 1, (n_pos + 1.0) / (n_pos + 2.0), 1.0 / (n_neg + 2.0))
    # two copies weighted by the smoothed targets: a weighted logistic fit of soft labels
    Z = np.vstack([scores, scores])
    target = np.r_[np.ones(len(y)), np.zeros(len(y))]
    weight = np.r_[t, 1.0 - t]
    from sklearn.linear_model import LogisticRegression  # fitting only: sklearn.linear_model costs every start ~0.1 s

    lr = LogisticRegression(C=C, solver="lbfgs", max_iter=500)
    lr.fit(Z, target, sample_weight=weight)
    return np.r_[lr.coef_.ravel(), lr.intercept_]


def _micro_f1_matrix(G: np.ndarray, D: np.ndarray) -> float:
    tp = np.count_nonzero(G & D)
    total = np.count_nonzero(G) + np.count_nonzero(D)
    return 2 * tp / total if total else 1.0



_SEVERAL_SHARE = 0.05
_ROW_BLOCK = 1024  # rows of a probability matrix whose columns are walked one by one


def _best_ratio(P: np.ndarray, scale: np.ndarray, rows: np.ndarray, cols: np.ndarray, at_least: float):
    """``(rows, columns)``: of ``rows``, those whose largest ratio ``P / scale`` over ``cols``
    (the first column reaching it) is at least ``at_least``, and that column.

    >>> _best_ratio(np.array([[0.2, 0.6], [0.1, 0.1]]), np.array([0.5, 0.5]), np.array([0, 1]), np.array([0, 1]), 1.0)
    (array([0]), array([1]))
    """
    ratio = P[np.ix_(rows, cols)] / scale[cols]
    pick = np.argmax(ratio, axis=1) if len(cols) else np.zeros(len(rows), dtype=np.int64)
    ok = ratio[np.arange(len(rows)), pick] >= at_least
    return rows[ok], cols[pick[ok]]


_POOL_PAIRS = 1_000_000  # (row, class) pairs the pooled calibrator is fitted on, at most


def pooled_calibrators(cal: np.ndarray, oof: np.ndarray, Y: np.ndarray, pool: float, own: list) -> np.ndarray:
    """``cal`` (rows: classes; columns: base scores + intercept) shrunk toward one calibrator
    fitted on every class's own scores pooled (``own[j]``: class j's columns, as many for every
    class), by ``n / (n + pool)``, ``n`` the class's positives.

    Why: a Platt calibrator fitted on a class's 3-5 positives puts its scores on a scale of its
    own, so with many categories and few labels the likeliest category is no longer the one the
    base models score highest (Banking77, 300 typical labels: the argmax of the centroid scores 0.80, of
    their per-class calibrated probabilities 0.63). With many positives a class keeps its own.

    >>> oof = np.array([[2.0, -2.0], [-2.0, 2.0], [1.0, -1.0], [-1.0, 1.0]])
    >>> Y = np.array([[1, 0], [0, 1], [1, 0], [0, 1]])
    >>> cal = np.array([[5.0, 0.0, 0.0], [0.0, 0.5, 0.0]])
    >>> P = pooled_calibrators(cal, oof, Y, 1e6, [np.array([0]), np.array([1])])
    >>> bool(abs(P[0, 0] - P[1, 1]) < 1e-3), bool(P[0, 1] == P[1, 0] == 0.0)
    (True, True)
    """
    k = Y.shape[1]
    n = Y.sum(axis=0).astype(float)
    keep = (n / (n + pool))[:, None]
    if keep.min() > 0.99:  # every class has its own calibrator's worth of positives
        return cal
    rows = np.arange(len(Y))
    if len(rows) * k > _POOL_PAIRS:  # three numbers to fit: a seeded sample of the rows does
        rows = np.sort(np.random.default_rng(0).choice(len(rows), _POOL_PAIRS // k, replace=False))
    pooled = _fit_calibrator(np.vstack([oof[np.ix_(rows, c)] for c in own]),
                             np.concatenate([Y[rows, j] for j in range(k)]))
    shared = np.zeros_like(cal)
    for j in range(k):
        shared[j, own[j]] = pooled[:-1]
        shared[j, -1] = pooled[-1]
    return keep * cal + (1.0 - keep) * shared


def mean_fold_model(fold_models: list, fitted_only: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``(W, b)``: the mean of the fold models' weights and intercepts; with ``fitted_only``,
    each column's mean over the folds that fitted it (a fold whose training rows held no
    positive of a class leaves its column all zero).

    With ~4 labels per category a fold often misses one, and a plain mean shrinks that
    category's weights by a third or more, so it loses every close call to categories all
    folds saw.

    >>> W1, W2 = np.array([[1.0, 2.0]]), np.array([[0.0, 4.0]])
    >>> [m.tolist() for m in mean_fold_model([(W1, np.zeros(2)), (W2, np.array([-10.0, 1.0]))], True)]
    [[[1.0, 3.0]], [0.0, 0.5]]
    """
    bs = np.array([b for _, b in fold_models])
    # (folds, columns); one fold's weights at a time: a weight matrix can be features x categories large
    use = np.array([(W != 0).any(axis=0) for W, _ in fold_models]) if fitted_only else np.ones(bs.shape, bool)
    use |= ~use.any(axis=0)
    count = use.sum(axis=0)
    if count.min() == len(fold_models):  # every fold fitted every column: the plain mean
        return np.mean([W for W, _ in fold_models], axis=0), bs.mean(axis=0)
    W = sum(W * u for (W, _), u in zip(fold_models, use)) / count
    return W, (bs * use).sum(axis=0) / count


class _Decoding:
    """Calibration, threshold tuning and decoding of ``FeedbackClassifier``."""

    def _fit_calibrators(self, oof: np.ndarray, Y: np.ndarray) -> np.ndarray:
        """Row j maps the base scores (+ 1) to class j's log-odds.

        Without stacking it uses the class's own scores and, for a child, its parent's;
        with stacking every category's score (co-occurrence, confusable siblings). With
        ``calibration_pool`` each row is shrunk toward one calibrator of the classes' own
        scores pooled (``pooled_calibrators``).
        """
        m, k = oof.shape[1], Y.shape[1]
        # the prototype prior's block (the last k columns) is a class's own evidence only
        n_base = m - k if getattr(self, "has_prior_", False) else m
        cal = np.zeros((k, m + 1))
        for j in range(k):
            if self.stacking:
                cols = np.r_[np.arange(n_base), np.arange(n_base, m)[j : j + 1]]
                C = self.stacking_C
            else:
                own = np.array([j, self.parent_index_[j]]) if self.is_child_[j] else np.array([j])
                # the same columns of every base variant (blocks of k columns side by side)
                cols = np.concatenate([own + r * k for r in range(m // k)])
                C = 1e4
            w = _fit_calibrator(oof[:, cols], Y[:, j], C=C)
            cal[j, cols] = w[:-1]
            cal[j, -1] = w[-1]
        pool = float(getattr(self, "calibration_pool", 0.0))
        if pool <= 0:
            return cal
        # a class's own columns: its score in each block of k base scores, and its prior's
        own = [np.r_[np.arange(n_base // k) * k + j, [n_base + j] if n_base < m else []].astype(int) for j in range(k)]
        return pooled_calibrators(cal, oof, Y, pool, own)

    def _tune_decoding(self, P, G):
        """Thresholds and decoding ratios maximising path-level micro-F1 out of fold.

        Micro-F1 is what users feel (every wrong tag costs the same), so each category's
        threshold is tuned for its effect on the overall micro-F1 (coordinate ascent
        from the best common threshold) rather than for its own F1, which on rare
        categories drifts low and floods the output with false positives.
        """
        k = P.shape[1]
        grid = np.round(np.arange(0.05, 0.951, 0.025), 3)
        extras = (0.0,) + ((0.3, 0.5, 0.7) if self._rarely_several(G) else ())

        def score(t, completion, fallback, extra=0.0):
            self.thresholds_ = t
            D = self._decode(P, completion, fallback, extra)
            return _micro_f1_matrix(G, self._path_matrix(D))

        common = np.array([score(np.full(k, g), 1.0, 1.0) for g in grid])
        plateau = grid[common >= common.max() - 1e-9]
        shared = float(np.median(plateau))  # middle of the best range: safest cut
        t = np.full(k, shared)
        completion, fallback, extra = 1.0, 1.0, 0.0
        current = score(t, completion, fallback)
        for _ in range(2):
            for j in range(k):
                for g in grid:
                    trial = t.copy()
                    trial[j] = g
                    f = score(trial, completion, fallback, extra)
                    if f > current + 1e-4:
                        current, t = f, trial
            current, completion, fallback, extra = self._tune_ratios(score, t, (completion, fallback, extra), extras)
        t = self._shrunk(t, shared, G)
        current, completion, fallback, extra = self._tune_ratios(score, t, (completion, fallback, extra), extras)
        # categories never seen as positive can never be predicted
        t[~G.any(axis=0) & ~self._positive_seen_] = 1.0
        self.thresholds_ = t
        self.child_completion_ = completion
        self.fallback_ratio_ = fallback
        self.extra_ratio_ = extra
        self.oof_path_f1_ = current

    @staticmethod
    def _tune_ratios(score, t, params, extras):
        """``(f1, completion, fallback, extra)``: the best ratios for thresholds ``t``, from ``params``."""
        best = (score(t, *params), *params)
        for c in (1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.0):
            for fb in (1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.0):
                for ex in extras:
                    f = score(t, c, fb, ex)
                    if f > best[0] + 1e-4:
                        best = (f, c, fb, ex)
        return best

    def _rarely_several(self, G) -> bool:
        """Whether at most ``_SEVERAL_SHARE`` of the labelled comments carry two or more deepest labels."""
        return bool(len(G)) and float(np.mean(G.sum(axis=1) >= 2)) <= _SEVERAL_SHARE

    def _shrunk(self, t, shared, G) -> np.ndarray:
        """Each threshold pulled toward the shared one by its class's few positives: a threshold
        tuned on 2-8 positives fits their noise (``threshold_prior`` pseudo-positives at ``shared``)."""
        m = float(getattr(self, "threshold_prior", 0.0))
        if m <= 0:
            return t
        n = G.sum(axis=0).astype(float)
        parent_pos = np.zeros(len(t))
        np.add.at(parent_pos, self.parent_index_, n)  # a parent's positives include its children's
        n = np.where(self.is_child_, n, np.maximum(n, parent_pos))
        return (n * t + m * shared) / (n + m)

    def _path_matrix(self, D: np.ndarray) -> np.ndarray:
        """Deepest-label indicator: children as predicted, parents only when no child is."""
        out = D.astype(bool).copy()
        child = self.is_child_
        if child.any():
            has_child = np.zeros_like(out)
            np.logical_or.at(has_child.T, self.parent_index_[child], out[:, child].T)
            out[:, ~child] &= ~has_child[:, ~child]
        return out

    def _calibrate(self, logits: np.ndarray) -> np.ndarray:
        return self.parents_at_least_children(_sigmoid(logits))

    def parents_at_least_children(self, P: np.ndarray) -> np.ndarray:
        """``P`` (float, changed in place) with each parent at least as likely as its most likely
        child: what ``predict_proba`` promises, restored after rules that raise a child alone (a
        keyword's lift left "Cleanliness" at 0.448 over its parent's 0.447)."""
        # a column at a time, in place, over blocks of rows that stay in the cache (gathering each
        # parent's children's columns cost twice the sigmoid; max is exact in any order)
        groups = [(j, np.flatnonzero(self.is_child_ & (self.parent_index_ == j)).tolist())
                  for j in np.flatnonzero(~self.is_child_).tolist()]
        groups = [(j, kids) for j, kids in groups if kids]
        for start in range(0, len(P), _ROW_BLOCK):
            block = P[start : start + _ROW_BLOCK]
            for j, kids in groups:
                column = block[:, j]
                for kid in kids:
                    np.maximum(column, block[:, kid], out=column)
        return P

    def _leaf_columns(self) -> np.ndarray:
        """Columns that can be a deepest label on their own: children, and parents with none."""
        is_child = self.is_child_
        has_kids = np.zeros(len(is_child), bool)
        has_kids[self.parent_index_[is_child]] = True
        return np.flatnonzero(is_child | ~has_kids)

    def _decode(self, P, completion, fallback, extra=0.0) -> np.ndarray:
        """0/1 decisions from probabilities; child => parent always holds."""
        t = self.thresholds_
        is_child, parent = self.is_child_, self.parent_index_
        D = P >= t
        D[:, ~is_child] = False
        child_cols = np.flatnonzero(is_child)
        parent_cols = np.flatnonzero(~is_child)
        scale = np.maximum(t, 1e-9)  # ratio P / scale: the margin to the threshold
        own_parent = P[:, parent_cols] >= t[parent_cols]
        for pj, fired in zip(parent_cols, own_parent.T):
            kids = child_cols[parent[child_cols] == pj]
            has_child = D[:, kids].any(axis=1) if len(kids) else np.zeros(len(P), bool)
            D[:, pj] = fired | has_child
            if len(kids) and completion < 1.0:
                # only a parent alone can promote a child: the ratios of those rows only
                rows, best = _best_ratio(P, scale, np.flatnonzero(fired & ~has_child), kids, completion)
                D[rows, best] = True
        leaves = self._leaf_columns()
        if fallback < 1.0 and len(leaves):
            # a flat taxonomy's leaves are parents: without them the rule never fired there
            rows, best = _best_ratio(P, scale, np.flatnonzero(~D.any(axis=1)), leaves, fallback)
            D[rows, best] = True
            D[rows, parent[best]] = True
        if extra > 0.0:
            D = self._drop_weak_extras(D, P, extra)
        return D.astype(np.int8)

    def _drop_weak_extras(self, D: np.ndarray, P: np.ndarray, extra: float) -> np.ndarray:
        """Deepest labels below ``extra`` times the comment's likeliest one are dropped (their
        parent with them unless another kept child needs it): where training comments rarely
        carry two labels, a second weak one is more often wrong than right."""
        path = self._path_matrix(D)
        top = np.where(path, P, 0.0).max(axis=1, keepdims=True)
        keep = path & (P >= extra * top)
        out = keep.copy()
        rows, cols = np.nonzero(keep & self.is_child_)
        out[rows, self.parent_index_[cols]] = True
        return out

    def _paths(self, row: np.ndarray) -> list[Label]:
        """Deepest labels of a 0/1 row: children, and parents with no child predicted."""
        on = np.flatnonzero(row)
        children_on = {self.parent_index_[j] for j in on if self.is_child_[j]}
        return [self.classes_[j] for j in on if self.is_child_[j] or j not in children_on]


    def score(self, X, y) -> float:
        """Micro-F1 over (text, deepest label) pairs of ``predict_labels(X)`` against ``y`` (label lists,
        as ``fit`` takes them): the figure ``train`` and ``evaluate`` report as path micro-F1.

        scikit-learn's ``cross_val_score`` and ``GridSearchCV`` use it when no ``scoring`` is given;
        their named scorers (``"f1_micro"``...) cannot read label lists and scored every fold NaN.
        """
        from feedback_classifier.model.evaluation import evaluate_predictions
        from feedback_classifier.model.inputs import _labels_from_y

        gold, _ = _labels_from_y(y)
        return float(evaluate_predictions(gold, self.predict_labels(X)).path_micro_f1)
