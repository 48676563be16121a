"""A fine-tuned MiniLM distilled into a word-piece table (no torch to predict), on SemEval-2016 English.

The networks are the ones ``train --embeddings finetune`` fine-tunes (``model/finetune.py``): on the dev
80% of the reviews (``--stage fit``) or the whole training file (``--stage full``), one per inner
``GroupKFold`` fold of ``FeedbackClassifier._folds`` plus one on all rows, ``--epochs`` epochs each. Of
each network this keeps, in ``--cache`` (one ``.npz`` per network, so variants never fine-tune again):

- ``alone``: every one of MiniLM's 30,522 word-pieces run alone through the fine-tuned encoder
  (``[CLS] piece [SEP]``, mean pooled, as ``static_vectors._distill`` does for the plain network);
- ``ctx``: the sum and count of each piece's last-layer vectors over that network's own training
  comments (``static_vectors._context_sums`` with the fine-tuned encoder);
- the head (one logit per class) and the network's own probabilities of the rows it did not see
  (the ``finetune`` block, for comparison in the same run).

A table is then built from a network's arrays (``table``: hidden vectors PCA'd and SIF-weighted as
``StaticEmbedder`` does, and/or the head's logits of each piece, the in-context mean for pieces seen
in the training comments, a ridge map of the isolated vector for the others) and pooled by
``StaticEmbedder.from_table``. Training rows get the table of the inner-fold network that did not see
them (cross-fitting); held-out and official rows the table of the network fitted on all rows.

Without ``--choose``: repeated shuffled grouped 5-fold CV on the dev reviews (``--repeats``) of the
default model and of each variant × ``--weights``, paired to the default model seed by seed.
``--choose VARIANT WEIGHT``: the default model, ``context`` (``train --embeddings context``), the
``finetune`` block and the chosen table, trained on the stage's rows and scored once on the held-out
reviews (``fit`` only) and the official test split, ± bootstrap sd over reviews and paired differences.

``--speed``: CPU comments/s of ``predict_proba`` with the ``--speed-variant`` table block against the
default model, interleaved runs on distinct texts.

Run: ``SEMEVAL2016_TEST_DIR=DIR OMP_NUM_THREADS=1 python benchmarks/semeval_finetune_table.py --stage fit
--cache DIR [--choose VARIANT WEIGHT]`` (needs the 'embeddings' extra).
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

from semeval import bootstrap_sd, review_resamples  # noqa: E402
from semeval_finetune import Lookup, _folds_f1, classes_and_matrix, cv_splits, stage_split  # noqa: E402

from feedback_classifier.model.estimator import FeedbackClassifier  # noqa: E402
from feedback_classifier.model.evaluation import evaluate_predictions  # noqa: E402
from feedback_classifier.taxonomy import load_taxonomy  # noqa: E402


def network_arrays(texts, Y, idx, score_texts, epochs, path):
    """Fine-tune on ``texts[idx]``; keep the piece table arrays (module docstring) in ``path``."""
    import torch

    from feedback_classifier.model.finetune import FineTunedEmbedder, fine_tune, predict
    from feedback_classifier.model.static_vectors import _torch_threads

    params = FineTunedEmbedder(epochs=epochs, threads=1, backbone="minilm")._params()
    start = time.process_time()
    nets = []
    weights = fine_tune([texts[i] for i in idx], Y[idx], **params,
                        on_epoch=lambda e, net: nets.append(net) if e == epochs else None)
    net = nets[0]
    tuned = time.process_time() - start
    probs = predict(net, score_texts, params["max_length"], 64, torch)
    tok = net.tokenizer
    vocab = tok.get_vocab()
    tokens = sorted(vocab, key=vocab.get)
    with _torch_threads(torch, 1), torch.inference_mode():
        alone = []
        for s in range(0, len(tokens), 512):
            ids = torch.arange(s, min(s + 512, len(tokens)), dtype=torch.long)
            batch = torch.stack([torch.full_like(ids, tok.cls_token_id), ids, torch.full_like(ids, tok.sep_token_id)], 1)
            alone.append(net.encoder(input_ids=batch, attention_mask=torch.ones_like(batch))
                         .last_hidden_state.mean(dim=1).float().numpy())
        alone = np.concatenate(alone)
        special = list(tok.all_special_ids)
        sums = np.zeros((len(tokens), alone.shape[1]))
        counts = np.zeros(len(tokens))
        train = sorted((texts[i] for i in idx), key=len)
        for s in range(0, len(train), 64):
            batch = tok(train[s : s + 64], padding=True, truncation=True, max_length=256, return_tensors="pt")
            hidden = net.encoder(**batch).last_hidden_state.float().numpy()
            ids = batch["input_ids"].numpy()
            keep = batch["attention_mask"].numpy().astype(bool) & ~np.isin(ids, special)
            np.add.at(sums, ids[keep], hidden[keep].astype(np.float64))
            np.add.at(counts, ids[keep], 1)
    seen = np.flatnonzero(counts)
    np.savez(path, tokens=np.array(tokens), alone=alone.astype(np.float32), seen=seen,
             sums=sums[seen].astype(np.float32), counts=counts[seen],
             head_w=weights["head.weight"].astype(np.float32), head_b=weights["head.bias"].astype(np.float32),
             probs=probs, cpu_tune=tuned, cpu_all=time.process_time() - start)
    print(f"  {path.name}: {len(idx)} texts x {epochs} epochs, fine-tune {tuned:.0f} s CPU, "
          f"tables {time.process_time() - start - tuned:.0f} s CPU", flush=True)


VARIANTS = {
    # name: (which vectors, what goes in the table, pooling)
    "hid-alone": ("alone", "hidden", None),
    "hid-ctx": ("ctx", "hidden", None),
    "logit-alone": ("alone", "logits", "sif"),
    "logit-ctx": ("ctx", "logits", "sif"),
    "logit-ctx-mean": ("ctx", "logits", "mean"),
    "both-ctx": ("ctx", "both", "sif"),
    "logit-ctx-lse1": ("ctx", "logits", "lse1"),  # log of the SIF mean of exp(logit): a soft max over words
    "logit-ctx-lse3": ("ctx", "logits", "lse3"),
}


class TableBlock:
    """A network's piece table as an embedder (``StaticEmbedder.from_table`` pools it)."""

    def __init__(self, arrays: dict, variant: str, dims: int = 128, sif: float = 1e-3):
        from feedback_classifier.model.static_vectors import (
            StaticEmbedder, _finish, _in_context, _probabilities)

        source, content, pooling = VARIANTS[variant]
        tokens = [str(t) for t in arrays["tokens"]]
        V = arrays["alone"].astype(np.float64)
        if source == "ctx":
            sums = np.zeros_like(V)
            counts = np.zeros(len(V))
            sums[arrays["seen"]] = arrays["sums"]
            counts[arrays["seen"]] = arrays["counts"]
            V = _in_context(V, sums, counts)
        parts = []
        if content in ("hidden", "both"):
            parts.append(StaticEmbedder.from_table(tokens, _finish(tokens, V, dims, sif, "wordfreq")))
        self.logits = content in ("logits", "both")
        if self.logits:
            L = V @ arrays["head_w"].T.astype(np.float64)  # the head's bias added after pooling
            w = (sif / (sif + _probabilities("wordfreq", tuple(tokens)))) if pooling != "mean" else np.ones(len(V))
            self.alpha = float(pooling[3:]) if pooling.startswith("lse") else 0.0
            if self.alpha:
                self.top = L.max(axis=0)
                L = np.exp(self.alpha * (L - self.top))
            # the weight column makes the pooled row's weighted mean a ratio (_pool's L2 norm cancels)
            table = np.hstack([L * w[:, None], w[:, None]]).astype(np.float32)
            parts.append(StaticEmbedder.from_table(tokens, table))
            self.bias = arrays["head_b"].astype(np.float32)
        self.parts = parts

    def __call__(self, texts):
        texts = list(texts)
        out = []
        for k, part in enumerate(self.parts):
            E = part(list(texts))
            if self.logits and k == len(self.parts) - 1:
                den = E[:, -1:]
                mean = np.divide(E[:, :-1], den, out=np.zeros_like(E[:, :-1]), where=den > 0)
                if self.alpha:
                    mean = np.where(den > 0, np.log(np.maximum(mean, 1e-30)) / self.alpha + self.top, 0.0)
                E = 1.0 / (1.0 + np.exp(-(mean + self.bias)))
            out.append(E)
        return np.hstack(out).astype(np.float32)


