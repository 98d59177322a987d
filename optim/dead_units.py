r"""Certified critical points of a network with dead hidden units, whose index is known.

A critical point of the narrower network made of a network's live units is a critical point
of the whole network when the other units are dead (all their weights zero; tanh, relu and
linear units), and at a minimum of the narrower network its index is ``d`` times the number
of negative eigenvalues a dead unit adds (:mod:`fields.nn.dead_units`). Such saddles are the
plateaus of training from small weights, where units switch on one after another
(Fukumizu & Amari 2000; Jacot et al. 2021, arXiv:2106.15933).

:func:`dead_unit_critical_points` finds them the way a descent method finds minima, which
every finder of critical points can certify on a network where the generic searches stall at
gradient-flat points (Frye et al. 2021; ``docs/design.md``): for each count ``d`` a random
point of scale ``scale`` (a high-loss point, as a small initialisation), ``d`` of its units
killed, L-BFGS (:func:`scipy.optimize.minimize`) on the live parameters to a minimum of the
narrower network, then the certificate of :func:`optim.find_critical_points` (Newton-MR from
that point, so the last digits come at Newton's rate) on the whole network, with the known
index beside the measured one.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.optimize
import xarray as xr

import rmt
from fields.nn import MLP, dead_unit_eigenvalues
from rmt._validation import check_positive_float
from rmt.random import as_seed_sequence, child, provenance

from .critical import find_critical_points

__all__ = ["dead_unit_critical_points"]

#: L-BFGS iterations per narrower network (its minimum needs up to a few thousand at 5,560
#: parameters and weight decay 0.01; Newton-MR then certifies).
_MAX_ITER = 10_000
#: L-BFGS stops when its largest gradient component has fallen by this factor from the
#: start's: close enough for Newton-MR's quadratic convergence on the live parameters.
_GTOL = 1e-6


def _counts(dead, width: int) -> np.ndarray:
    arr = np.asarray(dead)
    if arr.ndim != 1 or arr.size == 0 or arr.dtype.kind not in "iu":
        raise ValueError(f"dead must be a non-empty 1-D array of integers; got {dead!r}")
    if arr.min() < 0 or arr.max() > width:
        raise ValueError(f"dead must lie in [0, {width}] (the layer's width); got {dead!r}")
    return arr.astype(np.int64)


def _narrow_minimum(net: MLP, w: np.ndarray, live: np.ndarray) -> np.ndarray:
    """L-BFGS on the parameters ``live`` of ``net`` from ``w`` (the others held at 0)."""
    point = np.zeros(net.dim)

    def value_and_grad(x):
        point[live] = x
        f, g = net.value_and_grad(point)
        return f, g[live]

    g0 = value_and_grad(w[live])[1]
    res = scipy.optimize.minimize(value_and_grad, w[live], jac=True, method="L-BFGS-B",
                                  options={"maxiter": _MAX_ITER, "ftol": 0.0,
                                           "gtol": _GTOL * float(np.abs(g0).max())})
    end = np.zeros(net.dim)
    end[live] = res.x
    return end


def dead_unit_critical_points(net: MLP, dead, *, layer: int = 0, scale: float = 0.05,
                              rng=None, **finder_kwargs) -> xr.Dataset:
    r"""Certified critical points of ``net`` with ``d`` dead units, for each ``d`` in ``dead``.

    Parameters
    ----------
    net : fields.nn.MLP
        The network; hidden layer ``layer`` with an activation mapping 0 to 0.
    dead : array_like of int
        Numbers of dead units, one search each, in ``[0, width]``.
    layer : int, default 0
        The hidden layer whose units die.
    scale : float, default 0.05
        Standard deviation of the random start's parameters (``> 0``).
    rng : None, int, SeedSequence or Generator
        Root, recorded in ``attrs``: child ``(0, k)`` draws the ``k``-th start and its dead
        units, child 1 is the finder's.
    **finder_kwargs
        ``certificate`` and ``solver`` of :func:`optim.find_critical_points`.

    Returns
    -------
    xarray.Dataset
        The finder's dataset (one row per distinct end point, method Newton-MR) plus, per
        row: ``loss`` and ``error`` (training loss and error), ``dead_units`` (how many units
        of ``layer`` are dead at the point), ``live_index`` (:func:`rmt.index` of the Hessian's
        block of the live parameters), ``known_index`` (``live_index`` plus ``dead_units``
        times the number of negative eigenvalues of :func:`fields.nn.dead_unit_eigenvalues`:
        the index the block-diagonal structure predicts, which the measured ``index`` of the
        whole Hessian must equal) and ``live_minimum`` (``live_index == 0``).

    Raises
    ------
    TypeError, ValueError
        ``net`` not an MLP, a bad ``layer``, ``dead``, ``scale`` or ``rng``, an activation with
        ``phi(0) != 0``; the message names the argument.

    Examples
    --------
    >>> import numpy as np
    >>> from fields.nn import MLP
    >>> from optim.dead_units import dead_unit_critical_points
    >>> gen = np.random.default_rng(0)
    >>> x, y = gen.standard_normal((40, 3)), gen.integers(0, 3, 40)
    >>> net = MLP([3, 4, 3], data=(x, y), weight_decay=0.01, rng=0)
    >>> ds = dead_unit_critical_points(net, [4, 2], rng=1)
    >>> bool((ds.index == ds.known_index).all())
    True
    """
    if not isinstance(net, MLP):
        raise TypeError(f"net must be a fields.nn.MLP; got {type(net).__name__}")
    layer = net._check_hidden_layer(layer)
    width = net.layers[layer + 1]
    counts = _counts(dead, width)
    scale = check_positive_float("scale", scale)
    dead_unit_eigenvalues(net, net.w0, layer=layer)  # refuses an activation with phi(0) != 0
    root = as_seed_sequence(rng)
    ends = []
    for k, count in enumerate(counts):
        gen = np.random.default_rng(child(root, 0, k))
        w = scale * gen.standard_normal(net.dim)
        mask = np.zeros(net.dim, dtype=bool)
        mask[net.unit_parameters(np.sort(gen.choice(width, count, replace=False)),
                                 layer=layer)] = True
        w[mask] = 0.0
        ends.append(_narrow_minimum(net, w, np.flatnonzero(~mask)))
    ds = find_critical_points(net, n_starts=len(ends), method="newton-mr",
                              starts=np.stack(ends), rng=child(root, 1), **finder_kwargs)
    points = ds.x.values
    finite = np.all(np.isfinite(points), axis=1)
    n_dead = np.full(len(points), -1, dtype=np.int64)
    live_index = np.full(len(points), -1, dtype=np.int64)
    known = np.full(len(points), -1, dtype=np.int64)
    error = np.full(len(points), math.nan)
    for row in np.flatnonzero(finite):
        x = points[row]
        dead_here = net.dead_units(x, layer=layer)
        live = np.setdiff1d(np.arange(net.dim), net.unit_parameters(dead_here, layer=layer))
        live_index[row] = int(rmt.index(net.hess(x)[np.ix_(live, live)]))
        n_dead[row] = dead_here.size
        known[row] = live_index[row] + n_dead[row] * int(
            np.sum(dead_unit_eigenvalues(net, x, layer=layer) < 0))
        error[row] = net.task_error(x)
    ds["loss"] = ("point", ds.value.values, {"long_name": "training loss"})
    ds["error"] = ("point", error, {"long_name": "training error"})
    ds["dead_units"] = ("point", n_dead, {"long_name": f"dead units of hidden layer {layer} "
                                                       "(-1: a non-finite end point)"})
    ds["live_index"] = ("point", live_index, {
        "long_name": "index of the Hessian's block of the live parameters (-1: a non-finite "
                     "end point)"})
    ds["known_index"] = ("point", known, {
        "long_name": "live_index + dead units x negative eigenvalues one dead unit adds"})
    ds["live_minimum"] = ("point", live_index == 0,
                          {"long_name": "the live parameters are at a minimum"})
    ds.attrs.update(provenance(root, surface=net, dead=counts, layer=layer, scale=scale))
    ds.attrs.update(source="optim.dead_units.dead_unit_critical_points",
                    references=ds.attrs["references"] + "; Fukumizu & Amari (2000) Neural "
                    "Netw. 13; Simsek et al. (2021) ICML")
    return ds
