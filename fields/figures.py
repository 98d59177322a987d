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
        Source of the fields (the drawn one, then the 16 counted for the claim).

    Returns
    -------
    figure : matplotlib.figure.Figure
    claims : list of Claim
        The mean density of local minima of 16 squared-exponential fields (lengthscale
        l = 8) on grids of the same size against the Kac–Rice value ``1 / (2 sqrt 3 pi l^2)``
        per unit area: standard error from the 16 counts (minima repel: the count's variance
        is about a third of a Poisson count's), allowance ``(h / l)^2`` of the value for the
        grid spacing ``h = 1`` (:func:`_minima_density_claim`).
    """
    gen = as_generator(rng)
    n = 256 if quick else 512
    fig, ax = plt.subplots(figsize=(6, 5.5), layout="tight")
    field = grid_field((n, n), Matern(nu=2.5, lengthscale=8.0), rng=gen)
    plot_critical_points(field, ax=ax, title=f"Matérn(5/2) field, {n} x {n}, lengthscale 8")
    ell = 8.0
    counts = [critical_points(grid_field((n, n), SquaredExponential(lengthscale=ell),
                                         rng=gen)).n_minima for _ in range(16)]
    return fig, [_minima_density_claim(counts, (n - 2) ** 2, ell)]


def _minima_density_claim(counts, area: int, ell: float) -> Claim:
    """The mean number of local minima per unit area over fields of ``area`` interior grid
    nodes against Kac–Rice's ``1 / (2 sqrt 3 pi ell^2)`` (docs/theory.md, section 7.5).

    Standard error ``sd(counts) / (sqrt(m) area)`` from the ``m`` fields; allowance
    ``(h / ell)^2`` of the value, the order of the lattice's error in detecting minima at
    spacing ``h = 1`` (measured +0.8 +- 0.4 % at ``ell = 8`` over 64 fields of 512 x 512).
    """
    counts = np.asarray(counts, dtype=float)
    theory = 1.0 / (2 * np.sqrt(3) * np.pi * ell**2)
    return Claim("2-D squared-exponential field: local minima per unit area (Kac–Rice)",
                 theory, float(counts.mean() / area),
                 float(counts.std(ddof=1) / np.sqrt(counts.size) / area), theory / ell**2,
                 basis=f"(h/l)^2 = 1/{ell**2:g} of the value: the grid's discretisation")


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
        error from the replicates, which carry the common shift;
        :func:`_hessian_mean_claim`).
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
        claims.append(_hessian_mean_claim(lam, e, mu))
    return fig, claims


def _hessian_mean_claim(eigenvalues, e: float, mu: float) -> Claim:
    """The mean eigenvalue of Hessians sampled at level ``e`` (``eigenvalues`` of shape
    ``(replicates, N)``) against the centre ``mu(e) = 2 c1 e / c0`` of the local law, standard
    error from the replicates' means (each carries the common shift of variance B / N)."""
    means = np.asarray(eigenvalues).mean(axis=1)
    return Claim(f"Matérn 5/2 Hessian at level e = {e:+.1f}: mean eigenvalue mu(e)", mu,
                 float(means.mean()), float(means.std(ddof=1) / np.sqrt(means.size)))


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
        approaches the asymptote like 1/N, docs/theory.md, section 7.6), and the naive
        shifted semicircle above the finite-N value by more than 4 standard errors (it
        overestimates alpha); :func:`_bray_dean_claims`.
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
    return fig, _bray_dean_claims(float(kr.value[0]), float(kr.stderr[0]), dim,
                                  float(_bray_dean.asymptotic_index_fraction(kernel, at[0])),
                                  float(_bray_dean.naive_index_fraction(kernel, at[0])))


def _bray_dean_claims(finite_n: float, stderr: float, dim: int, tilted: float,
                      naive: float) -> list[Claim]:
    """The finite-N Kac–Rice index fraction (``finite_n +- stderr`` at ``dim``) of Matérn 7/2
    at e = -1.5 against the tilted Bray–Dean value (allowance ``1 / dim``), and the naive
    shifted semicircle above it by more than 4 standard errors."""
    return [
        Claim(f"Matérn 7/2, e = -1.5: finite-N Kac–Rice (N = {dim}) vs tilted Bray–Dean",
              tilted, finite_n, stderr, 1.0 / dim,
              basis="1/N: the finite-N value approaches the asymptote like 1/N (docs/theory.md,"
                    " section 7.6)"),
        Claim("Matérn 7/2, e = -1.5: the naive shifted semicircle overestimates alpha",
              finite_n, naive, stderr, relation="greater"),
    ]


