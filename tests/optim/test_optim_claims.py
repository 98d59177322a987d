"""Every law row of ``optim.figures`` fails on a planted error and passes on the truth.

The error-index rows are checked on a comparison table with planted numbers (the figure's own
takes half a minute; ``rmt reproduce --quick`` in ``tests/rmt/test_cli.py`` runs it); the
escape rows on real runs at the figure's sizes.
"""

import numpy as np
import xarray as xr

import optim.figures as figs
from fields.saddles import saddle_2d
from optim import saddle_free_newton, sgd
from optim.saddles import escape_time


def _comparison(fraction, predicted, *, count=12, size=25, pearson_r=0.99):
    """A table like :func:`optim.compare_with_theory`'s: bins of ``count`` points whose
    index fractions (in an ``size x size`` Hessian) spread like a binomial index."""
    fraction, predicted = np.asarray(fraction, float), np.asarray(predicted, float)
    spread = np.sqrt(predicted * (1 - predicted) / size)
    n_bins = fraction.size
    return xr.Dataset(
        {"energy": ("bin", np.linspace(-1.5, 0.5, n_bins)),
         "count": ("bin", np.full(n_bins, count)),
         "index_fraction": ("bin", fraction),
         "index_fraction_stderr": ("bin", spread / np.sqrt(count)),
         "finite_n": ("bin", predicted),
         "finite_n_stderr": ("bin", np.full(n_bins, 0.002)),
         "difference": ("bin", fraction - predicted)},
        attrs={"hessian_size": size, "pearson_r": pearson_r, "n_points": count * n_bins})


def test_the_binned_row_fails_on_a_bin_off_by_five_standard_errors():
    predicted = np.array([0.07, 0.43, 0.59, 0.72])
    se = np.sqrt(predicted * (1 - predicted) / 25 / 12 + 0.002**2)
    bins, _ = figs._error_index_claims("field", _comparison(predicted + se * [1, -2, 0.5, 3],
                                                            predicted))
    assert bins.agrees and bins.measured == predicted[3] + 3 * se[3]  # the furthest bin
    off = predicted + se * [0, 0, 5, 0]
    bins, _ = figs._error_index_claims("field", _comparison(off, predicted))
    assert not bins.agrees and bins.theory == predicted[2]
    # A whole curve shifted by 0.1 (a wrong tilt) fails as well.
    assert not figs._error_index_claims("field", _comparison(predicted + 0.1, predicted))[0].agrees


def test_a_bin_of_minima_only_is_not_certain():
    # Twelve minima (index 0, no spread) where about one point in three should have index 1
    # agree; where the law predicts an index fraction of 0.3 they do not.
    assert figs._error_index_claims("f", _comparison([0.0, 0.5], [0.012, 0.5]))[0].agrees
    assert not figs._error_index_claims("f", _comparison([0.0, 0.5], [0.3, 0.5]))[0].agrees


def test_the_correlation_row_fails_without_a_trend():
    predicted = np.array([0.07, 0.43, 0.59, 0.72])
    assert figs._error_index_claims("f", _comparison(predicted, predicted))[1].agrees
    for r in (0.05, -0.9, float("nan")):
        claim = figs._error_index_claims("f", _comparison(predicted, predicted, pearson_r=r))[1]
        assert not claim.agrees


def test_the_escape_rows_fail_on_a_wrong_learning_rate_and_a_wrong_method():
    lr = 0.1
    runs = escape_time(saddle_2d(), {"gd": sgd(lr), "fast gd": sgd(1.2 * lr),
                                     "sfn": saddle_free_newton()}, figs._DELTAS, rng=0)
    steps = {name: runs.steps.sel(optimizer=name).values for name in ("gd", "fast gd", "sfn")}
    gd, sfn = figs._escape_claims(steps["gd"], steps["sfn"], lr, figs._DELTAS)
    assert gd.agrees and sfn.agrees
    fast, _ = figs._escape_claims(steps["fast gd"], steps["sfn"], lr, figs._DELTAS)
    assert not fast.agrees
    _, swapped = figs._escape_claims(steps["gd"], steps["gd"], lr, figs._DELTAS)
    assert not swapped.agrees


def test_the_attraction_row_fails_when_a_run_escapes():
    assert figs._attraction_claim(np.array([0.0, 3e-16])).agrees
    assert not figs._attraction_claim(np.array([0.0, 1e-6])).agrees
