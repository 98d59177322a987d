"""fields: random surfaces with exact derivatives, and the Bray–Dean theory of their critical points.

Every surface is frozen once built (all randomness drawn at construction) and offers ``dim``,
``value(x)``, ``grad(x)``, ``value_and_grad(x)``, ``hvp(x, v)`` and ``hess(x)``
(``../shared/ARCHITECTURE.md``). ``fields`` depends on ``rmt``, never on ``optim``.
"""

__all__: list[str] = []
