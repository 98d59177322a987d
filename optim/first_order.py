r"""First-order optimisers: gradient descent, momentum, RMSProp, Adam, and noisy descents.

Every optimiser here is a :class:`~optim.base.Transform` (``state = opt.init(x, rng=rng)``,
``step, state = opt.update(grad, state, x, surface)``, the driver moves to ``x + step``),
built from the building blocks of :mod:`optim.base` and of this module:

========================  ==========================================================
building block            output for the incoming vector ``u``
========================  ==========================================================
:func:`scale_by_rms`      ``u / (sqrt(r) + eps)``, ``r`` a running mean of ``u^2``
:func:`scale_by_adam`     bias-corrected first moment over the root of the second
:func:`add_noise`         ``u + std * xi``, ``xi ~ N(0, I)`` from the state's Generator
========================  ==========================================================

and the optimisers :func:`sgd`, :func:`momentum`, :func:`rmsprop`, :func:`adam`,
:func:`perturbed_gd` (Jin et al. 2017) and :func:`sgld` (Welling & Teh 2011), each under its
own name with the hyperparameters it was called with (:func:`optim.base.named`).

Randomness (the noise of :func:`add_noise`, :func:`sgld` and :func:`perturbed_gd`) comes
from a Generator made by ``init`` from the root of its ``rng`` argument
(:func:`rmt.random.as_seed_sequence`) and kept in the state under ``"rng"``. ``update`` draws
from a copy of it and returns the advanced copy in the new state, so ``update`` stays pure:
the same state gives the same step.
"""

from __future__ import annotations

import math

import numpy as np

from rmt._validation import check_bool, check_int, check_positive_float
from rmt.random import as_seed_sequence

from .base import Transform, _fraction, _learning_rate, chain, named, scale, trace

__all__ = [
    "adam",
    "add_noise",
    "momentum",
    "perturbed_gd",
    "rmsprop",
    "scale_by_adam",
    "scale_by_rms",
    "sgd",
    "sgld",
]

#: Seed of the throw-away bit generator whose state is overwritten by :func:`_copy_generator`.
_COPY_SEED = np.random.SeedSequence(0)


# ----------------------------------------------------------------------------- helpers -------
def _own_generator(rng) -> np.random.Generator:
    """A Generator owned by a state: ``default_rng`` of the root of ``rng``.

    An int or a SeedSequence gives the stream ``default_rng(rng)`` would. A Generator passed in
    is not stored itself (its owner may go on drawing from it): it contributes the entropy of a
    new root (:func:`rmt.random.as_seed_sequence` draws 128 bits from it), so the same
    Generator state gives the same stream and two optimisers initialised one after the other
    from one Generator get independent streams.
    """
    return np.random.default_rng(as_seed_sequence(rng))


def _copy_generator(gen: np.random.Generator) -> np.random.Generator:
    """An independent Generator in the same state as ``gen`` (cheaper than ``deepcopy``)."""
    bit = type(gen.bit_generator)(_COPY_SEED)
    bit.state = gen.bit_generator.state
    return np.random.Generator(bit)


def _zeros_like(x) -> np.ndarray:
    return np.zeros(np.shape(x), dtype=np.float64)


# ------------------------------------------------------------------------ building blocks ----
def scale_by_rms(decay: float = 0.9, eps: float = 1e-8) -> Transform:
    r"""Divide by the root of a running mean of squares (the RMSProp scaling).

    .. math:: r_t = \rho\, r_{t-1} + (1 - \rho)\, u_t^2, \qquad
              \text{output} = \frac{u_t}{\sqrt{r_t} + \epsilon},

    elementwise, with :math:`r_0 = 0` (no bias correction: the first outputs are larger than
    ``u / |u|`` by up to ``1 / sqrt(1 - decay)``).

    Parameters
    ----------
    decay : float in [0, 1)
        The decay ``rho`` of the running mean.
    eps : float >= 0
        Added to the root, *outside* the square root.

    Returns
    -------
    Transform
        Named ``"scale_by_rms"``; state ``{"nu": r}`` (the running mean of squares).

    Raises
    ------
    TypeError, ValueError
        ``decay`` outside [0, 1), ``eps`` negative or not finite.
    """
    decay = _fraction("decay", decay)
    eps = check_positive_float("eps", eps, allow_zero=True)

    def init(x, *, rng=None):
        return {"nu": _zeros_like(x)}

    def update(u, state, x, surface):
        u = np.asarray(u, dtype=np.float64)
        nu = decay * state["nu"] + (1.0 - decay) * (u * u)
        return u / (np.sqrt(nu) + eps), {"nu": nu}

    return Transform("scale_by_rms", init, update, {"decay": decay, "eps": eps})


