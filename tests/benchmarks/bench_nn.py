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
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_rmt import ratio, run  # noqa: E402  (a sibling script, not a package)

from fields.nn import MLP, Autoencoder  # noqa: E402


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


def main(argv=None) -> None:
    run(rows, __doc__, argv)


if __name__ == "__main__":
    main()
