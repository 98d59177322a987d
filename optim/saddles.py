r"""Saddle dynamics: how optimisers behave near a saddle point (the talk's slides on it).

The test surface is a quadratic saddle made bounded below by a quartic, in the eigenbasis
``Q`` of its Hessian at the saddle,

.. math:: f(x) = \sum_i \Big(\frac{\lambda_i}{2} y_i^2 + \frac{\kappa}{4} y_i^4\Big),
          \qquad y = Q^T (x - x_s),

so ``x_s`` is a critical point whose Hessian has eigenvalues ``lambda_i`` and whose index is
the number of negative ones, and each negative direction ends in minima at
``y_i = +- sqrt(|lambda_i| / kappa)``. Near the saddle the quartic is negligible and each
method acts on the eigen-coordinates one by one:

* gradient descent multiplies ``y_i`` by ``1 - eta lambda_i``; along the most negative
  eigenvalue it grows like ``(1 + eta |lambda_min|)^t``, so leaving a ball of radius ``R`` from
  a distance ``delta`` takes
  :math:`t \approx \log(R / \delta) / \log(1 + \eta |\lambda_{min}|)
  \approx \log(1 / \delta) / (\eta |\lambda_{min}|)` steps: the plateau of back-propagation;
* Newton's method maps ``y_i`` to ``0`` (``y - y lambda / lambda``): it jumps onto the saddle,
  whatever its index (Dauphin et al. 2014);
* damped Newton multiplies ``y_i`` by ``alpha / (lambda_i + alpha)``: for ``alpha > |lambda|``
  it escapes at rate ``alpha / (alpha - |lambda|) ~ 1 + |lambda| / alpha``, ever slower as the
  damping grows (damping hides the negative curvature), and for ``alpha < |lambda| / 2`` it
  is attracted to the saddle;
* saddle-free Newton multiplies ``y_i`` by ``1 - lambda_i / |lambda_i|``: 0 along positive
  curvature, 2 along negative curvature, so it escapes in ``log_2(R / delta)`` steps whatever
  ``|lambda_min|``; ESGD does the same up to its estimate of ``|H|``'s diagonal.

References: Y. Dauphin et al., "Identifying and attacking the saddle point problem in
high-dimensional non-convex optimization", NeurIPS 2014; Y. Dauphin, H. de Vries and
Y. Bengio, "Equilibrated adaptive learning rates for non-convex optimization", NeurIPS 2015.
"""

from __future__ import annotations

import math

import numpy as np
import xarray as xr

import rmt
from rmt._validation import (
    as_generator,
    as_seed_sequence,
    check_int,
    check_positive_float,
    check_real_array,
    library_version,
)

from .base import Transform
from .driver import run
from .surface import check_point

__all__ = ["QuarticSaddle", "escape_time", "gd_escape_steps", "random_saddle", "saddle_2d"]


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
        self._center = np.zeros(n) if center is None else check_point("center", center, n)
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
        return self._q.T @ (check_point("x", x, self.dim) - self._center)

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
        v = check_point("v", v, self.dim)
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
    """
    lam_plus = check_positive_float("lam_plus", lam_plus)
    if isinstance(lam_minus, bool) or not isinstance(lam_minus, (int, float)) \
            or not lam_minus < 0 or not math.isfinite(lam_minus):
        raise ValueError(f"lam_minus must be a finite negative number; got {lam_minus!r}")
    return QuarticSaddle([lam_plus, float(lam_minus)], quartic=quartic)


def random_saddle(dim: int, index: int, rng=None, *, gap: float = 0.5,
                  quartic: float = 1.0) -> QuarticSaddle:
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
    rng : None, int, SeedSequence or Generator
    gap : float, default 0.5
        Smallest ``|lambda|`` allowed, in units of ``1 / N``.
    quartic : float, default 1
    """
    dim = check_int("dim", dim, 2)
    index = check_int("index", index, 1)
    if index > dim - 1:
        raise ValueError(f"index must be between 1 and dim - 1 = {dim - 1}; got {index}")
    gap = check_positive_float("gap", gap) / dim
    lam, q = np.linalg.eigh(rmt.goe(dim, rng=as_generator(rng)))
    lam = lam - 0.5 * (lam[index - 1] + lam[index])
    lam = np.where(lam < 0, np.minimum(lam, -gap), np.maximum(lam, gap))
    return QuarticSaddle(lam, q, quartic=quartic)


def gd_escape_steps(lr: float, lam_min: float, delta: float, radius: float) -> float:
    r"""Steps gradient descent takes to carry a component ``delta`` along ``lambda_min`` to ``R``.

    The linearised count :math:`\log(R / \delta) / \log(1 + \eta |\lambda_{min}|)`, which for
    small ``eta |lambda_min|`` is the continuous-time ``log(R / delta) / (eta |lambda_min|)``.
    The quartic adds a constant (independent of ``delta``), so differences between two
    ``delta`` are exact as ``delta -> 0``.
    """
    lr = check_positive_float("lr", lr)
    if not lam_min < 0:
        raise ValueError(f"lam_min must be negative; got {lam_min}")
    delta = check_positive_float("delta", delta)
    radius = check_positive_float("radius", radius)
    return math.log(radius / delta) / math.log1p(lr * -lam_min)


