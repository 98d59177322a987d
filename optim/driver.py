r"""``optim.run``: drive an optimiser on a surface and record the trajectory.

One step of the driver, for an optimiser ``opt`` (:mod:`optim.base`) at the point ``x_t``:

.. math:: g_t = \nabla f(x_t) + \sigma \xi_t \;\text{(or the gradient of a minibatch)},\qquad
          (s_t, \text{state}) = \text{opt.update}(g_t, \text{state}, x_t, f),\qquad
          x_{t+1} = R(x_t + s_t),

with ``R`` the retraction of a surface on a manifold (``surface.project``) and the identity
otherwise. The recorded gradient norm is that of the exact gradient ``nabla f(x_t)``, whatever
the noise, so trajectories of stochastic and deterministic runs are compared on the same
footing. A NaN or Inf anywhere (in the step, the new point, its value or gradient) stops the
run cleanly with ``status = "diverged"``; the rows after it hold NaN.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import xarray as xr

from fields.surface import check_surface, retract, value_and_grad
from rmt._validation import check_int, check_positive_float, check_vector
from rmt.random import as_seed_sequence, child, provenance

from .base import Transform
from .surface import curvature

__all__ = ["RECORDABLE", "run"]

#: What a trajectory can record, and the long names given to the variables.
RECORDABLE = {
    "value": "f(x_t)",
    "grad_norm": "|grad f(x_t)| (exact gradient)",
    "step_size": "|x_{t+1} - x_t|",
    "index": "Hessian index at x_t (number of negative eigenvalues)",
    "x": "the point x_t",
}


def _check_record(record) -> tuple[str, ...]:
    if isinstance(record, str):
        record = (record,)
    if not isinstance(record, Sequence):
        raise TypeError(f"record must be a sequence of names; got {type(record).__name__}")
    record = tuple(record)
    unknown = [r for r in record if r not in RECORDABLE]
    if unknown:
        raise ValueError(f"record got unknown name(s) {unknown}; expected some of "
                         f"{sorted(RECORDABLE)}")
    return record


def run(
    surface,
    optimizer: Transform,
    x0,
    steps: int,
    *,
    record: Sequence[str] = ("value", "grad_norm", "step_size"),
    record_every: int = 1,
    index_every: int | None = None,
    grad_noise: float = 0.0,
    batch_size: int | None = None,
    grad_tol: float | None = None,
    stop: Callable[[np.ndarray, float, float], bool] | None = None,
    rng=None,
) -> xr.Dataset:
    r"""Run ``optimizer`` on ``surface`` from ``x0`` for ``steps`` steps and record the path.

    Parameters
    ----------
    surface
        Any surface (:class:`fields.Surface`: ``dim``, ``value``, ``grad``; ``hvp`` or ``hess``
        when the optimiser or the index record needs them; ``project`` and ``tangent_basis``
        on a manifold, :class:`fields.ManifoldSurface`), checked by
        :func:`fields.surface.check_surface`.
    optimizer : Transform
        An optimiser from :mod:`optim` (``sgd``, ``esgd``, ``saddle_free_newton``...) or a
        :func:`optim.base.chain` of building blocks.
    x0 : array_like, shape (dim,)
        Start point, finite; retracted onto the manifold of a surface that has one.
    steps : int
        Number of steps ``T >= 0``.
    record : sequence of str
        Quantities to record, among ``"value"``, ``"grad_norm"``, ``"step_size"``,
        ``"index"`` and ``"x"`` (the points; ``T x dim`` numbers).
    record_every : int, default 1
        Record every this many steps (step 0 and the last step are always recorded).
    index_every : int, optional
        With ``"index"`` in ``record``: compute the Hessian index (:func:`optim.curvature`)
        every this many steps (default: about 20 times along the run, and at the last step).
        Other recorded steps hold NaN.
    grad_noise : float, default 0
        Standard deviation ``sigma`` of Gaussian noise added to each gradient component given to
        the optimiser (a model of stochastic gradients).
    batch_size : int, optional
        Stochastic gradients from minibatches: the surface must offer ``n_examples`` and
        ``minibatch(batch_size, rng=)`` returning a surface whose ``grad`` is used for the step
        (the recorded value and gradient norm stay those of the full surface).
    grad_tol : float, optional
        Stop early, with ``status = "converged"``, once ``|grad f| <= grad_tol``.
    stop : callable, optional
        ``stop(x, value, grad_norm) -> bool``, asked at every step: stop early, with
        ``status = "stopped"``, once it returns True (a target loss, leaving a region...).
    rng : None, int, SeedSequence or Generator
        Root of the run's randomness (:func:`rmt.random.as_seed_sequence`): the optimiser's
        state, the gradient noise, the minibatches and the Lanczos starts of the index are the
        keyed children 0, 1, 2 and 3 of it (:func:`rmt.random.child`), so the same seed gives
        bitwise the same trajectory, and the root recorded in ``attrs`` reproduces it
        (:func:`rmt.random.seed_from_provenance`).

    Returns
    -------
    xarray.Dataset
        Over dimension ``step`` (coordinate: the step numbers recorded), the variables asked
        for (``x`` also over ``coord``), plus ``index_fraction`` beside ``index``.
        ``attrs``: the provenance of :func:`rmt.random.provenance` (library version, seed
        entropy and spawn key; ``surface``, ``dim``, ``optimizer`` (its ``repr``: name and
        hyperparameters), ``steps``, ``grad_noise``, ``batch_size`` (-1: full gradients),
        ``grad_tol`` (-1: none)), then ``status`` (``"completed"``, ``"converged"``,
        ``"diverged"`` or ``"stopped"``), ``steps_taken`` and ``diverged_at`` (the first step
        whose point, value or gradient was not finite; -1 if none).

    Raises
    ------
    TypeError
        ``surface`` lacks a member the run needs (``minibatch`` and ``n_examples`` with
        ``batch_size``); ``optimizer`` is not a Transform.
    ValueError
        ``x0`` of the wrong shape or not finite, ``steps < 0``, ``record_every < 1``, unknown
        record names, negative ``grad_noise``, non-positive ``grad_tol``.

    Examples
    --------
    >>> import numpy as np
    >>> import fields, optim
    >>> q = fields.RandomQuadratic(10, shift=3.0, rng=0)   # a positive definite bowl
    >>> traj = optim.run(q, optim.sgd(lr=0.2), np.ones(10), steps=50, rng=0)
    >>> traj.attrs["status"], traj.sizes["step"]
    ('completed', 51)
    >>> bool(traj.value[-1] < 1e-6 * traj.value[0])
    True
    """
    if not isinstance(optimizer, Transform):
        raise TypeError(f"optimizer must be an optim Transform (sgd, esgd, chain(...)); got "
                        f"{type(optimizer).__name__}")
    record = _check_record(record)
    needs = ("value", "grad") + optimizer.needs
    if "index" in record and not callable(getattr(surface, "hess", None)):
        needs += ("hvp",)
    if batch_size is not None:
        needs += ("minibatch",)
    dim = check_surface(surface, tuple(dict.fromkeys(needs)))
    x = retract(surface, check_vector("x0", x0, dim, copy=True))
    steps = check_int("steps", steps, 0)
    record_every = check_int("record_every", record_every, 1)
    if index_every is None:
        index_every = max(1, steps // 20)
    index_every = check_int("index_every", index_every, 1)
    grad_noise = check_positive_float("grad_noise", grad_noise, allow_zero=True)
    if grad_tol is not None:
        grad_tol = check_positive_float("grad_tol", grad_tol)
    if stop is not None and not callable(stop):
        raise TypeError(f"stop must be callable(x, value, grad_norm); got {type(stop).__name__}")
    if batch_size is not None:
        batch_size = check_int("batch_size", batch_size, 1)
    root = as_seed_sequence(rng)
    opt_seed = child(root, 0)
    noise_rng, batch_rng, index_rng = (np.random.default_rng(child(root, k)) for k in (1, 2, 3))

    planned = sorted({0, steps, *range(0, steps + 1, record_every)})
    to_record = set(planned)
    rows: dict[int, dict] = {}

    state = optimizer.init(x, rng=opt_seed)
    status, diverged_at, taken = "completed", -1, steps
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        value, grad = value_and_grad(surface, x)
        for t in range(steps + 1):
            gnorm = float(np.linalg.norm(grad))
            if not (math.isfinite(value) and math.isfinite(gnorm)):
                status, diverged_at, taken = "diverged", t, t
                break
            early = None
            if grad_tol is not None and gnorm <= grad_tol:
                early = "converged"
            elif stop is not None and stop(x, value, gnorm):
                early = "stopped"
            if t in to_record or early:
                last = t == steps or early is not None
                rows[t] = _row(record, surface, x, value, gnorm,
                               last or t % index_every == 0, index_rng)
            if early:
                status, taken = early, t
                break
            if t == steps:
                break
            g = grad
            if batch_size is not None:
                g = np.asarray(surface.minibatch(batch_size, rng=batch_rng).grad(x), dtype=float)
            if grad_noise > 0:
                g = g + grad_noise * noise_rng.standard_normal(dim)
            step, state = optimizer.update(g, state, x, surface)
            x_new = x + np.asarray(step, dtype=np.float64)
            if not np.all(np.isfinite(x_new)):
                status, diverged_at, taken = "diverged", t + 1, t + 1
                break
            x_new = retract(surface, x_new)
            if t in rows:
                rows[t]["step_size"] = float(np.linalg.norm(x_new - x))
            x = x_new
            value, grad = value_and_grad(surface, x)

    early = status in ("converged", "stopped")
    kept = [t for t in planned if t <= taken] if early else planned
    if early and kept[-1] != taken:
        kept.append(taken)
    names = [r for r in record if r != "x"] + (["index_fraction"] if "index" in record else [])
    data_vars = {}
    for name in names:
        values = np.array([rows.get(t, {}).get(name, np.nan) for t in kept], dtype=float)
        data_vars[name] = ("step", values, {"long_name": RECORDABLE.get(name, _FRACTION)})
    if "x" in record:
        xs = np.array([rows[t]["x"] if t in rows else np.full(dim, np.nan) for t in kept])
        data_vars["x"] = (("step", "coord"), xs.reshape(len(kept), dim),
                          {"long_name": RECORDABLE["x"]})
    attrs = provenance(
        root, surface=surface, dim=dim, optimizer=optimizer, steps=steps,
        grad_noise=grad_noise, batch_size=-1 if batch_size is None else batch_size,
        grad_tol=-1.0 if grad_tol is None else grad_tol,
    )
    attrs.update(status=status, steps_taken=taken, diverged_at=diverged_at)
    return xr.Dataset(data_vars, coords={"step": np.array(kept)}, attrs=attrs)


_FRACTION = "index / Hessian size"


def _row(record, surface, x, value, gnorm, with_index: bool, rng) -> dict:
    """The recorded quantities at one step (the index only when ``with_index``)."""
    row = {"value": value, "grad_norm": gnorm}
    if "x" in record:
        row["x"] = x.copy()
    if "index" in record and with_index:
        c = curvature(surface, x, rng=rng)
        row["index"], row["index_fraction"] = c.index, c.index_fraction
    return row
