"""Bad input over the whole public API: every bad value refused, naming its argument.

The public API is every name in the ``__all__`` of the modules in ``public_api.MODULES``
(classes with their public methods). For each callable, ``BASES`` gives a small valid call;
each parameter then gets a *kind* (from its annotation, its default, or the value the base
passes) and each bad value of that kind (``BAD``) is put in its place, the rest of the call
kept valid. A bad value must raise ``TypeError`` or ``ValueError`` whose message names the
parameter, within ``TIME_LIMIT`` seconds (so before any real work). A *huge* count
(``10**12``) may instead be accepted when the call finishes within the time limit (a formula
in ``n``, say), but never hang, exhaust memory or overflow.

A new public callable fails :func:`test_every_callable_is_covered` until it has a base call
here (or an exemption with its reason), and each of its parameters is then fuzzed with no more
work: the table is per kind, not per function.
"""

from __future__ import annotations

import inspect
import math
import os
import re
import resource
import signal
import tempfile
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import xarray as xr  # noqa: E402
from public_api import public_callables  # noqa: E402

import fields  # noqa: E402
import optim  # noqa: E402
import rmt  # noqa: E402

#: Seconds a call with one bad value may take before it counts as a hang.
TIME_LIMIT = 10.0
#: Memory a call with one bad value may add to the process before it counts as a blow-up
#: (an address-space limit: the allocation fails with MemoryError instead of the machine
#: swapping or the kernel killing the test run).
MEMORY_LIMIT = 4 * 2**30
HUGE = 10**12
NO_SUCH = "no-such-choice"

# ------------------------------------------------------------------------ bad values -----
#: Bad values per parameter kind; ``None`` is added where the parameter does not admit it.
BAD: dict[str, list] = {
    "bool": ["yes", 2],
    "int": [2.5, "3", True, -1, HUGE],
    "signed_int": [2.5, "3", True, HUGE],
    "float": [float("nan"), "abc", 1j],
    "choice": [5, NO_SUCH],
    "text": [5],
    "rng": ["abc", 2.5, -1],
    "array": ["abc", "nan-filled"],
    "callable": [5],
    "object": [5],
    "dataset": [5, "empty-dataset"],
    "mapping": [5],
    "sequence": [5],
    "path": [5],
    "axes": [5],
}

#: Parameters whose kind no annotation or value tells, by name.
NAME_KINDS = {
    "ax": "axes", "axes": "axes", "client": "object", "kernel": "object", "law": "object",
    "saddle": "object", "surface": "object", "net": "object", "field": "array",
    "out": "path", "folder": "path", "path": "path", "cache_dir": "path",
    "x0": "array", "v0": "array", "direction": "array", "rotation": "array", "center": "array",
    "errors": "array", "grid": "array", "size": "int", "dtype": "object", "mixture": "mapping",
    "experiment": "object", "optimizer": "object", "starts": "object", "lr_search": "object",
    "root": "rng", "distances": "array", "trajectories": "mapping", "dims": "sequence",
}
#: Kinds of single parameters where the name's kind is not theirs.
KIND_OVERRIDES = {
    "rmt.plot.gaussian_shell.dims": "int",  # an int or a sequence of them
    "fields.grid_field.shape": "int",  # an int is a 1-D shape
    "fields.check_derivatives.x": "array",
    "rmt.eigenvalue_by_bisection.k": "signed_int",  # negative k counts from the top
}
#: ``str`` parameters that take free text rather than one of a set of choices.
FREE_TEXT = {"name", "title", "label", "description", "claim", "what", "cmap", "basis"}
#: Counts that bound work only (no array grows with them; the docstring says so): a huge value
#: runs as long as asked, so it is not tried; their other bad values are.
WORK_COUNTS = {
    "optim.diagonal_similarity.probes": "probes are accumulated in place",
    "optim.error_index.steps": "trajectory steps recorded at points_per_trajectory points",
    "rmt.estimate_equilibration.n_samples": "probes come in blocks of bounded memory",
    "rmt.estimate_jacobi.n_samples": "probes come in blocks of bounded memory",
}
#: Base calls of single parameters whose bad values need another valid call around them.
PARAM_BASES = {
    "optim.run.batch_size": lambda: dict(surface=net(), optimizer=optim.sgd(0.1),
                                         x0=weights(), steps=2, batch_size=10, rng=0),
}
#: Parameters left out of the fuzzing, with the reason.
UNFUZZED = {
    "fields.surface.TangentSpace.coordinates.v#nan": "NaN passes: the optimisers report it",
    "fields.surface.TangentSpace.ambient.u#nan": "NaN passes: the optimisers report it",
    "rmt.workflow.Claim.measured#nan": "NaN: nothing could be measured (the row disagrees)",
    "rmt.plot.spectrum.law": "any object with a .pdf method (scipy distributions included)",
    "fields.check_surface.needs": "a free-form list of method names",
}


