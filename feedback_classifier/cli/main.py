"""The ``feedback-classifier`` command line: the app, its root options and its commands.

Each command parses its options, calls one job and renders the result. Only
``FeedbackClassifierError`` (a user mistake) is turned into a one-line message with exit
code 1, and a usage mistake (unknown option, missing argument, bad choice) into a one-line
message with exit code 2; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import sys
import warnings
from typing import Annotated, Optional

import typer
from typer.core import TyperGroup

from feedback_classifier import __version__
from feedback_classifier.cli import analyze, classify, drivers, help_compat, label, report, route, taxonomy, train  # noqa: F401
from feedback_classifier.cli.options import old_spellings
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
                typer.echo(f"Error: {exc}", err=True)
                raise typer.Exit(1) from None
            except KeyboardInterrupt:
                # typer turns it into exit code 130 without a word: a log then showed the run end mid-way
                # with no reason, where SIGTERM's stop is said
                typer.echo("Stopped by Ctrl-C; outputs not yet written were left as they were.", err=True)
                raise
        return result

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
        sys.exit(code if isinstance(code, int) else 0)


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
                typer.echo(f"Warning: {line}", err=True)
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
    notify_on_build(_building_default_model)


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
    typer.echo("Building the bundled default model (first run only, about 20 s; later runs load it from the cache)...",
               err=True)


app.add_typer(taxonomy.app, name="taxonomy")
app.command("classify", cls=old_spellings(classify.OLD_SPELLINGS))(classify.classify_command)
app.command("analyze", cls=old_spellings(analyze.OLD_SPELLINGS))(analyze.analyze_command)
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
    try:
        app()
    except Terminated:
        typer.echo("Stopped by SIGTERM; outputs not yet written were left as they were.", err=True)
        raise


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
