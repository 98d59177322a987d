r"""Certified critical points: Newton, Newton-MR and gradient-norm minimisation.

A *critical point* of a surface ``f`` is a zero of its gradient ``g``; its *index* is the number
of negative eigenvalues of the Hessian ``H`` there. :func:`find_critical_points` looks for
them from many starting points with one of three methods, certifies every end point, merges
duplicates and returns one ``xarray.Dataset`` row per distinct point. One idea per module:

* :mod:`optim.critical.options` -- the options :class:`Starts`, :class:`Certificate` and
  :class:`Solver` (frozen, checked when built);
* :mod:`optim.critical.starts` -- random starting points and points along gradient-descent
  paths;
* :mod:`optim.critical.solvers` -- the methods: Newton with a dense solve, Newton-MR (MINRES)
  and gradient-norm minimisation by L-BFGS;
* :mod:`optim.critical.certificate` -- the gradient and Hessian scales, the status
  (critical, gradient-flat, unconverged, diverged), the kind (minimum, saddle, maximum,
  degenerate) and the merging of duplicates;
* :mod:`optim.critical.dataset` -- the ``xarray`` result and its provenance.

Nothing a start finds depends on another start: each draws from its own keyed child of the
root seed (:func:`rmt.random.child`), and bad points or NaN met on the way never raise (the
row says ``"diverged"``).

The methods and their references are in :mod:`optim.critical.solvers`.
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from numpy.typing import ArrayLike

from fields.surface import check_surface, is_manifold
from rmt._threads import small_products
from rmt._validation import check_count
from rmt.random import as_seed_sequence, check_rng, child_generator

from .certificate import KINDS, STATUSES, _certify, _grad_scale, _hess_scale
from .dataset import _dataset, _end_points
from .options import LINEAR_SOLVERS, METHODS, START_RULES, Certificate, Solver, Starts, _Setup
from .solvers import _DEFAULT_MAX_ITER, _gradient_norm, _newton
from .starts import (
    _as_starts,
    _counts,
    _given_starts,
    _random_starts,
    _scale_points,
    _trajectory_starts,
)

__all__ = [
    "KINDS",
    "LINEAR_SOLVERS",
    "METHODS",
    "START_RULES",
    "STATUSES",
    "Certificate",
    "Solver",
    "Starts",
    "find_critical_points",
]

#: Bytes held per start and coordinate: the start, the end point, the stacked end points and
#: the Dataset's copy, each float64.
_START_BYTES = 4 * 8

#: The default options (frozen, so one instance serves every call).
_DEFAULT_STARTS, _DEFAULT_CERTIFICATE, _DEFAULT_SOLVER = Starts(), Certificate(), Solver()


def _check_option(name: str, value, cls: type):
    if not isinstance(value, cls):
        raise TypeError(f"{name} must be an optim.critical.{cls.__name__}; got "
                        f"{type(value).__name__}")
    return value


#: Largest dimension at which ``linear_solver="auto"`` takes the dense Hessian (when the
#: surface has ``hess``): above it one dense Hessian per iteration (``n^2`` numbers; ``n``
#: products to assemble it for a network; an ``O(n^3)`` least-squares fallback) costs more
#: than the tens to hundreds of products of MINRES (``docs/design.md``).
_DENSE_MAX_DIM = 512


def _linear_solver(surface, method: str, solver: Solver) -> str:
    """``"dense"`` or ``"hvp"``: how the Newton system of ``method`` is solved."""
    if method == "newton" or (method == "newton-mr" and solver.linear_solver == "dense"):
        return "dense"
    if method == "newton-mr" and solver.linear_solver == "auto":
        has_hess = callable(getattr(surface, "hess", None))
        return "dense" if has_hess and surface.dim <= _DENSE_MAX_DIM else "hvp"
    return "hvp"


def _setup(surface, method: str, certificate: Certificate, solver: Solver, grad_scale: float,
           hess_scale: float) -> _Setup:
    """The options resolved for ``surface`` at the scales ``grad_scale`` and ``hess_scale``."""
    length_scale = grad_scale / hess_scale
    return _Setup(
        method=method, solver=_linear_solver(surface, method, solver),
        grad_abs=certificate.grad_tol * grad_scale, flat_tol=certificate.flat_tol,
        grad_scale=grad_scale, hess_scale=hess_scale,
        max_iter=_DEFAULT_MAX_ITER[method] if solver.max_iter is None else solver.max_iter,
        max_step=solver.max_step * length_scale, stall_iter=solver.stall_iter,
        merge_radius=certificate.merge_tol * length_scale,
        degenerate_abs=certificate.degenerate_tol * hess_scale,
    )


def find_critical_points(
    surface,
    n_starts: int = 100,
    *,
    method: str = "newton-mr",
    starts: Starts | str | ArrayLike = _DEFAULT_STARTS,
    certificate: Certificate = _DEFAULT_CERTIFICATE,
    solver: Solver = _DEFAULT_SOLVER,
    rng: int | np.random.SeedSequence | np.random.Generator | None = None,
) -> xr.Dataset:
    r"""Find, certify and classify critical points of ``surface`` from many starting points.

    Parameters
    ----------
    surface
        Any object with the Surface members ``dim``, ``value``, ``grad`` and ``hvp``
        (``value_and_grad`` and ``hess`` are used when present; ``project`` and
        ``tangent_basis`` on a manifold; :func:`fields.surface.check_surface`).
    n_starts : int, default 100
        Number of starting points, ``>= 1`` (ignored when ``starts`` is an array).
    method : {"newton-mr", "newton", "gradient-norm"}
        The search (:mod:`optim.critical.solvers`): Newton-MR (Roosta et al. 2018), Newton
        with a dense solve, or L-BFGS on ``|g|^2 / 2`` (Pennington & Bahri 2017; flat surfaces
        only).
    starts : Starts, str or array_like, default Starts()
        Where the searches begin (:class:`Starts`; a rule's name, ``"mixed"``, ``"random"`` or
        ``"trajectory"``, stands for ``Starts(rule)``): by default half at random points, half
        along gradient-descent paths. An array of shape ``(n, dim)``: the given points
        (retracted), finite; the scales, unless the certificate gives them, are then
        estimated at 16 standard normal points.
    certificate : Certificate, default Certificate()
        The tolerances of the certificate and the scales they are relative to
        (:class:`Certificate`).
    solver : Solver, default Solver()
        Iteration limits, longest step, stall window and linear solver (:class:`Solver`).
    rng : None, int, SeedSequence or Generator
        Root of the randomness (:func:`rmt.random.as_seed_sequence`). Random start ``j`` draws
        from the child ``(0, j)``, descent path ``t`` from ``(1, t)``, start ``j``'s Lanczos
        (when the index needs it) from ``(2, j)`` and the scale estimate from ``(3,)``.

    Returns
    -------
    xarray.Dataset
        Dimensions ``point`` (one row per distinct certified critical point and one per
        non-critical end point, sorted by energy, NaN last) and ``coord``. Variables: ``x``
        (point, coord); ``value`` (``f``); ``energy`` (``f / dim``: the energy density ``e`` of
        Bray–Dean, the energy per spin ``u = H / N`` of the spin glass); ``grad_norm``
        (``|g|``); ``hess_grad_norm`` (``|H g|``); ``index`` (negative Hessian eigenvalues,
        -1 when unknown); ``reason`` (why a search that is not critical ended there: what
        was not finite, a stall, the iteration limit; empty for a critical point);
        ``index_fraction`` (``index / size``, ``size`` the Hessian size, ``dim`` or the
        tangent dimension); ``min_abs_eigenvalue``; ``iterations`` (steps of
        the method); ``converged`` (status is ``"critical"``); ``status`` (one of
        :data:`STATUSES`); ``kind`` (one of :data:`KINDS`); ``hits`` (starts merged into the
        row); ``start`` (``"random"``, ``"trajectory"`` or ``"given"``); ``start_id`` (the
        start that gave the row). ``attrs``: the provenance of :func:`rmt.random.provenance`
        (library version, seed entropy and spawn key), the surface's repr, ``dim``, the
        method, ``n_starts`` (the starts used), every option field as resolved (``starts``:
        the rule or ``"given"``; ``start_scale``, ``trajectory_fraction``,
        ``trajectory_points``, ``trajectory_steps``; ``grad_tol``, ``flat_tol``,
        ``degenerate_tol``, ``merge_tol``, ``grad_scale``, ``hess_scale``, and
        ``length_scale``; ``max_iter``, ``max_step``, ``stall_iter``, ``linear_solver``:
        ``"dense"`` or ``"hvp"``), and the counts ``n_critical`` (distinct certified points),
        ``n_critical_hits`` (starts that ended certified), ``n_gradient_flat``,
        ``n_unconverged``, ``n_diverged``.

    Raises
    ------
    TypeError
        ``surface`` lacks ``dim``, ``value``, ``grad`` or ``hvp``; ``n_starts`` not an
        integer; ``starts``, ``certificate`` or ``solver`` of the wrong type; a bad ``rng``.
    ValueError
        Unknown ``method`` or ``starts`` rule; ``starts`` of the wrong shape or with NaN/Inf;
        ``n_starts`` below 1, or so large that the starts and end points (``32 (dim + 8)``
        bytes per start) would not fit in the memory available
        (:func:`rmt._validation.memory_limit`), and likewise ``Starts.trajectory_steps``
        (one descent path, ``8 (dim + 2)`` bytes per step); ``"gradient-norm"`` on a
        manifold; a scale that cannot be estimated. The options check their own fields
        (:class:`Starts`, :class:`Certificate`, :class:`Solver`).

    Notes
    -----
    Bad starting points and NaN met on the way never raise: the row says ``"diverged"`` and
    its ``reason`` what was not finite (the value or gradient at the start, the Newton step,
    ``H g``, or the Hessian at the end point: a start whose Hessian turns NaN is labelled and
    the other starts go on). Rows of non-critical points are never merged and never counted
    as critical points. BLAS runs on one thread during the searches when
    ``dim <= 2**22``, a dense Newton solve of order above 512 on the caller's threads
    (:mod:`rmt._threads`).

    Examples
    --------
    >>> from fields import GaussianField, SquaredExponential
    >>> from optim.critical import Certificate, Starts, find_critical_points
    >>> f = GaussianField(4, SquaredExponential(), n_features=400, rng=0)
    >>> cps = find_critical_points(f, 12, rng=1)
    >>> cps.attrs["method"], int(cps.sizes["coord"])
    ('newton-mr', 4)
    >>> crit = cps.where(cps.kind != "not-critical", drop=True)
    >>> bool((crit.grad_norm <= 1e-8 * cps.attrs["grad_scale"]).all())
    True
    >>> set(crit.kind.values) <= {"minimum", "saddle", "maximum", "degenerate"}
    True
    >>> int(cps.hits.sum())  # every start is accounted for
    12
    >>> low = find_critical_points(f, 12, starts=Starts("trajectory", trajectory_points=4),
    ...                            certificate=Certificate(grad_tol=1e-10), rng=1)
    >>> sorted(set(low.start.values.tolist())), low.attrs["grad_tol"]
    (['trajectory'], 1e-10)
    """
    dim = check_surface(surface, "hvp")
    n_starts = check_count("n_starts", n_starts, 1, bytes_each=_START_BYTES * (dim + 8),
                           what=f"the starts (four copies of each start's {dim} coordinates "
                                f"and its numbers: start, end point, array, Dataset)")
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}; got {method!r}")
    starts = _as_starts(starts, dim)
    if isinstance(starts, Starts):
        check_count("Starts.trajectory_steps", starts.trajectory_steps, 1,
                    bytes_each=8 * (dim + 2),
                    what=f"a descent path (its points of {dim} coordinates, values and |g|)")
    certificate = _check_option("certificate", certificate, Certificate)
    solver = _check_option("solver", solver, Solver)
    check_rng(rng)
    if method == "gradient-norm" and is_manifold(surface):
        raise ValueError(
            "method 'gradient-norm' needs a flat surface (L-BFGS on |g|^2/2 has no gradient "
            "through a retraction); use 'newton-mr' or 'newton' on a manifold"
        )
    with small_products(dim):  # starts, scales and searches: loops of small products
        root = as_seed_sequence(rng)
        given = isinstance(starts, np.ndarray)
        rule = Starts() if given else starts
        n_random, n_traj = (0, 0) if given else _counts(rule, n_starts)

        random_starts = _random_starts(surface, dim, rule.scale, root, n_random)
        scale_points = _scale_points(surface, dim, rule.scale, root, random_starts)
        grad_scale = certificate.grad_scale
        if grad_scale is None:
            grad_scale = _grad_scale(surface, scale_points)
        hess_scale = certificate.hess_scale
        if hess_scale is None:
            hess_scale = _hess_scale(surface, scale_points, child_generator(root, 3))
        setup = _setup(surface, method, certificate, solver, grad_scale, hess_scale)

        if given:
            points = _given_starts(surface, dim, starts)
            labels = ["given"] * len(points)
        else:
            points = random_starts + _trajectory_starts(surface, dim, rule, root, n_traj, setup)
            labels = ["random"] * n_random + ["trajectory"] * n_traj

        solve = _gradient_norm if method == "gradient-norm" else _newton
        ends = [solve(surface, np.array(x, dtype=np.float64), setup) for x in points]
        end_points = _end_points(ends, dim)
        rows = _certify(surface, ends, end_points, root, setup)
    return _dataset(surface, dim, ends, end_points, rows, labels, root, params=dict(
        method=method, n_starts=len(points), starts="given" if given else rule.rule,
        start_scale=rule.scale, trajectory_fraction=rule.trajectory_fraction,
        trajectory_points=rule.trajectory_points, trajectory_steps=rule.trajectory_steps,
        grad_tol=certificate.grad_tol, flat_tol=certificate.flat_tol,
        degenerate_tol=certificate.degenerate_tol, merge_tol=certificate.merge_tol,
        grad_scale=grad_scale, hess_scale=hess_scale, length_scale=grad_scale / hess_scale,
        max_iter=setup.max_iter, max_step=solver.max_step, stall_iter=solver.stall_iter,
        linear_solver=setup.solver,
    ))
