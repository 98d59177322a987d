r"""Spherical p-spin glasses: a random polynomial on the sphere ``|s|^2 = N``, and its theory.

The pure p-spin Hamiltonian (Auffinger, Ben Arous & Černý 2013, Comm. Pure Appl. Math. 66,
165; "ABC" below) is

.. math:: H(s) = N^{-(p-1)/2} \sum_{i_1, \dots, i_p = 1}^N J_{i_1 \dots i_p}
          s_{i_1} \cdots s_{i_p}, \qquad |s|^2 = N,

with i.i.d. standard normal couplings, so that :math:`E\, H(s) H(s') = N (s \cdot s' / N)^p`.
A mixed model is a sum of independent pure ones, :math:`H = \sum_p \gamma_p H_p`, with
covariance :math:`N \xi(s \cdot s' / N)`, :math:`\xi(q) = \sum_p \gamma_p^2 q^p`.
:class:`SphericalSpinGlass` is a frozen surface on the sphere with Riemannian gradients and
Hessians (docs/design.md); :func:`thresholds`, :func:`layer_energies` and :func:`complexity`
give ABC's predictions for the pure model, in the energy per spin ``u = H / N``;
:func:`asymptotic_index_fraction` and :func:`kac_rice_index` the index fraction of critical
points against ``u``, asymptotic and at finite ``N``, for pure and mixed models (the law of
the Hessian at a critical point of a mixture, :func:`hessian_law`: Auffinger & Ben Arous
2013, Ann. Probab. 41, 4214).
"""

from __future__ import annotations

import math
from types import MappingProxyType
from typing import NamedTuple

import numpy as np
from scipy.optimize import brentq

import rmt
from rmt._validation import check_int, check_positive_float, check_real_array, check_vector
from rmt.random import as_generator

from ._limits import about
from .kac_rice import KacRiceEstimate, check_dim, shifted_goe_index

__all__ = [
    "MAX_COUPLING_ENTRIES",
    "MAX_LAYERS",
    "MAX_SYMMETRISE_WORK",
    "HessianLaw",
    "KacRiceEstimate",
    "SphericalSpinGlass",
    "Thresholds",
    "asymptotic_index_fraction",
    "complexity",
    "hessian_law",
    "kac_rice_index",
    "layer_energies",
    "thresholds",
]

#: Largest total number of stored coupling entries (float64: 256 MiB; building needs twice).
MAX_COUPLING_ENTRIES = 2**25
#: Largest number of entry operations spent symmetrising the couplings (a few seconds).
MAX_SYMMETRISE_WORK = 2**31
#: Largest ``k_max`` of :func:`layer_energies` (one root find per layer: about 20 s).
MAX_LAYERS = 10**5


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


def _largest_dim(degree: int) -> str:
    """The largest ``dim`` :func:`_check_coupling_size` allows for one degree, for messages."""
    passes = degree * (degree + 1) // 2 - 1
    log_dim = min(math.log(MAX_COUPLING_ENTRIES),
                  math.log(MAX_SYMMETRISE_WORK) - math.log(passes)) / degree
    largest = math.floor(math.exp(log_dim) + 1e-9)
    return f"p = {degree}: dim <= {largest}" if largest >= 2 else f"p = {degree}: no dim >= 2"


def _log_sum(logs: list[float]) -> float:
    top = max(logs)
    return top + math.log(math.fsum(math.exp(v - top) for v in logs))


