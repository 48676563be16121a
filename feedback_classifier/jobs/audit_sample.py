"""Error rates of the classifier from a sample of comments the user labelled (an audit).

The sample is any table with a ``labels`` column holding the true categories of each row
(every row audited; an empty cell = no category) and either the model's ``categories`` for
the same rows (a labelled copy of classify/analyze output) or the comments, which are then
classified here. Its per-category error rates correct the drivers for the model's misses
(:mod:`feedback_classifier.insights.quantify`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def sample_error_rates(path: str | Path, taxonomy: Any, *, labels_col: str = "labels", text_col: str | None = None,
                       model: Any = None) -> dict:
    """Per-label :class:`~feedback_classifier.insights.quantify.ErrorRates` from an audited sample.

    >>> import os, tempfile, pandas as pd
    >>> from feedback_classifier.taxonomy import load_taxonomy
    >>> path = os.path.join(tempfile.mkdtemp(), "audit.csv")
    >>> pd.DataFrame({"categories": ["Price", "", "Price"], "labels": ["Price", "Price", ""]}).to_csv(path, index=False)
    >>> sample_error_rates(path, load_taxonomy("cx-default"))[("price", None)]
    ErrorRates(tp=1, fp=1, fn=1, tn=0)
    """
    from feedback_classifier.errors import InputFileError
    from feedback_classifier.insights.quantify import error_rates_from_labels
    from feedback_classifier.tableio import read_table, require_columns

    df = read_table(path)
    require_columns(df, [labels_col], source=str(path))
    if not len(df):
        raise InputFileError(f"{path}: the audited sample has no rows; label a few hundred comments.")
    # rows counted as train, audit and the score warnings count them: the first data row is row 1
    gold = [taxonomy.parse_labels(cell, row=i + 1, column=labels_col, source=str(path))
            for i, cell in enumerate(df[labels_col].tolist())]
    if not any(gold):  # every row "no category": the rates would say the model is always wrong
        raise InputFileError(f"{path}: column '{labels_col}' is empty in all {len(df):,} rows; write each row's true "
                             "categories there (an empty cell: the comment has none), or drop --audit-sample.")
    if "categories" in df.columns:
        predicted = [taxonomy.parse_labels(cell, row=i + 1, column="categories", source=str(path))
                     for i, cell in enumerate(df["categories"].tolist())]
    else:
        if text_col is None or text_col not in df.columns:
            raise InputFileError(
                f"{path}: the audited sample needs a 'categories' column (the model's output for those rows) "
                f"or the comment column{f' {text_col!r}' if text_col else ''} to classify them.")
        from feedback_classifier.model.default import load_model_and_taxonomy
        from feedback_classifier.model.enrichment import predict_as_classified

        clf, _ = load_model_and_taxonomy(model, taxonomy)
        # the categories analyze and classify tag (sentences, keyword rules...), whose errors the rates
        # correct: the whole comment alone (predict_labels) differed on 159 of 600 survey comments
        texts = df[text_col].fillna("").astype(str).tolist()
        predicted = predict_as_classified(clf, texts)
    return error_rates_from_labels(gold, predicted)


def model_error_rates(model: Any) -> dict | None:
    """Per-label error rates stored in a model file by ``train`` (its cross-validation's
    out-of-fold predictions), from its path or the classifier ``load_model`` made of it, or None
    (no file, or trained without cross-validation)."""
    if model is None:
        return None
    from feedback_classifier.insights.quantify import rates_from_metrics
    from feedback_classifier.model.persist import metadata_of

    # a classifier loaded from a file (--verify-key, --trust-model) has its header too
    metrics = (metadata_of(model) or {}).get("metrics") or {}
    counts = metrics.get("category_errors")
    if not counts:
        return None
    # The counts come from the cross-validation's fold models, not from the model in the file; the
    # file's model differs from them about as much as one fold model from another, so the rates
    # are given the weight of one fold's comments (their intervals widen, the correction shrinks).
    # One fold is 1/cv_folds of them: a fixed 1/5 gave a `--cv 10` model's rates twice a fold's weight.
    folds = metrics.get("cv_folds")
    folds = int(folds) if isinstance(folds, (int, float)) and folds >= 2 else CV_FOLDS
    return {label: r.scaled(1 / folds) for label, r in rates_from_metrics(counts).items()}


CV_FOLDS = 5  # train's default --cv, for a header that does not say how many folds made its counts


DEFAULT_RATES_FILE = Path(__file__).resolve().parents[1] / "data" / "default_error_rates.json"


def default_error_rates(path: str | Path = DEFAULT_RATES_FILE) -> tuple[dict, dict] | None:
    """Rough per-parent error rates of the bundled default model and what they were measured on
    (``scripts/default_error_rates.py`` writes them from real human-coded comments of other
    domains), or None when the file is missing. Children have no estimate.

    >>> rates, info = default_error_rates()
    >>> all(child is None for _, child in rates), info["rows"] > 0, len(info["sets"]) > 0
    (True, True, True)
    """
    import json

    from feedback_classifier.insights.quantify import ErrorRates

    path = Path(path)
    if not path.exists():
        return None
    doc = json.loads(path.read_text(encoding="utf-8"))
    parents = doc.get("parents") or {}
    rates = {(parent, None): ErrorRates(tp=c["tp"], fp=c["fp"], fn=c["fn"], tn=c["tn"]) for parent, c in parents.items()}
    sets = doc.get("sets") or {}
    return rates, {"sets": sorted(sets), "rows": sum(sets.values()), "parents": sorted(parents), "measured_on": doc.get("measured_on")}


def often_missed(model: Any, taxonomy: Any, lang: str = "en") -> tuple[list[str], str]:
    """The parents the model finds under 60% of the time, as "Name (recall)" texts, and where that
    comes from (``"cv"``: a model file's cross-validation; ``"default"``: the bundled default
    model's rough rates from other domains; ``""``: nothing known), for classify's summary.

    >>> from feedback_classifier.taxonomy import load_taxonomy
    >>> names, source = often_missed(None, load_taxonomy("cx-default"))
    >>> source, all("%" in n for n in names)
    ('default', True)
    """
    from feedback_classifier.insights.quantify import OFTEN_MISSED_RECALL

    if model is None:
        found = default_error_rates()
        rates, source = (found[0] if found else None), "default"
    else:
        rates, source = model_error_rates(model), "cv"
    if not rates:
        return [], ""
    low = [(label, r.recall) for label, r in rates.items() if label[1] is None and r.recall < OFTEN_MISSED_RECALL]
    return [f"{taxonomy.display_name(label, lang)} ({recall:.0%})" for label, recall in sorted(low, key=lambda x: x[1])], source


def _cv_rows(model: Any) -> int:
    """How many labelled comments ``train``'s cross-validation scored out of fold (its error counts' rows)."""
    from feedback_classifier.model.persist import metadata_of

    counts = ((metadata_of(model) or {}).get("metrics") or {}).get("category_errors") or {}
    return max((int(sum(c)) for c in counts.values()), default=0)


def error_rates_for(audit_sample: str | Path | None, taxonomy: Any, *, text_col: str | None, model: Any = None,
                    clf: Any = None, bundled: bool = False, notes: list[str] | None = None) -> tuple[dict | None, dict]:
    """The classifier's error rates for the drivers and where they come from, as ``analyze`` and
    ``report`` use them: comments the user labelled (``audit``, :func:`sample_error_rates`; the
    sample's comments are classified with ``clf`` or ``model`` when it has no ``categories``), a
    model file's cross-validation (``cv``), or, when the bundled default model classified the
    comments (``bundled``), its rough rates measured on real comments of other domains
    (``default``, with how many: ``rows``; said in ``notes``). ``(None, {})`` when none is known.

    >>> from feedback_classifier.taxonomy import load_taxonomy
    >>> rates, source = error_rates_for(None, load_taxonomy("cx-default"), text_col="comment", bundled=True)
    >>> source["source"], source["rows"] > 0
    ('default', True)
    >>> error_rates_for(None, load_taxonomy("cx-default"), text_col="comment")
    (None, {})
    """
    if audit_sample is not None:
        rates = sample_error_rates(audit_sample, taxonomy, text_col=text_col, model=clf if clf is not None else model)
        return rates, {"source": "audit"}
    if model is not None:  # a model file from `train` carries its cross-validated error rates
        rates = model_error_rates(model)
        # the report's "measured on N labelled comments it did not train on" counted one fold's weight (84 of a
        # SaaS model's 420 comments, every one of them scored out of fold): N is the comments scored
        return rates, {"source": "cv", **({"rows": _cv_rows(model)} if rates else {})}
    found = default_error_rates() if bundled else None
    if found is None:
        return None, {}
    rates, info = found
    if notes is not None:
        notes.append(
            f"Error rates: rough precision/recall of the bundled default model for {len(rates)} parent categories, "
            f"measured on {info['rows']:,} real comments of other domains ({'; '.join(info['sets'])}); "
            "subcategories and the other parents have none. They flag often-missed categories but do not correct "
            "shares and impacts (rates from other kinds of comments do not carry over); label a few hundred of your "
            "comments and pass --audit-sample for figures and corrections that hold on your data")
    return rates, {"source": "default", "rows": info["rows"]}
