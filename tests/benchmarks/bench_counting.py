"""Benchmark table for Sturm counting at every scale: what the scaling costs, as ratios.

Run from the repository root (one BLAS thread, as every benchmark here)::

    OPENBLAS_NUM_THREADS=1 python tests/benchmarks/bench_counting.py [--repeats 7]

The public functions of :mod:`rmt.counting` scale each matrix by a power of two before the
Sturm recurrence (so counts are exact from 1e-300 to 1e300 and in the subnormals); the
baselines are the unscaled kernels on the squared off-diagonals (those :mod:`rmt.samplers`
uses), and the same call at scale 1. A public single-shift call also validates ``d`` and ``e``
(two ``isfinite`` passes) and finds each matrix's largest entry (four reductions): on
2026-12-02 the previous ``count_below`` (validation and ``np.square``, no scaling) measured
1.41 against the same baseline and the scaled one 1.50. Timing as in ``bench_rmt.py`` (whose
:func:`ratio` is reused). Not a test: nothing here asserts.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

import rmt
from rmt import _counting_kernels as kernels

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_rmt import ratio, run  # noqa: E402  (a sibling script, not a package)


def _unscaled_counts(d, e2, x):
    out = np.empty((d.shape[0], x.size), dtype=np.int64)
    kernels.sturm_counts_batch(d, e2, x, out)
    return out


def _unscaled_bisection(d, e2, k):
    out = np.empty((d.shape[0], k.size))
    kernels.bisect_eigenvalues_batch(d, e2, k, out)
    return out


def rows(repeats: int):
    zero = np.zeros(1)
    d, e = rmt.hermite_tridiagonal(10**6, rng=0)
    d2, e2 = d[None], np.square(e)[None]
    yield ("count_below, N = 1e6, one shift", "unscaled kernel on e^2", "<= 1.5",
           ratio(lambda: rmt.count_below(d, e, 0.0), lambda: _unscaled_counts(d2, e2, zero),
                 repeats))
    yield ("count_below at scale 1e300, N = 1e6", "count_below at scale 1", "~ 1",
           ratio(lambda: rmt.count_below(1e300 * d, 1e300 * e, 0.0),
                 lambda: rmt.count_below(1.0 * d, 1.0 * e, 0.0), repeats))
    db, eb = rmt.hermite_tridiagonal(1000, rng=1, size=1000)
    yield ("count_below, 1000 matrices N = 1000", "unscaled kernel on e^2", "<= 1.5",
           ratio(lambda: rmt.count_below(db, eb, 0.0),
                 lambda: _unscaled_counts(db, np.square(eb), zero), repeats))
    d5, e5 = rmt.hermite_tridiagonal(10**5, rng=2)
    xs = np.linspace(-2.5, 2.5, 64)
    yield ("count_below_and_log_det, N = 1e5, 64 shifts", "count_below, same shifts", "< 1",
           ratio(lambda: rmt.count_below_and_log_det(d5, e5, xs),
                 lambda: rmt.count_below(d5, e5, xs), repeats))
    d4, e4 = rmt.hermite_tridiagonal(10**4, rng=3)
    ks = np.arange(0, 10**4, 1250)
    yield ("eigenvalue_by_bisection, N = 1e4, 8 eigenvalues", "unscaled kernel on e^2",
           "<= 1.1", ratio(lambda: rmt.eigenvalue_by_bisection(d4, e4, ks),
                           lambda: _unscaled_bisection(d4[None], np.square(e4)[None], ks),
                           repeats))
    H = rmt.goe(500, rng=4)
    yield ("rmt.index(goe(500) * 1e-310)", "rmt.index(goe(500))", "~ 1",
           ratio(lambda: rmt.index(H * 1e-310), lambda: rmt.index(H), repeats))


def main(argv=None) -> None:
    run(rows, __doc__, argv)


if __name__ == "__main__":
    main()
