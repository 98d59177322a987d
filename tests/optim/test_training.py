"""Minibatch training, the optimiser comparison and the RMSProp / equilibration diagonals."""

import math

import numpy as np
import pytest

import optim
from fields.nn import MLP, Autoencoder
from optim.training import LearningRateSearch, compare, diagonal_similarity, train
from rmt.random import seed_from_provenance


def _classifier(n=120, seed=0, hidden=(6,)):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 5))
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(int) + (x[:, 2] > 1).astype(int)
    return MLP([5, *hidden, 3], "tanh", "softmax-cross-entropy", (x, y), rng=seed)


def test_sgd_on_a_convex_net_decreases_the_loss_and_counts_its_work():
    net = _classifier(hidden=())   # softmax regression: convex
    run = train(net, optim.sgd(0.5), epochs=4, batch_size=30, evaluations_per_epoch=2, rng=0)
    assert run.attrs["status"] == "completed"
    assert run.sizes["evaluation"] == 9
    np.testing.assert_allclose(run.epoch.values, np.arange(9) / 2)
    assert np.all(np.diff(run.loss.values) < 0)
    # 4 minibatches per epoch, one gradient each; SGD takes no Hessian-vector products.
    np.testing.assert_array_equal(run.steps.values, 2 * np.arange(9))
    np.testing.assert_array_equal(run.gradient_equivalents.values, 2 * np.arange(9))
    # The error is the one the network defines: its classification error rate.
    assert run.error.values[0] == net.error_rate(net.w0) == net.task_error(net.w0)
    assert run.error.values[-1] < run.error.values[0]


def test_esgd_pays_hvp_cost_for_each_curvature_refresh():
    net = _classifier()
    run = train(net, optim.esgd(0.05, every=3), epochs=2, batch_size=12, hvp_cost=2.5, rng=0)
    steps = run.steps.values
    hvps = np.ceil(steps / 3)   # refreshes at steps 0, 3, 6, ...
    np.testing.assert_array_equal(run.gradient_equivalents.values, steps + 2.5 * hvps)


def test_same_seed_same_run_and_paired_minibatches_across_optimisers():
    net = _classifier()
    a = train(net, optim.rmsprop(0.01), epochs=2, batch_size=25, rng=3)
    b = train(net, optim.rmsprop(0.01), epochs=2, batch_size=25, rng=3)
    np.testing.assert_array_equal(a.loss.values, b.loss.values)
    res = compare(net, {"one": optim.sgd(0.1), "two": optim.sgd(0.1)}, epochs=2,
                  batch_size=25, rng=3)
    np.testing.assert_array_equal(res.loss.sel(optimizer="one"), res.loss.sel(optimizer="two"))
    c = train(net, optim.rmsprop(0.01), epochs=2, batch_size=25, rng=4)
    assert not np.array_equal(a.loss.values, c.loss.values)


def test_divergence_is_recorded_not_raised():
    # Linear regression with a step size 1e30 times too long: |w| grows ~1e30-fold per step.
    rng = np.random.default_rng(0)
    x = rng.standard_normal((120, 5))
    net = MLP([5, 2], loss="squared-error", data=(x, x[:, :2] @ np.ones((2, 2))), rng=0)
    run = train(net, optim.sgd(1e30), epochs=10, batch_size=30, rng=0)
    assert run.attrs["status"] == "diverged"
    assert 0 < run.attrs["diverged_at_epoch"] <= 5
    assert math.isfinite(run.loss.values[0]) and np.isnan(run.loss.values[-1])


def test_learning_rate_search_is_shared_and_picks_the_best_trial():
    net = _classifier()
    search = LearningRateSearch(trials=5, low=1e-3, high=10.0, epochs=1)
    res = compare(net, {"sgd": optim.sgd, "rmsprop": optim.rmsprop}, epochs=1, batch_size=30,
                  lr_search=search, rng=1)
    rates = res.trial_learning_rate.values
    assert rates.size == 5 and np.all((rates >= 1e-3) & (rates <= 10.0))
    assert np.all(np.diff(rates) > 0)
    for name in ("sgd", "rmsprop"):
        losses = res.search_loss.sel(optimizer=name).values
        assert res.learning_rate.sel(optimizer=name) == rates[np.nanargmin(losses)]
        # A search trial is the full run's first epoch: same start, minibatches and rate.
        best = np.nanargmin(losses)
        assert res.loss.sel(optimizer=name).values[-1] == pytest.approx(losses[best],
                                                                          rel=1e-12)
    assert set(res.status.values) == {"completed"}


def test_autoencoder_training_reports_reconstruction_error():
    x = (np.random.default_rng(0).uniform(size=(80, 16)) > 0.6).astype(float)
    ae = Autoencoder(x, layers=[8, 3], rng=0)
    run = train(ae, optim.esgd(0.05, every=5), epochs=2, batch_size=20, rng=0)
    assert run.error.values[0] == ae.reconstruction_error(ae.w0)
    assert run.error.values[-1] < run.error.values[0]


