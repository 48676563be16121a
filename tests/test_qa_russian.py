"""A Russian-speaking CX analyst's sweep: Russian exports (cp1251 ';' CSV, Cyrillic column names,
Russian dates) through every command with and without ``--lang ru``.

Each test runs the command (CliRunner) or the library call on a tiny file written here and fails on
the code before its fix.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
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
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.DOTALL)
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
    assert "мало данных" in text and 'title="меньше 30 ответов с оценкой с этой категорией или без неё' in page
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
    assert "не привезли" in evidence and "не позвонил" in evidence  # as written, not lemmas (не привезти)
    assert "not " not in evidence


POOL = ["Курьер опоздал на три часа", "Цены кусаются, всё дорого", "Приложение вылетает при оплате",
        "Оператор поддержки грубил", "Доставка пришла раньше срока", "Списали деньги дважды"]


def _pool(tmp_path: Path) -> Path:
    path = tmp_path / "пул.csv"
    path.write_bytes(("Комментарий\r\n" + "\r\n".join(POOL) + "\r\n").encode("cp1251"))
    return path


def test_label_page_writes_the_labels_in_the_language_it_shows(tmp_path):
    """The label page showed Russian category names and wrote the ticked ones to labels.csv in English."""
    from feedback_classifier.jobs.label_app import LabelSession

    session = LabelSession(_pool(tmp_path), tmp_path / "метки.csv", text_col="Комментарий")
    assert session.lang == "ru"
    state = session.state()
    courier = next(i for i, c in enumerate(state["categories"]) if c["name"] == "Курьер")
    session.decide(state["item"]["row"], [courier])
    written = (tmp_path / "метки.csv").read_text(encoding="utf-8-sig")
    assert "Доставка и логистика > Курьер" in written and "Delivery" not in written
    assert LabelSession(_pool(tmp_path), tmp_path / "метки2.csv", text_col="Комментарий", lang="en").lang == "en"


def test_suggest_and_audit_name_categories_in_the_comments_language(tmp_path):
    """suggest's and audit's suggested_labels were English names for a Russian pool (no --lang either)."""
    batch = tmp_path / "пачка.csv"
    result = runner.invoke(app, ["suggest", str(_pool(tmp_path)), "--text-col", "Комментарий", "--n", "3",
                                 "--out", str(batch)])
    assert result.exit_code == 0, result.output
    suggested = pd.read_csv(batch, encoding="utf-8-sig")["suggested_labels"].dropna().tolist()
    assert suggested and all(re.fullmatch(r"[А-Яа-яЁё ;>/,-]+", cell) for cell in suggested), suggested
    labelled = tmp_path / "размечено.csv"
    rows = [("Курьер опоздал", "Доставка и логистика > Курьер"), ("Цены высокие", "Цена и выгода")] * 6
    labelled.write_text("Комментарий;Метки\n" + "\n".join(f"{t};{lab}" for t, lab in rows) + "\n", encoding="utf-8")
    suspects = tmp_path / "подозрительные.csv"
    result = runner.invoke(app, ["audit", str(labelled), "--text-col", "Комментарий", "--labels-col", "Метки",
                                 "--folds", "2", "--out", str(suspects), "--taxonomy", "cx-default"])
    assert result.exit_code == 0, result.output
    text = suspects.read_text(encoding="utf-8-sig")
    assert "Цена и выгода" in text.split("\n", 1)[1] and "Price" not in text
    result = runner.invoke(app, ["audit", str(labelled), "--text-col", "Комментарий", "--labels-col", "Метки",
                                 "--folds", "2", "--out", str(suspects), "--taxonomy", "cx-default", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "Price and value" in suspects.read_text(encoding="utf-8-sig")


def test_drivers_speaks_the_comments_language(tmp_path):
    """drivers --text-col named the categories of Russian comments in English (every other command
    picks Russian), its charts were English beside Russian category names, and it had no --lang."""
    from feedback_classifier.render import charts

    src = tmp_path / "выгрузка.csv"
    rows = [f"{i};{i % 11};{POOL[i % len(POOL)]}" for i in range(24)]
    src.write_bytes(("Ид;Оценка NPS;Комментарий\r\n" + "\r\n".join(rows) + "\r\n").encode("cp1251"))
    out = tmp_path / "драйверы.csv"
    result = runner.invoke(app, ["drivers", str(src), "--text-col", "Комментарий", "--score-col", "Оценка NPS",
                                 "--out", str(out), "--boot", "0"])
    assert result.exit_code == 0, result.output
    assert "Category names in ru" in result.output
    table = pd.read_csv(out, sep=";", encoding="utf-8-sig")
    assert "Доставка и логистика" in set(table["category"]) and "Delivery and logistics" not in set(table["category"])
    result = runner.invoke(app, ["drivers", str(src), "--text-col", "Комментарий", "--score-col", "Оценка NPS",
                                 "--out", str(out), "--boot", "0", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "Delivery and logistics" in set(pd.read_csv(out, sep=";", encoding="utf-8-sig")["category"])

    seen = []
    real = charts.chart_images

    def spy(result, **kw):
        seen.append(kw.get("lang"))
        return real(result, **kw)

    charts.chart_images = spy
    try:
        result = runner.invoke(app, ["drivers", str(_enriched_export(tmp_path, 21)), "--score-col", "Оценка NPS",
                                     "--charts", str(tmp_path / "графики"), "--boot", "0"])
    finally:
        charts.chart_images = real
    assert result.exit_code == 0, result.output
    assert seen == ["ru"]


def test_label_page_keeps_a_semicolon_labels_file_semicolon(tmp_path):
    """The first decision rewrote a ';' labels file made in Russian Excel (and started a new one for a ';'
    pool) with ',' separators: Excel in a Russian locale then opened it as one column."""
    from feedback_classifier.jobs.label_app import LabelSession
    from feedback_classifier.jobs.labelbook import read_label_book

    labels = tmp_path / "метки.csv"
    labels.write_bytes(f"Комментарий;labels\r\n{POOL[0]};Доставка и логистика > Курьер\r\n".encode("cp1251"))
    for path in (labels, tmp_path / "новые.csv"):
        session = LabelSession(_semicolon_pool(tmp_path), path, text_col="Комментарий")
        state = session.state()
        session.decide(state["item"]["row"], state["item"]["ticked"])
        header = path.read_text(encoding="utf-8-sig").splitlines()[0]
        assert header.startswith("Комментарий;labels;status"), header
        assert len(read_label_book(path, None, text_col="Комментарий")[0].frame) == (2 if path == labels else 1)


def _semicolon_pool(tmp_path: Path) -> Path:
    path = tmp_path / "пул2.csv"
    path.write_bytes(("Ид;Комментарий\r\n" + "\r\n".join(f"{i};{t}" for i, t in enumerate(POOL)) + "\r\n")
                     .encode("cp1251"))
    return path


TAXONOMY = """
name: две-темы
version: 1
languages: [en, ru]
categories:
  - id: delivery
    names: {en: Delivery, ru: Доставка}
    owner: Logistics
    keywords: {en: [delivery, courier], ru: [доставка, курьер, опоздать]}
    children:
      - id: courier
        names: {en: Courier, ru: Курьер}
        keywords: {en: [courier], ru: [курьер]}
  - id: price
    names: {en: Price and value, ru: Цена и выгода}
    owner: Pricing
    keywords: {en: [price, expensive], ru: [цена, дорого, дорогой]}
