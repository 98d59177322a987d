"""The Dumitriu–Edelman tridiagonal models: beta-Hermite (Wigner) and beta-Laguerre (Wishart).

For every beta > 0 these O(n)-memory models have the eigenvalue law of the beta-ensembles,
scaled here to the same limits as the dense samplers of :mod:`rmt.ensembles` (semicircle
on [-2, 2]; Marchenko–Pastur for W = X X^T / M). For beta = 1, 2, 4 they are equal in law to
the dense GOE, GUE, GSE and to real and complex Wishart matrices. Reference: Dumitriu &
Edelman, J. Math. Phys. 43 (2002) 5830, Theorems 2.12 and 3.4.
"""

from __future__ import annotations

import numpy as np

from ._validation import check_beta, check_int, check_memory, check_positive_float, check_size
from .random import as_generator

__all__ = ["hermite_tridiagonal", "laguerre_tridiagonal"]


def draw_hermite_raw(rng: np.random.Generator, n: int, beta: float, rows: int,
                     top: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Unscaled beta-Hermite entries: diagonal ~ N(0, 1), squared off-diagonal ~ Gamma(beta k/2).

    ``rows`` independent matrices; only the leading ``top`` rows (all by default) are drawn.
    The matrix with this diagonal and off-diagonal ``sqrt(gamma)`` is Dumitriu–Edelman's
    H_beta (diagonal N(0, 2)/sqrt 2, off-diagonal chi_{beta k}/sqrt 2, chi_k^2 / 2 being
    Gamma(k/2, 1)), whose eigenvalue density is proportional to
    prod |l_i - l_j|^beta exp(-sum l_i^2 / 2).
    """
    k = n if top is None else top
    z = rng.standard_normal((rows, k))
    shape = 0.5 * beta * np.arange(n - 1, n - k, -1, dtype=np.float64)
    g = rng.standard_gamma(shape, size=(rows, k - 1))
    return z, g


def hermite_tridiagonal(n: int, beta: float = 1, *,
                        size: int | tuple[int, ...] | None = None,
                        rng=None) -> tuple[np.ndarray, np.ndarray]:
    """Sample the beta-Hermite tridiagonal model, scaled to the semicircle on [-2, 2].

    Parameters
    ----------
    n : int
        Matrix size.
    beta : float > 0
        Dyson index; any positive value.
    size : int or tuple of int, optional
        Batch shape.
    rng : None, int, SeedSequence or Generator
        Source of randomness (:func:`rmt.random.as_generator`).

    Returns
    -------
    d : ndarray, shape ``size + (n,)``
        Diagonal, i.i.d. N(0, 2/(beta n)).
    e : ndarray, shape ``size + (n - 1,)``
        Off-diagonal, e_i = chi_{beta (n - i)} / sqrt(beta n), i = 1..n-1.

    Notes
    -----
    Dumitriu & Edelman's H_beta (diagonal N(0, 2)/sqrt 2, off-diagonal chi_{beta(n-1)},
    ..., chi_beta divided by sqrt 2) divided by sqrt(beta n / 2). For beta = 1 it is equal in
    law to the spectrum of :func:`rmt.goe`: both have eigenvalue density proportional to
    prod |l_i - l_j| exp(-n sum l_i^2 / 4), E tr H^2 = n + 1, and for n = 2
    P(both eigenvalues > 0) = (2 - sqrt 2)/4. O(n) memory and draws.

    Examples
    --------
    >>> import rmt
    >>> d, e = rmt.hermite_tridiagonal(10**6, beta=1, rng=0)
    >>> d.shape, e.shape
    ((1000000,), (999999,))
    """
    n = check_int("n", n)
    beta = check_beta(beta)
    shape = check_size(size)
    rows = 1 if shape is None else int(np.prod(shape, dtype=object))
    check_memory(f"n = {n} and size = {size!r}", 4 * 8 * rows * n,
                 f"{rows} tridiagonal matrices of side {n} (raw draws and results)")
    rng = as_generator(rng)
    z, g = draw_hermite_raw(rng, n, beta, rows)
    scale = np.sqrt(2.0 / (beta * n))
    d = z * scale
    e = np.sqrt(g) * scale
    batch = () if shape is None else shape
    return d.reshape(batch + (n,)), e.reshape(batch + (n - 1,))


def laguerre_tridiagonal(n: int, m: float, beta: float = 1, *,
                         size: int | tuple[int, ...] | None = None,
                         rng=None) -> tuple[np.ndarray, np.ndarray]:
    """Sample the beta-Laguerre (Wishart) tridiagonal model, scaled like W = X X^T / M.

    Parameters
    ----------
    n : int
        Matrix size N.
    m : float
        Number of samples M > N - 1 (need not be an integer for beta-ensembles);
        ratio q = N/M.
    beta : float > 0
        Dyson index.
    size, rng
        As in :func:`hermite_tridiagonal`.

    Returns
    -------
    d : ndarray, shape ``size + (n,)``
    e : ndarray, shape ``size + (n - 1,)``
        Diagonal and off-diagonal of T = B B^T / (beta M).

    Notes
    -----
    B is lower bidiagonal with diagonal chi_{beta M}, chi_{beta (M - 1)}, ...,
    chi_{beta (M - N + 1)} and sub-diagonal chi_{beta (N - 1)}, ..., chi_beta; B B^T has the
    eigenvalue law of the beta-Laguerre ensemble with parameter a = beta M / 2 (Dumitriu &
    Edelman 2002, Theorem 3.4), so T = B B^T / (beta M) has the spectrum of X X^T / M for
    beta = 1 (real) and beta = 2 (complex, E|X_ij|^2 = 1), and tends to the Marchenko–Pastur
    law with q = N/M for every beta.
    """
    n = check_int("n", n)
    m = check_positive_float("m", m)
    if m <= n - 1:
        raise ValueError(f"m must exceed n - 1 = {n - 1} (the beta-Laguerre parameter "
                         f"beta*m/2 must exceed beta*(n-1)/2); got m={m:g}")
    beta = check_beta(beta)
    shape = check_size(size)
    rows = 1 if shape is None else int(np.prod(shape, dtype=object))
    check_memory(f"n = {n} and size = {size!r}", 6 * 8 * rows * n,
                 f"{rows} tridiagonal matrices of side {n} (raw draws and results)")
    rng = as_generator(rng)
    # chi_k^2 = 2 Gamma(k/2): x2 = squared diagonal of B, y2 = squared sub-diagonal.
    x2 = 2.0 * rng.standard_gamma(0.5 * beta * (m - np.arange(n)), size=(rows, n))
    y2 = 2.0 * rng.standard_gamma(0.5 * beta * np.arange(n - 1, 0, -1, dtype=np.float64),
                                  size=(rows, n - 1))
    d = x2.copy()
    d[:, 1:] += y2
    e = np.sqrt(x2[:, :-1] * y2)
    d /= beta * m
    e /= beta * m
    batch = () if shape is None else shape
    return d.reshape(batch + (n,)), e.reshape(batch + (n - 1,))
