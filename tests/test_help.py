"""--help shows boolean flags as flags (no value placeholder) and arguments as NAME."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from feedback_classifier.cli import app


@pytest.mark.parametrize("command", ["classify", "analyze", "route", "report", "drivers"])
def test_flags_take_no_placeholder_and_arguments_read_upper_case(command):
    result = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "200", "TERM": "dumb"})
    assert result.exit_code == 0
    assert "<bool>" not in result.output
    assert "{data}" not in result.output and re.search(r"\[OPTIONS\] DATA", result.output)
    assert re.search(r"--text-col\s+<str>", result.output)  # options that take a value still say which


def _option_help(command: list[str], option: str) -> str:
    """The help text of ``option`` in ``command --help``, its wrapped lines joined."""
    import typer.main

    cmd = typer.main.get_command(app)
    for name in command:
        cmd = cmd.commands[name]
    return next(p.help for p in cmd.params if option in p.opts)


def test_option_help_names_only_what_the_command_writes():
    # route writes no report and no drivers table, the label app no report: their help said so
    for command, option in ((["route"], "--format"), (["route"], "--lang"), (["label"], "--lang")):
        text = _option_help(command, option)
        assert "report" not in text and "drivers" not in text, (command, option, text)
    assert "queues" in _option_help(["route"], "--lang") and "page" in _option_help(["label"], "--lang")


def test_no_sentiment_help_does_not_promise_a_speed_it_does_not_have():
    # sentiment is ~15% of the classifier's time (README benchmarks), not most of it
    assert "several times" not in _option_help(["classify"], "--sentiment")
