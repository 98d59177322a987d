r"""Newton and saddle-free Newton with Levenberg–Marquardt damping and a line search.

The steps of :mod:`optim.newton` with a fixed damping either stall (too much) or leap
(too little) on a network, whose curvature changes by orders of magnitude along a run. Here,
as in the Hessian-free optimisation of Martens (2010, section 4.1) and in the experiments of
Dauphin et al. (2014, section 7), the damping follows the quality of the quadratic model.
At ``x`` with gradient ``g``, in an orthonormal eigenbasis ``W`` of the Hessian (the whole
space below ``exact_size`` dimensions) or of its projection on the Krylov space of ``k``
Lanczos steps from ``g`` (:func:`rmt.lanczos`), with Ritz values :math:`\ell` and
:math:`c = W^T g`:

.. math:: s = -W\,\phi(\ell)\,c,\qquad
          \phi(\ell) = \frac{1}{|\ell| + \alpha}\ \ (\text{saddle-free}),\quad
          \frac{1}{\ell + \alpha}\ \ (\text{damped Newton}),

the model's predicted decrease :math:`\Delta m = -(g^T s + \tfrac12 s^T H s)
= -\sum_i (c_i y_i + \tfrac12 \ell_i y_i^2)`, :math:`y = -\phi(\ell) c`, and the reduction
ratio :math:`\rho = (f(x) - f(x + s)) / \Delta m`. Then (Martens 2010, from Moré 1978)

.. math:: \alpha \leftarrow \tfrac32\,\alpha \ \text{ if } \rho < \tfrac14, \qquad
          \alpha \leftarrow \tfrac23\,\alpha \ \text{ if } \rho > \tfrac34

(``rho = -inf`` when the model predicts no decrease, or ``f(x + s)`` is not finite), and a
backtracking line search on the loss takes ``x + t s`` for the first ``t = 1, 1/2, 1/4, ...``
with :math:`f(x + t s) \le f(x) + c_1\, t\, g^T s` (Armijo, Nocedal & Wright 2006, eq. 3.4;
where ``s`` is not a descent direction, :math:`g^T s \ge 0`, a decrease of ``f`` is asked),
or no step at all after ``backtracks`` halvings.

Saddle-free Newton's ``s`` is always a descent direction (:math:`g^T s = -\sum c_i^2 /
(|\ell_i| + \alpha) < 0`), so it moves down the negative curvature that attracts Newton's
method. Damped Newton's is not where :math:`H + \alpha I` is indefinite: the line search then
keeps it from going up, but not from being drawn to a saddle (Dauphin et al. 2014, section 4).

**Cost.** Per step: ``k`` Hessian-vector products (or one Hessian, ``n`` of them, below
``exact_size``), one loss at ``x`` and one per trial of the line search. :func:`optim.train`
counts each in gradient equivalents (a Hessian-vector product 2, a loss 1, a dense Hessian
``2 n``), so these optimisers are compared with first-order ones at equal work.
"""

from __future__ import annotations

import math

import numpy as np

from fields.surface import check_surface
from rmt._validation import check_int, check_positive_float

from .base import Transform, _fraction
from .newton import _inverse, _spectral_model

__all__ = ["adaptive_damped_newton", "adaptive_saddle_free_newton"]

#: Dimension up to which ``method="auto"`` takes the exact Hessian (an ``O(n^3)`` eigh costs
#: about what ``n`` Krylov steps do on a network of this size).
EXACT_SIZE = 500
#: Levenberg–Marquardt factors and thresholds (Martens 2010, section 4.1).
_INCREASE, _DECREASE, _LOW, _HIGH = 1.5, 2.0 / 3.0, 0.25, 0.75
#: The damping is kept in this range, so repeated failures or successes cannot overflow it.
_DAMPING_RANGE = (1e-12, 1e12)
_METHODS = ("auto", "exact", "lanczos")


