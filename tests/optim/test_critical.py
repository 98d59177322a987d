"""Critical-point finders: certification, gradient-flat points, merging, manifolds, bad input.

The statistical checks against the Bray–Dean and spin-glass index laws are in test_theory.py.
"""

import math

import numpy as np
import pytest

from fields import GaussianField, RandomQuadratic, SphericalSpinGlass, SquaredExponential
from optim.critical import KINDS, METHODS, STATUSES, find_critical_points


class GradientFlat:
    """``f(x) = x_1 + (1/2) sum_{i>=2} lambda_i x_i^2`` (docs/theory.md section 7, Frye et al.).

    ``g = (1, lambda_i x_i)`` never vanishes, ``H = diag(0, lambda)``, so ``H g = 0`` on the
    line ``x_2 = ... = 0`` where ``|g| = 1``: gradient-flat points, stationary for ``|g|^2 / 2``
    but not critical.
    """

    def __init__(self, lam):
        self.lam = np.asarray(lam, dtype=float)
        self.dim = self.lam.size + 1

    def value(self, x):
        return float(x[0] + 0.5 * np.sum(self.lam * x[1:] ** 2))

    def grad(self, x):
        return np.concatenate([[1.0], self.lam * x[1:]])

    def hvp(self, x, v):
        return np.concatenate([[0.0], self.lam * v[1:]])

    def hess(self, x):
        return np.diag(np.concatenate([[0.0], self.lam]))


class HvpOnly:
    """A surface without ``hess`` (and without ``value_and_grad``): only dim, value, grad, hvp."""

    def __init__(self, inner):
        self._inner = inner
        self.dim = inner.dim

    def value(self, x):
        return self._inner.value(x)

    def grad(self, x):
        return self._inner.grad(x)

    def hvp(self, x, v):
        return self._inner.hvp(x, v)


class NaNBeyond:
    """``|x|^2 / 2`` whose value and gradient are NaN where ``x_1 > 1``."""

    dim = 3

    def value(self, x):
        return math.nan if x[0] > 1 else 0.5 * float(x @ x)

    def grad(self, x):
        return np.full(3, np.nan) if x[0] > 1 else np.array(x, dtype=float)

    def hvp(self, x, v):
        return np.array(v, dtype=float)

    def hess(self, x):
        return np.eye(3)


LAMBDAS = np.array([0.5, -0.8, 1.1, -1.4, 1.7, -2.0, 2.3, -2.6, 3.0])


@pytest.fixture(scope="module")
def small_field():
    return GaussianField(6, SquaredExponential(), n_features=2000, rng=3)


# ---------------------------------------------------------------------------- exact cases ---


@pytest.mark.parametrize("method", METHODS)
def test_quadratic_has_one_critical_point_reached_from_every_start(method):
    # RandomQuadratic with shift 3: H = GOE + 3 I is positive definite; the origin is the only
    # critical point, a minimum. Every start ends there and the duplicates merge into one row.
    q = RandomQuadratic(12, shift=3.0, rng=0)
    cps = find_critical_points(q, n_starts=8, method=method, starts="random", rng=1)
    assert cps.attrs["n_critical"] == 1 and cps.attrs["n_critical_hits"] == 8
    assert cps.sizes["point"] == 1
    row = cps.isel(point=0)
    assert row.kind == "minimum" and row.status == "critical" and bool(row.converged)
    assert int(row.hits) == 8 and int(row.index) == 0 and float(row.index_fraction) == 0.0
    np.testing.assert_allclose(row.x.values, 0.0, atol=1e-7)
    assert float(row.grad_norm) <= 1e-8 * cps.attrs["grad_scale"]
    np.testing.assert_allclose(float(row.min_abs_eigenvalue),
                               np.min(np.abs(np.linalg.eigvalsh(q.matrix))), rtol=1e-10)


def test_quadratic_saddle_index_is_the_inertia_of_its_matrix():
    q = RandomQuadratic(15, shift=0.0, rng=2)
    for method, most in (("newton", 1), ("newton-mr", 8)):
        cps = find_critical_points(q, n_starts=3, method=method, starts="random", rng=0,
                                   max_step=100.0)
        assert cps.sizes["point"] == 1
        row = cps.isel(point=0)
        assert row.kind == "saddle" and int(row.index) == q.index
        assert float(row.index_fraction) == pytest.approx(q.index / 15)
        # Newton's method on a quadratic lands on the critical point in one step (whatever
        # the index); Newton-MR solves inexactly (forcing term min(0.1, |g| / g_s)) and
        # converges superlinearly.
        assert int(row.iterations) <= most


