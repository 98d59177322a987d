r"""Spherical p-spin glasses: a random polynomial on the sphere ``|s|^2 = N``, and its theory.

The pure p-spin Hamiltonian (Auffinger, Ben Arous & Černý 2013, Comm. Pure Appl. Math. 66,
165; "ABC" below) is

.. math:: H(s) = N^{-(p-1)/2} \sum_{i_1, \dots, i_p = 1}^N J_{i_1 \dots i_p}
          s_{i_1} \cdots s_{i_p}, \qquad |s|^2 = N,

with i.i.d. standard normal couplings, so that :math:`E\, H(s) H(s') = N (s \cdot s' / N)^p`.
A mixed model is a sum of independent pure ones, :math:`H = \sum_p \gamma_p H_p`, with
covariance :math:`N \xi(s \cdot s' / N)`, :math:`\xi(q) = \sum_p \gamma_p^2 q^p`.
:class:`SphericalSpinGlass` is a frozen surface on the sphere with Riemannian gradients and
Hessians (docs/design.md); :func:`thresholds`, :func:`layer_energies`, :func:`complexity` and
:func:`asymptotic_index_fraction` give ABC's predictions for the pure model, in the energy per spin
``u = H / N``.
"""

from __future__ import annotations

import math
from types import MappingProxyType
from typing import NamedTuple

import numpy as np
from scipy.optimize import brentq

import rmt
from rmt._validation import as_generator, check_int, check_positive_float, check_real_array

__all__ = [
    "MAX_COUPLING_ENTRIES",
    "SphericalSpinGlass",
    "Thresholds",
    "complexity",
    "asymptotic_index_fraction",
    "layer_energies",
    "thresholds",
]

#: Largest total number of stored coupling entries (float64: 256 MiB; building needs twice).
MAX_COUPLING_ENTRIES = 2**25


# ----------------------------------------------------------------------------- the model -----


def _check_mixture(p, mixture) -> dict[int, float]:
    if mixture is None:
        return {check_int("p", p, 2): 1.0}
    if not isinstance(mixture, dict) or not mixture:
        raise TypeError(f"mixture must be a non-empty dict {{p: gamma_p}}; got {mixture!r}")
    out = {}
    for degree, gamma in sorted(mixture.items()):
        degree = check_int("mixture degree p", degree, 2)
        out[degree] = check_positive_float(f"mixture[{degree}]", gamma, allow_zero=True)
    if not any(out.values()):
        raise ValueError(f"mixture must have at least one gamma_p > 0; got {mixture!r}")
    return out


def _symmetrise(tensor: np.ndarray) -> np.ndarray:
    """Average of ``tensor`` over all permutations of its axes, in ``O(p^2 N^p)``.

    Uses ``S_k = (1/k) sum_i tau_(i,k) S_(k-1)``: every permutation of ``k`` axes is a
    permutation of the first ``k - 1`` followed by one transposition with the last. Peak
    memory is two tensors when the caller keeps no reference to ``tensor``.
    """
    order = tensor.ndim
    for k in range(2, order + 1):
        out = tensor.copy()
        for i in range(k - 1):
            axes = list(range(order))
            axes[i], axes[k - 1] = axes[k - 1], axes[i]
            out += tensor.transpose(axes)
        out /= k
        tensor = out
    return tensor


def _contract(tensor: np.ndarray, x: np.ndarray, times: int) -> np.ndarray:
    """Contract the last ``times`` axes of ``tensor`` with ``x`` (one BLAS pass each)."""
    for _ in range(times):
        tensor = tensor @ x
    return tensor


