"""rmt.random: keyed children, seed normalisation and provenance that reproduces a result."""

import numpy as np
import pytest
import xarray as xr

import rmt
from rmt.random import (
    as_generator,
    as_seed_sequence,
    check_rng,
    child,
    child_generator,
    library_version,
    provenance,
    seed_from_provenance,
)


def _state(seq: np.random.SeedSequence) -> np.ndarray:
    return seq.generate_state(4)


# ------------------------------------------------------------------------------ keyed children
def test_child_is_keyed_by_position_and_never_changes_its_root():
    root = np.random.SeedSequence(7, spawn_key=(3,))
    first = child(root, 2, 5)
    assert first.entropy == root.entropy and first.spawn_key == (3, 2, 5)
    np.testing.assert_array_equal(_state(first), _state(child(root, 2, 5)))
    assert not np.array_equal(_state(child(root, 1)), _state(child(root, 2)))
    # Taking children (in any order, any number of times) leaves the root as it was.
    for key in (4, 0, 4, 1):
        child(root, key)
        child_generator(root, key)
    assert root.spawn_key == (3,) and root.n_children_spawned == 0
    # The same numbers as numpy's stateful spawn from a fresh root, without its state.
    spawned = np.random.SeedSequence(7, spawn_key=(3,)).spawn(3)[2]
    np.testing.assert_array_equal(_state(child(root, 2)), _state(spawned))


def test_child_generator_is_the_generator_of_the_child():
    root = np.random.SeedSequence(11)
    np.testing.assert_array_equal(child_generator(root, 3, 1).random(5),
                                  np.random.default_rng(child(root, 3, 1)).random(5))


@pytest.mark.parametrize("key, error", [(-1, ValueError), (1.5, TypeError), (True, TypeError),
                                        ("0", TypeError)])
def test_child_refuses_keys_that_are_not_non_negative_integers(key, error):
    with pytest.raises(error, match="key must be non-negative integers"):
        child(np.random.SeedSequence(0), key)


# ------------------------------------------------------------------------------ the same seed
def test_the_same_seed_sequence_passed_twice_gives_the_same_draws():
    seq = np.random.SeedSequence(2024, spawn_key=(1, 2))
    np.testing.assert_array_equal(as_generator(seq).standard_normal(6),
                                  as_generator(seq).standard_normal(6))
    np.testing.assert_array_equal(rmt.goe(6, rng=seq), rmt.goe(6, rng=seq))
    a = rmt.spectral_density(lambda v: np.arange(8.0) * v, 8, steps=4, probes=3, rng=seq)
    b = rmt.spectral_density(lambda v: np.arange(8.0) * v, 8, steps=4, probes=3, rng=seq)
    np.testing.assert_array_equal(a.nodes, b.nodes)
    np.testing.assert_array_equal(a.weights, b.weights)
    xr.testing.assert_identical(rmt.preconditioning_experiment(n=4, n_matrices=3, rng=seq),
                                rmt.preconditioning_experiment(n=4, n_matrices=3, rng=seq))
    assert seq.spawn_key == (1, 2) and seq.n_children_spawned == 0


def test_an_int_and_its_seed_sequence_are_the_same_seed():
    assert as_seed_sequence(5).entropy == 5
    np.testing.assert_array_equal(as_generator(5).random(3),
                                  as_generator(np.random.SeedSequence(5)).random(3))


def test_a_generator_in_the_same_state_gives_the_same_root():
    first = as_seed_sequence(np.random.default_rng(5))
    second = as_seed_sequence(np.random.default_rng(5))
    assert first.entropy == second.entropy and first.spawn_key == second.spawn_key == ()
    np.testing.assert_array_equal(_state(child(first, 0)), _state(child(second, 0)))
    # One Generator is a stream: passed twice it is continued, so the roots differ.
    gen = np.random.default_rng(5)
    assert as_seed_sequence(gen).entropy == first.entropy
    assert as_seed_sequence(gen).entropy != first.entropy
    # A bit generator is a generator's state too.
    assert as_seed_sequence(np.random.PCG64(5)).entropy == first.entropy