@figure(2, 4)
def spin_glass(*, quick: bool = False, rng=None) -> tuple[Figure, list[Claim]]:
    """Complexity of index-k critical points of the spherical 3-spin glass (Auffinger, Ben
    Arous & Černý 2013).

    Left: the complexity ``Theta_k(u)`` of critical points of index k = 0 ... 3 against the
    energy ``u = H / N`` near the ground state, with ``-E_inf``: index-k critical points lie
    above ``-E_k``. Right: the asymptotic index fraction against u
    (:func:`fields.spin_glass.asymptotic_index_fraction`). The curves are deterministic;
    the claim on ``E_inf`` is measured on 20 sampled glasses.

    Parameters
    ----------
    quick : bool
        Glasses of N = 60 spins instead of 100 for the ``E_inf`` claim.
    rng : None, int, SeedSequence or Generator
        Source of the glasses and of the points where their Hessians are taken.

    Returns
    -------
    figure : matplotlib.figure.Figure
        Two panels.
    claims : list of Claim
        The ground-state threshold ``E_0``, the root of ``Theta_0(-E) = 0``
        (:func:`fields.spin_glass.layer_energies`), against the published 1.657 (Auffinger,
        Ben Arous & Černý 2013, Section 2; docs/theory.md, section 7.8), within half a unit
        of its last digit (:func:`_ground_state_claim`); and ``E_inf`` of
        :func:`fields.spin_glass.thresholds`, where the Hessian's semicircle at a critical
        point reaches 0, against ``2 / p`` times the radius of the tangent block of the
        Euclidean Hessian of :class:`fields.SphericalSpinGlass` measured from its second
        moment (:func:`_threshold_claim`).
    """
    p = 3
    gen = as_generator(rng)
    dim = 60 if quick else 100
    blocks = [_tangent_block(_spin_glass.SphericalSpinGlass(dim, p=p, rng=gen), gen)
              for _ in range(20)]
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
    return fig, [_ground_state_claim(float(layers[0])), _threshold_claim(p, th.e_inf, blocks)]


def _ground_state_claim(e_0: float) -> Claim:
    """``E_0`` of the 3-spin glass against the published 1.657, within 5e-4 (its rounding)."""
    return Claim("3-spin glass ground-state threshold E_0, root of Theta_0(-E) = 0, against "
                 "Auffinger, Ben Arous & Černý (2013)", 1.657, e_0, 0.0, 5e-4,
                 basis="the published value's rounding: 1.657 (ABC 2013, Section 2)")


def _tangent_block(glass, gen: np.random.Generator) -> np.ndarray:
    """The tangent block ``B^T grad^2 H B`` of the Euclidean Hessian of a pure ``glass`` at a
    random point: its Riemannian Hessian plus ``p u I`` (``u = H / N``; Euler's identity)."""
    x = gen.standard_normal(glass.dim)
    u = glass.value(x) / glass.dim
    return glass.hess(x) + glass.p * u * np.eye(glass.dim - 1)


def _threshold_claim(p: int, e_inf: float, blocks) -> Claim:
    """``E_inf`` against ``2 sqrt(m2) / p`` measured from tangent Hessian blocks.

    The block is ``sqrt(p (p - 1))`` times an ``(N-1) x (N-1)`` GOE of entry variances
    ``(1 + delta_ij) / N``, independent of ``H`` and its gradient
    (:class:`fields.SphericalSpinGlass`, Notes), so ``m2 = tr(block^2) / (N - 1)`` has mean
    ``p (p - 1)`` exactly at every N and the semicircle's radius is ``2 sqrt(m2)``; at a
    critical point of energy ``u`` the Hessian is the block minus ``p u``, whose spectrum
    reaches 0 at ``u = -2 sqrt(m2) / p``. Standard error by the delta method from the spread
    of ``m2`` over the blocks.
    """
    m2 = np.array([np.sum(b * b) / b.shape[0] for b in blocks])
    measured = 2 * np.sqrt(m2.mean()) / p
    stderr = measured * m2.std(ddof=1) / (2 * np.sqrt(m2.size) * m2.mean())
    return Claim(f"{p}-spin glass E_inf = 2 sqrt((p - 1)/p), where the Hessian at critical "
                 f"points reaches 0: 2 sqrt(m2)/p of {m2.size} glasses, N = "
                 f"{blocks[0].shape[0] + 1}", float(e_inf), float(measured), float(stderr))
