"""Index statistics of the Gaussian ensembles: mean, variance and positive definiteness.

The *index* ``K`` of a real symmetric (complex Hermitian, quaternion self-dual) matrix is its
number of negative eigenvalues. For the Gaussian ensembles in the library's normalisation
(``E|H_ij|^2 = 1/N`` off the diagonal, ``E H_ii^2 = 2/(beta N)``, semicircle on ``[-2, 2]``)
this module gives

* :func:`index_mean` -- the expected number of eigenvalues below a threshold;
* :func:`index_variance`, :func:`index_variance_constant` -- ``Var K ~ ln(n)/(beta pi^2) + C_beta``
  (Majumdar, Nadal, Scardicchio & Vivo 2009, 2011);
* :func:`log_prob_all_positive` -- ``ln P(K = 0)``, the log-probability that the matrix is
  positive definite: exact (to float64 rounding) for ``beta = 1, 2`` and ``n <= 400``, the
  Dean--Majumdar asymptote ``-beta theta n^2``, ``theta = ln(3)/4``, otherwise;
* :func:`coin_flip_comparison` -- these numbers beside the ones independent fair coins would give
  (``Var K = n/4``, ``P = 2^-n``): the "coin-flip myth" of the talk.

Every number here is a property of the eigenvalue law only, so none of these functions draws
random numbers. See ``docs/theory.md`` section 4.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import scipy.special
import scipy.stats
from numpy.typing import ArrayLike

from ._validation import check_beta, check_int

__all__ = [
    "CoinFlipComparison",
    "coin_flip_comparison",
    "index_mean",
    "index_variance",
    "index_variance_constant",
    "log_prob_all_positive",
]

#: Dean--Majumdar rate: ``ln P(all eigenvalues > 0) ~ -beta * THETA * n^2``.
_THETA = math.log(3.0) / 4.0

#: Largest ``n`` for which :func:`log_prob_all_positive` computes the exact value. Checked
#: against an independent 80--900-digit evaluation (monomial basis, closed-form moments) at
#: n = 2..40, 50, 60, 80, 100, 200, 300, 400: relative error of ``ln P`` below 2e-13.
#: Beyond n of about 530 the Gaussian weight underflows float64 inside the spectrum and the
#: method breaks down (two grids disagree by 4e-6 at n = 600).
_EXACT_N_MAX = 400

_METHODS = ("auto", "exact", "asymptotic")


# --------------------------------------------------------------------------- argument checks


def _check_n_array(n) -> tuple[np.ndarray, bool]:
    """Validate ``n`` (an int or an array of ints, all >= 1); return it as an int64 array."""
    if np.ndim(n) == 0 and not isinstance(n, np.ndarray):
        return np.asarray(check_int("n", n), dtype=np.int64), True
    arr = np.asarray(n)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"n must be an integer or an array of integers; got dtype {arr.dtype}")
    if arr.size == 0:
        raise ValueError("n must not be empty")
    if np.any(arr < 1):
        raise ValueError(f"n must be >= 1 everywhere; got minimum {arr.min()}")
    return arr.astype(np.int64), arr.ndim == 0


def _check_variance_beta(beta) -> int:
    beta = check_beta(beta)
    if beta not in (1.0, 2.0, 4.0):
        raise ValueError(
            f"beta must be 1, 2 or 4 for the index variance: the constant C_beta is known only "
            f"for the three classical ensembles; got beta={beta:g}"
        )
    return int(beta)


# --------------------------------------------------------------------------- mean and variance


def index_mean(n: ArrayLike, beta: float = 1, threshold: ArrayLike = 0.0) -> float | np.ndarray:
    """Expected number of eigenvalues below ``threshold``.

    Parameters
    ----------
    n : int or array_like of int
        Matrix size(s), each >= 1.
    beta : float, default 1
        Dyson index (> 0). The semicircle law, hence the answer, does not depend on it.
    threshold : float or array_like, default 0
        Finite level(s); broadcast against ``n``.

    Returns
    -------
    float or ndarray
        ``n * F(threshold)``; a plain float when ``n`` and ``threshold`` are scalars.

    Raises
    ------
    TypeError
        ``n`` not an integer (a float, bool or string), ``beta`` or ``threshold`` not real.
    ValueError
        ``n < 1``, ``beta <= 0`` or NaN, ``threshold`` not finite.

    Notes
    -----
    At ``threshold = 0`` the answer ``E K = n/2`` is *exact* for every ``n`` and ``beta``: the
    joint eigenvalue density ``prod |l_i - l_j|^beta exp(-beta n sum l_i^2 / 4)`` is invariant
    under ``l -> -l``, so ``K`` and ``n - K`` have the same law. At other thresholds the
    semicircle approximation ``E #{l_i < t} ~ n F(t)`` is used, with

        F(t) = 1/2 + (t sqrt(4 - t^2) / 4 + arcsin(t / 2)) / pi,    |t| <= 2,

    the distribution function of the semicircle on ``[-2, 2]`` (Wigner 1958), evaluated by
    ``scipy.stats.semicircular(scale=2).cdf``. Its error is ``O(1)`` in the bulk (``O(1/n)``
    relative) and it ignores the Tracy--Widom tails beyond the edges ``+-2``.

    Examples
    --------
    >>> from rmt.index_theory import index_mean
    >>> index_mean(1001)
    500.5
    >>> round(index_mean(1000, threshold=-1.0), 2)
    195.5
    """
    n_arr, scalar_n = _check_n_array(n)
    check_beta(beta)
    if isinstance(threshold, (bool, np.bool_)):
        raise TypeError("threshold must be a real number; got a bool")
    t = np.asarray(threshold)
    if t.dtype.kind not in "iuf":
        raise TypeError(f"threshold must be real; got dtype {t.dtype}")
    if not np.all(np.isfinite(t)):
        raise ValueError(f"threshold must be finite; got {threshold!r}")
    out = n_arr * scipy.stats.semicircular(scale=2.0).cdf(t.astype(np.float64))
    if scalar_n and t.ndim == 0:
        return float(out)
    return np.asarray(out, dtype=np.float64)


def index_variance_constant(beta: float) -> float:
    """The constant ``C_beta`` of ``Var K ~ ln(n)/(beta pi^2) + C_beta``.

    Parameters
    ----------
    beta : {1, 2, 4}
        Dyson index.

    Returns
    -------
    float
        ``C_1 = (3 ln 2 + gamma + 1 - pi^2/8) / pi^2 = 0.245497``,
        ``C_2 = (3 ln 2 + gamma + 1) / (2 pi^2) = 0.185248``,
        ``C_4 = (4 ln 2 + gamma + 1 + pi^2/8) / (4 pi^2) = 0.141432``
        (``gamma`` is Euler's constant).

    Raises
    ------
    TypeError
        ``beta`` not a real number.
    ValueError
        ``beta`` not one of 1, 2, 4.

    Notes
    -----
    **beta = 2** is a theorem: Majumdar, Nadal, Scardicchio & Vivo, PRL 103, 220603 (2009) and
    PRE 83, 041105 (2011), obtained ``C_2`` from the exact GUE kernel.

    **beta = 1 and 4 are a heuristic** (MNSV give no closed form), checked by simulation. The
    index counts the eigenvalues on one side of the bulk point 0, so its variance is taken as
    half the Dyson--Mehta number variance of an interval (two independent edges, one kept),
    Mehta, *Random Matrices*, 3rd ed. (2004), ch. 16; Dyson & Mehta, J. Math. Phys. 4, 701
    (1963), for an interval holding ``L`` eigenvalues on average:

        Sigma_1^2(L) = (2/pi^2)   (ln(2 pi L) + gamma + 1 - pi^2/8)
        Sigma_2^2(L) = (1/pi^2)   (ln(2 pi L) + gamma + 1)
        Sigma_4^2(L) = (1/(2pi^2))(ln(4 pi L) + gamma + 1 + pi^2/8)

    with one effective length for all three ensembles, ``ln(2 pi L_eff) = ln n + 3 ln 2``, the
    unique choice for which ``Sigma_2^2 / 2`` equals the MNSV result exactly. Then
    ``Sigma_beta^2(L_eff) / 2 = ln(n)/(beta pi^2) + C_beta`` with the leading term of MNSV for
    every ``beta`` and the constants above. For ``beta = 4`` the finite-``n`` variance
    oscillates with the parity of ``n`` around the formula, which matches the mean of
    neighbouring ``n``.

    Examples
    --------
    >>> from rmt.index_theory import index_variance_constant
    >>> round(index_variance_constant(2), 6)
    0.185248
    """
    beta = _check_variance_beta(beta)
    g = np.euler_gamma
    ln2 = math.log(2.0)
    pi2 = math.pi**2
    if beta == 1:
        return (3 * ln2 + g + 1 - pi2 / 8) / pi2
    if beta == 2:
        return (3 * ln2 + g + 1) / (2 * pi2)
    return (4 * ln2 + g + 1 + pi2 / 8) / (4 * pi2)


def index_variance(n: ArrayLike, beta: float = 1) -> float | np.ndarray:
    """Asymptotic variance of the index ``K`` of an ``n x n`` GOE/GUE/GSE matrix.

    Parameters
    ----------
    n : int or array_like of int
        Matrix size(s), each >= 1.
    beta : {1, 2, 4}, default 1
        Dyson index.

    Returns
    -------
    float or ndarray
        ``ln(n) / (beta pi^2) + C_beta``; a plain float for scalar ``n``.

    Raises
    ------
    TypeError
        ``n`` not an integer (a float, bool or string) or ``beta`` not real.
    ValueError
        ``n < 1``, or ``beta`` not one of 1, 2, 4.

    Notes
    -----
    Majumdar, Nadal, Scardicchio & Vivo, PRL 103, 220603 (2009); PRE 83, 041105 (2011):

        Var K = ln(n) / (beta pi^2) + C_beta + o(1),

    a logarithm where independent coins would give ``n/4``. ``C_2`` is MNSV's theorem; ``C_1``
    and ``C_4`` are a heuristic checked by simulation, see :func:`index_variance_constant`;
    for ``beta = 4`` the finite-``n`` variance oscillates with the parity of ``n`` around it.

    Examples
    --------
    >>> from rmt.index_theory import index_variance
    >>> round(index_variance(100, beta=2), 4)
    0.4185
    >>> index_variance([100, 10**6], beta=1).round(3)
    array([0.712, 1.645])
    """
    n_arr, scalar = _check_n_array(n)
    beta = _check_variance_beta(beta)
    out = np.log(n_arr) / (beta * math.pi**2) + index_variance_constant(beta)
    return float(out) if scalar else out


# --------------------------------------------------------------------------- P(all positive)


def _half_range_hermite(n: int, nodes: int | None = None, length: float | None = None):
    """Orthonormal polynomials for ``exp(-x^2)`` on ``(0, inf)`` on a Gauss--Legendre grid.

    Returns the grid length ``X``, the Legendre nodes ``t`` and weights ``g`` on ``[-1, 1]``
    (the grid is ``x = X (t + 1) / 2`` with weights ``X g / 2``), the Jacobi off-diagonal ``b``
    (``b[0]^2`` is the mass ``int_0^inf exp(-x^2)``, ``b[k]^2`` the k-th recurrence
    coefficient) and the matrix ``phi[k, i] = p_i(x_k) exp(-x_k^2 / 2)``, i < n.

    Lanczos on ``diag(x)`` from the start vector ``sqrt(weights) exp(-x^2/2)`` (the
    discretised Stieltjes procedure) with full re-orthogonalisation (Gautschi, *Orthogonal
    Polynomials: Computation and Approximation*, 2004, sec. 2.2). ``X`` lies about
    ``0.4 sqrt(n) + 10`` beyond the largest zero of ``p_n`` (about ``1.6 sqrt(n)``), and
    ``3 n + 60`` nodes integrate polynomials of degree ``2 n`` against the Gaussian to rounding.
    ``nodes`` and ``length`` override these defaults (the tests vary them).
    """
    m = 3 * n + 60 if nodes is None else nodes
    big_x = 2.0 * math.sqrt(n) + 10.0 if length is None else length
    t, g = scipy.special.roots_legendre(m)
    x = big_x / 2 * (t + 1)
    sqrt_w = np.sqrt(big_x / 2 * g)
    basis = np.empty((n, m))
    b = np.empty(n)
    u = sqrt_w * np.exp(-x * x / 2)
    for k in range(n):
        if k > 0:
            u = x * basis[k - 1]
            # Two passes of classical Gram-Schmidt keep the basis orthonormal to rounding.
            for _ in range(2):
                u -= (basis[:k] @ u) @ basis[:k]
        b[k] = np.linalg.norm(u)
        basis[k] = u / b[k]
    return big_x, t, g, b, (basis / sqrt_w).T


def _legendre_integration_matrix(t: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Matrix ``S`` with ``(S f)(t_k) = int_{-1}^{t_k} f``, exact for polynomials of degree < m.

    Expands ``f`` in Legendre polynomials by the Gauss rule and integrates term by term,
    ``int_{-1}^t P_l = (P_{l+1}(t) - P_{l-1}(t)) / (2 l + 1)`` (``t + 1`` for ``l = 0``).
    """
    m = t.size
    p = np.empty((m + 1, m))
    p[0] = 1.0
    p[1] = t
    for ell in range(1, m):
        p[ell + 1] = ((2 * ell + 1) * t * p[ell] - ell * p[ell - 1]) / (ell + 1)
    ell = np.arange(m)
    coefficients = ((2 * ell + 1) / 2)[:, None] * p[:m] * g
    antiderivatives = np.empty((m, m))
    antiderivatives[0] = t + 1
    antiderivatives[1:] = (p[2:] - p[:m - 1]) / (2 * ell[1:, None] + 1)
    return antiderivatives.T @ coefficients


@lru_cache(maxsize=256)
def _exact_log_prob(n: int, beta: int, nodes: int | None = None,
                    length: float | None = None) -> float:
    """``ln P(all n eigenvalues > 0)`` for beta = 1 or 2, 2 <= n <= _EXACT_N_MAX."""
    big_x, t, g, b, phi = _half_range_hermite(n, nodes, length)
    if beta == 2:
        # Andreief: P = det[int_0^inf x^(i+j) w] / det[int_R x^(i+j) w] = prod_i h_i^+ / h_i,
        # the ratio of the squared norms of the monic orthogonal polynomials for w = exp(-x^2)
        # on the half line (h_i^+ = prod_{k<=i} b_k^2) and the whole line (h_i = sqrt(pi) i!/2^i).
        k = np.arange(1, n)
        return float(n * math.log(b[0] ** 2 / math.sqrt(math.pi))
                     + np.sum((n - k) * np.log(2 * b[1:] ** 2 / k)))
    # de Bruijn: the ordered integral over x_1 < ... < x_n of det[phi_i(x_j)] is the Pfaffian of
    # a_ij = int int sign(y - x) phi_i(x) phi_j(y), bordered by b_i = int phi_i when n is odd.
    # In the half-line orthonormal basis the matrix is well conditioned; the whole-line value
    # is Mehta's integral, and the change of basis from monomials costs prod_i h_i^(-1/2).
    weights = big_x / 2 * g
    antiderivative = big_x / 2 * (_legendre_integration_matrix(t, g) @ phi)
    mass = phi.T @ weights
    a = 2 * antiderivative.T @ (weights[:, None] * phi) - np.outer(mass, mass)
    a = (a - a.T) / 2
    if n % 2:
        a = np.block([[a, mass[:, None]], [-mass[None, :], np.zeros((1, 1))]])
    _, logdet = np.linalg.slogdet(a)
    log_norms = np.cumsum(2 * np.log(b))
    j = np.arange(1, n + 1)
    # Mehta's integral: int_{R^n} |Delta(x)| prod exp(-x_i^2/2) dx
    #   = (2 pi)^(n/2) prod_{j=1}^n Gamma(1 + j/2) / Gamma(3/2); divide by n! for the ordering.
    log_whole_line = (n / 2 * math.log(2 * math.pi) - math.lgamma(n + 1)
                      + np.sum(scipy.special.gammaln(1 + j / 2)) - n * math.lgamma(1.5))
    return float(0.5 * logdet + 0.5 * np.sum(log_norms) - log_whole_line)


def log_prob_all_positive(n: int, beta: float = 1, method: str = "auto") -> float:
    """Natural log of the probability that all ``n`` eigenvalues are positive.

    Parameters
    ----------
    n : int
        Matrix size, >= 1.
    beta : float, default 1
        Dyson index (> 0). Exact values exist for ``beta`` 1 and 2 (and for ``n = 1``).
    method : {"auto", "exact", "asymptotic"}, default "auto"
        ``"exact"``: the exact value, available for ``n = 1`` (any ``beta``) and for
        ``beta`` in {1, 2} with ``n <= 400``; ``"asymptotic"``: ``-beta theta n^2``; ``"auto"``:
        exact where available, asymptotic elsewhere.

    Returns
    -------
    float
        ``ln P(K = 0)``, a log because ``P`` falls below the smallest normal float64 at
        n = 36 (``beta = 2``) and n = 51 (``beta = 1``).

    Raises
    ------
    TypeError
        ``n`` not an integer (a float, bool or string), ``beta`` not real, ``method`` not a str.
    ValueError
        ``n < 1``, ``beta <= 0`` or NaN, unknown ``method``, or ``method="exact"`` where no
        exact value is available.

    Notes
    -----
    *Asymptotic* (Dean & Majumdar, PRL 97, 160201 (2006); PRE 77, 041108 (2008)):
    ``ln P = -beta theta n^2 + o(n^2)``, ``theta = ln(3)/4 = 0.274653``. The exact values show
    the size of the neglected terms: at n = 400, ``ln P_exact + beta theta n^2`` is -0.6 for
    ``beta = 2`` and -154 (about -0.385 n, nearly constant per n from n = 60 on) for
    ``beta = 1``; at n = 5 the asymptote overestimates the GOE probability 7-fold.

    *Exact.* ``n = 1``: ``P = 1/2`` by the symmetry ``H -> -H``. Otherwise the eigenvalue
    density is ``prod_{i<j} |x_j - x_i|^beta prod w(x_i)`` with a Gaussian ``w`` (its scale does
    not change signs), and ``P`` is a ratio of the same integral over ``(0, inf)^n`` and ``R^n``.

    - ``beta = 2``, Andreief's identity (C. Andreief 1886):
      ``P = det[m+_{i+j}] / det[m_{i+j}]``, ``i, j = 0..n-1``, with the half-line moments
      ``m+_k = int_0^inf x^k w`` and the whole-line ones ``m_k``. Each Hankel determinant is the
      product of the squared norms of the monic orthogonal polynomials, so
      ``P = prod_{i<n} h+_i / h_i``, with ``h_i = sqrt(pi) i! / 2^i`` for ``w = exp(-x^2)`` on
      ``R`` and ``h+_i`` from the recurrence coefficients of the half-range Hermite weight.
    - ``beta = 1``, de Bruijn's Pfaffian (N. G. de Bruijn, J. Indian Math. Soc. 19, 133
      (1955)): ``int_{x_1 < ... < x_n} prod_{i<j}(x_j - x_i) prod w(x_i) dx = Pf[a_ij]`` with
      ``a_ij = int int sign(y - x) x^i y^j w(x) w(y) dx dy`` (bordered by
      ``b_i = int x^i w`` when ``n`` is odd), so ``P = Pf(A+) / Pf(A)``, the integrals over
      ``(0, inf)`` and ``R``. ``Pf(A)`` is Mehta's integral (Mehta, *Random Matrices*, 3rd ed.,
      2004, ch. 17); ``Pf(A+) = sqrt(det A+) > 0`` is computed in the basis of polynomials
      orthonormal for ``exp(-x^2)`` on ``(0, inf)``.

    Evaluated directly in float64 (monomial moments, or even Hermite functions restricted to
    the half line) these matrices have exponentially small eigenvalues and lose all accuracy
    by n of about 12 (``beta = 1``) to 25 (``beta = 2``). Here the half-range polynomials come
    from the Lanczos process on a Gauss--Legendre grid with full re-orthogonalisation, the
    inner integrals of ``a_ij`` from a Legendre spectral integration matrix, and the
    ill-conditioned parts are known in closed form; no cancellation occurs, and the result
    agrees with an independent high-precision evaluation of the monomial formulas
    (closed-form moments) up to n = 400. For n beyond about 530 the Gaussian weight
    underflows inside the spectrum, hence the limit of 400. Exact results are cached.

    Examples
    --------
    >>> import math
    >>> from rmt.index_theory import log_prob_all_positive
    >>> round(math.exp(log_prob_all_positive(2, beta=1)), 7)   # (2 - sqrt 2) / 4
    0.1464466
    >>> round(math.exp(log_prob_all_positive(5, beta=1)), 7)
    0.0001401
    >>> round(log_prob_all_positive(10**6, beta=1) / 1e12, 4)
    -0.2747
    """
    n = check_int("n", n)
    beta = check_beta(beta)
    if not isinstance(method, str):
        raise TypeError(f"method must be a str, one of {_METHODS}; got {type(method).__name__}")
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}; got {method!r}")
    exact_available = n == 1 or (beta in (1.0, 2.0) and n <= _EXACT_N_MAX)
    if method == "exact" and not exact_available:
        raise ValueError(
            f"method='exact' is available for n = 1 (any beta) and for beta = 1 or 2 with "
            f"1 <= n <= {_EXACT_N_MAX}; got n={n}, beta={beta:g}. Use method='asymptotic'."
        )
    if method == "asymptotic" or not exact_available:
        return -beta * _THETA * n * n
    if n == 1:
        return -math.log(2.0)
    return _exact_log_prob(n, int(beta))


