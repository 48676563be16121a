"""Where the SemEval-2016 restaurant files are, and the held-out split every SemEval benchmark
shares (``semeval.py`` and ``semeval_polarity.py`` must hold out the same reviews).

Not a benchmark: imported by the scripts in this folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np


def data_dir() -> Path:
    """The training files: ``$SEMEVAL2016_DIR``, else ``../shared/data/semeval2016`` beside the repository."""
    if os.environ.get("SEMEVAL2016_DIR"):
        return Path(os.environ["SEMEVAL2016_DIR"])
    return Path(__file__).resolve().parents[1].parent / "shared" / "data" / "semeval2016"


def official_test_path(lang: str) -> Path:
    """The official test split (``semeval_test_data.py`` writes it from the gold XML):
    in ``$SEMEVAL2016_TEST_DIR``, else next to the training files. It may not exist."""
    folder = os.environ.get("SEMEVAL2016_TEST_DIR")
    return (Path(folder) if folder else data_dir()) / f"restaurants_{lang}_test.csv"


def split_held_out(groups, seed: int = 2016, share: float = 0.2):
    """``(dev, held)`` row indices: ``share`` of the reviews, drawn with ``seed``, held out.

    >>> dev, held = split_held_out(np.array(["a", "a", "b", "c", "d", "e"]))
    >>> len(held), sorted(set(dev) | set(held)) == list(range(6))
    (1, True)
    """
    reviews = np.unique(groups)
    held = set(np.random.default_rng(seed).choice(reviews, int(len(reviews) * share), replace=False))
    mask = np.array([g in held for g in groups])
    return np.flatnonzero(~mask), np.flatnonzero(mask)


def fold_ids(groups, folds: int, seed: int, scored=None) -> np.ndarray:
    """Each row's fold when whole reviews are shuffled to ``folds`` folds by ``seed``. Rows outside the
    boolean mask ``scored`` get -1: in every training split, in no test split.

    >>> fold_ids(np.array(["a", "a", "b", "c"]), 3, 1).tolist()
    [0, 0, 1, 2]
    >>> fold_ids(np.array(["a", "a", "b", "c"]), 3, 1, scored=np.array([True, True, True, False])).tolist()
    [0, 0, 1, -1]
    """
    scored = np.ones(len(groups), bool) if scored is None else scored
    unique = np.unique(groups[scored])
    fold_of = dict(zip(np.random.default_rng(seed).permutation(unique), np.arange(len(unique)) % folds))
    return np.array([fold_of[g] if s else -1 for g, s in zip(groups, scored)])
