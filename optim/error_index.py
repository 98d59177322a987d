r"""The error–index experiment: the talk's central figure, for any surface with a theory.

On one surface, two kinds of points are placed in the plane of energy density ``e = f / N``
against index fraction ``alpha`` (the fraction of negative Hessian eigenvalues):

* the critical points found by :func:`optim.find_critical_points` (certified ones only);
* the points visited by descent trajectories (SGD, RMSProp, ESGD, saddle-free Newton by
  default), with their index computed along the way.

Bray & Dean (2007) predict that critical points lie on a curve ``alpha(e)`` rising from the
minima at the bottom of the landscape to the maxima at the top (``docs/theory.md`` section 7):
the high-error critical points are saddles of high index, the low-error ones near-optimal
minima. The curve is the surface's own index law, ``fields.index_law(surface).asymptotic``
(:func:`fields.index_law`: the Bray–Dean law of Gaussian fields, the spin-glass law, or any law
a user registers), and comes with the dataset.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import xarray as xr

import fields
from fields.surface import check_surface, retract
from rmt._validation import check_count, check_int, check_positive_float
from rmt.random import as_seed_sequence, child, provenance

from .base import Transform
from .critical import find_critical_points
from .diagonal_curvature import esgd
from .driver import run
from .first_order import rmsprop, sgd
from .newton import saddle_free_newton

__all__ = ["default_optimizers", "error_index", "error_index_by_dimension"]


def default_optimizers() -> dict[str, Transform]:
    """The four descent methods of the talk, with step sizes that suit both test surfaces.

    Gradient descent ``lr = 0.1``, RMSProp ``lr = 0.01``, ESGD ``lr = 0.2`` (curvature every
    10 steps), saddle-free Newton ``lr = 0.5`` (exact ``|H|``, damping ``0.3``). The
    Hessians of both surfaces have ``O(1)`` spectra (Bray–Dean scaling; spin glass radius
    ``2 sqrt(p (p - 1))``), so these rates are stable on both. Saddle-free Newton needs a
    damping comparable to the spectrum: with a damping much smaller than the spectrum its
    steps along eigenvalues near zero are so long that it jumps between basins.
    """
    return {
        "SGD": sgd(0.1),
        "RMSProp": rmsprop(0.01),
        "ESGD": esgd(0.2, damping=1e-2, every=10),
        "saddle-free Newton": saddle_free_newton(0.5, damping=0.3),
    }


#: The numbers of one row of the result (value, energy, index fraction, |g|, source, kind,
#: trajectory, step), each held as a list entry and in the Dataset.
_ROW_NUMBERS = ("value", "energy", "index_fraction", "grad_norm", "source", "kind",
                "trajectory", "step")


def error_index(
    surface,
    *,
    n_starts: int = 100,
    method: str = "newton-mr",
    optimizers: dict[str, Transform] | None = None,
    n_trajectories: int = 3,
    steps: int = 300,
    points_per_trajectory: int = 10,
    start_scale: float = 1.0,
    rng=None,
) -> xr.Dataset:
    r"""Critical points and descent trajectories of one surface in the error–index plane.

    Parameters
    ----------
    surface
        A surface with ``hvp`` and an index law (:func:`fields.index_law`: a
        :class:`fields.GaussianField` in the Bray–Dean scaling, a
        :class:`fields.SphericalSpinGlass`, or a class registered by the user).
    n_starts : int
        Starting points of the critical-point finder.
    method : str
        Finder method (:func:`optim.find_critical_points`).
    optimizers : dict {str: Transform}, optional
        Descent methods whose trajectories are recorded (default :func:`default_optimizers`).
    n_trajectories : int
        Trajectories per optimiser, from random starts ``start_scale * N(0, I)`` (retracted).
    steps : int
        Steps per trajectory.
    points_per_trajectory : int
        Points of each trajectory at which the index is computed (evenly spaced in steps,
        the last included).
    start_scale : float
    rng : None, int, SeedSequence or Generator
        Root (:func:`rmt.random.as_seed_sequence`): keyed child 0 seeds the finder, child 1
        draws the start points, child ``(2, i, j)`` seeds trajectory ``j`` of optimiser ``i``.

    Returns
    -------
    xarray.Dataset
        Over ``point``: ``value`` (``f``), ``energy`` (``law.energy(f)``, for the laws of
        :mod:`fields` the energy density ``f / N``), ``index_fraction``, ``grad_norm``, ``source``
        (``"critical point"`` or the optimiser's name), ``kind`` (of critical points; ``"visited"``
        for trajectory points), ``trajectory`` (-1 for critical points) and ``step``. Over
        ``theory_point``: the theory curve ``theory_energy``, ``theory_index_fraction``.
        ``attrs``: the provenance (:func:`rmt.random.provenance`) with ``surface``, ``dim``,
        ``theory`` (``law.description``), the arguments and ``n_critical_points``.

    Raises
    ------
    TypeError
        ``surface`` lacks ``hvp`` or has no index law (:func:`fields.index_law`); an
        optimiser that is not a Transform; non-integer counts.
    ValueError
        A surface whose law does not apply (:func:`fields.index_law` says why); counts below
        their minimum; ``n_starts`` (:func:`optim.find_critical_points`) or
        ``n_trajectories`` (starts and rows, about ``8 (dim + 16 n_opt (p + 2))`` bytes each
        for ``n_opt`` optimisers and ``p`` points per trajectory) too large for the memory
        available (:func:`rmt._validation.memory_limit`). ``steps`` bounds only the work:
        each trajectory records about ``points_per_trajectory`` rows.
    """
    dim = check_surface(surface, "hvp")
    law = fields.index_law(surface)
    if optimizers is not None and not isinstance(optimizers, Mapping):
        raise TypeError(f"optimizers must be a dict of names to Transforms or None; got "
                        f"{type(optimizers).__name__}")
    optimizers = default_optimizers() if optimizers is None else dict(optimizers)
    for name, opt in optimizers.items():
        if not isinstance(opt, Transform):
            raise TypeError(f"optimizers[{name!r}] must be an optim Transform; "
                            f"got {type(opt).__name__}")
    steps = check_int("steps", steps, 1)
    points_per_trajectory = check_int("points_per_trajectory", points_per_trajectory, 1)
    rows = len(optimizers) * (min(steps, points_per_trajectory) + 2) * len(_ROW_NUMBERS)
    n_trajectories = check_count("n_trajectories", n_trajectories, 0,
                                 bytes_each=8 * (dim + 2 * rows),
                                 what=f"the starts ({dim} float64 each) and the rows of every "
                                      f"optimiser's trajectory from them")
    start_scale = check_positive_float("start_scale", start_scale)
    root = as_seed_sequence(rng)

    cps = find_critical_points(surface, n_starts=n_starts, method=method, rng=child(root, 0))
    cps = cps.isel(point=np.flatnonzero(cps.kind.values != "not-critical"))
    rows = {
        "value": list(np.asarray(cps.value.values, dtype=np.float64)),
        "energy": list(law.energy(np.asarray(cps.value.values, dtype=np.float64))),
        "index_fraction": list(cps.index_fraction.values),
        "grad_norm": list(cps.grad_norm.values),
        "source": ["critical point"] * cps.sizes["point"],
        "kind": list(cps.kind.values),
        "trajectory": [-1] * cps.sizes["point"],
        "step": [-1] * cps.sizes["point"],
    }
    starts_rng = np.random.default_rng(child(root, 1))
    starts = [retract(surface, start_scale * starts_rng.standard_normal(dim))
              for _ in range(n_trajectories)]
    every = max(1, steps // points_per_trajectory)
    for i, (name, opt) in enumerate(optimizers.items()):
        for j, x0 in enumerate(starts):
            traj = run(surface, opt, x0, steps, record=("value", "grad_norm", "index"),
                       record_every=every, index_every=every, rng=child(root, 2, i, j))
            traj = traj.dropna("step", subset=["index"])
            rows["value"] += list(np.asarray(traj.value.values, dtype=np.float64))
            rows["energy"] += list(law.energy(np.asarray(traj.value.values, dtype=np.float64)))
            rows["index_fraction"] += list(traj.index_fraction.values)
            rows["grad_norm"] += list(traj.grad_norm.values)
            rows["source"] += [name] * traj.sizes["step"]
            rows["kind"] += ["visited"] * traj.sizes["step"]
            rows["trajectory"] += [j] * traj.sizes["step"]
            rows["step"] += list(traj.step.values)

    lo = min(rows["energy"], default=-1.0)
    hi = max(rows["energy"], default=1.0)
    pad = 0.15 * (hi - lo) + 0.05
    e = np.linspace(lo - pad, hi + pad, 201)
    data = {
        "value": ("point", np.array(rows["value"], dtype=float), {"long_name": "f(x)"}),
        "energy": ("point", np.array(rows["energy"], dtype=float),
                   {"long_name": "energy (law.energy(f))"}),
        "index_fraction": ("point", np.array(rows["index_fraction"], dtype=float)),
        "grad_norm": ("point", np.array(rows["grad_norm"], dtype=float)),
        "source": ("point", np.array(rows["source"], dtype=object).astype(str)),
        "kind": ("point", np.array(rows["kind"], dtype=object).astype(str)),
        "trajectory": ("point", np.array(rows["trajectory"], dtype=int)),
        "step": ("point", np.array(rows["step"], dtype=int)),
        "theory_energy": ("theory_point", e),
        "theory_index_fraction": ("theory_point",
                                  np.asarray(law.asymptotic(e), dtype=np.float64)),
    }
    attrs = provenance(
        root, surface=surface, dim=dim, theory=law.description, method=method,
        n_starts=n_starts, optimizers="; ".join(f"{k}: {v!r}" for k, v in optimizers.items()),
        n_trajectories=n_trajectories, steps=steps,
        points_per_trajectory=points_per_trajectory, start_scale=start_scale,
    )
    attrs["n_critical_points"] = int(cps.sizes["point"])
    return xr.Dataset(data, attrs=attrs)


_MODELS = ("gaussian-field", "spin-glass")


def error_index_by_dimension(
    models: Sequence[str] = _MODELS,
    dims: Sequence[int] = (20, 50),
    *,
    kernel=None,
    p: int = 3,
    features_per_dim: int = 300,
    rng=None,
    **kwargs,
) -> xr.Dataset:
    r""":func:`error_index` for GaussianField and the spin glass at several dimensions.

    Parameters
    ----------
    models : sequence of {"gaussian-field", "spin-glass"}
    dims : sequence of int
        Dimensions ``N`` (``>= 2``).
    kernel : fields.Kernel, optional
        Kernel of the Gaussian fields (default squared-exponential).
    p : int
        Degree of the spin glass.
    features_per_dim : int
        Random Fourier features per dimension for the fields (``M = features_per_dim * N``;
        the Hessian statistics approach the Gaussian ones only for ``M / N`` of a few hundred).
    rng : None, int, SeedSequence or Generator
        Root (:func:`rmt.random.as_seed_sequence`): cell ``(i, j)`` (model ``i``, dimension
        ``j``) builds its surface from the keyed child ``(i, j, 0)`` and runs
        :func:`error_index` from ``(i, j, 1)``.
    **kwargs
        Passed to :func:`error_index` (``n_starts``, ``optimizers``, ``steps``...).

    Returns
    -------
    xarray.Dataset
        The :func:`error_index` datasets concatenated over ``point`` with the labels ``model``
        and ``dim`` per point, and the theory curves over ``(curve, theory_point)`` (coordinate
        ``curve``: the model names). ``attrs``: the provenance with the arguments and
        ``theories`` (the laws' descriptions).
    """
    if isinstance(models, str):
        models = (models,)
    for name, value in (("models", models), ("dims", dims)):
        if not isinstance(value, Sequence):
            raise TypeError(f"{name} must be a sequence; got {type(value).__name__}")
    unknown = [m for m in models if m not in _MODELS]
    if unknown or not models:
        raise ValueError(f"models must be some of {_MODELS}; got {list(models)}")
    dims = [check_int("dims", d, 2) for d in dims]
    if not dims:
        raise ValueError("dims must name at least one dimension")
    if kernel is not None and not isinstance(kernel, fields.Kernel):
        raise TypeError(f"kernel must be a fields.Kernel or None; got {type(kernel).__name__}")
    kernel = fields.SquaredExponential() if kernel is None else kernel
    features_per_dim = check_int("features_per_dim", features_per_dim, 1)
    root = as_seed_sequence(rng)
    parts, curves = [], {}
    for i, model in enumerate(models):
        for j, dim in enumerate(dims):
            surface_seed, run_seed = child(root, i, j, 0), child(root, i, j, 1)
            if model == "gaussian-field":
                surface = fields.GaussianField(dim, kernel, n_features=features_per_dim * dim,
                                               rng=surface_seed)
            else:
                surface = fields.SphericalSpinGlass(dim, p=p, rng=surface_seed)
            ds = error_index(surface, rng=run_seed, **kwargs)
            n = ds.sizes["point"]
            parts.append(ds.drop_vars(["theory_energy", "theory_index_fraction"]).assign(
                model=("point", [model] * n), dim=("point", np.full(n, dim))))
            curves[model] = (ds.theory_energy.values, ds.theory_index_fraction.values,
                             ds.attrs["theory"])
    out = xr.concat(parts, dim="point", combine_attrs="drop")
    out["theory_energy"] = (("curve", "theory_point"), np.stack([curves[m][0] for m in models]))
    out["theory_index_fraction"] = (("curve", "theory_point"),
                                    np.stack([curves[m][1] for m in models]))
    out = out.assign_coords(curve=list(models))
    out.attrs = provenance(
        root, models=", ".join(models), dims=list(dims), kernel=kernel, p=p,
        features_per_dim=features_per_dim, theories=" | ".join(curves[m][2] for m in models),
    )
    return out
