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


def distinct_pair_sum(a) -> np.ndarray:
    """``sum_{j != k} a_j a_k`` along the last axis, for ``a >= 0``, with nothing cancelling.

    Written as ``(sum a)^2 - sum a^2`` it is a difference of two nearly equal numbers when one
    term dominates, and rounding can make it negative (then its square root is NaN); here every
    term is a product of non-negative numbers: ``2 sum_k a_k (a_1 + ... + a_{k-1})``.
    """
    a = np.asarray(a, dtype=np.float64)
    before = np.concatenate([np.zeros(a.shape[:-1] + (1,)), np.cumsum(a, axis=-1)[..., :-1]],
                            axis=-1)
    return 2.0 * np.sum(a * before, axis=-1)


def off_diagonal_square_sum(h) -> np.ndarray:
    """``sum_{j != i} H_ij^2`` for each row ``i``, summed over the entries themselves."""
    off = np.array(h, dtype=np.float64)
    np.fill_diagonal(off, 0.0)
    return np.sum(off**2, axis=1)


class DiagonalQuadratic:
    """A user's surface with only ``dim``, ``value``, ``grad`` and ``hvp``: sum_i h_i x_i^2 / 2.

    Its one critical point is the origin, of index ``#{h_i < 0}``.
    """

    def __init__(self, h):
        self.h = np.asarray(h, dtype=float)
        self.dim = self.h.size

    def value(self, x):
        return 0.5 * float(x @ (self.h * x))

    def grad(self, x):
        return self.h * x

    def hvp(self, x, v):
        return self.h * v
