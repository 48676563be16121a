"""Progress rendering for long runs: what the commands plug into a job's ``progress`` callback.

The jobs call ``progress(rows_done, rows_total)`` (``rows_total`` is an estimate and may be
``None``) and never print. Here that becomes a rich progress bar on a terminal, and periodic
plain log lines on stderr otherwise (batch jobs, CI logs, redirected output).
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import TextIO


@contextmanager
def progress_for(
    console, *, quiet: bool, description: str, label: str, rate_from_first_call: bool = False
) -> Iterator[Callable[[int, int | None], None] | None]:
    """The progress callback for a job: None when ``quiet``, a bar when ``console`` is a
    terminal, else log lines (``label`` 5,000 / ~10,000 rows ...) on stderr. ``rate_from_first_call``:
    the speed leaves out the rows the first call reports (done before the work began).

    >>> from rich.console import Console
    >>> with progress_for(Console(), quiet=True, description="classifying", label="classified") as progress:
    ...     progress is None
    True
    """
    if quiet:
        yield None
    elif console.is_terminal:
        with RichProgress(description=description, console=console, rate_from_first_call=rate_from_first_call) as bar:
            yield bar
    else:
        yield LogLineProgress(label=label, rate_from_first_call=rate_from_first_call)


class LogLineProgress:
    """Progress callback writing a plain line to a stream at most every ``interval`` seconds.

    For non-terminal stderr (batch jobs): no control characters, one line per update.

    >>> import io
    >>> buf = io.StringIO()
    >>> log = LogLineProgress(stream=buf, interval=0)
    >>> log(500, 1000)
    >>> "500 / ~1,000 rows" in buf.getvalue()
    True
    """

    def __init__(self, stream: TextIO | None = None, interval: float = 5.0, label: str = "classified",
                 rate_from_first_call: bool = False):
        self.stream = stream if stream is not None else sys.stderr
        self.interval = interval
        self.label = label
        self._start = time.perf_counter()
        # a stage's first call may count rows done before it began (e5's cached vectors): they are no speed
        self._base: int | None = None if rate_from_first_call else 0
        self._last = -math.inf
        self._last_rows = -1  # the final "done" call repeats the last chunk's count: print it once
        self._last_finished = False

    def __call__(self, rows_done: int, rows_total: int | None) -> None:
        now = time.perf_counter()
        if self._base is None:
            self._base, self._start = rows_done, now
        finished = rows_total is not None and rows_done >= rows_total
        # the last chunk's line may still show the size estimate ("5,560 / ~6,114"), which reads as
        # rows lost: the final call then prints the exact count once more
        repeat = rows_done == self._last_rows and not (finished and not self._last_finished)
        if repeat or (now - self._last < self.interval and not finished):
            return
        self._last, self._last_rows, self._last_finished = now, rows_done, finished
        rate = (rows_done - self._base) / max(now - self._start, 1e-9)
        total = "" if not rows_total else f" / {rows_total:,}" if finished else f" / ~{rows_total:,}"
        eta = ""
        if rows_total and rate > 0 and rows_total > rows_done:
            eta = f", ETA {_format_seconds((rows_total - rows_done) / rate)}"
        speed = f" ({rate:,.0f} rows/s{eta})" if rows_done > self._base else ""
        print(f"{self.label} {rows_done:,}{total} rows{speed}", file=self.stream, flush=True)

    def stage(self, description: str, label: str) -> Callable[[int, int | None], None]:
        """The callback of another stage of the same job, with lines of its own (``label``).

        >>> import io
        >>> buf = io.StringIO()
        >>> LogLineProgress(stream=buf, interval=0).stage("reading", "read")(3, 3)
        >>> buf.getvalue()
        'read 3 / 3 rows\\n'
        """
        child = LogLineProgress(stream=self.stream, interval=self.interval, label=label, rate_from_first_call=True)

        def update(rows_done: int, rows_total: int | None) -> None:
            child(rows_done, rows_total)
            if self._last_rows < 0:
                # this job's speed counts from the end of a stage run before its first rows: from the
                # start, analyze's first line put e5's minute into the rate (an ETA of 22 min for 2)
                self._start = time.perf_counter()

        return update


class RichProgress:
    """Context manager giving a progress callback that drives a rich progress bar.

    Shows rows done / estimated total, rows/s and ETA. The estimate is raised when the
    file turns out longer than guessed, so the bar never overflows.
    """

    def __init__(self, description: str = "classifying", console=None, rate_from_first_call: bool = False):
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._progress = Progress(
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]} rows/s"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self._main_since: list = []
        self._update = self._bar(description, rate_from_first_call, self._main_since)

    def __enter__(self) -> RichProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc) -> None:
        self._progress.stop()

    def __call__(self, rows_done: int, rows_total: int | None) -> None:
        self._update(rows_done, rows_total)

    def stage(self, description: str, label: str) -> Callable[[int, int | None], None]:
        """The callback of another stage of the same job: a bar of its own under this one, its speed
        counted from its first call (rows done before it began, as e5's cached vectors, are none)."""
        child = self._bar(description, rate_from_first_call=True)

        def update(rows_done: int, rows_total: int | None) -> None:
            child(rows_done, rows_total)
            if len(self._main_since) == 2:  # not called yet: the main bar's speed starts after this stage
                self._main_since[0] = time.perf_counter()

        return update

    def _bar(self, description: str, rate_from_first_call: bool, since: list | None = None
             ) -> Callable[[int, int | None], None]:
        task, first = self._progress.add_task(description, total=None, rate="-"), []
        since = since if since is not None else []
        since[:] = [time.perf_counter(), 0]

        def update(rows_done: int, rows_total: int | None) -> None:
            if rate_from_first_call and not first:
                first.append(True)
                since[:] = [time.perf_counter(), rows_done]
            if len(since) == 2:
                since.append("called")
            total = None if rows_total is None else max(rows_total, rows_done)
            new = rows_done - since[1]
            rate = f"{new / max(time.perf_counter() - since[0], 1e-9):,.0f}" if new > 0 else "-"
            self._progress.update(task, completed=rows_done, total=total, rate=rate)

        return update


def _format_seconds(seconds: float) -> str:
    seconds = int(round(seconds))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def lazy_stage(progress, description: str, label: str) -> Callable[[int, int | None], None] | None:
    """``progress.stage(description, label)``, made at its first call: a stage the job may skip (e5's
    reading under ``--tone-teacher auto``) shows no empty bar or line. None without ``progress``.

    >>> import io
    >>> buf = io.StringIO()
    >>> update = lazy_stage(LogLineProgress(stream=buf, interval=0), "reading", "read")
    >>> buf.getvalue()
    ''
    >>> update(3, 3); buf.getvalue().startswith("read 3 / 3 rows")
    True
    """
    return None if progress is None else _made_at_first_call(lambda: progress.stage(description, label))


@contextmanager
def lazy_progress(console, *, description: str, label: str) -> Iterator[Callable[[int, int | None], None]]:
    """``progress_for``'s callback for a stage a job may skip (e5's reading under ``--tone-teacher auto``,
    for a command without a progress display of its own): the bar or the lines start at its first call,
    so a skipped stage shows nothing.

    >>> from rich.console import Console
    >>> with lazy_progress(Console(file=open("/dev/null", "w")), description="reading", label="read") as update:
    ...     callable(update)
    True
    """
    with ExitStack() as stack:
        yield _made_at_first_call(lambda: stack.enter_context(
            progress_for(console, quiet=False, description=description, label=label, rate_from_first_call=True)))


def _made_at_first_call(make: Callable[[], Callable[[int, int | None], None]]) -> Callable[[int, int | None], None]:
    """A progress callback that makes the real one (``make()``) when it is first called, then passes every call on."""
    made: list = []

    def update(rows_done: int, rows_total: int | None) -> None:
        if not made:
            made.append(make())
        made[0](rows_done, rows_total)

    return update
