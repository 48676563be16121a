"""Accessibility of the HTML report and the label page, for readers with screen readers, low vision or
only a keyboard.

Plain HTML checks always run. The axe-core checks run the real axe rules in headless Chromium; axe
is not part of the project: point ``FC_AXE_JS`` at an ``axe.min.js`` (``npm install axe-core``),
else they are skipped, as they are without Chromium, chromedriver or selenium.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import pytest

from feedback_classifier.render import build_report
from feedback_classifier.render.html import CSS
from feedback_classifier.taxonomy import load_taxonomy
from tests.test_label_app import pool  # noqa: F401  (a fixture)
from tests.test_report import enriched

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
AXE_JS = os.environ.get("FC_AXE_JS", "")


def _contrast(fg: str, bg: str) -> float:
    def lum(hex_colour: str) -> float:
        h = hex_colour.lstrip("#")
        h = "".join(c * 2 for c in h) if len(h) == 3 else h
        rgb = [int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((lum(fg), lum(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _var(name: str) -> str:
    return re.search(rf"--{name}:(#[0-9a-fA-F]{{3,6}})", CSS).group(1)


@pytest.fixture(scope="module")
def page_en() -> str:
    tax = load_taxonomy("cx-default")
    return build_report(enriched(), tax, text_col="comment", score_col="nps", by="region",
                        period_col="submitted_at", source="survey.csv")


def test_report_text_colours_meet_wcag_aa_contrast():
    # small text (12-15px) needs 4.5:1; praise numbers are drawn in --pos on white and on the badge tint
    for name in ("pos", "neg", "muted", "accent"):
        assert _contrast(_var(name), "#ffffff") >= 4.5, name
    assert _contrast(_var("pos"), "#e3f4ea") >= 4.5
    assert _contrast(_var("neg"), "#fde8e6") >= 4.5
    assert _contrast(_var("muted"), "#fafbfc") >= 4.5  # table headers


def test_report_scrolling_boxes_can_be_reached_by_keyboard_and_are_named(page_en):
    boxes = re.findall(r'<div class="tscroll"[^>]*>', page_en)
    assert boxes
    for box in boxes:
        assert 'tabindex="0"' in box and 'role="region"' in box and re.search(r'aria-label="[^"]+"', box), box
    names = [re.search(r'aria-label="([^"]+)"', box).group(1) for box in boxes]
    assert len(set(names)) == len(names), names  # a list of regions all called "Table" tells nothing
    assert "<figure>" not in page_en
    assert ":focus-visible" in CSS


def _chrome(width: int):
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    opts = Options()
    opts.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"):
        opts.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=opts)
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False})
    return driver


def axe_violations(driver, url: str, serious_only: bool = True) -> list[dict]:
    """axe's (serious and critical) violations of the page at ``url``, its <details> opened as a reader would."""
    driver.get(url)
    time.sleep(1)  # the label page draws its comment after a request
    driver.execute_script("document.querySelectorAll('details').forEach(d => d.open = true)")
    driver.execute_script(Path(AXE_JS).read_text(encoding="utf-8"))
    driver.set_script_timeout(120)
    found = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations), e => done(String(e)));")
    assert isinstance(found, list), found
    return [{"id": v["id"], "nodes": [n["target"] for n in v["nodes"][:3]]}
            for v in found if not serious_only or v["impact"] in ("serious", "critical")]


needs_axe = pytest.mark.skipif(not (CHROMIUM and DRIVER and AXE_JS and Path(AXE_JS).is_file()),
                               reason="needs chromium, chromedriver and FC_AXE_JS=path/to/axe.min.js")


@needs_axe
@pytest.mark.parametrize("lang", ["en", "ru"])
def test_report_has_no_serious_axe_violations_on_a_phone_or_a_desktop(tmp_path, lang):
    tax = load_taxonomy("cx-default")
    page = build_report(enriched(), tax, text_col="comment", score_col="nps", by="region",
                        period_col="submitted_at", source="survey.csv", lang=lang)
    path = tmp_path / "report.html"
    path.write_text(page, encoding="utf-8")
    for width in (390, 1280):
        driver = _chrome(width)
        try:
            assert axe_violations(driver, path.as_uri()) == [], width
        finally:
            driver.quit()


# ---------------------------------------------------------------- the label page

