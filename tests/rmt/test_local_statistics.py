"""Spacing ratios against their laws: the surmise (exact for 3 x 3 matrices), the large-N
means of Atas et al. (2013) and Poisson levels (exact at every n)."""

import math

import numpy as np
import pytest
import scipy.integrate
import scipy.stats

import rmt

SAMPLERS = {1: rmt.goe, 2: rmt.gue, 4: rmt.gse}


def _ratios_3x3(beta: int, count: int, seed: int) -> np.ndarray:
    ev = np.linalg.eigvalsh(SAMPLERS[beta](3, size=count, rng=seed))
    if beta == 4:
        ev = ev[..., ::2]  # Kramers pairs: each eigenvalue of the quaternion matrix twice
    return rmt.spacing_ratios(ev)[..., 0]


@pytest.mark.parametrize("beta", [1, 2, 4])
def test_the_surmise_is_a_density_with_the_stated_mean(beta):
    total = scipy.integrate.quad(lambda r: rmt.spacing_ratio_density(r, beta), 0, 1)[0]
    mean = scipy.integrate.quad(lambda r: r * rmt.spacing_ratio_density(r, beta), 0, 1)[0]
    assert total == pytest.approx(1.0, abs=1e-10)
    assert mean == pytest.approx(rmt.surmise_mean(beta), abs=1e-10)


@pytest.mark.parametrize("beta", [1, 2, 4])
def test_3x3_gaussian_matrices_follow_the_surmise_exactly(beta):
    # The surmise is the exact law for 3 x 3 matrices: no finite-N allowance. With 20000
    # samples the standard error is about 0.0013; the neighbouring beta's mean is 0.07 away,
    # 50 standard errors, so a sampler of the wrong ensemble fails.
    r = _ratios_3x3(beta, 20000, seed=beta)
    se = r.std(ddof=1) / math.sqrt(r.size)
    assert abs(r.mean() - rmt.surmise_mean(beta)) < 4 * se
    others = [b for b in (1, 2, 4) if b != beta]
    assert all(abs(r.mean() - rmt.surmise_mean(b)) > 20 * se for b in others)


def test_the_ratio_histogram_of_the_3x3_goe_is_the_surmise_density():
    r = _ratios_3x3(1, 20000, seed=7)
    grid = np.linspace(0, 1, 201)
    cdf_grid = np.concatenate([[0.0], np.cumsum([
        scipy.integrate.quad(lambda t: rmt.spacing_ratio_density(t, 1), a, b)[0]
        for a, b in zip(grid[:-1], grid[1:], strict=True)])])
    result = scipy.stats.kstest(r, lambda x: np.interp(x, grid, cdf_grid))
    assert result.pvalue > 1e-3
    wrong = scipy.stats.kstest(r, lambda x: np.interp(x, grid, np.minimum(cdf_grid * 1.02, 1)))
    assert wrong.pvalue < 1e-3


def test_the_bulk_of_a_large_goe_has_the_large_n_mean():
    # 100 matrices of N = 200, the middle half of each spectrum: the mean over matrices has a
    # standard error of about 0.002; at N = 400 the measured mean was 0.5312 +- 0.0014, so
    # the finite-N difference from 0.5307 is below this resolution (no allowance).
    ev = np.linalg.eigvalsh(rmt.goe(200, size=100, rng=3))[:, 50:150]
    per_matrix = rmt.spacing_ratios(ev).mean(axis=1)
    se = per_matrix.std(ddof=1) / math.sqrt(per_matrix.size)
    assert abs(per_matrix.mean() - rmt.SPACING_RATIO_MEANS["goe"]) < 4 * se
    assert abs(per_matrix.mean() - rmt.SPACING_RATIO_MEANS["poisson"]) > 20 * se


def test_the_batch_means_error_of_one_spectrum_is_the_spread_across_spectra():
    # One spectrum's mean ratio and its batch-means standard error: over 200 GOE matrices
    # (N = 300, the middle 200 levels), the errors match the spread of the means across
    # matrices (the standard deviation of a standard deviation from 200 draws is 5 %; the
    # batch estimate of 20 batches scatters by 16 % per matrix, 1.1 % on the average of 200),
    # and the means cover 0.5307 as 4-se intervals do.
    ev = np.linalg.eigvalsh(rmt.goe(300, size=200, rng=11))[:, 50:250]
    results = np.array([rmt.spacing_ratio_mean(e) for e in ev])
    spread = results[:, 0].std(ddof=1)
    assert abs(results[:, 1].mean() / spread - 1) < 4 * 0.05
    inside = np.abs(results[:, 0] - rmt.SPACING_RATIO_MEANS["goe"]) < 4 * results[:, 1]
    assert inside.mean() > 0.97
    with pytest.raises(ValueError, match="blocks"):
        rmt.spacing_ratio_mean(ev[0], blocks=1)
    with pytest.raises(ValueError, match="one spectrum"):
        rmt.spacing_ratio_mean(ev[:2])


def test_independent_levels_have_the_poisson_mean_exactly():
    levels = np.random.default_rng(4).random((100, 200))
    per_sample = rmt.spacing_ratios(levels).mean(axis=1)
    se = per_sample.std(ddof=1) / math.sqrt(per_sample.size)
    assert abs(per_sample.mean() - (2 * math.log(2) - 1)) < 4 * se
    assert abs(per_sample.mean() - rmt.SPACING_RATIO_MEANS["goe"]) > 20 * se


def test_ratios_by_hand_and_bad_input():
    np.testing.assert_allclose(rmt.spacing_ratios([5.5, 0.0, 1.0, 4.0]), [1 / 3, 0.5], rtol=1e-15)
    assert rmt.spacing_ratios([0.0, 0.0, 1.0]).tolist() == [0.0]
    with pytest.raises(ValueError, match="eigenvalues"):
        rmt.spacing_ratios([0.0, 1.0])
    with pytest.raises(ValueError, match="eigenvalues"):
        rmt.spacing_ratios([0.0, 1.0, np.nan])
    with pytest.raises(ValueError, match="eigenvalues repeat"):
        rmt.spacing_ratios([1.0, 1.0, 1.0, 2.0])
    with pytest.raises(ValueError, match="beta"):
        rmt.spacing_ratio_density(0.5, beta=3)
