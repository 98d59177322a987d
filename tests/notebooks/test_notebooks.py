"""Every notebook executes top to bottom (reduced sizes via RMT_NOTEBOOK_QUICK=1)."""

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).parents[2] / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, monkeypatch):
    monkeypatch.setenv("RMT_NOTEBOOK_QUICK", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
    assert os.environ["RMT_NOTEBOOK_QUICK"] == "1"


def test_the_notebooks_are_there():
    names = {p.name for p in NOTEBOOKS}
    assert {"01_semicircle.ipynb", "02_random_fields.ipynb", "03_saddles.ipynb",
            "04_neural_nets.ipynb"} <= names
