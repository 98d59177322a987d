"""Jitted Sturm-sequence kernels on symmetric tridiagonal matrices.

Plain-array signatures only: ``d`` is the diagonal, ``e2`` the *squared* off-diagonal.
The public, validating functions live in :mod:`rmt.counting`. ``fastmath`` stays off:
the kernels count signs and rely on IEEE infinities.
"""

import numba
import numpy as np

#: A zero pivot is replaced by ``-_PIVMIN`` (LAPACK ``dlaneg``/``dstebz`` do the same with
#: their ``pivmin``): the count then treats an exactly singular leading block as having
#: its eigenvalue just below the shift, which is the limit from the left of the count.
_PIVMIN = np.finfo(np.float64).tiny


@numba.njit(cache=True, nogil=True)
def sturm_count(d, e2, x):
    """Number of eigenvalues of tridiag(d, sqrt(e2)) strictly below ``x``."""
    n = d.shape[0]
    count = 0
    q = d[0] - x
    if q == 0.0:
        q = -_PIVMIN
    if q < 0.0:
        count += 1
    for i in range(1, n):
        q = (d[i] - x) - e2[i - 1] / q
        if q == 0.0:
            q = -_PIVMIN
        if q < 0.0:
            count += 1
    return count


@numba.njit(cache=True, nogil=True)
def sturm_counts_batch(d, e2, x, out):
    """``out[b, k]`` = count below ``x[k]`` of the ``b``-th tridiagonal (rows of ``d``, ``e2``)."""
    for b in range(d.shape[0]):
        for k in range(x.shape[0]):
            out[b, k] = sturm_count(d[b], e2[b], x[k])


@numba.njit(cache=True, nogil=True)
def _gershgorin(d, e2):
    n = d.shape[0]
    lo = np.inf
    hi = -np.inf
    for i in range(n):
        r = 0.0
        if i > 0:
            r += np.sqrt(e2[i - 1])
        if i < n - 1:
            r += np.sqrt(e2[i])
        lo = min(lo, d[i] - r)
        hi = max(hi, d[i] + r)
    return lo, hi


@numba.njit(cache=True, nogil=True)
def bisect_eigenvalue(d, e2, k):
    """The ``k``-th smallest eigenvalue (0-based) of tridiag(d, sqrt(e2)) by bisection.

    Invariant: count_below(lo) <= k < count_below(hi). Stops when the bracket no longer
    shrinks in floating point, so the result is accurate to a few ulps of the spectral
    radius (Barth, Martin & Wilkinson 1967).
    """
    lo, hi = _gershgorin(d, e2)
    width = max(hi - lo, 1.0)
    lo -= 2.0 * np.finfo(np.float64).eps * width + _PIVMIN
    hi += 2.0 * np.finfo(np.float64).eps * width + _PIVMIN
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid <= lo or mid >= hi:
            break
        if sturm_count(d, e2, mid) > k:
            hi = mid
        else:
            lo = mid
    return 0.5 * (lo + hi)


@numba.njit(cache=True, nogil=True)
def bisect_eigenvalues_batch(d, e2, k, out):
    """``out[b, j]`` = eigenvalue number ``k[j]`` of the ``b``-th tridiagonal."""
    for b in range(d.shape[0]):
        for j in range(k.shape[0]):
            out[b, j] = bisect_eigenvalue(d[b], e2[b], k[j])


#: Shifts advanced together through one matrix by :func:`sturm_counts_and_log_dets_batch`:
#: each pivot needs a division that waits for the previous pivot of the same shift, so one
#: shift at a time leaves the divider idle; four independent recurrences keep it busy (measured
#: 1.5x faster than one at a time; 8 and 16 were slower than 4).
_LANES = 4
_LN2 = 0.6931471805599453


@numba.njit(cache=True, nogil=True)
def _sturm_lanes(d, e2, x, k0, counts, log_dets):
    """Counts below and ``log|det(T - x_k I)|`` for ``x[k0:k0 + _LANES]``, one pass over T.

    ``det(T - x I)`` is the product of the pivots ``q_i``. A zero pivot is replaced by
    ``-_PIVMIN`` as in :func:`sturm_count`; before the last row the next pivot is then of order
    ``1 / _PIVMIN`` and the two factors cancel, which is the determinant's limit; a zero last
    pivot means ``T - x I`` is singular and gives ``-inf``. The pivots are multiplied rather
    than their logarithms summed (one logarithm per shift, not per pivot): the running product
    is kept in ``[2^-256, 2^256]`` by exact rescalings by ``2^512`` (counted in ``scale``), and
    a pivot outside that range (next to a zero pivot) adds its own logarithm.
    """
    n = d.shape[0]
    m = min(_LANES, x.shape[0] - k0)
    big = 2.0**256
    small = 2.0**-256
    q = np.ones(_LANES)  # with e2 = 0 in the first row, q_1 = d_1 - x
    prod = np.ones(_LANES)
    extra = np.zeros(_LANES)
    scale = np.zeros(_LANES, dtype=np.int64)
    count = np.zeros(_LANES, dtype=np.int64)
    singular = np.zeros(_LANES, dtype=np.bool_)
    xs = np.zeros(_LANES)
    xs[:m] = x[k0:k0 + m]
    for i in range(n):
        di = d[i]
        ei = e2[i - 1] if i > 0 else 0.0
        for j in range(_LANES):
            qj = (di - xs[j]) - ei / q[j]
            if qj == 0.0:
                qj = -_PIVMIN
                if i == n - 1:
                    singular[j] = True
            if qj < 0.0:
                count[j] += 1
            a = abs(qj)
            if small <= a <= big:
                p = prod[j] * a
                if p > big:
                    p *= small * small
                    scale[j] += 512
                elif p < small:
                    p *= big * big
                    scale[j] -= 512
                prod[j] = p
            else:
                extra[j] += np.log(a)
            q[j] = qj
    for j in range(m):
        counts[k0 + j] = count[j]
        if singular[j]:
            log_dets[k0 + j] = -np.inf
        else:
            log_dets[k0 + j] = (np.log(prod[j]) + scale[j] * _LN2) + extra[j]


@numba.njit(cache=True, nogil=True)
def sturm_counts_and_log_dets_batch(d, e2, x, counts, log_dets):
    """Counts and log-determinants of every tridiagonal (rows of ``d``, ``e2``) at every ``x``."""
    for b in range(d.shape[0]):
        for k in range(0, x.shape[0], _LANES):
            _sturm_lanes(d[b], e2[b], x, k, counts[b], log_dets[b])
