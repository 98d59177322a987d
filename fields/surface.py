r"""The surface contract, written once: protocols, one check, one adapter, tangent spaces.

A *surface* is a frozen, deterministic function on :math:`\mathbb{R}^N` (all its randomness is
drawn when it is built) with exact derivatives. Every package accepts any object with these
members, a user's own class included; nothing looks inside it (``docs/design.md``, The
surface contract).

* :class:`Surface`: ``dim``, ``value(x)``, ``grad(x)``, ``hvp(x, v)``. ``value_and_grad(x)``
  and ``hess(x)`` are optional: :func:`value_and_grad` and :func:`hessian` use them when they
  exist and supply them otherwise (one pass of ``value`` and ``grad``; ``dim`` products with
  ``hvp``).
* :class:`ManifoldSurface`: a surface on a manifold (the spherical spin glass) also has
  ``project(x)`` (the retraction, applied after every step) and ``tangent_basis(x)`` (an
  ``N x m`` orthonormal basis of the tangent space). ``grad`` and ``hvp`` then return tangent
  vectors in ambient coordinates and ``hess`` is the ``m x m`` Riemannian Hessian in that
  basis. :func:`tangent_space` hides the difference: a flat surface has the identity basis.
* :class:`DataSurface`: a loss over training examples (a network) also has ``n_examples``,
  ``w0`` (its initial parameters), ``minibatch(size, rng=)`` and ``batches(size, rng=)``
  (surfaces of the same kind on a subset of the examples) and ``task_error(w)``: the error
  the surface itself defines (a classification error rate, a reconstruction error), NaN when
  it has none.

:func:`check_surface` is the one check every package uses.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from rmt._validation import check_vector

__all__ = [
    "DataSurface",
    "ManifoldSurface",
    "Surface",
    "TangentSpace",
    "check_surface",
    "hessian",
    "is_manifold",
    "retract",
    "tangent_space",
    "value_and_grad",
]


@runtime_checkable
class Surface(Protocol):
    """The members every surface has (``value_and_grad`` and ``hess`` are optional)."""

    @property
    def dim(self) -> int:
        """Number of coordinates ``N``."""

    def value(self, x: np.ndarray) -> float:
        """``f(x)``."""

    def grad(self, x: np.ndarray) -> np.ndarray:
        """The gradient at ``x``, shape ``(dim,)``."""

    def hvp(self, x: np.ndarray, v: np.ndarray) -> np.ndarray:
        """The exact Hessian-vector product ``H(x) v``, shape ``(dim,)``."""


@runtime_checkable
class ManifoldSurface(Surface, Protocol):
    """A surface on a manifold embedded in :math:`\\mathbb{R}^N`."""

    def project(self, x: np.ndarray) -> np.ndarray:
        """The retraction of ``x`` onto the manifold."""

    def tangent_basis(self, x: np.ndarray) -> np.ndarray:
        """An ``N x m`` orthonormal basis of the tangent space at ``x``."""


@runtime_checkable
class DataSurface(Surface, Protocol):
    """A loss over training examples, with minibatches and its own task error."""

    @property
    def n_examples(self) -> int:
        """Number of training examples."""

    @property
    def w0(self) -> np.ndarray:
        """The initial parameters, shape ``(dim,)``."""

    def minibatch(self, size: int, *, rng=None) -> DataSurface:
        """The same loss on ``size`` examples drawn without replacement."""

    def batches(self, size: int, *, rng=None) -> Iterator[DataSurface]:
        """One epoch: the loss on each part of a shuffled partition into batches of ``size``."""

    def task_error(self, w: np.ndarray) -> float:
        """The error the surface defines at ``w`` (NaN when it defines none)."""


#: Members of each protocol, in the order they are checked.
_MEMBERS = {
    "value": "value(x)",
    "grad": "grad(x)",
    "hvp": "hvp(x, v)",
    "value_and_grad": "value_and_grad(x)",
    "hess": "hess(x)",
    "project": "project(x)",
    "tangent_basis": "tangent_basis(x)",
    "minibatch": "minibatch(size, rng=)",
    "batches": "batches(size, rng=)",
    "task_error": "task_error(w)",
}
_NEEDS = {
    "surface": ("value", "grad"),
    "hvp": ("value", "grad", "hvp"),
    "manifold": ("value", "grad", "project", "tangent_basis"),
    "data": ("value", "grad", "minibatch", "task_error"),
}


def check_surface(surface, needs: str | tuple[str, ...] = "surface", *,
                  name: str = "surface") -> int:
    """Check that ``surface`` has ``dim`` and the members a caller needs; return ``dim``.

    Parameters
    ----------
    surface
        Any object.
    needs : str or tuple of str
        ``"surface"`` (``value``, ``grad``: first-order methods), ``"hvp"`` (also ``hvp``:
        second-order methods, certificates, the index), ``"manifold"`` (``project`` and
        ``tangent_basis`` too), ``"data"`` (``n_examples``, ``minibatch`` and ``task_error``:
        minibatch training), or a tuple of member names (``"value"``, ``"grad"``, ``"hvp"``,
        ``"value_and_grad"``, ``"hess"``, ``"project"``, ``"tangent_basis"``, ``"minibatch"``,
        ``"batches"``, ``"task_error"``).
    name : str
        The argument's name in messages.

    Returns
    -------
    int
        ``surface.dim``.

    Raises
    ------
    TypeError
        ``dim`` is not an integer >= 1, a needed member is missing or not callable, or a data
        surface has no integer ``n_examples``.
    ValueError
        ``needs`` is not one of the above.

    Examples
    --------
    >>> import numpy as np
    >>> from fields.surface import check_surface
    >>> class Bowl:
    ...     dim = 3
    ...     def value(self, x): return 0.5 * x @ x
    ...     def grad(self, x): return x
    ...     def hvp(self, x, v): return v
    >>> check_surface(Bowl(), "hvp")
    3
    >>> check_surface(Bowl(), "manifold")
    Traceback (most recent call last):
    ...
    TypeError: surface must have the callable member(s) project(x), tangent_basis(x) ...
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a string (the argument's name); got {name!r}")
    if isinstance(needs, str):
        if needs not in _NEEDS:
            raise ValueError(f"needs must be one of {sorted(_NEEDS)} or a tuple of member "
                             f"names; got {needs!r}")
        members = _NEEDS[needs]
    elif isinstance(needs, tuple) and all(m in _MEMBERS for m in needs):
        members = needs
    else:
        raise ValueError(f"needs must be one of {sorted(_NEEDS)} or a tuple of names from "
                         f"{sorted(_MEMBERS)}; got {needs!r}")
    dim = getattr(surface, "dim", None)
    if isinstance(dim, (bool, np.bool_)) or not isinstance(dim, (int, np.integer)) or dim < 1:
        raise TypeError(
            f"{name} must have an integer attribute dim >= 1 (a surface: dim, value(x), "
            f"grad(x), hvp(x, v); see fields.Surface); {type(surface).__name__} has "
            f"dim = {dim!r}"
        )
    missing = [_MEMBERS[m] for m in members if not callable(getattr(surface, m, None))]
    if missing:
        raise TypeError(
            f"{name} must have the callable member(s) {', '.join(missing)} (see "
            f"fields.Surface, fields.ManifoldSurface, fields.DataSurface); "
            f"{type(surface).__name__} lacks them"
        )
    if "minibatch" in members:
        n = getattr(surface, "n_examples", None)
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise TypeError(f"{name} must have an integer n_examples >= 1 (a data surface, "
                            f"fields.DataSurface); {type(surface).__name__} has "
                            f"n_examples = {n!r}")
    return int(dim)


def _on_manifold(surface) -> bool:
    return callable(getattr(surface, "project", None)) and \
        callable(getattr(surface, "tangent_basis", None))


def is_manifold(surface) -> bool:
    """Whether ``surface`` lives on a manifold (has ``project`` and ``tangent_basis``).

    ``surface`` must have an integer ``dim`` and the members each helper here uses
    (:func:`check_surface`, about a microsecond: the optimisers call them at every step).
    """
    check_surface(surface, ())
    return _on_manifold(surface)


def retract(surface, x: np.ndarray) -> np.ndarray:
    """``surface.project(x)`` on a manifold, ``x`` itself otherwise."""
    check_surface(surface, ())
    return surface.project(x) if _on_manifold(surface) else x


def value_and_grad(surface, x: np.ndarray) -> tuple[float, np.ndarray]:
    """``surface.value_and_grad(x)`` when offered, otherwise ``value(x)`` and ``grad(x)``."""
    check_surface(surface, ())
    both = getattr(surface, "value_and_grad", None)
    if not callable(both):
        check_surface(surface, ("value", "grad"))
    if callable(both):
        value, grad = both(x)
    else:
        value, grad = surface.value(x), surface.grad(x)
    return float(value), np.asarray(grad, dtype=np.float64)


def _vector(name: str, v, size: int) -> np.ndarray:
    """``v`` as a float64 vector of ``size`` entries; NaN passes (an optimiser reports it)."""
    arr = np.asarray(v)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a real vector; got {v!r:.60} (dtype {arr.dtype})")
    if arr.shape != (size,):
        raise ValueError(f"{name} must have shape ({size},); got {arr.shape}")
    return arr.astype(np.float64, copy=False)


@dataclass(frozen=True)
class TangentSpace:
    """The tangent space of a surface at a point, in coordinates.

    Attributes
    ----------
    basis : numpy.ndarray or None
        ``N x m`` orthonormal basis (``None``: a flat surface, the identity, ``m = N``).
    size : int
        ``m``, the size of the Hessian in these coordinates.
    """

    basis: np.ndarray | None
    size: int

    def coordinates(self, v: np.ndarray) -> np.ndarray:
        """Tangent coordinates ``B^T v`` of an ambient vector (``v`` itself when flat)."""
        v = _vector("v", v, self.size if self.basis is None else self.basis.shape[0])
        return v if self.basis is None else self.basis.T @ v

    def ambient(self, u: np.ndarray) -> np.ndarray:
        """The ambient vector ``B u`` of tangent coordinates ``u`` (``u`` itself when flat)."""
        u = _vector("u", u, self.size)
        return u if self.basis is None else self.basis @ u

    def hvp(self, surface, x: np.ndarray):
        """The Hessian at ``x`` as an operator on tangent coordinates: ``u -> B^T H B u``."""
        dim = check_surface(surface, ("hvp",))
        x = check_vector("x", x, dim)
        if self.basis is None:
            return lambda u: np.asarray(surface.hvp(x, u), dtype=np.float64)
        basis = self.basis
        return lambda u: basis.T @ np.asarray(surface.hvp(x, basis @ u), dtype=np.float64)


def tangent_space(surface, x: np.ndarray) -> TangentSpace:
    """The tangent space at ``x``: ``surface.tangent_basis(x)`` on a manifold, else flat."""
    check_surface(surface, ())
    if _on_manifold(surface):
        basis = np.asarray(surface.tangent_basis(x), dtype=np.float64)
        return TangentSpace(basis, basis.shape[1])
    return TangentSpace(None, int(surface.dim))


def hessian(surface, x: np.ndarray) -> tuple[np.ndarray, TangentSpace]:
    """The Hessian at ``x`` in tangent coordinates, and the tangent space it is written in.

    ``surface.hess(x)`` when it exists; otherwise assembled column by column from ``hvp`` on
    the tangent basis (the identity for a flat surface) and symmetrised.
    """
    check_surface(surface, ("hess",) if callable(getattr(surface, "hess", None)) else ("hvp",))
    space = tangent_space(surface, x)
    hess = getattr(surface, "hess", None)
    if callable(hess):
        return np.asarray(hess(x), dtype=np.float64), space
    op = space.hvp(surface, x)
    eye = np.eye(space.size)
    h = np.stack([op(eye[:, j]) for j in range(space.size)], axis=1)
    return 0.5 * (h + h.T), space
