"""Tests of rmt.laws: the semicircle, Marchenko–Pastur and index-fraction laws against theory."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference import goe_by_definition
from scipy.integrate import quad
from scipy.stats import kstest

from rmt.laws import marchenko_pastur, semicircle, semicircle_index_fraction

RATIOS = [0.05, 0.25, 0.5, 1.0]


# --------------------------------------------------------------------------------------------
# Marchenko–Pastur
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("q", RATIOS)
def test_marchenko_pastur_support_and_normalisation(q):
    law = marchenko_pastur(q=q)
    a, b = law.support()
    assert a == pytest.approx((1 - np.sqrt(q)) ** 2, abs=1e-15)
    assert b == pytest.approx((1 + np.sqrt(q)) ** 2, abs=1e-15)
    # quad's error estimate is ~1e-13 here, also at q = 1 where the density ~ x^(-1/2) at 0.
    total, _ = quad(law.pdf, a, b, epsabs=1e-13, epsrel=1e-13, limit=200)
    assert total == pytest.approx(1.0, abs=1e-10)
    assert law.cdf(a) == 0.0 and law.cdf(b) == 1.0
    assert law.cdf(a - 1.0) == 0.0 and law.cdf(b + 1.0) == 1.0


@pytest.mark.parametrize("q", RATIOS)
def test_marchenko_pastur_cdf_is_integral_of_pdf(q):
    law = marchenko_pastur(q=q)
    a, b = law.support()
    x = np.linspace(a, b, 41)
    # Integrate the pdf piece by piece between the points and accumulate: each piece is
    # computed to ~1e-14 by adaptive quadrature, so the sum is good to well below 1e-12.
    pieces = [
        quad(law.pdf, lo, hi, epsabs=1e-14, epsrel=1e-13, limit=200)[0]
        for lo, hi in zip(x[:-1], x[1:], strict=True)
    ]
    integral = np.concatenate(([0.0], np.cumsum(pieces)))
    np.testing.assert_allclose(law.cdf(x), integral, rtol=0, atol=1e-9)


@pytest.mark.parametrize("q", RATIOS)
def test_marchenko_pastur_moments_analytic_equal_numerical(q):
    law = marchenko_pastur(q=q)
    a, b = law.support()
    numeric = [
        quad(lambda x, k=k: x**k * law.pdf(x), a, b, epsabs=1e-13, epsrel=1e-13, limit=200)[0]
        for k in range(1, 6)
    ]
    # Narayana polynomials: E x^k = sum_j N(k, j) q^(j-1).
    exact = [1, 1 + q, 1 + 3 * q + q**2, 1 + 6 * q + 6 * q**2 + q**3,
             1 + 10 * q + 20 * q**2 + 10 * q**3 + q**4]
    analytic = [law.moment(k) for k in range(1, 6)]
    np.testing.assert_allclose(analytic, exact, rtol=1e-14)
    np.testing.assert_allclose(numeric, exact, rtol=1e-9)
    mean, var, skew, kurt = law.stats(moments="mvsk")
    assert (mean, var) == (1.0, pytest.approx(q, rel=1e-15))
    assert skew == pytest.approx(np.sqrt(q), rel=1e-14)
    assert kurt == pytest.approx(q - 1.0, abs=1e-14)


@pytest.mark.parametrize(("q", "wrong_q"), [(0.25, 0.3), (1.0, 0.9)])
def test_marchenko_pastur_matches_wishart_spectrum(q, wrong_q):
    # Eigenvalues of W = X X^T / M, N = 400, four matrices pooled. The empirical spectral CDF of
    # one matrix differs from its limit by O(1/N): a finite-N correction of the density near
    # the edges of order 1/N = 0.0025, while eigenvalue rigidity keeps the fluctuations of the
    # counting function at O(sqrt(log N) / N). Measured KS distances over 20 seeds are
    # 0.0037-0.0051, so the bound 0.01 = 4/N leaves a factor 2. A wrong ratio moves the CDF
    # by sup |F_q - F_wrong| ~ 0.04, four times the bound, so it must fail.
    n, m = 400, int(round(400 / q))
    rng = np.random.default_rng(20240611)
    eigenvalues = []
    for _ in range(4):
        x = rng.standard_normal((n, m))
        eigenvalues.append(np.linalg.eigvalsh(x @ x.T / m))
    eigenvalues = np.concatenate(eigenvalues)
    bound = 4.0 / n
    assert kstest(eigenvalues, marchenko_pastur(q=q).cdf).statistic < bound
    assert kstest(eigenvalues, marchenko_pastur(q=wrong_q).cdf).statistic > 2 * bound


def test_marchenko_pastur_vectorised_over_q_and_unfrozen_calls():
    q = np.array([0.25, 0.5, 1.0])
    direct = marchenko_pastur.cdf(1.0, q)
    frozen = [marchenko_pastur(q=qi).cdf(1.0) for qi in q]
    np.testing.assert_allclose(direct, frozen, rtol=0, atol=0)
    assert marchenko_pastur.mean(q=0.5) == 1.0
    # rvs samples by inverting the cdf: i.i.d. draws, so the KS test applies exactly.
    sample = marchenko_pastur(q=0.5).rvs(size=4000, random_state=np.random.default_rng(1))
    a, b = marchenko_pastur(q=0.5).support()
    assert sample.shape == (4000,) and np.all((sample >= a) & (sample <= b))
    assert kstest(sample, marchenko_pastur(q=0.5).cdf).pvalue > 0.01
    # The ratio as a keyword reaches ppf and isf, whose own first argument scipy calls q.
    p = np.array([0.1, 0.5, 0.9])
    np.testing.assert_allclose(marchenko_pastur.ppf(p, q=0.5), marchenko_pastur(0.5).ppf(p))
    np.testing.assert_allclose(marchenko_pastur(q=0.5).isf(p), marchenko_pastur.isf(p, 0.5))
    assert marchenko_pastur(q=0.5).median() == marchenko_pastur.ppf(0.5, 0.5)


@settings(derandomize=True, max_examples=60, deadline=None)
@given(q=st.floats(min_value=1e-4, max_value=1.0), u=st.floats(min_value=0.0, max_value=1.0))
def test_marchenko_pastur_cdf_monotone_and_consistent_with_ppf(q, u):
    law = marchenko_pastur(q=q)
    a, b = law.support()
    x = a + (b - a) * np.linspace(0.0, 1.0, 201)
    values = law.cdf(x)
    assert np.all(np.diff(values) >= 0) and values[0] == 0.0 and values[-1] == 1.0
    # ppf bisects the cdf to the spacing of doubles, so it inverts it to rounding (the cdf's
    # own rounding error grows like eps/sqrt(q) for small q: ~1e-14 at q = 1e-4).
    assert law.cdf(law.ppf(u)) == pytest.approx(u, abs=1e-12)


BAD_RATIOS = [0.0, 1.5, -0.25, np.nan]


@pytest.mark.parametrize("q", BAD_RATIOS)
@pytest.mark.parametrize(
    "call",
    [
        lambda q: marchenko_pastur(q=q),
        lambda q: marchenko_pastur(q),
        lambda q: marchenko_pastur.pdf(1.0, q),
        lambda q: marchenko_pastur.cdf(1.0, q=q),
        lambda q: marchenko_pastur.sf(1.0, q),
        lambda q: marchenko_pastur.ppf(0.5, q),
        lambda q: marchenko_pastur.mean(q),
        lambda q: marchenko_pastur.stats(q, moments="mvsk"),
        lambda q: marchenko_pastur.moment(3, q),
        lambda q: marchenko_pastur.entropy(q),
        lambda q: marchenko_pastur.rvs(q, size=3, random_state=0),
        lambda q: marchenko_pastur.support(q),
    ],
)
def test_marchenko_pastur_refuses_bad_ratio(call, q):
    with pytest.raises(ValueError, match=r"\bq\b"):
        call(q)


@pytest.mark.parametrize("q", ["0.5", None])
def test_marchenko_pastur_refuses_non_numeric_ratio(q):
    with pytest.raises(TypeError, match=r"\bq\b"):
        marchenko_pastur(q=q)


def test_marchenko_pastur_refuses_one_bad_entry_of_an_array():
    with pytest.raises(ValueError, match=r"q must be in \(0, 1\]"):
        marchenko_pastur.cdf(1.0, [0.5, 2.0])


# --------------------------------------------------------------------------------------------
# Semicircle
# --------------------------------------------------------------------------------------------


def test_semicircle_is_the_law_on_minus_two_two():
    assert semicircle.support() == (-2.0, 2.0)
    x = np.linspace(-2, 2, 101)
    np.testing.assert_allclose(semicircle.pdf(x), np.sqrt(4 - x**2) / (2 * np.pi), atol=1e-15)
    # Catalan numbers 1, 2, 5 for the even moments, zero odd moments.
    np.testing.assert_allclose([semicircle.moment(k) for k in (2, 4, 6)], [1, 2, 5], rtol=1e-12)
    assert abs(semicircle.moment(3)) < 1e-12


def test_semicircle_second_and_fourth_moments_of_goe():
    # GOE with E H_ij^2 = (1 + delta_ij)/N. By Wick's theorem, exactly at finite N,
    #   E tr H^2 / N = (N + 1)/N,   E tr H^4 / N = 2 + 5/N + 5/N^2,
    # which tend to the semicircle's Catalan numbers 1 and 2. The sample means over R = 200
    # matrices must be within 4 standard errors (estimated from the replicates) of these.
    n, replicates = 200, 200
    rng = np.random.default_rng(7)
    m2 = np.empty(replicates)
    m4 = np.empty(replicates)
    for r in range(replicates):
        h = goe_by_definition(n, rng)
        h2 = h @ h
        m2[r] = np.trace(h2) / n
        m4[r] = np.sum(h2 * h2) / n
    for sample, exact in ((m2, (n + 1) / n), (m4, 2 + 5 / n + 5 / n**2)):
        standard_error = sample.std(ddof=1) / np.sqrt(replicates)
        assert abs(sample.mean() - exact) < 4 * standard_error
    # The finite-N values approach the semicircle moments at rate 1/N; the sampled means
    # resolve the 1/N shift (here 0.005 for m2, against a standard error near 0.001).
    assert abs((n + 1) / n - semicircle.moment(2)) <= 1.0 / n
    assert abs(2 + 5 / n + 5 / n**2 - semicircle.moment(4)) <= 6.0 / n


def test_semicircle_matches_goe_spectrum():
    # One GOE of size N = 1000: eigenvalue rigidity keeps the empirical CDF within O(1/N)
    # of the semicircle in the bulk and O(N^(-2/3)) ~ 0.01 at the edges, where the CDF is
    # flat; the KS distance is measured at ~0.002, and the bound 0.01 does not admit a wrong
    # scale (a radius 1.8 instead of 2 moves the CDF by ~0.04).
    eigenvalues = np.linalg.eigvalsh(goe_by_definition(1000, np.random.default_rng(11)))
    assert kstest(eigenvalues, semicircle.cdf).statistic < 0.01
    wrong = kstest(eigenvalues, lambda x: semicircle.cdf(x * 2.0 / 1.8)).statistic
    assert wrong > 0.02


# --------------------------------------------------------------------------------------------
# Index fraction
# --------------------------------------------------------------------------------------------


def test_index_fraction_special_values():
    assert semicircle_index_fraction(0.0, 1.0) == 0.5
    assert semicircle_index_fraction(0.0, 3.7) == 0.5
    radius = 2.5
    np.testing.assert_array_equal(semicircle_index_fraction([radius, 3.0, 100.0], radius), 0.0)
    np.testing.assert_array_equal(semicircle_index_fraction([-radius, -3.0, -100.0], radius), 1.0)
    assert isinstance(semicircle_index_fraction(0.3, 1.0), float)
    assert semicircle_index_fraction(np.zeros((2, 3)), 1.0).shape == (2, 3)


def test_index_fraction_closed_form_and_monotone():
    radius = 1.7
    shift = np.linspace(-2 * radius, 2 * radius, 401)
    values = semicircle_index_fraction(shift, radius)
    assert np.all(np.diff(values) <= 0)
    # F_sc(t) = 1/2 + (t sqrt(1 - t^2) + arcsin t)/pi for |t| <= 1 (docs/theory.md, section 1).
    t = np.clip(-shift / radius, -1, 1)
    closed = 0.5 + (t * np.sqrt(1 - t**2) + np.arcsin(t)) / np.pi
    np.testing.assert_allclose(values, closed, rtol=0, atol=1e-14)


@settings(derandomize=True, max_examples=100, deadline=None)
@given(
    shift=st.floats(min_value=-10, max_value=10),
    radius=st.floats(min_value=1e-3, max_value=10),
    factor=st.floats(min_value=1e-2, max_value=1e2),
)
def test_index_fraction_symmetry_and_scale_invariance(shift, radius, factor):
    value = semicircle_index_fraction(shift, radius)
    assert value + semicircle_index_fraction(-shift, radius) == pytest.approx(1.0, abs=1e-14)
    scaled = semicircle_index_fraction(factor * shift, factor * radius)
    assert scaled == pytest.approx(value, abs=1e-12)


def test_index_fraction_matches_shifted_goe():
    # Spectrum of mu I + (R/2) H, H a GOE of size N = 2000 with spectrum on [-2, 2]: a
    # semicircle of radius R centred at mu. The index K has standard deviation about 1
    # (Var K ~ log N/pi^2 + 0.24 ~ 1.0, docs/theory.md section 4) and its mean differs from
    # N F_sc(-mu/R) by O(1) in the bulk, so |K/N - F| < 4/N (three standard deviations plus
    # one eigenvalue of bias). Using R instead of R/2, or F_sc(mu/R), fails by > 100/N.
    n = 2000
    eigenvalues = np.linalg.eigvalsh(goe_by_definition(n, np.random.default_rng(3)))
    radius = 1.5
    shifts = radius * np.array([-0.6, -0.2, 0.0, 0.35, 0.8])
    measured = np.array([np.mean(mu + radius / 2 * eigenvalues < 0) for mu in shifts])
    np.testing.assert_allclose(measured, semicircle_index_fraction(shifts, radius), rtol=0,
                               atol=4.0 / n)


@pytest.mark.parametrize("radius", [0.0, -1.0, np.nan, np.inf])
def test_index_fraction_refuses_bad_radius(radius):
    with pytest.raises(ValueError, match="radius"):
        semicircle_index_fraction(0.0, radius)


@pytest.mark.parametrize("shift", [np.nan, [0.0, np.nan], np.inf])
def test_index_fraction_refuses_nan_shift(shift):
    with pytest.raises(ValueError, match="shift"):
        semicircle_index_fraction(shift, 1.0)


def test_index_fraction_refuses_non_numeric():
    with pytest.raises(TypeError, match="shift"):
        semicircle_index_fraction("a", 1.0)
    with pytest.raises(TypeError, match="radius"):
        semicircle_index_fraction(0.0, "1")
