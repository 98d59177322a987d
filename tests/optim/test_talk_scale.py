"""The talk-scale experiments: the bulk's spacing ratio, and the reduced runs end to end."""

import numpy as np
import pytest

import rmt
from optim import talk_scale


def test_the_bulk_leaves_out_the_null_space_and_the_outliers():
    # A GOE spectrum with a null space (exact zeros and rounding-sized values) and ten large
    # outliers: the bulk's mean ratio is the GOE's, within 4 batch-means standard errors (the
    # finite-N difference at N = 1500 is below that resolution: rmt's own GOE test).
    rng = np.random.default_rng(0)
    goe = np.linalg.eigvalsh(rmt.goe(1500, rng=1))
    tau = 1e-12
    lam = np.concatenate([goe, np.zeros(40), rng.uniform(-tau, tau, 40),
                          50 + rng.uniform(0, 10, 10)])
    mean, se, count = talk_scale.bulk_spacing_ratio(lam, tau)
    assert count == 1500 - 4  # two ratios fewer per sign, and no ratio across 0
    assert abs(mean - rmt.SPACING_RATIO_MEANS["goe"]) < 4 * se
    # Independent levels: Poisson's mean.
    poisson = np.concatenate([-rng.uniform(0, 1, 800), rng.uniform(0, 1, 800)])
    mean, se, _ = talk_scale.bulk_spacing_ratio(poisson, tau, outliers=0)
    assert abs(mean - rmt.SPACING_RATIO_MEANS["poisson"]) < 4 * se
    # Nothing left: NaN, never a number.
    assert np.isnan(talk_scale.bulk_spacing_ratio(np.zeros(30), tau)[0])


@pytest.mark.parametrize("name", ["talk_spectra_mnist", "talk_spectra_fashion"])
def test_reduced_spectra_runs_give_their_claims(name):
    fig, claims = getattr(talk_scale, name)(quick=True, rng=0)
    assert len(fig.axes) == 4
    laws = [c for c in claims if c.kind == "law"]
    assert len(laws) == 1 and laws[0].agrees, laws
    ratio = next(c for c in claims if "GOE" in c.claim)
    assert 0.3 < ratio.measured < 0.7 and ratio.stderr > 0


def test_slq_fractions_below_mean_and_std_agree_within_the_quadratures_resolution():
    # GOE, N = 1500: the SLQ distribution function one standard deviation either side of the
    # mean is the exact one within 4 standard errors plus the Chebyshev-Markov-Stieltjes
    # resolution; against the spectrum of a different matrix (scaled by 1.5) it is not.
    a = rmt.goe(1500, rng=3)
    lam = np.linalg.eigvalsh(a)
    sd = rmt.spectral_density(lambda v: a @ v, 1500, steps=60, probes=10, rng=4)
    for k in talk_scale._SLQ_CHECK_POINTS:
        x = lam.mean() + k * lam.std()
        frac, se, resolution = talk_scale._slq_fraction_below(sd.nodes, sd.weights, x)
        assert 0 < se and 0 < resolution < 0.05
        assert abs(frac - np.mean(lam < x)) <= 4 * se + resolution
        assert abs(frac - np.mean(1.5 * lam < x)) > 4 * se + resolution


def test_reduced_error_index_run_gives_its_observations_and_the_dead_unit_law():
    fig, claims = talk_scale.talk_error_index(quick=True, rng=0)
    assert len(fig.axes) == 2
    assert [c.kind for c in claims] == ["observation"] * 2 + ["law"] + ["observation"] * 3
    total, generic, law = claims[:3]
    assert generic.measured >= 1  # the saddle near w = 0 at least (every hidden unit off)
    # The dead-unit search adds distinct points (d = 0..4 of 4 units, the all-dead one the
    # search's saddle near w = 0), each with the index the block structure predicts.
    assert total.measured >= generic.measured + 3
    assert law.measured == 0 and law.agrees
    # The run at the talk's size is drawn only when named (it takes hours).
    assert talk_scale.talk_error_index_22210.figure_on_request
    assert not getattr(talk_scale.talk_error_index, "figure_on_request", False)


def test_the_union_keeps_a_point_both_searches_certified_once():
    x, y = np.random.default_rng(0).standard_normal((30, 6)), np.arange(30) % 3
    net = talk_scale.fields.nn.MLP([6, 3, 3], data=(x, y), weight_decay=0.01, rng=0)
    search = talk_scale.network_error_index(net, n_starts=4, rng=0)
    certified = search.kind.values != "not-critical"
    assert certified.any()
    # The same rows again as if from the dead-unit search: only the uncertified come twice.
    twice = talk_scale._union(search, search.assign(known_index=search["index"]))
    assert twice.sizes["point"] == search.sizes["point"] + np.sum(~certified)
    np.testing.assert_array_equal(twice.origin.values[:search.sizes["point"]], "search")
    assert np.isfinite(twice.trend_index_fraction).any() == np.isfinite(
        search.trend_index_fraction).any()
