"""Critical-point finders: certification, gradient-flat points, merging, manifolds, options,
results pinned before the split into a package, bad input.

The statistical checks against the Bray–Dean and spin-glass index laws are in test_theory.py.
"""

import dataclasses
import math

import numpy as np
import pytest

from fields import GaussianField, RandomQuadratic, SphericalSpinGlass, SquaredExponential
from optim.critical import (
    KINDS,
    METHODS,
    STATUSES,
    Certificate,
    Solver,
    Starts,
    find_critical_points,
)
from rmt.random import seed_from_provenance


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
                                   solver=Solver(max_step=100.0))
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
    scales = Certificate(grad_scale=5.0, hess_scale=1.0)
    big = find_critical_points(small_field, n_starts=8, starts="random", rng=11,
                               certificate=scales)
    small = find_critical_points(small_field, n_starts=5, starts="random", rng=11,
                                 certificate=scales)
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
    scales = Certificate(grad_scale=5.0, hess_scale=1.0)
    dense = find_critical_points(small_field, starts=starts, certificate=scales, rng=0)
    hvp = find_critical_points(small_field, starts=starts, certificate=scales,
                               solver=Solver(linear_solver="hvp"), rng=0)
    bare = find_critical_points(HvpOnly(small_field), starts=starts, certificate=scales, rng=0)
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
    traj = find_critical_points(f, n_starts=16, starts=Starts("trajectory", trajectory_points=4),
                                rng=2)
    assert set(traj.start.values) == {"trajectory"}
    e_rand = rand.energy.values[rand.kind.values != "not-critical"]
    e_traj = traj.energy.values[traj.kind.values != "not-critical"]
    assert e_traj.min() < e_rand.min() - 0.5
    assert "minimum" in set(traj.kind.values)


def test_nan_on_the_way_is_recorded_as_diverged_not_raised():
    f = NaNBeyond()
    starts = np.array([[2.0, 0.0, 0.0], [0.5, 0.3, -0.2]])
    cps = find_critical_points(f, starts=starts,
                               certificate=Certificate(grad_scale=1.0, hess_scale=1.0), rng=0)
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


# ------------------------------------------------------------------ results pinned -------

# Recorded with the single-module finder of version 0.1.0 (before the split into a package
# and the option classes), same seeds, on numpy 2.4 / OpenBLAS: the refactor reproduced them
# bitwise. Counts, indices, kinds and hits must match exactly; the energies of certified
# points (|g| <= 1e-8 g_s, so f is fixed to ~|g|^2 / h_s = 1e-16 relative) to 1e-12 relative,
# which leaves room only for another BLAS's rounding.
PINNED = {
    "field": dict(
        grad_scale=2.5487382890714088, hess_scale=1.2109492988039423, n_critical=5,
        n_critical_hits=12, n_unconverged=8, n_rows=13,
        energy=[-1.8572179049876938, -1.4229543009610854, -0.6322662174400309,
                -0.5698028060472758, -0.4366773509882866],
        index=[0, 1, 1, 2, 3], hits=[2, 3, 1, 5, 1],
        kind=["minimum", "saddle", "saddle", "saddle", "saddle"],
        start=["trajectory", "trajectory", "random", "trajectory", "random"]),
    "spin_glass": dict(
        grad_scale=7.270762229992638, hess_scale=2.5616658278534974, n_critical=5,
        n_critical_hits=8, n_unconverged=4, n_rows=9,
        energy=[-1.3353449815561629, -0.988469945829349, -0.39186637223164095,
                -0.11322205073482364, 0.3405294937753304],
        index=[0, 2, 7, 8, 13], hits=[1, 4, 1, 1, 1],
        kind=["minimum", "saddle", "saddle", "saddle", "saddle"],
        start=["trajectory", "trajectory", "random", "random", "trajectory"]),
}


def _pinned_case(name, small_field):
    if name == "field":
        return small_field, 20, 0
    return SphericalSpinGlass(20, p=3, rng=0), 12, 1


