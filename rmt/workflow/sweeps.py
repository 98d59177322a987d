r"""Sweeps: an experiment over a grid of parameters and replicates, locally or on a cluster.

A sweep runs an experiment (:mod:`rmt.workflow.registry`) on every *cell*: a point of the parameter
grid (the Cartesian product of the values given for each parameter) and a replicate number.

**Seeds.** Cell ``(g, r)`` (``g`` the flat index of the grid point, ``r`` the replicate) draws
from its own ``numpy.random.Generator`` made from the child
``SeedSequence(root.entropy, spawn_key=root.spawn_key + (g, r))`` of one root, so its numbers
do not depend on which worker ran it, in which order, or how cells were grouped into tasks:
results are identical for 1 worker, local processes or a ``dask.distributed`` cluster.

**Tasks.** Cells are grouped into tasks of consecutive replicates of one grid point
(``cells_per_task``; by default about eight tasks per worker for every grid point, so the
expensive points are shared among all workers, while each task stays long enough for its
scheduling and writing to be a small fraction of it).

**Execution.** ``workers=1`` runs in this process; ``workers=k`` in ``k`` local processes
(:class:`concurrent.futures.ProcessPoolExecutor`, no set-up); ``client=`` (a
``dask.distributed.Client``) or ``scheduler="tcp://host:port"`` on a dask cluster. A progress
bar (tqdm) shows cells done, rate and time left when the output is a terminal.

**Storage.** With ``out=``, results go to a zarr store as each task arrives (zarr because it
writes any block of a chunked array in place, without rewriting the file or holding a lock,
and a crash leaves every finished chunk readable; an HDF5 / netCDF file is one structure that a
crash mid-write can corrupt). The store holds the outputs (float64, NaN until computed), a
``done`` flag per cell written after the cell's results, and a fingerprint of the sweep
(experiment, grid, replicates, root seed). ``resume=True`` reopens it and computes only the
cells not done; a store of another sweep, or one that is not a sweep store, is refused and
never overwritten. SIGINT (Ctrl-C) and SIGTERM stop the sweep cleanly: tasks in flight finish
and are written, nothing else starts, and :class:`SweepInterrupted` is raised; a second signal
stops at once (the cells in flight are lost, never half-written: a cell's ``done`` flag is
written after its data).
"""

from __future__ import annotations

import concurrent.futures
import itertools
import json
import math
import numbers
import os
import signal
import socket
import sys
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from .._validation import check_int
from ..random import as_seed_sequence, child, provenance
from .registry import Experiment, get_experiment

__all__ = ["SweepInterrupted", "sweep"]

#: Normalisation recorded in every sweep's provenance (README, docs/theory.md section 1).
NORMALISATION = ("Wigner matrices: E|H_ij|^2 = 1/N off the diagonal, 2/(beta N) on it; "
                 "spectrum on [-2, 2]")
_FINGERPRINT = "rmt_sweep_fingerprint"
_TASKS_PER_WORKER = 8


class _Abort(KeyboardInterrupt):
    """A second SIGINT/SIGTERM: stop without waiting for the tasks in flight."""


class SweepInterrupted(KeyboardInterrupt):
    """A sweep stopped by SIGINT or SIGTERM after writing every finished task."""

    def __init__(self, done: int, total: int, out):
        super().__init__(f"sweep interrupted: {done} of {total} cells done" +
                         (f" and stored in {out}; rerun with resume=True (--resume) to "
                          f"finish" if out is not None else ""))
        self.done, self.total, self.out = done, total, out


@dataclass(frozen=True)
class _Task:
    grid_index: int
    replicates: tuple[int, ...]


