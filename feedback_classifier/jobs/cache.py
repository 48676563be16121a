"""The cache folder's size, and pruning it (``feedback-classifier cache info|clear``).

Everything in the cache is derived and rebuilt when missing (the default model in ~20 s, tables and
e5 vectors as they are next needed), and every reader treats a missing or half-written file as one to
build again, so a file removed under a running command costs it a rebuild, not a failure. Files are
written to ``<name>.<pid>.partial`` and renamed: the partial file of a live process is never removed.

Only the cache's own files are touched: ``<name>-<hex key>.<npz|joblib|marshal>`` at the top and what
is inside its own subfolders. A ``FEEDBACK_CLASSIFIER_CACHE`` pointed at a home folder by mistake must
not cost its owner a single file.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from feedback_classifier._paths import cache_dir

_SUBFOLDERS = ("teacher-e5", "matplotlib")  # folders the package makes in the cache, all of theirs derived
_OWN_FILE = re.compile(r"^(?P<kind>[a-z0-9][a-z0-9-]*?)-[0-9a-f]{8,64}\.(npz|joblib|marshal)$")
_PARTIAL = re.compile(r"^(?P<final>.+)\.(?P<pid>\d+)\.partial$")
DAY = 86_400.0


@dataclass
class CacheKind:
    """The files of one kind (``cx-default``, ``keywords``, ``teacher-e5``...): count, bytes, last use."""

    kind: str
    files: int = 0
    bytes: int = 0
    last_used: float = 0.0  # seconds since 1970: the latest read or write of one of its files


@dataclass
class CacheUsage:
    folder: Path
    files: int = 0
    bytes: int = 0
    kinds: list[CacheKind] = field(default_factory=list)


@dataclass
class CacheCleared:
    folder: Path
    removed: int = 0
    freed: int = 0
    kept: int = 0  # the cache's files used within --older-than
    busy: int = 0  # files a live process is writing, or that could not be removed (open on Windows)


def cache_usage(folder: Path | None = None) -> CacheUsage:
    """How much the cache folder holds, by kind, largest first (an empty usage when it does not exist)."""
    folder = cache_dir() if folder is None else Path(folder)
    usage, kinds = CacheUsage(folder), {}
    for path, kind, size, used in _own_files(folder):
        entry = kinds.setdefault(kind, CacheKind(kind))
        entry.files, entry.bytes, entry.last_used = entry.files + 1, entry.bytes + size, max(entry.last_used, used)
        usage.files, usage.bytes = usage.files + 1, usage.bytes + size
    usage.kinds = sorted(kinds.values(), key=lambda k: (-k.bytes, k.kind))
    return usage


def clear_cache(older_than_days: float | None = None, *, folder: Path | None = None,
                now: float | None = None) -> CacheCleared:
    """Remove the cache's files, or with ``older_than_days`` those not read or written for that many days
    (the later of a file's access and modification times: a default model read every night stays).

    A partial file whose process is alive is kept whatever its age; one of a process that is gone is
    removed. A file that cannot be removed (open in another process on Windows) is counted as busy."""
    if older_than_days is not None and older_than_days < 0:
        from feedback_classifier.errors import ParameterError

        raise ParameterError(f"--older-than must be 0 days or more, got {older_than_days:g}")
    folder = cache_dir() if folder is None else Path(folder)
    now = time.time() if now is None else now
    result = CacheCleared(folder)
    for path, _, size, used in _own_files(folder):
        partial = _PARTIAL.match(path.name)
        if partial and _alive(int(partial["pid"]), now - used):
            result.busy += 1
        elif not partial and older_than_days is not None and now - used < older_than_days * DAY:
            result.kept += 1
        else:
            try:
                path.unlink()
            except FileNotFoundError:  # another clear, or its writer renamed it: not ours to count
                continue
            except OSError:
                result.busy += 1
                continue
            result.removed, result.freed = result.removed + 1, result.freed + size
    return result


def _own_files(folder: Path):
    """``(path, kind, bytes, last used)`` of each of the cache's own files (no symbolic link followed)."""
    try:
        top = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return
    for entry in top:
        if entry.is_dir(follow_symlinks=False) and entry.name in _SUBFOLDERS:
            for root, dirs, files in os.walk(entry.path, followlinks=False):
                for name in files:
                    yield from _described(Path(root) / name, entry.name)
        elif entry.is_file(follow_symlinks=False):
            partial = _PARTIAL.match(entry.name)
            own = _OWN_FILE.match(partial["final"] if partial else entry.name)
            if own:
                yield from _described(Path(entry.path), own["kind"])


def _described(path: Path, kind: str):
    try:
        st = path.lstat()
    except OSError:  # removed meanwhile by the process that wrote it
        return
    yield path, kind, st.st_size, max(st.st_atime, st.st_mtime)


def _alive(pid: int, idle_seconds: float) -> bool:
    if pid == os.getpid():
        return True
    if os.name == "nt":  # os.kill(pid, 0) would end the process there: a day without a write means it is gone
        return idle_seconds < DAY
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):  # another user's live process, or no way to tell: keep its file
        return True
    return True
