r"""Deep autoencoders (Hinton & Salakhutdinov 2006; Martens 2010) as surfaces.

An autoencoder with encoder sizes ``[h_1, ..., h_k]`` on data with ``d`` features is the
network ``d - h_1 - ... - h_k - ... - h_1 - d`` trained to reproduce its input: logistic hidden
units, a linear code layer (size ``h_k``), logistic outputs with the cross-entropy loss
against the input intensities in ``[0, 1]``, Martens' sparse initialisation. The benchmark
architectures of Martens (2010, ICML, Table 1) are :data:`CURVES_LAYERS`
(784-400-200-100-50-25-6 and mirror) and :data:`MNIST_LAYERS` (784-1000-500-250-30 and
mirror).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from rmt._validation import check_choice, check_real_array

from .activations import ACTIVATIONS
from .mlp import MLP

__all__ = ["CURVES_LAYERS", "MNIST_LAYERS", "Autoencoder"]

#: Encoder of Martens' (2010) CURVES autoencoder (input 784).
CURVES_LAYERS = (400, 200, 100, 50, 25, 6)
#: Encoder of the MNIST autoencoder of Hinton & Salakhutdinov (2006) and Martens (2010).
MNIST_LAYERS = (1000, 500, 250, 30)


class Autoencoder(MLP):
    """A deep autoencoder's training loss over its flat parameter vector.

    Parameters
    ----------
    data : array_like, shape (n, d)
        Training inputs, intensities in ``[0, 1]`` (images flattened to rows).
    layers : sequence of int, default :data:`CURVES_LAYERS`
        Encoder sizes; the decoder mirrors them.
    activation : str, default "logistic"
        Hidden activation (all hidden layers but the code layer).
    code_activation : str, default "linear"
        Activation of the code layer.
    loss : {"logistic-cross-entropy", "squared-error"}
        Reconstruction loss (the logistic cross-entropy of Hinton & Salakhutdinov by default).
    init : {"sparse", "glorot"}, default "sparse"
        Initial parameters (Martens 2010 used the sparse rule).
    weight_decay : float, default 0
        ``lambda`` of ``lambda |w|^2 / 2``.
    rng : None, int, SeedSequence or Generator
        Source of the initial parameters :attr:`w0`.

    Examples
    --------
    >>> import numpy as np
    >>> from fields.nn import Autoencoder
    >>> x = np.random.default_rng(0).uniform(size=(30, 8))
    >>> ae = Autoencoder(x, layers=[4, 2], rng=0)
    >>> ae.layers, ae.activations
    ((8, 4, 2, 4, 8), ('logistic', 'linear', 'logistic'))
    """

    def __init__(self, data: ArrayLike, layers: Sequence[int] = CURVES_LAYERS, *,
                 activation: str = "logistic", code_activation: str = "linear",
                 loss: str = "logistic-cross-entropy", init: str = "sparse",
                 weight_decay: float = 0.0, rng=None):
        x = check_real_array("data", data)
        if x.ndim != 2 or x.shape[0] < 1:
            raise ValueError(f"data must be a non-empty 2-D array (examples x features); "
                             f"got shape {x.shape}")
        if isinstance(layers, (str, bytes)) or not isinstance(layers, Sequence) \
                or len(layers) < 1:
            raise TypeError(f"layers must be a non-empty sequence of encoder sizes; "
                            f"got {layers!r}")
        if loss not in ("logistic-cross-entropy", "squared-error"):
            raise ValueError(f"loss must be 'logistic-cross-entropy' or 'squared-error' for "
                             f"an autoencoder; got {loss!r}")
        # Checked here: with one encoder layer no hidden layer uses ``activation``.
        check_choice("activation", activation, ACTIVATIONS)
        check_choice("code_activation", code_activation, ACTIVATIONS)
        encoder = list(layers)
        sizes = [x.shape[1], *encoder, *encoder[-2::-1], x.shape[1]]
        hidden = [activation] * (len(encoder) - 1)
        acts = [*hidden, code_activation, *hidden]
        super().__init__(sizes, acts, loss, (x, x), init=init, weight_decay=weight_decay,
                         rng=rng)
        self._encoder = tuple(self.layers[1:len(encoder) + 1])

    @property
    def encoder(self) -> tuple[int, ...]:
        """The encoder's layer sizes (the code size last)."""
        return self._encoder

    def reconstruction_error(self, w) -> float:
        """Mean over examples of the squared reconstruction error ``|x - x_hat|^2`` (the
        figure Martens 2010 reports), whatever the training loss."""
        x_hat = self.predict(w)
        return float(np.mean(np.sum((x_hat - self._x) ** 2, axis=1)))

    def task_error(self, w) -> float:
        """The autoencoder's task error: its :meth:`reconstruction_error` at ``w``."""
        return self.reconstruction_error(w)
