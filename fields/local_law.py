r"""The exact joint Gaussian law of value, gradient and Hessian at one point of an isotropic field.

Let ``f`` be a centred Gaussian field on ``R^N`` with ``E f(x) f(y) = A C(|x - y|^2 / L)``, ``C`` a
unit-variance kernel of :mod:`fields.kernels` with ``c0 = C(0)``, ``c1 = C'(0)``,
``c2 = C''(0)``. Two scalings are used in the library:

``"unit"``
    ``A = 1``, ``L = 1``: covariance ``C(|x - y|^2)`` (``docs/theory.md`` section 7, "Local law").
``"bray-dean"``
    ``A = N``, ``L = N``: covariance ``N C(|x - y|^2 / N)``, i.e. ``f(x) = sqrt(N) g(x / sqrt N)``
    with ``g`` of covariance ``C`` (Bray & Dean 2007; ``docs/theory.md`` section 7, "Large-N
    scaling"). The value is of order ``N`` (energy density ``e = f / N`` of order 1), gradient
    components of order 1 and Hessian entries of order ``N^(-1/2)``, so the Hessian spectrum has
    a limit.

The kernel ``A C(s / L)`` has derivatives ``A c0``, ``A c1 / L``, ``A c2 / L^2`` at ``s = 0``, so
differentiating ``E f(x) f(y)`` (``d/dy_i C(|x-y|^2) = 2 (y_i - x_i) C'`` and so on) gives

* ``f ~ N(0, A c0)``;
* gradient components i.i.d. ``N(0, -2 A c1 / L)``, independent of ``f`` and of the Hessian;
* ``Cov(f, H_ij) = 2 A c1 / L delta_ij``;
* ``Cov(H_ij, H_kl) = (4 A c2 / L^2) (delta_ij delta_kl + delta_ik delta_jl + delta_il delta_jk)``.

For ``"bray-dean"``: ``Var f = N c0``, ``Var g_i = -2 c1``, ``Cov(f, H_ii) = 2 c1`` and
``Cov(H_ij, H_kl) = (4 c2 / N) (...)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

import rmt
from rmt._validation import check_int, check_real_array, check_size
from rmt.random import as_generator

from ._limits import check_matrix_side, check_memory
from .kernels import Kernel

__all__ = [
    "LocalLaw",
    "LocalSample",
    "SCALINGS",
    "local_law",
    "sample_hessian_given_value",
    "sample_local",
]

#: The field scalings: "unit" (A = L = 1) and "bray-dean" (A = L = N).
SCALINGS = ("unit", "bray-dean")


def _check_kernel(kernel) -> Kernel:
    if not isinstance(kernel, Kernel):
        raise TypeError(
            f"kernel must be a fields.kernels.Kernel (SquaredExponential, Matern, ...); "
            f"got {type(kernel).__name__}"
        )
    return kernel


def _check_scaling(scaling) -> str:
    if scaling not in SCALINGS:
        raise ValueError(f"scaling must be one of {SCALINGS}; got {scaling!r}")
    return scaling


@dataclass(frozen=True)
class LocalLaw:
    r"""Parameters of the joint law of ``(f, grad f, Hess f)`` at one point.

    Attributes
    ----------
    dim : int
        Dimension ``N``.
    scaling : str
        ``"unit"`` or ``"bray-dean"``.
    amplitude, length : float
        ``A`` and ``L`` of the covariance ``A C(|x - y|^2 / L)``.
    value_variance : float
        ``Var f = A c0``.
    gradient_variance : float
        ``Var g_i = -2 A c1 / L``.
    value_hessian_covariance : float
        ``Cov(f, H_ii) = 2 A c1 / L`` (``Cov(f, H_ij) = 0`` for ``i != j``).
    hessian_scale : float
        ``s_H = 4 A c2 / L^2``: ``Cov(H_ij, H_kl) = s_H (d_ij d_kl + d_ik d_jl + d_il d_jk)``, so
        ``Var H_ij = s_H`` (``i != j``), ``Var H_ii = 3 s_H``, ``Cov(H_ii, H_jj) = s_H``.
    correlation : float
        ``rho = c1 / sqrt(c0 c2)`` in ``[-1, 0)``: the correlation of ``f`` with the common
        diagonal shift ``xi`` of :func:`sample_local`, the same in both scalings.
    conditional_shift : float
        ``E[H | f = u] = conditional_shift * u * I``, ``conditional_shift = 2 c1 / (c0 L)``.
    conditional_sd : float
        ``b = sqrt(4 A (c2 - c1^2 / c0)) / L``: the standard deviation of the random common
        shift of ``H`` given ``f``.
    """

    dim: int
    scaling: str
    amplitude: float
    length: float
    value_variance: float
    gradient_variance: float
    value_hessian_covariance: float
    hessian_scale: float
    correlation: float
    conditional_shift: float
    conditional_sd: float


def local_law(kernel: Kernel, dim: int, scaling: str = "bray-dean") -> LocalLaw:
    r"""The parameters of the joint law of value, gradient and Hessian at one point.

    Parameters
    ----------
    kernel : Kernel
        Unit-variance isotropic kernel; it must allow a Hessian (Matérn needs ``nu > 2``).
    dim : int
        Dimension ``N >= 1``.
    scaling : {"bray-dean", "unit"}
        ``"bray-dean"``: covariance ``N C(|x - y|^2 / N)``; ``"unit"``: ``C(|x - y|^2)``.

    Returns
    -------
    LocalLaw

    Raises
    ------
    TypeError
        If ``kernel`` is not a :class:`~fields.kernels.Kernel` or ``dim`` not an integer.
    ValueError
        If the kernel has no Hessian, ``dim < 1`` or ``scaling`` is unknown.

    Notes
    -----
    The covariances follow from differentiating ``A C(|x - y|^2 / L)``; the conditional law of
    ``H`` given ``f = u`` from Gaussian conditioning:
    ``E[H_ii | u] = Cov(f, H_ii) u / Var f = 2 c1 u / (c0 L)`` and the common diagonal part has
    the residual variance ``s_H - Cov(f, H_ii)^2 / Var f = 4 A (c2 - c1^2 / c0) / L^2 = b^2``
    (Bray & Dean 2007; Fyodorov 2004). ``b = 0`` only when ``c0 c2 = c1^2``, which by
    Cauchy–Schwarz on the spectral measure happens only for the squared-exponential kernel.

    Examples
    --------
    >>> from fields.kernels import Matern
    >>> from fields.local_law import local_law
    >>> law = local_law(Matern(nu=2.5), dim=100, scaling="bray-dean")
    >>> law.value_variance, round(law.gradient_variance, 6), round(law.hessian_scale, 6)
    (100.0, 1.666667, 0.083333)
    """
    kernel = _check_kernel(kernel)
    dim = check_int("dim", dim)
    scaling = _check_scaling(scaling)
    kernel.require(2, "the Hessian")
    c0, c1, c2 = kernel.c0, kernel.c1, kernel.c2
    amplitude = length = 1.0 if scaling == "unit" else float(dim)
    return LocalLaw(
        dim=dim,
        scaling=scaling,
        amplitude=amplitude,
        length=length,
        value_variance=amplitude * c0,
        gradient_variance=-2.0 * amplitude * c1 / length,
        value_hessian_covariance=2.0 * amplitude * c1 / length,
        hessian_scale=4.0 * amplitude * c2 / length**2,
        correlation=c1 / math.sqrt(c0 * c2),
        conditional_shift=2.0 * c1 / (c0 * length),
        # max(., 0): c2 - c1^2 / c0 is 0 up to rounding for the squared-exponential kernel.
        conditional_sd=math.sqrt(4.0 * amplitude * max(c2 - c1 * c1 / c0, 0.0)) / length,
    )


@dataclass(frozen=True)
class LocalSample:
    """Value, gradient and Hessian of a field at one point (with a leading batch shape).

    Attributes
    ----------
    value : float or ndarray, shape ``batch``
    grad : ndarray, shape ``batch + (dim,)``
    hess : ndarray, shape ``batch + (dim, dim)``
    """

    value: float | np.ndarray
    grad: np.ndarray
    hess: np.ndarray


def _check_hessians_memory(dim: int, batch: tuple[int, ...]) -> None:
    """Refuse, before any draw, Hessians whose arrays (about 4 copies) exceed 4 GiB."""
    check_matrix_side("dim", dim, copies=4, what="a Hessian and its draws")
    n = math.prod(batch)
    check_memory("size", 32 * n * dim * dim,
                 f"{n} Hessians of size {dim} x {dim} and their draws")


def _scaled_goe(dim: int, rng: np.random.Generator, batch: tuple[int, ...]) -> np.ndarray:
    """``W'``: GOE with off-diagonal variance 1 and diagonal variance 2, shape batch + (N, N)."""
    return rmt.goe(dim, rng=rng, size=batch if batch else None) * math.sqrt(dim)


