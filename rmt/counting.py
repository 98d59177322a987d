"""Eigenvalue counting on symmetric tridiagonal matrices by Sturm sequences, and the index.

The number of eigenvalues of a symmetric tridiagonal ``T`` (diagonal ``a``, off-diagonal
``b``) below ``x`` equals the number of negative pivots of the ``L D L^T`` factorisation of
``T - x I`` (Sylvester's law of inertia):

    q_1 = a_1 - x,    q_i = (a_i - x) - b_{i-1}^2 / q_{i-1},

in O(n) operations and O(1) extra memory, with no eigenvalue computed. Every count is of the
eigenvalues strictly below the threshold (the index: strictly negative eigenvalues). Each
matrix is scaled by a power of two before the pass, so counts are right at every scale of
floating point, and a zero pivot is replaced by a tiny positive number (the limit from the
left; LAPACK's ``dlaebz`` uses a tiny negative one and counts the eigenvalues ``<= x``).
References: Barth, Martin & Wilkinson, Numer. Math. 9 (1967) 386; Albrecht, Chan & Edelman,
Found. Comput. Math. 9 (2009) 461; LAPACK ``dstebz``/``dlaneg``.
"""

from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np
import scipy.linalg

from . import _counting_kernels as _k
from ._two_stage import two_stage
from ._validation import check_bool, check_real_array, check_symmetric

__all__ = ["CountAndLogDet", "count_below", "count_below_and_log_det", "counting_function",
           "eigenvalue_by_bisection", "index", "spectral_histogram", "symmetric_eigenvalues"]


def _tridiagonal(d, e) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[int, ...]]:
    """Validate tridiagonal matrices; return 2-D ``d`` and ``e``, scale exponents, batch shape.

    The exponent ``k`` of each matrix has ``2^(k-1) <= max(|d|, |e|) < 2^k`` (0 for the zero
    matrix, at least :data:`rmt._counting_kernels.MIN_EXPONENT`): the kernels work on the
    matrix times ``2^-k``, exactly, whose entries are below 1.
    """
    d = check_real_array("d", d, ndim_min=1)
    e = check_real_array("e", e, ndim_min=1)
    n = d.shape[-1]
    if n == 0:
        raise ValueError("d must hold at least one diagonal entry; got an empty array")
    if e.shape != d.shape[:-1] + (n - 1,):
        raise ValueError(
            f"e must have shape {d.shape[:-1] + (n - 1,)} (one fewer off-diagonal than "
            f"diagonal entries, same batch shape as d); got {e.shape}"
        )
    batch = d.shape[:-1]
    rows = np.ascontiguousarray(d.reshape(-1, n))
    off = np.ascontiguousarray(e.reshape(rows.shape[0], n - 1))
    return rows, off, _scale_exponents(_largest_entries(rows, off)), batch


def _largest_entries(d: np.ndarray, e: np.ndarray) -> np.ndarray:
    """``max(|d_b|, |e_b|)`` of every row ``b``, from four reductions and no temporary array."""
    top = np.maximum(d.max(axis=1), -d.min(axis=1))
    if e.shape[1]:
        top = np.maximum(top, np.maximum(e.max(axis=1), -e.min(axis=1)))
    return top


def _scale_exponents(top: np.ndarray) -> np.ndarray:
    """Exponents ``k`` with ``2^(k-1) <= top < 2^k`` (0 where ``top = 0``), clamped below."""
    return np.maximum(np.frexp(top)[1], _k.MIN_EXPONENT).astype(np.int64)


