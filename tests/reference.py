"""Slow, obviously-correct references that the fast kernels are tested against."""

import numpy as np


def dense_tridiagonal(d, e) -> np.ndarray:
    """The dense symmetric tridiagonal matrix with diagonal ``d`` and off-diagonal ``e``."""
    return np.diag(d) + np.diag(e, 1) + np.diag(e, -1)


def count_below_dense(d, e, x) -> int:
    """Number of eigenvalues below ``x`` from a full eigendecomposition."""
    return int((np.linalg.eigvalsh(dense_tridiagonal(d, e)) < x).sum())


def goe_by_definition(n: int, rng: np.random.Generator) -> np.ndarray:
    """GOE straight from the definition: (A + A^T)/sqrt(2N), A with i.i.d. N(0, 1) entries."""
    a = rng.standard_normal((n, n))
    return (a + a.T) / np.sqrt(2.0 * n)
