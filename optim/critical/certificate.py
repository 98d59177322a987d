r"""Certification of end points: the scales, the status, the kind, and merging of duplicates.

**Scales.** The tolerances of a :class:`~optim.critical.Certificate` are relative to two
scales of the surface, measured at the random starting points unless given: the gradient
scale :math:`g_s`, the median of ``|g|``, and the Hessian scale :math:`h_s`, the
root-mean-square Hessian eigenvalue by Hutchinson's estimate
:math:`h_s^2 = E|H v|^2 / m` for ``v`` standard normal in the ``m`` tangent coordinates. Their
ratio :math:`L = g_s / h_s` is the length scale of steps and of merging.

**Status.** An end point is ``"critical"`` only if :math:`|g| \le \mathrm{grad\_tol}\cdot g_s`.
Otherwise it is ``"gradient-flat"`` when :math:`|H g| \le \mathrm{flat\_tol}\cdot h_s |g|`
(a stationary point of :math:`|g|^2 / 2` that is not critical, Frye et al. 2021),
``"diverged"`` when a NaN or Inf was met (in the value, the gradient, the Newton step,
``H g``, or the Hessian at the end point, whose curvature then cannot be computed), and
``"unconverged"`` otherwise. Each end point carries a ``reason`` saying which.

**Kind.** Only critical points get a kind other than ``"not-critical"``: ``"degenerate"`` when
the eigenvalue nearest zero is at most ``degenerate_tol * h_s`` in absolute value, else
``"minimum"`` (index 0), ``"maximum"`` (index = Hessian size) or ``"saddle"``. The index and
that eigenvalue come from :func:`optim.surface.curvature`: an inertia count of the Hessian by
:func:`rmt.index` where the Hessian is available, Lanczos through ``hvp`` where it is not.

**Duplicates.** Critical points closer than ``merge_tol * L`` to each other are one point: the
row with the smallest ``|g|`` is kept, and its ``hits`` counts the starts that reached it.
Rows of non-critical points are never merged.

References
----------
C. G. Frye, J. Simon, N. S. Wadia, A. Ligeralde, M. R. DeWeese and K. E. Bouchard, "Critical
point-finding methods reveal gradient-flat regions of deep network losses", Neural Computation
33, 1469 (2021).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from fields.surface import tangent_space
from rmt.random import child

from ..surface import Curvature, curvature
from ._evaluation import EndPoint, evaluate, finite
from .options import _Setup

__all__ = ["KINDS", "STATUSES"]

#: Status of an end point: only ``"critical"`` points are counted as critical points.
STATUSES = ("critical", "gradient-flat", "unconverged", "diverged")
#: Kind of a row: the type of a certified critical point, or ``"not-critical"``.
KINDS = ("minimum", "saddle", "maximum", "degenerate", "not-critical")

#: Random points (at most) and probe vectors per point of the Hessian-scale estimate.
_SCALE_POINTS = 8
_SCALE_PROBES = 2


def _grad_scale(surface, points: list[np.ndarray]) -> float:
    """The median ``|g|`` at ``points`` (the random starting points)."""
    norms = []
    for x in points:
        ev = evaluate(surface, x)
        if ev is not None:
            norms.append(float(np.linalg.norm(ev[1])))
    scale = float(np.median(norms)) if norms else math.nan
    if not (math.isfinite(scale) and scale > 0):
        raise ValueError(
            f"the gradient scale (median |grad f| at the random starting points) is {scale}; "
            f"pass Certificate(grad_scale=...) explicitly"
        )
    return scale


def _hess_scale(surface, points: list[np.ndarray], rng: np.random.Generator) -> float:
    """Root-mean-square Hessian eigenvalue by Hutchinson's estimate ``E|H v|^2 / m``."""
    total, count = 0.0, 0
    for x in points[:_SCALE_POINTS]:
        space = tangent_space(surface, x)
        for _ in range(_SCALE_PROBES):
            v = space.ambient(rng.standard_normal(space.size))
            with np.errstate(all="ignore"):
                hv = np.asarray(surface.hvp(x, v), dtype=np.float64)
            if finite(hv):
                total += float(hv @ hv) / space.size
                count += 1
    scale = math.sqrt(total / count) if count else math.nan
    if not (math.isfinite(scale) and scale > 0):
        raise ValueError(
            f"the Hessian scale (RMS eigenvalue at the random starting points) is {scale}; "
            f"pass Certificate(hess_scale=...) explicitly"
        )
    return scale


