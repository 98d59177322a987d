r"""The talk's experiment 1: Hessian spectra and critical points of a small neural network.

Dauphin et al. (2014, "Identifying and attacking the saddle point problem in high-dimensional
non-convex optimization", NeurIPS, Figure 1) trained one-hidden-layer networks on MNIST and
CIFAR-10 resized to 10 x 10 and found that

* the Hessian spectrum at a point of the training path loosely follows a shifted semicircle
  and moves to the right (fewer negative eigenvalues) as the training error falls;
* the critical points found by Newton's method from points along training paths lie on a
  rising curve in the error–index plane: high-error critical points are saddles of high
  index, low-error ones (near-)minima, as Bray & Dean (2007) predict for random fields.

:func:`spectra_along_training` trains a network with full-batch descent and computes the Hessian
spectrum (exact, or by stochastic Lanczos quadrature for large nets) at checkpoints of falling
loss. :func:`network_error_index` finds and certifies critical points with
:func:`optim.find_critical_points` and fits the Bray–Dean-style trend

.. math:: \alpha(L) = F_\mathrm{sc}\big(c\,(L - L_0)\big), \qquad
          F_\mathrm{sc}(t) = \tfrac12 + \tfrac{1}{\pi}\big(t \sqrt{1 - t^2} + \arcsin t\big)
          \ (|t| \le 1),

the fraction of a semicircle on ``[-1, 1]`` below ``t``: the form of the Bray–Dean law
(docs/theory.md section 7) with the energy density replaced by the training loss ``L``, whose
scale (``c``) and crossing point (``L_0``, where half the eigenvalues are negative) a network
does not share with a random field, so they are fitted (least squares,
:func:`scipy.optimize.curve_fit`).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import scipy.optimize
import scipy.stats
import xarray as xr

import rmt
from fields.nn import MLP
from fields.surface import check_surface
from rmt._validation import check_bool, check_count, check_int, check_positive_float
from rmt.random import as_seed_sequence, child, provenance

from .base import Transform
from .critical import Starts, find_critical_points
from .driver import run
from .first_order import rmsprop

__all__ = ["spectra_along_training", "network_error_index", "semicircle_trend"]

_SPECTRUM_METHODS = ("exact", "slq")
_SPECTRA = ("all", "ends", "none")


def _moments_and_tolerance(hessian: np.ndarray, relative: float) -> tuple[float, float, float]:
    r"""The mean and variance of a dense Hessian's spectrum, exactly, and its null tolerance.

    ``mean = tr H / dim`` and ``var = ||H||_F^2 / dim - mean^2``; the tolerance
    ``tau = relative ||H||_F``, by default with ``relative = dim * eps``: the rule of
    :func:`numpy.linalg.matrix_rank` (Press, Teukolsky, Vetterling & Flannery, *Numerical
    Recipes*, 3rd ed., 2007, section 2.6) with the Frobenius norm, which bounds the spectral
    norm from above. Eigenvalues that are zero in exact arithmetic (the weights of an input
    pixel that is zero in every image, the directions along which the softmax is invariant)
    come out of a backward-stable factorisation within ``O(dim eps ||H||)`` of zero, on
    either side.
    """
    n = hessian.shape[0]
    frobenius2 = float(np.einsum("ij,ij->", hessian, hessian))
    mean = float(np.trace(hessian)) / n
    return mean, frobenius2 / n - mean**2, relative * math.sqrt(frobenius2)


def spectra_along_training(net, *, optimizer: Transform | None = None, steps: int = 2000,
                           checkpoints: int = 5, method: str = "exact", spectra: str = "all",
                           density: bool = False, null_relative: float | None = None,
                           slq_steps: int = 80, slq_probes: int = 10, x0=None,
                           rng=None) -> xr.Dataset:
    """Hessian spectra of a network at points of falling loss along a full-batch training run.

    Parameters
    ----------
    net
        A network of :mod:`fields.nn` (any surface with ``hvp``; ``hess`` for ``"exact"``;
        ``task_error`` for the ``error`` row, NaN without it).
    optimizer : Transform, optional
        Full-batch optimiser (default ``optim.rmsprop(1e-3)``).
    steps : int, default 2000
        Training steps.
    checkpoints : int, default 5
        Number of points: the start, the end, and the first steps at which the loss falls
        below levels equally spaced between them.
    method : {"exact", "slq"}
        ``"exact"``: from the dense Hessian ``net.hess`` at every checkpoint -- the index and
        null-space fractions from its eigenvalues where ``spectra`` asks for them
        (:func:`rmt.symmetric_eigenvalues`), elsewhere from the inertia of ``H + tau I`` and
        ``H - tau I`` (:func:`rmt.index`, two ``L D L^T`` factorisations), and the mean and
        variance of the spectrum exactly from ``tr H`` and ``||H||_F^2``. ``"slq"``:
        :func:`rmt.spectral_density` on ``hvp`` alone (``slq_steps`` Lanczos steps,
        ``slq_probes`` probes, in lock-step on blocks for the networks of :mod:`fields.nn`),
        for networks too large for a dense Hessian.
    spectra : {"all", "ends", "none"}
        With ``"exact"``: the checkpoints whose full spectrum is computed -- every one, the
        first and the last, or none (at 22,210 parameters an eigenvalue decomposition takes
        minutes, the two factorisations less).
    density : bool, default False
        With ``"exact"``: also the SLQ density at every checkpoint (always with ``"slq"``).
    null_relative : float, optional
        The null space's tolerance relative to ``||H||_F`` (:func:`null_tolerance`; default
        ``dim * eps``). Eigenvalues with ``|lambda| <= tau`` are counted in
        ``null_fraction`` (``-tau <= lambda < tau``), never in the index: the index fraction
        is ``#{lambda < -tau} / dim``.
    x0 : array_like, optional
        Start (default ``net.w0``).
    rng : None, int, SeedSequence or Generator
        Root (:func:`rmt.random.as_seed_sequence`): keyed child 0 seeds the training run,
        child ``(1, k)`` the SLQ probes at checkpoint ``k``.

    Returns
    -------
    xarray.Dataset
        Over ``checkpoint``: ``checkpoint_step``, ``loss``, ``error`` (``net.task_error``: a
        classification or reconstruction error), ``index_fraction`` (eigenvalues below
        ``-tau`` / dim for ``"exact"``, the SLQ estimate of the fraction below 0 for
        ``"slq"``), ``null_fraction`` and ``tolerance`` (``tau``; NaN for ``"slq"``),
        ``mean`` and ``std`` of the spectrum (a semicircle with these moments has centre
        ``mean`` and radius ``2 std``), ``fitted_index_fraction`` (that semicircle's
        fraction below 0); with a density, ``slq_index_fraction`` and its
        ``slq_index_stderr``, and ``nodes`` and ``weights`` over (``checkpoint``,
        ``probe``, ``node``); ``eigenvalues`` over (``checkpoint``, ``eigenvalue``) for
        ``"exact"`` with spectra (NaN at the checkpoints without one); the parameters ``x``
        over (``checkpoint``, ``coord``); the training ``trajectory_loss`` over ``step``.
        ``attrs``: the provenance (:func:`rmt.random.provenance`) with ``surface``, ``dim``,
        ``optimizer`` and the arguments.

    Raises
    ------
    TypeError
        ``net`` lacks a member the method needs (:func:`fields.surface.check_surface`).
    ValueError
        Unknown ``method`` or ``spectra``, ``checkpoints < 2``, ``steps < 1``, a run that
        diverged at once; ``checkpoints`` whose points and spectra (``8 (2 dim + 6)`` bytes
        each for ``"exact"``, ``8 (dim + 2 slq_probes slq_steps + 6)`` for ``"slq"``), or
        ``steps`` whose trajectory (:func:`optim.run`, recording ``x``), would not fit in the
        memory available (:func:`rmt._validation.memory_limit`).
    """
    if method not in _SPECTRUM_METHODS:
        raise ValueError(f"method must be one of {_SPECTRUM_METHODS}; got {method!r}")
    if spectra not in _SPECTRA:
        raise ValueError(f"spectra must be one of {_SPECTRA}; got {spectra!r}")
    check_surface(net, ("value", "grad", "hvp", "hess") if method == "exact" else "hvp",
                  name="net")
    steps = check_int("steps", steps, 1)
    density = check_bool("density", density) or method == "slq"
    if null_relative is not None:
        null_relative = check_positive_float("null_relative", null_relative)
    slq_steps = check_int("slq_steps", slq_steps, 1)
    slq_probes = check_int("slq_probes", slq_probes, 1)
    exact = method == "exact"
    spectra = spectra if exact else "none"
    relative = net.dim * np.finfo(np.float64).eps if null_relative is None else null_relative
    per_checkpoint = net.dim + (net.dim if exact and spectra != "none" else 0) + (
        2 * slq_probes * slq_steps if density else 0)
    checkpoints = check_count("checkpoints", checkpoints, 2, bytes_each=8 * (per_checkpoint + 8),
                              what=f"the checkpoints' points and spectra ({per_checkpoint} "
                                   f"float64 each)")
    optimizer = rmsprop(1e-3) if optimizer is None else optimizer
    x0 = net.w0 if x0 is None else x0
    root = as_seed_sequence(rng)
    traj = run(net, optimizer, x0, steps, record=("value", "x"), rng=child(root, 0))
    values = traj.value.values
    finite = np.isfinite(values)
    if not finite.any():
        raise ValueError("the training run diverged at once; choose a smaller learning rate")
    last = int(np.flatnonzero(finite)[-1])
    levels = np.linspace(values[0], values[last], checkpoints)
    chosen = [0]
    for level in levels[1:-1]:
        below = np.flatnonzero(values[:last + 1] <= level)
        chosen.append(int(below[0]) if below.size else last)
    chosen.append(last)
    points = traj.x.values[chosen]
    steps_axis = traj.step.values
    del traj  # its recorded x: steps x dim

    names = ("loss", "error", "index_fraction", "null_fraction", "tolerance", "mean", "std",
             "slq_index_fraction", "slq_index_stderr")
    rows = {k: [] for k in names}
    eigs, nodes, weights = [], [], []
    for k, w in enumerate(points):
        with_spectrum = exact and (spectra == "all" or (spectra == "ends"
                                                        and k in (0, len(points) - 1)))
        frac = null = tau = math.nan
        if exact:
            h = net.hess(w)
            mean, var, tau = _moments_and_tolerance(h, relative)
            if with_spectrum:
                lam = rmt.symmetric_eigenvalues(h)
                below, within = int(np.sum(lam < -tau)), int(np.sum(lam < tau))
            else:
                lam = np.full(net.dim, np.nan)
                below, within = rmt.index(h, shift=-tau), rmt.index(h, shift=tau)
            # The null space is [-tau, tau): counted apart, never in the index.
            frac, null = below / net.dim, (within - below) / net.dim
            del h
            if spectra != "none":
                eigs.append(lam)
        if density:
            # A fields.nn network's hvp takes a (k, dim) block: the probes run in lock-step.
            block = (lambda x, w=w: net.hvp(w, x.T).T) if isinstance(net, MLP) else None
            sd = rmt.spectral_density(lambda v, w=w: net.hvp(w, v), net.dim, steps=slq_steps,
                                      probes=slq_probes, matmat=block,
                                      rng=child(root, 1, k))
            nodes.append(sd.nodes)
            weights.append(sd.weights)
            slq_frac, slq_se = (float(v) for v in sd.fraction_below(0.0))
            rows["slq_index_fraction"].append(slq_frac)
            rows["slq_index_stderr"].append(slq_se)
            if not exact:
                frac = slq_frac
                mean = float(sd.moments(1)[0])
                var = float(sd.moments(2)[0]) - mean**2
        rows["loss"].append(float(net.value(w)))
        rows["error"].append(_task_error(net, w))
        rows["index_fraction"].append(frac)
        rows["null_fraction"].append(null)
        rows["tolerance"].append(tau)
        rows["mean"].append(mean)
        rows["std"].append(math.sqrt(max(var, 0.0)))

    mean, std = np.array(rows["mean"]), np.array(rows["std"])
    fitted = scipy.stats.semicircular.cdf(0.0, loc=mean, scale=2 * std)
    data = {
        "checkpoint_step": ("checkpoint", np.array(chosen), {"long_name": "training step"}),
        "loss": ("checkpoint", np.array(rows["loss"]), {"long_name": "training loss"}),
        "error": ("checkpoint", np.array(rows["error"]), {"long_name": "training error"}),
        "index_fraction": ("checkpoint", np.array(rows["index_fraction"]),
                           {"long_name": "fraction of negative Hessian eigenvalues"}),
        "null_fraction": ("checkpoint", np.array(rows["null_fraction"]),
                          {"long_name": "fraction of Hessian eigenvalues in [-tau, tau)"}),
        "tolerance": ("checkpoint", np.array(rows["tolerance"]),
                      {"long_name": "null-space tolerance tau"}),
        "mean": ("checkpoint", mean, {"long_name": "mean eigenvalue"}),
        "std": ("checkpoint", std, {"long_name": "standard deviation of the eigenvalues"}),
        "fitted_index_fraction": ("checkpoint", fitted,
                                  {"long_name": "semicircle with the same mean and variance: "
                                                "fraction below 0"}),
        "trajectory_loss": ("step", values),
        "x": (("checkpoint", "coord"), points, {"long_name": "parameters at the checkpoint"}),
    }
    if eigs:
        data["eigenvalues"] = (("checkpoint", "eigenvalue"), np.array(eigs))
    if density:
        data["nodes"] = (("checkpoint", "probe", "node"), np.array(nodes))
        data["weights"] = (("checkpoint", "probe", "node"), np.array(weights))
        data["slq_index_fraction"] = ("checkpoint", np.array(rows["slq_index_fraction"]),
                                      {"long_name": "SLQ estimate of the index fraction"})
        data["slq_index_stderr"] = ("checkpoint", np.array(rows["slq_index_stderr"]),
                                    {"long_name": "its standard error across probes"})
    attrs = provenance(root, surface=net, dim=net.dim, optimizer=optimizer, steps=steps,
                       checkpoints=checkpoints, method=method, spectra=spectra,
                       density=density, null_relative=relative, slq_steps=slq_steps,
                       slq_probes=slq_probes)
    return xr.Dataset(data, coords={"step": steps_axis}, attrs=attrs)


def semicircle_trend(loss, index_fraction) -> tuple[float, float, float]:
    r"""Least-squares fit of ``alpha(L) = F_sc(c (L - L_0))`` (module docstring).

    Returns ``(c, L_0, rms residual)``; ``c > 0`` when the index rises with the loss.
    """
    loss = np.asarray(loss, dtype=np.float64)
    alpha = np.asarray(index_fraction, dtype=np.float64)
    if loss.size < 3:
        raise ValueError(f"the trend needs at least 3 points; got {loss.size}")

    def model(x, c, l0):
        return scipy.stats.semicircular.cdf(c * (x - l0))

    spread = float(np.ptp(loss)) or 1.0
    start = (1.0 / spread, float(np.median(loss)))
    try:
        with warnings.catch_warnings():  # the covariance of the fit is not used
            warnings.simplefilter("ignore", scipy.optimize.OptimizeWarning)
            (c, l0), _ = scipy.optimize.curve_fit(model, loss, alpha, p0=start, maxfev=20000)
    except RuntimeError:
        return math.nan, math.nan, math.nan
    resid = float(np.sqrt(np.mean((model(loss, c, l0) - alpha) ** 2)))
    return float(c), float(l0), resid


def network_error_index(net, *, n_starts: int = 100, method: str = "newton-mr",
                        starts: Starts | str = "trajectory", rng=None,
                        **finder_kwargs) -> xr.Dataset:
    """Certified critical points of a network in the error–index plane, with the fitted trend.

    Parameters
    ----------
    net
        A network of :mod:`fields.nn` (or any surface with ``hvp``; ``task_error`` for the
        ``error`` row).
    n_starts, method, starts, rng
        Passed to :func:`optim.find_critical_points` (default: Newton-MR from points along
        descent paths, as Dauphin et al. 2014 started Newton from points of training paths;
        ``starts`` a :class:`optim.critical.Starts` or a rule's name).
    **finder_kwargs
        The finder's other options, ``certificate`` (:class:`optim.critical.Certificate`) and
        ``solver`` (:class:`optim.critical.Solver`).

    Returns
    -------
    xarray.Dataset
        The finder's dataset plus ``loss`` (the training loss ``f``, not ``f / dim``) and
        ``error`` (``net.task_error``, NaN without it) per point, the trend
        ``trend_index_fraction`` over ``trend_loss`` and, in ``attrs``, its parameters
        ``trend_c``, ``trend_l0``, ``trend_rms``, and the Pearson and Spearman correlations of
        loss and index fraction over the certified points.
    """
    check_surface(net, "hvp", name="net")
    cps = find_critical_points(net, n_starts=n_starts, method=method, starts=starts, rng=rng,
                               **finder_kwargs)
    cps["loss"] = ("point", cps.value.values, {"long_name": "training loss"})
    cps["error"] = ("point", np.array([_task_error(net, w) if np.all(np.isfinite(w))
                                       else math.nan for w in cps.x.values]),
                    {"long_name": "training error"})
    return _with_trend(cps)


def _with_trend(cps: xr.Dataset) -> xr.Dataset:
    """``cps`` (rows ``loss``, ``index_fraction`` and ``kind`` per ``point``) with the
    semicircle trend of its certified points (:func:`semicircle_trend`) and the correlations of
    :func:`network_error_index`, computed again (for the union of several searches)."""
    cps = cps.drop_vars(["trend_index_fraction", "trend_loss"], errors="ignore")
    crit = cps.kind.values != "not-critical"
    loss, alpha = cps.loss.values[crit], cps.index_fraction.values[crit]
    c = l0 = rms = pearson = spearman = math.nan
    if crit.sum() >= 3 and np.ptp(loss) > 0:
        c, l0, rms = semicircle_trend(loss, alpha)
        if np.ptp(alpha) > 0:
            pearson = float(scipy.stats.pearsonr(loss, alpha)[0])
            spearman = float(scipy.stats.spearmanr(loss, alpha)[0])
    grid = np.linspace(loss.min(), loss.max(), 101) if crit.any() else np.zeros(0)
    curve = (scipy.stats.semicircular.cdf(c * (grid - l0)) if math.isfinite(c)
             else np.full(grid.size, np.nan))
    cps = cps.assign_coords(trend_loss=("trend_point", grid))
    cps["trend_index_fraction"] = ("trend_point", curve)
    cps.attrs.update(trend_c=c, trend_l0=l0, trend_rms=rms, pearson_r=pearson,
                     spearman_r=spearman)
    return cps


def _task_error(surface, w) -> float:
    """``surface.task_error(w)`` (:class:`fields.DataSurface`); NaN for a surface without one."""
    error = getattr(surface, "task_error", None)
    return float(error(w)) if callable(error) else math.nan
