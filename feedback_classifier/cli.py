"""The ``feedback-classifier`` command line.

Each command parses its options, calls one library function and renders the
result. Only ``FeedbackClassifierError`` (a user mistake) is turned into a
one-line message with exit code 1; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import click
import typer
from rich.console import Console
from typer.core import TyperGroup

from feedback_classifier import __version__
from feedback_classifier.errors import FeedbackClassifierError

class _UserErrorsAsMessages(TyperGroup):
    """Turns a FeedbackClassifierError raised by any (sub)command into click's one-line
    ``Error: ...`` with exit code 1, so CliRunner tests and real shells see the same thing."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except FeedbackClassifierError as exc:
            raise click.ClickException(str(exc)) from None


app = typer.Typer(
    cls=_UserErrorsAsMessages,
    name="feedback-classifier",
    help="Classify survey comments (English/Russian) into a taxonomy, find NPS drivers, route and report.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
taxonomy_app = typer.Typer(help="Validate, show and infer taxonomies.", no_args_is_help=True)
app.add_typer(taxonomy_app, name="taxonomy")

console = Console()
err_console = Console(stderr=True)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"feedback-classifier {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Optional[bool] = typer.Option(
        None, "--version", callback=_version_callback, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Classify survey comments into a taxonomy, find what drives NPS, route and report.

    Example: feedback-classifier analyze survey.csv --text-col comment --score-col nps --out-dir out/
    """


# ---- commands are added below, one section per capability ----


def main() -> None:
    """Console-script entry point."""
    app()
