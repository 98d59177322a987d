r"""The optimiser protocol: pure ``init`` / ``update`` pairs that compose.

An optimiser (and every building block of one) is a :class:`Transform`:

* ``state = opt.init(x, rng=None)`` builds the state for a start point ``x`` (``rng`` is
  keyword-only); randomness used later by the optimiser (probe vectors, injected noise) comes
  from a Generator made here from ``rng`` and carried in the state, so a run is reproducible
  from its seed;
* ``step, state = opt.update(grad, state, x, surface)`` maps the gradient at ``x`` to the
  displacement ``step``: the driver moves to ``x + step`` (then retracts onto the manifold of
  a surface that has one, :func:`fields.surface.retract`). ``update`` never changes its inputs; it
  returns a new state.

Building blocks transform the incoming vector (the gradient for the first block, the output of
the previous block after that); :func:`chain` runs them in order, so for example

>>> import numpy as np
>>> from optim.base import chain, scale, trace
>>> heavy_ball = chain(trace(decay=0.9), scale(-0.1))
>>> state = heavy_ball.init(np.zeros(2))
>>> step, state = heavy_ball.update(np.array([1.0, -2.0]), state, np.zeros(2), None)
>>> step
array([-0.1,  0.2])

States are plain dicts of arrays and numbers (a chain's state is a tuple of its blocks'
states) so that a trajectory can be inspected or checkpointed. A step's curvature estimates
and other diagnostics are left in the state under documented keys.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from rmt._validation import check_bool, check_positive_float, check_text
from rmt.random import as_seed_sequence, child

__all__ = ["Transform", "chain", "scale", "trace"]


@dataclass(frozen=True)
class Transform:
    """A pure optimiser or optimiser building block.

    Attributes
    ----------
    name : str
        Short name (``"sgd"``, ``"esgd"``, ``"chain(trace, scale)"``), used in results.
    init : callable
        ``init(x, *, rng=None) -> state``.
    update : callable
        ``update(grad, state, x, surface) -> (step, state)``.
    hyperparameters : mapping
        The arguments it was built with (recorded in the ``attrs`` of trajectories).
    needs : tuple of str
        Surface members the update calls besides ``grad`` (``"hvp"``, ``"hess"``), checked by
        the driver before it starts.
    """

    name: str
    init: Callable
    update: Callable
    hyperparameters: Mapping = field(default_factory=dict)
    needs: tuple[str, ...] = ()

    def __post_init__(self):
        check_text("name", self.name, optional=False)
        for member in ("init", "update"):
            if not callable(getattr(self, member)):
                raise TypeError(f"{member} must be callable; got {getattr(self, member)!r}")
        if not isinstance(self.hyperparameters, Mapping):
            raise TypeError(f"hyperparameters must be a mapping; got "
                            f"{type(self.hyperparameters).__name__}")
        if not isinstance(self.needs, tuple) or not all(isinstance(n, str) for n in self.needs):
            raise TypeError(f"needs must be a tuple of surface member names; got "
                            f"{self.needs!r}")
        object.__setattr__(self, "hyperparameters", MappingProxyType(dict(self.hyperparameters)))

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.hyperparameters.items())
        return f"{self.name}({args})"


def stateless(name: str, fn: Callable[[np.ndarray], np.ndarray], **hyperparameters) -> Transform:
    """A building block without state: ``step = fn(u)``."""

    def init(x, *, rng=None):
        return {}

    def update(u, state, x, surface):
        return fn(u), state

    return Transform(name, init, update, hyperparameters)


def scale(factor: float) -> Transform:
    """Multiply by a constant: ``u -> factor * u`` (``scale(-lr)`` ends most optimisers).

    ``factor`` must be finite and nonzero.
    """
    if isinstance(factor, bool) or not isinstance(factor, (int, float, np.floating, np.integer)):
        raise TypeError(f"factor must be a real number; got {factor!r}")
    factor = float(factor)
    if not np.isfinite(factor) or factor == 0:
        raise ValueError(f"factor must be finite and nonzero; got {factor}")
    return stateless("scale", lambda u: factor * u, factor=factor)


def trace(decay: float = 0.9, nesterov: bool = False) -> Transform:
    r"""Momentum accumulator: ``m <- decay m + u``; outputs ``m`` (or ``u + decay m``, Nesterov).

    The heavy-ball method of Polyak (1964) is ``chain(trace(decay), scale(-lr))``:
    :math:`x_{t+1} = x_t - \eta m_{t+1}`, :math:`m_{t+1} = \mu m_t + g_t`; Nesterov's variant
    (as written by Sutskever et al. 2013) outputs :math:`g_t + \mu m_{t+1}`.

    Parameters
    ----------
    decay : float in [0, 1)
    nesterov : bool
    """
    decay = _fraction("decay", decay)
    nesterov = check_bool("nesterov", nesterov)

    def init(x, *, rng=None):
        return {"momentum": np.zeros_like(np.asarray(x, dtype=np.float64))}

    def update(u, state, x, surface):
        m = decay * state["momentum"] + u
        return (u + decay * m if nesterov else m), {"momentum": m}

    return Transform("trace", init, update, {"decay": decay, "nesterov": nesterov})


def chain(*transforms: Transform) -> Transform:
    """Compose building blocks: the output of each is the input of the next.

    The state is the tuple of the blocks' states; ``init`` gives block ``i`` the keyed child
    :func:`rmt.random.child` ``(root, i)`` of the root of ``rng``
    (:func:`rmt.random.as_seed_sequence`), so the same ``rng`` gives the same states and
    appending a block does not change the random numbers of the others.
    """
    if not transforms:
        raise ValueError("chain needs at least one transform")
    for t in transforms:
        if not isinstance(t, Transform):
            raise TypeError(f"transforms must be Transform objects; got {type(t).__name__}")

    def init(x, *, rng=None):
        root = as_seed_sequence(rng)
        return tuple(t.init(x, rng=child(root, i)) for i, t in enumerate(transforms))

    def update(u, state, x, surface):
        new_states = []
        for t, s in zip(transforms, state, strict=True):
            u, s = t.update(u, s, x, surface)
            new_states.append(s)
        return u, tuple(new_states)

    needs = tuple(dict.fromkeys(n for t in transforms for n in t.needs))
    name = "chain(" + ", ".join(t.name for t in transforms) + ")"
    hyper = {f"{i}.{t.name}.{k}": v for i, t in enumerate(transforms)
             for k, v in t.hyperparameters.items()}
    return Transform(name, init, update, hyper, needs)


def named(name: str, transform: Transform, **hyperparameters) -> Transform:
    """The same transform under a user-facing name and hyperparameters (``sgd``, ``adam``...)."""
    return Transform(name, transform.init, transform.update, hyperparameters, transform.needs)


def _fraction(name: str, value) -> float:
    """A float in ``[0, 1)``."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise TypeError(f"{name} must be a real number in [0, 1); got {value!r}")
    value = float(value)
    if not 0 <= value < 1:
        raise ValueError(f"{name} must be in [0, 1); got {value}")
    return value


def _learning_rate(lr) -> float:
    """A finite learning rate > 0."""
    return check_positive_float("lr", lr)
