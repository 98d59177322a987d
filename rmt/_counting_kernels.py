"""Jitted Sturm-sequence kernels on symmetric tridiagonal matrices.

The public, validating functions live in :mod:`rmt.counting`; these take plain arrays. The
``scaled_*`` kernels take the off-diagonal ``e`` itself and, per matrix, an exponent ``k``
(:mod:`rmt.counting` chooses ``2^(k-1) <= max(|d|, |e|) < 2^k``): they work on the matrix times
``2^-k``, formed on the fly (a multiplication by a power of two, exact), whose entries are below
1, so no square overflows, only squares of entries below ``2^-511`` of the largest underflow, and
with pivots kept at least ``_PIVMIN`` in magnitude no quotient ``e^2 / q`` overflows (LAPACK's
drivers scale before ``dstebz`` for the same reason). The other kernels take ``e2``, the
*squared* off-diagonal, of a matrix the caller knows to be of moderate size (the raw
beta-Hermite model of :mod:`rmt.samplers`, entries of order ``sqrt(n)``); there a quotient after
a tiny pivot may overflow to an infinity, which still counts correctly (the next quotient is 0).
``fastmath`` stays off: the kernels count signs and rely on IEEE infinities (the unguarded
fast paths divide by zero with numba's ``error_model="numpy"``, IEEE division).
"""

import math

import numba
import numpy as np

#: Pivot minimum: a pivot smaller in magnitude is replaced by ``+-_PIVMIN``, its sign kept and a
#: zero pivot taken as positive, before it divides. For a matrix scaled below 1 this is LAPACK's
#: ``pivmin = safmin * max(1, max e^2)`` (``dstebz``/``dlaebz``). LAPACK replaces the pivot by
#: ``-pivmin`` and counts pivots ``<= 0``, which counts the eigenvalues ``<= x``; here a zero is
#: ``+_PIVMIN`` and pivots ``< 0`` are counted, which counts those strictly below ``x``: every
#: pivot ``q_i(x)`` decreases with ``x``, so a pivot that is zero at ``x`` is positive just below
#: it, and the recurrence continued from ``+_PIVMIN`` has the signs of the pivots at ``x - 0``.
_PIVMIN = np.finfo(np.float64).tiny

#: Smallest scaling exponent: a matrix whose entries are all below ``2^-1000`` is scaled by
#: ``2^1000`` only (its largest entry is then at least ``2^-74``), so that the factor is finite.
MIN_EXPONENT = -1000

_SMALLEST_SUBNORMAL = 2.0**-1074


@numba.njit(cache=True, nogil=True)
def _guarded(q):
    """``q`` with its magnitude raised to at least ``_PIVMIN``, its sign kept (0 taken as +)."""
    if abs(q) < _PIVMIN:
        return -_PIVMIN if q < 0.0 else _PIVMIN
    return q


@numba.njit(cache=True, nogil=True)
def _scaled_threshold(x, c):
    """``x c``, except that a nonzero ``x`` never becomes 0: its sign against a zero eigenvalue
    is kept (an underflow to 0 is replaced by the smallest subnormal of the sign of ``x``)."""
    xs = x * c
    if xs == 0.0 and x != 0.0:
        return math.copysign(_SMALLEST_SUBNORMAL, x)
    return xs


@numba.njit(cache=True, nogil=True)
def _guarded_count(d, e2, x):
    """Negative pivots of tridiag(d, sqrt(e2)) - x I, each pivot guarded by ``_PIVMIN``."""
    q = d[0] - x
    count = 1 if q < 0.0 else 0
    for i in range(1, d.shape[0]):
        q = (d[i] - x) - e2[i - 1] / _guarded(q)
        if q < 0.0:
            count += 1
    return count


@numba.njit(cache=True, nogil=True, error_model="numpy")
def sturm_count(d, e2, x):
    """Number of eigenvalues of tridiag(d, sqrt(e2)) strictly below ``x`` (negative pivots).

    The guard of :func:`_guarded_count` would sit on the chain of dependent divisions; as in
    LAPACK's ``dlaneg``, the recurrence first runs without it, and only if a pivot came out
    infinite or NaN (after a zero or tiny pivot, or 0/0 at an exact split) is it run again
    guarded. Whenever every pivot is finite the two agree.
    """
    q = d[0] - x
    count = 1 if q < 0.0 else 0
    finite = True
    for i in range(1, d.shape[0]):
        q = (d[i] - x) - e2[i - 1] / q
        if q < 0.0:
            count += 1
        finite &= abs(q) < np.inf
    return count if finite else _guarded_count(d, e2, x)


@numba.njit(cache=True, nogil=True)
def sturm_counts_batch(d, e2, x, out):
    """``out[b, k]`` = count below ``x[k]`` of the ``b``-th tridiagonal (rows of ``d``, ``e2``)."""
    for b in range(d.shape[0]):
        for k in range(x.shape[0]):
            out[b, k] = sturm_count(d[b], e2[b], x[k])


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _scaled_count(d, e, c, x):
    """Eigenvalues of ``c`` tridiag(d, e) strictly below ``x``; ``c`` a power of two.

    :func:`sturm_count` with the scaling and the squares formed on the fly (off the chain of
    divisions); the guarded rerun works on the scaled matrix formed once.
    """
    q = d[0] * c - x
    count = 1 if q < 0.0 else 0
    finite = True
    for i in range(1, d.shape[0]):
        ei = e[i - 1] * c
        q = (d[i] * c - x) - ei * ei / q
        if q < 0.0:
            count += 1
        finite &= abs(q) < np.inf
    if finite:
        return count
    es = e * c
    return _guarded_count(d * c, es * es, x)


