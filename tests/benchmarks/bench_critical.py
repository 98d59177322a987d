"""Benchmark for :mod:`optim.critical`: certified critical points per second, against scipy.

Run from the repository root::

    python tests/benchmarks/bench_critical.py [--quick] [--net-starts 2] [--no-net | --no-field]
    python tests/benchmarks/bench_critical.py --methods [--dim 100] [--starts 20]

**Against scipy (issue 12, the default).** Two setups, each with one set of starting points
shared by both methods and one certificate (the same gradient and Hessian scales, so both face
``|g| <= 1e-8 g_s``):

* a squared-exponential Gaussian field (Bray–Dean scaling), ``N = 30``, ``M = 9000`` random
  features, 50 standard-normal starts (the scales of a default run, as in the issue);
* a tanh MLP 100-50-10 (5,560 parameters) with the softmax cross-entropy on 1000 10 x 10
  images (every fifth of ``fields.data.load_mnist_sample(size=(10, 10))``: 100 of each digit;
  random inputs in ``[0, 1]`` with labels 0..9, seed 0, where the library lacks it), weight
  decay 0.01, started from small random weights (``--net-scale 0.05``: ``0.05 N(0, I)``, seed
  ``k`` for start ``k``), where the searches meet the saddle near ``w = 0`` (every hidden unit
  off; the only critical point either method certified from any start we tried: from Glorot
  initialisations and from points along training both stall, Frye et al. 2021), or from Glorot
  initialisations (``--net-scale 0``: ``MLP(..., rng=k).w0``); the scales are measured at the
  starts.

``newton-mr`` is ``optim.find_critical_points(method="newton-mr")`` with its defaults (on the
field the dense Hessian, on the network MINRES on ``hvp``); ``newton-mr, hvp`` on the field is
the same with ``Solver(linear_solver="hvp")``, the route of a surface without ``hess``.
``scipy hybr`` is ``scipy.optimize.root(grad, x0, jac=hess, method="hybr")`` (MINPACK's
Powell hybrid method, dense Jacobian) from every start, its end points then judged by the same
certificate as the library's (``optim.critical.certificate``: status, merging of duplicates and
the curvature of each distinct point), inside the timing. On the network one start of hybr
factors a 5560 x 5560 Jacobian in MINPACK's own QR (minutes), so each hybr start gets a
wall-clock budget (``--net-budget``, checked at each call of ``grad``, so one factorisation
may overrun it): when it runs out, the last point hybr evaluated is its end point. The table
gives, per setup and method, the distinct certified points, the other end points, the wall
time, the rate and the ratio of rates (target: newton-mr >= 1.5 x scipy's certified points
per second, with at least as many points). ``--quick``: the field only, from 12 starts. A
warm-up call compiles the kernels first. Timings are of one run each, so on a shared machine
repeat the command. With
``OPENBLAS_NUM_THREADS=1`` both sides run on one core (the README's convention); with the
default threads scipy's products use them all while the library's searches run on one BLAS
thread (``rmt._threads.small_products``), so the ratio then depends on the machine and its
load. Not a test: nothing here asserts.

**Methods (``--methods``).** On one field of dimension ``--dim`` (``M = features_per_dim * N``)
and one set of standard-normal starts: Newton-MR, Newton and gradient-norm minimisation
(L-BFGS-B on ``|g|^2 / 2``, the baseline), and the time per certified point of each Newton
method as a ratio to the baseline's (target: at most 1/3).
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
import scipy.optimize

import fields
from fields import GaussianField, SquaredExponential
from fields.nn import MLP
from optim.critical import Certificate, Solver, _setup, find_critical_points
from optim.critical._evaluation import EndPoint, evaluate, hess_grad_norm
from optim.critical.certificate import _certify, _classify, _grad_scale, _hess_scale

METHODS = ("newton-mr", "newton", "gradient-norm")
NET_LAYERS = [100, 50, 10]
#: Weight decay of the network: it lifts the exact null space (blank pixels, the softmax's
#: shift) that makes every critical point degenerate, as in optim.talk_scale.talk_error_index.
NET_DECAY = 1e-2


class _OutOfTime(Exception):
    """Raised inside scipy's function when a start's wall-clock budget is spent."""


def _field(dim: int, n_features: int):
    field = GaussianField(dim, SquaredExponential(), n_features=n_features, rng=0)
    # The scales of a default run (one certificate for every method); this call also
    # compiles the kernels.
    probe = find_critical_points(field, 2, starts="random", solver=Solver(max_iter=1), rng=0)
    return field, Certificate(grad_scale=probe.attrs["grad_scale"],
                              hess_scale=probe.attrs["hess_scale"])


def _net_data(n: int = 1000):
    """``(inputs, labels, source)``: 10 x 10 MNIST when the library ships a sample, else random."""
    load = getattr(fields.data, "load_mnist_sample", None)
    if load is not None:
        x, y = load(size=(10, 10))  # 500 of each digit, sorted by digit: every fifth image
        step = max(1, len(y) // n)
        return np.asarray(x, dtype=np.float64)[::step][:n], np.asarray(y)[::step][:n], \
            f"{n} MNIST digits at 10 x 10 (fields.data.load_mnist_sample, every {step}th)"
    rng = np.random.default_rng(0)
    return rng.uniform(0.0, 1.0, (n, 100)), rng.integers(0, 10, n), \
        "random inputs in [0, 1], labels 0..9"


def _net(n_starts: int, scale: float):
    x, y, source = _net_data()
    net = MLP(NET_LAYERS, data=(x, y), weight_decay=NET_DECAY, rng=0)
    if scale > 0:
        starts = np.stack([scale * np.random.default_rng(k).standard_normal(net.dim)
                           for k in range(n_starts)])
    else:
        starts = np.stack([MLP(NET_LAYERS, data=(x, y), rng=k).w0 for k in range(n_starts)])
    points = list(starts)
    scales = Certificate(grad_scale=_grad_scale(net, points),
                         hess_scale=_hess_scale(net, points, np.random.default_rng(0)))
    return net, starts, scales, source


def newton_mr(surface, starts: np.ndarray, certificate: Certificate,
              solver: Solver = Solver()) -> dict:  # noqa: B008 (a frozen value)
    """The library's Newton-MR from ``starts``, timed."""
    t0 = time.perf_counter()
    cps = find_critical_points(surface, method="newton-mr", starts=starts,
                               certificate=certificate, solver=solver, rng=0)
    seconds = time.perf_counter() - t0
    a = cps.attrs
    return {"certified": int(a["n_critical"]), "seconds": seconds,
            "other": len(starts) - int(a["n_critical_hits"]),
            "steps": int(cps.iterations.values.sum()), "solver": a["linear_solver"]}