def count_below(d, e, x) -> int | np.ndarray:
    """Number of eigenvalues of a symmetric tridiagonal matrix strictly below ``x``.

    Parameters
    ----------
    d : array_like, shape (..., n)
        Diagonal(s). Leading dimensions are a batch of matrices.
    e : array_like, shape (..., n - 1)
        Off-diagonal(s); only their squares matter.
    x : float or array_like
        Threshold(s).

    Returns
    -------
    int or ndarray of int64, shape ``batch + shape(x)``
        ``#{i : lambda_i < x}``, an eigenvalue equal to ``x`` not counted. A plain ``int`` for
        one matrix and a scalar threshold.

    Raises
    ------
    ValueError
        Empty, non-finite or mismatched ``d``/``e``; non-finite ``x``.
    TypeError
        Non-numeric input.

    Notes
    -----
    Sturm count (Sylvester inertia of ``T - x I = L D L^T``), O(n) per threshold:
    ``q_1 = d_1 - x``, ``q_i = d_i - x - e_{i-1}^2 / q_{i-1}``; the answer is the number of
    negative ``q_i``. Each matrix is first scaled by the power of two ``2^-k`` that brings its
    largest entry into ``[1/2, 1)`` (exact, O(n), as LAPACK's drivers do before ``dstebz``),
    so no square over- or underflows and the count is right at every scale: it is exact
    for a matrix whose off-diagonals differ from ``e`` by at most 2.5 ulps (Kahan 1966, in
    Demmel, *Applied Numerical Linear Algebra*, 1997), apart from entries below ``2^-511`` of
    the largest, whose squares underflow and which then act as zero. A nonzero threshold is
    never scaled to 0 (one whose scaled value would underflow is taken as the smallest
    subnormal of its sign), so it stays on its side of a zero eigenvalue.
    A pivot below the pivot minimum ``tiny = 2^-1022`` in magnitude divides as ``+-tiny``
    (LAPACK's ``pivmin``), a zero pivot as ``+tiny``: every pivot decreases with ``x``, so a
    pivot that vanishes at ``x`` is positive just below it, and the count is the limit from
    the left, ``#{lambda_i < x}``. Ties are therefore decided exactly where the pivots are
    computed exactly (the zero matrix, diagonal and split matrices, small integer matrices);
    elsewhere an eigenvalue within rounding of ``x`` may fall on either side.
    With ``x = 0`` this is the index of the matrix.

    Examples
    --------
    >>> import numpy as np, rmt
    >>> d, e = rmt.hermite_tridiagonal(1000, beta=1, rng=0)
    >>> rmt.count_below(d, e, 0.0)
    502
    >>> rmt.count_below(d, e, [-2.5, 0.0, 2.5]).tolist()
    [0, 502, 1000]
    >>> rmt.count_below(1e300 * d, 1e300 * e, 0.0), rmt.count_below(np.zeros(5), np.zeros(4), 0)
    (502, 0)
    """
    rows, off, k, batch = _tridiagonal(d, e)
    x = check_real_array("x", x)
    out = np.empty((rows.shape[0], x.size), dtype=np.int64)
    _k.scaled_counts_batch(rows, off, k, np.ascontiguousarray(x.ravel()), out)
    if not batch and x.ndim == 0:
        return int(out[0, 0])
    return out.reshape(batch + x.shape)


class CountAndLogDet(NamedTuple):
    """The result of :func:`count_below_and_log_det`."""

    #: Number of eigenvalues strictly below each threshold (the index of ``T - x I``).
    count: int | np.ndarray
    #: ``log|det(T - x I)|`` (``-inf`` where ``T - x I`` is singular).
    log_abs_det: float | np.ndarray


