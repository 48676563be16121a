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


def test_phone_impact_chart_keeps_russian_category_names_whole():
    """The phone-width impact chart cut names at 18 characters mid-word: 'Доставка и логист…',
    'Обслуживание клие…'."""
    import pandas as pd

    from feedback_classifier.insights import compute_drivers
    from feedback_classifier.render.charts import impact_chart

    cats = ["Доставка и логистика", "Обслуживание клиентов", "Коммуникации и маркетинг", ""]
    df = pd.DataFrame({"nps": [i % 11 for i in range(80)], "categories": [cats[i % 4] for i in range(80)]})
    drivers = compute_drivers(df, score_col="nps", n_boot=20)
    labels = [t.get_text() for t in impact_chart(drivers, lang="ru", width=3.6).axes[0].get_yticklabels()]
    assert labels and not any("…" in label for label in labels), labels
    flat = " ".join(label.replace("\n", " ") for label in labels)
    assert all(name in flat for name in cats[:3]), labels


def test_often_missed_badge_does_not_push_the_impact_off_a_phone(tmp_path):
    """At 390 px the parent drivers table's impact column was off screen: the Russian 'often missed'
    badge (52 characters) would not wrap, so the category column took the whole width; at 1280 px the
    unbreakable badge and number headers put the owner and accuracy columns ~600 px out of sight."""
    import shutil

    import pytest

    if shutil.which("chromium") is None or shutil.which("chromedriver") is None:
        pytest.skip("chromium and chromedriver are not installed")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    src = _export(tmp_path, ["Цена и выгода > Слишком дорого", "Доставка и логистика > Курьер",
                             "Обслуживание клиентов > Скорость ответа"], n=90)
    out = tmp_path / "отчёт.html"
    result = runner.invoke(app, ["report", str(src), "--text-col", "Комментарий", "--score-col", "Оценка NPS",
                                 "--out", str(out), "--lang", "ru"])
    assert result.exit_code == 0, result.output
    assert "модель часто пропускает" in out.read_text(encoding="utf-8")
    options = webdriver.ChromeOptions()
    for flag in ("--headless=new --no-sandbox --disable-gpu --disable-background-networking "
                 "--disable-component-update --disable-sync --no-first-run").split():
        options.add_argument(flag)
    options.binary_location = shutil.which("chromium")
    browser = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    beyond = ("const box = document.querySelector('#drivers .tscroll'); const right = box.getBoundingClientRect().right;"
              " return Array.from(box.querySelectorAll('tr')).map(r => r.cells[arguments[0]].getBoundingClientRect().right"
              " - right).filter(x => x > 0)")
    try:
        browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                {"width": 390, "height": 900, "deviceScaleFactor": 1, "mobile": True})
        browser.get(out.resolve().as_uri())
        phone = browser.execute_script(beyond, 2)  # the impact
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        browser.set_window_size(1280, 900)
        browser.get(out.resolve().as_uri())
        owner = browser.execute_script("return Array.from(document.querySelector('#drivers tr').cells).length - 2")
        desktop = browser.execute_script(beyond, owner)  # the owning team, on a laptop
    finally:
        browser.quit()
    assert phone == [] and desktop == [], (phone, desktop)


def test_label_app_counts_a_parent_once_per_comment(tmp_path):
    """A comment labelled with two subcategories of one parent counted that parent twice on the label
    page (139 'examples' of Обслуживание клиентов where 105 comments had it)."""
    from feedback_classifier.jobs.label_app import LabelSession

    pool = tmp_path / "pool.csv"
    pool.write_bytes("Ид;Комментарий\r\n1;Оператор грубил и долго отвечал\r\n2;Курьер опоздал\r\n".encode("cp1251"))
    labels = tmp_path / "labels.csv"
    labels.write_bytes(("Комментарий;labels\r\nОператор грубил и долго отвечал;"
                        "\"Обслуживание клиентов > Вежливость персонала; Обслуживание клиентов > Скорость ответа\"\r\n")
                       .encode("cp1251"))
    session = LabelSession(pool, labels, text_col="Комментарий", taxonomy="cx-default")
    state = session.state()
    index = {c: j for j, c in enumerate(session.categories)}
    assert state["counts"][index[("service", None)]] == 1
    assert state["counts"][index[("service", "staff_politeness")]] == 1


