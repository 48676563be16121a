"""``train --embeddings finetune`` on SemEval-2016 restaurants (English): choose on dev reviews, score once.

Fine-tunes are the cost (~35 ms of CPU per sentence and epoch on one core), so each stage fine-tunes
once for ``--epochs`` epochs and keeps the class probabilities after every epoch (the learning rate is
constant after warm-up, so the network after epoch ``e`` is the one an ``e``-epoch run gives); the
stacked tf-idf model is then fitted for every (epochs, weight) from those, cached in ``--cache``.

``--stage dev``: the dev 80% of the reviews (``semeval_data.split_held_out``), shuffled review-to-fold
5-fold CV (seed ``--seed``): one fine-tune per fold, its out-of-fold probabilities after each epoch.
Scored: the default model and the default model + those probabilities as the embedder block at each
weight, on the same folds (the stacker's training rows carry out-of-fold probabilities from the outer
folds' fine-tunes: an approximation of the inner cross-fitting ``fit`` does, which costs 5x more).

``--stage heldout`` / ``--stage official``: exactly what ``FeedbackClassifier(embedder=FineTunedEmbedder())``
does on the dev reviews / the whole training file (inner ``GroupKFold`` out-of-fold fine-tunes for the
training rows, one fine-tune on all rows for the scored ones), scored on the held-out reviews / the
official test split (``$SEMEVAL2016_TEST_DIR``) only at ``--choose EPOCHS WEIGHT`` (taken from the dev
stage), with the default model trained on the same rows in the same run, ± sd over 200 bootstrap
resamples of reviews.

Run: ``OMP_NUM_THREADS=1 python benchmarks/semeval_finetune.py --stage dev --seed 1`` (needs the extra).
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

from semeval import bootstrap_sd, load, official_test  # noqa: E402
from semeval_data import split_held_out  # noqa: E402

from feedback_classifier.model.estimator import FeedbackClassifier  # noqa: E402
from feedback_classifier.model.evaluation import evaluate_predictions  # noqa: E402
from feedback_classifier.taxonomy import load_taxonomy  # noqa: E402


class Lookup:
    """A fixed embedder: each text's precomputed row (the fine-tune's probabilities)."""

    def __init__(self, texts, rows):
        self.table = dict(zip(texts, rows))

    def __call__(self, texts):
        return np.stack([self.table[t] for t in texts]) if texts else np.zeros((0, 1), np.float32)


def run_fine_tunes(train_texts, Y, jobs, epochs):
    """``jobs``: ``(train_idx, score_texts)``; per job, the scored texts' probabilities after each epoch."""
    from feedback_classifier.model.finetune import FineTunedEmbedder, fine_tune, predict

    import torch

    torch.set_num_threads(1)
    params = FineTunedEmbedder(epochs=epochs)._params()
    out = []
    for k, (idx, score_texts) in enumerate(jobs):
        per_epoch = []
        start = time.process_time()
        fine_tune([train_texts[i] for i in idx], Y[idx], **params,
                  on_epoch=lambda e, net: per_epoch.append(predict(net, score_texts, params["max_length"], 64, torch)))
        print(f"  fine-tune {k + 1}/{len(jobs)}: {len(idx)} texts x {epochs} epochs, "
              f"{time.process_time() - start:.0f} s CPU", flush=True)
        out.append(np.stack(per_epoch))
    return out


def classes_and_matrix(taxonomy, texts, labels, groups):
    """The classes and 0/1 target matrix the classifier itself builds (fit on no features)."""
    from feedback_classifier.model.estimator import _labels_from_y, _target_matrix, _taxonomy_and_classes

    label_lists, cols = _labels_from_y(labels)
    _, classes = _taxonomy_and_classes(taxonomy, label_lists, cols)
    return classes, _target_matrix(label_lists, classes).astype(np.float32)