def _check_grid(grid, exp: Experiment) -> dict[str, list]:
    if grid is None:
        grid = {}
    if not isinstance(grid, Mapping):
        raise TypeError(f"grid must be a mapping of parameter names to lists of values; "
                        f"got {type(grid).__name__}")
    out = {}
    for name, values in grid.items():
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence | np.ndarray):
            values = [values]
        values = list(values)
        if not values:
            raise ValueError(f"grid[{name!r}] is empty")
        if len({json.dumps(_plain(v)) for v in values}) != len(values):
            raise ValueError(f"grid[{name!r}] repeats a value: {values}")
        out[str(name)] = [_plain(v) for v in values]
    exp.resolve({k: v[0] for k, v in out.items()})  # unknown or missing parameters: refused
    return out


def _plain(v):
    """A JSON-able scalar (numpy scalars become Python ones)."""
    if isinstance(v, np.generic):
        v = v.item()
    if not isinstance(v, (str, bool, numbers.Integral, numbers.Real)):
        raise TypeError(f"grid values must be numbers or strings; got {v!r}")
    return v


def _cell_rng(root: np.random.SeedSequence, g: int, r: int) -> np.random.Generator:
    return np.random.default_rng(child(root, g, r))


def _run_task(exp: Experiment, params: dict, root_entropy, root_key, task: _Task,
              stop: threading.Event | None = None):
    """Compute the cells of one task; returns (task, {replicate: outputs}, host)."""
    root = np.random.SeedSequence(root_entropy, spawn_key=root_key)
    results = {}
    for r in task.replicates:
        if stop is not None and stop.is_set():
            break
        out = exp(_cell_rng(root, task.grid_index, r), **params)
        if not isinstance(out, Mapping):
            raise TypeError(f"experiment {exp.name!r} must return a mapping of outputs; got "
                            f"{type(out).__name__}")
        results[r] = {k: np.asarray(v) for k, v in out.items()}
    return task, results, socket.gethostname()


def _ignore_signals():  # pragma: no cover - runs in worker processes
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


class _Results:
    """Cell results kept in memory and, with a store, written to zarr as they arrive."""

    def __init__(self, dims: list[str], shape: tuple[int, ...], outputs: dict, store,
                 done: np.ndarray):
        self.dims, self.shape, self.outputs = dims, shape, outputs
        self.store = store
        self.done = done
        self.data = {k: np.full(shape + s, np.nan) for k, (s, _) in outputs.items()}
        self.hosts: set[str] = set()

    def add(self, grid_multi: tuple[int, ...], results: dict, host: str) -> int:
        if not results:
            return 0
        reps = sorted(results)
        for k in self.outputs:
            block = np.stack([np.broadcast_to(results[r][k], self.outputs[k][0])
                              for r in reps]).astype(np.float64)
            self.data[k][grid_multi + (reps,)] = block
            if self.store is not None:
                extra = (slice(None),) * len(self.outputs[k][0])
                self.store[k].set_orthogonal_selection(
                    tuple([g] for g in grid_multi) + (reps,) + extra,
                    block.reshape((1,) * len(grid_multi) + block.shape))
        self.done[grid_multi + (reps,)] = 1
        if self.store is not None:  # the flags last: a cell is done only once its data is in
            self.store["done"].set_orthogonal_selection(
                tuple([g] for g in grid_multi) + (reps,),
                np.ones((1,) * len(grid_multi) + (len(reps),), dtype=np.int8))
        self.hosts.add(host)
        return len(reps)


def _fingerprint(exp: Experiment, grid: dict, replicates: int, root) -> str:
    return json.dumps({"experiment": exp.name, "grid": grid, "replicates": replicates,
                       "seed_entropy": str(root.entropy),
                       "seed_spawn_key": list(root.spawn_key)}, sort_keys=True)


def _open_store(out: Path, fingerprint: str, resume: bool):
    """The zarr group of an existing store of this sweep, or None when there is none."""
    import zarr

    if not out.exists():
        return None
    if not resume:
        raise FileExistsError(f"{out} exists; pass resume=True (--resume) to finish that "
                              f"sweep, or choose another output path (nothing was changed)")
    try:
        group = zarr.open_group(str(out), mode="r+")
        found = group.attrs.get(_FINGERPRINT)
    except Exception as exc:  # noqa: BLE001 - any unreadable store is refused the same way
        raise ValueError(f"{out} is not a readable sweep store ({exc}); it was left as "
                         f"it is") from exc
    if found is None:
        raise ValueError(f"{out} is not a store written by rmt.sweep (no fingerprint); it was "
                         f"left as it is")
    if found != fingerprint:
        raise ValueError(f"{out} belongs to another sweep (experiment, grid, replicates or "
                         f"seed differ): stored {found}, asked {fingerprint}; it was left as "
                         f"it is")
    return group


