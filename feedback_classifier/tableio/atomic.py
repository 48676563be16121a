"""Atomic writes: a temp file in the target's folder, renamed over the target only when complete.

On failure the temp file is removed and an old file at the target is left untouched, so a
crash or a full disk never leaves a half-written output behind. A run killed outright (``kill -9``,
power loss) cannot remove its temp file; the next write to the same target removes such leftovers:
at once where file locks tell (a live writer holds a lock on its temp file or folder from before
its first byte, see :func:`hold_lock`), else once they are old enough that no live writer can own them.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from feedback_classifier.errors import InputFileError, ParameterError

__all__ = ["AtomicTarget", "StagedFiles", "StagedTargets", "hold_lock", "made_folder", "refuse_overwriting_input",
           "refuse_standard_output", "release_lock", "remove_stale_leftovers", "unwritable_error", "waiting_lock",
           "write_file_atomic"]

# A live writer touches its temp file as it writes; XLSX, packed at close, is the slowest to do so
# and still finishes in minutes. Temp files untouched this long belong to killed runs.
STALE_TEMP_SECONDS = 6 * 3600
# Where locks tell, a leftover nobody holds is removed once this old: the only unlocked temp of a live
# writer is one it has made and not yet locked, a moment's window, and a retried nightly job reruns sooner than 6 h.
UNLOCKED_TEMP_SECONDS = 60


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class AtomicTarget:
    """A temp file next to ``path`` that replaces ``path`` only on commit."""

    def __init__(self, path: Path):
        refuse_standard_output(path)
        if path.is_symlink():
            # renaming over a link replaces the link and leaves the file it points to as it was: a job
            # writing to 'latest.csv -> /share/2026-12-07.csv' would never update the shared file
            path = Path(os.path.realpath(path))
        self.path = path
        parent = path.parent if str(path.parent) else Path(".")
        if path.is_dir():
            raise InputFileError(f"{path}: is a directory; give a file name for the output")
        if not parent.is_dir():
            raise InputFileError(f"{path}: output directory {parent} does not exist; create it first")
        _remove_stale_temps(parent, path.name)
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
        except OSError as exc:
            raise unwritable_error(path, exc) from None
        os.close(fd)
        self.tmp = Path(tmp)
        self._lock = hold_lock(self.tmp)

    def commit(self) -> None:
        try:
            mode = self.path.stat().st_mode & 0o777
        except FileNotFoundError:
            mode = 0o666 & ~_current_umask()
        os.chmod(self.tmp, mode)
        with open(self.tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(self.tmp, self.path)
        self._lock = release_lock(self._lock)

    def discard(self) -> None:
        try:
            self.tmp.unlink()
        except FileNotFoundError:
            pass
        self._lock = release_lock(self._lock)


class StagedFiles:
    """A set of files that replace their namesakes in ``folder`` together, or not at all.

    Each file is written into a hidden folder inside ``folder`` (``path(name)`` gives where);
    when the ``with`` block ends without an exception they are all moved into place, one rename
    each; otherwise they are removed and ``folder`` is as it was. Team queues are one such set:
    a run stopped half-way (Ctrl-C, a full disk) must not leave some queues from today and the
    rest from yesterday. A replaced file keeps its permissions.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp()); _ = (folder / "a.csv").write_text("old")
    >>> try:
    ...     with StagedFiles(folder) as stage:
    ...         _ = stage.path("a.csv").write_text("new"); raise KeyboardInterrupt
    ... except KeyboardInterrupt:
    ...     pass
    >>> (folder / "a.csv").read_text(), sorted(p.name for p in folder.iterdir())
    ('old', ['a.csv'])
    >>> with StagedFiles(folder) as stage:
    ...     _ = stage.path("a.csv").write_text("new"); _ = stage.path("b.csv").write_text("new")
    >>> (folder / "a.csv").read_text(), sorted(p.name for p in folder.iterdir())
    ('new', ['a.csv', 'b.csv'])
    >>> with StagedFiles(folder) as stage:
    ...     stage.retire(["a.csv", "b.csv"]); _ = stage.path("b.csv").write_text("newer")
    >>> sorted(p.name for p in folder.iterdir())
    ['b.csv']
    """

    PREFIX = ".staged-"

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)
        _remove_stale_temps(self.folder, "", prefix=self.PREFIX)
        try:
            self.stage = Path(tempfile.mkdtemp(prefix=self.PREFIX, dir=self.folder))
        except OSError as exc:
            raise unwritable_error(self.folder, exc) from None
        self._lock = hold_lock(self.stage)
        self._names: list[str] = []
        self._retired: list[str] = []

    def retire(self, names) -> None:
        """Files of ``folder`` (``name``s as :meth:`path` takes them) that an earlier run of the same
        set wrote and this one does not (a team renamed, another format): removed when the set
        commits, so the folder holds this run's files only; kept as they are if it does not."""
        self._retired += [n for n in names if n not in self._retired]

    def path(self, name: str) -> Path:
        """Where to write the file that becomes ``folder / name`` (``name`` may be in a subfolder)."""
        self._names.append(name)
        staged = self.stage / name
        staged.parent.mkdir(parents=True, exist_ok=True)
        return staged

    def shown(self, path: str | os.PathLike) -> Path:
        """Where a staged ``path`` goes (a path outside the stage: as it is), for messages and results."""
        try:
            return self.folder / Path(path).relative_to(self.stage)
        except ValueError:
            return Path(path)

    def __enter__(self) -> StagedFiles:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.commit()
            return
        self.discard()
        if isinstance(exc, InputFileError):  # a message names the file the user will have, not the stage
            exc.args = tuple(str(a).replace(f"{self.stage}{os.sep}", f"{self.folder}{os.sep}") for a in exc.args)

    def commit(self) -> None:
        """Move every staged file into place."""
        try:
            for name in self._names:
                target, staged = self.folder / name, self.stage / name
                target.parent.mkdir(parents=True, exist_ok=True)
                if target.is_dir():
                    raise InputFileError(f"{target}: is a directory; remove it or write somewhere else")
                try:
                    os.chmod(staged, target.stat().st_mode & 0o777)
                except FileNotFoundError:
                    pass
                os.replace(staged, target)
            for name in set(self._retired) - set(self._names):
                (self.folder / name).unlink(missing_ok=True)
        except OSError as exc:
            raise unwritable_error(self.folder / name, exc) from None
        finally:
            self.discard()

    def discard(self) -> None:
        """Remove what is still staged."""
        shutil.rmtree(self.stage, ignore_errors=True)
        self._lock = release_lock(self._lock)


