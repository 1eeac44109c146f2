"""Shared setup for the consumer-tool tests (real redocly, prism, tsc, openapi-generator)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# `tests.support` must be importable however pytest is started (`pytest` vs `python -m pytest`).
_REPO_ROOT = Path(__file__).resolve().parents[2]
if str(_REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(_REPO_ROOT))

from tests.support import consumers  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "consumers: runs real OpenAPI consumer tools (Node: redocly, prism, openapi-typescript, "
        "tsc; Java: openapi-generator); installs them once per machine on first use",
    )


@pytest.fixture(scope="session")
def node_tools() -> Path:
    # No skip when npm is missing: ensure_node_tools raises and the tests fail loudly.
    return consumers.ensure_node_tools()


@pytest.fixture(scope="session")
def petstore_spec() -> Path:
    return FIXTURES / "petstore-like.yaml"