# --------------------------------------------------------------------------- the coin-flip myth


@dataclass(frozen=True)
class CoinFlipComparison:
    """Index statistics of an ``n x n`` Gaussian ensemble beside independent fair coins.

    Attributes
    ----------
    n : int
        Matrix size.
    beta : int
        Dyson index (1, 2 or 4).
    coin_variance : float
        ``n / 4``: variance of the number of heads among ``n`` fair coins.
    rmt_variance : float
        :func:`index_variance` ``(n, beta)``.
    coin_log_prob : float
        ``-n ln 2``: natural log of the probability that all coins land heads.
    rmt_log_prob : float
        :func:`log_prob_all_positive` ``(n, beta)``.
    rmt_log_prob_method : str
        ``"exact"`` or ``"asymptotic"``: how ``rmt_log_prob`` was obtained.
    """

    n: int
    beta: int
    coin_variance: float
    rmt_variance: float
    coin_log_prob: float
    rmt_log_prob: float
    rmt_log_prob_method: str

    @property
    def coin_log10_prob(self) -> float:
        """``log10`` of the all-heads probability, ``-n log10 2``."""
        return self.coin_log_prob / math.log(10.0)

    @property
    def rmt_log10_prob(self) -> float:
        """``log10`` of the probability that all eigenvalues are positive."""
        return self.rmt_log_prob / math.log(10.0)


