r"""Sweeps: an experiment over a grid of parameters and replicates, locally or on a cluster.

A sweep runs an experiment (:mod:`rmt.workflow.registry`) on every *cell*: a point of the parameter
grid (the Cartesian product of the values given for each parameter) and a replicate number.
Every argument is checked before anything runs, grid values against the experiment's parameter
types (an ``int`` parameter refuses 2.5, never truncates it; a ``float`` one stores 1 as 1.0, so
``beta=1`` and ``beta=1.0`` are one sweep).

**Seeds.** Cell ``(g, r)`` (``g`` the flat index of the grid point, ``r`` the replicate) draws
from its own ``numpy.random.Generator`` made from the child
``SeedSequence(root.entropy, spawn_key=root.spawn_key + (g, r))`` of one root, so its numbers
do not depend on which worker ran it, in which order, or how cells were grouped into tasks.

**Threads.** Every cell runs with ``CELL_THREADS`` (one) BLAS thread (threadpoolctl, for every
BLAS and OpenMP library loaded) and one numba thread, wherever it runs: in this process, in a
local process or on a dask worker. The last bits of a product or a factorisation depend on how
its sums are split among threads, and a dask worker runs one BLAS thread where a local process
would run one per core; pinned, results are bitwise identical for 1 worker, local processes or a
``dask.distributed`` cluster. The parallelism is the cells'. ``attrs`` records
``blas_threads`` and ``numba_threads``.

**Tasks.** Cells are grouped into tasks of consecutive replicates of one grid point
(``cells_per_task``; by default about eight tasks per worker for every grid point, so the
expensive points are shared among all workers, while each task stays long enough for its
scheduling and writing to be a small fraction of it). The first cell runs alone, where the
cells run, to learn the outputs' names and shapes.

**Execution.** ``workers=1`` runs in this process; ``workers=k`` in ``k`` local processes
(:class:`concurrent.futures.ProcessPoolExecutor`, no set-up), each of which dies with this
process (``prctl(PR_SET_PDEATHSIG)`` on Linux for the workers it forks, otherwise a thread in
each worker watching this process's pid every half second), so a killed
sweep leaves no worker computing cells that nothing would store; ``client=`` (a
``dask.distributed.Client``) or ``scheduler="tcp://host:port"`` on a dask cluster. A progress
bar (tqdm) shows cells done, rate and time left when the output is a terminal.

**Storage.** With ``out=``, results go to a zarr store as each task arrives (zarr because it
writes any block of a chunked array in place, without rewriting the file, and a crash leaves
every finished chunk readable; an HDF5 / netCDF file is one structure that a crash mid-write can
corrupt). The store holds the outputs (float64, NaN until computed), a ``done`` flag per cell
written after the cell's results, an ``error`` text per cell (empty unless it failed) and a
fingerprint of the sweep (experiment, grid, replicates, root seed).

* *Creation is atomic*: the store is written beside ``out`` under a temporary name
  (``.NAME.creating-PID``), first cell included, and renamed into place, so a SIGKILL, a Ctrl-C
  or a full disk while it is created leaves either nothing at ``out`` (the next sweep of ``out``
  removes the leftover) or a complete, resumable store.
* *One writer*: a sweep writing ``out`` holds the lock file ``out.lock`` beside it, created
  atomically (a hard link of a complete file, which fails when the lock exists, as
  ``O_CREAT | O_EXCL`` does) and recording the owner's pid, host and start time. A second
  writer (another sweep of ``out``, or ``resume`` while the first runs) is refused with
  :class:`SweepLocked`, which names the owner. The lock of a dead process of this host (its pid
  no longer runs) is taken over; one of another host is refused, the message saying which file
  to delete if that owner is known to be gone. The lock is removed on every exit but SIGKILL.
* ``resume=True`` reopens the store and computes only the cells not done (the failed ones too
  with ``retry_failed=True``); a store of another sweep, or one that is not a sweep store, is
  refused and never overwritten.

**Faults.** A cell fails when it raises, or returns anything but a mapping of real numbers or
arrays with the first cell's output names and shapes (the message names the experiment, the
output and the cell). With ``on_error="raise"`` (the default) a failure stops the sweep as
SIGINT does (no new task starts; the tasks in flight finish and are written) and
:class:`SweepCellError` names the cell's grid values and replicate and carries its traceback;
the failed cell is left not done, for ``resume`` once the experiment is fixed. With
``on_error="record"`` the cell's traceback goes to ``error``, its ``done`` flag stays False and
the sweep goes on. SIGINT (Ctrl-C) and SIGTERM, handled from the start of the sweep, before its
store exists, stop it cleanly: tasks in flight finish and are written, nothing else starts, and
:class:`SweepInterrupted` is raised; a second signal stops at once (the cells in flight are
lost, never half-written: a cell's ``done`` flag is written after its data). On a dask cluster a
stop cancels the tasks in flight.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import ctypes
import functools
import glob
import itertools
import json
import math
import os
import re
import shutil
import signal
import socket
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from .._validation import check_bool, check_choice, check_count, check_int
from ..random import as_seed_sequence, child, provenance
from ._processes import alive as _alive
from .registry import Experiment, get_experiment

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: stale locks are broken without flock
    fcntl = None

__all__ = ["SweepCellError", "SweepInterrupted", "SweepLocked", "sweep"]

#: Normalisation recorded in every sweep's provenance (README, docs/theory.md section 1).
NORMALISATION = ("Wigner matrices: E|H_ij|^2 = 1/N off the diagonal, 2/(beta N) on it; "
                 "spectrum on [-2, 2]")
#: BLAS and numba threads of every cell (module docstring, "Threads").
CELL_THREADS = 1
_FINGERPRINT = "rmt_sweep_fingerprint"
_OUTPUTS = "rmt_sweep_outputs"
_TASKS_PER_WORKER = 8
#: Memory of a cell at the least: its done flag, its error reference and one float64 output.
_CELL_BYTES = 17
#: Memory of a local worker process (numpy, scipy and numba loaded), to refuse a pool that
#: cannot fit.
_WORKER_BYTES = 100 * 2**20
#: A dask scheduler address: protocol, host (or [IPv6]) and port.
_ADDRESS = re.compile(r"(tcp|tls|ws|wss|ucx)://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})")
_PR_SET_PDEATHSIG = 1
_LOCK_ATTEMPTS = 5


class _Abort(KeyboardInterrupt):
    """A second SIGINT/SIGTERM: stop without waiting for the tasks in flight."""


class SweepInterrupted(KeyboardInterrupt):
    """A sweep stopped by SIGINT or SIGTERM after writing every finished task."""

    def __init__(self, done: int, total: int, out):
        super().__init__(f"sweep interrupted: {done} of {total} cells done" +
                         (f" and stored in {out}; rerun with resume=True (--resume) to "
                          f"finish" if out is not None else "; nothing was stored"))
        self.done, self.total, self.out = done, total, out


class SweepCellError(RuntimeError):
    """A cell that failed (module docstring, "Faults"): ``cell`` holds its grid values and
    replicate, ``error`` its traceback (or what was malformed in its result)."""

    def __init__(self, message: str, cell: dict, error: str, done: int, total: int, out):
        super().__init__(message)
        self.cell, self.error, self.done, self.total, self.out = cell, error, done, total, out


class SweepLocked(RuntimeError):
    """A sweep store that another sweep is writing (its lock file names the owner)."""

    def __init__(self, out: Path, lock: Path, owner: dict):
        who = (f"pid {owner.get('pid')} on host {owner.get('host')}, since "
               f"{owner.get('started')}" if owner else "an owner its lock does not record")
        super().__init__(f"{out} is being written by another sweep: {who}; wait for it to "
                         f"finish, or if that process is gone, delete {lock}")
        self.out, self.lock, self.owner = out, lock, owner


@dataclass(frozen=True)
class _Task:
    grid_index: int
    replicates: tuple[int, ...]


# ------------------------------------------------------------------------- arguments ----


def _check_grid(grid, exp: Experiment) -> dict[str, list]:
    if grid is None:
        grid = {}
    if not isinstance(grid, Mapping):
        raise TypeError(f"grid must be a mapping of parameter names to lists of values; "
                        f"got {type(grid).__name__}")
    lists = {}
    for name, values in grid.items():
        if not isinstance(name, str):
            raise TypeError(f"grid keys must be parameter names (str); got {name!r}")
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence | np.ndarray):
            values = [values]
        lists[name] = list(values)
        if not lists[name]:
            raise ValueError(f"grid[{name!r}] is empty")
    exp.resolve({k: v[0] for k, v in lists.items()})  # unknown or missing parameters: refused
    out = {}
    for name, values in lists.items():
        out[name] = [exp._grid_value(name, v) for v in values]
        if len({json.dumps(v) for v in out[name]}) != len(values):
            raise ValueError(f"grid[{name!r}] repeats a value: {out[name]}")
    return out


def _check_out(out) -> Path | None:
    if out is None:
        return None
    if not isinstance(out, (str, os.PathLike)):
        raise TypeError(f"out must be a path (str or os.PathLike) or None; got {out!r} "
                        f"({type(out).__name__})")
    path = Path(os.fsdecode(out))
    if not os.fsdecode(out) or path.name in ("", ".", ".."):
        raise ValueError(f"out must name a store, for example 'sweep.zarr'; got {out!r}")
    if not path.parent.is_dir():
        raise ValueError(f"out: the folder {path.parent} of {out!r} does not exist")
    return path


def _check_cluster(client, scheduler) -> None:
    if client is not None and scheduler is not None:
        raise ValueError("give client or scheduler, not both")
    if client is not None:
        try:
            from distributed import Client
        except ImportError:
            Client = ()  # noqa: N806 - without dask.distributed nothing is a Client
        if not isinstance(client, Client):
            raise TypeError(f"client must be a dask.distributed.Client; got "
                            f"{type(client).__name__}")
    if scheduler is not None:
        if not isinstance(scheduler, str):
            raise TypeError(f"scheduler must be an address string like 'tcp://host:8786'; got "
                            f"{scheduler!r} ({type(scheduler).__name__})")
        match = _ADDRESS.fullmatch(scheduler)
        if match is None or not 1 <= int(match.group(3)) <= 65535:
            raise ValueError(f"scheduler must be a dask scheduler address like "
                             f"'tcp://host:8786'; got {scheduler!r}")


# ------------------------------------------------------------------------------ cells ----


def _cell_rng(root: np.random.SeedSequence, g: int, r: int) -> np.random.Generator:
    return np.random.default_rng(child(root, g, r))


_PINNED = {"cells": 0, "restore": []}
_PIN_LOCK = threading.Lock()


@contextlib.contextmanager
def _cell_threads() -> Iterator[None]:
    """``CELL_THREADS`` threads for the cell running in this thread: BLAS pools shared by the
    process (OpenBLAS's own threads) while any cell of the process runs, OpenMP (its limit is
    per thread) and numba in this thread; the settings before come back after."""
    import numba
    from threadpoolctl import threadpool_limits

    with _PIN_LOCK:
        if _PINNED["cells"] == 0:
            _PINNED["restore"] = _pin_blas()
        _PINNED["cells"] += 1
    before = numba.get_num_threads()
    numba.set_num_threads(CELL_THREADS)
    try:
        with threadpool_limits(limits=CELL_THREADS, user_api="openmp"):
            yield
    finally:
        numba.set_num_threads(before)
        with _PIN_LOCK:
            _PINNED["cells"] -= 1
            if _PINNED["cells"] == 0:
                for set_threads, n in _PINNED["restore"]:
                    set_threads(n)


def _pin_blas() -> list:
    """Set every loaded BLAS to ``CELL_THREADS`` threads, from whichever thread asks; returns
    the setters and thread counts that restore them.

    threadpoolctl's public limit is ignored (since version 3.6) in a thread other than the one
    that first limited OpenBLAS, for instance a dask worker's thread while the caller holds a
    limit, so the library's own setter is called (``_real_set_num_threads`` where threadpoolctl
    has that distinction, ``set_num_threads`` before).
    """
    from threadpoolctl import ThreadpoolController

    restore = []
    for lib in ThreadpoolController().lib_controllers:
        if lib.user_api == "blas":
            set_threads = getattr(lib, "_real_set_num_threads", lib.set_num_threads)
            restore.append((set_threads, lib.get_num_threads()))
            set_threads(CELL_THREADS)
    return restore


def _run_task(exp: Experiment, params: dict, root_entropy, root_key, task: _Task,
              outputs: dict | None, on_error: str, stop: threading.Event | None = None):
    """Compute the cells of one task (module docstring, "Threads" and "Faults").

    Returns ``(task, {replicate: outputs}, {replicate: error text}, host)``; with
    ``on_error="raise"`` the task ends at its first failed cell.
    """
    root = np.random.SeedSequence(root_entropy, spawn_key=root_key)
    results, failures = {}, {}
    with _cell_threads():
        for r in task.replicates:
            if stop is not None and stop.is_set():
                break
            try:
                value = exp(_cell_rng(root, task.grid_index, r), **params)
            except Exception:  # noqa: BLE001 - a failed cell is reported with its traceback
                failures[r] = traceback.format_exc()
            else:
                arrays, problem = _outputs_of(exp.name, value, outputs)
                if problem is None:
                    results[r] = arrays
                else:
                    failures[r] = problem
            if failures and on_error == "raise":
                break
    return task, results, failures, socket.gethostname()


def _outputs_of(name: str, value, outputs: dict | None):
    """``(arrays, None)`` for a well-formed cell result, ``(None, what is wrong)`` otherwise;
    ``outputs`` maps the first cell's output names to their shapes."""
    if not isinstance(value, Mapping) or not value:
        return None, (f"experiment {name!r} must return a non-empty mapping of output names "
                      f"to numbers or arrays; got {_short(value)}")
    arrays = {}
    for key, v in value.items():
        try:
            arrays[key] = np.asarray(v)
        except ValueError:  # a ragged list
            arrays[key] = np.asarray(None)
        if not isinstance(key, str) or arrays[key].dtype.kind not in "biuf":
            return None, (f"output {key!r} of experiment {name!r} must be a real number or "
                          f"an array of them; got {_short(v)}")
    if outputs is None:
        return arrays, None
    if set(arrays) != set(outputs):
        return None, (f"experiment {name!r} returned the outputs {sorted(arrays)}, the first "
                      f"cell {sorted(outputs)}: missing {sorted(set(outputs) - set(arrays))}, "
                      f"unexpected {sorted(set(arrays) - set(outputs))}")
    for key, a in arrays.items():
        if a.shape != tuple(outputs[key]):
            return None, (f"output {key!r} of experiment {name!r} has shape {a.shape}, the "
                          f"first cell's {tuple(outputs[key])}")
    return arrays, None