def _check_coupling_size(dim: int, degrees: list[int]) -> None:
    """Refuse couplings of more than :data:`MAX_COUPLING_ENTRIES` entries, before any work.

    Also refused: more than :data:`MAX_SYMMETRISE_WORK` entry operations to symmetrise them
    (``p (p + 1) / 2 - 1`` passes over the ``dim^p`` entries of degree ``p``). Both are
    compared in logarithms (``p log dim``), so that a degree of ``10**12`` is refused at once
    instead of forming ``dim**p`` exactly.
    """
    log_entries = _log_sum([d * math.log(dim) for d in degrees])
    log_work = _log_sum([math.log(d * (d + 1) // 2 - 1) + d * math.log(dim) for d in degrees])
    if log_entries <= math.log(MAX_COUPLING_ENTRIES) + 1.0 \
            and sum(dim**d for d in degrees) <= MAX_COUPLING_ENTRIES \
            and log_work <= math.log(MAX_SYMMETRISE_WORK):
        return
    raise ValueError(
        f"SphericalSpinGlass stores dim^p float64 couplings per degree (a zero weight still "
        f"draws them) and symmetrises them in p (p + 1) / 2 - 1 passes: dim = {dim} with "
        f"degrees {sorted(degrees)} needs about {about(log_entries)} entries (about "
        f"{about(log_entries + math.log(8 / 2**20))} MiB) and {about(log_work)} operations, "
        f"above the limits of {MAX_COUPLING_ENTRIES} entries "
        f"({MAX_COUPLING_ENTRIES * 8 // 2**20} MiB) and {MAX_SYMMETRISE_WORK:.3g} operations "
        f"(seconds); the largest sizes are {', '.join(_largest_dim(d) for d in degrees)}"
    )


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
    mixture : dict {int: float}, optional
        Mixed model ``H = sum_p gamma_p H_p`` with independent pure ``H_p``; degrees ``>= 2``,
        weights ``gamma_p >= 0``, not all zero.
    rng : None, int, SeedSequence or Generator
        Source of the couplings (one tensor per degree, drawn in increasing degree).

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
        more than :data:`MAX_COUPLING_ENTRIES` (``2**25``) stored numbers or more than
        :data:`MAX_SYMMETRISE_WORK` (``2**31``) operations to symmetrise (degrees of zero
        weight count: their couplings are drawn). Checked in logarithms, at once for any
        degree.

    Notes
    -----
    **Storage.** For each degree the symmetrised tensor
    :math:`A = \gamma_p N^{-(p-1)/2} \operatorname{sym}(J)` is stored (:math:`N^p` float64
    numbers: 64 MiB for ``p = 3, N = 200``, 104 MiB for ``p = 4, N = 60``; building it needs
    twice that). Then :math:`H(s) = A[s, \dots, s]`, the Euclidean gradient is
    :math:`p A[\cdot, s, \dots, s]` and the Euclidean Hessian
    :math:`p (p - 1) A[\cdot, \cdot, s, \dots, s]`, each one pass over ``A``: ``O(N^p)``.
    Symmetrising leaves ``H`` unchanged; it takes ``p (p + 1) / 2 - 1`` passes over the
    tensor. Sizes above ``2**25`` entries in total (``p = 3``: ``N <= 322``; ``p = 4``:
    ``N <= 76``; ``p = 5``: ``N <= 32``) or ``2**31`` symmetrising operations (``p = 12``:
    ``N <= 4``; ``p = 22``: ``N = 2``; none from ``p = 23``) are refused.

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

    def __init__(self, dim: int, p: int = 3, *, mixture: dict | None = None, rng=None):
        dim = check_int("dim", dim, 2)
        weights = _check_mixture(p, mixture)
        _check_coupling_size(dim, list(weights))
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
    def project(self, x) -> np.ndarray:
        """The point ``sqrt(N) x / |x|`` of the sphere; ``x`` must be finite and nonzero."""
        return self._project("x", x)

    def _project(self, name: str, x) -> np.ndarray:
        x = check_vector(name, x, self._dim)
        norm = np.linalg.norm(x)
        if not norm > 0:
            raise ValueError(f"{name} must be nonzero to be projected onto the sphere")
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
        q = float(self._project("x", x) @ self._project("y", y)) / self._dim
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
        v = check_vector("v", v, self._dim)
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
        Largest index, ``0 <= k_max <= 10**5`` (:data:`MAX_LAYERS`: each layer is one root
        find, about 0.2 ms).

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
    k_max = check_int("k_max", k_max, 0, maximum=MAX_LAYERS,
                      why="each layer is one Brent root find of about 0.2 ms: 10^5 layers take "
                          "about 20 s")
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


class HessianLaw(NamedTuple):
    r"""The Riemannian Hessian at a critical point of energy ``u``, in law (:func:`hessian_law`).

    ``Hess = scale * G + (slope * u + sqrt(shift_variance / N) * z) I_{N-1}`` with ``G`` an
    ``(N-1) x (N-1)`` GOE of entry variances ``(1 + delta_ij) / N`` and ``z ~ N(0, 1)``
    independent of ``G``.
    """

    #: :math:`\sqrt{\xi''(1)}`: the semicircle of ``scale * G`` has radius ``2 scale``.
    scale: float
    #: :math:`-\xi'(1) / \xi(1)`: the mean common shift per unit energy (``-p`` when pure).
    slope: float
    #: :math:`B = \xi''(1) + \xi'(1) - \xi'(1)^2 / \xi(1)`, ``N`` times the variance of the
    #: common shift (0 for a pure model).
    shift_variance: float


def hessian_law(p: int = 3, *, mixture: dict | None = None) -> HessianLaw:
    r"""The law of the Riemannian Hessian at a critical point of energy per spin ``u``.

    Parameters
    ----------
    p : int
        Degree of a pure model, ``>= 2`` (ignored when ``mixture`` is given).
    mixture : dict {int: float}, optional
        Weights ``gamma_p`` of a mixed model ``H = sum_p gamma_p H_p`` (as
        :class:`SphericalSpinGlass`); zero weights are dropped.

    Returns
    -------
    HessianLaw
        ``(scale, slope, shift_variance)``: given ``H = N u`` and a zero gradient,
        ``Hess = scale G + (slope u + sqrt(shift_variance / N) z) I``.

    Raises
    ------
    TypeError, ValueError
        A degree below 2, or weights that are not a non-empty dict of numbers ``>= 0`` with
        one of them positive.

    Notes
    -----
    With covariance :math:`N \xi(s \cdot s' / N)` and :math:`\xi, \xi', \xi''` at ``q = 1``,
    write :math:`g(x) = H(x, \sqrt{N - |x|^2})` in the chart around a point of the sphere,
    whose Christoffel symbols vanish there, so that :math:`\nabla^2 g(0)` is the Riemannian
    Hessian. Expanding the covariance :math:`N \xi(q(x, x'))`,
    :math:`q = 1 + x \cdot x'/N - (|x|^2 + |x'|^2)/(2N) + O(|x|^4)`, gives

    .. math:: \operatorname{Var} g = N \xi, \qquad
              \operatorname{Cov}(g, \partial_{ij} g) = -\xi' \delta_{ij}, \qquad
              \operatorname{Cov}(\partial_{ij} g, \partial_{kl} g) = \frac{\xi''}{N}
              (\delta_{ik}\delta_{jl} + \delta_{il}\delta_{jk})
              + \frac{\xi'' + \xi'}{N} \delta_{ij}\delta_{kl},

    and the gradient is independent of both (odd orders). Conditioning on ``g = N u``
    removes :math:`\xi'^2 \delta_{ij}\delta_{kl} / (N \xi)` from the last covariance: the
    Hessian is :math:`\sqrt{\xi''}\, G - (\xi'/\xi) u\, I` plus a common Gaussian shift of
    variance :math:`B / N`, :math:`B = \xi'' + \xi' - \xi'^2/\xi = \xi \operatorname{Var}_w(p)`
    (the variance of the degree under the weights :math:`w_p = \gamma_p^2 / \xi`, computed
    as such, without cancellation). A pure model (or a single degree with any weight) has
    ``B = 0``: ``Hess = gamma sqrt(p(p-1)) G - p u`` (ABC, Section 3); a genuine mixture
    has ``B > 0`` (Auffinger & Ben Arous 2013), the structure of a Gaussian field in the
    Bray–Dean scaling (:mod:`fields.bray_dean`), so its critical points see a Kac–Rice tilt
    of the common shift (:func:`asymptotic_index_fraction`).

    Examples
    --------
    >>> hessian_law(3)
    HessianLaw(scale=2.449489742783178, slope=-3.0, shift_variance=0.0)
    >>> round(hessian_law(mixture={2: 1.0, 4: 1.0}).shift_variance, 12)
    2.0
    """
    weights = {deg: g for deg, g in _check_mixture(p, mixture).items() if g > 0}
    degrees = np.array(list(weights), dtype=np.float64)
    gamma2 = np.array(list(weights.values())) ** 2
    xi = float(gamma2.sum())
    w = gamma2 / xi
    mean_degree = float(w @ degrees)
    return HessianLaw(
        scale=math.sqrt(float(gamma2 @ (degrees * (degrees - 1)))),
        slope=-mean_degree,
        shift_variance=xi * float(w @ (degrees - mean_degree) ** 2),
    )


def _tilted_mean(law: HessianLaw, u: np.ndarray) -> np.ndarray:
    """The common shift where ``|det Hess|`` puts critical points of energy ``u``."""
    radius2 = 4.0 * law.scale**2
    return law.slope * u * radius2 / (radius2 - 2.0 * law.shift_variance)


def asymptotic_index_fraction(p: int, energy, *, mixture: dict | None = None
                              ) -> float | np.ndarray:
    r"""Limiting index fraction of critical points of a spherical spin glass at energy ``u``.

    Parameters
    ----------
    p : int
        Degree of a pure model, ``>= 2`` (ignored when ``mixture`` is given).
    energy : float or array_like
        Energy per spin ``u = H / N`` (finite).
    mixture : dict {int: float}, optional
        Weights ``gamma_p`` of a mixed model (as :class:`SphericalSpinGlass`).

    Returns
    -------
    float or numpy.ndarray
        For a pure model :math:`F_{sc}(p u / (2 \sqrt{p (p-1)}))`: the fraction of negative
        eigenvalues of a semicircle of radius :math:`2 \sqrt{p (p-1)}` centred at
        :math:`-p u` (the Riemannian Hessian at a critical point of energy ``u``; see
        :class:`SphericalSpinGlass`), computed by :func:`rmt.semicircle_index_fraction`: 0 for
        ``u <= -E_inf``, 1/2 at ``u = 0``, 1 for ``u >= E_inf``. For a mixture, the semicircle
        of radius :math:`R = 2\sqrt{\xi''}` centred at the tilted shift ``T(u)`` of the Notes.

    Raises
    ------
    TypeError, ValueError
        A bad degree or mixture (:func:`hessian_law`); non-real or non-finite energies.

    Notes
    -----
    With the law of :func:`hessian_law`, ``Hess = scale G + t I`` where the common shift is
    ``t ~ N(slope u, B / N)``. The Kac–Rice weight :math:`|\det \mathrm{Hess}| =
    e^{N \Phi(t)}`, :math:`\Phi(t) = \int \log|t + x| \rho_R(x) dx`, moves the Gaussian's
    maximum to :math:`(t - \mathrm{slope}\, u) / B = \Phi'(t) = 2 t / R^2` inside the bulk,
    i.e. :math:`T(u) = \mathrm{slope}\; u\, R^2 / (R^2 - 2B)`, and
    :math:`\alpha(u) = F_{sc}(-T(u) / R)`; outside the bulk the root stays outside and the
    fraction is 0 or 1, as the formula gives. :math:`2B / R^2 < 1/2` always, since
    :math:`B / (2 \xi'') = \operatorname{Var}_w(p) / (2 (\operatorname{Var}_w(p) + \bar p^2 -
    \bar p))` and :math:`\bar p \ge 2`. The same computation gives the Bray–Dean tilt of
    Gaussian fields (:func:`fields.bray_dean.tilted_shift`). A pure model has ``B = 0``: no
    tilt.

    Examples
    --------
    >>> asymptotic_index_fraction(3, 0.0)
    0.5
    >>> float(asymptotic_index_fraction(3, -thresholds(3).e_inf))
    0.0
    >>> bool(asymptotic_index_fraction(3, -0.5, mixture={3: 2.0})
    ...      == asymptotic_index_fraction(3, -0.25))
    True
    """
    law = hessian_law(p, mixture=mixture)
    u = _check_energy(energy)
    return rmt.semicircle_index_fraction(_tilted_mean(law, u), 2.0 * law.scale)


def kac_rice_index(p: int, dim: int, energy, *, mixture: dict | None = None,
                   n_samples: int = 4000, rng=None) -> KacRiceEstimate:
    r"""Finite-``N`` expected index fraction of critical points of a spherical spin glass.

    Parameters
    ----------
    p : int
        Degree of a pure model, ``>= 2`` (ignored when ``mixture`` is given).
    dim : int
        Number of spins ``N >= 2`` (the Hessian has size ``N - 1``).
    energy : float or array_like
        Energies per spin ``u = H / N``; finite. All share the same GOE draws (common random
        numbers).
    mixture : dict {int: float}, optional
        Weights ``gamma_p`` of a mixed model (as :class:`SphericalSpinGlass`).
    n_samples : int
        Number of GOE matrices drawn (``>= 2``).
    rng : None, int, SeedSequence or Generator
        Source of randomness.

    Returns
    -------
    KacRiceEstimate
        ``value`` and ``stderr`` of the shape of ``energy``; ``dim`` is ``N``.

    Raises
    ------
    TypeError, ValueError
        For ``dim < 2``, a bad degree or mixture, ``n_samples < 2``, non-finite energies, or
        samples whose arrays would exceed 4 GiB (:func:`fields.kac_rice.shifted_goe_index`).

    Notes
    -----
    By the Kac–Rice formula (the densities of the value and of the gradient at 0 do not
    depend on the Hessian and cancel in the ratio), with the Hessian law of
    :func:`hessian_law`,

    .. math:: \alpha_N(u) = \frac{E[|\det M|\; \mathrm{index}(M) / (N-1)]}{E[|\det M|]},
              \qquad M = \sqrt{\xi''}\, G + (\mathrm{slope}\; u + \sqrt{B / N}\, z)\, I_{N-1},

    ``G`` a GOE of size ``N - 1`` with entry variances ``(1 + delta_ij) / N``; for a pure
    model :math:`M = \sqrt{p(p-1)}\, G - p u` (ABC, Section 3): no common random shift, no
    tilt, and no quadrature in ``z``. It tends to :func:`asymptotic_index_fraction` as ``N``
    grows. Estimated by :func:`fields.kac_rice.shifted_goe_index`, the estimator of
    :func:`fields.bray_dean.kac_rice_index`: ``G`` from the tridiagonal model, the index and
    ``log|det M|`` from one Sturm pass per sample and quadrature node.

    Examples
    --------
    >>> est = kac_rice_index(3, 50, [-1.0, 0.0], n_samples=500, rng=0)
    >>> est.value.shape, bool(abs(est.value[1] - 0.5) < 4 * est.stderr[1])
    ((2,), True)
    """
    law = hessian_law(p, mixture=mixture)
    dim = check_dim(dim, 2)
    u = _check_energy(energy)
    n_samples = check_int("n_samples", n_samples, 2)
    gen = as_generator(rng)
    m = dim - 1
    flat = np.atleast_1d(u).ravel()
    value, stderr = shifted_goe_index(
        m, law.scale * math.sqrt(m / dim), law.slope * flat, _tilted_mean(law, flat),
        math.sqrt(law.shift_variance / dim), n_samples, gen,
    )
    if u.ndim == 0:
        return KacRiceEstimate(float(value[0]), float(stderr[0]), dim, n_samples)
    return KacRiceEstimate(value.reshape(u.shape), stderr.reshape(u.shape), dim, n_samples)
