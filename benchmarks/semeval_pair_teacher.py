"""How far the pair teacher of ``train --teacher minilm`` itself gets on issue 13's polarity protocol.

The pair teacher (``model/distil.py``: MiniLM fine-tuned on "category [SEP] comment" pairs, ``PAIR_TEACHER``
settings) is what teaches the polarity student. Its own accuracy bounds what distilling it can give: here it
is scored as the default polarity model is in ``semeval_polarity.py``, polarity accuracy given the gold
categories (one judgement per gold opinion) in grouped 5-fold CV over the dev reviews (80% of the English
training file, ``semeval_data.split_held_out``; review-to-fold seed 1, as ``semeval_distil.py --polarity-cv``
and the first repeat of ``semeval_polarity.py``), a fine-tune per fold on that fold's training opinions.
The held-out reviews are not touched. One JSON line per fold, so folds can run in parallel processes.

Needs the 'embeddings' extra (torch); ~4 min of CPU per fold with one thread.
Run: ``OMP_NUM_THREADS=1 python benchmarks/semeval_pair_teacher.py 0 1 2 3 4``
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

from semeval_data import split_held_out  # noqa: E402
from semeval_polarity import fold_ids, load  # noqa: E402

from feedback_classifier.model.distil import _pair_fine_tune, pair_inputs  # noqa: E402
from feedback_classifier.model.sentiment import POLARITIES  # noqa: E402
from feedback_classifier.model.sentiment_eval import _flat  # noqa: E402
from feedback_classifier.taxonomy import load_taxonomy  # noqa: E402


def fold_accuracy(texts, opinions, train, test, name) -> tuple[int, float]:
    """(opinions scored, accuracy x100) of a pair teacher fine-tuned on ``train``'s opinions, on ``test``'s."""
    t, c, p = _flat(texts, opinions, train)
    index: dict = {}
    of = [index.setdefault((a, b), len(index)) for a, b in zip(t, c)]
    Y = np.zeros((len(index), len(POLARITIES)), dtype=np.float32)
    Y[of, [POLARITIES.index(x) for x in p]] = 1.0  # disagreeing opinions of one pair: two ones, as distil does
    tt, tc, tp = _flat(texts, opinions, test)
    scores = _pair_fine_tune(pair_inputs([a for a, _ in index], [name(b) for _, b in index]), Y,
                             pair_inputs(tt, [name(b) for b in tc]))
    hits = sum(POLARITIES[j] == gold for j, gold in zip(np.argmax(scores, axis=1), tp))
    return len(tp), 100 * hits / len(tp)


def main(argv=None) -> int:
    import torch

    torch.set_num_threads(1)
    folds = [int(a) for a in (argv if argv is not None else sys.argv[1:])] or list(range(5))
    taxonomy = load_taxonomy("semeval-restaurants")
    texts, opinions, groups = load("en", taxonomy)
    dev, _ = split_held_out(groups)
    fold = fold_ids(groups[dev], 5, 1)
    for k in folds:
        n, acc = fold_accuracy(texts, opinions, dev[fold != k], dev[fold == k], taxonomy.display_name)
        print(json.dumps({"fold": k, "opinions": n, "teacher": round(acc, 2)}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
