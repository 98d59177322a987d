"""optim.run: trajectories against closed forms, divergence, noise, minibatches, manifolds."""

import numpy as np
import pytest
from reference import DiagonalQuadratic as Bowl  # a user surface: dim, value, grad, hvp

import fields
import optim
from fields import spin_glass
from optim import chain, run, scale
from optim.base import Transform
from rmt.random import seed_from_provenance


def gd(lr):
    return chain(scale(-lr))


class LeastSquares:
    """f(x) = |A x - b|^2 / (2 n) over n rows, with minibatch views (sampling rows)."""

    def __init__(self, a, b):
        self.a, self.b = a, b
        self.dim = a.shape[1]
        self.n_examples = len(b)

    def value(self, x):
        r = self.a @ x - self.b
        return 0.5 * float(r @ r) / len(self.b)

    def grad(self, x):
        return self.a.T @ (self.a @ x - self.b) / len(self.b)

    def minibatch(self, size, *, rng):
        rows = rng.choice(len(self.b), size=size, replace=False)
        return LeastSquares(self.a[rows], self.b[rows])


def test_gradient_descent_matches_the_closed_form():
    # x_t = (1 - lr h)^t x0 on a diagonal bowl, so f and |g| are known at every step.
    h = np.array([1.0, 2.0, 0.5])
    x0 = np.array([1.0, -1.0, 2.0])
    lr, steps = 0.3, 25
    traj = run(Bowl(h), gd(lr), x0, steps, record=("value", "grad_norm", "step_size", "x"))
    t = np.arange(steps + 1)[:, None]
    xs = (1 - lr * h) ** t * x0
    np.testing.assert_allclose(traj.x, xs, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(traj.value, 0.5 * (xs**2 * h).sum(1), rtol=1e-12)
    np.testing.assert_allclose(traj.grad_norm, np.linalg.norm(h * xs, axis=1), rtol=1e-12)
    np.testing.assert_allclose(traj.step_size[:-1], np.linalg.norm(np.diff(xs, axis=0), axis=1),
                               rtol=1e-12)
    assert np.isnan(traj.step_size[-1])
    assert traj.attrs["status"] == "completed" and traj.attrs["diverged_at"] == -1
    assert list(traj.step.values) == list(range(steps + 1))


def test_record_every_keeps_first_and_last_step():
    traj = run(Bowl([1.0, 2.0]), gd(0.1), [1.0, 1.0], 10, record_every=4)
    assert list(traj.step.values) == [0, 4, 8, 10]
    full = run(Bowl([1.0, 2.0]), gd(0.1), [1.0, 1.0], 10)
    np.testing.assert_array_equal(traj.value, full.value.sel(step=[0, 4, 8, 10]))


def test_divergence_is_reported_not_raised():
    # lr h = 3 > 2: x_t = (-2)^t (1, 1), so f_t = 4^t, past sqrt(max float64) = 2^511.99...
    # first at t = 256 (4^256 = 2^512), long before it overflows to inf near t = 512.
    traj = run(Bowl([1.0, 1.0]), gd(3.0), [1.0, 1.0], 2000, record=("value", "grad_norm"))
    assert traj.attrs["status"] == "diverged"
    t = traj.attrs["diverged_at"]
    assert t == 256 and "|f(x_256)|" in traj.attrs["reason"]
    assert np.all(np.isfinite(traj.value.sel(step=slice(None, t - 1))))
    assert np.all(np.isnan(traj.value.sel(step=slice(t, None))))


def test_surface_that_refuses_nan_is_never_called_with_nan():
    # GaussianField raises ValueError on non-finite input: the driver must stop before that.
    f = fields.GaussianField(5, fields.SquaredExponential(), n_features=256, rng=0)
    traj = run(f, gd(1e308), np.ones(5), 5)
    assert traj.attrs["status"] == "diverged"


class Barrier:
    """f(x) = -log(1 - |x|^2): NaN outside the unit ball."""

    dim = 2

    def value(self, x):
        return -np.log(1 - x @ x)

    def grad(self, x):
        return 2 * x / (1 - x @ x)


def test_nan_value_stops_the_run():
    traj = run(Barrier(), gd(0.8), [0.5, 0.5], 10)   # x_1 = (-1.1, -1.1)
    assert traj.attrs["status"] == "diverged" and traj.attrs["diverged_at"] == 1
    assert np.isfinite(traj.value[0]) and np.all(np.isnan(traj.value[1:]))


def test_grad_tol_stops_and_records_the_last_point():
    traj = run(Bowl([1.0, 1.0]), gd(0.5), [1.0, 1.0], 1000, record_every=100, grad_tol=1e-6)
    assert traj.attrs["status"] == "converged"
    last = traj.attrs["steps_taken"]
    # |g_t| = sqrt(2) 0.5^t <= 1e-6 first at t = 21
    assert last == 21 and traj.step.values[-1] == 21
    assert traj.grad_norm[-1] <= 1e-6 < traj.grad_norm.sel(step=0)


def test_gradient_noise_statistics_and_reproducibility():
    # On a flat surface x_T - x_0 = -lr sum_t sigma xi_t: each coordinate N(0, T (lr sigma)^2).
    flat = Bowl(np.zeros(2000))
    steps, sigma = 50, 0.3
    traj = run(flat, gd(1.0), np.zeros(2000), steps, grad_noise=sigma, record=("x",), rng=5)
    end = traj.x[-1].values
    var = steps * sigma**2
    # Sample variance of 2000 normals: relative standard error sqrt(2 / 2000).
    assert abs(end.var() / var - 1) < 4 * np.sqrt(2 / 2000)
    again = run(flat, gd(1.0), np.zeros(2000), steps, grad_noise=sigma, record=("x",), rng=5)
    np.testing.assert_array_equal(traj.x, again.x)
    other = run(flat, gd(1.0), np.zeros(2000), steps, grad_noise=sigma, record=("x",), rng=6)
    assert not np.array_equal(traj.x, other.x)


def test_minibatch_gradients_converge_near_the_least_squares_solution():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((400, 5))
    x_star = rng.standard_normal(5)
    surface = LeastSquares(a, a @ x_star)   # consistent system: every minibatch shares x_star
    traj = run(surface, gd(0.1), np.zeros(5), 500, batch_size=20, record=("value", "x"), rng=1)
    np.testing.assert_allclose(traj.x[-1], x_star, atol=1e-6)
    with pytest.raises(TypeError, match="minibatch"):
        run(Bowl([1.0]), gd(0.1), [1.0], 3, batch_size=2)


def test_index_is_recorded_at_chosen_steps():
    q = fields.RandomQuadratic(30, shift=0.5, rng=2)
    traj = run(q, gd(0.01), np.ones(30), 40, record=("value", "index"), index_every=10)
    at = traj.index.dropna("step")
    assert list(at.step.values) == [0, 10, 20, 30, 40]
    assert np.all(at == q.index) and np.allclose(traj.index_fraction.dropna("step"), q.index / 30)


def test_gradient_descent_on_the_spin_glass_stays_on_the_sphere_and_stops_near_threshold():
    # p = 3: -E_inf = -1.633 is where the minima pile up; the ground state -E_0 = -1.657
    # lies below. At N = 100 gradient descent ends about 0.1 above -E_inf (a finite-size
    # gap, measured at 2 N^(-2/3) for N = 50..200), always above -E_0, at local minima.
    n = 100
    sg = fields.SphericalSpinGlass(n, p=3, rng=1)
    th = spin_glass.thresholds(3)
    ends, indices = [], []
    for seed in range(6):
        x0 = np.random.default_rng(seed).standard_normal(n)
        traj = run(sg, gd(0.1), x0, 800, record=("value", "x", "index"), record_every=800,
                   index_every=800, rng=0)
        np.testing.assert_allclose(np.linalg.norm(traj.x, axis=1), np.sqrt(n), rtol=1e-12)
        ends.append(float(traj.value[-1]) / n)
        indices.append(int(traj.index[-1]))
    ends = np.array(ends)
    assert np.all(ends > -th.e_0)
    assert abs(ends.mean() + th.e_inf) < 3 * n ** (-2 / 3)
    assert indices == [0] * 6


def test_bad_input():
    b = Bowl([1.0, 2.0])
    with pytest.raises(TypeError, match="optimizer"):
        run(b, lambda g: g, [1.0, 1.0], 3)
    with pytest.raises(ValueError, match="x0 must have shape"):
        run(b, gd(0.1), [1.0, 1.0, 1.0], 3)
    with pytest.raises(ValueError, match="x0 must be finite"):
        run(b, gd(0.1), [np.nan, 1.0], 3)
    with pytest.raises(ValueError, match="steps"):
        run(b, gd(0.1), [1.0, 1.0], -1)
    with pytest.raises(TypeError, match="steps"):
        run(b, gd(0.1), [1.0, 1.0], 2.5)
    with pytest.raises(ValueError, match="record got unknown"):
        run(b, gd(0.1), [1.0, 1.0], 3, record=("loss",))
    with pytest.raises(ValueError, match="grad_noise"):
        run(b, gd(0.1), [1.0, 1.0], 3, grad_noise=-1.0)
    with pytest.raises(TypeError, match="value"):
        run(object.__new__(type("NoDim", (), {"dim": 2, "value": None})), gd(0.1), [1, 1], 3)
    needs_hvp = Transform("probe", lambda x, rng=None: {}, lambda g, s, x, f: (g, s),
                          needs=("hvp",))
    with pytest.raises(TypeError, match="hvp"):
        run(LeastSquares(np.eye(2), np.ones(2)), needs_hvp, [1.0, 1.0], 3)


def test_stop_callback_ends_the_run_where_it_first_holds():
    # x_t = 0.5^t: the value 0.5 x^2 drops below 1e-4 first at t = 7 (0.5^14 / 2 = 3.05e-5).
    traj = run(Bowl([1.0]), gd(0.5), [1.0], 100, record_every=50,
               stop=lambda x, value, grad_norm: value < 1e-4)
    assert traj.attrs["status"] == "stopped" and traj.attrs["steps_taken"] == 7
    assert list(traj.step.values) == [0, 7]
    with pytest.raises(TypeError, match="stop"):
        run(Bowl([1.0]), gd(0.5), [1.0], 3, stop=1)


def test_the_same_seed_sequence_twice_gives_the_same_trajectory():
    # The measurement: a SeedSequence passed twice once gave two trajectories (its
    # stateful spawn advanced it) while recording the same seed_entropy.
    q = fields.RandomQuadratic(10, shift=3.0, rng=0)
    x0 = np.ones(10)
    ss = np.random.SeedSequence(2024)
    a = optim.run(q, optim.sgd(0.1), x0, 20, grad_noise=0.1, record=("value", "x"), rng=ss)
    b = optim.run(q, optim.sgd(0.1), x0, 20, grad_noise=0.1, record=("value", "x"), rng=ss)
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.value, b.value)
    # The recorded provenance reproduces the run.
    again = optim.run(q, optim.sgd(0.1), x0, 20, grad_noise=0.1, record=("value", "x"),
                      rng=seed_from_provenance(a.attrs))
    np.testing.assert_array_equal(a.x, again.x)
    assert a.attrs["seed_entropy"] == "2024" and a.attrs["seed_spawn_key"] == "[]"
    # A Generator in the same state gives the same run; the same Generator continued does not.
    gen = np.random.default_rng(7)
    state = gen.bit_generator.state
    c = optim.run(q, optim.sgd(0.1), x0, 20, grad_noise=0.1, record=("x",), rng=gen)
    gen.bit_generator.state = state
    d = optim.run(q, optim.sgd(0.1), x0, 20, grad_noise=0.1, record=("x",), rng=gen)
    np.testing.assert_array_equal(c.x, d.x)
    e = optim.run(q, optim.sgd(0.1), x0, 20, grad_noise=0.1, record=("x",), rng=gen)
    assert not np.array_equal(c.x, e.x)


