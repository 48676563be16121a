"""Make docs/label-app.png: the label app on the bundled example survey, in headless Chromium.

    python scripts/label_app_screenshot.py [--out docs/label-app.png] [--width 1280]

Labels go to a temporary file; nothing in the repository but the PNG is written.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from feedback_classifier.jobs.label_app import LabelSession, make_server  # noqa: E402
from feedback_classifier.model import EXAMPLE_SURVEY_FILE  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "label-app.png")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=820)
    args = parser.parse_args()
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        raise SystemExit("needs chromium and chromedriver (Debian: apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.action_chains import ActionChains

    work = Path(tempfile.mkdtemp())
    session = LabelSession(EXAMPLE_SURVEY_FILE, work / "labels.csv", text_col="comment")
    for _ in range(3):  # a few decisions so the progress line and counts are not all zero
        item = session.state()["item"]
        session.decide(item["row"], item["ticked"])
    server = make_server(session, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    opts = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                f"--user-data-dir={work / 'chrome'}", f"--window-size={args.width},{args.height}"):
        opts.add_argument(arg)
    opts.binary_location = shutil.which("chromium")
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=opts)
    try:
        driver.get(f"http://127.0.0.1:{server.server_port}/")
        time.sleep(1.0)
        ActionChains(driver).send_keys("7").perform()  # tick "Too expensive" by its number
        time.sleep(0.3)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(args.out))
    finally:
        driver.quit()
        server.shutdown()
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