def scipy_hybr(surface, starts: np.ndarray, certificate: Certificate,
               budget: float = math.inf) -> dict:
    """``scipy.optimize.root(hybr)`` from ``starts``, its ends judged by the same certificate."""
    setup = _setup(surface, "newton-mr", certificate, Solver(), certificate.grad_scale,
                   certificate.hess_scale)
    t0 = time.perf_counter()
    ends, steps = [], 0
    for x0 in starts:
        start, last, calls = time.perf_counter(), [np.array(x0)], [0]

        def fun(x, start=start, last=last, calls=calls):
            if time.perf_counter() - start > budget:
                raise _OutOfTime
            last[0], calls[0] = np.array(x), calls[0] + 1
            return surface.grad(x)

        try:
            x = scipy.optimize.root(fun, x0, jac=surface.hess, method="hybr").x
        except _OutOfTime:
            x = last[0]
        except ValueError:  # the surface refused a NaN or Inf point
            x = np.full(x0.shape, np.nan)
        steps += calls[0]
        ev = evaluate(surface, x)
        if ev is None:
            ends.append(EndPoint(x, math.nan, math.nan, math.nan, calls[0], "diverged"))
            continue
        gn = float(np.linalg.norm(ev[1]))
        hg = hess_grad_norm(surface, x, ev[1])
        ends.append(EndPoint(x, ev[0], gn, hg, calls[0], _classify(setup, gn, hg)))
    rows = _certify(surface, ends, np.stack([e.x for e in ends]), np.random.SeedSequence(0),
                    setup)
    seconds = time.perf_counter() - t0
    certified = sum(r.kind != "not-critical" for r in rows)
    return {"certified": certified, "seconds": seconds,
            "other": len(starts) - sum(e.status == "critical" for e in ends), "steps": steps,
            "solver": "dense Jacobian (MINPACK)"}


