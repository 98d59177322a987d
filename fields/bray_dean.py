r"""The Bray–Dean index of critical points of isotropic Gaussian fields in large dimension.

For a centred isotropic field on ``R^N`` in the Bray–Dean scaling, ``E f(x) f(y) = N C(|x - y|^2
/ N)`` with a unit-variance kernel ``C`` (``c0 = C(0)``, ``c1 = C'(0)``, ``c2 = C''(0)``, see
:mod:`fields.kernels` and :mod:`fields.local_law`), the Hessian at a point of energy density
``e = f / N`` is a semicircle of radius ``R = 4 sqrt(c2)`` centred at ``mu(e) = 2 c1 e / c0``,
up to a random common shift of order ``N^(-1/2)``. At a *critical point* the Kac–Rice weight
``|det H|`` tilts that common shift by an amount of order 1 (``docs/theory.md`` section 7):

``index_fraction``
    the asymptotic index fraction ``alpha(e) = F_sc(-T(e) / R)`` with the tilted shift
    ``T(e) = mu(e) 2 c2 / (c2 + c1^2 / c0)``;
``naive_index_fraction``
    the untilted ``F_sc(-mu(e) / R)``, correct only for the squared-exponential kernel;
``threshold_energies``
    the energies where ``alpha`` reaches 0 (only minima below) and 1 (only maxima above);
``kac_rice_index``
    the exact finite-``N`` expectation ``E[|det H| index(H) / N | f = u] / E[|det H| | f = u]``,
    by Monte Carlo over the GOE part and quadrature over the common shift
    (:mod:`fields.kac_rice`).

References: A. J. Bray and D. S. Dean, Phys. Rev. Lett. 98, 150201 (2007); Y. V. Fyodorov,
Phys. Rev. Lett. 92, 240601 (2004).
"""

from __future__ import annotations

import math

import numpy as np

import rmt
from rmt._validation import check_int, check_real_array
from rmt.random import as_generator

from .kac_rice import KacRiceEstimate, check_dim, shifted_goe_index
from .kernels import Kernel
from .local_law import _check_kernel, local_law

__all__ = [
    "KacRiceEstimate",
    "asymptotic_index_fraction",
    "kac_rice_index",
    "naive_index_fraction",
    "semicircle_radius",
    "threshold_energies",
    "tilted_shift",
]


def _constants(kernel) -> tuple[float, float, float]:
    kernel = _check_kernel(kernel)
    kernel.require(2, "the index of critical points (it needs the Hessian)")
    return kernel.c0, kernel.c1, kernel.c2


def _energy(energy) -> np.ndarray:
    return check_real_array("energy", energy)


def _shape_like(values: np.ndarray, energy: np.ndarray) -> float | np.ndarray:
    return float(values) if energy.ndim == 0 else values


def semicircle_radius(kernel: Kernel) -> float:
    """Radius ``R = 4 sqrt(c2)`` of the Hessian's semicircle in the Bray–Dean scaling.

    Examples
    --------
    >>> from fields.kernels import SquaredExponential
    >>> from fields.bray_dean import semicircle_radius
    >>> semicircle_radius(SquaredExponential())
    2.0
    """
    _, _, c2 = _constants(kernel)
    return 4.0 * math.sqrt(c2)


def tilted_shift(kernel: Kernel, energy) -> float | np.ndarray:
    r"""Typical common shift ``T(e)`` of the Hessian spectrum at critical points of energy ``e``.

    Parameters
    ----------
    kernel : Kernel
        Unit-variance kernel with a Hessian (Matérn needs ``nu > 2``).
    energy : float or array_like
        Energy density ``e = f / N``; finite.

    Returns
    -------
    float or ndarray
        :math:`T(e) = \mu(e)\, 2 c_2 / (c_2 + c_1^2 / c_0)` with :math:`\mu(e) = 2 c_1 e / c_0`.

    Notes
    -----
    Given ``f = N e`` the Hessian is ``2 sqrt(c2) G + t I`` with ``G`` a GOE on ``[-2, 2]`` and
    ``t ~ N(mu, B / N)``, ``B = 4 (c2 - c1^2 / c0)``. Weighting by
    ``|det H| = exp(N Phi(t))``, ``Phi(t) = int log|t + x| rho_R(x) dx``, moves the Gaussian
    saddle to ``(t - mu) / B = Phi'(t) = 2 t / R^2`` inside the bulk (the real part of the
    semicircle's Stieltjes transform), i.e. ``t = mu / (1 - 2 B / R^2) = T(e)``.
    """
    c0, c1, c2 = _constants(kernel)
    energy = _energy(energy)
    mu = 2.0 * c1 * energy / c0
    # The dimensionless factor first: c1 and c2 scale as lengthscale^-2 and ^-4.
    return _shape_like(mu * (2.0 / (1.0 + c1 * (c1 / c2) / c0)), energy)


