"""Compressed files other than gzip: told by name or first bytes, refused with the command that fixes them.

Only gzip is read and written (``.csv.gz``, ``.tsv.gz``, ``.jsonl.gz``). A ``.bz2``, ``.xz`` or ``.zip``
export had been called an "unknown table format" whose fix, ``--input-format csv``, only led to
"looks like a binary file": neither said the file was compressed nor how to read it.
"""

from __future__ import annotations

import shlex
from pathlib import Path

from feedback_classifier.errors import InputFileError

__all__ = ["compression_by_name", "refuse_compressed_input", "refuse_compressed_output"]

_BY_SUFFIX = {".bz2": "bzip2", ".xz": "xz", ".lzma": "xz", ".zst": "zstd", ".zip": "zip", ".7z": "7-Zip",
              ".z": "compress"}
# gzip's magic is here for a gzipped file whose name lacks .gz (every reader picks gzip by the name)
_MAGIC = ((b"BZh", "bzip2"), (b"\xfd7zXZ\x00", "xz"), (b"\x28\xb5\x2f\xfd", "zstd"),
          (b"7z\xbc\xaf\x27\x1c", "7-Zip"), (b"\x1f\x8b", "gzip"), (b"PK\x03\x04", "zip"))
_BZ2_BLOCKS = (b"\x31\x41\x59\x26\x53\x59", b"\x17\x72\x45\x38\x50\x90")  # a block; the end (empty)
_DECOMPRESS = {"bzip2": "bzip2 -dc", "xz": "xz -dc", "zstd": "zstd -dc", "compress": "gzip -dc", "7-Zip": "7z e -so"}
_ONLY_GZIP = "only gzip-compressed tables are read (.csv.gz, .tsv.gz, .jsonl.gz)"


def compression_by_name(path: Path) -> str | None:
    """The compression a file name says, other than gzip; None for none.

    >>> compression_by_name(Path("export.csv.BZ2")), compression_by_name(Path("export.csv.gz"))
    ('bzip2', None)
    """
    return _BY_SUFFIX.get(path.suffix.lower())


def _compression_by_content(path: Path) -> str | None:
    try:
        with open(path, "rb") as fh:
            head = fh.read(10)
    except OSError:  # the reader says what is wrong with the file
        return None
    kind = next((kind for magic, kind in _MAGIC if head.startswith(magic)), None)
    # "BZh" is text: a CSV whose header starts so is one unless a block size and a block's magic follow
    if kind == "bzip2" and not (head[3:4].isdigit() and head[4:10] in _BZ2_BLOCKS):
        return None
    return kind


def refuse_compressed_input(path: Path) -> None:
    """Raise :class:`InputFileError` for an input compressed other than gzip as its name says (or gzipped
    under a name without ``.gz``), naming the command that makes it readable. A workbook (a zip) passes.

    >>> import tempfile, bz2
    >>> p = Path(tempfile.mkdtemp()) / "export.csv.bz2"
    >>> _ = p.write_bytes(bz2.compress(b"id,comment\\n1,Late\\n"))
    >>> refuse_compressed_input(p)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    feedback_classifier.errors.InputFileError: ...export.csv.bz2: is bzip2-compressed; only gzip-compressed tables are read (.csv.gz, .tsv.gz, .jsonl.gz): recompress it, e.g. bzip2 -dc ...export.csv.bz2 | gzip > ...export.csv.gz
    """
    name = path.name.lower()
    if name.endswith(".gz"):
        return
    kind = _compression_by_content(path) or compression_by_name(path)
    # a workbook is a zip: a broken one named .xlsx gets the workbook reader's own message
    if kind is None or (kind == "zip" and (name.endswith((".xlsx", ".xlsm")) or is_workbook(path))):
        return
    inner = path.with_name(path.name[: -len(path.suffix)]) if compression_by_name(path) else path
    if kind == "gzip":
        raise InputFileError(f"{path}: is gzip-compressed but its name does not end in .gz; rename it to "
                             f"{path.name}.gz")
    if kind == "zip":
        raise InputFileError(f"{path}: is a zip archive, not a table; {_zip_fix(path)}")
    fix = f"{_DECOMPRESS[kind]} {shlex.quote(str(path))} | gzip > {shlex.quote(f'{inner}.gz')}"
    raise InputFileError(f"{path}: is {kind}-compressed; {_ONLY_GZIP}: recompress it, e.g. {fix}")


def refuse_compressed_output(path: Path) -> None:
    """Raise :class:`InputFileError` for an output named to be compressed other than gzip.

    >>> refuse_compressed_output(Path("out.csv.xz"))
    Traceback (most recent call last):
    ...
    feedback_classifier.errors.InputFileError: out.csv.xz: xz output is not written; only gzip is (.csv.gz, .tsv.gz, .jsonl.gz): name it out.csv.gz, or compress out.csv afterwards
    """
    kind = compression_by_name(path)
    if kind is None:
        return
    inner = path.with_name(path.name[: -len(path.suffix)])
    if not inner.suffix:  # out.zip: the table inside needs a name of its own
        inner = inner.with_name(f"{inner.name}.csv")
    raise InputFileError(f"{path}: {kind} output is not written; only gzip is (.csv.gz, .tsv.gz, .jsonl.gz): "
                         f"name it {inner}.gz, or compress {inner} afterwards")


def _zip_fix(path: Path) -> str:
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            names = [i.filename for i in z.infolist() if not i.is_dir()]
    except (OSError, zipfile.BadZipFile):
        return "extract the table from it first"
    if len(names) == 1:
        member, out = shlex.quote(names[0]), shlex.quote(Path(names[0]).name)
        return f"extract its one file first: unzip -p {shlex.quote(str(path))} {member} > {out}"
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    return (f"it holds {len(names)} files ({shown}): extract the one to read, e.g. "
            f"unzip {shlex.quote(str(path))} {shlex.quote(names[0])}")


def is_workbook(path: Path) -> bool:
    """Whether ``path`` is a zip holding an Excel workbook (an XLSX under another name, not a zipped table)."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            return "xl/workbook.xml" in z.namelist()
    except (OSError, zipfile.BadZipFile):
        return False
