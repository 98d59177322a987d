r"""The talk's network experiments at the talk's sizes, on real images (``--talk-scale``).

Dauphin et al. (2014, NeurIPS, "Identifying and attacking the saddle point problem in
high-dimensional non-convex optimization", section 3 and Figure 1) computed exact Hessians of
one-hidden-layer networks of about 20,000 parameters on MNIST and CIFAR-10 resized to
10 x 10. The three experiments here are that run, offline:

* :func:`talk_spectra_mnist` and :func:`talk_spectra_fashion` -- a 100-200-10 tanh network
  (22,210 parameters) on the 5,000 real MNIST digits of :func:`fields.data.load_mnist_sample`
  and on the 10,000 Fashion-MNIST test images (:func:`fields.data.load_fashion_mnist`), both
  at 10 x 10, trained by full-batch RMSProp; at checkpoints of falling loss
  (:func:`optim.spectra_along_training`): the exact index fraction at every checkpoint (the
  inertia of the dense Hessian, its null space counted apart), the exact spectrum at the first
  and the last (:func:`rmt.symmetric_eigenvalues`), the SLQ density at all, beside the
  semicircle of the same mean and variance; and the local statistics of the last spectrum's
  bulk, the mean ratio of consecutive level spacings (:func:`rmt.spacing_ratio_mean`) against
  the GOE's and Poisson's.
* :func:`talk_error_index` -- certified critical points of a 100-50-10 tanh network (5,560
  parameters) on the MNIST digits, found by Newton-MR from points along training paths and
  from random high-loss points (:func:`optim.network_error_index`) and as minima of the
  network with ``d`` dead hidden units (:func:`optim.dead_unit_critical_points`): training
  error against index, with the Spearman correlation and its confidence interval.

Each is a figure function (``name(*, quick, rng) -> (figure, claims)``) registered under the
entry-point group ``rmt.talk_scale``; ``quick`` is a reduced run for the tests. Every row of
their claims is an *observation* of the talk, reported whatever it turns out to be, except
two laws of the library: the agreement of the SLQ distribution function with the exact one a
standard deviation either side of the spectrum's mean (at 0 the null space is beyond the
quadrature's resolution, so the SLQ index is an observation), and the index of each
dead-unit critical point against the one its Hessian's block structure predicts.

**The bulk of a spectrum** (for the spacing ratios): the eigenvalues with
:math:`|\lambda| > 100\,\tau` (each then known to 1 % or better: a backward-stable
eigenvalue is within about :math:`\tau = \mathrm{dim}\,\varepsilon\,\|H\|_F` of the exact
one), without the ``C = 10`` largest (the outliers, about one per class: Sagun, Bottou &
LeCun 2016; Papyan 2019), the ratios taken within each sign (the null space separates them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import scipy.stats
import xarray as xr
from matplotlib.figure import Figure

import fields
import rmt
from rmt.random import as_seed_sequence, child
from rmt.workflow.reproduction import Claim, cached_on_seed, on_request

from . import plot
from .critical import Starts
from .dead_units import dead_unit_critical_points
from .first_order import rmsprop
from .networks import _with_trend, network_error_index, spectra_along_training

__all__ = ["bulk_ratios", "bulk_spacing_ratio", "talk_error_index", "talk_error_index_22210",
           "talk_spectra_fashion", "talk_spectra_mnist"]

#: Classes of both data sets: the number of outliers removed from a spectrum's top.
_CLASSES = 10
#: The bulk starts this many null tolerances away from zero.
_BULK_TOLERANCES = 100


@dataclass(frozen=True)
class _SpectraRun:
    """Sizes of one spectra experiment."""

    hidden: int
    examples: int | None  # None: the whole set
    steps: int
    checkpoints: int
    learning_rate: float


_SPECTRA_RUNS = {
    False: _SpectraRun(hidden=200, examples=None, steps=1000, checkpoints=3,
                       learning_rate=1e-3),
    True: _SpectraRun(hidden=8, examples=300, steps=200, checkpoints=3, learning_rate=3e-3),
}


def _images(dataset: str, examples: int | None, gen: np.random.Generator):
    """10 x 10 images of ``dataset`` (all, or ``examples`` drawn without replacement)."""
    if dataset == "mnist":
        x, y = fields.data.load_mnist_sample(size=(10, 10))
    else:
        x, y = fields.data.load_fashion_mnist(kind="test", size=(10, 10))
    if examples is not None:
        rows = np.sort(gen.choice(len(x), examples, replace=False))
        x, y = x[rows], y[rows]
    return x, y


def bulk_ratios(eigenvalues, tolerance: float, *, outliers: int = _CLASSES) -> list[np.ndarray]:
    r"""The spacing ratios of a Hessian spectrum's bulk, one array per sign.

    Parameters
    ----------
    eigenvalues : array_like, shape (dim,)
        The exact spectrum.
    tolerance : float
        The null-space tolerance ``tau`` of :func:`optim.spectra_along_training`.
    outliers : int, default 10
        Largest eigenvalues left out (about one per class for a softmax network).

    Returns
    -------
    list of numpy.ndarray
        :func:`rmt.spacing_ratios` of the negative and of the positive part of the bulk
        (module docstring: eigenvalues with ``|lambda| > 100 tau``, the ``outliers`` largest
        removed), each part kept when it holds at least 22 eigenvalues (20 ratios).
    """
    lam = np.sort(np.asarray(eigenvalues, dtype=np.float64))
    keep = np.abs(lam) > _BULK_TOLERANCES * tolerance
    negative, positive = lam[keep & (lam < 0)], lam[keep & (lam > 0)]
    positive = positive[:max(positive.size - outliers, 0)]
    return [rmt.spacing_ratios(part) for part in (negative, positive) if part.size >= 22]


def bulk_spacing_ratio(eigenvalues, tolerance: float, *, outliers: int = _CLASSES
                       ) -> tuple[float, float, int]:
    """Mean spacing ratio of a Hessian spectrum's bulk (:func:`bulk_ratios`), its standard
    error and the number of ratios.

    The error is by batch means (as :func:`rmt.spacing_ratio_mean`): ten contiguous batches
    within each part of the bulk. NaN (and 0 ratios) when no part is large enough.
    """
    parts = bulk_ratios(eigenvalues, tolerance, outliers=outliers)
    if not parts:
        return math.nan, math.nan, 0
    ratios = np.concatenate(parts)
    blocks = [b.mean() for part in parts for b in np.array_split(part, 10)]
    return (float(ratios.mean()), float(np.std(blocks, ddof=1) / math.sqrt(len(blocks))),
            int(ratios.size))


def _slq_fraction_below(nodes: np.ndarray, weights: np.ndarray, x: float
                        ) -> tuple[float, float, float]:
    """The SLQ estimate of the fraction of eigenvalues below ``x`` from the Ritz nodes and
    Gauss weights of each probe: its mean over probes, its standard error across them, and
    the quadrature's resolution at ``x``.

    The resolution is the mean over probes of the larger Gauss weight of the two Ritz nodes
    around ``x``: by the Chebyshev-Markov-Stieltjes inequalities (Szego 1939, section 3.41)
    a probe's Gauss quadrature places the probe's spectral distribution function at ``x``
    within that weight of its own sum of the weights below ``x``.
    """
    lower = nodes < x
    counts = np.where(lower, weights, 0.0).sum(axis=-1)
    # The neighbours of x among each probe's ascending nodes; a side without one adds 0.
    k = lower.sum(axis=-1)[:, None]
    padded = np.pad(weights, ((0, 0), (1, 1)))
    resolution = np.maximum(np.take_along_axis(padded, k, -1),
                            np.take_along_axis(padded, k + 1, -1))
    return (float(counts.mean()), float(counts.std(ddof=1) / math.sqrt(counts.size)),
            float(resolution.mean()))


#: Where the SLQ distribution function is checked against the exact one: the spectrum's mean
#: plus these multiples of its standard deviation, outside the spike of eigenvalues near 0
#: (a network Hessian's quartiles lie inside it, where a single Ritz node can carry half the
#: weight).
_SLQ_CHECK_POINTS = (-1.0, 1.0)


@cached_on_seed
def _spectra_mnist(quick: bool, root: np.random.SeedSequence):
    return _train_and_measure("mnist", quick, root)


@cached_on_seed
def _spectra_fashion(quick: bool, root: np.random.SeedSequence):
    return _train_and_measure("fashion", quick, root)


def _train_and_measure(dataset: str, quick: bool, root) -> tuple[fields.nn.MLP, xr.Dataset]:
    plan = _SPECTRA_RUNS[bool(quick)]
    gen = np.random.default_rng(child(root, 0))
    net = fields.nn.MLP([100, plan.hidden, _CLASSES], "tanh", "softmax-cross-entropy",
                        _images(dataset, plan.examples, gen), rng=gen)
    ds = spectra_along_training(net, optimizer=rmsprop(plan.learning_rate), steps=plan.steps,
                                checkpoints=plan.checkpoints, spectra="ends", density=True,
                                rng=child(root, 1))
    return net, ds


def _spectra_figure(name: str, net, ds: xr.Dataset) -> tuple[Figure, list[Claim]]:
    fig, axes = plt.subplots(2, 2, figsize=(13, 9.5), layout="tight")
    size = f"{'-'.join(map(str, net.layers))} tanh net ({net.dim} parameters), " \
           f"{net.n_examples} images"
    plot.spectra_along_training(ds, ax=axes[0, 0],
                                title=f"{name}: exact spectra, first and last checkpoint")
    plot.spectra_along_training(ds.drop_vars("eigenvalues"), ax=axes[0, 1],
                                title=f"{name}: SLQ densities along training")
    ax = axes[1, 0]
    ax.plot(ds.loss, ds.index_fraction, "o-", label="exact (inertia of H)")
    ax.errorbar(ds.loss, ds.slq_index_fraction, yerr=2 * ds.slq_index_stderr, fmt="x:",
                capsize=3, label="SLQ (2 standard errors)")
    ax.plot(ds.loss, ds.fitted_index_fraction, "s--",
            label="semicircle with the same mean and variance")
    ax.plot(ds.loss, ds.null_fraction, "^-.", color="0.4",
            label=r"null space $|\lambda| < \tau$ (not in the index)")
    ax.set_xlabel("training loss")
    ax.set_ylabel("fraction of eigenvalues")
    ax.set_title(size, fontsize="medium")
    ax.legend(fontsize="small")

    last = ds.isel(checkpoint=-1)
    mean_r, se_r, count = bulk_spacing_ratio(last.eigenvalues.values, float(last.tolerance))
    plot.spacing_ratios(bulk_ratios(last.eigenvalues.values, float(last.tolerance)),
                        ax=axes[1, 1], title=f"{name}: local statistics of the last "
                        f"spectrum's bulk ({count} ratios)")

    first = ds.isel(checkpoint=0)
    # The SLQ law, where the quadrature can resolve the spectrum: the fractions below
    # mean -+ std. (At 0 it cannot: the null space and the spike of small eigenvalues sit
    # there, and their Ritz weights allow any answer.)
    lam = last.eigenvalues.values
    gaps = []
    for k in _SLQ_CHECK_POINTS:
        x = float(last["mean"] + k * last["std"])
        frac, se, resolution = _slq_fraction_below(last.nodes.values, last.weights.values, x)
        gaps.append((abs(frac - float(np.mean(lam < x))), se, resolution))
    slq_gap, slq_se, slq_resolution = max(gaps, key=lambda g: g[0] - 4 * g[1] - g[2])
    claims = [
        Claim(f"{name}, {net.dim}-parameter net: index fraction falls with the loss "
              "(first - last checkpoint)", 0.0,
              float(first.index_fraction - last.index_fraction), 0.0, relation="greater",
              kind="observation"),
        Claim(f"{name}: a semicircle with the spectrum's mean and variance gives its index "
              "fraction (largest |difference| over the checkpoints, allowance 0.05)", 0.0,
              float(np.max(np.abs(ds.fitted_index_fraction - ds.index_fraction))), 0.0, 0.05,
              kind="observation",
              basis="0.05 of index fraction, chosen for this observation (not derived)"),
        Claim(f"{name}: mean spacing ratio of the last spectrum's bulk is the GOE's",
              rmt.SPACING_RATIO_MEANS["goe"], mean_r, se_r, kind="observation"),
        Claim(f"{name}: the bulk's mean spacing ratio lies above Poisson's (independent "
              "levels)", rmt.SPACING_RATIO_MEANS["poisson"], mean_r, se_r, relation="greater",
              kind="observation"),
        Claim(f"{name}: SLQ index fraction at the last checkpoint equals the exact one "
              "(|difference|, allowance 0.05)", 0.0,
              abs(float(last.slq_index_fraction - last.index_fraction)),
              float(last.slq_index_stderr), 0.05, kind="observation",
              basis="0.05 of index fraction, chosen for this observation (not derived); the "
                    "null space at 0 is beyond the quadrature's resolution"),
        Claim(f"{name}: SLQ fractions below the mean -+ one standard deviation of the last "
              "spectrum equal the exact ones (largest |difference|)", 0.0, slq_gap, slq_se,
              slq_resolution,
              basis="the quadrature's resolution there (Chebyshev-Markov-Stieltjes: the larger "
                    "Gauss weight of the Ritz nodes around the point, mean over probes)"),
    ]
    return fig, claims


def talk_spectra_mnist(*, quick: bool = False, rng=None) -> tuple[Figure, list[Claim]]:
    """Hessian spectra along training of the talk's 100-200-10 net on 5,000 real MNIST digits.

    Module docstring: 22,210 parameters (quick: 100-8-10 on 300 digits); full-batch RMSProp
    (learning rate 1e-3, 1,000 steps; quick: 3e-3, 200); 3 checkpoints of falling loss
    (quick: 3). Panels: the exact spectra at the first and last checkpoint with their
    moment-matched semicircles; the SLQ densities at every checkpoint; the index fraction
    (exact, SLQ, semicircle) and the null-space fraction against the loss; the spacing
    ratios of the last spectrum's bulk against the GOE surmise and Poisson.

    Parameters
    ----------
    quick : bool
        The reduced run.
    rng : None, int, SeedSequence or Generator
        Root: child 0 the data subset and the initial weights, child 1 the training and the
        SLQ probes.

    Returns
    -------
    figure : matplotlib.figure.Figure
    claims : list of Claim
        Observations: the index falls with the loss; the semicircle gives the index within
        0.05; the bulk's mean spacing ratio against the GOE's and Poisson's; the SLQ index
        within 0.05 of the exact one. Law: the SLQ fractions below the mean -+ one
        standard deviation are the exact ones within the quadrature's resolution.
    """
    net, ds = _spectra_mnist(quick, rng)
    return _spectra_figure("MNIST 10 x 10", net, ds)


def talk_spectra_fashion(*, quick: bool = False, rng=None) -> tuple[Figure, list[Claim]]:
    """The same as :func:`talk_spectra_mnist` on the 10,000 Fashion-MNIST test images (quick:
    300 of them), at 10 x 10."""
    net, ds = _spectra_fashion(quick, rng)
    return _spectra_figure("Fashion-MNIST 10 x 10", net, ds)


@dataclass(frozen=True)
class _ErrorIndexRun:
    """Sizes of one error-index experiment: the net, the generic search's starts, and the
    numbers of dead units of the dead-unit search (:func:`optim.dead_unit_critical_points`),
    denser where the error changes (most units dead)."""

    hidden: int
    examples: int
    starts: int
    dead: tuple[int, ...]


_ERROR_INDEX_RUNS = {
    "full": _ErrorIndexRun(hidden=50, examples=1000, starts=60,
                           dead=tuple(range(0, 30, 2)) + tuple(range(30, 51))),
    "quick": _ErrorIndexRun(hidden=4, examples=100, starts=10, dead=(0, 1, 2, 3, 4)),
    "talk": _ErrorIndexRun(hidden=200, examples=5000, starts=60,
                           dead=tuple(range(0, 170, 10)) + tuple(range(170, 201, 2)))}
#: Two certified points of different searches are one point when they are this close,
#: relative to the larger norm (distinct critical points of these nets are O(1) apart; one
#: point certified twice agrees to the certificate's 1e-8 relative gradient).
_SAME_POINT_RTOL = 1e-6
#: Weight decay of the error-index net: it lifts the exact null space (blank pixels, the
#: softmax's shift invariance) that makes every critical point degenerate and Newton's
#: system singular, as in the main job's critical-points figure.
_ERROR_INDEX_DECAY = 1e-2
#: Standard deviation of the starts' random weights: a small initialisation, below Glorot's
#: 0.115 for the first layer (at scale 1 every tanh unit saturates). Random points of this
#: scale lie at high loss near the saddle at w = 0 (every hidden unit off); descent from them
#: passes saddles where fewer units are active ("saddle-to-saddle" dynamics of small
#: initialisations: Jacot et al. 2021, arXiv:2106.15933).
_ERROR_INDEX_START_SCALE = 0.05
#: Descent steps of each training path of the trajectory starts (the path from a small
#: initialisation needs about a thousand to reach the low-loss region).
_ERROR_INDEX_PATH_STEPS = 2000


def _spearman_interval(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """Spearman's rho with its 95 % interval by the Fisher transform (standard error
    ``sqrt(1.06 / (n - 3))``: Fieller, Hartley & Pearson 1957)."""
    rho = float(scipy.stats.spearmanr(x, y)[0])
    if x.size < 4 or not math.isfinite(rho) or abs(rho) == 1:
        return rho, math.nan, math.nan
    half = 1.96 * math.sqrt(1.06 / (x.size - 3))
    z = math.atanh(rho)
    return rho, math.tanh(z - half), math.tanh(z + half)


def talk_error_index(*, quick: bool = False, rng=None) -> tuple[Figure, list[Claim]]:
    """Training error against index of certified critical points of a 100-50-10 tanh net on
    real MNIST digits at 10 x 10 (quick: 100-4-10 on 100), weight decay 0.01.

    Two searches on 1,000 of the 5,000 digits (5,560 parameters). The generic one:
    Newton-MR (:func:`optim.network_error_index`) from 60 starts (quick: 10), half along
    full-batch descent paths (2,000 steps each) and half random Gaussian weights, all of scale
    0.05 (a small initialisation; the random points at high loss). It certifies few points:
    most searches stop at gradient-flat regions (Frye et al. 2021; ``docs/design.md``). The
    dead-unit one (:func:`optim.dead_unit_critical_points`): for ``d`` = 0, 2, ..., 28 and
    30, 31, ..., 50 dead hidden units (quick: 0 to 4), a random point of the same scale with
    ``d`` units killed, minimised over the live parameters, then certified by Newton-MR on
    the whole net; these are the saddles of the plateaus of training from small weights, and
    their index is known from the Hessian's block structure. Left: training error against
    index fraction of the certified points of both (a point both certified counted once),
    gradient-flat ends and ends not certified apart; right: loss against index with the
    fitted semicircle trend.

    Returns
    -------
    figure : matplotlib.figure.Figure
    claims : list of Claim
        Observations: at least 30 distinct certified critical points, over both searches and
        from the generic one alone; the Spearman correlation of training error and index
        fraction is positive (the lower end of its 95 % interval above 0), over the certified
        points and, apart, over the end points of the searches that were not certified
        (where Newton-MR stopped); the lowest-error certified point is a minimum (index 0).
        Law: at every certified dead-unit point the measured index is the predicted one,
        the live block's index plus ``d`` times a dead unit's negative eigenvalues
        (:func:`fields.nn.dead_unit_eigenvalues`).
    """
    return _error_index_figure(_ERROR_INDEX_RUNS["quick" if quick else "full"], rng)


@on_request
def talk_error_index_22210(*, quick: bool = False, rng=None) -> tuple[Figure, list[Claim]]:
    """:func:`talk_error_index` at the talk's size: a 100-200-10 tanh net (22,210 parameters)
    on all 5,000 digits (quick: the same reduced run as :func:`talk_error_index`).

    Drawn only when named (``rmt reproduce --talk-scale --only talk_error_index_22210``): the
    certificate of each end point factors its 22,210 x 22,210 Hessian (measured on 2 idle
    cores: 29 s for the Hessian, 67 s for its inertia; the eigenvalues next to 0 take
    minutes more), so its 60 starts and 33 dead-unit points take hours.
    """
    return _error_index_figure(_ERROR_INDEX_RUNS["quick" if quick else "talk"], rng)


def _error_index_figure(plan: _ErrorIndexRun, rng) -> tuple[Figure, list[Claim]]:
    """The error-index figure and claims of ``plan`` (:func:`talk_error_index`)."""
    root = as_seed_sequence(rng)
    gen = np.random.default_rng(child(root, 0))
    net = fields.nn.MLP([100, plan.hidden, _CLASSES], "tanh", "softmax-cross-entropy",
                        _images("mnist", plan.examples, gen), weight_decay=_ERROR_INDEX_DECAY,
                        rng=gen)
    search = network_error_index(net, n_starts=plan.starts,
                                 starts=Starts("mixed", scale=_ERROR_INDEX_START_SCALE,
                                               trajectory_fraction=0.5,
                                               trajectory_steps=_ERROR_INDEX_PATH_STEPS),
                                 rng=child(root, 1))
    dead = dead_unit_critical_points(net, list(plan.dead), scale=_ERROR_INDEX_START_SCALE,
                                     rng=child(root, 2))
    ds = _union(search, dead)
    certified = ds.kind.values != "not-critical"
    from_dead = ds.origin.values == "dead units"
    flat = ds.status.values == "gradient-flat"
    err, alpha = ds.error.values[certified], ds.index_fraction.values[certified]
    rho, lo, hi = _spearman_interval(err, alpha) if certified.sum() >= 3 else (
        math.nan, math.nan, math.nan)
    # Where the other searches stopped (not critical points: their |g| is not small).
    ended = ~certified & np.isfinite(ds.index_fraction.values) & np.isfinite(ds.error.values)
    err_end, alpha_end = ds.error.values[ended], ds.index_fraction.values[ended]
    rho_end, lo_end, _ = _spearman_interval(err_end, alpha_end) if ended.sum() >= 3 else (
        math.nan, math.nan, math.nan)
    dead_cert = certified & from_dead
    mismatches = int(np.sum(ds["index"].values[dead_cert] != ds.known_index.values[dead_cert]))
    fig, axes = plt.subplots(1, 2, figsize=(13, 5), layout="tight")
    ax = axes[0]
    ax.plot(alpha_end, err_end, "x", color="0.6",
            label=f"ends not certified ({ended.sum()}; Spearman {rho_end:.2f})")
    generic = certified & ~from_dead
    ax.plot(ds.index_fraction.values[generic], ds.error.values[generic], "o", color="C0",
            label=f"certified, Newton-MR search ({generic.sum()})")
    ax.plot(ds.index_fraction.values[dead_cert], ds.error.values[dead_cert], "s", color="C1",
            mfc="none", label=f"certified, dead units ({dead_cert.sum()}; index as predicted "
                              f"at {dead_cert.sum() - mismatches})")
    if flat.any():
        ax.plot(ds.index_fraction.values[flat], ds.error.values[flat], "D", mfc="none",
                color="C2", label=f"gradient-flat ends ({flat.sum()})")
    if certified.sum() >= 2 and np.ptp(alpha) > 0:
        slope, intercept = np.polyfit(alpha, err, 1)
        grid = np.linspace(alpha.min(), alpha.max(), 50)
        ax.plot(grid, slope * grid + intercept, "k-", lw=1,
                label=f"least-squares line; Spearman {rho:.2f} [{lo:.2f}, {hi:.2f}]")
    ax.set_xlabel(r"index fraction $\alpha$")
    ax.set_ylabel("training error")
    ax.set_title(f"{'-'.join(map(str, net.layers))} tanh net ({net.dim} parameters), "
                 f"{net.n_examples} MNIST digits", fontsize="medium")
    ax.legend(fontsize="small")
    plot.network_error_index(ds, ax=axes[1], title="loss against index, with the trend")
    best = int(np.argmin(err)) if err.size else None
    claims = [
        Claim(f"MNIST {net.dim}-parameter net: distinct certified critical points (at least "
              "30; both searches)", 29.5, float(certified.sum()), 0.0, relation="greater",
              kind="observation"),
        Claim(f"MNIST {net.dim}-parameter net: distinct certified critical points of the "
              "Newton-MR search from training paths and random points (at least 30)", 29.5,
              float(generic.sum()), 0.0, relation="greater", kind="observation"),
        Claim("MNIST net: the index of each certified dead-unit critical point is the live "
              "block's plus d times a dead unit's negative eigenvalues (mismatches)", 0.0,
              float(mismatches) if dead_cert.any() else math.nan, 0.0, kind="law"),
        Claim("MNIST net: training error rises with the index of critical points (lower end "
              "of the 95 % interval of Spearman's rho)", 0.0, lo, 0.0, relation="greater",
              kind="observation"),
        Claim("MNIST net: training error rises with the index where the uncertified searches "
              "stopped (lower end of the 95 % interval of Spearman's rho; not critical "
              "points)", 0.0, lo_end, 0.0, relation="greater", kind="observation"),
        Claim("MNIST net: the lowest-error certified critical point is a minimum (its index)",
              0.0, float(ds.index.values[certified][best]) if best is not None else math.nan,
              0.0, kind="observation"),
    ]
    return fig, claims


def _union(search: xr.Dataset, dead: xr.Dataset) -> xr.Dataset:
    """The rows of both searches, ``origin`` naming each one's, a certified dead-unit point
    that the Newton-MR search also certified kept once (as the search's), and the trend of
    the union (:func:`optim.network_error_index`)."""
    names = ["x", "loss", "error", "index", "index_fraction", "kind", "status"]
    a = search[names].assign(origin=("point", np.full(search.sizes["point"], "search")),
                             known_index=("point", np.full(search.sizes["point"], -1)))
    b = dead[names + ["known_index"]].assign(
        origin=("point", np.full(dead.sizes["point"], "dead units")))
    crit_a = a.x.values[a.kind.values != "not-critical"]
    keep = np.ones(b.sizes["point"], dtype=bool)
    for row in np.flatnonzero(b.kind.values != "not-critical"):
        x = b.x.values[row]
        dist = np.linalg.norm(crit_a - x, axis=1)
        scale = np.maximum(np.linalg.norm(crit_a, axis=1), np.linalg.norm(x))
        keep[row] = not np.any(dist <= _SAME_POINT_RTOL * scale)
    union = xr.concat([a, b.isel(point=keep)], dim="point")
    union = union.assign_coords(point=np.arange(union.sizes["point"]))
    return _with_trend(union)
