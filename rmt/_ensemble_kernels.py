"""Jitted kernels that complete dense Wigner matrices from their upper triangle.

The public samplers in :mod:`rmt.ensembles` draw only the n(n+1)/2 numbers a symmetric
matrix needs, straight into the upper triangle; these kernels scale them and mirror them
into the lower triangle, tile by tile so both the read and the transposed write stay in
cache.
"""

import numba

_TILE = 64


@numba.njit(cache=True, nogil=True)
def scale_and_mirror(H, off_scale, diag_scale):
    """Scale the upper triangle of ``H`` in place and copy it (conjugated) into the lower one."""
    n = H.shape[0]
    for i0 in range(0, n, _TILE):
        i1 = min(i0 + _TILE, n)
        for j0 in range(i0, n, _TILE):
            j1 = min(j0 + _TILE, n)
            for i in range(i0, i1):
                for j in range(max(j0, i + 1), j1):
                    v = H[i, j] * off_scale
                    H[i, j] = v
                    H[j, i] = v.conjugate()
    for i in range(n):
        H[i, i] = H[i, i].real * diag_scale


@numba.njit(cache=True, nogil=True)
def fill_from_packed(H, upper, diag, off_scale, diag_scale):
    """Fill symmetric ``H`` from the row-major packed strict upper triangle and the diagonal."""
    n = H.shape[0]
    p = 0
    for i in range(n):
        H[i, i] = diag[i] * diag_scale
        for j in range(i + 1, n):
            v = upper[p] * off_scale
            H[i, j] = v
            H[j, i] = v.conjugate()
            p += 1


@numba.njit(cache=True, nogil=True)
def unpack_upper_rows(R, buf, width):
    """Copy ``buf`` row by row into the upper parts ``R[b, i, width*i:]`` of a batch.

    ``R`` is the real view of the batch (``width`` = 1 for real, 2 for complex matrices),
    so the numbers land where the one-matrix sampler draws them, in the same order.
    """
    p = 0
    n = R.shape[1]
    for b in range(R.shape[0]):
        for i in range(n):
            for j in range(width * i, width * n):
                R[b, i, j] = buf[p]
                p += 1


@numba.njit(cache=True, nogil=True)
def scale_and_mirror_batch(H, off_scale, diag_scale):
    """:func:`scale_and_mirror` on each matrix of a batch."""
    for b in range(H.shape[0]):
        scale_and_mirror(H[b], off_scale, diag_scale)
