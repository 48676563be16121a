"""The main commands' outputs on the bundled example survey equal the reviewed golden files.

Regenerate after an intended change: ``python scripts/golden_outputs.py`` (and review the diff).
"""

from __future__ import annotations

import difflib
import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden" / "example_survey"


def _golden_module():
    spec = importlib.util.spec_from_file_location("golden_outputs", ROOT / "scripts" / "golden_outputs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_outputs_equal_the_golden_files(tmp_path):
    outputs = _golden_module().write_outputs(tmp_path / "golden-run")
    expected = {str(p.relative_to(GOLDEN)): p.read_text(encoding="utf-8") for p in GOLDEN.rglob("*") if p.is_file()}
    assert sorted(outputs) == sorted(expected)
    for name, text in outputs.items():
        if text != expected[name]:
            diff = "\n".join(list(difflib.unified_diff(expected[name].splitlines(), text.splitlines(), lineterm="", n=1))[:40])
            raise AssertionError(f"{name} differs from its golden file:\n{diff[:4000]}")