def sample_local(
    kernel: Kernel,
    dim: int,
    size: int | tuple[int, ...] | None = None,
    scaling: str = "bray-dean",
    *,
    rng=None,
) -> LocalSample:
    r"""Draw ``(f, grad f, Hess f)`` at one point from their exact joint Gaussian law.

    Parameters
    ----------
    kernel : Kernel
        Unit-variance isotropic kernel with a Hessian (Matérn needs ``nu > 2``).
    dim : int
        Dimension ``N >= 1``.
    size : int or tuple of int, optional
        Batch shape; ``None`` for one draw (``value`` is then a float).
    scaling : {"bray-dean", "unit"}
        See :func:`local_law`.
    rng : None, int, SeedSequence or Generator
        Source of randomness.

    Returns
    -------
    LocalSample

    Notes
    -----
    With ``zeta, z ~ N(0, 1)`` and ``W'`` a GOE with ``E W'_ij^2 = 1 + delta_ij`` (``sqrt(N)``
    times :func:`rmt.goe`), all independent, and ``rho = c1 / sqrt(c0 c2)``:

    .. math::

        f = \sqrt{A c_0}\, \zeta, \qquad
        H = \frac{\sqrt{4 A c_2}}{L} \left(W' + \xi I\right), \qquad
        \xi = \rho \zeta + \sqrt{1 - \rho^2}\, z.

    Then ``Var xi = 1`` gives ``Cov(H_ij, H_kl) = (4 A c2 / L^2)(d_ij d_kl + d_ik d_jl + d_il
    d_jk)`` (the ``d_ij d_kl`` term from ``xi``, the other two from ``W'``), and
    ``Cov(f, H_ii) = sqrt(A c0) sqrt(4 A c2) rho / L = 2 A c1 / L``. The gradient is drawn
    independently, ``N(0, -2 A c1 / L)`` per component. ``|rho| <= 1`` is Cauchy–Schwarz
    ``c1^2 <= c0 c2``.

    Examples
    --------
    >>> from fields.kernels import SquaredExponential
    >>> from fields.local_law import sample_local
    >>> s = sample_local(SquaredExponential(), dim=5, size=3, rng=0)
    >>> s.value.shape, s.grad.shape, s.hess.shape
    ((3,), (3, 5), (3, 5, 5))
    """
    law = local_law(kernel, dim, scaling)
    batch = check_size(size)
    _check_hessians_memory(law.dim, () if batch is None else batch)
    rng = as_generator(rng)
    shape = () if batch is None else batch
    zeta = rng.standard_normal(shape)
    z = rng.standard_normal(shape)
    grad = rng.standard_normal(shape + (law.dim,)) * math.sqrt(law.gradient_variance)
    w = _scaled_goe(law.dim, rng, shape)
    rho = law.correlation
    xi = rho * zeta + math.sqrt(max(1.0 - rho * rho, 0.0)) * z
    hess = math.sqrt(law.hessian_scale) * (
        w + xi[..., None, None] * np.eye(law.dim)
    )
    value = math.sqrt(law.value_variance) * zeta
    return LocalSample(value=float(value) if batch is None else value, grad=grad, hess=hess)


