"""Sweep inputs (issue 11, sections 1 and 4): every argument of ``rmt.sweep`` refused with a
message naming it before any cell runs, and grid values checked against the experiment's
parameter types (never silently truncated; ``beta=1`` and ``beta=1.0`` one sweep)."""

import numpy as np
import pytest
import xarray as xr

import rmt
from rmt.workflow.cli import main
from rmt.workflow.registry import Experiment, get_experiment

CELLS = []


def _cell(rng, n: int = 1, x: float = 0.5, label: str = "a", flag: bool = False):
    CELLS.append(n)
    return {"y": float(rng.random()) + n + x}


@pytest.fixture(autouse=True)
def _fresh(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    CELLS.clear()
    yield
    assert not list(tmp_path.glob("*.lock"))


@pytest.mark.parametrize(("kwargs", "error", "names"), [
    ({"resume": "yes"}, TypeError, "resume"),
    ({"resume": 1}, TypeError, "resume"),
    ({"progress": 2}, TypeError, "progress"),
    ({"progress": "no"}, TypeError, "progress"),
    ({"retry_failed": None}, TypeError, "retry_failed"),
    ({"on_error": "ignore"}, ValueError, "on_error"),
    ({"on_error": 0}, TypeError, "on_error"),
    ({"out": 5}, TypeError, "out"),
    ({"out": ""}, ValueError, "out"),
    ({"out": "no/such/folder/s.zarr"}, ValueError, "out"),
    ({"scheduler": "bogus"}, ValueError, "scheduler"),
    ({"scheduler": "tcp://host:99999"}, ValueError, "scheduler"),
    ({"scheduler": 8786}, TypeError, "scheduler"),
    ({"client": "tcp://127.0.0.1:8786"}, TypeError, "client"),
    ({"workers": 0}, ValueError, "workers"),
    ({"workers": 1.5}, TypeError, "workers"),
    ({"workers": 10**9}, ValueError, "workers"),
    ({"replicates": 0}, ValueError, "replicates"),
    ({"replicates": 10**13}, ValueError, "replicates"),
    ({"replicates": 2.0}, TypeError, "replicates"),
    ({"cells_per_task": 0}, ValueError, "cells_per_task"),
    ({"cells_per_task": "4"}, TypeError, "cells_per_task"),
    ({"rng": "abc"}, TypeError, "rng"),
    ({"grid": [1, 2]}, TypeError, "grid"),
    ({"grid": {1: [2]}}, TypeError, "grid"),
    ({"grid": {"n": []}}, ValueError, "grid['n']"),
    ({"grid": {"n": [1, 1]}}, ValueError, "grid['n']"),
    ({"grid": {"m": [1]}}, ValueError, "no parameter(s) ['m']"),
])
def test_every_argument_is_refused_by_name_before_any_cell_runs(kwargs, error, names):
    kwargs = {"grid": {"n": [1, 2]}, "replicates": 2, **kwargs}
    with pytest.raises(error) as info:
        rmt.sweep(_cell, **kwargs)
    assert names in str(info.value)
    assert CELLS == []  # no work before the refusal


def test_client_and_scheduler_together_are_refused():
    distributed = pytest.importorskip("distributed")
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=1,
                            dashboard_address=None) as client, \
            pytest.raises(ValueError, match="client or scheduler, not both"):
        rmt.sweep(_cell, {"n": [1]}, client=client, scheduler="tcp://127.0.0.1:9")
    assert CELLS == []


@pytest.mark.parametrize(("grid", "error", "message"), [
    ({"n": [2.5]}, TypeError, r"grid\['n'\] of experiment '_cell' \(declared int\) must be an "
                              r"integer; got 2.5"),
    ({"n": [10.0]}, TypeError, r"\(declared int\) must be an integer; got 10.0"),
    ({"n": [True]}, TypeError, r"\(declared int\) must be an integer; got True"),
    ({"x": ["0.5"]}, TypeError, r"grid\['x'\] .* \(declared float\) must be a real number"),
    ({"x": [float("nan")]}, ValueError, r"grid\['x'\] .* must be finite"),
    ({"label": [3]}, TypeError, r"grid\['label'\] .* \(declared str\) must be a string"),
    ({"flag": [1]}, TypeError, r"grid\['flag'\] .* \(declared bool\) must be True or False"),
])
def test_grid_values_must_be_of_the_declared_type(grid, error, message):
    with pytest.raises(error, match=message):
        rmt.sweep(_cell, grid)
    assert CELLS == []


def test_ints_given_to_a_float_parameter_are_stored_as_floats_one_sweep(tmp_path):
    a = rmt.sweep("index", {"N": [10], "beta": [1, 2]}, 3, rng=0, out="b.zarr")
    b = rmt.sweep("index", {"N": [10], "beta": [1.0, 2.0]}, 3, rng=0)
    assert a.beta.dtype == np.float64 and a.attrs["grid"] == b.attrs["grid"]
    np.testing.assert_array_equal(a.index.values, b.index.values)
    # The store of beta=1 is the store of beta=1.0: resumed, not refused, nothing recomputed.
    before = {p: p.stat().st_mtime_ns for p in (tmp_path / "b.zarr").rglob("*")}
    c = rmt.sweep("index", {"N": [10], "beta": [1.0, 2.0]}, 3, rng=0, out="b.zarr",
                  resume=True)
    assert bool(c.done.all())
    assert before == {p: p.stat().st_mtime_ns for p in (tmp_path / "b.zarr").rglob("*")}
    stored = xr.open_zarr(tmp_path / "b.zarr", consolidated=False)
    assert stored.beta.dtype == np.float64


def test_the_command_line_refuses_a_float_for_an_int_and_merges_beta_1_and_1_0(
        tmp_path, capsys):
    assert main(["sweep", "index", "--set", "N=2.5,10.5", "--out", "n.zarr", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "grid['N'] of experiment 'index' (declared int) must be an integer; got 2.5" in err
    assert not (tmp_path / "n.zarr").exists()
    assert main(["sweep", "index", "--set", "N=10", "--set", "beta=1", "--replicates", "2",
                 "--out", "b.zarr", "--quiet", "--workers", "1"]) == 0
    assert main(["sweep", "index", "--set", "N=10", "--set", "beta=1.0", "--replicates", "2",
                 "--out", "b.zarr", "--quiet", "--workers", "1", "--resume"]) == 0
    assert "2 of 2 cells in b.zarr" in capsys.readouterr().out
    # A str parameter keeps its text even when it reads as a number; --list shows the types.
    assert main(["sweep", "--list"]) == 0
    assert "index(N: int, beta: float = 1.0)" in capsys.readouterr().out


def test_declared_types_come_from_annotations_then_defaults():
    exp = get_experiment(_cell)
    assert exp.types == {"n": int, "x": float, "label": str, "flag": bool}

    def untyped(rng, a=None, b=1, c=2.0, d: "int | float" = 1, e: "str | None" = None):
        return {"y": 0.0}

    assert get_experiment(untyped).types == {"b": int, "c": float, "d": float, "e": str}
    assert get_experiment("index").types == {"N": int, "beta": float}
    assert get_experiment("critical-points").types["dim"] is int
    with pytest.raises(ValueError, match="types must map its parameters"):
        Experiment("bad", untyped, {"a": None}, types={"a": list})
