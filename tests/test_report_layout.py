"""The report in a real browser at phone (390 px) and desktop (1280 px) widths: no horizontal
overflow of the page (tables and charts scroll inside their own box), charts at a readable
scale, and a clean print to PDF. Needs Debian chromium + chromedriver and selenium; skipped
without them."""

from __future__ import annotations

import base64
import shutil
import tempfile

import numpy as np
import pandas as pd
import pytest

from feedback_classifier.insights.drivers import compute_drivers
from feedback_classifier.insights.routing import route
from feedback_classifier.render import build_report, write_report
from feedback_classifier.taxonomy import load_taxonomy

pytestmark = pytest.mark.skipif(
    shutil.which("chromium") is None or shutil.which("chromedriver") is None,
    reason="chromium and chromedriver are not installed (apt-get install chromium chromium-driver)",
)
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e .[dev])")

_FLAGS = ("--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run "
          "--disable-background-networking --disable-component-update --disable-sync").split()
_OVERFLOW = """
const W = window.innerWidth, out = [];
for (const el of document.querySelectorAll('body *')) {
  const r = el.getBoundingClientRect();
  if (r.right > W + 1 && !el.closest('.tscroll') && !el.closest('figure')) out.push(el.tagName + '.' + el.className);
}
return [document.documentElement.scrollWidth, W, out.slice(0, 5)];
"""


@pytest.fixture(scope="module")
def report_path(tmp_path_factory):
    rng = np.random.default_rng(1)
    n = 600
    cats = rng.choice(["Delivery and logistics > Delivery time", "Price and value > Too expensive",
                       "Service > Staff politeness; Delivery and logistics > Courier",
                       "Website and app > Bugs and errors", ""], n)
    long = "Заказ два раза переносили, деньги возвращают уже больше месяца, приложение зависает"
    df = pd.DataFrame({
        "submitted_at": pd.date_range("2024-01-01", periods=n, freq="12h").strftime("%Y-%m-%d"),
        "region": rng.choice(["Северо-Западный федеральный округ", "Москва", "Казань"], n),
        "nps": rng.integers(0, 11, n),
        "comment": [f"{long} {i} " + "оченьдлинноесловобезпробелов" * (i % 3) for i in range(n)],
        "categories": cats, "confidence": rng.random(n), "needs_review": rng.random(n) < 0.1,
    })
    tax = load_taxonomy("cx-default")
    drivers = compute_drivers(df, score_col="nps", taxonomy=tax, by="region", period_col="submitted_at", n_boot=50)
    page = build_report(df, tax, text_col="comment", score_col="nps", drivers=drivers, by="region",
                        period_col="submitted_at", lang="ru", routing=route(df, tax, text_col="comment", score_col="nps"))
    return write_report(page, tmp_path_factory.mktemp("layout") / "report.html")


@pytest.fixture(scope="module")
def browser():
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for flag in _FLAGS:
        options.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="fc-selenium-")
    options.add_argument(f"--user-data-dir={profile}")
    options.binary_location = shutil.which("chromium")
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.mark.parametrize("width", [390, 1280])
def test_no_horizontal_overflow_and_readable_charts(browser, report_path, width):
    browser.set_window_size(width, 900)
    browser.get(report_path.resolve().as_uri())
    page_width, inner, overflowing = browser.execute_script(_OVERFLOW)
    assert overflowing == [] and page_width <= inner, (page_width, inner, overflowing)
    # charts keep at least 80% of their drawn size (labels stay legible), scrolling in their box if needed
    sizes = browser.execute_script(
        "return Array.from(document.querySelectorAll('figure img')).filter(i => i.offsetParent !== null)"
        ".map(i => [i.getBoundingClientRect().width, i.naturalWidth])")
    assert sizes and all(shown >= 0.8 * min(natural, 1100) for shown, natural in sizes), sizes
    # the impact chart is drawn for the width: its bars are on screen without scrolling its box
    impact = browser.execute_script(
        "const f = document.querySelector('.chart-narrow').closest('figure');"
        " return [f.scrollWidth, f.clientWidth, document.querySelectorAll('figure img').length]")
    assert impact[0] <= impact[1] + 1, impact
    # the drivers table's last column can be reached: inside a scroll box, not cut off by the page
    boxes = browser.execute_script(
        "return Array.from(document.querySelectorAll('.tscroll')).map(b => b.scrollWidth - b.clientWidth)")
    assert boxes and all(extra >= 0 for extra in boxes)


