"""The optimisers of optim.first_order, optim.diagonal_curvature and optim.newton against
hand-computed steps, against each other, and against the Monte Carlo theory of their estimators."""

import copy

import numpy as np
import pytest
from reference import distinct_pair_sum

import fields
import rmt
from optim.base import Transform, chain, scale, trace
from optim.diagonal_curvature import esgd, jacobi, scale_by_diagonal_curvature
from optim.first_order import (
    adam,
    add_noise,
    momentum,
    perturbed_gd,
    rmsprop,
    scale_by_adam,
    scale_by_rms,
    sgd,
    sgld,
)
from optim.newton import damped_newton, newton, saddle_free_newton, scale_by_newton

RTOL = 1e-12


class Quadratic:
    """f(x) = (x - c)^T H (x - c) / 2 with every member of the Surface contract."""

    def __init__(self, h, center=None):
        self.h = np.asarray(h, dtype=float)
        self.dim = self.h.shape[0]
        self.center = np.zeros(self.dim) if center is None else np.asarray(center, float)
        self.hvp_calls = 0

    def value(self, x):
        d = x - self.center
        return 0.5 * float(d @ self.h @ d)

    def grad(self, x):
        return self.h @ (x - self.center)

    def value_and_grad(self, x):
        return self.value(x), self.grad(x)

    def hvp(self, x, v):
        self.hvp_calls += 1
        return self.h @ v

    def hess(self, x):
        return self.h.copy()


class HvpOnly(Quadratic):
    """The same quadratic without ``hess`` (Hessians must be assembled from hvp)."""

    hess = None


def known_spectrum(eigenvalues, seed=0):
    """H = Q diag(eigenvalues) Q^T with a seeded random orthogonal Q; returns (H, Q)."""
    n = len(eigenvalues)
    q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((n, n)))
    return (q * np.asarray(eigenvalues, float)) @ q.T, q


EIGS = np.array([-3.0, -1.0, 0.5, 2.0, 4.0])
H_SADDLE, Q_SADDLE = known_spectrum(EIGS)
X0 = np.array([1.0, -2.0, 0.5, 3.0, -1.0])


def run_updates(opt, grads, x=None, surface=None, rng=0):
    """Steps of ``opt`` for a sequence of given gradients (the point held fixed)."""
    x = np.zeros(len(grads[0])) if x is None else x
    state = opt.init(x, rng=rng)
    steps = []
    for g in grads:
        step, state = opt.update(np.asarray(g, float), state, x, surface)
        steps.append(step)
    return np.array(steps), state


GRADS = [np.array([1.0, -2.0, 0.5]), np.array([0.3, 0.1, -4.0]), np.array([-1.0, 2.5, 0.0])]


# ---------------------------------------------------------------------------- first order ----
def test_sgd_one_step():
    steps, state = run_updates(sgd(0.1), GRADS[:1])
    np.testing.assert_allclose(steps[0], [-0.1, 0.2, -0.05], rtol=RTOL)
    assert state == {}


@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum_by_hand_and_as_a_chain(nesterov):
    lr, mu = 0.1, 0.9
    steps, _ = run_updates(momentum(lr, mu, nesterov=nesterov), GRADS)
    m = np.zeros(3)
    for g, s in zip(GRADS, steps, strict=True):
        m = mu * m + g
        expected = -lr * (g + mu * m) if nesterov else -lr * m
        np.testing.assert_allclose(s, expected, rtol=RTOL)
    composed, _ = run_updates(chain(trace(mu, nesterov), scale(-lr)), GRADS)
    np.testing.assert_array_equal(steps, composed)