# ------------------------------------------------------------------------- base calls -----
A = rmt.goe(30, rng=1)


def matvec(v):
    return A @ v


D, E = rmt.hermite_tridiagonal(6, rng=2)
H6 = rmt.goe(6, rng=3)
DIGITS = fields.data.load_digits()


@cache
def kernel():
    return fields.SquaredExponential()


@cache
def field():
    return fields.GaussianField(3, kernel(), n_features=64, rng=0)


@cache
def quadratic():
    return fields.RandomQuadratic(4, rng=0)


@cache
def spin_glass():
    return fields.SphericalSpinGlass(5, p=3, rng=0)


@cache
def sphere_point():
    x = np.ones(5)
    return x * np.sqrt(5) / np.linalg.norm(x)


@cache
def net():
    x, y = DIGITS
    return fields.nn.MLP((64, 4, 10), data=(x[:60], y[:60]), rng=0)


@cache
def curves():
    return fields.data.make_curves(20, size=8, rng=0).reshape(20, -1)


@cache
def autoencoder():
    return fields.nn.Autoencoder(curves(), layers=(64, 6), rng=0)


def small_network(hidden, rng):
    x, y = DIGITS
    return fields.nn.MLP((64, hidden, 10), data=(x[:30], y[:30]), rng=rng)


@cache
def weights():
    return np.random.default_rng(0).normal(0, 0.1, net().dim)


@cache
def density():
    return rmt.spectral_density(matvec, 30, steps=8, probes=2, rng=0)


@cache
def critical_points():
    return optim.find_critical_points(quadratic(), n_starts=3, rng=0)


@cache
def many_critical_points():
    return optim.find_critical_points(spin_glass(), n_starts=40, rng=0)


@cache
def training():
    return optim.compare(net(), {"sgd": optim.sgd(0.1)}, epochs=1, batch_size=20,
                         diagonals=True, diagonal_probes=2, rng=0)


@cache
def trajectory():
    return optim.run(fields.saddle_2d(), optim.sgd(0.1), np.array([0.5, 1e-3]), 5,
                     record=("x",))


@cache
def error_index():
    return optim.error_index(quadratic(), n_starts=3, steps=10, n_trajectories=1,
                             points_per_trajectory=2, rng=0)


@cache
def escape():
    return optim.saddles.escape_time(fields.saddle_2d(), {"gd": optim.sgd(0.1)}, [1e-3],
                                     max_steps=200, rng=0)


@cache
def spectra():
    return optim.spectra_along_training(net(), steps=4, checkpoints=2, rng=0)


@cache
def network_index():
    return optim.network_error_index(net(), n_starts=2, rng=0)


@cache
def grid2d():
    return fields.grid_field((8, 8), kernel(), rng=0)


def claim():
    return rmt.workflow.Claim("c", theory=1.0, measured=1.0, stderr=0.1)


def tmpdir() -> str:
    return tempfile.mkdtemp(prefix="fuzz-")


def experiment_function(rng, n: int = 3):
    return {"z": float(rng.standard_normal())}


#: Instances whose methods are fuzzed, by class name (an abstract class: a concrete one).
INSTANCES: dict[str, Callable[[], object]] = {
    "rmt.Experiment": lambda: rmt.workflow.get_experiment("index"),
    "rmt.SpectralDensity": density,
    "fields.GaussianField": field,
    "fields.IndexLaw": lambda: fields.index_law(quadratic()),
    "fields.Kernel": kernel,
    "fields.QuarticSaddle": fields.saddle_2d,
    "fields.RandomQuadratic": quadratic,
    "fields.SphericalSpinGlass": spin_glass,
    "fields.nn.MLP": net,
    "fields.nn.Autoencoder": autoencoder,
    "fields.surface.TangentSpace": lambda: fields.surface.tangent_space(spin_glass(),
                                                                         sphere_point()),
}

