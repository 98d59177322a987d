r"""Diagonal preconditioners estimated from Hessian-vector products: Jacobi, ESGD, AdaHessian.

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
chain it with ``scale(-lr)``, and :func:`adahessian` (Yao et al. 2021) chains a
bias-corrected moving average of the gradients, the block with Rademacher probes and a moving
average of its samples, and ``scale(-lr)``.
"""

from __future__ import annotations

import numpy as np

from fields.surface import check_surface
from rmt._validation import check_int, check_positive_float

from .base import Transform, _fraction, _learning_rate, chain, named, scale
from .first_order import _copy_generator, _own_generator

__all__ = ["adahessian", "esgd", "jacobi", "scale_by_diagonal_curvature"]

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


def _debiased_ema(average: np.ndarray, sample: np.ndarray, decay: float,
                  n: int) -> tuple[np.ndarray, np.ndarray]:
    r"""One step of the bias-corrected moving average (Kingma & Ba 2015, Algorithm 1).

    :math:`a_n = \beta a_{n-1} + (1 - \beta) s_n` from :math:`a_0 = 0`; returns
    :math:`(a_n, a_n / (1 - \beta^n))`, the second the weighted mean of the ``n`` samples
    (weights :math:`\propto \beta^{n-k}`, summing to 1).
    """
    average = decay * average + (1.0 - decay) * sample
    return average, average / (1.0 - decay**n)


def _gradient_moment(decay: float) -> Transform:
    """AdaHessian's first moment: ``u -> m_hat``, the bias-corrected moving average of the
    incoming vectors (:func:`_debiased_ema`, Adam's ``m_hat`` of :func:`optim.scale_by_adam`);
    state ``{"mu": m_t, "count": t}``."""

    def init(x, *, rng=None):
        return {"mu": np.zeros(np.shape(x), dtype=np.float64), "count": 0}

    def update(u, state, x, surface):
        t = state["count"] + 1
        mu, m_hat = _debiased_ema(state["mu"], np.asarray(u, dtype=np.float64), decay, t)
        return m_hat, {"mu": mu, "count": t}

    return Transform("gradient_moment", init, update, {"decay": decay})


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
                total, mean = _debiased_ema(state["sum"], sample, decay, n)
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


def adahessian(lr: float = 0.15, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-4,
               every: int = 1) -> Transform:
    r"""AdaHessian (Yao, Gholami, Shen, Mustafa, Keutzer & Mahoney 2021, "ADAHESSIAN: An
    adaptive second order optimizer for machine learning", AAAI, Algorithm 1).

    Adam with the squared gradient replaced by the squared Hutchinson diagonal:

    .. math:: m_t = \beta_1 m_{t-1} + (1 - \beta_1) g_t, \qquad
              \hat m_t = \frac{m_t}{1 - \beta_1^t},

    .. math:: D_n = v_n \odot H v_n,\ v_n \in \{-1, 1\}^d, \qquad
              a_n = \beta_2 a_{n-1} + (1 - \beta_2) D_n^2, \qquad
              \hat v = \sqrt{a_n / (1 - \beta_2^n)},

    .. math:: x_{t+1} = x_t - \eta\, \frac{\hat m_t}{\hat v + \epsilon},

    :math:`m_0 = a_0 = 0`, a new Rademacher probe every ``every`` updates (the paper's
    delayed Hessian update; the first update always draws one), ``n`` the probes so far.
    Because :math:`v_i^2 = 1`, :math:`D_n^2 = (Hv_n)^2`: the second moment is the
    bias-corrected moving average of equilibration samples, so the optimiser is the
    composition

    ``chain(m_hat, scale_by_diagonal_curvature("equilibration", probe="rademacher",
    average="ema", decay=b2, damping=eps, every=every), scale(-lr))``

    (:func:`scale_by_diagonal_curvature`; the first moment is the bias correction of
    :func:`optim.scale_by_adam`). The Hessian power ``k`` of the paper is 1 (its default).
    **Spatial averaging**: the paper averages ``D`` over each convolution kernel's entries;
    the networks of :mod:`fields.nn` are fully connected, where the paper averages over
    nothing, so none is applied (block size 1).

    Parameters
    ----------
    lr : float > 0, default 0.15
        ``eta`` (the paper's default, as its other defaults below).
    b1, b2 : float in [0, 1), defaults 0.9 and 0.999
        Decay rates of the first and second moments.
    eps : float >= 0, default 1e-4
        ``epsilon``, added to :math:`\hat v`.
    every : int >= 1, default 1
        Hessian-vector products (one probe) every this many updates; between them
        :math:`\hat v` is kept. The second moment's bias correction counts probes, not
        updates.

    Returns
    -------
    Transform
        Named ``"adahessian"``, ``needs=("hvp",)``; state ``({"mu": m_t, "count": t},
        block_state, {})`` with ``block_state["diagonal"]`` (:math:`\hat v`),
        ``block_state["sum"]`` (:math:`a_n`) and ``block_state["probes"]`` (``n``) as in
        :func:`scale_by_diagonal_curvature`.

    Raises
    ------
    TypeError, ValueError
        ``lr`` not > 0, ``b1`` or ``b2`` outside [0, 1), ``eps`` < 0, ``every`` < 1.

    Examples
    --------
    On a diagonal Hessian one Rademacher probe gives :math:`|\operatorname{diag} H|`
    exactly, and the first step is :math:`-\eta\, g / (|\operatorname{diag} H| + \epsilon)`:

    >>> import numpy as np
    >>> class Diagonal:
    ...     dim = 2
    ...     def hvp(self, x, v):
    ...         return np.array([2.0, -0.5]) * v
    >>> opt = adahessian(lr=0.1, eps=0.0)
    >>> step, state = opt.update(np.array([1.0, 1.0]), opt.init(np.zeros(2), rng=0),
    ...                          np.zeros(2), Diagonal())
    >>> step
    array([-0.05, -0.2 ])
    """
    lr = _learning_rate(lr)
    b1 = _fraction("b1", b1)
    b2 = _fraction("b2", b2)
    eps = check_positive_float("eps", eps, allow_zero=True)
    every = check_int("every", every, 1)
    second = scale_by_diagonal_curvature("equilibration", every=every, damping=eps,
                                         probe="rademacher", average="ema", decay=b2)
    return named("adahessian", chain(_gradient_moment(b1), second, scale(-lr)), lr=lr, b1=b1,
                 b2=b2, eps=eps, every=every)
