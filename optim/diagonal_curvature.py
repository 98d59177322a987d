r"""Diagonal preconditioners estimated from Hessian-vector products: Jacobi and ESGD.

A diagonal preconditioner ``D`` turns gradient descent into
:math:`x_{t+1} = x_t - \eta\, g_t / (D + \lambda)` (elementwise). Two choices, built from
unbiased estimates made with random probes ``v`` (``E[v v^T] = I``; docs/theory.md, section 6):

* **Jacobi**, :math:`D = |\operatorname{diag} H|`, from
  :math:`E[v \odot Hv] = \operatorname{diag} H`;
* **equilibration**, :math:`D_i = \|H_{i,:}\|_2 = \sqrt{\operatorname{diag}(H^2)}_i`, from
  :math:`E[(Hv)^2] = \operatorname{diag}(H^2)`.

At a saddle the Jacobi diagonal can cancel to nearly zero (a coordinate mixing curvatures of
both signs) while the equilibration diagonal cannot (``H^2 = |H|^2``): this is the argument of
Dauphin, de Vries & Bengio (2015), "Equilibrated adaptive learning rates for non-convex
optimization", NeurIPS, whose Algorithm 1 (ESGD) is :func:`esgd`.

:func:`scale_by_diagonal_curvature` is the building block; :func:`jacobi` and :func:`esgd`
chain it with ``scale(-lr)``.
"""

from __future__ import annotations

import numpy as np

from fields.surface import check_surface
from rmt._validation import check_int, check_positive_float

from .base import Transform, _fraction, _learning_rate, chain, named, scale
from .first_order import _copy_generator, _own_generator

__all__ = ["esgd", "jacobi", "scale_by_diagonal_curvature"]

ESTIMATORS = ("jacobi", "equilibration")
PROBES = ("gaussian", "rademacher")
AVERAGES = ("running", "ema")


def _choice(name: str, value, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be one of {allowed}; got {value!r} "
                        f"({type(value).__name__})")
    if value not in allowed:
        raise ValueError(f"{name} must be one of {allowed}; got {value!r}")
    return value


def _probe(gen: np.random.Generator, shape: tuple[int, ...], probe: str) -> np.ndarray:
    """A probe with ``E[v v^T] = I``: standard normal, or +-1 with probability 1/2 each.

    Rademacher entries are drawn as in :func:`rmt.estimate_jacobi`: ``-1`` where a uniform
    draw is below 1/2.
    """
    if probe == "gaussian":
        return gen.standard_normal(shape)
    return np.where(gen.random(shape) < 0.5, -1.0, 1.0)


