"""feedback-classifier: turn open-text survey comments into decisions.

Classify English and Russian comments into a two-level taxonomy, find which pain
points drive NPS/CSAT/CES, route comments to owning teams and report.
"""

import os as _os

# Unpinned BLAS/OpenMP thread pools made lbfgs training 10-80x slower on small
# machines; respect the user's choice when they set one.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    _os.environ.setdefault(_var, "1")

__version__ = "0.1.0"
