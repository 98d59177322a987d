"""Tests of fields.kernels: closed forms, derivatives, c0/c1/c2, spectral sampling, bad input."""

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy.special import gamma, kv

from fields.kernels import Kernel, Matern, SquaredExponential

S_GRID = np.array([1e-3, 0.05, 0.4, 1.0, 2.5, 7.0, 30.0])


def bessel_matern(nu, ell, s):
    """The textbook Matérn form (Rasmussen & Williams eq. 4.14) evaluated by scipy's kv."""
    x = np.sqrt(2 * nu * s) / ell
    return 2 ** (1 - nu) / gamma(nu) * x**nu * kv(nu, x)


@pytest.mark.parametrize(
    "nu, closed",
    [
        (0.5, lambda x: np.exp(-x)),
        (1.5, lambda x: (1 + x) * np.exp(-x)),
        (2.5, lambda x: (1 + x + x**2 / 3) * np.exp(-x)),
        (3.5, lambda x: (1 + x + 2 * x**2 / 5 + x**3 / 15) * np.exp(-x)),
    ],
)
@pytest.mark.parametrize("ell", [0.5, 1.0, 3.0])
def test_matern_closed_forms(nu, closed, ell):
    k = Matern(nu=nu, lengthscale=ell)
    x = np.sqrt(2 * nu * S_GRID) / ell
    np.testing.assert_allclose(k.covariance(S_GRID), closed(x), rtol=1e-13)
    np.testing.assert_allclose(k.covariance(S_GRID), bessel_matern(nu, ell, S_GRID), rtol=1e-12)


@pytest.mark.parametrize("nu", [0.3, 1.0, 2.7, 3.0, 4.5, 12.0])
def test_matern_bessel_form(nu):
    np.testing.assert_allclose(
        Matern(nu=nu, lengthscale=1.7).covariance(S_GRID),
        bessel_matern(nu, 1.7, S_GRID),
        rtol=1e-12,
    )


def test_squared_exponential_values():
    k = SquaredExponential(lengthscale=1.5)
    np.testing.assert_allclose(k.covariance(S_GRID), np.exp(-S_GRID / (2 * 1.5**2)), rtol=1e-15)
    for order in range(5):
        np.testing.assert_allclose(
            k.derivative(S_GRID, order),
            (-1 / (2 * 1.5**2)) ** order * np.exp(-S_GRID / (2 * 1.5**2)),
            rtol=1e-14,
        )


KERNELS = [
    SquaredExponential(),
    SquaredExponential(lengthscale=0.7),
    Matern(nu=0.5),
    Matern(nu=1.5, lengthscale=2.0),
    Matern(nu=2.5),
    Matern(nu=3.5, lengthscale=0.8),
    Matern(nu=2.2),
    Matern(nu=6.0, lengthscale=1.3),
    Matern(nu=400.0),  # the large-order (Debye) branch
]


@pytest.mark.parametrize("kernel", KERNELS, ids=repr)
@pytest.mark.parametrize("order", [1, 2, 3])
def test_derivative_matches_central_differences(kernel, order):
    # Central difference of the (order - 1)-th derivative with step h = 1e-5 s: truncation
    # error (h |C^(order+2)| / |C^(order)|)^2 / 6 <~ (1e-5 s rate)^2 / 6 <~ 1e-7 relative for
    # decay rates <~ 2 per unit s on s <= 30; rounding error eps / (h rate) <~ 1e-9 on
    # s >= 0.05. A tolerance of 1e-6 leaves room for both.
    s = S_GRID[1:]
    h = 1e-5 * s
    numeric = (kernel.derivative(s + h, order - 1) - kernel.derivative(s - h, order - 1)) / (2 * h)
    np.testing.assert_allclose(kernel.derivative(s, order), numeric, rtol=1e-6)


def test_constants_against_theory_sheet():
    ell = 1.3
    se = SquaredExponential(lengthscale=ell)
    assert se.c0 == 1.0
    assert se.c1 == pytest.approx(-1 / (2 * ell**2), rel=1e-15)
    assert se.c2 == pytest.approx(1 / (4 * ell**4), rel=1e-15)
    for nu in (2.5, 3.5, 2.2, 7.0):
        k = Matern(nu=nu, lengthscale=ell)
        assert k.c0 == 1.0
        assert k.c1 == pytest.approx(-nu / (2 * (nu - 1) * ell**2), rel=1e-14)
        assert k.c2 == pytest.approx(nu**2 / (4 * (nu - 1) * (nu - 2) * ell**4), rel=1e-14)
        assert k.c2 * k.c0 / k.c1**2 == pytest.approx((nu - 1) / (nu - 2), rel=1e-14)


