"""The ``rmt`` command line."""

from __future__ import annotations

import argparse
import sys

__all__ = ["main"]


def _reproduce(args: argparse.Namespace) -> int:
    from .reproduce import reproduce

    claims = reproduce(args.out, quick=args.quick, rng=args.rng)
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="rmt", description="Random-matrix theory of "
                                     "high-dimensional loss surfaces.")
    sub = parser.add_subparsers(dest="command", required=True)
    rep = sub.add_parser("reproduce", help="regenerate the figures of the talk and a table "
                         "of claims (theory vs measured)")
    rep.add_argument("--out", default="results", help="output folder (default: results)")
    rep.add_argument("--quick", action="store_true", help="reduced sizes, for a laptop")
    rep.add_argument("--rng", type=int, default=0, help="root seed (default: 0)")
    rep.set_defaults(func=_reproduce)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