#: A small valid call of each callable: ``{parameter: value}`` (positional ones by name).
BASES: dict[str, Callable[[], dict]] = {
    "rmt.Experiment": lambda: dict(name="fuzz", function=experiment_function),
    "rmt.Experiment.resolve": lambda: dict(params={"N": 4}),
    "rmt.SpectralDensity.fraction_below": lambda: dict(x=0.0),
    "rmt.SpectralDensity.cdf": lambda: dict(x=0.0),
    "rmt.SpectralDensity.integrate": lambda: dict(f=np.square),
    "rmt.SpectralDensity.moments": lambda: dict(k=2),
    "rmt.SpectralDensity.to_xarray": dict,
    "rmt.abs_diagonal": lambda: dict(H=H6),
    "rmt.coin_flip_comparison": lambda: dict(n=6),
    "rmt.condition_number": lambda: dict(H=H6),
    "rmt.count_below": lambda: dict(d=D, e=E, x=0.0),
    "rmt.count_below_and_log_det": lambda: dict(d=D, e=E, x=0.0),
    "rmt.counting_function": lambda: dict(d=D, e=E, x=0.0),
    "rmt.edge_block_size": lambda: dict(n=100),
    "rmt.edge_law": dict,
    "rmt.eigenvalue_by_bisection": lambda: dict(d=D, e=E, k=2),
    "rmt.equilibration_diagonal": lambda: dict(H=H6),
    "rmt.extreme_eigenvalues": lambda: dict(matvec=matvec, dim=30, rng=0),
    "rmt.estimate_equilibration": lambda: dict(matvec=matvec, dim=30, n_samples=4, rng=0),
    "rmt.estimate_jacobi": lambda: dict(matvec=matvec, dim=30, n_samples=4, rng=0),
    "rmt.goe": lambda: dict(n=6, rng=0),
    "rmt.gse": lambda: dict(n=3, rng=0),
    "rmt.gue": lambda: dict(n=6, rng=0),
    "rmt.hermite_tridiagonal": lambda: dict(n=6, rng=0),
    "rmt.index": lambda: dict(H=H6),
    "rmt.index_mean": lambda: dict(n=6),
    "rmt.index_variance": lambda: dict(n=6),
    "rmt.index_variance_constant": lambda: dict(beta=1),
    "rmt.jacobi_diagonal": lambda: dict(H=H6),
    "rmt.laguerre_tridiagonal": lambda: dict(n=6, m=8.0, rng=0),
    "rmt.lanczos": lambda: dict(matvec=matvec, dim=30, steps=5, rng=0),
    "rmt.log_guggenheimer_bound": lambda: dict(A=H6 + 3 * np.eye(6)),
    "rmt.log_prob_all_positive": lambda: dict(n=6),
    "rmt.preconditioned_condition_number": lambda: dict(H=H6 + 3 * np.eye(6), d=np.ones(6)),
    "rmt.preconditioning_experiment": lambda: dict(n=8, n_matrices=3, rng=0),
    "rmt.register_experiment": lambda: dict(name="fuzz-registered", function=experiment_function,
                                            replace=True),
    "rmt.sample_index": lambda: dict(n=6, size=3, rng=0),
    "rmt.sample_largest": lambda: dict(n=6, size=3, rng=0),
    "rmt.semicircle_index_fraction": lambda: dict(shift=0.1, radius=2.0),
    "rmt.spectral_density": lambda: dict(matvec=matvec, dim=30, steps=6, probes=2, rng=0),
    "rmt.spacing_ratios": lambda: dict(eigenvalues=np.linalg.eigvalsh(A)),
    "rmt.symmetric_eigenvalues": lambda: dict(H=A),
    "rmt.spacing_ratio_mean": lambda: dict(eigenvalues=np.linalg.eigvalsh(rmt.goe(40, rng=0))),
    "rmt.spacing_ratio_density": lambda: dict(r=np.linspace(0, 1, 5)),
    "rmt.surmise_mean": dict,
    "rmt.spectral_histogram": lambda: dict(d=D, e=E, bins=np.linspace(-3, 3, 7)),
    "rmt.sweep": lambda: dict(experiment="index", grid={"N": [4]}, replicates=1,
                              progress=False, rng=0),
    "rmt.tracy_widom": dict,
    "rmt.wigner": lambda: dict(n=6, rng=0),
    "rmt.wishart": lambda: dict(n=4, m=6, rng=0),
    "rmt.plot.spectrum": lambda: dict(eigenvalues=np.linalg.eigvalsh(A)),
    "rmt.plot.index_distribution": lambda: dict(indices=np.array([1, 3, 3, 2]), n=6),
    "rmt.plot.index_variance": lambda: dict(ns=np.array([4, 8]),
                                            variances=np.array([0.3, 0.4])),
    "rmt.plot.largest_eigenvalue": lambda: dict(samples=np.array([1.9, 2.0, 2.1]), n=10),
    "rmt.plot.gaussian_shell": lambda: dict(dims=(1, 2), samples=100, rng=0),
    "rmt.plot.preconditioning": lambda: dict(ds=rmt.preconditioning_experiment(8, 3, rng=0)),
    "rmt.random.as_generator": lambda: dict(rng=0),
    "rmt.random.as_seed_sequence": lambda: dict(rng=0),
    "rmt.random.check_rng": lambda: dict(rng=0),
    "rmt.random.child": lambda: dict(root=0),
    "rmt.random.child_generator": lambda: dict(root=0),
    "rmt.random.library_version": dict,
    "rmt.random.provenance": lambda: dict(root=0),
    "rmt.random.seed_from_provenance": lambda: dict(
        attrs=rmt.random.provenance(np.random.SeedSequence(0))),
    "rmt.workflow.Claim": lambda: dict(claim="c", theory=1.0, measured=1.0, stderr=0.1),
    "rmt.workflow.claims_table": lambda: dict(claims=[claim()]),
    "rmt.workflow.figure_rng": lambda: dict(name="semicircle"),
    "rmt.workflow.get_experiment": lambda: dict(name="index"),
    "rmt.workflow.list_experiments": dict,
    "rmt.workflow.reproduce": lambda: dict(out=str(Path(tmpdir()) / "r"), quick=True,
                                           only=["gaussian_shell"]),
    "fields.GaussianField": lambda: dict(dim=3, kernel=kernel(), n_features=16, rng=0),
    "fields.GaussianField.value": lambda: dict(x=np.zeros(3)),
    "fields.GaussianField.grad": lambda: dict(x=np.zeros(3)),
    "fields.GaussianField.value_and_grad": lambda: dict(x=np.zeros(3)),
    "fields.GaussianField.hvp": lambda: dict(x=np.zeros(3), v=np.ones(3)),
    "fields.GaussianField.hess": lambda: dict(x=np.zeros(3)),
    "fields.GaussianField.covariance": lambda: dict(x=np.zeros(3), y=np.ones(3)),
    "fields.IndexLaw.energy": lambda: dict(value=0.1),
    "fields.IndexLaw.asymptotic": lambda: dict(energy=0.1),
    "fields.IndexLaw.finite_n": lambda: dict(energy=0.1, n_samples=20, rng=0),
    "fields.Kernel.covariance": lambda: dict(s=0.5),
    "fields.Kernel.derivative": lambda: dict(s=0.5, order=1),
    "fields.Kernel.require": lambda: dict(order=1),
    "fields.Kernel.sample_frequencies": lambda: dict(dim=3, n=4, rng=0),
    "fields.Matern": dict,
    "fields.QuarticSaddle": lambda: dict(eigenvalues=np.array([1.0, -1.0])),
    "fields.QuarticSaddle.value": lambda: dict(x=np.ones(2)),
    "fields.QuarticSaddle.grad": lambda: dict(x=np.ones(2)),
    "fields.QuarticSaddle.value_and_grad": lambda: dict(x=np.ones(2)),
    "fields.QuarticSaddle.hvp": lambda: dict(x=np.ones(2), v=np.ones(2)),
    "fields.QuarticSaddle.hess": lambda: dict(x=np.ones(2)),
    "fields.RandomQuadratic": lambda: dict(dim=4, rng=0),
    "fields.RandomQuadratic.critical_point": dict,
    "fields.RandomQuadratic.value": lambda: dict(x=np.ones(4)),
    "fields.RandomQuadratic.grad": lambda: dict(x=np.ones(4)),
    "fields.RandomQuadratic.value_and_grad": lambda: dict(x=np.ones(4)),
    "fields.RandomQuadratic.hvp": lambda: dict(x=np.ones(4), v=np.ones(4)),
    "fields.RandomQuadratic.hess": lambda: dict(x=np.ones(4)),
    "fields.SphericalSpinGlass": lambda: dict(dim=5, rng=0),
    "fields.SphericalSpinGlass.project": lambda: dict(x=np.ones(5)),
    "fields.SphericalSpinGlass.tangent_basis": lambda: dict(x=sphere_point()),
    "fields.SphericalSpinGlass.covariance": lambda: dict(x=sphere_point(), y=sphere_point()),
    "fields.SphericalSpinGlass.euclidean_grad": lambda: dict(x=sphere_point()),
    "fields.SphericalSpinGlass.value": lambda: dict(x=sphere_point()),
    "fields.SphericalSpinGlass.grad": lambda: dict(x=sphere_point()),
    "fields.SphericalSpinGlass.value_and_grad": lambda: dict(x=sphere_point()),
    "fields.SphericalSpinGlass.hvp": lambda: dict(x=sphere_point(), v=np.ones(5)),
    "fields.SphericalSpinGlass.hess": lambda: dict(x=sphere_point()),
    "fields.SquaredExponential": dict,
    "fields.check_derivatives": lambda: dict(surface=quadratic(), n_directions=1, rng=0),
    "fields.check_surface": lambda: dict(surface=quadratic()),
    "fields.critical_points": lambda: dict(field=grid2d()),
    "fields.grid_field": lambda: dict(shape=(8, 8), kernel=kernel(), rng=0),
    "fields.index_law": lambda: dict(surface=quadratic()),
    "fields.local_law": lambda: dict(kernel=kernel(), dim=4),
    "fields.local_minima": lambda: dict(field=grid2d()),
    "fields.plot_critical_points": lambda: dict(field=grid2d()),
    "fields.random_saddle": lambda: dict(dim=4, index=1, rng=0),
    "fields.saddle_2d": dict,
    "fields.sample_hessian_given_value": lambda: dict(kernel=kernel(), dim=4, value=0.1, size=2,
                                                      rng=0),
    "fields.sample_local": lambda: dict(kernel=kernel(), dim=4, size=2, rng=0),
    "fields.bray_dean.asymptotic_index_fraction": lambda: dict(kernel=kernel(), energy=0.1),
    "fields.bray_dean.kac_rice_index": lambda: dict(kernel=kernel(), dim=5, energy=0.1,
                                                    n_samples=20, rng=0),
    "fields.bray_dean.naive_index_fraction": lambda: dict(kernel=kernel(), energy=0.1),
    "fields.bray_dean.semicircle_radius": lambda: dict(kernel=kernel()),
    "fields.bray_dean.threshold_energies": lambda: dict(kernel=kernel()),
    "fields.bray_dean.tilted_shift": lambda: dict(kernel=kernel(), energy=0.1),
    "fields.spin_glass.asymptotic_index_fraction": lambda: dict(p=3, energy=-1.0),
    "fields.spin_glass.complexity": lambda: dict(p=3, energy=-1.6),
    "fields.spin_glass.hessian_law": dict,
    "fields.spin_glass.kac_rice_index": lambda: dict(p=3, dim=5, energy=-1.0, n_samples=20,
                                                     rng=0),
    "fields.spin_glass.layer_energies": lambda: dict(p=3, k_max=2),
    "fields.spin_glass.thresholds": lambda: dict(p=3),
    "fields.nn.MLP": lambda: dict(layers=(64, 4, 10), data=(DIGITS[0][:30], DIGITS[1][:30]),
                                  rng=0),
    "fields.nn.MLP.unflatten": lambda: dict(w=weights()),
    "fields.nn.MLP.value": lambda: dict(w=weights()),
    "fields.nn.MLP.grad": lambda: dict(w=weights()),
    "fields.nn.MLP.value_and_grad": lambda: dict(w=weights()),
    "fields.nn.MLP.hvp": lambda: dict(w=weights(), v=np.ones(net().dim)),
    "fields.nn.MLP.gvp": lambda: dict(w=weights(), v=np.ones(net().dim)),
    "fields.nn.MLP.hess_memory": dict,
    "fields.nn.MLP.hess_workspace": dict,
    "fields.nn.MLP.hess": lambda: dict(w=weights()),
    "fields.nn.MLP.predict": lambda: dict(w=weights()),
    "fields.nn.MLP.error_rate": lambda: dict(w=weights()),
    "fields.nn.MLP.task_error": lambda: dict(w=weights()),
    "fields.nn.MLP.subset": lambda: dict(indices=np.arange(5)),
    "fields.nn.MLP.unit_parameters": lambda: dict(units=[0, 2]),
    "fields.nn.MLP.dead_units": lambda: dict(w=weights()),
    "fields.nn.dead_unit_eigenvalues": lambda: dict(net=net(), w=weights()),
    "fields.nn.MLP.minibatch": lambda: dict(size=10, rng=0),
    "fields.nn.MLP.batches": lambda: dict(size=10, rng=0),
    "fields.nn.Autoencoder": lambda: dict(data=curves(), layers=(64, 6), rng=0),
    "fields.nn.Autoencoder.reconstruction_error": lambda: dict(
        w=np.zeros(autoencoder().dim)),
    "fields.nn.Autoencoder.task_error": lambda: dict(w=np.zeros(autoencoder().dim)),
    "fields.data.download": lambda: dict(name="mnist", cache_dir=tmpdir(), timeout=0.01),
    "fields.data.load_cifar10": lambda: dict(folder=tmpdir()),
    "fields.data.load_curves_mat": lambda: dict(path=Path(tmpdir()) / "curves.mat"),
    "fields.data.load_digits": dict,
    "fields.data.load_fashion_mnist": lambda: dict(path=tmpdir()),
    "fields.data.load_mnist_sample": dict,
    "fields.data.load_mnist": lambda: dict(folder=tmpdir()),
    "fields.data.make_curves": lambda: dict(n=4, size=8, rng=0),
    "fields.data.read_idx": lambda: dict(path=Path(tmpdir()) / "x.idx"),
    "fields.data.resize_images": lambda: dict(images=np.ones((2, 8, 8)), size=(4, 4)),
    "fields.surface.TangentSpace.coordinates": lambda: dict(v=np.ones(5)),
    "fields.surface.TangentSpace.ambient": lambda: dict(u=np.ones(4)),
    "fields.surface.TangentSpace.hvp": lambda: dict(surface=spin_glass(), x=sphere_point()),
    "fields.surface.hessian": lambda: dict(surface=quadratic(), x=np.ones(4)),
    "fields.surface.is_manifold": lambda: dict(surface=quadratic()),
    "fields.surface.retract": lambda: dict(surface=spin_glass(), x=np.ones(5)),
    "fields.surface.tangent_space": lambda: dict(surface=spin_glass(), x=sphere_point()),
    "fields.surface.value_and_grad": lambda: dict(surface=quadratic(), x=np.ones(4)),
    "optim.Certificate": dict,
    "optim.LearningRateSearch": dict,
    "optim.Solver": dict,
    "optim.Starts": dict,
    "optim.Transform": lambda: dict(name="t", init=lambda x: (), update=lambda *a: a),
    "optim.adahessian": dict,
    "optim.adam": dict,
    "optim.adaptive_damped_newton": dict,
    "optim.adaptive_saddle_free_newton": dict,
    "optim.add_noise": lambda: dict(std=0.1),
    "optim.autoencoder_comparison": lambda: dict(optimizers=["sgd"], seeds=1, size=6,
                                                 layers="8-3", examples=40, epochs=1,
                                                 batch_size=20, trials=1, progress=False,
                                                 rng=0),
    "optim.chain": dict,
    "optim.compare": lambda: dict(surface=net(), optimizers={"sgd": optim.sgd(0.1)}, epochs=1,
                                  batch_size=20, rng=0),
    "optim.compare_with_theory": lambda: dict(cps=many_critical_points(),
                                              surface=spin_glass(), n_samples=20, rng=0),
    "optim.curvature": lambda: dict(surface=quadratic(), x=np.ones(4), rng=0),
    "optim.damped_newton": dict,
    "optim.diagonal_similarity": lambda: dict(surface=net(), x=weights(), batch_size=20,
                                              probes=2, rng=0),
    "optim.error_index": lambda: dict(surface=quadratic(), n_starts=3, steps=10,
                                      n_trajectories=1, points_per_trajectory=2, rng=0),
    "optim.error_index_by_dimension": lambda: dict(models=("spin-glass",), dims=(5,),
                                                   n_starts=2, steps=5, rng=0),
    "optim.esgd": lambda: dict(lr=0.1),
    "optim.find_critical_points": lambda: dict(surface=quadratic(), n_starts=3, rng=0),
    "optim.jacobi": lambda: dict(lr=0.1),
    "optim.momentum": lambda: dict(lr=0.1),
    "optim.network_error_index": lambda: dict(net=net(), n_starts=2, rng=0),
    "optim.dead_unit_critical_points": lambda: dict(net=net(), dead=[4], rng=0),
    "optim.newton": dict,
    "optim.newton_comparison": lambda: dict(network=small_network, hidden=(2,), seeds=1,
                                            budget=4.0, learning_rates=(0.1,), points=2,
                                            rng=0),
    "optim.plateau_switch": lambda: dict(net=net(), x0=weights(), epochs=2, window=1,
                                         batch_size=20, rank=2, rng=0),
    "optim.perturbed_gd": lambda: dict(lr=0.1, radius=0.1, threshold=0.01, wait=5),
    "optim.rmsprop": lambda: dict(lr=0.1),
    "optim.run": lambda: dict(surface=quadratic(), optimizer=optim.sgd(0.1), x0=np.ones(4),
                              steps=5),
    "optim.saddle_free_newton": dict,
    "optim.scale": lambda: dict(factor=2.0),
    "optim.scale_by_adam": dict,
    "optim.scale_by_diagonal_curvature": lambda: dict(estimator="jacobi"),
    "optim.scale_by_newton": lambda: dict(mode="saddle_free"),
    "optim.scale_by_rms": dict,
    "optim.sgd": lambda: dict(lr=0.1),
    "optim.sgld": lambda: dict(lr=0.1),
    "optim.smallest_eigenvalue": lambda: dict(surface=quadratic(), x=np.ones(4), rng=0),
    "optim.spectra_along_training": lambda: dict(net=net(), steps=4, checkpoints=2, rng=0),
    "optim.trace": dict,
    "optim.train": lambda: dict(surface=net(), optimizer=optim.sgd(0.1), epochs=1,
                                batch_size=20, rng=0),
    "optim.plot.diagonal_cosines": lambda: dict(res=training()),
    "optim.plot.error_index_plane": lambda: dict(ds=error_index()),
    "optim.plot.escape_times": lambda: dict(ds=escape()),
    "optim.plot.spectra_along_training": lambda: dict(ds=spectra()),
    "optim.plot.spacing_ratios": lambda: dict(ratios=np.array([0.2, 0.5, 0.9])),
    "optim.plot.network_error_index": lambda: dict(ds=network_index()),
    "optim.plot.saddle_paths": lambda: dict(saddle=fields.saddle_2d(),
                                            trajectories={"gd": trajectory()}),
    "optim.plot.training_curves": lambda: dict(res=training()),
    "optim.saddles.escape_time": lambda: dict(saddle=fields.saddle_2d(),
                                              optimizers={"gd": optim.sgd(0.1)},
                                              distances=[1e-3], max_steps=200, rng=0),
    "optim.saddles.gd_escape_steps": lambda: dict(lr=0.1, lam_min=-1.0, delta=1e-3, radius=1.0),
}

