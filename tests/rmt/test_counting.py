"""Sturm counting, bisection and dense inertia against eigendecompositions."""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from reference import count_below_dense, dense_tridiagonal

import rmt

small_ints = st.integers(min_value=-3, max_value=3)


@st.composite
def integer_tridiagonals(draw):
    """Small integer tridiagonals: exact zero pivots and repeated eigenvalues are common."""
    n = draw(st.integers(min_value=1, max_value=12))
    d = np.array(draw(st.lists(small_ints, min_size=n, max_size=n)), dtype=float)
    e = np.array(draw(st.lists(small_ints, min_size=n - 1, max_size=n - 1)), dtype=float)
    return d, e


@settings(max_examples=400, deadline=None, derandomize=True)
@given(integer_tridiagonals(), st.integers(min_value=-8, max_value=8))
def test_count_matches_eigvalsh_at_integer_shifts(tri, x2):
    # Integer shifts of integer matrices make exact zero pivots happen (the guarded case);
    # x is kept away from eigenvalues, where "strictly below" is decided by rounding.
    d, e = tri
    x = x2 / 2
    eig = np.linalg.eigvalsh(dense_tridiagonal(d, e))
    assume(np.min(np.abs(eig - x)) > 1e-9)
    assert rmt.count_below(d, e, x) == int((eig < x).sum())


def test_zero_pivot_guard():
    # d = (0, 0), e = 1: the first pivot is exactly 0; eigenvalues are -1 and +1.
    assert rmt.count_below([0.0, 0.0], [1.0], 0.0) == 1
    # A zero pivot in the middle: leading 2x2 block [[1, 1], [1, 1]] is singular.
    d, e = np.array([1.0, 1.0, 3.0]), np.array([1.0, 1.0])
    for x in (-0.5, 0.5, 1.5, 2.5, 4.0):
        assert rmt.count_below(d, e, x) == count_below_dense(d, e, x)


def test_repeated_eigenvalues_from_split_matrix():
    # Zero off-diagonals split the matrix: eigenvalue 1 three times, 2 twice.
    d = np.array([1.0, 2.0, 1.0, 2.0, 1.0])
    e = np.zeros(4)
    assert rmt.count_below(d, e, [0.5, 1.5, 2.5]).tolist() == [0, 3, 5]
    assert rmt.eigenvalue_by_bisection(d, e, [0, 2, 3, 4]).tolist() == pytest.approx(
        [1, 1, 2, 2], abs=1e-14)


def test_count_on_random_models_and_batches():
    d, e = rmt.hermite_tridiagonal(300, beta=1, rng=0, size=(2, 3))
    x = np.array([[-1.0, 0.0], [0.3, 2.5]])
    counts = rmt.count_below(d, e, x)
    assert counts.shape == (2, 3, 2, 2)
    for i in range(2):
        for j in range(3):
            for a in range(2):
                for b in range(2):
                    assert counts[i, j, a, b] == count_below_dense(d[i, j], e[i, j], x[a, b])


def test_bisection_matches_eigvalsh():
    d, e = rmt.hermite_tridiagonal(200, beta=2.5, rng=1)
    eig = np.linalg.eigvalsh(dense_tridiagonal(d, e))
    k = np.array([0, 1, 57, 198, 199])
    got = rmt.eigenvalue_by_bisection(d, e, k)
    # Bisection to a few ulps of the spectral radius; LAPACK is backward stable to the same.
    np.testing.assert_allclose(got, eig[k], rtol=0, atol=1e-13)
    assert rmt.eigenvalue_by_bisection(d, e, -1) == pytest.approx(eig[-1], abs=1e-13)