def _short(value) -> str:
    text = repr(value)
    return (text if len(text) <= 80 else text[:77] + "...") + f" ({type(value).__name__})"


def _init_worker(sweep_pid: int) -> None:  # pragma: no cover - runs in worker processes
    """Leave SIGINT and SIGTERM to the sweep's process, and die with it: by the kernel when
    the sweep's process is this worker's parent (the fork start method), else by a thread
    watching its pid (a fork server or spawn started this worker)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if os.getppid() != sweep_pid or not _die_with_parent():
        threading.Thread(target=_watch, args=(sweep_pid,), daemon=True).start()
    if not _alive(sweep_pid):  # it died before the watch began
        os._exit(1)


def _die_with_parent() -> bool:  # pragma: no cover - runs in worker processes
    """Ask Linux to SIGKILL this process when its parent dies (``prctl(PR_SET_PDEATHSIG)``):
    immediate, even while a cell holds the GIL."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch(pid: int) -> None:  # pragma: no cover - runs in worker processes off Linux
    while _alive(pid):
        time.sleep(0.5)
    os._exit(1)


# ------------------------------------------------------------------------------ store ----


class _StoreLock:
    """The lock file ``out.lock`` of a sweep store (module docstring, "One writer")."""

    def __init__(self, out: Path):
        self.out = out
        self.path = out.with_name(out.name + ".lock")
        self.owner = {"pid": os.getpid(), "host": socket.gethostname(),
                      "started": time.strftime("%Y-%m-%d %H:%M:%S %z"),
                      "token": os.urandom(8).hex()}

    def __enter__(self) -> _StoreLock:
        full = self.path.with_name(f".{self.path.name}.{os.getpid()}-{self.owner['token']}")
        full.write_text(json.dumps(self.owner))
        try:
            for _ in range(_LOCK_ATTEMPTS):
                try:
                    _link_exclusive(full, self.path)
                    return self
                except FileExistsError:
                    owner = _read_lock(self.path)
                    if owner is not None and not _stale(owner):
                        raise SweepLocked(self.out, self.path, owner) from None
                    if owner is not None:
                        _break_lock(self.path, owner)
            raise SweepLocked(self.out, self.path, _read_lock(self.path) or {})
        finally:
            full.unlink(missing_ok=True)

    def __exit__(self, *exc) -> None:
        if _read_lock(self.path) == self.owner:
            self.path.unlink(missing_ok=True)


