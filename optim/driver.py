r"""``optim.run``: drive an optimiser on a surface and record the trajectory.

One step of the driver, for an optimiser ``opt`` (:mod:`optim.base`) at the point ``x_t``:

.. math:: g_t = \nabla f(x_t) + \sigma \xi_t \;\text{(or the gradient of a minibatch)},\qquad
          (s_t, \text{state}) = \text{opt.update}(g_t, \text{state}, x_t, f),\qquad
          x_{t+1} = R(x_t + s_t),

with ``R`` the retraction of a surface on a manifold (``surface.project``) and the identity
otherwise. The recorded gradient norm is that of the exact gradient ``nabla f(x_t)``, whatever
the noise, so trajectories of stochastic and deterministic runs are compared on the same
footing.

**Divergence.** A run is stopped with ``status = "diverged"`` at the first step ``t`` where
the value, the gradient or the point is not finite, or where ``|f(x_t)|``, ``|grad f(x_t)|``
or ``|x_t|`` exceeds ``B = sqrt(max float64) ~ 1.34e154`` (:data:`DIVERGENCE_BOUND`). ``B`` is
where squares overflow. Past it in ``|g|`` or ``|x|`` the run's own arithmetic overflows at
the next step: the recorded norm ``sqrt(sum g_i^2)`` is Inf exactly when ``|g| > B``, RMSProp
and Adam square ``g``, Newton steps and line searches square ``|g|``, a surface with a
quadratic term squares ``x``. Past it in ``|f|`` the value has outgrown the square root of the
float range: a loss there is no longer a number of the problem but a blow-up on its way to
Inf (on a polynomial surface of degree 2 or more the value is at least the square of a
coordinate or gradient entry that is itself heading past ``B``; SGD with ``lr = 50`` on
``x^4/4 - x^2/2 + y^2/2`` from ``(1, 1)`` has ``f_t = 49^{2t}/2 - 1/4``, past ``B`` at
``t = 46`` and Inf at ``t = 92``). Nothing below ``B`` is flagged, however large (a quadratic
scaled by ``1e100`` runs normally). The rows recorded before ``t`` are kept; the rows from
``t`` on hold NaN, and ``attrs["reason"]`` says what was met.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import xarray as xr

from fields.surface import check_surface, retract, value_and_grad
from rmt._threads import small_products
from rmt._validation import check_count, check_int, check_positive_float, check_vector
from rmt.random import as_seed_sequence, child, provenance

from .base import Transform
from .surface import LAMBDA_MIN_TOL, curvature, smallest_eigenvalue

__all__ = ["DIVERGENCE_BOUND", "RECORDABLE", "run"]

#: What a trajectory can record, and the long names given to the variables.
RECORDABLE = {
    "value": "f(x_t)",
    "grad_norm": "|grad f(x_t)| (exact gradient)",
    "step_size": "|x_{t+1} - x_t|",
    "index": "Hessian index at x_t (number of negative eigenvalues)",
    "lambda_min": "smallest Hessian eigenvalue at x_t (ARPACK, relative accuracy 1e-3)",
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
        ``"index"``, ``"lambda_min"`` (:func:`optim.smallest_eigenvalue`, through ``hvp``)
        and ``"x"`` (the points; ``T x dim`` numbers).
    record_every : int, default 1
        Record every this many steps (step 0 and the last step are always recorded).
    index_every : int, optional
        With ``"index"`` or ``"lambda_min"`` in ``record``: compute the Hessian index
        (:func:`optim.curvature`) or smallest eigenvalue every this many steps (default:
        about 20 times along the run, and at the last step).
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
        ``"diverged"`` or ``"stopped"``), ``steps_taken``, ``diverged_at`` (the first step
        whose point, value or gradient was not finite or past the bound ``B`` of the module
        docstring; -1 if none), ``reason`` (a sentence: why the run ended, and where the index
        could not be computed) and ``index_failed_at`` (the first recorded step whose
        Hessian was not finite, so that its ``index`` is NaN; -1 if none: the run goes on,
        the index is a record, not a step).

    Raises
    ------
    TypeError
        ``surface`` lacks a member the run needs (``minibatch`` and ``n_examples`` with
        ``batch_size``); ``optimizer`` is not a Transform.
    ValueError
        ``x0`` of the wrong shape or not finite, ``steps < 0``, ``record_every < 1``, unknown
        record names, negative ``grad_noise``, non-positive ``grad_tol``; ``steps`` whose
        trajectory (``16 (k + 1)`` bytes per recorded step for ``k`` recorded numbers, ``dim``
        of them for ``"x"``) would not fit in the memory available
        (:func:`rmt._validation.memory_limit`). The work itself (``steps`` updates) is not
        bounded: a long run with a large ``record_every`` is the caller's choice.

    Notes
    -----
    BLAS runs on one thread during the run when ``dim <= 2**22`` (:mod:`rmt._threads`: one
    step's products are too small for threads to pay, and they fight on a shared machine).

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
    if "lambda_min" in record:
        needs += ("hvp",)
    if batch_size is not None:
        needs += ("minibatch",)
    dim = check_surface(surface, tuple(dict.fromkeys(needs)))
    x = retract(surface, check_vector("x0", x0, dim, copy=True))
    record_every = check_int("record_every", record_every, 1)
    per_row = _row_bytes(record, dim)
    steps = check_count("steps", steps, 0, bytes_each=per_row / record_every,
                        what=f"the trajectory ({per_row} bytes per recorded step, one in "
                             f"{record_every})")
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
        n = getattr(surface, "n_examples", None)
        if n is not None and batch_size > n:
            raise ValueError(f"batch_size must be at most n_examples = {n}; got {batch_size}")
    root = as_seed_sequence(rng)
    opt_seed = child(root, 0)
    noise_rng, batch_rng, index_rng = (np.random.default_rng(child(root, k)) for k in (1, 2, 3))

    trajectory = _Trajectory(record, dim, steps, record_every)
    state = optimizer.init(x, rng=opt_seed)
    status, diverged_at, taken, reason = "completed", -1, steps, f"ran all {steps} steps"
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"), small_products(dim):
        value, grad = value_and_grad(surface, x)
        for t in range(steps + 1):
            gnorm = float(np.linalg.norm(grad))
            blown = _blown_up(t, value, gnorm, float(np.linalg.norm(x)))
            if blown:
                status, diverged_at, taken, reason = "diverged", t, t, blown
                break
            early = None
            if grad_tol is not None and gnorm <= grad_tol:
                early, reason = "converged", f"|grad f(x_{t})| = {gnorm:.3g} <= grad_tol"
            elif stop is not None and stop(x, value, gnorm):
                early, reason = "stopped", f"stop(x, value, grad_norm) held at step {t}"
            if trajectory.records(t) or early:
                last = t == steps or early is not None
                trajectory.write(t, _row(record, surface, x, value, gnorm,
                                         last or t % index_every == 0, index_rng))
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
            try:
                step, state = optimizer.update(g, state, x, surface)
            except np.linalg.LinAlgError as exc:
                status, diverged_at, taken = "diverged", t + 1, t + 1
                reason = f"the update of step {t} raised LinAlgError: {exc}"
                break
            x_new = x + np.asarray(step, dtype=np.float64)
            if not math.isfinite(float(np.linalg.norm(x_new))):
                status, diverged_at, taken = "diverged", t + 1, t + 1
                reason = (f"x_{t + 1} is not finite or |x_{t + 1}| exceeds "
                          f"{DIVERGENCE_BOUND:.3g} = sqrt(max float64)")
                break
            x_new = retract(surface, x_new)
            trajectory.step_size(t, float(np.linalg.norm(x_new - x)))
            x = x_new
            value, grad = value_and_grad(surface, x)

    attrs = provenance(
        root, surface=surface, dim=dim, optimizer=optimizer, steps=steps,
        grad_noise=grad_noise, batch_size=-1 if batch_size is None else batch_size,
        grad_tol=-1.0 if grad_tol is None else grad_tol,
    )
    index_note, index_failed_at = trajectory.index_failure()
    attrs.update(status=status, steps_taken=taken, diverged_at=diverged_at,
                 reason=reason + index_note, index_failed_at=index_failed_at)
    early = status in ("converged", "stopped")
    return trajectory.dataset(taken if early else None, attrs)


#: Magnitude beyond which a run is diverged: sqrt of the largest float64, about 1.34e154.
DIVERGENCE_BOUND = math.sqrt(np.finfo(np.float64).max)


def _blown_up(t: int, value: float, gnorm: float, xnorm: float) -> str:
    """Why step ``t`` (``f(x_t)``, ``|grad f(x_t)|``, ``|x_t|``) is diverged; ``""`` if not.

    A norm is Inf once it exceeds :data:`DIVERGENCE_BOUND` (its sum of squares overflows, up
    to rounding), NaN when an entry is NaN.
    """
    if not math.isfinite(xnorm):
        return (f"x_{t} is not finite or |x_{t}| exceeds {DIVERGENCE_BOUND:.3g} = "
                f"sqrt(max float64)")
    if not math.isfinite(value):
        return f"f(x_{t}) = {value} is not finite"
    if abs(value) > DIVERGENCE_BOUND:
        return (f"|f(x_{t})| = {abs(value):.3g} exceeds {DIVERGENCE_BOUND:.3g} = "
                f"sqrt(max float64)")
    if not math.isfinite(gnorm):
        return (f"grad f(x_{t}) is not finite or |grad f(x_{t})| exceeds "
                f"{DIVERGENCE_BOUND:.3g} = sqrt(max float64)")
    return ""


def _row_bytes(record: tuple[str, ...], dim: int) -> int:
    """Bytes of one recorded step: its float64 numbers, the step number, twice (the arrays
    filled here and the Dataset made of them)."""
    numbers = len(record) + ("index" in record) + (dim - 1 if "x" in record else 0)
    return 2 * 8 * (numbers + 1)


class _Trajectory:
    """The recorded rows: step ``0``, every ``record_every``-th step, the last step, and the
    step where a run stopped early; float64 arrays allocated once (their size was checked).
    """

    def __init__(self, record: tuple[str, ...], dim: int, steps: int, record_every: int):
        self.record, self.dim, self.every, self.steps = record, dim, record_every, steps
        self.planned = np.unique(np.append(np.arange(0, steps + 1, record_every), steps))
        n = self.planned.size  # an early stop at step t takes the row of the next planned step
        self.names = [r for r in record if r != "x"] + (["index_fraction"] if "index" in record
                                                        else [])
        self.columns = {name: np.full(n, np.nan) for name in self.names}
        self.x = np.full((n, dim), np.nan) if "x" in record else None
        self.rows: dict[int, int] = {}
        self.failures: list[tuple[int, str]] = []

    def records(self, t: int) -> bool:
        return t % self.every == 0 or t == self.steps

    def write(self, t: int, row: dict) -> None:
        k = int(np.searchsorted(self.planned, t))
        self.rows[t] = k
        for name in self.names:
            self.columns[name][k] = row.get(name, np.nan)
        if self.x is not None:
            self.x[k] = row["x"]
        if "index_error" in row:
            self.failures.append((t, row["index_error"]))

    def step_size(self, t: int, size: float) -> None:
        if t in self.rows and "step_size" in self.columns:
            self.columns["step_size"][self.rows[t]] = size

    def index_failure(self) -> tuple[str, int]:
        """The sentence added to ``reason`` and the first step whose index is NaN (or -1)."""
        if not self.failures:
            return "", -1
        t, message = self.failures[0]
        return (f"; the Hessian index is NaN at {len(self.failures)} recorded step(s), first "
                f"at step {t}: {message}"), t

    def dataset(self, stopped_at: int | None, attrs: dict) -> xr.Dataset:
        """The rows up to ``stopped_at`` (an early stop) or all planned rows."""
        if stopped_at is None:
            n, steps = self.planned.size, self.planned
        else:
            n = int(np.searchsorted(self.planned, stopped_at, side="right"))
            steps = self.planned[:n]
            if steps[-1] != stopped_at:
                steps, n = np.append(steps, stopped_at), n + 1
        data_vars = {name: ("step", self.columns[name][:n],
                            {"long_name": RECORDABLE.get(name, _FRACTION)})
                     for name in self.names}
        if self.x is not None:
            data_vars["x"] = (("step", "coord"), self.x[:n], {"long_name": RECORDABLE["x"]})
        return xr.Dataset(data_vars, coords={"step": steps}, attrs=attrs)


_FRACTION = "index / Hessian size"


def _row(record, surface, x, value, gnorm, with_index: bool, rng) -> dict:
    """The recorded quantities at one step (the index only when ``with_index``)."""
    row = {"value": value, "grad_norm": gnorm}
    if "x" in record:
        row["x"] = x.copy()
    if "lambda_min" in record and with_index:
        row["lambda_min"] = smallest_eigenvalue(surface, x, tol=LAMBDA_MIN_TOL, rng=rng)
    if "index" in record and with_index:
        try:
            c = curvature(surface, x, rng=rng)
        except (ValueError, np.linalg.LinAlgError) as exc:  # a NaN or Inf Hessian at x
            row["index_error"] = str(exc)
        else:
            row["index"], row["index_fraction"] = c.index, c.index_fraction
    return row
