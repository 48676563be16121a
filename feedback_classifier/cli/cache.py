"""``feedback-classifier cache info|clear``: how much the cache folder holds, and pruning it."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from feedback_classifier.cli import options as opt

app = typer.Typer(help="Show the cache folder's size, or prune it.", no_args_is_help=True)


def _size(n: int) -> str:
    """>>> _size(9416724), _size(512)
    ('9.0 MB', '512 B')"""
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("kB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"


@app.command("info")
def info_command(quiet: opt.Quiet = False) -> None:
    """Print where the cache is, its size and what holds it (default model, tables, e5 vectors).

    Example: feedback-classifier cache info
    """
    import time

    from feedback_classifier.jobs.cache import cache_usage
    from feedback_classifier.lang.ui import count_noun

    usage = cache_usage()
    typer.echo(f"Cache folder: {usage.folder}")
    typer.echo(f"{_size(usage.bytes)} in {count_noun(usage.files, 'file')}")
    for kind in usage.kinds:
        used = time.strftime("%Y-%m-%d", time.localtime(kind.last_used))
        typer.echo(f"  {kind.kind:<14} {_size(kind.bytes):>9}  {count_noun(kind.files, 'file'):>9}  last used {used}")
    if usage.files and not quiet:
        typer.echo("Prune it with: feedback-classifier cache clear --older-than DAYS (or all of it: cache clear)")


@app.command("clear")
def clear_command(
    older_than: Annotated[Optional[float], typer.Option(
        "--older-than", min=0, help="Remove only the files not read or written for this many days (default: all).")
    ] = None,
    quiet: opt.Quiet = False,
) -> None:
    """Remove cached files: safe while other runs go on (what they need is rebuilt; a file being written is kept).

    Example: feedback-classifier cache clear --older-than 30
    """
    from feedback_classifier.jobs.cache import clear_cache
    from feedback_classifier.lang.ui import count_noun

    done = clear_cache(older_than)
    line = f"Removed {count_noun(done.removed, 'file')} ({_size(done.freed)}) from {done.folder}"
    if done.kept:
        line += f"; kept {count_noun(done.kept, 'file')} used in the last {older_than:g} days"
    if done.busy:
        line += f"; left {count_noun(done.busy, 'file')} another run is writing or holds open"
    typer.echo(line + ".")
