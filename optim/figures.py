"""The figures of ``notebooks/03_saddles.ipynb`` and ``notebooks/04_neural_nets.ipynb``.

Every function has the signature ``name(*, quick=False, rng=None) -> (figure, claims)``
(:mod:`rmt.workflow.reproduction`): an unsaved :class:`matplotlib.figure.Figure` and a list of
:class:`rmt.workflow.Claim`. They are registered under the entry-point group ``rmt.figures``
in ``pyproject.toml`` (``rmt`` never imports ``optim``), where ``rmt reproduce`` finds them;
the notebooks call them directly.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

import fields
import rmt
from fields.saddles import random_saddle, saddle_2d
from rmt.random import as_generator, as_seed_sequence, child
from rmt.workflow.reproduction import Claim, cached_on_seed, figure

from . import plot
from .autoencoder_experiments import (
    _images,
    _network,
    _ordering_claims,
    _plateau_claims,
    _plot_runs,
    autoencoder_comparison,
)
from .critical import Solver, Starts
from .diagonal_curvature import esgd
from .driver import run
from .error_index import error_index as _error_index
from .first_order import rmsprop, sgd
from .networks import network_error_index, spectra_along_training
from .newton import damped_newton, newton, saddle_free_newton
from .saddles import escape_time
from .talk_scale import bulk_ratios, bulk_spacing_ratio
from .theory import compare_with_theory
from .training import compare

__all__ = ["autoencoder_optimizers", "error_index", "generated_curves",
           "network_critical_points", "network_hessian_spectra", "network_spectral_density",
           "saddle_dynamics"]

#: Start distances from the saddle for the escape-time panels.
_DELTAS = 10.0 ** -np.arange(2, 13, 2)


@figure(3, 1)
def error_index(*, quick: bool = False, rng=None) -> tuple[Figure, list[Claim]]:
    """Critical points and descent trajectories against the Bray–Dean and spin-glass laws.

    Left: a squared-exponential Gaussian field in the Bray–Dean scaling (N = 30, 300 N
    random features, 200 finder starts; quick: N = 25, 120 starts). Right: the spherical
    3-spin glass (N = 50; quick: N = 30) with its threshold ``-E_inf``. Each panel shows the
    certified critical points and the points visited by descent methods
    (:func:`optim.error_index`), the asymptotic theory curve and the finite-N Kac–Rice
    prediction per energy bin (:func:`optim.compare_with_theory`; 4000 samples, quick: 1000).
    The full-size checks (N = 50 and 100, 400 starts) are the slow tests of
    ``tests/optim/test_theory.py``.

    Parameters
    ----------
    quick : bool
        Reduced sizes.
    rng : None, int, SeedSequence or Generator
        Source of the two surfaces, the starts and the Kac–Rice samples.

    Returns
    -------
    figure : matplotlib.figure.Figure
        Two panels.
    claims : list of Claim
        Per surface (:func:`_error_index_claims`): the energy bin whose empirical index
        fraction lies furthest, in standard errors, from the finite-N Kac–Rice prediction,
        against it within 4 standard errors; and the Pearson correlation of the energy and
        the index fraction of the critical points above 0 by more than 4 standard errors
        (Fisher's ``(1 - r^2) / sqrt(n - 3)``): the index fraction grows with the energy.
    """
    gen = as_generator(rng)
    field_dim, sg_dim, starts = (25, 30, 120) if quick else (30, 50, 200)
    surfaces = {
        f"squared-exponential field, N = {field_dim}":
            fields.GaussianField(field_dim, fields.SquaredExponential(),
                                 n_features=300 * field_dim, rng=gen),
        f"spherical 3-spin glass, N = {sg_dim}": fields.SphericalSpinGlass(sg_dim, p=3, rng=gen),
    }
    fig, axes = plt.subplots(1, 2, figsize=(13, 5.5), layout="tight")
    claims = []
    for ax, (name, surface) in zip(axes, surfaces.items(), strict=True):
        ds = _error_index(surface, n_starts=starts, n_trajectories=2, steps=300, rng=gen)
        plot.error_index_plane(ds, ax=ax, title=name)
        cps = ds.isel(point=np.flatnonzero(ds.source.values == "critical point"))
        cmp = compare_with_theory(cps, surface, n_samples=1000 if quick else 4000, rng=gen)
        ax.errorbar(cmp.finite_n, cmp.energy, xerr=cmp.finite_n_stderr, fmt="s", color="k",
                    mfc="none", label="finite-N Kac–Rice (bins)")
        claims += _error_index_claims(name, cmp)
    e_inf = fields.spin_glass.thresholds(3).e_inf
    axes[1].axhline(-e_inf, color="r", ls=":", lw=1, label="-E_inf (threshold)")
    for ax in axes:
        ax.legend(fontsize="x-small")
    return fig, claims


def _error_index_claims(name: str, cmp) -> list[Claim]:
    """The worst energy bin of :func:`optim.compare_with_theory`'s ``cmp`` against the
    finite-N Kac–Rice prediction, and the Pearson correlation above 0 (Bray–Dean and ABC:
    the index fraction of critical points increases with their energy).

    A bin's standard error combines the Monte Carlo error of the prediction with that of the
    bin's mean index fraction, ``sd / sqrt(count)``, the spread ``sd`` taken at least
    ``sqrt(alpha (1 - alpha) / n)`` (a binomial index in an ``n x n`` Hessian, about the
    spread measured in the figure's bins), so that a bin of minima only is not certain. The
    correlation's standard error is ``(1 - r^2) / sqrt(n_points - 3)`` (Fisher's z by the
    delta method).
    """
    size = cmp.attrs["hessian_size"]
    predicted = cmp.finite_n.values
    spread = np.maximum(cmp.index_fraction_stderr.values * np.sqrt(cmp["count"].values),
                        np.sqrt(np.clip(predicted * (1 - predicted), 0, None) / size))
    se = np.sqrt(spread**2 / cmp["count"].values + cmp.finite_n_stderr.values**2)
    miss = np.abs(cmp.difference.values)
    worst = int(np.argmax(np.divide(miss, se, out=np.where(miss > 0, np.inf, 0.0),
                                    where=se > 0)))
    r, n = float(cmp.attrs["pearson_r"]), int(cmp.attrs["n_points"])
    return [
        Claim(f"{name}: binned index fraction vs finite-N Kac–Rice (furthest of "
              f"{predicted.size} bins, energy {float(cmp.energy.values[worst]):.3g})",
              float(predicted[worst]), float(cmp.index_fraction.values[worst]),
              float(se[worst])),
        Claim(f"{name}: the index fraction of critical points grows with the energy (Pearson "
              "r > 0)", 0.0, r, _correlation_stderr(r, n), relation="greater"),
    ]


def _correlation_stderr(r: float, n: int) -> float:
    """Fisher's standard error ``(1 - r^2) / sqrt(n - 3)`` of a Pearson ``r`` over ``n``
    points; 1, which no correlation can pass by 4 standard errors, when it is undefined."""
    return float((1 - r**2) / np.sqrt(n - 3)) if n > 3 and np.isfinite(r) else 1.0


@figure(3, 2)
def saddle_dynamics(*, quick: bool = False, rng=None) -> tuple[Figure, list[Claim]]:
    """Gradient descent, Newton, damped Newton, saddle-free Newton and ESGD near saddles.

    Left: paths on the 2-D saddle ``(x^2 - 0.2 y^2)/2 + (x^4 + y^4)/4``, 30 steps from
    ``(1, 1e-3)`` (learning rate 0.5 for gradient descent and ESGD). Middle: escape steps
    against the start distance on a random saddle (N = 100, index 30; learning rate 0.1)
    with the linearised gradient-descent law. Right: damped Newton's escape time from
    ``delta = 1e-6`` grows with the damping (seven dampings; quick: three), against the
    linearised ``log(R / delta) / log(alpha / (alpha - |lambda|))``.

    Parameters
    ----------
    quick : bool
        Fewer dampings.
    rng : None, int, SeedSequence or Generator
        Source of the stochastic optimisers, the random saddle and the start directions.

    Returns
    -------
    figure : matplotlib.figure.Figure
        Three panels.
    claims : list of Claim
        On the 2-D saddle ``(x^2 - y^2)/2 + (x^4 + y^4)/4``: the per-decade escape cost of
        gradient descent (learning rate 0.1) against ``log 10 / log(1 + lr |lambda_min|)``
        and of saddle-free Newton against ``log2 10``, each within one step per measured
        span (step counts are integers; :func:`_escape_claims`); on the random saddle,
        Newton's method converges onto the saddle (largest final distance below 1e-10,
        :func:`_attraction_claim`).
    """
    gen = as_generator(rng)
    lr = 0.1
    s2 = saddle_2d()
    methods = {
        "gradient descent": sgd(0.5),
        "Newton": newton(),
        "damped Newton (alpha = 2)": damped_newton(damping=2.0),
        "saddle-free Newton": saddle_free_newton(),
        "ESGD": esgd(0.5, every=1, probe="rademacher"),
    }
    fig, axes = plt.subplots(1, 3, figsize=(16, 5), layout="tight")
    shallow = saddle_2d(1.0, -0.2)
    paths = {name: run(shallow, opt, np.array([1.0, 1e-3]), 30, record=("x",), rng=gen)
             for name, opt in methods.items()}
    plot.saddle_paths(shallow, paths, ax=axes[0], extent=1.05,
                      title="2-D saddle, 30 steps from (1, 0.001)")

    high = random_saddle(100, 30, rng=gen)
    escape = escape_time(high, {"gradient descent": sgd(lr),
                                "damped Newton (alpha = 10)": damped_newton(damping=10.0),
                                "saddle-free Newton": saddle_free_newton(),
                                "ESGD": esgd(lr, every=1)},
                         _DELTAS, max_steps=3000, rng=gen)
    attracted = escape_time(high, {"Newton": newton()}, _DELTAS, max_steps=20, rng=gen)
    plot.escape_times(escape, ax=axes[1], lr=lr,
                      title="random saddle, N = 100, index 30")

    dampings = np.array([1.5, 2, 3, 5, 10, 20, 50]) if not quick else np.array([2, 5, 20])
    damped = escape_time(s2, {f"{a:g}": damped_newton(damping=float(a)) for a in dampings},
                         [1e-6], max_steps=5000, rng=gen)
    axes[2].plot(dampings, damped.steps.values[:, 0], "o-", label="damped Newton, measured")
    theory = [math.log(damped.attrs["radius"] / 1e-6) / math.log(a / (a - 1)) for a in dampings]
    axes[2].plot(dampings, theory, "k--", lw=1,
                 label=r"linearised: $\log(R/\delta) / \log(\alpha / (\alpha - |\lambda|))$")
    axes[2].set_xlabel(r"damping $\alpha$")
    axes[2].set_ylabel(r"steps to escape from $\delta = 10^{-6}$")
    axes[2].set_title("damping hides negative curvature")
    axes[2].legend(fontsize="small")

    flat = escape_time(s2, {"gd": sgd(lr), "sfn": saddle_free_newton()}, _DELTAS, rng=gen)
    return fig, [*_escape_claims(flat.steps.sel(optimizer="gd").values,
                                 flat.steps.sel(optimizer="sfn").values, lr, _DELTAS),
                 _attraction_claim(attracted.final_distance.values)]


def _escape_claims(gd_steps, sfn_steps, lr: float, deltas) -> list[Claim]:
    """Steps per decade of start distance ``deltas`` to escape the 2-D saddle (curvature -1
    along ``y``): gradient descent at learning rate ``lr`` against
    ``log 10 / log(1 + lr)``, saddle-free Newton (which doubles ``y`` per step) against
    ``log2 10``. The counts are integers, so each difference is within one step: allowance
    ``1 / span`` per decade over the ``span`` decades."""
    span = math.log10(deltas[0] / deltas[-1])
    basis = f"1/span: integer step counts, +-1 step over the {span:g} decades"
    return [
        Claim("2-D saddle: gradient descent pays log(10)/log(1 + lr|lambda_min|) steps per "
              "decade of start distance", math.log(10) / math.log1p(lr),
              float(gd_steps[-1] - gd_steps[0]) / span, 0.0, 1.0 / span, basis=basis),
        Claim("2-D saddle: saddle-free Newton pays log2(10) steps per decade",
              math.log2(10), float(sfn_steps[-1] - sfn_steps[0]) / span, 0.0, 1.0 / span,
              basis=basis),
    ]


def _attraction_claim(final_distances) -> Claim:
    """Newton's largest final distance from the saddle over the starts, against 0 within
    1e-10 (quadratic convergence ends at round-off; an escaped run ends O(1) away)."""
    return Claim("random saddle N = 100: Newton converges onto the saddle (final distance)",
                 0.0, float(np.max(final_distances)), 0.0, 1e-10,
                 basis="round-off: Newton's quadratic convergence stops near 1e-16 times the "
                       "scale; a run that escaped ends O(1) away")


def _digits_net(hidden: int, n: int, rng: np.random.Generator) -> fields.nn.MLP:
    """A one-hidden-layer tanh net on ``n`` of scikit-learn's 8 x 8 digits (weight decay
    0.01, which keeps the Hessian of the dead pixels' weights away from 0)."""
    x, y = fields.data.load_digits()
    rows = rng.permutation(x.shape[0])[:n]
    return fields.nn.MLP([64, hidden, 10], "tanh", "softmax-cross-entropy", (x[rows], y[rows]),
                         weight_decay=1e-2, rng=rng)


