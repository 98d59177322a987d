"""Counts too large to fit, booleans that are not booleans, bad values: refused at once.

Before the fix, of the counts of ``10**12`` given to the public callables of ``fields``, four
hung (``SphericalSpinGlass(100, p=10**12)`` forming ``100**(10**12)`` exactly, a mixture with
such a degree, ``layer_energies(3, k_max=10**12)``, ``Matern().derivative(s, 10**12)``),
``SphericalSpinGlass(100, p=160)`` raised OverflowError formatting its own message, and most
others reached numpy's allocator ("Unable to allocate 29.1 TiB") instead of a message naming
the count; booleans such as ``load_digits(return_images="yes")`` were silently taken as true.
"""

import contextlib
import inspect
import math
import re
import signal

import numpy as np
import pytest

import fields
import fields.bray_dean as bray_dean
import fields.data as data
import fields.nn as nn
import fields.saddles as saddles
import fields.spin_glass as spin_glass
from fields import (
    GaussianField,
    Matern,
    RandomQuadratic,
    SphericalSpinGlass,
    SquaredExponential,
    check_derivatives,
    grid_field,
    index_law,
    random_saddle,
    sample_hessian_given_value,
    sample_local,
)
from rmt import _validation

HUGE = 10**12
#: Seconds within which a refusal must come: no work is done before it.
AT_ONCE = 5.0

#: The memory bound the tests run under (the machine's available memory varies; the checks
#: read it from rmt._validation.memory_limit, pinned here so the stated maxima are exact).
LIMIT = 4 * 2**30


@pytest.fixture(autouse=True)
def _pinned_memory_limit(monkeypatch):
    monkeypatch.setattr(_validation, "memory_limit", lambda: LIMIT)


@contextlib.contextmanager
def within(seconds: float):
    """Fail (instead of hanging) when the block runs longer than ``seconds``."""
    def alarm(signum, frame):
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


X = np.random.default_rng(0).random((20, 4))
Y = np.arange(20) % 3

#: (what, call with one count of 10**12, the parameter its message must name)
HUGE_COUNTS = [
    ("GaussianField(dim)", lambda: GaussianField(HUGE, SquaredExponential(), n_features=4),
     "dim"),
    ("GaussianField(n_features)", lambda: GaussianField(3, SquaredExponential(), HUGE),
     "n_features"),
    ("Kernel.sample_frequencies(n)", lambda: Matern().sample_frequencies(2, HUGE), "n"),
    ("Kernel.sample_frequencies(dim)", lambda: Matern().sample_frequencies(HUGE, 2), "dim"),
    ("IndexLaw.finite_n(n_samples)",
     lambda: index_law(RandomQuadratic(10, rng=0)).finite_n(0.0, n_samples=HUGE), "n_samples"),
    ("IndexLaw.finite_n(n_samples), spin glass",
     lambda: index_law(SphericalSpinGlass(10, rng=0)).finite_n(0.0, n_samples=HUGE),
     "n_samples"),
    ("bray_dean.kac_rice_index(n_samples)",
     lambda: bray_dean.kac_rice_index(Matern(nu=3.5), 10, 0.0, n_samples=HUGE), "n_samples"),
    ("bray_dean.kac_rice_index(dim)",
     lambda: bray_dean.kac_rice_index(Matern(nu=3.5), HUGE, 0.0, n_samples=10), "dim"),
    ("spin_glass.kac_rice_index(n_samples)",
     lambda: spin_glass.kac_rice_index(3, 10, 0.0, n_samples=HUGE), "n_samples"),
    ("spin_glass.kac_rice_index(dim)",
     lambda: spin_glass.kac_rice_index(3, HUGE, 0.0, n_samples=10), "dim"),
    ("spin_glass.layer_energies(k_max)", lambda: spin_glass.layer_energies(3, HUGE), "k_max"),
    ("spin_glass.layer_energies(k_max), p = 2", lambda: spin_glass.layer_energies(2, HUGE),
     "k_max"),
    ("SphericalSpinGlass(dim)", lambda: SphericalSpinGlass(HUGE), "dim"),
    ("SphericalSpinGlass(p)", lambda: SphericalSpinGlass(100, p=HUGE), "p"),
    ("SphericalSpinGlass(mixture)", lambda: SphericalSpinGlass(10, mixture={2: 1.0, HUGE: 1.0}),
     "degrees"),
    ("SphericalSpinGlass(mixture, zero weight)",
     lambda: SphericalSpinGlass(10, mixture={2: 1.0, HUGE: 0.0}), "degrees"),
    ("RandomQuadratic(dim)", lambda: RandomQuadratic(HUGE), "dim"),
    ("random_saddle(dim)", lambda: random_saddle(HUGE, 1), "dim"),
    ("check_derivatives(n_directions)",
     lambda: check_derivatives(RandomQuadratic(3, rng=0), n_directions=HUGE), "n_directions"),
    ("grid_field(shape)", lambda: grid_field((HUGE,), SquaredExponential()), "shape"),
    ("grid_field(shape), 2-D", lambda: grid_field((HUGE, HUGE), SquaredExponential()), "shape"),
    ("grid_field(size)", lambda: grid_field((8,), SquaredExponential(), size=HUGE), "size"),
    ("sample_local(dim)", lambda: sample_local(SquaredExponential(), HUGE), "dim"),
    ("sample_local(size)", lambda: sample_local(SquaredExponential(), 3, size=HUGE), "size"),
    ("sample_hessian_given_value(dim)",
     lambda: sample_hessian_given_value(SquaredExponential(), HUGE, 0.0), "dim"),
    ("sample_hessian_given_value(size)",
     lambda: sample_hessian_given_value(SquaredExponential(), 3, 0.0, size=HUGE), "size"),
    ("MLP(layers), input", lambda: nn.MLP([HUGE, 3], data=(X, Y)), "layers"),
    ("MLP(layers), hidden", lambda: nn.MLP([4, HUGE, 3], data=(X, Y)), "layers"),
    ("Autoencoder(layers)", lambda: nn.Autoencoder(X, layers=[3, HUGE]), "layers"),
    ("make_curves(n)", lambda: data.make_curves(HUGE), "n"),
    ("make_curves(size)", lambda: data.make_curves(2, size=HUGE), "size"),
    ("make_curves(n_control)", lambda: data.make_curves(2, n_control=HUGE), "n_control"),
    ("resize_images(size)", lambda: data.resize_images(np.ones((2, 4, 4)), (HUGE, 2)), "size"),
    ("resize_images(size), bilinear",
     lambda: data.resize_images(np.ones((2, 4, 4)), (HUGE, 2), method="bilinear"), "size"),
    # Refused from the known number of images, before the (missing) files are looked for.
    ("load_mnist(size)", lambda: data.load_mnist("no-such-folder", size=(HUGE, HUGE)), "size"),
    ("load_cifar10(size)", lambda: data.load_cifar10("no-such-folder", size=(HUGE, 2)), "size"),
]


