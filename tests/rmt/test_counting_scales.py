"""Sturm counts, bisection and the dense index at every scale of floating point, and ties.

Scaling a matrix and its threshold by ``s`` changes no count; a count is exact when the nearest
eigenvalue is farther from the threshold than the perturbation the input's own rounding makes
(Weyl: an eigenvalue moves by at most ``||dT||_2``). Ties follow one definition everywhere:
``count_below`` counts eigenvalues strictly below ``x``, ``rmt.index`` strictly negative ones.
"""

import warnings
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference import dense_tridiagonal

import rmt

EPS = np.finfo(np.float64).eps
#: The spacing of the subnormal doubles (half of it is the largest rounding error there).
SUBNORMAL_ULP = 2.0**-1074
N = 1000
#: Every tenth decade over the whole range of normal doubles.
SCALES = np.array([10.0**k for k in range(-300, 301, 10)])
#: Scales at which the entries of a unit-scale matrix are subnormal (fewer significant bits).
SUBNORMAL_SCALES = np.array([1e-310, 1e-315])


@pytest.fixture(scope="module")
def goe():
    """An N = 1000 GOE tridiagonal, thresholds, and its eigenvalues at scale 1."""
    d, e = rmt.hermite_tridiagonal(N, beta=1, rng=0)
    xs = np.array([-1.5, 0.0, 0.7, 1.9])
    return d, e, xs, np.linalg.eigvalsh(dense_tridiagonal(d, e))


def _weyl_bound(d, e, x, s):
    """Largest move of an eigenvalue relative to ``x``, in units of the unscaled matrix, caused
    by rounding ``d s``, ``e s`` and ``x s`` to doubles: ``||dT||_inf + |dx|`` (three entries a
    row), each entry off by half an ulp of itself, or by half the subnormal spacing."""
    def err(v):
        return np.maximum(0.5 * EPS * np.abs(v), 0.5 * (SUBNORMAL_ULP / s))
    return 3 * max(err(d).max(), err(e).max()) + err(x)


