"""The curvature of a point: index and the eigenvalue nearest zero, on both sides of the
size where it comes from shift-invert Lanczos instead of eigenvalues by position."""

import numpy as np
import pytest

import fields
import optim
from optim.surface import SHIFT_INVERT_SIZE


class _Fixed:
    """A quadratic surface with a given Hessian."""

    def __init__(self, h):
        self.h, self.dim = h, h.shape[0]

    def value(self, x):
        return 0.5 * x @ self.h @ x

    def grad(self, x):
        return self.h @ x

    def hvp(self, x, v):
        return self.h @ v

    def hess(self, x):
        return self.h


@pytest.mark.parametrize("dim", [200, SHIFT_INVERT_SIZE + 300])
def test_the_eigenvalue_nearest_zero_is_the_exact_one(dim):
    q = fields.RandomQuadratic(dim, shift=0.3, rng=dim)
    lam = np.linalg.eigvalsh(q.matrix)
    c = optim.curvature(q, np.zeros(dim))
    assert c.index == q.index and c.size == dim and c.method == "hessian"
    # Both routes are backward stable: the error is rounding of ||H|| (about 2 sqrt(N)).
    assert abs(c.min_abs_eigenvalue - np.abs(lam).min()) < 1e-10


def test_an_exactly_singular_hessian_above_the_size_gives_zero():
    n = SHIFT_INVERT_SIZE + 100
    spectrum = np.r_[np.zeros(2), np.linspace(-1, 1, n - 2) + 1e-3]
    c = optim.curvature(_Fixed(np.diag(spectrum)), np.zeros(n))
    assert c.min_abs_eigenvalue == 0.0 and c.index == np.sum(spectrum < 0)
    rot = np.linalg.qr(np.random.default_rng(0).standard_normal((n, n)))[0]
    c = optim.curvature(_Fixed((rot * spectrum) @ rot.T), np.zeros(n))
    assert c.min_abs_eigenvalue < 1e-13
