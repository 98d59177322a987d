"""Stochastic Lanczos quadrature and extreme eigenvalues against dense eigendecompositions.

Every tolerance is derived from theory: Gauss quadrature is exact for polynomials of degree
``< 2s`` (so those checks are to rounding); the probe average has the Hutchinson variance
``2 (||B||_F^2 - sum_i B_ii^2) / N^2 / probes`` for Rademacher probes, computed here from the
exact eigendecomposition; the quadrature error of a step function is at most the weight of a
node next to the step (Chebyshev-Markov-Stieltjes), and that of a smooth kernel at most twice
the tail of its Chebyshev series beyond degree ``2s - 1``.
"""

import numpy as np
import pytest
import scipy.sparse.linalg
import xarray as xr

import rmt
from rmt.spectral_density import (
    ExtremeEigenvalues,
    SpectralDensity,
    extreme_eigenvalues,
    spectral_density,
)


def probe(seed: int, j: int, dim: int) -> np.ndarray:
    """Probe ``j`` as documented: Rademacher / sqrt(dim) from child ``j`` of SeedSequence(seed)."""
    gen = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(j,)))
    return (2.0 * gen.integers(0, 2, size=dim) - 1.0) / np.sqrt(dim)


def op(a):
    return lambda v: a @ v


def hutchinson_variance(u, f_values, probes):
    """Variance of the mean over ``probes`` Rademacher probes of ``v^T f(A) v``, ``v = z/sqrt N``.

    ``f_values`` has shape ``(..., N)``: ``f`` at the eigenvalues, for several ``f`` at once.
    ``||f(A)||_F^2 = sum_i f(lambda_i)^2`` and ``f(A)_jj = sum_i U_ji^2 f(lambda_i)``;
    ``||f(A)||_F^2 - sum_j f(A)_jj^2`` is summed over the off-diagonal entries themselves, never
    as that difference: for ``f = 1`` both terms are ``N`` and their difference would be a
    rounding error of either sign (whose square root is NaN).
    """
    n = u.shape[0]
    f_values = np.asarray(f_values, dtype=np.float64)
    flat = f_values.reshape(-1, n)
    off = np.empty(flat.shape[0])
    for k, f in enumerate(flat):
        fa = (u * f) @ u.T
        np.fill_diagonal(fa, 0.0)
        off[k] = np.sum(fa**2)
    return (2.0 * off / n**2 / probes).reshape(f_values.shape[:-1])


def spiked_goe(n, spikes, seed):
    """GOE plus ``sum_i spikes_i w_i w_i^T`` along random orthonormal ``w_i``: BBP outliers."""
    a = rmt.goe(n, rng=seed)
    w = np.linalg.qr(np.random.default_rng(seed + 1).standard_normal((n, len(spikes))))[0]
    return a + (w * np.asarray(spikes)) @ w.T


# --------------------------------------------------------------------------------------------
# Gauss quadrature: exact statements
# --------------------------------------------------------------------------------------------


def test_full_steps_give_the_eigenvalues_and_squared_projections():
    # With s = N the Gauss rule of mu_v is mu_v itself: nodes lambda_i, weights (u_i^T v)^2.
    n = 40
    a = rmt.goe(n, rng=11)
    lam, u = np.linalg.eigh(a)
    sd = spectral_density(op(a), n, steps=n, probes=3, rng=5)
    for j in range(3):
        np.testing.assert_allclose(sd.nodes[j], lam, rtol=0, atol=1e-12)
        np.testing.assert_allclose(sd.weights[j], (u.T @ probe(5, j, n)) ** 2, rtol=0,
                                   atol=1e-12)