class SphericalSpinGlass:
    r"""A spherical (pure or mixed) p-spin glass: a frozen random function on ``|s|^2 = N``.

    Parameters
    ----------
    dim : int
        Number of spins ``N >= 2``; the surface is the sphere of radius ``sqrt(N)`` in
        ``R^N``.
    p : int
        Degree of the pure model, ``>= 2`` (ignored when ``mixture`` is given).
    rng : None, int, SeedSequence or Generator
        Source of the couplings (one tensor per degree, drawn in increasing degree).
    mixture : dict {int: float}, optional
        Mixed model ``H = sum_p gamma_p H_p`` with independent pure ``H_p``; degrees ``>= 2``,
        weights ``gamma_p >= 0``, not all zero.

    Attributes
    ----------
    dim : int
    p : int or None
        The degree of a pure model (a mixture with a single degree counts as pure); None for a
        genuine mixture.
    mixture : mapping {int: float}
        The weights ``gamma_p`` (``{p: 1.0}`` for a pure model).

    Raises
    ------
    TypeError, ValueError
        For a ``dim`` below 2, a degree below 2, bad weights, or couplings that would need
        more than :data:`MAX_COUPLING_ENTRIES` (``2**25``) stored numbers.

    Notes
    -----
    **Storage.** For each degree the symmetrised tensor
    :math:`A = \gamma_p N^{-(p-1)/2} \operatorname{sym}(J)` is stored (:math:`N^p` float64
    numbers: 64 MiB for ``p = 3, N = 200``, 104 MiB for ``p = 4, N = 60``; building it needs
    twice that). Then :math:`H(s) = A[s, \dots, s]`, the Euclidean gradient is
    :math:`p A[\cdot, s, \dots, s]` and the Euclidean Hessian
    :math:`p (p - 1) A[\cdot, \cdot, s, \dots, s]`, each one pass over ``A``: ``O(N^p)``.
    Symmetrising leaves ``H`` unchanged. Sizes above ``2**25`` entries in total (``p = 3``:
    ``N <= 322``; ``p = 4``: ``N <= 76``; ``p = 5``: ``N <= 32``) are refused.

    **Points off the sphere.** Every method accepts any nonzero ``x`` and evaluates at its
    projection :math:`y = \sqrt N x / |x|` (so ``value`` is the 0-homogeneous extension of
    ``H``, whose ordinary gradient at a point of the sphere is the Riemannian gradient).
    NaN, Inf or ``x = 0`` raise ``ValueError``.

    **Riemannian derivatives** on the sphere of radius :math:`r = \sqrt N`, with
    :math:`P = I - y y^T / N` the projection onto the tangent space at ``y``:

    * gradient :math:`\operatorname{grad} H = P \nabla H`;
    * Hessian :math:`\operatorname{Hess} H[v] = P \nabla^2 H\, v - (y \cdot \nabla H / N)\,v`
      for tangent ``v``. Derivation: along the geodesic
      :math:`\gamma(t) = \cos(t |v| / r)\, y + r \sin(t |v| / r)\, v / |v|` one has
      :math:`\gamma'(0) = v`, :math:`\gamma''(0) = -|v|^2 y / N`, so
      :math:`\frac{d^2}{dt^2} H(\gamma(t))|_0 = v^T \nabla^2 H v + \nabla H \cdot
      \gamma''(0) = v^T (\nabla^2 H - (y \cdot \nabla H / N) I) v`; the projected,
      symmetric operator with this quadratic form is the Riemannian Hessian. The same
      second derivative holds along the retraction :math:`t \mapsto \sqrt N (y + t v) /
      |y + t v|`, whose acceleration at 0 is also :math:`-|v|^2 y / N`.

    For a pure model Euler's identity gives :math:`y \cdot \nabla H = p H`, so the
    Riemannian Hessian is :math:`P \nabla^2 H P - p u\, I` with ``u = H / N``; the tangent
    block of :math:`\nabla^2 H` is exactly :math:`\sqrt{p (p - 1)}` times a GOE of size
    ``N - 1`` (entry variances ``(1 + delta_ij) / N``), independent of ``H`` and of the
    gradient, hence the semicircle of radius :math:`2 \sqrt{p (p-1)}` shifted by
    :math:`-p u` at a critical point of energy ``u`` (ABC, Section 3, who write the same
    matrix with a GOE of entry variance ``(1 + delta_ij) / (2N)``).

    **Tangent basis.** :meth:`tangent_basis` returns the first ``N - 1`` columns of the
    Householder reflection :math:`Q = I - 2 w w^T / |w|^2`, :math:`w = \hat y + \sigma e_N`,
    :math:`\hat y = y / |y|`, :math:`\sigma = \operatorname{sign}(\hat y_N)` (+1 at 0):
    ``Q`` is symmetric orthogonal with :math:`Q \hat y = -\sigma e_N`, so its other columns
    are an orthonormal basis of the tangent space (the sign keeps ``|w|`` away from 0).
    :meth:`hess` is the Riemannian Hessian in that basis, an ``(N-1) x (N-1)`` matrix.

    Examples
    --------
    >>> import numpy as np
    >>> sg = SphericalSpinGlass(20, p=3, rng=0)
    >>> x = sg.project(np.ones(20))
    >>> value, grad = sg.value_and_grad(x)
    >>> bool(abs(x @ grad) < 1e-10)
    True
    >>> sg.hess(x).shape
    (19, 19)
    """

    __slots__ = ("_dim", "_mixture", "_tensors")

    def __init__(self, dim: int, p: int = 3, rng=None, mixture: dict | None = None):
        dim = check_int("dim", dim, 2)
        weights = _check_mixture(p, mixture)
        entries = sum(dim**degree for degree, gamma in weights.items() if gamma > 0)
        if entries > MAX_COUPLING_ENTRIES:
            limits = ", ".join(
                f"p = {d}: dim <= {math.floor(MAX_COUPLING_ENTRIES ** (1 / d) + 1e-9)}"
                for d in weights
            )
            raise ValueError(
                f"SphericalSpinGlass stores dim^p float64 couplings per degree: dim = {dim} "
                f"with degrees {sorted(weights)} needs {entries:.3g} entries "
                f"({entries * 8 / 2**20:.0f} MiB), above the limit of {MAX_COUPLING_ENTRIES} "
                f"entries ({MAX_COUPLING_ENTRIES * 8 // 2**20} MiB); the largest sizes are "
                f"{limits}"
            )
        gen = as_generator(rng)
        tensors = []
        for degree, gamma in weights.items():
            # A zero weight still consumes its draws, so the other couplings do not change.
            if gamma == 0:
                gen.standard_normal((dim,) * degree)
                continue
            tensor = _symmetrise(gen.standard_normal((dim,) * degree))
            tensor *= gamma * dim ** (-(degree - 1) / 2)
            tensor.setflags(write=False)
            tensors.append((degree, tensor))
        self._dim = dim
        self._mixture = MappingProxyType(weights)
        self._tensors = tuple(tensors)

    # -- description ---------------------------------------------------------------------------
    @property
    def dim(self) -> int:
        """Number of coordinates ``N`` (the sphere is ``|s|^2 = N`` in ``R^N``)."""
        return self._dim

    @property
    def mixture(self) -> MappingProxyType:
        """The weights ``{p: gamma_p}``."""
        return self._mixture

    @property
    def p(self) -> int | None:
        """Degree of a pure model; None for a mixture of several degrees."""
        degrees = [d for d, _ in self._tensors]
        return degrees[0] if len(degrees) == 1 else None

    def __repr__(self) -> str:
        model = f"p={self.p}" if self.p is not None else f"mixture={dict(self._mixture)}"
        return f"SphericalSpinGlass(dim={self._dim}, {model})"

    # -- geometry ------------------------------------------------------------------------------
    def _vector(self, name: str, x) -> np.ndarray:
        x = check_real_array(name, x)
        if x.shape != (self._dim,):
            raise ValueError(f"{name} must have shape ({self._dim},); got {x.shape}")
        return x

    def project(self, x) -> np.ndarray:
        """The point ``sqrt(N) x / |x|`` of the sphere; ``x`` must be finite and nonzero."""
        x = self._vector("x", x)
        norm = np.linalg.norm(x)
        if not norm > 0:
            raise ValueError("x must be nonzero to be projected onto the sphere")
        return x * (math.sqrt(self._dim) / norm)

    def tangent_basis(self, x) -> np.ndarray:
        """Orthonormal basis of the tangent space at ``project(x)``, shape ``(N, N - 1)``.

        The first ``N - 1`` columns of the Householder reflection that maps
        ``x / |x|`` to ``-sign(x_N) e_N`` (see the class Notes).
        """
        y = self.project(x)
        y_hat = y / math.sqrt(self._dim)
        sigma = 1.0 if y_hat[-1] >= 0 else -1.0
        w = y_hat.copy()
        w[-1] += sigma
        q = np.eye(self._dim) - (2.0 / (w @ w)) * np.outer(w, w)
        return q[:, :-1]

    # -- the polynomial ------------------------------------------------------------------------
    def _partials(self, y: np.ndarray, hessian: bool):
        """H(y), the Euclidean gradient and (optionally) the Euclidean Hessian at ``y``."""
        n = self._dim
        value, egrad = 0.0, np.zeros(n)
        ehess = np.zeros((n, n)) if hessian else None
        for degree, tensor in self._tensors:
            matrix = _contract(tensor, y, degree - 2)
            vector = matrix @ y
            value += float(vector @ y)
            egrad += degree * vector
            if hessian:
                ehess += degree * (degree - 1) * matrix
        return value, egrad, ehess

    def covariance(self, x, y) -> float:
        r"""``E H(x) H(y) = N xi(x . y / N)``, ``xi(q) = sum_p gamma_p^2 q^p``, at projections."""
        q = float(self.project(x) @ self.project(y)) / self._dim
        return self._dim * sum(gamma**2 * q**degree for degree, gamma in self._mixture.items())

    def euclidean_grad(self, x) -> np.ndarray:
        """Gradient in ``R^N`` of the polynomial ``H`` at ``project(x)`` (not projected)."""
        return self._partials(self.project(x), hessian=False)[1]

    def value(self, x) -> float:
        """``H(project(x))``."""
        return self._partials(self.project(x), hessian=False)[0]

    def grad(self, x) -> np.ndarray:
        """Riemannian gradient ``P grad H`` at ``project(x)``, a tangent vector."""
        return self.value_and_grad(x)[1]

    def value_and_grad(self, x) -> tuple[float, np.ndarray]:
        """``H`` and its Riemannian gradient at ``project(x)``, in one pass over the couplings."""
        y = self.project(x)
        value, egrad, _ = self._partials(y, hessian=False)
        return value, egrad - (y @ egrad / self._dim) * y

    def hvp(self, x, v) -> np.ndarray:
        r"""Riemannian Hessian at ``project(x)`` applied to the tangent part of ``v``.

        Returns :math:`P \nabla^2 H\, P v - (y \cdot \nabla H / N)\, P v`, a tangent vector; the
        component of ``v`` along ``y`` is ignored. Exact, ``O(N^p)``.
        """
        y = self.project(x)
        v = self._vector("v", v)
        value, egrad, ehess = self._partials(y, hessian=True)
        w = v - (y @ v / self._dim) * y
        hw = ehess @ w
        return hw - (y @ hw / self._dim) * y - (y @ egrad / self._dim) * w

    def hess(self, x) -> np.ndarray:
        r"""Riemannian Hessian at ``project(x)`` in the basis :meth:`tangent_basis`.

        :math:`B^T \nabla^2 H B - (y \cdot \nabla H / N) I_{N-1}`, symmetric, shape
        ``(N - 1, N - 1)``.
        """
        y = self.project(x)
        _, egrad, ehess = self._partials(y, hessian=True)
        basis = self.tangent_basis(y)
        h = basis.T @ ehess @ basis
        h = 0.5 * (h + h.T)
        h -= (y @ egrad / self._dim) * np.eye(self._dim - 1)
        return h


