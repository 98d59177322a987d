"""The ``rmt`` command line."""

from __future__ import annotations

import argparse
import sys

__all__ = ["main"]


def _reproduce(args: argparse.Namespace) -> int:
    from .reproduction import _select, reproduce

    only = None if args.only is None else [n.strip() for n in args.only.split(",") if n.strip()]
    try:
        _select(only)
    except (LookupError, ValueError) as exc:
        print(f"rmt reproduce: error: {exc}", file=sys.stderr)
        return 2
    claims = reproduce(args.out, quick=args.quick, only=only, rng=args.rng)
    laws = [c for c in claims if c.kind == "law"]
    observations = [c for c in claims if c.kind != "law"]
    failed = [c for c in laws if not c.agrees]
    print(f"{len(laws)} laws, {len(laws) - len(failed)} agree with theory; "
          f"{len(observations)} observations of the talk, "
          f"{sum(c.agrees for c in observations)} as expected; "
          f"figures and claims.md in {args.out}/")
    for c in failed:
        print(f"  disagrees: {c.claim}: theory {c.theory:.6g}, measured {c.measured:.6g}")
    for c in observations:
        if not c.agrees:
            print(f"  observed otherwise: {c.claim}: expected {c.relation} "
                  f"{c.theory:.6g}, measured {c.measured:.6g}")
    return 1 if failed else 0


def _value(text: str):
    """A command-line value: int, then float, then the string itself."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _parse_sets(items: list[str]) -> dict:
    grid = {}
    for item in items:
        name, eq, values = item.partition("=")
        parts = values.split(",")
        if not eq or not name.strip() or not values or any(not p.strip() for p in parts):
            raise ValueError(f"--set expects NAME=VALUE[,VALUE...]; got {item!r}")
        if name in grid:
            raise ValueError(f"--set {name} given twice")
        grid[name.strip()] = [_value(p.strip()) for p in parts]
    return grid


def _sweep(args: argparse.Namespace) -> int:
    from .registry import NOT_INSTALLED, entry_point_names, list_experiments
    from .sweeps import SweepInterrupted, sweep

    if args.list:
        for name, exp in list_experiments().items():
            params = ", ".join(f"{k}" if v is None else f"{k}={v!r}"
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
        grid = _parse_sets(args.set)
        ds = sweep(args.experiment, grid, args.replicates, rng=args.rng, workers=args.workers,
                   scheduler=args.scheduler, out=args.out, resume=args.resume,
                   progress=None if not args.quiet else False)
    except SweepInterrupted as exc:
        print(f"rmt sweep: {exc}", file=sys.stderr)
        return 130
    except (ValueError, TypeError, FileExistsError, ImportError) as exc:
        print(f"rmt sweep: error: {exc}", file=sys.stderr)
        return 2
    done = int(ds.done.sum())
    print(f"{args.experiment}: {done} of {ds.done.size} cells"
          + (f" in {args.out}" if args.out else ""))
    if args.out is None:
        print(_summary(ds))
    return 0


def _summary(ds) -> str:
    """Mean and standard error of every scalar output over replicates, per grid point."""
    import numpy as np

    grid = [d for d in ds.done.dims if d != "replicate"]
    scalars = [k for k in ds.data_vars if k != "done" and ds[k].dims == ds.done.dims]
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
    print(f"{ds.attrs.get('experiment')}: {int(ds.done.sum())} of {ds.done.size} cells done; "
          f"grid {ds.attrs.get('grid')}, seed {ds.attrs.get('seed_entropy')}")
    print(_summary(ds))
    figure = Path(args.figure) if args.figure else path.with_suffix(".png")
    _show_figure(ds, figure)
    print(f"figure: {figure}")
    return 0


def _show_figure(ds, path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    grid = [d for d in ds.done.dims if d != "replicate"]
    scalars = [k for k in ds.data_vars if k != "done" and ds[k].dims == ds.done.dims]
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
