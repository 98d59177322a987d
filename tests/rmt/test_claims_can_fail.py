"""Every law row of ``rmt.figures`` fails on a planted error and passes on the truth.

The claims table is the library's public promise: a row that cannot fail is a defect. Each
test builds the row from the figure's own claim function on data sized like the figure's (the
spectra from the tridiagonal models, which have the dense ensembles' laws and cost O(N)),
then plants the error the row exists to catch: a 1 % wrong radius, a shifted mean, a wrong
law.
"""

import math

import numpy as np
import pytest
import scipy.linalg

import rmt
import rmt.figures as figs
from rmt.laws import marchenko_pastur, semicircle
from rmt.workflow import Claim, claims_table


def _spectrum(n, beta, seed):
    d, e = rmt.hermite_tridiagonal(n, beta=beta, rng=seed)
    return scipy.linalg.eigvalsh_tridiagonal(d, e)


# ----------------------------------------------------------------------- the verdict -----
def test_a_claim_agrees_within_four_standard_errors_plus_its_allowance():
    assert Claim("c", 1.0, 1.4, 0.1).agrees
    assert not Claim("c", 1.0, 1.41, 0.1).agrees
    assert Claim("c", 1.0, 1.5, 0.1, 0.1, basis="b").agrees
    assert Claim("c", 1.0, 1.5, 0.1, relation="greater").agrees
    assert not Claim("c", 1.0, 1.4, 0.1, relation="greater").agrees
    assert Claim("c", 1.0, 1.4, 0.1).tolerance == pytest.approx(0.4)
    # Nothing measured: never agrees, whatever the relation.
    assert not Claim("c", 0.0, float("nan"), 0.1).agrees
    assert not Claim("c", 0.0, float("nan"), 0.1, relation="greater").agrees


@pytest.mark.parametrize(("kwargs", "error", "name"), [
    (dict(allowance=0.1), ValueError, "basis"),
    (dict(allowance=0.1, basis="  "), ValueError, "basis"),
    (dict(stderr=-0.1), ValueError, "stderr"),
    (dict(stderr=float("nan")), ValueError, "stderr"),
    (dict(allowance=float("inf"), basis="b"), ValueError, "allowance"),
    (dict(theory=float("nan")), ValueError, "theory"),
    (dict(theory=True), TypeError, "theory"),
    (dict(measured="1"), TypeError, "measured"),
    (dict(relation="less"), ValueError, "relation"),
    (dict(kind="fact"), ValueError, "kind"),
    (dict(claim=5), TypeError, "claim"),
    (dict(basis=5), TypeError, "basis"),
])
def test_a_claim_refuses_bad_fields_naming_them(kwargs, error, name):
    with pytest.raises(error, match=f"^{name}"):
        Claim(**(dict(claim="c", theory=0.0, measured=0.0, stderr=0.0) | kwargs))


@pytest.mark.parametrize("claims", [5, None, "c", [Claim("c", 0.0, 0.0, 0.0), 5]])
def test_the_table_refuses_anything_but_claims_naming_them(claims):
    with pytest.raises(TypeError, match="^claims"):
        claims_table(claims)


# ---------------------------------------------------------------- semicircle figure -----
@pytest.mark.parametrize("beta", [1, 2])
def test_the_spectrum_row_fails_on_a_radius_one_percent_wrong(beta):
    n = 2000  # the full figure's size
    for seed in range(3):
        ev = _spectrum(n, beta, seed)
        assert figs._spectrum_claim("GOE", ev, semicircle, beta).agrees
        for wrong in (1.01, 0.99):  # the spectrum of radius 2 against a law of radius 2/1.01
            assert not figs._spectrum_claim("GOE", ev / wrong, semicircle, beta).agrees


def test_the_spectrum_row_of_the_wishart_panel_fails_on_a_one_percent_wrong_scale():
    n = 2000
    d, e = rmt.laguerre_tridiagonal(n, 2 * n, beta=1, rng=4)
    ev = scipy.linalg.eigvalsh_tridiagonal(d, e)
    law = marchenko_pastur(q=0.5)
    assert figs._spectrum_claim("Wishart", ev, law, 1).agrees
    assert not figs._spectrum_claim("Wishart", ev / 1.01, law, 1).agrees
    # ... and on the wrong aspect ratio.
    assert not figs._spectrum_claim("Wishart", ev, marchenko_pastur(q=0.55), 1).agrees


