r"""The talk-scale run of Dauphin et al.'s (2014) network experiment (``--talk-scale``).

:func:`talk_saddle_free_newton` is a figure function of the entry-point group
``rmt.talk_scale``: :func:`optim.newton_comparison` and :func:`optim.plateau_switch` on the
5,000 real MNIST digits of :func:`fields.data.load_mnist_sample` at 10 x 10, and their claims
rows, all *observations* (the paper reports saddle-free Newton ahead of both other methods
at every hidden size; here it is measured).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

import fields
from rmt.random import as_seed_sequence, child
from rmt.workflow.reproduction import Claim

from .newton_experiments import METHODS, newton_comparison, plateau_switch
from .talk_scale import _images

__all__ = ["talk_saddle_free_newton"]

_CLASSES = 10


@dataclass(frozen=True)
class _NewtonRun:
    """Sizes of one run of :func:`talk_saddle_free_newton`."""

    examples: int | None  # None: all 5,000 digits
    hidden: tuple[int, ...]
    seeds: int
    budget: float
    plateau_hidden: int
    plateau_epochs: int


_NEWTON_RUNS = {
    False: _NewtonRun(examples=None, hidden=(5, 25, 50), seeds=3, budget=1000.0,
                      plateau_hidden=25, plateau_epochs=60),
    True: _NewtonRun(examples=300, hidden=(3, 6), seeds=2, budget=120.0, plateau_hidden=6,
                     plateau_epochs=12),
}
#: Krylov dimension of both Newton methods: 10 Lanczos steps, about 22 gradient equivalents a
#: step with its losses (measured: 20 steps bought nothing more per step from the plateau).
_RANK = 10
#: Scale of the plateau run's start: near the saddle at w = 0 where every hidden unit is off.
_PLATEAU_START_SCALE = 0.01
_PLATEAU_RATE = 0.01
#: The negative curvature counts as removed when at most this fraction of it is left.
_REMOVED = 0.1


def talk_saddle_free_newton(*, quick: bool = False, rng=None) -> tuple[Figure, list[Claim]]:
    """Momentum SGD, damped Newton and saddle-free Newton on one-hidden-layer tanh nets of
    hidden sizes 5, 25 and 50 on the 5,000 MNIST digits at 10 x 10 (quick: 3 and 6 on 300),
    and saddle-free Newton from a momentum-SGD plateau.

    Three seeds per size (quick: 2), 1,000 gradient equivalents per run (full-batch, so one
    is a pass over the data; quick: 120), both Newton methods with adapted damping and 10
    Krylov steps (:mod:`optim.adaptive_newton`); momentum SGD's rate the best of 0.03, 0.1,
    0.3 and 1, each Newton method's initial damping the best of 1, 0.1 and 0.01
    (:func:`optim.newton_comparison`). The plateau: momentum SGD
    (rate 0.01, momentum 0.9, minibatches of 500) on the 25-unit net from weights of scale
    0.01 for 60 epochs (quick: 12), the smallest Hessian eigenvalue at every epoch, then
    saddle-free Newton (with the initial damping chosen for 25 units) from the first plateau
    for the same passes over the data (:func:`optim.plateau_switch`).

    Returns
    -------
    figure : matplotlib.figure.Figure
        One panel per hidden size (median best training error against work, the seeds'
        range shaded) and the plateau panel (loss and ``lambda_min`` against passes).
    claims : list of Claim
        Observations, per hidden size and at a tenth of the budget and the whole: saddle-free
        Newton's median best training error below damped Newton's and below momentum SGD's
        (the measured order and the seeds' ranges in the row). At the plateau:
        ``lambda_min < 0`` there; saddle-free Newton's loss below momentum SGD's after the
        same passes; at its end at most a tenth of the plateau's negative curvature left
        (``lambda_min / |lambda_min(plateau)| > -0.1``).
    """
    plan = _NEWTON_RUNS[bool(quick)]
    root = as_seed_sequence(rng)
    x, y = _images("mnist", plan.examples, np.random.default_rng(child(root, 0)))

    def network(hidden, seed):
        return fields.nn.MLP([x.shape[1], hidden, _CLASSES], data=(x, y), rng=seed)

    ds = newton_comparison(network, hidden=plan.hidden, seeds=plan.seeds, budget=plan.budget,
                           rank=_RANK, rng=child(root, 1))
    net = network(plan.plateau_hidden, child(root, 2))
    x0 = _PLATEAU_START_SCALE * np.random.default_rng(child(root, 3)).standard_normal(net.dim)
    damping = float(ds.hyperparameter.sel(hidden=plan.plateau_hidden,
                                          optimizer="saddle-free Newton"))
    switch = plateau_switch(net, x0, learning_rate=_PLATEAU_RATE, epochs=plan.plateau_epochs,
                            batch_size=min(500, net.n_examples), rank=_RANK, damping=damping,
                            rng=child(root, 4))
    fig = _figure(ds, switch, x.shape[0])
    return fig, _comparison_claims(ds) + _plateau_claims(switch)


def _figure(ds, switch, examples: int) -> Figure:
    sizes = ds.hidden.values
    fig, axes = plt.subplots(1, sizes.size + 1, figsize=(5 * (sizes.size + 1), 4.5),
                             layout="tight")
    colours = dict(zip(METHODS, ("tab:blue", "tab:orange", "tab:green"), strict=True))
    for ax, h in zip(axes[:-1], sizes, strict=True):
        cell = ds.best_error.sel(hidden=h)
        for method in METHODS:
            runs = cell.sel(optimizer=method).values
            with np.errstate(all="ignore"):
                ax.plot(ds.budget, np.nanmedian(runs, axis=0), color=colours[method],
                        label=method)
                ax.fill_between(ds.budget, np.nanmin(runs, axis=0), np.nanmax(runs, axis=0),
                                color=colours[method], alpha=0.2, linewidth=0)
        ax.set_xscale("log")
        ax.set_xlabel("gradient equivalents (passes over the data)")
        ax.set_ylabel("best training error so far")
        ax.set_title(f"100-{h}-10 tanh ({int(ds.dim.sel(hidden=h))} parameters), "
                     f"{examples} digits")
        ax.legend(fontsize=8)
    ax = axes[-1]
    sgd = switch["sgd"]
    ax.plot(sgd.passes, sgd.loss, color=colours["momentum SGD"], label="momentum SGD")
    if switch["sfn"] is not None:
        sfn = switch["sfn"]
        ax.plot(sfn.passes, sfn.loss, "o-", color=colours["saddle-free Newton"],
                label="saddle-free Newton from the plateau")
        ax.axvline(switch["plateau_epoch"], color="0.5", linestyle=":", label="plateau")
    ax.set_xlabel("passes over the data")
    ax.set_ylabel("training loss")
    ax.set_title("a plateau of momentum SGD, and the switch")
    twin = ax.twinx()
    twin.plot(sgd.passes, sgd.lambda_min, "--", color=colours["momentum SGD"], alpha=0.6)
    if switch["sfn"] is not None:
        twin.plot(switch["sfn"].passes, switch["sfn"].lambda_min, "s--",
                  color=colours["saddle-free Newton"], alpha=0.6)
    twin.axhline(0.0, color="0.7", linewidth=0.8)
    twin.set_ylabel(r"$\lambda_{\min}$ of the Hessian (dashed)")
    ax.legend(fontsize=8, loc="center right")
    return fig


def _comparison_claims(ds) -> list[Claim]:
    """Per hidden size and at two budgets (a tenth of the whole, and the whole): saddle-free
    Newton's median best training error against each other method's."""
    claims = []
    budgets = (ds.budget.values[-1] / 10, ds.budget.values[-1])
    for h in ds.hidden.values:
        for work in budgets:
            at = ds.best_error.sel(hidden=h).sel(budget=work, method="nearest")
            median = {m: float(np.nanmedian(at.sel(optimizer=m).values)) for m in METHODS}
            spread = {m: (float(np.nanmin(at.sel(optimizer=m).values)),
                          float(np.nanmax(at.sel(optimizer=m).values))) for m in METHODS}
            order = " < ".join(f"{m} {median[m]:.4f} [{spread[m][0]:.4f}, {spread[m][1]:.4f}]"
                               for m in sorted(METHODS, key=lambda m: median[m]))
            for other in ("damped Newton", "momentum SGD"):
                claims.append(Claim(
                    f"hidden {h}: saddle-free Newton ahead of {other} (median best training "
                    f"error within {float(at.budget):.0f} gradient equivalents, "
                    f"{ds.sizes['seed']} seeds, {other} - saddle-free; measured order, median "
                    f"[range]: {order})",
                    0.0, median[other] - median["saddle-free Newton"], 0.0, 0.0, "greater",
                    kind="observation"))
    return claims


def _plateau_claims(switch) -> list[Claim]:
    lam = switch["plateau_lambda_min"]
    sfn = switch["sfn"]
    after_sfn = lam_sfn = math.nan
    after_sgd = float(switch["sgd"].loss.values[-1])
    if sfn is not None:
        loss = sfn.loss.values[np.isfinite(sfn.loss.values)]
        after_sfn = float(loss[-1]) if loss.size else math.nan
        lams = sfn.lambda_min.values[np.isfinite(sfn.lambda_min.values)]
        lam_sfn = float(lams[-1]) if lams.size else math.nan
    epoch = switch["plateau_epoch"]
    where = f"at epoch {epoch}" if epoch is not None else "(no plateau met)"
    return [
        Claim(f"plateau of momentum SGD {where} has negative curvature (-lambda_min there)",
              0.0, -lam, 0.0, 0.0, "greater", kind="observation"),
        Claim("saddle-free Newton from the plateau ends lower than momentum SGD after at "
              "least the same passes over the data (loss, momentum SGD - saddle-free)",
              0.0, after_sgd - after_sfn, 0.0, 0.0, "greater", kind="observation"),
        Claim("saddle-free Newton removes the negative curvature (lambda_min at its end over "
              f"|lambda_min| at the plateau, at least -{_REMOVED}; at its end {lam_sfn:.4g})",
              -_REMOVED, lam_sfn / abs(lam) if lam < 0 else math.nan, 0.0, 0.0, "greater",
              kind="observation",
              basis=f"'removed': at most {_REMOVED} of the plateau's negative curvature left; "
                    "the fraction is chosen for this observation, not derived"),
    ]
