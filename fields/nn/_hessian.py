r"""The exact dense Hessian of a fully connected network as sums of matrix products (BLAS-3).

Notation of :mod:`fields.nn.mlp`: layer ``l`` maps its input :math:`a_l` (with :math:`a_0 = x`)
to :math:`z_l = a_l W_l + b_l`, and :math:`a_{l+1} = \phi_l(z_l)`. Writing
:math:`\tilde a_l = (a_l, 1)`, the parameters of layer ``l`` are the rows of
:math:`(W_l; b_l)`, flattened row-major: parameter ``(a, j)`` multiplies :math:`\tilde a_{l,a}`
into unit ``j`` of :math:`z_l`. For one example, with :math:`g_l = \partial \ell / \partial z_l`
and the *pre-activation Hessians* :math:`H_l = \partial^2 \ell / \partial z_l^2` (Botev,
Ritter & Barber 2017, ICML, "Practical Gauss-Newton optimisation for deep learning", eq. 8),

.. math:: H_{L-1} = \ell''(z_{L-1}), \qquad
          H_{l} = D_l W_{l+1} H_{l+1} W_{l+1}^T D_l
          + \operatorname{diag}\bigl(\phi_l''(z_l) \odot W_{l+1} g_{l+1}\bigr),
          \quad D_l = \operatorname{diag} \phi_l'(z_l),

the blocks of the Hessian are, for ``l = m`` and ``l < m``,

.. math:: \frac{\partial^2 \ell}{\partial (W_l)_{aj} \partial (W_l)_{bk}}
          = \tilde a_{l,a} \tilde a_{l,b} (H_l)_{jk}, \qquad
          \frac{\partial^2 \ell}{\partial (W_l)_{aj} \partial (W_m)_{bk}}
          = \tilde a_{l,a} \tilde a_{m,b} (T_{lm})_{jk}
          + \tilde a_{l,a} (g_m)_k (S_{lm})_{bj},

with :math:`T_{lm} = J_{m \leftarrow l}^T H_m`, :math:`J_{m \leftarrow l} = \partial z_m /
\partial z_l` (so :math:`T_{mm} = H_m` and :math:`T_{lm} = D_l W_{l+1} T_{l+1, m}`) and
:math:`S_{lm} = \partial a_m / \partial z_l` (:math:`D_l` when ``m = l + 1``). The first
follows from :math:`\partial \ell / \partial (W_l)_{aj} = \tilde a_{l,a} (g_l)_j` because
:math:`a_l` does not depend on :math:`W_l`; the second by differentiating
:math:`\tilde a_{m,b} (g_m)_k` along :math:`z_l`.

Summed over examples, each block is one matrix product: the diagonal block of layer ``l`` is
:math:`\sum_i (\tilde a_i \tilde a_i^T) \otimes H_{l,i}`, the product :math:`A^T B` of the
``(n, d^2)`` matrix of the pairs :math:`\tilde a_{i,a} \tilde a_{i,b}` with the
``(n, h^2)`` matrix of the entries of :math:`H_{l,i}` -- and both factors are symmetric in
their pair, so only the pairs ``a <= b`` and ``j <= k`` are multiplied: a quarter of the
``n P_l^2`` multiply-adds of the block. The products accumulate in place (``dgemm`` with
``beta = 1``) over chunks of examples, and the results are scattered into the Hessian's
parameter order at the end. The weight decay adds :math:`\lambda I`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import blas

from .activations import activate, second_derivative
from .losses import loss_and_delta, output_hessian

#: Elements of the per-chunk work arrays (the factors of the block products): 256 MiB.
_CHUNK_ELEMENTS = 2**25
#: Fewest examples per chunk (so the block products' inner dimension keeps BLAS-3 efficient).
_MIN_CHUNK = 64


def _pairs(n: int) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray]:
    """The pairs ``a <= b`` of ``range(n)`` (row-major upper triangle) and the symmetric
    ``(n, n)`` map from ``(a, b)`` to the index of its pair."""
    upper = np.triu_indices(n)
    index = np.empty((n, n), dtype=np.intp)
    count = np.arange(len(upper[0]))
    index[upper] = count
    index[upper[1], upper[0]] = count
    return upper, index


def _accumulate(c: np.ndarray, a: np.ndarray, b: np.ndarray) -> None:
    """``c += a^T b`` in place (one ``dgemm``; ``a``, ``b``, ``c`` C-contiguous float64)."""
    # c^T is Fortran-ordered, so BLAS writes into c itself: c^T += b^T a.
    out = blas.dgemm(1.0, b.T, a.T, beta=1.0, c=c.T, trans_b=1, overwrite_c=True)
    if not np.shares_memory(out, c):  # pragma: no cover - a BLAS that copied c
        c[...] = out.T


def _augment(a: np.ndarray) -> np.ndarray:
    return np.concatenate([a, np.ones((a.shape[0], 1))], axis=1)


def _outer_rows(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Row-wise outer products flattened: ``out[i, p * v.shape[1] + q] = u[i, p] v[i, q]``."""
    return (u[:, :, None] * v[:, None, :]).reshape(len(u), -1)


