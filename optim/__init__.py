"""optim: saddle-aware critical-point finders, optimisers, and the error–index experiment.

Works on every surface of :mod:`fields` and on any object with the Surface members of
``../shared/ARCHITECTURE.md`` (``dim``, ``value``, ``grad``, ``value_and_grad``, ``hvp``,
``hess``). ``optim`` depends on ``rmt`` and ``fields``; nothing below it imports it.
"""

from .base import Transform, chain, scale, trace
from .driver import run
from .surface import Curvature, curvature

__all__ = ["Curvature", "Transform", "chain", "curvature", "run", "scale", "trace"]
