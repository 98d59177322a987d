"""Opt-in, checksummed download of MNIST and CIFAR-10 into a cache folder.

Nothing is ever downloaded implicitly: :func:`download` fetches a data set only when called,
into ``$RMT_DATA`` or ``~/.cache/rmt-landscapes``, checks every file against the SHA-256
digest recorded here (``_SOURCES``) and extracts the CIFAR-10 archive safely (no links,
absolute paths or ``..``; the ``"data"`` extraction filter where Python has it).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
import tempfile
import urllib.request
from pathlib import Path

from rmt._validation import check_bool, check_choice, check_positive_float

from .readers import _CIFAR_BATCHES, _CIFAR_FOLDER, _check_path

__all__ = ["download"]

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
        :func:`fields.data.load_mnist`) or ``cache_dir/cifar-10-batches-py`` (for
        :func:`fields.data.load_cifar10`).

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
    name = check_choice("name", name, _SOURCES)
    force = check_bool("force", force)
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

