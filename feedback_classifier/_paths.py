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

__all__ = ["cache_dir"]


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
