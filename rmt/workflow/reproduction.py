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

The experiments of the talk at the talk's own sizes (a 22,210-parameter network's exact Hessian
on real images, tens of minutes on two cores) are registered under a second group,
``rmt.talk_scale``, with the same signature, and drawn by ``reproduce(talk_scale=True)``
(``rmt reproduce --talk-scale``); their ``quick`` mode is a reduced run for the tests.
"""

from __future__ import annotations

import csv
import functools
import math
import numbers
import os
import shutil
import signal
import socket
import tempfile
import time
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import TypeVar

import numpy as np

from .._validation import check_bool, check_choice, check_positive_float
from ..index_theory import log_prob_all_positive
from ..random import as_seed_sequence, child
from ._processes import alive

__all__ = ["Claim", "cached_on_seed", "claims_table", "figure", "figure_rng", "on_request",
           "reproduce"]

#: Entry-point group of the figure functions (``name = "module:function"``, name = PNG stem).
FIGURE_GROUP = "rmt.figures"
#: Entry-point group of the talk-scale experiments (``reproduce(talk_scale=True)``).
TALK_SCALE_GROUP = "rmt.talk_scale"


def _not_installed(group: str) -> str:
    return (f"No figure is registered under the entry-point group {group!r}: entry points "
            "exist only for installed distributions; from a source checkout run "
            "`pip install -e .`.")


_F = TypeVar("_F", bound=Callable)


#: How many standard errors a measurement may lie from its theory (the verdict of every row).
SIGMAS = 4

#: The files of a run: what :func:`reproduce` may replace in an existing ``out``.
_RUN_FILES = ("claims.csv", "claims.md")


@dataclass(frozen=True)
class Claim:
    """One row of the claims table: a theory, a measurement and the tolerance between them.

    The tolerance is ``4 stderr + allowance``. ``relation="equal"``: the row agrees when
    ``|measured - theory| <= tolerance``; ``relation="greater"``: the claim is an inequality,
    and the row agrees when ``measured - theory > tolerance``. ``stderr`` is the standard
    error of the measurement; ``allowance`` a known bias of the measurement against the theory
    (a finite-N correction, a rounding of the published value), whose source ``basis`` states:
    a claim with an allowance must say where it comes from. ``measured`` may be NaN (nothing
    could be measured), and then the row never agrees.

    ``kind="law"``: a law the library implements and tests (``rmt reproduce`` fails when one
    disagrees); ``kind="observation"``: an empirical expectation of the talk measured on a
    small experiment (a network, an optimiser comparison), reported whatever it turns out
    to be.

    Raises
    ------
    TypeError, ValueError
        A field of the wrong kind; a non-finite ``theory``, ``stderr`` or ``allowance``; a
        negative ``stderr`` or ``allowance``; an ``allowance`` without its ``basis``.
    """

    claim: str
    theory: float
    measured: float
    stderr: float
    allowance: float = 0.0
    relation: str = "equal"
    kind: str = "law"
    basis: str = ""

    def __post_init__(self) -> None:
        for name in ("claim", "basis"):
            if not isinstance(getattr(self, name), str):
                raise TypeError(f"{name} must be a string; got {getattr(self, name)!r}")
        for name in ("theory", "measured"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise TypeError(f"{name} must be a real number; got {value!r}")
        if not math.isfinite(self.theory):
            raise ValueError(f"theory must be finite; got {self.theory}")
        check_positive_float("stderr", self.stderr, allow_zero=True)
        check_positive_float("allowance", self.allowance, allow_zero=True)
        check_choice("relation", self.relation, ("equal", "greater"))
        check_choice("kind", self.kind, ("law", "observation"))
        if self.allowance > 0 and not self.basis.strip():
            raise ValueError("basis must state the source of the allowance "
                             f"{self.allowance:g} of {self.claim!r}")

    @property
    def tolerance(self) -> float:
        """``4 stderr + allowance``: how far the measurement may lie from the theory."""
        return SIGMAS * self.stderr + self.allowance

    @property
    def agrees(self) -> bool:
        """Whether the measured value agrees with the theory (see the class docstring)."""
        if self.relation == "greater":
            return bool(self.measured - self.theory > self.tolerance)
        return bool(abs(self.measured - self.theory) <= self.tolerance)

    @property
    def tolerance_text(self) -> str:
        """The tolerance and how it was reached, as the table shows it.

        Examples
        --------
        >>> from rmt.workflow import Claim
        >>> Claim("c", 0.0, 0.1, 0.01, 0.02, basis="finite N").tolerance_text
        '+- 0.06 (4 se + 0.02: finite N)'
        >>> Claim("c", 0.0, 0.1, 0.0, 0.02, basis="finite N").tolerance_text
        '+- 0.02 (finite N)'
        >>> Claim("c", 0.0, 0.1, 0.01, relation="greater").tolerance_text
        'by more than 0.04 (4 se)'
        """
        if self.stderr and self.allowance:
            how = f"{SIGMAS} se + {self.allowance:.2g}: {self.basis}"
        elif self.stderr:
            how = f"{SIGMAS} se"
        else:
            how = self.basis if self.allowance else "no error estimate"
        head = "by more than" if self.relation == "greater" else "+-"
        return f"{head} {self.tolerance:.2g} ({how})"


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


def on_request(function: _F) -> _F:
    """Mark a figure function as drawn only when named in ``only``.

    :func:`reproduce` draws every registered figure of its group unless ``only`` names some;
    a marked one (an experiment of hours, say) is drawn only when ``only`` names it.

    Examples
    --------
    >>> from rmt.workflow.reproduction import on_request
    >>> @on_request
    ... def long_experiment(*, quick=False, rng=None): ...
    >>> long_experiment.figure_on_request
    True
    """
    function.figure_on_request = True
    return function


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


def _installed(group: str = FIGURE_GROUP) -> dict[str, Callable]:
    return {ep.name: ep.load() for ep in entry_points(group=group)}


def _order(item: tuple[str, Callable]) -> tuple:
    name, function = item
    return (*getattr(function, "figure_order", (math.inf, math.inf)), name)


def _check_only(only) -> list[str] | None:
    """``only`` as a list of names (a single name becomes a list of one)."""
    if only is None:
        return None
    if isinstance(only, str):
        return [only]
    if not isinstance(only, Iterable):
        raise TypeError(f"only must be a figure name or a sequence of them; got {only!r} "
                        f"({type(only).__name__})")
    only = list(only)
    for name in only:
        if not isinstance(name, str):
            raise TypeError(f"only must hold figure names (str); got {name!r} "
                            f"({type(name).__name__})")
    if not only:
        raise ValueError("only must name at least one figure (None draws them all)")
    return only


def _select(only: Sequence[str] | None, group: str = FIGURE_GROUP
            ) -> list[tuple[str, Callable]]:
    """The installed figures of ``group`` (all, or those named in ``only``) in run order."""
    only = _check_only(only)
    installed = _installed(group)
    if not installed:
        raise LookupError(_not_installed(group))
    if only is not None:
        unknown = sorted(set(only) - set(installed))
        if unknown:
            raise ValueError(f"only: unknown figure(s) {unknown}; registered: "
                             f"{sorted(installed)}")
        installed = {name: installed[name] for name in only}
    else:
        installed = {name: function for name, function in installed.items()
                     if not getattr(function, "figure_on_request", False)}
    return sorted(installed.items(), key=_order)


def figure_rng(name: str, *, rng=0) -> np.random.SeedSequence:
    """The seed :func:`reproduce` gives the figure ``name``.

    Parameters
    ----------
    name : str
        The figure's entry-point name (its PNG stem; a figure of either group, the talk-scale
        experiments included). When an installed figure declares ``shares_seed_with``
        (:func:`figure`), that figure's key is used.
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
    function = next((ep.load() for group in (FIGURE_GROUP, TALK_SCALE_GROUP)
                     for ep in entry_points(group=group) if ep.name == name), None)
    return child(as_seed_sequence(rng), _seed_key(name, function))


