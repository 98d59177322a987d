r"""Local statistics of a spectrum that need no unfolding: ratios of consecutive spacings.

For sorted eigenvalues :math:`\lambda_1 \le \dots \le \lambda_n` with spacings
:math:`s_i = \lambda_{i+1} - \lambda_i`, the ratio of consecutive spacings
:math:`r_i = s_{i+1} / s_i` does not depend on the local density of states, so it compares the
local statistics of spectra whose global densities differ (a network Hessian against the GOE)
without unfolding (Oganesyan & Huse 2007, Phys. Rev. B 75, 155111). The statistic used is

.. math:: \tilde r_i = \frac{\min(s_i, s_{i+1})}{\max(s_i, s_{i+1})} \in [0, 1].

Its law for :math:`3 \times 3` Gaussian matrices of Dyson index :math:`\beta`, the *surmise*
(Atas, Bogomolny, Giraud & Roux 2013, Phys. Rev. Lett. 110, 084101), is

.. math:: P_\beta(r) = \frac{1}{Z_\beta} \frac{(r + r^2)^\beta}{(1 + r + r^2)^{1 + 3\beta/2}},
          \qquad r \in [0, \infty),

with :math:`Z_1 = 8/27`, :math:`Z_2 = 4\pi / (81\sqrt3)`, :math:`Z_4 = 4\pi / (729\sqrt3)`;
:math:`\tilde r` has density :math:`2 P_\beta(\tilde r)` on :math:`[0, 1]` (the law of
:math:`r` is invariant under :math:`r \to 1/r`). Its mean is exact for :math:`3 \times 3`
matrices; for large matrices the means of :math:`\tilde r` are 0.5307, 0.5996 and 0.6744
(Atas et al. 2013, Table 1, from large-N numerics), and for independent levels (Poisson)
:math:`2 \ln 2 - 1 \approx 0.3863` exactly, at every n.
"""

from __future__ import annotations

import math

import numpy as np

from ._validation import check_beta, check_int, check_real_array

__all__ = ["SPACING_RATIO_MEANS", "spacing_ratio_density", "spacing_ratio_mean",
           "spacing_ratios", "surmise_mean"]

#: Large-N means of the spacing ratio r~ (Atas et al. 2013, Table 1; Poisson exact).
SPACING_RATIO_MEANS = {"goe": 0.5307, "gue": 0.5996, "gse": 0.6744,
                       "poisson": 2 * math.log(2) - 1}

_Z = {1.0: 8 / 27, 2.0: 4 * math.pi / (81 * math.sqrt(3)), 4.0: 4 * math.pi / (729 * math.sqrt(3))}


def spacing_ratios(eigenvalues) -> np.ndarray:
    r"""The ratios :math:`\tilde r_i = \min(s_i, s_{i+1}) / \max(s_i, s_{i+1})` of a spectrum.

    Parameters
    ----------
    eigenvalues : array_like, shape ``batch + (n,)``
        Eigenvalues along the last axis (sorted here), ``n >= 3``; remove outliers and a null
        space first when only the bulk is meant.

    Returns
    -------
    numpy.ndarray, shape ``batch + (n - 2,)``
        One ratio per pair of consecutive spacings, in ``[0, 1]`` (0 where one of the two
        spacings is zero, a repeated eigenvalue).

    Raises
    ------
    ValueError
        Fewer than 3 eigenvalues, non-finite ones, or two consecutive zero spacings (three equal
        eigenvalues), where the ratio is undefined.

    Examples
    --------
    >>> import numpy as np
    >>> import rmt
    >>> rmt.spacing_ratios([0.0, 1.0, 3.0, 4.0])
    array([0.5, 0.5])
    """
    ev = check_real_array("eigenvalues", eigenvalues, ndim_min=1)
    if ev.shape[-1] < 3:
        raise ValueError(f"eigenvalues must hold at least 3 values along the last axis; got "
                         f"shape {ev.shape}")
    s = np.diff(np.sort(ev, axis=-1), axis=-1)
    lo, hi = np.minimum(s[..., :-1], s[..., 1:]), np.maximum(s[..., :-1], s[..., 1:])
    if np.any(hi == 0):
        raise ValueError("eigenvalues repeat three times in a row somewhere: the ratio of two "
                         "zero spacings is undefined (remove the null space first)")
    return lo / hi


