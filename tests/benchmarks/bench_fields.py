"""Benchmark table for :mod:`fields`: each target as a ratio against a baseline in the same process.

Run from the repository root::

    python tests/benchmarks/bench_fields.py [--repeats 7]

Timing as in ``bench_rmt.py`` (whose :func:`ratio` is reused): candidate and baseline back to
back, ``repeats`` times, after a warm-up call that also compiles the JIT kernels; the median of
the per-pair ratios is reported. Not a test: nothing here asserts.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_rmt import ratio, run  # noqa: E402  (a sibling script, not a package)

from fields.grf import GaussianField  # noqa: E402
from fields.kernels import SquaredExponential  # noqa: E402


def rows(repeats: int):
    rng = np.random.default_rng(0)
    n, m = 1000, 8192
    field = GaussianField(n, SquaredExponential(), n_features=m, rng=rng)
    w = field.frequencies
    x, v, y = rng.standard_normal(n), rng.standard_normal(n), rng.standard_normal(m)
    label = f"N = {n}, M = {m}"
    yield (f"GaussianField.value_and_grad, {label}", "W @ x and W.T @ y (two BLAS gemv)",
           "<= 1.5", ratio(lambda: field.value_and_grad(x), lambda: (w @ x, w.T @ y), repeats))
    yield (f"GaussianField.hvp, {label}", "GaussianField.value_and_grad", "<= 2.5",
           ratio(lambda: field.hvp(x, v), lambda: field.value_and_grad(x), repeats))
    k = 10
    vs = rng.standard_normal((k, n))
    yield (f"GaussianField.hvp, one x, {k} vectors, {label}", f"{k} x GaussianField.hvp",
           "< 1", ratio(lambda: field.hvp(x, vs),
                        lambda: [field.hvp(x, vi) for vi in vs], repeats))
    n = 10
    field = GaussianField(n, SquaredExponential(), n_features=m, rng=rng)
    w, b, a = field.frequencies, field.phases, field.amplitude
    x = rng.standard_normal(n)

    def numpy_value_and_grad():
        z = w @ x + b
        return a * np.cos(z).sum(), -a * (np.sin(z) @ w)

    yield (f"GaussianField.value_and_grad, N = {n}, M = {m}",
           "the same with numpy cos and sin (no fused kernel, no validation)", "< 1",
           ratio(lambda: field.value_and_grad(x), numpy_value_and_grad, repeats))

def main(argv=None) -> None:
    run(rows, __doc__, argv)


if __name__ == "__main__":
    main()