def scale_by_adam(b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8) -> Transform:
    r"""Adam's scaling: bias-corrected first moment over the root of the second moment.

    .. math:: m_t = \beta_1 m_{t-1} + (1 - \beta_1) u_t, \quad
              v_t = \beta_2 v_{t-1} + (1 - \beta_2) u_t^2, \quad
              \hat m_t = \frac{m_t}{1 - \beta_1^t}, \quad \hat v_t = \frac{v_t}{1 - \beta_2^t},

    .. math:: \text{output} = \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon},

    elementwise, with :math:`m_0 = v_0 = 0` and :math:`t = 1, 2, \dots` (Kingma & Ba 2015,
    Algorithm 1; ``eps`` is added outside the square root, as there).

    Parameters
    ----------
    b1, b2 : float in [0, 1)
        Decay rates of the first and second moments.
    eps : float >= 0

    Returns
    -------
    Transform
        Named ``"scale_by_adam"``; state ``{"mu": m, "nu": v, "count": t}``.

    Raises
    ------
    TypeError, ValueError
        ``b1`` or ``b2`` outside [0, 1), ``eps`` negative or not finite.
    """
    b1 = _fraction("b1", b1)
    b2 = _fraction("b2", b2)
    eps = check_positive_float("eps", eps, allow_zero=True)

    def init(x, *, rng=None):
        return {"mu": _zeros_like(x), "nu": _zeros_like(x), "count": 0}

    def update(u, state, x, surface):
        u = np.asarray(u, dtype=np.float64)
        t = state["count"] + 1
        mu = b1 * state["mu"] + (1.0 - b1) * u
        nu = b2 * state["nu"] + (1.0 - b2) * (u * u)
        m_hat = mu / (1.0 - b1**t)
        v_hat = nu / (1.0 - b2**t)
        return m_hat / (np.sqrt(v_hat) + eps), {"mu": mu, "nu": nu, "count": t}

    return Transform("scale_by_adam", init, update, {"b1": b1, "b2": b2, "eps": eps})


def add_noise(std: float) -> Transform:
    r"""Add isotropic Gaussian noise: ``u -> u + std * xi``, ``xi ~ N(0, I)``.

    The noise comes from a Generator made by ``init`` from the root of its ``rng`` argument
    and kept in the state under ``"rng"``; ``update`` draws
    from a copy and returns the advanced copy, so it never changes the state it is given.

    Parameters
    ----------
    std : float >= 0
        Standard deviation of each component (0: the identity, nothing is drawn).

    Returns
    -------
    Transform
        Named ``"add_noise"``; state ``{"rng": Generator}``.

    Raises
    ------
    TypeError, ValueError
        ``std`` negative or not finite.

    Examples
    --------
    >>> import numpy as np
    >>> noisy = add_noise(0.0)
    >>> step, _ = noisy.update(np.ones(2), noisy.init(np.zeros(2), rng=0), np.zeros(2), None)
    >>> step
    array([1., 1.])
    """
    std = check_positive_float("std", std, allow_zero=True)

    def init(x, *, rng=None):
        return {"rng": _own_generator(rng)}

    def update(u, state, x, surface):
        u = np.asarray(u, dtype=np.float64)
        if std == 0:
            return u, state
        gen = _copy_generator(state["rng"])
        return u + std * gen.standard_normal(u.shape), {"rng": gen}

    return Transform("add_noise", init, update, {"std": std})


# --------------------------------------------------------------------------- optimisers -----
def sgd(lr: float) -> Transform:
    r"""(Stochastic) gradient descent: :math:`x_{t+1} = x_t - \eta\, g_t`.

    Cauchy (1847); with stochastic gradients Robbins & Monro (1951).

    Parameters
    ----------
    lr : float > 0
        The learning rate ``eta``.

    Returns
    -------
    Transform
        ``scale(-lr)`` named ``"sgd"``; its state is empty (``{}``).

    Raises
    ------
    TypeError, ValueError
        ``lr`` not a finite number > 0.

    Examples
    --------
    >>> import numpy as np
    >>> opt = sgd(0.1)
    >>> step, _ = opt.update(np.array([1.0, -2.0]), opt.init(np.zeros(2)), np.zeros(2), None)
    >>> step
    array([-0.1,  0.2])
    """
    lr = _learning_rate(lr)
    return named("sgd", scale(-lr), lr=lr)