def _adaptive(name: str, saddle_free: bool, damping, rank, method, exact_size, line_search,
              armijo, backtracks) -> Transform:
    damping = check_positive_float("damping", damping)
    if not _DAMPING_RANGE[0] <= damping <= _DAMPING_RANGE[1]:
        raise ValueError(f"damping must be in [{_DAMPING_RANGE[0]:g}, {_DAMPING_RANGE[1]:g}]; "
                         f"got {damping}")
    rank = check_int("rank", rank, 1)
    if not isinstance(method, str):
        raise TypeError(f"method must be one of {_METHODS}; got {method!r}")
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}; got {method!r}")
    exact_size = check_int("exact_size", exact_size, 0)
    if not isinstance(line_search, bool):
        raise TypeError(f"line_search must be a bool; got {line_search!r}")
    armijo = _fraction("armijo", armijo)
    backtracks = check_int("backtracks", backtracks, 0)

    def init(x, *, rng=None):
        return {"damping": damping, "eigenvalues": np.empty(0), "ratio": math.nan,
                "step_length": math.nan}

    def update(g, state, x, surface):
        check_surface(surface, ("value", "hvp"))
        g = np.asarray(g, dtype=np.float64)
        x = np.asarray(x, dtype=np.float64)
        alpha = state["damping"]
        exact = method == "exact" or (method == "auto" and surface.dim <= exact_size)
        model = _spectral_model(g, x, surface, "exact" if exact else "lanczos", rank)
        if model is None:  # a Hessian-vector product was not finite: the driver's divergence
            return np.full(g.shape, np.nan), dict(state, eigenvalues=np.full(1, np.nan))
        basis, ell, coef, space = model
        if basis is None or not np.any(coef):  # g = 0: nowhere to go
            return np.zeros(g.shape), dict(state, eigenvalues=ell, ratio=math.nan,
                                           step_length=0.0)
        y = -_inverse(ell, saddle_free, alpha) * coef
        s = space.ambient(basis @ y)
        slope, curvature = float(coef @ y), float(ell @ (y * y))
        with np.errstate(all="ignore"):
            f0 = float(surface.value(x))

            def trial(t):
                return float(surface.value(x + t * s))

            f1 = trial(1.0)
        predicted = -(slope + 0.5 * curvature)
        ratio = (f0 - f1) / predicted if predicted > 0 and math.isfinite(f1) else -math.inf
        if ratio < _LOW:
            alpha = min(alpha * _INCREASE, _DAMPING_RANGE[1])
        elif ratio > _HIGH:
            alpha = max(alpha * _DECREASE, _DAMPING_RANGE[0])
        def accepted(t, ft):
            if not math.isfinite(ft):
                return False
            return ft <= f0 + armijo * t * slope if slope < 0 else ft < f0

        t, ft = 1.0, f1
        if line_search:
            for _ in range(backtracks):
                if accepted(t, ft):
                    break
                t *= 0.5
                with np.errstate(all="ignore"):
                    ft = trial(t)
            if not accepted(t, ft):
                t = 0.0
        new = dict(state, damping=alpha, eigenvalues=ell, ratio=ratio, step_length=t)
        return t * s, new

    hyper = {"damping": damping, "rank": rank, "method": method, "exact_size": exact_size,
             "line_search": line_search, "armijo": armijo, "backtracks": backtracks}
    return Transform(name, init, update, hyper, needs=("hvp",))