#: Variadic parameters: a valid tuple and the kind of one more value.
VARIADIC = {
    "optim.chain": ("transforms", (optim.sgd(0.1),), "object"),
    "rmt.random.child": ("key", (1, 2), "int"),
    "rmt.random.child_generator": ("key", (1, 2), "int"),
}

#: Public callables not fuzzed here, with the reason.
EXEMPT = {
    # Result records and the sweep's exceptions: built by the library from values it has
    # already checked; users read them and never build them.
    **{name: "result record" for name in (
        "rmt.CoinFlipComparison", "rmt.CountAndLogDet", "rmt.ExtremeEigenvalues",
        "rmt.LanczosResult", "rmt.SpectralDensity", "rmt.workflow.SweepInterrupted",
        "rmt.workflow.SweepCellError", "rmt.workflow.SweepLocked",
        "fields.CriticalPoints", "fields.DerivativeReport", "fields.IndexLaw",
        "fields.KacRiceEstimate", "fields.LocalLaw", "fields.LocalSample",
        "fields.spin_glass.HessianLaw", "fields.spin_glass.Thresholds",
        "fields.surface.TangentSpace", "optim.Curvature")},
    # Protocols document the contract; they have no behaviour of their own.
    **{name: "protocol" for name in (
        "fields.DataSurface", "fields.DataSurface.minibatch", "fields.DataSurface.batches",
        "fields.DataSurface.task_error", "fields.ManifoldSurface",
        "fields.ManifoldSurface.project", "fields.ManifoldSurface.tangent_basis",
        "fields.Surface", "fields.Surface.value", "fields.Surface.grad", "fields.Surface.hvp",
        "fields.Kernel")},
    # A scipy distribution: its shape parameter is checked by test_marchenko_pastur_ratio.
    "rmt.marchenko_pastur": "scipy distribution, tested below",
}

