"""The figures of ``notebooks/02_random_fields.ipynb``, each with its rows of the claims table.

Every function has the signature ``name(*, quick=False, rng=None) -> (figure, claims)``
(:mod:`rmt.workflow.reproduction`): an unsaved :class:`matplotlib.figure.Figure` and a list of
:class:`rmt.workflow.Claim`. ``rmt`` cannot import ``fields`` (the dependency runs the other
way), so they are registered under the entry-point group ``rmt.figures`` in
``pyproject.toml``, where ``rmt reproduce`` finds them; the notebook calls them directly.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from rmt.random import as_generator
from rmt.workflow.reproduction import Claim, figure

from . import bray_dean as _bray_dean
from . import spin_glass as _spin_glass
from .grid import critical_points, grid_field, plot_critical_points
from .kernels import Matern, SquaredExponential
from .local_law import sample_hessian_given_value

__all__ = ["bray_dean", "field_hessian_spectra", "random_field_2d", "spin_glass"]

_KERNELS = {
    "squared-exponential": SquaredExponential(),
    "Matérn 7/2": Matern(nu=3.5),
    "Matérn 5/2": Matern(nu=2.5),
}


@figure(2, 1)
def random_field_2d(*, quick: bool = False, rng=None) -> tuple[Figure, list[Claim]]:
    """A 2-D Matérn(5/2) field and its many local minima (the Brady–Raghavan picture).

    A 512 x 512 grid (quick: 256 x 256), lengthscale 8, sampled exactly by circulant
    embedding (:func:`fields.grid_field`), with its minima, saddles and maxima
    (:func:`fields.critical_points`).

    Parameters
    ----------
    quick : bool
        Reduced grid.
    rng : None, int, SeedSequence or Generator
        Source of the two fields (the drawn one, then the one counted for the claim).

    Returns
    -------
    figure : matplotlib.figure.Figure
    claims : list of Claim
        The density of local minima of a squared-exponential field (lengthscale l = 8) on a
        grid of the same size against the Kac–Rice value ``1 / (2 sqrt 3 pi l^2)`` per unit
        area, with the Poisson standard error of the count.
    """
    gen = as_generator(rng)
    n = 256 if quick else 512
    fig, ax = plt.subplots(figsize=(6, 5.5), layout="tight")
    field = grid_field((n, n), Matern(nu=2.5, lengthscale=8.0), rng=gen)
    plot_critical_points(field, ax=ax, title=f"Matérn(5/2) field, {n} x {n}, lengthscale 8")
    ell = 8.0
    se = grid_field((n, n), SquaredExponential(lengthscale=ell), rng=gen)
    count = critical_points(se).n_minima
    area = (n - 2) ** 2
    theory = 1.0 / (2 * np.sqrt(3) * np.pi * ell**2)
    return fig, [Claim("2-D squared-exponential field: local minima per unit area (Kac–Rice)",
                       theory, count / area, np.sqrt(count) / area)]


@figure(2, 2)
def field_hessian_spectra(*, quick: bool = False, rng=None) -> tuple[Figure, list[Claim]]:
    """Hessian spectra of a Matérn(5/2) field in N = 100 dimensions at three energy levels.

    At a point of level ``e = f / N`` the Hessian is drawn from its exact local law
    (:func:`fields.sample_hessian_given_value`; 400 matrices per level, quick: 100): a
    semicircle of radius R around ``mu(e) = 2 c1 e / c0`` (plus a common ``O(N^(-1/2))``
    shift). At a *critical point* of that level the Kac–Rice weight ``|det H|`` moves it to
    the tilted shift ``T(e)`` of :mod:`fields.bray_dean`, which sets the index fraction
    ``alpha(e)`` in each panel's title.

    Parameters
    ----------
    quick : bool
        Fewer matrices.
    rng : None, int, SeedSequence or Generator
        Source of the Hessians.

    Returns
    -------
    figure : matplotlib.figure.Figure
        Three panels, e = -1.8, 0, 1.2.
    claims : list of Claim
        Per level, the mean eigenvalue of the sampled Hessians against ``mu(e)`` (standard
        error from the replicates).
    """
    gen = as_generator(rng)
    kernel, dim = Matern(nu=2.5), 100
    size = 100 if quick else 400
    radius = _bray_dean.semicircle_radius(kernel)
    fig, axes = plt.subplots(1, 3, figsize=(14, 4), sharey=True, layout="tight")
    claims = []
    for ax, e in zip(axes, (-1.8, 0.0, 1.2), strict=True):
        lam = np.linalg.eigvalsh(sample_hessian_given_value(kernel, dim, value=e * dim,
                                                            size=size, rng=gen))
        ax.hist(lam.ravel(), bins=60, density=True, alpha=0.6, label=f"H at level e, N = {dim}")
        mu = 2 * kernel.c1 * e / kernel.c0
        for centre, style, label in ((mu, "k-", "semicircle at mu(e)"),
                                     (float(_bray_dean.tilted_shift(kernel, e)), "r--",
                                      "at critical points: T(e)")):
            x = np.linspace(centre - radius, centre + radius, 300)
            ax.plot(x, 2 / (np.pi * radius**2)
                    * np.sqrt(np.clip(radius**2 - (x - centre) ** 2, 0, None)), style,
                    label=label)
        ax.axvline(0, color="grey", lw=0.8)
        alpha = float(_bray_dean.asymptotic_index_fraction(kernel, e))
        ax.set_title(f"Matérn 5/2, e = {e:+.1f}; critical points: alpha = {alpha:.2f}")
        ax.set_xlabel("Hessian eigenvalue")
        ax.legend(fontsize="x-small")
        means = lam.mean(axis=1)
        claims.append(Claim(f"Matérn 5/2 Hessian at level e = {e:+.1f}: mean eigenvalue mu(e)",
                            mu, means.mean(), means.std(ddof=1) / np.sqrt(size)))
    return fig, claims


@figure(2, 3)
def bray_dean(*, quick: bool = False, rng=None) -> tuple[Figure, list[Claim]]:
    """Index fraction of critical points against energy density: tilted, naive, finite N.

    The Bray–Dean curves ``alpha(e)`` (:func:`fields.bray_dean.asymptotic_index_fraction`) of
    the squared-exponential, Matérn 7/2 and Matérn 5/2 kernels, the naive shifted semicircle
    of the two Matérn kernels (dotted; it coincides with the tilted curve only for the
    squared-exponential), and the finite-N Kac–Rice prediction
    (:func:`fields.bray_dean.kac_rice_index`, N = 60, 4000 samples per energy; quick: 1000).

    Parameters
    ----------
    quick : bool
        Fewer Monte Carlo samples.
    rng : None, int, SeedSequence or Generator
        Source of the Kac–Rice samples (the drawn points, then the claim's point).

    Returns
    -------
    figure : matplotlib.figure.Figure
    claims : list of Claim
        At e = -1.5 for Matérn 7/2 (8000 samples; quick: 2000): the finite-N Kac–Rice value
        against the tilted Bray–Dean value (allowance ``1 / N``: the finite-N value
        approaches the asymptote like 1/N), and the naive shifted semicircle above the
        finite-N value (it overestimates alpha).
    """
    gen = as_generator(rng)
    fig, ax = plt.subplots(figsize=(7, 5), layout="tight")
    e = np.linspace(-3.2, 3.2, 321)
    for (name, kernel), color in zip(_KERNELS.items(), ("k", "C0", "C1"), strict=True):
        ax.plot(e, _bray_dean.asymptotic_index_fraction(kernel, e), color=color,
                label=f"{name} (Bray–Dean)")
        if name != "squared-exponential":
            ax.plot(e, _bray_dean.naive_index_fraction(kernel, e), color=color, ls=":",
                    label=f"{name}, naive shifted semicircle")
    dim = 60
    kernel = _KERNELS["Matérn 7/2"]
    energies = np.linspace(-2.4, 2.4, 9)
    kr = _bray_dean.kac_rice_index(kernel, dim, energies, n_samples=1000 if quick else 4000,
                                   rng=gen)
    ax.errorbar(energies, kr.value, yerr=kr.stderr, fmt="o", color="C0",
                label=f"Matérn 7/2, finite-N Kac–Rice, N = {dim}")
    ax.set_xlabel("energy density e = f / N")
    ax.set_ylabel("index fraction alpha")
    ax.legend(fontsize="small")
    ax.set_title("High-error critical points are saddles")
    at = np.array([-1.5])
    kr = _bray_dean.kac_rice_index(kernel, dim, at, n_samples=2000 if quick else 8000, rng=gen)
    tilted = float(_bray_dean.asymptotic_index_fraction(kernel, at[0]))
    return fig, [
        Claim("Matérn 7/2, e = -1.5: finite-N Kac–Rice (N = 60) vs tilted Bray–Dean",
              tilted, float(kr.value[0]), float(kr.stderr[0]), 1.0 / dim),
        Claim("Matérn 7/2, e = -1.5: the naive shifted semicircle overestimates alpha",
              float(kr.value[0]), float(_bray_dean.naive_index_fraction(kernel, at[0])),
              float(kr.stderr[0]), 0.0, "greater"),
    ]


@figure(2, 4)
def spin_glass(*, quick: bool = False, rng=None) -> tuple[Figure, list[Claim]]:
    """Complexity of index-k critical points of the spherical 3-spin glass (Auffinger, Ben
    Arous & Černý 2013).

    Left: the complexity ``Theta_k(u)`` of critical points of index k = 0 ... 3 against the
    energy ``u = H / N`` near the ground state, with ``-E_inf``: index-k critical points lie
    above ``-E_k``. Right: the asymptotic index fraction against u
    (:func:`fields.spin_glass.asymptotic_index_fraction`). Deterministic: ``quick`` and
    ``rng`` are accepted for the common signature.

    Parameters
    ----------
    quick : bool
        Unused.
    rng : None, int, SeedSequence or Generator
        Unused.

    Returns
    -------
    figure : matplotlib.figure.Figure
        Two panels.
    claims : list of Claim
        The ground-state threshold ``E_0`` of :func:`fields.spin_glass.layer_energies`
        against 1.65700 (Auffinger, Ben Arous & Černý 2013; ``docs/theory.md``), and
        ``E_inf`` of :func:`fields.spin_glass.thresholds` against ``2 sqrt((p - 1) / p)``.
    """
    p = 3
    th = _spin_glass.thresholds(p)
    layers = _spin_glass.layer_energies(p, 3)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), layout="tight")
    u = np.linspace(-1.68, -1.55, 300)
    for k in range(4):
        axes[0].plot(u, _spin_glass.complexity(p, u, k), label=f"index k = {k}")
    axes[0].axhline(0, color="k", lw=0.8)
    axes[0].axvline(-th.e_inf, color="r", ls=":", label="-E_inf")
    axes[0].set_xlabel("energy u = H / N")
    axes[0].set_ylabel("complexity Theta_k(u)")
    axes[0].legend(fontsize="small")
    axes[0].set_title("Layers: index-k critical points lie above -E_k")
    v = np.linspace(-2, 2, 200)
    axes[1].plot(v, _spin_glass.asymptotic_index_fraction(p, v))
    axes[1].set_xlabel("energy u = H / N")
    axes[1].set_ylabel("index fraction")
    return fig, [
        Claim("3-spin glass ground-state threshold E_0 (Auffinger, Ben Arous & Černý 2013)",
              1.65700, float(layers[0]), 0.0, 5e-6),
        Claim("3-spin glass E_inf = 2 sqrt((p - 1)/p)", 2 * np.sqrt(2 / 3), th.e_inf, 0.0,
              1e-12),
    ]