def adaptive_saddle_free_newton(damping: float = 1.0, rank: int = 20, method: str = "auto",
                                exact_size: int = EXACT_SIZE, line_search: bool = True,
                                armijo: float = 1e-4, backtracks: int = 10) -> Transform:
    r"""Saddle-free Newton, :math:`s = -(|H| + \alpha I)^{-1} g`, with adapted damping.

    Dauphin, Pascanu, Gulcehre, Cho, Ganguli & Bengio (2014), "Identifying and attacking the
    saddle point problem in high-dimensional non-convex optimization", NeurIPS, Algorithm 1:
    :math:`|H|` in the Krylov subspace of ``k`` Lanczos steps from the gradient, the damping
    ``alpha`` adapted Levenberg–Marquardt style from the ratio of actual to predicted
    decrease, and a backtracking line search on the loss (module docstring). Below
    ``exact_size`` dimensions (``method="auto"``) the exact :math:`|H|`.

    Parameters
    ----------
    damping : float in [1e-12, 1e12], default 1
        Initial ``alpha`` (then adapted, and kept in that range).
    rank : int >= 1, default 20
        Krylov dimension ``k`` (capped at the dimension).
    method : {"auto", "exact", "lanczos"}
        ``"auto"``: ``"exact"`` up to ``exact_size`` dimensions, ``"lanczos"`` above.
    exact_size : int >= 0, default 500
    line_search : bool, default True
        Backtrack on the loss; without it the full step ``s`` is taken.
    armijo : float in [0, 1), default 1e-4
        ``c_1`` of the sufficient-decrease condition.
    backtracks : int >= 0, default 10
        Halvings of ``t`` before the step is refused (``t = 0``).

    Returns
    -------
    Transform
        Named ``"adaptive_saddle_free_newton"``, ``needs=("hvp",)`` (and ``value``). State:
        ``"damping"`` (``alpha`` for the next step), ``"eigenvalues"`` (the Hessian's or the
        Ritz values of the last step, ascending; NaN where a product was not finite),
        ``"ratio"`` (``rho`` of the last step), ``"step_length"`` (``t``; 0: refused).

    Raises
    ------
    TypeError, ValueError
        ``damping`` outside its range, ``rank`` < 1, unknown ``method``, ``exact_size`` < 0,
        ``line_search`` not a bool, ``armijo`` outside [0, 1), ``backtracks`` < 0.

    Examples
    --------
    On ``f = (x^2 - y^2) / 2 + y^4 / 4`` it leaves the saddle at 0 for a minimum at
    ``y = +-1``, where Newton's method would stay:

    >>> import numpy as np
    >>> class Saddle:
    ...     dim = 2
    ...     def value(self, w):
    ...         return (w[0] ** 2 - w[1] ** 2) / 2 + w[1] ** 4 / 4
    ...     def grad(self, w):
    ...         return np.array([w[0], w[1] ** 3 - w[1]])
    ...     def hvp(self, w, v):
    ...         return np.array([v[0], (3 * w[1] ** 2 - 1) * v[1]])
    >>> f, opt, w = Saddle(), adaptive_saddle_free_newton(), np.array([0.5, 1e-3])
    >>> state = opt.init(w)
    >>> for _ in range(40):
    ...     step, state = opt.update(f.grad(w), state, w, f)
    ...     w = w + step
    >>> np.round(w, 6)
    array([0., 1.])
    """
    return _adaptive("adaptive_saddle_free_newton", True, damping, rank, method, exact_size,
                     line_search, armijo, backtracks)


def adaptive_damped_newton(damping: float = 1.0, rank: int = 20, method: str = "auto",
                           exact_size: int = EXACT_SIZE, line_search: bool = True,
                           armijo: float = 1e-4, backtracks: int = 10) -> Transform:
    r"""Damped Newton, :math:`s = -(H + \alpha I)^{-1} g`, with adapted damping.

    The comparison method of Dauphin et al. (2014, section 7): the Newton step on the same
    Krylov subspace (or the exact Hessian below ``exact_size``) with the same
    Levenberg–Marquardt damping and line search as :func:`adaptive_saddle_free_newton`
    (module docstring). Where :math:`H + \alpha I` is indefinite the step can point uphill
    (the line search then asks for a decrease of the loss, or refuses the step) and is drawn
    to saddles.

    Parameters
    ----------
    damping, rank, method, exact_size, line_search, armijo, backtracks
        As for :func:`adaptive_saddle_free_newton`.

    Returns
    -------
    Transform
        Named ``"adaptive_damped_newton"``, ``needs=("hvp",)``; the state of
        :func:`adaptive_saddle_free_newton`.

    Raises
    ------
    TypeError, ValueError
        As for :func:`adaptive_saddle_free_newton`.
    """
    return _adaptive("adaptive_damped_newton", False, damping, rank, method, exact_size,
                     line_search, armijo, backtracks)