def claims_table(claims: Iterable[Claim]) -> str:
    """The claims as a markdown table (claim, kind, theory, measured +- stderr, tolerance,
    agrees).

    The tolerance column gives ``4 se + allowance`` and the source of the allowance
    (:meth:`Claim.tolerance_text`), so the verdict can be checked from the table. A ``|``
    inside a claim is escaped, so the table renders in a notebook.

    Examples
    --------
    >>> from rmt.workflow import Claim, claims_table
    >>> print(claims_table([Claim("two is two", 2.0, 2.01, 0.01)]))
    | claim | kind | theory | measured | tolerance | agrees |
    | --- | --- | --- | --- | --- | --- |
    | two is two | law | 2 | 2.01 +- 0.01 | +- 0.04 (4 se) | yes |
    """
    if not isinstance(claims, Iterable) or isinstance(claims, (str, Claim)):
        raise TypeError(f"claims must be an iterable of Claim; got {claims!r}")
    claims = list(claims)
    for c in claims:
        if not isinstance(c, Claim):
            raise TypeError(f"claims must hold Claim objects; got {c!r} ({type(c).__name__})")
    lines = ["| claim | kind | theory | measured | tolerance | agrees |",
             "| --- | --- | --- | --- | --- | --- |"]
    for c in claims:
        err = f" +- {c.stderr:.2g}" if c.stderr else ""
        theory = f"> {c.theory:.6g}" if c.relation == "greater" else f"{c.theory:.6g}"
        cells = [c.claim, c.kind, theory, f"{c.measured:.6g}{err}", c.tolerance_text,
                 "yes" if c.agrees else "NO"]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines)


