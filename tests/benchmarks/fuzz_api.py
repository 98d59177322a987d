"""The whole-API fuzz of ``tests/test_api_fuzz.py`` as a table: values tried and bad outcomes.

Run from the repository root::

    python tests/benchmarks/fuzz_api.py [--list]

One row per module: public callables fuzzed, parameters given a kind, bad values tried, and
bad outcomes (a value accepted, an error that does not name its argument, any other exception,
a hang or an allocation past the memory limit); ``--list`` prints each bad outcome. The test
suite asserts the same (zero bad outcomes); this prints the figures. Not a test.
"""

from __future__ import annotations

import argparse
import inspect
import sys
from collections import defaultdict
from pathlib import Path

import fields  # noqa: E402, F401 - imported before tests/ joins the path: its folders
import optim  # noqa: E402, F401 - rmt, fields and optim would shadow the packages
import rmt  # noqa: E402, F401

sys.path.append(str(Path(__file__).resolve().parents[1]))

import test_api_fuzz as fuzz  # noqa: E402
from public_api import MODULES  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="print every bad outcome")
    args = parser.parse_args()
    rows: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    outcomes = []
    for name in fuzz.COVERED:
        module = next(m for m in sorted(MODULES, key=len, reverse=True)
                      if name.startswith(m + "."))
        if name not in fuzz.BASES:
            outcomes.append(f"{name}: no base call in tests/test_api_fuzz.py (not fuzzed)")
            continue
        tried, bad = fuzz.fuzz(name)
        params = len(inspect.signature(fuzz._target(name)).parameters)
        row = rows[module]
        row[0] += 1
        row[1] += params
        row[2] += tried
        row[3] += len(bad)
        outcomes += [f"{name}: {b}" for b in bad]
    print("| module | callables | parameters | bad values tried | bad outcomes |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for module, (n, p, t, b) in rows.items():
        print(f"| {module} | {n} | {p} | {t} | {b} |")
    total = [sum(col) for col in zip(*rows.values(), strict=True)]
    print(f"| **all** | {total[0]} | {total[1]} | {total[2]} | {total[3]} |")
    print(f"\n{len(fuzz.EXEMPT)} public names exempt (result records, protocols, a scipy "
          f"distribution tested on its own).")
    if args.list:
        print("\n".join(outcomes))


if __name__ == "__main__":
    main()
