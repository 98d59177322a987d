"""Saddle dynamics: gradient descent stalls, Newton is attracted, saddle-free methods escape."""

import math

import numpy as np
import pytest

import optim
from fields.saddles import random_saddle, saddle_2d
from optim.saddles import escape_time, gd_escape_steps
from rmt.random import child_generator, seed_from_provenance

DELTAS = 10.0 ** -np.arange(2, 13, 2)


def test_gradient_descent_escape_time_grows_like_log_inverse_distance():
    # Each factor 100 closer costs log(100) / log(1 + lr |lambda_min|) more steps: exactly,
    # up to the rounding of a step count to an integer (+-1).
    lr = 0.1
    ds = escape_time(saddle_2d(1.0, -1.0), {"gd": optim.chain(optim.scale(-lr))}, DELTAS,
                     rng=0)
    steps = ds.steps.sel(optimizer="gd").values
    assert ds.escaped.all()
    per_decade_pair = math.log(100) / math.log1p(lr)
    np.testing.assert_allclose(np.diff(steps), per_decade_pair, atol=1.0)
    # ... and halving |lambda_min| doubles it (to first order in lr |lambda|).
    slow = escape_time(saddle_2d(1.0, -0.5), {"gd": optim.chain(optim.scale(-lr))}, DELTAS,
                       radius=ds.attrs["radius"], rng=0)
    np.testing.assert_allclose(np.diff(slow.steps.values[0]),
                               math.log(100) / math.log1p(lr * 0.5), atol=1.0)


def test_gradient_descent_on_a_random_high_dimensional_saddle_follows_the_linear_law():
    # N = 100, index 30, Haar eigenvectors. With an escape radius well inside the quartic
    # (|y| <= 0.05 sqrt(|lambda|/kappa): the cubic force is 0.25 % of the linear one) the
    # escape step is that of the linear map y -> (1 - lr lambda) y, computed here exactly.
    s = random_saddle(100, 30, rng=0)
    lr = 0.1
    radius = 0.05 * math.sqrt(-s.eigenvalues.min())
    ds = escape_time(s, {"gd": optim.chain(optim.scale(-lr))}, DELTAS[DELTAS < radius],
                     radius=radius, max_steps=5000, rng=3)
    u = child_generator(3, 0).standard_normal(100)   # escape_time's direction: child 0
    y0 = s.rotation.T @ (u / np.linalg.norm(u))
    t = np.arange(2001)[:, None]
    growth = (1 - lr * s.eigenvalues) ** t * y0          # (steps, N) for delta = 1
    norms = np.linalg.norm(growth, axis=1)
    for delta, steps in zip(ds.distance.values, ds.steps.values[0], strict=True):
        predicted = int(np.argmax(delta * norms >= radius))
        assert abs(steps - predicted) <= 1
    # For small delta the slope in log(1/delta) approaches 1 / log(1 + lr |lambda_min|)
    # from above (the next eigenvalues grow almost as fast): within 10 %.
    slope = np.diff(ds.steps.values[0])[-1] / math.log(100)
    lam = np.sort(s.eigenvalues)
    assert 1 / math.log1p(-lr * lam[0]) <= slope * 1.02
    assert slope < 1.1 / math.log1p(-lr * lam[0])


def test_gd_escape_steps_formula():
    assert gd_escape_steps(0.1, -1.0, 1e-4, 1.0) == pytest.approx(math.log(1e4) / math.log(1.1))
    with pytest.raises(ValueError, match="lam_min"):
        gd_escape_steps(0.1, 1.0, 1e-4, 1.0)


def test_bad_input():
    s = saddle_2d()
    gd = {"gd": optim.chain(optim.scale(-0.1))}
    with pytest.raises(ValueError, match="distances"):
        escape_time(s, gd, [-1e-3])
    with pytest.raises(ValueError, match="escape radius"):
        escape_time(s, gd, [0.9])
    with pytest.raises(TypeError, match="Transform"):
        escape_time(s, {"gd": 0.1}, [1e-3])
    with pytest.raises(TypeError, match="QuarticSaddle"):
        escape_time(optim, gd, [1e-3])


