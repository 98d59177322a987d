r"""The finite-``N`` Kac–Rice index fraction shared by Gaussian fields and spherical spin glasses.

On both landscapes the Hessian at a critical point of energy density ``e`` is, conditionally on
the value, a scaled GOE plus a common Gaussian shift (Bray & Dean 2007; Auffinger, Ben Arous &
Černý 2013; Auffinger & Ben Arous 2013; ``docs/theory.md`` section 7):

.. math:: H \mid e = a\, G + (\mu(e) + b z)\, I_m, \qquad z \sim N(0, 1),

with ``G`` an ``m x m`` GOE on ``[-2, 2]`` (:func:`rmt.hermite_tridiagonal`), independent of
``z`` and of the gradient. By the Kac–Rice formula the mean index fraction of the critical
points at ``e`` is then

.. math:: \alpha_m(e) = \frac{E[|\det H|\, \mathrm{index}(H) / m]}{E[|\det H|]}

(the densities of the value and of the gradient at 0 do not depend on ``H`` and cancel). This
module estimates it: :class:`KacRiceEstimate` is the result of
:func:`fields.bray_dean.kac_rice_index` and :func:`fields.spin_glass.kac_rice_index`, and
:func:`shifted_goe_index` the one estimator behind both.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

import rmt

from ._limits import check_count

__all__ = ["KacRiceEstimate", "check_dim", "shifted_goe_index"]

#: Trapezoid step and half-width beyond the tilt of the quadrature over the common shift z.
Z_STEP = 0.1
Z_MARGIN = 10.0


@dataclass(frozen=True)
class KacRiceEstimate:
    """Monte Carlo estimate of the finite-``N`` index fraction of critical points.

    Attributes
    ----------
    value : float or ndarray
        The estimate, of the shape of the energies.
    stderr : float or ndarray
        Its standard error (delta method for the ratio of two means).
    dim : int
        ``N``, the dimension of the surface.
    n_samples : int
        Number of GOE matrices drawn (shared by all energies).
    """

    value: float | np.ndarray
    stderr: float | np.ndarray
    dim: int
    n_samples: int


#: Bytes per sample and unit of matrix size (the tridiagonal and its draws), and per sample
#: and quadrature node (the index, log-determinant and weight arrays of one energy).
_BYTES_PER_SIZE = 32
_BYTES_PER_NODE = 48


def check_dim(dim, minimum: int) -> int:
    """``dim`` of a Kac–Rice estimate, refused when two samples' tridiagonals exceed 4 GiB."""
    return check_count("dim", dim, minimum, bytes_each=2 * _BYTES_PER_SIZE,
                       what="two GOE tridiagonals of size about dim")


def _n_nodes(mean: float, tilt: float, sd: float) -> int:
    """``len(z_grid(mean, tilt, sd))``, without building it."""
    if sd == 0:
        return 1
    peak = (tilt - mean) / sd
    return math.ceil((max(0.0, peak) - min(0.0, peak) + 2 * Z_MARGIN) / Z_STEP)


def z_grid(mean: float, tilt: float, sd: float) -> np.ndarray:
    """The quadrature nodes in ``z``: step :data:`Z_STEP`, :data:`Z_MARGIN` beyond 0 and the tilt.

    ``(tilt - mean) / sd`` is where the asymptotic tilt puts the common shift, in units of
    ``sd``; a single node ``z = 0`` when ``sd = 0``.
    """
    if sd == 0:
        return np.zeros(1)
    peak = (tilt - mean) / sd
    return np.arange(min(0.0, peak) - Z_MARGIN, max(0.0, peak) + Z_MARGIN, Z_STEP)


def index_and_log_det(d: np.ndarray, e: np.ndarray, shifts: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray]:
    """``index(T + t I)`` and ``log|det(T + t I)|`` of each tridiagonal ``T`` and shift ``t``.

    ``d``, ``e`` hold ``n`` tridiagonals (shapes ``(n, m)``, ``(n, m - 1)``), ``shifts`` has
    shape ``(G,)``; both results have shape ``(n, G)``. One Sturm pass per matrix and shift
    (:func:`rmt.count_below_and_log_det` at ``x = -t``): the index is the number of
    eigenvalues of ``T`` below ``-t``, the log-determinant the sum of the pivots' logarithms.
    """
    res = rmt.count_below_and_log_det(d, e, -shifts)
    return res.count, res.log_abs_det


