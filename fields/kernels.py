r"""Isotropic covariance kernels of unit variance, written in the squared distance.

A kernel is a function ``C(s)`` of the squared distance ``s = |x - y|^2`` with ``C(0) = 1``:
a centred Gaussian field ``f`` on ``R^N`` with ``E f(x) f(y) = C(|x - y|^2)``. Everything the
rest of :mod:`fields` needs is derived from two ingredients each kernel supplies: the
derivatives ``d^k C / ds^k`` (the local law of value, gradient and Hessian at one point uses
``c0 = C(0)``, ``c1 = C'(0)``, ``c2 = C''(0)``; see ``docs/theory.md`` section 7) and its spectral
measure (random Fourier features, Rahimi & Recht 2007).

``SquaredExponential``
    ``C(s) = exp(-s / (2 l^2))``; infinitely mean-square differentiable.
``Matern``
    The Matérn family with smoothness ``nu > 0`` in the argument ``sqrt(2 nu s) / l``
    (Rasmussen & Williams 2006, eq. 4.14); ``ceil(nu) - 1`` times mean-square differentiable.

Derivatives are taken with respect to the squared distance ``s``, not the distance ``r``: for a
field with covariance ``C(|x - y|^2)`` the covariances of its derivatives at one point are
polynomials in ``C^{(k)}(0)`` (``Cov(f, H_ij) = 2 c1 delta_ij``, ...), whereas in ``r`` they
would involve ``0 / 0`` limits.

**Any lengthscale.** A kernel depends on ``s`` only through ``s / l^2``, and its ``k``-th
derivative carries the factor ``l^(-2k)``: both are formed from ``sqrt(s) / l`` and in
logarithms, never from ``l^2``, so every finite lengthscale gives the covariance right (it
underflows to 0 only where ``C`` is below the smallest float), and a derivative is right or
refused with a ``ValueError`` where it exceeds the float range. ``c1 = C'(0)`` and
``c2 = C''(0)`` (the local law's constants, divisors downstream) are refused unless they are
normal floats, with the lengthscales that allow them: about ``[1e-154, 1e153]`` for ``c1``
and ``[1e-77, 1e76]`` for ``c2`` at ``nu`` of order 1; rescale the coordinates outside that.
"""

from __future__ import annotations

import math
import sys
from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np
from scipy.special import gammaln, kve

from rmt._validation import check_int, check_positive_float, check_real_array
from rmt.random import as_generator

from ._limits import about, check_count

__all__ = ["Kernel", "Matern", "SquaredExponential"]

#: Smoothness values of the Matérn kernel evaluated in closed form (polynomial times exp).
_HALF_INTEGER_NU = (0.5, 1.5, 2.5, 3.5)
#: Largest ``|nu - order| - 1/2`` evaluated by the finite sum of :func:`_log_x_pow_k`.
_CLOSED_FORM_TERMS = 8

#: Logarithms of the largest float and of the smallest normal float.
_LOG_MAX = math.log(sys.float_info.max)
_LOG_TINY = math.log(sys.float_info.min)
#: Below this ``|log|`` a power of the lengthscale is formed directly (exactly as written).
_DIRECT_LOG = 700.0


def _check_order(order) -> int:
    return check_int("order", order, 0)


def _check_squared_distance(s) -> np.ndarray:
    s = check_real_array("s", s)
    if np.any(s < 0):
        raise ValueError(
            f"s is a squared distance and must be >= 0; got {float(s[s < 0].ravel()[0]):g}"
        )
    return s


def _as_output(values: np.ndarray, like: np.ndarray) -> float | np.ndarray:
    return float(values) if like.ndim == 0 else values