def _quiet(fn, *args):
    """``fn(*args)`` with every warning an error: nothing here may warn."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fn(*args)


def test_counts_are_exact_at_every_scale(goe):
    # One batch, every matrix at its own scale (each is scaled on its own): 1e-300 ... 1e300
    # and subnormal. The figures: 1 at s >= 1e155 (squares overflow), 501 at 1e-160
    # and 534 below 1e-170 (squares underflow), against 502.
    d, e, xs, eig = goe
    want = (eig[:, None] < xs).sum(axis=0)
    assert want[1] == 502
    scales = np.concatenate([SCALES, SUBNORMAL_SCALES])
    for s in scales:  # the theory's precondition: no eigenvalue within rounding of a threshold
        assert np.all(np.min(np.abs(eig[:, None] - xs), axis=0) > _weyl_bound(d, e, xs, s))
    # Every matrix against every scaled threshold (a batch shares its thresholds); the
    # diagonal pairs each matrix with its own.
    got = _quiet(rmt.count_below, d * scales[:, None], e * scales[:, None], xs * scales[:, None])
    assert got.shape == (scales.size, scales.size, xs.size)
    np.testing.assert_array_equal(np.diagonal(got, axis1=0, axis2=1).T,
                                  np.broadcast_to(want, (scales.size, xs.size)))


def test_counts_of_the_rounded_matrix_at_deep_subnormal_scales(goe):
    # At s = 1e-320 the entries keep about 11 bits: the input is another matrix, exactly
    # representable after an exact rescaling by 2^1000, and its count is what must come out.
    d, e, xs, _ = goe
    for s in (1e-318, 1e-320):
        ds, es, xss = d * s, e * s, xs * s
        up = [np.ldexp(v, 1000) for v in (ds, es, xss)]
        eig = np.linalg.eigvalsh(dense_tridiagonal(up[0], up[1]))
        # eigvalsh is backward stable: it decides the count only if no eigenvalue is within
        # N eps ||T|| of a threshold.
        gap = np.min(np.abs(eig[:, None] - up[2]), axis=0)
        assert np.all(gap > N * EPS * np.abs(eig).max())
        np.testing.assert_array_equal(_quiet(rmt.count_below, ds, es, xss),
                                      (eig[:, None] < up[2]).sum(axis=0))


def _exact_strict_count(d, e, x):
    """``#{lambda < x}`` of an integer tridiagonal, in exact rational arithmetic.

    The Sturm pivots' limits at ``x - 0``: every pivot decreases in ``x``, so one that is 0 at
    ``x`` is positive just below it (``"+0"``), the next is ``-inf`` (or ``d - x`` across a
    zero off-diagonal), and a quotient by ``-inf`` is 0.
    """
    count, q = 0, None
    for i, di in enumerate(d):
        base = Fraction(di) - Fraction(x)
        if i == 0 or q == "-inf":
            new = base
        elif q == "+0":
            new = "-inf" if e[i - 1] != 0 else base
        else:
            new = base - Fraction(e[i - 1]) ** 2 / q
        if new != "-inf" and new == 0:
            new = "+0"
        count += new == "-inf" or (new != "+0" and new < 0)
        q = new
    return count


def _exact_negative_inertia(A):
    """Negative eigenvalues of an integer symmetric matrix by exact symmetric elimination:
    1 x 1 pivots, or ``[[0, a], [a, 0]]`` (one negative eigenvalue) where the diagonal is 0."""
    A = [[Fraction(v) for v in row] for row in A]
    neg = 0
    while A:
        n = len(A)
        i = next((i for i in range(n) if A[i][i] != 0), None)
        if i is not None:
            p = A[i][i]
            neg += p < 0
            A = [[A[r][c] - A[r][i] * A[i][c] / p for c in range(n) if c != i]
                 for r in range(n) if r != i]
            continue
        pair = next(((i, j) for i in range(n) for j in range(n) if A[i][j] != 0), None)
        if pair is None:
            return neg  # the rest is zero: zero eigenvalues
        i, j = pair
        a = A[i][j]
        neg += 1
        keep = [r for r in range(n) if r not in (i, j)]
        A = [[A[r][c] - (A[r][i] * A[j][c] + A[r][j] * A[i][c]) / a for c in keep] for r in keep]
    return neg


@pytest.mark.parametrize("j", [-1074, -1072])
def test_counts_at_the_bottom_of_the_subnormals_are_the_exact_counts(goe, j):
    # At 2^-1074 the input is an integer multiple of the smallest double with entries of a few
    # units: many exact zero pivots and ties at the thresholds, which eigvalsh cannot decide.
    # The count must be that of the rounded matrix in exact arithmetic.
    d, e, xs, _ = goe
    s = 2.0**j
    units = [np.ldexp(v * s, 1074).astype(np.int64).tolist() for v in (d, e, xs)]
    want = [_exact_strict_count(units[0], units[1], x) for x in units[2]]
    assert _quiet(rmt.count_below, d * s, e * s, xs * s).tolist() == want
    assert _quiet(rmt.count_below_and_log_det, d * s, e * s, xs * s).count.tolist() == want
    H = np.ldexp(rmt.goe(50, rng=1), j)
    units = np.ldexp(H, 1074).astype(np.int64).tolist()
    assert _quiet(rmt.index, H) == _exact_negative_inertia(units)


def test_log_det_at_every_scale(goe):
    # log|det(s T - s x I)| = log|det(T - x I)| + N log s. Powers of two scale exactly, so the
    # scaled pass is the same and only the final sum rounds; decades round every entry by half
    # an ulp, which moves log|det| by at most sum_i |d lambda_i - dx| / |lambda_i - x|, plus the
    # pivots' own rounding (a few ulps each) and that of N log s.
    d, e, xs, eig = goe
    ref = rmt.count_below_and_log_det(d, e, xs)
    for j in range(-1000, 1001, 50):
        got = _quiet(rmt.count_below_and_log_det, np.ldexp(d, j), np.ldexp(e, j), np.ldexp(xs, j))
        np.testing.assert_array_equal(got.count, ref.count)
        shift = N * j * np.log(2.0)
        np.testing.assert_allclose(got.log_abs_det, ref.log_abs_det + shift, rtol=0,
                                   atol=4 * EPS * (np.abs(ref.log_abs_det).max() + abs(shift)))
    inverse_gaps = np.sum(1.0 / np.abs(eig[:, None] - xs), axis=0)
    for s in SCALES:
        got = _quiet(rmt.count_below_and_log_det, d * s, e * s, xs * s)
        np.testing.assert_array_equal(got.count, ref.count)
        tol = (8 * _weyl_bound(d, e, xs, s) * inverse_gaps
               + 8 * EPS * N * (abs(np.log(s)) + np.abs(ref.log_abs_det).max() / N + 1))
        assert np.all(np.abs(got.log_abs_det - (ref.log_abs_det + N * np.log(s))) <= tol)


def test_log_det_of_a_threshold_far_outside_the_spectrum():
    # x / max|T| = 1e300 / 1e-300 overflows once scaled: log|det(T - x I)| = n log|x| to rounding.
    d, e = rmt.hermite_tridiagonal(50, rng=3)
    res = _quiet(rmt.count_below_and_log_det, 1e-300 * d, 1e-300 * e, [-1e300, 1e300])
    assert res.count.tolist() == [0, 50]
    np.testing.assert_allclose(res.log_abs_det, 50 * np.log(1e300), rtol=4 * EPS)


def test_bisection_at_every_scale(goe):
    # The figures: NaN above s = 1e155, values outside the spectrum below 1e-80.
    # Powers of two: the same scaled bisection, so the same number, scaled back exactly.
    # Decades: rounding moves each eigenvalue by at most the Weyl bound; bisection on either
    # matrix is exact for off-diagonals within 2.5 ulps (an eigenvalue moves by at most
    # 5 eps max|e|) and returns a bracket of a few ulps of the spectral radius R.
    d, e, _, eig = goe
    ks = np.array([0, 1, 250, 501, 502, 998, 999])
    ref = rmt.eigenvalue_by_bisection(d, e, ks)
    radius = np.abs(eig).max()
    np.testing.assert_allclose(ref, eig[ks], rtol=0, atol=16 * EPS * radius)
    for j in (-1070, -1000, -500, -1, 1, 500, 1000):
        got = _quiet(rmt.eigenvalue_by_bisection, np.ldexp(d, j), np.ldexp(e, j), ks)
        if j >= -1000:  # entries still normal: the very same numbers
            np.testing.assert_array_equal(got, np.ldexp(ref, j))
        else:  # subnormal entries: within the rounding of the input
            bound = _weyl_bound(d, e, 0.0, 2.0**j) + 16 * EPS * radius
            np.testing.assert_allclose(np.ldexp(got, -j), ref, rtol=0, atol=bound)
    for s in SCALES:
        got = _quiet(rmt.eigenvalue_by_bisection, d * s, e * s, ks) / s
        bound = _weyl_bound(d, e, 0.0, s) + 16 * EPS * radius
        np.testing.assert_allclose(got, ref, rtol=0, atol=bound)


def test_dense_index_at_every_scale():
    # The figure: rmt.index(goe(50) * 1e-310) returned 2 of 25. Rounding H s moves an
    # eigenvalue by at most ||dH||_2 <= ||dH||_F <= n max|dH_ij| (Weyl), in unscaled units.
    n = 50
    H = rmt.goe(n, rng=1)
    eig = np.linalg.eigvalsh(H)
    want = int((eig < 0).sum())
    assert want == 25
    scales = np.concatenate([SCALES, SUBNORMAL_SCALES])
    err = np.maximum(0.5 * EPS * np.abs(H).max(), 0.5 * (SUBNORMAL_ULP / scales))
    assert np.all(np.abs(eig).min() > n * err)
    stack = H * scales[:, None, None]
    np.testing.assert_array_equal(_quiet(rmt.index, stack), np.full(scales.size, want))
    G = rmt.gue(20, rng=2)
    want_g = int((np.linalg.eigvalsh(G) < 0).sum())
    for s in (1e-300, 1e300):
        assert _quiet(rmt.index, G * s) == want_g


# --------------------------------------------------------------------------------------------
# Ties: strictly below x, strictly negative
# --------------------------------------------------------------------------------------------


def test_zero_matrix_has_nothing_strictly_below_zero():
    # The figures: count_below(zeros(5), zeros(4), 0) gave 5, rmt.index of the zero
    # matrix 0.
    d, e = np.zeros(5), np.zeros(4)
    assert rmt.count_below(d, e, 0.0) == 0
    assert rmt.count_below(d, e, [-5e-324, 5e-324]).tolist() == [0, 5]
    res = rmt.count_below_and_log_det(d, e, 0.0)
    assert res.count == 0 and res.log_abs_det == -np.inf
    assert rmt.eigenvalue_by_bisection(d, e, np.arange(5)).tolist() == [0.0] * 5
    assert rmt.index(np.zeros((5, 5))) == 0
    assert rmt.count_below([0.0], [], 0.0) == 0 and rmt.index([[0.0]]) == 0


@pytest.mark.parametrize("s", [1.0, 1e-300, 1e300, 1e-315])
def test_repeated_diagonal_values_at_the_threshold(s):
    # x equal to an eigenvalue of a diagonal matrix, at every scale: v s rounds as d_i s does
    # when d_i = v, so the tie survives the scaling, and only d_i < v counts.
    d = np.array([3.0, -1.0, 2.0, -1.0, 0.0, 2.0, 2.0]) * s
    e = np.zeros(d.size - 1)
    values = np.unique(d)
    want = (d[:, None] < values).sum(axis=0)
    assert rmt.count_below(d, e, values).tolist() == want.tolist()
    res = rmt.count_below_and_log_det(d, e, values)
    assert res.count.tolist() == want.tolist() and np.all(res.log_abs_det == -np.inf)
    assert [rmt.index(np.diag(d) - v * np.eye(d.size)) for v in values] == want.tolist()
    np.testing.assert_allclose(rmt.eigenvalue_by_bisection(d, e, np.arange(d.size)), np.sort(d),
                               rtol=0, atol=4 * EPS * np.abs(d).max())


def test_tridiagonal_with_an_exact_zero_eigenvalue():
    # [[1, 1, 0], [1, 2, 1], [0, 1, 1]] has eigenvalues exactly 0, 1 and 3; at x = 0 the last
    # pivot is 0, at x = 1 the first (a leading block's eigenvalue, not T's only), at x = 3
    # the last again. Two copies side by side repeat each eigenvalue.
    d, e = np.array([1.0, 2.0, 1.0]), np.array([1.0, 1.0])
    T = dense_tridiagonal(d, e)
    xs = np.array([-0.5, 0.0, 0.5, 1.0, 2.0, 3.0, 4.0])
    want = [0, 0, 1, 1, 2, 2, 3]
    assert rmt.count_below(d, e, xs).tolist() == want
    assert [rmt.index(T - x * np.eye(3)) for x in xs] == want
    res = rmt.count_below_and_log_det(d, e, [0.0, 3.0])
    assert res.count.tolist() == [0, 2] and np.all(res.log_abs_det == -np.inf)
    np.testing.assert_allclose(rmt.eigenvalue_by_bisection(d, e, [0, 1, 2]), [0, 1, 3],
                               rtol=0, atol=16 * EPS)
    d2, e2 = np.concatenate([d, d]), np.array([1.0, 1.0, 0.0, 1.0, 1.0])
    assert rmt.count_below(d2, e2, [0.0, 1.0, 3.0]).tolist() == [0, 2, 4]
    assert rmt.index(dense_tridiagonal(d2, e2)) == 0


def test_zero_diagonal_of_odd_size_has_one_zero_eigenvalue():
    # A zero-diagonal tridiagonal has a spectrum symmetric about 0, and of odd size a zero
    # determinant: exactly one eigenvalue 0 for any nonzero off-diagonals, so (n - 1) / 2 lie
    # strictly below 0, at every scale, and (n + 1) / 2 below the smallest positive double
    # (which must not scale to 0). The pivots alternate +tiny, -huge, +tiny, ...: the
    # zero-pivot rule meets a zero at every other row.
    n = 1001
    e = np.random.default_rng(4).uniform(0.5, 2.0, n - 1)
    d = np.zeros(n)
    for s in (1.0, 1e-300, 1e300, 1e-315):
        got = _quiet(rmt.count_below, d, e * s, [-5e-324, 0.0, 5e-324])
        assert got.tolist() == [500, 500, 501]
    assert rmt.count_below_and_log_det(d, e, 0.0).count == 500
    assert rmt.index(dense_tridiagonal(d, e)) == 500
    assert rmt.count_below(d[:-1], e[:-1], 0.0) == 500  # even size: no zero eigenvalue


@st.composite
def split_integer_tridiagonals(draw):
    """Direct sums of small integer blocks with known eigenvalues, and those eigenvalues.

    ``[a]``: ``a``; ``[[a, b], [b, a]]``: ``a - b, a + b``; ``[[a+1, 1, 0], [1, a+2, 1],
    [0, 1, a+1]]``: ``a, a + 1, a + 3``. Their pivots at integer shifts are exact at the ties.
    """
    blocks = draw(st.lists(st.tuples(st.sampled_from([1, 2, 3]), st.integers(-3, 3),
                                     st.integers(1, 2)), min_size=1, max_size=6))
    d, e, eig = [], [], []
    for kind, a, b in blocks:
        if d:
            e.append(0.0)
        if kind == 1:
            d, eig = d + [a], eig + [a]
        elif kind == 2:
            d, e, eig = d + [a, a], e + [b], eig + [a - b, a + b]
        else:
            d, e, eig = d + [a + 1, a + 2, a + 1], e + [1, 1], eig + [a, a + 1, a + 3]
    return np.array(d, float), np.array(e, float), np.array(eig, float)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(split_integer_tridiagonals(), st.integers(-7, 8), st.sampled_from([0, -1060, 1000]))
def test_ties_on_matrices_with_known_eigenvalues(tri, x, j):
    # Thresholds hit eigenvalues (often repeated ones) and leading-block eigenvalues; powers
    # of two 2^j scale exactly, 2^-1060 into the subnormals.
    d, e, eig = tri
    want = int((eig < x).sum())
    ds, es, xs = np.ldexp(d, j), np.ldexp(e, j), np.ldexp(float(x), j)
    assert rmt.count_below(ds, es, xs) == want
    assert rmt.count_below_and_log_det(ds, es, xs).count == want
    assert rmt.index(dense_tridiagonal(ds, es) - xs * np.eye(d.size)) == want
    got = np.ldexp(rmt.eigenvalue_by_bisection(ds, es, np.arange(d.size)), -j)
    np.testing.assert_allclose(got, np.sort(eig), rtol=0, atol=16 * EPS * np.abs(eig).max())