PUBLIC = public_callables()
COVERED = sorted(name for name in PUBLIC if name not in EXEMPT)


# ------------------------------------------------------------------------- the fuzzing -----
class _Hang(Exception):
    pass


def _alarm(signum, frame):
    raise _Hang


def _annotation(param: inspect.Parameter) -> str:
    ann = param.annotation
    return "" if ann is inspect.Parameter.empty else str(getattr(ann, "__name__", ann))


def kind_of(qualname: str, param: inspect.Parameter, base: dict) -> str | None:
    """The kind of a parameter, from its name, annotation, default or base value."""
    name, ann = param.name, _annotation(param)
    if f"{qualname}.{name}" in UNFUZZED:
        return None
    if f"{qualname}.{name}" in KIND_OVERRIDES:
        return KIND_OVERRIDES[f"{qualname}.{name}"]
    if name == "rng":
        return "rng"
    if name in NAME_KINDS:
        return NAME_KINDS[name]
    head = re.split(r"\s*\|\s*", ann)[0] if ann else ""
    if head == "bool":
        return "bool"
    if head == "int":
        return "int"
    if head == "float":
        return "float"
    if head == "str":
        return "text" if name in FREE_TEXT else "choice"
    value = base.get(name, param.default)
    if isinstance(value, (bool, np.bool_)):
        return "bool"
    if isinstance(value, (int, np.integer)):
        return "int"
    if isinstance(value, (float, np.floating)):
        return "float"
    if isinstance(value, str):
        return "text" if name in FREE_TEXT else "choice"
    if isinstance(value, xr.Dataset) or head.startswith("xr.Dataset"):
        return "dataset"
    if isinstance(value, np.ndarray):
        return "array"
    if isinstance(value, Mapping) or head.startswith(("Mapping", "dict")):
        return "mapping"
    if isinstance(value, (tuple, list)) or head.startswith(("Sequence", "tuple")):
        return "sequence"
    if callable(value) or head.startswith("Callable"):
        return "callable"
    if head in {"Kernel", "Transform", "QuarticSaddle", "Starts", "Certificate", "Solver",
                "LearningRateSearch"}:
        return "object"
    if head.startswith(("np.ndarray", "ArrayLike")):
        return "array"
    return None


