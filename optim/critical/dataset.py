"""The result of :func:`optim.critical.find_critical_points`: one ``xarray.Dataset`` row per point.

Dimensions ``point`` (one row per distinct certified critical point and one per non-critical
end point, sorted by energy, NaN last) and ``coord``; the variables and ``attrs`` are listed
in :func:`~optim.critical.find_critical_points`. The ``attrs`` begin with the provenance of
:func:`rmt.random.provenance` (library version, seed entropy and spawn key, then every option
field), so :func:`rmt.random.seed_from_provenance` and the recorded options recompute the
result.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from rmt.random import provenance

from ._evaluation import EndPoint
from .certificate import KINDS, STATUSES, _Row

__all__: list[str] = []


def _end_points(ends: list[EndPoint], dim: int) -> np.ndarray:
    """The end points as an ``(n, dim)`` array (NaN rows for a point of the wrong shape)."""
    return np.stack([e.x if e.x.shape == (dim,) else np.full(dim, np.nan) for e in ends])


def _dataset(surface, dim: int, ends: list[EndPoint], points: np.ndarray, rows: list[_Row],
             labels: list[str], root: np.random.SeedSequence, params: dict) -> xr.Dataset:
    """Sort the rows by energy and write them, with the provenance and the counts."""
    values = np.array([ends[r.start].value for r in rows], dtype=np.float64)
    energy = values / dim
    order = np.lexsort((np.array([r.start for r in rows]),
                        np.where(np.isfinite(energy), energy, np.inf)))
    rows = [rows[k] for k in order]
    ids = np.array([r.start for r in rows], dtype=np.int64)
    index = np.array([r.index for r in rows], dtype=np.int64)
    size = np.array([r.size for r in rows], dtype=np.int64)
    frac = np.where(index >= 0, index / np.maximum(size, 1), np.nan)
    status = np.array([e.status for e in ends], dtype=object)
    gnorm = np.array([e.grad_norm for e in ends])

    def var(values, long_name, units="1"):
        return ("point", values, {"long_name": long_name, "units": units})

    counts = {s: int(np.sum(status == s)) for s in STATUSES}
    data = {
        "x": (("point", "coord"), points[ids], {"long_name": "the point", "units": "1"}),
        "value": var(np.array([ends[i].value for i in ids]), "f(x)", "f"),
        "energy": var(np.array([ends[i].value for i in ids]) / dim,
                      "energy density f(x) / dim (Bray-Dean e; spin-glass u = H / N)", "f"),
        "grad_norm": var(gnorm[ids], "|grad f(x)| (Riemannian on a manifold)", "f"),
        "hess_grad_norm": var(np.array([ends[i].hg_norm for i in ids]), "|H g|", "f"),
        "index": var(index, "number of negative Hessian eigenvalues (-1: unknown)"),
        "index_fraction": var(frac, "index / Hessian size"),
        "min_abs_eigenvalue": var(np.array([r.min_abs_eigenvalue for r in rows]),
                                  "smallest |eigenvalue| of the Hessian", "f"),
        "iterations": var(np.array([ends[i].iterations for i in ids], dtype=np.int64),
                          "iterations of the method"),
        "converged": var(status[ids] == "critical", "certified critical point"),
        "status": var(status[ids].astype(str), f"one of {', '.join(STATUSES)}"),
        "reason": var(np.array([ends[i].reason for i in ids], dtype=str),
                      "why the search ended there, when the point is not critical"),
        "kind": var(np.array([r.kind for r in rows], dtype=str), f"one of {', '.join(KINDS)}"),
        "hits": var(np.array([r.hits for r in rows], dtype=np.int64),
                    "starts that reached the point"),
        "start": var(np.array([labels[i] for i in ids], dtype=str),
                     "random, trajectory or given"),
        "start_id": var(ids, "number of the start that gave the row"),
    }
    attrs = {
        "title": "Certified critical points",
        "source": "optim.critical.find_critical_points",
        **provenance(root, surface=surface, dim=dim, **params),
        "certificate": "critical iff |g| <= grad_tol * grad_scale; gradient-flat iff not and "
                       "|H g| <= flat_tol * hess_scale * |g|",
        "energy": "value / dim",
        "n_critical": int(np.sum(status[ids] == "critical")),
        "n_critical_hits": counts["critical"],
        "n_gradient_flat": counts["gradient-flat"],
        "n_unconverged": counts["unconverged"],
        "n_diverged": counts["diverged"],
        "references": "Roosta, Liu, Xu & Mahoney (2018) arXiv:1810.00303; Frye et al. (2021) "
                      "Neural Comput. 33; Pennington & Bahri (2017) ICML; Dauphin et al. "
                      "(2014) NeurIPS",
    }
    return xr.Dataset(data, coords={"point": np.arange(len(ids)), "coord": np.arange(dim)},
                      attrs=attrs)