class Kernel(ABC):
    """Abstract isotropic covariance kernel ``C(s)`` of the squared distance, with ``C(0) = 1``.

    A subclass supplies :meth:`_derivative` (``d^k C / ds^k`` at ``s > 0``),
    :meth:`_derivative_at_zero` (its value or limit at ``s = 0``), :attr:`differentiability`,
    :attr:`_parameter_hint` (the words used in error messages) and :meth:`_draw_frequencies`;
    the public, validating methods below are derived from them.
    """

    # -- what a subclass provides -------------------------------------------------------------
    @abstractmethod
    def _derivative(self, s: np.ndarray, order: int) -> np.ndarray:
        """``d^order C / ds^order`` at squared distances ``s > 0`` (validated float array)."""

    @abstractmethod
    def _derivative_at_zero(self, order: int) -> float:
        """``C^{(order)}(0)``, or its limit ``+-inf`` from ``s > 0`` when it is infinite.

        A finite value beyond the float range raises ``ValueError`` (:meth:`_signed_exp`).
        """

    @abstractmethod
    def _log_abs_at_zero(self, order: int) -> float:
        """``log |C^{(order)}(0)|`` where it is finite (``order`` below the differentiability)."""

    @property
    @abstractmethod
    def differentiability(self) -> float:
        """Number of mean-square derivatives of the field (``math.inf`` when smooth)."""

    @abstractmethod
    def _requirement(self, order: int) -> str:
        """Condition on the parameters for ``order`` mean-square derivatives, e.g. ``nu > 2``."""

    @abstractmethod
    def _draw_frequencies(self, rng: np.random.Generator, dim: int, n: int) -> np.ndarray:
        """``n`` frequencies in ``R^dim`` drawn from the spectral measure, shape ``(n, dim)``."""

    # -- derived, validating interface ----------------------------------------------------------
    def covariance(self, s) -> float | np.ndarray:
        """Covariance ``C(s)`` at squared distances ``s >= 0`` (scalar or array, elementwise).

        Parameters
        ----------
        s : float or array_like
            Squared distances ``|x - y|^2``; finite and non-negative.

        Returns
        -------
        float or numpy.ndarray
            ``C(s)``, of the shape of ``s``; ``C(0) = 1``.
        """
        return self.derivative(s, 0)

    def derivative(self, s, order: int) -> float | np.ndarray:
        """``d^k C / ds^k`` at squared distances ``s >= 0``, elementwise.

        Parameters
        ----------
        s : float or array_like
            Squared distances; finite and non-negative.
        order : int
            ``k >= 0``; ``0`` gives the covariance itself.

        Returns
        -------
        float or numpy.ndarray
            The derivative, of the shape of ``s``. At ``s = 0`` it is the one-sided derivative
            ``C^{(k)}(0)`` where that is finite (``k < nu`` for Matérn) and its limit
            ``(-1)^k inf`` from ``s > 0`` otherwise.

        Raises
        ------
        TypeError, ValueError
            If ``s`` is not a finite non-negative real array or ``order`` not an integer >= 0.
        """
        order = _check_order(order)
        s = _check_squared_distance(s)
        zero = s == 0
        if not np.any(zero):
            return _as_output(self._checked_derivative(s.ravel(), order).reshape(s.shape), s)
        out = np.empty(s.shape, dtype=np.float64)
        out[zero] = self._derivative_at_zero(order)
        if not np.all(zero):
            out[~zero] = self._checked_derivative(s[~zero], order)
        return _as_output(out, s)

    def _checked_derivative(self, s: np.ndarray, order: int) -> np.ndarray:
        """:meth:`_derivative` at ``s > 0``, refused where it is beyond the float range."""
        with np.errstate(over="ignore"):
            values = self._derivative(s, order)
        beyond = ~np.isfinite(values)
        if np.any(beyond):
            raise ValueError(
                f"the derivative of order {order} of {self!r} at s = "
                f"{float(s[beyond].flat[0]):g} is beyond the float range (its size exceeds "
                f"{sys.float_info.max:.3g}); rescale the coordinates (the kernel depends only "
                f"on s / lengthscale^2)"
            )
        return values

    def _signed_exp(self, order: int, log_abs: float) -> float:
        """``(-1)^order exp(log_abs)``, the value of ``C^{(order)}(0)`` from its logarithm.

        Underflows quietly to 0; a value beyond the float range raises ``ValueError``.
        """
        if log_abs > _LOG_MAX:
            raise ValueError(
                f"the derivative of order {order} of {self!r} at s = 0 is about "
                f"{about(log_abs)}, beyond the float range; rescale the coordinates (the "
                f"kernel depends only on s / lengthscale^2)"
            )
        return (-1.0) ** order * math.exp(log_abs)

    def require(self, order: int, what: str | None = None) -> None:
        """Raise ``ValueError`` unless the field has ``order`` mean-square derivatives.

        Parameters
        ----------
        order : int
            Number of derivatives needed: 1 for a gradient, 2 for a Hessian.
        what : str, optional
            What needs them, for the message ("a Hessian"); default "a derivative of order k".

        Raises
        ------
        ValueError
            For example ``"a Hessian of a Matérn field needs nu > 2; got nu=1.5"``.
        """
        order = _check_order(order)
        if what is not None and not isinstance(what, str):
            raise TypeError(f"what must be None or a string; got {what!r} ({type(what).__name__})")
        if self.differentiability < order:
            what = f"a derivative of order {order}" if what is None else what
            raise ValueError(f"{what} of {self._requirement(order)}")

    def _at_zero(self, order: int, name: str) -> float:
        """``C^{(order)}(0)``, refused unless it is a normal float (it is a divisor downstream).

        ``C^{(k)}(0)`` scales as ``lengthscale^(-2k)``; the message gives the lengthscales at
        which it is a normal float.
        """
        self.require(order, name)
        log_abs = self._log_abs_at_zero(order)
        if not _LOG_TINY <= log_abs <= _LOG_MAX:
            log_unit = log_abs + 2 * order * math.log(self.lengthscale)  # at lengthscale 1
            low = math.exp((log_unit - _LOG_MAX) / (2 * order))
            high = math.exp((log_unit - _LOG_TINY) / (2 * order))
            raise ValueError(
                f"{name} of {self!r} is about {about(log_abs)}, outside the range of normal "
                f"floats [{sys.float_info.min:.3g}, {sys.float_info.max:.3g}]: it scales as "
                f"lengthscale^-{2 * order}, so lengthscale must lie in [{low:.3g}, {high:.3g}]"
                f" for it; rescale the coordinates (the kernel depends only on |x - y| / "
                f"lengthscale)"
            )
        return float(self._derivative_at_zero(order))

    @property
    def c0(self) -> float:
        """``C(0) = 1``: the variance of the field."""
        return self._at_zero(0, "C(0)")

    @property
    def c1(self) -> float:
        """``C'(0) < 0``; ``-1 / 2`` times the variance of a gradient component.

        Raises ``ValueError`` when the field has no gradient (Matérn with ``nu <= 1``), or
        when ``c1`` is not a normal float (lengthscale outside about ``[1e-154, 1e153]``).
        """
        return self._at_zero(1, "C'(0) (a gradient)")

    @property
    def c2(self) -> float:
        """``C''(0) > 0``; ``1 / 4`` times the variance of an off-diagonal Hessian entry.

        Raises ``ValueError`` when the field has no Hessian (Matérn with ``nu <= 2``), or
        when ``c2`` is not a normal float (lengthscale outside about ``[1e-77, 1e76]``).
        """
        return self._at_zero(2, "C''(0) (a Hessian)")

    def sample_frequencies(self, dim: int, n: int, *, rng=None) -> np.ndarray:
        r"""Draw ``n`` spectral frequencies in ``R^dim`` (Bochner's theorem).

        The frequencies ``omega`` are i.i.d. from the spectral measure of the kernel, so that
        ``E cos(omega . h) = C(|h|^2)`` for every ``h``: the random-feature field
        ``sqrt(2 / M) sum_m cos(omega_m . x + b_m)`` with phases ``b_m ~ U(0, 2 pi)`` has
        covariance ``C`` (Rahimi & Recht 2007).

        Parameters
        ----------
        dim : int
            Dimension ``N >= 1`` of the space.
        n : int
            Number of frequencies ``>= 1``.
        rng : None, int, SeedSequence or Generator
            Source of randomness.

        Returns
        -------
        numpy.ndarray, shape ``(n, dim)``

        Raises
        ------
        ValueError
            ``dim`` or ``n`` below 1, frequencies that would take more than 4 GiB, or a
            lengthscale so small that the frequencies (``~ 1 / lengthscale``) overflow.
        """
        dim = check_count("dim", dim, bytes_each=8, what="the frequencies")
        n = check_count("n", n, bytes_each=8 * dim, what=f"the (n, dim={dim}) frequencies")
        rng = as_generator(rng)
        with np.errstate(over="ignore"):
            omega = self._draw_frequencies(rng, dim, n)
        if not np.all(np.isfinite(omega)):
            raise ValueError(
                f"the spectral frequencies of {self!r} (of size ~ 1 / lengthscale) overflow; "
                f"rescale the coordinates so that the lengthscale is above "
                f"{1.0 / sys.float_info.max:.3g}"
            )
        return omega


