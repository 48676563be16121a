"""The ``feedback-classifier`` command line: the app, its root options and its commands.

Each command parses its options, calls one job and renders the result. Only
``FeedbackClassifierError`` (a user mistake) is turned into a one-line message with exit
code 1, and a usage mistake (unknown option, missing argument, bad choice) into a one-line
message with exit code 2; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import errno
import sys
import warnings
from typing import Annotated, Optional

import typer
from typer.core import TyperGroup

from feedback_classifier import __version__
from feedback_classifier.cli import analyze, cache, classify, drivers, help_compat, label, report, route, taxonomy, train  # noqa: F401
from feedback_classifier.cli.options import old_spellings, repeated_option, terminal_safe
from feedback_classifier.errors import FeedbackClassifierError, InputWarning

# click's exceptions, wherever this typer takes click from (its own copy since typer 0.2x)
_click_errors = sys.modules[typer.BadParameter.__module__]


class _UserErrorsAsMessages(TyperGroup):
    """Turns a FeedbackClassifierError raised by any (sub)command into a one-line
    ``Error: ...`` on stderr with exit code 1, and the library's ``InputWarning``s into
    ``Warning: ...`` lines, so CliRunner tests and real shells see the same thing."""

    def invoke(self, ctx):
        with _InputWarnings() as said:
            try:
                result = super().invoke(ctx)
            except FeedbackClassifierError as exc:
                said.flush(but=getattr(exc, "topic", None))
                typer.echo(f"Error: {terminal_safe(str(exc))}", err=True)
                raise typer.Exit(1) from None
            except KeyboardInterrupt:
                # typer turns it into a silent exit 130: a cron log or an Airflow task then showed a
                # failed run with no word of why, where SIGTERM says it was stopped
                said.flush()
                typer.echo(INTERRUPTED, err=True)
                raise typer.Exit(128 + 2) from None
        return result

    def resolve_command(self, ctx, args):
        name, command, rest = super().resolve_command(ctx, args)
        said = repeated_option(command, rest) if command is not None else None
        if said is not None:
            raise _click_errors.UsageError(f"{said}. Try '{ctx.command_path} {name} --help'.")
        return name, command, rest

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        """Run the app; a usage mistake is one plain ``Error: ...`` line on stderr, exit code 2.

        typer draws usage errors as a boxed panel under the usage line (four to six lines, box
        characters that break in a Windows console or a log file): here they read like every
        other error of the tool, with where to find the help.
        """
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            # not standalone, click returns an Exit's code (typer.Exit(1), --help's 0) instead of exiting
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except _click_errors.ClickException as exc:
            if type(exc).__name__ != "NoArgsIsHelpError":  # that one has printed the help already
                typer.echo(usage_error_line(exc), err=True)
            sys.exit(exc.exit_code)
        except typer.Abort:
            typer.echo("Aborted!", err=True)
            sys.exit(1)
        except SystemExit as exc:
            if exc.code == 1 and _output_pipe_closed(exc):
                sys.exit(128 + 13)
            raise
        except OSError as exc:
            if exc.errno not in _DISK_FULL:
                raise
            _say_disk_full(exc)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


# a log on a full disk (`>> /var/log/fc.log`) made the summary's print a 40-line traceback, read as a bug
_DISK_FULL = (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))


def _say_disk_full(exc: OSError) -> None:
    """One ``Error:`` line for a full disk met writing the console output or a temp file, where stderr can take it."""
    try:
        typer.echo(f"Error: {exc.strerror or exc} while writing the console output or a temporary file; free some "
                   "disk space and run again (an output is replaced only once it is complete).", err=True)
    except OSError:
        pass


def _output_pipe_closed(exit_: SystemExit) -> bool:
    """Whether ``exit_`` is how click or rich ended the run on a closed stdout or stderr (``| head -1``
    done reading: EPIPE).

    Both silence the stream and exit with 1, the code of an input error, so a cron job with
    ``pipefail`` read a complete run as a bad input. Exit 141 instead (128 + SIGPIPE), what a shell
    reports for any Unix tool the pipe stopped; nothing can be printed on a closed pipe.
    """
    cause = exit_.__context__
    return isinstance(cause, OSError) and cause.errno == errno.EPIPE


class _InputWarnings:
    """Collects the library's ``InputWarning``s while a command runs and prints each once as a
    ``Warning: ...`` line on stderr when it ends (before its error line, if it fails): printed
    as they come they would tear the progress bar, and a streamed file can raise one per chunk."""

    def __enter__(self):
        self.lines: list[tuple[str, str | None]] = []
        self._context = warnings.catch_warnings()
        self._context.__enter__()
        warnings.simplefilter("always", InputWarning)  # every one reaches us; repeats are dropped below
        shown = warnings.showwarning

        def collect(message, category, filename, lineno, file=None, line=None):
            if issubclass(category, InputWarning):
                self.lines.append((str(message), getattr(message, "topic", None)))
            else:
                shown(message, category, filename, lineno, file, line)

        warnings.showwarning = collect
        return self

    def flush(self, *, but: str | None = None) -> None:
        """Print the warnings so far, each once, but those about ``but`` (the error says it)."""
        for line, topic in dict.fromkeys(self.lines):
            if topic is None or topic != but:
                typer.echo(f"Warning: {terminal_safe(line)}", err=True)
        self.lines = []

    def __exit__(self, *exc_info):
        self._context.__exit__(*exc_info)
        self.flush()
        return False


def usage_error_line(exc: Exception) -> str:
    """One line for a click/typer usage error: the message and where the help is.

    >>> ctx = typer.Context(typer.core.TyperCommand("classify"), info_name="feedback-classifier classify")
    >>> usage_error_line(_click_errors.NoSuchOption("--foo", ctx=ctx))
    "Error: No such option: --foo. Try 'feedback-classifier classify --help'."
    """
    message = " ".join(exc.format_message().split())
    ctx = getattr(exc, "ctx", None)
    if ctx is not None and ctx.command.get_help_option(ctx) is not None:
        end = "" if message.endswith((".", "?", "!")) else "."
        message += f"{end} Try '{ctx.command_path} {ctx.help_option_names[0]}'."
    return f"Error: {message}"


app = typer.Typer(
    cls=_UserErrorsAsMessages,
    name="feedback-classifier",
    help="Classify survey comments (English/Russian) into a taxonomy, find NPS drivers, route and report.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"feedback-classifier {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[Optional[bool], typer.Option(
        "--version", callback=_version_callback, is_eager=True, help="Print the version and exit.")] = None,
) -> None:
    """Classify survey comments into a taxonomy, find what drives NPS, route and report.

    Example: feedback-classifier analyze survey.csv --text-col comment --score-col nps --out-dir out/
    """
    from feedback_classifier.model.default import notify_on_build

    _check_source_date_epoch()
    _writable_matplotlib_config()
    notify_on_build(_building_default_model)


def _writable_matplotlib_config() -> None:
    """Point matplotlib at a folder it can write when its own (``~/.config/matplotlib``) cannot be:
    with a read-only or missing home, every run that drew a chart (analyze, report, drivers --charts)
    printed two lines of matplotlib's own about a temporary cache directory and MPLCONFIGDIR, and
    rebuilt its font cache. The package's cache folder keeps that font cache; failing that, a temp
    folder for the run, removed when it ends. An ``MPLCONFIGDIR`` already set is left alone.
    """
    import atexit
    import os
    import shutil
    import tempfile
    from pathlib import Path

    from feedback_classifier._paths import cache_dir

    if os.environ.get("MPLCONFIGDIR"):
        return
    try:
        if _writable_folder(Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "matplotlib"):
            return
    except RuntimeError:  # no home folder at all
        pass
    folder = cache_dir() / "matplotlib"
    if not _writable_folder(folder):
        folder = Path(tempfile.mkdtemp(prefix="feedback-classifier-matplotlib-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
    os.environ["MPLCONFIGDIR"] = str(folder)


def _writable_folder(folder) -> bool:
    import os

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(folder, os.W_OK | os.X_OK)


def _check_source_date_epoch() -> None:
    """A ``SOURCE_DATE_EPOCH`` that is not whole seconds is an error before any work: numpy (through
    scipy) failed on it with a traceback once the model loaded, and the report would have ignored it
    and stamped the time of the run, so a nightly checksum comparison always saw a change.

    >>> import os
    >>> os.environ["SOURCE_DATE_EPOCH"] = "yesterday"
    >>> _check_source_date_epoch()  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    feedback_classifier.errors.InputFileError: SOURCE_DATE_EPOCH='yesterday' is not a time in whole seconds ...
    >>> os.environ["SOURCE_DATE_EPOCH"] = "1764892800"; _check_source_date_epoch(); del os.environ["SOURCE_DATE_EPOCH"]
    """
    import os

    from feedback_classifier.errors import InputFileError

    value = os.environ.get("SOURCE_DATE_EPOCH")
    if value is not None and value.strip() and not value.strip().isdigit():
        raise InputFileError(f"SOURCE_DATE_EPOCH={value!r} is not a time in whole seconds since 1970-01-01 UTC; "
                             "set it to e.g. the output of `date +%s`, or unset it")


def _building_default_model() -> None:
    from feedback_classifier.cli.options import quiet_run

    if quiet_run():  # a nightly log under --quiet wants warnings and errors only
        return
    typer.echo("Building the bundled default model (first run only, about 20 s; later runs load it from the cache)...",
               err=True)


app.add_typer(taxonomy.app, name="taxonomy")
app.add_typer(cache.app, name="cache")
app.command("classify", cls=old_spellings(classify.OLD_SPELLINGS, classify.OLD_DISPLACED))(classify.classify_command)
app.command("analyze", cls=old_spellings(analyze.OLD_SPELLINGS, analyze.OLD_DISPLACED))(analyze.analyze_command)
app.command("route")(route.route_command)
app.command("report")(report.report_command)
app.command("drivers", cls=old_spellings(drivers.OLD_SPELLINGS))(drivers.drivers_command)
app.command("train")(train.train_command)
app.command("evaluate")(train.evaluate_command)
app.command("suggest")(label.suggest_command)
app.command("label")(label.label_command)
app.command("audit")(label.audit_command)


def main() -> None:
    """Console-script entry point."""
    _reuse_freed_memory()
    _stop_cleanly_on_sigterm()
    _printable_output()
    try:
        app()
    except Terminated:
        typer.echo("Stopped by SIGTERM; outputs not yet written were left as they were.", err=True)
        raise


INTERRUPTED = "Stopped by Ctrl-C (SIGINT); outputs not yet written were left as they were."


def _printable_output() -> None:
    """Let stdout and stderr print any text whatever the locale says they can.

    Under an ASCII locale with Python's UTF-8 mode off (``LC_ALL=C PYTHONUTF8=0``) or a legacy one
    (``LANG=en_US`` is ISO-8859-1 on older servers), the tables, the taxonomy tree and the summaries
    rich prints (Russian names, the '·' of 'Promoters · passives') ended the run with a
    UnicodeEncodeError traceback after the outputs were written. An ASCII stream becomes UTF-8, as
    click already writes its own lines there (so a log gets one encoding); another legacy one keeps
    its encoding and shows what it cannot hold as '?'.
    """
    import codecs

    for stream in (sys.stdout, sys.stderr):
        try:
            codec = codecs.lookup(stream.encoding).name
        except (AttributeError, LookupError, TypeError):
            continue
        if codec.startswith("utf") or not hasattr(stream, "reconfigure"):
            continue
        try:
            # the stream's own error handler stays: reconfigure's default, strict, made a file name or
            # column name given in Cyrillic under this locale (argv's bytes as surrogates) a fatal
            # "lost sys.stderr" in place of its error line
            stream.reconfigure(**({"encoding": "utf-8", "errors": stream.errors or "strict"} if codec == "ascii"
                                  else {"errors": "replace"}))
        except (OSError, ValueError):  # a stream that cannot change: its own encoding stands
            pass


class Terminated(SystemExit):
    """Raised in the main thread when the process gets SIGTERM; exit code 143 (128 + 15), as a shell reports it."""


def _stop_cleanly_on_sigterm() -> None:
    """Turn SIGTERM into an exception, so the clean-up that Ctrl-C already gets runs for it too.

    SIGTERM is how cron wrappers (``timeout``), Airflow, systemd and Kubernetes stop a job. Its
    default action ends the process on the spot: no ``finally`` runs, so the output's temp file,
    the staged queues and the spill folder stayed next to the outputs, and ``--jobs`` workers
    waited for work forever, orphaned. Raised here, the pool is shut down and every temp removed.
    """
    import signal

    def stop(signum, frame):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not cut the clean-up short
        raise Terminated(128 + signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)


def _reuse_freed_memory() -> None:
    """Keep freed memory of up to 32 MB blocks in the process for the next batch (glibc only).

    By default glibc hands blocks above a threshold (128 kB at first, raised as they are
    freed) straight back to the kernel, and each new one is fresh zeroed pages, a page fault per
    4 kB: a chunk's numpy temporaries cost ~0.2 CPU-s of system time this way. At most 256 MB of
    freed memory is kept (a larger peak is returned), about 10% more peak memory on big files.
    """
    import os

    try:
        if not os.confstr("CS_GNU_LIBC_VERSION"):
            return
    except (ValueError, OSError, AttributeError):  # not glibc (musl, macOS, Windows)
        return
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # pragma: no cover - a static or odd libc
        return
    m_trim_threshold, m_mmap_threshold = -1, -3  # glibc's malloc.h
    mallopt(m_mmap_threshold, 32 * 1024 * 1024)  # the largest it accepts on 64-bit systems
    mallopt(m_trim_threshold, 256 * 1024 * 1024)
