r"""Minibatch training and the comparison of optimisers on one network (the talk's experiment 2).

:func:`train` runs one optimiser for a number of epochs over a data surface
(:class:`fields.DataSurface`: a network of :mod:`fields.nn`, or any surface with
``n_examples``, ``minibatch(size, rng=)`` and ``task_error(w)``): each epoch shuffles the
examples and takes one step per minibatch,

.. math:: g_t = \nabla f_{B_t}(x_t), \qquad (s_t, \text{state}) =
          \text{opt.update}(g_t, \text{state}, x_t, f_{B_t}), \qquad x_{t+1} = x_t + s_t,

so curvature-based optimisers (Jacobi, ESGD) take their Hessian-vector products on the same
minibatch ``B_t`` (Dauphin, de Vries & Bengio 2015, Algorithm 1). The loss on all examples, and
the error the surface defines (``surface.task_error``: a classification error rate, a
reconstruction error; NaN when it defines none), are evaluated ``evaluations_per_epoch`` times
per epoch. Work is counted in *gradient equivalents*: one minibatch gradient counts 1, one
minibatch Hessian-vector product ``hvp_cost`` (2 by default: the R-operator gives ``Hv`` for
about the price of two gradients, Pearlmutter 1994).

:func:`compare` does this for several optimisers with the same learning-rate search for each
(log-uniform random rates drawn once and shared, Bergstra & Bengio 2012), the same start and
the same sequence of minibatches, and returns one dataset. The paper's expectation for deep
autoencoders (Dauphin et al. 2015, Figure 4): ESGD at least as good as RMSProp, both better
than SGD, Jacobi worst or unstable.

:func:`diagonal_similarity` measures the talk's claim that RMSProp is a biased equilibration:
at a point, the cosine similarity between the RMSProp diagonal
:math:`\sqrt{E_B[g_B^2]}`, the Jacobi diagonal :math:`|E[v \odot H_B v]|` and the
equilibration diagonal :math:`\sqrt{E[(H_B v)^2]}` (docs/theory.md section 6).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass

import numpy as np
import xarray as xr

from fields.surface import check_surface
from rmt._threads import small_products
from rmt._validation import check_bool, check_count, check_int, check_positive_float, check_vector
from rmt.random import as_generator, as_seed_sequence, child, provenance

from .base import Transform
from .surface import LAMBDA_MIN_TOL, smallest_eigenvalue

__all__ = ["LearningRateSearch", "compare", "diagonal_similarity", "train"]


@dataclass(frozen=True)
class LearningRateSearch:
    """A random search of learning rates, the same for every optimiser.

    Attributes
    ----------
    trials : int
        Number of learning rates tried (drawn once, log-uniformly in ``[low, high]``).
    low, high : float
        Range of the learning rates, ``0 < low <= high``.
    epochs : float
        Training budget of each trial, in epochs (the best rate by final training loss is
        then used for the full run; a diverged trial ranks last).
    """

    trials: int = 8
    low: float = 1e-4
    high: float = 1.0
    epochs: int = 1

    def __post_init__(self):
        check_int("lr_search.trials", self.trials, 1)
        check_int("lr_search.epochs", self.epochs, 1)
        low = check_positive_float("lr_search.low", self.low)
        high = check_positive_float("lr_search.high", self.high)
        if low > high:
            raise ValueError(f"lr_search needs low <= high; got low={low}, high={high}")


class _Counting:
    """A surface wrapper counting losses, gradients, Hessian-vector products and Hessians."""

    def __init__(self, surface):
        self._surface = surface
        self.dim = surface.dim
        self.values = 0
        self.grads = 0
        self.hvps = 0
        self.hessians = 0

    def value(self, x):
        self.values += 1
        return self._surface.value(x)

    def grad(self, x):
        self.grads += 1
        return self._surface.grad(x)

    def value_and_grad(self, x):
        self.grads += 1
        return self._surface.value_and_grad(x)

    def hvp(self, x, v):
        self.hvps += 1
        return self._surface.hvp(x, v)

    def _hess(self, x):
        self.hessians += 1
        return self._surface.hess(x)

    def cost(self, hvp_cost: float, value_cost: float) -> float:
        """Gradient equivalents so far: a dense Hessian counts ``dim`` Hessian-vector products."""
        return (self.grads + value_cost * self.values
                + hvp_cost * (self.hvps + self.dim * self.hessians))

    def __getattr__(self, name):  # gvp, project, ...: passed through uncounted
        if name == "hess":
            if not hasattr(self._surface, "hess"):
                raise AttributeError(f"{type(self._surface).__name__} has no hess")
            return self._hess
        return getattr(self._surface, name)


#: The members of a data surface that training uses (:class:`fields.DataSurface`).
_DATA = ("value", "grad", "minibatch", "task_error")


def _check_data_surface(surface, needs: tuple[str, ...] = _DATA) -> int:
    """:func:`fields.surface.check_surface` for ``needs``; return ``surface.n_examples``."""
    check_surface(surface, tuple(dict.fromkeys(needs)))
    return int(surface.n_examples)


#: Numbers recorded per evaluation by :func:`train`: epoch, loss, error, gradient
#: equivalents, steps (and the three cosines with ``diagonals``).
_RECORDED, _COSINES = 5, 3


def _check_epochs(name: str, epochs, evaluations_per_epoch: int, diagonals: bool, *,
                  runs: int = 1, lambda_min: bool = False) -> int:
    """``epochs``, refused when the rows of ``runs`` runs (and their concatenation) cannot fit.

    Each evaluation records ``5`` float64 (``8`` with the diagonal cosines), held by the run
    and by its Dataset, so ``2 runs`` copies of them.
    """
    numbers = _RECORDED + (_COSINES if diagonals else 0) + (1 if lambda_min else 0)
    return check_count(name, epochs, 1,
                       bytes_each=2 * runs * 8 * numbers * evaluations_per_epoch,
                       what=f"the training record ({evaluations_per_epoch} evaluation(s) per "
                            f"epoch of {numbers} float64, {runs} run(s))")


def _check_batch_size(batch_size, n: int) -> int:
    batch_size = check_int("batch_size", batch_size, 1)
    if batch_size > n:
        raise ValueError(f"batch_size must be at most n_examples = {n}; got {batch_size}")
    return batch_size


def _epoch(surface, batch_size: int, n: int, gen: np.random.Generator):
    """The minibatches of one epoch: a shuffled partition when the surface offers one."""
    if callable(getattr(surface, "batches", None)):
        yield from surface.batches(batch_size, rng=gen)
    else:
        for _ in range(math.ceil(n / batch_size)):
            yield surface.minibatch(batch_size, rng=gen)


def _check_x0(surface, x0) -> np.ndarray:
    if x0 is None:
        x0 = getattr(surface, "w0", None)
        if x0 is None:
            raise TypeError(f"x0 is required: {type(surface).__name__} has no w0")
    return check_vector("x0", x0, surface.dim, copy=True)


def _check_optimizer(name: str, opt) -> Transform:
    if not isinstance(opt, Transform):
        raise TypeError(f"optimizer {name!r} must be an optim Transform (or, with lr_search, "
                        f"a callable lr -> Transform); got {type(opt).__name__}")
    return opt


def train(surface, optimizer: Transform, *, epochs: int = 10, batch_size: int = 100,
          x0=None, evaluations_per_epoch: int = 1, hvp_cost: float = 2.0,
          value_cost: float = 1.0, budget: float | None = None, diagonals: bool = False,
          diagonal_probes: int = 10, lambda_min: bool = False, final_point: bool = False,
          rng=None) -> xr.Dataset:
    """Train with one optimiser on minibatches and record the loss along the way.

    Parameters
    ----------
    surface
        A data surface (:class:`fields.DataSurface`): ``dim``, ``value``, ``grad``,
        ``n_examples``, ``minibatch(size, rng=)`` and ``task_error(w)`` (``batches(size,
        rng=)`` is used for epochs when present; ``hvp`` when the optimiser needs it), checked
        by :func:`fields.surface.check_surface`.
    optimizer : Transform
        Any optimiser of :mod:`optim` (``opt.init`` / ``opt.update``).
    epochs : int, default 10
        Passes over the training examples, ``>= 1``.
    batch_size : int, default 100
        Examples per minibatch, ``1 <= batch_size <= n_examples``.
    x0 : array_like, optional
        Start; default ``surface.w0`` (the network's initial parameters).
    evaluations_per_epoch : int, default 1
        How often the full training loss is evaluated (at the end of equal parts of each
        epoch, and once at the start).
    hvp_cost : float, default 2
        Gradient equivalents charged for one Hessian-vector product (a dense Hessian, which
        the exact Newton methods ask of the minibatch, is charged ``dim`` of them).
    value_cost : float, default 1
        Gradient equivalents charged for one minibatch loss the optimiser asks for (the line
        searches of :mod:`optim.adaptive_newton`): a forward pass is cheaper than a gradient,
        so 1 is the conservative charge. The recorded full-data losses are not charged.
    budget : float > 0, optional
        Stop at the first step at which the gradient equivalents reach ``budget`` (that point
        is recorded; later rows hold NaN and ``status`` is ``"budget"``).
    diagonals : bool, default False
        Also record :func:`diagonal_similarity` at each evaluation.
    diagonal_probes : int, default 10
        Minibatches (and probes) per :func:`diagonal_similarity`.
    lambda_min : bool, default False
        Also record the smallest eigenvalue of the full-data Hessian at each evaluation
        (:func:`optim.smallest_eigenvalue`, ARPACK, relative accuracy 1e-3; not charged: a
        diagnostic), so that a plateau of the loss can be matched with negative curvature.
    final_point : bool, default False
        Also return the last point reached, as ``final_point`` over ``parameter`` (the last
        finite one after a divergence), to continue from it.
    rng : None, int, SeedSequence or Generator
        Root of the run's randomness (:func:`rmt.random.as_seed_sequence`): keyed child 0
        orders the minibatches, child 1 seeds the optimiser, child 2 the diagonal estimates,
        child 3 the start vectors of the smallest eigenvalues.

    Returns
    -------
    xarray.Dataset
        Over ``evaluation``: ``epoch`` (coordinate, fractional), ``loss`` (full training
        loss), ``error`` (``surface.task_error``, NaN when the surface defines none),
        ``gradient_equivalents``, ``steps``; with ``diagonals``, the cosines of
        :func:`diagonal_similarity`; with ``lambda_min``, the variable ``lambda_min``.
        ``attrs``: the provenance (:func:`rmt.random.provenance`:
        library version, seed, ``surface``, ``optimizer`` (its ``repr``) and every argument),
        then ``status`` (``"completed"``, ``"budget"`` or ``"diverged"``) and
        ``diverged_at_epoch``. After a divergence the rows hold NaN.

    Raises
    ------
    TypeError, ValueError
        A surface that is not a data surface, an optimiser that is not a Transform or needs a
        member the surface lacks, bad counts or ``x0``; ``epochs`` whose record
        (``16 * 5`` bytes per evaluation, ``16 * 8`` with ``diagonals``) would not fit in the
        memory available (:func:`rmt._validation.memory_limit`).

    Notes
    -----
    BLAS runs on one thread during the training loop when ``dim <= 2**22``
    (:mod:`rmt._threads`): the products of one minibatch step are too small for threads to
    pay, and on a shared machine they fight (200 minibatch gradients of the CURVES
    autoencoder: ``tests/benchmarks/bench_nn.py``, threads table).

    Examples
    --------
    >>> import numpy as np
    >>> import fields, optim
    >>> rng = np.random.default_rng(0)
    >>> x, y = rng.standard_normal((60, 4)), rng.integers(0, 3, 60)
    >>> net = fields.nn.MLP([4, 5, 3], data=(x, y), rng=0)
    >>> res = optim.train(net, optim.sgd(0.1), epochs=2, batch_size=20, rng=0)
    >>> res.sizes["evaluation"], res.attrs["status"]
    (3, 'completed')
    >>> bool(res.error[0] == net.task_error(net.w0))
    True
    """
    optimizer = _check_optimizer(getattr(optimizer, "name", "optimizer"), optimizer)
    n = _check_data_surface(surface, _DATA + optimizer.needs)
    evaluations_per_epoch = check_int("evaluations_per_epoch", evaluations_per_epoch, 1)
    diagonals = check_bool("diagonals", diagonals)
    lambda_min = check_bool("lambda_min", lambda_min)
    final_point = check_bool("final_point", final_point)
    epochs = _check_epochs("epochs", epochs, evaluations_per_epoch, diagonals,
                           lambda_min=lambda_min)
    batch_size = _check_batch_size(batch_size, n)
    hvp_cost = check_positive_float("hvp_cost", hvp_cost, allow_zero=True)
    value_cost = check_positive_float("value_cost", value_cost, allow_zero=True)
    if budget is not None:
        budget = check_positive_float("budget", budget)
    diagonal_probes = check_int("diagonal_probes", diagonal_probes, 1)
    if lambda_min:
        check_surface(surface, ("hvp",))
    x = _check_x0(surface, x0).copy()
    root = as_seed_sequence(rng)
    batch_gen = np.random.default_rng(child(root, 0))
    diag_gen = np.random.default_rng(child(root, 2))
    eig_seed = child(root, 3)

    steps_per_epoch = math.ceil(n / batch_size)
    if evaluations_per_epoch > steps_per_epoch:
        raise ValueError(f"evaluations_per_epoch must be at most the {steps_per_epoch} steps "
                         f"of an epoch; got {evaluations_per_epoch}")
    marks = {round(steps_per_epoch * (j + 1) / evaluations_per_epoch)
             for j in range(evaluations_per_epoch)}
    n_eval = epochs * evaluations_per_epoch + 1
    rows = {k: np.full(n_eval, np.nan) for k in ("epoch", "loss", "error",
                                                "gradient_equivalents", "steps")}
    cos_names = ("cos_rmsprop_equilibration", "cos_jacobi_equilibration",
                 "cos_rmsprop_jacobi")
    if diagonals:
        rows.update({k: np.full(n_eval, np.nan) for k in cos_names})
    if lambda_min:
        rows["lambda_min"] = np.full(n_eval, np.nan)
    state = optimizer.init(x, rng=child(root, 1))
    status, diverged_at = "completed", math.nan
    steps = 0
    counted = _Counting(surface)

    def record(i: int, epoch: float) -> bool:
        with np.errstate(all="ignore"):
            loss = float(surface.value(x))
        rows["epoch"][i] = epoch
        rows["loss"][i] = loss
        rows["gradient_equivalents"][i] = counted.cost(hvp_cost, value_cost)
        rows["steps"][i] = steps
        rows["error"][i] = float(surface.task_error(x))
        if lambda_min and math.isfinite(loss):
            rows["lambda_min"][i] = smallest_eigenvalue(surface, x, tol=LAMBDA_MIN_TOL,
                                                        rng=child(eig_seed, i))
        if diagonals:
            sim = diagonal_similarity(surface, x, batch_size=batch_size,
                                      probes=diagonal_probes, rng=diag_gen)
            for k in cos_names:
                rows[k][i] = sim[k.removeprefix("cos_")]
        return math.isfinite(loss)

    record(0, 0.0)
    i = 1
    with small_products(surface.dim):
        for epoch in range(epochs):
            for t, batch in enumerate(_epoch(surface, batch_size, n, batch_gen)):
                counted._surface = batch
                with np.errstate(all="ignore"):
                    g = np.asarray(counted.grad(x), dtype=np.float64)
                    step, state = optimizer.update(g, state, x, counted)
                    x_new = x + np.asarray(step, dtype=np.float64)
                steps += 1
                if not np.all(np.isfinite(x_new)):
                    status, diverged_at = "diverged", epoch + (t + 1) / steps_per_epoch
                    break
                x = x_new
                spent = budget is not None and counted.cost(hvp_cost, value_cost) >= budget
                if t + 1 in marks or spent:
                    if not record(i, epoch + (t + 1) / steps_per_epoch):
                        status, diverged_at = "diverged", rows["epoch"][i]
                        rows["loss"][i] = np.nan
                        break
                    i += 1
                if spent:
                    status = "budget"
                    break
            if status != "completed":
                break
    data_vars = {
        "loss": ("evaluation", rows["loss"], {"long_name": "training loss (all examples)"}),
        "error": ("evaluation", rows["error"],
                  {"long_name": "task error (surface.task_error; NaN: none defined)"}),
        "gradient_equivalents": ("evaluation", rows["gradient_equivalents"],
                                 {"long_name": f"minibatch gradients + {hvp_cost:g} x "
                                               f"minibatch Hessian-vector products + "
                                               f"{value_cost:g} x minibatch losses"}),
        "steps": ("evaluation", rows["steps"], {"long_name": "optimiser steps"}),
    }
    if diagonals:
        for k in cos_names:
            data_vars[k] = ("evaluation", rows[k], {"long_name": k.replace("_", " ")})
    if final_point:
        data_vars["final_point"] = ("parameter", x, {"long_name": "the last point reached"})
    if lambda_min:
        data_vars["lambda_min"] = ("evaluation", rows["lambda_min"],
                                   {"long_name": "smallest eigenvalue of the full-data Hessian"})
    attrs = provenance(
        root, surface=surface, dim=surface.dim, optimizer=optimizer, epochs=epochs,
        batch_size=batch_size, evaluations_per_epoch=evaluations_per_epoch, hvp_cost=hvp_cost,
        value_cost=value_cost, budget=budget, diagonals=diagonals,
        diagonal_probes=diagonal_probes, lambda_min=lambda_min,
        final_point=final_point,
    )
    attrs.update(status=status, diverged_at_epoch=diverged_at)
    return xr.Dataset(data_vars, coords={"epoch": ("evaluation", rows["epoch"])},
                      attrs=attrs)


def _search(surface, factory: Callable[[float], Transform], rates: np.ndarray, *,
            search: LearningRateSearch, batch_size: int, x0, hvp_cost: float,
            seed: np.random.SeedSequence) -> np.ndarray:
    losses = np.full(rates.size, np.nan)
    for k, lr in enumerate(rates):
        run = train(surface, factory(float(lr)), epochs=search.epochs, batch_size=batch_size,
                    x0=x0, hvp_cost=hvp_cost, rng=seed)
        losses[k] = run.loss.values[-1] if run.attrs["status"] == "completed" else np.nan
    return losses


def compare(surface, optimizers: Mapping[str, Transform | Callable[[float], Transform]], *,
            epochs: int = 10, batch_size: int = 100,
            lr_search: LearningRateSearch | Mapping | int | None = None, x0=None,
            evaluations_per_epoch: int = 1, hvp_cost: float = 2.0, diagonals: bool = False,
            diagonal_probes: int = 10, rng=None) -> xr.Dataset:
    """Train several optimisers on one surface under the same conditions; one dataset.

    Parameters
    ----------
    surface
        As for :func:`train` (a network of :mod:`fields.nn`).
    optimizers : mapping of name to Transform or callable
        With ``lr_search``: ``name -> factory``, ``factory(lr)`` returning the optimiser with
        learning rate ``lr`` (for example ``lambda lr: optim.esgd(lr, every=20)``). Without:
        ``name -> Transform``.
    epochs, batch_size, x0, evaluations_per_epoch, hvp_cost, diagonals, diagonal_probes
        As for :func:`train`; every optimiser starts at the same ``x0``.
    lr_search : LearningRateSearch, mapping of its fields, int (trials) or None
        The random search: its rates are drawn once (log-uniform) and tried for every
        optimiser for ``lr_search.epochs`` epochs each, from ``x0`` with the same minibatches;
        the rate with the lowest final training loss is used for the full run.
    rng : None, int, SeedSequence or Generator
        Root (:func:`rmt.random.as_seed_sequence`): keyed child 0 draws the rates, child 1 is
        the seed of every run (the same minibatch order and optimiser seed for each
        optimiser: a paired comparison).

    Returns
    -------
    xarray.Dataset
        Over (``optimizer``, ``evaluation``): ``loss``, ``error``, ``gradient_equivalents``,
        ``steps``, ``epoch`` (and the diagonal cosines); over ``optimizer``:
        ``learning_rate``, ``status``, ``diverged_at_epoch``, ``hyperparameters`` (the
        optimiser's ``repr``); with a search, ``search_loss`` over (``optimizer``, ``trial``)
        and the coordinate ``trial_learning_rate``. ``attrs``: the provenance
        (:func:`rmt.random.provenance`: library version, seed, ``surface``, the search and
        every argument).

    Raises
    ------
    TypeError, ValueError
        As for :func:`train`; ``epochs``, ``lr_search.epochs`` or ``lr_search.trials`` whose
        records (of every optimiser) would not fit in the memory available.

    Examples
    --------
    >>> import numpy as np
    >>> import fields, optim
    >>> rng = np.random.default_rng(0)
    >>> x, y = rng.standard_normal((60, 4)), rng.integers(0, 3, 60)
    >>> net = fields.nn.MLP([4, 5, 3], data=(x, y), rng=0)
    >>> res = optim.compare(net, {"sgd": optim.sgd, "rmsprop": optim.rmsprop}, epochs=2,
    ...                     batch_size=20, lr_search=3, rng=0)
    >>> res.loss.dims, res.optimizer.values.tolist()
    (('optimizer', 'evaluation'), ['sgd', 'rmsprop'])
    """
    n = _check_data_surface(surface)
    if not isinstance(optimizers, Mapping) or not optimizers:
        raise TypeError("optimizers must be a non-empty mapping of names to optimisers")
    if lr_search is not None and not isinstance(lr_search, LearningRateSearch):
        if isinstance(lr_search, Mapping):
            lr_search = LearningRateSearch(**lr_search)
        elif isinstance(lr_search, int) and not isinstance(lr_search, bool):
            lr_search = LearningRateSearch(trials=lr_search)
        else:
            raise TypeError(f"lr_search must be a LearningRateSearch, a mapping of its "
                            f"fields, a number of trials or None; got {lr_search!r}")
    for name, opt in optimizers.items():
        if lr_search is None:
            _check_optimizer(name, opt)
        elif not callable(opt) or isinstance(opt, Transform):
            raise TypeError(f"with lr_search, optimizer {name!r} must be a callable "
                            f"lr -> Transform (e.g. optim.sgd); got {opt!r}")
    evaluations_per_epoch = check_int("evaluations_per_epoch", evaluations_per_epoch, 1)
    diagonals = check_bool("diagonals", diagonals)
    epochs = _check_epochs("epochs", epochs, evaluations_per_epoch, diagonals,
                           runs=len(optimizers))
    if lr_search is not None:
        check_count("lr_search.trials", lr_search.trials, 1,
                    bytes_each=8 * (1 + len(optimizers)),
                    what="the learning rates and the search losses of every optimiser")
        _check_epochs("lr_search.epochs", lr_search.epochs, 1, False)
    batch_size = _check_batch_size(batch_size, n)
    x0 = _check_x0(surface, x0)
    root = as_seed_sequence(rng)
    rate_seed, run_seed = child(root, 0), child(root, 1)

    runs, rates, search_losses = [], [], []
    trial_rates = None
    if lr_search is not None:
        gen = np.random.default_rng(rate_seed)
        trial_rates = np.sort(np.exp(gen.uniform(np.log(lr_search.low),
                                                 np.log(lr_search.high), lr_search.trials)))
    for opt in optimizers.values():
        if lr_search is not None:
            losses = _search(surface, opt, trial_rates, search=lr_search,
                             batch_size=batch_size, x0=x0, hvp_cost=hvp_cost, seed=run_seed)
            search_losses.append(losses)
            best = int(np.nanargmin(losses)) if np.any(np.isfinite(losses)) else 0
            lr = float(trial_rates[best])
            opt = opt(lr)
        else:
            lr = float(opt.hyperparameters.get("lr", np.nan))
        rates.append(lr)
        runs.append(train(surface, opt, epochs=epochs, batch_size=batch_size, x0=x0,
                          evaluations_per_epoch=evaluations_per_epoch, hvp_cost=hvp_cost,
                          diagonals=diagonals, diagonal_probes=diagonal_probes,
                          rng=run_seed))
    names = list(optimizers)
    ds = xr.concat(runs, dim="optimizer", combine_attrs="drop")
    ds = ds.assign_coords(optimizer=names)
    ds["learning_rate"] = ("optimizer", np.array(rates))
    ds["status"] = ("optimizer", np.array([r.attrs["status"] for r in runs], dtype=object))
    ds["diverged_at_epoch"] = ("optimizer", np.array([r.attrs["diverged_at_epoch"]
                                                       for r in runs]))
    ds["hyperparameters"] = ("optimizer", np.array([r.attrs["optimizer"] for r in runs],
                                                    dtype=object))
    if lr_search is not None:
        ds = ds.assign_coords(trial_learning_rate=("trial", trial_rates))
        ds["search_loss"] = (("optimizer", "trial"), np.array(search_losses),
                             {"long_name": f"training loss after {lr_search.epochs} "
                                           f"epoch(s) of the search"})
    ds.attrs = provenance(
        root, surface=surface, dim=surface.dim, optimizers=", ".join(names), epochs=epochs,
        batch_size=batch_size, evaluations_per_epoch=evaluations_per_epoch, hvp_cost=hvp_cost,
        diagonals=diagonals, diagonal_probes=diagonal_probes,
        lr_search=asdict(lr_search) if lr_search is not None else None,
    )
    return ds


def diagonal_similarity(surface, x, *, batch_size: int = 100, probes: int = 10,
                        rng=None) -> dict[str, float]:
    r"""Cosine similarities of the RMSProp, Jacobi and equilibration diagonals at ``x``.

    With ``k = probes`` minibatches ``B_j`` and Gaussian probes ``v_j``:

    .. math:: D_\mathrm{rms} = \sqrt{\tfrac1k \textstyle\sum_j g_{B_j}^2}, \quad
              D_\mathrm{J} = \big|\tfrac1k \textstyle\sum_j v_j \odot H_{B_j} v_j\big|,
              \quad
              D_\mathrm{E} = \sqrt{\tfrac1k \textstyle\sum_j (H_{B_j} v_j)^2},

    (RMSProp's running mean of squared minibatch gradients, Tieleman & Hinton 2012; the
    unbiased Jacobi and equilibration estimators of docs/theory.md section 6) and
    :math:`\cos(a, b) = a \cdot b / (|a| |b|)`. Dauphin, de Vries & Bengio (2015) argue that
    RMSProp is a biased estimate of equilibration, so its cosine with ``D_E`` is high, and
    that Jacobi is not (its diagonal cancels at saddles).

    Parameters
    ----------
    surface
        A surface with ``grad``, ``hvp``, ``n_examples`` and ``minibatch(size, rng=)``.
    x : array_like, shape (dim,)
        The point.
    batch_size : int, default 100
        Examples per minibatch (capped at ``n_examples``).
    probes : int, default 10
        ``k``.
    rng : None, int, SeedSequence or Generator
        Source of the minibatches and the probes (:func:`rmt.random.as_generator`).

    Returns
    -------
    dict
        ``rmsprop_equilibration``, ``jacobi_equilibration``, ``rmsprop_jacobi``.
    """
    n = _check_data_surface(surface, ("grad", "hvp", "minibatch"))
    x = check_vector("x", x, surface.dim, copy=True)
    batch_size = check_int("batch_size", batch_size, 1)
    batch_size = min(batch_size, n)
    probes = check_int("probes", probes, 1)
    gen = as_generator(rng)
    g2 = np.zeros(surface.dim)
    vhv = np.zeros(surface.dim)
    hv2 = np.zeros(surface.dim)
    for _ in range(probes):
        batch = surface.minibatch(batch_size, rng=gen)
        g = np.asarray(batch.grad(x), dtype=np.float64)
        v = gen.standard_normal(surface.dim)
        hv = np.asarray(batch.hvp(x, v), dtype=np.float64)
        g2 += g * g
        vhv += v * hv
        hv2 += hv * hv
    d_rms, d_j, d_e = np.sqrt(g2 / probes), np.abs(vhv / probes), np.sqrt(hv2 / probes)

    def cos(a, b):
        den = float(np.linalg.norm(a) * np.linalg.norm(b))
        return float(a @ b) / den if den > 0 else math.nan

    return {"rmsprop_equilibration": cos(d_rms, d_e), "jacobi_equilibration": cos(d_j, d_e),
            "rmsprop_jacobi": cos(d_rms, d_j)}
