"""Limiting spectral laws of the random-matrix ensembles: semicircle and Marchenko–Pastur.

Normalisation (see ``docs/theory.md`` section 1): Wigner matrices have
``E H_ij^2 = (1 + delta_ij) / N`` (GOE), so their spectrum fills ``[-2, 2]``; Wishart matrices
are ``W = X X^T / M`` with ``X`` an ``N x M`` matrix of standard normal entries and
``q = N / M <= 1``.

``semicircle``
    The Wigner semicircle law on ``[-2, 2]``, ``rho(x) = sqrt(4 - x^2) / (2 pi)``, as scipy's
    frozen ``semicircular(scale=2)`` (Wigner 1958).
``marchenko_pastur``
    The Marchenko–Pastur law with ratio ``q`` in ``(0, 1]``, a ``scipy.stats.rv_continuous``
    with a closed-form CDF (Marchenko & Pastur 1967).
``index_fraction``
    The fraction of negative eigenvalues of a semicircle of radius ``R`` centred at ``mu``
    (the index density of Bray & Dean 2007).
"""

from __future__ import annotations

import numpy as np
import scipy.stats
from scipy.special import comb
from scipy.stats import rv_continuous

from ._validation import check_positive_float, check_real_array

__all__ = ["semicircle_index_fraction", "marchenko_pastur", "semicircle"]

#: The Wigner semicircle law on ``[-2, 2]`` with density ``sqrt(4 - x^2) / (2 pi)``: the limit of
#: the empirical spectrum of a Wigner matrix with ``E H_ij^2 = (1 + delta_ij) / N`` (Wigner 1958,
#: Ann. Math. 67, 325). A frozen ``scipy.stats.semicircular(scale=2)``; its even moments are the
#: Catalan numbers ``1, 2, 5, 14, ...``.
semicircle = scipy.stats.semicircular(scale=2.0)


def _check_ratio(q) -> np.ndarray:
    """Return ``q`` as a float array, refusing entries outside ``(0, 1]`` (NaN included)."""
    q = check_real_array("q", q)
    bad = (q <= 0) | (q > 1)
    if np.any(bad):
        raise ValueError(
            f"q must be in (0, 1] (the aspect ratio N/M of X, N <= M); got {q[bad].ravel()[0]:g}"
        )
    return q


def _ratio_first(args: tuple, kwds: dict) -> tuple:
    """Move a keyword ``q`` out of ``kwds`` to the front of the positional shape arguments.

    scipy's ``ppf`` and ``isf`` call their own first argument ``q``, so a frozen law that
    stored the ratio as the keyword ``q`` would pass it twice.
    """
    return (kwds.pop("q"), *args) if "q" in kwds else args


