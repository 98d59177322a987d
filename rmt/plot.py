"""Plot helpers for the figures of the talk; matplotlib is imported only when one is called.

Every helper draws on an existing ``ax`` (or a new figure when ``ax`` is None) and returns
the axes, so figures compose in notebooks and in ``rmt reproduce``.
"""

from __future__ import annotations

import numpy as np

from ._validation import (
    check_axes,
    check_beta,
    check_bool,
    check_count,
    check_dataset,
    check_int,
    check_real_array,
    check_text,
)
from .random import as_generator

__all__ = [
    "spectrum",
    "index_distribution",
    "index_variance",
    "largest_eigenvalue",
    "gaussian_shell",
    "preconditioning",
]


def _axes(ax):
    """``ax``, or a new figure's axes when it is None (``ax`` checked before any work)."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.figure().add_subplot()


def spectrum(eigenvalues, law=None, *, ax=None, bins: int = 60, label: str | None = None,
             title: str | None = None):
    """Histogram of eigenvalues (density) with a theoretical density overlaid.

    Parameters
    ----------
    eigenvalues : array_like
        Eigenvalues (pooled over matrices if several).
    law : scipy.stats distribution, optional
        Frozen distribution whose ``pdf`` is drawn, e.g. ``rmt.semicircle`` or
        ``rmt.marchenko_pastur(q=0.5)``.
    ax : matplotlib Axes, optional
    bins : int
    label, title : str, optional
    """
    ev = check_real_array("eigenvalues", eigenvalues, ndim_min=1).ravel()
    check_axes("ax", ax)
    bins = check_count("bins", bins, 1, bytes_each=16, what="the histogram's edges and counts")
    label, title = check_text("label", label), check_text("title", title)
    ax = _axes(ax)
    ax.hist(ev, bins=bins, density=True, alpha=0.55, label=label or f"{ev.size} eigenvalues")
    if law is not None:
        lo, hi = law.support()
        lo = max(lo, ev.min()) if np.isfinite(lo) else ev.min()
        hi = min(hi, ev.max()) if np.isfinite(hi) else ev.max()
        x = np.linspace(lo, hi, 400)
        ax.plot(x, law.pdf(x), "k-", lw=1.5, label="theory")
    ax.set_xlabel("eigenvalue")
    ax.set_ylabel("density")
    if title:
        ax.set_title(title)
    ax.legend(fontsize="small")
    return ax


def index_distribution(indices, n: int, *, beta: float = 1, ax=None, coin_flip: bool = True):
    """Distribution of the index against the Gaussian with MNSV variance and the coin-flip myth.

    Parameters
    ----------
    indices : array_like of int
        Sampled indices (e.g. :func:`rmt.sample_index`).
    n : int
        Matrix size.
    beta : float
        Dyson index, for the theoretical variance :func:`rmt.index_variance`.
    coin_flip : bool
        Also draw Binomial(n, 1/2), the law if eigenvalue signs were fair coins.
    """
    import scipy.stats

    from .index_theory import index_variance

    n = check_int("n", n)
    beta = check_beta(beta)
    coin_flip = check_bool("coin_flip", coin_flip)
    check_axes("ax", ax)
    indices = check_real_array("indices", indices, ndim_min=1)
    if np.any(indices != np.round(indices)) or np.any(indices < 0) or np.any(indices > n):
        raise ValueError(f"indices must be integers between 0 and n = {n}")
    ax = _axes(ax)
    k = indices.astype(np.int64).ravel() - n // 2
    values, counts = np.unique(k, return_counts=True)
    ax.bar(values, counts / k.size, width=0.8, alpha=0.6, label=f"sampled, N = {n}")
    grid = np.arange(values.min() - 2, values.max() + 3)
    var = index_variance(n, beta=beta)
    ax.plot(grid, scipy.stats.norm(n / 2 - n // 2, np.sqrt(var)).pdf(grid), "k.-",
            label=f"Gaussian, Var = ln N/(beta pi^2) + C = {var:.2f}")
    if coin_flip:
        ax.plot(grid, scipy.stats.binom(n, 0.5).pmf(grid + n // 2), "r--",
                label=f"coin flips, Var = N/4 = {n / 4:.3g}")
    ax.set_xlabel("index - N/2")
    ax.set_ylabel("probability")
    ax.legend(fontsize="small")
    return ax


def index_variance(ns, variances, *, beta: float = 1, errors=None, ax=None,
                   coin_flip: bool = True):
    """Measured index variances against ln N/(beta pi^2) + C_beta (and the coin-flip N/4)."""
    from .index_theory import index_variance as theory

    ns = check_real_array("ns", ns, ndim_min=1)
    variances = check_real_array("variances", variances, ndim_min=1)
    if np.any(ns < 1) or ns.shape != variances.shape:
        raise ValueError("ns must be sizes >= 1 with one variance each")
    beta = check_beta(beta)
    if errors is not None:
        errors = check_real_array("errors", errors)
        if errors.shape not in {(), variances.shape}:
            raise ValueError(f"errors must be one number or one per variance; got shape "
                             f"{errors.shape} for {variances.shape}")
    check_axes("ax", ax)
    coin_flip = check_bool("coin_flip", coin_flip)
    ax = _axes(ax)
    ax.errorbar(ns, variances, yerr=errors, fmt="o", label=f"measured, beta = {beta:g}")
    grid = np.geomspace(ns.min(), ns.max(), 100)
    ax.plot(grid, theory(grid.round().astype(np.int64), beta=beta), "k-",
            label=f"MNSV theory, beta = {beta:g}")
    if coin_flip:
        ax.plot(grid, grid / 4, "r--", label="coin flips, N/4")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("N")
    ax.set_ylabel("Var(index)")
    ax.legend(fontsize="small")
    return ax


def largest_eigenvalue(samples, n: int, *, beta: int = 1, ax=None, bins: int = 50):
    """Histogram of N^(2/3) (lambda_max - 2) against its limit :func:`rmt.edge_law`."""
    from .tracy_widom import edge_law

    n = check_int("n", n)
    law = edge_law(beta)
    check_axes("ax", ax)
    bins = check_count("bins", bins, 1, bytes_each=16, what="the histogram's edges and counts")
    s = (check_real_array("samples", samples, ndim_min=1).ravel() - 2) * n ** (2 / 3)
    ax = _axes(ax)
    ax.hist(s, bins=bins, density=True, alpha=0.55, label=f"N = {n:.0e}, {s.size} samples")
    x = np.linspace(min(s.min(), -6), max(s.max(), 3), 300)
    ax.plot(x, law.pdf(x), "k-", label=f"Tracy-Widom, beta = {beta}")
    ax.set_xlabel("N^(2/3) (lambda_max - 2)")
    ax.set_ylabel("density")
    ax.legend(fontsize="small")
    return ax


def gaussian_shell(dims=(1, 2, 10, 100, 1000), *, samples: int = 20000, ax=None, rng=None):
    """Norms |x|/sqrt(d) of standard Gaussian vectors concentrate on the shell of radius 1.

    In dimension d, |x|^2 is chi-square with d degrees of freedom, so |x|/sqrt(d) has mean
    -> 1 and standard deviation ~ 1/sqrt(2d): almost no mass lies near the mode at 0. The
    sampled histograms are drawn with the exact chi density (:func:`scipy.stats.chi`).

    Parameters
    ----------
    dims : int or sequence of int
        Dimensions d to draw.
    samples : int
        Vectors per dimension (at least 2).
    ax : matplotlib Axes, optional
    rng : None, int, SeedSequence or Generator
        Source of randomness (:func:`rmt.random.as_generator`).
    """
    import scipy.stats

    dims = [check_int("dims", d) for d in np.atleast_1d(dims).tolist()]
    samples = check_count("samples", samples, 2, bytes_each=8 * len(dims),
                          what="the sampled norms")
    check_axes("ax", ax)
    gen = as_generator(rng)
    ax = _axes(ax)
    for d in dims:
        r = np.sqrt(gen.chisquare(d, size=samples) / d)
        line = ax.hist(r, bins=80, density=True, histtype="step", label=f"d = {d}")[2][0]
        x = np.linspace(1e-3, r.max(), 300)
        ax.plot(x, scipy.stats.chi(d, scale=1 / np.sqrt(d)).pdf(x), color=line.get_edgecolor(),
                lw=0.8, alpha=0.8)
    ax.set_xlabel("|x| / sqrt(d)")
    ax.set_ylabel("density")
    ax.legend(fontsize="small")
    return ax


def preconditioning(ds, *, axes=None):
    """Histograms of the condition-number reduction per preconditioner, convex vs non-convex.

    Parameters
    ----------
    ds : xarray.Dataset
        The result of :func:`rmt.preconditioning_experiment`.
    axes : sequence of two Axes, optional
    """
    check_dataset("ds", ds, ["log10_reduction"], dims=("kind", "preconditioner"))
    axes = check_axes("axes", axes, count=2)
    if axes is None:
        import matplotlib.pyplot as plt

        axes = plt.figure(figsize=(10, 4)).subplots(1, 2, sharey=True)
    red = ds["log10_reduction"].drop_sel(preconditioner="none")
    for ax, kind in zip(axes, red["kind"].values, strict=True):
        panel = red.sel(kind=kind)
        bins = np.linspace(float(panel.min()), float(panel.max()), 31)
        for pre in panel["preconditioner"].values:
            v = panel.sel(preconditioner=pre).values
            ax.hist(v, bins=bins, alpha=0.5, label=f"{pre} (median {np.median(v):.2f})")
        ax.set_title(str(kind))
        ax.set_xlabel("log10(kappa before / kappa after)")
        ax.legend(fontsize="small")
    axes[0].set_ylabel("matrices")
    return axes
