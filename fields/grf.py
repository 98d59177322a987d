r"""Isotropic Gaussian random fields in any dimension, as frozen random-Fourier-feature surfaces.

A field is built once from ``M`` random Fourier features (Rahimi & Recht 2007): frequencies
``w_m`` drawn from the spectral measure of the kernel and phases ``b_m ~ U(0, 2 pi)``,

.. math:: g(y) = \sqrt{2 / M} \sum_{m=1}^{M} \cos(w_m \cdot y + b_m),
          \qquad E_{w, b}\, g(y) g(y') = C(|y - y'|^2),

and afterwards it is a deterministic function with exact derivatives. The value, gradient and
Hessian-vector product cost ``O(M N)`` per point (two or three BLAS matrix-vector products and
one fused pass over the ``M`` phases, :mod:`fields._grf_kernels`); the Hessian costs
``O(M N^2)`` (one BLAS matrix product).
"""

from __future__ import annotations

import math

import numpy as np

from rmt._validation import check_real_array
from rmt.random import as_generator

from . import _grf_kernels as _k
from ._limits import check_count, check_memory
from .local_law import SCALINGS

__all__ = ["GaussianField"]


#: Rows of a batch processed together: a chunk's ``(rows, M)`` phase array holds at most this
#: many numbers (16 MiB), so a large batch of points never allocates ``B x M`` at once.
_CHUNK_ELEMENTS = 1 << 21

_KERNEL_MEMBERS = ("covariance", "require", "sample_frequencies")


