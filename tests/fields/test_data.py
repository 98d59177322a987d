"""Image data: IDX/MNIST, CIFAR-10 and CURVES readers on files written here, resizing, the
CURVES generator against a slow reference, and checksummed download through file:// URLs only.
"""

import gzip
import hashlib
import io
import pickle
import sys
import tarfile
import urllib.error
import urllib.parse
import urllib.request

import numpy as np
import pytest
import scipy.io
from scipy import ndimage
from scipy.interpolate import make_interp_spline

from fields.data import (
    curves,
    download,
    downloads,
    load_cifar10,
    load_curves_mat,
    load_digits,
    load_mnist,
    make_curves,
    read_idx,
    resize_images,
)

_IDX_CODES = {np.uint8: 0x08, np.int8: 0x09, np.int16: 0x0B, np.int32: 0x0C, np.float32: 0x0D,
              np.float64: 0x0E}


def idx_bytes(array: np.ndarray) -> bytes:
    """The IDX encoding of ``array``, written independently of the reader."""
    header = bytes([0, 0, _IDX_CODES[array.dtype.type], array.ndim])
    header += b"".join(int(s).to_bytes(4, "big") for s in array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write(path, payload: bytes, gz: bool = False):
    path.write_bytes(gzip.compress(payload) if gz else payload)
    return path


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Every URL opened by these tests must be a local file:// URL."""
    real = urllib.request.urlopen

    def local_only(url, *args, **kwargs):
        assert urllib.parse.urlparse(url).scheme == "file", f"network access attempted: {url}"
        return real(url, *args, **kwargs)

    monkeypatch.setattr(urllib.request, "urlopen", local_only)


# --------------------------------------------------------------------------- IDX / MNIST -----


@pytest.mark.parametrize("dtype", list(_IDX_CODES))
@pytest.mark.parametrize("gz", [False, True])
def test_read_idx_round_trip(tmp_path, dtype, gz):
    rng = np.random.default_rng(0)
    if np.dtype(dtype).kind == "f":
        array = rng.standard_normal((3, 4, 2)).astype(dtype)
    else:
        info = np.iinfo(dtype)
        array = rng.integers(info.min, info.max, size=(3, 4, 2), endpoint=True, dtype=dtype)
    out = read_idx(write(tmp_path / "x.idx", idx_bytes(array), gz))
    assert out.dtype == np.dtype(dtype) and out.dtype.isnative and out.flags.writeable
    np.testing.assert_array_equal(out, array)
    # One dimension (labels) and an empty array.
    np.testing.assert_array_equal(read_idx(write(tmp_path / "y", idx_bytes(array[:, 0, 0]))),
                                  array[:, 0, 0])
    assert read_idx(write(tmp_path / "z", idx_bytes(array[:0]))).shape == (0, 4, 2)


def test_read_idx_refuses_bad_files(tmp_path):
    good = idx_bytes(np.arange(6, dtype=np.uint8).reshape(2, 3))
    cases = {
        "short": (b"\x00\x00", "not an IDX file"),
        "magic": (b"\x01" + good[1:], "not an IDX file"),
        "code": (good[:2] + b"\x07" + good[3:], "not an IDX file"),
        "header": (good[:6], "truncated IDX header"),
        "truncated": (good[:-1], "truncated IDX file"),
        "trailing": (good + b"\x00", "trailing bytes"),
    }
    for name, (payload, message) in cases.items():
        path = write(tmp_path / f"{name}.idx", payload)
        with pytest.raises(ValueError, match=message) as err:
            read_idx(path)
        assert str(path) in str(err.value)
    corrupt = tmp_path / "corrupt.gz"
    corrupt.write_bytes(gzip.compress(good)[:-6])
    with pytest.raises(ValueError, match="corrupt gzip"):
        read_idx(corrupt)
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "absent")
    with pytest.raises(TypeError, match="path must be a path"):
        read_idx(3)


def write_mnist(folder, prefix, images, labels, gz=True):
    suffix = ".gz" if gz else ""
    write(folder / f"{prefix}-images-idx3-ubyte{suffix}", idx_bytes(images), gz)
    write(folder / f"{prefix}-labels-idx1-ubyte{suffix}", idx_bytes(labels), gz)


