"""Starting one of sogen's own modules in a fresh interpreter (a worker for the build)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

_PACKAGE_ROOT = str(Path(__file__).resolve().parent.parent)


def start_module(module: str) -> subprocess.Popen[bytes] | None:
    """`python -m module` with pipes for stdin and stdout (stderr discarded: a worker's failure
    is noticed by its caller, which then does the work itself), or None when it cannot start.
    A fresh interpreter rather than a multiprocessing pool: no fork server or resource tracker,
    no copy of this process, only the worker's own imports."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH")) if p)
    try:
        return subprocess.Popen(
            [sys.executable, "-m", module],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )
    except OSError:
        return None