def test_label_page_announces_status_and_names_every_control():
    from feedback_classifier.render.label_page import label_page

    for lang in ("en", "ru"):
        page = label_page("cx", lang)
        assert re.search(r'<span id="progress" role="status">', page)  # saved / progress is read out
        assert re.search(r'<p id="chosen" aria-live="polite">', page)  # a number key's tick is read out
        assert re.search(r'<input id="filter"[^>]*aria-label="[^"]+"', page)  # a name, not only a placeholder
        assert re.search(r'<ul id="cats" role="group" aria-label="[^"]+"', page)
        assert re.search(r'<label id="keyswitch"><input type="checkbox" id="keyson" checked>', page)  # WCAG 2.1.4
        assert 'setAttribute("role","checkbox")' in page and '"aria-checked"' in page
    hint = re.search(r"#hint\{color:(#[0-9a-f]{6})", label_page("cx")).group(1)
    assert _contrast(hint, "#ffffff") >= 4.5


needs_browser = pytest.mark.skipif(not (CHROMIUM and DRIVER), reason="needs chromium and chromedriver")


@needs_browser
def test_label_page_enter_on_a_focused_button_presses_that_button_not_accept(pool):
    from selenium.webdriver.common.keys import Keys

    from tests.test_label_app import saved, served_page, session, wait_for

    with served_page(session(pool)) as driver:
        first = driver.find_element("id", "text").text
        driver.execute_script("document.getElementById('skip').focus()")
        driver.switch_to.active_element.send_keys(Keys.ENTER)  # Tab to "Skip", Enter: a skip, never a label
        wait_for(driver, lambda d: d.find_element("id", "text").text != first)
        assert saved(pool).status.tolist() == ["skipped"]


@needs_browser
def test_label_page_categories_are_checkboxes_space_ticks_and_single_keys_can_be_turned_off(pool):
    from tests.test_label_app import press, saved, served_page, session, wait_for

    with served_page(session(pool)) as driver:
        boxes = driver.find_elements("css selector", "#cats [role=checkbox]")
        assert [b.get_attribute("tabindex") for b in boxes[:2]] == ["0", "-1"]  # one tab stop for the list
        was = boxes[1].get_attribute("aria-checked")
        driver.execute_script("document.querySelector('#cats [role=checkbox]').focus()")
        press(driver, "\ue015")  # arrow down: the next category
        assert driver.switch_to.active_element == boxes[1]
        press(driver, " ")
        assert boxes[1].get_attribute("aria-checked") == ("false" if was == "true" else "true")
        driver.find_element("id", "keyson").click()  # a speech-input user turns letter shortcuts off
        driver.execute_script("document.activeElement.blur()")
        first = driver.find_element("id", "text").text
        press(driver, "s", "a", "3")
        time.sleep(0.8)
        assert driver.find_element("id", "text").text == first and not (pool / "labels.csv").exists()
        driver.refresh()  # the choice is remembered
        wait_for(driver, lambda d: d.find_element("id", "text").text)
        assert not driver.find_element("id", "keyson").is_selected()
        driver.find_element("id", "keyson").click()
        driver.execute_script("document.activeElement.blur()")
        press(driver, "s")
        wait_for(driver, lambda d: (pool / "labels.csv").exists() and len(saved(pool)) == 1)


@needs_axe
@pytest.mark.parametrize("lang", ["en", "ru"])
def test_label_page_has_no_axe_violations(pool, lang):
    from tests.test_label_app import serve, session

    server, url = serve(session(pool, lang=lang))
    try:
        for width in (390, 1280):
            driver = _chrome(width)
            try:
                assert axe_violations(driver, url + "/", serious_only=False) == [], width
            finally:
                driver.quit()
    finally:
        server.shutdown()
        server.server_close()