def test_prints_to_pdf(browser, report_path):
    from selenium.webdriver.common.print_page_options import PrintOptions

    browser.set_window_size(1280, 900)
    browser.get(report_path.resolve().as_uri())
    options = PrintOptions()
    options.page_width, options.page_height = 21.0, 29.7
    pdf = base64.b64decode(browser.print_page(options))
    assert pdf[:5] == b"%PDF-"
    assert browser.execute_script(
        "for (const s of document.styleSheets) for (const r of s.cssRules)"
        " if (r.media && r.media.mediaText === 'print') return true; return false")


def test_segments_table_rows_stay_short_on_a_phone(browser, report_path):
    # the "most mentioned" column was squeezed to ~6 em: each segment row grew to 10+ lines at 390 px,
    # a screenful of blank rows with the text off to the right
    browser.set_window_size(390, 900)
    browser.get(report_path.resolve().as_uri())
    heights = browser.execute_script(
        "return Array.from(document.querySelector('#segments table').rows).slice(1)"
        ".map(r => r.getBoundingClientRect().height)")
    assert heights and max(heights) < 100, heights


def test_a_category_card_s_subcategory_table_fits_a_phone(browser, tmp_path):
    # the Praise and NPS columns of every card were cut at 390 px (Russian headers: by 75 px)
    rng = np.random.default_rng(2)
    n = 300
    paths = ["Delivery and logistics > Order tracking", "Delivery and logistics > Delivery time",
             "Delivery and logistics > Delivery cost", "Returns and refunds > Exchange and warranty"]
    cats = rng.choice(paths, n)
    tone = rng.choice(["negative", "positive"], n)
    df = pd.DataFrame({"nps": rng.integers(0, 11, n), "comment": ["Заказ не пришёл вовремя"] * n, "categories": cats,
                       "category_sentiment": [f"{c}={t}" for c, t in zip(cats, tone)],
                       "confidence": 0.9, "needs_review": False})
    tax = load_taxonomy("cx-default")
    page = build_report(df, tax, text_col="comment", score_col="nps", lang="ru",
                        drivers=compute_drivers(df, score_col="nps", taxonomy=tax, n_boot=20))
    path = write_report(page, tmp_path / "cards.html")
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": 390, "height": 900, "deviceScaleFactor": 1, "mobile": True})
    try:
        browser.get(path.resolve().as_uri())
        assert browser.execute_script("return window.innerWidth") == 390
        extra = browser.execute_script(
            "return Array.from(document.querySelectorAll('.card .tscroll'))"
            ".filter(b => b.querySelector('tr').cells.length <= 5).map(b => b.scrollWidth - b.clientWidth)")
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    assert extra and max(extra) <= 1, extra


def test_the_russian_routing_table_fits_a_phone(browser, tmp_path):
    # the routing table scrolled by 25 px at 390 px: its "Комментариев" header alone took 99 px
    rng = np.random.default_rng(0)
    n = 400
    paths = ["Loyalty and promotions > Promo codes", "Delivery and logistics > Delivery time",
             "Store / branch experience > Queues", "Payment and billing > Billing errors",
             "Customer service > Support communication"]
    df = pd.DataFrame({"nps": rng.integers(0, 11, n), "comment": ["Заказ не пришёл вовремя"] * n,
                       "categories": rng.choice(paths, n), "confidence": 0.9, "needs_review": rng.random(n) < 0.2})
    tax = load_taxonomy("cx-default")
    page = build_report(df, tax, text_col="comment", score_col="nps", lang="ru",
                        drivers=compute_drivers(df, score_col="nps", taxonomy=tax, n_boot=20),
                        routing=route(df, tax, text_col="comment", score_col="nps", lang="ru"))
    path = write_report(page, tmp_path / "routing.html")
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": 390, "height": 900, "deviceScaleFactor": 1, "mobile": True})
    try:
        browser.get(path.resolve().as_uri())
        extra = browser.execute_script(
            "return Array.from(document.querySelectorAll('#routing .tscroll')).map(b => b.scrollWidth - b.clientWidth)")
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    assert extra and max(extra) <= 1, extra