"""


def test_train_without_labels_and_evaluate_name_categories_in_the_comments_language(tmp_path):
    """train --no-labels listed what each category caught, and evaluate its per-category table and
    confusions, in English for Russian comments (evaluate had no --lang)."""
    taxonomy = tmp_path / "таксономия.yaml"
    taxonomy.write_text(TAXONOMY, encoding="utf-8")
    comments = tmp_path / "комментарии.csv"
    comments.write_bytes(("Комментарий\r\n" + "\r\n".join(POOL * 4) + "\r\n").encode("cp1251"))
    model = tmp_path / "модель.joblib"
    result = runner.invoke(app, ["train", str(comments), "--text-col", "Комментарий", "--taxonomy", str(taxonomy),
                                 "--no-labels", "--out", str(model)])
    assert result.exit_code == 0, result.output
    assert "Доставка" in result.output and "Delivery" not in result.output
    gold = tmp_path / "эталон.csv"
    rows = [("Курьер опоздал на час", "Доставка > Курьер"), ("Очень дорого", "Цена и выгода")] * 3
    gold.write_text("Комментарий;Метки\n" + "\n".join(f"{t};{lab}" for t, lab in rows) + "\n", encoding="utf-8")
    args = ["evaluate", str(gold), "--model", str(model), "--text-col", "Комментарий", "--labels-col", "Метки"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "Цена и выгода" in result.output and "Price and value" not in result.output
    result = runner.invoke(app, [*args, "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "Price and value" in result.output


def test_report_of_a_mean_score_without_a_scale(tmp_path):
    """report/analyze --score-type mean without --scale stopped with a TypeError traceback (the
    satisfied customers' quotes looked for the top two points of a scale a mean score does not have)."""
    src = tmp_path / "оценки.csv"
    src.write_text("Комментарий;Оценка;categories\nКурьер опоздал;1,5;Доставка и логистика\n"
                   "Отличные цены;4,5;Цена и выгода\nВсё хорошо;5;Цена и выгода\n", encoding="utf-8")
    out = tmp_path / "отчёт.html"
    result = runner.invoke(app, ["report", str(src), "--text-col", "Комментарий", "--score-col", "Оценка",
                                 "--score-type", "mean", "--out", str(out), "--lang", "ru"])
    assert result.exit_code == 0, result.output
    text = _visible_text(out.read_text(encoding="utf-8"))
    assert "Примеры Отличные цены" in text


def test_russian_report_declines_the_mean_score_right(tmp_path):
    """A mean score read 'Что влияет на средняя оценка', 'изменился бы средняя оценка' and 'разница между
    средняя оценка всех ответов и средняя оценка ответов...': a feminine noun in the nominative where
    NPS, which does not decline, stood."""
    src = tmp_path / "оценки.csv"
    rows = [f"Комментарий {i};{1 + i % 5};{CATS[i % 3]}" for i in range(30)]
    src.write_text("Комментарий;Оценка;categories\n" + "\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "отчёт.html"
    result = runner.invoke(app, ["report", str(src), "--text-col", "Комментарий", "--score-col", "Оценка",
                                 "--score-type", "mean", "--out", str(out), "--lang", "ru"])
    assert result.exit_code == 0, result.output
    text = _visible_text(out.read_text(encoding="utf-8"))
    assert "средняя оценка" not in text
    assert "Что влияет на средний балл" in text and "изменился бы средний балл" in text
    assert "Влияние — это средний балл всех ответов минус средний балл ответов без этой категории" in text


def test_mean_score_queues_have_no_detractor_count(tmp_path):
    """A mean score has no detractors, yet the routing summary (report, summary.csv, terminal) said
    'Критики 0' for every team, as if none of their customers were unhappy."""
    src = tmp_path / "оценки.csv"
    rows = [f"Комментарий {i};{1 + i % 5};{CATS[i % 3]}" for i in range(12)]
    src.write_text("Комментарий;Оценка;categories\n" + "\n".join(rows) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["route", str(src), "--text-col", "Комментарий", "--score-col", "Оценка",
                                 "--score-type", "mean", "--out-dir", str(tmp_path / "очереди"), "--lang", "ru"])
    assert result.exit_code == 0, result.output
    summary = pd.read_csv(tmp_path / "очереди" / "summary.csv", sep=";", encoding="utf-8-sig")
    assert summary["detractors"].isna().all(), summary
    out = tmp_path / "отчёт.html"
    result = runner.invoke(app, ["report", str(src), "--text-col", "Комментарий", "--score-col", "Оценка",
                                 "--score-type", "mean", "--out", str(out), "--lang", "ru"])
    assert result.exit_code == 0, result.output
    page = out.read_text("utf-8")  # no detractors column at all (it was one of dashes): comments, then review
    # (the file has no needs_review column: its review count is a dash, not a 0 nobody checked)
    assert re.search(r"Логистика</td><td class=\"num\">4</td><td class=\"num\">—</td></tr>", page)
    assert "Критики" not in page[page.index('<section id="routing">'):]


def test_numeric_russian_dates_with_the_year_word_are_dates(tmp_path):
    """'05.12.2026 г.' and 'пн, 7 декабря 2026' (as 1C and Russian Excel locales write them) were 'not a date'."""
    dates = [["05.10.2026 г.", "пн, 9 ноября 2026", "07.12.26г"][i % 3] for i in range(21)]
    out = tmp_path / "драйверы.csv"
    result = runner.invoke(app, ["drivers", str(_enriched_export(tmp_path, 21, dates)), "--score-col", "Оценка NPS",
                                 "--out", str(out), "--boot", "0"])
    assert result.exit_code == 0, result.output
    assert "all 21 rows have a valid date" in result.output
    trend = (tmp_path / "драйверы_trend.csv").read_text(encoding="utf-8-sig")
    assert {"2026-10", "2026-11", "2026-12"} <= {line.split(";")[0] for line in trend.splitlines()[1:]}
