"""Spherical p-spin glass: exact Riemannian derivatives, covariance, ABC's thresholds, and the
index law of critical points (the Hessian's conditional law, asymptotic and finite-N)."""

import itertools
import math

import numpy as np
import pytest
from scipy.stats import semicircular

import rmt
from fields.spin_glass import (
    MAX_COUPLING_ENTRIES,
    SphericalSpinGlass,
    _symmetrise,
    asymptotic_index_fraction,
    complexity,
    hessian_law,
    kac_rice_index,
    layer_energies,
    thresholds,
)

MODELS = [
    dict(dim=12, p=3),
    dict(dim=9, p=4),
    dict(dim=10, p=2),
    dict(dim=11, mixture={2: 0.5, 3: 1.0, 4: 0.3}),
]


def point_and_tangent(sg, seed):
    rng = np.random.default_rng(seed)
    x = sg.project(rng.standard_normal(sg.dim))
    v = rng.standard_normal(sg.dim)
    return x, v - (x @ v / sg.dim) * x


def retract(sg, x, v, t):
    return sg.project(x + t * v)


def geodesic(sg, x, v, t):
    r, speed = np.sqrt(sg.dim), np.linalg.norm(v)
    return np.cos(t * speed / r) * x + r * np.sin(t * speed / r) * v / speed


@pytest.mark.parametrize("model", MODELS)
def test_riemannian_derivatives(model):
    sg = SphericalSpinGlass(**model, rng=3)
    n = sg.dim
    x, v = point_and_tangent(sg, 1)
    value, g = sg.value_and_grad(x)
    assert value == pytest.approx(sg.value(x), rel=1e-14)
    np.testing.assert_allclose(g, sg.grad(x), rtol=1e-14, atol=1e-13)
    # The Riemannian gradient is tangent and is the projected Euclidean one.
    assert abs(x @ g) < 1e-12 * n * np.linalg.norm(g)
    eg = sg.euclidean_grad(x)
    np.testing.assert_allclose(g, eg - (x @ eg / n) * x, atol=1e-12)
    # Curves through x with velocity v and acceleration -|v|^2 x / N: d/dt H = grad . v and
    # d^2/dt^2 H = v^T Hess v. Central differences: error O(t^2) ~ 1e-8 (first, t = 1e-4)
    # and O(t^2) + rounding eps |H| / t^2 ~ 1e-6 (second, t = 1e-3), relative to values of
    # order 1 to 10: 1e-5 relative is ample and far below any O(1) mistake (a missing
    # curvature term is off by (x . grad H / N) |v|^2, of order |v|^2).
    for curve in (retract, geodesic):
        t = 1e-4
        d1 = (sg.value(curve(sg, x, v, t)) - sg.value(curve(sg, x, v, -t))) / (2 * t)
        assert d1 == pytest.approx(g @ v, rel=1e-5)
        t = 1e-3
        d2 = (sg.value(curve(sg, x, v, t)) - 2 * value + sg.value(curve(sg, x, v, -t))) / t**2
        assert d2 == pytest.approx(v @ sg.hvp(x, v), rel=1e-5, abs=1e-5)
    # hvp, hess and the tangent basis agree; hess is symmetric.
    basis = sg.tangent_basis(x)
    np.testing.assert_allclose(basis.T @ basis, np.eye(n - 1), atol=1e-13)
    np.testing.assert_allclose(basis.T @ x, 0, atol=1e-12)
    h = sg.hess(x)
    assert h.shape == (n - 1, n - 1) and np.array_equal(h, h.T)
    w = np.random.default_rng(2).standard_normal(n)
    np.testing.assert_allclose(sg.hvp(x, w), basis @ h @ basis.T @ w, atol=1e-11)
    # The normal component of v is ignored, and the Hessian maps into the tangent space.
    np.testing.assert_allclose(sg.hvp(x, v + 3 * x), sg.hvp(x, v), atol=1e-11)
    assert abs(x @ sg.hvp(x, w)) < 1e-10


