r"""Image data for the neural-network losses: digits, MNIST, CIFAR-10 and CURVES.

Every loader returns float64 pixels scaled to ``[0, 1]``, one image per row (flattened
row-major), and int64 labels. Nothing is ever downloaded implicitly: the readers work on local
files, and :func:`download` fetches MNIST or CIFAR-10 only when called, checking each file
against the SHA-256 digest recorded here.

* :func:`load_digits` -- scikit-learn's bundled 8 x 8 digits (1797 images; optional
  dependency, no network).
* :func:`read_idx`, :func:`load_mnist` -- the IDX files of MNIST (LeCun, Bottou, Bengio &
  Haffner 1998; format described at http://yann.lecun.com/exdb/mnist/).
* :func:`load_cifar10` -- the "python version" batches of CIFAR-10 (Krizhevsky 2009,
  *Learning multiple layers of features from tiny images*, tech. report, University of
  Toronto), converted to luminance by default.
* :func:`resize_images` -- shrink (or enlarge) images, e.g. MNIST to 10 x 10 as in the talk.
* :func:`make_curves` -- a *generated* stand-in for the CURVES data set of Hinton &
  Salakhutdinov 2006 (Science 313, 504; supporting online material): random cubic splines
  through three random points, drawn as thin anti-aliased strokes on a 28 x 28 image.
* :func:`load_curves_mat` -- reader for the original CURVES file ``digs3pts_1.mat``.
* :func:`download` -- opt-in, checksummed download into ``$RMT_DATA`` or
  ``~/.cache/rmt-landscapes``.
"""

from __future__ import annotations

import gzip
import hashlib
import math
import os
import pickle
import shutil
import tarfile
import tempfile
import urllib.request
from pathlib import Path

import numpy as np
import scipy.io
import scipy.ndimage

from rmt._validation import as_generator, check_int, check_positive_float

from ._data_kernels import curves_kernel

__all__ = [
    "download",
    "load_cifar10",
    "load_curves_mat",
    "load_digits",
    "load_mnist",
    "make_curves",
    "read_idx",
    "resize_images",
]