def test_route_keeps_a_russian_id_column_by_default(tmp_path):
    """`route` without --keep carries the id-like columns so a team can reach the customer; 'Номер' and
    '№ заказа' were not recognised, so a Russian export's queues had no way back to the response."""
    import pandas as pd

    src = tmp_path / "выгрузка.csv"
    rows = ["Номер;№ заказа;Номер телефона;Оценка NPS;Комментарий;categories"]
    rows += [f"A{i};{1000 + i};+7900000{i:04d};{i % 11};Курьер опоздал {i};Доставка и логистика > Курьер"
             for i in range(12)]
    src.write_bytes(("\r\n".join(rows) + "\r\n").encode("cp1251"))
    result = runner.invoke(app, ["route", str(src), "--text-col", "Комментарий", "--score-col", "Оценка NPS",
                                 "--out-dir", str(tmp_path / "q")])
    assert result.exit_code == 0, result.output
    queue = pd.read_csv(tmp_path / "q" / "logistics.csv", sep=";", encoding="utf-8-sig", dtype=str)
    assert {"Номер", "№ заказа"} <= set(queue.columns) and "Номер телефона" not in queue.columns
    assert sorted(queue["Номер"]) == sorted(f"A{i}" for i in range(12))


def test_an_output_open_in_excel_says_to_close_it(tmp_path, monkeypatch):
    """Rerunning classify while yesterday's output is open in Excel (Windows refuses to replace it:
    Permission denied) said only to fix the folder's permissions or free disk space."""
    import os

    src = _export(tmp_path, ["Доставка и логистика > Курьер"], n=5)
    out = tmp_path / "результат.csv"
    real_replace = os.replace

    def refuse(src_path, dst, *args, **kwargs):
        if str(dst) == str(out):
            raise PermissionError(13, "Permission denied")
        return real_replace(src_path, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", refuse)
    result = runner.invoke(app, ["classify", str(src), "--text-col", "Комментарий", "--out", str(out),
                                 "--tone-teacher", "none"])
    assert result.exit_code == 1
    assert "open in Excel or another program, close it" in result.output, result.output


def test_a_column_name_typed_with_e_for_yo_is_found(tmp_path):
    """«Оценка (всё)» typed «оценка (все)»: case and spaces were forgiven, the dots of ё were not
    (an error, where the same name in another case ran)."""
    lines = ["Ид;Оценка (всё);Объём заказа;Комментарий;categories"]
    lines += [f"{i};{i % 11};{['малый', 'крупный'][i % 2]};Отзыв {i};Доставка и логистика > Курьер" for i in range(40)]
    src = tmp_path / "выгрузка.csv"
    src.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1251"))
    result = runner.invoke(app, ["drivers", str(src), "--score-col", "оценка (все)", "--by", "Объем заказа",
                                 "--out", str(tmp_path / "d.csv")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "d_segments.csv").exists()


def test_console_never_prints_a_negative_zero():
    """`analyze` on a 50-row export printed 'NPS 22 (95% CI -0 to 42, 50 scores)': a bound of -0.3
    rounded to a minus zero."""
    import dataclasses

    import pandas as pd

    from feedback_classifier.cli.render import metric_line
    from feedback_classifier.insights import compute_drivers

    df = pd.DataFrame({"nps": [i % 11 for i in range(40)], "categories": ["Price"] * 40})
    drivers = compute_drivers(df, score_col="nps", n_boot=20, min_n=1)
    overall = dataclasses.replace(drivers.overall, metric=22.0, ci_low=-0.3, ci_high=42.0)
    line = metric_line(dataclasses.replace(drivers, overall=overall))
    assert "95% CI 0 to 42" in line and "-0" not in line, line


def test_russian_evidence_has_no_english_connectors(tmp_path):
    """A Russian --evidence cell read 'курьер, in "курьер опоздал" (negative: опоздать)': the clause
    marker and the polarity were English."""
    src = tmp_path / "отзывы.csv"
    src.write_bytes("Комментарий\r\nКурьер опоздал на три часа, зато вежливый\r\nВсё отлично, спасибо\r\n"
                    .encode("cp1251"))
    out = tmp_path / "с_категориями.csv"
    result = runner.invoke(app, ["classify", str(src), "--text-col", "Комментарий", "--evidence", "--out", str(out),
                                 "--tone-teacher", "none"])
    assert result.exit_code == 0, result.output
    import pandas as pd

    evidence = " ".join(pd.read_csv(out, encoding="utf-8-sig", dtype=str)["evidence"].dropna())
    assert not re.search(r"\b(in|negative|positive|neutral)\b", evidence), evidence
    assert "жалоба" in evidence or "похвала" in evidence


def test_excel_csv_trailing_separator_rows_are_not_responses(tmp_path):
    """Excel saves formatted-but-empty rows under a table as ';;;;' lines: the XLSX reader dropped them,
    the same sheet saved as CSV counted them ('Rows: 4 (2 with a comment)' for 2 responses)."""
    src = tmp_path / "выгрузка.csv"
    src.write_bytes("Номер;Комментарий;Оценка;;\r\n1;Курьер опоздал;3;;\r\n;;;;\r\n2;Всё отлично;10;;\r\n;;;;\r\n;;;;\r\n"
                    .encode("cp1251"))
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["classify", str(src), "--text-col", "Комментарий", "--out", str(out),
                                 "--tone-teacher", "none"])
    assert result.exit_code == 0, result.output
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 4, lines  # the header, two responses and the empty row between them
    assert "Classified 3 rows" in result.output
