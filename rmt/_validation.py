"""Argument checks shared by the public functions of :mod:`rmt`.

Every public entry point validates its arguments here, before any work, and raises a
``TypeError`` (wrong kind of object) or ``ValueError`` (right kind, wrong value) whose
message names the argument, the value received and what was expected.
"""

from __future__ import annotations

import numbers
import os

import numpy as np

__all__ = [
    "check_axes",
    "check_beta",
    "check_bool",
    "check_choice",
    "check_count",
    "check_dataset",
    "check_int",
    "check_memory",
    "check_positive_float",
    "check_real_array",
    "check_size",
    "check_square",
    "check_symmetric",
    "check_text",
    "check_vector",
    "memory_limit",
]


def check_int(name: str, value, minimum: int | None = 1, *, maximum: int | None = None,
              why: str = "") -> int:
    """Return ``value`` as an int, refusing floats, bools and values outside the bounds.

    ``maximum`` is for counts whose work or memory is known in advance; ``why`` then says what
    the bound protects (for example ``"the trajectory would need 80 GB"``), and ends the
    message.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer; got {value!r} ({type(value).__name__})")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be an integer <= {maximum}; got {value}"
                         + (f" ({why})" if why else ""))
    return value


def check_bool(name: str, value) -> bool:
    """Return ``value`` as a bool, refusing everything else (``1``, ``"yes"``, ``None``)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False; got {value!r} ({type(value).__name__})")
    return bool(value)