def _mnist_net(hidden: int, n: int, rng: np.random.Generator) -> fields.nn.MLP:
    """A one-hidden-layer tanh net on ``n`` of the 5,000 real MNIST digits at 10 x 10
    (:func:`fields.data.load_mnist_sample`), no weight decay: the talk's setting, reduced."""
    x, y = fields.data.load_mnist_sample(size=(10, 10))
    rows = np.sort(rng.permutation(x.shape[0])[:n])
    return fields.nn.MLP([100, hidden, 10], "tanh", "softmax-cross-entropy", (x[rows], y[rows]),
                         rng=rng)


@cached_on_seed
def _mnist_training(quick: bool, root: np.random.SeedSequence):
    """The MNIST net of :func:`network_hessian_spectra` and its spectra along training
    (from the child 0 of ``root``)."""
    gen = np.random.default_rng(child(root, 0))
    net = _mnist_net(8 if quick else 16, 500 if quick else 1000, gen)
    ds = spectra_along_training(net, optimizer=rmsprop(3e-3), steps=600 if quick else 1500,
                                checkpoints=5, rng=gen)
    return net, ds


@figure(4, 1)
def network_hessian_spectra(*, quick: bool = False, rng=None) -> tuple[Figure, list[Claim]]:
    """Exact Hessian spectra of a one-hidden-layer net on real MNIST digits along training
    (the talk's experiment 1, reduced; ``rmt reproduce --talk-scale`` runs it at 22,210
    parameters).

    A 100-16-10 tanh net (1,786 parameters; quick: 100-8-10) on 1,000 of the 5,000 MNIST
    digits at 10 x 10 (quick: 500), trained by full-batch RMSProp (learning rate 3e-3, 1500
    steps; quick: 600). Left, eigenvalue histograms at five checkpoints of falling loss
    (:func:`optim.spectra_along_training`; the null space ``|lambda| < tau`` counted apart),
    each with the semicircle of the same mean and variance; middle, the index fraction
    against the loss, measured and from that semicircle; right, the spacing ratios of the
    last spectrum's bulk (:func:`optim.talk_scale.bulk_spacing_ratio`) against the GOE
    surmise and Poisson.

    Parameters
    ----------
    quick : bool
        Smaller net, fewer digits and steps.
    rng : None, int, SeedSequence or Generator
        Root: its child 0 gives the net and its training (shared with
        :func:`network_spectral_density`, which takes this figure's seed).

    Returns
    -------
    figure : matplotlib.figure.Figure
        Three panels.
    claims : list of Claim
        Observations: the index fraction falls and the mean eigenvalue rises between the
        first and the last checkpoint (the spectrum moves right as the error falls); the
        moment-matched semicircle gives the index fraction within 0.05; the bulk's mean
        spacing ratio is the GOE's.
    """
    net, ds = _mnist_training(quick, rng)
    fig, axes = plt.subplots(1, 3, figsize=(18, 5), layout="tight")
    plot.spectra_along_training(ds, ax=axes[0], title=f"Hessian spectra, 100-{net.layers[1]}-10 "
                                f"net ({net.dim} parameters), {net.n_examples} MNIST digits")
    axes[1].plot(ds.loss, ds.index_fraction, "o-", label="measured")
    axes[1].plot(ds.loss, ds.fitted_index_fraction, "s--",
                 label="semicircle with the same mean and variance")
    axes[1].plot(ds.loss, ds.null_fraction, "^-.", color="0.4",
                 label=r"null space $|\lambda| < \tau$ (not in the index)")
    axes[1].set_xlabel("training loss")
    axes[1].set_ylabel(r"index fraction $\alpha$")
    axes[1].legend(fontsize="small")
    first, last = ds.isel(checkpoint=0), ds.isel(checkpoint=-1)
    mean_r, se_r, count = bulk_spacing_ratio(last.eigenvalues.values, float(last.tolerance))
    plot.spacing_ratios(bulk_ratios(last.eigenvalues.values, float(last.tolerance)),
                        ax=axes[2], title=f"local statistics of the last spectrum's bulk "
                        f"({count} ratios)")
    return fig, [
        Claim("MNIST net: index fraction falls with the loss (first - last checkpoint)",
              0.0, float(first.index_fraction - last.index_fraction), 0.0, 0.0, "greater",
              kind="observation"),
        Claim("MNIST net: the Hessian spectrum moves right as the loss falls (mean, last - "
              "first)", 0.0, float(last["mean"] - first["mean"]), 0.0, 0.0, "greater",
              kind="observation"),
        Claim("MNIST net: a semicircle with the spectrum's mean and variance gives its index "
              "fraction (largest |difference| over the checkpoints, allowance 0.05)", 0.0,
              float(np.max(np.abs(ds.fitted_index_fraction - ds.index_fraction))), 0.0, 0.05,
              kind="observation",
              basis="0.05 of index fraction, chosen for this observation (not derived)"),
        Claim("MNIST net: mean spacing ratio of the last spectrum's bulk is the GOE's",
              rmt.SPACING_RATIO_MEANS["goe"], mean_r, se_r, kind="observation"),
    ]


