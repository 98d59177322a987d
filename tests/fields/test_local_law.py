"""Tests of fields.local_law: covariances of (f, g, H), the conditional law, the large-N limit."""

import math

import numpy as np
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st

from fields.kernels import Matern, SquaredExponential
from fields.local_law import (
    LocalSample,
    local_law,
    sample_hessian_given_value,
    sample_local,
)


def theoretical_covariance(kernel, dim, scaling):
    """Covariance of (f, g_1..g_N, H_ij for i <= j) from the formulas of docs/theory.md section 7.

    Written directly from ``A C(|x - y|^2 / L)`` (not from ``LocalLaw``), so that it is an
    independent reference: A = L = 1 ("unit") or A = L = N ("bray-dean").
    """
    a = length = 1.0 if scaling == "unit" else float(dim)
    c0, c1, c2 = kernel.c0, kernel.c1, kernel.c2
    pairs = [(i, j) for i in range(dim) for j in range(i, dim)]
    size = 1 + dim + len(pairs)
    cov = np.zeros((size, size))
    cov[0, 0] = a * c0
    for i in range(dim):
        cov[1 + i, 1 + i] = -2 * a * c1 / length
    d = np.eye(dim)
    for p, (i, j) in enumerate(pairs):
        cov[0, 1 + dim + p] = cov[1 + dim + p, 0] = 2 * a * c1 / length * d[i, j]
        for q, (k, m) in enumerate(pairs):
            cov[1 + dim + p, 1 + dim + q] = 4 * a * c2 / length**2 * (
                d[i, j] * d[k, m] + d[i, k] * d[j, m] + d[i, m] * d[j, k]
            )
    return cov, pairs


def flatten(sample, pairs):
    hess = np.stack([sample.hess[:, i, j] for i, j in pairs], axis=1)
    return np.concatenate([sample.value[:, None], sample.grad, hess], axis=1)


@pytest.mark.parametrize("scaling", ["unit", "bray-dean"])
@pytest.mark.parametrize("kernel", [SquaredExponential(0.8), Matern(2.5), Matern(3.5, 1.7)],
                         ids=repr)
def test_joint_covariances(kernel, scaling):
    # Every entry of the 10 x 10 covariance of (f, g, upper triangle of H) in dimension 3,
    # with n = 40000 draws: the sample covariance of a Gaussian pair has standard error
    # sqrt((S_ii S_jj + S_ij^2) / n); 5 standard errors over 55 entries (and 10 means) gives a
    # false-alarm rate ~ 3e-5 while e.g. diagonal variance 1 instead of 2 in W' (Var H_ii = 2 s
    # instead of 3 s, a 33% change against a 0.7% standard error) fails by far.
    dim, n = 3, 40_000
    cov, pairs = theoretical_covariance(kernel, dim, scaling)
    x = flatten(sample_local(kernel, dim, size=n, scaling=scaling, rng=123), pairs)
    emp = np.cov(x, rowvar=False)
    se = np.sqrt((np.outer(np.diag(cov), np.diag(cov)) + cov**2) / n)
    assert np.all(np.abs(emp - cov) <= 5 * se)
    assert np.all(np.abs(x.mean(axis=0)) <= 5 * np.sqrt(np.diag(cov) / n))


def test_local_law_parameters():
    k = Matern(nu=3.5, lengthscale=1.2)
    c0, c1, c2 = k.c0, k.c1, k.c2
    for scaling, a in [("unit", 1.0), ("bray-dean", 50.0)]:
        law = local_law(k, 50, scaling)
        assert (law.amplitude, law.length) == (a, a)
        assert law.value_variance == pytest.approx(a * c0)
        assert law.gradient_variance == pytest.approx(-2 * c1)  # A / L = 1 in both scalings
        assert law.value_hessian_covariance == pytest.approx(2 * c1)
        assert law.hessian_scale == pytest.approx(4 * c2 / a)
        assert law.conditional_shift == pytest.approx(2 * c1 / (c0 * a))
        assert law.conditional_sd**2 == pytest.approx(4 * (c2 - c1**2 / c0) / a)
        assert law.correlation == pytest.approx(c1 / math.sqrt(c0 * c2))
    # b = 0 exactly (Cauchy-Schwarz equality) only for the squared-exponential kernel.
    assert local_law(SquaredExponential(2.0), 10).conditional_sd == 0.0
    assert local_law(SquaredExponential(2.0), 10).correlation == pytest.approx(-1.0)