@dataclass
class _Chunk:
    """Per-example quantities of a chunk of examples."""

    inputs: list[np.ndarray]            # augmented inputs (rows, n_in + 1) of every layer
    d1: list[np.ndarray]                # phi'(z_l) of every hidden layer (ones for linear)
    g: list[np.ndarray]                 # dl/dz_l (with the 1/n of the mean), every layer
    h: list[np.ndarray]                 # pre-activation Hessians (rows, n_out, n_out)


def _chunk(params, activations, loss: str, x: np.ndarray, t: np.ndarray,
           n_total: int) -> _Chunk:
    rows = x.shape[0]
    last = len(params) - 1
    a, inputs, d1s, d2s = x, [], [], []
    for layer, (w, b) in enumerate(params):
        inputs.append(_augment(a))
        z = a @ w
        z += b
        if layer == last:
            break
        a, d1 = activate(activations[layer], z)
        d2s.append(second_derivative(activations[layer], a, d1))
        d1s.append(np.ones_like(z) if d1 is None else d1)
    _, delta, p = loss_and_delta(loss, z, t)
    delta *= rows / n_total
    g = [None] * len(params)
    h = [None] * len(params)
    g[last] = delta
    h[last] = output_hessian(loss, p) / n_total
    for layer in range(last, 0, -1):
        w = params[layer][0]
        n_in, n_out = w.shape
        e = g[layer] @ w.T
        g[layer - 1] = e * d1s[layer - 1]
        # W H W^T for every example: two 2-D products over the stacked examples.
        wh = (w @ h[layer].transpose(1, 0, 2).reshape(n_out, rows * n_out))
        wh = wh.reshape(n_in, rows, n_out).transpose(1, 0, 2).reshape(rows * n_in, n_out)
        hz = (wh @ w.T).reshape(rows, n_in, n_in)
        d1 = d1s[layer - 1]
        hz *= d1[:, :, None]
        hz *= d1[:, None, :]
        d2 = d2s[layer - 1]
        if d2 is not None:
            diag = np.arange(n_in)
            hz[:, diag, diag] += d2 * e
        h[layer - 1] = hz
    return _Chunk(inputs, d1s, g, h)


class _Accumulators:
    """The block products of every pair of layers ``l <= m``, summed over chunks."""

    def __init__(self, weights: list[np.ndarray]):
        self.weights = weights
        self.shapes = shapes = [w.shape for w in weights]
        self.in_pairs = [_pairs(n_in + 1) for n_in, _ in shapes]
        self.out_pairs = [_pairs(n_out) for _, n_out in shapes]
        self.diag = [np.zeros((len(ip[0][0]), len(op[0][0])))
                     for ip, op in zip(self.in_pairs, self.out_pairs, strict=True)]
        self.cross: dict[tuple[int, int], np.ndarray] = {}
        self.explicit: dict[tuple[int, int], np.ndarray] = {}
        for l_, (n_in_l, n_l) in enumerate(shapes):
            for m in range(l_ + 1, len(shapes)):
                n_in_m, n_m = shapes[m]
                self.cross[l_, m] = np.zeros(((n_in_l + 1) * (n_in_m + 1), n_l * n_m))
                width = n_l if m == l_ + 1 else n_in_m * n_l
                self.explicit[l_, m] = np.zeros(((n_in_l + 1) * n_m, width))

    @staticmethod
    def elements(shapes: list[tuple[int, int]]) -> tuple[int, int]:
        """Elements of the accumulators, and of the work arrays per example."""
        total, per_example = 0, 0
        for l_, (n_in_l, n_l) in enumerate(shapes):
            pin, pout = (n_in_l + 1) * (n_in_l + 2) // 2, n_l * (n_l + 1) // 2
            total += pin * pout
            per_example = max(per_example, pin + pout + n_l * n_l)
            for m in range(l_ + 1, len(shapes)):
                n_in_m, n_m = shapes[m]
                width = n_l if m == l_ + 1 else n_in_m * n_l
                total += (n_in_l + 1) * (n_in_m + 1) * n_l * n_m + (n_in_l + 1) * n_m * width
                per_example = max(per_example, (n_in_l + 1) * (n_in_m + 1) + n_l * n_m
                                  + (n_in_l + 1) * n_m + width)
        return total, per_example

    def add(self, c: _Chunk) -> None:
        n_layers = len(self.shapes)
        for l_ in range(n_layers):
            (ia, ib), _ = self.in_pairs[l_]
            (ij, ik), _ = self.out_pairs[l_]
            a = c.inputs[l_]
            # np.take: several times faster than a[:, ia] for gathering columns.
            _accumulate(self.diag[l_], np.take(a, ia, axis=1) * np.take(a, ib, axis=1),
                        np.take(c.h[l_].reshape(len(a), -1), ij * len(c.h[l_][0]) + ik,
                                axis=1))
            # T_{l m} = D_l W_{l+1} T_{l+1, m}, from T_{m m} = H_m down to l; likewise the
            # Jacobian J_{m-1 <- l} of S_{l m} = D_{m-1} J_{m-1 <- l}, upwards from J_{l <- l}.
            jac = None
            for m in range(l_ + 1, n_layers):
                t = c.h[m]
                for k in range(m - 1, l_ - 1, -1):
                    t = c.d1[k][:, :, None] * np.matmul(self.weights[k + 1], t)
                _accumulate(self.cross[l_, m], _outer_rows(a, c.inputs[m]),
                            t.reshape(len(t), -1))
                left = _outer_rows(a, c.g[m])
                if m == l_ + 1:
                    _accumulate(self.explicit[l_, m], left, c.d1[l_])
                else:
                    w = self.weights[m - 1]
                    step = np.matmul(w.T, c.d1[m - 2][:, :, None] * (
                        jac if jac is not None else np.eye(self.shapes[l_][1])))
                    jac = step
                    s = c.d1[m - 1][:, :, None] * jac
                    _accumulate(self.explicit[l_, m], left, s.reshape(len(s), -1))


