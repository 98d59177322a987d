"""Benchmark table for :mod:`rmt`: each target as a ratio against a baseline in the same process.

Run from the repository root::

    python tests/benchmarks/bench_rmt.py [--repeats 7]

Every row times the candidate and its baseline back to back, ``repeats`` times, after a
warm-up call (JIT compilation excluded), and reports the median of the per-pair ratios,
which is robust to a shared, noisy machine. Not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import scipy.linalg

import rmt


def _calls_for(fn, budget: float = 0.05) -> int:
    """Number of calls that make one timing last at least ``budget`` seconds."""
    t0 = time.perf_counter()
    fn()
    once = time.perf_counter() - t0
    return max(1, int(budget / max(once, 1e-9)))


def _time(fn, calls: int) -> float:
    t0 = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - t0) / calls


def ratio(candidate, baseline, repeats: int) -> tuple[float, float, float]:
    """Median of candidate/baseline over back-to-back pairs, and the two median times.

    Each timing repeats a fast operation until it lasts about 50 ms (as ``timeit`` does).
    """
    nc, nb = _calls_for(candidate), _calls_for(baseline)
    pairs = [(_time(candidate, nc), _time(baseline, nb)) for _ in range(repeats)]
    c = statistics.median(p[0] for p in pairs)
    b = statistics.median(p[1] for p in pairs)
    return statistics.median(p[0] / p[1] for p in pairs), c, b


def rows(repeats: int):
    rng = np.random.default_rng(0)
    n = 10**6
    yield ("GOE index sample, N = 1e6 (sample + Sturm count)", "rng.standard_normal(2N)",
           "<= 3", ratio(lambda: rmt.sample_index(n, rng=rng),
                         lambda: rng.standard_normal(2 * n), repeats))
    n = 2000
    H = rmt.goe(n, rng=rng)
    yield ("GOE index sample, N = 2000", "numpy.linalg.eigvalsh(goe(2000))", "<= 1/1000",
           ratio(lambda: rmt.sample_index(n, rng=rng), lambda: np.linalg.eigvalsh(H),
                 repeats))
    yield ("rmt.index(H), dense N = 2000 (LDL^T inertia)", "numpy.linalg.eigvalsh(H)", "< 1",
           ratio(lambda: rmt.index(H), lambda: np.linalg.eigvalsh(H), repeats))
    n = 4000
    yield ("rmt.goe(4000)", "rng.standard_normal((4000, 4000))", "<= 1.0",
           ratio(lambda: rmt.goe(n, rng=rng), lambda: rng.standard_normal((n, n)), repeats))
    n = 10**6
    d, e = rmt.hermite_tridiagonal(n, rng=rng)
    yield ("sample_largest, N = 1e6", "eigvalsh_tridiagonal(select='i'), top eigenvalue",
           "<= 1/100",
           ratio(lambda: rmt.sample_largest(n, rng=rng),
                 lambda: scipy.linalg.eigvalsh_tridiagonal(
                     d, e, select="i", select_range=(n - 1, n - 1)), max(3, repeats // 2)))


def run(rows, doc: str, argv=None) -> None:
    """Parse ``--repeats`` and print the markdown table of ``rows(repeats)``."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    print("| operation | baseline | target | ratio | time | baseline time |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, base, target, (r, c, b) in rows(args.repeats):
        print(f"| {name} | {base} | {target} | {r:.3g} | {c * 1e3:.3g} ms | {b * 1e3:.3g} ms |",
              flush=True)


def main(argv=None) -> None:
    run(rows, __doc__, argv)


if __name__ == "__main__":
    main()
