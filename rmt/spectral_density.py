r"""Spectral densities and extreme eigenvalues of symmetric operators known through ``v -> A v``.

For a symmetric ``N x N`` matrix ``A`` with eigenpairs ``(lambda_i, u_i)`` (a neural network's
Hessian reached through Hessian-vector products, ``lambda v: net.hvp(w, v)``, say) the
spectral density is ``phi(x) = (1/N) sum_i delta(x - lambda_i)``, and every spectral average
is a normalised trace, ``int f(x) phi(x) dx = tr f(A) / N``.

``spectral_density(..., method="slq")``
    Stochastic Lanczos quadrature (SLQ; Ubaru, Chen & Saad 2017; Ghorbani, Krishnan & Xiao
    2019). Two facts combine.

    *Hutchinson's estimator.* For a Rademacher vector ``z`` (i.i.d. entries ``+-1``) and the
    unit vector ``v = z / sqrt(N)``,

    .. math:: E[v^T f(A) v] = \frac{1}{N} E[z^T f(A) z] = \frac{\operatorname{tr} f(A)}{N},
        \qquad
        \operatorname{Var}[v^T B v] = \frac{2}{N^2}
        \Bigl(\lVert B \rVert_F^2 - \sum_i B_{ii}^2\Bigr), \quad B = f(A).

    *Gauss quadrature.* ``v^T f(A) v = sum_i (u_i^T v)^2 f(lambda_i)`` is the integral of
    ``f`` against the probe's spectral measure ``mu_v = sum_i (u_i^T v)^2 delta_{lambda_i}``.
    ``s`` Lanczos steps from ``v`` give the tridiagonal ``T_s = Y diag(theta) Y^T``; its
    eigenvalues ``theta_k`` (Ritz values) and the weights ``tau_k = Y_{1k}^2`` are the nodes
    and weights of the ``s``-point Gauss rule of ``mu_v`` (Golub & Meurant 2010, Chapter 6):

    .. math:: v^T f(A) v \approx \sum_{k=1}^{s} \tau_k f(\theta_k) = e_1^T f(T_s) e_1,

    exact when ``f`` is a polynomial of degree at most ``2s - 1``.

    Averaging over ``n_v`` probes gives the estimate
    ``phi(x) ~ (1/n_v) sum_l sum_k tau_k^(l) delta(x - theta_k^(l))``, smoothed here by a
    Gaussian kernel for display, with standard errors across probes for every average.
``spectral_density(..., method="exact")``
    ``numpy.linalg.eigvalsh`` of the dense matrix assembled from ``matvec`` applied to the
    ``N`` basis vectors: the reference, for small ``N``, in the same result object.
``extreme_eigenvalues``
    The ``k`` algebraically smallest and/or largest eigenvalues by implicitly restarted
    Lanczos (ARPACK, through :func:`scipy.sparse.linalg.eigsh`).

References
----------
S. Ubaru, J. Chen and Y. Saad, "Fast estimation of tr(f(A)) via stochastic Lanczos
quadrature", SIAM J. Matrix Anal. Appl. 38, 1075-1099 (2017).

B. Ghorbani, S. Krishnan and Y. Xiao, "An investigation into neural net optimization via
Hessian eigenvalue density", ICML 2019, PMLR 97, 2232-2241 (arXiv:1901.10159).

M. F. Hutchinson, "A stochastic estimator of the trace of the influence matrix for Laplacian
smoothing splines", Commun. Stat. Simul. Comput. 19, 433-450 (1990).

G. H. Golub and G. Meurant, *Matrices, Moments and Quadrature with Applications*, Princeton
University Press (2010), Chapter 6.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.sparse.linalg
import xarray as xr

from ._threads import small_products
from ._validation import (
    check_count,
    check_int,
    check_positive_float,
    check_real_array,
    check_symmetric,
)
from .lanczos import apply_matmat, apply_matvec, check_steps, lockstep
from .random import as_generator, as_seed_sequence, child_generator, provenance

__all__ = ["ExtremeEigenvalues", "SpectralDensity", "extreme_eigenvalues", "spectral_density"]

_METHODS = ("slq", "exact")
_WHICH = ("both", "largest", "smallest")

#: Default number of Lanczos steps (capped at ``dim``). The Gauss rule is then exact for
#: polynomials of degree 159, enough to resolve features of about 1/80 of the spectral range,
#: at a cost of 80 products with ``A`` and ``O(80^2 N)`` for reorthogonalisation per probe;
#: Ghorbani et al. (2019) use 90.
_DEFAULT_STEPS = 80
#: Default number of probes. For large ``N`` one probe already averages over ``N`` eigenvectors
#: (the Hutchinson variance is ``O(1/N)``), so a handful suffices for the estimate; ten give a
#: standard error across probes with nine degrees of freedom (relative uncertainty about 24 %).
_DEFAULT_PROBES = 10
#: Default number of points of the grid on which the smoothed density is evaluated.
_DEFAULT_BINS = 512
#: The default grid reaches this many kernel widths beyond the extreme nodes, so the smoothed
#: density integrates to 1 up to ``erfc(4 / sqrt 2) / 2 ~ 3e-5`` on each side.
_GRID_MARGIN = 4.0
#: Largest number of kernel evaluations held in memory at once when smoothing.
_CHUNK = 1 << 22
#: Fewest Lanczos vectors ARPACK keeps (scipy's ``eigsh``: ``ncv = max(2 k + 1, 20)``).
_ARPACK_MIN_BASIS = 20


def _probe(root: np.random.SeedSequence, p: int,
           dim: int) -> tuple[np.ndarray, np.random.Generator]:
    """Probe ``p``: the unit Rademacher vector ``z / sqrt(dim)`` and the generator it came from
    (child ``p`` of ``root``; its later draws are the restart vectors of that probe)."""
    gen = child_generator(root, p)
    return (2.0 * gen.integers(0, 2, size=dim) - 1.0) / math.sqrt(dim), gen


def _gauss_rule(alpha: np.ndarray, beta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Nodes (ascending) and weights of the Gauss rule of the tridiagonal ``(alpha, beta)``."""
    if alpha.size == 1:
        return alpha.copy(), np.ones(1)
    theta, y = scipy.linalg.eigh_tridiagonal(alpha, beta)
    return theta, y[0] ** 2