@dataclass(frozen=True)
class SquaredExponential(Kernel):
    r"""Squared-exponential (Gaussian, RBF) kernel ``C(s) = exp(-s / (2 l^2))``.

    Parameters
    ----------
    lengthscale : float
        ``l > 0``.

    Notes
    -----
    :math:`C^{(k)}(s) = (-1 / (2 l^2))^k e^{-s / (2 l^2)}`, so ``c1 = -1 / (2 l^2)`` and
    ``c2 = 1 / (4 l^4)``; ``c2 c0 / c1^2 = 1``, the equality case of Cauchy–Schwarz that makes
    this the one kernel whose Hessian is independent of the field value up to a deterministic
    shift (``docs/theory.md`` section 7). The field is infinitely mean-square differentiable. The
    spectral measure is ``N(0, I / l^2)`` (Rasmussen & Williams 2006, section 4.2.1).

    Examples
    --------
    >>> from fields.kernels import SquaredExponential
    >>> k = SquaredExponential(lengthscale=2.0)
    >>> k
    SquaredExponential(lengthscale=2.0)
    >>> k.c0, k.c1, k.c2
    (1.0, -0.125, 0.015625)
    >>> round(k.covariance(4.0), 6)
    0.606531
    """

    lengthscale: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "lengthscale", check_positive_float("lengthscale", self.lengthscale)
        )

    @property
    def differentiability(self) -> float:
        """``math.inf``: the field is infinitely mean-square differentiable."""
        return math.inf

    def _requirement(self, order: int) -> str:  # pragma: no cover - never fails
        return "a squared-exponential field (always available)"

    @property
    def _log_rate(self) -> float:
        """``log(1 / (2 l^2))``, from ``log l`` (``l^2`` may overflow or underflow)."""
        return -math.log(2.0) - 2.0 * math.log(self.lengthscale)

    def _direct(self, order: int) -> bool:
        """Whether ``rate = -1 / (2 l^2)`` and ``rate^order`` are safely normal floats."""
        return abs(self._log_rate) * max(order, 1) < _DIRECT_LOG

    def _derivative(self, s: np.ndarray, order: int) -> np.ndarray:
        ell = self.lengthscale
        if self._direct(order):
            rate = -0.5 / ell**2
            return rate**order * np.exp(rate * s)
        # s / (2 l^2) from (s / l) / l, and the power in logarithms.
        return (-1.0) ** order * np.exp(order * self._log_rate - 0.5 * (s / ell) / ell)

    def _log_abs_at_zero(self, order: int) -> float:
        return order * self._log_rate

    def _derivative_at_zero(self, order: int) -> float:
        if self._direct(order):
            return (-0.5 / self.lengthscale**2) ** order
        return self._signed_exp(order, self._log_abs_at_zero(order))

    def _draw_frequencies(self, rng: np.random.Generator, dim: int, n: int) -> np.ndarray:
        return rng.standard_normal((n, dim)) / self.lengthscale


