"""Benchmark table for the optimisers of :mod:`optim`: step costs as ratios to an SGD step.

Run from the repository root::

    python tests/benchmarks/bench_optim.py [--repeats 7]

Each row times ``optim.run`` for 40 steps of the candidate and of plain gradient descent
(``optim.sgd``) on the same surface, back to back (``bench_rmt.ratio``: median of the
per-pair ratios), so a ratio is the cost of one step of the candidate in SGD steps, driver
included. The surface is a squared-exponential GaussianField, N = 100, M = 8192 features.
ESGD refreshed every 20 steps pays one Hessian-vector product per 20 gradients. Not a test:
nothing here asserts.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_rmt import ratio, run  # noqa: E402  (a sibling script, not a package)

import optim  # noqa: E402
from fields import GaussianField, SquaredExponential  # noqa: E402

STEPS = 40


def rows(repeats: int):
    field = GaussianField(100, SquaredExponential(), n_features=8192, rng=0)
    x0 = np.random.default_rng(1).standard_normal(100)

    def steps(opt):
        return lambda: optim.run(field, opt, x0, STEPS, record=("value",), rng=0)

    sgd = steps(optim.sgd(0.1))
    for name, opt, target in (
        ("ESGD, curvature every 20 steps", optim.esgd(0.1, every=20), "<= 1.2"),
        ("ESGD, curvature every step", optim.esgd(0.1, every=1), "<= 3"),
        ("Jacobi, curvature every step", optim.jacobi(0.1, every=1), "(info)"),
        ("RMSProp", optim.rmsprop(0.01), "(info)"),
        ("Adam", optim.adam(0.01), "(info)"),
        ("saddle-free Newton, Lanczos rank 20", optim.saddle_free_newton(method="lanczos"),
         "(info)"),
        ("adaptive saddle-free Newton, Lanczos rank 20",
         optim.adaptive_saddle_free_newton(rank=20, method="lanczos"), "(info)"),
    ):
        yield (f"{name}: one step (N = 100, M = 8192)", "one SGD step", target,
               ratio(steps(opt), sgd, repeats))


def main(argv=None) -> None:
    run(rows, __doc__, argv)


if __name__ == "__main__":
    main()
