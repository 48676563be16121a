"""Every command and option is documented, and every command's --help works (as sqlite-utils' test_docs).

A command must be named in README.md; an option must appear in README.md or in its
command's --help text (hidden options, such as none today, would have to be in README.md).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from feedback_classifier.cli import app

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _commands(group, prefix: tuple[str, ...] = ()):
    """(path, command) of every leaf of the (vendored) click command tree."""
    for name, command in sorted(group.commands.items()):
        if hasattr(command, "commands"):
            yield from _commands(command, prefix + (name,))
        else:
            yield prefix + (name,), command


COMMANDS = list(_commands(typer.main.get_command(app)))
IDS = [" ".join(path) for path, _ in COMMANDS]


def _help(path: tuple[str, ...]) -> str:
    result = CliRunner().invoke(app, [*path, "--help"], terminal_width=200, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return _ANSI.sub("", result.output)


def test_the_walk_finds_every_command():
    assert {"classify", "analyze", "route", "report", "drivers", "train", "evaluate", "taxonomy show"} <= set(IDS)


@pytest.mark.parametrize("path", [path for path, _ in COMMANDS], ids=IDS)
def test_every_command_is_in_the_readme(path):
    assert f"feedback-classifier {' '.join(path)}" in README


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=IDS)
def test_every_option_is_documented_and_help_runs(path, command):
    text = _help(path)
    options = [opt for param in command.params if param.param_type_name == "option"
               for opt in param.opts + param.secondary_opts if opt.startswith("--")]
    missing = [opt for opt in options if not re.search(rf"{re.escape(opt)}\b(?!-)", README + "\n" + text)]
    assert not missing, f"{' '.join(path)}: undocumented options {missing}"


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=IDS)
def test_every_visible_option_is_named_in_the_readme(path, command):
    # --help says what an option does but not how it fits the job; a reader of the README alone
    # (drivers --boot, taxonomy infer --force) had no way to learn the option exists.
    # A switch pair counts once: the README names the form that changes the default.
    missing = [param.opts for param in command.params
               if param.param_type_name == "option" and not param.hidden
               and not any(re.search(rf"{re.escape(opt)}\b(?!-)", README)
                           for opt in param.opts + param.secondary_opts if opt.startswith("--"))]
    assert not missing, f"{' '.join(path)}: options --help lists but the README never names: {missing}"


def test_the_readme_library_example_runs(monkeypatch):
    """The README's Python example, run as written from the repository root."""
    block = README.split("## Library", 1)[1].split("```python", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(Path(__file__).resolve().parents[1])
    namespace: dict = {}
    exec(compile(block, "README.md", "exec"), namespace)
    assert len(namespace["enriched"]) == len(namespace["df"])
    assert "impact" in namespace["result"].table.columns


def test_the_readme_read_options_example_runs_alone_and_keeps_every_row(tmp_path, monkeypatch):
    """The README's second Python block, in a fresh namespace as a reader pastes it: it used
    ``default_model`` without importing it, read a file nobody had, and its ``skip_rows=1`` (rows
    under the column names) would have dropped the first response of the export it described."""
    block = README.split("## Library", 1)[1].split("```python", 2)[2].split("```", 1)[0]
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(block, "README.md", "exec"), namespace)
    assert namespace["summary"].rows == len(namespace["survey"]) == 2400


def test_the_readme_first_commands_are_the_ones_ci_runs():
    """The two commands a newcomer copies: install + analyze, install + the test suite CI runs."""
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text()
    assert 'pip install -e . && feedback-classifier analyze feedback_classifier/data/example_survey.csv' in README
    assert 'pip install -e ".[dev]" && python -m pytest -q' in README
    assert "python -m pytest -q" in ci and '-e ".[dev]"' in ci


def test_the_readme_counts_the_example_survey_as_it_is():
    """It said 2,400 comments; 144 of the 2,400 responses have none (analyze says 2,256 with a comment)."""
    from feedback_classifier.model import EXAMPLE_SURVEY_FILE
    from feedback_classifier.tableio import read_table

    survey = read_table(EXAMPLE_SURVEY_FILE)
    comments = survey["comment"].fillna("").astype(str).str.strip().ne("").sum()
    intro = README.split("```", 1)[0]
    assert f"{len(survey):,} responses" in intro and f"{comments:,} of them with" in intro


@pytest.mark.parametrize("name", ["analyze", "classify_file", "drivers_file", "report_file"])
def test_help_on_a_job_names_every_parameter(name):
    """help() on these jobs left parameters unexplained (freq, score_type, n_boot, probabilities...):
    each must be named in the function's docstring or its module's, which help(module) shows."""
    import inspect

    import feedback_classifier.jobs as jobs

    function = getattr(jobs, name)
    text = (inspect.getdoc(function) or "") + (inspect.getmodule(function).__doc__ or "")
    unnamed = [p for p in inspect.signature(function).parameters if not re.search(rf"\b{p}\b", text)]
    assert not unnamed


# Results returned by one job each: their job's example shows them in use.
_RESULTS = re.compile(r"(Result|Summary)$|^InferredTaxonomy$")


def test_every_public_function_and_class_has_a_runnable_example():
    """The brief's rule: public functions have docstrings with examples, and the doctests run
    (``--doctest-modules``). Public means named in a subpackage's ``__all__``."""
    import importlib
    import inspect

    missing = []
    for package in ("insights", "jobs", "lang", "model", "render", "tableio", "taxonomy"):
        module = importlib.import_module(f"feedback_classifier.{package}")
        for name in module.__all__:
            obj = getattr(module, name)
            if (inspect.isfunction(obj) or inspect.isclass(obj)) and not _RESULTS.search(name):
                if ">>>" not in (inspect.getdoc(obj) or ""):
                    missing.append(f"{package}.{name}")
    assert not missing
