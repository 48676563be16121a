"""The ``feedback-classifier`` command line: the app, its root options and its commands.

Each command parses its options, calls one job and renders the result. Only
``FeedbackClassifierError`` (a user mistake) is turned into a one-line message with exit
code 1; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer
from typer.core import TyperGroup

from feedback_classifier import __version__
from feedback_classifier.cli import analyze, classify, drivers, help_compat, label, report, route, taxonomy, train  # noqa: F401
from feedback_classifier.cli.options import old_spellings
from feedback_classifier.errors import FeedbackClassifierError


class _UserErrorsAsMessages(TyperGroup):
    """Turns a FeedbackClassifierError raised by any (sub)command into a one-line
    ``Error: ...`` on stderr with exit code 1, so CliRunner tests and real shells see the same thing."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except FeedbackClassifierError as exc:
            typer.echo(f"Error: {exc}", err=True)
            raise typer.Exit(1) from None


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

    notify_on_build(_building_default_model)


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
    app()


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