def _ratio(a: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """``sum a / sum w`` and its delta-method standard error over the ``n`` samples."""
    n = a.size
    ratio = a.sum() / w.sum()
    return ratio, math.sqrt(n / (n - 1) * np.sum((a - ratio * w) ** 2)) / w.sum()


def shifted_goe_index(size: int, scale: float, mean: np.ndarray, tilt: np.ndarray, sd: float,
                      n_samples: int, rng: np.random.Generator
                      ) -> tuple[np.ndarray, np.ndarray]:
    r"""Kac–Rice index fraction of ``H = scale * T + (mean + sd z) I`` at every mean.

    Parameters
    ----------
    size : int
        ``m``, the size of ``H``.
    scale : float
        ``a``: ``T`` is a GOE of size ``m`` on ``[-2, 2]`` (:func:`rmt.hermite_tridiagonal`,
        entry variances ``(1 + delta_ij) / m``).
    mean, tilt : ndarray, shape (J,)
        ``mu`` at each energy, and the asymptotic tilted shift there (where the weight
        ``|det H|`` moves the common shift; it only centres the quadrature in ``z``).
    sd : float
        ``b >= 0``, the standard deviation of the common shift.
    n_samples : int
        Number of tridiagonals ``T`` drawn (``>= 2``), shared by all energies (common random
        numbers: differences between energies are estimated precisely). Refused, before any
        draw, when the tridiagonals and the arrays of one energy's quadrature would exceed
        4 GiB (``32 m + 48 G`` bytes per sample for ``G`` nodes).
    rng : numpy.random.Generator
        Source of the ``T``: ``rmt.hermite_tridiagonal(m, 1, size=n_samples, rng=rng)``.

    Returns
    -------
    value, stderr : ndarray, shape (J,)
        The ratio of means and its delta-method standard error
        ``sqrt(n / (n - 1) sum_k (a_k - r w_k)^2) / sum_k w_k`` for the per-sample numerators
        ``a_k = int |det H| index(H) / m phi(z) dz`` and weights
        ``w_k = int |det H| phi(z) dz``.

    Notes
    -----
    The integral over ``z`` is a trapezoid rule with step ``0.1`` on a window reaching ``10``
    beyond both 0 and the tilt ``(tilt - mean) / sd``. Weighting the Gaussian of ``z`` by
    ``|det H| = exp(m Phi(t))`` (``Phi(t) = int log|t + x| rho(x) dx``, ``rho`` the
    semicircle of radius ``R = 2 a``) gives, inside the bulk, a Gaussian of variance
    ``R^2 / (R^2 - 2 B)`` in ``z`` (``B = m b^2``); ``2 B / R^2 <= 1/2`` for both the
    Bray–Dean fields and the spin glasses, so its standard deviation is at most ``sqrt 2``
    and the window covers 7 of them. With ``sd = 0`` there is a single node, ``z = 0``.
    For each sample and node, the index and ``log|det H|`` come from one Sturm pass of the
    tridiagonal (:func:`rmt.count_below_and_log_det`); the weights are formed in log space
    relative to their maximum over samples and nodes, so nothing overflows.
    """
    nodes = max(_n_nodes(mu, peak, sd) for mu, peak in zip(mean, tilt, strict=True))
    n_samples = check_count(
        "n_samples", n_samples, 2, bytes_each=_BYTES_PER_SIZE * size + _BYTES_PER_NODE * nodes,
        what=f"the GOE tridiagonals of size {size} and their Sturm passes at {nodes} shift(s)",
    )
    d, e = rmt.hermite_tridiagonal(size, 1, size=n_samples, rng=rng)
    d = np.ascontiguousarray(d.reshape(n_samples, size)) * scale
    e = np.ascontiguousarray(e.reshape(n_samples, size - 1)) * abs(scale)
    value = np.empty(mean.size)
    stderr = np.empty(mean.size)
    if sd == 0:  # one node per energy: one pass over each matrix for all the energies
        at_mean = index_and_log_det(d, e, np.asarray(mean, dtype=np.float64))
    for j, (mu, peak) in enumerate(zip(mean, tilt, strict=True)):
        z = z_grid(mu, peak, sd)
        if sd == 0:
            index, log_det = at_mean[0][:, j:j + 1], at_mean[1][:, j:j + 1]
        else:
            index, log_det = index_and_log_det(d, e, mu + sd * z)
        log_w = log_det - 0.5 * z * z
        weights = np.exp(log_w - log_w.max())
        value[j], stderr[j] = _ratio((weights * index).sum(axis=1) / size, weights.sum(axis=1))
    return value, stderr
