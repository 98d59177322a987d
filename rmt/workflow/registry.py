r"""Experiments that :func:`rmt.sweep` can run, found by name.

An *experiment* computes one cell of a sweep: a function ``fn(rng, **params) -> dict`` taking
a ``numpy.random.Generator`` (the cell's own stream) and the cell's parameters, and returning a
mapping of output names to numbers or arrays of a fixed shape. It is known by name from

1. :func:`register_experiment` (a user's own, in the running process);
2. the entry-point group ``"rmt.experiments"`` of any installed distribution (this one
   registers ``critical-points`` from ``optim``; ``rmt`` never imports the packages above it,
   docs/design.md), each entry point naming an :class:`Experiment` object;
3. a dotted path ``"package.module:function"`` (the function's keyword defaults are its
   parameters);
4. the experiments defined here: ``index``.

``rmt sweep --list`` prints them with their parameters.

**Parameter types.** Each parameter has a declared type, one of ``bool``, ``int``, ``float``
and ``str``: the function's annotation (``N: int | None = None``; ``int | float`` counts as
``float``), else the type of its default; a parameter with neither is not checked. A grid
value must be of its parameter's type and is stored as that type: an ``int`` given to a
``float`` parameter becomes a float (``beta=1`` and ``beta=1.0`` are one sweep), a float given
to an ``int`` parameter is refused, never truncated (the sweep checks every grid value before
the store is created).
"""

from __future__ import annotations

import importlib
import inspect
import math
import numbers
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points

import numpy as np

from .._validation import check_bool, check_int, check_text

__all__ = ["Experiment", "entry_point_names", "get_experiment", "list_experiments",
           "register_experiment"]

#: Entry-point group through which other packages register experiments.
EXPERIMENT_GROUP = "rmt.experiments"

#: What to tell a user when no distribution registers anything under an entry-point group:
#: entry points exist only for installed distributions, and ``fields`` and ``optim`` register
#: theirs through ``pyproject.toml``.
NOT_INSTALLED = ("No experiment is registered by fields or optim: entry points exist only for "
                 "installed distributions; from a source checkout run `pip install -e .`.")

_REGISTRY: dict[str, Experiment] = {}


@dataclass(frozen=True)
class Experiment:
    """A named experiment: one cell of a sweep.

    Attributes
    ----------
    name : str
        Registry name.
    function : callable
        ``function(rng, **params) -> dict`` of outputs (numbers or fixed-shape arrays).
    parameters : mapping
        Parameter names and defaults (``None``: required, must be on the grid).
    description : str
        One line for ``rmt sweep --list``.
    types : mapping, optional
        Declared type of each parameter (``bool``, ``int``, ``float`` or ``str``); by default
        from the function's annotations, else from the defaults (module docstring).
    """

    name: str
    function: Callable
    parameters: Mapping = field(default_factory=dict)
    description: str = ""
    types: Mapping | None = None

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise TypeError(f"name must be a non-empty string; got {self.name!r}")
        if not callable(self.function):
            raise TypeError(f"experiment {self.name!r}: function must be callable; got "
                            f"{self.function!r}")
        check_text("description", self.description, optional=False)
        for member in ("parameters", "types"):
            value = getattr(self, member)
            if not isinstance(value, Mapping) and not (member == "types" and value is None):
                raise TypeError(f"experiment {self.name!r}: {member} must be a mapping of "
                                f"parameter names; got {type(value).__name__}")
        object.__setattr__(self, "parameters", dict(self.parameters))  # picklable for workers
        types = (_declared_types(self.function, self.parameters) if self.types is None
                 else dict(self.types))
        for name, kind in types.items():
            if name not in self.parameters or kind not in _KINDS:
                raise ValueError(f"experiment {self.name!r}: types must map its parameters to "
                                 f"bool, int, float or str; got {name!r}: {kind!r}")
        object.__setattr__(self, "types", types)

    def _grid_value(self, name: str, value):
        """``value`` for parameter ``name`` as its declared type (module docstring).

        Raises
        ------
        TypeError
            A value that is not of the declared type (a float for an ``int`` parameter, a
            number for a ``str`` one), or not a number or string at all.
        ValueError
            A ``float`` parameter given NaN or infinity.
        """
        if isinstance(value, np.generic):
            value = value.item()
        kind = self.types.get(name)
        where = f"grid[{name!r}] of experiment {self.name!r}" + (
            f" (declared {kind.__name__})" if kind is not None else "")
        if kind is int:
            return check_int(where, value, None)
        if kind is bool or (kind is None and isinstance(value, bool)):
            return check_bool(where, value)
        if kind is str or (kind is None and isinstance(value, str)):
            if not isinstance(value, str):
                raise TypeError(f"{where} must be a string; got {value!r} "
                                f"({type(value).__name__})")
            return value
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            expected = "a real number" if kind is float else "a number or a string"
            raise TypeError(f"{where} must be {expected}; got {value!r} "
                            f"({type(value).__name__})")
        if not math.isfinite(value):
            raise ValueError(f"{where} must be finite; got {value!r}")
        return float(value) if kind is float else value

    def __call__(self, rng: np.random.Generator, **params):
        return self.function(rng, **params)

    def resolve(self, params: Mapping) -> dict:
        """The full parameters of a cell: defaults updated by ``params``; unknown or missing
        ones refused."""
        if not isinstance(params, Mapping):
            raise TypeError(f"params must be a mapping of parameter names to values; got "
                            f"{type(params).__name__}")
        unknown = sorted(set(params) - set(self.parameters))
        if unknown:
            raise ValueError(f"experiment {self.name!r} has no parameter(s) {unknown}; "
                             f"its parameters are {sorted(self.parameters)}")
        full = {**self.parameters, **params}
        missing = sorted(k for k, v in full.items() if v is None)
        if missing:
            raise ValueError(f"experiment {self.name!r} needs values for {missing} "
                             f"(--set NAME=VALUE,...)")
        return full