class marchenko_pastur_gen(rv_continuous):
    r"""The Marchenko–Pastur law of the eigenvalues of ``W = X X^T / M``.

    ``X`` is ``N x M`` with i.i.d. standard normal (or any mean-0, variance-1) entries and the
    shape parameter is the ratio ``q = N / M`` in ``(0, 1]``. As ``N, M -> inf`` with ``N / M -> q``
    the empirical spectrum of ``W`` tends to this law.

    Notes
    -----
    With :math:`a = (1 - \sqrt q)^2` and :math:`b = (1 + \sqrt q)^2` the density on ``[a, b]`` is

    .. math:: f(x) = \frac{\sqrt{(b - x)(x - a)}}{2 \pi q x}.

    Substituting :math:`x = 1 + q - 2 \sqrt q \cos\theta` and integrating gives the CDF

    .. math::

        F(x) = \frac{1}{\pi q} \left[ \tfrac12 \sqrt{(b - x)(x - a)} + q \theta
               - (1 - q) \delta \right],
        \qquad
        \theta = 2 \arctan \sqrt{\frac{x - a}{b - x}},
        \quad
        \delta = \arctan \frac{2 \sqrt q \sqrt{(b - x)(x - a)}}{\sqrt a (b - x) + \sqrt b (x - a)},

    where :math:`\delta = \arctan(\sqrt{b/a} \tan(\theta/2)) - \theta/2` comes from
    :math:`\int d\theta / (1 + q - 2 \sqrt q \cos\theta)`, written so that nothing cancels
    for small ``q``. ``F`` is ``0`` at ``a`` and ``1`` at ``b``; at ``q = 1`` the last term
    vanishes and :math:`F(x) = (\theta + \sin\theta) / \pi`. ``ppf`` (and with it ``rvs``,
    by inverse-CDF sampling) bisects this closed form for all points at once.

    The moments are the Narayana polynomials,

    .. math:: E x^n = \sum_{k=1}^{n} \frac{1}{n} \binom{n}{k} \binom{n}{k-1} q^{k-1}:

    mean ``1``, variance ``q``, :math:`E x^3 = 1 + 3q + q^2`, skewness :math:`\sqrt q`,
    excess kurtosis ``q - 1``.

    ``ppf``, ``isf``, ``median`` and ``interval`` accept the ratio as the keyword ``q`` too
    (scipy's own ``ppf`` and ``isf`` name their probability argument ``q``; here it is ``p``).
    Unlike scipy's own distributions, an invalid ``q`` (outside ``(0, 1]``, NaN) raises a
    ``ValueError`` naming ``q`` instead of returning NaN. ``fit`` keeps scipy's behaviour of
    treating such a ``q`` as infinitely unlikely.

    References
    ----------
    V. A. Marchenko and L. A. Pastur, "Distribution of eigenvalues for some sets of random
    matrices", Mat. Sb. 72 (114), 507-536 (1967).

    Examples
    --------
    >>> from rmt.laws import marchenko_pastur
    >>> law = marchenko_pastur(q=0.25)
    >>> law.support()
    (np.float64(0.25), np.float64(2.25))
    >>> float(law.mean()), float(law.var())
    (1.0, 0.25)
    >>> round(float(law.cdf(1.0)), 5)
    0.55339
    """

    def _argcheck(self, q):
        # scipy's contract (used by ``fit`` to penalise bad parameters): a boolean mask.
        return (q > 0) & (q <= 1)

    def _get_support(self, q):
        # Every user-facing method that takes ``x`` or ``q`` (pdf, cdf, sf, ppf, isf, their logs,
        # support, expect, and freezing, i.e. ``marchenko_pastur(q=...)``) asks for the support
        # before doing any work, so this is where an invalid ``q`` is refused.
        root = np.sqrt(_check_ratio(q))
        return (1.0 - root) ** 2, (1.0 + root) ** 2

    def _pdf(self, x, q):
        a, b = self._get_support(q)
        return np.sqrt((b - x) * (x - a)) / (2.0 * np.pi * q * x)

    def _cdf(self, x, q):
        a, b = self._get_support(q)
        # Clipping guards against the rounding of x - a or b - x to a negative number.
        lower = np.sqrt(np.clip(x - a, 0.0, None))
        upper = np.sqrt(np.clip(b - x, 0.0, None))
        theta = 2.0 * np.arctan2(lower, upper)
        # delta = arctan(sqrt(b/a) tan(theta/2)) - theta/2 in a form free of cancellation for
        # small q and finite at q = 1 (a = 0).
        delta = np.arctan2(
            2.0 * np.sqrt(q) * lower * upper, np.sqrt(a) * upper**2 + np.sqrt(b) * lower**2
        )
        value = (0.5 * lower * upper + q * theta - (1.0 - q) * delta) / (np.pi * q)
        return np.clip(value, 0.0, 1.0)

    def _ppf(self, p, q):
        # Bisection on the closed-form cdf, all points at once, in the angle phi of
        # x = a + (b - a) sin^2(phi): 64 halvings of [0, pi/2] resolve x to the spacing of
        # doubles, also at the edges where the cdf rises like (x - a)^(3/2) or, at q = 1,
        # sqrt(x). Much faster than scipy's per-point root finder; ``rvs`` samples through it.
        a, b = self._get_support(q)
        lo = np.zeros_like(p)
        hi = np.full_like(p, np.pi / 2)
        for _ in range(64):
            mid = 0.5 * (lo + hi)
            below = self._cdf(a + (b - a) * np.sin(mid) ** 2, q) < p
            lo = np.where(below, mid, lo)
            hi = np.where(below, hi, mid)
        return a + (b - a) * np.sin(0.5 * (lo + hi)) ** 2

    def _stats(self, q):
        one = np.ones_like(q)
        return one, q, np.sqrt(q), q - 1.0

    def _munp(self, n, q):
        # Narayana polynomial: sum_{k=1}^{n} N(n, k) q^(k-1), N(n, k) = C(n, k) C(n, k-1) / n.
        n = int(n)
        if n == 0:
            return np.ones_like(q)
        k = np.arange(1, n + 1)
        narayana = comb(n, k) * comb(n, k - 1) / n
        return np.polynomial.polynomial.polyval(q, narayana)

    def freeze(self, *args, **kwds):
        """Freeze the law at a ratio ``q``: ``marchenko_pastur(q=0.5)`` or ``(0.5)``."""
        return super().freeze(*_ratio_first(args, kwds), **kwds)

    def ppf(self, p, *args, **kwds):
        """Quantile function (inverse of ``cdf``) at probabilities ``p``."""
        return super().ppf(p, *_ratio_first(args, kwds), **kwds)

    def isf(self, p, *args, **kwds):
        """Inverse of ``sf`` at probabilities ``p``."""
        return super().isf(p, *_ratio_first(args, kwds), **kwds)

    def stats(self, *args, **kwds):
        """Mean, variance, skewness and/or excess kurtosis; an invalid ``q`` raises."""
        _check_ratio(self._parse_args_stats(*args, **kwds)[0][0])
        return super().stats(*args, **kwds)

    def moment(self, order, *args, **kwds):
        """Non-central moment of the given order; an invalid ``q`` raises."""
        _check_ratio(self._parse_args(*args, **kwds)[0][0])
        return super().moment(order, *args, **kwds)

    def entropy(self, *args, **kwds):
        """Differential entropy; an invalid ``q`` raises."""
        _check_ratio(self._parse_args(*args, **kwds)[0][0])
        return super().entropy(*args, **kwds)

    def rvs(self, *args, **kwds):
        """Random variates (inverse-CDF sampling); an invalid ``q`` raises."""
        parse_kwds = {k: v for k, v in kwds.items() if k not in ("random_state", "discrete")}
        _check_ratio(self._parse_args_rvs(*args, **parse_kwds)[0][0])
        return super().rvs(*args, **kwds)


