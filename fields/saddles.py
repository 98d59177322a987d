r"""Quartic saddles: a non-degenerate saddle of chosen index, made bounded below.

The surface is a quadratic saddle plus a quartic, in the eigenbasis ``Q`` of its Hessian at the
saddle,

.. math:: f(x) = \sum_i \Big(\frac{\lambda_i}{2} y_i^2 + \frac{\kappa}{4} y_i^4\Big),
          \qquad y = Q^T (x - x_s),

so ``x_s`` is a critical point whose Hessian has eigenvalues ``lambda_i`` and whose index is
the number of negative ones, and each negative direction ends in minima at
``y_i = +- sqrt(|lambda_i| / kappa)``. Near the saddle the quartic is negligible, which makes
it the test surface for how optimisers escape saddles (Dauphin et al. 2014; the escape-time
experiments are :mod:`optim.saddles`).

:class:`QuarticSaddle` is the surface; :func:`saddle_2d` the two-dimensional saddle of index
1; :func:`random_saddle` a saddle of any index whose Hessian is a shifted GOE in a
Haar-random basis.

References: Y. Dauphin et al., "Identifying and attacking the saddle point problem in
high-dimensional non-convex optimization", NeurIPS 2014.
"""

from __future__ import annotations

import math

import numpy as np

import rmt
from rmt._validation import check_int, check_positive_float, check_real_array, check_vector
from rmt.random import as_generator

from ._limits import check_matrix_side

__all__ = ["QuarticSaddle", "random_saddle", "saddle_2d"]


class QuarticSaddle:
    r"""``f(x) = sum_i lambda_i y_i^2 / 2 + kappa y_i^4 / 4`` with ``y = Q^T (x - x_s)``.

    Parameters
    ----------
    eigenvalues : array_like, shape (N,)
        The Hessian eigenvalues ``lambda_i`` at the saddle ``x_s`` (finite, nonzero).
    rotation : array_like, shape (N, N), optional
        Orthogonal ``Q`` whose columns are the eigenvectors (default the identity).
    quartic : float, default 1
        ``kappa > 0``.
    center : array_like, shape (N,), optional
        The saddle ``x_s`` (default the origin).

    Attributes
    ----------
    dim, eigenvalues, rotation, quartic, center
        As given (read-only arrays).
    index : int
        Number of negative eigenvalues: the index of the saddle.

    Raises
    ------
    ValueError
        Empty, non-finite or zero eigenvalues; a rotation of the wrong shape or not orthogonal
        (``|Q^T Q - I| > 1e-10``); ``quartic <= 0``; a center of the wrong shape.
    TypeError
        Non-numeric input.

    Notes
    -----
    Gradient ``Q (lambda y + kappa y^3)``; Hessian ``Q diag(lambda + 3 kappa y^2) Q^T``. The
    minima of ``f`` are at ``y_i = +- sqrt(|lambda_i| / kappa)`` for negative ``lambda_i`` and
    ``y_i = 0`` otherwise, ``f = -sum lambda_i^2 / (4 kappa)`` over the negative ones.

    Examples
    --------
    >>> s = QuarticSaddle([1.0, -0.5])
    >>> s.index, s.value([0.0, 0.0]), s.grad([1.0, 1.0]).tolist()
    (1, 0.0, [2.0, 0.5])
    """

    def __init__(self, eigenvalues, rotation=None, quartic: float = 1.0, center=None):
        lam = check_real_array("eigenvalues", eigenvalues)
        if lam.ndim != 1 or lam.size < 1:
            raise ValueError(f"eigenvalues must be a non-empty vector; got shape {lam.shape}")
        if np.any(lam == 0):
            raise ValueError("eigenvalues must be nonzero (a non-degenerate saddle)")
        n = lam.size
        if rotation is None:
            q = np.eye(n)
        else:
            q = check_real_array("rotation", rotation)
            if q.shape != (n, n):
                raise ValueError(f"rotation must have shape ({n}, {n}); got {q.shape}")
            if not np.allclose(q.T @ q, np.eye(n), atol=1e-10):
                raise ValueError("rotation must be orthogonal (Q^T Q = I)")
        self._kappa = check_positive_float("quartic", quartic)
        self._center = (np.zeros(n) if center is None
                        else check_vector("center", center, n, copy=True))
        self._lam, self._q = lam.copy(), np.array(q, dtype=float)
        for a in (self._lam, self._q, self._center):
            a.setflags(write=False)

    dim = property(lambda self: self._lam.size, doc="Number of coordinates ``N``.")
    eigenvalues = property(lambda self: self._lam, doc="Eigenvalues at the saddle.")
    rotation = property(lambda self: self._q, doc="Eigenvectors ``Q`` (columns).")
    quartic = property(lambda self: self._kappa, doc="``kappa``.")
    center = property(lambda self: self._center, doc="The saddle ``x_s``.")
    index = property(lambda self: int(np.sum(self._lam < 0)), doc="Index of the saddle.")

    def __repr__(self) -> str:
        return (f"QuarticSaddle(dim={self.dim}, index={self.index}, "
                f"lambda_min={self._lam.min():.4g}, quartic={self._kappa:g})")

    def _y(self, x) -> np.ndarray:
        return self._q.T @ (check_vector("x", x, self.dim) - self._center)

    def value(self, x) -> float:
        """``f(x)``."""
        y = self._y(x)
        return float(np.sum(0.5 * self._lam * y**2 + 0.25 * self._kappa * y**4))

    def grad(self, x) -> np.ndarray:
        """``Q (lambda y + kappa y^3)``."""
        y = self._y(x)
        return self._q @ (self._lam * y + self._kappa * y**3)

    def value_and_grad(self, x) -> tuple[float, np.ndarray]:
        """Both, from one change of basis."""
        y = self._y(x)
        value = float(np.sum(0.5 * self._lam * y**2 + 0.25 * self._kappa * y**4))
        return value, self._q @ (self._lam * y + self._kappa * y**3)

    def hvp(self, x, v) -> np.ndarray:
        """``Q diag(lambda + 3 kappa y^2) Q^T v``."""
        y = self._y(x)
        v = check_vector("v", v, self.dim)
        return self._q @ ((self._lam + 3 * self._kappa * y**2) * (self._q.T @ v))

    def hess(self, x) -> np.ndarray:
        """``Q diag(lambda + 3 kappa y^2) Q^T``."""
        y = self._y(x)
        return (self._q * (self._lam + 3 * self._kappa * y**2)) @ self._q.T