def test_gauss_quadrature_is_exact_below_degree_2s_and_not_at_2s():
    n, s = 60, 6
    a = rmt.goe(n, rng=2) + 0.3 * np.eye(n)
    norm = np.abs(np.linalg.eigvalsh(a)).max()
    sd = spectral_density(op(a), n, steps=s, probes=4, rng=9)
    for j in range(4):
        q = probe(9, j, n)
        aq = [q]
        for _ in range(2 * s):
            aq.append(a @ aq[-1])
        for deg in range(2 * s):
            # v^T A^deg v = (A^(deg//2) v)^T (A^(deg - deg//2) v).
            exact = aq[deg // 2] @ aq[deg - deg // 2]
            quad = np.sum(sd.weights[j] * sd.nodes[j] ** deg)
            assert abs(quad - exact) <= 1e-12 * max(norm**deg, 1.0), (j, deg)
        # At degree 2s the rule undershoots by prod_{i<=s} beta_i^2 = O(1) (vs ~100 here).
        exact = aq[s] @ aq[s]
        quad = np.sum(sd.weights[j] * sd.nodes[j] ** (2 * s))
        assert exact - quad > 1e-4 * exact


def test_probe_average_of_moments_is_hutchinson_and_matches_the_trace():
    n, s, probes = 200, 10, 40
    a = rmt.goe(n, rng=3)
    lam, u = np.linalg.eigh(a)
    sd = spectral_density(op(a), n, steps=s, probes=probes, rng=4)
    # The probe average equals the Hutchinson average of v^T A^j v with the same probes.
    q = np.stack([probe(4, j, n) for j in range(probes)])
    for deg in range(9):  # all < 2s: the quadrature is exact
        hutchinson = np.mean(np.einsum("pi,ij,pj->p", q, np.linalg.matrix_power(a, deg), q))
        mean, stderr = sd.moments(deg)
        scale = max(np.abs(lam).max() ** deg, 1.0)
        assert abs(mean - hutchinson) <= 1e-12 * scale
        # ... and tr(A^j)/N within 4 standard errors of the Rademacher-Hutchinson theory.
        se = np.sqrt(hutchinson_variance(u, lam**deg, probes))
        assert abs(mean - np.mean(lam**deg)) <= 4 * se + 1e-12 * scale, deg
        if deg >= 1:
            # 39 degrees of freedom: the sample standard error is within ~11 % of the truth.
            assert 0.6 < stderr / se < 1.6, (deg, stderr, se)
        else:
            assert mean == pytest.approx(1.0, abs=1e-13) and stderr < 1e-14


def test_rademacher_probes_are_exact_on_diagonal_operators():
    # Hutchinson's variance 2(||D||_F^2 - sum D_ii^2)/N^2 vanishes for diagonal D: every probe
    # gives tr(D^j)/N exactly (j < 2s). Gaussian probes would not.
    d = np.linspace(-1.0, 3.0, 50) ** 3
    sd = spectral_density(lambda v: d * v, 50, steps=5, probes=6, rng=1)
    for deg in range(10):
        mean, stderr = sd.moments(deg)
        assert mean == pytest.approx(np.mean(d**deg), rel=1e-12, abs=1e-12)
        assert stderr <= 1e-12 * max(np.mean(np.abs(d) ** deg), 1.0)


def test_degenerate_spectrum_restarts_and_stays_exact():
    # Three distinct eigenvalues: mu_v has three atoms, the Krylov space is invariant after
    # three steps, the extra (restarted) nodes carry zero weight and the rule is exact for
    # every function, counts included.
    n = 30
    lam = np.repeat([-1.0, 0.5, 2.0], [12, 10, 8])
    rot = np.linalg.qr(np.random.default_rng(0).standard_normal((n, n)))[0]
    a = (rot * lam) @ rot.T
    sd = spectral_density(op(a), n, steps=8, probes=5, rng=3)
    for j in range(5):
        proj = (rot.T @ probe(3, j, n)) ** 2
        for x in (-2.0, 0.0, 1.0, 3.0):
            count = np.sum(sd.weights[j][sd.nodes[j] < x])
            assert count == pytest.approx(proj[lam < x].sum(), abs=1e-10)
        assert np.sum(sd.weights[j] * np.exp(sd.nodes[j])) == pytest.approx(
            proj @ np.exp(lam), abs=1e-10)


# --------------------------------------------------------------------------------------------
# Against exact spectra: counts and smoothed densities
# --------------------------------------------------------------------------------------------

CASES = {
    # GOE, spectrum filling [-2, 2]; Wishart with q = 1/2, Marchenko-Pastur on [0.086, 2.91].
    "goe": (lambda: rmt.goe(400, rng=21), [-1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5]),
    "wishart": (lambda: rmt.wishart(400, 800, rng=22), [0.25, 0.5, 1.0, 1.5, 2.0, 2.5]),
}


@pytest.fixture(scope="module", params=list(CASES))
def case(request):
    make, xs = CASES[request.param]
    a = make()
    lam, u = np.linalg.eigh(a)
    sd = spectral_density(op(a), a.shape[0], rng=7)  # defaults: 80 steps, 10 probes
    return a, lam, u, sd, np.array(xs)


def test_fraction_below_matches_exact_counts(case):
    a, lam, u, sd, xs = case
    n = a.shape[0]
    assert (sd.steps, sd.probes) == (80, 10)
    mean, stderr = sd.fraction_below(xs)
    exact = np.mean(lam[:, None] < xs, axis=0)
    # Hutchinson standard error of the indicator 1[A < x] (a projector).
    se = np.sqrt(hutchinson_variance(u, (lam[None, :] < xs[:, None]).astype(float), sd.probes))
    # Quadrature error per probe: at most the larger weight of the two nodes around x.
    resolution = np.zeros_like(xs)
    for p in range(sd.probes):
        idx = np.searchsorted(sd.nodes[p], xs)
        left = sd.weights[p][np.clip(idx - 1, 0, sd.steps - 1)]
        right = sd.weights[p][np.clip(idx, 0, sd.steps - 1)]
        resolution += np.maximum(left, right) / sd.probes
    tolerance = 4 * se + resolution
    np.testing.assert_array_less(np.abs(mean - exact), tolerance)
    # Sharp enough to catch wrong weights: counting Ritz values with equal weights 1/s (their
    # distribution is the arcsine-like equilibrium measure, not the spectrum) misses by 0.07 to
    # 0.23 at some of these x.
    uniform = np.mean([np.mean(sd.nodes[p][:, None] < xs, axis=0) for p in range(sd.probes)], 0)
    assert np.any(np.abs(uniform - exact) > 2 * tolerance)
    assert np.all(stderr > 0) and np.all(stderr < 4 * (se + resolution))
    # cdf is the right-continuous version; no node sits exactly on these x.
    np.testing.assert_allclose(sd.cdf(xs), mean, rtol=0, atol=1e-15)
    assert sd.fraction_below(lam.max() + 1.0)[0] == pytest.approx(1.0, abs=1e-12)
    assert sd.fraction_below(lam.min() - 1.0)[0] == 0.0
    assert n == sd.dim


def test_smoothed_density_matches_the_smoothed_exact_spectrum(case):
    _, lam, u, sd, _ = case
    s, sigma, grid = sd.steps, sd.kernel_width, sd.grid
    # Default kernel width: 1/80 of the range of the nodes (Ritz values reach the edges).
    assert sigma == pytest.approx((lam.max() - lam.min()) / 80, rel=0.02)
    kernel = np.exp(-0.5 * ((grid[:, None] - lam[None, :]) / sigma) ** 2) / (
        sigma * np.sqrt(2 * np.pi))
    exact = kernel.mean(axis=1)
    l1 = np.trapezoid(np.abs(sd.density - exact), grid)

    # Noise: E|error(x)| <= sqrt(Var) (Jensen), Var from Hutchinson's formula with f = g_x.
    noise = np.trapezoid(np.sqrt(hutchinson_variance(u, kernel, sd.probes)), grid)
    # Quadrature: g_x(t) = sum_j c_j(x) T_j(t) on [lambda_min, lambda_max] (Ritz values lie
    # there too); terms j < 2s are integrated exactly, each other |T_j| <= 1, so the error of
    # every probe is <= 2 sum_{j >= 2s} |c_j(x)|. Coefficients from 1024 Chebyshev points.
    m = 1024
    angle = np.pi * (np.arange(m) + 0.5) / m
    lo, hi = lam.min(), lam.max()
    t = 0.5 * (lo + hi) + 0.5 * (hi - lo) * np.cos(angle)
    g = np.exp(-0.5 * ((grid[:, None] - t[None, :]) / sigma) ** 2) / (sigma * np.sqrt(2 * np.pi))
    coef = (2.0 / m) * g @ np.cos(np.outer(angle, np.arange(m)))
    quadrature = np.trapezoid(2.0 * np.abs(coef[:, 2 * s:]).sum(axis=1), grid)

    # L1 sums |error| over many nearly independent stretches of the grid, so it concentrates
    # near its mean (<= noise); allow 2x that plus the deterministic quadrature bound.
    tolerance = 2.0 * noise + quadrature
    assert l1 < tolerance, (l1, noise, quadrature)
    # Sharp enough to catch wrong weights: equal weights 1/s on the Ritz values give L1 ~ 0.5.
    uniform = np.exp(-0.5 * ((grid[:, None] - sd.nodes.ravel()) / sigma) ** 2).mean(axis=1) / (
        sigma * np.sqrt(2 * np.pi))
    assert np.trapezoid(np.abs(uniform - exact), grid) > 2 * tolerance
    # Both integrate to 1 on the default grid (4 kernel widths beyond the extreme nodes).
    assert np.trapezoid(sd.density, grid) == pytest.approx(1.0, abs=1e-3)


def test_outliers_are_found_exactly_with_their_weights():
    # A rank-3 spike of GOE(300) gives outliers near theta + 1/theta = 6.2, 10.1, 15.1 (BBP),
    # far from the bulk [-2, 2]: Ritz values converge to them to machine precision.
    n = 300
    a = spiked_goe(n, [6.0, 10.0, 15.0], seed=31)
    lam, u = np.linalg.eigh(a)
    sd = spectral_density(op(a), n, probes=4, rng=8)
    for j in range(4):
        np.testing.assert_allclose(sd.nodes[j][-3:], lam[-3:], rtol=1e-12)
        np.testing.assert_allclose(sd.weights[j][-3:], (u[:, -3:].T @ probe(8, j, n)) ** 2,
                                   rtol=1e-8)
    mean, _ = sd.fraction_below(4.0)
    weight_above = np.mean([np.sum((u[:, -3:].T @ probe(8, j, n)) ** 2) for j in range(4)])
    assert 1.0 - mean == pytest.approx(weight_above, abs=1e-10)

    res = extreme_eigenvalues(op(a), n, k=3, rng=0)
    assert res.converged
    np.testing.assert_allclose(res.largest, lam[::-1][:3], rtol=1e-8)
    np.testing.assert_allclose(res.smallest, lam[:3], rtol=1e-8)


# --------------------------------------------------------------------------------------------
# extreme_eigenvalues and the exact method
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["both", "largest", "smallest"])
def test_extreme_eigenvalues_match_eigvalsh(which):
    n, k = 300, 4
    a = rmt.goe(n, rng=41)
    lam = np.linalg.eigvalsh(a)
    res = extreme_eigenvalues(op(a), n, k=k, which=which, rng=1)
    assert isinstance(res, ExtremeEigenvalues) and res.converged and res.matvecs > 0
    if which == "largest":
        assert res.smallest is None
    else:
        np.testing.assert_allclose(res.smallest, lam[:k], rtol=1e-8)
    if which == "smallest":
        assert res.largest is None
    else:
        np.testing.assert_allclose(res.largest, lam[::-1][:k], rtol=1e-8)
    again = extreme_eigenvalues(op(a), n, k=k, which=which, rng=1)
    for name in ("smallest", "largest"):
        if getattr(res, name) is not None:
            np.testing.assert_array_equal(getattr(res, name), getattr(again, name))


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_extreme_eigenvalues_small_dimensions(n):
    a = rmt.goe(n, rng=n) + np.diag(np.arange(n))
    lam = np.linalg.eigvalsh(a)
    for k in range(1, n + 1):
        res = extreme_eigenvalues(op(a), n, k=k, rng=0)
        np.testing.assert_allclose(res.smallest, lam[:k], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(res.largest, lam[::-1][:k], rtol=1e-10, atol=1e-12)


def test_extreme_eigenvalues_records_non_convergence():
    a = rmt.goe(300, rng=5)
    res = extreme_eigenvalues(op(a), 300, k=2, which="largest", maxiter=1, rng=0)
    assert not res.converged and np.all(np.isnan(res.largest))


def test_exact_method_is_eigvalsh():
    n = 50
    a = rmt.goe(n, rng=12)
    lam = np.linalg.eigvalsh(a)
    sd = spectral_density(op(a), n, method="exact")
    assert (sd.method, sd.steps, sd.probes) == ("exact", n, 1)
    np.testing.assert_array_equal(sd.nodes[0], lam)
    np.testing.assert_array_equal(sd.weights, np.full((1, n), 1.0 / n))
    xs = np.array([-1.0, 0.0, 0.7])
    mean, stderr = sd.fraction_below(xs)
    np.testing.assert_allclose(mean, np.mean(lam[:, None] < xs, axis=0), rtol=0, atol=1e-14)
    np.testing.assert_array_equal(stderr, 0.0)
    # At an eigenvalue: fraction_below counts strictly below, cdf up to and including it.
    assert sd.fraction_below(lam[17])[0] == pytest.approx(17 / n, abs=1e-14)
    assert sd.cdf(lam[17]) == pytest.approx(18 / n, abs=1e-14)
    assert sd.moments(2) == (pytest.approx(np.mean(lam**2), rel=1e-13), 0.0)
    sigma = sd.kernel_width
    kde = np.exp(-0.5 * ((sd.grid[:, None] - lam) / sigma) ** 2).mean(1) / (
        sigma * np.sqrt(2 * np.pi))
    np.testing.assert_allclose(sd.density, kde, rtol=1e-12, atol=1e-14)


def test_dimension_one_and_one_step():
    for method, probes in (("slq", 10), ("exact", 1)):
        sd = spectral_density(lambda v: 2.5 * v, 1, method=method, rng=0)
        assert sd.nodes.shape == (probes, 1) and np.all(sd.nodes == pytest.approx(2.5))
        assert sd.kernel_width == pytest.approx(2.5)  # all nodes equal: scale max(|theta|, 1)
    # One step: the single node is the Rayleigh quotient v^T A v with weight 1.
    a = rmt.goe(20, rng=1)
    sd = spectral_density(op(a), 20, steps=1, probes=3, rng=2)
    for j in range(3):
        q = probe(2, j, 20)
        assert sd.nodes[j, 0] == pytest.approx(q @ a @ q, abs=1e-14)
        assert sd.weights[j, 0] == 1.0


# --------------------------------------------------------------------------------------------
# Reproducibility and the xarray form
# --------------------------------------------------------------------------------------------


def test_same_seed_same_result_and_probe_j_from_child_j():
    a = rmt.goe(100, rng=13)
    one = spectral_density(op(a), 100, steps=20, probes=6, rng=17)
    two = spectral_density(op(a), 100, steps=20, probes=6, rng=np.random.SeedSequence(17))
    fewer = spectral_density(op(a), 100, steps=20, probes=3, rng=17)
    other = spectral_density(op(a), 100, steps=20, probes=6, rng=18)
    for name in ("nodes", "weights", "grid", "density"):
        np.testing.assert_array_equal(getattr(one, name), getattr(two, name))
    # Probe j depends on child j only, not on how many probes there are.
    np.testing.assert_array_equal(one.nodes[:3], fewer.nodes)
    np.testing.assert_array_equal(one.weights[:3], fewer.weights)
    assert not np.array_equal(one.nodes, other.nodes)
    with pytest.raises(ValueError):
        one.nodes[0, 0] = 1.0  # the result is frozen, its arrays read-only


# Lock-step probes through matmat: one product per step on the block of current vectors.
# The two runs differ only by the rounding of A X against A x (each entry within about
# N eps max|A| ~ 1e-13 here); Ritz values and Gauss weights, both well conditioned at these
# node spacings, then agree to far better than the 1e-10 asked.
LOCKSTEP_ATOL = 1e-10


class Counted:
    """``A`` as a matvec and a matmat, counting the calls and recording the block shapes."""

    def __init__(self, a):
        self.a, self.vectors, self.blocks = a, 0, []

    def matvec(self, v):
        self.vectors += 1
        return self.a @ v

    def matmat(self, x):
        self.blocks.append(x.shape)
        return self.a @ x


def assert_same_density(one, two, atol=LOCKSTEP_ATOL):
    for name in ("nodes", "weights", "grid", "density"):
        np.testing.assert_allclose(getattr(one, name), getattr(two, name), rtol=0, atol=atol)


def test_lockstep_probes_equal_sequential_probes():
    n, steps, probes = 200, 30, 6
    a = rmt.goe(n, rng=31)
    seq = spectral_density(op(a), n, steps=steps, probes=probes, rng=5)
    counted = Counted(a)
    lock = spectral_density(counted.matvec, n, steps=steps, probes=probes,
                            matmat=counted.matmat, rng=5)
    # One block product per Lanczos step, on all probes at once; no single products.
    assert counted.vectors == 0 and counted.blocks == [(n, probes)] * steps
    assert_same_density(seq, lock)
    assert lock.seed.entropy == seq.seed.entropy and lock.probes == probes
    # Probe j is still the Rademacher vector of child j: one step gives its Rayleigh quotient.
    one = spectral_density(op(a), n, steps=1, probes=probes, matmat=op(a), rng=5)
    for j in range(probes):
        q = probe(5, j, n)
        assert one.nodes[j, 0] == pytest.approx(q @ a @ q, abs=1e-14)


def test_lockstep_with_a_linear_operator_and_full_steps():
    # steps = N: every probe's nodes are the eigenvalues; a LinearOperator as matvec, its
    # matmat as matmat.
    n = 40
    a = rmt.goe(n, rng=32)
    lam = np.linalg.eigvalsh(a)
    linop = scipy.sparse.linalg.aslinearoperator(a)
    lock = spectral_density(linop, n, steps=n, probes=3, matmat=linop.matmat, rng=6)
    seq = spectral_density(linop, n, steps=n, probes=3, rng=6)
    assert_same_density(seq, lock)
    for j in range(3):
        np.testing.assert_allclose(lock.nodes[j], lam, rtol=0, atol=1e-12)


def pair_operator(n, pair_values, rest):
    """``sum_k lambda_k u_k u_k^T + rest (I - sum_k u_k u_k^T)``, ``u_k = (e_2k - e_2k+1)/sqrt 2``.

    A Rademacher ``z`` has ``u_k^T z = (z_2k - z_2k+1) / sqrt 2``: zero or not with probability
    1/2 each. So probe ``j`` sees ``1 + #{k : z_2k != z_2k+1}`` distinct eigenvalues, and its
    Krylov space becomes invariant after that many steps: at a different step for different
    probes.
    """
    u = np.zeros((n, len(pair_values)))
    for k in range(len(pair_values)):
        u[2 * k, k], u[2 * k + 1, k] = 1 / np.sqrt(2), -1 / np.sqrt(2)
    return rest * np.eye(n) + (u * (np.asarray(pair_values) - rest)) @ u.T, u


def test_lockstep_handles_probes_breaking_down_at_different_steps():
    # Ten pairs: a probe sees about half of their ten values, and 1.0; after its breakdown
    # the restart vector sees the rest, so the restarted nodes depend on the restart vector
    # (drawn from the probe's own generator in both runs).
    n, steps, probes, seed = 20, 10, 8, 4
    values = np.linspace(-2.0, 3.0, 10)
    a, u = pair_operator(n, values, rest=1.0)
    seen = []
    for j in range(probes):
        v = probe(seed, j, n)
        proj = (u.T @ v) ** 2
        visible = proj > 1e-12
        seen.append(1 + int(visible.sum()))
        # Public Lanczos from the same probe: beta vanishes exactly where the space is
        # invariant, after `seen` steps.
        res = rmt.lanczos(op(a), n, steps, v0=v, rng=0)
        assert res.beta[seen[-1] - 1] == 0.0 and np.all(res.beta[: seen[-1] - 1] > 0)
    assert len(set(seen)) > 2 and max(seen) < steps  # every probe breaks down, at several steps
    seq = spectral_density(op(a), n, steps=steps, probes=probes, rng=seed)
    lock = spectral_density(op(a), n, steps=steps, probes=probes, matmat=op(a), rng=seed)
    # After a restart, the random vector sees the same eigenvalues again: T has exactly
    # repeated nodes, among which the weight may be shared in any way (the eigenvectors of a
    # repeated eigenvalue are not unique). So nodes and the density are compared, and the
    # weights as a measure: summed over coincident nodes.
    for name in ("nodes", "grid", "density"):
        np.testing.assert_allclose(getattr(lock, name), getattr(seq, name), rtol=0,
                                   atol=LOCKSTEP_ATOL)
    for j in range(probes):
        v = probe(seed, j, n)
        proj = (u.T @ v) ** 2
        # The Gauss rule is mu_v itself: atoms at the values seen, with weights (u_k^T v)^2,
        # and 1 - their sum at `rest`; the restarted part carries no weight.
        atoms = np.r_[values[proj > 1e-12], 1.0]
        masses = np.r_[proj[proj > 1e-12], 1.0 - proj.sum()]
        for sd in (seq, lock):
            at = np.abs(sd.nodes[j][:, None] - atoms) < 1e-9  # (steps, atoms)
            assert np.all(at.any(axis=0))  # every atom is a node
            np.testing.assert_allclose(sd.weights[j] @ at, masses, rtol=0, atol=1e-12)
            assert sd.weights[j][~at.any(axis=1)].sum() < 1e-12


def test_lockstep_refuses_bad_matmat():
    a = rmt.goe(6, rng=1)
    with pytest.raises(TypeError, match="matmat must be callable"):
        spectral_density(op(a), 6, matmat=5)
    for bad in (lambda x: (a @ x)[:-1], lambda x: (a @ x).T, lambda x: (a @ x).ravel()):
        with pytest.raises(ValueError, match=r"matmat must return shape \(6, 3\)"):
            spectral_density(op(a), 6, steps=4, probes=3, matmat=bad, rng=0)
    with pytest.raises(ValueError, match="matmat returned NaN"):
        spectral_density(op(a), 6, steps=4, probes=3, matmat=lambda x: a @ x + np.nan, rng=0)
    with pytest.raises(ValueError, match="steps, probes and matmat apply"):
        spectral_density(op(a), 6, method="exact", matmat=op(a))
    with pytest.raises(ValueError, match=r"matvec, a LinearOperator, must have shape \(6, 6\)"):
        spectral_density(scipy.sparse.linalg.aslinearoperator(np.eye(5)), 6)
    with pytest.raises(ValueError, match="probes.*lock-step"):
        spectral_density(op(a), 6, probes=10**12, matmat=op(a))


def test_to_xarray():
    a = rmt.goe(60, rng=14)
    sd = spectral_density(op(a), 60, steps=12, probes=4, rng=3, bins=100)
    assert isinstance(sd, SpectralDensity)
    ds = sd.to_xarray()
    assert isinstance(ds, xr.Dataset)
    assert dict(ds.sizes) == {"eigenvalue": 100, "probe": 4, "node": 12}
    assert ds["density"].dims == ("eigenvalue",)
    assert ds["nodes"].dims == ds["weights"].dims == ("probe", "node")
    np.testing.assert_array_equal(ds["eigenvalue"].values, sd.grid)
    np.testing.assert_array_equal(ds["nodes"].values, sd.nodes)
    assert ds.attrs["method"] == "slq" and ds.attrs["steps"] == 12 and ds.attrs["probes"] == 4
    assert ds.attrs["seed_entropy"] == "3" and ds.attrs["dim"] == 60
    custom = spectral_density(op(a), 60, steps=12, probes=4, rng=3, grid=[-1.0, 0.0, 1.0],
                              kernel_width=0.2)
    assert custom.kernel_width == 0.2 and custom.density.shape == (3,)
    np.testing.assert_allclose(custom.density, np.interp([-1, 0, 1], *_dense(sd, 0.2)),
                               rtol=1e-3)


def _dense(sd, sigma):
    grid = np.linspace(-3, 3, 6001)
    w, t = sd.weights.ravel(), sd.nodes.ravel()
    k = np.exp(-0.5 * ((grid[:, None] - t) / sigma) ** 2) / (sigma * np.sqrt(2 * np.pi))
    return grid, k @ w / sd.probes


# --------------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------------


def test_spectral_density_refuses_bad_input():
    eye = lambda v: v  # noqa: E731
    with pytest.raises(TypeError, match="matvec"):
        spectral_density(np.eye(3), 3)
    with pytest.raises(TypeError, match="dim"):
        spectral_density(eye, 3.0)
    with pytest.raises(ValueError, match="dim"):
        spectral_density(eye, 0)
    with pytest.raises(ValueError, match="steps"):
        spectral_density(eye, 3, steps=0)
    with pytest.raises(ValueError, match="steps must be at most"):
        spectral_density(eye, 3, steps=4)
    with pytest.raises(TypeError, match="steps"):
        spectral_density(eye, 3, steps=2.0)
    with pytest.raises(ValueError, match="probes"):
        spectral_density(eye, 3, probes=0)
    with pytest.raises(ValueError, match="method"):
        spectral_density(eye, 3, method="kpm")
    with pytest.raises(ValueError, match="steps, probes and matmat apply"):
        spectral_density(eye, 3, method="exact", probes=2)
    with pytest.raises(ValueError, match="grid or bins"):
        spectral_density(eye, 3, grid=[0.0, 1.0], bins=10)
    with pytest.raises(ValueError, match="bins"):
        spectral_density(eye, 3, bins=1)
    with pytest.raises(ValueError, match="grid"):
        spectral_density(eye, 3, grid=[0.0, np.nan])
    with pytest.raises(ValueError, match="grid"):
        spectral_density(eye, 3, grid=np.zeros((2, 2)))
    with pytest.raises(ValueError, match="kernel_width"):
        spectral_density(eye, 3, kernel_width=0.0)
    with pytest.raises(TypeError, match="rng"):
        spectral_density(eye, 3, rng="seed")
    for method in ("slq", "exact"):
        with pytest.raises(ValueError, match="matvec must return shape"):
            spectral_density(lambda v: v[:2], 3, method=method)
        with pytest.raises(ValueError, match="matvec returned NaN"):
            spectral_density(lambda v: v + np.inf, 3, method=method)
    with pytest.raises(ValueError, match="matvec .* symmetric"):
        spectral_density(lambda v: np.triu(np.ones((3, 3))) @ v, 3, method="exact")
    sd = spectral_density(eye, 3, rng=0)
    with pytest.raises(ValueError, match="k must be"):
        sd.moments(-1)
    with pytest.raises(TypeError, match="f must be callable"):
        sd.integrate(2.0)
    with pytest.raises(ValueError, match="x must be finite"):
        sd.fraction_below(np.nan)


def test_extreme_eigenvalues_refuses_bad_input():
    eye = lambda v: v  # noqa: E731
    with pytest.raises(TypeError, match="matvec"):
        extreme_eigenvalues("A", 3)
    with pytest.raises(ValueError, match="dim"):
        extreme_eigenvalues(eye, 0)
    with pytest.raises(ValueError, match="k must be"):
        extreme_eigenvalues(eye, 3, k=0)
    with pytest.raises(ValueError, match="k must be at most"):
        extreme_eigenvalues(eye, 3, k=4)
    with pytest.raises(ValueError, match="which"):
        extreme_eigenvalues(eye, 3, which="middle")
    with pytest.raises(ValueError, match="tol"):
        extreme_eigenvalues(eye, 3, tol=-1.0)
    with pytest.raises(ValueError, match="maxiter"):
        extreme_eigenvalues(eye, 3, maxiter=0)
    with pytest.raises(ValueError, match="matvec must return shape"):
        extreme_eigenvalues(lambda v: v[:-1], 30)
    with pytest.raises(ValueError, match="matvec returned NaN"):
        extreme_eigenvalues(lambda v: v + np.nan, 30)
