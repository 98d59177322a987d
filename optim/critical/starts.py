r"""Starting points of the searches: random points and points along gradient-descent paths.

Random starts are ``scale * N(0, I)`` points, retracted onto the manifold
(:func:`fields.surface.retract`). On a random landscape they find mostly the abundant
high-index saddles near energy 0; to reach every energy down to the minima, *trajectory*
starts are taken along gradient-descent paths (Armijo backtracking on ``f`` with
Barzilai–Borwein trial steps, from random points): the drop in value along a path is cut into
equal parts and each part contributes its point of smallest ``|g|``, where the path passed
closest to a critical point (the last part ends near a minimum). The rule and its numbers are
a :class:`~optim.critical.Starts`; an explicit ``(n, dim)`` array of points is also accepted.

Every random point has its own keyed child of the root seed (:func:`rmt.random.child`):
random start ``j`` draws from ``(0, j)``, descent path ``t`` from ``(1, t)`` and, when no start
is random, scale-estimate point ``j`` from ``(3, 1, j)``, so each start is deterministic given
its own child and nothing depends on the order of the work.

References
----------
J. Barzilai and J. M. Borwein, "Two-point step size gradient methods", IMA J. Numer. Anal. 8,
141 (1988).
"""

from __future__ import annotations

import math

import numpy as np

from fields.surface import retract
from rmt._validation import check_real_array
from rmt.random import child

from ._evaluation import evaluate
from .options import START_RULES, Starts, _Setup
from .solvers import _MIN_STEP_FRACTION, _RHO

__all__: list[str] = []

#: Random points drawn for the scales when no start is random.
_EXTRA_SCALE_POINTS = 16
#: Stop a descent path once |g| is below this fraction of the gradient scale.
_DESCENT_GTOL = 1e-3


def _as_starts(starts, dim: int) -> Starts | np.ndarray:
    """A :class:`Starts` (from itself or a rule's name), or the given points as an array."""
    if isinstance(starts, Starts):
        return starts
    if isinstance(starts, str):
        if starts not in START_RULES:
            raise ValueError(f"starts must be one of {START_RULES}, a Starts or an (n, dim) "
                             f"array of points; got {starts!r}")
        return Starts(starts)
    try:
        arr = check_real_array("starts", starts)
    except TypeError as exc:
        raise TypeError(f"starts must be one of {START_RULES}, a Starts or an (n, dim) array "
                        f"of real numbers; got {type(starts).__name__}") from exc
    if arr.ndim != 2 or arr.shape[1] != dim or arr.shape[0] < 1:
        raise ValueError(f"starts must be an (n, dim) array with n >= 1 and dim = {dim}; got "
                         f"shape {arr.shape}")
    return np.array(arr, dtype=np.float64)


def _counts(starts: Starts, n_starts: int) -> tuple[int, int]:
    """``(random, trajectory)`` numbers of starts of the rule."""
    if starts.rule == "mixed":
        n_traj = round(starts.trajectory_fraction * n_starts)
    else:
        n_traj = n_starts if starts.rule == "trajectory" else 0
    return n_starts - n_traj, n_traj


def _random_point(surface, dim: int, scale: float, seed: np.random.SeedSequence) -> np.ndarray:
    return retract(surface, scale * np.random.default_rng(seed).standard_normal(dim))


def _random_starts(surface, dim: int, scale: float, root: np.random.SeedSequence,
                   n: int) -> list[np.ndarray]:
    """Random starts ``0, ..., n - 1``."""
    return [_random_point(surface, dim, scale, child(root, 0, j)) for j in range(n)]


def _scale_points(surface, dim: int, scale: float, root: np.random.SeedSequence,
                  random_starts: list[np.ndarray]) -> list[np.ndarray]:
    """The points where the scales are estimated: the random starts, or extra random points."""
    return random_starts or [_random_point(surface, dim, scale, child(root, 3, 1, j))
                             for j in range(_EXTRA_SCALE_POINTS)]


def _descent_path(surface, x: np.ndarray, steps: int, setup: _Setup):
    """Gradient descent with Armijo backtracking on ``f`` and Barzilai–Borwein trial steps.

    Returns the points, values and gradient norms along the path (the start included).
    """
    ev = evaluate(surface, x)
    if ev is None:
        return [x], [math.nan], [math.nan]
    value, g = ev
    xs, values, grad_norms = [x], [value], [float(np.linalg.norm(g))]
    t = 1.0 / setup.hess_scale
    for _ in range(steps):
        gg = float(g @ g)
        if math.sqrt(gg) <= _DESCENT_GTOL * setup.grad_scale:
            break
        t = min(t, setup.max_step / math.sqrt(gg))
        while t * math.sqrt(gg) >= _MIN_STEP_FRACTION * setup.max_step:
            x_new = retract(surface, x - t * g)
            trial = evaluate(surface, x_new)
            if trial is not None and trial[0] <= value - _RHO * t * gg:
                break
            t *= 0.5
        else:
            break
        s, y = x_new - x, trial[1] - g
        sy = float(s @ y)
        x, (value, g) = x_new, trial
        xs.append(x)
        values.append(value)
        grad_norms.append(math.sqrt(float(g @ g)))
        t = float(s @ s) / sy if sy > 0 else 2.0 * t  # BB1 trial step for the next iteration
    return xs, values, grad_norms


def _points_along(xs: list[np.ndarray], values: list[float], grad_norms: list[float],
                  k: int) -> list[np.ndarray]:
    """``k`` points of a descent path, spread in value, each where the path slowed down.

    The drop in value from the start of the path to its end is cut into ``k`` equal parts;
    from each part the point with the smallest ``|g|`` is taken (the path comes closest to a
    critical point there; the last part holds the end of the path, near a minimum). A part
    the path crossed in a single step contributes the first point past it.
    """
    v = np.asarray(values)
    gn = np.asarray(grad_norms)
    if not np.all(np.isfinite(v)):
        return [xs[0]] * k
    edges = v[0] + (v[-1] - v[0]) * np.arange(k + 1) / k
    # Values decrease along the path (Armijo): part j holds the points with values in
    # (edges[j+1], edges[j]] (the start in part 0, the end in part k - 1).
    part = np.minimum(np.searchsorted(-edges[1:-1], -v, side="left"), k - 1)
    chosen = []
    for j in range(k):
        members = np.flatnonzero(part == j)
        if members.size:
            chosen.append(int(members[np.argmin(gn[members])]))
        else:
            chosen.append(int(min(np.searchsorted(-v, -edges[j + 1], side="left"), v.size - 1)))
    return [xs[i] for i in chosen]




def _trajectory_starts(surface, dim: int, starts: Starts, root: np.random.SeedSequence,
                       n: int, setup: _Setup) -> list[np.ndarray]:
    """``n`` starts along descent paths, ``starts.trajectory_points`` from each path."""
    points: list[np.ndarray] = []
    per_path = starts.trajectory_points
    for t in range(math.ceil(n / per_path)):
        k = min(per_path, n - t * per_path)
        x0 = _random_point(surface, dim, starts.scale, child(root, 1, t))
        xs, values, grad_norms = _descent_path(surface, x0, starts.trajectory_steps, setup)
        points.extend(_points_along(xs, values, grad_norms, k))
    return points


def _given_starts(surface, dim: int, points: np.ndarray) -> list[np.ndarray]:
    """The given points, retracted; a point the retraction refuses becomes NaN (diverged)."""
    out = []
    for row in points:
        try:
            out.append(retract(surface, row))
        except (ValueError, FloatingPointError, ZeroDivisionError):
            out.append(np.full(dim, np.nan))
    return out
