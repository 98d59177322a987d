"""The ``rmt`` command line."""

from __future__ import annotations

import argparse
import sys

__all__ = ["main"]


def _reproduce(args: argparse.Namespace) -> int:
    from .reproduction import _execute, _prepare

    only = None if args.only is None else [n.strip() for n in args.only.split(",") if n.strip()]
    try:
        run = _prepare(args.out, quick=args.quick, only=only, rng=args.rng,
                       talk_scale=args.talk_scale)
    except (LookupError, TypeError, ValueError) as exc:
        print(f"rmt reproduce: error: {exc}", file=sys.stderr)
        return 2
    try:
        claims = _execute(run)
    except KeyboardInterrupt:
        print(f"rmt reproduce: interrupted; {run.out} is as the last finished run left it",
              file=sys.stderr)
        return 130
    laws = [c for c in claims if c.kind == "law"]
    observations = [c for c in claims if c.kind != "law"]
    failed = [c for c in laws if not c.agrees]
    print(f"{len(laws)} laws, {len(laws) - len(failed)} agree with theory; "
          f"{len(observations)} observations of the talk, "
          f"{sum(c.agrees for c in observations)} as expected; "
          f"figures and claims.md in {args.out}/")
    for c in failed:
        print(f"  disagrees: {c.claim}: theory {c.theory:.6g}, measured {c.measured:.6g}, "
              f"tolerance {c.tolerance_text}")
    for c in observations:
        if not c.agrees:
            print(f"  observed otherwise: {c.claim}: expected {c.relation} "
                  f"{c.theory:.6g}, measured {c.measured:.6g}")
    return 1 if failed else 0


def _value(text: str, kind):
    """A command-line value for a parameter declared ``kind``: the text itself for ``str``,
    ``true``/``false`` for ``bool``, otherwise an int, then a float, then the text (checked
    against the declared type by :func:`rmt.sweep`, which refuses ``N=2.5`` for an int)."""
    if kind is str:
        return text
    if kind is bool:
        return {"true": True, "false": False}.get(text.lower(), text)
    for number in (int, float):
        try:
            return number(text)
        except ValueError:
            pass
    return text


def _parse_sets(items: list[str], exp) -> dict:
    grid = {}
    for item in items:
        name, eq, values = item.partition("=")
        parts = values.split(",")
        if not eq or not name.strip() or not values or any(not p.strip() for p in parts):
            raise ValueError(f"--set expects NAME=VALUE[,VALUE...]; got {item!r}")
        if name in grid:
            raise ValueError(f"--set {name} given twice")
        grid[name.strip()] = [_value(p.strip(), exp.types.get(name.strip())) for p in parts]
    return grid


def _sweep(args: argparse.Namespace) -> int:
    from .registry import NOT_INSTALLED, entry_point_names, get_experiment, list_experiments
    from .sweeps import SweepCellError, SweepInterrupted, SweepLocked, sweep

    if args.list:
        for name, exp in list_experiments().items():
            params = ", ".join(k + (f": {exp.types[k].__name__}" if k in exp.types else "")
                               + ("" if v is None else f" = {v!r}")
                               for k, v in exp.parameters.items())
            print(f"{name}({params})\n    {exp.description}")
        if not entry_point_names():
            print(NOT_INSTALLED, file=sys.stderr)
        return 0
    if args.experiment is None:
        print("rmt sweep: error: name an experiment (rmt sweep --list shows them)",
              file=sys.stderr)
        return 2
    try:
        exp = get_experiment(args.experiment)
        ds = sweep(exp, _parse_sets(args.set, exp), args.replicates, rng=args.rng,
                   workers=args.workers, scheduler=args.scheduler, out=args.out,
                   resume=args.resume, on_error=args.on_error,
                   retry_failed=args.retry_failed, progress=None if not args.quiet else False)
    except SweepInterrupted as exc:
        print(f"rmt sweep: {exc}", file=sys.stderr)
        return 130
    except SweepCellError as exc:
        print(exc.error.rstrip(), file=sys.stderr)  # the cell's traceback
        print(f"rmt sweep: error: {exc}", file=sys.stderr)
        return 1
    except (ValueError, TypeError, OSError, ImportError, SweepLocked) as exc:
        print(f"rmt sweep: error: {exc}", file=sys.stderr)
        return 2
    failures = _failures(ds)
    print(f"{args.experiment}: {int(ds.done.sum())} of {ds.done.size} cells"
          + (f", {_n_failed(ds)} failed" if failures else "")
          + (f" in {args.out}" if args.out else ""))
    for line in failures:
        print(line, file=sys.stderr)
    if args.out is None:
        print(_summary(ds))
    return 1 if failures else 0


