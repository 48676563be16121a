"""What ``FeedbackClassifier`` accepts as X and y, normalised: text fields, label lists, targets."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable

import numpy as np
import pandas as pd
import scipy.sparse as sp

from feedback_classifier.errors import LabelError, ParameterError
from feedback_classifier.taxonomy import Label, Taxonomy, slugify
from feedback_classifier.taxonomy.labels import LABEL_SEPARATOR, PATH_SEPARATOR


# What each numeric parameter must be: (its lowest value, whether that value itself is refused)
_NUMBERS = {"C": (0, True), "stacking_C": (0, True), "char_weight": (0, False), "nb_scaling": (0, False),
            "embedding_weight": (0, False), "word_vectors": (0, False), "threshold_prior": (0, False),
            "calibration_pool": (0, False), "prototype_prior": (0, False)}
_INTEGERS = {"word_ngrams": 1, "cv": 1, "min_df": 1, "word_vectors_induce": 0}


def check_fit_arguments(estimator, y) -> None:
    """Refuse what ``FeedbackClassifier.fit`` cannot use, naming the parameter, before any work: ``C=0`` was
    refused as LogisticRegression's (``stacking_C=0`` as its ``C``), ``cv="3"`` and ``char_ngrams=3`` were
    TypeErrors from deep inside, and ``cv=0``, ``word_ngrams=0``, ``char_ngrams=(5, 2)`` or a negative weight
    were fitted without a word (no folds, no word or char features, features counted against a category).

    >>> check_fit_arguments(type("Est", (), {"C": 0})(), [])
    Traceback (most recent call last):
    ...
    feedback_classifier.errors.ParameterError: C must be a number > 0, got 0.
    """
    if y is None:
        raise ValueError("FeedbackClassifier requires y to be passed, but the target y is None: give one list "
                         "of labels per text.")
    for name, (low, strict) in _NUMBERS.items():
        value = getattr(estimator, name, low + 1)
        if (not isinstance(value, numbers.Real) or isinstance(value, bool) or not math.isfinite(value)
                or value < low or (strict and value == low)):
            raise ParameterError(f"{name} must be a number {'>' if strict else '>='} {low}, got {value!r}.")
    for name, low in _INTEGERS.items():
        value = getattr(estimator, name, low)
        if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < low:
            raise ParameterError(f"{name} must be a whole number >= {low}, got {value!r}.")
    weight = getattr(estimator, "class_weight", None)
    if weight not in ("balanced", None) and not isinstance(weight, dict):
        raise ParameterError(f"class_weight must be 'balanced', None or a dict, got {weight!r}.")
    grams = getattr(estimator, "char_ngrams", None)
    if grams is not None and not (isinstance(grams, (tuple, list)) and len(grams) == 2
                                  and all(isinstance(n, numbers.Integral) and not isinstance(n, bool) for n in grams)
                                  and 1 <= grams[0] <= grams[1]):
        raise ParameterError("char_ngrams must be None or (shortest, longest) with 1 <= shortest <= longest, "
                             f"e.g. (2, 5), got {grams!r}.")


def _labels_from_y(y) -> tuple[list[list[Label]], list[Label] | None]:
    """Normalise ``y`` into lists of labels.

    Accepts lists of labels (the documented form), a 0/1 indicator matrix (columns
    become flat labels ``("0", None)``, ...; a DataFrame's are named after its columns), or 1-D
    class values (one flat label each),
    the last two so that scikit-learn's generic tools can drive the estimator. Returns
    the label lists and, for indicator input, the column order to keep.
    """
    if sp.issparse(y):
        y = y.toarray()
    if isinstance(y, pd.DataFrame):
        return _indicator_labels(_frame_indicators(y), [_class_id(column) for column in y.columns])
    if isinstance(y, np.ndarray) and y.ndim == 2 and y.dtype.kind in "biuf":
        return _indicator_labels(y, [str(j) for j in range(y.shape[1])])
    rows = list(y)
    out: list[list[Label]] = []
    for i, item in enumerate(rows):
        if item is None:  # (iterating it raised "'NoneType' object is not iterable", no row named)
            raise LabelError(f"Row {i + 1}: y has None for a label list; give [] for a text without labels.")
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
            item = [item]  # a single label
        elif isinstance(item, (str, int, np.integer, float, np.floating, bool, np.bool_)):
            if isinstance(item, (float, np.floating)) and math.isnan(item):
                # 0-based, as no other message counts rows; and no way out was given
                raise LabelError(f"Row {i + 1}: y contains NaN; give [] for a text without labels.")
            if isinstance(item, str) and (PATH_SEPARATOR in item or LABEL_SEPARATOR in item):
                # a labels column passed as y became one flat class per distinct cell, silently
                raise LabelError(
                    f"Row {i + 1}: y holds the label cell {item!r}; parse label cells first: "
                    "[taxonomy.parse_labels(cell) for cell in cells] (infer_taxonomy(cells) makes a taxonomy)."
                )
            item = [(_class_id(item), None)]
        labels = []
        for lab in item:
            if not (isinstance(lab, tuple) and len(lab) == 2 and isinstance(lab[0], str)):
                raise LabelError(
                    f"Row {i + 1}: label {lab!r} is not a (parent_id, child_id or None) pair; "
                    "parse label cells with Taxonomy.parse_labels first."
                )
            labels.append((lab[0], lab[1]))
        out.append(labels)
    return out, None


def _indicator_labels(y: np.ndarray, ids: list[str]) -> tuple[list[list[Label]], list[Label]]:
    if not np.isin(y, (0, 1)).all():
        raise ValueError("An indicator matrix y must contain only 0 and 1.")
    columns = [(class_id, None) for class_id in ids]
    return [[columns[j] for j in np.flatnonzero(row)] for row in y], columns


def _frame_indicators(y: pd.DataFrame) -> np.ndarray:
    """A DataFrame ``y`` as 0/1 indicator columns (``pd.get_dummies``, a one-hot export), each column a
    class named after it: iterating the frame gave its column names as the label lists ("X has 20
    texts but y has 2 label lists")."""
    for column in y.columns:
        if not (pd.api.types.is_bool_dtype(y[column]) or pd.api.types.is_numeric_dtype(y[column])):
            raise LabelError(
                f"column {column!r} of y is not 0/1: a DataFrame y holds one 0/1 column per category; for a "
                "column of label cells pass [taxonomy.parse_labels(cell) for cell in df[column]].")
    values = y.to_numpy(dtype=float, na_value=np.nan)
    missing = np.argwhere(np.isnan(values))
    if len(missing):
        row, column = missing[0]
        raise LabelError(f"Row {row + 1}: y's column {y.columns[column]!r} is missing; give 0 or 1.")
    return values


def _aligned(**columns) -> list[list]:
    """Each argument as a list, one entry per comment: a single string (whose characters were taken
    for comments) and arguments of different lengths (an ``IndexError`` from deep inside) are refused.

    >>> _aligned(texts=("good", "bad"), categories=["x", "y"])
    [['good', 'bad'], ['x', 'y']]
    >>> _aligned(texts=["good", "bad"], categories=["x"])
    Traceback (most recent call last):
    ...
    ValueError: texts and categories must have one entry per comment, got 2 and 1.
    """
    out = []
    for name, values in columns.items():
        if isinstance(values, str):
            raise TypeError(f"{name} must be a list with one entry per comment, not a single string: "
                            f"pass [{values!r}].")
        out.append(list(values))
    if len({len(values) for values in out}) > 1:
        names, sizes = list(columns), [str(len(values)) for values in out]
        raise ValueError(f"{', '.join(names[:-1])} and {names[-1]} must have one entry per comment, got "
                         f"{', '.join(sizes[:-1])} and {sizes[-1]}.")
    return out


def _group_ids(groups) -> np.ndarray | None:
    """``groups`` as an array for the folds; a row without an id (None, NaN) is a group of its own, as
    ``train --group-col`` makes it (scikit-learn's ``GroupKFold`` raised "Input groups contains NaN",
    or a ``TypeError`` comparing ``None`` with ``None``).

    >>> _group_ids(["r1", None, "r1", float("nan")]).tolist()
    ['r1', '\\x00row 2', 'r1', '\\x00row 4']
    >>> _group_ids([3, 3, 4]).tolist()
    [3, 3, 4]
    """
    if groups is None:
        return None
    values = list(groups)
    missing = {i for i, g in enumerate(values)
               if g is None or g is pd.NA or g is pd.NaT or (isinstance(g, float) and math.isnan(g))}
    if not missing:
        return np.asarray(groups)
    # the NUL keeps these groups apart from every id a table can hold
    return np.array([f"\0row {i + 1}" if i in missing else str(g) for i, g in enumerate(values)])


def _flat_taxonomy(labels: Iterable[Label]):
    """A taxonomy made from the label pairs seen in training (no names, keywords, owners)."""
    parents: dict[str, list[str]] = {}
    for p, c in labels:
        children = parents.setdefault(p, [])
        if c is not None and c not in children:
            children.append(c)
    data = {
        "name": "inferred",
        "categories": [
            {"id": p, "names": {"en": p}, "children": [{"id": c, "names": {"en": c}} for c in ch]}
            for p, ch in parents.items()
        ],
    }
    return Taxonomy.from_dict(data, source="labels seen in training")


def _class_id(value) -> str:
    """A taxonomy id for a bare class value given in a 1-D ``y`` (e.g. ``0``, ``"spam"``)."""
    text = str(value)
    slug = slugify(text) if text.strip() else ""
    return slug if slug == text else f"class_{slug or 'blank'}"


def _field(value) -> str:
    """One text field as a string; missing values are empty text."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    return str(value)


def _target_matrix(label_lists: list[list[Label]], classes: list[Label]) -> np.ndarray:
    """``Y[i, j] = 1`` when row ``i`` carries class ``j``; a child label implies its parent.

    A parent-only row is a negative for the parent's children: analysts label the parent
    alone when no specific child fits, and the children must learn that.
    """
    index = {lab: j for j, lab in enumerate(classes)}
    Y = np.zeros((len(label_lists), len(classes)), dtype=np.int8)
    for i, labs in enumerate(label_lists):
        for p, c in labs:
            Y[i, index[(p, None)]] = 1
            if c is not None:
                Y[i, index[(p, c)]] = 1
    return Y


def _path_target_matrix(label_lists: list[list[Label]], classes: list[Label]) -> np.ndarray:
    """``G[i, j]`` is True when class ``j`` is one of row ``i``'s deepest labels (its paths)."""
    index = {lab: j for j, lab in enumerate(classes)}
    G = np.zeros((len(label_lists), len(classes)), dtype=bool)
    for i, labs in enumerate(label_lists):
        for lab in _deepest(labs):
            G[i, index[lab]] = True
    return G


def _deepest(labels: Iterable[Label]) -> list[Label]:
    labels = list(dict.fromkeys(labels))
    with_child = {p for p, c in labels if c is not None}
    return [lab for lab in labels if lab[1] is not None or lab[0] not in with_child]


def _taxonomy_and_classes(taxonomy, label_lists: list[list[Label]], indicator_columns: list[Label] | None):
    """The taxonomy to fit (``taxonomy``, or one inferred from the labels) and its classes."""
    if taxonomy is None:
        if indicator_columns is not None:
            pairs = indicator_columns
        else:
            seen = {lab for labs in label_lists for lab in labs}
            if not seen:  # was a TaxonomyError saying to add a 'categories:' list to a YAML file never written
                raise LabelError(f"y has no labels: all {len(label_lists):,} label lists are empty; label some "
                                 "texts, or pass taxonomy= to train for its categories.")
            pairs = sorted(seen, key=lambda lab: (lab[0], "" if lab[1] is None else lab[1]))
        taxonomy = _flat_taxonomy(pairs)
        return taxonomy, list(taxonomy.labels)
    if not isinstance(taxonomy, Taxonomy):  # a bundled name or a YAML path, as compute_drivers and route take it
        from feedback_classifier.taxonomy import load_taxonomy

        taxonomy = load_taxonomy(taxonomy)
    known = set(taxonomy.labels)
    for i, labs in enumerate(label_lists):
        for lab in labs:
            if lab not in known:
                raise LabelError(
                    f"Row {i + 1}: label {lab!r} is not in taxonomy {taxonomy.name!r}; "
                    "parse label cells with Taxonomy.parse_labels to get valid labels."
                )
    return taxonomy, list(taxonomy.labels)


def texts_of(estimator, X, *, fitting: bool) -> list[str]:
    """``X`` as one text per row (a 2-D X: its fields joined by spaces); ``fitting`` records ``n_features_in_``."""
    if sp.issparse(X):
        raise TypeError(
            "FeedbackClassifier takes texts (a list or column of strings), not a sparse matrix."
        )
    if isinstance(X, str) or X is None:  # (None: "'NoneType' object is not iterable")
        raise TypeError(f"Pass a list of texts, not {'None' if X is None else 'a single string'}.")
    if hasattr(X, "ndim") and getattr(X, "ndim") == 2:
        arr = np.asarray(X)
        if arr.dtype.kind in "fc":
            if arr.dtype.kind == "c":
                raise ValueError("Complex data not supported.")
            if not np.isfinite(arr).all():
                raise ValueError("Input X contains NaN or infinity.")
        n_fields = arr.shape[1]
        if n_fields == 0:  # no text at all (scikit-learn's wording)
            raise ValueError(f"Found array with 0 feature(s) (shape={arr.shape}) while a minimum of 1 is required.")
        if fitting:
            estimator.n_features_in_ = n_fields
        elif getattr(estimator, "n_features_in_", None) not in (None, n_fields):
            raise ValueError(
                f"X has {n_fields} features, but FeedbackClassifier is expecting "
                f"{estimator.n_features_in_} features as input."
            )
        texts = [" ".join(_field(v) for v in row) for row in arr]
    else:
        values = list(X)
        texts = [_field(v) for v in values]
        if fitting:
            estimator.n_features_in_ = 1
    if fitting and len(texts) == 0:
        raise ValueError("Cannot fit on 0 samples: at least 1 text is required.")
    return texts
