"""Where the package keeps what it derives once per machine (layer 0: no project imports).

Both ``lang`` (the English lemma table) and ``model`` (the default model, keyword and word
tables) cache there, and ``lang`` sits below ``model``: the one definition lives here.
"""

from __future__ import annotations

import os
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
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "feedback-classifier"
