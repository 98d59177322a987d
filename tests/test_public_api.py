"""Randomness over the whole public API: one rule, checked for every stochastic callable.

The public API is every name in the ``__all__`` of the modules below (classes with their public
methods). A callable is *stochastic* when it takes ``rng``. For each of them:

* ``rng`` is keyword-only and the last parameter (``**kwargs`` may follow);
* it has a case in ``CASES`` below, so a new stochastic function fails
  :func:`test_every_stochastic_callable_has_a_same_seed_case` until it is added here;
* the same argument passed twice gives bitwise the same result: one ``SeedSequence`` object
  (passed twice: it must not be changed by the call), one ``int``, and two Generators in the
  same state; and a different seed gives a different result (so the case does reach the
  randomness: a case that ignored ``rng`` would pass the first check vacuously).
"""

from __future__ import annotations

import dataclasses
import inspect
import math

import matplotlib
import matplotlib.axes
import matplotlib.pyplot
import numpy as np
import pytest
import xarray as xr

matplotlib.use("Agg")

from public_api import public_callables  # noqa: E402

import fields  # noqa: E402
import optim  # noqa: E402
import rmt  # noqa: E402

#: Stochastic callables without a same-seed case here, each with the reason.
EXEMPT = {
    # The normalisers themselves: rng is their only argument and what they return is rng's
    # own generator or seed (their tests are in tests/rmt/test_random.py).
    "rmt.random.as_generator": "normaliser",
    "rmt.random.as_seed_sequence": "normaliser",
    "rmt.random.check_rng": "normaliser",
    "rmt.random.child": "normaliser",
    "rmt.random.child_generator": "normaliser",
    # Protocol members document the contract; the implementations are tested below.
    "fields.DataSurface.minibatch": "protocol",
    "fields.DataSurface.batches": "protocol",
    "fields.surface.DataSurface.minibatch": "protocol",
    "fields.surface.DataSurface.batches": "protocol",
}


def _takes_rng(obj) -> bool:
    try:
        return "rng" in inspect.signature(obj).parameters
    except (TypeError, ValueError):
        return False


STOCHASTIC = {k: v for k, v in public_callables().items() if _takes_rng(v)}


# ---------------------------------------------------------------- small shared inputs ------

A = rmt.goe(30, rng=123)


def matvec(v):
    return A @ v


def _field(rng, dim=4):
    return fields.GaussianField(dim=dim, kernel=fields.SquaredExponential(), n_features=64,
                                rng=rng)


DIGITS = fields.data.load_digits()


def _net(rng=0):
    x, y = DIGITS
    return fields.nn.MLP((64, 4, 10), data=(x[:60], y[:60]), rng=rng)


def _autoencoder(rng=0):
    images = fields.data.make_curves(40, size=8, rng=0).reshape(40, -1)
    return fields.nn.Autoencoder(images, layers=(64, 6), rng=rng)


CPS = None


def _reproduce(rng):
    import tempfile

    with tempfile.TemporaryDirectory() as out:
        return rmt.workflow.reproduce(out, quick=True, only=["gaussian_shell"], rng=rng)


def _critical_points():
    global CPS
    if CPS is None:
        CPS = (optim.find_critical_points(_field(0, dim=3), n_starts=6, rng=0), _field(0, dim=3))
    return CPS


