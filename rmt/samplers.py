"""Monte Carlo samples of spectral statistics from the tridiagonal models, without eigenvalues.

- :func:`sample_index`: the index (number of negative eigenvalues) of Wigner matrices,
  one Sturm count per matrix: O(N) time, O(N) memory, nothing dense.
- :func:`sample_largest`: the largest eigenvalue, from the top-left block of about
  10 N^(1/3) rows of the beta-Hermite model, where the top eigenvector lives (Edelman &
  Persson 2005), so N = 10^8 needs a block of only 4642 rows.
"""

from __future__ import annotations

import numpy as np

from . import _counting_kernels as _k
from ._validation import check_beta, check_int, check_memory, check_real_array, check_size
from .random import as_generator
from .tridiagonal import draw_hermite_raw

__all__ = ["sample_index", "sample_largest", "edge_block_size"]

#: Matrices drawn per batch are limited to about this many rows in total (memory ~ 16 bytes
#: per row); the batching depends only on ``n``, so results depend only on the seed.
_ROWS_PER_CHUNK = 1 << 20


def _chunks(n: int, total: int):
    per = max(1, _ROWS_PER_CHUNK // n)
    for start in range(0, total, per):
        yield start, min(per, total - start)


def sample_index(n: int, *, size: int | tuple[int, ...] | None = None, beta: float = 1,
                 threshold: float = 0.0, rng=None) -> int | np.ndarray:
    """Sample the index of Wigner matrices of size ``n`` (number of eigenvalues below 0).

    Parameters
    ----------
    n : int
        Matrix size N.
    size : int or tuple of int, optional
        Number (shape) of independent matrices; None for one.
    beta : float > 0
        Dyson index (1: GOE, 2: GUE, 4: GSE, or any beta-ensemble).
    threshold : float
        Count eigenvalues below this value instead of 0 (library normalisation: semicircle
        on [-2, 2]).
    rng : None, int, SeedSequence or Generator
        Source of randomness (:func:`rmt.random.as_generator`).

    Returns
    -------
    int or ndarray of int64 with shape ``size``

    Notes
    -----
    Each matrix is the beta-Hermite model of :func:`rmt.hermite_tridiagonal` (equal in law to
    the dense GOE/GUE/GSE), and its index is the Sturm count of negative pivots: per matrix,
    N normal and N - 1 gamma draws and one O(N) pass, no eigenvalue and no dense matrix.
    The variance grows only like ln N / (beta pi^2) (Majumdar, Nadal, Scardicchio & Vivo,
    PRL 103 (2009) 220603), not like the N/4 of independent coin flips.

    Examples
    --------
    >>> import rmt
    >>> ks = rmt.sample_index(10**4, size=100, beta=1, rng=0)
    >>> ks.shape, bool(4800 < ks.mean() < 5200)
    ((100,), True)
    """
    n = check_int("n", n)
    shape = check_size(size)
    beta = check_beta(beta)
    threshold_arr = check_real_array("threshold", threshold)
    if threshold_arr.ndim != 0:
        raise ValueError(f"threshold must be a single number; got shape {threshold_arr.shape}")
    threshold = float(threshold_arr)
    total = 1 if shape is None else int(np.prod(shape, dtype=object))
    check_memory(f"n = {n} and size = {size!r}", 8 * total + 16 * n,
                 f"{total} indices and one matrix of side {n} at a time")
    rng = as_generator(rng)
    # The raw model is the scaled one times sqrt(beta n / 2): move the threshold instead.
    x = np.array([threshold * np.sqrt(0.5 * beta * n)])
    out = np.empty((total, 1), dtype=np.int64)
    for start, rows in _chunks(n, total):
        z, g = draw_hermite_raw(rng, n, beta, rows)
        _k.sturm_counts_batch(z, g, x, out[start:start + rows])
    return int(out[0, 0]) if shape is None else out.reshape(shape)


def edge_block_size(n: int) -> int:
    """Rows of the beta-Hermite model kept for the largest eigenvalue: min(n, ceil(10 n^(1/3)))."""
    n = check_int("n", n)
    return min(n, int(np.ceil(10.0 * np.cbrt(n))))


def sample_largest(n: int, *, size: int | tuple[int, ...] | None = None, beta: float = 1,
                   block: int | None = None, rng=None) -> float | np.ndarray:
    """Sample the largest eigenvalue of Wigner matrices of size ``n`` (up to 10^8 and beyond).

    Parameters
    ----------
    n : int
        Matrix size N.
    size : int or tuple of int, optional
        Number (shape) of independent samples.
    beta : float > 0
        Dyson index.
    block : int, optional
        Rows of the top-left block to keep; default :func:`edge_block_size` (10 N^(1/3)).
        ``block=n`` uses the whole matrix.
    rng : None, int, SeedSequence or Generator
        Source of randomness (:func:`rmt.random.as_generator`).

    Returns
    -------
    float or ndarray with shape ``size``
        lambda_max in the library normalisation (semicircle on [-2, 2]), so that
        N^(2/3) (lambda_max - 2) tends to the Tracy–Widom law TW_beta.

    Notes
    -----
    The eigenvector of the largest eigenvalue of the beta-Hermite model is concentrated on
    its first O(N^(1/3)) coordinates, where the off-diagonal chi_{beta(N-k)} entries are
    largest; truncating to the top-left 10 N^(1/3) rows changes lambda_max by far less than
    the Tracy–Widom scale N^(-2/3) (Edelman & Persson, "Computing the Tracy–Widom
    distribution", arXiv:math/0504391, 2005). The eigenvalue is found by Sturm bisection.

    Examples
    --------
    >>> import rmt
    >>> lm = rmt.sample_largest(10**8, size=10, beta=1, rng=0)
    >>> bool(abs(lm - 2).max() < 1e-3)
    True
    """
    n = check_int("n", n)
    shape = check_size(size)
    beta = check_beta(beta)
    k = edge_block_size(n) if block is None else check_int("block", block)
    if k > n:
        raise ValueError(f"block must be <= n = {n}; got {k}")
    total = 1 if shape is None else int(np.prod(shape, dtype=object))
    check_memory(f"block = {k} and size = {size!r}", 8 * total + 16 * k,
                 f"{total} eigenvalues and one block of {k} rows at a time")
    rng = as_generator(rng)
    out = np.empty((total, 1))
    top = np.array([k - 1], dtype=np.int64)
    for start, rows in _chunks(k, total):
        z, g = draw_hermite_raw(rng, n, beta, rows, top=k)
        _k.bisect_eigenvalues_batch(z, g, top, out[start:start + rows])
    out /= np.sqrt(0.5 * beta * n)
    return float(out[0, 0]) if shape is None else out.reshape(shape)
