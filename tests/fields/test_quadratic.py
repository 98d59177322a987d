"""The random quadratic: exact derivatives, critical-point type and index fraction."""

import numpy as np
import pytest

import rmt
from fields.quadratic import RandomQuadratic


def test_derivatives_are_exact():
    q = RandomQuadratic(40, shift=0.3, rng=1)
    h = q.matrix
    rng = np.random.default_rng(0)
    x, v = rng.standard_normal(40), rng.standard_normal(40)
    assert np.array_equal(h, h.T)
    np.testing.assert_allclose(np.diag(h) - np.diag(rmt.goe(40, rng=1)), 0.3, atol=1e-15)
    assert q.value(x) == pytest.approx(0.5 * x @ h @ x, rel=1e-14)
    np.testing.assert_allclose(q.grad(x), h @ x, rtol=1e-14)
    value, g = q.value_and_grad(x)
    assert value == q.value(x) and np.array_equal(g, q.grad(x))
    np.testing.assert_allclose(q.hvp(x, v), h @ v, rtol=1e-14)
    np.testing.assert_array_equal(q.hess(x), h)
    # The gradient against central differences of the value: a quadratic has no truncation
    # error, only rounding ~ eps |f| / t ~ 1e-11 at t = 1e-3.
    t, e = 1e-3, np.eye(40)
    fd = [(q.value(x + t * e[i]) - q.value(x - t * e[i])) / (2 * t) for i in range(40)]
    np.testing.assert_allclose(fd, q.grad(x), atol=1e-8)
    np.testing.assert_array_equal(q.critical_point(), np.zeros(40))
    assert np.array_equal(q.grad(q.critical_point()), np.zeros(40))


def test_frozen_and_seeded():
    a, b = RandomQuadratic(10, rng=3), RandomQuadratic(10, rng=3)
    assert np.array_equal(a.matrix, b.matrix) and a.dim == 10 and a.shift == 0.0
    with pytest.raises(ValueError, match="read-only"):
        a.matrix[0, 0] = 1.0
    hess = a.hess(np.zeros(10))
    hess[0, 0] = 99.0  # a copy: the surface is unchanged
    assert a.matrix[0, 0] != 99.0
    with pytest.raises(AttributeError):
        a.shift = 1.0


def test_kind_and_index():
    # Shifts of +-4 make a minimum and a maximum unless an extreme GOE eigenvalue passes -+4,
    # i.e. TW_1 > 2 N^(2/3) = 27 (lambda_max = 2 + N^(-2/3) TW_1): probability ~ 1e-40.
    # Shift 0 gives a saddle except with probability P(all of 50 eigenvalues positive).
    for seed in range(5):
        up, down = RandomQuadratic(50, 4.0, rng=seed), RandomQuadratic(50, -4.0, rng=seed)
        mid = RandomQuadratic(50, 0.0, rng=seed)
        assert (up.kind, up.index, up.index_fraction) == ("minimum", 0, 0.0)
        assert (down.kind, down.index, down.index_fraction) == ("maximum", 50, 1.0)
        assert mid.kind == "saddle"
        eig = np.linalg.eigvalsh(mid.matrix)
        assert mid.index == np.count_nonzero(eig < 0)
        assert mid.index_fraction == mid.index / 50
    # A zero eigenvalue: N = 1 with the shift cancelling the GOE entry exactly.
    g = rmt.goe(1, rng=8)[0, 0]
    assert RandomQuadratic(1, -g, rng=8).kind == "degenerate"
    # N = 1: H = N(0, 2) + shift, a minimum exactly when positive.
    for seed in range(20):
        q = RandomQuadratic(1, 0.5, rng=seed)
        assert q.kind == ("minimum" if q.matrix[0, 0] > 0 else "maximum")


@pytest.mark.parametrize("shift", [-1.0, 0.0, 0.5, 1.5])
def test_index_fraction_matches_semicircle(shift):
    # Mean index fraction over 200 seeds at N = 100 against F_sc(-shift / 2). The index is
    # rigid (Var K ~ 0.7 at N = 100, docs/theory.md section 4), so SE ~ 0.0006; the finite-N bias
    # of the mean counting function of the GOE is O(1) eigenvalues, i.e. O(1/N) in the
    # fraction (measured below 0.1/N here), so the tolerance is 4 SE + 1/N = ~0.012. A wrong
    # semicircle radius (sqrt 2 instead of 2) misses by 0.07 at shift 0.5, a sign error by
    # 0.3.
    n, seeds = 100, 200
    fractions = np.array([RandomQuadratic(n, shift, rng=s).index_fraction for s in range(seeds)])
    expected = RandomQuadratic(2, shift, rng=0).expected_index_fraction
    assert expected == pytest.approx(rmt.semicircle_index_fraction(shift, 2))
    se = fractions.std(ddof=1) / np.sqrt(seeds)
    assert abs(fractions.mean() - expected) < 4 * se + 1 / n


def test_expected_index_fraction_values():
    assert RandomQuadratic(3, 0.0, rng=0).expected_index_fraction == 0.5
    assert RandomQuadratic(3, 2.0, rng=0).expected_index_fraction == 0.0
    assert RandomQuadratic(3, -2.5, rng=0).expected_index_fraction == 1.0
    t = -0.25  # shift 0.5: F_sc(t) = 1/2 + (t sqrt(1 - t^2) + arcsin t) / pi
    f_sc = 0.5 + (t * np.sqrt(1 - t * t) + np.arcsin(t)) / np.pi
    assert RandomQuadratic(3, 0.5, rng=0).expected_index_fraction == pytest.approx(f_sc)


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda: RandomQuadratic(0), ValueError, "dim"),
        (lambda: RandomQuadratic(-3), ValueError, "dim"),
        (lambda: RandomQuadratic(2.0), TypeError, "dim"),
        (lambda: RandomQuadratic(3, shift=np.nan), ValueError, "shift"),
        (lambda: RandomQuadratic(3, shift=np.inf), ValueError, "shift"),
        (lambda: RandomQuadratic(3, shift="1"), TypeError, "shift"),
        (lambda: RandomQuadratic(3, shift=[1.0]), TypeError, "shift"),
        (lambda: RandomQuadratic(3, rng=1.5), TypeError, "rng"),
        (lambda: RandomQuadratic(3, rng=0).value(np.ones(4)), ValueError, "shape"),
        (lambda: RandomQuadratic(3, rng=0).grad([1.0, np.nan, 0.0]), ValueError, "NaN"),
        (lambda: RandomQuadratic(3, rng=0).hvp(np.ones(3), np.ones((3, 1))), ValueError, "v"),
        (lambda: RandomQuadratic(3, rng=0).hess(["a", "b", "c"]), TypeError, "x"),
    ],
)
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
