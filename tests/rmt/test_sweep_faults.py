"""Sweeps under faults, with real processes killed and raced (issue 11, sections 2 and 4): a
kill or a full disk while the store is created leaves nothing or a resumable store; a failed
cell stops the sweep naming it, or is recorded, and no finished cell is lost; a second writer
is refused naming the owner, a dead owner's lock is taken over; workers die with the sweep.

The processes are forked from a multiprocessing fork server that has imported rmt once, so each
costs milliseconds, not the seconds of a fresh interpreter; each is a real process, killed by a
real signal, running the ``rmt`` command line."""

import errno
import json
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import zarr.storage

import rmt
from rmt.workflow.cli import main
from rmt.workflow.sweeps import SweepCellError, SweepInterrupted, SweepLocked

EXPERIMENT = "test_sweep_faults:counted"


def counted(rng, n: int = 0, pause: float = 0.0):
    """A cell that logs its first draw (unique per cell) and its process once it finishes, so a
    test can count computations; it fails when ``SWEEP_FAIL`` names its ``n``, and sends this
    process SIGINT when ``SWEEP_SIGNAL_AT`` does."""
    value = int(rng.integers(2**52))
    time.sleep(pause)
    if os.environ.get("SWEEP_FAIL") == str(n):
        raise ValueError(f"cell with n={n} fails")
    if os.environ.get("SWEEP_SIGNAL_AT") == str(n):
        os.kill(os.getpid(), signal.SIGINT)
    with open(os.environ["SWEEP_LOG"], "a") as fh:
        fh.write(f"{value} {os.getpid()}\n")
    return {"value": value, "n_seen": n}


def _computed(log: Path) -> list[int]:
    return [int(line.split()[0]) for line in log.read_text().split("\n") if line] \
        if log.exists() else []