@pytest.mark.parametrize("kernel", [SquaredExponential(0.9), Matern(2.5), Matern(3.5, 1.4),
                                    Matern(2.2), Matern(9.0, 0.6)], ids=repr)
def test_constants_against_numerical_differentiation(kernel):
    # c1 from the one-sided difference (C(h) - C(0)) / h = c1 + c2 h / 2 + ...: with h = 1e-6
    # the bias is ~ 1e-6 c2 and the rounding 1e-16 / 1e-6 = 1e-10, so rtol 1e-5.
    h = 1e-6
    assert (kernel.covariance(h) - kernel.covariance(0.0)) / h == pytest.approx(kernel.c1,
                                                                                rel=1e-5)
    # c2 from a second forward difference (C(0) - 2 C(h) + C(2h)) / h^2 of the covariance.
    # C(s) = 1 + c1 s + c2 s^2 / 2 + O(s^min(nu, 3)), so the bias is O(h^(min(nu, 3) - 2));
    # h = 1e-3 keeps the rounding error 4e-16 / h^2 ~ 4e-10 negligible; for nu = 2.2 the
    # bias is of order h^0.2 ~ 0.25 relative, too slow, so that kernel is checked through
    # the limit of derivative(s, 2) as s -> 0, itself verified by central differences above.
    if kernel.differentiability > 2:
        h = 1e-3
        second = (kernel.covariance(0.0) - 2 * kernel.covariance(h) + kernel.covariance(2 * h))
        assert second / h**2 == pytest.approx(kernel.c2, rel=5e-3)
    else:
        # C''(s) - c2 = O(s^(nu - 2)) = 0.002 relative at s = 1e-14 for nu = 2.2.
        assert kernel.derivative(1e-14, 2) == pytest.approx(kernel.c2, rel=1e-2)
    assert kernel.derivative(0.0, 1) == kernel.c1
    assert kernel.derivative(0.0, 2) == kernel.c2


def test_matern_tends_to_squared_exponential():
    se = SquaredExponential(lengthscale=1.2)
    k = Matern(nu=1e4, lengthscale=1.2)
    # c1 and c2 differ by factors nu/(nu-1) and nu^2/((nu-1)(nu-2)), i.e. O(1/nu) = 1e-4.
    assert k.c1 == pytest.approx(se.c1, rel=4e-4)
    assert k.c2 == pytest.approx(se.c2, rel=4e-4)
    np.testing.assert_allclose(k.covariance(S_GRID[:5]), se.covariance(S_GRID[:5]), rtol=1e-3)


def test_differentiability_and_require():
    assert SquaredExponential().differentiability == math.inf
    SquaredExponential().require(7, "anything")
    for nu, k in [(0.5, 0), (1.0, 0), (1.5, 1), (2.0, 1), (2.5, 2), (3.0, 2), (3.5, 3)]:
        assert Matern(nu=nu).differentiability == k
    with pytest.raises(ValueError, match=r"a Hessian of a Matérn field needs nu > 2; got nu=1.5"):
        Matern(nu=1.5).require(2, "a Hessian")
    with pytest.raises(ValueError, match=r"nu > 1; got nu=1"):
        Matern(nu=1.0).require(1)
    Matern(nu=2.01).require(2)
    with pytest.raises(ValueError, match="nu > 1"):
        _ = Matern(nu=1.0).c1
    with pytest.raises(ValueError, match="nu > 2"):
        _ = Matern(nu=2.0).c2
    assert Matern(nu=2.0).c1 == -1.0


def test_derivative_at_zero_diverges_for_rough_kernels():
    assert Matern(nu=0.5).derivative(0.0, 1) == -math.inf
    assert Matern(nu=2.0).derivative(0.0, 2) == math.inf
    assert Matern(nu=2.5).derivative(0.0, 3) == -math.inf
    # ... and the values at s > 0 grow towards that limit.
    values = Matern(nu=2.5).derivative(np.array([1e-2, 1e-4, 1e-6]), 3)
    assert np.all(np.diff(values) < 0)


def test_shapes_and_scalars():
    k = Matern(nu=2.5)
    assert isinstance(k.covariance(0.3), float)
    assert k.covariance(np.zeros((2, 3))).shape == (2, 3)
    np.testing.assert_array_equal(k.covariance(np.zeros((2, 3))), 1.0)
    assert k.covariance([0.0, 1.0]).shape == (2,)


@settings(max_examples=40, deadline=None)
@given(nu=st.floats(0.2, 20.0), ell=st.floats(0.1, 10.0),
       s=st.lists(st.floats(0.0, 1e3), min_size=2, max_size=8))