def _rate(r: dict) -> float:
    return r["certified"] / r["seconds"]


def against_scipy(args) -> None:
    field_starts = 12 if args.quick else args.field_starts
    net_starts, budget = args.net_starts, args.net_budget
    setups = []
    if not args.no_field:
        field, scales = _field(30, 9000)
        starts = np.random.default_rng(1).standard_normal((field_starts, 30))
        setups.append((f"field N = 30, M = 9000, {field_starts} starts", field, starts, scales,
                       math.inf, {"newton-mr": Solver(),
                                  "newton-mr, hvp": Solver(linear_solver="hvp")}))
    if not (args.no_net or args.quick):
        net, w_starts, net_scales, source = _net(net_starts, args.net_scale)
        kind = f"scale-{args.net_scale:g} random" if args.net_scale > 0 else "Glorot"
        setups.append((f"MLP 100-50-10 ({net.dim} parameters; {source}, weight decay "
                       f"{NET_DECAY:g}), {net_starts} {kind} starts, hybr budget {budget:g} s "
                       "per start", net, w_starts,
                       net_scales, budget, {"newton-mr": Solver()}))
    print("| setup | method | distinct certified | other end points | steps | linear solve | "
          "time | certified / s | rate vs scipy (target >= 1.5) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, surface, starts, certificate, hybr_budget, solvers in setups:
        runs = {method: newton_mr(surface, starts, certificate, solver)
                for method, solver in solvers.items()}
        sp = scipy_hybr(surface, starts, certificate, hybr_budget)
        for method, r in (*runs.items(), ("scipy hybr", sp)):
            if r is sp:
                ratio = "1"
            elif sp["certified"]:
                ratio = f"{_rate(r) / _rate(sp):.2f}"
            else:
                ratio = "inf (scipy: none)" if r["certified"] else "- (neither certified)"
            print(f"| {name} | {method} | {r['certified']} | {r['other']} | {r['steps']} | "
                  f"{r['solver']} | {r['seconds']:.3g} s | {_rate(r):.3g} | {ratio} |")
    print("\nsteps: Newton-MR iterations; scipy: calls of grad (its Jacobians are fewer).")


def measure(dim: int, n_starts: int, features_per_dim: int, lbfgs_iter: int) -> dict:
    """``{method: (distinct certified, seconds, dataset)}`` on one field and one set of starts."""
    field, scales = _field(dim, features_per_dim * dim)
    starts = np.random.default_rng(1).standard_normal((n_starts, dim))
    out = {}
    for method in METHODS:
        solver = Solver(max_iter=lbfgs_iter) if method == "gradient-norm" else Solver()
        t0 = time.perf_counter()
        cps = find_critical_points(field, method=method, starts=starts, certificate=scales,
                                   solver=solver, rng=0)
        out[method] = (int(cps.attrs["n_critical"]), time.perf_counter() - t0, cps)
    return out


def methods_table(args) -> None:
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


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="the field only, from 12 starts (seconds)")
    parser.add_argument("--field-starts", type=int, default=50)
    parser.add_argument("--net-starts", type=int, default=2)
    parser.add_argument("--net-scale", type=float, default=0.05,
                        help="standard deviation of the network's random starts (0: Glorot)")
    parser.add_argument("--net-budget", type=float, default=300.0,
                        help="wall-clock seconds of scipy hybr per network start")
    parser.add_argument("--no-net", action="store_true", help="the field setup only")
    parser.add_argument("--no-field", action="store_true", help="the network setup only")
    parser.add_argument("--methods", action="store_true",
                        help="the table of the library's methods against L-BFGS instead")
    parser.add_argument("--dim", type=int, default=100)
    parser.add_argument("--starts", type=int, default=20)
    parser.add_argument("--features-per-dim", type=int, default=300)
    parser.add_argument("--lbfgs-iter", type=int, default=5000,
                        help="Solver.max_iter of the L-BFGS baseline (its default)")
    args = parser.parse_args(argv)
    if args.methods:
        methods_table(args)
    else:
        against_scipy(args)


if __name__ == "__main__":
    main()