class StagedTargets:
    """Files anywhere that replace their targets together, or not at all: a :class:`StagedFiles` per
    folder, committed when the ``with`` block ends without an exception. A target that is a symbolic
    link is staged in the folder of the file it points to and replaces that file, the link kept, as
    :class:`AtomicTarget` does. For outputs that belong together but are named by the user (a drivers
    table and the tables and charts beside it): written one by one, a full disk half-way left today's
    main table next to yesterday's trend.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp()); _ = (folder / "a.csv").write_text("old")
    >>> try:
    ...     with StagedTargets() as stage:
    ...         _ = stage.path(folder / "a.csv").write_text("new"); raise OSError("disk full")
    ... except OSError:
    ...     pass
    >>> (folder / "a.csv").read_text(), sorted(p.name for p in folder.iterdir())
    ('old', ['a.csv'])
    """

    def __init__(self):
        from contextlib import ExitStack

        self._stack = ExitStack()
        self._stages: dict[str, StagedFiles] = {}

    def _target(self, target: str | os.PathLike) -> Path:
        target = Path(target)
        return Path(os.path.realpath(target)) if target.is_symlink() else target

    def _stage(self, folder: Path) -> StagedFiles:
        key = os.path.abspath(folder)
        if key not in self._stages:
            self._stages[key] = self._stack.enter_context(StagedFiles(folder))
        return self._stages[key]

    def path(self, target: str | os.PathLike) -> Path:
        """Where to write the file that becomes ``target``."""
        real = self._target(target)
        return self._stage(real.parent if str(real.parent) else Path(".")).path(real.name)

    def retire(self, targets) -> None:
        """Existing ``targets`` this set does not write: removed when it commits (an earlier run's)."""
        for target in map(Path, targets):
            if target.is_file() and not target.is_symlink():
                self._stage(target.parent if str(target.parent) else Path(".")).retire([target.name])

    def __enter__(self) -> StagedTargets:
        self._stack.__enter__()
        return self

    def __exit__(self, exc_type, exc, tb):
        return self._stack.__exit__(exc_type, exc, tb)


