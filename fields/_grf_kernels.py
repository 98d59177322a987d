"""Jitted elementwise kernels of the random-Fourier-feature field :class:`fields.grf.GaussianField`.

The two matrix-vector products of a gradient (``z = W x + b`` and ``W^T sin z``) are BLAS
calls in :mod:`fields.grf`; what lies between them is elementwise work on the ``M`` phases
``z``, which these kernels fuse into one pass: ``cos`` and ``sin`` of the same argument
share their range reduction (LLVM emits one ``sincos`` call), and no ``cos z`` temporary is
allocated. This elementwise work is what dominates a gradient in low dimension, where the
matrix-vector products are cheap (``tests/benchmarks/bench_fields.py`` times it).
Plain-array signatures: ``z`` is a C-contiguous ``(B, M)`` float64 array, one row per point.
``fastmath`` stays off (the summation order is left as written).
"""

import numba
import numpy as np

__all__ = ["cos_sums", "cos_sums_and_sines"]


@numba.njit(cache=True, nogil=True)
def cos_sums(z, out):
    """``out[b] = sum_m cos(z[b, m])``."""
    for b in range(z.shape[0]):
        acc = 0.0
        for m in range(z.shape[1]):
            acc += np.cos(z[b, m])
        out[b] = acc


@numba.njit(cache=True, nogil=True)
def cos_sums_and_sines(z, out):
    """``out[b] = sum_m cos(z[b, m])``, and ``z`` overwritten in place by ``sin(z)``."""
    for b in range(z.shape[0]):
        acc = 0.0
        for m in range(z.shape[1]):
            t = z[b, m]
            acc += np.cos(t)
            z[b, m] = np.sin(t)
        out[b] = acc