#: Orders from which K is evaluated by its uniform large-order expansion.
_DEBYE_ORDER = 250.0

#: Coefficients (in t, lowest power first) of Debye's polynomials u_1 .. u_4, DLMF 10.41.10.
_DEBYE_U = (
    np.array([0, 3, 0, -5]) / 24.0,
    np.array([0, 0, 81, 0, -462, 0, 385]) / 1152.0,
    np.array([0, 0, 0, 30375, 0, -369603, 0, 765765, 0, -425425]) / 414720.0,
    np.array([0, 0, 0, 0, 4465125, 0, -94121676, 0, 349922430, 0, -446185740, 0,
              185910725]) / 39813120.0,
)


def _log_k_debye(order: float, x: np.ndarray, log_x: np.ndarray) -> np.ndarray:
    r"""``log K_order(x)`` by the uniform large-order expansion (DLMF 10.41.4).

    .. math:: K_\nu(\nu z) \sim \sqrt{\frac{\pi}{2 \nu}} \frac{e^{-\nu \eta}}{(1 + z^2)^{1/4}}
              \sum_k (-1)^k \frac{u_k(t)}{\nu^k},
              \quad t = (1 + z^2)^{-1/2},
              \quad \eta = \sqrt{1 + z^2} + \log \frac{z}{1 + \sqrt{1 + z^2}},

    uniformly in ``z > 0``; with four terms the error is ``O(order^-5)``. Against 30-digit
    mpmath values the Matérn derivatives of orders 0 to 3 are within ``3e-11`` relative for
    ``nu`` from 0.3 to 5000 and ``s`` from ``1e-200`` to 100 (``1e-12`` below ``nu = 250``).
    ``log z`` is taken from ``log_x`` (``x`` may have underflowed to 0) and ``sqrt(1 + z^2)``
    as a ``hypot`` (``z^2`` may overflow).
    """
    z = x / order
    root = np.hypot(1.0, z)
    t = 1.0 / root
    with np.errstate(divide="ignore"):
        ratio = np.log(z / (1.0 + root))  # -inf where z underflowed: then from log_x
    eta = root + np.where(np.isfinite(ratio), ratio,
                          log_x - math.log(order) - np.log1p(root))
    series = np.ones_like(x)
    for k, coefficients in enumerate(_DEBYE_U, start=1):
        series += (-1.0) ** k * np.polynomial.polynomial.polyval(t, coefficients) / order**k
    return 0.5 * math.log(math.pi / (2.0 * order)) - order * eta - 0.5 * np.log(root) \
        + np.log(series)


