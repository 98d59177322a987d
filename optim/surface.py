r"""How ``optim`` talks to a surface: members, points, manifolds, Hessians and curvature.

``optim`` never looks inside a surface (``docs/design.md``). It needs ``dim``,
``value``, ``grad`` and, for second-order methods, ``hvp``; it uses ``value_and_grad`` and
``hess`` when they exist. A surface that lives on a manifold (the spherical spin glass) says
so by two optional members:

* ``project(x)``: the retraction onto the manifold, applied after every step;
* ``tangent_basis(x)``: an ``N x m`` orthonormal basis of the tangent space, in which
  ``hess(x)`` is expressed (an ``m x m`` matrix; ``m = N - 1`` on a sphere). ``grad`` and
  ``hvp`` are then tangent vectors in ambient coordinates.

The curvature of a point (its index, the eigenvalue nearest zero) comes from the Hessian by
:func:`rmt.index` (an ``LDL^T`` inertia count) where ``hess`` is available or ``dim`` is small
enough to assemble it from ``hvp``; otherwise from a Lanczos tridiagonalisation through
``hvp`` (:func:`rmt.lanczos`) counted by :func:`rmt.count_below`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg

import rmt
from rmt._validation import check_real_array

__all__ = [
    "Curvature",
    "check_point",
    "check_surface",
    "curvature",
    "hessian",
    "retract",
    "tangent_basis",
    "value_and_grad",
]

#: Largest ``dim`` for which a Hessian is assembled from ``dim`` calls of ``hvp`` when the
#: surface has no ``hess``; above it the index comes from Lanczos.
HVP_ASSEMBLY_LIMIT = 1000


def check_surface(surface, need: tuple[str, ...] = ("value", "grad")) -> int:
    """Check that ``surface`` has ``dim`` and the callables in ``need``; return ``dim``.

    Raises
    ------
    TypeError
        A member is missing or not callable, or ``dim`` is not a positive integer.
    """
    dim = getattr(surface, "dim", None)
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or dim < 1:
        raise TypeError(
            f"surface must have an integer attribute dim >= 1 (the Surface contract of "
            f"docs/design.md); {type(surface).__name__} has dim = {dim!r}"
        )
    missing = [name for name in need if not callable(getattr(surface, name, None))]
    if missing:
        raise TypeError(
            f"surface must have the callable member(s) {', '.join(missing)} (the Surface "
            f"contract: dim, value, grad, value_and_grad, hvp, hess); "
            f"{type(surface).__name__} lacks them"
        )
    return int(dim)


def check_point(name: str, x, dim: int) -> np.ndarray:
    """Return ``x`` as a finite float64 vector of shape ``(dim,)`` (a copy), or raise."""
    x = check_real_array(name, x)
    if x.shape != (dim,):
        raise ValueError(f"{name} must have shape ({dim},) for a surface of dim {dim}; "
                         f"got {x.shape}")
    return np.array(x, dtype=np.float64)


def retract(surface, x: np.ndarray) -> np.ndarray:
    """``surface.project(x)`` on a manifold, ``x`` itself otherwise."""
    project = getattr(surface, "project", None)
    return project(x) if callable(project) else x


def tangent_basis(surface, x: np.ndarray) -> np.ndarray | None:
    """The tangent basis at ``x`` of a surface on a manifold, None for a flat one."""
    basis = getattr(surface, "tangent_basis", None)
    return basis(x) if callable(basis) else None


def value_and_grad(surface, x: np.ndarray) -> tuple[float, np.ndarray]:
    """``surface.value_and_grad(x)`` when offered, otherwise ``value`` and ``grad``."""
    both = getattr(surface, "value_and_grad", None)
    if callable(both):
        value, grad = both(x)
    else:
        value, grad = surface.value(x), surface.grad(x)
    return float(value), np.asarray(grad, dtype=np.float64)


def hessian(surface, x: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """The Hessian at ``x`` and the tangent basis it is written in (None when flat).

    ``surface.hess(x)`` when it exists; otherwise assembled from ``hvp`` on the tangent basis
    (the identity for a flat surface) and symmetrised.
    """
    basis = tangent_basis(surface, x)
    hess = getattr(surface, "hess", None)
    if callable(hess):
        return np.asarray(hess(x), dtype=np.float64), basis
    columns = np.eye(surface.dim) if basis is None else basis
    h = np.stack([surface.hvp(x, columns[:, j]) for j in range(columns.shape[1])], axis=1)
    if basis is not None:
        h = basis.T @ h
    return 0.5 * (h + h.T), basis


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
        Any object with the Surface members (``hess`` or ``hvp``).
    x : numpy.ndarray, shape (dim,)
        The point (finite; not checked here).
    method : {"auto", "hessian", "lanczos"}
        ``"hessian"``: the index is the inertia count :func:`rmt.index` of the Hessian and the
        eigenvalues next to zero are the two eigenvalues ``lambda_{k-1} < 0 <= lambda_k``
        obtained from LAPACK by position. ``"lanczos"``: ``N`` Lanczos steps through ``hvp``
        with full reorthogonalisation (:func:`rmt.lanczos`), the index by a Sturm count of the
        tridiagonal (:func:`rmt.count_below`) and the eigenvalues by
        :func:`scipy.linalg.eigvalsh_tridiagonal`. ``"auto"``: ``"hessian"`` when the surface
        has ``hess`` or ``dim <= 1000``, else ``"lanczos"``.
    rng : None, int, SeedSequence or Generator
        Start vector of the Lanczos recurrence.
    """
    if method not in ("auto", "hessian", "lanczos"):
        raise ValueError(f"method must be 'auto', 'hessian' or 'lanczos'; got {method!r}")
    if method == "auto":
        has_hess = callable(getattr(surface, "hess", None))
        method = "hessian" if has_hess or surface.dim <= HVP_ASSEMBLY_LIMIT else "lanczos"
    if method == "hessian":
        h, _ = hessian(surface, x)
        n = h.shape[0]
        k = int(rmt.index(h))
        lo, hi = max(k - 1, 0), min(k, n - 1)
        near = scipy.linalg.eigvalsh(h, subset_by_index=[lo, hi], check_finite=False)
        return Curvature(k, n, float(np.min(np.abs(near))), "hessian")
    basis = tangent_basis(surface, x)
    if basis is None:
        n = surface.dim
        res = rmt.lanczos(lambda v: surface.hvp(x, v), n, rng=rng)
    else:
        n = basis.shape[1]
        res = rmt.lanczos(lambda u: basis.T @ surface.hvp(x, basis @ u), n, rng=rng)
    k = int(rmt.count_below(res.alpha, res.beta, 0.0))
    eig = scipy.linalg.eigvalsh_tridiagonal(res.alpha, res.beta, check_finite=False)
    return Curvature(k, n, float(np.min(np.abs(eig))), "lanczos")