@contextmanager
def made_folder(out: Path):
    """The output folder ``out``, made (with its missing parents) for the ``with`` block; a run that fails
    or is stopped there removes the folders it made, when still empty: a first run stopped by SIGTERM
    left an empty out/ that a scheduler's check for the folder took for a finished run."""
    out = Path(out)
    refuse_standard_output(out, "--out-dir")
    missing = [folder for folder in (out, *out.parents) if not folder.exists()]
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputFileError(f"Cannot create the output folder {out}: {exc.strerror}.") from None
    try:
        yield out
    except BaseException:
        for folder in missing:  # deepest first
            try:
                folder.rmdir()
            except OSError:  # not empty (another run wrote there meanwhile), or not ours to remove
                break
        raise


def hold_lock(path: Path) -> int | None:
    """An open descriptor of ``path`` (a file or a folder) holding an exclusive ``flock`` on it, which
    tells later runs that this temp belongs to a live writer; the lock ends with the process, however
    it ends. None where there are no such locks (Windows) or the file system refuses them.

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp()); fd = hold_lock(d)
    >>> _held_by_live_writer(d) == (fd is not None)
    True
    >>> release_lock(fd); _held_by_live_writer(d)
    False
    """
    return _flock(path, exclusive=True)[0]


def release_lock(fd: int | None) -> None:
    """Close a descriptor from :func:`hold_lock` (None: nothing to do). Returns None, for
    ``self._lock = release_lock(self._lock)``: closed twice, the number could be another file's by then."""
    if fd is not None:
        try:
            os.close(fd)
        except OSError:
            pass


@contextmanager
def waiting_lock(path: Path, timeout: float = 10.0):
    """Hold an exclusive ``flock`` on ``path`` (a file or a folder) for the ``with`` block, waiting up to
    ``timeout`` s for another process to release it: two processes that each read a file, change it
    and rename their copy over it lose each other's changes unless the read and the write are one step.
    Where locks cannot tell (Windows, a file system without them) the block runs unlocked."""
    deadline = time.monotonic() + timeout
    while True:
        fd, outcome = _flock(path, exclusive=True)
        if outcome is not False:
            break
        if time.monotonic() >= deadline:
            raise InputFileError(f"{path} is locked by another process for over {timeout:g} s; try again.")
        time.sleep(0.01)
    try:
        yield
    finally:
        release_lock(fd)


def _held_by_live_writer(path: Path) -> bool | None:
    """True when a process holds :func:`hold_lock`'s lock on ``path``, False when none does, None when
    locks cannot tell (no ``fcntl``, a file system without them)."""
    fd, outcome = _flock(path, exclusive=False)
    if fd is not None:
        os.close(fd)
    return None if outcome is None else not outcome


def _flock(path: Path, *, exclusive: bool) -> tuple[int | None, bool | None]:
    """``(descriptor, outcome)`` of a non-blocking ``flock`` on ``path``: ``(fd, True)`` locked (the
    caller owns ``fd``), ``(None, False)`` another process holds a conflicting lock, ``(None, None)``
    locks cannot tell (no ``fcntl``, a file system without them, ``path`` gone)."""
    try:
        import fcntl
    except ImportError:
        return None, None
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None, None
    try:
        fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
    except OSError as exc:
        os.close(fd)
        return None, (False if isinstance(exc, BlockingIOError) else None)
    return fd, True


