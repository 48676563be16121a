#!/usr/bin/env python
"""Render a report in headless Chromium: screenshot it and check it really works in a browser.

    python scripts/render_report.py out/report.html --screenshot docs/report-screenshot.png

Checks (exit 1 with a list of problems when any fails):
- Chromium loads the page and the DOM has the expected sections (overview, categories, ...);
- the browser console shows no errors (JavaScript errors, failed resource loads);
- the page makes no network requests: no http(s) URLs in src/href attributes.

Needs Debian's ``chromium`` (``apt-get install -y chromium``); nothing is downloaded.
Without an emoji font, emoji in comments show as empty boxes in the screenshot (the report
itself is fine: the reader's browser has its fonts); ``apt-get install -y fonts-noto-color-emoji``
fixes that for screenshots. The checks do not depend on it.
The same checks run in tests/test_report.py, which skips when Chromium is absent.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]
# Console lines Chromium logs with --enable-logging=stderr: [..:INFO:CONSOLE:N] "message", source: url (line)
_CONSOLE = re.compile(r":CONSOLE(?:\(\d+\))?:?\d*\]\s*\"(?P<msg>.*)\", source: (?P<src>\S*)")
_EXTERNAL_URL = re.compile(r"^\s*(?:https?:)?//", re.IGNORECASE)


class _Refs(HTMLParser):
    """Collects real src/href/srcset attribute values (not text that merely looks like one)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.refs: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href", "srcset", "action", "poster", "data") and value:
                self.refs.append((tag, name, value))

    handle_startendtag = handle_starttag


def external_references(html_text: str) -> list[str]:
    """``tag attr=value`` of every attribute that would load something from the network."""
    parser = _Refs()
    parser.feed(html_text)
    return [f"<{tag} {name}={value[:80]}>" for tag, name, value in parser.refs if _EXTERNAL_URL.match(value)]


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def run_chromium(html_path: Path, *, screenshot: Path | None = None, width: int = 1280, height: int = 2400,
                 timeout: float = 120) -> tuple[str, list[str]]:
    """Load the page headless; return (serialised DOM, console messages). Optionally screenshot it."""
    chromium = find_chromium()
    if chromium is None:
        raise RuntimeError("chromium is not installed (apt-get install -y chromium)")
    url = html_path.resolve().as_uri()
    console: list[str] = []
    with tempfile.TemporaryDirectory(prefix="fc-chromium-") as profile:
        base = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0"]
        dom_run = subprocess.run(
            [*base, "--virtual-time-budget=3000", "--dump-dom", url],
            capture_output=True, text=True, timeout=timeout,
        )
        console += _console_messages(dom_run.stderr)
        if screenshot is not None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            shot = subprocess.run(
                [*base, f"--screenshot={screenshot.resolve()}", f"--window-size={width},{height}", url],
                capture_output=True, text=True, timeout=timeout,
            )
            console += _console_messages(shot.stderr)
            if not screenshot.exists():
                raise RuntimeError(f"chromium did not write {screenshot}: {shot.stderr[-500:]}")
    if dom_run.returncode != 0 or "<html" not in dom_run.stdout:
        raise RuntimeError(f"chromium could not load {url}: {dom_run.stderr[-500:]}")
    return dom_run.stdout, console


def _console_messages(stderr: str) -> list[str]:
    return [f"{m['msg']} ({m['src']})" for m in _CONSOLE.finditer(stderr)]


def check_report(html_path: Path, *, sections: tuple[str, ...] = ("overview", "categories", "method"),
                 screenshot: Path | None = None, width: int = 1280, height: int = 2400) -> list[str]:
    """Problems found in a rendered report (empty list = fine)."""
    problems: list[str] = []
    source = html_path.read_text(encoding="utf-8")
    problems += [f"external reference: {ref}" for ref in external_references(source)]
    dom, console = run_chromium(html_path, screenshot=screenshot, width=width, height=height)
    for section in sections:
        if f'id="{section}"' not in dom:
            problems.append(f"section #{section} missing from the rendered page")
    problems += [f"console: {line}" for line in console]
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("report", type=Path, help="the report.html to check")
    parser.add_argument("--screenshot", type=Path, help="write a full-page PNG screenshot here")
    parser.add_argument("--sections", default="overview,categories,method",
                        help="comma-separated section ids that must be present")
    parser.add_argument("--height", type=int, default=2400)
    args = parser.parse_args(argv)
    if not args.report.exists():
        print(f"Error: {args.report} does not exist", file=sys.stderr)
        return 1
    problems = check_report(args.report, sections=tuple(s for s in args.sections.split(",") if s),
                            screenshot=args.screenshot, height=args.height)
    if args.screenshot:
        print(f"screenshot: {args.screenshot}")
    if problems:
        print("Problems:\n  " + "\n  ".join(problems))
        return 1
    print(f"OK: {args.report} renders with sections {args.sections} and no console errors")
    return 0


if __name__ == "__main__":
    sys.exit(main())
