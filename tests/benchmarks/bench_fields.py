"""Benchmark table for :mod:`fields`: each target as a ratio against a baseline in the same process.

Run from the repository root::

    python tests/benchmarks/bench_fields.py [--repeats 7]

Timing as in ``bench_rmt.py`` (whose :func:`ratio` is reused): candidate and baseline back to
back, ``repeats`` times, after a warm-up call that also compiles the JIT kernels; the median of
the per-pair ratios is reported. Not a test: nothing here asserts.

The Kac–Rice rows time :func:`fields.bray_dean.kac_rice_index` and
:func:`fields.spin_glass.kac_rice_index` (index and ``log|det|`` of every sampled tridiagonal
at every shift from one Sturm pass, :func:`rmt.count_below_and_log_det`) against the
eigenvalue-based estimator they replaced, copied below (:func:`_eigenvalue_kac_rice`), on the
same inputs: ``n_samples = 4000`` and the 21 energies of ``optim.compare_with_theory``'s grid.
They run ``min(repeats, 3)`` pairs (a pair takes seconds).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import scipy.linalg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_rmt import ratio, run  # noqa: E402  (a sibling script, not a package)

import rmt  # noqa: E402
from fields import bray_dean, spin_glass  # noqa: E402
from fields.grf import GaussianField  # noqa: E402
from fields.kernels import Matern, SquaredExponential  # noqa: E402
from fields.local_law import local_law  # noqa: E402

#: Eigenvalue factors multiplied together before one logarithm (the replaced estimator's).
_LOG_BLOCK = 8


def _log_abs_det_and_index(eig, t):
    """The replaced estimator's ``sum_i log|eig_i + t|`` and ``#{eig_i + t < 0}``."""
    n, dim = eig.shape
    pad = (-dim) % _LOG_BLOCK
    padded = np.concatenate([eig, np.full((n, pad), np.inf)], axis=1) if pad else eig
    logdet = np.empty((n, t.size))
    chunk = max(1, 2**22 // (t.size * padded.shape[1]))
    for start in range(0, n, chunk):
        v = np.abs(padded[start:start + chunk, None, :] + t[None, :, None])
        v[..., dim:] = 1.0
        blocks = v.reshape(v.shape[0], t.size, -1, _LOG_BLOCK).prod(axis=-1)
        logdet[start:start + chunk] = np.log(blocks).sum(axis=-1)
    index = np.stack([np.searchsorted(row, -t, side="left") for row in eig])
    return logdet, index


def _eigenvalue_kac_rice(size, scale, mean, tilt, sd, n_samples, rng):
    """The estimator before the Sturm pass: eigenvalues of each tridiagonal, then products."""
    d, e = rmt.hermite_tridiagonal(size, 1, size=n_samples, rng=rng)
    eig = d if size == 1 else np.stack([
        scipy.linalg.eigvalsh_tridiagonal(d[k], e[k], check_finite=False)
        for k in range(n_samples)])
    eig = scale * eig
    value, stderr = np.empty(mean.size), np.empty(mean.size)
    for j, (mu, peak) in enumerate(zip(mean, tilt, strict=True)):
        if sd > 0:
            top = (peak - mu) / sd
            z = np.arange(min(0.0, top) - 10.0, max(0.0, top) + 10.0, 0.1)
        else:
            z = np.zeros(1)
        logdet, index = _log_abs_det_and_index(eig, mu + sd * z)
        log_w = logdet - 0.5 * z * z
        weights = np.exp(log_w - log_w.max())
        w = weights.sum(axis=1)
        a = (weights * index).sum(axis=1) / size
        r = a.sum() / w.sum()
        value[j] = r
        stderr[j] = math.sqrt(n_samples / (n_samples - 1) * np.sum((a - r * w) ** 2)) / w.sum()
    return value, stderr


def _kac_rice_rows(repeats: int):
    pairs = min(repeats, 3)
    n_samples = 4000
    energies = np.linspace(-2.3, 0.6, 21)
    for kernel, name in [(Matern(2.5), "Matérn-5/2"),
                         (SquaredExponential(), "squared-exponential")]:
        for dim in (50, 100):
            mean = 2.0 * kernel.c1 * energies / kernel.c0
            tilt = bray_dean.tilted_shift(kernel, energies)
            sd = local_law(kernel, dim, "bray-dean").conditional_sd
            scale = 2.0 * math.sqrt(kernel.c2)
            yield (f"bray_dean.kac_rice_index, {name}, N = {dim}, 4000 samples, 21 energies",
                   "the eigenvalue-based estimator it replaced", "< 1",
                   ratio(lambda k=kernel, n=dim: bray_dean.kac_rice_index(
                       k, n, energies, n_samples=n_samples, rng=0),
                         lambda n=dim, m=mean, t=tilt, b=sd, a=scale: _eigenvalue_kac_rice(
                       n, a, m, t, b, n_samples, np.random.default_rng(0)), pairs))
    u = np.linspace(-1.8, 1.8, 21)
    for dim in (50, 100):
        m = dim - 1
        yield (f"spin_glass.kac_rice_index, p = 3, N = {dim}, 4000 samples, 21 energies",
               "the eigenvalue-based estimator it replaced", "< 1",
               ratio(lambda n=dim: spin_glass.kac_rice_index(3, n, u, n_samples=n_samples,
                                                             rng=0),
                     lambda n=dim, m=m: _eigenvalue_kac_rice(
                   m, math.sqrt(6.0 * m / n), -3.0 * u, -3.0 * u, 0.0, n_samples,
                   np.random.default_rng(0)), pairs))


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
    yield from _kac_rice_rows(repeats)


def main(argv=None) -> None:
    run(rows, __doc__, argv)


if __name__ == "__main__":
    main()
