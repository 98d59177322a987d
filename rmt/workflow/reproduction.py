"""``rmt reproduce``: the figures of ``notebooks/01_semicircle.ipynb`` and a claims table.

Each figure function computes its data with the public API, draws it with :mod:`rmt.plot`,
saves a PNG and returns rows of the claims table: the claim, the theoretical value, the
measured value with its standard error, and whether they agree within four standard errors
(plus a stated finite-N allowance where the theory is asymptotic).
"""

from __future__ import annotations

import csv
import time
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path

import numpy as np
import scipy.stats

from .. import plot
from ..ensembles import goe, gue, wigner, wishart
from ..index_theory import index_variance, log_prob_all_positive
from ..laws import marchenko_pastur, semicircle
from ..preconditioning import preconditioning_experiment
from ..random import as_generator
from ..samplers import sample_index, sample_largest
from ..tracy_widom import edge_law

__all__ = ["Claim", "reproduce", "save_figure"]

#: Entry-point group through which packages built on ``rmt`` (``fields``, ``optim``, a user's
#: own) add figures: each entry is a callable ``(out: Path, quick: bool, rng: Generator) ->
#: list[Claim]``. ``rmt`` never imports them by name (docs/design.md: no upward imports).
FIGURE_GROUP = "rmt.figures"


@dataclass(frozen=True)
class Claim:
    """One row of the claims table.

    ``relation="equal"``: agreement means |measured - theory| <= 4 stderr + allowance.
    ``relation="greater"``: the claim is an inequality, measured > theory + 4 stderr.
    ``kind="law"``: a law the library implements and tests (``rmt reproduce`` fails when one
    disagrees); ``kind="observation"``: an empirical expectation of the talk measured on a
    small experiment (a network, an optimiser comparison), reported whatever it turns out
    to be.
    """

    claim: str
    theory: float
    measured: float
    stderr: float
    allowance: float = 0.0
    relation: str = "equal"
    kind: str = "law"

    @property
    def agrees(self) -> bool:
        if self.relation == "greater":
            return self.measured - 4 * self.stderr > self.theory
        return abs(self.measured - self.theory) <= 4 * self.stderr + self.allowance


@dataclass(frozen=True)
class _Sizes:
    spectrum_n: int
    index_ns: tuple[int, ...]
    index_reps: tuple[int, ...]
    tw_n: int
    tw_reps: int
    pd_reps: int
    precond_n: int
    precond_matrices: int


_FULL = _Sizes(2000, (10**2, 10**3, 10**4, 10**5, 10**6), (40000, 20000, 10000, 4000, 1000),
               10**6, 10000, 400_000, 100, 200)
_QUICK = _Sizes(600, (10**2, 10**3, 10**4), (10000, 4000, 1000), 10**5, 2000, 100_000, 40, 60)


def save_figure(fig, out: Path, name: str) -> None:
    """Save ``fig`` as ``out/name`` (tight layout, 110 dpi) and close it."""
    fig.tight_layout()
    fig.savefig(out / name, dpi=110)
    import matplotlib.pyplot as plt

    plt.close(fig)


def _ks_claim(name: str, sample, law) -> Claim:
    # Eigenvalues are rigid, so the KS distance of a spectrum is O(log N / N), far below the
    # i.i.d. 1/sqrt(N) scale; report it against 0 with allowance 2 log N / N.
    n = np.size(sample)
    stat = scipy.stats.kstest(np.ravel(sample), law.cdf).statistic
    return Claim(f"{name}: KS distance of the spectrum to the limit law", 0.0, stat, 0.0,
                 2 * np.log(n) / n)


def figure_spectra(out: Path, sizes: _Sizes, rng) -> list[Claim]:
    import matplotlib.pyplot as plt

    n = sizes.spectrum_n
    fig, axes = plt.subplots(2, 2, figsize=(10, 8))
    panels = [
        ("GOE", np.linalg.eigvalsh(goe(n, rng=rng)), semicircle),
        ("GUE", np.linalg.eigvalsh(gue(n, rng=rng)), semicircle),
        ("Rademacher", np.linalg.eigvalsh(wigner(n, entries="rademacher", rng=rng)), semicircle),
        ("Wishart q = 1/2", np.linalg.eigvalsh(wishart(n, 2 * n, rng=rng)),
         marchenko_pastur(q=0.5)),
    ]
    claims = []
    for ax, (name, ev, law) in zip(axes.flat, panels, strict=True):
        plot.spectrum(ev, law, ax=ax, title=f"{name}, N = {n}")
        claims.append(_ks_claim(name, ev, law))
    save_figure(fig, out, "semicircle.png")
    return claims