def refuse_standard_output(path: str | os.PathLike, what: str = "--out", example: str | None = None) -> None:
    """An ``InputFileError`` for the output path ``-``: by Unix habit it means standard output, but
    the outputs are files written atomically, and ``- --format csv`` wrote a file named ``-`` while
    the pipe after the command read the summary lines as if they were the table. An existing pipe,
    device or socket (``/dev/stdout``, ``/dev/null``, a FIFO) is refused too.

    >>> refuse_standard_output("-")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    feedback_classifier.errors.InputFileError: -: writing to standard output is not supported; give --out a path ...
    >>> refuse_standard_output("./-")  # a file really named '-', spelt so on purpose
    """
    # a table's example misleads for a report or a taxonomy file: those commands name their own
    shown = example or ("out/" if what == "--out-dir" else "out.csv")
    if str(path) == "-":
        raise InputFileError(f"-: writing to standard output is not supported; give {what} a path "
                             f"(e.g. {shown}) and read the files after the command ends")
    kind = _special_file(path)
    if kind:
        place = "folder" if what == "--out-dir" else "file"
        # every writer gets here (a model, a report): a table's name only where the caller said so
        example = f" (e.g. {example})" if example else ""
        # the temp file renamed over it replaced the node itself: as root, `--out /dev/null` put a
        # regular file in place of the system's /dev/null; a FIFO's reader waited forever
        raise InputFileError(f"{path}: is {kind}, not a file; outputs are written to a temp file renamed over "
                             f"their path, which would replace it, so give {what} a {place} path{example} "
                             "and read the files after the command ends")


