"""Kill and race trials of :func:`rmt.sweep` (issue 11, section 2): the table of the closing note.

Run from the repository root::

    OPENBLAS_NUM_THREADS=1 python tests/benchmarks/sweep_faults.py [--trials 10] [--seed 0]

Each trial runs a real sweep in a process forked from this one and hits it with a real fault at
a random time, then finishes the same sweep with ``resume=True`` here and compares every cell
with the uninterrupted sweep. Faults:

* SIGKILL in the creation window: a 200-point grid, whose store takes about a second to create;
  the kill comes 0-1.5 s after the first cell is computed (the store is created right after);
* SIGKILL, one SIGINT (Ctrl-C) and two SIGINTs at a random time while the sweep runs, on 1 and
  2 workers;
* a second writer (``resume=True``) started at a random time while the first runs, and two
  sweeps created at the same moment;
* a cell that raises, on 2 workers (``on_error="raise"``), then the fixed sweep resumed;
* SIGKILL of a sweep on 2 workers: are its worker processes still alive 2 s later?

Columns: *cells lost* are cells that differ from the uninterrupted sweep after the resume, plus
(for the failing cell) cells computed to the end but not stored; *computed twice* are cells
stored before the fault and computed again by the resume, or (for races) computations beyond
one per cell; *unusable* are stores that neither ``resume`` nor ``rmt show`` accepts after
the fault. Target 0 in each. Not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import multiprocessing
import os
import random
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import xarray as xr

import rmt
from rmt.workflow.cli import main as rmt_main
from rmt.workflow.sweeps import SweepCellError, SweepInterrupted, SweepLocked

CTX = multiprocessing.get_context("fork")


def counted(rng, n: int = 0, pause: float = 0.0):
    """Logs its first draw (unique per cell) and its pid once computed; fails when
    ``SWEEP_FAIL`` names its ``n``."""
    value = int(rng.integers(2**52))
    time.sleep(pause)
    if os.environ.get("SWEEP_FAIL") == str(n):
        raise ValueError(f"cell with n={n} fails")
    with open(os.environ["SWEEP_LOG"], "a") as fh:
        fh.write(f"{value} {os.getpid()}\n")
    return {"value": value}


def _log(path: Path) -> list[tuple[int, int]]:
    if not path.exists():
        return []
    return [tuple(int(x) for x in line.split()) for line in path.read_text().split("\n")
            if line]


def _child(kwargs, log, fail=None, go=None):
    os.environ["SWEEP_LOG"] = str(log)
    os.environ.pop("SWEEP_FAIL", None)
    if fail is not None:
        os.environ["SWEEP_FAIL"] = fail
    if go is not None:
        while not Path(go).exists():
            time.sleep(0.005)
    code = 0
    with contextlib.redirect_stderr(io.StringIO()):
        try:
            rmt.sweep(counted, **kwargs)
        except SweepInterrupted:
            code = 130
        except SweepLocked:
            code = 3
        except SweepCellError:
            code = 1
    os._exit(code)


def _start(kwargs, log, **extra):
    proc = CTX.Process(target=_child, args=(kwargs, str(log)), kwargs=extra)
    proc.start()
    return proc


def _wait(condition, timeout=120.0) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(0.002)
    return False


def _done_values(out: Path) -> set[int]:
    """Values of the cells flagged done in the store (empty when there is no store)."""
    if not out.exists():
        return set()
    ds = xr.open_zarr(out, consolidated=False).load()
    return set(ds.value.values[ds.done.values.astype(bool)].astype(np.int64).tolist())


def _finish(kwargs, out: Path, log: Path, reference) -> tuple[int, bool]:
    """Resume here; (cells that differ from ``reference``, whether the store was usable)."""
    os.environ["SWEEP_LOG"] = str(log)
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            ds = rmt.sweep(counted, **{**kwargs, "resume": True})
        with contextlib.redirect_stdout(io.StringIO()), \
                contextlib.redirect_stderr(io.StringIO()):
            shown = rmt_main(["show", str(out), "--figure", str(out) + ".png"]) == 0
    except Exception:  # noqa: BLE001 - any refusal is an unusable store
        return 0, False
    lost = int(np.sum(ds.value.values != reference.value.values)
               + np.sum(~ds.done.values))
    return lost, shown


class Row:
    def __init__(self, name: str):
        self.name, self.trials, self.lost, self.twice, self.unusable = name, 0, 0, 0, 0
        self.notes: list[str] = []

    def add(self, lost: int, twice: int, usable: bool) -> None:
        """Count one trial."""
        self.trials += 1
        self.lost += lost
        self.twice += twice
        self.unusable += not usable

    def line(self) -> str:
        note = "; ".join(self.notes)
        return (f"| {self.name} | {self.trials} | {self.lost} | {self.twice} | "
                f"{self.unusable} | {note} |")


def _kill_trial(row, tmp, kwargs, reference, rng, sig, delay, after_store, hits=None):
    out, log = Path(kwargs["out"]), tmp / "cells.log"
    proc = _start(kwargs, log)
    if after_store:
        _wait(lambda: out.exists() and len(_log(log)) >= 3)
    else:
        _wait(lambda: len(_log(log)) >= 1)  # the first cell: the store is created next
    time.sleep(delay)
    for i, s in enumerate(sig):
        if i:
            time.sleep(rng.uniform(0.0, 0.3))
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, s)
    proc.join(120)
    if hits is not None and not out.exists():
        hits[0] += 1  # killed before the store was complete
    stored = _done_values(out)
    before = len(_log(log))
    lost, usable = _finish(kwargs, out, log, reference)
    row.add(lost, len(stored & {v for v, _ in _log(log)[before:]}), usable)


def _reference(tmp, kwargs):
    os.environ["SWEEP_LOG"] = str(tmp / "reference.log")
    return rmt.sweep(counted, **{k: v for k, v in kwargs.items() if k != "out"})


def trials(n: int, seed: int) -> list[Row]:
    rng = random.Random(seed)
    rows = []
    base = tempfile.mkdtemp(prefix="sweep_faults_")
    creation = {"grid": {"n": list(range(200))}, "replicates": 4, "rng": 1}
    running = {"grid": {"n": [1, 2, 3], "pause": [0.01]}, "replicates": 40, "rng": 2}
    refs = {"creation": _reference(Path(base), creation), "running": _reference(Path(base),
                                                                                running)}
    for label, sig in (("SIGKILL", [signal.SIGKILL]), ("Ctrl-C", [signal.SIGINT]),
                       ("Ctrl-C twice", [signal.SIGINT, signal.SIGINT])):
        row, hits = Row(f"{label} while the store is created (200-point grid)"), [0]
        for _ in range(n):
            tmp = Path(tempfile.mkdtemp(dir=base))
            _kill_trial(row, tmp, {**creation, "out": str(tmp / "s.zarr")}, refs["creation"],
                        rng, sig, rng.uniform(0.0, 1.5), False, hits)
        row.notes.append(f"{hits[0]} of {n} before the store was complete")
        rows.append(row)
        for workers in (1, 2):
            row = Row(f"{label} while running, {workers} worker(s)")
            for _ in range(n):
                tmp = Path(tempfile.mkdtemp(dir=base))
                _kill_trial(row, tmp, {**running, "workers": workers,
                                       "out": str(tmp / "s.zarr")},
                            refs["running"], rng, sig, rng.uniform(0.0, 0.6), True)
            rows.append(row)
    rows.append(_resume_race(n, rng, base, running, refs["running"]))
    rows.append(_creation_race(n, base, running, refs["running"]))
    rows.append(_failing_cell(n, base, running, refs["running"]))
    rows.append(_orphans(n, rng, base, running))
    shutil.rmtree(base, ignore_errors=True)
    return rows


def _resume_race(n, rng, base, running, reference) -> Row:
    row, refused = Row("--resume started while the sweep runs, 2 workers"), 0
    for _ in range(n):
        tmp = Path(tempfile.mkdtemp(dir=base))
        kwargs = {**running, "workers": 2, "out": str(tmp / "s.zarr")}
        log = tmp / "cells.log"
        first = _start(kwargs, log)
        _wait(lambda: (tmp / "s.zarr").exists())  # noqa: B023
        time.sleep(rng.uniform(0.0, 0.5))
        second = _start({**kwargs, "resume": True}, log)
        second.join(120)
        first.join(120)
        refused += second.exitcode == 3
        computed = [v for v, _ in _log(log)]
        lost, usable = _finish(kwargs, tmp / "s.zarr", log, reference)
        row.add(lost, len(computed) - len(set(computed)), usable)
    row.notes.append(f"second writer refused naming the owner {refused} of {n}")
    return row


def _creation_race(n, base, running, reference) -> Row:
    row, refused = Row("two sweeps created at once, 1 worker each"), 0
    for _ in range(n):
        tmp = Path(tempfile.mkdtemp(dir=base))
        kwargs = {**running, "out": str(tmp / "s.zarr")}
        log, go = tmp / "cells.log", tmp / "go"
        procs = [_start(kwargs, log, go=str(go)) for _ in range(2)]
        time.sleep(0.2)
        go.touch()
        for p in procs:
            p.join(120)
        refused += sorted(p.exitcode for p in procs) == [0, 3]
        computed = [v for v, _ in _log(log)]
        lost, usable = _finish(kwargs, tmp / "s.zarr", log, reference)
        row.add(lost, len(computed) - len(set(computed)), usable)
    row.notes.append(f"one ran and the other was refused {refused} of {n}")
    return row


def _failing_cell(n, base, running, reference) -> Row:
    row, named = Row("a cell that raises, 2 workers, then resumed"), 0
    for _ in range(n):
        tmp = Path(tempfile.mkdtemp(dir=base))
        kwargs = {**running, "workers": 2, "cells_per_task": 4, "out": str(tmp / "s.zarr")}
        log = tmp / "cells.log"
        proc = _start(kwargs, log, fail=str(2))
        proc.join(120)
        named += proc.exitcode == 1
        finished, stored = {v for v, _ in _log(log)}, _done_values(tmp / "s.zarr")
        before = len(_log(log))
        lost, usable = _finish(kwargs, tmp / "s.zarr", log, reference)
        row.add(lost + len(finished - stored), len(stored & {v for v, _ in _log(log)[before:]}),
                usable)
    row.notes.append(f"stopped with SweepCellError {named} of {n}")
    return row


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _orphans(n, rng, base, running) -> Row:
    row, alive, after = Row("SIGKILL, 2 workers: workers alive 2 s later"), 0, 0
    for _ in range(n):
        tmp = Path(tempfile.mkdtemp(dir=base))
        kwargs = {**running, "grid": {"n": [1, 2, 3], "pause": [0.1]}, "workers": 2,
                  "out": str(tmp / "s.zarr")}
        log = tmp / "cells.log"
        proc = _start(kwargs, log)
        _wait(lambda: len({p for _, p in _log(log)}) >= 2)  # noqa: B023
        time.sleep(rng.uniform(0.0, 0.5))
        workers = {p for _, p in _log(log)}
        proc.kill()
        proc.join(30)
        cells = len(_log(log))
        time.sleep(2.0)
        alive += sum(_alive(p) for p in workers)
        after += len(_log(log)) - cells
        row.trials += 1
    row.notes = [f"{alive} workers alive", f"{after} cells computed after the kill"]
    return row


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    rows = trials(args.trials, args.seed)
    print("| fault | trials | cells lost | computed twice | stores left unusable | notes |")
    print("| --- | --- | --- | --- | --- | --- |")
    for row in rows:
        print(row.line())
    print(f"\n{sum(r.trials for r in rows)} trials in {time.perf_counter() - t0:.0f} s "
          f"(python {sys.version.split()[0]}, {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