def test_rmsprop_three_steps_by_hand():
    lr, rho, eps = 0.01, 0.8, 1e-3
    steps, state = run_updates(rmsprop(lr, rho, eps), GRADS)
    r = np.zeros(3)
    for g, s in zip(GRADS, steps, strict=True):
        r = rho * r + (1 - rho) * g**2
        np.testing.assert_allclose(s, -lr * g / (np.sqrt(r) + eps), rtol=RTOL)
    np.testing.assert_allclose(state[0]["nu"], r, rtol=RTOL)
    # eps sits outside the square root: the third coordinate of the third gradient is 0.
    block, _ = run_updates(scale_by_rms(rho, eps), GRADS)
    np.testing.assert_allclose(block, -steps / lr, rtol=RTOL)


def test_adam_three_steps_by_hand():
    lr, b1, b2, eps = 0.05, 0.8, 0.9, 1e-6
    steps, state = run_updates(adam(lr, b1, b2, eps), GRADS)
    m, v = np.zeros(3), np.zeros(3)
    for t, (g, s) in enumerate(zip(GRADS, steps, strict=True), start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        np.testing.assert_allclose(s, -lr * m_hat / (np.sqrt(v_hat) + eps), rtol=RTOL)
    assert state[0]["count"] == 3
    block, _ = run_updates(scale_by_adam(b1, b2, eps), GRADS)
    np.testing.assert_allclose(block, -steps / lr, rtol=RTOL)


def test_add_noise_draws_from_the_state_generator():
    noisy = add_noise(0.5)
    state = noisy.init(np.zeros(4), rng=3)
    predicted = 0.5 * copy.deepcopy(state["rng"]).standard_normal(4)
    step, new = noisy.update(np.ones(4), state, np.zeros(4), None)
    np.testing.assert_allclose(step, 1.0 + predicted, rtol=RTOL)
    # update is pure: the same state gives the same noise; the new state gives fresh noise.
    again, _ = noisy.update(np.ones(4), state, np.zeros(4), None)
    np.testing.assert_array_equal(step, again)
    fresh, _ = noisy.update(np.ones(4), new, np.zeros(4), None)
    assert not np.allclose(fresh, step)


def test_sgld_at_zero_temperature_is_sgd():
    steps, _ = run_updates(sgld(0.1, temperature=0.0), GRADS)
    reference, _ = run_updates(sgd(0.1), GRADS)
    np.testing.assert_allclose(steps, reference, rtol=RTOL)


def test_sgld_one_step_by_hand():
    lr, temp = 0.02, 0.5
    opt = sgld(lr, temp)
    state = opt.init(np.zeros(3), rng=1)
    xi = copy.deepcopy(state[1]["rng"]).standard_normal(3)
    step, _ = opt.update(GRADS[0], state, np.zeros(3), None)
    np.testing.assert_allclose(step, -lr * GRADS[0] + np.sqrt(2 * lr * temp) * xi, rtol=RTOL)


def test_sgld_noise_statistics():
    # With g = 0 each step is sqrt(2 lr T) xi: mean 0, variance 2 lr T per coordinate.
    lr, temp, dim, n = 0.05, 2.0, 20, 2000
    steps, _ = run_updates(sgld(lr, temp), [np.zeros(dim)] * n, rng=7)
    samples = steps.ravel()
    var = 2 * lr * temp
    m = samples.size
    assert abs(samples.mean()) <= 4 * np.sqrt(var / m)
    # Var of the sample variance of m normals: 2 var^2 / (m - 1).
    assert abs(samples.var(ddof=1) - var) <= 4 * var * np.sqrt(2 / (m - 1))
    # Successive steps are independent: lag-1 correlation within 4 / sqrt(m).
    corr = np.mean(steps[1:] * steps[:-1]) / var
    assert abs(corr) <= 4 / np.sqrt(steps[1:].size)


def test_perturbed_gd_perturbs_only_when_allowed():
    lr, radius, threshold, wait, dim = 0.1, 0.3, 1.0, 2, 6
    big, small = np.full(dim, 1.0), np.full(dim, 0.1)  # |big| = 2.45 > 1 >= |small| = 0.24
    grads = [big, small, small, small, small, big, small, small, small, small]
    # t:       0    1*     2      3      4*   5    6      7*     8      9
    expected = {1, 4, 7}
    steps, state = run_updates(perturbed_gd(lr, radius, threshold, wait), grads)
    kicks = steps + lr * np.array(grads)
    kicked = {t for t in range(len(grads)) if np.linalg.norm(kicks[t]) > 0}
    assert kicked == expected
    for t in expected:
        assert 0 < np.linalg.norm(kicks[t]) <= radius
    for t in set(range(len(grads))) - expected:
        np.testing.assert_allclose(steps[t], -lr * grads[t], rtol=RTOL)
    assert state["perturbations"] == 3
    assert state["last_perturbation"] == 7
    assert state["count"] == len(grads)


def test_perturbed_gd_wait_zero_and_the_uniform_ball():
    # wait = 0: a kick at every small gradient. Uniform in the ball of radius r in d dims:
    # |xi| / r has law U^(1/d), so (|xi| / r)^d is Uniform(0, 1) (mean 1/2, sd 1/sqrt(12)).
    radius, dim, n = 2.0, 3, 3000
    steps, state = run_updates(perturbed_gd(0.1, radius, 1.0, 0), [np.zeros(dim)] * n, rng=2)
    assert state["perturbations"] == n
    lengths = np.linalg.norm(steps, axis=1)
    assert np.all(lengths <= radius)
    u = (lengths / radius) ** dim
    assert abs(u.mean() - 0.5) <= 4 / np.sqrt(12 * n)
    direction_mean = (steps / lengths[:, None]).mean(axis=0)  # isotropic: mean direction 0
    assert np.all(np.abs(direction_mean) <= 4 / np.sqrt(dim * n))


# ---------------------------------------------------------------------------- curvature ------
def test_esgd_rademacher_on_a_diagonal_quadratic_is_exact_equilibration():
    h = np.diag([2.0, -3.0, 0.5, -0.25])
    q = Quadratic(h)
    lr, damping = 0.1, 1e-3
    opt = esgd(lr, damping=damping, probe="rademacher")
    x = np.array([1.0, 1.0, -1.0, 2.0])
    step, state = opt.update(q.grad(x), opt.init(x, rng=0), x, q)
    d = np.abs(np.diag(h))
    np.testing.assert_allclose(state[0]["diagonal"], d, rtol=RTOL)
    np.testing.assert_allclose(state[0]["diagonal"], rmt.equilibration_diagonal(h), rtol=RTOL)
    np.testing.assert_allclose(step, -lr * q.grad(x) / (d + damping), rtol=RTOL)
    assert state[0]["probes"] == 1 and q.hvp_calls == 1


def test_esgd_one_gaussian_step_by_hand():
    q = Quadratic(H_SADDLE)
    lr, damping = 0.2, 1e-2
    opt = esgd(lr, damping=damping)
    state = opt.init(X0, rng=4)
    v = copy.deepcopy(state[0]["rng"]).standard_normal(5)
    step, state = opt.update(q.grad(X0), state, X0, q)
    d = np.abs(H_SADDLE @ v)
    np.testing.assert_allclose(state[0]["diagonal"], d, rtol=RTOL)
    np.testing.assert_allclose(step, -lr * q.grad(X0) / (d + damping), rtol=RTOL)


def test_refresh_schedule_every_k_updates():
    q = Quadratic(H_SADDLE)
    opt = esgd(0.1, every=3)
    state = opt.init(X0, rng=0)
    diagonals = []
    for _ in range(7):
        _, state = opt.update(q.grad(X0), state, X0, q)
        diagonals.append(state[0]["diagonal"])
    assert state[0]["probes"] == 3 and q.hvp_calls == 3  # refreshed at updates 0, 3, 6
    assert state[0]["count"] == 7
    np.testing.assert_array_equal(diagonals[0], diagonals[2])
    np.testing.assert_array_equal(diagonals[3], diagonals[5])
    assert not np.array_equal(diagonals[2], diagonals[3])


def test_ema_average_by_hand():
    q = Quadratic(H_SADDLE)
    beta = 0.7
    block = scale_by_diagonal_curvature("equilibration", damping=0.0, average="ema", decay=beta)
    state = block.init(X0, rng=5)
    gen = copy.deepcopy(state["rng"])
    a = np.zeros(5)
    for n in (1, 2, 3):
        v = gen.standard_normal(5)
        a = beta * a + (1 - beta) * (H_SADDLE @ v) ** 2
        out, state = block.update(np.ones(5), state, X0, q)
        d = np.sqrt(a / (1 - beta**n))
        np.testing.assert_allclose(state["diagonal"], d, rtol=RTOL)
        np.testing.assert_allclose(out, 1.0 / d, rtol=RTOL)


def _probe_running_mean(estimator, probe, n, rng):
    q = fields.RandomQuadratic(8, shift=0.5, rng=11)
    block = scale_by_diagonal_curvature(estimator, probe=probe)
    x = np.ones(8)
    state = block.init(x, rng=rng)
    for _ in range(n):
        _, state = block.update(x, state, x, q)
    assert state["probes"] == n
    return np.asarray(q.matrix), state["sum"] / n, state["diagonal"]


@pytest.mark.parametrize("probe", ["gaussian", "rademacher"])
def test_esgd_diagonal_converges_to_equilibration(probe):
    n = 4000
    h, mean_square, d = _probe_running_mean("equilibration", probe, n, rng=21)
    row2 = np.sum(h * h, axis=1)  # E (Hv)_i^2 = ||H_i||^2
    # Var (Hv)_i^2: 2 ||H_i||^4 (gaussian), 2 ||H_i||^4 - 2 sum_j H_ij^4 (rademacher).
    var = 2 * (row2**2 if probe == "gaussian" else distinct_pair_sum(h * h))
    assert np.all(np.abs(mean_square - row2) <= 4 * np.sqrt(var / n))
    np.testing.assert_allclose(d, np.sqrt(mean_square), rtol=RTOL)
    # Hence |D - exact| = |mean - row2| / (D + exact) <= 4 SE / (D + exact).
    exact = rmt.equilibration_diagonal(h)
    assert np.all(np.abs(d - exact) <= 4 * np.sqrt(var / n) / (d + exact))


@pytest.mark.parametrize("probe", ["gaussian", "rademacher"])
def test_jacobi_running_mean_converges_to_the_diagonal(probe):
    n = 4000
    h, mean, d = _probe_running_mean("jacobi", probe, n, rng=22)
    diag, row2 = np.diag(h), np.sum(h * h, axis=1)
    # Var v_i (Hv)_i: H_ii^2 + ||H_i||^2 (gaussian), ||H_i||^2 - H_ii^2 (rademacher).
    var = row2 + diag**2 if probe == "gaussian" else row2 - diag**2
    assert np.all(np.abs(mean - diag) <= 4 * np.sqrt(var / n))
    np.testing.assert_allclose(d, np.abs(mean), rtol=RTOL)


def test_jacobi_step_uses_the_absolute_diagonal():
    h = np.diag([2.0, -3.0, 0.5])
    q = Quadratic(h)
    opt = jacobi(0.1, damping=0.0, probe="rademacher")
    x = np.array([1.0, 2.0, 3.0])
    step, state = opt.update(q.grad(x), opt.init(x, rng=0), x, q)
    np.testing.assert_allclose(step, -0.1 * q.grad(x) / np.abs(np.diag(h)), rtol=RTOL)
    assert state[0]["probes"] == 1


# ---------------------------------------------------------------------------- newton ---------
def test_newton_jumps_onto_the_critical_point_of_a_saddle_and_a_minimum():
    center = np.array([0.5, -1.0, 2.0, 0.0, 1.5])
    for h in (H_SADDLE, known_spectrum([0.5, 1.0, 2.0, 3.0, 7.0], seed=1)[0]):
        q = Quadratic(h, center)
        opt = newton()
        step, state = opt.update(q.grad(X0), opt.init(X0), X0, q)
        np.testing.assert_allclose(X0 + step, center, rtol=RTOL, atol=1e-12)
        np.testing.assert_allclose(state[0]["eigenvalues"], np.linalg.eigvalsh(h), rtol=1e-12)
    half, _ = run_updates(newton(0.5), [q.grad(X0)], X0, q)
    np.testing.assert_allclose(half[0], 0.5 * step, rtol=RTOL)


def test_newton_on_a_singular_hessian_is_the_pseudo_inverse():
    h, _ = known_spectrum([-2.0, 0.0, 0.0, 1.0, 3.0], seed=2)
    q = Quadratic(h)
    g = np.array([1.0, 2.0, -1.0, 0.5, 0.0])  # not in the range of H
    steps, _ = run_updates(newton(), [g], X0, q)
    np.testing.assert_allclose(steps[0], -np.linalg.pinv(h, hermitian=True) @ g,
                               rtol=1e-10, atol=1e-12)


def test_damped_newton():
    q = Quadratic(H_SADDLE)
    g = q.grad(X0)
    zero, _ = run_updates(damped_newton(0.7, damping=0.0), [g], X0, q)
    plain, _ = run_updates(newton(0.7), [g], X0, q)
    np.testing.assert_allclose(zero, plain, rtol=RTOL)
    alpha = 0.3
    damped, _ = run_updates(damped_newton(0.7, damping=alpha), [g], X0, q)
    np.testing.assert_allclose(damped[0], -0.7 * np.linalg.solve(H_SADDLE + alpha * np.eye(5), g),
                               rtol=1e-12)


def abs_inverse(q, eigenvalues, damping):
    return (q / (np.abs(eigenvalues) + damping)) @ q.T


@pytest.mark.parametrize("damping", [0.0, 0.1])
def test_saddle_free_newton_exact(damping):
    q = Quadratic(H_SADDLE)
    g = q.grad(X0)
    steps, state = run_updates(saddle_free_newton(0.5, damping=damping), [g], X0, q)
    np.testing.assert_allclose(steps[0], -0.5 * abs_inverse(Q_SADDLE, EIGS, damping) @ g,
                               rtol=1e-12)
    np.testing.assert_allclose(state[0]["eigenvalues"], EIGS, rtol=1e-12)
    # It descends: g . step < 0 although H is indefinite (Newton's step ascends here).
    assert g @ steps[0] < 0


def test_saddle_free_newton_lanczos_with_full_rank_equals_exact():
    q = Quadratic(H_SADDLE)
    g = q.grad(X0)
    exact, _ = run_updates(saddle_free_newton(damping=1e-3), [g], X0, q)
    q.hvp_calls = 0
    krylov, state = run_updates(saddle_free_newton(damping=1e-3, method="lanczos", rank=5),
                                [g], X0, q)
    np.testing.assert_allclose(krylov, exact, rtol=1e-11)
    np.testing.assert_allclose(state[0]["eigenvalues"], EIGS, rtol=1e-11)
    assert q.hvp_calls == 5
    # rank above the dimension is capped at it.
    capped, _ = run_updates(saddle_free_newton(damping=1e-3, method="lanczos", rank=50),
                            [g], X0, q)
    np.testing.assert_allclose(capped, exact, rtol=1e-11)


def test_lanczos_on_an_invariant_krylov_space_is_exact():
    # g in the span of two eigenvectors: K(H, g) has dimension 2, the solution lies in it.
    q = Quadratic(H_SADDLE)
    g = 2.0 * Q_SADDLE[:, 0] - Q_SADDLE[:, 3]
    steps, state = run_updates(saddle_free_newton(damping=0.0, method="lanczos", rank=4),
                               [g], X0, q)
    # -|H|^{-1} g = -(2 / |-3|) q_0 + (1 / |2|) q_3.
    np.testing.assert_allclose(steps[0], -2.0 / 3.0 * Q_SADDLE[:, 0] + 0.5 * Q_SADDLE[:, 3],
                               rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(state[0]["eigenvalues"], [EIGS[0], EIGS[3]], rtol=1e-10)


def test_lanczos_newton_mode_and_zero_gradient():
    q = Quadratic(H_SADDLE)
    g = q.grad(X0)
    block = scale_by_newton("newton", method="lanczos")
    out, _ = block.update(g, block.init(X0), X0, q)
    np.testing.assert_allclose(out, X0, rtol=1e-11)
    out, state = block.update(np.zeros(5), block.init(X0), X0, q)
    np.testing.assert_array_equal(out, np.zeros(5))
    assert state["eigenvalues"].size == 0


def test_exact_methods_assemble_the_hessian_from_hvp():
    g = Quadratic(H_SADDLE).grad(X0)
    for opt in (newton(), saddle_free_newton(), damped_newton(damping=0.2)):
        with_hess, _ = run_updates(opt, [g], X0, Quadratic(H_SADDLE))
        from_hvp, _ = run_updates(opt, [g], X0, HvpOnly(H_SADDLE))
        np.testing.assert_allclose(from_hvp, with_hess, rtol=1e-12)
        assert opt.needs == ("hvp",)


@pytest.fixture(scope="module")
def sphere():
    sg = fields.SphericalSpinGlass(12, p=3, rng=0)
    x = sg.project(np.random.default_rng(1).standard_normal(12))
    return sg, x


@pytest.mark.parametrize("make", [
    lambda: newton(),
    lambda: damped_newton(damping=0.1),
    lambda: saddle_free_newton(damping=1e-3),
    lambda: saddle_free_newton(damping=1e-3, method="lanczos", rank=4),
])
def test_second_order_steps_are_tangent_on_the_sphere(sphere, make):
    sg, x = sphere
    opt = make()
    g = sg.grad(x)
    step, state = opt.update(g, opt.init(x), x, sg)
    assert abs(x @ step) <= 1e-12 * np.linalg.norm(x) * np.linalg.norm(step)
    assert state[0]["eigenvalues"].size <= sg.dim - 1


def test_saddle_free_newton_on_the_sphere_in_tangent_coordinates(sphere):
    sg, x = sphere
    g = sg.grad(x)
    basis = sg.tangent_basis(x)
    w, v = np.linalg.eigh(sg.hess(x))
    expected = -basis @ (v @ ((v.T @ (basis.T @ g)) / (np.abs(w) + 1e-3)))
    exact, state = run_updates(saddle_free_newton(damping=1e-3), [g], x, sg)
    np.testing.assert_allclose(exact[0], expected, rtol=1e-10)
    np.testing.assert_allclose(state[0]["eigenvalues"], w, rtol=1e-10, atol=1e-12)
    krylov, _ = run_updates(saddle_free_newton(damping=1e-3, method="lanczos", rank=11),
                            [g], x, sg)
    np.testing.assert_allclose(krylov, exact, rtol=1e-9)


# ------------------------------------------------------------- reproducibility and purity ----
STOCHASTIC = [
    lambda: sgld(0.1),
    lambda: perturbed_gd(0.1, 0.5, 10.0, 1),
    lambda: esgd(0.1, every=1),
    lambda: jacobi(0.1, probe="rademacher"),
    lambda: chain(add_noise(0.3), scale(-0.1)),
]


def _trajectory(opt, rng, steps=5):
    q = Quadratic(H_SADDLE)
    x = X0.copy()
    state = opt.init(x, rng=rng)
    out = []
    for _ in range(steps):
        step, state = opt.update(q.grad(x), state, x, q)
        x = x + step
        out.append(step)
    return np.array(out)


@pytest.mark.parametrize("make", STOCHASTIC)
def test_same_seed_same_steps(make):
    np.testing.assert_array_equal(_trajectory(make(), 0), _trajectory(make(), 0))
    # The same SeedSequence twice (init takes keyed children and never changes it), and a
    # Generator in the same state twice, give the same steps.
    ss = np.random.SeedSequence(5)
    np.testing.assert_array_equal(_trajectory(make(), ss), _trajectory(make(), ss))
    np.testing.assert_array_equal(_trajectory(make(), np.random.default_rng(3)),
                                  _trajectory(make(), np.random.default_rng(3)))
    assert not np.allclose(_trajectory(make(), 0), _trajectory(make(), 1))


def test_a_generator_seed_is_not_aliased():
    # Two optimisers initialised from one Generator get different streams, and the state
    # does not move when the caller draws from the Generator afterwards.
    gen = np.random.default_rng(0)
    opt = add_noise(1.0)
    s1, s2 = opt.init(np.zeros(3), rng=gen), opt.init(np.zeros(3), rng=gen)
    a, _ = opt.update(np.zeros(3), s1, None, None)
    gen.standard_normal(10)
    b, _ = opt.update(np.zeros(3), s2, None, None)
    a_again, _ = opt.update(np.zeros(3), s1, None, None)
    assert not np.allclose(a, b)
    np.testing.assert_array_equal(a, a_again)


ALL = [
    lambda: sgd(0.1),
    lambda: momentum(0.1, nesterov=True),
    lambda: rmsprop(0.1),
    lambda: adam(0.1),
    *STOCHASTIC,
    lambda: newton(),
    lambda: damped_newton(),
    lambda: saddle_free_newton(),
    lambda: saddle_free_newton(method="lanczos", rank=3),
    lambda: scale_by_diagonal_curvature("equilibration", average="ema"),
]


@pytest.mark.parametrize("make", ALL)
def test_update_is_pure_and_leaves_its_inputs_alone(make):
    opt = make()
    assert isinstance(opt, Transform)
    q = Quadratic(H_SADDLE)
    x, g = X0.copy(), q.grad(X0)
    state = opt.init(x, rng=0)
    _, state = opt.update(g, state, x, q)  # a state with history
    snapshot = copy.deepcopy((x, g, state))
    step1, new1 = opt.update(g, state, x, q)
    step2, _ = opt.update(g, state, x, q)
    np.testing.assert_array_equal(step1, step2)  # same state, same step (noise included)
    np.testing.assert_array_equal(x, snapshot[0])
    np.testing.assert_array_equal(g, snapshot[1])
    _assert_same(state, snapshot[2])
    assert step1.shape == x.shape and np.all(np.isfinite(step1))


def _assert_same(a, b):
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            _assert_same(a[k], b[k])
    elif isinstance(a, tuple):
        for u, v in zip(a, b, strict=True):
            _assert_same(u, v)
    elif isinstance(a, np.random.Generator):
        assert a.bit_generator.state == b.bit_generator.state
    else:
        np.testing.assert_array_equal(a, b)


def test_names_hyperparameters_and_needs():
    assert sgd(0.1).name == "sgd" and dict(sgd(0.1).hyperparameters) == {"lr": 0.1}
    assert dict(adam().hyperparameters) == {"lr": 1e-3, "b1": 0.9, "b2": 0.999, "eps": 1e-8}
    assert dict(rmsprop(0.1).hyperparameters) == {"lr": 0.1, "decay": 0.9, "eps": 1e-8}
    assert dict(esgd(0.1).hyperparameters) == {"lr": 0.1, "damping": 1e-4, "every": 20,
                                               "probe": "gaussian"}
    assert dict(saddle_free_newton().hyperparameters) == {"lr": 1.0, "damping": 1e-4,
                                                          "method": "exact", "rank": 20}
    names = {f().name for f in ALL[:-1]} | {esgd(0.1).name, jacobi(0.1).name}
    assert {"sgd", "momentum", "rmsprop", "adam", "sgld", "perturbed_gd", "esgd", "jacobi",
            "newton", "damped_newton", "saddle_free_newton"} <= names
    assert esgd(0.1).needs == ("hvp",) and jacobi(0.1).needs == ("hvp",)
    assert sgd(0.1).needs == () and adam().needs == ()


# ---------------------------------------------------------------------------- bad input ------
@pytest.mark.parametrize("make, error, match", [
    (lambda: sgd(0.0), ValueError, "lr"),
    (lambda: sgd(-1.0), ValueError, "lr"),
    (lambda: sgd("0.1"), TypeError, "lr"),
    (lambda: momentum(0.1, decay=1.0), ValueError, "decay"),
    (lambda: momentum(0.1, nesterov="yes"), TypeError, "nesterov"),
    (lambda: rmsprop(0.1, decay=-0.1), ValueError, "decay"),
    (lambda: rmsprop(0.1, eps=-1e-8), ValueError, "eps"),
    (lambda: adam(b1=1.0), ValueError, "b1"),
    (lambda: adam(b2=1.5), ValueError, "b2"),
    (lambda: adam(lr=float("nan")), ValueError, "lr"),
    (lambda: add_noise(-1.0), ValueError, "std"),
    (lambda: sgld(0.1, temperature=-1.0), ValueError, "temperature"),
    (lambda: perturbed_gd(0.1, 0.0, 1.0, 1), ValueError, "radius"),
    (lambda: perturbed_gd(0.1, 1.0, -1.0, 1), ValueError, "threshold"),
    (lambda: perturbed_gd(0.1, 1.0, 1.0, -1), ValueError, "wait"),
    (lambda: perturbed_gd(0.1, 1.0, 1.0, 1.5), TypeError, "wait"),
    (lambda: esgd(0.1, damping=-1e-4), ValueError, "damping"),
    (lambda: esgd(0.1, every=0), ValueError, "every"),
    (lambda: esgd(0.1, probe="uniform"), ValueError, "probe"),
    (lambda: jacobi(0.0), ValueError, "lr"),
    (lambda: jacobi(0.1, probe=1), TypeError, "probe"),
    (lambda: scale_by_diagonal_curvature("hutchinson"), ValueError, "estimator"),
    (lambda: scale_by_diagonal_curvature("jacobi", average="median"), ValueError, "average"),
    (lambda: scale_by_diagonal_curvature("jacobi", average="ema", decay=1.0), ValueError,
     "decay"),
    (lambda: newton(0.0), ValueError, "lr"),
    (lambda: damped_newton(damping=-1.0), ValueError, "damping"),
    (lambda: saddle_free_newton(damping=-1e-4), ValueError, "damping"),
    (lambda: saddle_free_newton(method="cholesky"), ValueError, "method"),
    (lambda: saddle_free_newton(method="lanczos", rank=0), ValueError, "rank"),
    (lambda: saddle_free_newton(rank=2.0), TypeError, "rank"),
    (lambda: scale_by_newton("halley"), ValueError, "mode"),
])
def test_bad_arguments_are_refused_at_construction(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_curvature_blocks_need_a_surface_with_hvp():
    for opt in (esgd(0.1), saddle_free_newton()):
        state = opt.init(X0, rng=0)
        with pytest.raises(TypeError, match="hvp"):
            opt.update(X0, state, X0, None)


def test_a_non_finite_hessian_gives_a_nan_step_not_an_exception():
    # The driver records a NaN step as a divergence (docs/design.md: no exception).
    h = H_SADDLE.copy()
    h[0, 0] = np.nan
    for opt in (newton(), saddle_free_newton(method="lanczos", rank=3)):
        step, state = opt.update(X0, opt.init(X0), X0, Quadratic(h))
        assert np.all(np.isnan(step)) and np.all(np.isnan(state[0]["eigenvalues"]))
