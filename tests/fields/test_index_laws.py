"""fields.index_law: one law object per surface, dispatched on its class, and user registration."""

import dataclasses
import math

import numpy as np
import pytest

import fields
import rmt
from fields import (
    GaussianField,
    IndexLaw,
    KacRiceEstimate,
    Matern,
    RandomQuadratic,
    SphericalSpinGlass,
    SquaredExponential,
    bray_dean,
    index_law,
)
from fields import spin_glass as sg

U = np.array([-1.5, -0.5, 0.0, 0.7])


def test_gaussian_field_law_is_bray_dean():
    k = Matern(2.5)
    f = GaussianField(30, k, n_features=128, rng=0)
    law = index_law(f)
    assert isinstance(law, IndexLaw)
    assert law.description.startswith("bray-dean:") and law.dim == law.hessian_size == 30
    np.testing.assert_array_equal(law.asymptotic(U), bray_dean.asymptotic_index_fraction(k, U))
    est = law.finite_n(U, n_samples=300, rng=4)
    ref = bray_dean.kac_rice_index(k, 30, U, n_samples=300, rng=4)
    assert isinstance(est, KacRiceEstimate) and est.n_samples == 300 and est.dim == 30
    np.testing.assert_array_equal(est.value, ref.value)
    np.testing.assert_array_equal(est.stderr, ref.stderr)
    assert law.energy(-45.0) == -1.5
    np.testing.assert_array_equal(law.energy([30.0, -60.0]), [1.0, -2.0])


def test_gaussian_field_outside_the_bray_dean_scaling_or_without_hessian_is_refused():
    with pytest.raises(ValueError, match="not a function of f / N"):
        index_law(GaussianField(3, SquaredExponential(), n_features=16, scaling="unit", rng=0))
    with pytest.raises(ValueError, match="nu > 2"):
        index_law(GaussianField(3, Matern(1.5), n_features=16, rng=0))


def test_pure_spin_glass_law():
    s = SphericalSpinGlass(12, p=3, rng=0)
    law = index_law(s)
    assert law.description.startswith("spin-glass:") and law.hessian_size == 11
    np.testing.assert_array_equal(law.asymptotic(U), sg.asymptotic_index_fraction(3, U))
    est = law.finite_n(U, n_samples=200, rng=1)
    ref = sg.kac_rice_index(3, 12, U, n_samples=200, rng=1)
    np.testing.assert_array_equal(est.value, ref.value)


def test_single_degree_with_a_weight_rescales_the_energy():
    # H = gamma H_p: the energy of the pure model is u / gamma (same index, |det| scaled by
    # the constant gamma^(N-1), which cancels in the ratio).
    law = index_law(SphericalSpinGlass(12, mixture={3: 2.0}, rng=0))
    pure = index_law(SphericalSpinGlass(12, p=3, rng=0))
    np.testing.assert_allclose(law.asymptotic(U), pure.asymptotic(U / 2.0), atol=1e-15)
    a = law.finite_n(U, n_samples=200, rng=5)
    b = pure.finite_n(U / 2.0, n_samples=200, rng=5)
    np.testing.assert_allclose(a.value, b.value, rtol=0, atol=1e-12)
    assert "1/gamma = 1/2" in law.description


def test_mixed_spin_glass_law_is_the_tilted_one():
    mixture = {2: 1.0, 4: 0.5, 5: 0.0}
    law = index_law(SphericalSpinGlass(8, mixture=mixture, rng=0))
    assert law.hessian_size == 7 and "tilt" in law.description
    np.testing.assert_array_equal(
        law.asymptotic(U), sg.asymptotic_index_fraction(2, U, mixture={2: 1.0, 4: 0.5}))