def sweep(experiment, grid: Mapping | None = None, replicates: int = 1, *,
          workers: int | None = 1, client=None, scheduler: str | None = None,
          out: str | os.PathLike | None = None, resume: bool = False,
          cells_per_task: int | None = None, progress: bool | None = None,
          rng=None) -> xr.Dataset:
    """Run ``experiment`` on every cell of ``grid x replicates`` and gather one Dataset.

    Parameters
    ----------
    experiment : str, Experiment or callable
        A registered name (``rmt sweep --list``), ``"module:function"``, an
        :class:`rmt.workflow.Experiment` or a function ``fn(rng, **params) -> dict``.
    grid : mapping of str to list
        Values of each parameter (numbers or strings); parameters not on the grid take the
        experiment's defaults.
    replicates : int
        Cells per grid point, ``>= 1``.
    workers : int or None, default 1
        Local processes; ``None``: all cores. Ignored with ``client`` or ``scheduler``.
    client : dask.distributed.Client, optional
        Run the tasks on this cluster.
    scheduler : str, optional
        Address of a dask scheduler (``"tcp://host:8786"``) to connect a client to.
    out : path, optional
        A zarr store written as results arrive (module docstring).
    resume : bool
        Finish the sweep stored at ``out``.
    cells_per_task : int, optional
        Replicates per task (default: about eight tasks per worker for each grid point).
    progress : bool, optional
        Show a progress bar (default: when stderr is a terminal).
    rng : None, int, SeedSequence or Generator
        Root of every cell's seed (module docstring).

    Returns
    -------
    xarray.Dataset
        Outputs over (grid parameters..., ``replicate``, output dimensions), a ``done`` flag
        per cell, provenance in ``attrs``: library version, root seed entropy and spawn key,
        experiment, its full parameters, grid, replicates, normalisation, host count.

    Raises
    ------
    TypeError, ValueError
        Unknown experiment or parameter, malformed grid, ``replicates < 1``, a store of
        another sweep or not a sweep store, an unreachable scheduler (before any cell runs).
    FileExistsError
        ``out`` exists and ``resume`` is False.
    SweepInterrupted
        SIGINT or SIGTERM: finished tasks are written, the rest is left for ``resume``.
    """
    exp = get_experiment(experiment)
    grid = _check_grid(grid, exp)
    replicates = check_int("replicates", replicates, 1)
    root = as_seed_sequence(rng)
    if workers is None:
        workers = os.cpu_count() or 1
    workers = check_int("workers", workers, 1)
    if cells_per_task is not None:
        cells_per_task = check_int("cells_per_task", cells_per_task, 1)
    if scheduler is not None and client is None:
        client = _connect(scheduler)
    names = list(grid)
    shape = tuple(len(grid[k]) for k in names) + (replicates,)
    points = list(itertools.product(*(range(len(grid[k])) for k in names)))
    params = [exp.resolve({k: grid[k][i] for k, i in zip(names, idx, strict=True)})
              for idx in points]
    n_workers = _n_workers(client, workers)
    # About eight tasks per worker for every grid point: the cost of a cell can differ by
    # orders of magnitude between grid points (N = 100 or 10^7), and the expensive points
    # must still be shared among all workers.
    per_task = cells_per_task or max(1, math.ceil(replicates / (_TASKS_PER_WORKER * n_workers)))
    per_task = min(per_task, replicates)
    fingerprint = _fingerprint(exp, grid, replicates, root)
    out_path = None if out is None else Path(out)

    # -- the store, or the first cell to learn the outputs --------------------------------
    store = None if out_path is None else _open_store(out_path, fingerprint, resume)
    first = None
    if store is not None:
        outputs = json.loads(store.attrs["rmt_sweep_outputs"])
        outputs = {k: (tuple(s), d) for k, (s, d) in outputs.items()}
        done = np.asarray(store["done"][...], dtype=np.int8)
    else:
        first = _run_task(exp, params[0], root.entropy, root.spawn_key, _Task(0, (0,)))
        outputs = {k: (v.shape, v.dtype.str) for k, v in first[1][0].items()}
        clash = sorted(set(outputs) & {*names, "replicate", "done"})
        if clash:
            raise ValueError(f"experiment {exp.name!r} returns outputs named like grid "
                             f"dimensions {clash}; rename them")
        done = np.zeros(shape, dtype=np.int8)
        if out_path is not None:
            store = _create_store(out_path, names, grid, replicates, outputs, per_task,
                                  fingerprint, _attrs(exp, grid, replicates, root, params))
    results = _Results(names + ["replicate"], shape, outputs, store, done)
    if store is not None and done.any():
        for k in outputs:
            results.data[k][...] = np.asarray(store[k][...], dtype=np.float64)
    if first is not None:
        results.add(points[0], first[1], first[2])

    # -- tasks for the cells not done ------------------------------------------------------
    tasks = []
    for g, idx in enumerate(points):
        todo = [r for r in range(replicates) if not done[idx + (r,)]]
        for start in range(0, replicates, per_task):
            chunk = tuple(r for r in todo if start <= r < start + per_task)
            if chunk:
                tasks.append(_Task(g, chunk))
    total = int(np.prod(shape))
    _execute(exp, params, root, tasks, points, results, client, workers, progress,
             total, out_path)
    return _dataset(exp, grid, replicates, root, params, results, names)