def block(variant, arrays):
    """The embedder of ``variant`` over one network's arrays."""
    return TableBlock(arrays, variant)


def stage_rows(args, taxonomy):
    """The stage's training rows, the scored splits and the cached networks' arrays."""
    texts, labels, groups, scored = stage_split(args, taxonomy)
    _, Y = classes_and_matrix(taxonomy, texts, labels, groups)
    inner = FeedbackClassifier(taxonomy=taxonomy)._folds(len(texts), groups)
    score_texts = [t for test in scored.values() for t in test[0]]
    jobs = [(tr, [texts[i] for i in te]) for tr, te in inner] + [(np.arange(len(texts)), score_texts)]
    paths = [Path(args.cache) / f"{args.stage}_net{k}.npz" for k in range(len(jobs))]
    if args.choose is None and not (args.speed or args.networks_only):  # dev CV: the inner networks only
        jobs, paths = jobs[:-1], paths[:-1]
    for (idx, score), path in zip(jobs, paths):
        if not path.exists():
            network_arrays(texts, Y, idx, score, args.epochs, path)
    nets = [dict(np.load(p)) for p in paths]
    return texts, labels, groups, scored, score_texts, inner, nets


def oof_rows(variant, texts, inner, nets, score_texts):
    """Training rows from the inner networks that did not see them; scored rows from the full one."""
    rows = None
    for (tr, te), arrays in zip(inner, nets):
        part = block(variant, arrays)([texts[i] for i in te]) if variant != "finetune" else arrays["probs"]
        rows = np.zeros((len(texts), part.shape[1]), np.float32) if rows is None else rows
        rows[te] = part
    if score_texts is None:
        return rows, None
    scored = block(variant, nets[-1])(score_texts) if variant != "finetune" else nets[-1]["probs"]
    return rows, scored


