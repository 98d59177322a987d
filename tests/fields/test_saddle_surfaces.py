"""Quartic saddles: exact derivatives, the index and minima they are built with, bad input."""

import math

import numpy as np
import pytest

import fields
import rmt
from fields.checks import check_derivatives
from fields.saddles import QuarticSaddle, random_saddle, saddle_2d


@pytest.mark.parametrize(
    "saddle",
    [saddle_2d(), saddle_2d(2.0, -0.5, quartic=3.0), random_saddle(12, 4, rng=0),
     QuarticSaddle([1.0, -2.0, 0.5], quartic=0.5, center=[1.0, -1.0, 2.0])],
    ids=["2-D", "2-D scaled", "random N=12", "centred"],
)
def test_derivatives_are_exact(saddle):
    report = check_derivatives(saddle, rng=1)
    assert report.ok, str(report)
    assert set(report.checks) == {"grad", "value_and_grad", "hvp", "hess", "symmetry"}


def test_the_saddle_is_a_critical_point_of_its_index_with_its_minima():
    s = random_saddle(30, 7, rng=2)
    assert s.index == 7 and s.dim == 30
    np.testing.assert_array_equal(s.grad(s.center), np.zeros(30))
    h = s.hess(s.center)
    # The Hessian at the saddle is Q diag(lambda) Q^T: its eigenvalues are lambda, so its
    # inertia (rmt.index) is the index.
    assert rmt.index(h) == 7
    np.testing.assert_allclose(np.linalg.eigvalsh(h), np.sort(s.eigenvalues), atol=1e-12)
    # Minima at y_i = +- sqrt(|lambda_i| / kappa) along the negative directions.
    neg = s.eigenvalues < 0
    y = np.where(neg, np.sqrt(np.abs(s.eigenvalues) / s.quartic), 0.0)
    x = s.center + s.rotation @ y
    assert np.linalg.norm(s.grad(x)) < 1e-12
    assert rmt.index(s.hess(x)) == 0
    assert s.value(x) == pytest.approx(-np.sum(s.eigenvalues[neg] ** 2) / (4 * s.quartic))


def test_saddle_2d_by_hand():
    s = saddle_2d(2.0, -0.5, quartic=2.0)
    x = np.array([0.3, -0.4])
    expected = 2.0 * 0.09 / 2 - 0.5 * 0.16 / 2 + 2.0 * (0.3**4 + 0.4**4) / 4
    assert s.value(x) == pytest.approx(expected)
    np.testing.assert_allclose(s.grad(x), [2.0 * 0.3 + 2.0 * 0.3**3, -0.5 * -0.4 + 2.0 * -0.4**3])
    assert s.index == 1
    value, grad = s.value_and_grad(x)
    assert value == s.value(x) and np.array_equal(grad, s.grad(x))
    assert repr(s).startswith("QuarticSaddle(dim=2, index=1")


def test_random_saddle_gap_and_reproducibility():
    # Eigenvalues stay at least gap / dim away from zero, and the same seed gives the same
    # saddle (the GOE is rmt.goe(dim, rng=...) diagonalised, as in optim.saddles before).
    s = random_saddle(50, 10, gap=2.0, rng=3)
    assert np.abs(s.eigenvalues).min() >= 2.0 / 50
    t = random_saddle(50, 10, gap=2.0, rng=3)
    np.testing.assert_array_equal(s.eigenvalues, t.eigenvalues)
    np.testing.assert_array_equal(s.rotation, t.rotation)
    lam = np.linalg.eigvalsh(rmt.goe(50, rng=np.random.default_rng(3)))
    shift = 0.5 * (lam[9] + lam[10])
    np.testing.assert_allclose(np.sort(s.eigenvalues)[[0, -1]], lam[[0, -1]] - shift)
    assert s.rotation.shape == (50, 50)
    np.testing.assert_allclose(s.rotation.T @ s.rotation, np.eye(50), atol=1e-12)


def test_saddles_are_surfaces_and_exported():
    s = saddle_2d()
    assert isinstance(s, fields.Surface) and fields.check_surface(s, "hvp") == 2
    assert fields.QuarticSaddle is QuarticSaddle and fields.saddles.random_saddle is random_saddle
    assert fields.saddle_2d is saddle_2d
    for a in (s.eigenvalues, s.rotation, s.center):
        assert not a.flags.writeable


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: QuarticSaddle([]), ValueError, "non-empty"),
        (lambda: QuarticSaddle([[1.0, -1.0]]), ValueError, "non-empty vector"),
        (lambda: QuarticSaddle([1.0, 0.0]), ValueError, "nonzero"),
        (lambda: QuarticSaddle([1.0, np.nan]), ValueError, "eigenvalues"),
        (lambda: QuarticSaddle([1.0, -1.0], rotation=np.eye(3)), ValueError, "shape"),
        (lambda: QuarticSaddle([1.0, -1.0], rotation=[[1.0, 1.0], [0.0, 1.0]]), ValueError,
         "orthogonal"),
        (lambda: QuarticSaddle([1.0, -1.0], quartic=0.0), ValueError, "quartic"),
        (lambda: QuarticSaddle([1.0, -1.0], center=[0.0]), ValueError, "center"),
        (lambda: QuarticSaddle([1.0, -1.0]).value([0.0, 1.0, 2.0]), ValueError, "x must"),
        (lambda: QuarticSaddle([1.0, -1.0]).hvp([0.0, 1.0], [1.0]), ValueError, "v must"),
        (lambda: saddle_2d(-1.0), ValueError, "lam_plus"),
        (lambda: saddle_2d(1.0, 0.5), ValueError, "lam_minus"),
        (lambda: saddle_2d(1.0, math.inf), ValueError, "lam_minus"),
        (lambda: saddle_2d(1.0, True), ValueError, "lam_minus"),
        (lambda: random_saddle(1, 1), ValueError, "dim"),
        (lambda: random_saddle(5, 5), ValueError, "index"),
        (lambda: random_saddle(5, 0), ValueError, "index"),
        (lambda: random_saddle(5, 2.0), TypeError, "index"),
        (lambda: random_saddle(5, 2, gap=0.0), ValueError, "gap"),
        (lambda: random_saddle(5, 2, rng="seed"), TypeError, "rng"),
    ],
)
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_rng_is_keyword_only():
    with pytest.raises(TypeError):
        random_saddle(5, 2, 0)
