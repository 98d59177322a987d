r"""A generated stand-in for the CURVES data set: random cubic splines as anti-aliased strokes.

:func:`make_curves` follows the description of CURVES by Hinton & Salakhutdinov 2006 (Science
313, 504; supporting online material): random cubic splines through three random points,
drawn as thin anti-aliased strokes on a 28 x 28 image. The original file is read by
:func:`fields.data.load_curves_mat`.
"""

from __future__ import annotations

import numpy as np

from rmt._validation import check_bool, check_positive_float
from rmt.random import as_generator

from .._limits import check_count, check_matrix_side
from ._curves_kernels import curves_kernel

__all__ = ["make_curves"]

#: Spacing, in pixels, of the polyline that approximates a CURVES spline (its distance to the
#: spline is at most spacing^2 / (8 R) for a radius of curvature R: < 0.01 px for R >= 3 px).
_CURVE_SPACING = 0.5
#: Distance, in pixels, between the image border and the control points of a curve.
_CURVE_MARGIN = 1.0
#: Images rendered at once by :func:`make_curves` (bounds the temporary memory).
_CURVE_CHUNK = 2048


def _natural_spline(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Chord-length knots ``t`` in [0, 1] and polynomial coefficients of natural cubic splines.

    ``points``: ``(n, m, 2)``. Returns ``t`` ``(n, m)`` and ``coef`` ``(n, m - 1, 4, 2)``:
    on ``[t_j, t_{j+1}]`` the curve is ``sum_k coef[:, j, k] (u - t_j)^k``. Where scipy builds
    one spline per knot vector, this solves all the ``(m - 2) x (m - 2)`` tridiagonal systems
    for the second derivatives in one batched call.
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
    n: int, *, size: int = 28, n_control: int = 3, width: float = 0.7,
    return_points: bool = False, rng=None,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    r"""Generate CURVES-like images: random cubic splines drawn as thin anti-aliased strokes.

    This is a *generated* imitation of the CURVES data set of Hinton & Salakhutdinov (2006),
    following its description (a cubic spline through three random points in the image
    plane, drawn on a 28 x 28 image with intensities in [0, 1]); it is not the original file,
    whose exact rendering is not published. Read the original with
    :func:`fields.data.load_curves_mat`.

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
    return_points : bool
        Also return the control points.
    rng : None, int, SeedSequence or Generator
        Source of the control points (:func:`rmt.random.as_generator`).

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
        If an argument has the wrong type or value, or, before any work, if the images
        (``8 n size^2`` bytes) or the spline systems would exceed 4 GiB.

    Notes
    -----
    Each curve is drawn independently:

    1. ``n_control`` points uniform in the square ``[1, size - 2]^2`` (pixel-centre
       coordinates, one pixel from the border);
    2. the natural cubic spline through them (zero curvature at both ends), parametrised by
       chord length (which limits the overshoot and loops that a uniform parametrisation
       makes when two points are close);
    3. if the spline overshoots the square, the curve and its points are shrunk about the image
       centre until it fits, so that the centre line of every stroke stays at least one
       pixel inside the border;
    4. the spline is replaced by a polyline with vertices at most about 0.5 pixel apart, and
       each pixel gets ``exp(-d^2 / (2 width^2))``, ``d`` the exact distance from its centre
       to the polyline, or 0 beyond ``d = 3 width``.

    With ``width = 0.7`` the stroke is 1.65 pixels wide at half maximum; a curve of length
    ``L`` lights about ``1.65 L`` pixels above 0.5, which form one 8-connected stroke. Steps
    2-4 run in one numba kernel (after a batched solve for the spline coefficients), compiled
    on the very first call and then cached on disk.

    Examples
    --------
    >>> X = make_curves(5, rng=0)
    >>> X.shape, bool(X.min() >= 0.0), bool(X.max() <= 1.0)
    ((5, 784), True, True)
    >>> bool(np.array_equal(X, make_curves(5, rng=0)))
    True
    """
    size = check_matrix_side("size", size, 4, copies=2, what="one image and its distances")
    n = check_count("n", n, 0, bytes_each=8 * size * size, what=f"{size} x {size} images")
    chunk = max(1, min(n, _CURVE_CHUNK))
    n_control = check_matrix_side("n_control", n_control, 2, copies=chunk,
                                  what=f"the spline systems of {chunk} curves at once")
    width = check_positive_float("width", width)
    return_points = check_bool("return_points", return_points)
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