def test_load_mnist(tmp_path):
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, size=(5, 4, 6), dtype=np.uint8)
    labels = np.array([3, 1, 4, 1, 5], dtype=np.uint8)
    write_mnist(tmp_path, "train", images, labels, gz=True)
    write_mnist(tmp_path, "t10k", images[:2], labels[:2], gz=False)
    X, y = load_mnist(tmp_path)
    assert X.dtype == np.float64 and y.dtype == np.int64
    np.testing.assert_array_equal(X, images.reshape(5, 24) / 255.0)
    np.testing.assert_array_equal(y, labels)
    X, y = load_mnist(str(tmp_path), kind="test")
    np.testing.assert_array_equal(X, images[:2].reshape(2, 24) / 255.0)
    np.testing.assert_array_equal(y, [3, 1])
    # Resized to 2 x 3: exact means of the 2 x 2 blocks.
    X, _ = load_mnist(tmp_path, size=(2, 3))
    blocks = (images / 255.0).reshape(5, 2, 2, 3, 2).mean(axis=(2, 4))
    np.testing.assert_allclose(X, blocks.reshape(5, 6), rtol=1e-14)


def test_load_mnist_refuses(tmp_path):
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte.gz.*download"):
        load_mnist(tmp_path)
    images = np.zeros((3, 2, 2), dtype=np.uint8)
    write_mnist(tmp_path, "train", images, np.zeros(2, dtype=np.uint8))
    with pytest.raises(ValueError, match="do not match"):
        load_mnist(tmp_path)
    with pytest.raises(ValueError, match="kind must be 'train' or 'test'"):
        load_mnist(tmp_path, kind="validation")
    with pytest.raises(ValueError, match="size must be None or a pair"):
        load_mnist(tmp_path, size=10)
    with pytest.raises(ValueError, match=r"size\[1\] must be an integer >= 1"):
        load_mnist(tmp_path, size=(10, 0))
    with pytest.raises(TypeError, match="folder must be a path"):
        load_mnist(None)


# --------------------------------------------------------------------------- CIFAR-10 --------


