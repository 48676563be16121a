"""Messy real-world text (chat logs, app-store reviews, e-mail surveys) through the tables and commands."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from feedback_classifier.cli import app
from feedback_classifier.errors import InputFileError
from feedback_classifier.tableio import read_table

runner = CliRunner()


def _jsonl(tmp_path, text: str):
    path = tmp_path / "chat.jsonl"
    path.write_text(text, encoding="utf-8")
    return path


# A JavaScript substring cut inside an emoji leaves "\ud83d" alone: json reads it as a lone surrogate,
# which pandas' Arrow strings could not hold (a UnicodeEncodeError traceback before)
CUT_EMOJI = '{"id": 1, "comment": "bad \\ud83d delivery"}\n{"id": 2, "comment": "ok \\ud83d\\ude00 fine"}\n'


def test_lone_surrogate_in_jsonl_is_a_one_line_error(tmp_path):
    with pytest.raises(InputFileError, match=r'line 1, key "comment": .*lone surrogate.*--encoding-errors replace'):
        read_table(_jsonl(tmp_path, CUT_EMOJI))


def test_lone_surrogate_in_jsonl_reads_as_replacement_character(tmp_path):
    df = read_table(_jsonl(tmp_path, CUT_EMOJI), encoding_errors="replace")
    assert df["comment"].tolist() == ["bad \ufffd delivery", "ok \U0001F600 fine"]


def test_lone_surrogate_in_json_array(tmp_path):
    path = tmp_path / "chat.json"
    path.write_text('[{"c": "x"}, {"c": "y", "\\udc00k": "\\ud800"}]', encoding="utf-8")
    with pytest.raises(InputFileError, match=r"object 2: .*lone surrogate"):
        read_table(path)
    assert read_table(path, encoding_errors="replace").columns.tolist() == ["c", "\ufffdk"]


def test_classify_lone_surrogate_cli(tmp_path):
    src = _jsonl(tmp_path, CUT_EMOJI)
    out = tmp_path / "out.csv"
    args = ["classify", str(src), "--text-col", "comment", "--out", str(out), "--quiet", "--no-sentiment"]
    result = runner.invoke(app, args)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "--encoding-errors replace" in result.output
    result = runner.invoke(app, [*args, "--encoding-errors", "replace"])
    assert result.exit_code == 0, result.output
    assert pd.read_csv(out, dtype=str)["id"].tolist() == ["1", "2"]
