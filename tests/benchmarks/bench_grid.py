"""Benchmark: a 1024 x 1024 Matérn(5/2) grid field by circulant embedding against GSTools' SRF.

Run from the repository root (GSTools is an optional benchmark dependency, never a runtime
one: ``pip install gstools``)::

    python tests/benchmarks/bench_grid.py [--repeats 3] [--size 1024]

Same kernel and grid: our ``Matern(nu=2.5, lengthscale=l)`` has argument sqrt(2 nu) r / l;
GSTools' ``Matern`` uses sqrt(nu) r / len_scale, so ``len_scale = l / sqrt(2)``. GSTools runs
its default randomization method (``RandMeth``, 1000 modes), which is approximate; ours is
exact. Prints a markdown row; nothing here asserts.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from fields.grid import grid_field
from fields.kernels import Matern


def _median_time(fn, repeats: int) -> float:
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--size", type=int, default=1024)
    args = parser.parse_args(argv)
    try:
        import gstools as gs
    except ImportError:
        print("gstools is not installed: pip install gstools")
        return
    n, ell = args.size, 8.0
    kernel = Matern(nu=2.5, lengthscale=ell)
    rng = np.random.default_rng(0)
    ours = _median_time(lambda: grid_field((n, n), kernel, rng=rng), args.repeats)
    model = gs.Matern(dim=2, var=1.0, len_scale=ell / np.sqrt(2.0), nu=2.5)
    axis = np.arange(n, dtype=float)
    srf = gs.SRF(model, seed=0)
    theirs = _median_time(lambda: srf.structured([axis, axis]), args.repeats)
    print("| operation | baseline | target | ratio | time | baseline time |")
    print("| --- | --- | --- | --- | --- | --- |")
    print(f"| grid_field {n} x {n}, Matérn(5/2), l = {ell:g} | GSTools {gs.__version__} SRF "
          f"(RandMeth) | <= 1/10 | {ours / theirs:.3g} | {ours * 1e3:.3g} ms | "
          f"{theirs * 1e3:.3g} ms |")


if __name__ == "__main__":
    main()