class GaussianField:
    r"""A frozen realisation of an isotropic Gaussian random field on ``R^dim``.

    Parameters
    ----------
    dim : int
        Dimension ``N >= 1``.
    kernel : fields.kernels.Kernel
        The covariance ``C(s)`` of the squared distance, ``C(0) = 1``: for example
        ``SquaredExponential(lengthscale)`` or ``Matern(nu, lengthscale)``. Any object with
        ``covariance(s)``, ``require(order, what)`` and ``sample_frequencies(dim, n, *, rng=None)``.
    n_features : int, default 8192
        Number ``M >= 1`` of random Fourier features.
    scaling : {"bray-dean", "unit"}, default "bray-dean"
        ``"unit"``: ``E f(x) f(y) = C(|x - y|^2)``. ``"bray-dean"``: the large-``N`` scaling of
        Bray & Dean, ``f(x) = sqrt(N) g(x / sqrt(N))``, so ``E f(x) f(y) = N C(|x - y|^2 / N)``
        and the energy density ``f / N`` has an ``O(1)`` landscape (``docs/theory.md`` section 7).
    rng : None, int, SeedSequence or Generator
        Source of the features, drawn here and never again: first the ``(M, N)`` frequencies
        (``kernel.sample_frequencies``), then the ``M`` phases.

    Attributes
    ----------
    dim, kernel, n_features, scaling
        As given.
    frequencies : numpy.ndarray, shape (M, N), read-only
        The frequencies ``W`` of the field as evaluated, with the Bray–Dean ``1/sqrt(N)``
        folded in.
    phases : numpy.ndarray, shape (M,), read-only
        The phases ``b``.
    amplitude : float
        ``a = sqrt(2 A / M)``, so that ``f(x) = a sum_m cos(W x + b)_m``.

    Raises
    ------
    TypeError
        ``dim`` or ``n_features`` not an integer; ``kernel`` without the members above.
    ValueError
        ``dim < 1``, ``n_features < 1``, a frequency matrix of more than 4 GiB
        (``8 n_features dim`` bytes), or an unknown ``scaling``.

    Notes
    -----
    **The field.** With ``A = L = 1`` (``"unit"``) or ``A = L = N`` (``"bray-dean"``),

    .. math:: f(x) = a \sum_m \cos(z_m), \quad z = W x + b, \quad a = \sqrt{2A/M},
              \quad W = \Omega / \sqrt{L},

    where the rows of ``Omega`` are i.i.d. from the spectral measure of ``C``. Averaged over the
    features ``E f(x) f(y) = A C(|x - y|^2 / L)`` exactly, for every ``M``
    (:meth:`covariance`). The derivatives are exact derivatives of this ``f``:

    .. math:: \nabla f = -a W^T \sin z, \qquad
              \nabla^2 f\, v = -a W^T (\cos z \odot W v), \qquad
              \nabla^2 f = -a W^T \operatorname{diag}(\cos z)\, W.

    **Which derivatives exist.** Each feature is smooth, so the feature model has derivatives
    of every order, but the ideal Gaussian field has a gradient only if ``C'(0)`` is finite
    and a Hessian only if ``C''(0)`` is (Matérn: ``nu > 1`` and ``nu > 2``). For a rougher
    kernel the feature derivatives exist but their statistics do not converge as ``M`` grows
    (``E |w|^2`` or ``E |w|^4`` is infinite), so :meth:`grad` and :meth:`value_and_grad` refuse
    kernels without a first derivative and :meth:`hvp` and :meth:`hess` kernels without a
    second one, with the ``ValueError`` of ``kernel.require``; :meth:`value` always works.

    **Error of the feature approximation.** Write ``s = |h|^2`` for ``h = y - y'`` (unit
    scaling; otherwise multiply covariances by ``A`` and divide ``s`` by ``L``). Given the
    frequencies and averaging over the phases only, the field is stationary with covariance
    ``C_W(h) = (1/M) sum_m cos(w_m . h)``; over the frequencies ``E C_W = C(s)`` and, from
    ``E cos^2(w . h) = (1 + C(4 s)) / 2``,

    .. math:: \operatorname{Var} C_W(h) = \frac{1 + C(4s) - 2 C(s)^2}{2M},

    zero at ``h = 0`` and ``1 / (2M)`` at large distances. The Rahimi–Recht estimate
    ``k(y, y') = (2/M) sum_m cos(w_m . y + b_m) cos(w_m . y' + b_m)`` (the feature inner
    product, whose mean is ``C(s)``) has, since ``2 cos(u) cos(u') = cos(u - u') + cos(u + u')``
    and the second term averages out over ``b``,

    .. math:: \operatorname{Var} k(y, y') = \frac{2 + C(4s) - 2 C(s)^2}{2M};

    at ``h = 0`` this is ``1 / (2M)``: the variance of the field at a point is 1 only on average
    over the features. The value at a point is a sum of ``M`` bounded i.i.d. terms, Gaussian
    only as ``M -> inf`` (excess kurtosis ``-3 / (2M)``). **Random features are not
    Gaussian**: the Hessian is a sum of ``M`` rank-one terms ``-a cos(z_m) w_m w_m^T``, so its
    statistics (a GOE plus a shift, ``docs/theory.md`` section 7) are approached only when ``M / N``
    is large; use ``M / N`` of a few hundred when comparing critical points with the theory.

    **Cost.** ``value``, ``grad``, ``value_and_grad`` and ``hvp``: ``O(M N)`` per point (BLAS
    matrix-vector products and one fused ``sin``/``cos`` pass). ``hess``: ``O(M N^2)``.
    Memory: the ``M x N`` frequency matrix.

    References
    ----------
    A. Rahimi and B. Recht, "Random features for large-scale kernel machines", NeurIPS 2007.
    A. J. Bray and D. S. Dean, "Statistics of critical points of Gaussian fields on
    large-dimensional spaces", Phys. Rev. Lett. 98, 150201 (2007).

    Examples
    --------
    >>> import numpy as np
    >>> from fields.grf import GaussianField
    >>> from fields.kernels import SquaredExponential
    >>> f = GaussianField(3, SquaredExponential(), n_features=1024, scaling="unit", rng=0)
    >>> f.dim, f.n_features, f.frequencies.shape
    (3, 1024, (1024, 3))
    >>> x = np.array([0.5, -1.0, 2.0])
    >>> value, grad = f.value_and_grad(x)
    >>> bool(np.isclose(value, f.value(x))), grad.shape
    (True, (3,))
    >>> f.grad(np.zeros((4, 3))).shape, f.hess(x).shape, f.hvp(x, np.eye(3)).shape
    ((4, 3), (3, 3), (3, 3))
    >>> bool(np.allclose(f.hvp(x, np.eye(3)), f.hess(x)))
    True
    >>> f.covariance(x, x + [1.0, 0.0, 0.0])  # exp(-1/2)
    0.6065306597126334
    """

    def __init__(self, dim: int, kernel, n_features: int = 8192, scaling: str = "bray-dean",
                 *, rng=None) -> None:
        dim = check_count("dim", dim, bytes_each=8, what="the frequencies")
        n_features = check_count("n_features", n_features, bytes_each=8 * dim,
                                 what=f"the (n_features, dim={dim}) frequency matrix")
        missing = [m for m in _KERNEL_MEMBERS if not callable(getattr(kernel, m, None))]
        if missing:
            raise TypeError(
                f"kernel must be a covariance kernel (such as fields.kernels.SquaredExponential)"
                f" with {', '.join(_KERNEL_MEMBERS)}; got {type(kernel).__name__} without "
                f"{', '.join(missing)}"
            )
        if not isinstance(scaling, str) or scaling not in SCALINGS:
            raise ValueError(f"scaling must be one of {SCALINGS}; got {scaling!r}")
        rng = as_generator(rng)
        omega = np.asarray(kernel.sample_frequencies(dim, n_features, rng=rng), dtype=np.float64)
        if omega.shape != (n_features, dim):
            raise ValueError(
                f"kernel.sample_frequencies returned shape {omega.shape}; expected "
                f"(n_features, dim) = {(n_features, dim)}"
            )
        phases = rng.uniform(0.0, 2.0 * np.pi, n_features)
        var_scale = float(dim) if scaling == "bray-dean" else 1.0
        frequencies = np.ascontiguousarray(omega / math.sqrt(var_scale))
        frequencies.flags.writeable = False
        phases.flags.writeable = False
        for name, value in (("_dim", dim), ("_kernel", kernel), ("_n_features", n_features),
                            ("_scaling", scaling), ("_scale", var_scale),
                            ("_w", frequencies), ("_b", phases),
                            ("_amp", math.sqrt(2.0 * var_scale / n_features)),
                            ("_chunk", max(1, _CHUNK_ELEMENTS // n_features))):
            object.__setattr__(self, name, value)

    def __setattr__(self, name, value):
        raise AttributeError(f"GaussianField is frozen; cannot set {name!r}")

    def __delattr__(self, name):
        raise AttributeError(f"GaussianField is frozen; cannot delete {name!r}")

    def __repr__(self) -> str:
        return (f"GaussianField(dim={self._dim}, kernel={self._kernel!r}, "
                f"n_features={self._n_features}, scaling={self._scaling!r})")

    # -- attributes -------------------------------------------------------------------------------
    @property
    def dim(self) -> int:
        """Number of coordinates ``N``."""
        return self._dim

    @property
    def kernel(self):
        """The covariance kernel ``C``."""
        return self._kernel

    @property
    def n_features(self) -> int:
        """Number of random Fourier features ``M``."""
        return self._n_features

    @property
    def scaling(self) -> str:
        """``"bray-dean"`` or ``"unit"``."""
        return self._scaling

    @property
    def frequencies(self) -> np.ndarray:
        """Read-only ``(M, N)`` frequencies ``W`` as evaluated (Bray–Dean factor included)."""
        return self._w

    @property
    def phases(self) -> np.ndarray:
        """Read-only ``(M,)`` phases ``b``."""
        return self._b

    @property
    def amplitude(self) -> float:
        """``sqrt(2 A / M)``: ``f(x) = amplitude * sum(cos(frequencies @ x + phases))``."""
        return self._amp

    # -- validation and shared passes -------------------------------------------------------------
    def _points(self, name: str, x) -> np.ndarray:
        x = check_real_array(name, x, ndim_min=1)
        if x.shape[-1] != self._dim:
            raise ValueError(
                f"{name} must have shape (dim,) or (..., dim) with dim = {self._dim}; "
                f"got shape {x.shape}"
            )
        return x

    def _chunks(self, rows: int):
        for start in range(0, rows, self._chunk):
            yield slice(start, min(start + self._chunk, rows))

    def _project(self, xs: np.ndarray) -> np.ndarray:
        """``x W^T`` for the rows of ``xs``: ``(B, M)``, C-contiguous, freshly allocated."""
        if xs.shape[0] == 1:  # one point: a matrix-vector product (gemv beats a 1-row gemm)
            return (self._w @ xs[0])[None, :]
        return xs @ self._w.T

    def _phase_args(self, xs: np.ndarray) -> np.ndarray:
        """``z = x W^T + b`` for the rows of ``xs``."""
        z = self._project(xs)
        z += self._b
        return z

    def _times_w(self, y: np.ndarray, out: np.ndarray) -> None:
        """``out = y W`` for ``(B, M)`` rows ``y``."""
        if y.shape[0] == 1:
            np.matmul(y[0], self._w, out=out[0])
        else:
            np.matmul(y, self._w, out=out)

    def _finite(self, out: np.ndarray, what: str) -> np.ndarray:
        """``out``, refused when it left the float range (a derivative of order ``k`` scales
        as ``lengthscale^-k``: a Hessian overflows below a lengthscale of about 1e-154)."""
        if not np.all(np.isfinite(out)):
            raise ValueError(
                f"the {what} of this field exceeds the float range: its entries scale as "
                f"|frequency|^k (kernel {self._kernel!r}); rescale the coordinates so that "
                f"the lengthscale is nearer 1"
            )
        return out

    def _value_and_grad_rows(self, xs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        values = np.empty(xs.shape[0])
        grads = np.empty(xs.shape)
        with np.errstate(over="ignore", invalid="ignore"):  # checked by _finite
            for rows in self._chunks(xs.shape[0]):
                z = self._phase_args(xs[rows])
                _k.cos_sums_and_sines(z, values[rows])
                self._times_w(z, grads[rows])
            grads *= -self._amp
        values *= self._amp
        return values, self._finite(grads, "gradient")

    # -- the Surface members ----------------------------------------------------------------------
    def value(self, x) -> float | np.ndarray:
        """Field value ``f(x) = a sum_m cos(w_m . x + b_m)``.

        Parameters
        ----------
        x : array_like, shape (dim,) or (..., dim)
            One point or a batch of points; finite.

        Returns
        -------
        float or numpy.ndarray of shape ``x.shape[:-1]``

        Raises
        ------
        ValueError
            ``x`` of the wrong shape or with NaN/Inf.
        """
        x = self._points("x", x)
        xs = x.reshape(-1, self._dim)
        values = np.empty(xs.shape[0])
        for rows in self._chunks(xs.shape[0]):
            _k.cos_sums(self._phase_args(xs[rows]), values[rows])
        values *= self._amp
        return float(values[0]) if x.ndim == 1 else values.reshape(x.shape[:-1])

    def grad(self, x) -> np.ndarray:
        """Gradient ``-a W^T sin(W x + b)``, shape of ``x``.

        Raises
        ------
        ValueError
            ``x`` of the wrong shape or with NaN/Inf; a kernel without a first derivative at
            0 (Matérn ``nu <= 1``).
        """
        x = self._points("x", x)
        self._kernel.require(1, "a gradient")
        return self._value_and_grad_rows(x.reshape(-1, self._dim))[1].reshape(x.shape)

    def value_and_grad(self, x) -> tuple[float | np.ndarray, np.ndarray]:
        """``(value(x), grad(x))`` for the price of one pass (one ``z``, fused ``cos``/``sin``).

        Raises
        ------
        ValueError
            As :meth:`grad`.
        """
        x = self._points("x", x)
        self._kernel.require(1, "a gradient")
        values, grads = self._value_and_grad_rows(x.reshape(-1, self._dim))
        if x.ndim == 1:
            return float(values[0]), grads[0]
        return values.reshape(x.shape[:-1]), grads.reshape(x.shape)

    def hvp(self, x, v) -> np.ndarray:
        """Hessian-vector product ``-a W^T (cos(W x + b) * (W v))``, exact.

        Parameters
        ----------
        x : array_like, shape (dim,) or (..., dim)
            Point(s).
        v : array_like, shape (dim,) or (..., dim)
            Vector(s); ``x`` and ``v`` broadcast against each other. One point with many
            vectors computes ``cos(W x + b)`` once.

        Returns
        -------
        numpy.ndarray, shape ``broadcast(x.shape, v.shape)``

        Raises
        ------
        ValueError
            ``x`` or ``v`` of the wrong shape or with NaN/Inf, shapes that do not broadcast,
            or a kernel without a second derivative at 0 (Matérn ``nu <= 2``).
        """
        x = self._points("x", x)
        v = self._points("v", v)
        try:
            shape = np.broadcast_shapes(x.shape, v.shape)
        except ValueError:
            raise ValueError(
                f"x and v must broadcast together; got shapes {x.shape} and {v.shape}"
            ) from None
        self._kernel.require(2, "a Hessian-vector product")
        # A single x (or v) is evaluated once and broadcast, not repeated per row.
        rows_total = math.prod(shape[:-1])
        if x.ndim == 1:
            cos_z = np.cos(self._phase_args(x[None, :]))
        else:
            xs = np.broadcast_to(x, shape).reshape(rows_total, self._dim)
        if v.ndim == 1:
            w_v = self._project(v[None, :])
        else:
            vs = np.broadcast_to(v, shape).reshape(rows_total, self._dim)
        out = np.empty((rows_total, self._dim))
        with np.errstate(over="ignore", invalid="ignore"):  # checked by _finite
            for rows in self._chunks(rows_total):
                if v.ndim == 1:
                    u = np.repeat(w_v, rows.stop - rows.start, axis=0)
                else:
                    u = self._project(vs[rows])
                u *= cos_z if x.ndim == 1 else np.cos(self._phase_args(xs[rows]))
                self._times_w(u, out[rows])
            out *= -self._amp
        return self._finite(out, "Hessian-vector product").reshape(shape)

    def hess(self, x) -> np.ndarray:
        """Hessian ``-a W^T diag(cos(W x + b)) W``, shape ``x.shape + (dim,)``, symmetric.

        One ``O(M N^2)`` BLAS product per point, symmetrised exactly.

        Raises
        ------
        ValueError
            ``x`` of the wrong shape or with NaN/Inf, or a kernel without a second derivative
            at 0 (Matérn ``nu <= 2``).
        """
        x = self._points("x", x)
        self._kernel.require(2, "a Hessian")
        xs = x.reshape(-1, self._dim)
        check_memory("x", 8 * self._dim * (xs.shape[0] * self._dim + self._n_features),
                     f"the Hessians at {xs.shape[0]} point(s) of a field of dim {self._dim}")
        out = np.empty((xs.shape[0], self._dim, self._dim))
        with np.errstate(over="ignore", invalid="ignore"):  # checked by _finite
            for i in range(xs.shape[0]):
                weights = np.cos(self._phase_args(xs[i:i + 1])[0])
                weights *= -self._amp
                h = (self._w.T * weights) @ self._w
                np.add(h, h.T, out=out[i])
                out[i] *= 0.5
        return self._finite(out, "Hessian").reshape(x.shape + (self._dim,))

    # -- theory -----------------------------------------------------------------------------------
    def covariance(self, x, y) -> float | np.ndarray:
        """Covariance of the ideal field, ``E f(x) f(y) = A C(|x - y|^2 / L)``.

        ``A = L = 1`` for ``"unit"`` and ``A = L = N`` for ``"bray-dean"``. This is the exact
        average over the features of ``f(x) f(y)``, for every ``M``.

        Parameters
        ----------
        x, y : array_like, shape (dim,) or (..., dim)
            Points; they broadcast against each other.

        Returns
        -------
        float or numpy.ndarray of the broadcast batch shape

        Raises
        ------
        ValueError
            Points of the wrong shape or with NaN/Inf.
        """
        x = self._points("x", x)
        y = self._points("y", y)
        s = np.sum(np.square(x - y), axis=-1) / self._scale
        return self._scale * self._kernel.covariance(s)
