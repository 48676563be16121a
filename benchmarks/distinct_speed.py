"""`classify` speed on DISTINCT real comments (issue #17): no two comment texts are equal.

Not a test: prints its numbers. Run from the repository root:

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/distinct_speed.py                 # 200,000 rows
    OMP_NUM_THREADS=1 python benchmarks/distinct_speed.py --rows 50000 --runs profile  # stages only

The file is built at run time from real sentences in ``../shared`` (never copied into the
project): SemEval-2016 restaurant train sentences (en, ru; research use) and Banking77 train
messages (en; CC BY 4.0). Each comment joins 1-3 random sentences of one language (60% en,
40% ru); every sentence is varied (each word dropped with probability 0.12, a number inserted
in a third of them) so that neither a per-text nor a per-sentence cache can hit, only
per-word ones. The script checks that no two comment texts are equal. Columns: response_id,
date, segment, nps, comment.

Runs (each CLI run in its own child process, unmonitored, wall time):

- ``pandas``: ``pd.read_csv`` + ``to_csv`` of the same file (the I/O floor);
- ``jobs1`` / ``jobs2``: ``classify`` with the default settings (bundled default model,
  sentiment on, comment parts scored), ``--jobs 1`` / ``--jobs 2``;
- ``stages``: in this process, CPU seconds of each step of ``classify`` on 20,000 comments
  (reading, language, normalising, analysis, features, matmul, keyword floor, comment parts,
  decoding, sentiment, writing), per-word caches warm, and the whole ``enrich`` cold and warm;
- ``profile``: ``enrich`` on 20,000 comments with and without sentiment, and cProfile's top
  functions;
- ``coldwarm``: the cost of never-seen words. In a fresh child process (after a 50-row warm-up
  that builds the lazy tables), ``enrich`` of the first ``--rows`` comments (at most 100,000)
  twice: the first pass meets every word form new, the second finds them in the per-word
  caches; and the same for the classifier's analysis and features alone (``analyse`` with
  the comments' pieces + ``_parts``, in the model's 8,192-comment batches). Prints both CPU
  times, their difference per distinct new word form (lower-cased ``\\w+``) and the number
  of distinct whitespace chunks. With ``--baseline`` the other checkout's child runs right after each.

Targets (2-core dev machine): >= 30,000 rows/s with --jobs 1, --jobs 2 >= 1.6x --jobs 1.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[1]
# a coldwarm child measures another checkout's package (``--baseline``) with this script
sys.path.insert(0, os.environ.get("FC_CODE_ROOT", str(ROOT)))
sys.path.insert(0, str(Path(__file__).resolve().parent))
# the package before numpy, as in the command line's process: it sets numpy's start-up options
import feedback_classifier  # noqa: F401

# isort: split
import numpy as np
import pandas as pd

SHARED = ROOT.parent / "shared" / "data"
SEGMENTS = np.array(["retail", "online", "b2b", "marketplace"])


def _sentences() -> dict[str, list[str]]:
    sem = SHARED / "semeval2016"
    en = pd.read_csv(sem / "restaurants_en_train.csv")["text"].dropna().tolist()
    en += pd.read_csv(SHARED / "banking77" / "train.csv")["text"].dropna().tolist()
    ru = pd.read_csv(sem / "restaurants_ru_train.csv")["text"].dropna().tolist()
    return {"en": [s.split() for s in en if s.strip()], "ru": [s.split() for s in ru if s.strip()]}


def _vary(words: list[str], rng: np.random.Generator) -> str:
    keep = [w for w, r in zip(words, rng.random(len(words))) if r >= 0.12] or words[:1]
    if rng.random() < 0.33:
        keep.insert(int(rng.integers(0, len(keep) + 1)), str(int(rng.integers(1, 500))))
    return " ".join(keep)


def generate(path: Path, rows: int, seed: int = 0) -> None:
    """Write ``rows`` distinct comments (see the module docstring) with score/date/segment columns."""
    pools = _sentences()
    rng = np.random.default_rng(seed)
    seen: set[str] = set()
    comments: list[str] = []
    while len(comments) < rows:
        pool = pools["ru" if rng.random() < 0.4 else "en"]
        text = " ".join(_vary(pool[int(i)], rng) for i in rng.integers(0, len(pool), int(rng.integers(1, 4))))
        if text not in seen:
            seen.add(text)
            comments.append(text)
    assert len(set(comments)) == rows, "comment texts must be distinct"
    start_day = np.datetime64("2025-01-01")
    pd.DataFrame({
        "response_id": np.arange(rows) + 1_000_000,
        "date": (start_day + rng.integers(0, 365, rows).astype("timedelta64[D]")).astype(str),
        "segment": SEGMENTS[rng.integers(0, len(SEGMENTS), rows)],
        "nps": rng.integers(0, 11, rows),
        "comment": comments,
    }).to_csv(path, index=False)


def profile(data: Path, model_path: Path, n: int = 20_000, top: int = 25) -> None:
    """In-process times of ``enrich`` on ``n`` distinct comments, and where the time goes."""
    from feedback_classifier.model.enrichment import enrich
    from feedback_classifier.model.persist import load_model

    model = load_model(model_path)
    df = pd.read_csv(data, nrows=n)
    assert df["comment"].is_unique
    # warm-up on other comments of the file: lazy tables, per-word caches as in a long run
    enrich(pd.read_csv(data, skiprows=range(1, n + 1), nrows=n), model, "comment")
    for sentiment in (False, True):
        t, c = time.perf_counter(), time.process_time()
        enrich(df, model, "comment", sentiment=sentiment)
        dt, dc = time.perf_counter() - t, time.process_time() - c
        # CPU time too: on a shared machine wall time also measures the neighbours
        print(f"  enrich in process, sentiment={sentiment!s:5}: {n / dt:>9,.0f} rows/s wall, "
              f"{n / dc:>9,.0f} rows/CPU-s")
    prof = cProfile.Profile()
    prof.enable()
    enrich(df, model, "comment")
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(top)
    print(out.getvalue())
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(40)
    print(out.getvalue())


def stages(data: Path, model_path: Path, n: int = 20_000) -> None:
    """CPU seconds of each step of ``classify`` on ``n`` distinct comments, per-word caches warm
    (a long run's steady state), step by step as ``enrich`` runs them; and the cold cost."""
    from feedback_classifier.jobs.head import head_language
    from feedback_classifier.lang.batch import LazyDocs, batch_analyzer_for
    from feedback_classifier.lang.junk import is_junk
    from feedback_classifier.lang.normalization import premask
    from feedback_classifier.model import segments
    from feedback_classifier.model.enrichment import (
        _collapse,
        _confidence_and_review,
        _decide,
        enrich,
    )
    from feedback_classifier.model.persist import load_model
    from feedback_classifier.model.tones import comment_tones, sentiment_model_of
    from feedback_classifier.tableio import TableWriter, iter_table

    model = load_model(model_path)
    sentiment = sentiment_model_of(model)
    t = time.process_time()
    frame = next(iter_table(data, chunksize=n))
    read = time.process_time() - t
    texts = frame["comment"].tolist()
    cold = pd.read_csv(data, skiprows=range(1, 2 * n + 1), nrows=n)
    t = time.process_time()
    enrich(cold, model, "comment")
    cold_s = time.process_time() - t
    enrich(pd.read_csv(data, skiprows=range(1, n + 1), nrows=n), model, "comment")  # warm per-word caches
    matcher = segments.uses_parts(model).matcher
    keywords = segments._vocabulary_keywords(model, matcher)
    f = model.features_
    rows: list[tuple[str, float]] = [("read CSV chunk (iter_table)", read)]

    def step(name, fn):
        t0 = time.process_time()
        out = fn()
        rows.append((name, time.process_time() - t0))
        return out

    step("language of the first 2,000 (head)", lambda: head_language([frame.head(2000)], "comment"))
    step("  normalise (premask)", lambda: [premask(x) for x in texts])
    batch = batch_analyzer_for(model.analyzer_)
    analysed = step("analyse: normalise+tokenise+lemmatise+negation", lambda: batch.analyse(texts))
    docs = LazyDocs(analysed, punct=False, surface=f.char_surface_)
    parts = step("features: word + char blocks (_parts)", lambda: f._parts(docs))
    P = step("matmul + calibration", lambda: model._calibrate(np.asarray(model._scores(parts, texts), np.float64)))
    step("keyword floor (vocabulary hits)", lambda: keywords.clear(parts.Xw))
    segs = step("parts: split (segment_batch, the batch at once)", lambda: segments.segment_batch(texts))
    seg_texts = list(segs.all_parts())
    step("  parts: their own analysis (before: model._analyze)", lambda: model._analyze(seg_texts))
    pieces = step("  parts: offsets for the piecewise analysis", segs.pieces)
    whole = step("analyse, multi-part comments piece by piece", lambda: batch.analyse(texts, pieces=pieces))
    sd = step("parts: analysis from the comments' (parts_of)",
              lambda: LazyDocs(_parts_analysis(batch, whole, segs), punct=False, surface=f.char_surface_))
    sp_ = step("parts: features", lambda: f._parts(sd))
    step("parts: matmul + calibration", lambda: model._calibrate(np.asarray(model._scores(sp_, seg_texts), np.float64)))
    zero_shot = segments._zero_shot(model)
    thresholds = np.asarray(model.thresholds_, dtype=float)
    step("zero-shot lift (comments nothing fired for)", lambda: zero_shot.lift(P, texts, thresholds, token_lists=docs))
    fired = step("decode (thresholds, child => parent)", lambda: _decide(model, P))
    step("junk test (comments something fired for)",
         lambda: [i for i in np.flatnonzero(fired.any(axis=1)).tolist() if is_junk(texts[i])])
    step("confidence + needs_review", lambda: _confidence_and_review(model, P, fired, 0.05))
    classes = list(model.classes_)
    labels = [_collapse([classes[j] for j in np.flatnonzero(r)]) for r in fired]
    step("  sentiment: its own analysis (clauses)", lambda: [sentiment._analyse(x) for x in texts])
    step("  sentiment: its tokens from the shared analysis", lambda: analysed.docs(punct=True))
    step("sentiment (comment_tones, all of it)", lambda: comment_tones(sentiment, model.taxonomy_, texts, labels))
    out = enrich(frame, model, "comment")
    with tempfile.TemporaryDirectory() as tmp:
        with TableWriter(Path(tmp) / "out.csv") as w:
            step("write CSV chunk (TableWriter)", lambda: w.write(out))
    t = time.process_time()
    enrich(frame, model, "comment")
    total = time.process_time() - t
    print(f"  {n:,} distinct comments, {len(seg_texts):,} parts of {int((segs.counts > 0).sum()):,} multi-part comments, "
          f"{sum(max(1, len(x)) for x in labels):,} (comment, category) sentiment pairs")
    print(f"  enrich, whole (warm per-word caches): {total:6.2f} CPU-s = {n / total:,.0f} rows/CPU-s;"
          f" cold (new words): {cold_s:.2f} CPU-s")
    for name, sec in rows:
        print(f"  {name:48s} {sec:6.2f} s  {1e6 * sec / n:7.1f} us/comment  {100 * sec / total:5.1f}% of enrich")


def coldwarm(data: Path, model_path: Path, rows: int, baseline: Path | None) -> None:
    """Run the ``coldwarm`` children (module docstring), this checkout's and the baseline's
    alternated, each in a fresh process so that the first pass is really cold."""
    roots = [("this", ROOT)] + ([("base", baseline.resolve())] if baseline is not None else [])
    for what in ("enrich", "analysis"):
        for name, root in roots:
            env = {**os.environ, "FC_CODE_ROOT": str(root), "PYTHONPATH": str(root)}
            cmd = [sys.executable, str(Path(__file__).resolve()), "--coldwarm-child", what, str(data),
                   str(model_path), str(min(rows, 100_000))]
            out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
            print(f"  coldwarm {what:8s} @{name}: {out.strip()}", flush=True)


def _coldwarm_child(what: str, data: Path, model_path: Path, n: int) -> None:
    """One process: cold then warm CPU seconds of ``what`` on the first ``n`` comments."""
    import importlib
    import re

    from feedback_classifier.model.enrichment import enrich
    from feedback_classifier.model.persist import load_model

    # the process set up as the checkout's command line sets up its own (allocator settings)
    getattr(importlib.import_module("feedback_classifier.cli.main"), "_reuse_freed_memory", lambda: None)()
    model = load_model(model_path)
    df = pd.read_csv(data, nrows=n)
    setup = pd.read_csv(data, skiprows=range(1, n + 1), nrows=50)
    if len(setup) < 50:  # a file of just n rows: other comments (without them the lazy tables
        # and the lemmatisers' dictionaries would load inside the cold pass and count as words)
        survey = pd.read_csv(ROOT / "feedback_classifier" / "data" / "example_survey.csv", usecols=["comment"])
        setup = survey.dropna().head(50)
    enrich(setup, model, "comment")  # lazy tables, the sentiment model: not the words' cost
    forms = {w for t in df["comment"] for w in re.findall(r"\w+", t.lower())}
    forms -= {w for t in setup["comment"] for w in re.findall(r"\w+", t.lower())}
    chunks = {c for t in df["comment"] for c in t.lower().split()}
    if what == "enrich":
        def run():
            enrich(df, model, "comment")
    else:
        from feedback_classifier.lang.batch import LazyDocs, batch_analyzer_for
        from feedback_classifier.model.segments import segment_texts

        texts = df["comment"].tolist()
        batch = batch_analyzer_for(model.analyzer_)
        surface = getattr(model.features_, "char_surface_", False)

        def run():
            for i in range(0, len(texts), 8192):
                part = texts[i : i + 8192]
                segs = segment_texts(part)
                analysis = batch.analyse(part, pieces=[s.pieces for s in segs])
                model.features_._parts(LazyDocs(analysis, punct=False, surface=surface))
    times = []
    for _ in range(2):
        before = resource.getrusage(resource.RUSAGE_SELF)
        run()
        after = resource.getrusage(resource.RUSAGE_SELF)
        times.append((after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime,
                      after.ru_minflt - before.ru_minflt))
    (cold_u, cold_s, cold_f), (warm_u, warm_s, warm_f) = times
    cold, warm = cold_u + cold_s, warm_u + warm_s
    # user and system time apart: the first pass also touches fresh memory (page faults, system
    # time) while the allocator adapts to the batch sizes, a one-time cost that is not the words'
    print(f"{n:,} comments: cold {cold:.2f} CPU-s, warm {warm:.2f} CPU-s, difference {cold - warm:.2f} s = "
          f"{1e6 * (cold - warm) / max(len(forms), 1):.0f} us per new word form ({len(forms):,}; "
          f"{len(chunks):,} distinct lower-cased chunks); user time {cold_u:.2f} - {warm_u:.2f} = "
          f"{1e6 * (cold_u - warm_u) / max(len(forms), 1):.0f} us per form, system {cold_s:.2f} - {warm_s:.2f} s "
          f"(page faults {cold_f:,} / {warm_f:,})")


def _parts_analysis(batch, whole, segs):
    """What ``model/segments.py`` does for the parts: runs of the comments' analysis, the parts
    of comments analysed whole analysed alone."""
    counts = segs.counts
    alone = np.flatnonzero((counts > 0) & (whole.pieces[1] == 0))
    other_texts = [p for i in alone.tolist() for p in segs.parts(i)]
    firsts = np.cumsum(counts) - counts
    other_at = np.concatenate([np.arange(firsts[i], firsts[i] + counts[i]) for i in alone] or [np.zeros(0, int)])
    others = batch.analyse(other_texts) if other_texts else None
    return batch.parts_of(whole, others, other_at)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--coldwarm-child"]:
        _coldwarm_child(argv[1], Path(argv[2]), Path(argv[3]), int(argv[4]))
        return
    from throughput import PANDAS_FLOOR, prepare_model

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--chunksize", type=int, default=50_000)
    parser.add_argument("--runs", default="pandas,jobs1,jobs2,stages",
                        help="comma-separated subset of pandas,jobs1,jobs2,profile,stages,coldwarm")
    parser.add_argument("--workdir", type=Path, default=None, help="keep generated files here (default: a temp dir)")
    parser.add_argument("--baseline", type=Path, default=None,
                        help="another checkout (e.g. the main branch) whose classify runs too, as jobs1@base / "
                             "jobs2@base, interleaved with this one's: speed as a ratio in the same run")
    args = parser.parse_args(argv)
    runs = [r.strip() for r in args.runs.split(",") if r.strip()]
    tmp = tempfile.TemporaryDirectory(prefix="fc-distinct-") if args.workdir is None else None
    workdir = Path(tmp.name) if tmp else args.workdir
    workdir.mkdir(parents=True, exist_ok=True)
    data = workdir / f"distinct_{args.rows}.csv"
    if not data.exists():
        t = time.perf_counter()
        generate(data, args.rows)
        print(f"generated {args.rows:,} distinct comments ({data.stat().st_size / 1e6:.0f} MB) "
              f"in {time.perf_counter() - t:.1f} s")
    model = workdir / "model.joblib"
    if not model.exists():
        model = prepare_model(workdir)
    walls: dict[str, float] = {}
    py = sys.executable
    if args.baseline is not None:
        runs = [r for run in runs for r in ([run, run + "@base"] if run.startswith("jobs") else [run])]
    for run in runs:
        if run == "profile":
            profile(data, model)
            continue
        if run == "stages":
            stages(data, model)
            continue
        if run == "coldwarm":
            coldwarm(data, model, args.rows, args.baseline)
            continue
        out = workdir / f"out_{run}.csv"
        root, env = ROOT, None
        if run.endswith("@base"):
            root = args.baseline.resolve()
            env = {**os.environ, "PYTHONPATH": str(root)}
        if run == "pandas":
            cmd = [py, "-c", PANDAS_FLOOR, str(data), str(out)]
        else:
            cmd = [py, "-m", "feedback_classifier", "classify", str(data), "--text-col", "comment",
                   "--out", str(out), "--model", str(model), "--jobs", run[4:].split("@")[0], "--chunksize",
                   str(args.chunksize), "--quiet"]
        start = time.perf_counter()
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(cmd, cwd=root, env=env, check=True, capture_output=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        walls[run] = time.perf_counter() - start
        cpu = (after.ru_utime + after.ru_stime) - (usage.ru_utime + usage.ru_stime)
        print(f"{run:>10}: {walls[run]:7.1f} s wall, {cpu:7.1f} s CPU  {args.rows / walls[run]:>9,.0f} rows/s wall  "
              f"{args.rows / cpu:>9,.0f} rows/CPU-s", flush=True)
        if run.endswith("@base") and (workdir / f"out_{run[:-5]}.csv").exists():
            same = (workdir / f"out_{run[:-5]}.csv").read_bytes() == out.read_bytes()
            print(f"{'':>12}output identical to this checkout's: {same}")
    for run in runs:
        (workdir / f"out_{run}.csv").unlink(missing_ok=True)
    load = os.getloadavg()[0]
    print(f"rows={args.rows:,} (all distinct) chunksize={args.chunksize:,} cpus={os.cpu_count()} load={load:.2f}")
    if "jobs1" in walls:
        print(f"  --jobs 1: {args.rows / walls['jobs1']:,.0f} rows/s end to end (target >= 30,000)")
    for run in ("jobs1", "jobs2"):
        if run in walls and run + "@base" in walls:
            print(f"  {run}: {walls[run + '@base'] / walls[run]:.2f}x the baseline checkout's speed")
    if "jobs1" in walls and "jobs2" in walls:
        print(f"  --jobs 2: {args.rows / walls['jobs2']:,.0f} rows/s, {walls['jobs1'] / walls['jobs2']:.2f}x "
              f"--jobs 1 (target >= 1.6x)")
    if tmp:
        tmp.cleanup()


if __name__ == "__main__":
    main()
