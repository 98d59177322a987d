"""Tridiagonal models: equal in law to the dense ensembles, and their limit laws."""

import numpy as np
import pytest
import scipy.stats

import rmt

P_POSITIVE_2X2 = (2 - np.sqrt(2)) / 4  # P(both eigenvalues of the 2 x 2 GOE > 0)


def _positive_definite_2x2(a, b, c):
    return (a > 0) & (a * c > b * b)


def test_prob_all_positive_2x2_dense_and_tridiagonal():
    # Exact value (2 - sqrt 2)/4 = 0.146447; with M = 400k samples the standard error is
    # sqrt(p (1 - p) / M) = 5.6e-4 and we allow 4 of them (2.2e-3). A diagonal variance of
    # 1 or 4 instead of 2 (the two peer libraries' bugs) gives 0.1157 or 0.1761.
    m = 400_000
    se = np.sqrt(P_POSITIVE_2X2 * (1 - P_POSITIVE_2X2) / m)
    H = rmt.goe(2, rng=0, size=m)
    p_dense = _positive_definite_2x2(H[:, 0, 0], H[:, 0, 1], H[:, 1, 1]).mean()
    d, e = rmt.hermite_tridiagonal(2, beta=1, rng=1, size=m)
    p_tri = _positive_definite_2x2(d[:, 0], e[:, 0], d[:, 1]).mean()
    assert abs(p_dense - P_POSITIVE_2X2) < 4 * se
    assert abs(p_tri - P_POSITIVE_2X2) < 4 * se


@pytest.mark.parametrize("n", [1, 5, 40])
def test_mean_trace_square(n):
    # E tr H^2 = n + 1 for both models (docs/theory.md 2); Var tr H^2 = 8/n + 4(n - 1)/n < 8, so
    # the standard error of the mean of M samples is below sqrt(8 / M); 4 standard errors.
    # A diagonal variance off by a factor 2 moves the mean by 1, i.e. > 20 standard errors.
    m = 20_000
    d, e = rmt.hermite_tridiagonal(n, beta=1, rng=n, size=m)
    tri = (d**2).sum(axis=-1) + 2 * (e**2).sum(axis=-1)
    H = rmt.goe(n, rng=100 + n, size=m)
    dense = np.einsum("bij,bij->b", H, H)
    for t in (tri, dense):
        assert abs(t.mean() - (n + 1)) < 4 * t.std(ddof=1) / np.sqrt(m)


def test_index_variance_dense_equals_tridiagonal():
    # Var(index) at N = 100 is about 0.71 (docs/theory.md 4). Dense: 2000 LAPACK spectra, SE of a
    # sample variance ~ Var * sqrt(2 / M) = 0.022; tridiagonal: 200k Sturm counts, SE 0.0023.
    # The two estimates must agree within 4 combined standard errors (0.09). A tridiagonal
    # diagonal variance of 1 or 4 instead of 2 (the peers' bugs) gives 0.51 or 1.05.
    n = 100
    H = rmt.goe(n, rng=2, size=2000)
    k_dense = (np.linalg.eigvalsh(H) < 0).sum(axis=-1)
    k_tri = rmt.sample_index(n, size=200_000, beta=1, rng=3)
    v_dense, v_tri = k_dense.var(ddof=1), k_tri.var(ddof=1)
    se = np.sqrt(2 / (k_dense.size - 1) * v_dense**2 + 2 / (k_tri.size - 1) * v_tri**2)
    assert abs(v_dense - v_tri) < 4 * se
    assert abs(k_dense.mean() - n / 2) < 4 * np.sqrt(v_dense / k_dense.size)


@pytest.mark.parametrize("beta", [1, 2, 4])
def test_hermite_spectrum_matches_dense(beta):
    # Two-sample KS test between tridiagonal and dense spectra (eigenvalues pooled from a
    # few matrices; at a fixed seed). For beta = 4 the dense GSE has each eigenvalue twice.
    n, reps = 150, 6
    d, e = rmt.hermite_tridiagonal(n, beta=beta, rng=beta, size=reps)
    tri = np.concatenate([rmt.eigenvalue_by_bisection(d[r], e[r], np.arange(n))
                          for r in range(reps)])
    dense = np.linalg.eigvalsh(rmt.wigner(n, beta=beta, rng=10 + beta, size=reps))
    if beta == 4:
        dense = dense[:, ::2]
    assert scipy.stats.ks_2samp(tri, dense.ravel(), method="asymp").pvalue > 1e-3
    assert scipy.stats.kstest(tri, scipy.stats.semicircular(scale=2).cdf).statistic < 0.01


