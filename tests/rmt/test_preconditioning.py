"""Diagonal preconditioners, their stochastic estimates, condition numbers and the bound."""

import warnings

import numpy as np
import pytest
import scipy.linalg
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st
from reference import distinct_pair_sum, off_diagonal_square_sum

from rmt.preconditioning import (
    abs_diagonal,
    condition_number,
    equilibration_diagonal,
    estimate_equilibration,
    estimate_jacobi,
    jacobi_diagonal,
    log_guggenheimer_bound,
    preconditioned_condition_number,
    preconditioning_experiment,
)

EPS = np.finfo(float).eps


# --------------------------------------------------------------------------------------------
# Slow, obviously-correct references and test matrices
# --------------------------------------------------------------------------------------------
def jacobi_loop(H):
    return np.array([abs(H[i, i]) for i in range(H.shape[0])])


def equilibration_loop(H):
    n = H.shape[0]
    return np.array([np.sqrt(sum(abs(H[i, j]) ** 2 for j in range(n))) for i in range(n)])


def abs_diagonal_loop(H):
    # diag(|H|)_i = sum_j |lambda_j| |q_ij|^2, one eigenpair at a time.
    w, Q = np.linalg.eigh(H)
    n = H.shape[0]
    return np.array([sum(abs(w[j]) * abs(Q[i, j]) ** 2 for j in range(n)) for i in range(n)])


def kappa_svd(A):
    s = np.linalg.svd(A, compute_uv=False)
    return s[0] / s[-1]


def haar(n, rng):
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


def random_symmetric(n, rng, sigma=1.0):
    """A badly scaled indefinite symmetric matrix S A S with A = (G + G^T)/2."""
    g = rng.standard_normal((n, n))
    s = np.exp(sigma * rng.standard_normal(n))
    return s[:, None] * (g + g.T) / 2 * s[None, :]


@st.composite
def symmetric_with_known_spectrum(draw):
    """H = S Q diag(lambda) Q^T S with |lambda| in [1e-3, 1e3]: kappa is finite, at most ~1e8.

    Keeping kappa below ~1e8 keeps rounding far below the bound's slack; see the tolerance in
    test_guggenheimer_bound_holds.
    """
    n = draw(st.integers(min_value=1, max_value=8))
    log_mag = draw(st.lists(st.floats(-3, 3), min_size=n, max_size=n))
    signs = draw(st.lists(st.sampled_from([-1.0, 1.0]), min_size=n, max_size=n))
    log_s = draw(st.lists(st.floats(-1, 1), min_size=n, max_size=n))
    seed = draw(st.integers(min_value=0, max_value=2**32 - 1))
    q = haar(n, np.random.default_rng(seed))
    lam = np.array(signs) * 10.0 ** np.array(log_mag)
    s = 10.0 ** np.array(log_s)
    A = (q * lam) @ q.T
    H = s[:, None] * (A + A.T) / 2 * s[None, :]
    return H


# --------------------------------------------------------------------------------------------
# The three diagonals
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("n", [1, 2, 7, 30])
def test_diagonals_match_loops(n):
    H = random_symmetric(n, np.random.default_rng(n))
    np.testing.assert_array_equal(jacobi_diagonal(H), jacobi_loop(H))
    np.testing.assert_allclose(equilibration_diagonal(H), equilibration_loop(H), rtol=1e-13)
    np.testing.assert_allclose(abs_diagonal(H), abs_diagonal_loop(H), rtol=1e-12)


def test_abs_diagonal_against_matrix_square_root():
    # |H| = sqrtm(H^2) is an independent definition (no eigh). sqrtm is accurate to about
    # kappa(H) * eps relative; kappa here is ~1e2, so 1e-10 is generous.
    rng = np.random.default_rng(1)
    H = random_symmetric(12, rng, sigma=0.3)
    reference = np.real(np.diag(scipy.linalg.sqrtm(H @ H)))
    np.testing.assert_allclose(abs_diagonal(H), reference, rtol=1e-10)