def _classify(setup: _Setup, grad_norm: float, hg_norm: float) -> str:
    """The status of a point with ``|g| = grad_norm`` and ``|H g| = hg_norm``."""
    if not (math.isfinite(grad_norm) and math.isfinite(hg_norm)):
        return "diverged"
    if grad_norm <= setup.grad_abs:
        return "critical"
    if hg_norm <= setup.flat_tol * setup.hess_scale * grad_norm:
        return "gradient-flat"
    return "unconverged"


def _merge(points: np.ndarray, grad_norms: np.ndarray, radius: float):
    """Greedy clustering by increasing ``|g|``: representatives, hit counts, and the cluster
    of every point."""
    order = np.argsort(grad_norms, kind="stable")
    reps: list[int] = []
    hits: list[int] = []
    cluster = np.empty(len(points), dtype=np.int64)
    for i in order:
        if reps:
            d = np.linalg.norm(points[reps] - points[i], axis=1)
            j = int(np.argmin(d))
            if d[j] <= radius:
                hits[j] += 1
                cluster[i] = j
                continue
        cluster[i] = len(reps)
        reps.append(int(i))
        hits.append(1)
    return reps, hits, cluster


@dataclass(frozen=True)
class _Row:
    """One row of the result: the end point of start ``start`` and its curvature."""

    start: int
    index: int
    size: int
    min_abs_eigenvalue: float
    kind: str
    hits: int


def _kind(status: str, index: int, size: int, min_abs: float, degenerate_abs: float) -> str:
    if status != "critical":
        return "not-critical"
    if not min_abs > degenerate_abs:
        return "degenerate"
    if index == 0:
        return "minimum"
    if index == size:
        return "maximum"
    return "saddle"


def _curvature(surface, e: EndPoint, seed: np.random.SeedSequence):
    """The curvature of an end point, or the message of why its Hessian gave none."""
    try:
        return curvature(surface, e.x, rng=seed)
    except (ValueError, np.linalg.LinAlgError) as exc:  # a NaN or Inf Hessian at the point
        return f"the Hessian at the end point is not finite: {exc}"


def _certify(surface, ends: list[EndPoint], points: np.ndarray,
             root: np.random.SeedSequence, setup: _Setup) -> list[_Row]:
    """Merge the duplicate critical end points; the curvature and kind of every row kept.

    ``points`` holds the end points (NaN rows for those of the wrong shape). The rows are the
    distinct critical points (by increasing ``|g|`` of their representatives), then every
    non-critical end point in the order of the starts. The curvature of start ``i``'s point
    draws (when Lanczos needs a start vector) from the child ``(2, i)`` of ``root``. An end
    point whose Hessian is not finite (its curvature cannot be computed) is ``"diverged"``,
    with the reason, and so is every start merged with it; the rest are merged again.
    """
    curvatures: dict[int, Curvature | str] = {}
    while True:
        status = np.array([e.status for e in ends], dtype=object)
        critical = np.flatnonzero(status == "critical")
        grad_norms = np.array([e.grad_norm for e in ends])
        reps, rep_hits, cluster = _merge(points[critical], grad_norms[critical],
                                         setup.merge_radius)
        failed = []
        for k, r in enumerate(reps):
            i = int(critical[r])
            if i not in curvatures:
                curvatures[i] = _curvature(surface, ends[i], child(root, 2, i))
            if isinstance(curvatures[i], str):
                failed.append((k, curvatures[i]))
        for k, message in failed:
            for j in critical[cluster == k]:
                ends[j].status, ends[j].reason = "diverged", message
        if not failed:
            break
    hits = np.ones(len(ends), dtype=np.int64)
    for r, h in zip(reps, rep_hits, strict=True):
        hits[critical[r]] = h
    keep = [int(critical[r]) for r in reps] + [i for i in range(len(ends))
                                               if status[i] != "critical"]
    rows = []
    for i in keep:
        e = ends[i]
        index, size, min_abs = -1, 0, math.nan
        if e.status != "diverged" and finite(e.x):
            c = curvatures.get(i) or _curvature(surface, e, child(root, 2, i))
            if isinstance(c, str):
                e.status, e.reason = "diverged", c
            else:
                index, size, min_abs = c.index, c.size, c.min_abs_eigenvalue
        rows.append(_Row(i, index, size, min_abs,
                         _kind(e.status, index, size, min_abs, setup.degenerate_abs),
                         int(hits[i])))
    return rows