def test_points_off_the_sphere_are_projected():
    sg = SphericalSpinGlass(10, p=3, rng=0)
    x, v = point_and_tangent(sg, 5)
    assert sg.value(2.5 * x) == pytest.approx(sg.value(x), rel=1e-14)
    np.testing.assert_allclose(sg.grad(0.1 * x), sg.grad(x), atol=1e-12)
    np.testing.assert_allclose(sg.hess(7 * x), sg.hess(x), atol=1e-11)
    # value is the 0-homogeneous extension of H, so its ordinary gradient on the sphere is
    # the Riemannian gradient (central differences, error ~ 1e-8).
    t, e = 1e-5, np.eye(10)
    fd = [(sg.value(x + t * e[i]) - sg.value(x - t * e[i])) / (2 * t) for i in range(10)]
    np.testing.assert_allclose(fd, sg.grad(x), atol=1e-6)
    # Euler's identity for a pure p-spin: x . grad H = p H.
    assert x @ sg.euclidean_grad(x) == pytest.approx(3 * sg.value(x), rel=1e-12)


@pytest.mark.parametrize("order", [2, 3, 4])
def test_symmetrise_against_all_permutations(order):
    t = np.random.default_rng(order).standard_normal((4,) * order)
    perms = list(itertools.permutations(range(order)))
    reference = sum(t.transpose(p) for p in perms) / len(perms)
    np.testing.assert_allclose(_symmetrise(t.copy()), reference, atol=1e-14)


def test_frozen_and_seeded():
    a, b = SphericalSpinGlass(8, p=3, rng=4), SphericalSpinGlass(8, p=3, rng=4)
    x = a.project(np.arange(1.0, 9.0))
    assert a.value(x) == b.value(x)
    assert a.value(x) != SphericalSpinGlass(8, p=3, rng=5).value(x)
    assert a.p == 3 and a.dim == 8 and dict(a.mixture) == {3: 1.0}
    mixed = SphericalSpinGlass(8, mixture={2: 1.0, 3: 0.5})
    assert mixed.p is None and "mixture" in repr(mixed)
    with pytest.raises(AttributeError):
        a.dim = 9


@pytest.mark.parametrize("model", [dict(dim=8, p=3), dict(dim=6, mixture={2: 0.6, 4: 1.0})])
def test_covariance_of_the_hamiltonian(model):
    # E H(s) H(s') = N xi(s . s' / N) at overlaps q = 1, 0.6, -0.5, over n independent
    # models. For a centred Gaussian pair, Var(XY) = Var X Var Y + Cov^2, estimated from the
    # sample; 4 SE per check. A wrong normalisation (N^(-p/2) instead of N^(-(p-1)/2)) is
    # off by a factor N = 8 in the variance, ~ 100 SE.
    n = 8000
    dim = model["dim"]
    e = np.eye(dim)
    s = np.sqrt(dim) * e[0]
    points = {q: np.sqrt(dim) * (q * e[0] + np.sqrt(1 - q * q) * e[1]) for q in (1.0, 0.6, -0.5)}
    products = {q: [] for q in points}
    for seed in range(n):
        sg = SphericalSpinGlass(**model, rng=seed)
        hs = sg.value(s)
        for q, t in points.items():
            products[q].append(hs * sg.value(t))
    xi = model.get("mixture", {model.get("p"): 1.0})
    for q, prods in products.items():
        target = dim * sum(g * g * q**p for p, g in xi.items())
        assert sg.covariance(s, points[q]) == pytest.approx(target, rel=1e-12)
        se = np.std(prods, ddof=1) / np.sqrt(n)
        assert abs(np.mean(prods) - target) < 4 * se, (q, np.mean(prods), target, se)


def test_hessian_normalisation():
    # hess + p u I is the tangent block of the Euclidean Hessian, sqrt(p (p - 1)) times a GOE
    # of size N - 1 with entry variances (1 + delta_ij) / N, so E tr(M^2) / (N - 1) = p (p - 1)
    # exactly (= 6 for p = 3): the semicircle radius 2 sqrt(p (p - 1)) of ABC. 4 SE over 300
    # models (SE ~ 0.025); the tr M / (N - 1) is centred with SE sqrt(2 p (p-1) / (N (N-1))).
    p, n_dim, reps = 3, 30, 300
    second, first = [], []
    for seed in range(reps):
        sg = SphericalSpinGlass(n_dim, p=p, rng=seed)
        x = sg.project(np.ones(n_dim))
        m = sg.hess(x) + p * sg.value(x) / n_dim * np.eye(n_dim - 1)
        second.append(np.trace(m @ m) / (n_dim - 1))
        first.append(np.trace(m) / (n_dim - 1))
    assert abs(np.mean(second) - p * (p - 1)) < 4 * np.std(second, ddof=1) / np.sqrt(reps)
    assert abs(np.mean(first)) < 4 * np.sqrt(2 * p * (p - 1) / (n_dim * (n_dim - 1)) / reps)