def bad_values(qualname: str, kind: str, param: inspect.Parameter, base: dict) -> list:
    values = list(BAD[kind])
    admits_none = "None" in _annotation(param) or param.default is None
    if not admits_none and kind not in {"rng"}:
        values.append(None)
    out = []
    for v in values:
        if isinstance(v, float) and math.isnan(v) and f"{qualname}.{param.name}#nan" in UNFUZZED:
            continue
        if v == "nan-filled":
            good = base.get(param.name, param.default)
            if not isinstance(good, np.ndarray) or good.dtype.kind != "f" or \
                    f"{qualname}.{param.name}#nan" in UNFUZZED:
                continue
            v = np.full_like(good, np.nan)
        elif isinstance(v, str) and v == "empty-dataset":
            v = xr.Dataset()
        out.append(v)
    return out


def _target(qualname: str):
    obj = PUBLIC[qualname]
    owner, _, attr = qualname.rpartition(".")
    if owner in INSTANCES and not inspect.isclass(obj):
        return getattr(INSTANCES[owner](), attr)
    return obj


def _outcome(call: Callable[[], object], name: str, huge: bool) -> str | None:
    """None when the call behaved (refused naming ``name``, or a huge value finished)."""
    old = signal.signal(signal.SIGALRM, _alarm)
    old_limit = resource.getrlimit(resource.RLIMIT_AS)
    with open("/proc/self/statm") as statm:
        in_use = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    resource.setrlimit(resource.RLIMIT_AS, (in_use + MEMORY_LIMIT, old_limit[1]))
    signal.setitimer(signal.ITIMER_REAL, TIME_LIMIT)
    try:
        call()
    except _Hang:
        return f"still running after {TIME_LIMIT:g} s"
    except (TypeError, ValueError) as exc:
        if re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", str(exc)):
            return None
        return f"{type(exc).__name__} not naming {name!r}: {str(exc)[:200]}"
    except Exception as exc:  # noqa: BLE001 - every other exception is a bad outcome
        return f"{type(exc).__name__}: {str(exc)[:200]}"
    else:
        return None if huge else "accepted"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        resource.setrlimit(resource.RLIMIT_AS, old_limit)
        signal.signal(signal.SIGALRM, old)
        plt.close("all")
    return None