def spacing_ratio_mean(eigenvalues, *, blocks: int = 20) -> tuple[float, float]:
    r"""The mean of :math:`\tilde r` over one spectrum, with its standard error.

    Parameters
    ----------
    eigenvalues : array_like, shape (n,)
        One spectrum (or one part of it, such as a bulk), ``n >= blocks + 2``.
    blocks : int, default 20
        Number of contiguous batches of ratios for the standard error, at least 2.

    Returns
    -------
    mean, stderr : float
        The mean of the ``n - 2`` ratios of :func:`spacing_ratios`, and its standard error by
        batch means: the standard deviation of the means of ``blocks`` contiguous batches
        over ``sqrt(blocks)``. Neighbouring ratios share a spacing and are correlated, so the
        naive ``std / sqrt(n - 2)`` would misstate the error; batches much longer than the
        correlation length are nearly independent (Flyvbjerg & Petersen 1989, J. Chem. Phys.
        91, 461).

    Raises
    ------
    ValueError
        ``eigenvalues`` not one-dimensional, too few for ``blocks`` batches, or invalid for
        :func:`spacing_ratios`; ``blocks`` not an integer >= 2.

    Examples
    --------
    >>> import numpy as np, rmt
    >>> mean, se = rmt.spacing_ratio_mean(np.linalg.eigvalsh(rmt.goe(800, rng=0))[200:600])
    >>> bool(abs(mean - rmt.SPACING_RATIO_MEANS["goe"]) < 4 * se)
    True
    """
    blocks = check_int("blocks", blocks, 2)
    ev = check_real_array("eigenvalues", eigenvalues)
    if ev.ndim != 1 or ev.size < blocks + 2:
        raise ValueError(f"eigenvalues must be one spectrum of at least blocks + 2 = "
                         f"{blocks + 2} values; got shape {ev.shape}")
    r = spacing_ratios(ev)
    means = np.array([part.mean() for part in np.array_split(r, blocks)])
    return float(r.mean()), float(means.std(ddof=1) / math.sqrt(blocks))


def spacing_ratio_density(r, beta: float = 1) -> np.ndarray:
    r"""The surmise density of :math:`\tilde r` on ``[0, 1]``: :math:`2 P_\beta(r)` (module
    docstring; Atas et al. 2013), exact for :math:`3 \times 3` Gaussian matrices.

    Parameters
    ----------
    r : array_like
        Points in ``[0, 1]`` (0 outside).
    beta : {1, 2, 4}
        Dyson index.
    """
    beta = check_beta(beta, allowed=(1.0, 2.0, 4.0))
    r = check_real_array("r", r)
    inside = (r >= 0) & (r <= 1)
    rr = np.where(inside, r, 0.0)
    p = 2.0 / _Z[beta] * (rr + rr**2) ** beta / (1 + rr + rr**2) ** (1 + 1.5 * beta)
    return np.where(inside, p, 0.0)


def surmise_mean(beta: float = 1) -> float:
    r"""The mean of :math:`\tilde r` under the surmise: :math:`4 - 2\sqrt3` (beta = 1),
    :math:`2\sqrt3/\pi - 1/2` (2), :math:`32\sqrt3 / (15\pi) - 1/2` (4) (Atas et al. 2013)."""
    beta = check_beta(beta, allowed=(1.0, 2.0, 4.0))
    return {1.0: 4 - 2 * math.sqrt(3), 2.0: 2 * math.sqrt(3) / math.pi - 0.5,
            4.0: 32 * math.sqrt(3) / (15 * math.pi) - 0.5}[beta]