def _link_exclusive(full: Path, path: Path) -> None:
    """Make ``path`` the complete file ``full``, or raise FileExistsError when it exists."""
    try:
        os.link(full, path)
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links: O_CREAT | O_EXCL, then the content
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        with os.fdopen(fd, "w") as fh:
            fh.write(full.read_text())


def _read_lock(path: Path) -> dict | None:
    """The owner a sweep's lock file records, None when there is no lock (an unreadable one
    gives an empty owner)."""
    try:
        owner = json.loads(Path(path).read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {}
    return owner if isinstance(owner, dict) else {}


def _stale(owner: dict) -> bool:
    return owner.get("host") == socket.gethostname() and not _alive(owner.get("pid"))


def _break_lock(path: Path, owner: dict) -> None:
    """Remove the lock of dead ``owner``. Sweeps breaking it at once take turns on the file
    (flock) and remove it only while it is still that file with that owner."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return
    try:
        if fcntl is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_EX)
        with contextlib.suppress(FileNotFoundError):
            if os.stat(path).st_ino == os.fstat(fd).st_ino and _read_lock(path) == owner:
                os.unlink(path)
    finally:
        os.close(fd)


def _remove_unfinished(out: Path) -> None:
    """Remove the stores a killed sweep left half-created beside ``out`` (only the holder of
    the lock creates one, so every such folder is left over)."""
    for folder in out.parent.glob(f".{glob.escape(out.name)}.creating-*"):
        shutil.rmtree(folder, ignore_errors=True)


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


def _create_store(out: Path, plan: _Plan, results: _Results):
    """Write ``results`` beside ``out`` under a temporary name and rename it into place."""
    import zarr

    folder = out.with_name(f".{out.name}.creating-{os.getpid()}")
    chunks = (1,) * len(plan.names) + (plan.per_task,)
    encoding = {k: {"chunks": chunks + tuple(s)} for k, (s, _) in results.outputs.items()}
    encoding["done"] = {"chunks": chunks}
    encoding["error"] = {"chunks": chunks}
    try:
        with warnings.catch_warnings():
            # The grid's text values (kernel, optimizer, dataset) are fixed-length UTF-32
            # arrays, which zarr 3 writes and reads but which the Zarr v3 specification has not
            # yet named; the store is read back by zarr-python through xarray only.
            warnings.filterwarnings("ignore", category=getattr(
                zarr.errors, "UnstableSpecificationWarning", UserWarning),
                message=".*does not have a Zarr V3 specification")
            _store_dataset(plan, results).to_zarr(str(folder), mode="w-", encoding=encoding,
                                                  compute=True, consolidated=False)
        os.rename(folder, out)
    except OSError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise OSError(exc.errno, f"cannot create the sweep store {out}: {exc.strerror or exc}; "
                      f"nothing was left there") from exc
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return zarr.open_group(str(out), mode="r+")


# -------------------------------------------------------------------------- the sweep ----


class _Plan:
    """A sweep's cells: experiment, grid, replicates, root seed, task size, failure policy."""

    def __init__(self, exp: Experiment, grid: dict, replicates: int, root, per_task: int,
                 on_error: str):
        self.exp, self.grid, self.replicates, self.root = exp, grid, replicates, root
        self.per_task, self.on_error = per_task, on_error
        self.names = list(grid)
        self.dims = self.names + ["replicate"]
        self.shape = tuple(len(grid[k]) for k in self.names) + (replicates,)
        self.total = math.prod(self.shape)
        self.points = list(itertools.product(*(range(len(grid[k])) for k in self.names)))
        self.params = [exp.resolve({k: grid[k][i] for k, i in zip(self.names, idx, strict=True)})
                       for idx in self.points]
        self.n_tasks = len(self.points) * math.ceil(replicates / per_task)
        self.fingerprint = json.dumps(
            {"experiment": exp.name, "grid": grid, "replicates": replicates,
             "seed_entropy": str(root.entropy), "seed_spawn_key": list(root.spawn_key)},
            sort_keys=True)

    def call(self, task: _Task, outputs: dict | None) -> tuple:
        """The arguments of :func:`_run_task` for ``task``."""
        return (self.exp, self.params[task.grid_index], self.root.entropy, self.root.spawn_key,
                task, outputs, self.on_error)

    def cell(self, g: int, r: int) -> dict:
        """The grid values and replicate of cell ``(g, r)``."""
        idx = self.points[g]
        return {**{k: self.grid[k][i] for k, i in zip(self.names, idx, strict=True)},
                "replicate": r}

    def tasks(self, todo: np.ndarray) -> list[_Task]:
        """Tasks of at most ``per_task`` consecutive replicates over the cells ``todo``."""
        tasks = []
        for g, idx in enumerate(self.points):
            reps = np.flatnonzero(todo[idx])
            for start in range(0, self.replicates, self.per_task):
                chunk = tuple(int(r) for r in reps if start <= r < start + self.per_task)
                if chunk:
                    tasks.append(_Task(g, chunk))
        return tasks

    def coords(self) -> dict:
        return {**{k: self.grid[k] for k in self.names},
                "replicate": np.arange(self.replicates)}

    def attrs(self) -> dict:
        fixed = {k: v for k, v in self.params[0].items() if k not in self.grid}
        return provenance(self.root, experiment=self.exp.name,
                          description=self.exp.description, grid=json.dumps(self.grid),
                          fixed_parameters=json.dumps(fixed), replicates=self.replicates,
                          normalisation=NORMALISATION, blas_threads=CELL_THREADS,
                          numba_threads=CELL_THREADS)


class _Results:
    """Cell results in memory and, once the store exists, written to it as they arrive."""

    def __init__(self, plan: _Plan, outputs: dict, done: np.ndarray, error: np.ndarray):
        self.plan, self.outputs, self.done, self.error = plan, outputs, done, error
        self.data = {k: np.full(plan.shape + tuple(s), np.nan)
                     for k, (s, _) in outputs.items()}
        self.arrays = None  # the store's zarr arrays, by name
        self.hosts: set[str] = set()

    def attach(self, group) -> None:
        self.arrays = {k: group[k] for k in [*self.outputs, "done", "error"]}

    def add(self, outcome, record: bool) -> int:
        """Keep a task's cells (its failures too when ``record``); the number kept."""
        task, results, failures, host = outcome
        multi = self.plan.points[task.grid_index]
        self.hosts.add(host)
        kept = self._succeeded(multi, results)
        if record and failures:
            kept += self._failed(multi, failures)
        return kept

    def _succeeded(self, multi: tuple, results: dict) -> int:
        if not results:
            return 0
        reps = sorted(results)
        where = tuple([g] for g in multi) + (reps,)
        for k in self.outputs:
            block = np.stack([results[r][k] for r in reps]).astype(np.float64)
            self.data[k][multi + (reps,)] = block
            self._write(k, where, block.reshape((1,) * len(multi) + block.shape))
        self.done[multi + (reps,)] = 1  # the flags after the data: done once its data is in
        self._write("done", where, np.ones((1,) * len(multi) + (len(reps),), dtype=np.int8))
        retried = [r for r in reps if self.error[multi + (r,)]]
        if retried:
            self._set_errors(multi, dict.fromkeys(retried, ""))
        return len(reps)

    def _failed(self, multi: tuple, failures: dict) -> int:
        self._set_errors(multi, failures)
        return len(failures)

    def _set_errors(self, multi: tuple, texts: dict) -> None:
        reps = sorted(texts)
        block = np.array([texts[r] for r in reps], dtype=object)
        self.error[multi + (reps,)] = block
        self._write("error", tuple([g] for g in multi) + (reps,),
                    block.reshape((1,) * len(multi) + block.shape))

    def _write(self, name: str, where: tuple, block: np.ndarray) -> None:
        if self.arrays is not None:
            extra = (slice(None),) * (block.ndim - len(where))
            self.arrays[name].set_orthogonal_selection(where + extra, block)

    @classmethod
    def load(cls, plan: _Plan, group) -> _Results:
        outputs = {k: (tuple(s), d) for k, (s, d) in json.loads(group.attrs[_OUTPUTS]).items()}
        done = np.asarray(group["done"][...], dtype=np.int8)
        if "error" not in group:  # a store of version 0.2, before failures were recorded
            group.create_array("error", shape=done.shape, chunks=group["done"].chunks,
                               dtype=str, fill_value="", dimension_names=plan.dims)
        results = cls(plan, outputs, done, np.asarray(group["error"][...]).astype(object))
        if done.any():
            for k in outputs:
                results.data[k][...] = np.asarray(group[k][...], dtype=np.float64)
        results.attach(group)
        return results


class _Sweeping:
    """One sweep being computed: its plan, results, failure and stop flag."""

    def __init__(self, plan: _Plan, out: Path | None):
        self.plan, self.out = plan, out
        self.halt = threading.Event()  # set by a signal or, with on_error="raise", a failure
        self.results: _Results | None = None
        self.failure: tuple[int, int, str] | None = None  # (grid index, replicate, error)
        self.todo: list[_Task] = []

    def start(self, run: Callable, resume: bool, retry_failed: bool) -> None:
        """Open the store, or learn the outputs from the first cell and create it."""
        group = None if self.out is None else _open_store(self.out, self.plan.fingerprint,
                                                          resume)
        if group is not None:
            self.results = _Results.load(self.plan, group)
            failed = self.results.error != ""
            self.todo = self.plan.tasks(~self.results.done.astype(bool) &
                                        (retry_failed | ~failed))
            return
        if self.out is not None:
            _remove_unfinished(self.out)
        outcomes = self._probe(run)
        if outcomes is None:
            return
        self.results = self._first_results(outcomes)
        if self.out is not None:
            self.results.attach(_create_store(self.out, self.plan, self.results))
        self.todo = self.plan.tasks((self.results.done == 0) & (self.results.error == ""))

    def _probe(self, run: Callable) -> list | None:
        """Cells one at a time, in order, until one succeeds; None if none did (a failure
        stopped the sweep, every cell failed, or a signal came first)."""
        outcomes = []
        for g, r in itertools.product(range(len(self.plan.points)),
                                      range(self.plan.replicates)):
            for outcome in run([self.plan.call(_Task(g, (r,)), None)], self.halt):
                outcomes.append(outcome)
                if outcome[1]:
                    return outcomes
                if self.failure is None:
                    self.failure = (g, r, outcome[2][r])
            if self.halt.is_set() or (outcomes and self.plan.on_error == "raise"):
                return None
        return None

    def _first_results(self, outcomes: list) -> _Results:
        first = outcomes[-1][1]
        outputs = {k: (v.shape, v.dtype.str) for k, v in next(iter(first.values())).items()}
        clash = sorted(set(outputs) & {*self.plan.names, "replicate", "done", "error"})
        if clash:
            raise ValueError(f"experiment {self.plan.exp.name!r} returns outputs named like "
                             f"grid dimensions or the sweep's own variables {clash}; rename them")
        per_cell = _CELL_BYTES + 8 * sum(math.prod(s) for s, _ in outputs.values())
        check_count("replicates", self.plan.replicates, 1,
                    bytes_each=per_cell * len(self.plan.points),
                    what=f"the outputs {sorted(outputs)} of every cell")
        self.failure = None  # with on_error="record" the cells that failed before are kept
        results = _Results(self.plan, outputs, np.zeros(self.plan.shape, dtype=np.int8),
                           np.full(self.plan.shape, "", dtype=object))
        for outcome in outcomes:
            results.add(outcome, record=True)
        return results

    def compute(self, run: Callable, progress: bool | None) -> None:
        from tqdm.auto import tqdm

        if self.results is None:
            return
        outputs = {k: s for k, (s, _) in self.results.outputs.items()}
        finished = int(np.sum((self.results.done == 1) | (self.results.error != "")))
        show = sys.stderr.isatty() if progress is None else progress
        bar = tqdm(total=self.plan.total, initial=finished, disable=not show, unit="cell",
                   desc=self.plan.exp.name)
        record = self.plan.on_error == "record"
        try:
            for outcome in run([self.plan.call(t, outputs) for t in self.todo], self.halt):
                bar.update(self.results.add(outcome, record))
                if outcome[2] and not record and self.failure is None:
                    r = min(outcome[2])
                    self.failure = (outcome[0].grid_index, r, outcome[2][r])
                    self.halt.set()
        finally:
            bar.close()

    def finish(self, interrupted: bool) -> xr.Dataset:
        """The Dataset, or the exception that ended the sweep: a failed cell before a signal
        (a sweep stopped by both is told its failure)."""
        done = 0 if self.results is None else int(self.results.done.sum())
        stored = self.results is not None and self.results.arrays is not None
        if self.failure is not None and not (interrupted and self.results is None):
            raise self._cell_error(done, stored)
        if interrupted:
            raise SweepInterrupted(done, self.plan.total, self.out if stored else None)
        return _dataset(self.plan, self.results)

    def _cell_error(self, done: int, stored: bool) -> SweepCellError:
        g, r, error = self.failure
        cell = self.plan.cell(g, r)
        label = ", ".join(f"{k}={v}" for k, v in cell.items())
        summary = error.strip().splitlines()[-1] if error.strip() else "failed"
        name = self.plan.exp.name
        if self.plan.on_error == "record":  # every cell failed: nothing to store
            message = f"experiment {name!r} failed in every cell; the first, {label}: {summary}"
        else:
            message = (f"experiment {name!r} failed in cell {label}: {summary}; {done} of "
                       f"{self.plan.total} cells are done" +
                       (f" and stored in {self.out}: fix the experiment and rerun with "
                        f"resume=True (--resume)" if stored else "") +
                       "; on_error='record' (--on-error record) records failed cells and "
                       "goes on")
        return SweepCellError(message, cell, error, done, self.plan.total,
                              self.out if stored else None)


class _Signals:
    """SIGINT and SIGTERM while a sweep runs (main thread only): the first sets ``halt``, so
    the tasks in flight finish and nothing new starts; a second raises :class:`_Abort`."""

    def __init__(self, halt: threading.Event):
        self.halt, self.interrupted, self._previous = halt, False, {}

    def __enter__(self) -> _Signals:
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum, frame) -> None:
        if self.interrupted:  # a second signal: abort the tasks in flight too
            raise _Abort
        self.interrupted = True
        self.halt.set()
        print("rmt sweep: stopping after the tasks in flight (signal again to abort them)",
              file=sys.stderr, flush=True)

    def __exit__(self, *exc) -> None:
        for sig, old in self._previous.items():
            signal.signal(sig, old)


