"""The figures of ``notebooks/01_semicircle.ipynb``, each with its rows of the claims table.

Every function has the signature ``name(*, quick=False, rng=None) -> (figure, claims)``
(:mod:`rmt.workflow.reproduction`): it returns an unsaved :class:`matplotlib.figure.Figure`
and a list of :class:`rmt.workflow.Claim`. The notebook calls them, and ``rmt reproduce``
finds them through the entry-point group ``rmt.figures`` and saves ``<name>.png``.
``import rmt`` does not import this module.

Examples
--------
>>> import rmt.figures
>>> from rmt.workflow import figure_rng
>>> fig, claims = rmt.figures.gaussian_shell(quick=True, rng=figure_rng("gaussian_shell"))
>>> [c.agrees for c in claims]
[True]
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import scipy.stats
from matplotlib.figure import Figure

from . import plot
from .counting import count_below
from .ensembles import goe, gue, wigner, wishart
from .index_theory import index_variance as index_variance_law
from .index_theory import log_prob_all_positive
from .laws import marchenko_pastur
from .laws import semicircle as semicircle_law
from .preconditioning import preconditioning_experiment
from .random import as_generator, as_seed_sequence, child_generator
from .samplers import sample_index, sample_largest
from .tracy_widom import edge_law
from .tridiagonal import hermite_tridiagonal
from .workflow.reproduction import Claim, cached_on_seed, figure

__all__ = ["gaussian_shell", "index_distribution", "index_variance", "preconditioning",
           "semicircle", "tracy_widom", "tridiagonal_histogram"]


@dataclass(frozen=True)
class _Sizes:
    spectrum_n: int
    tridiagonal_n: int
    index_ns: tuple[int, ...]
    index_reps: tuple[int, ...]
    tw_n: int
    tw_reps: int
    pd_reps: int
    precond_n: int
    precond_matrices: int


_FULL = _Sizes(2000, 10**7, (10**2, 10**3, 10**4, 10**5, 10**6),
               (40000, 20000, 10000, 4000, 1000), 10**6, 10000, 400_000, 100, 200)
_QUICK = _Sizes(600, 10**6, (10**2, 10**3, 10**4), (10000, 4000, 1000), 10**5, 2000, 100_000,
                40, 60)


def _sizes(quick: bool) -> _Sizes:
    return _QUICK if quick else _FULL


#: Source of :func:`_spectrum_tolerance`, as the claims table states it.
_RIGIDITY = ("sqrt(2/beta) ln N/(pi N) + 2/N: the largest deviation of a rigid eigenvalue "
             "count (Claeys, Fahs, Lambert & Webb 2021)")


def _spectrum_tolerance(n: int, beta: float) -> float:
    """The largest distance of the empirical CDF of a rigid spectrum of ``n`` eigenvalues from
    its limit law that a correct spectrum reaches: ``sqrt(2/beta) ln n / (pi n) + 2 / n``.

    The count of eigenvalues below ``x`` fluctuates around ``n F(x)`` with variance
    ``ln n / (beta pi^2)`` (Gustavsson 2005; O'Rourke 2010 for beta = 1), a log-correlated
    field whose maximum over the bulk is ``ln n / pi`` to leading order for beta = 2 (Claeys,
    Fahs, Lambert & Webb 2021, Duke Math. J. 170, 2085); the maximum scales with the standard
    deviation, hence ``sqrt(2/beta) ln n / pi`` for beta = 1.
    ``2 / n`` covers the ``1/n`` steps of the empirical CDF and the O(1) spread of the
    maximum. Measured on 100 tridiagonal GOE and GUE spectra each at n = 600 and 2000 (20 at
    10^4): the largest KS distance was 0.91 of this tolerance, and a radius 1 % wrong gave at
    least 1.4 of it from n = 2000 on (0.6 at n = 600, where 1 % cannot be resolved).
    """
    return math.sqrt(2 / beta) / math.pi * math.log(n) / n + 2 / n


def _spectrum_claim(name: str, eigenvalues, law, beta: float) -> Claim:
    """The KS distance of a spectrum to its limit law, against 0 within
    :func:`_spectrum_tolerance` (not the i.i.d. ``n^(-1/2)``: eigenvalues are rigid)."""
    n = np.size(eigenvalues)
    stat = scipy.stats.kstest(np.ravel(eigenvalues), law.cdf).statistic
    return Claim(f"{name}, N = {n}: KS distance of the spectrum to the limit law", 0.0,
                 float(stat), 0.0, _spectrum_tolerance(n, beta), basis=_RIGIDITY)


def _counted_cdf_claim(n: int, edges, counts_below) -> Claim:
    """The counts of eigenvalues below ``edges`` (a tridiagonal GOE of size ``n``) against
    the semicircle's CDF: largest difference within :func:`_spectrum_tolerance` (a maximum
    over a few points is at most the KS distance)."""
    diff = np.max(np.abs(np.asarray(counts_below) / n - semicircle_law.cdf(edges)))
    return Claim(f"tridiagonal GOE, N = {n:.0e}: largest |Sturm-count CDF - semicircle CDF| "
                 f"at {np.size(edges)} points", 0.0, float(diff), 0.0,
                 _spectrum_tolerance(n, 1), basis=_RIGIDITY)


@figure(1, 1)
def semicircle(*, quick: bool = False, rng=None) -> tuple[Figure, list[Claim]]:
    """Spectra of GOE, GUE, Rademacher Wigner and Wishart matrices against their limit laws.

    One matrix of each, N = 2000 (quick: 600): the histograms of the eigenvalues with the
    semicircle ``rmt.semicircle`` (universality: the Rademacher matrix has the law of the
    Gaussian ones) and, for the Wishart matrix ``X X^T / M`` with ``q = N / M = 1/2``, the
    Marchenko–Pastur law.

    Parameters
    ----------
    quick : bool
        Reduced size.
    rng : None, int, SeedSequence or Generator
        Source of the four matrices.

    Returns
    -------
    figure : matplotlib.figure.Figure
        Four panels.
    claims : list of Claim
        Per panel, the Kolmogorov–Smirnov distance of the spectrum to its limit law, against
        0 with the allowance ``sqrt(2/beta) ln N / (pi N) + 2/N`` (eigenvalues are rigid: the
        largest deviation of their count, not the i.i.d. ``N^(-1/2)``;
        :func:`_spectrum_tolerance`). At N = 2000 a radius 1 % wrong fails; at the quick
        N = 600 errors from about 2 % fail (the tridiagonal figure resolves far less).
    """
    gen = as_generator(rng)
    n = _sizes(quick).spectrum_n
    fig, axes = plt.subplots(2, 2, figsize=(10, 8), layout="tight")
    panels = [
        ("GOE", np.linalg.eigvalsh(goe(n, rng=gen)), semicircle_law, 1),
        ("GUE", np.linalg.eigvalsh(gue(n, rng=gen)), semicircle_law, 2),
        ("Rademacher", np.linalg.eigvalsh(wigner(n, entries="rademacher", rng=gen)),
         semicircle_law, 1),
        ("Wishart q = 1/2", np.linalg.eigvalsh(wishart(n, 2 * n, rng=gen)),
         marchenko_pastur(q=0.5), 1),
    ]
    claims = []
    for ax, (name, ev, law, beta) in zip(axes.flat, panels, strict=True):
        plot.spectrum(ev, law, ax=ax, title=f"{name}, N = {n}")
        claims.append(_spectrum_claim(name, ev, law, beta))
    return fig, claims


@figure(1, 2)
def tridiagonal_histogram(*, quick: bool = False, rng=None) -> tuple[Figure, list[Claim]]:
    """The semicircle of one GOE-distributed tridiagonal matrix of size N = 10^7 (quick: 10^6).

    The Dumitriu–Edelman model (:func:`rmt.hermite_tridiagonal`, beta = 1) has the spectrum of
    a GOE matrix in O(N) memory; its histogram on 44 bins comes from Sturm counts at the 45
    bin edges (:func:`rmt.count_below`) without computing a single eigenvalue.

    Parameters
    ----------
    quick : bool
        Reduced size.
    rng : None, int, SeedSequence or Generator
        Source of the matrix.

    Returns
    -------
    figure : matplotlib.figure.Figure
    claims : list of Claim
        The counted fraction of eigenvalues below each edge against the semicircle's CDF:
        largest difference within ``sqrt(2) ln N / (pi N) + 2/N`` (about ``8e-6`` at
        ``N = 10^6``; :func:`_spectrum_tolerance`), so a radius wrong by ``10^-4`` fails.
    """
    n = _sizes(quick).tridiagonal_n
    d, e = hermite_tridiagonal(n, beta=1, rng=as_generator(rng))
    edges = np.linspace(-2.2, 2.2, 45)
    below = count_below(d, e, edges)
    counts = np.diff(below) / (n * np.diff(edges))
    x = np.linspace(-2, 2, 400)
    fig, ax = plt.subplots(figsize=(6, 4.5), layout="tight")
    ax.stairs(counts, edges, label="Sturm-count histogram")
    ax.plot(x, semicircle_law.pdf(x), "k", label="semicircle")
    ax.set_xlabel("eigenvalue")
    ax.set_ylabel("density")
    ax.set_title(f"tridiagonal GOE model, N = {n:.0e}")
    ax.legend()
    return fig, [_counted_cdf_claim(n, edges, below)]


@cached_on_seed
def _index_samples(quick: bool, root: np.random.SeedSequence) -> dict:
    """Sampled GOE and GUE indices at every size, ``{(n, beta): indices}``, from one stream
    (the child 0 of ``root``)."""
    sizes = _sizes(quick)
    gen = child_generator(root, 0)
    return {(n, beta): sample_index(n, size=reps, beta=beta, rng=gen)
            for n, reps in zip(sizes.index_ns, sizes.index_reps, strict=True)
            for beta in (1, 2)}


@figure(1, 3)
def index_distribution(*, quick: bool = False, rng=None) -> tuple[Figure, list[Claim]]:
    """The distribution of the GOE index (number of negative eigenvalues) at three sizes.

    Histograms of :func:`rmt.sample_index` (one O(N) Sturm count per matrix) at the smallest,
    middle and largest N of :func:`index_variance` (10^2, 10^4 and 10^6, each from 40000 down
    to 1000 matrices; quick: 10^2, 10^3, 10^4), with the Gaussian of the theoretical variance
    and, at N = 100, the Binomial(N, 1/2) of independent coin flips.

    Parameters
    ----------
    quick : bool
        Reduced sizes.
    rng : None, int, SeedSequence or Generator
        Root: its child 0 gives the indices (shared with :func:`index_variance`, which takes
        this figure's seed, so they are sampled once), child 1 the 2 x 2 matrices.

    Returns
    -------
    figure : matplotlib.figure.Figure
        Three panels.
    claims : list of Claim
        P(index = 0) of a 2 x 2 GOE matrix (both eigenvalues positive), Monte Carlo over
        400000 matrices (quick: 100000), against the exact ``(2 - sqrt 2) / 4``
        (:func:`rmt.log_prob_all_positive`), with the binomial standard error.
    """
    sizes = _sizes(quick)
    root = as_seed_sequence(rng)
    samples = _index_samples(quick, root)
    ns = sizes.index_ns
    fig, axes = plt.subplots(1, 3, figsize=(14, 4), layout="tight")
    for ax, n in zip(axes, (ns[0], ns[len(ns) // 2], ns[-1]), strict=True):
        plot.index_distribution(samples[n, 1], n, beta=1, ax=ax, coin_flip=n <= 10**2)
    H = goe(2, rng=child_generator(root, 1), size=sizes.pd_reps)
    return fig, [_positive_definite_claim(H)]


def _positive_definite_claim(H) -> Claim:
    """The fraction of positive definite matrices in the stack ``H`` of 2 x 2 GOE matrices
    against ``(2 - sqrt 2) / 4``, with the binomial standard error ``sqrt(p (1 - p) / m)``."""
    m = H.shape[0]
    p = np.mean((H[:, 0, 0] > 0) & (H[:, 0, 0] * H[:, 1, 1] > H[:, 0, 1] ** 2))
    exact = float(np.exp(log_prob_all_positive(2, beta=1)))
    return Claim("P(2 x 2 GOE positive definite) = (2 - sqrt 2)/4", exact, float(p),
                 float(np.sqrt(exact * (1 - exact) / m)))


@figure(1, 4, shares_seed_with="index_distribution")
def index_variance(*, quick: bool = False, rng=None) -> tuple[Figure, list[Claim]]:
    """The variance of the GOE and GUE index against N: ``ln N / (beta pi^2) + C_beta``.

    Sampled variances (:func:`rmt.sample_index`) at N = 10^2 ... 10^6 (quick: up to 10^4)
    with their standard errors, the theory :func:`rmt.index_variance` and the coin-flip
    variance N/4 (Majumdar, Nadal, Scardicchio & Vivo 2009).

    Parameters
    ----------
    quick : bool
        Reduced sizes.
    rng : None, int, SeedSequence or Generator
        Root: the indices are its child 0, the same as :func:`index_distribution`'s.

    Returns
    -------
    figure : matplotlib.figure.Figure
    claims : list of Claim
        Per N and beta, the sample variance (standard error ``var sqrt(2 / (reps - 1))``, the
        index being close to Gaussian) against :func:`rmt.index_variance`, allowance ``1 / N``
        (the O(1/N) terms the asymptotic formula drops; :func:`_index_variance_claim`).
    """
    sizes = _sizes(quick)
    samples = _index_samples(quick, rng)
    claims = []
    variances = {1: [], 2: []}
    errors = {1: [], 2: []}
    for n in sizes.index_ns:
        for beta in (1, 2):
            claim = _index_variance_claim(samples[n, beta], n, beta)
            variances[beta].append(claim.measured)
            errors[beta].append(claim.stderr)
            claims.append(claim)
    fig, ax = plt.subplots(figsize=(6, 4.5), layout="tight")
    for beta in (1, 2):
        plot.index_variance(sizes.index_ns, variances[beta], beta=beta, errors=errors[beta],
                            ax=ax, coin_flip=beta == 1)
    ax.set_title("The index is rigid: Var grows like ln N, not N/4")
    return fig, claims


def _index_variance_claim(indices, n: int, beta: int) -> Claim:
    """The sample variance of the indices of ``n x n`` matrices against
    ``ln n / (beta pi^2) + C_beta``: standard error ``var sqrt(2 / (reps - 1))`` (a Gaussian
    sample), allowance ``1 / n`` for the terms the asymptotic formula drops."""
    indices = np.asarray(indices)
    var = float(indices.var(ddof=1))
    return Claim(f"Var(index), beta = {beta}, N = {n:.0e} (coin flips: N/4 = {n / 4:.3g})",
                 float(index_variance_law(n, beta=beta)), var,
                 var * math.sqrt(2 / (indices.size - 1)), 1 / n,
                 basis="1/N: terms the asymptotic formula drops (docs/theory.md, section 4)")


@figure(1, 5)
def tracy_widom(*, quick: bool = False, rng=None) -> tuple[Figure, list[Claim]]:
    """The largest eigenvalue of GOE and GUE matrices of size N = 10^6 against Tracy–Widom.

    10000 samples per beta (quick: 2000 at N = 10^5) from :func:`rmt.sample_largest` (the
    top-left ``10 N^(1/3)`` rows of the tridiagonal model), histogrammed with the limit law
    of ``N^(2/3) (lambda_max - 2)`` (:func:`rmt.edge_law`).

    Parameters
    ----------
    quick : bool
        Reduced sizes.
    rng : None, int, SeedSequence or Generator
        Source of the samples.

    Returns
    -------
    figure : matplotlib.figure.Figure
        Two panels (beta = 1, 2).
    claims : list of Claim
        Per beta, the mean of ``N^(2/3) (lambda_max - 2)`` against the Tracy–Widom mean
        (allowance ``N^(-1/3)``, the finite-N shift of the GOE edge, measured at about
        ``0.55 N^(-1/3)``: docs/theory.md, section 5) and its variance against the
        Tracy–Widom variance (standard error ``var sqrt((2 + kappa) / m)``, ``kappa`` the
        excess kurtosis of the law, 0.17 for beta = 1); :func:`_edge_claims`.
    """
    gen = as_generator(rng)
    sizes = _sizes(quick)
    n, m = sizes.tw_n, sizes.tw_reps
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), layout="tight")
    claims = []
    for ax, beta in zip(axes, (1, 2), strict=True):
        lm = sample_largest(n, size=m, beta=beta, rng=gen)
        plot.largest_eigenvalue(lm, n, beta=beta, ax=ax)
        claims += _edge_claims(lm, n, beta)
    return fig, claims


def _edge_claims(largest, n: int, beta: int) -> list[Claim]:
    """Mean and variance of ``N^(2/3) (lambda_max - 2)`` over the sample ``largest`` against
    the Tracy–Widom law :func:`rmt.edge_law`: the mean within 4 standard errors plus the
    finite-N shift ``N^(-1/3)``, the variance within 4 standard errors
    ``var sqrt((2 + kappa) / m)`` (``kappa`` the law's excess kurtosis)."""
    s = (np.asarray(largest) - 2) * n ** (2 / 3)
    m = s.size
    law = edge_law(beta)
    var = float(s.var(ddof=1))
    kurtosis = float(law.stats(moments="k"))
    return [
        Claim(f"mean of N^(2/3)(lambda_max - 2), beta = {beta}, N = {n:.0e}",
              float(law.mean()), float(s.mean()), float(s.std(ddof=1) / math.sqrt(m)),
              n ** (-1 / 3), basis="N^(-1/3): the finite-N shift of the edge, 0.55 N^(-1/3) "
                                   "for the GOE (docs/theory.md, section 5)"),
        Claim(f"variance of N^(2/3)(lambda_max - 2), beta = {beta}, N = {n:.0e}",
              float(law.var()), var, var * math.sqrt((2 + kurtosis) / m)),
    ]


@figure(1, 6)
def gaussian_shell(*, quick: bool = False, rng=None) -> tuple[Figure, list[Claim]]:
    """Gaussian mass concentrates on a shell: ``|x| / sqrt(d)`` in d = 1, 2, 10, 100, 1000.

    Histograms of 20000 norms per dimension with the exact chi densities
    (:func:`rmt.plot.gaussian_shell`). The sizes do not depend on ``quick``.

    Parameters
    ----------
    quick : bool
        Unused (the figure is cheap); accepted for the common signature.
    rng : None, int, SeedSequence or Generator
        Source of the vectors.

    Returns
    -------
    figure : matplotlib.figure.Figure
    claims : list of Claim
        The standard deviation of ``|x| / sqrt(d)`` at d = 1000 over 20000 vectors against
        that of the scaled chi distribution (about ``1 / sqrt(2d)``), standard error
        ``sd / sqrt(2 (m - 1))``.
    """
    gen = as_generator(rng)
    fig, ax = plt.subplots(figsize=(6, 4.5), layout="tight")
    plot.gaussian_shell(rng=gen, ax=ax)
    ax.set_title("Gaussian mass concentrates on a shell in high dimension")
    d, m = 1000, 20000
    return fig, [_shell_claim(np.linalg.norm(gen.standard_normal((m, d)), axis=1), d)]


def _shell_claim(norms, d: int) -> Claim:
    """The standard deviation of ``|x| / sqrt(d)`` over the sample ``norms`` against the
    scaled chi law's, standard error ``sd / sqrt(2 (m - 1))`` (nearly Gaussian norms)."""
    r = np.asarray(norms) / math.sqrt(d)
    sd = float(r.std(ddof=1))
    return Claim(f"std of |x|/sqrt(d), d = {d} (theory ~ 1/sqrt(2d))",
                 float(scipy.stats.chi(d, scale=1 / math.sqrt(d)).std()), sd,
                 sd / math.sqrt(2 * (r.size - 1)))


@figure(1, 7)
def preconditioning(*, quick: bool = False, rng=None) -> tuple[Figure, list[Claim]]:
    """Jacobi, equilibration and ``|H|`` preconditioners on convex and non-convex Hessians.

    :func:`rmt.preconditioning_experiment` on 200 random badly scaled matrices of size 100
    (quick: 60 of size 40): histograms of the reduction of the condition number, positive
    definite against indefinite (Dauphin, de Vries & Bengio 2015).

    Parameters
    ----------
    quick : bool
        Reduced sizes.
    rng : None, int, SeedSequence or Generator
        Source of the matrices.

    Returns
    -------
    figure : matplotlib.figure.Figure
        Two panels (convex, non-convex).
    claims : list of Claim
        From the paired per-matrix difference of ``log10`` reductions (equilibration minus
        Jacobi; standard error of the median ``1.2533 sd / sqrt(m)``;
        :func:`_preconditioning_claims`): on non-convex matrices its median is above 0 by
        more than 4 standard errors (a law: equilibration beats Jacobi, which cancels
        curvatures of opposite signs); on convex ones the talk's "not much difference", a
        median within 4 standard errors of 0, is an observation: Jacobi is ahead, by a
        median 0.06 decades (20 standard errors) at seed 0, on every one of the matrices.
    """
    sizes = _sizes(quick)
    ds = preconditioning_experiment(n=sizes.precond_n, n_matrices=sizes.precond_matrices,
                                    rng=as_generator(rng))
    fig = plot.preconditioning(ds)[0].figure
    fig.set_layout_engine("tight")
    return fig, _preconditioning_claims(ds["log10_reduction"])


def _preconditioning_claims(reduction) -> list[Claim]:
    """The median gain of equilibration over Jacobi (paired ``log10`` reductions, dims
    ``kind``, ``preconditioner``, ``matrix``): above 0 on non-convex matrices (a law), near 0
    on convex ones (an observation of the talk); standard error of a median
    ``1.2533 sd / sqrt(m)``."""
    claims = []
    for kind, relation, text, law in (
            ("non-convex", "greater", "equilibration beats Jacobi (median log10 kappa gain > 0)",
             "law"),
            ("convex", "equal", "equilibration and Jacobi alike (median log10 kappa gain 0)",
             "observation")):
        diff = (reduction.sel(kind=kind, preconditioner="equilibration")
                - reduction.sel(kind=kind, preconditioner="jacobi")).values
        se = 1.2533 * diff.std(ddof=1) / math.sqrt(diff.size)
        claims.append(Claim(f"{kind}: {text}", 0.0, float(np.median(diff)), float(se),
                            relation=relation, kind=law))
    return claims