def _n_failed(ds) -> int:
    import numpy as np

    return int(np.sum(np.asarray(ds.error.values, dtype=object) != "")) if "error" in ds else 0


def _failures(ds, limit: int = 5) -> list[str]:
    """A line for each of the first ``limit`` failed cells: its grid values and replicate, and
    the last line of its error (the Dataset's ``error`` holds the whole traceback)."""
    import numpy as np

    if "error" not in ds:
        return []
    error = np.asarray(ds.error.values, dtype=object)
    failed = np.argwhere(error != "")
    lines = []
    for idx in failed[:limit]:
        cell = ", ".join(f"{d}={ds[d].values[i]}" for d, i in zip(ds.error.dims, idx,
                                                                  strict=True))
        lines.append(f"  failed: {cell}: {str(error[tuple(idx)]).strip().splitlines()[-1]}")
    if len(failed) > limit:
        lines.append(f"  ... and {len(failed) - limit} more (the error variable holds every "
                     f"traceback)")
    return lines


def _summary(ds) -> str:
    """Mean and standard error of every scalar output over replicates, per grid point."""
    import numpy as np

    grid = [d for d in ds.done.dims if d != "replicate"]
    scalars = _scalars(ds)
    lines = ["| " + " | ".join(grid + ["cells done"] + [f"{k} (mean +- se)" for k in scalars])
             + " |", "|" + " --- |" * (len(grid) + 1 + len(scalars))]
    stacked = ds.stack(point=grid) if grid else ds.expand_dims(point=[0])
    for i in range(stacked.sizes["point"]):
        row = stacked.isel(point=i)
        cells = [str(row[g].item()) for g in grid] + [f"{int(row.done.sum())}/{row.done.size}"]
        for k in scalars:
            v = np.asarray(row[k].values, dtype=float)
            v = v[np.asarray(row.done.values, dtype=bool)]
            if v.size:
                se = v.std(ddof=1) / np.sqrt(v.size) if v.size > 1 else float("nan")
                cells.append(f"{v.mean():.6g} +- {se:.2g}")
            else:
                cells.append("-")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _scalars(ds) -> list[str]:
    """The scalar outputs of a sweep Dataset (its own ``done`` and ``error`` left out)."""
    return [k for k in ds.data_vars
            if k not in ("done", "error") and ds[k].dims == ds.done.dims]


def _show(args: argparse.Namespace) -> int:
    from pathlib import Path

    import xarray as xr

    path = Path(args.store)
    try:
        ds = xr.open_zarr(path, consolidated=False).load()
        if "rmt_sweep_fingerprint" not in ds.attrs or "done" not in ds:
            raise ValueError("not a store written by rmt sweep")
    except Exception as exc:  # noqa: BLE001 - any unreadable store gets the same message
        print(f"rmt show: error: cannot read {path} as a sweep store: {exc}", file=sys.stderr)
        return 2
    failures = _failures(ds)
    print(f"{ds.attrs.get('experiment')}: {int(ds.done.sum())} of {ds.done.size} cells done"
          + (f", {_n_failed(ds)} failed" if failures else "")
          + f"; grid {ds.attrs.get('grid')}, seed {ds.attrs.get('seed_entropy')}")
    print(_writer(path))
    for line in failures:
        print(line)
    print(_summary(ds))
    figure = Path(args.figure) if args.figure else path.with_suffix(".png")
    _show_figure(ds, figure)
    print(f"figure: {figure}")
    return 0


def _writer(path) -> str:
    """Whether a sweep is writing the store ``path`` now (its lock, module
    :mod:`rmt.workflow.sweeps`)."""
    from .sweeps import _read_lock, _stale

    owner = _read_lock(path.with_name(path.name + ".lock"))
    if owner is None:
        return "no sweep is writing it"
    if _stale(owner):
        return (f"its sweep (pid {owner.get('pid')}) was killed; resume it with the same "
                f"command and --resume")
    return (f"being written now by pid {owner.get('pid')} on host {owner.get('host')}, since "
            f"{owner.get('started')}")


