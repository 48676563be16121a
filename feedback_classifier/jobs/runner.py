"""The one parallel runner of the jobs: ordered results over a process pool, bounded memory.

``classify_file`` and ``analyze`` both stream a file chunk by chunk through the same model;
they share this runner so that parallel output is, by construction, in input order and
identical to a run in one process.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

Item = TypeVar("Item")


def check_workers(jobs: int, chunksize: int | None = None) -> None:
    """The one-line ``InputFileError`` of every job for ``jobs`` (and ``chunksize``) under 1,
    before any work (``jobs=0`` was ValueError in one job, accepted in another).

    >>> check_workers(0)
    Traceback (most recent call last):
    ...
    feedback_classifier.errors.InputFileError: --jobs must be at least 1, got 0.
    """
    from feedback_classifier.errors import InputFileError

    if chunksize is not None and chunksize < 1:
        raise InputFileError(f"--chunksize must be at least 1, got {chunksize}.")
    if jobs < 1:
        raise InputFileError(f"--jobs must be at least 1, got {jobs}.")
    cpus = os.cpu_count() or 1
    if jobs > cpus:  # --jobs 64 on 2 cores started 64 processes, each with its own copy of the model

        from feedback_classifier.errors import InputWarning, warn
        from feedback_classifier.lang.ui import count_noun

        cpu_count = count_noun(cpus, "CPU")
        warn(InputWarning(f"--jobs {jobs} is more than this machine's {cpu_count}: the extra processes "
                          f"share them and each holds its own model in memory; --jobs {cpus} is as fast."))


Result = TypeVar("Result")


def run_ordered(
    work: Callable[[Any, Any], Result],
    state: Any,
    items: Iterable[Item],
    *,
    jobs: int = 1,
    payload: Callable[[Item], Any] | None = None,
) -> Iterator[tuple[Item, Result]]:
    """Yield ``(item, work(state, payload(item)))`` for every item, in input order.

    With ``jobs > 1`` the calls run in that many worker processes. ``state`` (e.g. a model)
    crosses to each worker once, when it starts, not with every item; ``payload`` picks the
    part of an item the work needs (e.g. one column of a chunk), so only that is pickled.
    ``work`` must be a module-level function, so workers can import it.

    >>> import operator
    >>> list(run_ordered(operator.add, 10, [1, 2, 3]))
    [(1, 11), (2, 12), (3, 13)]
    >>> list(run_ordered(operator.add, 10, [1, 2, 3], jobs=2, payload=lambda i: 2 * i))
    [(1, 12), (2, 14), (3, 16)]
    """
    payload = payload or _identity
    if jobs == 1:
        for item in items:
            yield item, work(state, payload(item))
        return

    # Two items per worker in flight keeps every worker busy while the main process reads and
    # writes, and bounds memory: at most 2*jobs items (and their results) are held at once.
    max_in_flight = 2 * jobs
    pool = ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(state,))
    pending: deque = deque()
    finished = False
    try:
        for item in items:
            pending.append((item, pool.submit(_run, work, payload(item))))
            if len(pending) >= max_in_flight:
                done, future = pending.popleft()
                yield done, _result(future, jobs)
        while pending:
            done, future = pending.popleft()
            yield done, _result(future, jobs)
        finished = True
    finally:
        if not finished:
            _stop_workers(pool)
        pool.shutdown(wait=True, cancel_futures=True)


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """End the workers of a run that stopped early (SIGTERM, Ctrl-C, an error): no result of theirs
    will be read. ``shutdown`` alone cancels only items not yet started and waits for the running
    ones: a `train --jobs 2` fold takes minutes on 20,000 rows, so SIGTERM took that long to stop
    it, past the grace period after which Kubernetes or systemd kill the job outright. A worker has
    nothing to clean up (SIGTERM's default action, ``_die_with_parent``)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(5)
        if process.is_alive():
            process.kill()
            process.join()
    _unblock_result_reader(pool)


def _unblock_result_reader(pool: ProcessPoolExecutor) -> None:
    """Close the parent's end of the pipe the workers send results on, once they are all dead.

    A worker terminated half-way through sending a chunk's result left half a message in the
    pipe: the pool's manager thread waited for the rest forever, so ``shutdown`` (and the exit)
    hung with the workers as zombies (`classify --jobs 2` of 1,000,000 rows, SIGINT mid-run).
    With no writer left the read ends (EOF) and the pool winds down as a broken one.
    """
    writer = getattr(getattr(pool, "_result_queue", None), "_writer", None)
    if writer is not None:
        try:
            writer.close()
        except OSError:
            pass


def _result(future, jobs: int) -> Any:
    """``future.result()``; a worker killed under it (the OOM killer, a ``kill``) is a one-line
    ``WorkerError`` instead of ``BrokenProcessPool``'s traceback, saying what to change."""
    from concurrent.futures.process import BrokenProcessPool

    try:
        return future.result()
    except BrokenProcessPool:
        from feedback_classifier.errors import WorkerError

        raise WorkerError(
            f"a worker process of --jobs {jobs} ended abruptly (killed, most often for lack of memory); outputs "
            "not yet written were left as they were. Rerun with fewer --jobs or a smaller --chunksize") from None


def _identity(item: Any) -> Any:
    return item


_WORKER_STATE: dict[str, Any] = {}


def _init_worker(state: Any) -> None:
    _die_with_parent()
    _WORKER_STATE["state"] = state


def _die_with_parent() -> None:
    """Make this worker end when the process that started it does (Linux), and take SIGTERM's default.

    A worker waits on the pool's queue for its next chunk: when the parent was killed outright
    (SIGKILL, the OOM killer) nothing ever told it to stop, and it waited forever. The parent's
    SIGTERM handler (the CLI turns SIGTERM into a clean stop) is inherited by a forked worker;
    a worker has nothing to clean up, so SIGTERM ends it at once, as it did before.
    """
    import multiprocessing
    import os
    import signal

    parent = multiprocessing.parent_process()  # the pid it was started by, even if that has died since
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        import ctypes

        pr_set_pdeathsig = 1  # linux/prctl.h
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: the parent's shutdown is what stops workers there
        return
    if parent is not None and os.getppid() != parent.pid:  # the parent died before prctl took effect
        os._exit(1)


def _run(work: Callable[[Any, Any], Any], payload: Any) -> Any:
    return work(_WORKER_STATE["state"], payload)