def _special_file(path: str | os.PathLike) -> str | None:
    """What ``path`` is if it exists as neither a regular file nor a folder (links followed: /dev/stdout)."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError, TypeError):  # missing (the usual new output), or a name the system refuses
        return None
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "a pipe (a FIFO, or standard output through /dev/stdout or >(...))"
    return "a socket" if stat.S_ISSOCK(mode) else "a device"


def file_path(value, what: str = "the input") -> Path:
    """``value`` (a str or path) as a ``Path``, ``~`` expanded; a DataFrame, None or anything else is a
    ``ParameterError`` (a ``TypeError`` too) saying what the jobs take: a notebook handing
    ``analyze`` its DataFrame got pathlib's "expected str, bytes or os.PathLike object".

    >>> file_path("survey.csv")
    PosixPath('survey.csv')
    >>> import pandas as pd; file_path(pd.DataFrame())  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    feedback_classifier.errors.ParameterError: the input is a DataFrame, not a file path: the jobs read and write files; ...
    """
    if isinstance(value, (str, os.PathLike)):
        # "~/exports/x.csv" in a notebook (no shell to expand it) was "file not found", and an output
        # went to a folder named "~" in the working directory
        return Path(value).expanduser()
    fix = ("for a DataFrame use model.enrich, insights.compute_drivers, insights.route and render.build_report, "
           "or write it with tableio.write_table first" if hasattr(value, "columns") else "pass a str or Path")
    raise ParameterError(f"{what} is a {type(value).__name__}, not a file path: the jobs read and write files; {fix}.")


def refuse_overwriting_input(outputs, source: str | os.PathLike, *, fix: str) -> None:
    """An ``InputFileError`` when one of ``outputs`` is the input file ``source``, by any path to it:
    the input would be replaced by a table made from it, and a rerun would read that instead.

    >>> import tempfile, os
    >>> src = Path(tempfile.mkdtemp()) / "survey.csv"; _ = src.write_text("id\\n1\\n")
    >>> refuse_overwriting_input([src.parent / "drivers.csv"], src, fix="choose another --out")
    >>> refuse_overwriting_input([src.parent / "." / "survey.csv"], src, fix="choose another --out")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    feedback_classifier.errors.InputFileError: ...survey.csv: the output would overwrite the input file; choose another --out
    """
    source = file_path(source)
    for out in outputs:
        try:
            same = os.path.samefile(out, source)
        except OSError:  # one of them does not exist: nothing to overwrite
            same = False
        if same:
            raise InputFileError(f"{out}: the output would overwrite the input file; {fix}")


def refuse_overwriting_inputs(outputs, sources, *, fix: str) -> None:
    """:func:`refuse_overwriting_input` for every one of ``sources`` that is a path (None or a table skipped)."""
    for source in sources:
        if isinstance(source, (str, os.PathLike)):
            refuse_overwriting_input(outputs, source, fix=fix)


def unwritable_error(path: Path, exc: OSError) -> InputFileError:
    """A one-line message for an output that the system refuses (permissions, read-only, full disk).

    On Windows a workbook or CSV open in Excel cannot be replaced ("Permission denied", or
    WinError 32 "being used by another process"): the usual cause for an analyst rerunning a job,
    and one neither "permissions" nor "disk space" points to.

    >>> print(unwritable_error(Path("queues.xlsx"), PermissionError(13, "Permission denied")))
    queues.xlsx: cannot write the output there (Permission denied); if it is open in Excel or another program, close it and run again; otherwise choose another output path, or fix the folder's permissions or free some disk space.
    """
    reason = exc.strerror or type(exc).__name__
    in_use = isinstance(exc, PermissionError) or getattr(exc, "winerror", None) in (32, 33)
    hint = "if it is open in Excel or another program, close it and run again; otherwise " if in_use else ""
    return InputFileError(
        f"{path}: cannot write the output there ({reason}); {hint}choose another output path, "
        "or fix the folder's permissions or free some disk space."
    )


def _remove_stale_temps(folder: Path, name: str, *, prefix: str = ".") -> None:
    """Remove temp files (and staging folders, :class:`StagedFiles`) of earlier writes of ``name`` that
    were killed before they could clean up.

    >>> import tempfile, os
    >>> d = Path(tempfile.mkdtemp()); old = d / ".out.csv.abc123.tmp"; _ = old.write_text("half")
    >>> os.utime(old, (0, 0)); _remove_stale_temps(d, "out.csv"); old.exists()
    False
    """
    now = time.time()
    try:
        leftovers = list(folder.glob(f"{prefix}{name}.*.tmp" if name else f"{prefix}*"))
    except OSError:
        return
    for leftover in leftovers:
        try:
            live = _held_by_live_writer(leftover)
            if live:
                continue
            if live is False and _written(leftover):
                # every writer locks its temp before the first byte: one with content that nobody holds is
                # a killed run's, however recent (a retry a few seconds after a kill -9 kept it a day)
                _remove(leftover)
                continue
            # nobody holds it: a killed run's, once past the moment between a temp's creation and its lock
            cutoff = now - (UNLOCKED_TEMP_SECONDS if live is False else STALE_TEMP_SECONDS)
            if leftover.is_dir():
                newest = max([leftover.stat().st_mtime, *(f.stat().st_mtime for f in leftover.iterdir())])
                if newest < cutoff:
                    shutil.rmtree(leftover, ignore_errors=True)
            elif leftover.stat().st_mtime < cutoff:
                leftover.unlink()
        except OSError:  # gone already, or not ours to remove: the new write does not depend on it
            pass


def _written(path: Path) -> bool:
    """Whether a temp file has content, or a temp folder has a file in it."""
    if path.is_dir():
        return any(path.iterdir())
    return path.stat().st_size > 0


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink()


def remove_stale_leftovers(folder: Path, prefix: str) -> None:
    """Remove the files and folders named ``prefix...`` in ``folder`` that nothing has written to for
    :data:`STALE_TEMP_SECONDS`: the scratch space of runs killed before they could remove it."""
    _remove_stale_temps(folder, "", prefix=prefix)


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
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise unwritable_error(path, exc) from None
    target = AtomicTarget(path)
    try:
        with open(target.tmp, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        target.commit()
    except OSError as exc:
        target.discard()
        raise unwritable_error(path, exc) from None
    except BaseException:
        target.discard()
        raise
    return path
