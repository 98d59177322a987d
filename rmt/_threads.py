"""BLAS threads chosen where the work is decided: one thread around loops of small products.

The loops of the library that run many dependent products one after the other (optimiser
steps in :func:`optim.run` and :func:`optim.train`, the starts of the critical-point finders,
the probes of stochastic Lanczos quadrature) call BLAS with operands far too small for
threads to pay: an OpenBLAS thread team is woken and synchronised at every call, and on a
machine whose cores are shared that costs a scheduler time slice (milliseconds) per call.
Measured on a shared 2-core machine: 200 minibatch gradients of the CURVES autoencoder took
27-43 s with OpenBLAS's default threads against 1.35-2.2 s with one (issue 11).

The rule, in two parts:

* :func:`small_products` ``(dim)`` limits BLAS to one thread for the duration of a loop
  whose vectors have ``dim <= SMALL_PRODUCTS_MAX_DIM`` entries (``2**22``). One step then
  multiplies matrices holding at most about ``dim`` numbers (a network's weight matrices
  hold ``dim`` numbers together; a surface's gradient or ``hvp`` streams ``O(dim)`` numbers
  per example), a few milliseconds of one core, below the time slice the threads would wait
  for. Above it the caller's setting is left alone.
* :func:`dense_factorisation` ``(order)``, around a dense factorisation of an
  ``order x order`` matrix inside such a loop (the eigendecomposition of an exact Newton
  step, the dense Newton solve of a critical-point start), gives back the threads the loop
  took away when ``order > DENSE_MAX_ORDER`` (512): an ``eigh`` of order 512 is about
  ``9 * 512**3 ~ 1.2e9`` flops, some 50 ms on one core, long enough for threads to pay even
  on a shared machine. Below it the factorisation stays on one thread.

Neither ever raises the thread count above what it was when the loop began, so a caller that
pinned BLAS to one thread (a sweep cell, a dask worker) keeps its results bitwise identical.
The BLAS libraries are found once (a ``threadpoolctl.ThreadpoolController``, about 10 ms,
made on first use, when numpy's and scipy's BLAS are loaded); a limit then costs about
50 microseconds, so limits go around loops, never around single products.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from threadpoolctl import ThreadpoolController

__all__ = ["DENSE_MAX_ORDER", "SMALL_PRODUCTS_MAX_DIM", "dense_factorisation",
           "small_products"]

#: Largest ``dim`` of a loop of small products run on one BLAS thread.
SMALL_PRODUCTS_MAX_DIM = 2**22
#: Largest order of a dense factorisation inside such a loop kept on one thread.
DENSE_MAX_ORDER = 512

#: The BLAS thread count in effect when the innermost :func:`small_products` loop began.
_OUTER_THREADS: ContextVar[int | None] = ContextVar("_OUTER_THREADS", default=None)


@functools.cache
def _controller() -> ThreadpoolController:
    """The loaded BLAS libraries, found once."""
    return ThreadpoolController().select(user_api="blas")


def _blas_threads() -> int:
    """The largest thread count among the loaded BLAS libraries (1 when none is loaded)."""
    return max((lib.num_threads for lib in _controller().lib_controllers), default=1)


@contextmanager
def small_products(dim: int) -> Iterator[None]:
    """One BLAS thread for the loop inside, when its vectors have at most 2**22 entries."""
    if dim > SMALL_PRODUCTS_MAX_DIM or _OUTER_THREADS.get() is not None:
        yield  # too large, or already inside such a loop (its limit holds)
        return
    token = _OUTER_THREADS.set(_blas_threads())
    try:
        with _controller().limit(limits=1):
            yield
    finally:
        _OUTER_THREADS.reset(token)


@contextmanager
def dense_factorisation(order: int) -> Iterator[None]:
    """The loop's original BLAS threads for a dense factorisation of order above 512."""
    outer = _OUTER_THREADS.get()
    if outer is None or outer <= 1 or order <= DENSE_MAX_ORDER:
        yield
        return
    with _controller().limit(limits=outer):
        yield
