"""``rmt reproduce``: every figure of the notebooks, saved as a PNG, and a table of claims.

A *figure function* has the signature ``name(*, quick=False, rng=None) -> (figure, claims)``:
it computes its data with the public API, draws one :class:`matplotlib.figure.Figure` (unsaved)
and returns it with its rows of the claims table (:class:`Claim`: the claim, the theoretical
value, the measured value with its standard error, and whether they agree). The notebooks call
the same functions and narrate around them, so every figure has one source.

Figures are registered, ``rmt``'s own included, under the entry-point group ``rmt.figures``
(``pyproject.toml``); the entry-point name is the PNG's file stem. ``rmt`` never imports the
packages above it (``fields``, ``optim``): it finds their figures through the entry points, so
a source checkout must be installed (``pip install -e .``) for any figure to appear.
:func:`reproduce` runs the figures in the notebooks' order (the order :func:`figure` records),
then any other registered figure in name order, and gives each one the keyed child
``rmt.random.child(root, zlib.crc32(name))`` of the root seed (``name`` of the figure it
shares its seed with, if it declares one), so a figure's numbers do not depend on which other
figures are installed or run; :func:`figure_rng` gives a notebook the same seed. Two figures
drawn from one expensive computation share a seed and compute it once (:func:`cached_on_seed`).
"""

from __future__ import annotations

import csv
import functools
import math
import time
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import TypeVar

import numpy as np

from ..index_theory import log_prob_all_positive
from ..random import as_seed_sequence, child

__all__ = ["Claim", "cached_on_seed", "claims_table", "figure", "figure_rng", "reproduce"]

#: Entry-point group of the figure functions (``name = "module:function"``, name = PNG stem).
FIGURE_GROUP = "rmt.figures"

NOT_INSTALLED = ("No figure is registered under the entry-point group 'rmt.figures': entry "
                 "points exist only for installed distributions; from a source checkout run "
                 "`pip install -e .`.")

_F = TypeVar("_F", bound=Callable)


@dataclass(frozen=True)
class Claim:
    """One row of the claims table.

    ``relation="equal"``: agreement means |measured - theory| <= 4 stderr + allowance.
    ``relation="greater"``: the claim is an inequality, measured > theory + 4 stderr.
    ``kind="law"``: a law the library implements and tests (``rmt reproduce`` fails when one
    disagrees); ``kind="observation"``: an empirical expectation of the talk measured on a
    small experiment (a network, an optimiser comparison), reported whatever it turns out
    to be.
    """

    claim: str
    theory: float
    measured: float
    stderr: float
    allowance: float = 0.0
    relation: str = "equal"
    kind: str = "law"

    @property
    def agrees(self) -> bool:
        """Whether the measured value agrees with the theory (see the class docstring)."""
        if self.relation == "greater":
            return bool(self.measured - 4 * self.stderr > self.theory)
        return bool(abs(self.measured - self.theory) <= 4 * self.stderr + self.allowance)


def figure(notebook: int, position: int, *, shares_seed_with: str | None = None
           ) -> Callable[[_F], _F]:
    """Mark a figure function as figure ``position`` of notebook ``notebook``.

    :func:`reproduce` runs the marked figures in the order ``(notebook, position)``, then the
    unmarked ones in name order.

    Parameters
    ----------
    notebook : int
        The number of the notebook that shows the figure (``1`` for ``01_semicircle``).
    position : int
        Its place in that notebook.
    shares_seed_with : str, optional
        The name of another figure whose seed this one takes. Two figures drawn from one
        expensive computation share its seed, so that the computation (cached on the seed)
        runs once in :func:`reproduce`.

    Examples
    --------
    >>> from rmt.workflow.reproduction import figure
    >>> @figure(1, 2)
    ... def my_figure(*, quick=False, rng=None): ...
    >>> my_figure.figure_order
    (1, 2)
    """

    def mark(function: _F) -> _F:
        function.figure_order = (int(notebook), int(position))
        function.figure_seed = shares_seed_with
        return function

    return mark


def cached_on_seed(function: Callable) -> Callable:
    """Cache ``function(quick, root)`` on ``quick`` and the seed of ``root``.

    The expensive computation that two figures draw from (:func:`figure`'s
    ``shares_seed_with``) is written once, as ``function(quick, root)`` with ``root`` a
    SeedSequence, and decorated: the second figure with the same seed gets the first one's
    result (the last result is kept). ``rng`` may be anything :func:`rmt.random.as_seed_sequence`
    accepts; a Generator or ``None`` gives a new root, hence no reuse.

    Examples
    --------
    >>> from rmt.workflow.reproduction import cached_on_seed
    >>> @cached_on_seed
    ... def draws(quick, root):
    ...     return np.random.default_rng(root).standard_normal(3)
    >>> draws(True, 5) is draws(True, np.random.SeedSequence(5))
    True
    """

    @functools.lru_cache(maxsize=1)
    def cached(quick: bool, entropy, spawn_key: tuple):
        return function(quick, np.random.SeedSequence(entropy, spawn_key=spawn_key))

    @functools.wraps(function)
    def wrapper(quick: bool, rng):
        root = as_seed_sequence(rng)
        entropy = root.entropy
        if not isinstance(entropy, int):
            entropy = tuple(int(v) for v in np.atleast_1d(entropy))
        return cached(bool(quick), entropy, tuple(root.spawn_key))

    wrapper.cache_clear = cached.cache_clear
    wrapper.cache_info = cached.cache_info
    return wrapper


