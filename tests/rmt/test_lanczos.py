"""Lanczos tridiagonalisation against dense eigenvalues."""

import numpy as np
import pytest
import scipy.linalg

import rmt


@pytest.mark.parametrize("n", [1, 2, 7, 150])
def test_full_lanczos_reproduces_the_spectrum_and_index(n):
    a = rmt.goe(n, rng=n) + 0.3 * np.eye(n)
    res = rmt.lanczos(lambda v: a @ v, n, rng=1, return_basis=True)
    assert res.steps == n and res.restarts == 0
    t = scipy.linalg.eigvalsh_tridiagonal(res.alpha, res.beta) if n > 1 else res.alpha
    np.testing.assert_allclose(t, np.linalg.eigvalsh(a), atol=1e-12 * max(1, np.abs(a).max()))
    assert int(rmt.count_below(res.alpha, res.beta, 0.0)) == int(rmt.index(a))
    q = res.basis
    np.testing.assert_allclose(q.T @ q, np.eye(n), atol=1e-12)
    tri = np.diag(res.alpha) + np.diag(res.beta, 1) + np.diag(res.beta, -1)
    np.testing.assert_allclose(q.T @ a @ q, tri, atol=1e-12)


def test_repeated_eigenvalues_restart_and_keep_multiplicities():
    # A Krylov space holds one vector per distinct eigenvalue: restarts recover the rest.
    d = np.r_[np.full(6, -1.0), np.full(4, 2.0), [0.5]]
    rot = np.linalg.qr(np.random.default_rng(0).standard_normal((11, 11)))[0]
    a = (rot * d) @ rot.T
    res = rmt.lanczos(lambda v: a @ v, 11, rng=2)
    assert res.restarts >= 1
    np.testing.assert_allclose(scipy.linalg.eigvalsh_tridiagonal(res.alpha, res.beta),
                               np.sort(d), atol=1e-12)
    assert int(rmt.count_below(res.alpha, res.beta, 0.0)) == 6


def test_partial_lanczos_finds_the_extreme_eigenvalues_first():
    # Ritz values converge to the edges: 60 steps on a 1000 x 1000 GOE give the extreme
    # eigenvalues to about 1e-3 (Kaniel-Paige; edge spacing ~ N^(-2/3) = 0.01).
    a = rmt.goe(1000, rng=3)
    res = rmt.lanczos(lambda v: a @ v, 1000, steps=60, v0=np.ones(1000))
    ritz = scipy.linalg.eigvalsh_tridiagonal(res.alpha, res.beta)
    exact = np.linalg.eigvalsh(a)
    assert abs(ritz[-1] - exact[-1]) < 1e-3 and abs(ritz[0] - exact[0]) < 1e-3


def test_bad_input():
    a = np.eye(3)
    with pytest.raises(TypeError, match="matvec"):
        rmt.lanczos(a, 3)
    with pytest.raises(ValueError, match="steps must be at most"):
        rmt.lanczos(lambda v: v, 3, steps=4)
    with pytest.raises(ValueError, match="v0 must be nonzero"):
        rmt.lanczos(lambda v: v, 3, v0=np.zeros(3))
    with pytest.raises(ValueError, match="v0 must have shape"):
        rmt.lanczos(lambda v: v, 3, v0=np.ones(2))
    with pytest.raises(ValueError, match="matvec must return shape"):
        rmt.lanczos(lambda v: v[:2], 3)
    with pytest.raises(ValueError, match="NaN"):
        rmt.lanczos(lambda v: v * np.nan, 3)