def fuzz(qualname: str) -> tuple[int, list[str]]:
    """Try every bad value on every parameter of one callable: (values tried, bad outcomes)."""
    target = _target(qualname)
    base = BASES[qualname]()
    params = [p for p in inspect.signature(target).parameters.values()
              if p.name != "self" and p.kind is not inspect.Parameter.VAR_KEYWORD]
    tried, bad = 0, []
    for param in params:
        if param.kind is inspect.Parameter.VAR_POSITIONAL:
            name, good, kind = VARIADIC[qualname]
            for value in BAD[kind] + [None]:
                tried += 1
                positional = [base[p.name] for p in params
                              if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]
                result = _outcome(lambda v=value, p=positional, g=good: target(*p, *g, v), name,
                                  kind == "int" and value == HUGE)
                if result:
                    bad.append(f"{name}={value!r}: {result}")
            continue
        kind = kind_of(qualname, param, base)
        if kind is None:
            if f"{qualname}.{param.name}" not in UNFUZZED:
                bad.append(f"{param.name}: no kind for annotation {_annotation(param)!r}; "
                           f"add it to NAME_KINDS")
            continue
        here = PARAM_BASES.get(f"{qualname}.{param.name}", lambda b=base: b)()
        for value in bad_values(qualname, kind, param, here):
            huge = kind.endswith("int") and isinstance(value, int) and value == HUGE
            if huge and f"{qualname}.{param.name}" in WORK_COUNTS:
                continue
            tried += 1
            kwargs = {**here, param.name: value}
            result = _outcome(lambda kw=kwargs: target(**kw), param.name, huge)
            if result:
                bad.append(f"{param.name}={value!r:.60}: {result}")
    return tried, bad


