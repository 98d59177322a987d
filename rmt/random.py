"""Randomness and provenance: the one place where seeds become generators and records.

Every stochastic public function of ``rmt``, ``fields`` and ``optim`` takes a keyword-only
``rng=None`` (``None``, an ``int`` seed, a :class:`numpy.random.SeedSequence` or a
:class:`numpy.random.Generator`) and normalises it here, once, at its boundary:

* :func:`as_generator` gives the Generator a function draws from directly;
* :func:`as_seed_sequence` gives the root of a function that hands out independent streams
  (one per probe, start, replicate, sweep cell, ...);
* :func:`child` gives the stream of one such part, *keyed* by its position:
  ``SeedSequence(root.entropy, spawn_key=root.spawn_key + key)``. Unlike the stateful
  :meth:`numpy.random.SeedSequence.spawn`, it never changes ``root``: the same argument passed
  twice gives bitwise the same numbers, and a part's numbers do not depend on how many parts
  there are, on which worker computed it or in what order;
* :func:`provenance` gives the ``attrs`` every result records: the library version, the
  root's entropy and spawn key, and the parameters. :func:`seed_from_provenance` turns those
  ``attrs`` back into the root, so a recorded result can be recomputed.

The same argument means: the same int, a ``SeedSequence`` with the same entropy and spawn
key, or a Generator in the same state (a Generator is a stream: passing *one* Generator twice
continues it, as numpy does everywhere). ``None`` draws fresh entropy from the operating
system, which :func:`provenance` records, so even an unseeded result can be reproduced.
See ``docs/design.md`` (Randomness) for the rules.
"""

from __future__ import annotations

import json
import numbers
from collections.abc import Mapping
from importlib import metadata

import numpy as np

__all__ = [
    "as_generator",
    "as_seed_sequence",
    "check_rng",
    "child",
    "child_generator",
    "library_version",
    "provenance",
    "seed_from_provenance",
]

_RNG_KINDS = (numbers.Integral, np.random.SeedSequence, np.random.Generator,
              np.random.BitGenerator)