def test_hessian_at_a_minimum_found_by_descent():
    # Projected gradient descent, then Riemannian Newton in the tangent basis, on N = 30.
    p, n_dim = 3, 30
    sg = SphericalSpinGlass(n_dim, p=p, rng=7)
    x = sg.project(np.random.default_rng(0).standard_normal(n_dim))
    for _ in range(1500):
        x = sg.project(x - 0.05 * sg.grad(x))
    for _ in range(8):
        basis = sg.tangent_basis(x)
        x = sg.project(x - basis @ np.linalg.solve(sg.hess(x), basis.T @ sg.grad(x)))
    assert np.linalg.norm(sg.grad(x)) < 1e-10
    u = sg.value(x) / n_dim
    eig = np.linalg.eigvalsh(sg.hess(x))
    assert eig.min() > 0  # a minimum, energy well below 0
    assert -2.0 < u < -1.0
    # The spectrum is the tangent Euclidean Hessian shifted by -p u: its mean is -p u up to
    # tr M / (N - 1), SE sqrt(2 p (p-1) / (N (N-1))) = 0.12 (4 SE), plus an O(1/N) push from
    # conditioning on a minimum (all eigenvalues > 0); 0.5 covers both.
    assert abs(eig.mean() + p * u) < 0.5
    assert sg.value(x) < sg.value(sg.project(x + 0.1 * sg.tangent_basis(x)[:, 0]))


def test_thresholds_match_theory_sheet():
    # docs/theory.md section 7 (ABC 2013): p = 3: E_0 = 1.65700, E_1 = 1.65287, E_2 = 1.65025,
    # E_inf = 1.63299; p = 4: E_0 = 1.79409, E_inf = 1.73205 (5 decimals: 1e-5).
    t3, t4 = thresholds(3), thresholds(4)
    assert t3.e_0 == pytest.approx(1.65700, abs=1e-5)
    assert t3.e_inf == pytest.approx(1.63299, abs=1e-5)
    np.testing.assert_allclose(layer_energies(3, 2), [1.65700, 1.65287, 1.65025], atol=1e-5)
    assert t4.e_0 == pytest.approx(1.79409, abs=1e-5)
    assert t4.e_inf == pytest.approx(np.sqrt(3), rel=1e-15)
    e0, e_inf = thresholds(5)
    assert e0 > e_inf == pytest.approx(2 * np.sqrt(4 / 5))
    layers = layer_energies(3, 30)
    assert np.all(np.diff(layers) < 0) and layers[-1] > t3.e_inf
    assert np.allclose(complexity(3, -layers, 0)[0], 0, atol=1e-12)
    np.testing.assert_allclose(layer_energies(2, 3), np.sqrt(2))


def test_complexity_formula():
    p, e_inf = 3, thresholds(3).e_inf
    plateau = 0.5 * np.log(p - 1) - (p - 2) / p
    assert complexity(p, -1.0, 0) == pytest.approx(plateau, rel=1e-14)
    # Continuous at -E_inf, decreasing below it and with k.
    assert complexity(p, -e_inf - 1e-12, 2) == pytest.approx(plateau, abs=1e-6)
    u = np.linspace(-2.5, -e_inf, 50)
    theta = complexity(p, u, 1)
    assert theta.shape == u.shape and np.all(np.diff(theta) > 0)
    assert np.all(complexity(p, u[:-1], 3) < theta[:-1])


def test_index_fraction():
    p = 3
    e_inf = thresholds(p).e_inf
    assert asymptotic_index_fraction(p, 0.0) == 0.5
    assert asymptotic_index_fraction(p, -e_inf) == pytest.approx(0.0, abs=1e-12)
    assert asymptotic_index_fraction(p, e_inf) == pytest.approx(1.0, abs=1e-12)
    u = np.linspace(-2, 2, 9)
    expected = semicircular.cdf(p * u / (2 * np.sqrt(p * (p - 1))))
    np.testing.assert_allclose(asymptotic_index_fraction(p, u), expected, atol=1e-14)
    np.testing.assert_allclose(asymptotic_index_fraction(p, u),
                               rmt.semicircle_index_fraction(-p * u, 2 * np.sqrt(6)))


