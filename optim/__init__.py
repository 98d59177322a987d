"""optim: saddle-aware critical-point finders, optimisers, and the error–index experiment.

Works on every surface of :mod:`fields` and on any object with the Surface members of
``docs/design.md`` (``dim``, ``value``, ``grad``, ``value_and_grad``, ``hvp``,
``hess``). ``optim`` depends on ``rmt`` and ``fields``; nothing below it imports it.

Optimisers are pure ``init``/``update`` pairs (:mod:`optim.base`) that compose with
:func:`chain`; :func:`run` drives one on a surface and records the trajectory.
Critical points: :func:`find_critical_points` (Newton, Newton-MR, gradient-norm minimisation,
certified), :func:`compare_with_theory` (Bray–Dean and spin-glass laws, finite-N Kac–Rice),
:func:`error_index` (the talk's error–index plane). Submodules used by name:
``optim.saddles`` (saddle dynamics) and ``optim.plot``. Networks: :func:`train` and
:func:`compare` (optimisers on minibatches with a shared learning-rate search),
:func:`diagonal_similarity` (RMSProp against Jacobi and equilibration),
:func:`spectra_along_training` and :func:`network_error_index` (the talk's experiment 1).
"""

from . import plot, saddles
from .base import Transform, chain, scale, trace
from .critical import find_critical_points
from .curvature import esgd, jacobi, scale_by_diagonal_curvature
from .driver import run
from .error_index import error_index, error_index_by_dimension
from .first_order import (
    adam,
    add_noise,
    momentum,
    perturbed_gd,
    rmsprop,
    scale_by_adam,
    scale_by_rms,
    sgd,
    sgld,
)
from .networks import network_error_index, spectra_along_training
from .newton import damped_newton, newton, saddle_free_newton, scale_by_newton
from .surface import Curvature, curvature
from .theory import compare_with_theory
from .training import LearningRateSearch, compare, diagonal_similarity, train

__all__ = [
    "Curvature",
    "LearningRateSearch",
    "Transform",
    "adam",
    "add_noise",
    "chain",
    "compare",
    "compare_with_theory",
    "curvature",
    "damped_newton",
    "diagonal_similarity",
    "error_index",
    "error_index_by_dimension",
    "esgd",
    "find_critical_points",
    "jacobi",
    "momentum",
    "network_error_index",
    "newton",
    "perturbed_gd",
    "plot",
    "rmsprop",
    "run",
    "saddle_free_newton",
    "saddles",
    "scale",
    "scale_by_adam",
    "scale_by_diagonal_curvature",
    "scale_by_newton",
    "scale_by_rms",
    "sgd",
    "sgld",
    "spectra_along_training",
    "trace",
    "train",
]
