"""Figures of ``notebooks/02_random_fields.ipynb`` for ``rmt reproduce``.

``rmt`` cannot import ``fields`` (the dependency runs the other way), so these functions are
registered under the entry-point group ``rmt.figures`` in ``pyproject.toml`` and discovered
by :func:`rmt.workflow.reproduce`. Each takes ``(out, quick, rng)``, writes PNG files into
``out`` and returns rows of the claims table (:class:`rmt.workflow.Claim`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rmt.workflow.reproduction import Claim, save_figure

from . import bray_dean, spin_glass
from .grid import critical_points, grid_field, plot_critical_points
from .kernels import Matern, SquaredExponential
from .local_law import sample_hessian_given_value

__all__ = ["bray_dean_curves", "hessian_spectra", "random_field_2d", "spin_glass_layers"]

_KERNELS = {
    "squared-exponential": SquaredExponential(),
    "Matérn 7/2": Matern(nu=3.5),
    "Matérn 5/2": Matern(nu=2.5),
}


def random_field_2d(out: Path, quick: bool, rng: np.random.Generator) -> list[Claim]:
    """A 2-D Matérn(5/2) field and its many local minima (the Brady–Raghavan picture).

    Claim: the density of local minima of a 2-D squared-exponential field on a fine grid
    against the Kac–Rice value c2 / (sqrt 3 pi |c1|) = 1 / (2 sqrt 3 pi l^2) per unit area
    (Poisson standard error on the count).
    """
    import matplotlib.pyplot as plt

    n = 256 if quick else 512
    fig, ax = plt.subplots(figsize=(6, 5.5))
    field = grid_field((n, n), Matern(nu=2.5, lengthscale=8.0), rng=rng)
    plot_critical_points(field, ax=ax, title=f"Matérn(5/2) field, {n} x {n}, lengthscale 8")
    save_figure(fig, out, "random_field_2d.png")
    ell = 8.0
    se = grid_field((n, n), SquaredExponential(lengthscale=ell), rng=rng)
    count = critical_points(se).n_minima
    area = (n - 2) ** 2
    theory = 1.0 / (2 * np.sqrt(3) * np.pi * ell**2)
    return [Claim("2-D squared-exponential field: local minima per unit area (Kac–Rice)",
                  theory, count / area, np.sqrt(count) / area)]


def bray_dean_curves(out: Path, quick: bool, rng: np.random.Generator) -> list[Claim]:
    """Index fraction of critical points against energy density: tilted, naive, finite N."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 5))
    e = np.linspace(-3.2, 3.2, 321)
    for (name, kernel), color in zip(_KERNELS.items(), ("k", "C0", "C1"), strict=True):
        ax.plot(e, bray_dean.asymptotic_index_fraction(kernel, e), color=color,
                label=f"{name} (Bray–Dean)")
        if name != "squared-exponential":
            ax.plot(e, bray_dean.naive_index_fraction(kernel, e), color=color, ls=":",
                    label=f"{name}, naive shifted semicircle")
    dim = 60
    kernel = _KERNELS["Matérn 7/2"]
    energies = np.linspace(-2.4, 2.4, 9)
    kr = bray_dean.kac_rice_index(kernel, dim, energies, n_samples=1000 if quick else 4000,
                                  rng=rng)
    ax.errorbar(energies, kr.value, yerr=kr.stderr, fmt="o", color="C0",
                label=f"Matérn 7/2, finite-N Kac–Rice, N = {dim}")
    ax.set_xlabel("energy density e = f / N")
    ax.set_ylabel("index fraction alpha")
    ax.legend(fontsize="small")
    ax.set_title("High-error critical points are saddles")
    save_figure(fig, out, "bray_dean.png")
    at = np.array([-1.5])
    kr = bray_dean.kac_rice_index(kernel, dim, at, n_samples=2000 if quick else 8000, rng=rng)
    tilted = float(bray_dean.asymptotic_index_fraction(kernel, at[0]))
    # The finite-N value approaches the asymptote like 1/N (about 0.005 at N = 60 near the edge).
    return [Claim("Matérn 7/2, e = -1.5: finite-N Kac–Rice (N = 60) vs tilted Bray–Dean",
                  tilted, float(kr.value[0]), float(kr.stderr[0]), 1.0 / dim),
            Claim("Matérn 7/2, e = -1.5: the naive shifted semicircle overestimates alpha",
                  float(kr.value[0]), float(bray_dean.naive_index_fraction(kernel, at[0])),
                  float(kr.stderr[0]), 0.0, "greater")]