@example(nu=1.625, ell=2.0, s=[2.8677775315788754e-93, 2.225073858507203e-309])  # kve near 0
def test_covariance_is_a_decreasing_correlation(nu, ell, s):
    s = np.sort(np.asarray(s))
    c = Matern(nu=nu, lengthscale=ell).covariance(s)
    assert np.all((c >= 0) & (c <= 1))
    # Non-increasing up to the ~1e-15 relative accuracy of scipy's Bessel K (AMOS).
    assert np.all(np.diff(c) <= 1e-14)


@pytest.mark.parametrize("kernel", [SquaredExponential(1.3), Matern(0.5), Matern(2.5, 0.7),
                                    Matern(3.7, 1.5)], ids=repr)
def test_frequencies_satisfy_bochner(kernel):
    # E cos(omega . h) = C(|h|^2): the sample mean over n frequencies has standard error
    # std(cos)/sqrt(n); with 7 lags and a fixed seed, 5 standard errors.
    dim, n = 3, 100_000
    omega = kernel.sample_frequencies(dim, n, rng=20240611)
    assert omega.shape == (n, dim)
    rng = np.random.default_rng(5)
    for s in S_GRID:
        direction = rng.standard_normal(dim)
        h = np.sqrt(s) * direction / np.linalg.norm(direction)
        cos = np.cos(omega @ h)
        assert abs(cos.mean() - kernel.covariance(s)) < 5 * cos.std() / np.sqrt(n) + 1e-12


@pytest.mark.parametrize("kernel", [SquaredExponential(0.8), Matern(3.5, 1.2)], ids=repr)
def test_frequency_second_moment_is_gradient_variance(kernel):
    # -d^2/dh_i^2 E cos(omega . h) at h = 0 gives E omega_i^2 = -2 c1 (the gradient variance).
    # omega_i^2 has a finite variance for Student-t with 2 nu = 7 > 4 degrees of freedom.
    n, dim = 200_000, 2
    sq = kernel.sample_frequencies(dim, n, rng=7)[:, 0] ** 2
    assert abs(sq.mean() + 2 * kernel.c1) < 5 * sq.std() / np.sqrt(n)


def test_frequencies_are_reproducible():
    k = Matern(nu=2.5)
    np.testing.assert_array_equal(k.sample_frequencies(4, 10, rng=3),
                                  k.sample_frequencies(4, 10, rng=3))


def test_frozen_hashable_repr():
    k = Matern(nu=2.5, lengthscale=2)
    assert repr(k) == "Matern(nu=2.5, lengthscale=2.0)"
    assert repr(SquaredExponential()) == "SquaredExponential(lengthscale=1.0)"
    assert isinstance(k, Kernel)
    assert k == Matern(2.5, 2.0) and hash(k) == hash(Matern(2.5, 2.0))
    with pytest.raises(dataclasses.FrozenInstanceError):
        k.nu = 3.0
    with pytest.raises(TypeError):
        Kernel()


@pytest.mark.parametrize(
    "build, error, match",
    [
        (lambda: Matern(nu=0.0), ValueError, "nu"),
        (lambda: Matern(nu=-1.0), ValueError, "nu"),
        (lambda: Matern(nu=float("nan")), ValueError, "nu"),
        (lambda: Matern(nu=float("inf")), ValueError, "nu"),
        (lambda: Matern(nu="2.5"), TypeError, "nu"),
        (lambda: Matern(nu=2.5 + 0j), TypeError, "nu"),
        (lambda: Matern(nu=True), TypeError, "nu"),
        (lambda: Matern(lengthscale=0.0), ValueError, "lengthscale"),
        (lambda: Matern(lengthscale=float("nan")), ValueError, "lengthscale"),
        (lambda: SquaredExponential(lengthscale=-2.0), ValueError, "lengthscale"),
        (lambda: SquaredExponential(lengthscale=None), TypeError, "lengthscale"),
        (lambda: Matern().covariance(-1.0), ValueError, "s "),
        (lambda: Matern().covariance([0.0, float("nan")]), ValueError, "s "),
        (lambda: Matern().covariance(1j), TypeError, "s "),
        (lambda: Matern().derivative(1.0, -1), ValueError, "order"),
        (lambda: Matern().derivative(1.0, 1.0), TypeError, "order"),
        (lambda: Matern().require(-2), ValueError, "order"),
        (lambda: Matern().sample_frequencies(0, 5), ValueError, "dim"),
        (lambda: Matern().sample_frequencies(2, 0), ValueError, "n "),
        (lambda: Matern().sample_frequencies(2, 5, rng="seed"), TypeError, "rng"),
    ],
)
def test_bad_input(build, error, match):
    with pytest.raises(error, match=match):
        build()
