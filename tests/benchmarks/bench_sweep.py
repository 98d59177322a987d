"""Benchmark table for :func:`rmt.sweep`: overhead per cell and the speed-up of two workers.

Run from the repository root::

    python tests/benchmarks/bench_sweep.py [--repeats 3]

Row 1: the index sweep at N = 1e5 (100 replicates, one worker) against the same cells in a
plain loop (the same per-cell generators, no tasks, no result gathering); the ratio minus one
is the engine's overhead per cell (target <= 5 %). Row 2: the same sweep written to a zarr
store as it runs. Row 3: a CPU-bound sweep (index at N = 1e6, 60 replicates) on two local
worker processes against one (target: ratio <= 1 / 1.7, i.e. at least 1.7x faster; process
start-up included). Not a test: nothing here asserts.
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_rmt import run  # noqa: E402  (a sibling script, not a package)

import rmt  # noqa: E402


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def _pairs(candidate, baseline, repeats):
    pairs = [(_timed(candidate), _timed(baseline)) for _ in range(repeats)]
    c = statistics.median(p[0] for p in pairs)
    b = statistics.median(p[1] for p in pairs)
    return statistics.median(p[0] / p[1] for p in pairs), c, b


def rows(repeats: int):
    n, reps = 10**5, 100
    root = np.random.SeedSequence(0)

    def plain():
        for r in range(reps):
            gen = np.random.default_rng(np.random.SeedSequence(root.entropy, spawn_key=(0, r)))
            rmt.sample_index(n, beta=1.0, rng=gen)

    def swept():
        rmt.sweep("index", {"N": [n]}, replicates=reps, rng=0, workers=1)

    rmt.sweep("index", {"N": [100]}, replicates=2, rng=0)   # JIT warm-up
    yield ("index sweep, N = 1e5, 100 cells, 1 worker", "the same cells in a plain loop",
           "<= 1.05", _pairs(swept, plain, repeats))

    tmp = Path(tempfile.mkdtemp())

    def stored():
        shutil.rmtree(tmp / "s.zarr", ignore_errors=True)
        rmt.sweep("index", {"N": [n]}, replicates=reps, rng=0, workers=1, out=tmp / "s.zarr")

    yield ("index sweep, N = 1e5, 100 cells, 1 worker, zarr store",
           "the same cells in a plain loop", "(info)", _pairs(stored, plain, repeats))
    shutil.rmtree(tmp, ignore_errors=True)

    def on(workers):
        return lambda: rmt.sweep("index", {"N": [10**6]}, replicates=60, rng=0,
                                 workers=workers)

    yield ("index sweep, N = 1e6, 60 cells, 2 local workers", "the same sweep on 1 worker",
           "<= 0.588 (1.7x)", _pairs(on(2), on(1), repeats))


def main(argv=None) -> None:
    if argv is None and "--repeats" not in sys.argv:
        argv = ["--repeats", "3"]
    run(rows, __doc__, argv)


if __name__ == "__main__":
    main()