def count_below_and_log_det(d, e, x) -> CountAndLogDet:
    r"""Eigenvalue count below ``x`` and ``log|det(T - x I)|`` of a tridiagonal ``T``, one pass.

    The pivots of the Sturm recurrence of :func:`count_below` are the diagonal of ``D`` in
    ``T - x I = L D L^T``, so the same pass gives the inertia (the number of negative
    pivots) and :math:`\log|\det(T - x I)| = \sum_i \log|q_i|`. This is what a Kac–Rice
    estimate needs for every sampled Hessian and every energy: the index and the weight
    :math:`|\det H|` (Bray & Dean 2007; Auffinger, Ben Arous & Černý 2013), in O(n) per
    matrix and threshold instead of an O(n^2) eigendecomposition.

    Parameters
    ----------
    d : array_like, shape (..., n)
        Diagonal(s). Leading dimensions are a batch of matrices.
    e : array_like, shape (..., n - 1)
        Off-diagonal(s); only their squares matter.
    x : float or array_like
        Threshold(s), the shifts.

    Returns
    -------
    CountAndLogDet
        ``count`` (int64) and ``log_abs_det`` (float64), each of shape ``batch + shape(x)``
        (plain ``int`` and ``float`` for one matrix and a scalar threshold).

    Raises
    ------
    ValueError, TypeError
        As :func:`count_below`.

    Notes
    -----
    The count is that of :func:`count_below` (strictly below ``x``), from the same scaled
    recurrence: the pass runs on ``2^-k (T - x I)`` and
    ``log|det(T - x I)| = log|det(2^-k (T - x I))| + n k log 2``, so neither over- nor
    underflows at any scale. A pivot below ``tiny`` in magnitude is replaced by ``+-tiny``
    (LAPACK's ``pivmin``) before it divides; the pivot after it is then about ``1 / tiny`` and
    their logarithms cancel, the determinant's limit. The last pivot of an unreduced block (the
    last row, or one followed by a zero off-diagonal) enters as it is: a zero there means
    ``T - x I`` is singular and gives ``-inf``.

    Examples
    --------
    >>> import numpy as np, rmt
    >>> d, e = np.array([2.0, 3.0, 1.0]), np.array([1.0, -1.0])
    >>> res = rmt.count_below_and_log_det(d, e, 1.5)
    >>> full = np.diag(d) + np.diag(e, 1) + np.diag(e, -1)
    >>> res.count == rmt.index(full - 1.5 * np.eye(3))
    True
    >>> bool(np.isclose(res.log_abs_det, np.linalg.slogdet(full - 1.5 * np.eye(3))[1]))
    True
    """
    rows, off, k, batch = _tridiagonal(d, e)
    x = check_real_array("x", x)
    counts = np.empty((rows.shape[0], x.size), dtype=np.int64)
    log_dets = np.empty((rows.shape[0], x.size), dtype=np.float64)
    _k.scaled_counts_and_log_dets_batch(rows, off, k, np.ascontiguousarray(x.ravel()), counts,
                                        log_dets)
    if not batch and x.ndim == 0:
        return CountAndLogDet(int(counts[0, 0]), float(log_dets[0, 0]))
    return CountAndLogDet(counts.reshape(batch + x.shape), log_dets.reshape(batch + x.shape))


def counting_function(d, e, x) -> np.ndarray:
    """Normalised counting function N(x)/n: fraction of eigenvalues strictly below each ``x``.

    The empirical spectral distribution function of the tridiagonal matrix, evaluated
    without eigenvalues (one Sturm count per point). Same arguments as :func:`count_below`.

    Returns
    -------
    ndarray of float64, shape ``batch + shape(x)``
    """
    counts = count_below(d, e, x)
    n = np.shape(d)[-1]
    return np.asarray(counts, dtype=np.float64) / n