def test_counting_function_and_histogram():
    d, e = rmt.hermite_tridiagonal(500, rng=2)
    eig = np.linalg.eigvalsh(dense_tridiagonal(d, e))
    edges = np.linspace(-2.5, 2.5, 21)
    counts, got_edges = rmt.spectral_histogram(d, e, edges)
    np.testing.assert_array_equal(counts, np.histogram(eig, edges)[0])
    np.testing.assert_array_equal(got_edges, edges)
    dens, _ = rmt.spectral_histogram(d, e, edges, density=True)
    np.testing.assert_allclose(dens, np.histogram(eig, edges, density=True)[0])
    np.testing.assert_allclose(rmt.counting_function(d, e, edges),
                               (eig[:, None] < edges).mean(axis=0))


@pytest.mark.parametrize("beta", [1, 2])
def test_dense_index_is_inertia(beta):
    rng = np.random.default_rng(3)
    for n in (1, 2, 7, 60):
        H = rmt.wigner(n, beta=beta, rng=rng, size=5)
        want = (np.linalg.eigvalsh(H) < 0).sum(axis=-1)
        np.testing.assert_array_equal(rmt.index(H), want)
    assert rmt.index(np.diag([-1.0, 2.0, -3.0])) == 2
    # 2 x 2 pivots of Bunch-Kaufman: a zero diagonal forces them.
    J = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, -1.0]])
    assert rmt.index(J) == 2
    assert rmt.index(-np.eye(3)[None].repeat(2, axis=0)).tolist() == [3, 3]


@pytest.mark.parametrize("beta", [1, 2])
def test_dense_index_with_a_shift_counts_the_eigenvalues_below_it(beta):
    rng = np.random.default_rng(5)
    H = rmt.wigner(80, beta=beta, rng=rng, size=3)
    eig = np.linalg.eigvalsh(H)
    for shift in (-1.5, -1e-3, 0.7, 4.0):
        np.testing.assert_array_equal(rmt.index(H, shift=shift), (eig < shift).sum(axis=-1))
    # A null space within a tolerance: the eigenvalues in [-tau, tau) of a matrix with a
    # 5-dimensional kernel (exact zeros, rotated so that rounding makes them +-1e-16).
    q = np.linalg.qr(rng.standard_normal((40, 40)))[0]
    lam = np.concatenate([np.zeros(5), rng.uniform(0.5, 2.0, 20), -rng.uniform(0.5, 2.0, 15)])
    M = (q * lam) @ q.T
    M = 0.5 * (M + M.T)
    tau = 1e-10
    assert rmt.index(M, shift=tau) - rmt.index(M, shift=-tau) == 5
    assert rmt.index(M, shift=-tau) == 15
    with pytest.raises(TypeError, match="shift"):
        rmt.index(M, shift=np.nan)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: rmt.count_below([], [], 0.0), "d must hold"),
        (lambda: rmt.count_below([1.0, 2.0], [1.0, 2.0], 0.0), "e must have shape"),
        (lambda: rmt.count_below([1.0, np.nan], [1.0], 0.0), "d must be finite"),
        (lambda: rmt.count_below([1.0, 2.0], [np.inf], 0.0), "e must be finite"),
        (lambda: rmt.count_below([1.0, 2.0], [1.0], np.nan), "x must be finite"),
        (lambda: rmt.spectral_histogram([1.0], [], [1.0, 0.0]), "bins"),
        (lambda: rmt.eigenvalue_by_bisection([1.0, 2.0], [1.0], 2), "k must lie"),
        (lambda: rmt.index(np.array([[1.0, 2.0], [0.0, 1.0]])), "symmetric"),
        (lambda: rmt.index(np.array([[1.0, np.nan], [np.nan, 1.0]])), "finite"),
        (lambda: rmt.index(np.ones((2, 3))), "square"),
    ],
)
def test_bad_input_value_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: rmt.count_below(["a"], [], 0.0), "d must hold real"),
        (lambda: rmt.eigenvalue_by_bisection([1.0, 2.0], [1.0], 0.5), "k must be an integer"),
        (lambda: rmt.index(np.array([["a"]])), "H must be a numeric"),
    ],
)
def test_bad_input_type_errors(call, match):
    with pytest.raises(TypeError, match=match):
        call()