@pytest.mark.parametrize("call, name", [case[1:] for case in HUGE_COUNTS],
                         ids=[case[0] for case in HUGE_COUNTS])
def test_a_count_of_ten_to_the_twelve_is_refused_at_once(call, name):
    with within(AT_ONCE), pytest.raises(ValueError) as refused:
        call()
    message = str(refused.value)
    assert re.search(rf"\b{name}\b", message), message
    # The message says what the count would need, or what it would cost.
    assert re.search(r"GiB|MiB|entries|points|root find", message), message


@pytest.mark.parametrize("call, bytes_each", [
    (lambda n: GaussianField(3, SquaredExponential(), n_features=n), 8 * 3),
    (lambda n: Matern().sample_frequencies(5, n), 8 * 5),
    (lambda n: data.make_curves(n), 8 * 28 * 28),
], ids=["GaussianField(n_features)", "sample_frequencies(n)", "make_curves(n)"])
def test_the_stated_maximum_is_the_largest_count_that_fits(call, bytes_each):
    with pytest.raises(ValueError, match=r"must be an integer <= (\d+)") as refused:
        call(HUGE)
    maximum = int(re.search(r"<= (\d+)", str(refused.value)).group(1))
    assert maximum * bytes_each <= LIMIT < (maximum + 1) * bytes_each
    with pytest.raises(ValueError, match=r"<= \d+"):
        call(maximum + 1)


def test_counts_that_fit_are_still_accepted():
    assert GaussianField(3, SquaredExponential(), n_features=64, rng=0).n_features == 64
    assert spin_glass.layer_energies(3, 20).shape == (21,)
    assert spin_glass.layer_energies(2, 10**5).shape == (10**5 + 1,)
    est = bray_dean.kac_rice_index(Matern(nu=3.5), 10, [-1.0, 0.0], n_samples=50, rng=0)
    assert est.value.shape == (2,)
    assert data.make_curves(3, size=8, n_control=4, rng=0).shape == (3, 64)
    assert grid_field((64, 48), SquaredExponential(lengthscale=3.0), size=2, rng=0).shape == \
        (2, 64, 48)


# --------------------------------------------------------------- the spin glass's size -----


def test_spin_glass_p160_message_formats():
    # 100**160 = 1e320 entries: beyond the float range, so it is written from its logarithm.
    with within(AT_ONCE), pytest.raises(ValueError, match=r"about 1e\+320 entries") as refused:
        SphericalSpinGlass(100, p=160)
    assert "p = 160: no dim >= 2" in str(refused.value)


def test_spin_glass_enormous_degree_refused_at_once():
    with within(1.0), pytest.raises(ValueError, match=r"about 1e\+2000000000000 entries"):
        SphericalSpinGlass(100, p=10**12)


def test_spin_glass_size_limits_are_exact():
    # Entries: 322^3 <= 2^25 < 323^3; symmetrising work: 22 degrees of dim 2 fit, 23 do not.
    for dim, p, largest in ((323, 3, 322), (77, 4, 76), (33, 5, 32), (2, 23, None)):
        with pytest.raises(ValueError) as refused:
            SphericalSpinGlass(dim, p=p)
        expected = f"p = {p}: dim <= {largest}" if largest else f"p = {p}: no dim >= 2"
        assert expected in str(refused.value)