@needs_browser
@pytest.mark.parametrize("lang", ["en", "ru"])
def test_report_prints_every_table_column_on_a4(tmp_path, lang):
    # paper does not scroll: a table wider than the page loses its right-hand columns when printed
    from feedback_classifier.insights.drivers import compute_drivers
    from feedback_classifier.insights.quantify import ErrorRates, correct_drivers_result

    tax, df = load_taxonomy("cx-default"), enriched()
    drivers = compute_drivers(df, score_col="nps", taxonomy=tax, by="region", n_boot=100)
    # the default model's rough error rates add a precision / recall column and, for a low recall, a long
    # unbreakable "often missed" badge: the drivers table of every default-model analyze
    rates = {("delivery", None): ErrorRates(40, 5, 40, 135), ("price", None): ErrorRates(10, 5, 40, 145),
             ("service", None): ErrorRates(10, 5, 40, 145)}
    drivers = correct_drivers_result(drivers, rates, tax, source="default")
    page = build_report(df, tax, text_col="comment", score_col="nps", by="region", drivers=drivers,
                        period_col="submitted_at", source="survey.csv", lang=lang)
    assert page.count('class="badge"') >= 2
    path = tmp_path / "report.html"
    path.write_text(page, encoding="utf-8")
    driver = _chrome(703)  # A4 less the 12 mm margins, in CSS px
    try:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        driver.get(path.as_uri())
        cut = driver.execute_script(
            "const w = document.documentElement.clientWidth;"
            "return [...document.querySelectorAll('table')].filter(t => t.getBoundingClientRect().right > w + 1)"
            ".map(t => (t.closest('section') || {}).id + ': ' + t.rows[0].textContent.slice(0, 80));")
        assert cut == []
    finally:
        driver.quit()


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_report_quotes_in_the_other_language_say_their_language(lang):
    # survey comments are often mixed: a screen reader must switch voice for a quote, not for its score line
    tax = load_taxonomy("cx-default")
    df = enriched()
    df.loc[df.index % 2 == 0, "comment"] = "Курьер опоздал на два часа, очень недоволен"
    df.loc[df.index % 2 == 1, "comment"] = "The courier was two hours late, very unhappy"
    page = build_report(df, tax, text_col="comment", score_col="nps", source="survey.csv", lang=lang)
    other = "ru" if lang == "en" else "en"
    quotes = re.findall(r'<blockquote class="\w+"( lang="\w+")?>([^<]*)<span class="meta"( lang="\w+")?>', page)
    assert {q[1] for q in quotes} == {"Курьер опоздал на два часа, очень недоволен",
                                      "The courier was two hours late, very unhappy"}
    for own, text, meta in quotes:
        foreign = (text[0] == "К") == (lang == "en")
        assert (own, meta) == ((f' lang="{other}"', f' lang="{lang}"') if foreign else ("", "")), text


@needs_browser
def test_report_contents_links_do_not_land_headings_under_the_sticky_bar(tmp_path):
    tax = load_taxonomy("cx-default")
    page = build_report(enriched(), tax, text_col="comment", score_col="nps", by="region",
                        period_col="submitted_at", source="survey.csv", lang="ru")
    path = tmp_path / "report.html"
    path.write_text(page, encoding="utf-8")
    for width in (390, 640, 1280):  # a phone, 200% zoom, a desktop
        driver = _chrome(width)
        try:
            driver.get(path.as_uri())
            for link in driver.find_elements("css selector", "nav.toc a"):
                driver.execute_script("arguments[0].click()", link)
                time.sleep(0.1)
                section = link.get_attribute("href").split("#")[1]
                bar, heading = driver.execute_script(
                    "return [document.querySelector('nav.toc').getBoundingClientRect().bottom,"
                    f"document.querySelector('#{section} > h2').getBoundingClientRect().top]")
                assert heading >= bar, (width, section)
        finally:
            driver.quit()


@needs_browser
def test_report_prints_its_folded_tables_open(tmp_path):
    from feedback_classifier.insights.drivers import compute_drivers

    tax, df = load_taxonomy("cx-default"), enriched()
    drivers = compute_drivers(df, score_col="nps", taxonomy=tax, period_col="submitted_at", n_boot=100)
    page = build_report(df, tax, text_col="comment", score_col="nps", drivers=drivers,
                        period_col="submitted_at", source="survey.csv")
    assert "<details>" in page  # the trend table is folded on screen
    path = tmp_path / "report.html"
    path.write_text(page, encoding="utf-8")
    driver = _chrome(703)
    try:
        driver.get(path.as_uri())
        shown = "return [...document.querySelectorAll('details table')].map(t => t.checkVisibility())"
        assert driver.execute_script(shown) == [False]
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        assert driver.execute_script(shown) == [True]
    finally:
        driver.quit()