@figure(4, 2, shares_seed_with="network_hessian_spectra")
def network_spectral_density(*, quick: bool = False, rng=None) -> tuple[Figure, list[Claim]]:
    """The spectrum of the trained MNIST net from Hessian-vector products alone.

    At the last checkpoint of :func:`network_hessian_spectra` (the same net and training: this
    figure takes that one's seed), the histogram of the exact eigenvalues beside the
    stochastic Lanczos quadrature density of :func:`rmt.spectral_density` on ``net.hvp``
    (the method for nets too large for a dense Hessian); the two smallest and largest
    eigenvalues from ARPACK (:func:`rmt.extreme_eigenvalues`) are marked.

    Parameters
    ----------
    quick : bool
        The smaller net of :func:`network_hessian_spectra`.
    rng : None, int, SeedSequence or Generator
        Root: child 0 the net and its training, child 1 the SLQ probes, child 2 the ARPACK
        start vector.

    Returns
    -------
    figure : matplotlib.figure.Figure
    claims : list of Claim
        None: the estimators' accuracy is tested in the test suite.
    """
    root = as_seed_sequence(rng)
    net, ds = _mnist_training(quick, root)
    w_end = ds.x.values[-1]
    exact = ds.eigenvalues.values[-1]
    sd = rmt.spectral_density(lambda v: net.hvp(w_end, v), net.dim,
                              matmat=lambda x: net.hvp(w_end, x.T).T, rng=child(root, 1))
    ext = rmt.extreme_eigenvalues(lambda v: net.hvp(w_end, v), net.dim, k=2,
                                  rng=child(root, 2))
    fraction, stderr = (float(v) for v in sd.fraction_below(0.0))
    fig, ax = plt.subplots(figsize=(7, 4.5), layout="tight")
    ax.hist(exact, bins=80, density=True, alpha=0.4,
            label=f"exact eigenvalues (fraction below 0: {np.mean(exact < 0):.3f})")
    ax.plot(sd.grid, sd.density, label=f"SLQ, {sd.steps} Lanczos steps, {sd.probes} probes "
            f"(fraction below 0: {fraction:.3f} +- {stderr:.3f})")
    for i, lam in enumerate(np.concatenate([ext.smallest, ext.largest])):
        ax.axvline(lam, color="k", ls=":", lw=0.8, label="ARPACK extremes" if i == 0 else None)
    ax.set_yscale("log")
    ax.set_ylim(bottom=1e-3)  # below one eigenvalue per bin of the histogram
    ax.set_xlabel("Hessian eigenvalue")
    ax.set_ylabel("density")
    ax.set_title(f"64-{net.layers[1]}-10 net at the end of training: exact, SLQ and ARPACK")
    ax.legend(fontsize="small")
    return fig, []