def hessian_spectra(out: Path, quick: bool, rng: np.random.Generator) -> list[Claim]:
    """Hessian spectra at energy density e in N = 100 dimensions (exact local law).

    At a point of level e the Hessian spectrum is a semicircle of radius R around
    mu(e) = 2 c1 e / c0 (plus a common O(N^(-1/2)) shift); at a *critical point* of that level
    the Kac–Rice weight |det H| moves it to the tilted shift T(e) of ``fields.bray_dean``,
    which sets the index fraction alpha(e). Claim: the spectrum at level e is centred at
    mu(e) (mean eigenvalue, standard error from the replicates).
    """
    import matplotlib.pyplot as plt

    kernel, dim = Matern(nu=2.5), 100
    size = 100 if quick else 400
    radius = bray_dean.semicircle_radius(kernel)
    fig, axes = plt.subplots(1, 3, figsize=(14, 4), sharey=True)
    claims = []
    for ax, e in zip(axes, (-1.8, 0.0, 1.2), strict=True):
        lam = np.linalg.eigvalsh(sample_hessian_given_value(kernel, dim, value=e * dim,
                                                            size=size, rng=rng))
        ax.hist(lam.ravel(), bins=60, density=True, alpha=0.6, label=f"H at level e, N = {dim}")
        mu = 2 * kernel.c1 * e / kernel.c0
        for centre, style, label in ((mu, "k-", "semicircle at mu(e)"),
                                     (float(bray_dean.tilted_shift(kernel, e)), "r--",
                                      "at critical points: T(e)")):
            x = np.linspace(centre - radius, centre + radius, 300)
            ax.plot(x, 2 / (np.pi * radius**2)
                    * np.sqrt(np.clip(radius**2 - (x - centre) ** 2, 0, None)), style,
                    label=label)
        ax.axvline(0, color="grey", lw=0.8)
        alpha = float(bray_dean.asymptotic_index_fraction(kernel, e))
        ax.set_title(f"Matérn 5/2, e = {e:+.1f}; critical points: alpha = {alpha:.2f}")
        ax.set_xlabel("Hessian eigenvalue")
        ax.legend(fontsize="x-small")
        means = lam.mean(axis=1)
        claims.append(Claim(f"Matérn 5/2 Hessian at level e = {e:+.1f}: mean eigenvalue mu(e)",
                            mu, means.mean(), means.std(ddof=1) / np.sqrt(size)))
    save_figure(fig, out, "hessian_spectra.png")
    return claims


def spin_glass_layers(out: Path, quick: bool, rng: np.random.Generator) -> list[Claim]:
    """Complexity of index-k critical points of the spherical 3-spin glass (ABC 2013)."""
    import matplotlib.pyplot as plt

    p = 3
    th = spin_glass.thresholds(p)
    layers = spin_glass.layer_energies(p, 3)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    u = np.linspace(-1.68, -1.55, 300)
    for k in range(4):
        axes[0].plot(u, spin_glass.complexity(p, u, k), label=f"index k = {k}")
    axes[0].axhline(0, color="k", lw=0.8)
    axes[0].axvline(-th.e_inf, color="r", ls=":", label="-E_inf")
    axes[0].set_xlabel("energy u = H / N")
    axes[0].set_ylabel("complexity Theta_k(u)")
    axes[0].legend(fontsize="small")
    axes[0].set_title("Layers: index-k critical points lie above -E_k")
    v = np.linspace(-2, 2, 200)
    axes[1].plot(v, spin_glass.asymptotic_index_fraction(p, v))
    axes[1].set_xlabel("energy u = H / N")
    axes[1].set_ylabel("index fraction")
    save_figure(fig, out, "spin_glass.png")
    return [Claim("3-spin glass ground-state threshold E_0 (ABC 2013; docs/theory.md 1.65700)",
                  1.65700, float(layers[0]), 0.0, 5e-6),
            Claim("3-spin glass E_inf = 2 sqrt((p - 1)/p)", 2 * np.sqrt(2 / 3), th.e_inf, 0.0,
                  1e-12)]
