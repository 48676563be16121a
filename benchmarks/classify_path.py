"""Do the benchmark numbers hold for what ``classify`` writes? (stop 29 QA finding)

The accuracy benchmarks (``semeval.py`` and the rest) score ``model.predict_labels``: the
whole comment. ``classify`` (and, since stop 29, ``evaluate``) tag a comment by its whole text,
its sentences and clauses, keyword rules and the no-opinion check
(``model.enrichment.predict_as_classified``). This scores both on the SemEval-2016 reviews no
decision looked at: the held-out 20% of each training file (``semeval_data.split_held_out``,
the default model trained on the other 80%) and the official test split when
``$SEMEVAL2016_TEST_DIR`` has it (trained on the whole file).

Run: ``OMP_NUM_THREADS=1 SEMEVAL2016_TEST_DIR=DIR python benchmarks/classify_path.py [--lang en ru]``
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from semeval import main_over_unseen  # noqa: E402

from feedback_classifier.model.enrichment import predict_as_classified  # noqa: E402
from feedback_classifier.model.estimator import FeedbackClassifier  # noqa: E402
from feedback_classifier.model.evaluation import evaluate_predictions  # noqa: E402


def compare(lang, taxonomy, train, test) -> str:
    model = FeedbackClassifier(taxonomy=taxonomy).fit(train[0], train[1], groups=train[2])
    whole = model.predict_labels(test[0])
    classified = predict_as_classified(model, test[0])
    f1 = [100 * evaluate_predictions(test[1], p, taxonomy).path_micro_f1 for p in (whole, classified)]
    differ = sum(a != b for a, b in zip(whole, classified))
    return (f"predict_labels {f1[0]:.2f}, as classified {f1[1]:.2f} "
            f"({differ} of {len(test[0])} comments tagged differently)")


def main(argv=None) -> int:
    return main_over_unseen(__doc__, compare, argv)


if __name__ == "__main__":
    sys.exit(main())
