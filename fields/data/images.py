"""Resizing stacks of images: area averaging (two matrix products) or bilinear interpolation."""

from __future__ import annotations

import numpy as np
import scipy.ndimage

from rmt._validation import check_int, check_real_array

from .._limits import check_memory

__all__ = ["resize_images"]


def _check_image_size(size) -> tuple[int, int] | None:
    """Validate ``size``: None or a pair ``(height, width)`` of integers >= 1."""
    if size is None:
        return None
    if not isinstance(size, (tuple, list)) or len(size) != 2:
        raise ValueError(f"size must be None or a pair (height, width) of integers; got {size!r}")
    return check_int("size[0]", size[0], 1), check_int("size[1]", size[1], 1)


def check_images_memory(size: tuple[int, int], n_images: int, channels: int = 1) -> None:
    """Refuse a ``size`` whose ``n_images`` resized images (and the copy the resizing makes)
    would take more than 4 GiB."""
    n = n_images * channels
    check_memory("size", 16 * n * size[0] * size[1],
                 f"{n} resized images of {size[0]} x {size[1]} pixels")


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
    arr = check_real_array("images", images)
    if arr.ndim != 3 or 0 in arr.shape[1:]:
        raise ValueError(f"images must have shape (n, h, w) with h, w >= 1; got {arr.shape}")
    n, h, w = arr.shape
    check_images_memory(size, n)
    if method == "bilinear":
        zoom = (1.0, size[0] / h, size[1] / w)
        return scipy.ndimage.zoom(arr, zoom, order=1, mode="nearest", grid_mode=True)
    return _area_matrix(h, size[0]) @ arr @ _area_matrix(w, size[1]).T