@pytest.mark.parametrize("name", sorted(PINNED))
def test_default_options_reproduce_the_results_recorded_before_the_split(name, small_field):
    surface, n_starts, seed = _pinned_case(name, small_field)
    pin = PINNED[name]
    cps = find_critical_points(surface, n_starts, rng=seed)
    for key in ("n_critical", "n_critical_hits", "n_unconverged"):
        assert cps.attrs[key] == pin[key], key
    assert cps.sizes["point"] == pin["n_rows"]
    assert cps.attrs["grad_scale"] == pytest.approx(pin["grad_scale"], rel=1e-12)
    assert cps.attrs["hess_scale"] == pytest.approx(pin["hess_scale"], rel=1e-12)
    crit = cps.isel(point=np.flatnonzero(cps.kind.values != "not-critical"))
    np.testing.assert_allclose(crit.energy.values, pin["energy"], rtol=1e-12, atol=0)
    assert crit.index.values.tolist() == pin["index"]
    assert crit.hits.values.tolist() == pin["hits"]
    assert crit.kind.values.tolist() == pin["kind"]
    assert crit.start.values.tolist() == pin["start"]


def test_default_options_spelled_out_give_the_identical_dataset(small_field):
    implicit = find_critical_points(small_field, 20, rng=0)
    explicit = find_critical_points(
        small_field, 20, method="newton-mr",
        starts=Starts(rule="mixed", scale=1.0, trajectory_fraction=0.5, trajectory_points=10,
                      trajectory_steps=400),
        certificate=Certificate(grad_tol=1e-8, flat_tol=1e-6, degenerate_tol=1e-8,
                                merge_tol=1e-4, grad_scale=None, hess_scale=None),
        solver=Solver(max_iter=None, max_step=1.0, stall_iter=15, linear_solver="auto"),
        rng=0)
    assert explicit.identical(implicit)
    # A rule's name stands for Starts(rule); ints are accepted where floats are meant.
    named = find_critical_points(small_field, 20, starts="mixed",
                                 certificate=Certificate(merge_tol=1e-4, flat_tol=1e-6),
                                 solver=Solver(max_step=1, max_iter=200), rng=0)
    assert named.identical(implicit)


def test_provenance_records_every_option_field_and_recomputes_the_result(small_field):
    starts = Starts("trajectory", scale=0.5, trajectory_points=3, trajectory_steps=50)
    certificate = Certificate(grad_tol=1e-9, merge_tol=1e-3)
    solver = Solver(max_iter=60, stall_iter=20, linear_solver="hvp")
    kwargs = dict(method="newton", starts=starts, certificate=certificate, solver=solver)
    cps = find_critical_points(small_field, 6, rng=np.random.SeedSequence(8, spawn_key=(2,)),
                               **kwargs)
    attrs = cps.attrs
    assert list(attrs)[2:5] == ["library_version", "seed_entropy", "seed_spawn_key"]
    assert (attrs["seed_entropy"], attrs["seed_spawn_key"]) == ("8", "[2]")
    assert (attrs["starts"], attrs["start_scale"], attrs["trajectory_fraction"],
            attrs["trajectory_points"], attrs["trajectory_steps"]) == ("trajectory", 0.5, 0.5,
                                                                      3, 50)
    for field in ("grad_tol", "flat_tol", "degenerate_tol", "merge_tol"):
        assert attrs[field] == getattr(certificate, field), field
    assert attrs["grad_scale"] > 0 and attrs["hess_scale"] > 0  # estimated, then recorded
    # "newton" solves densely whatever linear_solver says; max_iter as given.
    assert (attrs["max_iter"], attrs["max_step"], attrs["stall_iter"],
            attrs["linear_solver"]) == (60, 1.0, 20, "dense")
    again = find_critical_points(small_field, attrs["n_starts"], rng=seed_from_provenance(attrs),
                                 **kwargs)
    assert again.identical(cps)


def test_options_are_frozen_values():
    assert Starts() == Starts("mixed") and hash(Certificate()) == hash(Certificate())
    assert Solver(max_step=2) == Solver(max_step=2.0) and Solver(max_step=2).max_step == 2.0
    assert isinstance(Certificate(grad_tol=1).grad_tol, float)
    with pytest.raises(dataclasses.FrozenInstanceError):
        Starts().rule = "random"  # type: ignore[misc]