# ----------------------------------------------------------------------- gradient-flat ------


def test_gradient_norm_minimisation_stops_at_a_gradient_flat_point_and_says_so():
    # docs/theory.md: on x_1 + sum lambda_i x_i^2 / 2, minimising |g|^2 / 2 converges to the line
    # x_2 = ... = 0 where |g| = 1 but H g = 0. It must be reported, never counted.
    f = GradientFlat(LAMBDAS)
    cps = find_critical_points(f, n_starts=6, method="gradient-norm", starts="random", rng=0)
    assert cps.attrs["n_critical"] == 0 and cps.attrs["n_gradient_flat"] == 6
    assert set(cps.status.values) == {"gradient-flat"}
    assert set(cps.kind.values) == {"not-critical"}
    assert not cps.converged.any()
    np.testing.assert_allclose(cps.grad_norm.values, 1.0, rtol=1e-6)
    np.testing.assert_allclose(cps.x.values[:, 1:], 0.0, atol=1e-5)
    assert np.all(cps.hess_grad_norm.values
                  <= cps.attrs["flat_tol"] * cps.attrs["hess_scale"] * cps.grad_norm.values)


@pytest.mark.parametrize("method", ["newton", "newton-mr"])
def test_newton_methods_do_not_call_a_gradient_flat_point_critical(method):
    # The system H p = -g is incompatible (g_1 = 1, H e_1 = 0): the least-squares step reaches
    # the gradient-flat line at once, where the method stops and reports it.
    f = GradientFlat(LAMBDAS)
    cps = find_critical_points(f, n_starts=4, method=method, starts="random", rng=0)
    assert set(cps.status.values) == {"gradient-flat"}
    assert set(cps.kind.values) == {"not-critical"}
    assert cps.attrs["n_critical"] == 0
    assert np.all(cps.iterations.values <= 5)


# ---------------------------------------------------------------- a random field, small ----


def test_every_reported_critical_point_is_certified(small_field):
    cps = find_critical_points(small_field, n_starts=20, rng=0)
    tol = cps.attrs["grad_tol"] * cps.attrs["grad_scale"]
    crit = cps.kind.values != "not-critical"
    assert crit.sum() == cps.attrs["n_critical"] >= 5
    assert np.all(cps.grad_norm.values[crit] <= tol)
    assert np.all(cps.status.values[crit] == "critical")
    assert np.all(cps.converged.values == (cps.status.values == "critical"))
    # ... and is one: |grad f| recomputed at the stored point is small.
    for x in cps.x.values[crit]:
        assert np.linalg.norm(small_field.grad(x)) <= tol * (1 + 1e-6)
    # Kind from the index, index from the Hessian.
    for row in cps.where(cps.kind != "not-critical", drop=True).point.values:
        r = cps.sel(point=row)
        eig = np.linalg.eigvalsh(small_field.hess(r.x.values))
        assert int(r.index) == int(np.sum(eig < 0))
        expected = {0: "minimum", 6: "maximum"}.get(int(r.index), "saddle")
        assert r.kind == expected
        assert float(r.min_abs_eigenvalue) == pytest.approx(np.min(np.abs(eig)), rel=1e-8)
    # Statuses and counts add up; every start is accounted for.
    counts = {s: cps.attrs["n_" + s.replace("-", "_")] for s in STATUSES[1:]}
    assert cps.attrs["n_critical_hits"] + sum(counts.values()) == 20
    assert int(cps.hits.values.sum()) == 20
    assert set(cps.kind.values) <= set(KINDS) and set(cps.status.values) <= set(STATUSES)


def test_dataset_layout_and_provenance(small_field):
    cps = find_critical_points(small_field, n_starts=10, rng=5)
    assert dict(cps.sizes)["coord"] == 6
    for name in ("x", "value", "energy", "grad_norm", "hess_grad_norm", "index",
                 "index_fraction", "min_abs_eigenvalue", "iterations", "converged", "status",
                 "kind", "hits", "start", "start_id"):
        assert name in cps, name
    assert cps.x.dims == ("point", "coord") and cps.energy.dims == ("point",)
    np.testing.assert_allclose(cps.energy.values, cps.value.values / 6)
    energy = cps.energy.values
    assert np.all(np.diff(energy[np.isfinite(energy)]) >= 0)  # sorted by energy
    assert set(cps.start.values) <= {"random", "trajectory"}
    for key in ("method", "n_starts", "grad_tol", "merge_tol", "flat_tol", "grad_scale",
                "hess_scale", "length_scale", "surface", "library_version", "seed_entropy",
                "n_critical", "n_gradient_flat", "n_unconverged", "n_diverged"):
        assert key in cps.attrs, key
    assert cps.attrs["seed_entropy"] == "5" and cps.attrs["surface"] == repr(small_field)
    assert cps.attrs["method"] == "newton-mr" and cps.attrs["linear_solver"] == "dense"


