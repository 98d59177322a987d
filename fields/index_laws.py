r"""Theory beside its surfaces: the index law of the critical points of each surface.

The *index fraction* of a critical point is the fraction of negative eigenvalues of its
Hessian. On the surfaces with a theory it is, in law, a function of the critical value through
an energy coordinate, ``e = f / N``; :func:`index_law` returns that law as one
:class:`IndexLaw`: the large-``N`` curve, the finite-``N`` Kac–Rice prediction with its
Monte Carlo error, the size of the Hessian and a description. It is a
:func:`functools.singledispatch` function, registered for

:class:`fields.GaussianField` (Bray–Dean scaling)
    ``E f(x) f(y) = N C(|x - y|^2 / N)``, energy density ``e = f / N``. The Hessian at a
    critical point is a GOE of radius ``R = 4 sqrt(c2)`` shifted by a common Gaussian of mean
    ``mu(e) = 2 c1 e / c0``, tilted by the Kac–Rice weight ``|det H|`` to ``T(e)``:
    :math:`\alpha(e) = F_{sc}(-T(e) / R)` (Bray & Dean 2007; Fyodorov 2004;
    :mod:`fields.bray_dean`).
:class:`fields.SphericalSpinGlass`
    energy per spin ``u = H / N``; the Riemannian Hessian (size ``N - 1``) at a critical point
    of a pure p-spin is :math:`\sqrt{p(p-1)}\, \mathrm{GOE}(N-1) - p u`, no random shift and
    no tilt: :math:`\alpha(u) = F_{sc}(p u / (2\sqrt{p(p-1)}))` (Auffinger, Ben Arous &
    Černý 2013); a mixture has an extra common Gaussian shift, hence a Kac–Rice tilt as for
    Gaussian fields (Auffinger & Ben Arous 2013; :func:`fields.spin_glass.hessian_law`).
:class:`fields.RandomQuadratic`
    one critical point, the origin, of value 0, whose Hessian is ``GOE(N) + shift I``: its
    index fraction is the ensemble's at every energy, :math:`F_{sc}(-\mathrm{shift} / 2)`
    asymptotically, and at finite ``N`` the plain Monte Carlo mean of ``index / N`` (a single
    critical point: no ``|det|`` weight).

A user registers a law for their own surface class with ``@fields.index_law.register``; an
unregistered surface raises ``TypeError`` naming the registered classes.

References
----------
A. J. Bray and D. S. Dean, Phys. Rev. Lett. 98, 150201 (2007); Y. V. Fyodorov, Phys. Rev.
Lett. 92, 240601 (2004); A. Auffinger, G. Ben Arous and J. Černý, "Random matrices and
complexity of spin glasses", Comm. Pure Appl. Math. 66, 165 (2013); A. Auffinger and
G. Ben Arous, "Complexity of random smooth functions on the high-dimensional sphere",
Ann. Probab. 41, 4214 (2013).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

import rmt
from rmt._validation import check_int, check_real_array
from rmt.random import as_generator

from . import bray_dean
from . import spin_glass as _sg
from ._limits import check_count
from .grf import GaussianField
from .kac_rice import KacRiceEstimate
from .quadratic import RandomQuadratic
from .spin_glass import SphericalSpinGlass

__all__ = ["IndexLaw", "index_law"]


@dataclass(frozen=True)
class IndexLaw:
    r"""The index fraction of a surface's critical points against their energy.

    Parameters
    ----------
    description : str
        What the law is and where it comes from (its first word names the model:
        ``"bray-dean"``, ``"spin-glass"``, ``"random-quadratic"``).
    dim : int
        ``N``, the surface's dimension.
    hessian_size : int
        Size of the Hessian whose index is counted: ``N``, or ``N - 1`` on the sphere.
    asymptotic_law : callable
        ``asymptotic_law(energy) -> array`` on a validated float array, of its shape: the
        large-``N`` index fraction.
    finite_n_law : callable
        ``finite_n_law(energy, n_samples, generator) -> KacRiceEstimate`` on a validated float
        array, the finite-``N`` prediction and its standard error, of the shape of ``energy``.

    Raises
    ------
    TypeError, ValueError
        A description that is not a string, non-integer or non-positive sizes, laws that are
        not callable.

    Examples
    --------
    >>> import fields
    >>> law = fields.index_law(fields.RandomQuadratic(50, shift=1.0, rng=0))
    >>> law.hessian_size, round(float(law.asymptotic(0.0)), 4)
    (50, 0.1955)
    """

    description: str
    dim: int
    hessian_size: int
    asymptotic_law: Callable[[np.ndarray], np.ndarray] = field(repr=False)
    finite_n_law: Callable[[np.ndarray, int, np.random.Generator], KacRiceEstimate] = field(
        repr=False)

    def __post_init__(self):
        if not isinstance(self.description, str):
            raise TypeError(f"description must be a string; got {self.description!r}")
        check_int("dim", self.dim)
        check_int("hessian_size", self.hessian_size)
        for name in ("asymptotic_law", "finite_n_law"):
            if not callable(getattr(self, name)):
                raise TypeError(f"{name} must be callable; got {getattr(self, name)!r}")

    def energy(self, value) -> float | np.ndarray:
        """The energy coordinate of critical values: ``value / dim`` (``e = f / N``, ``u = H / N``).

        Examples
        --------
        >>> import fields
        >>> fields.index_law(fields.SphericalSpinGlass(10, p=3, rng=0)).energy(-15.0)
        -1.5
        """
        value = check_real_array("value", value)
        out = value / self.dim
        return float(out) if out.ndim == 0 else out

    def asymptotic(self, energy) -> np.ndarray:
        """The large-``N`` index fraction at each energy (an array of the shape of ``energy``).

        Raises
        ------
        TypeError, ValueError
            Non-real or non-finite energies.
        """
        energy = check_real_array("energy", energy)
        out = np.asarray(self.asymptotic_law(energy), dtype=np.float64)
        return np.broadcast_to(out, energy.shape).copy()

    def finite_n(self, energy, *, n_samples: int = 4000, rng=None) -> KacRiceEstimate:
        """The finite-``N`` prediction at each energy, with its Monte Carlo standard error.

        Parameters
        ----------
        energy : float or array_like
            Energies (finite); all share the same random draws.
        n_samples : int, default 4000
            Random matrices drawn, ``>= 2``.
        rng : None, int, SeedSequence or Generator
            Source of the random matrices.

        Returns
        -------
        KacRiceEstimate
            ``value`` and ``stderr`` of the shape of ``energy`` (floats for a scalar).

        Raises
        ------
        TypeError, ValueError
            Non-real or non-finite energies, ``n_samples < 2``, a bad ``rng``.
        """
        energy = check_real_array("energy", energy)
        n_samples = check_int("n_samples", n_samples, 2)
        return self.finite_n_law(energy, n_samples, as_generator(rng))


@functools.singledispatch
def _dispatch(surface) -> IndexLaw:
    registered = ", ".join(sorted(cls.__name__ for cls in _dispatch.registry
                                  if cls is not object))
    raise TypeError(
        f"surface: there is no index law for {type(surface).__name__}: one is registered for "
        f"{registered}; register one for your class with @fields.index_law.register"
    )


def index_law(surface) -> IndexLaw:
    r"""The index law of the critical points of ``surface`` (single dispatch on its class).

    Parameters
    ----------
    surface
        A :class:`fields.GaussianField` in the Bray–Dean scaling, a
        :class:`fields.SphericalSpinGlass` (pure or mixed), a :class:`fields.RandomQuadratic`,
        or an instance of a class registered with ``@fields.index_law.register``.

    Returns
    -------
    IndexLaw

    Raises
    ------
    TypeError
        No law is registered for the surface's class (the message names those that are).
    ValueError
        A GaussianField in another scaling than Bray–Dean's; a kernel without a Hessian.

    Notes
    -----
    For the laws and their sources see the module docstring (:mod:`fields.index_laws`) and
    ``docs/theory.md`` section 7. To register a law for a class ``MySurface``::

        @fields.index_law.register
        def _(surface: MySurface) -> fields.IndexLaw:
            return fields.IndexLaw(description=..., dim=surface.dim,
                                   hessian_size=surface.dim, asymptotic_law=...,
                                   finite_n_law=...)

    Examples
    --------
    >>> import numpy as np, fields
    >>> f = fields.GaussianField(40, fields.SquaredExponential(), n_features=256, rng=0)
    >>> law = fields.index_law(f)
    >>> law.description.split(":")[0], law.hessian_size
    ('bray-dean', 40)
    >>> law.asymptotic([-1.0, 0.0]).round(4).tolist()  # F_sc(e / 2)
    [0.1955, 0.5]
    >>> est = law.finite_n(0.0, n_samples=200, rng=0)
    >>> bool(abs(est.value - 0.5) < 4 * est.stderr)
    True
    >>> fields.index_law(object())
    Traceback (most recent call last):
    ...
    TypeError: surface: there is no index law for object: one is registered for ...GaussianField...
    """
    return _dispatch(surface)


# Single dispatch on the class of ``surface``, which may also be passed by keyword.
index_law.register = _dispatch.register
index_law.registry = _dispatch.registry


def _shaped(value: np.ndarray, energy: np.ndarray) -> float | np.ndarray:
    return float(value.reshape(())) if energy.ndim == 0 else value.reshape(energy.shape)


@index_law.register
def _gaussian_field(surface: GaussianField) -> IndexLaw:
    if surface.scaling != "bray-dean":
        raise ValueError(
            f"the index law of a GaussianField is known in the Bray-Dean scaling "
            f"(scaling='bray-dean', E f f = N C(|x-y|^2/N), energy density f/N); got "
            f"scaling={surface.scaling!r}, for which the index is not a function of f / N"
        )
    kernel, dim = surface.kernel, surface.dim
    kernel.require(2, "the index of critical points (it needs the Hessian)")

    def asymptotic(e):
        return bray_dean.asymptotic_index_fraction(kernel, e)

    def finite_n(e, n_samples, gen):
        return bray_dean.kac_rice_index(kernel, dim, e, n_samples=n_samples, rng=gen)

    return IndexLaw(
        description=(f"bray-dean: {surface!r}; alpha(e) = F_sc(-T(e)/R), finite N by "
                     f"fields.bray_dean.kac_rice_index"),
        dim=dim, hessian_size=dim, asymptotic_law=asymptotic, finite_n_law=finite_n,
    )


@index_law.register
def _spin_glass(surface: SphericalSpinGlass) -> IndexLaw:
    weights = {deg: g for deg, g in surface.mixture.items() if g > 0}
    dim = surface.dim
    hessian = _sg.hessian_law(mixture=weights)
    if len(weights) == 1:
        ((p, gamma),) = weights.items()
        what = ("Hessian sqrt(p(p-1)) GOE(N-1) - p u, alpha(u) = F_sc(p u / (2 sqrt(p(p-1))))"
                + ("" if gamma == 1 else f"; u rescaled by 1/gamma = 1/{gamma:g}"))
    else:
        what = (f"Hessian sqrt(xi'') GOE(N-1) + ({hessian.slope:g} u + a common N(0, "
                f"{hessian.shift_variance:g} / N) shift), alpha(u) = F_sc(-T(u)/R) with the "
                f"Kac-Rice tilt T")

    def asymptotic(u):
        return _sg.asymptotic_index_fraction(min(weights), u, mixture=weights)

    def finite_n(u, n_samples, gen):
        return _sg.kac_rice_index(min(weights), dim, u, mixture=weights, n_samples=n_samples,
                                  rng=gen)

    return IndexLaw(
        description=(f"spin-glass: {surface!r}; {what}, finite N by Kac-Rice over the GOE "
                     f"(fields.spin_glass.kac_rice_index)"),
        dim=dim, hessian_size=dim - 1, asymptotic_law=asymptotic, finite_n_law=finite_n,
    )


@index_law.register
def _random_quadratic(surface: RandomQuadratic) -> IndexLaw:
    dim, shift = surface.dim, surface.shift
    limit = float(rmt.semicircle_index_fraction(shift, 2.0))

    def asymptotic(e):
        return np.full(e.shape, limit)

    def finite_n(e, n_samples, gen):
        check_count("n_samples", n_samples, 2, bytes_each=32 * dim,
                    what=f"the GOE tridiagonals of size {dim}")
        d, off = rmt.hermite_tridiagonal(dim, 1, size=n_samples, rng=gen)
        fraction = rmt.count_below(d.reshape(n_samples, dim),
                                   off.reshape(n_samples, dim - 1), -shift) / dim
        mean = float(np.mean(fraction))
        stderr = float(np.std(fraction, ddof=1)) / math.sqrt(n_samples)
        return KacRiceEstimate(_shaped(np.full(e.shape, mean), e),
                               _shaped(np.full(e.shape, stderr), e), dim, n_samples)

    return IndexLaw(
        description=(f"random-quadratic: {surface!r}; one critical point (the origin, value "
                     f"0) with Hessian GOE(N) + {shift:g} I, alpha = F_sc(-shift/2) = "
                     f"{limit:.6g}; finite N: mean index / N over the tridiagonal GOE"),
        dim=dim, hessian_size=dim, asymptotic_law=asymptotic, finite_n_law=finite_n,
    )
