"""QA of a taxonomy written by hand from scratch: YAML mistakes and keyword matching."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from feedback_classifier.cli import app
from feedback_classifier.tableio import read_table


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


_MINE = """\
name: my-cx
languages: [ru, en]
categories:
  - id: delivery
    names: {ru: Доставка, en: Delivery}
    keywords: {ru: [доставка, курьер], en: [delivery, courier, late]}
  - id: app
    names: {ru: Приложение, en: App}
    keywords: {ru: [приложение], en: [app]}
"""


def test_suggest_cold_start_ticks_keywords_as_whole_words_and_inflections(tmp_path):
    (tmp_path / "mine.yaml").write_text(_MINE, encoding="utf-8")
    texts = ["I am so happy with everything", "The plate was dirty", "Проблемы с доставкой", "The app keeps crashing"]
    pd.DataFrame({"comment": texts}).to_csv(tmp_path / "pool.csv", index=False)
    result = CliRunner().invoke(app, ["suggest", str(tmp_path / "pool.csv"), "--text-col", "comment", "--taxonomy",
                                      str(tmp_path / "mine.yaml"), "--n", "4", "--out", str(tmp_path / "b.csv")])
    assert result.exit_code == 0, result.output
    out = read_table(tmp_path / "b.csv").fillna("")
    got = dict(zip(out.comment, out.suggested_labels))
    # "happy" holds "app" and "plate" holds "late", «доставкой» is «доставка» inflected
    assert got == {"I am so happy with everything": "", "The plate was dirty": "",
                   "Проблемы с доставкой": "Delivery", "The app keeps crashing": "App"}
