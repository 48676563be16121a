"""JSON Lines: one JSON object per line (a JSON array of objects reads too), and the writer.

Only blank lines are skipped; columns are the union of the keys in order of first appearance.
Unlike CSV, JSONL keeps ``""`` and a missing value apart; read as text, a key's numbers,
booleans or nested values are noted in ``attrs["native_types"]`` for the writers.

A key holding objects (``{"meta": {"region": "EU"}}``) is read whole, as its JSON text, and each
value inside it is also a column of its own named by its path (``meta.region``), so
``--by meta.region`` or ``--keep meta.region`` work as on a flat file. Those columns are listed
in ``attrs["nested_fields"]`` and the writers leave them out: a copy of the file has the
input's keys only.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from feedback_classifier.errors import InputFileError
from feedback_classifier.tableio.cells import json_kinds, scalar_text
from feedback_classifier.tableio.encoding import (
    check_guess,
    decode_sample,
    detect_encoding,
    is_gzip,
    open_text_output,
    read_sample,
)


def iter_jsonl(
    path: Path, kind: str, chunksize: int | None, *, sheet: Any, encoding: str | None, sep: Any, as_text: bool,
    encoding_errors: str = "strict",
) -> Iterator[pd.DataFrame]:
    """Chunks of a JSON Lines file, or of a JSON array of objects (``sheet``/``sep`` do not apply)."""
    gz = is_gzip(path)
    sample, truncated = read_sample(path, gz)
    if encoding is None:
        encoding = check_guess(path, gz, detect_encoding(sample, truncated=truncated), errors=encoding_errors)
    head = decode_sample(sample, encoding, path, errors=encoding_errors).lstrip("\ufeff \t\r\n")
    if head.startswith("["):
        return _iter_json_array(path, gz, encoding, chunksize, as_text, encoding_errors)
    return _iter_json_lines(path, gz, encoding, chunksize, as_text, encoding_errors)


def keys_in_file(path: Path, names: list[str], encoding: str | None = None) -> list[str]:
    r"""Those of ``names`` that the JSON file ``path`` uses as a key somewhere (a byte scan, at disk
    speed, so a key first used after the first chunk can be told from a misspelt column name).

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "late.jsonl"
    >>> _ = p.write_text('{"comment": "hi"}\n{"comment": "ok", "region": "EU"}\n', encoding="utf-8")
    >>> keys_in_file(p, ["region", "regoin"])
    ['region']
    """
    import re

    enc = encoding or "utf-8"
    wanted = {}
    for name in names:
        forms = {json.dumps(name, ensure_ascii=False), json.dumps(name)}
        wanted[name] = re.compile(b"|".join(re.escape(f.encode(enc, errors="ignore")) + rb"\s*:" for f in forms))
    found: set = set()
    overlap = max((len(json.dumps(n).encode(enc, errors="ignore")) for n in names), default=0) + 64
    opener = gzip.open if is_gzip(path) else open
    tail = b""
    with opener(path, "rb") as fh:
        while len(found) < len(wanted):
            block = fh.read(1 << 24)
            if not block:
                break
            text = tail + block
            found.update(n for n, rx in wanted.items() if n not in found and rx.search(text))
            tail = text[-overlap:]
    return [n for n in names if n in found]


def _leaves(prefix: str, obj: dict) -> Iterator[tuple[str, Any]]:
    """The values inside a JSON object, each with its dotted path.

    >>> list(_leaves("meta", {"region": "EU", "geo": {"city": "Riga"}, "tags": [1]}))
    [('meta.region', 'EU'), ('meta.geo.city', 'Riga'), ('meta.tags', [1])]
    """
    for key, value in obj.items():
        path = f"{prefix}.{key}"
        if isinstance(value, dict) and value:
            yield from _leaves(path, value)
        else:
            yield path, value


def _records_frame(records: list[dict], columns: dict, as_text: bool, nested: dict | None = None) -> pd.DataFrame:
    """The records as a frame of text; ``nested`` (the paths inside objects seen so far, kept across
    chunks so every chunk has the same columns) grows by this chunk's."""
    cols = list(columns)
    if not as_text:
        return pd.DataFrame.from_records(records, columns=cols) if records else pd.DataFrame(columns=cols)
    nested = {} if nested is None else nested
    data = {c: [None] * len(records) for c in cols}
    inner: list[dict] = []  # each record's values inside objects, by path
    for i, rec in enumerate(records):
        flat = {}
        for k, v in rec.items():
            data[k][i] = v if type(v) is str else scalar_text(v)
            if type(v) is dict:
                flat.update((path, leaf) for path, leaf in _leaves(k, v) if path not in columns)
        if flat:
            nested.update(dict.fromkeys(flat))
            inner.append(flat)
            for path, leaf in flat.items():
                data.setdefault(path, [None] * len(records))[i] = leaf if type(leaf) is str else scalar_text(leaf)
    fields = [p for p in nested if p not in columns]
    df = pd.DataFrame({c: pd.Series(data.get(c, [None] * len(records)), dtype="str") for c in cols + fields},
                      columns=cols + fields)
    df.attrs["native_types"] = {**json_kinds(inner), **json_kinds(records)}
    if fields:
        df.attrs["nested_fields"] = fields
    return df


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# json reads "\\ud83d" alone as a lone surrogate (half an emoji cut by a JavaScript substring), which
# no UTF-8 output, pandas' Arrow strings included, can hold: only lines with such an escape are walked
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _no_lone_surrogates(obj: Any, where: str, errors: str) -> Any:
    r"""``obj`` (a parsed JSON value) with no lone surrogate in its strings: each read as U+FFFD
    when ``errors`` is ``"replace"``, otherwise an error naming ``where`` and the key.

    >>> _no_lone_surrogates({"c": "ok \ud83d!", "n": [1, "\udc00"]}, "x.jsonl: line 1", "replace") == {
    ...     "c": "ok \ufffd!", "n": [1, "\ufffd"]}
    True
    """
    if isinstance(obj, str):
        if _LONE_SURROGATE.search(obj) is None:
            return obj
        if errors == "replace":
            return _LONE_SURROGATE.sub("\ufffd", obj)
        raise InputFileError(
            f"{where}: a \\u escape stands for half a character (a lone surrogate, as text cut inside an "
            "emoji leaves), which no output can hold; add --encoding-errors replace to read it as U+FFFD (\ufffd)"
        )
    if isinstance(obj, list):
        return [_no_lone_surrogates(v, where, errors) for v in obj]
    if isinstance(obj, dict):
        # the key is named for the user's search; json.dumps escapes the surrogate for the message
        return {_no_lone_surrogates(k, where, errors): _no_lone_surrogates(v, f"{where}, key {json.dumps(k)}", errors)
                for k, v in obj.items()}
    return obj


