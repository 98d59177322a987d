r"""Output losses of a network, each matched to its output non-linearity.

The last layer of a network is affine, :math:`z = a W + b`, and the loss takes the raw outputs
``z`` (the "matching loss" of the output non-linearity, so that the output Hessian
:math:`\partial^2 \ell / \partial z^2` is positive semi-definite; Schraudolph 2002). For ``n``
examples the loss is the mean :math:`L = \frac1n \sum_i \ell(z_i, t_i)` and

* ``softmax-cross-entropy`` (integer label ``t``): :math:`\ell = \log \sum_k e^{z_k} - z_t`,
  :math:`\partial_z \ell = p - e_t` with :math:`p = \mathrm{softmax}(z)`,
  :math:`\partial_z^2 \ell = \mathrm{diag}(p) - p p^T`;
* ``logistic-cross-entropy`` (targets ``t`` in ``[0, 1]``):
  :math:`\ell = \sum_k \log(1 + e^{z_k}) - t_k z_k`, :math:`\partial_z \ell = \sigma(z) - t`,
  :math:`\partial_z^2 \ell = \mathrm{diag}(\sigma(1 - \sigma))`;
* ``squared-error``: :math:`\ell = \tfrac12 |z - t|^2`, :math:`\partial_z \ell = z - t`,
  :math:`\partial_z^2 \ell = I`.

``logistic-cross-entropy`` takes targets in ``[0, 1]`` (pixel intensities of an autoencoder:
Hinton & Salakhutdinov 2006, Martens 2010); its value is the cross-entropy
:math:`-\sum_k t_k \log \sigma_k + (1 - t_k) \log(1 - \sigma_k)` computed stably.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit, log_softmax

__all__ = ["LOSSES", "loss_and_delta", "output_hessian", "output_hessian_product", "predictions"]

#: Names accepted wherever a loss is asked for.
LOSSES = ("softmax-cross-entropy", "logistic-cross-entropy", "squared-error")


def predictions(loss: str, z: np.ndarray) -> np.ndarray:
    """The network's output after the matching non-linearity (probabilities or values)."""
    if loss == "softmax-cross-entropy":
        return np.exp(log_softmax(z, axis=-1))
    if loss == "logistic-cross-entropy":
        return expit(z)
    return z


def loss_and_delta(loss: str, z: np.ndarray, target: np.ndarray, *, need_delta: bool = True):
    r"""Mean loss over the ``n`` rows of ``z`` and ``delta = (1/n) \partial \ell / \partial z``.

    Also returns the predictions ``p`` (needed by :func:`output_hessian_product`).
    ``target`` holds integer labels for the softmax loss and arrays shaped like ``z`` otherwise.
    """
    n = z.shape[0]
    if loss == "softmax-cross-entropy":
        logp = log_softmax(z, axis=-1)
        value = -float(np.mean(logp[np.arange(n), target]))
        if not need_delta:
            return value, None, None
        p = np.exp(logp)
        delta = p.copy()
        delta[np.arange(n), target] -= 1.0
    elif loss == "logistic-cross-entropy":
        value = float(np.sum(np.logaddexp(0.0, z) - target * z)) / n
        if not need_delta:
            return value, None, None
        p = expit(z)
        delta = p - target
    elif loss == "squared-error":
        r = z - target
        value = 0.5 * float(np.sum(r * r)) / n
        if not need_delta:
            return value, None, None
        p, delta = z, r
    else:
        raise ValueError(f"unknown loss {loss!r}; expected one of {LOSSES}")
    delta /= n
    return value, delta, p


def output_hessian(loss: str, p: np.ndarray) -> np.ndarray:
    r"""``\partial^2 \ell / \partial z^2`` of every row: shape ``(n, c, c)`` from ``p`` ``(n, c)``
    (without the ``1/n`` of the mean)."""
    n, c = p.shape
    if loss == "softmax-cross-entropy":
        out = -p[:, :, None] * p[:, None, :]
        out[:, np.arange(c), np.arange(c)] += p
        return out
    out = np.zeros((n, c, c))
    out[:, np.arange(c), np.arange(c)] = p * (1.0 - p) if loss == "logistic-cross-entropy" else 1.0
    return out


def output_hessian_product(loss: str, p: np.ndarray, rz: np.ndarray) -> np.ndarray:
    r"""``(1/n) (\partial^2 \ell / \partial z^2) rz`` row by row.

    ``p`` has shape ``(n, 1, c)`` and ``rz`` ``(n, k, c)``: one column of ``rz`` per direction.
    """
    n = p.shape[0]
    if loss == "softmax-cross-entropy":
        return p * (rz - np.sum(p * rz, axis=-1, keepdims=True)) / n
    if loss == "logistic-cross-entropy":
        return (p * (1.0 - p)) * rz / n
    return rz / n
