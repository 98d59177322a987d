"""Eigenvalue counting on symmetric tridiagonal matrices by Sturm sequences, and the index.

The number of eigenvalues of a symmetric tridiagonal ``T`` (diagonal ``a``, off-diagonal
``b``) below ``x`` equals the number of negative pivots of the ``L D L^T`` factorisation of
``T - x I`` (Sylvester's law of inertia):

    q_1 = a_1 - x,    q_i = (a_i - x) - b_{i-1}^2 / q_{i-1},

in O(n) operations and O(1) extra memory, with no eigenvalue computed. A zero pivot is
replaced by a tiny negative number, as LAPACK's ``dlaneg`` does. References: Barth, Martin
& Wilkinson, Numer. Math. 9 (1967) 386; Albrecht, Chan & Edelman, Found. Comput. Math. 9
(2009) 461; LAPACK ``dstebz``/``dlaneg``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import scipy.linalg

from . import _counting_kernels as _k
from ._validation import check_real_array, check_symmetric

__all__ = ["CountAndLogDet", "count_below", "count_below_and_log_det", "counting_function",
           "spectral_histogram", "eigenvalue_by_bisection", "index"]


def _tridiagonal(d, e) -> tuple[np.ndarray, np.ndarray, tuple[int, ...]]:
    """Validate tridiagonal matrices; return 2-D ``d``, squared ``e`` and the batch shape."""
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
    d2 = np.ascontiguousarray(d.reshape(-1, n))
    e2 = np.ascontiguousarray(np.square(e).reshape(d2.shape[0], n - 1))
    return d2, e2, batch


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
        A plain ``int`` for one matrix and a scalar threshold.

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
    negative ``q_i``. A pivot exactly 0 is replaced by ``-tiny`` (LAPACK ``dlaneg``), so the
    count is exact for exactly representable matrices whose leading minors vanish.
    With ``x = 0`` this is the index of the matrix.

    Examples
    --------
    >>> import rmt
    >>> d, e = rmt.hermite_tridiagonal(1000, beta=1, rng=0)
    >>> rmt.count_below(d, e, 0.0)
    502
    >>> rmt.count_below(d, e, [-2.5, 0.0, 2.5]).tolist()
    [0, 502, 1000]
    """
    d2, e2, batch = _tridiagonal(d, e)
    x = check_real_array("x", x)
    out = np.empty((d2.shape[0], x.size), dtype=np.int64)
    _k.sturm_counts_batch(d2, e2, np.ascontiguousarray(x.ravel()), out)
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
    A zero pivot before the last is replaced by ``-tiny`` (LAPACK ``dlaneg``); the pivot
    after it is then about ``1 / tiny`` and their logarithms cancel, the determinant's limit.
    A zero last pivot means the matrix is singular and gives ``-inf``.

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
    d2, e2, batch = _tridiagonal(d, e)
    x = check_real_array("x", x)
    counts = np.empty((d2.shape[0], x.size), dtype=np.int64)
    log_dets = np.empty((d2.shape[0], x.size), dtype=np.float64)
    _k.sturm_counts_and_log_dets_batch(d2, e2, np.ascontiguousarray(x.ravel()), counts, log_dets)
    if not batch and x.ndim == 0:
        return CountAndLogDet(int(counts[0, 0]), float(log_dets[0, 0]))
    return CountAndLogDet(counts.reshape(batch + x.shape), log_dets.reshape(batch + x.shape))


def counting_function(d, e, x) -> np.ndarray:
    """Normalised counting function N(x)/n: fraction of eigenvalues below each ``x``.

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
    """
    d2, e2, batch = _tridiagonal(d, e)
    n = d2.shape[1]
    k_arr = np.asarray(k)
    if k_arr.dtype.kind not in "iu":
        raise TypeError(f"k must be an integer or an array of integers; got {k!r}")
    if np.any(k_arr < -n) or np.any(k_arr >= n):
        raise ValueError(f"k must lie in [-{n}, {n - 1}] for a matrix of size {n}; got {k!r}")
    k_arr = np.where(k_arr < 0, k_arr + n, k_arr).astype(np.int64)
    out = np.empty((d2.shape[0], k_arr.size))
    _k.bisect_eigenvalues_batch(d2, e2, np.ascontiguousarray(k_arr.ravel()), out)
    if not batch and k_arr.ndim == 0:
        return float(out[0, 0])
    return out.reshape(batch + k_arr.shape)


def index(H) -> int | np.ndarray:
    """Index (number of negative eigenvalues) of a dense symmetric or Hermitian matrix.

    Computed from the inertia of a Bunch–Kaufman ``L D L^*`` factorisation
    (:func:`scipy.linalg.ldl`, LAPACK ``?sytrf``/``?hetrf``): by Sylvester's law of inertia
    the number of negative eigenvalues of ``H`` equals that of the block-diagonal ``D``
    (1 x 1 and 2 x 2 blocks). About n^3/3 flops against ~ 4n^3/3 for the tridiagonal
    reduction of ``eigvalsh``, and no eigenvalues.

    Parameters
    ----------
    H : array_like, shape (..., n, n)
        Finite symmetric (Hermitian) matrix or stack of matrices.

    Returns
    -------
    int or ndarray of int64, shape ``batch``

    Notes
    -----
    Like any floating-point method, eigenvalues within rounding of 0 may be counted on
    either side; the factorisation is backward stable, so the count is exact for a matrix
    within ``O(eps ||H||)`` of ``H``.
    """
    H = check_symmetric("H", H)
    batch = H.shape[:-2]
    flat = H.reshape((-1,) + H.shape[-2:])
    hermitian = np.iscomplexobj(flat)
    out = np.empty(flat.shape[0], dtype=np.int64)
    for b, mat in enumerate(flat):
        _, D, _ = scipy.linalg.ldl(mat, lower=True, hermitian=hermitian, check_finite=False)
        out[b] = _negative_eigenvalues_block_diagonal(D)
    return int(out[0]) if not batch else out.reshape(batch)


def _negative_eigenvalues_block_diagonal(D: np.ndarray) -> int:
    """Negative eigenvalues of a block diagonal matrix with 1 x 1 and 2 x 2 blocks."""
    n = D.shape[0]
    sub = np.abs(np.diagonal(D, -1)) != 0
    count = 0
    i = 0
    while i < n:
        if i < n - 1 and sub[i]:
            a, c = D[i, i].real, D[i + 1, i + 1].real
            det = a * c - abs(D[i + 1, i]) ** 2
            # A 2 x 2 pivot block from Bunch-Kaufman is indefinite (det < 0) or definite.
            count += 1 if det < 0 else (2 if a < 0 else 0)
            i += 2
        else:
            count += D[i, i].real < 0
            i += 1
    return int(count)