def _seed_key(name: str, function: Callable | None) -> int:
    return zlib.crc32((getattr(function, "figure_seed", None) or name).encode())


def _installed() -> dict[str, Callable]:
    return {ep.name: ep.load() for ep in entry_points(group=FIGURE_GROUP)}


def _order(item: tuple[str, Callable]) -> tuple:
    name, function = item
    return (*getattr(function, "figure_order", (math.inf, math.inf)), name)


def _select(only: Sequence[str] | None) -> list[tuple[str, Callable]]:
    """The installed figures (all, or those named in ``only``) in the order they run."""
    installed = _installed()
    if not installed:
        raise LookupError(NOT_INSTALLED)
    if only is not None:
        only = [only] if isinstance(only, str) else list(only)
        unknown = sorted(set(only) - set(installed))
        if unknown:
            raise ValueError(f"only: unknown figure(s) {unknown}; registered: "
                             f"{sorted(installed)}")
        installed = {name: installed[name] for name in only}
    return sorted(installed.items(), key=_order)


def figure_rng(name: str, *, rng=0) -> np.random.SeedSequence:
    """The seed :func:`reproduce` gives the figure ``name``.

    Parameters
    ----------
    name : str
        The figure's entry-point name (its PNG stem). When an installed figure declares
        ``shares_seed_with`` (:func:`figure`), that figure's key is used.
    rng : int or SeedSequence, default 0
        The root seed given to :func:`reproduce` (``rmt reproduce --rng``).

    Returns
    -------
    numpy.random.SeedSequence
        ``rmt.random.child(root, zlib.crc32(key.encode()))``.

    Examples
    --------
    >>> import zlib
    >>> from rmt.workflow import figure_rng
    >>> figure_rng("semicircle").spawn_key == (zlib.crc32(b"semicircle"),)
    True
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a figure's name (str); got {type(name).__name__}")
    function = next((ep.load() for ep in entry_points(group=FIGURE_GROUP) if ep.name == name),
                    None)
    return child(as_seed_sequence(rng), _seed_key(name, function))


def claims_table(claims: Iterable[Claim]) -> str:
    """The claims as a markdown table (claim, kind, theory, measured +- stderr, agrees).

    A ``|`` inside a claim is escaped, so the table renders in a notebook.

    Examples
    --------
    >>> from rmt.workflow import Claim, claims_table
    >>> print(claims_table([Claim("two is two", 2.0, 2.01, 0.01)]))
    | claim | kind | theory | measured | agrees |
    | --- | --- | --- | --- | --- |
    | two is two | law | 2 | 2.01 +- 0.01 | yes |
    """
    lines = ["| claim | kind | theory | measured | agrees |", "| --- | --- | --- | --- | --- |"]
    for c in claims:
        err = f" +- {c.stderr:.2g}" if c.stderr else ""
        theory = f"> {c.theory:.6g}" if c.relation == "greater" else f"{c.theory:.6g}"
        claim = c.claim.replace("|", "\\|")
        lines.append(f"| {claim} | {c.kind} | {theory} | {c.measured:.6g}{err} | "
                     f"{'yes' if c.agrees else 'NO'} |")
    return "\n".join(lines)


def reproduce(out: str | Path = "results", *, quick: bool = False,
              only: Sequence[str] | None = None, rng=0) -> list[Claim]:
    """Draw every registered figure into ``out`` and write the claims table.

    Parameters
    ----------
    out : path
        Output folder (created). Receives ``<name>.png`` per figure (tight layout, 110 dpi),
        ``claims.csv`` and ``claims.md``.
    quick : bool
        The reduced sizes of every figure (those the test suite and the notebooks' quick mode
        use) instead of the full ones.
    only : sequence of str, optional
        Names of the figures to draw (default: all).
    rng : int or SeedSequence, default 0
        Root seed; figure ``name`` gets ``figure_rng(name, rng=rng)`` (:func:`figure_rng`).

    Returns
    -------
    list of Claim

    Raises
    ------
    LookupError
        No figure is registered (a source checkout that is not installed).
    ValueError
        ``only`` names a figure that is not registered.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figures = _select(only)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    root = as_seed_sequence(rng)
    claims: list[Claim] = []
    for name, make in figures:
        t0 = time.perf_counter()
        fig, rows = make(quick=quick, rng=child(root, _seed_key(name, make)))
        fig.tight_layout()
        fig.savefig(out / f"{name}.png", dpi=110)
        plt.close(fig)
        claims += rows
        print(f"{name:>24}: {time.perf_counter() - t0:6.1f} s", flush=True)
    _write_claims(out, claims)
    return claims


def _write_claims(out: Path, claims: list[Claim]) -> None:
    with open(out / "claims.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["claim", "kind", "relation", "theory", "measured", "stderr", "allowance",
                    "agrees"])
        for c in claims:
            w.writerow([c.claim, c.kind, c.relation, f"{c.theory:.6g}", f"{c.measured:.6g}",
                        f"{c.stderr:.3g}", f"{c.allowance:.3g}", c.agrees])
    n_rmt = 10**6
    footer = (f"All {n_rmt:.0e} eigenvalues positive: ln P = "
              f"{log_prob_all_positive(n_rmt, beta=1):.4g} (Dean-Majumdar) against "
              f"{-n_rmt * np.log(2):.4g} for fair coins.")
    (out / "claims.md").write_text(f"{claims_table(claims)}\n\n{footer}\n")
