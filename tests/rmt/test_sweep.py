"""Sweeps: identical results on 1 worker, local processes and a real dask cluster; a sweep
killed by a real signal resumes to the uninterrupted result without computing a cell twice;
bad input refused with clear messages and nothing lost."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import rmt
from rmt.workflow import sweep
from rmt.workflow.cli import main
from rmt.workflow.registry import get_experiment, list_experiments, register_experiment

ROOT = Path(__file__).resolve().parents[2]
GRID = {"N": [50, 200, 1000], "beta": [1, 2]}


def _values(ds):
    return {k: ds[k].values for k in ds.data_vars}


def _same(a, b):
    assert set(a.data_vars) == set(b.data_vars)
    for k in a.data_vars:
        np.testing.assert_array_equal(a[k].values, b[k].values, err_msg=k)
    for c in a.coords:
        np.testing.assert_array_equal(a[c].values, b[c].values)


def test_one_worker_two_processes_and_a_dask_cluster_give_identical_datasets():
    distributed = pytest.importorskip("distributed")
    one = sweep("index", GRID, replicates=30, rng=7, workers=1)
    two = sweep("index", GRID, replicates=30, rng=7, workers=2, cells_per_task=7)
    _same(one, two)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        assert len(client.nthreads()) == 2
        on_cluster = sweep("index", GRID, replicates=30, rng=7, client=client,
                           cells_per_task=4)
    _same(one, on_cluster)
    # The cells are the experiment's: each an index of a matrix of its N.
    assert one.index.dims == ("N", "beta", "replicate")
    assert one.index.dtype == np.int64
    assert np.all(np.abs(one.index_fraction - 0.5) < 0.5)
    assert bool(one.done.all())
    for key in ("library_version", "seed_entropy", "seed_spawn_key", "grid", "experiment",
                "normalisation", "hosts", "replicates", "fixed_parameters"):
        assert key in one.attrs
    assert one.attrs["seed_entropy"] == "7"


def test_the_same_seed_gives_the_same_cells_whatever_the_task_size_and_store(tmp_path):
    a = sweep("index", {"N": [100]}, replicates=20, rng=3, cells_per_task=1)
    b = sweep("index", {"N": [100]}, replicates=20, rng=3, cells_per_task=20,
              out=tmp_path / "s.zarr")
    _same(a, b)
    stored = xr.open_zarr(tmp_path / "s.zarr", consolidated=False).load()
    np.testing.assert_array_equal(stored.index.values, a.index.values)
    assert stored.done.values.all()
    c = sweep("index", {"N": [100]}, replicates=20, rng=4)
    assert not np.array_equal(a.index.values, c.index.values)


# --------------------------------------------------------------- kill and resume ------------

_HELPER = textwrap.dedent('''
    import os, time

    def counted(rng, n=0, pause=0.02):
        """Logs the cell's first draw (unique per cell) so a test can count computations."""
        value = int(rng.integers(2**62))
        time.sleep(pause)
        with open(os.environ["SWEEP_LOG"], "a") as fh:
            fh.write(f"{value}\\n")
        return {"value": value % 1000003, "n_seen": n}