EVERY_OPTIMIZER = {
    "sgd": lambda: optim.sgd(0.1),
    "momentum": lambda: optim.momentum(0.05),
    "rmsprop": lambda: optim.rmsprop(0.01),
    "adam": lambda: optim.adam(0.05),
    "perturbed_gd": lambda: optim.perturbed_gd(0.1, radius=1e-3, threshold=1e-6, wait=5),
    "sgld": lambda: optim.sgld(0.1, temperature=1e-8),
    "jacobi": lambda: optim.jacobi(0.1),
    "esgd": lambda: optim.esgd(0.1, every=2),
    "newton": lambda: optim.newton(),
    "damped_newton": lambda: optim.damped_newton(0.5),
    "saddle_free_newton": lambda: optim.saddle_free_newton(0.5),
    "saddle_free_newton_lanczos": lambda: optim.saddle_free_newton(0.5, method="lanczos",
                                                                   rank=3),
}


@pytest.mark.parametrize("name", sorted(EVERY_OPTIMIZER))
def test_a_surface_with_only_dim_value_grad_hvp_works_with_every_optimiser(name):
    # The positive definite bowl: every optimiser lowers the value; the index is 0 throughout.
    f = Bowl([2.0, 1.0, 0.5, 1.5])
    traj = run(f, EVERY_OPTIMIZER[name](), np.ones(4), 60, record=("value", "index"),
               index_every=30, rng=0)
    assert traj.attrs["status"] == "completed"
    assert float(traj.value[-1]) < float(traj.value[0])
    assert np.all(traj.index.dropna("step") == 0)
