"""The shared Kac–Rice estimator against the dense (eigenvalue) computation it replaced.

The estimator takes the index and log|det| of every sampled tridiagonal at every shift from one
Sturm pass (rmt.count_below_and_log_det). The reference below is the previous implementation:
eigenvalues of each tridiagonal (scipy.linalg.eigvalsh_tridiagonal), the index by
``searchsorted`` and log|det| as a sum of logarithms of the shifted eigenvalues. On the same
draws the indices must be identical, the log-determinants agree to rounding, hence the
estimates to ~1e-12.
"""

import math

import numpy as np
import pytest
import scipy.linalg

import rmt
from fields import bray_dean
from fields import spin_glass as sg
from fields.kac_rice import Z_STEP, index_and_log_det, z_grid
from fields.kernels import Matern, SquaredExponential
from fields.local_law import local_law


def _eigenvalues(d, e):
    return np.stack([scipy.linalg.eigvalsh_tridiagonal(d[k], e[k], check_finite=False)
                     for k in range(d.shape[0])])


def _dense_estimate(eig, mean, tilt, sd, size):
    """The previous estimator, from the eigenvalues of the scaled GOE part (rows sorted)."""
    value, stderr = np.empty(mean.size), np.empty(mean.size)
    n = eig.shape[0]
    for j, (mu, peak) in enumerate(zip(mean, tilt, strict=True)):
        if sd > 0:
            top = (peak - mu) / sd
            z = np.arange(min(0.0, top) - 10.0, max(0.0, top) + 10.0, 0.1)
        else:
            z = np.zeros(1)
        t = mu + sd * z
        log_det = np.log(np.abs(eig[:, None, :] + t[None, :, None])).sum(axis=-1)
        index = np.stack([np.searchsorted(row, -t, side="left") for row in eig])
        log_w = log_det - 0.5 * z * z
        weights = np.exp(log_w - log_w.max())
        w = weights.sum(axis=1)
        a = (weights * index).sum(axis=1) / size
        r = a.sum() / w.sum()
        value[j] = r
        stderr[j] = math.sqrt(n / (n - 1) * np.sum((a - r * w) ** 2)) / w.sum()
    return value, stderr


@pytest.mark.parametrize("size", [1, 2, 7, 60])
def test_sturm_pass_gives_the_eigenvalue_index_and_log_det(size):
    d, e = rmt.hermite_tridiagonal(size, 1, size=50, rng=size)
    d, e = 1.7 * d.reshape(50, size), 1.7 * e.reshape(50, size - 1)
    shifts = np.linspace(-4.0, 4.0, 33)
    index, log_det = index_and_log_det(d, e, shifts)
    eig = d if size == 1 else _eigenvalues(d, e)
    ref_index = np.stack([np.searchsorted(row, -shifts, side="left") for row in eig])
    ref_log_det = np.log(np.abs(eig[:, None, :] + shifts[None, :, None])).sum(axis=-1)
    np.testing.assert_array_equal(index, ref_index)
    # Each eigenvalue is accurate to ~eps ||T|| ~ 1e-15, so each log|lambda + t| to
    # 1e-15 / |lambda + t|; the nearest |lambda + t| over these draws is 1.6e-5 (size 60),
    # i.e. up to ~1e-10 per factor: the tolerance is 1e-10 per factor, summed.
    np.testing.assert_allclose(log_det, ref_log_det, rtol=0, atol=1e-10 * size)


def test_z_grid():
    np.testing.assert_array_equal(z_grid(1.0, 5.0, 0.0), [0.0])
    z = z_grid(1.0, 2.0, 0.5)      # the tilt is 2 standard deviations above the mean
    assert z[0] == pytest.approx(-10.0) and z[-1] == pytest.approx(12.0 - Z_STEP)
    np.testing.assert_allclose(np.diff(z), Z_STEP)


@pytest.mark.parametrize("kernel", [Matern(2.5), SquaredExponential()], ids=["matern", "se"])
@pytest.mark.parametrize("dim", [1, 12])
def test_bray_dean_estimate_equals_the_dense_computation(kernel, dim):
    energies = np.array([-2.0, -0.7, 0.0, 0.9])
    est = bray_dean.kac_rice_index(kernel, dim, energies, n_samples=300, rng=7)
    d, e = rmt.hermite_tridiagonal(dim, 1, size=300, rng=np.random.default_rng(7))
    scale = 2.0 * math.sqrt(kernel.c2)
    eig = scale * (d if dim == 1 else _eigenvalues(d, e))
    mean = 2.0 * kernel.c1 * energies / kernel.c0
    tilt = bray_dean.tilted_shift(kernel, energies)
    sd = local_law(kernel, dim, "bray-dean").conditional_sd
    value, stderr = _dense_estimate(eig, mean, tilt, sd, dim)
    np.testing.assert_allclose(est.value, value, rtol=0, atol=1e-12)
    np.testing.assert_allclose(est.stderr, stderr, rtol=0, atol=1e-12)


@pytest.mark.parametrize("dim", [2, 15])
def test_pure_spin_glass_estimate_equals_the_dense_computation(dim):
    # The previous optim estimator: M = sqrt(p(p-1)) sqrt(m/N) T - p u, T of size m = N - 1.
    u = np.array([-1.7, -0.4, 0.0, 1.1])
    est = sg.kac_rice_index(3, dim, u, n_samples=300, rng=np.random.default_rng(2))
    m = dim - 1
    d, e = rmt.hermite_tridiagonal(m, 1, size=300, rng=np.random.default_rng(2))
    eig = (d if m == 1 else _eigenvalues(d, e)) * math.sqrt(6.0) * math.sqrt(m / dim)
    value, stderr = _dense_estimate(eig, -3.0 * u, -3.0 * u, 0.0, m)
    np.testing.assert_allclose(est.value, value, rtol=0, atol=1e-12)
    np.testing.assert_allclose(est.stderr, stderr, rtol=0, atol=1e-12)


def test_mixed_spin_glass_estimate_equals_the_dense_computation():
    mixture = {2: 1.0, 4: 0.7}
    law = sg.hessian_law(mixture=mixture)
    u, dim = np.array([-1.2, 0.3]), 10
    est = sg.kac_rice_index(2, dim, u, mixture=mixture, n_samples=200, rng=3)
    d, e = rmt.hermite_tridiagonal(dim - 1, 1, size=200, rng=np.random.default_rng(3))
    eig = _eigenvalues(d, e) * law.scale * math.sqrt((dim - 1) / dim)
    r2 = 4.0 * law.scale**2
    tilt = law.slope * u * r2 / (r2 - 2.0 * law.shift_variance)
    value, stderr = _dense_estimate(eig, law.slope * u, tilt,
                                    math.sqrt(law.shift_variance / dim), dim - 1)
    np.testing.assert_allclose(est.value, value, rtol=0, atol=1e-12)
    np.testing.assert_allclose(est.stderr, stderr, rtol=0, atol=1e-12)
