r"""Checks that a surface's derivatives agree with its values: for library and user surfaces alike.

:func:`check_derivatives` takes any object that :func:`fields.surface.check_surface` accepts
(``dim``, ``value``, ``grad``; ``hvp``, ``value_and_grad`` and ``hess`` are checked when
present; ``docs/design.md``, The surface contract) and compares, at one point, the gradient
with central differences of the value, the Hessian-vector product with central differences of
the gradient, the Hessian with the Hessian-vector product, and ``value_and_grad`` with
``value`` and ``grad``. It returns a :class:`DerivativeReport`; it raises only on arguments it
cannot use, never because a check failed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from rmt._validation import check_positive_float, check_real_array
from rmt.random import as_generator

from ._limits import check_count
from .surface import check_surface

__all__ = ["DerivativeReport", "check_derivatives"]

_EPS = float(np.finfo(np.float64).eps)

#: Factor between the estimated finite-difference error and the tolerance. It covers the
#: ``O(h^4)`` remainder and the scatter of the rounding estimate; a wrong derivative is off by a
#: relative ``O(1)`` (or by the size of its bug), far above ``10 x`` the ``~1e-10`` achieved here.
_SAFETY = 10.0

#: Relative tolerance of comparisons between two exact evaluations (``hess`` against ``hvp``,
#: symmetry, ``value_and_grad`` against ``value`` and ``grad``): they differ only by rounding,
#: ``eps`` times a cancellation factor, which ``sqrt(eps) ~ 1.5e-8`` allows up to ``~1e8``.
_EXACT_TOLERANCE = math.sqrt(_EPS)


@dataclass(frozen=True)
class DerivativeReport:
    """Outcome of :func:`check_derivatives`: relative errors and the tolerances they must meet.

    Attributes
    ----------
    x : numpy.ndarray
        The point checked.
    step : float
        The finite-difference step ``h``.
    grad_error, grad_tolerance : float
        ``max_k |D_k - g . u_k| / |g|`` over the random unit directions ``u_k``, ``D_k`` the
        central difference of ``value`` along ``u_k``; and its tolerance (module Notes).
    value_and_grad_error : float or None
        Relative difference between ``value_and_grad(x)`` and ``(value(x), grad(x))``;
        ``None`` when the surface has no ``value_and_grad``.
    hvp_error, hvp_tolerance : float or None
        ``max_k |D_k - H u_k| / max_k |H u_k|``, ``D_k`` the central difference of ``grad``
        along ``u_k``, ``H u_k`` from ``hvp`` (from ``hess`` when there is no ``hvp``); ``None``
        when the surface has neither.
    hess_error : float or None
        Relative difference between ``hess(x) @ u`` and ``hvp(x, u)`` over the random
        directions and as many random basis vectors; ``None`` without ``hess`` or ``hvp``.
    symmetry_error : float or None
        ``max |H - H^T| / max |H|``; ``None`` without ``hess``.
    exact_tolerance : float
        Tolerance of the exact-against-exact comparisons, ``sqrt(eps) ~ 1.5e-8``.
    """

    x: np.ndarray = field(repr=False, compare=False)
    step: float
    grad_error: float
    grad_tolerance: float
    value_and_grad_error: float | None
    hvp_error: float | None
    hvp_tolerance: float | None
    hess_error: float | None
    symmetry_error: float | None
    exact_tolerance: float = _EXACT_TOLERANCE

    @property
    def checks(self) -> dict[str, tuple[float, float]]:
        """``{name: (error, tolerance)}`` for every check that was run."""
        out = {"grad": (self.grad_error, self.grad_tolerance)}
        if self.value_and_grad_error is not None:
            out["value_and_grad"] = (self.value_and_grad_error, self.exact_tolerance)
        if self.hvp_error is not None:
            out["hvp"] = (self.hvp_error, self.hvp_tolerance)
        if self.hess_error is not None:
            out["hess"] = (self.hess_error, self.exact_tolerance)
        if self.symmetry_error is not None:
            out["symmetry"] = (self.symmetry_error, self.exact_tolerance)
        return out

    @property
    def failures(self) -> tuple[str, ...]:
        """Names of the checks whose error exceeds its tolerance (or is NaN)."""
        return tuple(name for name, (err, tol) in self.checks.items() if not err <= tol)

    @property
    def ok(self) -> bool:
        """True when every check that was run passed."""
        return not self.failures

    def __str__(self) -> str:
        lines = [f"derivative check in dimension {self.x.shape[0]}, step {self.step:.3g}"]
        for name, (err, tol) in self.checks.items():
            verdict = "ok" if err <= tol else "FAILED"
            lines.append(f"  {name:<15} error {err:.3g}  tolerance {tol:.3g}  {verdict}")
        return "\n".join(lines)


def _relative(diff: float, scale: float) -> float:
    if diff == 0.0:
        return 0.0
    return diff / scale if scale > 0.0 else math.inf


def _optional(surface, name: str):
    """The bound method ``name`` of ``surface``, or None when absent."""
    member = getattr(surface, name, None)
    if member is not None and not callable(member):
        raise TypeError(f"surface.{name} must be callable; got {type(member).__name__}")
    return member


def _call_optional(member, *args):
    """``member(*args)``, or None when the member is absent or raises NotImplementedError."""
    if member is None:
        return None
    try:
        return member(*args)
    except NotImplementedError:
        return None


def _vector(name: str, value, dim: int) -> np.ndarray:
    out = np.asarray(value, dtype=np.float64)
    if out.shape != (dim,):
        raise ValueError(
            f"surface.{name} must return shape ({dim},) at one point; got shape {out.shape}"
        )
    return out


def check_derivatives(surface, x=None, *, eps: float | None = None, n_directions: int = 3,
                      rng=None) -> DerivativeReport:
    r"""Check a surface's gradient, Hessian-vector product and Hessian against its values.

    Parameters
    ----------
    surface : object
        Anything :func:`fields.surface.check_surface` accepts: ``dim``, ``value(x)`` and
        ``grad(x)`` (a :class:`fields.Surface` also has ``hvp(x, v)``). ``hvp(x, v)``,
        ``value_and_grad(x)`` and ``hess(x)`` are checked when present and not raising
        ``NotImplementedError``. Only single points are passed, so a surface need not accept
        batches.
    x : array_like, shape (dim,), optional
        Where to check. Default: a standard normal point (norm about ``sqrt(dim)``) from ``rng``.
    eps : float, optional
        Finite-difference step ``h``. Default ``cbrt(machine eps) * max(1, rms(x))``.
    n_directions : int, default 3
        Number of random unit directions (and of random basis vectors for ``hess``).
    rng : None, int, SeedSequence or Generator
        Source of the default ``x`` and of the directions.

    Returns
    -------
    DerivativeReport
        Errors and tolerances; ``report.ok`` says whether all checks passed.

    Raises
    ------
    TypeError
        ``surface`` is not a surface (:func:`fields.surface.check_surface`: no integer
        ``dim >= 1``, no callable ``value`` or ``grad``); a member present but not callable;
        non-integer ``n_directions``.
    ValueError
        ``x`` not a finite point of shape ``(dim,)``; ``eps <= 0``; ``n_directions < 1``, or
        so many that the tables (``112 dim`` bytes per direction) exceed 4 GiB; a member
        returning an array of the wrong shape. Errors raised by the surface itself
        propagate (for example a Matérn field with ``nu <= 2`` refuses ``hvp``).

    Notes
    -----
    Along a unit direction ``u`` the central difference
    ``D(h) = (f(x + h u) - f(x - h u)) / (2h)`` has truncation error ``h^2 f'''_u / 6 + O(h^4)``
    and rounding error about ``e_f / h``, where ``e_f`` is the error of one evaluation; the two
    balance at ``h ~ cbrt(eps) * scale``, the default step (``scale = max(1, rms(x))``, which
    keeps ``h`` far above the rounding of ``x`` itself). From the table ``f(x + t h u)``,
    ``|t| <= 6``:

    - the derivative is compared with Richardson's extrapolation
      ``R(h) = (4 D(h) - D(2h)) / 3``, in which the ``h^2`` term cancels, leaving ``O(h^4)``;
    - that remainder is measured, not guessed: ``R(2h) - R(h) = 15 (R(h) - f'_u) + O(h^6)``,
      so ``|R(2h) - R(h)| / 15`` estimates the truncation error;
    - the rounding error of ``R(h)`` is ``0.95 sigma / h`` per component, ``sigma`` the noise of
      one evaluation, estimated from the nine fourth differences of the table, which are
      ``O(h^4)`` for a smooth function and have variance ``70 sigma^2`` for noise (Moré &
      Wild 2011); it is bounded below by ``eps (|f| + |x| |g|) / h`` (an ulp of the values,
      and the rounding of ``x + t h u``).

    The tolerance is ``10 (truncation + rounding)``: a factor 10 above the estimated error of
    the difference, while a wrong derivative exceeds it by orders of magnitude. Errors and
    tolerances are divided by ``|g|`` for the gradient and by ``max_k |H u_k|`` for the
    Hessian-vector product (where ``f, g`` above become ``g, H u``). On a smooth surface the
    truncation and rounding errors balance at about ``eps^(2/3)``, so the tolerance is far
    below one part in a million, and a derivative wrong by that much fails.
    Comparisons between two exact quantities (``hess`` with ``hvp``, the symmetry of ``hess``,
    ``value_and_grad`` with ``value`` and ``grad``) differ only by rounding and use
    ``sqrt(eps)``. A member that is absent is not checked (and its entry of the report is
    ``None``): the adapters of :mod:`fields.surface` supply it from the others.

    References
    ----------
    J. J. Moré and S. M. Wild, "Estimating computational noise", SIAM J. Sci. Comput. 33,
    1292 (2011). L. F. Richardson, Phil. Trans. R. Soc. A 210, 307 (1911).

    Examples
    --------
    >>> import numpy as np
    >>> from fields.checks import check_derivatives
    >>> class Quadratic:
    ...     dim = 2
    ...     A = np.array([[2.0, 1.0], [1.0, 3.0]])
    ...     def value(self, x): return 0.5 * x @ self.A @ x
    ...     def grad(self, x): return self.A @ x
    ...     def hvp(self, x, v): return self.A @ v
    >>> report = check_derivatives(Quadratic(), rng=0)
    >>> report.ok, sorted(report.checks)
    (True, ['grad', 'hvp'])
    >>> class WrongGradient(Quadratic):
    ...     def grad(self, x): return self.A.T @ x * 1.001
    >>> check_derivatives(WrongGradient(), rng=0).failures
    ('grad', 'hvp')
    """
    dim = check_surface(surface)
    both = _optional(surface, "value_and_grad")
    hvp = _optional(surface, "hvp")
    hess = _optional(surface, "hess")
    n_directions = check_count("n_directions", n_directions, bytes_each=8 * 14 * dim,
                               what=f"the tables of 13 points in dimension {dim} per direction")
    rng = as_generator(rng)
    if x is None:
        x = rng.standard_normal(dim)
    else:
        x = check_real_array("x", x)
        if x.shape != (dim,):
            raise ValueError(f"x must be one point of shape ({dim},); got shape {x.shape}")
        x = x.copy()
    if eps is None:
        step = _EPS ** (1.0 / 3.0) * max(1.0, float(np.sqrt(np.mean(x * x))))
    else:
        step = check_positive_float("eps", eps)
    directions = rng.standard_normal((n_directions, dim))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    basis = rng.choice(dim, size=min(dim, n_directions), replace=False)

    f0 = float(surface.value(x))
    g0 = _vector("grad", surface.grad(x), dim)
    vg_error = None
    pair = _call_optional(both, x)
    if pair is not None:
        f1, g1 = pair
        g1 = _vector("value_and_grad", g1, dim)
        vg_error = max(
            _relative(abs(float(f1) - f0), max(abs(float(f1)), abs(f0))),
            _relative(float(np.linalg.norm(g1 - g0)),
                      max(np.linalg.norm(g0), np.linalg.norm(g1))),
        )

    # The table of points x + t h u, |t| <= 6, per direction, and the direction that the
    # Richardson stencil R(h) = (4 D(h) - D(2h)) / 3 really differentiates along: built from
    # the steps actually taken, fl(x + t h u) - x, so that the rounding of the points is not
    # mistaken for an error of the derivative.
    offsets = np.arange(-6, 7)
    tables = x + offsets[None, :, None] * step * directions[:, None, :]
    stencil = np.zeros(offsets.size)
    stencil[[7, 5]] = np.array([1.0, -1.0]) * (4.0 / 3.0) / (2.0 * step)
    stencil[[8, 4]] = np.array([1.0, -1.0]) * (-1.0 / 3.0) / (4.0 * step)
    effective = np.einsum("t,kti->ki", stencil, tables - x)

    def compare(fun, center, analytic, norm, components):
        """Relative error and tolerance of ``analytic[k]`` against differences of ``fun``.

        Along each direction the table ``fun(x + t h u)`` gives the central differences
        ``D(h), D(2h), D(4h)``, their Richardson extrapolations ``R(h), R(2h)``, and fourth
        differences that hold only evaluation noise (Moré & Wild 2011).
        """
        errors, truncation, fourths, sizes = [], [], [], []
        for points, a in zip(tables, analytic, strict=True):
            table = np.array([np.asarray(fun(p), dtype=np.float64) if t else center
                              for t, p in zip(offsets, points, strict=True)])
            d = [(table[6 + t] - table[6 - t]) / (2.0 * t * step) for t in (1, 2, 4)]
            r1 = (4.0 * d[0] - d[1]) / 3.0
            r2 = (4.0 * d[1] - d[2]) / 3.0
            errors.append(float(np.linalg.norm(r1 - a)))
            truncation.append(float(np.linalg.norm(r2 - r1)) / 15.0)
            fourths.append(np.diff(table, n=4, axis=0))
            sizes.append(float(np.max(np.abs(table))))
        noise = math.sqrt(np.mean(np.square(fourths)) / 70.0)
        rounding = max(noise * math.sqrt(components), _EPS * max(sizes)) / step
        scale = max(norm, rounding)
        return (_relative(max(errors), scale),
                _relative(_SAFETY * (max(truncation) + rounding), scale))

    grad_error, grad_tolerance = compare(
        lambda p: float(surface.value(p)), f0, effective @ g0, float(np.linalg.norm(g0)), 1
    )

    hess_matrix = _call_optional(hess, x)
    if hess_matrix is not None:
        hess_matrix = np.asarray(hess_matrix, dtype=np.float64)
        if hess_matrix.shape != (dim, dim):
            raise ValueError(
                f"surface.hess must return shape ({dim}, {dim}) at one point; "
                f"got shape {hess_matrix.shape}"
            )

    first = _call_optional(hvp, x, effective[0])
    if first is not None:
        products = [_vector("hvp", first, dim)]
        products += [_vector("hvp", hvp(x, u), dim) for u in effective[1:]]
    elif hess_matrix is not None:
        products = [hess_matrix @ u for u in effective]
    else:
        products = None

    hvp_error = hvp_tolerance = hess_error = symmetry_error = None
    if products is not None:
        hvp_error, hvp_tolerance = compare(
            lambda y: _vector("grad", surface.grad(y), dim), g0, products,
            max(float(np.linalg.norm(p)) for p in products), dim,
        )
    if hess_matrix is not None:
        h_max = float(np.max(np.abs(hess_matrix)))
        symmetry_error = _relative(float(np.max(np.abs(hess_matrix - hess_matrix.T))), h_max)
        if first is not None:
            columns = np.eye(dim)[basis]
            products += [_vector("hvp", hvp(x, e), dim) for e in columns]
            exact = [hess_matrix @ v for v in np.concatenate([effective, columns])]
            scale = max(float(np.linalg.norm(v)) for v in exact + products)
            hess_error = _relative(
                max(float(np.linalg.norm(a - b)) for a, b in zip(exact, products, strict=True)),
                scale,
            )
    return DerivativeReport(
        x=x, step=step, grad_error=grad_error, grad_tolerance=grad_tolerance,
        value_and_grad_error=vg_error, hvp_error=hvp_error, hvp_tolerance=hvp_tolerance,
        hess_error=hess_error, symmetry_error=symmetry_error,
    )
