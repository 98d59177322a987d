r"""Critical points found by :func:`optim.find_critical_points` against their index law.

The *index fraction* of a critical point (the fraction of negative Hessian eigenvalues) is, on
a landscape with a theory, a function of its energy (``docs/theory.md`` section 7): the Bray–Dean
law of isotropic Gaussian fields, the law of the spherical p-spin glass, the shifted
semicircle of a random quadratic. Each law lives beside its surface: :func:`fields.index_law`
(single dispatch on the surface's class; a user registers their own with
``fields.index_law.register``) returns a :class:`fields.IndexLaw` with the energy variable
(``law.energy(f)``), the asymptotic index fraction (``law.asymptotic(e)``) and the finite-``N``
Kac–Rice prediction with its Monte Carlo error (``law.finite_n(e, n_samples=, rng=)``). This
module only compares: it never chooses a theory itself.

:func:`compare_with_theory` bins the certified critical points by energy (equal counts, at
least ``min_per_bin`` per bin) and puts, per bin, the empirical mean index fraction beside the
asymptotic and the finite-``N`` predictions averaged over the same points.

References
----------
A. J. Bray and D. S. Dean, Phys. Rev. Lett. 98, 150201 (2007); Y. V. Fyodorov, Phys. Rev.
Lett. 92, 240601 (2004); A. Auffinger, G. Ben Arous and J. Černý, "Random matrices and
complexity of spin glasses", Comm. Pure Appl. Math. 66, 165 (2013).
"""

from __future__ import annotations

import math

import numpy as np
import scipy.interpolate
import xarray as xr

import fields
from fields.surface import check_surface
from rmt._validation import check_int
from rmt.random import as_seed_sequence, provenance

__all__ = ["compare_with_theory"]