def sample_hessian_given_value(
    kernel: Kernel,
    dim: int,
    value,
    size: int | tuple[int, ...] | None = None,
    scaling: str = "bray-dean",
    *,
    rng=None,
) -> np.ndarray:
    r"""Draw the Hessian at a point where the field takes the value ``u``.

    Parameters
    ----------
    kernel : Kernel
        Unit-variance isotropic kernel with a Hessian (Matérn needs ``nu > 2``).
    dim : int
        Dimension ``N >= 1``.
    value : float or array_like
        The value ``u`` of the field (for ``"bray-dean"``, ``u = N e`` with ``e`` the energy
        density). An array is broadcast against ``size``.
    size : int or tuple of int, optional
        Batch shape; default ``numpy.shape(value)``.
    scaling : {"bray-dean", "unit"}
        See :func:`local_law`.
    rng : None, int, SeedSequence or Generator
        Source of randomness.

    Returns
    -------
    ndarray, shape ``batch + (dim, dim)``

    Notes
    -----
    Gaussian conditioning of :func:`sample_local` (Bray & Dean 2007, Fyodorov 2004):

    .. math:: H \mid (f = u) = \frac{\sqrt{4 A c_2}}{L} W'
              + \left(\frac{2 c_1 u}{c_0 L} + b z\right) I,
              \qquad b^2 = \frac{4 A (c_2 - c_1^2 / c_0)}{L^2},

    with ``z ~ N(0, 1)``. For ``"bray-dean"`` at energy density ``e = u / N`` this is
    ``2 sqrt(c2) G + (2 c1 e / c0 + b z) I`` with ``G = W' / sqrt(N)`` the GOE of spectrum
    ``[-2, 2]`` and ``b = O(N^(-1/2))``: a semicircle of radius ``4 sqrt(c2)`` centred at
    ``mu(e) = 2 c1 e / c0``.

    Examples
    --------
    >>> import numpy as np
    >>> from fields.kernels import SquaredExponential
    >>> from fields.local_law import sample_hessian_given_value
    >>> H = sample_hessian_given_value(SquaredExponential(), 400, value=-400.0, rng=1)
    >>> ev = np.linalg.eigvalsh(H)   # semicircle of radius 2 centred at 2 c1 e = 1
    >>> round(float(ev.mean()), 2), bool(ev.min() > -1.1 and ev.max() < 3.1)
    (1.0, True)
    """
    law = local_law(kernel, dim, scaling)
    value = check_real_array("value", value)
    batch = check_size(size)
    rng = as_generator(rng)
    shape = value.shape if batch is None else batch
    _check_hessians_memory(law.dim, shape)
    try:
        value = np.broadcast_to(value, shape)
    except ValueError:
        raise ValueError(
            f"value of shape {value.shape} does not broadcast to size {shape}"
        ) from None
    z = rng.standard_normal(shape)
    w = _scaled_goe(law.dim, rng, shape)
    shift = law.conditional_shift * value + law.conditional_sd * z
    return math.sqrt(law.hessian_scale) * w + shift[..., None, None] * np.eye(law.dim)
