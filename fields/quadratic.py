r"""The talk's random quadratic ``f(theta) = theta^T H theta / 2``, ``H`` a shifted GOE.

The simplest random landscape has a single critical point, the origin, whose type is decided
by the signs of the eigenvalues of ``H``: a minimum only if all ``N`` of them are positive,
which for a GOE is exponentially rare in ``N^2`` (Dean & Majumdar 2006), not the ``2^-N`` of
independent coin flips. Shifting ``H`` by ``shift * I`` moves its semicircle and with it the
index fraction.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

import rmt
from rmt._validation import check_vector
from rmt.random import as_generator

from ._limits import check_matrix_side

__all__ = ["RandomQuadratic"]


class RandomQuadratic:
    r"""``f(theta) = theta^T H theta / 2`` with ``H = GOE(dim) + shift * I``, frozen when built.

    Parameters
    ----------
    dim : int
        Number of coordinates ``N >= 1``.
    shift : float
        Finite shift ``mu`` of the spectrum: ``H = W + mu I`` with ``W = rmt.goe(dim)``.
    rng : None, int, SeedSequence or Generator
        Source of the GOE matrix.

    Attributes
    ----------
    dim : int
    shift : float
    matrix : numpy.ndarray, shape (dim, dim)
        The Hessian ``H`` (read-only).
    index : int
        Number of negative eigenvalues of ``H`` (:func:`rmt.index`).
    index_fraction : float
        ``index / dim``.
    kind : {"minimum", "saddle", "maximum", "degenerate"}
        Type of the critical point at the origin, from the signs of the eigenvalues of ``H``:
        all positive, mixed, all negative, or some exactly zero (probability 0).
    expected_index_fraction : float
        Limit of ``index_fraction`` as ``dim -> infinity``: the fraction of a semicircle of
        radius 2 centred at ``shift`` below 0, ``rmt.semicircle_index_fraction(shift, 2)``.

    Notes
    -----
    The talk writes :math:`f(\theta) = \theta^T H \theta`; the factor 1/2 here makes the
    Hessian equal to ``H`` (the gradient is :math:`H \theta`), so that the spectrum of the
    Hessian is exactly the shifted GOE of ``docs/theory.md`` (section 1: entry variances
    ``(1 + delta_ij) / N``, semicircle on ``[shift - 2, shift + 2]``). All derivatives are
    exact: ``grad = H theta``, ``hvp(theta, v) = H v``, ``hess = H``. The index is computed
    from an ``L D L^T`` factorisation (Sylvester's law of inertia), the number of positive
    eigenvalues as the index of ``-H``.

    Examples
    --------
    >>> q = RandomQuadratic(200, shift=3.0, rng=0)
    >>> q.kind, q.index
    ('minimum', 0)
    >>> RandomQuadratic(200, rng=0).kind
    'saddle'
    """

    __slots__ = ("_dim", "_shift", "_matrix", "_index", "_n_positive")

    def __init__(self, dim: int, shift: float = 0.0, *, rng=None):
        dim = check_matrix_side("dim", dim, 1, copies=4,
                                what="the GOE matrix and its two inertia factorisations")
        if isinstance(shift, bool) or not isinstance(shift, numbers.Real):
            raise TypeError(f"shift must be a real number; got {shift!r} ({type(shift).__name__})")
        shift = float(shift)
        if not math.isfinite(shift):
            raise ValueError(f"shift must be finite; got {shift}")
        gen = as_generator(rng)
        matrix = rmt.goe(dim, rng=gen)
        matrix[np.diag_indices(dim)] += shift
        matrix.setflags(write=False)
        self._dim = dim
        self._shift = shift
        self._matrix = matrix
        self._index = int(rmt.index(matrix))
        self._n_positive = int(rmt.index(-matrix))

    # -- description ---------------------------------------------------------------------------
    @property
    def dim(self) -> int:
        """Number of coordinates ``N``."""
        return self._dim

    @property
    def shift(self) -> float:
        """The shift ``mu`` of ``H = GOE + mu I``."""
        return self._shift

    @property
    def matrix(self) -> np.ndarray:
        """The Hessian ``H`` (read-only array)."""
        return self._matrix

    @property
    def index(self) -> int:
        """Number of negative eigenvalues of ``H``: the Morse index of the origin."""
        return self._index

    @property
    def index_fraction(self) -> float:
        """``index / dim``."""
        return self._index / self._dim

    @property
    def kind(self) -> str:
        """``"minimum"``, ``"saddle"``, ``"maximum"`` or ``"degenerate"`` (a zero eigenvalue)."""
        if self._index + self._n_positive < self._dim:
            return "degenerate"
        if self._index == 0:
            return "minimum"
        if self._n_positive == 0:
            return "maximum"
        return "saddle"

    @property
    def expected_index_fraction(self) -> float:
        """Large-``N`` index fraction ``F_sc(-shift / 2)``.

        Evaluated by :func:`rmt.semicircle_index_fraction`.
        """
        return float(rmt.semicircle_index_fraction(self._shift, 2.0))

    def __repr__(self) -> str:
        return f"RandomQuadratic(dim={self._dim}, shift={self._shift:g})"

    # -- the surface ---------------------------------------------------------------------------
    def critical_point(self) -> np.ndarray:
        """The unique critical point, the origin (when ``H`` is nonsingular)."""
        return np.zeros(self._dim)

    def value(self, x) -> float:
        """``x^T H x / 2``."""
        x = check_vector("x", x, self._dim)
        return 0.5 * float(x @ (self._matrix @ x))

    def grad(self, x) -> np.ndarray:
        """``H x``."""
        return self._matrix @ check_vector("x", x, self._dim)

    def value_and_grad(self, x) -> tuple[float, np.ndarray]:
        """``(x^T H x / 2, H x)`` with one matrix-vector product."""
        x = check_vector("x", x, self._dim)
        g = self._matrix @ x
        return 0.5 * float(x @ g), g

    def hvp(self, x, v) -> np.ndarray:
        """``H v`` (the Hessian does not depend on ``x``, which is still validated)."""
        check_vector("x", x, self._dim)
        return self._matrix @ check_vector("v", v, self._dim)

    def hess(self, x) -> np.ndarray:
        """``H`` (a copy)."""
        check_vector("x", x, self._dim)
        return self._matrix.copy()

