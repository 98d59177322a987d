"""The application layer of ``rmt``: sweeps, the experiment registry, ``rmt reproduce``, the CLI.

Nothing here is mathematics; it runs the mathematics of ``rmt``, ``fields`` and ``optim`` at
scale and writes the results:

* :mod:`rmt.workflow.sweeps`: :func:`sweep`, an experiment on every cell of a parameter grid
  times replicates, on local processes or a ``dask.distributed`` cluster, written to a zarr
  store as results arrive (created atomically, locked against a second writer), resumable,
  stopped cleanly by SIGINT/SIGTERM, a failing cell raised or recorded (``on_error``);
* :mod:`rmt.workflow.registry`: :class:`Experiment` and the experiments a sweep finds by name
  (:func:`register_experiment`, the entry-point group ``rmt.experiments``);
* :mod:`rmt.workflow.reproduction`: :func:`reproduce`, every figure registered under the
  entry-point group ``rmt.figures`` and the claims table (:class:`Claim`);
* :mod:`rmt.workflow.cli`: the ``rmt`` command (``reproduce``, ``sweep``, ``show``).

Packages above ``rmt`` (``fields``, ``optim``, a user's own) add experiments and figures
through entry points, never through an import by ``rmt``: a source checkout must therefore be
installed (``pip install -e .``) for them to appear. The submodules are imported on first use,
so ``import rmt`` loads neither zarr, tqdm nor matplotlib.
"""

from __future__ import annotations

import importlib

__all__ = [
    "Claim",
    "Experiment",
    "SweepCellError",
    "SweepInterrupted",
    "SweepLocked",
    "claims_table",
    "figure_rng",
    "get_experiment",
    "list_experiments",
    "register_experiment",
    "reproduce",
    "sweep",
]

_WHERE = {
    "Claim": "reproduction",
    "claims_table": "reproduction",
    "figure_rng": "reproduction",
    "reproduce": "reproduction",
    "Experiment": "registry",
    "get_experiment": "registry",
    "list_experiments": "registry",
    "register_experiment": "registry",
    "SweepCellError": "sweeps",
    "SweepInterrupted": "sweeps",
    "SweepLocked": "sweeps",
    "sweep": "sweeps",
}


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