def test_any_beta_semicircle():
    # Any beta > 0: same semicircle (rigidity makes the KS distance O(log N / N)).
    for beta in (0.5, 2.5, 7.0):
        d, e = rmt.hermite_tridiagonal(2000, beta=beta, rng=5)
        x = np.linspace(-2.2, 2.2, 89)
        emp = rmt.counting_function(d, e, x)
        assert np.max(np.abs(emp - scipy.stats.semicircular(scale=2).cdf(x))) < 0.01


@pytest.mark.parametrize(("n", "m", "beta"), [(3, 5, 1), (4, 4, 2)])
def test_laguerre_equals_dense_wishart(n, m, beta):
    # tr T = tr W and tr T^2 = tr W^2 in law: compare means (4 combined standard errors).
    reps = 20_000
    d, e = rmt.laguerre_tridiagonal(n, m, beta=beta, rng=1, size=reps)
    W = rmt.wishart(n, m, beta=beta, rng=2, size=reps)
    t_tri = [d.sum(-1), (d**2).sum(-1) + 2 * (e**2).sum(-1)]
    t_dense = [np.trace(W, axis1=-2, axis2=-1).real, np.einsum("bij,bji->b", W, W).real]
    for a, b in zip(t_tri, t_dense, strict=True):
        se = np.sqrt(a.var(ddof=1) / reps + b.var(ddof=1) / reps)
        assert abs(a.mean() - b.mean()) < 4 * se
    # smallest eigenvalue too (a nonlinear statistic of the spectrum)
    lmin_tri = np.array([rmt.eigenvalue_by_bisection(d[r], e[r], 0) for r in range(2000)])
    lmin_dense = np.linalg.eigvalsh(W[:2000])[:, 0]
    assert scipy.stats.ks_2samp(lmin_tri, lmin_dense).pvalue > 1e-3


def test_laguerre_marchenko_pastur_edges():
    q = 0.25
    n = 4000
    d, e = rmt.laguerre_tridiagonal(n, n / q, beta=1, rng=4)
    lo, hi = rmt.eigenvalue_by_bisection(d, e, [0, -1])
    # Edges fluctuate on the scale n^(-2/3) ~ 4e-3.
    assert lo == pytest.approx((1 - np.sqrt(q)) ** 2, abs=0.02)
    assert hi == pytest.approx((1 + np.sqrt(q)) ** 2, abs=0.02)


def test_reproducible_and_shapes():
    a = rmt.hermite_tridiagonal(50, rng=7)
    b = rmt.hermite_tridiagonal(50, rng=7)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    d, e = rmt.hermite_tridiagonal(50, rng=7, size=(2, 3))
    assert d.shape == (2, 3, 50) and e.shape == (2, 3, 49)
    d, e = rmt.hermite_tridiagonal(1, rng=0)
    assert d.shape == (1,) and e.shape == (0,)
    d, e = rmt.laguerre_tridiagonal(10, 12.5, beta=1.5, rng=0, size=4)
    assert d.shape == (4, 10) and np.all(d > 0)


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda: rmt.hermite_tridiagonal(0), ValueError, "n must be"),
        (lambda: rmt.hermite_tridiagonal(3.0), TypeError, "n must be an integer"),
        (lambda: rmt.hermite_tridiagonal(3, beta=-1), ValueError, "beta"),
        (lambda: rmt.hermite_tridiagonal(3, beta="1"), TypeError, "beta"),
        (lambda: rmt.laguerre_tridiagonal(5, 4), ValueError, "m must exceed"),
        (lambda: rmt.laguerre_tridiagonal(5, float("nan")), ValueError, "m must be"),
        (lambda: rmt.laguerre_tridiagonal(5, 6, beta=0), ValueError, "beta"),
    ],
)
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