def escape_time(
    saddle: QuarticSaddle,
    optimizers: dict[str, Transform],
    distances,
    *,
    radius: float | None = None,
    max_steps: int = 10_000,
    direction=None,
    rng=None,
) -> xr.Dataset:
    r"""Steps each optimiser needs to leave a ball around the saddle, from several distances.

    Every run starts at ``x_s + delta u`` for a unit vector ``u`` (default: random, with a
    component along every eigenvector) and counts the steps until ``|x - x_s| >= radius``;
    a run that does not escape within ``max_steps`` records ``escaped = False`` and its final
    distance (Newton's method, attracted to the saddle, ends at distance ~0).

    Parameters
    ----------
    saddle : QuarticSaddle
    optimizers : dict {str: Transform}
        Named optimisers, e.g. ``{"gd": optim.sgd(0.1), "sfn": optim.saddle_free_newton()}``.
    distances : array_like
        Start distances ``delta > 0``.
    radius : float, optional
        Escape radius; default half the distance to the nearest minimum,
        ``sqrt(|lambda_min| / kappa) / 2``.
    max_steps : int
    direction : array_like, shape (N,), optional
        The unit vector ``u`` (normalised here).
    rng : None, int, SeedSequence or Generator
        Source of ``u`` and of the optimisers' own randomness (each run its own child).

    Returns
    -------
    xarray.Dataset
        Over ``optimizer`` and ``distance``: ``steps`` (first step outside the ball; NaN if
        none), ``escaped``, ``final_distance``, ``final_value``; ``attrs`` with the radius, the
        saddle's ``lambda_min`` and index, and provenance.
    """
    if not isinstance(saddle, QuarticSaddle):
        raise TypeError(f"saddle must be a QuarticSaddle; got {type(saddle).__name__}")
    if not isinstance(optimizers, dict) or not optimizers:
        raise TypeError("optimizers must be a non-empty dict {name: Transform}")
    for name, opt in optimizers.items():
        if not isinstance(opt, Transform):
            raise TypeError(f"optimizers[{name!r}] must be an optim Transform; "
                            f"got {type(opt).__name__}")
    deltas = check_real_array("distances", distances, ndim_min=1).ravel()
    if deltas.size == 0 or np.any(deltas <= 0):
        raise ValueError("distances must be a non-empty array of positive numbers")
    lam_min = float(saddle.eigenvalues.min())
    if radius is None:
        radius = 0.5 * math.sqrt(abs(lam_min) / saddle.quartic)
    radius = check_positive_float("radius", radius)
    if np.any(deltas >= radius):
        raise ValueError(f"distances must be below the escape radius {radius:g}")
    max_steps = check_int("max_steps", max_steps, 1)
    root = as_seed_sequence(rng)
    u_seed, run_seed = root.spawn(2)
    if direction is None:
        u = np.random.default_rng(u_seed).standard_normal(saddle.dim)
    else:
        u = check_point("direction", direction, saddle.dim)
    if not np.linalg.norm(u) > 0:
        raise ValueError("direction must be nonzero")
    u = u / np.linalg.norm(u)

    def outside(x, value, grad_norm):
        return np.linalg.norm(x - saddle.center) >= radius

    shape = (len(optimizers), deltas.size)
    steps = np.full(shape, np.nan)
    escaped = np.zeros(shape, dtype=bool)
    final_distance, final_value = np.empty(shape), np.empty(shape)
    seeds = run_seed.spawn(shape[0] * shape[1])
    for i, opt in enumerate(optimizers.values()):
        for j, delta in enumerate(deltas):
            traj = run(saddle, opt, saddle.center + delta * u, max_steps, record=("x",),
                       record_every=max_steps, stop=outside, rng=seeds[i * shape[1] + j])
            x_end = traj.x.values[-1]
            if traj.attrs["status"] == "stopped":
                steps[i, j], escaped[i, j] = traj.attrs["steps_taken"], True
            elif traj.attrs["status"] == "diverged":
                x_end = traj.x.dropna("step", how="any").values[-1]
            final_distance[i, j] = np.linalg.norm(x_end - saddle.center)
            final_value[i, j] = saddle.value(x_end)
    dims = ("optimizer", "distance")
    return xr.Dataset(
        {
            "steps": (dims, steps, {"long_name": "first step with |x - x_s| >= radius"}),
            "escaped": (dims, escaped),
            "final_distance": (dims, final_distance),
            "final_value": (dims, final_value),
        },
        coords={"optimizer": list(optimizers), "distance": deltas},
        attrs={
            "radius": radius,
            "lambda_min": lam_min,
            "saddle_index": saddle.index,
            "dim": saddle.dim,
            "max_steps": max_steps,
            "optimizers": "; ".join(f"{k}: {v!r}" for k, v in optimizers.items()),
            "library_version": library_version(),
            "seed_entropy": str(root.entropy),
        },
    )
