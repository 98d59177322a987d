r"""The network experiment of Dauphin et al. (2014): saddle-free Newton against damped Newton
and momentum SGD, and saddle-free Newton at a plateau.

Dauphin, Pascanu, Gulcehre, Cho, Ganguli & Bengio (2014), "Identifying and attacking the
saddle point problem in high-dimensional non-convex optimization", NeurIPS, section 7 and
Figure 4: one-hidden-layer tanh networks on MNIST at 10 x 10, hidden sizes 5, 25 and 50;
the best training error reached by momentum SGD, damped Newton and saddle-free Newton as
training goes on, and a momentum-SGD run that stalls on a plateau, where switching to
saddle-free Newton escapes.

:func:`newton_comparison` runs the three methods from the same starts (``seeds`` per hidden
size), each on the whole training set at every step (so a gradient equivalent, the unit of
work of :func:`optim.train`, is the same work for each: one pass over the data), and returns
the best training error within each budget of a log-spaced grid. Each method's one
hyperparameter (momentum SGD's learning rate, the Newton methods' initial damping, which
they then adapt: :mod:`optim.adaptive_newton`) is the best of a small grid on a run from a
start of its own, with a quarter of the budget.

:func:`plateau_switch` runs momentum SGD on minibatches from a small initialisation (near the
saddle at ``w = 0`` where every hidden unit is off), recording the smallest Hessian
eigenvalue along the way (:func:`optim.smallest_eigenvalue`); at the first plateau (the loss
falling by less than ``plateau_tolerance`` of itself over ``window`` epochs) it starts
saddle-free Newton from that point and records the same, at equal passes over the data.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import xarray as xr

from fields.surface import check_surface
from rmt._validation import check_count, check_int, check_positive_float
from rmt.random import as_seed_sequence, child, provenance

from .adaptive_newton import adaptive_damped_newton, adaptive_saddle_free_newton
from .first_order import momentum
from .training import train

__all__ = ["METHODS", "newton_comparison", "plateau_switch"]

#: The three methods, in the order of the results.
METHODS = ("momentum SGD", "damped Newton", "saddle-free Newton")


def _sequence(name: str, value) -> Sequence:
    """``value`` as a list, refused unless it is a sequence (a tuple, a list, an array)."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray)):
        raise TypeError(f"{name} must be a sequence of numbers; got {value!r}")
    return list(value)


def _best_within(run: xr.Dataset, budgets: np.ndarray) -> np.ndarray:
    """The lowest training error recorded at or below each budget (NaN before any)."""
    work = run.gradient_equivalents.values
    error = run.error.values
    keep = np.isfinite(work) & np.isfinite(error)
    work, error = work[keep], np.minimum.accumulate(error[keep])
    at = np.searchsorted(work, budgets, side="right") - 1
    return np.where(at >= 0, error[np.maximum(at, 0)], np.nan)


