"""audit: labelled rows ranked by how likely their labels are wrong.

Confident-learning style: every row is scored by a model that never saw it (``folds``
out-of-fold ``FeedbackClassifier`` fits, grouped by ``group_col`` when given), so a wrong
label cannot vouch for itself. ``suspicion`` is ``1 -`` the self-confidence of the weakest
given label, its share of the row's probability over the deepest categories (cleanlab's
default ranking, extended to several labels per row and to two levels). Why a share and not
the label's own probability: the per-category probabilities are one-vs-rest, and a wrong
label often still clears its own bar while another category clears it by more; measured on
Banking77 with 10% of labels changed, the share finds clearly more of them (benchmarks/labelling.py audit).
cleanlab itself is not used: this ranking is the part of it audit needs, for multi-label two-level labels.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from feedback_classifier.errors import LabelError
from feedback_classifier.jobs.labelbook import names_language
from feedback_classifier.jobs.train import check_folds, fold_note, read_labelled_table
from feedback_classifier.model import FeedbackClassifier
from feedback_classifier.model.evaluation import CVState, cv_folds
from feedback_classifier.tableio import DEFAULT_READ, ReadOptions, read_table, write_table
from feedback_classifier.tableio.atomic import refuse_overwriting_inputs

SUSPICION_COL = "suspicion"
SUGGESTED_COL = "suggested_labels"


def label_matrix(labels: list[list], classes: list) -> np.ndarray:
    """0/1 matrix over ``classes``; a child label sets its parent too.

    >>> label_matrix([[("a", "x")], []], [("a", None), ("a", "x"), ("b", None)]).tolist()
    [[1, 1, 0], [0, 0, 0]]
    """
    index = {c: j for j, c in enumerate(classes)}
    Y = np.zeros((len(labels), len(classes)), dtype=np.int8)
    for i, labs in enumerate(labels):
        for p, c in labs:
            for lab in ((p, None), (p, c)):
                if lab in index:
                    Y[i, index[lab]] = 1
    return Y


def suspicion_scores(P: np.ndarray, Y: np.ndarray, classes: list | None = None) -> np.ndarray:
    """How likely each row's labels are wrong, from out-of-fold probabilities ``P`` and the
    given labels ``Y`` (0/1 over ``classes``; a child sets its parent too).

    Confident learning's self-confidence: the deepest categories' probabilities are rescaled
    to sum to one per row, so a given label must win against the other categories, not only
    clear its own bar; a label's share ``q`` counts ``k q`` for a row given ``k`` labels (a
    parent given without a child holds its children's share), and suspicion is ``1 -`` the
    weakest given label's. A row given no label is as suspicious as the model's strongest
    belief in some category. ``classes`` defaults to flat categories (no children).

    >>> suspicion_scores(np.array([[0.9, 0.1], [0.2, 0.8]]), np.array([[1, 0], [1, 0]])).round(2).tolist()
    [0.1, 0.8]
    >>> # two categories both at 0.6: the given one holds only half of the evidence
    >>> suspicion_scores(np.array([[0.6, 0.6], [0.6, 0.05]]), np.array([[1, 0], [1, 0]])).round(2).tolist()
    [0.5, 0.08]
    """
    P = np.asarray(P, dtype=float)
    given = np.asarray(Y).astype(bool)
    classes = classes if classes is not None else [(j, None) for j in range(P.shape[1])]
    with_children = {p for p, c in classes if c is not None}
    leaf = np.array([c is not None or p not in with_children for p, c in classes], dtype=bool)
    Q = np.where(leaf, P, 0.0)
    Q = Q / np.maximum(Q.sum(axis=1, keepdims=True), 1e-12)
    parent_col = {p: j for j, (p, c) in enumerate(classes) if c is None}
    children_of: dict[int, list[int]] = {}
    for j, (p, c) in enumerate(classes):
        if c is not None and p in parent_col:
            children_of.setdefault(parent_col[p], []).append(j)
    share, deepest = Q.copy(), given.copy()
    for parent, kids in children_of.items():
        share[:, parent] = Q[:, kids].sum(axis=1)  # a parent holds its children's share
        deepest[:, parent] &= ~given[:, kids].any(axis=1)  # and counts only when no child is given
    k = deepest.sum(axis=1, keepdims=True)
    confidence = np.where(deepest, np.minimum(1.0, k * share), np.inf).min(axis=1, initial=np.inf)
    none_given = ~given.any(axis=1)
    return np.where(none_given, P.max(axis=1, initial=0.0), 1.0 - np.where(np.isfinite(confidence), confidence, 0.0))


def out_of_fold(texts: list[str], labels: list[list], taxonomy, *, folds: int = 5, groups=None, seed: int = 0):
    """``(P, decisions, classes, decode, folds fitted)``: every row's probabilities and decisions
    from a model fitted on the other folds (grouped by ``groups`` as ``train`` groups them: fewer
    folds than asked when there are fewer groups)."""
    n = len(texts)
    # train's rule: grouped, at most one fold per group; else shuffled
    splits = cv_folds(CVState(None, texts, labels, None if groups is None else np.asarray(groups)), folds, seed)
    P = D = classes = None
    for train_idx, test_idx in splits:
        clf = FeedbackClassifier(taxonomy=taxonomy, cv=3, random_state=seed)
        clf.fit([texts[i] for i in train_idx], [labels[i] for i in train_idx])
        Pf = clf.predict_proba([texts[i] for i in test_idx])
        if P is None:
            classes = list(clf.classes_)
            P, D = np.zeros((n, len(classes))), np.zeros((n, len(classes)), dtype=np.int8)
        P[test_idx], D[test_idx] = Pf, clf.predict_from_proba(Pf)
        decode = clf._paths
    return P, D, classes, decode, len(splits)


@dataclass
class AuditResult:
    """What ``audit_file`` did."""

    path: Path
    rows: int
    folds: int  # out-of-fold models fitted
    top: list  # (row number, suspicion) of the most suspicious rows
    skipped: int = 0  # rows the label app marked skipped, left out
    #: Why fewer folds than asked were fitted (fewer groups than folds), for the user; else None.
    note: str | None = None


def audit_file(data, out, *, text_col: str = "text", labels_col: str = "labels", taxonomy=None,
               group_col: str | None = None, folds: int = 5, seed: int = 0,
               read: ReadOptions = DEFAULT_READ, lang: str | None = None) -> AuditResult:
    """Write the labelled rows of ``data`` to ``out`` ranked by ``suspicion`` (highest first),
    with every input column plus ``suspicion`` and ``suggested_labels`` (what the out-of-fold
    model would label the row; names in ``lang``, default the comments' majority language). ``read``: how to read ``data`` (format, sheet, encoding...).

    >>> import tempfile, pandas as pd
    >>> d = tempfile.mkdtemp()
    >>> rows = [("late courier", "Delivery"), ("rude staff", "Service")] * 10 + [("rude staff", "Delivery")]
    >>> pd.DataFrame(rows, columns=["comment", "labels"]).to_csv(f"{d}/l.csv", index=False)
    >>> r = audit_file(f"{d}/l.csv", f"{d}/s.csv", text_col="comment", folds=3)
    >>> read_table(f"{d}/s.csv").iloc[0][["comment", "labels", "suggested_labels"]].tolist()
    ['rude staff', 'Delivery', 'Service']
    """
    refuse_overwriting_inputs([Path(out)], [data], fix="choose another --out path for the suspects.")
    table = read_labelled_table(data, text_col=text_col, labels_col=labels_col, taxonomy=taxonomy,
                                group_col=group_col, read=read)
    n = len(table.texts)
    if n < 2 * folds or not any(table.labels):
        raise LabelError(f"{data}: audit needs at least {2 * folds} labelled rows for {folds} folds, "
                         f"got {n}; label more rows or pass a smaller --folds.")
    kinds = {tuple(sorted(labels)) for labels in table.labels}
    if len(kinds) < 2:  # every out-of-fold model would say the same: every suspicion 0, nothing found
        only = table.taxonomy.format_labels(list(kinds.pop()))
        raise LabelError(f"{data}: every labelled row in column '{labels_col}' has the same labels ('{only}'), so "
                         "audit has nothing to compare them with; label comments of other categories (or with "
                         "none) first.")
    check_folds(table, data, text_col, group_col, instead="label more rows")
    P, D, classes, decode, fitted = out_of_fold(table.texts, table.labels, table.taxonomy, folds=folds,
                                                groups=table.groups, seed=seed)
    score = suspicion_scores(P, label_matrix(table.labels, classes), classes)
    df = table.frame.copy()
    df[SUSPICION_COL] = np.round(score, 4)
    lang = names_language(table.texts, table.taxonomy, lang)
    df[SUGGESTED_COL] = [table.taxonomy.format_labels(decode(row), lang=lang) for row in D]
    order = np.argsort(-score, kind="stable")
    rows = table.frame.index  # the file's row positions: skipped rows are not in the table
    df = df.iloc[order].reset_index(drop=True)
    path = write_table(df, out)
    return AuditResult(Path(path), n, fitted, [(int(rows[i]) + 1, float(score[i])) for i in order[:5]],
                       skipped=table.skipped, note=fold_note(fitted, folds, group_col))