def test_same_seed_same_dataset_and_starts_do_not_depend_on_each_other(small_field):
    a = find_critical_points(small_field, n_starts=8, starts="random", rng=11)
    b = find_critical_points(small_field, n_starts=8, starts="random", rng=11)
    assert a.identical(b)
    # With the scales fixed, start j's end point depends only on its own child seed: the
    # first 5 of 8 starts give exactly what a run of 5 starts gives.
    scales = {"grad_scale": 5.0, "hess_scale": 1.0}
    big = find_critical_points(small_field, n_starts=8, starts="random", rng=11, **scales)
    small = find_critical_points(small_field, n_starts=5, starts="random", rng=11, **scales)
    for sid in small.start_id.values:
        row_s = small.where(small.start_id == sid, drop=True)
        row_b = big.where(big.start_id == sid, drop=True)
        if row_b.sizes["point"]:  # (a duplicate merged into another start's row otherwise)
            np.testing.assert_array_equal(row_s.x.values, row_b.x.values)


def test_duplicates_merge_and_count_hits(small_field):
    cps0 = find_critical_points(small_field, n_starts=10, starts="random", rng=0)
    x = cps0.x.values[cps0.kind.values != "not-critical"][0]
    rng = np.random.default_rng(0)
    near = x + 1e-3 * rng.standard_normal((4, 6))  # all inside the basin of x
    cps = find_critical_points(small_field, starts=np.vstack([near, near[:1]]), rng=0,
                               method="newton")
    assert cps.attrs["n_starts"] == 5 and cps.attrs["starts"] == "given"
    assert cps.sizes["point"] == 1 and int(cps.hits[0]) == 5
    assert set(cps.start.values) == {"given"}
    np.testing.assert_allclose(cps.x.values[0], x, atol=1e-8)


def test_hvp_solver_and_surfaces_without_hess_agree_with_the_dense_path(small_field):
    starts = np.random.default_rng(4).standard_normal((6, 6))
    scales = {"grad_scale": 5.0, "hess_scale": 1.0}
    dense = find_critical_points(small_field, starts=starts, rng=0, **scales)
    hvp = find_critical_points(small_field, starts=starts, rng=0, linear_solver="hvp",
                               **scales)
    bare = find_critical_points(HvpOnly(small_field), starts=starts, rng=0, **scales)
    assert dense.attrs["linear_solver"] == "dense"
    assert hvp.attrs["linear_solver"] == "hvp" and bare.attrs["linear_solver"] == "hvp"
    for other in (dense, hvp, bare):
        # Different Krylov arithmetic may lead a start elsewhere, but what is certified is
        # certified, and the index of a certified point does not depend on the solver.
        crit = other.where(other.kind != "not-critical", drop=True)
        assert crit.sizes["point"] >= 1
        for x, idx in zip(crit.x.values, crit.index.values, strict=True):
            assert np.linalg.norm(small_field.grad(x)) <= 5e-8 * (1 + 1e-6)
            assert idx == np.sum(np.linalg.eigvalsh(small_field.hess(x)) < 0)
    np.testing.assert_allclose(np.sort(bare.energy.values), np.sort(hvp.energy.values),
                               rtol=1e-6)


def test_trajectory_starts_reach_lower_energies_than_random_starts():
    f = GaussianField(20, SquaredExponential(), n_features=6000, rng=1)
    rand = find_critical_points(f, n_starts=16, starts="random", rng=2)
    traj = find_critical_points(f, n_starts=16, starts="trajectory", rng=2,
                                trajectory_points=4)
    assert set(traj.start.values) == {"trajectory"}
    e_rand = rand.energy.values[rand.kind.values != "not-critical"]
    e_traj = traj.energy.values[traj.kind.values != "not-critical"]
    assert e_traj.min() < e_rand.min() - 0.5
    assert "minimum" in set(traj.kind.values)


