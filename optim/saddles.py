r"""Saddle dynamics: how optimisers behave near a saddle point (the talk's slides on it).

The test surfaces are the quartic saddles of :mod:`fields.saddles`
(:class:`fields.saddles.QuarticSaddle`, :func:`fields.saddles.saddle_2d`,
:func:`fields.saddles.random_saddle`): a quadratic saddle made bounded below by a quartic, in
the eigenbasis ``Q`` of its Hessian at the saddle,

.. math:: f(x) = \sum_i \Big(\frac{\lambda_i}{2} y_i^2 + \frac{\kappa}{4} y_i^4\Big),
          \qquad y = Q^T (x - x_s).

Near the saddle the quartic is negligible and each method acts on the eigen-coordinates one by
one:

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

:func:`escape_time` measures the escape of several optimisers from several distances;
:func:`gd_escape_steps` is the linearised count for gradient descent.

References: Y. Dauphin et al., "Identifying and attacking the saddle point problem in
high-dimensional non-convex optimization", NeurIPS 2014; Y. Dauphin, H. de Vries and
Y. Bengio, "Equilibrated adaptive learning rates for non-convex optimization", NeurIPS 2015.
"""

from __future__ import annotations

import math

import numpy as np
import xarray as xr

from fields.saddles import QuarticSaddle
from rmt._validation import check_int, check_positive_float, check_real_array, check_vector
from rmt.random import as_seed_sequence, child, provenance

from .base import Transform
from .driver import run

__all__ = ["escape_time", "gd_escape_steps"]


def gd_escape_steps(lr: float, lam_min: float, delta: float, radius: float) -> float:
    r"""Steps gradient descent takes to carry a component ``delta`` along ``lambda_min`` to ``R``.

    The linearised count :math:`\log(R / \delta) / \log(1 + \eta |\lambda_{min}|)`, which for
    small ``eta |lambda_min|`` is the continuous-time ``log(R / delta) / (eta |lambda_min|)``.
    The quartic adds a constant (independent of ``delta``), so differences between two
    ``delta`` are exact as ``delta -> 0``.
    """
    lr = check_positive_float("lr", lr)
    lam = check_real_array("lam_min", lam_min)
    if lam.ndim != 0 or not lam < 0:
        raise ValueError(f"lam_min must be one negative number; got {lam_min!r}")
    lam_min = float(lam)
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
    saddle : fields.saddles.QuarticSaddle
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
        Root (:func:`rmt.random.as_seed_sequence`): its keyed child 0 draws ``u``, child
        ``(1, i, j)`` seeds the run of optimiser ``i`` from distance ``j``.

    Returns
    -------
    xarray.Dataset
        Over ``optimizer`` and ``distance``: ``steps`` (first step outside the ball; NaN if
        none), ``escaped``, ``final_distance``, ``final_value``. ``attrs``: the provenance
        (:func:`rmt.random.provenance`) with ``saddle``, ``dim``, ``saddle_index``,
        ``lambda_min``, ``radius``, ``max_steps`` and ``optimizers``.

    Raises
    ------
    TypeError
        ``saddle`` is not a QuarticSaddle; ``optimizers`` not a non-empty dict of Transforms.
    ValueError
        Non-positive distances or distances at or beyond the radius; a zero ``direction``.

    Examples
    --------
    >>> import optim
    >>> from fields.saddles import saddle_2d
    >>> ds = escape_time(saddle_2d(), {"gd": optim.sgd(0.1)}, [1e-2, 1e-4], rng=0)
    >>> ds.steps.dims, bool(ds.escaped.all())
    (('optimizer', 'distance'), True)
    """
    if not isinstance(saddle, QuarticSaddle):
        raise TypeError(f"saddle must be a fields.saddles.QuarticSaddle; got "
                        f"{type(saddle).__name__}")
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
    if direction is None:
        u = np.random.default_rng(child(root, 0)).standard_normal(saddle.dim)
    else:
        u = check_vector("direction", direction, saddle.dim, copy=True)
    if not np.linalg.norm(u) > 0:
        raise ValueError("direction must be nonzero")
    u = u / np.linalg.norm(u)

    def outside(x, value, grad_norm):
        return np.linalg.norm(x - saddle.center) >= radius

    shape = (len(optimizers), deltas.size)
    steps = np.full(shape, np.nan)
    escaped = np.zeros(shape, dtype=bool)
    final_distance, final_value = np.empty(shape), np.empty(shape)
    for i, opt in enumerate(optimizers.values()):
        for j, delta in enumerate(deltas):
            traj = run(saddle, opt, saddle.center + delta * u, max_steps, record=("x",),
                       record_every=max_steps, stop=outside, rng=child(root, 1, i, j))
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
        attrs=provenance(
            root, saddle=saddle, dim=saddle.dim, saddle_index=saddle.index,
            lambda_min=lam_min, radius=radius, max_steps=max_steps,
            optimizers="; ".join(f"{k}: {v!r}" for k, v in optimizers.items()),
        ),
    )
