"""Diagonal preconditioners, condition numbers and the convex / non-convex experiment.

A diagonal preconditioner ``D = diag(d)`` with ``d > 0`` is the change of variables
``theta = D^{-1/2} theta_hat``; it turns the Hessian ``H`` into the symmetric matrix
``D^{-1/2} H D^{-1/2}``, which is similar to ``D^{-1} H`` (the matrix that multiplies the
gradient in ``theta <- theta - eta D^{-1} grad f``). Three choices of ``d`` are compared
(Dauphin, de Vries & Bengio 2015; docs/theory.md section 6):

- Jacobi: ``d_i = |H_ii| = |sum_j lambda_j q_ij^2|``; estimated with one ``v * Hv`` per probe.
- Equilibration: ``d_i = ||H_i,:||_2 = sqrt(diag(H^2))_i``; estimated with one ``(Hv)^2`` per
  probe.
- Absolute value: ``d_i = diag(|H|)_i = sum_j |lambda_j| q_ij^2``; needs an eigendecomposition.

At a saddle the terms of ``sum_j lambda_j q_ij^2`` have both signs and can cancel, so the
Jacobi diagonal can be close to zero while the curvature along coordinate ``i`` is not;
equilibration cannot cancel because ``||H_i||^2 = sum_j lambda_j^2 q_ij^2``. By Jensen's
inequality (the weights ``q_ij^2`` sum to one over ``j``),
``|H_ii| <= diag(|H|)_i <= ||H_i,:||``.

Public functions
----------------
- :func:`jacobi_diagonal`, :func:`equilibration_diagonal`, :func:`abs_diagonal`: the three
  diagonals of a dense symmetric matrix (or a stack of them).
- :func:`estimate_jacobi`, :func:`estimate_equilibration`: stochastic estimates of the first
  two from Hessian-vector products only (Bekas, Kokiopoulou & Saad 2007).
- :func:`condition_number`, :func:`preconditioned_condition_number`: ``max|lambda| /
  min|lambda|`` before and after a diagonal scaling.
- :func:`log_guggenheimer_bound`: the log of the Guggenheimer–Edelman–Johnson (1995) upper
  bound on the condition number, which equilibration minimises over diagonal scalings.
- :func:`preconditioning_experiment`: the talk's convex versus non-convex comparison as an
  :class:`xarray.Dataset`.

References
----------
Y. N. Dauphin, H. de Vries and Y. Bengio, "Equilibrated adaptive learning rates for non-convex
optimization", NeurIPS 2015 (arXiv:1502.04390).

A. van der Sluis, "Condition numbers and equilibration of matrices", Numer. Math. 14 (1969)
14-23.

H. W. Guggenheimer, A. S. Edelman and C. R. Johnson, "A simple estimate of the condition number
of a linear system", College Math. J. 26 (1995) 2-5.

C. Bekas, E. Kokiopoulou and Y. Saad, "An estimator for the diagonal of a matrix", Appl. Numer.
Math. 57 (2007) 1214-1229.

F. Mezzadri, "How to generate random matrices from the classical compact groups", Notices
Amer. Math. Soc. 54 (2007) 592-604.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import scipy.stats
import xarray as xr

from ._validation import (
    check_count,
    check_int,
    check_memory,
    check_positive_float,
    check_real_array,
    check_square,
    check_symmetric,
)
from .ensembles import wishart
from .random import as_generator, as_seed_sequence, child_generator, provenance

__all__ = [
    "abs_diagonal",
    "condition_number",
    "equilibration_diagonal",
    "estimate_equilibration",
    "estimate_jacobi",
    "jacobi_diagonal",
    "log_guggenheimer_bound",
    "preconditioned_condition_number",
    "preconditioning_experiment",
]

_PROBES = ("gaussian", "rademacher")
_KINDS = ("convex", "non-convex")
_PRECONDITIONERS = ("none", "jacobi", "equilibration", "abs")
# Probes are drawn (and, with batched=True, passed to matvec) in blocks of at most this many
# numbers, so that memory stays bounded for large dim and many samples.
_BLOCK_ELEMENTS = 1 << 22


# --------------------------------------------------------------------------------------------
# Diagonals of a dense matrix
# --------------------------------------------------------------------------------------------
def jacobi_diagonal(H) -> np.ndarray:
    """Jacobi preconditioner: the absolute diagonal ``|H_ii|``.

    Parameters
    ----------
    H : array_like, shape (..., n, n)
        A real symmetric (or complex Hermitian) matrix, or a stack of them.

    Returns
    -------
    numpy.ndarray, shape (..., n)
        ``d_i = |H_ii|``.

    Raises
    ------
    TypeError
        If ``H`` is not numeric.
    ValueError
        If ``H`` is not square, is empty, contains NaN or Inf, or is not symmetric.

    Notes
    -----
    Writing ``H = Q diag(lambda) Q^T``, ``H_ii = sum_j lambda_j q_ij^2``. When ``H`` has
    eigenvalues of both signs (a saddle) the sum can cancel, so ``d_i`` can be near zero even
    though row ``i`` of ``H`` is large; ``1 / d_i`` then blows up (Dauphin, de Vries & Bengio
    2015, section 3).

    Examples
    --------
    >>> import numpy as np
    >>> from rmt.preconditioning import jacobi_diagonal
    >>> jacobi_diagonal(np.array([[0.0, 1.0], [1.0, -2.0]]))
    array([0., 2.])
    """
    H = check_symmetric("H", H)
    return np.abs(np.diagonal(H, axis1=-2, axis2=-1)).astype(np.float64)


def equilibration_diagonal(H) -> np.ndarray:
    """Equilibration preconditioner: the row 2-norms ``||H_i,:||``.

    Parameters
    ----------
    H : array_like, shape (..., n, n)
        A real symmetric (or complex Hermitian) matrix, or a stack of them.

    Returns
    -------
    numpy.ndarray, shape (..., n)
        ``d_i = ||H_i,:||_2 = sqrt((H^2)_ii) = sqrt(sum_j lambda_j^2 q_ij^2)``.

    Raises
    ------
    TypeError
        If ``H`` is not numeric.
    ValueError
        If ``H`` is not square, is empty, contains NaN or Inf, or is not symmetric.

    Notes
    -----
    Row equilibration goes back to van der Sluis (1969); Dauphin, de Vries & Bengio (2015)
    propose it for non-convex problems because the squared eigenvalues cannot cancel, and
    because ``E[(Hv)^2] = diag(H^2)`` for ``v ~ N(0, I)`` gives a cheap unbiased estimate
    (:func:`estimate_equilibration`). Since ``H^2 = |H|^2``, the equilibration diagonal of
    ``H`` and of ``|H|`` coincide. Each row is scaled by the power of two that brings its
    largest entry into ``[1/2, 1)`` before its entries are squared, and the norm scaled back
    (exact), so entries near ``1e300`` or ``1e-300`` neither overflow nor underflow.

    Examples
    --------
    >>> import numpy as np
    >>> from rmt.preconditioning import equilibration_diagonal
    >>> equilibration_diagonal(np.array([[0.0, 3.0], [3.0, 4.0]]))
    array([3., 5.])
    """
    H = check_symmetric("H", H)
    return _row_norms(H)


def _row_norms(H: np.ndarray) -> np.ndarray:
    """``||H_i,:||_2`` along the last axis, each row scaled by a power of two before squaring.

    The exponent is clamped at -1000 so that the factor ``2^-k`` stays finite (a row of
    subnormal entries is scaled by ``2^1000``). Wherever no square over- or underflows this
    gives the same numbers as :func:`numpy.linalg.norm`.
    """
    k = np.maximum(np.frexp(np.abs(H).max(axis=-1, keepdims=True))[1], -1000)
    return np.ldexp(np.linalg.norm(H * np.ldexp(1.0, -k), axis=-1), k[..., 0])


def abs_diagonal(H) -> np.ndarray:
    """The ideal non-convex preconditioner ``diag(|H|)``.

    Needs a full eigendecomposition (``numpy.linalg.eigh``, O(n^3) time, O(n^2) memory), so it
    is a reference for experiments, not a practical preconditioner for large problems.

    Parameters
    ----------
    H : array_like, shape (..., n, n)
        A real symmetric (or complex Hermitian) matrix, or a stack of them.

    Returns
    -------
    numpy.ndarray, shape (..., n)
        ``d_i = diag(|H|)_i = sum_j |lambda_j| |q_ij|^2`` where ``H = Q diag(lambda) Q^*``.

    Raises
    ------
    TypeError
        If ``H`` is not numeric.
    ValueError
        If ``H`` is not square, is empty, contains NaN or Inf, or is not symmetric.

    Notes
    -----
    ``|H| = Q diag(|lambda|) Q^*`` is the matrix absolute value: the Hessian with every
    negative curvature flipped to positive. Its diagonal is what Jacobi would be if the signs
    could not cancel (Dauphin, de Vries & Bengio 2015, section 3). For a positive
    semi-definite ``H`` it equals the Jacobi diagonal.

    Examples
    --------
    >>> import numpy as np
    >>> from rmt.preconditioning import abs_diagonal
    >>> np.round(abs_diagonal(np.array([[0.0, 1.0], [1.0, 0.0]])), 12)
    array([1., 1.])
    """
    H = check_symmetric("H", H)
    return _abs_diagonal(H)


def _abs_diagonal(H: np.ndarray) -> np.ndarray:
    w, V = np.linalg.eigh(H)
    return np.einsum("...ij,...j->...i", np.abs(V) ** 2, np.abs(w))


# --------------------------------------------------------------------------------------------
# Stochastic estimators from Hessian-vector products
# --------------------------------------------------------------------------------------------
def estimate_jacobi(
    matvec: Callable[[np.ndarray], np.ndarray],
    dim: int,
    n_samples: int = 100,
    *,
    probe: str = "gaussian",
    batched: bool = False,
    rng=None,
) -> np.ndarray:
    """Estimate the Jacobi diagonal ``|diag H|`` from products ``v -> H v``.

    Parameters
    ----------
    matvec : callable
        ``matvec(v)`` returns ``H v`` for a vector ``v`` of shape ``(dim,)``; with
        ``batched=True`` it receives a block of shape ``(dim, k)`` and returns ``H V`` of the
        same shape (one BLAS call for ``k`` probes).
    dim : int
        Dimension ``n`` of ``H``, at least 1.
    n_samples : int, default 100
        Number of probe vectors ``m``, at least 1.
    probe : {"gaussian", "rademacher"}
        Distribution of the probe entries: standard normal, or +-1 with probability 1/2.
    batched : bool, default False
        Whether ``matvec`` accepts blocks of probes. The probes, and so the estimate up to
        rounding, are the same either way.
    rng : None, int, numpy.random.SeedSequence or numpy.random.Generator
        Source of the probes (:func:`rmt.random.as_generator`).

    Returns
    -------
    numpy.ndarray, shape (dim,)
        ``|(1/m) sum_k v_k * (H v_k)|``.

    Raises
    ------
    TypeError
        If ``matvec`` is not callable, ``dim`` or ``n_samples`` is not an integer, ``batched``
        is not a bool, ``rng`` is not a seed, or ``matvec`` returns non-real values.
    ValueError
        If ``dim`` or ``n_samples`` is below 1, ``probe`` is unknown, or ``matvec`` returns an
        array of the wrong shape or with NaN or Inf.

    Notes
    -----
    ``E[v_i (Hv)_i] = sum_j H_ij E[v_i v_j] = H_ii`` whenever ``E[v v^T] = I`` (Bekas,
    Kokiopoulou & Saad 2007), so the mean is unbiased for ``diag H``; the absolute value is
    taken at the end. The variance of one term is

    - Gaussian: ``Var(v_i (Hv)_i) = 2 H_ii^2 + sum_{j != i} H_ij^2 = H_ii^2 + ||H_i,:||^2``
      (``H_ii v_i^2`` has variance ``2 H_ii^2``; the cross terms ``H_ij v_i v_j`` are
      uncorrelated with it and with each other and have variance ``H_ij^2``);
    - Rademacher: ``Var = sum_{j != i} H_ij^2`` (``v_i^2 = 1`` exactly).

    At a saddle ``H_ii`` can be small compared with ``||H_i,:||``, so the relative error of
    this estimate is largest exactly where Jacobi is already in trouble.

    Examples
    --------
    >>> import numpy as np
    >>> from rmt.preconditioning import estimate_jacobi
    >>> H = np.diag([1.0, -2.0, 3.0])
    >>> estimate_jacobi(lambda v: H @ v, 3, n_samples=10, rng=0, probe="rademacher")
    array([1., 2., 3.])
    """
    total = _probe_mean(matvec, dim, n_samples, rng, probe, batched, _jacobi_term)
    return np.abs(total)


def estimate_equilibration(
    matvec: Callable[[np.ndarray], np.ndarray],
    dim: int,
    n_samples: int = 100,
    *,
    probe: str = "gaussian",
    batched: bool = False,
    rng=None,
) -> np.ndarray:
    """Estimate the equilibration diagonal ``sqrt(diag(H^2))`` from products ``v -> H v``.

    Parameters
    ----------
    matvec : callable
        ``matvec(v)`` returns ``H v`` for a vector ``v`` of shape ``(dim,)``; with
        ``batched=True`` it receives a block of shape ``(dim, k)`` and returns ``H V``.
    dim : int
        Dimension ``n`` of ``H``, at least 1.
    n_samples : int, default 100
        Number of probe vectors ``m``, at least 1.
    probe : {"gaussian", "rademacher"}
        Distribution of the probe entries: standard normal, or +-1 with probability 1/2.
    batched : bool, default False
        Whether ``matvec`` accepts blocks of probes. The probes, and so the estimate up to
        rounding, are the same either way.
    rng : None, int, numpy.random.SeedSequence or numpy.random.Generator
        Source of the probes (:func:`rmt.random.as_generator`).

    Returns
    -------
    numpy.ndarray, shape (dim,)
        ``sqrt((1/m) sum_k (H v_k)^2)``.

    Raises
    ------
    TypeError
        If ``matvec`` is not callable, ``dim`` or ``n_samples`` is not an integer, ``batched``
        is not a bool, ``rng`` is not a seed, or ``matvec`` returns non-real values.
    ValueError
        If ``dim`` or ``n_samples`` is below 1, ``probe`` is unknown, or ``matvec`` returns an
        array of the wrong shape or with NaN or Inf.

    Notes
    -----
    ``E[(Hv)_i^2] = sum_jk H_ij H_ik E[v_j v_k] = (H^2)_ii = ||H_i,:||^2`` for any probe with
    ``E[v v^T] = I``: this is the identity behind Algorithm 1 (ESGD) of Dauphin, de Vries &
    Bengio (2015). The mean of the squares is unbiased; the square root is taken at the end.
    Per term,

    - Gaussian: ``(Hv)_i ~ N(0, ||H_i,:||^2)``, so ``Var((Hv)_i^2) = 2 ||H_i,:||^4``;
    - Rademacher: ``Var((Hv)_i^2) = 2 ||H_i,:||^4 - 2 sum_j H_ij^4`` (never larger).

    For Rademacher probes ``(v * Hv)^2 = (Hv)^2`` exactly, so with the same probes this
    estimate equals :func:`estimate_jacobi` computed with squares instead of signed terms.

    Examples
    --------
    >>> import numpy as np
    >>> from rmt.preconditioning import estimate_equilibration
    >>> H = np.diag([1.0, -2.0, 3.0])
    >>> estimate_equilibration(lambda v: H @ v, 3, n_samples=10, rng=0, probe="rademacher")
    array([1., 2., 3.])
    """
    mean_square = _probe_mean(matvec, dim, n_samples, rng, probe, batched, _equilibration_term)
    return np.sqrt(mean_square)


def _jacobi_term(v: np.ndarray, hv: np.ndarray) -> np.ndarray:
    return v * hv


def _equilibration_term(v: np.ndarray, hv: np.ndarray) -> np.ndarray:
    return hv * hv


def _probe_mean(matvec, dim, n_samples, rng, probe, batched, term) -> np.ndarray:
    """Mean over ``n_samples`` probes of ``term(v, H v)``, after validating everything."""
    if not callable(matvec):
        raise TypeError(f"matvec must be callable (v -> H v); got {type(matvec).__name__}")
    dim = check_count("dim", dim, 1, bytes_each=8 * 4,
                      what="a probe, its product and the running sum (dim float64 each)")
    n_samples = check_int("n_samples", n_samples, 1)  # work only: probes come in blocks
    if not isinstance(probe, str) or probe not in _PROBES:
        raise ValueError(f"probe must be one of {_PROBES}; got {probe!r}")
    if not isinstance(batched, (bool, np.bool_)):
        raise TypeError(f"batched must be a bool; got {batched!r} ({type(batched).__name__})")
    gen = as_generator(rng)

    total = np.zeros(dim)
    block = max(1, min(n_samples, _BLOCK_ELEMENTS // dim))
    done = 0
    while done < n_samples:
        k = min(block, n_samples - done)
        # One probe per row; drawing a (k, dim) block consumes the stream exactly as k draws
        # of shape (dim,), so batched and unbatched runs see the same probes.
        if probe == "gaussian":
            v = gen.standard_normal((k, dim))
        else:
            v = np.where(gen.random((k, dim)) < 0.5, -1.0, 1.0)
        if batched:
            hv = _checked_output(matvec(v.T), (dim, k)).T
            total += term(v, hv).sum(axis=0)
        else:
            for row in v:
                total += term(row, _checked_output(matvec(row), (dim,)))
        done += k
    return total / n_samples


def _checked_output(out, shape: tuple[int, ...]) -> np.ndarray:
    out = check_real_array("matvec output", out)
    if out.shape != shape:
        raise ValueError(f"matvec must return an array of shape {shape}; got shape {out.shape}")
    return out


# --------------------------------------------------------------------------------------------
# Condition numbers and the Guggenheimer bound
# --------------------------------------------------------------------------------------------
def condition_number(H):
    """Condition number ``kappa(H) = max|lambda| / min|lambda|`` of a symmetric matrix.

    Parameters
    ----------
    H : array_like, shape (..., n, n)
        A real symmetric (or complex Hermitian) matrix, or a stack of them.

    Returns
    -------
    float or numpy.ndarray, shape (...)
        ``kappa >= 1``; ``inf`` when the smallest eigenvalue modulus is exactly zero (including
        the zero matrix). A matrix that is singular only up to rounding gives a large finite
        number, of order ``1 / eps``.

    Raises
    ------
    TypeError
        If ``H`` is not numeric.
    ValueError
        If ``H`` is not square, is empty, contains NaN or Inf, or is not symmetric.

    Notes
    -----
    For a symmetric matrix the singular values are the moduli of the eigenvalues, so this is
    the 2-norm condition number ``kappa = sigma_max / sigma_min`` of the talk (and of Dauphin,
    de Vries & Bengio 2015), computed from ``numpy.linalg.eigvalsh``.

    Examples
    --------
    >>> import numpy as np
    >>> from rmt.preconditioning import condition_number
    >>> float(condition_number(np.diag([4.0, -1.0, 2.0])))
    4.0
    """
    H = check_symmetric("H", H)
    return _condition_from_eigenvalues(np.linalg.eigvalsh(H))[()]


def preconditioned_condition_number(H, d):
    """Condition number of ``D^{-1/2} H D^{-1/2}`` with ``D = diag(d)``.

    Parameters
    ----------
    H : array_like, shape (..., n, n)
        A real symmetric (or complex Hermitian) matrix, or a stack of them.
    d : array_like, shape (..., n)
        Non-negative, finite preconditioner diagonal(s), broadcastable to ``H.shape[:-1]``.

    Returns
    -------
    float or numpy.ndarray, shape (...)
        ``max|mu| / min|mu|`` over the eigenvalues ``mu`` of ``D^{-1/2} H D^{-1/2}``.

    Raises
    ------
    TypeError
        If ``H`` or ``d`` is not numeric.
    ValueError
        If ``H`` is invalid (see :func:`condition_number`), or ``d`` has the wrong shape, is
        negative, NaN or Inf.

    Notes
    -----
    ``D^{-1/2} H D^{-1/2}`` is the Hessian after the change of variables
    ``theta = D^{-1/2} theta_hat``; it is similar to ``D^{-1} H``, so the two have the same
    eigenvalues, and this is ``kappa`` of the eigenvalues of ``D^{-1} H``.

    **Zeros in d.** A preconditioner entry ``d_i = 0`` asks for an infinite step along
    coordinate ``i``: the scaled matrix does not exist and the result is ``kappa = inf``,
    returned without any warning. This is the case the talk warns about: the Jacobi diagonal
    ``|H_ii|`` is exactly zero when the curvatures along coordinate ``i`` cancel at a saddle
    (:func:`jacobi_diagonal`). Likewise, if ``d`` spans so many decades that the scaled matrix
    overflows (``max d / min d`` beyond about ``1e300``), the result is ``inf``. Only the
    ratios of the ``d_i`` matter: ``kappa`` is unchanged when ``d`` is multiplied by a
    positive constant, and the computation first divides by ``max d``.

    Examples
    --------
    >>> import numpy as np
    >>> from rmt.preconditioning import preconditioned_condition_number
    >>> H = np.array([[100.0, 1.0], [1.0, 1.0]])
    >>> round(float(preconditioned_condition_number(H, np.diag(H))), 4)
    1.2222
    >>> float(preconditioned_condition_number(np.array([[0.0, 1.0], [1.0, 0.0]]), [0.0, 0.0]))
    inf
    """
    H = check_symmetric("H", H)
    d_arr = check_real_array("d", d, ndim_min=1)
    if d_arr.shape[-1] != H.shape[-1]:
        raise ValueError(
            f"d must have length n = {H.shape[-1]} along its last axis to match H of shape "
            f"{H.shape}; got shape {d_arr.shape}"
        )
    try:
        d_arr = np.broadcast_to(d_arr, H.shape[:-1])
    except ValueError:
        raise ValueError(
            f"d of shape {d_arr.shape} does not broadcast to H.shape[:-1] = {H.shape[:-1]}"
        ) from None
    if np.any(d_arr < 0):
        raise ValueError(f"d must be non-negative; got min(d) = {d_arr.min():.6g}")
    return _preconditioned_condition(H, d_arr)[()]


def _condition_from_eigenvalues(w: np.ndarray) -> np.ndarray:
    a = np.abs(w)
    top = a.max(axis=-1)
    bottom = a.min(axis=-1)
    out = np.full(np.shape(top), np.inf)
    np.divide(top, bottom, out=out, where=bottom > 0)
    return out


def _preconditioned_condition(H: np.ndarray, d: np.ndarray) -> np.ndarray:
    """kappa(D^{-1/2} H D^{-1/2}) for validated H (..., n, n) and d >= 0 of shape (..., n)."""
    top = d.max(axis=-1, keepdims=True)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore", under="ignore"):
        r = 1.0 / np.sqrt(d / top)
        M = r[..., :, None] * H * r[..., None, :]
    bad = np.any(d == 0, axis=-1) | ~np.all(np.isfinite(M), axis=(-2, -1))
    if np.any(bad):
        M = np.where(bad[..., None, None], np.eye(H.shape[-1], dtype=M.dtype), M)
    kappa = _condition_from_eigenvalues(np.linalg.eigvalsh(M))
    return np.where(bad, np.inf, kappa)


def log_guggenheimer_bound(A):
    """Natural log of the Guggenheimer–Edelman–Johnson bound on the condition number.

    Parameters
    ----------
    A : array_like, shape (..., n, n)
        Any square real or complex matrix (or stack); symmetry is not required, so that the
        bound can be evaluated for a left-scaled ``D^{-1} H``.

    Returns
    -------
    float or numpy.ndarray, shape (...)
        ``log 2 - log|det A| + n log(||A||_F / sqrt(n))``; ``+inf`` when ``det A = 0``.

    Raises
    ------
    TypeError
        If ``A`` is not numeric.
    ValueError
        If ``A`` is not square, is empty or contains NaN or Inf.

    Notes
    -----
    For non-singular ``A`` (Guggenheimer, Edelman & Johnson 1995)

    ``kappa_2(A) = sigma_max / sigma_min < (2 / |det A|) (||A||_F / sqrt(n))^n``.

    The right side overflows easily, so it is evaluated in log space: ``numpy.linalg.slogdet``
    for the determinant and ``||A||_F = s ||A / s||_F`` with ``s = max|A_ij|``.

    **Which scaling minimises it.** For a left scaling ``D^{-1} A`` with ``D = diag(d)``,
    ``d > 0``, write ``r_i = ||A_i,:||`` and ``u_i = r_i^2 / d_i^2``. Then

    ``bound(D^{-1} A) = log 2 - log|det A| + sum_i log r_i
    + (n/2) [log(mean_i u_i) - mean_i log u_i]``,

    and the bracket is ``>= 0`` by the AM-GM inequality, with equality iff all ``u_i`` are
    equal. So row equilibration ``d = r`` (up to a constant) minimises the bound over all
    diagonal left scalings, with minimum ``log 2 - log|det A| + sum_i log ||A_i,:||``: this is
    the result of Dauphin, de Vries & Bengio (2015), in the spirit of van der Sluis (1969).

    For a symmetric ``H`` the preconditioned Hessian is the symmetric ``D^{-1/2} H D^{-1/2}``.
    Its determinant is that of ``D^{-1} H`` and, since ``1/(d_i d_j) <= (1/d_i^2 + 1/d_j^2)/2``,
    its Frobenius norm is no larger, so for every ``d > 0``

    ``log kappa(D^{-1/2} H D^{-1/2}) <= bound(D^{-1/2} H D^{-1/2}) <= bound(D^{-1} H)``

    and ``d = ||H_i,:||`` minimises the right-hand side. It does not in general minimise the
    middle term: that one is minimised by the *symmetric* equilibration, the ``d`` for which
    the rows of ``D^{-1/2} H D^{-1/2}`` have equal norms (obtained by iteration, not in
    closed form).

    Examples
    --------
    >>> import numpy as np
    >>> from rmt.preconditioning import log_guggenheimer_bound
    >>> round(float(np.exp(log_guggenheimer_bound(np.eye(3)))), 12)
    2.0
    >>> float(log_guggenheimer_bound(np.zeros((2, 2))))
    inf
    """
    A = check_square("A", A)
    n = A.shape[-1]
    sign, logabsdet = np.linalg.slogdet(A)
    scale = np.abs(A).max(axis=(-2, -1))
    safe = np.where(scale > 0, scale, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_fro = np.log(safe) + np.log(np.linalg.norm(A / safe[..., None, None], axis=(-2, -1)))
        bound = math.log(2.0) - logabsdet + n * (log_fro - 0.5 * math.log(n))
    return np.where(sign == 0, np.inf, bound)[()]


# --------------------------------------------------------------------------------------------
# The convex / non-convex experiment
# --------------------------------------------------------------------------------------------
def preconditioning_experiment(
    n: int = 100,
    n_matrices: int = 200,
    *,
    scale_sigma: float = 0.5,
    aspect: float = 2.0,
    rng=None,
) -> xr.Dataset:
    """Condition-number reduction by Jacobi, equilibration and ``|H|`` on random Hessians.

    Our protocol, in the spirit of Fig. 1 of Dauphin, de Vries & Bengio (2015) (not their code;
    their exact generator is not reproduced here). For each replicate ``matrix``:

    1. ``Q`` is Haar-distributed on O(n) (:data:`scipy.stats.ortho_group`; Mezzadri 2007).
    2. Eigenvalue magnitudes ``|lambda|`` are the eigenvalues of a Wishart matrix
       ``X X^T / p`` with ``X`` an ``n x p`` standard Gaussian matrix, ``p = ceil(aspect n)``:
       a Marchenko–Pastur spectrum on about ``[(1 - c^{1/2})^2, (1 + c^{1/2})^2]``,
       ``c = 1/aspect``, the spectrum of a Gauss–Newton / least-squares Hessian, whose condition
       number tends to ``((1 + c^{1/2}) / (1 - c^{1/2}))^2`` (about 34 for the default
       ``aspect = 2``).
    3. ``A_convex = Q diag(|lambda|) Q^T``; ``A_non-convex = Q diag(s |lambda|) Q^T`` with
       i.i.d. signs ``s_j = +-1`` with probability 1/2 (a saddle of index about ``n/2``): the
       same eigenvectors and the same magnitudes, only the signs differ.
    4. A bad row/column scaling ``S = diag(exp(scale_sigma z))``, ``z ~ N(0, I)``, shared by
       both kinds: ``H = S A S``. This is what a diagonal preconditioner is able to undo.
    5. For each kind and each ``d`` in ``none`` (``d = 1``), ``jacobi`` (``|diag H|``),
       ``equilibration`` (row norms) and ``abs`` (``diag(|H|)``, via ``eigh``), record
       ``log10 kappa(D^{-1/2} H D^{-1/2})`` and the reduction
       ``log10(kappa(H) / kappa(D^{-1/2} H D^{-1/2}))`` (positive = better conditioned).

    The convex and non-convex matrices of one replicate differ only in the eigenvalue signs,
    so the comparison is paired.

    **Choice of scale_sigma.** With ``scale_sigma = 0.5`` the scaling ``s_i^2`` of ``H_ii``
    spreads the diagonal of ``H`` over about two decades. In the convex case the three
    preconditioners then undo it about equally (``abs`` equals Jacobi, since ``|H| = H``);
    in the non-convex case Jacobi suffers sign cancellation in
    ``H_ii = s_i^2 sum_j lambda_j q_ij^2``, whose relative size does not depend on
    ``scale_sigma``, and can make the condition number worse, while equilibration and
    ``|H|`` improve it: the talk's picture, "not much difference in the convex case, a
    sizable difference in the non-convex case". With ``scale_sigma = 0`` no preconditioner
    has anything to undo in the convex case, and Jacobi alone does harm in the non-convex one.
    What does depend on ``scale_sigma``: single-pass row equilibration undoes only part of a
    large scaling (when off-diagonal entries dominate row ``i``, ``||H_i,:||`` grows like
    ``s_i`` rather than ``s_i^2``), whereas Jacobi undoes all of it where the diagonal has not
    cancelled. So for large ``scale_sigma`` every method's reduction grows, Jacobi pulls ahead
    of equilibration in the convex case, and equilibration's lead over Jacobi in the
    non-convex case shrinks. The default is a moderate mis-scaling, where the effect the talk
    is about, and not the limits of single-pass equilibration, dominates; the other regimes
    are one argument away.

    Parameters
    ----------
    n : int, default 100
        Matrix dimension, at least 1.
    n_matrices : int, default 200
        Number of replicates, at least 1.
    scale_sigma : float, default 0.5
        Standard deviation of ``log s_i`` in the bad scaling ``S``; ``>= 0``.
    aspect : float, default 2.0
        Columns per row ``p / n`` of the Wishart matrix giving the magnitudes; ``>= 1``.
    rng : None, int, numpy.random.SeedSequence or numpy.random.Generator
        Root of the randomness (:func:`rmt.random.as_seed_sequence`). Replicate ``j`` uses
        the keyed child ``rmt.random.child(root, j)``, so its matrices do not depend on
        ``n_matrices`` and the same seed gives an identical dataset. A ``Generator`` is used
        only to draw the root entropy, which ``attrs`` records
        (:func:`rmt.random.seed_from_provenance` gives the root back).

    Returns
    -------
    xarray.Dataset
        Dimensions ``kind`` (``"convex"``, ``"non-convex"``), ``preconditioner``
        (``"none"``, ``"jacobi"``, ``"equilibration"``, ``"abs"``) and ``matrix``; data
        variables ``log10_condition`` and ``log10_reduction``; provenance, seed entropy and
        every parameter in ``attrs``.

    Raises
    ------
    TypeError
        If ``n`` or ``n_matrices`` is not an integer, ``scale_sigma`` or ``aspect`` is not a
        real number, or ``rng`` is not a seed.
    ValueError
        If ``n`` or ``n_matrices`` is below 1, ``scale_sigma`` is negative or not finite, or
        ``aspect`` is below 1 or not finite.

    Examples
    --------
    >>> from rmt.preconditioning import preconditioning_experiment
    >>> ds = preconditioning_experiment(n=20, n_matrices=5, rng=1)
    >>> dict(ds.sizes)
    {'kind': 2, 'preconditioner': 4, 'matrix': 5}
    """
    n = check_int("n", n, 1)
    n_matrices = check_count("n_matrices", n_matrices, 1, bytes_each=8 * 2 * len(_KINDS)
                             * len(_PRECONDITIONERS), what="the condition numbers and reductions")
    scale_sigma = check_positive_float("scale_sigma", scale_sigma, allow_zero=True)
    aspect = check_positive_float("aspect", aspect)
    if aspect < 1:
        raise ValueError(f"aspect must be >= 1 (a non-singular Wishart matrix); got {aspect:g}")
    p = math.ceil(aspect * n)
    check_memory(f"n = {n} and aspect = {aspect:g}", 8 * len(_KINDS) * (4 * n * n + n * p),
                 "the two matrices of one draw, their eigenvectors and the Wishart factor")
    root = as_seed_sequence(rng)

    log10_condition = np.empty((len(_KINDS), len(_PRECONDITIONERS), n_matrices))
    for j in range(n_matrices):
        H = _experiment_matrices(child_generator(root, j), n, p, scale_sigma)
        w, V = np.linalg.eigh(H)
        d = np.stack(
            [
                np.abs(np.diagonal(H, axis1=-2, axis2=-1)),
                _row_norms(H),
                np.einsum("kij,kj->ki", V**2, np.abs(w)),
            ],
            axis=1,
        )
        kappa = np.concatenate(
            [_condition_from_eigenvalues(w)[:, None], _preconditioned_condition(H[:, None], d)],
            axis=1,
        )
        log10_condition[:, :, j] = np.log10(kappa)

    ds = xr.Dataset(
        data_vars={
            "log10_condition": (
                ("kind", "preconditioner", "matrix"),
                log10_condition,
                {
                    "long_name": "log10 of the condition number max|mu|/min|mu| of "
                    "D^{-1/2} H D^{-1/2}",
                    "units": "1",
                },
            ),
            "log10_reduction": (
                ("kind", "preconditioner", "matrix"),
                log10_condition[:, :1, :] - log10_condition,
                {
                    "long_name": "log10(kappa(H) / kappa(D^{-1/2} H D^{-1/2})); positive means "
                    "better conditioned",
                    "units": "1",
                },
            ),
        },
        coords={
            "kind": list(_KINDS),
            "preconditioner": list(_PRECONDITIONERS),
            "matrix": np.arange(n_matrices),
        },
        attrs={
            "title": "Diagonal preconditioning of convex and non-convex random Hessians",
            "source": "rmt.preconditioning.preconditioning_experiment",
            **provenance(root, n=n, n_matrices=n_matrices, scale_sigma=scale_sigma,
                         aspect=aspect),
            "wishart_columns": p,
            "protocol": (
                "H = S A S; S = diag(exp(scale_sigma z)); A = Q diag(lambda) Q^T, Q Haar on "
                "O(n); |lambda| = eigenvalues of X X^T / p, X n x p Gaussian; convex: lambda = "
                "|lambda|, non-convex: i.i.d. random signs; paired (same Q, |lambda|, S)"
            ),
            "preconditioners": (
                "none: d = 1; jacobi: d = |diag H|; equilibration: d = row 2-norms of H; "
                "abs: d = diag(|H|) from eigh"
            ),
            "condition_number": "max|mu| / min|mu| of D^{-1/2} H D^{-1/2} (eigvalsh)",
            "references": (
                "Dauphin, de Vries & Bengio (2015), NeurIPS, arXiv:1502.04390; "
                "van der Sluis (1969), Numer. Math. 14"
            ),
        },
    )
    return ds


def _experiment_matrices(gen: np.random.Generator, n: int, p: int, sigma: float) -> np.ndarray:
    """The convex and non-convex ``H = S A S`` of one replicate, stacked as (2, n, n)."""
    q = scipy.stats.ortho_group.rvs(n, random_state=gen) if n > 1 else np.ones((1, 1))
    magnitudes = np.abs(np.linalg.eigvalsh(wishart(n, p, rng=gen)))
    signs = np.where(gen.random(n) < 0.5, -1.0, 1.0)
    s = np.exp(sigma * gen.standard_normal(n))
    lam = np.stack([magnitudes, signs * magnitudes])
    A = (q * lam[:, None, :]) @ q.T
    A = 0.5 * (A + np.swapaxes(A, -1, -2))
    return s[:, None] * A * s[None, :]