@settings(max_examples=30, deadline=None)
@given(nu=st.floats(2.05, 30.0), ell=st.floats(0.2, 5.0), dim=st.integers(1, 500))
def test_lengthscale_scaling(nu, ell, dim):
    # Rescaling space by l multiplies the k-th derivative covariances by l^(-2k).
    law1 = local_law(Matern(nu, 1.0), dim)
    law = local_law(Matern(nu, ell), dim)
    assert law.gradient_variance == pytest.approx(law1.gradient_variance / ell**2, rel=1e-12)
    assert law.hessian_scale == pytest.approx(law1.hessian_scale / ell**4, rel=1e-12)
    assert law.conditional_sd == pytest.approx(law1.conditional_sd / ell**2, rel=1e-9)
    assert law.correlation == pytest.approx(law1.correlation, rel=1e-12)
    assert -1.0 <= law.correlation < 0.0


@pytest.mark.parametrize("scaling", ["unit", "bray-dean"])
@pytest.mark.parametrize("kernel", [Matern(2.5), Matern(4.0, 0.6), SquaredExponential(1.3)],
                         ids=repr)
def test_conditional_law(kernel, scaling):
    # Given f = u: E H_ii = 2 c1 u / (c0 L); Var H_ii = 2 s_H + b^2; Cov(H_11, H_22) = b^2;
    # Var H_12 = s_H; E tr H = N 2 c1 u / (c0 L), Var tr H = 2 N s_H + N^2 b^2. Sample means
    # within 5 standard errors, sample variances within 5 standard errors sqrt(2/n) var.
    dim, n = 4, 40_000
    law = local_law(kernel, dim, scaling)
    u = -1.3 * math.sqrt(law.value_variance)
    h = sample_hessian_given_value(kernel, dim, u, size=n, scaling=scaling, rng=99)
    s_h, b2 = law.hessian_scale, law.conditional_sd**2
    shift = 2 * kernel.c1 * u / (kernel.c0 * law.length)
    diag = h[:, 0, 0]
    var_diag = 2 * s_h + b2
    assert abs(diag.mean() - shift) < 5 * math.sqrt(var_diag / n)
    assert abs(diag.var() - var_diag) < 5 * math.sqrt(2 / n) * var_diag
    assert abs(h[:, 1, 2].var() - s_h) < 5 * math.sqrt(2 / n) * s_h
    cross = np.mean((h[:, 0, 0] - shift) * (h[:, 1, 1] - shift))
    assert abs(cross - b2) < 5 * math.sqrt((var_diag**2 + b2**2) / n)
    trace = np.trace(h, axis1=1, axis2=2)
    var_trace = 2 * dim * s_h + dim**2 * b2
    assert abs(trace.mean() - dim * shift) < 5 * math.sqrt(var_trace / n)
    assert abs(trace.var() - var_trace) < 5 * math.sqrt(2 / n) * var_trace
    np.testing.assert_array_equal(h, np.swapaxes(h, 1, 2))


def test_conditional_law_agrees_with_joint_regression():
    # The joint sampler and the conditional one describe the same law: the regression of H_11
    # on f in joint draws has slope conditional_shift and residual variance 2 s_H + b^2.
    kernel, dim, n = Matern(2.5), 5, 60_000
    law = local_law(kernel, dim)
    s = sample_local(kernel, dim, size=n, rng=4)
    y = s.hess[:, 0, 0]
    slope = np.cov(s.value, y)[0, 1] / s.value.var()
    residual = y - slope * s.value
    # Standard error of an OLS slope: sd(residual) / (sd(f) sqrt(n)).
    assert abs(slope - law.conditional_shift) < 5 * residual.std() / (s.value.std() * n**0.5)
    var_res = 2 * law.hessian_scale + law.conditional_sd**2
    assert abs(residual.var() - var_res) < 5 * math.sqrt(2 / n) * var_res


def semicircle(centre, radius):
    return scipy.stats.semicircular(loc=centre, scale=radius).cdf