def _log_closed_form(mu: float, x: np.ndarray, log_x: np.ndarray) -> np.ndarray:
    r"""``log(x^mu K_mu(x))`` for a half-integer ``mu`` by the finite sum.

    :math:`K_{q+1/2}(x) = \sqrt{\pi / (2x)} e^{-x} \sum_{j=0}^{q} \frac{(q+j)!}{j! (q-j)!}
    (2x)^{-j}` (``K`` is even in its order), so ``x^mu K_mu(x)`` is ``e^{-x}`` times a sum of
    powers ``x^(e_j)``. The dominant power (the highest for ``x >= 1``, the lowest below) is
    factored out, in logarithms, so that no power overflows whatever the size of ``x``.
    """
    q = int(abs(mu) - 0.5)
    coefs = np.array([math.factorial(q + j) / (math.factorial(j) * math.factorial(q - j) * 2**j)
                      for j in range(q + 1)])
    # The powers are e_j = q - j (mu > 0) or -q - 1 - j (mu < 0): with y = 1/x for x >= 1
    # the sum is x^max(e) sum_j c_j y^j, and with y = x below 1 it is x^min(e) sum_j c_j y^(q-j).
    big = log_x >= 0.0
    total = np.empty_like(x)
    total[big] = np.polynomial.polynomial.polyval(1.0 / x[big], coefs)
    total[~big] = np.polynomial.polynomial.polyval(x[~big], coefs[::-1])
    top = np.where(big, q if mu > 0 else -q - 1, 0 if mu > 0 else -2 * q - 1)
    return 0.5 * math.log(math.pi / 2.0) - x + top * log_x + np.log(total)


