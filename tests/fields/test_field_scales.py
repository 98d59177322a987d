"""Kernels at extreme lengthscales: right answers or a clear refusal, never a raw float error.

A kernel depends on the squared distance only through ``s / l^2``, and its ``k``-th derivative
carries ``l^(-2k)``: ``C_l^(k)(s) = l^(-2k) C_1^(k)(s / l^2)``. So every value at lengthscale
``l`` is checked against the kernel at lengthscale 1 on the rescaled distance, the power of
``l`` applied in logarithms. Before the fix ``l = 1e155`` and ``1e300`` raised OverflowError
(``l**2``) and ``l = 1e-200`` ZeroDivisionError, on every call.
"""

import dataclasses
import math
import sys

import numpy as np
import pytest
from scipy.special import kve

from fields import GaussianField
from fields.bray_dean import asymptotic_index_fraction, kac_rice_index, threshold_energies
from fields.kernels import Matern, SquaredExponential, _large_argument_kve
from fields.local_law import local_law

TINY = sys.float_info.min
LOG_MAX = math.log(sys.float_info.max)
LOG_TINY = math.log(TINY)

UNIT_KERNELS = [
    SquaredExponential(),
    Matern(nu=0.5), Matern(nu=1.0), Matern(nu=1.5), Matern(nu=2.0), Matern(nu=2.5),
    Matern(nu=3.5), Matern(nu=1.3), Matern(nu=2.2), Matern(nu=3.7), Matern(nu=6.0),
    Matern(nu=400.0),  # the large-order (Debye) branch
]

#: Ratios t = r / l at which each lengthscale is tried: those for which both s = (t l)^2 and
#: the rescaled t^2 are normal floats (at l = 1e-200 every such s is far beyond the kernel's
#: reach, so all values are 0, which is what is checked there).
RATIOS = {
    1e-200: np.logspace(46.5, 150.0, 7),
    1e-70: np.logspace(-60.0, 80.0, 9),
    1e70: np.logspace(-140.0, 10.0, 9),
    1e155: np.logspace(-150.0, -1.0, 9),
    1e300: np.logspace(-153.0, -147.0, 5),
}


def at_lengthscale(kernel, ell):
    return dataclasses.replace(kernel, lengthscale=ell)


def expected(unit, s1: float, order: int, ell: float) -> tuple[float, float] | None:
    """Sign and log|.| of ``l^(-2k) C_1^(k)(s1)`` (log = -inf when the unit value is 0).

    None where the unit value itself is beyond the float range (``nu < k`` near 0).
    """
    try:
        ref = unit.derivative(s1, order)
    except ValueError:
        return None
    with np.errstate(divide="ignore"):
        return math.copysign(1.0, ref), float(np.log(abs(ref))) - 2 * order * math.log(ell)


def check_value(kernel, s: float, order: int, sign: float, log_abs: float, rtol: float):
    if log_abs > LOG_MAX:
        with pytest.raises(ValueError, match="beyond the float range"):
            kernel.derivative(s, order)
        return
    value = kernel.derivative(s, order)
    assert math.isfinite(value)
    if log_abs < LOG_TINY:  # below the normal range: the value underflows (to 0 or subnormal)
        assert abs(value) <= TINY
    else:
        assert value == pytest.approx(sign * math.exp(log_abs), rel=rtol)


@pytest.mark.parametrize("ell", list(RATIOS), ids=lambda v: f"l={v:g}")
@pytest.mark.parametrize("unit", UNIT_KERNELS, ids=repr)
def test_values_and_derivatives_depend_only_on_r_over_l(unit, ell):
    # The reference is the same code at l = 1, so the tolerance is its rounding: the relative
    # error of s / l^2 (a few ulps) times |d log C / d log s| <= 700 where C is normal, plus
    # exp of a log of size <= 700 (~1e-13); 1e-10 leaves room for both, and for the Debye
    # branch's smooth error of 3e-11, which cancels between the two lengthscales.
    kernel = at_lengthscale(unit, ell)
    checked = 0
    for t in RATIOS[ell]:
        s = float((t * ell) ** 2)
        s1 = float((math.sqrt(s) / ell) ** 2)
        assert TINY <= s and TINY <= s1 < math.inf
        for order in range(4):
            reference = expected(unit, s1, order, ell)
            if reference is not None:
                check_value(kernel, s, order, *reference, rtol=1e-10)
                checked += 1
    assert checked >= 2 * len(RATIOS[ell])  # orders 0 and 1 at least


@pytest.mark.parametrize("ell", [1e-200, 1e-70, 1e70, 1e155, 1e300], ids=lambda v: f"l={v:g}")
@pytest.mark.parametrize("unit", UNIT_KERNELS, ids=repr)
def test_derivatives_at_zero_scale_as_powers(unit, ell):
    kernel = at_lengthscale(unit, ell)
    assert kernel.covariance(0.0) == 1.0
    for order in range(1, 4):
        if unit.differentiability < order:  # C^(k)(0) is infinite: its documented limit
            assert kernel.derivative(0.0, order) == (-1) ** order * math.inf
            continue
        check_value(kernel, 0.0, order, *expected(unit, 0.0, order, ell), rtol=1e-13)


@pytest.mark.parametrize("ell", [1e-200, 1e-70, 1e70, 1e155, 1e300], ids=lambda v: f"l={v:g}")
@pytest.mark.parametrize("unit", [SquaredExponential(), Matern(nu=2.5), Matern(nu=3.7),
                                  Matern(nu=400.0)], ids=repr)
