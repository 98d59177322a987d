r"""The options of :func:`optim.critical.find_critical_points`: starts, certificate, solver.

Three small frozen dataclasses group the finder's parameters by what they decide; each checks
its fields when it is built and refuses a bad one with a ``ValueError`` or ``TypeError``
naming it (``Certificate.grad_tol``, ``Starts.rule``, ...):

* :class:`Starts` -- where the searches begin: random points, points along gradient-descent
  paths, or a mixture;
* :class:`Certificate` -- what counts as a critical point, a gradient-flat point, a
  degenerate point, a duplicate, and the scales these tolerances are relative to;
* :class:`Solver` -- how long and how far each search may go, and the linear solver of
  Newton-MR.

The defaults are the finder's defaults. The options are immutable and compare by value, so
one instance can be shared between calls.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

from rmt._validation import check_int, check_positive_float

__all__ = ["LINEAR_SOLVERS", "METHODS", "START_RULES", "Certificate", "Solver", "Starts"]

#: The critical-point finders.
METHODS = ("newton", "newton-mr", "gradient-norm")
#: The rules for starting points (an explicit ``(n, dim)`` array is also accepted).
START_RULES = ("mixed", "random", "trajectory")
#: The linear solvers of a Newton-MR step.
LINEAR_SOLVERS = ("auto", "dense", "hvp")


def _choice(name: str, value, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{name} must be one of {allowed}; got {value!r}")
    return value


def _fraction(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {value!r} ({type(value).__name__})")
    if not 0.0 <= float(value) <= 1.0:
        raise ValueError(f"{name} must be in [0, 1]; got {value}")
    return float(value)


def _normalise(option, checks: dict) -> None:
    """Replace each field of a frozen ``option`` by its checked value."""
    for field, check in checks.items():
        object.__setattr__(option, field, check(f"{type(option).__name__}.{field}",
                                                getattr(option, field)))


@dataclass(frozen=True)
class Starts:
    r"""Where the searches of :func:`~optim.critical.find_critical_points` begin.

    Parameters
    ----------
    rule : {"mixed", "random", "trajectory"}
        ``"random"``: ``scale * N(0, I)`` points, retracted onto the manifold;
        ``"trajectory"``: points along gradient-descent paths from such random points (module
        :mod:`optim.critical.starts`); ``"mixed"``: ``round(trajectory_fraction * n_starts)``
        trajectory starts, the rest random.
    scale : float, default 1
        Standard deviation of the coordinates of random points. ``> 0``.
    trajectory_fraction : float, default 0.5
        Fraction of trajectory starts with ``rule="mixed"``, in ``[0, 1]``.
    trajectory_points : int, default 10
        Starting points taken from each descent path. ``>= 1``.
    trajectory_steps : int, default 400
        Largest number of descent steps per path (a path also stops once
        ``|g| <= 1e-3 * grad_scale``). ``>= 1``.

    Raises
    ------
    ValueError, TypeError
        A field out of range or of the wrong type; the message names it.

    Examples
    --------
    >>> from optim.critical import Starts
    >>> s = Starts("trajectory", trajectory_points=4)
    >>> s.rule, s.trajectory_points, s.trajectory_steps
    ('trajectory', 4, 400)
    >>> Starts(trajectory_fraction=1.5)
    Traceback (most recent call last):
    ...
    ValueError: Starts.trajectory_fraction must be in [0, 1]; got 1.5
    """

    rule: str = "mixed"
    scale: float = 1.0
    trajectory_fraction: float = 0.5
    trajectory_points: int = 10
    trajectory_steps: int = 400

    def __post_init__(self) -> None:
        _normalise(self, {
            "rule": lambda name, v: _choice(name, v, START_RULES),
            "scale": check_positive_float,
            "trajectory_fraction": _fraction,
            "trajectory_points": check_int,
            "trajectory_steps": check_int,
        })


def _optional_scale(name: str, value) -> float | None:
    return None if value is None else check_positive_float(name, value)


@dataclass(frozen=True)
class Certificate:
    r"""What :func:`~optim.critical.find_critical_points` certifies, and relative to what.

    The tolerances are relative to the gradient scale :math:`g_s` and the Hessian scale
    :math:`h_s` of the surface (module :mod:`optim.critical.certificate`).

    Parameters
    ----------
    grad_tol : float, default 1e-8
        An end point is critical when ``|g| <= grad_tol * g_s``. ``> 0``.
    flat_tol : float, default 1e-6
        It is gradient-flat when ``|H g| <= flat_tol * h_s * |g|`` (and not critical); also
        the stopping rule of every method at such points. ``> 0``.
    degenerate_tol : float, default 1e-8
        A critical point is ``"degenerate"`` when its smallest ``|eigenvalue|`` is at most
        ``degenerate_tol * h_s``. ``> 0``.
    merge_tol : float, default 1e-4
        Critical points closer than ``merge_tol * L``, ``L = g_s / h_s``, are one. ``> 0``.
    grad_scale, hess_scale : float, optional
        :math:`g_s` (median ``|g|`` at the random starts) and :math:`h_s` (RMS Hessian
        eigenvalue there) when known; estimated otherwise. ``> 0``.

    Raises
    ------
    ValueError, TypeError
        A field not a positive finite real number; the message names it.

    Examples
    --------
    >>> from optim.critical import Certificate
    >>> Certificate(grad_tol=1e-10).grad_tol
    1e-10
    >>> Certificate(merge_tol=0)
    Traceback (most recent call last):
    ...
    ValueError: Certificate.merge_tol must be a finite number > 0; got 0.0
    """

    grad_tol: float = 1e-8
    flat_tol: float = 1e-6
    degenerate_tol: float = 1e-8
    merge_tol: float = 1e-4
    grad_scale: float | None = None
    hess_scale: float | None = None

    def __post_init__(self) -> None:
        _normalise(self, {
            "grad_tol": check_positive_float,
            "flat_tol": check_positive_float,
            "degenerate_tol": check_positive_float,
            "merge_tol": check_positive_float,
            "grad_scale": _optional_scale,
            "hess_scale": _optional_scale,
        })


def _optional_count(name: str, value) -> int | None:
    return None if value is None else check_int(name, value, 1)


@dataclass(frozen=True)
class Solver:
    r"""How far and how long each search of :func:`~optim.critical.find_critical_points` goes.

    Parameters
    ----------
    max_iter : int, optional
        Iterations per start (default 200 for the Newton methods, 5000 for L-BFGS). ``>= 1``.
    max_step : float, default 1
        Longest step, in units of the length scale ``L = g_s / h_s``, tried by a line search
        (of the Newton methods and of the descent paths of trajectory starts). ``> 0``.
    stall_iter : int, default 15
        The Newton methods give up (``"unconverged"``) when neither ``|g|`` nor ``|H g|`` has
        halved in this many iterations: runs from random starts may creep towards a fold of
        ``g`` (``H`` singular, ``|g|`` small but not zero) where a merit-function line search
        makes no progress. The ``|H g|`` clause lets runs that approach a gradient-flat point
        go on until the flatness test stops them. ``>= 1``.
    linear_solver : {"auto", "dense", "hvp"}
        For ``"newton-mr"``: MINRES on the dense Hessian or on ``hvp``; ``"auto"`` takes the
        dense Hessian when the surface has ``hess`` and ``dim <= 512`` (above that a dense
        Hessian per iteration costs more than MINRES's products: ``dim`` products to
        assemble for a network). ``"newton"`` always uses the dense one, ``"gradient-norm"``
        only ``hvp``.

    Raises
    ------
    ValueError, TypeError
        A field out of range or of the wrong type; the message names it.

    Examples
    --------
    >>> from optim.critical import Solver
    >>> Solver(stall_iter=40)
    Solver(max_iter=None, max_step=1.0, stall_iter=40, linear_solver='auto')
    >>> Solver(linear_solver="cholesky")
    Traceback (most recent call last):
    ...
    ValueError: Solver.linear_solver must be one of ('auto', 'dense', 'hvp'); got 'cholesky'
    """

    max_iter: int | None = None
    max_step: float = 1.0
    stall_iter: int = 15
    linear_solver: str = "auto"

    def __post_init__(self) -> None:
        _normalise(self, {
            "max_iter": _optional_count,
            "max_step": check_positive_float,
            "stall_iter": check_int,
            "linear_solver": lambda name, v: _choice(name, v, LINEAR_SOLVERS),
        })


@dataclass(frozen=True)
class _Setup:
    """The options resolved for one surface: everything a search needs, fixed before it."""

    method: str
    #: ``"dense"`` (the Hessian matrix) or ``"hvp"`` (an operator of products).
    solver: str
    #: ``grad_tol * grad_scale``: the certificate's bound on ``|g|``.
    grad_abs: float
    flat_tol: float
    grad_scale: float
    hess_scale: float
    max_iter: int
    #: ``max_step * length_scale``: the longest step, in the surface's units.
    max_step: float
    stall_iter: int
    #: ``merge_tol * length_scale``: the distance under which two critical points are one.
    merge_radius: float
    #: ``degenerate_tol * hess_scale``: the bound on the smallest ``|eigenvalue|``.
    degenerate_abs: float
