"""The error-index experiment: structure, descent along the Bray-Dean curve, bad input."""

import numpy as np
import pytest

import fields
import optim
from optim.error_index import error_index, error_index_by_dimension


@pytest.fixture(scope="module")
def field_run():
    f = fields.GaussianField(12, fields.SquaredExponential(), n_features=3600, rng=3)
    opts = {"SGD": optim.sgd(0.1), "saddle-free Newton": optim.saddle_free_newton(0.5, damping=0.3)}
    return f, error_index(f, n_starts=30, optimizers=opts, n_trajectories=2, steps=100,
                          points_per_trajectory=5, rng=0)


def test_error_index_dataset(field_run):
    f, ds = field_run
    crit = ds.source.values == "critical point"
    assert crit.sum() == ds.attrs["n_critical_points"] >= 5
    assert set(ds.source.values[~crit]) == {"SGD", "saddle-free Newton"}
    assert set(ds.kind.values[crit]) <= {"minimum", "saddle", "maximum", "degenerate"}
    assert np.all(ds.grad_norm.values[crit] < 1e-6)
    # 2 optimisers x 2 trajectories x (5 index points + the last step)
    assert (~crit).sum() == 2 * 2 * 6
    assert np.all((ds.index_fraction >= 0) & (ds.index_fraction <= 1))
    # The theory curve is the Bray-Dean law, increasing in the energy.
    np.testing.assert_allclose(
        ds.theory_index_fraction,
        fields.bray_dean.asymptotic_index_fraction(f.kernel, ds.theory_energy.values))
    assert np.all(np.diff(ds.theory_index_fraction) >= 0)


def test_descent_goes_down_the_curve(field_run):
    # Each trajectory ends lower than it started, at a lower index fraction.
    _, ds = field_run
    for source in ("SGD", "saddle-free Newton"):
        for j in (0, 1):
            sel = (ds.source.values == source) & (ds.trajectory.values == j)
            steps = ds.step.values[sel]
            first, last = np.argmin(steps), np.argmax(steps)
            assert ds.energy.values[sel][last] < ds.energy.values[sel][first]
            assert ds.index_fraction.values[sel][last] <= ds.index_fraction.values[sel][first]


def test_experiment_over_models_and_dims():
    ds = error_index_by_dimension(("gaussian-field", "spin-glass"), dims=(8,),
                                features_per_dim=200, n_starts=12,
                                optimizers={"SGD": optim.sgd(0.1)}, n_trajectories=1,
                                steps=40, points_per_trajectory=2, rng=0)
    assert set(ds.model.values) == {"gaussian-field", "spin-glass"}
    assert set(ds.dim.values) == {8}
    assert ds.theory_index_fraction.sizes["curve"] == 2
    again = error_index_by_dimension(("gaussian-field", "spin-glass"), dims=(8,),
                                   features_per_dim=200, n_starts=12,
                                   optimizers={"SGD": optim.sgd(0.1)}, n_trajectories=1,
                                   steps=40, points_per_trajectory=2, rng=0)
    np.testing.assert_array_equal(ds.energy, again.energy)


def test_plot_helper(field_run):
    import matplotlib

    matplotlib.use("Agg")
    ax = optim.plot.error_index_plane(field_run[1], title="test")
    assert ax.get_title() == "test" and len(ax.lines) >= 3


class Unregistered:
    """A surface (dim, value, grad, hvp) for which no index law is registered."""

    dim = 5

    def value(self, x):
        return 0.5 * float(x @ x)

    def grad(self, x):
        return x

    def hvp(self, x, v):
        return v


def test_the_theory_is_the_surfaces_index_law():
    # A random quadratic has a law too (fields.index_law): its one critical point, the
    # origin, has the index of GOE + shift, and the curve is flat at F_sc(-shift / 2).
    q = fields.RandomQuadratic(8, shift=0.5, rng=0)
    ds = error_index(q, n_starts=4, optimizers={"SGD": optim.sgd(0.05)}, n_trajectories=1,
                     steps=20, points_per_trajectory=2, rng=0)
    law = fields.index_law(q)
    assert ds.attrs["theory"] == law.description
    np.testing.assert_allclose(ds.theory_index_fraction, law.asymptotic(ds.theory_energy))
    crit = ds.source.values == "critical point"
    np.testing.assert_allclose(ds.index_fraction.values[crit], q.index / 8)


def test_bad_input():
    f = fields.GaussianField(5, fields.SquaredExponential(), n_features=100, rng=0)
    with pytest.raises(TypeError, match="no index law for Unregistered"):
        error_index(Unregistered())
    with pytest.raises(ValueError, match="scaling"):
        error_index(fields.GaussianField(5, fields.SquaredExponential(), n_features=100,
                                         scaling="unit", rng=0))
    with pytest.raises(TypeError, match="Transform"):
        error_index(f, optimizers={"sgd": 0.1})
    with pytest.raises(ValueError, match="models"):
        error_index_by_dimension(("quadratic",))
    with pytest.raises(ValueError, match="dims"):
        error_index_by_dimension(dims=(1,))