@dataclass(frozen=True)
class _Run:
    """A checked call of :func:`reproduce`: its target, its staging folder and its figures."""

    out: Path
    staging: Path
    quick: bool
    figures: list[tuple[str, Callable]]
    root: np.random.SeedSequence


def reproduce(out: str | os.PathLike = "results", *, quick: bool = False,
              only: Sequence[str] | None = None, talk_scale: bool = False, rng=0
              ) -> list[Claim]:
    """Draw every registered figure into ``out`` and write the claims table.

    The run is written into a hidden folder beside ``out`` (``.<name>.partial-*``) and moved
    into place when it is complete, replacing the previous run as a whole: an interrupted
    run (Ctrl-C, an error in a figure) leaves ``out`` as the last finished run left it, and
    the figures of one run are never found beside the claims of another.

    Parameters
    ----------
    out : str or os.PathLike
        Output folder: a new one, an empty one or the folder of an earlier run (holding only
        ``*.png``, ``claims.csv`` and ``claims.md``), which is replaced. Receives
        ``<name>.png`` per figure (tight layout, 110 dpi), ``claims.csv`` and ``claims.md``.
    quick : bool
        The reduced sizes of every figure (those the test suite and the notebooks' quick mode
        use) instead of the full ones.
    only : str or sequence of str, optional
        Names of the figures to draw (default: all).
    talk_scale : bool
        Draw the talk-scale experiments (entry-point group ``rmt.talk_scale``: the talk's
        22,210-parameter networks on real images, README "At the talk's scale") instead of
        the figures of the notebooks.
    rng : int or SeedSequence, default 0
        Root seed; figure ``name`` gets ``figure_rng(name, rng=rng)`` (:func:`figure_rng`).

    Returns
    -------
    list of Claim

    Raises
    ------
    LookupError
        No figure is registered (a source checkout that is not installed).
    TypeError
        ``out`` not a path, ``quick`` or ``talk_scale`` not a bool, ``only`` not names,
        ``rng`` not a seed.
    ValueError
        ``only`` names a figure that is not registered (or none); ``out`` is a file, lies
        under a file, cannot be written beside, holds files of its own, or is the current
        folder (or above it). All checks come before any figure is drawn.
    """
    return _execute(_prepare(out, quick=quick, only=only, rng=rng, talk_scale=talk_scale))


def _prepare(out, *, quick, only, rng, talk_scale=False) -> _Run:
    """Check every argument, then create the staging folder beside ``out``: no other work."""
    target = _check_out(out)
    quick = check_bool("quick", quick)
    talk_scale = check_bool("talk_scale", talk_scale)
    figures = _select(only, TALK_SCALE_GROUP if talk_scale else FIGURE_GROUP)
    root = as_seed_sequence(rng)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _recover(target)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-{_OWNER}-",
                                        dir=target.parent))
    except OSError as exc:
        raise ValueError(f"out: cannot write a folder in {target.parent} "
                         f"({exc.strerror or exc})") from None
    return _Run(target, staging, quick, figures, root)


#: Host and process that own a staging folder, in its name: a run killed outright (SIGKILL, a
#: power cut) leaves it behind, and the next run on this host recognises it as stale.
_OWNER = f"{socket.gethostname()}-{os.getpid()}"


def _recover(target: Path) -> None:
    """Clean up after a run of this host that was killed outright.

    Its staging folder (``.<name>.partial-<host>-<pid>-*``) is removed; a previous run set
    aside for the swap (``.<name>.previous-<host>-<pid>-*``, only there when the kill fell
    between the two renames) is put back when ``target`` is missing, removed otherwise.
    Folders of a live process, or of another host, are left alone.
    """
    host = socket.gethostname()
    for kind in ("partial", "previous"):
        for folder in target.parent.glob(f".{target.name}.{kind}-{host}-*"):
            pid = folder.name[len(f".{target.name}.{kind}-{host}-"):].split("-")[0]
            if not pid.isdigit() or alive(int(pid)):
                continue
            if kind == "previous" and not target.exists():
                os.rename(folder, target)
            else:
                shutil.rmtree(folder, ignore_errors=True)


