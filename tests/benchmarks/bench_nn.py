"""Benchmark table for the networks of :mod:`fields.nn`: hvp against grad, and against torch.

Run from the repository root::

    OPENBLAS_NUM_THREADS=1 python tests/benchmarks/bench_nn.py [--repeats 7]

Rows 1-4: one Hessian-vector product (Pearlmutter's R-operator) and one Gauss–Newton product
against one gradient of the same network on the same minibatch, back to back
(``bench_rmt.ratio``: median of per-pair ratios); the issue's target is hvp <= 2.5 grad.
Rows 5-6, only where ``torch`` is installed (an optional benchmark dependency, CPU build): our
``grad`` and ``hvp`` against ``torch.func.grad`` and ``torch.func.jvp(grad)`` (forward-over-
reverse) for the same MLP, the same data and parameters in float64, torch pinned to the
same number of threads; target within 2x. Not a test: nothing here asserts.

The threads table (issue 11), with OpenBLAS at its default threads (do not set
``OPENBLAS_NUM_THREADS``; run on a machine as quiet as you can)::

    python tests/benchmarks/bench_nn.py --threads [--repeats 3]

times the loops the library now runs on one BLAS thread (``rmt._threads.small_products``:
``dim <= 2**22``) with the rule on against the same calls with the rule off, in the same
process, back to back: 200 minibatch gradients of the CURVES autoencoder (batch 200) as
``optim.train`` takes them, ``optim.train`` itself for those 200 steps, and the tour's SLQ call
(``rmt.spectral_density`` of the digits MLP 64-32-10, 10 probes of 80 steps). A ratio below 1
is the gain (rule on / rule off).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_rmt import ratio, run  # noqa: E402  (a sibling script, not a package)

import fields  # noqa: E402
import optim  # noqa: E402
import rmt  # noqa: E402
from fields.nn import MLP, Autoencoder  # noqa: E402
from rmt import _threads  # noqa: E402


def _digits_like(n: int, rng):
    x = rng.uniform(size=(n, 64))
    return x, rng.integers(0, 10, n)


def _torch_functions(net: MLP):
    """``grad`` and ``hvp`` of the same tanh / softmax cross-entropy MLP by torch.func."""
    import torch
    from torch.func import grad, jvp

    torch.set_num_threads(max(1, int(__import__("os").environ.get("OPENBLAS_NUM_THREADS",
                                                                      "1"))))
    x, y = (torch.from_numpy(np.array(a)) for a in net.data)
    shapes = [(n_in, n_out) for n_in, n_out in zip(net.layers[:-1], net.layers[1:],
                                                      strict=True)]

    def loss(w):
        a, start = x, 0
        for i, (n_in, n_out) in enumerate(shapes):
            weight = w[start:start + n_in * n_out].reshape(n_in, n_out)
            start += n_in * n_out
            bias = w[start:start + n_out]
            start += n_out
            a = a @ weight + bias
            if i < len(shapes) - 1:
                a = torch.tanh(a)
        return torch.nn.functional.cross_entropy(a, y)

    g = grad(loss)

    def hvp(w, v):
        return jvp(g, (w,), (v,))[1]

    return g, hvp


def rows(repeats: int):
    rng = np.random.default_rng(0)
    x, y = _digits_like(1797, rng)
    cases = {
        "MLP 64-32-10, tanh, 1797 examples": MLP([64, 32, 10], data=(x, y), rng=0),
        "MLP 64-32-10, tanh, minibatch 256": MLP([64, 32, 10], data=(x[:256], y[:256]),
                                                 rng=0),
        "MLP 100-200-10 (talk's size, ~22k parameters), 1000 examples": MLP(
            [100, 200, 10], data=(rng.uniform(size=(1000, 100)), rng.integers(0, 10, 1000)),
            rng=0),
        "CURVES autoencoder 784-400-...-6-...-784, minibatch 200": Autoencoder(
            rng.uniform(size=(200, 784)), rng=0),
    }
    for name, net in cases.items():
        w, v = net.w0, rng.standard_normal(net.dim)
        yield (f"{name}: hvp", "grad", "<= 2.5",
               ratio(lambda net=net, w=w, v=v: net.hvp(w, v), lambda net=net, w=w: net.grad(w),
                     repeats))
    for name in list(cases)[:1] + list(cases)[2:3]:
        net = cases[name]
        w, v = net.w0, rng.standard_normal(net.dim)
        yield (f"{name}: gvp", "grad", "(info)",
               ratio(lambda net=net, w=w, v=v: net.gvp(w, v), lambda net=net, w=w: net.grad(w),
                     repeats))
    try:
        import torch
    except ImportError:
        print("torch is not installed: the torch.func rows are skipped", file=sys.stderr)
        return
    for name in list(cases)[:1] + list(cases)[2:3]:
        net = cases[name]
        w, v = net.w0, rng.standard_normal(net.dim)
        tg, thvp = _torch_functions(net)
        tw, tv = torch.from_numpy(w.copy()), torch.from_numpy(v)
        np.testing.assert_allclose(tg(tw).numpy(), net.grad(w), rtol=1e-8, atol=1e-12)
        np.testing.assert_allclose(thvp(tw, tv).numpy(), net.hvp(w, v), rtol=1e-7, atol=1e-10)
        yield (f"{name}: grad", "torch.func.grad", "<= 2",
               ratio(lambda net=net, w=w: net.grad(w), lambda tg=tg, tw=tw: tg(tw), repeats))
        yield (f"{name}: hvp", "torch.func.jvp(grad)", "<= 2",
               ratio(lambda net=net, w=w, v=v: net.hvp(w, v),
                     lambda thvp=thvp, tw=tw, tv=tv: thvp(tw, tv), repeats))


class _RuleOff:
    """The BLAS-thread rule switched off: every loop at the caller's (default) threads."""

    def __enter__(self):
        self._saved = _threads.SMALL_PRODUCTS_MAX_DIM
        _threads.SMALL_PRODUCTS_MAX_DIM = -1

    def __exit__(self, *exc):
        _threads.SMALL_PRODUCTS_MAX_DIM = self._saved


