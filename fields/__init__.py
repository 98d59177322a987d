"""fields: random surfaces with exact derivatives and the theory of their critical points.

Every surface is frozen once built (all randomness drawn at construction) and satisfies the
surface contract of :mod:`fields.surface` (``dim``, ``value(x)``, ``grad(x)``, ``hvp(x, v)``;
``value_and_grad(x)`` and ``hess(x)`` where offered; ``docs/design.md``). The theory sits
beside its surfaces: :func:`index_law` gives, for each surface with a theory, the index
fraction of its critical points against energy (:mod:`fields.index_laws`). ``fields`` depends
on ``rmt``, never on ``optim``.

Submodules used by name: ``fields.bray_dean`` (index fraction of critical points against
energy, asymptotic and finite-N Kac–Rice) and ``fields.spin_glass`` (thresholds, layers,
complexity and index law of spherical spin glasses) and ``fields.saddles`` (quartic saddles of
chosen index) and ``fields.nn`` (neural-network losses: fully connected nets and deep
autoencoders with exact R-operator Hessian-vector products) and ``fields.data`` (their data:
scikit-learn's digits, MNIST and CIFAR-10 readers, a generated CURVES-like set).
"""

from . import bray_dean, data, nn, saddles, spin_glass
from .checks import DerivativeReport, check_derivatives
from .grf import GaussianField
from .grid import CriticalPoints, critical_points, grid_field, local_minima, plot_critical_points
from .index_laws import IndexLaw, index_law
from .kac_rice import KacRiceEstimate
from .kernels import Kernel, Matern, SquaredExponential
from .local_law import LocalLaw, LocalSample, local_law, sample_hessian_given_value, sample_local
from .quadratic import RandomQuadratic
from .saddles import QuarticSaddle, random_saddle, saddle_2d
from .spin_glass import SphericalSpinGlass
from .surface import DataSurface, ManifoldSurface, Surface, check_surface

__all__ = [
    "CriticalPoints",
    "DataSurface",
    "DerivativeReport",
    "GaussianField",
    "IndexLaw",
    "KacRiceEstimate",
    "Kernel",
    "LocalLaw",
    "LocalSample",
    "ManifoldSurface",
    "Matern",
    "QuarticSaddle",
    "RandomQuadratic",
    "SphericalSpinGlass",
    "SquaredExponential",
    "Surface",
    "bray_dean",
    "check_derivatives",
    "check_surface",
    "critical_points",
    "data",
    "grid_field",
    "index_law",
    "local_law",
    "local_minima",
    "nn",
    "plot_critical_points",
    "random_saddle",
    "saddle_2d",
    "saddles",
    "sample_hessian_given_value",
    "sample_local",
    "spin_glass",
]
