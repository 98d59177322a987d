"""Figures of ``notebooks/03_saddles.ipynb`` for ``rmt reproduce``.

Registered under the entry-point group ``rmt.figures`` in ``pyproject.toml`` (``rmt`` never
imports ``optim``). Each takes ``(out, quick, rng)``, writes PNG files into ``out`` and returns
rows of the claims table (:class:`rmt.workflow.Claim`).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

import fields
from rmt.workflow.reproduction import Claim, save_figure

from . import plot
from .curvature import esgd, jacobi
from .driver import run
from .error_index import error_index
from .first_order import rmsprop, sgd
from .networks import network_error_index, spectra_along_training
from .newton import damped_newton, newton, saddle_free_newton
from .saddles import escape_time, random_saddle, saddle_2d
from .theory import compare_with_theory
from .training import compare

__all__ = ["autoencoder_optimizers", "error_index_plane", "network_critical_points",
           "network_hessian_spectra", "saddle_dynamics"]

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


def _digits_net(hidden: int, n: int, rng: np.random.Generator) -> fields.nn.MLP:
    """A one-hidden-layer tanh net on ``n`` of scikit-learn's 8 x 8 digits (weight decay
    0.01, which keeps the Hessian of the dead pixels' weights away from 0)."""
    x, y = fields.data.load_digits()
    rows = rng.permutation(x.shape[0])[:n]
    return fields.nn.MLP([64, hidden, 10], "tanh", "softmax-cross-entropy", (x[rows], y[rows]),
                         weight_decay=1e-2, rng=rng)


def network_hessian_spectra(out: Path, quick: bool, rng: np.random.Generator) -> list[Claim]:
    """Exact Hessian spectra of a one-hidden-layer net along training (the talk's experiment 1,
    reduced: 8 x 8 digits instead of MNIST / CIFAR-10 at 10 x 10).

    A 64-16-10 tanh net (1210 parameters; quick: 64-8-10) on 500 digits, trained by full-batch
    RMSProp; eigenvalue histograms at five checkpoints of falling loss, each with the
    semicircle of the same mean and variance. Claims: the index fraction falls and the mean
    eigenvalue rises between the first and the last checkpoint (the spectrum moves right as
    the error falls); the moment-matched semicircle predicts the index fraction within 0.05
    (measured: it does not; the spectrum has a spike at 0 and a tail of large outliers).
    """
    import matplotlib.pyplot as plt

    net = _digits_net(8 if quick else 16, 500, rng)
    ds = spectra_along_training(net, optimizer=rmsprop(3e-3), steps=600 if quick else 1500,
                         checkpoints=5, rng=rng)
    fig, axes = plt.subplots(1, 2, figsize=(13, 5))
    plot.spectra_along_training(ds, ax=axes[0], title=f"Hessian spectra, 64-{net.layers[1]}-10 net "
                                                f"({net.dim} parameters), 500 digits")
    axes[1].plot(ds.loss, ds.index_fraction, "o-", label="measured")
    axes[1].plot(ds.loss, ds.fitted_index_fraction, "s--",
                 label="semicircle with the same mean and variance")
    axes[1].set_xlabel("training loss")
    axes[1].set_ylabel(r"index fraction $\alpha$")
    axes[1].legend(fontsize="small")
    save_figure(fig, out, "network_hessian_spectra.png")
    first, last = ds.isel(checkpoint=0), ds.isel(checkpoint=-1)
    return [
        Claim("digits net: index fraction falls with the loss (first - last checkpoint)",
              0.0, float(first.index_fraction - last.index_fraction), 0.0, 0.0, "greater",
              kind="observation"),
        Claim("digits net: the Hessian spectrum moves right as the loss falls (mean, last - "
              "first)", 0.0, float(last["mean"] - first["mean"]), 0.0, 0.0, "greater",
              kind="observation"),
        Claim("digits net: a semicircle with the spectrum's mean and variance gives its index "
              "fraction (largest |difference| over the checkpoints, allowance 0.05)", 0.0,
              float(np.max(np.abs(ds.fitted_index_fraction - ds.index_fraction))), 0.0, 0.05,
              kind="observation"),
    ]


