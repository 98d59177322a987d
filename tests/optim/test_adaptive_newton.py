"""Newton with Levenberg-Marquardt damping and a line search, the smallest eigenvalue, and the
work counted by train (optim.adaptive_newton, optim.smallest_eigenvalue, optim.train)."""

import math

import numpy as np
import pytest

import fields
import optim


class Quadratic:
    """f = x^T A x / 2 + b^T x, with the curvature ``hvp`` reports scaled by ``lie``."""

    def __init__(self, eigenvalues, b=None, lie=1.0, rng=0):
        gen = np.random.default_rng(rng)
        q, _ = np.linalg.qr(gen.standard_normal((len(eigenvalues),) * 2))
        self.a = q @ np.diag(eigenvalues) @ q.T
        self.dim = len(eigenvalues)
        self.b = np.zeros(self.dim) if b is None else np.asarray(b, dtype=float)
        self.lie = lie

    def value(self, x):
        return 0.5 * x @ self.a @ x + self.b @ x

    def grad(self, x):
        return self.a @ x + self.b

    def hvp(self, x, v):
        return self.lie * (self.a @ v)


EIGENVALUES = [-2.0, -0.5, 0.3, 1.0, 4.0]


def _step(opt, f, x):
    state = opt.init(x)
    return opt.update(f.grad(x), state, x, f)