def sweep(experiment, grid: Mapping | None = None, replicates: int = 1, *,
          workers: int | None = 1, client=None, scheduler: str | None = None,
          out: str | os.PathLike | None = None, resume: bool = False,
          on_error: str = "raise", retry_failed: bool = False,
          cells_per_task: int | None = None, progress: bool | None = None,
          rng=None) -> xr.Dataset:
    """Run ``experiment`` on every cell of ``grid x replicates`` and gather one Dataset.

    Parameters
    ----------
    experiment : str, Experiment or callable
        A registered name (``rmt sweep --list``), ``"module:function"``, an
        :class:`rmt.workflow.Experiment` or a function ``fn(rng, **params) -> dict``.
    grid : mapping of str to list
        Values of each parameter (numbers or strings, of the parameter's declared type);
        parameters not on the grid take the experiment's defaults.
    replicates : int
        Cells per grid point, ``>= 1``.
    workers : int or None, default 1
        Local processes; ``None``: all cores. Ignored with ``client`` or ``scheduler``.
    client : dask.distributed.Client, optional
        Run the tasks on this cluster.
    scheduler : str, optional
        Address of a dask scheduler (``"tcp://host:8786"``) to connect a client to.
    out : path, optional
        A zarr store written as results arrive (module docstring); its folder must exist.
    resume : bool
        Finish the sweep stored at ``out``.
    on_error : {"raise", "record"}
        What a failed cell does: stop the sweep with :class:`SweepCellError`, or record its
        error and go on (module docstring, "Faults").
    retry_failed : bool
        With ``resume``, compute again the cells whose failure was recorded.
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
        and an ``error`` text per cell, provenance in ``attrs``: library version, root seed
        entropy and spawn key, experiment, its full parameters, grid, replicates,
        normalisation, BLAS and numba threads per cell, host count.

    Raises
    ------
    TypeError, ValueError
        Unknown experiment or parameter, malformed grid or a grid value not of its
        parameter's type, any other argument of the wrong kind or value, a store of another
        sweep or not a sweep store, an unreachable scheduler (before any cell runs).
    FileExistsError
        ``out`` exists and ``resume`` is False.
    SweepLocked
        Another sweep is writing ``out``.
    SweepCellError
        A cell failed with ``on_error="raise"`` (or every cell failed with ``"record"``).
    SweepInterrupted
        SIGINT or SIGTERM: finished tasks are written, the rest is left for ``resume``.
    OSError
        The store cannot be written (a full disk: nothing is left half-created).
    """
    exp = get_experiment(experiment)
    grid = _check_grid(grid, exp)
    n_points = math.prod(len(v) for v in grid.values())
    replicates = check_count("replicates", replicates, 1, bytes_each=n_points * _CELL_BYTES,
                             what=f"the flags and one output of {n_points} grid point(s) "
                                  f"times the replicates")
    workers = check_count("workers", (os.cpu_count() or 1) if workers is None else workers, 1,
                          bytes_each=_WORKER_BYTES, what="the local worker processes")
    if cells_per_task is not None:
        cells_per_task = check_int("cells_per_task", cells_per_task, 1)
    resume = check_bool("resume", resume)
    retry_failed = check_bool("retry_failed", retry_failed)
    on_error = check_choice("on_error", on_error, ("raise", "record"))
    if progress is not None:
        progress = check_bool("progress", progress)
    out_path = _check_out(out)
    _check_cluster(client, scheduler)
    root = as_seed_sequence(rng)
    own_client = None if scheduler is None else _connect(scheduler)
    try:
        client = client or own_client
        # About eight tasks per worker for every grid point: the cost of a cell can differ by
        # orders of magnitude between grid points (N = 100 or 10^7), and the expensive points
        # must still be shared among all workers.
        per_task = cells_per_task or math.ceil(
            replicates / (_TASKS_PER_WORKER * _n_workers(client, workers)))
        plan = _Plan(exp, grid, replicates, root, min(per_task, replicates), on_error)
        return _run(plan, client, workers, out_path, resume, retry_failed, progress)
    finally:
        if own_client is not None:
            own_client.close()