def write_cifar(folder, n_per_batch=2, seed=0):
    """Six batches of random images; returns (train data, train labels, test data, labels)."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        images = rng.integers(0, 256, size=(n_per_batch, 3072), dtype=np.uint8)
        labels = rng.integers(0, 10, size=n_per_batch).tolist()
        with open(folder / name, "wb") as fh:
            pickle.dump({b"batch_label": name.encode(), b"data": images, b"labels": labels}, fh)
        out[name] = (images, labels)
    train = [out[f"data_batch_{i}"] for i in range(1, 6)]
    return (np.concatenate([d for d, _ in train]), np.concatenate([lab for _, lab in train]),
            *out["test_batch"])


def test_load_cifar10(tmp_path):
    folder = tmp_path / "cifar-10-batches-py"
    train, train_labels, test, test_labels = write_cifar(folder)
    # Colour: the bytes / 255, channel-major as stored; from the folder or its parent.
    for where in (folder, tmp_path):
        X, y = load_cifar10(where, grayscale=False)
        np.testing.assert_array_equal(X, train / 255.0)
        np.testing.assert_array_equal(y, train_labels)
        assert y.dtype == np.int64 and X.shape == (10, 3072)
    # Grayscale: 0.299 R + 0.587 G + 0.114 B, per pixel.
    X, y = load_cifar10(tmp_path, kind="test")
    rgb = test.reshape(2, 3, 1024) / 255.0
    expected = 0.299 * rgb[:, 0] + 0.587 * rgb[:, 1] + 0.114 * rgb[:, 2]
    np.testing.assert_allclose(X, expected, rtol=1e-14, atol=1e-15)
    np.testing.assert_array_equal(y, test_labels)
    assert X.min() >= 0.0 and X.max() <= 1.0
    # Resized to 16 x 16: means of 2 x 2 blocks, of each channel in colour.
    X, _ = load_cifar10(tmp_path, kind="test", size=(16, 16))
    np.testing.assert_allclose(
        X, expected.reshape(2, 16, 2, 16, 2).mean(axis=(2, 4)).reshape(2, 256), rtol=1e-13)
    X, _ = load_cifar10(tmp_path, kind="test", size=(16, 16), grayscale=False)
    np.testing.assert_allclose(
        X, rgb.reshape(2, 3, 16, 2, 16, 2).mean(axis=(3, 5)).reshape(2, 768), rtol=1e-13)


def test_grayscale_weights_on_pure_colours(tmp_path):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    pure = np.zeros((4, 3, 1024), dtype=np.uint8)
    for c in range(3):
        pure[c, c] = 255
    pure[3] = 255
    with open(folder / "test_batch", "wb") as fh:
        pickle.dump({b"data": pure.reshape(4, 3072), b"labels": [0, 1, 2, 3]}, fh)
    X, _ = load_cifar10(folder, kind="test")
    np.testing.assert_allclose(X, np.repeat([[0.299], [0.587], [0.114], [1.0]], 1024, axis=1),
                               rtol=1e-15)


def test_load_cifar10_refuses(tmp_path):
    with pytest.raises(FileNotFoundError, match="data_batch_1.*download"):
        load_cifar10(tmp_path)
    write_cifar(tmp_path)
    (tmp_path / "data_batch_3").unlink()
    with pytest.raises(FileNotFoundError, match="missing data_batch_3"):
        load_cifar10(tmp_path)
    with open(tmp_path / "test_batch", "wb") as fh:
        pickle.dump({b"data": np.zeros((2, 100), dtype=np.uint8), b"labels": [0, 1]}, fh)
    with pytest.raises(ValueError, match="test_batch: expected uint8 data of shape"):
        load_cifar10(tmp_path, kind="test")
    with open(tmp_path / "test_batch", "wb") as fh:
        pickle.dump([1, 2, 3], fh)
    with pytest.raises(ValueError, match="not a CIFAR-10 batch"):
        load_cifar10(tmp_path, kind="test")
    with pytest.raises(ValueError, match="kind must be"):
        load_cifar10(tmp_path, kind="all")
    with pytest.raises(ValueError, match="size must be None or a pair"):
        load_cifar10(tmp_path, size=(1, 2, 3))


# --------------------------------------------------------------------------- resizing --------


def area_reference(images, h2, w2):
    """Area averaging the slow way: split every pixel into h2 x w2 equal parts, then average
    blocks of h x w parts (each new pixel covers exactly h x w of them)."""
    n, h, w = images.shape
    fine = np.kron(images, np.ones((1, h2, w2)))
    return fine.reshape(n, h2, h, w2, w).mean(axis=(2, 4))


@pytest.mark.parametrize("method", ["area", "bilinear"])
@pytest.mark.parametrize("shape, size", [((28, 28), (10, 10)), ((5, 7), (8, 3)), ((4, 4), (1, 1))])
def test_resize_keeps_constants(method, shape, size):
    out = resize_images(np.full((2, *shape), 0.37), size, method=method)
    assert out.shape == (2, *size) and out.dtype == np.float64
    np.testing.assert_allclose(out, 0.37, rtol=1e-14)


def test_resize_area():
    rng = np.random.default_rng(2)
    # Integer factors: exact block means.
    small = rng.random((3, 4, 5))
    np.testing.assert_allclose(resize_images(np.kron(small, np.ones((1, 3, 2))), (4, 5)), small,
                               rtol=1e-14)
    x = rng.random((3, 28, 28))
    np.testing.assert_allclose(resize_images(x, (14, 7)),
                               x.reshape(3, 14, 2, 7, 4).mean(axis=(2, 4)), rtol=1e-13)
    # Any factors, shrinking or enlarging: the overlap-weighted mean, which keeps the mean.
    for size in [(10, 10), (9, 12), (40, 31)]:
        out = resize_images(x, size)
        np.testing.assert_allclose(out, area_reference(x, *size), rtol=1e-12)
        np.testing.assert_allclose(out.mean(axis=(1, 2)), x.mean(axis=(1, 2)), rtol=1e-12)
    # Integers in, floats out; a block image stays a block image.
    ints = np.kron(np.array([[[0, 2], [4, 6]]]), np.ones((1, 3, 3), dtype=int))
    np.testing.assert_array_equal(resize_images(ints, (2, 2)), [[[0.0, 2.0], [4.0, 6.0]]])


def test_resize_bilinear_matches_scipy():
    x = np.random.default_rng(3).random((2, 6, 6))
    np.testing.assert_array_equal(
        resize_images(x, (12, 9), method="bilinear"),
        ndimage.zoom(x, (1, 2, 1.5), order=1, mode="nearest", grid_mode=True))


def test_resize_refuses():
    x = np.zeros((1, 4, 4))
    with pytest.raises(ValueError, match="images must have shape"):
        resize_images(np.zeros((4, 4)), (2, 2))
    with pytest.raises(ValueError, match="images must be finite"):
        resize_images(np.full((1, 2, 2), np.nan), (1, 1))
    with pytest.raises(TypeError, match="images must hold real numbers"):
        resize_images(np.array([[["a"]]]), (1, 1))
    with pytest.raises(ValueError, match="size must be a pair"):
        resize_images(x, None)
    with pytest.raises(ValueError, match=r"size\[0\] must be an integer >= 1"):
        resize_images(x, (0, 2))
    with pytest.raises(TypeError, match=r"size\[1\] must be an integer"):
        resize_images(x, (2, 2.5))
    with pytest.raises(ValueError, match="method must be"):
        resize_images(x, (2, 2), method="cubic")


# --------------------------------------------------------------------------- CURVES ----------


def reference_curves(points, size, width):
    """Slow reference: scipy's natural spline through the points (chord-length knots), 4000
    samples, intensity exp(-d^2 / 2 width^2) of the distance d from each pixel centre."""
    out = np.zeros((len(points), size * size))
    grid = np.stack(np.meshgrid(np.arange(size), np.arange(size), indexing="ij"), -1)
    grid = grid.reshape(-1, 1, 2)
    for i, p in enumerate(points):
        knots = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(p, axis=0), axis=1))])
        curve = make_interp_spline(knots, p, k=3, bc_type="natural")(
            np.linspace(0.0, knots[-1], 4000))
        d2 = np.min(np.sum((grid - curve[None]) ** 2, axis=2), axis=1)
        out[i] = np.where(d2 < 9 * width**2, np.exp(-d2 / (2 * width**2)), 0.0)
    return out


def test_natural_spline_matches_scipy():
    points = np.random.default_rng(4).uniform(0, 27, size=(20, 5, 2))
    t, coef = curves._natural_spline(points)
    u = np.linspace(0.0, 1.0, 57)
    values = curves._spline_values(t, coef, np.broadcast_to(u, (20, 57)))
    for i in range(20):
        ref = make_interp_spline(t[i], points[i], k=3, bc_type="natural")(u)
        np.testing.assert_allclose(values[i], ref, rtol=0, atol=1e-12)


@pytest.mark.parametrize("n_control, size, width", [(3, 28, 0.7), (2, 16, 0.5), (5, 20, 1.2)])
def test_curves_match_reference(n_control, size, width):
    X, points = make_curves(12, size=size, n_control=n_control, width=width, rng=5,
                            return_points=True)
    assert X.shape == (12, size * size) and points.shape == (12, n_control, 2)
    # The polyline (vertices <= ~0.5 px apart) is within ~0.01 px of the spline, and the
    # reference's 4000 samples within ~0.01 px of it: intensities agree to ~0.02 / width.
    np.testing.assert_allclose(X, reference_curves(points, size, width), atol=0.03)


def test_curves_seeded_and_in_range():
    a = make_curves(50, rng=7)
    assert a.shape == (50, 784) and a.dtype == np.float64
    assert np.array_equal(a, make_curves(50, rng=np.random.default_rng(7)))
    assert np.array_equal(a, make_curves(50, rng=np.random.SeedSequence(7)))
    assert not np.array_equal(a, make_curves(50, rng=8))
    assert a.min() == 0.0 and a.max() <= 1.0
    assert make_curves(0, rng=0).shape == (0, 784)


def test_curves_are_one_plausible_stroke():
    X, points = make_curves(300, rng=9, return_points=True)
    images = X.reshape(-1, 28, 28)
    # Control points inside the square one pixel from the border, and on the stroke: the pixel
    # nearest each is at most sqrt(2)/2 from the curve, so at least exp(-0.5 / 0.98) = 0.60.
    assert points.min() >= 1.0 - 1e-12 and points.max() <= 26.0 + 1e-12
    # So is the whole curve (shrunk to fit where the spline overshoots): the border pixels are
    # at least 1 px from it, at most exp(-1 / 0.98) = 0.36.
    border = np.concatenate([images[:, [0, -1], :].ravel(), images[:, :, [0, -1]].ravel()])
    assert border.max() <= np.exp(-1 / 0.98) + 1e-12
    rows = np.arange(300)[:, None]
    nearest = np.rint(points).astype(int)
    assert images[rows, nearest[..., 0], nearest[..., 1]].min() >= np.exp(-0.5 / 0.98) - 1e-12
    lit = images > 0.5
    counts = lit.sum(axis=(1, 2))
    for image in lit:
        assert ndimage.label(image, structure=np.ones((3, 3)))[1] == 1
    # An 8-connected stroke joining pixels near two control points has at least their
    # Chebyshev distance + 1 pixels; ~1.65 lit pixels per pixel of length bound it above (a
    # curve through 3 points of a 26 x 26 square is far shorter than 180 px).
    spread = np.abs(nearest[:, :, None] - nearest[:, None, :]).max(axis=(1, 2, 3))
    assert np.all(counts >= spread + 1)
    assert counts.max() <= 300
    assert 30 <= np.median(counts) <= 80


def test_make_curves_refuses():
    with pytest.raises(ValueError, match="n must be an integer >= 0"):
        make_curves(-1)
    with pytest.raises(TypeError, match="n must be an integer"):
        make_curves(2.0)
    with pytest.raises(ValueError, match="size must be an integer >= 4"):
        make_curves(1, size=3)
    with pytest.raises(ValueError, match="n_control must be an integer >= 2"):
        make_curves(1, n_control=1)
    with pytest.raises(ValueError, match="width must be a finite number > 0"):
        make_curves(1, width=0.0)
    with pytest.raises(TypeError, match="rng must be"):
        make_curves(1, rng="seed")


def test_load_curves_mat(tmp_path):
    rng = np.random.default_rng(10)
    train, test = rng.random((6, 784)), rng.random((3, 784))
    path = tmp_path / "digs3pts_1.mat"
    scipy.io.savemat(path, {"bdata": train, "bdatatest": test})
    got_train, got_test = load_curves_mat(path)
    np.testing.assert_array_equal(got_train, train)
    np.testing.assert_array_equal(got_test, test)
    assert got_train.dtype == np.float64
    scipy.io.savemat(tmp_path / "other.mat", {"bdata": train})
    with pytest.raises(KeyError, match="bdatatest.*it holds"):
        load_curves_mat(tmp_path / "other.mat")
    scipy.io.savemat(tmp_path / "bad.mat", {"bdata": train, "bdatatest": test[:, :10]})
    with pytest.raises(ValueError, match="same number of columns"):
        load_curves_mat(tmp_path / "bad.mat")
    with pytest.raises(FileNotFoundError):
        load_curves_mat(tmp_path / "absent.mat")


# --------------------------------------------------------------------------- digits ----------


def test_load_digits():
    pytest.importorskip("sklearn")
    X, y = load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64 and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    np.testing.assert_array_equal(np.unique(y), np.arange(10))
    images, y3 = load_digits(n_classes=3, return_images=True)
    assert images.shape == (len(y3), 8, 8) and set(y3.tolist()) == {0, 1, 2}
    np.testing.assert_array_equal(images.reshape(-1, 64), X[y < 3])


def test_load_digits_without_sklearn(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match="pip install scikit-learn"):
        load_digits()
    with pytest.raises(ValueError, match="n_classes must be an integer in 1..10"):
        load_digits(n_classes=11)
    with pytest.raises(ValueError, match="n_classes must be an integer >= 1"):
        load_digits(n_classes=0)


# --------------------------------------------------------------------------- download --------


def serve(monkeypatch, server, name, files):
    """Point the download table of ``name`` at copies of ``files`` ({name: bytes}) in
    ``server``, with their true digests."""
    server.mkdir(parents=True, exist_ok=True)
    table = []
    for filename, payload in files.items():
        (server / filename).write_bytes(payload)
        table.append((filename, (server / filename).as_uri(), hashlib.sha256(payload).hexdigest()))
    monkeypatch.setitem(downloads._SOURCES, name, tuple(table))


def test_download_mnist(monkeypatch, tmp_path):
    images = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    files = {}
    for prefix, n in (("train", 2), ("t10k", 1)):
        files[f"{prefix}-images-idx3-ubyte.gz"] = gzip.compress(idx_bytes(images[:n]))
        labels = np.arange(n, dtype=np.uint8)
        files[f"{prefix}-labels-idx1-ubyte.gz"] = gzip.compress(idx_bytes(labels))
    server = tmp_path / "server"
    serve(monkeypatch, server, "mnist", files)
    folder = download("mnist", tmp_path / "cache")
    assert folder == tmp_path / "cache" / "mnist"
    assert sorted(p.name for p in folder.iterdir()) == sorted(files)
    X, y = load_mnist(folder)
    np.testing.assert_array_equal(X, images.reshape(2, 9) / 255.0)
    # Verified files are kept: a second call needs no server.
    for path in server.iterdir():
        path.unlink()
    assert download("mnist", tmp_path / "cache") == folder
    with pytest.raises(urllib.error.URLError):
        download("mnist", tmp_path / "cache", force=True)
    # The default cache is $RMT_DATA.
    serve(monkeypatch, server, "mnist", files)
    monkeypatch.setenv("RMT_DATA", str(tmp_path / "env"))
    assert download("mnist") == tmp_path / "env" / "mnist"


def test_download_checksum_mismatch(monkeypatch, tmp_path):
    serve(monkeypatch, tmp_path / "server", "mnist", {"train-images-idx3-ubyte.gz": b"payload"})
    filename, url, _ = downloads._SOURCES["mnist"][0]
    monkeypatch.setitem(downloads._SOURCES, "mnist", ((filename, url, "0" * 64),))
    with pytest.raises(ValueError, match="checksum mismatch.*deleted"):
        download("mnist", tmp_path / "cache")
    assert list((tmp_path / "cache" / "mnist").iterdir()) == []


def cifar_archive(members):
    """A tar.gz holding ``members`` ({name: bytes, or None for a symlink})."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, payload in members.items():
            info = tarfile.TarInfo(name)
            if payload is None:
                info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
                tar.addfile(info)
            else:
                info.size = len(payload)
                tar.addfile(info, io.BytesIO(payload))
    return buffer.getvalue()


