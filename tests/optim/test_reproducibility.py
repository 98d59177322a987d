"""One randomness: every stochastic public function of optim, called twice with the same int,
the same SeedSequence or a Generator in the same state, gives bitwise the same result, and the
root recorded in a result's attrs (rmt.random.provenance) recomputes it."""

import numpy as np
import pytest
import xarray as xr

import fields
import optim
from fields.saddles import saddle_2d
from optim.critical import Solver, Starts
from rmt.random import seed_from_provenance


def _net():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((40, 3)), rng.integers(0, 2, 40)
    return fields.nn.MLP([3, 3, 2], data=(x, y), rng=0)


def _quadratic():
    return fields.RandomQuadratic(6, shift=2.0, rng=0)


def _synthetic_cps():
    energy = np.linspace(-2.0, 0.5, 20)
    frac = fields.bray_dean.asymptotic_index_fraction(fields.SquaredExponential(), energy)
    return xr.Dataset({"value": ("point", 10 * energy), "index_fraction": ("point", frac),
                       "kind": ("point", np.array(["saddle"] * 20))})


CALLS = {
    "run": lambda rng: optim.run(_quadratic(), optim.sgld(0.05, temperature=0.1), np.ones(6),
                                 15, grad_noise=0.1, record=("value", "x"),
                                 rng=rng),
    "curvature": lambda rng: optim.curvature(_quadratic(), np.ones(6), method="lanczos",
                                             rng=rng),
    "train": lambda rng: optim.train(_net(), optim.esgd(0.1, every=2), epochs=2, batch_size=10,
                                     diagonals=True, diagonal_probes=2, rng=rng),
    "compare": lambda rng: optim.compare(_net(), {"sgd": optim.sgd, "adam": optim.adam},
                                         epochs=1, batch_size=10, lr_search=2, rng=rng),
    "diagonal_similarity": lambda rng: optim.diagonal_similarity(_net(), _net().w0,
                                                                 batch_size=10, probes=3,
                                                                 rng=rng),
    "escape_time": lambda rng: optim.saddles.escape_time(
        saddle_2d(), {"sgld": optim.sgld(0.1, temperature=1e-6)}, [1e-2, 1e-3], rng=rng),
    "error_index": lambda rng: optim.error_index(
        _quadratic(), n_starts=3, optimizers={"SGLD": optim.sgld(0.05, temperature=0.01)},
        n_trajectories=2, steps=10, points_per_trajectory=2, rng=rng),
    "error_index_by_dimension": lambda rng: optim.error_index_by_dimension(
        ("spin-glass",), dims=(5,), n_starts=3, optimizers={"SGD": optim.sgd(0.05)},
        n_trajectories=1, steps=10, points_per_trajectory=2, rng=rng),
    "spectra_along_training": lambda rng: optim.spectra_along_training(
        _net(), optimizer=optim.sgld(0.01, temperature=1e-4), steps=20, checkpoints=2,
        method="slq", slq_steps=5, slq_probes=2, rng=rng),
    "network_error_index": lambda rng: optim.network_error_index(
        _net(), n_starts=3, starts=Starts("trajectory", trajectory_points=2),
        solver=Solver(max_iter=20), rng=rng),
    "compare_with_theory": lambda rng: optim.compare_with_theory(
        _synthetic_cps(), fields.GaussianField(10, fields.SquaredExponential(), n_features=50,
                                               rng=0), min_per_bin=5, n_samples=50, n_grid=4,
        rng=rng),
}


def _assert_same(a, b):
    if isinstance(a, xr.Dataset):
        xr.testing.assert_identical(a, b)
    else:
        assert a == b


def _differ(a, b) -> bool:
    if isinstance(a, xr.Dataset):
        return not a.drop_attrs().identical(b.drop_attrs())
    return a != b


@pytest.mark.parametrize("name", sorted(CALLS))
def test_the_same_seed_gives_bitwise_the_same_result(name):
    call = CALLS[name]
    three = call(3)
    _assert_same(three, call(3))
    assert _differ(three, call(4))   # the seed reaches the result
    ss = np.random.SeedSequence(12, spawn_key=(2,))
    first = call(ss)
    _assert_same(first, call(ss))
    gen = np.random.default_rng(5)
    state = gen.bit_generator.state
    from_gen = call(gen)
    gen.bit_generator.state = state
    _assert_same(from_gen, call(gen))
    if isinstance(first, xr.Dataset):
        assert first.attrs["seed_spawn_key"] == "[2]"
        _assert_same(first, call(seed_from_provenance(first.attrs)))
        _assert_same(from_gen, call(seed_from_provenance(from_gen.attrs)))