def _assemble(product: Callable, dim: int) -> np.ndarray:
    """The dense matrix ``[A e_1, ..., A e_N]``, refused unless symmetric, then symmetrised."""
    columns = np.empty((dim, dim))
    unit = np.zeros(dim)
    for i in range(dim):
        unit[i] = 1.0
        columns[:, i] = product(unit)
        unit[i] = 0.0
    # A Hessian from automatic differentiation is symmetric only to rounding.
    columns = check_symmetric("matvec (the assembled matrix)", columns, rtol=1e-8)
    return 0.5 * (columns + columns.T)


def _mean_and_stderr(values: np.ndarray, sampled: bool) -> tuple[np.ndarray, np.ndarray]:
    """Mean over axis 0 and its standard error (NaN for one sample, 0 when nothing is random)."""
    n = values.shape[0]
    mean = values.mean(axis=0)
    if not sampled:
        return mean, np.zeros_like(mean)
    if n < 2:
        return mean, np.full_like(mean, np.nan)
    return mean, values.std(axis=0, ddof=1) / math.sqrt(n)


def _smooth(nodes: np.ndarray, weights: np.ndarray, grid: np.ndarray, width: float,
            scale: float) -> np.ndarray:
    """``scale * sum_i weights_i g_width(grid - nodes_i)`` for the Gaussian kernel ``g``."""
    keep = weights > 0
    nodes, weights = nodes[keep], weights[keep] * scale
    out = np.empty(grid.size)
    block = max(1, _CHUNK // max(nodes.size, 1))
    norm = 1.0 / (width * math.sqrt(2.0 * math.pi))
    for start in range(0, grid.size, block):
        z = (grid[start:start + block, None] - nodes[None, :]) / width
        out[start:start + block] = norm * (np.exp(-0.5 * z * z) @ weights)
    return out


@dataclass(frozen=True, eq=False)
class SpectralDensity:
    r"""The spectral density of a symmetric operator, as returned by :func:`spectral_density`.

    Attributes
    ----------
    nodes : numpy.ndarray, shape (probes, steps)
        Quadrature nodes: for ``"slq"`` row ``l`` holds the Ritz values ``theta_k`` of probe
        ``l`` (ascending); for ``"exact"`` the single row holds the eigenvalues of ``A``.
    weights : numpy.ndarray, shape (probes, steps)
        Gauss weights ``tau_k = (first component of the k-th eigenvector of T)^2``; each row
        sums to 1. For ``"exact"`` every weight is ``1/N``.
    grid : numpy.ndarray, shape (G,)
        Points at which ``density`` is evaluated.
    density : numpy.ndarray, shape (G,)
        The smoothed density
        ``(1/n_v) sum_l sum_k tau_k^(l) g(x - theta_k^(l))``, ``g`` the Gaussian of standard
        deviation ``kernel_width``.
    method : str
        ``"slq"`` or ``"exact"``.
    steps : int
        Lanczos steps per probe (``N`` for ``"exact"``).
    probes : int
        Number of probe vectors (1 for ``"exact"``).
    dim : int
        Size ``N`` of the operator.
    kernel_width : float
        Standard deviation of the smoothing kernel.
    seed : numpy.random.SeedSequence
        The root of the probes: probe ``l`` uses the keyed child
        ``rmt.random.child(seed, l)``. Passing it back as ``rng=`` with the same parameters
        reproduces the result; it is recorded (also for ``"exact"``, which draws nothing)
        in the provenance of :meth:`to_xarray`.

    Notes
    -----
    Every spectral average is the same computation: for a function ``f``, each probe gives
    ``sum_k tau_k f(theta_k)``, an estimate of ``tr f(A) / N``; the result is the mean over
    probes with the standard error ``std / sqrt(n_v)`` (sample standard deviation, ``ddof=1``;
    NaN for one probe, 0 for ``"exact"``). This standard error covers the probe-to-probe
    (Hutchinson) fluctuation, not the deterministic error of the ``s``-point quadrature, which
    vanishes for polynomials of degree ``< 2s`` and, for a step function such as
    ``1[x < c]``, is at most the larger weight of the two nodes on either side of ``c``
    (the Chebyshev-Markov-Stieltjes inequalities; G. Szegő, *Orthogonal Polynomials*,
    Section 3.41).
    """

    nodes: np.ndarray
    weights: np.ndarray
    grid: np.ndarray
    density: np.ndarray
    method: str
    steps: int
    probes: int
    dim: int
    kernel_width: float
    seed: np.random.SeedSequence

    def __post_init__(self):
        for name in ("nodes", "weights", "grid", "density"):
            getattr(self, name).flags.writeable = False

    @property
    def _sampled(self) -> bool:
        return self.method == "slq"

    def _counts(self, x, side: str) -> np.ndarray:
        x = check_real_array("x", x)
        # eigh_tridiagonal and eigvalsh return each row's nodes in ascending order.
        cumulative = np.concatenate(
            [np.zeros((self.probes, 1)), np.cumsum(self.weights, axis=1)], axis=1
        )
        return np.stack([
            cumulative[p, np.searchsorted(self.nodes[p], x, side=side)]
            for p in range(self.probes)
        ])

    def fraction_below(self, x) -> tuple[np.ndarray, np.ndarray]:
        r"""Estimated fraction of eigenvalues strictly below ``x``, with its standard error.

        Parameters
        ----------
        x : float or array_like
            Thresholds.

        Returns
        -------
        mean, stderr : numpy.ndarray, shape of ``x``
            ``mean`` averages ``sum_k tau_k 1[theta_k < x]`` over probes: an estimate of
            ``#{i : lambda_i < x} / N``. At ``x = 0`` it is the index fraction. ``stderr`` is
            the standard error across probes (see the class Notes).
        """
        mean, stderr = _mean_and_stderr(self._counts(x, "left"), self._sampled)
        return mean[()], stderr[()]

    def cdf(self, x) -> np.ndarray:
        r"""Estimated fraction of eigenvalues at most ``x`` (right-continuous), mean over probes."""
        return self._counts(x, "right").mean(axis=0)[()]

    def integrate(self, f: Callable[[np.ndarray], np.ndarray]) -> tuple[float, float]:
        r"""Estimate ``tr f(A) / N`` as ``mean_l sum_k tau_k^(l) f(theta_k^(l))``.

        Parameters
        ----------
        f : callable
            Vectorised real function, applied to the array of nodes.

        Returns
        -------
        mean, stderr : float
            The estimate and its standard error across probes.
        """
        if not callable(f):
            raise TypeError(f"f must be callable; got {type(f).__name__}")
        values = np.asarray(f(self.nodes), dtype=np.float64)
        if values.shape != self.nodes.shape:
            raise ValueError(
                f"f must return an array of the nodes' shape {self.nodes.shape}; "
                f"got {values.shape}"
            )
        mean, stderr = _mean_and_stderr(np.sum(self.weights * values, axis=1), self._sampled)
        return float(mean), float(stderr)

    def moments(self, k: int) -> tuple[float, float]:
        r"""Estimate the ``k``-th spectral moment ``tr(A^k) / N``, with its standard error.

        For ``"slq"`` with ``s`` steps and ``k <= 2s - 1`` each probe's value is exactly
        ``v^T A^k v`` (Gauss quadrature), so the only error is Hutchinson's.
        """
        k = check_int("k", k, 0)
        largest = float(np.max(np.abs(self.nodes))) if np.size(self.nodes) else 0.0
        if largest > 1 and k * math.log(largest) > math.log(np.finfo(np.float64).max):
            raise ValueError(f"k = {k}: the k-th power of the largest node |t| = {largest:.3g} "
                             f"overflows float64 (k <= "
                             f"{int(math.log(np.finfo(np.float64).max) / math.log(largest))})")
        return self.integrate(lambda t: t**k)

    def to_xarray(self) -> xr.Dataset:
        """The result as an :class:`xarray.Dataset`.

        Returns
        -------
        xarray.Dataset
            ``density`` over ``eigenvalue`` (the grid); ``nodes`` and ``weights`` over
            ``("probe", "node")``; in ``attrs`` the provenance
            (:func:`rmt.random.provenance`: library version, seed, and the method, dimension,
            steps, probes and kernel width), from which
            :func:`rmt.random.seed_from_provenance` gives :attr:`seed` back.
        """
        return xr.Dataset(
            data_vars={
                "density": (
                    ("eigenvalue",), np.array(self.density),
                    {"long_name": "spectral density smoothed by a Gaussian kernel",
                     "units": "1 / eigenvalue"},
                ),
                "nodes": (
                    ("probe", "node"), np.array(self.nodes),
                    {"long_name": "quadrature nodes (Ritz values or eigenvalues)",
                     "units": "eigenvalue"},
                ),
                "weights": (
                    ("probe", "node"), np.array(self.weights),
                    {"long_name": "Gauss quadrature weights (each probe sums to 1)",
                     "units": "1"},
                ),
            },
            coords={
                "eigenvalue": np.array(self.grid),
                "probe": np.arange(self.probes),
                "node": np.arange(self.steps),
            },
            attrs={
                "title": "Spectral density of a symmetric operator",
                "source": "rmt.spectral_density.spectral_density",
                **provenance(self.seed, method=self.method, dim=self.dim, steps=self.steps,
                             probes=self.probes, kernel_width=self.kernel_width),
                "probe_distribution": "rademacher / sqrt(dim)" if self._sampled else "none",
                "references": (
                    "Ubaru, Chen & Saad (2017), SIAM J. Matrix Anal. Appl. 38, 1075; "
                    "Ghorbani, Krishnan & Xiao (2019), ICML, arXiv:1901.10159"
                ),
            },
        )


def _check_grid(grid, bins) -> tuple[np.ndarray | None, int]:
    if grid is not None and bins is not None:
        raise ValueError("give grid or bins, not both")
    if grid is not None:
        grid = check_real_array("grid", grid)
        if grid.ndim != 1 or grid.size == 0:
            raise ValueError(f"grid must be a non-empty 1-D array; got shape {grid.shape}")
        return grid.copy(), grid.size
    bins = _DEFAULT_BINS if bins is None else check_count(
        "bins", bins, 2, bytes_each=2 * 8, what="the grid and the density (float64)")
    return None, bins


def spectral_density(
    matvec: Callable[[np.ndarray], np.ndarray],
    dim: int,
    *,
    method: str = "slq",
    steps: int | None = None,
    probes: int | None = None,
    grid=None,
    bins: int | None = None,
    kernel_width: float | None = None,
    matmat: Callable[[np.ndarray], np.ndarray] | None = None,
    rng=None,
) -> SpectralDensity:
    r"""The spectral density of a symmetric operator by stochastic Lanczos quadrature.

    Parameters
    ----------
    matvec : callable or scipy.sparse.linalg.LinearOperator
        ``v -> A v`` for a float vector of shape ``(dim,)``; ``A`` must be symmetric. A
        ``LinearOperator`` (callable as ``op(v)``) must have shape ``(dim, dim)``.
    dim : int
        Size ``N`` of the operator, at least 1.
    method : {"slq", "exact"}, default "slq"
        ``"slq"``: stochastic Lanczos quadrature (see Notes). ``"exact"``: eigenvalues of the
        dense matrix ``[A e_1, ..., A e_N]`` (``N`` products and ``O(N^3)`` work; a reference
        for small ``N``).
    steps : int, optional
        Lanczos steps ``s`` per probe, ``1 <= s <= N``; default ``min(N, 80)``. SLQ only.
    probes : int, optional
        Number ``n_v >= 1`` of probe vectors; default 10. SLQ only.
    grid : array_like, shape (G,), optional
        Points at which to evaluate the smoothed density. Default: ``bins`` equally spaced
        points from 4 kernel widths below the smallest node to 4 above the largest.
    bins : int, optional
        Number of points of the default grid (at least 2; default 512). Not with ``grid``.
    kernel_width : float, optional
        Standard deviation ``sigma > 0`` of the Gaussian smoothing kernel. Default
        ``(theta_max - theta_min) / min(s, 80)`` (``s = N`` for ``"exact"``), i.e. 1/80 of
        the spectral range at the default steps: about the resolution of an ``s``-point Gauss
        rule, whose nodes are ``O(range / s)`` apart; a kernel much narrower than that shows
        single Ritz values, not a density. (If all nodes coincide, the range is replaced by
        ``max(|theta|, 1)``.)
    matmat : callable, optional
        ``X -> A X`` for a float array ``X`` of shape ``(dim, k)`` whose columns are vectors,
        returning shape ``(dim, k)``: the convention of
        :meth:`scipy.sparse.linalg.LinearOperator.matmat` (``matmat=op.matmat``). Given,
        the probes run in lock-step: one call per Lanczos step on the ``k = probes`` current
        vectors (``matvec`` is then not called), and the result is that of the sequential
        probes up to the rounding of ``A X`` against ``A x`` column by column. Worth it for an
        operator whose products come cheaper in blocks, such as the ``hvp`` of
        :class:`fields.nn.MLP`, which takes the rows of a ``(k, dim)`` array:
        ``matmat=lambda x: net.hvp(w, x.T).T`` (the transposes are views). The bases of all
        probes are then held at once (``8 dim s`` bytes each). SLQ only.
    rng : None, int, numpy.random.SeedSequence or numpy.random.Generator
        Root of the probes (:func:`rmt.random.as_seed_sequence`). Probe ``l`` is drawn from
        the keyed child ``rmt.random.child(root, l)``, so it does not depend on ``probes`` or
        on the order of evaluation, and a seed reproduces the result exactly. The root is
        recorded as :attr:`SpectralDensity.seed`, fresh OS entropy included when ``rng`` is
        None.

    Returns
    -------
    SpectralDensity
        Nodes and weights per probe, the smoothed density on the grid, and methods for
        counts (:meth:`SpectralDensity.fraction_below`), moments and traces with standard
        errors across probes.

    Raises
    ------
    TypeError
        ``matvec`` or ``matmat`` not callable; ``dim``, ``steps``, ``probes`` or ``bins`` not
        integers; ``kernel_width`` not a real number; ``rng`` not a seed; ``grid`` not
        numeric.
    ValueError
        ``dim < 1``; ``steps`` outside ``[1, dim]``; ``probes < 1``; unknown ``method``;
        ``steps``, ``probes`` or ``matmat`` with ``method="exact"``; a ``LinearOperator`` whose
        shape is not ``(dim, dim)``; both ``grid`` and ``bins``; ``bins < 2``; a non-finite
        or empty ``grid``; ``kernel_width <= 0``; ``matvec`` or ``matmat`` returning the
        wrong shape or NaN/Inf; for ``"exact"``, an assembled matrix that is not symmetric. A
        ``dim``, ``steps``, ``probes`` or ``bins`` whose arrays would not fit in the memory
        available (:func:`rmt._validation.memory_limit`): the Lanczos basis of a probe
        (``8 dim s`` bytes; with ``matmat`` the bases of all probes at once,
        ``8 dim (s + 1)`` bytes per probe with the block product), the nodes and weights
        (``16 s`` per probe), the grid and density (``16`` per bin), for ``"exact"`` the
        dense matrix (``24 dim^2``).

    Notes
    -----
    For each probe ``l`` the start vector is Rademacher, ``v = z / sqrt(N)`` with
    ``z = 2 * gen.integers(0, 2, size=N) - 1`` and ``gen`` the generator of child ``l``.
    Rademacher rather than Gaussian probes because (i) ``|z|^2 = N`` exactly, so
    ``v^T f(A) v`` is an unbiased estimate of ``tr f(A) / N`` with no random normalisation,
    and (ii) its variance ``2 (||f(A)||_F^2 - sum_i f(A)_ii^2) / N^2`` is the smallest of
    all i.i.d. probe distributions (Hutchinson 1990); for Gaussian ``z`` it is
    ``2 ||f(A)||_F^2 / N^2``. On a diagonal operator Rademacher probes are exact.

    ``s`` steps of :func:`rmt.lanczos` (full reorthogonalisation) from ``v`` give
    ``T_s = Y diag(theta) Y^T`` (:func:`scipy.linalg.eigh_tridiagonal`), and the Gauss rule

    .. math:: v^T f(A) v \approx \sum_{k=1}^{s} \tau_k f(\theta_k), \qquad
              \tau_k = Y_{1k}^2, \qquad \sum_k \tau_k = 1,

    exact for polynomials of degree ``<= 2s - 1``; with ``s = N`` the nodes are the
    eigenvalues of ``A`` and ``tau_k = (u_k^T v)^2``. If the Krylov space becomes invariant
    (``A`` has fewer than ``s`` distinct eigenvalues seen by ``v``), the Lanczos recurrence
    restarts; the extra nodes then carry zero weight and the rule stays exact. The density
    estimate is

    .. math:: \hat\phi(x) = \frac{1}{n_v} \sum_{l=1}^{n_v} \sum_{k=1}^{s}
              \tau_k^{(l)} \, \frac{e^{-(x - \theta_k^{(l)})^2 / 2\sigma^2}}
              {\sqrt{2\pi}\,\sigma},

    and since the kernel ``g_x(t)`` is a smooth function of ``t``, ``phi_hat(x)`` estimates
    ``tr g_x(A) / N``, the exact spectral density smoothed by the same kernel.

    Cost per probe: ``s`` products with ``A`` and ``O(N s^2)`` for reorthogonalisation (one
    Gram-Schmidt pass per step, :mod:`rmt.lanczos`); memory ``O(N s)``, or ``O(N s n_v)``
    with ``matmat``, whose ``s`` block products replace the ``s n_v`` single ones. BLAS
    runs on one thread during the probes when ``N <= 2**22`` (:mod:`rmt._threads`: their
    products are too small for threads to pay).

    Ubaru, Chen & Saad (2017), SIAM J. Matrix Anal. Appl. 38, 1075; Ghorbani, Krishnan &
    Xiao (2019), ICML (arXiv:1901.10159).

    Examples
    --------
    >>> import numpy as np
    >>> from rmt.spectral_density import spectral_density
    >>> A = np.diag([-1.0, 0.5, 2.0, 3.0])
    >>> sd = spectral_density(lambda v: A @ v, 4, steps=4, probes=3, rng=0)
    >>> np.round(sd.nodes[0], 12)
    array([-1. ,  0.5,  2. ,  3. ])
    >>> mean, stderr = sd.fraction_below(0.0)  # Rademacher probes are exact on a diagonal A
    >>> round(float(mean), 12), round(float(stderr), 12)
    (0.25, 0.0)
    """
    if not callable(matvec):
        raise TypeError(f"matvec must be callable; got {type(matvec).__name__}")
    if matmat is not None and not callable(matmat):
        raise TypeError(f"matmat must be callable or None; got {type(matmat).__name__}")
    dim = check_int("dim", dim, 1)
    if isinstance(matvec, scipy.sparse.linalg.LinearOperator) and matvec.shape != (dim, dim):
        raise ValueError(f"matvec, a LinearOperator, must have shape ({dim}, {dim}); got "
                         f"{matvec.shape}")
    if not isinstance(method, str) or method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}; got {method!r}")
    if method == "exact":
        if steps is not None or probes is not None or matmat is not None:
            raise ValueError("steps, probes and matmat apply to method='slq' only; leave them "
                             "None")
        check_count("dim", dim, 1, bytes_each=3 * 8 * dim,
                    what="the dense matrix (dim x dim float64, its symmetrised copy and "
                         "eigvalsh's workspace)")
        steps, probes = dim, 1
    else:
        if steps is None:
            steps = min(dim, _DEFAULT_STEPS)
            check_count("dim", dim, 1, bytes_each=8 * (steps + 1),
                        what=f"the Lanczos basis of a probe ({steps} vectors of dim float64)")
        else:
            steps = check_steps(steps, dim, "the Lanczos basis of a probe")
        if matmat is None:
            per_probe, what = 2 * 8 * steps, f"the nodes and weights ({steps} of each per probe)"
        else:
            per_probe = 8 * (dim * (steps + 1) + 2 * steps)
            what = (f"the Lanczos bases of the probes in lock-step ({steps} vectors of dim "
                    f"float64 per probe, with the block product, the nodes and weights)")
        probes = check_count("probes", _DEFAULT_PROBES if probes is None else probes, 1,
                             bytes_each=per_probe, what=what)
    grid, bins = _check_grid(grid, bins)
    if kernel_width is not None:
        kernel_width = check_positive_float("kernel_width", kernel_width)
    root = as_seed_sequence(rng)

    if method == "exact":
        nodes = np.linalg.eigvalsh(_assemble(lambda v: apply_matvec(matvec, v, dim), dim))[None, :]
        weights = np.full((1, dim), 1.0 / dim)
    else:
        nodes = np.empty((probes, steps))
        weights = np.empty((probes, steps))
        with small_products(dim):
            if matmat is None:
                for p in range(probes):
                    start, gen = _probe(root, p, dim)
                    alpha, beta, _, _ = lockstep(
                        lambda block: apply_matvec(matvec, block[0], dim)[None], start[None],
                        steps, [gen])
                    nodes[p], weights[p] = _gauss_rule(alpha[0], beta[0])
            else:
                starts, gens = zip(*(_probe(root, p, dim) for p in range(probes)), strict=True)
                alpha, beta, _, _ = lockstep(lambda block: apply_matmat(matmat, block),
                                             np.array(starts), steps, gens)
                for p in range(probes):
                    nodes[p], weights[p] = _gauss_rule(alpha[p], beta[p])

    if kernel_width is None:
        spread = float(nodes.max() - nodes.min())
        if not spread > 0:
            spread = max(float(np.abs(nodes).max()), 1.0)
        kernel_width = spread / min(steps, _DEFAULT_STEPS)
    if grid is None:
        margin = _GRID_MARGIN * kernel_width
        grid = np.linspace(nodes.min() - margin, nodes.max() + margin, bins)
    density = _smooth(nodes.ravel(), weights.ravel(), grid, kernel_width, 1.0 / probes)
    return SpectralDensity(
        nodes=nodes, weights=weights, grid=grid, density=density, method=method, steps=steps,
        probes=probes, dim=dim, kernel_width=kernel_width, seed=root,
    )


