"""Write the golden outputs of the main commands on the bundled example survey.

The test suite (tests/test_golden.py) runs the same commands and compares every file
with tests/golden/example_survey/, so a refactoring that changes any output shows up as a
diff. After an intended change of outputs, regenerate them and review the diff:

    python scripts/golden_outputs.py tests/golden/example_survey
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from typer.testing import CliRunner

SURVEY = Path(__file__).resolve().parents[1] / "feedback_classifier" / "data" / "example_survey.csv"

# Parts of outputs that change from run to run or from machine to machine, not with behaviour.
_VOLATILE = [
    (re.compile(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=]+"), "data:image;base64,…"),
    (re.compile(r"<svg\b.*?</svg>", re.S), "<svg>…</svg>"),
    (re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d)?( ?UTC([+-]\d\d:\d\d)?|Z|[+-]\d\d:?\d\d)?"), "<time>"),
    # a Russian page's generation time, with the zone the page gives it
    (re.compile(r"\b\d\d\.\d\d\.\d{4} \d\d:\d\d\b( UTC([+-]\d\d:\d\d)?)?"), "<time>"),
    (re.compile(r"[\d,.]+ rows/s"), "<n> rows/s"),
    (re.compile(r"/[^\s'\"<>]*?/(golden-run|example_survey)"), r"<dir>/\1"),
]


def commands(out: Path) -> list[list[str]]:
    """The command lines whose outputs are golden, writing under ``out``."""
    s, c = str(SURVEY), str(out / "classified.csv")
    return [
        # the bundled sentiment model as it is: e5's teaching (auto, with the 'teacher' extra) is tested on its own
        ["analyze", s, "--text-col", "comment", "--score-col", "nps", "--out-dir", str(out / "analyze"),
         "--tone-teacher", "none"],
        ["classify", s, "--text-col", "comment", "--out", c, "--evidence", "--probabilities"],
        ["drivers", c, "--score-col", "nps", "--by", "region", "--period-col", "submitted_at", "--period", "month",
         "--out", str(out / "drivers.csv")],
        ["route", c, "--text-col", "comment", "--score-col", "nps", "--out-dir", str(out / "queues"),
         "--keep", "response_id"],
        ["report", c, "--text-col", "comment", "--score-col", "nps", "--out", str(out / "report.html"),
         "--by", "channel", "--lang", "en"],
    ]


def stable_text(path: Path) -> str:
    """A file's text with the run-dependent parts masked."""
    text = path.read_text(encoding="utf-8")
    for pattern, repl in _VOLATILE:
        text = pattern.sub(repl, text)
    return text


def write_outputs(out: Path) -> dict[str, str]:
    """Run every golden command into ``out``; return {relative path: stable text}."""
    from feedback_classifier.cli import app

    runner = CliRunner()
    for args in commands(out):
        result = runner.invoke(app, args)
        if result.exit_code != 0:
            raise RuntimeError(f"{' '.join(args[:1])} failed: {result.output}")
    return {
        str(p.relative_to(out)): stable_text(p)
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.suffix in {".csv", ".html", ".md"}
    }


def main(target: str) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        run = Path(tmp) / "golden-run"
        outputs = write_outputs(run)
    target_dir = Path(target)
    for old in target_dir.rglob("*"):
        if old.is_file():
            old.unlink()
    for name, text in outputs.items():
        path = target_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    print(f"wrote {len(outputs)} golden files to {target_dir}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/golden/example_survey")
