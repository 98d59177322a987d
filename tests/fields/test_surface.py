"""The surface contract: every fields surface satisfies its protocol; a user's minimal class
is accepted by check_surface and check_derivatives; networks define their own task error."""

import math

import numpy as np
import pytest

import fields
from fields import (
    DataSurface,
    GaussianField,
    ManifoldSurface,
    RandomQuadratic,
    SphericalSpinGlass,
    SquaredExponential,
    Surface,
    check_derivatives,
    check_surface,
)
from fields.nn import MLP, Autoencoder
from fields.saddles import QuarticSaddle, random_saddle, saddle_2d


def _classifier(seed=0, loss="softmax-cross-entropy"):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((12, 3))
    y = rng.integers(0, 2, 12) if loss == "softmax-cross-entropy" else rng.standard_normal(
        (12, 2))
    return MLP([3, 4, 2], "tanh", loss, (x, y), rng=seed)


def _autoencoder(seed=0):
    return Autoencoder(np.random.default_rng(seed).uniform(size=(10, 6)), [4, 2], rng=seed)


FLAT = {
    "GaussianField": lambda: GaussianField(4, SquaredExponential(), n_features=64, rng=0),
    "RandomQuadratic": lambda: RandomQuadratic(5, shift=0.5, rng=0),
    "QuarticSaddle": lambda: QuarticSaddle([1.0, -1.0, 2.0]),
    "saddle_2d": saddle_2d,
    "random_saddle": lambda: random_saddle(6, 2, rng=0),
}
DATA = {"MLP": _classifier, "Autoencoder": _autoencoder}


@pytest.mark.parametrize("make", list(FLAT.values()), ids=list(FLAT))
def test_flat_surfaces_are_surfaces(make):
    surface = make()
    assert isinstance(surface, Surface)
    assert not isinstance(surface, ManifoldSurface) and not isinstance(surface, DataSurface)
    assert check_surface(surface, "hvp") == surface.dim


def test_spin_glass_is_a_manifold_surface():
    sg = SphericalSpinGlass(6, p=3, rng=0)
    assert isinstance(sg, Surface) and isinstance(sg, ManifoldSurface)
    assert not isinstance(sg, DataSurface)
    assert check_surface(sg, "manifold") == 6


@pytest.mark.parametrize("make", list(DATA.values()), ids=list(DATA))
def test_networks_are_data_surfaces(make):
    net = make()
    assert isinstance(net, Surface) and isinstance(net, DataSurface)
    assert check_surface(net, "data") == net.dim
    assert net.w0.shape == (net.dim,)
    batch = net.minibatch(5, rng=0)
    assert isinstance(batch, DataSurface) and batch.n_examples == 5
    sizes = [b.n_examples for b in net.batches(4, rng=0)]
    assert sum(sizes) == net.n_examples and max(sizes) == 4
    assert math.isfinite(net.task_error(net.w0))


def test_task_error_is_the_one_the_network_defines():
    net = _classifier()
    w = net.w0
    assert net.task_error(w) == net.error_rate(w)
    assert 0.0 <= net.task_error(w) <= 1.0
    ae = _autoencoder()
    assert ae.task_error(ae.w0) == ae.reconstruction_error(ae.w0)
    # A network whose loss defines no task error (a regression) reports NaN.
    regression = _classifier(loss="squared-error")
    assert math.isnan(regression.task_error(regression.w0))
    with pytest.raises(ValueError, match="w must have shape"):
        net.task_error(np.zeros(3))


def test_minibatch_and_batches_take_rng_by_keyword_only():
    net = _classifier()
    with pytest.raises(TypeError):
        net.minibatch(5, 0)
    with pytest.raises(TypeError):
        next(net.batches(5, 0))
    a, b = net.minibatch(5, rng=7), net.minibatch(5, rng=7)
    np.testing.assert_array_equal(a.data[0], b.data[0])


class Bowl:
    """A user's minimal surface: only dim, value, grad and hvp (the Surface protocol)."""

    dim = 3

    def value(self, x):
        return float(np.sum(np.cosh(x)))

    def grad(self, x):
        return np.sinh(x)

    def hvp(self, x, v):
        return np.cosh(x) * v


def test_minimal_user_class_is_accepted_everywhere_a_surface_is():
    bowl = Bowl()
    assert isinstance(bowl, Surface) and not isinstance(bowl, ManifoldSurface)
    assert check_surface(bowl) == check_surface(bowl, "hvp") == 3
    report = check_derivatives(bowl, rng=0)
    assert report.ok, str(report)
    assert set(report.checks) == {"grad", "hvp"}
    # The adapters supply the optional members.
    value, grad = fields.surface.value_and_grad(bowl, np.ones(3))
    assert value == pytest.approx(3 * math.cosh(1.0)) and grad.shape == (3,)
    h, space = fields.surface.hessian(bowl, np.zeros(3))
    np.testing.assert_allclose(h, np.eye(3)) and space.size == 3


def test_what_is_not_a_surface_is_refused_by_both_checks():
    class NoHvp:
        dim = 2

        def value(self, x):
            return 0.0

        def grad(self, x):
            return np.zeros(2)

    assert check_derivatives(NoHvp(), rng=0).hvp_error is None
    with pytest.raises(TypeError, match=r"hvp\(x, v\)"):
        check_surface(NoHvp(), "hvp")
    assert not isinstance(NoHvp(), Surface)
    for broken in (object(), type("NoDim", (Bowl,), {"dim": None})()):
        with pytest.raises(TypeError, match="dim"):
            check_surface(broken)
        with pytest.raises(TypeError, match="dim"):
            check_derivatives(broken)