def _run(plan: _Plan, client, workers: int, out: Path | None, resume: bool,
         retry_failed: bool, progress: bool | None) -> xr.Dataset:
    state = _Sweeping(plan, out)
    with _Signals(state.halt) as signals:
        try:
            with (contextlib.nullcontext() if out is None else _StoreLock(out)), \
                    _executor(client, workers, plan.n_tasks) as run:
                state.start(run, resume, retry_failed)
                state.compute(run, progress)
        except _Abort:
            pass  # the second signal: what was written stays, the rest is left for resume
    return state.finish(signals.interrupted)


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


# -------------------------------------------------------------------------- executors ----


@contextlib.contextmanager
def _executor(client, workers: int, n_tasks: int) -> Iterator[Callable]:
    """``run(calls, halt)``: the outcomes of :func:`_run_task` for ``calls`` as they finish;
    once ``halt`` is set nothing new starts (what is in flight still arrives, except on
    dask)."""
    if client is not None:
        yield functools.partial(_on_dask, client)
    elif workers == 1:
        yield _in_process
    else:
        with _pool(min(workers, n_tasks)) as pool:
            yield functools.partial(_on_pool, pool)


def _in_process(calls: list, halt: threading.Event) -> Iterator[tuple]:
    for call in calls:
        if halt.is_set():
            return
        yield _run_task(*call, stop=halt)


