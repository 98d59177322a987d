"""Memory bounds on the arrays :mod:`fields` allocates from counts a caller passes.

The bound itself, :func:`rmt._validation.memory_limit` (the memory available now), and the
checks :func:`rmt._validation.check_count` and :func:`rmt._validation.check_memory` are
rmt's, shared by every package (``docs/design.md``); here are the two that only fields needs:
square matrices held in several copies, and numbers too large for a float in messages.
"""

from __future__ import annotations

import math

from rmt import _validation
from rmt._validation import check_count, check_int, check_memory

__all__ = ["about", "check_count", "check_matrix_side", "check_memory"]


def about(log_value: float) -> str:
    """``exp(log_value)`` written as ``'2.5e-621'`` whatever its size (it may not be a float)."""
    exponent = math.floor(log_value / math.log(10.0))
    mantissa = float(f"{math.exp(log_value - exponent * math.log(10.0)):.2g}")
    if mantissa >= 10.0:  # 9.96 rounds to 10
        mantissa, exponent = mantissa / 10.0, exponent + 1
    return f"{mantissa:g}e{exponent:+d}"


def check_matrix_side(name: str, value, minimum: int = 1, *, copies: int, what: str) -> int:
    """Return the side ``value`` of square float64 matrices, ``copies`` of which are held.

    Refused when ``8 copies value^2`` bytes exceed :func:`rmt._validation.memory_limit`.
    """
    value = check_int(name, value, minimum)
    limit = _validation.memory_limit()
    maximum = max(minimum, math.isqrt(limit // (8 * copies)))
    return check_int(name, value, minimum, maximum=maximum,
                     why=f"{what} would take {8 * copies * value**2 / 2**30:.3g} GiB, more "
                         f"than the {limit / 2**30:.3g} GiB of memory available")