def _wait(condition, timeout=60.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def _slow_creation(marker: str, pause: float) -> None:
    """Make store creation last ``pause`` seconds after its arrays are written (the window the
    issue measured: 0.07-1.1 s), touching ``marker`` when the window opens."""
    original = xr.Dataset.to_zarr

    def to_zarr(self, *args, **kwargs):
        result = original(self, *args, **kwargs)
        Path(marker).touch()
        time.sleep(pause)
        return result

    xr.Dataset.to_zarr = to_zarr


def _cli_child(argv, cwd, log, err, slow_creation=None, go=None, start_method="fork"):
    """``rmt ARGV`` in a forked process, in the folder ``cwd``: stderr to ``err``, cells logged
    to ``log``; its own workers started by ``start_method``."""
    multiprocessing.set_start_method(start_method, force=True)
    os.chdir(cwd)
    os.environ["SWEEP_LOG"] = str(log)
    for name in ("SWEEP_FAIL", "SWEEP_SIGNAL_AT"):
        os.environ.pop(name, None)
    sys.stderr = open(err, "w", buffering=1)  # noqa: SIM115 - open until the process ends
    if slow_creation is not None:
        _slow_creation(*slow_creation)
    if go is not None:
        _wait(lambda: Path(go).exists())
    sys.exit(main(argv))


@pytest.fixture(scope="module")
def spawn():
    """Start ``rmt ARGV`` in a real process forked from a fork server."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["rmt.workflow.sweeps", "rmt.workflow.cli", "test_sweep_faults"])

    def start(argv, log, err, **kwargs):
        proc = ctx.Process(target=_cli_child, args=(argv, os.getcwd(), str(log), str(err)),
                           kwargs=kwargs)
        proc.start()
        return proc

    return start


@pytest.fixture
def logged(tmp_path, monkeypatch):
    monkeypatch.setenv("SWEEP_LOG", str(tmp_path / "cells.log"))
    monkeypatch.delenv("SWEEP_FAIL", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path / "cells.log"


def _args(out, n="1,2,3", replicates=8, workers=1, pause=0.0, *extra):
    return ["sweep", EXPERIMENT, "--set", f"n={n}", "--set", f"pause={pause}", "--replicates",
            str(replicates), "--rng", "5", "--workers", str(workers), "--quiet", "--out",
            str(out), *extra]


def _reference(tmp_path, n=(1, 2, 3), replicates=8):
    """The values every cell must hold: the same sweep, uninterrupted, in memory."""
    old = os.environ.get("SWEEP_LOG")
    os.environ["SWEEP_LOG"] = str(tmp_path / "reference.log")
    try:
        return rmt.sweep(EXPERIMENT, {"n": list(n), "pause": [0.0]}, replicates, rng=5)
    finally:
        os.environ["SWEEP_LOG"] = old


def _stored(path) -> xr.Dataset:
    return xr.open_zarr(path, consolidated=False).load()


def _leftovers(tmp_path) -> list[str]:
    return sorted(p.name for p in tmp_path.iterdir() if ".creating-" in p.name
                  or p.name.endswith(".lock"))


# ----------------------------------------------------------------- atomic creation ------


@pytest.mark.parametrize("fault", ["SIGKILL", "SIGINT", "SIGINT twice"])
def test_a_kill_while_the_store_is_created_leaves_nothing_or_a_resumable_store(
        tmp_path, logged, spawn, capsys, fault):
    marker = tmp_path / "creating"
    proc = spawn(_args("s.zarr"), tmp_path / "child.log", tmp_path / "err.txt",
                 slow_creation=(str(marker), 1.0))
    assert _wait(marker.exists), (tmp_path / "err.txt").read_text()
    if fault == "SIGKILL":
        proc.kill()
    else:
        os.kill(proc.pid, signal.SIGINT)  # the arrays are written, the store not yet complete
        if fault == "SIGINT twice":
            time.sleep(0.2)
            os.kill(proc.pid, signal.SIGINT)
    proc.join(30)
    assert proc.exitcode == (-signal.SIGKILL if fault == "SIGKILL" else 130)
    out = tmp_path / "s.zarr"
    if out.exists():  # a complete store, the first cell in it
        assert main(["show", "s.zarr"]) == 0
        assert "1 of 24 cells done" in capsys.readouterr().out
    # Either way the same command finishes the sweep, fresh or with --resume.
    assert main(_args("s.zarr", "1,2,3", 8, 1, 0.0, "--resume")) == 0
    _same_values(_stored(out), _reference(tmp_path))
    assert _leftovers(tmp_path) == []
    assert main(["show", "s.zarr"]) == 0 and "24 of 24 cells done" in capsys.readouterr().out


def _same_values(a, b):
    for k in ("value", "n_seen", "done", "error"):
        np.testing.assert_array_equal(a[k].values, b[k].values, err_msg=k)


def test_a_full_disk_while_the_store_is_created_leaves_nothing(tmp_path, logged, monkeypatch):
    original, calls = zarr.storage.LocalStore.set, []

    async def full(self, key, value):
        calls.append(key)
        if len(calls) > 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        return await original(self, key, value)

    monkeypatch.setattr(zarr.storage.LocalStore, "set", full)
    with pytest.raises(OSError, match="No space left on device.*nothing was left") as info:
        rmt.sweep(EXPERIMENT, {"n": [1, 2]}, 4, rng=5, out="s.zarr")
    assert info.value.errno == errno.ENOSPC
    assert not (tmp_path / "s.zarr").exists() and _leftovers(tmp_path) == []
    monkeypatch.setattr(zarr.storage.LocalStore, "set", original)
    ds = rmt.sweep(EXPERIMENT, {"n": [1, 2]}, 4, rng=5, out="s.zarr")
    assert bool(ds.done.all()) and bool(_stored(tmp_path / "s.zarr").done.all())


# ------------------------------------------------------------------- failed cells -------


@pytest.mark.parametrize("workers", [1, 2])
def test_a_failed_cell_stops_the_sweep_naming_it_and_every_finished_cell_is_kept(
        tmp_path, logged, monkeypatch, workers):
    monkeypatch.setenv("SWEEP_FAIL", "3")
    grid = {"n": [1, 2, 3, 4], "pause": [0.01]}
    with pytest.raises(SweepCellError) as info:
        rmt.sweep(EXPERIMENT, grid, 8, rng=5, workers=workers, cells_per_task=2,
                  out="s.zarr")
    message = str(info.value)
    assert "experiment 'test_sweep_faults:counted' failed in cell n=3, pause=0.01, " \
           "replicate=" in message and "ValueError: cell with n=3 fails" in message
    assert "--resume" in message and "--on-error record" in message
    assert info.value.cell["n"] == 3 and "Traceback" in info.value.error
    stored = _stored(tmp_path / "s.zarr")
    finished = set(_computed(logged))
    kept = set(stored.value.values[stored.done.values.astype(bool)].astype(np.int64).tolist())
    assert finished == kept            # every finished cell stored, none dropped
    assert not stored.done.sel(n=3).any() and info.value.done == len(kept)
    # Fixed, the sweep resumes without computing a stored cell again.
    monkeypatch.delenv("SWEEP_FAIL")
    ds = rmt.sweep(EXPERIMENT, grid, 8, rng=5, workers=workers, cells_per_task=2,
                   out="s.zarr", resume=True)
    assert bool(ds.done.all()) and len(_computed(logged)) == 32 == len(set(_computed(logged)))
    assert _leftovers(tmp_path) == []


def test_failed_cells_recorded_are_reported_and_retried_only_when_asked(
        tmp_path, logged, monkeypatch, capsys):
    monkeypatch.setenv("SWEEP_FAIL", "2")
    args = _args("s.zarr", "1,2,3", 6, 2, 0.0, "--on-error", "record")
    assert main(args) == 1
    captured = capsys.readouterr()
    assert "12 of 18 cells, 6 failed in s.zarr" in captured.out
    err = captured.err
    assert "failed: n=2, pause=0.0, replicate=0: ValueError: cell with n=2 fails" in err
    stored = _stored(tmp_path / "s.zarr")
    failed = stored.error.values != ""
    np.testing.assert_array_equal(failed, np.broadcast_to(stored.n.values[:, None, None] == 2,
                                                          failed.shape))
    assert not stored.done.values[failed].any() and stored.done.values[~failed].all()
    assert all("ValueError: cell with n=2 fails" in str(e) for e in stored.error.values[failed])
    assert main(["show", "s.zarr"]) == 0
    shown = capsys.readouterr().out
    assert "12 of 18 cells done, 6 failed" in shown and "failed: n=2" in shown
    # --resume leaves recorded failures as they are; --retry-failed computes them again.
    monkeypatch.delenv("SWEEP_FAIL")
    assert main(_args("s.zarr", "1,2,3", 6, 2, 0.0, "--resume")) == 1
    assert len(_computed(logged)) == 12
    assert main(_args("s.zarr", "1,2,3", 6, 2, 0.0, "--resume", "--retry-failed")) == 0
    final = _stored(tmp_path / "s.zarr")
    assert len(_computed(logged)) == 18 == len(set(_computed(logged)))
    _same_values(final, _reference(tmp_path, replicates=6))
    # In memory too: the Dataset holds each failed cell's traceback.
    monkeypatch.setenv("SWEEP_FAIL", "1")
    ds = rmt.sweep(EXPERIMENT, {"n": [1, 2]}, 3, rng=5, on_error="record")
    assert (ds.error.values[0] != "").all() and (ds.error.values[1] == "").all()
    assert ds.done.values.sum() == 3 and np.isnan(ds.value.values[0]).all()


def _malformed(rng, n: int = 0):
    if n == 0:
        return [1.0]
    if n == 1:
        return {"y": 1.0, "z": np.zeros(2)}
    if n == 2:
        return {"y": 1.0}
    if n == 3:
        return {"y": 1.0, "z": np.zeros(3)}
    return {"y": "high", "z": np.zeros(2)}


@pytest.mark.parametrize(("grid", "expected"), [
    ([0], r"must return a non-empty mapping of output names .* got \[1.0\] \(list\)"),
    ([1, 2], r"failed in cell n=2, replicate=0: experiment '_malformed' returned the outputs "
             r"\['y'\], the first cell \['y', 'z'\]: missing \['z'\]"),
    ([1, 3], r"failed in cell n=3, replicate=0: output 'z' of experiment '_malformed' has "
             r"shape \(3,\), the first cell's \(2,\)"),
    ([1, 4], r"failed in cell n=4, replicate=0: output 'y' of experiment '_malformed' must be "
             r"a real number or an array of them; got 'high' \(str\)"),
])
def test_a_malformed_cell_result_is_named(grid, expected):
    with pytest.raises(SweepCellError, match=expected):
        rmt.sweep(_malformed, {"n": grid}, 2, rng=0)


# ---------------------------------------------------------------- two writers -------------


def test_a_second_writer_is_refused_naming_the_owner(tmp_path, logged, spawn, capsys):
    proc = spawn(_args("s.zarr", "1,2", 12, 2, 0.05), logged, tmp_path / "err.txt")
    assert _wait(lambda: (tmp_path / "s.zarr").exists() and len(_computed(logged)) >= 2)
    assert main(_args("s.zarr", "1,2", 12, 2, 0.05, "--resume")) == 2
    err = capsys.readouterr().err
    assert f"s.zarr is being written by another sweep: pid {proc.pid} on host " \
           f"{socket.gethostname()}" in err and "s.zarr.lock" in err
    assert main(["show", "s.zarr"]) == 0
    assert f"being written now by pid {proc.pid}" in capsys.readouterr().out
    proc.join(60)
    assert proc.exitcode == 0, (tmp_path / "err.txt").read_text()
    computed = _computed(logged)
    assert len(computed) == 24 == len(set(computed))     # no cell computed twice
    assert bool(_stored(tmp_path / "s.zarr").done.all()) and _leftovers(tmp_path) == []


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def _write_lock(path: Path, pid: int, host: str) -> None:
    path.write_text(json.dumps({"pid": pid, "host": host, "started": "earlier",
                                "token": "0"}))


@pytest.mark.parametrize("stale", [False, True])
def test_two_sweeps_created_at_once_one_runs_and_the_other_is_refused(
        tmp_path, logged, spawn, stale):
    if stale:  # both find the lock of a dead sweep and race to take it over
        _write_lock(tmp_path / "s.zarr.lock", _dead_pid(), socket.gethostname())
    go = tmp_path / "go"
    procs = [spawn(_args("s.zarr", "1,2", 6, 1, 0.01), logged, tmp_path / f"err{i}.txt",
                   go=str(go)) for i in range(2)]
    time.sleep(0.5)
    go.touch()
    for proc in procs:
        proc.join(60)
    codes = sorted(p.exitcode for p in procs)
    errors = [(tmp_path / f"err{i}.txt").read_text() for i in range(2)]
    assert codes == [0, 2], errors
    winner = procs[[p.exitcode for p in procs].index(0)]
    refused = errors[[p.exitcode for p in procs].index(2)]
    assert f"being written by another sweep: pid {winner.pid} on host" in refused
    computed = _computed(logged)
    assert len(computed) == 12 == len(set(computed))
    assert bool(_stored(tmp_path / "s.zarr").done.all()) and _leftovers(tmp_path) == []


def test_a_stale_lock_is_taken_over_and_a_live_or_foreign_one_refused(tmp_path, logged):
    lock = tmp_path / "s.zarr.lock"
    _write_lock(lock, _dead_pid(), socket.gethostname())
    ds = rmt.sweep(EXPERIMENT, {"n": [1]}, 2, rng=5, out="s.zarr")
    assert bool(ds.done.all()) and not lock.exists()
    for pid, host in ((os.getppid(), socket.gethostname()), (_dead_pid(), "elsewhere")):
        _write_lock(lock, pid, host)
        with pytest.raises(SweepLocked, match=f"pid {pid} on host {host}, since earlier; "
                                              f"wait .* delete s.zarr.lock"):
            rmt.sweep(EXPERIMENT, {"n": [1]}, 2, rng=5, out="s.zarr",
                      resume=True)
        assert lock.exists() and len(_computed(logged)) == 2
    lock.unlink()


def test_the_lock_is_released_on_every_exit(tmp_path, logged, monkeypatch):
    lock = tmp_path / "s.zarr.lock"
    rmt.sweep(EXPERIMENT, {"n": [1, 2]}, 2, rng=5, out="s.zarr")
    assert not lock.exists()
    with pytest.raises(ValueError, match="belongs to another sweep"):
        rmt.sweep(EXPERIMENT, {"n": [1, 3]}, 2, rng=5, out="s.zarr", resume=True)
    assert not lock.exists()
    with pytest.raises(FileExistsError):
        rmt.sweep(EXPERIMENT, {"n": [1, 2]}, 2, rng=5, out="s.zarr")
    assert not lock.exists()
    monkeypatch.setenv("SWEEP_FAIL", "2")
    with pytest.raises(SweepCellError):
        rmt.sweep(EXPERIMENT, {"n": [1, 2]}, 2, rng=5, out="f.zarr")
    assert not (tmp_path / "f.zarr.lock").exists()
    monkeypatch.delenv("SWEEP_FAIL")
    monkeypatch.setenv("SWEEP_SIGNAL_AT", "2")  # a real SIGINT to this process mid-sweep
    with pytest.raises(SweepInterrupted, match="rerun with resume=True"):
        rmt.sweep(EXPERIMENT, {"n": [1, 2, 3]}, 2, rng=5, out="i.zarr")
    assert not (tmp_path / "i.zarr.lock").exists() and (tmp_path / "i.zarr").exists()
    assert _leftovers(tmp_path) == []


# -------------------------------------------------------------------------- orphans -------


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("start_method", [
    "fork", pytest.param("forkserver", marks=pytest.mark.slow)])  # a fork server: 5 s more
def test_workers_die_with_a_killed_sweep(tmp_path, logged, spawn, start_method):
    proc = spawn(_args("s.zarr", "1,2", 20, 2, 0.2), logged, tmp_path / "err.txt",
                 start_method=start_method)
    pids = lambda: {int(line.split()[1]) for line in logged.read_text().split("\n")  # noqa: E731
                    if line} if logged.exists() else set()
    assert _wait(lambda: len(pids() - {proc.pid}) == 2), (tmp_path / "err.txt").read_text()
    workers = pids() - {proc.pid}
    proc.kill()
    proc.join(10)
    assert _wait(lambda: all(_gone(p) for p in workers), timeout=3.0), workers
    cells = len(_computed(logged))
    time.sleep(0.6)  # longer than a cell: a worker still computing would log one more
    assert len(_computed(logged)) == cells