def test_same_seed_same_escape_and_provenance_reproduces_it():
    # Noisy descent (SGLD) makes every run depend on its keyed child of the root.
    s = random_saddle(20, 5, rng=1)
    opts = {"sgld": optim.sgld(0.1, temperature=1e-6), "gd": optim.sgd(0.1)}
    ss = np.random.SeedSequence(11)
    a = escape_time(s, opts, [1e-3, 1e-5], rng=ss)
    b = escape_time(s, opts, [1e-3, 1e-5], rng=ss)
    np.testing.assert_array_equal(a.final_distance, b.final_distance)
    c = escape_time(s, opts, [1e-3, 1e-5], rng=seed_from_provenance(a.attrs))
    np.testing.assert_array_equal(a.final_distance, c.final_distance)


@pytest.mark.parametrize("saddle", [saddle_2d(), random_saddle(100, 30, rng=0)],
                         ids=["2-D", "N=100"])
def test_newton_jumps_onto_the_saddle(saddle):
    ds = escape_time(saddle, {"newton": optim.newton()}, DELTAS, max_steps=20, rng=0)
    assert not ds.escaped.any()
    assert ds.final_distance.max() < 1e-12
    assert np.all(np.abs(ds.final_value) < 1e-20)


def test_damping_hides_negative_curvature():
    # Along lambda = -1 damped Newton multiplies y by alpha / (alpha - 1): escape per factor 100
    # takes log(100) / log(alpha / (alpha - 1)) steps, growing like alpha log(100); below
    # alpha = |lambda| / 2 the factor has modulus < 1 and the saddle attracts.
    s = saddle_2d(1.0, -1.0)
    opts = {f"alpha={a:g}": optim.damped_newton(damping=a) for a in (0.2, 2.0, 10.0)}
    ds = escape_time(s, opts, DELTAS, max_steps=1000, rng=0)
    assert not ds.escaped.sel(optimizer="alpha=0.2").any()
    assert ds.final_distance.sel(optimizer="alpha=0.2").max() < 1e-12
    for a in (2.0, 10.0):
        steps = ds.steps.sel(optimizer=f"alpha={a:g}").values
        np.testing.assert_allclose(np.diff(steps), math.log(100) / math.log(a / (a - 1)),
                                   atol=1.0)


@pytest.mark.parametrize("lam_minus", [-1.0, -0.1])
def test_saddle_free_newton_escapes_in_log2_steps_whatever_the_curvature(lam_minus):
    # |H|^{-1} H = sign(lambda): y doubles along negative curvature each step (damping 1e-4
    # changes the factor by 1e-3), so each factor 100 costs log2(100) = 6.64 steps.
    s = saddle_2d(1.0, lam_minus)
    opts = {"exact": optim.saddle_free_newton(), "lanczos":
            optim.saddle_free_newton(method="lanczos", rank=2)}
    ds = escape_time(s, opts, DELTAS, max_steps=200, rng=0)
    assert ds.escaped.all()
    for name in opts:
        np.testing.assert_allclose(np.diff(ds.steps.sel(optimizer=name).values),
                                   math.log2(100), atol=1.0)


def test_esgd_escapes_an_ill_conditioned_saddle_where_gradient_descent_crawls():
    # lambda = (10, -0.1): gradient descent must keep lr < 2/10 and then escapes at rate
    # 1 + 0.015 per step; ESGD divides by the equilibration diagonal |lambda| (exact here:
    # diagonal Hessian, Rademacher probes) and escapes at rate 1 + lr = 1.5 per step.
    s = saddle_2d(10.0, -0.1)
    opts = {"gd": optim.sgd(0.15), "esgd": optim.esgd(0.5, every=1, probe="rademacher")}
    ds = escape_time(s, opts, DELTAS, max_steps=20000, rng=0)
    assert ds.escaped.all()
    esgd = ds.steps.sel(optimizer="esgd").values
    gd = ds.steps.sel(optimizer="gd").values
    rate = 1 + 0.5 * 0.1 / (0.1 + 1e-4)
    np.testing.assert_allclose(np.diff(esgd), math.log(100) / math.log(rate), atol=1.0)
    np.testing.assert_allclose(np.diff(gd), math.log(100) / math.log1p(0.15 * 0.1), atol=1.0)
    assert np.all(gd > 10 * esgd)