def figure_index(out: Path, sizes: _Sizes, rng) -> list[Claim]:
    import matplotlib.pyplot as plt

    claims = []
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    variances = {1: [], 2: []}
    errors = {1: [], 2: []}
    shown = (sizes.index_ns[0], sizes.index_ns[len(sizes.index_ns) // 2], sizes.index_ns[-1])
    ax_iter = iter(axes)
    for n, reps in zip(sizes.index_ns, sizes.index_reps, strict=True):
        for beta in (1, 2):
            ks = sample_index(n, size=reps, beta=beta, rng=rng)
            var = ks.var(ddof=1)
            se = var * np.sqrt(2 / (reps - 1))
            variances[beta].append(var)
            errors[beta].append(se)
            claims.append(Claim(f"Var(index), beta = {beta}, N = {n:.0e} (coin flips: N/4 = "
                                f"{n / 4:.3g})", float(index_variance(n, beta=beta)), var, se,
                                1 / n))
            if beta == 1 and n in shown:
                plot.index_distribution(ks, n, beta=1, ax=next(ax_iter),
                                        coin_flip=n <= 10**2)
    save_figure(fig, out, "index_distribution.png")
    fig, ax = plt.subplots(figsize=(6, 4.5))
    for beta in (1, 2):
        plot.index_variance(sizes.index_ns, variances[beta], beta=beta, errors=errors[beta],
                            ax=ax, coin_flip=beta == 1)
    ax.set_title("The index is rigid: Var grows like ln N, not N/4")
    save_figure(fig, out, "index_variance.png")
    # P(all eigenvalues > 0): exact at N = 2 against Monte Carlo, and the N = 10^6 contrast.
    m = sizes.pd_reps
    H = goe(2, rng=rng, size=m)
    p = np.mean((H[:, 0, 0] > 0) & (H[:, 0, 0] * H[:, 1, 1] > H[:, 0, 1] ** 2))
    exact = float(np.exp(log_prob_all_positive(2, beta=1)))
    claims.append(Claim("P(2 x 2 GOE positive definite) = (2 - sqrt 2)/4", exact, p,
                        np.sqrt(exact * (1 - exact) / m)))
    return claims


def figure_tracy_widom(out: Path, sizes: _Sizes, rng) -> list[Claim]:
    import matplotlib.pyplot as plt

    n, m = sizes.tw_n, sizes.tw_reps
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    claims = []
    for ax, beta in zip(axes, (1, 2), strict=True):
        lm = sample_largest(n, size=m, beta=beta, rng=rng)
        plot.largest_eigenvalue(lm, n, beta=beta, ax=ax)
        s = (lm - 2) * n ** (2 / 3)
        law = edge_law(beta)
        claims.append(Claim(f"mean of N^(2/3)(lambda_max - 2), beta = {beta}, N = {n:.0e}",
                            float(law.mean()), s.mean(), s.std(ddof=1) / np.sqrt(m),
                            n ** (-1 / 3)))
        claims.append(Claim(f"variance of N^(2/3)(lambda_max - 2), beta = {beta}",
                            float(law.var()), s.var(ddof=1),
                            s.var(ddof=1) * np.sqrt(2.2 / m)))
    save_figure(fig, out, "tracy_widom.png")
    return claims


def figure_gaussian_shell(out: Path, sizes: _Sizes, rng) -> list[Claim]:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4.5))
    plot.gaussian_shell(rng=rng, ax=ax)
    ax.set_title("Gaussian mass concentrates on a shell in high dimension")
    save_figure(fig, out, "gaussian_shell.png")
    d, m = 1000, 20000
    r = np.linalg.norm(rng.standard_normal((m, d)), axis=1) / np.sqrt(d)
    return [Claim("std of |x|/sqrt(d), d = 1000 (theory ~ 1/sqrt(2d))",
                  float(scipy.stats.chi(d, scale=1 / np.sqrt(d)).std()), r.std(ddof=1),
                  r.std(ddof=1) / np.sqrt(2 * (m - 1)))]