def spectral_histogram(d, e, bins, *, density: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Histogram of the eigenvalues of a tridiagonal matrix from Sturm counts.

    Parameters
    ----------
    d, e : array_like
        Diagonal and off-diagonal, as in :func:`count_below` (one matrix or a batch; the
        batch is summed).
    bins : array_like
        Increasing bin edges (at least two).
    density : bool
        Normalise as :func:`numpy.histogram` does (integral over the bins equals the
        fraction of eigenvalues inside them, divided by that fraction's total).

    Returns
    -------
    counts : ndarray
        Eigenvalues in ``[edge_k, edge_{k+1})``: differences of the counting function.
    edges : ndarray
        The bin edges.
    """
    edges = check_real_array("bins", bins, ndim_min=1)
    if edges.ndim != 1 or edges.size < 2 or np.any(np.diff(edges) <= 0):
        raise ValueError("bins must be a 1-D array of at least two strictly increasing edges")
    density = check_bool("density", density)
    counts = np.asarray(count_below(d, e, edges))
    counts = np.diff(counts.reshape(-1, edges.size).sum(axis=0))
    if density:
        total = counts.sum()
        return (counts / (total * np.diff(edges)) if total else counts.astype(float)), edges
    return counts, edges


def eigenvalue_by_bisection(d, e, k) -> float | np.ndarray:
    """The ``k``-th smallest eigenvalue (0-based) of a symmetric tridiagonal matrix.

    Bisection on the Sturm count between Gershgorin bounds, to a few ulps; O(n) memory and
    O(n log(1/eps)) time per eigenvalue, no other eigenvalue computed. ``k = n - 1`` gives
    the largest eigenvalue.

    Parameters
    ----------
    d, e : array_like
        Diagonal and off-diagonal, as in :func:`count_below` (batches allowed).
    k : int or array_like of int
        Eigenvalue number(s), ``0 <= k < n``; negative ``k`` counts from the top
        (``-1`` is the largest).

    Returns
    -------
    float or ndarray, shape ``batch + shape(k)``
        ``inf`` only where the eigenvalue's magnitude exceeds the largest double (entries
        near ``1e308``).

    Notes
    -----
    The bisection runs on the matrix scaled by ``2^-k`` as in :func:`count_below` (so it is
    right at every scale) and the result is scaled back exactly. The invariant is
    ``count_below(lo) <= k < count_below(hi)`` with counts strictly below, so the
    ``k``-th eigenvalue lies in ``[lo, hi)``; a repeated eigenvalue is returned once per
    position it occupies.
    """
    rows, off, exponents, batch = _tridiagonal(d, e)
    n = rows.shape[1]
    k_arr = np.asarray(k)
    if k_arr.dtype.kind not in "iu":
        raise TypeError(f"k must be an integer or an array of integers; got {k!r}")
    if np.any(k_arr < -n) or np.any(k_arr >= n):
        raise ValueError(f"k must lie in [-{n}, {n - 1}] for a matrix of size {n}; got {k!r}")
    k_arr = np.where(k_arr < 0, k_arr + n, k_arr).astype(np.int64)
    out = np.empty((rows.shape[0], k_arr.size))
    _k.scaled_bisect_batch(rows, off, exponents, np.ascontiguousarray(k_arr.ravel()), out)
    if not batch and k_arr.ndim == 0:
        return float(out[0, 0])
    return out.reshape(batch + k_arr.shape)


def index(H, *, shift: float = 0.0) -> int | np.ndarray:
    """Index of a dense symmetric or Hermitian matrix: its number of strictly negative eigenvalues.

    With ``shift``, the index of ``H - shift I``: the number of eigenvalues strictly below
    ``shift`` (two shifts ``-tau`` and ``tau`` count the eigenvalues in ``[-tau, tau)``, a null
    space within a tolerance).

    Computed from the inertia of a Bunch–Kaufman ``L D L^*`` factorisation
    (LAPACK ``?sytrf``/``?hetrf``, in place on one scaled copy of each matrix: a
    22,210 x 22,210 network Hessian needs 3.7 GiB besides itself; the blocked algorithm, with
    its optimal workspace): by Sylvester's law of inertia
    the number of negative eigenvalues of ``H`` equals that of the block-diagonal ``D``
    (1 x 1 and 2 x 2 blocks). About n^3/3 flops against ~ 4n^3/3 for the tridiagonal
    reduction of ``eigvalsh``, and no eigenvalues.

    Parameters
    ----------
    H : array_like, shape (..., n, n)
        Finite symmetric (Hermitian) matrix or stack of matrices.
    shift : float, default 0
        Finite real threshold.

    Returns
    -------
    int or ndarray of int64, shape ``batch``
        ``#{i : lambda_i < shift}``: an eigenvalue equal to ``shift`` is not counted, as in
        :func:`count_below` at ``x = shift``.

    Notes
    -----
    Each matrix is first scaled by the power of two that brings its largest entry into
    ``[1/2, 1)`` (exact), so that neither the factorisation nor the inertia of ``D``
    over- or underflows (a matrix of entries ``1e-310`` is factorised as one of entries near
    1). ``D`` is tridiagonal, and its inertia is the Sturm count of :func:`count_below` at 0,
    which decides a zero pivot as that function does. The factorisation is backward stable,
    so the count is exact for a matrix within ``O(eps ||H||)`` of ``H``; eigenvalues within
    rounding of 0 may be counted on either side, except where the factorisation is exact
    (the zero matrix, diagonal matrices, small integer matrices), where a zero eigenvalue is
    never counted.

    Examples
    --------
    >>> import numpy as np, rmt
    >>> rmt.index(np.diag([-1.0, 0.0, 0.0, 2.0])), rmt.index(np.zeros((3, 3)))
    (1, 0)
    >>> rmt.index(np.diag([-1.0, 0.0, 0.0, 2.0]), shift=1.0)
    3
    """
    if isinstance(shift, bool) or not isinstance(shift, numbers.Real) or not np.isfinite(shift):
        raise TypeError(f"shift must be a finite real number; got {shift!r}")
    H = check_symmetric("H", H)
    batch = H.shape[:-2]
    flat = H.reshape((-1,) + H.shape[-2:])
    hermitian = np.iscomplexobj(flat)
    diagonal = np.arange(flat.shape[-1])
    exponents = _scale_exponents(np.maximum(np.abs(flat).max(axis=(-2, -1)), abs(shift)))
    out = np.empty(flat.shape[0], dtype=np.int64)
    for b, mat in enumerate(flat):
        scaled = np.array((mat.conj() if hermitian else mat).T, order="F")  # a copy
        if shift:
            scaled[diagonal, diagonal] -= shift
        scaled *= 2.0 ** -int(exponents[b])
        name = "hetrf" if hermitian else "sytrf"
        factor, query = scipy.linalg.lapack.get_lapack_funcs((name, f"{name}_lwork"),
                                                             (scaled,))
        # The blocked algorithm needs its optimal workspace (the default is the unblocked
        # one, measured 4.4 times slower at n = 3000).
        lwork = max(1, int(query(scaled.shape[0], lower=1)[0].real))
        # Lower storage of the Fortran-ordered copy of H^T (= H): the upper triangle of the
        # C-ordered H, factorised in place.
        ldu, ipiv, info = factor(scaled, lower=1, lwork=lwork, overwrite_a=1)
        if info < 0:  # pragma: no cover - an argument LAPACK refused
            raise RuntimeError(f"LAPACK {factor.typecode}sytrf: argument {-info} is invalid")
        out[b] = _negative_eigenvalues_block_diagonal(ldu, ipiv)
    return int(out[0]) if not batch else out.reshape(batch)


def symmetric_eigenvalues(H) -> np.ndarray:
    """All eigenvalues of a dense real symmetric matrix, ascending, by the two-stage reduction.

    The result of :func:`numpy.linalg.eigvalsh`, computed by LAPACK's ``dsyevd_2stage``
    (Haidar, Ltaief & Dongarra 2011, "Parallel reduction to condensed forms for symmetric
    eigenvalue problems using aggregated fine-grained and memory-aware kernels", SC'11;
    LAPACK 3.7) where the loaded BLAS library exports it, as the OpenBLAS that numpy and scipy
    ship does: the reduction to band form is matrix-matrix work instead of the memory-bound
    matrix-vector half of ``eigvalsh``'s one-stage reduction, 5.3 times faster at n = 6000
    (README: benchmark). Elsewhere, and for complex matrices, ``numpy.linalg.eigvalsh``.

    Parameters
    ----------
    H : array_like, shape (n, n)
        Finite real symmetric (or complex Hermitian) matrix; not modified (one copy is
        factorised).

    Returns
    -------
    numpy.ndarray, shape (n,)
        The eigenvalues in ascending order; backward stable, as ``eigvalsh``'s: each is within
        ``O(n eps ||H||)`` of an eigenvalue of ``H``.

    Examples
    --------
    >>> import numpy as np, rmt
    >>> rmt.symmetric_eigenvalues(np.array([[2.0, 1.0], [1.0, 2.0]]))
    array([1., 3.])
    """
    H = check_symmetric("H", H)
    if H.ndim != 2:
        raise ValueError(f"H must be one square matrix; got shape {H.shape}")
    if not np.iscomplexobj(H):
        out = two_stage(np.array(H, dtype=np.float64, order="C"))
        if out is not None:
            return out
    return np.linalg.eigvalsh(H)


def _negative_eigenvalues_block_diagonal(ldu: np.ndarray, ipiv: np.ndarray) -> int:
    """Negative eigenvalues of the block diagonal ``D`` of a lower ``?sytrf`` factorisation.

    ``D`` has 1 x 1 blocks (``ipiv[k] > 0``) and 2 x 2 blocks (``ipiv[k] = ipiv[k + 1] < 0``,
    off-diagonal entry ``ldu[k + 1, k]``); it is tridiagonal, and unitarily similar to the
    real tridiagonal with off-diagonal ``|D_{k+1,k}|``: its Sturm count strictly below 0.
    """
    n = ldu.shape[0]
    diag = np.ascontiguousarray(np.diagonal(ldu).real)[None]
    sub = np.abs(np.diagonal(ldu, -1))
    two = np.zeros(max(n - 1, 0), dtype=bool)
    k = 0
    negative = ipiv < 0
    while k < n - 1:  # blocks start where the previous one ended
        if negative[k]:
            two[k] = True
            k += 2
        else:
            k += 1
    off = np.ascontiguousarray(np.where(two, sub, 0.0))[None]
    out = np.empty((1, 1), dtype=np.int64)
    _k.scaled_counts_batch(diag, off, _scale_exponents(_largest_entries(diag, off)),
                           np.zeros(1), out)
    return int(out[0, 0])
