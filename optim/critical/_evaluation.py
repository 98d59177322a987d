"""Guarded evaluation of a surface during a search, and the end point a search returns.

A search never raises on NaN or Inf: :func:`evaluate` returns None where the point, the value
or the gradient is not finite, and the search then ends ``"diverged"``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from fields.surface import value_and_grad

__all__ = ["EndPoint", "evaluate", "finite", "hess_grad_norm"]


@dataclass
class EndPoint:
    """Where one search ended, with the numbers its certificate needs."""

    x: np.ndarray
    value: float
    grad_norm: float
    hg_norm: float
    iterations: int
    status: str
    #: Why a search ended where it did when the point is not certified critical (``""`` when
    #: it is): what was not finite, what stalled.
    reason: str = ""


def finite(*arrays) -> bool:
    """Whether every entry of every argument (arrays or real numbers) is finite."""
    for a in arrays:
        if isinstance(a, np.ndarray):
            if not np.isfinite(a).all():
                return False
        elif not math.isfinite(a):
            return False
    return True


def evaluate(surface, x: np.ndarray) -> tuple[float, np.ndarray] | None:
    """``(f, g)`` at ``x``, or None when ``x``, ``f`` or ``g`` is not finite."""
    if not finite(x):
        return None
    with np.errstate(all="ignore"):
        value, g = value_and_grad(surface, x)
    return (value, g) if finite(value, g) else None


def hess_grad_norm(surface, x: np.ndarray, g: np.ndarray) -> float:
    """``|H g|`` (``g`` is a tangent vector on a manifold, where ``hvp`` is tangent too)."""
    with np.errstate(all="ignore"):
        hg = np.asarray(surface.hvp(x, g), dtype=np.float64)
    return float(np.linalg.norm(hg))