class WithContext:
    """``train --embeddings context`` (its table fitted to each fit's training texts, weight 1.5) with a
    fixed block next to it at weight ``weight`` (``--with-context``: does the table add to ``context``?)."""

    def __init__(self, lookup, weight, context=None):
        self.lookup, self.weight, self.context = lookup, weight, context

    def adapted(self, texts):
        from feedback_classifier.model.embedders import embedding_params

        context = (self.context or embedding_params("context")["embedder"]).adapted(texts)
        return WithContext(self.lookup, self.weight, context)

    def __call__(self, texts):
        texts = list(texts)
        return np.hstack([self.context(texts), self.lookup(texts) * np.float32(self.weight / 1.5)])


def dev_cv(args, taxonomy, texts, labels, groups, inner, nets, score_texts):
    scores = {}
    blocks = {v: oof_rows(v, texts, inner, nets, None)[0] for v in args.variants}
    for seed in range(1, args.repeats + 1):
        splits = cv_splits(groups, seed)
        configs = [("default", 0)] + [(v, w) for v in args.variants for w in args.weights]
        if args.with_context:
            from feedback_classifier.model.embedders import embedding_params

            configs.insert(1, ("context", 1.5))
        for v, w in configs:
            if v in ("default", "context"):
                params = {} if v == "default" else embedding_params("context")
            elif not args.with_context:
                params = {"embedder": Lookup(texts, blocks[v]), "embedding_weight": w}
            else:
                params = {"embedder": WithContext(Lookup(texts, blocks[v]), w), "embedding_weight": 1.5}
            f1 = _folds_f1(texts, labels, groups, taxonomy, splits, params)
            scores.setdefault((v, w), []).append(f1)
            print(f"[dev seed {seed}] {v} weight {w}: micro-F1 {f1:.2f}", flush=True)
    for (v, w), f1s in scores.items():
        diff = np.array(f1s) - np.array(scores[("default", 0)])
        print(f"[dev] {v} weight {w}: {np.mean(f1s):.2f} ± {np.std(f1s, ddof=1) if len(f1s) > 1 else 0:.2f}"
              f" (paired difference to the default model {diff.mean():+.2f} ± "
              f"{np.std(diff, ddof=1) if len(diff) > 1 else 0:.2f})", flush=True)


