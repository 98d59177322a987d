"""Benchmark table for stochastic Lanczos quadrature: ``rmt.spectral_density`` against its products.

Run from the repository root::

    python tests/benchmarks/bench_slq.py [--quick] [--repeats 3]

On a network of :mod:`fields.nn` (default: the MLP 100-180-10, 19,990 parameters, on 1,000
random examples with labels 0..9; ``--quick``: 64-32-10, 2,410 parameters, on 500), with BLAS
on one thread (``threadpoolctl``), the SLQ call of the library's defaults (80 Lanczos steps,
10 probes) is timed against the Hessian-vector products it makes, called alone on the same
net at the same point, back to back, ``repeats`` times (median of the per-pair ratios, as in
``bench_rmt``):

* sequential SLQ (``matvec`` only: ``steps x probes`` single products) against
  ``steps x probes`` single ``hvp`` calls;
* lock-step SLQ (``matmat``: one product per step on the ``(probes, dim)`` block) against
  ``steps`` block ``hvp`` calls;
* the block products against the single ones, and lock-step against sequential SLQ.

Times are CPU times of this process (``time.process_time``; BLAS runs on one thread, so
they are the work done). The issue's target (issue 12) is SLQ <= 1.2 times its products.
Not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from threadpoolctl import threadpool_limits

import rmt
from fields.nn import MLP

STEPS, PROBES = 80, 10


def _net(quick: bool) -> MLP:
    rng = np.random.default_rng(0)
    n, layers = (500, [64, 32, 10]) if quick else (1000, [100, 180, 10])
    x = rng.standard_normal((n, layers[0]))
    return MLP(layers, data=(x, rng.integers(0, layers[-1], n)), rng=0)


def _timed(fn) -> float:
    """CPU seconds of ``fn()``: with BLAS on one thread the work itself, which waits for
    other processes on a shared machine do not inflate as they do wall-clock time."""
    t0 = time.process_time()
    fn()
    return time.process_time() - t0


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the 2,410-parameter net")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    net = _net(args.quick)
    w, dim = net.w0, net.dim
    vectors = np.random.default_rng(1).standard_normal((PROBES, dim)) / np.sqrt(dim)

    def singles():
        for _ in range(STEPS):
            for v in vectors:
                net.hvp(w, v)

    def blocks():
        for _ in range(STEPS):
            net.hvp(w, vectors)

    def sequential():
        rmt.spectral_density(lambda v: net.hvp(w, v), dim, steps=STEPS, probes=PROBES, rng=0)

    def lockstep():
        rmt.spectral_density(lambda v: net.hvp(w, v), dim, steps=STEPS, probes=PROBES,
                             matmat=lambda x: net.hvp(w, x.T).T, rng=0)

    rows = [
        (f"SLQ sequential ({STEPS} steps x {PROBES} probes)",
         f"{STEPS * PROBES} single hvps", "<= 1.2", sequential, singles),
        ("SLQ lock-step (matmat)", f"{STEPS} block hvps ({PROBES}, dim)", "<= 1.2", lockstep,
         blocks),
        (f"{STEPS} block hvps ({PROBES}, dim)", f"{STEPS * PROBES} single hvps", "(info)",
         blocks, singles),
        ("SLQ lock-step (matmat)", "SLQ sequential", "(info)", lockstep, sequential),
    ]
    print(f"MLP {'-'.join(map(str, net.layers))}, {dim} parameters, {net.n_examples} "
          f"examples, BLAS on one thread, CPU times, median of {args.repeats} pairs")
    print()
    print("| operation | baseline | target | ratio | time | baseline time |")
    print("| --- | --- | --- | --- | --- | --- |")
    with threadpool_limits(1):
        net.hvp(w, vectors)  # warm-up
        for name, base, target, candidate, baseline in rows:
            pairs = [(_timed(candidate), _timed(baseline)) for _ in range(args.repeats)]
            ratio = statistics.median(c / b for c, b in pairs)
            c = statistics.median(p[0] for p in pairs)
            b = statistics.median(p[1] for p in pairs)
            print(f"| {name} | {base} | {target} | {ratio:.3g} | {c:.3g} s | {b:.3g} s |",
                  flush=True)


if __name__ == "__main__":
    main()