''')


def _cli(args, tmp_path, log, **kwargs):
    env = dict(os.environ, PYTHONPATH=f"{tmp_path}{os.pathsep}{ROOT}", SWEEP_LOG=str(log))
    return [sys.executable, "-m", "rmt.workflow.cli", "sweep", *args], dict(env=env, cwd=tmp_path,
                                                                    **kwargs)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_sweep_killed_by_a_signal_resumes_to_the_same_result(tmp_path, workers):
    (tmp_path / "sweep_helper.py").write_text(_HELPER)
    args = ["sweep_helper:counted", "--set", "n=1,2,3", "--replicates", "40", "--rng", "5",
            "--workers", str(workers), "--quiet", "--out"]
    log = tmp_path / "cells.log"
    cmd, kw = _cli(args + ["killed.zarr"], tmp_path, log)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            **kw)
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None and (
            not log.exists() or len(log.read_text().split()) < 30):
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)          # a real Ctrl-C to the sweep's process
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "resume" in err
    partial = xr.open_zarr(tmp_path / "killed.zarr", consolidated=False).load()
    n_done = int(partial.done.sum())
    assert 30 <= n_done < 120                # killed part-way, finished cells kept
    cmd, kw = _cli(args + ["killed.zarr", "--resume"], tmp_path, log)
    assert subprocess.run(cmd, capture_output=True, text=True, **kw).returncode == 0
    computed = log.read_text().split()
    assert len(computed) == 120 and len(set(computed)) == 120   # every cell exactly once
    ref_log = tmp_path / "reference.log"
    cmd, kw = _cli(args + ["reference.zarr"], tmp_path, ref_log)
    assert subprocess.run(cmd, capture_output=True, text=True, **kw).returncode == 0
    resumed = xr.open_zarr(tmp_path / "killed.zarr", consolidated=False).load()
    reference = xr.open_zarr(tmp_path / "reference.zarr", consolidated=False).load()
    _same(resumed[["value", "n_seen", "done"]], reference[["value", "n_seen", "done"]])
    assert sorted(computed) == sorted(ref_log.read_text().split())


def test_a_second_signal_aborts_at_once_and_resume_still_finishes(tmp_path):
    (tmp_path / "sweep_helper.py").write_text(_HELPER)
    args = ["sweep_helper:counted", "--set", "n=1,2", "--set", "pause=0.2", "--replicates",
            "16", "--workers", "2", "--quiet", "--out", "s.zarr"]
    log = tmp_path / "cells.log"
    cmd, kw = _cli(args, tmp_path, log)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            **kw)
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None and (
            not log.exists() or len(log.read_text().split()) < 4):
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)          # do not wait for the tasks in flight
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    partial = xr.open_zarr(tmp_path / "s.zarr", consolidated=False).load()
    assert int(partial.done.sum()) < 32
    cmd, kw = _cli(args + ["--resume"], tmp_path, log)
    assert subprocess.run(cmd, capture_output=True, text=True, **kw).returncode == 0
    final = xr.open_zarr(tmp_path / "s.zarr", consolidated=False).load()
    assert bool(final.done.all())
    # Every cell's value is its own first draw, whoever computed it: compare with a fresh run.
    cmd, kw = _cli(args[:-1] + ["ref.zarr"], tmp_path, tmp_path / "ref.log")
    assert subprocess.run(cmd, capture_output=True, text=True, **kw).returncode == 0
    ref = xr.open_zarr(tmp_path / "ref.zarr", consolidated=False).load()
    np.testing.assert_array_equal(final.value.values, ref.value.values)


# --------------------------------------------------------------------- bad input -----------


class _Result:
    def __init__(self, code, out, err):
        self.returncode, self.stdout, self.stderr = code, out, err


@pytest.fixture
def run_cli(tmp_path, monkeypatch, capsys):
    """``rmt ...`` in this process (the exit code ``main`` returns, stdout, stderr)."""
    monkeypatch.chdir(tmp_path)

    def run(args, _=None):
        code = main(args)
        captured = capsys.readouterr()
        return _Result(code, captured.out, captured.err)

    return run


def test_the_command_line_exits_nonzero_in_a_real_process(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, "-m", "rmt.workflow.cli", "sweep", "nope"],
                       capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
    assert r.returncode == 2 and "unknown experiment 'nope'" in r.stderr


def test_bad_input_gives_clear_errors_and_a_nonzero_exit(tmp_path, run_cli):
    _run = run_cli
    r = _run(["sweep", "no-such-experiment", "--set", "N=10"], tmp_path)
    assert r.returncode == 2 and "unknown experiment 'no-such-experiment'" in r.stderr
    r = _run(["sweep", "index", "--set", "N100"], tmp_path)
    assert r.returncode == 2 and "--set expects NAME=VALUE" in r.stderr
    r = _run(["sweep", "index", "--set", "N=10,", "--replicates", "2"], tmp_path)
    assert r.returncode == 2 and "--set expects" in r.stderr
    r = _run(["sweep", "index", "--set", "M=10"], tmp_path)
    assert r.returncode == 2 and "no parameter(s) ['M']" in r.stderr
    r = _run(["sweep", "index"], tmp_path)
    assert r.returncode == 2 and "needs values for ['N']" in r.stderr
    # An out file of another sweep: refused, left untouched.
    assert _run(["sweep", "index", "--set", "N=10", "--replicates", "3", "--out", "a.zarr",
                 "--quiet", "--workers", "1"], tmp_path).returncode == 0
    before = {p: p.stat().st_mtime_ns for p in (tmp_path / "a.zarr").rglob("*")}
    r = _run(["sweep", "index", "--set", "N=20", "--replicates", "3", "--out", "a.zarr",
              "--resume"], tmp_path)
    assert r.returncode == 2 and "belongs to another sweep" in r.stderr
    r = _run(["sweep", "index", "--set", "N=10", "--replicates", "3", "--out", "a.zarr"],
             tmp_path)
    assert r.returncode == 2 and "exists; pass resume=True (--resume)" in r.stderr
    after = {p: p.stat().st_mtime_ns for p in (tmp_path / "a.zarr").rglob("*")}
    assert before == after
    # A folder that is not a sweep store.
    (tmp_path / "junk.zarr").mkdir()
    (tmp_path / "junk.zarr" / "notes.txt").write_text("mine")
    r = _run(["sweep", "index", "--set", "N=10", "--out", "junk.zarr", "--resume"], tmp_path)
    assert r.returncode == 2 and "junk.zarr" in r.stderr
    assert (tmp_path / "junk.zarr" / "notes.txt").read_text() == "mine"
    r = _run(["show", "junk.zarr"], tmp_path)
    assert r.returncode == 2 and "cannot read" in r.stderr


def test_an_unreachable_scheduler_is_reported():
    pytest.importorskip("distributed")
    with pytest.raises(ValueError, match="cannot reach the dask scheduler"):
        sweep("index", {"N": [10]}, scheduler="tcp://127.0.0.1:9")


def test_show_prints_a_summary_and_writes_a_figure(tmp_path, run_cli):
    _run = run_cli
    assert _run(["sweep", "index", "--set", "N=10,100", "--set", "beta=1,2", "--replicates",
                 "5", "--out", "i.zarr", "--quiet", "--workers", "1"], tmp_path).returncode == 0
    r = _run(["show", "i.zarr"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert "| N | beta | cells done |" in r.stdout and "20 of 20 cells done" in r.stdout
    assert (tmp_path / "i.png").stat().st_size > 5000


# ---------------------------------------------------------------------- registry -----------


def test_registry_lists_experiments_and_takes_a_users_own():
    names = list_experiments()
    assert {"index", "critical-points"} <= set(names)
    assert names["critical-points"].parameters["kernel"] == "se"

    def coin(rng, p=0.5):
        return {"heads": int(rng.random() < p)}

    register_experiment("test-coin", coin, replace=True)
    assert get_experiment("test-coin").parameters == {"p": 0.5}
    ds = rmt.sweep("test-coin", {"p": [0.0, 1.0]}, replicates=5, rng=0)
    np.testing.assert_array_equal(ds.heads.values, [[0] * 5, [1] * 5])
    direct = rmt.sweep(coin, {"p": [0.0, 1.0]}, replicates=5, rng=0)
    np.testing.assert_array_equal(direct.heads.values, ds.heads.values)
    with pytest.raises(ValueError, match="already registered"):
        register_experiment("test-coin", coin)
    with pytest.raises(ValueError, match="repeats a value"):
        rmt.sweep(coin, {"p": [0.5, 0.5]})
    with pytest.raises(ValueError, match="replicates"):
        rmt.sweep(coin, {"p": [0.5]}, replicates=0)
