r"""Initial weights of a network: Glorot's uniform rule and Martens' sparse initialisation.

``glorot``
    :math:`W_{ij} \sim U(-r, r)`, :math:`r = \sqrt{6 / (n_\mathrm{in} + n_\mathrm{out})}`,
    biases 0 (Glorot & Bengio 2010, AISTATS, eq. 16).
``sparse``
    Each unit receives ``min(15, n_in)`` non-zero incoming weights drawn from
    :math:`N(0, 1)` (the rest are 0), biases 0 (0.5 for ``tanh`` units): the initialisation of
    Martens (2010, ICML, "Deep learning via Hessian-free optimization", section 5) for deep
    autoencoders, which keeps units from saturating without a careful scale.
"""

from __future__ import annotations

import numpy as np

__all__ = ["INITS", "initial_layer"]

#: Names accepted by the ``init`` argument of the networks.
INITS = ("glorot", "sparse")

#: Non-zero incoming weights per unit of the sparse initialisation (Martens 2010).
SPARSE_CONNECTIONS = 15


def initial_layer(init: str, n_in: int, n_out: int, activation: str, *,
                  rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Weights ``W`` (``n_in x n_out``) and biases ``b`` of one affine layer."""
    if init == "glorot":
        r = np.sqrt(6.0 / (n_in + n_out))
        return rng.uniform(-r, r, size=(n_in, n_out)), np.zeros(n_out)
    if init == "sparse":
        w = np.zeros((n_in, n_out))
        k = min(SPARSE_CONNECTIONS, n_in)
        for j in range(n_out):
            rows = rng.choice(n_in, size=k, replace=False)
            w[rows, j] = rng.standard_normal(k)
        b = np.full(n_out, 0.5 if activation == "tanh" else 0.0)
        return w, b
    raise ValueError(f"init must be one of {INITS}; got {init!r}")
