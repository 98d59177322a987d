"""Experiment 1 on small networks: Hessian spectra along training, SLQ against the exact
spectrum of a 2k-parameter net, certified critical points and the semicircle trend."""

import numpy as np
import pytest
import scipy.stats

import rmt
from fields.nn import MLP
from optim.critical import Solver, Starts
from optim.networks import network_error_index, semicircle_trend, spectra_along_training


def _net(hidden, n=120, seed=0, weight_decay=1e-2):
    rng = np.random.default_rng(seed)
    x = rng.uniform(size=(n, 16))
    y = (x[:, :4].sum(axis=1) > 2).astype(int) + 2 * (x[:, 4] > 0.5)
    return MLP([16, hidden, 4], "tanh", "softmax-cross-entropy", (x, y),
               weight_decay=weight_decay, rng=seed)


def test_hessian_spectra_along_training_are_the_exact_spectra():
    net = _net(6)
    ds = spectra_along_training(net, steps=300, checkpoints=4, rng=0)
    assert ds.sizes["checkpoint"] == 4 and ds.sizes["eigenvalue"] == net.dim
    loss = ds.loss.values
    assert np.all(np.diff(loss) < 0)       # checkpoints of falling loss
    assert ds.checkpoint_step.values[0] == 0 and ds.checkpoint_step.values[-1] == 300
    np.testing.assert_allclose(loss[[0, -1]], ds.trajectory_loss.values[[0, -1]], rtol=1e-12)
    np.testing.assert_array_equal(ds.x.values[0], net.w0)
    for k in (0, 3):
        np.testing.assert_allclose(ds.eigenvalues.values[k],
                                   np.linalg.eigvalsh(net.hess(ds.x.values[k])), rtol=0,
                                   atol=1e-12)
    lam = ds.eigenvalues.values
    np.testing.assert_allclose(ds.index_fraction, np.mean(lam < 0, axis=1))
    np.testing.assert_allclose(ds["mean"], lam.mean(axis=1))
    np.testing.assert_allclose(ds["std"], lam.std(axis=1))
    expected = scipy.stats.semicircular.cdf(0, loc=lam.mean(axis=1), scale=2 * lam.std(axis=1))
    np.testing.assert_allclose(ds.fitted_index_fraction, expected)


def test_slq_spectra_agree_with_exact_ones_when_lanczos_runs_to_the_end():
    # With as many Lanczos steps as parameters the Gauss rule is the probe's exact spectral
    # measure: its counts and moments are those of the exact spectrum up to probe noise,
    # and the probe-averaged second moment is tr(H^2)/N within its standard errors.
    net = _net(3, n=60)
    exact = spectra_along_training(net, steps=100, checkpoints=2, rng=0)
    slq = spectra_along_training(net, steps=100, checkpoints=2, method="slq", slq_steps=net.dim,
                          slq_probes=40, rng=0)
    np.testing.assert_array_equal(exact.checkpoint_step, slq.checkpoint_step)
    assert slq.nodes.shape == (2, 40, net.dim)
    nodes, weights = slq.nodes.values, slq.weights.values
    for per_probe, truth in (((weights * nodes).sum(-1), exact["mean"].values),
                             ((weights * (nodes < 0)).sum(-1), exact.index_fraction.values)):
        se = per_probe.std(axis=1, ddof=1) / np.sqrt(40)
        np.testing.assert_array_less(np.abs(per_probe.mean(axis=1) - truth), 4 * se + 1e-12)
    np.testing.assert_allclose(slq["mean"], (weights * nodes).sum(-1).mean(axis=1))


def test_slq_and_extreme_eigenvalues_on_a_2k_parameter_net():
    # 16-100-4 tanh net: 2104 parameters. Tolerances: counts within 4 standard errors across
    # probes plus the quadrature resolution at x (the larger weight of the two Ritz nodes
    # around x, averaged over probes: the Chebyshev–Markov–Stieltjes bound); the extremes
    # by ARPACK to 1e-8 relative.
    net = _net(100, n=200)
    w = net.w0 + 0.2 * np.random.default_rng(1).standard_normal(net.dim)
    h = net.hess(w)
    lam = np.linalg.eigvalsh(h)
    sd = rmt.spectral_density(lambda v: net.hvp(w, v), net.dim, rng=0)
    for q in (0.05, 0.25, 0.5, 0.75, 0.95):
        x = np.quantile(lam, q) + 1e-9
        est, se = sd.fraction_below(x)
        below = np.where(sd.nodes < x, sd.nodes, -np.inf).argmax(axis=1)
        above = np.where(sd.nodes >= x, sd.nodes, np.inf).argmin(axis=1)
        rows = np.arange(sd.probes)
        resolution = np.mean(np.maximum(sd.weights[rows, below], sd.weights[rows, above]))
        assert abs(est - np.mean(lam < x)) <= 4 * se + resolution, (q, est, se, resolution)
    ext = rmt.extreme_eigenvalues(lambda v: net.hvp(w, v), net.dim, k=3, rng=0)
    scale = np.abs(lam).max()
    np.testing.assert_allclose(ext.smallest, lam[:3], rtol=0, atol=1e-8 * scale)
    np.testing.assert_allclose(ext.largest, lam[::-1][:3], rtol=0, atol=1e-8 * scale)


