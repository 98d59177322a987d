"""Dense ensembles: structure, entry variances, semicircle/Marchenko–Pastur limits, input checks."""

import numpy as np
import pytest
import scipy.stats
from reference import goe_by_definition

import rmt

SEMICIRCLE = scipy.stats.semicircular(scale=2)


def _mean_with_se(x):
    x = np.asarray(x, dtype=float).ravel()
    return x.mean(), x.std(ddof=1) / np.sqrt(x.size)


@pytest.mark.parametrize("beta", [1, 2])
def test_entry_variances(beta):
    # E|H_ij|^2 = 1/N off the diagonal and 2/(beta N) on it; 5 standard errors.
    n = 200
    H = rmt.wigner(n, beta=beta, rng=10 + beta, size=20)
    iu = np.triu_indices(n, 1)
    off = n * np.abs(H[:, iu[0], iu[1]]) ** 2
    diag = n * np.abs(np.diagonal(H, axis1=-2, axis2=-1)) ** 2
    for values, want in ((off, 1.0), (diag, 2.0 / beta)):
        mean, se = _mean_with_se(values)
        assert abs(mean - want) < 5 * se
    assert np.all(np.diagonal(H, axis1=-2, axis2=-1).imag == 0)
    if beta == 2:
        # real and imaginary parts carry half the variance each and are uncorrelated
        mean, se = _mean_with_se(2 * n * H[:, iu[0], iu[1]].real ** 2)
        assert abs(mean - 1) < 5 * se


def test_gse_structure_and_variance():
    n = 100
    H = rmt.gse(n, rng=3)
    assert H.shape == (2 * n, 2 * n)
    np.testing.assert_allclose(H, H.conj().T)
    ev = np.linalg.eigvalsh(H)
    # Kramers degeneracy: eigenvalues come in equal pairs.
    np.testing.assert_allclose(ev[0::2], ev[1::2], atol=1e-12)
    # E|q_ij|^2 = 1/N for the quaternion entries: each 2 x 2 block has |.|_F^2 = 2|q|^2.
    blocks = np.abs(H) ** 2
    q2 = (blocks[:n, :n] + blocks[:n, n:]) * n  # |a + bi|^2 + |c + di|^2 = |q|^2
    iu = np.triu_indices(n, 1)
    mean, se = _mean_with_se(q2[iu])
    assert abs(mean - 1) < 5 * se
    mean, se = _mean_with_se(np.diag(q2))
    assert abs(mean - 0.5) < 5 * se  # diagonal: real, variance 2/(beta N) = 1/(2N)


@pytest.mark.parametrize(
    "sampler",
    [
        lambda: np.linalg.eigvalsh(rmt.goe(1000, rng=1)),
        lambda: np.linalg.eigvalsh(rmt.gue(600, rng=2)),
        lambda: np.linalg.eigvalsh(rmt.gse(400, rng=3))[::2],
        lambda: np.linalg.eigvalsh(rmt.wigner(1000, entries="rademacher", rng=4)),
        lambda: np.linalg.eigvalsh(rmt.wigner(600, beta=2, entries="rademacher", rng=5)),
        lambda: np.linalg.eigvalsh(
            rmt.wigner(1000, entries=lambda g, s: g.uniform(-np.sqrt(3), np.sqrt(3), s), rng=6)),
        lambda: np.linalg.eigvalsh(rmt.goe(1000, rng=7, dtype=np.float32).astype(float)),
    ],
    ids=["goe", "gue", "gse", "rademacher", "rademacher-complex", "uniform", "goe-float32"],
)
def test_semicircle_limit(sampler):
    # Eigenvalues are rigid: |F_N - F| = O(log N / N) ~ 0.005 at these sizes (Erdos, Yau &
    # Yin 2012). A spectrum with a radius 10% off (2.2) lies 0.030 away from the
    # semicircle in KS distance, so 0.01 separates right from wrong.
    ev = sampler()
    assert scipy.stats.kstest(ev, SEMICIRCLE.cdf).statistic < 0.01
    wrong = scipy.stats.semicircular(scale=2.2).cdf
    assert scipy.stats.kstest(ev, wrong).statistic > 0.02