def asymptotic_index_fraction(kernel: Kernel, energy) -> float | np.ndarray:
    r"""Asymptotic index fraction ``alpha(e)`` of critical points at energy density ``e``.

    Parameters
    ----------
    kernel : Kernel
        Unit-variance kernel with a Hessian (Matérn needs ``nu > 2``).
    energy : float or array_like
        Energy density ``e = f / N`` in the Bray–Dean scaling ``E f f = N C(|x - y|^2 / N)``.

    Returns
    -------
    float or ndarray
        ``alpha(e)`` in ``[0, 1]``, of the shape of ``energy``; non-decreasing, ``1/2`` at 0.

    Raises
    ------
    TypeError
        If ``kernel`` is not a Kernel or ``energy`` is not real.
    ValueError
        If the kernel has no Hessian (``Matern(nu=1.5)``: "needs nu > 2") or ``energy``
        contains NaN or Inf.

    Notes
    -----
    .. math:: \alpha(e) = F_{sc}(-T(e) / R), \qquad
              F_{sc}(t) = \tfrac12 + \frac{t \sqrt{1 - t^2} + \arcsin t}{\pi},

    with ``T`` of :func:`tilted_shift` and ``R = 4 sqrt(c2)``, evaluated by
    :func:`rmt.semicircle_index_fraction`. With ``c = c2 c0 / c1^2 >= 1`` and
    ``u = e / sqrt(c0)`` this is
    ``F_sc(sqrt(c) u / (1 + c))``: for the squared-exponential kernel (``c = 1``)
    ``alpha = F_sc(e / 2)`` whatever the lengthscale; for Matérn-``nu``
    ``c = (nu - 1) / (nu - 2)``, e.g. ``F_sc(0.4330 e)`` for ``nu = 5/2``. Near the energy
    ``e_min`` of :func:`threshold_energies`, ``alpha ~ (4 sqrt 2 / (3 pi)) delta^(3/2)`` with
    ``delta = (e - e_min) / |e_min|`` (the 3/2 power of Pennington & Bahri 2017).
    Bray & Dean (2007) derive the index distribution of critical points by Kac–Rice;
    Fyodorov (2004) the complexity.

    Examples
    --------
    >>> from fields.kernels import Matern, SquaredExponential
    >>> from fields.bray_dean import asymptotic_index_fraction
    >>> asymptotic_index_fraction(SquaredExponential(), 0.0)
    0.5
    >>> round(asymptotic_index_fraction(Matern(nu=3.5), -1.5), 4)
    0.0824
    """
    c0, c1, c2 = _constants(kernel)
    energy = _energy(energy)
    return rmt.semicircle_index_fraction(tilted_shift(kernel, energy), 4.0 * math.sqrt(c2))


def naive_index_fraction(kernel: Kernel, energy) -> float | np.ndarray:
    r"""The untilted "shifted semicircle" index fraction ``F_sc(-mu(e) / R)``.

    The index fraction of the Hessian at a *typical* point of energy density ``e`` (not at a
    critical point), with ``mu(e) = 2 c1 e / c0``, ``R = 4 sqrt(c2)``. It equals
    :func:`asymptotic_index_fraction` only for the squared-exponential kernel; for Matérn-7/2 at
    ``e = -1.5`` it gives 0.152 against 0.082.

    Parameters and errors as :func:`asymptotic_index_fraction`.

    Examples
    --------
    >>> from fields.kernels import Matern
    >>> from fields.bray_dean import naive_index_fraction
    >>> round(naive_index_fraction(Matern(nu=3.5), -1.5), 4)
    0.1522
    """
    c0, c1, c2 = _constants(kernel)
    energy = _energy(energy)
    return rmt.semicircle_index_fraction(2.0 * c1 * energy / c0, 4.0 * math.sqrt(c2))


def threshold_energies(kernel: Kernel) -> tuple[float, float]:
    r"""Energies ``(e_min, e_max)`` where :func:`asymptotic_index_fraction` reaches 0 and 1.

    Below ``e_min`` critical points are (asymptotically) minima, above ``e_max`` maxima.

    Returns
    -------
    tuple of float
        ``e_min = -sqrt(c0) (1 + c) / sqrt(c) = R c0 (c2 + c1^2 / c0) / (4 c1 c2)`` and
        ``e_max = -e_min``, where ``T(e) = R``.

    Examples
    --------
    >>> from fields.kernels import Matern, SquaredExponential
    >>> from fields.bray_dean import threshold_energies
    >>> threshold_energies(SquaredExponential(lengthscale=3.0))
    (-2.0, 2.0)
    >>> [round(e, 3) for e in threshold_energies(Matern(nu=2.5))]
    [-2.309, 2.309]
    """
    c0, c1, c2 = _constants(kernel)
    radius = 4.0 * math.sqrt(c2)
    # R / (4 c1) is dimensionless (c1 and c2 scale as lengthscale^-2 and ^-4).
    e_min = radius / (4.0 * c1) * (c0 + c1 * (c1 / c2))
    return e_min, -e_min