@contextlib.contextmanager
def _pool(workers: int) -> Iterator[concurrent.futures.ProcessPoolExecutor]:
    pool = concurrent.futures.ProcessPoolExecutor(max_workers=workers,
                                                  initializer=_init_worker,
                                                  initargs=(os.getpid(),))
    try:
        yield pool
    except BaseException:
        for process in list(getattr(pool, "_processes", {}).values()):
            process.terminate()  # an abort: the cells in flight are lost, none half-written
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _on_pool(pool, calls: list, halt: threading.Event) -> Iterator[tuple]:
    if halt.is_set():
        return
    pending = {pool.submit(_run_task, *call) for call in calls}
    try:
        while pending:
            finished, pending = concurrent.futures.wait(
                pending, timeout=0.2, return_when=concurrent.futures.FIRST_COMPLETED)
            for fut in finished:
                if not fut.cancelled():
                    yield fut.result()
            if halt.is_set():
                for fut in pending:
                    fut.cancel()  # those already running finish and are kept
    finally:
        for fut in pending:
            fut.cancel()


def _on_dask(client, calls: list, halt: threading.Event) -> Iterator[tuple]:
    from distributed import as_completed

    if halt.is_set():
        return
    futures = [client.submit(_run_task, *call, pure=False) for call in calls]
    seen = set()
    try:
        for fut in as_completed(futures):
            seen.add(fut.key)
            yield fut.result()
            if halt.is_set():
                break
        for fut in futures:  # finished while the stop came: kept
            if fut.key not in seen and fut.status == "finished":
                yield fut.result()
    finally:
        client.cancel([f for f in futures if not f.done()])