#: The Marchenko–Pastur law (an instance of :class:`marchenko_pastur_gen`); call it with the
#: ratio to freeze it: ``marchenko_pastur(q=0.5).cdf(x)``.
marchenko_pastur = marchenko_pastur_gen(a=0.0, b=4.0, name="marchenko_pastur", shapes="q")


def semicircle_index_fraction(shift, radius) -> float | np.ndarray:
    r"""Fraction of negative eigenvalues of a semicircle of radius ``radius`` centred at ``shift``.

    The spectrum ``shift + radius * s``, with ``s`` semicircular on ``[-1, 1]``, models the
    Hessian of a random function at a critical point; the fraction of its eigenvalues below zero
    is the index density of that critical point.

    Parameters
    ----------
    shift : float or array_like
        Centre ``mu`` of the semicircle; finite. Arrays are evaluated elementwise.
    radius : float
        Radius ``R > 0`` of the semicircle.

    Returns
    -------
    float or numpy.ndarray
        :math:`F_{sc}(-\mu / R)`, a float for scalar ``shift`` and an array of the shape of
        ``shift`` otherwise: ``1/2`` at ``mu = 0``, ``0`` for ``mu >= R``, ``1`` for ``mu <= -R``.

    Raises
    ------
    TypeError
        If ``shift`` is not real or ``radius`` is not a real number.
    ValueError
        If ``shift`` contains NaN or Inf, or ``radius`` is not a finite positive number.

    Notes
    -----
    :math:`F_{sc}` is the CDF of the semicircle on ``[-1, 1]``,

    .. math:: F_{sc}(t) = \frac12 + \frac{t \sqrt{1 - t^2} + \arcsin t}{\pi},
              \qquad |t| \le 1,

    (``0`` below ``-1``, ``1`` above ``1``), computed by ``scipy.stats.semicircular.cdf``.
    Bray & Dean (2007) derive this shifted semicircle for the Hessian of an isotropic Gaussian
    field, with the shift set by the value of the field at the critical point.

    References
    ----------
    E. P. Wigner, "On the distribution of the roots of certain symmetric matrices",
    Ann. Math. 67, 325-327 (1958).
    A. J. Bray and D. S. Dean, "Statistics of critical points of Gaussian fields on
    large-dimensional spaces", Phys. Rev. Lett. 98, 150201 (2007).

    Examples
    --------
    >>> from rmt.laws import semicircle_index_fraction
    >>> semicircle_index_fraction(0.0, 1.0)
    0.5
    >>> semicircle_index_fraction([-2.0, 0.5, 2.0], radius=1.0).round(6)
    array([1.      , 0.195501, 0.      ])
    """
    radius = check_positive_float("radius", radius)
    shift = check_real_array("shift", shift)
    fraction = scipy.stats.semicircular.cdf(-shift / radius)
    return float(fraction) if fraction.ndim == 0 else fraction