def test_random_quadratic_law_is_the_ensemble_at_every_energy():
    q = RandomQuadratic(20, shift=0.6, rng=0)
    law = index_law(q)
    assert law.description.startswith("random-quadratic:") and law.hessian_size == 20
    np.testing.assert_array_equal(law.asymptotic(U),
                                  np.full(4, rmt.semicircle_index_fraction(0.6, 2.0)))
    est = law.finite_n(U, n_samples=3000, rng=2)
    assert np.all(est.value == est.value[0]) and np.all(est.stderr == est.stderr[0])
    # The same Monte Carlo written out: the index of T + shift from one Sturm count each.
    d, e = rmt.hermite_tridiagonal(20, 1, size=3000, rng=np.random.default_rng(2))
    frac = rmt.count_below(d, e, -0.6) / 20
    assert est.value[0] == pytest.approx(frac.mean(), abs=1e-15)
    assert est.stderr[0] == pytest.approx(frac.std(ddof=1) / math.sqrt(3000), rel=1e-12)
    # ... and an independent one: the index of dense RandomQuadratic instances.
    dense = np.array([RandomQuadratic(20, shift=0.6, rng=s).index_fraction for s in range(600)])
    se = math.hypot(est.stderr[0], dense.std(ddof=1) / math.sqrt(dense.size))
    assert abs(dense.mean() - est.value[0]) < 4 * se
    scalar = law.finite_n(0.0, n_samples=10, rng=0)
    assert isinstance(scalar.value, float) and isinstance(scalar.stderr, float)


def test_same_seed_same_prediction():
    law = index_law(SphericalSpinGlass(10, mixture={2: 1.0, 3: 1.0}, rng=0))
    ss = np.random.SeedSequence(9)
    a, b = law.finite_n(U, n_samples=50, rng=ss), law.finite_n(U, n_samples=50, rng=ss)
    np.testing.assert_array_equal(a.value, b.value)
    np.testing.assert_array_equal(a.stderr, b.stderr)


def test_user_registers_a_law_for_their_own_class():
    class Bowl:
        dim = 4

        def value(self, x):
            return 0.5 * float(x @ x)

        def grad(self, x):
            return x

        def hvp(self, x, v):
            return v

    # Other tests of the session may have registered their own classes: check the built-ins.
    with pytest.raises(TypeError, match="there is no index law for Bowl") as refused:
        index_law(Bowl())
    for name in ("GaussianField", "RandomQuadratic", "SphericalSpinGlass"):
        assert name in str(refused.value)

    @index_law.register
    def _(surface: Bowl) -> IndexLaw:
        return IndexLaw(
            description="bowl: every critical point is a minimum", dim=surface.dim,
            hessian_size=surface.dim, asymptotic_law=lambda e: np.zeros(e.shape),
            finite_n_law=lambda e, n, gen: KacRiceEstimate(np.zeros(e.shape), np.zeros(e.shape),
                                                           surface.dim, n),
        )

    law = fields.index_law(Bowl())
    np.testing.assert_array_equal(law.asymptotic(U), np.zeros(4))
    assert law.finite_n(U, n_samples=3).n_samples == 3
    assert law.asymptotic(1.0).shape == ()


def test_index_law_is_frozen_and_validated():
    law = index_law(RandomQuadratic(5, rng=0))
    with pytest.raises(dataclasses.FrozenInstanceError):
        law.dim = 3
    good = {"description": "d", "dim": 2, "hessian_size": 2,
            "asymptotic_law": np.zeros_like, "finite_n_law": lambda e, n, g: None}
    for key, bad, error in [("description", 3, TypeError), ("dim", 0, ValueError),
                            ("hessian_size", 1.5, TypeError), ("asymptotic_law", 1, TypeError),
                            ("finite_n_law", None, TypeError)]:
        with pytest.raises(error, match=key):
            IndexLaw(**{**good, key: bad})


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda law: law.asymptotic([0.0, np.nan]), ValueError, "energy"),
        (lambda law: law.asymptotic("low"), TypeError, "energy"),
        (lambda law: law.finite_n(0.0, n_samples=1), ValueError, "n_samples"),
        (lambda law: law.finite_n(0.0, n_samples=2.5), TypeError, "n_samples"),
        (lambda law: law.finite_n(0.0, rng="x"), TypeError, "rng"),
        (lambda law: law.finite_n(0.0, 10), TypeError, "positional"),
        (lambda law: law.energy(np.inf), ValueError, "value"),
    ],
)
def test_bad_input(call, error, match):
    law = index_law(SphericalSpinGlass(6, p=3, rng=0))
    with pytest.raises(error, match=match):
        call(law)