def compare_with_theory(
    cps: xr.Dataset,
    surface,
    *,
    min_per_bin: int = 10,
    n_bins: int | None = None,
    n_samples: int = 4000,
    n_grid: int = 21,
    rng=None,
) -> xr.Dataset:
    r"""Compare the index fraction of certified critical points with the theory, bin by bin.

    Parameters
    ----------
    cps : xarray.Dataset
        The result of :func:`optim.find_critical_points` on ``surface`` (variables ``value``,
        ``index_fraction`` and ``kind``). Only certified critical points
        (``kind != "not-critical"``) are used, each distinct point once; their energies are
        ``law.energy(value)``.
    surface
        A surface with an index law, ``law = fields.index_law(surface)``: a
        :class:`fields.GaussianField` in the Bray–Dean scaling, a
        :class:`fields.SphericalSpinGlass`, a :class:`fields.RandomQuadratic`, or any class
        registered with ``fields.index_law.register``.
    min_per_bin : int, default 10
        Fewest points per energy bin, ``>= 2``.
    n_bins : int, optional
        Number of equal-count bins (default: as many as ``min_per_bin`` allows,
        ``n // min_per_bin``).
    n_samples : int, default 4000
        Monte Carlo samples of the finite-``N`` prediction (``law.finite_n``), ``>= 2``.
    n_grid : int, default 21
        The finite-``N`` prediction is computed on this many evenly spaced energies spanning
        the points (or at the points themselves when there are no more of them) and
        interpolated to each point (monotone cubic,
        :class:`scipy.interpolate.PchipInterpolator`). ``>= 2``.
    rng : None, int, SeedSequence or Generator
        Source of the finite-``N`` estimate: its root (:func:`rmt.random.as_seed_sequence`)
        is passed to ``law.finite_n`` and recorded in ``attrs``.

    Returns
    -------
    xarray.Dataset
        Over dimension ``bin`` (increasing energy): ``energy`` (mean), ``energy_min``,
        ``energy_max``, ``count`` (read it as ``cmp["count"]``: ``cmp.count`` is the method
        of ``xarray.Dataset``), ``index_fraction`` (empirical mean) and
        ``index_fraction_stderr`` (standard deviation / sqrt(count)), ``asymptotic`` (the
        large-``N`` law averaged over the bin's points), ``finite_n`` and ``finite_n_stderr``
        (the finite-``N`` Kac–Rice prediction averaged over the bin's points, and the mean of
        its Monte Carlo errors), ``difference`` (``index_fraction - finite_n``). ``attrs``:
        the provenance (:func:`rmt.random.provenance`) with ``surface``, ``dim``, ``model``
        (``law.description``), ``hessian_size``, the parameters and ``finder``, then
        ``n_points``, ``pearson_r`` (energy against index fraction over the certified points)
        and ``max_abs_difference`` (over bins).

    Raises
    ------
    TypeError
        ``cps`` not a Dataset with ``value``, ``index_fraction`` and ``kind``; a surface that
        is not a surface or has no index law (:func:`fields.index_law` says so); non-integer
        counts; an ``rng`` of another kind.
    ValueError
        A surface whose law does not apply (a GaussianField with ``scaling="unit"``, ...:
        :func:`fields.index_law` says why); ``cps`` from a surface of another dimension; fewer
        certified points than ``min_per_bin``; ``n_bins`` that leaves fewer than
        ``min_per_bin`` points in a bin; counts below their minimum.

    Examples
    --------
    >>> from fields import GaussianField, SquaredExponential
    >>> from optim import critical, theory
    >>> f = GaussianField(6, SquaredExponential(), n_features=2000, rng=0)
    >>> cps = critical.find_critical_points(f, n_starts=30, rng=0)
    >>> cmp = theory.compare_with_theory(cps, f, min_per_bin=5, n_samples=200, rng=0)
    >>> list(cmp.data_vars)[:4]
    ['energy', 'energy_min', 'energy_max', 'count']
    >>> bool((cmp["count"] >= 5).all()), cmp.attrs["hessian_size"]
    (True, 6)
    """
    if not isinstance(cps, xr.Dataset):
        raise TypeError(f"cps must be the xarray.Dataset of find_critical_points; got "
                        f"{type(cps).__name__}")
    missing = [v for v in ("value", "index_fraction", "kind") if v not in cps]
    if missing:
        raise TypeError(f"cps must have the variables value, index_fraction and kind (a result "
                        f"of find_critical_points); it lacks {missing}")
    dim = check_surface(surface)
    min_per_bin = check_int("min_per_bin", min_per_bin, 2)
    if n_bins is not None:
        n_bins = check_int("n_bins", n_bins, 1)
    n_samples = check_int("n_samples", n_samples, 2)
    n_grid = check_int("n_grid", n_grid, 2)
    root = as_seed_sequence(rng)
    law = fields.index_law(surface)
    if "coord" in cps.sizes and cps.sizes["coord"] != dim:
        raise ValueError(f"cps holds points of dimension {cps.sizes['coord']}, the surface has "
                         f"dim = {dim}: they do not belong together")

    energy = np.asarray(law.energy(np.asarray(cps.value.values, dtype=np.float64)),
                        dtype=np.float64)
    alpha = np.asarray(cps.index_fraction.values, dtype=np.float64)
    ok = (np.asarray(cps.kind.values).astype(str) != "not-critical") & np.isfinite(energy) \
        & np.isfinite(alpha)
    energy, alpha = energy[ok], alpha[ok]
    n = energy.size
    if n < min_per_bin:
        raise ValueError(f"cps has {n} certified critical points; need at least min_per_bin = "
                         f"{min_per_bin} to form one bin")
    if n_bins is None:
        n_bins = n // min_per_bin
    elif n // n_bins < min_per_bin:
        raise ValueError(f"n_bins = {n_bins} leaves fewer than min_per_bin = {min_per_bin} of "
                         f"the {n} certified points in a bin; use n_bins <= {n // min_per_bin}")
    order = np.argsort(energy, kind="stable")
    energy, alpha = energy[order], alpha[order]

    if n <= n_grid or energy[0] == energy[-1]:
        est = law.finite_n(energy, n_samples=n_samples, rng=root)
        pred, pred_se = np.atleast_1d(est.value), np.atleast_1d(est.stderr)
    else:
        grid = np.linspace(energy[0], energy[-1], n_grid)
        est = law.finite_n(grid, n_samples=n_samples, rng=root)
        pred = scipy.interpolate.PchipInterpolator(grid, np.atleast_1d(est.value))(energy)
        pred_se = np.interp(energy, grid, np.atleast_1d(est.stderr))
    asym = np.asarray(law.asymptotic(energy), dtype=np.float64)

    bins = np.array_split(np.arange(n), n_bins)

    def per_bin(values, fn=np.mean):
        return np.array([fn(values[b]) for b in bins])

    def sem(values):
        return float(np.std(values, ddof=1) / math.sqrt(values.size))

    emp = per_bin(alpha)
    fin = per_bin(pred)
    diff = emp - fin
    r = float(np.corrcoef(energy, alpha)[0, 1]) if np.ptp(alpha) > 0 and np.ptp(energy) > 0 \
        else math.nan

    def var(values, long_name):
        return ("bin", values, {"long_name": long_name, "units": "1"})

    data = {
        "energy": var(per_bin(energy), "mean energy of the bin (law.energy(f))"),
        "energy_min": var(per_bin(energy, np.min), "lowest energy in the bin"),
        "energy_max": var(per_bin(energy, np.max), "highest energy in the bin"),
        "count": var(np.array([b.size for b in bins], dtype=np.int64),
                     "certified critical points in the bin"),
        "index_fraction": var(emp, "empirical mean index fraction"),
        "index_fraction_stderr": var(per_bin(alpha, sem), "its standard error"),
        "asymptotic": var(per_bin(asym), "large-N index fraction, averaged over the bin"),
        "finite_n": var(fin, "finite-N Kac-Rice index fraction, averaged over the bin"),
        "finite_n_stderr": var(per_bin(pred_se), "Monte Carlo error of finite_n"),
        "difference": var(diff, "index_fraction - finite_n"),
    }
    attrs = provenance(
        root, surface=surface, dim=dim, model=law.description, hessian_size=law.hessian_size,
        min_per_bin=min_per_bin, n_bins=n_bins, n_samples=n_samples, n_grid=n_grid,
        finder=str(cps.attrs.get("method", "unknown")),
    )
    attrs.update(n_points=n, pearson_r=r, max_abs_difference=float(np.max(np.abs(diff))))
    return xr.Dataset(data, coords={"bin": np.arange(n_bins)}, attrs=attrs)
