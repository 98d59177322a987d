"""Plot helpers for the figures of notebooks 03 and 04, in the style of ``rmt.plot``.

Every helper draws on an existing ``ax`` (or a new figure when ``ax`` is None) and returns
the axes; matplotlib is imported only when one is called.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from fields.surface import check_surface
from rmt._validation import (
    check_axes,
    check_choice,
    check_count,
    check_dataset,
    check_positive_float,
    check_real_array,
    check_text,
)

__all__ = ["diagonal_cosines", "error_index_plane", "escape_times", "network_error_index",
           "saddle_paths", "spacing_ratios", "spectra_along_training", "training_curves"]


def _axes(ax):
    """``ax``, or a new figure's axes when it is None (``ax`` checked before any work)."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.figure().add_subplot()


def saddle_paths(saddle, trajectories: dict, *, ax=None, extent: float = 1.2,
                 title: str | None = None):
    """Contours of a 2-D surface and the paths of several optimisers on it.

    Parameters
    ----------
    saddle
        A 2-D surface (for example :func:`fields.saddles.saddle_2d`).
    trajectories : dict {str: xarray.Dataset}
        Trajectories of :func:`optim.run` recorded with ``"x"``.
    extent : float
        Half-width of the square drawn around the origin.
    """
    if check_surface(saddle, ("value",), name="saddle") != 2:
        raise ValueError("saddle_paths draws 2-D surfaces only")
    if not isinstance(trajectories, Mapping):
        raise TypeError(f"trajectories must be a dict of names to optim.run results; got "
                        f"{type(trajectories).__name__}")
    for name, traj in trajectories.items():
        check_dataset(f"trajectories[{name!r}]", traj, ["x"], dims=("step",))
    extent = check_positive_float("extent", extent)
    check_axes("ax", ax)
    check_text("title", title)
    ax = _axes(ax)
    grid = np.linspace(-extent, extent, 201)
    xx, yy = np.meshgrid(grid, grid)
    zz = np.array([[saddle.value(np.array([a, b])) for a in grid] for b in grid])
    ax.contour(xx, yy, zz, levels=25, colors="0.7", linewidths=0.6)
    for (name, traj), color in zip(trajectories.items(), _colors(len(trajectories)),
                                   strict=True):
        x = traj.x.dropna("step", how="any").values
        ax.plot(x[:, 0], x[:, 1], ".-", color=color, ms=3, lw=1, label=name)
        ax.plot(x[-1, 0], x[-1, 1], "o", color=color, ms=6)
    ax.plot(0, 0, "k+", ms=12, mew=2)
    ax.set_xlim(-extent, extent)
    ax.set_ylim(-extent, extent)
    ax.set_aspect("equal")
    ax.set_xlabel("positive-curvature direction")
    ax.set_ylabel("negative-curvature direction")
    ax.legend(fontsize="small", loc="lower right")
    if title:
        ax.set_title(title)
    return ax


def escape_times(ds, *, ax=None, lr: float | None = None, title: str | None = None):
    """Steps to leave the saddle against ``log10(1 / distance)``, one line per optimiser.

    Parameters
    ----------
    ds : xarray.Dataset
        The output of :func:`optim.saddles.escape_time`.
    lr : float, optional
        Learning rate of gradient descent: draws the slope ``log 10 / log(1 + lr |lambda_min|)``
        of the linearised escape law through the first gradient-descent point.
    """
    check_dataset("ds", ds, ["steps", "distance"], dims=("optimizer",))
    if lr is not None:
        lr = check_positive_float("lr", lr)
    check_axes("ax", ax)
    check_text("title", title)
    ax = _axes(ax)
    decades = np.log10(1.0 / ds.distance.values)
    for name, color in zip(ds.optimizer.values, _colors(ds.sizes["optimizer"]), strict=True):
        steps = ds.steps.sel(optimizer=name).values
        ok = np.isfinite(steps)
        ax.plot(decades[ok], steps[ok], "o-", color=color, label=str(name))
        if not ok.all():
            ax.plot(decades[~ok], np.full((~ok).sum(), ds.attrs["max_steps"]), "x",
                    color=color, ms=8, label=f"{name}: no escape")
    if lr is not None:
        slope = np.log(10) / np.log1p(lr * abs(ds.attrs["lambda_min"]))
        ax.plot(decades, slope * (decades - decades[0]) + ds.steps.values[0, 0], "k--", lw=1,
                label=r"$\log(1/\delta) / \log(1 + \eta|\lambda_{min}|)$")
    ax.set_xlabel(r"$\log_{10}(1/\delta)$, start distance from the saddle")
    ax.set_ylabel("steps to escape")
    ax.legend(fontsize="small")
    if title:
        ax.set_title(title)
    return ax