def momentum(lr: float, decay: float = 0.9, nesterov: bool = False) -> Transform:
    r"""Heavy-ball momentum (Polyak 1964), or Nesterov's accelerated variant.

    .. math:: m_{t+1} = \mu\, m_t + g_t, \qquad x_{t+1} = x_t - \eta\, m_{t+1},

    with :math:`m_0 = 0`; Nesterov's variant (as written by Sutskever, Martens, Dahl & Hinton
    2013) steps by :math:`-\eta\,(g_t + \mu\, m_{t+1})`.

    Parameters
    ----------
    lr : float > 0
        The learning rate ``eta``.
    decay : float in [0, 1)
        The momentum coefficient ``mu``.
    nesterov : bool

    Returns
    -------
    Transform
        ``chain(trace(decay, nesterov), scale(-lr))`` named ``"momentum"``; state
        ``({"momentum": m}, {})``.

    Raises
    ------
    TypeError, ValueError
        ``lr`` not > 0, ``decay`` outside [0, 1), ``nesterov`` not a bool.
    """
    lr = _learning_rate(lr)
    decay = _fraction("decay", decay)
    nesterov = check_bool("nesterov", nesterov)
    return named("momentum", chain(trace(decay, nesterov), scale(-lr)),
                 lr=lr, decay=decay, nesterov=nesterov)


def rmsprop(lr: float, decay: float = 0.9, eps: float = 1e-8) -> Transform:
    r"""RMSProp (Tieleman & Hinton 2012, Coursera *Neural Networks for Machine Learning*, 6.5).

    .. math:: r_t = \rho\, r_{t-1} + (1 - \rho)\, g_t^2, \qquad
              x_{t+1} = x_t - \eta\, \frac{g_t}{\sqrt{r_t} + \epsilon},

    elementwise, :math:`r_0 = 0`. ``eps`` is added to the root, outside the square root (as
    in PyTorch's ``RMSprop``; TensorFlow 1 divided by :math:`\sqrt{r_t + \epsilon}`
    instead). Dauphin, de Vries & Bengio (2015) show that ``sqrt(r)`` is a biased estimate of
    the equilibration preconditioner that :func:`optim.esgd` estimates without bias.

    Parameters
    ----------
    lr : float > 0
    decay : float in [0, 1)
        ``rho``.
    eps : float >= 0

    Returns
    -------
    Transform
        ``chain(scale_by_rms(decay, eps), scale(-lr))`` named ``"rmsprop"``; state
        ``({"nu": r}, {})``.

    Raises
    ------
    TypeError, ValueError
        ``lr`` not > 0, ``decay`` outside [0, 1), ``eps`` < 0.
    """
    lr = _learning_rate(lr)
    inner = scale_by_rms(decay, eps)
    return named("rmsprop", chain(inner, scale(-lr)), lr=lr, **inner.hyperparameters)


def adam(lr: float = 1e-3, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8) -> Transform:
    r"""Adam (Kingma & Ba 2015, "Adam: a method for stochastic optimization", ICLR).

    .. math:: x_{t+1} = x_t - \eta\, \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}

    with the bias-corrected moments :math:`\hat m_t, \hat v_t` of :func:`scale_by_adam`.

    Parameters
    ----------
    lr : float > 0
    b1, b2 : float in [0, 1)
    eps : float >= 0

    Returns
    -------
    Transform
        ``chain(scale_by_adam(b1, b2, eps), scale(-lr))`` named ``"adam"``; state
        ``({"mu": m, "nu": v, "count": t}, {})``.

    Raises
    ------
    TypeError, ValueError
        ``lr`` not > 0, ``b1`` or ``b2`` outside [0, 1), ``eps`` < 0.

    Examples
    --------
    The first step of Adam has length ``lr`` in every coordinate (for ``eps`` small):

    >>> import numpy as np
    >>> opt = adam(0.01)
    >>> step, _ = opt.update(np.array([3.0, -1e-3]), opt.init(np.zeros(2)), np.zeros(2), None)
    >>> np.round(step, 6)
    array([-0.01,  0.01])
    """
    lr = _learning_rate(lr)
    inner = scale_by_adam(b1, b2, eps)
    return named("adam", chain(inner, scale(-lr)), lr=lr, **inner.hyperparameters)