def scale_by_diagonal_curvature(
    estimator: str,
    every: int = 1,
    damping: float = 1e-4,
    probe: str = "gaussian",
    average: str = "running",
    decay: float = 0.99,
) -> Transform:
    r"""Divide by a stochastic estimate of a diagonal preconditioner: ``u -> u / (D + damping)``.

    At updates ``t = 0, every, 2 every, ...`` (the first update always refreshes) one probe
    ``v`` is drawn from the state's Generator and ``surface.hvp(x, v)`` is computed; the sample

    .. math:: s = v \odot Hv \ \ (\text{"jacobi"}) \qquad\text{or}\qquad
              s = (Hv)^2 \ \ (\text{"equilibration"})

    is added to an average :math:`\bar s` over the ``n`` probes so far, and

    .. math:: D = |\bar s| \ \ (\text{"jacobi"}), \qquad D = \sqrt{\bar s}
              \ \ (\text{"equilibration"}), \qquad
              \text{output} = \frac{u}{D + \lambda}.

    Between refreshes ``D`` is kept. With ``average="running"`` :math:`\bar s` is the plain
    mean of all ``n`` samples (Dauphin, de Vries & Bengio 2015, Algorithm 1:
    ``D <- D + (Hv)^2`` every ``K`` steps, step ``g / (sqrt(D / ceil(i / K)) + lambda)``), an
    unbiased estimate of ``diag H`` or ``diag H^2`` when the Hessian does not change. With
    ``average="ema"`` it is the bias-corrected exponential moving average
    :math:`a_n = \beta a_{n-1} + (1 - \beta) s_n`, :math:`\bar s = a_n / (1 - \beta^n)`,
    which forgets the curvature of points left behind.

    Parameters
    ----------
    estimator : {"jacobi", "equilibration"}
    every : int >= 1
        Refresh the estimate every this many updates (ESGD's ``K``).
    damping : float >= 0
        ``lambda``, added to ``D`` (with 0 a coordinate with ``D = 0`` gives Inf/NaN, which
        the driver records as divergence).
    probe : {"gaussian", "rademacher"}
        Distribution of the probe entries. For Rademacher probes ``(v * Hv)^2 = (Hv)^2``, and
        on a diagonal Hessian one probe gives the exact diagonal.
    average : {"running", "ema"}
    decay : float in [0, 1)
        ``beta`` of ``average="ema"`` (ignored for ``"running"``).

    Returns
    -------
    Transform
        Named ``"scale_by_diagonal_curvature"``, ``needs=("hvp",)``. State: ``"rng"`` (the
        probe Generator), ``"count"`` (updates done), ``"probes"`` (``n``, probes drawn so far),
        ``"sum"`` (the sum of the ``n`` samples for ``"running"``, the un-corrected moving
        average ``a_n`` for ``"ema"``; signed for Jacobi) and ``"diagonal"`` (the current
        ``D``, without damping; zeros before the first update).

    Raises
    ------
    TypeError, ValueError
        Unknown ``estimator``, ``probe`` or ``average``; ``every`` not an integer >= 1;
        ``damping`` negative or not finite; ``decay`` outside [0, 1).

    Notes
    -----
    One ``hvp`` per refresh. On a manifold (the spin glass) ``hvp`` takes and returns ambient
    vectors, ``D`` is a diagonal in ambient coordinates, and the scaled step is in general not
    tangent; the driver's retraction brings the point back to the manifold.

    Examples
    --------
    >>> import numpy as np
    >>> class Diagonal:
    ...     dim = 3
    ...     def hvp(self, x, v):
    ...         return np.array([1.0, -2.0, 4.0]) * v
    >>> block = scale_by_diagonal_curvature("equilibration", probe="rademacher", damping=0.0)
    >>> state = block.init(np.zeros(3), rng=0)
    >>> out, state = block.update(np.ones(3), state, np.zeros(3), Diagonal())
    >>> state["diagonal"], out
    (array([1., 2., 4.]), array([1.  , 0.5 , 0.25]))
    """
    estimator = _choice("estimator", estimator, ESTIMATORS)
    every = check_int("every", every, 1)
    damping = check_positive_float("damping", damping, allow_zero=True)
    probe = _choice("probe", probe, PROBES)
    average = _choice("average", average, AVERAGES)
    decay = _fraction("decay", decay)
    jacobi_estimator = estimator == "jacobi"
    running = average == "running"

    def init(x, *, rng=None):
        zeros = np.zeros(np.shape(x), dtype=np.float64)
        return {"rng": _own_generator(rng), "count": 0, "probes": 0, "sum": zeros,
                "diagonal": zeros.copy()}

    def update(u, state, x, surface):
        check_surface(surface, ("hvp",))
        u = np.asarray(u, dtype=np.float64)
        t = state["count"]
        new = dict(state, count=t + 1)
        if t % every == 0:
            gen = _copy_generator(state["rng"])
            v = _probe(gen, u.shape, probe)
            hv = np.asarray(surface.hvp(x, v), dtype=np.float64)
            sample = v * hv if jacobi_estimator else hv * hv
            n = state["probes"] + 1
            if running:
                total = state["sum"] + sample
                mean = total / n
            else:
                total = decay * state["sum"] + (1.0 - decay) * sample
                mean = total / (1.0 - decay**n)
            diagonal = np.abs(mean) if jacobi_estimator else np.sqrt(mean)
            new.update(rng=gen, probes=n, sum=total, diagonal=diagonal)
        return u / (new["diagonal"] + damping), new

    hyper = {"estimator": estimator, "every": every, "damping": damping, "probe": probe,
             "average": average}
    if not running:
        hyper["decay"] = decay
    return Transform("scale_by_diagonal_curvature", init, update, hyper, needs=("hvp",))


