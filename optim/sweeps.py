"""Experiments of :mod:`optim` for :func:`rmt.sweep` (entry-point group ``rmt.experiments``).

``critical-points``: one cell builds a Gaussian random field (Bray–Dean scaling) from the
cell's generator, finds its critical points with :func:`optim.find_critical_points` and
returns summary numbers, so ``rmt sweep critical-points --set dim=10,20,50 --set
kernel=se,matern52 --replicates 20`` sweeps dimensions and kernels over independent fields.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.stats

import fields
from rmt._validation import check_choice, check_int
from rmt.random import as_seed_sequence, child
from rmt.workflow.registry import Experiment

from .critical import find_critical_points

__all__ = ["KERNELS", "critical_points_cell", "critical_points"]

#: Kernel names accepted by the ``kernel`` parameter.
KERNELS = {
    "se": lambda: fields.SquaredExponential(),
    "matern52": lambda: fields.Matern(nu=2.5),
    "matern72": lambda: fields.Matern(nu=3.5),
    "matern4": lambda: fields.Matern(nu=4.0),
}


def critical_points_cell(rng: np.random.Generator, dim: int | None = None, kernel: str = "se",
                         n_starts: int = 50, features_per_dim: int = 300,
                         method: str = "newton-mr") -> dict:
    """Critical points of one random field: counts, index range and energy–index correlation.

    Returns ``n_critical`` (distinct certified points), ``n_minima``, ``n_saddles``,
    ``max_index_fraction``, ``min_energy`` (lowest certified energy density) and ``pearson_r``
    (energy against index fraction; NaN with fewer than 3 points or no spread). The cell's
    generator contributes one root (:func:`rmt.random.as_seed_sequence`): its keyed child 0
    builds the field, child 1 seeds the finder.
    """
    check_choice("kernel", kernel, KERNELS)
    dim = check_int("dim", dim, 1)
    features_per_dim = check_int("features_per_dim", features_per_dim, 1)
    root = as_seed_sequence(rng)
    f = fields.GaussianField(dim, KERNELS[kernel](), n_features=features_per_dim * dim,
                             rng=child(root, 0))
    cps = find_critical_points(f, n_starts=check_int("n_starts", n_starts, 1), method=method,
                               rng=child(root, 1))
    crit = cps.kind.values != "not-critical"
    energy, alpha = cps.energy.values[crit], cps.index_fraction.values[crit]
    r = math.nan
    if crit.sum() >= 3 and np.ptp(energy) > 0 and np.ptp(alpha) > 0:
        r = float(scipy.stats.pearsonr(energy, alpha)[0])
    return {
        "n_critical": int(crit.sum()),
        "n_minima": int(np.sum(cps.kind.values == "minimum")),
        "n_saddles": int(np.sum(cps.kind.values == "saddle")),
        "max_index_fraction": float(alpha.max()) if alpha.size else math.nan,
        "min_energy": float(energy.min()) if energy.size else math.nan,
        "pearson_r": r,
    }


critical_points = Experiment(
    "critical-points", critical_points_cell,
    {"dim": None, "kernel": "se", "n_starts": 50, "features_per_dim": 300,
     "method": "newton-mr"},
    "critical points of one Gaussian field (kernel se, matern52, matern72, matern4): "
    "n_critical, n_minima, n_saddles, max_index_fraction, min_energy, pearson_r",
)