def _scatter(acc: _Accumulators, offsets: list[int], out: np.ndarray) -> None:
    """Write the accumulated blocks into ``out`` in the parameters' order (both triangles)."""
    shapes = acc.shapes
    for l_, (n_in_l, n_l) in enumerate(shapes):
        d_l = n_in_l + 1
        start = offsets[l_]
        width_l = d_l * n_l
        _, pair_in = acc.in_pairs[l_]
        _, pair_out = acc.out_pairs[l_]
        diag = acc.diag[l_]
        for a in range(d_l):
            block = np.take(np.take(diag, pair_in[a], axis=0), pair_out, axis=1)  # [b, j, k]
            rows = slice(start + a * n_l, start + (a + 1) * n_l)
            out[rows, start:start + width_l] = block.transpose(1, 0, 2).reshape(n_l, width_l)
        for m in range(l_ + 1, len(shapes)):
            n_in_m, n_m = shapes[m]
            d_m = n_in_m + 1
            col = offsets[m]
            cross = acc.cross[l_, m].reshape(d_l, d_m, n_l, n_m)
            explicit = acc.explicit[l_, m]
            units = np.arange(n_l)
            for a in range(d_l):
                rows = slice(start + a * n_l, start + (a + 1) * n_l)
                tile = cross[a].transpose(1, 0, 2).copy()                   # [j, b, k]
                e = explicit[a * n_m:(a + 1) * n_m]                         # [k, ...]
                if m == l_ + 1:
                    tile[units, units, :] += e.T                            # b = j
                else:
                    tile[:, :n_in_m, :] += e.reshape(n_m, n_in_m, n_l).transpose(2, 1, 0)
                out[rows, col:col + d_m * n_m] = tile.reshape(n_l, d_m * n_m)
            out[col:col + d_m * n_m, start:start + width_l] = (
                out[start:start + width_l, col:col + d_m * n_m].T)


def workspace_bytes(shapes: list[tuple[int, int]], n_examples: int,
                    chunk: int | None = None) -> tuple[int, int]:
    """Bytes of the accumulators and of one chunk's work arrays, and the chunk's size
    (given, or the default that keeps the work arrays near ``_CHUNK_ELEMENTS``)."""
    total, per_example = _Accumulators.elements(shapes)
    if chunk is None:
        chunk = max(_MIN_CHUNK, _CHUNK_ELEMENTS // max(per_example, 1))
    chunk = min(chunk, n_examples)
    return 8 * (total + 2 * chunk * per_example), chunk


def dense_hessian(params, activations, loss: str, x: np.ndarray, t: np.ndarray,
                  offsets: list[int], weight_decay: float, out: np.ndarray,
                  chunk: int) -> None:
    """Fill ``out`` (``(dim, dim)``, float64 or float32) with the exact Hessian."""
    acc = _Accumulators([w for w, _ in params])
    n = x.shape[0]
    for start in range(0, n, chunk):
        stop = min(start + chunk, n)
        acc.add(_chunk(params, activations, loss, x[start:stop], t[start:stop], n))
    _scatter(acc, offsets, out)
    if weight_decay:
        diag = np.arange(out.shape[0])
        out[diag, diag] += weight_decay
