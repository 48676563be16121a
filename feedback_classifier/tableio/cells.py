"""Cells as text: how a value of any format's native type reads as the text a user would type.

Reading with ``as_text=True`` (the default) turns every cell into text this way, so ids like
``007`` stay text and numbers read the same from every format. A typed format's reader keeps
each non-text column's type in ``attrs["native_types"]`` (``json_kinds``, ``arrow_kinds``,
``cell_kinds``), and the JSON Lines, Parquet and XLSX writers give the column its type back
(``restore_types``): an export written back should not turn ``"nps": 9`` into ``"nps": "9"``,
``true`` into ``"True"`` or an Excel date into text; and an XLSX column stored as text keeps its text
cells in XLSX output, where text that looks like a number would otherwise be written as one.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import re
from typing import Any

import numpy as np
import pandas as pd


#: ``native_types`` kind of a sheet column whose cells were all stored as text: it stays text.
TEXT_KIND = "text"


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


def numbers(values: pd.Series) -> np.ndarray:
    """A column of numbers as float64 (NaN where a cell is not a number), read with either decimal
    mark: a CSV written for Excel in a ``;`` locale (``tableio.writing``) has ``0,97`` where another has ``0.97``.

    >>> numbers(pd.Series(["0,97", " 0.5", "", None, "x"], dtype="str")).tolist()
    [0.97, 0.5, nan, nan, nan]
    """
    if pd.api.types.is_numeric_dtype(values.dtype):
        return values.to_numpy(dtype=float, na_value=np.nan)
    text = values.astype("string").str.strip().str.replace(",", ".", regex=False)
    return pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


_COMMA_NUMBER = r"^-?(?:0|[1-9][0-9]{0,14}),[0-9]{1,15}$"


def point_decimals(df: pd.DataFrame, keep: set) -> pd.DataFrame:
    """``df`` with the text cells that are decimal-comma numbers (``8,5``, ``4,0``) as the text of their
    number (``8.5``, ``4``), in the text columns not in ``keep``: an XLSX copy of a ``;`` CSV then has
    number cells where the Excel that wrote the CSV reads numbers. Left as text, ``AVERAGE`` and pivot
    tables over a score column skip its ``8,5`` cells and count its ``10`` cells, with no sign of it.

    >>> point_decimals(pd.DataFrame({"a": ["8,5", "4,0", "10", "1,5 часа", None]}, dtype="str"), set())["a"].tolist()
    ['8.5', '4', '10', '1,5 часа', nan]
    """
    out = None
    for i, name in enumerate(df.columns):
        s = df.iloc[:, i]
        if name in keep or not pd.api.types.is_string_dtype(s.dtype):
            continue
        found = s.str.match(_COMMA_NUMBER, na=False)
        if not found.any():
            continue
        if out is None:
            out = df.copy()
        fixed = s.copy()
        fixed[found] = [scalar_text(float(v.replace(",", "."))) for v in s[found]]
        out.isetitem(i, fixed)
    return df if out is None else out


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


def json_kinds(records: list[dict]) -> dict[str, str]:
    """The JSON type of each key whose non-null values all have one non-string type:
    ``number``, ``bool`` or ``json`` (an object or an array). Keys mixing types are left out.

    >>> json_kinds([{"a": 9, "b": True, "c": {"x": 1}, "d": "9"}, {"a": 1.5, "b": None, "c": [1], "d": 3}])
    {'a': 'number', 'b': 'bool', 'c': 'json'}
    """
    seen: dict[str, set] = {}
    for rec in records:
        for k, v in rec.items():
            if v is None:
                continue
            kind = ("bool" if isinstance(v, bool) else "number" if isinstance(v, (int, float))
                    else "json" if isinstance(v, (dict, list)) else "text")
            seen.setdefault(k, set()).add(kind)
    return {k: next(iter(kinds)) for k, kinds in seen.items() if len(kinds) == 1 and "text" not in kinds}


def cell_kinds(columns: dict, names: list) -> dict[str, str]:
    """The type of each sheet column whose non-empty cells are all booleans (``bool``), all
    dates (``datetime``) or all text (``text``): the ones an XLSX output would otherwise get back
    as text, or (text that looks like a number: a zip code ``10001`` stored as text) as numbers.

    >>> import datetime as dt
    >>> cols = {0: [True, None], 1: [dt.datetime(2026, 1, 5), dt.date(2026, 1, 6)], 2: [1, "a"], 3: ["10001", ""]}
    >>> cell_kinds(cols, ["a", "b", "c", "zip"])
    {'a': 'bool', 'b': 'datetime', 'zip': 'text'}
    """
    kinds = {}
    for i, name in enumerate(names):
        values = [v for v in columns.get(i, ()) if v is not None and v != ""]
        if values and all(isinstance(v, bool) for v in values):
            kinds[name] = "bool"
        elif values and all(isinstance(v, (_dt.datetime, _dt.date)) for v in values):
            kinds[name] = "datetime"
        elif values and all(isinstance(v, str) for v in values):
            kinds[name] = TEXT_KIND
    return kinds


def arrow_kinds(schema) -> dict[str, str]:
    """The Arrow type (its name, as attrs must be JSON: Parquet output stores them) of each column
    of a Parquet schema that is not text.

    >>> import pyarrow as pa
    >>> arrow_kinds(pa.schema([("id", pa.int64()), ("at", pa.timestamp("us", "UTC")), ("comment", pa.string())]))
    {'id': 'int64', 'at': 'timestamp[us, tz=UTC]'}
    """
    import pyarrow as pa

    return {f.name: str(f.type) for f in schema
            if not (pa.types.is_string(f.type) or pa.types.is_large_string(f.type) or pa.types.is_null(f.type))}


_TIMESTAMP = re.compile(r"timestamp\[(s|ms|us|ns)(?:, tz=(.+))?\]")


def _arrow_type(name: str):
    """The Arrow type named ``name`` (``arrow_kinds``); ValueError for one it cannot name back
    (lists and structs stay text; decimals and times: ``_exact_arrow``)."""
    import pyarrow as pa

    match = _TIMESTAMP.fullmatch(name)
    if match:
        return pa.timestamp(match.group(1), match.group(2))
    return pa.type_for_alias(name)


#: Arrow types pandas has no dtype of its own for: kept as Arrow-backed columns, so a Parquet output
#: writes ``decimal128(10, 2)`` and ``time64[us]`` again rather than text (JSON Lines: their text)
_EXACT_ARROW = re.compile(r"decimal(?:128|256)\((\d+), (-?\d+)\)|time(?:32|64)\[(s|ms|us|ns)\]")


def _exact_arrow(texts: list, kind: str) -> pd.Series:
    """``texts`` as an Arrow-backed column of the decimal or time type ``kind`` names.

    >>> _exact_arrow(["1.10", None], "decimal128(10, 2)").dtype
    decimal128(10, 2)[pyarrow]
    >>> _exact_arrow(["12:30:01.000005", None], "time64[us]").tolist()
    [datetime.time(12, 30, 1, 5), <NA>]
    """
    import pyarrow as pa

    match = _EXACT_ARROW.fullmatch(kind)
    if match is None:
        raise ValueError(kind)
    if match.group(3):  # Arrow casts no text to a time
        width = 32 if kind.startswith("time32") else 64
        typed = pa.array([None if pd.isna(t) else _dt.time.fromisoformat(t) for t in texts],
                         getattr(pa, f"time{width}")(match.group(3)))
    else:
        bits = 256 if kind.startswith("decimal256") else 128
        precision, scale = int(match.group(1)), int(match.group(2))
        typed = pa.array(texts, pa.string(), from_pandas=True).cast(getattr(pa, f"decimal{bits}")(precision, scale))
    return typed.to_pandas(types_mapper=pd.ArrowDtype)


def restore_types(df: pd.DataFrame, kinds: dict[str, Any]) -> pd.DataFrame:
    """``df`` with each text column of ``kinds`` converted back to its type; a column with a
    cell that does not read back as that type (a user's edit, a replaced column) stays text.

    >>> df = pd.DataFrame({"nps": ["9", None], "ok": ["True", "False"], "m": ['{"a": 1}', None]}, dtype="str")
    >>> out = restore_types(df, {"nps": "number", "ok": "bool", "m": "json"})   # JSON Lines (json_kinds)
    >>> out.to_json(orient="records")
    '[{"nps":9,"ok":true,"m":{"a":1}},{"nps":null,"ok":false,"m":null}]'
    """
    out = None
    for i, col in enumerate(df.columns):
        kind = kinds.get(col)
        s = df.iloc[:, i]
        if kind in (None, TEXT_KIND) or not is_text_dtype(s.dtype):
            continue
        typed = _typed(s, kind)
        if typed is not None:
            out = df.copy() if out is None else out
            out.isetitem(i, typed)
    return df if out is None else out


def nullable_int(arrow_type):
    """pandas' nullable integer dtype for an Arrow integer type (``Int8``, ``UInt32``...), else None."""
    name = str(arrow_type)
    if name.startswith(("int", "uint")):
        return pd.api.types.pandas_dtype("UInt" + name[4:] if name.startswith("u") else "Int" + name[3:])
    return None


def _typed(s: pd.Series, kind: Any) -> pd.Series | None:
    texts = s.tolist()
    try:
        if kind == "number":
            values = [None if pd.isna(t) else json.loads(t) for t in texts]
            if not all(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in values):
                return None
        elif kind == "bool":
            values = [None if pd.isna(t) else {"True": True, "False": False}[t] for t in texts]
        elif kind == "json":
            values = [None if pd.isna(t) else json.loads(t) for t in texts]
        elif kind == "datetime":
            return pd.Series(pd.to_datetime(s.astype(object), format="ISO8601"), index=s.index, name=s.name)
        elif _EXACT_ARROW.match(kind):
            return _exact_arrow(texts, kind).set_axis(s.index).rename(s.name)
        else:
            import pyarrow as pa

            typed = pa.array(texts, pa.string(), from_pandas=True).cast(_arrow_type(kind))
            typed = typed.to_pandas(types_mapper=nullable_int)  # whole numbers with gaps stay whole
            return typed.set_axis(s.index).rename(s.name)
    except (ValueError, KeyError, TypeError, ArithmeticError, NotImplementedError):  # Arrow's cast errors too
        return None
    return pd.Series(values, index=s.index, dtype=object, name=s.name)
