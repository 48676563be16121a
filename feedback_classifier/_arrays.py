"""Two numpy building blocks of the batch code paths (analysis, features, evidence, parts).

They work on whole batches as flat arrays, so Python runs once per batch, not once per token.
"""

from __future__ import annotations

import numpy as np


def ranges(starts, lengths) -> np.ndarray:
    """Concatenated ``arange(s, s + n)`` for each start ``s`` and length ``n``.

    >>> ranges(np.array([10, 3, 7]), np.array([2, 0, 3])).tolist()
    [10, 11, 7, 8, 9]
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    ends = np.cumsum(lengths)
    offsets = np.repeat(np.asarray(starts, dtype=np.int64) - (ends - lengths), lengths)
    return np.arange(total, dtype=np.int64) + offsets


class GrowingArray:
    """An append-only 1-D numpy array (capacity doubles): per-word tables grow as new words
    appear, and a batch reads them with one fancy index instead of converting Python lists.

    >>> a = GrowingArray(np.int32)
    >>> a.extend([1, 2]); a.extend(np.arange(3))
    >>> a.array.tolist(), a.array.dtype.name
    ([1, 2, 0, 1, 2], 'int32')
    """

    def __init__(self, dtype=np.int64, capacity: int = 1024):
        self.data = np.zeros(capacity, dtype=dtype)
        self.n = 0

    def extend(self, values) -> None:
        values = np.asarray(values, dtype=self.data.dtype)
        need = self.n + len(values)
        if need > len(self.data):
            grown = np.zeros(max(need, 2 * len(self.data)), dtype=self.data.dtype)
            grown[: self.n] = self.data[: self.n]
            self.data = grown
        self.data[self.n : need] = values
        self.n = need

    @property
    def array(self) -> np.ndarray:
        return self.data[: self.n]
