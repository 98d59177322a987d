r"""Critical points found by :func:`optim.find_critical_points` against the theory.

The *index fraction* of a critical point (the fraction of negative Hessian eigenvalues) is a
function of its energy on the two landscapes with a theory (``docs/theory.md`` section 7):

**Isotropic Gaussian fields** in the Bray–Dean scaling ``E f(x) f(y) = N C(|x - y|^2 / N)``,
energy density ``e = f / N``. Asymptotically :math:`\alpha(e) = F_{sc}(-T(e) / R)` with the
Kac–Rice tilted shift ``T(e)`` (:func:`fields.bray_dean.asymptotic_index_fraction`); at finite ``N``

.. math:: \alpha_N(e) = \frac{E[|\det H|\, \mathrm{index}(H)/N \mid f = Ne]}
                             {E[|\det H| \mid f = Ne]},
          \qquad H \mid f = 2\sqrt{c_2}\, G + (\mu(e) + b z) I,

estimated by :func:`fields.bray_dean.kac_rice_index`.

**The pure spherical p-spin glass** on ``|s|^2 = N``, energy per spin ``u = H / N``. At a
critical point of energy ``u`` the Riemannian Hessian is *exactly*
:math:`\sqrt{p(p-1)}\, G_{N-1} - p u I`, with :math:`G_{N-1}` a GOE of size ``N - 1`` with
entry variances ``(1 + delta_ij) / N``, independent of the value and of the gradient
(Auffinger, Ben Arous & Černý 2013, Lemma 3.2; :class:`fields.SphericalSpinGlass`). There is
no common random shift, hence no tilt: by the Kac–Rice formula (the densities of the value
and of the gradient at 0 do not depend on the Hessian and cancel in the ratio)

.. math:: \alpha_N(u) = \frac{E[|\det(\sqrt{p(p-1)}\, G - p u)|\;
                                   \mathrm{index}(\sqrt{p(p-1)}\, G - p u) / (N-1)]}
                             {E[|\det(\sqrt{p(p-1)}\, G - p u)|]},

which tends to :math:`F_{sc}(p u / (2\sqrt{p(p-1)}))`
(:func:`fields.spin_glass.asymptotic_index_fraction`) as ``N`` grows, since the weight ``|det|``
does not move a spectrum that has no random shift.
It is estimated here by Monte Carlo over ``G`` drawn from the tridiagonal model
(:func:`rmt.hermite_tridiagonal`), exactly like :func:`fields.bray_dean.kac_rice_index`.

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
import numbers

import numpy as np
import scipy.interpolate
import scipy.linalg
import xarray as xr

import rmt
from fields import bray_dean
from fields import spin_glass as sg
from fields.grf import GaussianField
from fields.spin_glass import SphericalSpinGlass
from rmt._validation import as_generator, as_seed_sequence, check_int, library_version

__all__ = ["compare_with_theory"]


# ----------------------------------------------------------- spin-glass finite-N Kac–Rice ----


def _spin_glass_kac_rice(p: int, dim: int, energy, n_samples: int, rng):
    r"""Finite-``N`` index fraction of critical points of the pure p-spin glass at energy ``u``.

    Monte Carlo estimate of :math:`E[|\det M| \mathrm{index}(M)/(N-1)] / E[|\det M|]` for
    :math:`M = \sqrt{p(p-1)}\, G - p u I`, ``G`` a GOE of size ``N - 1`` with entry variances
    ``(1 + delta_ij) / N`` (the Riemannian Hessian at a critical point of energy ``u``), over
    ``n_samples`` spectra shared by all energies (common random numbers). The weights are
    formed in log space relative to their maximum; the standard error of the ratio is the delta
    method's ``sqrt(sum_k (a_k - r w_k)^2) / sum_k w_k``.

    Returns ``(value, stderr)``, arrays of the shape of ``energy`` (1-D).
    """
    m = dim - 1
    gen = as_generator(rng)
    d, e = rmt.hermite_tridiagonal(m, 1, gen, size=n_samples)  # variances (1 + delta) / m
    if m == 1:
        eig = d.reshape(n_samples, 1)
    else:
        eig = np.stack([scipy.linalg.eigvalsh_tridiagonal(d[k], e[k], check_finite=False)
                        for k in range(n_samples)])
    eig *= math.sqrt(p * (p - 1)) * math.sqrt(m / dim)
    energy = np.atleast_1d(np.asarray(energy, dtype=np.float64))
    value = np.empty(energy.size)
    stderr = np.empty(energy.size)
    for j, u in enumerate(energy):
        shifted = eig - p * u
        log_w = np.log(np.abs(shifted)).sum(axis=1)
        w = np.exp(log_w - log_w.max())
        a = w * (shifted < 0).sum(axis=1) / m
        ratio = a.sum() / w.sum()
        value[j] = ratio
        stderr[j] = math.sqrt(n_samples / (n_samples - 1) * np.sum((a - ratio * w) ** 2)) / w.sum()
    return value, stderr


# --------------------------------------------------------------------------- models ---------


def _model(surface):
    """``(description, asymptotic(e), finite_n(energies, n_samples, rng), hessian size)``."""
    if isinstance(surface, GaussianField):
        if surface.scaling != "bray-dean":
            raise ValueError(
                f"compare_with_theory needs a GaussianField in the Bray-Dean scaling "
                f"(scaling='bray-dean', E f f = N C(|x-y|^2/N), energy density f/N); got "
                f"scaling={surface.scaling!r}, for which the index is not a function of f / N"
            )
        kernel, dim = surface.kernel, surface.dim
        kernel.require(2, "the index of critical points (it needs the Hessian)")

        def asymptotic(e):
            return np.asarray(bray_dean.asymptotic_index_fraction(kernel, e), dtype=np.float64)

        def finite_n(e, n_samples, rng):
            est = bray_dean.kac_rice_index(kernel, dim, e, n_samples=n_samples, rng=rng)
            return np.atleast_1d(est.value), np.atleast_1d(est.stderr)

        return (f"bray-dean: {surface!r}; alpha(e) = F_sc(-T(e)/R), finite N by "
                f"fields.bray_dean.kac_rice_index"), asymptotic, finite_n, dim
    if isinstance(surface, SphericalSpinGlass):
        weights = {deg: g for deg, g in surface.mixture.items() if g > 0}
        if len(weights) != 1:
            raise ValueError(
                f"compare_with_theory knows the index law of pure spherical p-spin glasses "
                f"only; {surface!r} is a mixture of degrees {sorted(weights)}, whose Hessian at "
                f"a critical point is not a GOE shifted by a function of the energy alone"
            )
        ((p, gamma),) = weights.items()
        dim = surface.dim

        # H = gamma H_p: the energy of the pure model is u / gamma.
        def asymptotic(u):
            return np.asarray(sg.asymptotic_index_fraction(p, np.asarray(u) / gamma),
                              dtype=np.float64)

        def finite_n(u, n_samples, rng):
            return _spin_glass_kac_rice(p, dim, np.asarray(u) / gamma, n_samples, rng)

        return (f"spin-glass: {surface!r}; Hessian sqrt(p(p-1)) GOE(N-1) - p u, alpha(u) = "
                f"F_sc(p u / (2 sqrt(p(p-1)))), finite N by Kac-Rice over the GOE"
                + ("" if gamma == 1 else f"; u rescaled by 1/gamma = 1/{gamma:g}")), \
            asymptotic, finite_n, dim - 1
    raise TypeError(
        f"there is no theory for the critical points of {type(surface).__name__} in "
        f"compare_with_theory: it knows fields.GaussianField (Bray-Dean scaling) and the pure "
        f"fields.SphericalSpinGlass"
    )


# --------------------------------------------------------------------------- public ---------


def compare_with_theory(
    cps: xr.Dataset,
    surface: GaussianField | SphericalSpinGlass,
    *,
    min_per_bin: int = 10,
    n_bins: int | None = None,
    n_samples: int = 4000,
    n_grid: int = 21,
    rng: int | np.random.SeedSequence | np.random.Generator | None = 0,
) -> xr.Dataset:
    r"""Compare the index fraction of certified critical points with the theory, bin by bin.

    Parameters
    ----------
    cps : xarray.Dataset
        The result of :func:`optim.find_critical_points` on ``surface`` (variables ``energy``,
        ``index_fraction`` and ``kind``). Only certified critical points
        (``kind != "not-critical"``) are used, each distinct point once.
    surface : fields.GaussianField or fields.SphericalSpinGlass
        A Gaussian field in the Bray–Dean scaling (model: :mod:`fields.bray_dean`) or a pure
        spherical p-spin glass (model: :mod:`fields.spin_glass` and the Kac–Rice estimate of
        the module docstring).
    min_per_bin : int, default 10
        Fewest points per energy bin, ``>= 2``.
    n_bins : int, optional
        Number of equal-count bins (default: as many as ``min_per_bin`` allows,
        ``n // min_per_bin``).
    n_samples : int, default 4000
        GOE spectra of the finite-``N`` Kac–Rice estimate, ``>= 2``.
    n_grid : int, default 21
        The finite-``N`` prediction is computed on this many evenly spaced energies spanning
        the points (or at the points themselves when there are no more of them) and
        interpolated to each point (monotone cubic, :class:`scipy.interpolate.PchipInterpolator`;
        at ``N = 50`` on the squared-exponential field, 21 energies over ``[-2.3, 0.6]``
        reproduce the direct estimate to ``4e-4``, a tenth of its Monte Carlo error).
        ``>= 2``.
    rng : None, int, SeedSequence or Generator, default 0
        Source of the GOE spectra.

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
        ``model``, ``pearson_r`` (energy against index fraction over the certified points),
        ``max_abs_difference`` (over bins), ``n_points``, ``dim``, ``hessian_size``, the
        parameters, library version and seed entropy.

    Raises
    ------
    TypeError
        ``cps`` not a Dataset with ``energy``, ``index_fraction`` and ``kind``; a surface
        without a theory here (the message says so); non-integer counts.
    ValueError
        A GaussianField with ``scaling="unit"``; a spin-glass mixture; ``cps`` from a surface
        of another dimension; fewer certified points than ``min_per_bin``; ``n_bins`` that
        leaves fewer than ``min_per_bin`` points in a bin; counts below their minimum.

    Examples
    --------
    >>> from fields import GaussianField, SquaredExponential
    >>> from optim import critical, theory
    >>> f = GaussianField(6, SquaredExponential(), n_features=2000, rng=0)
    >>> cps = critical.find_critical_points(f, n_starts=30, rng=0)
    >>> cmp = theory.compare_with_theory(cps, f, min_per_bin=5, n_samples=200)
    >>> list(cmp.data_vars)[:4]
    ['energy', 'energy_min', 'energy_max', 'count']
    >>> bool((cmp["count"] >= 5).all()), cmp.attrs["model"].split(":")[0]
    (True, 'bray-dean')
    """
    if not isinstance(cps, xr.Dataset):
        raise TypeError(f"cps must be the xarray.Dataset of find_critical_points; got "
                        f"{type(cps).__name__}")
    missing = [v for v in ("energy", "index_fraction", "kind") if v not in cps]
    if missing:
        raise TypeError(f"cps must have the variables energy, index_fraction and kind (a result "
                        f"of find_critical_points); it lacks {missing}")
    min_per_bin = check_int("min_per_bin", min_per_bin, 2)
    if n_bins is not None:
        n_bins = check_int("n_bins", n_bins, 1)
    n_samples = check_int("n_samples", n_samples, 2)
    n_grid = check_int("n_grid", n_grid, 2)
    if isinstance(rng, bool) or not (rng is None or isinstance(
            rng, (numbers.Integral, np.random.SeedSequence, np.random.Generator))):
        raise TypeError(f"rng must be None, an int seed, a SeedSequence or a Generator; got "
                        f"{type(rng).__name__}")
    model, asymptotic, finite_n, size = _model(surface)
    if "coord" in cps.sizes and cps.sizes["coord"] != surface.dim:
        raise ValueError(f"cps holds points of dimension {cps.sizes['coord']}, the surface has "
                         f"dim = {surface.dim}: they do not belong together")

    energy = np.asarray(cps.energy.values, dtype=np.float64)
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

    root = as_seed_sequence(rng)
    gen = np.random.default_rng(root)
    if n <= n_grid or energy[0] == energy[-1]:
        pred, pred_se = finite_n(energy, n_samples, gen)
    else:
        grid = np.linspace(energy[0], energy[-1], n_grid)
        g_val, g_se = finite_n(grid, n_samples, gen)
        pred = scipy.interpolate.PchipInterpolator(grid, g_val)(energy)
        pred_se = np.interp(energy, grid, g_se)
    asym = asymptotic(energy)

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
        "energy": var(per_bin(energy), "mean energy of the bin (f / dim)"),
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
    attrs = {
        "title": "Index fraction of critical points against energy: experiment and theory",
        "source": "optim.theory.compare_with_theory",
        "library": "rmt-landscapes",
        "library_version": library_version(),
        "seed_entropy": str(root.entropy),
        "model": model,
        "surface": repr(surface),
        "dim": surface.dim,
        "hessian_size": size,
        "n_points": n,
        "n_bins": n_bins,
        "min_per_bin": min_per_bin,
        "n_samples": n_samples,
        "n_grid": n_grid,
        "pearson_r": r,
        "max_abs_difference": float(np.max(np.abs(diff))),
        "finder": str(cps.attrs.get("method", "unknown")),
    }
    return xr.Dataset(data, coords={"bin": np.arange(n_bins)}, attrs=attrs)
