"""check_derivatives on user-defined surfaces, correct and broken, and on planted bugs."""

import numpy as np
import pytest

from fields.checks import DerivativeReport, check_derivatives
from fields.grf import GaussianField
from fields.kernels import Matern, SquaredExponential


class Quadratic:
    """f(x) = x.A x / 2 + b.x: a user's surface, one point at a time, no batching."""

    def __init__(self, dim, seed=0):
        rng = np.random.default_rng(seed)
        a = rng.standard_normal((dim, dim))
        self.dim = dim
        self.A = a + a.T
        self.b = rng.standard_normal(dim)

    def value(self, x):
        return 0.5 * x @ self.A @ x + self.b @ x

    def grad(self, x):
        return self.A @ x + self.b

    def value_and_grad(self, x):
        return self.value(x), self.grad(x)

    def hvp(self, x, v):
        return self.A @ v

    def hess(self, x):
        return self.A


class Quartic(Quadratic):
    """f(x) = sum x_i^4 / 4 + sum_i sin(x_i) x_{i+1}: nonzero third derivatives, no Hessian."""

    def value(self, x):
        return np.sum(x**4) / 4 + np.sum(np.sin(x[:-1]) * x[1:])

    def grad(self, x):
        g = x**3
        g[:-1] += np.cos(x[:-1]) * x[1:]
        g[1:] += np.sin(x[:-1])
        return g

    def hvp(self, x, v):
        out = 3 * x**2 * v
        out[:-1] += -np.sin(x[:-1]) * x[1:] * v[:-1] + np.cos(x[:-1]) * v[1:]
        out[1:] += np.cos(x[:-1]) * v[:-1]
        return out

    def hess(self, x):
        raise NotImplementedError


class Broken:
    """Wraps a surface and damages one member: ``member`` is multiplied by ``factor``."""

    def __init__(self, surface, member, factor):
        self.surface, self.member, self.factor = surface, member, factor
        self.dim = surface.dim

    def _maybe(self, name, out):
        return out * self.factor if name == self.member else out

    def value(self, x):
        return self.surface.value(x)

    def grad(self, x):
        return self._maybe("grad", self.surface.grad(x))

    def value_and_grad(self, x):
        value, grad = self.surface.value_and_grad(x)
        return value, self._maybe("value_and_grad", grad)

    def hvp(self, x, v):
        return self._maybe("hvp", self.surface.hvp(x, v))

    def hess(self, x):
        return self._maybe("hess", self.surface.hess(x))


@pytest.mark.parametrize("dim", [1, 2, 6])
def test_user_quadratic_passes(dim):
    report = check_derivatives(Quadratic(dim), rng=1)
    assert isinstance(report, DerivativeReport)
    assert report.ok, str(report)
    assert set(report.checks) == {"grad", "value_and_grad", "hvp", "hess", "symmetry"}
    assert report.x.shape == (dim,) and "ok" in str(report)


def test_critical_point_and_given_x():
    # At a critical point g = 0: relative errors must not become 0/0.
    q = Quadratic(3)
    x = np.linalg.solve(q.A, -q.b)
    assert check_derivatives(q, x=x, rng=0).ok
    a = check_derivatives(q, x=[0.5, -1.0, 2.0], rng=3, eps=1e-4)
    b = check_derivatives(q, x=[0.5, -1.0, 2.0], rng=3, eps=1e-4)
    assert a == b and a.step == 1e-4 and a.ok


def test_surface_without_hessian_skips_that_part():
    report = check_derivatives(Quartic(5), rng=2)
    assert report.ok, str(report)
    assert report.hess_error is None and report.symmetry_error is None
    assert report.hvp_error is not None


def test_surface_with_hessian_only():
    class HessOnly(Quadratic):
        def hvp(self, x, v):
            raise NotImplementedError

    report = check_derivatives(HessOnly(4), rng=0)
    # The Hessian's action is checked against differences of grad instead of hvp's.
    assert report.ok and report.hvp_error is not None and report.hess_error is None

    class Minimal:
        dim = 2

        def value(self, x):
            return float(np.sin(x[0]) * x[1])

        def grad(self, x):
            return np.array([np.cos(x[0]) * x[1], np.sin(x[0])])

        def value_and_grad(self, x):
            return self.value(x), self.grad(x)

    report = check_derivatives(Minimal(), rng=0)
    assert report.ok and set(report.checks) == {"grad", "value_and_grad"}