def _check_out(out) -> Path:
    """``out`` as an absolute path that :func:`reproduce` may create or replace."""
    if not isinstance(out, (str, os.PathLike)) or isinstance(out, bytes):
        raise TypeError(f"out must be a folder path (str or os.PathLike); got {out!r} "
                        f"({type(out).__name__})")
    if not os.fspath(out):
        raise ValueError("out must name a folder; got ''")
    target = Path(os.path.abspath(out))
    here = Path.cwd()
    if target == here or target in here.parents:
        raise ValueError(f"out: {target} is the current folder or above it; reproduce "
                         "replaces out as a whole, so name a folder of its own")
    if target.exists() and not target.is_dir():
        raise ValueError(f"out: {target} is a file, not a folder")
    above = next(p for p in target.parents if p.exists())
    if not above.is_dir():
        raise ValueError(f"out: {above} is a file, so {target} cannot be created")
    if target.is_dir():
        foreign = sorted(p.name for p in target.iterdir() if not _is_run_file(p))
        if foreign:
            raise ValueError(f"out: {target} holds files rmt reproduce did not write "
                             f"({', '.join(foreign[:3])}{', ...' if len(foreign) > 3 else ''}"
                             "); it would replace them: name a new or empty folder")
    return target


def _is_run_file(path: Path) -> bool:
    return path.is_file() and (path.suffix == ".png" or path.name in _RUN_FILES)


def _execute(run: _Run) -> list[Claim]:
    """Draw the figures into the staging folder, write the claims, move it into place."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    claims: list[Claim] = []
    try:
        for name, make in run.figures:
            t0 = time.perf_counter()
            fig, rows = make(quick=run.quick, rng=child(run.root, _seed_key(name, make)))
            fig.tight_layout()
            fig.savefig(run.staging / f"{name}.png", dpi=110)
            plt.close(fig)
            claims += rows
            print(f"{name:>24}: {time.perf_counter() - t0:6.1f} s", flush=True)
        _write_claims(run.staging, claims)
        _move_into_place(run.staging, run.out)
    finally:
        shutil.rmtree(run.staging, ignore_errors=True)  # gone already when the run finished
    return claims


def _move_into_place(staging: Path, out: Path) -> None:
    """Rename ``staging`` to ``out``, the previous ``out`` (if any) set aside, then removed.

    SIGINT and SIGTERM are held meanwhile (where the platform can), so an interruption lands
    before the swap or after it, never between the two renames.
    """
    held = {signal.SIGINT, signal.SIGTERM}
    mask = getattr(signal, "pthread_sigmask", None)
    if mask is not None:
        mask(signal.SIG_BLOCK, held)
    try:
        previous = None
        if out.exists():
            previous = staging.with_name(staging.name.replace(".partial-", ".previous-"))
            os.rename(out, previous)
        try:
            os.rename(staging, out)
        except BaseException:
            if previous is not None:
                os.rename(previous, out)
            raise
        if previous is not None:
            shutil.rmtree(previous, ignore_errors=True)
    finally:
        if mask is not None:
            mask(signal.SIG_UNBLOCK, held)


def _write_claims(out: Path, claims: list[Claim]) -> None:
    with open(out / "claims.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["claim", "kind", "relation", "theory", "measured", "stderr", "allowance",
                    "basis", "tolerance", "agrees"])
        for c in claims:
            w.writerow([c.claim, c.kind, c.relation, f"{c.theory:.6g}", f"{c.measured:.6g}",
                        f"{c.stderr:.3g}", f"{c.allowance:.3g}", c.basis, f"{c.tolerance:.3g}",
                        c.agrees])
    n_rmt = 10**6
    footer = (f"All {n_rmt:.0e} eigenvalues positive: ln P = "
              f"{log_prob_all_positive(n_rmt, beta=1):.4g} (Dean-Majumdar) against "
              f"{-n_rmt * np.log(2):.4g} for fair coins.\n\nEach law agrees when "
              f"|measured - theory| <= {SIGMAS} standard errors + its allowance (the tolerance "
              f"column), or for an inequality (theory '> t') when measured - t exceeds it.")
    (out / "claims.md").write_text(f"{claims_table(claims)}\n\n{footer}\n")
