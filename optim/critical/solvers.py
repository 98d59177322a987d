r"""The three searches for a zero of the gradient: Newton, Newton-MR and gradient-norm L-BFGS.

All three drive the merit function :math:`\phi(x) = |g(x)|^2 / 2`, whose gradient is
:math:`\nabla \phi = H g`, towards zero from one starting point, and return an end point for
the certificate (:mod:`optim.critical.certificate`) to judge:

``"newton"``
    Newton's method on ``g = 0``: the step solves :math:`H p = -g` (a dense symmetric solve;
    when ``H`` is singular or numerically so, the minimum-norm least-squares solution of
    ``lstsq``), followed by a backtracking line search on ``|g|``. Newton's method is attracted
    to critical points of every index alike ("Newton seeks any critical point
    indiscriminately", Dauphin et al. 2014), which is what a census of critical points needs.
``"newton-mr"``
    Newton-MR (Roosta, Liu, Xu & Mahoney 2018): the step is the MINRES solution of
    :math:`H p = -g` (:func:`scipy.sparse.linalg.minres` on ``hvp``, its compiled twin
    :func:`optim.critical._minres_kernels.minres_dense` on a dense ``H``; relative residual
    :math:`\eta_k = \min(0.1, |g_k| / g_s)`), a direction with
    :math:`\langle p, H g\rangle \le 0` also for an indefinite ``H``; when ``g`` is not in
    the range of ``H`` the step is the minimum-norm least-squares solution
    :math:`-H^{+} g` instead (``_minres`` says when and why). The step length ``a`` is the
    largest of ``a_0, a_0/2, ..., a_0/2^{10}`` (``a_0 = min(1, max_step / |p|)``) with the
    Armijo condition on :math:`|g|^2`,

    .. math:: |g(x + a p)|^2 \le |g(x)|^2 + 2 \rho\, a \langle p, H g \rangle,
              \qquad \rho = 10^{-4}.

    Frye et al. (2021) recommend it over gradient-norm minimisation, which settles on
    gradient-flat points; Newton-MR may meet one too, and then stops and says so (the
    certificate, not the method, decides what is critical). ``H`` is used as the dense
    matrix when the surface has ``hess`` and at most 512 dimensions (one ``hess`` of a
    random-feature field costs a few ``hvp`` products while MINRES needs tens of them per
    step; ``docs/design.md``), otherwise as a :class:`scipy.sparse.linalg.LinearOperator` of
    ``hvp`` (a network's dense Hessian costs ``dim`` products).
``"gradient-norm"``
    Gradient-norm minimisation (Pennington & Bahri 2017): L-BFGS-B
    (:func:`scipy.optimize.minimize`) on :math:`\phi` with gradient ``H g`` from one ``hvp``.
    Its stationary points are the zeros of ``H g``: the critical points, but also the
    *gradient-flat* points where ``g != 0`` lies in the kernel of ``H`` (Frye et al. 2021).
    It needs a flat surface (the gradient of ``phi`` through a retraction is not available).

The Newton methods give up when neither ``|g|`` nor ``|H g|`` has halved in ``stall_iter``
iterations (:class:`~optim.critical.Solver`): from random starts runs may creep towards a
point where ``H`` is singular and ``|g|`` is small but not zero (a fold of ``g``), where a
merit-function line search cannot make progress. They also give up when a line search finds
no step of at least ``2^{-10}`` (about a thousandth) of its first trial: under the
regularity assumptions of Roosta et al. (2018) the accepted step sizes stay bounded away from
zero, so ever shorter steps mean a fold. From 200 starts on four squared-exponential fields
(``N = 30``) no run that ended certified needed more than nine trials in any search, while
the runs that failed spent most of their evaluations in searches of up to 41 trials (the
earlier limit, ``2^{-40}``); with the limit, the same runs end certified there, on four more
such fields, and from 100 starts each on a field of ``N = 50``, a Matérn field and the
spherical 3-spin glass of ``N = 100`` (``tests/benchmarks/bench_critical.py``). Such runs are
reported ``"unconverged"``.

The Newton steps and the line search use one ``value_and_grad`` per trial point; ``newton``
and dense ``newton-mr`` one Hessian per iteration, hvp-based ``newton-mr`` one ``hvp`` per
MINRES iteration plus three (``H g``, and ``H s``, ``H r`` to judge the step), and when the
step falls back to least squares one per Lanczos step of :func:`_krylov_lstsq`.

**Manifolds.** On a surface with ``project`` and ``tangent_basis`` (the spherical spin glass)
the Newton system is solved in the coordinates of its tangent space
(:func:`fields.surface.tangent_space`, basis ``B``), with the Hessian of
:func:`fields.surface.hessian` (or MINRES on :math:`u \mapsto B^T \mathrm{hvp}(x, B u)`), and
the new point is :math:`R(x + a B p)` with ``R`` = :func:`fields.surface.retract`.

References
----------
F. Roosta, Y. Liu, P. Xu and M. W. Mahoney, "Newton-MR: Inexact Newton method with minimum
residual sub-problem solver", arXiv:1810.00303 (2018; EURO J. Comput. Optim. 10, 2022).
S.-C. T. Choi, C. C. Paige and M. A. Saunders, "MINRES-QLP: a Krylov subspace method for
indefinite or singular symmetric systems", SIAM J. Sci. Comput. 33, 1810 (2011).
B. N. Parlett, *The Symmetric Eigenvalue Problem*, SIAM (1998).
C. G. Frye, J. Simon, N. S. Wadia, A. Ligeralde, M. R. DeWeese and K. E. Bouchard, "Critical
point-finding methods reveal gradient-flat regions of deep network losses", Neural Computation
33, 1469 (2021).
J. Pennington and Y. Bahri, "Geometry of neural network loss surfaces via random matrix
theory", ICML 2017.
Y. Dauphin, R. Pascanu, C. Gulcehre, K. Cho, S. Ganguli and Y. Bengio, "Identifying and
attacking the saddle point problem in high-dimensional non-convex optimization", NeurIPS 2014.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import scipy.linalg
import scipy.optimize
import scipy.sparse.linalg

from fields.surface import hessian, retract, tangent_space
from rmt._threads import dense_factorisation

from ._evaluation import EndPoint, evaluate, finite, hess_grad_norm
from ._minres_kernels import minres_dense
from .certificate import _classify
from .options import _Setup

__all__: list[str] = []

_EPS = float(np.finfo(np.float64).eps)
#: Armijo constant of the line searches (on |g|^2 and, for the descent paths, on f).
_RHO = 1e-4
#: A MINRES step that does not satisfy the inexact Newton condition is kept when it reduces
#: the least-squares gradient |H r| to at most this fraction of |H g| (see _minres).
_THETA = 0.5
#: Smallest step fraction tried by a backtracking line search (2^-40).
_MIN_STEP_FRACTION = 2.0**-40
#: The Newton line searches give up when the step has fallen below this fraction of the first
#: trial (10 halvings, 11 trial points; see _newton).
_MAX_HALVINGS_FRACTION = 2.0**-10
#: Default iteration limits: Newton-type methods converge in tens of steps, L-BFGS needs more.
_DEFAULT_MAX_ITER = {"newton": 200, "newton-mr": 200, "gradient-norm": 5000}


class _Stop(Exception):
    """Raised inside the L-BFGS objective to end the run at a point (certified or flat)."""


def _solve_dense(h: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """``H^{-1} rhs``; the minimum-norm least-squares solution when ``H`` is (near) singular.

    NaN when even the SVD of ``lstsq`` fails (the caller labels the start ``"diverged"``).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error", scipy.linalg.LinAlgWarning)
        try:
            return scipy.linalg.solve(h, rhs, assume_a="sym", check_finite=False)
        except (scipy.linalg.LinAlgError, scipy.linalg.LinAlgWarning, ValueError):
            pass
    return _lstsq(h, rhs)


