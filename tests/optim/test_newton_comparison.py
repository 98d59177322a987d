"""Dauphin et al. (2014)'s network experiment: optim.newton_comparison, optim.plateau_switch
and the talk-scale figure (quick)."""

import numpy as np
import pytest

import fields
import optim
from optim.newton_experiments import METHODS, _best_within
from optim.talk_newton import talk_saddle_free_newton

X, Y = fields.data.load_digits()


def network(hidden, rng):
    return fields.nn.MLP((64, hidden, 10), data=(X[:120], Y[:120]), rng=rng)


def test_best_within_is_the_running_minimum_at_each_budget():
    import xarray as xr
    run = xr.Dataset({"gradient_equivalents": ("evaluation", [0.0, 3.0, 6.0, 9.0, np.nan]),
                      "error": ("evaluation", [0.9, 0.5, 0.7, 0.2, np.nan])})
    np.testing.assert_array_equal(_best_within(run, np.array([1.0, 3.0, 8.0, 20.0])),
                                  [0.9, 0.5, 0.5, 0.2])


@pytest.fixture(scope="module")
def comparison():
    return optim.newton_comparison(network, hidden=(2, 4), seeds=2, budget=60.0, rank=4,
                                   learning_rates=(0.1, 1.0), points=6, rng=0)


def test_comparison_dataset(comparison):
    ds = comparison
    assert ds.best_error.dims == ("hidden", "optimizer", "seed", "budget")
    assert ds.optimizer.values.tolist() == list(METHODS)
    assert ds.budget.values[0] == 1.0 and ds.budget.values[-1] == 60.0
    best = ds.best_error.values
    assert np.all(np.diff(best, axis=-1)[np.isfinite(np.diff(best, axis=-1))] <= 0)
    assert np.all((ds.status.values == "budget") | (ds.status.values == "completed"))
    assert set(ds.hyperparameter.sel(optimizer="momentum SGD").values) <= {0.1, 1.0}
    assert set(ds.hyperparameter.sel(optimizer="saddle-free Newton").values) <= {1.0, 0.1,
                                                                                 0.01}
    assert ds.dim.values.tolist() == [network(2, 0).dim, network(4, 0).dim]


def test_comparison_is_reproducible_and_seeded(comparison):
    again = optim.newton_comparison(network, hidden=(2, 4), seeds=2, budget=60.0, rank=4,
                                    learning_rates=(0.1, 1.0), points=6, rng=0)
    np.testing.assert_array_equal(again.best_error.values, comparison.best_error.values)
    # different seeds: different starts
    assert not np.array_equal(comparison.final_loss.values[:, :, 0],
                              comparison.final_loss.values[:, :, 1])


def test_plateau_switch_from_a_small_start():
    net = network(4, 0)
    x0 = 0.01 * np.random.default_rng(1).standard_normal(net.dim)
    out = optim.plateau_switch(net, x0, learning_rate=0.01, batch_size=40, epochs=6,
                               window=2, rank=4, rng=0)
    assert out["plateau_epoch"] == 2  # the loss barely moves from a start near w = 0
    assert out["plateau_lambda_min"] < 0
    sgd, sfn = out["sgd"], out["sfn"]
    assert sfn.passes.values[0] == out["plateau_epoch"]
    assert np.nanmax(sfn.passes.values) >= 6  # the same passes as momentum SGD's, or more
    # saddle-free Newton starts where momentum SGD was at the plateau
    assert sfn.loss.values[0] == pytest.approx(sgd.loss.values[2], rel=1e-12)
    assert np.isfinite(sfn.lambda_min.values[np.isfinite(sfn.loss.values)]).all()


def test_no_plateau():
    net = network(4, 0)
    out = optim.plateau_switch(net, net.w0, learning_rate=0.5, batch_size=40, epochs=3,
                               window=1, plateau_tolerance=1e-9, rank=4, rng=0)
    assert out["plateau_epoch"] is None and out["sfn"] is None


@pytest.mark.parametrize("kwargs, match", [
    ({"network": 3}, "network"), ({"hidden": ()}, "hidden"), ({"seeds": 0}, "seeds"),
    ({"budget": -1.0}, "budget"), ({"learning_rates": ()}, "learning_rates"),
    ({"points": 1}, "points"), ({"method": "dense"}, "method")])
def test_comparison_bad_arguments(kwargs, match):
    args = {"network": network, "hidden": (2,), "seeds": 1, "budget": 5.0} | kwargs
    with pytest.raises((TypeError, ValueError), match=match):
        optim.newton_comparison(args.pop("network"), **args)


def test_talk_figure_quick():
    fig, claims = talk_saddle_free_newton(quick=True, rng=0)
    assert len(fig.axes) >= 3
    assert len(claims) == 2 * 2 * 2 + 3  # 2 sizes x 2 budgets x 2 rivals, and the plateau
    assert all(c.kind == "observation" for c in claims)
    assert all(np.isfinite(c.measured) for c in claims)
