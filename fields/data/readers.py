r"""Readers of local image files: scikit-learn's digits, MNIST (IDX), CIFAR-10 and CURVES.

Every reader returns float64 pixels scaled to ``[0, 1]``, one image per row (flattened
row-major), and int64 labels; none of them downloads anything (:mod:`fields.data.downloads`
fetches MNIST and CIFAR-10 when asked).

* :func:`load_digits` -- scikit-learn's bundled 8 x 8 digits (1797 images; optional
  dependency, no network).
* :func:`read_idx`, :func:`load_mnist` -- the IDX files of MNIST (LeCun, Bottou, Bengio &
  Haffner 1998; format described at http://yann.lecun.com/exdb/mnist/). Finding the four files
  in a folder and reading them (with optional SHA-256 checks of their content) are shared
  with :func:`fields.data.load_fashion_mnist`, whose files have MNIST's format and names.
* :func:`load_cifar10` -- the "python version" batches of CIFAR-10 (Krizhevsky 2009,
  *Learning multiple layers of features from tiny images*, tech. report, University of
  Toronto), converted to luminance by default.
* :func:`load_curves_mat` -- the original CURVES file ``digs3pts_1.mat`` (Hinton &
  Salakhutdinov 2006).
"""

from __future__ import annotations

import gzip
import hashlib
import math
import os
import pickle
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import scipy.io

from rmt._validation import check_bool, check_int

from .images import _check_image_size, check_images_memory, resize_images

__all__ = ["load_cifar10", "load_curves_mat", "load_digits", "load_mnist", "read_idx"]

#: IDX type codes: element type, stored big-endian.
_IDX_TYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

_KINDS = ("train", "test")
#: Number of images of each kind: the memory of a resized set is known before reading it.
_MNIST_IMAGES = {"train": 60000, "test": 10000}
_CIFAR_IMAGES = {"train": 50000, "test": 10000}
_CIFAR_FOLDER = "cifar-10-batches-py"
_CIFAR_BATCHES = {"train": tuple(f"data_batch_{i}" for i in range(1, 6)), "test": ("test_batch",)}
#: ITU-R BT.601 luma weights of (R, G, B), as in PIL's ``convert("L")``.
_LUMA = (0.299, 0.587, 0.114)


def _check_kind(kind) -> str:
    if kind not in _KINDS:
        raise ValueError(f"kind must be 'train' or 'test'; got {kind!r}")
    return kind


def _check_path(name: str, value) -> Path:
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"{name} must be a path (str or os.PathLike); got {type(value).__name__}")
    return Path(value).expanduser()


