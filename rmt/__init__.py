"""rmt: random matrices for the study of high-dimensional loss surfaces.

Normalisation everywhere: Wigner matrices have E|H_ij|^2 = 1/N off the diagonal and
E H_ii^2 = 2/(beta N) on it, so their spectrum fills [-2, 2]; the tridiagonal models are
scaled to the same laws (see ``../shared/THEORY.md`` and the README).
"""

from .counting import (
    count_below,
    counting_function,
    eigenvalue_by_bisection,
    index,
    spectral_histogram,
)
from .ensembles import goe, gse, gue, wigner, wishart
from .samplers import edge_block_size, sample_index, sample_largest
from .tridiagonal import hermite_tridiagonal, laguerre_tridiagonal

__all__ = [
    "count_below",
    "counting_function",
    "edge_block_size",
    "eigenvalue_by_bisection",
    "goe",
    "gse",
    "gue",
    "hermite_tridiagonal",
    "index",
    "laguerre_tridiagonal",
    "sample_index",
    "sample_largest",
    "spectral_histogram",
    "wigner",
    "wishart",
]
