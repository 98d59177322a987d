"""Critical points with dead units: certified, with the requested units dead, and with the
index the block-diagonal Hessian predicts (optim.dead_units)."""

import numpy as np
import pytest

import rmt
from fields.nn import MLP
from optim import dead_unit_critical_points


def _net(hidden=5, n=120, seed=0, weight_decay=1e-2, activation="tanh"):
    rng = np.random.default_rng(seed)
    x = rng.uniform(size=(n, 16))
    y = (x[:, :4].sum(axis=1) > 2).astype(int) + 2 * (x[:, 4] > 0.5)
    return MLP([16, hidden, 4], activation, "softmax-cross-entropy", (x, y),
               weight_decay=weight_decay, rng=seed)


def test_every_certified_point_has_its_dead_units_and_the_known_index():
    net = _net()
    ds = dead_unit_critical_points(net, [0, 1, 2, 3, 4, 5], rng=0)
    cert = ds.converged.values
    assert cert.sum() == 6                    # one distinct certified point per count
    np.testing.assert_array_equal(np.sort(ds.dead_units.values[cert]), np.arange(6))
    # The law: the whole Hessian's index is the live block's plus d times a dead unit's.
    np.testing.assert_array_equal(ds["index"].values[cert], ds.known_index.values[cert])
    for row in np.flatnonzero(cert):
        x = ds.x.values[row]
        assert np.abs(net.grad(x)).max() < 1e-8
        assert int(rmt.index(net.hess(x))) == ds["index"].values[row]
        assert net.dead_units(x).size == ds.dead_units.values[row]
    # Killing every unit leaves only the output biases: a constant classifier, whose index
    # is 5 units x (K - 1) = 3 negative eigenvalues each at this weight decay.
    full = cert & (ds.dead_units.values == 5)
    assert ds.known_index.values[full] == [15]
    assert np.all(ds.live_minimum.values[cert] == (ds.live_index.values[cert] == 0))
    # More dead units cost training loss at the narrow minima.
    order = np.argsort(ds.dead_units.values[cert])
    assert np.all(np.diff(ds.loss.values[cert][order]) > 0)


def test_it_is_reproducible_and_records_its_provenance():
    net = _net(hidden=3)
    a = dead_unit_critical_points(net, [1, 2], rng=7)
    b = dead_unit_critical_points(net, [1, 2], rng=7)
    np.testing.assert_array_equal(a.x.values, b.x.values)
    assert list(a.attrs["dead"]) == [1, 2] and a.attrs["layer"] == 0
    assert a.attrs["source"] == "optim.dead_units.dead_unit_critical_points"


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(dead=[]), ValueError, "dead"),
    (dict(dead=[6]), ValueError, r"\[0, 5\]"),
    (dict(dead=[-1]), ValueError, r"\[0, 5\]"),
    (dict(dead=[1.0]), ValueError, "integers"),
    (dict(dead=[1], scale=0.0), ValueError, "scale"),
    (dict(dead=[1], layer=1), ValueError, "layer"),
    (dict(dead=[1], rng="seed"), TypeError, "rng"),
])
def test_bad_arguments_are_refused(kwargs, error, match):
    with pytest.raises(error, match=match):
        dead_unit_critical_points(_net(), **kwargs)


def test_a_non_mlp_and_a_logistic_net_are_refused():
    with pytest.raises(TypeError, match="net must be a fields.nn.MLP"):
        dead_unit_critical_points(object(), [1])
    with pytest.raises(ValueError, match="phi\\(0\\) != 0"):
        dead_unit_critical_points(_net(activation="logistic"), [1])
