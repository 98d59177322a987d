"""Plot helpers draw what they are given and refuse nonsense (Agg backend, no display)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import rmt  # noqa: E402


def test_helpers_draw():
    ax = rmt.plot.spectrum(np.linalg.eigvalsh(rmt.goe(200, rng=0)), rmt.semicircle)
    assert len(ax.patches) > 10 and len(ax.lines) == 1
    ks = rmt.sample_index(100, size=500, rng=0)
    ax = rmt.plot.index_distribution(ks, 100)
    assert len(ax.lines) == 2
    ax = rmt.plot.index_variance([100, 1000], [0.7, 0.9], beta=1)
    assert ax.get_xscale() == "log"
    ax = rmt.plot.largest_eigenvalue(rmt.sample_largest(10**4, size=200, rng=0), 10**4, beta=2)
    assert len(ax.lines) == 1
    ax = rmt.plot.gaussian_shell(dims=(1, 10), samples=500, rng=0)
    assert len(ax.lines) == 2
    axes = rmt.plot.preconditioning(rmt.preconditioning_experiment(n=10, n_matrices=8, rng=0))
    assert len(axes) == 2
    plt.close("all")


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda: rmt.plot.spectrum([np.nan, 1.0]), ValueError, "eigenvalues must be finite"),
        (lambda: rmt.plot.index_distribution([1, 2], 0), ValueError, "n must be"),
        (lambda: rmt.plot.index_distribution([1.5, 2], 10), ValueError, "indices"),
        (lambda: rmt.plot.index_variance([0, 10], [1, 2]), ValueError, "ns"),
        (lambda: rmt.plot.largest_eigenvalue([2.0], 10, beta=3), ValueError, "beta"),
        (lambda: rmt.plot.gaussian_shell(dims=(0,)), ValueError, "dims"),
        (lambda: rmt.plot.gaussian_shell(dims=(2.5,)), TypeError, "dims"),
    ],
)
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
    plt.close("all")
