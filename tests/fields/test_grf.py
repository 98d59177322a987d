"""GaussianField: exact derivatives, batching, and its statistics against the kernel."""

import functools
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from fields.checks import check_derivatives
from fields.grf import GaussianField
from fields.kernels import Matern, SquaredExponential

KERNELS = [SquaredExponential(lengthscale=1.3), Matern(nu=2.5, lengthscale=0.8)]
KERNEL_IDS = ["se", "matern52"]
SCALINGS = ["unit", "bray-dean"]


@functools.cache
def small_field(dim, kernel, scaling, n_features=256):
    return GaussianField(dim, kernel, n_features=n_features, scaling=scaling, rng=dim)


def points(dim):
    return hnp.arrays(np.float64, (dim,), elements=st.floats(-4.0, 4.0, width=64))


# -- exact derivatives -----------------------------------------------------------------------------


@pytest.mark.parametrize("scaling", SCALINGS)
@pytest.mark.parametrize("kernel", KERNELS, ids=KERNEL_IDS)
@pytest.mark.parametrize("dim", [1, 2, 7, 50])
@settings(max_examples=4, deadline=None, derandomize=True)
@given(data=st.data())
def test_derivatives_pass_check(dim, kernel, scaling, data):
    field = small_field(dim, kernel, scaling)
    x = data.draw(points(dim))
    report = check_derivatives(field, x=x, rng=0)
    assert report.ok, str(report)
    # The finite-difference tolerances stay far below 1e-6 relative, so a derivative that is
    # wrong by one part in a million fails (test_checks.py plants such bugs).
    assert report.grad_tolerance < 1e-7 and report.hvp_tolerance < 1e-7, str(report)