def test_diagonals_on_complex_hermitian():
    rng = np.random.default_rng(2)
    g = rng.standard_normal((6, 6)) + 1j * rng.standard_normal((6, 6))
    H = (g + g.conj().T) / 2
    np.testing.assert_allclose(jacobi_diagonal(H), jacobi_loop(H), rtol=1e-15)
    np.testing.assert_allclose(equilibration_diagonal(H), equilibration_loop(H), rtol=1e-13)
    np.testing.assert_allclose(abs_diagonal(H), abs_diagonal_loop(H), rtol=1e-12)


def test_diagonals_on_stacks_equal_one_at_a_time():
    rng = np.random.default_rng(3)
    stack = np.stack([[random_symmetric(5, rng) for _ in range(3)] for _ in range(2)])
    for f in (jacobi_diagonal, equilibration_diagonal, abs_diagonal):
        out = f(stack)
        assert out.shape == (2, 3, 5)
        for a in range(2):
            for b in range(3):
                np.testing.assert_allclose(out[a, b], f(stack[a, b]), rtol=1e-13)


def test_integer_and_positive_definite_input():
    # For a positive semi-definite H, |H| = H, so the abs diagonal equals Jacobi.
    H = np.array([[2, 1], [1, 2]])
    np.testing.assert_array_equal(jacobi_diagonal(H), [2.0, 2.0])
    np.testing.assert_allclose(abs_diagonal(H), [2.0, 2.0], rtol=1e-14)
    np.testing.assert_allclose(equilibration_diagonal(H), [np.sqrt(5.0)] * 2, rtol=1e-15)


@pytest.mark.parametrize("s", [1e300, 1e-300, 1e-310])
def test_equilibration_diagonal_at_extreme_scales(s):
    # Row norms of s H are s times those of H: the squares of entries 1e300 overflowed (inf)
    # and of 1e-300 underflowed (0). Each entry of s H is rounded by half an ulp of itself, or
    # by half the subnormal spacing; a norm moves by at most the norm of those errors.
    rng = np.random.default_rng(11)
    g = rng.standard_normal((6, 6)) + 1j * rng.standard_normal((6, 6))
    for H in (random_symmetric(6, rng), (g + g.conj().T) / 2):
        want = equilibration_loop(H)
        err = np.sqrt(6) * 0.5 * (2.0**-1074 / s)
        got = equilibration_diagonal(H * s)
        assert np.all(np.isfinite(got))
        np.testing.assert_allclose(got / s, want, rtol=4 * EPS, atol=err)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(symmetric_with_known_spectrum())
def test_jacobi_le_abs_le_equilibration(H):
    # Jensen with weights q_ij^2 (summing to 1 over j):
    # |sum w lambda| <= sum w |lambda| <= sqrt(sum w lambda^2). Rounding: a few eps relative
    # to the row norm.
    jac, ab, eq = jacobi_diagonal(H), abs_diagonal(H), equilibration_diagonal(H)
    tol = 1e-12 * eq
    assert np.all(jac <= ab + tol)
    assert np.all(ab <= eq + tol)