def _n_workers(client, workers: int) -> int:
    if client is None:
        return workers
    try:
        return max(1, sum(client.nthreads().values()))
    except Exception:  # noqa: BLE001 - a client without the information: assume one
        return 1


def _connect(address: str):
    try:
        from distributed import Client
    except ImportError as exc:
        raise ImportError("a dask scheduler needs dask.distributed: pip install "
                          "'rmt-landscapes[cluster]'") from exc
    try:
        return Client(address, timeout="5s")
    except (OSError, TimeoutError) as exc:
        raise ValueError(f"cannot reach the dask scheduler at {address!r}: {exc}") from exc


def _create_store(path: Path, names, grid, replicates, outputs, per_task, fingerprint,
                  attrs):
    import zarr

    coords = {k: grid[k] for k in names}
    coords["replicate"] = np.arange(replicates)
    dims = names + ["replicate"]
    shape = tuple(len(grid[k]) for k in names) + (replicates,)
    chunks = (1,) * len(names) + (per_task,)
    data = {}
    for k, (s, _) in outputs.items():
        extra = [f"{k}_dim{i}" for i in range(len(s))]
        data[k] = (dims + extra, np.full(shape + s, np.nan))
    data["done"] = (dims, np.zeros(shape, dtype=np.int8))
    ds = xr.Dataset(data, coords=coords, attrs=attrs)
    encoding = {k: {"chunks": chunks + outputs[k][0]} for k in outputs}
    encoding["done"] = {"chunks": chunks}
    ds.to_zarr(str(path), mode="w-", encoding=encoding, compute=True, consolidated=False)
    group = zarr.open_group(str(path), mode="r+")
    group.attrs[_FINGERPRINT] = fingerprint
    group.attrs["rmt_sweep_outputs"] = json.dumps({k: [list(s), d] for k, (s, d)
                                                   in outputs.items()})
    return group