# name -> function of rng giving the result to compare
CASES = {
    "rmt.wigner": lambda r: rmt.wigner(6, beta=1, entries="rademacher", rng=r),
    "rmt.goe": lambda r: rmt.goe(5, rng=r),
    "rmt.gue": lambda r: rmt.gue(5, rng=r),
    "rmt.gse": lambda r: rmt.gse(3, rng=r),
    "rmt.wishart": lambda r: rmt.wishart(4, 6, rng=r),
    "rmt.hermite_tridiagonal": lambda r: rmt.hermite_tridiagonal(50, beta=1.5, rng=r),
    "rmt.laguerre_tridiagonal": lambda r: rmt.laguerre_tridiagonal(20, 30, rng=r),
    "rmt.sample_index": lambda r: rmt.sample_index(100, size=5, rng=r),
    "rmt.sample_largest": lambda r: rmt.sample_largest(1000, size=3, rng=r),
    "rmt.lanczos": lambda r: rmt.lanczos(matvec, 30, 5, rng=r),
    "rmt.estimate_jacobi": lambda r: rmt.estimate_jacobi(matvec, 30, 5, rng=r),
    "rmt.estimate_equilibration": lambda r: rmt.estimate_equilibration(matvec, 30, 5, rng=r),
    "rmt.preconditioning_experiment":
        lambda r: rmt.preconditioning_experiment(10, 3, rng=r),
    "rmt.spectral_density": lambda r: rmt.spectral_density(matvec, 30, steps=5, probes=3, rng=r),
    "rmt.extreme_eigenvalues": lambda r: rmt.extreme_eigenvalues(matvec, 30, k=2, rng=r),
    "rmt.sweep": lambda r: rmt.sweep("index", {"N": [10, 20]}, replicates=3, rng=r),
    "rmt.workflow.figure_rng": lambda r: rmt.workflow.figure_rng("semicircle", rng=r),
    "rmt.workflow.reproduce": lambda r: _reproduce(r),
    "rmt.plot.gaussian_shell": lambda r: rmt.plot.gaussian_shell(dims=(1, 2), samples=200,
                                                                 rng=r),
    "fields.GaussianField": lambda r: _field(r),
    "fields.Kernel.sample_frequencies":
        lambda r: [k.sample_frequencies(3, 5, rng=r)
                   for k in (fields.SquaredExponential(), fields.Matern(2.5))],
    "fields.RandomQuadratic": lambda r: fields.RandomQuadratic(5, rng=r),
    "fields.SphericalSpinGlass": lambda r: fields.SphericalSpinGlass(5, p=3, rng=r),
    "fields.check_derivatives": lambda r: fields.check_derivatives(_field(0), rng=r),
    "fields.grid_field": lambda r: fields.grid_field((16, 16), fields.Matern(2.5, 3.0), rng=r),
    "fields.sample_local": lambda r: fields.sample_local(fields.SquaredExponential(), 4, size=2,
                                                         rng=r),
    "fields.sample_hessian_given_value":
        lambda r: fields.sample_hessian_given_value(fields.SquaredExponential(), 4, 0.5,
                                                    size=2, rng=r),
    "fields.bray_dean.kac_rice_index":
        lambda r: fields.bray_dean.kac_rice_index(fields.Matern(4.0), 5, [-1.0, 0.0],
                                                  n_samples=20, rng=r),
    "fields.spin_glass.kac_rice_index":
        lambda r: fields.spin_glass.kac_rice_index(3, 6, [-1.0, 0.0], n_samples=20, rng=r),
    "fields.IndexLaw.finite_n":
        lambda r: fields.index_law(_field(0, 5)).finite_n([-1.0, 0.0], n_samples=20, rng=r),
    "fields.random_saddle": lambda r: fields.random_saddle(4, 2, rng=r),
    "fields.nn.MLP": lambda r: _net(r),
    "fields.nn.MLP.minibatch": lambda r: _net().minibatch(10, rng=r),
    "fields.nn.MLP.batches": lambda r: list(_net().batches(25, rng=r)),
    "fields.nn.Autoencoder": lambda r: _autoencoder(r),
    "fields.data.make_curves": lambda r: fields.data.make_curves(4, size=8, rng=r),
    "optim.run": lambda r: optim.run(fields.RandomQuadratic(5, shift=1.0, rng=0), optim.sgd(0.1),
                                     np.ones(5), 20, grad_noise=0.1, rng=r),
    "optim.curvature": lambda r: optim.curvature(_field(0), np.zeros(4), method="lanczos",
                                                 rng=r),
    "optim.find_critical_points":
        lambda r: optim.find_critical_points(_field(0, dim=3), n_starts=3, rng=r),
    "optim.compare_with_theory":
        lambda r: optim.compare_with_theory(*_critical_points(), min_per_bin=2, n_samples=20,
                                            n_grid=3, rng=r),
    "optim.error_index": lambda r: optim.error_index(_field(0, dim=3), n_starts=3,
                                                     n_trajectories=1, steps=5, rng=r),
    "optim.error_index_by_dimension":
        lambda r: optim.error_index_by_dimension(("spin-glass",), (3,), n_starts=3,
                                                 n_trajectories=1, steps=5, rng=r),
    "optim.spectra_along_training":
        lambda r: optim.spectra_along_training(_net(), steps=4, checkpoints=2, rng=r),
    "optim.network_error_index": lambda r: optim.network_error_index(_net(), n_starts=2, rng=r),
    "optim.dead_unit_critical_points":
        lambda r: optim.dead_unit_critical_points(_net(), [1], rng=r),
    "optim.smallest_eigenvalue":
        lambda r: optim.smallest_eigenvalue(_net(), _net().w0, rng=r),
    "optim.newton_comparison":
        lambda r: optim.newton_comparison(lambda h, s: _net(s), hidden=(4,), seeds=1,
                                          budget=6.0, learning_rates=(0.1,), points=2,
                                          rng=r).best_error.values,
    "optim.plateau_switch":
        lambda r: optim.plateau_switch(_net(), _net().w0 * 0.01, epochs=3, window=1,
                                       batch_size=20, rank=2, rng=r)["sgd"],
    "optim.train": lambda r: optim.train(_net(), optim.sgd(0.1), epochs=1, batch_size=20, rng=r),
    "optim.compare": lambda r: optim.compare(_net(), {"sgd": optim.sgd(0.1)}, epochs=1,
                                             batch_size=20, rng=r),
    "optim.autoencoder_comparison":
        lambda r: optim.autoencoder_comparison(optimizers=["sgd", "adahessian"], seeds=2,
                                               size=6, layers="8-3", examples=40, epochs=1,
                                               batch_size=20, trials=2, progress=False, rng=r),
    "optim.diagonal_similarity":
        lambda r: optim.diagonal_similarity(_net(), _net().w0, batch_size=20, probes=3, rng=r),
    "optim.saddles.escape_time":
        lambda r: optim.saddles.escape_time(fields.saddles.saddle_2d(), {"gd": optim.sgd(0.1)},
                                            [1e-3, 1e-2], max_steps=200, rng=r),
}