def test_semicircle_trend_recovers_its_parameters():
    loss = np.linspace(0.2, 2.0, 25)
    alpha = scipy.stats.semicircular.cdf(1.3 * (loss - 1.1))
    c, l0, rms = semicircle_trend(loss, alpha)
    assert c == pytest.approx(1.3, rel=1e-6) and l0 == pytest.approx(1.1, rel=1e-6)
    assert rms < 1e-8
    with pytest.raises(ValueError, match="at least 3"):
        semicircle_trend([1.0, 2.0], [0.1, 0.2])


def test_network_critical_points_are_certified_and_carry_losses_and_errors():
    net = _net(3, n=60)
    ds = network_error_index(net, n_starts=8, starts=Starts("trajectory", trajectory_points=2),
                             solver=Solver(stall_iter=40), rng=0)
    crit = ds.kind.values != "not-critical"
    assert crit.sum() >= 2
    tol = ds.attrs["grad_tol"] * ds.attrs["grad_scale"]
    assert np.all(ds.grad_norm.values[crit] <= tol)
    np.testing.assert_allclose(ds.loss.values[crit], [net.value(x) for x in ds.x.values[crit]])
    np.testing.assert_allclose(ds.error.values[crit],
                               [net.error_rate(x) for x in ds.x.values[crit]])
    assert ds.trend_loss.size == 101
    for key in ("trend_c", "trend_l0", "trend_rms", "pearson_r", "spearman_r"):
        assert key in ds.attrs


def test_bad_input():
    net = _net(3, n=30)
    with pytest.raises(ValueError, match="method must be one of"):
        spectra_along_training(net, method="lanczos")
    with pytest.raises(ValueError, match="checkpoints"):
        spectra_along_training(net, checkpoints=1)


def test_the_null_space_is_counted_apart_from_the_index():
    # Without weight decay a softmax net has exact zero eigenvalues: the 3 input features
    # that are zero in every example give 3 x 6 weights with zero curvature, and the logits'
    # invariance under a common shift gives 6 + 1 more (one per hidden unit and the bias).
    # Rounding puts them on either side of 0; the tolerance tau = dim eps ||H||_F keeps them
    # out of the index. The two exact routes -- eigenvalues, and the inertia of H -+ tau I --
    # give the same counts at every checkpoint.
    rng = np.random.default_rng(2)
    x = rng.uniform(size=(80, 16))
    x[:, :3] = 0.0
    y = rng.integers(0, 4, 80)
    net = MLP([16, 6, 4], "tanh", "softmax-cross-entropy", (x, y), rng=2)
    structural = 3 * 6 + 6 + 1
    with_spectra = spectra_along_training(net, steps=200, checkpoints=3, rng=0)
    inertia = spectra_along_training(net, steps=200, checkpoints=3, spectra="none", rng=0)
    assert "eigenvalues" not in inertia
    for ds in (with_spectra, inertia):
        assert np.all(np.round(ds.null_fraction.values * net.dim) >= structural)
    np.testing.assert_array_equal(with_spectra.index_fraction, inertia.index_fraction)
    np.testing.assert_array_equal(with_spectra.null_fraction, inertia.null_fraction)
    lam, tau = with_spectra.eigenvalues.values, with_spectra.tolerance.values[:, None]
    np.testing.assert_array_equal(with_spectra.index_fraction, np.mean(lam < -tau, axis=1))
    assert np.all(tau[:, 0] < 1e-9 * np.abs(lam).max(axis=1))
    # The mean and variance come from the trace and the Frobenius norm, exactly.
    np.testing.assert_allclose(inertia["mean"], lam.mean(axis=1), rtol=1e-10)
    np.testing.assert_allclose(inertia["std"], lam.std(axis=1), rtol=1e-10)


def test_spectra_at_the_ends_with_densities_at_every_checkpoint():
    net = _net(5)
    ds = spectra_along_training(net, steps=150, checkpoints=4, spectra="ends", density=True,
                                slq_steps=20, slq_probes=4, rng=1)
    lam = ds.eigenvalues.values
    assert np.all(np.isfinite(lam[[0, -1]])) and np.all(np.isnan(lam[1:-1]))
    assert ds.nodes.shape == (4, 4, 20)
    # SLQ against the exact index: 4 standard errors across probes plus the quadrature's
    # resolution at 0 (the larger weight of the two Ritz nodes around 0, averaged over probes:
    # the Chebyshev-Markov-Stieltjes bound), and the null space, which either side may hold.
    nodes, weights = ds.nodes.values, ds.weights.values
    below = np.where(nodes < 0, nodes, -np.inf).argmax(axis=-1)[..., None]
    above = np.where(nodes >= 0, nodes, np.inf).argmin(axis=-1)[..., None]
    resolution = np.maximum(np.take_along_axis(weights, below, -1),
                            np.take_along_axis(weights, above, -1))[..., 0].mean(axis=1)
    gap = np.abs(ds.slq_index_fraction - ds.index_fraction)
    assert np.all(gap <= 4 * ds.slq_index_stderr + resolution + ds.null_fraction)
    with pytest.raises(ValueError, match="spectra must be one of"):
        spectra_along_training(net, steps=5, spectra="middle")