def _execute(exp, params, root, tasks, points, results, client, workers, progress, total,
             out_path):
    from tqdm.auto import tqdm

    stop = threading.Event()
    previous = {}

    def handler(signum, frame):
        if stop.is_set():  # a second signal: abort the tasks in flight too
            raise _Abort
        stop.set()
        print("rmt sweep: stopping after the tasks in flight (signal again to abort them)",
              file=sys.stderr, flush=True)

    in_main = threading.current_thread() is threading.main_thread()
    if in_main:
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, handler)
    show = sys.stderr.isatty() if progress is None else bool(progress)
    bar = tqdm(total=total, initial=int(results.done.sum()), disable=not show, unit="cell",
               desc=exp.name)
    try:
        if client is not None:
            _run_dask(exp, params, root, tasks, points, results, client, stop, bar)
        elif workers == 1:
            for task in tasks:
                if stop.is_set():
                    break
                t, res, host = _run_task(exp, params[task.grid_index], root.entropy,
                                         root.spawn_key, task, stop)
                bar.update(results.add(points[t.grid_index], res, host))
        else:
            _run_processes(exp, params, root, tasks, points, results, workers, stop, bar)
    except _Abort:
        pass  # the second signal: what was written stays, the rest is left for resume
    finally:
        bar.close()
        if in_main:
            for sig, old in previous.items():
                signal.signal(sig, old)
    if stop.is_set():
        raise SweepInterrupted(int(results.done.sum()), total, out_path)


def _run_processes(exp, params, root, tasks, points, results, workers, stop, bar):
    pool = concurrent.futures.ProcessPoolExecutor(max_workers=workers,
                                                  initializer=_ignore_signals)
    try:
        _drain(pool, exp, params, root, tasks, points, results, stop, bar)
    except _Abort:
        for process in list(getattr(pool, "_processes", {}).values()):
            process.terminate()   # cells in flight are lost; none was half-written
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _drain(pool, exp, params, root, tasks, points, results, stop, bar):
    pending = {pool.submit(_run_task, exp, params[t.grid_index], root.entropy,
                           root.spawn_key, t) for t in tasks}
    while pending:
        finished, pending = concurrent.futures.wait(
            pending, timeout=0.2, return_when=concurrent.futures.FIRST_COMPLETED)
        for fut in finished:
            t, res, host = fut.result()
            bar.update(results.add(points[t.grid_index], res, host))
        if stop.is_set():
            for fut in pending:
                fut.cancel()
            running = [f for f in pending if not f.cancelled()]
            for fut in concurrent.futures.as_completed(running):
                t, res, host = fut.result()
                bar.update(results.add(points[t.grid_index], res, host))
            break


def _run_dask(exp, params, root, tasks, points, results, client, stop, bar):
    from distributed import as_completed

    futures = [client.submit(_run_task, exp, params[t.grid_index], root.entropy,
                             root.spawn_key, t, pure=False) for t in tasks]
    iterator = as_completed(futures)
    for fut in iterator:
        t, res, host = fut.result()
        bar.update(results.add(points[t.grid_index], res, host))
        if stop.is_set():
            client.cancel([f for f in futures if not f.done()])
            break


def _attrs(exp, grid, replicates, root, params) -> dict:
    fixed = {k: v for k, v in params[0].items() if k not in grid}
    return provenance(root, experiment=exp.name, description=exp.description,
                      grid=json.dumps(grid), fixed_parameters=json.dumps(fixed),
                      replicates=replicates, normalisation=NORMALISATION)


def _dataset(exp, grid, replicates, root, params, results: _Results, names) -> xr.Dataset:
    dims = names + ["replicate"]
    data = {}
    complete = bool(results.done.all())
    for k, (s, dtype) in results.outputs.items():
        values = results.data[k]
        if complete and np.dtype(dtype).kind in "biu":
            values = values.astype(dtype)
        data[k] = (dims + [f"{k}_dim{i}" for i in range(len(s))], values)
    data["done"] = (dims, results.done.astype(bool))
    coords = {k: grid[k] for k in names}
    coords["replicate"] = np.arange(replicates)
    attrs = _attrs(exp, grid, replicates, root, params)
    attrs["hosts"] = len(results.hosts) if results.hosts else 1
    return xr.Dataset(data, coords=coords, attrs=attrs)