def test_the_sturm_count_row_fails_on_a_radius_a_tenth_of_a_percent_wrong():
    n = 10**5
    d, e = rmt.hermite_tridiagonal(n, beta=1, rng=5)
    edges = np.linspace(-2.2, 2.2, 45)
    assert figs._counted_cdf_claim(n, edges, rmt.count_below(d, e, edges)).agrees
    for wrong in (1.001, 0.999):
        assert not figs._counted_cdf_claim(n, edges, rmt.count_below(d / wrong, e / wrong,
                                                                     edges)).agrees


# ------------------------------------------------------------- index figures -----
def test_the_positive_definite_row_fails_on_a_shifted_ensemble():
    H = rmt.goe(2, rng=6, size=100_000)  # the quick figure's size
    assert figs._positive_definite_claim(H).agrees
    assert not figs._positive_definite_claim(H + 0.05 * np.eye(2)).agrees


def test_the_index_variance_row_fails_on_the_wrong_law():
    samples = rmt.sample_index(100, size=10_000, beta=1, rng=7)
    assert figs._index_variance_claim(samples, 100, 1).agrees
    assert not figs._index_variance_claim(samples, 100, 2).agrees  # the GUE variance
    # A variance 10 % too large (the index of N = 100 spread out by sqrt(1.1)).
    spread = samples.mean() + math.sqrt(1.1) * (samples - samples.mean())
    assert not figs._index_variance_claim(spread, 100, 1).agrees


# ------------------------------------------------------------- Tracy–Widom figure -----
def test_the_edge_rows_fail_on_a_shifted_mean_and_a_wrong_spread():
    n, m = 10**4, 2000
    lm = rmt.sample_largest(n, size=m, beta=2, rng=8)
    mean, var = figs._edge_claims(lm, n, 2)
    assert mean.agrees and var.agrees
    assert not any(c.agrees for c in figs._edge_claims(lm, n, 1))  # the GOE law
    shifted, _ = figs._edge_claims(lm + 0.3 * n ** (-2 / 3), n, 2)
    assert not shifted.agrees
    centre = lm.mean()
    _, spread = figs._edge_claims(centre + 1.1 * (lm - centre), n, 2)
    assert not spread.agrees


# ------------------------------------------------------------- Gaussian shell -----
def test_the_shell_row_fails_on_a_spread_five_percent_wrong():
    d, m = 1000, 20000
    norms = np.linalg.norm(np.random.default_rng(9).standard_normal((m, d)), axis=1)
    assert figs._shell_claim(norms, d).agrees
    centre = norms.mean()
    assert not figs._shell_claim(centre + 1.05 * (norms - centre), d).agrees


# ------------------------------------------------------------- preconditioning -----
def test_the_preconditioning_law_fails_when_equilibration_does_not_beat_jacobi():
    red = rmt.preconditioning_experiment(n=30, n_matrices=40, rng=10)["log10_reduction"]
    law, observation = figs._preconditioning_claims(red)
    assert law.kind == "law" and law.agrees
    assert observation.kind == "observation" and observation.relation == "equal"
    # Planted: the non-convex equilibration column replaced by Jacobi's plus noise of mean 0.
    noise = np.random.default_rng(11).normal(0, 0.1, red.sizes["matrix"])
    planted = red.copy()
    planted.loc[dict(kind="non-convex", preconditioner="equilibration")] = (
        red.sel(kind="non-convex", preconditioner="jacobi").values + noise)
    assert not figs._preconditioning_claims(planted)[0].agrees


def test_the_convex_comparison_is_an_observation_measured_as_it_is():
    # Jacobi is ahead of equilibration on convex matrices by about 0.06 decades, many standard
    # errors: with its honest tolerance (no allowance) the talk's "alike" is observed
    # otherwise, and it is not a law whose allowance could hide that.
    red = rmt.preconditioning_experiment(n=40, n_matrices=60, rng=12)["log10_reduction"]
    convex = figs._preconditioning_claims(red)[1]
    diff = (red.sel(kind="convex", preconditioner="equilibration")
            - red.sel(kind="convex", preconditioner="jacobi")).values
    assert convex.kind == "observation" and convex.allowance == 0
    assert convex.measured == pytest.approx(np.median(diff))
    assert convex.measured < -convex.tolerance and not convex.agrees