#: Arguments above which ``K_mu(x) e^x`` is summed by :func:`_large_argument_kve`.
_LARGE_ARGUMENT = 1e8


def _large_argument_kve(mu: float, x: np.ndarray, log_x: np.ndarray) -> np.ndarray:
    """``K_mu(x) e^x`` for ``x > 1e8`` and ``|mu| < 250`` (DLMF 10.40.2, eight terms)."""
    term = np.ones_like(x)
    total = term.copy()
    for k in range(1, 9):
        term = term * (4.0 * mu * mu - (2 * k - 1) ** 2) / (8.0 * k * x)
        total += term
    return np.exp(0.5 * (math.log(math.pi / 2.0) - log_x)) * total


def _log_x_pow_k_positive(mu: float, x: np.ndarray, log_x: np.ndarray) -> np.ndarray:
    r"""``log(x^mu K_mu(x))`` for ``0 <= mu < 250`` by scipy's ``kve`` or the small-``x`` series.

    ``kve`` is exponentially scaled, and used in log space so that nothing underflows at
    large ``x``; where it overflows (small ``x``, large ``mu > 0``), or ``x`` is so small that
    the series below is exact to ``e^-40`` (where ``kve``'s own ~1e-14 error would dominate),
    the small-``x`` series

    .. math:: x^\mu K_\mu(x) = 2^{\mu-1} \Gamma(\mu) \sum_{k < \mu}
              \frac{(x^2/4)^k}{k! (1-\mu)_k} + O(x^{2\mu} \log x)

    whose neglected part is below ``1e-300`` relative there. For ``mu = 0`` and
    ``x < 1e-152``, :math:`K_0(x) = \log(2/x) - \gamma` to within ``x^2 |\log x|``. Above
    ``x = 1e8`` (``kve`` returns NaN beyond about ``1e9``) the large-argument expansion
    (DLMF 10.40.2)

    .. math:: K_\mu(x) e^x \sim \sqrt{\frac{\pi}{2x}} \sum_k
              \frac{\prod_{j=1}^{k} (4\mu^2 - (2j-1)^2)}{k!\, (8x)^k},

    whose terms fall by ``mu^2 / (2x) < 3e-4`` each: eight of them are exact in float.
    """
    scaled = np.empty_like(x)
    large = x > _LARGE_ARGUMENT
    scaled[~large] = kve(mu, x[~large])
    scaled[large] = _large_argument_kve(mu, x[large], log_x[large])
    with np.errstate(over="ignore", divide="ignore", invalid="ignore", under="ignore"):
        # Directly where x^mu K_mu(x) e^x is a normal float (a sum of two large logarithms
        # would lose digits), and as that sum where it is not.
        direct = x**mu * scaled
        normal = np.isfinite(direct) & (direct > 1e-300) & (direct < 1e300)
        out = np.where(normal, np.log(np.where(normal, direct, 1.0)),
                       mu * log_x + np.log(scaled)) - x
    if mu == 0:
        tiny = log_x < -350.0
        out[tiny] = np.log(math.log(2.0) - np.euler_gamma - log_x[tiny])
        return out
    # Also where the neglected part x^(2 mu) |log x| is below e^-40 relative: there kve's
    # ~1e-14 relative error would be the only error left (and break monotonicity near 0).
    small = ~np.isfinite(out) | (2 * mu * log_x + np.log1p(np.abs(log_x)) < -40.0)
    if np.any(small):
        quarter_x2 = 0.25 * x[small] ** 2
        term = np.ones_like(quarter_x2)
        total = term.copy()
        k = 1
        while k < mu and np.any(np.abs(term) > 1e-17 * np.abs(total)):
            term = term * quarter_x2 / (k * (k - mu))
            total += term
            k += 1
        out[small] = (mu - 1.0) * math.log(2.0) + gammaln(mu) + np.log(total)
    return out


