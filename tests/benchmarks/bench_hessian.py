"""Benchmark table for the exact dense Hessian of :class:`fields.nn.MLP` (issue 12).

Run from the repository root (the quick table takes a few minutes; ``--full`` adds the
10,000-example and talk-size rows, about half an hour on 2 cores)::

    python tests/benchmarks/bench_hessian.py [--full] [--no-jax]

For each network (tanh hidden layers, softmax cross-entropy, inputs uniform in [0, 1]) and
``n`` examples, all in the same process and back to back:

* ``hess``: :meth:`fields.nn.MLP.hess`, the block sums of matrix products;
* ``floor``: one numpy product of a ``(P x n)`` by an ``(n x P)`` matrix, the same ``n P^2``
  multiply-adds as summing a dense ``P x P`` matrix over ``n`` examples; the *rate* column is
  ``floor time / hess time`` (above 1: fewer than ``n P^2`` multiply-adds were needed, since
  the symmetric pairs are multiplied once);
* ``R-pass``: the Hessian of version 0.3.0, ``hvp`` (Pearlmutter's R-operator) on blocks of
  unit vectors, then symmetrised; the *speed-up* is its time over ``hess``'s;
* ``jax``: ``jax.hessian`` (forward over reverse) of the same loss in float64 on the CPU,
  jit-compiled, summed over chunks of 100 examples (compilation excluded), when jax is
  installed (``pip install jax``); the last column is its time over ``hess``'s.

The first row also checks that the three Hessians agree (largest difference relative to the
largest entry).

A second table times the dense work on a Hessian of order ``n`` (a GOE matrix: the cost
does not depend on the entries): ``numpy.linalg.eigvalsh``, :func:`rmt.symmetric_eigenvalues`
(LAPACK's two-stage reduction) and :func:`rmt.index` (``L D L^T`` inertia), with ratios to
``eigvalsh``. Not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import rmt
from fields.nn import MLP

#: (layers, examples) of the quick table, then the rows ``--full`` adds.
QUICK = (([100, 45, 10], 1000), ([100, 50, 10], 1000), ([100, 50, 50, 10], 1000),
         ([64, 32, 32, 32, 10], 1000))
FULL = (([100, 45, 10], 10000), ([100, 200, 10], 5000))
#: Orders of the dense-work table, quick and full.
ORDERS, FULL_ORDERS = (2000, 4000), (8000,)
#: Rows whose R-pass and jax Hessians are timed (they take minutes above these sizes).
SLOW_BASELINES_MAX = 1000


def _network(layers, n: int) -> MLP:
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(n, layers[0]))
    return MLP(layers, data=(x, rng.integers(0, layers[-1], n)), rng=0)


def _r_pass_hessian(net: MLP, w: np.ndarray) -> np.ndarray:
    """Version 0.3.0's ``hess``: ``hvp`` on blocks of unit vectors (intermediates kept near
    32 MiB, as it chose them), symmetrised."""
    block = max(1, min(net.dim, 2**22 // (net.n_examples * max(net.layers))))
    h = np.empty((net.dim, net.dim))
    for start in range(0, net.dim, block):
        stop = min(start + block, net.dim)
        units = np.zeros((stop - start, net.dim))
        units[np.arange(stop - start), np.arange(start, stop)] = 1.0
        h[start:stop] = net.hvp(w, units)
    return 0.5 * (h + h.T)


def _jax_hessian(net: MLP):
    """``w -> H`` by ``jax.hessian`` over chunks of 100 examples, and a warm-up call."""
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    x, y = (jnp.asarray(a) for a in net.data)
    shapes = list(zip(net.layers[:-1], net.layers[1:], strict=True))
    n_total = net.n_examples

    def loss(w, xc, yc):
        a, start = xc, 0
        for layer, (n_in, n_out) in enumerate(shapes):
            weights = w[start:start + n_in * n_out].reshape(n_in, n_out)
            bias = w[start + n_in * n_out:start + (n_in + 1) * n_out]
            start += (n_in + 1) * n_out
            a = a @ weights + bias
            if layer < len(shapes) - 1:
                a = jnp.tanh(a)
        logp = jax.nn.log_softmax(a, axis=1)
        return -jnp.sum(jnp.take_along_axis(logp, yc[:, None], axis=1)) / n_total

    hessian = jax.jit(jax.hessian(loss))
    chunk = 100

    def hess(w):
        w = jnp.asarray(w)
        total = None
        for s in range(0, n_total, chunk):
            part = hessian(w, x[s:s + chunk], y[s:s + chunk])
            total = part if total is None else total + part
        return np.asarray(total.block_until_ready())

    hessian(jnp.asarray(net.w0), x[:chunk], y[:chunk]).block_until_ready()  # compile
    return hess


def _timed(fn, *args):
    start = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - start


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="add the large rows")
    parser.add_argument("--no-jax", action="store_true", help="skip the jax column")
    args = parser.parse_args(argv)
    use_jax = not args.no_jax
    if use_jax:
        try:
            import jax  # noqa: F401
        except ImportError:
            use_jax = False
    print("| layers | P | n | hess | floor | rate (floor / hess) | R-pass (0.3.0) | "
          "speed-up | jax.hessian | jax / hess |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for first, (layers, n) in enumerate(QUICK + (FULL if args.full else ())):
        net = _network(layers, n)
        w = net.w0
        rng = np.random.default_rng(1)
        h, t_hess = _timed(net.hess, w)
        left, right = rng.standard_normal((net.dim, n)), rng.standard_normal((n, net.dim))
        _, t_floor = _timed(np.matmul, left, right)
        del left, right
        cells = [f"{t_hess:.2f} s", f"{t_floor:.2f} s", f"{t_floor / t_hess:.2f}"]
        checks = []
        if n <= SLOW_BASELINES_MAX:
            ref, t_r = _timed(_r_pass_hessian, net, w)
            cells += [f"{t_r:.2f} s", f"{t_r / t_hess:.1f}"]
            checks.append(np.abs(ref - h).max() / np.abs(ref).max())
        else:
            cells += ["-", "-"]
        if use_jax and n <= SLOW_BASELINES_MAX:
            hj = _jax_hessian(net)
            ref, t_j = _timed(hj, w)
            cells += [f"{t_j:.2f} s", f"{t_j / t_hess:.1f}"]
            checks.append(np.abs(ref - h).max() / np.abs(ref).max())
        else:
            cells += ["-", "-"]
        print(f"| {'-'.join(map(str, layers))} | {net.dim} | {n} | " + " | ".join(cells) + " |",
              flush=True)
        if first == 0 and checks:
            print(f"<!-- largest difference from hess / largest entry: "
                  f"{', '.join(f'{c:.1e}' for c in checks)} -->", flush=True)
        del h
    print()
    print("| order n | eigvalsh | symmetric_eigenvalues | eigvalsh / it | index | "
          "eigvalsh / index |")
    print("| --- | --- | --- | --- | --- | --- |")
    for n in ORDERS + (FULL_ORDERS if args.full else ()):
        matrix = rmt.goe(n, rng=0)
        _, t_numpy = _timed(np.linalg.eigvalsh, matrix)
        _, t_two = _timed(rmt.symmetric_eigenvalues, matrix)
        _, t_index = _timed(rmt.index, matrix)
        print(f"| {n} | {t_numpy:.2f} s | {t_two:.2f} s | {t_numpy / t_two:.1f} | "
              f"{t_index:.2f} s | {t_numpy / t_index:.1f} |", flush=True)


if __name__ == "__main__":
    main()