# ---------------------------------------------------------------------------- the theory -----


class Thresholds(NamedTuple):
    """Energy thresholds of the pure spherical p-spin model (positive numbers).

    ``-e_0`` is the limit of the ground-state energy per spin, ``min H / N``; below
    ``-e_inf`` critical points have finite index, above it their index is of order ``N``.
    """

    e_0: float
    e_inf: float


def _check_energy(energy) -> np.ndarray:
    return check_real_array("energy", energy)


def _e_inf(p: int) -> float:
    return 2.0 * math.sqrt((p - 1) / p)


def _complexity(p: int, u: np.ndarray, k: int) -> np.ndarray:
    e_inf = _e_inf(p)
    out = np.full(u.shape, 0.5 * math.log(p - 1) - (p - 2) / p)
    low = u <= -e_inf
    ul = u[low]
    root = np.sqrt(np.maximum(ul * ul - e_inf * e_inf, 0.0))
    i1 = -(ul / e_inf**2) * root - np.log(-ul + root) + math.log(e_inf)
    out[low] = 0.5 * math.log(p - 1) - (p - 2) * ul * ul / (4 * (p - 1)) - (k + 1) * i1
    return out


def complexity(p: int, energy, k: int = 0) -> float | np.ndarray:
    r"""Annealed complexity of critical points of index ``k`` with energy per spin below ``u``.

    Parameters
    ----------
    p : int
        Degree of the pure model, ``>= 2``.
    energy : float or array_like
        Energy per spin ``u = H / N`` (finite).
    k : int
        Index (number of negative Riemannian Hessian eigenvalues), ``>= 0``.

    Returns
    -------
    float or numpy.ndarray
        :math:`\Theta_{k,p}(u) = \lim_N N^{-1} \log E\, \mathrm{Crt}_{N,k}((-\infty, u])`.

    Notes
    -----
    ABC Theorem 2.5: with :math:`E_\infty = 2 \sqrt{(p-1)/p}`,

    .. math:: \Theta_{k,p}(u) = \tfrac12 \ln(p-1) - \frac{p-2}{4(p-1)} u^2 - (k+1) I_1(u),
              \qquad u \le -E_\infty,

    :math:`I_1(u) = -\frac{u}{E_\infty^2}\sqrt{u^2 - E_\infty^2}
    - \ln\big(-u + \sqrt{u^2 - E_\infty^2}\big) + \ln E_\infty`, and
    :math:`\Theta_{k,p}(u) = \tfrac12 \ln(p-1) - \frac{p-2}{p}` for :math:`u > -E_\infty`
    (the two agree at :math:`-E_\infty`). The theorem is stated for ``p >= 3``; for ``p = 2``
    the formula gives ``Theta <= 0`` with equality above ``-sqrt 2``.

    Examples
    --------
    >>> round(complexity(3, -1.0), 6)          # (1/2) ln 2 - 1/3 above -E_inf
    0.01324
    >>> abs(complexity(3, -thresholds(3).e_0)) < 1e-12
    True
    """
    p = check_int("p", p, 2)
    k = check_int("k", k, 0)
    u = _check_energy(energy)
    out = _complexity(p, np.atleast_1d(u), k)
    return float(out[0]) if u.ndim == 0 else out


