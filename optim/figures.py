"""Figures of ``notebooks/03_saddles.ipynb`` for ``rmt reproduce``.

Registered under the entry-point group ``rmt.figures`` in ``pyproject.toml`` (``rmt`` never
imports ``optim``). Each takes ``(out, quick, rng)``, writes PNG files into ``out`` and returns
rows of the claims table (:class:`rmt.reproduce.Claim`).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

import fields
from rmt.reproduce import Claim, save_figure

from . import plot
from .curvature import esgd
from .driver import run
from .experiments import error_index
from .first_order import sgd
from .newton import damped_newton, newton, saddle_free_newton
from .saddles import escape_time, random_saddle, saddle_2d
from .theory import compare_with_theory

__all__ = ["error_index_plane", "saddle_dynamics"]

#: Start distances from the saddle for the escape-time panels.
_DELTAS = 10.0 ** -np.arange(2, 13, 2)


def saddle_dynamics(out: Path, quick: bool, rng: np.random.Generator) -> list[Claim]:
    """Gradient descent, Newton, damped Newton, saddle-free Newton and ESGD near saddles.

    Left: paths on the 2-D saddle ``(x^2 - 0.2 y^2)/2 + (x^4 + y^4)/4``, 30 steps from ``(1, 1e-3)``
    (learning rate 0.5 for gradient descent and ESGD).
    Middle: escape steps against the start distance on a random saddle (N = 100, index 30)
    with the linearised gradient-descent law. Right: damped Newton's escape time grows with
    the damping. Claims: the per-decade escape cost of gradient descent
    (``log 10 / log(1 + lr |lambda_min|)``) on the 2-D saddle and of saddle-free Newton
    (``log2 10``), each within one step per measured span (step counts are integers).
    """
    import matplotlib.pyplot as plt

    lr = 0.1
    s2 = saddle_2d()
    methods = {
        "gradient descent": sgd(0.5),
        "Newton": newton(),
        "damped Newton (alpha = 2)": damped_newton(damping=2.0),
        "saddle-free Newton": saddle_free_newton(),
        "ESGD": esgd(0.5, every=1, probe="rademacher"),
    }
    fig, axes = plt.subplots(1, 3, figsize=(16, 5))
    shallow = saddle_2d(1.0, -0.2)
    paths = {name: run(shallow, opt, np.array([1.0, 1e-3]), 30, record=("x",), rng=rng)
             for name, opt in methods.items()}
    plot.saddle_paths(shallow, paths, ax=axes[0], extent=1.05,
                      title="2-D saddle, 30 steps from (1, 0.001)")

    high = random_saddle(100, 30, rng=rng)
    escape = escape_time(high, {"gradient descent": sgd(lr),
                                "damped Newton (alpha = 10)": damped_newton(damping=10.0),
                                "saddle-free Newton": saddle_free_newton(),
                                "ESGD": esgd(lr, every=1)},
                         _DELTAS, max_steps=3000, rng=rng)
    attracted = escape_time(high, {"Newton": newton()}, _DELTAS, max_steps=20, rng=rng)
    plot.escape_times(escape, ax=axes[1], lr=lr,
                      title="random saddle, N = 100, index 30")

    dampings = np.array([1.5, 2, 3, 5, 10, 20, 50]) if not quick else np.array([2, 5, 20])
    damped = escape_time(s2, {f"{a:g}": damped_newton(damping=float(a)) for a in dampings},
                         [1e-6], max_steps=5000, rng=rng)
    axes[2].plot(dampings, damped.steps.values[:, 0], "o-", label="damped Newton, measured")
    theory = [math.log(damped.attrs["radius"] / 1e-6) / math.log(a / (a - 1)) for a in dampings]
    axes[2].plot(dampings, theory, "k--", lw=1,
                 label=r"linearised: $\log(R/\delta) / \log(\alpha / (\alpha - |\lambda|))$")
    axes[2].set_xlabel(r"damping $\alpha$")
    axes[2].set_ylabel(r"steps to escape from $\delta = 10^{-6}$")
    axes[2].set_title("damping hides negative curvature")
    axes[2].legend(fontsize="small")
    save_figure(fig, out, "saddle_dynamics.png")

    flat = escape_time(s2, {"gd": sgd(lr), "sfn": saddle_free_newton()}, _DELTAS, rng=rng)
    span = math.log10(_DELTAS[0] / _DELTAS[-1])
    gd_steps = flat.steps.sel(optimizer="gd").values
    sfn_steps = flat.steps.sel(optimizer="sfn").values
    return [
        Claim("2-D saddle: gradient descent pays log(10)/log(1 + lr|lambda_min|) steps per "
              "decade of start distance", math.log(10) / math.log1p(lr),
              (gd_steps[-1] - gd_steps[0]) / span, 0.0, 1.0 / span),
        Claim("2-D saddle: saddle-free Newton pays log2(10) steps per decade",
              math.log2(10), (sfn_steps[-1] - sfn_steps[0]) / span, 0.0, 1.0 / span),
        Claim("random saddle N = 100: Newton converges onto the saddle (final distance)",
              0.0, float(attracted.final_distance.max()), 0.0, 1e-10),
    ]


def error_index_plane(out: Path, quick: bool, rng: np.random.Generator) -> list[Claim]:
    """Critical points and descent trajectories against the Bray–Dean and spin-glass laws.

    Left: a squared-exponential Gaussian field (Bray–Dean scaling; N = 30, 200 finder
    starts; quick: N = 25, 120 starts). Right: the spherical 3-spin glass (N = 50; quick:
    N = 30). The issue's full-size checks (N = 50 and 100, 400 starts, several minutes each)
    are the slow tests of ``tests/optim/test_theory.py``. Claims per surface: the largest
    difference between binned empirical index fractions and the finite-N Kac–Rice prediction
    (at most 0.05, the issue's criterion) and the Pearson correlation of energy and index
    fraction (above 0.9).
    """
    import matplotlib.pyplot as plt

    field_dim, sg_dim, starts = (25, 30, 120) if quick else (30, 50, 200)
    surfaces = {
        f"squared-exponential field, N = {field_dim}":
            fields.GaussianField(field_dim, fields.SquaredExponential(),
                                 n_features=300 * field_dim, rng=rng),
        f"spherical 3-spin glass, N = {sg_dim}": fields.SphericalSpinGlass(sg_dim, p=3, rng=rng),
    }
    fig, axes = plt.subplots(1, 2, figsize=(13, 5.5))
    claims = []
    for ax, (name, surface) in zip(axes, surfaces.items(), strict=True):
        ds = error_index(surface, n_starts=starts, n_trajectories=2, steps=300, rng=rng)
        plot.error_index_plane(ds, ax=ax, title=name)
        cps = ds.isel(point=np.flatnonzero(ds.source.values == "critical point"))
        cmp = compare_with_theory(cps, surface, n_samples=1000 if quick else 4000, rng=rng)
        ax.errorbar(cmp.finite_n, cmp.energy, xerr=cmp.finite_n_stderr, fmt="s", color="k",
                    mfc="none", label="finite-N Kac–Rice (bins)")
        ax.legend(fontsize="x-small")
        claims.append(Claim(f"{name}: max |binned index fraction - finite-N Kac–Rice|",
                            0.0, float(np.max(np.abs(cmp.difference))), 0.0, 0.05))
        claims.append(Claim(f"{name}: Pearson r(energy, index fraction) of critical points",
                            0.9, float(cmp.attrs["pearson_r"]), 0.0, 0.0, "greater"))
    save_figure(fig, out, "error_index.png")
    return claims