def scored_once(args, taxonomy, texts, labels, groups, scored, score_texts, inner, nets):
    from feedback_classifier.model.embedders import embedding_params

    variant, weight = args.choose[0], float(args.choose[1])
    models = {"default": {}, "context": embedding_params("context")}
    chosen = f"{variant} w{weight}"
    for v, w in (("finetune", 2.0), (variant, weight)) if not args.with_context else ((variant, weight),):
        rows, score_rows = oof_rows(v, texts, inner, nets, score_texts)
        models[f"{v} w{w}"] = {"embedder": Lookup(texts + score_texts, np.concatenate([rows, score_rows])),
                               "embedding_weight": w}
    if args.with_context:  # the table next to the context block instead of alone (finetune: see the plain run)
        chosen = f"context + {chosen}"
        models[chosen] = {"embedder": WithContext(models.pop(f"{variant} w{weight}")["embedder"], weight),
                          "embedding_weight": 1.5}
    preds = {}
    for name, params in models.items():
        m = FeedbackClassifier(taxonomy=taxonomy, **params).fit(texts, labels, groups=groups)
        for split, test in scored.items():
            pred = m.predict_labels(list(test[0]))
            preds.setdefault(split, {})[name] = pred
            f1 = 100 * evaluate_predictions(test[1], pred, taxonomy).path_micro_f1
            print(f"[{split}] {name}: micro-F1 {f1:.2f} ± {bootstrap_sd(test[1], pred, test[2]):.2f}", flush=True)
    for split, test in scored.items():
        gold = test[1]
        for other in ("default", "context"):
            diff = [100 * (evaluate_predictions([gold[i] for i in r], [preds[split][chosen][i] for i in r]).path_micro_f1
                           - evaluate_predictions([gold[i] for i in r], [preds[split][other][i] for i in r]).path_micro_f1)
                    for r in review_resamples(test[2])]
            print(f"[{split}] paired difference {chosen} - {other}: {np.mean(diff):+.2f} ± {np.std(diff, ddof=1):.2f}"
                  " (200 bootstrap resamples of reviews)", flush=True)
    cpu = [float(n["cpu_tune"]) for n in nets], [float(n["cpu_all"] - n["cpu_tune"]) for n in nets]
    print(f"{len(nets)} networks: fine-tunes {sum(cpu[0]):.0f} s CPU, piece tables {sum(cpu[1]):.0f} s CPU")


def speed(args, taxonomy, texts, labels, groups, inner, nets):
    """CPU comments/s of ``predict_proba`` on distinct texts (``semeval_levers.distinct_texts``): the default
    model and the one with the ``--speed-variant`` table block (at ``--speed-weight``; the deployed
    network's table in place of the training rows' look-up), each trained on the stage's rows, ``--runs``
    interleaved runs of a fresh copy (first call: per-word caches cold; second: warm)."""
    import copy

    from semeval_levers import distinct_texts, interleaved_rates, rate_line

    stream = distinct_texts(texts)
    rows, _ = oof_rows(args.speed_variant, texts, inner, nets, None)
    fitted = {"default": FeedbackClassifier(taxonomy=taxonomy).fit(texts, labels, groups=groups)}
    model = FeedbackClassifier(taxonomy=taxonomy, embedder=Lookup(texts, rows), embedding_weight=args.speed_weight)
    fitted["table"] = model.fit(texts, labels, groups=groups)

    def fresh(name):
        model = copy.deepcopy(fitted[name])
        if name == "table":
            model.embedder_ = block(args.speed_variant, nets[-1])
        return model

    rates = interleaved_rates({name: lambda name=name: fresh(name) for name in fitted}, stream, args.runs)
    for name in fitted:
        print(f"speed {name:8s} " + rate_line(rates, name, "default") + f"   {len(stream)} distinct texts, "
              f"{args.runs} runs", flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", choices=["fit", "full"], required=True)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS))
    parser.add_argument("--weights", type=float, nargs="+", default=[1.0, 2.0])
    parser.add_argument("--choose", nargs=2, default=None, metavar=("VARIANT", "WEIGHT"))
    parser.add_argument("--with-context", action="store_true",
                        help="dev CV of each variant next to the 'context' block, against 'context' alone")
    parser.add_argument("--speed", action="store_true", help="time predict_proba instead of scoring")
    parser.add_argument("--speed-weight", type=float, default=2.0)
    parser.add_argument("--speed-variant", default="logit-alone", choices=list(VARIANTS))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--networks-only", action="store_true", help="fine-tune and cache, nothing else")
    parser.add_argument("--cache", default=os.environ.get("TMPDIR", "/tmp"))
    args = parser.parse_args(argv)
    taxonomy = load_taxonomy("semeval-restaurants")
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        texts, labels, groups, scored, score_texts, inner, nets = stage_rows(args, taxonomy)
        if args.networks_only:
            return 0
        if args.speed:
            speed(args, taxonomy, texts, labels, groups, inner, nets)
        elif args.choose is None:
            dev_cv(args, taxonomy, texts, labels, groups, inner, nets, score_texts)
        else:
            scored_once(args, taxonomy, texts, labels, groups, scored, score_texts, inner, nets)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