def layer_energies(p: int, k_max: int) -> np.ndarray:
    r"""The thresholds ``E_0 > E_1 > ... > E_{k_max} > E_inf`` of the index layers.

    Parameters
    ----------
    p : int
        Degree of the pure model, ``>= 2``.
    k_max : int
        Largest index, ``>= 0``.

    Returns
    -------
    numpy.ndarray, shape (k_max + 1,)
        ``E_k`` solving :math:`\Theta_{k,p}(-E_k) = 0` (:func:`complexity`): the expected
        number of critical points of index ``k`` with energy per spin below ``-E_k`` vanishes
        exponentially, and ``-E_0`` is the ground-state energy (ABC, Section 2). ``E_k``
        decreases to ``E_inf = 2 sqrt((p - 1) / p)`` as ``k -> infinity``. For ``p = 2`` all
        layers coincide with ``E_inf = sqrt 2``.

    Notes
    -----
    :math:`\Theta_{k,p}(-E)` decreases strictly in ``E`` on ``[E_inf, infinity)`` from
    :math:`\tfrac12 \ln(p-1) - (p-2)/p > 0` (``p >= 3``) to ``-infinity``, so the root is
    unique; it is found by Brent's method to an absolute accuracy of ``1e-13``.

    Examples
    --------
    >>> np.round(layer_energies(3, 2), 5).tolist()
    [1.657, 1.65287, 1.65025]
    """
    p = check_int("p", p, 2)
    k_max = check_int("k_max", k_max, 0)
    e_inf = _e_inf(p)
    if p == 2:
        return np.full(k_max + 1, e_inf)

    def theta(e: float, k: int) -> float:
        return float(_complexity(p, np.array([-e]), k)[0])

    upper = 2.0 * e_inf
    while theta(upper, 0) > 0:
        upper *= 2.0
    return np.array([brentq(theta, e_inf, upper, args=(k,), xtol=1e-13, rtol=4 * np.finfo(
        float).eps) for k in range(k_max + 1)])