def saddle_2d(lam_plus: float = 1.0, lam_minus: float = -1.0, quartic: float = 1.0
              ) -> QuarticSaddle:
    """The 2-D saddle ``lam_plus x^2 / 2 + lam_minus y^2 / 2 + quartic (x^4 + y^4) / 4``.

    ``lam_plus > 0 > lam_minus``: a saddle of index 1 at the origin with minima at
    ``(0, +- sqrt(-lam_minus / quartic))``.

    Raises
    ------
    ValueError
        ``lam_plus <= 0``, ``lam_minus`` not a finite negative number, ``quartic <= 0``.

    Examples
    --------
    >>> s = saddle_2d(2.0, -1.0)
    >>> s.index, s.eigenvalues.tolist()
    (1, [2.0, -1.0])
    """
    lam_plus = check_positive_float("lam_plus", lam_plus)
    if isinstance(lam_minus, bool) or not isinstance(lam_minus, (int, float)) \
            or not lam_minus < 0 or not math.isfinite(lam_minus):
        raise ValueError(f"lam_minus must be a finite negative number; got {lam_minus!r}")
    return QuarticSaddle([lam_plus, float(lam_minus)], quartic=quartic)


def random_saddle(dim: int, index: int, *, gap: float = 0.5, quartic: float = 1.0,
                  rng=None) -> QuarticSaddle:
    r"""A random saddle of the given index: a shifted GOE Hessian in a random basis.

    The Hessian at the saddle is ``W + mu I`` with ``W = rmt.goe(dim)`` (semicircle on
    ``[-2, 2]``) and ``mu`` placing zero halfway between the ``index``-th and
    ``(index + 1)``-th eigenvalues; eigenvalues within ``gap / dim`` of zero are pushed out to
    ``+- gap / dim`` so the saddle is non-degenerate. Its eigenvectors (Haar-distributed) are
    the rotation of :class:`QuarticSaddle`.

    Parameters
    ----------
    dim : int
        ``N >= 2``.
    index : int
        ``1 <= index <= N - 1``.
    gap : float, default 0.5
        Smallest ``|lambda|`` allowed, in units of ``1 / N``.
    quartic : float, default 1
        ``kappa > 0``.
    rng : None, int, SeedSequence or Generator
        Source of the GOE matrix.

    Returns
    -------
    QuarticSaddle

    Raises
    ------
    ValueError
        ``dim < 2``, ``index`` outside ``[1, dim - 1]``, ``gap <= 0`` or ``quartic <= 0``.
    TypeError
        Non-integer ``dim`` or ``index``.

    Examples
    --------
    >>> s = random_saddle(10, 3, rng=0)
    >>> s.dim, s.index, bool(abs(s.eigenvalues).min() >= 0.05)
    (10, 3, True)
    """
    dim = check_matrix_side("dim", dim, 2, copies=4,
                            what="the GOE matrix, its eigenvectors and their workspace")
    index = check_int("index", index, 1)
    if index > dim - 1:
        raise ValueError(f"index must be between 1 and dim - 1 = {dim - 1}; got {index}")
    gap = check_positive_float("gap", gap) / dim
    lam, q = np.linalg.eigh(rmt.goe(dim, rng=as_generator(rng)))
    lam = lam - 0.5 * (lam[index - 1] + lam[index])
    lam = np.where(lam < 0, np.minimum(lam, -gap), np.maximum(lam, gap))
    return QuarticSaddle(lam, q, quartic=quartic)
