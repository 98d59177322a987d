r"""Fully connected networks as surfaces over one flat parameter vector.

A network with layer sizes :math:`n_0, n_1, \dots, n_L` maps a row of inputs
:math:`a_0 = x` through affine layers and elementwise activations,

.. math:: z_l = a_l W_l + b_l, \qquad a_{l+1} = \phi_l(z_l) \quad (l < L - 1),
          \qquad z_{L-1} = \text{the output},

and its loss is the mean over the ``n`` examples of a matching output loss
(:mod:`fields.nn.losses`) plus an optional weight decay :math:`\frac{\lambda}{2} |w|^2`. The
parameter vector ``w`` holds, layer by layer, ``W_l`` (``n_l x n_{l+1}``, row-major) and then
``b_l``.

**Derivatives, all exact.**

* Gradient: back-propagation, :math:`\delta_{L-1} = \partial L / \partial z_{L-1}`,
  :math:`\nabla_{W_l} = a_l^T \delta_l`, :math:`\nabla_{b_l} = 1^T \delta_l`,
  :math:`\delta_{l-1} = (\delta_l W_l^T) \odot \phi'(z_{l-1})`.
* Hessian-vector product: Pearlmutter's R-operator (Pearlmutter 1994, Neural Computation 6,
  147), :math:`\mathcal R\{\cdot\} = \frac{d}{dr} (\cdot)(w + r v)|_{r=0}` applied to every
  line of the forward and backward passes, with directions :math:`(V_l, c_l)`:

  .. math:: \mathcal R z_l = \mathcal R a_l\, W_l + a_l V_l + c_l, \qquad
            \mathcal R a_{l+1} = \phi'(z_l) \odot \mathcal R z_l, \qquad
            \mathcal R \delta_{L-1} = \tfrac1n \ell''(z_{L-1}) \mathcal R z_{L-1},

  .. math:: \mathcal R \nabla_{W_l} = \mathcal R a_l^T \delta_l + a_l^T \mathcal R \delta_l,
            \qquad
            \mathcal R \delta_{l-1} = (\mathcal R \delta_l W_l^T + \delta_l V_l^T) \odot
            \phi'(z_{l-1}) + (\delta_l W_l^T) \odot \phi''(z_{l-1}) \odot \mathcal R z_{l-1}.

  One forward pass, one R-forward pass, one backward and one R-backward: about three times
  the matrix products of a gradient in a deep net, twice in a net whose first layer dominates
  (measured ratios in the README).
* Gauss–Newton-vector product :math:`G v = J^T \ell'' J v / n + \lambda v` (Schraudolph 2002,
  Neural Computation 14, 1723): the R-forward pass, then the output Hessian, then an ordinary
  backward pass; positive semi-definite for the convex losses here.
* Hessian: block by block, each block a sum over examples of Kronecker products of the
  layers' inputs with the pre-activation Hessians (Botev, Ritter & Barber 2017), one matrix
  product per block (:mod:`fields.nn._hessian`); its memory and that of its block sums are
  stated (and checked) before they are allocated.
"""

from __future__ import annotations

import copy
import logging
import numbers
from collections.abc import Iterator, Sequence

import numpy as np
from numpy.typing import ArrayLike

from rmt._validation import check_int, check_real_array, check_vector, memory_limit
from rmt.random import as_generator

from .._limits import check_memory
from . import _hessian
from .activations import ACTIVATIONS, activate, second_derivative
from .init import INITS, initial_layer
from .losses import LOSSES, loss_and_delta, output_hessian_product, predictions

__all__ = ["MLP"]

_log = logging.getLogger(__name__)

#: Default ceiling on the memory of a dense Hessian (bytes): 4 GiB.
DEFAULT_MAX_MEMORY = 4 * 2**30


def _check_layers(layers) -> tuple[int, ...]:
    if isinstance(layers, (str, bytes)) or not isinstance(layers, Sequence):
        raise TypeError(f"layers must be a sequence of layer sizes; got {layers!r}")
    sizes = tuple(check_int(f"layers[{i}]", n, 1) for i, n in enumerate(layers))
    if len(sizes) < 2:
        raise ValueError(f"layers needs at least an input and an output size; got {sizes}")
    n_params = sum((n_in + 1) * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True))
    check_memory("layers", 16 * n_params,
                 f"the {n_params} parameters of layers {list(sizes)} (w0 and its layers)")
    return sizes


