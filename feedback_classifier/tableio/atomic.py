"""Atomic writes: a temp file in the target's folder, renamed over the target only when complete.

On failure the temp file is removed and an old file at the target is left untouched, so a
crash or a full disk never leaves a half-written output behind.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from feedback_classifier.errors import InputFileError

__all__ = ["AtomicTarget", "write_file_atomic"]


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class AtomicTarget:
    """A temp file next to ``path`` that replaces ``path`` only on commit."""

    def __init__(self, path: Path):
        self.path = path
        parent = path.parent if str(path.parent) else Path(".")
        if path.is_dir():
            raise InputFileError(f"{path}: is a directory; give a file name for the output")
        if not parent.is_dir():
            raise InputFileError(f"{path}: output directory {parent} does not exist; create it first")
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
        os.close(fd)
        self.tmp = Path(tmp)

    def commit(self) -> None:
        try:
            mode = self.path.stat().st_mode & 0o777
        except FileNotFoundError:
            mode = 0o666 & ~_current_umask()
        os.chmod(self.tmp, mode)
        with open(self.tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(self.tmp, self.path)

    def discard(self) -> None:
        try:
            self.tmp.unlink()
        except FileNotFoundError:
            pass


def write_file_atomic(path: str | os.PathLike, data: bytes | str, *, make_parents: bool = False) -> Path:
    """Write ``data`` (bytes, or text as UTF-8) to ``path`` atomically: a temp file next to it,
    fsynced, then renamed over it. The one writer every non-table output goes through.

    An existing file keeps its permissions. Without ``make_parents`` a missing folder is an
    ``InputFileError`` (a typo in an output path should not silently create directories).

    >>> import tempfile, os
    >>> p = write_file_atomic(os.path.join(tempfile.mkdtemp(), "a", "note.txt"), "привет", make_parents=True)
    >>> p.read_text(encoding="utf-8")
    'привет'
    """
    path = Path(path)
    if make_parents and str(path.parent):
        path.parent.mkdir(parents=True, exist_ok=True)
    target = AtomicTarget(path)
    try:
        with open(target.tmp, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        target.commit()
    except BaseException:
        target.discard()
        raise
    return path