def newton_comparison(network, *, hidden: Sequence[int] = (5, 25, 50), seeds: int = 3,
                      budget: float = 1000.0, rank: int = 20, method: str = "lanczos",
                      learning_rates: Sequence[float] = (0.03, 0.1, 0.3, 1.0),
                      dampings: Sequence[float] = (1.0, 0.1, 0.01), points: int = 25,
                      rng=None) -> xr.Dataset:
    """Best training error against work for momentum SGD, damped and saddle-free Newton.

    Parameters
    ----------
    network : callable
        ``network(hidden, rng) -> DataSurface``: the network of one hidden size, initialised
        from ``rng`` (a SeedSequence), with its training data (for example
        ``lambda h, rng: fields.nn.MLP([100, h, 10], data=(x, y), rng=rng)``).
    hidden : sequence of int >= 1
        Hidden sizes.
    seeds : int >= 1
        Starts per hidden size (each method from each start).
    budget : float > 0
        Gradient equivalents (full-data gradients; a Hessian-vector product 2, a loss 1)
        per run.
    rank : int >= 1
        Krylov dimension of the Newton methods.
    method : {"lanczos", "auto", "exact"}, default "lanczos"
        Their subspace (:func:`optim.adaptive_saddle_free_newton`): the Krylov space of the
        gradient at every size, as Dauphin et al. (2014); ``"auto"`` takes the exact Hessian
        up to 500 dimensions (charged ``2 dim`` gradient equivalents).
    learning_rates : sequence of float > 0
        Momentum SGD's grid (momentum 0.9).
    dampings : sequence of float > 0
        The Newton methods' grid of initial dampings (then adapted).
    points : int >= 2
        Budgets of the result, log-spaced from 1 to ``budget``.
    rng : None, int, SeedSequence or Generator
        Root: keyed child ``(1, h, s)`` initialises the network of hidden size ``h`` for
        seed ``s`` (nothing else is random: full batches), child ``(0, h)`` that of the
        search.

    Returns
    -------
    xarray.Dataset
        ``best_error`` over (``hidden``, ``optimizer``, ``seed``, ``budget``),
        ``final_loss`` and ``status`` over (``hidden``, ``optimizer``, ``seed``),
        ``hyperparameter`` over (``hidden``, ``optimizer``: momentum SGD's learning rate,
        the Newton methods' initial damping) and ``dim`` over ``hidden``; ``attrs`` the
        provenance.

    Raises
    ------
    TypeError, ValueError
        Bad counts, budget, grids, or a ``network`` that is not callable; ``seeds``,
        ``points`` or ``budget`` whose records would not fit in memory.

    Notes
    -----
    Each method's one hyperparameter is the best of its grid (lowest training loss after a
    quarter of the budget, from the search's own start), the same for every seed: a
    search of equal size for each, as the comparison of Dauphin et al. (2014) tunes each
    method.
    """
    if not callable(network):
        raise TypeError(f"network must be a callable (hidden, rng) -> surface; got {network!r}")
    hidden = [check_int("hidden", h, 1) for h in _sequence("hidden", hidden)]
    if not hidden:
        raise ValueError("hidden must name at least one size")
    rank = check_int("rank", rank, 1)
    adaptive_saddle_free_newton(rank=rank, method=method)  # validates method
    grids = {"learning_rates": learning_rates, "dampings": dampings}
    for name, values in grids.items():
        grids[name] = [check_positive_float(name, v) for v in _sequence(name, values)]
        if not grids[name]:
            raise ValueError(f"{name} must hold at least one value")
    points = check_count("points", points, 2, bytes_each=8 * 4 * len(hidden),
                         what="the budgets of the result")
    seeds = check_count("seeds", seeds, 1, bytes_each=8 * 4 * len(hidden) * points,
                        what="the best errors of every method and budget")
    budget = check_positive_float("budget", budget)
    steps = check_count("budget", math.ceil(budget), 1, bytes_each=8 * 2 * 5,
                        what="the training record of one run (a full-batch step a row)")
    root = as_seed_sequence(rng)
    grid = np.geomspace(1.0, budget, points)
    factories = (
        (lambda lr: momentum(lr, 0.9), grids["learning_rates"]),
        (lambda d: adaptive_damped_newton(d, rank=rank, method=method), grids["dampings"]),
        (lambda d: adaptive_saddle_free_newton(d, rank=rank, method=method),
         grids["dampings"]),
    )
    best = np.full((len(hidden), len(METHODS), seeds, points), np.nan)
    final = np.full((len(hidden), len(METHODS), seeds), np.nan)
    status = np.empty((len(hidden), len(METHODS), seeds), dtype=object)
    chosen = np.full((len(hidden), len(METHODS)), np.nan)
    dims = []

    def run(net, opt, work, seed):
        return train(net, opt, epochs=steps, batch_size=net.n_examples, budget=work,
                     rng=seed)

    def last_loss(res):
        loss = res.loss.values[np.isfinite(res.loss.values)]
        return float(loss[-1]) if loss.size and res.attrs["status"] != "diverged" else math.inf

    for i, h in enumerate(hidden):
        net = network(h, child(root, 0, h))
        dims.append(net.dim)
        for m, (make, values) in enumerate(factories):
            losses = [last_loss(run(net, make(v), budget / 4, child(root, 0, h)))
                      for v in values]
            chosen[i, m] = values[int(np.argmin(losses))]
        for s in range(seeds):
            net = network(h, child(root, 1, h, s))
            for m, (make, _) in enumerate(factories):
                res = run(net, make(float(chosen[i, m])), budget, child(root, 1, h, s))
                best[i, m, s] = _best_within(res, grid)
                final[i, m, s] = last_loss(res)
                status[i, m, s] = res.attrs["status"]
    coords = {"hidden": hidden, "optimizer": list(METHODS), "seed": np.arange(seeds),
              "budget": grid}
    return xr.Dataset(
        {"best_error": (("hidden", "optimizer", "seed", "budget"), best,
                        {"long_name": "lowest training error within the budget"}),
         "final_loss": (("hidden", "optimizer", "seed"), final,
                        {"long_name": "last training loss (inf: diverged)"}),
         "status": (("hidden", "optimizer", "seed"), status),
         "hyperparameter": (("hidden", "optimizer"), chosen,
                            {"long_name": "momentum SGD's learning rate; the Newton methods' "
                                          "initial damping"}),
         "dim": ("hidden", np.array(dims))},
        coords=coords,
        attrs=provenance(root, seeds=seeds, budget=budget, rank=rank, method=method,
                         learning_rates=grids["learning_rates"], dampings=grids["dampings"],
                         points=points))


