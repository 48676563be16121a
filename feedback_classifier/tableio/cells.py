"""Cells as text: how a value of any format's native type reads as the text a user would type.

Reading with ``as_text=True`` (the default) turns every cell into text this way, so ids like
``007`` stay text and numbers read the same from every format.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
from typing import Any

import numpy as np
import pandas as pd


def scalar_text(v: Any) -> str | None:
    """One cell as the text a user would type; ``None`` for missing.

    >>> scalar_text(9.0), scalar_text(0.1), scalar_text(pd.Timestamp("2025-01-02")), scalar_text(float("nan"))
    ('9', '0.1', '2025-01-02', None)
    """
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, str):
        return v
    if isinstance(v, (bool, np.bool_)):
        return "True" if v else "False"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        f = float(v)
        if math.isnan(f):
            return None
        if f.is_integer() and abs(f) < 1e16:
            return str(int(f))
        return repr(f)
    if isinstance(v, (pd.Timestamp, _dt.datetime)):
        if pd.isna(v):
            return None
        if v.tzinfo is None and (v.hour, v.minute, v.second, v.microsecond) == (0, 0, 0, 0):
            return v.date().isoformat()
        return v.isoformat(sep=" ")
    if isinstance(v, (_dt.date, _dt.time)):
        return v.isoformat()
    if isinstance(v, np.datetime64):
        return scalar_text(pd.Timestamp(v))
    if isinstance(v, (list, tuple, dict, np.ndarray)):
        if isinstance(v, np.ndarray):
            v = v.tolist()
        return json.dumps(v, ensure_ascii=False, default=str)
    if isinstance(v, bytes):
        return v.decode("utf-8", errors="replace")
    return str(v)


def is_text_dtype(dtype) -> bool:
    return isinstance(dtype, pd.StringDtype)


def frame_to_text(df: pd.DataFrame) -> pd.DataFrame:
    out = {}
    for i, col in enumerate(df.columns):
        s = df.iloc[:, i]
        if is_text_dtype(s.dtype):
            out[i] = s.astype("str") if s.dtype != "str" else s
        elif pd.api.types.is_integer_dtype(s.dtype) and not s.hasnans:
            out[i] = s.astype(np.int64).astype("str")
        else:
            out[i] = pd.Series([scalar_text(v) for v in s.tolist()], index=s.index, dtype="str")
    res = pd.DataFrame(out, index=df.index)
    res.columns = df.columns
    return res