@figure(4, 3)
def network_critical_points(*, quick: bool = False, rng=None) -> tuple[Figure, list[Claim]]:
    """Certified critical points of a small digits net in the error–index plane.

    Newton-MR from points along descent paths (as Dauphin et al. 2014 started Newton from
    training paths; :func:`optim.network_error_index`, 40 starts, quick: 20) on a 64-6-10
    tanh net (quick: 64-4-10), 100 digits, weight decay 0.01: the certified points, the end
    points of runs that were not certified, the fitted semicircle trend.

    Parameters
    ----------
    quick : bool
        Smaller net, fewer starts.
    rng : None, int, SeedSequence or Generator
        Source of the net and the starts.

    Returns
    -------
    figure : matplotlib.figure.Figure
    claims : list of Claim
        Observation: the Spearman correlation of the loss and the index fraction over the
        certified points is positive (high-error critical points are saddles of higher
        index).
    """
    gen = as_generator(rng)
    net = _digits_net(4 if quick else 6, 100, gen)
    ds = network_error_index(net, n_starts=20 if quick else 40,
                             starts=Starts("trajectory", trajectory_points=2),
                             solver=Solver(stall_iter=40, max_iter=300), rng=gen)
    fig, ax = plt.subplots(figsize=(7, 5.5), layout="tight")
    plot.network_error_index(ds, ax=ax, title=f"critical points of a 64-{net.layers[1]}-10 "
                                               f"net ({net.dim} parameters), 100 digits")
    rho = ds.attrs["spearman_r"]
    return fig, [Claim("digits net: Spearman r(loss, index fraction) of certified critical "
                       "points", 0.0, float(rho) if np.isfinite(rho) else float("nan"), 0.0,
                       0.0, "greater", kind="observation")]


