"""The bundled default model for the ``cx-default`` taxonomy.

No model file is shipped: a pickled scikit-learn model only loads reliably with the
library versions it was made with, and users get whatever versions pip resolves.
Instead the default model is trained at first use from the bundled labelled
examples (a few seconds) and cached. The cache key covers everything that changes
the model or its loadability — package, scikit-learn, numpy and scipy versions,
the examples file and the taxonomy — so an upgrade simply retrains.

Cache location: ``$FEEDBACK_CLASSIFIER_CACHE`` if set, else
``$XDG_CACHE_HOME/feedback-classifier`` (default ``~/.cache/feedback-classifier``).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from feedback_classifier.errors import ModelFileError
from feedback_classifier.model.cache import cache_dir  # noqa: F401 - public here since the first release

DEFAULT_TAXONOMY = "cx-default"
_PACKAGE_DIR = Path(__file__).resolve().parents[1]
EXAMPLES_FILE = _PACKAGE_DIR / "data" / "cx_default_examples.csv"
EXAMPLE_SURVEY_FILE = _PACKAGE_DIR / "data" / "example_survey.csv"

# Chosen on the example survey's hidden truth (scripts/make_example_survey.py --truth), a
# different distribution from the training examples: path micro-F1 0.654 with the library
# defaults, 0.711 with these. The bundled examples are ~1,400 short hand-written comments, so
# words seen once still matter (min_df=1), and their label co-occurrences are not those of real
# multi-topic comments, which the stacking stage would learn (stacking=False).
# The word-table block (word_vectors, on for trained models) is left out here: on the example
# survey it gave path micro-F1 0.799 vs 0.805 without (parent 0.878 vs 0.884,
# benchmarks/default_model.py), and the zero-shot lift already brings the table in.
# (keyword_rules off: the default model has its own keyword rules, ``with_keyword_rules``)
DEFAULT_MODEL_PARAMS = {"stacking": False, "min_df": 1, "word_vectors": 0.0, "calibration_pool": 0.0, "keyword_rules": False}

# Called with a one-line message before the default model is built (first use with these
# versions: ~30 s). The library never prints; the CLI sets this to print to stderr.

_lock = threading.Lock()
_loaded: dict[str, object] = {}
_build_notices: list = []


def notify_on_build(callback) -> None:
    """Have ``callback()`` called just before the default model is trained (its first use with
    these library versions, ~20 s; later runs load the cached file). The library never prints:
    the command line registers a callback that says what is happening.

    >>> notify_on_build(print); notify_on_build(print); _build_notices.count(print)
    1
    >>> _build_notices.remove(print)
    """
    if callback not in _build_notices:
        _build_notices.append(callback)


def default_model_key() -> str:
    """A short hash of everything the cached default model depends on.

    >>> len(default_model_key())
    16
    """
    from feedback_classifier.model.cache import table_key
    from feedback_classifier.taxonomy import bundled_taxonomy_path

    # The taxonomy file's bytes, not its parsed hash: parsing the YAML costs ~0.1 s of every start.
    return table_key(bundled_taxonomy_path(DEFAULT_TAXONOMY).read_bytes(), EXAMPLES_FILE.read_bytes())


def default_model_path() -> Path:
    """Where the default model for the current library versions is (or will be) cached."""
    return cache_dir() / f"cx-default-{default_model_key()}.joblib"


def train_default_model():
    """Train the default model from the bundled examples, without caching.

    Returns ``(classifier, number_of_training_rows)``. Cross-validated metrics are
    not computed, to keep first use fast; ``feedback-classifier evaluate`` measures a model.

    >>> clf, n_rows = train_default_model()  # doctest: +SKIP
    """
    from feedback_classifier.model.estimator import FeedbackClassifier
    from feedback_classifier.tableio import read_table
    from feedback_classifier.taxonomy import bundled_taxonomy

    taxonomy = bundled_taxonomy(DEFAULT_TAXONOMY)
    examples = read_table(EXAMPLES_FILE)
    texts = examples["text"].fillna("").astype(str).tolist()
    labels = [
        taxonomy.parse_labels(cell, row=i + 1, column="labels", source=str(EXAMPLES_FILE))
        for i, cell in enumerate(examples["labels"].tolist())
    ]
    extra_texts, extra_labels = taxonomy_knowledge(taxonomy)
    model = FeedbackClassifier(taxonomy=taxonomy, **DEFAULT_MODEL_PARAMS).fit(texts + extra_texts, labels + extra_labels)
    return with_keyword_rules(model), len(texts) + len(extra_texts)


def taxonomy_knowledge(taxonomy) -> tuple[list[str], list[list]]:
    """What the taxonomy itself teaches the default model, besides the bundled examples: each
    category's keywords, names (both languages) and description as a short labelled example.

    >>> from feedback_classifier.taxonomy import load_taxonomy
    >>> texts, labels = taxonomy_knowledge(load_taxonomy(DEFAULT_TAXONOMY))
    >>> len(texts) == len(labels) > 300
    True
    """
    from feedback_classifier.model.weak import taxonomy_examples

    return taxonomy_examples(taxonomy)


# A keyword lifts a category to its threshold where the default model gives it at least this share
# of it (model/segments.py; models trained without labels use segments.KEYWORD_MIN_RATIO). Chosen
# with benchmarks/real_comments.py on the dev halves (mean of 3 training seeds): 0.5 -> 0.8 raises
# Banking77's precision 1.5 points ("account", "charge" name a category only where the model half
# agrees) for 0.6 points of SemEval accuracy; 1.0 (no keyword lift) is within 0.001 micro-F1.
KEYWORD_MIN_RATIO = 0.8


def with_keyword_rules(model):
    """Mark a model so that ``enrich`` also lets categories its taxonomy's keywords clearly name
    through (model/segments.py), and a one-clause comment keep one topic unless the model is nearly
    as sure of a second (model/focus.py); return it."""
    from feedback_classifier.model.focus import SINGLE_TOPIC_RATIO

    model.keyword_rules_ = True
    model.keyword_min_ratio_ = KEYWORD_MIN_RATIO
    model.single_topic_ratio_ = SINGLE_TOPIC_RATIO
    return model


def default_model():
    """The fitted default classifier for ``cx-default``, trained at first use and cached.

    Safe to call repeatedly: the model is loaded once per process. A cached file
    made by other library versions is never loaded; the key changes and the model
    is retrained.

    >>> clf = default_model()
    >>> ("delivery", "delivery_time") in clf.predict_labels(["The courier was two hours late"])[0]
    True
    """
    from feedback_classifier.errors import FeedbackClassifierError
    from feedback_classifier.model.persist import load_model, save_model

    path = default_model_path()
    with _lock:
        if str(path) in _loaded:
            return _loaded[str(path)]
        model = None
        if path.exists():
            try:
                model = with_keyword_rules(load_model(path))
            except ModelFileError:
                model = None  # a stale or damaged cache entry: rebuild it
        if model is None:
            for notice in list(_build_notices):
                notice()
            model, n_rows = train_default_model()
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                # uncompressed: ~9 MB instead of ~6, and ~35 ms less of every later start
                save_model(model, path, training_rows=n_rows, compress=False)
            except (OSError, FeedbackClassifierError) as exc:  # a read-only home still gets a working model
                _warn_uncached(path, exc)
        _loaded[str(path)] = model
        return model


def _warn_uncached(path: Path, exc: Exception) -> None:
    """Say that the default model could not be cached: a nightly job with a read-only home or cache
    folder otherwise paid the ~20 s training on every run, told each time it was the first."""
    import re

    from feedback_classifier.errors import InputWarning, warn

    # save_model's own error names the file and suggests other paths; the cause in its brackets is enough here
    said = re.search(r"cannot write the output there \(([^)]*)\)", str(exc))
    reason = getattr(exc, "strerror", None) or (said.group(1) if said else str(exc))
    warn(InputWarning(
        f"the bundled default model could not be cached in {path.parent} ({reason}), so every run trains it "
        "again (~20 s); set FEEDBACK_CLASSIFIER_CACHE to a writable folder"))


def load_model_and_taxonomy(model: str | Path | Any | None, taxonomy: str | Path | Any | None):
    """(fitted classifier, its Taxonomy). No model: the bundled default for ``cx-default``.

    A taxonomy given together with a model must be the one the model was trained on (its teams' names
    in other languages and its aliases may differ: the given one's are used).
    """
    from feedback_classifier.taxonomy import bundled_taxonomy, load_taxonomy
    from feedback_classifier.taxonomy.history import same_but_aliases

    tax = None
    if taxonomy is not None:
        tax = taxonomy if hasattr(taxonomy, "labels") else load_taxonomy(taxonomy)
    if model is None:
        if tax is not None and not same_but_aliases(tax, bundled_taxonomy(DEFAULT_TAXONOMY)):
            raise ModelFileError(
                f"The bundled default model is for the '{DEFAULT_TAXONOMY}' taxonomy, not '{tax.name}': "
                "train a model for your taxonomy (feedback-classifier train ...) and pass it with --model."
            )
        clf = default_model()
        return clf, tax if tax is not None else clf.taxonomy_
    if hasattr(model, "predict_proba"):
        clf = model
    else:
        from feedback_classifier.model.persist import load_model

        path = Path(model)
        if not path.exists():
            raise ModelFileError(
                f"{path}: model file not found; train one with `feedback-classifier train`, "
                "or omit --model to use the bundled default model."
            )
        clf = load_model(path, taxonomy=tax) if tax is not None else load_model(path)
    model_tax = clf.taxonomy_
    if tax is not None and not same_but_aliases(tax, model_tax):
        from feedback_classifier.model.persist import differing_note

        # one name, two versions (the bundled cx-default renamed 'Service' after models were trained on it):
        # "trained on 'cx-default', not on 'cx-default'" read as a contradiction
        which = (f"another version of taxonomy '{tax.name}'" if model_tax.name == tax.name
                 else f"taxonomy '{model_tax.name}', not on '{tax.name}'")
        raise ModelFileError(
            f"The model was trained on {which}{differing_note(tax, model_tax)}: drop --taxonomy to use the model's "
            "own, or retrain the model on the given one (feedback-classifier train ... --taxonomy FILE)."
        )
    # the given one: its teams' names may differ (translations, which the hash leaves out so that they
    # need no new model); the model's were used and the new names ignored without a word
    return clf, tax if tax is not None else model_tax


# Measured by benchmarks/default_model.py (example survey, hidden truth) and
# benchmarks/real_comments.py; shown to users so they know how far to trust the default.
DEFAULT_MODEL_VALIDATION = ("example survey path micro-F1 0.82; real comments (held-out halves of "
                            "benchmarks/real_comments.py): see the README")


def model_facts(model_arg, clf) -> dict:
    """Which model runs, from the ``--model`` argument and the loaded classifier: ``kind`` is
    ``default`` (the bundled model), ``weak`` (trained without labels), ``trained`` (a model file
    with its metadata: ``rows``, ``metrics``) or ``given`` (a fitted classifier passed in, whose
    training is not known here).

    >>> model_facts(None, default_model())["kind"]
    'default'
    """
    if model_arg is None and getattr(clf, "keyword_rules_", False) and clf.taxonomy_.name == DEFAULT_TAXONOMY:
        return {"kind": "default"}
    from feedback_classifier.model.persist import metadata_of

    try:  # a path, or the classifier --verify-key / --trust-model loaded from one
        meta = metadata_of(model_arg) or {}
    except ModelFileError:
        meta = {}
    metrics = meta.get("metrics") or {}
    if metrics.get("trained_without_labels") or (not meta and getattr(clf, "keyword_rules_", False)):
        return {"kind": "weak"}
    if not meta:
        return {"kind": "given"}
    training = meta.get("training") if isinstance(meta.get("training"), dict) else {}
    data = training.get("data") if isinstance(training.get("data"), str) else None
    return {"kind": "trained", "rows": meta.get("training_rows"), "metrics": metrics, "data": data}


def model_info(model_arg, clf) -> dict:
    """Which model runs and how it was validated, as the report's method section says it
    (``build_report(model_info=)``): ``kind`` as in :func:`model_facts`, and for a trained model
    its ``rows``, cross-validated path micro-F1 (``f1``), unlabelled comments it was ``taught`` and
    whether its sentiment is the bundled model's (``bundled_sentiment``: trained without ``--sentiment-col``;
    ``sentiment_from_scores``: taught the tone words of scored comments, ``--unlabelled-score-col``).

    >>> model_info(None, default_model())
    {'kind': 'default'}
    """
    if model_arg is None:
        # the default model as loaded, not default_model(): asking it built the ~9 MB default model (a first
        # run's ~20 s, "Building the bundled default model...") for `analyze --taxonomy my.yaml`, which never uses it
        with _lock:
            loaded = _loaded.get(str(default_model_path()))
        return {"kind": "default" if clf is not None and clf is loaded else "weak"}
    facts = model_facts(model_arg, clf)
    if facts["kind"] != "trained":
        return {"kind": facts["kind"]}
    return {"kind": "trained", "rows": facts["rows"], "f1": facts["metrics"].get("path_micro_f1"),
            "taught": int(facts["metrics"].get("unlabelled_comments") or 0),
            # trained without --sentiment-col: the bundled sentiment model, as is or taught by scores
            "bundled_sentiment": getattr(clf, "sentiment_", None) is None
            or bool(facts["metrics"].get("sentiment_from_scores")),
            "sentiment_from_scores": bool(facts["metrics"].get("sentiment_from_scores"))}


def describe_model(model_arg, clf) -> str:
    """One line saying which model runs and how it was validated, for classify/analyze output.

    >>> describe_model(None, default_model()).startswith("bundled default model")
    True
    """
    facts = model_facts(model_arg, clf)
    if facts["kind"] == "default":
        return ("bundled default model (hand-written examples + the taxonomy's keywords and descriptions "
                "+ a shipped en/ru word vector table; "
                f"not trained on your labels; {DEFAULT_MODEL_VALIDATION})")
    if facts["kind"] == "weak":
        return "trained without labels (taxonomy keywords + self-training on unlabelled comments; not validated)"
    metrics, rows = facts.get("metrics") or {}, facts.get("rows")
    rows_text = f"trained on {rows:,} labelled comments" if rows else "trained on labelled comments"
    if facts.get("data"):  # which labels file: two months' models of one size looked alike
        rows_text += f" of {facts['data']}"
    if metrics.get("unlabelled_comments"):  # train --teacher minilm: its CV folds were taught by a teacher that saw them
        rows_text += f" + {int(metrics['unlabelled_comments']):,} labelled by a teacher (cross-validation optimistic)"
    if "path_micro_f1" in metrics:
        return f"{rows_text}, cross-validated micro-F1 {metrics['path_micro_f1']:.3f} (parent {metrics['parent_micro_f1']:.3f})"
    return f"{rows_text}, not cross-validated"