#: Files of each downloadable data set: (file name, URL, SHA-256 of the file as served).
#: MNIST: the PyTorch mirror of LeCun's files (byte-identical to the originals); CIFAR-10: the
#: author's archive. The digests are those published for these files by torchvision,
#: TensorFlow Datasets and others, checked against several independent listings.
_SOURCES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "mnist": tuple(
        (name, f"https://ossci-datasets.s3.amazonaws.com/mnist/{name}", digest)
        for name, digest in (
            ("train-images-idx3-ubyte.gz",
             "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
            ("train-labels-idx1-ubyte.gz",
             "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
            ("t10k-images-idx3-ubyte.gz",
             "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
            ("t10k-labels-idx1-ubyte.gz",
             "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
        )
    ),
    "cifar10": (
        ("cifar-10-python.tar.gz",
         "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
         "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"),
    ),
}

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
_CIFAR_FOLDER = "cifar-10-batches-py"
_CIFAR_BATCHES = {"train": tuple(f"data_batch_{i}" for i in range(1, 6)), "test": ("test_batch",)}
#: ITU-R BT.601 luma weights of (R, G, B), as in PIL's ``convert("L")``.
_LUMA = (0.299, 0.587, 0.114)

#: Spacing, in pixels, of the polyline that approximates a CURVES spline (its distance to the
#: spline is at most spacing^2 / (8 R) for a radius of curvature R: < 0.01 px for R >= 3 px).
_CURVE_SPACING = 0.5
#: Distance, in pixels, between the image border and the control points of a curve.
_CURVE_MARGIN = 1.0
#: Images rendered at once by :func:`make_curves` (bounds the temporary memory).
_CURVE_CHUNK = 2048


# --------------------------------------------------------------------------- helpers ---------


def _check_kind(kind) -> str:
    if kind not in _KINDS:
        raise ValueError(f"kind must be 'train' or 'test'; got {kind!r}")
    return kind


def _check_image_size(size) -> tuple[int, int] | None:
    """Validate ``size``: None or a pair ``(height, width)`` of integers >= 1."""
    if size is None:
        return None
    if not isinstance(size, (tuple, list)) or len(size) != 2:
        raise ValueError(f"size must be None or a pair (height, width) of integers; got {size!r}")
    return check_int("size[0]", size[0], 1), check_int("size[1]", size[1], 1)


def _check_path(name: str, value) -> Path:
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"{name} must be a path (str or os.PathLike); got {type(value).__name__}")
    return Path(value).expanduser()


# --------------------------------------------------------------------------- digits ----------


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


# --------------------------------------------------------------------------- IDX / MNIST -----


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
    with open(path, "rb") as fh:
        raw = fh.read()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise ValueError(f"{path}: corrupt gzip stream ({exc})") from exc
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
        Resize every 28 x 28 image to ``(height, width)`` with :func:`resize_images` (area
        averaging); ``(10, 10)`` gives the talk's 100-pixel inputs.

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
        :func:`download`.
    ValueError
        If ``kind`` or ``size`` is invalid, a file is not valid IDX, or the images and labels
        do not match.
    """
    folder = _check_path("folder", folder)
    kind = _check_kind(kind)
    size = _check_image_size(size)
    prefix = "train" if kind == "train" else "t10k"
    tried: list[str] = []
    paths = [_find_mnist_file(folder, f"{prefix}-{part}", tried)
             for part in ("images-idx3-ubyte", "labels-idx1-ubyte")]
    if None in paths:
        raise FileNotFoundError(
            f"MNIST {kind} files not found in {folder}: looked for {', '.join(tried)}. "
            "Download them with fields.data.download('mnist') (opt-in, checksummed) and pass "
            "the folder it returns."
        )
    images, labels = read_idx(paths[0]), read_idx(paths[1])
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise ValueError(
            f"MNIST files do not match: images {paths[0]} have shape {images.shape}, labels "
            f"{paths[1]} have shape {labels.shape}; expected (n, h, w) and (n,)"
        )
    X = images.astype(np.float64) / 255.0
    if size is not None:
        X = resize_images(X, size)
    return X.reshape(len(X), -1), labels.astype(np.int64)


# --------------------------------------------------------------------------- CIFAR-10 --------


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
        :func:`resize_images` (area averaging), after the grayscale conversion.
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
        If a batch is missing; the message lists them and points to :func:`download`.
    ValueError
        If ``kind`` or ``size`` is invalid or a batch does not hold CIFAR-10 data.

    Notes
    -----
    The batches are Python pickles, read with ``pickle.load(..., encoding="bytes")``.
    Unpickling runs code chosen by whoever wrote the file: use this only on trusted files,
    such as the archive fetched by :func:`download`, whose checksum is verified.
    """
    folder = _check_path("folder", folder)
    kind = _check_kind(kind)
    size = _check_image_size(size)
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


# --------------------------------------------------------------------------- resizing --------


def _area_matrix(n_in: int, n_out: int) -> np.ndarray:
    """``A[i, j]``: fraction of output cell ``i`` (of ``n_out`` over ``[0, n_in]``) in pixel j."""
    edges = np.arange(n_out + 1) * (n_in / n_out)
    lo, hi = edges[:-1, None], edges[1:, None]
    j = np.arange(n_in)[None, :]
    overlap = np.clip(np.minimum(hi, j + 1) - np.maximum(lo, j), 0.0, None)
    return overlap / (n_in / n_out)


def resize_images(images, size, *, method: str = "area") -> np.ndarray:
    """Resize a stack of images ``(n, h, w)`` to ``(n, height, width)``.

    Parameters
    ----------
    images : array_like, shape (n, h, w)
        Real, finite pixel values.
    size : (int, int)
        The new ``(height, width)``.
    method : {"area", "bilinear"}
        ``"area"``: each new pixel is the mean of the old image over the square it covers,
        the old pixels counted by the fraction of their area inside it -- exact block
        averaging when ``h / height`` and ``w / width`` are integers (28 -> 14), a weighted
        block average otherwise (28 -> 10), piecewise-constant enlargement. It preserves the
        mean intensity and the range, and (unlike sampling) lets no thin stroke fall between
        the new pixels. ``"bilinear"``: ``scipy.ndimage.zoom(order=1, grid_mode=True,
        mode="nearest")``, linear interpolation between pixel centres with the image edges
        aligned; best for enlarging.

    Returns
    -------
    numpy.ndarray, shape (n, height, width)
        Float64.

    Raises
    ------
    ValueError
        If ``images`` is not 3-D or not finite, or ``size`` or ``method`` is invalid.

    Notes
    -----
    Area averaging is two matrix products, ``A_h X A_w^T``, with ``A[i, j]`` the overlap of
    new cell ``i`` (width ``h / height`` in old pixels) with old pixel ``j`` divided by the
    cell's width: the box filter of PIL or OpenCV's ``INTER_AREA`` when shrinking.

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 4, 4)
    >>> resize_images(x, (2, 2))
    array([[[ 2.5,  4.5],
            [10.5, 12.5]]])
    """
    size = _check_image_size(size)
    if size is None:
        raise ValueError("size must be a pair (height, width) of integers; got None")
    if method not in ("area", "bilinear"):
        raise ValueError(f"method must be 'area' or 'bilinear'; got {method!r}")
    arr = np.asarray(images)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"images must hold real numbers; got dtype {arr.dtype}")
    if arr.ndim != 3 or 0 in arr.shape[1:]:
        raise ValueError(f"images must have shape (n, h, w) with h, w >= 1; got {arr.shape}")
    arr = arr.astype(np.float64, copy=False)
    if not np.all(np.isfinite(arr)):
        raise ValueError("images must be finite; they contain NaN or Inf")
    _, h, w = arr.shape
    if method == "bilinear":
        zoom = (1.0, size[0] / h, size[1] / w)
        return scipy.ndimage.zoom(arr, zoom, order=1, mode="nearest", grid_mode=True)
    return _area_matrix(h, size[0]) @ arr @ _area_matrix(w, size[1]).T


# --------------------------------------------------------------------------- download --------


def _cache_root(cache_dir) -> Path:
    if cache_dir is not None:
        return _check_path("cache_dir", cache_dir)
    env = os.environ.get("RMT_DATA")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "rmt-landscapes"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fetch(url: str, dest: Path, sha256: str, timeout: float) -> None:
    """Download ``url`` to ``dest`` through ``dest.part``, which is deleted on any failure."""
    part = dest.with_name(dest.name + ".part")
    digest = hashlib.sha256()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, open(part, "wb") as fh:
            for block in iter(lambda: response.read(1 << 20), b""):
                digest.update(block)
                fh.write(block)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    if digest.hexdigest() != sha256:
        part.unlink(missing_ok=True)
        raise ValueError(
            f"checksum mismatch for {url}: expected sha256 {sha256}, got {digest.hexdigest()}; "
            "the downloaded file was deleted"
        )
    os.replace(part, dest)


def _safe_members(tar: tarfile.TarFile, archive: Path) -> list[tarfile.TarInfo]:
    """The archive's members, refusing links, devices, absolute paths and ``..``."""
    members = tar.getmembers()
    for member in members:
        parts = Path(member.name).parts
        if (not (member.isfile() or member.isdir()) or Path(member.name).is_absolute()
                or ".." in parts):
            raise ValueError(f"{archive}: refusing to extract unsafe member {member.name!r}")
    return members


def _extract_cifar(archive: Path, root: Path) -> None:
    with tempfile.TemporaryDirectory(dir=root, prefix=".extract-") as tmp:
        with tarfile.open(archive, "r:gz") as tar:
            members = _safe_members(tar, archive)
            if hasattr(tarfile, "data_filter"):
                tar.extractall(tmp, members=members, filter="data")
            else:  # pragma: no cover - Python < 3.10.12 / 3.11.4 has no extraction filters
                tar.extractall(tmp, members=members)
        source = Path(tmp) / _CIFAR_FOLDER
        if not source.is_dir():
            raise ValueError(f"{archive}: the archive holds no {_CIFAR_FOLDER} folder")
        target = root / _CIFAR_FOLDER
        if target.exists():
            shutil.rmtree(target)
        os.replace(source, target)


def download(name: str, cache_dir=None, *, force: bool = False, timeout: float = 60.0) -> Path:
    """Download MNIST or CIFAR-10 (opt-in), verify the SHA-256 digests, return the folder.

    Parameters
    ----------
    name : {"mnist", "cifar10"}
        The data set.
    cache_dir : str, os.PathLike or None
        Where to keep it; default ``$RMT_DATA`` if set, else ``~/.cache/rmt-landscapes``.
    force : bool
        Download again even if verified files are present.
    timeout : float
        Seconds to wait for the server on each connection attempt or read.

    Returns
    -------
    pathlib.Path
        The folder to pass to the loader: ``cache_dir/mnist`` (the four ``.gz`` files, for
        :func:`load_mnist`) or ``cache_dir/cifar-10-batches-py`` (for :func:`load_cifar10`).

    Raises
    ------
    ValueError
        If ``name`` is unknown, a downloaded file does not match its digest (the file is
        deleted), or the CIFAR-10 archive holds an unsafe or unexpected member.
    urllib.error.URLError
        If the server cannot be reached.

    Notes
    -----
    Files already present are kept when their digest matches (for CIFAR-10: when the
    extracted batches are present), so a second call costs no network. MNIST (about 11 MB)
    comes from the PyTorch mirror ``https://ossci-datasets.s3.amazonaws.com/mnist/`` of
    LeCun's files; CIFAR-10 (about 163 MB) from
    ``https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz``, which is kept beside the
    extracted ``cifar-10-batches-py`` folder. The SHA-256 digests (module constant
    ``_SOURCES``) are the ones published for these files by torchvision and TensorFlow
    Datasets. The archive is extracted into a temporary folder first, with links, absolute
    paths and ``..`` refused and the ``"data"`` extraction filter where Python has it. Nothing
    in this module downloads implicitly.
    """
    if name not in _SOURCES:
        raise ValueError(f"name must be one of {sorted(_SOURCES)}; got {name!r}")
    timeout = check_positive_float("timeout", timeout)
    root = _cache_root(cache_dir)
    folder = root / "mnist" if name == "mnist" else root
    if name == "cifar10" and not force and all(
            (root / _CIFAR_FOLDER / batch).is_file()
            for batches in _CIFAR_BATCHES.values() for batch in batches):
        return root / _CIFAR_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    for filename, url, sha256 in _SOURCES[name]:
        dest = folder / filename
        if force or not dest.is_file() or _sha256(dest) != sha256:
            _fetch(url, dest, sha256, timeout)
    if name == "mnist":
        return folder
    _extract_cifar(folder / _SOURCES[name][0][0], root)
    return root / _CIFAR_FOLDER


# --------------------------------------------------------------------------- CURVES ----------


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


def _natural_spline(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Chord-length knots ``t`` in [0, 1] and polynomial coefficients of natural cubic splines.

    ``points``: ``(n, m, 2)``. Returns ``t`` ``(n, m)`` and ``coef`` ``(n, m - 1, 4, 2)``:
    on ``[t_j, t_{j+1}]`` the curve is ``sum_k coef[:, j, k] (u - t_j)^k``. scipy builds one
    spline per knot vector (about 0.2 ms each: 4 s for 20000 curves); this solves all the
    ``(m - 2) x (m - 2)`` tridiagonal systems for the second derivatives in one batched call.
    Checked against ``scipy.interpolate.make_interp_spline(bc_type="natural")`` in the tests.
    """
    n, m, _ = points.shape
    chords = np.maximum(np.linalg.norm(np.diff(points, axis=1), axis=2), 1e-12)
    t = np.concatenate([np.zeros((n, 1)), np.cumsum(chords, axis=1)], axis=1)
    t /= t[:, -1:]
    h = np.diff(t, axis=1)
    slopes = np.diff(points, axis=1) / h[..., None]
    second = np.zeros((n, m, 2))
    if m > 2:
        k = np.arange(m - 2)
        system = np.zeros((n, m - 2, m - 2))
        system[:, k, k] = 2.0 * (h[:, :-1] + h[:, 1:])
        system[:, k[1:], k[:-1]] = h[:, 1:-1]
        system[:, k[:-1], k[1:]] = h[:, 1:-1]
        second[:, 1:-1] = np.linalg.solve(system, 6.0 * np.diff(slopes, axis=1))
    hh = h[..., None]
    coef = np.stack([
        points[:, :-1],
        slopes - hh * (2.0 * second[:, :-1] + second[:, 1:]) / 6.0,
        second[:, :-1] / 2.0,
        (second[:, 1:] - second[:, :-1]) / (6.0 * hh),
    ], axis=2)
    return t, coef


def _spline_values(t: np.ndarray, coef: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Evaluate the splines of :func:`_natural_spline` at parameters ``u`` ``(n, S)``."""
    interval = np.sum(u[:, None, :] >= t[:, 1:-1, None], axis=1)
    rows = np.arange(len(t))[:, None]
    c = coef[rows, interval]  # (n, S, 4, 2)
    b = (u - t[rows, interval])[..., None]
    return c[:, :, 0] + b * (c[:, :, 1] + b * (c[:, :, 2] + b * c[:, :, 3]))


def make_curves(
    n: int, *, size: int = 28, n_control: int = 3, width: float = 0.7, rng=None,
    return_points: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    r"""Generate CURVES-like images: random cubic splines drawn as thin anti-aliased strokes.

    This is a *generated* imitation of the CURVES data set of Hinton & Salakhutdinov (2006),
    following its description (a cubic spline through three random points in the image
    plane, drawn on a 28 x 28 image with intensities in [0, 1]); it is not the original file,
    whose exact rendering is not published. Read the original with :func:`load_curves_mat`.

    Parameters
    ----------
    n : int
        Number of images (>= 0).
    size : int
        Images are ``size x size`` pixels (>= 4).
    n_control : int
        Number of random control points the spline passes through (>= 2; 3 as in the paper;
        2 gives straight strokes).
    width : float
        Standard deviation, in pixels, of the Gaussian cross-section of the stroke (> 0).
    rng : None, int, SeedSequence or Generator
        Source of the control points.
    return_points : bool
        Also return the control points.

    Returns
    -------
    images : numpy.ndarray, shape (n, size * size)
        Float64 intensities in ``[0, 1]``, one flattened (row-major) image per row.
    points : numpy.ndarray, shape (n, n_control, 2)
        Only with ``return_points``: the control points as (row, column) coordinates, pixel
        ``(i, j)`` centred at ``(i, j)``, after the fitting described below.

    Raises
    ------
    TypeError, ValueError
        If an argument has the wrong type or value.

    Notes
    -----
    Each curve is drawn independently:

    1. ``n_control`` points uniform in the square ``[1, size - 2]^2`` (pixel-centre
       coordinates, one pixel from the border);
    2. the natural cubic spline through them (zero curvature at both ends), parametrised by
       chord length (which limits the overshoot and loops that a uniform parametrisation
       makes when two points are close);
    3. if the spline overshoots the square, the curve and its points are shrunk about the image
       centre until it fits (about 5 % of the curves at the defaults), so that the centre
       line of every stroke stays at least one pixel inside the border;
    4. the spline is replaced by a polyline with vertices at most about 0.5 pixel apart, and
       each pixel gets ``exp(-d^2 / (2 width^2))``, ``d`` the exact distance from its centre
       to the polyline, or 0 beyond ``d = 3 width``.

    With ``width = 0.7`` the stroke is 1.65 pixels wide at half maximum; a curve of length
    ``L`` lights about ``1.65 L`` pixels above 0.5 (median about 45 at the defaults), which
    form one 8-connected stroke. Steps 2-4 run in one numba kernel (after a batched solve for
    the spline coefficients): 20000 images of 28 x 28 took 0.36-0.55 s on a shared 2-core
    machine, plus about 3 s of compilation on the very first call (then cached on disk).

    Examples
    --------
    >>> X = make_curves(5, rng=0)
    >>> X.shape, bool(X.min() >= 0.0), bool(X.max() <= 1.0)
    ((5, 784), True, True)
    >>> bool(np.array_equal(X, make_curves(5, rng=0)))
    True
    """
    n = check_int("n", n, 0)
    size = check_int("size", size, 4)
    n_control = check_int("n_control", n_control, 2)
    width = check_positive_float("width", width)
    gen = as_generator(rng)
    centre = (size - 1.0) / 2.0
    half = centre - _CURVE_MARGIN
    points = gen.uniform(centre - half, centre + half, size=(n, n_control, 2))
    images = np.zeros((n, size, size))
    shrink = np.ones(n)
    coarse = np.linspace(0.0, 1.0, 8 * (n_control - 1) + 1)
    for start in range(0, n, _CURVE_CHUNK):
        stop = min(start + _CURVE_CHUNK, n)
        t, coef = _natural_spline(points[start:stop])
        # Vertices per curve from its largest coarse step (the spline's top speed), so that
        # steps stay near _CURVE_SPACING on every curve whatever its length.
        trial = _spline_values(t, coef, np.broadcast_to(coarse, (stop - start, coarse.size)))
        step = np.max(np.linalg.norm(np.diff(trial, axis=1), axis=2), axis=1)
        counts = np.ceil(step * (coarse.size - 1) / _CURVE_SPACING).astype(np.int64) + 1
        curves_kernel(t, coef, np.maximum(counts, 2), centre, half, width,
                       images[start:stop], shrink[start:stop])
    points = centre + (points - centre) * shrink[:, None, None]
    images = images.reshape(n, size * size)
    return (images, points) if return_points else images
