"""QA of a taxonomy written by hand from scratch: YAML mistakes and keyword matching."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from feedback_classifier.cli import app


@pytest.mark.parametrize(
    "content, expected",
    [
        # categories written as one mapping instead of a list of them (the '- ' forgotten)
        ("name: x\ncategories:\n  id: a\n  names: {en: A}\n",
         "categories must be a list, got a mapping (fields): start each category with '- '"),
        ("name: x\ncategories:\n  - id: a\n    names: {en: A}\n    children:\n      id: b\n      names: {en: B}\n",
         "children must be a list, got a mapping (fields): start each child with '- '"),
        ("name: {en: x}\ncategories:\n  - {id: a, names: {en: A}}\n", "must be non-empty text, got a mapping"),
    ],
)
def test_yaml_shape_mistakes_name_the_yaml_kind_not_the_loaders_class(tmp_path, content, expected):
    path = tmp_path / "mine.yaml"
    path.write_text(content, encoding="utf-8")
    result = CliRunner().invoke(app, ["taxonomy", "validate", str(path)])
    assert result.exit_code == 1, result.output
    assert expected in result.output
    assert "_LinedDict" not in result.output and "Traceback" not in result.output
