"""What per-category sentiment adds to in-process ``classify`` time (issue 13).

Budget: the sentiment columns add at most 25% to ``enrich`` time on distinct comments
(``classify --jobs 1`` must reach 30,000 comments/s as a whole).

Comments: every distinct sentence of the shared SemEval-2016 restaurant files (en, ru) and
Banking77 (en): real text nobody on the project wrote, ~20,000 distinct comments, in
chunks of ``--chunk`` rows as ``classify`` reads them. The bundled default model and the
bundled sentiment model are warmed on the first chunk (a one-off cost per process, printed
apart); then, in the same run and interleaved chunk by chunk, ``--rounds`` passes with and
without sentiment over the other chunks. Printed: comments/s of each (the sum of each chunk's
best round, CPU time of this process), the ratio, and what the sentiment model's own analysis
of the comments costs (an analysis shared with the classifier saves it); ``--root DIR`` runs
another checkout's code with this script. The model's own caches stay as warm as they would be in a long
``classify`` run (words repeat across chunks, comments do not).

``--scoring`` measures the sentiment model alone, as ``enrich`` calls it: CPU time per comment of
``AspectSentiment.predict_pairs`` on batches of ``--batch`` distinct comments (their categories
from the bundled default model; none: the comment judged whole), split into the comment's own
analysis and the scoring given that analysis (``predict_pairs_analysed``, which ``enrich`` can
feed with the analysis it already made). ``--baseline /work/main`` runs the same measurement on
another checkout in the same run, interleaved round by round (a checkout without
``predict_pairs_analysed`` gets "whole minus analysis" for the scoring, its analysis already
warm on the comments: a lower bound of its cost). Every step meets each batch's new words
first, as a long run does. Target: scoring <= 10 us per comment given the analysis.

Run: ``OMP_NUM_THREADS=1 python benchmarks/sentiment_speed.py [--rounds 3] [--chunk 5000]``
or ``OMP_NUM_THREADS=1 python benchmarks/sentiment_speed.py --scoring --baseline /work/main [--rounds 3]``
or ``... --given [--root DIR]`` (the given-categories path, ``classify --categories-col``)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import pandas as pd  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
if "--root" in sys.argv:  # a scoring worker of another checkout (``--baseline``)
    ROOT = Path(sys.argv[sys.argv.index("--root") + 1]).resolve()
sys.path.insert(0, str(ROOT))
from feedback_classifier.model.default import default_model  # noqa: E402
from feedback_classifier.model.enrichment import enrich  # noqa: E402

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def comments() -> list[str]:
    texts: list[str] = []
    for lang in ("en", "ru"):
        texts += pd.read_csv(SHARED / "semeval2016" / f"restaurants_{lang}_train.csv", dtype=str)["text"].tolist()
    for split in ("train", "test"):
        texts += pd.read_csv(SHARED / "banking77" / f"{split}.csv", dtype=str)["text"].tolist()
    # A fixed shuffle so each chunk mixes the sources, as a survey mixes topics.
    return pd.Series(list(dict.fromkeys(t for t in texts if isinstance(t, str)))).sample(frac=1.0, random_state=13).tolist()


def timed(model, chunk, sentiment: bool) -> float:
    start = time.process_time()
    enrich(chunk, model, text_col="text", sentiment=sentiment)
    return time.process_time() - start


def scoring_worker(batch: int, warm: int, batches: int) -> None:
    """One round of ``--scoring`` in this process: prints one JSON line of CPU seconds."""
    from feedback_classifier.model.default_sentiment import default_sentiment_model

    texts = comments()
    model = default_model()
    sentiment = default_sentiment_model()
    analyzer = sentiment._analyzer()
    chunks = [texts[:warm]] + [texts[warm + i * batch:warm + (i + 1) * batch] for i in range(batches)]
    cats = [[labels or [None] for labels in model.predict_labels(chunk)] for chunk in chunks]
    sentiment.predict_pairs(chunks[0], cats[0])  # trained, per-word caches warm
    got = {"comments": 0, "pairs": 0, "analysis": 0.0, "whole": 0.0, "given": None}
    given = getattr(sentiment, "predict_pairs_analysed", None)
    for chunk, chunk_cats in zip(chunks[1:], cats[1:]):
        # each step sees the chunk's new words first (as in a long run), so this checkout's
        # predict_pairs is its analysis + predict_pairs_analysed (what it does); a baseline's
        # predict_pairs runs after the analysis warmed the analyzer on the chunk: a lower bound
        start = time.process_time()
        analysed = [analyzer.analyze_with_surface(t) for t in chunk]
        got["analysis"] += time.process_time() - start
        if given is not None:
            start = time.process_time()
            polarities = given(analysed, chunk_cats)
            got["given"] = (got["given"] or 0.0) + time.process_time() - start
            got["whole"] = got["analysis"] + got["given"]
            assert polarities == sentiment.predict_pairs(chunk, chunk_cats)
        else:
            start = time.process_time()
            sentiment.predict_pairs(chunk, chunk_cats)
            got["whole"] += time.process_time() - start
        if hasattr(sentiment, "pattern_polarities"):  # what enrich runs: the batch analysis's flat arrays
            _batch_path(sentiment, analyzer, chunk, chunk_cats, polarities, got)
        got["comments"] += len(chunk)
        got["pairs"] += sum(map(len, chunk_cats))
    print(json.dumps(got))


def _batch_path(sentiment, analyzer, chunk, chunk_cats, polarities, got) -> None:
    """Time ``pattern_polarities`` on the chunk's batch analysis (as ``enrich`` calls it), after
    the per-comment analysis of the same chunk (its words are known: the same for both paths)."""
    import numpy as np

    from feedback_classifier.lang.batch import batch_analyzer_for
    from feedback_classifier.model.sentiment import POLARITIES

    batch = batch_analyzer_for(analyzer).analyse(chunk)
    index: dict = {}
    pattern_of = np.array([index.setdefault(tuple(c), len(index)) for c in chunk_cats])
    start = time.process_time()
    codes, sizes = sentiment.pattern_polarities([batch], [list(p) for p in index], pattern_of, batches=True)
    got["batch_given"] = got.get("batch_given", 0.0) + time.process_time() - start
    names = [POLARITIES[c] for c in codes.tolist()]
    ends = np.cumsum(sizes).tolist()
    assert [names[e - k:e] for e, k in zip(ends, sizes.tolist())] == polarities


def scoring(args) -> int:
    roots = {"this": str(ROOT)}
    if args.baseline is not None:
        roots["baseline"] = str(args.baseline.resolve())
    results: dict[str, list[dict]] = {name: [] for name in roots}
    for _ in range(args.rounds):
        for name, root in roots.items():  # interleaved: both see the same load on the machine
            out = subprocess.run([sys.executable, __file__, "--scoring-worker", "--root", root, "--batch",
                                  str(args.batch), "--warm", str(args.warm), "--batches", str(args.batches)],
                                 check=True, capture_output=True, text=True).stdout
            results[name].append(json.loads(out.strip().splitlines()[-1]))
    first = results["this"][0]
    print(f"{first['comments']:,} distinct comments in batches of {args.batch:,} ({first['pairs']:,} pairs) after "
          f"{args.warm:,} warm-up comments; best of {args.rounds} rounds, CPU us per comment:")
    best = {}
    for name, rows in results.items():
        n = rows[0]["comments"]
        whole = min(r["whole"] for r in rows) / n * 1e6
        analysis = min(r["analysis"] for r in rows) / n * 1e6
        given = min(r["given"] for r in rows) / n * 1e6 if rows[0]["given"] is not None else whole - analysis
        how = "predict_pairs_analysed" if rows[0]["given"] is not None else "whole minus analysis"
        best[name] = whole, given
        print(f"  {name:8s} ({roots[name]}): predict_pairs {whole:6.1f}; the analysis {analysis:5.1f}; "
              f"scoring given the analysis {given:5.1f} ({how})")
    for name, rows in results.items():
        if "batch_given" in rows[0]:
            print(f"  {name:8s}: scoring given the batch analysis (pattern_polarities, what enrich runs) "
                  f"{min(r['batch_given'] for r in rows) / rows[0]['comments'] * 1e6:5.1f}")
    if "baseline" in best:
        (w, g), (bw, bg) = best["this"], best["baseline"]
        print(f"  this / baseline: predict_pairs {w / bw:.2f}x the CPU time, scoring given the analysis {g / bg:.2f}x")
    print(f"  target: scoring <= 10 us per comment given the analysis: {'met' if best['this'][1] <= 10 else 'not met'}")
    return 0


def given(rounds: int) -> int:
    """``--given``: CPU us per comment of ``comment_tones`` on texts with their categories given
    (what ``classify --categories-col`` runs: the sentiment model analyses the comments itself),
    random default-taxonomy categories (0-2 per comment), after a 4,000-comment warm-up."""
    import numpy as np

    from feedback_classifier.model.tones import comment_tones, sentiment_model_of

    texts = comments()
    model = default_model()
    labels_pool = list(model.taxonomy_.labels)
    rng = np.random.default_rng(0)
    labels = [[labels_pool[j] for j in rng.choice(len(labels_pool), size=rng.integers(0, 3), replace=False)]
              for _ in texts]
    sentiment = sentiment_model_of(model)
    comment_tones(sentiment, model.taxonomy_, texts[:4000], labels[:4000])
    best = min(_cpu(lambda: comment_tones(sentiment, model.taxonomy_, texts[4000:], labels[4000:]))
               for _ in range(rounds))
    print(f"{ROOT}: categories given, {len(texts) - 4000:,} comments, best of {rounds}: "
          f"{best / (len(texts) - 4000) * 1e6:.1f} us per comment (analysis included)")
    return 0


def _cpu(fn) -> float:
    start = time.process_time()
    fn()
    return time.process_time() - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--chunk", type=int, default=5000)
    parser.add_argument("--scoring", action="store_true", help="time the sentiment model alone (see above)")
    parser.add_argument("--baseline", type=Path, default=None, help="with --scoring: another checkout, same run")
    parser.add_argument("--batch", type=int, default=8192)
    parser.add_argument("--warm", type=int, default=2000)
    parser.add_argument("--batches", type=int, default=2)
    parser.add_argument("--given", action="store_true", help="time the given-categories path (see given())")
    parser.add_argument("--scoring-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--root", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.scoring_worker:
        scoring_worker(args.batch, args.warm, args.batches)
        return 0
    if args.scoring:
        return scoring(args)
    if args.given:
        return given(args.rounds)
    texts = comments()
    frames = [pd.DataFrame({"text": texts[i:i + args.chunk]}) for i in range(0, len(texts), args.chunk)]
    warm, rest = frames[0], frames[1:]
    n = sum(len(f) for f in rest)
    model = default_model()
    start = time.process_time()
    enrich(warm, model, text_col="text", sentiment=True)
    print(f"warm-up on {len(warm):,} comments (models trained or loaded, first caches): "
          f"{time.process_time() - start:.2f} s", flush=True)
    # interleaved chunk by chunk, each chunk's best round: a burst of load on the machine
    # spoils one chunk's time, not one whole side of the comparison
    without = [[] for _ in rest]
    with_ = [[] for _ in rest]
    for _ in range(args.rounds):
        for i, chunk in enumerate(rest):
            without[i].append(timed(model, chunk, sentiment=False))
            with_[i].append(timed(model, chunk, sentiment=True))
    a, b = sum(map(min, without)), sum(map(min, with_))
    print(f"{n:,} distinct comments, each chunk's best of {args.rounds} rounds (CPU s of this process):")
    print(f"  without sentiment: {n / a:,.0f} comments/s ({a:.2f} s)")
    print(f"  with sentiment:    {n / b:,.0f} comments/s ({b:.2f} s)")
    print(f"  sentiment adds {100 * (b / a - 1):.1f}% to enrich time (budget <= 25%)")
    from feedback_classifier.model import enrichment
    from feedback_classifier.model.tones import sentiment_model_of

    shares = getattr(enrichment, "_sentiment_reads_analysis", None)  # absent in older checkouts (--root)
    if shares is not None and shares(model):  # enrich already hands the classifier's analysis over
        print("  the sentiment model reads the classifier's analysis: no second analysis of the comments")
        return 0
    analyzer = sentiment_model_of(model)._analyzer()
    if hasattr(analyzer, "analyze_with_surface"):  # what an analysis shared with the classifier would save
        start = time.process_time()
        for chunk in rest:
            [analyzer.analyze_with_surface(t) for t in chunk["text"]]
        own = time.process_time() - start
        print(f"  of which the sentiment model's own analysis of the comments: {own:.2f} s; without it "
              f"sentiment would add {100 * ((b - own) / a - 1):.1f}%")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