def _log_x_pow_k(mu: float, x: np.ndarray, log_x: np.ndarray, closed_form: bool) -> np.ndarray:
    r"""``log(x^mu K_mu(x))`` for ``x > 0`` and real ``mu`` (``K`` the modified Bessel function).

    ``log_x`` is ``log x`` computed without forming ``x`` (which may overflow to ``inf`` or
    underflow to 0 at extreme lengthscales): where ``x`` is infinite the result is ``-inf``
    (``x^mu K_mu(x) ~ x^(mu - 1/2) e^-x``). With ``closed_form`` (``mu`` a half-integer of
    at most :data:`_CLOSED_FORM_TERMS` terms) the finite sum of :func:`_log_closed_form`; for
    ``|mu| >= 250``, where the small-``x`` series cancels badly, the uniform (Debye) expansion
    of :func:`_log_k_debye`; otherwise :func:`_log_x_pow_k_positive`, for ``mu < 0`` through
    ``x^mu K_mu(x) = x^(2 mu) x^|mu| K_|mu|(x)`` (``K`` is even in its order).
    """
    finite = np.isfinite(x)
    if not np.all(finite):
        out = np.full(x.shape, -np.inf)
        out[finite] = _log_x_pow_k(mu, x[finite], log_x[finite], closed_form)
        return out
    if closed_form:
        return _log_closed_form(mu, x, log_x)
    if abs(mu) >= _DEBYE_ORDER:
        return mu * log_x + _log_k_debye(abs(mu), x, log_x)
    if mu < 0:
        return 2.0 * mu * log_x + _log_x_pow_k_positive(-mu, x, log_x)
    return _log_x_pow_k_positive(mu, x, log_x)


