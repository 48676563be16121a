"""How the process's C allocator (glibc's malloc) treats freed memory: kept for reuse, or returned.

A process that classifies allocates and frees the same large numpy temporaries batch after
batch: keeping freed blocks saves a page fault per 4 kB on every batch (``keep_freed_memory``,
set by the command line). A process that only reads, ships and writes chunks (the parent of
``--jobs N`` workers) frees blocks of every size in an order that fragments the heap: kept,
its free memory grows with the file (~250 MiB on 1,000,000 rows) while little of it is in use;
``returning_freed_memory`` gives such a process glibc's initial thresholds for a while.
Everything here does nothing where the C library is not glibc.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
from collections.abc import Iterator

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's malloc.h
# Blocks from 32 MB (the largest threshold glibc accepts on 64-bit systems) get their own mapping,
# and up to 256 MB of free memory at the heap's top is kept (a larger peak is returned).
_KEEP = {_M_MMAP_THRESHOLD: 32 * 1024 * 1024, _M_TRIM_THRESHOLD: 256 * 1024 * 1024}
# glibc's documented start values: blocks from 128 kB are mapped alone and unmapped when freed,
# so a fragmented heap cannot hold them. Set explicitly, they also stop glibc raising the mapping
# threshold as large blocks are freed (which is how a heap comes to hold them again).
_RETURN = {_M_MMAP_THRESHOLD: 128 * 1024, _M_TRIM_THRESHOLD: 128 * 1024}

_state = {"keeping": False}


def _mallopt():
    """glibc's ``mallopt``, or None (not glibc: musl, macOS, Windows)."""
    try:
        if not os.confstr("CS_GNU_LIBC_VERSION"):
            return None
    except (ValueError, OSError, AttributeError):
        return None
    try:
        return ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # pragma: no cover - a static or odd libc
        return None


def _apply(settings: dict[int, int]) -> bool:
    mallopt = _mallopt()
    if mallopt is None:
        return False
    for option, value in settings.items():
        mallopt(option, value)
    return True


def keep_freed_memory() -> None:
    """Keep freed memory of up to 32 MB blocks in the process for the next batch (glibc only).

    By default glibc hands blocks above a threshold (128 kB at first, raised as they are
    freed) straight back to the kernel, and each new one is fresh zeroed pages, a page fault per
    4 kB: a chunk's numpy temporaries cost ~0.2 CPU-s of system time this way. At most 256 MB of
    freed memory is kept (a larger peak is returned), about 10% more peak memory on big files.

    >>> keep_freed_memory()
    >>> keeping() == (_mallopt() is not None)  # nothing to keep where the C library is not glibc
    True
    """
    _state["keeping"] = _apply(_KEEP)


def keeping() -> bool:
    """Whether ``keep_freed_memory`` is in force in this process.

    >>> isinstance(keeping(), bool)
    True
    """
    return _state["keeping"]


@contextlib.contextmanager
def returning_freed_memory() -> Iterator[None]:
    """Within the block, freed blocks of 128 kB and more go back to the kernel (glibc's start
    values, kept after the block unless ``keep_freed_memory``'s settings were in force before it:
    then those again).

    >>> with returning_freed_memory():
    ...     keeping()
    False
    """
    was = _state["keeping"]
    _state["keeping"] = False
    _apply(_RETURN)
    try:
        yield
    finally:
        if was:
            keep_freed_memory()
