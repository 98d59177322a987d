"""Tests of rmt.tracy_widom against Bornemann's reference values and Fredholm-series identities."""

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.special import airy
from scipy.stats import kstest

from rmt.tracy_widom import tracy_widom

BETAS = [1, 2, 4]

# Bornemann (2010), Markov Process. Relat. Fields 16: mean and variance of TW_beta.
MOMENTS = {
    1: (-1.2065335745820, 1.607781034581),
    2: (-1.771086807411, 0.8131947928329),
    4: (-2.306884893241, 0.5177237207726),
}


def _airy_ai(x):
    return airy(x)[0]


def test_reference_values_at_zero():
    # Bornemann (2010), Math. Comp. 79: F_1(0) = 0.8319080662..., F_2(0) =
    # 0.9693728284...; rounded to 10 digits (error <= 5e-11), the method itself is good to 1e-13.
    assert tracy_widom(1).cdf(0.0) == pytest.approx(0.8319080662, abs=1e-9)
    assert tracy_widom(2).cdf(0.0) == pytest.approx(0.9693728284, abs=1e-9)


@pytest.mark.parametrize("beta", BETAS)
def test_mean_and_variance_match_bornemann(beta):
    # The references carry 12-13 significant digits; the quadrature of the density reproduces
    # them to ~1e-12, so 1e-7 is a loose bound that still catches any convention error (the
    # other beta = 4 conventions differ by a factor sqrt(2) or 2^(1/6) in the mean).
    mean, var = tracy_widom(beta).stats(moments="mv")
    assert mean == pytest.approx(MOMENTS[beta][0], abs=1e-7)
    assert var == pytest.approx(MOMENTS[beta][1], abs=1e-7)
    assert tracy_widom(beta).mean() == mean


@pytest.mark.parametrize("beta", BETAS)
def test_pdf_is_derivative_of_cdf(beta):
    # Five-point central difference: F'(s) - D_h F(s) = h^4 F^(5)(xi) / 30, and rounding adds at
    # most (18/12) eps_F / h with eps_F ~ 1e-14 the absolute error of the cdf. |F^(5)| = |f''''|
    # was measured below 0.5, 2.3, 6.5 for beta = 1, 2, 4; with the bound 10 and h = 0.01 the
    # total is 3.3e-9 + 1.5e-12 < 4e-9. A density off by a factor (e.g. sqrt 2) fails by 1e-2.
    dist = tracy_widom(beta)
    h = 0.01
    s = np.linspace(-6.0, 5.0, 23)
    difference = (dist.cdf(s - 2 * h) - 8 * dist.cdf(s - h) + 8 * dist.cdf(s + h)
                  - dist.cdf(s + 2 * h)) / (12 * h)
    np.testing.assert_allclose(dist.pdf(s), difference, rtol=0, atol=4e-9)


@pytest.mark.parametrize("beta", BETAS)
def test_pdf_integrates_to_one(beta):
    # Below s = -12 the cdf is exactly 0 and above 16 it is 1 - O(1e-17), so the integral over
    # [-12, 16] must be 1 to quad's accuracy (~1e-12 requested).
    total, _ = quad(tracy_widom(beta).pdf, -12.0, 16.0, epsabs=1e-12, epsrel=1e-12, limit=200)
    assert total == pytest.approx(1.0, abs=1e-10)


@pytest.mark.parametrize("beta", BETAS)
def test_cdf_monotone_bounded_and_clipped_in_the_tails(beta):
    dist = tracy_widom(beta)
    s = np.linspace(-15.0, 20.0, 351)
    cdf = dist.cdf(s)
    sf = dist.sf(s)
    pdf = dist.pdf(s)
    assert not np.any(np.isnan(cdf) | np.isnan(sf) | np.isnan(pdf))
    assert np.all((cdf >= 0) & (cdf <= 1)) and np.all(pdf >= 0)
    assert np.all(np.diff(cdf) >= 0) and np.all(np.diff(sf) <= 0)
    np.testing.assert_allclose(cdf + sf, 1.0, rtol=0, atol=1e-15)
    assert dist.cdf(-30.0) == 0.0 and dist.pdf(-30.0) == 0.0 and dist.sf(-30.0) == 1.0
    assert dist.cdf(60.0) == 1.0 and dist.cdf(np.inf) == 1.0 and dist.cdf(-np.inf) == 0.0


@pytest.mark.parametrize("s", [6.0, 8.0, 12.0, 20.0])
def test_right_tail_of_f2_is_trace_of_airy_kernel(s):
    # 1 - det(I - K) = tr K + O((tr K)^2); at s >= 6, tr K < 1e-11, so sf equals
    # tr K_Ai = int_s^inf (Ai'(x)^2 - x Ai(x)^2) dx = (2 s^2 Ai^2 - 2 s Ai'^2 - Ai Ai') / 3
    # to relative 1e-11; the quadrature keeps a relative accuracy of ~1e-12 that far out.
    a, ap, _, _ = airy(s)
    trace = (2 * s * s * a * a - 2 * s * ap * ap - a * ap) / 3
    assert tracy_widom(2).sf(s) == pytest.approx(trace, rel=1e-9)