def check_rng(rng, name: str = "rng") -> None:
    """Refuse anything that is not None, a non-negative int, a SeedSequence or a Generator.

    Raises
    ------
    TypeError
        ``rng`` is of another type (a bool, a float, a string, the legacy ``RandomState``).
    ValueError
        ``rng`` is a negative integer.
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a string; got {name!r} ({type(name).__name__})")
    if isinstance(rng, bool) or not (rng is None or isinstance(rng, _RNG_KINDS)):
        raise TypeError(
            f"{name} must be None, an int seed, a numpy SeedSequence or a numpy Generator; "
            f"got {rng!r} ({type(rng).__name__})"
        )
    if isinstance(rng, numbers.Integral) and rng < 0:
        raise ValueError(f"{name} seed must be a non-negative integer; got {rng}")


def as_generator(rng) -> np.random.Generator:
    """Normalise ``rng`` (None, an int seed, a SeedSequence or a Generator) to a Generator.

    A Generator is returned as it is (drawing from it advances it); anything else is passed
    to :func:`numpy.random.default_rng`, so a SeedSequence is never changed.

    Examples
    --------
    >>> import numpy as np
    >>> from rmt.random import as_generator
    >>> bool(as_generator(3).random() == as_generator(np.random.SeedSequence(3)).random())
    True
    """
    check_rng(rng)
    if isinstance(rng, np.random.Generator):
        return rng
    return np.random.default_rng(rng)


def as_seed_sequence(rng) -> np.random.SeedSequence:
    """The root SeedSequence of ``rng``: the root of a set of keyed children.

    An int gives ``SeedSequence(seed)``; a SeedSequence is returned as it is (and never
    changed); a Generator (or BitGenerator) contributes 128 bits of its stream as entropy (so
    the same Generator state gives the same root); None gives fresh OS entropy.
    """
    check_rng(rng)
    if isinstance(rng, np.random.SeedSequence):
        return rng
    if isinstance(rng, (np.random.Generator, np.random.BitGenerator)):
        gen = np.random.default_rng(rng)
        return np.random.SeedSequence(int.from_bytes(gen.bytes(16), "little"))
    if isinstance(rng, numbers.Integral):
        return np.random.SeedSequence(int(rng))
    return np.random.SeedSequence()


def _check_key(key: tuple) -> tuple[int, ...]:
    for k in key:
        if isinstance(k, bool) or not isinstance(k, numbers.Integral):
            raise TypeError(f"key must be non-negative integers; got {k!r} "
                            f"({type(k).__name__})")
        if k < 0:
            raise ValueError(f"key must be non-negative integers; got {k}")
    return tuple(int(k) for k in key)


def child(root, *key: int) -> np.random.SeedSequence:
    """The keyed child ``SeedSequence(root.entropy, spawn_key=root.spawn_key + key)``.

    Parameters
    ----------
    root : None, int, SeedSequence or Generator
        Normalised by :func:`as_seed_sequence` (pass the SeedSequence itself when several
        children of one root are taken, so that a Generator is drawn from only once).
    *key : int
        The position of the part (a probe number, a grid point and a replicate, ...).

    Returns
    -------
    numpy.random.SeedSequence
        Independent of every child with another key; ``root`` is unchanged.

    Examples
    --------
    >>> import numpy as np
    >>> from rmt.random import child
    >>> root = np.random.SeedSequence(7)
    >>> child(root, 2, 5).spawn_key
    (2, 5)
    >>> bool(child(root, 1).generate_state(1)[0] == child(root, 1).generate_state(1)[0])
    True
    """
    check_rng(root, "root")
    key = _check_key(key)
    root = as_seed_sequence(root)
    return np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, *key))


def child_generator(root, *key: int) -> np.random.Generator:
    """``numpy.random.default_rng(child(root, *key))``: the Generator of one keyed part."""
    return np.random.default_rng(child(root, *key))


def library_version() -> str:
    """The installed version of the ``rmt-landscapes`` distribution (``"unknown"`` if none)."""
    try:
        return metadata.version("rmt-landscapes")
    except metadata.PackageNotFoundError:
        return "unknown"


def _attr(value):
    """An attribute value that netCDF and zarr can store: a number, a string or a list."""
    if isinstance(value, (bool, np.bool_)) or value is None:
        return str(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, str):
        return value
    if isinstance(value, np.ndarray) and value.dtype.kind in "iuf" and value.ndim == 1:
        return value.tolist()
    if isinstance(value, (list, tuple)) and all(
            isinstance(v, numbers.Real) and not isinstance(v, bool) for v in value):
        return [v.item() if isinstance(v, np.generic) else v for v in value]
    if isinstance(value, Mapping):
        return json.dumps({str(k): _attr(v) for k, v in value.items()}, sort_keys=True)
    return repr(value)


def provenance(root, **parameters) -> dict:
    """The provenance ``attrs`` of a result computed from the seed ``root``.

    Parameters
    ----------
    root : SeedSequence
        The root the result's numbers came from (as returned by :func:`as_seed_sequence`).
    **parameters
        Everything else the result depends on. Numbers and strings are stored as they are,
        numeric lists and 1-D arrays as lists, booleans and ``None`` as strings, mappings as
        JSON and anything else (a surface, an optimiser) by its ``repr``.

    Returns
    -------
    dict
        ``library_version``, ``seed_entropy`` (the entropy as a decimal string: it may exceed
        64 bits), ``seed_spawn_key`` (JSON list), then the parameters in the order given.

    Examples
    --------
    >>> import numpy as np
    >>> from rmt.random import provenance, seed_from_provenance
    >>> attrs = provenance(np.random.SeedSequence(5, spawn_key=(1,)), n=10, method="exact")
    >>> attrs["seed_entropy"], attrs["seed_spawn_key"], attrs["n"], attrs["method"]
    ('5', '[1]', 10, 'exact')
    >>> seed_from_provenance(attrs).spawn_key
    (1,)
    """
    if not isinstance(root, np.random.SeedSequence):
        raise TypeError(
            f"root must be the numpy SeedSequence a result was drawn from (see "
            f"rmt.random.as_seed_sequence); got {type(root).__name__}"
        )
    reserved = {"library_version", "seed_entropy", "seed_spawn_key"} & set(parameters)
    if reserved:
        raise ValueError(f"parameters must not be named {sorted(reserved)}: provenance sets them")
    attrs = {
        "library_version": library_version(),
        "seed_entropy": str(root.entropy),
        "seed_spawn_key": json.dumps(list(root.spawn_key)),
    }
    attrs.update({name: _attr(value) for name, value in parameters.items()})
    return attrs


def seed_from_provenance(attrs: Mapping) -> np.random.SeedSequence:
    """The root SeedSequence recorded by :func:`provenance` in a result's ``attrs``.

    Passing it as ``rng=`` to the function that made the result, with the same parameters,
    gives the same result.
    """
    if not isinstance(attrs, Mapping) or "seed_entropy" not in attrs:
        raise ValueError("attrs must be a result's attrs holding 'seed_entropy' (written by "
                         "rmt.random.provenance)")
    key = json.loads(attrs.get("seed_spawn_key", "[]"))
    return np.random.SeedSequence(int(attrs["seed_entropy"]), spawn_key=tuple(key))
