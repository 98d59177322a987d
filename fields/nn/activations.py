r"""Elementwise activations of a network's hidden layers, with their first two derivatives.

Each activation :math:`\phi` is given with :math:`\phi'` and :math:`\phi''`, written in terms of
the pre-activation ``z`` and the output ``a = phi(z)`` so that back-propagation (which needs
:math:`\phi'`) and Pearlmutter's R-operator (which also needs :math:`\phi''`) reuse what the
forward pass computed:

* ``tanh``: :math:`\phi = \tanh z`, :math:`\phi' = 1 - a^2`, :math:`\phi'' = -2 a \phi'`;
* ``logistic``: :math:`\phi = \sigma(z) = 1/(1 + e^{-z})`, :math:`\phi' = a (1 - a)`,
  :math:`\phi'' = (1 - 2a) \phi'`;
* ``relu``: :math:`\phi = \max(z, 0)`, :math:`\phi' = [z > 0]`, :math:`\phi'' = 0` (almost
  everywhere);
* ``softplus``: :math:`\phi = \log(1 + e^z)`, :math:`\phi' = \sigma(z)`,
  :math:`\phi'' = \phi' (1 - \phi')`;
* ``linear``: :math:`\phi = z`, :math:`\phi' = 1`, :math:`\phi'' = 0`.

For ``relu`` the second derivative is 0 away from the kink ``z = 0``, a set of measure zero
that a random input never meets; the Hessian there is that of the piecewise-linear network
(Pearlmutter 1994 applies piece by piece).
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

__all__ = ["ACTIVATIONS", "activate", "second_derivative"]

#: Names accepted wherever an activation is asked for.
ACTIVATIONS = ("tanh", "logistic", "relu", "softplus", "linear")


def activate(name: str, z: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """``(phi(z), phi'(z))``; ``phi'`` is None for ``linear`` (it is 1)."""
    if name == "tanh":
        a = np.tanh(z)
        d1 = a * a
        np.subtract(1.0, d1, out=d1)
        return a, d1
    if name == "logistic":
        a = expit(z)
        d1 = 1.0 - a
        d1 *= a
        return a, d1
    if name == "relu":
        d = (z > 0).astype(z.dtype)
        return z * d, d
    if name == "softplus":
        return np.logaddexp(0.0, z), expit(z)
    if name == "linear":
        return z, None
    raise ValueError(f"unknown activation {name!r}; expected one of {ACTIVATIONS}")


def second_derivative(name: str, a: np.ndarray, d1: np.ndarray | None) -> np.ndarray | None:
    """``phi''`` from ``a = phi(z)`` and ``d1 = phi'(z)``; None where it vanishes."""
    if name == "tanh":
        d2 = a * d1
        d2 *= -2.0
        return d2
    if name == "logistic":
        d2 = 1.0 - 2.0 * a
        d2 *= d1
        return d2
    if name == "softplus":  # phi' = sigma, phi'' = sigma (1 - sigma)
        return d1 * (1.0 - d1)
    if name in ("relu", "linear"):
        return None
    raise ValueError(f"unknown activation {name!r}; expected one of {ACTIVATIONS}")
