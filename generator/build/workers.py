"""sogen's worker processes: starting one of its own modules in a fresh interpreter, and
making every worker (forked or fresh) end with the build that started it."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])
_PARENT = "SOGEN_PARENT_PID"  # the build a fresh worker belongs to
_PR_SET_PDEATHSIG = 1


def start_module(module: str) -> subprocess.Popen[bytes] | None:
    """`python -m module` with pipes for stdin and stdout (stderr discarded: a worker's failure
    is noticed by its caller, which then does the work itself), or None when it cannot start.
    A fresh interpreter rather than a multiprocessing pool: no fork server or resource tracker,
    no copy of this process, only the worker's own imports. The module calls
    `belong_to_parent()` first."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH")) if p)
    env[_PARENT] = str(os.getpid())
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


def belong_to_parent() -> None:
    """In a worker started by `start_module`: end with the build that started it."""
    parent = os.environ.get(_PARENT, "")
    if parent.isdigit():
        die_with_parent(int(parent))


_HELD = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Ctrl-C and SIGTERM wait while workers are forked: a handler that raises would run in
    the fork hooks of the standard library, which swallow the exception (the build would go
    on as if never stopped), or in a child not yet a worker. They are delivered on leaving."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def die_with_parent(parent: int) -> None:
    """End this worker when process `parent` ends, however it ends (SIGKILL included): a
    worker left behind holds the build's stderr open, so a caller waiting for it hangs. On
    Linux the kernel sends SIGKILL (PR_SET_PDEATHSIG); elsewhere a thread watches for the
    worker being handed to another parent. Either way, a parent already gone ends it now.
    SIGTERM ends a worker plainly (a forked one inherits the build's handler, which would
    start the build's clean-up in the worker)."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):  # forked while the parent held them (signals_held)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _HELD)
    if not _kernel_kills_orphans():
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    if os.getppid() != parent:
        os._exit(1)


def _kernel_kills_orphans() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)