@dataclass(frozen=True)
class Matern(Kernel):
    r"""Matérn kernel of smoothness ``nu > 0`` and lengthscale ``l``, argument ``sqrt(2 nu s) / l``.

    Parameters
    ----------
    nu : float
        Smoothness ``nu > 0``. The field is ``k`` times mean-square differentiable iff
        ``nu > k``: it needs ``nu > 1`` for a gradient and ``nu > 2`` for a Hessian.
    lengthscale : float
        ``l > 0``.

    Notes
    -----
    With :math:`x = \sqrt{2 \nu s} / l` (Rasmussen & Williams 2006, eq. 4.14),

    .. math:: C(s) = \frac{2^{1-\nu}}{\Gamma(\nu)} x^\nu K_\nu(x),

    which is :math:`e^{-x}`, :math:`(1 + x) e^{-x}`, :math:`(1 + x + x^2/3) e^{-x}` and
    :math:`(1 + x + 2x^2/5 + x^3/15) e^{-x}` for ``nu = 1/2, 3/2, 5/2, 7/2`` (evaluated in
    closed form, as are their derivatives). From :math:`(x^\mu K_\mu)' = -x^{\mu} K_{\mu-1}` and
    :math:`dx/ds = \nu / (l^2 x)`,

    .. math:: C^{(k)}(s) = \frac{2^{1-\nu}}{\Gamma(\nu)} \left(-\frac{\nu}{l^2}\right)^k
              x^{\nu-k} K_{\nu-k}(x),
              \qquad
              C^{(k)}(0) = \left(-\frac{\nu}{2 l^2}\right)^k \frac{\Gamma(\nu-k)}{\Gamma(\nu)}
              \quad (\nu > k),

    so ``c1 = -nu / (2 (nu - 1) l^2)`` and ``c2 = nu^2 / (4 (nu - 1)(nu - 2) l^4)``; both tend
    to the squared-exponential values as ``nu -> inf``, and ``c2 c0 / c1^2 = (nu - 1)/(nu - 2)``.
    For ``nu <= k`` the ``k``-th derivative diverges as ``s -> 0``.

    The spectral density is proportional to :math:`(2\nu / l^2 + |\omega|^2)^{-(\nu + N/2)}`
    (Rasmussen & Williams 2006, eq. 4.15): a multivariate Student-t law with ``2 nu`` degrees
    of freedom and scale ``1 / l``, drawn as ``omega = z sqrt(2 nu / g) / l`` with
    ``z ~ N(0, I)`` and ``g ~ chi^2_{2 nu}`` (given ``g``, ``E cos(omega . h) =
    exp(-nu |h|^2 / (g l^2))``, whose average over ``g`` is the Bessel form above).

    Examples
    --------
    >>> from fields.kernels import Matern
    >>> k = Matern(nu=2.5)
    >>> k
    Matern(nu=2.5, lengthscale=1.0)
    >>> round(k.c1, 6), round(k.c2, 6)
    (-0.833333, 2.083333)
    >>> k.differentiability
    2
    >>> Matern(nu=1.5).require(2, "a Hessian")
    Traceback (most recent call last):
    ...
    ValueError: a Hessian of a Matérn field needs nu > 2; got nu=1.5
    """

    nu: float = 2.5
    lengthscale: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "nu", check_positive_float("nu", self.nu))
        object.__setattr__(
            self, "lengthscale", check_positive_float("lengthscale", self.lengthscale)
        )

    @property
    def differentiability(self) -> int:
        """``ceil(nu) - 1``: the largest ``k`` with ``nu > k``."""
        return math.ceil(self.nu) - 1

    def _requirement(self, order: int) -> str:
        return f"a Matérn field needs nu > {order}; got nu={self.nu:g}"

    def _derivative(self, s: np.ndarray, order: int) -> np.ndarray:
        nu, ell = self.nu, self.lengthscale
        mu = nu - order
        # x = sqrt(2 nu s) / l, and log x apart: x may overflow or underflow, log x never.
        with np.errstate(over="ignore", under="ignore"):
            x = math.sqrt(2.0 * nu) * np.sqrt(s) / ell
        log_x = 0.5 * (math.log(2.0 * nu) + np.log(s)) - math.log(ell)
        log_value = (
            (1.0 - nu) * math.log(2.0) - gammaln(nu)
            + order * (math.log(nu) - 2.0 * math.log(ell))
            + _log_x_pow_k(mu, x, log_x, closed_form=nu in _HALF_INTEGER_NU
                           and abs(mu) < _CLOSED_FORM_TERMS + 1)
        )
        if order == 0:
            # A correlation: rounding in the log-space evaluation may otherwise give 1 + eps.
            return np.minimum(np.exp(log_value), 1.0)
        return (-1.0) ** order * np.exp(log_value)

    def _log_abs_at_zero(self, order: int) -> float:
        # log[(nu / (2 l^2))^k Gamma(nu - k) / Gamma(nu)], the ratio as a sum of logs for
        # small k (exact) and by log-gamma for large k.
        nu = self.nu
        if order <= 64:
            log_ratio = -math.fsum(math.log(nu - j) for j in range(1, order + 1))
        else:
            log_ratio = float(gammaln(nu - order) - gammaln(nu))
        return order * (math.log(nu / 2.0) - 2.0 * math.log(self.lengthscale)) + log_ratio

    def _derivative_at_zero(self, order: int) -> float:
        if self.nu <= order:
            return (-1.0) ** order * math.inf
        if order == 0:
            return 1.0
        log_power = order * abs(math.log(self.nu / 2.0) - 2.0 * math.log(self.lengthscale))
        log_abs = self._log_abs_at_zero(order)
        if order > 64 or max(log_power, abs(log_abs)) >= _DIRECT_LOG:
            return self._signed_exp(order, log_abs)
        ratio = 1.0
        for j in range(1, order + 1):
            ratio /= self.nu - j
        return (-(self.nu / 2.0) / self.lengthscale / self.lengthscale) ** order * ratio

    def _draw_frequencies(self, rng: np.random.Generator, dim: int, n: int) -> np.ndarray:
        z = rng.standard_normal((n, dim))
        g = 2.0 * rng.standard_gamma(self.nu, size=(n, 1))  # chi^2 with 2 nu degrees of freedom
        return z * np.sqrt(2.0 * self.nu / g) / self.lengthscale