@pytest.mark.parametrize(("cls", "field", "bad", "error"), [
    (Starts, "rule", "everywhere", ValueError),
    (Starts, "rule", 3, ValueError),
    (Starts, "scale", 0.0, ValueError),
    (Starts, "scale", -1.0, ValueError),
    (Starts, "scale", math.inf, ValueError),
    (Starts, "scale", "1", TypeError),
    (Starts, "trajectory_fraction", 1.5, ValueError),
    (Starts, "trajectory_fraction", -0.1, ValueError),
    (Starts, "trajectory_fraction", True, TypeError),
    (Starts, "trajectory_points", 0, ValueError),
    (Starts, "trajectory_points", 2.0, TypeError),
    (Starts, "trajectory_steps", 0, ValueError),
    (Certificate, "grad_tol", 0.0, ValueError),
    (Certificate, "grad_tol", "1e-8", TypeError),
    (Certificate, "flat_tol", -1e-3, ValueError),
    (Certificate, "degenerate_tol", math.inf, ValueError),
    (Certificate, "merge_tol", math.nan, ValueError),
    (Certificate, "grad_scale", 0.0, ValueError),
    (Certificate, "hess_scale", -2.0, ValueError),
    (Certificate, "hess_scale", "big", TypeError),
    (Solver, "max_iter", 0, ValueError),
    (Solver, "max_iter", 1.5, TypeError),
    (Solver, "max_step", 0.0, ValueError),
    (Solver, "stall_iter", 0, ValueError),
    (Solver, "stall_iter", True, TypeError),
    (Solver, "linear_solver", "cholesky", ValueError),
])
def test_option_classes_refuse_a_bad_field_naming_it(cls, field, bad, error):
    with pytest.raises(error, match=rf"{cls.__name__}\.{field}"):
        cls(**{field: bad})


# ------------------------------------------------------------- linear solves, line search ---


def test_dense_and_hvp_paths_converge_to_the_same_point_from_the_same_starts(small_field):
    # Starts within a twentieth of the length scale of a certified saddle or minimum lie in its
    # basin: the dense path (compiled MINRES on hess, lstsq fallback), MINRES on hvp (Krylov
    # least-squares fallback) and a surface without hess must all end there, within the
    # merge radius, from every start.
    scales = Certificate(grad_scale=5.0, hess_scale=1.0)
    ref = find_critical_points(small_field, 12, starts="random", certificate=scales, rng=0)
    x_star = ref.x.values[ref.kind.values != "not-critical"][0]
    length = ref.attrs["length_scale"]
    u = np.random.default_rng(7).standard_normal((4, 6))
    starts = x_star + 0.05 * length * u / np.linalg.norm(u, axis=1, keepdims=True)
    runs = {
        "dense": find_critical_points(small_field, starts=starts, certificate=scales, rng=0),
        "hvp": find_critical_points(small_field, starts=starts, certificate=scales,
                                    solver=Solver(linear_solver="hvp"), rng=0),
        "bare": find_critical_points(HvpOnly(small_field), starts=starts, certificate=scales,
                                     rng=0),
    }
    radius = ref.attrs["merge_tol"] * length
    for name, cps in runs.items():
        assert cps.attrs["linear_solver"] == ("dense" if name == "dense" else "hvp"), name
        assert cps.attrs["n_critical_hits"] == 4 and cps.sizes["point"] == 1, name
        assert np.linalg.norm(cps.x.values[0] - x_star) <= radius, name


def test_compiled_minres_is_scipys_minres():
    # The same recurrence and stopping tests: the iterates agree to rounding (relative 1e-10 on
    # systems of condition number <= 1e4) for definite and indefinite matrices and every
    # forcing term the solver uses; b = 0 gives 0, an eigenvector is solved in one step.
    import scipy.sparse.linalg

    from optim.critical._minres_kernels import minres_dense

    rng = np.random.default_rng(11)
    for n in (1, 6, 30):
        for shift in (0.0, 4.0):
            q = np.linalg.qr(rng.standard_normal((n, n)))[0]
            lam = rng.uniform(0.01, 1.0, n) * rng.choice([-1.0, 1.0], n) + shift
            h = (q * lam) @ q.T
            h = 0.5 * (h + h.T)
            b = rng.standard_normal(n)
            for rtol in (0.1, 1e-3, 1e-10):
                want = scipy.sparse.linalg.minres(h, b, rtol=rtol, maxiter=5 * n)[0]
                got = minres_dense(h, b, rtol, 5 * n)
                np.testing.assert_allclose(got, want, rtol=0, atol=1e-10 * np.abs(want).max())
    np.testing.assert_array_equal(minres_dense(np.eye(3), np.zeros(3), 0.1, 15), 0.0)
    h = np.diag([2.0, -3.0, 5.0])
    np.testing.assert_allclose(minres_dense(h, np.array([0.0, 6.0, 0.0]), 0.1, 15),
                               [0.0, -2.0, 0.0], rtol=1e-14)


