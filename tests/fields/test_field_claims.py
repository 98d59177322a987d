"""Every law row of ``fields.figures`` fails on a planted error and passes on the truth.

Each test builds the row from the figure's own claim function on data like the figure's quick
mode, then plants the error the row exists to catch (a wrong lengthscale, a wrong tilt, a
wrong threshold formula).
"""

import numpy as np

import fields.figures as figs
from fields import Matern, SphericalSpinGlass, SquaredExponential
from fields import bray_dean as bd
from fields import spin_glass as sg
from fields.grid import critical_points, grid_field
from fields.local_law import sample_hessian_given_value


def test_the_minima_density_row_fails_on_a_lengthscale_ten_percent_wrong():
    n, ell = 256, 8.0  # the quick figure's grid
    gen = np.random.default_rng(0)
    counts = [critical_points(grid_field((n, n), SquaredExponential(lengthscale=ell),
                                         rng=gen)).n_minima for _ in range(16)]
    area = (n - 2) ** 2
    assert figs._minima_density_claim(counts, area, ell).agrees
    for wrong in (0.9 * ell, 1.1 * ell):
        assert not figs._minima_density_claim(counts, area, wrong).agrees


def test_the_hessian_mean_row_fails_on_the_tilted_shift():
    # A typical point of level e has the local law's centre mu(e); the tilt T(e) belongs to
    # critical points only (docs/theory.md, section 7.4): comparing with it must fail.
    kernel, dim, e = Matern(nu=2.5), 100, -1.8
    lam = np.linalg.eigvalsh(sample_hessian_given_value(kernel, dim, value=e * dim, size=100,
                                                        rng=1))
    mu = 2 * kernel.c1 * e / kernel.c0
    assert figs._hessian_mean_claim(lam, e, mu).agrees
    assert not figs._hessian_mean_claim(lam, e, float(bd.tilted_shift(kernel, e))).agrees
    assert not figs._hessian_mean_claim(lam + 0.2, e, mu).agrees  # a shifted mean


def test_the_bray_dean_rows_fail_without_the_tilt():
    kernel, dim = Matern(nu=3.5), 60
    kr = bd.kac_rice_index(kernel, dim, np.array([-1.5]), n_samples=500, rng=2)
    value, stderr = float(kr.value[0]), float(kr.stderr[0])
    tilted = float(bd.asymptotic_index_fraction(kernel, -1.5))
    naive = float(bd.naive_index_fraction(kernel, -1.5))
    assert all(c.agrees for c in figs._bray_dean_claims(value, stderr, dim, tilted, naive))
    # The untilted law in place of the tilted one, or a finite-N value that lost its tilt.
    assert not figs._bray_dean_claims(value, stderr, dim, naive, naive)[0].agrees
    assert not any(c.agrees for c in figs._bray_dean_claims(naive, stderr, dim, tilted, naive))


def test_the_ground_state_row_fails_on_the_next_layer_and_on_a_shift():
    e_0, e_1 = sg.layer_energies(3, 1)
    assert figs._ground_state_claim(float(e_0)).agrees
    assert not figs._ground_state_claim(float(e_1)).agrees  # 1.65287: the index-1 layer
    assert not figs._ground_state_claim(float(e_0) + 1e-3).agrees


def test_the_threshold_row_measures_the_glass_and_fails_on_a_wrong_formula():
    gen = np.random.default_rng(3)
    blocks = [figs._tangent_block(SphericalSpinGlass(60, p=3, rng=gen), gen)
              for _ in range(20)]
    e_inf = sg.thresholds(3).e_inf
    claim = figs._threshold_claim(3, e_inf, blocks)
    assert claim.agrees and claim.stderr > 0
    # ABC's normalisation of the GOE (entry variance (1 + delta_ij) / (2N)) taken for the
    # library's: E_inf wrong by sqrt 2; the p = 4 threshold; a 3 % wrong formula.
    for wrong in (e_inf / np.sqrt(2), sg.thresholds(4).e_inf, 1.03 * e_inf):
        assert not figs._threshold_claim(3, wrong, blocks).agrees
    # ... and on a surface whose Hessian is 3 % too large.
    assert not figs._threshold_claim(3, e_inf, [1.03 * b for b in blocks]).agrees