@pytest.mark.parametrize("kernel", KERNELS, ids=KERNEL_IDS)
@pytest.mark.parametrize("dim", [1, 3, 20])
def test_hvp_hess_value_and_grad_agree(dim, kernel):
    field = small_field(dim, kernel, "unit")
    rng = np.random.default_rng(1)
    x, v = rng.standard_normal(dim), rng.standard_normal(dim)
    h = field.hess(x)
    # hess symmetrises exactly: (H + H^T)/2 is symmetric bit for bit.
    assert np.array_equal(h, h.T)
    # hvp and hess @ v are both exact and differ only in the order of the M-term sums:
    # rounding of order eps * sqrt(M) * |H| |v|, far below 1e-12 of it.
    scale = np.linalg.norm(h) * np.linalg.norm(v)
    np.testing.assert_allclose(field.hvp(x, v), h @ v, rtol=0, atol=1e-12 * scale)
    value, grad = field.value_and_grad(x)
    # Same phases and the same summation order; only cos vs sincos might differ in an ulp.
    np.testing.assert_allclose(value, field.value(x), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(grad, field.grad(x), rtol=1e-13, atol=1e-15)
    assert isinstance(value, float) and grad.shape == (dim,)


@pytest.mark.parametrize("kernel", KERNELS, ids=KERNEL_IDS)
def test_batches_equal_loops(kernel):
    dim = 4
    field = small_field(dim, kernel, "bray-dean")
    rng = np.random.default_rng(2)
    xs = rng.standard_normal((3, 5, dim))
    flat = xs.reshape(-1, dim)
    # A batch goes through gemm and a point through gemv: the same sums in another order.
    close = functools.partial(np.testing.assert_allclose, rtol=1e-12, atol=1e-12)
    close(field.value(xs), np.reshape([field.value(p) for p in flat], (3, 5)))
    close(field.grad(xs), np.reshape([field.grad(p) for p in flat], xs.shape))
    values, grads = field.value_and_grad(xs)
    close(values, field.value(xs))
    close(grads, field.grad(xs))
    close(field.hess(xs), np.reshape([field.hess(p) for p in flat], (3, 5, dim, dim)))
    vs = rng.standard_normal((5, dim))
    expected = np.array([[field.hvp(xs[i, j], vs[j]) for j in range(5)] for i in range(3)])
    close(field.hvp(xs, vs), expected)  # (3, 5, dim) with (5, dim)
    close(field.hvp(xs[0, 0], vs), [field.hvp(xs[0, 0], v) for v in vs])  # one x, many v
    close(field.hvp(xs, vs[0]), [[field.hvp(p, vs[0]) for p in row] for row in xs])  # one v
    by_rows = [[field.hvp(xs[i, 0], v) for v in vs] for i in range(3)]
    close(field.hvp(xs[:, None, 0], vs), by_rows)  # (3, 1, dim) with (5, dim)
    assert field.value(np.empty((0, dim))).shape == (0,)
    assert field.grad(np.empty((2, 0, dim))).shape == (2, 0, dim)


def test_large_batch_is_chunked():
    # More rows than one chunk holds (2**21 / M): chunk boundaries must not change results.
    field = GaussianField(2, SquaredExponential(), n_features=2**16, scaling="unit", rng=3)
    xs = np.random.default_rng(3).standard_normal((70, 2))
    values, grads = field.value_and_grad(xs)
    np.testing.assert_allclose(values, [field.value(p) for p in xs], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(grads[-1], field.grad(xs[-1]), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(field.hvp(xs, xs[::-1])[-1], field.hvp(xs[-1], xs[0]),
                               rtol=1e-12, atol=1e-12)


def test_frozen_reproducible_and_picklable():
    a = GaussianField(3, SquaredExponential(), n_features=64, rng=7)
    b = GaussianField(3, SquaredExponential(), n_features=64, rng=np.random.default_rng(7))
    x = np.array([0.3, -0.2, 1.0])
    assert a.value(x) == b.value(x)
    with pytest.raises(AttributeError, match="frozen"):
        a.dim = 4
    with pytest.raises(ValueError, match="read-only"):
        a.frequencies[0, 0] = 1.0
    c = pickle.loads(pickle.dumps(a))
    assert c.value(x) == a.value(x) and repr(c) == repr(a)
    # The Bray-Dean 1/sqrt(N) is folded into the stored frequencies and the amplitude.
    u = GaussianField(3, SquaredExponential(), n_features=64, scaling="unit", rng=7)
    np.testing.assert_allclose(a.frequencies, u.frequencies / np.sqrt(3), rtol=1e-15)
    np.testing.assert_allclose(a.value(x), np.sqrt(3) * u.value(x / np.sqrt(3)), rtol=1e-12)


def test_derivative_orders_follow_the_kernel():
    x = np.zeros(3)
    rough = GaussianField(3, Matern(nu=1.5), n_features=32, rng=0)
    assert np.isfinite(rough.value(x)) and rough.grad(x).shape == (3,)
    with pytest.raises(ValueError, match="nu > 2"):
        rough.hess(x)
    with pytest.raises(ValueError, match="nu > 2"):
        rough.hvp(x, x)
    rougher = GaussianField(3, Matern(nu=0.5), n_features=32, rng=0)
    assert np.isfinite(rougher.value(x))
    with pytest.raises(ValueError, match="nu > 1"):
        rougher.grad(x)
    with pytest.raises(ValueError, match="nu > 1"):
        rougher.value_and_grad(x)


# -- bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"dim": 0}, ValueError, "dim"),
        ({"dim": 2.0}, TypeError, "dim"),
        ({"n_features": 0}, ValueError, "n_features"),
        ({"n_features": 10.5}, TypeError, "n_features"),
        ({"scaling": "foo"}, ValueError, "scaling"),
        ({"scaling": None}, ValueError, "scaling"),
        ({"kernel": "se"}, TypeError, "kernel"),
        ({"rng": "seed"}, TypeError, "rng"),
    ],
)
def test_constructor_refuses_nonsense(kwargs, error, match):
    args = {"dim": 2, "kernel": SquaredExponential(), "n_features": 8} | kwargs
    with pytest.raises(error, match=match):
        GaussianField(**args)


@pytest.mark.parametrize(
    ("method", "args", "match"),
    [
        ("value", ([0.0, np.nan],), "x must be finite"),
        ("grad", ([0.0, np.inf],), "x must be finite"),
        ("value", ([0.0, 1.0, 2.0],), r"x must have shape \(dim,\)"),
        ("value_and_grad", (1.0,), "x must have at least 1 dimension"),
        ("hess", (np.zeros((4, 3)),), "x must have shape"),
        ("hvp", (np.zeros(2), np.zeros(3)), "v must have shape"),
        ("hvp", (np.zeros(2), [np.nan, 0.0]), "v must be finite"),
        ("hvp", (np.zeros((3, 2)), np.zeros((4, 2))), "broadcast"),
        ("covariance", (np.zeros(2), np.zeros(5)), "y must have shape"),
    ],
)
def test_evaluation_refuses_nonsense(method, args, match):
    field = small_field(2, KERNELS[0], "unit")
    with pytest.raises(ValueError, match=match):
        getattr(field, method)(*args)


# -- statistics over independent fields ------------------------------------------------------


def per_field(stat, n_fields, dim, kernel, scaling, n_features, seed):
    """``stat(field)`` for independent fields (children of one SeedSequence), stacked."""
    seeds = np.random.SeedSequence(seed).spawn(n_fields)
    return np.array([stat(GaussianField(dim, kernel, n_features, scaling=scaling, rng=s))
                     for s in seeds])


def assert_mean_matches(samples, expected, n_se=5.0):
    """Mean over fields equals ``expected`` within ``n_se`` standard errors, entrywise.

    The fields are independent, so the standard error of the mean is the sample standard
    deviation over fields / sqrt(n); 5 standard errors makes a false alarm on one entry a
    6e-7 event (Gaussian tails; the means here are averages of hundreds of terms).
    """
    mean = samples.mean(axis=0)
    se = samples.std(axis=0, ddof=1) / np.sqrt(samples.shape[0])
    excess = np.abs(mean - expected) - n_se * se
    assert np.all(excess <= 1e-12), (mean, expected, se)


@pytest.mark.parametrize("scaling", SCALINGS)
@pytest.mark.parametrize("kernel", KERNELS, ids=KERNEL_IDS)
def test_value_covariance_matches_kernel(kernel, scaling):
    # E f(x) f(x + h) = A C(|h|^2 / L) at |h| = 0, l/2, l, 2l (in units of sqrt(L)). Each field
    # contributes the average over 100 far-apart base points, so a field's statistic is an
    # average of many nearly independent products; its spread over 300 fields gives the SE
    # (about 0.01 A). A lengthscale off by sqrt(2) moves C(l^2) by 0.24 A: 20 SE.
    dim, n_points = 3, 100
    rng = np.random.default_rng(10)
    base = rng.uniform(-60, 60, (n_points, dim))
    dirs = rng.standard_normal((n_points, dim))
    dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
    scale = np.sqrt(dim) if scaling == "bray-dean" else 1.0
    base *= scale
    radii = np.array([0.0, 0.5, 1.0, 2.0]) * kernel.lengthscale * scale

    def stat(field):
        f0 = field.value(base)
        return [np.mean(f0 * field.value(base + r * dirs)) for r in radii]

    samples = per_field(stat, 300, dim, kernel, scaling, 256, seed=11)
    field = small_field(dim, kernel, scaling)
    expected = [field.covariance(base[0], base[0] + r * dirs[0]) for r in radii]
    amplitude = dim if scaling == "bray-dean" else 1.0
    np.testing.assert_allclose(
        expected, amplitude * kernel.covariance(np.array(radii / scale) ** 2), rtol=1e-14
    )
    assert_mean_matches(samples, expected)


@pytest.mark.parametrize("scaling", SCALINGS)
@pytest.mark.parametrize("kernel", KERNELS, ids=KERNEL_IDS)
def test_gradient_covariance(kernel, scaling):
    # E g g^T = -2 c1 (A / L) I and E f g = 0 (docs/theory.md 7); A / L = 1 in both scalings.
    # For Matern 5/2 the frequencies are Student-t with 5 degrees of freedom: E w^4 is
    # finite, so g_i^2 has a variance and the standard error is meaningful.
    dim, n_points = 3, 100
    base = np.random.default_rng(12).uniform(-60, 60, (n_points, dim))

    def stat(field):
        values, grads = field.value_and_grad(base)
        return np.concatenate([(grads.T @ grads).ravel(), values @ grads]) / n_points

    samples = per_field(stat, 300, dim, kernel, scaling, 256, seed=13)
    expected = np.concatenate([(-2.0 * kernel.c1 * np.eye(dim)).ravel(), np.zeros(dim)])
    assert_mean_matches(samples, expected)


@pytest.mark.parametrize("scaling", SCALINGS)
def test_hessian_covariance_squared_exponential(scaling):
    # Cov(H_ij, H_kl) = 4 c2 (A / L^2)(d_ij d_kl + d_ik d_jl + d_il d_jk) and
    # Cov(f, H_ij) = 2 c1 (A / L) d_ij (docs/theory.md 7). Squared-exponential only: for Matern
    # 5/2 the Student-t frequencies have E w^8 = inf, so H_ij H_kl has no finite variance
    # and a standard-error test would be meaningless. SE here is ~2% of E H_11^2; a Hessian
    # off by sqrt(2) or with the wrong Bray-Dean power of N fails by > 20 SE.
    kernel = SquaredExponential(lengthscale=0.9)
    dim, n_points = 3, 40
    base = np.random.default_rng(14).uniform(-60, 60, (n_points, dim))
    length = dim if scaling == "bray-dean" else 1.0

    def stat(field):
        h = field.hess(base).reshape(n_points, dim * dim)
        f = field.value(base)
        return np.concatenate([(h.T @ h).ravel(), f @ h]) / n_points

    samples = per_field(stat, 300, dim, kernel, scaling, 256, seed=15)
    eye = np.eye(dim)
    four = (np.einsum("ij,kl->ijkl", eye, eye) + np.einsum("ik,jl->ijkl", eye, eye)
            + np.einsum("il,jk->ijkl", eye, eye))
    amplitude = length  # A = L
    expected = np.concatenate([(4 * kernel.c2 * amplitude / length**2 * four).ravel(),
                               (2 * kernel.c1 * amplitude / length * eye).ravel()])
    assert_mean_matches(samples, expected)


@pytest.mark.parametrize("kernel", KERNELS, ids=KERNEL_IDS)
@settings(max_examples=3, deadline=None, derandomize=True)
@given(seed=st.integers(0, 2**32 - 1))
def test_rotation_invariance(kernel, seed):
    # For a rotation R, (f(R x_1), ..., f(R x_k)) has the covariance of (f(x_1), ..., f(x_k)),
    # both the kernel matrix C(|x_i - x_j|^2). Each field averages the outer products over 50
    # far-apart translates of the cluster (stationarity); the two configurations share the
    # fields, so their difference is tested with its own (paired) standard error.
    dim, k, n_translates = 4, 4, 50
    rng = np.random.default_rng(seed)
    q, r = np.linalg.qr(rng.standard_normal((dim, dim)))
    rotation = q * np.sign(np.diag(r))
    cluster = rng.standard_normal((k, dim)) * kernel.lengthscale
    shifts = rng.uniform(-80, 80, (n_translates, 1, dim))
    iu = np.triu_indices(k)

    def stat(field):
        out = []
        for pts in (cluster, cluster @ rotation.T):
            f = field.value(pts + shifts)  # (n_translates, k)
            out.append((f.T @ f / n_translates)[iu])
        return np.concatenate([out[0], out[1], out[0] - out[1]])

    samples = per_field(stat, 200, dim, kernel, "unit", 256, seed=seed % 1000)
    sq = np.sum((cluster[:, None] - cluster[None]) ** 2, axis=-1)
    target = kernel.covariance(sq)[iu]
    assert_mean_matches(samples, np.concatenate([target, target, np.zeros_like(target)]))
