r"""The Lanczos tridiagonalisation of a symmetric operator known only through its action.

For a symmetric ``A`` (a Hessian reached through Hessian-vector products, say) and a unit
start vector ``q_1``, ``k`` steps of the Lanczos recurrence

.. math:: \beta_j q_{j+1} = A q_j - \alpha_j q_j - \beta_{j-1} q_{j-1},
          \qquad \alpha_j = q_j^T A q_j,

give an orthonormal basis ``Q_k`` of the Krylov space
``span{q_1, A q_1, ..., A^{k-1} q_1}`` and the tridiagonal ``T_k = Q_k^T A Q_k`` with diagonal
``alpha`` and off-diagonal ``beta``. In floating point the ``q_j`` lose orthogonality as Ritz
values converge (Paige 1976); here every new vector is orthogonalised twice against all
previous ones ("twice is enough", Giraud et al. 2005), so ``T_k`` stays an exact projection
up to rounding. When the Krylov space becomes invariant under ``A`` (``beta_j = 0``: always
the case when ``A`` has repeated eigenvalues) the recurrence restarts from a random vector
orthogonal to the basis and records ``beta_j = 0``. So with ``k = N`` steps ``T`` is
orthogonally similar to ``A``: its eigenvalues, with multiplicity, and its Sturm count
(:func:`rmt.count_below`) are those of ``A``.

Reference: G. H. Golub and C. F. Van Loan, *Matrix Computations*, 4th ed., Section 10.1.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ._threads import small_products
from ._validation import check_bool, check_count, check_int, check_memory, check_real_array
from .random import as_generator

__all__ = ["LanczosResult", "lanczos"]

#: Relative size of ``beta_j`` (against the largest |alpha| or |beta| so far) below which the
#: Krylov space is taken as invariant and the recurrence stops.
_BREAKDOWN = 1e-10


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
    Cost: ``k`` products with ``A`` plus ``O(N k^2)`` for the two reorthogonalisation passes.
    Memory ``O(N k)``. BLAS runs on one thread during the recurrence when ``N <= 2**22``
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
    basis = np.empty((dim, steps))
    alpha = np.empty(steps)
    beta = np.empty(max(steps - 1, 0))
    basis[:, 0] = q / norm
    with small_products(dim):
        restarts = _recurrence(matvec, basis, alpha, beta, gen)
    return LanczosResult(alpha=alpha, beta=beta, basis=basis if return_basis else None,
                         restarts=restarts)


def _recurrence(matvec: Callable, basis: np.ndarray, alpha: np.ndarray, beta: np.ndarray,
                gen: np.random.Generator) -> int:
    """Fill ``basis`` (its first column given), ``alpha`` and ``beta``; return the restarts."""
    dim, steps = basis.shape
    scale = 0.0
    restarts = 0
    for j in range(steps):
        w = np.asarray(matvec(basis[:, j]), dtype=np.float64)
        if w.shape != (dim,):
            raise ValueError(f"matvec must return shape ({dim},); got {w.shape}")
        if not np.all(np.isfinite(w)):
            raise ValueError("matvec returned NaN or Inf")
        alpha[j] = basis[:, j] @ w
        q_prev = basis[:, : j + 1]
        for _ in range(2):  # classical Gram-Schmidt, twice
            w -= q_prev @ (q_prev.T @ w)
        scale = max(scale, abs(alpha[j]), abs(beta[j - 1]) if j else 0.0)
        if j == steps - 1:
            break
        b = np.linalg.norm(w)
        if b <= _BREAKDOWN * max(scale, np.finfo(float).tiny):
            # Invariant subspace: go on from a random vector orthogonal to the basis.
            restarts += 1
            b, w = 0.0, gen.standard_normal(dim)
            for _ in range(2):
                w -= q_prev @ (q_prev.T @ w)
            w /= np.linalg.norm(w)
        else:
            w /= b
        beta[j] = b
        basis[:, j + 1] = w
    return restarts
