r"""Critical points with dead hidden units, and the Hessian eigenvalues each dead unit adds.

A hidden unit ``j`` of layer ``l`` is *dead* at ``w`` when its incoming weights, its bias and
its outgoing weights are all zero. With an activation that maps 0 to 0 (``tanh``, ``relu``,
``linear``) it carries no signal, and the loss's gradient with respect to its parameters
vanishes: the outgoing gradient is :math:`\sum_n \phi(0)\, \delta_{l+1} = 0`, the incoming one
is proportional to the zero outgoing weights. The set of points where a given set of units is
dead is therefore invariant under gradient flow, and a critical point of the loss restricted
to it (a critical point of the narrower network of the units that live) is a critical point
of the whole network (Fukumizu & Amari 2000; Simsek et al. 2021).

**The Hessian there is block diagonal**: one block for the live parameters (the narrower
network's Hessian) and one per dead unit, every cross term carrying a factor of the dead
unit's activation or of its zero outgoing weights. In the unit's coordinates (incoming
weights and bias, then outgoing weights) its block is

.. math:: \begin{pmatrix} \lambda I & \phi'(0)\, C \\ \phi'(0)\, C^T & \lambda I
          \end{pmatrix}, \qquad C = \begin{pmatrix} a_l & 1 \end{pmatrix}^T \delta_{l+1},

where :math:`a_l` (``n x n_in``) are the unit's inputs over the examples,
:math:`\delta_{l+1}` (``n x n_out``) the back-propagated gradient of the mean loss with respect
to the next layer's pre-activations, and :math:`\lambda` the weight decay: the
second-derivative terms vanish with the outgoing weights. Its eigenvalues are
:math:`\lambda \pm \phi'(0)\, \sigma_k(C)` for the singular values :math:`\sigma_k` of ``C``
and :math:`\lambda` for the remaining :math:`|n_{in} + 1 - n_{out}|`. So at a minimum of the
narrower network with ``d`` dead units the index is known in advance:

.. math:: \mathrm{index} = d \cdot \#\{k : \phi'(0)\, \sigma_k(C) > \lambda\}.

For the softmax loss the rows of :math:`\delta_{l+1}` of the last layer sum to zero, so one
singular value is 0: a dead unit of a one-hidden-layer classifier with ``K`` classes adds at
most ``K - 1`` negative eigenvalues.

References
----------
K. Fukumizu and S. Amari, "Local minima and plateaus in hierarchical structures of multilayer
perceptrons", Neural Networks 13, 317 (2000).
B. Simsek, F. Ged, A. Jacot, F. Spadaro, C. Hongler, W. Gerstner and J. Brea, "Geometry of the
loss landscape in overparameterized neural networks: symmetries and invariances", ICML 2021.
"""

from __future__ import annotations

import numpy as np

from rmt._validation import check_vector

from .activations import activate
from .losses import loss_and_delta
from .mlp import MLP

__all__ = ["dead_unit_eigenvalues"]


def dead_unit_eigenvalues(net: MLP, w, *, layer: int = 0) -> np.ndarray:
    r"""The Hessian eigenvalues that one dead unit of hidden layer ``layer`` adds at ``w``.

    Every dead unit of the layer adds the same ``n_in + 1 + n_out`` eigenvalues
    :math:`\lambda \pm \phi'(0)\, \sigma_k(C)` and :math:`\lambda`
    (:mod:`fields.nn.dead_units`), computed here from one forward and one backward pass, not
    from the Hessian: at a critical point where :meth:`fields.nn.MLP.dead_units` lists ``d``
    units and the live parameters are at a minimum, the index is ``d`` times the number of
    negative ones.

    Parameters
    ----------
    net : fields.nn.MLP
        A network whose hidden layer ``layer`` has an activation with ``phi(0) = 0``.
    w : array_like, shape (net.dim,)
        The point; the formula describes the units that are dead there (it does not need one
        to be).
    layer : int, default 0
        Hidden layer.

    Returns
    -------
    ndarray, shape (n_in + 1 + n_out,)
        The eigenvalues, ascending.

    Raises
    ------
    TypeError
        ``net`` not a :class:`fields.nn.MLP`.
    ValueError
        ``w`` of the wrong length or not finite; ``layer`` not a hidden layer; an activation
        with ``phi(0) != 0`` (``logistic``, ``softplus``: a unit with zero weights still
        sends a signal, and its outgoing gradient does not vanish).

    Examples
    --------
    >>> import numpy as np
    >>> from fields.nn import MLP, dead_unit_eigenvalues
    >>> rng = np.random.default_rng(0)
    >>> net = MLP([3, 2, 2], data=(rng.standard_normal((20, 3)), rng.integers(0, 2, 20)),
    ...           weight_decay=0.1, rng=0)
    >>> w = np.array(net.w0)
    >>> w[net.unit_parameters([1])] = 0            # kill unit 1
    >>> lam = dead_unit_eigenvalues(net, w)
    >>> h = net.hess(w)[np.ix_(net.unit_parameters([1]), net.unit_parameters([1]))]
    >>> bool(np.allclose(np.linalg.eigvalsh(h), lam))
    True
    """
    if not isinstance(net, MLP):
        raise TypeError(f"net must be a fields.nn.MLP; got {type(net).__name__}")
    w = check_vector("w", w, net.dim)
    layer = net._check_hidden_layer(layer)
    activation = net.activations[layer]
    phi0, slope = activate(activation, np.zeros(1))
    if phi0[0] != 0:
        raise ValueError(f"net: hidden layer {layer} has activation {activation!r} with "
                         "phi(0) != 0; a unit with zero weights is not dead there (expected "
                         "tanh, relu or linear)")
    slope = 1.0 if slope is None else float(slope[0])
    params = net._unpack(w)
    x, targets = net.data
    z, acts, d1s = net._forward(params, x)
    delta = loss_and_delta(net.loss, z, targets, need_delta=True)[1]
    for upper in range(len(params) - 1, layer + 1, -1):  # down to the next layer's delta
        delta = delta @ params[upper][0].T
        if d1s[upper - 1] is not None:
            delta *= d1s[upper - 1]
    inputs = acts[layer]
    c = np.vstack([inputs.T @ delta, delta.sum(axis=0)])
    sigma = slope * np.linalg.svd(c, compute_uv=False)
    lam = net.weight_decay
    rest = np.full(sum(c.shape) - 2 * sigma.size, lam)
    return np.sort(np.concatenate([lam - sigma, lam + sigma, rest]))