def test_hessian_law_of_a_mixture_matches_the_surface():
    # The conditional law of hessian_law, checked on the surface itself: at one point of
    # n = 3000 independent glasses (N = 6, xi(q) = q^2 + q^4: xi = 2, xi' = 6, xi'' = 14),
    # Var H = N xi; the mean Hessian eigenvalue tau = tr(Hess) / (N - 1) regresses on u = H / N
    # with slope -xi'/xi = -3 and residual variance 2 xi'' / ((N-1) N) + B / N = 28/30 + 2/6
    # (the common shift, B = 2: without it the residual would be 28/30, 10 standard errors
    # lower); an off-diagonal entry has variance xi'' / N. Sample variances of n Gaussians
    # have relative standard error sqrt(2 / n) = 2.6 %; all within 4.5 standard errors.
    mixture, dim, n = {2: 1.0, 4: 1.0}, 6, 3000
    law = hessian_law(mixture=mixture)
    assert law == pytest.approx((math.sqrt(14.0), -3.0, 2.0))
    x = np.zeros(dim)
    x[0] = 1.0
    values, taus, offdiag = np.empty(n), np.empty(n), np.empty(n)
    for k in range(n):
        glass = SphericalSpinGlass(dim, mixture=mixture, rng=k)
        h = glass.hess(x)
        values[k], taus[k], offdiag[k] = glass.value(x), np.trace(h) / (dim - 1), h[0, 1]
    rel = 4.5 * math.sqrt(2 / n)
    assert np.var(values) / dim == pytest.approx(2.0, rel=rel)
    u = values / dim
    slope = np.cov(u, taus)[0, 1] / np.var(u, ddof=1)
    resid = taus - taus.mean() - slope * (u - u.mean())
    resid_var = np.sum(resid**2) / (n - 2)
    assert abs(slope - law.slope) < 4.5 * math.sqrt(resid_var / (n * np.var(u)))
    assert resid_var == pytest.approx(2 * 14.0 / (5 * 6) + 2.0 / 6, rel=rel)
    assert np.var(offdiag) == pytest.approx(14.0 / 6, rel=rel)


def test_hessian_law_pure_and_single_degree():
    assert hessian_law(3) == (math.sqrt(6.0), -3.0, 0.0)
    assert hessian_law(mixture={4: 2.0, 3: 0.0}) == (2.0 * math.sqrt(12.0), -4.0, 0.0)


def test_spin_glass_kac_rice_tends_to_the_asymptotic_law():
    # The finite-N estimate differs from F_sc(p u / (2 sqrt(p (p-1)))) by O(1/N) (measured:
    # at most 0.33 / N at N = 50, 100, 200, 400); checked at N = 200 with 1 / N plus four
    # standard errors, and at u = 0, where the law is symmetric, against exactly 1/2.
    u = np.array([-1.5, -1.0, -0.5, 0.0, 0.5, 1.0])
    est = kac_rice_index(3, 200, u, n_samples=1000, rng=np.random.default_rng(0))
    np.testing.assert_array_less(np.abs(est.value - asymptotic_index_fraction(3, u)),
                                 1 / 200 + 4 * est.stderr)
    assert abs(est.value[3] - 0.5) <= 4 * est.stderr[3]
    # Below -E_inf the critical points are minima up to O(1/N) outliers, above +E_inf maxima.
    low = kac_rice_index(3, 200, [-1.8, 1.8], n_samples=300, rng=np.random.default_rng(1))
    assert low.value[0] < 0.002 and low.value[1] > 0.998
    # A wrong shift (+p u instead of -p u) would mirror the curve.
    assert est.value[0] < 0.05 and est.value[-1] > 0.8
    scalar = kac_rice_index(3, 20, 0.0, n_samples=20, rng=0)
    assert isinstance(scalar.value, float) and scalar.dim == 20 and scalar.n_samples == 20


