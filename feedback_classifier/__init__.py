"""feedback-classifier: turn open-text survey comments into decisions.

Classify English and Russian comments into a two-level taxonomy, find which pain
points drive NPS/CSAT/CES, route comments to owning teams and report.
"""

import os as _os

# Unpinned BLAS/OpenMP thread pools made lbfgs training 10-80x slower on small
# machines; respect the user's choice when they set one. What they set (None: nothing) is kept for
# the one pool that is worth widening, e5's own (model/teacher.py).
USER_OMP_THREADS = _os.environ.get("OMP_NUM_THREADS")
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    _os.environ.setdefault(_var, "1")
# numpy asks the kernel for 2 MB pages for every array of 4 MB or more; a batch's temporaries
# are short-lived, and each first touch of such a page cost a page clear (and often a
# compaction) in system time: ~0.8 CPU-s of a 100,000-comment classify's first chunk. Read by
# numpy when it is imported (after this package, as the command line does it), else no effect.
_os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")
# Arrow's default allocator (mimalloc) keeps the pages of freed CSV blocks and output buffers
# in its own pools, out of reach of the rest of the process: ~80 MB more peak memory per
# process on a 1M-row classify than glibc's malloc, for no measurable speed (docs/scaling.md).
# Read when pyarrow first allocates; a pool the user chose wins.
_os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
# A blank SOURCE_DATE_EPOCH (`SOURCE_DATE_EPOCH=` in a cron file or CI step) made numpy.f2py, which
# scipy imports, fail with int(''): a traceback from every command. Blank means unset, as the report reads it.
if "SOURCE_DATE_EPOCH" in _os.environ and not _os.environ["SOURCE_DATE_EPOCH"].strip():
    del _os.environ["SOURCE_DATE_EPOCH"]

__version__ = "0.2.0"