def load_digits(
    *, n_classes: int = 10, return_images: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """The 8 x 8 handwritten digits shipped with scikit-learn, scaled to ``[0, 1]``.

    Parameters
    ----------
    n_classes : int
        Keep the digits ``0, ..., n_classes - 1`` (1 to 10).
    return_images : bool
        Return the images as an ``(n, 8, 8)`` array instead of ``(n, 64)`` rows.

    Returns
    -------
    X : numpy.ndarray, shape (n, 64) or (n, 8, 8)
        Pixel intensities ``/ 16`` (the raw values are counts 0..16 of a 4 x 4 block of a
        32 x 32 bitmap), float64 in ``[0, 1]``; ``n = 1797`` for 10 classes.
    y : numpy.ndarray of int64, shape (n,)
        The digit of each image.

    Raises
    ------
    ImportError
        If scikit-learn is not installed (``pip install scikit-learn``, or
        ``pip install rmt-landscapes[data]``).
    ValueError
        If ``n_classes`` is not in 1..10.

    Notes
    -----
    The UCI "optical recognition of handwritten digits" test set (Alpaydin & Kaynak 1998) as
    bundled by ``sklearn.datasets.load_digits``; read from the installed package, never
    downloaded.

    """
    n_classes = check_int("n_classes", n_classes, 1)
    if n_classes > 10:
        raise ValueError(f"n_classes must be an integer in 1..10; got {n_classes}")
    return_images = check_bool("return_images", return_images)
    try:
        from sklearn.datasets import load_digits as sklearn_load_digits
    except ImportError as exc:
        raise ImportError(
            "load_digits needs scikit-learn, an optional dependency: "
            "pip install scikit-learn (or pip install rmt-landscapes[data])"
        ) from exc
    X, y = sklearn_load_digits(n_class=n_classes, return_X_y=True)
    X = np.asarray(X, dtype=np.float64) / 16.0
    if return_images:
        X = X.reshape(-1, 8, 8)
    return X, np.asarray(y, dtype=np.int64)


def read_idx(path) -> np.ndarray:
    """Read an IDX file (the format of MNIST), plain or gzip-compressed.

    Parameters
    ----------
    path : str or os.PathLike
        The file. Compression is recognised from the content (the gzip magic bytes), not from
        the name.

    Returns
    -------
    numpy.ndarray
        The stored array, in native byte order and with the stored element type: uint8 (type
        code 0x08), int8 (0x09), int16 (0x0B), int32 (0x0C), float32 (0x0D) or float64 (0x0E).

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If the file is not a valid IDX file: wrong magic number, unknown type code, truncated
        header or data, trailing bytes, or a corrupt gzip stream. The message names the file.

    Notes
    -----
    The format (LeCun et al. 1998): a 4-byte magic number -- two zero bytes, the type code and
    the number of dimensions ``d`` -- then ``d`` big-endian uint32 sizes, then the data in
    C (row-major) order, big-endian.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "a.idx"
    >>> _ = f.write_bytes(bytes([0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6]))
    >>> read_idx(f)
    array([[1, 2, 3],
           [4, 5, 6]], dtype=uint8)
    """
    path = _check_path("path", path)
    return _parse_idx(_read_maybe_gzip(path), path)


def _read_maybe_gzip(path: Path) -> bytes:
    """The bytes of ``path``, decompressed when they start with the gzip magic bytes."""
    with open(path, "rb") as fh:
        raw = fh.read()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise ValueError(f"{path}: corrupt gzip stream ({exc})") from exc
    return raw


def _parse_idx(raw: bytes, path: Path) -> np.ndarray:
    """The array stored in the (decompressed) IDX bytes ``raw`` of the file ``path``."""
    if len(raw) < 4:
        raise ValueError(f"{path}: not an IDX file (only {len(raw)} bytes, no magic number)")
    if raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise ValueError(
            f"{path}: not an IDX file (magic number {raw[:4].hex()}; expected two zero bytes, "
            f"a type code in {{08, 09, 0b, 0c, 0d, 0e}} and the number of dimensions)"
        )
    dtype, ndim = _IDX_TYPES[raw[2]], raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path}: truncated IDX header ({len(raw)} bytes, expected {header})")
    shape = tuple(int(s) for s in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    count = math.prod(shape)
    expected = header + count * dtype.itemsize
    if len(raw) != expected:
        what = "truncated" if len(raw) < expected else "trailing bytes in"
        raise ValueError(
            f"{path}: {what} IDX file: shape {shape} of {dtype.itemsize}-byte elements needs "
            f"{expected} bytes, the file holds {len(raw)}"
        )
    data = np.frombuffer(raw, dtype=dtype, count=count, offset=header)
    return data.astype(dtype.newbyteorder("="), copy=True).reshape(shape)


def _find_mnist_file(folder: Path, name: str, tried: list[str]) -> Path | None:
    for candidate in (folder / name, folder / f"{name}.gz"):
        tried.append(candidate.name)
        if candidate.is_file():
            return candidate
    return None


def _find_idx_files(folder: Path, kind: str, tried: list[str]) -> tuple[Path, Path] | None:
    """The images and labels files of ``kind`` in ``folder``, in MNIST's naming (each plain or
    ``.gz``), or None when one is missing; the names looked for are appended to ``tried``."""
    prefix = "train" if kind == "train" else "t10k"
    images, labels = (_find_mnist_file(folder, f"{prefix}-{part}", tried)
                      for part in ("images-idx3-ubyte", "labels-idx1-ubyte"))
    return None if images is None or labels is None else (images, labels)


def _check_digest(path: Path, raw: bytes, expected: str) -> None:
    """Refuse the (decompressed) content ``raw`` of ``path`` unless its SHA-256 is
    ``expected``."""
    digest = hashlib.sha256(raw).hexdigest()
    if digest != expected:
        raise ValueError(
            f"{path}: checksum mismatch: the SHA-256 of its decompressed content is {digest}, "
            f"expected {expected}"
        )


def _read_idx_checked(path: Path, digests: Mapping[str, str] | None) -> np.ndarray:
    """:func:`read_idx`, and when ``digests`` are given, the SHA-256 of the decompressed
    content checked against ``digests[name]`` (the file's name without ``.gz``)."""
    raw = _read_maybe_gzip(path)
    data = _parse_idx(raw, path)
    if digests is not None:
        _check_digest(path, raw, digests[path.name.removesuffix(".gz")])
    return data


def _load_idx_images(paths: tuple[Path, Path], size: tuple[int, int] | None, *, what: str,
                     digests: Mapping[str, str] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Images ``/ 255`` (resized to ``size`` if given, flattened) and int64 labels from the
    IDX files ``paths = (images, labels)`` of the data set ``what``."""
    images, labels = (_read_idx_checked(path, digests) for path in paths)
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise ValueError(
            f"{what} files do not match: images {paths[0]} have shape {images.shape}, labels "
            f"{paths[1]} have shape {labels.shape}; expected (n, h, w) and (n,)"
        )
    X = images.astype(np.float64) / 255.0
    if size is not None:
        X = resize_images(X, size)
    return X.reshape(len(X), -1), labels.astype(np.int64)


def load_mnist(folder, *, kind: str = "train", size=None) -> tuple[np.ndarray, np.ndarray]:
    """MNIST from its four IDX files in a local folder, optionally resized.

    Parameters
    ----------
    folder : str or os.PathLike
        Folder holding ``train-images-idx3-ubyte`` and ``train-labels-idx1-ubyte`` (for
        ``kind="train"``) or ``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte`` (for
        ``kind="test"``), each plain or gzipped (``.gz``), as written by
        ``download("mnist")``.
    kind : {"train", "test"}
        The 60000 training or the 10000 test images.
    size : None or (int, int)
        Resize every 28 x 28 image to ``(height, width)`` with
        :func:`fields.data.resize_images` (area averaging); ``(10, 10)`` gives the talk's
        100-pixel inputs.

    Returns
    -------
    X : numpy.ndarray, shape (n, height * width)
        Intensities ``/ 255`` in ``[0, 1]`` (float64), one flattened image per row.
    y : numpy.ndarray of int64, shape (n,)
        The digits.

    Raises
    ------
    FileNotFoundError
        If a file is missing; the message lists the names looked for and points to
        :func:`fields.data.download`.
    ValueError
        If ``kind`` or ``size`` is invalid, a file is not valid IDX, or the images and labels
        do not match.
    """
    folder = _check_path("folder", folder)
    kind = _check_kind(kind)
    size = _check_image_size(size)
    if size is not None:
        check_images_memory(size, _MNIST_IMAGES[kind])
    tried: list[str] = []
    paths = _find_idx_files(folder, kind, tried)
    if paths is None:
        raise FileNotFoundError(
            f"MNIST {kind} files not found in {folder}: looked for {', '.join(tried)}. "
            "Download them with fields.data.download('mnist') (opt-in, checksummed) and pass "
            "the folder it returns."
        )
    return _load_idx_images(paths, size, what="MNIST")


def _read_cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    with open(path, "rb") as fh:
        batch = pickle.load(fh, encoding="bytes")
    if not isinstance(batch, dict):
        raise ValueError(f"{path}: not a CIFAR-10 batch (a pickled {type(batch).__name__})")
    data = batch.get(b"data", batch.get("data"))
    labels = batch.get(b"labels", batch.get("labels"))
    if data is None or labels is None:
        raise ValueError(f"{path}: not a CIFAR-10 batch (no 'data' and 'labels' entries)")
    data, labels = np.asarray(data), np.asarray(labels)
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3 * 32 * 32 or (
            labels.shape != (len(data),)):
        raise ValueError(
            f"{path}: expected uint8 data of shape (n, 3072) and n labels; got data "
            f"{data.dtype} {data.shape} and labels {labels.shape}"
        )
    return data, labels.astype(np.int64)


def load_cifar10(folder, *, kind: str = "train", size=None,
                 grayscale: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """CIFAR-10 from its "python version" batches, as luminance (default) or colour.

    Parameters
    ----------
    folder : str or os.PathLike
        The ``cifar-10-batches-py`` folder, or the folder that contains it (as returned by
        ``download("cifar10")``).
    kind : {"train", "test"}
        ``data_batch_1`` to ``data_batch_5`` (50000 images) or ``test_batch`` (10000).
    size : None or (int, int)
        Resize every 32 x 32 image (each channel) to ``(height, width)`` with
        :func:`fields.data.resize_images` (area averaging), after the grayscale conversion.
    grayscale : bool
        Convert to luminance ``0.299 R + 0.587 G + 0.114 B`` (ITU-R BT.601, as PIL's
        ``convert("L")``, without its rounding to integers).

    Returns
    -------
    X : numpy.ndarray
        Float64 in ``[0, 1]`` (the bytes ``/ 255``), one image per row: shape
        ``(n, height * width)`` in grayscale, ``(n, 3 * height * width)`` in colour with the
        channels in CIFAR's order (all red pixels, then green, then blue, each row-major).
    y : numpy.ndarray of int64, shape (n,)
        Class labels 0..9.

    Raises
    ------
    FileNotFoundError
        If a batch is missing; the message lists them and points to
        :func:`fields.data.download`.
    ValueError
        If ``kind`` or ``size`` is invalid or a batch does not hold CIFAR-10 data.

    Notes
    -----
    The batches are Python pickles, read with ``pickle.load(..., encoding="bytes")``.
    Unpickling runs code chosen by whoever wrote the file: use this only on trusted files,
    such as the archive fetched by :func:`fields.data.download`, whose checksum is verified.
    """
    folder = _check_path("folder", folder)
    kind = _check_kind(kind)
    size = _check_image_size(size)
    grayscale = check_bool("grayscale", grayscale)
    if size is not None:
        check_images_memory(size, _CIFAR_IMAGES[kind], 1 if grayscale else 3)
    if (folder / _CIFAR_FOLDER).is_dir():
        folder = folder / _CIFAR_FOLDER
    names = _CIFAR_BATCHES[kind]
    missing = [name for name in names if not (folder / name).is_file()]
    if missing:
        raise FileNotFoundError(
            f"CIFAR-10 {kind} batches not found in {folder} (nor in {folder / _CIFAR_FOLDER}): "
            f"missing {', '.join(missing)}. Download them with fields.data.download('cifar10') "
            "(opt-in, checksummed) and pass the folder it returns."
        )
    batches = [_read_cifar_batch(folder / name) for name in names]
    n = sum(len(data) for data, _ in batches)
    h, w = size if size is not None else (32, 32)
    channels = 1 if grayscale else 3
    X = np.empty((n, channels, h, w))
    start = 0
    for data, _ in batches:
        rgb = data.reshape(len(data), 3, 32, 32)
        if grayscale:
            images = (_LUMA[0] * rgb[:, 0] + _LUMA[1] * rgb[:, 1] + _LUMA[2] * rgb[:, 2])[:, None]
            np.clip(images / 255.0, 0.0, 1.0, out=images)
        else:
            images = rgb / 255.0
        if size is not None:
            images = resize_images(images.reshape(-1, 32, 32), size).reshape(-1, channels, h, w)
        X[start:start + len(data)] = images
        start += len(data)
    y = np.concatenate([labels for _, labels in batches])
    return X.reshape(n, -1), y


def load_curves_mat(path) -> tuple[np.ndarray, np.ndarray]:
    """The original CURVES data from ``digs3pts_1.mat``: ``(train, test)`` images as rows.

    Parameters
    ----------
    path : str or os.PathLike
        The MATLAB file (distributed by J. Martens at
        ``http://www.cs.toronto.edu/~jmartens/digs3pts_1.mat``; the data are R.
        Salakhutdinov's, from Hinton & Salakhutdinov 2006).

    Returns
    -------
    train : numpy.ndarray, shape (20000, 784)
        Variable ``bdata``: 28 x 28 images in ``[0, 1]``, float64, one per row.
    test : numpy.ndarray, shape (10000, 784)
        Variable ``bdatatest``.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    KeyError
        If ``bdata`` or ``bdatatest`` is missing (the message lists the variables found).
    ValueError
        If they are not 2-D real arrays with the same number of columns.
    """
    path = _check_path("path", path)
    if not path.is_file():
        raise FileNotFoundError(f"CURVES file not found: {path}")
    names = [entry[0] for entry in scipy.io.whosmat(path)]
    missing = [var for var in ("bdata", "bdatatest") if var not in names]
    if missing:
        raise KeyError(
            f"{path} is not the CURVES file: missing variable(s) {', '.join(missing)}; "
            f"it holds {names}"
        )
    contents = scipy.io.loadmat(path, variable_names=["bdata", "bdatatest"])
    train, test = (np.asarray(contents[var]) for var in ("bdata", "bdatatest"))
    if (train.ndim != 2 or test.ndim != 2 or train.shape[1] != test.shape[1]
            or train.dtype.kind not in "biuf" or test.dtype.kind not in "biuf"):
        raise ValueError(
            f"{path}: bdata and bdatatest must be real 2-D arrays with the same number of "
            f"columns; got {train.dtype} {train.shape} and {test.dtype} {test.shape}"
        )
    return train.astype(np.float64), test.astype(np.float64)

