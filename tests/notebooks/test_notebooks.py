"""Every notebook executes top to bottom (reduced sizes via RMT_NOTEBOOK_QUICK=1) and draws
its figures only through the figure functions that ``rmt reproduce`` saves."""

import os
import re
from importlib.metadata import entry_points
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


def _code(path: Path) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    return [c.source for c in nb.cells if c.cell_type == "code"]


def test_every_figure_has_one_source():
    # Each figure of rmt reproduce is drawn in exactly one notebook, by its function and with
    # the seed rmt reproduce gives it, in the notebook its order names.
    calls = {}
    for path in NOTEBOOKS:
        for source in _code(path):
            for module, name, seed in re.findall(
                    r"(\w+)\.figures\.(\w+)\(quick=QUICK, rng=rmt\.workflow\.figure_rng\("
                    r"\"(\w+)\"\)\)", source):
                assert name == seed
                calls.setdefault(name, []).append((path.name, module))
    for ep in entry_points(group="rmt.figures"):
        function = ep.load()
        notebook = function.figure_order[0]
        assert calls.get(ep.name) == [(NOTEBOOKS[notebook - 1].name,
                                       function.__module__.split(".")[0])], ep.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebooks_draw_nothing_themselves_and_are_saved_without_outputs(path):
    for source in _code(path):
        assert not re.search(r"plt\.(subplots|figure|plot|hist|stairs)\(|\.plot\.\w+\(|"
                             r"\bax\w*\.", source), source
    nb = nbformat.read(path, as_version=4)
    assert all(not c.get("outputs") and c.get("execution_count") is None
               for c in nb.cells if c.cell_type == "code")
