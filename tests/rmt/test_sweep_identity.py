"""Sweeps bitwise identical wherever the cells run (issue 11, section 4): every cell runs with
one BLAS and one numba thread, in this process, in local processes and on dask workers, so an
experiment whose last bits depend on the BLAS threads gives the same numbers on 1 worker, 2
processes and a dask cluster, whatever threads the calling process had."""

import numba
import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

import rmt
from rmt.random import child


def blas_cell(rng, n: int = 40_000):
    """A dot product long enough for OpenBLAS to split it among threads, and an eigenvalue:
    the last bits of both depend on the thread count."""
    v = rng.standard_normal(n)
    a = rng.standard_normal((100, 100))
    return {"dot": float(v @ v), "top": float(np.linalg.eigvalsh(a + a.T)[-1])}


def threads_cell(rng, k: int = 0):
    """The BLAS and numba threads a cell runs with."""
    blas = [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]
    return {"blas": max(blas), "numba": numba.get_num_threads()}


REPLICATES = 8


def _direct(threads: int) -> np.ndarray:
    """The cells of ``sweep(blas_cell, rng=3)`` computed by hand on ``threads`` BLAS threads."""
    root = np.random.SeedSequence(3)
    with threadpool_limits(threads):
        cells = [blas_cell(np.random.default_rng(child(root, 0, r))) for r in
                 range(REPLICATES)]
    return np.array([[c["dot"], c["top"]] for c in cells])


def _values(ds) -> np.ndarray:
    return np.stack([ds.dot.values[0], ds.top.values[0]], axis=1)


def test_cells_run_on_one_thread_so_1_worker_2_processes_and_dask_agree_bitwise():
    distributed = pytest.importorskip("distributed")
    one_thread = _direct(1)
    if np.array_equal(one_thread, _direct(2)):
        pytest.skip("the BLAS gives the same bits on 1 and 2 threads here: nothing to pin")
    grid = {"n": [40_000]}
    with threadpool_limits(2):  # a caller whose BLAS runs two threads (the default here)
        runs = {"1 worker": rmt.sweep(blas_cell, grid, REPLICATES, rng=3),
                "2 processes": rmt.sweep(blas_cell, grid, REPLICATES, rng=3, workers=2,
                                         cells_per_task=2)}
        threads = [rmt.sweep(threads_cell, {"k": [0]}, 4, rng=0, workers=w) for w in (1, 2)]
        with distributed.Client(processes=False, n_workers=1, threads_per_worker=2,
                                dashboard_address=None) as client:
            runs["dask"] = rmt.sweep(blas_cell, grid, REPLICATES, rng=3, client=client,
                                     cells_per_task=1)
            threads.append(rmt.sweep(threads_cell, {"k": [0]}, 4, rng=0, client=client,
                                     cells_per_task=1))
        assert max(lib["num_threads"] for lib in threadpool_info()
                   if lib["user_api"] == "blas") == 2  # the caller's setting is given back
    for where, ds in runs.items():
        np.testing.assert_array_equal(_values(ds), one_thread, err_msg=where)
        assert ds.attrs["blas_threads"] == 1 and ds.attrs["numba_threads"] == 1
    for ds in threads:
        assert (ds.blas.values == 1).all() and (ds.numba.values == 1).all()


@pytest.mark.slow
def test_a_critical_points_sweep_is_identical_on_1_worker_2_processes_and_a_dask_cluster():
    """The issue's case: the critical-points experiment at dim 30 (about 10 s)."""
    distributed = pytest.importorskip("distributed")
    grid = {"dim": [30], "n_starts": [3], "features_per_dim": [60]}
    one = rmt.sweep("critical-points", grid, 6, rng=1)
    two = rmt.sweep("critical-points", grid, 6, rng=1, workers=2, cells_per_task=1)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        on_dask = rmt.sweep("critical-points", grid, 6, rng=1, client=client,
                            cells_per_task=1)
    for other in (two, on_dask):
        for k in ("n_critical", "min_energy", "pearson_r", "max_index_fraction"):
            np.testing.assert_array_equal(one[k].values, other[k].values, err_msg=k)