def test_as_generator_returns_a_generator_itself_and_none_is_fresh():
    gen = np.random.default_rng(0)
    assert as_generator(gen) is gen
    assert as_seed_sequence(None).entropy != as_seed_sequence(None).entropy


# ------------------------------------------------------------------------------ refusals
@pytest.mark.parametrize("bad, error", [
    (True, TypeError),
    (1.0, TypeError),
    ("7", TypeError),
    (np.random.RandomState(0), TypeError),
    (-1, ValueError),
])
@pytest.mark.parametrize("check, name", [(check_rng, "rng"), (as_generator, "rng"),
                                         (as_seed_sequence, "rng"),
                                         (lambda rng: child(rng, 0), "root"),
                                         (lambda rng: rmt.goe(3, rng=rng), "rng")])
def test_bad_seeds_are_refused_naming_the_argument(check, name, bad, error):
    with pytest.raises(error, match=rf"^{name} "):
        check(bad)


# ------------------------------------------------------------------------------ provenance
def test_provenance_records_the_root_then_the_parameters():
    root = np.random.SeedSequence(2**100 + 3, spawn_key=(4, 0))
    attrs = provenance(root, n=10, q=0.5, flag=True, shape=(2, 3), method="exact")
    assert list(attrs) == ["library_version", "seed_entropy", "seed_spawn_key", "n", "q",
                           "flag", "shape", "method"]
    assert attrs["library_version"] == library_version()
    assert attrs["seed_entropy"] == str(2**100 + 3) and attrs["seed_spawn_key"] == "[4, 0]"
    assert (attrs["n"], attrs["q"], attrs["flag"], attrs["shape"]) == (10, 0.5, "True", [2, 3])
    back = seed_from_provenance(attrs)
    assert back.entropy == root.entropy and back.spawn_key == root.spawn_key


def test_provenance_refuses_a_root_that_is_not_a_seed_sequence_and_reserved_names():
    with pytest.raises(TypeError, match="root"):
        provenance(5, n=1)
    with pytest.raises(ValueError, match="seed_entropy"):
        provenance(np.random.SeedSequence(0), seed_entropy="1")
    with pytest.raises(ValueError, match="seed_entropy"):
        seed_from_provenance({"n": 1})


def test_an_unseeded_spectral_density_is_reproduced_from_its_attrs():
    A = rmt.goe(30, rng=1)
    sd = rmt.spectral_density(lambda v: A @ v, 30, steps=12, probes=4)
    attrs = sd.to_xarray().attrs
    assert int(attrs["seed_entropy"]) == sd.seed.entropy  # fresh OS entropy, recorded
    again = rmt.spectral_density(lambda v: A @ v, attrs["dim"], method=attrs["method"],
                                 steps=attrs["steps"], probes=attrs["probes"],
                                 kernel_width=attrs["kernel_width"],
                                 rng=seed_from_provenance(attrs))
    np.testing.assert_array_equal(again.nodes, sd.nodes)
    np.testing.assert_array_equal(again.weights, sd.weights)
    np.testing.assert_array_equal(again.density, sd.density)
    xr.testing.assert_identical(again.to_xarray(), sd.to_xarray())


def test_the_exact_spectral_density_records_its_real_seed_too():
    sd = rmt.spectral_density(lambda v: 2.0 * v, 3, method="exact")
    attrs = sd.to_xarray().attrs
    assert attrs["seed_entropy"].isdigit() and int(attrs["seed_entropy"]) == sd.seed.entropy


def test_an_unseeded_preconditioning_experiment_is_reproduced_from_its_attrs():
    ds = rmt.preconditioning_experiment(n=5, n_matrices=3, scale_sigma=0.25, aspect=1.5)
    a = ds.attrs
    again = rmt.preconditioning_experiment(n=a["n"], n_matrices=a["n_matrices"],
                                           scale_sigma=a["scale_sigma"], aspect=a["aspect"],
                                           rng=seed_from_provenance(a))
    xr.testing.assert_identical(again, ds)