def _iter_json_lines(path, gz, encoding, chunksize, as_text, errors) -> Iterator[pd.DataFrame]:
    opener = gzip.open if gz else open
    columns: dict = {}
    nested: dict = {}
    records: list[dict] = []
    emitted = False
    try:
        with opener(path, "rt", encoding=encoding, errors=errors, newline="") as fh:
            for lineno, line in enumerate(fh, start=1):
                if lineno == 1:
                    line = line.lstrip("\ufeff")
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputFileError(
                        f"{path}: line {lineno} is not valid JSON ({exc.msg}, column {exc.colno}); "
                        'each line must be one JSON object like {"comment": "..."}; fix or remove that line'
                    ) from None
                if not isinstance(obj, dict):
                    raise InputFileError(
                        f"{path}: line {lineno} is a JSON {type(obj).__name__}, not an object; "
                        'each line must be one JSON object like {"comment": "..."}'
                    )
                if _SURROGATE_ESCAPE.search(line):
                    obj = _no_lone_surrogates(obj, f"{path}: line {lineno}", errors)
                for k in obj:
                    if k not in columns:
                        columns[k] = None
                records.append(obj)
                if chunksize is not None and len(records) >= chunksize:
                    yield _records_frame(records, columns, as_text, nested)
                    emitted = True
                    records = []
    except UnicodeDecodeError as exc:
        raise InputFileError(
            f"{path}: not valid {encoding} ({exc.reason}); pass the real encoding= (CLI: --encoding)"
        ) from None
    except (OSError, EOFError) as exc:
        raise InputFileError(f"{path}: cannot read the file ({exc}); check it is complete and not corrupt") from None
    if records or not emitted:
        yield _records_frame(records, columns, as_text, nested)


def _iter_json_array(path, gz, encoding, chunksize, as_text, errors) -> Iterator[pd.DataFrame]:
    opener = gzip.open if gz else open
    try:
        with opener(path, "rt", encoding=encoding, errors=errors) as fh:
            data = json.load(fh)
    except json.JSONDecodeError as exc:
        raise InputFileError(
            f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}); "
            "expected JSON Lines (one object per line) or an array of objects"
        ) from None
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise InputFileError(f"{path}: cannot read the file ({exc}); check it and its encoding") from None
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise InputFileError(f"{path}: a JSON file must be an array of objects or JSON Lines (one object per line)")
    data = [_no_lone_surrogates(rec, f"{path}: object {i}", errors) for i, rec in enumerate(data, start=1)]
    columns: dict = {}
    for rec in data:
        for k in rec:
            columns.setdefault(k, None)
    step = chunksize or max(len(data), 1)
    nested: dict = {}
    for start in range(0, max(len(data), 1), step):
        yield _records_frame(data[start : start + step], columns, as_text, nested)