def test_local_law_constants_right_or_refused_with_the_valid_range(unit, ell):
    # c1 = C'(0) and c2 = C''(0) are divisors downstream (the local law's correlation, the
    # Bray–Dean tilt), so they are refused unless they are normal floats, with the
    # lengthscales that allow them.
    kernel = at_lengthscale(unit, ell)
    for order, name in ((1, "c1"), (2, "c2")):
        log_abs = math.log(abs(getattr(unit, name))) - 2 * order * math.log(ell)
        if LOG_TINY <= log_abs <= LOG_MAX:
            assert getattr(kernel, name) == pytest.approx(
                getattr(unit, name) * ell ** (-2 * order), rel=1e-13)
        else:
            with pytest.raises(ValueError, match=r"lengthscale must lie in \[") as info:
                getattr(kernel, name)
            low, high = (float(v) for v in
                         str(info.value).split("lie in [")[1].split("]")[0].split(", "))
            assert not low <= ell <= high
            # The stated range is right: its ends give normal floats.
            for edge in (low * 1.01, high / 1.01):
                assert TINY <= abs(getattr(at_lengthscale(unit, edge), name)) < math.inf


@pytest.mark.parametrize("ell", [1e-70, 1e70], ids=lambda v: f"l={v:g}")
def test_bray_dean_laws_do_not_depend_on_the_lengthscale(ell):
    # For the squared-exponential kernel alpha(e) = F_sc(e / 2) whatever the lengthscale, and
    # the local law's dimensionless numbers (correlation) are the same at every lengthscale.
    for unit in (SquaredExponential(), Matern(nu=3.5)):
        kernel = at_lengthscale(unit, ell)
        energies = np.linspace(-2.5, 2.5, 11)
        np.testing.assert_allclose(asymptotic_index_fraction(kernel, energies),
                                   asymptotic_index_fraction(unit, energies), rtol=1e-12,
                                   atol=1e-15)
        assert threshold_energies(kernel) == pytest.approx(threshold_energies(unit), rel=1e-12)
        assert local_law(kernel, 10).correlation == pytest.approx(
            local_law(unit, 10).correlation, rel=1e-12)
        # The finite-N Kac–Rice index: the same draws, Hessians scaled by ell^-2, the same
        # indices and relative weights (up to rounding in the log-determinants).
        scaled, reference = (kac_rice_index(k, 12, [-1.0, 0.3], n_samples=50, rng=3)
                             for k in (kernel, unit))
        np.testing.assert_allclose(scaled.value, reference.value, rtol=1e-9)


@pytest.mark.parametrize("ell", [1e-200, 1e155, 1e300], ids=lambda v: f"l={v:g}")
def test_local_law_refuses_lengthscales_whose_constants_leave_the_float_range(ell):
    with pytest.raises(ValueError, match="lengthscale must lie in"):
        local_law(SquaredExponential(lengthscale=ell), 10)


@pytest.mark.parametrize("unit", UNIT_KERNELS, ids=repr)
def test_far_beyond_the_lengthscale_the_covariance_is_zero(unit):
    # x = sqrt(2 nu s) / l above ~1e9 (kve returned NaN there, and the small-x fallback then
    # gave 1: Matern(1.3).covariance(1e20) was NaN) and x = inf (s = 1e300 at l = 1e-200).
    for ell, s in ((1.0, 1e20), (1.0, 1e300), (1e-200, 1e300), (1e-200, 1.0)):
        kernel = at_lengthscale(unit, ell)
        for order in range(3):
            assert kernel.derivative(s, order) == 0.0


@pytest.mark.parametrize("mu", [0.0, 0.3, 1.3, 3.7, 20.2, 100.2, 249.0])
def test_large_argument_expansion_matches_kve_where_both_hold(mu):
    # DLMF 10.40.2 with eight terms: truncation below (mu^2 / 2x)^9 / 9! < 1e-19 at x >= 1e6;
    # the comparison is limited by kve's own rounding (~1e-14 at large orders).
    x = np.array([1e6, 1e7, 1e8, 5e8, 1e9])
    np.testing.assert_allclose(_large_argument_kve(mu, x, np.log(x)), kve(mu, x), rtol=5e-14)


def test_frequencies_that_overflow_are_refused():
    with pytest.raises(ValueError, match="lengthscale"):
        SquaredExponential(lengthscale=1e-320).sample_frequencies(2, 3, rng=0)
    # at 1e-200 the frequencies (~1e200) are finite, and drawn
    omega = SquaredExponential(lengthscale=1e-200).sample_frequencies(2, 3, rng=0)
    np.testing.assert_allclose(omega * 1e-200,
                               SquaredExponential().sample_frequencies(2, 3, rng=0), rtol=1e-15)


@pytest.mark.parametrize("ell", [1e-200, 1e-70, 1e70, 1e155, 1e300], ids=lambda v: f"l={v:g}")
def test_gaussian_field_depends_only_on_x_over_l(ell):
    # The same draws give frequencies Z / l, so f_l(l y) = f_1(y) and grad_l(l y) = grad_1(y) / l
    # (up to the rounding of (Z / l)(l y)); the Hessian scales as l^-2 and is refused where
    # that leaves the float range (l = 1e-200: entries ~ 1e400), never returned as inf.
    unit, field = (GaussianField(4, SquaredExponential(lengthscale=s), n_features=256,
                                 scaling="unit", rng=7) for s in (1.0, ell))
    y = np.random.default_rng(1).standard_normal((3, 4))
    np.testing.assert_allclose(field.value(ell * y), unit.value(y), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(field.grad(ell * y) * ell, unit.grad(y), rtol=1e-10, atol=1e-12)
    if ell < 1e-154:
        with pytest.raises(ValueError, match="Hessian of this field exceeds the float range"):
            field.hess(ell * y[0])
    elif ell < 1e150:
        np.testing.assert_allclose(field.hess(ell * y[0]) * ell**2, unit.hess(y[0]), rtol=1e-10,
                                   atol=1e-12)
