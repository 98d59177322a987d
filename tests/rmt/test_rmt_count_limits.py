"""Counts of 10^12 in rmt's Lanczos and SLQ, the shared memory check, and the BLAS-thread rule.

On the code as found, ``spectral_density(probes=10**12)`` and ``lanczos(dim=10**12)`` asked
numpy for terabytes (a bare MemoryError naming no argument) and
``extreme_eigenvalues(maxiter=10**12)`` failed inside ARPACK (a 32-bit counter). Each is now
refused before any product with a ValueError naming the argument and why.
"""

import numpy as np
import pytest

import rmt
from rmt._threads import DENSE_MAX_ORDER, _blas_threads, dense_factorisation, small_products
from rmt._validation import check_count, memory_limit

HUGE = 10**12


def refused(name: str):
    return pytest.raises(ValueError, match=rf"{name} must be an integer <= \d+; got \d+ \(.*")


class Never:
    """A matvec that must not be called: the refusal comes before any work."""

    def __call__(self, v):
        raise AssertionError("matvec was called before the arguments were checked")


def test_spectral_density_refuses_probes_bins_steps_and_dims_that_cannot_fit():
    with refused("probes"):
        rmt.spectral_density(Never(), 100, probes=HUGE, rng=0)
    with refused("bins"):
        rmt.spectral_density(Never(), 100, bins=HUGE, rng=0)
    with refused("dim"):  # the default 80 Lanczos vectors of 10^12 numbers
        rmt.spectral_density(Never(), HUGE, rng=0)
    with pytest.raises(ValueError, match=r"^dim = 10+ and steps = 2: the Lanczos basis .* "
                                         r"would take .* GiB, more than"):
        rmt.spectral_density(Never(), HUGE, steps=2, rng=0)
    with refused("dim"):  # the dense 10^7 x 10^7 matrix
        rmt.spectral_density(Never(), 10**7, method="exact")


def test_lanczos_refuses_bases_that_cannot_fit():
    with refused("dim"):
        rmt.lanczos(Never(), 10**7)  # steps = dim: a 10^7 x 10^7 basis
    with pytest.raises(ValueError, match=r"^dim = 10+ and steps = 3: the Lanczos basis .* "
                                         r"would take .* GiB, more than"):
        rmt.lanczos(Never(), HUGE, 3)


def test_extreme_eigenvalues_refuses_maxiter_past_arpack_and_bases_that_cannot_fit():
    a = np.diag(np.arange(30.0))
    with pytest.raises(ValueError, match=r"maxiter must be an integer <= 2147483647.*32-bit"):
        rmt.extreme_eigenvalues(lambda v: a @ v, 30, maxiter=HUGE, rng=0)
    with refused("dim"):
        rmt.extreme_eigenvalues(Never(), HUGE, rng=0)
    with refused("k"):
        rmt.extreme_eigenvalues(Never(), 10**7, k=10**6, rng=0)
    res = rmt.extreme_eigenvalues(lambda v: a @ v, 30, maxiter=2**31 - 1, rng=0)
    assert res.converged and res.largest[0] == pytest.approx(29.0)


def test_check_count_bounds_by_the_available_memory_and_says_so():
    limit = memory_limit()
    assert 0 < limit
    assert check_count("n", limit // 8, bytes_each=8, what="x") == limit // 8
    with pytest.raises(ValueError, match=r"n must be an integer <= .* \(the rows would take "
                                         r".* GiB, more than the .* GiB of memory available\)"):
        check_count("n", limit // 8 + 10**9, bytes_each=8, what="the rows")
    with pytest.raises(TypeError, match="n must be an integer"):
        check_count("n", "abc", bytes_each=8, what="x")  # never "abc" * 8
    assert check_count("n", HUGE, bytes_each=0, what="nothing") == HUGE


def test_small_products_take_one_thread_and_dense_factorisations_give_the_threads_back():
    outer = _blas_threads()
    with small_products(1000):
        assert _blas_threads() == 1
        with dense_factorisation(DENSE_MAX_ORDER + 1):
            assert _blas_threads() == outer
        with dense_factorisation(DENSE_MAX_ORDER):
            assert _blas_threads() == 1
    assert _blas_threads() == outer
    with small_products(2**22 + 1):
        assert _blas_threads() == outer