def test_krylov_least_squares_fallback_is_the_pseudo_inverse_solution():
    # H of order 12 with a 3-dimensional null space and b with a part in it: with as many
    # Lanczos steps as the order, _krylov_lstsq is H^+ b (what lstsq gives on the dense path);
    # with b in a 4-dimensional invariant space the recurrence stops after 4 products, exact.
    import scipy.sparse.linalg

    from optim.critical.solvers import _krylov_lstsq

    rng = np.random.default_rng(5)
    q = np.linalg.qr(rng.standard_normal((12, 12)))[0]
    lam = np.concatenate([np.zeros(3), rng.uniform(0.5, 2.0, 9) * rng.choice([-1, 1], 9)])
    h = (q * lam) @ q.T
    calls = [0]

    def matvec(v):
        calls[0] += 1
        return h @ v

    op = scipy.sparse.linalg.LinearOperator((12, 12), matvec=matvec, dtype=np.float64)
    b = rng.standard_normal(12)
    want = np.linalg.pinv(h) @ b
    np.testing.assert_allclose(_krylov_lstsq(op, b, 12), want, atol=1e-10)
    b4 = q[:, [0, 3, 4, 5]] @ rng.standard_normal(4)  # one null direction, three others
    calls[0] = 0
    np.testing.assert_allclose(_krylov_lstsq(op, b4, 12), np.linalg.pinv(h) @ b4, atol=1e-10)
    assert calls[0] == 4


class Uphill:
    """``g(x) = x`` but ``hess = -I``: the Newton step ``p = x`` predicts a descent of
    ``|g|^2`` (``<p, H g> = -|x|^2``) while ``|g(x + a p)| = (1 + a) |x|`` rises for every
    ``a > 0``: no trial of the line search is accepted. Counts ``value_and_grad``."""

    dim = 3

    def __init__(self):
        self.calls = 0

    def value(self, x):
        return 0.5 * float(x @ x)

    def grad(self, x):
        return np.array(x, dtype=float)

    def value_and_grad(self, x):
        self.calls += 1
        return self.value(x), self.grad(x)

    def hvp(self, x, v):
        return -np.asarray(v, dtype=float)

    def hess(self, x):
        return -np.eye(3)


@pytest.mark.parametrize("method", ["newton", "newton-mr"])
def test_line_search_gives_up_after_eleven_trials(method):
    # The first trial is the unit step (|p| = 0.5 <= max_step = L = 1); the search halves it
    # down to 2^-10 and then gives up: 11 trials after the start's evaluation (41 when the
    # limit was 2^-40 of the step).
    f = Uphill()
    cps = find_critical_points(f, starts=np.array([[0.5, 0.0, 0.0]]), method=method,
                               certificate=Certificate(grad_scale=1.0, hess_scale=1.0), rng=0)
    assert cps.status.values.tolist() == ["unconverged"]
    assert cps.reason.values.tolist() == ["the line search found no step that lowers |g|^2"]
    assert int(cps.iterations[0]) == 0
    assert f.calls == 1 + 11


@pytest.mark.parametrize(("dim", "expected"), [(512, "dense"), (513, "hvp")])
def test_auto_linear_solver_takes_products_above_512_dimensions(dim, expected):
    # A network's dense Hessian costs dim products (fields.nn.MLP.hess): above 512 dimensions
    # "auto" solves with MINRES on hvp even where the surface has hess. Both end at the
    # quadratic's only critical point, the origin.
    q = RandomQuadratic(dim, shift=3.0, rng=0)
    cps = find_critical_points(q, starts=np.full((1, dim), 0.1),
                               certificate=Certificate(grad_scale=1.0, hess_scale=1.0), rng=0)
    assert cps.attrs["linear_solver"] == expected
    assert cps.attrs["n_critical"] == 1 and cps.kind.values.tolist() == ["minimum"]
    np.testing.assert_allclose(cps.x.values[0], 0.0, atol=1e-7)


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
    with pytest.raises(TypeError, match="certificate.*Certificate"):
        find_critical_points(f, certificate={"grad_tol": 1e-8})
    with pytest.raises(TypeError, match="solver.*Solver"):
        find_critical_points(f, solver=Certificate())
    with pytest.raises(TypeError, match="rng"):
        find_critical_points(f, rng="seed")
    with pytest.raises(TypeError, match="positional"):
        find_critical_points(f, 10, "newton")  # everything after n_starts is keyword-only
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
