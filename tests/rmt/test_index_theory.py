"""Tests for :mod:`rmt.index_theory`.

References used here: exact closed forms; an independent high-precision (80-digit ``Decimal``)
evaluation of the Andreief and de Bruijn formulas in the monomial basis with closed-form
moments; Monte Carlo on dense matrices (the definition of the ensembles); and Monte Carlo on the
Dumitriu--Edelman tridiagonal model, equal in law and cheap enough for large samples, with the
index counted by the Sturm sequence (Sylvester's law of inertia).
"""

from __future__ import annotations

import dataclasses
import math
from decimal import Decimal, getcontext, localcontext

import numpy as np
import pytest

from rmt import index_theory
from rmt.index_theory import (
    CoinFlipComparison,
    coin_flip_comparison,
    index_mean,
    index_variance,
    index_variance_constant,
    log_prob_all_positive,
)

THETA = math.log(3) / 4
EXACT_N_MAX = index_theory._EXACT_N_MAX


# --------------------------------------------------------------------------- references


def _decimal_pi() -> Decimal:
    """pi to the working precision, by Machin's formula pi = 16 atan(1/5) - 4 atan(1/239)."""
    eps = Decimal(10) ** (-getcontext().prec - 5)

    def atan_of_inverse(k: int) -> Decimal:
        x = Decimal(1) / k
        term = total = x
        j = 1
        while abs(term) > eps:
            term *= -x * x
            j += 2
            total += term / j
        return total

    return 16 * atan_of_inverse(5) - 4 * atan_of_inverse(239)