def perturbed_gd(lr: float, radius: float, threshold: float, wait: int) -> Transform:
    r"""Perturbed gradient descent (Jin, Ge, Netrapalli, Kakade & Jordan 2017).

    "How to escape saddle points efficiently", ICML 2017, Algorithm 1 (PGD): gradient
    descent, plus a random kick where the gradient is small. At update ``t = 0, 1, ...``
    with incoming gradient ``g_t``,

    .. math:: s_t = -\eta\, g_t + \xi_t\, \mathbb 1\big[\,|g_t| \le g_{\rm thres}
              \text{ and } t - t_{\rm noise} > t_{\rm thres}\big], \qquad
              \xi_t \sim \mathrm{Uniform}(B_0(r)),

    where ``t_noise`` is the update of the last perturbation (:math:`-\infty` before the
    first), so that after a perturbation at ``t`` the next one can come at ``t + wait + 1``
    at the earliest. ``xi`` is uniform in the ball of radius ``r`` (direction
    ``z / |z|``, ``z ~ N(0, I)``; length ``r U^{1/d}``, ``U ~ Uniform(0, 1)``).

    Jin et al. take the gradient step at the perturbed point,
    :math:`x_{t+1} = x_t + \xi_t - \eta \nabla f(x_t + \xi_t)`; here the perturbation is
    added to the gradient step from ``x_t`` (one gradient per step, as in every optimiser of
    the driver), which differs by :math:`\eta(\nabla f(x_t + \xi_t) - \nabla f(x_t))`,
    of order :math:`\eta \ell r`. Their stopping rule (no decrease over ``t_thres`` steps
    after a kick) is left to the driver (``grad_tol``, ``stop``). On a manifold the kick is
    drawn in ambient coordinates and the driver's retraction brings the point back.

    Parameters
    ----------
    lr : float > 0
        The step size ``eta``.
    radius : float > 0
        The radius ``r`` of the perturbation ball.
    threshold : float >= 0
        ``g_thres``: perturb only when ``|g_t| <= threshold`` (Euclidean norm).
    wait : int >= 0
        ``t_thres``: at least this many updates without perturbation between two of them.

    Returns
    -------
    Transform
        Named ``"perturbed_gd"``; state ``{"rng": Generator, "count": t (updates done),
        "last_perturbation": t_noise (-1 before the first), "perturbations": number of
        perturbations so far}``.

    Raises
    ------
    TypeError, ValueError
        ``lr`` or ``radius`` not > 0, ``threshold`` < 0, ``wait`` not an integer >= 0.
    """
    lr = _learning_rate(lr)
    radius = check_positive_float("radius", radius)
    threshold = check_positive_float("threshold", threshold, allow_zero=True)
    wait = check_int("wait", wait, 0)

    def init(x, *, rng=None):
        return {"rng": _own_generator(rng), "count": 0, "last_perturbation": -1,
                "perturbations": 0}

    def update(g, state, x, surface):
        g = np.asarray(g, dtype=np.float64)
        t, last, count = state["count"], state["last_perturbation"], state["perturbations"]
        step = -lr * g
        gen = state["rng"]
        if np.linalg.norm(g) <= threshold and (last < 0 or t - last > wait):
            gen = _copy_generator(gen)
            z = gen.standard_normal(g.shape)
            norm = np.linalg.norm(z)
            length = radius * gen.random() ** (1.0 / max(g.size, 1))
            step = step + (length / norm) * z if norm > 0 else step
            last, count = t, count + 1
        return step, {"rng": gen, "count": t + 1, "last_perturbation": last,
                      "perturbations": count}

    return Transform("perturbed_gd", init, update,
                     {"lr": lr, "radius": radius, "threshold": threshold, "wait": wait})


def sgld(lr: float, temperature: float = 1.0) -> Transform:
    r"""Stochastic gradient Langevin dynamics (Welling & Teh 2011, ICML).

    .. math:: x_{t+1} = x_t - \eta\, g_t + \sqrt{2 \eta T}\, \xi_t, \qquad
              \xi_t \sim N(0, I),

    the Euler–Maruyama discretisation of :math:`dx = -\nabla f\, dt + \sqrt{2T}\, dW`, whose
    stationary law is :math:`\propto e^{-f / T}`. Welling & Teh write
    :math:`\Delta\theta = \frac{\epsilon}{2} \nabla \log p(\theta \mid X) + N(0, \epsilon)`,
    the case :math:`f = -\log p`, :math:`\eta = \epsilon / 2`, :math:`T = 1`.
    ``temperature = 0`` is gradient descent (nothing is drawn: the steps equal :func:`sgd`).

    Parameters
    ----------
    lr : float > 0
        ``eta``.
    temperature : float >= 0
        ``T``.

    Returns
    -------
    Transform
        ``chain(scale(-lr), add_noise(sqrt(2 lr T)))`` named ``"sgld"``; state
        ``({}, {"rng": Generator})``.

    Raises
    ------
    TypeError, ValueError
        ``lr`` not > 0, ``temperature`` < 0 or not finite.
    """
    lr = _learning_rate(lr)
    temperature = check_positive_float("temperature", temperature, allow_zero=True)
    std = math.sqrt(2.0 * lr * temperature)
    return named("sgld", chain(scale(-lr), add_noise(std)), lr=lr, temperature=temperature)
