#!/usr/bin/env python
"""Regenerate docs/report-screenshot.png from the README's first command, as a new user runs it.

    python scripts/readme_screenshot.py [--out docs/report-screenshot.png] [--height 2400]

Reads the first ``feedback-classifier ...`` command of README.md, runs it with this checkout's
code (``python -m feedback_classifier``, the output folder moved to a temporary one), checks the
report in headless Chromium (scripts/render_report.py) and writes the screenshot. So the picture
in the README is always what that command produces (its language included). Needs chromium.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from render_report import check_report  # noqa: E402


def readme_command(readme: Path = ROOT / "README.md") -> list[str]:
    """The arguments after ``feedback-classifier`` in the README's first command."""
    match = re.search(r"feedback-classifier (analyze [^\n`]*)", readme.read_text(encoding="utf-8"))
    if match is None:
        raise SystemExit("README.md has no `feedback-classifier analyze ...` command")
    return shlex.split(match.group(1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "report-screenshot.png")
    parser.add_argument("--height", type=int, default=2400)
    args = parser.parse_args(argv)
    command = readme_command()
    with tempfile.TemporaryDirectory(prefix="fc-readme-") as tmp:
        out_dir = Path(tmp) / "out"
        command = [out_dir.as_posix() if arg in ("out/", "out") else arg for arg in command]
        env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
               "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
        print("running: feedback-classifier " + shlex.join(command))
        subprocess.run([sys.executable, "-m", "feedback_classifier", *command, "--quiet"], cwd=ROOT, env=env,
                       check=True)
        problems = check_report(out_dir / "report.html", screenshot=args.out, height=args.height)
    if problems:
        print("Problems:\n  " + "\n  ".join(problems))
        return 1
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