def _gamma_of_half(k: int, sqrt_pi: Decimal) -> Decimal:
    """Gamma(k / 2) for an integer k >= 1: (k/2 - 1)! or (2m)! sqrt(pi) / (4^m m!), k = 2m + 1."""
    if k % 2 == 0:
        return Decimal(math.factorial(k // 2 - 1))
    m = (k - 1) // 2
    return Decimal(math.factorial(2 * m)) / (Decimal(4) ** m * math.factorial(m)) * sqrt_pi


def _log_det(matrix: list[list[Decimal]]) -> Decimal:
    """log|det| by Gaussian elimination with partial pivoting; asserts det > 0."""
    a = [row[:] for row in matrix]
    size = len(a)
    sign, total = 1, Decimal(0)
    for c in range(size):
        p = max(range(c, size), key=lambda r: abs(a[r][c]))
        if p != c:
            a[c], a[p] = a[p], a[c]
            sign = -sign
        pivot = a[c][c]
        if pivot < 0:
            sign = -sign
        total += abs(pivot).ln()
        for r in range(c + 1, size):
            f = a[r][c] / pivot
            for k in range(c, size):
                a[r][k] -= f * a[c][k]
    assert sign > 0
    return total


def _reference_log_prob(n: int, beta: int, digits: int = 80) -> float:
    """ln P(all eigenvalues > 0) from the monomial-basis formulas, weight w(x) = exp(-x^2).

    beta = 2 (Andreief): det[m+_{i+j}] / det[m_{i+j}], m+_k = int_0^inf x^k w = Gamma((k+1)/2)/2.
    beta = 1 (de Bruijn): Pf(A+)/Pf(A) = sqrt(det A+ / det A). With
    J(i, j) = int int_{0<x<y} x^i y^j w(x) w(y), a+_ij = J(i, j) - J(j, i), and by folding the
    four quadrants a_ij = (1 - (-1)^(i+j)) a+_ij + ((-1)^i - (-1)^j) m+_i m+_j. Integrating
    the inner integral by parts gives the recursion
    J(i, j) = -g_(i+j-1)/2 + (i-1)/2 J(i-2, j), g_k = int_0^inf y^k exp(-2 y^2), started from
    J(1, j) = (m+_j - g_j)/2 and J(0, j) = sqrt(pi)/2 E_j, E_j = int_0^inf y^j w erf(y), with
    E_0 = sqrt(pi)/4 and E_j = (j-1)/2 E_(j-2) + g_(j-1)/sqrt(pi).
    """
    with localcontext() as ctx:
        ctx.prec = digits
        sqrt_pi = _decimal_pi().sqrt()
        sqrt2 = Decimal(2).sqrt()
        size = 2 * n + 1
        half = [_gamma_of_half(k + 1, sqrt_pi) / 2 for k in range(size)]
        if beta == 2:
            whole = [2 * half[k] if k % 2 == 0 else Decimal(0) for k in range(size)]
            plus = _log_det([[half[i + j] for j in range(n)] for i in range(n)])
            full = _log_det([[whole[i + j] for j in range(n)] for i in range(n)])
            return float(plus - full)
        g = [half[k] / sqrt2 ** (k + 1) for k in range(size)]
        e = [sqrt_pi / 4]
        for j in range(1, n):
            e.append((Decimal(j - 1) / 2 * e[j - 2] if j >= 2 else 0) + g[j - 1] / sqrt_pi)
        jj = [[sqrt_pi / 2 * e[j] for j in range(n)], [(half[j] - g[j]) / 2 for j in range(n)]]
        for i in range(2, n):
            jj.append([-g[i + j - 1] / 2 + Decimal(i - 1) / 2 * jj[i - 2][j] for j in range(n)])
        plus = [[jj[i][j] - jj[j][i] for j in range(n)] for i in range(n)]
        full = [[(1 - (-1) ** (i + j)) * plus[i][j] + ((-1) ** i - (-1) ** j) * half[i] * half[j]
                 for j in range(n)] for i in range(n)]
        if n % 2:
            b_plus = half[:n]
            b_full = [(1 + (-1) ** i) * half[i] for i in range(n)]
            plus = [plus[i] + [b_plus[i]] for i in range(n)] + [[-b for b in b_plus] + [0]]
            full = [full[i] + [b_full[i]] for i in range(n)] + [[-b for b in b_full] + [0]]
        return float((_log_det(plus) - _log_det(full)) / 2)


def _dense_ensemble(n: int, beta: int, m: int, rng: np.random.Generator) -> np.ndarray:
    """m matrices of GOE (beta 1) or GUE (beta 2): E|H_ij|^2 = 1/n, E H_ii^2 = 2/(beta n)."""
    if beta == 1:
        a = rng.standard_normal((m, n, n))
        return (a + np.swapaxes(a, -1, -2)) / math.sqrt(2 * n)
    a = rng.standard_normal((m, n, n)) + 1j * rng.standard_normal((m, n, n))
    return (a + np.conj(np.swapaxes(a, -1, -2))) / (2 * math.sqrt(n))


def _dense_index(n: int, beta: int, m: int, seed: int, chunk: int = 1000) -> np.ndarray:
    """Index (number of negative eigenvalues) of m dense matrices, by numpy.linalg.eigvalsh."""
    rng = np.random.default_rng(seed)
    counts = [
        np.count_nonzero(np.linalg.eigvalsh(_dense_ensemble(n, beta, min(chunk, m - s), rng)) < 0,
                         axis=-1)
        for s in range(0, m, chunk)
    ]
    return np.concatenate(counts)


def _tridiagonal_index(n: int, beta: int, m: int, seed: int) -> np.ndarray:
    """Index of m Dumitriu--Edelman beta-Hermite matrices by Sturm counts (docs/theory.md 2, 3).

    Diagonal N(0, 1), squared off-diagonal chi^2_{beta k} / 2, k = n-1..1; the overall scale
    does not change signs. q_1 = a_1, q_i = a_i - b_(i-1)^2 / q_(i-1); the index is the number
    of negative q_i (a zero pivot has probability zero).
    """
    rng = np.random.default_rng(seed)
    diag = rng.standard_normal((n, m))
    off2 = rng.chisquare(beta * np.arange(n - 1, 0, -1)[:, None], size=(n - 1, m)) / 2
    q = diag[0].copy()
    k = (q < 0).astype(np.int64)
    for i in range(1, n):
        q = diag[i] - off2[i - 1] / q
        k += q < 0
    return k


def _variance_and_se(k: np.ndarray) -> tuple[float, float]:
    """Sample variance and its standard error sqrt(Var((k - mean)^2) / m) (delta method).

    The index takes few values (kurtosis below 3), so this is smaller than the Gaussian
    sqrt(2/(m-1)) s^2 and more honest. Var((k - mean)^2) = mu_4 - mu_2^2 is computed as the
    variance of the squared deviations, never as that difference: for a two-point sample
    the squared deviations are all equal, mu_4 = mu_2^2, and the difference (worse, with the
    ddof=1 s^2 in place of mu_2) is a negative number whose square root is NaN.
    """
    k = k.astype(np.float64)
    square = (k - k.mean()) ** 2
    return k.var(ddof=1), math.sqrt(square.var() / k.size)


def test_variance_standard_error_is_not_nan_for_a_two_point_sample():
    # k in {0, 1} in equal numbers: every squared deviation is 1/4, so Var((k - mean)^2) = 0.
    # The former mu_4 - s^4 with s^2 = m/(m - 1) / 4 was 1/16 - 1/9 < 0, whose root is NaN.
    var, se = _variance_and_se(np.array([0, 1, 0, 1]))
    assert var == pytest.approx(1 / 3, rel=1e-15)
    assert se == 0.0


# --------------------------------------------------------------------------- log P(all positive)


def test_two_by_two_goe_is_exact():
    # Closed form (docs/theory.md 2): P = (2 - sqrt 2) / 4 for the 2 x 2 GOE.
    p = math.exp(log_prob_all_positive(2, beta=1))
    assert abs(p - (2 - math.sqrt(2)) / 4) < 1e-10
    assert abs(math.exp(_reference_log_prob(2, 1)) - (2 - math.sqrt(2)) / 4) < 1e-15


@pytest.mark.parametrize("beta", [1, 2, 4, 0.5])
@pytest.mark.parametrize("method", ["auto", "exact"])
def test_one_by_one_is_a_half(beta, method):
    assert log_prob_all_positive(1, beta=beta, method=method) == pytest.approx(-math.log(2),
                                                                                rel=1e-15)


@pytest.mark.parametrize("beta", [1, 2])
@pytest.mark.parametrize("n", [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 25, 40])
def test_exact_matches_high_precision_reference(n, beta):
    # The monomial formulas need ~n^2/2 digits of cancellation; 80 digits leave >= 40 to
    # spare at n = 40 (checked against 300 digits). float64 in the orthonormal basis keeps
    # about 13 significant digits of ln P (measured 4e-14 up to n = 300): allow 1e-12.
    exact = log_prob_all_positive(n, beta=beta, method="exact")
    assert exact == pytest.approx(_reference_log_prob(n, beta), rel=1e-12)


def test_goe_values_of_theory_sheet():
    # docs/theory.md 4 (Monte Carlo, about 2 digits): 0.0250 (n = 3), 0.00246 (n = 4). Its 1.2e-4
    # at n = 5 is a low-count estimate: exact 1.4011e-4; 10^7 tridiagonal samples gave
    # (1.409 +- 0.038)e-4.
    p = [math.exp(log_prob_all_positive(n, beta=1)) for n in (3, 4, 5)]
    assert p[0] == pytest.approx(0.0250, abs=0.0005)
    assert p[1] == pytest.approx(0.00246, abs=0.00001)
    assert p[2] == pytest.approx(1.4011e-4, rel=1e-4)


@pytest.mark.parametrize("beta", [1, 2])
@pytest.mark.parametrize("n", [2, 3, 4])
def test_exact_matches_dense_monte_carlo(n, beta):
    m = 200_000
    k = _dense_index(n, beta, m, seed=1000 * beta + n, chunk=m)
    p_mc = np.count_nonzero(k == 0) / m
    p = math.exp(log_prob_all_positive(n, beta=beta, method="exact"))
    # Binomial standard error; 4.5 sigma (two-sided p ~ 7e-6 for a correct formula). The
    # smallest case (GUE, n = 4, p = 1.18e-4) still sees ~24 events.
    assert abs(p_mc - p) < 4.5 * math.sqrt(p * (1 - p) / m)


@pytest.mark.parametrize("beta", [1, 2])
def test_log_prob_decreases_and_beats_coins(beta):
    values = [log_prob_all_positive(n, beta=beta) for n in range(1, 31)]
    assert np.all(np.diff(values) < 0)
    # Repulsion makes positive definiteness rarer than n heads from fair coins (n >= 2).
    assert all(v < -n * math.log(2) for n, v in enumerate(values[1:], start=2))


@pytest.mark.parametrize("beta", [1, 2])
def test_exact_approaches_dean_majumdar(beta):
    # ln P = -beta theta n^2 + o(n^2): the ratio to the asymptote must move towards 1.
    ns = [5, 20, 80, 320]
    ratios = [log_prob_all_positive(n, beta=beta) / (-beta * THETA * n * n) for n in ns]
    gaps = np.abs(np.array(ratios) - 1)
    assert np.all(np.diff(gaps) < 0)
    assert gaps[-1] < 0.01


@pytest.mark.parametrize("beta", [1, 2])
def test_exact_independent_of_quadrature_at_largest_n(beta):
    # Different node count and grid length change every rounding error; the values at the
    # trustworthy limit must agree to ~1e-13 relative (measured 1e-13, 4e-14).
    n = EXACT_N_MAX
    default = index_theory._exact_log_prob(n, beta)
    finer = index_theory._exact_log_prob(n, beta, nodes=4 * n + 100,
                                         length=2 * math.sqrt(n) + 13)
    assert default == pytest.approx(finer, rel=1e-12)


def test_method_switching():
    assert log_prob_all_positive(7, beta=2, method="asymptotic") == -2 * THETA * 49
    assert log_prob_all_positive(7, beta=4) == -4 * THETA * 49  # no exact value: asymptotic
    assert log_prob_all_positive(EXACT_N_MAX + 1, beta=1) == -THETA * (EXACT_N_MAX + 1) ** 2
    assert log_prob_all_positive(7, beta=1) == log_prob_all_positive(7, beta=1, method="exact")
    assert log_prob_all_positive(10**6, beta=1) == pytest.approx(-0.2747e12, rel=1e-3)


# --------------------------------------------------------------------------- variance


def test_index_variance_constants():
    assert abs(index_variance_constant(2) - 0.185248) < 1e-6
    # Closed forms written out independently of the module.
    g = 0.5772156649015329
    ln2, pi2 = math.log(2), math.pi**2
    assert index_variance_constant(1) == pytest.approx((3 * ln2 + g + 1 - pi2 / 8) / pi2,
                                                       rel=1e-14)
    assert index_variance_constant(4) == pytest.approx((4 * ln2 + g + 1 + pi2 / 8) / (4 * pi2),
                                                       rel=1e-14)
    assert index_variance_constant(1) == pytest.approx(0.245497, abs=1e-6)
    assert index_variance_constant(4) == pytest.approx(0.141432, abs=1e-6)


@pytest.mark.parametrize("n", [10, 1000, 10**9])
def test_constants_are_half_the_dyson_mehta_variance(n):
    # Sigma_beta^2(L) / 2 at ln(2 pi L) = ln n + 3 ln 2 (Mehta ch. 16) reproduces the full
    # formula, MNSV's C_2 included, for every n.
    g = 0.5772156649015329
    ln_2pil = math.log(n) + 3 * math.log(2)
    sigma2 = {
        1: 2 / math.pi**2 * (ln_2pil + g + 1 - math.pi**2 / 8),
        2: 1 / math.pi**2 * (ln_2pil + g + 1),
        4: 1 / (2 * math.pi**2) * (ln_2pil + math.log(2) + g + 1 + math.pi**2 / 8),
    }
    mnsv_c2 = (g + 1 + 3 * math.log(2)) / (2 * math.pi**2)
    assert sigma2[2] / 2 == pytest.approx(math.log(n) / (2 * math.pi**2) + mnsv_c2, rel=1e-14)
    for beta, s2 in sigma2.items():
        assert index_variance(n, beta) == pytest.approx(s2 / 2, rel=1e-14)


def test_index_variance_is_vectorised():
    ns = np.array([[1, 10], [100, 10**6]])
    out = index_variance(ns, beta=2)
    assert out.shape == ns.shape
    for n, v in zip(ns.ravel(), out.ravel(), strict=True):
        assert v == index_variance(int(n), beta=2)
    assert isinstance(index_variance(100), float)
    # docs/theory.md 4: formula 0.419, 0.535, 0.652, 0.769 (GUE, n = 10^2 .. 10^5).
    np.testing.assert_allclose(index_variance([10**2, 10**3, 10**4, 10**5], beta=2),
                               [0.419, 0.535, 0.652, 0.769], atol=6e-4)


# Finite-size allowance: |Var K - formula| <= 0.003 (+- 0.001) for beta = 1, 2 and
# n in {50, 51, 100, 200, 201}, and <= 0.0005 for the beta = 4 parity average at 200/201,
# measured with 10^6 tridiagonal samples each. 0.005 covers both with margin.
FINITE_SIZE = 0.005


@pytest.mark.parametrize("beta", [1, 2])
def test_index_variance_against_dense_monte_carlo(beta):
    n, m = 50, 4000
    var, se = _variance_and_se(_dense_index(n, beta, m, seed=50 + beta))
    # se ~ 0.014 (GOE), 0.010 (GUE): tolerance ~0.06 / 0.045, well below the size of
    # ln(n)/(beta pi^2) (0.40 / 0.20) and of C_beta.
    assert abs(var - index_variance(n, beta)) < 4 * se + FINITE_SIZE


@pytest.mark.parametrize("beta", [1, 2])
def test_index_variance_against_tridiagonal_monte_carlo(beta):
    n, m = 200, 100_000
    var, se = _variance_and_se(_tridiagonal_index(n, beta, m, seed=200 + beta))
    # se ~ 0.0035 (GOE): tolerance ~0.019, a third of C_1 - C_2 = 0.060.
    assert abs(var - index_variance(n, beta)) < 4 * se + FINITE_SIZE


def test_gse_index_variance_parity_average():
    # The GSE variance oscillates with the parity of n (about -+0.02 at n = 200, 201); the
    # formula describes the mean of neighbouring n.
    m = 100_000
    (v0, se0), (v1, se1) = (_variance_and_se(_tridiagonal_index(n, 4, m, seed=400 + n))
                            for n in (200, 201))
    mean_formula = (index_variance(200, 4) + index_variance(201, 4)) / 2
    # se of the mean ~ 0.0008: tolerance ~0.008, half of the ln(2)/(4 pi^2) = 0.018 that a
    # GUE-like length (ln 2 pi L in place of ln 4 pi L) would add.
    assert abs((v0 + v1) / 2 - mean_formula) < 4 * math.hypot(se0, se1) / 2 + FINITE_SIZE


def test_dense_reference_normalisation():
    # Guards the Monte Carlo reference: E|H_ij|^2 = 1/n, E H_ii^2 = 2/(beta n) (n = 4).
    n, m = 4, 100_000
    for beta in (1, 2):
        h = _dense_ensemble(n, beta, m, np.random.default_rng(beta))
        off = np.mean(np.abs(h[:, 0, 1]) ** 2)
        diag = np.mean(np.abs(h[:, 0, 0]) ** 2)
        # |H_01|^2 has relative sd sqrt(2) (GOE) or 1 (GUE), H_00^2 sqrt(2): allow 5 sqrt(2/m).
        assert off == pytest.approx(1 / n, rel=5 * math.sqrt(2 / m))
        assert diag == pytest.approx(2 / (beta * n), rel=5 * math.sqrt(2 / m))


# --------------------------------------------------------------------------- mean


def test_index_mean_is_half_at_zero():
    for n in (1, 2, 1001, 10**7):
        for beta in (1, 2, 4, 0.7):
            assert index_mean(n, beta) == n / 2


def test_index_mean_semicircle():
    # docs/theory.md 1: F_sc(t) = 1/2 + (t sqrt(1 - t^2) + arcsin t)/pi on [-1, 1], t = x/2.
    for x in (-1.9, -1.0, -0.3, 0.5, 1.5):
        t = x / 2
        f = 0.5 + (t * math.sqrt(1 - t * t) + math.asin(t)) / math.pi
        assert index_mean(1000, threshold=x) == pytest.approx(1000 * f, rel=1e-12)
    assert index_mean(1000, threshold=-2.5) == 0
    assert index_mean(1000, threshold=3) == 1000
    out = index_mean([10, 100], threshold=[[-1.0], [0.0]])
    assert out.shape == (2, 2)
    np.testing.assert_allclose(out[1], [5, 50])


# --------------------------------------------------------------------------- coin flips


def test_coin_flip_comparison_million():
    c = coin_flip_comparison(10**6)
    assert isinstance(c, CoinFlipComparison)
    assert c.coin_variance == 250_000
    assert c.coin_log_prob == pytest.approx(-10**6 * math.log(2), rel=1e-15)
    assert c.coin_log_prob == pytest.approx(-6.9e5, rel=0.01)
    assert c.rmt_log_prob == pytest.approx(-0.2747e12, rel=1e-3)
    assert c.rmt_log_prob_method == "asymptotic"
    assert c.rmt_variance == index_variance(10**6, 1)
    assert c.coin_log10_prob == pytest.approx(-10**6 * math.log10(2), rel=1e-14)
    assert c.rmt_log10_prob == pytest.approx(c.rmt_log_prob / math.log(10), rel=1e-15)
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.n = 3


def test_coin_flip_comparison_small_is_exact():
    c = coin_flip_comparison(2, beta=1)
    assert c.rmt_log_prob_method == "exact"
    assert math.exp(c.rmt_log_prob) == pytest.approx((2 - math.sqrt(2)) / 4, rel=1e-12)
    assert coin_flip_comparison(2, beta=4).rmt_log_prob_method == "asymptotic"


# --------------------------------------------------------------------------- bad input

BAD_N = [(0, ValueError), (-3, ValueError), (2.5, TypeError), ("3", TypeError),
         (True, TypeError), (3.0, TypeError), (None, TypeError)]
BAD_BETA = [(0, ValueError), (-1, ValueError), (float("nan"), ValueError),
            (float("inf"), ValueError), ("1", TypeError), (True, TypeError)]


@pytest.mark.parametrize("func", [index_mean, index_variance, log_prob_all_positive,
                                  coin_flip_comparison])
@pytest.mark.parametrize(("n", "error"), BAD_N)
def test_bad_n(func, n, error):
    with pytest.raises(error, match="n must"):
        func(n)


@pytest.mark.parametrize("func", [index_mean, index_variance, log_prob_all_positive,
                                  coin_flip_comparison])
@pytest.mark.parametrize(("beta", "error"), BAD_BETA)
def test_bad_beta(func, beta, error):
    with pytest.raises(error, match="beta"):
        func(4, beta)


@pytest.mark.parametrize("func", [index_variance, index_variance_constant, coin_flip_comparison])
def test_variance_refuses_other_beta(func):
    args = (3.0,) if func is index_variance_constant else (10, 3.0)
    with pytest.raises(ValueError, match="beta must be 1, 2 or 4"):
        func(*args)


def test_bad_n_arrays():
    with pytest.raises(TypeError, match="n must"):
        index_variance(np.array([10.0, 20.0]))
    with pytest.raises(TypeError, match="n must"):
        index_variance(np.array([True, False]))
    with pytest.raises(ValueError, match="n must"):
        index_variance([10, 0])
    with pytest.raises(ValueError, match="n must"):
        index_mean(np.array([], dtype=int))
    with pytest.raises(TypeError, match="n must"):
        log_prob_all_positive(np.array([3, 4]))


def test_bad_method():
    with pytest.raises(ValueError, match="method"):
        log_prob_all_positive(3, method="fast")
    with pytest.raises(TypeError, match="method"):
        log_prob_all_positive(3, method=None)
    with pytest.raises(ValueError, match=f"exact.*n <= {EXACT_N_MAX}"):
        log_prob_all_positive(EXACT_N_MAX + 1, beta=1, method="exact")
    with pytest.raises(ValueError, match="exact.*beta = 1 or 2"):
        log_prob_all_positive(3, beta=4, method="exact")


def test_bad_threshold():
    with pytest.raises(ValueError, match="threshold"):
        index_mean(10, threshold=float("nan"))
    with pytest.raises(TypeError, match="threshold"):
        index_mean(10, threshold="0")
    with pytest.raises(TypeError, match="threshold"):
        index_mean(10, threshold=True)