# --------------------------------------------------------------------------------------------
# count_below_and_log_det: the index and log|det| of T - x I in one Sturm pass
# --------------------------------------------------------------------------------------------


def test_count_and_log_det_match_the_dense_inertia_and_determinant():
    d, e = rmt.hermite_tridiagonal(300, beta=1, size=4, rng=5)
    xs = np.array([-2.5, -1.0, 0.0, 0.3, 1.7, 2.5])
    res = rmt.count_below_and_log_det(d, e, xs)
    assert res.count.shape == res.log_abs_det.shape == (4, 6)
    for b in range(4):
        full = dense_tridiagonal(d[b], e[b])
        for k, x in enumerate(xs):
            sign, logdet = np.linalg.slogdet(full - x * np.eye(300))
            assert res.count[b, k] == count_below_dense(d[b], e[b], x)
            # LU and the Sturm recurrence differ by rounding: a few ulps per pivot, summed.
            assert abs(res.log_abs_det[b, k] - logdet) <= 1e-10 * 300
    np.testing.assert_array_equal(res.count, rmt.count_below(d, e, xs))


def test_count_and_log_det_through_a_zero_pivot_and_at_a_singular_matrix():
    # [[0, 1], [1, 0]]: the first pivot is exactly 0, det = -1, one negative eigenvalue.
    res = rmt.count_below_and_log_det([0.0, 0.0], [1.0], 0.0)
    assert res.count == 1 and res.log_abs_det == pytest.approx(0.0, abs=1e-12)
    assert isinstance(res.count, int) and isinstance(res.log_abs_det, float)
    # diag(1, 2) at x = 2: singular, the last pivot is 0; the eigenvalue at the shift is not
    # below it (count_below's rule): only 1 is. At x = 1 the zero pivot ends a split block.
    res = rmt.count_below_and_log_det([1.0, 2.0], [0.0], [1.0, 2.0])
    assert res.count.tolist() == rmt.count_below([1.0, 2.0], [0.0], [1.0, 2.0]).tolist() == [0, 1]
    assert res.log_abs_det.tolist() == [-np.inf, -np.inf]


def test_count_and_log_det_refuse_bad_input():
    with pytest.raises(ValueError, match="e must have shape"):
        rmt.count_below_and_log_det([1.0, 2.0], [1.0, 2.0], 0.0)
    with pytest.raises(ValueError, match="x must be finite"):
        rmt.count_below_and_log_det([1.0, 2.0], [1.0], np.nan)


@pytest.mark.parametrize("n", [1, 3, 64, 257])
def test_two_stage_eigenvalues_are_numpys_to_rounding(n, monkeypatch):
    # The two-stage solver and eigvalsh are both backward stable: their eigenvalues agree to
    # O(n eps ||H||); the input is left alone; without the routine the result is eigvalsh's.
    H = rmt.goe(n, rng=n)
    before = H.copy()
    want = np.linalg.eigvalsh(H)
    got = rmt.symmetric_eigenvalues(H)
    np.testing.assert_array_equal(H, before)
    assert np.all(np.diff(got) >= 0)
    bound = n * np.finfo(float).eps * np.abs(want).max()
    np.testing.assert_allclose(got, want, rtol=0, atol=bound)
    monkeypatch.setattr(rmt.counting, "two_stage", lambda matrix: None)
    np.testing.assert_array_equal(rmt.symmetric_eigenvalues(H), want)


def test_two_stage_eigenvalues_of_complex_and_bad_matrices():
    H = rmt.gue(20, rng=2)
    np.testing.assert_allclose(rmt.symmetric_eigenvalues(H), np.linalg.eigvalsh(H), rtol=0,
                               atol=1e-12)
    with pytest.raises(ValueError, match="one square matrix"):
        rmt.symmetric_eigenvalues(rmt.goe(4, size=2, rng=0))
    with pytest.raises(ValueError, match="symmetric"):
        rmt.symmetric_eigenvalues(np.triu(np.ones((3, 3))))