@pytest.mark.parametrize("s", [10.0, 14.0, 20.0])
def test_right_tail_of_f1_is_trace_of_its_kernel(s):
    # As above with tr K_1 = int_s^inf Ai(x)/2 dx (< 1e-10 for s >= 10).
    trace = quad(_airy_ai, s, np.inf, epsabs=0, epsrel=1e-13)[0] / 2
    assert tracy_widom(1).sf(s) == pytest.approx(trace, rel=1e-9)


@pytest.mark.parametrize("s", [3.0, 4.0, 6.0])
def test_right_tail_of_f4_is_second_order_of_its_kernel(s):
    # F_4 = (det(I - K) + det(I + K))/2 = sum of the even elementary symmetric polynomials of
    # the eigenvalues of K (K_1 at sqrt(2) s), so 1 - F_4 = -e_2 - e_4 - ... with
    # -e_2 = (tr K^2 - (tr K)^2)/2, tr K^2 = int_0^inf u Ai(sigma + u)^2 du. The e_4 term is
    # smaller by a product of two more eigenvalues, and the two traces cancel to ~1%, so the
    # reference is good to ~1e-11 relative (the agreement measured is 2e-13).
    sigma = np.sqrt(2.0) * s
    trace = quad(_airy_ai, sigma, np.inf, epsabs=0, epsrel=1e-13)[0] / 2
    trace_sq = quad(lambda u: u * _airy_ai(sigma + u) ** 2, 0, np.inf, epsabs=0, epsrel=1e-13)[0]
    assert tracy_widom(4).sf(s) == pytest.approx((trace_sq - trace**2) / 2, rel=1e-9)


@pytest.mark.parametrize("beta", BETAS)
def test_ppf_inverts_cdf_and_sf(beta):
    dist = tracy_widom(beta)
    # Far in the left tail the cdf is accurate in absolute terms (~1e-19 at the 1e-12 level, a
    # relative 1e-7), so the inverse is checked to that absolute accuracy plus 1e-9 relative.
    lower = np.array([1e-12, 1e-3, 0.25, 0.5])
    np.testing.assert_allclose(dist.cdf(dist.ppf(lower)), lower, rtol=1e-9, atol=1e-18)
    # Right-tail probabilities, down to far beyond the sampling table, keep their relative
    # accuracy through sf (ppf at 1 - 1e-14 could not: 1 - q has only two digits left).
    upper = np.array([0.25, 1e-3, 1e-9, 1e-14, 1e-30])
    np.testing.assert_allclose(dist.sf(dist.isf(upper)), upper, rtol=1e-9)
    np.testing.assert_allclose(dist.ppf(1 - upper[:2]), dist.isf(upper[:2]), rtol=0, atol=1e-12)
    assert dist.ppf(0.0) == -np.inf and dist.ppf(1.0) == np.inf


@pytest.mark.parametrize("beta", BETAS)
def test_rvs_follow_the_distribution(beta):
    # 4000 draws at a fixed seed. The KS test is exact for i.i.d. draws from the cdf; the
    # sampler's inverse-CDF table is accurate to < 2e-7 in probability, far below the KS
    # resolution (~1/sqrt(4000) = 0.016), so the p-value must not be small. To keep the test
    # fast the cdf is evaluated exactly on a grid of step h = 0.1 and interpolated linearly in
    # between, which changes it by at most h^2/8 max|f'| < 1e-3 (max|f'| < 0.5 for all three
    # betas), a sixteenth of the KS resolution. The sample mean must lie within 4 standard
    # errors sqrt(var/4000) of the TW mean.
    dist = tracy_widom(beta)
    draws = dist.rvs(size=4000, random_state=np.random.default_rng(12345))
    assert draws.shape == (4000,)
    grid = np.arange(-10.0, 16.0 + 1e-9, 0.1)
    cdf_on_grid = dist.cdf(grid)
    assert kstest(draws, lambda x: np.interp(x, grid, cdf_on_grid)).pvalue > 0.01
    mean, var = MOMENTS[beta]
    assert abs(draws.mean() - mean) < 4 * np.sqrt(var / draws.size)
    again = dist.rvs(size=4000, random_state=np.random.default_rng(12345))
    np.testing.assert_array_equal(draws, again)


def test_scaled_beta4_convention():
    # The beta = 4 matrix model in this library's normalisation has lambda_max = 2 +
    # N^(-2/3) 2^(-1/6) TW_4; scipy's scale argument gives that variable (mean -2.0552).
    frozen = tracy_widom(4)(scale=2 ** (-1 / 6))
    assert frozen.mean() == pytest.approx(2 ** (-1 / 6) * MOMENTS[4][0], abs=1e-9)
    assert frozen.cdf(-2.0) == pytest.approx(tracy_widom(4).cdf(-2.0 * 2 ** (1 / 6)), abs=1e-15)


@pytest.mark.parametrize("beta", [3, 0, -1, 2.5, np.nan])
def test_refuses_bad_beta(beta):
    with pytest.raises(ValueError, match="beta"):
        tracy_widom(beta)


@pytest.mark.parametrize("beta", ["1", None, True])
def test_refuses_non_numeric_beta(beta):
    with pytest.raises(TypeError, match="beta"):
        tracy_widom(beta)


def test_float_beta_is_accepted():
    assert tracy_widom(2.0) is tracy_widom(2)