def _rule_off(fn):
    def off():
        with _RuleOff():
            return fn()
    return off


def threads_rows(repeats: int):
    """Rule on (one BLAS thread in loops of small products) against rule off, same process."""
    print(f"BLAS: {[(lib['internal_api'], lib['num_threads']) for lib in threadpool_info()]}; "
          f"load average {os.getloadavg()}", file=sys.stderr)
    rng = np.random.default_rng(0)
    ae = Autoencoder(rng.uniform(size=(2000, 784)), rng=0)
    w = ae.w0

    def gradients():
        gen = np.random.default_rng(1)
        with _threads.small_products(ae.dim):  # as optim.train runs its steps
            for _ in range(200):
                ae.minibatch(200, rng=gen).grad(w)

    yield ("200 minibatch gradients, CURVES autoencoder 784-...-6-...-784, batch 200, rule on",
           "rule off", "< 1", ratio(gradients, _rule_off(gradients), repeats))

    def training():
        optim.train(ae, optim.sgd(1e-3), epochs=20, batch_size=200, rng=0)  # 200 steps

    yield ("optim.train, the same autoencoder, 200 steps of batch 200, rule on", "rule off",
           "< 1", ratio(training, _rule_off(training), repeats))
    x, y = fields.data.load_digits()
    net = MLP([64, 32, 10], activation="tanh", loss="softmax-cross-entropy", data=(x, y), rng=0)

    def slq():
        rmt.spectral_density(lambda u: net.hvp(net.w0, u), net.dim, method="slq", rng=0)

    yield ("the tour's SLQ call, digits MLP 64-32-10 (80 steps x 10 probes), rule on",
           "rule off", "< 1", ratio(slq, _rule_off(slq), repeats))


def main(argv=None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--threads" in argv:
        argv.remove("--threads")
        run(threads_rows, __doc__, argv)
    else:
        run(rows, __doc__, argv)


if __name__ == "__main__":
    main()