def network_critical_points(out: Path, quick: bool, rng: np.random.Generator) -> list[Claim]:
    """Certified critical points of a small digits net in the error–index plane.

    Newton-MR from points along descent paths (as Dauphin et al. 2014 started Newton from
    training paths) on a 64-6-10 tanh net (quick: 64-4-10), 100 digits, weight decay 0.01;
    certified points, the end points of runs that were not certified, the fitted semicircle
    trend. Claim: the Spearman correlation of loss and index fraction over the certified
    points is positive (high-error critical points are saddles of higher index).
    """
    import matplotlib.pyplot as plt

    net = _digits_net(4 if quick else 6, 100, rng)
    ds = network_error_index(net, n_starts=20 if quick else 40, trajectory_points=2,
                             stall_iter=40, max_iter=300, rng=rng)
    fig, ax = plt.subplots(figsize=(7, 5.5))
    plot.network_error_index(ds, ax=ax, title=f"critical points of a 64-{net.layers[1]}-10 "
                                               f"net ({net.dim} parameters), 100 digits")
    save_figure(fig, out, "network_critical_points.png")
    rho = ds.attrs["spearman_r"]
    return [Claim("digits net: Spearman r(loss, index fraction) of certified critical points",
                  0.0, float(rho) if np.isfinite(rho) else float("nan"), 0.0, 0.0,
                  "greater", kind="observation")]


def autoencoder_optimizers(out: Path, quick: bool, rng: np.random.Generator) -> list[Claim]:
    """SGD, RMSProp, Jacobi and ESGD on a deep autoencoder of generated CURVES-like images
    (the talk's experiment 2, reduced for a CPU).

    14 x 14 curves from :func:`fields.data.make_curves` (5000; quick: 2000), encoder
    100-50-25-6 (logistic units, linear code, sparse initialisation: Martens 2010's design at a
    quarter of the width), minibatches of 100, the same random learning-rate search for each
    optimiser (10 log-uniform rates in [1e-4, 1], one epoch each; quick: 6) and 10 epochs
    (quick: 5). Left: squared reconstruction error against epochs; middle: against gradient
    equivalents (one Hessian-vector product = 2 gradients); right: cosine similarity of the
    RMSProp, Jacobi and equilibration diagonals along the RMSProp run (50 minibatches and
    probes per point). Claims (the paper's expected ordering, reported whatever it is): ESGD
    at least as good as RMSProp, RMSProp and ESGD better than SGD, Jacobi the worst.
    """
    import matplotlib.pyplot as plt

    n, epochs, trials = (2000, 5, 6) if quick else (5000, 10, 10)
    images = fields.data.make_curves(n, size=14, rng=rng)
    ae = fields.nn.Autoencoder(images, layers=[100, 50, 25, 6], rng=rng)
    optimizers = {"SGD": sgd, "RMSProp": rmsprop,
                  "Jacobi": lambda lr: jacobi(lr, damping=1e-4, every=20),
                  "ESGD": lambda lr: esgd(lr, damping=1e-4, every=20)}
    res = compare(ae, optimizers, epochs=epochs, batch_size=100,
                  lr_search={"trials": trials, "low": 1e-4, "high": 1.0, "epochs": 1}, rng=rng)
    cos = compare(ae, {"RMSProp": rmsprop(float(res.learning_rate.sel(optimizer="RMSProp")))},
                  epochs=epochs, batch_size=100, diagonals=True, diagonal_probes=50, rng=rng)
    fig, axes = plt.subplots(1, 3, figsize=(18, 5))
    title = f"autoencoder {'-'.join(map(str, ae.layers))} on {n} generated curves"
    plot.training_curves(res, ax=axes[0], title=title)
    plot.training_curves(res, ax=axes[1], x="gradient_equivalents")
    plot.diagonal_cosines(cos, ax=axes[2], title="diagonals along the RMSProp run")
    save_figure(fig, out, "autoencoder_optimizers.png")
    final = {name: float(res.error.sel(optimizer=name).values[-1]) if
             res.status.sel(optimizer=name) == "completed" else float("inf")
             for name in optimizers}
    others = max(final["SGD"], final["RMSProp"], final["ESGD"])
    return [
        Claim("autoencoder: ESGD at least as good as RMSProp (final error, RMSProp - ESGD)",
              0.0, final["RMSProp"] - final["ESGD"], 0.0, 0.0, "greater",
              kind="observation"),
        Claim("autoencoder: RMSProp better than SGD (final error, SGD - RMSProp)",
              0.0, final["SGD"] - final["RMSProp"], 0.0, 0.0, "greater",
              kind="observation"),
        Claim("autoencoder: ESGD better than SGD (final error, SGD - ESGD)",
              0.0, final["SGD"] - final["ESGD"], 0.0, 0.0, "greater",
              kind="observation"),
        Claim("autoencoder: Jacobi worst or unstable (final error, Jacobi - worst other)",
              0.0, final["Jacobi"] - others if np.isfinite(final["Jacobi"]) else 1.0, 0.0,
              0.0, "greater", kind="observation"),
        Claim("autoencoder: RMSProp diagonal closer to equilibration than to Jacobi (mean "
              "cosine, rms-eq minus rms-jacobi)", 0.0,
              float(np.nanmean(cos.cos_rmsprop_equilibration - cos.cos_rmsprop_jacobi)), 0.0,
              0.0, "greater", kind="observation"),
    ]
