"""Where the package keeps what it derives once per machine (layer 0: no project imports).

Both ``lang`` (the English lemma table) and ``model`` (the default model, keyword and word
tables) cache there, and ``lang`` sits below ``model``: the one definition lives here.
"""

from __future__ import annotations

import atexit
import os
import shutil
import stat
import tempfile
from functools import lru_cache
from pathlib import Path

__all__ = ["cache_dir", "write_cache_file"]


def cache_dir() -> Path:
    """Directory where the default model and derived tables are cached:
    ``$FEEDBACK_CLASSIFIER_CACHE``, else ``$XDG_CACHE_HOME/feedback-classifier``, else
    ``~/.cache/feedback-classifier``.

    >>> isinstance(cache_dir(), Path)
    True
    """
    if os.environ.get("FEEDBACK_CLASSIFIER_CACHE"):
        return Path(os.environ["FEEDBACK_CLASSIFIER_CACHE"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = Path.home() / ".cache"
        except RuntimeError:
            # no HOME and no passwd entry for this uid: a container run as an arbitrary uid (OpenShift,
            # Kubernetes securityContext) stopped every command with a RuntimeError traceback
            return _homeless_cache()
    return Path(base).expanduser() / "feedback-classifier"


def write_cache_file(path: Path, write) -> bool:
    """Have ``write(binary file)`` fill ``path`` in the cache atomically (a temp file named for this
    process, renamed over it, so a concurrent process never reads half a file); ``False`` when the cache
    cannot be written. The temp file goes on failure: left behind on a full disk, every run added its own
    (the lemma table's 240 KB each time), filling what space was left and never read again.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> write_cache_file(folder / "t.bin", lambda fh: fh.write(b"ok")), (folder / "t.bin").read_bytes()
    (True, b'ok')
    >>> def fail(fh):
    ...     fh.write(b"half")
    ...     raise OSError(28, "No space left on device")
    >>> write_cache_file(folder / "u.bin", fail), sorted(p.name for p in folder.iterdir())
    (False, ['t.bin'])
    """
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(partial, "wb") as fh:
            write(fh)
        os.replace(partial, path)
        return True
    except OSError:
        try:
            partial.unlink()
        except OSError:
            pass  # never made, or the folder itself is unwritable
        return False


@lru_cache(maxsize=1)
def _homeless_cache() -> Path:
    """This uid's own folder in the temp directory; where another user holds that name (or could write
    into it: a cached default model planted there would be loaded), a folder for this process alone,
    removed when it ends."""
    uid = os.getuid() if hasattr(os, "getuid") else None
    shared = Path(tempfile.gettempdir()) / f"feedback-classifier-{uid}"
    try:
        shared.mkdir(mode=0o700, exist_ok=True)
        st = shared.lstat()
        if stat.S_ISDIR(st.st_mode) and (uid is None or st.st_uid == uid) and not st.st_mode & 0o022:
            return shared
    except OSError:
        pass
    private = tempfile.mkdtemp(prefix="feedback-classifier-")
    atexit.register(shutil.rmtree, private, ignore_errors=True)
    return Path(private)