def test_goe_matches_definition_in_law():
    # (A + A^T)/sqrt(2N) has the library's normalisation; compare E tr H^2 = N + 1 and
    # E tr H^4 / N = 2 + 5/N + 1/N^2-ish through a two-sample test of tr H^2.
    n, m = 20, 4000
    rng = np.random.default_rng(8)
    ours = np.einsum("bij,bij->b", *(2 * [rmt.goe(n, rng=rng, size=m)]))
    ref = np.array([np.sum(goe_by_definition(n, rng) ** 2) for _ in range(m)])
    se = np.sqrt(ours.var(ddof=1) / m + ref.var(ddof=1) / m)
    assert abs(ours.mean() - ref.mean()) < 4 * se
    mean, se1 = _mean_with_se(ours)
    assert abs(mean - (n + 1)) < 4 * se1


def test_batch_equals_successive_draws():
    for beta, dtype in ((1, np.float64), (2, np.float64), (1, np.float32)):
        g = np.random.default_rng(0)
        singles = [rmt.wigner(7, beta=beta, rng=g, dtype=dtype) for _ in range(3)]
        batch = rmt.wigner(7, beta=beta, rng=0, size=3, dtype=dtype)
        np.testing.assert_array_equal(batch, np.stack(singles))
    assert rmt.goe(5, rng=1, size=(2, 3)).shape == (2, 3, 5, 5)
    assert rmt.goe(5, rng=1, dtype=np.float32).dtype == np.float32
    assert rmt.gue(5, rng=1, dtype=np.float32).dtype == np.complex64
    np.testing.assert_array_equal(rmt.goe(30, rng=5), rmt.goe(30, rng=5))


def test_wishart_moments():
    # E tr W / N = 1 and E tr W^2 / N = 1 + (N + 1)/M (real Gaussian X), 5 standard errors.
    n, m = 30, 60
    W = rmt.wishart(n, m, rng=9, size=3000)
    t1 = np.trace(W, axis1=-2, axis2=-1) / n
    t2 = np.einsum("bij,bji->b", W, W) / n
    for values, want in ((t1, 1.0), (t2, 1 + (n + 1) / m)):
        mean, se = _mean_with_se(values)
        assert abs(mean - want) < 5 * se
    Wc = rmt.wishart(40, 50, beta=2, rng=1)
    np.testing.assert_allclose(Wc, Wc.conj().T)
    assert np.linalg.eigvalsh(Wc).min() > 0


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda: rmt.goe(0), ValueError, "n must be an integer >= 1"),
        (lambda: rmt.goe(-3), ValueError, "n must be"),
        (lambda: rmt.goe(2.5), TypeError, "n must be an integer"),
        (lambda: rmt.goe("4"), TypeError, "n must be an integer"),
        (lambda: rmt.goe(True), TypeError, "n must be an integer"),
        (lambda: rmt.wigner(4, beta=3), ValueError, "beta must be one of"),
        (lambda: rmt.wigner(4, beta=0), ValueError, "beta must be a finite number > 0"),
        (lambda: rmt.wigner(4, beta=float("nan")), ValueError, "beta"),
        (lambda: rmt.wigner(4, entries="cauchy"), ValueError, "entries"),
        (lambda: rmt.wigner(4, entries=3), TypeError, "entries"),
        (lambda: rmt.wigner(4, beta=4, entries="rademacher"), ValueError, "beta=4"),
        (lambda: rmt.wigner(4, entries=lambda g, s: np.zeros(3)), ValueError, "shape"),
        (lambda: rmt.wigner(4, entries=lambda g, s: np.full(s, np.nan)), ValueError, "finite"),
        (lambda: rmt.goe(4, dtype=np.int32), TypeError, "dtype"),
        (lambda: rmt.goe(4, size=-1), ValueError, "size"),
        (lambda: rmt.goe(4, size=2.0), TypeError, "size"),
        (lambda: rmt.goe(4, rng="seed"), TypeError, "rng"),
        (lambda: rmt.goe(4, rng=-1), ValueError, "rng"),
        (lambda: rmt.wishart(5, 4), ValueError, "m must be >= n"),
        (lambda: rmt.wishart(5, 6, beta=4), ValueError, "beta"),
    ],
)
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
