"""The public API as the tests walk it: every name in the ``__all__`` of the modules below.

Classes come with their public methods. Shared by the same-seed test
(``test_public_api.py``) and the bad-input fuzz test (``test_api_fuzz.py``), so a function
added to an ``__all__`` is covered by both the day it is added.
"""

from __future__ import annotations

import importlib
import inspect

MODULES = ("rmt", "rmt.plot", "rmt.random", "rmt.workflow", "fields", "fields.bray_dean",
           "fields.spin_glass", "fields.nn", "fields.data", "fields.saddles", "fields.surface",
           "optim", "optim.plot", "optim.saddles")


def public_callables() -> dict[str, object]:
    """``{qualified name: callable}``, each object once, under the first name it is found by."""
    seen: dict[str, object] = {}
    ids: set[int] = set()

    def add(name, obj):
        if id(obj) not in ids:
            ids.add(id(obj))
            seen[name] = obj

    for name in MODULES:
        module = importlib.import_module(name)
        for attr in getattr(module, "__all__", ()):
            obj = getattr(module, attr)
            if inspect.ismodule(obj) or id(obj) in ids or not callable(obj):
                continue
            add(f"{name}.{attr}", obj)
            if inspect.isclass(obj):
                for meth_name, meth in vars(obj).items():
                    if not meth_name.startswith("_") and callable(meth):
                        add(f"{name}.{attr}.{meth_name}", meth)
    return seen