def _check_dtype(dtype) -> np.dtype:
    """The storage type of a dense Hessian: float64 or float32 (not None, which numpy reads
    as float64)."""
    try:
        out = None if dtype is None else np.dtype(dtype)
    except TypeError:
        out = None
    if out is None or out not in (np.dtype(np.float64), np.dtype(np.float32)):
        raise (TypeError if out is None else ValueError)(
            f"dtype must be numpy.float64 or numpy.float32; got {dtype!r}")
    return out


def _check_activations(activation, n_hidden: int) -> tuple[str, ...]:
    if isinstance(activation, str):
        names = (activation,) * max(n_hidden, 1)  # checked even when no layer uses it
    elif isinstance(activation, Sequence):
        names = tuple(activation)
        if len(names) != n_hidden:
            raise ValueError(f"activation must be one name or one per hidden layer "
                             f"({n_hidden}); got {len(names)} names")
    else:
        raise TypeError(f"activation must be a name or a sequence of names; got {activation!r}")
    for name in names:
        if name not in ACTIVATIONS:
            raise ValueError(f"unknown activation {name!r}; expected one of {ACTIVATIONS}")
    return names[:n_hidden]


def _check_data(data, loss: str, n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(data, tuple) or len(data) != 2:
        raise TypeError("data must be a pair (inputs, targets)")
    x = check_real_array("data inputs", data[0])
    if x.ndim != 2 or x.shape[0] < 1:
        raise ValueError(f"data inputs must be a non-empty 2-D array (examples x features); "
                         f"got shape {x.shape}")
    if x.shape[1] != n_in:
        raise ValueError(f"data inputs have {x.shape[1]} features but layers[0] = {n_in}")
    n = x.shape[0]
    if loss == "softmax-cross-entropy":
        y = np.asarray(data[1])
        if y.dtype.kind not in "iu" and not (
                y.dtype.kind == "f" and np.all(np.isfinite(y)) and np.all(y == np.round(y))):
            raise TypeError(f"data labels must be integers for loss {loss!r}; got dtype "
                            f"{y.dtype}")
        if y.shape != (n,):
            raise ValueError(f"data labels must have shape ({n},), one per example; got "
                             f"{y.shape}")
        y = y.astype(np.int64)
        if y.size and (y.min() < 0 or y.max() >= n_out):
            raise ValueError(f"data labels must lie in [0, {n_out}) (layers[-1] = {n_out} "
                             f"classes); "
                             f"got labels from {y.min()} to {y.max()}")
        return np.ascontiguousarray(x), y
    t = check_real_array("data targets", data[1])
    if t.ndim == 1 and n_out == 1:
        t = t[:, None]
    if t.shape != (n, n_out):
        raise ValueError(f"data targets must have shape ({n}, {n_out}) for loss {loss!r}; "
                         f"got {t.shape}")
    if loss == "logistic-cross-entropy" and (t.min() < 0 or t.max() > 1):
        raise ValueError("data targets must lie in [0, 1] for the logistic cross-entropy")
    return np.ascontiguousarray(x), np.ascontiguousarray(t)


class MLP:
    r"""A fully connected network's training loss as a surface over its parameters.

    Parameters
    ----------
    layers : sequence of int
        Layer sizes ``[n_inputs, hidden..., n_outputs]``, each ``>= 1``. Refused before any
        work when the parameters (``16`` bytes each: ``w0`` and its layers) would exceed
        4 GiB.
    activation : str or sequence of str, default "tanh"
        Activation of the hidden layers (one name for all, or one per hidden layer), from
        :data:`fields.nn.ACTIVATIONS`. The output layer is affine; the loss supplies its
        non-linearity.
    loss : str, default "softmax-cross-entropy"
        One of :data:`fields.nn.LOSSES`.
    data : tuple (inputs, targets)
        Inputs of shape ``(n, layers[0])``; integer labels in ``[0, layers[-1])`` of shape
        ``(n,)`` for the softmax loss, targets of shape ``(n, layers[-1])`` otherwise (in
        ``[0, 1]`` for the logistic cross-entropy).
    init : {"glorot", "sparse"}, default "glorot"
        Rule for the initial parameters :attr:`w0` (:mod:`fields.nn.init`).
    weight_decay : float, default 0
        ``lambda >= 0`` of the term ``lambda |w|^2 / 2`` added to the loss.
    rng : None, int, SeedSequence or Generator
        Source of :attr:`w0`, drawn once here (the surface itself is deterministic).

    Notes
    -----
    A network is a :class:`fields.DataSurface`: besides the surface members it has
    :attr:`n_examples`, :attr:`w0`, :meth:`minibatch`, :meth:`batches` and
    :meth:`task_error` (the classification error rate for the softmax loss, NaN for the
    others). Every method taking ``w`` refuses a vector of the wrong length or with NaN/Inf. The
    module docstring gives the back-propagation and R-operator recursions; sources:
    Rumelhart, Hinton & Williams (1986); Pearlmutter (1994); Schraudolph (2002).

    Examples
    --------
    >>> import numpy as np
    >>> from fields.nn import MLP
    >>> rng = np.random.default_rng(0)
    >>> x, y = rng.standard_normal((20, 3)), rng.integers(0, 2, 20)
    >>> net = MLP([3, 4, 2], data=(x, y), rng=0)
    >>> net.dim
    26
    >>> w, v = net.w0, rng.standard_normal(net.dim)
    >>> bool(np.allclose(net.hvp(w, v), net.hess(w) @ v))
    True
    """

    def __init__(self, layers: Sequence[int], activation: str | Sequence[str] = "tanh",
                 loss: str = "softmax-cross-entropy",
                 data: tuple[ArrayLike, ArrayLike] | None = None, *, init: str = "glorot",
                 weight_decay: float = 0.0, rng=None):
        self._layers = _check_layers(layers)
        self._activations = _check_activations(activation, len(self._layers) - 2)
        if not isinstance(loss, str) or loss not in LOSSES:
            raise ValueError(f"unknown loss {loss!r}; expected one of {LOSSES}")
        self._loss = loss
        if not isinstance(init, str) or init not in INITS:
            raise ValueError(f"init must be one of {INITS}; got {init!r}")
        if isinstance(weight_decay, bool) or not isinstance(weight_decay, numbers.Real) \
                or not np.isfinite(weight_decay) or weight_decay < 0:
            raise ValueError(f"weight_decay must be a finite number >= 0; got {weight_decay!r}")
        self._weight_decay = float(weight_decay)
        if data is None:
            raise TypeError("data=(inputs, targets) is required")
        self._x, self._t = _check_data(data, loss, self._layers[0], self._layers[-1])
        self._init = init
        self._shapes = list(zip(self._layers[:-1], self._layers[1:], strict=True))
        offsets = [0]
        for n_in, n_out in self._shapes:
            offsets.append(offsets[-1] + n_in * n_out + n_out)
        self._offsets = offsets
        gen = as_generator(rng)
        acts = (*self._activations, "linear")
        self._w0 = np.concatenate([
            np.concatenate([w.ravel(), b]) for w, b in (
                initial_layer(init, n_in, n_out, act, rng=gen)
                for (n_in, n_out), act in zip(self._shapes, acts, strict=True))
        ])
        self._w0.setflags(write=False)

    # -- description ----------------------------------------------------------------------
    @property
    def dim(self) -> int:
        """Number of parameters."""
        return self._offsets[-1]

    @property
    def layers(self) -> tuple[int, ...]:
        """Layer sizes, input first."""
        return self._layers

    @property
    def activations(self) -> tuple[str, ...]:
        """Activation of each hidden layer."""
        return self._activations

    @property
    def loss(self) -> str:
        """Name of the output loss."""
        return self._loss

    @property
    def weight_decay(self) -> float:
        """``lambda`` of the weight-decay term."""
        return self._weight_decay

    @property
    def n_examples(self) -> int:
        """Number of training examples the loss averages over."""
        return self._x.shape[0]

    @property
    def data(self) -> tuple[np.ndarray, np.ndarray]:
        """The inputs and targets (read-only views)."""
        x, t = self._x.view(), self._t.view()
        x.setflags(write=False)
        t.setflags(write=False)
        return x, t

    @property
    def w0(self) -> np.ndarray:
        """The initial parameters drawn at construction (read-only)."""
        return self._w0

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(layers={list(self._layers)}, "
                f"activation={list(self._activations)}, loss={self._loss!r}, "
                f"n_examples={self.n_examples}, weight_decay={self._weight_decay:g})")

    # -- parameters -----------------------------------------------------------------------
    def unflatten(self, w) -> list[tuple[np.ndarray, np.ndarray]]:
        """The layers' ``(W, b)`` as views into ``w`` (``W`` of shape ``(n_in, n_out)``)."""
        w = check_vector("w", w, self.dim)
        return self._unpack(w)

    def unit_parameters(self, units, *, layer: int = 0) -> np.ndarray:
        """Positions in ``w`` of the parameters of hidden units: their incoming weights and
        bias (column ``j`` of ``W_layer``, ``b_layer[j]``) and their outgoing weights (row
        ``j`` of ``W_{layer+1}``).

        Parameters
        ----------
        units : array_like of int
            Units of hidden layer ``layer``, each in ``[0, layers[layer + 1])``, no repeats
            (may be empty).
        layer : int, default 0
            Hidden layer, ``0 <= layer < len(layers) - 2``.

        Returns
        -------
        ndarray of int64
            Sorted positions, ``n_in + 1 + n_out`` per unit.
        """
        layer = self._check_hidden_layer(layer)
        units = self._check_units(units, layer)
        n_in, n_hidden = self._shapes[layer]
        n_out = self._shapes[layer + 1][1]
        start, nxt = self._offsets[layer], self._offsets[layer + 1]
        per_unit = [np.r_[start + np.arange(n_in) * n_hidden + j, start + n_in * n_hidden + j,
                          nxt + j * n_out + np.arange(n_out)] for j in units]
        return np.sort(np.concatenate(per_unit)) if per_unit else np.zeros(0, np.int64)

    def dead_units(self, w, *, layer: int = 0) -> np.ndarray:
        """The hidden units of ``layer`` whose parameters (:meth:`unit_parameters`) are all
        exactly zero at ``w``: with an activation that maps 0 to 0 they carry no signal, and
        the loss's gradient with respect to them vanishes
        (:func:`fields.nn.dead_unit_eigenvalues`)."""
        w = check_vector("w", w, self.dim)
        layer = self._check_hidden_layer(layer)
        (weights_in, bias_in), (weights_out, _) = self._unpack(w)[layer:layer + 2]
        alive = (np.any(weights_in != 0, axis=0) | (bias_in != 0)
                 | np.any(weights_out != 0, axis=1))
        return np.flatnonzero(~alive)

    def _check_hidden_layer(self, layer) -> int:
        if len(self._layers) < 3:
            raise ValueError("layer: the network has no hidden layer")
        return check_int("layer", layer, 0, maximum=len(self._layers) - 3)

    def _check_units(self, units, layer: int) -> np.ndarray:
        arr = np.asarray(units)
        if arr.ndim != 1 or (arr.size and arr.dtype.kind not in "iu"):
            raise ValueError(f"units must be a 1-D array of integers; got {units!r}")
        arr = arr.astype(np.int64)
        width = self._layers[layer + 1]
        if arr.size and (arr.min() < 0 or arr.max() >= width):
            raise ValueError(f"units must lie in [0, {width}) (hidden layer {layer}); "
                             f"got {units!r}")
        if np.unique(arr).size != arr.size:
            raise ValueError(f"units must not repeat; got {units!r}")
        return arr

    def _unpack(self, w: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        out = []
        for (n_in, n_out), start in zip(self._shapes, self._offsets, strict=False):
            mid = start + n_in * n_out
            out.append((w[..., start:mid].reshape(*w.shape[:-1], n_in, n_out),
                        w[..., mid:mid + n_out]))
        return out

    # -- passes ---------------------------------------------------------------------------
    def _forward(self, params, x):
        acts, d1s = [x], []
        a = x
        last = len(params) - 1
        for layer, (w, b) in enumerate(params):
            z = a @ w
            z += b
            if layer == last:
                return z, acts, d1s
            a, d1 = activate(self._activations[layer], z)
            acts.append(a)
            d1s.append(d1)
        raise AssertionError("unreachable")  # pragma: no cover

    def _backward(self, params, acts, d1s, delta) -> np.ndarray:
        grads = []
        for layer in range(len(params) - 1, -1, -1):
            w, _ = params[layer]
            grads.append(np.concatenate([(acts[layer].T @ delta).ravel(), delta.sum(axis=0)]))
            if layer:
                delta = delta @ w.T
                if d1s[layer - 1] is not None:
                    delta *= d1s[layer - 1]
        return np.concatenate(grads[::-1])

    def _r_forward(self, params, dirs, acts, d1s):
        """``R z_l`` and ``R a_l`` (None for the inputs), shaped (examples, directions, units).

        Keeping the directions in the middle lets every product be one 2-D BLAS call.
        """
        rzs, ras = [], [None]
        ra = None
        last = len(params) - 1
        for layer, ((w, _), (vw, vb)) in enumerate(zip(params, dirs, strict=True)):
            k, n_in, n_out = vw.shape
            rows = acts[layer].shape[0]
            # a_l V_l for every direction at once: V_l side by side, (n_in, k * n_out).
            rz = (acts[layer] @ vw.transpose(1, 0, 2).reshape(n_in, k * n_out)).reshape(
                rows, k, n_out)
            rz += vb
            if ra is not None:
                rz += (ra.reshape(rows * k, n_in) @ w).reshape(rows, k, n_out)
            rzs.append(rz)
            if layer == last:
                break
            ra = rz if d1s[layer] is None else rz * d1s[layer][:, None, :]
            ras.append(ra)
        return rzs, ras

    def _value(self, w: np.ndarray, *, need_delta: bool):
        params = self._unpack(w)
        z, acts, d1s = self._forward(params, self._x)
        value, delta, p = loss_and_delta(self._loss, z, self._t, need_delta=need_delta)
        if self._weight_decay:
            value += 0.5 * self._weight_decay * float(w @ w)
        return value, params, acts, d1s, delta, p

    # -- the surface ----------------------------------------------------------------------
    def value(self, w) -> float:
        """The mean loss over the examples (plus the weight decay)."""
        return self._value(check_vector("w", w, self.dim), need_delta=False)[0]

    def grad(self, w) -> np.ndarray:
        """The gradient by back-propagation."""
        return self.value_and_grad(w)[1]

    def value_and_grad(self, w) -> tuple[float, np.ndarray]:
        """Value and gradient for one forward and one backward pass."""
        w = check_vector("w", w, self.dim)
        value, params, acts, d1s, delta, _ = self._value(w, need_delta=True)
        g = self._backward(params, acts, d1s, delta)
        if self._weight_decay:
            g += self._weight_decay * w
        return value, g

    def hvp(self, w, v) -> np.ndarray:
        """``H v`` by the R-operator (exact); ``v`` may also be a ``(k, dim)`` block."""
        return self._product(w, v, gauss_newton=False)

    def gvp(self, w, v) -> np.ndarray:
        """Gauss–Newton-vector product ``J^T l'' J v / n + lambda v`` (positive semi-definite)."""
        return self._product(w, v, gauss_newton=True)

    def _product(self, w, v, *, gauss_newton: bool) -> np.ndarray:
        w = check_vector("w", w, self.dim)
        v = check_real_array("v", v)
        if v.shape[-1:] != (self.dim,) or v.ndim > 2:
            raise ValueError(f"v must have shape ({self.dim},) or (k, {self.dim}); "
                             f"got {v.shape}")
        out = self._hvp_block(w, v if v.ndim == 2 else v[None], gauss_newton=gauss_newton)
        return out if v.ndim == 2 else out[0]

    def _hvp_block(self, w: np.ndarray, v: np.ndarray, *, gauss_newton: bool) -> np.ndarray:
        """``H v`` (or ``G v``) for the rows of ``v``; R-quantities are (examples, k, units)."""
        _, params, acts, d1s, delta, p = self._value(w, need_delta=True)
        dirs = self._unpack(v)
        rzs, ras = self._r_forward(params, dirs, acts, d1s)
        r_delta = output_hessian_product(self._loss, p[:, None, :], rzs[-1])
        k = v.shape[0]
        rows = self._x.shape[0]
        out = np.empty((k, self.dim))
        for layer in range(len(params) - 1, -1, -1):
            w_l, _ = params[layer]
            n_in, n_out = self._shapes[layer]
            start = self._offsets[layer]
            mid = start + n_in * n_out
            rgw = (acts[layer].T @ r_delta.reshape(rows, k * n_out)).reshape(n_in, k, n_out)
            rgw = rgw.transpose(1, 0, 2)
            if not gauss_newton and ras[layer] is not None:
                rgw = rgw + (ras[layer].reshape(rows, k * n_in).T @ delta).reshape(
                    k, n_in, n_out)
            out[:, start:mid] = rgw.reshape(k, -1)
            out[:, mid:mid + n_out] = r_delta.sum(axis=0)
            if not layer:
                break
            d1 = None if d1s[layer - 1] is None else d1s[layer - 1][:, None, :]
            r_e = (r_delta.reshape(rows * k, n_out) @ w_l.T).reshape(rows, k, n_in)
            if gauss_newton:
                r_delta = r_e
                if d1 is not None:
                    r_delta *= d1
                continue
            vw = dirs[layer][0]  # (k, n_in, n_out); delta V_l^T for every direction at once
            r_e += (delta @ vw.transpose(2, 0, 1).reshape(n_out, k * n_in)).reshape(
                rows, k, n_in)
            e = delta @ w_l.T
            d2 = second_derivative(self._activations[layer - 1], acts[layer], d1s[layer - 1])
            r_delta = r_e
            if d1 is not None:
                r_delta *= d1
            if d2 is not None:
                d2 *= e
                r_delta += d2[:, None, :] * rzs[layer - 1]
            delta = e if d1 is None else e * d1s[layer - 1]
        if self._weight_decay:
            out += self._weight_decay * v
        return out

    def hess_memory(self, dtype: type = np.float64) -> int:
        """Bytes a dense Hessian of this network takes in ``dtype`` (float64 or float32)."""
        return self.dim * self.dim * _check_dtype(dtype).itemsize

    def hess(self, w, *, dtype: type = np.float64, max_memory: int = DEFAULT_MAX_MEMORY,
             chunk: int | None = None) -> np.ndarray:
        r"""The exact Hessian, assembled block by block from matrix products (BLAS-3).

        Parameters
        ----------
        w : array_like, shape (dim,)
            The point.
        dtype : {numpy.float64, numpy.float32}
            Storage type of the result (the products are computed in float64; float32 halves
            the memory of a large Hessian).
        max_memory : int, default 4 GiB
            Refuse (``MemoryError``, stating the size) when the matrix would take more bytes.
        chunk : int, optional
            Examples per pass (default: as many as keep the work arrays near 256 MiB).

        Notes
        -----
        Layer by layer, the Hessian's blocks are sums over examples of Kronecker products of
        the layers' inputs with the pre-activation Hessians of Botev, Ritter & Barber (2017),
        plus, between layers, the terms of the explicit dependence (the module
        :mod:`fields.nn._hessian` gives the formulas). Each block is one matrix product over
        the examples, symmetric pairs multiplied once: for one hidden layer about
        ``n P^2 / 4`` multiply-adds at the speed of ``dgemm`` (README: benchmark). Besides
        the result, the block sums and one chunk's work arrays are allocated
        (:meth:`hess_workspace`); both are checked against the available memory first.
        """
        w = check_vector("w", w, self.dim)
        dtype = _check_dtype(dtype)
        max_memory = check_int("max_memory", max_memory, 1)
        if chunk is not None:
            chunk = check_int("chunk", chunk, 1)
        need = self.hess_memory(dtype)
        if need > max_memory:
            raise MemoryError(
                f"the Hessian of this network ({self.dim} parameters) takes {need / 2**30:.2f} "
                f"GiB in {np.dtype(dtype).name}, above max_memory = {max_memory / 2**30:.2f} "
                f"GiB; pass a larger max_memory or dtype=numpy.float32"
            )
        work, chunk = _hessian.workspace_bytes(self._shapes, self.n_examples, chunk)
        available = memory_limit()
        if need + work > available:
            raise MemoryError(
                f"the Hessian of this network ({need / 2**30:.2f} GiB) and its block sums and "
                f"work arrays ({work / 2**30:.2f} GiB) need more than the "
                f"{available / 2**30:.2f} GiB of memory available"
            )
        _log.info("allocating a %d x %d Hessian: %.3f GiB in %s, and %.3f GiB of block sums",
                  self.dim, self.dim, need / 2**30, np.dtype(dtype).name, work / 2**30)
        h = np.empty((self.dim, self.dim), dtype=dtype)
        _hessian.dense_hessian(self._unpack(w), self._activations, self._loss, self._x,
                               self._t, self._offsets, self._weight_decay, h, chunk)
        return h

    def hess_workspace(self) -> int:
        """Bytes :meth:`hess` allocates besides the result (block sums and work arrays)."""
        return _hessian.workspace_bytes(self._shapes, self.n_examples)[0]

    # -- predictions and minibatches ------------------------------------------------------
    def predict(self, w, inputs: ArrayLike | None = None) -> np.ndarray:
        """Outputs after the loss's non-linearity (class probabilities, intensities, values)."""
        w = check_vector("w", w, self.dim)
        x = self._x if inputs is None else check_real_array("inputs", inputs)
        if x.ndim != 2 or x.shape[1] != self._layers[0]:
            raise ValueError(f"inputs must have shape (n, {self._layers[0]}); got {x.shape}")
        z = self._forward(self._unpack(w), x)[0]
        return predictions(self._loss, z)

    def error_rate(self, w) -> float:
        """Fraction of misclassified training examples (softmax loss only)."""
        if self._loss != "softmax-cross-entropy":
            raise ValueError("error_rate needs the softmax cross-entropy loss (class labels)")
        z = self._forward(self._unpack(check_vector("w", w, self.dim)), self._x)[0]
        return float(np.mean(np.argmax(z, axis=1) != self._t))

    def task_error(self, w) -> float:
        """The error this network defines at ``w`` (the :class:`fields.DataSurface` member).

        The classification error rate (:meth:`error_rate`) for the softmax cross-entropy
        loss; NaN for the other losses, which define no task error of their own (a
        subclass such as :class:`fields.nn.Autoencoder` defines its own).
        """
        w = check_vector("w", w, self.dim)
        if self._loss == "softmax-cross-entropy":
            return self.error_rate(w)
        return float("nan")

    def subset(self, indices: ArrayLike) -> MLP:
        """The same network on the examples ``indices`` (same parameters, same ``w0``)."""
        idx = np.asarray(indices)
        if idx.dtype.kind not in "iu" or idx.ndim != 1 or idx.size == 0:
            raise ValueError("indices must be a non-empty 1-D array of integers")
        if idx.min() < -self.n_examples or idx.max() >= self.n_examples:
            raise ValueError(f"indices must lie in [0, {self.n_examples})")
        view = copy.copy(self)
        view._x, view._t = self._x[idx], self._t[idx]
        return view

    def minibatch(self, size: int, *, rng=None) -> MLP:
        """The network on ``size`` examples drawn without replacement (for stochastic steps)."""
        size = check_int("size", size, 1)
        if size > self.n_examples:
            raise ValueError(f"size must be at most the number of examples "
                             f"({self.n_examples}); got {size}")
        return self.subset(as_generator(rng).choice(self.n_examples, size, replace=False))

    def batches(self, size: int, *, rng=None) -> Iterator[MLP]:
        """One epoch: the examples shuffled and cut into minibatches of ``size`` (last one
        smaller when ``size`` does not divide ``n``). The arguments are checked, and the
        order drawn, at the call (not at the first minibatch)."""
        size = check_int("size", size, 1)
        order = as_generator(rng).permutation(self.n_examples)
        return (self.subset(order[start:start + size])
                for start in range(0, self.n_examples, size))