def figure_preconditioning(out: Path, sizes: _Sizes, rng) -> list[Claim]:
    ds = preconditioning_experiment(n=sizes.precond_n, n_matrices=sizes.precond_matrices,
                                    rng=rng)
    axes = plot.preconditioning(ds)
    save_figure(axes[0].figure, out, "preconditioning.png")
    red = ds["log10_reduction"]
    claims = []
    for kind, relation, allowance in (("non-convex", "greater", 0.0), ("convex", "equal", 0.2)):
        # Paired per-matrix differences; the standard error of a median is ~1.2533 sd/sqrt(m).
        diff = (red.sel(kind=kind, preconditioner="equilibration")
                - red.sel(kind=kind, preconditioner="jacobi")).values
        se = 1.2533 * diff.std(ddof=1) / np.sqrt(diff.size)
        text = ("equilibration beats Jacobi (median log10 kappa gain > 0)" if relation == "greater"
                else "equilibration and Jacobi alike (|median gain| < 0.2 decades)")
        claims.append(Claim(f"{kind}: {text}", 0.0, float(np.median(diff)), se, allowance,
                            relation))
    return claims


def reproduce(out: str | Path = "results", *, quick: bool = False, rng=0) -> list[Claim]:
    """Regenerate every figure of the notebooks and the claims table in ``out``.

    The figures of ``rmt`` itself come first, then those registered by other packages under
    the entry-point group ``rmt.figures`` (``fields`` registers its own), in name order.

    Parameters
    ----------
    out : path
        Output folder (created). Receives ``*.png``, ``claims.csv`` and ``claims.md``.
    quick : bool
        Smaller sizes (well under a minute on 2 cores) instead of the full ones (a few
        minutes).
    rng : seed
        Root seed; each figure gets its own child stream.

    Returns
    -------
    list of Claim
    """
    import matplotlib

    matplotlib.use("Agg")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    sizes = _QUICK if quick else _FULL
    # (name, function, its size argument): rmt's own take the sizes, plug-ins take ``quick``.
    figures = [(f.__name__.removeprefix("figure_"), f, sizes)
               for f in (figure_spectra, figure_index, figure_tracy_widom,
                         figure_gaussian_shell, figure_preconditioning)]
    figures += [(ep.name, ep.load(), quick)
                for ep in sorted(entry_points(group=FIGURE_GROUP), key=lambda ep: ep.name)]
    seeds = np.random.SeedSequence(as_generator(rng).integers(2**63)).spawn(len(figures))
    claims: list[Claim] = []
    for (name, make, size_arg), seed in zip(figures, seeds, strict=True):
        t0 = time.perf_counter()
        claims += make(out, size_arg, np.random.default_rng(seed))
        print(f"{name:>22}: {time.perf_counter() - t0:6.1f} s", flush=True)
    _write_claims(out, claims)
    return claims


def _write_claims(out: Path, claims: list[Claim]) -> None:
    with open(out / "claims.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["claim", "kind", "relation", "theory", "measured", "stderr", "allowance",
                    "agrees"])
        for c in claims:
            w.writerow([c.claim, c.kind, c.relation, f"{c.theory:.6g}", f"{c.measured:.6g}",
                        f"{c.stderr:.3g}", f"{c.allowance:.3g}", c.agrees])
    lines = ["| claim | kind | theory | measured | agrees |", "| --- | --- | --- | --- | --- |"]
    for c in claims:
        err = f" +- {c.stderr:.2g}" if c.stderr else ""
        theory = f"> {c.theory:.6g}" if c.relation == "greater" else f"{c.theory:.6g}"
        lines.append(f"| {c.claim} | {c.kind} | {theory} | {c.measured:.6g}{err} | "
                     f"{'yes' if c.agrees else 'NO'} |")
    n_rmt = 10**6
    lines += ["", f"All {n_rmt:.0e} eigenvalues positive: ln P = "
              f"{log_prob_all_positive(n_rmt, beta=1):.4g} (Dean-Majumdar) against "
              f"{-n_rmt * np.log(2):.4g} for fair coins."]
    (out / "claims.md").write_text("\n".join(lines) + "\n")