def jacobi(lr: float, damping: float = 1e-4, every: int = 1, probe: str = "gaussian") -> Transform:
    r"""Gradient descent preconditioned by a stochastic Jacobi diagonal.

    .. math:: x_{t+1} = x_t - \eta\, \frac{g_t}{D + \lambda}, \qquad
              D = \Big|\frac1n \sum_{k=1}^n v_k \odot H v_k\Big|
              \approx |\operatorname{diag} H|,

    (Bekas, Kokiopoulou & Saad 2007 for the estimator; Dauphin, de Vries & Bengio 2015 for
    the comparison with equilibration, which shows how it fails at saddles), with one new
    probe every ``every`` updates: :func:`scale_by_diagonal_curvature` with
    ``estimator="jacobi"``.

    Parameters
    ----------
    lr : float > 0
    damping : float >= 0
    every : int >= 1
    probe : {"gaussian", "rademacher"}

    Returns
    -------
    Transform
        Named ``"jacobi"``, ``needs=("hvp",)``; state ``(block_state, {})`` with
        ``block_state["diagonal"]`` and ``block_state["probes"]`` as in
        :func:`scale_by_diagonal_curvature`.

    Raises
    ------
    TypeError, ValueError
        ``lr`` not > 0, ``damping`` < 0, ``every`` < 1, unknown ``probe``.
    """
    lr = _learning_rate(lr)
    inner = scale_by_diagonal_curvature("jacobi", every=every, damping=damping, probe=probe)
    hyper = inner.hyperparameters
    return named("jacobi", chain(inner, scale(-lr)), lr=lr, damping=hyper["damping"],
                 every=hyper["every"], probe=probe)


def esgd(lr: float, damping: float = 1e-4, every: int = 20, probe: str = "gaussian") -> Transform:
    r"""Equilibrated SGD (Dauphin, de Vries & Bengio 2015, Algorithm 1).

    .. math:: x_{t+1} = x_t - \eta\, \frac{g_t}{D + \lambda}, \qquad
              D = \sqrt{\frac1n \sum_{k=1}^n (H v_k)^2} \approx \sqrt{\operatorname{diag} H^2},

    with a new probe ``v ~ N(0, I)`` (or Rademacher) every ``every`` updates (their ``K``; the
    first update always draws one):
    :func:`scale_by_diagonal_curvature` with ``estimator="equilibration"``.

    Parameters
    ----------
    lr : float > 0
    damping : float >= 0
        ``lambda``.
    every : int >= 1
        ``K``.
    probe : {"gaussian", "rademacher"}

    Returns
    -------
    Transform
        Named ``"esgd"``, ``needs=("hvp",)``; state ``(block_state, {})`` with
        ``block_state["diagonal"]`` and ``block_state["probes"]`` as in
        :func:`scale_by_diagonal_curvature`.

    Raises
    ------
    TypeError, ValueError
        ``lr`` not > 0, ``damping`` < 0, ``every`` < 1, unknown ``probe``.

    Examples
    --------
    >>> import numpy as np
    >>> import fields
    >>> q = fields.RandomQuadratic(5, shift=3.0, rng=0)
    >>> opt = esgd(0.1, every=1)
    >>> state = opt.init(np.ones(5), rng=0)
    >>> step, state = opt.update(q.grad(np.ones(5)), state, np.ones(5), q)
    >>> state[0]["probes"], step.shape
    (1, (5,))
    """
    lr = _learning_rate(lr)
    inner = scale_by_diagonal_curvature("equilibration", every=every, damping=damping,
                                        probe=probe)
    hyper = inner.hyperparameters
    return named("esgd", chain(inner, scale(-lr)), lr=lr, damping=hyper["damping"],
                 every=hyper["every"], probe=probe)
