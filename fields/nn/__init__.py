"""Neural-network losses as surfaces: fully connected nets and deep autoencoders.

A network's training loss is a surface over its flat parameter vector, with exact gradient
(back-propagation), Hessian-vector product (Pearlmutter's R-operator), Gauss–Newton-vector
product and dense Hessian (:mod:`fields.nn.mlp`); minibatch views give the stochastic
gradients of SGD-style optimisers. Both networks are :class:`fields.DataSurface` objects, each
with the task error it defines itself (``task_error``: a classification error rate, a
reconstruction error, NaN when the loss defines none). Critical points where hidden units
are dead (all their weights zero) have a Hessian index known in advance
(:mod:`fields.nn.dead_units`).
"""

from .activations import ACTIVATIONS
from .autoencoder import CURVES_LAYERS, MNIST_LAYERS, Autoencoder
from .dead_units import dead_unit_eigenvalues
from .init import INITS
from .losses import LOSSES
from .mlp import MLP

__all__ = ["ACTIVATIONS", "CURVES_LAYERS", "INITS", "LOSSES", "MNIST_LAYERS", "MLP",
           "Autoencoder", "dead_unit_eigenvalues"]