def stage_dev(args, taxonomy):
    texts, labels, groups = load("en", taxonomy)
    dev, _ = split_held_out(groups)
    texts, labels, groups = [texts[i] for i in dev], [labels[i] for i in dev], groups[dev]
    unique = np.unique(groups)
    fold_of = dict(zip(np.random.default_rng(args.seed).permutation(unique), np.arange(len(unique)) % 5))
    fold = np.array([fold_of[g] for g in groups])
    folds = [(np.flatnonzero(fold != k), np.flatnonzero(fold == k)) for k in range(5)]
    classes, Y = classes_and_matrix(taxonomy, texts, labels, groups)
    cache = Path(args.cache) / f"dev_seed{args.seed}.npz"
    if not cache.exists():
        probs = run_fine_tunes(texts, Y, [(tr, [texts[i] for i in te]) for tr, te in folds], args.epochs)
        oof = np.zeros((args.epochs, len(texts), Y.shape[1]), np.float32)
        for (tr, te), p in zip(folds, probs):
            oof[:, te] = p
        np.savez(cache, oof=oof)
    oof = np.load(cache)["oof"]
    rows = []
    for e in [0] + list(range(1, oof.shape[0] + 1)):
        for w in ([0] if e == 0 else args.weights):
            pred = [[] for _ in texts]
            for tr, te in folds:
                params = {} if e == 0 else {"embedder": Lookup(texts, oof[e - 1]), "embedding_weight": w}
                m = FeedbackClassifier(taxonomy=taxonomy, **params).fit(
                    [texts[i] for i in tr], [labels[i] for i in tr], groups=groups[tr])
                for i, lab in zip(te, m.predict_labels([texts[i] for i in te])):
                    pred[i] = lab
            f1 = 100 * evaluate_predictions(labels, pred, taxonomy).path_micro_f1
            rows.append((e, w, f1))
            print(f"[dev seed {args.seed}] epochs {e} weight {w}: micro-F1 {f1:.2f}", flush=True)
        if e:
            alone = [[c for c, on in zip(classes, row > 0.5) if on and not any(
                c[1] is None and d[0] == c[0] and d[1] is not None and row[j] > 0.5
                for j, d in enumerate(classes))] for row in oof[e - 1]]
            print(f"[dev seed {args.seed}] epochs {e} fine-tune alone (p > 0.5): "
                  f"{100 * evaluate_predictions(labels, alone, taxonomy).path_micro_f1:.2f}", flush=True)
    return rows


def stage_scored(args, taxonomy):
    texts, labels, groups = load("en", taxonomy)
    if args.stage == "heldout":
        dev, held = split_held_out(groups)
        test = ([texts[i] for i in held], [labels[i] for i in held], groups[held])
        texts, labels, groups = [texts[i] for i in dev], [labels[i] for i in dev], groups[dev]
    else:
        test = official_test("en", taxonomy)
        if test is None:
            sys.exit("no official test split: set SEMEVAL2016_TEST_DIR")
    classes, Y = classes_and_matrix(taxonomy, texts, labels, groups)
    inner = FeedbackClassifier(taxonomy=taxonomy)._folds(len(texts), groups)
    cache = Path(args.cache) / f"{args.stage}.npz"
    if not cache.exists():
        start = time.process_time()
        jobs = [(tr, [texts[i] for i in te]) for tr, te in inner] + [(np.arange(len(texts)), list(test[0]))]
        probs = run_fine_tunes(texts, Y, jobs, args.epochs)
        oof = np.zeros((args.epochs, len(texts), Y.shape[1]), np.float32)
        for (tr, te), p in zip(inner, probs):
            oof[:, te] = p
        np.savez(cache, oof=oof, test=probs[-1], cpu=time.process_time() - start)
    data = np.load(cache)
    if args.choose is None:
        print(f"[{args.stage}] fine-tunes cached in {cache}; score with --choose EPOCHS WEIGHT")
        return
    e, w = int(args.choose[0]), float(args.choose[1])
    table = Lookup(list(texts) + list(test[0]), np.concatenate([data["oof"][e - 1], data["test"][e - 1]]))
    for name, params in (("default", {}), (f"finetune e{e} w{w}", {"embedder": table, "embedding_weight": w})):
        m = FeedbackClassifier(taxonomy=taxonomy, **params).fit(texts, labels, groups=groups)
        pred = m.predict_labels(list(test[0]))
        f1 = 100 * evaluate_predictions(test[1], pred, taxonomy).path_micro_f1
        print(f"[{args.stage}] {name}: micro-F1 {f1:.2f} ± {bootstrap_sd(test[1], pred, test[2]):.2f}", flush=True)
    print(f"[{args.stage}] fine-tunes ({len(inner)} out-of-fold + 1, {args.epochs} epochs): "
          f"{float(data['cpu']):.0f} s CPU")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", choices=["dev", "heldout", "official"], required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--weights", type=float, nargs="+", default=[1.0, 2.0, 4.0])
    parser.add_argument("--choose", nargs=2, default=None, metavar=("EPOCHS", "WEIGHT"))
    parser.add_argument("--cache", default=os.environ.get("TMPDIR", "/tmp"))
    args = parser.parse_args(argv)
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
