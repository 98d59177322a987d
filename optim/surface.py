r"""The curvature of a point: its Hessian index and the eigenvalue nearest zero.

:func:`curvature` reads the Hessian through the surface contract of :mod:`fields.surface`
(``docs/design.md``, The surface contract): by :func:`rmt.index` (an ``LDL^T`` inertia count)
where the surface has ``hess`` or ``dim`` is small enough to assemble the Hessian from ``hvp``
(:func:`fields.surface.hessian`); otherwise from a Lanczos tridiagonalisation through ``hvp``
(:func:`rmt.lanczos`) counted by :func:`rmt.count_below`. On a manifold both work in the
coordinates of the tangent space (:func:`fields.surface.tangent_space`), where the Hessian is
``m x m`` (``m = N - 1`` on a sphere).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.sparse.linalg

import rmt
from fields.surface import check_surface, hessian, tangent_space
from rmt._threads import dense_factorisation
from rmt._validation import check_choice, check_vector
from rmt.random import check_rng

__all__ = ["Curvature", "curvature", "smallest_eigenvalue"]

#: Largest ``dim`` for which a Hessian is assembled from ``dim`` calls of ``hvp`` when the
#: surface has no ``hess``; above it the index comes from Lanczos.
HVP_ASSEMBLY_LIMIT = 1000
#: Above this size the eigenvalue nearest zero comes from shift-invert Lanczos at 0 (ARPACK on
#: an LU factor) instead of LAPACK's eigenvalues by position, which reduce the whole matrix to
#: tridiagonal form first: measured at 5,560 (a network Hessian), 1.2 s against 5.7 s.
SHIFT_INVERT_SIZE = 1000
#: Relative accuracy of the smallest eigenvalues that training runs record (ARPACK's ``tol``):
#: enough to tell a negative curvature from a flat direction, at a fraction of the products
#: of 1e-6.
LAMBDA_MIN_TOL = 1e-3
#: Seed of the fixed start vector of the shift-invert iteration (so the result is a function
#: of ``x`` alone).
_SHIFT_INVERT_SEED = 20140610


class _NonFinite(Exception):
    """A Hessian-vector product returned NaN or Inf."""


def _min_abs_eigenvalue(h: np.ndarray, k: int) -> float:
    """The smallest ``|eigenvalue|`` of the symmetric ``h`` of index ``k``."""
    n = h.shape[0]
    if n > SHIFT_INVERT_SIZE:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", scipy.linalg.LinAlgWarning)
            lu, piv = scipy.linalg.lu_factor(h, check_finite=False)
        if np.all(np.diag(lu) != 0):  # else exactly singular: by position below
            inverse = scipy.sparse.linalg.LinearOperator(
                (n, n), matvec=lambda v: scipy.linalg.lu_solve((lu, piv), v,
                                                               check_finite=False),
                dtype=float)
            v0 = np.random.default_rng(_SHIFT_INVERT_SEED).standard_normal(n)
            try:
                theta = scipy.sparse.linalg.eigsh(inverse, k=1, which="LM", v0=v0,
                                                  return_eigenvectors=False)[0]
            except scipy.sparse.linalg.ArpackError:
                theta = math.nan  # no convergence: by position below
            if math.isfinite(theta) and theta != 0:
                return float(1.0 / abs(theta))
    lo, hi = max(k - 1, 0), min(k, n - 1)
    near = scipy.linalg.eigvalsh(h, subset_by_index=[lo, hi], check_finite=False)
    return float(np.min(np.abs(near)))


@dataclass(frozen=True)
class Curvature:
    """Second-order description of a point.

    Attributes
    ----------
    index : int
        Number of negative Hessian eigenvalues.
    size : int
        Size of the Hessian (``dim``, or the tangent dimension on a manifold).
    min_abs_eigenvalue : float
        The eigenvalue nearest zero, in absolute value.
    method : str
        ``"hessian"`` (inertia of the matrix) or ``"lanczos"`` (tridiagonal through ``hvp``).
    """

    index: int
    size: int
    min_abs_eigenvalue: float
    method: str

    @property
    def index_fraction(self) -> float:
        """``index / size``."""
        return self.index / self.size


def curvature(surface, x: np.ndarray, *, method: str = "auto", rng=None) -> Curvature:
    """Index and smallest ``|eigenvalue|`` of the Hessian of ``surface`` at ``x``.

    Parameters
    ----------
    surface
        Any surface (:class:`fields.Surface`) with ``hess`` or ``hvp``; on a manifold
        (:class:`fields.ManifoldSurface`) the Hessian is the Riemannian one, in tangent
        coordinates (:func:`fields.surface.tangent_space`).
    x : array_like, shape (dim,)
        The point (finite).
    method : {"auto", "hessian", "lanczos"}
        ``"hessian"``: the index is the inertia count :func:`rmt.index` of the Hessian and the
        eigenvalues next to zero are the two eigenvalues ``lambda_{k-1} < 0 <= lambda_k``
        obtained from LAPACK by position (above ``SHIFT_INVERT_SIZE``, the eigenvalue nearest
        zero by shift-invert Lanczos at 0, :func:`scipy.sparse.linalg.eigsh`, from a fixed
        start vector; by position where the LU factor is exactly singular). ``"lanczos"``:
        ``N`` Lanczos steps through ``hvp`` with full reorthogonalisation (:func:`rmt.lanczos`),
        the index by a Sturm count of the tridiagonal (:func:`rmt.count_below`) and the
        eigenvalues by
        :func:`scipy.linalg.eigvalsh_tridiagonal`. ``"auto"``: ``"hessian"`` when the surface
        has ``hess`` or ``dim <= 1000``, else ``"lanczos"``.
    rng : None, int, SeedSequence or Generator
        Start vector of the Lanczos recurrence.

    Returns
    -------
    Curvature

    Raises
    ------
    TypeError
        ``surface`` has neither ``hess`` nor ``hvp`` (:func:`fields.surface.check_surface`).
    ValueError
        Unknown ``method``; ``x`` of the wrong shape or not finite.

    Examples
    --------
    >>> import numpy as np
    >>> import fields, optim
    >>> q = fields.RandomQuadratic(8, rng=0)
    >>> c = optim.curvature(q, np.zeros(8))
    >>> c.index == q.index, c.size, c.method
    (True, 8, 'hessian')
    """
    method = check_choice("method", method, ("auto", "hessian", "lanczos"))
    check_rng(rng)
    has_hess = callable(getattr(surface, "hess", None))
    dim = check_surface(surface, ("hess",) if has_hess and method != "lanczos" else ("hvp",))
    x = check_vector("x", x, dim, copy=True)
    if method == "auto":
        method = "hessian" if has_hess or dim <= HVP_ASSEMBLY_LIMIT else "lanczos"
    if method == "hessian":
        h, _ = hessian(surface, x)
        n = h.shape[0]
        with dense_factorisation(n):  # threads back for a large matrix inside a loop
            k = int(rmt.index(h))
            min_abs = _min_abs_eigenvalue(h, k)
        return Curvature(k, n, min_abs, "hessian")
    space = tangent_space(surface, x)
    res = rmt.lanczos(space.hvp(surface, x), space.size, rng=rng)
    k = int(rmt.count_below(res.alpha, res.beta, 0.0))
    eig = scipy.linalg.eigvalsh_tridiagonal(res.alpha, res.beta, check_finite=False)
    return Curvature(k, space.size, float(np.min(np.abs(eig))), "lanczos")


def smallest_eigenvalue(surface, x, *, tol: float = 1e-6, rng=None) -> float:
    r"""The smallest (most negative) eigenvalue of the Hessian of ``surface`` at ``x``.

    By ARPACK's implicitly restarted Lanczos on ``v -> hvp(x, v)``
    (:func:`rmt.extreme_eigenvalues` with ``which="smallest"``; the matrix is never formed),
    in tangent coordinates on a manifold. A persistent :math:`\lambda_\min < 0` along a
    plateau of the loss says the plateau is a saddle region (Dauphin et al. 2014, Figure 3),
    one with :math:`\lambda_\min \approx 0^-` a flat one.

    Parameters
    ----------
    surface
        A surface with ``hvp`` (:func:`fields.surface.check_surface`).
    x : array_like, shape (dim,)
        The point (finite).
    tol : float >= 0, default 1e-6
        Relative accuracy asked of ARPACK (0: machine precision).
    rng : None, int, SeedSequence or Generator
        Start vector of the iteration.

    Returns
    -------
    float
        ``lambda_min``; NaN when ARPACK did not converge or a product was not finite.

    Raises
    ------
    TypeError
        ``surface`` has no ``hvp``.
    ValueError
        ``x`` of the wrong shape or not finite, ``tol`` negative.

    Examples
    --------
    >>> import numpy as np
    >>> import fields, optim
    >>> q = fields.RandomQuadratic(30, rng=0)
    >>> lam = optim.smallest_eigenvalue(q, np.zeros(30), rng=0)
    >>> bool(np.isclose(lam, np.linalg.eigvalsh(q.hess(np.zeros(30)))[0]))
    True
    """
    dim = check_surface(surface, ("hvp",))
    x = check_vector("x", x, dim, copy=True)
    check_rng(rng)
    space = tangent_space(surface, x)
    hvp = space.hvp(surface, x)

    def matvec(v):
        out = np.asarray(hvp(v), dtype=np.float64)
        if not np.all(np.isfinite(out)):
            raise _NonFinite
        return out

    try:
        res = rmt.extreme_eigenvalues(matvec, space.size, which="smallest", tol=tol, rng=rng)
    except _NonFinite:
        return math.nan
    return float(res.smallest[0]) if res.converged else math.nan