def test_jacobi_cancels_at_a_saddle():
    # A saddle whose diagonal is exactly zero: every coordinate mixes a positive and a negative
    # curvature that cancel, although the rows are far from zero.
    H = np.array([[0.0, 2.0, 1.0], [2.0, 0.0, -1.0], [1.0, -1.0, 0.0]])
    eig = np.linalg.eigvalsh(H)
    assert eig.min() < 0 < eig.max()
    np.testing.assert_array_equal(jacobi_diagonal(H), 0.0)
    assert np.all(equilibration_diagonal(H) > 1.0)
    assert np.all(abs_diagonal(H) > 1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert preconditioned_condition_number(H, jacobi_diagonal(H)) == np.inf
        k_eq = preconditioned_condition_number(H, equilibration_diagonal(H))
        k_abs = preconditioned_condition_number(H, abs_diagonal(H))
    assert np.isfinite(k_eq) and np.isfinite(k_abs)
    # The classic 2 x 2 saddle: H = R diag(1, -1) R^T with R a 45 degree rotation.
    assert preconditioned_condition_number([[0.0, 1.0], [1.0, 0.0]], [0.0, 0.0]) == np.inf


# --------------------------------------------------------------------------------------------
# Condition numbers
# --------------------------------------------------------------------------------------------
def test_condition_number_against_svd():
    rng = np.random.default_rng(4)
    for n in (1, 3, 20):
        H = random_symmetric(n, rng)
        assert condition_number(H) == pytest.approx(kappa_svd(H), rel=1e-10)
    stack = np.stack([random_symmetric(4, rng) for _ in range(5)])
    out = condition_number(stack)
    assert out.shape == (5,)
    np.testing.assert_allclose(out, [kappa_svd(h) for h in stack], rtol=1e-10)


def test_condition_number_of_singular_matrices_is_inf():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert condition_number(np.zeros((3, 3))) == np.inf
        assert condition_number(np.diag([1.0, 0.0, -2.0])) == np.inf
    assert condition_number(np.diag([3.0, -1.5])) == 2.0


def test_preconditioned_condition_number_against_reference():
    # Reference: eigenvalues of the non-symmetric, similar D^{-1} H.
    rng = np.random.default_rng(5)
    H = random_symmetric(10, rng)
    d = np.exp(rng.standard_normal(10))
    mu = np.abs(np.linalg.eigvals(H / d[:, None]))
    expected = mu.max() / mu.min()
    assert preconditioned_condition_number(H, d) == pytest.approx(expected, rel=1e-8)
    # Only the ratios of d matter.
    assert preconditioned_condition_number(H, 1e-200 * d) == pytest.approx(expected, rel=1e-8)
    assert preconditioned_condition_number(H, np.ones(10)) == pytest.approx(
        condition_number(H), rel=1e-12)


def test_preconditioned_condition_number_on_stacks():
    rng = np.random.default_rng(6)
    stack = np.stack([random_symmetric(4, rng) for _ in range(3)])
    d = np.exp(rng.standard_normal((3, 4)))
    d[1, 2] = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = preconditioned_condition_number(stack, d)
        shared = preconditioned_condition_number(stack, d[0])  # one d for every matrix
    assert out[1] == np.inf
    for k in (0, 2):
        assert out[k] == pytest.approx(preconditioned_condition_number(stack[k], d[k]), rel=1e-12)
    for k in range(3):
        assert shared[k] == pytest.approx(preconditioned_condition_number(stack[k], d[0]),
                                          rel=1e-12)


def test_preconditioned_condition_number_overflow_is_inf_without_warning():
    # d spanning 320 decades: the scaled matrix overflows; treated like a zero entry.
    H = np.array([[1.0, 0.5], [0.5, 1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert preconditioned_condition_number(H, [1e-320, 1.0]) == np.inf


# --------------------------------------------------------------------------------------------
# The Guggenheimer-Edelman-Johnson bound
# --------------------------------------------------------------------------------------------
def log_bound_direct(A):
    n = A.shape[0]
    return np.log(2 / abs(np.linalg.det(A)) * (np.linalg.norm(A) / np.sqrt(n)) ** n)


def test_bound_values():
    assert log_guggenheimer_bound(np.eye(4)) == pytest.approx(np.log(2.0), abs=1e-14)
    # 2 x 2 diagonal (a, b): bound = 2 (a^2 + b^2) / (2 a b) = kappa + 1/kappa, nearly tight.
    assert log_guggenheimer_bound(np.diag([10.0, -1.0])) == pytest.approx(np.log(10.1), rel=1e-14)
    rng = np.random.default_rng(7)
    A = rng.standard_normal((6, 6))  # not symmetric: allowed
    assert log_guggenheimer_bound(A) == pytest.approx(log_bound_direct(A), rel=1e-12)
    stack = rng.standard_normal((3, 5, 5))
    np.testing.assert_allclose(log_guggenheimer_bound(stack),
                               [log_bound_direct(a) for a in stack], rtol=1e-12)


def test_bound_is_computed_in_log_space():
    # The bound is invariant under A -> c A; in linear space (||A||_F / sqrt n)^n and det A
    # overflow for c = 1e200 (and for n = 400 at c = 1 the determinant alone underflows).
    rng = np.random.default_rng(8)
    A = rng.standard_normal((400, 400))
    ref = log_guggenheimer_bound(A)
    assert np.isfinite(ref)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert log_guggenheimer_bound(1e200 * A) == pytest.approx(ref, rel=1e-12)
        assert log_guggenheimer_bound(1e-200 * A) == pytest.approx(ref, rel=1e-12)
        assert log_guggenheimer_bound(np.zeros((3, 3))) == np.inf
        assert log_guggenheimer_bound(np.ones((3, 3))) == np.inf


@settings(max_examples=150, deadline=None, derandomize=True)
@given(symmetric_with_known_spectrum())
def test_guggenheimer_bound_holds(H):
    # Exact arithmetic gives log kappa < bound, and the slack can be as small as
    # log(1 + 1/kappa^2) (2 x 2 case), so rounding matters. Backward-stable eigvalsh and
    # slogdet perturb log(min |lambda|) and log|det| by about n eps kappa; allow 100 times that.
    kappa = condition_number(H)
    tol = 100 * H.shape[0] * EPS * kappa
    assert np.log(kappa) <= log_guggenheimer_bound(H) + tol


@settings(max_examples=100, deadline=None, derandomize=True)
@given(symmetric_with_known_spectrum(), st.integers(min_value=0, max_value=2**32 - 1))
def test_equilibration_minimises_the_bound_over_left_scalings(H, seed):
    # AM-GM (see log_guggenheimer_bound's Notes): for D^{-1} H the bound is minimised by
    # d = row norms, with minimum log 2 - log|det H| + sum log ||H_i||. Rounding: the terms are
    # O(n * 10) in size, so 1e-9 absolute is far above the few-eps error and far below any gap
    # a wrong scaling would leave.
    n = H.shape[0]
    r = equilibration_diagonal(H)
    best = log_guggenheimer_bound(H / r[:, None])
    closed_form = np.log(2) - np.linalg.slogdet(H)[1] + np.log(r).sum()
    assert best == pytest.approx(closed_form, abs=1e-9)
    rng = np.random.default_rng(seed)
    candidates = [np.exp(2 * rng.standard_normal(n)) for _ in range(5)]
    candidates += [jacobi_diagonal(H), abs_diagonal(H), np.ones(n)]
    for d in candidates:
        if np.any(d == 0):
            continue
        left = log_guggenheimer_bound(H / d[:, None])
        assert best <= left + 1e-9
        # The symmetric scaling has the same determinant and a smaller Frobenius norm, and
        # log kappa(D^{-1/2} H D^{-1/2}) <= log kappa_2(D^{-1} H) (|eigenvalues| lie between
        # the extreme singular values).
        sym = H / np.sqrt(np.outer(d, d))
        assert log_guggenheimer_bound(sym) <= left + 1e-9
        log_kappa_sym = np.log(preconditioned_condition_number(H, d))
        log_kappa_left = np.log(kappa_svd(H / d[:, None]))
        tol = 100 * n * EPS * np.exp(log_kappa_left)
        assert log_kappa_sym <= log_kappa_left + tol
        assert log_kappa_left <= left + tol


def test_row_norms_do_not_minimise_the_symmetric_scaling_bound():
    # The minimiser for D^{-1/2} H D^{-1/2} is the symmetric equilibration (equal row norms of
    # the scaled matrix), found here by the fixed-point iteration d <- d * rownorm(scaled).
    # The row norms of H itself are not it, so the theorem is about left scaling.
    H = random_symmetric(8, np.random.default_rng(9), sigma=1.5)
    r = equilibration_diagonal(H)
    d = r.copy()
    for _ in range(200):
        d = d * equilibration_diagonal(H / np.sqrt(np.outer(d, d)))
    scaled = H / np.sqrt(np.outer(d, d))
    rows = equilibration_diagonal(scaled)
    np.testing.assert_allclose(rows, rows.mean(), rtol=1e-6)
    at_row_norms = log_guggenheimer_bound(H / np.sqrt(np.outer(r, r)))
    assert log_guggenheimer_bound(scaled) < at_row_norms - 0.1


# --------------------------------------------------------------------------------------------
# Stochastic estimators
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def saddle_matrix():
    return random_symmetric(12, np.random.default_rng(10), sigma=0.5)


@pytest.mark.parametrize("probe", ["gaussian", "rademacher"])
def test_estimators_are_unbiased_within_five_standard_errors(saddle_matrix, probe):
    # The estimators average m i.i.d. terms, so each coordinate has standard error
    # sqrt(Var(term) / m). Per-term variances (derived in the estimators' Notes):
    #   Jacobi, v_i (Hv)_i:  Gaussian  2 H_ii^2 + sum_{j!=i} H_ij^2;  Rademacher sum_{j!=i} H_ij^2
    #   equilibration, (Hv)_i^2:  Gaussian  2 r_i^4;  Rademacher  2 r_i^4 - 2 sum_j H_ij^4
    # with r_i = ||H_i,:||. m = 4000 makes the CLT accurate even for chi^2_1 terms; 5 SE on
    # 12 coordinates x 2 estimators has a false-alarm rate below 1e-5 and the seed is fixed.
    H = saddle_matrix
    m = 4000
    diag = np.diag(H)
    off = off_diagonal_square_sum(H)
    r2 = (H**2).sum(axis=1)
    if probe == "gaussian":
        var_jac, var_eq = 2 * diag**2 + off, 2 * r2**2
    else:
        var_jac, var_eq = off, 2 * distinct_pair_sum(H * H)
    jac = estimate_jacobi(lambda v: H @ v, 12, n_samples=m, rng=11, probe=probe, batched=True)
    eq = estimate_equilibration(lambda v: H @ v, 12, n_samples=m, rng=12, probe=probe,
                                batched=True)
    # ||mean| - |H_ii|| <= |mean - H_ii|, so the absolute value keeps the 5 SE test valid.
    assert np.all(np.abs(jac - np.abs(diag)) < 5 * np.sqrt(var_jac / m))
    assert np.all(np.abs(eq**2 - r2) < 5 * np.sqrt(var_eq / m))


def test_rademacher_identity():
    # v_i^2 = 1 exactly, so (v * Hv)^2 == (Hv)^2 bit for bit; through the public API, one
    # Rademacher probe gives |v_i (Hv)_i| for Jacobi and sqrt((Hv)_i^2) for equilibration.
    H = random_symmetric(9, np.random.default_rng(13))
    v = np.where(np.random.default_rng(14).random(9) < 0.5, -1.0, 1.0)
    np.testing.assert_array_equal((v * (H @ v)) ** 2, (H @ v) ** 2)
    for seed in range(5):
        jac = estimate_jacobi(lambda x: H @ x, 9, n_samples=1, rng=seed, probe="rademacher")
        eq = estimate_equilibration(lambda x: H @ x, 9, n_samples=1, rng=seed,
                                    probe="rademacher")
        np.testing.assert_array_equal(jac, eq)


def test_diagonal_matrix_is_estimated_exactly_with_rademacher_probes():
    H = np.diag([1.0, -2.0, 0.0, 5.0])
    for f in (estimate_jacobi, estimate_equilibration):
        out = f(lambda v: H @ v, 4, n_samples=3, rng=0, probe="rademacher")
        np.testing.assert_array_equal(out, [1.0, 2.0, 0.0, 5.0])


@pytest.mark.parametrize("probe", ["gaussian", "rademacher"])
@pytest.mark.parametrize("estimator", [estimate_jacobi, estimate_equilibration])
def test_batched_equals_unbatched_and_is_reproducible(estimator, probe):
    H = random_symmetric(7, np.random.default_rng(15))
    calls = []

    def matvec(v):
        calls.append(v.shape)
        return H @ v

    one = estimator(matvec, 7, n_samples=50, rng=16, probe=probe)
    assert calls == [(7,)] * 50
    calls.clear()
    block = estimator(matvec, 7, n_samples=50, rng=16, probe=probe, batched=True)
    assert calls == [(7, 50)]
    np.testing.assert_allclose(block, one, rtol=1e-12)
    again = estimator(matvec, 7, n_samples=50, rng=np.random.default_rng(16), probe=probe)
    np.testing.assert_array_equal(again, one)


# --------------------------------------------------------------------------------------------
# The convex / non-convex experiment
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def experiment():
    # n = 50, 100 replicates: under a second single-threaded. Over 20 seeds this size gave
    #   non-convex: median reduction equilibration - Jacobi = 0.58 +- 0.035 decades (mean +- sd),
    #               |H| - Jacobi = 0.65 +- 0.033;
    #   convex:     spread of the three medians = 0.060 +- 0.012, each median 1.03 +- 0.02.
    return preconditioning_experiment(n=50, n_matrices=100, rng=2015)


def test_experiment_shows_the_talks_phenomenon(experiment):
    med = experiment.log10_reduction.median("matrix")
    convex = med.sel(kind="convex", preconditioner=["jacobi", "equilibration", "abs"])
    non_convex = med.sel(kind="non-convex")
    # Non-convex: equilibration and |H| beat Jacobi by more than 0.3 decades (a factor 2 in
    # kappa); observed 0.58 and 0.65, each about 8 sd above the margin. Equal preconditioners,
    # or signs that never reach the eigenvalues, give 0 and fail.
    assert non_convex.sel(preconditioner="equilibration") > (
        non_convex.sel(preconditioner="jacobi") + 0.3)
    assert non_convex.sel(preconditioner="abs") > non_convex.sel(preconditioner="jacobi") + 0.3
    # Convex: all three within 0.15 decades of each other (observed 0.06 +- 0.012), half the
    # non-convex margin, and each a large improvement (> 0.5 decades; observed about 1.0).
    assert float(convex.max() - convex.min()) < 0.15
    assert float(convex.min()) > 0.5


def test_experiment_structure(experiment):
    ds = experiment
    assert dict(ds.sizes) == {"kind": 2, "preconditioner": 4, "matrix": 100}
    assert list(ds.kind.values) == ["convex", "non-convex"]
    assert list(ds.preconditioner.values) == ["none", "jacobi", "equilibration", "abs"]
    for name in ("log10_condition", "log10_reduction"):
        assert ds[name].dims == ("kind", "preconditioner", "matrix")
        assert {"long_name", "units"} <= set(ds[name].attrs)
        assert np.all(np.isfinite(ds[name].values))
    for key in ("library_version", "seed_entropy", "n", "n_matrices", "scale_sigma", "aspect"):
        assert key in ds.attrs
    assert ds.attrs["seed_entropy"] == "2015"
    np.testing.assert_array_equal(ds.log10_reduction.sel(preconditioner="none"), 0.0)
    # For a positive definite H, |H| = H: the abs preconditioner is Jacobi up to rounding.
    np.testing.assert_allclose(
        ds.log10_condition.sel(kind="convex", preconditioner="abs"),
        ds.log10_condition.sel(kind="convex", preconditioner="jacobi"), atol=1e-8)
    # Every condition number is at least 1.
    assert float(ds.log10_condition.min()) >= -1e-12


def test_experiment_is_reproducible():
    a = preconditioning_experiment(n=12, n_matrices=5, rng=3)
    b = preconditioning_experiment(n=12, n_matrices=5, rng=3)
    xr.testing.assert_identical(a, b)
    ss = np.random.SeedSequence(3)
    c = preconditioning_experiment(n=12, n_matrices=5, rng=ss)
    d = preconditioning_experiment(n=12, n_matrices=5, rng=ss)
    xr.testing.assert_identical(c, d)
    xr.testing.assert_equal(a, c)
    # Replicate j depends only on (seed, j), not on how many replicates were asked for.
    e = preconditioning_experiment(n=12, n_matrices=3, rng=3)
    xr.testing.assert_equal(e.log10_condition, a.log10_condition.isel(matrix=slice(3)))
    f = preconditioning_experiment(n=12, n_matrices=5, rng=4)
    assert not np.array_equal(f.log10_condition.values, a.log10_condition.values)
    g = preconditioning_experiment(n=12, n_matrices=2, rng=np.random.default_rng(5))
    assert g.sizes["matrix"] == 2


# --------------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------------
MATRIX_FUNCTIONS = [jacobi_diagonal, equilibration_diagonal, abs_diagonal, condition_number]


@pytest.mark.parametrize("f", MATRIX_FUNCTIONS)
@pytest.mark.parametrize(
    "bad, error",
    [
        (np.array([[1.0, 2.0], [0.0, 1.0]]), ValueError),  # not symmetric
        (np.array([[1.0, np.nan], [np.nan, 1.0]]), ValueError),
        (np.array([[1.0, np.inf], [np.inf, 1.0]]), ValueError),
        (np.ones((2, 3)), ValueError),
        (np.ones(3), ValueError),
        (np.ones((0, 0)), ValueError),
        (np.array([["a", "b"], ["b", "a"]]), TypeError),
    ],
)
def test_bad_matrices_are_refused(f, bad, error):
    with pytest.raises(error, match="H"):
        f(bad)


@pytest.mark.parametrize(
    "d, error, match",
    [
        ([1.0, 2.0], ValueError, "d must have length"),
        ([1.0, -1.0, 2.0], ValueError, "d must be non-negative"),
        ([1.0, np.nan, 2.0], ValueError, "d must be finite"),
        ([1.0, np.inf, 2.0], ValueError, "d must be finite"),
        (np.ones((4, 3)), ValueError, "d of shape"),
        (["a", "b", "c"], TypeError, "d must hold real numbers"),
        (2.0, ValueError, "d must have at least 1"),
    ],
)
def test_bad_preconditioner_is_refused(d, error, match):
    with pytest.raises(error, match=match):
        preconditioned_condition_number(np.eye(3), d)
    with pytest.raises(ValueError, match="H must be symmetric"):
        preconditioned_condition_number(np.triu(np.ones((3, 3))), np.ones(3))


@pytest.mark.parametrize(
    "bad, error",
    [
        (np.ones((2, 3)), ValueError),
        (np.ones((0, 0)), ValueError),
        (np.array([[1.0, np.nan], [0.0, 1.0]]), ValueError),
        (np.array([["a"]]), TypeError),
    ],
)
def test_bound_refuses_bad_matrices(bad, error):
    with pytest.raises(error, match="A"):
        log_guggenheimer_bound(bad)


@pytest.mark.parametrize("estimator", [estimate_jacobi, estimate_equilibration])
def test_estimators_refuse_bad_arguments(estimator):
    H = np.eye(3)

    def ok(v):
        return H @ v

    with pytest.raises(TypeError, match="matvec must be callable"):
        estimator(H, 3)
    with pytest.raises(ValueError, match="dim must be an integer >= 1"):
        estimator(ok, 0)
    with pytest.raises(TypeError, match="dim must be an integer"):
        estimator(ok, 3.0)
    with pytest.raises(ValueError, match="n_samples must be an integer >= 1"):
        estimator(ok, 3, n_samples=0)
    with pytest.raises(ValueError, match="n_samples must be an integer >= 1"):
        estimator(ok, 3, n_samples=-5)
    with pytest.raises(ValueError, match="probe must be one of"):
        estimator(ok, 3, probe="uniform")
    with pytest.raises(TypeError, match="batched must be a bool"):
        estimator(ok, 3, batched="yes")
    with pytest.raises(TypeError, match="rng"):
        estimator(ok, 3, rng="seed")
    with pytest.raises(ValueError, match=r"matvec must return an array of shape \(3,\)"):
        estimator(lambda v: np.ones(4), 3)
    with pytest.raises(ValueError, match=r"matvec must return an array of shape \(3, 10\)"):
        estimator(lambda v: np.ones(3), 3, n_samples=10, batched=True)
    with pytest.raises(ValueError, match="matvec output must be finite"):
        estimator(lambda v: np.full(3, np.nan), 3)
    with pytest.raises(TypeError, match="matvec output must hold real numbers"):
        estimator(lambda v: v + 1j, 3)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"n": 0}, ValueError, "n must be an integer >= 1"),
        ({"n": -3}, ValueError, "n must be an integer >= 1"),
        ({"n": 2.5}, TypeError, "n must be an integer"),
        ({"n_matrices": 0}, ValueError, "n_matrices must be an integer >= 1"),
        ({"scale_sigma": -1.0}, ValueError, "scale_sigma must be a finite number >= 0"),
        ({"scale_sigma": np.nan}, ValueError, "scale_sigma must be a finite number"),
        ({"aspect": 0.5}, ValueError, "aspect must be >= 1"),
        ({"aspect": "2"}, TypeError, "aspect must be a real number"),
        ({"rng": -1}, ValueError, "rng seed must be a non-negative integer"),
        ({"rng": 1.5}, TypeError, "rng must be"),
    ],
)
def test_experiment_refuses_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        preconditioning_experiment(**{"n": 4, "n_matrices": 2, **kwargs})
