"""``train --teacher minilm --unlabelled FILE`` on SemEval-2016 restaurants (English), scored once.

The teacher is the ``--embeddings finetune`` model (MiniLM fine-tuned on the labels, its probabilities
stacked with tf-idf; torch to predict). It labels a pool of unlabelled restaurant-review sentences that
SemEval never saw (``--unlabelled``: a CSV with a ``text`` column, built by
``benchmarks/restaurant_pool.py``), and the student, the default model, is trained on the labelled rows
plus those (``model/distil.py``): what ``train --teacher minilm`` saves, which predicts without torch.

Nothing was tuned on these numbers: the teacher is ``--embeddings finetune`` as shipped (its epochs and
block weight were chosen on the dev reviews, README), the student is the default model, the pool is
used whole. ``--stage fit`` trains on the dev 80% of the reviews (``semeval_data.split_held_out``) and
scores the held-out 20% and the official test split (``$SEMEVAL2016_TEST_DIR``); ``--stage full``
trains on the whole training file and scores the official test split. Each split: micro-F1 of the
default model, the teacher and the student, ± sd over 200 bootstrap resamples of reviews, and the
paired difference student - default (both resampled together).

``--polarity``: the same for the polarity of each category (``train --sentiment-col polarities --teacher
minilm``): the pair teacher (MiniLM fine-tuned on the stage's labelled opinions, ``distil.taught_opinions``)
judges each category the category teacher gave a pool sentence, and ``AspectSentiment`` trains on the
labelled opinions plus those; polarity accuracy given the gold categories (SemEval slot 3) of the default
polarity model and the student, paired. Its rows are the sentences with opinions, split by
``split_held_out`` of their own reviews (as ``semeval_polarity.py`` does).

``--polarity-cv FOLD ...`` (``--stage fit`` only): those folds of the grouped 5-fold CV (review-to-fold
seed 1, as ``semeval_polarity.py``'s first repeat) of the dev reviews' opinions, a pair teacher fine-tuned
per fold on its training opinions (the pool's categories come from the stage's category teacher, which
saw every dev row: it only decides which pairs are judged); one JSON line per fold (opinions, default and
student accuracy), so folds can run in parallel processes. ``--tone FILE`` adds the student with the tone
words of FILE's scored sentences too (``train --teacher minilm --unlabelled-score-col rating``: FILE is
``restaurant_pool.py``'s pool with its ``rating`` column, read as CSAT; ``semeval_tone.py``).

``--speed N``: ``predict_proba`` CPU throughput of the student against the default model on distinct
texts (``semeval_levers.distinct_texts``: every training sentence and a copy with words dropped), each
model loaded fresh from the model file format (cold), then again (warm), N interleaved runs.

The teacher's labels of the pool are cached in ``--cache`` (its 6 fine-tunes and its reading of the
pool are most of the time: ~25 min of CPU for the whole file and ~39,000 sentences).

Run: ``SEMEVAL2016_TEST_DIR=DIR OMP_NUM_THREADS=1 python benchmarks/semeval_distil.py --stage full
--unlabelled en_restaurant_sentences.csv --cache DIR`` (needs the 'embeddings' extra).
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
import pandas as pd  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

from semeval import bootstrap_sd, review_resamples  # noqa: E402
from semeval_finetune import stage_split  # noqa: E402

from feedback_classifier.model import FeedbackClassifier, embedding_params  # noqa: E402
from feedback_classifier.model.distil import teacher_labels, unlabelled_sample  # noqa: E402
from feedback_classifier.model.evaluation import CVState, evaluate_predictions  # noqa: E402
from feedback_classifier.taxonomy import load_taxonomy  # noqa: E402


def taught(args, taxonomy, texts, labels, groups, scored):
    """The pool's comments, the teacher's labels of them and its predictions of the scored splits (cached)."""
    cache = Path(args.cache) / f"distil_{args.stage}_{Path(args.unlabelled).stem}.json"
    if cache.exists():
        return json.loads(cache.read_text())
    pool = pd.read_csv(args.unlabelled, keep_default_na=False, dtype=str)["text"].tolist()
    comments = unlabelled_sample(pool, texts)
    start = time.process_time()
    teacher = FeedbackClassifier(taxonomy=taxonomy, **embedding_params("finetune"))
    pseudo, fitted = teacher_labels(teacher, texts, labels, groups, comments)
    out = {"comments": comments, "labels": pseudo, "cpu": time.process_time() - start,
           "scored": {name: fitted.predict_labels(list(test[0])) for name, test in scored.items()}}
    cache.write_text(json.dumps(out))
    return json.loads(cache.read_text())  # labels as JSON lists, as a later run reads them


def _as_labels(rows):
    return [[tuple(lab) for lab in row] for row in rows]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stage", choices=["fit", "full"], default="full")
    ap.add_argument("--unlabelled", required=True, help="CSV of unlabelled sentences (column 'text').")
    ap.add_argument("--cache", default=".distil_cache")
    ap.add_argument("--speed", type=int, default=0, metavar="RUNS")
    ap.add_argument("--polarity", action="store_true")
    ap.add_argument("--polarity-cv", type=int, nargs="+", metavar="FOLD")
    ap.add_argument("--tone", type=Path, default=None, help="with --polarity-cv: also the student with the tone "
                    "words of this pool's rated sentences")
    args = ap.parse_args(argv)
    Path(args.cache).mkdir(parents=True, exist_ok=True)
    taxonomy = load_taxonomy("semeval-restaurants")
    texts, labels, groups, scored = stage_split(args, taxonomy)
    t = taught(args, taxonomy, texts, labels, groups, scored)
    comments, pseudo = t["comments"], _as_labels(t["labels"])
    if args.polarity_cv:
        return polarity_cv(args, taxonomy, comments, pseudo)
    if args.polarity:
        return polarity(args, taxonomy, comments, pseudo)
    print(f"teacher: 6 fine-tunes on {len(texts):,} sentences + reading {len(comments):,} unlabelled ones: "
          f"{t['cpu']:.0f} s CPU; {sum(map(bool, pseudo)):,} of them given a category", flush=True)
    start = time.process_time()
    rows, row_labels, row_groups = CVState(None, texts, labels, groups, (comments, pseudo)).training_rows()
    student = FeedbackClassifier(taxonomy=taxonomy).fit(rows, row_labels, groups=row_groups)
    print(f"student fit: {time.process_time() - start:.0f} s CPU", flush=True)
    default = FeedbackClassifier(taxonomy=taxonomy).fit(texts, labels, groups=groups)
    for split, (s_texts, gold, s_groups) in scored.items():
        preds = {"default": default.predict_labels(list(s_texts)),
                 "teacher (--embeddings finetune, torch to predict)": _as_labels(t["scored"][split]),
                 "student (--teacher minilm)": student.predict_labels(list(s_texts))}
        for name, pred in preds.items():
            f1 = 100 * evaluate_predictions(gold, pred, taxonomy).path_micro_f1
            print(f"[{args.stage}/{split}] {name}: micro-F1 {f1:.2f} ± {bootstrap_sd(gold, pred, s_groups):.2f}",
                  flush=True)
        base, stu = preds["default"], preds["student (--teacher minilm)"]
        diff = [100 * (evaluate_predictions([gold[i] for i in r], [stu[i] for i in r]).path_micro_f1
                       - evaluate_predictions([gold[i] for i in r], [base[i] for i in r]).path_micro_f1)
                for r in review_resamples(s_groups)]
        print(f"[{args.stage}/{split}] paired student - default: {np.mean(diff):+.2f} ± {np.std(diff, ddof=1):.2f} "
              "(200 bootstrap resamples of reviews)", flush=True)
    if args.speed:
        speed({"default": default, "student": student}, texts, args.speed)
    return 0


def polarity(args, taxonomy, comments, pseudo) -> int:
    """Polarity accuracy given gold categories of the default polarity model and the taught one."""
    from semeval import official_test_path
    from semeval_data import split_held_out
    from semeval_polarity import load as load_opinions

    from feedback_classifier.model.distil import taught_opinions
    from feedback_classifier.model.sentiment import AspectSentiment, parse_opinions
    from feedback_classifier.model.sentiment_eval import _flat

    texts, opinions, groups = load_opinions("en", taxonomy)
    dev, held = split_held_out(groups)
    scored = {"heldout": ([texts[i] for i in held], [opinions[i] for i in held], groups[held])}
    if args.stage == "full":
        dev, scored = np.arange(len(texts)), {}
    path = official_test_path("en")
    if path.exists():
        test = pd.read_csv(path, keep_default_na=False, dtype=str)
        ops = [parse_opinions(taxonomy, c, row=i + 1, column="polarities") for i, c in enumerate(test["polarities"])]
        keep = [i for i, o in enumerate(ops) if o]
        scored["official"] = ([test["text"][i] for i in keep], [ops[i] for i in keep], test["review_id"].to_numpy()[keep])
    gold = _flat(texts, opinions, dev)
    start = time.process_time()
    extra = taught_opinions(*gold, comments, pseudo, name=taxonomy.display_name)
    print(f"pair teacher: fine-tune on {len(gold[0]):,} opinions + {len(extra[0]):,} taught pairs judged: "
          f"{time.process_time() - start:.0f} s CPU", flush=True)
    models = {"default": AspectSentiment().fit(*gold),
              "student": AspectSentiment().fit(*(a + b for a, b in zip(gold, extra)))}
    for split, (s_texts, s_ops, s_groups) in scored.items():
        st, sc, sp = _flat(s_texts, s_ops, range(len(s_texts)))
        review = np.array([g for g, o in zip(s_groups, s_ops) for _ in o])
        hit = {name: np.array(m.predict(st, sc)) == np.array(sp) for name, m in models.items()}
        rows_of = [np.flatnonzero(review == r) for r in np.unique(review)]
        rng = np.random.default_rng(0)
        boots = [np.concatenate([rows_of[j] for j in rng.integers(0, len(rows_of), len(rows_of))]) for _ in range(200)]
        for name, h in hit.items():
            print(f"[{args.stage}/{split}] polarity {name}: {100 * h.mean():.2f} ± "
                  f"{np.std([100 * h[b].mean() for b in boots], ddof=1):.2f} ({len(h):,} opinions)", flush=True)
        diff = [100 * (hit["student"][b].mean() - hit["default"][b].mean()) for b in boots]
        print(f"[{args.stage}/{split}] polarity paired student - default: {np.mean(diff):+.2f} ± "
              f"{np.std(diff, ddof=1):.2f}", flush=True)
    return 0


def polarity_cv(args, taxonomy, comments, pseudo) -> int:
    """Per requested fold: the default polarity model's and the taught one's accuracy (JSON lines)."""
    from semeval_data import split_held_out
    from semeval_polarity import accuracy, fold_ids
    from semeval_polarity import load as load_opinions

    from feedback_classifier.model.distil import taught_opinions, with_opinions
    from feedback_classifier.model.sentiment import AspectSentiment
    from feedback_classifier.model.sentiment_eval import _flat

    if args.stage != "fit":
        raise SystemExit("--polarity-cv runs on the dev reviews: use --stage fit")
    texts, opinions, groups = load_opinions("en", taxonomy)
    dev, _ = split_held_out(groups)
    fold = fold_ids(groups[dev], 5, 1)
    tone = None if args.tone is None else _tone_words(args.tone, texts)
    for k in args.polarity_cv:
        train, test = dev[fold != k], dev[fold == k]
        extra = taught_opinions(*_flat(texts, opinions, train), comments, pseudo, name=taxonomy.display_name)
        row = {"fold": k, "opinions": sum(len(opinions[i]) for i in test),
               "default": accuracy(AspectSentiment, texts, opinions, train, test),
               "student": accuracy(with_opinions(*extra), texts, opinions, train, test)}
        if tone is not None:
            row["student_tone"] = accuracy(with_opinions(*extra, tone_words=tone), texts, opinions, train, test)
            row["tone"] = accuracy(lambda: AspectSentiment(tone_words=tone), texts, opinions, train, test)
        print(json.dumps(row), flush=True)
    return 0


def _tone_words(path: Path, labelled) -> dict:
    from feedback_classifier.insights import ScoreSpec
    from feedback_classifier.jobs.tone import tone_words_from_file
    from feedback_classifier.tableio import DEFAULT_READ

    return tone_words_from_file(path, "text", "rating", ScoreSpec.make("csat"), labelled=labelled,
                                read=DEFAULT_READ).words


def speed(models: dict, texts, runs: int) -> None:
    """CPU comments/s of each model's ``predict_proba``, cold (just loaded) and warm, interleaved runs."""
    from semeval_levers import _loaded, distinct_texts, interleaved_rates, rate_line

    from feedback_classifier.model.safe_state import state_to_bytes

    stream = distinct_texts(texts)
    blobs = {name: state_to_bytes(m) for name, m in models.items()}
    rates = interleaved_rates({name: lambda blob=blob: _loaded(blob) for name, blob in blobs.items()}, stream, runs)
    for name in models:
        print(f"speed {name:8s} " + rate_line(rates, name, "default") + f"   {len(stream):,} distinct texts, "
              f"{runs} runs", flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
