r"""Second-order steps: Newton, damped Newton and saddle-free Newton.

All three apply a function of the Hessian to the gradient,

.. math:: s = -\eta\, \phi(H)\, g, \qquad \phi(\lambda) = \frac{1}{\lambda + \alpha}
          \ \ (\text{Newton}, \alpha = 0;\ \text{damped Newton}, \alpha > 0), \qquad
          \phi(\lambda) = \frac{1}{|\lambda| + \alpha}\ \ (\text{saddle-free Newton}),

through an eigendecomposition of ``H`` (``method="exact"``) or of its projection on a Krylov
subspace started from ``g`` (``method="lanczos"``). Newton's step is attracted by every
critical point, saddles included (it jumps onto the critical point of a quadratic, whatever
its index); saddle-free Newton (Dauphin, Pascanu, Gulcehre, Cho, Ganguli & Bengio 2014) flips
the negative curvature directions and is repelled by saddles.

Where ``phi`` has a pole (a zero eigenvalue of ``H + alpha I``, or of ``|H| + alpha I``) the
step is the minimum-norm least-squares solution: eigenvalues with
``|lambda + alpha| <= n * eps * max |lambda + alpha|`` are dropped, as
:func:`scipy.linalg.pinvh` does.

Everything is done in the coordinates of the tangent space (:func:`fields.surface.tangent_space`):
on a surface on a manifold (:class:`fields.ManifoldSurface`), with the orthonormal basis ``B``
(``N x m``), the ``m x m`` Riemannian Hessian ``H_t`` and ``g_t = B^T g``, the step is
``B phi(H_t) g_t``, a tangent vector; on a flat surface ``B`` is the identity.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg

import rmt
from fields.surface import check_surface, hessian, tangent_space
from rmt._threads import dense_factorisation
from rmt._validation import check_int, check_positive_float

from .base import Transform, _learning_rate, chain, named, scale
from .diagonal_curvature import _choice
from .surface import _NonFinite

__all__ = ["damped_newton", "newton", "saddle_free_newton", "scale_by_newton"]

MODES = ("newton", "saddle_free")
METHODS = ("exact", "lanczos")


def _inverse(eigenvalues: np.ndarray, saddle_free: bool, damping: float) -> np.ndarray:
    """``1 / (lambda + alpha)`` or ``1 / (|lambda| + alpha)``, 0 at (numerical) poles."""
    shifted = (np.abs(eigenvalues) if saddle_free else eigenvalues) + damping
    if shifted.size == 0:
        return shifted
    cutoff = shifted.size * np.finfo(np.float64).eps * np.max(np.abs(shifted))
    keep = np.abs(shifted) > cutoff
    return np.divide(1.0, shifted, out=np.zeros_like(shifted), where=keep)


def _spectral_model(u: np.ndarray, x, surface, method: str, rank: int | None):
    r"""The Hessian (or its Krylov projection) in an eigenbasis, and ``u`` in that basis.

    Returns ``(W, ell, c, space)`` with ``W`` (``n x m``, orthonormal columns, tangent
    coordinates), the eigenvalues ``ell`` of ``W^T H W`` (ascending) and ``c = W^T u_t``:

    * ``"exact"``: :math:`H = V \operatorname{diag}(\lambda) V^T`, ``W = V``, ``m = n``;
    * ``"lanczos"``: ``k = min(rank, n)`` steps of :func:`rmt.lanczos` from ``u_t`` give ``Q``
      and :math:`T = Q^T H Q = S \operatorname{diag}(\ell) S^T`, ``W = Q S`` and
      ``c = |u_t| S^T e_1`` (``u_t`` is the first Lanczos vector); a Krylov space invariant
      before ``k`` steps is cut there.

    ``W`` is None (and ``ell`` empty) when ``u_t = 0`` under ``"lanczos"``; the whole result
    is None when the Hessian or a Hessian-vector product is not finite.
    """
    if method == "exact":
        h, space = hessian(surface, x)
        if not np.all(np.isfinite(h)):
            return None
        with dense_factorisation(h.shape[0]):  # threads back for a large eigh in a loop
            w, v = scipy.linalg.eigh(h, check_finite=False)
        return v, w, v.T @ space.coordinates(u), space
    space = tangent_space(surface, x)
    n, ut, hvp = space.size, space.coordinates(u), space.hvp(surface, x)

    def matvec(v):
        out = np.asarray(hvp(v), dtype=np.float64)
        if not np.all(np.isfinite(out)):
            raise _NonFinite
        return out

    norm = float(np.linalg.norm(ut))
    if norm == 0:
        return None, np.empty(0), np.empty(0), space
    k = n if rank is None else min(rank, n)
    try:
        # The restart vectors (drawn from rng) are discarded below: the result is exact.
        res = rmt.lanczos(matvec, n, k, v0=ut, rng=0, return_basis=True)
    except _NonFinite:
        return None
    alpha, beta, q = res.alpha, res.beta, res.basis
    cut = np.flatnonzero(beta == 0)
    if cut.size:  # the Krylov space of u is invariant: keep it, drop the restarts
        k = int(cut[0]) + 1
        alpha, beta, q = alpha[:k], beta[: k - 1], q[:, :k]
    ell, s = scipy.linalg.eigh_tridiagonal(alpha, beta, check_finite=False)
    return q @ s, ell, norm * s[0], space


def scale_by_newton(
    mode: str,
    damping: float = 0.0,
    rank: int | None = None,
    method: str = "exact",
) -> Transform:
    r"""Apply ``(H + alpha I)^{-1}`` or ``(|H| + alpha I)^{-1}`` to the incoming vector.

    For the incoming ``u`` (the gradient) at the point ``x``:

    * ``method="exact"``: the Hessian from :func:`fields.surface.hessian` (``surface.hess``
      when it exists, otherwise assembled from ``dim`` calls of ``hvp``; in tangent
      coordinates on a manifold), its eigendecomposition
      :math:`H = V \operatorname{diag}(\lambda) V^T` (:func:`scipy.linalg.eigh`), and the
      output :math:`V \phi(\lambda) V^T u`;
    * ``method="lanczos"``: ``k = min(rank, n)`` steps of :func:`rmt.lanczos` on
      ``v -> hvp(x, v)`` started from ``u`` give an orthonormal basis ``Q`` of the Krylov
      space :math:`\mathcal K_k(H, u)` and :math:`T = Q^T H Q`; with
      :math:`T = S \operatorname{diag}(\ell) S^T` (:func:`scipy.linalg.eigh_tridiagonal`),
      the output is :math:`Q S \phi(\ell) S^T Q^T u = |u|\, Q S \phi(\ell) S^T e_1` (``u`` is
      the first Lanczos vector, so it lies in the subspace). When the Krylov space of ``u``
      is invariant before ``k`` steps, it is cut there: the output is then exact.

    Here :math:`\phi(\lambda) = 1 / (\lambda + \alpha)` for ``mode="newton"`` and
    :math:`1 / (|\lambda| + \alpha)` for ``mode="saddle_free"``, with ``alpha = damping``, and
    ``phi = 0`` at numerical poles (the pseudo-inverse, see the module docstring). ``u = 0``
    gives 0.

    Parameters
    ----------
    mode : {"newton", "saddle_free"}
    damping : float >= 0
        ``alpha``.
    rank : int >= 1, optional
        Krylov dimension for ``method="lanczos"`` (capped at the dimension ``n`` of the
        space; None: ``n``, the whole space). Ignored by ``method="exact"``.
    method : {"exact", "lanczos"}

    Returns
    -------
    Transform
        Named ``"scale_by_newton"``, ``needs=("hvp",)`` (the exact method uses ``hess`` when
        the surface has it and assembles the Hessian from ``hvp`` otherwise). State
        ``{"eigenvalues": ...}``: the eigenvalues of the Hessian (``"exact"``; ``m`` of them
        on a manifold) or the Ritz values, eigenvalues of ``T`` (``"lanczos"``: at most
        ``rank``, fewer when the Krylov space was cut), of the last update, ascending, without
        damping; empty before the first update and for ``"lanczos"`` at ``u = 0``; NaN where
        the Hessian was not finite (the output is then NaN, which the driver records as a
        divergence).

    Raises
    ------
    TypeError, ValueError
        Unknown ``mode`` or ``method``, ``damping`` negative or not finite, ``rank`` not an
        integer >= 1.

    Notes
    -----
    Cost per update: ``"exact"``, one Hessian (or ``n`` hvps) and an ``O(n^3)``
    eigendecomposition; ``"lanczos"``, ``k`` hvps and ``O(n k^2)`` reorthogonalisation.
    """
    mode = _choice("mode", mode, MODES)
    method = _choice("method", method, METHODS)
    damping = check_positive_float("damping", damping, allow_zero=True)
    if rank is not None:
        rank = check_int("rank", rank, 1)
    saddle_free = mode == "saddle_free"

    def init(x, *, rng=None):
        return {"eigenvalues": np.empty(0)}

    def update(u, state, x, surface):
        check_surface(surface, ("hvp",))
        u = np.asarray(u, dtype=np.float64)
        model = _spectral_model(u, x, surface, method, rank)
        if model is None:  # the Hessian was not finite
            return np.full(u.shape, np.nan), {"eigenvalues": np.full(1, np.nan)}
        basis, ell, coef, space = model
        if basis is None:  # u = 0
            return np.zeros(u.shape), {"eigenvalues": ell}
        sol = basis @ (_inverse(ell, saddle_free, damping) * coef)
        return space.ambient(sol), {"eigenvalues": ell}

    hyper = {"mode": mode, "damping": damping, "rank": rank, "method": method}
    return Transform("scale_by_newton", init, update, hyper, needs=("hvp",))


def newton(lr: float = 1.0) -> Transform:
    r"""Newton's method: :math:`x_{t+1} = x_t - \eta\, H^{-1} g_t`.

    With ``lr = 1`` it jumps onto the critical point of a quadratic in one step, whatever its
    index: Newton's method is attracted by saddles and maxima as much as by minima
    (Dauphin et al. 2014, Section 4). A singular ``H`` gives the minimum-norm least-squares
    solution (the pseudo-inverse, :func:`scipy.linalg.pinvh`'s cutoff), computed from the
    eigendecomposition of the full Hessian (``scipy.linalg.eigh``); on a manifold, in tangent
    coordinates.

    Parameters
    ----------
    lr : float > 0

    Returns
    -------
    Transform
        ``chain(scale_by_newton("newton"), scale(-lr))`` named ``"newton"``,
        ``needs=("hvp",)``; state ``({"eigenvalues": ...}, {})`` (the Hessian's eigenvalues
        at the last update).

    Raises
    ------
    TypeError, ValueError
        ``lr`` not a finite number > 0.

    Examples
    --------
    >>> import numpy as np
    >>> import fields
    >>> q = fields.RandomQuadratic(4, rng=0)          # a saddle at the origin
    >>> x = np.ones(4)
    >>> opt = newton()
    >>> step, state = opt.update(q.grad(x), opt.init(x), x, q)
    >>> bool(np.allclose(x + step, 0.0, atol=1e-12))
    True
    """
    lr = _learning_rate(lr)
    return named("newton", chain(scale_by_newton("newton"), scale(-lr)), lr=lr)


def damped_newton(lr: float = 1.0, damping: float = 1e-3) -> Transform:
    r"""Damped (Levenberg–Marquardt style) Newton: :math:`s = -\eta\,(H + \alpha I)^{-1} g`.

    The fixed shift ``alpha`` (Levenberg 1944, Marquardt 1963, who adapt it along the run)
    regularises a nearly singular ``H`` and shortens the step along flat directions. It does
    not make the step a descent direction: ``H + alpha I`` is still indefinite when
    ``alpha < -lambda_min(H)``, and then the step is attracted by saddles like Newton's (and
    blows up near ``lambda = -alpha``). ``damping = 0`` is :func:`newton`. Eigendecomposition
    of the full Hessian, pseudo-inverse at singular ``H + alpha I``.

    Parameters
    ----------
    lr : float > 0
    damping : float >= 0
        ``alpha``.

    Returns
    -------
    Transform
        ``chain(scale_by_newton("newton", damping), scale(-lr))`` named ``"damped_newton"``,
        ``needs=("hvp",)``; state ``({"eigenvalues": ...}, {})``.

    Raises
    ------
    TypeError, ValueError
        ``lr`` not > 0, ``damping`` < 0 or not finite.
    """
    lr = _learning_rate(lr)
    inner = scale_by_newton("newton", damping=damping)
    return named("damped_newton", chain(inner, scale(-lr)), lr=lr,
                 damping=inner.hyperparameters["damping"])


def saddle_free_newton(
    lr: float = 1.0,
    damping: float = 1e-4,
    method: str = "exact",
    rank: int = 20,
) -> Transform:
    r"""Saddle-free Newton: :math:`s = -\eta\,(|H| + \alpha I)^{-1} g`.

    Dauphin, Pascanu, Gulcehre, Cho, Ganguli & Bengio (2014), "Identifying and attacking the
    saddle point problem in high-dimensional non-convex optimization", NeurIPS. With
    :math:`H = V \operatorname{diag}(\lambda) V^T`, :math:`|H| = V \operatorname{diag}(|\lambda|)
    V^T`: the Newton step rescaled by the curvature along each eigendirection, but moving
    *down* along negative curvature, so saddles repel it.

    * ``method="exact"``: eigendecomposition of the full Hessian (:func:`scipy.linalg.eigh`).
    * ``method="lanczos"``: as in the paper, in the Krylov subspace of dimension
      ``k = min(rank, n)`` spanned by :func:`rmt.lanczos` from ``g`` through ``hvp``:
      :math:`T = Q^T H Q = S \operatorname{diag}(\ell) S^T`,
      :math:`s = -\eta\, Q S (|\ell| + \alpha)^{-1} S^T Q^T g` (``g`` is the first Lanczos
      vector, so it lies in the subspace). ``rank = n`` gives the exact step up to rounding.

    Parameters
    ----------
    lr : float > 0
    damping : float >= 0
        ``alpha`` (0: the pseudo-inverse where ``H`` is singular).
    method : {"exact", "lanczos"}
    rank : int >= 1
        Krylov dimension of ``"lanczos"`` (validated, but unused, for ``"exact"``).

    Returns
    -------
    Transform
        ``chain(scale_by_newton("saddle_free", damping, rank, method), scale(-lr))`` named
        ``"saddle_free_newton"``, ``needs=("hvp",)``; state ``({"eigenvalues": ...}, {})``
        (the Hessian's eigenvalues or the Ritz values of the last update).

    Raises
    ------
    TypeError, ValueError
        ``lr`` not > 0, ``damping`` < 0, unknown ``method``, ``rank`` not an integer >= 1.

    Examples
    --------
    On ``f = (x^2 - y^2) / 2`` saddle-free Newton moves away from the saddle along ``y``:

    >>> import numpy as np
    >>> class Saddle:
    ...     dim = 2
    ...     def hvp(self, x, v):
    ...         return np.array([1.0, -1.0]) * v
    >>> opt = saddle_free_newton(damping=0.0)
    >>> x = np.array([1.0, 0.5])
    >>> step, state = opt.update(np.array([1.0, -0.5]), opt.init(x), x, Saddle())
    >>> step, state[0]["eigenvalues"]
    (array([-1. ,  0.5]), array([-1.,  1.]))
    """
    lr = _learning_rate(lr)
    rank = check_int("rank", rank, 1)
    inner = scale_by_newton("saddle_free", damping=damping, rank=rank, method=method)
    return named("saddle_free_newton", chain(inner, scale(-lr)), lr=lr,
                 damping=inner.hyperparameters["damping"], method=method, rank=rank)