@dataclass(frozen=True, eq=False)
class ExtremeEigenvalues:
    """Output of :func:`extreme_eigenvalues`.

    Attributes
    ----------
    smallest : numpy.ndarray, shape (k,), or None
        The ``k`` algebraically smallest eigenvalues, ascending (``smallest[0]`` is the
        minimum); None unless asked for. NaN where ARPACK did not converge.
    largest : numpy.ndarray, shape (k,), or None
        The ``k`` algebraically largest eigenvalues, descending (``largest[0]`` is the
        maximum); None unless asked for. NaN where ARPACK did not converge.
    converged : bool
        Whether every requested eigenvalue converged.
    matvecs : int
        Number of products with ``A`` used.
    """

    smallest: np.ndarray | None
    largest: np.ndarray | None
    converged: bool
    matvecs: int


def extreme_eigenvalues(
    matvec: Callable[[np.ndarray], np.ndarray],
    dim: int,
    *,
    k: int = 1,
    which: str = "both",
    tol: float = 0.0,
    maxiter: int | None = None,
    rng=None,
) -> ExtremeEigenvalues:
    r"""The ``k`` algebraically smallest and/or largest eigenvalues of a symmetric operator.

    Parameters
    ----------
    matvec : callable
        ``v -> A v`` for a float vector of shape ``(dim,)``; ``A`` must be symmetric.
    dim : int
        Size ``N`` of the operator, at least 1.
    k : int, default 1
        Number of eigenvalues at each requested end, ``1 <= k <= N``.
    which : {"both", "largest", "smallest"}, default "both"
        Which end(s) of the spectrum.
    tol : float, default 0.0
        Relative accuracy of the eigenvalues asked of ARPACK; 0 means machine precision.
    maxiter : int, optional
        Maximum number of ARPACK restarts (default ARPACK's, ``10 N``).
    rng : None, int, numpy.random.SeedSequence or numpy.random.Generator
        Source of the standard normal start vector, so that runs are reproducible.

    Returns
    -------
    ExtremeEigenvalues
        ``smallest`` (ascending) and/or ``largest`` (descending), ``converged`` and the number
        of products with ``A``.

    Raises
    ------
    TypeError
        ``matvec`` not callable; ``dim``, ``k`` or ``maxiter`` not integers; ``tol`` not a
        real number; ``rng`` not a seed.
    ValueError
        ``dim < 1``; ``k`` outside ``[1, dim]``; unknown ``which``; ``tol`` negative or not
        finite; ``maxiter`` outside ``[1, 2**31 - 1]`` (ARPACK's 32-bit counter); ``dim`` or
        ``k`` whose Lanczos basis (``16 dim max(20, 4 k)`` bytes, about) would not fit in
        the memory available (:func:`rmt._validation.memory_limit`); ``matvec`` returning
        the wrong shape or NaN/Inf; in the dense case (below), an assembled matrix that is not
        symmetric.

    Notes
    -----
    :func:`scipy.sparse.linalg.eigsh` (ARPACK's implicitly restarted Lanczos, Lehoucq,
    Sorensen & Yang 1998) on a :class:`scipy.sparse.linalg.LinearOperator`: ``which="LA"``
    or ``"SA"`` for one end, ``"BE"`` with ``2k`` eigenvalues (``k`` from each end) for
    both. ARPACK needs fewer eigenvalues than ``N``; when ``k`` (or ``2k``) is at least ``N``
    the dense matrix is assembled from ``N`` products and passed to ``eigvalsh``. If ARPACK
    stops before convergence, the eigenvalues are NaN and ``converged`` is False.

    Examples
    --------
    >>> import numpy as np
    >>> from rmt.spectral_density import extreme_eigenvalues
    >>> A = np.diag(np.arange(10.0) - 3.0)
    >>> res = extreme_eigenvalues(lambda v: A @ v, 10, k=2, rng=0)
    >>> np.round(res.smallest, 10).tolist(), np.round(res.largest, 10).tolist()
    ([-3.0, -2.0], [6.0, 5.0])
    """
    if not callable(matvec):
        raise TypeError(f"matvec must be callable; got {type(matvec).__name__}")
    dim = check_int("dim", dim, 1)
    check_count("dim", dim, 1, bytes_each=2 * 8 * min(dim, _ARPACK_MIN_BASIS),
                what=f"ARPACK's Lanczos basis (at least {_ARPACK_MIN_BASIS} vectors of dim "
                     f"float64, and as much workspace)")
    k = check_int("k", k, 1)
    if k > dim:
        raise ValueError(f"k must be at most dim = {dim}; got {k}")
    if not isinstance(which, str) or which not in _WHICH:
        raise ValueError(f"which must be one of {_WHICH}; got {which!r}")
    # ARPACK keeps about 2 * wanted + 1 vectors, and the dense route a dim x dim matrix: at
    # most 2 (2k + 1) vectors of dim float64 either way, with its workspace.
    check_count("k", k, 1, bytes_each=2 * 8 * 4 * dim,
                what="ARPACK's Lanczos basis (about 2 k + 1 vectors per end of dim float64, "
                     "with its workspace) or the dense matrix")
    tol = check_positive_float("tol", tol, allow_zero=True)
    if maxiter is not None:
        maxiter = check_int("maxiter", maxiter, 1, maximum=np.iinfo(np.int32).max,
                            why="ARPACK counts its restarts in a 32-bit integer")
    gen = as_generator(rng)

    count = 0

    def product(v: np.ndarray) -> np.ndarray:
        nonlocal count
        count += 1
        return apply_matvec(matvec, np.ravel(v), dim)

    wanted = 2 * k if which == "both" else k
    converged = True
    if wanted >= dim:
        values = np.linalg.eigvalsh(_assemble(product, dim))
        low, high = values[:k], values[::-1][:k]
    else:
        op = scipy.sparse.linalg.LinearOperator((dim, dim), matvec=product, dtype=np.float64)
        mode = {"both": "BE", "largest": "LA", "smallest": "SA"}[which]
        try:
            values = np.sort(scipy.sparse.linalg.eigsh(
                op, k=wanted, which=mode, tol=tol, maxiter=maxiter,
                v0=gen.standard_normal(dim), return_eigenvectors=False,
            ))
        except scipy.sparse.linalg.ArpackNoConvergence:
            values, converged = np.full(wanted, np.nan), False
        if which == "both":
            low, high = values[:k], values[k:][::-1]
        else:
            low, high = values, values[::-1]
    return ExtremeEigenvalues(
        smallest=np.array(low) if which in ("both", "smallest") else None,
        largest=np.array(high) if which in ("both", "largest") else None,
        converged=converged,
        matvecs=count,
    )