def serve_cifar(monkeypatch, tmp_path, members):
    serve(monkeypatch, tmp_path / "server", "cifar10",
          {"cifar-10-python.tar.gz": cifar_archive(members)})


def test_download_cifar10(monkeypatch, tmp_path):
    written = tmp_path / "written"
    train, labels, _, _ = write_cifar(written)
    members = {f"cifar-10-batches-py/{p.name}": p.read_bytes() for p in written.iterdir()}
    serve_cifar(monkeypatch, tmp_path, members)
    folder = download("cifar10", tmp_path / "cache")
    assert folder == tmp_path / "cache" / "cifar-10-batches-py"
    X, y = load_cifar10(folder, grayscale=False)
    np.testing.assert_array_equal(X, train / 255.0)
    np.testing.assert_array_equal(y, labels)
    assert [p.name for p in (tmp_path / "cache").iterdir() if p.name.startswith(".")] == []
    # Unsafe members are refused and nothing is written outside the cache.
    for bad in ({"../evil": b"x"}, {"/tmp/evil": b"x"}, {"cifar-10-batches-py/link": None}):
        serve_cifar(monkeypatch, tmp_path, bad)
        with pytest.raises(ValueError, match="unsafe member"):
            download("cifar10", tmp_path / "bad")
        assert not (tmp_path / "bad" / "evil").exists() and not (tmp_path / "evil").exists()
    serve_cifar(monkeypatch, tmp_path, {"other/x": b"x"})
    with pytest.raises(ValueError, match="holds no cifar-10-batches-py"):
        download("cifar10", tmp_path / "other")


def test_download_refuses():
    with pytest.raises(ValueError, match="name must be one of"):
        download("imagenet")
    with pytest.raises(TypeError, match="cache_dir must be a path"):
        download("mnist", cache_dir=3)
    with pytest.raises(ValueError, match="timeout must be a finite number > 0"):
        download("mnist", timeout=0)