def test_spin_glass_legitimate_degree_is_built():
    sg = SphericalSpinGlass(8, p=6, rng=0)
    x = sg.project(np.ones(8))
    value, grad = sg.value_and_grad(x)
    assert math.isfinite(value) and abs(x @ grad) < 1e-9
    assert SphericalSpinGlass(6, mixture={2: 1.0, 5: 0.5}, rng=0).p is None


def test_kernel_derivative_of_enormous_order_is_immediate():
    with within(AT_ONCE):
        # (-1 / 2)^(10^12) e^(-1/2) underflows to 0; Matérn's grows beyond the float range.
        assert SquaredExponential().derivative(1.0, HUGE) == 0.0
        with pytest.raises(ValueError, match="beyond the float range"):
            Matern(nu=2.5).derivative(1.0, HUGE)
        assert Matern(nu=2.5).derivative(0.0, HUGE) == math.inf


# --------------------------------------------------------------------------- booleans -----

#: Every boolean parameter of a public fields callable, with a call that would otherwise
#: succeed or fail later (a missing folder, a network fetch).
BOOL_PARAMETERS = {
    ("load_digits", "return_images"): lambda v, tmp: data.load_digits(return_images=v),
    ("make_curves", "return_points"): lambda v, tmp: data.make_curves(2, return_points=v),
    ("load_cifar10", "grayscale"): lambda v, tmp: data.load_cifar10(tmp, grayscale=v),
    ("download", "force"): lambda v, tmp: data.download("mnist", tmp / "cache", force=v),
}
NOT_BOOLS = ["yes", 2, None, 1, 0, 1.0, np.int64(1)]


@pytest.mark.parametrize("value", NOT_BOOLS, ids=repr)
@pytest.mark.parametrize("key", list(BOOL_PARAMETERS), ids="{0[0]}({0[1]})".format)
def test_booleans_must_be_booleans(key, value, tmp_path):
    with pytest.raises(TypeError, match=rf"{key[1]} must be True or False"):
        BOOL_PARAMETERS[key](value, tmp_path)
    assert not (tmp_path / "cache").exists()  # refused before any work


def _public_callables():
    modules = [fields, bray_dean, spin_glass, nn, data, saddles, fields.surface]
    for module in modules:
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.ismodule(obj) or not callable(obj):
                continue
            yield name, obj
            if inspect.isclass(obj):
                for member, method in inspect.getmembers(obj, inspect.isfunction):
                    if not member.startswith("_"):
                        yield f"{name}.{member}", method


def test_every_boolean_parameter_is_checked():
    # A new boolean parameter fails here until it is added to BOOL_PARAMETERS (and so tested).
    found = set()
    for name, obj in _public_callables():
        try:
            parameters = inspect.signature(obj).parameters.values()
        except (TypeError, ValueError):
            continue
        for p in parameters:
            if isinstance(p.default, bool) or p.annotation in (bool, "bool"):
                found.add((name.split(".")[-1], p.name))
    assert found == set(BOOL_PARAMETERS)


# ----------------------------------------------------- bad values, named, before any work -----


def test_bad_values_found_by_probing_are_refused_naming_the_argument():
    with pytest.raises(ValueError, match="unknown activation 'bogus'"):
        nn.MLP([4, 3], activation="bogus", data=(X, Y))  # no hidden layer uses it
    with pytest.raises(ValueError, match="activation"):
        nn.Autoencoder(X, layers=[3], activation="bogus")
    with pytest.raises(ValueError, match="code_activation"):
        nn.Autoencoder(X, layers=[3], code_activation="bogus")
    with pytest.raises(ValueError, match="data labels must have shape"):
        nn.MLP([4, 3], data=(X, Y[:3]))
    with pytest.raises(TypeError, match="images"):
        data.resize_images([[1, 2], [3]], (2, 2))
    with pytest.raises(TypeError, match="dtype"):
        nn.MLP([4, 3], data=(X, Y), rng=0).hess(np.zeros(15), dtype=None)
    with pytest.raises(TypeError, match="size"):
        nn.MLP([4, 3], data=(X, Y), rng=0).batches(2.5)  # at the call, not at the first batch
    with pytest.raises(TypeError, match="what"):
        Matern().require(1, 5)
    with pytest.raises(ValueError, match="y must be finite"):
        SphericalSpinGlass(5, rng=0).covariance(np.ones(5), np.full(5, np.nan))
    with pytest.raises(TypeError, match="surface: there is no index law for int"):
        index_law(surface=5)
    with pytest.raises(TypeError, match="name must be a string"):
        fields.check_surface(RandomQuadratic(3, rng=0), name=5)
    with pytest.raises(TypeError, match="ax must be"):
        fields.plot_critical_points(np.ones((4, 4)), ax=5)
    with pytest.raises(TypeError, match="cmap"):
        fields.plot_critical_points(np.ones((4, 4)), cmap=None)
    with pytest.raises(TypeError, match="name must be a string"):
        data.download(["mnist"])


def test_index_law_by_keyword():
    law = index_law(surface=RandomQuadratic(10, rng=0))
    assert law.hessian_size == 10