def thresholds(p: int) -> Thresholds:
    r"""Ground-state and index thresholds ``(E_0, E_inf)`` of the pure spherical p-spin model.

    Parameters
    ----------
    p : int
        Degree, ``>= 2``.

    Returns
    -------
    Thresholds
        ``e_0`` (the root of :math:`\Theta_{0,p}(-E_0) = 0`, :func:`layer_energies`) and
        ``e_inf`` :math:`= 2 \sqrt{(p-1)/p}`, both in the energy per spin ``u = H / N`` of the
        model :math:`E\, H(s) H(s') = N (s \cdot s'/N)^p` on ``|s|^2 = N``.

    Notes
    -----
    ABC (2013), Section 2: for ``p = 3``, ``E_0 = 1.657`` and ``E_inf = 2 sqrt(2/3) =
    1.633``; ``E_0`` is also the zero-temperature ground-state energy of Crisanti & Sommers
    (1992) in this normalisation.

    Examples
    --------
    >>> t = thresholds(3)
    >>> round(t.e_0, 5), round(t.e_inf, 5)
    (1.657, 1.63299)
    """
    p = check_int("p", p, 2)
    return Thresholds(e_0=float(layer_energies(p, 0)[0]), e_inf=_e_inf(p))


def asymptotic_index_fraction(p: int, energy) -> float | np.ndarray:
    r"""Limiting index fraction of critical points of a pure p-spin model at energy ``u``.

    Parameters
    ----------
    p : int
        Degree, ``>= 2``.
    energy : float or array_like
        Energy per spin ``u = H / N`` (finite).

    Returns
    -------
    float or numpy.ndarray
        :math:`F_{sc}(p u / (2 \sqrt{p (p-1)}))`: the fraction of negative eigenvalues of a
        semicircle of radius :math:`2 \sqrt{p (p-1)}` centred at :math:`-p u` (the
        Riemannian Hessian at a critical point of energy ``u``; see
        :class:`SphericalSpinGlass`), computed by :func:`rmt.index_fraction`. 0 for
        ``u <= -E_inf``, 1/2 at ``u = 0``, 1 for ``u >= E_inf``.

    Examples
    --------
    >>> asymptotic_index_fraction(3, 0.0)
    0.5
    >>> float(asymptotic_index_fraction(3, -thresholds(3).e_inf))
    0.0
    """
    p = check_int("p", p, 2)
    u = _check_energy(energy)
    return rmt.semicircle_index_fraction(-p * u, 2.0 * math.sqrt(p * (p - 1)))

