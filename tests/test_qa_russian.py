"""A Russian-speaking CX analyst's sweep: Russian exports (cp1251 ';' CSV, Cyrillic column names,
Russian dates) through every command with and without ``--lang ru``.

Each test runs the command (CliRunner) or the library call on a tiny file written here and fails on
the code before its fix.
"""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from feedback_classifier.cli import app

runner = CliRunner()

CATS = ["Доставка и логистика > Курьер", "Цена и выгода > Слишком дорого", "Сайт и приложение > Ошибки и сбои"]


def _enriched_export(tmp_path: Path, n: int = 21, dates: list[str] | None = None) -> Path:
    """An already classified Russian export: ';' separated, cp1251, Cyrillic column names."""
    dates = dates or [f"{1 + i % 28:02d}.{10 + i % 3:02d}.2026" for i in range(n)]
    lines = ["Ид;Дата;Регион;Оценка NPS;Комментарий;categories"]
    for i in range(n):
        lines.append(f"{i};{dates[i]};{['Москва', 'Казань'][i % 2]};{i % 11};Комментарий номер {i};{CATS[i % 3]}")
    path = tmp_path / "выгрузка.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1251"))
    return path


def _visible_text(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r'src="data:[^"]*"', "", page)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def _report(tmp_path: Path, src: Path, *extra: str) -> str:
    out = tmp_path / "отчёт.html"
    result = runner.invoke(app, ["report", str(src), "--text-col", "Комментарий", "--score-col", "Оценка NPS",
                                 "--out", str(out), "--lang", "ru", *extra])
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8")


def test_russian_report_counts_agree_with_their_nouns(tmp_path):
    """'21 корректных оценок', 'Всего 21 ответов' and 'из 21 комментариев' were written for every count."""
    text = _visible_text(_report(tmp_path, _enriched_export(tmp_path, 21)))
    assert "21 корректная оценка" in text
    assert "Всего 21 ответ с оценкой" in text
    assert "21 из 21 комментария получил" in text
    text = _visible_text(_report(tmp_path, _enriched_export(tmp_path, 3)))
    assert "3 корректные оценки" in text and "Всего 3 ответа с оценкой" in text


def test_russian_report_has_no_english_badge_and_names_columns_grammatically(tmp_path):
    """The drivers tables marked small categories 'low n' in English; headings read 'Сегменты по Регион'
    and 'Динамика по Дата' (a column name cannot follow 'по' undeclined)."""
    page = _report(tmp_path, _enriched_export(tmp_path, 21), "--by", "Регион")
    text = _visible_text(page)
    assert "low n" not in text
    assert "мало данных" in text and 'title="меньше 30 упоминаний с оценкой' in page
    assert "Сегменты: Регион" in text and "Сегменты по Регион" not in text
    assert "Динамика: Дата" in text and "Динамика по Дата" not in text


def test_russian_dates_written_out_are_the_trend(tmp_path):
    """'5 декабря 2026' / '05 дек. 2026 г.' were not dates: the column was not detected, and named with
    --period-col every row was 'not a date' and the trend was empty."""
    months = ["октября", "нояб.", "Декабря"]
    dates = [f"{1 + i % 28} {months[i % 3]} 2026{' г.' if i % 2 else ''}" for i in range(21)]
    src = _enriched_export(tmp_path, 21, dates)
    out = tmp_path / "драйверы.csv"
    result = runner.invoke(app, ["drivers", str(src), "--score-col", "Оценка NPS", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "using 'Дата' as the date column" in result.output
    assert "all 21 rows have a valid date" in result.output
    trend = (tmp_path / "драйверы_trend.csv").read_text(encoding="utf-8-sig")
    assert {"2026-10", "2026-11", "2026-12"} <= {line.split(";")[0] for line in trend.splitlines()[1:]}


def test_russian_evidence_spells_negation_in_russian(tmp_path):
    """--evidence quoted 'not привезти' for 'не привезли': the negation marker was always English."""
    src = tmp_path / "отзывы.csv"
    src.write_text("Комментарий\nЗаказ так и не привезли\nКурьер не позвонил и не приехал\n", encoding="utf-8")
    out = tmp_path / "с_категориями.csv"
    result = runner.invoke(app, ["classify", str(src), "--text-col", "Комментарий", "--evidence", "--out", str(out)])
    assert result.exit_code == 0, result.output
    evidence = out.read_text(encoding="utf-8-sig")
    assert "не привезти" in evidence and "не позвонить" in evidence
    assert "not " not in evidence