def error_index_plane(ds, *, ax=None, title: str | None = None):
    """Energy density against index fraction: critical points, trajectories and the theory.

    Parameters
    ----------
    ds : xarray.Dataset
        The output of :func:`optim.error_index` (one surface): ``energy``, ``index_fraction``
        and ``source`` over ``point``; ``theory_energy`` and ``theory_index_fraction``.
    """
    check_dataset("ds", ds, ["index_fraction", "energy", "source"])
    check_axes("ax", ax)
    check_text("title", title)
    ax = _axes(ax)
    sources = list(dict.fromkeys(ds.source.values.tolist()))
    for source, color in zip(sources, _colors(len(sources)), strict=True):
        sel = ds.source.values == source
        marker = "o" if source == "critical point" else "."
        ax.plot(ds.index_fraction.values[sel], ds.energy.values[sel], marker, color=color,
                ms=5 if marker == "o" else 4, alpha=0.7, label=f"{source} ({sel.sum()})")
    if "theory_index_fraction" in ds:
        # The law's description is a paragraph: the legend names its model, the first word.
        model = str(ds.attrs.get("theory", "theory")).split(":")[0]
        ax.plot(ds.theory_index_fraction, ds.theory_energy, "k-", lw=1.5,
                label=f"asymptotic law ({model})")
    ax.set_xlabel(r"index fraction $\alpha$")
    ax.set_ylabel(r"energy density $f / N$")
    ax.set_xlim(-0.02, 1.02)
    ax.legend(fontsize="small")
    if title:
        ax.set_title(title)
    return ax


def spectra_along_training(ds, *, ax=None, bins: int = 60, title: str | None = None):
    """Hessian eigenvalue histograms at the checkpoints of
    :func:`optim.spectra_along_training`, each with the semicircle of the same mean and variance
    (dashed): the exact eigenvalues where they were computed (``spectra="ends"`` leaves the
    other checkpoints out), else the SLQ densities."""
    import scipy.stats

    check_dataset("ds", ds, ["loss", "index_fraction", "mean", "std"], dims=("checkpoint",))
    if "eigenvalues" not in ds:
        check_dataset("ds", ds, ["nodes", "weights"], dims=("probe",))
    elif not np.all(np.isfinite(ds.eigenvalues.values), axis=1).any():
        raise ValueError("ds: no checkpoint has its eigenvalues (spectra='none')")
    bins = check_count("bins", bins, 1, bytes_each=16, what="the histogram's edges and counts")
    check_axes("ax", ax)
    check_text("title", title)
    ax = _axes(ax)
    exact = "eigenvalues" in ds
    if exact:
        shown = np.flatnonzero(np.all(np.isfinite(ds.eigenvalues.values), axis=1))
        lo, hi = np.percentile(ds.eigenvalues.values[shown], [0.5, 99.5])
    else:
        shown = np.arange(ds.sizes["checkpoint"])
        lo, hi = np.percentile(ds.nodes.values, [0.5, 99.5])
    edges = np.linspace(lo, hi, bins + 1)
    grid = np.linspace(lo, hi, 400)
    colors = _colors(ds.sizes["checkpoint"])
    for k in shown:
        color = colors[k]
        row = ds.isel(checkpoint=int(k))
        label = f"loss {float(row.loss):.3g} (alpha = {float(row.index_fraction):.3f})"
        if exact:
            ax.hist(row.eigenvalues.values, bins=edges, density=True, histtype="step",
                    color=color, label=label)
        else:
            ax.hist(row.nodes.values.ravel(), bins=edges, weights=row.weights.values.ravel()
                    / row.sizes["probe"] / np.diff(edges)[0], histtype="step", color=color,
                    label=label)
        sd = float(row["std"])
        if sd > 0:
            ax.plot(grid, scipy.stats.semicircular.pdf(grid, loc=float(row["mean"]),
                                                       scale=2 * sd), "--", color=color, lw=1)
    ax.axvline(0.0, color="k", lw=0.5)
    ax.set_yscale("log")
    ax.set_xlabel("Hessian eigenvalue")
    ax.set_ylabel("density")
    ax.legend(fontsize="small")
    if title:
        ax.set_title(title)
    return ax


