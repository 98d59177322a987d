"""Dense random-matrix ensembles: Wigner (GOE, GUE, GSE, any entry law) and Wishart.

Normalisation (the library's one convention, ``docs/theory.md`` section 1): a Wigner
matrix of size N has E|H_ij|^2 = 1/N off the diagonal and E H_ii^2 = 2/(beta N) on it, so
its spectrum fills [-2, 2] (Wigner 1958). Only the N(N+1)/2 numbers the matrix needs are
drawn, straight into its upper triangle; a jitted kernel scales and mirrors them.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import _ensemble_kernels as _k
from ._validation import check_beta, check_int, check_memory, check_size
from .random import as_generator

__all__ = ["wigner", "goe", "gue", "gse", "wishart"]

_DTYPES = {np.dtype(np.float64): (np.float64, np.complex128),
           np.dtype(np.float32): (np.float32, np.complex64)}


def _real_complex(dtype) -> tuple[type, type]:
    try:
        if dtype is None:  # numpy reads None as float64: refused, not guessed
            raise TypeError
        return _DTYPES[np.dtype(dtype)]
    except (KeyError, TypeError):
        raise TypeError(f"dtype must be float64 or float32; got {dtype!r}") from None


def _check_batch_memory(n: int, size, shape, side: int, itemsize: int, copies: int) -> None:
    """Refuse a draw whose ``copies`` arrays of ``shape + (side, side)`` cannot fit."""
    count = 1 if shape is None else int(np.prod(shape, dtype=object))
    check_memory(f"n = {n} and size = {size!r}", copies * count * side * side * itemsize,
                 f"{count} matrices of side {side} ({copies} arrays of them while drawing)")


def _rademacher(rng: np.random.Generator, shape) -> np.ndarray:
    return rng.integers(0, 2, size=shape, dtype=np.int8) * 2.0 - 1.0


def _draw_entries(entries: Callable, rng: np.random.Generator, count: int) -> np.ndarray:
    out = np.asarray(entries(rng, (count,)))
    if out.shape != (count,):
        raise ValueError(f"entries(rng, shape) must return an array of shape {(count,)}; "
                         f"got shape {out.shape}")
    if out.dtype.kind not in "biuf" or not np.all(np.isfinite(out)):
        raise ValueError("entries(rng, shape) must return finite real numbers")
    return out


def _gaussian_wigner(n: int, beta: float, rng: np.random.Generator, real, cplx,
                     total: int | None = None) -> np.ndarray:
    """GOE (beta 1) or GUE (beta 2): the upper triangle drawn row by row, then mirrored.

    One matrix (``total`` None) is drawn in place; a batch draws all its numbers in one
    call, in the same order, and a jitted kernel unpacks them.
    """
    width = 1 if beta == 1 else 2
    off_scale = 1.0 / np.sqrt(width * n)
    diag_scale = np.sqrt(2.0 / (beta * n))
    dtype = real if beta == 1 else cplx
    if total is None:
        H = np.empty((n, n), dtype=dtype)
        for i in range(n):
            # A row of complex numbers is a contiguous row of twice as many reals.
            rng.standard_normal(dtype=real, out=H[i, i:].view(real))
        _k.scale_and_mirror(H, off_scale, diag_scale)
        return H
    H = np.empty((total, n, n), dtype=dtype)
    buf = rng.standard_normal(total * width * n * (n + 1) // 2, dtype=real)
    _k.unpack_upper_rows(H.view(real), buf, width)
    _k.scale_and_mirror_batch(H, off_scale, diag_scale)
    return H


def _packed_wigner(n: int, beta: float, entries: Callable, rng, real, cplx) -> np.ndarray:
    m = n * (n - 1) // 2
    diag = _draw_entries(entries, rng, n)
    if beta == 1:
        H = np.empty((n, n), dtype=real)
        upper = _draw_entries(entries, rng, m)
        _k.fill_from_packed(H, upper, diag, 1.0 / np.sqrt(n), np.sqrt(2.0 / n))
    else:
        H = np.empty((n, n), dtype=cplx)
        upper = _draw_entries(entries, rng, m) + 1j * _draw_entries(entries, rng, m)
        _k.fill_from_packed(H, upper, diag.astype(np.complex128), 1.0 / np.sqrt(2.0 * n),
                            np.sqrt(1.0 / n))
    return H


def _gse(n: int, rng: np.random.Generator, real, cplx) -> np.ndarray:
    # Quaternion q = a + b i + c j + d k as the 2 x 2 complex block [[a + bi, c + di],
    # [-c + di, a - bi]]; the self-dual matrix is [[A, B], [-conj(B), conj(A)]] with A
    # Hermitian, B complex antisymmetric. Each of a, b, c, d has variance 1/(4N) off the
    # diagonal (E|q|^2 = 1/N) and the real diagonal has variance 2/(4N).
    s = 0.5 / np.sqrt(n)
    z = rng.standard_normal((4, n, n), dtype=real)
    A = np.triu(z[0] + 1j * z[1], 1) * s
    B = np.triu(z[2] + 1j * z[3], 1) * s
    A = A + A.conj().T + np.diag(rng.standard_normal(n, dtype=real) * np.sqrt(0.5 / n))
    B = B - B.T
    return np.block([[A, B], [-B.conj(), A.conj()]]).astype(cplx, copy=False)


def wigner(n: int, beta: int = 1, *, entries: str | Callable = "gaussian",
           size: int | tuple[int, ...] | None = None, dtype=np.float64,
           rng=None) -> np.ndarray:
    """Sample a Wigner matrix (GOE, GUE, GSE or any entry law) of size ``n``.

    Parameters
    ----------
    n : int
        Matrix size N (for ``beta = 4``, the number of distinct eigenvalues).
    beta : {1, 2, 4}
        1: real symmetric (GOE); 2: complex Hermitian (GUE); 4: quaternion self-dual (GSE),
        returned as a ``2n x 2n`` complex Hermitian matrix whose eigenvalues come in
        equal pairs (Kramers degeneracy).
    entries : {"gaussian", "rademacher"} or callable
        Law of the entries before scaling. ``"rademacher"``: +-1 with probability 1/2. A
        callable ``entries(rng, shape) -> ndarray`` must return i.i.d. real numbers with
        mean 0 and variance 1 (complex entries use two independent draws). Non-Gaussian
        entries need ``beta`` 1 or 2.
    size : int or tuple of int, optional
        Batch shape; the result then has shape ``size + (n, n)``. For Gaussian GOE/GUE a
        batch holds exactly the matrices that successive one-matrix calls on the same
        generator would return.
    dtype : float64 or float32
        Precision of the real (or real and imaginary) parts.
    rng : None, int, SeedSequence or Generator
        Source of randomness (:func:`rmt.random.as_generator`).

    Returns
    -------
    ndarray, shape ``size + (n, n)`` (``size + (2n, 2n)`` for ``beta = 4``)

    Notes
    -----
    E|H_ij|^2 = 1/N (i != j), E H_ii^2 = 2/(beta N): the density of a Gaussian sample is
    proportional to exp(-beta N tr H^2 / 4) and the spectrum tends to the semicircle
    sqrt(4 - x^2)/(2 pi) on [-2, 2] for any entry law with these two moments (Wigner 1958;
    Mehta, *Random Matrices*, 3rd ed., ch. 2). Gaussian GOE/GUE samples cost about half
    of ``rng.standard_normal((n, n))``: only the upper triangle is drawn.

    Examples
    --------
    >>> import rmt
    >>> H = rmt.wigner(500, beta=1, entries="rademacher", rng=0)
    >>> H.shape, bool((H == H.T).all())
    ((500, 500), True)
    """
    n = check_int("n", n)
    beta = check_beta(beta, allowed=(1, 2, 4))
    shape = check_size(size)
    real, cplx = _real_complex(dtype)
    _check_batch_memory(n, size, shape, 2 * n if beta == 4 else n,
                        np.dtype(real if beta == 1 else cplx).itemsize, 2)
    if isinstance(entries, str):
        if entries not in ("gaussian", "rademacher"):
            raise ValueError(f"entries must be 'gaussian', 'rademacher' or a callable; "
                             f"got {entries!r}")
        law = None if entries == "gaussian" else _rademacher
    elif callable(entries):
        law = entries
    else:
        raise TypeError(f"entries must be 'gaussian', 'rademacher' or a callable; "
                        f"got {type(entries).__name__}")
    if law is not None and beta == 4:
        raise ValueError("beta=4 (GSE) supports only entries='gaussian'")
    rng = as_generator(rng)

    if law is None and beta != 4:
        total = None if shape is None else int(np.prod(shape))
        H = _gaussian_wigner(n, beta, rng, real, cplx, total)
        return H if shape is None else H.reshape(shape + (n, n))

    def one() -> np.ndarray:
        if beta == 4:
            return _gse(n, rng, real, cplx)
        return _packed_wigner(n, beta, law, rng, real, cplx)

    if shape is None:
        return one()
    side = 2 * n if beta == 4 else n
    out = np.empty(shape + (side, side), dtype=real if beta == 1 else cplx)
    for idx in np.ndindex(*shape):
        out[idx] = one()
    return out


def goe(n: int, *, size=None, dtype=np.float64, rng=None) -> np.ndarray:
    """Gaussian Orthogonal Ensemble: ``wigner(n, beta=1, rng=rng, size=size, dtype=dtype)``.

    Real symmetric, H_ij ~ N(0, 1/N) (i < j), H_ii ~ N(0, 2/N); spectrum on [-2, 2].

    Examples
    --------
    >>> import rmt
    >>> H = rmt.goe(2000, rng=0)
    >>> float(abs(H).max()) < 1
    True
    """
    return wigner(n, beta=1, rng=rng, size=size, dtype=dtype)


def gue(n: int, *, size=None, dtype=np.float64, rng=None) -> np.ndarray:
    """Gaussian Unitary Ensemble: ``wigner(n, beta=2, ...)``, complex Hermitian, E|H_ij|^2 = 1/N."""
    return wigner(n, beta=2, rng=rng, size=size, dtype=dtype)


def gse(n: int, *, size=None, dtype=np.float64, rng=None) -> np.ndarray:
    """Gaussian Symplectic Ensemble: ``wigner(n, beta=4, ...)`` as a 2n x 2n complex matrix."""
    return wigner(n, beta=4, rng=rng, size=size, dtype=dtype)


def wishart(n: int, m: int, *, size=None, beta: int = 1, dtype=np.float64,
            rng=None) -> np.ndarray:
    """Wishart (Laguerre) matrix W = X X^* / M with X of size N x M, standard Gaussian entries.

    Parameters
    ----------
    n, m : int
        N rows and M >= N columns of X; ratio q = N/M in (0, 1].
    size, dtype
        As in :func:`wigner`.
    beta : {1, 2}
        Real (1) or complex (2, E|X_ij|^2 = 1) entries.
    rng : None, int, SeedSequence or Generator
        Source of randomness.

    Returns
    -------
    ndarray, shape ``size + (n, n)``

    Notes
    -----
    As N, M -> infinity with N/M -> q the spectrum tends to the Marchenko–Pastur law on
    [(1 - sqrt q)^2, (1 + sqrt q)^2] with mean 1 and variance q (Marchenko & Pastur 1967).
    One BLAS product per matrix.
    """
    n = check_int("n", n)
    m = check_int("m", m)
    if m < n:
        raise ValueError(f"m must be >= n so that q = n/m lies in (0, 1]; got n={n}, m={m}")
    beta = check_beta(beta, allowed=(1, 2))
    shape = check_size(size)
    real, cplx = _real_complex(dtype)
    item = np.dtype(real if beta == 1 else cplx).itemsize
    check_memory(f"n = {n} and m = {m}", 2 * n * m * item, "the n x m factor X")
    _check_batch_memory(n, size, shape, n, item, 1)
    rng = as_generator(rng)

    def one() -> np.ndarray:
        X = rng.standard_normal((n, m), dtype=real)
        if beta == 2:
            X = (X + 1j * rng.standard_normal((n, m), dtype=real)) * np.sqrt(0.5)
        return (X @ X.conj().T) / m

    if shape is None:
        return one()
    out = np.empty(shape + (n, n), dtype=real if beta == 1 else cplx)
    for idx in np.ndindex(*shape):
        out[idx] = one()
    return out
