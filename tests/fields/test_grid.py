"""Exact circulant-embedding sampler and discrete critical points on a grid."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import scipy.fft  # noqa: E402

from fields.grid import (  # noqa: E402
    _embedding,
    critical_points,
    grid_field,
    local_minima,
    plot_critical_points,
)


class SquaredExponential:
    """Stand-in kernel: C(s) = exp(-s / (2 l^2)) of the squared distance s."""

    def __init__(self, lengthscale):
        self.lengthscale = lengthscale

    def covariance(self, s):
        return np.exp(-np.asarray(s) / (2.0 * self.lengthscale**2))


class Matern52:
    """Stand-in kernel: Matérn 5/2, C = (1 + a + a^2 / 3) exp(-a), a = sqrt(5 s) / l."""

    def __init__(self, lengthscale):
        self.lengthscale = lengthscale

    def covariance(self, s):
        a = np.sqrt(5.0 * np.asarray(s)) / self.lengthscale
        return (1.0 + a + a * a / 3.0) * np.exp(-a)


def lagged_products(fields, lag):
    """Per-field average of f(x) f(x + lag) over every position where both are on the grid."""
    pairs = list(zip(lag, fields.shape[1:], strict=True))
    lead = tuple(slice(max(0, -h), n - max(0, h)) for h, n in pairs)
    follow = tuple(slice(max(0, h), n - max(0, -h)) for h, n in pairs)
    prods = fields[(slice(None),) + lead] * fields[(slice(None),) + follow]
    return prods.reshape(len(fields), -1).mean(axis=1)


# The statistic T_i (average of f(x) f(x + h) over one field) has mean C(h) exactly, because
# every pair of nodes has exactly the target covariance, and the T_i of independent fields
# are i.i.d.; their sample standard deviation over sqrt(n) is the standard error (about
# 0.013 here), and with n = 3000 the mean is normal to a good approximation: 4 SE bounds
# each of the ~10 checks (false alarm ~ 1e-3 in all). This catches a sampler that forgets the
# spacing (0.09 off at lag 1 for the squared exponential), reads C as a function of the
# distance instead of its square, or filters by lambda instead of sqrt(lambda); errors of
# 1-2 % (an embedding too small, with negative eigenvalues clipped) are below its power
# and are caught exactly by test_embedding_is_exact below.
LAGS_2D = [(0, 0), (1, 0), (3, 0), (8, 0), (0, 1), (0, 3), (0, 8), (3, 3), (5, -4)]


@pytest.mark.parametrize(
    ("kernel", "spacing"), [(SquaredExponential(2.0), 0.5), (Matern52(4.0), 1.0)]
)
def test_covariance_matches_kernel_2d(kernel, spacing):
    n = 3000
    fields = grid_field((12, 10), kernel, rng=11, spacing=spacing, size=n)
    for lag in LAGS_2D:
        t = lagged_products(fields, lag)
        target = kernel.covariance(spacing**2 * (lag[0] ** 2 + lag[1] ** 2))
        se = t.std(ddof=1) / np.sqrt(n)
        assert abs(t.mean() - target) < 4 * se, (lag, t.mean(), target, se)


@pytest.mark.parametrize(
    ("shape", "kernel", "spacing"),
    [
        ((12, 10), SquaredExponential(2.0), 0.5),   # needs padding to 4 x the minimal torus
        ((12, 10), Matern52(4.0), 1.0),
        ((40,), SquaredExponential(3.0), 1.0),
        ((6, 5, 9), Matern52(1.0), 0.8),
        ((64, 48), Matern52(3.0), 1.0),
    ],
)
def test_embedding_is_exact(shape, kernel, spacing):
    # Deterministic: the covariance of the periodic field, IDFT(sqrt(lambda)^2), must equal
    # C(h^2 |k|^2) on every lag k of the original grid (both signs), to rounding.
    m, root_lambda = _embedding(shape, kernel, spacing)
    realised = scipy.fft.irfftn(root_lambda**2, s=m)
    lags = [np.r_[0:n, mj - n + 1:mj] if n > 1 else np.array([0])
            for n, mj in zip(shape, m, strict=True)]
    grids = np.meshgrid(*[np.r_[0:n, -n + 1:0] if n > 1 else np.array([0]) for n in shape],
                        indexing="ij")
    target = kernel.covariance(spacing**2 * sum(g.astype(float) ** 2 for g in grids))
    np.testing.assert_allclose(realised[np.ix_(*lags)], target, rtol=0, atol=1e-9)


def test_pointwise_variance_is_exactly_one():
    # Single nodes, including the corners where a periodic approximation would be worst:
    # Var f(x)^2 = 2 for a unit Gaussian, so SE = sqrt(2 / n) = 0.01 at n = 20000.
    n = 20000
    fields = grid_field((9, 7), Matern52(1.5), rng=5, size=n)
    for node in [(0, 0), (8, 6), (4, 3), (0, 6)]:
        v = np.mean(fields[(slice(None),) + node] ** 2)
        assert abs(v - 1.0) < 4 * np.sqrt(2.0 / n)


def test_one_and_three_dimensional_grids():
    n = 3000
    f1 = grid_field(40, SquaredExponential(3.0), rng=1, size=n)
    assert f1.shape == (n, 40)
    f3 = grid_field((6, 5, 9), Matern52(1.0), rng=2, spacing=0.8, size=n)
    assert f3.shape == (n, 6, 5, 9)
    for fields, lags, kernel, h in [
        (f1, [(0,), (1,), (3,), (8,)], SquaredExponential(3.0), 1.0),
        (f3, [(0, 0, 0), (1, 0, 0), (0, 3, 0), (0, 0, 8), (2, 1, -2)], Matern52(1.0), 0.8),
    ]:
        for lag in lags:
            t = lagged_products(fields, lag)
            target = kernel.covariance(h**2 * sum(x * x for x in lag))
            assert abs(t.mean() - target) < 4 * t.std(ddof=1) / np.sqrt(n), lag


def test_seeded_and_batched():
    k = Matern52(3.0)
    a = grid_field((20, 16), k, rng=7, size=3)
    b = grid_field((20, 16), k, rng=7, size=3)
    assert a.shape == (3, 20, 16) and np.array_equal(a, b)
    # A batch holds the fields that successive single draws give.
    assert np.array_equal(a[0], grid_field((20, 16), k, rng=7))
    assert grid_field((1, 5), k, rng=0).shape == (1, 5)


def test_agrees_with_library_kernels():
    kernels = pytest.importorskip("fields.kernels")
    ours = grid_field((30, 20), Matern52(3.0), rng=4, size=2)
    theirs = grid_field((30, 20), kernels.Matern(nu=2.5, lengthscale=3.0), rng=4, size=2)
    np.testing.assert_allclose(theirs, ours, rtol=1e-9, atol=1e-9)


# ----------------------------------------------------------------------- critical points --


def two_wells():
    """Two Gaussian wells on a tilted plane: minima at (10, 6) and (10, 20), one saddle."""
    y, x = np.mgrid[0:21, 0:27].astype(float)
    return (0.001 * x - np.exp(-((x - 6) ** 2 + (y - 10) ** 2) / 10)
            - np.exp(-((x - 20) ** 2 + (y - 10) ** 2) / 10))


def test_hand_made_field():
    f = two_wells()
    assert local_minima(f).tolist() == [[10, 6], [10, 20]]
    cp = critical_points(f)
    assert (cp.n_minima, cp.n_saddles, cp.n_maxima) == (2, 1, 0)
    assert cp.saddles[10, 13]
    # Negating swaps the roles of minima and maxima.
    neg = critical_points(-f)
    assert np.array_equal(neg.maxima, cp.minima) and neg.n_minima == 0
    # A plateau is not a cluster of minima: ties are broken by position.
    flat = np.zeros((6, 7))
    assert local_minima(flat).size == 0 and critical_points(flat).n_saddles == 0


def test_minima_are_eight_neighbour_minima():
    f = grid_field((60, 50), Matern52(2.0), rng=3)
    centre = f[1:-1, 1:-1]
    lower_than_all = np.ones(centre.shape, dtype=bool)
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            if di or dj:
                lower_than_all &= centre < f[1 + di:59 + di, 1 + dj:49 + dj]
    expected = np.argwhere(lower_than_all) + 1
    assert np.array_equal(local_minima(f), expected)


def test_index_sum_is_exactly_one_inside_a_high_frame():
    # The classification is that of a triangulation (Banchoff): the indices of all nodes of
    # a rectangle sum to 1. Framing the field with higher (or lower) values makes every
    # original node interior, so the identity must hold exactly, rough field or smooth.
    for lengthscale in (1.0, 6.0):
        f = grid_field((80, 70), Matern52(lengthscale), rng=9)
        for pad in (f.max() + 1.0, f.min() - 1.0):
            assert critical_points(np.pad(f, 1, constant_values=pad)).euler_characteristic == 1


def test_euler_relation_on_smooth_field():
    # Without a frame, #min - #saddle + #max = 1 - (sum of the indices of boundary nodes).
    # Those are +-1 at the boundary's own critical points, about one per 1-D extremum of f
    # along the boundary (B ~ 160 here) with signs of either kind, so |chi - 1| stays within
    # a few sqrt(B); we allow 4 sqrt(B) ~ 50, which is also below 5 % of the ~ 1300 critical
    # points (chi - 1 = 6 at this seed). Counting saddles by sign changes on the full ring
    # of 8 neighbours gives ~ 1280 saddles and chi ~ -600 here.
    f = grid_field((256, 256), Matern52(8.0), rng=21)
    cp = critical_points(f)
    ring = np.concatenate([f[0, :-1], f[:-1, -1], f[-1, :0:-1], f[:0:-1, 0]])
    boundary_extrema = np.count_nonzero(
        (ring - np.roll(ring, 1)) * (ring - np.roll(ring, -1)) > 0
    )
    chi = cp.n_minima - cp.n_saddles + cp.n_maxima
    assert abs(chi - 1) <= 4 * np.sqrt(boundary_extrema)
    assert abs(chi - 1) < 0.05 * (cp.n_minima + cp.n_saddles + cp.n_maxima)


def test_density_of_minima_scales_like_inverse_square_lengthscale():
    # Kac-Rice in 2-D: minima per unit area = c2 / (sqrt(3) pi |c1|) (E|det H| 1{H > 0} =
    # 1/sqrt(3) for H = sqrt(4 c2) (W + xi I), computed by quadrature), which for the
    # squared exponential is 1 / (2 sqrt(3) pi l^2). Counts over a fixed area are close to
    # Poisson, so SE(count) ~ sqrt(count); the grid (spacing 1) misses a fraction of order
    # (1/l)^2 of the minima (about 1 % at l = 6, measured), hence 4 SE + 2 % on the level
    # and 4 SE (of the ratio) + 2 % on the ratio of l = 4 to l = 8, which should be 4.
    interior = 254 * 254
    counts = {}
    for lengthscale, n_fields in ((4.0, 2), (8.0, 8)):
        fields = grid_field((256, 256), SquaredExponential(lengthscale), rng=13, size=n_fields)
        counts[lengthscale] = sum(critical_points(f).n_minima for f in fields) / n_fields
        expected = interior / (2 * np.sqrt(3) * np.pi * lengthscale**2)
        se = np.sqrt(counts[lengthscale] / n_fields)
        assert abs(counts[lengthscale] - expected) < 4 * se + 0.02 * expected
    ratio = counts[4.0] / counts[8.0]
    rel_se = np.sqrt(1 / (2 * counts[4.0]) + 1 / (8 * counts[8.0]))
    assert abs(ratio - 4.0) < 4.0 * (4 * rel_se + 0.02)


def test_plot_critical_points():
    f = two_wells()
    ax = plot_critical_points(f, title="two wells")
    assert len(ax.collections) == 3 and ax.get_title() == "two wells"
    fig, ax2 = plt.subplots()
    assert plot_critical_points(f, ax=ax2) is ax2
    plt.close("all")


# ------------------------------------------------------------------------------ bad input --


class BoxKernel:
    """Not positive definite: no circulant embedding can be nonnegative definite."""

    def covariance(self, s):
        return (np.asarray(s) <= 4.0).astype(float)


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda: grid_field((0, 5), Matern52(1.0)), ValueError, "shape entries"),
        (lambda: grid_field((5, -2), Matern52(1.0)), ValueError, "shape entries"),
        (lambda: grid_field((3, 3, 3, 3), Matern52(1.0)), ValueError, "1, 2 or 3"),
        (lambda: grid_field((), Matern52(1.0)), ValueError, "1, 2 or 3"),
        (lambda: grid_field((4.0, 5), Matern52(1.0)), TypeError, "shape"),
        (lambda: grid_field((4, 5), Matern52(1.0), spacing=0.0), ValueError, "spacing"),
        (lambda: grid_field((4, 5), Matern52(1.0), spacing=-1.0), ValueError, "spacing"),
        (lambda: grid_field((4, 5), Matern52(1.0), spacing=np.nan), ValueError, "spacing"),
        (lambda: grid_field((4, 5), lambda s: s), TypeError, "covariance"),
        (lambda: grid_field((4, 5), Matern52(np.nan)), ValueError, "NaN"),
        (lambda: grid_field((4, 5), Matern52(1.0), size=-1), ValueError, "size"),
        (lambda: grid_field((4, 5), Matern52(1.0), rng="seed"), TypeError, "rng"),
        (lambda: grid_field(50, BoxKernel()), ValueError, "not nonnegative definite"),
        (lambda: critical_points(np.zeros((5, 2))), ValueError, "at least 3"),
        (lambda: critical_points(np.zeros((4, 4, 4))), ValueError, "2-D"),
        (lambda: local_minima([[0, 1, 2], [3, np.nan, 5], [6, 7, 8]]), ValueError, "NaN"),
        (lambda: plot_critical_points(np.ones(5)), ValueError, "2-D"),
    ],
)
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