def register_experiment(name: str, function: Callable, parameters: Mapping | None = None,
                        description: str = "", *, replace: bool = False) -> Experiment:
    """Register ``function`` under ``name`` for :func:`rmt.sweep` in this process.

    ``parameters`` defaults to the keyword defaults of ``function`` after its ``rng``
    argument. Refuses a name already taken unless ``replace``.
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"name must be a non-empty string; got {name!r}")
    replace = check_bool("replace", replace)
    if not callable(function):
        raise TypeError(f"function must be callable; got {function!r}")
    if parameters is not None and not isinstance(parameters, Mapping):
        raise TypeError(f"parameters must be a mapping of names to defaults or None; got "
                        f"{type(parameters).__name__}")
    if name in _REGISTRY and not replace:
        raise ValueError(f"an experiment named {name!r} is already registered; pass "
                         f"replace=True to replace it")
    exp = Experiment(name, function, _parameters_of(function) if parameters is None
                     else parameters, description)
    _REGISTRY[name] = exp
    return exp


#: The parameter types a grid value can be checked against.
_KINDS = (bool, int, float, str)


def _declared_types(function: Callable, parameters: Mapping) -> dict:
    """Each parameter's type: its annotation when it names one of ``_KINDS``, else the type
    of its default (module docstring)."""
    try:
        hints = typing.get_type_hints(function)
    except Exception:  # noqa: BLE001 - unresolvable annotations: the defaults decide
        hints = {}
    types = {}
    for name, default in parameters.items():
        kind = _kind(hints.get(name))
        if kind is None and default is not None:
            kind = _kind(type(default))
        if kind is not None:
            types[name] = kind
    return types


def _kind(annotation):
    """``bool``, ``int``, ``float`` or ``str`` for an annotation naming one (``X | None``
    included, ``int | float`` as ``float``, numpy scalar types as their Python kind)."""
    if isinstance(annotation, type):
        if issubclass(annotation, (bool, np.bool_)):
            return bool
        for kind, abstract in ((int, numbers.Integral), (float, numbers.Real), (str, str)):
            if issubclass(annotation, abstract):
                return kind
        return None
    args = {_kind(a) for a in typing.get_args(annotation) if a is not type(None)}
    if len(args) == 1:
        return args.pop()
    return float if args == {int, float} else None


def _parameters_of(function: Callable) -> dict:
    params = list(inspect.signature(function).parameters.values())[1:]
    return {p.name: (None if p.default is inspect.Parameter.empty else p.default)
            for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}


def _entry_points() -> dict:
    return {ep.name: ep for ep in entry_points(group=EXPERIMENT_GROUP)}


def entry_point_names() -> list[str]:
    """Names of the experiments installed distributions register (group ``rmt.experiments``)."""
    return sorted(_entry_points())


def get_experiment(name) -> Experiment:
    """The experiment called ``name`` (see the module docstring), or ``name`` itself when it
    is already an :class:`Experiment` or a callable."""
    if isinstance(name, Experiment):
        return name
    if callable(name):
        return Experiment(getattr(name, "__name__", "function"), name, _parameters_of(name),
                          (inspect.getdoc(name) or "").split("\n")[0])
    if not isinstance(name, str):
        raise TypeError(f"experiment must be a name, an Experiment or a callable; got "
                        f"{name!r}")
    if name in _REGISTRY:
        return _REGISTRY[name]
    eps = _entry_points()
    if name in eps:
        exp = eps[name].load()
        return exp if isinstance(exp, Experiment) else get_experiment(exp)
    if ":" in name:
        module, _, attr = name.partition(":")
        try:
            obj = getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError) as exc:
            raise ValueError(f"cannot import experiment {name!r}: {exc}") from exc
        exp = get_experiment(obj)
        return Experiment(name, exp.function, exp.parameters, exp.description, exp.types)
    known = sorted({*_REGISTRY, *eps})
    hint = "" if eps else f" {NOT_INSTALLED}"
    raise ValueError(f"unknown experiment {name!r}; known: {known} (or 'module:function')"
                     f"{hint}")


def list_experiments() -> dict[str, Experiment]:
    """Every experiment known by name: built-in, registered and from entry points."""
    out = dict(_REGISTRY)
    for name in _entry_points():
        try:
            out.setdefault(name, get_experiment(name))
        except Exception as exc:  # noqa: BLE001 - a broken plug-in must not hide the others
            out.setdefault(name, Experiment(name, _broken(exc), {}, f"(cannot load: {exc})"))
    return dict(sorted(out.items()))


def _broken(exc: Exception) -> Callable:
    def fail(rng, **params):
        raise RuntimeError(f"this experiment could not be loaded: {exc}")
    return fail


# ------------------------------------------------------------------ built-in experiments ----


def _index(rng: np.random.Generator, N: int | None = None, beta: float = 1.0) -> dict:  # noqa: N803
    """Index (negative eigenvalues) of one beta-Hermite matrix of size N, by Sturm count."""
    from ..samplers import sample_index

    N = check_int("N", N, 1)  # noqa: N806
    k = int(sample_index(N, beta=beta, rng=rng))
    return {"index": k, "index_fraction": k / N}


register_experiment(
    "index", _index, {"N": None, "beta": 1.0},
    "index of one beta-Hermite (GOE/GUE/GSE-law) matrix of size N, by Sturm count: outputs "
    "index, index_fraction",
)