def test_diagonal_similarity_matches_the_exact_diagonals():
    # Full batches: D_rms = |g| exactly; the Jacobi and equilibration estimates from 4000
    # probes have relative errors ~ sqrt(2 / 4000) per coordinate. Measured over seeds 0-9 the
    # three cosines scatter with standard deviations 0.0007, 0.0028 and 0.0049; the tolerances
    # are four of them.
    net = _classifier(n=40)
    w = net.w0 + 0.3
    h = net.hess(w)
    g = net.grad(w)
    d_j, d_e = np.abs(np.diag(h)), np.sqrt(np.diag(h @ h))

    def cos(a, b):
        return a @ b / np.linalg.norm(a) / np.linalg.norm(b)

    sim = diagonal_similarity(net, w, batch_size=40, probes=4000, rng=0)
    assert sim["rmsprop_equilibration"] == pytest.approx(cos(np.abs(g), d_e), abs=0.003)
    assert sim["jacobi_equilibration"] == pytest.approx(cos(d_j, d_e), abs=0.012)
    assert sim["rmsprop_jacobi"] == pytest.approx(cos(np.abs(g), d_j), abs=0.02)
    assert sim == diagonal_similarity(net, w, batch_size=40, probes=4000, rng=0)


def test_compare_records_the_diagonal_cosines_along_training():
    net = _classifier()
    res = compare(net, {"rmsprop": optim.rmsprop(0.01)}, epochs=2, batch_size=30,
                  diagonals=True, diagonal_probes=3, rng=0)
    for k in ("cos_rmsprop_equilibration", "cos_jacobi_equilibration", "cos_rmsprop_jacobi"):
        v = res[k].values
        assert v.shape == (1, 3) and np.all((v > 0) & (v <= 1 + 1e-12))


def test_bad_input_is_refused_before_any_work():
    net = _classifier()

    class NoBatches:
        dim = 3

        def value(self, x):
            return 0.0

        def grad(self, x):
            return np.zeros(3)

    with pytest.raises(TypeError, match="minibatch"):
        train(NoBatches(), optim.sgd(0.1), x0=np.zeros(3))
    with pytest.raises(TypeError, match="must be an optim Transform"):
        compare(net, {"sgd": optim.sgd})
    with pytest.raises(TypeError, match="callable lr -> Transform"):
        compare(net, {"sgd": optim.sgd(0.1)}, lr_search=3)
    with pytest.raises(TypeError, match="lr_search must be"):
        compare(net, {"sgd": optim.sgd}, lr_search="fast")
    with pytest.raises(ValueError, match="low <= high"):
        LearningRateSearch(low=1.0, high=0.1)
    with pytest.raises(ValueError, match="batch_size must be at most"):
        train(net, optim.sgd(0.1), batch_size=1000)
    with pytest.raises(ValueError, match="evaluations_per_epoch"):
        train(net, optim.sgd(0.1), batch_size=60, evaluations_per_epoch=3)
    with pytest.raises(ValueError, match="x0 must have shape"):
        train(net, optim.sgd(0.1), x0=np.zeros(3))
    with pytest.raises(TypeError, match="non-empty mapping"):
        compare(net, {})


class LeastSquares:
    """A user's data surface: f = |A x - b|^2 / (2 n) over n rows; no task error of its own."""

    def __init__(self, a, b):
        self.a, self.b = a, b
        self.dim, self.n_examples = a.shape[1], len(b)
        self.w0 = np.zeros(self.dim)

    def value(self, x):
        r = self.a @ x - self.b
        return 0.5 * float(r @ r) / len(self.b)

    def grad(self, x):
        return self.a.T @ (self.a @ x - self.b) / len(self.b)

    def minibatch(self, size, *, rng=None):
        rows = np.random.default_rng(rng).choice(len(self.b), size=size, replace=False)
        return LeastSquares(self.a[rows], self.b[rows])

    def task_error(self, w):
        return math.nan


def test_a_users_data_surface_trains_and_reports_no_error_and_the_seed_reproduces_it():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((90, 4))
    surface = LeastSquares(a, a @ np.ones(4))
    ss = np.random.SeedSequence(8)
    run = train(surface, optim.sgld(0.05, temperature=1e-4), epochs=3, batch_size=30, rng=ss)
    assert run.attrs["status"] == "completed" and np.all(np.isnan(run.error.values))
    assert run.loss.values[-1] < run.loss.values[0]
    again = train(surface, optim.sgld(0.05, temperature=1e-4), epochs=3, batch_size=30, rng=ss)
    np.testing.assert_array_equal(run.loss.values, again.loss.values)
    recorded = train(surface, optim.sgld(0.05, temperature=1e-4), epochs=3, batch_size=30,
                     rng=seed_from_provenance(run.attrs))
    np.testing.assert_array_equal(run.loss.values, recorded.loss.values)
    assert run.attrs["optimizer"] == repr(optim.sgld(0.05, temperature=1e-4))
