"""Corpora shaped like the whole published API, made on demand from SuperOffice's own Swagger.

`../shared/tools/pages-from-swagger` writes one page per operation (3,356 for the 2026-07-10
files, 3,223 for 2024-04-30) in about a second. The pages are test data, never copied into the
project: each session writes them under its own temporary folder, once, and every test module
that asks gets the same folder. When ../shared is absent the asking test is skipped.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED = (REPO / ".." / "shared").resolve()
TOOL = SHARED / "tools" / "pages-from-swagger"
# input name -> the official Swagger zip it is made from
WHOLE_API = {
    "api2026": "Swagger-v1-2026-07-10.zip",
    "api2024": "Swagger-v1-2024-04-30.zip",
}
# fewest pages a whole-API corpus may have (guards against a tool that silently wrote a few)
MIN_PAGES = 3000


def whole_api_pages(name: str, factory: pytest.TempPathFactory) -> Path:
    """The page folder of whole-API corpus `name`, made the first time a session asks."""
    swagger = SHARED / "official" / WHOLE_API[name]
    if not TOOL.is_file() or not swagger.is_file():
        pytest.skip(f"{TOOL} or {swagger} is not present")
    folder = factory.getbasetemp() / "whole-api" / name
    if not folder.is_dir():
        folder.parent.mkdir(parents=True, exist_ok=True)
        partial = folder.with_name(name + ".partial")
        subprocess.run(
            [sys.executable, str(TOOL), str(swagger), str(partial)],
            check=True,
            capture_output=True,
            timeout=300,
        )
        partial.rename(folder)
    count = sum(1 for _ in folder.rglob("*.md"))
    assert count >= MIN_PAGES, f"{name}: only {count} pages made"
    return folder
