"""Formula safety: text cells a spreadsheet would run as a formula get a leading ``'``.

CSV and XLSX output goes through :func:`neutralize_formulas`; Parquet and JSONL keep text
exactly, since nothing opens them as a spreadsheet.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from feedback_classifier.tableio.cells import is_text_dtype

__all__ = ["neutralize_formulas"]

_FORMULA_CHARS = "=+-@\t\r"
_FORMULA_START = re.compile(r"^[=+\-@\t\r]")
_SAFE_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$|^-+$")


def _needs_quote(v: Any) -> bool:
    return isinstance(v, str) and bool(_FORMULA_START.match(v)) and not _SAFE_NUMBER.match(v)


def neutralize_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``df`` whose text cells a spreadsheet would run as a formula start with ``'``.

    Only text cells change: a cell starting with ``=``, ``+``, ``-``, ``@``, tab or
    CR gets a leading apostrophe, unless it is a plain number (``-5``, ``+7``) or
    only dashes (``-``, a common "no comment"). Number columns are untouched.

    >>> df = pd.DataFrame({"c": ["=HYPERLINK(\\"http://x\\")", "-5", "- slow", "ok"], "n": [-1, 2, 3, 4]})
    >>> neutralize_formulas(df)["c"].tolist()
    ['\\'=HYPERLINK("http://x")', '-5', "'- slow", 'ok']
    """
    out = df.copy()
    for i in range(out.shape[1]):
        s = out.iloc[:, i]
        if not (is_text_dtype(s.dtype) or s.dtype == object):
            continue
        if is_text_dtype(s.dtype):
            # Cheap vectorised pre-filter on the first character; the exact rule runs
            # only on the few candidates.
            candidates = s.str[:1].isin(list(_FORMULA_CHARS)).to_numpy(dtype=bool, na_value=False)
            if not candidates.any():
                continue
            mask = candidates.copy()
            idx = np.flatnonzero(candidates)
            values = s.iloc[idx].tolist()
            mask[idx] = [_needs_quote(v) for v in values]
        else:
            mask = np.fromiter((_needs_quote(v) for v in s.tolist()), dtype=bool, count=len(s))
        if mask.any():
            if is_text_dtype(s.dtype):
                new = s.copy()
                new[mask] = "'" + s[mask]
            else:
                new = s.copy()
                new[mask] = ["'" + v for v in s[mask].tolist()]
            out.isetitem(i, new)
    return out
