"""A Russian analyst's second sweep: cp1251 ';' exports with Russian column names, decimal commas and
Russian dates through the commands with ``--lang ru``.

Each test runs the command (CliRunner) on a tiny file written here and fails on the code before its fix.
"""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from feedback_classifier.cli import app

runner = CliRunner()


def _visible_text(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.DOTALL)
    page = re.sub(r'src="data:[^"]*"', "", page)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def _export(tmp_path: Path, cats: list[str], n: int = 40) -> Path:
    lines = ["Ид;Дата;Регион;Оценка NPS;Комментарий;categories"]
    for i in range(n):
        lines.append(f"{i};{1 + i % 28:02d}.11.2026;{['Москва', 'Казань'][i % 2]};{i % 11};Отзыв номер {i};"
                     f"{cats[i % len(cats)]}")
    path = tmp_path / "выгрузка.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1251"))
    return path


def test_russian_report_names_a_bare_parent_row_in_russian(tmp_path):
    """A parent tagged without any child has its own row in the subcategory tables; the Russian page
    showed it as 'Delivery and logistics'."""
    src = _export(tmp_path, ["Доставка и логистика", "Доставка и логистика > Курьер",
                             "Цена и выгода > Слишком дорого"])
    out = tmp_path / "отчёт.html"
    result = runner.invoke(app, ["report", str(src), "--text-col", "Комментарий", "--score-col", "Оценка NPS",
                                 "--by", "Регион", "--out", str(out), "--lang", "ru"])
    assert result.exit_code == 0, result.output
    text = _visible_text(out.read_text(encoding="utf-8"))
    assert "Delivery" not in text and "Price and value" not in text
    assert "Доставка и логистика" in text


def test_excel_lock_file_is_named_not_read_as_csv(tmp_path):
    """`~$отзывы.xlsx` (Excel's owner file while the workbook is open) was read as CSV text: a warning
    to rename it to .csv, then a missing-column error listing a column of NUL bytes."""
    lock = tmp_path / "~$отзывы.xlsx"
    lock.write_bytes(b"\x07Analyst" + b" " * 47 + b"\x00" * 110)
    result = runner.invoke(app, ["classify", str(lock), "--text-col", "Комментарий", "--out",
                                 str(tmp_path / "out.csv"), "--tone-teacher", "none"])
    assert result.exit_code == 1
    assert "lock file Excel keeps while 'отзывы.xlsx' is open" in result.output
    assert "\\x00" not in result.output and "Traceback" not in result.output


def test_russian_report_writes_periods_and_its_date_the_russian_way(tmp_path, monkeypatch):
    """The Russian page named months '2026-10', dated itself '1970-01-01 00:00' and its trend points'
    tooltips said '95% CI'."""
    import base64

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    lines = ["Ид;Дата;Оценка NPS;Комментарий;categories"]
    for i in range(60):
        lines.append(f"{i};{1 + i % 28:02d}.{10 + i % 3:02d}.2026;{i % 11};Отзыв {i};Цена и выгода > Слишком дорого")
    src = tmp_path / "выгрузка.csv"
    src.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1251"))
    out = tmp_path / "отчёт.html"
    result = runner.invoke(app, ["report", str(src), "--text-col", "Комментарий", "--score-col", "Оценка NPS",
                                 "--out", str(out), "--lang", "ru"])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    text = _visible_text(page)
    assert "Создан 01.01.1970 00:00" in text and "1970-01-01" not in text
    assert "10.2026" in text and "2026-10" not in text
    svgs = [base64.b64decode(uri).decode() for uri in re.findall(r'src="data:image/svg\+xml;base64,([^"]*)"', page)]
    trend = next(s for s in svgs if "<circle" in s and "n=" in s)
    assert "95% ДИ" in trend and "95% CI" not in trend and "12.2026" in trend and "2026-12" not in trend