def check_choice(name: str, value, choices) -> str:
    """Return ``value`` when it is one of the strings ``choices``; name them otherwise."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, one of {sorted(choices)}; got {value!r} "
                        f"({type(value).__name__})")
    if value not in choices:
        raise ValueError(f"{name} must be one of {sorted(choices)}; got {value!r}")
    return value


def check_size(size) -> tuple[int, ...] | None:
    """Validate a batch ``size`` (None, an int or a tuple of ints) and return it as a tuple."""
    if size is None:
        return None
    if isinstance(size, numbers.Integral) and not isinstance(size, bool):
        return (check_int("size", size, 0),)
    if isinstance(size, tuple):
        return tuple(check_int("size", s, 0) for s in size)
    raise TypeError(f"size must be None, an int or a tuple of ints; got {size!r}")


def check_positive_float(name: str, value, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a finite float > 0 (or >= 0 with ``allow_zero``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {value!r} ({type(value).__name__})")
    value = float(value)
    if not np.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        expected = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be a finite number {expected}; got {value}")
    return value


def check_beta(beta, allowed: tuple[float, ...] | None = None) -> float:
    """Validate the Dyson index ``beta`` (> 0, and in ``allowed`` when given)."""
    beta = check_positive_float("beta", beta)
    if allowed is not None and beta not in allowed:
        raise ValueError(f"beta must be one of {allowed}; got {beta:g}")
    return beta


def check_real_array(name: str, value, *, ndim_min: int = 0) -> np.ndarray:
    """Return ``value`` as a float64 array, refusing non-numeric, complex, NaN and Inf entries."""
    try:
        arr = np.asarray(value)
    except Exception as exc:  # pragma: no cover - numpy raises many kinds here
        raise TypeError(f"{name} must be array-like of real numbers; got {type(value).__name__}") \
            from exc
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers; got dtype {arr.dtype}")
    arr = arr.astype(np.float64, copy=False)
    if arr.ndim < ndim_min:
        raise ValueError(
            f"{name} must have at least {ndim_min} dimension(s); got shape {arr.shape}"
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite; it contains NaN or Inf")
    return arr


def check_vector(name: str, value, dim: int, *, copy: bool = False) -> np.ndarray:
    """Return ``value`` as a finite float64 vector of shape ``(dim,)`` (a point of a surface).

    With ``copy=True`` the result is always a new array, which the caller may change.

    Raises
    ------
    TypeError
        Non-numeric or complex entries.
    ValueError
        NaN or Inf entries, or a shape other than ``(dim,)``.
    """
    arr = check_real_array(name, value)
    if arr.shape != (dim,):
        raise ValueError(f"{name} must have shape ({dim},) for a surface of dim {dim}; "
                         f"got {arr.shape}")
    return np.array(arr, dtype=np.float64) if copy else arr


def check_square(name: str, matrix) -> np.ndarray:
    """Return a finite, non-empty numeric square matrix (or stack of them); ints become floats."""
    arr = np.asarray(matrix)
    if arr.dtype.kind not in "biufc":
        raise TypeError(f"{name} must be a numeric matrix; got dtype {arr.dtype}")
    if arr.ndim < 2 or arr.shape[-1] != arr.shape[-2]:
        raise ValueError(
            f"{name} must be a square matrix (or a stack of them); got shape {arr.shape}"
        )
    if arr.shape[-1] == 0:
        raise ValueError(f"{name} must not be empty; got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite; it contains NaN or Inf")
    return arr.astype(np.float64) if arr.dtype.kind in "biu" else arr


#: Side of the square tiles in which large matrices are checked for symmetry.
_SYMMETRY_TILE = 1024


def check_symmetric(name: str, matrix, *, rtol: float = 1e-10) -> np.ndarray:
    """Return a finite real symmetric (or complex Hermitian) matrix or stack of matrices.

    The matrix is accepted when ``|H - H^*| <= rtol * max|H|`` entrywise. The check runs tile
    by tile over the upper triangle, so it allocates no temporary of the matrix's size (a
    network Hessian of 22,210 parameters takes 3.7 GiB).
    """
    arr = check_square(name, matrix)
    n = arr.shape[-1]
    tile = _SYMMETRY_TILE
    scale, asym = 0.0, 0.0
    for i in range(0, n, tile):
        for j in range(i, n, tile):
            upper = arr[..., i:i + tile, j:j + tile]
            lower = np.conj(np.swapaxes(arr[..., j:j + tile, i:i + tile], -1, -2))
            scale = max(scale, float(np.max(np.abs(upper))), float(np.max(np.abs(lower))))
            asym = max(asym, float(np.max(np.abs(upper - lower))))
    if asym > rtol * scale:
        raise ValueError(
            f"{name} must be symmetric (Hermitian); max |H - H^T| = {asym:.3g} "
            f"exceeds {rtol:g} * max|H| = {rtol * scale:.3g}"
        )
    return arr


def memory_limit() -> int:
    """Bytes the arrays of one call may take: the memory available to a new allocation now.

    ``MemAvailable`` of ``/proc/meminfo`` on Linux (free memory plus what the kernel can
    reclaim without swapping); elsewhere the physical memory (``os.sysconf``); 4 GiB when
    neither can be read. Counts whose arrays are known in advance are checked against it by
    :func:`check_count`.
    """
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_PHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, OSError, ValueError):
        return 4 * 2**30


def check_count(name: str, value, minimum: int | None = 1, *, bytes_each: float,
                what: str) -> int:
    """Return the count ``value``, refused when ``value * bytes_each`` bytes cannot fit.

    :func:`check_int`, with ``maximum`` the largest count whose arrays (``what``, for
    example ``"the trajectory (steps + 1 rows of 3 float64)"``; ``bytes_each`` bytes per unit
    of the count) fit in :func:`memory_limit`; the message says how much memory they would
    need and how much there is. ``bytes_each`` may be a fraction (one row recorded every
    few steps); 0 means the count allocates nothing.
    """
    value = check_int(name, value, minimum)
    if not bytes_each > 0:
        return value
    limit = memory_limit()
    maximum = max(minimum or 0, int(limit // bytes_each))
    return check_int(name, value, minimum, maximum=maximum,
                     why=f"{what} would take {value * bytes_each / 2**30:.3g} GiB, more than "
                         f"the {limit / 2**30:.3g} GiB of memory available")


def check_memory(name: str, n_bytes: float, what: str) -> None:
    """Refuse an argument ``name`` whose arrays (``what``) would take ``n_bytes`` bytes.

    For sizes that are products of several numbers (a matrix side and a batch shape, a grid
    shape, layer sizes), where no single count carries the bound of :func:`check_count`.
    """
    limit = memory_limit()
    if n_bytes > limit:
        raise ValueError(f"{name}: {what} would take {n_bytes / 2**30:.3g} GiB, more than the "
                         f"{limit / 2**30:.3g} GiB of memory available")


def check_text(name: str, value, *, optional: bool = True) -> str | None:
    """Return ``value`` when it is a string (or None with ``optional``): a title or a label."""
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string{' or None' if optional else ''}; got "
                        f"{value!r} ({type(value).__name__})")
    return value


def check_axes(name: str, ax, count: int | None = None):
    """Return ``ax`` when it is None or a matplotlib Axes (``count`` of them when given).

    matplotlib is imported only when ``ax`` is not None, so a check costs nothing otherwise.
    """
    if ax is None:
        return None
    from matplotlib.axes import Axes

    if count is None:
        if not isinstance(ax, Axes):
            raise TypeError(f"{name} must be a matplotlib Axes or None; got {ax!r} "
                            f"({type(ax).__name__})")
        return ax
    axes = list(np.ravel(np.asarray(ax, dtype=object))) if not isinstance(ax, Axes) else [ax]
    if len(axes) != count or not all(isinstance(a, Axes) for a in axes):
        raise TypeError(f"{name} must be {count} matplotlib Axes or None; got {ax!r}")
    return axes


def check_dataset(name: str, ds, variables=(), dims=()):
    """Return ``ds`` when it is an xarray Dataset holding ``variables`` and ``dims``.

    For helpers that plot a result of the library: the message names what is missing and so
    which function's result was expected.
    """
    import xarray as xr

    if not isinstance(ds, xr.Dataset):
        raise TypeError(f"{name} must be an xarray Dataset; got {type(ds).__name__}")
    missing = [v for v in variables if v not in ds.variables] + \
        [d for d in dims if d not in ds.dims]
    if missing:
        raise ValueError(f"{name} lacks {missing}; it must hold {list(variables) + list(dims)}")
    return ds
