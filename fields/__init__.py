"""fields: random surfaces with exact derivatives and the Bray–Dean theory of critical points.

Every surface is frozen once built (all randomness drawn at construction) and offers ``dim``,
``value(x)``, ``grad(x)``, ``value_and_grad(x)``, ``hvp(x, v)`` and ``hess(x)``
(``docs/design.md``). ``fields`` depends on ``rmt``, never on ``optim``.

Submodules used by name: ``fields.bray_dean`` (index fraction of critical points against
energy, asymptotic and finite-N Kac–Rice) and ``fields.spin_glass`` (thresholds, layers and
complexity of the spherical p-spin glass) and ``fields.nn`` (neural-network losses: fully
connected nets and deep autoencoders with exact R-operator Hessian-vector products) and
``fields.data`` (their data: scikit-learn's digits, MNIST and CIFAR-10 readers, a generated
CURVES-like set).
"""

from . import bray_dean, data, nn, spin_glass
from .checks import DerivativeReport, check_derivatives
from .grf import GaussianField
from .grid import CriticalPoints, critical_points, grid_field, local_minima, plot_critical_points
from .kernels import Kernel, Matern, SquaredExponential
from .local_law import LocalLaw, LocalSample, local_law, sample_hessian_given_value, sample_local
from .quadratic import RandomQuadratic
from .spin_glass import SphericalSpinGlass
from .surface import DataSurface, ManifoldSurface, Surface, check_surface

__all__ = [
    "CriticalPoints",
    "DataSurface",
    "DerivativeReport",
    "GaussianField",
    "Kernel",
    "LocalLaw",
    "LocalSample",
    "ManifoldSurface",
    "Matern",
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
    "local_law",
    "local_minima",
    "nn",
    "plot_critical_points",
    "sample_hessian_given_value",
    "sample_local",
    "spin_glass",
]