def test_mixture_kac_rice_tends_to_the_tilted_law():
    # xi(q) = q^2 + q^6 / 4: B = 3.2 and R = 2 sqrt(xi'') = 6.16 give the Kac-Rice tilt
    # T = slope u R^2 / (R^2 - 2 B) = 1.2 slope u. At N = 200 the finite-N estimate (which
    # integrates over the common shift, independent of the asymptotic formula) is within
    # 1 / N plus four standard errors of the tilted law, and at least 10 standard errors
    # away from the untilted F_sc(-slope u / R).
    mixture = {2: 1.0, 6: 0.5}
    u = np.array([-1.2, -0.6, 0.4])
    est = kac_rice_index(2, 200, u, mixture=mixture, n_samples=600, rng=200)
    tilted = asymptotic_index_fraction(2, u, mixture=mixture)
    np.testing.assert_array_less(np.abs(est.value - tilted), 1 / 200 + 4 * est.stderr)
    law = hessian_law(mixture=mixture)
    untilted = rmt.semicircle_index_fraction(law.slope * u, 2 * law.scale)
    assert np.all(np.abs(est.value - untilted) > 10 * est.stderr)
    # Symmetric law at u = 0 for any mixture: one half.
    assert asymptotic_index_fraction(2, 0.0, mixture=mixture) == 0.5


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda: SphericalSpinGlass(1), ValueError, "dim"),
        (lambda: SphericalSpinGlass(0), ValueError, "dim"),
        (lambda: SphericalSpinGlass(5.0), TypeError, "dim"),
        (lambda: SphericalSpinGlass(5, p=1), ValueError, "p"),
        (lambda: SphericalSpinGlass(5, p=2.5), TypeError, "p"),
        (lambda: SphericalSpinGlass(5, mixture={}), TypeError, "mixture"),
        (lambda: SphericalSpinGlass(5, mixture={1: 1.0}), ValueError, "degree"),
        (lambda: SphericalSpinGlass(5, mixture={3: -1.0}), ValueError, "mixture"),
        (lambda: SphericalSpinGlass(5, mixture={3: 0.0}), ValueError, "gamma_p > 0"),
        (lambda: SphericalSpinGlass(5, mixture={3: np.nan}), ValueError, "mixture"),
        (lambda: SphericalSpinGlass(400, p=3), ValueError, "limit"),
        (lambda: SphericalSpinGlass(5, rng=-1), ValueError, "rng"),
        (lambda: SphericalSpinGlass(5, rng=0).value(np.zeros(5)), ValueError, "nonzero"),
        (lambda: SphericalSpinGlass(5, rng=0).value(np.ones(4)), ValueError, "shape"),
        (lambda: SphericalSpinGlass(5, rng=0).grad([1, 2, np.nan, 4, 5]), ValueError, "NaN"),
        (lambda: SphericalSpinGlass(5, rng=0).hvp(np.ones(5), [np.inf, 0, 0, 0, 0]),
         ValueError, "NaN"),
        (lambda: SphericalSpinGlass(5, rng=0).hess("abcde"), TypeError, "x"),
        (lambda: thresholds(1), ValueError, "p"),
        (lambda: layer_energies(3, -1), ValueError, "k_max"),
        (lambda: complexity(3, -2.0, k=-1), ValueError, "k"),
        (lambda: complexity(3, np.nan), ValueError, "energy"),
        (lambda: asymptotic_index_fraction(3, [0.0, np.nan]), ValueError, "energy"),
        (lambda: asymptotic_index_fraction(3, 0.0, mixture={1: 1.0}), ValueError, "degree"),
        (lambda: hessian_law(mixture={3: 0.0}), ValueError, "gamma_p > 0"),
        (lambda: kac_rice_index(3, 1, 0.0), ValueError, "dim"),
        (lambda: kac_rice_index(3, 10, np.inf), ValueError, "energy"),
        (lambda: kac_rice_index(3, 10, 0.0, n_samples=1), ValueError, "n_samples"),
        (lambda: kac_rice_index(3, 10, 0.0, rng="x"), TypeError, "rng"),
        (lambda: kac_rice_index(3, 10, 0.0, 100), TypeError, "positional"),
        (lambda: SphericalSpinGlass(5, 3, 0), TypeError, "positional"),
    ],
)
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_limit_is_stated():
    assert MAX_COUPLING_ENTRIES == 2**25
    assert 322**3 <= MAX_COUPLING_ENTRIES < 323**3