def _show_figure(ds, path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    grid = [d for d in ds.done.dims if d != "replicate"]
    scalars = _scalars(ds)
    fig, axes = plt.subplots(1, max(1, len(scalars)), figsize=(5.5 * max(1, len(scalars)), 4),
                             squeeze=False)
    done = ds.done.astype(bool)
    for ax, k in zip(axes[0], scalars, strict=False):
        values = ds[k].where(done)
        mean = values.mean("replicate")
        se = values.std("replicate", ddof=1) / np.sqrt(done.sum("replicate"))
        if not grid:
            ax.bar([0], [float(mean)], yerr=[float(se)])
        else:
            x = grid[0]
            rest = [g for g in grid if g != x]
            labels = (mean.stack(series=rest).series.values if rest else [None])
            m = mean.stack(series=rest) if rest else mean.expand_dims(series=[None])
            e = se.stack(series=rest) if rest else se.expand_dims(series=[None])
            numeric = np.issubdtype(ds[x].dtype, np.number)
            for j, label in enumerate(labels):
                ax.errorbar(ds[x].values if numeric else np.arange(ds.sizes[x]),
                            m.isel(series=j).values, yerr=e.isel(series=j).values, fmt="o-",
                            label=None if label is None else f"{rest} = {label}")
            if numeric and np.all(ds[x].values > 0) and ds[x].values.max() > \
                    20 * ds[x].values.min():
                ax.set_xscale("log")
            ax.set_xlabel(x)
            if rest:
                ax.legend(fontsize="small")
        ax.set_ylabel(f"{k} (mean +- se over replicates)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="rmt", description="Random-matrix theory of "
                                     "high-dimensional loss surfaces.")
    sub = parser.add_subparsers(dest="command", required=True)
    rep = sub.add_parser("reproduce", help="regenerate the figures of the talk and a table "
                         "of claims (theory vs measured)")
    rep.add_argument("--out", default="results", help="output folder (default: results)")
    rep.add_argument("--quick", action="store_true", help="reduced sizes, for a laptop")
    rep.add_argument("--only", default=None, metavar="NAME[,NAME...]",
                     help="draw only these figures (names of the PNG files, without .png)")
    rep.add_argument("--rng", type=int, default=0, help="root seed (default: 0)")
    rep.add_argument("--talk-scale", action="store_true",
                     help="the talk's experiments at the talk's sizes on real images instead "
                     "(about 45 minutes on 2 cores; with --quick, a reduced run)")
    rep.set_defaults(func=_reproduce)
    sw = sub.add_parser("sweep", help="run an experiment over a grid of parameters and "
                        "replicates, locally or on a dask cluster")
    sw.add_argument("experiment", nargs="?", help="registered name or module:function")
    sw.add_argument("--list", action="store_true", help="list the experiments and exit")
    sw.add_argument("--set", action="append", default=[], metavar="NAME=V1,V2,...",
                    help="values of one grid parameter (repeat for several)")
    sw.add_argument("--replicates", type=int, default=1, help="cells per grid point")
    sw.add_argument("--rng", type=int, default=0, help="root seed (default: 0)")
    sw.add_argument("--out", default=None, help="zarr store written as results arrive")
    sw.add_argument("--workers", type=int, default=None,
                    help="local processes (default: all cores)")
    sw.add_argument("--scheduler", default=None, help="dask scheduler address, e.g. "
                    "tcp://host:8786")
    sw.add_argument("--resume", action="store_true", help="finish the sweep stored at --out")
    sw.add_argument("--on-error", choices=("raise", "record"), default="raise",
                    help="a failed cell stops the sweep (raise, the default) or is recorded "
                    "in the store's error variable while the sweep goes on (record)")
    sw.add_argument("--retry-failed", action="store_true",
                    help="with --resume, compute the recorded failed cells again")
    sw.add_argument("--quiet", action="store_true", help="no progress bar")
    sw.set_defaults(func=_sweep)
    sh = sub.add_parser("show", help="summary table and figure of a sweep store")
    sh.add_argument("store", help="a zarr store written by rmt sweep")
    sh.add_argument("--figure", default=None, help="PNG path (default: STORE with .png)")
    sh.set_defaults(func=_show)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
