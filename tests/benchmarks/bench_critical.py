"""Benchmark for :mod:`optim.critical`: certified critical points per second, by method.

Run from the repository root::

    python tests/benchmarks/bench_critical.py [--dim 100] [--starts 20] [--features-per-dim 300]

On one squared-exponential Gaussian field (Bray–Dean scaling, ``M = features_per_dim * N``
random features) and one set of starting points (standard normal, shared by every method,
with the same gradient and Hessian scales, so every method faces the same certificate
``|g| <= 1e-8 g_s``), it runs Newton-MR, Newton and gradient-norm minimisation (L-BFGS-B on
``|g|^2 / 2`` with gradient ``H g`` from ``hvp``, the baseline) and prints, per method, the
distinct certified critical points, the other end points, the wall time and the rate; then,
in the format of ``bench_rmt.py``, the time per certified critical point of each Newton
method as a ratio to the baseline's (target: at most 1/3, i.e. three times as many certified
points per unit time). A warm-up call compiles the field's kernels first. Timings are of one
run each (they take minutes), so on a shared machine repeat the command. Not a test: nothing
here asserts.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from fields import GaussianField, SquaredExponential
from optim.critical import Certificate, Solver, find_critical_points

METHODS = ("newton-mr", "newton", "gradient-norm")


def measure(dim: int, n_starts: int, features_per_dim: int, lbfgs_iter: int) -> dict:
    """``{method: (distinct certified, seconds, dataset)}`` on one field and one set of starts."""
    field = GaussianField(dim, SquaredExponential(), n_features=features_per_dim * dim, rng=0)
    starts = np.random.default_rng(1).standard_normal((n_starts, dim))
    # The scales of a default run, fixed for all methods (one certificate for everyone); this
    # call also compiles the kernels.
    probe = find_critical_points(field, 2, starts="random", solver=Solver(max_iter=1), rng=0)
    scales = Certificate(grad_scale=probe.attrs["grad_scale"],
                         hess_scale=probe.attrs["hess_scale"])
    out = {}
    for method in METHODS:
        solver = Solver(max_iter=lbfgs_iter) if method == "gradient-norm" else Solver()
        t0 = time.perf_counter()
        cps = find_critical_points(field, method=method, starts=starts, certificate=scales,
                                   solver=solver, rng=0)
        out[method] = (int(cps.attrs["n_critical"]), time.perf_counter() - t0, cps)
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dim", type=int, default=100)
    parser.add_argument("--starts", type=int, default=20)
    parser.add_argument("--features-per-dim", type=int, default=300)
    parser.add_argument("--lbfgs-iter", type=int, default=5000,
                        help="Solver.max_iter of the L-BFGS baseline (its default)")
    args = parser.parse_args(argv)
    res = measure(args.dim, args.starts, args.features_per_dim, args.lbfgs_iter)
    m = args.features_per_dim * args.dim
    print(f"N = {args.dim}, M = {m} features, {args.starts} shared standard-normal starts, "
          f"squared-exponential field (Bray-Dean scaling)\n")
    print("| method | distinct certified | gradient-flat | unconverged | diverged | "
          "mean iterations | time | certified / s |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for method, (n_crit, seconds, cps) in res.items():
        a = cps.attrs
        print(f"| {method} | {n_crit} | {a['n_gradient_flat']} | {a['n_unconverged']} | "
              f"{a['n_diverged']} | {np.mean(cps.iterations.values):.0f} | {seconds:.3g} s | "
              f"{n_crit / seconds:.3g} |")
    base_n, base_t, _ = res["gradient-norm"]
    base = base_t / base_n if base_n else float("inf")
    print("\n| operation | baseline | target | ratio | time | baseline time |")
    print("| --- | --- | --- | --- | --- | --- |")
    for method in ("newton-mr", "newton"):
        n_crit, seconds, _ = res[method]
        per_point = seconds / n_crit if n_crit else float("inf")
        print(f"| {method}: seconds per certified critical point, N = {args.dim} | "
              f"gradient-norm (L-BFGS-B), same field and starts | <= 1/3 | "
              f"{per_point / base:.3g} | {per_point:.3g} s | {base:.3g} s |")


if __name__ == "__main__":
    main()