def plateau_switch(net, x0, *, learning_rate: float = 0.01, batch_size: int = 500,
                   epochs: int = 40, window: int = 3, plateau_tolerance: float = 0.01,
                   rank: int = 20, damping: float = 0.1, rng=None) -> dict:
    r"""Momentum SGD into a plateau, then saddle-free Newton from it, with ``lambda_min``.

    Momentum SGD (momentum 0.9) on minibatches from ``x0`` for ``epochs`` epochs, the loss
    and the smallest Hessian eigenvalue (:func:`optim.smallest_eigenvalue`) recorded once per
    epoch. The plateau is the first epoch ``e >= window``
    with :math:`L_{e - \text{window}} - L_e < \text{plateau\_tolerance}\cdot L_e`. From the
    point of that epoch, :func:`optim.adaptive_saddle_free_newton` on the whole training set
    for as many passes over the data (gradient equivalents) as momentum SGD made from the
    plateau to its last epoch, its loss and smallest eigenvalue recorded at every step.

    Parameters
    ----------
    net
        A data surface with ``hvp`` (a network of :mod:`fields.nn`).
    x0 : array_like
        The start (a small initialisation gives the plateau of the saddle at 0).
    learning_rate : float > 0
    batch_size : int >= 1
    epochs : int >= 2
    window : int >= 1
    plateau_tolerance : float > 0
    rank : int >= 1
        Krylov dimension of saddle-free Newton.
    damping : float > 0
        Its initial damping (then adapted).
    rng : None, int, SeedSequence or Generator
        Root: keyed child 0 the momentum-SGD run, child 1 saddle-free Newton's.

    Returns
    -------
    dict
        ``sgd`` and ``sfn`` (the datasets of :func:`optim.train`, with ``passes``, passes
        over the data since the start, and ``lambda_min``), ``plateau_epoch`` (None when no
        plateau was met), ``plateau_loss`` and ``plateau_lambda_min``.
    """
    check_surface(net, ("value", "grad", "hvp"), name="net")
    if x0 is None:
        raise TypeError("x0 must be the start point, an array of net.dim numbers; got None")
    learning_rate = check_positive_float("learning_rate", learning_rate)
    sfn_optimizer = adaptive_saddle_free_newton(damping, rank=rank)
    epochs = check_int("epochs", epochs, 2)
    window = check_int("window", window, 1)
    plateau_tolerance = check_positive_float("plateau_tolerance", plateau_tolerance)
    root = as_seed_sequence(rng)
    sgd_run = train(net, momentum(learning_rate, 0.9), epochs=epochs, batch_size=batch_size,
                    x0=x0, lambda_min=True, rng=child(root, 0))
    sgd_run = sgd_run.assign(passes=("evaluation", sgd_run.epoch.values))
    loss = sgd_run.loss.values
    plateau = None
    for e in range(window, loss.size):
        if np.isfinite(loss[e]) and loss[e - window] - loss[e] < plateau_tolerance * loss[e]:
            plateau = e
            break
    out = {"sgd": sgd_run, "plateau_epoch": plateau, "plateau_loss": math.nan,
           "plateau_lambda_min": math.nan, "sfn": None}
    if plateau is None:
        return out
    # The point of the plateau epoch: the same run again, stopped there (same minibatches).
    start = train(net, momentum(learning_rate, 0.9), epochs=plateau, batch_size=batch_size,
                  x0=x0, final_point=True, rng=child(root, 0)).final_point.values
    passes = float(epochs - plateau)
    sfn = train(net, sfn_optimizer, epochs=math.ceil(passes),
                batch_size=net.n_examples, x0=start, budget=passes, lambda_min=True,
                rng=child(root, 1))
    sfn = sfn.assign(passes=("evaluation", plateau + sfn.gradient_equivalents.values))
    out.update(sfn=sfn, plateau_loss=float(loss[plateau]),
               plateau_lambda_min=float(sgd_run.lambda_min.values[plateau]))
    return out