def test_nan_on_the_way_is_recorded_as_diverged_not_raised():
    f = NaNBeyond()
    starts = np.array([[2.0, 0.0, 0.0], [0.5, 0.3, -0.2]])
    cps = find_critical_points(f, starts=starts, grad_scale=1.0, hess_scale=1.0, rng=0)
    status = dict(zip(cps.start_id.values, cps.status.values, strict=True))
    assert status[0] == "diverged" and status[1] == "critical"
    assert cps.attrs["n_diverged"] == 1
    bad = cps.where(cps.status == "diverged", drop=True)
    assert bad.kind.values[0] == "not-critical" and int(bad.index.values[0]) == -1
    assert np.isnan(bad.index_fraction.values[0])


# ---------------------------------------------------------------------------- manifolds ----


def test_spherical_spin_glass_points_are_on_the_sphere_with_tangent_hessians():
    sg = SphericalSpinGlass(20, p=3, rng=0)
    cps = find_critical_points(sg, n_starts=12, rng=1)
    crit = cps.where(cps.kind != "not-critical", drop=True)
    assert crit.sizes["point"] >= 3
    np.testing.assert_allclose(np.sum(crit.x.values ** 2, axis=1), 20.0, rtol=1e-12)
    for x, idx, frac in zip(crit.x.values, crit.index.values, crit.index_fraction.values,
                            strict=True):
        assert np.linalg.norm(sg.grad(x)) <= 1e-8 * cps.attrs["grad_scale"] * (1 + 1e-6)
        eig = np.linalg.eigvalsh(sg.hess(x))  # (N - 1) x (N - 1) Riemannian Hessian
        assert idx == np.sum(eig < 0) and frac == pytest.approx(idx / 19)
    np.testing.assert_allclose(crit.energy.values, [sg.value(x) / 20 for x in crit.x.values])
    with pytest.raises(ValueError, match="gradient-norm.*flat surface"):
        find_critical_points(sg, n_starts=2, method="gradient-norm")


# ------------------------------------------------------------------------------ bad input ---


def test_bad_input_is_refused_with_the_argument_named(small_field):
    f = small_field
    with pytest.raises(ValueError, match="n_starts"):
        find_critical_points(f, n_starts=0)
    with pytest.raises(TypeError, match="n_starts"):
        find_critical_points(f, n_starts=2.5)
    with pytest.raises(ValueError, match="method"):
        find_critical_points(f, method="bfgs")
    with pytest.raises(ValueError, match="method"):
        find_critical_points(f, method="Newton-MR")
    with pytest.raises(ValueError, match="starts"):
        find_critical_points(f, starts="everywhere")
    with pytest.raises(ValueError, match="starts"):
        find_critical_points(f, starts=np.zeros((3, 5)))
    with pytest.raises(ValueError, match="starts"):
        find_critical_points(f, starts=np.zeros(6))
    with pytest.raises(ValueError, match="starts"):
        find_critical_points(f, starts=np.full((2, 6), np.nan))
    with pytest.raises(TypeError, match="starts"):
        find_critical_points(f, starts=[["a"] * 6])
    for name in ("grad_tol", "merge_tol", "flat_tol", "degenerate_tol", "start_scale",
                 "max_step", "grad_scale", "hess_scale"):
        for bad in (0.0, -1e-3, math.inf):
            with pytest.raises(ValueError, match=name):
                find_critical_points(f, **{name: bad})
        with pytest.raises(TypeError, match=name):
            find_critical_points(f, **{name: "1e-8"})
    for name in ("max_iter", "trajectory_points", "trajectory_steps", "stall_iter"):
        with pytest.raises(ValueError, match=name):
            find_critical_points(f, **{name: 0})
    with pytest.raises(ValueError, match="trajectory_fraction"):
        find_critical_points(f, trajectory_fraction=1.5)
    with pytest.raises(ValueError, match="linear_solver"):
        find_critical_points(f, linear_solver="cholesky")
    with pytest.raises(TypeError, match="rng"):
        find_critical_points(f, rng="seed")
    with pytest.raises(TypeError, match="hvp"):
        find_critical_points(RandomQuadraticWithoutHvp())
    with pytest.raises(TypeError, match="dim"):
        find_critical_points(object())


class RandomQuadraticWithoutHvp:
    dim = 3

    def value(self, x):
        return 0.0

    def grad(self, x):
        return np.zeros(3)