@pytest.mark.parametrize(
    ("member", "factor", "failure"),
    [
        ("grad", 1.001, "grad"),
        ("value_and_grad", 1.001, "value_and_grad"),
        ("hvp", 1.001, "hvp"),
        ("hess", -1.0, "hess"),
    ],
)
def test_broken_user_surface_fails(member, factor, failure):
    report = check_derivatives(Broken(Quartic(4) if member != "hess" else Quadratic(4),
                                      member, factor), rng=0)
    assert not report.ok and failure in report.failures
    assert "FAILED" in str(report)


def test_minimal_surface_of_the_protocol_is_checked():
    # A user's class with only dim, value, grad and hvp (the fields.Surface protocol): the
    # optional members are absent, so their checks are not run.
    class Bowl:
        dim = 3

        def value(self, x):
            return float(np.sum(np.cosh(x)))

        def grad(self, x):
            return np.sinh(x)

        def hvp(self, x, v):
            return np.cosh(x) * v

    report = check_derivatives(Bowl(), rng=0)
    assert report.ok, str(report)
    assert set(report.checks) == {"grad", "hvp"} and report.value_and_grad_error is None


def test_nonsymmetric_hessian_fails():
    class Skewed(Quadratic):
        def hess(self, x):
            return self.A + np.triu(np.ones_like(self.A), 1) * 1e-3

    report = check_derivatives(Skewed(3), rng=0)
    assert not report.ok and "symmetry" in report.failures


@pytest.mark.parametrize("kernel", [SquaredExponential(), Matern(nu=2.5)], ids=["se", "matern"])
@pytest.mark.parametrize("member", ["grad", "hvp"])
def test_planted_bugs_in_gaussian_field_are_caught(kernel, member):
    # A derivative wrong by one part in a million fails: the tolerances derived from the
    # finite-difference error are ~1e-9 (tests/fields/test_grf.py asserts < 1e-7), so this
    # factor is 10x above the loosest of them.
    field = GaussianField(20, kernel, n_features=512, rng=5)
    assert check_derivatives(field, rng=6).ok
    report = check_derivatives(Broken(field, member, 1.0 + 1e-6), rng=6)
    assert member in report.failures, str(report)
    # A sign error in hess is caught by the comparison with hvp.
    report = check_derivatives(Broken(field, "hess", -1.0), rng=6)
    assert report.failures == ("hess",), str(report)


def test_field_without_hessian_raises_from_the_surface():
    field = GaussianField(3, Matern(nu=1.5), n_features=64, rng=0)
    with pytest.raises(ValueError, match="nu > 2"):
        check_derivatives(field, rng=0)


@pytest.mark.parametrize(
    ("surface", "kwargs", "error", "match"),
    [
        (object(), {}, TypeError, "value"),
        (Quadratic(2), {"x": [0.0, 1.0, 2.0]}, ValueError, r"x must be one point of shape \(2,\)"),
        (Quadratic(2), {"x": [0.0, np.nan]}, ValueError, "x must be finite"),
        (Quadratic(2), {"eps": 0.0}, ValueError, "eps"),
        (Quadratic(2), {"n_directions": 0}, ValueError, "n_directions"),
        (Quadratic(2), {"rng": 1.5}, TypeError, "rng"),
    ],
)
def test_refuses_nonsense(surface, kwargs, error, match):
    with pytest.raises(error, match=match):
        check_derivatives(surface, **kwargs)


def test_refuses_surfaces_it_cannot_use():
    fractional = Quadratic(2)
    fractional.dim = 2.0
    with pytest.raises(TypeError, match="integer attribute dim"):
        check_derivatives(fractional)

    class WrongShape(Quadratic):
        def grad(self, x):
            return np.append(super().grad(x), 0.0)

    with pytest.raises(ValueError, match=r"surface.grad must return shape \(2,\)"):
        check_derivatives(WrongShape(2))

    class NotCallable(Quadratic):
        hess = np.eye(2)

    with pytest.raises(TypeError, match="surface.hess must be callable"):
        check_derivatives(NotCallable(2))