@figure(4, 4)
def generated_curves(*, quick: bool = False, rng=None) -> tuple[Figure, list[Claim]]:
    """Sixteen CURVES-like images from :func:`fields.data.make_curves` (28 x 28).

    Random cubic splines through three points drawn as anti-aliased strokes, following
    Hinton & Salakhutdinov (2006): generated, not the original file. The data of
    :func:`autoencoder_optimizers` are drawn the same way at 14 x 14.

    Parameters
    ----------
    quick : bool
        Unused (the figure is cheap); accepted for the common signature.
    rng : None, int, SeedSequence or Generator
        Source of the images.

    Returns
    -------
    figure : matplotlib.figure.Figure
    claims : list of Claim
        None.
    """
    images = fields.data.make_curves(16, size=28, rng=as_generator(rng))
    fig, axes = plt.subplots(2, 8, figsize=(12, 3), layout="tight")
    for ax, im in zip(axes.ravel(), images, strict=True):
        ax.imshow(im.reshape(28, 28), cmap="gray_r")
        ax.axis("off")
    return fig, []


@figure(4, 5)
def autoencoder_optimizers(*, quick: bool = False, rng=None) -> tuple[Figure, list[Claim]]:
    """SGD, RMSProp, Jacobi, ESGD and AdaHessian on a deep autoencoder of generated CURVES-like
    images, three paired seeds each (the talk's experiment 2, reduced for a CPU).

    14 x 14 curves from :func:`fields.data.make_curves` (5000; quick: 1000), encoder
    100-50-25-6 (logistic units, linear code, sparse initialisation: Martens 2010's design at
    a quarter of the width; quick: 50-25-6), minibatches of 100, the same random learning-rate
    search for every optimiser and seed (10 log-uniform rates in [1e-4, 1], one epoch each;
    quick: 3), then 10 epochs (quick: 3) from each of 3 seeds, a seed fixing the start and the
    minibatch order for every optimiser (:func:`optim.autoencoder_comparison`, one worker);
    Jacobi, ESGD and AdaHessian take one Hessian-vector product every 20 steps. Left: squared
    reconstruction error against epochs, the median across seeds with the 95 % Student-t
    interval of the mean shaded, and the plateau of the mean image; middle: against gradient
    equivalents (one Hessian-vector product = 2 gradients); right: cosine similarity of the
    RMSProp, Jacobi and equilibration diagonals along the RMSProp run of seed 0 (50
    minibatches and probes per point; quick: 10).

    Parameters
    ----------
    quick : bool
        Fewer images, a narrower encoder, fewer epochs and trials.
    rng : None, int, SeedSequence or Generator
        Its keyed child 0 is the comparison's root: the images, the search, the seeds' starts
        and minibatches, and with them the diagonal estimates along the RMSProp run.

    Returns
    -------
    figure : matplotlib.figure.Figure
        Three panels.
    claims : list of Claim
        Observations (the paper's expected ordering, reported whatever it is), on the final
        errors paired by seed, each with the mean paired difference and its 95 % t interval:
        ESGD better than RMSProp and than Jacobi, RMSProp, Jacobi, ESGD and AdaHessian each
        better than SGD (the first row gives the measured order of the medians); whether each
        optimiser left the plateau of the mean image (error below 0.9 of it) in most seeds,
        with every seed's epoch; and the RMSProp diagonal closer to equilibration than to
        Jacobi (mean cosine similarity).
    """
    root = as_seed_sequence(rng)
    n, layers, epochs, trials, probes = ((1000, "50-25-6", 3, 3, 10) if quick
                                         else (5000, "100-50-25-6", 10, 10, 50))
    ds = autoencoder_comparison(seeds=3, datasets=("curves",), size=14, layers=layers,
                                examples=n, epochs=epochs, batch_size=100, trials=trials,
                                workers=1, progress=False, rng=child(root, 0))
    one = ds.isel(dataset=0)
    # The RMSProp run of seed 0 again (the same start and minibatches), with its diagonals.
    net, run_seed = _network(_images("curves", 14, n, int(one.root)), "curves",
                             tuple(map(int, layers.split("-"))), 0, int(one.root))
    rate = float(one.learning_rate.sel(optimizer="rmsprop", seed=0))
    cos = compare(net, {"RMSProp": rmsprop(rate)}, epochs=epochs, batch_size=100,
                  diagonals=True, diagonal_probes=probes, rng=run_seed)
    fig, axes = plt.subplots(1, 3, figsize=(18, 5), layout="tight")
    title = f"autoencoder 196-{layers} on {n} generated curves, 3 seeds"
    _plot_runs(axes[0], one, "epoch", title)
    _plot_runs(axes[1], one, "gradient_equivalents")
    plot.diagonal_cosines(cos, ax=axes[2], title="diagonals along the RMSProp run of seed 0")
    return fig, [
        *_ordering_claims(one, "autoencoder"),
        *_plateau_claims(one, "autoencoder"),
        Claim("autoencoder: RMSProp diagonal closer to equilibration than to Jacobi (mean "
              "cosine, rms-eq minus rms-jacobi)", 0.0,
              float(np.nanmean(cos.cos_rmsprop_equilibration - cos.cos_rmsprop_jacobi)), 0.0,
              0.0, "greater", kind="observation"),
    ]
