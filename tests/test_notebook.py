"""The walkthrough notebook runs top to bottom against the current library (so it cannot rot)."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "walkthrough.ipynb"


def test_notebook_is_committed_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None


def test_walkthrough_notebook_executes(tmp_path, monkeypatch):
    pytest.importorskip("ipykernel")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError with the failing cell's traceback
    outputs = "".join(
        out.get("text", "") + str(out.get("data", {}).get("text/plain", ""))
        for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs
    )
    assert "rows, columns" in outputs and "NPS" in outputs and "report.html" in outputs
    assert any(
        "image/png" in out.get("data", {}) for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs
    ), "the chart cells should display figures"


def test_the_notebook_names_functions_that_exist():
    """Its introduction named io.read_table, classify.enrich, drivers.compute_drivers...: modules
    this package no longer has, so a reader looking them up found nothing."""
    import importlib

    intro = nbformat.read(NOTEBOOK, as_version=4).cells[0].source
    named = re.findall(r"`(\w+)\.(\w+)`", intro)
    assert len(named) >= 5
    missing = [f"{mod}.{name}" for mod, name in named
               if not hasattr(importlib.import_module(f"feedback_classifier.{mod}"), name)]
    assert not missing


def test_the_notebook_lists_the_columns_enrich_adds():
    """It listed four; enrich adds the two sentiment columns too."""
    import pandas as pd

    from feedback_classifier.model import default_model, enrich

    text = next(c.source for c in nbformat.read(NOTEBOOK, as_version=4).cells if "`enrich` adds" in c.source)
    listed = re.findall(r"`(\w+)`", text.split("`enrich` adds", 1)[1].split(";", 1)[0])
    added = enrich(pd.DataFrame({"comment": ["Late again"]}), default_model(), "comment").columns.tolist()[1:]
    assert listed == added