#: Optimisers whose ``init(x, rng=)`` draws: run through optim.run (which hands them a child).
TRANSFORMS = {
    "sgld": lambda: optim.sgld(0.01),
    "perturbed_gd": lambda: optim.perturbed_gd(0.1, radius=0.1, threshold=10.0, wait=1),
    "add_noise": lambda: optim.chain(optim.add_noise(0.1), optim.scale(-0.1)),
    "esgd": lambda: optim.esgd(0.1, every=1),
    "jacobi": lambda: optim.jacobi(0.1, every=1),
    "adahessian": lambda: optim.adahessian(0.1),
}
for _name, _make in TRANSFORMS.items():
    CASES[f"optim.{_name} (through optim.run)"] = (
        lambda make: lambda r: optim.run(_field(0), make(), np.full(4, 0.3), 5, rng=r))(_make)


# ---------------------------------------------------------------------- comparison --------


def _same(a, b, path="result"):
    """Raise AssertionError unless ``a`` and ``b`` are bitwise the same result."""
    if isinstance(a, xr.Dataset | xr.DataArray):
        xr.testing.assert_identical(a, b)
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape, path
        np.testing.assert_array_equal(a, b, err_msg=path)
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for k in a:
            _same(a[k], b[k], f"{path}[{k!r}]")
    elif isinstance(a, tuple | list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same(x, y, f"{path}[{i}]")
    elif dataclasses.is_dataclass(a):
        for f in dataclasses.fields(a):
            _same(getattr(a, f.name), getattr(b, f.name), f"{path}.{f.name}")
    elif isinstance(a, np.random.SeedSequence):
        assert (a.entropy, a.spawn_key) == (b.entropy, b.spawn_key), path
    elif isinstance(a, float):
        assert (math.isnan(a) and math.isnan(b)) or a == b, path
    elif isinstance(a, int | str | bool | np.generic) or a is None:
        assert a == b, path
    elif isinstance(a, matplotlib.axes.Axes):
        _same([ln.get_xydata() for ln in a.lines], [ln.get_xydata() for ln in b.lines], path)
        _same([p.get_verts() for p in a.patches], [p.get_verts() for p in b.patches], path)
        matplotlib.pyplot.close("all")
    elif callable(getattr(a, "value", None)) and hasattr(a, "dim"):  # a frozen surface
        x = np.linspace(-0.5, 0.7, a.dim)
        _same(float(a.value(x)), float(b.value(x)), f"{path}.value")
        _same(np.asarray(a.grad(x)), np.asarray(b.grad(x)), f"{path}.grad")
        if hasattr(a, "w0"):  # a network: rng draws its initial parameters
            _same(a.w0, b.w0, f"{path}.w0")
    else:
        raise TypeError(f"{path}: no comparison for {type(a).__name__}")


def _differs(a, b) -> bool:
    try:
        _same(a, b)
    except AssertionError:
        return True
    return False


# --------------------------------------------------------------------------- tests --------


def test_every_stochastic_callable_has_a_same_seed_case():
    missing = sorted(set(STOCHASTIC) - set(CASES) - set(EXEMPT))
    assert not missing, f"add a case to CASES for: {missing}"
    stale = sorted(k for k in CASES if " (through " not in k and k not in STOCHASTIC)
    assert not stale, f"CASES names no longer public or no longer stochastic: {stale}"


@pytest.mark.parametrize("name", sorted(k for k in STOCHASTIC if EXEMPT.get(k) != "normaliser"))
def test_rng_is_keyword_only_and_last(name):
    params = [p for p in inspect.signature(STOCHASTIC[name]).parameters.values()
              if p.kind is not p.VAR_KEYWORD]
    assert params[-1].name == "rng", f"{name}: rng must be the last parameter"
    assert params[-1].kind is params[-1].KEYWORD_ONLY, f"{name}: rng must be keyword-only"


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_same_seed_gives_the_same_result(name):
    case = CASES[name]
    root = np.random.SeedSequence(20261201, spawn_key=(3,))
    first = case(root)
    assert root.n_children_spawned == 0 and root.spawn_key == (3,), "rng was changed"
    _same(first, case(root))
    _same(case(11), case(11))
    _same(case(np.random.default_rng(5)), case(np.random.default_rng(5)))
    assert _differs(first, case(np.random.SeedSequence(7))), \
        f"{name}: a different seed gave the same result (the case does not reach rng)"
