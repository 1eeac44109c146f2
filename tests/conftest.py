"""Makes tests/pagekit.py and tests.support importable however pytest is started."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
# and `tests.support` (the consumer harness, the whole-API corpora) from the repository root
_ROOT = str(Path(__file__).resolve().parents[1])
if _ROOT not in sys.path:
    sys.path.append(_ROOT)

# Tests never share the user's build cache: a fresh one per test session (subprocesses inherit it).
os.environ["SOGEN_CACHE_DIR"] = tempfile.mkdtemp(prefix="sogen-test-cache-")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Show the corpus counts (operations, samples, SOG303 ...) without needing `-s`."""
    from pagekit import COUNTS

    if COUNTS:
        terminalreporter.section("sogen corpus counts")
        for key, value in COUNTS.items():
            terminalreporter.write_line(f"{key}: {value}")