# --------------------------------------------------------------------------- the tests -----
def test_every_callable_is_covered():
    missing = [name for name in COVERED if name not in BASES]
    assert not missing, f"public callables with no base call in BASES: {missing}"
    stale = sorted(set(BASES) - set(PUBLIC)) + sorted(set(EXEMPT) - set(PUBLIC))
    assert not stale, f"names in BASES or EXEMPT that are not public: {stale}"


@pytest.mark.parametrize("qualname", COVERED)
def test_bad_values_are_refused(qualname):
    if qualname not in BASES:
        pytest.fail(f"{qualname} has no base call")
    tried, bad = fuzz(qualname)
    assert not bad, f"{qualname}: {len(bad)} of {tried} bad values slipped through:\n" + \
        "\n".join(bad)


def test_the_fuzzing_catches_what_it_should():
    """The harness itself: a function that coerces a bool, or names no argument, is caught."""
    PUBLIC["fuzz.sloppy"] = lambda n: int(n) * 2
    BASES["fuzz.sloppy"] = lambda: dict(n=3)
    try:
        tried, bad = fuzz("fuzz.sloppy")
    finally:
        del PUBLIC["fuzz.sloppy"], BASES["fuzz.sloppy"]
    assert tried > 0 and bad  # int(2.5), int("3") and int(True) slip through silently


@pytest.mark.parametrize("q", [float("nan"), -0.5, 1.5, "abc"])
def test_marchenko_pastur_ratio(q):
    with pytest.raises((TypeError, ValueError), match="q"):
        rmt.marchenko_pastur(q).pdf(1.0)

