"""optim: saddle-aware critical-point finders, optimisers, and the error–index experiment.

Works on every surface of :mod:`fields` and on any object that keeps the surface contract of
:mod:`fields.surface` (``dim``, ``value``, ``grad``, ``hvp``; ``value_and_grad`` and ``hess``
optional; ``docs/design.md``), checked by :func:`fields.surface.check_surface` at every entry
point. ``optim`` depends on ``rmt`` and ``fields``; nothing below it imports it.

Optimisers are pure ``init``/``update`` pairs (:mod:`optim.base`) that compose with
:func:`chain`; :func:`run` drives one on a surface and records the trajectory.
Critical points: :func:`find_critical_points` (Newton, Newton-MR, gradient-norm minimisation,
certified; options :class:`Starts`, :class:`Certificate`, :class:`Solver`), :func:`curvature`
(the index of a point), :func:`compare_with_theory` (the surface's index law,
:func:`fields.index_law`), :func:`error_index` (the talk's error–index
plane). Submodules used by name: ``optim.saddles`` (escape-time experiments on the quartic
saddles of :mod:`fields.saddles`) and ``optim.plot``. Networks: :func:`train` and
:func:`compare` (optimisers on minibatches of a :class:`fields.DataSurface` with a shared
learning-rate search), :func:`diagonal_similarity` (RMSProp against Jacobi and
equilibration), :func:`spectra_along_training` and :func:`network_error_index` (the talk's
experiment 1), :func:`dead_unit_critical_points` (certified saddles of known index, where
hidden units are dead), :func:`adaptive_saddle_free_newton` and :func:`adaptive_damped_newton`
(Levenberg–Marquardt damping and a line search), :func:`smallest_eigenvalue`,
:func:`newton_comparison` and :func:`plateau_switch` (Dauphin et al. 2014's network
experiment), :func:`autoencoder_comparison` (optimisers on a deep autoencoder over seeds, a
sweep). Randomness: every stochastic function takes a keyword-only ``rng``
and records its root in the result's ``attrs`` (:mod:`rmt.random`).
"""

from . import plot, saddles
from .adaptive_newton import adaptive_damped_newton, adaptive_saddle_free_newton
from .autoencoder_experiments import autoencoder_comparison
from .base import Transform, chain, scale, trace
from .critical import Certificate, Solver, Starts, find_critical_points
from .dead_units import dead_unit_critical_points
from .diagonal_curvature import adahessian, esgd, jacobi, scale_by_diagonal_curvature
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
from .newton_experiments import newton_comparison, plateau_switch
from .surface import Curvature, curvature, smallest_eigenvalue
from .theory import compare_with_theory
from .training import LearningRateSearch, compare, diagonal_similarity, train

__all__ = [
    "Certificate",
    "Curvature",
    "LearningRateSearch",
    "Solver",
    "Starts",
    "Transform",
    "adahessian",
    "adam",
    "adaptive_damped_newton",
    "adaptive_saddle_free_newton",
    "autoencoder_comparison",
    "add_noise",
    "chain",
    "compare",
    "compare_with_theory",
    "curvature",
    "damped_newton",
    "dead_unit_critical_points",
    "diagonal_similarity",
    "error_index",
    "error_index_by_dimension",
    "esgd",
    "find_critical_points",
    "jacobi",
    "momentum",
    "network_error_index",
    "newton",
    "newton_comparison",
    "perturbed_gd",
    "plateau_switch",
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
    "smallest_eigenvalue",
    "spectra_along_training",
    "trace",
    "train",
]
