"""rmt: random matrices for the study of high-dimensional loss surfaces."""

from .counting import (count_below, counting_function, eigenvalue_by_bisection, index,
                       spectral_histogram)
from .ensembles import goe, gse, gue, wigner, wishart
from .samplers import edge_block_size, sample_index, sample_largest
from .tridiagonal import hermite_tridiagonal, laguerre_tridiagonal