def coin_flip_comparison(n: int, beta: float = 1) -> CoinFlipComparison:
    """Compare the index of a random matrix with ``n`` independent fair coin flips.

    The "coin-flip myth": if the signs of the ``n`` eigenvalues of a random symmetric matrix
    (the Hessian at a random critical point, say) were independent fair coins, the index would
    have variance ``n/4`` and ``P(all positive) = 2^-n``. The eigenvalues repel, so the index
    is rigid: its variance grows like ``ln(n)`` and ``P(all positive)`` decays like
    ``exp(-beta theta n^2)``.

    Parameters
    ----------
    n : int
        Matrix size, >= 1.
    beta : {1, 2, 4}, default 1
        Dyson index.

    Returns
    -------
    CoinFlipComparison
        Frozen record of both variances and both log-probabilities (natural logs as fields,
        ``log10`` as properties).

    Raises
    ------
    TypeError
        ``n`` not an integer or ``beta`` not real.
    ValueError
        ``n < 1`` or ``beta`` not one of 1, 2, 4.

    Notes
    -----
    Uses :func:`index_variance` (Majumdar, Nadal, Scardicchio & Vivo 2009, 2011) and
    :func:`log_prob_all_positive` with ``method="auto"`` (Dean & Majumdar 2006, 2008, or the
    exact value for ``beta`` 1, 2 and ``n <= 400``). See ``docs/theory.md`` section 4.

    Examples
    --------
    >>> from rmt.index_theory import coin_flip_comparison
    >>> c = coin_flip_comparison(10**6)
    >>> f"{c.coin_log_prob:.2g}  {c.rmt_log_prob:.4g}"
    '-6.9e+05  -2.747e+11'
    >>> round(c.coin_variance), round(c.rmt_variance, 3), round(c.rmt_log10_prob / 1e11, 3)
    (250000, 1.645, -1.193)
    """
    n = check_int("n", n)
    beta = _check_variance_beta(beta)
    exact = n == 1 or (beta in (1, 2) and n <= _EXACT_N_MAX)
    return CoinFlipComparison(
        n=n,
        beta=beta,
        coin_variance=n / 4,
        rmt_variance=index_variance(n, beta),
        coin_log_prob=-n * math.log(2.0),
        rmt_log_prob=log_prob_all_positive(n, beta),
        rmt_log_prob_method="exact" if exact else "asymptotic",
    )