def spacing_ratios(ratios, *, ax=None, title: str | None = None):
    """Histogram of spacing ratios (:func:`rmt.spacing_ratios`; a list of arrays is pooled)
    with their mean, beside the GOE surmise (Atas et al. 2013) and Poisson's density
    ``2 / (1 + r)^2`` of independent levels."""
    from rmt.local_statistics import SPACING_RATIO_MEANS, spacing_ratio_density

    if isinstance(ratios, np.ndarray):
        parts = [ratios]
    elif isinstance(ratios, (list, tuple)):
        parts = list(ratios)
    else:
        raise TypeError(f"ratios must be an array or a list of arrays; got "
                        f"{type(ratios).__name__}")
    r_all = np.concatenate([check_real_array("ratios", p, ndim_min=1).ravel() for p in parts])
    if r_all.size == 0:
        raise ValueError("ratios must hold at least one ratio")
    check_axes("ax", ax)
    check_text("title", title)
    ax = _axes(ax)
    r = np.linspace(0, 1, 201)
    ax.hist(r_all, bins=40, range=(0, 1), density=True, histtype="stepfilled", alpha=0.35,
            color="C0", label=f"measured: mean {r_all.mean():.4f}")
    ax.plot(r, spacing_ratio_density(r, 1), "k-",
            label=f"GOE surmise (large-N mean {SPACING_RATIO_MEANS['goe']})")
    ax.plot(r, 2 / (1 + r) ** 2, "k--",
            label=f"Poisson (mean {SPACING_RATIO_MEANS['poisson']:.4f})")
    ax.set_xlabel(r"spacing ratio $\tilde r$")
    ax.set_ylabel("density")
    ax.legend(fontsize="small")
    if title:
        ax.set_title(title, fontsize="medium")
    return ax


def network_error_index(ds, *, ax=None, title: str | None = None):
    """Training loss against index fraction of a network's certified critical points (from
    :func:`optim.network_error_index`), the end points of runs that were not certified, and
    the fitted semicircle trend."""
    check_dataset("ds", ds, ["kind", "index", "index_fraction", "loss", "trend_index_fraction",
                             "trend_loss"])
    check_axes("ax", ax)
    check_text("title", title)
    ax = _axes(ax)
    crit = ds.kind.values != "not-critical"
    ax.plot(ds.index_fraction.values[crit], ds.loss.values[crit], "o", color="C0",
            label=f"certified critical points ({crit.sum()})")
    ok = ~crit & np.isfinite(ds.loss.values) & (ds.index.values >= 0)
    if ok.any():
        ax.plot(ds.index_fraction.values[ok], ds.loss.values[ok], "x", color="0.6",
                label=f"end points not certified ({ok.sum()})")
    if np.isfinite(ds.trend_index_fraction.values).any():
        ax.plot(ds.trend_index_fraction, ds.trend_loss, "k-", lw=1.5,
                label="fitted semicircle trend")
    ax.set_xlabel(r"index fraction $\alpha$")
    ax.set_ylabel("training loss")
    ax.legend(fontsize="small")
    if title:
        ax.set_title(title)
    return ax


def training_curves(res, *, ax=None, x: str = "epoch", y: str = "error",
                    title: str | None = None):
    """Training ``y`` (``"error"`` or ``"loss"``) of :func:`optim.compare` against ``"epoch"``
    or ``"gradient_equivalents"``, one line per optimiser (log scale)."""
    x = check_choice("x", x, ("epoch", "gradient_equivalents"))
    y = check_choice("y", y, ("error", "loss"))
    check_dataset("res", res, ["learning_rate", "status", x, y], dims=("optimizer",))
    check_axes("ax", ax)
    check_text("title", title)
    ax = _axes(ax)
    for name, color in zip(res.optimizer.values, _colors(res.sizes["optimizer"]), strict=True):
        row = res.sel(optimizer=name)
        lr = float(row.learning_rate)
        status = str(row.status.values)
        label = f"{name} (lr {lr:.2g})" + ("" if status == "completed" else f", {status}")
        ax.plot(row[x].values, row[y].values, "-", color=color, label=label)
    ax.set_yscale("log")
    ax.set_xlabel("epochs" if x == "epoch" else "gradient equivalents")
    ax.set_ylabel("training error (task_error)" if y == "error" else "training loss")
    ax.legend(fontsize="small")
    if title:
        ax.set_title(title)
    return ax


def diagonal_cosines(res, *, optimizer: str | None = None, ax=None, title: str | None = None):
    """Cosine similarities of the RMSProp, Jacobi and equilibration diagonals along a run of
    :func:`optim.compare` recorded with ``diagonals=True``."""
    check_dataset("res", res, ["epoch", *_COSINES], dims=("optimizer",))
    names = [str(n) for n in res.optimizer.values]
    if optimizer is not None and check_text("optimizer", optimizer) not in names:
        raise ValueError(f"optimizer must be one of {names}; got {optimizer!r}")
    check_axes("ax", ax)
    check_text("title", title)
    ax = _axes(ax)
    row = res.sel(optimizer=optimizer if optimizer is not None else res.optimizer.values[0])
    for var, label in _COSINES.items():
        ax.plot(row.epoch.values, row[var].values, "o-", label=label)
    ax.set_xlabel("epochs")
    ax.set_ylabel("cosine similarity of the diagonals")
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize="small")
    if title:
        ax.set_title(title)
    return ax


_COSINES = {"cos_rmsprop_equilibration": "RMSProp vs equilibration",
            "cos_jacobi_equilibration": "Jacobi vs equilibration",
            "cos_rmsprop_jacobi": "RMSProp vs Jacobi"}


def _colors(n: int) -> list[str]:
    return [f"C{i % 10}" for i in range(n)]
