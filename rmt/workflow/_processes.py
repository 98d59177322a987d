"""Whether a process of this host still runs: for the stale locks of sweeps and the stale
staging folders of ``rmt reproduce``, left by a process killed outright."""

from __future__ import annotations

import os
import sys


def alive(pid) -> bool:
    """Whether process ``pid`` of this host runs (a zombie does not)."""
    if isinstance(pid, bool) or not isinstance(pid, int) or pid <= 0:
        return False
    if sys.platform == "win32":  # pragma: no cover - os.kill would terminate it
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it runs, under another user
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True