def kac_rice_index(
    kernel: Kernel,
    dim: int,
    energy,
    *,
    n_samples: int = 4000,
    rng=None,
) -> KacRiceEstimate:
    r"""Finite-``N`` expected index fraction of critical points at energy density ``e``.

    Parameters
    ----------
    kernel : Kernel
        Unit-variance kernel with a Hessian (Matérn needs ``nu > 2``).
    dim : int
        Dimension ``N >= 1``.
    energy : float or array_like
        Energy densities ``e = f / N`` (Bray–Dean scaling); finite. All share the same GOE draws
        (common random numbers), so differences between energies are estimated precisely.
    n_samples : int
        Number of GOE spectra drawn (``>= 2``).
    rng : None, int, SeedSequence or Generator
        Source of randomness.

    Returns
    -------
    KacRiceEstimate
        ``value`` and ``stderr`` of the shape of ``energy``.

    Raises
    ------
    TypeError, ValueError
        For a kernel without a Hessian, ``dim < 1``, ``n_samples < 2``, non-finite energies,
        or samples whose arrays would exceed 4 GiB (:func:`fields.kac_rice.shifted_goe_index`).

    Notes
    -----
    By the Kac–Rice formula the expected number of critical points with index ``k`` at level
    ``u = N e`` is proportional to ``E[|det H| 1{index(H) = k} | f = u]`` (the gradient is
    independent of ``(f, H)``, so its density at 0 cancels), hence the mean index fraction is

    .. math:: \alpha_N(e) = \frac{E[|\det H|\, \mathrm{index}(H) / N \mid f = u]}
                                 {E[|\det H| \mid f = u]},
              \qquad H \mid u = 2\sqrt{c_2}\, G + (\mu(e) + b z) I,

    with ``G`` a GOE on ``[-2, 2]``, ``mu(e) = 2 c1 e / c0``, ``b^2 = 4 (c2 - c1^2 / c0) / N``
    and ``z ~ N(0, 1)`` (:func:`fields.local_law.sample_hessian_given_value`). ``G`` is drawn
    ``n_samples`` times from the tridiagonal model (:func:`rmt.hermite_tridiagonal`, equal in
    law to the dense GOE); for each, the integral over ``z`` is a trapezoid rule with step
    ``0.1`` on a window reaching ``10`` beyond both 0 and the asymptotic tilt
    ``(T(e) - mu(e)) / b`` (the tilted Gaussian has standard deviation at most ``sqrt 2``, so
    the window covers 7 of them). The index and ``log|det H|`` at each node come from one
    ``O(N)`` Sturm pass of the tridiagonal (:func:`rmt.count_below_and_log_det`); weights are
    formed in log space, relative to their global maximum, so nothing overflows. For the
    squared-exponential kernel ``b = 0`` and no quadrature is needed. The ratio's standard
    error is ``sqrt(sum_k (a_k - r w_k)^2) / sum_k w_k`` for the per-sample numerators ``a_k``
    and weights ``w_k`` (the estimator is :func:`fields.kac_rice.shifted_goe_index`, shared
    with :func:`fields.spin_glass.kac_rice_index`). As ``N`` grows the estimate tends to
    :func:`asymptotic_index_fraction` (``docs/theory.md`` section 7).

    Examples
    --------
    >>> from fields.kernels import Matern
    >>> from fields.bray_dean import kac_rice_index
    >>> est = kac_rice_index(Matern(nu=3.5), dim=20, energy=[-1.5, 0.0], n_samples=500, rng=0)
    >>> est.value.shape, bool(abs(est.value[1] - 0.5) < 4 * est.stderr[1])
    ((2,), True)
    """
    c0, c1, c2 = _constants(kernel)
    dim = check_dim(dim, 1)
    energy = _energy(energy)
    n_samples = check_int("n_samples", n_samples, 2)
    rng = as_generator(rng)
    b = local_law(kernel, dim, "bray-dean").conditional_sd
    mean = np.atleast_1d(2.0 * c1 * energy / c0).ravel()
    tilt = np.atleast_1d(tilted_shift(kernel, energy)).ravel()
    value, stderr = shifted_goe_index(dim, 2.0 * math.sqrt(c2), mean, tilt, b, n_samples, rng)
    shape = energy.shape
    return KacRiceEstimate(
        value=_shape_like(value.reshape(shape), energy),
        stderr=_shape_like(stderr.reshape(shape), energy),
        dim=dim,
        n_samples=n_samples,
    )
