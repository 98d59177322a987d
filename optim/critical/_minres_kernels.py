"""Jitted MINRES for a small dense symmetric matrix: the Newton-MR step of the dense path.

MINRES (Paige & Saunders 1975) written as :func:`scipy.sparse.linalg.minres` runs it (no
preconditioner, no shift, ``x0 = 0``): the same Lanczos recurrence, Givens rotations and
stopping tests (``test1 = |r| / (|A| |x|) <= rtol``, ``test2 = |A r| / (|A| |r|) <= rtol``,
``cond(A) >= 0.1 / eps``, ``|A| |x| eps >= |b|``, the iteration limit), so the iterates are
scipy's up to rounding. On a matrix of order 30 scipy's Python loop costs about 17 us an
iteration and the matrix-vector product well under one; compiled, a whole solve costs a few
microseconds, which matters because Newton-MR solves one system per iteration
(``tests/benchmarks/bench_critical.py``).

Reference: C. C. Paige and M. A. Saunders, "Solution of sparse indefinite systems of linear
equations", SIAM J. Numer. Anal. 12, 617 (1975).
"""

import math

import numba
import numpy as np

__all__ = ["minres_dense"]


@numba.njit(cache=True, nogil=True)
def minres_dense(a, b, rtol, maxiter):  # noqa: PLR0915 (one recurrence, as in scipy)
    """The MINRES solution of ``a x = b`` (``a`` symmetric, C-contiguous float64)."""
    n = b.shape[0]
    eps = np.finfo(np.float64).eps
    x = np.zeros(n)
    beta1 = math.sqrt(b @ b)
    if beta1 == 0.0:
        return x
    r1 = b.copy()
    r2 = b.copy()
    y = b.copy()
    w = np.zeros(n)
    w2 = np.zeros(n)
    oldb = 0.0
    beta = beta1
    dbar = 0.0
    epsln = 0.0
    phibar = beta1
    tnorm2 = 0.0
    gmax = 0.0
    gmin = np.finfo(np.float64).max
    cs = -1.0
    sn = 0.0
    istop = 0
    itn = 0
    while itn < maxiter:
        itn += 1
        v = (1.0 / beta) * y
        y = a @ v
        if itn >= 2:
            y = y - (beta / oldb) * r1
        alfa = v @ y
        y = y - (alfa / beta) * r2
        r1 = r2
        r2 = y
        oldb = beta
        beta = math.sqrt(r2 @ r2)
        tnorm2 += alfa * alfa + oldb * oldb + beta * beta
        if itn == 1 and beta / beta1 <= 10.0 * eps:
            istop = -1  # b is an eigenvector: this step solves the system
        oldeps = epsln
        delta = cs * dbar + sn * alfa
        gbar = sn * dbar - cs * alfa
        epsln = sn * beta
        dbar = -cs * beta
        root = math.sqrt(gbar * gbar + dbar * dbar)
        gamma = max(math.sqrt(gbar * gbar + beta * beta), eps)
        cs = gbar / gamma
        sn = beta / gamma
        phi = cs * phibar
        phibar = sn * phibar
        w1 = w2
        w2 = w
        w = (v - oldeps * w1 - delta * w2) * (1.0 / gamma)
        x = x + phi * w
        gmax = max(gmax, gamma)
        gmin = min(gmin, gamma)
        anorm = math.sqrt(tnorm2)
        ynorm = math.sqrt(x @ x)
        epsx = anorm * ynorm * eps
        test1 = math.inf if ynorm == 0.0 or anorm == 0.0 else phibar / (anorm * ynorm)
        test2 = math.inf if anorm == 0.0 else root / anorm
        if istop == 0:
            if 1.0 + test2 <= 1.0:
                istop = 2
            if 1.0 + test1 <= 1.0:
                istop = 1
            if itn >= maxiter:
                istop = 6
            if gmax / gmin >= 0.1 / eps:
                istop = 4
            if epsx >= beta1:
                istop = 3
            if test2 <= rtol:
                istop = 2
            if test1 <= rtol:
                istop = 1
        if istop != 0:
            break
    return x
