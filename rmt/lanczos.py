r"""The Lanczos tridiagonalisation of a symmetric operator known only through its action.

For a symmetric ``A`` (a Hessian reached through Hessian-vector products, say) and a unit
start vector ``q_1``, ``k`` steps of the Lanczos recurrence

.. math:: \beta_j q_{j+1} = A q_j - \alpha_j q_j - \beta_{j-1} q_{j-1},
          \qquad \alpha_j = q_j^T A q_j,

give an orthonormal basis ``Q_k`` of the Krylov space
``span{q_1, A q_1, ..., A^{k-1} q_1}`` and the tridiagonal ``T_k = Q_k^T A Q_k`` with diagonal
``alpha`` and off-diagonal ``beta``. In floating point the ``q_j`` lose orthogonality as Ritz
values converge (Paige 1976); here every new vector, once the three-term recurrence has been
applied, is orthogonalised against all previous ones by one pass of classical Gram-Schmidt,
``r <- r - Q_j (Q_j^T r)`` (complete reorthogonalisation, Golub & Van Loan, Section 10.3.1),
and by a second pass when the first removed more than ``1 - 1/sqrt(2)`` of its norm (Kahan's
"twice is enough": the second pass then leaves ``r`` orthogonal to working precision; Parlett
1998, Section 6.9; Daniel, Gragg, Kaufman & Stewart 1976). So ``T_k`` stays an exact
projection up to rounding. When the Krylov space becomes invariant under ``A`` (``beta_j = 0``:
always the case when ``A`` has repeated eigenvalues) the recurrence restarts from a random
vector orthogonal to the basis and records ``beta_j = 0``. So with ``k = N`` steps ``T`` is
orthogonally similar to ``A``: its eigenvalues, with multiplicity, and its Sturm count
(:func:`rmt.count_below`) are those of ``A``.

Several independent recurrences can run in lock-step (the probes of
:func:`rmt.spectral_density` given a ``matmat``): each keeps its own basis,
reorthogonalisation and restarts, while ``A`` is applied once per step to the block of their
current vectors, which an operator that takes blocks (a network's ``hvp`` on a ``(k, dim)``
array) computes for less than ``k`` single products. The arithmetic of each recurrence is
the same as alone, so the results agree up to the rounding of the block product.

References
----------
G. H. Golub and C. F. Van Loan, *Matrix Computations*, 4th ed., Johns Hopkins (2013),
Sections 10.1 and 10.3.1.

B. N. Parlett, *The Symmetric Eigenvalue Problem*, SIAM (1998), Section 6.9.

J. W. Daniel, W. B. Gragg, L. Kaufman and G. W. Stewart, "Reorthogonalization and stable
algorithms for updating the Gram-Schmidt QR factorization", Math. Comp. 30, 772-795 (1976).

C. C. Paige, "Error analysis of the Lanczos algorithm for tridiagonalizing a symmetric
matrix", IMA J. Appl. Math. 18, 341-349 (1976).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ._threads import small_products
from ._validation import check_bool, check_count, check_int, check_memory, check_real_array
from .random import as_generator

__all__ = ["LanczosResult", "lanczos"]

#: Relative size of ``beta_j`` (against the largest |alpha| or |beta| so far) below which the
#: Krylov space is taken as invariant and the recurrence restarts.
_BREAKDOWN = 1e-10
#: Kahan's constant: a Gram-Schmidt pass that leaves less than this fraction of the norm is
#: repeated (Parlett 1998, Section 6.9; the ``1/sqrt(2)`` of Daniel et al. 1976).
_TWICE = 1.0 / math.sqrt(2.0)


def apply_matvec(matvec: Callable, v: np.ndarray, dim: int) -> np.ndarray:
    """``matvec(v)`` as a float64 vector, refusing a wrong shape or NaN/Inf."""
    w = np.asarray(matvec(v), dtype=np.float64)
    if w.shape != (dim,):
        raise ValueError(f"matvec must return shape ({dim},); got {w.shape}")
    if not np.all(np.isfinite(w)):
        raise ValueError("matvec returned NaN or Inf")
    return w


def apply_matmat(matmat: Callable, block: np.ndarray) -> np.ndarray:
    """``matmat(block.T).T``: ``A`` applied to the rows of ``block`` through an operator that
    takes the columns of a ``(dim, k)`` array (scipy's ``LinearOperator.matmat``), as C-ordered
    float64 rows, refusing a wrong shape or NaN/Inf."""
    out = np.asarray(matmat(block.T), dtype=np.float64)
    if out.shape != block.shape[::-1]:
        raise ValueError(f"matmat must return shape {block.shape[::-1]} (dim, number of "
                         f"vectors), like its argument; got {out.shape}")
    if not np.all(np.isfinite(out)):
        raise ValueError("matmat returned NaN or Inf")
    return np.ascontiguousarray(out.T)


@dataclass(frozen=True)
class LanczosResult:
    """Output of :func:`lanczos`.

    Attributes
    ----------
    alpha : numpy.ndarray, shape (k,)
        Diagonal of the tridiagonal ``T = Q^T A Q``.
    beta : numpy.ndarray, shape (k - 1,)
        Its off-diagonal (non-negative).
    basis : numpy.ndarray, shape (N, k), or None
        The orthonormal Lanczos vectors ``Q`` when asked for.
    restarts : int
        Number of times the Krylov space became invariant and the recurrence restarted from a
        fresh random vector (``beta`` is 0 there).
    """

    alpha: np.ndarray
    beta: np.ndarray
    basis: np.ndarray | None
    restarts: int

    @property
    def steps(self) -> int:
        """Number ``k`` of Lanczos vectors."""
        return int(self.alpha.size)


def check_steps(steps, dim: int, what: str) -> int:
    """An explicit number of Lanczos ``steps``: an int in ``[1, dim]`` whose basis (``what``,
    ``steps`` vectors of ``dim + 2`` float64) fits in memory."""
    steps = check_int("steps", steps, 1)
    if steps > dim:
        raise ValueError(f"steps must be at most dim = {dim}; got {steps}")
    check_memory(f"dim = {dim} and steps = {steps}", 8 * (dim + 2) * steps,
                 f"{what} (steps vectors of dim float64)")
    return steps


def lanczos(
    matvec: Callable[[np.ndarray], np.ndarray],
    dim: int,
    steps: int | None = None,
    *,
    v0=None,
    return_basis: bool = False,
    rng=None,
) -> LanczosResult:
    r"""Tridiagonalise a symmetric operator by Lanczos with full reorthogonalisation.

    Parameters
    ----------
    matvec : callable
        ``v -> A v`` for a vector of shape ``(dim,)``; ``A`` must be symmetric.
    dim : int
        Size ``N`` of the operator.
    steps : int, optional
        Number ``k <= N`` of Lanczos vectors (default ``N``: the whole Krylov space).
    v0 : array_like, shape (dim,), optional
        Start vector (normalised here); default a standard normal vector from ``rng``.
    return_basis : bool, default False
        Also return the ``N x k`` basis ``Q``.
    rng : None, int, SeedSequence or Generator
        Source of the start vector when ``v0`` is not given, and of restart vectors.

    Returns
    -------
    LanczosResult
        ``alpha``, ``beta`` (``T = Q^T A Q``), the basis if asked, and the number of restarts.

    Raises
    ------
    TypeError, ValueError
        ``matvec`` not callable, ``dim`` or ``steps`` not positive integers, ``steps > dim``,
        a zero or non-finite ``v0``, or ``matvec`` returning the wrong shape or NaN/Inf;
        ``steps`` (or ``dim``, when ``steps`` is ``dim``) whose basis (``8 (dim + 2)``
        bytes per step) would not fit in the memory available
        (:func:`rmt._validation.memory_limit`).

    Notes
    -----
    Cost: ``k`` products with ``A`` plus ``O(N k^2)`` for the reorthogonalisation: one
    Gram-Schmidt pass per step (two reads of the basis, ``4 N j`` flops at step ``j``), a
    second only where the first lost most of the norm (near an invariant subspace). Memory
    ``O(N k)``. BLAS runs on one thread during the recurrence when ``N <= 2**22``
    (:mod:`rmt._threads`). With ``k = N`` the count of negative eigenvalues of ``T``
    (:func:`rmt.count_below` at 0) is the index of ``A``; with ``k < N`` the eigenvalues of
    ``T`` (Ritz values) approximate the extreme eigenvalues of ``A`` first.

    Examples
    --------
    >>> import numpy as np, scipy.linalg
    >>> import rmt
    >>> A = rmt.goe(200, rng=0)
    >>> res = lanczos(lambda v: A @ v, 200, rng=1)
    >>> t = scipy.linalg.eigvalsh_tridiagonal(res.alpha, res.beta)
    >>> bool(np.allclose(t, np.linalg.eigvalsh(A)))
    True
    >>> int(rmt.count_below(res.alpha, res.beta, 0.0)) == int(rmt.index(A))
    True
    """
    if not callable(matvec):
        raise TypeError(f"matvec must be callable; got {type(matvec).__name__}")
    dim = check_int("dim", dim, 1)
    if steps is None:
        steps = check_count("dim", dim, 1, bytes_each=8 * (dim + 2),
                            what="the basis of steps = dim Lanczos vectors (dim float64 each)")
    else:
        steps = check_steps(steps, dim, "the Lanczos basis")
    return_basis = check_bool("return_basis", return_basis)
    gen = as_generator(rng)
    if v0 is None:
        q = gen.standard_normal(dim)
    else:
        q = check_real_array("v0", v0).astype(np.float64, copy=True)
        if q.shape != (dim,):
            raise ValueError(f"v0 must have shape ({dim},); got {q.shape}")
    norm = np.linalg.norm(q)
    if not norm > 0:
        raise ValueError("v0 must be nonzero")
    with small_products(dim):
        alpha, beta, restarts, bases = lockstep(
            lambda block: apply_matvec(matvec, block[0], dim)[None], (q / norm)[None], steps,
            [gen])
    return LanczosResult(alpha=alpha[0], beta=beta[0],
                         basis=bases[:, 0].T if return_basis else None,
                         restarts=int(restarts[0]))


def _orthogonalise(r: np.ndarray, basis: np.ndarray, *, twice: bool = False) -> float:
    """Remove from ``r`` (in place) its components along the orthonormal rows of ``basis``.

    Classical Gram-Schmidt, ``r <- r - Q^T (Q r)``: one pass, and a second when the first
    left less than ``1/sqrt(2)`` of the norm, or always with ``twice``. Returns the norm of
    ``r`` afterwards. Each pass reads the basis twice: the ``O(N k)`` part of a step.
    """
    before = np.linalg.norm(r)
    r -= (basis @ r) @ basis
    after = np.linalg.norm(r)
    if twice or after < _TWICE * before:
        r -= (basis @ r) @ basis
        after = np.linalg.norm(r)
    return float(after)


def lockstep(product: Callable[[np.ndarray], np.ndarray], starts: np.ndarray, steps: int,
             gens) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Run ``m = len(starts)`` Lanczos recurrences side by side, ``A`` applied to blocks.

    Parameters
    ----------
    product : callable
        ``(m, dim)`` C-ordered block of the current vectors (one row per recurrence) to the
        float64 ``(m, dim)`` block of their images, already checked (:func:`apply_matvec`,
        :func:`apply_matmat`). Its result is read, never written.
    starts : numpy.ndarray, shape (m, dim)
        Unit start vectors.
    steps : int
        Lanczos steps ``k`` of every recurrence (validated by the caller, its memory too).
    gens : sequence of numpy.random.Generator
        Source of each recurrence's restart vectors.

    Returns
    -------
    alpha : numpy.ndarray, shape (m, k)
    beta : numpy.ndarray, shape (m, k - 1)
    restarts : numpy.ndarray of int, shape (m,)
    bases : numpy.ndarray, shape (k, m, dim)
        ``bases[:, i]`` is the orthonormal basis of recurrence ``i``, one vector a row.

    Notes
    -----
    Step ``j`` of recurrence ``i``, from ``w = A q_j``: ``alpha_j = q_j^T w``, then
    ``r = w - alpha_j q_j - beta_{j-1} q_{j-1}``, then :func:`_orthogonalise` against
    ``q_1, ..., q_j``, ``beta_j = |r|`` and ``q_{j+1} = r / beta_j``; when
    ``beta_j <= 1e-10 max(|alpha|, |beta| so far)`` the space is invariant and
    ``q_{j+1}`` is instead a standard normal vector from ``gens[i]`` orthogonalised twice,
    with ``beta_j = 0``. Every recurrence runs all ``k`` steps (restarting where it breaks
    down), so the block keeps ``m`` rows. The arithmetic of recurrence ``i`` does not depend
    on the others: only ``product`` sees the block.
    """
    m, dim = starts.shape
    bases = np.empty((steps, m, dim))
    bases[0] = starts
    alpha = np.empty((m, steps))
    beta = np.empty((m, max(steps - 1, 0)))
    scale = np.zeros(m)
    restarts = np.zeros(m, dtype=np.int64)
    tiny = np.finfo(np.float64).tiny
    for j in range(steps):
        images = product(bases[j])
        for i in range(m):
            q = bases[j, i]
            alpha[i, j] = q @ images[i]
            if j == steps - 1:
                continue
            r = bases[j + 1, i]  # q_{j+1} is built in place; the product's result is kept
            np.multiply(q, alpha[i, j], out=r)
            np.subtract(images[i], r, out=r)
            if j:
                r -= beta[i, j - 1] * bases[j - 1, i]
            scale[i] = max(scale[i], abs(alpha[i, j]), beta[i, j - 1] if j else 0.0)
            previous = bases[: j + 1, i]
            b = _orthogonalise(r, previous)
            if b <= _BREAKDOWN * max(scale[i], tiny):
                # Invariant subspace: go on from a random vector orthogonal to the basis.
                restarts[i] += 1
                r[:] = gens[i].standard_normal(dim)
                r /= _orthogonalise(r, previous, twice=True)
                b = 0.0
            else:
                r /= b
            beta[i, j] = b
    return alpha, beta, restarts, bases
