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
