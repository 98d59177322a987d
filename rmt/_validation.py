"""Argument checks shared by the public functions of :mod:`rmt`.

Every public entry point validates its arguments here, before any work, and raises a
``TypeError`` (wrong kind of object) or ``ValueError`` (right kind, wrong value) whose
message names the argument, the value received and what was expected.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = [
    "check_beta",
    "check_bool",
    "check_choice",
    "check_int",
    "check_positive_float",
    "check_real_array",
    "check_size",
    "check_square",
    "check_symmetric",
    "check_vector",
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


def check_symmetric(name: str, matrix, *, rtol: float = 1e-10) -> np.ndarray:
    """Return a finite real symmetric (or complex Hermitian) matrix or stack of matrices.

    The matrix is accepted when ``|H - H^*| <= rtol * max|H|`` entrywise.
    """
    arr = check_square(name, matrix)
    scale = np.max(np.abs(arr))
    asym = np.max(np.abs(arr - np.conj(np.swapaxes(arr, -1, -2))))
    if asym > rtol * scale:
        raise ValueError(
            f"{name} must be symmetric (Hermitian); max |H - H^T| = {asym:.3g} "
            f"exceeds {rtol:g} * max|H| = {rtol * scale:.3g}"
        )
    return arr
