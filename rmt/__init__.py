"""rmt: random matrices for the study of high-dimensional loss surfaces.

Normalisation everywhere: Wigner matrices have E|H_ij|^2 = 1/N off the diagonal and
E H_ii^2 = 2/(beta N) on it, so their spectrum fills [-2, 2]; the tridiagonal models are
scaled to the same laws (see ``docs/theory.md`` and the README). ``rmt.plot`` holds the
plot helpers (matplotlib is imported only when one is called).

The application layer (sweeps, the experiment registry, ``rmt reproduce``, the command line)
is :mod:`rmt.workflow`; ``rmt.sweep``, ``rmt.Experiment`` and ``rmt.register_experiment`` are
its shortcuts, imported on first use so that ``import rmt`` loads no zarr, tqdm or matplotlib.
"""

from . import plot, random
from .counting import (
    CountAndLogDet,
    count_below,
    count_below_and_log_det,
    counting_function,
    eigenvalue_by_bisection,
    index,
    spectral_histogram,
    symmetric_eigenvalues,
)
from .ensembles import goe, gse, gue, wigner, wishart
from .index_theory import (
    CoinFlipComparison,
    coin_flip_comparison,
    index_mean,
    index_variance,
    index_variance_constant,
    log_prob_all_positive,
)
from .lanczos import LanczosResult, lanczos
from .laws import marchenko_pastur, semicircle, semicircle_index_fraction
from .local_statistics import (
    SPACING_RATIO_MEANS,
    spacing_ratio_density,
    spacing_ratio_mean,
    spacing_ratios,
    surmise_mean,
)
from .preconditioning import (
    abs_diagonal,
    condition_number,
    equilibration_diagonal,
    estimate_equilibration,
    estimate_jacobi,
    jacobi_diagonal,
    log_guggenheimer_bound,
    preconditioned_condition_number,
    preconditioning_experiment,
)
from .samplers import edge_block_size, sample_index, sample_largest
from .spectral_density import (
    ExtremeEigenvalues,
    SpectralDensity,
    extreme_eigenvalues,
    spectral_density,
)
from .tracy_widom import edge_law, tracy_widom
from .tridiagonal import hermite_tridiagonal, laguerre_tridiagonal

__all__ = [
    "SPACING_RATIO_MEANS",
    "CoinFlipComparison",
    "CountAndLogDet",
    "Experiment",
    "ExtremeEigenvalues",
    "LanczosResult",
    "SpectralDensity",
    "abs_diagonal",
    "coin_flip_comparison",
    "condition_number",
    "count_below",
    "count_below_and_log_det",
    "counting_function",
    "edge_block_size",
    "edge_law",
    "eigenvalue_by_bisection",
    "equilibration_diagonal",
    "extreme_eigenvalues",
    "estimate_equilibration",
    "estimate_jacobi",
    "goe",
    "gse",
    "gue",
    "hermite_tridiagonal",
    "index",
    "index_mean",
    "index_variance",
    "index_variance_constant",
    "jacobi_diagonal",
    "laguerre_tridiagonal",
    "lanczos",
    "log_guggenheimer_bound",
    "log_prob_all_positive",
    "marchenko_pastur",
    "plot",
    "random",
    "preconditioned_condition_number",
    "preconditioning_experiment",
    "register_experiment",
    "sample_index",
    "sample_largest",
    "semicircle",
    "semicircle_index_fraction",
    "spacing_ratio_density",
    "spacing_ratio_mean",
    "spacing_ratios",
    "spectral_density",
    "spectral_histogram",
    "surmise_mean",
    "symmetric_eigenvalues",
    "sweep",
    "tracy_widom",
    "wigner",
    "wishart",
]


#: Shortcuts into :mod:`rmt.workflow`, imported on first use.
_WORKFLOW = ("Experiment", "register_experiment", "sweep")


def __getattr__(name: str):
    if name in _WORKFLOW:
        from . import workflow

        return getattr(workflow, name)
    if name == "workflow":
        import importlib

        return importlib.import_module(f"{__name__}.workflow")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