class JsonlSink:
    """Appends chunks to a JSON Lines file, one object per row; to a ``.json`` file, the same objects
    one per line inside a JSON array, since a ``.json`` file is read as one JSON document
    (``json.load``, ``pd.read_json``, ``jq -s`` aside) and lines of objects are not one."""

    def __init__(self, tmp: Path, path: Path, *, encoding: str, sep: str, gz: bool, sheet_name: str):
        self._fh = open_text_output(tmp, encoding, gz, path)
        self._array = path.name.lower().endswith((".json", ".json.gz"))
        self._rows = 0

    def write(self, chunk: pd.DataFrame) -> None:
        """Append the rows of ``chunk``."""
        if len(chunk):
            text = chunk.to_json(
                orient="records", lines=True, force_ascii=False, date_format="iso",
                double_precision=15, default_handler=str, date_unit=_date_unit(chunk),
            )
            lossy = _lossy_floats(chunk)
            if lossy:
                text = _with_exact_floats(text, chunk, lossy)
            text = text if text.endswith("\n") else text + "\n"
            if self._array:  # the writer escapes newlines inside strings: each "\n" ends a row
                text = ("[\n" if self._rows == 0 else ",\n") + text[:-1].replace("\n", ",\n")
            self._fh.write(text)
            self._rows += len(chunk)

    def close(self) -> None:
        """Flush and close the file."""
        if self._array:
            self._fh.write("\n]\n" if self._rows else "[]\n")
        self._fh.close()

    def abort(self) -> None:
        """Release the file without caring whether it is complete."""
        with contextlib.suppress(Exception):  # the temp file is being thrown away anyway
            self._fh.close()


def _date_unit(chunk: pd.DataFrame) -> str:
    """The finest unit the chunk's times need: pandas writes milliseconds by default, which cut a
    Parquet timestamp's ``23:59:59.123456`` to ``.123``."""
    unit = "ms"
    for i in range(chunk.shape[1]):
        s = chunk.iloc[:, i]
        if not pd.api.types.is_datetime64_any_dtype(s.dtype):
            continue
        s = s.dropna()
        if (s.dt.nanosecond != 0).any():
            return "ns"
        if (s.dt.microsecond % 1000 != 0).any():
            unit = "us"
    return unit


def _lossy_floats(chunk: pd.DataFrame) -> list[int]:
    """Positions of the float columns with a value pandas' 15 significant digits would change
    (``0.30000000000000004`` written as ``0.3``); its writer allows no more."""
    import numpy as np

    lossy = []
    for i in range(chunk.shape[1]):
        s = chunk.iloc[:, i]
        if pd.api.types.is_float_dtype(s.dtype):
            values = s.to_numpy(dtype=float, na_value=np.nan)
        elif s.dtype == object:  # a JSON Lines input's numbers given back their type (cells.restore_types)
            values = np.array([v for v in s.tolist() if isinstance(v, float)], dtype=float)
        else:
            continue
        values = values[np.isfinite(values)]
        # the nearest float to a number of at most 6 decimals below 1e9 has at most 15 significant digits,
        # so it is written exactly (the probabilities and scores classify adds, most survey numbers): only
        # the others are checked one by one (48 probability columns took 7 µs a row)
        plain = (np.abs(values) < 1e9) & (np.rint(values * 1e6) / 1e6 == values)
        if any(float(f"{v:.15g}") != v for v in np.unique(values[~plain]).tolist()):
            lossy.append(i)
    return lossy


def _with_exact_floats(text: str, chunk: pd.DataFrame, lossy: list[int]) -> str:
    """``text`` (one JSON object per row of ``chunk``) with the ``lossy`` columns' numbers written
    as Python writes them, the shortest text that reads back as the same float."""
    import math

    names = [chunk.columns[i] for i in lossy]
    columns = [chunk.iloc[:, i].tolist() for i in lossy]
    lines = []
    # split at "\n" only: the writer escapes it inside strings, not U+2028, which splitlines() cuts at
    for row, line in enumerate(text.rstrip("\n").split("\n")):
        obj = json.loads(line)
        for name, values in zip(names, columns):
            v = values[row]
            if isinstance(v, float):
                obj[name] = v if math.isfinite(v) else None
        lines.append(json.dumps(obj, ensure_ascii=False, separators=(",", ":")))
    return "\n".join(lines) + "\n"