@pytest.mark.parametrize("energy", [-1.5, 0.7])
def test_large_n_spectrum_squared_exponential(energy):
    # Bray-Dean scaling, N = 400: the spectrum of H | f = N e is the semicircle of radius
    # R = 4 sqrt(c2) centred at mu(e) = 2 c1 e / c0, with no random shift (b = 0). By the
    # rigidity of GOE eigenvalues the sup-distance of the empirical CDF from the semicircle is
    # O(log N / N) (measured 0.007 - 0.009 here); 0.02 = 8 / N allows for that, while a wrong
    # radius by sqrt(2) (KS 0.08) or a centre off by R / 10 (KS 0.06) fails.
    kernel, dim = SquaredExponential(0.9), 400
    mu, radius = 2 * kernel.c1 * energy / kernel.c0, 4 * math.sqrt(kernel.c2)
    h = sample_hessian_given_value(kernel, dim, dim * energy, size=2, rng=8)
    for eigenvalues in np.linalg.eigvalsh(h):
        assert scipy.stats.kstest(eigenvalues, semicircle(mu, radius)).statistic < 0.02


@pytest.mark.parametrize("energy", [-1.5, 0.7])
def test_large_n_spectrum_matern(energy):
    # As above for Matérn-5/2, whose common shift b z has b = 0.118 at N = 400: the shape
    # (eigenvalues re-centred on their mean) matches the semicircle within the same 0.02,
    # and the mean eigenvalue tr H / N is mu(e) within 5 of its standard deviations
    # sqrt(b^2 + 2 s_H / N).
    kernel, dim = Matern(2.5, 1.1), 400
    law = local_law(kernel, dim)
    mu, radius = 2 * kernel.c1 * energy / kernel.c0, 4 * math.sqrt(kernel.c2)
    h = sample_hessian_given_value(kernel, dim, dim * energy, size=3, rng=21)
    sd_mean = math.sqrt(law.conditional_sd**2 + 2 * law.hessian_scale / dim)
    for eigenvalues in np.linalg.eigvalsh(h):
        centred = eigenvalues - eigenvalues.mean() + mu
        assert scipy.stats.kstest(centred, semicircle(mu, radius)).statistic < 0.02
        assert abs(eigenvalues.mean() - mu) < 5 * sd_mean


def test_shapes_and_reproducibility():
    k = Matern(3.5)
    one = sample_local(k, 4, rng=1)
    assert isinstance(one, LocalSample)
    assert isinstance(one.value, float) and one.grad.shape == (4,) and one.hess.shape == (4, 4)
    batch = sample_local(k, 4, size=(2, 3), scaling="unit", rng=1)
    assert batch.value.shape == (2, 3) and batch.grad.shape == (2, 3, 4)
    assert batch.hess.shape == (2, 3, 4, 4)
    again = sample_local(k, 4, size=(2, 3), scaling="unit", rng=1)
    np.testing.assert_array_equal(batch.hess, again.hess)
    assert sample_hessian_given_value(k, 3, 1.0, rng=0).shape == (3, 3)
    assert sample_hessian_given_value(k, 3, [1.0, 2.0], rng=0).shape == (2, 3, 3)
    assert sample_hessian_given_value(k, 3, 1.0, size=5, rng=0).shape == (5, 3, 3)
    assert sample_local(k, 1, size=2, rng=0).hess.shape == (2, 1, 1)


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: sample_local(Matern(1.5), 3), ValueError, r"nu > 2; got nu=1.5"),
        (lambda: sample_local(Matern(2.0), 3), ValueError, r"nu > 2; got nu=2"),
        (lambda: sample_local("matern", 3), TypeError, "kernel"),
        (lambda: sample_local(Matern(), 0), ValueError, "dim"),
        (lambda: sample_local(Matern(), 2.5), TypeError, "dim"),
        (lambda: sample_local(Matern(), 3, scaling="bray_dean"), ValueError, "scaling"),
        (lambda: sample_local(Matern(), 3, size=-1), ValueError, "size"),
        (lambda: sample_local(Matern(), 3, rng=-5), ValueError, "rng"),
        (lambda: sample_hessian_given_value(Matern(), 3, float("nan")), ValueError, "value"),
        (lambda: sample_hessian_given_value(Matern(), 3, "1"), TypeError, "value"),
        (lambda: sample_hessian_given_value(Matern(), 3, [1.0, 2.0], size=3), ValueError,
         "value"),
        (lambda: sample_hessian_given_value(Matern(1.2), 3, 0.0), ValueError, "nu > 2"),
        (lambda: local_law(Matern(), 3, scaling=None), ValueError, "scaling"),
    ],
)
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()
