r"""Stationary Gaussian fields on a regular 1-, 2- or 3-D grid, and their discrete critical points.

:func:`grid_field` samples a centred stationary Gaussian field with covariance
``E f(x) f(y) = C(|x - y|^2)`` *exactly* at the nodes of a regular grid by circulant embedding
(Dietrich & Newsam 1997; Wood & Chan 1994): the covariance is wrapped onto a periodic grid at
least twice as large, whose covariance matrix is circulant and therefore diagonalised by the
FFT; when all its eigenvalues are nonnegative, filtering white noise by their square roots
gives a periodic field whose restriction to the original grid has exactly the wanted law, in
``O(G log G)`` operations for ``G`` grid points.

:func:`critical_points` classifies every interior node of a 2-D field as a minimum, maximum,
saddle or regular point: extrema by comparison with the 8 neighbours, saddles by the sign
changes of ``f(neighbour) - f(node)`` around the node's ring in a triangulation of the grid,
so that the indices obey the Euler relation exactly. :func:`local_minima` lists the minima,
and :func:`plot_critical_points` draws the talk's "2-D picture: many local minima" (Brady &
Raghavan).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np
import scipy.fft

from rmt._validation import check_positive_float, check_real_array, check_size
from rmt.random import as_generator

from ._limits import check_memory

__all__ = [
    "CriticalPoints",
    "critical_points",
    "grid_field",
    "local_minima",
    "plot_critical_points",
]

#: Largest number of points of the periodic embedding grid (one float64 copy is 256 MiB).
_MAX_EMBEDDING_POINTS = 2**25
#: Largest factor by which each axis of the minimal embedding (2 (n - 1) points) is grown.
_MAX_PADDING_FACTOR = 16
#: Embedding points processed at once when sampling a batch (bounds the temporary memory).
_CHUNK_POINTS = 2**22
#: Tolerated negative eigenvalue mass, relative to C(0): bounds the covariance error.
_NEGATIVE_MASS_TOL = 1e-10

#: The 8 neighbours of a node, in cyclic order around it (row offset, column offset).
_RING = ((-1, -1), (-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1))


# --------------------------------------------------------------------------- sampling --------


def _check_shape(shape) -> tuple[int, ...]:
    if isinstance(shape, numbers.Integral) and not isinstance(shape, bool):
        shape = (shape,)
    if not isinstance(shape, (tuple, list)) or not all(
        isinstance(n, numbers.Integral) and not isinstance(n, bool) for n in shape
    ):
        raise TypeError(f"shape must be an int or a tuple of ints; got {shape!r}")
    shape = tuple(int(n) for n in shape)
    if not 1 <= len(shape) <= 3:
        raise ValueError(f"shape must have 1, 2 or 3 entries (a 1-, 2- or 3-D grid); got {shape}")
    if any(n < 1 for n in shape):
        raise ValueError(f"shape entries must be integers >= 1; got {shape}")
    return shape


def _check_grid_memory(shape: tuple[int, ...], batch: tuple[int, ...]) -> None:
    """Refuse, before any work, an embedding above ``2**25`` points or fields above 4 GiB."""
    points = math.prod(max(2 * (n - 1), 1) for n in shape)
    if points > _MAX_EMBEDDING_POINTS:
        raise ValueError(
            f"shape: the periodic embedding of a grid of shape {shape} has at least {points} "
            f"points, above the limit of {_MAX_EMBEDDING_POINTS} ("
            f"{_MAX_EMBEDDING_POINTS * 8 // 2**20} MiB per float64 copy)"
        )
    n_fields = math.prod(batch)
    check_memory("size", 8 * n_fields * math.prod(shape),
                 f"{n_fields} fields of shape {shape}")


def _check_kernel(kernel):
    if not callable(getattr(kernel, "covariance", None)):
        raise TypeError(
            "kernel must have a method covariance(s) of the squared distance s; "
            f"got {type(kernel).__name__}"
        )
    return kernel


def _wrapped_covariance(kernel, spacing: float, m: tuple[int, ...]) -> np.ndarray:
    """The covariance on the periodic grid ``m``: ``c(k) = C(sum_j (h min(k_j, m_j - k_j))^2)``."""
    s = np.zeros(m)
    for axis, mj in enumerate(m):
        k = np.arange(mj)
        lag2 = (spacing * np.minimum(k, mj - k)) ** 2
        s = s + lag2.reshape((-1,) + (1,) * (len(m) - axis - 1))
    c = np.asarray(kernel.covariance(s), dtype=np.float64)
    if c.shape != s.shape:
        raise ValueError(
            f"kernel.covariance must return an array of the shape of its argument {s.shape}; "
            f"got shape {c.shape}"
        )
    if not np.all(np.isfinite(c)):
        raise ValueError("kernel.covariance returned NaN or Inf on the grid's lags")
    if not c.flat[0] > 0:
        raise ValueError(f"kernel.covariance(0) must be > 0 (the variance); got {c.flat[0]}")
    return c


def _half_spectrum_weights(m_last: int) -> np.ndarray:
    """Multiplicity of each ``rfftn`` frequency along the last axis in the full spectrum."""
    w = np.full(m_last // 2 + 1, 2.0)
    w[0] = 1.0
    if m_last % 2 == 0:
        w[-1] = 1.0
    return w


def _embedding(shape: tuple[int, ...], kernel, spacing: float):
    """Smallest admissible periodic grid and the square roots of its circulant eigenvalues."""
    minimal = tuple(max(2 * (n - 1), 1) for n in shape)
    factor = 1
    while True:
        m = tuple(
            1 if n == 1 else scipy.fft.next_fast_len(factor * mj, real=True)
            for n, mj in zip(shape, minimal, strict=True)
        )
        c = _wrapped_covariance(kernel, spacing, m)
        # c is real and even on the torus, so its DFT is real: these are the eigenvalues.
        lam = scipy.fft.rfftn(c).real
        weights = _half_spectrum_weights(m[-1])
        negative_mass = float(np.sum(weights * np.maximum(-lam, 0.0))) / c.size
        if negative_mass <= _NEGATIVE_MASS_TOL * c.flat[0]:
            return m, np.sqrt(np.maximum(lam, 0.0))
        factor *= 2
        next_points = int(np.prod([1 if n == 1 else factor * mj
                                   for n, mj in zip(shape, minimal, strict=True)]))
        if factor > _MAX_PADDING_FACTOR or next_points > _MAX_EMBEDDING_POINTS:
            raise ValueError(
                f"circulant embedding of the covariance is not nonnegative definite even on "
                f"the padded periodic grid {m} (negative eigenvalue mass {negative_mass:.3g} "
                f"relative to C(0) = {c.flat[0]:.3g}, tolerance {_NEGATIVE_MASS_TOL:g}): the "
                f"kernel's correlation length is too long for a grid of shape {shape} with "
                f"spacing {spacing:g}; use a smaller lengthscale, a finer grid spacing over a "
                f"smaller extent, or a smoother-tailed kernel"
            )


def grid_field(shape, kernel, *, spacing: float = 1.0, size=None, rng=None) -> np.ndarray:
    r"""Sample a stationary Gaussian field exactly on a regular grid by circulant embedding.

    Parameters
    ----------
    shape : int or tuple of int
        Grid shape ``(n_1, ..., n_d)`` with ``d`` in 1, 2, 3 and every ``n_j >= 1``.
    kernel : object with ``covariance(s)``
        Isotropic covariance as a function of the *squared* distance ``s``, vectorised over
        arrays (e.g. :class:`fields.kernels.Matern`). ``covariance(0)`` is the variance.
    spacing : float
        Distance between neighbouring nodes (the same along every axis), ``> 0``.
    size : int or tuple of int, optional
        Number (batch shape) of independent fields. A batch holds exactly the fields that
        successive one-field calls on the same generator would return.
    rng : None, int, SeedSequence or Generator
        Source of randomness.

    Returns
    -------
    numpy.ndarray, shape ``size + shape``
        Field values; node ``(i_1, ..., i_d)`` sits at ``spacing * (i_1, ..., i_d)``, and
        ``E f(x_i) f(x_j) = kernel.covariance(spacing^2 |i - j|^2)`` exactly.

    Raises
    ------
    TypeError
        If ``shape`` is not integer, ``kernel`` has no ``covariance`` method, or ``rng``/``size``
        are of the wrong kind.
    ValueError
        If ``shape`` has an entry ``< 1`` or not 1-3 entries, ``spacing`` is not finite and
        positive, ``kernel.covariance`` returns non-finite values, or no admissible embedding
        is found (see Notes); before any work, if the minimal embedding has more than
        ``2**25`` points or the fields would take more than 4 GiB.

    Notes
    -----
    With ``m_j >= 2 (n_j - 1)`` the wrapped covariance
    :math:`c(k) = C\big(h^2 \sum_j \min(k_j, m_j - k_j)^2\big)` on the torus
    :math:`\mathbb{Z}_{m_1} \times \dots \times \mathbb{Z}_{m_d}` agrees with ``C`` on every
    lag of the original grid, and its circulant covariance matrix has eigenvalues
    :math:`\lambda = \mathrm{DFT}(c)` (real, since ``c`` is even). If all
    :math:`\lambda \ge 0`, then :math:`X = \mathrm{IDFT}(\sqrt{\lambda}\, \mathrm{DFT}(W))`
    with ``W`` white noise has covariance matrix exactly the circulant one, so ``X``
    restricted to the original grid has the target law (Dietrich & Newsam 1997, SIAM J. Sci.
    Comput. 18, 1088; Wood & Chan 1994, J. Comput. Graph. Stat. 3, 409). Real FFTs
    (``scipy.fft.rfftn``/``irfftn``) keep everything real; the cost is two FFTs of the
    embedding grid per field.

    Rounding makes some eigenvalues of order ``-1e-16`` even for a valid embedding; they are
    set to zero, which changes every covariance by at most ``sum(max(-lambda, 0)) / M``
    (``M`` embedding points). This is accepted when it is at most ``1e-10 C(0)``; otherwise
    the embedding is padded further (each axis doubled, up to 16 times the minimal size and
    ``2**25`` points), and if no admissible embedding is found a ``ValueError`` says so.
    Squared-exponential and Matérn kernels whose lengthscale is well below the grid's extent
    are accepted at the minimal size or after one or two doublings.

    Examples
    --------
    >>> import numpy as np
    >>> class Exponential:                      # any object with covariance(s) will do
    ...     def covariance(self, s):
    ...         return np.exp(-np.sqrt(s) / 3.0)
    >>> f = grid_field((64, 48), Exponential(), rng=0, size=2)
    >>> f.shape
    (2, 64, 48)
    """
    shape = _check_shape(shape)
    kernel = _check_kernel(kernel)
    spacing = check_positive_float("spacing", spacing)
    batch = check_size(size) or ()
    _check_grid_memory(shape, batch)
    gen = as_generator(rng)

    m, root_lambda = _embedding(shape, kernel, spacing)
    axes = tuple(range(-len(shape), 0))
    window = tuple(slice(0, n) for n in shape)
    n_fields = int(np.prod(batch))
    out = np.empty((n_fields,) + shape)
    # Chunks bound the memory of the embedding; the generator is consumed in order, so the
    # result does not depend on the chunk size.
    chunk = max(1, _CHUNK_POINTS // root_lambda.size)
    for start in range(0, n_fields, chunk):
        stop = min(start + chunk, n_fields)
        noise = gen.standard_normal((stop - start,) + m)
        spectrum = root_lambda * scipy.fft.rfftn(noise, axes=axes)
        out[start:stop] = scipy.fft.irfftn(spectrum, s=m, axes=axes)[(slice(None),) + window]
    return out.reshape(batch + shape)


# ------------------------------------------------------------------ critical points ----------


@dataclass(frozen=True, eq=False)
class CriticalPoints:
    """Discrete critical points of a 2-D field (see :func:`critical_points` for the rule).

    Attributes
    ----------
    minima, saddles, maxima : numpy.ndarray of bool, shape of the field
        Masks of the classified nodes; always False on the boundary rows and columns.
    sign_changes : numpy.ndarray of int, shape of the field
        Number of sign changes of ``f(neighbour) - f(node)`` around the ring of neighbours
        joined to the node (0 on the boundary): 0 at extrema, 2 at regular points, 4 at
        simple saddles, 6 or 8 at degenerate ("monkey") saddles.
    """

    minima: np.ndarray
    saddles: np.ndarray
    maxima: np.ndarray
    sign_changes: np.ndarray

    @property
    def n_minima(self) -> int:
        """Number of local minima."""
        return int(self.minima.sum())

    @property
    def n_saddles(self) -> int:
        """Number of saddle nodes (a monkey saddle counts once)."""
        return int(self.saddles.sum())

    @property
    def n_maxima(self) -> int:
        """Number of local maxima."""
        return int(self.maxima.sum())

    @property
    def euler_characteristic(self) -> int:
        """Sum of the indices: ``n_minima + n_maxima - sum over saddles of (changes / 2 - 1)``.

        A simple saddle counts -1, a monkey saddle with 6 sign changes -2. Equals
        ``n_minima - n_saddles + n_maxima`` when there is no monkey saddle.
        """
        weights = self.sign_changes[self.saddles] // 2 - 1
        return self.n_minima + self.n_maxima - int(weights.sum())


def _check_field_2d(field) -> np.ndarray:
    f = check_real_array("field", field)
    if f.ndim != 2 or min(f.shape) < 3:
        raise ValueError(f"field must be a 2-D array with at least 3 rows and 3 columns; "
                         f"got shape {f.shape}")
    return f


def _ranks(f: np.ndarray) -> np.ndarray:
    """Ranks of the values, ties broken by row-major position (simulation of simplicity)."""
    ranks = np.empty(f.size, dtype=np.int64)
    ranks[np.argsort(f, axis=None, kind="stable")] = np.arange(f.size)
    return ranks.reshape(f.shape)


def _joined_diagonals(f: np.ndarray, r: np.ndarray, min4: np.ndarray, max4: np.ndarray):
    """Which diagonal of each grid cell is an edge of the triangulation.

    Returns two boolean arrays of shape ``(rows - 1, cols - 1)``: is the main diagonal
    (top-left to bottom-right) joined, and is the anti-diagonal joined. In a cell whose
    corners do not alternate, both are reported joined (the choice changes no sign count).
    """
    f00, f01, f10, f11 = f[:-1, :-1], f[:-1, 1:], f[1:, :-1], f[1:, 1:]
    r00, r01, r10, r11 = r[:-1, :-1], r[:-1, 1:], r[1:, :-1], r[1:, 1:]
    main_low = np.maximum(r00, r11) < np.minimum(r01, r10)
    anti_low = np.maximum(r01, r10) < np.minimum(r00, r11)
    # v: the higher corner of the low pair; a: the lower corner of the high pair.
    v_is_min4 = np.where(main_low, np.where(r00 > r11, min4[:-1, :-1], min4[1:, 1:]),
                         np.where(r01 > r10, min4[:-1, 1:], min4[1:, :-1]))
    a_is_max4 = np.where(main_low, np.where(r01 < r10, max4[:-1, 1:], max4[1:, :-1]),
                         np.where(r00 < r11, max4[:-1, :-1], max4[1:, 1:]))
    f_v = np.where(main_low, np.maximum(f00, f11), np.maximum(f01, f10))
    f_a = np.where(main_low, np.minimum(f01, f10), np.minimum(f00, f11))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        bilinear_saddle = (f00 * f11 - f01 * f10) / (f00 + f11 - f01 - f10)
    # NaN (a zero denominator, possible only with tied values) joins the low pair.
    closer_to_low = ~(bilinear_saddle >= 0.5 * (f_v + f_a))
    join_low = v_is_min4 | (~a_is_max4 & closer_to_low)
    main = np.where(main_low, join_low, np.where(anti_low, ~join_low, True))
    anti = np.where(anti_low, join_low, np.where(main_low, ~join_low, True))
    return main, anti


def critical_points(field) -> CriticalPoints:
    r"""Classify the interior nodes of a 2-D field as minima, saddles, maxima or regular.

    Parameters
    ----------
    field : array_like, shape (n_rows, n_cols)
        Finite real values on a grid, ``n_rows, n_cols >= 3``.

    Returns
    -------
    CriticalPoints
        Boolean masks (of the field's shape), the sign-change counts, the numbers of minima,
        saddles and maxima, and their index sum ``euler_characteristic``.

    Raises
    ------
    ValueError
        If ``field`` is not 2-D with both sides at least 3, or holds NaN or Inf.

    Notes
    -----
    Only interior nodes are classified (boundary rows and columns have incomplete
    neighbourhoods and are never critical). Values are first put in a strict total order:
    of two equal values, the node later in row-major order counts as higher (simulation of
    simplicity), so plateaus do not produce clusters of extrema.

    * minimum: all 8 neighbours are higher;
    * maximum: all 8 neighbours are lower (but see the last paragraph);
    * saddle: ``f(neighbour) - f(node)`` changes sign at least 4 times around the ring of
      neighbours *joined to the node* (4 for a simple saddle, 6 or 8 for a monkey saddle);
    * otherwise (2 changes) a regular point.

    Why not all 8 neighbours for saddles: the ring of 8 neighbours is not the link of a
    triangulation (the rings of adjacent nodes overlap), and counting sign changes on it
    flags several adjacent nodes of one saddle of a smooth field, so that
    ``#min - #saddle + #max`` comes out far below 0, the Euler characteristic it should be
    near. The
    rings used here are the links of a triangulation of the grid: every cell is split by
    one diagonal, and a diagonal neighbour is on a node's ring only if that diagonal is
    joined. The choice matters only in cells whose corners alternate (the two diagonal
    pairs are a "low" and a "high" pair). There the low pair is joined when its higher
    corner is lower than its 4 edge neighbours (otherwise that corner would pass for a
    minimum although its diagonal neighbour is lower), the high pair when its lower corner
    is higher than its 4 edge neighbours, and otherwise the pair that lets the two low
    corners meet closest to the saddle value of the bilinear interpolant,
    ``(f00 f11 - f01 f10) / (f00 + f11 - f01 - f10)`` (they meet at the higher low corner
    if the low pair is joined, at the lower high corner if not). Then, by Banchoff's
    critical-point theorem for piecewise-linear functions
    (Banchoff 1967, J. Differential Geom. 1, 245), the index of a node is ``1 - changes / 2``
    (``+1`` at extrema), the indices of all nodes sum to the Euler characteristic of the
    rectangle, 1, and the interior sum :attr:`CriticalPoints.euler_characteristic` differs
    from 1 only by the indices of boundary nodes.

    The minima are exactly the nodes below all 8 neighbours. The maxima are exactly the
    nodes above all 8 neighbours unless a cell holds a node below its 4 edge neighbours
    next to a node above its 4 edge neighbours, with corners alternating (a field not
    resolved by the grid); the low pair is joined there, and the node above its 4 edge
    neighbours is reported as a maximum even if its diagonal neighbour in that cell is
    higher.

    Examples
    --------
    >>> import numpy as np
    >>> y, x = np.mgrid[0:21, 0:21]
    >>> well = lambda cx: -np.exp(-((x - cx) ** 2 + (y - 10) ** 2) / 8)
    >>> cp = critical_points(well(5) + well(15))
    >>> cp.n_minima, cp.n_saddles, cp.n_maxima
    (2, 1, 0)
    """
    f = _check_field_2d(field)
    r = _ranks(f)
    rows, cols = f.shape
    centre = r[1:-1, 1:-1]
    higher = np.empty((len(_RING),) + centre.shape, dtype=bool)
    for k, (di, dj) in enumerate(_RING):
        higher[k] = r[1 + di:rows - 1 + di, 1 + dj:cols - 1 + dj] > centre

    def full(interior: np.ndarray) -> np.ndarray:
        out = np.zeros(f.shape, dtype=interior.dtype)
        out[1:-1, 1:-1] = interior
        return out

    edge = higher[1::2]
    main, anti = _joined_diagonals(f, r, full(edge.all(axis=0)), full(~edge.any(axis=0)))
    # A diagonal neighbour that is not joined takes the sign of the edge neighbour before it
    # on the ring, which removes it from the sign-change count.
    for k, joined in ((0, main[:-1, :-1]), (2, anti[:-1, 1:]), (4, main[1:, 1:]),
                      (6, anti[1:, :-1])):
        higher[k] = np.where(joined, higher[k], higher[k - 1])
    changes = np.count_nonzero(higher != np.roll(higher, -1, axis=0), axis=0)
    return CriticalPoints(
        minima=full(higher.all(axis=0)),
        saddles=full(changes >= 4),
        maxima=full(~higher.any(axis=0)),
        sign_changes=full(changes),
    )


def local_minima(field) -> np.ndarray:
    """Row and column indices of the local minima of a 2-D field.

    Parameters
    ----------
    field : array_like, shape (n_rows, n_cols)
        Finite real values on a grid, ``n_rows, n_cols >= 3``.

    Returns
    -------
    numpy.ndarray of int, shape (n_minima, 2)
        ``(row, column)`` of every interior node lower than all 8 of its neighbours, in
        row-major order (the rule of :func:`critical_points`, ties included).

    Raises
    ------
    ValueError
        If ``field`` is not 2-D with both sides at least 3, or holds NaN or Inf.

    Examples
    --------
    >>> import numpy as np
    >>> f = np.ones((5, 5)); f[2, 3] = 0.0
    >>> local_minima(f).tolist()
    [[2, 3]]
    """
    return np.argwhere(critical_points(field).minima)


def plot_critical_points(field, ax=None, *, cmap: str = "viridis", title: str | None = None):
    """Draw a 2-D field with its minima, saddles and maxima marked.

    Parameters
    ----------
    field : array_like, shape (n_rows, n_cols)
        Finite real values on a grid, ``n_rows, n_cols >= 3``.
    ax : matplotlib Axes, optional
        Axes to draw on; a new figure when None. matplotlib is imported only here.
    cmap : str
        Colour map of the field.
    title : str, optional

    Returns
    -------
    matplotlib Axes
        Image of the field (row index upwards, column index to the right) with minima as
        downward triangles, saddles as crosses and maxima as upward triangles.

    Raises
    ------
    ValueError
        As :func:`critical_points`.
    """
    f = _check_field_2d(field)
    if ax is not None and not callable(getattr(ax, "imshow", None)):
        raise TypeError(f"ax must be None or a matplotlib Axes; got {type(ax).__name__}")
    if not isinstance(cmap, str):
        raise TypeError(f"cmap must be the name of a colour map; got {cmap!r}")
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be None or a string; got {title!r}")
    cp = critical_points(f)
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.figure().add_subplot()
    image = ax.imshow(f, origin="lower", cmap=cmap, interpolation="nearest")
    ax.figure.colorbar(image, ax=ax, label="field value")
    for mask, marker, colour, name in (
        (cp.minima, "v", "white", "minima"),
        (cp.saddles, "x", "red", "saddles"),
        (cp.maxima, "^", "black", "maxima"),
    ):
        rows, cols = np.nonzero(mask)
        ax.scatter(cols, rows, marker=marker, c=colour, s=18, label=f"{rows.size} {name}")
    ax.set_xlabel("column")
    ax.set_ylabel("row")
    if title:
        ax.set_title(title)
    ax.legend(fontsize="small", loc="upper right")
    return ax