def _lstsq(h: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """The minimum-norm least-squares solution of ``H s = rhs``; NaN if the SVD fails."""
    try:  # numpy's gelsd call, with scipy's cutoff: singular values below eps |H| are zero
        return np.linalg.lstsq(h, rhs, rcond=_EPS)[0]
    except np.linalg.LinAlgError:
        return np.full(rhs.shape, np.nan)


def _newton_system(surface, x: np.ndarray, g: np.ndarray, setup: _Setup):
    """Newton direction ``p`` (ambient), and ``<p, H g>``, ``|H g|``, ``|p|`` (tangent)."""
    if setup.solver == "dense":
        h, space = hessian(surface, x)
        gt = space.coordinates(g)
        hg = h @ gt
        if not finite(h):  # LAPACK must not see NaN (the SVD of lstsq fails on it)
            s = np.full(gt.shape, np.nan)
        elif setup.method == "newton":
            with dense_factorisation(h.shape[0]):
                s = _solve_dense(h, -gt)
        else:
            with dense_factorisation(h.shape[0]):
                s = _minres(h, gt, float(np.linalg.norm(hg)), setup)
    else:
        space = tangent_space(surface, x)
        hvp = space.hvp(surface, x)

        def matvec(v):
            return hvp(np.ravel(v))

        gt = space.coordinates(g)
        op = scipy.sparse.linalg.LinearOperator((space.size, space.size), matvec=matvec,
                                                rmatvec=matvec, dtype=np.float64)  # symmetric
        hg = matvec(gt)
        s = _minres(op, gt, float(np.linalg.norm(hg)), setup) if finite(hg) \
            else np.full(gt.shape, np.nan)
    return space.ambient(s), float(s @ hg), float(np.linalg.norm(hg)), float(np.linalg.norm(s))


def _minres(op, gt: np.ndarray, hg_norm: float, setup: _Setup) -> np.ndarray:
    """Newton-MR step: inexact MINRES for ``H s = -g``, least squares when that falls short.

    MINRES (``x0 = 0``) with the forcing term ``eta = min(0.1, |g| / g_s)``; scipy stops it at
    ``|r| <= eta |g|`` or ``|H r| <= eta |H| |r|``, ``r = H s + g``. The step is kept when
    ``|r| <= eta |g|`` (the inexact Newton condition) or ``|H r| <= |H g| / 2`` (it at least
    halves the gradient ``H r`` of the least-squares model ``|H s + g|^2 / 2``). Otherwise
    ``g`` has a part outside the (numerical) range of ``H`` that stopped MINRES early, and
    iterating further would let the null-space part of ``s`` grow without bound (MINRES is
    not MINRES-QLP), so the step is the minimum-norm least-squares solution ``s = -H^+ g``
    of exact Newton-MR: ``lstsq`` on a dense ``H``; on an operator, the same solution of the
    Lanczos projection of ``H`` on the Krylov space of ``g`` (:func:`_krylov_lstsq`, twice as
    many steps as MINRES took, plus 2, at most the size: exact at that size). This rule
    certifies more points than keeping every MINRES step or demanding ``|H r| <= eta |H g|``
    (``docs/design.md``).
    """
    g_norm = float(np.linalg.norm(gt))
    eta = max(min(0.1, g_norm / setup.grad_scale), 1e-15)
    dense = isinstance(op, np.ndarray)
    steps = [0]

    def count(_):
        steps[0] += 1

    with np.errstate(all="ignore"):
        if dense:
            s = minres_dense(np.ascontiguousarray(op), -gt, eta, 5 * gt.size)
        else:
            s = scipy.sparse.linalg.minres(op, -gt, rtol=eta, maxiter=5 * gt.size,
                                           callback=count)[0]
        r = op @ s + gt
        if np.linalg.norm(r) <= eta * g_norm or np.linalg.norm(op @ r) <= _THETA * hg_norm:
            return s
        if dense:
            return _lstsq(op, -gt)
        return _krylov_lstsq(op, -gt, min(gt.size, 2 * steps[0] + 2))


def _krylov_lstsq(op, b: np.ndarray, steps: int) -> np.ndarray:
    r"""The minimum-norm least-squares solution of ``H s = b`` projected on ``K_k(H, b)``.

    ``k = steps`` Lanczos steps from ``q_1 = b / |b|`` with full reorthogonalisation (two
    Gram-Schmidt passes, Parlett 1998, section 6.9), stopped early when the space is invariant
    (``beta_j <= 1e-10`` times the largest coefficient so far), give ``H Q_k ~ Q_k T_k``; the
    step is :math:`s = Q_k T_k^{+} |b| e_1` (``lstsq`` on the ``k x k`` tridiagonal). With
    ``k`` the size of ``H`` (or an invariant space) it is the exact :math:`H^{+} b` of the
    dense path; iterates stay in the Krylov space of ``b``, as those of MINRES-QLP (Choi,
    Paige & Saunders 2011), whose minimum-length solution this imitates at ``k`` products of
    ``H``. NaN when a product is not finite (the caller labels the start ``"diverged"``).
    """
    beta0 = float(np.linalg.norm(b))
    basis = np.empty((steps, b.size))
    basis[0] = b / beta0
    alpha: list[float] = []
    beta: list[float] = []
    for j in range(steps):
        w = np.asarray(op @ basis[j], dtype=np.float64)
        if not finite(w):
            return np.full(b.shape, np.nan)
        alpha.append(float(basis[j] @ w))
        q = basis[:j + 1]
        for _ in range(2):
            w -= q.T @ (q @ w)
        b_next = float(np.linalg.norm(w))
        if j + 1 == steps or b_next <= 1e-10 * max(max(map(abs, alpha)), max(beta, default=0)):
            break
        beta.append(b_next)
        basis[j + 1] = w / b_next
    k = len(alpha)
    t = np.diag(alpha) + np.diag(beta[:k - 1], 1) + np.diag(beta[:k - 1], -1)
    rhs = np.zeros(k)
    rhs[0] = beta0
    return basis[:k].T @ _lstsq(t, rhs)


def _newton(surface, x: np.ndarray, setup: _Setup) -> EndPoint:
    """Newton or Newton-MR with the Armijo line search on ``|g|^2`` from ``x``."""
    ev = evaluate(surface, x)
    if ev is None:
        return EndPoint(x, math.nan, math.nan, math.nan, 0, "diverged", _NOT_FINITE_START)
    value, g = ev
    gn = float(np.linalg.norm(g))
    g_hist: list[float] = []
    hg_hist: list[float] = []  # running minimum of |H g|
    reason = ""
    for it in range(setup.max_iter + 1):
        if gn <= setup.grad_abs:
            return _certified(surface, x, value, g, gn, it)
        if it == setup.max_iter:
            reason = f"max_iter = {setup.max_iter} iterations"
            break
        with np.errstate(all="ignore"):
            p, slope, hg_norm, p_norm = _newton_system(surface, x, g, setup)
        if not (finite(p) and math.isfinite(slope)):
            return EndPoint(x, value, gn, hg_norm, it, "diverged", _NOT_FINITE_STEP)
        if hg_norm <= setup.flat_tol * setup.hess_scale * gn or slope >= 0.0:
            # a stationary point of |g|^2 / 2 that is not critical (or no descent)
            reason = "no descent direction for |g|^2 (H g ~ 0 or <p, H g> >= 0)"
            break
        g_hist.append(min(gn, g_hist[-1]) if g_hist else gn)
        hg_hist.append(min(hg_norm, hg_hist[-1]) if hg_hist else hg_norm)
        if it >= setup.stall_iter and g_hist[it] > 0.5 * g_hist[it - setup.stall_iter] \
                and hg_hist[it] > 0.5 * hg_hist[it - setup.stall_iter]:
            reason = (f"stalled: neither |g| nor |H g| halved in {setup.stall_iter} "
                      f"iterations")
            break
        a = min(1.0, setup.max_step / p_norm) if p_norm > 0 else 1.0
        a_min = max(_MIN_STEP_FRACTION, _MAX_HALVINGS_FRACTION * a)
        accepted = False
        while a >= a_min:
            x_new = x + a * p
            trial = None
            if finite(x_new):
                x_new = retract(surface, x_new)
                trial = evaluate(surface, x_new)
            if trial is not None:
                gn_new = float(np.linalg.norm(trial[1]))
                if gn_new**2 <= gn**2 + 2.0 * _RHO * a * slope:
                    accepted = True
                    break
            a *= 0.5
        if not accepted:
            reason = "the line search found no step that lowers |g|^2"
            break
        x, (value, g), gn = x_new, trial, gn_new
    hg_norm = hess_grad_norm(surface, x, g)
    status = _classify(setup, gn, hg_norm)
    return EndPoint(x, value, gn, hg_norm, it, status, _REASONS.get(status, reason))


#: The reasons of end points that are not certified critical, by what was met.
_NOT_FINITE_START = "f or grad f is not finite at the start"
_NOT_FINITE_STEP = ("the Newton step is not finite: the Hessian or its products are not "
                    "finite at the iterate")
_NOT_FINITE_HG = "H g is not finite: the Hessian products are not finite at the point"
_REASONS = {"diverged": _NOT_FINITE_HG, "gradient-flat": "|H g| <= flat_tol * hess_scale * |g|"}


def _certified(surface, x: np.ndarray, value: float, g: np.ndarray, gn: float,
               it: int) -> EndPoint:
    """The end point of a search that met the gradient bound, if ``H g`` is finite there."""
    hg = hess_grad_norm(surface, x, g)
    if not math.isfinite(hg):
        return EndPoint(x, value, gn, hg, it, "diverged", _NOT_FINITE_HG)
    return EndPoint(x, value, gn, hg, it, "critical")




def _gradient_norm(surface, x0: np.ndarray, setup: _Setup) -> EndPoint:
    """L-BFGS-B on ``phi = |g|^2 / 2`` with gradient ``H g``; ends when certified or flat."""
    best = {"x": x0, "value": math.nan, "gn": math.inf, "hg": math.nan, "status": None,
            "reason": "L-BFGS stopped (max_iter, or no decrease of |g|^2)"}
    iterations = [0]

    def fun(y):
        ev = evaluate(surface, y)
        if ev is None:
            best.update(status="diverged", reason="f or grad f is not finite at an iterate")
            raise _Stop
        value, g = ev
        with np.errstate(all="ignore"):
            hg = np.asarray(surface.hvp(y, g), dtype=np.float64)
        gn, hgn = float(np.linalg.norm(g)), float(np.linalg.norm(hg))
        if not finite(hg):
            best.update(status="diverged", reason=_NOT_FINITE_HG)
            raise _Stop
        if gn < best["gn"]:
            best.update(x=np.array(y), value=value, gn=gn, hg=hgn)
        status = _classify(setup, gn, hgn)
        if status in ("critical", "gradient-flat"):
            best.update(x=np.array(y), value=value, gn=gn, hg=hgn, status=status)
            raise _Stop
        return 0.5 * gn * gn, hg

    def callback(_):
        iterations[0] += 1

    try:
        scipy.optimize.minimize(
            fun, x0, jac=True, method="L-BFGS-B", callback=callback,
            options={"maxiter": setup.max_iter, "maxfun": 4 * setup.max_iter, "ftol": 0.0,
                     "gtol": 0.0},
        )
    except _Stop:
        pass
    if best["status"] == "diverged":
        return EndPoint(best["x"], best["value"], best["gn"], best["hg"], iterations[0],
                         "diverged", best["reason"])
    if not math.isfinite(best["gn"]):
        return EndPoint(x0, math.nan, math.nan, math.nan, iterations[0], "diverged",
                        _NOT_FINITE_START)
    status = best["status"] or _classify(setup, best["gn"], best["hg"])
    reason = "" if status == "critical" else _REASONS.get(status, best["reason"])
    return EndPoint(best["x"], best["value"], best["gn"], best["hg"], iterations[0], status,
                    reason)