@numba.njit(cache=True, nogil=True)
def scaled_counts_batch(d, e, k, x, out):
    """``out[b, j]`` = count strictly below ``x[j]`` of tridiag(d[b], e[b]), scaled by 2^-k[b]."""
    for b in range(d.shape[0]):
        c = math.ldexp(1.0, -k[b])
        for j in range(x.shape[0]):
            out[b, j] = _scaled_count(d[b], e[b], c, _scaled_threshold(x[j], c))


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

    Invariant: count_below(lo) <= k < count_below(hi), counts strictly below, so the
    eigenvalue lies in ``[lo, hi)``. The Gershgorin bracket is widened in proportion to the
    matrix (never by an absolute amount, which would swamp a small matrix). Stops when the
    bracket no longer shrinks in floating point or after 200 halvings (``2^-200`` of the
    bracket), so the result is accurate to a few ulps of the spectral radius (Barth, Martin &
    Wilkinson 1967).
    """
    lo, hi = _gershgorin(d, e2)
    width = max(hi - lo, abs(lo), abs(hi))
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


@numba.njit(cache=True, nogil=True)
def scaled_bisect_batch(d, e, k, kk, out):
    """``out[b, j]`` = eigenvalue number ``kk[j]`` of tridiag(d[b], e[b]), bisected at 2^-k[b]."""
    for b in range(d.shape[0]):
        c = math.ldexp(1.0, -k[b])
        ds = d[b] * c
        es = e[b] * c
        e2 = es * es
        for j in range(kk.shape[0]):
            out[b, j] = math.ldexp(bisect_eigenvalue(ds, e2, kk[j]), k[b])


#: Shifts advanced together through one matrix by :func:`scaled_counts_and_log_dets_batch`:
#: each pivot needs a division that waits for the previous pivot of the same shift, so one
#: shift at a time leaves the divider idle; four independent recurrences keep it busy (measured
#: 1.5x faster than one at a time; 8 and 16 were slower than 4).
_LANES = 4
_LN2 = 0.6931471805599453


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _sturm_lanes(d, e, k, x, j0, counts, log_dets, guard):
    """Counts below and ``log|det(T - x_j I)|`` for ``x[j0:j0 + _LANES]``, one pass over T.

    The pass runs on ``2^-k T`` (entries scaled on the fly, as in :func:`_scaled_count`) at
    ``2^-k x``, and ``log|det(T - x I)| = log|det(2^-k (T - x I))| + n k log 2``. The
    determinant is the product of the pivots ``q_i``. With ``guard`` false the pass runs
    unguarded, as :func:`sturm_count` does first, and returns False (writing nothing) if a
    pivot came out infinite or NaN; it is then run again with ``guard`` true, where a pivot
    below ``_PIVMIN`` in magnitude is replaced by ``+-_PIVMIN``: the next pivot is then of
    order ``1 / _PIVMIN`` and the two factors cancel, which is the determinant's limit. The
    last pivot of an unreduced block (the last row, or a row followed by a zero off-diagonal,
    where the next quotient is 0 whatever the pivot) enters as it is, so an exactly
    singular block gives ``-inf``. The pivots are multiplied rather than their logarithms
    summed (one logarithm per shift, not per pivot): the running product is kept in
    ``[2^-256, 2^256]`` by exact rescalings by ``2^512`` (counted in ``scale``), and a pivot
    outside that range (next to a tiny pivot) adds its own logarithm. A shift so far outside
    the spectrum that ``2^-k x`` overflows has ``log|det(T - x I)| = n log|x|`` to rounding
    (every ``|lambda| < 3 2^k``).
    """
    n = d.shape[0]
    last = n - 1
    m = min(_LANES, x.shape[0] - j0)
    c = math.ldexp(1.0, -k)
    big = 2.0**256
    small = 2.0**-256
    q = np.ones(_LANES)  # with e = 0 in the first row, q_1 = d_1 - x
    prod = np.ones(_LANES)
    extra = np.zeros(_LANES)
    scale = np.zeros(_LANES, dtype=np.int64)
    count = np.zeros(_LANES, dtype=np.int64)
    xs = np.empty(_LANES)
    for j in range(_LANES):  # unused lanes repeat the last shift (no spurious guarded rerun)
        xs[j] = _scaled_threshold(x[j0 + min(j, m - 1)], c)
    e2i = 0.0  # the squared (scaled) off-diagonal before row i
    finite = True
    for i in range(n):
        di = d[i] * c
        en = e[i] * c if i < last else 0.0
        e2n = en * en
        for j in range(_LANES):
            qj = (di - xs[j]) - e2i / q[j]
            if qj < 0.0:
                count[j] += 1
            if guard:
                g = _guarded(qj)
                a = abs(qj) if e2n == 0.0 else abs(g)
            else:
                g = qj
                a = abs(qj)
                finite &= a < np.inf
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
            q[j] = g
        e2i = e2n
    if not finite:
        return False
    for j in range(m):
        counts[j0 + j] = count[j]
        if math.isinf(xs[j]):
            log_dets[j0 + j] = n * math.log(abs(x[j0 + j]))
        else:
            log_dets[j0 + j] = (np.log(prod[j]) + (scale[j] + n * k) * _LN2) + extra[j]
    return True


@numba.njit(cache=True, nogil=True)
def scaled_counts_and_log_dets_batch(d, e, k, x, counts, log_dets):
    """Counts and log-determinants of tridiag(d[b], e[b]) (scaled by 2^-k[b]) at every ``x``."""
    for b in range(d.shape[0]):
        for j0 in range(0, x.shape[0], _LANES):
            if not _sturm_lanes(d[b], e[b], k[b], x, j0, counts[b], log_dets[b], False):
                _sturm_lanes(d[b], e[b], k[b], x, j0, counts[b], log_dets[b], True)
