"""Numba kernel of :func:`fields.data.make_curves`: splines drawn as anti-aliased strokes.

Plain-array signature: the spline knots ``t`` ``(n, m)`` and coefficients ``coef``
``(n, m - 1, 4, 2)`` of :func:`fields.data.curves._natural_spline`, the polyline vertex counts
``counts`` ``(n,)`` int64, three floats, and two output arrays it fills in place (``out``
``(n, rows, cols)``, ``shrink`` ``(n,)``). ``cache=True`` keeps the compiled kernel on disk
between sessions; ``nogil=True`` lets callers render chunks from threads; ``fastmath`` stays
off (the arithmetic is left as written).
"""

import math

import numba
import numpy as np

__all__ = ["curves_kernel"]


@numba.njit(cache=True, nogil=True)
def curves_kernel(t, coef, counts, centre, half, width, out, shrink):
    """Evaluate the splines ``(t, coef)`` along polylines and draw them as Gaussian strokes.

    Curve ``b`` is replaced by the polyline through its values at ``u = k / (counts[b] - 1)``,
    ``k = 0, ..., counts[b] - 1`` (as (row, column) coordinates); if that leaves the square of
    half-side ``half`` about ``(centre, centre)`` it is scaled about the centre by
    ``shrink[b] < 1`` to fit (else ``shrink[b] = 1``). Then ``out[b, r, c] = exp(-d^2 / (2
    width^2))``, ``d`` the exact distance from ``(r, c)`` to the polyline, for ``d < 3 width``;
    ``out`` ``(n, rows, cols)`` must be zero on entry.
    """
    rows, cols = out.shape[1], out.shape[2]
    last = coef.shape[1] - 1
    reach2 = 9.0 * width * width
    inv = 1.0 / (2.0 * width * width)
    reach = 3.0 * width
    d2 = np.empty((rows, cols))
    verts = np.empty((counts.max(), 2))
    for b in range(out.shape[0]):
        count = counts[b]
        j = 0
        extent = half
        for k in range(count):
            u = k / (count - 1)
            while j < last and u >= t[b, j + 1]:
                j += 1
            s = u - t[b, j]
            for a in range(2):
                v = coef[b, j, 0, a] + s * (coef[b, j, 1, a] + s * (coef[b, j, 2, a]
                                                                    + s * coef[b, j, 3, a]))
                verts[k, a] = v
                extent = max(extent, abs(v - centre))
        shrink[b] = half / extent
        for k in range(count):
            for a in range(2):
                verts[k, a] = centre + (verts[k, a] - centre) * shrink[b]
        d2[:, :] = reach2
        for k in range(count - 1):
            y0, x0 = verts[k, 0], verts[k, 1]
            vy, vx = verts[k + 1, 0] - y0, verts[k + 1, 1] - x0
            vv = vx * vx + vy * vy
            inv_vv = 1.0 / vv if vv > 0.0 else 0.0
            r0 = max(0, int(math.ceil(min(y0, y0 + vy) - reach)))
            r1 = min(rows - 1, int(math.floor(max(y0, y0 + vy) + reach)))
            c0 = max(0, int(math.ceil(min(x0, x0 + vx) - reach)))
            c1 = min(cols - 1, int(math.floor(max(x0, x0 + vx) + reach)))
            for r in range(r0, r1 + 1):
                wy = r - y0
                for c in range(c0, c1 + 1):
                    wx = c - x0
                    tau = min(1.0, max(0.0, (wx * vx + wy * vy) * inv_vv))
                    dy, dx = wy - tau * vy, wx - tau * vx
                    d = dx * dx + dy * dy
                    if d < d2[r, c]:
                        d2[r, c] = d
        for r in range(rows):
            for c in range(cols):
                if d2[r, c] < reach2:
                    out[b, r, c] = math.exp(-d2[r, c] * inv)