# ---------------------------------------------------------------------------- results ----


def _store_dataset(plan: _Plan, results: _Results) -> xr.Dataset:
    data = {k: (plan.dims + [f"{k}_dim{i}" for i in range(len(s))], results.data[k])
            for k, (s, _) in results.outputs.items()}
    data["done"] = (plan.dims, results.done)
    data["error"] = (plan.dims, results.error)
    attrs = {**plan.attrs(), _FINGERPRINT: plan.fingerprint,
             _OUTPUTS: json.dumps({k: [list(s), d] for k, (s, d) in results.outputs.items()})}
    return xr.Dataset(data, coords=plan.coords(), attrs=attrs)


def _dataset(plan: _Plan, results: _Results) -> xr.Dataset:
    data = {}
    complete = bool(results.done.all())
    for k, (s, dtype) in results.outputs.items():
        values = results.data[k]
        if complete and np.dtype(dtype).kind in "biu":
            values = values.astype(dtype)
        data[k] = (plan.dims + [f"{k}_dim{i}" for i in range(len(s))], values)
    data["done"] = (plan.dims, results.done.astype(bool))
    data["error"] = (plan.dims, results.error)
    attrs = plan.attrs()
    attrs["hosts"] = len(results.hosts) if results.hosts else 1
    return xr.Dataset(data, coords=plan.coords(), attrs=attrs)