@pytest.mark.parametrize("method", ["exact", "lanczos"])
def test_saddle_free_step_is_abs_hessian_inverse_gradient(method):
    f = Quadratic(EIGENVALUES)
    x = np.linspace(-1.0, 1.0, 5)
    opt = optim.adaptive_saddle_free_newton(damping=0.1, rank=5, method=method,
                                            line_search=False)
    step, state = _step(opt, f, x)
    w, v = np.linalg.eigh(f.a)
    expected = -v @ ((v.T @ f.grad(x)) / (np.abs(w) + 0.1))
    np.testing.assert_allclose(step, expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(state["eigenvalues"], EIGENVALUES, rtol=1e-10)


def test_damped_newton_step_is_shifted_hessian_inverse_gradient():
    f = Quadratic([0.5, 1.0, 2.0, 3.0])
    x = np.ones(4)
    step, _ = _step(optim.adaptive_damped_newton(damping=0.2, line_search=False), f, x)
    np.testing.assert_allclose(step, -np.linalg.solve(f.a + 0.2 * np.eye(4), f.grad(x)),
                               rtol=1e-10)


@pytest.mark.parametrize("make", [optim.adaptive_saddle_free_newton,
                                  optim.adaptive_damped_newton])
def test_exact_model_lowers_the_damping(make):
    """On a quadratic the model is the function: rho = 1 > 3/4, so alpha <- 2/3 alpha."""
    f = Quadratic([0.5, 1.0, 2.0])
    step, state = _step(make(damping=0.3), f, np.ones(3))
    assert state["ratio"] == pytest.approx(1.0, rel=1e-10)
    assert state["damping"] == pytest.approx(0.2, rel=1e-12)
    assert state["step_length"] == 1.0


def test_overoptimistic_model_raises_the_damping_and_backtracks():
    """hvp reports a tenth of the curvature: the model predicts too much, rho < 1/4, and the
    full step overshoots: alpha <- 3/2 alpha, and the line search halves the step."""
    f = Quadratic([1.0, 2.0, 3.0], lie=0.1)
    x = np.ones(3)
    opt = optim.adaptive_saddle_free_newton(damping=1e-3, method="exact")
    step, state = _step(opt, f, x)
    assert state["ratio"] < 0.25
    assert state["damping"] == pytest.approx(1.5e-3)
    assert 0 < state["step_length"] < 1
    g = f.grad(x)
    assert f.value(x + step) <= f.value(x) + 1e-4 * (g @ step)  # Armijo


def test_damped_newton_uphill_step_is_refused_and_saddle_free_goes_down():
    """At a maximum's slope (H = -I), (H + alpha I)^{-1} g points uphill to the maximum: the
    line search refuses it; saddle-free Newton moves away, down."""
    f = Quadratic([-1.0, -1.0])
    x = np.array([0.3, -0.2])
    step, state = _step(optim.adaptive_damped_newton(damping=0.1), f, x)
    assert state["step_length"] == 0.0 and np.all(step == 0)
    assert state["ratio"] == -math.inf and state["damping"] == pytest.approx(0.15)
    step, state = _step(optim.adaptive_saddle_free_newton(damping=0.1), f, x)
    assert state["step_length"] > 0 and f.value(x + step) < f.value(x)


def test_escapes_a_saddle_where_newton_converges_to_it():
    f = Quadratic([-1.0, 2.0, 3.0], b=[0.0, 0.0, 0.0])
    x = np.array([1e-3, 0.5, -0.5])
    sfn = optim.adaptive_saddle_free_newton(damping=1e-2)
    state = sfn.init(x)
    for _ in range(10):
        step, state = sfn.update(f.grad(x), state, x, f)
        x = x + step
    assert f.value(x) < -1.0  # f is unbounded below along the negative direction


def test_zero_gradient_and_nonfinite_products():
    f = Quadratic([1.0, 2.0])
    step, state = _step(optim.adaptive_saddle_free_newton(method="lanczos"), f, np.zeros(2))
    assert np.all(step == 0) and state["step_length"] == 0.0

    class Broken(Quadratic):
        def hvp(self, x, v):
            return np.full(self.dim, np.nan)

    step, state = _step(optim.adaptive_saddle_free_newton(method="lanczos"),
                        Broken([1.0, 2.0]), np.ones(2))
    assert np.all(np.isnan(step)) and np.all(np.isnan(state["eigenvalues"]))


@pytest.mark.parametrize("kwargs, match", [
    ({"damping": 0.0}, "damping"), ({"damping": 1e13}, "damping"), ({"rank": 0}, "rank"),
    ({"method": "dense"}, "method"), ({"exact_size": -1}, "exact_size"),
    ({"line_search": 1}, "line_search"), ({"armijo": 1.0}, "armijo"),
    ({"backtracks": -1}, "backtracks")])
def test_bad_arguments(kwargs, match):
    with pytest.raises((TypeError, ValueError), match=match):
        optim.adaptive_saddle_free_newton(**kwargs)


def test_auto_takes_the_exact_hessian_below_the_threshold():
    f = Quadratic(EIGENVALUES)
    x = np.ones(5)
    small, _ = _step(optim.adaptive_saddle_free_newton(rank=2, exact_size=5,
                                                       line_search=False), f, x)
    exact, _ = _step(optim.adaptive_saddle_free_newton(method="exact", line_search=False),
                     f, x)
    krylov, state = _step(optim.adaptive_saddle_free_newton(rank=2, exact_size=4,
                                                            line_search=False), f, x)
    np.testing.assert_allclose(small, exact, rtol=1e-12)
    assert state["eigenvalues"].size == 2


# ------------------------------------------------------------- smallest eigenvalue ----------
def test_smallest_eigenvalue_of_a_network_hessian():
    x, y = fields.data.load_digits()
    net = fields.nn.MLP((64, 6, 10), data=(x[:200], y[:200]), rng=0)
    w = net.w0 * 0.1
    exact = np.linalg.eigvalsh(net.hess(w))[0]
    lam = optim.smallest_eigenvalue(net, w, tol=1e-10, rng=0)
    assert lam == pytest.approx(exact, rel=1e-8, abs=1e-12)
    assert exact < 0  # near w = 0 the network's Hessian has negative curvature


def test_smallest_eigenvalue_nan_when_products_are_not_finite():
    class Broken(Quadratic):
        def hvp(self, x, v):
            return np.full(self.dim, np.inf)

    assert math.isnan(optim.smallest_eigenvalue(Broken([1.0, 2.0, 3.0]), np.ones(3), rng=0))


# ------------------------------------------------------------------ work and budget ---------
def _net(n=100):
    x, y = fields.data.load_digits()
    return fields.nn.MLP((64, 5, 10), data=(x[:n], y[:n]), rng=0)


def test_losses_and_hessians_are_charged():
    net = _net()
    run = optim.train(net, optim.adaptive_saddle_free_newton(rank=3, method="lanczos",
                                                             line_search=False),
                      epochs=2, batch_size=net.n_examples, value_cost=0.5, rng=0)
    # a step: 1 gradient, 3 hvps (2 each), the loss at x and at x + s (0.5 each)
    np.testing.assert_allclose(run.gradient_equivalents.values, [0.0, 8.0, 16.0])
    run = optim.train(net, optim.damped_newton(damping=1.0), epochs=1,
                      batch_size=net.n_examples, rng=0)
    assert run.gradient_equivalents.values[-1] == 1 + 2 * net.dim  # one dense Hessian


def test_budget_stops_the_run_and_final_point_continues_it():
    net = _net()
    run = optim.train(net, optim.sgd(0.1), epochs=50, batch_size=20, budget=12,
                      final_point=True, rng=0)
    work = run.gradient_equivalents.values
    assert run.attrs["status"] == "budget" and np.nanmax(work) == 12
    assert np.all(np.isnan(work[np.isfinite(work).sum():]))
    full = optim.train(net, optim.sgd(0.1), epochs=1, batch_size=net.n_examples,
                       final_point=True, rng=0)
    np.testing.assert_allclose(full.final_point, net.w0 - 0.1 * net.grad(net.w0),
                               rtol=1e-12, atol=1e-15)  # examples summed in shuffled order


def test_lambda_min_is_recorded_along_training():
    net = _net()
    run = optim.train(net, optim.sgd(0.1), epochs=2, batch_size=50, lambda_min=True, rng=0)
    first = np.linalg.eigvalsh(net.hess(net.w0))[0]
    assert run.lambda_min.values[0] == pytest.approx(first, rel=1e-3)
    assert np.all(np.isfinite(run.lambda_min.values))


def test_run_records_lambda_min_every_index_every_steps():
    q = fields.RandomQuadratic(6, rng=0)
    traj = optim.run(q, optim.sgd(0.01), np.ones(6), 10, record=("value", "lambda_min"),
                     index_every=5, rng=0)
    lam = traj.lambda_min.values
    expected = np.linalg.eigvalsh(q.hess(np.ones(6)))[0]  # a quadratic: the same everywhere
    np.testing.assert_allclose(lam[[0, 5, 10]], expected, rtol=1e-3)
    assert np.all(np.isnan(np.delete(lam, [0, 5, 10])))
